"""Selection benchmark: the programme under the budget on the size-16 sample region (issue 10).

The synthetic sample region (``data/regions/sample.toml`` with ``[sample]
size = 16``, about 22,000 candidate works) is made as ``connectivity run``
makes it, by :func:`bench.bench_ranking.sample_works` (generate, load, build,
candidates). Then, with the config's ranking weights, thresholds and
unreachable cap, and a budget of the config's ``[budget] amount`` times the
region's size (15M PEN x 16 = 240M PEN: the sample budget per province):

* :func:`connectivity.ranking.evaluate_works` once (the first pass both
  selections start with, timed apart to show how much of them it is);
* :func:`connectivity.ranking.select_portfolio` with ``optimise=False``: the
  plain greedy programme;
* the same with ``optimise=True`` (the default, the programme ``connectivity
  run`` chooses): the greedy one, then the search around it. Target <= 60 s.

Reported: both times, both programmes' totals (sum of ``programme["score"]``)
and the ratio search / greedy (target >= 1: the search is never worse), and
the timeline of the ranking package's log records during the search (which
greedy run ended when) to show where its time goes.

The region and its works are cached under ``<cache>/bench/sample-size16/``
(``settings.cache_dir``, by default ``data/cache``): the generated files are
re-used by :func:`connectivity.sample.generate_sample_region` when seed, size
and generator match, and the network with its works is pickled under a key of
the source of every stage up to the works (``connectivity/`` but ``ranking/``
and ``maps/``), ``bench/bench_ranking.py``, the config and the library
versions; any change rebuilds it. The first run builds everything from nothing
(about 2-5 minutes at size 16). ``--quick`` runs the size-1 sample instead (the
sample's own budget), speed target not applied.

A selection still running after :data:`SEARCH_LIMIT_S` seconds (or
``BENCH_SELECTION_LIMIT_S`` from the environment) is stopped and its row fails,
so that ``make bench`` always ends; the search log then shows how far it got.
"""

from __future__ import annotations

import argparse
import contextlib
import hashlib
import logging
import os
import pickle
import platform
import signal
import sys
import threading
import time
from collections.abc import Iterator
from importlib import metadata
from pathlib import Path

from bench import BenchReport, timed
from bench.bench_ranking import (
    REPO,
    SampleWorks,
    build_network,
    generate_works,
    sample_home,
    sample_works,
)
from connectivity import ranking
from connectivity.config import RegionConfig, load_region_config
from connectivity.settings import settings

FULL_SIZE = 16.0
QUICK_SIZE = 1.0
TARGET_SEARCH_S = 60.0
#: A selection still running after this many seconds is stopped (the row fails); the
#: environment variable ``BENCH_SELECTION_LIMIT_S`` changes it.
SEARCH_LIMIT_S = 900.0
#: Stages whose code makes the network and the works; a change to any of them rebuilds the cache.
UPSTREAM_EXCLUDED = ("ranking", "maps")
LIBRARIES = ("numpy", "pandas", "geopandas", "shapely", "pyproj", "scipy", "networkx")

log = logging.getLogger(__name__)


# -- the cached region and works ----------------------------------------------------------


def cache_key(toml: Path) -> str:
    """Hash of what the network and works depend on: code, config, library versions."""
    digest = hashlib.sha256()
    package = REPO / "connectivity"
    sources = sorted(
        p for p in package.rglob("*.py") if p.relative_to(package).parts[0] not in UPSTREAM_EXCLUDED
    )
    for path in [*sources, REPO / "bench" / "bench_ranking.py", toml]:
        digest.update(str(path.relative_to(REPO) if path.is_relative_to(REPO) else path).encode())
        digest.update(path.read_bytes())
    versions = [platform.python_version()]
    for name in LIBRARIES:
        try:
            versions.append(f"{name}=={metadata.version(name)}")
        except metadata.PackageNotFoundError:
            versions.append(f"{name} missing")
    digest.update(";".join(versions).encode())
    return digest.hexdigest()[:20]


