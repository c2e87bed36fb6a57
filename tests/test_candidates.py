"""Candidate road works: upgrades, new links, bridges, proposals (connectivity.candidates)."""

from __future__ import annotations

import itertools
import json
import math
from dataclasses import dataclass
from pathlib import Path

import geopandas as gpd
import networkx as nx
import numpy as np
import pandas as pd
import pytest
import rasterio
import shapely
from shapely.geometry import LineString, Point

from connectivity import routing
from connectivity.candidates import (
    BRIDGE_COST_PER_M,
    UNIT_COST_PER_KM,
    _grid_route,
    bridge_candidates,
    cost_table,
    generate_candidates,
    new_link_candidates,
    proposals_from_file,
    split_edges,
    upgrade_candidates,
)
from connectivity.config import CostsSection
from connectivity.errors import ConfigError, CrsError, DataError, MissingFileError
from connectivity.network import RoadNetwork, SpeedTables, build_network
from connectivity.works import CHANGE_COLUMNS, WEIGHTS, WORK_COLUMNS, WorkSet, apply_works

WEIGHT_LIST = list(WEIGHTS)


# -- fixtures: the synthetic sample region ----------------------------------------------------


def _points(path: Path) -> gpd.GeoDataFrame:
    frame = pd.read_csv(path)
    return gpd.GeoDataFrame(
        frame, geometry=gpd.points_from_xy(frame["lon"], frame["lat"]), crs="EPSG:4326"
    )


@dataclass
class Sample:
    network: RoadNetwork
    dem: Path
    waterways: gpd.GeoDataFrame


@pytest.fixture(scope="module")
def sample(tmp_path_factory: pytest.TempPathFactory) -> Sample:
    from connectivity.sample import generate_sample_region
    from connectivity.sources import osm

    files = generate_sample_region(tmp_path_factory.mktemp("sample"), seed=7, size=0.5)
    waterways = osm.waterways_from_osm_file(files.roads_osm)
    network = build_network(
        osm.graph_from_osm_file(files.roads_osm),
        communities=_points(files.communities_csv),
        markets=_points(files.markets_csv),
        schools=_points(files.schools_csv),
        dem_path=files.elevation_tif,
        crs="EPSG:32718",
        waterways=waterways,
    )
    return Sample(network, files.elevation_tif, waterways)


@dataclass
class Generated:
    network: RoadNetwork
    works: WorkSet
    rejected: pd.DataFrame


@pytest.fixture(scope="module")
def generated(sample: Sample) -> Generated:
    network, works, rejected = generate_candidates(
        sample.network, dem_path=sample.dem, waterways=sample.waterways
    )
    return Generated(network, works, rejected)


def _facilities(network: RoadNetwork, kind: str) -> pd.Series:
    layer = network.markets if kind == "market" else network.schools
    return layer.set_index("facility_id")["node_id"]


def _times(network: RoadNetwork, weight: str, kind: str = "market") -> pd.Series:
    graph = routing.routing_graph_from_gdfs(network.nodes, network.edges, weights=[weight])
    origins = network.communities.set_index("community_id")["node_id"]
    table = routing.nearest_facility(graph, origins, _facilities(network, kind), weight=weight)
    return table["time_s"]


# -- what every generated work set must satisfy ----------------------------------------------


def test_generated_works_validate_and_have_every_kind(generated: Generated) -> None:
    works = generated.works
    works.validate(generated.network)
    assert list(works.works.columns[: len(WORK_COLUMNS) - 1]) == list(WORK_COLUMNS[:-1])
    assert list(works.changes.columns) == list(CHANGE_COLUMNS)
    counts = works.works["work_type"].value_counts()
    assert counts["upgrade"] > 50 and counts["bridge"] > 10 and counts["new_link"] > 3
    ids = works.ids
    assert len(set(ids)) == len(ids)
    for prefix, digits in (("UPG-", 5), ("NEW-", 4), ("BRG-", 4)):
        mine = [i for i in ids if i.startswith(prefix)]
        assert mine == sorted(mine)
        assert all(len(i) == len(prefix) + digits for i in mine)
        assert mine[0] == prefix + "1".rjust(digits, "0")
    assert (works.works["cost"] > 0).all()
    assert (works.works["cost_net"] == works.works["cost"]).all()
    assert works.currency == "PEN" and works.price_year == 2024
    assert works.works["name"].str.len().gt(5).all()
    assert works.works["description"].str.len().gt(10).all()
    assert generated.rejected.empty


