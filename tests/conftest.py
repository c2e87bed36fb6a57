"""Shared fixtures: the real data in ../shared/data (read in place), temp homes, and the
sample and Cusco run once per session to the ranking (each in a temporary home of its own:
``outputs/<region>/`` holds its published tables; the tests never touch the repository's).
"""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import pytest

from connectivity import pipeline
from connectivity.settings import settings

REPO_ROOT = Path(__file__).resolve().parents[1]
SHARED_DATA = REPO_ROOT.parent / "shared" / "data"


@pytest.fixture(scope="session")
def shared_data() -> Path:
    """Folder of the real test data (Cusco OSM, INEI villages, MINEDU layers).

    The data are read where they are and never copied into the repository.
    """
    if not (SHARED_DATA / "README.md").is_file():
        pytest.fail(f"real test data not found at {SHARED_DATA} (expected ../shared/data)")
    return SHARED_DATA


@pytest.fixture(scope="session")
def cusco_pbf(shared_data: Path) -> Path:
    """The real OpenStreetMap extract of Cusco (© OpenStreetMap contributors, ODbL)."""
    return shared_data / "cusco" / "cusco.osm.pbf"


@pytest.fixture(scope="session")
def repo_root() -> Path:
    """Root folder of the repository."""
    return REPO_ROOT


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
