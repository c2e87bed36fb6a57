"""Scale benchmark: OSM reading, the whole pipeline by size, candidate generation, national size.

* **OSM → network.** :func:`connectivity.sources.osm.read_roads` (the fast
  pyosmium reader) against :func:`connectivity.sources.osm.graph_from_osm_file`
  (pyosmium → XML → osmnx) on the ``roads.osm`` of sample regions of size 4
  and 16; the ratio, target >= 20x. On the tiled national-size input
  (:func:`connectivity.sample.tiling.build_tiled_region`, about 10⁷ road
  nodes, full run only) the fast reader alone: time (target <= 600 s) and
  peak memory (target <= 16 GB).
* **Pipeline by size.** The stages of ``connectivity run`` at sample sizes 1,
  4 and 16 (and on the national input in the full run): inputs (OSM read,
  places, waterways), network, access, candidates
  (:func:`connectivity.works.generate_candidates`), evaluation
  (:func:`connectivity.ranking.evaluate_works` of every candidate), programme
  (:func:`connectivity.ranking.rank_works`: it evaluates again, then gains,
  appraisal and the programme under the budget, and writes the ranking
  tables) and maps (:func:`connectivity.pipeline.stages.maps_stage`). The
  deliverables (workbook, work sheets) are left out.
* **Candidate generation** on size 16: every generator in
  :data:`CANDIDATE_GENERATORS` (the current one and the "before"
  reference of ``tests/works/reference_works``: the ratio, and whether the
  work sets are identical), timed by :func:`time_candidate_generation`.

Each measurement runs in a child process (``python -m bench.bench_scale
--child ...``), so its peak memory (``ru_maxrss`` of the child) is its own,
not the benchmark's. Inputs are generated once under
``bench/results/scale_cache`` (git-ignored) and re-used by later runs. The
national pipeline run is bounded by ``BENCH_SCALE_NATIONAL_TIMEOUT`` seconds
(default 5400); the stages finished by then are reported;
``BENCH_SCALE_NATIONAL=0`` leaves the national input out (sizes 1-16 only). ``--quick`` runs
sizes 0.25 and 0.5 only, without targets.
"""

from __future__ import annotations

import argparse
import json
import logging
import math
import os
import re
import resource
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from bench import BenchReport

REPO = Path(__file__).resolve().parent.parent
CACHE = Path(__file__).resolve().parent / "results" / "scale_cache"
SAMPLE_TOML = REPO / "data" / "regions" / "sample.toml"
SEED = 42
FULL: dict[str, Any] = {
    "reader_sizes": (4.0, 16.0),
    "pipeline_sizes": (1.0, 4.0, 16.0),
    "candidate_size": 16.0,
    "national": True,
}
QUICK: dict[str, Any] = {
    "reader_sizes": (0.25,),
    "pipeline_sizes": (0.25, 0.5),
    "candidate_size": 0.25,
    "national": False,
}
TARGET_READER_RATIO = 20.0
TARGET_NATIONAL_READ_S = 600.0
#: Every HTML map page a run writes (one per kind, or per part of a large region).
TARGET_PAGE_MB = 10.0
TARGET_NATIONAL_GB = 16.0
TARGET_CANDIDATE_RATIO = 10.0
NATIONAL_NODES = 10_000_000
STAGES = ("inputs", "network", "access", "candidates", "evaluation", "programme", "maps")
CHILD_TIMEOUT_S = 3 * 3600

log = logging.getLogger(__name__)

# -- inputs ---------------------------------------------------------------------------------


def sample_config(size: float) -> Path:
    """The repository's sample config with ``[sample] size = size``, in a cached home.

    The region is generated (or re-used: the generator keeps files made with
    the same seed and size) into ``<home>/data/sample`` before anything is timed.
    """
    from connectivity._io import atomic_write_text
    from connectivity.sample import generate_sample_region

    home = CACHE / f"home_s{size:g}"
    text, count = re.subn(
        r"(?m)^size\s*=.*$", f"size = {size:g}", SAMPLE_TOML.read_text(encoding="utf-8")
    )
    if count != 1:
        raise ValueError(f"{SAMPLE_TOML}: expected one 'size =' line, found {count}")
    name = f"sample_s{size:g}".replace(".", "_")
    text = re.sub(r'(?m)^name\s*=\s*"sample"', f'name = "{name}"', text)
    toml = home / "data" / "regions" / "sample.toml"
    if not toml.is_file() or toml.read_text(encoding="utf-8") != text:
        atomic_write_text(toml, text)
    generate_sample_region(home / "data" / "sample", seed=SEED, size=size)
    return toml


