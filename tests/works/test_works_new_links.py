"""New links: slope limit, effect on trips, least-cost grid route (connectivity.works.new_links)."""

from __future__ import annotations

import itertools
import math

import networkx as nx
import numpy as np
import pytest
import rasterio
import shapely
from works_cases import Generated, Sample, _times

from connectivity.works import apply_works, new_link_candidates
from connectivity.works._grid_search import cheapest_grid_path
from connectivity.works.new_links import _RoadLines, _route_plans


def test_new_links_respect_the_slope_limit_and_join_community_to_road(
    sample: Sample, generated: Generated
) -> None:
    net = generated.network
    works = generated.works
    links = works.works[works.works["work_type"] == "new_link"]
    with rasterio.open(sample.dem) as src:
        dem = src.read(1).astype(float)
        for wid, row in links.iterrows():
            line = row.geometry
            assert row["length_m"] <= 5000.0
            xy = shapely.get_coordinates(line)
            # interior vertices are DEM cell centres: each step climbs at most 12 %
            inner = xy[1:-1]
            rows, cols = rasterio.transform.rowcol(src.transform, inner[:, 0], inner[:, 1])
            z = dem[np.asarray(rows), np.asarray(cols)]
            step = np.hypot(*np.diff(inner, axis=0).T)
            assert (np.abs(np.diff(z)) <= 0.12 * step + 1e-6).all(), wid
            ch = works.changes[works.changes["work_id"] == wid]
            assert set(ch["action"]) == {"add"} and len(ch) == 2
            a, b = int(ch["u"].iloc[0]), int(ch["v"].iloc[0])
            assert (int(ch["u"].iloc[1]), int(ch["v"].iloc[1])) == (b, a)
            assert net.nodes.loc[a, "kind"] == "community"
            comm = net.communities.set_index("node_id").loc[a]
            assert comm["community_id"] in row["community_ids"].split(",")
            # the other end is on a vehicle road
            at_b = net.edges[net.edges.index.get_level_values(0) == b]
            assert at_b["vehicle"].fillna(False).astype(bool).any()
            straight = math.dist(net.nodes.loc[a, ["x", "y"]], net.nodes.loc[b, ["x", "y"]])
            assert line.length >= straight - 1e-6
            assert line.coords[0] == pytest.approx(tuple(net.nodes.loc[a, ["x", "y"]]))
            assert line.coords[-1] == pytest.approx(tuple(net.nodes.loc[b, ["x", "y"]]))
            assert ch["road_class"].eq("afirmado").all()


def test_a_new_link_shortens_the_trip_of_its_community(generated: Generated) -> None:
    net = generated.network
    base = _times(net, "travel_time_s")
    links = generated.works.works[generated.works.works["work_type"] == "new_link"]
    helped = 0
    for wid, row in links.head(5).iterrows():
        after = _times(apply_works(net, generated.works, [wid]), "travel_time_s")
        helped += bool(
            after.loc[row["community_ids"].split(",")]
            .lt(base.loc[row["community_ids"].split(",")] - 1)
            .any()
        )
    assert helped >= 3


def test_a_tighter_slope_limit_gives_longer_or_fewer_links(sample: Sample) -> None:
    _, loose = new_link_candidates(sample.network, dem_path=sample.dem, max_slope_pct=15)
    _, tight = new_link_candidates(sample.network, dem_path=sample.dem, max_slope_pct=6)
    both = loose.works.reset_index().merge(
        tight.works.reset_index(), on="community_ids", suffixes=("", "_t")
    )
    assert len(tight) <= len(loose)
    assert (both["length_m_t"] >= both["length_m"] - 1e-6).all()


