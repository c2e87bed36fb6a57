"""The facts of one work sheet (*ficha*), read off a run's ranking, programme and network.

:class:`Context` holds what every sheet of a run reads (the ranking indexed by
work id, the programme, the gains per work, the communities each programme
work improves, the budget left, the stages among the works). For one work:

* :func:`communities_served` (and :func:`rows_of`, a sheet's) — the
  communities a work serves: the rows of ``gains.csv`` (the work alone,
  against the network before any work), or, for a programme work that gains
  nothing alone, the communities it improves in the programme (or, when it
  improves none itself, those of its bundle's partners) with their minutes
  before the programme → with all of it (``communities_after``), and the
  programme works it gains with; the Invierte.pe table
  (:mod:`connectivity.deliverables.invierte`) counts its people the same way;
* :func:`savings` — each community's minutes saved per trip, per destination
  kind and passability state, capped at ``unreachable_cap_min`` and counted
  from ``min_gain_min`` (as the score counts them);
* :func:`table` — the before → after table; :func:`key_gain` — the kind and
  state in which the work gains most for the score;
* :func:`figures` — cost, co-financing, net cost, cost per person, who gains,
  the appraisal; :func:`why_facts` — the facts of the "why" paragraph
  (:class:`connectivity.deliverables.fichas_text.Why`), including why a work
  is not in the programme (an alternative or an earlier stage at the same
  site in it, the B/C or score hurdle, the budget left, or other works worth
  more); :func:`flag_names` — the communities each flag concerns.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import cached_property
from typing import Any, cast

import geopandas as gpd
import numpy as np
import pandas as pd

from connectivity.config import RegionConfig
from connectivity.deliverables import fichas_text as words
from connectivity.deliverables.fichas_map import Router
from connectivity.i18n import Lang, fmt_money, fmt_number, fmt_pct, plural
from connectivity.maps.text import kind_labels
from connectivity.network import RoadNetwork
from connectivity.ranking import RankingResult
from connectivity.ranking.measures import SEASONS
from connectivity.sources.population import population_is_estimated
from connectivity.works import WorkSet

__all__ = [
    "MAX_ROWS",
    "Context",
    "Rows",
    "communities_served",
    "eirr_case",
    "figures",
    "flag_names",
    "gains_by_work",
    "improved_positions",
    "key_gain",
    "num",
    "rows_of",
    "savings",
    "table",
    "text_of",
    "why_facts",
]

#: Most communities listed on a sheet (the rest are counted; gains.csv has them all).
MAX_ROWS = 12


def num(value: Any) -> float:
    """Return ``value`` as a float (NaN when it is not a number)."""
    try:
        return float(value)
    except (TypeError, ValueError):
        return math.nan


def text_of(value: Any) -> str:
    """Return ``value`` as text ("" for a missing value)."""
    if value is None or value is pd.NA or (isinstance(value, float) and math.isnan(value)):
        return ""
    return str(value)


@dataclass
class Context:
    """What every sheet of one run reads."""

    result: RankingResult
    network: RoadNetwork
    config: RegionConfig
    lang: Lang
    data_source: str
    run_id: str
    works: WorkSet | None
    waterways: gpd.GeoDataFrame | None

    @cached_property
    def ranking(self) -> pd.DataFrame:
        """The ranking, indexed by work id (text)."""
        table = pd.DataFrame(self.result.ranking)
        table.index = table.index.map(str)
        return table

    @cached_property
    def programme(self) -> pd.DataFrame:
        """The programme, indexed by work id (the ``work_id`` column kept)."""
        table = pd.DataFrame(self.result.portfolio).copy()
        table["work_id"] = table["work_id"].astype(str)
        return table.set_index("work_id", drop=False)

    @cached_property
    def gains(self) -> dict[str, pd.DataFrame]:
        """The rows of ``gains.csv`` of each work."""
        return gains_by_work(self.result)

    @cached_property
    def communities(self) -> pd.DataFrame:
        """The network's communities (no geometry), indexed by community id."""
        comm = self.network.communities
        return pd.DataFrame(comm.drop(columns="geometry")).set_index(
            comm["community_id"].astype(str).to_numpy()
        )

    @cached_property
    def improved_by(self) -> dict[str, list[int]]:
        """Positions (in ``communities_after``) of the communities each programme work improves."""
        return improved_positions(self.result)

    @cached_property
    def improved_by_ids(self) -> set[str]:
        """Communities some programme work improves."""
        after = self.result.communities_after
        improved = after.get("improved_by", pd.Series("", index=after.index)).fillna("")
        return set(after["community_id"].astype(str)[improved.astype(str) != ""])

    @cached_property
    def kinds(self) -> tuple[str, ...]:
        """The destination kinds measured."""
        return tuple(getattr(self.result, "kinds", ()) or self.network.kinds)

    @cached_property
    def pairs(self) -> list[tuple[str, str]]:
        """Each (destination kind, passability state) the gains have minutes of."""
        cols = set(self.result.gains.columns)
        return [
            (k, s)
            for k in self.kinds
            for s in SEASONS
            if f"{k}_{s}_min_before" in cols and f"{k}_{s}_min_after" in cols
        ]

    @cached_property
    def pair_weights(self) -> dict[tuple[str, str], float]:
        """Weight of each pair in the score: the kind's share times the state's share of days."""
        w = self.result.weights
        kind_share = dict(zip(self.kinds, w.kind_shares(self.kinds), strict=True))
        season_share = dict(zip(SEASONS, w.season_shares(), strict=True))
        return {(k, s): kind_share[k] * season_share[s] for k, s in self.pairs}

    @cached_property
    def budget(self) -> float:
        """The budget (NaN when none was given)."""
        return math.nan if self.result.budget is None else float(self.result.budget)

    @cached_property
    def budget_left(self) -> float:
        """What the programme leaves of the budget."""
        spent = float(self.programme["cost_net"].sum()) if len(self.programme) else 0.0
        return self.budget - spent

    @cached_property
    def stages(self) -> set[tuple[str, str]]:
        """Pairs ``(earlier, later)`` of works that are stages of one another."""
        if self.works is None:
            return set()
        from connectivity.works import find_alternatives

        alt = find_alternatives(self.works)
        return {(alt.ids[a], alt.ids[b]) for a, b in alt.stages}

    @cached_property
    def router(self) -> Router | None:
        """Routes before and after works (None without the work set)."""
        return None if self.works is None else Router(self.network, self.works)

    @cached_property
    def axes(self) -> pd.DataFrame | None:
        """The programme by axis (:attr:`RankingResult.axes`), when there is one."""
        axes = getattr(self.result, "axes", None)
        return axes if isinstance(axes, pd.DataFrame) and len(axes) else None

    def work(self, work_id: str) -> pd.Series:
        """Return the ranking's row of a work."""
        return cast(pd.Series, self.ranking.loc[work_id])

    def step(self, work_id: str) -> pd.Series:
        """Return the programme's row of a work in it."""
        return cast(pd.Series, self.programme.loc[work_id])

    def money(self, value: float) -> str:
        """Write an amount in the run's currency and language ("—" when missing)."""
        return "—" if math.isnan(value) else fmt_money(value, self.result.currency, self.lang)

    @property
    def t(self) -> dict[str, str]:
        """The sheet's words in the run's language."""
        return words.TEXT[self.lang]


