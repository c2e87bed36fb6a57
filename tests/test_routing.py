"""Routing: equal to networkx references on a nasty synthetic graph and on real Cusco OSM data."""

from __future__ import annotations

import itertools
import math
from collections.abc import Callable, Hashable, Iterable
from pathlib import Path
from typing import Any

import geopandas as gpd
import networkx as nx
import numpy as np
import pandas as pd
import pytest
import shapely

from connectivity import routing
from connectivity.errors import ConnectivityError, RoutingError

TOL = 1e-6
WEIGHTS = ["travel_time_s", "travel_time_wet_s", "length_m"]


# -- networkx reference -----------------------------------------------------------------


def nx_weight(name: str) -> Callable[[Any, Any, dict], float | None]:
    """Min over parallel edges of finite values; None hides an impassable edge."""

    def weight(u: Any, v: Any, data: dict) -> float | None:
        values = [d.get(name, math.nan) for d in data.values()]
        finite = [float(x) for x in values if x is not None and math.isfinite(x)]
        return min(finite) if finite else None

    return weight


def nx_nearest(
    nxg: nx.MultiDiGraph, facility_nodes: Iterable[Hashable], weight: str
) -> tuple[dict[Hashable, float], dict[Hashable, Hashable]]:
    """Reference: nx.multi_source_dijkstra from the facilities on the reversed graph."""
    dist, paths = nx.multi_source_dijkstra(
        nxg.reverse(copy=False), set(facility_nodes), weight=nx_weight(weight)
    )
    return dist, {node: path[0] for node, path in paths.items()}


def assert_nearest_equal(
    nxg: nx.MultiDiGraph,
    graph: routing.RoutingGraph,
    facilities: dict[Hashable, Hashable],
    weight: str,
) -> pd.DataFrame:
    """Nearest facility of every node equals the networkx reference to 1e-6."""
    origins = list(nxg.nodes)
    got = routing.nearest_facility(graph, origins, facilities, weight=weight)
    ref_dist, ref_source = nx_nearest(nxg, facilities.values(), weight)
    expected = np.array([ref_dist.get(o, np.inf) for o in origins])
    time_s = got["time_s"].to_numpy()
    assert np.array_equal(np.isinf(time_s), np.isinf(expected))
    finite = np.isfinite(expected)
    assert np.max(np.abs(time_s[finite] - expected[finite]), initial=0.0) <= TOL
    assert got["reachable"].to_numpy().tolist() == finite.tolist()
    # facility ids match their nodes; where networkx chose another node, it is a tie
    reached = got[got["reachable"]]
    assert [facilities[f] for f in reached["facility"]] == reached["facility_node"].tolist()
    reverse = nxg.reverse(copy=False)
    w = nx_weight(weight)
    for origin, row in reached.iterrows():
        if row["facility_node"] != ref_source[origin]:
            tie = nx.dijkstra_path_length(reverse, row["facility_node"], origin, weight=w)
            assert abs(tie - row["time_s"]) <= TOL
    unreachable = got[~got["reachable"]]
    assert unreachable["facility"].isna().all()
    assert unreachable["facility_node"].isna().all()
    assert np.isinf(unreachable["time_s"]).all()
    return got


# -- a nasty synthetic graph ------------------------------------------------------------


