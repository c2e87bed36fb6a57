"""OpenStreetMap roads, waterways and facilities, from a local file or from Overpass.

Modules (their public names are re-exported here, so ``osm.graph_from_osm_file``
and ``from connectivity.sources.osm import ...`` work):

* :mod:`connectivity.sources.osm.roads` — the road graph (osmnx
  ``MultiDiGraph``, EPSG:4326) of a local ``.osm``/``.osm.pbf`` file or of a
  place, polygon or bbox queried online through the Overpass API: the highway
  filter, the tags kept, clipping and simplification, all in one builder;
* :mod:`connectivity.sources.osm.fast_roads` — the fast reader of local
  files: :func:`read_roads` reads a ``.osm``/``.osm.pbf`` file with pyosmium
  into arrays and simplifies on arrays (numba), giving the same network as
  ``graph_from_osm_file`` as node and edge GeoDataFrames (:class:`RoadFrames`),
  without an XML round trip or a networkx graph; its private ``_fast_graph``
  (array kernels) and ``_fast_frames`` (the frames) are beside it;
* :mod:`connectivity.sources.osm.features` — features (markets, schools,
  places, buildings, …) and waterways as GeoDataFrames, from a local file or
  online, and way counts by tag value;
* ``_input`` (private) — what they all read: OSM file checks and the pyosmium
  reader, areas (polygon, GeoDataFrame, bbox, place name geocoded by
  Nominatim).

Data © OpenStreetMap contributors, ODbL 1.0.
"""

from __future__ import annotations

from connectivity.sources.osm._input import OSM_FILE_SUFFIXES
from connectivity.sources.osm.fast_roads import RoadFrames, read_roads
from connectivity.sources.osm.features import (
    WATERWAY_VALUES,
    features_from_bbox,
    features_from_osm_file,
    features_from_place,
    features_from_polygon,
    tag_counts_from_osm_file,
    waterways_from_bbox,
    waterways_from_osm_file,
    waterways_from_place,
    waterways_from_polygon,
)
from connectivity.sources.osm.roads import (
    HIGHWAY_EXCLUDED,
    OVERPASS_WAY_FILTER,
    SIMPLIFY_EDGE_ATTRS,
    USEFUL_TAGS_NODE,
    USEFUL_TAGS_WAY,
    graph_from_bbox,
    graph_from_osm_file,
    graph_from_place,
    graph_from_polygon,
)

__all__ = [
    "HIGHWAY_EXCLUDED",
    "OSM_FILE_SUFFIXES",
    "OVERPASS_WAY_FILTER",
    "SIMPLIFY_EDGE_ATTRS",
    "USEFUL_TAGS_NODE",
    "USEFUL_TAGS_WAY",
    "WATERWAY_VALUES",
    "RoadFrames",
    "features_from_bbox",
    "features_from_osm_file",
    "features_from_place",
    "features_from_polygon",
    "graph_from_bbox",
    "graph_from_osm_file",
    "graph_from_place",
    "graph_from_polygon",
    "read_roads",
    "tag_counts_from_osm_file",
    "waterways_from_bbox",
    "waterways_from_osm_file",
    "waterways_from_place",
    "waterways_from_polygon",
]
