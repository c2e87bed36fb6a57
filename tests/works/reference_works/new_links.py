"""New roads from communities off the vehicle network to the nearest vehicle road.

**New links** (``NEW-0001`` …). Communities farther than ``min_gap_m`` (straight
line) from any vehicle road, grouped when closer than ``cluster_m`` to each
other, get one new road from the member nearest to a vehicle road (or the next
nearest, if no road within the limits leaves from it). The road is
routed over the DEM by a least-cost search (:func:`scipy.sparse.csgraph.dijkstra`
on the DEM grid, 16 neighbours per cell so switchbacks can follow the contour):
a step is allowed only if its grade is at most ``max_slope_pct`` and costs its
length times the unit cost of the terrain it crosses, so the route is the
cheapest one within the slope limit. Routes longer than ``max_new_link_m`` are
dropped. The new road is built as :data:`NEW_LINK_TAGS` (``highway=track``,
``surface=gravel``: an afirmado track) and joins the community's node to the
road, whose edge is split where the route meets it.
"""

from __future__ import annotations

import logging
import math
from collections import Counter
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import shapely
from scipy.sparse import coo_array
from scipy.sparse.csgraph import connected_components, dijkstra
from tqdm import tqdm

from connectivity._logging import progress_enabled
from connectivity.config import CostsSection
from connectivity.network import RoadNetwork, SpeedTables
from connectivity.works.workset import WorkSet
from reference_works.changes import (
    _add_changes,
    _clean_line,
    _empty_workset,
    _new_road_edges,
    _workset,
)
from reference_works.costs import (
    _TERRAIN_ES,
    TERRAIN_CLASSES,
    _classify_slope,
    _price_line,
    _Terrain,
    cost_table,
)
from reference_works.roads import _CLASS_ES, NEW_LINK_TAGS, EdgeKey, _place_name, _text
from reference_works.splitting import split_edges

__all__ = ["new_link_candidates"]

log = logging.getLogger(__name__)


#: Grid moves of the least-cost search (half of the 16-neighbourhood; the graph is
#: undirected), with the two cells a knight's move passes between.
_MOVES: tuple[tuple[int, int, tuple[tuple[int, int], ...]], ...] = (
    (0, 1, ()),
    (1, 0, ()),
    (1, 1, ()),
    (1, -1, ()),
    (1, 2, ((0, 1), (1, 1))),
    (2, 1, ((1, 0), (1, 1))),
    (2, -1, ((1, 0), (1, -1))),
    (1, -2, ((0, -1), (1, -1))),
)


