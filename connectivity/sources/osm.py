"""OpenStreetMap roads, waterways and facilities, from a local file or from Overpass.

Every road graph comes out of one builder, whatever the input:

1. **load** the unsimplified graph with osmnx, keeping the tags the model
   needs (:data:`USEFUL_TAGS_WAY`, :data:`USEFUL_TAGS_NODE`):

   * a local ``.osm`` XML or ``.osm.pbf`` file is read with pyosmium (the
     maintained PBF reader, which reads XML too); the road ways and their
     nodes are written to a temporary ``.osm`` XML file that
     :func:`osmnx.graph_from_xml` loads;
   * online (place name, polygon, bbox), :func:`osmnx.graph_from_polygon`
     queries the Overpass API with the same way filter
     (:data:`OVERPASS_WAY_FILTER`), using osmnx's HTTP cache in
     ``settings.cache_dir / "osmnx"``;

2. **clip** to the requested area, if any (nodes outside are removed, as
   osmnx does online);
3. drop nodes left without any edge; keep every disconnected piece unless
   ``retain_all=False`` (later stages report the pieces);
4. **simplify** with ``edge_attrs_differ`` = :data:`SIMPLIFY_EDGE_ATTRS`, so
   one edge never merges roads of different class, surface, track type,
   smoothness, bridge, ford or access; nodes tagged ``ford`` stay nodes, and
   isolated rings are kept.

Every highway type is loaded (tracks, paths, footways, steps, …) except
those in :data:`HIGHWAY_EXCLUDED` (not built, not in use, areas, indoor
features). Graphs are unprojected (EPSG:4326) osmnx ``MultiDiGraph``; after
simplification an edge's ``osmid`` (and any tag whose value differs along it)
may be a list, sorted.

Facilities (markets, schools, places, buildings) and waterways come back as
GeoDataFrames in EPSG:4326 with the columns ``osm_id``, ``osm_type``
(``node``/``way``/``relation``), one column per queried tag key, ``name`` and
``geometry``: points for nodes, lines or polygons for ways (the polygon rule
of osmnx), multipolygons for multipolygon relations.

Data © OpenStreetMap contributors, ODbL 1.0.
"""

from __future__ import annotations

import logging
import math
import os
import tempfile
from collections import Counter
from collections.abc import Callable, Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any, Literal, TypeAlias

import geopandas as gpd
import networkx as nx
import numpy as np
import osmium
import osmnx as ox
import pandas as pd
import shapely
from osmnx._errors import InsufficientResponseError
from shapely.geometry import LineString, MultiPolygon, Point, Polygon
from shapely.geometry.base import BaseGeometry

from connectivity._io import atomic_path
from connectivity._overpass import download_errors, online_settings, osmnx_settings
from connectivity.errors import (
    ConnectivityError,
    CrsError,
    DataError,
    EmptyRegionError,
    MissingFileError,
)
from connectivity.settings import settings

__all__ = [
    "HIGHWAY_EXCLUDED",
    "OSM_FILE_SUFFIXES",
    "OVERPASS_WAY_FILTER",
    "SIMPLIFY_EDGE_ATTRS",
    "USEFUL_TAGS_NODE",
    "USEFUL_TAGS_WAY",
    "WATERWAY_VALUES",
    "features_from_bbox",
    "features_from_osm_file",
    "features_from_place",
    "features_from_polygon",
    "graph_from_bbox",
    "graph_from_osm_file",
    "graph_from_place",
    "graph_from_polygon",
    "tag_counts_from_osm_file",
    "waterways_from_bbox",
    "waterways_from_osm_file",
    "waterways_from_place",
    "waterways_from_polygon",
]

log = logging.getLogger(__name__)

#: ``highway`` values that are not roads one can travel today: not built or
#: not in use (proposed, construction, abandoned, …), areas (rest areas,
#: services), platforms, race tracks, guided busways and indoor features.
HIGHWAY_EXCLUDED: frozenset[str] = frozenset(
    {
        "abandoned",
        "bus_guideway",
        "construction",
        "corridor",
        "dismantled",
        "disused",
        "elevator",
        "no",
        "planned",
        "platform",
        "proposed",
        "raceway",
        "razed",
        "rest_area",
        "services",
    }
)

#: Overpass QL way filter equivalent to the local-file road filter: a
#: ``highway`` tag whose value is not in :data:`HIGHWAY_EXCLUDED`.
OVERPASS_WAY_FILTER: str = (
    '["highway"]["highway"!~"^(' + "|".join(sorted(HIGHWAY_EXCLUDED)) + ')$"]'
)

#: Way tags kept as edge attributes: what the network model reads (class,
#: surface, passability, river crossings, names) plus osmnx's defaults.
USEFUL_TAGS_WAY: tuple[str, ...] = (
    "access",
    "area",
    "bridge",
    "est_width",
    "foot",
    "ford",
    "highway",
    "junction",
    "lanes",
    "layer",
    "maxspeed",
    "motor_vehicle",
    "name",
    "oneway",
    "ref",
    "service",
    "smoothness",
    "surface",
    "tracktype",
    "tunnel",
    "width",
)

#: Node tags kept as node attributes (``ford`` marks a river crossing).
USEFUL_TAGS_NODE: tuple[str, ...] = ("barrier", "ford", "highway", "junction", "railway", "ref")

