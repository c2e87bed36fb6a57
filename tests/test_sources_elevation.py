"""Elevation: a DEM interpolated from contour lines (real Cusco SRTM contours, an invented cone)."""

from __future__ import annotations

import logging
import os
from pathlib import Path

import geopandas as gpd
import numpy as np
import osmium
import pytest
import rasterio
import shapely
from scipy.interpolate import LinearNDInterpolator
from scipy.spatial import Delaunay

from connectivity.errors import CrsError, DataError, EmptyRegionError, MissingFileError
from connectivity.sources import elevation

CONE_CENTRE = (580_000.0, 8_470_000.0)  # UTM 18S


@pytest.fixture(scope="session")
def contours_pbf(shared_data: Path) -> Path:
    return shared_data / "cusco" / "cusco-srtm-contours.osm.pbf"


@pytest.fixture(scope="module")
def cusco_dem(contours_pbf: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("dem") / "cusco_dem.tif"
    return elevation.dem_file_from_contours(contours_pbf, out, resolution_m=100)


def _cone(path: Path, *, radii: tuple[float, ...] = (100, 200, 300, 400, 500)) -> Path:
    """Contour rings of an invented cone: elevation 1000 m at the top, -1 m per metre out."""
    x, y = CONE_CENTRE
    circles = [shapely.Point(x, y).buffer(r, quad_segs=64) for r in radii]
    rings = [shapely.LineString(c.exterior.coords) for c in circles]
    gpd.GeoDataFrame({"altura": [1000.0 - r for r in radii]}, geometry=rings, crs=32718).to_file(
        path
    )
    return path


def test_cusco_contours(contours_pbf: Path, caplog: pytest.LogCaptureFixture) -> None:
    ways = [
        (w.id, w.tags.get("ele"), len({n.ref for n in w.nodes}))
        for w in osmium.FileProcessor(str(contours_pbf), osmium.osm.WAY)
        if w.tags.get("contour") == "elevation"
    ]
    assert len(ways) == 976 and all(ele is not None for _, ele, _ in ways)
    contours = elevation.contours_from_file(contours_pbf)
    # 5 ways have fewer than two distinct nodes: no line to interpolate along
    assert sum(1 for _, _, n in ways if n < 2) == 5
    assert len(contours) == 971
    assert "5 contour ways have fewer than two distinct located nodes" in caplog.text
    assert contours.crs.to_epsg() == 4326
    assert (contours["ele"] % 25 == 0).all()  # a 25 m interval
    assert (contours["ele"].min(), contours["ele"].max()) == (2950.0, 4525.0)


def test_cusco_dem(cusco_dem: Path, contours_pbf: Path) -> None:
    contours = elevation.contours_from_file(contours_pbf)
    with rasterio.open(cusco_dem) as dem:
        assert dem.crs.to_epsg() == 32719  # the UTM zone of Cusco
        assert dem.res == (100.0, 100.0) and dem.nodata == elevation.DEM_NODATA
        assert dem.dtypes == ("float32",)
        values = dem.read(1, masked=True)
        lines = contours.to_crs(dem.crs)
        xy, index = shapely.get_coordinates(lines.geometry.to_numpy(), return_index=True)
        rows, cols = rasterio.transform.rowcol(dem.transform, xy[:, 0], xy[:, 1])
        at_vertices = values.filled(elevation.DEM_NODATA)[np.asarray(rows), np.asarray(cols)]
        tags = dem.tags()
    assert tags["resolution_m"] == "100.0" and tags["n_contours"] == "971"
    assert values.count() / values.size > 0.95
    assert values.min() >= 2950 and values.max() <= 4525
    # on the contours, the DEM gives back their elevation (within a cell's slope)
    ele = lines["ele"].to_numpy()[index]
    covered = at_vertices != elevation.DEM_NODATA
    error = np.abs(at_vertices[covered] - ele[covered])
    assert covered.mean() > 0.99
    assert np.median(error) < 12.5 and np.percentile(error, 90) < 40


def test_rasterized_tin_equals_scipy_interpolation(contours_pbf: Path) -> None:
    # the real contours of a 3 km square, on a 30 m grid: every cell against scipy
    lines = elevation.contours_from_file(contours_pbf).to_crs(32719)
    west, north = 178_000.0, 8_506_000.0
    part = lines.clip(shapely.box(west, north - 3000, west + 3000, north))
    xy, z = elevation._vertices(part)
    assert len(xy) > 1000
    tin = elevation.rasterize_tin(
        xy, z, Delaunay(xy).simplices, west=west, north=north, res=30.0, shape=(100, 100)
    )
    gx, gy = np.meshgrid(west + 15 + 30 * np.arange(100), north - 15 - 30 * np.arange(100))
    reference = LinearNDInterpolator(xy, z)(gx, gy)
    np.testing.assert_array_equal(np.isnan(tin), np.isnan(reference))
    assert np.isfinite(tin).mean() > 0.9
    np.testing.assert_allclose(tin, reference, rtol=0, atol=1e-9)
    # a tiny grid
    pts = np.array([[0.0, 0.0], [10.0, 0.0], [0.0, 10.0], [10.0, 10.0], [4.0, 6.0]])
    vals = np.array([1.0, 2.0, 3.0, 7.0, 5.0])
    small = elevation.rasterize_tin(
        pts, vals, Delaunay(pts).simplices, west=-1.0, north=11.0, res=1.0, shape=(12, 12)
    )
    sx, sy = np.meshgrid(np.arange(12) - 0.5, 10.5 - np.arange(12))
    np.testing.assert_allclose(small, LinearNDInterpolator(pts, vals)(sx, sy), atol=1e-12)


def test_cone_dem_is_linear_between_contours(tmp_path: Path) -> None:
    contours = _cone(tmp_path / "cone.gpkg")
    dem = elevation.dem_file_from_contours(
        contours, tmp_path / "cone.tif", resolution_m=10, elevation_column="altura"
    )
    with rasterio.open(dem) as src:
        assert src.crs.to_epsg() == 32718
        grid = src.read(1, masked=True)
        rows, cols = np.nonzero(~np.ma.getmaskarray(grid))
        x, y = src.xy(rows, cols)
    distance = np.hypot(np.asarray(x) - CONE_CENTRE[0], np.asarray(y) - CONE_CENTRE[1])
    between = (distance > 110) & (distance < 490)
    error = np.abs(grid.compressed()[between] - (1000 - distance[between]))
    assert between.sum() > 5000 and error.max() < 2.0
    # beyond the outer ring there is nothing to interpolate: nodata
    assert distance.max() <= 500.5
    # inside the top ring: flat at its height (no summit from contours alone)
    assert np.allclose(grid.compressed()[distance < 90], 900.0)


def test_dem_is_cached(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    contours = _cone(tmp_path / "cone.gpkg")
    out = tmp_path / "dem" / "cone.tif"
    kwargs = {"resolution_m": 20.0, "elevation_column": "altura"}
    elevation.dem_file_from_contours(contours, out, **kwargs)
    built = out.stat().st_mtime_ns
    with caplog.at_level(logging.INFO, logger="connectivity"):
        elevation.dem_file_from_contours(contours, out, **kwargs)
    assert out.stat().st_mtime_ns == built
    assert "is up to date" in caplog.text
    # another resolution: rebuilt
    elevation.dem_file_from_contours(contours, out, resolution_m=25.0, elevation_column="altura")
    with rasterio.open(out) as src:
        assert src.res == (25.0, 25.0)
    # contours newer than the DEM: rebuilt
    before = out.stat().st_mtime_ns
    later = before / 1e9 + 10
    os.utime(contours, (later, later))
    elevation.dem_file_from_contours(contours, out, resolution_m=25.0, elevation_column="altura")
    assert out.stat().st_mtime_ns != before
    assert sorted(p.name for p in out.parent.iterdir()) == ["cone.tif"]


def test_failed_build_leaves_nothing_half_written(tmp_path: Path) -> None:
    contours = _cone(tmp_path / "cone.gpkg")
    out = tmp_path / "dem" / "cone.tif"
    elevation.dem_file_from_contours(contours, out, resolution_m=20, elevation_column="altura")
    good = out.read_bytes()
    os.utime(contours, (out.stat().st_mtime + 10,) * 2)  # force a rebuild
    with pytest.raises(DataError, match=r"no elevation column 'ele'; the layer has 'altura'"):
        elevation.dem_file_from_contours(contours, out, resolution_m=20)
    with pytest.raises(DataError, match="more than 100,000,000"):
        elevation.dem_file_from_contours(
            contours, out, resolution_m=0.05, elevation_column="altura"
        )
    assert out.read_bytes() == good
    assert sorted(p.name for p in out.parent.iterdir()) == ["cone.tif"]


def test_bad_contours(tmp_path: Path, cusco_pbf: Path) -> None:
    with pytest.raises(MissingFileError, match="contour file not found"):
        elevation.dem_file_from_contours(tmp_path / "none.osm.pbf", tmp_path / "dem.tif")
    rings = gpd.read_file(_cone(tmp_path / "cone.gpkg"))
    with pytest.warns(UserWarning, match="crs"):
        rings.set_crs(None, allow_override=True).to_file(tmp_path / "nocrs.gpkg")
    with pytest.raises(CrsError, match=r"nocrs.gpkg: the contour layer has no CRS"):
        elevation.dem_file_from_contours(tmp_path / "nocrs.gpkg", tmp_path / "dem.tif")
    with pytest.raises(CrsError, match="must be projected"):
        elevation.dem_file_from_contours(
            tmp_path / "cone.gpkg", tmp_path / "dem.tif", crs="EPSG:4326", elevation_column="altura"
        )
    with pytest.raises(DataError, match="resolution_m must be a positive number"):
        elevation.dem_file_from_contours(
            tmp_path / "cone.gpkg", tmp_path / "dem.tif", resolution_m=0
        )
    # the Cusco road extract has ways with `ele` (a street, a rock) but no contour lines
    with pytest.raises(EmptyRegionError, match="no contour lines"):
        elevation.dem_file_from_contours(cusco_pbf, tmp_path / "dem.tif")
    corrupt = tmp_path / "broken.osm.pbf"
    corrupt.write_bytes(b"\x00\x00\x00\x0dnot a pbf at all")
    with pytest.raises(DataError, match=r"broken.osm.pbf: cannot read OpenStreetMap data"):
        elevation.dem_file_from_contours(corrupt, tmp_path / "dem.tif")
    assert not (tmp_path / "dem.tif").exists()
