"""Smoke test of the benchmark runner: ``python -m bench --quick`` runs and answers agree."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path


def run_bench(repo_root: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "bench", *args],
        cwd=repo_root,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


def test_quick_routing_bench_runs_and_answers_are_equal(repo_root: Path, tmp_path: Path) -> None:
    proc = run_bench(repo_root, "--quick", "--only", "routing", "--results-dir", str(tmp_path))
    assert proc.returncode == 0, proc.stderr
    assert "=== routing" in proc.stdout and "all targets met" in proc.stdout
    payload = json.loads((tmp_path / "routing.json").read_text())
    assert payload["benchmark"] == "routing" and payload["quick"] is True
    results = {r["name"]: r for r in payload["results"]}
    equality = [r for name, r in results.items() if name.startswith("max |diff|")]
    assert len(equality) == 2  # vs networkx multi-source, vs per-origin searches
    for r in equality:
        assert r["status"] == "PASS" and 0.0 <= r["value"] <= 1e-6
    speedups = [r for name, r in results.items() if name.startswith("speed-up")]
    assert len(speedups) == 2 and all(isinstance(r["value"], float) for r in speedups)
    assert all(r["status"] == "-" for r in speedups)  # speed targets not applied when quick
    assert {"big graph", "baseline graph"} <= set(payload["context"])


def test_unknown_benchmark_is_refused(repo_root: Path, tmp_path: Path) -> None:
    proc = run_bench(repo_root, "--quick", "--only", "nope", "--results-dir", str(tmp_path))
    assert proc.returncode == 2
    assert "unknown benchmark(s) ['nope']" in proc.stderr and "routing" in proc.stderr
    assert not list(tmp_path.iterdir())