def national_region() -> Any:
    """The tiled national-size input (about 10⁷ road nodes), built once into the cache."""
    from connectivity.sample.tiling import build_tiled_region

    base = sample_config(16.0).parent.parent / "sample"
    return build_tiled_region(
        CACHE / "national",
        target_nodes=NATIONAL_NODES,
        base_size=16.0,
        seed=SEED,
        base_dir=base,
    )


# -- child processes --------------------------------------------------------------------------


def _peak_rss_bytes() -> int:
    return int(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss) * 1024


#: A three-node road read once before the clock starts: the one-time costs (numba loading
#: its compiled kernels, first calls into osmium and osmnx) are timed apart, not as reading.
_WARM_UP_OSM = """<?xml version='1.0' encoding='UTF-8'?>
<osm version="0.6" generator="bench">
 <node id="1" lat="-13.50" lon="-71.90" version="1"/>
 <node id="2" lat="-13.51" lon="-71.91" version="1"/>
 <node id="3" lat="-13.52" lon="-71.90" version="1"/>
 <way id="1" version="1"><nd ref="1"/><nd ref="2"/><nd ref="3"/>
  <tag k="highway" v="track"/></way>
</osm>
"""


def _read_with(which: str, path: Path) -> tuple[int, int]:
    """Read ``path`` with the fast reader or the osmnx path; (nodes, edges)."""
    from connectivity.sources import osm

    if which == "fast":
        frames = osm.read_roads(path)
        return len(frames.nodes), len(frames.edges)
    graph = osm.graph_from_osm_file(path)
    return graph.number_of_nodes(), graph.number_of_edges()


def _child_reader(which: str, path: Path) -> dict[str, Any]:
    with tempfile.TemporaryDirectory(prefix="bench-warm-") as tmp:
        tiny = Path(tmp) / "warm_up.osm"
        tiny.write_text(_WARM_UP_OSM, encoding="utf-8")
        start = time.perf_counter()
        _read_with(which, tiny)
        warm_up = time.perf_counter() - start
    before = _peak_rss_bytes()
    start = time.perf_counter()
    nodes, edges = _read_with(which, path)
    seconds = time.perf_counter() - start
    return {
        "warm_up_seconds": warm_up,
        "seconds": seconds,
        "nodes": nodes,
        "edges": edges,
        "peak_rss_bytes": _peak_rss_bytes(),
        "rss_before_bytes": before,
    }


