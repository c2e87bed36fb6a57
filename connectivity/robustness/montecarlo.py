"""Scenarios and budget levels as tasks on ``dask.distributed``.

:func:`dask_client` gives a client: of an existing scheduler when an address
is given (``tcp://host:8786``), else of an embedded ``LocalCluster`` of
single-threaded worker processes, set up and torn down here. The
:class:`connectivity.robustness.scenario.BaseCase` is scattered once to every
worker; each task runs a batch of scenarios against it and returns only
arrays. Results are put back in scenario order, and every scenario's draws
depend only on the seed and its number, so the outcome is the same for any
number of workers, or none (``client=None`` runs the same tasks in this
process, one after the other: the reference the tests compare against).
"""

from __future__ import annotations

import contextlib
import logging
import math
import os
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from tqdm.auto import tqdm

from connectivity._logging import progress_enabled, quiet_inner_steps
from connectivity.errors import ConnectivityError
from connectivity.robustness.scenario import BaseCase, Rule, ScenarioResult, run_scenario

__all__ = ["Job", "RunFacts", "dask_client", "run_jobs", "scatter_base"]

log = logging.getLogger(__name__)

#: Scenarios per Dask task: enough to amortise a task's overhead (~ms), few enough to
#: spread the work evenly over the workers and show progress.
BATCH_SCENARIOS = 10
#: How long to wait for an existing scheduler to answer before giving up.
SCHEDULER_TIMEOUT = "20s"
#: Where an embedded cluster's scheduler serves HTTP (health, metrics): this machine only, on a
#: free port, so that two clusters (two runs, two test workers) never ask for the same port.
LOCAL_HTTP_ADDRESS = "127.0.0.1:0"


@dataclass(frozen=True)
class Job:
    """One scenario to run: its number, budget share, equity weight and selection rule."""

    scenario: int
    budget_share: float = 1.0
    equity: bool = True
    rule: Rule = "warm"
    cost_factors: tuple[tuple[str, float], ...] = ()


@dataclass(frozen=True)
class RunFacts:
    """How the jobs ran: where, how long, and the memory of the workers.

    Attributes
    ----------
    where : str
        ``"in process"``, ``"LocalCluster, N workers"`` or the scheduler's address.
    workers : int
        Workers that ran the tasks (0: in process).
    seconds : float
        Wall time of the jobs (the scattering of the base case included).
    cpu_seconds_per_job : float
        Mean compute time of one job, measured inside the tasks.
    worker_rss_bytes : tuple of int
        Resident memory of each worker process after the jobs (empty in process).
    """

    where: str
    workers: int
    seconds: float
    cpu_seconds_per_job: float
    worker_rss_bytes: tuple[int, ...] = ()


def _run_batch(base: BaseCase, jobs: Sequence[Job]) -> list[tuple[ScenarioResult, float]]:
    with quiet_inner_steps():
        return [_run_job(base, job) for job in jobs]


def _run_job(base: BaseCase, job: Job) -> tuple[ScenarioResult, float]:
    start = time.perf_counter()
    result = run_scenario(
        base,
        job.scenario,
        budget_share=job.budget_share,
        equity=job.equity,
        rule=job.rule,
        cost_factors=dict(job.cost_factors),
    )
    return result, time.perf_counter() - start


def _rss() -> int:
    import psutil

    return int(psutil.Process(os.getpid()).memory_info().rss)


