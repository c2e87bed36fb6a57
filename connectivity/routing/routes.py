"""Routes to the nearest facility: node sequence, edge keys and path geometry.

:func:`routes_to_nearest_facility` runs the search of
:func:`~connectivity.routing.search.nearest_facility` and follows its
shortest-path tree: node sequence, edge keys and a LineString built from the
edge geometries (straight segments between nodes where an edge has none), for
explanations and maps.
"""

from __future__ import annotations

import logging
from collections.abc import Hashable
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from connectivity.routing.graph import RoutingGraph, _WeightArrays
from connectivity.routing.search import (
    Facilities,
    Nodes,
    _nearest_search,
    _node_list,
    _with_missing,
)

__all__ = ["routes_to_nearest_facility"]

log = logging.getLogger(__name__)

_SCIPY_NO_NODE = -9999


def routes_to_nearest_facility(
    graph: RoutingGraph,
    origins: Nodes,
    facilities: Facilities,
    *,
    weight: str,
    geometry: bool = True,
) -> gpd.GeoDataFrame:
    """Find the path from each origin to its nearest facility, with its geometry.

    Same search as :func:`nearest_facility`, plus the shortest-path tree.

    Parameters
    ----------
    graph : RoutingGraph
        The road graph.
    origins : sequence of node ids, or pandas.Series of node ids
        As in :func:`nearest_facility`.
    facilities : mapping, Series or sequence of node ids
        As in :func:`nearest_facility`.
    weight : str
        Weight to minimise.
    geometry : bool
        Build each route's LineString (default). ``False`` leaves the
        ``geometry`` column empty (None) and is faster when only the nodes
        and edges of the routes are needed (e.g. to draw them from edges
        already on a map).

    Returns
    -------
    geopandas.GeoDataFrame
        Indexed like ``origins``; the columns of :func:`nearest_facility`,
        plus ``nodes`` (list of node ids from the origin to the facility's
        node), ``edges`` (list of ``(u, v, key)`` of the edges used: the
        fastest of parallel edges under ``weight``) and ``geometry`` (a
        LineString from the edges' geometries oriented along the path, or
        straight segments between nodes where an edge has none; None when
        the facility is unreachable, the origin is on the facility's node, or
        the graph has no coordinates). CRS of the graph.

    Raises
    ------
    RoutingError
        As :func:`nearest_facility`.

    Examples
    --------
    >>> import networkx as nx
    >>> from connectivity.routing import routing_graph_from_networkx
    >>> G = nx.MultiDiGraph()
    >>> G.add_nodes_from([(1, {"x": 0.0, "y": 0.0}), (2, {"x": 3.0, "y": 0.0}),
    ...                   (3, {"x": 3.0, "y": 4.0})])
    >>> G.add_edges_from([(1, 2, {"t": 3.0}), (2, 3, {"t": 4.0})])
    [0, 0]
    >>> g = routing_graph_from_networkx(G, weights="t")
    >>> route = routes_to_nearest_facility(g, [1], {"school": 3}, weight="t").iloc[0]
    >>> route["nodes"], route["edges"], route["time_s"]
    ([1, 2, 3], [(1, 2, 0), (2, 3, 0)], np.float64(7.0))
    >>> route["geometry"].wkt
    'LINESTRING (0 0, 3 0, 3 4)'
    """
    search = _nearest_search(graph, weight, facilities)
    return _routes_from_search(graph, origins, search, weight=weight, geometry=geometry)


#: What :func:`~connectivity.routing.search._nearest_search` returns: per node the time to
#: the nearest facility, the next hop and the facility; the facility ids and node positions.
NearestSearch = tuple[np.ndarray, np.ndarray, np.ndarray, pd.Index, np.ndarray]


