"""Ranking benchmark: access gained by 10,000 road works, incremental vs recomputation.

* On a sample region scaled to about 10^5 road nodes: 10,000 works evaluated
  with :func:`connectivity.ranking.evaluate_works` (target <= 20 s, setup and
  the baseline searches included); then a sample of works evaluated by full
  recomputation (:func:`connectivity.ranking.evaluate_works_by_recomputation`:
  ``apply_works`` + a new routing graph + four nearest-facility searches per
  work). Target: incremental >= 100x faster per work, with identical results
  (every column of the table, and the communities gaining with their minutes).
* On about 10^6 nodes: the same number of works (target <= 60 s) and the peak
  memory of the evaluation (target <= 2 GB).

The road networks are :func:`connectivity.sample.sample_road_network`
(synthetic, seeded), laid side by side when one province is not enough;
travel times come from highway classes (rains slower on unpaved roads,
fords crossed in the rains and impassable in floods), communities,
markets, schools and health facilities sit on random nodes (three destination
kinds, three passability states: nine searches). The
works are made here by a simple seeded generator: upgrades of runs of 1-5
road segments (both directions twice as fast; 90% on low-class roads, 10% on
secondary/tertiary roads, whose upgrade changes bigger areas), bridges over fords
(wet-season time made finite) and new links between nearby unconnected nodes.

* Real pipeline: the ``rank`` stage as ``connectivity run`` does it. The
  synthetic sample region (``data/regions/sample.toml`` with a larger
  ``[sample] size``, in a temporary home) is generated, loaded and built with
  :func:`connectivity.pipeline.load_inputs` and
  :func:`connectivity.pipeline.build_region_network`; its works come from
  :func:`connectivity.works.generate_candidates` with the arguments of
  :func:`connectivity.pipeline.rank_stage`; then
  :func:`connectivity.ranking.evaluate_works` on all of them,
  :func:`connectivity.ranking.rank_works` with the config's budget and
  weights, and full recomputation of a sample (target >= 100x per work,
  identical results).
"""

from __future__ import annotations

import argparse
import contextlib
import math
import re
import tempfile
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
from scipy.spatial import cKDTree

from bench import BenchReport, PeakRss, PeakTraced, sample_provinces, timed
from connectivity import pipeline, ranking
from connectivity._io import atomic_write_text
from connectivity.config import RegionConfig, load_region_config
from connectivity.errors import ConfigError
from connectivity.network import RoadNetwork
from connectivity.sample import generate_sample_region
from connectivity.settings import settings
from connectivity.works import WEIGHTS, WorkSet, generate_candidates

CRS = "EPSG:32718"
#: Dry-season speed (km/h) and wet-season slow-down by OSM highway class.
SPEED_KPH = {
    "trunk": (70.0, 1.0),
    "secondary": (45.0, 1.1),
    "tertiary": (35.0, 1.2),
    "unclassified": (25.0, 1.4),
    "residential": (25.0, 1.1),
    "track": (15.0, 2.0),
    "path": (4.5, 1.3),
    "bridleway": (4.0, 1.3),
}
LOW_CLASSES = ("track", "unclassified", "path", "bridleway")
MAIN_CLASSES = ("secondary", "tertiary")
WALK_KPH = 4.5

FULL = {
    "base_nodes": 100_000,
    "big_nodes": 1_000_000,
    "works": 10_000,
    "recompute": 100,
    "sample_size": 5.0,  # about 11,000 routing nodes, generated in about 45 s
    "real_recompute": 100,
}
QUICK = {
    "base_nodes": 5_000,
    "big_nodes": 20_000,
    "works": 500,
    "recompute": 20,
    "sample_size": 1.0,
    "real_recompute": 20,
}
REPO = Path(__file__).resolve().parent.parent
SAMPLE_TOML = REPO / "data" / "regions" / "sample.toml"
TARGET_BASE_S = 20.0
TARGET_BIG_S = 60.0
TARGET_SPEEDUP = 100.0
TARGET_MEMORY_GB = 2.0
TOL = 1e-6


# -- network ----------------------------------------------------------------------------


