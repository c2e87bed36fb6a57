"""The ranking stage: evaluate every work, rank them and choose a programme.

:func:`rank_works` ranks works by ``score_per_1000`` (ties: higher score, then
``work_id``; works that gain nothing last), chooses a programme under the
budget (:func:`connectivity.ranking.portfolio.select_portfolio`'s greedy) and
returns a :class:`connectivity.ranking.report.RankingResult` with the
communities that gain from each work and a plain-language explanation.
"""

from __future__ import annotations

import dataclasses
import logging
from collections.abc import Mapping, Sequence
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd

from connectivity.config import AppraisalSection, RankingSection
from connectivity.errors import ConfigError
from connectivity.i18n import Lang
from connectivity.network import RoadNetwork
from connectivity.ranking.appraisal import (
    APPRAISAL_COLUMNS,
    AppraisalParameters,
    appraise_programme,
    appraise_works,
)
from connectivity.ranking.axes import programme_axes
from connectivity.ranking.evaluate import (
    _evaluate_all,
    _gains_against_base,
    _prepare,
    _table_from_stats,
)
from connectivity.ranking.explain import explain
from connectivity.ranking.flags import add_community_facts, work_flags
from connectivity.ranking.measures import UNREACHABLE_CAP_MIN
from connectivity.ranking.portfolio import _check_budget, _choose
from connectivity.ranking.report import RankingResult
from connectivity.ranking.score import ScoreWeights
from connectivity.works import WorkSet, find_alternatives

__all__ = ["RANK_KEYS", "ROAD_COLUMNS", "rank_works"]

log = logging.getLogger(__name__)


ROAD_COLUMNS = (
    "highway",
    "name",
    "road_class",
    "length_m",
    "travel_time_s",
    "travel_time_rain_s",
    "travel_time_wet_s",
    "all_season",
)


#: What ``rank_by`` orders works by: (column, larger is better).
RANK_KEYS: dict[str, tuple[str, bool]] = {
    "score_per_1000": ("score_per_1000", True),
    "bc_ratio": ("bc_ratio", True),
    "npv": ("npv", True),
    "cost_effectiveness": ("pv_cost_per_person_benefited", False),
}


def _order_ranking(table: pd.DataFrame, rank_by: str = "score_per_1000") -> np.ndarray:
    """Positions of the works from best to worst by ``rank_by`` (works that gain nothing last)."""
    if rank_by not in RANK_KEYS:
        raise ConfigError(f"unknown rank_by {rank_by!r}; known: {', '.join(RANK_KEYS)}")
    column, larger_better = RANK_KEYS[rank_by]
    if column not in table.columns:
        raise ConfigError(f"rank_by = {rank_by!r} needs the appraisal ([appraisal] section)")
    gains = table["score"].to_numpy() > 0
    key = pd.to_numeric(table[column], errors="coerce").to_numpy(dtype=float)
    key = key if larger_better else -key
    key = np.where(gains & np.isfinite(key), key, -np.inf)
    ids = np.asarray(table.index.astype(str), dtype=object)
    id_rank = np.empty(len(ids), dtype=np.int64)
    id_rank[np.argsort(ids, kind="stable")] = np.arange(len(ids))
    return np.lexsort((id_rank, -table["score"].to_numpy(), -key, ~gains))


def _median_saving(gains: pd.DataFrame, work_ids: pd.Index) -> np.ndarray:
    """Per work, the population-weighted median of minutes saved per trip per person benefited.

    From the gains table (one row per work and community that gains);
    NaN for a work that benefits no one.
    """
    out = np.full(len(work_ids), np.nan)
    if gains.empty:
        return out
    pop = gains["population"].to_numpy(dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):
        per_person = np.where(pop > 0, gains["person_min_saved"].to_numpy(dtype=float) / pop, 0.0)
    frame = pd.DataFrame({"work_id": gains["work_id"], "m": per_person, "p": pop})
    frame = frame[frame["p"] > 0].sort_values(["work_id", "m"], kind="stable")
    by_work = frame.groupby("work_id", sort=False)["p"]
    cum = by_work.cumsum()
    half = cum.groupby(frame["work_id"], sort=False).transform("last") / 2.0
    median = frame[cum >= half].groupby("work_id", sort=False)["m"].first()
    out[work_ids.get_indexer(pd.Index(median.index))] = median.to_numpy()
    return out