@dataclass(frozen=True)
class Rows:
    """The communities a sheet lists: minutes before and after, and how they were measured."""

    frame: pd.DataFrame
    alone: bool  # True: the work alone (gains.csv); False: the programme as a whole
    partners: tuple[str, ...] = ()  # programme works it gains with (``alone`` False)


def gains_by_work(result: RankingResult) -> dict[str, pd.DataFrame]:
    """Return the rows of ``gains.csv`` of each work, by work id (text)."""
    gains = result.gains
    return {str(w): g for w, g in gains.groupby(gains["work_id"].astype(str), sort=False)}


def improved_positions(result: RankingResult) -> dict[str, list[int]]:
    """Return, per programme work, the positions in ``communities_after`` of those it improves."""
    out: dict[str, list[int]] = {}
    after = result.communities_after
    for pos, text in enumerate(after.get("improved_by", pd.Series(dtype=str)).fillna("")):
        for work in filter(None, str(text).split(";")):
            out.setdefault(work, []).append(pos)
    return out


def communities_served(
    result: RankingResult,
    work_id: str,
    *,
    gains: dict[str, pd.DataFrame] | None = None,
    improved: dict[str, list[int]] | None = None,
    communities: pd.DataFrame | None = None,
) -> Rows:
    """Return the communities a work serves, and on what basis.

    The rows of ``gains.csv`` when the work gains alone (against the network
    before any work). A programme work that gains nothing alone pays only
    together with others: the communities it improves in the programme (the
    rows of ``communities_after`` whose ``improved_by`` names it, minutes
    before the programme → with all of it); when it improves none itself (it
    came before the work that completes its bundle), those its bundle's
    partners in the programme improve. ``partners`` names the programme works
    it gains with: its bundle's (``pays_together_with``), else the other
    programme works that improve the same communities, the last three before it.

    Parameters
    ----------
    result : connectivity.ranking.RankingResult
    work_id : str
    gains, improved : dict, optional
        :func:`gains_by_work` and :func:`improved_positions` of ``result``
        (computed when not given; pass them when asking for many works).
    communities : pandas.DataFrame, optional
        The communities indexed by id, for the ``population_source`` of
        programme rows (``"unknown"`` without it).

    Returns
    -------
    Rows
    """
    gains = gains_by_work(result) if gains is None else gains
    own = gains.get(work_id)
    if own is not None and len(own):
        return Rows(own.reset_index(drop=True), alone=True)
    programme = pd.DataFrame(result.portfolio)
    order = dict(zip(programme["work_id"].astype(str), programme["order"].astype(int), strict=True))
    if work_id not in order:
        return Rows(result.gains.iloc[0:0].reset_index(drop=True), alone=True)
    improved = improved_positions(result) if improved is None else improved
    ranking = result.ranking
    row = ranking[ranking.index.astype(str) == work_id]
    together = row["pays_together_with"].iloc[0] if "pays_together_with" in row and len(row) else ""
    bundle = [w for w in text_of(together).split(";") if w in order and w != work_id]
    positions = improved.get(work_id, [])
    after = pd.DataFrame(result.communities_after)
    if not positions:
        positions = sorted({p for w in bundle for p in improved.get(w, [])})
    partners = bundle
    if not partners:
        others = {
            w
            for text in after["improved_by"].iloc[positions].fillna("")
            for w in str(text).split(";")
            if w in order and w != work_id and order[w] < order[work_id]
        }
        partners = sorted(others, key=order.__getitem__)[-3:]
    frame = after.iloc[positions].drop(columns="geometry", errors="ignore").reset_index(drop=True)
    frame["community_id"] = frame["community_id"].astype(str)
    source = pd.Series("unknown", index=frame["community_id"].to_numpy(), dtype=object)
    if communities is not None and "population_source" in communities.columns:
        source = communities["population_source"].reindex(source.index).fillna("unknown")
    frame["population_source"] = source.to_numpy()
    return Rows(frame, alone=False, partners=tuple(sorted(partners, key=order.__getitem__)))