def synthetic_graph(seed: int = 7, n: int = 500) -> nx.MultiDiGraph:
    """Seeded random geometric road graph with everything that can go wrong.

    Direction-dependent times (uphill slower), one-way edges, zero-weight
    edges and chains, inf and NaN (impassable) edges, parallel edges (lower,
    equal and higher), a disconnected piece, an isolated node, big sparse
    int64 ids, edge geometries stored in either direction or missing.
    """
    rng = np.random.default_rng(seed)
    base = nx.random_geometric_graph(n, 0.075, seed=seed)
    ids = rng.choice(np.arange(10**9, 10**9 + 50 * n), size=n + 25, replace=False).astype(np.int64)
    nxg = nx.MultiDiGraph(crs="EPSG:32718")
    xy: dict[int, tuple[float, float]] = {}
    z: dict[int, float] = {}
    for i, (px, py) in nx.get_node_attributes(base, "pos").items():
        xy[int(ids[i])] = (px * 10_000.0, py * 10_000.0)
        z[int(ids[i])] = 3000.0 + 800.0 * math.sin(3 * px) * math.cos(2 * py)
    pairs = [(int(ids[a]), int(ids[b])) for a, b in base.edges()]
    # a disconnected piece of 24 nodes in a ring, far away, and one isolated node
    piece = [int(i) for i in ids[n : n + 24]]
    for k, node in enumerate(piece):
        xy[node] = (50_000.0 + 100.0 * math.cos(k / 4), 50_000.0 + 100.0 * math.sin(k / 4))
        z[node] = 3500.0 + k
    pairs += [(piece[k], piece[(k + 1) % len(piece)]) for k in range(len(piece))]
    isolated = int(ids[n + 24])
    xy[isolated], z[isolated] = (-5000.0, -5000.0), 3000.0
    for node, (x, y) in xy.items():
        nxg.add_node(node, x=x, y=y)

    def add(a: int, b: int, scale: float = 1.0) -> None:
        (ax, ay), (bx, by) = xy[a], xy[b]
        length = math.hypot(bx - ax, by - ay)
        slope = (z[b] - z[a]) / max(length, 1.0)
        walk = length / (6.0 * math.exp(-3.5 * abs(slope + 0.05)) / 3.6)  # Tobler, s
        data: dict[str, Any] = {
            "length_m": length * scale,
            "travel_time_s": walk * scale,
            "travel_time_wet_s": walk * scale * 1.3,
        }
        r = rng.random()
        if r < 0.4:  # a bent geometry, stored u -> v or (osmnx-like) v -> u
            mid = ((ax + bx) / 2 + rng.normal(0, 20), (ay + by) / 2 + rng.normal(0, 20))
            line = [(ax, ay), mid, (bx, by)]
            data["geometry"] = shapely.LineString(line if r < 0.3 else line[::-1])
        nxg.add_edge(a, b, **data)

    for a, b in pairs:
        add(a, b)
        if rng.random() > 0.1:  # 10% one-way
            add(b, a)
    edges = list(nxg.edges(keys=True, data=True))
    for i in rng.choice(len(edges), size=len(edges) // 10, replace=False):
        a, b, _, d = edges[i]
        scale = float(rng.choice([0.5, 1.0, 2.0]))  # lower, equal, higher parallel edge
        extra = {k: (val * scale if k != "geometry" else val) for k, val in d.items()}
        nxg.add_edge(a, b, **extra)
    edges = list(nxg.edges(keys=True, data=True))
    for i in rng.choice(len(edges), size=len(edges) // 12, replace=False):
        for name in WEIGHTS:  # zero-weight (e.g. a connector at the same spot)
            edges[i][3][name] = 0.0
    for i in rng.choice(len(edges), size=len(edges) // 15, replace=False):
        edges[i][3]["travel_time_wet_s"] = math.inf  # wet-season impassable
    for i in rng.choice(len(edges), size=len(edges) // 30, replace=False):
        edges[i][3]["travel_time_wet_s"] = math.nan
    for i in rng.choice(len(edges), size=len(edges) // 40, replace=False):
        edges[i][3]["travel_time_s"] = math.inf
    # a chain of zero-weight edges, both ways
    chain = [int(i) for i in ids[:6]]
    for a, b in itertools.pairwise(chain):
        for s, t in ((a, b), (b, a)):
            nxg.add_edge(s, t, length_m=0.0, travel_time_s=0.0, travel_time_wet_s=0.0)
    return nxg


@pytest.fixture(scope="module")
def synth() -> nx.MultiDiGraph:
    return synthetic_graph()


@pytest.fixture(scope="module")
def synth_graph(synth: nx.MultiDiGraph) -> routing.RoutingGraph:
    return routing.routing_graph_from_networkx(synth, weights=WEIGHTS)


@pytest.fixture(scope="module")
def synth_facilities(synth: nx.MultiDiGraph) -> dict[Hashable, Hashable]:
    rng = np.random.default_rng(3)
    nodes = list(synth.nodes)
    chosen = [nodes[i] for i in rng.choice(len(nodes), size=12, replace=False)]
    facilities: dict[Hashable, Hashable] = {f"school-{k}": node for k, node in enumerate(chosen)}
    facilities["school-shared"] = chosen[0]  # two facilities on one node
    facilities["school-chain"] = nodes[2]  # in the middle of a zero-weight chain
    return facilities


def test_synthetic_graph_has_the_hard_cases(synth: nx.MultiDiGraph) -> None:
    data = [d for *_, d in synth.edges(keys=True, data=True)]
    assert sum(d["travel_time_s"] == 0.0 for d in data) > 50
    assert sum(math.isinf(d["travel_time_s"]) for d in data) > 10
    assert sum(math.isnan(d["travel_time_wet_s"]) for d in data) > 10
    assert sum(1 for u, v, k in synth.edges(keys=True) if k > 0) > 50  # parallel edges
    assert sum(1 for u, v in synth.edges() if not synth.has_edge(v, u)) > 20  # one-way
    assert nx.number_weakly_connected_components(synth) >= 3
    up = [(u, v) for u, v in synth.edges() if synth.has_edge(v, u)]
    u, v = up[0]
    assert synth[u][v][0]["travel_time_s"] != synth[v][u][0]["travel_time_s"]


@pytest.mark.parametrize("weight", WEIGHTS)
def test_nearest_facility_equals_networkx_on_synthetic(
    synth: nx.MultiDiGraph,
    synth_graph: routing.RoutingGraph,
    synth_facilities: dict[Hashable, Hashable],
    weight: str,
) -> None:
    got = assert_nearest_equal(synth, synth_graph, synth_facilities, weight)
    assert (~got["reachable"]).sum() >= 25  # the piece and the isolated node at least
    assert (got["time_s"] == 0.0).sum() > len(set(synth_facilities.values()))  # zero edges
    # the shared node reports the first facility given for it
    assert "school-shared" not in set(got["facility"].dropna())


def test_nearest_facility_series_origins_keep_their_index(
    synth_graph: routing.RoutingGraph, synth_facilities: dict[Hashable, Hashable]
) -> None:
    nodes = synth_graph.node_ids[:5].tolist()
    origins = pd.Series(nodes + nodes[:1], index=["c1", "c2", "c3", "c4", "c5", "c6"])
    got = routing.nearest_facility(synth_graph, origins, synth_facilities, weight="travel_time_s")
    assert got.index.tolist() == ["c1", "c2", "c3", "c4", "c5", "c6"]
    assert got.loc["c6"].equals(got.loc["c1"].rename("c6"))
    plain = routing.nearest_facility(synth_graph, nodes, synth_facilities, weight="travel_time_s")
    assert plain.index.name == "origin" and plain.index.tolist() == nodes
    np.testing.assert_array_equal(plain["time_s"].to_numpy(), got["time_s"].to_numpy()[:5])
    assert str(got["facility_node"].dtype) == "Int64"


def test_facilities_as_series_or_node_list(
    synth_graph: routing.RoutingGraph, synth_facilities: dict[Hashable, Hashable]
) -> None:
    origins = synth_graph.node_ids[:50]
    as_map = routing.nearest_facility(synth_graph, origins, synth_facilities, weight="length_m")
    series = pd.Series(synth_facilities)
    as_series = routing.nearest_facility(synth_graph, origins, series, weight="length_m")
    pd.testing.assert_frame_equal(as_map, as_series)
    as_nodes = routing.nearest_facility(
        synth_graph, origins, list(synth_facilities.values()), weight="length_m"
    )
    np.testing.assert_array_equal(as_nodes["time_s"], as_map["time_s"])
    reached = as_nodes["reachable"]
    assert (
        as_nodes.loc[reached, "facility"].tolist()
        == as_nodes.loc[reached, "facility_node"].tolist()
    )


def test_od_matrix_equals_networkx(
    synth: nx.MultiDiGraph, synth_graph: routing.RoutingGraph
) -> None:
    rng = np.random.default_rng(11)
    nodes = np.array(list(synth.nodes))
    few = nodes[rng.choice(len(nodes), 20, replace=False)].tolist()
    many = nodes[rng.choice(len(nodes), 45, replace=False)].tolist() + few[:2]
    w = nx_weight("travel_time_wet_s")

    def reference(rows: list[int], cols: list[int]) -> np.ndarray:
        out = []
        for origin in rows:
            dist = nx.single_source_dijkstra_path_length(synth, origin, weight=w)
            out.append([dist.get(t, np.inf) for t in cols])
        return np.array(out)

    # fewer origins: forward searches; fewer destinations: searches on the reversed graph
    for rows, cols in ((few, many), (many, few)):
        got = routing.od_matrix(synth_graph, rows, cols, weight="travel_time_wet_s").to_numpy()
        ref = reference(rows, cols)
        assert got.shape == (len(rows), len(cols))
        assert np.array_equal(np.isinf(got), np.isinf(ref))
        finite = np.isfinite(ref)
        assert np.max(np.abs(got[finite] - ref[finite])) <= TOL
        assert np.isinf(got).any() and (got == 0).any()


def test_od_matrix_labels_and_duplicates(synth_graph: routing.RoutingGraph) -> None:
    a, b, c = synth_graph.node_ids[:3].tolist()
    od = routing.od_matrix(
        synth_graph,
        pd.Series([a, b, a], index=["x", "y", "z"]),
        pd.Series([c, a], index=["m1", "m2"]),
        weight="length_m",
    )
    assert od.index.tolist() == ["x", "y", "z"] and od.columns.tolist() == ["m1", "m2"]
    assert od.loc["x"].equals(od.loc["z"].rename("x"))
    assert od.loc["x", "m2"] == 0.0
    empty = routing.od_matrix(synth_graph, [], [a], weight="length_m")
    assert empty.shape == (0, 1)


@pytest.mark.parametrize("direction", ["from", "to"])
def test_nodes_within_equals_networkx(
    synth: nx.MultiDiGraph, synth_graph: routing.RoutingGraph, direction: str
) -> None:
    sources = synth_graph.node_ids[[3, 40, 200]].tolist()
    limit = 900.0
    ref_graph = synth if direction == "from" else synth.reverse(copy=False)
    ref = nx.multi_source_dijkstra_path_length(
        ref_graph, set(sources), cutoff=limit, weight=nx_weight("travel_time_s")
    )
    got = routing.nodes_within(
        synth_graph, sources, weight="travel_time_s", max_time_s=limit, direction=direction
    )
    assert set(got.index) == set(ref)
    assert max(abs(got[n] - ref[n]) for n in ref) <= TOL
    assert got.is_monotonic_increasing and got.max() <= limit
    assert got.name == "time_s" and got.index.name == "node"
    assert 20 < len(got) < synth.number_of_nodes()


def test_nodes_within_threshold_is_inclusive_and_zero_works() -> None:
    nxg = nx.MultiDiGraph([(1, 2, {"t": 0.0}), (2, 3, {"t": 10.0}), (3, 4, {"t": 0.1})])
    g = routing.routing_graph_from_networkx(nxg, weights="t")
    assert routing.nodes_within(g, [1], weight="t", max_time_s=0.0).to_dict() == {1: 0.0, 2: 0.0}
    assert routing.nodes_within(g, [1], weight="t", max_time_s=10.0).index.tolist() == [1, 2, 3]
    assert len(routing.nodes_within(g, [1], weight="t", max_time_s=math.inf)) == 4


def test_zero_weight_edges_are_edges_in_both_directions() -> None:
    # scipy drops explicit zeros in some conversions; they must stay edges here
    nxg = nx.MultiDiGraph(
        [
            ("a", "b", {"t": 0.0}),
            ("b", "c", {"t": 0.0}),
            ("c", "d", {"t": 0.0}),
            ("d", "e", {"t": 5.0}),
        ]
    )
    g = routing.routing_graph_from_networkx(nxg, weights="t")
    assert g.n_edges("t") == 4
    got = routing.nearest_facility(g, ["a", "b", "c", "d", "e"], {"f": "d"}, weight="t")
    assert got["time_s"].tolist() == [0.0, 0.0, 0.0, 0.0, math.inf]
    assert got["reachable"].tolist() == [True, True, True, True, False]
    assert got["facility"].tolist()[:4] == ["f"] * 4
    assert got["facility"].isna().tolist() == [False, False, False, False, True]
    od = routing.od_matrix(g, ["a", "e"], ["e", "a"], weight="t").to_numpy()
    np.testing.assert_array_equal(od, [[5.0, 0.0], [0.0, np.inf]])


def test_parallel_edges_keep_the_minimum_and_its_key() -> None:
    nxg = nx.MultiDiGraph()
    nxg.add_node(1, x=0.0, y=0.0)
    nxg.add_node(2, x=10.0, y=0.0)
    bend_slow = shapely.LineString([(0, 0), (5, 5), (10, 0)])
    bend_fast = shapely.LineString([(0, 0), (5, -5), (10, 0)])
    nxg.add_edge(1, 2, key="slow", t=9.0, wet=2.0, geometry=bend_slow)
    nxg.add_edge(1, 2, key="fast", t=4.0, wet=math.nan, geometry=bend_fast)
    nxg.add_edge(1, 2, key="tie", t=4.0, wet=2.0)
    g = routing.routing_graph_from_networkx(nxg, weights=["t", "wet"])
    assert g.n_edges("t") == 1 and g.n_edges("wet") == 1
    route = routing.routes_to_nearest_facility(g, [1], [2], weight="t").iloc[0]
    assert route["time_s"] == 4.0
    assert route["edges"] == [(1, 2, "fast")]  # first of the tied minima, in input order
    assert route["geometry"].equals(bend_fast)
    wet = routing.routes_to_nearest_facility(g, [1], [2], weight="wet").iloc[0]
    assert wet["edges"] == [(1, 2, "slow")]  # NaN edge absent; tie -> first in input order
    assert wet["geometry"].equals(bend_slow)


def test_impassable_edges_are_absent() -> None:
    nxg = nx.MultiDiGraph(
        [
            (1, 2, {"dry": 10.0, "wet": math.inf}),
            (2, 3, {"dry": 10.0, "wet": 10.0}),
            (1, 3, {"dry": 50.0, "wet": math.nan}),
            (1, 4, {"dry": 1.0}),  # attribute missing: impassable for "wet"
        ]
    )
    g = routing.routing_graph_from_networkx(nxg, weights=["dry", "wet"])
    dry = routing.nearest_facility(g, [1], {"market": 3}, weight="dry")
    wet = routing.nearest_facility(g, [1], {"market": 3}, weight="wet")
    assert dry["time_s"].tolist() == [20.0] and dry["reachable"].tolist() == [True]
    assert wet["time_s"].tolist() == [math.inf] and wet["reachable"].tolist() == [False]
    assert wet["facility"].isna().all() and wet["facility_node"].isna().all()
    assert g.n_edges("dry") == 4 and g.n_edges("wet") == 1


def test_routes_follow_edges_and_geometries(
    synth: nx.MultiDiGraph,
    synth_graph: routing.RoutingGraph,
    synth_facilities: dict[Hashable, Hashable],
) -> None:
    weight = "travel_time_s"
    origins = synth_graph.node_ids.tolist()
    routes = routing.routes_to_nearest_facility(
        synth_graph, origins, synth_facilities, weight=weight
    )
    nearest = routing.nearest_facility(synth_graph, origins, synth_facilities, weight=weight)
    pd.testing.assert_frame_equal(
        pd.DataFrame(routes.drop(columns=["nodes", "edges", "geometry"])), nearest
    )
    assert routes.crs == "EPSG:32718"
    # without geometries: the same routes, faster, and no LineString built
    bare = routing.routes_to_nearest_facility(
        synth_graph, origins, synth_facilities, weight=weight, geometry=False
    )
    pd.testing.assert_frame_equal(
        pd.DataFrame(bare.drop(columns="geometry")), pd.DataFrame(routes.drop(columns="geometry"))
    )
    assert routes.geometry.notna().any() and bare.geometry.isna().all()
    bent = 0
    for origin, route in routes.iterrows():
        if not route["reachable"]:
            assert route["nodes"] == [] and route["edges"] == [] and route["geometry"] is None
            continue
        nodes = route["nodes"]
        assert nodes[0] == origin and nodes[-1] == route["facility_node"]
        total = 0.0
        length = 0.0
        for (u, v, key), a, b in zip(route["edges"], nodes[:-1], nodes[1:], strict=True):
            assert (u, v) == (a, b)
            data = synth[u][v][key]
            assert data[weight] == min(
                d[weight] for d in synth[u][v].values() if math.isfinite(d[weight])
            )
            total += data[weight]
            geom = data.get("geometry")
            length += (
                geom.length
                if geom is not None
                else math.dist(
                    (synth.nodes[u]["x"], synth.nodes[u]["y"]),
                    (synth.nodes[v]["x"], synth.nodes[v]["y"]),
                )
            )
            bent += geom is not None
        assert abs(total - route["time_s"]) <= TOL
        geom = route["geometry"]
        if len(nodes) == 1:
            assert route["time_s"] == 0.0 and geom is None
            continue
        start = (synth.nodes[origin]["x"], synth.nodes[origin]["y"])
        end = (synth.nodes[nodes[-1]]["x"], synth.nodes[nodes[-1]]["y"])
        coords = shapely.get_coordinates(geom)
        assert tuple(coords[0]) == start and tuple(coords[-1]) == end
        assert abs(geom.length - length) <= 1e-6 * max(length, 1.0)  # pieces joined in order
    assert bent > 100  # edge geometries (some stored reversed) were used


def test_route_of_an_origin_on_its_facility_node() -> None:
    nxg = nx.MultiDiGraph([(1, 2, {"t": 3.0})])
    g = routing.routing_graph_from_networkx(nxg, weights="t")
    route = routing.routes_to_nearest_facility(g, [2, 1], {"s": 2}, weight="t")
    assert route["nodes"].tolist() == [[2], [1, 2]]
    assert route["geometry"].isna().all()  # no coordinates in this graph: no geometry
    assert route["time_s"].tolist() == [0.0, 3.0]


def test_gdfs_and_networkx_constructors_agree(
    synth: nx.MultiDiGraph, synth_facilities: dict[Hashable, Hashable]
) -> None:
    import osmnx as ox

    nodes, edges = ox.graph_to_gdfs(synth, fill_edge_geometry=False)
    from_gdfs = routing.routing_graph_from_gdfs(nodes, edges, weights=WEIGHTS)
    from_class = routing.RoutingGraph.from_gdfs(nodes, edges, weights=WEIGHTS)
    from_nx = routing.RoutingGraph.from_networkx(synth, weights=WEIGHTS)
    assert from_gdfs.weights == tuple(WEIGHTS) and from_gdfs.crs == "EPSG:32718"
    origins = nodes.index
    for weight in WEIGHTS:
        expected = routing.nearest_facility(from_nx, origins, synth_facilities, weight=weight)
        for g in (from_gdfs, from_class):
            assert g.n_edges(weight) == from_nx.n_edges(weight)
            got = routing.nearest_facility(g, origins, synth_facilities, weight=weight)
            pd.testing.assert_frame_equal(got, expected)
    # the edge table may also carry u, v, key as columns
    flat = pd.DataFrame(edges.drop(columns="geometry")).reset_index()
    g = routing.routing_graph_from_gdfs(pd.DataFrame(nodes), flat, weights="length_m")
    got = routing.nearest_facility(g, origins, synth_facilities, weight="length_m")
    expected = routing.nearest_facility(from_nx, origins, synth_facilities, weight="length_m")
    pd.testing.assert_frame_equal(got, expected)


def test_undirected_networkx_graph_gets_both_directions() -> None:
    nxg = nx.Graph([(1, 2, {"t": 3.0}), (2, 3, {"t": 4.0})])
    g = routing.routing_graph_from_networkx(nxg, weights="t")
    od = routing.od_matrix(g, [1, 3], [3, 1], weight="t").to_numpy()
    np.testing.assert_array_equal(od, [[7.0, 0.0], [0.0, 7.0]])


# -- bad input ---------------------------------------------------------------------------


@pytest.fixture(scope="module")
def tiny() -> routing.RoutingGraph:
    nxg = nx.MultiDiGraph([(1, 2, {"t": 1.0}), (2, 3, {"t": 2.0})])
    return routing.routing_graph_from_networkx(nxg, weights="t")


def test_unknown_weight_is_refused(tiny: routing.RoutingGraph) -> None:
    with pytest.raises(RoutingError, match=r"unknown weight 'travel_time_s'.*\['t'\]"):
        routing.nearest_facility(tiny, [1], [3], weight="travel_time_s")
    with pytest.raises(RoutingError, match="unknown weight"):
        routing.od_matrix(tiny, [1], [3], weight="x")
    with pytest.raises(RoutingError, match="unknown weight"):
        routing.nodes_within(tiny, [1], weight="x", max_time_s=1.0)
    with pytest.raises(RoutingError, match="unknown weight"):
        tiny.n_edges("x")


def test_unknown_nodes_are_named(tiny: routing.RoutingGraph) -> None:
    with pytest.raises(RoutingError, match=r"1 origin node id\(s\) not in the routing graph: 99"):
        routing.nearest_facility(tiny, [1, 99, 99], [3], weight="t")
    with pytest.raises(RoutingError, match=r"facility node id.*'school'"):
        routing.nearest_facility(tiny, [1], {"s1": "school"}, weight="t")
    with pytest.raises(RoutingError, match=r"7 destination node id\(s\).*and 2 more"):
        routing.od_matrix(tiny, [1], list(range(10, 17)), weight="t")
    with pytest.raises(RoutingError, match="source node id"):
        routing.nodes_within(tiny, [0], weight="t", max_time_s=1.0)


def test_empty_or_malformed_query_inputs(tiny: routing.RoutingGraph) -> None:
    for empty in ({}, [], pd.Series([], dtype="int64")):
        with pytest.raises(RoutingError, match="facility set is empty"):
            routing.nearest_facility(tiny, [1], empty, weight="t")
    with pytest.raises(RoutingError, match="source set is empty"):
        routing.nodes_within(tiny, [], weight="t", max_time_s=1.0)
    with pytest.raises(RoutingError, match="origin must be a sequence of node ids, got str"):
        routing.nearest_facility(tiny, "1", [3], weight="t")
    with pytest.raises(RoutingError, match="got int"):
        routing.nearest_facility(tiny, 1, [3], weight="t")  # type: ignore[arg-type]
    with pytest.raises(RoutingError, match="facilities must be a mapping"):
        routing.nearest_facility(tiny, [1], 3, weight="t")  # type: ignore[arg-type]
    for bad in (-1.0, math.nan, "soon"):
        with pytest.raises(RoutingError, match="max_time_s must be"):
            routing.nodes_within(tiny, [1], weight="t", max_time_s=bad)  # type: ignore[arg-type]
    with pytest.raises(RoutingError, match="direction must be 'from' or 'to'"):
        routing.nodes_within(tiny, [1], weight="t", max_time_s=1.0, direction="up")  # type: ignore[arg-type]
    assert routing.nearest_facility(tiny, [], [3], weight="t").empty


def test_bad_graphs_are_refused() -> None:
    with pytest.raises(RoutingError, match=r"weight 't' has 1 negative value.*\(1, 2, 0\)"):
        routing.routing_graph_from_networkx(nx.MultiDiGraph([(1, 2, {"t": -1.0})]), weights="t")
    with pytest.raises(RoutingError, match="no edge of the graph has the weight attribute 'time'"):
        routing.routing_graph_from_networkx(nx.MultiDiGraph([(1, 2, {"t": 1.0})]), weights="time")
    with pytest.raises(RoutingError, match="weights is empty"):
        routing.routing_graph_from_networkx(nx.MultiDiGraph([(1, 2, {"t": 1.0})]), weights=[])
    with pytest.raises(RoutingError, match=r"weight names repeated: \['t'\]"):
        routing.routing_graph_from_networkx(
            nx.MultiDiGraph([(1, 2, {"t": 1.0})]), weights=["t", "t"]
        )
    with pytest.raises(RoutingError, match=r"'t'.*must be numeric"):
        routing.routing_graph_from_networkx(nx.MultiDiGraph([(1, 2, {"t": "fast"})]), weights="t")
    with pytest.raises(RoutingError, match="expected a networkx graph"):
        routing.routing_graph_from_networkx({1: 2}, weights="t")  # type: ignore[arg-type]
    with pytest.raises(RoutingError, match=r"node ids are not unique, e\.g\. \[5\]"):
        routing.routing_graph_from_arrays([5, 5, 6], [5], [6], weights={"t": [1.0]})
    with pytest.raises(RoutingError, match=r"edge end \(v\) node id.*: 7"):
        routing.routing_graph_from_arrays([5, 6], [5], [7], weights={"t": [1.0]})
    with pytest.raises(RoutingError, match="u has 2 edges but v has 1"):
        routing.routing_graph_from_arrays([5, 6], [5, 6], [6], weights={"t": [1.0]})
    with pytest.raises(RoutingError, match=r"weight 't' has shape \(1,\), expected \(2,\)"):
        routing.routing_graph_from_arrays([5, 6], [5, 6], [6, 5], weights={"t": [1.0]})


def test_bad_gdfs_are_refused(synth: nx.MultiDiGraph) -> None:
    import osmnx as ox

    nodes, edges = ox.graph_to_gdfs(synth)
    with pytest.raises(RoutingError, match=r"no weight column\(s\) \['travel_time'\]"):
        routing.routing_graph_from_gdfs(nodes, edges, weights=["length_m", "travel_time"])
    with pytest.raises(RoutingError, match=r"indexed by \(u, v, key\)"):
        routing.routing_graph_from_gdfs(nodes, edges.reset_index(drop=True), weights="length_m")
    with pytest.raises(RoutingError, match=r"edge start \(u\) node id"):
        routing.routing_graph_from_gdfs(nodes.iloc[10:], edges, weights="length_m")
    with pytest.raises(RoutingError, match="'highway' must be numeric"):
        routing.routing_graph_from_gdfs(nodes, edges.assign(highway="track"), weights="highway")
    with pytest.raises(RoutingError, match="nodes must be a"):
        routing.routing_graph_from_gdfs(nodes.index, edges, weights="length_m")  # type: ignore[arg-type]


def test_routing_error_is_a_value_error() -> None:
    assert issubclass(RoutingError, ValueError) and issubclass(RoutingError, ConnectivityError)


# -- sample region (connectivity.sample), when that module is present ---------------------


def test_nearest_facility_equals_networkx_on_sample_region() -> None:
    from connectivity.sample import sample_road_network

    nodes, edges = sample_road_network(size=0.3, seed=5)
    edges = edges.assign(travel_time_s=edges["length_m"] / (30 / 3.6))
    graph = routing.routing_graph_from_gdfs(nodes, edges, weights=["travel_time_s", "length_m"])
    nxg = nx.MultiDiGraph()
    nxg.add_edges_from(
        (u, v, k, {"travel_time_s": t, "length_m": m})
        for (u, v, k), t, m in zip(
            edges.index, edges["travel_time_s"], edges["length_m"], strict=True
        )
    )
    nxg.add_nodes_from(nodes.index)
    rng = np.random.default_rng(1)
    facilities = {f"f{i}": n for i, n in enumerate(rng.choice(nodes.index, 20, replace=False))}
    for weight in ("travel_time_s", "length_m"):
        assert_nearest_equal(nxg, graph, facilities, weight)


# -- real OpenStreetMap data: Cusco ---------------------------------------------------------


def osm_xml_from_pbf(pbf: Path, target: Path) -> Path:
    """Write the highway ways of a PBF (and their nodes) as OSM XML, which osmnx reads."""
    import osmium

    with osmium.BackReferenceWriter(str(target), ref_src=str(pbf), overwrite=True) as writer:
        ways = osmium.FileProcessor(str(pbf), osmium.osm.WAY)
        for way in ways.with_filter(osmium.filter.KeyFilter("highway")):
            writer.add(way)
    return target


@pytest.fixture(scope="module")
def cusco(cusco_pbf: Path, tmp_path_factory: pytest.TempPathFactory) -> nx.MultiDiGraph:
    import osmnx as ox

    xml = osm_xml_from_pbf(cusco_pbf, tmp_path_factory.mktemp("cusco") / "cusco.osm")
    nxg = ox.graph_from_xml(xml, retain_all=True)
    nxg = ox.add_edge_travel_times(ox.add_edge_speeds(nxg))
    for *_, data in nxg.edges(data=True):
        data["travel_time_s"] = data.pop("travel_time")
        data["length_m"] = data.pop("length")
    return nxg


@pytest.mark.slow
def test_nearest_facility_equals_networkx_on_cusco(cusco: nx.MultiDiGraph) -> None:
    import osmnx as ox

    assert cusco.number_of_nodes() > 5000
    assert any(d["oneway"] for *_, d in cusco.edges(data=True))  # direction matters here
    graph = routing.routing_graph_from_networkx(cusco, weights=["travel_time_s", "length_m"])
    nodes, edges = ox.graph_to_gdfs(cusco)
    from_gdfs = routing.routing_graph_from_gdfs(nodes, edges, weights=["travel_time_s"])
    rng = np.random.default_rng(2017)
    schools = {
        f"school {i}": int(n)
        for i, n in enumerate(rng.choice(np.array(list(cusco.nodes)), 50, replace=False))
    }
    for weight in ("travel_time_s", "length_m"):
        got = assert_nearest_equal(cusco, graph, schools, weight)
        assert got["reachable"].mean() > 0.9
    expected = routing.nearest_facility(graph, nodes.index, schools, weight="travel_time_s")
    got = routing.nearest_facility(from_gdfs, nodes.index, schools, weight="travel_time_s")
    pd.testing.assert_frame_equal(got, expected)
    # routes on real geometries: joined pieces from the origin to the school, summing to the time
    sample = nodes.index[rng.choice(len(nodes), 40, replace=False)]
    routes = routing.routes_to_nearest_facility(graph, sample, schools, weight="travel_time_s")
    for origin, route in routes[routes["reachable"]].iterrows():
        total = sum(cusco[u][v][k]["travel_time_s"] for u, v, k in route["edges"])
        assert abs(total - route["time_s"]) <= TOL
        if route["geometry"] is not None:
            first = shapely.get_coordinates(route["geometry"])[0]
            assert np.allclose(first, nodes.loc[origin, ["x", "y"]].to_numpy(dtype=float))
    assert isinstance(routes, gpd.GeoDataFrame) and routes.crs == cusco.graph["crs"]


def test_nearest_facility_equals_networkx_on_the_built_sample_network(tmp_path: Path) -> None:
    """The whole sample region as the pipeline builds it: seasons, fords, connectors, inf edges."""
    from connectivity.network import build_network
    from connectivity.sample import generate_sample_region
    from connectivity.sources.osm import graph_from_osm_file

    files = generate_sample_region(tmp_path / "sample")

    def points(path: Path) -> gpd.GeoDataFrame:
        table = pd.read_csv(path)
        return gpd.GeoDataFrame(
            table, geometry=gpd.points_from_xy(table["lon"], table["lat"]), crs=4326
        )

    net = build_network(
        graph_from_osm_file(files.roads_osm),
        communities=points(files.communities_csv),
        markets=points(files.markets_csv),
        schools=points(files.schools_csv),
        dem_path=files.elevation_tif,
    )
    weights = ["travel_time_s", "travel_time_wet_s", "walk_time_s", "walk_time_wet_s"]
    assert np.isinf(net.edges["travel_time_wet_s"]).any()  # the hard case: cut links
    graph = routing.routing_graph_from_gdfs(net.nodes, net.edges, weights=weights)
    for weight in weights:
        nxg_w = nx.MultiDiGraph()
        nxg_w.add_nodes_from(net.nodes.index)
        finite = net.edges[np.isfinite(net.edges[weight])]
        nxg_w.add_edges_from((u, v, k, {weight: t}) for (u, v, k), t in finite[weight].items())
        for kind in ("markets", "schools"):
            layer = getattr(net, kind)
            facilities = dict(zip(layer["facility_id"], layer["node_id"], strict=True))
            assert_nearest_equal(nxg_w, graph, facilities, weight)
