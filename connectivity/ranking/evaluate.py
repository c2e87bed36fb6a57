"""Access gained by each work: the exact incremental evaluation and its tables.

How a work is evaluated (exactly, and fast)
-------------------------------------------
One multi-source search per facility kind and season, from the facilities over
the reversed graph, gives ``d(x)``: the time from every node ``x`` to its
nearest market (school) in the dry (``travel_time_s``) and wet
(``travel_time_wet_s``) season. A work only lowers edge times or adds edges,
so a node can only gain through one of the work's edges ``a -> b`` with new
time ``t'``: when ``t' + d(b) < d(a)``, a bounded Dijkstra search starts at
``a`` on the reversed graph (every changed edge of the work is a seed at once)
and visits only nodes whose time strictly falls. The improved nodes that hold
communities are the communities that gain. The result is *identical* to
recomputing every time from scratch with the work applied
(:func:`connectivity.works.apply_works` + :mod:`connectivity.routing`;
:func:`connectivity.ranking.reference.evaluate_works_by_recomputation` does
that and the tests compare both). The inner loop is compiled with numba over
CSR arrays (:mod:`connectivity.ranking._kernel`, driven by
:mod:`connectivity.ranking.engine`).

Measures per work (columns of :func:`evaluate_works`)
-----------------------------------------------------
A saving counts only when it is a benefit a person would notice: a
community's time to a facility kind in a season counts as changed only once it
is at least ``min_gain_min`` minutes (default 5, see
:data:`connectivity.ranking.measures.MIN_GAIN_MIN`) below its time on the
base network, capped like the score; until then it counts as unchanged, in
every measure below and in the gains table. Because the rule is against the
base network, a programme's measures are the same whether its works are
counted one after another or all at once. For each facility kind ``k``
(``market``, ``school``) and season ``s`` (``dry``, ``wet``), over the
communities whose counted time falls:

* ``{k}_{s}_person_min_saved`` — Σ population × minutes saved, where minutes
  are **capped** at ``cap_min`` (default :data:`UNREACHABLE_CAP_MIN`, 8 h):
  saved = min(before, cap) − min(after, cap). A community that could not reach
  a facility at all (``inf``) and now can counts as if it had been ``cap_min``
  away: a trip longer than a working day is treated as no better than no
  trip. The cap keeps the measure finite and additive (the savings of works
  done one after another add up to the saving of doing them together).
* ``{k}_{s}_people_newly_within_{T}min`` — people whose time crosses to
  ``<= T`` minutes, for each threshold ``T``.
* ``{k}_{s}_people_newly_reachable`` — people who could not reach any
  facility of that kind in that season and now can.
* ``{k}_people_no_longer_cut_off_wet`` (= ``{k}_wet_people_newly_reachable``)
  and ``people_no_longer_cut_off_wet`` — people whose wet-season time to a
  market *or* a school goes from unreachable to reachable (each person once).
* ``person_min_saved`` — Σ over kinds and states of (days of the state ÷ 365)
  × person-minutes: person-minutes saved per trip to a market plus one to a
  school, on an average day of the year (states ``dry``, ``rain``: rains with
  fords passable but those of wide rivers, ``wet``: rivers in flood, fords shut; ``dry_days``,
  ``rain_days``, ``wet_days``).
* ``communities_gaining`` and ``people_benefited`` — communities (their
  population) that gain in any kind or season.
* ``mean_min_saved_per_person`` — person_min_saved / people_benefited: the
  minutes per trip (season-weighted, summed over the kinds) the average person
  benefited saves; the ranking adds ``median_min_saved_per_person``
  (population-weighted median over the communities that gain).
* ``cost``, ``cost_net`` (what the budget pays, after co-financing),
  ``cost_per_person_benefited`` (= cost_net / people_benefited; NaN when no one
  benefits), ``minutes_saved_per_1000_soles`` (= person_min_saved per 1,000
  units of ``currency`` of cost_net — soles for ``PEN``; ``inf`` for a work the
  budget gets for free).

* ``score`` and ``score_per_1000`` — the composite score
  (:mod:`connectivity.ranking.score`) and score per 1,000 of cost_net.

The tables are built from the kernel's statistics by :func:`_table_from_stats`
(one row per work) and :func:`_gains_table` (one row per work and community
that gains); the reference (:mod:`connectivity.ranking.reference`) builds the
same tables from full recomputation.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd
from tqdm.auto import tqdm

from connectivity._logging import progress_enabled
from connectivity.config import RankingSection
from connectivity.network import RoadNetwork
from connectivity.ranking.engine import _Changes, _Engine, _Records
from connectivity.ranking.measures import (
    _ANY_N,
    _ANY_POP,
    _CUT_POP,
    _N_FIXED,
    _NEWLY_REACHABLE,
    _PM,
    SEASONS,
    UNREACHABLE_CAP_MIN,
    _check_cap,
    _check_thresholds,
    _fmt_t,
)
from connectivity.ranking.score import ScoreWeights, _scores
from connectivity.works import WorkSet

__all__ = ["evaluate_works", "work_gains"]

log = logging.getLogger(__name__)


def _table_from_stats(
    workset: WorkSet,
    stats: np.ndarray,
    overall: np.ndarray,
    weights: ScoreWeights,
    thresholds: Sequence[float],
    searches: Sequence[tuple[str, str]],
) -> pd.DataFrame:
    works = workset.works
    out = pd.DataFrame(index=pd.Index(workset.ids, name="work_id"))
    for col in ("name", "work_type", "origin"):
        if col in works.columns:
            out[col] = works[col].to_numpy()
    for s, (kind, season) in enumerate(searches):
        out[f"{kind}_{season}_person_min_saved"] = stats[:, s, _PM]
    for s, (kind, season) in enumerate(searches):
        for t_i, t in enumerate(thresholds):
            out[f"{kind}_{season}_people_newly_within_{_fmt_t(t)}min"] = stats[:, s, _N_FIXED + t_i]
    for s, (kind, season) in enumerate(searches):
        out[f"{kind}_{season}_people_newly_reachable"] = stats[:, s, _NEWLY_REACHABLE]
    for kind in dict.fromkeys(kind for kind, _ in searches):
        out[f"{kind}_people_no_longer_cut_off_wet"] = out[f"{kind}_wet_people_newly_reachable"]
    out["people_no_longer_cut_off_wet"] = overall[:, _CUT_POP]
    score, minutes = _scores(stats, weights, searches)
    out["person_min_saved"] = minutes
    out["communities_gaining"] = overall[:, _ANY_N].astype(np.int64)
    out["people_benefited"] = overall[:, _ANY_POP]
    cost = works["cost"].to_numpy(dtype=float)
    if "cost_net" in works.columns:
        cost_net = works["cost_net"].to_numpy(dtype=float)
    else:
        cost_net = cost * (1 - works["cofinancing_share"].to_numpy(dtype=float))
    out["cost"] = cost
    out["cost_net"] = cost_net
    out["currency"] = workset.currency
    out["price_year"] = workset.price_year
    with np.errstate(divide="ignore", invalid="ignore"):
        people = out["people_benefited"].to_numpy()
        out["cost_per_person_benefited"] = np.where(people > 0, cost_net / people, np.nan)
        out["mean_min_saved_per_person"] = np.where(people > 0, minutes / people, np.nan)
        out["minutes_saved_per_1000_soles"] = _per_1000(minutes, cost_net)
        out["score"] = score
        out["score_per_1000"] = _per_1000(score, cost_net)
    return out


def _per_1000(value: np.ndarray, cost: np.ndarray) -> np.ndarray:
    with np.errstate(divide="ignore", invalid="ignore"):
        ratio = np.where(value > 0, 1000.0 * value / cost, 0.0)
    return np.asarray(ratio, dtype=float)


def _gains_table(
    network: RoadNetwork,
    workset: WorkSet,
    records: _Records,
    row_work: np.ndarray,
    baseline_min: np.ndarray,
    weights: ScoreWeights,
    cap_min: float,
    searches: Sequence[tuple[str, str]],
) -> pd.DataFrame:
    """One row per (work, community that gains): minutes before/after per kind and season.

    ``row_work`` maps a record's ``work`` (evaluation row) to the work's
    position in ``workset.ids``; ``baseline_min`` is (searches, communities).
    """
    comm = network.communities
    ids = np.asarray(workset.ids, dtype=object)
    work_pos = row_work[records.work]
    key = work_pos * len(comm) + records.comm
    pairs, inverse = np.unique(key, return_inverse=True)
    p_work = pairs // max(len(comm), 1)
    p_comm = pairs % max(len(comm), 1)
    before = baseline_min[:, p_comm].copy()
    after = before.copy()
    before[records.search, inverse] = records.before / 60.0
    after[records.search, inverse] = records.after / 60.0
    out = pd.DataFrame({"work_id": ids[p_work]})
    out["community_id"] = comm["community_id"].to_numpy()[p_comm] if len(comm) else []
    for col in ("name", "district"):
        if col in comm.columns:
            out[col] = comm[col].to_numpy()[p_comm]
    pop = pd.to_numeric(comm["population"], errors="coerce").fillna(0).to_numpy(dtype=float)
    out["population"] = pop[p_comm]
    seasons = weights.season_shares()
    pm = np.zeros(len(out))
    for s, (kind, season) in enumerate(searches):
        out[f"{kind}_{season}_min_before"] = before[s]
        out[f"{kind}_{season}_min_after"] = after[s]
        saved = np.minimum(before[s], cap_min) - np.minimum(after[s], cap_min)
        pm += seasons[SEASONS.index(season)] * saved
    out["person_min_saved"] = pm * out["population"].to_numpy()
    wet = [s for s, (_, season) in enumerate(searches) if season == "wet"]
    out["no_longer_cut_off_wet"] = np.any(np.isinf(before[wet]) & np.isfinite(after[wet]), axis=0)
    order = np.lexsort((out["community_id"].astype(str).to_numpy(), -pm, p_work))
    return out.iloc[order].reset_index(drop=True)


def _gains_against_base(
    network: RoadNetwork,
    workset: WorkSet,
    engine: _Engine,
    changes: _Changes,
    records: _Records,
    weights: ScoreWeights,
) -> pd.DataFrame:
    """:func:`_gains_table` of every work of ``changes`` evaluated on the base network."""
    return _gains_table(
        network,
        workset,
        records,
        np.arange(len(changes.ids)),
        engine.baseline[:, engine.comm_node] / 60.0,
        weights,
        engine.cap_min,
        engine.searches,
    )


_CHUNK = 512


def _evaluate_all(
    engine: _Engine, changes: _Changes, *, records: bool
) -> tuple[np.ndarray, np.ndarray, _Records]:
    n_works = len(changes.ids)
    stats_parts: list[np.ndarray] = []
    overall_parts: list[np.ndarray] = []
    rec_parts: list[_Records] = []
    starts = range(0, n_works, _CHUNK)
    bar = tqdm(
        total=n_works,
        desc="evaluating works",
        unit="work",
        disable=not progress_enabled() or n_works <= 2 * _CHUNK,
    )
    with bar:
        for start in starts:
            rows = np.arange(start, min(start + _CHUNK, n_works), dtype=np.int64)
            ev = engine.evaluate(changes, rows, records=records)
            ev.records.work = ev.records.work + start
            stats_parts.append(ev.stats)
            overall_parts.append(ev.overall)
            rec_parts.append(ev.records)
            bar.update(len(rows))
    n_stat = _N_FIXED + len(engine.thresholds)
    empty = np.zeros((0, len(engine.searches), n_stat))
    stats = np.concatenate(stats_parts) if stats_parts else empty
    overall = np.concatenate(overall_parts) if overall_parts else np.zeros((0, 3))
    return stats, overall, _Records.concat(rec_parts)


def _prepare(
    network: RoadNetwork,
    workset: WorkSet,
    thresholds_min: Sequence[float],
    weights: ScoreWeights | RankingSection | Mapping[str, Any] | None,
    cap_min: float,
) -> tuple[_Engine, _Changes, ScoreWeights, list[float]]:
    score_weights = ScoreWeights.from_config(weights)
    thresholds = _check_thresholds(thresholds_min)
    cap = _check_cap(cap_min)
    engine = _Engine(network, score_weights, thresholds, cap)
    changes = engine.changes(workset)
    return engine, changes, score_weights, thresholds


def evaluate_works(
    network: RoadNetwork,
    workset: WorkSet,
    *,
    thresholds_min: Sequence[float] = (30, 60, 120),
    weights: ScoreWeights | RankingSection | Mapping[str, Any] | None = None,
    cap_min: float = UNREACHABLE_CAP_MIN,
) -> pd.DataFrame:
    """Access gained by each work alone, against the base network.

    Parameters
    ----------
    network : RoadNetwork
        The base network (communities and destinations attached).
    workset : WorkSet
        The works; validated against ``network``.
    thresholds_min : sequence of float
        Thresholds (minutes) for "people newly within".
    weights : ScoreWeights, RankingSection or mapping, optional
        Weights of the composite score (defaults: :class:`ScoreWeights`).
    cap_min : float
        Cap of minutes for savings (see the module docstring).

    Returns
    -------
    pandas.DataFrame
        Indexed by ``work_id`` in the work set's order; the columns listed in
        the module docstring.

    Raises
    ------
    DataError
        Invalid works (see :meth:`WorkSet.validate`), a destination kind with no facility.
    ConfigError
        Invalid weights or thresholds.
    """
    engine, changes, score_weights, thresholds = _prepare(
        network, workset, thresholds_min, weights, cap_min
    )
    stats, overall, _ = _evaluate_all(engine, changes, records=False)
    table = _table_from_stats(workset, stats, overall, score_weights, thresholds, engine.searches)
    log.info(
        "evaluated %d works: %d gain something; best score %.0f",
        len(table),
        int((table["people_benefited"] > 0).sum()),
        float(table["score"].max()) if len(table) else 0.0,
    )
    return table


def work_gains(
    network: RoadNetwork,
    workset: WorkSet,
    *,
    weights: ScoreWeights | RankingSection | Mapping[str, Any] | None = None,
    cap_min: float = UNREACHABLE_CAP_MIN,
) -> pd.DataFrame:
    """For every work, the communities that gain, with minutes before and after.

    Parameters
    ----------
    network : RoadNetwork
    workset : WorkSet
    weights : ScoreWeights, RankingSection or mapping, optional
        Only the season shares are used (for ``person_min_saved``).
    cap_min : float
        Cap of minutes for savings.

    Returns
    -------
    pandas.DataFrame
        One row per (work, community that gains): ``work_id``,
        ``community_id``, ``name``/``district`` (when the communities have
        them), ``population``, ``{kind}_{season}_min_before`` / ``_after``
        (``inf``: unreachable), ``person_min_saved`` (season-weighted, capped,
        times population) and ``no_longer_cut_off_wet``. Ordered by work (in
        the work set's order), then by person-minutes saved.
    """
    engine, changes, score_weights, _ = _prepare(network, workset, (), weights, cap_min)
    _, _, records = _evaluate_all(engine, changes, records=True)
    return _gains_against_base(network, workset, engine, changes, records, score_weights)
