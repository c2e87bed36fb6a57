"""The second round of fast paths of candidate generation, each checked against simple code.

* text columns mapped once per distinct value (:func:`connectivity.network.speeds._map_each`)
  equal ``Series.map`` (values and dtype);
* the road cells of a routing window taken from tiles burnt once equal the window
  burnt alone (what ``reference_works`` does);
* the pieces of a split edge equal :func:`shapely.ops.substring`;
* the speed model run on the columns it reads gives the weights of the reference;
* each edge checked against the speed tables once per run, with the same refusals;
* the cached scan order of the search, and the garbage collector paused and restored.
"""

from __future__ import annotations

import contextlib
import dataclasses
import gc
import itertools
import math

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely
from rasterio.features import rasterize
from rasterio.transform import from_origin
from reference_works.changes import _check_tables as reference_check
from reference_works.changes import _clean_line as reference_clean_line
from reference_works.changes import _reweigh as reference_reweigh
from shapely.ops import substring
from works_cases import Sample

from connectivity.errors import DataError
from connectivity.network import SpeedTables
from connectivity.network.speeds import (
    SMOOTHNESS_FACTOR,
    SURFACE_CLASS,
    _map_each,
    _scalar,
)
from connectivity.works._grid_search import _FORWARD, _scan_order
from connectivity.works.changes import (
    _check_edge_tables,
    _clean_line,
    _model_rows,
    _reweigh,
    _sharing_checks,
)
from connectivity.works.costs import _Terrain
from connectivity.works.generate import _collecting_later
from connectivity.works.new_links import _RoadCells, _RoadLines
from connectivity.works.roads import TARGET_TAGS, _text
from connectivity.works.splitting import _pieces

# -- text columns mapped once per distinct value -------------------------------------------------

_FUNCS = [
    _scalar,
    _text,
    lambda s: SURFACE_CLASS.get(str(s)) if s else None,
    lambda s: SMOOTHNESS_FACTOR.get(str(s), 1.0),
    lambda s: s,
    lambda s: str(s).removesuffix("_link"),
    lambda s: len(str(s)),
]


@pytest.mark.parametrize("dtype", [object, "str"])
def test_mapping_each_distinct_text_once_equals_series_map(dtype: object) -> None:
    rng = np.random.default_rng(14)
    pool: list[object] = [
        "gravel",
        "asphalt",
        "good",
        "primary_link",
        "",
        None,
        math.nan,
        np.float64("nan"),
    ]
    checked = 0
    for trial in range(120):
        n = int(rng.integers(0, 400))
        values = [pool[i] for i in rng.integers(0, len(pool) - trial % 4, n)]
        if trial % 7 == 0 and dtype is object and n:
            values[0] = ["track", "path"]  # a list (merged ways): mapped row by row
        if trial % 11 == 0 and dtype is object and n:
            values[-1] = 3  # not text: mapped row by row
        series = pd.Series(values, dtype=dtype, index=rng.permutation(n) + 7, name="tag")  # type: ignore[call-overload]
        for func in _FUNCS:
            expected, got = series.map(func), _map_each(series, func)
            pd.testing.assert_series_equal(got, expected, check_exact=True)
            # the same objects, not only equal ones (None is not NaN)
            assert [type(x) for x in got.tolist()] == [type(x) for x in expected.tolist()]
            checked += 1
    assert checked == 120 * len(_FUNCS)


# -- road cells of routing windows ---------------------------------------------------------------


def _window_burnt_alone(
    terrain: _Terrain, roads: np.ndarray, r0: int, r1: int, c0: int, c1: int
) -> np.ndarray:
    """The road cells of a window as the code before burnt them: the roads reaching it, alone."""
    res = terrain.res
    x_w, y_n = terrain.x0 + c0 * res, terrain.y0 - r0 * res
    window = shapely.box(x_w, y_n - (r1 - r0) * res, x_w + (c1 - c0) * res, y_n)
    near = np.sort(shapely.STRtree(roads).query(window, "intersects"))
    if not len(near):
        return np.zeros((r1 - r0, c1 - c0), dtype=bool)
    return np.asarray(
        rasterize(
            [(roads[i], 1) for i in near.tolist()],
            out_shape=(r1 - r0, c1 - c0),
            transform=from_origin(x_w, y_n, res, res),
            all_touched=True,
            fill=0,
            dtype="uint8",
        ).astype(bool)
    )


