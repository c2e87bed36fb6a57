"""Run a region's stages in order, up to the one asked for, and publish all or nothing.

Every ``connectivity`` subcommand that computes something (``network``,
``access``, ``rank``, ``maps``, ``run``) is :func:`run_stages` stopped at a
different stage; the ``run_*`` functions are the same, named for use from
Python. A run reads and checks every input before it builds anything, writes
into staging folders, and replaces ``outputs/<region>/`` (and, when it draws
maps, ``maps/<region>/``) only once everything is written, with a
``run.json`` manifest in each (:mod:`connectivity.pipeline.output_set`).
"""

from __future__ import annotations

import contextlib
import logging
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Literal

import pandas as pd
from tqdm.auto import tqdm

from connectivity._logging import progress_enabled
from connectivity._signals import raise_if_stopped
from connectivity.config import load_region_config, with_overrides
from connectivity.network import RoadNetwork
from connectivity.pipeline.inputs import build_region_network, load_inputs
from connectivity.pipeline.manifest import input_files, run_manifest
from connectivity.pipeline.output_set import OutputSet, new_run_id
from connectivity.pipeline.stages import (
    RegionRun,
    RobustnessOptions,
    access_stage,
    deliverables_stage,
    maps_stage,
    network_stage,
    rank_stage,
    robustness_stage,
)

__all__ = [
    "STAGES",
    "Stage",
    "run_access",
    "run_all",
    "run_maps",
    "run_network",
    "run_rank",
    "run_stages",
]

log = logging.getLogger(__name__)

Stage = Literal["network", "access", "ranking", "maps", "deliverables"]
#: The stages of a run, in order; each needs the ones before it.
STAGES: tuple[Stage, ...] = ("network", "access", "ranking", "maps", "deliverables")


class _StageClock:
    """Wall time of each step of a run, for the log and ``run.json``."""

    def __init__(self) -> None:
        self.seconds: dict[str, float] = {}

    @contextlib.contextmanager
    def __call__(self, step: str) -> Iterator[None]:
        start = time.perf_counter()
        yield
        self.seconds[step] = time.perf_counter() - start
        log.debug("%s took %.1f s", step, self.seconds[step])