def test_replace_changes_never_make_an_edge_slower(generated: Generated) -> None:
    rep = generated.works.changes[generated.works.changes["action"] == "replace"]
    index = pd.MultiIndex.from_arrays([rep["u"], rep["v"], rep["key"]])
    old = generated.network.edges.loc[index, WEIGHT_LIST].to_numpy(float)
    new = rep[WEIGHT_LIST].to_numpy(float)
    assert (new <= old).all()
    # and every work makes at least one weight of one edge strictly smaller (or adds an edge)
    rep = rep.assign(gain=(new < old).any(axis=1))
    gaining = set(rep.loc[rep["gain"], "work_id"]) | set(
        generated.works.changes.loc[generated.works.changes["action"] == "add", "work_id"]
    )
    assert gaining == set(generated.works.ids)


def test_upgrades_cover_both_directions_of_each_chain(generated: Generated) -> None:
    ch = generated.works.changes
    up = ch[ch["work_id"].str.startswith("UPG-")]
    for _, part in up.groupby("work_id"):
        pairs = set(zip(part["u"], part["v"], strict=True))
        assert all((v, u) in pairs for u, v in pairs)
    works = generated.works.works
    ups = works[works["work_type"] == "upgrade"]
    assert set(zip(ups["class_before"], ups["class_after"], strict=True)) <= {
        ("camino", "trocha"),
        ("trocha", "afirmado"),
        ("sin_afirmar", "afirmado"),
        ("sin_afirmar", "asfaltado"),
        ("trocha", "asfaltado"),
        ("afirmado", "asfaltado"),
    }
    assert (ups["length_m"] >= 100).all()
    # the class written in the changes is the target class
    merged = up.merge(ups[["class_after"]], left_on="work_id", right_index=True)
    assert (merged["road_class"] == merged["class_after"]).all()


def test_upgrade_weights_come_from_the_network_speed_model(generated: Generated) -> None:
    """A trocha raised to afirmado drives at the afirmado speed (capped by the track cap)."""
    net = generated.network
    works = generated.works.works
    wid = works.index[(works["class_before"] == "trocha") & (works["class_after"] == "afirmado")][0]
    ch = generated.works.changes
    part = ch[ch["work_id"] == wid]
    index = pd.MultiIndex.from_arrays([part["u"], part["v"], part["key"]])
    old = net.edges.loc[index]
    tables = SpeedTables()
    cap = old["highway"].map(tables.highway_max_kph).to_numpy(float)
    kph = np.fmin(tables.class_speed_kph["afirmado"], cap)
    expected = old["length_m"].to_numpy() / (kph / 3.6)
    np.testing.assert_allclose(part["travel_time_s"].to_numpy(), expected, rtol=1e-9)
    wet = expected / tables.wet_factor["afirmado"]
    ford = old["ford"].eq("yes").to_numpy() | old["unbridged_crossing"].to_numpy(bool)
    np.testing.assert_allclose(part["travel_time_wet_s"].to_numpy()[~ford], wet[~ford], rtol=1e-9)
    # a trocha is impassable for vehicles in the rains; the afirmado is not
    assert np.isinf(old["speed_wet_kph"].replace(0.0, np.inf)).all()
    assert (
        part["travel_time_wet_s"].to_numpy()[~ford] < old["travel_time_wet_s"].to_numpy()[~ford]
    ).all()
    np.testing.assert_allclose(part["walk_time_s"], old["walk_time_s"], rtol=1e-12)


