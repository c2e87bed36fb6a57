"""The fast OSM reader gives the osmnx path's network: same nodes, edges, keys, tags, lengths.

Every comparison is against :func:`connectivity.sources.osm.graph_from_osm_file`
(pyosmium → XML → osmnx) on the same file: a hand-made file exercising each
rule, the synthetic sample region, and Cusco's real OpenStreetMap extract.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import geopandas as gpd
import networkx as nx
import numpy as np
import osmnx as ox
import pandas as pd
import pytest
import shapely

from connectivity.errors import EmptyRegionError
from connectivity.network import build_network
from connectivity.sample import generate_sample_region
from connectivity.sources.osm import RoadFrames, graph_from_osm_file, read_roads

# A small road network: lon = 0.001 * column, lat = -0.001 * row.
_NODES = {
    1: (0, 0),
    2: (1, 0),
    3: (2, 0, {"ford": "yes"}),
    4: (3, 0),
    5: (4, 0),
    6: (5, 0),
    7: (6, 0),
    8: (7, 0),
    9: (8, 0),
    10: (9, 1),
    11: (8, 2),
    12: (7, 1),
    13: (0, 1),
    14: (0, 2),
    15: (0, 3),
    16: (0, 4),
    20: (3, 3),
    30: (6, 3),
    31: (1, 3),
    40: (2, 6),
    41: (3, 6),
    42: (2, 7),
    50: (4, 1, {"highway": "crossing"}),
}
_WAYS: list[tuple[int, list[int], dict[str, str]]] = [
    (100, [1, 2, 3, 4, 5], {"highway": "track", "surface": "gravel", "name": "Camino"}),
    # a change of surface at node 5; a consecutive duplicate node (6, 6)
    (101, [5, 6, 6, 7], {"highway": "track", "surface": "ground", "name": "Camino"}),
    # drawn against its direction of travel
    (102, [7, 8, 9], {"highway": "residential", "oneway": "-1"}),
    # a loop back to node 9: a self-loop edge once simplified
    (103, [9, 10, 11, 12, 9], {"highway": "service"}),
    # cut at the file border: node 999 is not in the file
    (104, [1, 13, 14, 999], {"highway": "path"}),
    # fewer than two distinct nodes in the file: no road segment
    (105, [20, 998], {"highway": "track"}),
    # not roads
    (106, [7, 30], {"highway": "construction"}),
    (107, [2, 31], {"waterway": "river"}),
    # a separate ring without endpoints: kept, unsimplified
    (108, [40, 41, 42, 40], {"highway": "track"}),
    # a second road between nodes 4 and 5: a parallel edge (key 1)
    (109, [4, 50, 5], {"highway": "track", "surface": "gravel", "name": "Ramal"}),
    # continues way 104: one edge of two ways, osmid a list, the only name kept
    (110, [14, 15, 16], {"highway": "path", "name": "Sendero"}),
]


def _write_osm(path: Path) -> Path:
    lines = ['<?xml version="1.0" encoding="UTF-8"?>', '<osm version="0.6" generator="test">']
    for node, (col, row, *tags) in _NODES.items():
        attrs = f'id="{node}" version="1" lat="{-0.001 * row:.7f}" lon="{0.001 * col:.7f}"'
        if tags:
            inner = "".join(f'<tag k="{k}" v="{v}"/>' for k, v in tags[0].items())
            lines.append(f"<node {attrs}>{inner}</node>")
        else:
            lines.append(f"<node {attrs}/>")
    for way, refs, tags in _WAYS:
        inner = "".join(f'<nd ref="{r}"/>' for r in refs)
        inner += "".join(f'<tag k="{k}" v="{v}"/>' for k, v in tags.items())
        lines.append(f'<way id="{way}" version="1">{inner}</way>')
    lines.append("</osm>")
    path.write_text("\n".join(lines), encoding="utf-8")
    return path


def _same_value(a: Any, b: Any) -> bool:
    if isinstance(a, list) or isinstance(b, list):
        return isinstance(a, list) and isinstance(b, list) and a == b
    if pd.isna(a) or pd.isna(b):
        return bool(pd.isna(a) and pd.isna(b))
    return bool(a == b and type(a) is type(b))


def _assert_same(fast: RoadFrames, path: Path, **kwargs: Any) -> None:
    """The fast frames equal osmnx's graph_to_gdfs of the osmnx path, row for row."""
    graph = graph_from_osm_file(path, **kwargs)
    nodes, edges = ox.graph_to_gdfs(graph)
    retain_all = kwargs.get("retain_all", True)
    if retain_all:  # osmnx reorders the nodes of its largest piece: compare sorted then
        assert list(fast.nodes.index) == list(nodes.index)
        assert list(fast.edges.index) == list(edges.index)
    assert set(fast.nodes.columns) == set(nodes.columns)
    assert set(fast.edges.columns) == set(edges.columns)
    fn = fast.nodes.loc[nodes.index]
    np.testing.assert_array_equal(fn["x"].to_numpy(), nodes["x"].to_numpy())
    np.testing.assert_array_equal(fn["y"].to_numpy(), nodes["y"].to_numpy())
    for column in nodes.columns.drop(["x", "y", "geometry"]):
        bad = [
            n
            for n, a, b in zip(nodes.index, nodes[column], fn[column], strict=True)
            if not _same_value(a, b)
        ]
        assert not bad, (column, bad[:5])
    assert edges.index.is_unique
    fe = fast.edges.loc[edges.index]
    np.testing.assert_array_equal(fe["length"].to_numpy(), edges["length"].to_numpy())
    assert shapely.equals_exact(fe.geometry.values, edges.geometry.values, tolerance=0).all()
    for column in edges.columns.drop(["length", "geometry"]):
        bad = [
            e
            for e, a, b in zip(edges.index, edges[column], fe[column], strict=True)
            if not _same_value(a, b)
        ]
        assert not bad, (column, bad[:5])


