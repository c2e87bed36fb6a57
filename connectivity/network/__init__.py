"""Routable network: road classes, speeds, seasons, walking on terrain, connectors.

Turns an OpenStreetMap road graph (as loaded by :mod:`connectivity.sources.osm`)
into node and edge GeoDataFrames in a projected CRS, with travel times a
planner can defend:

* every edge gets a Peruvian road class (``asfaltado``, ``afirmado``,
  ``sin_afirmar`` — carrozable —, ``trocha``, ``camino`` — camino de herradura,
  footpaths —) from its OSM ``surface``, ``tracktype`` and ``highway`` tags;
* vehicle speed from the class, capped by the highway class and reduced by
  ``smoothness`` (tables in :mod:`~connectivity.network.speeds`; a region
  config can override them);
* walking time from Tobler's hiking function on the slope read from a DEM,
  direction-dependent (uphill and downhill differ);
* dry- and wet-season times; in the wet season some links become impassable
  (``trocha`` for vehicles, fords for everyone);
* communities, markets and schools join the network by a walking connector to
  the nearest point on the nearest edge, which is split there; a community
  farther than ``max_connector_m`` is still connected, and flagged
  ``far_from_road``;
* disconnected pieces are found and reported, never dropped.

Travel-time columns (seconds): ``travel_time_s`` (dry, fastest mode on the
edge: vehicle where a vehicle can pass, walking elsewhere),
``travel_time_wet_s`` (rivers in flood: fords shut), ``travel_time_rain_s``
(rains, fords passable but those of wide rivers), ``walk_time_s``, ``walk_time_wet_s``,
``walk_time_rain_s``. Impassable is ``inf``.

Modules
-------
speeds
    Road classes from OSM tags, the speed tables (:class:`SpeedTables`),
    Tobler walking on the DEM, dry / rain / wet travel times.
crossings
    Rivers crossed without bridge or ford tag (cut in the wet season).
connectors
    :func:`attach_points`: places joined at the nearest point of the nearest edge.
build
    :class:`RoadNetwork`, :func:`build_network` and the disconnected pieces
    (:func:`network_components`).
"""

from __future__ import annotations

from connectivity.network.build import (
    RAIN_FALLBACK,
    RoadNetwork,
    build_network,
    facility_layer_name,
    network_components,
    with_rain_weights,
)
from connectivity.network.connectors import attach_points
from connectivity.network.crossings import CUTTING_WATERWAYS, mark_unbridged_crossings
from connectivity.network.speeds import (
    ALL_SEASON_CLASSES,
    CLASS_SPEED_KPH,
    HIGHWAY_DEFAULT_CLASS,
    HIGHWAY_MAX_KPH,
    OFF_PATH_FACTOR,
    RAIN_SHUTS_WIDTH_M,
    SMOOTHNESS_FACTOR,
    SURFACE_CLASS,
    TRACKTYPE_CLASS,
    WALK_WET_FACTOR,
    WET_FACTOR,
    SpeedTables,
    add_road_class,
    add_travel_times,
    tobler_speed_kph,
)

__all__ = [
    "ALL_SEASON_CLASSES",
    "CLASS_SPEED_KPH",
    "CUTTING_WATERWAYS",
    "HIGHWAY_DEFAULT_CLASS",
    "HIGHWAY_MAX_KPH",
    "OFF_PATH_FACTOR",
    "RAIN_FALLBACK",
    "RAIN_SHUTS_WIDTH_M",
    "SMOOTHNESS_FACTOR",
    "SURFACE_CLASS",
    "TRACKTYPE_CLASS",
    "WALK_WET_FACTOR",
    "WET_FACTOR",
    "RoadNetwork",
    "SpeedTables",
    "add_road_class",
    "add_travel_times",
    "attach_points",
    "build_network",
    "facility_layer_name",
    "mark_unbridged_crossings",
    "network_components",
    "tobler_speed_kph",
    "with_rain_weights",
]
