"""Shared fixtures: the real data in ../shared/data (read in place) and temp homes."""

from __future__ import annotations

from pathlib import Path

import pytest

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
