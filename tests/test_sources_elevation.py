"""Elevation: a DEM interpolated from contour lines (real Cusco SRTM contours, an invented cone)."""

from __future__ import annotations

import logging
import os
import re
from pathlib import Path

import geopandas as gpd
import numpy as np
import osmium
import pandas as pd
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


def test_cusco_dem_band_from_one_read_equals_gdals_mask(cusco_dem: Path) -> None:
    with elevation.open_dem(cusco_dem, what="test") as src:
        expected = src.read(1, masked=True).astype(float).filled(np.nan)
        quick = elevation._band_masked_by_nodata(src)
    assert quick is not None and np.isnan(expected).any()  # cells outside the contours
    assert np.array_equal(quick, expected, equal_nan=True)


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


# --- a DEM's coverage of the region, and DEMs that cannot be read --------------------------


def _write_dem(
    path: Path, grid: np.ndarray, *, crs: str, west: float, north: float, res: float
) -> Path:
    profile = {
        "driver": "GTiff",
        "width": grid.shape[1],
        "height": grid.shape[0],
        "count": 1,
        "dtype": "float32",
        "crs": crs,
        "transform": rasterio.transform.from_origin(west, north, res, res),
        "nodata": elevation.DEM_NODATA,
    }
    with rasterio.open(path, "w", **profile) as dst:
        dst.write(grid.astype(np.float32), 1)
    return path


def _lonlat(xs: list[float], ys: list[float], crs: str) -> tuple[np.ndarray, np.ndarray]:
    from pyproj import Transformer

    lon, lat = Transformer.from_crs(crs, 4326, always_xy=True).transform(xs, ys)
    return np.asarray(lon), np.asarray(lat)


def test_coverage_counts_points_on_valid_cells_in_the_dems_crs(tmp_path: Path) -> None:
    # a 10 x 10 grid of 100 m cells in UTM 18S: one nodata cell, one NaN cell
    grid = np.full((10, 10), 3000.0)
    grid[0, 0] = elevation.DEM_NODATA
    grid[0, 1] = np.nan
    utm = _write_dem(
        tmp_path / "utm.tif", grid, crs="EPSG:32718", west=500_000, north=8_500_000, res=100
    )
    # cell centres of (5, 5), (0, 0) nodata, (0, 1) NaN; then 50 m west and north of the grid
    xs = [500_550.0, 500_050.0, 500_150.0, 499_950.0, 500_550.0]
    ys = [8_499_450.0, 8_499_950.0, 8_499_950.0, 8_499_450.0, 8_500_050.0]
    lon, lat = _lonlat(xs, ys, "EPSG:32718")
    assert elevation.dem_coverage(utm, lon, lat) == pytest.approx(1 / 5)
    assert elevation.dem_coverage(utm, lon[:1], lat[:1]) == 1.0
    assert elevation.dem_coverage(utm, [], []) == 1.0
    # the same points on a DEM in degrees: reprojected to it, not compared as metres
    geo = _write_dem(
        tmp_path / "geo.tif",
        np.full((50, 50), 3000.0),
        crs="EPSG:4326",
        west=float(lon[0]) - 0.25,
        north=float(lat[0]) + 0.25,
        res=0.01,
    )
    assert elevation.dem_coverage(geo, lon, lat) == 1.0
    assert elevation.dem_coverage(geo, lon + 0.3, lat) == 0.0