def cached_sample_works(cfg: RegionConfig, toml: Path, folder: Path) -> tuple[SampleWorks, str]:
    """The region's network and works, from ``folder`` if cached there, else made and cached.

    Returns the works and how they were obtained (for the report).
    """
    key = cache_key(toml)
    path = folder / f"works-{key}.pickle"
    if path.is_file():
        with timed() as t_load:
            try:
                with path.open("rb") as f:
                    sample = pickle.load(f)
            except Exception as exc:  # noqa: BLE001 - a bad cache is rebuilt, never fatal
                log.warning("cache %s unreadable (%s): rebuilding it", path, exc)
                sample = None
        if isinstance(sample, SampleWorks):
            built = ", ".join(f"{k} {v:.1f} s" for k, v in sample.seconds.items())
            return sample, f"loaded from cache {path} in {t_load[0]:.1f} s (built in: {built})"
    sample = sample_works(cfg)
    tmp = path.with_suffix(f".tmp{os.getpid()}")
    with tmp.open("wb") as f:
        pickle.dump(sample, f, protocol=pickle.HIGHEST_PROTOCOL)
    os.replace(tmp, path)
    for old in folder.glob("works-*.pickle"):
        if old != path:
            old.unlink(missing_ok=True)
    built = ", ".join(f"{k} {v:.1f} s" for k, v in sample.seconds.items())
    return sample, f"built ({built}); cached in {path}"


# -- the log timeline -----------------------------------------------------------------------


class _Timeline(logging.Handler):
    """Keeps every record with the seconds since the block started."""

    def __init__(self, label: str) -> None:
        super().__init__(logging.DEBUG)
        self.label = label
        self.start = time.perf_counter()
        self.records: list[tuple[float, str, str]] = []

    def emit(self, record: logging.LogRecord) -> None:
        elapsed = time.perf_counter() - self.start
        name, message = record.name.rsplit(".", 1)[-1], record.getMessage()
        self.records.append((elapsed, name, message))
        if record.levelno >= logging.WARNING:
            logging.getLogger("connectivity").handle(record)
        else:  # progress of a long selection, on stderr (the tables go to stdout)
            print(f"  [{self.label} +{elapsed:.1f} s] {name}: {message[:100]}", file=sys.stderr)

    def lines(self, width: int = 150) -> str:
        out = []
        for t, name, message in self.records:
            text = f"+{t:6.1f} s  {name}: {message}"
            out.append(text if len(text) <= width else text[: width - 3] + "...")
        return "\n    ".join(["", *out]) if out else "(no records)"


@contextlib.contextmanager
def timeline(label: str, name: str = "connectivity.ranking") -> Iterator[_Timeline]:
    """Collect the INFO records of a logger during a block (shortened on stderr as they come)."""
    logger = logging.getLogger(name)
    handler = _Timeline(label)
    level, propagate = logger.level, logger.propagate
    logger.addHandler(handler)
    logger.setLevel(logging.INFO)
    logger.propagate = False
    try:
        yield handler
    finally:
        logger.removeHandler(handler)
        logger.setLevel(level)
        logger.propagate = propagate


class SelectionTimeoutError(Exception):
    """The selection ran past :func:`time_limit`'s limit."""


@contextlib.contextmanager
def time_limit(seconds: float) -> Iterator[None]:
    """Raise :class:`SelectionTimeoutError` in the block after ``seconds``.

    A SIGALRM handler raises it between two Python steps of the selection (its
    numba kernels return often), so a search that runs for hours does not
    hang ``make bench``; its state is thrown away. No limit where there is no
    SIGALRM (Windows) or off the main thread.
    """
    main = threading.current_thread() is threading.main_thread()
    if not hasattr(signal, "setitimer") or not main:
        yield
        return

    def stop(signum: int, frame: object) -> None:
        raise SelectionTimeoutError

    previous = signal.signal(signal.SIGALRM, stop)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


# -- the benchmark --------------------------------------------------------------------------


def warm_up() -> None:
    """Compile (or load) the numba kernels of the evaluation and the search, outside the timings."""
    network, _ = build_network(2_000, seed=99)
    works = generate_works(network, 20, seed=1)
    budget = 0.3 * float(works.works["cost_net"].sum())
    ranking.select_portfolio(network, works, budget=budget, optimise=True)