def test_applying_works_never_lengthens_a_trip_and_upgrades_shorten_some(
    generated: Generated,
) -> None:
    net = generated.network
    base = _times(net, "travel_time_s")
    works = generated.works.works
    picks = [
        wid
        for kind in ("upgrade", "new_link", "bridge")
        for wid in works.index[works["work_type"] == kind][:3]
    ]
    for wid in picks:
        after = _times(apply_works(net, generated.works, [wid]), "travel_time_s")
        assert (after <= base + 1e-6).all(), wid
    # raising every trocha/sin afirmar to afirmado helps many communities
    ids = works.index[works["class_after"] == "afirmado"].tolist()
    after = _times(apply_works(net, generated.works, ids), "travel_time_s")
    assert (after < base - 1).sum() >= 10


def test_a_bridge_makes_a_wet_season_cut_community_reachable(generated: Generated) -> None:
    net = generated.network
    wet = _times(net, "travel_time_wet_s")
    dry = _times(net, "travel_time_s")
    cut = wet.index[np.isinf(wet) & np.isfinite(dry)]
    assert len(cut) > 0, "the sample should have communities cut off in the rains"
    bridges = generated.works.works.index[generated.works.works["work_type"] == "bridge"]
    all_bridged = apply_works(net, generated.works, list(bridges))
    assert np.isfinite(_times(all_bridged, "travel_time_wet_s").loc[cut]).any()
    graph_dry = _times(all_bridged, "travel_time_s")
    np.testing.assert_allclose(graph_dry, dry)  # bridges change nothing in the dry season
    reopened = []
    for wid in bridges:
        after = _times(apply_works(net, generated.works, [wid]), "travel_time_wet_s")
        if np.isfinite(after.loc[cut]).any():
            reopened.append(wid)
    assert reopened, "some single bridge should reopen a cut community"


def test_splits_change_no_travel_time(sample: Sample, generated: Generated) -> None:
    before, after = sample.network, generated.network
    assert len(after.nodes) > len(before.nodes)  # new links split road edges
    assert (
        after.nodes.loc[after.nodes.index.difference(before.nodes.index), "kind"] == "split"
    ).all()
    for weight in WEIGHT_LIST:
        for kind in ("market", "school"):
            np.testing.assert_allclose(
                _times(after, weight, kind), _times(before, weight, kind), rtol=1e-9, atol=1e-6
            )


def test_split_edges_shares_weights_and_splits_the_twin(sample: Sample) -> None:
    net = sample.network
    edges = net.edges
    long = edges[(edges["road_class"] == "afirmado") & (edges["length_m"] > 1000)]
    key = long.index[0]
    line = long.geometry.iloc[0]
    pts = [line.interpolate(0.3, normalized=True), line.interpolate(0.7, normalized=True)]
    split, nodes = split_edges(net, [(key, pts[1]), (key, pts[0]), (key, Point(line.coords[0]))])
    assert nodes[2] == key[0] and nodes[0] != nodes[1] and min(nodes[:2]) < 0
    u, v, _ = key
    assert key not in split.edges.index and (v, u, 0) not in split.edges.index
    forward = split.edges.loc[
        [(u, nodes[1], 0), (nodes[1], nodes[0], 0), (nodes[0], v, 0)], WEIGHT_LIST
    ]
    np.testing.assert_allclose(
        forward.sum().to_numpy(), edges.loc[key, WEIGHT_LIST].to_numpy(float)
    )
    back = split.edges.loc[[(v, nodes[0], 0), (nodes[0], nodes[1], 0), (nodes[1], u, 0)]]
    np.testing.assert_allclose(
        back[WEIGHT_LIST].sum().to_numpy(), edges.loc[(v, u, 0), WEIGHT_LIST].to_numpy(float)
    )
    assert split.nodes.loc[nodes[0], "kind"] == "split"
    with pytest.raises(DataError, match="not in the network"):
        split_edges(net, [((1, 2, 99), pts[0])])