def _routes_from_search(
    graph: RoutingGraph,
    origins: Nodes,
    search: NearestSearch,
    *,
    weight: str,
    geometry: bool = True,
) -> gpd.GeoDataFrame:
    """Follow a search's shortest-path tree from ``origins`` (:func:`routes_to_nearest_facility`).

    The search is a whole-graph one; a caller that asks for routes to the
    same facilities under the same weight many times (a map in parts) keeps
    it and calls this alone.
    """
    arrays = graph._weight(weight)
    origin_ids, result_index = _node_list(origins, "origin")
    dist, next_hop, node_fac, fac_ids, fac_pos = search
    pos = graph._positions(origin_ids, "origin")
    fac = node_fac[pos]
    fac_node_pos = np.where(fac >= 0, fac_pos[np.maximum(fac, 0)], -1)
    forward = arrays.forward
    n = graph.n_nodes
    rows = np.repeat(np.arange(n, dtype=np.int64), np.diff(forward.indptr))
    entry_key = rows * n + forward.indices.astype(np.int64)  # sorted: CSR is row/col ordered
    node_lists: list[list[Hashable]] = []
    edge_lists: list[list[tuple[Hashable, Hashable, Hashable]]] = []
    geometries: list[shapely.LineString | None] = []
    cache: dict[int, tuple[list[Hashable], list[tuple[Hashable, Hashable, Hashable]], Any]] = {}
    for p in pos.tolist():
        if p not in cache:
            cache[p] = _route_from(graph, arrays, p, next_hop, dist, entry_key, geometry)
        route_nodes, route_edges, geom = cache[p]
        node_lists.append(route_nodes)
        edge_lists.append(route_edges)
        geometries.append(geom)
    time_s = dist[pos]
    result = gpd.GeoDataFrame(
        {
            "time_s": time_s,
            "facility": _with_missing(fac_ids, fac, result_index),
            "facility_node": _with_missing(graph.node_ids, fac_node_pos, result_index),
            "reachable": np.isfinite(time_s),
            "nodes": pd.Series(node_lists, index=result_index, dtype=object).to_numpy(),
            "edges": pd.Series(edge_lists, index=result_index, dtype=object).to_numpy(),
        },
        geometry=gpd.GeoSeries(geometries, index=result_index, crs=graph.crs).to_numpy(),
        index=result_index,
        crs=graph.crs,
    )
    log.debug("routes to nearest facility (%s): %d origins", weight, len(result))
    return result


def _route_from(
    graph: RoutingGraph,
    arrays: _WeightArrays,
    start: int,
    next_hop: np.ndarray,
    dist: np.ndarray,
    entry_key: np.ndarray,
    geometry: bool = True,
) -> tuple[list[Hashable], list[tuple[Hashable, Hashable, Hashable]], Any]:
    """Node ids, edge keys and (when ``geometry``) the geometry of the tree path from ``start``."""
    if not np.isfinite(dist[start]):
        return [], [], None
    path = [start]
    while next_hop[path[-1]] != _SCIPY_NO_NODE:
        path.append(int(next_hop[path[-1]]))
    steps = np.asarray(path, dtype=np.int64)
    a, b = steps[:-1], steps[1:]
    entries = np.searchsorted(entry_key, a * graph.n_nodes + b)
    edge_rows = arrays.edge_row[entries]
    ids = graph.node_ids
    node_list = ids[steps].tolist()
    edge_list = list(
        zip(ids[a].tolist(), ids[b].tolist(), graph._edge_keys[edge_rows].tolist(), strict=True)
    )
    return node_list, edge_list, _path_geometry(graph, a, b, edge_rows) if geometry else None


def _path_geometry(
    graph: RoutingGraph, a: np.ndarray, b: np.ndarray, edge_rows: np.ndarray
) -> shapely.LineString | None:
    if len(a) == 0:
        return None
    xy = graph._xy
    pieces: list[np.ndarray] = []
    for i, row in enumerate(edge_rows.tolist()):
        geom = graph._edge_geometry[row] if graph._edge_geometry is not None else None
        coords: np.ndarray | None = None
        if geom is not None and not shapely.is_empty(geom):
            coords = shapely.get_coordinates(geom)
            if xy is not None and np.isfinite(xy[a[i]]).all():
                # edge geometries may run v -> u (osmnx keeps the way's direction)
                d_first = np.hypot(*(coords[0] - xy[a[i]]))
                d_last = np.hypot(*(coords[-1] - xy[a[i]]))
                if d_last < d_first:
                    coords = coords[::-1]
        elif xy is not None and np.isfinite(xy[[a[i], b[i]]]).all():
            coords = xy[[a[i], b[i]]]
        if coords is None:
            return None
        if pieces and np.array_equal(pieces[-1][-1], coords[0]):
            coords = coords[1:]
        pieces.append(coords)
    line = np.concatenate(pieces)
    if len(line) < 2:
        line = np.vstack([line, line])
    return shapely.LineString(line)