def rows_of(ctx: Context, work_id: str) -> Rows:
    """Return the communities a work's sheet lists (:func:`communities_served`)."""
    return communities_served(
        ctx.result, work_id, gains=ctx.gains, improved=ctx.improved_by, communities=ctx.communities
    )


def savings(ctx: Context, rows: pd.DataFrame) -> dict[tuple[str, str], np.ndarray]:
    """Minutes saved per trip (capped, counted only from ``min_gain_min``) per pair, per row."""
    cap, least = float(ctx.result.cap_min), float(ctx.result.weights.min_gain_min)
    out = {}
    for k, s in ctx.pairs:
        before = rows[f"{k}_{s}_min_before"].to_numpy(dtype=float)
        after = rows[f"{k}_{s}_min_after"].to_numpy(dtype=float)
        with np.errstate(invalid="ignore"):
            saved = np.minimum(before, cap) - np.minimum(after, cap)
        saved = np.nan_to_num(saved, nan=0.0)
        out[(k, s)] = np.where(saved >= least - 1e-9, saved, 0.0)
    return out


def _minutes(value: float, lang: Lang) -> str:
    if not math.isfinite(value):
        return words.TEXT[lang]["no_access"]
    if value < 1:
        return "<1"
    return fmt_number(value, lang)


def table(ctx: Context, rows: Rows, saved: dict[tuple[str, str], np.ndarray]) -> dict[str, Any]:
    """Build the before → after table of a sheet (the template's variables)."""
    frame = rows.frame
    lang, t = ctx.lang, ctx.t
    pop = pd.to_numeric(frame["population"], errors="coerce").fillna(0).to_numpy(dtype=float)
    shown = [p for p in ctx.pairs if saved[p].any()]
    weight = sum((ctx.pair_weights[p] * saved[p] for p in shown), np.zeros(len(frame)))
    order = np.lexsort((frame["community_id"].astype(str).to_numpy(), -pop, -(weight * pop)))
    limit = MAX_ROWS if len(shown) <= 6 else MAX_ROWS - 3
    if len(order) > limit:
        limit -= 1  # room for the "and n more" line
    listed, rest = order[:limit], order[limit:]
    estimated = population_is_estimated(
        frame.get("population_source", pd.Series("unknown", index=frame.index)).fillna("unknown")
    )
    body = []
    for i in listed.tolist():
        row = frame.iloc[i]
        cells = []
        for p in shown:
            b, a = num(row[f"{p[0]}_{p[1]}_min_before"]), num(row[f"{p[0]}_{p[1]}_min_after"])
            cells.append(
                {
                    "before": _minutes(b, lang),
                    "after": _minutes(a, lang),
                    "changed": bool(saved[p][i] > 0),
                }
            )
        body.append(
            {
                "name": text_of(row.get("name")) or text_of(row["community_id"]),
                "district": text_of(row.get("district")),
                "population": fmt_number(pop[i], lang),
                "estimated": bool(estimated[i]),
                "cells": cells,
            }
        )
    groups: list[dict[str, Any]] = []
    for k, _ in shown:
        if not groups or groups[-1]["kind"] != k:
            groups.append({"kind": k, "name": kind_labels(k, lang)["name"], "span": 0})
        groups[-1]["span"] += 1
    people_rest = float(pop[rest].sum())
    return {
        "title": t["table_title"] if rows.alone else t["table_title_programme"],
        "groups": groups,
        "seasons": [words.SEASON_WORDS[lang][s]["name"] for _, s in shown],
        "rows": body,
        "more": (
            t["more_rows"].format(
                n=fmt_number(len(rest), lang),
                people=plural(people_rest, *_people_words(lang), lang=lang),
            )
            if len(rest)
            else ""
        ),
        "note": t["unchanged_note"].format(
            gain=fmt_number(ctx.result.weights.min_gain_min, lang),
            cap=fmt_number(ctx.result.cap_min, lang),
        ),
        "any_estimated": bool(estimated[listed].any()) if len(listed) else False,
        "empty": t["no_rows"].format(gain=fmt_number(ctx.result.weights.min_gain_min, lang)),
    }


