"""Road works proposed in a file (``PROP-<id>``): reading, validation and edge changes.

A proposal is an upgrade along existing roads, a new road or a bridge at a
ford, with the cost its proposers give (or one estimated with the cost table).
Invalid rows are rejected with a reason while the others are still evaluated;
see :func:`proposals_from_file` for the file format and the rules.
"""

from __future__ import annotations

import logging
import math
import warnings
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import pyogrio.errors
import shapely
from tqdm import tqdm

from connectivity._logging import progress_enabled
from connectivity.config import CostsSection
from connectivity.errors import CrsError, DataError, MissingFileError
from connectivity.network import RoadNetwork, SpeedTables
from connectivity.works.bridges import (
    _bridge_tags,
    _crossing_edges,
    _crossings,
    _projected_waterways,
)
from connectivity.works.changes import (
    _add_changes,
    _check_edge_tables,
    _clean_line,
    _improves,
    _new_road_edges,
    _replace_changes,
    _reweigh,
    _workset,
)
from connectivity.works.costs import DEFAULT_TERRAIN, CostTable, _price_line, _Terrain, cost_table
from connectivity.works.roads import (
    _CLASS_ES,
    _RANK,
    _RETAGGED,
    _STEPS,
    CLASS_ORDER,
    NEW_LINK_TAGS,
    PATH_HIGHWAYS,
    TARGET_TAGS,
    EdgeKey,
    _tag,
    _text,
    _undirected_groups,
)
from connectivity.works.splitting import split_edges
from connectivity.works.workset import WorkSet

__all__ = [
    "BRIDGE_SNAP_M",
    "PROPOSAL_SNAP_M",
    "REGION_MARGIN_M",
    "proposals_from_file",
    "read_proposals",
]

log = logging.getLogger(__name__)


#: Proposals: how close (m) a proposed upgrade line must run to a road, and a
#: proposed bridge to a crossing.
PROPOSAL_SNAP_M = 30.0
BRIDGE_SNAP_M = 200.0
#: Proposals must lie inside the network's extent grown by this margin (m).
REGION_MARGIN_M = 1000.0

_PROPOSAL_TYPES = ("upgrade", "new_link", "bridge")
#: Class a proposed upgrade raises a road to when the proposal names none.
_NEXT_CLASS = {
    "camino": "trocha",
    "trocha": "afirmado",
    "sin_afirmar": "afirmado",
    "afirmado": "asfaltado",
}
_PROPOSAL_GEOMETRY = {
    "upgrade": ("LineString", "MultiLineString"),
    "new_link": ("LineString",),
    "bridge": ("Point", "LineString", "MultiLineString"),
}
_ESTIMATED = " (costo estimado con la tabla de costos)"


@dataclass(frozen=True)
class _Proposal:
    row: int
    pid: str
    kind: str
    geom: shapely.Geometry
    cost: float  # nan: estimate from the cost table
    share: float
    to_class: str
    span_m: float  # nan: from the waterway
    name: str


@dataclass(frozen=True)
class _Context:
    network: RoadNetwork
    table: CostTable
    tables: SpeedTables
    terrain: _Terrain | None
    dem_path: Path | None
    waterways: gpd.GeoDataFrame | None
    road: gpd.GeoDataFrame  # non-connector edges
    road_tree: shapely.STRtree  # of the lines of road (built once for every proposal)
    crossing: gpd.GeoDataFrame  # fords and unbridged crossings
    crossing_tree: shapely.STRtree  # of the lines of crossing
    road_groups: np.ndarray  # undirected road number of each row of road
    crossing_groups: np.ndarray  # and of each row of crossing


