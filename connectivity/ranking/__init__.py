"""Access gained by road works: evaluation, ranking and a budget portfolio.

Takes the works of :mod:`connectivity.works` (edge changes that make roads
faster or add links) and answers the planner's question: which works, in which
order, give the most people faster access to markets, schools and health posts, and for how
much money.

Modules:

* :mod:`connectivity.ranking.measures` — facility kinds, seasons and their
  edge weights, the cap of minutes saved, the gain tolerance and the layout of
  the kernel's statistics;
* :mod:`connectivity.ranking.score` — :class:`ScoreWeights` (the ``[ranking]``
  weights), the equity weights and the composite score;
* :mod:`connectivity.ranking.engine` — the evaluation engine: reversed CSR
  arrays of a network, the current travel times, works run in batches through
  the numba kernels of ``_kernel`` (heap, bounded Dijkstra search);
* :mod:`connectivity.ranking.evaluate` — :func:`evaluate_works` and
  :func:`work_gains`: the exact incremental evaluation of every work alone and
  the measures it gives (how a work is evaluated and the columns are
  documented there);
* :mod:`connectivity.ranking.reference` —
  :func:`evaluate_works_by_recomputation`: the same by applying each work and
  recomputing every time (slow; tests and benchmark);
* :mod:`connectivity.ranking.appraisal` — :func:`appraise_works` and
  :func:`appraise_programme`: hours saved a year valued at the value of time,
  against the investment and the change in maintenance over the horizon
  (NPV, B/C, EIRR, cost per person benefited), from the ``[appraisal]``
  section (:class:`AppraisalParameters`);
* :mod:`connectivity.ranking.portfolio` — :func:`select_portfolio`: a
  programme under a budget, chosen greedily on the network improved by the
  works chosen before, never paying twice for one site (alternatives, stages
  priced as the increment) and stopping at a hurdle;
* :mod:`connectivity.ranking.optimise` — the search around the greedy
  programme (other first picks, drop-and-refill local search, every subset
  on small instances) that makes it near-optimal;
* :mod:`connectivity.ranking.axes` — :func:`programme_axes`: the programme by
  axis (*ejes*), its works grouped by the corridor of the same communities to
  one market;
* :mod:`connectivity.ranking.flags` — :func:`work_flags`: the assumptions
  behind each work's gain to verify in the field (inferred crossing,
  estimated population, disconnected piece, far from road);
* :mod:`connectivity.ranking.rank` — :func:`rank_works`: the ranking stage
  (evaluate, rank, choose the programme);
* :mod:`connectivity.ranking.report` — :class:`RankingResult`, its
  plain-language explanation and :func:`write_ranking_outputs` (CSV,
  GeoPackage, text);
* :mod:`connectivity.ranking.explain` — :func:`explain`: the explanation
  (``ranking_explanation.txt``) in the region's language;
* :mod:`connectivity.ranking.programme_facts` — what the explanation says
  about the programme (its figures, why budget is left, how it compares),
  kept as facts and said in any language;
* :mod:`connectivity.ranking.words` — the catalogue of the explanation's
  sentences and counted nouns in each language (Spanish, English): a
  language is added there.
"""

from __future__ import annotations

from connectivity.ranking.appraisal import (
    APPRAISAL_COLUMNS,
    AppraisalParameters,
    TripRate,
    appraise_programme,
    appraise_works,
)
from connectivity.ranking.axes import AXIS_COLUMNS, programme_axes
from connectivity.ranking.evaluate import evaluate_works, work_gains
from connectivity.ranking.flags import FLAGS, work_flags
from connectivity.ranking.measures import (
    FACILITY_KINDS,
    GAIN_TOL_S,
    SEASON_WEIGHTS,
    SEASONS,
    UNREACHABLE_CAP_MIN,
)
from connectivity.ranking.portfolio import PROGRAMME_COLUMNS, Portfolio, select_portfolio
from connectivity.ranking.rank import ROAD_COLUMNS, rank_works
from connectivity.ranking.reference import evaluate_works_by_recomputation
from connectivity.ranking.report import RankingResult, write_ranking_outputs
from connectivity.ranking.score import ScoreWeights

__all__ = [
    "APPRAISAL_COLUMNS",
    "AXIS_COLUMNS",
    "FACILITY_KINDS",
    "FLAGS",
    "GAIN_TOL_S",
    "PROGRAMME_COLUMNS",
    "ROAD_COLUMNS",
    "SEASONS",
    "SEASON_WEIGHTS",
    "UNREACHABLE_CAP_MIN",
    "AppraisalParameters",
    "Portfolio",
    "RankingResult",
    "ScoreWeights",
    "TripRate",
    "appraise_programme",
    "appraise_works",
    "evaluate_works",
    "evaluate_works_by_recomputation",
    "programme_axes",
    "rank_works",
    "select_portfolio",
    "work_flags",
    "work_gains",
    "write_ranking_outputs",
]
