"""The pipeline for one region: config → sources → network → access → works → ranking → maps.

Modules:

* :mod:`connectivity.pipeline.inputs` — read and validate every input a region
  config names (:func:`load_inputs`), say where the data come from
  (:func:`data_source_statement`) and build the routable network
  (:func:`build_region_network`);
* :mod:`connectivity.pipeline.stages` — the stages of a run
  (:func:`prepare_region`, :func:`access_stage`, :func:`rank_stage`,
  :func:`maps_stage`), each adding to a :class:`RegionRun` and writing its
  outputs under ``outputs/<region>/`` and ``maps/<region>/``;
* :mod:`connectivity.pipeline.run` — :func:`run_stages` runs them in order up
  to a given stage; ``run_network``, ``run_access``, ``run_rank``,
  ``run_maps`` and ``run_all`` are the CLI subcommands as functions.

Examples
--------
The whole run on the synthetic sample region (generated on first use)::

    from connectivity import pipeline
    run = pipeline.run_all("sample")
    run.ranking.portfolio  # the programme under the budget
"""

from __future__ import annotations

from connectivity.pipeline.inputs import (
    OSM_ATTRIBUTION,
    REGION_MARGIN_DEG,
    RegionInputs,
    build_region_network,
    data_source_statement,
    load_inputs,
    region_speed_tables,
)
from connectivity.pipeline.run import (
    STAGES,
    Stage,
    run_access,
    run_all,
    run_maps,
    run_network,
    run_rank,
    run_stages,
)
from connectivity.pipeline.stages import (
    ROAD_COLUMNS,
    RegionRun,
    access_stage,
    maps_stage,
    prepare_region,
    rank_stage,
)

__all__ = [
    "OSM_ATTRIBUTION",
    "REGION_MARGIN_DEG",
    "ROAD_COLUMNS",
    "STAGES",
    "RegionInputs",
    "RegionRun",
    "Stage",
    "access_stage",
    "build_region_network",
    "data_source_statement",
    "load_inputs",
    "maps_stage",
    "prepare_region",
    "rank_stage",
    "region_speed_tables",
    "run_access",
    "run_all",
    "run_maps",
    "run_network",
    "run_rank",
    "run_stages",
]