def _proposal_id(value: Any) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def read_proposals(path: str | Path) -> gpd.GeoDataFrame:
    """Read and check a proposals file, before anything is built from it.

    The pipeline calls this before a run writes anything, so a bad file stops
    the run with the previous outputs untouched.

    Parameters
    ----------
    path : str or Path
        The proposals file (see :func:`proposals_from_file`).

    Returns
    -------
    geopandas.GeoDataFrame
        The rows, column names stripped and lower-cased. A file with no
        features (an empty GeoJSON FeatureCollection) gives an empty frame
        with ``id`` and ``type`` columns, and a warning: it means "no proposals".

    Raises
    ------
    MissingFileError
        The file does not exist.
    CrsError
        The file has no CRS.
    DataError
        The file cannot be read, or lacks the ``id`` or ``type`` column.
    """
    path = Path(path)
    if not path.is_file():
        raise MissingFileError(f"proposals file not found: {path}")
    try:
        with warnings.catch_warnings():
            # ids mixing numbers and text are read as text, which is what we want
            warnings.filterwarnings("ignore", "Could not parse column", UserWarning)
            frame = gpd.read_file(path)
    except (pyogrio.errors.DataSourceError, pyogrio.errors.DataLayerError, ValueError) as exc:
        raise DataError(f"{path}: cannot read the proposals file: {exc}") from exc
    if frame.crs is None:
        raise CrsError(f"{path}: the proposals file has no CRS")
    if frame.empty:
        log.warning("%s: the proposals file has no proposals (no features)", path)
        return gpd.GeoDataFrame(
            {"id": pd.Series(dtype=object), "type": pd.Series(dtype=object)},
            geometry=gpd.GeoSeries([], crs=frame.crs),
        )
    geometry = frame.geometry.name
    frame.columns = [c if c == geometry else str(c).strip().lower() for c in frame.columns]
    missing = [c for c in ("id", "type") if c not in frame.columns]
    if missing:
        raise DataError(
            f"{path}: proposals lack column(s) {', '.join(missing)} "
            f"(columns: {', '.join(map(str, frame.columns))})"
        )
    return frame


def _number(value: Any) -> float | None:
    """Return a number, ``nan`` when missing, ``None`` for text that is not a number."""
    if value is None:
        return math.nan
    if isinstance(value, str):
        if not value.strip():
            return math.nan
        try:
            return float(value.replace(",", "."))
        except ValueError:
            return None
    try:
        return float(value)
    except (TypeError, ValueError):
        return None


def _check_proposal(
    row: pd.Series, i: int, pid: str, region: shapely.Geometry, *, estimate_missing_cost: bool
) -> _Proposal | str:
    """Return the proposal, or why it is rejected."""
    kind = _text(row.get("type")).strip().lower()
    geom = row.geometry
    if kind not in _PROPOSAL_TYPES:
        return f"unknown work type {kind!r} (known: {', '.join(_PROPOSAL_TYPES)})"
    if geom is None or geom.is_empty:
        return "empty geometry"
    if not geom.is_valid:
        return f"invalid geometry ({shapely.is_valid_reason(geom)})"
    allowed = _PROPOSAL_GEOMETRY[kind]
    if geom.geom_type not in allowed:
        return f"a {kind} needs a {' or '.join(allowed)} geometry, got {geom.geom_type}"
    if not geom.within(region):
        return "geometry outside the region of the network"
    cost = _number(row.get("cost"))
    if cost is None:
        return f"cost {row.get('cost')!r} is not a number"
    if math.isnan(cost) and not estimate_missing_cost:
        return "missing cost"
    if cost < 0:
        return f"negative cost ({cost:,.0f})"
    share = _number(row.get("cofinancing_share"))
    if share is None or not (math.isnan(share) or 0.0 <= share <= 1.0):
        return f"cofinancing_share must be between 0 and 1 (got {row.get('cofinancing_share')!r})"
    to_class = _text(row.get("to_class")).strip().lower()
    if to_class and (to_class not in _RANK or to_class == "camino"):
        return f"unknown to_class {to_class!r} (known: {', '.join(CLASS_ORDER[1:])})"
    span = _number(row.get("span_m"))
    if span is None or not (math.isnan(span) or span > 0):
        return f"span_m must be a positive number (got {row.get('span_m')!r})"
    return _Proposal(
        row=i,
        pid=pid,
        kind=kind,
        geom=geom,
        cost=cost,
        share=0.0 if math.isnan(share) else share,
        to_class=to_class,
        span_m=span,
        name=_text(row.get("name")).strip(),
    )


