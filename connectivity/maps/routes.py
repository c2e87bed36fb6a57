"""Routes drawn on the maps: from communities to their nearest facility, in a passability state.

A route is the list of road segments (:class:`~connectivity.maps.encoding._Segments`)
of the fastest path from a community's node to the nearest facility of a
destination kind, under the edge weight of a state (``travel_time_s``,
``travel_time_rain_s`` or ``travel_time_wet_s``, :data:`connectivity.access.MODES`),
as :func:`connectivity.access.community_access` measures the minutes. None
where the facility cannot be reached in that state (or the community is on
the facility's node).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from connectivity import routing
from connectivity.access import MODES, SEASONS
from connectivity.errors import DataError
from connectivity.maps.encoding import _Segments
from connectivity.network import RoadNetwork
from connectivity.routing.routes import NearestSearch, _routes_from_search
from connectivity.routing.search import _nearest_search

__all__ = ["Router"]

#: The edge weight of each passability state (vehicles and walking on the network).
STATE_WEIGHTS: dict[str, str] = MODES[""]


class Router:
    """Routes on one network, in every passability state, as segment lists of a map.

    Parameters
    ----------
    network : RoadNetwork
        The network to route on (the base network, or the one with the
        programme built).
    segments : _Segments
        The map's road segments; edges not among them are left out of a route.
    """

    def __init__(self, network: RoadNetwork, segments: _Segments) -> None:
        missing = [w for w in STATE_WEIGHTS.values() if w not in network.edges.columns]
        if missing:
            raise DataError(f"the network's edges lack the weight column(s) {', '.join(missing)}")
        self.network = network
        self.segments = segments
        self.graph = routing.routing_graph_from_gdfs(
            network.nodes, network.edges, weights=[STATE_WEIGHTS[s] for s in SEASONS]
        )
        # one whole-graph search per kind and state, kept: a map asks for the routes of the
        # communities, then of the works (and a map in parts, of each part)
        self._searches: dict[tuple[str, str], NearestSearch] = {}

    def routes(
        self, nodes: Sequence[Any] | np.ndarray, kind: str, season: str
    ) -> list[list[int] | None]:
        """Return the routes from ``nodes`` to their nearest ``kind`` facility in ``season``."""
        if not len(nodes):
            return []
        layer = self.network.facilities.get(kind)
        if layer is None or layer.empty:
            return [None] * len(nodes)
        weight = STATE_WEIGHTS[season]
        search = self._searches.get((kind, season))
        if search is None:
            facilities = dict(zip(layer["facility_id"], layer["node_id"], strict=True))
            search = _nearest_search(self.graph, weight, facilities)
            self._searches[(kind, season)] = search
        found = _routes_from_search(
            self.graph,
            np.asarray(nodes),
            search,
            weight=weight,
            geometry=False,  # drawn from the map's own road segments
        )
        return [self.segments.route(edges) or None for edges in found["edges"].tolist()]

    def routes_by_state(
        self, nodes: Sequence[Any], kind: str, states: np.ndarray
    ) -> list[list[int] | None]:
        """Routes from ``nodes`` to ``kind``, each in its state (an index into SEASONS)."""
        out: list[list[int] | None] = [None] * len(nodes)
        node_arr = np.asarray(nodes)
        for j, season in enumerate(SEASONS):
            at = np.flatnonzero(states == j)
            if len(at):
                for i, route in zip(at, self.routes(node_arr[at], kind, season), strict=True):
                    out[int(i)] = route
        return out
