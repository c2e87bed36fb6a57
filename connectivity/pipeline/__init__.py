"""The pipeline for one region: config → sources → network → access → works → ranking → maps.

Modules:

* :mod:`connectivity.pipeline.inputs` — read and validate every input a region
  config names (:func:`load_inputs`), say where the data come from
  (:func:`data_source_statement`) and build the routable network
  (:func:`build_region_network`);
* :mod:`connectivity.pipeline.stages` — the stages of a run
  (:func:`prepare_region`, :func:`network_stage`, :func:`access_stage`,
  :func:`rank_stage`, :func:`maps_stage`), each adding to a
  :class:`RegionRun` and writing its outputs into the run's folders;
* :mod:`connectivity.pipeline.output_set` — a run is all or nothing
  (:class:`OutputSet`): outputs are written into hidden staging folders and
  replace ``outputs/<region>/`` and ``maps/<region>/`` together at the end;
  leftovers of killed runs are removed at the next start;
* :mod:`connectivity.pipeline.manifest` — the ``run.json`` of every published
  folder (:func:`run_manifest`): run id, times by stage, config and input
  files with their SHA-256, package version;
* :mod:`connectivity.pipeline.run` — :func:`run_stages` checks the inputs,
  runs the stages in order up to a given stage and publishes the outputs;
  ``run_network``, ``run_access``, ``run_rank``, ``run_maps`` and ``run_all``
  are the CLI subcommands as functions.

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
from connectivity.pipeline.manifest import run_manifest
from connectivity.pipeline.output_set import MANIFEST_NAME, OutputSet, new_run_id, read_run_id
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
    deliverables_stage,
    maps_stage,
    network_stage,
    prepare_region,
    rank_stage,
)

__all__ = [
    "MANIFEST_NAME",
    "OSM_ATTRIBUTION",
    "REGION_MARGIN_DEG",
    "ROAD_COLUMNS",
    "STAGES",
    "OutputSet",
    "RegionInputs",
    "RegionRun",
    "Stage",
    "access_stage",
    "build_region_network",
    "data_source_statement",
    "deliverables_stage",
    "load_inputs",
    "maps_stage",
    "network_stage",
    "new_run_id",
    "prepare_region",
    "rank_stage",
    "read_run_id",
    "region_speed_tables",
    "run_access",
    "run_all",
    "run_manifest",
    "run_maps",
    "run_network",
    "run_rank",
    "run_stages",
]
