"""Runs shared by the deliverables' tests: the pipeline once per region, up to the ranking.

Each run has a temporary home of its own (``outputs/<region>/`` holds its
published tables), so the tests never touch the repository's outputs.
"""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import pytest

from connectivity import pipeline
from connectivity.settings import settings


def _ranked(home: Path, region: str | Path) -> Any:
    old = settings.home
    settings.home = home
    try:
        return pipeline.run_stages(region, until="ranking")
    finally:
        settings.home = old


@pytest.fixture(scope="session")
def ranked_sample(tmp_path_factory: pytest.TempPathFactory, repo_root: Path) -> Any:
    """The synthetic sample region run to the ranking (``out_dir`` holds its CSVs)."""
    home = tmp_path_factory.mktemp("sample_home")
    (home / "data" / "regions").mkdir(parents=True)
    shutil.copy(repo_root / "data" / "regions" / "sample.toml", home / "data" / "regions")
    return _ranked(home, "sample")


@pytest.fixture(scope="session")
def ranked_cusco(
    tmp_path_factory: pytest.TempPathFactory, repo_root: Path, shared_data: Path
) -> Any:
    """Cusco's real data (OSM, MINEDU) run to the ranking."""
    home = tmp_path_factory.mktemp("cusco_home")
    return _ranked(home, repo_root / "data" / "regions" / "cusco.toml")