#: Edge attributes that must not differ along a simplified edge.
SIMPLIFY_EDGE_ATTRS: tuple[str, ...] = (
    "highway",
    "surface",
    "tracktype",
    "smoothness",
    "bridge",
    "ford",
    "access",
    "motor_vehicle",
)

#: ``waterway`` values read as rivers a road or path may have to cross.
WATERWAY_VALUES: tuple[str, ...] = ("river", "stream", "canal")

#: File name endings read as OpenStreetMap data.
OSM_FILE_SUFFIXES: tuple[str, ...] = (".osm", ".osm.pbf", ".pbf", ".osm.bz2", ".osm.gz")

_EPSG_WGS84 = "EPSG:4326"
_OSM_TYPE_ORDER = {"node": 0, "way": 1, "relation": 2}

#: Closed ways that are polygons, by tag key: "all" values, or a pass/block
#: list of values (the rule osmnx applies to features downloaded online).
_POLYGON_KEYS: dict[str, tuple[str, frozenset[str]]] = {
    "aeroway": ("block", frozenset({"taxiway"})),
    "amenity": ("all", frozenset()),
    "area": ("all", frozenset()),
    "area:highway": ("all", frozenset()),
    "barrier": ("pass", frozenset({"city_wall", "ditch", "hedge", "retaining_wall", "spikes"})),
    "boundary": ("all", frozenset()),
    "building": ("all", frozenset()),
    "building:part": ("all", frozenset()),
    "craft": ("all", frozenset()),
    "golf": ("all", frozenset()),
    "highway": ("pass", frozenset({"elevator", "escape", "rest_area", "services"})),
    "historic": ("all", frozenset()),
    "indoor": ("all", frozenset()),
    "landuse": ("all", frozenset()),
    "leisure": ("all", frozenset()),
    "man_made": ("block", frozenset({"cutline", "embankment", "pipeline"})),
    "military": ("all", frozenset()),
    "natural": ("block", frozenset({"arete", "cliff", "coastline", "ridge", "tree_row"})),
    "office": ("all", frozenset()),
    "place": ("all", frozenset()),
    "power": ("pass", frozenset({"generator", "plant", "substation", "transformer"})),
    "public_transport": ("all", frozenset()),
    "railway": ("pass", frozenset({"platform", "roundhouse", "station", "turntable"})),
    "ruins": ("all", frozenset()),
    "shop": ("all", frozenset()),
    "tourism": ("all", frozenset()),
    "waterway": ("pass", frozenset({"boatyard", "dam", "dock", "riverbank"})),
}

#: Extra columns of the waterways layer (a stream in a culvert is no crossing).
_WATERWAY_EXTRA = ("tunnel", "layer", "width")

Area: TypeAlias = "Polygon | MultiPolygon | gpd.GeoDataFrame | gpd.GeoSeries"
Tags: TypeAlias = "Mapping[str, bool | str | Sequence[str]]"
_Query: TypeAlias = "dict[str, Literal[True] | list[str]]"


# --------------------------------------------------------------------------- #
# input validation
# --------------------------------------------------------------------------- #


def _check_osm_file(path: str | os.PathLike[str]) -> Path:
    file = Path(path)
    name = file.name.lower()
    if not name.endswith(OSM_FILE_SUFFIXES):
        raise DataError(
            f"{file}: not an OpenStreetMap file name; expected one ending in "
            + ", ".join(OSM_FILE_SUFFIXES)
        )
    if not file.exists():
        raise MissingFileError(f"OpenStreetMap file not found: {file}")
    if not file.is_file():
        raise DataError(f"{file}: is not a file")
    return file


def _osm_objects(
    path: Path,
    entities: osmium.osm.osm_entity_bits = osmium.osm.ALL,
    *,
    locations: bool = False,
    area_keys: Sequence[str] | None = None,
) -> Iterator[Any]:
    """Objects of an OSM file; a read error becomes a DataError naming the file."""
    try:
        processor = osmium.FileProcessor(str(path), entities)
        if locations:
            processor = processor.with_locations()
        if area_keys is not None:
            processor = processor.with_areas(osmium.filter.KeyFilter(*area_keys))
        yield from processor
    except RuntimeError as err:
        raise DataError(
            f"{path}: cannot read OpenStreetMap data ({err}); is it a complete .osm/.osm.pbf file?"
        ) from err


def _as_polygon(area: object, *, what: str = "polygon") -> Polygon | MultiPolygon:
    """Return a valid lon/lat (Multi)Polygon from a shapely geometry or a GeoDataFrame."""
    geom: object
    if isinstance(area, gpd.GeoDataFrame | gpd.GeoSeries):
        if area.crs is None:
            raise CrsError(f"{what}: the GeoDataFrame has no CRS; set one (e.g. EPSG:4326)")
        if area.empty:
            raise EmptyRegionError(f"{what}: the GeoDataFrame has no rows")
        geom = area.to_crs(_EPSG_WGS84).union_all()
    else:
        geom = area
    if not isinstance(geom, Polygon | MultiPolygon):
        raise DataError(
            f"{what}: expected a shapely Polygon/MultiPolygon or a GeoDataFrame of polygons, "
            f"got {type(geom).__name__}"
        )
    if geom.is_empty:
        raise EmptyRegionError(f"{what}: the polygon is empty")
    if not geom.is_valid:
        raise DataError(f"{what}: invalid polygon ({shapely.is_valid_reason(geom)})")
    west, south, east, north = geom.bounds
    if west < -180 or east > 180 or south < -90 or north > 90:
        raise CrsError(
            f"{what}: bounds {geom.bounds} are not longitude/latitude; pass a GeoDataFrame "
            "with its CRS, or a polygon in EPSG:4326"
        )
    return geom