@pytest.mark.parametrize("tile", [7, 64, 256])
def test_window_cells_from_tiles_equal_the_window_burnt_alone(sample: Sample, tile: int) -> None:
    network = sample.network
    edges = network.edges
    roads = edges[edges["vehicle"].to_numpy(bool)].geometry.to_numpy()
    terrain = _Terrain.from_dem(sample.dem, network.crs)
    tree = shapely.STRtree(roads)
    cells = _RoadCells(terrain, tree, _RoadLines(roads), tile=tile)
    h, w = terrain.shape
    rng = np.random.default_rng(tile)
    # windows around communities (as new links are routed) and at random, the grid's edges too
    rows, cols = terrain.cell_of(
        shapely.get_x(network.communities.geometry.to_numpy()),
        shapely.get_y(network.communities.geometry.to_numpy()),
    )
    centres = [
        (int(r), int(c)) for r, c in zip(rows, cols, strict=True) if 0 <= r < h and 0 <= c < w
    ]
    centres += [(int(rng.integers(0, h)), int(rng.integers(0, w))) for _ in range(30)]
    centres += [(0, 0), (h - 1, w - 1), (0, w - 1), (h - 1, 0)]
    windows = []
    for r, c in centres[:120]:
        radius = int(rng.integers(1, 40))
        windows.append(
            (max(0, r - radius), min(h, r + radius + 1), max(0, c - radius), min(w, c + radius + 1))
        )
    # the tiles of every other window burnt ahead, a run of tiles at a time; the rest one by one
    cells.prepare(windows[::2])
    burnt = 0
    for r0, r1, c0, c1 in windows:
        expected = _window_burnt_alone(terrain, roads, r0, r1, c0, c1)
        got = cells.window(r0, r1, c0, c1)
        assert got.dtype == bool and np.array_equal(got, expected), (r0, r1, c0, c1)
        burnt += int(expected.sum())
    assert burnt > 100  # roads were in the windows


# -- pieces of split edges ---------------------------------------------------------------------


def test_pieces_equal_substring() -> None:
    rng = np.random.default_rng(5)
    checked = 0
    for _ in range(300):
        n = int(rng.integers(2, 12))
        xy = np.cumsum(rng.normal(0.0, 50.0, size=(n, 2)), axis=0) + 300_000.0
        if rng.random() < 0.2:
            xy = np.round(xy)  # vertices at whole metres: cuts fall on vertices
        line = shapely.LineString(xy)
        length = float(line.length)
        if length == 0:
            continue
        # cuts at vertices, between them, and at random places
        along = np.r_[
            np.cumsum(np.hypot(*np.diff(xy, axis=0).T))[:-1],
            rng.uniform(0.0, length, size=int(rng.integers(1, 4))),
        ]
        at = sorted({float(a) for a in rng.choice(along, size=min(len(along), 3), replace=False)})
        at = [a for a in at if 0.0 < a < length]
        bounds = [0.0, *at, length]
        expected = [substring(line, a, b) for a, b in itertools.pairwise(bounds)]
        got = _pieces(line, bounds)
        assert len(got) == len(expected)
        for g, e in zip(got, expected, strict=True):
            assert g.geom_type == e.geom_type and shapely.equals_exact(g, e, tolerance=0.0)
            assert np.array_equal(shapely.get_coordinates(g), shapely.get_coordinates(e))
            checked += 1
    assert checked > 300
    # a line with z goes through substring itself
    line3d = shapely.LineString([(0, 0, 1), (10, 0, 2), (10, 10, 3)])
    for g, e in zip(
        _pieces(line3d, [0.0, 5.0, 20.0]),
        [substring(line3d, 0.0, 5.0), substring(line3d, 5.0, 20.0)],
        strict=True,
    ):
        assert shapely.equals_exact(g, e, tolerance=0.0)