def test_coverage_below_the_threshold_names_file_key_shares_and_bounds(tmp_path: Path) -> None:
    dem = _write_dem(
        tmp_path / "dem.tif",
        np.full((10, 10), 3000.0),
        crs="EPSG:32718",
        west=500_000,
        north=8_500_000,
        res=100,
    )
    inside = _lonlat([500_500.0] * 19, [8_499_500.0] * 19, "EPSG:32718")
    away = _lonlat([600_000.0], [8_499_500.0], "EPSG:32718")  # 100 km east
    points = {
        "road nodes": (np.r_[inside[0], away[0]], np.r_[inside[1], away[1]]),
        "communities": ([], []),  # none: left out of the message
    }
    # 19 of 20 = 95%: on the threshold, a warning
    assert elevation.check_dem_coverage(dem, points, what="elevation.path") == 0.95
    points["communities"] = away
    with pytest.raises(DataError) as err:
        elevation.check_dem_coverage(dem, points, what="elevation.path (from huanta.toml)")
    message = str(err.value)
    assert message.startswith(f"elevation.path (from huanta.toml): the DEM {dem} covers 90.4%")
    assert "95% of the 20 road nodes (1 off it) and 0% of the 1 communities (1 off it)" in message
    assert "at least 95% is needed" in message
    with rasterio.open(dem) as src:
        west, south, east, north = rasterio.warp.transform_bounds(src.crs, 4326, *src.bounds)
    assert f"DEM lon {west:.4f}…{east:.4f}, lat {south:.4f}…{north:.4f}" in message
    assert f"region lon {inside[0][0]:.4f}…{away[0][0]:.4f}" in message
    assert "remove [elevation]" in message