def _bbox_polygon(bbox: Sequence[float]) -> Polygon:
    """Polygon of a ``(west, south, east, north)`` box in degrees."""
    try:
        values = [float(v) for v in bbox]
    except (TypeError, ValueError) as err:
        raise DataError(
            f"bbox must be four numbers (west, south, east, north), got {bbox!r}"
        ) from err
    if len(values) != 4 or not all(math.isfinite(v) for v in values):
        raise DataError(
            f"bbox must be four finite numbers (west, south, east, north), got {bbox!r}"
        )
    west, south, east, north = values
    if not (-180 <= west < east <= 180 and -90 <= south < north <= 90):
        raise DataError(
            f"bbox {bbox!r} is not (west, south, east, north) in degrees with west < east "
            "and south < north"
        )
    return shapely.box(west, south, east, north)


def _check_tags(tags: object) -> _Query:
    """Normalise an osmnx-style tag query: key -> True (any value) or a list of values."""
    if not isinstance(tags, Mapping) or not tags:
        raise DataError(
            f"tags must be a non-empty mapping like {{'amenity': ['school']}}, got {tags!r}"
        )
    query: _Query = {}
    for key, value in tags.items():
        if not isinstance(key, str) or not key:
            raise DataError(f"tags: keys must be non-empty strings, got {key!r}")
        if value is True:
            query[key] = True
        elif isinstance(value, str) and value:
            query[key] = [value]
        elif (
            isinstance(value, Sequence)
            and not isinstance(value, str)
            and value
            and all(isinstance(v, str) and v for v in value)
        ):
            query[key] = list(value)
        else:
            raise DataError(
                f"tags[{key!r}]: expected True, a value or a list of values, got {value!r}"
            )
    return query


def _matches(tags: Any, query: _Query) -> bool:
    """Whether an element's tags satisfy any ``key``/``value`` pair of ``query``."""
    for key, wanted in query.items():
        value = tags.get(key)
        if value is not None and (wanted is True or value in wanted):
            return True
    return False


def _is_road(tags: Any) -> bool:
    highway = tags.get("highway")
    return highway is not None and highway not in HIGHWAY_EXCLUDED


# --------------------------------------------------------------------------- #
# roads: the one graph builder
# --------------------------------------------------------------------------- #


def _sort_key(value: Any) -> tuple[bool, Any]:
    numeric = isinstance(value, int | float)
    return (not numeric, value if numeric else str(value))


def _build_graph(
    load: Callable[[], nx.MultiDiGraph],
    *,
    source: str,
    polygon: Polygon | MultiPolygon | None,
    truncate_by_edge: bool,
    simplify: bool,
    retain_all: bool,
) -> nx.MultiDiGraph:
    """Load an unsimplified graph with the model's tags, clip, tidy and simplify it."""
    with osmnx_settings(
        useful_tags_way=list(USEFUL_TAGS_WAY), useful_tags_node=list(USEFUL_TAGS_NODE)
    ):
        graph = load()
    if graph.number_of_edges() == 0:
        raise EmptyRegionError(f"{source}: no roads (no highway ways with two or more nodes)")
    if not all("street_count" in data for _, data in graph.nodes(data=True)):
        counts = ox.stats.count_streets_per_node(graph)
        nx.set_node_attributes(graph, values=counts, name="street_count")
    if polygon is not None:
        inside = shapely.intersects_xy(
            polygon,
            np.array([d["x"] for _, d in graph.nodes(data=True)], dtype=float),
            np.array([d["y"] for _, d in graph.nodes(data=True)], dtype=float),
        )
        if not inside.any():
            raise EmptyRegionError(f"{source}: no road inside the requested area")
        graph = ox.truncate.truncate_graph_polygon(
            graph, polygon, truncate_by_edge=truncate_by_edge
        )
    isolated = [node for node, degree in graph.degree() if degree == 0]
    graph.remove_nodes_from(isolated)
    if graph.number_of_edges() == 0:
        raise EmptyRegionError(f"{source}: no road segment inside the requested area")
    if isolated:
        log.info("%s: dropped %d nodes left without any road segment", source, len(isolated))
    if not retain_all:
        before = len(graph)
        graph = ox.truncate.largest_component(graph, strongly=False)
        log.info("%s: kept the largest piece, %d of %d nodes", source, len(graph), before)
    if simplify:
        graph = ox.simplify_graph(
            graph,
            node_attrs_include=["ford"],
            edge_attrs_differ=list(SIMPLIFY_EDGE_ATTRS),
            remove_rings=False,
        )
    for _, _, data in graph.edges(data=True):
        for key, value in data.items():
            if isinstance(value, list):
                data[key] = sorted(value, key=_sort_key)
    graph.graph["source"] = source
    log.info(
        "road graph from %s: %d nodes, %d edges, %d pieces",
        source,
        graph.number_of_nodes(),
        graph.number_of_edges(),
        nx.number_weakly_connected_components(graph),
    )
    return graph


