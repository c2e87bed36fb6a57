"""New roads from communities off the vehicle network to the nearest vehicle road.

**New links** (``NEW-0001`` …). Communities farther than ``min_gap_m`` (straight
line) from any vehicle road, grouped when closer than ``cluster_m`` to each
other, get one new road from the member nearest to a vehicle road (or the next
nearest, if no road within the limits leaves from it). The road is
routed over the DEM by a least-cost search (the path Dijkstra's search finds,
as :func:`scipy.sparse.csgraph.dijkstra` runs it, found by A* compiled in
:mod:`connectivity.works._grid_search`, on the DEM grid, 16 neighbours per cell
so switchbacks can follow the contour):
a step is allowed only if its grade is at most ``max_slope_pct`` and costs its
length times the unit cost of the terrain it crosses, so the route is the
cheapest one within the slope limit. Routes longer than ``max_new_link_m`` are
dropped. The new road is built as :data:`NEW_LINK_TAGS` (``highway=track``,
``surface=gravel``: an afirmado track) and joins the community's node to the
road, whose edge is split where the route meets it. The clusters are routed
side by side on threads (see :func:`_route_plans`); the result does not depend
on the number of threads.
"""

from __future__ import annotations

import logging
import math
import os
import threading
from collections import Counter
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any, cast

import geopandas as gpd
import numpy as np
import shapely
from scipy.sparse import coo_array
from scipy.sparse.csgraph import connected_components
from tqdm import tqdm

from connectivity._logging import progress_enabled
from connectivity.config import CostsSection
from connectivity.network import RoadNetwork, SpeedTables
from connectivity.works._grid_search import _grid_path_cells
from connectivity.works.changes import (
    _add_changes,
    _clean_line,
    _empty_workset,
    _new_road_edges,
    _workset,
)
from connectivity.works.costs import (
    _TERRAIN_ES,
    TERRAIN_CLASSES,
    _Grid,
    _price_lines,
    _Terrain,
    cost_table,
)
from connectivity.works.roads import _CLASS_ES, NEW_LINK_TAGS, EdgeKey, _place_names, _text
from connectivity.works.splitting import split_edges
from connectivity.works.workset import WorkSet

__all__ = ["new_link_candidates"]

log = logging.getLogger(__name__)

_GDAL_LOCK = threading.Lock()
#: Starts routed in turn by one thread (in one GDAL environment).
_BATCH = 16


def _clusters(xy: np.ndarray, within_m: float) -> np.ndarray:
    from scipy.spatial import cKDTree

    n = len(xy)
    if n == 0:
        return np.zeros(0, dtype=int)
    pairs = np.array(sorted(cKDTree(xy).query_pairs(within_m)), dtype=np.int64).reshape(-1, 2)
    graph = coo_array((np.ones(len(pairs)), (pairs[:, 0], pairs[:, 1])), shape=(n, n))
    _, label = connected_components(graph, directed=False)
    return np.asarray(label)


class _RoadLines:
    """The coordinates of the vehicle roads as GeoJSON, made once (for every road) and reused.

    Every tile of road cells (see :class:`_RoadCells`) burns the roads that reach
    it as one ``MultiLineString`` of the roads' own coordinates: GDAL draws each
    part of a multi-line exactly as it draws that line alone, so the cells are
    those of burning the roads one by one, without building a GeoJSON mapping
    of each road again for every tile it reaches.
    """

    def __init__(self, roads: np.ndarray) -> None:
        self._roads = roads
        self._coords: list[list[list[float]]] | None = None

    def multiline(self, which: list[int]) -> dict[str, Any]:
        """Return the roads at positions ``which`` as one GeoJSON ``MultiLineString``."""
        if self._coords is None:  # every road's coordinates as lists, in one conversion
            xy = shapely.get_coordinates(self._roads).tolist()
            ends = np.cumsum(shapely.get_num_coordinates(self._roads)).tolist()
            self._coords = [xy[a:b] for a, b in zip([0, *ends[:-1]], ends, strict=True)]
        coords = self._coords
        return {"type": "MultiLineString", "coordinates": [coords[i] for i in which]}