def run(args: argparse.Namespace) -> BenchReport:
    quick = bool(args.quick)
    size = QUICK_SIZE if quick else FULL_SIZE
    report = BenchReport("selection")
    skip = "quick run: target not applied" if quick else ""
    warm_up()
    folder = settings.cache_dir / "bench" / f"sample-size{size:g}"
    with sample_home(size, folder) as toml:
        cfg = load_region_config(toml)
        sample, how = cached_sample_works(cfg, toml, folder)
    network, works = sample.network, sample.works
    n = len(works)
    assert cfg.budget is not None and cfg.sample is not None
    budget = cfg.budget.amount * cfg.sample.size
    currency = cfg.costs.currency
    report.context["region"] = sample.region
    report.context["works"] = sample.describe_works()
    report.context["region and works"] = how
    report.context["budget"] = (
        f"{budget:,.0f} {currency}: [budget] amount {cfg.budget.amount:,.0f} of "
        f"data/regions/sample.toml x [sample] size {cfg.sample.size:g}"
    )
    report.add(f"works (sample size {size:g})", float(n), "works")
    common = {
        "budget": budget,
        "thresholds_min": cfg.access.thresholds_min,
        "weights": cfg.ranking,
        "cap_min": cfg.ranking.unreachable_cap_min,
    }

    with timed() as t_eval:
        ranking.evaluate_works(
            network,
            works,
            thresholds_min=cfg.access.thresholds_min,
            weights=cfg.ranking,
            cap_min=cfg.ranking.unreachable_cap_min,
        )
    report.add(
        f"evaluate_works, {n:,} works, {len(network.nodes):,} nodes",
        t_eval[0],
        "s",
        note="the first pass over every work that both selections below start with",
    )
    limit = float(os.environ.get("BENCH_SELECTION_LIMIT_S", SEARCH_LIMIT_S))
    with timeline("greedy") as greedy_log, timed() as t_greedy, time_limit(limit):
        greedy = ranking.select_portfolio(network, works, optimise=False, **common)
    best: ranking.Portfolio | None = None
    with timeline("search") as search_log, timed() as t_search:
        try:
            with time_limit(limit):
                best = ranking.select_portfolio(network, works, **common)
        except SelectionTimeoutError:
            pass
    report.context["greedy log"] = greedy_log.lines()
    report.context["search log"] = search_log.lines()

    def programme(pf: ranking.Portfolio) -> str:
        return (
            f"{len(pf.programme)} works for {pf.spent:,.0f} {currency}, "
            f"{pf.n_evaluations:,} work evaluations"
        )

    report.add(
        "select_portfolio, optimise=False (plain greedy)",
        t_greedy[0],
        "s",
        note=programme(greedy),
    )
    greedy_runs = sum(m.startswith("portfolio (") for _, _, m in search_log.records)
    if best is None:
        found = (
            f"STOPPED after {limit:g} s (BENCH_SELECTION_LIMIT_S), not finished; "
            f"{greedy_runs} greedy runs logged by then (search log above)"
        )
    else:
        found = f"{programme(best)}; {greedy_runs} greedy runs logged"
    report.add(
        "select_portfolio, optimise=True (greedy + search)",
        t_search[0],
        "s",
        f"<= {TARGET_SEARCH_S:g} s",
        False if best is None else (None if quick else t_search[0] <= TARGET_SEARCH_S),
        "; ".join(
            x
            for x in (
                found,
                f"{t_search[0] / t_greedy[0]:.1f}x the greedy time",
                skip if best is not None else "",
            )
            if x
        ),
    )
    total_greedy = float(greedy.programme["score"].sum()) if len(greedy.programme) else 0.0
    summed = 'sum of programme["score"]'
    report.add("total score, greedy programme", total_greedy, note=f"{summed}: {total_greedy:,.0f}")
    if best is None:
        report.add("total score, programme with the search", "not finished", note=summed)
        report.add("score ratio, search / greedy", "not finished", "", ">= 1")
        return report
    total_best = float(best.programme["score"].sum()) if len(best.programme) else 0.0
    report.add(
        "total score, programme with the search", total_best, note=f"{summed}: {total_best:,.0f}"
    )
    ratio = total_best / total_greedy if total_greedy > 0 else float("nan")
    report.add(
        "score ratio, search / greedy",
        ratio,
        "x",
        ">= 1",
        total_best >= total_greedy * (1 - 1e-9),
        f"{ratio:.4f}; the search is never worse than the greedy programme",
    )
    return report