def _child_pipeline(config: Path, report: Path) -> dict[str, Any]:
    """Run the stages of :data:`STAGES` on ``config``, writing ``report`` after each."""
    from connectivity import pipeline, ranking
    from connectivity.config import load_region_config
    from connectivity.pipeline.stages import RegionRun, access_stage, maps_stage, network_stage

    out: dict[str, Any] = {"stages": {}, "counts": {}}
    out_dir = report.parent / "outputs"  # removed with the parent's temporary folder
    maps_dir = out_dir / "maps"

    def done(stage: str, start: float) -> None:
        out["stages"][stage] = time.perf_counter() - start
        out["peak_rss_bytes"] = _peak_rss_bytes()
        report.write_text(json.dumps(out))

    start = time.perf_counter()
    cfg = load_region_config(config)
    inputs = pipeline.load_inputs(cfg)
    done("inputs", start)
    start = time.perf_counter()
    network = pipeline.build_region_network(inputs)
    run = RegionRun(
        config=cfg, inputs=inputs, network=network, tables_dir=out_dir, maps_folder=maps_dir
    )
    network_stage(run)
    out["counts"].update(nodes=len(network.nodes), edges=len(network.edges))
    out["counts"]["communities"] = len(network.communities)
    done("network", start)
    start = time.perf_counter()
    access_stage(run)
    done("access", start)
    start = time.perf_counter()
    split, works, _ = _generate_current(run)
    run.network = split
    out["counts"]["works"] = len(works)
    done("candidates", start)
    thresholds, weights = cfg.access.thresholds_min, cfg.ranking
    start = time.perf_counter()
    ranking.evaluate_works(split, works, thresholds_min=thresholds, weights=weights)
    done("evaluation", start)
    start = time.perf_counter()
    result = ranking.rank_works(
        split,
        works,
        budget=cfg.budget.amount if cfg.budget is not None else None,
        thresholds_min=thresholds,
        weights=weights,
        cap_min=cfg.ranking.unreachable_cap_min,
        appraisal=cfg.appraisal,
        rank_by=cfg.ranking.rank_by,
        min_bc_ratio=cfg.ranking.min_bc_ratio,
        lang=cfg.region.lang,
    )
    ranking.write_ranking_outputs(result, out_dir, data_source=run.data_source)
    run.ranking, run.works = result, works
    out["counts"]["programme"] = len(result.portfolio)
    done("programme", start)
    start = time.perf_counter()
    maps_stage(run)
    sizes = {
        str(p.relative_to(maps_dir)): p.stat().st_size / 1e6
        for p in maps_dir.rglob("*")
        if p.is_file()
    }
    out["counts"]["maps MB"] = round(sum(sizes.values()), 1)
    for name in ("access.html", "investments.html"):  # each kept under MAX_MAP_BYTES
        out["counts"][f"{name} MB"] = round(sizes.get(name, 0.0), 1)
    # a region of more communities than a page holds is mapped in parts (maps/parts/)
    parts = [n for n in sizes if n.startswith("parts/")]
    if parts:
        out["counts"]["map parts"] = len([n for n in parts if "/access_" in n])
    pages = [mb for n, mb in sizes.items() if n.endswith(".html")]
    out["largest_page_mb"] = max(pages, default=math.nan)
    done("maps", start)
    return out


def _generate_current(run: Any) -> tuple[Any, Any, Any]:
    """The rank stage's call of :func:`connectivity.works.generate_candidates`."""
    from connectivity.works import generate_candidates

    return _generate_with(generate_candidates, run)


def _generate_reference(run: Any) -> tuple[Any, Any, Any]:
    """The same call of the code before it was made fast (``tests/works/reference_works``).

    The reference copy is what the tests check the package's generation equal to.
    """
    folder = str(Path(__file__).resolve().parents[1] / "tests" / "works")
    if folder not in sys.path:
        sys.path.insert(0, folder)
    from reference_works.generate import generate_candidates as reference_generate

    return _generate_with(reference_generate, run)


def _generate_with(generate_candidates: Callable[..., Any], run: Any) -> tuple[Any, Any, Any]:
    """Call a candidate generator as the rank stage does."""
    from connectivity import pipeline

    cfg = run.config
    cand = cfg.candidates
    return generate_candidates(
        run.network,
        kinds=cand.generate,
        dem_path=run.inputs.dem_path,
        waterways=run.inputs.waterways,
        proposals=cfg.resolve(cand.proposals),
        proposals_frame=run.inputs.proposals,
        costs=cfg.costs,
        max_new_link_m=cand.max_new_link_m,
        max_slope_pct=cand.max_slope_pct,
        tables=pipeline.region_speed_tables(cfg),
    )


#: Candidate generators timed by :func:`time_candidate_generation`: a label and a
#: function of a :class:`connectivity.pipeline.stages.RegionRun` returning
#: ``(split network, WorkSet, rejected proposals)`` as ``generate_candidates`` does.
#: The first is "after" (the current code), then the reference ("before"): the
#: bench reports the ratio and whether the work sets are identical.
CANDIDATE_GENERATORS: dict[str, Callable[[Any], tuple[Any, Any, Any]]] = {
    "after: connectivity.works.generate_candidates": _generate_current,
    "before: tests/works/reference_works (the code before issue 14)": _generate_reference,
}