def rank_works(
    network: RoadNetwork,
    workset: WorkSet,
    *,
    budget: float | None,
    thresholds_min: Sequence[float] = (30, 60, 120),
    weights: ScoreWeights | RankingSection | Mapping[str, Any] | None = None,
    cap_min: float = UNREACHABLE_CAP_MIN,
    lazy: bool = True,
    optimise: bool = True,
    include_roads: bool = True,
    appraisal: AppraisalParameters | AppraisalSection | None = None,
    rank_by: str = "score_per_1000",
    min_bc_ratio: float = 0.0,
    lang: Lang = "en",
) -> RankingResult:
    """Evaluate, rank and choose a programme of works: the ranking stage.

    Parameters
    ----------
    network : RoadNetwork
        The base network the works were generated on.
    workset : WorkSet
        The works (generated and proposed).
    budget : float or None
        Money for the programme (``cost_net``), in ``workset.currency``; None
        ranks only.
    thresholds_min, weights, cap_min
        As :func:`evaluate_works`.
    lazy, optimise : bool
        As :func:`select_portfolio`.
    include_roads : bool
        Keep the network edges for the ``roads`` layer of the GeoPackage.
    appraisal : AppraisalParameters or AppraisalSection, optional
        Add the annual, monetised appraisal of each work (the columns of
        :data:`connectivity.ranking.appraisal.APPRAISAL_COLUMNS`) and of the
        programme (:attr:`RankingResult.appraisal`).
    rank_by : {"score_per_1000", "bc_ratio", "npv", "cost_effectiveness"}
        The figure works are ranked by (the appraisal ones need ``appraisal``;
        ``cost_effectiveness`` is the present value of costs per person
        benefited, lower first). The programme is chosen by the score either way.
    min_bc_ratio : float
        The B/C hurdle (needs ``appraisal``): a work whose benefit/cost ratio
        alone is under it is not funded (0, the default, turns it off; 1 is
        "pays back its cost").
    lang : {"es", "en"}
        The language of the explanation (:attr:`RankingResult.explanation`;
        the log stays English).

    Returns
    -------
    RankingResult

    Raises
    ------
    DataError, ConfigError
        As :func:`evaluate_works` and :func:`select_portfolio`.
    """
    money = _check_budget(budget)
    engine, changes, score_weights, thresholds = _prepare(
        network, workset, thresholds_min, weights, cap_min
    )
    stats, overall, records = _evaluate_all(engine, changes, records=True)
    table = _table_from_stats(workset, stats, overall, score_weights, thresholds, engine.searches)
    gains = _gains_against_base(network, workset, engine, changes, records, score_weights)
    alternatives = find_alternatives(workset)
    params = None if appraisal is None else AppraisalParameters.from_section(appraisal)
    if params is not None:
        table = table.join(
            appraise_works(table, workset.works, params, score_weights.season_shares())
        )
    elif min_bc_ratio > 0:
        raise ConfigError("min_bc_ratio needs the appraisal ([appraisal] section)")
    # the B/C hurdle: works that do not pay back their cost alone are not funded
    candidates, cand_changes, cand_table, cand_alternatives = workset, changes, table, alternatives
    below_bc: list[str] = []
    if params is not None and min_bc_ratio > 0:
        passes = table["bc_ratio"].fillna(0.0).to_numpy() >= min_bc_ratio
        gaining = table["score"].to_numpy() > 0
        below_bc = [str(w) for w in table.index[gaining & ~passes]]
        if below_bc:
            keep = [str(w) for w in table.index[passes]]
            candidates = workset.subset(keep)
            cand_changes = engine.changes(candidates)
            cand_table = table.loc[keep]
            cand_alternatives = find_alternatives(candidates)
    portfolio = _choose(
        network,
        candidates,
        engine,
        cand_changes,
        cand_table,
        money,
        score_weights,
        lazy=lazy,
        optimise=optimise,
        alternatives=cand_alternatives,
    )
    if below_bc:
        facts = dataclasses.replace(
            portfolio.facts, below_bc=len(below_bc), min_bc_ratio=min_bc_ratio
        )
        portfolio = dataclasses.replace(portfolio, facts=facts)
    table["alternatives"] = alternatives.listed()
    partners: dict[str, list[str]] = {}
    for a, b in zip(
        portfolio.bundles.get("work_a", []), portfolio.bundles.get("work_b", []), strict=True
    ):
        partners.setdefault(a, []).append(b)
        partners.setdefault(b, []).append(a)
    table["pays_together_with"] = [";".join(partners.get(w, [])) for w in table.index]
    table["median_min_saved_per_person"] = _median_saving(gains, table.index)

    order = _order_ranking(table, rank_by)
    ranked = table.iloc[order].copy()
    ranked.insert(0, "rank", np.arange(1, len(ranked) + 1, dtype=np.int64))
    chosen = dict(zip(portfolio.programme["work_id"], portfolio.programme["order"], strict=True))
    ranked["in_portfolio"] = ranked.index.isin(list(chosen))
    ranked["portfolio_order"] = [int(chosen.get(i, 0)) for i in ranked.index]
    works = workset.works
    for col in ("description", "length_m", "span_m", "cofinancing_share"):
        if col in works.columns:
            ranked[col] = works.loc[ranked.index, col].to_numpy()
    # what to verify in the field, where the decision is read: right after the work's type
    flags = work_flags(workset, gains, network.communities).reindex(ranked.index.astype(str))
    cols = list(ranked.columns)
    at = cols.index("origin") + 1 if "origin" in cols else len(cols)
    ranked.insert(at, "flags", flags.fillna("").to_numpy())
    ranking = gpd.GeoDataFrame(
        ranked, geometry=works.loc[ranked.index].geometry.to_numpy(), crs=works.crs
    )
    rank_of = dict(zip(ranked.index, ranked["rank"], strict=True))
    gains.insert(0, "rank", gains["work_id"].map(rank_of).astype(np.int64))
    gains = gains.sort_values("rank", kind="stable").reset_index(drop=True)
    gains = add_community_facts(gains, network.communities)

    roads = None
    if include_roads:
        edges = network.edges
        keep = [c for c in ROAD_COLUMNS if c in edges.columns]
        roads = gpd.GeoDataFrame(
            edges[keep].reset_index(), geometry=edges.geometry.to_numpy(), crs=edges.crs
        )
    programme = portfolio.programme
    programme_appraisal = None
    if params is not None:
        appraised = ranked.loc[programme["work_id"], list(APPRAISAL_COLUMNS)]
        programme = programme.join(appraised.reset_index(drop=True))
        programme_appraisal = appraise_programme(
            portfolio.communities_after,
            programme,
            workset.works,
            params,
            score_weights.season_shares(),
            cap_min=engine.cap_min,
            min_gain_min=score_weights.min_gain_min,
        )
    explanation = explain(
        network,
        workset,
        ranking,
        portfolio,
        score_weights,
        thresholds,
        engine.cap_min,
        rank_by=rank_by,
        appraisal=programme_appraisal,
        params=params,
        lang=lang,
    )
    log.info("ranking: %d works ranked; %s", len(ranking), portfolio.explanation)
    return RankingResult(
        ranking=ranking,
        portfolio=programme,
        gains=gains,
        communities_after=portfolio.communities_after,
        currency=workset.currency,
        price_year=workset.price_year,
        explanation=explanation,
        budget=money,
        weights=score_weights,
        thresholds_min=tuple(thresholds),
        cap_min=engine.cap_min,
        roads=roads,
        bundles=portfolio.bundles,
        appraisal=programme_appraisal,
        kinds=network.kinds,
        axes=programme_axes(
            network, programme, portfolio.communities_after, bundles=portfolio.bundles
        ),
        lang=lang,
    )