def _grid_route(
    elevation: np.ndarray,
    cost_per_m: np.ndarray,
    start: tuple[int, int],
    targets: np.ndarray,
    res: float,
    max_grade: float,
) -> list[tuple[int, int]] | None:
    """Cheapest grid path from ``start`` to any target cell with every step's grade ≤ max.

    A step joins a cell to one of its 16 neighbours; it costs its length times
    the mean cost per metre of its two cells. A knight's move is graded in two
    halves through the mean of the two cells it passes between, so it cannot
    jump a ridge or a gap in the DEM. Cells without elevation are impassable.
    """
    h, w = elevation.shape
    n = h * w
    ids = np.arange(n).reshape(h, w)
    src_list, dst_list, cost_list = [], [], []
    for dr, dc, between in _MOVES:
        rows, cols = slice(0, h - dr), slice(max(0, -dc), min(w, w - dc))

        def block(
            grid: np.ndarray, er: int, ec: int, rows: slice = rows, cols: slice = cols
        ) -> Any:
            return grid[rows.start + er : rows.stop + er, cols.start + ec : cols.stop + ec]

        za, zb = block(elevation, 0, 0), block(elevation, dr, dc)
        step = res * math.hypot(dr, dc)
        with np.errstate(invalid="ignore"):
            ok = np.abs(zb - za) <= max_grade * step
            if between:
                mid = (block(elevation, *between[0]) + block(elevation, *between[1])) / 2.0
                ok &= np.abs(mid - za) <= max_grade * step / 2
                ok &= np.abs(zb - mid) <= max_grade * step / 2
        ok &= np.isfinite(za) & np.isfinite(zb)
        src_list.append(block(ids, 0, 0)[ok])
        dst_list.append(block(ids, dr, dc)[ok])
        cost = (block(cost_per_m, 0, 0) + block(cost_per_m, dr, dc))[ok]
        cost_list.append(step * cost / 2.0)
    graph = coo_array(
        (np.concatenate(cost_list), (np.concatenate(src_list), np.concatenate(dst_list))),
        shape=(n, n),
    ).tocsr()
    s = int(ids[start])
    dist, pred = dijkstra(graph, directed=False, indices=s, return_predecessors=True)
    tgt = ids[targets]
    tgt = tgt[tgt != s]
    if not len(tgt):
        return None
    best = tgt[np.argmin(dist[tgt])]
    if not np.isfinite(dist[best]):
        return None
    path = [int(best)]
    while path[-1] != s:
        path.append(int(pred[path[-1]]))
    path.reverse()
    return [(p // w, p % w) for p in path]


def _clusters(xy: np.ndarray, within_m: float) -> np.ndarray:
    from scipy.spatial import cKDTree

    n = len(xy)
    if n == 0:
        return np.zeros(0, dtype=int)
    pairs = np.array(sorted(cKDTree(xy).query_pairs(within_m)), dtype=np.int64).reshape(-1, 2)
    graph = coo_array((np.ones(len(pairs)), (pairs[:, 0], pairs[:, 1])), shape=(n, n))
    _, label = connected_components(graph, directed=False)
    return np.asarray(label)


def _route_to_road(
    terrain: _Terrain,
    start: shapely.Point,
    tree: shapely.STRtree,
    roads: np.ndarray,
    cost_per_m: np.ndarray,
    *,
    max_length_m: float,
    max_grade: float,
) -> tuple[shapely.LineString, int, shapely.Point] | str:
    """Cheapest road within the grade limit from ``start`` to the nearest of ``roads``.

    Returns the route (from ``start`` through the grid cells to the point
    where it meets a road), the road's position in ``roads`` and that point;
    or why there is none.
    """
    from rasterio.features import rasterize
    from rasterio.transform import from_origin

    h, w = terrain.shape
    (r,), (c,) = terrain.cell_of(np.array([start.x]), np.array([start.y]))
    if not (0 <= r < h and 0 <= c < w):
        return "outside the DEM"
    radius = math.ceil(max_length_m / terrain.res) + 1
    r0, r1 = max(0, r - radius), min(h, r + radius + 1)
    c0, c1 = max(0, c - radius), min(w, c + radius + 1)
    x_w, y_n = terrain.x0 + c0 * terrain.res, terrain.y0 - r0 * terrain.res
    window = shapely.box(x_w, y_n - (r1 - r0) * terrain.res, x_w + (c1 - c0) * terrain.res, y_n)
    near = np.sort(tree.query(window, "intersects"))
    if not len(near):
        return "no vehicle road within reach"
    elevation = terrain.elevation[r0:r1, c0:c1]
    targets = rasterize(
        [(roads[i], 1) for i in near.tolist()],
        out_shape=elevation.shape,
        transform=from_origin(x_w, y_n, terrain.res, terrain.res),
        all_touched=True,
        fill=0,
        dtype="uint8",
    ).astype(bool)
    cost = cost_per_m[_classify_slope(terrain.slope_pct[r0:r1, c0:c1])]
    cells = _grid_route(elevation, cost, (r - r0, c - c0), targets, terrain.res, max_grade)
    if cells is None:
        return "no route within the slope limit"
    cx, cy = terrain.centre(
        np.array([rc[0] + r0 for rc in cells]), np.array([rc[1] + c0 for rc in cells])
    )
    end = shapely.Point(cx[-1], cy[-1])
    j = int(tree.query_nearest(end, all_matches=False)[0])
    road_pt = shapely.line_interpolate_point(roads[j], shapely.line_locate_point(roads[j], end))
    line = _clean_line(
        [(start.x, start.y), *zip(cx.tolist(), cy.tolist(), strict=True), (road_pt.x, road_pt.y)]
    )
    if line.length > max_length_m:
        return "route longer than max_new_link_m"
    return line, j, road_pt


def new_link_candidates(
    network: RoadNetwork,
    *,
    dem_path: Path,
    max_new_link_m: float = 5000.0,
    max_slope_pct: float = 12.0,
    costs: CostsSection | None = None,
    tables: SpeedTables | None = None,
    min_gap_m: float = 1000.0,
    cluster_m: float = 1500.0,
) -> tuple[RoadNetwork, WorkSet]:
    """Propose new roads from communities off the vehicle network to the nearest vehicle road.

    Parameters
    ----------
    network : RoadNetwork
    dem_path : Path
        DEM (the one the network was built with) for routing, walking and cost.
    max_new_link_m : float
        Longest new road (routed length).
    max_slope_pct : float
        Steepest grade of the new road (each grid step), percent.
    costs : CostsSection, optional
        Cost overrides (see :func:`cost_table`).
    tables : SpeedTables, optional
        The speed tables the network was built with.
    min_gap_m : float
        Communities farther than this (straight line) from any vehicle road
        are candidates.
    cluster_m : float
        Candidate communities closer than this to each other share one road.

    Returns
    -------
    network : RoadNetwork
        A copy with the road edges the new roads meet split there.
    works : WorkSet
        ``NEW-0001`` … sorted by the id of the cluster's community nearest to a
        road (the road starts from it, or from the next nearest member when no
        road within the limits can be found from it); each
        adds both directions of the new road between the community's node and
        the road node; ``community_ids`` lists the communities of the cluster.
    """
    table = cost_table(costs)
    tables = tables or SpeedTables()
    edges = network.edges
    comm = network.communities
    vehicle = edges[
        edges["vehicle"].to_numpy(bool)
        & (edges["road_class"].astype(str) != "connector").to_numpy()
    ]
    if comm.empty or vehicle.empty:
        return network, _empty_workset(network.crs, table)
    terrain = _Terrain.from_dem(Path(dem_path), network.crs)
    veh_geoms = vehicle.geometry.to_numpy()
    tree = shapely.STRtree(veh_geoms)
    pts = comm.geometry.to_numpy()
    _, gap = tree.query_nearest(pts, all_matches=False, return_distance=True)
    gap = np.asarray(gap)
    chosen = np.flatnonzero((gap > min_gap_m) & (gap <= max_new_link_m))
    ids = comm["community_id"].astype(str).to_numpy() if "community_id" in comm else None
    ident = ids if ids is not None else np.array([str(i) for i in comm.index])
    xy = np.column_stack([shapely.get_x(pts[chosen]), shapely.get_y(pts[chosen])])
    label = _clusters(xy, cluster_m)
    # each cluster: members by distance to a road (the nearest tried first), and by id
    plans: list[tuple[list[int], list[int]]] = []
    for lab in np.unique(label):
        members = chosen[label == lab]
        by_gap = members[np.lexsort((ident[members], gap[members]))].tolist()
        plans.append((by_gap, sorted(by_gap, key=lambda i: ident[i])))
    plans.sort(key=lambda p: ident[p[0][0]])
    per_m = np.array([table.per_m("new_link", t) for t in TERRAIN_CLASSES])
    routes: list[tuple[int, list[int], shapely.LineString, EdgeKey, shapely.Point]] = []
    failed: Counter[str] = Counter()
    for by_gap, members in tqdm(
        plans, desc="new links", unit="link", disable=not progress_enabled()
    ):
        reasons = []
        for gate in by_gap:
            found = _route_to_road(
                terrain,
                pts[gate],
                tree,
                veh_geoms,
                per_m,
                max_length_m=max_new_link_m,
                max_grade=max_slope_pct / 100.0,
            )
            if not isinstance(found, str):
                line, j, road_pt = found
                key = vehicle.index[j]
                routes.append(
                    (gate, members, line, (int(key[0]), int(key[1]), int(key[2])), road_pt)
                )
                break
            reasons.append(found)
        else:
            failed[reasons[0]] += 1
    split_net, road_nodes = split_edges(network, [(k, pt) for _, _, _, k, pt in routes])
    nodes = split_net.nodes

    def node_xy(n: int) -> tuple[float, float]:
        return float(nodes.at[n, "x"]), float(nodes.at[n, "y"])

    links = []
    for (gate, _, line, _, _), road_node in zip(routes, road_nodes, strict=True):
        node = int(comm["node_id"].iloc[gate])
        inner = [(float(x), float(y)) for x, y in shapely.get_coordinates(line)[1:-1]]
        # the route runs exactly from node to node
        line = _clean_line([node_xy(node), *inner, node_xy(road_node)])
        links.append((node, road_node, line, f"Acceso a {_place_name(comm, gate)}"))
    new_edges = _new_road_edges(links, NEW_LINK_TAGS, network.crs, tables, Path(dem_path))
    rows: list[dict[str, Any]] = []
    changes: list[pd.DataFrame] = []
    for i, ((gate, members, _, key, _), (_, _, line, _)) in enumerate(
        zip(routes, links, strict=True)
    ):
        gate_name = _place_name(comm, gate)
        others = [n for n in (_place_name(comm, m) for m in members) if n != gate_name]
        who = gate_name + (f" (y {', '.join(others)})" if others else "")
        road_name = _text(vehicle.at[key, "name"]) if "name" in vehicle.columns else ""
        road_class = str(vehicle.at[key, "road_class"])
        road = f"'{road_name}'" if road_name else _CLASS_ES.get(road_class, road_class)
        pair = new_edges.iloc[2 * i : 2 * i + 2]
        cost, main = _price_line(line, ["new_link"], table, terrain)
        work_id = f"NEW-{len(rows) + 1:04d}"
        rows.append(
            {
                "work_id": work_id,
                "work_type": "new_link",
                "origin": "generated",
                "name": f"Nueva trocha afirmada a {who}",
                "description": (
                    f"Carretera nueva (afirmado) de {line.length / 1000:.1f} km desde {gate_name} "
                    f"hasta {road}, pendiente máxima {max_slope_pct:g} %; terreno "
                    f"{_TERRAIN_ES[main]}; a {gap[gate] / 1000:.1f} km en línea recta"
                ),
                "length_m": float(line.length),
                "span_m": 0.0,
                "cost": cost,
                "cofinancing_share": 0.0,
                "class_before": "",
                "class_after": str(pair["road_class"].iloc[0]),
                "terrain": main,
                "community_ids": ",".join(ident[m] for m in members),
                "geometry": line,
            }
        )
        changes.append(_add_changes(work_id, pair))
    works = _workset(rows, changes, network.crs, table)
    log.info(
        "new links: %d works for %d communities farther than %.0f m from a vehicle road "
        "(%d clusters; not built: %s)",
        len(works),
        len(chosen),
        min_gap_m,
        len(plans),
        ", ".join(f"{v} {k}" for k, v in sorted(failed.items())) or "none",
    )
    return split_net, works
