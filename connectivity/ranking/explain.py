"""The ranking's explanation (``ranking_explanation.txt``), in the region's language.

:func:`explain` says in plain language what :func:`connectivity.ranking.rank_works`
found: the region's access before any work (each average beside the share of
people cut off), how works were scored and ranked, the programme (or why there
is none), the best works with what to verify in the field, the pairs of works
that pay together and, with an ``[appraisal]`` section, the programme's money
figures and their assumptions. Every sentence comes from the catalogue of
:mod:`connectivity.ranking.words` and every figure is written by
:mod:`connectivity.i18n`, so the same facts read in Spanish (``S/ 450 000``,
``1 comunidad``) or English (``PEN 450,000``, ``1 community``); names of works
and communities come from the data as they are.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd

from connectivity import access as access_mod
from connectivity.i18n import Lang
from connectivity.network import RoadNetwork
from connectivity.ranking.appraisal import AppraisalParameters
from connectivity.ranking.flags import describe_flags, programme_flag_lines
from connectivity.ranking.portfolio import Portfolio
from connectivity.ranking.score import ScoreWeights
from connectivity.ranking.words import Words
from connectivity.works import WorkSet

__all__ = ["explain", "mean_minutes_text"]


def explain(
    network: RoadNetwork,
    workset: WorkSet,
    ranking: pd.DataFrame,
    portfolio: Portfolio,
    weights: ScoreWeights,
    thresholds: Sequence[float],
    cap_min: float,
    *,
    rank_by: str = "score_per_1000",
    appraisal: Mapping[str, Any] | None = None,
    params: AppraisalParameters | None = None,
    lang: Lang = "en",
) -> str:
    """Say what the ranking found, in ``lang``.

    Parameters
    ----------
    network, workset
        The base network and the works ranked.
    ranking : pandas.DataFrame
        Every work by rank (:attr:`RankingResult.ranking`).
    portfolio : Portfolio
        The programme and its facts (:attr:`Portfolio.facts`), with its bundles.
    weights, thresholds, cap_min
        As the ranking used them.
    rank_by : str
        The figure works are ranked by (:data:`connectivity.ranking.rank.RANK_KEYS`).
    appraisal : mapping, optional
        The programme's appraisal (:func:`connectivity.ranking.appraise_programme`).
    params : AppraisalParameters, optional
        Its assumptions (with ``appraisal``).
    lang : {"es", "en"}
        The language of the text.

    Returns
    -------
    str
        Lines joined by newlines.
    """
    w = Words(lang)
    cur = workset.currency
    people = float(pd.to_numeric(network.communities["population"], errors="coerce").sum())
    kinds = network.kinds
    lines = [
        w.text(
            "overview",
            works=w.count(len(ranking), "road_work"),
            communities=w.count(len(network.communities), "community"),
            people=w.count(people, "person"),
            currency=w.currency(cur),
            year=workset.price_year,
        ),
        *_access_before(portfolio.communities_after, cap_min, w),
        w.text(
            "score",
            kinds=w.kinds(kinds),
            weights=_weights_text(weights, kinds, w),
            cap=w.plain(cap_min),
            thresholds=", ".join(w.plain(t) for t in thresholds),
        ),
        w.text(f"ranked_by_{rank_by}", currency=cur, per_1000=w.money(1000, cur)),
        portfolio.facts.describe(lang),
    ]
    top = ranking[ranking["score"] > 0].head(weights.top_n)
    if len(top):
        lines.append(w.agree("top", len(top), n=w.number(len(top))))
        for work_id, row in top.iterrows():
            lines.append(_top_work(str(work_id), row, cur, w))
            note = describe_flags(str(row.get("flags", "") or ""), lang=lang)
            if note:
                lines.append(w.text("verify_line", Note=note[:1].upper() + note[1:]))
    else:
        lines.append(w.text("no_gain"))
    lines.extend(programme_flag_lines(ranking, [str(i) for i in top.index], lang=lang))
    lines.extend(_bundle_lines(portfolio.bundles, cur, w))
    if appraisal is not None and params is not None:
        lines.extend(_appraisal_lines(ranking, appraisal, params, cur, w))
    return "\n".join(lines)


def _top_work(work_id: str, row: pd.Series, currency: str, w: Words) -> str:
    """One line of the top works: who gains, how much, for how much money."""
    people = float(row["people_benefited"])
    cut = float(row["people_no_longer_cut_off_wet"])
    return w.agree(
        "top_work",
        people,
        rank=int(row["rank"]),
        work_id=work_id,
        name=row.get("name", "") or "",
        people=w.count(people, "person_benefited"),
        communities=w.count(int(row["communities_gaining"]), "community"),
        person_min=w.number(float(row["person_min_saved"])),
        cost=w.money(float(row["cost_net"]), currency),
        cut_off=(
            w.text("top_cut_off", people=w.count(cut, "person_no_longer_cut_off"))
            if cut > 0
            else ""
        ),
    )


def _weights_text(weights: ScoreWeights, kinds: Sequence[str], w: Words) -> str:
    """Say the score's weights: each kind's share, the days of each state, equity, least gain."""
    shares = " / ".join(
        w.text("kind_share", kind=w.kind_short(k), share=w.pct(share))
        for k, share in zip(kinds, weights.kind_shares(kinds), strict=True)
    )
    equity = ""
    if weights.equity_column and weights.equity_strength > 0:
        equity = w.text(
            "weights_equity",
            strength=w.plain(weights.equity_strength),
            column=weights.equity_column,
        )
    return w.text(
        "weights",
        shares=shares,
        dry=w.plain(weights.dry_days),
        rain=w.plain(weights.rain_days),
        wet=w.plain(weights.wet_days),
        equity=equity,
        min_gain=w.plain(weights.min_gain_min),
    )


def _access_before(communities: pd.DataFrame, cap_min: float, w: Words) -> list[str]:
    """Lines on the region's access before any work: each mean beside the share cut off.

    ``communities`` holds ``population`` and ``{kind}_{season}_min_before``
    (:attr:`Portfolio.communities_after`).
    """
    pop = pd.to_numeric(communities["population"], errors="coerce").fillna(0.0).to_numpy()
    lines = [w.text("access_head")]
    end = "_dry_min_before"
    kinds = [str(c)[: -len(end)] for c in communities.columns if str(c).endswith(end)]
    for kind in kinds:
        seasons = []
        for season in access_mod.SEASONS:
            stats = access_mod.travel_time_stats(
                communities[f"{kind}_{season}_min_before"].to_numpy(dtype=float),
                pop,
                unreachable_cap_min=cap_min,
            )
            seasons.append(f"{w.season(season)} {mean_minutes_text(stats, cap_min, w.lang)}")
        name = w.kind(kind)
        lines.append(
            w.text(
                "access_kind",
                kind=name,
                Kind=name[:1].upper() + name[1:],
                seasons=w.text("access_join").join(seasons),
            )
        )
    return lines


def mean_minutes_text(stats: Mapping[str, float], cap_min: float, lang: Lang) -> str:
    r"""Say the mean minutes of one kind and season, with who has no route, in ``lang``.

    The English text is :func:`connectivity.access.describe_mean_minutes`'s (the log's).

    Parameters
    ----------
    stats : mapping
        Output of :func:`connectivity.access.travel_time_stats`.
    cap_min : float
        The minutes counted for a person with no route.
    lang : {"es", "en"}

    Examples
    --------
    >>> stats = access_mod.travel_time_stats(np.array([10.0, 30.0, np.inf]),
    ...                                      np.array([1.0, 2.0, 1.0]))
    >>> print(mean_minutes_text(stats, 480, "es").replace("\xa0", " "))
    23,3 min en promedio (el 75 % que puede llegar; 1 persona aislada (25 %), sin ruta; 137,5 min si cada persona sin ruta cuenta 480 min)
    """  # noqa: E501
    w = Words(lang)
    share = stats["unreachable_share"]
    if not np.isfinite(share):
        return w.text("mean_nobody_lives")
    mean = w.number(stats["mean_min_reachable"], 1)
    if share == 0:
        return w.text("mean_all_reach", mean=mean)
    if share == 1:
        return w.text("mean_none_reach")
    return w.text(
        "mean_some_cut",
        mean=mean,
        reach=w.share(1.0 - share),
        cut_people=w.count(stats["unreachable_people"], "person_cut_off"),
        cut=w.share(share),
        mean_cap=w.number(stats["mean_min_unreachable_at_cap"], 1),
        cap=w.plain(cap_min),
    )


def _bundle_lines(bundles: pd.DataFrame, currency: str, w: Words, *, top: int = 5) -> list[str]:
    """Lines on the works that pay together but not alone (``bundles.csv``)."""
    if bundles.empty:
        return []
    lines = [w.agree("bundles", len(bundles), pairs=w.count(len(bundles), "pair"))]
    for row in bundles.head(top).to_dict("records"):
        lines.append(
            w.text(
                "bundle",
                bundle_id=row["bundle_id"],
                work_a=row["work_a"],
                work_b=row["work_b"],
                score_a=w.number(float(row["score_a_alone"])),
                score_b=w.number(float(row["score_b_alone"])),
                score_ab=w.number(float(row["score_together"])),
                cost=w.money(float(row["cost_net"]), currency),
                chosen=w.text("bundle_chosen") if row["in_programme"] else "",
            )
        )
    return lines


def _appraisal_lines(
    ranked: pd.DataFrame,
    programme: Mapping[str, Any],
    params: AppraisalParameters,
    currency: str,
    w: Words,
) -> list[str]:
    """Lines on the appraisal: the programme's figures, how many works pay, the assumptions."""
    if programme["works"] == 0:
        figures = w.text("appraisal_none")
    else:
        eirr = float(programme["eirr"])
        if not math.isnan(eirr):
            eirr_text = w.pct(eirr, 1)
        else:
            eirr_text = w.text("eirr_none" if programme["npv"] < 0 else "eirr_undefined")

        def money(key: str) -> str:
            return w.money(float(programme[key]), currency)

        figures = w.text(
            "appraisal_figures",
            hours=w.count(float(programme["hours_saved_per_year"]), "hour_saved"),
            benefit=money("benefit_per_year"),
            pv_benefits=money("pv_benefits"),
            pv_costs=money("pv_costs"),
            npv=money("npv"),
            bc=w.number(float(programme["bc_ratio"]), 2),
            eirr=eirr_text,
            cost_per_person=money("pv_cost_per_person_benefited"),
            people=w.count(float(programme["people_benefited"]), "person"),
        )
    gaining = ranked[ranked["score"] > 0]
    passing = int((gaining["bc_ratio"] >= 1).sum())
    if gaining.empty:
        paying = w.text("bc_passing_nothing")
    elif len(gaining) == 1:
        paying = w.text("bc_passing_only_yes" if passing else "bc_passing_only_no")
    elif passing == 0:
        paying = w.text("bc_passing_none", gaining=w.number(len(gaining)))
    else:
        paying = w.agree(
            "bc_passing",
            passing,
            passing=w.number(passing),
            gaining=w.number(len(gaining)),
        )
    end = "_dry_person_min_saved"
    kinds = [str(c)[: -len(end)] for c in ranked.columns if str(c).endswith(end)]
    return [
        w.text("appraisal", figures=figures),
        paying,
        w.text("assumptions"),
        *[
            w.text("assumption", line=line)
            for line in params.describe(currency, lang=w.lang, kinds=kinds)
        ],
    ]
