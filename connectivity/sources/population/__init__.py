"""Communities and their population: from points, from a population raster, or from OSM places.

Every function returns a GeoDataFrame of points in EPSG:4326 with at least
these columns, one row per community:

``community_id`` (str, unique)
    The id from the file, ``R<row>C<col>-<k>`` for raster clusters, or
    ``node/<id>``/``way/<id>``/``relation/<id>`` for OSM places.
``name`` (str or None)
``population`` (float, > 0)
``district`` (str or None)
``population_source`` (str)
    Where the number comes from: a code of :data:`POPULATION_SOURCES`
    (``file``, ``raster``, ``osm_tag``, ``estimate_from_buildings``,
    ``place_type_minimum``; the pipeline writes ``synthetic`` for the sample
    region); :data:`ESTIMATED_POPULATION_SOURCES` are estimates, not counts.
``geometry`` (Point)

Sources
-------
One module each; their public names are re-exported here, so
``population.communities_from_points`` and
``from connectivity.sources.population import ...`` work:

* :mod:`~connectivity.sources.population.points` —
  :func:`communities_from_points`, a CSV (WGS84 longitude/latitude columns),
  GeoJSON or GeoPackage, e.g. the INEI *centros poblados*; and
  :func:`load_report`;
* :mod:`~connectivity.sources.population.raster` —
  :func:`communities_from_raster`, a population GeoTIFF (people per cell,
  WorldPop-style), local or remote (read by windows over HTTP, never
  downloaded whole), turned into community points by the method described
  there;
* :mod:`~connectivity.sources.population.osm_places` —
  :func:`communities_from_osm_places`, OSM ``place`` nodes and areas, with
  the ``population`` tag when present, otherwise an estimate from the
  buildings around them (labelled as such in ``population_source``);
* :mod:`~connectivity.sources.population.provenance` — the
  ``population_source`` codes and which of them are estimates
  (:func:`population_is_estimated`).

Load report
-----------
Rows that cannot be used are dropped, never silently: each loader logs one
warning with the count per reason, and stores the same in
``gdf.attrs["load_report"]``, a list of ``{"reason", "count", "population"}``
dicts (``population``: people in the dropped rows where known, else ``None``).
:func:`load_report` turns it into a DataFrame. The reasons are the constants
``MISSING_ID``, ``MISSING_COORDINATES``, … of this package, checked in that
order (a row is counted under its first failing reason); rows with a
duplicated id are only looked for among otherwise usable rows, and the first
one is kept. Point tables are read and checked by
:mod:`connectivity.sources._points`, shared with
:mod:`connectivity.sources.facilities`.

Bad input raises an error from :mod:`connectivity.errors` naming the file and
the problem: a missing file (``MissingFileError``), a configured column that
the file lacks (``DataError`` listing the columns it has), longitude and
latitude that look swapped (``DataError``), a layer without CRS
(``CrsError``), nothing left inside the region (``EmptyRegionError``), a
raster that does not overlap the region (``EmptyRegionError``).
"""

from __future__ import annotations

from connectivity.sources._points import (
    COORDINATES_AT_ZERO,
    COORDINATES_NOT_NUMERIC,
    COORDINATES_OUT_OF_RANGE,
    DUPLICATED_ID,
    MISSING_COORDINATES,
    MISSING_ID,
    MISSING_POPULATION,
    NEGATIVE_POPULATION,
    OUTSIDE_REGION,
    PERU_BBOX,
    POPULATION_NOT_NUMERIC,
    ZERO_POPULATION,
)
from connectivity.sources.population.osm_places import (
    BUILDING_RADIUS_M,
    PERSONS_PER_BUILDING,
    PLACE_MIN_POPULATION,
    communities_from_osm_places,
)
from connectivity.sources.population.points import communities_from_points, load_report
from connectivity.sources.population.provenance import (
    ESTIMATED_POPULATION_SOURCES,
    POPULATION_SOURCES,
    population_is_estimated,
)
from connectivity.sources.population.raster import communities_from_raster

__all__ = [
    "BUILDING_RADIUS_M",
    "COORDINATES_AT_ZERO",
    "COORDINATES_NOT_NUMERIC",
    "COORDINATES_OUT_OF_RANGE",
    "DUPLICATED_ID",
    "ESTIMATED_POPULATION_SOURCES",
    "MISSING_COORDINATES",
    "MISSING_ID",
    "MISSING_POPULATION",
    "NEGATIVE_POPULATION",
    "OUTSIDE_REGION",
    "PERSONS_PER_BUILDING",
    "PERU_BBOX",
    "PLACE_MIN_POPULATION",
    "POPULATION_NOT_NUMERIC",
    "POPULATION_SOURCES",
    "ZERO_POPULATION",
    "communities_from_osm_places",
    "communities_from_points",
    "communities_from_raster",
    "load_report",
    "population_is_estimated",
]
