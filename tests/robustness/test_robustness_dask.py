"""Scenarios on dask.distributed: the same results on 2 local workers, on an existing
scheduler, and in one process; a clear error when the scheduler cannot be reached."""

from __future__ import annotations

import numpy as np
import pytest

from connectivity.errors import ConnectivityError
from connectivity.robustness import montecarlo
from connectivity.robustness.montecarlo import LOCAL_HTTP_ADDRESS, Job, dask_client, run_jobs


def _same(a, b):
    assert len(a) == len(b)
    for x, y in zip(a, b, strict=True):
        assert x.scenario == y.scenario and x.programme == y.programme
        for attr in ("score", "cost_net", "benefit", "bc_ratio", "rank", "in_programme"):
            np.testing.assert_array_equal(getattr(x, attr), getattr(y, attr))
        assert x.programme_score == y.programme_score


def test_two_local_workers_give_the_results_of_one_process(sample_base):
    jobs = [Job(scenario=k) for k in range(5)] + [Job(scenario=2, budget_share=0.5)]
    alone, facts = run_jobs(sample_base, jobs, client=None)
    assert facts.workers == 0 and facts.where == "in process"
    with dask_client(None, workers=2) as client:
        spread, dask_facts = run_jobs(sample_base, jobs, client=client, batch=2)
    _same(alone, spread)
    assert dask_facts.workers == 2 and len(dask_facts.worker_rss_bytes) == 2
    assert all(rss > 50e6 for rss in dask_facts.worker_rss_bytes)
    # the scenarios differ from each other: the draws did something
    assert len({r.programme_score for r in alone[:5]}) == 5


def test_an_existing_scheduler_is_used_by_its_address(cusco_base):
    from distributed import LocalCluster

    jobs = [Job(scenario=k) for k in range(3)]
    alone, _ = run_jobs(cusco_base, jobs)
    with LocalCluster(
        n_workers=1, threads_per_worker=1, processes=True, dashboard_address=LOCAL_HTTP_ADDRESS
    ) as cluster:
        address = cluster.scheduler_address
        with dask_client(address) as client:
            there, facts = run_jobs(cusco_base, jobs, client=client)
    _same(alone, there)
    assert facts.where == address and facts.workers == 1


def test_an_unreachable_scheduler_is_named_in_a_clear_error(monkeypatch):
    monkeypatch.setattr(montecarlo, "SCHEDULER_TIMEOUT", "2s")
    with (
        pytest.raises(ConnectivityError, match=r"tcp://127\.0\.0\.1:9.*--scheduler"),
        dask_client("tcp://127.0.0.1:9"),
    ):
        pass


def test_an_embedded_cluster_starts_when_the_default_dashboard_port_is_taken():
    """Another cluster on the machine (another run, another test worker) holds port 8787."""
    import socket

    holder = socket.socket()
    try:
        try:
            holder.bind(("127.0.0.1", 8787))
            holder.listen()
        except OSError:  # already held by someone else: the same situation
            pass
        with dask_client(None, workers=1) as client:
            assert client.submit(abs, -3).result() == 3
            link = client.dashboard_link
        assert "127.0.0.1" in link and ":8787" not in link
    finally:
        holder.close()