#: Side (cells) of the square tiles the roads are rasterised in (see :class:`_RoadCells`).
_TILE = 256


class _RoadCells:
    """The DEM cells the vehicle roads touch, rasterised once per tile as windows need them.

    The window a new link is routed in takes its target cells from the tiles it
    overlaps instead of burning the roads that reach it again: each tile is
    burnt (``all_touched``) once, with the roads that reach the tile, on the
    DEM's own grid, so a window's cells are those of burning it alone (the
    cells a line touches do not depend on the raster it is burnt in; tested
    equal on the sample). Tiles are made under :data:`_GDAL_LOCK` and kept.
    """

    def __init__(
        self, terrain: _Grid, tree: shapely.STRtree, lines: _RoadLines, tile: int = _TILE
    ) -> None:
        self._terrain = terrain
        self._tree = tree
        self._lines = lines
        self._tile = tile
        self._tiles: dict[tuple[int, int], np.ndarray | None] = {}

    def prepare(self, windows: list[tuple[int, int, int, int]]) -> None:
        """Burn, ahead, every tile the windows (``r0, r1, c0, c1``) overlap.

        The tiles not made yet are burnt a run of neighbouring tiles of a row
        at a time (one rasterisation per run instead of one per tile), with the
        same cells as burning each tile alone.
        """
        t = self._tile
        needed: set[tuple[int, int]] = set()
        for r0, r1, c0, c1 in windows:
            for tr in range(r0 // t, (r1 - 1) // t + 1):
                needed.update((tr, tc) for tc in range(c0 // t, (c1 - 1) // t + 1))
        by_row: dict[int, list[int]] = {}
        for tr, tc in sorted(needed - set(self._tiles)):
            by_row.setdefault(tr, []).append(tc)
        for tr, cols in by_row.items():
            start = 0
            for k in range(1, len(cols) + 1):
                if k == len(cols) or cols[k] != cols[k - 1] + 1:
                    self._burn(tr, cols[start], cols[k - 1] + 1)
                    start = k

    def window(self, r0: int, r1: int, c0: int, c1: int) -> np.ndarray:
        """Return the road cells of rows ``r0:r1`` and columns ``c0:c1`` (boolean)."""
        t = self._tile
        out = np.zeros((r1 - r0, c1 - c0), dtype=bool)
        for tr in range(r0 // t, (r1 - 1) // t + 1):
            for tc in range(c0 // t, (c1 - 1) // t + 1):
                cells = self._burnt(tr, tc)
                if cells is None:
                    continue
                a0, a1 = max(r0, tr * t), min(r1, (tr + 1) * t)
                b0, b1 = max(c0, tc * t), min(c1, (tc + 1) * t)
                out[a0 - r0 : a1 - r0, b0 - c0 : b1 - c0] = cells[
                    a0 - tr * t : a1 - tr * t, b0 - tc * t : b1 - tc * t
                ]
        return out

    def _burnt(self, tr: int, tc: int) -> np.ndarray | None:
        """Return the road cells of one tile (``None``: no road reaches it)."""
        key = (tr, tc)
        if key not in self._tiles:
            self._burn(tr, tc, tc + 1)
        return self._tiles[key]

    def _burn(self, tr: int, tc0: int, tc1: int) -> None:
        """Burn the tiles ``tc0:tc1`` of tile row ``tr`` in one raster and keep each tile."""
        from rasterio.features import rasterize
        from rasterio.transform import Affine

        with _GDAL_LOCK:  # GDAL's error state is shared: one rasterisation at a time
            if all((tr, tc) in self._tiles for tc in range(tc0, tc1)):
                return  # burnt by another thread meanwhile
            terrain, t = self._terrain, self._tile
            h, w = terrain.shape
            r0, r1 = tr * t, min(h, (tr + 1) * t)
            c0, c1 = tc0 * t, min(w, tc1 * t)
            x_w, y_n = terrain.x0 + c0 * terrain.res, terrain.y0 - r0 * terrain.res
            box = shapely.box(
                x_w, y_n - (r1 - r0) * terrain.res, x_w + (c1 - c0) * terrain.res, y_n
            )
            near = np.sort(self._tree.query(box, "intersects"))
            cells = None
            if len(near):
                cells = rasterize(
                    [(self._lines.multiline(near.tolist()), 1)],
                    out_shape=(r1 - r0, c1 - c0),
                    transform=Affine(terrain.res, 0.0, x_w, 0.0, -terrain.res, y_n),
                    all_touched=True,
                    fill=0,
                    dtype="uint8",
                ).astype(bool)
            for tc in range(tc0, tc1):
                part = None
                if cells is not None:
                    part = cells[:, (tc - tc0) * t : (tc - tc0 + 1) * t]
                    part = part if part.any() else None
                self._tiles.setdefault((tr, tc), part)


def _cell(terrain: _Grid, point: shapely.Point) -> tuple[int, int]:
    """Row and column of the DEM cell holding a point (may be outside the grid)."""
    (r,), (c,) = terrain.cell_of(np.array([point.x]), np.array([point.y]))
    return int(r), int(c)


def _window(
    terrain: _Grid, r: int, c: int, max_length_m: float
) -> tuple[int, int, int, int] | None:
    """Rows ``r0:r1`` and columns ``c0:c1`` a new road from cell ``(r, c)`` is routed in.

    ``None`` when the cell is outside the DEM.
    """
    h, w = terrain.shape
    if not (0 <= r < h and 0 <= c < w):
        return None
    radius = math.ceil(max_length_m / terrain.res) + 1
    return max(0, r - radius), min(h, r + radius + 1), max(0, c - radius), min(w, c + radius + 1)


#: A route (line, position of the road it meets, point where it meets it), or why none
_Found = tuple[shapely.LineString, int, shapely.Point] | str


def _search_to_road(
    terrain: _Terrain,
    start: shapely.Point,
    tree: shapely.STRtree,
    roads: np.ndarray,
    cost_per_m: np.ndarray,
    terrain_class: np.ndarray,
    *,
    max_length_m: float,
    max_grade: float,
    cells: _RoadCells | None = None,
) -> tuple[np.ndarray, np.ndarray] | str:
    """Cheapest path of DEM cells within the grade limit from ``start`` to a cell of ``roads``.

    ``terrain_class`` is the class of every DEM cell (index into ``cost_per_m``);
    ``cells`` the DEM cells ``roads`` touch, shared by the calls.

    Returns the rows and columns of the path's cells (the start's first), or
    why there is none. :func:`_lines_to_roads` makes the routes of the paths.
    """
    r, c = _cell(terrain, start)
    box = _window(terrain, r, c, max_length_m)
    if box is None:
        return "outside the DEM"
    r0, r1, c0, c1 = box
    cells = cells if cells is not None else _RoadCells(terrain, tree, _RoadLines(roads))
    targets = cells.window(r0, r1, c0, c1)
    if not targets.any():  # (a road burnt in the window reaches it: no need to look then)
        x_w, y_n = terrain.x0 + c0 * terrain.res, terrain.y0 - r0 * terrain.res
        window = shapely.box(x_w, y_n - (r1 - r0) * terrain.res, x_w + (c1 - c0) * terrain.res, y_n)
        if not len(tree.query(window, "intersects")):
            return "no vehicle road within reach"
    elevation = terrain.elevation[r0:r1, c0:c1]
    cost = cost_per_m[terrain_class[r0:r1, c0:c1]]
    path = _grid_path_cells(elevation, cost, (r - r0, c - c0), targets, terrain.res, max_grade)
    if path is None:
        return "no route within the slope limit"
    return path // (c1 - c0) + r0, path % (c1 - c0) + c0


def _lines_to_roads(
    terrain: _Grid,
    starts: list[shapely.Point],
    paths: list[tuple[np.ndarray, np.ndarray] | str],
    tree: shapely.STRtree,
    roads: np.ndarray,
    max_length_m: float,
) -> list[_Found]:
    """Return the route of each path of :func:`_search_to_road`, or why there is none.

    A route runs from its start through the centres of the path's cells to
    the nearest point of the road nearest to the last cell's centre (the roads
    of every path looked up at once). Returns, per path, the route, the road's
    position in ``roads`` and that point; or the reason (routes longer than
    ``max_length_m`` too).
    """
    out: list[_Found] = [p if isinstance(p, str) else "" for p in paths]
    found = [k for k, p in enumerate(paths) if not isinstance(p, str)]
    if not found:
        return out
    centres = [terrain.centre(*cast(tuple[np.ndarray, np.ndarray], paths[k])) for k in found]
    ends = shapely.points([(cx[-1], cy[-1]) for cx, cy in centres])
    nearest = np.asarray(tree.query_nearest(ends, all_matches=False)[1], dtype=np.int64)
    on_road = shapely.line_interpolate_point(
        roads[nearest], shapely.line_locate_point(roads[nearest], ends)
    )
    for k, (cx, cy), j, road_pt in zip(found, centres, nearest.tolist(), on_road, strict=True):
        start = starts[k]
        line = _clean_line(
            [
                (start.x, start.y),
                *zip(cx.tolist(), cy.tolist(), strict=True),
                (road_pt.x, road_pt.y),
            ]
        )
        if line.length > max_length_m:
            out[k] = "route longer than max_new_link_m"
        else:
            out[k] = (line, j, road_pt)
    return out


def _route_plans(
    plans: list[list[int]],
    route: Callable[[int], Any],
    finish: Callable[[list[int], list[Any]], list[_Found]] | None = None,
) -> list[tuple[int, _Found]]:
    """Route each cluster from its first member from which a road can be found.

    ``plans`` holds the members of each cluster in the order they are tried;
    ``route`` routes from one member. The clusters are routed side by side on
    threads (the compiled search releases the GIL), in rounds: the first member
    of every cluster, then the next member of those not routed yet, and so on.
    A thread routes a batch of starts (:data:`_BATCH`) in one GDAL environment.
    ``finish``, when given, turns the results of a round's members (in order)
    into their routes on this thread, all at once. Each route depends on its
    start only, so the result is that of trying the members one by one,
    cluster after cluster.

    Returns
    -------
    list of (int, route or str)
        For each cluster: the member routed from and its route; or, when no
        member has one, the first member and why there is none from it.
    """
    import rasterio

    result: list[tuple[int, _Found] | None] = [None] * len(plans)
    first_reason: list[str] = [""] * len(plans)
    todo = [i for i, members in enumerate(plans) if members]
    workers = max(1, min(len(os.sched_getaffinity(0)), 8))

    def route_batch(batch: list[int]) -> list[Any]:
        # one GDAL environment per batch, not one per rasterisation of a window
        with rasterio.Env():
            return [route(gate) for gate in batch]

    def route_all(gates: list[int]) -> list[_Found]:
        size = max(1, min(_BATCH, -(-len(gates) // workers)))
        batches = [gates[k : k + size] for k in range(0, len(gates), size)]
        routed = [found for batch in pool.map(route_batch, batches) for found in batch]
        return finish(gates, routed) if finish is not None else routed

    with (
        ThreadPoolExecutor(max_workers=workers) as pool,
        tqdm(
            total=len(plans), desc="new links", unit="link", disable=not progress_enabled()
        ) as bar,
    ):
        depth = 0
        while todo:
            gates = [plans[i][depth] for i in todo]
            left = []
            for i, gate, found in zip(todo, gates, route_all(gates), strict=True):
                if depth == 0 and isinstance(found, str):
                    first_reason[i] = found
                if not isinstance(found, str):
                    result[i] = (gate, found)
                elif depth + 1 < len(plans[i]):
                    left.append(i)
                    continue
                else:
                    result[i] = (plans[i][0], first_reason[i])
                bar.update()
            todo, depth = left, depth + 1
    return [r if r is not None else (-1, "no member") for r in result]


@dataclass(frozen=True)
class _LinkPlan:
    """The communities that get a new link, by cluster, and the roads they are routed to."""

    clusters: list[tuple[list[int], list[int]]]  # members by distance to a road, and by id
    chosen: np.ndarray  # positions of the communities farther than the gap from a road
    points: np.ndarray  # every community's point
    ident: np.ndarray  # every community's id (text)
    gap: np.ndarray  # every community's straight distance to the nearest vehicle road
    roads: np.ndarray  # the vehicle roads' lines
    tree: shapely.STRtree  # of ``roads``
    road_cells: _RoadCells  # the DEM cells of ``roads``, burnt for the first windows

    @classmethod
    def make(
        cls,
        comm: gpd.GeoDataFrame,
        vehicle: gpd.GeoDataFrame,
        grid: _Grid,
        max_new_link_m: float,
        min_gap_m: float,
        cluster_m: float,
    ) -> _LinkPlan:
        """Choose and cluster the communities; burn the road cells their routes first need."""
        roads = vehicle.geometry.to_numpy()
        tree = shapely.STRtree(roads)
        pts = comm.geometry.to_numpy()
        _, gap = tree.query_nearest(pts, all_matches=False, return_distance=True)
        gap = np.asarray(gap)
        chosen = np.flatnonzero((gap > min_gap_m) & (gap <= max_new_link_m))
        ids = comm["community_id"].astype(str).to_numpy() if "community_id" in comm else None
        ident = ids if ids is not None else np.array([str(i) for i in comm.index])
        xy = np.column_stack([shapely.get_x(pts[chosen]), shapely.get_y(pts[chosen])])
        label = _clusters(xy, cluster_m)
        # each cluster: members by distance to a road (the nearest tried first), and by id
        clusters: list[tuple[list[int], list[int]]] = []
        for lab in np.unique(label):
            members = chosen[label == lab]
            by_gap = members[np.lexsort((ident[members], gap[members]))].tolist()
            clusters.append((by_gap, sorted(by_gap, key=lambda i: ident[i])))
        clusters.sort(key=lambda p: ident[p[0][0]])
        road_cells = _RoadCells(grid, tree, _RoadLines(roads))
        # the road cells of the windows first tried, burnt ahead in a few rasterisations
        firsts = (
            _window(grid, *_cell(grid, pts[by_gap[0]]), max_new_link_m) for by_gap, _ in clusters
        )
        road_cells.prepare([box for box in firsts if box is not None])
        return cls(clusters, chosen, pts, ident, gap, roads, tree, road_cells)


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
    # the DEM is read (and its cells classified) on a thread while this one gets the
    # communities, their clusters and the road cells of their windows ready
    with _Terrain.read_aside(Path(dem_path), network.crs) as (grid, read_terrain):
        plan = _LinkPlan.make(comm, vehicle, grid, max_new_link_m, min_gap_m, cluster_m)
        terrain = read_terrain()
    plans, pts, ident, gap = plan.clusters, plan.points, plan.ident, plan.gap
    tree, veh_geoms, road_cells = plan.tree, plan.roads, plan.road_cells
    per_m = np.array([table.per_m("new_link", t) for t in TERRAIN_CLASSES])
    terrain_class = terrain.slope_class  # classified once, as the DEM was read

    def route(gate: int) -> tuple[np.ndarray, np.ndarray] | str:
        return _search_to_road(
            terrain,
            pts[gate],
            tree,
            veh_geoms,
            per_m,
            terrain_class,
            max_length_m=max_new_link_m,
            max_grade=max_slope_pct / 100.0,
            cells=road_cells,
        )

    def finish(gates: list[int], paths: list[tuple[np.ndarray, np.ndarray] | str]) -> list[_Found]:
        return _lines_to_roads(
            terrain, [pts[g] for g in gates], paths, tree, veh_geoms, max_new_link_m
        )

    # the search compiled (or loaded from numba's cache) on this thread, not on the routing
    # threads: compiling touches Python's warning filters, which the threads share
    _grid_path_cells(np.zeros((2, 2)), np.ones((2, 2)), (0, 0), np.eye(2, dtype=bool), 1.0, 1.0)
    found = _route_plans([by_gap for by_gap, _ in plans], route, finish)
    routes: list[tuple[int, list[int], shapely.LineString, EdgeKey, shapely.Point]] = []
    failed: Counter[str] = Counter()
    for (_, members), (gate, result) in zip(plans, found, strict=True):
        if isinstance(result, str):
            failed[result] += 1
            continue
        line, j, road_pt = result
        key = vehicle.index[j]
        routes.append((gate, members, line, (int(key[0]), int(key[1]), int(key[2])), road_pt))
    split_net, road_nodes = split_edges(network, [(k, pt) for _, _, _, k, pt in routes])
    gates = [gate for gate, *_ in routes]
    places = _place_names(comm)
    comm_nodes = comm["node_id"].to_numpy()[gates].astype(np.int64).tolist()
    ends = split_net.nodes.loc[comm_nodes + list(road_nodes), ["x", "y"]].to_numpy(float).tolist()
    links = []
    for i, ((gate, _, line, _, _), road_node) in enumerate(zip(routes, road_nodes, strict=True)):
        inner = [(float(x), float(y)) for x, y in shapely.get_coordinates(line)[1:-1]]
        # the route runs exactly from node to node
        line = _clean_line([tuple(ends[i]), *inner, tuple(ends[len(routes) + i])])
        links.append((comm_nodes[i], road_node, line, f"Acceso a {places[gate]}"))
    new_edges = _new_road_edges(links, NEW_LINK_TAGS, network.crs, tables, Path(dem_path))
    at = vehicle.index.get_indexer([key for _, _, _, key, _ in routes])
    road_names = (
        [_text(n) for n in vehicle["name"].to_numpy()[at].tolist()]
        if "name" in vehicle.columns
        else [""] * len(routes)
    )
    road_classes = [str(c) for c in vehicle["road_class"].to_numpy()[at].tolist()]
    lines = [line for _, _, line, _ in links]
    prices, mains = np.zeros(0), list[str]()
    if lines:
        prices, mains = _price_lines(lines, [["new_link"]] * len(lines), table, terrain)
    new_classes = new_edges["road_class"].astype(str).to_numpy()
    rows: list[dict[str, Any]] = []
    for i, ((gate, members, _, _, _), line) in enumerate(zip(routes, lines, strict=True)):
        gate_name = places[gate]
        others = [n for n in (places[m] for m in members) if n != gate_name]
        who = gate_name + (f" (y {', '.join(others)})" if others else "")
        road_class = road_classes[i]
        road = f"'{road_names[i]}'" if road_names[i] else _CLASS_ES.get(road_class, road_class)
        main = mains[i]
        rows.append(
            {
                "work_id": f"NEW-{len(rows) + 1:04d}",
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
                "cost": float(prices[i]),
                "cofinancing_share": 0.0,
                "class_before": "",
                "class_after": str(new_classes[2 * i]),
                "terrain": main,
                "community_ids": ",".join(ident[m] for m in members),
                "geometry": line,
            }
        )
    # both directions of each new road, in the order of the works
    work_ids = np.repeat(np.array([r["work_id"] for r in rows], dtype=object), 2)
    changes = [_add_changes(work_ids, new_edges)] if rows else []
    works = _workset(rows, changes, network.crs, table)
    log.info(
        "new links: %d works for %d communities farther than %.0f m from a vehicle road "
        "(%d clusters; not built: %s)",
        len(works),
        len(plan.chosen),
        min_gap_m,
        len(plans),
        ", ".join(f"{v} {k}" for k, v in sorted(failed.items())) or "none",
    )
    return split_net, works
