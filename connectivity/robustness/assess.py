"""The robustness stage: Monte Carlo, budget curve and switching values of a ranked run.

:func:`assess_robustness` takes what the ranking stage produced (the split
network, the works, the :class:`connectivity.ranking.RankingResult`) and the
``[robustness]`` settings, builds the :class:`BaseCase` once, and runs three
sets of jobs on the same Dask client:

1. scenario 0 and ``scenarios`` drawn scenarios (the Monte Carlo, ``warm``
   rule); scenario 0 must give back the run's programme, which is checked;
2. the budget curve: the run's own rule (``search``) at every budget level,
   with the equity weight and without;
3. the checks of the switching values.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from connectivity.errors import ConnectivityError
from connectivity.network import RoadNetwork
from connectivity.ranking.appraisal import AppraisalParameters
from connectivity.ranking.report import RankingResult
from connectivity.robustness.analysis import (
    budget_curve,
    checked,
    scenario_table,
    switching_checks,
    switching_values,
    work_table,
)
from connectivity.robustness.montecarlo import (
    Job,
    RunFacts,
    dask_client,
    run_jobs,
    scatter_base,
)
from connectivity.robustness.scenario import BaseCase, marginal_after_programme
from connectivity.uncertainty import RobustnessSection, spreads_table
from connectivity.works import WorkSet

__all__ = ["ROBUSTNESS_COLUMNS", "RobustnessResult", "assess_robustness"]

log = logging.getLogger(__name__)

#: Columns of ``robustness.csv``, in order (besides ``work_id`` first).
ROBUSTNESS_COLUMNS: tuple[str, ...] = (
    "rank",
    "name",
    "work_type",
    "in_portfolio",
    "p_in_programme",
    "rank_p5",
    "rank_median",
    "rank_p95",
    "cost_net",
    "score",
    "score_mean",
    "score_p5",
    "score_p95",
    "pv_benefits",
    "benefit_mean",
    "benefit_p5",
    "benefit_p95",
    "bc_ratio",
    "bc_ratio_mean",
    "bc_ratio_p5",
    "bc_ratio_p95",
    "switching_cost_pct",
    "switching_population_pct",
    "switching_checked",
    "flags",
)


@dataclass(frozen=True)
class RobustnessResult:
    """What the robustness stage found.

    Attributes
    ----------
    works : pandas.DataFrame
        Per work (``robustness.csv``): :data:`ROBUSTNESS_COLUMNS`, by the run's rank.
    budget_curve : pandas.DataFrame
        ``budget_curve.csv`` (see :func:`connectivity.robustness.analysis.budget_curve`).
    scenarios : pandas.DataFrame
        Per scenario (0 is the run): the programme's size, cost, score, benefit.
    spreads : pandas.DataFrame
        The distributions drawn from (input, key, low, mode, high).
    n_scenarios, seed : int
    hurdle_per_1000 : float
    currency : str
    monte_carlo, curve, checks : RunFacts
        How each set of jobs ran.
    """

    works: pd.DataFrame
    budget_curve: pd.DataFrame
    scenarios: pd.DataFrame
    spreads: pd.DataFrame
    n_scenarios: int
    seed: int
    hurdle_per_1000: float
    currency: str
    monte_carlo: RunFacts
    curve: RunFacts
    checks: RunFacts
    notes: list[str] = field(default_factory=list)


def base_case(
    network: RoadNetwork,
    workset: WorkSet,
    ranking: RankingResult,
    *,
    section: RobustnessSection,
    appraisal: AppraisalParameters | None,
    min_bc_ratio: float,
    rank_by: str,
) -> BaseCase:
    """Build the :class:`BaseCase` of a ranked run."""
    return BaseCase.from_run(
        network,
        workset,
        programme=[str(w) for w in ranking.portfolio["work_id"]],
        pairs=list(
            zip(ranking.bundles.get("work_a", []), ranking.bundles.get("work_b", []), strict=True)
        ),
        weights=ranking.weights,
        thresholds=ranking.thresholds_min,
        cap_min=ranking.cap_min,
        budget=ranking.budget,
        params=appraisal,
        min_bc_ratio=min_bc_ratio,
        rank_by=rank_by,
        section=section,
    )


def assess_robustness(
    base: BaseCase,
    ranking: RankingResult,
    *,
    scenarios: int | None = None,
    client: Any | None = None,
    scheduler: str | None = None,
    workers: int | None = None,
    in_process: bool = False,
) -> RobustnessResult:
    """Run the Monte Carlo, the budget curve and the switching-value checks.

    Parameters
    ----------
    base : BaseCase
        From :func:`base_case`.
    ranking : RankingResult
        The run's ranking (its programme, scores and ranks).
    scenarios : int, optional
        Drawn scenarios (default: ``base.section.scenarios``).
    client : distributed.Client, optional
        Run on this client; else one of ``scheduler`` (default: the section's)
        or of an embedded ``LocalCluster`` of ``workers`` workers.
    in_process : bool
        Run every job in this process, without Dask (the reference).

    Returns
    -------
    RobustnessResult

    Raises
    ------
    ConnectivityError
        No budget (nothing to choose), or the Dask scheduler cannot be reached.
    """
    section = base.section
    if base.budget is None:
        raise ConnectivityError(
            "robustness needs a budget: set [budget] amount in the region config or give --budget"
        )
    n = int(section.scenarios if scenarios is None else scenarios)
    if n < 1:
        raise ConnectivityError(f"scenarios must be at least 1, got {n}")
    hurdle = float(base.weights.min_score_per_1000)
    table = ranking.ranking
    outside = pd.Series(marginal_after_programme(base), index=pd.Index(base.ids))
    sv = switching_values(
        table,
        ranking.portfolio,
        outside,
        budget=base.budget,
        hurdle_per_1000=hurdle,
        top_n=base.weights.top_n,
    )
    mc_jobs = [Job(scenario=k) for k in range(n + 1)]
    curve_jobs = [
        Job(scenario=0, budget_share=share, equity=equity, rule="search")
        for equity in (True, False)
        for share in section.budget_levels
    ]
    check_jobs = switching_checks(sv, base.programme)

    def run_all(dask: Any | None) -> tuple[Any, ...]:
        shared = None if dask is None else scatter_base(dask, base)
        mc, mc_facts = run_jobs(base, mc_jobs, client=dask, desc="scenarios", shared=shared)
        curve, curve_facts = run_jobs(
            base, curve_jobs, client=dask, desc="budget curve", batch=1, shared=shared
        )
        checks, check_facts = run_jobs(
            base, check_jobs, client=dask, desc="switching values", batch=4, shared=shared
        )
        return mc, mc_facts, curve, curve_facts, checks, check_facts

    if in_process:
        mc, mc_facts, curve, curve_facts, checks, check_facts = run_all(None)
    elif client is not None:
        mc, mc_facts, curve, curve_facts, checks, check_facts = run_all(client)
    else:
        with dask_client(
            scheduler if scheduler is not None else section.scheduler,
            workers=section.workers if workers is None else workers,
        ) as dask:
            mc, mc_facts, curve, curve_facts, checks, check_facts = run_all(dask)

    log.info(
        "robustness: %d scenarios in %.0f s on %s (%.2f s of compute each), budget curve "
        "(%d programmes) in %.0f s, %d switching values checked in %.0f s",
        n,
        mc_facts.seconds,
        mc_facts.where,
        mc_facts.cpu_seconds_per_job,
        len(curve_jobs),
        curve_facts.seconds,
        len(check_jobs),
        check_facts.seconds,
    )
    notes: list[str] = []
    if mc[0].programme != base.programme:
        notes.append("scenario_0_differs")
        log.warning(
            "robustness: scenario 0 chose %d works, the run %d; the probabilities are of "
            "the Monte Carlo's rule",
            len(mc[0].programme),
            len(base.programme),
        )
    stats = work_table(base.ids, mc)
    works = table[
        [
            c
            for c in (
                "rank",
                "name",
                "work_type",
                "in_portfolio",
                "cost_net",
                "score",
                "pv_benefits",
                "bc_ratio",
                "flags",
            )
            if c in table.columns
        ]
    ]
    works = works.join(stats).join(sv)
    works["switching_checked"] = checked(sv, check_jobs, checks, base.programme)
    works = works[[c for c in ROBUSTNESS_COLUMNS if c in works.columns]]
    curve_table = budget_curve(curve, budget=base.budget, hurdle_per_1000=hurdle)
    return RobustnessResult(
        works=works,
        budget_curve=curve_table,
        scenarios=scenario_table(mc, base.programme),
        spreads=pd.DataFrame(spreads_table(section)),
        n_scenarios=n,
        seed=int(section.seed),
        hurdle_per_1000=hurdle,
        currency=ranking.currency,
        monte_carlo=mc_facts,
        curve=curve_facts,
        checks=check_facts,
        notes=notes,
    )
