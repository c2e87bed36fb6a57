"""Run a region's stages in order, up to the one asked for.

Every ``connectivity`` subcommand that computes something (``network``,
``access``, ``rank``, ``maps``, ``run``) is :func:`run_stages` stopped at a
different stage; the ``run_*`` functions are the same, named for use from
Python.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Literal

import pandas as pd
from tqdm.auto import tqdm

from connectivity._logging import progress_enabled
from connectivity.network import RoadNetwork
from connectivity.pipeline.stages import (
    RegionRun,
    access_stage,
    maps_stage,
    prepare_region,
    rank_stage,
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

Stage = Literal["network", "access", "ranking", "maps"]
#: The stages of a run, in order; each needs the ones before it.
STAGES: tuple[Stage, ...] = ("network", "access", "ranking", "maps")


def run_stages(region: str | Path, *, until: Stage = "maps", lang: str | None = None) -> RegionRun:
    """Run a region's stages in order, from its inputs up to ``until``.

    Parameters
    ----------
    region : str or Path
        Region name (a TOML in ``data/regions/``) or path to a region TOML.
    until : {"network", "access", "ranking", "maps"}
        The last stage to run (default: all of them).
    lang : {"es", "en"}, optional
        Label language of the maps (default: the region's).

    Returns
    -------
    RegionRun
        What the stages computed; each stage has written its outputs.

    Raises
    ------
    ValueError
        ``until`` is not one of :data:`STAGES`.
    """
    if until not in STAGES:
        raise ValueError(f"unknown stage {until!r}: expected one of {', '.join(STAGES)}")
    stages = STAGES[: STAGES.index(until) + 1]
    with tqdm(total=len(stages), desc="pipeline", disable=not progress_enabled()) as bar:
        bar.set_postfix_str("network")
        run = prepare_region(region)
        bar.update()
        for stage in stages[1:]:
            bar.set_postfix_str(stage)
            if stage == "access":
                access_stage(run)
            elif stage == "ranking":
                rank_stage(run)
            else:
                maps_stage(run, lang=lang)
            bar.update()
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


def run_all(region: str | Path, *, lang: str | None = None) -> RegionRun:
    """Run every stage for a region: network, access, ranking, maps.

    Parameters
    ----------
    region : str or Path
        Region name or TOML path.
    lang : {"es", "en"}, optional
        Label language of the maps (default: the region's).

    Returns
    -------
    RegionRun
    """
    return run_stages(region, until="maps", lang=lang)
