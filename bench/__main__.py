"""Run the benchmarks: ``python -m bench [--quick] [--only NAME ...]``.

Finds every ``bench/bench_<name>.py``, calls its ``run(args)``, prints a table
per benchmark and writes ``bench/results/<name>.json``. Exits 1 if a target
fails, 2 if a benchmark crashes.
"""

from __future__ import annotations

import argparse
import importlib
import json
import math
import os
import platform
import sys
import time
import traceback
from pathlib import Path
from typing import Any

from bench import BenchReport, Result
from connectivity._io import atomic_write_text
from connectivity._logging import configure_logging

BENCH_DIR = Path(__file__).resolve().parent


def available() -> list[str]:
    return sorted(p.stem.removeprefix("bench_") for p in BENCH_DIR.glob("bench_*.py"))


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    parser.add_argument(
        "--quick", action="store_true", help="small sizes, a smoke run (speed targets not applied)"
    )
    parser.add_argument(
        "--only",
        action="append",
        metavar="NAME",
        help=f"run only this benchmark (repeatable); available: {', '.join(available())}",
    )
    parser.add_argument(
        "--results-dir",
        type=Path,
        default=BENCH_DIR / "results",
        help="where the JSON results go (default: bench/results)",
    )
    return parser.parse_args(argv)


def format_value(result: Result) -> str:
    value = result.value
    if isinstance(value, bool | str) or not math.isfinite(value):
        text = str(value)
    elif value == 0 or 0.01 <= abs(value) < 1e6:
        text = f"{value:,.3f}".rstrip("0").rstrip(".") if abs(value) < 100 else f"{value:,.1f}"
    else:
        text = f"{value:.3g}"
    return f"{text} {result.unit}".strip()


def print_report(report: BenchReport, seconds: float) -> None:
    print(f"\n=== {report.name}  ({seconds:.1f} s)")
    for key, value in report.context.items():
        print(f"  {key}: {value}")
    rows = [(r.name, format_value(r), r.target or "", r.status(), r.note) for r in report.results]
    headers = ("measure", "value", "target", "status", "note")
    widths = [
        max(len(h), *(len(row[i]) for row in rows)) if rows else len(h)
        for i, h in enumerate(headers)
    ]
    widths[-1] = len(headers[-1])
    line = "  ".join(h.ljust(w) for h, w in zip(headers, widths, strict=True))
    print(line)
    print("-" * max(len(line), 40))
    for row in rows:
        print("  ".join(cell.ljust(w) for cell, w in zip(row, widths, strict=True)).rstrip())


def to_json(report: BenchReport, args: argparse.Namespace, seconds: float) -> str:
    def clean(value: Any) -> Any:
        if isinstance(value, float) and not math.isfinite(value):
            return str(value)
        return value

    payload = {
        "benchmark": report.name,
        "quick": bool(args.quick),
        "finished": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
        "seconds": round(seconds, 3),
        "machine": {
            "cpus": os.cpu_count(),
            "python": platform.python_version(),
            "platform": platform.platform(),
        },
        "context": {k: clean(v) for k, v in report.context.items()},
        "results": [
            {
                "name": r.name,
                "value": clean(r.value),
                "unit": r.unit,
                "target": r.target,
                "status": r.status(),
                "note": r.note,
            }
            for r in report.results
        ],
    }
    return json.dumps(payload, indent=2, ensure_ascii=False) + "\n"


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    # warnings only and no progress bars: the tables below are the output
    configure_logging(-1)
    names = available()
    chosen = args.only or names
    unknown = sorted(set(chosen) - set(names))
    if unknown:
        print(f"unknown benchmark(s) {unknown}; available: {names}", file=sys.stderr)
        return 2
    failed = crashed = 0
    for name in chosen:
        start = time.perf_counter()
        try:
            module = importlib.import_module(f"bench.bench_{name}")
            report: BenchReport = module.run(args)
        except Exception:  # noqa: BLE001 - report every crash, keep running the others
            traceback.print_exc()
            print(f"benchmark {name!r} crashed", file=sys.stderr)
            crashed += 1
            continue
        seconds = time.perf_counter() - start
        print_report(report, seconds)
        target = args.results_dir / f"{name}.json"
        atomic_write_text(target, to_json(report, args, seconds))
        print(f"results written to {target}")
        failed += sum(r.passed is False for r in report.results)
    if crashed:
        return 2
    print(f"\n{failed} target(s) failed" if failed else "\nall targets met")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
