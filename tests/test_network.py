"""Network stage: road classes, speeds, seasons, Tobler walking, connectors, pieces."""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import geopandas as gpd
import networkx as nx
import numpy as np
import pytest
import rasterio
from rasterio.transform import from_origin
from shapely.geometry import Point

from connectivity.errors import CrsError, DataError, EmptyRegionError
from connectivity.network import (
    SpeedTables,
    add_road_class,
    build_network,
    tobler_speed_kph,
)

CRS = "EPSG:32718"
X0, Y0 = 500_000.0, 8_500_000.0


def _graph(
    nodes: dict[int, tuple[float, float]], ways: list[tuple[int, int, dict]]
) -> nx.MultiDiGraph:
    """A projected osmnx-like graph; every way two-way."""
    g = nx.MultiDiGraph(crs=CRS)
    for n, (x, y) in nodes.items():
        g.add_node(n, x=X0 + x, y=Y0 + y)
    for u, v, tags in ways:
        g.add_edge(u, v, **tags)
        g.add_edge(v, u, **tags)
    return g


def _points(rows: list[tuple[str, float, float, float]], id_col: str) -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame(
        {id_col: [r[0] for r in rows], "population": [r[3] for r in rows]},
        geometry=[Point(X0 + r[1], Y0 + r[2]) for r in rows],
        crs=CRS,
    )


def _empty(id_col: str = "facility_id") -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame({id_col: []}, geometry=[], crs=CRS)


def _build(graph, communities, markets=None, schools=None, **kw):
    return build_network(
        graph,
        communities=communities,
        markets=markets if markets is not None else _empty(),
        schools=schools if schools is not None else _empty(),
        crs=CRS,
        **kw,
    )


def _time(net, a: int, b: int, weight: str = "travel_time_s") -> float:
    g = nx.DiGraph()
    for (u, v, _k), w in net.edges[weight].items():
        if np.isfinite(w) and (not g.has_edge(u, v) or g[u][v]["w"] > w):
            g.add_edge(u, v, w=w)
    return float(nx.shortest_path_length(g, a, b, weight="w"))


def test_community_beside_middle_of_long_edge_walks_to_the_edge_not_the_far_node():
    # a 10 km asphalt road; the community stands 200 m off its middle
    g = _graph({1: (0, 0), 2: (10_000, 0)}, [(1, 2, {"highway": "primary", "surface": "asphalt"})])
    comm = _points([("c1", 5_000, 200, 100)], "community_id")
    net = _build(g, comm)
    row = net.communities.iloc[0]
    assert row["connector_m"] == pytest.approx(200.0)
    assert not row["far_from_road"]
    split = int(row["attach_node_id"])
    assert split not in (1, 2)
    assert net.nodes.loc[split, "kind"] == "split"
    # edge split in two 5 km pieces, both directions
    lengths = net.edges.loc[net.edges["road_class"] != "connector", "length_m"]
    assert sorted(lengths.round(6).tolist()) == [5000.0] * 4
    # time to the west end: walk 200 m off path (Tobler 5 km/h * 0.6) + drive 5 km at 60 km/h
    expected = 200 / (5 * 0.6 / 3.6) + 5000 / (60 / 3.6)
    assert _time(net, int(row["node_id"]), 1) == pytest.approx(expected, rel=1e-9)


def test_several_communities_on_one_edge_split_it_in_order_and_keep_length():
    g = _graph({1: (0, 0), 2: (10_000, 0)}, [(1, 2, {"highway": "track"})])
    comm = _points(
        [("a", 7_000, 50, 10), ("b", 2_000, -30, 10), ("c", 2_000, 40, 10), ("d", -300, 0, 5)],
        "community_id",
    )
    net = _build(g, comm)
    c = net.communities.set_index("community_id")
    # b and c project onto the same spot: one split node shared
    assert c.loc["b", "attach_node_id"] == c.loc["c", "attach_node_id"]
    # d lies beyond the west end: it joins node 1 itself, 300 m away
    assert c.loc["d", "attach_node_id"] == 1
    assert c.loc["d", "connector_m"] == pytest.approx(300.0)
    road = net.edges[net.edges["road_class"] != "connector"]
    assert len(road) == 6  # 3 pieces x 2 directions
    assert road["length_m"].sum() == pytest.approx(20_000.0)
    # every road piece still reads as the original track
    assert set(road["road_class"]) == {"trocha"}


