"""OpenStreetMap road graphs, from a local file or from Overpass.

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

Data © OpenStreetMap contributors, ODbL 1.0.
"""

from __future__ import annotations

import logging
import os
import tempfile
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

import networkx as nx
import numpy as np
import osmium
import osmnx as ox
import shapely
from shapely.geometry import MultiPolygon, Polygon

from connectivity._io import atomic_path
from connectivity._overpass import osmnx_settings, overpass_requests
from connectivity.errors import ConnectivityError, EmptyRegionError
from connectivity.settings import settings
from connectivity.sources.osm._input import (
    Area,
    as_polygon,
    bbox_polygon,
    check_osm_file,
    osm_objects,
    polygon_from_place,
)

__all__ = [
    "HIGHWAY_EXCLUDED",
    "OVERPASS_WAY_FILTER",
    "SIMPLIFY_EDGE_ATTRS",
    "USEFUL_TAGS_NODE",
    "USEFUL_TAGS_WAY",
    "graph_from_bbox",
    "graph_from_osm_file",
    "graph_from_place",
    "graph_from_polygon",
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
    for obj in osm_objects(path, osmium.osm.NODE | osmium.osm.WAY, locations=True):
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
        for obj in osm_objects(path, osmium.osm.NODE | osmium.osm.WAY):
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
        The file; its name ends in one of :data:`connectivity.sources.osm.OSM_FILE_SUFFIXES`.
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
    file = check_osm_file(path)
    area = None if polygon is None else as_polygon(polygon)
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
    area = as_polygon(polygon)
    url = settings.overpass_url

    def load() -> nx.MultiDiGraph:
        with overpass_requests():
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
        bbox_polygon(bbox),
        simplify=simplify,
        retain_all=retain_all,
        truncate_by_edge=truncate_by_edge,
    )


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
        polygon_from_place(query),
        simplify=simplify,
        retain_all=retain_all,
        truncate_by_edge=truncate_by_edge,
    )
