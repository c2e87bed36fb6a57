"""The DEM read once per run, its slope classes in one compiled pass, and pricing shared lines.

Each fast path is checked equal to the numpy code it replaces (the code of
``tests/works/reference_works``): the same slope classes (also at the class
limits), the same band, the same prices.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import rasterio
import shapely
from rasterio.transform import from_origin
from works_cases import Sample

from connectivity.sources.elevation import (
    _band_masked_by_nodata,
    _dem_band,
    _sharing_dem_bands,
    open_dem,
)
from connectivity.works import cost_table
from connectivity.works.costs import (
    _classify_slope,
    _price_lines,
    _sharing_terrain,
    _slope_classes,
    _Terrain,
)


def _numpy_classes(elevation: np.ndarray, res: float) -> np.ndarray:
    """The slope classes as the code before computed them (np.gradient, hypot, digitize)."""
    with np.errstate(invalid="ignore"):  # inf - inf at a cell of infinite height
        gy, gx = np.gradient(elevation, res)
    return _classify_slope(100.0 * np.hypot(gx, gy)).astype(np.int8)


def test_slope_classes_equal_numpy_gradient() -> None:
    rng = np.random.default_rng(14)
    at_limits = 0
    for _ in range(150):
        h, w = (int(n) for n in rng.integers(2, 30, size=2))
        # whole metres on a coarse grid: many slopes fall exactly on 10, 50 or 100 %
        elevation = np.round(rng.normal(0.0, 30.0, size=(h, w))) * float(rng.choice([0.5, 7.5]))
        elevation[rng.random((h, w)) < 0.05] = np.nan
        elevation[rng.random((h, w)) < 0.01] = np.inf
        res = float(rng.choice([7.5, 30.0, 75.0]))
        expected = _numpy_classes(elevation, res)
        got = _slope_classes(elevation, res)
        assert got.dtype == np.int8 and np.array_equal(got, expected)
        with np.errstate(invalid="ignore"):
            gy, gx = np.gradient(elevation, res)
        at_limits += int(np.isin(100.0 * np.hypot(gx, gy), (10.0, 50.0, 100.0)).sum())
    assert at_limits > 20  # the limits themselves were checked
    with pytest.raises(ValueError):  # as np.gradient: a grid one cell wide has no slope
        _slope_classes(np.zeros((1, 5)), 30.0)


def test_terrain_classes_equal_numpy_on_the_sample_dem(sample: Sample) -> None:
    terrain = _Terrain.from_dem(sample.dem, sample.network.crs)
    with open_dem(sample.dem, what="test") as src:
        band = src.read(1, masked=True).astype(float).filled(np.nan)
    assert np.array_equal(terrain.slope_class, _numpy_classes(band, terrain.res))
    assert len(np.unique(terrain.slope_class)) >= 2
    # at points: the class of the cell, the default terrain outside the grid
    xs = terrain.x0 + np.array([0.5, 10.5, -3.0]) * terrain.res
    ys = terrain.y0 - np.array([0.5, 20.5, 2.0]) * terrain.res
    assert terrain.terrain_class(xs, ys).tolist() == [
        int(terrain.slope_class[0, 0]),
        int(terrain.slope_class[20, 10]),
        1,
    ]


def _write_dem(path: Path, values: np.ndarray, nodata: float | None) -> Path:
    """Write ``values`` as a one-band GeoTIFF of 30 m cells in UTM 18S, with ``nodata``."""
    height, width = values.shape
    with rasterio.open(
        path,
        "w",
        driver="GTiff",
        width=width,
        height=height,
        count=1,
        dtype=values.dtype,
        crs="EPSG:32718",
        transform=from_origin(0, 0, 30, 30),
        nodata=nodata,
    ) as dst:
        dst.write(values, 1)
    return path


@pytest.mark.parametrize(
    ("dtype", "nodata"), [("float32", -9999.0), ("int16", -32768), ("float64", float("nan"))]
)
def test_dem_band_equals_a_masked_read_and_is_read_once_when_shared(
    tmp_path: Path, dtype: str, nodata: float
) -> None:
    rng = np.random.default_rng(3)
    values = rng.uniform(0.0, 3000.0, size=(20, 30)).astype(dtype)
    values[2:5, 3:7] = nodata
    path = _write_dem(tmp_path / "dem.tif", values, nodata)
    with open_dem(path, what="test") as src:
        expected = src.read(1, masked=True).astype(float).filled(np.nan)
        alone = _dem_band(src)
        assert alone.dtype == np.float64 and np.array_equal(alone, expected, equal_nan=True)
        assert int(np.isnan(alone).sum()) == 12 and alone.flags.writeable
        with _sharing_dem_bands():
            first = _dem_band(src)
            assert _dem_band(src) is first and not first.flags.writeable
            assert np.array_equal(first, expected, equal_nan=True)
        assert _dem_band(src) is not first  # read again outside the block


@pytest.mark.parametrize(
    ("dtype", "nodata", "near", "fast"),
    [
        ("float32", -9999.0, None, True),
        ("float32", 0.0, None, True),
        ("int16", -32768, None, True),
        ("uint16", 0, None, True),
        ("float64", float("nan"), None, True),
        ("float32", None, None, True),  # no nodata: every cell valid
        # a value a few units in the last place from nodata: GDAL's own mask decides
        ("float32", -9999.0, float(np.nextafter(np.float32(-9999.0), np.float32(0))), False),
        ("float64", -9999.0, -9999.0 * (1 + 1e-12), False),
    ],
)
def test_band_masked_from_one_read_equals_gdals_mask(
    tmp_path: Path, dtype: str, nodata: float | None, near: float | None, fast: bool
) -> None:
    rng = np.random.default_rng(5)
    values = rng.uniform(0.0, 3000.0, size=(40, 50)).astype(dtype)
    if nodata is not None:
        values[2:5, 3:7] = nodata
    if near is not None:
        values[10, 10] = near
    path = _write_dem(tmp_path / "dem.tif", values, nodata)
    with open_dem(path, what="test") as src:
        expected = src.read(1, masked=True).astype(float).filled(np.nan)
        quick = _band_masked_by_nodata(src)
        assert (quick is not None) == fast
        band = _dem_band(src)
    assert band.dtype == np.float64 and np.array_equal(band, expected, equal_nan=True)
    if quick is not None:
        assert np.array_equal(quick, expected, equal_nan=True)


def test_band_masked_from_one_read_equals_gdals_mask_on_the_sample(sample: Sample) -> None:
    with open_dem(sample.dem, what="test") as src:
        expected = src.read(1, masked=True).astype(float).filled(np.nan)
        quick = _band_masked_by_nodata(src)
    assert quick is not None
    assert np.array_equal(quick, expected, equal_nan=True)


@pytest.mark.parametrize("geographic", [False, True])
def test_terrain_read_aside_equals_the_terrain_read_in_turn(
    sample: Sample, tmp_path: Path, geographic: bool
) -> None:
    dem = sample.dem
    if geographic:  # a DEM in degrees: warped to the network's CRS as it is read
        from rasterio.warp import Resampling, calculate_default_transform, reproject

        dem = tmp_path / "dem_4326.tif"
        with rasterio.open(sample.dem) as src:
            transform, width, height = calculate_default_transform(
                src.crs, "EPSG:4326", src.width, src.height, *src.bounds
            )
            profile = {**src.profile, "crs": "EPSG:4326", "transform": transform}
            with rasterio.open(dem, "w", **{**profile, "width": width, "height": height}) as dst:
                reproject(
                    rasterio.band(src, 1),
                    rasterio.band(dst, 1),
                    dst_transform=transform,
                    dst_crs="EPSG:4326",
                    resampling=Resampling.bilinear,
                )
    crs = sample.network.crs
    expected = _Terrain._read(dem, crs)
    with _sharing_terrain(), _Terrain.read_aside(dem, crs) as (grid, read_terrain):
        terrain = read_terrain()
        assert _Terrain.from_dem(dem, crs) is terrain  # kept for the other generators
    for got in (grid, terrain):
        assert (got.x0, got.y0, got.res, got.shape) == (
            expected.x0,
            expected.y0,
            expected.res,
            expected.shape,
        )
    assert np.array_equal(terrain.elevation, expected.elevation, equal_nan=True)
    assert np.array_equal(terrain.slope_class, expected.slope_class)


def test_pricing_a_line_given_twice_equals_pricing_it_alone(sample: Sample) -> None:
    table = cost_table()
    with _sharing_terrain():
        terrain = _Terrain.from_dem(sample.dem, sample.network.crs)
    lines = list(sample.network.edges.geometry.to_numpy()[:40])
    lines = [g for g in lines if g.length > 0]
    steps = [["upgrade_afirmado"], ["upgrade_afirmado", "upgrade_asfaltado"]]
    given = [lines[i // 2] for i in range(2 * len(lines))]  # each line twice, in a row
    works = [steps[i % 2] for i in range(len(given))]
    prices, mains = _price_lines(given, works, table, terrain)
    for i, (line, w) in enumerate(zip(given, works, strict=True)):
        # a copy of the line is another object: measured on its own
        alone, main = _price_lines([shapely.from_wkb(shapely.to_wkb(line))], [w], table, terrain)
        assert prices[i] == alone[0] and mains[i] == main[0]
    assert (prices[1::2] > prices[::2]).all()
