"""Synthetic sample region (connectivity.sample): determinism, formats, realism, params.

The region is generated once per test worker at the default size (seed 42) and
read by most tests; the determinism test builds two more at the same size.
"""

from __future__ import annotations

import json
import math
import os
import re
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import geopandas as gpd
import networkx as nx
import numpy as np
import osmnx as ox
import pandas as pd
import pytest
import rasterio
import shapely
from pyproj import Transformer
from scipy.spatial import cKDTree

from connectivity.errors import ConfigError
from connectivity.network import build_network
from connectivity.sample import (
    GENERATOR_VERSION,
    MAX_FILE_SIZE,
    MAX_NETWORK_SIZE,
    NOT_REAL_DATA,
    SAMPLE_CRS,
    SAMPLE_LABEL,
    SampleRegionFiles,
    generate_sample_region,
    sample_road_network,
)
from connectivity.works import BRIDGE_COST_PER_M, UNIT_COST_PER_KM, proposals_from_file

SEED = 42
FILE_NAMES = [
    "roads.osm",
    "elevation.tif",
    "population.tif",
    "communities.csv",
    "markets.csv",
    "schools.csv",
    "health.csv",
    "proposals.geojson",
    "metadata.json",
    "README.txt",
]
# tags osmnx drops by default that the tests look at
EXTRA_WAY_TAGS = ["surface", "tracktype", "ford", "waterway", "layer", "width"]


@dataclass(frozen=True)
class OsmRegion:
    """The sample's roads.osm as osmnx loads it, split into roads and the rest."""

    graph: nx.MultiDiGraph  # everything osmnx keeps (roads, waterways, lone POI nodes)
    roads: nx.MultiDiGraph  # the subgraph of edges with a highway tag
    road_edges: list[dict[str, Any]]
    river_nodes: list[int]


@pytest.fixture(scope="module")
def region(tmp_path_factory: pytest.TempPathFactory) -> SampleRegionFiles:
    return generate_sample_region(tmp_path_factory.mktemp("sample42"), seed=SEED)


@pytest.fixture(scope="module")
def meta(region: SampleRegionFiles) -> dict[str, Any]:
    data: dict[str, Any] = json.loads(region.metadata_json.read_text(encoding="utf-8"))
    return data


@pytest.fixture(scope="module")
def communities(region: SampleRegionFiles) -> pd.DataFrame:
    return pd.read_csv(region.communities_csv)


@pytest.fixture(scope="module")
def osm(region: SampleRegionFiles) -> OsmRegion:
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(ox.settings, "useful_tags_way", [*ox.settings.useful_tags_way, *EXTRA_WAY_TAGS])
        graph = ox.graph_from_xml(region.roads_osm, simplify=False, retain_all=True)
    road_edges = [(u, v, k) for u, v, k, d in graph.edges(keys=True, data=True) if "highway" in d]
    roads = graph.edge_subgraph(road_edges)
    river_nodes = sorted(
        {n for u, v, d in graph.edges(data=True) if "waterway" in d for n in (u, v)}
    )
    return OsmRegion(
        graph=graph,
        roads=roads,
        road_edges=[d for _, _, d in roads.edges(data=True)],
        river_nodes=river_nodes,
    )


def _utm(graph: nx.MultiDiGraph, nodes: list[int]) -> np.ndarray:
    """Projected (EPSG:32718) coordinates of OSM nodes stored in lon/lat."""
    lon = np.array([graph.nodes[n]["x"] for n in nodes])
    lat = np.array([graph.nodes[n]["y"] for n in nodes])
    x, y = Transformer.from_crs("EPSG:4326", SAMPLE_CRS, always_xy=True).transform(lon, lat)
    return np.column_stack([x, y])


def _utm_lonlat(df: pd.DataFrame, lon: str = "lon", lat: str = "lat") -> np.ndarray:
    """Projected (EPSG:32718) coordinates of a table's lon/lat columns."""
    to_utm = Transformer.from_crs("EPSG:4326", SAMPLE_CRS, always_xy=True)
    x, y = to_utm.transform(df[lon].to_numpy(dtype=float), df[lat].to_numpy(dtype=float))
    return np.column_stack([x, y])


# -- determinism and re-use -------------------------------------------------------------


def test_same_seed_gives_byte_identical_files_and_another_seed_differs(
    region: SampleRegionFiles, tmp_path: Path
) -> None:
    again = generate_sample_region(tmp_path / "again", seed=SEED)
    assert sorted(p.name for p in region.all_files()) == sorted(FILE_NAMES)
    for name in FILE_NAMES:
        first = (region.directory / name).read_bytes()
        assert len(first) > 0, name
        assert (again.directory / name).read_bytes() == first, f"{name} differs for the same seed"
    # another seed (compared at a smaller size, to keep the test fast)
    one = generate_sample_region(tmp_path / "one", seed=SEED, size=0.3)
    other = generate_sample_region(tmp_path / "other", seed=SEED + 1, size=0.3)
    for name in FILE_NAMES:
        assert (one.directory / name).read_bytes() != (other.directory / name).read_bytes(), (
            f"{name} is the same for seeds {SEED} and {SEED + 1}"
        )
    # another province, not the same one relabelled: other community names
    one_comm = pd.read_csv(one.communities_csv)
    other_comm = pd.read_csv(other.communities_csv)
    assert set(one_comm["name"]) != set(other_comm["name"])