@pytest.fixture(scope="module")
def small_osm(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return _write_osm(tmp_path_factory.mktemp("fast_osm") / "small.osm")


@pytest.mark.parametrize(
    "kwargs",
    [
        {},
        {"simplify": False},
        {"retain_all": False},
        {"polygon": shapely.box(-0.0005, -0.0015, 0.0045, 0.0005)},
        {"polygon": shapely.box(-0.0005, -0.0015, 0.0045, 0.0005), "truncate_by_edge": True},
        {"polygon": shapely.box(0.0055, -0.0025, 0.0095, 0.0005), "simplify": False},
    ],
    ids=["default", "unsimplified", "largest_piece", "clip", "clip_by_edge", "clip_unsimplified"],
)
def test_small_file_equals_osmnx(small_osm: Path, kwargs: dict[str, Any]) -> None:
    _assert_same(read_roads(small_osm, **kwargs), small_osm, **kwargs)


def test_small_file_rules(small_osm: Path) -> None:
    roads = read_roads(small_osm)
    edges = roads.edges.sort_index()
    pairs = set(zip(edges.index.get_level_values(0), edges.index.get_level_values(1), strict=True))
    # the ford node stays a node; the surface change at node 5 splits the road there
    assert {3, 5}.issubset(roads.nodes.index)
    assert {(1, 3), (3, 4), (4, 5), (5, 7)}.issubset(pairs)
    assert edges.loc[(5, 7, 0), "surface"] == "ground"
    # two roads from node 4 to node 5: the direct segment (key 0), the one through 50 (key 1)
    assert edges.loc[(4, 5, 0), "osmid"] == 100 and edges.loc[(4, 5, 1), "osmid"] == 109
    assert len(edges.loc[(4, 5, 1), "geometry"].coords) == 3
    # a way continued by another: one edge, both osmids, the name only one of them has
    assert edges.loc[(1, 16, 0), "osmid"] == [104, 110]
    assert edges.loc[(1, 16, 0), "name"] == "Sendero"
    assert edges.loc[(16, 1, 0), "reversed"] == True  # noqa: E712 (a plain bool, not a list)
    # a merged edge's length is the sum of its segments' great-circle lengths, in order
    segments = read_roads(small_osm, simplify=False).edges["length"]
    assert edges.loc[(1, 3, 0), "length"] == segments[(1, 2, 0)] + segments[(2, 3, 0)]
    # oneway=-1: one edge from 9 to 7 only, not reversed in osmnx's sense
    assert (9, 7) in pairs and (7, 9) not in pairs
    assert bool(edges.loc[(9, 7, 0), "oneway"]) and not edges.loc[(9, 7, 0), "reversed"]
    # the loop at node 9 becomes two self-loop edges (both directions), kept
    assert list(edges.loc[(9, 9)].index) == [0, 1]
    # the way cut at the border keeps the nodes present; the degenerate and non-road ways go
    assert (1, 16) in pairs and 999 not in roads.nodes.index
    assert not {20, 30, 31, 998}.intersection(roads.nodes.index)
    # the separate ring has no endpoint: kept unsimplified
    assert {(40, 41), (41, 40), (41, 42), (42, 41), (42, 40), (40, 42)}.issubset(pairs)
    assert {40, 41, 42}.isdisjoint(read_roads(small_osm, retain_all=False).nodes.index)
    # clipping: node 14 is outside; truncate_by_edge keeps it (a neighbour is inside)
    area = shapely.box(-0.0005, -0.0015, 0.0045, 0.0005)
    assert 14 not in read_roads(small_osm, polygon=area).nodes.index
    assert 14 in read_roads(small_osm, polygon=area, truncate_by_edge=True).nodes.index


def test_no_roads_is_an_empty_region(tmp_path: Path, small_osm: Path) -> None:
    empty = tmp_path / "empty.osm"
    empty.write_text('<?xml version="1.0"?><osm version="0.6"><node id="1" lat="0" lon="0"/></osm>')
    with pytest.raises(EmptyRegionError, match="no roads"):
        read_roads(empty)
    with pytest.raises(EmptyRegionError, match="inside the requested area"):
        read_roads(small_osm, polygon=shapely.box(10, 10, 11, 11))


def _points(path: Path) -> gpd.GeoDataFrame:
    df = pd.read_csv(path)
    return gpd.GeoDataFrame(df, geometry=gpd.points_from_xy(df.lon, df.lat), crs=4326)


def test_sample_network_equals_osmnx(tmp_path_factory: pytest.TempPathFactory) -> None:
    files = generate_sample_region(tmp_path_factory.mktemp("fast_sample"), seed=7, size=0.3)
    fast = read_roads(files.roads_osm)
    _assert_same(fast, files.roads_osm)
    places = {
        "communities": _points(files.communities_csv),
        "markets": _points(files.markets_csv),
        "schools": _points(files.schools_csv),
    }
    net_fast = build_network(fast, **places)
    net_osmnx = build_network(graph_from_osm_file(files.roads_osm), **places)
    assert list(net_fast.edges.index) == list(net_osmnx.edges.index)
    times = [c for c in net_osmnx.edges.columns if c.endswith("_s")]
    assert {"travel_time_s", "travel_time_wet_s", "walk_time_s"}.issubset(times)
    pd.testing.assert_frame_equal(net_fast.edges[times], net_osmnx.edges[times])
    pd.testing.assert_frame_equal(net_fast.nodes, net_osmnx.nodes)
    pd.testing.assert_frame_equal(net_fast.communities, net_osmnx.communities)


def test_cusco_equals_osmnx(cusco_pbf: Path) -> None:
    _assert_same(read_roads(cusco_pbf), cusco_pbf)


_CONFIG = """
[region]
name = "demo"

[roads]
path = "{roads}"
{reader}
[population]
path = "people.csv"

[markets]
path = "markets.csv"

[schools]
path = "schools.csv"
"""


def _config(tmp_path: Path, roads: Path, reader: str) -> Path:
    path = tmp_path / "demo.toml"
    path.write_text(_CONFIG.format(roads=roads, reader=reader), encoding="utf-8")
    return path


def test_roads_reader_setting_picks_the_reader(tmp_path: Path, small_osm: Path) -> None:
    from connectivity.config import load_region_config
    from connectivity.errors import ConfigError
    from connectivity.pipeline.inputs import _load_graph

    default = load_region_config(_config(tmp_path, small_osm, ""))
    assert default.roads.reader == "fast"
    frames, source = _load_graph(default)
    assert isinstance(frames, RoadFrames) and source == small_osm
    graph, _ = _load_graph(load_region_config(_config(tmp_path, small_osm, 'reader = "osmnx"')))
    assert isinstance(graph, nx.MultiDiGraph)
    assert graph.number_of_edges() == len(frames.edges)
    with pytest.raises(ConfigError, match=r"demo\.toml.*\n.*roads\.reader.*'quick'"):
        load_region_config(_config(tmp_path, small_osm, 'reader = "quick"'))
