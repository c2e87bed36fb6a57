"""Edge changes and work tables shared by every kind of work.

New edge weights always come from the network's own speed model
(:func:`connectivity.network.add_road_class` and
:func:`connectivity.network.add_travel_times` on the edges with their tags
changed), so speeds, slopes and wet-season rules stay consistent; a changed
edge never gets a larger weight than it had. Works on existing edges (upgrades,
bridges) *replace* them; new roads *add* both directions.

Besides :data:`connectivity.works.workset.WORK_COLUMNS`, every work table has
:data:`EXTRA_WORK_COLUMNS` (class before and after, main terrain, whether a
bridge carries vehicles, the communities a new link was made for, how the crossing
a bridge replaces is mapped).
"""

from __future__ import annotations

import contextlib
import dataclasses
import logging
import math
import weakref
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any, cast

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from connectivity.errors import DataError
from connectivity.network import SpeedTables, add_road_class, add_travel_times
from connectivity.network.speeds import _array_rows, _array_times
from connectivity.works.costs import CostTable
from connectivity.works.workset import CHANGE_COLUMNS, WEIGHTS, WORK_COLUMNS, WorkSet

__all__ = ["EXTRA_WORK_COLUMNS"]

log = logging.getLogger(__name__)


#: Columns every work table from this module has besides :data:`WORK_COLUMNS`, with the
#: value works they do not apply to get: road class before and after the work, main
#: terrain class, whether a bridge carries vehicles, communities a new link was made for,
#: and how the crossing a bridge replaces is mapped: ``"ford"`` (an OSM ``ford`` tag) or
#: ``"inferred"`` (a river crossed with neither a ``bridge`` nor a ``ford`` tag, see
#: :func:`connectivity.network.mark_unbridged_crossings`: check it in the field).
EXTRA_WORK_COLUMNS: dict[str, Any] = {
    "class_before": "",
    "class_after": "",
    "terrain": "",
    "vehicle_bridge": False,
    "community_ids": "",
    "crossing": "",
}
_FLOAT_WORK = ("length_m", "span_m", "cost", "cofinancing_share", "cost_net")


def _empty_workset(crs: Any, table: CostTable) -> WorkSet:
    columns = [c for c in WORK_COLUMNS if c != "geometry"] + list(EXTRA_WORK_COLUMNS)
    works = gpd.GeoDataFrame(
        {
            c: pd.Series(
                dtype=float if c in _FLOAT_WORK else bool if c == "vehicle_bridge" else object
            )
            for c in columns
        },
        geometry=gpd.GeoSeries([], crs=crs),
        crs=crs,
    )
    works.index = pd.Index([], dtype=object, name="work_id")
    changes = pd.DataFrame(
        {
            c: pd.Series(
                dtype=np.int64
                if c in ("u", "v", "key")
                else float
                if c in (*WEIGHTS, "length_m")
                else object
            )
            for c in CHANGE_COLUMNS
        }
    )
    return WorkSet(works, changes, currency=table.currency, price_year=table.price_year)


def _workset(
    rows: list[dict[str, Any]], changes: list[pd.DataFrame], crs: Any, table: CostTable
) -> WorkSet:
    if not rows:
        return _empty_workset(crs, table)
    frame = pd.DataFrame(rows)
    for col, default in EXTRA_WORK_COLUMNS.items():
        frame[col] = frame[col].fillna(default) if col in frame.columns else default
    frame["vehicle_bridge"] = frame["vehicle_bridge"].astype(bool)
    frame["cofinancing_share"] = frame["cofinancing_share"].fillna(0.0).astype(float)
    frame["cost"] = frame["cost"].astype(float).round(0)
    frame["cost_net"] = (frame["cost"] * (1.0 - frame["cofinancing_share"])).round(0)
    for col in _FLOAT_WORK:
        frame[col] = frame[col].astype(float)
    frame = frame[
        ["work_id", *[c for c in WORK_COLUMNS if c != "geometry"], *EXTRA_WORK_COLUMNS, "geometry"]
    ]
    works = gpd.GeoDataFrame(frame.set_index("work_id"), geometry="geometry", crs=crs)
    ch = pd.concat(changes, ignore_index=True)[list(CHANGE_COLUMNS)]
    for col in ("u", "v", "key"):
        ch[col] = ch[col].astype(np.int64)
    return WorkSet(works, ch, currency=table.currency, price_year=table.price_year)