def test_clean_line_equals_the_reference() -> None:
    rng = np.random.default_rng(9)
    for _ in range(100):
        n = int(rng.integers(2, 30))
        coords = [tuple(p) for p in np.round(rng.uniform(0, 50, size=(n, 2)), 2).tolist()]
        coords += coords[-1:]  # a repeated point
        got, expected = _clean_line(coords), reference_clean_line(coords)
        assert np.array_equal(shapely.get_coordinates(got), shapely.get_coordinates(expected))


# -- the speed model on the columns it reads -----------------------------------------------------


def _upgrade_rows(sample: Sample) -> gpd.GeoDataFrame:
    edges = sample.network.edges
    road = edges[(edges["road_class"].astype(str) != "connector").to_numpy()]
    return gpd.GeoDataFrame(road.reset_index(), geometry="geometry", crs=edges.crs)


@pytest.mark.parametrize("target", ["trocha", "afirmado", "asfaltado", "bridge"])
def test_reweigh_on_the_model_columns_equals_the_reference(sample: Sample, target: str) -> None:
    base = _upgrade_rows(sample)
    n = len(base)
    if target == "bridge":
        tags: dict[str, object] = {"ford": [None] * n, "bridge": ["yes"] * n}
    else:
        tags = {col: [TARGET_TAGS[target][col]] * n for col in TARGET_TAGS[target]}
        tags["motor_vehicle"] = [None] * n
    tables = SpeedTables()
    got, expected = _reweigh(base, tags, tables), reference_reweigh(base, tags, tables)
    pd.testing.assert_frame_equal(got, expected, check_exact=True)
    slim = _model_rows(base)
    assert len(slim.columns) < len(base.columns) and slim.crs == base.crs
    assert slim.geometry.name == base.geometry.name


def test_edges_checked_once_per_run_with_the_same_refusals(sample: Sample) -> None:
    edges = sample.network.edges
    vehicle = edges["vehicle"].to_numpy(bool)
    tables = SpeedTables()
    reference_check(edges[vehicle], tables)  # the network's own tables pass
    with _sharing_checks():
        _check_edge_tables(edges, vehicle, tables)
        _check_edge_tables(edges, vehicle, tables)  # every row known good: nothing to check
    wrong = dataclasses.replace(
        tables, class_speed_kph={k: 2.0 * v for k, v in tables.class_speed_kph.items()}
    )
    with pytest.raises(DataError) as expected:
        reference_check(edges[vehicle], wrong)
    for sharing in (False, True):
        with _sharing_checks() if sharing else contextlib.nullcontext():
            if sharing:
                _check_edge_tables(edges, vehicle, tables)  # checked with the right tables
            with pytest.raises(DataError) as got:
                _check_edge_tables(edges, vehicle, wrong)
        assert str(got.value) == str(expected.value)


# -- the search's scan order, the garbage collector -----------------------------------------------


def test_scan_order_is_cached_read_only_and_unchanged() -> None:
    for width in (3, 17, 137):
        moves, undoes = _scan_order(width)
        assert _scan_order(width)[0] is moves and not moves.flags.writeable
        offset = _FORWARD[:, 0] * width + _FORWARD[:, 1]
        forward = _FORWARD[np.argsort(offset, kind="stable")]
        assert np.array_equal(moves[:8], forward)
        assert np.array_equal(moves[8:, :2], -forward[undoes[8:], :2])


def test_the_collector_is_paused_in_the_block_and_restored() -> None:
    assert gc.isenabled()
    with _collecting_later():
        assert not gc.isenabled()
    assert gc.isenabled()
    gc.disable()
    try:
        with _collecting_later():
            assert not gc.isenabled()
        assert not gc.isenabled()  # left as it was
    finally:
        gc.enable()