def _write_roads_xml(path: Path, target: Path, polygon: Polygon | MultiPolygon | None) -> int:
    """Write the road ways of ``path`` (inside ``polygon``) and their nodes as OSM XML.

    Returns the number of ways written. A way whose nodes are partly missing
    from the file (an extract cut at its border) keeps the nodes present; a
    way with fewer than two distinct nodes is left out. Both are logged.
    """
    refs_by_way: dict[int, list[int]] = {}
    trimmed: set[int] = set()
    xs: list[float] = []
    ys: list[float] = []
    owners: list[int] = []
    degenerate: list[int] = []
    missing = 0
    for obj in _osm_objects(path, osmium.osm.NODE | osmium.osm.WAY, locations=True):
        if not obj.is_way() or not _is_road(obj.tags):
            continue
        refs: list[int] = []
        for node in obj.nodes:
            location = node.location
            if not location.valid():
                missing += 1
                continue
            refs.append(node.ref)
            if polygon is not None:
                xs.append(location.lon)
                ys.append(location.lat)
                owners.append(obj.id)
        if len(refs) < len(obj.nodes):
            trimmed.add(obj.id)
        if len(set(refs)) < 2:
            degenerate.append(obj.id)
            continue
        refs_by_way[obj.id] = refs
    if degenerate:
        log.warning(
            "%s: %d road ways have fewer than two distinct nodes in the file and make no "
            "road segment: %s",
            path,
            len(degenerate),
            ", ".join(str(way) for way in degenerate[:10]) + (" …" if len(degenerate) > 10 else ""),
        )
    if missing:
        log.warning(
            "%s: %d road ways reference %d nodes missing from the file; "
            "they keep the nodes present",
            path,
            len(trimmed),
            missing,
        )
    if polygon is not None and refs_by_way:
        inside = shapely.intersects_xy(polygon, np.asarray(xs), np.asarray(ys))
        keep = {owner for owner, flag in zip(owners, inside, strict=True) if flag}
        refs_by_way = {way: refs for way, refs in refs_by_way.items() if way in keep}
    if not refs_by_way:
        where = " inside the requested area" if polygon is not None else ""
        raise EmptyRegionError(
            f"{path}: no roads{where} (no ways tagged highway=* other than "
            f"{', '.join(sorted(HIGHWAY_EXCLUDED))})"
        )
    wanted = {ref for refs in refs_by_way.values() for ref in refs}
    with atomic_path(target) as tmp, osmium.SimpleWriter(str(tmp)) as writer:
        for obj in _osm_objects(path, osmium.osm.NODE | osmium.osm.WAY):
            if obj.is_node():
                if obj.id in wanted:
                    writer.add_node(obj)
            elif obj.id in refs_by_way:
                if obj.id in trimmed:
                    writer.add_way(obj.replace(nodes=refs_by_way[obj.id]))
                else:
                    writer.add_way(obj)
    return len(refs_by_way)


def graph_from_osm_file(
    path: str | os.PathLike[str],
    *,
    polygon: Area | None = None,
    simplify: bool = True,
    retain_all: bool = True,
    truncate_by_edge: bool = False,
) -> nx.MultiDiGraph:
    """Road graph of a local OpenStreetMap file (``.osm`` XML or ``.osm.pbf``).

    Parameters
    ----------
    path : path-like
        The file; its name ends in one of :data:`OSM_FILE_SUFFIXES`.
    polygon : shapely Polygon/MultiPolygon or GeoDataFrame, optional
        Keep only the roads inside this area (e.g. a province boundary;
        shapely geometries are taken as EPSG:4326), clipped as osmnx clips
        online queries.
    simplify : bool
        Merge the segments between intersections into single edges (never
        across a change of :data:`SIMPLIFY_EDGE_ATTRS`).
    retain_all : bool
        Keep every disconnected piece (default); ``False`` keeps only the
        largest weakly connected one.
    truncate_by_edge : bool
        With ``polygon``: keep a node outside the area when a neighbour is
        inside.

    Returns
    -------
    networkx.MultiDiGraph
        Unprojected (EPSG:4326) osmnx graph: nodes with ``x``, ``y``,
        ``street_count`` and the tags of :data:`USEFUL_TAGS_NODE`; edges with
        ``osmid``, ``length`` (m), ``oneway``, ``reversed``, the tags of
        :data:`USEFUL_TAGS_WAY` and, when simplified, ``geometry``.

    Raises
    ------
    MissingFileError
        The file does not exist.
    DataError
        Not an OSM file name, or unreadable/corrupt data.
    EmptyRegionError
        No roads in the file (or inside ``polygon``).
    CrsError
        ``polygon`` without CRS, or not in longitude/latitude.

    Examples
    --------
    >>> import shapely
    >>> g = graph_from_osm_file("../shared/data/cusco/cusco.osm.pbf",
    ...                         polygon=shapely.box(-71.985, -13.525, -71.975, -13.515))
    >>> g.number_of_nodes() > 100, g.graph["crs"]
    (True, 'epsg:4326')
    """
    file = _check_osm_file(path)
    area = None if polygon is None else _as_polygon(polygon)
    with tempfile.TemporaryDirectory(prefix="connectivity-osm-") as folder:
        roads_xml = Path(folder) / "roads.osm"
        n_ways = _write_roads_xml(file, roads_xml, area)
        log.info("%s: %d road ways selected", file, n_ways)
        return _build_graph(
            lambda: ox.graph_from_xml(
                roads_xml, bidirectional=False, simplify=False, retain_all=True
            ),
            source=str(file),
            polygon=area,
            truncate_by_edge=truncate_by_edge,
            simplify=simplify,
            retain_all=retain_all,
        )