def _people_words(lang: Lang) -> tuple[str, str]:
    return ("persona", "personas") if lang == "es" else ("person", "people")


def key_gain(
    ctx: Context, rows: pd.DataFrame, saved: dict[tuple[str, str], np.ndarray]
) -> words.KeyGain | None:
    """Find the pair (destination kind, state) in which the work gains most for the score."""
    if not len(rows):
        return None
    pop = pd.to_numeric(rows["population"], errors="coerce").fillna(0).to_numpy(dtype=float)
    value = {p: float((ctx.pair_weights[p] * saved[p] * pop).sum()) for p in ctx.pairs}
    best = max(value, key=lambda p: (value[p], -ctx.pairs.index(p)))
    if value[best] <= 0:
        return None
    kind, season = best
    before = rows[f"{kind}_{season}_min_before"].to_numpy(dtype=float)
    after = rows[f"{kind}_{season}_min_after"].to_numpy(dtype=float)
    gained = saved[best] > 0
    newly = gained & ~np.isfinite(before) & np.isfinite(after)
    i = int(np.argmax(np.where(gained, saved[best] * np.maximum(pop, 1), -1)))
    return words.KeyGain(
        kind=kind,
        season=season,
        people=float(pop[gained].sum()),
        newly_reachable=float(pop[newly].sum()),
        example=text_of(rows.iloc[i].get("name")) or text_of(rows.iloc[i]["community_id"]),
        before_min=float(before[i]),
        after_min=float(after[i]),
    )