def test_generate_is_a_no_op_when_up_to_date_and_regenerates_when_asked(tmp_path: Path) -> None:
    out = tmp_path / "small"
    files = generate_sample_region(out, seed=3, size=0.05)
    assert files == SampleRegionFiles.in_directory(out)
    assert sorted(p.name for p in out.iterdir()) == sorted(FILE_NAMES)  # no temp files left

    def stamp() -> dict[str, tuple[int, int]]:
        return {p.name: (p.stat().st_ino, p.stat().st_mtime_ns) for p in files.all_files()}

    def contents() -> dict[str, bytes]:
        return {p.name: p.read_bytes() for p in files.all_files()}

    before, before_bytes = stamp(), contents()
    assert generate_sample_region(str(out), seed=3, size=0.05) == files
    assert stamp() == before, "an up-to-date region was rewritten"

    generate_sample_region(out, seed=3, size=0.05, force=True)
    after = stamp()
    assert all(after[n][0] != before[n][0] for n in before), "force=True did not rewrite"
    assert contents() == before_bytes
    assert sorted(p.name for p in out.iterdir()) == sorted(FILE_NAMES)

    # another seed, a missing file or stale metadata: regenerated without force
    generate_sample_region(out, seed=4, size=0.05)
    assert json.loads(files.metadata_json.read_text(encoding="utf-8"))["seed"] == 4
    assert files.roads_osm.read_bytes() != before_bytes["roads.osm"]

    for lost in (files.schools_csv, files.health_csv):
        lost.unlink()
        generate_sample_region(out, seed=4, size=0.05)
        assert lost.is_file()

    meta = json.loads(files.metadata_json.read_text(encoding="utf-8"))
    meta["generator_version"] = GENERATOR_VERSION + "-old"
    files.metadata_json.write_text(json.dumps(meta), encoding="utf-8")
    generate_sample_region(out, seed=4, size=0.05)
    meta = json.loads(files.metadata_json.read_text(encoding="utf-8"))
    assert meta["generator_version"] == GENERATOR_VERSION

    files.metadata_json.write_text("{not json", encoding="utf-8")
    generate_sample_region(out, seed=4, size=0.05)
    assert json.loads(files.metadata_json.read_text(encoding="utf-8"))["seed"] == 4


