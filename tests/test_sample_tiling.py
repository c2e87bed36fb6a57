"""The tiled national-size test input: a small sample region tiled 2 x 2, read with pyosmium."""

from __future__ import annotations

import itertools
import json
from pathlib import Path

import numpy as np
import osmium
import pandas as pd
import pytest

from connectivity.config import load_region_config
from connectivity.errors import ConfigError
from connectivity.pipeline import data_source_statement
from connectivity.sample import generate_sample_region
from connectivity.sample.tiling import (
    PLACE_FILES,
    SEAM_NOTE,
    TILED_LABEL,
    TiledRegion,
    build_tiled_region,
    grid_for_target,
    read_base_osm,
)

SIZE = 0.25


@pytest.fixture(scope="module")
def tiled(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, TiledRegion]:
    root = tmp_path_factory.mktemp("tiling")
    base = generate_sample_region(root / "base", seed=42, size=SIZE).directory
    region = build_tiled_region(
        root / "tiled", base_size=SIZE, seed=42, base_dir=base, n_tiles=4, cols=2
    )
    return base, region


Ways = list[tuple[int, list[int], dict[str, str]]]


def read_osm(path: Path) -> tuple[dict[int, tuple[int, int]], Ways]:
    nodes: dict[int, tuple[int, int]] = {}
    ways: Ways = []
    node_count = 0
    for obj in osmium.FileProcessor(str(path)):
        if isinstance(obj, osmium.osm.Node):
            node_count += 1
            nodes[obj.id] = (obj.location.x, obj.location.y)
        elif isinstance(obj, osmium.osm.Way):
            ways.append((obj.id, [n.ref for n in obj.nodes], {t.k: t.v for t in obj.tags}))
    assert node_count == len(nodes), "node ids are not unique"
    return nodes, ways


def road_pieces(ways: Ways) -> dict[int, int]:
    """Union-find over the ways tagged highway: the root of every road node."""
    parent: dict[int, int] = {}

    def find(a: int) -> int:
        parent.setdefault(a, a)
        while parent[a] != a:
            parent[a] = parent[parent[a]]
            a = parent[a]
        return a

    for _, refs, tags in ways:
        if "highway" not in tags:
            continue
        for a, b in itertools.pairwise(refs):
            parent[find(a)] = find(b)
        find(refs[0])
    return {a: find(a) for a in parent}


def test_tiles_have_unique_ids_and_exactly_shifted_coordinates(
    tiled: tuple[Path, TiledRegion],
) -> None:
    base_dir, region = tiled
    base_nodes, base_ways = read_osm(base_dir / "roads.osm")
    nodes, ways = read_osm(region.roads_pbf)
    meta = json.loads(region.metadata_json.read_text())
    grid, counts = meta["grid"], meta["counts"]
    assert (region.n_tiles, region.cols, region.rows) == (4, 2, 2)
    assert len(nodes) == 4 * len(base_nodes) == region.nodes  # seam links add no node
    way_ids = [w[0] for w in ways]
    assert len(set(way_ids)) == len(ways) == 4 * len(base_ways) + region.seam_ways
    base_road = read_base_osm(base_dir / "roads.osm").n_road_nodes
    assert region.road_nodes == 4 * base_road == counts["road_nodes"]
    step = counts["node_step"]
    assert step > max(base_nodes)
    for t in range(4):
        row, col = divmod(t, 2)
        dx, dy = col * grid["dx_e7"], row * grid["dy_e7"]
        for nid, (x, y) in base_nodes.items():
            assert nodes[nid + t * step] == (x + dx, y + dy)
    # neighbouring copies do not overlap
    xs = np.array([x for x, _ in base_nodes.values()])
    ys = np.array([y for _, y in base_nodes.values()])
    assert xs.max() < xs.min() + grid["dx_e7"] and ys.max() < ys.min() + grid["dy_e7"]
    assert "NOT REAL DATA" in (region.directory / "README.txt").read_text()
    assert meta["label"] == TILED_LABEL


