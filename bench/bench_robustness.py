"""Robustness on Dask: 1,000 Monte Carlo scenarios of the sample, 1 vs 2 local workers.

Side by side in one run:

* one pipeline run of the sample up to the ranking (inputs, network, access,
  candidate works, evaluation, programme): what a scenario would cost if it
  were a new run;
* the same scenarios on a ``LocalCluster`` of 1 worker and of 2 workers
  (single-threaded processes): wall time, the ratio, the mean compute time of
  one scenario (measured inside the tasks) against the pipeline run, and the
  memory of each worker after the scenarios;
* whether both give identical results (they must: each scenario's draws
  depend only on the seed and its number).

``BENCH_ROBUSTNESS_SCENARIOS`` changes the count (default 1,000; 12 with ``--quick``).
"""

from __future__ import annotations

import argparse
import os

import numpy as np

from bench import BenchReport, timed
from bench.bench_ranking import sample_home
from connectivity import pipeline
from connectivity.ranking.appraisal import AppraisalParameters
from connectivity.robustness.assess import base_case
from connectivity.robustness.montecarlo import Job, dask_client, run_jobs

FULL_SCENARIOS = 1_000
QUICK_SCENARIOS = 12


def _identical(a: list, b: list) -> bool:
    return all(
        x.programme == y.programme
        and np.array_equal(x.score, y.score)
        and np.array_equal(x.rank, y.rank)
        and np.array_equal(x.in_programme, y.in_programme)
        for x, y in zip(a, b, strict=True)
    )


def run(args: argparse.Namespace) -> BenchReport:
    quick = bool(args.quick)
    n = int(
        os.environ.get("BENCH_ROBUSTNESS_SCENARIOS", QUICK_SCENARIOS if quick else FULL_SCENARIOS)
    )
    report = BenchReport("robustness")
    skip = "quick run: target not applied" if quick else ""
    with sample_home(1.0) as toml:
        pipeline.run_stages(toml, until="ranking")  # warm-up: numba compilation, sample files
        with timed() as t_run:
            run_ = pipeline.run_stages(toml, until="ranking")
    cfg = run_.config
    base = base_case(
        run_.network,
        run_.works,
        run_.ranking,
        section=cfg.robustness,
        appraisal=None
        if cfg.appraisal is None
        else AppraisalParameters.from_section(cfg.appraisal),
        min_bc_ratio=cfg.ranking.min_bc_ratio,
        rank_by=cfg.ranking.rank_by,
    )
    report.context["region"] = (
        f"synthetic sample, size 1: {len(run_.network.nodes):,} nodes, {len(base.ids):,} works, "
        f"programme of {len(base.programme)} works"
    )
    report.context["scenarios"] = f"{n:,} (seed {cfg.robustness.seed}), rule 'warm'"
    report.add("pipeline run up to the ranking (one new run)", t_run[0], "s")
    jobs = [Job(scenario=k) for k in range(1, n + 1)]
    runs = {}
    for workers in (1, 2):
        with dask_client(None, workers=workers) as client:
            run_jobs(base, jobs[:2], client=client)  # warm-up: numba in the workers
            with timed() as t:
                results, facts = run_jobs(base, jobs, client=client)
        runs[workers] = (results, facts, t[0])
        report.add(f"{n:,} scenarios, {workers} local worker(s)", t[0], "s")
        report.add(
            f"memory per worker after the scenarios ({workers} worker(s))",
            max(facts.worker_rss_bytes) / 1e9,
            "GB",
            note=", ".join(f"{b / 1e9:.2f}" for b in facts.worker_rss_bytes),
        )
    one, two = runs[1][2], runs[2][2]
    report.add(
        "speed-up, 2 workers vs 1",
        one / two,
        "x",
        target=">= 1.6",
        passed=None if quick else one / two >= 1.6,
        note=skip or "2 cores: at most 2",
    )
    per = runs[1][1].cpu_seconds_per_job
    report.add("compute time of one scenario (mean, in the task)", per, "s")
    report.add(
        "one scenario / one pipeline run",
        per / t_run[0],
        "",
        target="<= 0.2",
        passed=None if quick else per / t_run[0] <= 0.2,
        note=skip or "only the weights change: no inputs, network, access or works to rebuild",
    )
    same = _identical(runs[1][0], runs[2][0])
    report.add("1 and 2 workers give identical results", same, target="True", passed=same)
    return report