def time_candidate_generation(config: Path, rounds: int = 2) -> dict[str, Any]:
    """Time every generator of :data:`CANDIDATE_GENERATORS` on a region (in this process).

    The generators run in turn, ``rounds`` times (after, before, after, before
    ...), so both meet the same machine load; each keeps its fastest run. The
    first run of each also pays what a process pays once (imports, loading
    compiled kernels from numba's cache): it is reported apart as ``first``.

    Returns ``{"generators": {label: {"seconds", "first", "cpu", "works", "ids"}},
    "nodes": ...}``; ``seconds`` and ``cpu`` are those of the fastest run,
    ``ids`` the sorted list of work ids, types and costs, to compare the work sets.
    """
    from connectivity import pipeline
    from connectivity.config import load_region_config
    from connectivity.pipeline.stages import RegionRun

    cfg = load_region_config(config)
    inputs = pipeline.load_inputs(cfg)
    network = pipeline.build_region_network(inputs)
    out: dict[str, Any] = {"nodes": len(network.nodes), "generators": {}}
    for round_ in range(rounds):
        for label, generate in CANDIDATE_GENERATORS.items():
            run = RegionRun(config=cfg, inputs=inputs, network=network)
            start, cpu = time.perf_counter(), time.process_time()
            _, works, _ = generate(run)
            seconds, cpu = time.perf_counter() - start, time.process_time() - cpu
            table = works.works
            signature = sorted(
                f"{i}|{t}|{c:.6f}"
                for i, t, c in zip(table.index, table["work_type"], table["cost"], strict=True)
            )
            gen = out["generators"].setdefault(
                label, {"seconds": math.inf, "first": seconds, "works": len(works)}
            )
            if round_ == 0:
                gen["ids"] = signature
            elif gen["ids"] != signature:
                gen["ids"] = ["the work sets of two runs differ"]
            if seconds < gen["seconds"]:
                gen["seconds"], gen["cpu"] = seconds, cpu
    return out


def child_main(argv: list[str]) -> int:
    """Entry of a child process: run one measurement, write its JSON to ``--report``."""
    parser = argparse.ArgumentParser(prog="python -m bench.bench_scale")
    parser.add_argument("--child", choices=["reader", "pipeline", "candidates"], required=True)
    parser.add_argument("--which", choices=["fast", "osmnx"], default="fast")
    parser.add_argument("--path", type=Path, required=True)
    parser.add_argument("--report", type=Path, required=True)
    args = parser.parse_args(argv)
    from connectivity._logging import configure_logging

    configure_logging(-1)
    if args.child == "reader":
        result = _child_reader(args.which, args.path)
    elif args.child == "pipeline":
        result = _child_pipeline(args.path, args.report)
        result["finished"] = True
    else:
        result = time_candidate_generation(args.path)
    result["peak_rss_bytes"] = _peak_rss_bytes()
    args.report.write_text(json.dumps(result))
    return 0


def run_child(
    kind: str,
    path: Path,
    *,
    which: str = "fast",
    timeout_s: float = CHILD_TIMEOUT_S,
    home: Path | None = None,
) -> dict[str, Any]:
    """Run ``child_main`` in a new Python process; its JSON (partial after a timeout or crash).

    The child's home (``CONNECTIVITY_HOME``: caches, outputs) is ``home``, or
    a temporary folder. Adds ``error`` when the child did not finish.
    """
    with tempfile.TemporaryDirectory(prefix="bench-scale-") as tmp:
        report = Path(tmp) / "report.json"
        env = {**os.environ, "CONNECTIVITY_HOME": str(home or tmp)}
        cmd = [sys.executable, "-m", "bench.bench_scale", "--child", kind, "--which", which]
        cmd += ["--path", str(path), "--report", str(report)]
        error = ""
        try:
            proc = subprocess.run(
                cmd, cwd=REPO, env=env, capture_output=True, text=True, timeout=timeout_s
            )
            if proc.returncode != 0:
                error = proc.stderr.strip().splitlines()[-1] if proc.stderr.strip() else "crashed"
        except subprocess.TimeoutExpired:
            error = f"stopped after {timeout_s:.0f} s"
        result: dict[str, Any] = {}
        if report.is_file():
            result = json.loads(report.read_text())
        if error:
            result["error"] = error
        return result


