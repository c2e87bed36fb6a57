"""Every candidate work of a region: generated ones and proposals.

:func:`generate_candidates` runs the generators of
:mod:`connectivity.works.new_links`, :mod:`connectivity.works.proposals`,
:mod:`connectivity.works.upgrades` and :mod:`connectivity.works.bridges` and
joins their work sets (upgrades, new links, bridges, then proposals).

Ordering and splits
-------------------
Upgrades, bridges and upgrade/bridge proposals *replace* existing edges; new
links (generated or proposed) *add* edges and may split road edges first. A
split removes the edge it splits, so :func:`generate_candidates` runs the
splitting steps first (new links, then proposals) and the replacing steps on
the network they return (upgrades, bridges); call the functions in that order
when using them one by one.
"""

from __future__ import annotations

import contextlib
import gc
import logging
from collections.abc import Iterable, Iterator
from pathlib import Path

import geopandas as gpd
import pandas as pd

from connectivity.config import CostsSection
from connectivity.errors import ConfigError
from connectivity.network import RoadNetwork, SpeedTables
from connectivity.sources.elevation import _sharing_dem_bands
from connectivity.works.bridges import bridge_candidates
from connectivity.works.changes import _empty_workset, _sharing_checks
from connectivity.works.costs import _sharing_terrain, cost_table
from connectivity.works.new_links import new_link_candidates
from connectivity.works.proposals import _PROPOSAL_TYPES, proposals_from_file
from connectivity.works.roads import _sharing_road_numbers
from connectivity.works.upgrades import upgrade_candidates
from connectivity.works.workset import WorkSet

__all__ = ["generate_candidates"]

log = logging.getLogger(__name__)


@contextlib.contextmanager
def _collecting_later() -> Iterator[None]:
    """Pause Python's cyclic garbage collector in the block (it runs again after it).

    Generating works makes millions of small objects (coordinates as lists,
    rows, strings) and almost no reference cycles; the collector would walk
    every live object again and again as they are made (a quarter of the time
    of turning road coordinates into lists). Memory freed by reference counting
    is freed as usual.
    """
    if not gc.isenabled():
        yield
        return
    gc.disable()
    try:
        yield
    finally:
        gc.enable()


def generate_candidates(
    network: RoadNetwork,
    *,
    kinds: Iterable[str] = ("upgrade", "new_link", "bridge"),
    dem_path: Path | None = None,
    waterways: gpd.GeoDataFrame | None = None,
    proposals: str | Path | None = None,
    proposals_frame: gpd.GeoDataFrame | None = None,
    costs: CostsSection | None = None,
    max_new_link_m: float = 5000.0,
    max_slope_pct: float = 12.0,
    tables: SpeedTables | None = None,
    estimate_missing_cost: bool = False,
) -> tuple[RoadNetwork, WorkSet, pd.DataFrame]:
    """Every candidate work of a region: generated ones and proposals.

    Runs :func:`new_link_candidates`, :func:`proposals_from_file`,
    :func:`upgrade_candidates` and :func:`bridge_candidates` in that order
    (edge splits first), passing the network along.

    Parameters
    ----------
    network : RoadNetwork
    kinds : iterable of str
        Work types to generate (``upgrade``, ``new_link``, ``bridge``).
    dem_path : Path, optional
        DEM (the one the network was built with); new links need one and are
        skipped without it.
    waterways : geopandas.GeoDataFrame, optional
        Waterways for bridge spans and names.
    proposals : str or Path, optional
        A proposals file (see :func:`proposals_from_file`).
    proposals_frame : geopandas.GeoDataFrame, optional
        That file as already read by :func:`read_proposals` (not read again).
    costs : CostsSection, optional
        Cost overrides.
    max_new_link_m, max_slope_pct : float
        Limits of new roads.
    tables : SpeedTables, optional
        The speed tables the network was built with.
    estimate_missing_cost : bool
        For proposals: estimate a missing cost instead of rejecting.

    Returns
    -------
    network : RoadNetwork
        The network every work is measured against (with edges split).
    works : WorkSet
        Upgrades, new links, bridges, then proposals.
    rejected : pandas.DataFrame
        Rejected proposals (``proposal_id``, ``reason``).

    Raises
    ------
    ConfigError
        Unknown work kind or cost key.
    """
    wanted = list(kinds)
    unknown = sorted(set(wanted) - set(_PROPOSAL_TYPES))
    if unknown:
        raise ConfigError(
            f"unknown work type(s) to generate: {unknown}; known: {', '.join(_PROPOSAL_TYPES)}"
        )
    table = cost_table(costs)
    parts: dict[str, WorkSet] = {}
    rejected = pd.DataFrame({"proposal_id": pd.Series(dtype=str), "reason": pd.Series(dtype=str)})
    # the DEM is read, and the roads of each network numbered, once for every kind of work
    # (and each edge is checked against the speed tables once); the cyclic garbage
    # collector waits till the end (see _collecting_later)
    with (
        _collecting_later(),
        _sharing_dem_bands(),
        _sharing_terrain(),
        _sharing_road_numbers(),
        _sharing_checks(),
    ):
        if "new_link" in wanted:
            if dem_path is None:
                log.warning("new links need a DEM to route over the terrain: none given, skipped")
            else:
                network, parts["new_link"] = new_link_candidates(
                    network,
                    dem_path=dem_path,
                    max_new_link_m=max_new_link_m,
                    max_slope_pct=max_slope_pct,
                    costs=costs,
                    tables=tables,
                )
        if proposals is not None:
            network, parts["proposal"], rejected = proposals_from_file(
                proposals,
                network,
                frame=proposals_frame,
                costs=costs,
                dem_path=dem_path,
                waterways=waterways,
                tables=tables,
                estimate_missing_cost=estimate_missing_cost,
            )
        if "upgrade" in wanted:
            network, parts["upgrade"] = upgrade_candidates(
                network, costs=costs, dem_path=dem_path, tables=tables
            )
        if "bridge" in wanted:
            network, parts["bridge"] = bridge_candidates(
                network, waterways=waterways, costs=costs, tables=tables
            )
    ordered = [parts[k] for k in ("upgrade", "new_link", "bridge", "proposal") if k in parts]
    filled = [p for p in ordered if len(p)]
    works = WorkSet.concat(filled) if filled else _empty_workset(network.crs, table)
    log.info(
        "candidates: %s; %d proposals rejected",
        ", ".join(f"{len(parts[k])} {k}" for k in parts) or "none",
        len(rejected),
    )
    return network, works, rejected