def test_health_facilities_have_their_own_random_stream(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Other health draws change health.csv and the health nodes, and nothing else."""
    from connectivity.sample import facilities

    one = generate_sample_region(tmp_path / "one", seed=SEED, size=0.3)
    health = facilities._health

    def other_draws(model: Any, ids: Any, district: Any, rng: np.random.Generator) -> Any:
        return health(model, ids, district, np.random.default_rng(rng.integers(1 << 32)))

    monkeypatch.setattr(facilities, "_health", other_draws)
    two = generate_sample_region(tmp_path / "two", seed=SEED, size=0.3)
    assert one.health_csv.read_bytes() != two.health_csv.read_bytes()
    for name in set(FILE_NAMES) - {"health.csv", "roads.osm", "metadata.json"}:
        assert (one.directory / name).read_bytes() == (two.directory / name).read_bytes(), name

    def without_health(path: Path) -> str:
        # drop the health nodes (and the bounds, which they may widen)
        text = path.read_text(encoding="utf-8")
        text = re.sub(r"  <node [^\n]*>\n(    <tag [^\n]*\n)*  </node>\n", keep_others, text)
        return re.sub(r"  <bounds [^\n]*\n", "", text)

    def keep_others(node: re.Match[str]) -> str:
        return "" if 'k="healthcare"' in node[0] else node[0]

    a, b = without_health(one.roads_osm), without_health(two.roads_osm)
    assert 'k="healthcare"' not in a and 'k="waterway"' in a and a == b


# -- parameters ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"size": 0}, "sample size must be between"),
        ({"size": -1.0}, "sample size must be between"),
        ({"size": float("nan")}, "sample size must be between"),
        ({"size": float("inf")}, "sample size must be between"),
        ({"size": MAX_FILE_SIZE * 2}, "sample size must be between"),
        ({"size": "1"}, "sample size must be a number, got '1'"),
        ({"size": True}, "sample size must be a number"),
        ({"seed": -1}, "sample seed must be >= 0, got -1"),
        ({"seed": 1.5}, "sample seed must be an integer, got 1.5"),
        ({"seed": "42"}, "sample seed must be an integer, got '42'"),
        ({"seed": True}, "sample seed must be an integer"),
        ({"seed": None}, "sample seed must be an integer, got None"),
    ],
)
def test_bad_parameters_raise_config_error(
    tmp_path: Path, kwargs: dict[str, Any], message: str
) -> None:
    with pytest.raises(ConfigError, match=message):
        generate_sample_region(tmp_path / "x", **kwargs)
    assert not (tmp_path / "x").exists(), "nothing is written for bad parameters"
    size = kwargs.get("size", 1.0)
    if size == MAX_FILE_SIZE * 2:  # too big for files, fine for the network alone
        return
    with pytest.raises(ValueError, match=message):  # ConfigError is a ValueError
        sample_road_network(size=size, seed=kwargs.get("seed", 1))


def test_size_limits_differ_for_files_and_network(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match=f"between 0.02 and {MAX_NETWORK_SIZE:g}"):
        sample_road_network(size=MAX_NETWORK_SIZE + 1)
    with pytest.raises(ConfigError, match=f"between 0.02 and {MAX_FILE_SIZE:g}"):
        generate_sample_region(tmp_path, size=MAX_FILE_SIZE + 1)


def test_output_folder_that_is_a_file_is_an_error(tmp_path: Path) -> None:
    target = tmp_path / "taken"
    target.write_text("x", encoding="utf-8")
    with pytest.raises(ConfigError, match=r"taken: sample output folder exists and is not a"):
        generate_sample_region(target, size=0.05)


# -- labels -------------------------------------------------------------------------------


def test_every_file_says_it_is_a_synthetic_sample(
    region: SampleRegionFiles, meta: dict[str, Any]
) -> None:
    readme = region.readme_txt.read_text(encoding="utf-8")
    assert SAMPLE_LABEL in readme.lower()
    assert NOT_REAL_DATA in readme
    assert "Datos no reales" in readme
    assert meta["label"] == SAMPLE_LABEL
    assert meta["not_real_data"] == NOT_REAL_DATA
    assert (meta["seed"], meta["size"], meta["generator_version"]) == (SEED, 1.0, GENERATOR_VERSION)
    assert meta["crs"] == SAMPLE_CRS
    # in roads.osm as an XML comment right after the root element (osmnx ignores it)
    head = region.roads_osm.read_text(encoding="utf-8")[:1000].splitlines()
    assert head[1].startswith('<osm version="0.6" generator="connectivity sample"')
    assert head[2].strip().startswith(f"<!-- {SAMPLE_LABEL} (seed {SEED}")
    assert NOT_REAL_DATA in head[2]
    for tif in (region.elevation_tif, region.population_tif):
        with rasterio.open(tif) as src:
            tags = src.tags()
        assert tags["label"] == SAMPLE_LABEL, tif.name
        assert tags["note"] == NOT_REAL_DATA, tif.name
        assert tags["seed"] == str(SEED), tif.name


# -- OSM XML through osmnx ----------------------------------------------------------------


def test_osm_loads_with_osmnx_into_one_connected_road_network(
    osm: OsmRegion, meta: dict[str, Any]
) -> None:
    n_road = meta["counts"]["nodes"]["road"]
    assert 10_000 <= n_road <= 30_000  # "about one province"
    assert osm.roads.number_of_nodes() == n_road
    # every road is two-way, so the whole road network is one strongly connected piece
    assert all(d["oneway"] is False for d in osm.road_edges)
    pieces = sorted((len(c) for c in nx.strongly_connected_components(osm.roads)), reverse=True)
    assert pieces == [n_road], f"road network falls apart: pieces {pieces[:5]}"
    # rivers are separate ways with their own nodes; places and amenities are lone nodes
    assert not set(osm.river_nodes) & set(osm.roads.nodes)
    assert len(osm.river_nodes) == meta["counts"]["nodes"]["waterway"]
    assert osm.graph.number_of_nodes() == meta["counts"]["nodes"]["total"]
    lone = [n for n in osm.graph.nodes if osm.graph.degree(n) == 0]
    counts = meta["counts"]
    assert len(lone) == counts["nodes"]["place"] + counts["nodes"]["amenity"]
    # edge lengths osmnx computes are sane: nodes every 60-110 m along roads
    lengths = np.array([d["length"] for d in osm.road_edges])
    assert lengths.min() > 0
    assert 40.0 < float(np.median(lengths)) < 120.0


def test_osm_road_tags_have_the_andean_mix(osm: OsmRegion, meta: dict[str, Any]) -> None:
    edges = osm.road_edges
    highway = Counter(d["highway"] for d in edges)
    for value in ["trunk", "secondary", "tertiary", "unclassified", "track", "path", "bridleway"]:
        assert highway[value] > 0, f"no highway={value}"
    assert highway["residential"] > 0
    assert set(highway) <= {
        "trunk",
        "secondary",
        "tertiary",
        "unclassified",
        "track",
        "path",
        "bridleway",
        "residential",
    }
    # low classes dominate a rural Andean network: track + path + bridleway > half the segments
    low = highway["track"] + highway["path"] + highway["bridleway"]
    assert low > 0.5 * len(edges)
    surface = Counter((d["highway"], d.get("surface")) for d in edges)
    assert {s for (h, s) in surface if h == "trunk"} == {"asphalt"}
    assert {s for (h, s) in surface if h == "secondary"} <= {"gravel", "compacted"}
    assert surface[("track", "dirt")] + surface[("track", "ground")] > 0
    assert surface[("path", "ground")] > 0
    tracktype = Counter((d["highway"], d.get("tracktype")) for d in edges if d.get("tracktype"))
    assert {t for (_, t) in tracktype} == {"grade3", "grade4", "grade5"}
    assert {h for (h, _) in tracktype} <= {"track", "unclassified"}
    # river crossings: bridges (layer=1, as in OSM) and fords, never both on one way
    bridges = [d for d in edges if d.get("bridge") == "yes"]
    fords = [d for d in edges if d.get("ford") == "yes"]
    assert bridges and fords
    assert all(d.get("layer") == "1" for d in bridges)
    assert not any(d.get("ford") for d in bridges)
    assert {d["highway"] for d in bridges} >= {"trunk", "track"}
    assert {d["highway"] for d in fords} <= {
        "track",
        "path",
        "bridleway",
        "unclassified",
        "tertiary",
    }
    # metadata counts structures: each is one short way (two where the road's class or
    # name changes on it); structures on roads that meet can touch
    for tag, meta_key in (("bridge", "bridges"), ("ford", "fords")):
        on = [(u, v, k) for u, v, k, d in osm.roads.edges(keys=True, data=True) if d.get(tag)]
        n_ways = len({osm.roads.edges[e]["osmid"] for e in on})
        touching = nx.number_weakly_connected_components(osm.roads.edge_subgraph(on))
        n_meta = meta["counts"][meta_key]
        assert touching <= n_meta <= n_ways <= 1.1 * n_meta, (tag, touching, n_meta, n_ways)
        assert n_meta >= 20, tag
    # names: the trunk road is named everywhere, many lower roads too, some not
    names = [d.get("name") for d in edges]
    assert all(
        d.get("name", "").startswith("Carretera Troncal") for d in edges if d["highway"] == "trunk"
    )
    assert 0.2 < sum(bool(n) for n in names) / len(names) < 0.9
    waterway = Counter(d["waterway"] for _, _, d in osm.graph.edges(data=True) if "waterway" in d)
    assert waterway["river"] > 0 and waterway["stream"] > 0


def _waterway_ways(path: Path) -> list[tuple[list[int], dict[str, str]]]:
    """(node refs, tags) of every waterway way of an OSM XML file, in file order."""
    import xml.etree.ElementTree as ET

    out = []
    for way in ET.parse(path).getroot().iter("way"):
        tags = {t.get("k", ""): t.get("v", "") for t in way.iter("tag")}
        if "waterway" in tags:
            out.append(([int(n.get("ref", "0")) for n in way.iter("nd")], tags))
    return out


def test_waterways_carry_their_width_growing_downstream(
    region: SampleRegionFiles, meta: dict[str, Any]
) -> None:
    from connectivity.sources import osm

    ways = _waterway_ways(region.roads_osm)
    assert Counter(t["waterway"] for _, t in ways) == meta["counts"]["waterways"]
    width = np.array([float(t["width"]) for _, t in ways])  # every way has one, a number
    river = np.array([t["waterway"] == "river" for _, t in ways])
    # OSM style: metres, to 0.5 m (streams) or 1 m (rivers), no unit, no trailing ".0"
    assert all(re.fullmatch(r"\d+(\.5)?", t["width"]) for _, t in ways)
    assert (width[river] % 1 == 0).all()
    # a quebrada is a few metres wide, a río a few tens
    assert width[~river].min() >= 3.0 and width[~river].max() <= 8.0
    assert width[river].min() >= 15.0 and width[river].max() <= 40.0
    # ways run downstream; each one flows into a way at least as wide (tributaries
    # meeting at a confluence share its node: the receiving way goes on past it)
    flows_on: dict[int, list[int]] = {}
    for k, (refs, _) in enumerate(ways):
        for r in refs[:-1]:
            flows_on.setdefault(r, []).append(k)
    joins = [(k, j) for k, (refs, _) in enumerate(ways) for j in flows_on.get(refs[-1], [])]
    assert len(joins) >= 0.9 * len(ways)
    assert all(width[k] <= width[j] for k, j in joins)
    # the project's OSM loader reads the tag as metres
    loaded = osm.waterways_from_osm_file(region.roads_osm)
    np.testing.assert_array_equal(np.sort(loaded["width"].to_numpy()), np.sort(width))


def test_sample_road_network_is_the_same_network_as_roads_osm(osm: OsmRegion) -> None:
    nodes, edges = sample_road_network(size=1.0, seed=SEED, simplify=False)
    assert set(nodes.index) == set(osm.roads.nodes)
    ids = list(nodes.index)
    xy_osm = _utm(osm.graph, ids)
    # XML stores 7 decimals (about 1 cm)
    assert np.abs(xy_osm - nodes[["x", "y"]].to_numpy()).max() < 0.05
    from_frames = Counter(
        (int(u), int(v), int(w), h)
        for (u, v, _), w, h in zip(edges.index, edges["osmid"], edges["highway"], strict=True)
    )
    from_xml = Counter(
        (int(u), int(v), int(d["osmid"]), d["highway"]) for u, v, d in osm.roads.edges(data=True)
    )
    assert from_frames == from_xml
    # planar UTM lengths vs osmnx's great-circle lengths: within the UTM scale error
    ratio = edges["length_m"].sum() / sum(d["length"] for d in osm.road_edges)
    assert abs(ratio - 1.0) < 0.005


def test_off_network_hamlets_are_far_from_every_road(
    osm: OsmRegion, meta: dict[str, Any], communities: pd.DataFrame
) -> None:
    road_xy = _utm(osm.roads, list(osm.roads.nodes))
    dist, _ = cKDTree(road_xy).query(_utm_lonlat(communities))
    off = communities["community_id"].isin(meta["off_network_communities"]).to_numpy()
    assert 1 <= off.sum() <= 10
    assert meta["counts"]["communities"]["off_network_over_2km"] == off.sum()
    assert (communities.loc[off, "category"] == "hamlet").all()
    assert dist[off].min() > 2000.0
    # every other community has its road or path ending close by
    assert dist[~off].max() < 2000.0
    assert np.median(dist[~off]) < 100.0


# -- rasters ------------------------------------------------------------------------------


def test_rasters_open_with_crs_nodata_and_the_region_extent(
    region: SampleRegionFiles, meta: dict[str, Any]
) -> None:
    for tif, cell in ((region.elevation_tif, 75.0), (region.population_tif, 250.0)):
        with rasterio.open(tif) as src:
            assert src.crs is not None and src.crs.to_epsg() == 32718, tif.name
            assert src.nodata == -9999.0, tif.name
            assert src.count == 1 and src.dtypes[0] == "float32", tif.name
            assert src.res == (cell, cell), tif.name
            assert list(src.bounds) == pytest.approx(meta["bbox_utm"]), tif.name
            data = src.read(1, masked=True)
        assert not data.mask.any(), f"{tif.name}: nodata inside the region"
        assert np.isfinite(data).all(), tif.name


def test_dem_has_andean_relief_with_rivers_in_the_valleys(
    region: SampleRegionFiles, osm: OsmRegion, communities: pd.DataFrame
) -> None:
    with rasterio.open(region.elevation_tif) as src:
        dem = src.read(1)
        transform = src.transform
    assert dem.min() >= 2000.0 and dem.max() <= 4950.0
    assert dem.max() - dem.min() > 1500.0
    p50, p90 = np.percentile(dem, [50, 90])
    # rivers follow the lows: lower than the ring of ground 1 km around them
    rows, cols = rasterio.transform.rowcol(transform, *_utm(osm.graph, osm.river_nodes).T)
    rows, cols = np.asarray(rows), np.asarray(cols)
    z_river = dem[rows, cols]
    k = round(1000.0 / 75.0)
    angle = np.linspace(0.0, 2 * np.pi, 16, endpoint=False)
    rr = np.clip(rows[:, None] + np.round(k * np.sin(angle)).astype(int), 0, dem.shape[0] - 1)
    cc = np.clip(cols[:, None] + np.round(k * np.cos(angle)).astype(int), 0, dem.shape[1] - 1)
    ring = dem[rr, cc]
    assert (z_river < ring.mean(axis=1)).mean() > 0.9
    assert np.median(ring.max(axis=1) - z_river) > 100.0
    assert np.median(z_river) < p50
    # towns lie in the valleys; communities on the whole lower than the ridges
    towns = communities[communities["category"] == "town"]
    assert (towns["elevation_m"] < p50).all()
    assert communities["elevation_m"].median() < p90
    # elevation_m is the DEM at the community
    r, c = rasterio.transform.rowcol(transform, *_utm_lonlat(communities).T)
    diff = np.abs(dem[np.asarray(r), np.asarray(c)] - communities["elevation_m"].to_numpy())
    assert (diff <= 0.5).mean() > 0.98


def test_population_raster_holds_the_communities_people(
    region: SampleRegionFiles, communities: pd.DataFrame, meta: dict[str, Any]
) -> None:
    with rasterio.open(region.population_tif) as src:
        pop = src.read(1).astype(np.float64)
        transform = src.transform
    total = int(communities["population"].sum())
    assert pop.min() >= 0.0
    assert pop.sum() == pytest.approx(total, rel=1e-5)
    assert meta["counts"]["population_total"] == total
    # people sit where the communities are: the capital's cell is among the densest
    capital = communities.loc[communities["population"].idxmax()]
    x, y = _utm_lonlat(communities.loc[[capital.name]]).T
    r, c = rasterio.transform.rowcol(transform, x, y)
    assert pop[int(r[0]), int(c[0])] > np.percentile(pop[pop > 0], 99)
    assert (pop > 0).mean() < 0.2  # mostly empty land between villages


# -- communities and facilities -------------------------------------------------------------


def test_communities_are_a_few_towns_and_many_hamlets(
    communities: pd.DataFrame, meta: dict[str, Any]
) -> None:
    c = communities
    assert list(c.columns) == [
        "community_id",
        "name",
        "district",
        "category",
        "population",
        "lon",
        "lat",
        "elevation_m",
        "poverty_rate",
    ]
    assert 200 <= len(c) <= 600  # "a few hundred communities"
    # the invented poverty rate: one value per district, higher in higher districts
    assert c["poverty_rate"].between(0.2, 0.8).all()
    assert c.groupby("district")["poverty_rate"].nunique().eq(1).all()
    by_district = c.groupby("district").agg(
        rate=("poverty_rate", "first"), z=("elevation_m", "mean")
    )
    assert by_district["rate"].corr(by_district["z"]) > 0.5
    assert c["community_id"].is_unique and c["name"].is_unique
    assert c["community_id"].str.fullmatch(r"SMP\d{4}").all()
    assert set(c["category"]) == {"town", "village", "hamlet"}
    assert (c["population"] >= 1).all()
    west, south, east, north = meta["bbox_lonlat"]
    assert c["lon"].between(west, east).all() and c["lat"].between(south, north).all()
    count = c["category"].value_counts()
    assert count["town"] < 0.05 * len(c) < count["hamlet"] / 10
    assert count["hamlet"] > count["village"] > count["town"]
    by_cat = c.groupby("category")["population"]
    assert by_cat.min()["town"] > by_cat.max()["village"] >= by_cat.min()["village"]
    assert by_cat.min()["village"] > by_cat.max()["hamlet"]
    # heavy right tail: the largest town is many times the median community
    pop = c["population"].to_numpy()
    assert pop.max() > 30 * np.median(pop)
    top = np.sort(pop)[::-1][: max(1, len(pop) // 20)]
    assert top.sum() > 0.3 * pop.sum()  # the top 5 % hold over 30 % of the people
    log_pop = np.log(pop)
    assert 0.8 < log_pop.std() < 2.0
    # districts are named after their capitals, which are the towns
    assert set(c["district"]) == set(c.loc[c["category"] == "town", "name"])
    assert sorted(set(c["district"])) == meta["districts"]


def test_markets_are_in_towns_and_the_largest_villages(
    region: SampleRegionFiles, communities: pd.DataFrame
) -> None:
    markets = pd.read_csv(region.markets_csv)
    assert markets["facility_id"].is_unique and (markets["kind"] == "market").all()
    m = markets.merge(communities, on="community_id", how="left", suffixes=("", "_comm"))
    assert m["category"].notna().all(), "market in an unknown community"
    towns = set(communities.loc[communities["category"] == "town", "community_id"])
    assert towns <= set(markets["community_id"]), "a town without a market"
    assert (
        (m["category"] == "town") | ((m["category"] == "village") & (m["population"] >= 800))
    ).all()
    assert (m["category"] == "town").sum() > len(m) / 2
    dist = np.hypot(*(_utm_lonlat(m) - _utm_lonlat(m, "lon_comm", "lat_comm")).T)
    assert dist.max() < 100.0


def test_schools_are_in_towns_and_larger_villages(
    region: SampleRegionFiles, communities: pd.DataFrame
) -> None:
    schools = pd.read_csv(region.schools_csv)
    assert schools["facility_id"].is_unique and (schools["kind"] == "school").all()
    assert set(schools["level"]) == {"primaria", "secundaria"}
    s = schools.merge(communities, on="community_id", how="left", suffixes=("", "_comm"))
    assert s["category"].notna().all(), "school in an unknown community"
    towns = set(communities.loc[communities["category"] == "town", "community_id"])
    for level in ("primaria", "secundaria"):
        have = set(schools.loc[schools["level"] == level, "community_id"])
        assert towns <= have, f"a town without a {level}"
    assert not schools.duplicated(["community_id", "level"]).any()
    sec = s[s["level"] == "secundaria"]
    assert ((sec["category"] == "town") | (sec["population"] >= 700)).all()
    # the larger the place, the likelier its primary school
    with_school = communities["community_id"].isin(schools["community_id"])
    share = with_school.groupby(
        pd.cut(communities["population"], [0, 150, 300, 2000, math.inf], right=False), observed=True
    ).mean()
    assert share.is_monotonic_increasing
    assert share.iloc[0] < 0.3 and share.iloc[2] > 0.85
    dist = np.hypot(*(_utm_lonlat(s) - _utm_lonlat(s, "lon_comm", "lat_comm")).T)
    assert dist.max() < 100.0


def test_health_posts_in_villages_and_a_health_centre_in_every_town(
    region: SampleRegionFiles, communities: pd.DataFrame, meta: dict[str, Any]
) -> None:
    health = pd.read_csv(region.health_csv)
    assert list(health.columns) == [
        "facility_id",
        "name",
        "kind",
        "level",
        "category",
        "lon",
        "lat",
        "community_id",
    ]
    assert health["facility_id"].tolist() == [f"HLT{i + 1:03d}" for i in range(len(health))]
    assert (health["kind"] == "health").all()
    assert health["community_id"].is_unique  # one facility per community at most
    h = health.merge(communities, on="community_id", how="left", suffixes=("", "_comm"))
    assert h["category_comm"].notna().all(), "health facility in an unknown community"
    post = h["level"] == "puesto de salud"
    centre = h["level"] == "centro de salud"
    assert (post | centre).all()
    # MINSA categories: posts I-1 (no physician) or I-2, centres I-3 or I-4 (with beds)
    assert set(h.loc[post, "category"]) == {"I-1", "I-2"}
    assert set(h.loc[centre, "category"]) == {"I-3", "I-4"}
    expected = np.where(post, "Puesto de Salud ", "Centro de Salud ") + h["name_comm"]
    assert (h["name"] == expected).all()
    # a centre in every town, the province capital's with beds; posts in villages and hamlets
    towns = communities[communities["category"] == "town"]
    assert set(towns["community_id"]) <= set(h.loc[centre, "community_id"])
    capital = towns["community_id"].to_numpy()[towns["population"].to_numpy().argmax()]
    assert h.loc[h["community_id"] == capital, "category"].item() == "I-4"
    assert set(h.loc[centre, "category_comm"]) <= {"town", "village"}
    assert (h.loc[centre & (h["category_comm"] == "village"), "population"] >= 1200).all()
    assert set(h.loc[post, "category_comm"]) == {"village", "hamlet"}
    assert (h.loc[post, "population"] >= 150).all()
    assert (h["category"] == "I-1").sum() > (h["category"] == "I-2").sum() > 0
    # fewer than primary schools, not a token few: a third or so
    schools = pd.read_csv(region.schools_csv)
    primaria = int((schools["level"] == "primaria").sum())
    assert 0.2 * primaria < len(health) < 0.5 * primaria
    assert post.sum() > 3 * centre.sum()
    # the larger the village, the likelier its post (or centre)
    villages = communities[communities["category"] == "village"]
    share = (
        villages["community_id"]
        .isin(health["community_id"])
        .groupby(pd.cut(villages["population"], [300, 600, 1000, 2000], right=False))
        .mean()
    )
    assert share.is_monotonic_increasing and share.iloc[0] < 0.5 < share.iloc[-1]
    # no post within 2 km of another health facility; each 20-90 m from its community
    xy = _utm_lonlat(h, "lon_comm", "lat_comm")
    d = np.hypot(*(xy[:, None, :] - xy[None, :, :]).transpose(2, 0, 1))
    np.fill_diagonal(d, np.inf)
    assert d[post.to_numpy()].min() >= 2000.0
    dist = np.hypot(*(_utm_lonlat(h) - xy).T)
    assert dist.min() > 19.9 and dist.max() < 90.1
    counts = meta["counts"]["health"]
    assert counts == {
        "total": len(h),
        "puesto_de_salud": int(post.sum()),
        "centro_de_salud": int(centre.sum()),
        "by_category": h["category"].value_counts().reindex(["I-1", "I-2", "I-3", "I-4"]).to_dict(),
    }


def test_health_facilities_are_in_roads_osm_as_clinics(region: SampleRegionFiles) -> None:
    """A region reading health facilities from OSM tags finds exactly those of health.csv."""
    from connectivity.sources import osm

    found = osm.features_from_osm_file(
        region.roads_osm,
        {"amenity": ["clinic", "doctors", "hospital"], "healthcare": True},
        extra_tags=["ref:category"],
    )
    health = pd.read_csv(region.health_csv)
    assert len(found) == len(health) and (found["osm_type"] == "node").all()
    assert (found["amenity"] == "clinic").all() and (found["healthcare"] == "clinic").all()
    found = found.sort_values("osm_id").reset_index(drop=True)  # written in health.csv order
    assert found["name"].tolist() == health["name"].tolist()
    assert found["ref:category"].tolist() == health["category"].tolist()
    np.testing.assert_allclose(found.geometry.x, health["lon"], atol=1e-7)
    np.testing.assert_allclose(found.geometry.y, health["lat"], atol=1e-7)


# -- road-work proposals -----------------------------------------------------------------

INVALID_PREFIX = "Ejemplo de propuesta inválida"
# PEN per km (per metre of span for bridges) a proposal may cost: the cost table's range
# over terrain classes, widened by the spread the generator puts on estimates
PER_KM = {
    (kind, to): [UNIT_COST_PER_KM[f"{key}_{t}"] for t in ("flat", "steep")]
    for kind, to, key in (
        ("upgrade", "trocha", "upgrade_trocha"),
        ("upgrade", "afirmado", "upgrade_afirmado"),
        ("upgrade", "asfaltado", "upgrade_asfaltado"),
        ("new_link", "afirmado", "new_link"),
    )
}


def _points(path: Path) -> gpd.GeoDataFrame:
    frame = pd.read_csv(path)
    return gpd.GeoDataFrame(
        frame, geometry=gpd.points_from_xy(frame["lon"], frame["lat"]), crs="EPSG:4326"
    )


def test_proposals_file_is_a_labelled_plausible_municipal_list(
    region: SampleRegionFiles, meta: dict[str, Any]
) -> None:
    raw = json.loads(region.proposals_geojson.read_text(encoding="utf-8"))
    assert raw["type"] == "FeatureCollection" and "crs" not in raw  # RFC 7946: WGS84
    assert SAMPLE_LABEL in raw["description"] and NOT_REAL_DATA in raw["description"]
    props = gpd.read_file(region.proposals_geojson)
    assert props.crs == "EPSG:4326"
    assert 8 <= len(props) <= 12 == meta["counts"]["proposals"]["total"]
    assert props["id"].is_unique and props["id"].str.fullmatch(r"PP-\d{2}").all()
    assert (props["data_source"].str.startswith(SAMPLE_LABEL)).all()
    assert props["name"].str.match(rf"(Propuesta (comunal|municipal)|{INVALID_PREFIX}): ").all()
    invalid = props["name"].str.startswith(INVALID_PREFIX)
    assert invalid.sum() == 2 == meta["counts"]["proposals"]["invalid_examples"]
    good = props[~invalid]
    assert set(good["type"]) == {"upgrade", "new_link", "bridge"}
    assert good["name"].str.contains("puente peatonal").any()
    assert good["name"].str.contains("puente vehicular").any()
    assert good["name"].str.contains("asfaltado").any()
    shares = good["cofinancing_share"].dropna()
    assert 3 <= len(shares) == good["cofinancing_by"].notna().sum()
    assert shares.between(0.2, 0.5).all()
    # costs of the order of the cost table, with some spread
    length_km = good.to_crs(SAMPLE_CRS).length.to_numpy() / 1000.0
    for (_, row), km in zip(good.iterrows(), length_km, strict=True):
        if row["type"] == "bridge":
            unit = [BRIDGE_COST_PER_M["vehicle" if "vehicular" in row["name"] else "foot"]]
            per = row["cost"] / row["span_m"]
            assert 5 <= row["span_m"] <= 60, row["name"]
        else:
            unit = PER_KM[(row["type"], row["to_class"])]
            per = row["cost"] / km
            assert 1.0 <= km <= 8.0, row["name"]
        assert 0.8 * min(unit) <= per <= 1.4 * max(unit), (row["name"], per)


def test_proposals_through_the_candidates_module(region: SampleRegionFiles) -> None:
    """The shipped file evaluates on the sample network: 2 rejected by name, the rest works."""
    from connectivity.sources import osm

    waterways = osm.waterways_from_osm_file(region.roads_osm)
    network = build_network(
        osm.graph_from_osm_file(region.roads_osm),
        communities=_points(region.communities_csv),
        markets=_points(region.markets_csv),
        schools=_points(region.schools_csv),
        dem_path=region.elevation_tif,
        crs=SAMPLE_CRS,
        waterways=waterways,
    )
    props = gpd.read_file(region.proposals_geojson).set_index("id")
    split, works, rejected = proposals_from_file(
        region.proposals_geojson, network, dem_path=region.elevation_tif, waterways=waterways
    )
    works.validate(split)
    invalid = props.index[props["name"].str.startswith(INVALID_PREFIX)].tolist()
    valid = [i for i in props.index if i not in invalid]
    assert works.ids == [f"PROP-{i}" for i in valid]
    reasons = dict(zip(rejected["proposal_id"], rejected["reason"], strict=True))
    assert sorted(reasons) == sorted(invalid)
    assert "negative cost" in reasons[props.index[props["name"].str.contains("costo negativo")][0]]
    outside = props.index[props["name"].str.contains("fuera de la región")][0]
    assert reasons[outside] == "geometry outside the region of the network"
    w = works.works.set_axis([i.removeprefix("PROP-") for i in works.ids])
    given = props.loc[valid]
    assert (w["work_type"] == given["type"]).all() and (w["name"] == given["name"]).all()
    np.testing.assert_array_equal(w["cost"], given["cost"].astype(float))
    share = given["cofinancing_share"].fillna(0.0)
    np.testing.assert_allclose(w["cost_net"], given["cost"] * (1 - share))
    upgrades = given["type"] == "upgrade"
    assert (w.loc[upgrades, "class_after"] == given.loc[upgrades, "to_class"]).all()
    # each upgrade was matched over most of its drawn line
    drawn_m = given[upgrades].to_crs(SAMPLE_CRS).length
    assert (w.loc[upgrades, "length_m"] > 0.8 * drawn_m).all()
    # every work changes edges: replaced for upgrades and bridges, two added for a new road
    changes = works.changes.groupby("work_id")["action"].agg(set)
    for i, kind in given["type"].items():
        assert changes[f"PROP-{i}"] == ({"add"} if kind == "new_link" else {"replace"}), i
    vehicle_bridge = given["name"].str.contains("puente vehicular")
    assert w.loc[vehicle_bridge, "description"].str.contains("puente vehicular").all()


# -- the network frames for benchmarks ------------------------------------------------------


@pytest.fixture(scope="module")
def network_frames() -> dict[float, tuple[Any, Any]]:
    return {size: sample_road_network(size=size, seed=7) for size in (1.0, 4.0)}


def test_sample_road_network_frames_are_consistent(
    network_frames: dict[float, tuple[Any, Any]],
) -> None:
    nodes, edges = network_frames[1.0]
    assert str(nodes.crs) == SAMPLE_CRS and str(edges.crs) == SAMPLE_CRS
    assert nodes.index.is_unique and nodes.index.name == "osmid"
    assert list(edges.index.names) == ["u", "v", "key"] and edges.index.is_unique
    u = edges.index.get_level_values("u")
    v = edges.index.get_level_values("v")
    assert u.isin(nodes.index).all() and v.isin(nodes.index).all()
    assert set(u) | set(v) == set(nodes.index)  # no node without an edge
    assert (edges["length_m"] > 0).all()
    assert np.allclose(edges["length_m"], edges.geometry.length)
    # geometry runs from u to v
    start = shapely.get_coordinates(shapely.get_point(edges.geometry.values, 0))
    end = shapely.get_coordinates(shapely.get_point(edges.geometry.values, -1))
    assert np.allclose(start, nodes.loc[u, ["x", "y"]].to_numpy())
    assert np.allclose(end, nodes.loc[v, ["x", "y"]].to_numpy())
    assert np.allclose(nodes["x"], nodes.geometry.x) and np.allclose(nodes["y"], nodes.geometry.y)
    # two-way: every edge has its twin with the same way, tags and length
    assert not edges["oneway"].any()
    assert edges["reversed"].sum() * 2 == len(edges)
    cols = ["osmid", "highway", "length_m"]
    fwd = edges[~edges["reversed"]].reset_index()
    back = edges[edges["reversed"]].reset_index()
    fwd_keys = sorted(zip(fwd["u"], fwd["v"], *(fwd[c] for c in cols), strict=True))
    back_keys = sorted(zip(back["v"], back["u"], *(back[c] for c in cols), strict=True))
    assert fwd_keys == back_keys
    assert nx.is_strongly_connected(nx.MultiDiGraph(list(edges.index)))
    assert {"trunk", "secondary", "track", "path"} <= set(edges["highway"])
    assert (edges["bridge"] == "yes").any() and (edges["ford"] == "yes").any()


def test_sample_road_network_scales_with_size(
    network_frames: dict[float, tuple[Any, Any]],
) -> None:
    n1, e1 = (len(f) for f in network_frames[1.0])
    n4, e4 = (len(f) for f in network_frames[4.0])
    assert 3.0 < n4 / n1 < 5.0
    assert 3.0 < e4 / e1 < 5.0
    length_1 = network_frames[1.0][1]["length_m"].sum()
    length_4 = network_frames[4.0][1]["length_m"].sum()
    assert 3.0 < length_4 / length_1 < 5.0


def test_sample_road_network_is_deterministic() -> None:
    a_nodes, a_edges = sample_road_network(size=0.2, seed=11)
    b_nodes, b_edges = sample_road_network(size=0.2, seed=11)
    c_nodes, _ = sample_road_network(size=0.2, seed=12)
    assert a_nodes.equals(b_nodes) and a_edges.equals(b_edges)
    assert not a_nodes.equals(c_nodes)


def test_environment_does_not_leak_into_outputs(tmp_path: Path) -> None:
    """The files depend on seed and size only, not on the folder they are written to."""
    a = generate_sample_region(tmp_path / "a", seed=9, size=0.05)
    b = generate_sample_region(tmp_path / "deeper" / "b", seed=9, size=0.05)
    for name in FILE_NAMES:
        assert (a.directory / name).read_bytes() == (b.directory / name).read_bytes(), name
    assert os.fspath(tmp_path) not in a.readme_txt.read_text(encoding="utf-8")


def test_a_killed_generation_leaves_no_temporary_files_after_the_next(tmp_path):
    from connectivity.sample import generate_sample_region

    (tmp_path / ".roads.k2j3h4.osm").write_text("half a file")
    (tmp_path / "notes.txt").write_text("kept")
    generate_sample_region(tmp_path, seed=3, size=0.05)
    assert not list(tmp_path.glob(".*"))
    assert (tmp_path / "notes.txt").read_text() == "kept"
    assert (tmp_path / "roads.osm").is_file()
