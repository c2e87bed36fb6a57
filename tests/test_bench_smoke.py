"""Smoke tests of the benchmark runner: ``python -m bench --quick`` runs and answers agree."""

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


def test_quick_ranking_benchmark_runs_and_agrees(repo_root: Path, tmp_path: Path) -> None:
    proc = run_bench(repo_root, "--quick", "--only", "ranking", "--results-dir", str(tmp_path))
    assert proc.returncode == 0, proc.stderr[-2000:]
    results = {r["name"]: r for r in json.loads((tmp_path / "ranking.json").read_text())["results"]}
    equal = [r for name, r in results.items() if "max " in name]
    assert len(equal) == 4 and all(r["status"] == "PASS" and r["value"] <= 1e-6 for r in equal)
    speed = [r for name, r in results.items() if "speed-up" in name]
    assert len(speed) == 2 and all(r["value"] > 1 for r in speed)
    assert any(name.startswith("real pipeline: rank_works") for name in results)


def test_unknown_benchmark_is_refused(repo_root: Path, tmp_path: Path) -> None:
    proc = run_bench(repo_root, "--quick", "--only", "nope", "--results-dir", str(tmp_path))
    assert proc.returncode == 2
    assert "unknown benchmark(s) ['nope']" in proc.stderr and "routing" in proc.stderr
    assert not list(tmp_path.iterdir())
