"""Seeded synthetic sample region: an invented Andean province in real file formats.

The project's offline default. :func:`generate_sample_region` writes a
realistic but **invented** province in the Andes of southern Peru (centred
near lon -74.2, lat -13.9; rasters in UTM 18S, ``EPSG:32718``), labelled
"synthetic sample region" in every file. It describes no real place. The same
``seed`` and ``size`` give byte-identical files; another seed gives another
province. :func:`sample_road_network` returns the same road network as node
and edge GeoDataFrames without writing XML, for benchmarks at 10⁵-10⁶+ nodes.

The modules, in the order the province is made (all from
``numpy.random.default_rng``, no global RNG):

* :mod:`connectivity.sample.params` — labels, CRS, cell sizes, size limits,
  road classes with their node spacing and crossing odds, random streams;
* :mod:`connectivity.sample.geometry` — array and polyline helpers (ranges,
  Catmull-Rom curves, polylines over a vertex table, LineStrings, lon/lat);
* :mod:`connectivity.sample.names` — invented Spanish/Quechua-like names;
* :mod:`connectivity.sample.drainage` — the valley cells and the river tree
  (a minimum spanning tree of a random height field), the fine geometry of
  the valleys, and the river and stream lines;
* :mod:`connectivity.sample.settlements` — towns, villages and hamlets
  (populations, districts, poverty rate, off-network hamlets), the road class
  each valley needs, and the population raster;
* :mod:`connectivity.sample.roads` — the road lines: valley roads, spurs,
  town streets, trunk ends and passes over ridges;
* :mod:`connectivity.sample.ways` — river crossings (bridge, ford, none),
  junctions where roads cross, OSM ways and their tags;
* :mod:`connectivity.sample.model` — every step but the files, in order: the
  province in memory;
* :mod:`connectivity.sample.terrain` — the DEM (``elevation.tif``);
* :mod:`connectivity.sample.facilities` — markets, schools and health facilities;
* :mod:`connectivity.sample.proposals` — invented road-work proposals;
* :mod:`connectivity.sample.writers` — :class:`SampleRegionFiles` and the
  files (OSM XML, GeoTIFF, CSV, GeoJSON, README, metadata);
* :mod:`connectivity.sample.generate` — the entry points
  :func:`generate_sample_region` and :func:`sample_road_network`, and the
  ``size`` and ``seed`` they take.
* :mod:`connectivity.sample.tiling` — a national-size test input (about
  10⁷ road nodes): shifted copies of a generated region written to an OSM
  PBF, joined at the seams, with its places and region config
  (:func:`connectivity.sample.tiling.build_tiled_region`).
"""

from __future__ import annotations

from connectivity.sample.generate import generate_sample_region, sample_road_network
from connectivity.sample.params import (
    DEM_CELL_M,
    GENERATOR_VERSION,
    MAX_FILE_SIZE,
    MAX_NETWORK_SIZE,
    NOT_REAL_DATA,
    POPULATION_CELL_M,
    SAMPLE_CRS,
    SAMPLE_LABEL,
)
from connectivity.sample.writers import SampleRegionFiles

__all__ = [
    "DEM_CELL_M",
    "GENERATOR_VERSION",
    "MAX_FILE_SIZE",
    "MAX_NETWORK_SIZE",
    "NOT_REAL_DATA",
    "POPULATION_CELL_M",
    "SAMPLE_CRS",
    "SAMPLE_LABEL",
    "SampleRegionFiles",
    "generate_sample_region",
    "sample_road_network",
]
