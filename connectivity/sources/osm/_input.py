"""Inputs shared by the OSM road and feature readers: files, areas and place names.

* a local OpenStreetMap file (its name ends in one of
  :data:`OSM_FILE_SUFFIXES`), checked and read with pyosmium, read errors
  becoming a ``DataError`` naming the file;
* an area: a shapely (Multi)Polygon taken as EPSG:4326, a GeoDataFrame or
  GeoSeries with its CRS, a ``(west, south, east, north)`` box, or a place
  name geocoded by Nominatim (through osmnx).

Private to :mod:`connectivity.sources.osm`: its names are used by
:mod:`~connectivity.sources.osm.roads` and
:mod:`~connectivity.sources.osm.features`.
"""

from __future__ import annotations

import math
import os
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any, TypeAlias

import geopandas as gpd
import osmium
import osmnx as ox
import shapely
from osmnx._errors import InsufficientResponseError
from shapely.geometry import MultiPolygon, Polygon

from connectivity._overpass import nominatim_requests
from connectivity.errors import CrsError, DataError, EmptyRegionError, MissingFileError

#: File name endings read as OpenStreetMap data.
OSM_FILE_SUFFIXES: tuple[str, ...] = (".osm", ".osm.pbf", ".pbf", ".osm.bz2", ".osm.gz")

_EPSG_WGS84 = "EPSG:4326"

Area: TypeAlias = "Polygon | MultiPolygon | gpd.GeoDataFrame | gpd.GeoSeries"


def check_osm_file(path: str | os.PathLike[str]) -> Path:
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


def osm_objects(
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


def as_polygon(area: object, *, what: str = "polygon") -> Polygon | MultiPolygon:
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


def bbox_polygon(bbox: Sequence[float]) -> Polygon:
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


def polygon_from_place(query: str | Mapping[str, str]) -> Polygon | MultiPolygon:
    if not query or not isinstance(query, str | Mapping):
        raise DataError(f"place must be a non-empty name or a Nominatim query dict, got {query!r}")
    url = ox.settings.nominatim_url
    with nominatim_requests():
        try:
            found = ox.geocode_to_gdf(query if isinstance(query, str) else dict(query))
        except InsufficientResponseError as err:
            raise DataError(f"place {query!r}: Nominatim ({url}) found no such place") from err
        except TypeError as err:
            raise DataError(
                f"place {query!r}: Nominatim ({url}) has no area (polygon) for it; "
                "pass a polygon or a bbox instead"
            ) from err
    return as_polygon(found, what=f"place {query!r}")