# -- new links --------------------------------------------------------------------------------


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


def test_grid_route_equals_networkx_reference() -> None:
    rng = np.random.default_rng(3)
    z = np.cumsum(rng.normal(0, 2, (14, 17)), axis=1)
    cost = rng.uniform(1, 3, z.shape)
    targets = np.zeros(z.shape, dtype=bool)
    targets[12, 2] = targets[1, 15] = targets[9, 11] = True
    res, grade = 10.0, 0.3
    path = _grid_route(z, cost, (0, 0), targets, res, grade)
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
    assert _grid_route(walled, cost, (0, 0), targets & (np.arange(17) > 8), res, grade) is None


# -- bridges ----------------------------------------------------------------------------------


def test_bridges_at_every_ford_and_unbridged_crossing(sample: Sample, generated: Generated) -> None:
    net = generated.network
    e = net.edges
    crossing = (e["ford"].eq("yes") | e["unbridged_crossing"].astype(bool)) & (
        e["road_class"] != "connector"
    )
    assert e["unbridged_crossing"].astype(bool).any()
    ch = generated.works.changes
    bridged = ch[ch["work_id"].str.startswith("BRG-")]
    index = pd.MultiIndex.from_arrays([bridged["u"], bridged["v"], bridged["key"]])
    assert set(index) == set(e.index[crossing])
    assert np.isfinite(bridged["walk_time_wet_s"]).all()
    works = generated.works.works
    brg = works[works["work_type"] == "bridge"]
    assert (brg["span_m"] > 0).all() and (brg["length_m"] == 0).all()
    foot = brg[~brg["vehicle_bridge"].astype(bool)]
    assert len(foot) and (foot["cost"] == foot["span_m"] * BRIDGE_COST_PER_M["foot"]).all()
    assert brg.geometry.geom_type.eq("Point").all()


def test_bridge_span_from_waterway_width(sample: Sample) -> None:
    wide = sample.waterways.assign(width="42 m")
    _, works = bridge_candidates(sample.network, waterways=wide)
    _, plain = bridge_candidates(sample.network, waterways=sample.waterways)
    _, blind = bridge_candidates(sample.network)
    known = works.works["description"].str.contains("supuesta").eq(False)
    assert known.any()
    assert (works.works.loc[known, "span_m"] % 42 == 0).all()
    assert set(plain.works["span_m"]) <= {10.0, 30.0, 6.0, 20.0, 40.0, 60.0}
    assert len(blind) == len(plain)


# -- costs ------------------------------------------------------------------------------------


def test_cost_overrides(sample: Sample) -> None:
    _, base = upgrade_candidates(sample.network)
    key = "upgrade_afirmado_rolling"  # no DEM: every line is priced as rolling terrain
    costs = CostsSection(unit_cost_per_km={key: 2 * UNIT_COST_PER_KM[key]})
    _, dear = upgrade_candidates(sample.network, costs=costs)
    only_afirmado = base.works["class_after"] == "afirmado"
    np.testing.assert_allclose(
        dear.works.loc[only_afirmado, "cost"], 2 * base.works.loc[only_afirmado, "cost"], atol=1
    )
    assert (dear.works.loc[~only_afirmado, "cost"] >= base.works.loc[~only_afirmado, "cost"]).all()
    expected = base.works.loc[only_afirmado, "length_m"] * UNIT_COST_PER_KM[key] / 1000
    np.testing.assert_allclose(base.works.loc[only_afirmado, "cost"], expected, atol=1)
    _, bridges = bridge_candidates(
        sample.network, costs=CostsSection(bridge_cost_per_m={"vehicle": 1000.0})
    )
    veh = bridges.works["vehicle_bridge"].astype(bool)
    assert (bridges.works.loc[veh, "cost"] == bridges.works.loc[veh, "span_m"] * 1000).all()


