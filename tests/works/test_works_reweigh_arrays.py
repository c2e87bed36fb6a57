"""The speed model on arrays, used to reweigh edges whose tags a work changes.

:func:`connectivity.network.speeds._array_rows` and
:func:`connectivity.network.speeds._array_times` must give exactly (float
equality) the road classes, ``vehicle`` flags and travel times of
:func:`connectivity.network.add_road_class` and
:func:`connectivity.network.add_travel_times` (without a DEM), on the sample,
on Cusco and on random rows with missing and odd tags; they give up (``None``)
on values the frame model alone vouches for, and :func:`_reweigh` then runs on
frames. :func:`_reweigh` and the check of the stored times equal their frame
versions.
"""

from __future__ import annotations

import dataclasses
import math
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely
from reference_works.changes import _reweigh as reference_reweigh
from works_cases import Sample

from connectivity.network import RoadNetwork, SpeedTables, add_road_class, add_travel_times
from connectivity.network.speeds import _array_rows, _array_times
from connectivity.works.changes import (
    _MODEL_COLUMNS,
    _reweigh,
    _reweigh_frames,
    _stored_vehicle_times,
    _vehicle_times,
)
from connectivity.works.roads import TARGET_TAGS
from connectivity.works.workset import WEIGHTS

_TAG_COLUMNS = ("highway", "surface", "tracktype", "smoothness", "access", "motor_vehicle", "ford")

_POOL: dict[str, list[Any]] = {
    "highway": [
        "primary",
        "primary_link",
        "secondary",
        "tertiary_link",
        "track",
        "path",
        "footway",
        "residential",
        "service",
        "unclassified",
        "road",
        "connector",
        "motorway",
        "living_street",
        "bridleway",
        "made_up",
        "",
        None,
        math.nan,
        ["track", "path"],
        ["residential"],
        [],
    ],
    "surface": [*["asphalt", "gravel", "dirt", "ground", "paved", "compacted", "mud"], "x"],
    "tracktype": ["grade1", "grade2", "grade3", "grade4", "grade5", "grade9"],
    "smoothness": ["good", "bad", "very_bad", "horrible", "impassable", "excellent", "weird"],
    "access": ["no", "private", "yes", "destination"],
    "motor_vehicle": ["no", "private", "yes"],
    "ford": ["yes", "stepping_stones", "no"],
}
_MISSING: list[Any] = [None, math.nan, "", ["gravel"], []]


def _random_rows(rng: np.random.Generator, n: int, *, with_lists: bool) -> gpd.GeoDataFrame:
    """Edges with random tags, missing ones of every kind, lists, odd values, fords, widths."""
    columns: dict[str, list[Any]] = {}
    for col in _TAG_COLUMNS:
        pool = _POOL[col] + ([] if col == "highway" else _MISSING)
        if not with_lists:
            pool = [v for v in pool if not isinstance(v, list)]
        if col == "highway" and with_lists:
            pool = [*pool, ["gravel"]]  # a list of one value
        picks = rng.integers(0, len(pool), n)
        columns[col] = [pool[i] for i in picks]
    x0 = rng.uniform(0, 1000, n)
    lengths = rng.choice([0.0, 0.5, 10.0, 300.0, 2500.0], n)
    lines = shapely.linestrings(
        np.stack([np.c_[x0, x0 * 0], np.c_[x0 + lengths, x0 * 0 + 1e-3 * lengths]], axis=1)
    )
    frame = gpd.GeoDataFrame(columns, geometry=list(lines), crs="EPSG:32718")
    frame["unbridged_crossing"] = rng.random(n) < 0.1
    frame["river_width_m"] = rng.choice([np.nan, 5.0, 20.0, 35.0], n)
    return frame


def _assert_same_model(frame: gpd.GeoDataFrame, tables: SpeedTables) -> None:
    """The array model equals the frame model on ``frame`` (classified from its tags)."""
    columns = {c: frame[c] for c in _MODEL_COLUMNS if c in frame.columns}
    rows = _array_rows(columns, frame.geometry.to_numpy(), classify=True)
    assert rows is not None
    classed = add_road_class(frame)
    assert rows.road_class_names().tolist() == classed["road_class"].tolist()
    assert np.array_equal(rows.vehicle, classed["vehicle"].to_numpy(bool))
    for walk_kph in (tables.walk_kph, 1e-9):
        timed = add_travel_times(classed, tables=dataclasses.replace(tables, walk_kph=walk_kph))
        got = _array_times(rows, tables, walk_kph=walk_kph)
        for col in WEIGHTS:
            assert np.array_equal(got[col], timed[col].to_numpy(float), equal_nan=True), col
    # from the stored classes, as the check of the network's tables reads them
    stored = {c: classed[c] for c in _MODEL_COLUMNS if c in classed.columns}
    again = _array_rows(stored, frame.geometry.to_numpy(), classify=False)
    assert again is not None
    assert np.array_equal(again.road_class_names(), rows.road_class_names())
    assert np.array_equal(again.vehicle, rows.vehicle)


_TABLES = [
    SpeedTables(),
    SpeedTables.with_overrides(
        highway_kph={"track": 30, "made_up": 45.0, "path": 10.0},
        surface_kph={"trocha": 18},
        wet_factor={"afirmado": 0.5},
        walk_kph=4.0,
        rain_shuts_width_m=30.0,
    ),
]