def _snap_end(
    network: RoadNetwork, point: shapely.Point, road: gpd.GeoDataFrame, tree: shapely.STRtree
) -> tuple[int | None, EdgeKey | None, shapely.Point]:
    """Where a proposed road's end meets the network: a community's node or a road point."""
    j = int(tree.query_nearest(point, all_matches=False)[0])
    line = road.geometry.iloc[j]
    on_road = shapely.line_interpolate_point(line, shapely.line_locate_point(line, point))
    comm = network.communities
    if not comm.empty:
        i = int(shapely.STRtree(comm.geometry.to_numpy()).query_nearest(point)[0])
        at = comm.geometry.iloc[i]
        if point.distance(at) < point.distance(on_road):
            return int(comm["node_id"].iloc[i]), None, at
    k = road.index[j]
    return None, (int(k[0]), int(k[1]), int(k[2])), on_road


def _proposed_upgrade(prop: _Proposal, ctx: _Context) -> tuple[dict[str, Any], pd.DataFrame] | str:
    road = ctx.road
    zone = shapely.buffer(prop.geom, PROPOSAL_SNAP_M)
    near = np.sort(ctx.road_tree.query(zone, "intersects"))
    cand = road.iloc[near]
    lines = cand.geometry.to_numpy()
    inside = shapely.length(shapely.intersection(lines, zone)) / np.maximum(
        shapely.length(lines), 1e-9
    )
    cls = cand["road_class"].astype(str).to_numpy()
    targets = np.array([prop.to_class or _NEXT_CLASS.get(c, c) for c in cls], dtype=object)
    keep = (inside >= 0.5) & np.array(
        [c in _RANK and _RANK[t] > _RANK[c] for c, t in zip(cls, targets, strict=True)], dtype=bool
    )
    if not keep.any():
        return f"no road of a lower class along its line (within {PROPOSAL_SNAP_M:g} m)"
    cand, cls, targets = cand[keep], cls[keep], targets[keep]
    highway = _tag(cand, "highway").fillna("").astype(str).to_numpy()
    opened = np.array([c == "camino" for c in cls])
    tags: dict[str, Any] = {
        "highway": [
            "track" if (o and h in PATH_HIGHWAYS) else h
            for h, o in zip(highway, opened, strict=True)
        ],
        **{col: [TARGET_TAGS[t][col] for t in targets] for col in _RETAGGED},
        "motor_vehicle": _tag(cand, "motor_vehicle").where(~opened, None).tolist(),
    }
    base = gpd.GeoDataFrame(cand.reset_index(), geometry="geometry", crs=road.crs)
    new = _reweigh(base, tags, ctx.tables)
    new["length_m"] = base["length_m"].to_numpy(float)
    done = (new["road_class"].to_numpy() == targets) & _improves(new, base)
    if not done.any():
        return "the roads along its line cannot be raised (closed to vehicles?)"
    first = done & ~pd.Series(ctx.road_groups[near][keep]).duplicated().to_numpy()
    geoms = base.geometry.to_numpy()
    length = float(base["length_m"].to_numpy(float)[first].sum())
    cost, main = prop.cost, DEFAULT_TERRAIN
    if math.isnan(cost):
        cost = 0.0
        by_terrain: dict[str, float] = {}
        for c, t, g in zip(cls[first], targets[first], geoms[first], strict=True):
            steps = [f"upgrade_{s}" for s in _STEPS if _RANK[c] < _RANK[s] <= _RANK[t]]
            part, terrain = _price_line(g, steps, ctx.table, ctx.terrain)
            cost += part
            by_terrain[terrain] = by_terrain.get(terrain, 0.0) + float(g.length)
        main = max(sorted(by_terrain), key=by_terrain.__getitem__)
    before = "/".join(sorted(set(cls[done].tolist()), key=_RANK.__getitem__))
    after = "/".join(sorted(set(targets[done].tolist()), key=_RANK.__getitem__))
    record = {
        "name": prop.name or f"Propuesta {prop.pid}: mejoramiento ({before} → {after})",
        "description": (
            f"Propuesta {prop.pid}: {before} → {after} en {length / 1000:.1f} km"
            + (_ESTIMATED if math.isnan(prop.cost) else "")
        ),
        "length_m": length,
        "span_m": 0.0,
        "cost": cost,
        "class_before": before,
        "class_after": after,
        "terrain": main,
        "geometry": shapely.line_merge(shapely.MultiLineString(list(geoms[first]))),
    }
    work_id = f"PROP-{prop.pid}"
    return record, _replace_changes([work_id] * int(done.sum()), base[done], new[done])