def test_cost_table_rejects_unknown_keys_and_mislabelled_currency() -> None:
    with pytest.raises(ConfigError, match="upgrade_gold_flat"):
        cost_table(CostsSection(unit_cost_per_km={"upgrade_gold_flat": 1.0}))
    with pytest.raises(ConfigError, match="'ferry'"):
        cost_table(CostsSection(bridge_cost_per_m={"ferry": 1.0}))
    with pytest.raises(ConfigError, match="USD"):
        cost_table(CostsSection(currency="USD", unit_cost_per_km={"new_link_flat": 1.0}))
    full = CostsSection(
        currency="USD",
        price_year=2023,
        unit_cost_per_km={k: 1.0 for k in UNIT_COST_PER_KM},
        bridge_cost_per_m={k: 2.0 for k in BRIDGE_COST_PER_M},
    )
    table = cost_table(full)
    assert (table.currency, table.price_year, table.per_m("new_link", "steep")) == (
        "USD",
        2023,
        0.001,
    )


def test_speed_tables_must_match_the_network(sample: Sample) -> None:
    with pytest.raises(DataError, match="speed tables"):
        upgrade_candidates(
            sample.network, tables=SpeedTables.with_overrides(surface_kph={"trocha": 5.0})
        )


# -- determinism ------------------------------------------------------------------------------


def test_same_input_gives_identical_works(sample: Sample, generated: Generated) -> None:
    network, works, _ = generate_candidates(
        sample.network, dem_path=sample.dem, waterways=sample.waterways
    )
    pd.testing.assert_frame_equal(works.works, generated.works.works)
    pd.testing.assert_frame_equal(works.changes, generated.works.changes)
    pd.testing.assert_frame_equal(network.edges, generated.network.edges)


# -- proposals --------------------------------------------------------------------------------


def _write(tmp_path: Path, features: list[dict], crs: str = "EPSG:32718") -> Path:
    path = tmp_path / "proposals.geojson"
    path.write_text(
        json.dumps(
            {
                "type": "FeatureCollection",
                "crs": {
                    "type": "name",
                    "properties": {"name": f"urn:ogc:def:crs:{crs.replace(':', '::')}"},
                },
                "features": features,
            }
        )
    )
    return path


def _feature(props: dict, geom: object) -> dict:
    return {
        "type": "Feature",
        "properties": props,
        "geometry": None if geom is None else shapely.geometry.mapping(geom),
    }