def build_network(n_nodes: int, seed: int) -> tuple[RoadNetwork, str]:
    """A synthetic RoadNetwork of about ``n_nodes`` nodes (no edge geometry)."""
    nodes, edges, label = sample_provinces(n_nodes, seed, ("highway", "ford", "length_m"))
    highway = edges["highway"].map(lambda h: h[0] if isinstance(h, list) else h)
    kph = highway.map({h: s for h, (s, _) in SPEED_KPH.items()}).fillna(20.0).to_numpy()
    wet = highway.map({h: f for h, (_, f) in SPEED_KPH.items()}).fillna(1.5).to_numpy()
    length = edges["length_m"].to_numpy(dtype=float)
    dry_s = length / (kph / 3.6)
    wet_s = dry_s * wet
    ford = (edges["ford"] == "yes").to_numpy()
    rain_s = wet_s.copy()  # the rains with rivers not in flood: fords crossed
    wet_s[ford] = np.inf
    walk = length / (WALK_KPH / 3.6)
    edges = gpd.GeoDataFrame(
        {
            "highway": highway.to_numpy(),
            "ford": ford,
            "road_class": highway.to_numpy(),
            "length_m": length,
            "travel_time_s": dry_s,
            "travel_time_wet_s": wet_s,
            "walk_time_s": walk,
            "walk_time_wet_s": np.where(ford, np.inf, walk * 1.2),
            "travel_time_rain_s": rain_s,
            "walk_time_rain_s": walk * 1.2,
        },
        index=edges.index,
        geometry=gpd.GeoSeries([None] * len(edges), index=edges.index, crs=CRS),
        crs=CRS,
    )
    n = len(nodes)
    rng = np.random.default_rng(seed)
    node_ids = nodes.index.to_numpy()

    def places(count: int, prefix: str) -> gpd.GeoDataFrame:
        at = rng.choice(n, size=count, replace=False)
        frame = gpd.GeoDataFrame(
            {"node_id": node_ids[at]},
            geometry=gpd.points_from_xy(nodes["x"].to_numpy()[at], nodes["y"].to_numpy()[at]),
            crs=CRS,
        )
        frame.insert(
            0,
            "facility_id" if prefix != "C" else "community_id",
            [f"{prefix}{j:07d}" for j in range(count)],
        )
        return frame

    communities = places(n // 10, "C")
    communities["population"] = np.round(rng.lognormal(5.0, 1.0, len(communities))) + 1
    communities["district"] = [f"D{j % 50:02d}" for j in range(len(communities))]
    network = RoadNetwork(
        nodes=gpd.GeoDataFrame(nodes, geometry=gpd.points_from_xy(nodes["x"], nodes["y"]), crs=CRS),
        edges=edges,
        communities=communities,
        facilities={
            "market": places(max(n // 250, 2), "M"),
            "school": places(max(n // 25, 2), "S"),
            "health": places(max(n // 100, 2), "H"),
        },
        pieces=pd.DataFrame(),
    )
    return network, label


def _facility_counts(network: RoadNetwork) -> str:
    return ", ".join(f"{len(v)} {k}" for k, v in network.facilities.items())


# -- works ------------------------------------------------------------------------------


def generate_works(network: RoadNetwork, n_works: int, seed: int) -> WorkSet:
    """Seeded works: 60% upgrades of 1-5 segments, 25% bridges over fords, 15% new links.

    Nine upgrades in ten are on tracks, paths and unclassified roads; one in
    ten paves a secondary or tertiary road.
    """
    rng = np.random.default_rng(seed)
    edges = network.edges
    u = edges.index.get_level_values(0).to_numpy()
    v = edges.index.get_level_values(1).to_numpy()
    k = edges.index.get_level_values(2).to_numpy()
    pair_row = pd.Series(np.arange(len(edges)), index=pd.MultiIndex.from_arrays([u, v]))
    pair_row = pair_row[~pair_row.index.duplicated()]
    low = np.flatnonzero(edges["highway"].isin(LOW_CLASSES).to_numpy())
    main = np.flatnonzero(edges["highway"].isin(MAIN_CLASSES).to_numpy())
    low_set = set(low.tolist())
    main_set = set(main.tolist())
    out_edges = pd.Series(np.arange(len(edges))).groupby(u).apply(list).to_dict()
    # travel_time_s, travel_time_wet_s, walk_time_s, walk_time_wet_s, then the rain state's
    weight_cols = list(WEIGHTS)
    weights = edges[weight_cols].to_numpy(dtype=float)
    n_up = int(n_works * 0.60)
    n_bridge = int(n_works * 0.25)
    n_new = n_works - n_up - n_bridge
    rows: list[tuple[Any, ...]] = []
    works: list[tuple[str, str, float, float]] = []

    def both_ways(e: int) -> list[int]:
        twin = pair_row.get((v[e], u[e]))
        return [e] if twin is None else [e, int(twin)]

    for w in range(n_up):
        paving = w % 10 == 9  # one upgrade in ten paves a gravel road (bigger areas gain)
        pool, pool_set = (main, main_set) if paving else (low, low_set)
        e = int(rng.choice(pool))
        run = [e]
        for _ in range(int(rng.integers(0, 5))):
            nxt = [f for f in out_edges.get(v[run[-1]], []) if f in pool_set and v[f] != u[run[-1]]]
            if not nxt:
                break
            run.append(int(nxt[int(rng.integers(len(nxt)))]))
        wid = f"UPG{w:06d}"
        length = 0.0
        for seg in dict.fromkeys(run):
            length += float(edges["length_m"].iloc[seg])
            for f in both_ways(seg):
                t = weights[f]
                faster = (t[0] / 2, t[1] / 2, t[2], t[3], t[4] / 2, t[5])
                rows.append((wid, "replace", u[f], v[f], k[f], *faster))
        works.append((wid, "upgrade", length, 120.0 * length))
    fords = np.flatnonzero(edges["ford"].to_numpy())
    picked = rng.choice(fords, size=min(n_bridge, len(fords)), replace=False)
    for w, e in enumerate(picked.tolist()):
        wid = f"BRG{w:06d}"
        for f in both_ways(e):
            t = weights[f]
            # the twin found by (v, u) may be a parallel edge that is no ford: never slower
            new = np.minimum(t, [t[0], t[0] * 1.2, t[2], t[2] * 1.2, t[0] * 1.2, t[2] * 1.2])
            rows.append((wid, "replace", u[f], v[f], k[f], *map(float, new)))
        works.append((wid, "bridge", 0.0, 60_000.0 + 3000.0 * float(edges["length_m"].iloc[e])))
    nodes = network.nodes
    xy = nodes[["x", "y"]].to_numpy()
    tree = cKDTree(xy)
    made = 0
    tries = 0
    while made < n_new + (n_bridge - len(picked)) and tries < 20 * n_works:
        tries += 1
        a = int(rng.integers(len(xy)))
        near = tree.query_ball_point(xy[a], 1500.0)
        if len(near) < 2:
            continue
        b = int(near[int(rng.integers(len(near)))])
        ida, idb = nodes.index[a], nodes.index[b]
        dist = float(np.hypot(*(xy[a] - xy[b])))
        if a == b or dist < 200 or (ida, idb) in pair_row.index:
            continue
        wid = f"NEW{made:06d}"
        t = dist * 1.3 / (25 / 3.6)
        walk = dist * 1.3 / (WALK_KPH / 3.6)
        for p, q in ((ida, idb), (idb, ida)):
            rows.append((wid, "add", p, q, 0, t, t * 1.4, walk, walk * 1.2, t * 1.4, walk * 1.2))
        works.append((wid, "new_link", dist * 1.3, 250.0 * dist * 1.3))
        made += 1
    changes = pd.DataFrame(
        rows,
        columns=["work_id", "action", "u", "v", "key", *weight_cols],
    )
    changes["length_m"] = 0.0
    changes["road_class"] = "afirmado"
    changes["geometry"] = None
    table = pd.DataFrame(works, columns=["work_id", "work_type", "length_m", "cost"])
    table = table.set_index("work_id")
    table["origin"] = "generated"
    table["name"] = table.index
    table["description"] = table["work_type"]
    table["span_m"] = 0.0
    table["cofinancing_share"] = 0.0
    table["cost_net"] = table["cost"]
    frame = gpd.GeoDataFrame(
        table, geometry=gpd.GeoSeries([None] * len(table), index=table.index, crs=CRS), crs=CRS
    )
    return WorkSet(works=frame, changes=changes)


# -- comparison -------------------------------------------------------------------------


def max_table_diff(fast: pd.DataFrame, ref: pd.DataFrame) -> float:
    """Largest difference over the numeric columns (relative for big sums); inf if unlike."""
    if list(fast.columns) != list(ref.columns) or not fast.index.equals(ref.index):
        return math.inf
    worst = 0.0
    for col in fast.select_dtypes("number").columns:
        a = fast[col].to_numpy(dtype=float)
        b = ref[col].to_numpy(dtype=float)
        if not np.array_equal(np.isfinite(a), np.isfinite(b)) or not np.array_equal(
            np.isnan(a), np.isnan(b)
        ):
            return math.inf
        ok = np.isfinite(a)
        diff = np.abs(a[ok] - b[ok]) / np.maximum(1.0, np.abs(b[ok]))
        worst = max(worst, float(diff.max(initial=0.0)))
    return worst


def max_gains_diff(fast: pd.DataFrame, ref: pd.DataFrame) -> float:
    """Largest difference of minutes in the gains tables (inf if the rows differ)."""
    if (
        len(fast) != len(ref)
        or not (
            fast[["work_id", "community_id"]].to_numpy()
            == ref[["work_id", "community_id"]].to_numpy()
        ).all()
    ):
        return math.inf
    worst = 0.0
    for col in [c for c in fast.columns if c.endswith(("_before", "_after"))]:
        a, b = fast[col].to_numpy(dtype=float), ref[col].to_numpy(dtype=float)
        if not np.array_equal(np.isinf(a), np.isinf(b)):
            return math.inf
        ok = np.isfinite(a)
        worst = max(worst, float(np.abs(a[ok] - b[ok]).max(initial=0.0)) * 60.0)
    return worst


def add_equality_rows(
    report: BenchReport,
    prefix: str,
    ratio: float,
    fast: pd.DataFrame,
    ref: pd.DataFrame,
    fast_gains: pd.DataFrame,
    ref_gains: pd.DataFrame,
    verdict: Callable[[bool], bool | None],
    skip: str,
) -> None:
    """Report the speed-up and the equality of incremental and recomputed results."""
    report.add(
        f"{prefix}speed-up per work, incremental vs recomputation",
        ratio,
        "x",
        f">= {TARGET_SPEEDUP:g}x",
        verdict(ratio >= TARGET_SPEEDUP),
        skip,
    )
    diff = max_table_diff(fast, ref)
    report.add(
        f"{prefix}max diff of all measures vs recomputation ({len(ref)} works)",
        diff,
        "rel",
        "<= 1e-9",
        diff <= 1e-9,
        "relative to max(1, |value|); inf if rows, columns or unreachable sets differ",
    )
    gdiff = max_gains_diff(fast_gains, ref_gains)
    report.add(
        f"{prefix}max |diff| of community minutes vs recomputation ({len(ref_gains):,} gains)",
        gdiff,
        "s",
        f"<= {TOL:g} s",
        gdiff <= TOL,
    )


def run(args: argparse.Namespace) -> BenchReport:
    cfg = QUICK if args.quick else FULL
    apply = not args.quick
    report = BenchReport("ranking")
    skip = "quick run: target not applied" if not apply else ""

    def verdict(ok: bool) -> bool | None:
        return ok if apply else None

    # compile (or load) the numba kernels on a tiny run, outside the timings
    warm, _ = build_network(2_000, seed=99)
    ranking.evaluate_works(warm, generate_works(warm, 20, seed=1))

    # ---- 10^5 nodes: 10,000 works, and a sample by full recomputation ------------------
    started = time.perf_counter()
    network, label = build_network(int(cfg["base_nodes"]), seed=7)
    works = generate_works(network, int(cfg["works"]), seed=11)
    report.context["base graph"] = (
        f"{label}: {len(network.nodes):,} nodes, {len(network.edges):,} edges, "
        f"{len(network.communities):,} communities, {_facility_counts(network)} "
        f"(built in {time.perf_counter() - started:.0f} s)"
    )
    report.context["works"] = (
        f"{len(works):,} works ({works.works['work_type'].value_counts().to_dict()}), "
        f"{len(works.changes):,} edge changes"
    )
    with timed() as t_fast:
        table = ranking.evaluate_works(network, works)
    n = len(works)
    report.add(
        f"evaluate {n:,} works, {len(network.nodes):,} nodes",
        t_fast[0],
        "s",
        f"<= {TARGET_BASE_S:g} s",
        verdict(t_fast[0] <= TARGET_BASE_S),
        f"setup + a baseline search per destination kind and passability state "
        f"({len(network.kinds)} x {len(ranking.SEASONS)}) "
        f"+ incremental searches; {skip}".strip("; "),
    )
    gaining = table[table["people_benefited"] > 0]
    report.context["base results"] = (
        f"{len(gaining):,} of {n:,} works benefit someone; median communities gaining "
        f"{gaining['communities_gaining'].median():.0f}, max {table['communities_gaining'].max()}"
    )
    rng = np.random.default_rng(5)
    sample = sorted(rng.choice(works.ids, size=int(cfg["recompute"]), replace=False).tolist())
    with timed() as t_ref:
        ref, ref_gains = ranking.evaluate_works_by_recomputation(network, works, ids=sample)
    per_ref = t_ref[0] / len(sample)
    per_fast = t_fast[0] / n
    report.add(
        f"full recomputation, {len(sample)} works (apply_works + routing)",
        t_ref[0],
        "s",
        note=f"{per_ref * 1000:.1f} ms per work",
    )
    report.add(
        f"incremental, per work ({n:,}-work run incl. setup)",
        per_fast * 1000,
        "ms",
    )
    fast_gains = ranking.work_gains(network, works.subset(sample))
    add_equality_rows(
        report, "", per_ref / per_fast, table.loc[sample], ref, fast_gains, ref_gains, verdict, skip
    )
    del network, works, table, ref, ref_gains, fast_gains

    # ---- 10^6 nodes: time and memory ---------------------------------------------------
    started = time.perf_counter()
    network, label = build_network(int(cfg["big_nodes"]), seed=2024)
    works = generate_works(network, int(cfg["works"]), seed=12)
    report.context["big graph"] = (
        f"{label}: {len(network.nodes):,} nodes, {len(network.edges):,} edges, "
        f"{len(network.communities):,} communities, {_facility_counts(network)}, "
        f"{len(works):,} works "
        f"(built in {time.perf_counter() - started:.0f} s)"
    )
    with PeakRss() as memory, timed() as t_big:
        table = ranking.evaluate_works(network, works)
    del table
    # memory apart from the timing: tracemalloc sees every array allocated, even where
    # RSS does not grow because memory freed earlier (building the network) is reused
    with PeakTraced() as traced:
        table = ranking.evaluate_works(network, works)
    report.add(
        f"evaluate {len(works):,} works, {len(network.nodes):,} nodes",
        t_big[0],
        "s",
        f"<= {TARGET_BIG_S:g} s",
        verdict(t_big[0] <= TARGET_BIG_S),
        skip,
    )
    gb = max(traced.peak_bytes, memory.increase_bytes) / 1e9
    report.add(
        "peak memory of the evaluation",
        gb,
        "GB",
        f"<= {TARGET_MEMORY_GB:g} GB",
        verdict(gb <= TARGET_MEMORY_GB),
        f"larger of tracemalloc peak ({traced.peak_bytes / 1e9:.3f} GB) and RSS increase "
        f"({memory.increase_bytes / 1e9:.3f} GB over {memory.baseline_bytes / 1e9:.2f} GB held "
        f"before: network and works, not counted); process peak "
        f"{memory.peak_bytes / 1e9:.2f} GB; {memory.method}",
    )
    report.context["big results"] = (
        f"{int((table['people_benefited'] > 0).sum()):,} works benefit someone; "
        f"max communities gaining {table['communities_gaining'].max()}"
    )
    del network, works, table
    real_pipeline(report, float(cfg["sample_size"]), int(cfg["real_recompute"]), apply)
    return report


# -- the real rank stage ------------------------------------------------------------------


@contextlib.contextmanager
def sample_home(size: float, home: Path | None = None) -> Iterator[Path]:
    """Point ``settings.home`` at a home holding the sample config with ``[sample] size = size``.

    ``data/regions/sample.toml`` there is the repository's with only the
    ``size`` line changed; the region is generated under ``data/sample`` of
    that home. With ``home`` None a temporary folder is used (and removed
    after); otherwise the folder is kept, so that a generated region is
    re-used by the next run. Yields the config's path.
    """
    old_home = settings.home
    with contextlib.ExitStack() as stack:
        if home is None:
            home = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="bench-ranking-")))
        regions = home / "data" / "regions"
        regions.mkdir(parents=True, exist_ok=True)
        text, count = re.subn(
            r"(?m)^size\s*=.*$", f"size = {size:g}", SAMPLE_TOML.read_text(encoding="utf-8")
        )
        if count != 1:
            raise ConfigError(f"{SAMPLE_TOML}: expected one 'size =' line, found {count}")
        toml = regions / "sample.toml"
        if not toml.is_file() or toml.read_text(encoding="utf-8") != text:
            atomic_write_text(toml, text)
        settings.home = home
        try:
            yield toml
        finally:
            settings.home = old_home


@dataclass
class SampleWorks:
    """The sample region up to the rank stage's candidate works, and how long each step took.

    Attributes
    ----------
    network : RoadNetwork
        The network after the edge splits of the works (what the rank stage ranks on).
    works : WorkSet
    rejected : pandas.DataFrame
        Proposals rejected by :func:`connectivity.works.generate_candidates`.
    seconds : dict
        ``generate``, ``load``, ``build`` and ``candidates``: wall time of each step.
    region : str
        What the region and its built network are (for the report).
    """

    network: RoadNetwork
    works: WorkSet
    rejected: pd.DataFrame
    seconds: dict[str, float]
    region: str

    def describe_works(self) -> str:
        """The works and the network they are on, in one line."""
        kinds = self.works.works["work_type"].value_counts().to_dict()
        return (
            f"{len(self.works):,} works {kinds} ({len(self.rejected)} proposals rejected), "
            f"{len(self.works.changes):,} edge changes; network after edge splits: "
            f"{len(self.network.nodes):,} nodes, {len(self.network.edges):,} edges"
        )


def sample_works(cfg: RegionConfig) -> SampleWorks:
    """Generate (or re-use), load and build the sample region of ``cfg``; make its works.

    The steps of ``connectivity run`` up to the rank stage:
    :func:`connectivity.sample.generate_sample_region` (which re-uses files
    already there for the same seed, size and generator),
    :func:`connectivity.pipeline.load_inputs`,
    :func:`connectivity.pipeline.build_region_network` and
    :func:`connectivity.works.generate_candidates` with the arguments of
    :func:`connectivity.pipeline.rank_stage`. Needs ``settings.home`` to be the
    config's home (:func:`sample_home`).
    """
    assert cfg.sample is not None and cfg.sample_dir is not None
    with timed() as t_gen:  # load_inputs then finds the files and does not regenerate them
        generate_sample_region(cfg.sample_dir, seed=cfg.sample.seed, size=cfg.sample.size)
    with timed() as t_load:
        inputs = pipeline.load_inputs(cfg)
    with timed() as t_build:
        base = pipeline.build_region_network(inputs)
    region = (
        f"data/regions/sample.toml with [sample] size = {cfg.sample.size:g}, seed "
        f"{cfg.sample.seed}: generated in {t_gen[0]:.1f} s, inputs loaded in {t_load[0]:.1f} s, "
        f"network built in {t_build[0]:.1f} s: {len(base.nodes):,} nodes, {len(base.edges):,} "
        f"edges, {len(base.communities):,} communities, {_facility_counts(base)}"
    )
    cand = cfg.candidates
    with timed() as t_cand:  # the arguments of pipeline.rank_stage
        network, works, rejected = generate_candidates(
            base,
            kinds=cand.generate,
            dem_path=inputs.dem_path,
            waterways=inputs.waterways,
            proposals=cfg.resolve(cand.proposals),
            costs=cfg.costs,
            max_new_link_m=cand.max_new_link_m,
            max_slope_pct=cand.max_slope_pct,
            tables=pipeline.region_speed_tables(cfg),
        )
    seconds = {
        "generate": t_gen[0],
        "load": t_load[0],
        "build": t_build[0],
        "candidates": t_cand[0],
    }
    return SampleWorks(network, works, rejected, seconds, region)


def real_pipeline(report: BenchReport, size: float, n_recompute: int, apply: bool) -> None:
    """The rank stage on the sample region of ``[sample] size = size``, in a temporary home."""
    skip = "" if apply else "quick run: target not applied"
    with sample_home(size) as toml:
        _real_pipeline(report, toml, n_recompute, apply, skip)


def _real_pipeline(
    report: BenchReport, toml: Path, n_recompute: int, apply: bool, skip: str
) -> None:
    def verdict(ok: bool) -> bool | None:
        return ok if apply else None

    cfg = load_region_config(toml)
    sample = sample_works(cfg)
    network, works = sample.network, sample.works
    report.context["real pipeline region"] = sample.region
    report.context["real pipeline works"] = sample.describe_works()
    report.add(
        f"real pipeline: generate_candidates ({len(works):,} works)",
        sample.seconds["candidates"],
        "s",
    )

    thresholds = cfg.access.thresholds_min
    with timed() as t_eval:
        table = ranking.evaluate_works(
            network, works, thresholds_min=thresholds, weights=cfg.ranking
        )
    n = len(works)
    report.add(
        f"real pipeline: evaluate_works, {n:,} works, {len(network.nodes):,} nodes",
        t_eval[0],
        "s",
        note=f"{t_eval[0] / n * 1000:.3g} ms per work incl. setup",
    )
    budget = cfg.budget.amount if cfg.budget is not None else None
    with timed() as t_rank:
        result = ranking.rank_works(
            network, works, budget=budget, thresholds_min=thresholds, weights=cfg.ranking
        )
    report.add(
        f"real pipeline: rank_works, budget {budget or 0:,.0f} {cfg.costs.currency}",
        t_rank[0],
        "s",
        note=(
            f"{len(result.portfolio)} works chosen for "
            f"{result.portfolio['cost_net'].sum():,.0f}; evaluation, gains, portfolio"
        ),
    )
    gaining = table[table["people_benefited"] > 0]
    report.context["real pipeline results"] = (
        f"{len(gaining):,} of {n:,} works benefit someone "
        f"({gaining['work_type'].value_counts().to_dict()}); "
        f"max communities gaining {table['communities_gaining'].max()}"
    )
    rng = np.random.default_rng(5)
    size = min(n_recompute, n)
    ids = sorted(rng.choice(works.ids, size=size, replace=False).tolist())
    with timed() as t_ref:
        ref, ref_gains = ranking.evaluate_works_by_recomputation(
            network, works, thresholds_min=thresholds, weights=cfg.ranking, ids=ids
        )
    per_ref = t_ref[0] / len(ids)
    per_fast = t_eval[0] / n
    report.add(
        f"real pipeline: full recomputation, {len(ids)} works",
        t_ref[0],
        "s",
        note=f"{per_ref * 1000:.1f} ms per work",
    )
    fast_gains = ranking.work_gains(network, works.subset(ids), weights=cfg.ranking)
    add_equality_rows(
        report,
        "real pipeline: ",
        per_ref / per_fast,
        table.loc[ids],
        ref,
        fast_gains,
        ref_gains,
        verdict,
        skip,
    )
