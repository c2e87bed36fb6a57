"""OpenStreetMap features and waterways, from a local file or from Overpass.

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
from collections import Counter
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any, Literal, TypeAlias

import geopandas as gpd
import osmium
import osmnx as ox
import pandas as pd
import shapely
from osmnx._errors import InsufficientResponseError
from shapely.geometry import LineString, Point, Polygon
from shapely.geometry.base import BaseGeometry

from connectivity._overpass import overpass_requests
from connectivity.errors import DataError
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
    "WATERWAY_VALUES",
    "features_from_bbox",
    "features_from_osm_file",
    "features_from_place",
    "features_from_polygon",
    "tag_counts_from_osm_file",
    "waterways_from_bbox",
    "waterways_from_osm_file",
    "waterways_from_place",
    "waterways_from_polygon",
]

log = logging.getLogger(__name__)

#: ``waterway`` values read as rivers a road or path may have to cross.
WATERWAY_VALUES: tuple[str, ...] = ("river", "stream", "canal")

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

Tags: TypeAlias = "Mapping[str, bool | str | Sequence[str]]"
_Query: TypeAlias = "dict[str, Literal[True] | list[str]]"


# --------------------------------------------------------------------------- #
# tag queries
# --------------------------------------------------------------------------- #


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

    for obj in osm_objects(path, area_keys=list(query)):
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
    file = check_osm_file(path)
    query = _check_tags(tags)
    area = None if polygon is None else as_polygon(polygon)
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
    file = check_osm_file(path)
    counts: Counter[str] = Counter()
    for obj in osm_objects(file, osmium.osm.WAY):
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
    area = as_polygon(polygon)
    query = _check_tags(tags)
    url = settings.overpass_url
    with overpass_requests():
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
    return _features_online(bbox_polygon(bbox), tags)


def features_from_place(query: str | Mapping[str, str], tags: Tags) -> gpd.GeoDataFrame:
    """Features of a named place (geocoded by Nominatim), from the Overpass API.

    Parameters
    ----------
    query : str or dict
        As in :func:`connectivity.sources.osm.graph_from_place`.
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
    return _features_online(polygon_from_place(query), tags)


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
    return waterways_from_polygon(bbox_polygon(bbox), values=values)


def waterways_from_place(
    query: str | Mapping[str, str], *, values: Sequence[str] = WATERWAY_VALUES
) -> gpd.GeoDataFrame:
    """Rivers, streams and canals of a named place, from the Overpass API.

    Parameters
    ----------
    query : str or dict
        As in :func:`connectivity.sources.osm.graph_from_place`.
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
    return waterways_from_polygon(polygon_from_place(query), values=values)