def test_split_edge_takes_its_own_reverse_twin_not_a_parallel_way_between_the_same_nodes():
    # two two-way ways join nodes 1 and 2: a straight one and one bowed north through (5 km, 3 km)
    from shapely.geometry import LineString

    bow = [(X0, Y0), (X0 + 5_000, Y0 + 3_000), (X0 + 10_000, Y0)]
    g = _graph({1: (0, 0), 2: (10_000, 0)}, [(1, 2, {"highway": "track"})])
    g.add_edge(1, 2, highway="path", geometry=LineString(bow))
    g.add_edge(2, 1, highway="path", geometry=LineString(bow[::-1]))
    comm = _points([("bow", 5_000, 3_100, 1), ("straight", 2_000, -100, 1)], "community_id")
    net = _build(g, comm)
    assert net.edges.index.is_unique
    c = net.communities.set_index("community_id")
    on_bow, on_straight = (
        int(c.loc["bow", "attach_node_id"]),
        int(c.loc["straight", "attach_node_id"]),
    )
    assert net.nodes.loc[[on_bow, on_straight], "kind"].tolist() == ["split", "split"]
    road = net.edges[net.edges["road_class"] != "connector"]
    pairs = {(u, v): cls for (u, v, _k), cls in road["road_class"].items()}
    # each way is split at its own community, in both directions, and nowhere else
    assert pairs == {
        (1, on_bow): "camino",
        (on_bow, 2): "camino",
        (2, on_bow): "camino",
        (on_bow, 1): "camino",
        (1, on_straight): "trocha",
        (on_straight, 2): "trocha",
        (2, on_straight): "trocha",
        (on_straight, 1): "trocha",
    }
    bow_m = 2 * math.hypot(5_000, 3_000)
    assert road["length_m"].sum() == pytest.approx(2 * bow_m + 2 * 10_000.0)
    # both directions of a piece run along the same line
    geom = {(u, v): line for (u, v, _k), line in road.geometry.items()}
    for a, b in [(1, on_bow), (on_bow, 2), (1, on_straight), (on_straight, 2)]:
        assert geom[(a, b)].equals(geom[(b, a)].reverse())


def test_far_community_is_connected_and_flagged():
    g = _graph({1: (0, 0), 2: (1_000, 0)}, [(1, 2, {"highway": "path"})])
    comm = _points([("near", 500, 100, 1), ("far", 500, 3_500, 1)], "community_id")
    net = _build(g, comm, max_connector_m=2_000)
    c = net.communities.set_index("community_id")
    assert c["far_from_road"].to_dict() == {"near": False, "far": True}
    assert c.loc["far", "connector_m"] == pytest.approx(3_500.0)
    assert math.isfinite(_time(net, int(c.loc["far", "node_id"]), 1))


@pytest.mark.parametrize(
    ("tags", "expected_class", "vehicle"),
    [
        ({"highway": "trunk"}, "asfaltado", True),
        ({"highway": "secondary", "surface": "gravel"}, "afirmado", True),
        ({"highway": "unclassified", "surface": "dirt"}, "sin_afirmar", True),
        ({"highway": "track", "tracktype": "grade2"}, "afirmado", True),
        ({"highway": "track", "surface": "dirt"}, "trocha", True),
        ({"highway": "track", "tracktype": "grade5"}, "trocha", True),
        ({"highway": "path"}, "camino", False),
        ({"highway": "steps"}, "camino", False),
        ({"highway": "bridleway", "surface": "ground"}, "camino", False),
        ({"highway": "residential", "access": "no"}, "camino", False),
        ({"highway": "unclassified", "smoothness": "impassable"}, "camino", False),
        (
            {"highway": ["tertiary", "unclassified"], "surface": ["asphalt", "dirt"]},
            "asfaltado",
            True,
        ),
    ],
)
def test_road_class_from_osm_tags(tags, expected_class, vehicle):
    edges = gpd.GeoDataFrame({k: [v] for k, v in tags.items()})
    out = add_road_class(edges)
    assert out["road_class"].iloc[0] == expected_class
    assert bool(out["vehicle"].iloc[0]) is vehicle