def _axis(ctx: Context, work_id: str) -> tuple[str, str, tuple[str, ...]]:
    if ctx.axes is None:
        return "", "", ()
    for _, axis in ctx.axes.iterrows():
        members = [w for w in text_of(axis.get("works")).split(";") if w]
        if work_id in members:
            market = text_of(axis.get("market_name"))
            market = "" if market.lower() in ("", "nan", "none") else market
            return text_of(axis["axis_id"]), market, tuple(w for w in members if w != work_id)
    return "", "", ()


def why_facts(ctx: Context, work_id: str, rows: Rows, key: words.KeyGain | None) -> words.Why:
    """Gather the facts of a work's "why" paragraph from the ranking and programme tables."""
    work = ctx.work(work_id)
    cfg = ctx.config.ranking
    rank_col = {
        "bc_ratio": "bc_ratio",
        "npv": "npv",
        "cost_effectiveness": "pv_cost_per_person_benefited",
    }.get(cfg.rank_by, "score_per_1000")
    weights = ctx.result.weights
    programme = ctx.programme
    in_programme = work_id in programme.index
    facts: dict[str, Any] = {
        "rank": int(num(work["rank"])),
        "n_ranked": len(ctx.ranking),
        "rank_by": cfg.rank_by if rank_col in work.index else "score_per_1000",
        "rank_value": num(work.get(rank_col, work["score_per_1000"])),
        "score_per_1000": num(work["score_per_1000"]),
        "equity": bool(weights.equity_column) and float(weights.equity_strength) > 0,
        "people": num(work["people_benefited"]),
        "communities": int(num(work["communities_gaining"])),
        "mean_min": num(work.get("mean_min_saved_per_person")),
        "no_longer_cut_off": num(work.get("people_no_longer_cut_off_wet", 0.0)),
        "currency": ctx.result.currency,
        "key": key,
        "in_programme": in_programme,
        "programme_size": len(programme),
        "budget": ctx.budget,
        "budget_left": ctx.budget_left,
        "cost_net": num(work["cost_net"]),
        "hurdle": float(weights.min_score_per_1000),
        "min_bc_ratio": float(cfg.min_bc_ratio),
        "bc_ratio": num(work.get("bc_ratio")),
        "kinds": ctx.kinds,
        "alone_gains": rows.alone,
    }
    partners = [w for w in text_of(work.get("pays_together_with")).split(";") if w]
    if in_programme:
        step = ctx.step(work_id)
        cost = num(step["cost_net"])
        score = num(step["score"])
        facts["order"] = int(num(step["order"]))
        facts["programme_score_per_1000"] = math.inf if cost <= 0 else 1000.0 * score / cost
        facts["stage_of"] = text_of(step.get("stage_of"))
        facts["partners"] = tuple(w for w in partners if w in programme.index)
        if not rows.alone:
            pop = pd.to_numeric(rows.frame["population"], errors="coerce").fillna(0)
            facts["programme_people"] = float(pop.sum())
            facts["programme_communities"] = len(rows.frame)
            facts["partners"] = rows.partners
        facts["axis"], facts["axis_market"], facts["axis_works"] = _axis(ctx, work_id)
    else:
        facts.update(_reason(ctx, work_id, work, rows))
    return words.Why(**facts)