def graph_from_polygon(
    polygon: Area,
    *,
    simplify: bool = True,
    retain_all: bool = True,
    truncate_by_edge: bool = False,
) -> nx.MultiDiGraph:
    """Road graph inside a polygon, downloaded from the Overpass API.

    The query goes to ``settings.overpass_url`` with timeout
    ``settings.http_timeout_s``; answers are cached in
    ``settings.cache_dir / "osmnx"``.

    Parameters
    ----------
    polygon : shapely Polygon/MultiPolygon or GeoDataFrame
        The area (a province boundary, …); shapely geometries are taken as
        EPSG:4326.
    simplify, retain_all, truncate_by_edge : bool
        As in :func:`graph_from_osm_file`.

    Returns
    -------
    networkx.MultiDiGraph
        As :func:`graph_from_osm_file`.

    Raises
    ------
    DownloadError
        Timeout, HTTP error or unusable answer (the message names the URL).
    EmptyRegionError
        No roads in the area.
    DataError, CrsError
        Invalid polygon.

    Examples
    --------
    Online, through the Overpass API::

        import shapely
        g = graph_from_polygon(shapely.box(-71.985, -13.525, -71.975, -13.515))
    """
    area = _as_polygon(polygon)
    url = settings.overpass_url

    def load() -> nx.MultiDiGraph:
        with osmnx_settings(**online_settings()), download_errors(url):
            try:
                graph: nx.MultiDiGraph = ox.graph_from_polygon(
                    area,
                    custom_filter=OVERPASS_WAY_FILTER,
                    simplify=False,
                    retain_all=True,
                    truncate_by_edge=truncate_by_edge,
                )
            except ConnectivityError:
                raise
            except ValueError as err:  # InsufficientResponseError, or no node in the polygon
                raise EmptyRegionError(
                    f"{url}: no roads inside the requested area ({err})"
                ) from err
        return graph

    return _build_graph(
        load,
        source=url,
        polygon=area,
        truncate_by_edge=truncate_by_edge,
        simplify=simplify,
        retain_all=retain_all,
    )


def graph_from_bbox(
    bbox: Sequence[float],
    *,
    simplify: bool = True,
    retain_all: bool = True,
    truncate_by_edge: bool = False,
) -> nx.MultiDiGraph:
    """Road graph inside a bounding box, downloaded from the Overpass API.

    Parameters
    ----------
    bbox : sequence of 4 floats
        ``(west, south, east, north)`` in degrees (osmnx order).
    simplify, retain_all, truncate_by_edge : bool
        As in :func:`graph_from_osm_file`.

    Returns
    -------
    networkx.MultiDiGraph
        As :func:`graph_from_osm_file`.

    Raises
    ------
    DataError
        ``bbox`` is not four numbers in order.
    DownloadError, EmptyRegionError
        As :func:`graph_from_polygon`.

    Examples
    --------
    Online, through the Overpass API::

        g = graph_from_bbox((-71.985, -13.525, -71.975, -13.515))
    """
    return graph_from_polygon(
        _bbox_polygon(bbox),
        simplify=simplify,
        retain_all=retain_all,
        truncate_by_edge=truncate_by_edge,
    )


def _polygon_from_place(query: str | Mapping[str, str]) -> Polygon | MultiPolygon:
    if not query or not isinstance(query, str | Mapping):
        raise DataError(f"place must be a non-empty name or a Nominatim query dict, got {query!r}")
    url = ox.settings.nominatim_url
    with osmnx_settings(**online_settings()), download_errors(url):
        try:
            found = ox.geocode_to_gdf(query if isinstance(query, str) else dict(query))
        except InsufficientResponseError as err:
            raise DataError(f"place {query!r}: Nominatim ({url}) found no such place") from err
        except TypeError as err:
            raise DataError(
                f"place {query!r}: Nominatim ({url}) has no area (polygon) for it; "
                "pass a polygon or a bbox instead"
            ) from err
    return _as_polygon(found, what=f"place {query!r}")


def graph_from_place(
    query: str | Mapping[str, str],
    *,
    simplify: bool = True,
    retain_all: bool = True,
    truncate_by_edge: bool = False,
) -> nx.MultiDiGraph:
    """Road graph of a named place (geocoded by Nominatim), from the Overpass API.

    Parameters
    ----------
    query : str or dict
        Place name (``"Provincia de Cangallo, Ayacucho, Peru"``) or a
        structured Nominatim query; it must resolve to an area.
    simplify, retain_all, truncate_by_edge : bool
        As in :func:`graph_from_osm_file`.

    Returns
    -------
    networkx.MultiDiGraph
        As :func:`graph_from_osm_file`.

    Raises
    ------
    DataError
        The place is unknown or has no polygon.
    DownloadError, EmptyRegionError
        As :func:`graph_from_polygon`.

    Examples
    --------
    Online, through the Overpass API::

        g = graph_from_place("Cusco, Peru")
    """
    return graph_from_polygon(
        _polygon_from_place(query),
        simplify=simplify,
        retain_all=retain_all,
        truncate_by_edge=truncate_by_edge,
    )


# --------------------------------------------------------------------------- #
# features and waterways
# --------------------------------------------------------------------------- #