@contextlib.contextmanager
def dask_client(scheduler: str | None = None, *, workers: int = 2) -> Iterator[Any]:
    """Connect to ``scheduler``, or start an embedded ``LocalCluster``, and yield a client.

    Parameters
    ----------
    scheduler : str, optional
        Address of a running scheduler (``tcp://host:8786``). None starts a
        ``LocalCluster`` of ``workers`` single-threaded processes, closed on exit.
    workers : int
        Workers of the ``LocalCluster``.

    Yields
    ------
    distributed.Client

    Raises
    ------
    ConnectivityError
        The scheduler cannot be reached (the message names the address).
    """
    from distributed import Client, LocalCluster

    if scheduler is not None:
        try:
            client = Client(scheduler, timeout=SCHEDULER_TIMEOUT)
        except (OSError, TimeoutError) as err:
            raise ConnectivityError(
                f"cannot reach the Dask scheduler at {scheduler}: {err}; start one "
                "(`dask scheduler` and `dask worker <address>`) or leave --scheduler out "
                "to run on this machine"
            ) from err
        try:
            yield client
        finally:
            client.close()
        return
    with (
        LocalCluster(
            n_workers=workers,
            threads_per_worker=1,
            processes=True,
            # the scheduler's HTTP server (health, metrics) on a free local port: None
            # means 8787, taken by any other cluster on the machine (a warning, then a clash)
            dashboard_address=LOCAL_HTTP_ADDRESS,
            silence_logs=logging.ERROR,
        ) as cluster,
        Client(cluster) as client,
    ):
        yield client


def scatter_base(client: Any, base: BaseCase) -> Any:
    """Send the base case to every worker once; the future keeps it there while held."""
    return client.scatter(base, broadcast=True, hash=False)


def _batches(jobs: Sequence[Job], size: int) -> list[list[Job]]:
    return [list(jobs[i : i + size]) for i in range(0, len(jobs), size)]


def run_jobs(
    base: BaseCase,
    jobs: Sequence[Job],
    *,
    client: Any | None = None,
    desc: str = "scenarios",
    batch: int = BATCH_SCENARIOS,
    on_result: Callable[[ScenarioResult], None] | None = None,
    shared: Any | None = None,
) -> tuple[list[ScenarioResult], RunFacts]:
    """Run ``jobs`` against ``base``, on Dask when a client is given.

    Parameters
    ----------
    base : BaseCase
        Scattered once to the workers.
    jobs : sequence of Job
    client : distributed.Client, optional
        None runs the jobs in this process, in order.
    desc : str
        Label of the progress bar.
    batch : int
        Jobs per task.
    on_result : callable, optional
        Called with each result as it arrives (in any order).
    shared : distributed.Future, optional
        ``base`` scattered already (by :func:`scatter_base`); else it is scattered here.

    Returns
    -------
    list of ScenarioResult
        In the order of ``jobs``.
    RunFacts
    """
    start = time.perf_counter()
    results: list[tuple[ScenarioResult, float] | None] = [None] * len(jobs)
    batches = _batches(jobs, max(1, batch))
    offsets = [i * max(1, batch) for i in range(len(batches))]
    rss: tuple[int, ...] = ()
    bar = tqdm(total=len(jobs), desc=desc, unit="run", disable=not progress_enabled())
    with bar:
        if client is None:
            for offset, part in zip(offsets, batches, strict=True):
                for k, item in enumerate(_run_batch(base, part)):
                    results[offset + k] = item
                    if on_result is not None:
                        on_result(item[0])
                bar.update(len(part))
            where, n_workers = "in process", 0
        else:
            from distributed import as_completed

            workers = client.scheduler_info().get("workers", {})
            n_workers = len(workers)
            if n_workers == 0:
                raise ConnectivityError("the Dask cluster has no workers")
            shared = shared if shared is not None else scatter_base(client, base)
            futures = [
                client.submit(_run_batch, shared, part, pure=False, key=f"{desc}-{offset}")
                for offset, part in zip(offsets, batches, strict=True)
            ]
            where_of = {f.key: o for f, o in zip(futures, offsets, strict=True)}
            for future in as_completed(futures):
                offset = where_of[future.key]
                items = future.result()
                for k, item in enumerate(items):
                    results[offset + k] = item
                    if on_result is not None:
                        on_result(item[0])
                bar.update(len(items))
                future.release()
            rss = tuple(int(v) for v in client.run(_rss).values())
            where = str(getattr(client, "scheduler", None) and client.scheduler.address)
    done = [r for r in results if r is not None]
    if len(done) != len(jobs):
        raise ConnectivityError(f"{len(jobs) - len(done)} scenario(s) returned no result")
    seconds = time.perf_counter() - start
    per_job = math.fsum(s for _, s in done) / max(1, len(done))
    facts = RunFacts(where, n_workers, seconds, per_job, rss)
    return [r for r, _ in done], facts
