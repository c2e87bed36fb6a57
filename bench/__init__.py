"""Benchmarks: our code and its baselines side by side, with targets and PASS/FAIL.

Run ``python -m bench`` (``make bench``); ``--quick`` for a small smoke run,
``--only NAME`` for one benchmark (``routing`` runs ``bench/bench_routing.py``).

Every module ``bench/bench_<name>.py`` defines ``run(args) -> BenchReport``
where ``args`` is the :class:`argparse.Namespace` of ``python -m bench``
(``args.quick``: small sizes, speed targets not applied). The runner prints
one table per benchmark and writes ``bench/results/<name>.json``
(git-ignored). Timing lives here, never in the tests.
"""

from __future__ import annotations

import contextlib
import os
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

__all__ = ["BenchReport", "PeakRss", "PeakTraced", "Result", "sample_provinces", "timed"]


@dataclass
class Result:
    """One measured figure, with its target.

    ``passed`` is None for figures without a target (or when a target is not
    applied, e.g. speed targets in ``--quick`` runs).
    """

    name: str
    value: float | bool | str
    unit: str = ""
    target: str = ""
    passed: bool | None = None
    note: str = ""

    def status(self) -> str:
        """PASS, FAIL or a dash."""
        return "-" if self.passed is None else ("PASS" if self.passed else "FAIL")


@dataclass
class BenchReport:
    """What a benchmark module returns: context lines and results."""

    name: str
    context: dict[str, Any] = field(default_factory=dict)
    results: list[Result] = field(default_factory=list)

    def add(self, *args: Any, **kwargs: Any) -> Result:
        """Append a :class:`Result` and return it."""
        result = Result(*args, **kwargs)
        self.results.append(result)
        return result


@contextlib.contextmanager
def timed() -> Iterator[list[float]]:
    """Wall time of a block in seconds: ``with timed() as t: ...; t[0]``."""
    box = [float("nan")]
    start = time.perf_counter()
    try:
        yield box
    finally:
        box[0] = time.perf_counter() - start


def _status_kib(field_name: str) -> int | None:
    try:
        text = Path("/proc/self/status").read_text()
    except OSError:
        return None
    for line in text.splitlines():
        if line.startswith(field_name + ":"):
            return int(line.split()[1])
    return None


class PeakRss:
    """Peak resident memory (RSS) of this process during a ``with`` block.

    On Linux the kernel's high-water mark ``VmHWM`` is reset before the block
    (``echo 5 > /proc/self/clear_refs``) and read after it: exact, including
    peaks inside C code. Elsewhere a psutil thread samples RSS every
    millisecond (it can miss short peaks while C code holds the GIL).

    Attributes
    ----------
    method : str
        How the peak was measured.
    baseline_bytes, peak_bytes : int
        RSS when the block started, and the peak during it.
    """

    def __init__(self) -> None:
        self.method = ""
        self.baseline_bytes = 0
        self.peak_bytes = 0
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    @property
    def increase_bytes(self) -> int:
        """Peak minus the RSS at the start of the block."""
        return max(self.peak_bytes - self.baseline_bytes, 0)

    def __enter__(self) -> PeakRss:
        import psutil

        self._proc = psutil.Process(os.getpid())
        self.baseline_bytes = int(self._proc.memory_info().rss)
        try:
            Path("/proc/self/clear_refs").write_text("5")
            hwm = _status_kib("VmHWM")
        except OSError:
            hwm = None
        if hwm is not None:
            self.method = "Linux VmHWM (peak RSS), reset via /proc/self/clear_refs"
            return self
        self.method = "psutil RSS sampled every 1 ms"
        self.peak_bytes = self.baseline_bytes
        self._thread = threading.Thread(target=self._sample, daemon=True)
        self._thread.start()
        return self

    def _sample(self) -> None:
        while not self._stop.wait(0.001):
            self.peak_bytes = max(self.peak_bytes, int(self._proc.memory_info().rss))

    def __exit__(self, *exc: object) -> None:
        if self._thread is not None:
            self._stop.set()
            self._thread.join()
            self.peak_bytes = max(self.peak_bytes, int(self._proc.memory_info().rss))
            return
        hwm = _status_kib("VmHWM")
        self.peak_bytes = (hwm or 0) * 1024