def test_partial_coverage_warns_with_the_share_and_goes_on(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    from connectivity.sample import generate_sample_region
    from connectivity.sources import osm

    files = generate_sample_region(tmp_path / "sample", size=0.2)
    graph = osm.graph_from_osm_file(files.roads_osm)
    nodes = np.array([(d["x"], d["y"]) for _, d in graph.nodes(data=True)])
    villages = pd.read_csv(files.communities_csv)[["lon", "lat"]].to_numpy()
    points = {"road nodes": (nodes[:, 0], nodes[:, 1]), "communities": villages.T}
    # the real sample DEM covers every point: no warning
    with caplog.at_level(logging.INFO, logger="connectivity"):
        assert elevation.check_dem_coverage(files.elevation_tif, points, what="k") == 1.0
    assert not [r for r in caplog.records if r.levelno >= logging.WARNING]
    assert "covers all road nodes and communities" in caplog.text
    # nodata west of the 3rd percentile of the points: about 97% covered
    with rasterio.open(files.elevation_tif) as src:
        grid, profile = src.read(1), src.profile
        from pyproj import Transformer

        xs, _ = Transformer.from_crs(4326, src.crs, always_xy=True).transform(
            *np.vstack([nodes, villages]).T
        )
        cut = int((np.percentile(xs, 3) - src.transform.c) // src.res[0])
    grid[:, :cut] = elevation.DEM_NODATA
    clipped = tmp_path / "clipped.tif"
    with rasterio.open(clipped, "w", **profile) as dst:
        dst.write(grid, 1)
    caplog.clear()
    share = elevation.check_dem_coverage(clipped, points, what="elevation.path")
    assert 0.96 < share < 0.98
    (record,) = [r for r in caplog.records if r.levelno == logging.WARNING]
    text = record.getMessage()
    off = round((1 - share) * (len(nodes) + len(villages)))
    assert f"covers {elevation._percent(share)} of the points" in text and str(clipped) in text
    assert f"of the {len(nodes):,} road nodes (" in text
    assert f"of the {len(villages):,} communities (" in text
    assert sum(int(n) for n in re.findall(r"\(([\d,]+) off it\)", text)) == off
    assert "timed as on flat land" in text


@pytest.mark.slow
def test_cusco_contour_dem_covers_the_real_region_but_its_east_edge(
    tmp_path: Path,
    repo_root: Path,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    from connectivity.config import load_region_config
    from connectivity.pipeline.inputs import load_inputs
    from connectivity.settings import settings

    monkeypatch.setattr(settings, "home", tmp_path)
    with caplog.at_level(logging.WARNING, logger="connectivity.sources.elevation"):
        inputs = load_inputs(load_region_config(repo_root / "data" / "regions" / "cusco.toml"))
    assert inputs.dem_path is not None
    # the SRTM contours end west of the OSM extract: a few points walk as on flat land
    (record,) = [r for r in caplog.records if "covers" in r.getMessage()]
    text = record.getMessage()
    assert text.startswith("elevation.contours_path (")
    assert "cusco-srtm-contours.osm.pbf, from " in text and "cusco.toml)" in text
    share = float(re.search(r"covers ([\d.]+)% of the points", text).group(1)) / 100
    assert elevation.DEM_MIN_COVERAGE < 0.99 < share < 1.0
    assert f"of the {len(inputs.communities)} communities (1 off it)" in text


def test_a_dem_that_is_not_a_raster_is_a_data_error_naming_it(tmp_path: Path) -> None:
    from connectivity.network import add_road_class, add_travel_times
    from connectivity.works.costs import _Terrain

    text = tmp_path / "notes.tif"
    text.write_text("elevation: 3,400 m\n", encoding="utf-8")
    with pytest.raises(DataError, match=r"^elevation.path: .*notes.tif: cannot read it as a ras"):
        elevation.check_dem_coverage(
            text, {"communities": ([-74.0], [-13.0])}, what="elevation.path"
        )
    edges = gpd.GeoDataFrame(
        {"highway": ["path"]}, geometry=[shapely.LineString([(0, 0), (100, 0)])], crs=32718
    )
    with pytest.raises(DataError, match=r"^DEM for walking speeds on slopes: .*notes.tif: canno"):
        add_travel_times(add_road_class(edges), dem_path=text)
    with pytest.raises(DataError, match=r"^DEM for new links and terrain costs: .*notes.tif: c"):
        _Terrain.from_dem(text, "EPSG:32718")
    with pytest.raises(MissingFileError, match=r"^DEM: file not found: .*none.tif"):
        elevation.dem_coverage(tmp_path / "none.tif", [], [])
    no_crs = tmp_path / "nocrs.tif"
    profile = {"driver": "GTiff", "width": 2, "height": 2, "count": 1, "dtype": "float32"}
    with (
        pytest.warns(rasterio.errors.NotGeoreferencedWarning),
        rasterio.open(no_crs, "w", **profile) as dst,
    ):
        dst.write(np.zeros((1, 2, 2), dtype=np.float32))
    with pytest.raises(CrsError, match=r"^DEM for walking.*nocrs.tif: the DEM has no CRS"):
        add_travel_times(add_road_class(edges), dem_path=no_crs)
    # a CRS but no cell positions (GDAL's identity transform): every point off it, say why
    no_transform = tmp_path / "notransform.tif"
    with (
        pytest.warns(rasterio.errors.NotGeoreferencedWarning),
        rasterio.open(no_transform, "w", crs="EPSG:32718", **profile) as dst,
    ):
        dst.write(np.zeros((1, 2, 2), dtype=np.float32))
    with pytest.raises(CrsError, match=r"notransform.tif: the DEM has no geotransform"):
        _Terrain.from_dem(no_transform, "EPSG:32718")


def test_a_truncated_dem_fails_when_read_with_the_same_error(tmp_path: Path) -> None:
    grid = np.random.default_rng(1).uniform(3000, 4000, (600, 600))
    dem = _write_dem(
        tmp_path / "dem.tif", grid, crs="EPSG:32718", west=500_000, north=8_500_000, res=30
    )
    data = dem.read_bytes()
    dem.write_bytes(data[: len(data) // 2])  # the header is there, half the cells are not
    lon, lat = _lonlat([500_000 + 30 * 300], [8_500_000 - 30 * 550], "EPSG:32718")
    with pytest.raises(DataError, match=r"^elevation.path: .*dem.tif: cannot read it as a raster"):
        elevation.check_dem_coverage(dem, {"communities": (lon, lat)}, what="elevation.path")