@pytest.mark.parametrize("tables", _TABLES, ids=["default", "overrides"])
@pytest.mark.parametrize("with_lists", [False, True], ids=["texts", "lists"])
@pytest.mark.parametrize("string_dtype", [False, True], ids=["object", "str"])
def test_array_model_equals_frame_model_on_random_rows(
    tables: SpeedTables, with_lists: bool, string_dtype: bool
) -> None:
    rng = np.random.default_rng(1400 + 2 * with_lists + string_dtype)
    frame = _random_rows(rng, 3000, with_lists=with_lists)
    if string_dtype:  # text columns as the network has them (no lists there)
        for col in ("highway", "surface"):
            values = [v if isinstance(v, str) else None for v in frame[col]]
            frame[col] = pd.Series(values, dtype="str")
    _assert_same_model(frame, tables)


@pytest.mark.parametrize("tables", _TABLES, ids=["default", "overrides"])
def test_array_model_with_absent_columns_equals_frame_model(tables: SpeedTables) -> None:
    rng = np.random.default_rng(7)
    frame = _random_rows(rng, 500, with_lists=False)
    for drop in (["access", "motor_vehicle"], ["ford", "unbridged_crossing", "river_width_m"]):
        _assert_same_model(frame.drop(columns=drop), tables)
    nothing = frame[["geometry"]].copy()
    nothing["highway"] = pd.Series([None] * len(frame), dtype=object)  # an all-missing column
    nothing["surface"] = pd.Series([math.nan] * len(frame), dtype=float)  # read as numbers
    _assert_same_model(nothing, tables)


def test_array_model_gives_up_on_values_it_does_not_vouch_for() -> None:
    rng = np.random.default_rng(3)
    frame = _random_rows(rng, 50, with_lists=False)
    geometry = frame.geometry.to_numpy()
    for col, odd in (
        ("surface", 3.0),
        ("highway", pd.NA),
        ("smoothness", True),
        ("tracktype", [["grade1"]]),
    ):
        values = frame[col].tolist()
        values[7] = odd
        columns = {c: frame[c] for c in _MODEL_COLUMNS if c in frame.columns}
        columns[col] = values
        assert _array_rows(columns, geometry, classify=True) is None
    columns = {c: frame[c] for c in _MODEL_COLUMNS if c in frame.columns}
    columns["highway"] = frame["highway"].astype("category")
    assert _array_rows(columns, geometry, classify=True) is None
    # and reweighing such rows runs the frame model
    base = add_travel_times(add_road_class(frame.assign(surface=[*[3.0] * 50])))
    tags = {"surface": ["gravel"] * 50, "tracktype": [None] * 50, "smoothness": None}
    pd.testing.assert_frame_equal(
        _reweigh(base, tags, SpeedTables()),
        _reweigh_frames(base, tags, SpeedTables()),
        check_exact=True,
    )


def _edge_rows(network: RoadNetwork) -> gpd.GeoDataFrame:
    edges = network.edges
    return gpd.GeoDataFrame(edges.reset_index(), geometry="geometry", crs=edges.crs)


def _tag_sets(n: int, rng: np.random.Generator) -> dict[str, dict[str, Any]]:
    sets: dict[str, dict[str, Any]] = {}
    for target in TARGET_TAGS:
        tags: dict[str, Any] = {col: [TARGET_TAGS[target][col]] * n for col in TARGET_TAGS[target]}
        tags["motor_vehicle"] = [None] * n
        sets[target] = tags
    sets["bridge"] = {"ford": [None] * n, "bridge": ["yes"] * n, "unbridged_crossing": [False] * n}
    picks = rng.choice(list(TARGET_TAGS), n)
    mixed: dict[str, Any] = {
        col: [TARGET_TAGS[t][col] for t in picks] for col in ("surface", "tracktype", "smoothness")
    }
    mixed["highway"] = list(rng.choice(["track", "path", "primary_link", "connector"], n))
    mixed["motor_vehicle"] = list(rng.choice(np.array(["no", None, "yes"], dtype=object), n))
    mixed["access"] = "private"  # one value for every row
    sets["mixed"] = mixed
    return sets


def _assert_reweigh_same(network: RoadNetwork, tables: SpeedTables) -> None:
    base = _edge_rows(network)
    _assert_same_model(base, tables)
    for name, tags in _tag_sets(len(base), np.random.default_rng(14)).items():
        got = _reweigh(base, tags, tables)
        pd.testing.assert_frame_equal(got, _reweigh_frames(base, tags, tables), check_exact=True)
        if name != "mixed":
            expected = reference_reweigh(base, tags, tables)
            pd.testing.assert_frame_equal(got, expected, check_exact=True)
    edges = network.edges
    rows = edges[edges["vehicle"].to_numpy(bool)]
    for got_times, frame_times in zip(
        _stored_vehicle_times(rows, tables), _vehicle_times(rows, tables), strict=True
    ):
        assert np.array_equal(got_times, frame_times)


@pytest.mark.parametrize("tables", _TABLES, ids=["default", "overrides"])
def test_reweigh_on_arrays_equals_frames_and_reference_on_the_sample(
    sample: Sample, tables: SpeedTables
) -> None:
    _assert_reweigh_same(sample.network, tables)


def test_reweigh_on_arrays_equals_frames_and_reference_on_cusco(
    cusco: tuple[RoadNetwork, gpd.GeoDataFrame],
) -> None:
    _assert_reweigh_same(cusco[0], SpeedTables())
