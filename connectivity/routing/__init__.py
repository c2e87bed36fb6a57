"""Travel times on a road graph: nearest facility, OD matrices, isochrones, routes.

The package other tools import. A road graph is built once into compact arrays
(:class:`RoutingGraph`: one CSR matrix per weight and direction, node ids
mapped to ``0..n-1``) and every query is answered with
:func:`scipy.sparse.csgraph.dijkstra`:

* :func:`nearest_facility` — time from many origins to the nearest facility of
  one kind, and which facility, in ONE multi-source search run from the
  facilities over the reversed graph (time is measured origin → facility, and
  edges may be one-way or direction-dependent: walking uphill is slower);
* :func:`od_matrix` — origin-destination times;
* :func:`nodes_within` — nodes within a time of a set of sources (isochrones);
* :func:`routes_to_nearest_facility` — the path itself: node sequence, edge
  keys and a LineString built from the edge geometries (straight segments
  between nodes where an edge has none), for explanations and maps.

Conventions
-----------
* A graph holds several weights (edge columns such as ``travel_time_s``,
  ``travel_time_wet_s``, ``length_m``) over the same nodes. Each query names
  one. Results are in that weight's unit: the ``time_s`` columns hold metres
  when the weight is ``length_m``.
* Parallel edges keep the minimum of each weight; the edge that gives it is
  remembered (the first in input order on ties) for path geometry.
* An edge whose weight is ``inf`` or NaN (impassable, e.g. in the wet season)
  is absent for that weight. Zero weights are real edges (they are stored as
  explicit entries, which :mod:`scipy.sparse.csgraph` treats as edges).
  Negative weights are refused.
* Unreachable is explicit: time ``inf``, ``reachable`` False and facility
  ``<NA>``, never 0.
* Node ids are the caller's (any hashable, usually int64 OSM ids); results
  come back in them.

Modules
-------
graph
    :class:`RoutingGraph` (compact CSR arrays per weight and direction) and its
    builders :func:`routing_graph_from_networkx`, :func:`routing_graph_from_gdfs`
    and :func:`routing_graph_from_arrays`.
search
    The queries :func:`nearest_facility`, :func:`od_matrix` and
    :func:`nodes_within`.
routes
    :func:`routes_to_nearest_facility` and the path geometry.

Examples
--------
>>> import networkx as nx
>>> G = nx.MultiDiGraph(
...     [
...         ("a", "b", {"travel_time_s": 60.0}),
...         ("b", "a", {"travel_time_s": 90.0}),  # uphill back
...         ("b", "c", {"travel_time_s": 30.0}),
...     ]
... )
>>> graph = routing_graph_from_networkx(G, weights=["travel_time_s"])
>>> table = nearest_facility(graph, ["a", "c"], {"school 1": "b"}, weight="travel_time_s")
>>> table  # doctest: +NORMALIZE_WHITESPACE
        time_s  facility facility_node  reachable
origin
a         60.0  school 1             b       True
c          inf      <NA>          <NA>      False
"""

from __future__ import annotations

from connectivity.routing.graph import (
    NodeId,
    RoutingGraph,
    routing_graph_from_arrays,
    routing_graph_from_gdfs,
    routing_graph_from_networkx,
)
from connectivity.routing.routes import routes_to_nearest_facility
from connectivity.routing.search import Facilities, Nodes, nearest_facility, nodes_within, od_matrix

__all__ = [
    "Facilities",
    "NodeId",
    "Nodes",
    "RoutingGraph",
    "nearest_facility",
    "nodes_within",
    "od_matrix",
    "routes_to_nearest_facility",
    "routing_graph_from_arrays",
    "routing_graph_from_gdfs",
    "routing_graph_from_networkx",
]