# -- the report -------------------------------------------------------------------------------


def _gb(value: float) -> float:
    return value / 1e9


def reader_rows(report: BenchReport, sizes: tuple[float, ...], apply: bool) -> None:
    """Fast reader against the osmnx path on the sample sizes, and their ratio."""
    skip = "" if apply else "quick run: target not applied"
    for size in sizes:
        osm = sample_config(size).parent.parent / "sample" / "roads.osm"
        fast = run_child("reader", osm, which="fast")
        slow = run_child("reader", osm, which="osmnx")
        for label, res in (("fast read_roads", fast), ("osmnx graph_from_osm_file", slow)):
            report.add(
                f"size {size:g}: {label}",
                res.get("seconds", math.nan),
                "s",
                note=res.get("error")
                or (
                    f"{res['nodes']:,} nodes, {res['edges']:,} edges; peak RSS "
                    f"{_gb(res['peak_rss_bytes']):.2f} GB; one-time warm-up "
                    f"{res.get('warm_up_seconds', math.nan):.2f} s not counted"
                ),
            )
        ratio = slow.get("seconds", math.nan) / fast.get("seconds", math.nan)
        same = fast.get("nodes") == slow.get("nodes") and fast.get("edges") == slow.get("edges")
        report.add(
            f"size {size:g}: reader speed-up, fast vs osmnx",
            ratio,
            "x",
            f">= {TARGET_READER_RATIO:g}x",
            (ratio >= TARGET_READER_RATIO and same) if apply else None,
            skip or ("" if same else "node or edge counts differ (or a reader failed)"),
        )


def national_rows(report: BenchReport) -> Any:
    """Build (or re-use) the tiled national input; time the fast reader on it."""
    start = time.perf_counter()
    region = national_region()
    built = region.seconds or None
    mb = region.roads_pbf.stat().st_size / 1e6
    report.context["national input"] = (
        f"{region.n_tiles} tiled copies of the size-16 sample ({region.cols} x {region.rows}), "
        f"{region.road_nodes:,} road nodes ({region.nodes:,} nodes, {region.ways:,} ways, "
        f"{region.seam_ways} seam links), PBF {mb:,.0f} MB; synthetic"
    )
    report.add(
        "national input: tiling to PBF",
        built if built is not None else math.nan,
        "s",
        note="re-used from the cache (time of the run that built it in its metadata.json)"
        if built is None
        else f"{time.perf_counter() - start:.0f} s with the base region",
    )
    res = run_child("reader", region.roads_pbf, which="fast")
    seconds = res.get("seconds", math.nan)
    report.add(
        f"national: fast read_roads ({region.road_nodes / 1e6:.1f} M road nodes)",
        seconds,
        "s",
        f"<= {TARGET_NATIONAL_READ_S:g} s",
        seconds <= TARGET_NATIONAL_READ_S,
        res.get("error", f"{res.get('nodes', 0):,} nodes, {res.get('edges', 0):,} edges"),
    )
    peak = _gb(res.get("peak_rss_bytes", math.nan))
    report.add(
        "national: peak RSS of the fast reader's process",
        peak,
        "GB",
        f"<= {TARGET_NATIONAL_GB:g} GB",
        peak <= TARGET_NATIONAL_GB,
        f"ru_maxrss of the child; {_gb(res.get('rss_before_bytes', 0)):.2f} GB after imports",
    )
    return region