#: The columns :func:`connectivity.network.add_road_class` and
#: :func:`connectivity.network.add_travel_times` read (besides the geometry): the speed
#: model runs on these alone, not on copies of every column of the edge table.
_MODEL_COLUMNS = (
    "highway",
    "surface",
    "tracktype",
    "smoothness",
    "access",
    "motor_vehicle",
    "ford",
    "unbridged_crossing",
    "river_width_m",
    "road_class",
    "vehicle",
)


def _model_rows(rows: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """Return the columns of ``rows`` the speed model reads, and the geometry."""
    keep = [c for c in rows.columns if c in _MODEL_COLUMNS or c == rows.geometry.name]
    return gpd.GeoDataFrame(rows[keep], geometry=rows.geometry.name, crs=rows.crs)


def _vehicle_times(
    rows: gpd.GeoDataFrame, tables: SpeedTables
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Dry, wet and rain vehicle times of edges (``inf`` where no vehicle passes).

    The network's own model with walking made useless: where a vehicle passes,
    ``travel_time`` is then the vehicle time.
    """
    slow = dataclasses.replace(tables, walk_kph=_SLOW_KPH)
    timed = add_travel_times(_model_rows(rows), tables=slow)
    return _vehicle_only({c: timed[c].to_numpy(float) for c in WEIGHTS})


def _vehicle_only(times: Mapping[str, np.ndarray]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Dry, wet and rain vehicle times from the model's times with walking made useless."""
    return (
        np.where(times["travel_time_s"] < times["walk_time_s"], times["travel_time_s"], np.inf),
        np.where(
            times["travel_time_wet_s"] < times["walk_time_wet_s"],
            times["travel_time_wet_s"],
            np.inf,
        ),
        np.where(
            times["travel_time_rain_s"] < times["walk_time_rain_s"],
            times["travel_time_rain_s"],
            np.inf,
        ),
    )


#: Walking speed that makes walking useless: where a vehicle passes, the model's fastest
#: time is then the vehicle's (see :func:`_vehicle_times`).
_SLOW_KPH = 1e-9


def _stored_vehicle_times(
    rows: gpd.GeoDataFrame, tables: SpeedTables
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """:func:`_vehicle_times` of edges as they are, on arrays when the tags allow it."""
    columns = {c: rows[c] for c in _MODEL_COLUMNS if c in rows.columns}
    arrays = _array_rows(columns, rows.geometry.to_numpy(), classify=False)
    if arrays is None:
        return _vehicle_times(rows, tables)
    return _vehicle_only(_array_times(arrays, tables, walk_kph=_SLOW_KPH))


def _check_tables(rows: gpd.GeoDataFrame, tables: SpeedTables) -> None:
    """Refuse speed tables that do not give the network's stored vehicle times."""
    if rows.empty:
        return
    veh, _, _ = _stored_vehicle_times(rows, tables)
    stored = rows["travel_time_s"].to_numpy(float)
    by_vehicle = stored < rows["walk_time_s"].to_numpy(float)
    bad = by_vehicle & ~np.isclose(veh, stored, rtol=1e-6, atol=1e-6)
    if bad.any():
        i = int(np.argmax(bad))
        raise DataError(
            f"the speed tables given do not match the network: edge {rows.index[i]} takes "
            f"{stored[i]:.1f} s by vehicle in the network but {veh[i]:.1f} s with these tables; "
            "pass the SpeedTables the network was built with"
        )


#: Rows of the edge tables met in the current :func:`_sharing_checks` block whose stored
#: vehicle times were found to match the speed tables: (table, speed tables, rows checked).
_CHECKED: list[tuple[weakref.ref[pd.DataFrame], SpeedTables, np.ndarray]] | None = None


@contextlib.contextmanager
def _sharing_checks() -> Iterator[None]:
    """Check each edge of each edge table against the speed tables once in the block.

    The edge tables must not change in place inside the block.
    """
    global _CHECKED
    outer = _CHECKED
    _CHECKED = [] if outer is None else outer
    try:
        yield
    finally:
        _CHECKED = outer


def _check_edge_tables(edges: gpd.GeoDataFrame, rows: np.ndarray, tables: SpeedTables) -> None:
    """Run :func:`_check_tables` on ``edges[rows]`` (a boolean mask).

    Inside a :func:`_sharing_checks` block, rows already found to match are
    not checked again: the same rows are refused, with the same first bad edge
    (a row found to match is never the bad one).
    """
    rows = np.asarray(rows, dtype=bool)
    seen = None
    if _CHECKED is not None:
        for ref, known_tables, checked in _CHECKED:
            if ref() is edges and (known_tables is tables or known_tables == tables):
                seen = checked
                break
        if seen is None:
            seen = np.zeros(len(edges), dtype=bool)
            _CHECKED.append((weakref.ref(edges), tables, seen))
    todo = rows if seen is None else rows & ~seen
    # the columns the check reads, then the rows (not a copy of every column)
    read = [c for c in edges.columns if c in (*_MODEL_COLUMNS, "travel_time_s", "walk_time_s")]
    _check_tables(edges[[*read, edges.geometry.name]][todo], tables)
    if seen is not None:
        seen |= todo


def _reweigh(
    base: gpd.GeoDataFrame, new_tags: Mapping[str, Any], tables: SpeedTables
) -> pd.DataFrame:
    """Weights of existing edges once their tags change (never larger than before).

    Vehicle times come from the network's speed model on the new tags. Dry
    walking depends only on the line and the terrain, so it is kept; wet
    walking is the dry time over the new class's wet factor (``inf`` at a
    ford), as the model computes it. The model runs on arrays
    (:func:`connectivity.network.speeds._array_rows`) when the tags are text,
    else on frames (:func:`_reweigh_frames`); both give the same weights.
    """
    n = len(base)
    columns: dict[str, Any] = {c: base[c] for c in _MODEL_COLUMNS if c in base.columns}
    for col, values in new_tags.items():
        columns[col] = [values] * n if isinstance(values, str | bool | type(None)) else values
    arrays = _array_rows(columns, base.geometry.to_numpy(), classify=True)
    if arrays is None:
        return _reweigh_frames(base, new_tags, tables)
    veh, veh_wet, veh_rain = _vehicle_only(_array_times(arrays, tables, walk_kph=_SLOW_KPH))
    flat = _array_times(arrays, tables, walk_kph=tables.walk_kph)
    return _new_weights(
        base, flat, (veh, veh_wet, veh_rain), arrays.road_class_names(), arrays.vehicle
    )


def _reweigh_frames(
    base: gpd.GeoDataFrame, new_tags: Mapping[str, Any], tables: SpeedTables
) -> pd.DataFrame:
    """:func:`_reweigh` with the network's speed model run on frames (any tag values)."""
    after = _model_rows(base)  # a copy: the model reads these columns only
    for col, values in new_tags.items():
        after[col] = pd.Series(
            values if not isinstance(values, str | bool | type(None)) else [values] * len(after),
            index=after.index,
            dtype=object,
        )
    after = add_road_class(after)
    vehicle_times = _vehicle_times(after, tables)
    timed = add_travel_times(after, tables=tables)
    flat = {c: timed[c].to_numpy(float) for c in WEIGHTS}
    return _new_weights(
        base, flat, vehicle_times, after["road_class"].to_numpy(), after["vehicle"].to_numpy()
    )


def _new_weights(
    base: gpd.GeoDataFrame,
    flat: Mapping[str, np.ndarray],
    vehicle_times: tuple[np.ndarray, np.ndarray, np.ndarray],
    road_class: np.ndarray,
    vehicle: np.ndarray,
) -> pd.DataFrame:
    """Return the weights of :func:`_reweigh` from the model's flat and vehicle times."""
    veh, veh_wet, veh_rain = vehicle_times
    w = flat["walk_time_s"]
    walk = base["walk_time_s"].to_numpy(float)

    def scaled(column: str) -> np.ndarray:
        """Scale the base's dry walking time by the new tags' factor for ``column``."""
        other = flat[column]
        with np.errstate(divide="ignore", invalid="ignore"):
            ratio = np.where(w > 0, other / w, np.where(np.isinf(other), np.inf, 1.0))
            # (0 s of walking times an infinite ratio: inf, what the ``where`` gives)
            return np.asarray(np.where(np.isinf(ratio), np.inf, walk * ratio), dtype=float)

    walk_wet, walk_rain = scaled("walk_time_wet_s"), scaled("walk_time_rain_s")
    model = {
        "travel_time_s": np.fmin(veh, walk),
        "travel_time_wet_s": np.fmin(veh_wet, walk_wet),
        "walk_time_s": walk,
        "walk_time_wet_s": walk_wet,
        "travel_time_rain_s": np.fmin(veh_rain, walk_rain),
        "walk_time_rain_s": walk_rain,
    }
    old = _weights(base)
    values = np.column_stack([np.asarray(model[c], dtype=float) for c in WEIGHTS])
    larger = values > old * (1 + 1e-9) + 1e-9
    if larger.any():
        log.debug("%d edge weights kept at their old value (model gave larger)", int(larger.sum()))
    kept = np.fmin(values, old)
    at = {c: i for i, c in enumerate(WEIGHTS)}
    return pd.DataFrame(
        {
            **{c: kept[:, at[c]] for c in model},
            "road_class": road_class,
            "vehicle": vehicle,
        },
        index=base.index,
    )


def _weights(frame: pd.DataFrame) -> np.ndarray:
    """Return the :data:`WEIGHTS` columns of a frame as one float array (a column each)."""
    return np.column_stack([frame[c].to_numpy(float) for c in WEIGHTS])


def _improves(new: pd.DataFrame, base: pd.DataFrame) -> np.ndarray:
    """Rows where some weight falls."""
    old, val = _weights(base), _weights(new)
    with np.errstate(invalid="ignore"):
        return np.asarray(((val < old * (1 - 1e-9)) | (np.isfinite(val) & np.isinf(old))).any(1))


def _replace_changes(
    work_ids: Sequence[str] | np.ndarray, base: pd.DataFrame, new: pd.DataFrame
) -> pd.DataFrame:
    """Rows of ``changes`` replacing the edges of ``base`` (with ``u``, ``v``, ``key``)."""
    n = len(base)
    return pd.DataFrame(
        {
            "work_id": np.asarray(work_ids, dtype=object),
            "action": "replace",
            "u": base["u"].to_numpy(np.int64),
            "v": base["v"].to_numpy(np.int64),
            "key": base["key"].to_numpy(np.int64),
            **{col: new[col].to_numpy(float) for col in WEIGHTS},
            "length_m": new["length_m"].to_numpy(float),
            "road_class": new["road_class"].astype(str).to_numpy(),
            "geometry": pd.Series([None] * n, dtype=object),
        }
    )


def _new_road_edges(
    links: Sequence[tuple[int, int, shapely.LineString, str]],
    tags: Mapping[str, Any],
    crs: Any,
    tables: SpeedTables,
    dem_path: Path | None,
) -> gpd.GeoDataFrame:
    """Both directions of new roads ``(u, v, line, name)``, with the network's weights.

    Rows come in pairs: ``u → v`` then ``v → u`` for each link in turn.
    """
    index = [key for u, v, _, _ in links for key in ((u, v, 0), (v, u, 0))]
    lines = np.asarray([line for _, _, line, _ in links], dtype=object)
    both = np.empty(2 * len(lines), dtype=object)  # each line, then its reverse
    both[0::2], both[1::2] = lines, shapely.reverse(lines)
    rows = gpd.GeoDataFrame(
        {
            "highway": [tags.get("highway")] * len(index),
            "surface": [tags.get("surface")] * len(index),
            "tracktype": [tags.get("tracktype")] * len(index),
            "name": [name for *_, name in links for _ in (0, 1)],
        },
        geometry=list(both),
        crs=crs,
        index=pd.MultiIndex.from_tuples(index, names=["u", "v", "key"]),
    )
    rows = add_road_class(rows)
    return add_travel_times(rows, tables=tables, dem_path=dem_path)


def _add_changes(work_id: str | np.ndarray, edges: gpd.GeoDataFrame) -> pd.DataFrame:
    """Rows of ``changes`` adding ``edges``, of one work or each of its own (``work_id``)."""
    frame = pd.DataFrame(
        {
            "work_id": work_id,
            "action": "add",
            "u": edges.index.get_level_values(0).to_numpy(),
            "v": edges.index.get_level_values(1).to_numpy(),
            "key": 0,
        }
    )
    for col in WEIGHTS:
        frame[col] = edges[col].to_numpy(float)
    frame["length_m"] = edges["length_m"].to_numpy(float)
    frame["road_class"] = edges["road_class"].astype(str).to_numpy()
    frame["geometry"] = pd.Series(list(edges.geometry.to_numpy()), dtype=object)
    return frame


def _clean_line(coords: Sequence[tuple[float, float]]) -> shapely.LineString:
    """Return the line through the points, without repeated ones."""
    clean = [coords[0]]
    for q in coords[1:]:
        if math.hypot(q[0] - clean[-1][0], q[1] - clean[-1][1]) > 0.01:
            clean.append(q)
    line = shapely.linestrings(np.asarray(clean, dtype=float))  # as LineString(clean), faster
    return cast(shapely.LineString, line)