def test_grid_search_equals_networkx_reference() -> None:
    rng = np.random.default_rng(3)
    z = np.cumsum(rng.normal(0, 2, (14, 17)), axis=1)
    cost = rng.uniform(1, 3, z.shape)
    targets = np.zeros(z.shape, dtype=bool)
    targets[12, 2] = targets[1, 15] = targets[9, 11] = True
    res, grade = 10.0, 0.3
    path = cheapest_grid_path(z, cost, (0, 0), targets, res, grade)
    g = nx.Graph()
    moves = {
        (0, 1): [],
        (1, 0): [],
        (1, 1): [],
        (1, -1): [],
        (1, 2): [(0, 1), (1, 1)],
        (2, 1): [(1, 0), (1, 1)],
        (2, -1): [(1, 0), (1, -1)],
        (1, -2): [(0, -1), (1, -1)],
    }
    h, w = z.shape
    for r in range(h):
        for c in range(w):
            for (dr, dc), between in moves.items():
                r2, c2 = r + dr, c + dc
                if not (0 <= r2 < h and 0 <= c2 < w):
                    continue
                step = res * math.hypot(dr, dc)
                ok = abs(z[r2, c2] - z[r, c]) <= grade * step
                if between:
                    mid = sum(z[r + a, c + b] for a, b in between) / 2
                    ok &= abs(mid - z[r, c]) <= grade * step / 2
                    ok &= abs(z[r2, c2] - mid) <= grade * step / 2
                if ok:
                    g.add_edge((r, c), (r2, c2), w=step * (cost[r, c] + cost[r2, c2]) / 2)
    dist = nx.single_source_dijkstra_path_length(g, (0, 0), weight="w")
    best = min((dist[t], t) for t in zip(*np.nonzero(targets), strict=True) if t in dist)
    assert path is not None and path[0] == (0, 0) and tuple(path[-1]) == best[1]
    length = sum(g[a][b]["w"] for a, b in itertools.pairwise(path))
    assert length == pytest.approx(best[0])
    walled = np.where(np.arange(17) == 8, 1e6, 0.0)[None, :] + np.zeros((14, 1))
    assert (
        cheapest_grid_path(walled, cost, (0, 0), targets & (np.arange(17) > 8), res, grade) is None
    )


def test_routing_clusters_in_rounds_equals_trying_members_one_by_one() -> None:
    # a member's route "fails" unless its number is a multiple of 3; the reason names the member
    def route(gate: int) -> tuple[shapely.LineString, int, shapely.Point] | str:
        if gate % 3:
            return f"no road from {gate}"
        return shapely.LineString([(gate, 0), (gate, 1)]), gate, shapely.Point(gate, 1)

    plans = [[1, 2, 3], [6], [4, 5], [7, 9, 8], [10, 11, 13, 12]]
    expected = []
    for members in plans:  # the serial loop: first member with a route, else the first reason
        found = next(((g, route(g)) for g in members if not isinstance(route(g), str)), None)
        expected.append(found or (members[0], route(members[0])))
    got = _route_plans(plans, route)
    assert [g for g, _ in got] == [3, 6, 4, 9, 12]
    assert [g for g, _ in got] == [g for g, _ in expected]
    for (_, a), (_, b) in zip(got, expected, strict=True):
        assert a == b if isinstance(b, str) else a[0].equals(b[0])  # type: ignore[union-attr]
    assert got[2][1] == "no road from 4"


def test_roads_burnt_as_one_multiline_are_the_roads_burnt_one_by_one() -> None:
    from rasterio.features import rasterize
    from rasterio.transform import from_origin

    rng = np.random.default_rng(7)
    roads = np.array(
        [
            shapely.LineString(rng.uniform(0.0, 300.0, size=(int(n), 2)))
            for n in rng.integers(2, 6, 40)
        ]
    )
    lines = _RoadLines(roads)
    for which in ([0], [3, 7, 11], list(range(40))):
        kwargs = {
            "out_shape": (23, 31),
            "transform": from_origin(13.37, 290.1, 9.7, 9.7),
            "all_touched": True,
            "fill": 0,
            "dtype": "uint8",
        }
        one_by_one = rasterize([(roads[i], 1) for i in which], **kwargs)
        at_once = rasterize([(lines.multiline(which), 1)], **kwargs)
        assert one_by_one.any() and np.array_equal(one_by_one, at_once)