def test_seams_join_the_copies_into_one_network(tiled: tuple[Path, TiledRegion]) -> None:
    base_dir, region = tiled
    _, base_ways = read_osm(base_dir / "roads.osm")
    nodes, ways = read_osm(region.roads_pbf)
    step = json.loads(region.metadata_json.read_text())["counts"]["node_step"]
    base_roots = road_pieces(base_ways)
    base_pieces = len(set(base_roots.values()))
    roots = road_pieces(ways)
    # the four largest pieces became one: three fewer pieces than four separate copies
    assert len(set(roots.values())) == 4 * base_pieces - 3
    sizes = pd.Series(list(base_roots.values())).value_counts()
    main = [a for a, r in base_roots.items() if r == sizes.index[0]]
    assert len({roots[a + t * step] for a in main for t in range(4)}) == 1
    seams = [w for w in ways if w[2].get("note") == SEAM_NOTE]
    assert len(seams) == region.seam_ways == 4 * 4  # 2 east + 2 north seams, 4 links each
    for _, refs, tags in seams:
        assert tags["highway"] == "track" and len(refs) == 2
        tiles = sorted(r // step for r in refs)
        assert tiles in ([0, 1], [2, 3], [0, 2], [1, 3])
        (xa, ya), (xb, yb) = nodes[refs[0]], nodes[refs[1]]
        km = np.hypot((xa - xb) * 1.08e-2, (ya - yb) * 1.1e-2) / 1000  # 1e-7 degree near 14 S
        assert 0 < km < 20


def test_places_are_tiled_with_unique_ids(tiled: tuple[Path, TiledRegion]) -> None:
    base_dir, region = tiled
    meta = json.loads(region.metadata_json.read_text())
    dx, dy = meta["grid"]["dx_e7"] / 1e7, meta["grid"]["dy_e7"] / 1e7
    communities = pd.read_csv(region.directory / "communities.csv", dtype=str)
    for name, id_column in PLACE_FILES.items():
        base = pd.read_csv(base_dir / name, dtype={id_column: str, "community_id": str})
        table = pd.read_csv(region.directory / name, dtype={id_column: str, "community_id": str})
        assert len(table) == 4 * len(base) and table[id_column].is_unique
        last = table[table[id_column].str.endswith("-T3")].reset_index(drop=True)
        assert list(last[id_column]) == [f"{i}-T3" for i in base[id_column]]
        assert np.allclose(last["lon"], base["lon"] + dx, atol=1e-7, rtol=0)
        assert np.allclose(last["lat"], base["lat"] + dy, atol=1e-7, rtol=0)
        if name != "communities.csv":
            assert table["community_id"].dropna().isin(communities["community_id"]).all()
    assert communities["district"].str.endswith(("[T0]", "[T1]", "[T2]", "[T3]")).all()


def test_region_config_runs_on_the_tiled_files(tiled: tuple[Path, TiledRegion]) -> None:
    _, region = tiled
    cfg = load_region_config(region.config_toml)
    assert cfg.region.synthetic and cfg.elevation is None and cfg.sample is None
    assert any(TILED_LABEL in a for a in cfg.region.attribution)
    assert "sintética" in cfg.region.title
    assert cfg.resolve(cfg.roads.path) == region.roads_pbf
    assert cfg.candidates.proposals is None
    # every output says the data are synthetic tiled copies, never "seed ?, size ?"
    said = data_source_statement(cfg)
    assert said.startswith("synthetic region (invented data") and TILED_LABEL in said
    assert "?" not in said


def test_a_built_region_is_reused_and_the_grid_follows_the_target(
    tiled: tuple[Path, TiledRegion],
) -> None:
    base_dir, region = tiled
    before = region.roads_pbf.stat().st_mtime_ns
    again = build_tiled_region(
        region.directory, base_size=SIZE, seed=42, base_dir=base_dir, n_tiles=4, cols=2
    )
    assert again.seconds == 0.0 and again.nodes == region.nodes
    assert region.roads_pbf.stat().st_mtime_ns == before
    base = read_base_osm(base_dir / "roads.osm")
    grid = grid_for_target(base, 10 * base.n_road_nodes)
    assert (grid.n_tiles, grid.cols, grid.rows) == (10, 4, 3)
    assert len(grid.neighbours()) == 3 + 3 + 1 + 6  # east seams on rows 0-2, north seams
    with pytest.raises(ConfigError, match="beyond valid coordinates"):
        grid_for_target(base, 10**6 * base.n_road_nodes)
    with pytest.raises(ConfigError, match="size 1 and seed 42"):
        build_tiled_region(region.directory / "x", base_size=1.0, seed=42, base_dir=base_dir)
