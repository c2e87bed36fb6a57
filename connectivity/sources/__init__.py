"""Sources: every input of a region as a graph or a GeoDataFrame with documented columns.

Modules (import the one you need; this package imports none of them):

* :mod:`connectivity.sources.osm` — OpenStreetMap roads (osmnx graph), waterways
  and facilities, from a local ``.osm``/``.osm.pbf`` file or online (place name,
  polygon, bbox) through the Overpass API;
* :mod:`connectivity.sources.population` — communities with population, from
  points (CSV, GeoJSON, GeoPackage) or a population raster;
* :mod:`connectivity.sources.facilities` — markets and schools, from OSM tags or
  from files;
* :mod:`connectivity.sources.elevation` — a DEM, read from a GeoTIFF or
  interpolated from contour lines.

Point loaders never drop a row silently: the rows they could not use are
logged and kept, by reason, in ``gdf.attrs["load_report"]``
(:func:`connectivity.sources.population.load_report` makes it a table).
"""

from __future__ import annotations