def test_speeds_and_wet_season_impassable_links():
    nodes = {1: (0, 0), 2: (1_000, 0), 3: (2_000, 0), 4: (3_000, 0)}
    ways = [
        (1, 2, {"highway": "secondary", "surface": "gravel"}),
        (2, 3, {"highway": "track", "tracktype": "grade4"}),
        (3, 4, {"highway": "unclassified", "surface": "dirt", "ford": "yes"}),
    ]
    net = _build(_graph(nodes, ways), _points([("c", 0, 10, 1)], "community_id"))
    e = net.edges.reset_index().set_index(["u", "v"])
    gravel, track, ford = e.loc[(1, 2)], e.loc[(2, 3)], e.loc[(3, 4)]
    assert gravel["speed_kph"] == pytest.approx(40.0)
    assert gravel["travel_time_s"] == pytest.approx(1_000 / (40 / 3.6))
    assert gravel["travel_time_wet_s"] == pytest.approx(1_000 / (40 * 0.75 / 3.6))
    assert bool(gravel["all_season"])
    # trocha: 15 km/h dry, no vehicle in the rains -> people walk it (slower, muddy)
    assert track["travel_time_s"] == pytest.approx(1_000 / (15 / 3.6))
    assert track["travel_time_wet_s"] == pytest.approx(1_000 / (5 * 0.85 / 3.6))
    assert not bool(track["all_season"])
    # ford: passable when dry, nobody crosses when the river is in flood ("wet")
    assert math.isfinite(ford["travel_time_s"])
    assert math.isinf(ford["travel_time_wet_s"])
    assert math.isinf(ford["walk_time_wet_s"])
    # in the rains with the river not in flood ("rain") the ford is crossed, at rainy speeds
    assert math.isfinite(ford["travel_time_rain_s"]) and math.isfinite(ford["walk_time_rain_s"])
    assert ford["travel_time_rain_s"] >= ford["travel_time_s"]
    # away from fords the rains are the wet season's speeds
    for edge in (gravel, track):
        assert edge["travel_time_rain_s"] == edge["travel_time_wet_s"]
        assert edge["walk_time_rain_s"] == edge["walk_time_wet_s"]


def test_speed_table_overrides_apply_and_unknown_class_is_rejected():
    tables = SpeedTables.with_overrides(surface_kph={"afirmado": 30.0}, highway_kph={"track": 10})
    assert tables.class_speed_kph["afirmado"] == 30.0
    assert tables.highway_max_kph["track"] == 10
    assert tables.class_speed_kph["asfaltado"] == 60.0
    with pytest.raises(DataError, match=r"speeds.surface_kph: unknown road class \['paved'\]"):
        SpeedTables.with_overrides(surface_kph={"paved": 50})


def test_tobler_function_values():
    assert float(tobler_speed_kph(-0.05, flat_kph=5.0)) == pytest.approx(5.0 * math.exp(0.175))
    assert float(tobler_speed_kph(0.2)) < float(tobler_speed_kph(-0.2))


def _tilted_dem(path: Path, slope: float) -> Path:
    """DEM rising eastwards with a constant slope, 10 m cells."""
    cols = np.arange(400)
    z = np.tile(3000 + slope * (cols * 10 + 5), (50, 1)).astype("float32")
    with rasterio.open(
        path,
        "w",
        driver="GTiff",
        width=400,
        height=50,
        count=1,
        dtype="float32",
        crs=CRS,
        transform=from_origin(X0 - 500, Y0 + 250, 10, 10),
        nodata=-9999,
    ) as dst:
        dst.write(z, 1)
    return path


def test_walking_uphill_is_slower_than_downhill_on_a_dem(tmp_path):
    dem = _tilted_dem(tmp_path / "dem.tif", slope=0.1)
    g = _graph({1: (0, 0), 2: (2_000, 0)}, [(1, 2, {"highway": "path"})])
    net = _build(g, _points([("c", -100, 0, 1)], "community_id"), dem_path=dem)
    e = net.edges.reset_index().set_index(["u", "v"])
    up = float(e.loc[(1, 2), "walk_time_s"])
    down = float(e.loc[(2, 1), "walk_time_s"])
    assert up == pytest.approx(2_000 / (float(tobler_speed_kph(0.1)) / 3.6), rel=1e-3)
    assert down == pytest.approx(2_000 / (float(tobler_speed_kph(-0.1)) / 3.6), rel=1e-3)
    assert up / down == pytest.approx(math.exp(3.5 * 0.1), rel=1e-3)  # Tobler: |0.15| vs |-0.05|
    assert float(e.loc[(1, 2), "climb_m"]) == pytest.approx(200.0, rel=1e-3)


