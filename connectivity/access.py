"""Accessibility measures: minutes from each community to markets and schools.

Turns the travel times of :mod:`connectivity.routing` into the figures planners
report, per community and summarised by region and district.

Per community (columns of :func:`community_access`), for each facility kind
``market`` / ``school``:

* ``{kind}_dry_min``, ``{kind}_wet_min`` — minutes to the nearest one over the
  whole network (drive where a vehicle passes, walk elsewhere), dry and wet
  season; ``{kind}_dry_id`` / ``{kind}_wet_id`` — which one;
* ``{kind}_walk_dry_min``, ``{kind}_walk_wet_min`` — walking only, with
  ``{kind}_walk_{season}_id`` and ``{kind}_walk_{season}_within_{T}min``;
* ``{kind}_dry_within_{T}min`` / ``{kind}_wet_within_{T}min`` for each threshold;
* ``{kind}_cut_off_wet`` — reachable in the dry season, not in the wet one.

Also ``all_season_road_m`` (straight-line distance to the nearest all-season
road, for the Rural Access Index), ``far_from_road``, ``connector_m`` and
``component``. Unreachable is ``inf`` minutes with an empty facility id,
never 0.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from tqdm.auto import tqdm

from connectivity import routing
from connectivity._logging import progress_enabled
from connectivity.errors import DataError
from connectivity.network import RoadNetwork

__all__ = [
    "FACILITY_KINDS",
    "MODES",
    "SEASONS",
    "access_summary",
    "community_access",
    "weighted_median",
]

log = logging.getLogger(__name__)

FACILITY_KINDS = ("market", "school")
SEASONS = ("dry", "wet")
#: Travel modes and the edge weight each uses in each season.
MODES: dict[str, dict[str, str]] = {
    "": {"dry": "travel_time_s", "wet": "travel_time_wet_s"},
    "walk_": {"dry": "walk_time_s", "wet": "walk_time_wet_s"},
}
RAI_DISTANCE_M = 2000.0


def community_access(
    network: RoadNetwork,
    *,
    thresholds_min: Sequence[int] = (30, 60, 120),
    graph: routing.RoutingGraph | None = None,
    rai_distance_m: float = RAI_DISTANCE_M,
) -> gpd.GeoDataFrame:
    """Minutes from every community to its nearest market and school.

    Parameters
    ----------
    network : RoadNetwork
        Network with communities, markets and schools attached (see
        :func:`connectivity.network.build_network`).
    thresholds_min : sequence of int
        Thresholds (minutes) for the ``within`` flags.
    graph : routing.RoutingGraph, optional
        A routing graph already built from ``network`` (built here if absent).
    rai_distance_m : float
        Distance to an all-season road that counts as access for the Rural
        Access Index (2 km in its World Bank definition; the region config's
        ``access.all_season_buffer_m``).

    Returns
    -------
    geopandas.GeoDataFrame
        The communities (projected) with the columns listed in the module
        docstring, in input order.

    Raises
    ------
    DataError
        If there are no markets or no schools to travel to.
    """
    for kind in FACILITY_KINDS:
        if getattr(network, f"{kind}s").empty:
            raise DataError(f"no {kind}s in the region: cannot compute travel times to them")
    weights = sorted({w for mode in MODES.values() for w in mode.values()})
    if graph is None:
        graph = routing.routing_graph_from_gdfs(network.nodes, network.edges, weights=weights)
    out = network.communities.copy()
    origins = out["node_id"]
    jobs = [(k, m, s) for k in FACILITY_KINDS for m in MODES for s in SEASONS]
    for kind, mode, season in tqdm(jobs, desc="travel times", disable=not progress_enabled()):
        layer = getattr(network, f"{kind}s")
        facilities = dict(zip(layer["facility_id"], layer["node_id"], strict=True))
        nearest = routing.nearest_facility(
            graph, origins.to_numpy(), facilities, weight=MODES[mode][season]
        )
        minutes = nearest["time_s"].to_numpy(dtype=float) / 60.0
        out[f"{kind}_{mode}{season}_min"] = minutes
        out[f"{kind}_{mode}{season}_id"] = nearest["facility"].to_numpy()
        for t in thresholds_min:
            out[f"{kind}_{mode}{season}_within_{t}min"] = minutes <= t
    for kind in FACILITY_KINDS:
        dry, wet = out[f"{kind}_dry_min"], out[f"{kind}_wet_min"]
        out[f"{kind}_cut_off_wet"] = np.isfinite(dry) & ~np.isfinite(wet)
    out["all_season_road_m"] = _distance_to_all_season_road(network, out)
    out["near_all_season_road"] = out["all_season_road_m"] <= rai_distance_m
    log.info(
        "access computed for %d communities (%d cut off from every market in the wet season)",
        len(out),
        int(out["market_cut_off_wet"].sum()),
    )
    return out


def _distance_to_all_season_road(network: RoadNetwork, communities: gpd.GeoDataFrame) -> np.ndarray:
    roads = network.edges.loc[network.edges["all_season"], "geometry"].to_numpy()
    if len(roads) == 0:
        return np.full(len(communities), np.inf)
    tree = shapely.STRtree(roads)
    pts = communities.geometry.to_numpy()
    idx, dist = tree.query_nearest(pts, return_distance=True, all_matches=False)
    out = np.full(len(pts), np.inf)
    out[idx[0]] = dist
    return out


def weighted_median(values: np.ndarray, weights: np.ndarray) -> float:
    """Population-weighted median (lower median; ``inf`` values count as the largest).

    Parameters
    ----------
    values, weights : numpy.ndarray
        Values and their non-negative weights.

    Returns
    -------
    float
        NaN when the weights sum to zero.

    Examples
    --------
    >>> import numpy as np
    >>> weighted_median(np.array([10.0, 20.0, 90.0]), np.array([1.0, 1.0, 5.0]))
    90.0
    >>> weighted_median(np.array([10.0, 20.0]), np.array([3.0, 1.0]))
    10.0
    """
    w = np.asarray(weights, dtype=float)
    if w.sum() <= 0:
        return float("nan")
    order = np.argsort(values, kind="stable")
    cum = np.cumsum(w[order])
    return float(np.asarray(values)[order][np.searchsorted(cum, cum[-1] / 2.0)])


def _summarise(group: pd.DataFrame, thresholds_min: Sequence[int]) -> dict[str, float | int]:
    pop = group["population"].to_numpy(dtype=float)
    row: dict[str, float] = {
        "communities": len(group),
        "population": float(pop.sum()),
    }
    for kind in FACILITY_KINDS:
        for season in SEASONS:
            walk = group[f"{kind}_walk_{season}_min"].to_numpy(dtype=float)
            walk_ok = np.isfinite(walk)
            row[f"{kind}_walk_{season}_mean_min"] = (
                float(np.average(walk[walk_ok], weights=pop[walk_ok]))
                if pop[walk_ok].sum() > 0
                else float("nan")
            )
            minutes = group[f"{kind}_{season}_min"].to_numpy(dtype=float)
            ok = np.isfinite(minutes)
            w = pop[ok]
            row[f"{kind}_{season}_mean_min"] = (
                float(np.average(minutes[ok], weights=w)) if w.sum() > 0 else float("nan")
            )
            row[f"{kind}_{season}_median_min"] = weighted_median(minutes, pop)
            row[f"{kind}_{season}_unreachable_people"] = float(pop[~ok].sum())
            for t in thresholds_min:
                row[f"{kind}_{season}_people_within_{t}min"] = float(pop[minutes <= t].sum())
        row[f"{kind}_people_cut_off_wet"] = float(pop[group[f"{kind}_cut_off_wet"]].sum())
    total = pop.sum()
    near = pop[group["near_all_season_road"].to_numpy(dtype=bool)].sum()
    row["rural_access_index"] = float(near / total) if total > 0 else float("nan")
    return row


def access_summary(
    access: pd.DataFrame,
    *,
    thresholds_min: Sequence[int] = (30, 60, 120),
    by: str | None = "district",
) -> pd.DataFrame:
    """Summarise community access for the whole region and by district.

    Parameters
    ----------
    access : pandas.DataFrame
        Output of :func:`community_access` (needs ``population``).
    thresholds_min : sequence of int
        The thresholds used in :func:`community_access`.
    by : str or None
        Column to group by (default ``district``; skipped when absent).

    Returns
    -------
    pandas.DataFrame
        One row for the region (``area == "region"``) then one per group:
        communities, population, population-weighted mean and median minutes
        to market and school in each season (means over people who can reach
        one; the unreachable are counted apart; walking only as
        ``{kind}_walk_{season}_mean_min``), people within each threshold,
        people cut off in the wet season, and the Rural Access Index (share
        of people within ``rai_distance_m`` of an all-season road, column
        ``near_all_season_road`` of :func:`community_access`).
    """
    rows = [{"area": "region", **_summarise(access, thresholds_min)}]
    if by is not None and by in access.columns and access[by].notna().any():
        for name, group in access.groupby(by, sort=True, dropna=False):
            rows.append({"area": f"{by}:{name}", **_summarise(group, thresholds_min)})
    return pd.DataFrame(rows)
