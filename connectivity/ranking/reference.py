"""The reference evaluation: every work applied and every time recomputed.

:func:`evaluate_works_by_recomputation` applies each work with
:func:`connectivity.works.apply_works`, recomputes the nearest facility of
each destination kind for every community (in each passability state) with
:mod:`connectivity.routing`, and takes the measures from the full before/after times (savings under
``min_gain_min`` count as no change, as in the kernel). Slow; used by the tests
and the benchmark to check that the incremental evaluation
(:func:`connectivity.ranking.evaluate.evaluate_works`,
:func:`connectivity.ranking.evaluate.work_gains`) is exact.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd
from tqdm.auto import tqdm

from connectivity import routing
from connectivity._logging import progress_enabled
from connectivity.config import RankingSection
from connectivity.network import RoadNetwork
from connectivity.ranking.engine import _effective, _Records
from connectivity.ranking.evaluate import _gains_table, _table_from_stats
from connectivity.ranking.measures import (
    _EPM,
    _N_FIXED,
    _NCOMM,
    _NEWLY_REACHABLE,
    _PM,
    _POP,
    GAIN_TOL_S,
    SEASON_WEIGHTS,
    UNREACHABLE_CAP_MIN,
    _check_cap,
    _check_thresholds,
    searches,
)
from connectivity.ranking.score import ScoreWeights, _equity_weights
from connectivity.works import WorkSet, apply_works

__all__ = ["evaluate_works_by_recomputation"]


def _community_times(network: RoadNetwork, graph: routing.RoutingGraph) -> np.ndarray:
    """Seconds (searches, communities) to the nearest facility, by full searches."""
    origins = network.communities["node_id"].to_numpy()
    order = searches(network.kinds)
    out = np.empty((len(order), len(origins)))
    for s, (kind, season) in enumerate(order):
        layer = network.facilities[kind]
        facilities = dict(zip(layer["facility_id"], layer["node_id"], strict=True))
        table = routing.nearest_facility(graph, origins, facilities, weight=SEASON_WEIGHTS[season])
        out[s] = table["time_s"].to_numpy(dtype=float)
    return out


def _stats_from_times(
    before: np.ndarray,
    after: np.ndarray,
    pop: np.ndarray,
    equity: np.ndarray,
    thresholds: Sequence[float],
    cap_min: float,
    order: Sequence[tuple[str, str]],
) -> tuple[np.ndarray, np.ndarray]:
    """Kernel-equivalent statistics of one work from full before/after times (numpy)."""
    stats = np.zeros((len(order), _N_FIXED + len(thresholds)))
    gains = np.zeros((len(order), len(pop)), dtype=bool)
    with np.errstate(invalid="ignore"):
        for s in range(len(order)):
            b, a = before[s], after[s]
            g = (b - a) > GAIN_TOL_S
            gains[s] = g
            b_min, a_min = b[g] / 60.0, a[g] / 60.0
            saved = np.minimum(b_min, cap_min) - np.minimum(a_min, cap_min)
            p = pop[g]
            stats[s, _PM] = np.sum(p * saved)
            stats[s, _EPM] = np.sum(equity[g] * p * saved)
            stats[s, _NCOMM] = g.sum()
            stats[s, _POP] = p.sum()
            stats[s, _NEWLY_REACHABLE] = p[np.isinf(b[g])].sum()
            for t_i, t in enumerate(thresholds):
                stats[s, _N_FIXED + t_i] = p[(b_min > t) & (a_min <= t)].sum()
    wet = [s for s, (_, season) in enumerate(order) if season == "wet"]
    cut = np.any(gains[wet] & np.isinf(before[wet]), axis=0)
    anyg = gains.any(axis=0)
    overall = np.array([anyg.sum(), pop[anyg].sum(), pop[cut].sum()], dtype=float)
    return stats, overall


def evaluate_works_by_recomputation(
    network: RoadNetwork,
    workset: WorkSet,
    *,
    thresholds_min: Sequence[float] = (30, 60, 120),
    weights: ScoreWeights | RankingSection | Mapping[str, Any] | None = None,
    cap_min: float = UNREACHABLE_CAP_MIN,
    ids: Sequence[str] | None = None,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Evaluate works the slow way: each one applied and every time recomputed.

    For each work, :func:`connectivity.works.apply_works` builds the network
    with the work done, :mod:`connectivity.routing` recomputes the nearest
    facility of each kind for every community (in each passability state),
    and the measures are taken from the full before/after times. Used by the tests and the
    benchmark to check :func:`evaluate_works` and :func:`work_gains`.

    Parameters
    ----------
    network, workset, thresholds_min, weights, cap_min
        As :func:`evaluate_works`.
    ids : sequence of str, optional
        Evaluate only these works (default: all).

    Returns
    -------
    table : pandas.DataFrame
        As :func:`evaluate_works` (rows: ``ids``).
    gains : pandas.DataFrame
        As :func:`work_gains`.
    """
    score_weights = ScoreWeights.from_config(weights)
    thresholds = _check_thresholds(thresholds_min)
    cap = _check_cap(cap_min)
    workset.validate(network)
    chosen = workset if ids is None else workset.subset(list(ids))
    names = list(SEASON_WEIGHTS.values())
    base_graph = routing.routing_graph_from_gdfs(network.nodes, network.edges, weights=names)
    before = _community_times(network, base_graph)
    pop = (
        pd.to_numeric(network.communities["population"], errors="coerce")
        .fillna(0)
        .to_numpy(dtype=float)
    )
    equity = _equity_weights(network.communities, score_weights)
    min_gain_s = 60.0 * score_weights.min_gain_min
    order = searches(network.kinds)
    all_stats = np.zeros((len(chosen), len(order), _N_FIXED + len(thresholds)))
    all_overall = np.zeros((len(chosen), 3))
    parts: list[_Records] = []
    for i, work_id in enumerate(
        tqdm(chosen.ids, desc="recomputing", disable=not progress_enabled())
    ):
        done = apply_works(network, chosen, [work_id])
        graph = routing.routing_graph_from_gdfs(done.nodes, done.edges, weights=names)
        # the same rule as the kernel: savings under min_gain_min are no change
        after = _effective(before, _community_times(done, graph), cap, min_gain_s)
        all_stats[i], all_overall[i] = _stats_from_times(
            before, after, pop, equity, thresholds, cap, order
        )
        with np.errstate(invalid="ignore"):  # inf - inf: unreachable before and after
            s_idx, c_idx = np.nonzero((before - after) > GAIN_TOL_S)
        parts.append(
            _Records(
                np.full(len(s_idx), i, dtype=np.int64),
                c_idx.astype(np.int64),
                s_idx.astype(np.int64),
                before[s_idx, c_idx],
                after[s_idx, c_idx],
            )
        )
    table = _table_from_stats(chosen, all_stats, all_overall, score_weights, thresholds, order)
    gains = _gains_table(
        network,
        chosen,
        _Records.concat(parts),
        np.arange(len(chosen)),
        before / 60.0,
        score_weights,
        cap,
        order,
    )
    return table, gains
