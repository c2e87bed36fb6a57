"""connectivity: plan rural road investment by the access it gives.

Travel times from farming communities to markets, schools and health posts over a road
network built from OpenStreetMap, and the road works (surface upgrades, new
links, bridges, proposals) that improve them most per sol spent.

One package or module per stage, in pipeline order (each imports only the
stages before it):

* :mod:`connectivity.config` — the region TOML, validated (with
  :mod:`connectivity.settings` for folders and defaults, and
  :mod:`connectivity.errors` for the exceptions every stage raises);
* :mod:`connectivity.sources` — roads, population, markets, schools, health
  facilities and elevation, from OpenStreetMap, files or rasters;
* :mod:`connectivity.network` — the routable network: speeds by road class,
  season and slope, communities joined to the nearest edge;
* :mod:`connectivity.routing` — fast travel times on arrays (nearest facility,
  OD matrices, isochrones, routes): the API other tools import;
* :mod:`connectivity.access` — minutes from each community to its nearest
  market, school, health facility (any destination kind), and the region's summaries;
* :mod:`connectivity.works` — candidate road works (upgrades, new links,
  bridges, proposals) and their costs, as changes to the network;
* :mod:`connectivity.ranking` — the access each work gives, exactly and fast,
  its score, and the programme under the budget;
* :mod:`connectivity.robustness` — how sure each choice is: Monte Carlo over
  the uncertain inputs (their spreads: :mod:`connectivity.uncertainty`), the
  budget curve and switching values, on ``dask.distributed``;
* :mod:`connectivity.maps` — interactive HTML maps and a printable overview;
  :mod:`connectivity.tables` writes every CSV and GeoPackage;
* :mod:`connectivity.deliverables` — the workbook, the one-page work sheets and
  the tables for Invierte.pe, in the region's language (:mod:`connectivity.i18n`
  formats numbers and money for people);
* :mod:`connectivity.pipeline` chains the stages for a region and
  :mod:`connectivity.cli` is the command line.

:mod:`connectivity.sample` generates the synthetic sample region (invented
data) that the demo, the tests and the benchmarks run on.
"""

from __future__ import annotations

import logging

__version__ = "0.1.0"

logging.getLogger(__name__).addHandler(logging.NullHandler())

__all__ = ["__version__"]