def _way_geometry(coords: list[tuple[float, float]], closed: bool, tags: Any) -> BaseGeometry:
    if closed and len(coords) >= 4 and tags.get("area") != "no":
        for key, (rule, values) in _POLYGON_KEYS.items():
            value = tags.get(key)
            if value is None:
                continue
            if (
                rule == "all"
                or (rule == "pass" and value in values)
                or (rule == "block" and value not in values)
            ):
                return Polygon(coords)
    return LineString(coords)


def _features_frame(
    records: list[dict[str, Any]], query: _Query, extra: Sequence[str]
) -> gpd.GeoDataFrame:
    columns = ["osm_id", "osm_type", *query]
    columns += [c for c in ("name", *extra) if c not in columns]
    frame = pd.DataFrame.from_records(records, columns=[*columns, "geometry"])
    frame["osm_id"] = frame["osm_id"].astype("int64")
    frame = frame.assign(_order=frame["osm_type"].map(_OSM_TYPE_ORDER))
    frame = frame.sort_values(["_order", "osm_id"], kind="stable").drop(columns="_order")
    gdf = gpd.GeoDataFrame(frame.reset_index(drop=True), geometry="geometry", crs=_EPSG_WGS84)
    polygons = gdf.geom_type.isin(["Polygon", "MultiPolygon"]).to_numpy()
    if polygons.any():
        gdf.loc[polygons, "geometry"] = gdf.geometry[polygons].make_valid()
    return gdf


def _read_features(
    path: Path, query: _Query, extra: Sequence[str]
) -> tuple[list[dict[str, Any]], int]:
    """Feature records of an OSM file and the number of matching ways left out."""
    keys = [k for k in ("name", *extra) if k not in query]
    wkb = osmium.geom.WKBFactory()
    records: list[dict[str, Any]] = []
    skipped = 0

    def record(osm_type: str, osm_id: int, tags: Any, geometry: BaseGeometry) -> None:
        row = {"osm_id": osm_id, "osm_type": osm_type, "geometry": geometry}
        for key in (*query, *keys):
            row[key] = tags.get(key)
        records.append(row)

    for obj in _osm_objects(path, area_keys=list(query)):
        if obj.is_area():
            # areas of multipolygon/boundary relations (closed ways are read as ways)
            if not obj.from_way() and _matches(obj.tags, query):
                geometry = shapely.from_wkb(wkb.create_multipolygon(obj))
                record("relation", obj.orig_id(), obj.tags, geometry)
            continue
        if not _matches(obj.tags, query):
            continue
        if obj.is_node():
            record("node", obj.id, obj.tags, Point(obj.location.lon, obj.location.lat))
        elif obj.is_way():
            coords = [(n.lon, n.lat) for n in obj.nodes if n.location.valid()]
            if len(coords) < 2:
                skipped += 1
                continue
            closed = obj.nodes[0].ref == obj.nodes[-1].ref
            record("way", obj.id, obj.tags, _way_geometry(coords, closed, obj.tags))
    return records, skipped


def _features_from_file(
    path: str | os.PathLike[str],
    tags: Tags,
    polygon: Area | None,
    extra: Sequence[str] = (),
) -> gpd.GeoDataFrame:
    file = _check_osm_file(path)
    query = _check_tags(tags)
    area = None if polygon is None else _as_polygon(polygon)
    records, skipped = _read_features(file, query, extra)
    if skipped:
        log.warning("%s: %d matching ways have fewer than 2 nodes in the file", file, skipped)
    gdf = _features_frame(records, query, extra)
    if area is not None:
        gdf = gdf[gdf.intersects(area)].reset_index(drop=True)
    log.info("%s: %d features matching %s", file, len(gdf), query)
    return gdf


def features_from_osm_file(
    path: str | os.PathLike[str],
    tags: Tags,
    *,
    polygon: Area | None = None,
    extra_tags: Sequence[str] = (),
) -> gpd.GeoDataFrame:
    """Features (markets, schools, places, buildings, …) of a local OSM file.

    Parameters
    ----------
    path : path-like
        ``.osm`` XML or ``.osm.pbf`` file.
    tags : mapping
        osmnx-style query: ``{key: True}`` for any value, ``{key: value}`` or
        ``{key: [values]}``; an element matching any pair is kept, e.g.
        ``{"amenity": ["marketplace"]}``, ``{"place": True}``,
        ``{"building": True}``.
    polygon : shapely Polygon/MultiPolygon or GeoDataFrame, optional
        Keep only features intersecting this area.
    extra_tags : sequence of str
        Other tag keys to keep as columns (e.g. ``("population",)``).

    Returns
    -------
    geopandas.GeoDataFrame
        EPSG:4326, one row per element, sorted by type then id; columns
        ``osm_id``, ``osm_type``, one per key of ``tags``, ``name``, the
        ``extra_tags``,
        ``geometry`` (points for nodes; lines, or polygons by osmnx's rule,
        for ways; multipolygons for multipolygon relations). Empty (with
        these columns) if nothing matches.

    Raises
    ------
    MissingFileError, DataError
        Missing, misnamed or unreadable file; malformed ``tags``.

    Examples
    --------
    >>> schools = features_from_osm_file("../shared/data/cusco/cusco.osm.pbf",
    ...                                  {"amenity": "school"})
    >>> len(schools), schools["osm_type"].value_counts().to_dict()
    (48, {'way': 33, 'node': 15})
    """
    return _features_from_file(path, tags, polygon, tuple(extra_tags))