def pipeline_rows(report: BenchReport, configs: dict[str, Path]) -> None:
    """The stages at each size, one child per size; a table by size in the context."""
    table = [f"{'size':>10} " + " ".join(f"{s:>10}" for s in (*STAGES, "total", "peak GB"))]
    timeout = float(os.environ.get("BENCH_SCALE_NATIONAL_TIMEOUT", 5400))
    for label, config in configs.items():
        res = run_child(
            "pipeline", config, timeout_s=timeout if label == "national" else CHILD_TIMEOUT_S
        )
        stages = res.get("stages", {})
        counts = res.get("counts", {})
        total = sum(stages.values())
        cells = [f"{stages[s]:10.1f}" if s in stages else f"{'-':>10}" for s in STAGES]
        peak = _gb(res.get("peak_rss_bytes", math.nan))
        table.append(f"{label:>10} " + " ".join(cells) + f" {total:10.1f} {peak:10.2f}")
        for stage, seconds in stages.items():
            report.add(f"pipeline {label}: {stage}", seconds, "s")
        note = ", ".join(f"{k} {v:,}" for k, v in counts.items())
        if res.get("error"):
            note = f"{res['error']}; {note}"
        report.add(f"pipeline {label}: total of the stages", total, "s", note=note)
        report.add(f"pipeline {label}: peak RSS", peak, "GB", note="ru_maxrss of the child")
        if "largest_page_mb" in res:  # every map page opens in a browser, at any size
            largest = float(res["largest_page_mb"])
            report.add(
                f"pipeline {label}: largest map page",
                largest,
                "MB",
                f"<= {TARGET_PAGE_MB:g} MB",
                largest <= TARGET_PAGE_MB,
                note="in parts (maps/<region>/parts/)" if "map parts" in counts else "",
            )
    report.context["pipeline by size (s)"] = "\n    " + "\n    ".join(table)


def candidate_rows(report: BenchReport, size: float, apply: bool) -> None:
    """Every generator of :data:`CANDIDATE_GENERATORS` on one sample size."""
    res = run_child("candidates", sample_config(size))
    gens = res.get("generators", {})
    if res.get("error"):
        report.add(f"candidates size {size:g}", math.nan, "s", note=res["error"])
        return
    for label, g in gens.items():
        report.add(
            f"candidates size {size:g}, {label}",
            g["seconds"],
            "s",
            note=(
                f"{g['works']:,} works; fastest of the runs (CPU {g.get('cpu', math.nan):.2f} s); "
                f"first run in the process {g.get('first', math.nan):.2f} s"
            ),
        )
    if len(gens) >= 2:
        (after, a), *others = gens.items()
        for before, b in others:
            ratio = b["seconds"] / a["seconds"]
            names = f"{after.split(':')[0]} vs {before.split(':')[0]}"
            report.add(
                f"candidates size {size:g}: speed-up, {names}",
                ratio,
                "x",
                f">= {TARGET_CANDIDATE_RATIO:g}x",
                ratio >= TARGET_CANDIDATE_RATIO if apply else None,
            )
            if a.get("cpu") and b.get("cpu"):
                report.add(
                    f"candidates size {size:g}: CPU-time ratio, {names}",
                    b["cpu"] / a["cpu"],
                    "x",
                    note=(
                        "not the target: new links are routed on threads, so the current "
                        "code uses both cores; a ratio that machine load does not move"
                    ),
                )
            report.add(
                f"candidates size {size:g}: same works (id, type, cost), {before.split(':')[0]}",
                a["ids"] == b["ids"],
                target="True",
                passed=a["ids"] == b["ids"],
            )
    else:
        report.context["candidates before/after"] = (
            "only the current generator is registered (CANDIDATE_GENERATORS): no ratio yet"
        )


def run(args: argparse.Namespace) -> BenchReport:
    cfg = QUICK if args.quick else FULL
    apply = not args.quick
    report = BenchReport("scale")
    report.context["inputs"] = (
        f"synthetic sample regions (seed {SEED}) generated once into {CACHE} (git-ignored); "
        "each measurement in a child process (peak RSS = ru_maxrss of the child)"
    )
    report.context["cpus"] = os.cpu_count()
    reader_rows(report, cfg["reader_sizes"], apply)
    configs = {f"{s:g}": sample_config(s) for s in cfg["pipeline_sizes"]}
    if cfg["national"] and os.environ.get("BENCH_SCALE_NATIONAL", "1") != "0":
        region = national_rows(report)
        configs["national"] = region.config_toml
    candidate_rows(report, cfg["candidate_size"], apply)
    pipeline_rows(report, configs)
    return report


if __name__ == "__main__":
    sys.exit(child_main(sys.argv[1:]))