def _proposed_bridge(prop: _Proposal, ctx: _Context) -> tuple[dict[str, Any], pd.DataFrame] | str:
    crossing = ctx.crossing
    if crossing.empty:
        return "the network has no ford or unbridged river crossing to bridge"
    (j,), (dist,) = ctx.crossing_tree.query_nearest(
        prop.geom, all_matches=False, return_distance=True
    )
    if dist > BRIDGE_SNAP_M:
        return f"no ford or unbridged river crossing within {BRIDGE_SNAP_M:g} m"
    same = ctx.crossing_groups == ctx.crossing_groups[int(j)]
    base = gpd.GeoDataFrame(crossing[same].reset_index(), geometry="geometry", crs=crossing.crs)
    new = _reweigh(base, _bridge_tags(len(base)), ctx.tables)
    new["length_m"] = base["length_m"].to_numpy(float)
    unbridged = (
        bool(base["unbridged_crossing"].fillna(False).iloc[0])
        if "unbridged_crossing" in base.columns
        else False
    )
    found = _crossings([base.geometry.iloc[0]], ["river" if unbridged else "stream"], ctx.waterways)
    span = found[0].span_m if math.isnan(prop.span_m) else prop.span_m
    vehicle = bool(base["vehicle"].iloc[0])
    cost = prop.cost
    if math.isnan(cost):
        cost = span * float(ctx.table.bridge_cost_per_m["vehicle" if vehicle else "foot"])
    road_class = str(base["road_class"].iloc[0])
    what = "vehicular" if vehicle else "peatonal"
    record = {
        "name": prop.name or f"Propuesta {prop.pid}: puente {what}",
        "description": (
            f"Propuesta {prop.pid}: puente {what} de {span:.0f} m en el cruce de "
            f"{_CLASS_ES.get(road_class, road_class)} sobre {found[0].label}"
            + (_ESTIMATED if math.isnan(prop.cost) else "")
        ),
        "length_m": 0.0,
        "span_m": span,
        "cost": cost,
        "class_before": road_class,
        "class_after": road_class,
        "terrain": "",
        "crossing": "inferred" if unbridged else "ford",
        "geometry": found[0].point,
    }
    return record, _replace_changes([f"PROP-{prop.pid}"] * len(base), base, new)


def _proposed_link(
    prop: _Proposal, a: int, b: int, ctx: _Context
) -> tuple[dict[str, Any], pd.DataFrame] | str:
    if a == b:
        return "both ends of the new road meet the network at the same place"
    nodes = ctx.network.nodes
    coords = [
        (float(nodes.at[a, "x"]), float(nodes.at[a, "y"])),
        *[(float(x), float(y)) for x, y in shapely.get_coordinates(prop.geom)],
        (float(nodes.at[b, "x"]), float(nodes.at[b, "y"])),
    ]
    line = _clean_line(coords)
    target = prop.to_class or "afirmado"
    tags = {
        **NEW_LINK_TAGS,
        "surface": TARGET_TAGS[target]["surface"],
        "tracktype": TARGET_TAGS[target]["tracktype"],
    }
    label = prop.name or f"Propuesta {prop.pid}"
    new_edges = _new_road_edges(
        [(a, b, line, label)], tags, ctx.network.crs, ctx.tables, ctx.dem_path
    )
    cost, main = prop.cost, DEFAULT_TERRAIN
    if math.isnan(cost):
        cost, main = _price_line(line, ["new_link"], ctx.table, ctx.terrain)
    built = str(new_edges["road_class"].iloc[0])
    record = {
        "name": prop.name or f"Propuesta {prop.pid}: carretera nueva",
        "description": (
            f"Propuesta {prop.pid}: carretera nueva ({built}) de {line.length / 1000:.1f} km"
            + (_ESTIMATED if math.isnan(prop.cost) else "")
        ),
        "length_m": float(line.length),
        "span_m": 0.0,
        "cost": cost,
        "class_before": "",
        "class_after": built,
        "terrain": main,
        "geometry": line,
    }
    return record, _add_changes(f"PROP-{prop.pid}", new_edges)