def test_disconnected_pieces_are_reported_not_dropped():
    nodes = {1: (0, 0), 2: (1_000, 0), 3: (2_000, 0), 10: (50_000, 0), 11: (51_000, 0)}
    ways = [
        (1, 2, {"highway": "tertiary"}),
        (2, 3, {"highway": "tertiary"}),
        (10, 11, {"highway": "track"}),
    ]
    comm = _points(
        [("main1", 500, 20, 100), ("main2", 1_500, 20, 50), ("isle", 50_500, 20, 30)],
        "community_id",
    )
    net = _build(_graph(nodes, ways), comm)
    assert len(net.pieces) == 2
    assert net.pieces["n_communities"].tolist() == [2, 1]
    assert net.pieces["population"].tolist() == [150.0, 30.0]
    c = net.communities.set_index("community_id")
    assert c["component"].to_dict() == {"main1": 0, "main2": 0, "isle": 1}


def test_bad_inputs_get_clear_errors():
    g = _graph({1: (0, 0), 2: (1_000, 0)}, [(1, 2, {"highway": "path"})])
    comm = _points([("a", 0, 10, 1), ("a", 10, 10, 1)], "community_id")
    with pytest.raises(
        DataError, match=r"duplicate community ids in column 'community_id': \['a'\]"
    ):
        _build(g, comm)
    no_crs = gpd.GeoDataFrame({"community_id": ["a"], "population": [1]}, geometry=[Point(0, 0)])
    with pytest.raises(CrsError, match="communities layer has no CRS"):
        _build(g, no_crs)
    with pytest.raises(EmptyRegionError, match="no communities"):
        _build(g, _empty("community_id"))
    with pytest.raises(EmptyRegionError, match="no edges"):
        _build(nx.MultiDiGraph(crs=CRS), _points([("a", 0, 0, 1)], "community_id"))


def test_ways_without_highway_tag_are_not_roads():
    # osmnx's XML reader keeps buildings and land use as edges; they must not carry anyone
    nodes = {1: (0, 0), 2: (1_000, 0), 3: (0, 500), 4: (1_000, 500)}
    ways = [(1, 2, {"highway": "track"}), (3, 4, {"building": "yes"}), (1, 3, {"landuse": "farm"})]
    net = _build(_graph(nodes, ways), _points([("c", 500, 400, 10)], "community_id"))
    road = net.edges[net.edges["road_class"] != "connector"]
    assert set(road["highway"]) == {"track"}
    assert set(net.nodes.index[net.nodes["kind"] == "road"]) == {1, 2}
    assert (net.nodes.index[net.nodes["kind"] != "road"] < 0).all()
    # the community joins the track 400 m away, not the 100 m distant building
    assert net.communities["connector_m"].iloc[0] == pytest.approx(400.0)


def test_river_crossing_without_bridge_is_cut_in_the_wet_season_like_a_ford():
    from shapely.geometry import LineString

    g = _graph(
        {
            1: (0, 0),
            2: (2_000, 0),
            3: (0, 1_000),
            4: (2_000, 1_000),
            5: (0, 2_000),
            6: (2_000, 2_000),
        },
        [
            (1, 2, {"highway": "path"}),  # crosses the river, no tag: cut in the wet season
            (3, 4, {"highway": "path", "bridge": "yes"}),  # bridged: passable
            (5, 6, {"highway": "track", "surface": "gravel"}),  # crosses only a stream
        ],
    )
    river = LineString([(X0 + 1_000, Y0 - 500), (X0 + 1_000, Y0 + 1_500)])
    stream = LineString([(X0 + 1_000, Y0 + 1_800), (X0 + 1_000, Y0 + 2_200)])
    waterways = gpd.GeoDataFrame(
        {"waterway": ["river", "stream"], "tunnel": [None, None]},
        geometry=[river, stream],
        crs=CRS,
    )
    comm = _points([("c1", 0, 0, 10)], "community_id")
    net = _build(g, comm, waterways=waterways)
    edges = net.edges
    crossing = edges.xs((1, 2), level=("u", "v")).iloc[0]
    bridged = edges.xs((3, 4), level=("u", "v")).iloc[0]
    over_stream = edges.xs((5, 6), level=("u", "v")).iloc[0]
    assert crossing["unbridged_crossing"]
    assert np.isfinite(crossing["travel_time_s"])
    assert math.isinf(crossing["travel_time_wet_s"])
    assert math.isinf(crossing["walk_time_wet_s"])
    assert not bridged["unbridged_crossing"] and np.isfinite(bridged["travel_time_wet_s"])
    assert not over_stream["unbridged_crossing"] and np.isfinite(over_stream["travel_time_wet_s"])
    # without waterways nothing is flagged
    plain = _build(g, comm)
    assert not plain.edges["unbridged_crossing"].any()