def test_proposals_valid_and_rejected(sample: Sample, tmp_path: Path) -> None:
    net = sample.network
    e = net.edges
    trocha = e[(e["road_class"] == "trocha") & (e["length_m"] > 300)].iloc[0].geometry
    ford = e[e["ford"].eq("yes") & (e["road_class"] != "connector")].iloc[0].geometry
    far = net.communities.sort_values("connector_m").iloc[-1]
    road = e[e["vehicle"].astype(bool) & (e["road_class"] != "connector")]
    near_road = road.geometry.iloc[int(road.distance(far.geometry).argmin())]
    on_road = near_road.interpolate(near_road.project(far.geometry))
    x0, y0 = trocha.coords[0]
    features = [
        _feature({"id": 1, "type": "upgrade", "cost": 250000, "name": "Afirmado comunal"}, trocha),
        _feature(
            {"id": "b1", "type": "bridge", "cost": 90000, "cofinancing_share": 0.25},
            ford.interpolate(0.5, normalized=True).buffer(1).centroid,
        ),
        _feature(
            {"id": "n1", "type": "new_link", "cost": 1e6},
            LineString([far.geometry.coords[0], on_road.coords[0]]),
        ),
        _feature({"id": "e1", "type": "upgrade", "cost": 1}, None),
        _feature({"id": "i1", "type": "upgrade", "cost": 1}, LineString([(x0, y0), (x0, y0)])),
        _feature(
            {"id": "o1", "type": "upgrade", "cost": 1}, LineString([(1e5, 1e6), (1.1e5, 1e6)])
        ),
        _feature({"id": "c1", "type": "upgrade", "cost": -5}, trocha),
        _feature({"id": "c2", "type": "upgrade"}, trocha),
        _feature({"id": "t1", "type": "ferry", "cost": 5}, trocha),
        _feature({"id": "d1", "type": "upgrade", "cost": 5}, trocha),
        _feature({"id": "d1", "type": "bridge", "cost": 5}, trocha),
        _feature({"id": "s1", "type": "upgrade", "cost": 5, "cofinancing_share": 1.5}, trocha),
        _feature(
            {"id": "g1", "type": "bridge", "cost": 5}, Point(x0 + 20000, y0).buffer(1).centroid
        ),
        _feature({"id": None, "type": "bridge", "cost": 5}, trocha),
    ]
    path = _write(tmp_path, features)
    split, works, rejected = proposals_from_file(path, net, dem_path=sample.dem)
    works.validate(split)
    assert works.ids == ["PROP-1", "PROP-b1", "PROP-n1"]
    w = works.works
    assert w.loc["PROP-1", "name"] == "Afirmado comunal" and w.loc["PROP-1", "cost"] == 250000
    assert w.loc["PROP-b1", "cost_net"] == pytest.approx(90000 * 0.75)
    assert (w["origin"] == "proposal").all()
    assert w.loc["PROP-1", "class_after"] == "afirmado"
    reasons = dict(zip(rejected["proposal_id"], rejected["reason"], strict=False))
    assert list(rejected.columns) == ["proposal_id", "reason"]
    assert "empty geometry" in reasons["e1"]
    assert "invalid geometry" in reasons["i1"]
    assert "outside the region" in reasons["o1"]
    assert "negative cost" in reasons["c1"]
    assert "missing cost" in reasons["c2"]
    assert "unknown work type 'ferry'" in reasons["t1"]
    assert "duplicate id" in reasons["d1"] and (rejected["proposal_id"] == "d1").sum() == 2
    assert "cofinancing_share" in reasons["s1"]
    assert "no ford" in reasons["g1"]
    assert "missing id" in reasons["(row 14)"]
    assert len(rejected) == 11
    # the new road proposal splits the road where it ends and adds both directions
    ch = works.changes[works.changes["work_id"] == "PROP-n1"]
    assert set(ch["action"]) == {"add"} and len(ch) == 2
    assert int(ch["u"].iloc[0]) == int(far["node_id"])
    assert split.nodes.loc[int(ch["v"].iloc[0]), "kind"] == "split"
    # the wet-season cut disappears at the bridged ford
    bridged = works.changes[works.changes["work_id"] == "PROP-b1"]
    assert np.isfinite(bridged["walk_time_wet_s"]).all()


def test_proposals_missing_cost_estimated_when_asked(sample: Sample, tmp_path: Path) -> None:
    e = sample.network.edges
    trocha = e[(e["road_class"] == "trocha") & (e["length_m"] > 300)].iloc[0]
    path = _write(tmp_path, [_feature({"id": 7, "type": "upgrade"}, trocha.geometry)])
    _, works, rejected = proposals_from_file(path, sample.network, estimate_missing_cost=True)
    assert rejected.empty
    expected = trocha["length_m"] * UNIT_COST_PER_KM["upgrade_afirmado_rolling"] / 1000
    assert works.works.loc["PROP-7", "cost"] == pytest.approx(expected, abs=1)
    assert "estimado" in works.works.loc["PROP-7", "description"]