def _waterways_frame(features: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    ways = features[features["osm_type"] == "way"].copy()
    rings = ways.geom_type == "Polygon"
    if rings.any():
        ways.loc[rings, "geometry"] = ways.geometry[rings].exterior
    ways = ways[ways.geom_type == "LineString"]
    # width as metres (a number; text such as "about 5" becomes NaN)
    ways["width"] = pd.to_numeric(
        ways["width"].astype(str).str.strip().str.removesuffix("m").str.strip(), errors="coerce"
    )
    columns = ["osm_id", "waterway", "name", *_WATERWAY_EXTRA, "geometry"]
    out = gpd.GeoDataFrame(ways[columns].reset_index(drop=True), geometry="geometry")
    return out.set_crs(_EPSG_WGS84, allow_override=True)


def _check_waterway_values(values: Sequence[str]) -> list[str]:
    if isinstance(values, str) or not values or not all(isinstance(v, str) and v for v in values):
        raise DataError(f"values must be a non-empty list of waterway values, got {values!r}")
    return list(values)


def waterways_from_osm_file(
    path: str | os.PathLike[str],
    *,
    values: Sequence[str] = WATERWAY_VALUES,
    polygon: Area | None = None,
) -> gpd.GeoDataFrame:
    """Rivers, streams and canals of a local OSM file, as lines.

    Parameters
    ----------
    path : path-like
        ``.osm`` XML or ``.osm.pbf`` file.
    values : sequence of str
        ``waterway`` values to keep (default :data:`WATERWAY_VALUES`).
    polygon : shapely Polygon/MultiPolygon or GeoDataFrame, optional
        Keep only waterways intersecting this area.

    Returns
    -------
    geopandas.GeoDataFrame
        EPSG:4326 LineStrings, one per OSM way; columns ``osm_id``,
        ``waterway``, ``name``, ``tunnel`` (a stream in a culvert is no
        crossing), ``layer``, ``width`` (m, as tagged), ``geometry``.

    Raises
    ------
    MissingFileError, DataError
        Missing, misnamed or unreadable file; bad ``values``.

    Examples
    --------
    >>> rivers = waterways_from_osm_file("../shared/data/cusco/cusco.osm.pbf")
    >>> rivers["waterway"].value_counts().to_dict()
    {'stream': 15, 'river': 11}
    """
    query = {"waterway": _check_waterway_values(values)}
    gdf = _waterways_frame(_features_from_file(path, query, polygon, _WATERWAY_EXTRA))
    log.info("%s: %d waterway lines", path, len(gdf))
    return gdf


def tag_counts_from_osm_file(path: str | os.PathLike[str], key: str) -> dict[str, int]:
    """Count the ways of a local OSM file by the value of one tag.

    Parameters
    ----------
    path : path-like
        ``.osm`` XML or ``.osm.pbf`` file.
    key : str
        Tag key, e.g. ``"highway"``.

    Returns
    -------
    dict of str to int
        Number of ways per value, most frequent first (ties by value).

    Raises
    ------
    MissingFileError, DataError
        Missing, misnamed or unreadable file; empty ``key``.

    Examples
    --------
    >>> counts = tag_counts_from_osm_file("../shared/data/cusco/cusco.osm.pbf", "highway")
    >>> counts["residential"], counts["track"]
    (2872, 114)
    """
    if not isinstance(key, str) or not key:
        raise DataError(f"key must be a non-empty tag key, got {key!r}")
    file = _check_osm_file(path)
    counts: Counter[str] = Counter()
    for obj in _osm_objects(file, osmium.osm.WAY):
        value = obj.tags.get(key)
        if value is not None:
            counts[value] += 1
    log.info("%s: %d ways tagged %s=*", file, sum(counts.values()), key)
    return dict(sorted(counts.items(), key=lambda item: (-item[1], item[0])))


# --------------------------------------------------------------------------- #
# online features and waterways
# --------------------------------------------------------------------------- #


def _features_from_osmnx(
    gdf: gpd.GeoDataFrame, query: _Query, extra: Sequence[str]
) -> list[dict[str, Any]]:
    records: list[dict[str, Any]] = []
    columns = [c for c in dict.fromkeys([*query, "name", *extra]) if c in gdf.columns]
    for (element, osm_id), row in gdf.iterrows():
        rec: dict[str, Any] = {"osm_id": int(osm_id), "osm_type": str(element)}
        for column in columns:
            value = row[column]
            rec[column] = None if isinstance(value, float) and math.isnan(value) else value
        rec["geometry"] = row["geometry"]
        records.append(rec)
    return records


def _features_online(polygon: Area, tags: Tags, extra: Sequence[str] = ()) -> gpd.GeoDataFrame:
    area = _as_polygon(polygon)
    query = _check_tags(tags)
    url = settings.overpass_url
    with osmnx_settings(**online_settings()), download_errors(url):
        try:
            osmnx_tags: dict[str, bool | str | list[str]] = {k: v for k, v in query.items()}
            found = ox.features_from_polygon(area, tags=osmnx_tags)
        except InsufficientResponseError:
            found = None
    if found is None:
        log.warning("%s: no features matching %s in the requested area", url, query)
        records: list[dict[str, Any]] = []
    else:
        records = _features_from_osmnx(found, query, extra)
    gdf = _features_frame(records, query, extra)
    log.info("%s: %d features matching %s", url, len(gdf), query)
    return gdf


def features_from_polygon(polygon: Area, tags: Tags) -> gpd.GeoDataFrame:
    """Features inside a polygon, downloaded from the Overpass API.

    Parameters
    ----------
    polygon : shapely Polygon/MultiPolygon or GeoDataFrame
        The area; shapely geometries are taken as EPSG:4326.
    tags : mapping
        As in :func:`features_from_osm_file`.

    Returns
    -------
    geopandas.GeoDataFrame
        Same columns as :func:`features_from_osm_file`.

    Raises
    ------
    DownloadError
        Timeout, HTTP error or unusable answer (the message names the URL).
    DataError, CrsError
        Invalid polygon or ``tags``.

    Examples
    --------
    Online, through the Overpass API::

        import shapely
        markets = features_from_polygon(shapely.box(-72.0, -13.6, -71.8, -13.4),
                                        {"amenity": "marketplace"})
    """
    return _features_online(polygon, tags)


def features_from_bbox(bbox: Sequence[float], tags: Tags) -> gpd.GeoDataFrame:
    """Features inside a ``(west, south, east, north)`` box, from the Overpass API.

    Parameters
    ----------
    bbox : sequence of 4 floats
        ``(west, south, east, north)`` in degrees.
    tags : mapping
        As in :func:`features_from_osm_file`.

    Returns
    -------
    geopandas.GeoDataFrame
        Same columns as :func:`features_from_osm_file`.

    Raises
    ------
    DataError
        Bad ``bbox`` or ``tags``.
    DownloadError
        As :func:`features_from_polygon`.

    Examples
    --------
    Online, through the Overpass API::

        schools = features_from_bbox((-72.0, -13.6, -71.8, -13.4),
                                     {"amenity": "school"})
    """
    return _features_online(_bbox_polygon(bbox), tags)


def features_from_place(query: str | Mapping[str, str], tags: Tags) -> gpd.GeoDataFrame:
    """Features of a named place (geocoded by Nominatim), from the Overpass API.

    Parameters
    ----------
    query : str or dict
        As in :func:`graph_from_place`.
    tags : mapping
        As in :func:`features_from_osm_file`.

    Returns
    -------
    geopandas.GeoDataFrame
        Same columns as :func:`features_from_osm_file`.

    Raises
    ------
    DataError
        Unknown place, no polygon, bad ``tags``.
    DownloadError
        As :func:`features_from_polygon`.

    Examples
    --------
    Online, through the Overpass API::

        places = features_from_place("Cusco, Peru", {"place": True})
    """
    return _features_online(_polygon_from_place(query), tags)


def waterways_from_polygon(
    polygon: Area, *, values: Sequence[str] = WATERWAY_VALUES
) -> gpd.GeoDataFrame:
    """Rivers, streams and canals inside a polygon, from the Overpass API.

    Parameters
    ----------
    polygon : shapely Polygon/MultiPolygon or GeoDataFrame
        The area; shapely geometries are taken as EPSG:4326.
    values : sequence of str
        ``waterway`` values to keep (default :data:`WATERWAY_VALUES`).

    Returns
    -------
    geopandas.GeoDataFrame
        Same columns as :func:`waterways_from_osm_file`.

    Raises
    ------
    DownloadError
        As :func:`features_from_polygon`.
    DataError, CrsError
        Invalid polygon or ``values``.

    Examples
    --------
    Online, through the Overpass API::

        import shapely
        rivers = waterways_from_polygon(shapely.box(-72.0, -13.6, -71.8, -13.4))
    """
    query = {"waterway": _check_waterway_values(values)}
    return _waterways_frame(_features_online(polygon, query, _WATERWAY_EXTRA))


def waterways_from_bbox(
    bbox: Sequence[float], *, values: Sequence[str] = WATERWAY_VALUES
) -> gpd.GeoDataFrame:
    """Rivers, streams and canals inside a ``(west, south, east, north)`` box, online.

    Parameters
    ----------
    bbox : sequence of 4 floats
        ``(west, south, east, north)`` in degrees.
    values : sequence of str
        ``waterway`` values to keep.

    Returns
    -------
    geopandas.GeoDataFrame
        Same columns as :func:`waterways_from_osm_file`.

    Raises
    ------
    DataError
        Bad ``bbox`` or ``values``.
    DownloadError
        As :func:`features_from_polygon`.

    Examples
    --------
    Online, through the Overpass API::

        rivers = waterways_from_bbox((-72.0, -13.6, -71.8, -13.4))
    """
    return waterways_from_polygon(_bbox_polygon(bbox), values=values)


def waterways_from_place(
    query: str | Mapping[str, str], *, values: Sequence[str] = WATERWAY_VALUES
) -> gpd.GeoDataFrame:
    """Rivers, streams and canals of a named place, from the Overpass API.

    Parameters
    ----------
    query : str or dict
        As in :func:`graph_from_place`.
    values : sequence of str
        ``waterway`` values to keep.

    Returns
    -------
    geopandas.GeoDataFrame
        Same columns as :func:`waterways_from_osm_file`.

    Raises
    ------
    DataError
        Unknown place, no polygon, bad ``values``.
    DownloadError
        As :func:`features_from_polygon`.

    Examples
    --------
    Online, through the Overpass API::

        rivers = waterways_from_place("Cusco, Peru")
    """
    return waterways_from_polygon(_polygon_from_place(query), values=values)