def test_zero_length_way_between_two_nodes_at_one_spot_gets_zero_time(tmp_path):
    # real OSM has these (Cusco: a footway between two nodes with equal coordinates)
    dem = tmp_path / "dem.tif"
    with rasterio.open(
        dem,
        "w",
        driver="GTiff",
        height=50,
        width=50,
        count=1,
        dtype="float32",
        crs=CRS,
        transform=from_origin(X0 - 1_000, Y0 + 1_000, 100, 100),
        nodata=-9999,
    ) as dst:
        dst.write(np.full((1, 50, 50), 3000.0, dtype="float32"))
    g = _graph(
        {1: (0, 0), 2: (0, 0), 3: (1_000, 0)},
        [(1, 2, {"highway": "footway"}), (2, 3, {"highway": "footway"})],
    )
    net = _build(g, _points([("c1", 1_000, 10, 5)], "community_id"), dem_path=dem)
    zero = net.edges.xs((1, 2), level=("u", "v")).iloc[0]
    assert zero["length_m"] == 0.0
    assert zero["walk_time_s"] == 0.0 and zero["travel_time_s"] == 0.0


def test_fords_of_wide_rivers_are_shut_through_the_rains_narrow_ones_only_in_floods():
    """A ford of a 30 m river is shut in the rains and in floods; of a 10 m or unknown one,
    only in floods; a bridge is open in every state; the width rule can be moved."""
    from shapely.geometry import LineString

    from connectivity.network import SpeedTables
    from connectivity.works import apply_works, bridge_candidates

    g = _graph(
        {1: (0, 0), 2: (2_000, 0), 3: (0, 1_000), 4: (2_000, 1_000), 5: (0, 2_000)}
        | {6: (2_000, 2_000)},
        [
            (1, 2, {"highway": "path"}),  # crosses the wide river, no tag: inferred crossing
            (3, 4, {"highway": "track", "ford": "yes"}),  # a ford of the narrow river
            (5, 6, {"highway": "path", "ford": "yes"}),  # a ford of a river of unknown width
        ],
    )
    wide = LineString([(X0 + 1_000, Y0 - 500), (X0 + 1_000, Y0 + 500)])
    narrow = LineString([(X0 + 1_000, Y0 + 800), (X0 + 1_000, Y0 + 1_200)])
    unknown = LineString([(X0 + 1_000, Y0 + 1_800), (X0 + 1_000, Y0 + 2_200)])
    waterways = gpd.GeoDataFrame(
        {"waterway": ["river"] * 3, "tunnel": [None] * 3, "width": [30.0, 10.0, np.nan]},
        geometry=[wide, narrow, unknown],
        crs=CRS,
    )
    comm = _points([("c1", 0, 0, 10)], "community_id")
    net = _build(g, comm, waterways=waterways)

    def edge(u: int, v: int) -> Any:
        return net.edges.xs((u, v), level=("u", "v")).iloc[0]

    wide_e, narrow_e, unknown_e = edge(1, 2), edge(3, 4), edge(5, 6)
    assert wide_e["river_width_m"] == 30 and narrow_e["river_width_m"] == 10
    assert math.isnan(unknown_e["river_width_m"])
    for e in (wide_e, narrow_e, unknown_e):
        assert np.isfinite(e["travel_time_s"]) and math.isinf(e["travel_time_wet_s"])
    assert math.isinf(wide_e["travel_time_rain_s"]) and math.isinf(wide_e["walk_time_rain_s"])
    assert np.isfinite(narrow_e["travel_time_rain_s"])
    assert np.isfinite(unknown_e["walk_time_rain_s"])
    # the rains' walking time of a narrow ford is the wet-season walk, not the dry one
    assert narrow_e["walk_time_rain_s"] > narrow_e["walk_time_s"]

    # a bridge over the wide river opens it in the rains and floods
    _, bridges = bridge_candidates(net, waterways=waterways)
    ch = bridges.changes
    over_wide = ch.loc[(ch["u"] == 1) & (ch["v"] == 2), "work_id"].iloc[0]
    assert bridges.works.loc[over_wide, "span_m"] == 30  # the span is the river's width
    done = apply_works(net, bridges, [over_wide])
    after = done.edges.xs((1, 2), level=("u", "v")).iloc[0]
    assert np.isfinite(after["travel_time_rain_s"]) and np.isfinite(after["travel_time_wet_s"])

    # a region can move the rule: at 5 m the narrow river is shut in the rains too
    strict = _build(g, comm, waterways=waterways, tables=SpeedTables(rain_shuts_width_m=5.0))
    assert math.isinf(strict.edges.xs((3, 4), level=("u", "v")).iloc[0]["travel_time_rain_s"])