def proposals_from_file(
    path: str | Path,
    network: RoadNetwork,
    *,
    frame: gpd.GeoDataFrame | None = None,
    costs: CostsSection | None = None,
    dem_path: Path | None = None,
    waterways: gpd.GeoDataFrame | None = None,
    tables: SpeedTables | None = None,
    estimate_missing_cost: bool = False,
) -> tuple[RoadNetwork, WorkSet, pd.DataFrame]:
    """Read road works proposed in a file, validate them and turn them into edge changes.

    The file (GeoJSON, GeoPackage or anything geopandas reads, with a CRS) has
    one row per proposal:

    * ``id`` (required, unique) — the work id becomes ``PROP-<id>``;
    * ``type`` (required): ``upgrade`` (a line along existing roads: each road
      under it is raised one class step, or to ``to_class``), ``new_link`` (a
      line: a new afirmado track whose two ends join the network — each end at
      the nearer of the nearest community or the nearest point of a road,
      which is split there), ``bridge`` (a point or line: the nearest ford or
      unbridged crossing within :data:`BRIDGE_SNAP_M`);
    * ``cost`` in the region's currency: required — a missing cost is
      rejected — unless ``estimate_missing_cost``, when it is estimated with
      the cost table like a generated work (and the description says so);
    * ``cofinancing_share`` (optional, 0..1: the share others pay), ``name``
      (optional), ``to_class`` (optional: ``trocha``, ``sin_afirmar``,
      ``afirmado``, ``asfaltado``), ``span_m`` (optional, bridges).

    A proposal is rejected — logged as a warning and listed with the reason,
    while the others are still evaluated — for a missing or duplicate id
    (every row with that id), an unknown type, an empty, invalid or wrongly
    typed geometry, a geometry not inside the network's extent (its convex
    hull grown by :data:`REGION_MARGIN_M`), a negative, non-numeric or missing
    cost, a co-financing share outside 0..1, or a work that changes nothing
    (no lower-class road along the line within :data:`PROPOSAL_SNAP_M`, no
    crossing near the bridge, a new road whose ends meet the network at one
    place).

    Parameters
    ----------
    path : str or Path
        The proposals file.
    network : RoadNetwork
    frame : geopandas.GeoDataFrame, optional
        The file as already read by :func:`read_proposals` (it is not read again).
    costs : CostsSection, optional
        Cost overrides (for estimated costs).
    dem_path : Path, optional
        DEM the network was built with: walking on new roads, terrain of
        estimated costs.
    waterways : geopandas.GeoDataFrame, optional
        Waterways for bridge spans.
    tables : SpeedTables, optional
        The speed tables the network was built with.
    estimate_missing_cost : bool
        Estimate a missing cost from the cost table instead of rejecting it.

    Returns
    -------
    network : RoadNetwork
        A copy with edges split where proposed new roads meet them.
    works : WorkSet
        The valid proposals (``origin`` ``"proposal"``), in file order.
    rejected : pandas.DataFrame
        ``proposal_id`` and ``reason`` of each rejected row, in file order.

    Raises
    ------
    MissingFileError
        The file does not exist.
    CrsError
        The file has no CRS.
    DataError
        The file cannot be read, or lacks the ``id`` or ``type`` column.
    """
    path = Path(path)
    table = cost_table(costs)
    frame = (read_proposals(path) if frame is None else frame).to_crs(network.crs)
    region = shapely.convex_hull(shapely.multipoints(network.nodes.geometry.to_numpy()))
    region = region.buffer(REGION_MARGIN_M)
    rejected: list[tuple[int, str, str]] = []

    def reject(i: int, pid: str, reason: str) -> None:
        rejected.append((i, pid, reason))
        log.warning("%s: proposal %r rejected: %s", path.name, pid, reason)

    ids = [_proposal_id(v) for v in frame["id"]]
    uses = Counter(ids)
    valid: list[_Proposal] = []
    for i, pid in enumerate(ids):
        if not pid:
            reject(i, f"(row {i + 1})", "missing id")
            continue
        if uses[pid] > 1:
            reject(i, pid, f"duplicate id (used by {uses[pid]} proposals)")
            continue
        checked = _check_proposal(
            frame.iloc[i], i, pid, region, estimate_missing_cost=estimate_missing_cost
        )
        if isinstance(checked, str):
            reject(i, pid, checked)
        else:
            valid.append(checked)

    # the ends of proposed roads first: they may split edges
    road = network.edges[(network.edges["road_class"].astype(str) != "connector").to_numpy()]
    tree = shapely.STRtree(road.geometry.to_numpy())
    ends: dict[tuple[int, int], int | None] = {}
    cuts: list[tuple[EdgeKey, shapely.Point]] = []
    cut_of: dict[tuple[int, int], int] = {}
    for n, prop in enumerate(valid):
        if prop.kind != "new_link":
            continue
        coords = shapely.get_coordinates(prop.geom)
        for e, xy in enumerate((coords[0], coords[-1])):
            node, edge, at = _snap_end(network, shapely.Point(xy), road, tree)
            ends[(n, e)] = node
            if edge is not None:
                cut_of[(n, e)] = len(cuts)
                cuts.append((edge, at))
    network, cut_nodes = split_edges(network, cuts)
    for where, c in cut_of.items():
        ends[where] = cut_nodes[c]

    edges = network.edges
    is_road = (edges["road_class"].astype(str) != "connector").to_numpy()
    is_crossing = np.asarray(_crossing_edges(edges), dtype=bool)
    ctx_road, crossing = edges[is_road], edges[is_crossing]
    groups = _undirected_groups(edges)
    ctx = _Context(
        network=network,
        table=table,
        tables=tables or SpeedTables(),
        terrain=_Terrain.from_dem(dem_path, network.crs) if dem_path is not None else None,
        dem_path=dem_path,
        waterways=_projected_waterways(waterways, network.crs),
        road=ctx_road,
        road_tree=shapely.STRtree(ctx_road.geometry.to_numpy()),
        crossing=crossing,
        crossing_tree=shapely.STRtree(crossing.geometry.to_numpy()),
        road_groups=groups[is_road],
        crossing_groups=groups[is_crossing],
    )
    _check_edge_tables(edges, is_road & edges["vehicle"].to_numpy(bool), ctx.tables)
    rows: list[dict[str, Any]] = []
    changes: list[pd.DataFrame] = []
    for n, prop in enumerate(
        tqdm(valid, desc="proposals", unit="work", disable=not progress_enabled())
    ):
        if prop.kind == "upgrade":
            made = _proposed_upgrade(prop, ctx)
        elif prop.kind == "bridge":
            made = _proposed_bridge(prop, ctx)
        else:
            a, b = ends[(n, 0)], ends[(n, 1)]
            if a is None or b is None:  # pragma: no cover - every end got a node above
                raise DataError(f"proposal {prop.pid!r}: an end did not meet the network")
            made = _proposed_link(prop, a, b, ctx)
        if isinstance(made, str):
            reject(prop.row, prop.pid, made)
            continue
        record, change = made
        rows.append(
            {
                "work_id": f"PROP-{prop.pid}",
                "work_type": prop.kind,
                "origin": "proposal",
                "cofinancing_share": prop.share,
                **record,
            }
        )
        changes.append(change)
    works = _workset(rows, changes, network.crs, table)
    rejected.sort()
    rejected_frame = pd.DataFrame(
        [r[1:] for r in rejected], columns=["proposal_id", "reason"], dtype=object
    )
    log.info("%s: %d proposals accepted, %d rejected", path.name, len(works), len(rejected_frame))
    return network, works, rejected_frame
