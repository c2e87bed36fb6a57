"""A DEM that does not fit the region, through the command line (issue 15).

A DEM of another place used to be accepted: walking became flat-land walking and
every new link vanished, with exit code 0. A text file given as the DEM gave a
rasterio traceback. Both now stop the run with exit code 2 before anything is
written; a DEM that misses a few points warns and the run goes on.
"""

from __future__ import annotations

import logging
import shutil
from pathlib import Path

import numpy as np
import pytest
import rasterio
from pyproj import Transformer

from connectivity.cli import main
from connectivity.sample import generate_sample_region
from connectivity.settings import settings
from connectivity.sources.elevation import DEM_NODATA


@pytest.fixture(scope="module")
def sample_home(tmp_path_factory: pytest.TempPathFactory, repo_root: Path) -> Path:
    """A project home with the sample region generated (seed and size of ``sample.toml``)."""
    root = tmp_path_factory.mktemp("home")
    (root / "data" / "regions").mkdir(parents=True)
    shutil.copy(repo_root / "data" / "regions" / "sample.toml", root / "data" / "regions")
    generate_sample_region(root / "data" / "sample", seed=42, size=1.0)
    return root


@pytest.fixture
def home(sample_home: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setattr(settings, "home", sample_home)
    return sample_home


def _region(home: Path, name: str, dem: Path) -> Path:
    """The sample's config under another name, with ``elevation.path`` = ``dem``."""
    regions = home / "data" / "regions"
    text = (regions / "sample.toml").read_text(encoding="utf-8")
    assert 'path = "../sample/elevation.tif"' in text and 'name = "sample"' in text
    text = text.replace('path = "../sample/elevation.tif"', f'path = "{dem.as_posix()}"')
    config = regions / f"{name}.toml"
    config.write_text(text.replace('name = "sample"', f'name = "{name}"'), encoding="utf-8")
    return config


def _dem_variant(home: Path, name: str, *, east_deg: float = 0.0, west_share: float = 0.0) -> Path:
    """The sample DEM moved ``east_deg`` degrees east, or with nodata on its west side.

    ``west_share``: the share of the sample's road nodes and communities (by
    their x) left on nodata cells.
    """
    source = home / "data" / "sample" / "elevation.tif"
    with rasterio.open(source) as src:
        profile, grid, t = src.profile, src.read(1), src.transform
        to_lonlat = Transformer.from_crs(src.crs, 4326, always_xy=True)
        from_lonlat = Transformer.from_crs(4326, src.crs, always_xy=True)
        centre = src.xy(src.height // 2, src.width // 2)
        lon, lat = to_lonlat.transform(*centre)
        moved_x = from_lonlat.transform(lon + east_deg, lat)[0]
        profile["transform"] = rasterio.Affine(t.a, t.b, t.c + moved_x - centre[0], t.d, t.e, t.f)
        if west_share:
            import networkx as nx
            import pandas as pd

            from connectivity.sources import osm

            graph: nx.MultiDiGraph = osm.graph_from_osm_file(home / "data" / "sample" / "roads.osm")
            villages = pd.read_csv(home / "data" / "sample" / "communities.csv")
            lons = np.r_[[d["x"] for _, d in graph.nodes(data=True)], villages["lon"]]
            lats = np.r_[[d["y"] for _, d in graph.nodes(data=True)], villages["lat"]]
            xs = from_lonlat.transform(lons, lats)[0]
            cut = int((np.quantile(xs, west_share) - t.c) // t.a)
            grid[:, :cut] = DEM_NODATA
    out = home / "data" / "sample" / f"{name}.tif"
    with rasterio.open(out, "w", **profile) as dst:
        dst.write(grid, 1)
    return out


def _files(home: Path) -> dict[str, bytes]:
    """Every file under the outputs and maps folders, with its content.

    The run lock (``outputs/.<region>.lock``) stays by design and is left out.
    """
    return {
        str(p.relative_to(home)): p.read_bytes()
        for folder in ("outputs", "maps")
        for p in sorted((home / folder).rglob("*"))
        if p.is_file() and not (p.parent.parent == home and p.name.endswith(".lock"))
    }


def _seed_old_outputs(home: Path, region: str) -> None:
    for folder, name in (("outputs", "ranking.csv"), ("maps", "access.html")):
        (home / folder / region).mkdir(parents=True, exist_ok=True)
        (home / folder / region / name).write_text("a previous run\n", encoding="utf-8")


def test_a_dem_of_another_place_stops_the_run_before_it_writes(
    home: Path, caplog: pytest.LogCaptureFixture, capsys: pytest.CaptureFixture[str]
) -> None:
    dem = _dem_variant(home, "elevation_shifted", east_deg=5.0)
    _region(home, "shifted", dem)
    _seed_old_outputs(home, "shifted")
    before = _files(home)
    assert main(["run", "--region", "shifted", "-q"]) == 2
    errors = [r.getMessage() for r in caplog.records if r.levelno >= logging.ERROR]
    assert len(errors) == 1
    message = errors[0]
    # the key and config, the file, the share, and both extents in lon/lat
    assert message.startswith("elevation.path (from ")
    assert "shifted.toml" in message and str(dem) in message
    assert "covers 0% of the points" in message
    assert "of the 333 communities (333 off it)" in message
    assert "DEM lon -69.4" in message and "region lon -74.4" in message
    assert "Traceback" not in caplog.text + capsys.readouterr().err
    assert _files(home) == before  # nothing new, nothing removed


def test_a_text_file_as_dem_is_an_error_naming_it_not_a_traceback(
    home: Path, caplog: pytest.LogCaptureFixture, capsys: pytest.CaptureFixture[str]
) -> None:
    notes = home / "data" / "sample" / "notes.tif"
    notes.write_text("elevation: 3,400 m (from the GPS)\n", encoding="utf-8")
    _region(home, "textdem", notes)
    before = _files(home)
    assert main(["run", "--region", "textdem", "-q"]) == 2
    (message,) = [r.getMessage() for r in caplog.records if r.levelno >= logging.ERROR]
    assert message.startswith("elevation.path (from ")
    assert f"textdem.toml): {notes}: cannot read it as a raster" in message
    assert "Traceback" not in caplog.text + capsys.readouterr().err
    assert _files(home) == before


def test_a_dem_missing_a_few_points_warns_and_the_run_goes_on(
    home: Path, caplog: pytest.LogCaptureFixture
) -> None:
    dem = _dem_variant(home, "elevation_clipped", west_share=0.03)
    _region(home, "clipped", dem)
    assert main(["network", "--region", "clipped", "-q"]) == 0
    (warning,) = [r.getMessage() for r in caplog.records if "covers" in r.getMessage()]
    assert warning.startswith("elevation.path (from ") and str(dem) in warning
    share = float(warning.split(" covers ")[1].split("%")[0])
    assert 96.5 <= share <= 97.5
    assert "off it)" in warning and "timed as on flat land" in warning
    assert (home / "outputs" / "clipped" / "network_pieces.csv").is_file()


def test_the_sample_dem_covers_the_whole_sample_region(
    home: Path, caplog: pytest.LogCaptureFixture
) -> None:
    from connectivity.config import load_region_config
    from connectivity.pipeline.inputs import load_inputs

    with caplog.at_level(logging.INFO, logger="connectivity.sources.elevation"):
        inputs = load_inputs(load_region_config("sample"))
    assert inputs.dem_path == home / "data" / "sample" / "elevation.tif"
    assert "covers all road nodes and communities" in caplog.text
    assert not [r for r in caplog.records if r.levelno >= logging.WARNING]
