"""From scenario results to what a planner reads: probabilities, intervals, curves, switches.

* :func:`work_table` — per work: the probability of being in the programme,
  the rank interval (P5–P95), and the mean and P5–P95 of its score, its
  benefit (present value) and its B/C, over the Monte Carlo scenarios
  (scenario 0, the run itself, is left out of the statistics);
* :func:`scenario_table` — per scenario: the programme's size, cost, score and
  benefit, and how much of the run's programme it keeps;
* :func:`budget_curve` — the programme at each budget level, with the equity
  weight and without, and the marginal return per 1,000 soles between levels
  against the hurdle;
* :func:`switching_values` — per programme work, the cost rise (or the fall of
  its beneficiaries' population) at which it would leave the programme; per
  top work left out, the cost fall at which it would enter. First from the
  programme's cut-off ratios, then checked by choosing the programme again
  just past each value (:func:`switching_checks`).
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
import pandas as pd

from connectivity.robustness.montecarlo import Job
from connectivity.robustness.scenario import ScenarioResult

__all__ = [
    "CHECK_MARGIN",
    "budget_curve",
    "scenario_table",
    "switching_checks",
    "switching_values",
    "work_table",
]

#: A switching value is checked by choosing the programme again with the cost this much
#: (relative) past it: the work must then have left (or entered) the programme.
CHECK_MARGIN = 0.02


def _percentiles(values: np.ndarray, qs: Sequence[float]) -> list[np.ndarray]:
    """Per column, the percentiles ``qs`` of the finite values (NaN where none)."""
    out = [np.full(values.shape[1], np.nan) for _ in qs]
    finite = np.isfinite(values)
    whole = finite.all(axis=0)
    if whole.any():
        got = np.percentile(values[:, whole], qs, axis=0)
        for k in range(len(qs)):
            out[k][whole] = got[k]
    for j in np.flatnonzero(~whole & finite.any(axis=0)):
        col = values[finite[:, j], j]
        for k, q in enumerate(qs):
            out[k][j] = np.percentile(col, q)
    return out


def _mean(values: np.ndarray) -> np.ndarray:
    finite = np.isfinite(values)
    n = finite.sum(axis=0)
    total = np.where(finite, values, 0.0).sum(axis=0)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(n > 0, total / np.maximum(n, 1), np.nan)


def work_table(ids: Sequence[str], results: Sequence[ScenarioResult]) -> pd.DataFrame:
    """Per work, its statistics over the scenarios (not scenario 0).

    Parameters
    ----------
    ids : sequence of str
        Work ids, in the order of the results' arrays.
    results : sequence of ScenarioResult
        The Monte Carlo scenarios (scenario 0 is skipped).

    Returns
    -------
    pandas.DataFrame
        Indexed by ``work_id``: ``p_in_programme``, ``rank_p5``,
        ``rank_median``, ``rank_p95``, and ``score_``, ``benefit_``,
        ``bc_ratio_`` ``mean`` / ``p5`` / ``p95``.
    """
    drawn = [r for r in results if r.scenario != 0]
    out = pd.DataFrame(index=pd.Index(list(ids), name="work_id"))
    if not drawn:
        return out
    out["p_in_programme"] = np.mean([r.in_programme for r in drawn], axis=0)
    ranks = np.array([r.rank for r in drawn], dtype=float)
    p5, p50, p95 = _percentiles(ranks, (5, 50, 95))
    out["rank_p5"], out["rank_median"], out["rank_p95"] = p5, p50, p95
    for name, attr in (("score", "score"), ("benefit", "benefit"), ("bc_ratio", "bc_ratio")):
        values = np.array([getattr(r, attr) for r in drawn], dtype=float)
        values[~np.isfinite(values)] = np.nan
        lo, hi = _percentiles(values, (5, 95))
        out[f"{name}_mean"] = _mean(values)
        out[f"{name}_p5"], out[f"{name}_p95"] = lo, hi
    return out


def scenario_table(results: Sequence[ScenarioResult], run_programme: Sequence[str]) -> pd.DataFrame:
    """Tabulate per scenario the programme's size, cost, score, benefit and share of the run's."""
    run_set = set(run_programme)
    rows = []
    for r in results:
        chosen = set(r.programme)
        rows.append(
            {
                "scenario": r.scenario,
                "n_works": len(r.programme),
                "spent": r.programme_cost,
                "programme_score": r.programme_score,
                "programme_benefit": r.programme_benefit,
                "run_works_kept": len(chosen & run_set),
                "run_works_kept_share": len(chosen & run_set) / len(run_set) if run_set else 1.0,
            }
        )
    return pd.DataFrame(rows)


def budget_curve(
    results: Sequence[ScenarioResult], *, budget: float, hurdle_per_1000: float
) -> pd.DataFrame:
    """Tabulate the programme at each budget level, with and without the equity weight.

    Parameters
    ----------
    results : sequence of ScenarioResult
        Scenario-0 results at several ``budget_share`` values, equity on and off.
    budget : float
        The run's budget.
    hurdle_per_1000 : float
        The hurdle: score per 1,000 of net cost.

    Returns
    -------
    pandas.DataFrame
        One row per level and equity setting, in order of the budget:
        ``marginal_score_per_1000`` is what the money added since the level
        before buys (NaN where no more work is worth funding: the spend does
        not grow), ``below_hurdle`` whether it is under the hurdle.
    """
    rows = []
    for equity in (True, False):
        prev_spent, prev_score = 0.0, 0.0
        for r in sorted((r for r in results if r.equity is equity), key=lambda r: r.budget_share):
            extra = r.programme_cost - prev_spent
            gained = r.programme_score - prev_score
            marginal = 1000.0 * gained / extra if extra > 1e-6 else math.nan
            rows.append(
                {
                    "budget_share": r.budget_share,
                    "budget": budget * r.budget_share,
                    "equity_weight": equity,
                    "n_works": len(r.programme),
                    "spent": r.programme_cost,
                    "programme_score": r.programme_score,
                    "programme_benefit": r.programme_benefit,
                    "marginal_score_per_1000": marginal,
                    "below_hurdle": bool(np.isfinite(marginal) and marginal < hurdle_per_1000),
                    "work_ids": list(r.programme),
                }
            )
            prev_spent, prev_score = r.programme_cost, r.programme_score
    return pd.DataFrame(rows)


def switching_values(
    ranking: pd.DataFrame,
    programme: pd.DataFrame,
    outside: pd.Series,
    *,
    budget: float,
    hurdle_per_1000: float,
    top_n: int,
) -> pd.DataFrame:
    """First estimate of the switching values, from the programme's cut-off ratios.

    A programme work ``i`` (score ``s_i`` given the works chosen before it,
    net cost ``c_i``) stays while ``s_i / c_i`` beats the best use of the money
    outside the programme, ``r_out``: the highest score per sol, on the network
    with the programme done, of a work left out that fits the budget and can
    join the programme (not an alternative of one of its works), and at least
    the hurdle. So its
    cost may rise by ``s_i / (r_out c_i) - 1``, or its beneficiaries'
    population (the score is proportional to it) fall by ``1 - r_out c_i / s_i``.
    A top work ``j`` left out (score ``g_j`` on the network with the
    programme done) enters once its score per sol beats the weakest programme
    work's, ``r_in``: its cost must fall by ``1 - g_j / (r_in c_j)``
    (none for a work that cannot join the programme: an alternative of one of
    its works, or one that gains nothing once the programme is done).

    Parameters
    ----------
    ranking : pandas.DataFrame
        The run's ranking (indexed by ``work_id``; ``rank``, ``score``,
        ``cost_net``, ``in_portfolio``).
    programme : pandas.DataFrame
        The run's programme (``work_id``, ``score``, ``cost_net``).
    outside : pandas.Series
        Per work id, its score on the network with the programme done (0
        for the programme's works and their alternatives:
        :func:`connectivity.robustness.scenario.marginal_after_programme`).
    budget, hurdle_per_1000 : float
    top_n : int
        How many top-ranked works left out get a value.

    Returns
    -------
    pandas.DataFrame
        Indexed by ``work_id``: ``switching_cost_pct`` (positive: the rise
        that takes a programme work out; negative: the fall that brings a top
        work in) and ``switching_population_pct`` (negative: the fall of a
        programme work's beneficiaries that takes it out).
    """
    out = pd.DataFrame(
        {"switching_cost_pct": np.nan, "switching_population_pct": np.nan},
        index=ranking.index.copy(),
    )
    if programme.empty:
        return out
    chosen = set(programme["work_id"])
    gain = outside.reindex(ranking.index).fillna(0.0).to_numpy(dtype=float)
    cost = ranking["cost_net"].to_numpy(dtype=float)
    free = ~ranking.index.isin(list(chosen)) & (gain > 0) & (cost > 0) & (cost <= budget)
    with np.errstate(divide="ignore", invalid="ignore"):
        best_out = float(np.max(gain[free] / cost[free])) if free.any() else 0.0
    r_out = max(best_out, hurdle_per_1000 / 1000.0)
    s = programme["score"].to_numpy(dtype=float)
    c = programme["cost_net"].to_numpy(dtype=float)
    useful = (s > 0) & (c > 0)
    if r_out > 0:
        with np.errstate(divide="ignore", invalid="ignore"):
            rise = np.where(useful, s / (r_out * c) - 1.0, np.nan)
            fall = np.where(useful, 1.0 - r_out * c / s, np.nan)
        ids = programme["work_id"].astype(str).to_numpy()
        out.loc[ids, "switching_cost_pct"] = 100.0 * np.maximum(rise, 0.0)
        out.loc[ids, "switching_population_pct"] = -100.0 * np.clip(fall, 0.0, 1.0)
    if useful.any():
        r_in = float(np.min(s[useful] / c[useful]))
        top = ranking[(ranking["rank"] <= top_n) & ~ranking.index.isin(list(chosen))]
        # a work that cannot join the programme (an alternative of one of its works, or
        # nothing left to gain once it is done) does not enter by being cheaper
        joinable = outside.reindex(top.index).fillna(0.0) > 0
        top = top[(top["score"] > 0) & (top["cost_net"] > 0) & joinable.to_numpy()]
        if len(top) and r_in > 0:
            gains = outside.reindex(top.index).to_numpy(dtype=float)
            fall_in = 1.0 - gains / (r_in * top["cost_net"].to_numpy(dtype=float))
            out.loc[top.index, "switching_cost_pct"] = -100.0 * np.clip(fall_in, 0.0, 1.0)
    return out


def switching_checks(values: pd.DataFrame, programme: Sequence[str]) -> list[Job]:
    """Jobs that choose the programme again just past each switching value of cost."""
    chosen = set(programme)
    jobs = []
    for work_id, pct in values["switching_cost_pct"].dropna().items():
        change = float(pct) / 100.0
        if str(work_id) in chosen:
            factor = (1.0 + change) * (1.0 + CHECK_MARGIN)
        else:
            factor = max((1.0 + change) * (1.0 - CHECK_MARGIN), 1e-6)
        jobs.append(Job(scenario=0, cost_factors=((str(work_id), factor),)))
    return jobs


def checked(
    values: pd.DataFrame,
    jobs: Sequence[Job],
    results: Sequence[ScenarioResult],
    programme: Sequence[str],
) -> pd.Series:
    """Whether each checked switching value holds: the work left (or entered) just past it."""
    chosen = set(programme)
    out = pd.Series(pd.NA, index=values.index, dtype="boolean")
    for job, result in zip(jobs, results, strict=True):
        work_id = job.cost_factors[0][0]
        now_in = work_id in set(result.programme)
        out[work_id] = (not now_in) if work_id in chosen else now_in
    return out
