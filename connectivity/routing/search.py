"""Travel-time queries: nearest facility, OD matrices, isochrones.

Every query is answered with :func:`scipy.sparse.csgraph.dijkstra` on a
:class:`~connectivity.routing.graph.RoutingGraph`:

* :func:`nearest_facility` — time from many origins to the nearest facility of
  one kind, and which facility, in ONE multi-source search run from the
  facilities over the reversed graph (time is measured origin → facility, and
  edges may be one-way or direction-dependent: walking uphill is slower);
* :func:`od_matrix` — origin-destination times;
* :func:`nodes_within` — nodes within a time of a set of sources (isochrones).

Unreachable is explicit: time ``inf``, ``reachable`` False and facility
``<NA>``, never 0.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Hashable, Iterable, Mapping
from typing import Literal

import numpy as np
import pandas as pd
from scipy.sparse.csgraph import dijkstra

from connectivity.errors import RoutingError
from connectivity.routing.graph import RoutingGraph, _id_array

__all__ = ["Facilities", "Nodes", "nearest_facility", "nodes_within", "od_matrix"]

log = logging.getLogger(__name__)

#: Facilities: ``{facility_id: node_id}``, a Series of node ids indexed by
#: facility id, or plain node ids (then each facility id is its node id).
Facilities = Mapping[Hashable, Hashable] | pd.Series | Iterable[Hashable]
#: Origins, destinations or sources: node ids; a Series keeps its index.
Nodes = pd.Series | pd.Index | np.ndarray | Iterable[Hashable]

#: Largest dense block (cells) an OD matrix search holds at once (8 bytes each).
_OD_BLOCK_CELLS = 1 << 24


# -- inputs of queries ------------------------------------------------------------------


def _node_list(nodes: Nodes, what: str) -> tuple[np.ndarray, pd.Index]:
    """Node ids of a query input and the index its results get."""
    if isinstance(nodes, pd.Series):
        return nodes.to_numpy(), nodes.index
    if isinstance(nodes, str | bytes) or not isinstance(nodes, Iterable):
        raise RoutingError(f"{what} must be a sequence of node ids, got {type(nodes).__name__}")
    ids = _id_array(nodes)
    if ids.ndim != 1:
        raise RoutingError(f"{what} must be a flat sequence of node ids (got {ids.ndim}-D)")
    return ids, pd.Index(ids, name=what, tupleize_cols=False)


def _facility_table(facilities: Facilities) -> tuple[pd.Index, np.ndarray]:
    """Facility ids and their node ids, in input order."""
    if isinstance(facilities, pd.Series):
        ids, node_ids = facilities.index, facilities.to_numpy()
    elif isinstance(facilities, Mapping):
        ids = pd.Index(list(facilities.keys()), tupleize_cols=False)
        node_ids = _id_array(list(facilities.values()))
    elif isinstance(facilities, str | bytes) or not isinstance(facilities, Iterable):
        raise RoutingError(
            "facilities must be a mapping facility_id -> node id, a Series or node ids, "
            f"got {type(facilities).__name__}"
        )
    else:
        node_ids = _id_array(facilities)
        ids = pd.Index(node_ids, tupleize_cols=False)
    if len(node_ids) == 0:
        raise RoutingError("the facility set is empty: give at least one facility node")
    return ids, node_ids


def _with_missing(values: pd.Index | np.ndarray, pos: np.ndarray, index: pd.Index) -> pd.Series:
    """``values[pos]`` with ``<NA>`` where ``pos < 0`` (nullable ints, else objects)."""
    arr = np.asarray(values)
    ok = pos >= 0
    taken = arr[pos[ok]]
    if arr.dtype.kind in "iu":
        filled = np.zeros(len(pos), dtype=arr.dtype)
        filled[ok] = taken
        return pd.Series(pd.arrays.IntegerArray(filled, ~ok), index=index)
    out = np.empty(len(pos), dtype=object)
    out[:] = pd.NA
    out[ok] = taken
    # dtype=object: pandas would otherwise infer "str" and turn <NA> into NaN
    return pd.Series(out, index=index, dtype=object)


# -- queries ----------------------------------------------------------------------------


def _nearest_search(
    graph: RoutingGraph, weight: str, facilities: Facilities
) -> tuple[np.ndarray, np.ndarray, np.ndarray, pd.Index, np.ndarray]:
    """One multi-source search from the facilities over the reversed graph.

    Returns, for every node, the time to the nearest facility and the next
    hop toward it (original direction; -9999 at facilities and unreachable
    nodes), the facility reached (position in the facility table, -1 if
    none); then the facility ids and the node position of each facility.
    """
    arrays = graph._weight(weight)
    fac_ids, fac_nodes = _facility_table(facilities)
    fac_pos = graph._positions(fac_nodes, "facility")
    # several facilities may share a node: the first in input order stands for it
    sources, first_fac = np.unique(fac_pos, return_index=True)
    dist, next_hop, source = dijkstra(
        arrays.reverse, directed=True, indices=sources, min_only=True, return_predecessors=True
    )
    # facility table position per node: via the source node reached
    fac_at_node = np.full(graph.n_nodes, -1, dtype=np.int64)
    fac_at_node[sources] = first_fac
    reached = source >= 0
    node_fac = np.full(graph.n_nodes, -1, dtype=np.int64)
    node_fac[reached] = fac_at_node[source[reached]]
    return dist, next_hop, node_fac, fac_ids, fac_pos


def nearest_facility(
    graph: RoutingGraph, origins: Nodes, facilities: Facilities, *, weight: str
) -> pd.DataFrame:
    """Time from each origin to its nearest facility, and which facility.

    One multi-source Dijkstra search from all facilities over the reversed
    graph answers every origin at once; the time is origin → facility.

    Parameters
    ----------
    graph : RoutingGraph
        The road graph.
    origins : sequence of node ids, or pandas.Series of node ids
        Where trips start (e.g. communities' nodes). A Series keeps its index
        in the result; other inputs give an index of the node ids named
        ``origin``. Repeated ids are fine.
    facilities : mapping, Series or sequence of node ids
        ``{facility_id: node_id}`` (several facilities may share a node; the
        first in input order is reported), a Series of node ids indexed by
        facility id, or plain node ids (each is its own facility id).
    weight : str
        Weight to minimise, e.g. ``"travel_time_s"``.

    Returns
    -------
    pandas.DataFrame
        Indexed like ``origins``, columns ``time_s`` (float, in the weight's
        unit; ``inf`` if no facility can be reached), ``facility`` (facility
        id or ``<NA>``), ``facility_node`` (its node id or ``<NA>``) and
        ``reachable`` (bool).

    Raises
    ------
    RoutingError
        Unknown weight, unknown origin or facility node ids, empty facility set.

    Examples
    --------
    >>> import networkx as nx
    >>> from connectivity.routing import routing_graph_from_networkx
    >>> G = nx.MultiDiGraph([(1, 2, {"t": 5.0}), (2, 3, {"t": 0.0}), (3, 1, {"t": 4.0})])
    >>> g = routing_graph_from_networkx(G, weights="t")
    >>> table = nearest_facility(g, [1, 2, 3], {"market A": 3, "market B": 3}, weight="t")
    >>> table  # doctest: +NORMALIZE_WHITESPACE
            time_s  facility  facility_node  reachable
    origin
    1          5.0  market A              3       True
    2          0.0  market A              3       True
    3          0.0  market A              3       True
    """
    origin_ids, result_index = _node_list(origins, "origin")
    dist, _, node_fac, fac_ids, fac_pos = _nearest_search(graph, weight, facilities)
    pos = graph._positions(origin_ids, "origin")
    time_s = dist[pos]
    fac = node_fac[pos]
    fac_node_pos = np.where(fac >= 0, fac_pos[np.maximum(fac, 0)], -1)
    result = pd.DataFrame(
        {
            "time_s": time_s,
            "facility": _with_missing(fac_ids, fac, result_index),
            "facility_node": _with_missing(graph.node_ids, fac_node_pos, result_index),
            "reachable": np.isfinite(time_s),
        },
        index=result_index,
    )
    log.debug(
        "nearest facility (%s): %d origins, %d facilities, %d unreachable",
        weight,
        len(result),
        len(fac_ids),
        int((~result["reachable"]).sum()),
    )
    return result


def od_matrix(
    graph: RoutingGraph, origins: Nodes, destinations: Nodes, *, weight: str
) -> pd.DataFrame:
    """Origin-destination matrix of shortest times.

    Searches run from whichever side has fewer distinct nodes (forward from
    the origins, or over the reversed graph from the destinations), in blocks
    that bound memory.

    Parameters
    ----------
    graph : RoutingGraph
        The road graph.
    origins, destinations : sequence of node ids, or pandas.Series of node ids
        A Series keeps its index (rows for origins, columns for destinations);
        other inputs are indexed by the node ids (``origin``/``destination``).
    weight : str
        Weight to minimise.

    Returns
    -------
    pandas.DataFrame
        Origins as rows, destinations as columns, float times in the weight's
        unit; ``inf`` where the destination cannot be reached.

    Raises
    ------
    RoutingError
        Unknown weight or node ids.

    Examples
    --------
    >>> import networkx as nx
    >>> from connectivity.routing import routing_graph_from_networkx
    >>> G = nx.MultiDiGraph([(1, 2, {"t": 5.0}), (2, 3, {"t": 1.0}), (3, 2, {"t": 2.0})])
    >>> g = routing_graph_from_networkx(G, weights="t")
    >>> od_matrix(g, [1, 3], [2, 3, 1], weight="t")  # doctest: +NORMALIZE_WHITESPACE
    destination    2    3    1
    origin
    1            5.0  6.0  0.0
    3            2.0  0.0  inf
    """
    arrays = graph._weight(weight)
    o_ids, o_index = _node_list(origins, "origin")
    d_ids, d_index = _node_list(destinations, "destination")
    o_pos = graph._positions(o_ids, "origin")
    d_pos = graph._positions(d_ids, "destination")
    uo, o_inv = np.unique(o_pos, return_inverse=True)
    ud, d_inv = np.unique(d_pos, return_inverse=True)
    forward = len(uo) <= len(ud)
    src, dst = (uo, ud) if forward else (ud, uo)
    matrix = arrays.forward if forward else arrays.reverse
    block = np.empty((len(src), len(dst)), dtype=np.float64)
    rows_per_search = max(1, _OD_BLOCK_CELLS // max(graph.n_nodes, 1))
    for start in range(0, len(src), rows_per_search):
        chunk = src[start : start + rows_per_search]
        dist = dijkstra(matrix, directed=True, indices=chunk, min_only=False)
        block[start : start + len(chunk)] = np.atleast_2d(dist)[:, dst]
    if not forward:
        block = block.T
    values = (
        block[np.ix_(o_inv.ravel(), d_inv.ravel())]
        if block.size
        else np.full((len(o_pos), len(d_pos)), np.inf)
    )
    return pd.DataFrame(values, index=o_index, columns=d_index)


def nodes_within(
    graph: RoutingGraph,
    sources: Nodes,
    *,
    weight: str,
    max_time_s: float,
    direction: Literal["from", "to"] = "from",
) -> pd.Series:
    """Nodes within a time of a set of sources (an isochrone), with their times.

    Parameters
    ----------
    graph : RoutingGraph
        The road graph.
    sources : sequence of node ids
        Start (or, with ``direction="to"``, end) nodes; the time of a node is
        to or from the nearest of them.
    weight : str
        Weight to sum.
    max_time_s : float
        Threshold, inclusive, in the weight's unit (``inf`` for all reachable
        nodes).
    direction : {"from", "to"}
        ``"from"``: time from the sources to each node; ``"to"``: time from
        each node to the sources (e.g. nodes within an hour of a market).

    Returns
    -------
    pandas.Series
        Times (name ``time_s``) indexed by node id (name ``node``), in
        increasing order of time; sources are included with time 0.

    Raises
    ------
    RoutingError
        Unknown weight or node ids, empty sources, negative or NaN threshold,
        unknown direction.

    Examples
    --------
    >>> import networkx as nx
    >>> from connectivity.routing import routing_graph_from_networkx
    >>> G = nx.MultiDiGraph([(1, 2, {"t": 5.0}), (2, 3, {"t": 6.0}), (4, 1, {"t": 1.0})])
    >>> g = routing_graph_from_networkx(G, weights="t")
    >>> nodes_within(g, [1], weight="t", max_time_s=10.0)
    node
    1    0.0
    2    5.0
    Name: time_s, dtype: float64
    >>> nodes_within(g, [1], weight="t", max_time_s=10.0, direction="to").index.tolist()
    [1, 4]
    """
    arrays = graph._weight(weight)
    if direction not in ("from", "to"):
        raise RoutingError(f"direction must be 'from' or 'to', got {direction!r}")
    try:
        limit = float(max_time_s)
    except (TypeError, ValueError) as exc:
        raise RoutingError(f"max_time_s must be a number, got {max_time_s!r}") from exc
    if math.isnan(limit) or limit < 0:
        raise RoutingError(f"max_time_s must be >= 0, got {max_time_s!r}")
    ids, _ = _node_list(sources, "source")
    if len(ids) == 0:
        raise RoutingError("the source set is empty: give at least one node")
    pos = np.unique(graph._positions(ids, "source"))
    matrix = arrays.forward if direction == "from" else arrays.reverse
    dist = dijkstra(matrix, directed=True, indices=pos, min_only=True, limit=limit)
    inside = np.flatnonzero(dist <= limit)
    inside = inside[np.argsort(dist[inside], kind="stable")]
    index = pd.Index(graph.node_ids[inside], name="node")
    return pd.Series(dist[inside], index=index, name="time_s")