def test_proposal_files_that_cannot_be_used(sample: Sample, tmp_path: Path) -> None:
    with pytest.raises(MissingFileError, match=r"nothere\.geojson"):
        proposals_from_file(tmp_path / "nothere.geojson", sample.network)
    junk = tmp_path / "junk.geojson"
    junk.write_text("this is not json")
    with pytest.raises(DataError, match=r"junk\.geojson"):
        proposals_from_file(junk, sample.network)
    nocrs = tmp_path / "nocrs.gpkg"
    with pytest.warns(UserWarning, match="crs"):
        gpd.GeoDataFrame({"id": [1], "type": ["upgrade"]}, geometry=[Point(0, 0)]).to_file(nocrs)
    with pytest.raises(CrsError, match=r"nocrs\.gpkg"):
        proposals_from_file(nocrs, sample.network)
    nocol = tmp_path / "nocol.gpkg"
    gpd.GeoDataFrame({"kind": [1]}, geometry=[Point(0, 0)], crs="EPSG:32718").to_file(nocol)
    with pytest.raises(DataError, match="id, type"):
        proposals_from_file(nocol, sample.network)


# -- real OpenStreetMap data: Cusco ----------------------------------------------------------


@pytest.fixture(scope="module")
def cusco(cusco_pbf: Path) -> tuple[RoadNetwork, gpd.GeoDataFrame]:
    from connectivity.sources import osm

    area = shapely.box(-71.95, -13.55, -71.86, -13.46)
    waterways = osm.waterways_from_osm_file(cusco_pbf, polygon=area)
    places = osm.features_from_osm_file(cusco_pbf, {"place": ["village", "hamlet"]}, polygon=area)
    communities = gpd.GeoDataFrame(
        {"community_id": places["osm_id"].astype(str), "name": places["name"], "population": 100},
        geometry=places.geometry.representative_point().to_numpy(),
        crs=places.crs,
    )
    facilities = gpd.GeoDataFrame(
        {"facility_id": ["m1"]}, geometry=[Point(-71.90, -13.52)], crs="EPSG:4326"
    )
    network = build_network(
        osm.graph_from_osm_file(cusco_pbf, polygon=area),
        communities=communities,
        markets=facilities,
        schools=facilities,
        waterways=waterways,
    )
    return network, waterways


@pytest.mark.slow
def test_cusco_upgrades_and_bridges_validate(cusco: tuple[RoadNetwork, gpd.GeoDataFrame]) -> None:
    network, waterways = cusco
    _, ups = upgrade_candidates(network)
    ups.validate(network)
    assert len(ups) > 20
    assert {"camino", "sin_afirmar"} & set(ups.works["class_before"])
    _, bridges = bridge_candidates(network, waterways=waterways)
    bridges.validate(network)
    e = network.edges
    crossing = e[e["unbridged_crossing"].astype(bool) & (e["road_class"] != "connector")]
    assert len(crossing) >= 2  # rivers of Cusco crossed without a bridge tag
    pairs = {(min(u, v), max(u, v)) for u, v, _ in crossing.index}
    assert len(bridges) == len(pairs)
    assert bridges.works["vehicle_bridge"].any()
    both = WorkSet.concat([ups, bridges])
    both.validate(network)
    assert list(both.works.columns) == list(ups.works.columns)


def test_generate_candidates_with_proposals_and_chosen_kinds(
    sample: Sample, tmp_path: Path
) -> None:
    e = sample.network.edges
    trocha = e[(e["road_class"] == "trocha") & (e["length_m"] > 300)].iloc[0].geometry
    path = _write(
        tmp_path,
        [
            _feature({"id": "a", "type": "upgrade", "cost": 1000.0}, trocha),
            _feature({"id": "b", "type": "upgrade", "cost": -1.0}, trocha),
        ],
    )
    network, works, rejected = generate_candidates(
        sample.network, kinds=["bridge", "new_link"], proposals=path
    )
    works.validate(network)
    assert {i[:4] for i in works.ids} == {"BRG-", "PROP"}  # no DEM: no new links
    assert works.ids[-1] == "PROP-a" and works.ids[0] == "BRG-0001"
    assert rejected.to_dict("records") == [{"proposal_id": "b", "reason": "negative cost (-1)"}]
    with pytest.raises(ConfigError, match="ferry"):
        generate_candidates(sample.network, kinds=["ferry"])
