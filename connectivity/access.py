"""Accessibility measures: minutes from each community to markets, schools and health facilities.

Turns the travel times of :mod:`connectivity.routing` into the figures planners
report, per community and summarised by region and district.

Per community (columns of :func:`community_access`), for each destination kind
of the network (``market``, ``school``, ``health`` where the region has health
facilities, and any kind the region names; :attr:`RoadNetwork.kinds`):

* ``{kind}_{season}_min`` for each passability state ``season`` of
  :data:`SEASONS` (``dry``, ``rain``, ``wet``) — minutes to the nearest one
  over the whole network (drive where a vehicle passes, walk elsewhere);
  ``{kind}_{season}_id`` — which one;
* ``{kind}_walk_{season}_min`` — walking only, with
  ``{kind}_walk_{season}_id`` and ``{kind}_walk_{season}_within_{T}min``;
* ``{kind}_{season}_within_{T}min`` for each threshold;
* ``{kind}_cut_off_wet`` — reachable in the dry season, not in the wet one.

Also ``all_season_road_m`` (straight-line distance to the nearest all-season
road, for the Rural Access Index), and from the network ``far_from_road``,
``connector_m``, ``component`` / ``main_piece`` (the community's piece of the
network) and ``{kind}_cut_off_piece`` (no route to any because its small piece
holds none; see :func:`connectivity.network.build_network`), with the
population's ``population_source``. Unreachable is ``inf`` minutes with an
empty facility id, never 0.

Summaries (:func:`access_summary`, :func:`travel_time_stats`) never let a
mean hide the people with no route: each mean and median says in its name
whether they are in it (``_reachable``: left out; ``_unreachable_at_cap``:
counted at ``unreachable_cap_min``), and the share with no route stands
beside it (``_unreachable_share``). :func:`describe_mean_minutes` says the
same in words, for the log and the ranking's explanation.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from tqdm.auto import tqdm

from connectivity import routing
from connectivity._logging import progress_enabled
from connectivity.config import BUILT_IN_KINDS
from connectivity.errors import ConfigError, DataError
from connectivity.network import RoadNetwork, facility_layer_name

__all__ = [
    "FACILITY_KINDS",
    "MODES",
    "SEASONS",
    "SEASON_LABELS",
    "STAT_KEYS",
    "UNREACHABLE_CAP_MIN",
    "access_summary",
    "community_access",
    "describe_mean_minutes",
    "facility_layer_name",
    "kind_noun",
    "kinds_of",
    "kinds_of_summary",
    "season_stats",
    "travel_time_stats",
    "weighted_median",
]

log = logging.getLogger(__name__)

#: The destination kinds the package knows by name; a network has those of its region
#: (:attr:`RoadNetwork.kinds`), and an access table those of its network (:func:`kinds_of`).
FACILITY_KINDS = BUILT_IN_KINDS
#: The passability states of the year (see :data:`connectivity.ranking.SEASONS`): dry; rains
#: with rivers not in flood (fords passable, but those of wide rivers shut); rivers in flood (fords
#: and unbridged crossings shut).
SEASONS = ("dry", "rain", "wet")
#: How each state is named where a person reads it.
SEASON_LABELS: dict[str, str] = {
    "dry": "dry season",
    "rain": "rains (only the fords of wide rivers shut)",
    "wet": "wet season with rivers in flood",
}
#: Travel modes and the edge weight each uses in each season.
MODES: dict[str, dict[str, str]] = {
    "": {"dry": "travel_time_s", "rain": "travel_time_rain_s", "wet": "travel_time_wet_s"},
    "walk_": {"dry": "walk_time_s", "rain": "walk_time_rain_s", "wet": "walk_time_wet_s"},
}
RAI_DISTANCE_M = 2000.0
#: Minutes a person with no route counts in the means and medians that include
#: everyone: the default of the ranking's ``unreachable_cap_min`` (``[ranking]``
#: of the region config), which also counts a community with no route as this far.
UNREACHABLE_CAP_MIN = 480.0
#: The statistics :func:`travel_time_stats` returns (and :func:`access_summary`
#: writes as ``{kind}_{mode}{season}_{key}``), in column order.
STAT_KEYS = (
    "mean_min_reachable",
    "mean_min_unreachable_at_cap",
    "median_min",
    "median_min_reachable",
    "median_min_unreachable_at_cap",
    "unreachable_people",
    "unreachable_share",
)


def community_access(
    network: RoadNetwork,
    *,
    thresholds_min: Sequence[int] = (30, 60, 120),
    graph: routing.RoutingGraph | None = None,
    rai_distance_m: float = RAI_DISTANCE_M,
) -> gpd.GeoDataFrame:
    """Minutes from every community to its nearest facility of each destination kind.

    Parameters
    ----------
    network : RoadNetwork
        Network with communities and destinations attached (see
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
        If a destination kind has no facility to travel to.
    """
    for kind in network.kinds:
        if network.facilities[kind].empty:
            raise DataError(
                f"no {facility_layer_name(kind).replace('_', ' ')} in the region: cannot compute "
                "travel times to them"
            )
    weights = sorted({w for mode in MODES.values() for w in mode.values()})
    if graph is None:
        graph = routing.routing_graph_from_gdfs(network.nodes, network.edges, weights=weights)
    base = network.communities
    origins = base["node_id"].to_numpy()
    columns: dict[str, Any] = {}  # built apart and joined once (hundreds of columns)
    jobs = [(k, m, s) for k in network.kinds for m in MODES for s in SEASONS]
    for kind, mode, season in tqdm(jobs, desc="travel times", disable=not progress_enabled()):
        layer = network.facilities[kind]
        facilities = dict(zip(layer["facility_id"], layer["node_id"], strict=True))
        nearest = routing.nearest_facility(graph, origins, facilities, weight=MODES[mode][season])
        minutes = nearest["time_s"].to_numpy(dtype=float) / 60.0
        columns[f"{kind}_{mode}{season}_min"] = minutes
        columns[f"{kind}_{mode}{season}_id"] = nearest["facility"].to_numpy()
        for t in thresholds_min:
            columns[f"{kind}_{mode}{season}_within_{t}min"] = minutes <= t
    for kind in network.kinds:
        dry, wet = columns[f"{kind}_dry_min"], columns[f"{kind}_wet_min"]
        columns[f"{kind}_cut_off_wet"] = np.isfinite(dry) & ~np.isfinite(wet)
    added = pd.DataFrame(columns, index=base.index)
    out = gpd.GeoDataFrame(
        pd.concat([base.drop(columns=[c for c in columns if c in base.columns]), added], axis=1),
        geometry=base.geometry.name,
        crs=base.crs,
    )
    out["all_season_road_m"] = _distance_to_all_season_road(network, out)
    out["near_all_season_road"] = out["all_season_road_m"] <= rai_distance_m
    log.info(
        "access computed for %d communities; cut off from every one in the wet season: %s",
        len(out),
        ", ".join(
            f"{int(out[f'{k}_cut_off_wet'].sum())} from {facility_layer_name(k).replace('_', ' ')}"
            for k in network.kinds
        ),
    )
    return out


def kind_noun(kind: str) -> str:
    """Name a destination kind in English words, singular (the log and the explanation).

    Examples
    --------
    >>> [kind_noun(k) for k in ("market", "health", "bus_stop")]
    ['market', 'health facility', 'bus stop']
    """
    return {"health": "health facility"}.get(kind, kind.replace("_", " "))


def kinds_of(access: pd.DataFrame) -> tuple[str, ...]:
    """Return the destination kinds of an access table, in order (its ``{kind}_cut_off_wet``).

    Examples
    --------
    >>> import pandas as pd
    >>> kinds_of(pd.DataFrame(columns=["market_cut_off_wet", "health_cut_off_wet", "population"]))
    ('market', 'health')
    """
    suffix = "_cut_off_wet"
    return tuple(str(c)[: -len(suffix)] for c in access.columns if str(c).endswith(suffix))


def kinds_of_summary(row: Mapping[str, Any] | pd.Series) -> tuple[str, ...]:
    """Return the destination kinds of a row of :func:`access_summary`.

    They are read from its ``{kind}_people_cut_off_wet`` keys.


    Examples
    --------
    >>> kinds_of_summary({"market_people_cut_off_wet": 0.0, "health_people_cut_off_wet": 3.0})
    ('market', 'health')
    """
    suffix = "_people_cut_off_wet"
    return tuple(str(c)[: -len(suffix)] for c in row.keys() if str(c).endswith(suffix))  # noqa: SIM118


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


def travel_time_stats(
    minutes: np.ndarray | pd.Series,
    population: np.ndarray | pd.Series,
    *,
    unreachable_cap_min: float = UNREACHABLE_CAP_MIN,
) -> dict[str, float]:
    """Population-weighted mean and median minutes, saying who is in each.

    People with no route (``inf`` minutes) are either left out of a mean or
    median, or counted at ``unreachable_cap_min``; which one is in each key's
    name. People with a route always count their own minutes, even above the
    cap.

    Parameters
    ----------
    minutes : array-like
        Minutes of each community (``inf``: no route).
    population : array-like
        People of each community (the weights).
    unreachable_cap_min : float
        Minutes counted for a person with no route in the ``_at_cap`` figures.

    Returns
    -------
    dict
        Keys :data:`STAT_KEYS`:

        * ``mean_min_reachable``, ``median_min_reachable`` — over the people
          with a route only (NaN when nobody has one);
        * ``mean_min_unreachable_at_cap``, ``median_min_unreachable_at_cap`` —
          over everyone, people with no route at ``unreachable_cap_min``;
        * ``median_min`` — over everyone, no route counting as longer than any
          trip (``inf`` when at least half the people have no route);
        * ``unreachable_people``, ``unreachable_share`` — people with no route,
          and their share of everyone (0–1).

        The figures over everyone are NaN when the population is zero.

    Examples
    --------
    >>> import numpy as np
    >>> stats = travel_time_stats(np.array([10.0, 30.0, np.inf]), np.array([1.0, 1.0, 2.0]))
    >>> stats["mean_min_reachable"], stats["unreachable_share"]
    (20.0, 0.5)
    >>> stats["mean_min_unreachable_at_cap"]  # (10 + 30 + 2 x 480) / 4
    250.0
    """
    t = np.asarray(minutes, dtype=float)
    pop = np.asarray(population, dtype=float)
    ok = np.isfinite(t)
    total, reach = float(pop.sum()), float(pop[ok].sum())
    nan = float("nan")
    at_cap = np.where(ok, t, float(unreachable_cap_min))
    return {
        "mean_min_reachable": float(np.average(t[ok], weights=pop[ok])) if reach > 0 else nan,
        "mean_min_unreachable_at_cap": float(np.average(at_cap, weights=pop)) if total > 0 else nan,
        "median_min": weighted_median(t, pop),
        "median_min_reachable": weighted_median(t[ok], pop[ok]),
        "median_min_unreachable_at_cap": weighted_median(at_cap, pop),
        "unreachable_people": float(pop[~ok].sum()),
        "unreachable_share": float(pop[~ok].sum() / total) if total > 0 else nan,
    }


def season_stats(row: Mapping[str, Any] | pd.Series, prefix: str) -> dict[str, float]:
    """Return the :data:`STAT_KEYS` of one row of :func:`access_summary`, unprefixed.

    Parameters
    ----------
    row : mapping
        A row of :func:`access_summary` (e.g. ``summary.iloc[0]``).
    prefix : str
        ``{kind}_{mode}{season}``, e.g. ``"market_wet"`` or ``"school_walk_dry"``.

    Returns
    -------
    dict
        What :func:`travel_time_stats` returned for that kind, mode and season.
    """
    return {k: float(row[f"{prefix}_{k}"]) for k in STAT_KEYS if f"{prefix}_{k}" in row}


def _pct(share: float) -> str:
    """Write a share as a percentage, never rounding a few people to 0% or all but a few to 100%.

    Examples
    --------
    >>> [_pct(x) for x in (0.0, 0.0004, 0.006, 0.263, 0.9996, 1.0)]
    ['0%', '<0.1%', '0.6%', '26%', '>99.9%', '100%']
    """
    p = 100.0 * share
    if p in (0.0, 100.0):
        return f"{p:.0f}%"
    if p < 0.1:
        return "<0.1%"
    if p > 99.9:
        return ">99.9%"
    return f"{p:.1f}%" if p < 1 or p > 99 else f"{p:.0f}%"


def _people(n: float) -> str:
    return "1 person" if round(n) == 1 else f"{n:,.0f} people"


def describe_mean_minutes(stats: Mapping[str, float], *, unreachable_cap_min: float) -> str:
    """Say the mean minutes of one kind and season in words, with who has no route.

    Parameters
    ----------
    stats : mapping
        Output of :func:`travel_time_stats` (or :func:`season_stats`).
    unreachable_cap_min : float
        The cap used for ``mean_min_unreachable_at_cap``.

    Returns
    -------
    str
        English text (the log and ``ranking_explanation.txt``).

    Examples
    --------
    >>> import numpy as np
    >>> stats = travel_time_stats(np.array([10.0, 30.0, np.inf]), np.array([1.0, 2.0, 1.0]))
    >>> describe_mean_minutes(stats, unreachable_cap_min=480)[:48]
    '23.3 min on average (the 75% who can reach one; '
    >>> describe_mean_minutes(stats, unreachable_cap_min=480)[48:]
    '1 person (25%) cut off, no route; 137.5 min counting them at 480 min)'
    >>> describe_mean_minutes(travel_time_stats(np.array([5.0]), np.array([3.0])),
    ...                       unreachable_cap_min=480)
    '5.0 min on average (everyone can reach one)'
    """
    share = stats["unreachable_share"]
    mean = stats["mean_min_reachable"]
    if not np.isfinite(share):
        return "nobody lives here"
    if share == 0:
        return f"{mean:,.1f} min on average (everyone can reach one)"
    if share == 1:
        return "nobody can reach one (everyone cut off, no route)"
    return (
        f"{mean:,.1f} min on average (the {_pct(1.0 - share)} who can reach one; "
        f"{_people(stats['unreachable_people'])} ({_pct(share)}) cut off, no route; "
        f"{stats['mean_min_unreachable_at_cap']:,.1f} min counting them at "
        f"{unreachable_cap_min:g} min)"
    )


def _summarise(
    group: pd.DataFrame, thresholds_min: Sequence[int], cap_min: float, kinds: Sequence[str]
) -> dict[str, float | int]:
    pop = group["population"].to_numpy(dtype=float)
    row: dict[str, float] = {
        "communities": len(group),
        "population": float(pop.sum()),
        "unreachable_cap_min": float(cap_min),
    }
    for kind in kinds:
        for season in SEASONS:
            walk = group[f"{kind}_walk_{season}_min"].to_numpy(dtype=float)
            stats = travel_time_stats(walk, pop, unreachable_cap_min=cap_min)
            prefix = f"{kind}_walk_{season}"
            row[f"{prefix}_mean_min"] = stats["mean_min_reachable"]  # the original name
            for key in ("mean_min_reachable", "mean_min_unreachable_at_cap"):
                row[f"{prefix}_{key}"] = stats[key]
            for key in ("unreachable_people", "unreachable_share"):
                row[f"{prefix}_{key}"] = stats[key]
            minutes = group[f"{kind}_{season}_min"].to_numpy(dtype=float)
            stats = travel_time_stats(minutes, pop, unreachable_cap_min=cap_min)
            prefix = f"{kind}_{season}"
            row[f"{prefix}_mean_min"] = stats["mean_min_reachable"]  # the original name
            for key in STAT_KEYS:
                row[f"{prefix}_{key}"] = stats[key]
            for t in thresholds_min:
                row[f"{prefix}_people_within_{t}min"] = float(pop[minutes <= t].sum())
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
    unreachable_cap_min: float = UNREACHABLE_CAP_MIN,
) -> pd.DataFrame:
    """Summarise community access for the whole region and by district.

    Every figure is weighted by population. A person with no route in a
    season (``inf`` minutes: cut off by the rains, or on a piece of the
    network with no market or school) is in a mean or median only where its
    name says so.

    Parameters
    ----------
    access : pandas.DataFrame
        Output of :func:`community_access` (needs ``population``).
    thresholds_min : sequence of int
        The thresholds used in :func:`community_access`.
    by : str or None
        Column to group by (default ``district``; skipped when absent).
    unreachable_cap_min : float
        Minutes counted for a person with no route in the ``_at_cap`` means
        and medians: the ranking's ``unreachable_cap_min`` (default 480).

    Returns
    -------
    pandas.DataFrame
        One row for the region (``area == "region"``) then one per group,
        with ``communities``, ``population`` and ``unreachable_cap_min``, then
        for each destination ``kind`` of the table (:func:`kinds_of`: market,
        school, health, ...) and ``season`` (dry, rain, wet), with
        ``P = {kind}_{season}``:

        * ``P_mean_min`` and ``P_mean_min_reachable`` (the same number, the
          second name says it) — mean minutes of the people **with a route**
          in that season; the people with none are left out;
        * ``P_mean_min_unreachable_at_cap`` — mean minutes of **everyone**,
          a person with no route counted at ``unreachable_cap_min`` (people
          with a route count their own minutes, even above the cap);
        * ``P_median_min`` — median of **everyone**, no route counting as
          longer than any trip (``inf`` when half or more have no route);
          ``P_median_min_reachable`` — of the people with a route only;
          ``P_median_min_unreachable_at_cap`` — of everyone, no route at the
          cap;
        * ``P_unreachable_people``, ``P_unreachable_share`` — people with no
          route in that season (cut off), and their share of the population;
        * ``P_people_within_{T}min`` for each threshold (people with no
          route are never within);

        and ``{kind}_people_cut_off_wet`` (a route in the dry season, none in
        the wet one). Walking only, ``W = {kind}_walk_{season}``:
        ``W_mean_min`` = ``W_mean_min_reachable`` (people who can walk to one),
        ``W_mean_min_unreachable_at_cap``, ``W_unreachable_people`` and
        ``W_unreachable_share``. Last, the Rural Access Index (share of
        people within ``rai_distance_m`` of an all-season road, column
        ``near_all_season_road`` of :func:`community_access`).

    Examples
    --------
    A dry-season mean that looks worse than the wet one only because the
    rains cut a far village off:

    >>> import numpy as np, pandas as pd
    >>> rows = {"population": [100.0, 100.0], "near_all_season_road": [True, False]}
    >>> for kind in ("market", "school"):
    ...     for mode in MODES:
    ...         rows[f"{kind}_{mode}dry_min"] = [10.0, 50.0]
    ...         rows[f"{kind}_{mode}rain_min"] = [12.0, 70.0]
    ...         rows[f"{kind}_{mode}wet_min"] = [12.0, np.inf]
    ...     rows[f"{kind}_cut_off_wet"] = [False, True]
    >>> region = access_summary(pd.DataFrame(rows), thresholds_min=(30,)).iloc[0]
    >>> float(region["market_dry_mean_min"]), float(region["market_wet_mean_min_reachable"])
    (30.0, 12.0)
    >>> float(region["market_wet_unreachable_share"])
    0.5
    >>> float(region["market_wet_mean_min_unreachable_at_cap"])  # (12 + 480) / 2
    246.0
    """
    cap = float(unreachable_cap_min)
    if not (np.isfinite(cap) and cap > 0):
        raise ConfigError(f"unreachable_cap_min must be a positive number of minutes, got {cap!r}")
    kinds = kinds_of(access)
    rows = [{"area": "region", **_summarise(access, thresholds_min, cap, kinds)}]
    if by is not None and by in access.columns and access[by].notna().any():
        for name, group in access.groupby(by, sort=True, dropna=False):
            rows.append({"area": f"{by}:{name}", **_summarise(group, thresholds_min, cap, kinds)})
    return pd.DataFrame(rows)
