"""Bridges at fords and unbridged river crossings.

**Bridges** (``BRG-0001`` …). Every edge with a ``ford`` tag or flagged
``unbridged_crossing`` (crosses a river with no bridge tag, see
:func:`connectivity.network.mark_unbridged_crossings`): a footbridge on paths, a
vehicle bridge on roads. Span: the waterway's ``width`` tag where the crossing
waterway is known and tagged, else :data:`DEFAULT_SPAN_M` by waterway type
(a crossing with no known waterway counts as a stream; an unbridged crossing as
a river). The edge's new weights are those with ``bridge=yes`` and no ford:
it stays open in the wet season.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, cast

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from connectivity.config import CostsSection
from connectivity.errors import CrsError
from connectivity.network import RoadNetwork, SpeedTables
from connectivity.network.speeds import _map_each
from connectivity.works.changes import (
    _check_edge_tables,
    _empty_workset,
    _replace_changes,
    _reweigh,
    _workset,
)
from connectivity.works.costs import cost_table
from connectivity.works.roads import _CLASS_ES, _nearest_names, _tag, _text, _undirected_groups
from connectivity.works.workset import WorkSet

__all__ = ["DEFAULT_SPAN_M", "bridge_candidates"]

log = logging.getLogger(__name__)


#: Bridge span (m) by ``waterway`` type when the waterway has no ``width`` tag.
DEFAULT_SPAN_M: dict[str, float] = {"river": 30.0, "stream": 10.0, "canal": 6.0}

_WATER_ES = {"river": "río", "stream": "quebrada", "canal": "canal"}


def _width_m(value: Any) -> float | None:
    """Metres from an OSM ``width`` tag ("12", "12 m", "8-10"), or ``None``."""
    match = re.match(r"\s*(\d+(?:[.,]\d+)?)", _text(value))
    if not match:
        return None
    width = float(match.group(1).replace(",", "."))
    return width if width > 0 else None


@dataclass(frozen=True)
class _Crossing:
    span_m: float
    point: shapely.Point
    water_type: str
    water_name: str
    known: bool  # a mapped waterway crosses the line

    @property
    def label(self) -> str:
        """The waterway as a person names it, e.g. "río Pampas"."""
        kind = _WATER_ES.get(self.water_type, "cauce")
        name = self.water_name
        if name.lower().startswith(("río", "rio", "quebrada", "riachuelo", "canal", "arroyo")):
            return name
        return f"{kind} {name}".strip()


def _crossings(
    lines: Sequence[shapely.Geometry],
    default_types: Sequence[str],
    waterways: gpd.GeoDataFrame | None,
) -> list[_Crossing]:
    """Span, place and waterway of the crossing(s) on each line.

    Each point where a mapped waterway (not in a culvert) crosses the line
    adds one span; a line no waterway crosses gets one span of its default type.
    """
    line_arr = np.asarray(lines, dtype=object)
    water = None if waterways is None else waterways.reset_index(drop=True)
    # each line's crossing waterways (in index order) and the points where they cross it
    hits_of: list[list[int]] = [[] for _ in range(len(line_arr))]
    found_of: dict[tuple[int, int], np.ndarray] = {}
    texts: dict[str, list[str] | None] = {}
    if water is not None and len(line_arr):
        tree = shapely.STRtree(water.geometry.to_numpy())
        line_i, water_i = tree.query(line_arr, "intersects")
        order = np.lexsort((water_i, line_i))
        line_i, water_i = line_i[order], water_i[order]
        texts = {
            name: _map_each(water[name], _text).tolist() if name in water.columns else None
            for name in ("tunnel", "waterway", "width", "name")
        }
        tunnel = texts["tunnel"]
        open_water = np.array(
            [tunnel is None or tunnel[i] not in ("yes", "culvert") for i in water_i.tolist()],
            dtype=bool,
        )
        line_i, water_i = line_i[open_water], water_i[open_water]
        where = shapely.intersection(line_arr[line_i], water.geometry.to_numpy()[water_i])
        xy, part = shapely.get_coordinates(where, return_index=True)
        bounds = np.searchsorted(part, np.arange(len(where) + 1))
        for k, (li, wi) in enumerate(zip(line_i.tolist(), water_i.tolist(), strict=True)):
            hits_of[li].append(wi)
            found_of[(li, wi)] = xy[bounds[k] : bounds[k + 1]]

    def column(name: str, i: int) -> str:
        values = texts.get(name)
        return values[i] if values is not None else ""

    out: list[_Crossing] = []
    for li, (line, default) in enumerate(zip(line_arr, default_types, strict=True)):
        spans: list[float] = []
        points: list[shapely.Point] = []
        wtype, wname = default, ""
        for i in hits_of[li]:
            kind = column("waterway", i) or default
            width = _width_m(column("width", i))
            span = width if width is not None else DEFAULT_SPAN_M.get(kind, DEFAULT_SPAN_M[default])
            for xy_i in found_of[(li, i)]:
                p = shapely.Point(xy_i)
                if any(p.distance(q) < 5.0 for q in points):
                    continue
                points.append(p)
                spans.append(span)
                if len(points) == 1:
                    wtype, wname = kind, column("name", i)
        if spans:
            out.append(_Crossing(float(sum(spans)), points[0], wtype, wname, True))
        else:
            mid = cast(shapely.LineString, line).interpolate(0.5, normalized=True)
            out.append(_Crossing(DEFAULT_SPAN_M[default], mid, default, "", False))
    return out


def _crossing_edges(edges: gpd.GeoDataFrame) -> np.ndarray:
    """Fords and unbridged river crossings (not walking connectors)."""
    ford = _tag(edges, "ford").isin(["yes", "stepping_stones"]).to_numpy()
    if "unbridged_crossing" in edges.columns:
        ford = ford | edges["unbridged_crossing"].fillna(False).to_numpy(dtype=bool)
    return np.asarray(ford & (edges["road_class"].astype(str) != "connector").to_numpy())


def _bridge_tags(n: int) -> dict[str, Any]:
    return {"ford": [None] * n, "bridge": ["yes"] * n, "unbridged_crossing": [False] * n}


def bridge_candidates(
    network: RoadNetwork,
    *,
    waterways: gpd.GeoDataFrame | None = None,
    costs: CostsSection | None = None,
    tables: SpeedTables | None = None,
) -> tuple[RoadNetwork, WorkSet]:
    """Propose bridges at fords and unbridged river crossings.

    Parameters
    ----------
    network : RoadNetwork
    waterways : geopandas.GeoDataFrame, optional
        Rivers and streams (``waterway``, optional ``width``, ``name``,
        ``tunnel``; any CRS) for spans and names; default spans without.
    costs : CostsSection, optional
        Cost overrides (see :func:`cost_table`).
    tables : SpeedTables, optional
        The speed tables the network was built with (checked).

    Returns
    -------
    network : RoadNetwork
        The input network.
    works : WorkSet
        ``BRG-0001`` … sorted by node pair, one per crossing edge (both
        directions), ``work_type`` ``"bridge"``; a footbridge where no vehicle
        passes, else a vehicle bridge; ``crossing`` ``"ford"`` where OSM tags
        a ford, ``"inferred"`` where a river is crossed with no tag.
    """
    table = cost_table(costs)
    tables = tables or SpeedTables()
    edges = network.edges
    mask = _crossing_edges(edges)
    if not mask.any():
        log.info("bridges: no ford or unbridged crossing in the network")
        return network, _empty_workset(network.crs, table)
    water = _projected_waterways(waterways, network.crs)
    sub = edges[mask]
    _check_edge_tables(edges, mask & edges["vehicle"].to_numpy(bool), tables)
    base = gpd.GeoDataFrame(sub.reset_index(), geometry="geometry", crs=edges.crs)
    group = _undirected_groups(edges)[mask]
    order = np.lexsort(
        (np.arange(len(base)), group, base[["u", "v"]].max(axis=1), base[["u", "v"]].min(axis=1))
    )
    new = _reweigh(base, _bridge_tags(len(base)), tables)
    new["length_m"] = base["length_m"].to_numpy(float)
    first = order[np.r_[True, group[order][1:] != group[order][:-1]]]
    unbridged = (
        base["unbridged_crossing"].fillna(False).to_numpy(bool)
        if "unbridged_crossing" in base.columns
        else np.zeros(len(base), dtype=bool)
    )
    found = _crossings(
        list(base.geometry.to_numpy()[first]),
        ["river" if unbridged[r] else "stream" for r in first],
        water,
    )
    places = _nearest_names(network, [c.point for c in found])
    rows: list[dict[str, Any]] = []
    row_work = np.full(len(base), None, dtype=object)
    vehicles = base["vehicle"].to_numpy()
    classes = base["road_class"].to_numpy()
    road_names = base["name"].to_numpy() if "name" in base.columns else None
    for r, crossing, place in zip(first.tolist(), found, places, strict=True):
        vehicle = bool(vehicles[r])
        road_class = str(classes[r])
        road_name = _text(road_names[r]) if road_names is not None else ""
        road = f"'{road_name}'" if road_name else _CLASS_ES.get(road_class, road_class)
        what = "Puente vehicular" if vehicle else "Puente peatonal"
        inferred = bool(unbridged[r])  # no ford tag: the crossing is inferred from a river
        was = "cruce" if inferred else "vado"
        work_id = f"BRG-{len(rows) + 1:04d}"
        row_work[group == group[r]] = work_id
        rows.append(
            {
                "work_id": work_id,
                "work_type": "bridge",
                "origin": "generated",
                "name": f"{what} sobre {crossing.label}" + (f" cerca de {place}" if place else ""),
                "description": (
                    f"{what} de {f'{round(crossing.span_m, 1):g}'.replace('.', ',')} m"
                    f"{'' if crossing.known else ' (luz supuesta)'} en lugar del {was} de {road} "
                    f"sobre {crossing.label}: pasable en época de lluvias"
                ),
                "length_m": 0.0,
                "span_m": crossing.span_m,
                "cost": crossing.span_m
                * float(table.bridge_cost_per_m["vehicle" if vehicle else "foot"]),
                "cofinancing_share": 0.0,
                "class_before": road_class,
                "class_after": road_class,
                "terrain": "",
                "vehicle_bridge": vehicle,
                "crossing": "inferred" if inferred else "ford",
                "geometry": crossing.point,
            }
        )
    done = np.asarray(pd.notna(row_work), dtype=bool)
    works = _workset(
        rows, [_replace_changes(row_work[done], base[done], new[done])], network.crs, table
    )
    n_vehicle = int(works.works["vehicle_bridge"].sum())
    log.info(
        "bridges: %d works (%d vehicle, %d foot)", len(works), n_vehicle, len(works) - n_vehicle
    )
    return network, works


def _projected_waterways(waterways: gpd.GeoDataFrame | None, crs: Any) -> gpd.GeoDataFrame | None:
    if waterways is None or waterways.empty:
        return None
    if waterways.crs is None:
        raise CrsError("waterways layer has no CRS")
    return waterways.to_crs(crs)