def _reason(ctx: Context, work_id: str, work: pd.Series, rows: Rows) -> dict[str, Any]:
    """Why a work is not in the programme, from the ranking and programme tables."""
    programme = ctx.programme
    if math.isnan(ctx.budget):
        return {"reason": "no_budget"}
    alternatives = [w for w in text_of(work.get("alternatives")).split(";") if w]
    chosen = [w for w in alternatives if w in programme.index]
    if chosen:
        other = chosen[0]
        out: dict[str, Any] = {
            "other": other,
            "other_rank": int(num(ctx.work(other)["rank"])) if other in ctx.ranking.index else 0,
        }
        if (other, work_id) in ctx.stages:
            increment = max(num(work["cost_net"]) - num(ctx.work(other)["cost_net"]), 0.0)
            return {**out, "reason": "stage", "increment": increment}
        return {**out, "reason": "alternative"}
    min_bc = float(ctx.config.ranking.min_bc_ratio)
    if min_bc > 0 and num(work.get("bc_ratio")) < min_bc:
        return {"reason": "bc_hurdle"}
    if num(work["score_per_1000"]) < float(ctx.result.weights.min_score_per_1000):
        return {"reason": "hurdle"}
    if num(work["cost_net"]) > ctx.budget_left + 1e-6 * max(ctx.budget, 1.0):
        return {"reason": "budget"}
    improved = set(ctx.improved_by_ids)
    ids = rows.frame["community_id"].astype(str)
    return {"reason": "outscored", "overlap": int(ids.isin(improved).sum())}


def figures(ctx: Context, work_id: str, rows: Rows) -> list[dict[str, Any]]:
    """List the cost, who gains and the appraisal, as titled lists of (label, value)."""
    work = ctx.work(work_id)
    t, lang, money = ctx.t, ctx.lang, ctx.money
    cost, net = num(work["cost"]), num(work["cost_net"])
    share = num(work.get("cofinancing_share", 0.0))
    share = 0.0 if math.isnan(share) else share
    costs = [
        (t["cost"], money(cost)),
        (t["cofinancing"], f"{fmt_pct(share, lang)} · {money(cost * share)}"),
        (t["cost_net"], money(net)),
    ]
    if work_id in ctx.programme.index:
        paid = num(ctx.step(work_id)["cost_net"])
        if abs(paid - net) > 0.5:
            costs.append((t["cost_in_programme"], money(paid)))
    people_words = _people_words(lang)
    pop = pd.to_numeric(rows.frame["population"], errors="coerce").fillna(0)
    people = num(work["people_benefited"]) if rows.alone else float(pop.sum())
    # a bundle work gains nothing alone: its cost per person is over the people it serves
    # in the programme, the same people the sheet counts (and invierte_pe.csv)
    per_person = (
        num(work.get("cost_per_person_benefited"))
        if rows.alone
        else (net / people if people > 0 else math.nan)
    )
    costs.append((t["cost_per_person"], money(per_person)))
    gaining = [
        (t["people"], fmt_number(people, lang)),
        (t["communities"], fmt_number(len(rows.frame), lang)),
    ]
    cut = num(work.get("people_no_longer_cut_off_wet", 0.0))
    if rows.alone and cut > 0:
        gaining.append((t["no_longer_cut_off"], plural(cut, *people_words, lang=lang)))
    mean = num(work.get("mean_min_saved_per_person"))
    if rows.alone and math.isfinite(mean):
        gaining.append((t["mean_saving"], t["per_trip"].format(min=fmt_number(mean, lang))))
    out = [
        {
            "title": t["costs"],
            "items": costs,
            "note": t["prices"].format(year=ctx.result.price_year),
        },
        {
            "title": t["benefits" if rows.alone else "benefits_programme"],
            "items": gaining,
            "note": "",
        },
    ]
    appraisal = ctx.config.appraisal
    if appraisal is not None and "npv" in work.index:
        eirr = num(work.get("eirr"))
        bc = num(work.get("bc_ratio"))
        case = eirr_case(
            eirr, npv=num(work.get("npv")), cost=cost, benefit=num(work.get("benefit_per_year"))
        )
        items = [
            (t["benefit_year"], money(num(work.get("benefit_per_year")))),
            (t["npv"], money(num(work.get("npv")))),
            (t["bc"], fmt_number(bc, lang, decimals=2) if math.isfinite(bc) else "—"),
            (
                t["eirr"],
                fmt_pct(eirr, lang, decimals=1) if case == "value" else t["eirr_" + case],
            ),
            (t["pv_cost_person"], money(num(work.get("pv_cost_per_person_benefited")))),
        ]
        note = t["appraisal_note"].format(
            rate=fmt_pct(appraisal.discount_rate, lang),
            years=appraisal.horizon_years,
            vot=fmt_money(appraisal.value_of_time_per_hour, ctx.result.currency, lang, decimals=2),
            source=appraisal.value_of_time_source,
        )
        if case != "value" and t["eirr_note_" + case]:
            note += " " + t["eirr_note_" + case]
        title = t["appraisal" if rows.alone else "appraisal_alone"]
        out.append({"title": title, "items": items, "note": note})
    return out


