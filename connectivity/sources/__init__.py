"""Sources: every input of a region as a graph or a GeoDataFrame with documented columns.

Modules (import the one you need; this package imports none of them):

* :mod:`connectivity.sources.osm` — OpenStreetMap, from a local
  ``.osm``/``.osm.pbf`` file or online (place name, polygon, bbox) through the
  Overpass API; its public names are re-exported by the package:

  * :mod:`~connectivity.sources.osm.roads` — the road graph (osmnx), with
    its highway filter, clipping and simplification;
  * :mod:`~connectivity.sources.osm.features` — features (markets, schools,
    places, buildings) and waterways as GeoDataFrames;
  * ``osm._input`` — OSM file checks and reading, areas (polygon, bbox,
    place name);

* :mod:`connectivity.sources.population` — communities with population;
  its public names are re-exported by the package:

  * :mod:`~connectivity.sources.population.points` — from points (CSV,
    GeoJSON, GeoPackage), and the load report as a table;
  * :mod:`~connectivity.sources.population.raster` — from a population
    raster, local or remote (read by windows);
  * :mod:`~connectivity.sources.population.osm_places` — from OSM places,
    with population tagged or estimated from building counts;

* :mod:`connectivity.sources.facilities` — markets and schools, from OSM tags or
  from files;
* :mod:`connectivity.sources.elevation` — a DEM, read from a GeoTIFF or
  interpolated from contour lines, opened with clear errors and checked to
  cover the region;
* ``_points`` — reading and checking point tables (columns, coordinates,
  dropped rows by reason), shared by ``population`` and ``facilities``.

Point loaders never drop a row silently: the rows they could not use are
logged and kept, by reason, in ``gdf.attrs["load_report"]``
(:func:`connectivity.sources.population.load_report` makes it a table).
"""

from __future__ import annotations

__all__: list[str] = []