def run_stages(
    region: str | Path,
    *,
    until: Stage = "maps",
    lang: str | None = None,
    budget: float | None = None,
    robustness: RobustnessOptions | None = None,
) -> RegionRun:
    """Run a region's stages in order, from its inputs up to ``until``, and publish the outputs.

    The config and every input are read and checked first; the outputs are
    written into staging folders and put in place of ``outputs/<region>/``
    (and ``maps/<region>/`` when ``until`` is ``"maps"``) only when every
    stage has finished. An error or an interruption leaves the previously
    published outputs as they were.

    Parameters
    ----------
    region : str or Path
        Region name (a TOML in ``data/regions/``) or path to a region TOML.
    until : {"network", "access", "ranking", "maps", "deliverables"}
        The last stage to run (default ``"maps"``; ``connectivity run`` goes on
        to ``"deliverables"``: the workbook, the work sheets and the
        Invierte.pe table).
    lang : {"es", "en"}, optional
        Language of everything a person reads: maps, explanation, workbook
        (default: the region's ``[region] lang``).
    budget : float, optional
        Money for the programme, in the config's currency (default: the
        region's ``[budget] amount``).
    robustness : RobustnessOptions, optional
        Also run :func:`connectivity.pipeline.stages.robustness_stage` right
        after the ranking (``connectivity robustness``): its tables and plots
        are published with the rest, and the maps and workbook show it.

    Returns
    -------
    RegionRun
        What the stages computed; ``out_dir`` and ``map_paths`` point at the
        published files.

    Raises
    ------
    ValueError
        ``until`` is not one of :data:`STAGES`.
    ConnectivityError
        A bad config or input, or outputs that cannot be written (the message
        names the file, key or folder).
    """
    if until not in STAGES:
        raise ValueError(f"unknown stage {until!r}: expected one of {', '.join(STAGES)}")
    stages = STAGES[: STAGES.index(until) + 1]
    started = datetime.now(UTC)
    cfg = with_overrides(load_region_config(region), lang=lang, budget=budget)
    run_id = new_run_id(started)
    clock = _StageClock()
    with (
        OutputSet(cfg.region.name, run_id=run_id, with_maps="maps" in stages) as out,
        tqdm(total=len(stages) + 1, desc="pipeline", disable=not progress_enabled()) as bar,
    ):
        bar.set_postfix_str("inputs")
        with clock("inputs"):
            inputs = load_inputs(cfg)
        bar.update()
        bar.set_postfix_str("network")
        with clock("network"):
            network = build_region_network(inputs)
            run = RegionRun(
                config=cfg,
                inputs=inputs,
                network=network,
                run_id=run_id,
                tables_dir=out.tables_dir,
                maps_folder=out.maps_dir,
            )
            network_stage(run)
        raise_if_stopped()
        bar.update()
        for stage in stages[1:]:
            bar.set_postfix_str(stage)
            with clock(stage):
                if stage == "access":
                    access_stage(run)
                elif stage == "ranking":
                    rank_stage(run)
                elif stage == "maps":
                    maps_stage(run)
                else:
                    deliverables_stage(run)
            raise_if_stopped()  # a signal whose exception C code swallowed
            bar.update()
            if stage == "ranking" and robustness is not None:
                bar.set_postfix_str("robustness")
                with clock("robustness"):
                    robustness_stage(run, robustness)
                raise_if_stopped()
        language = cfg.region.lang  # of the maps, the explanation and the workbook
        used = {"roads.path": inputs.osm_file, "elevation.dem": inputs.dem_path}
        manifest = run_manifest(
            cfg,
            stages=stages if robustness is None else (*stages, "robustness"),
            started=started,
            seconds_by_stage=clock.seconds,
            inputs=input_files(cfg, used=used),
            data_source=inputs.data_source,
            lang=language,
        )
        out.publish(manifest)
    run.tables_dir, run.maps_folder = out.final_tables, out.final_maps
    run.map_paths = [out.final_maps / p.name for p in run.map_paths]
    log.info(
        "run %s: %s",
        run_id,
        ", ".join(f"{step} {seconds:.1f} s" for step, seconds in clock.seconds.items()),
    )
    return run


def run_network(region: str | Path) -> RoadNetwork:
    """Build a region's network and write its piece report (``network_pieces.csv``).

    Parameters
    ----------
    region : str or Path
        Region name or TOML path.

    Returns
    -------
    RoadNetwork
    """
    return run_stages(region, until="network").network


def run_access(region: str | Path) -> pd.DataFrame:
    """Compute and write a region's access tables (see :func:`access_stage`).

    Parameters
    ----------
    region : str or Path
        Region name or TOML path.

    Returns
    -------
    pandas.DataFrame
        The region and district summary.
    """
    summary = run_stages(region, until="access").summary
    assert summary is not None  # set by access_stage
    return summary


def run_rank(region: str | Path) -> RegionRun:
    """Rank a region's candidate works and choose its programme (see :func:`rank_stage`).

    Parameters
    ----------
    region : str or Path
        Region name or TOML path.

    Returns
    -------
    RegionRun
    """
    return run_stages(region, until="ranking")


def run_maps(region: str | Path, *, lang: str | None = None) -> list[Path]:
    """Compute everything the maps show and write them (see :func:`maps_stage`).

    Parameters
    ----------
    region : str or Path
        Region name or TOML path.
    lang : {"es", "en"}, optional
        Label language (default: the region's).

    Returns
    -------
    list of Path
    """
    return run_stages(region, until="maps", lang=lang).map_paths


def run_all(
    region: str | Path, *, lang: str | None = None, budget: float | None = None
) -> RegionRun:
    """Run the whole pipeline for a region (``connectivity run``).

    Parameters
    ----------
    region : str or Path
        Region name or TOML path.
    lang : {"es", "en"}, optional
        Language of everything a person reads (default: the region's).
    budget : float, optional
        Money for the programme (default: the region's ``[budget] amount``).

    Returns
    -------
    RegionRun
    """
    return run_stages(region, until="deliverables", lang=lang, budget=budget)