def eirr_case(eirr: float, *, npv: float, cost: float, benefit: float) -> str:
    """Say what a work's social IRR is, or why it has none.

    Parameters
    ----------
    eirr : float
        The IRR (NaN when the appraisal found none).
    npv, cost, benefit : float
        The work's social NPV, investment and yearly benefit.

    Returns
    -------
    str
        ``"value"`` (the IRR is a number), ``"no_benefit"`` (nothing to
        repay the investment with), ``"free"`` (a work that costs nothing
        gains: the rate is not defined), ``"not_repaid"`` (the benefits do
        not repay the investment) or ``"above"`` (it repays it at more than
        the 1,000,000 % a year the search looks up to).

    Examples
    --------
    >>> eirr_case(0.517, npv=9e4, cost=36e3, benefit=19e3)
    'value'
    >>> [eirr_case(math.nan, npv=n, cost=c, benefit=b) for n, c, b in
    ...     [(-2e5, 2e5, 0.0), (1e3, 0.0, 150.0), (-9e4, 1e5, 10.0), (5e6, 1.0, 6e5)]]
    ['no_benefit', 'free', 'not_repaid', 'above']
    """
    if math.isfinite(eirr):
        return "value"
    if not benefit > 0:
        return "no_benefit"
    if not cost > 0:
        return "free"
    return "above" if npv > 0 else "not_repaid"


def flag_names(ctx: Context, rows: Rows) -> dict[str, list[str]]:
    """Name the communities each flag concerns."""
    frame = rows.frame
    ids = frame["community_id"].astype(str)
    facts = ctx.communities.reindex(ids.to_numpy())
    names = [
        text_of(n) or i for n, i in zip(frame.get("name", ids).tolist(), ids.tolist(), strict=True)
    ]
    source = frame.get("population_source", pd.Series("unknown", index=frame.index)).fillna("")
    estimated = population_is_estimated(source.astype(str))
    far = facts.get("far_from_road", pd.Series(False, index=facts.index)).fillna(False)
    main = facts.get("main_piece", pd.Series(True, index=facts.index)).fillna(True)

    def pick(mask: np.ndarray) -> list[str]:
        return [n for n, m in zip(names, mask, strict=True) if m]

    return {
        "estimated_population": pick(np.asarray(estimated, dtype=bool)),
        "far_from_road": pick(far.to_numpy(dtype=bool)),
        "disconnected_piece": pick(~main.to_numpy(dtype=bool)),
    }