class PeakTraced:
    """Peak memory allocated through Python's allocators during a ``with`` block.

    Uses :mod:`tracemalloc`, which sees every NumPy/SciPy array and Python
    object allocated in the block (not memory reused from earlier frees, which
    an RSS reading can hide). Slows Python code down: measure memory in a run
    apart from the timed one.

    Attributes
    ----------
    peak_bytes : int
        Highest traced allocation total during the block, above what was
        already allocated when it started.
    """

    def __init__(self) -> None:
        self.peak_bytes = 0
        self._start = 0

    def __enter__(self) -> PeakTraced:
        import tracemalloc

        tracemalloc.start()
        tracemalloc.reset_peak()
        self._start = tracemalloc.get_traced_memory()[0]
        return self

    def __exit__(self, *exc: object) -> None:
        import tracemalloc

        _, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        self.peak_bytes = max(peak - self._start, 0)


def sample_provinces(
    n_nodes: int, seed: int, columns: tuple[str, ...] = ("highway", "length_m")
) -> tuple[Any, Any, str]:
    """Synthetic road network of about ``n_nodes`` graph nodes, and how it was made.

    One :func:`connectivity.sample.sample_road_network` province, scaled to the
    node count measured on a ``size=1`` probe. When the size needed is beyond
    the generator's range, several provinces (seeds ``seed``, ``seed+1``, ...)
    are laid side by side, ids and x shifted, each joined to the next by a
    two-way secondary road.

    Returns
    -------
    nodes, edges : pandas.DataFrame
        Nodes with ``x``, ``y``; edges indexed by ``(u, v, key)`` with the
        given ``columns`` (no geometry).
    label : str
        What the network is, for the report.
    """
    import numpy as np
    import pandas as pd

    from connectivity.errors import ConfigError
    from connectivity.sample import sample_road_network

    probe, _ = sample_road_network(size=1.0, seed=seed)
    size = n_nodes / len(probe)
    tiles = 1
    while True:
        try:
            parts = [sample_road_network(size=size / tiles, seed=seed + i) for i in range(tiles)]
            break
        except ConfigError:
            if tiles >= 16:
                raise
            tiles += 1
    id_step = np.int64(10**12)
    all_nodes, all_edges = [], []
    x_shift = 0.0
    previous_east: tuple[int, float, float] | None = None
    for i, (nodes, edges) in enumerate(parts):
        nodes = pd.DataFrame(nodes[["x", "y"]]).copy()
        nodes["x"] += x_shift - nodes["x"].min()
        nodes.index = nodes.index.to_numpy(dtype=np.int64) + i * id_step
        u, v, k = (edges.index.get_level_values(j).to_numpy() for j in range(3))
        edges = pd.DataFrame(edges[list(columns)]).copy()
        edges.index = pd.MultiIndex.from_arrays(
            [u.astype(np.int64) + i * id_step, v.astype(np.int64) + i * id_step, k],
            names=["u", "v", "key"],
        )
        west = int(nodes["x"].idxmin())
        if previous_east is not None:
            east_id, ex, ey = previous_east
            wx, wy = nodes.loc[west, ["x", "y"]]
            length = float(np.hypot(wx - ex, wy - ey))
            link = pd.DataFrame(
                {c: [None, None] for c in columns},
                index=pd.MultiIndex.from_tuples(
                    [(east_id, west, 0), (west, east_id, 0)], names=["u", "v", "key"]
                ),
            )
            link["highway"] = "secondary"
            link["length_m"] = length
            all_edges.append(link)
        east = int(nodes["x"].idxmax())
        previous_east = (east, float(nodes.loc[east, "x"]), float(nodes.loc[east, "y"]))
        x_shift = float(nodes["x"].max()) + 1000.0
        all_nodes.append(nodes)
        all_edges.append(edges)
    label = f"connectivity.sample.sample_road_network(size={size / tiles:.3g}, seed={seed})"
    if tiles > 1:
        label = (
            f"{tiles} synthetic sample provinces side by side, each "
            f"sample_road_network(size={size / tiles:.3g}, seed={seed}..{seed + tiles - 1}), "
            f"joined by a two-way road between neighbours (size {size:.3g} is beyond the "
            f"generator's range)"
        )
    else:
        label += " (synthetic)"
    nodes_all = pd.concat(all_nodes)
    nodes_all.index.name = "node_id"
    return nodes_all, pd.concat(all_edges), label
