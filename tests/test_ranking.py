"""Ranking of road works: exact incremental evaluation, portfolio, outputs.

The incremental evaluation is checked against full recomputation
(``apply_works`` + routing) on every work of the synthetic sample region and
on works of the real Cusco network; a five-node network checks the measures
against numbers worked out by hand. Works come from
:func:`connectivity.candidates.generate_candidates` (sample region and Cusco)
and are also made by hand from the network: upgrades of trocha segments (twice
as fast), chains of upgrades around a node, bridges over fords that are
impassable in the wet season, and new links between nearby nodes. The
greedy-vs-exhaustive gaps are logged and written to
``test-artifacts/greedy_gap.txt``.
"""

from __future__ import annotations

import itertools
import logging
import math
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pyogrio
import pytest
import shapely
from scipy.spatial import cKDTree
from shapely.geometry import LineString, Point

from connectivity import ranking, routing
from connectivity._io import atomic_write_text
from connectivity.config import RankingSection
from connectivity.errors import ConfigError, DataError
from connectivity.network import RoadNetwork, build_network
from connectivity.sample import generate_sample_region
from connectivity.sources import facilities, osm, population
from connectivity.works import WEIGHTS, WorkSet, apply_works

log = logging.getLogger(__name__)

CRS = "EPSG:32718"
X0, Y0 = 500_000.0, 8_500_000.0
CAP = ranking.UNREACHABLE_CAP_MIN


# -- inputs -----------------------------------------------------------------------------


def _points(frame: pd.DataFrame) -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame(
        frame, geometry=gpd.points_from_xy(frame["lon"], frame["lat"]), crs="EPSG:4326"
    )


@pytest.fixture(scope="module")
def sample_network(tmp_path_factory: pytest.TempPathFactory) -> RoadNetwork:
    files = generate_sample_region(tmp_path_factory.mktemp("sample"), seed=42, size=1.0)
    return build_network(
        osm.graph_from_osm_file(files.roads_osm),
        communities=_points(pd.read_csv(files.communities_csv)),
        markets=_points(pd.read_csv(files.markets_csv)),
        schools=_points(pd.read_csv(files.schools_csv)),
        dem_path=files.elevation_tif,  # walking times differ uphill and downhill
    )


#: Part of the Cusco extract: the rural villages north of the city and its northern half.
CUSCO_AREA = shapely.box(-71.99, -13.53, -71.834, -13.451)


@pytest.fixture(scope="module")
def cusco_network(cusco_pbf: Path) -> RoadNetwork:
    """Real Cusco roads, OSM places as communities, OSM markets and schools."""

    def features(tags: dict[str, object]) -> gpd.GeoDataFrame:
        return osm.features_from_osm_file(cusco_pbf, tags, polygon=CUSCO_AREA)

    places = features(
        {"place": ["town", "village", "hamlet", "isolated_dwelling", "neighbourhood"]}
    )
    return build_network(
        osm.graph_from_osm_file(cusco_pbf, polygon=CUSCO_AREA),
        communities=population.communities_from_osm_places(places, features({"building": True})),
        markets=facilities.facilities_from_osm(features({"amenity": "marketplace"}), kind="market"),
        schools=facilities.facilities_from_osm(features({"amenity": "school"}), kind="school"),
    )


def route_works(network: RoadNetwork, *, chunk: int = 3, factor: float = 0.6) -> WorkSet:
    """Upgrades of the roads communities use: each run of ``chunk`` edges of a community's
    route to its nearest market or school (dry season) made faster, both directions."""
    graph = routing.routing_graph_from_gdfs(network.nodes, network.edges, weights="travel_time_s")
    edges = network.edges
    runs: dict[tuple[tuple[int, int, int], ...], None] = {}
    for kind in ranking.FACILITY_KINDS:
        layer = getattr(network, f"{kind}s")
        fac = dict(zip(layer["facility_id"], layer["node_id"], strict=True))
        routes = routing.routes_to_nearest_facility(
            graph, network.communities["node_id"].to_numpy(), fac, weight="travel_time_s"
        )
        for path in routes["edges"]:
            for i in range(0, len(path), chunk):
                runs.setdefault(tuple(sorted(path[i : i + chunk])), None)
    works, changes = [], []
    for n, run in enumerate(runs):
        wid = f"RTE{n:04d}"
        done: set[tuple[int, int, int]] = set()
        for u, v, k in run:
            for idx in ((u, v, k), (v, u, k)):
                if idx not in edges.index or idx in done:
                    continue
                done.add(idx)
                w = {c: float(edges.loc[idx, c]) for c in WEIGHTS}
                w["travel_time_s"] *= factor
                w["travel_time_wet_s"] *= factor
                changes.append(
                    {
                        "work_id": wid,
                        "action": "replace",
                        "u": idx[0],
                        "v": idx[1],
                        "key": idx[2],
                        **w,
                        "length_m": float(edges.loc[idx, "length_m"]),
                        "road_class": "asfaltado",
                        "geometry": None,
                    }
                )
        length = float(sum(edges.loc[e, "length_m"] for e in run))
        works.append(
            {
                "work_id": wid,
                "work_type": "upgrade",
                "origin": "generated",
                "name": wid,
                "description": "route upgrade",
                "length_m": length,
                "span_m": 0.0,
                "cost": 300 * length,
                "cofinancing_share": 0.0,
                "cost_net": 300 * length,
                "geometry": shapely.MultiLineString([edges.loc[e, "geometry"] for e in run]),
            }
        )
    table = gpd.GeoDataFrame(pd.DataFrame(works).set_index("work_id"), crs=edges.crs)
    return WorkSet(works=table, changes=pd.DataFrame(changes))


def _pairs(index: pd.Index) -> dict[tuple[int, int], list[tuple[int, int, int]]]:
    """Directed edges grouped by their unordered end nodes (a road's two directions)."""
    groups: dict[tuple[int, int], list[tuple[int, int, int]]] = {}
    for idx in index:
        groups.setdefault((min(idx[0], idx[1]), max(idx[0], idx[1])), []).append(idx)
    return dict(sorted(groups.items()))


def hand_made_works(network: RoadNetwork, *, n_links: int = 10, seed: int = 0) -> WorkSet:
    """Works made by hand from a network (see the module docstring)."""
    edges = network.edges
    works: list[dict[str, object]] = []
    changes: list[dict[str, object]] = []

    def add(wid, wtype, geom, length, cost, share, rows):
        works.append(
            {
                "work_id": wid,
                "work_type": wtype,
                "origin": "generated",
                "name": f"{wtype} {wid}",
                "description": f"hand-made {wtype}",
                "length_m": length,
                "span_m": 0.0,
                "cost": cost,
                "cofinancing_share": share,
                "cost_net": cost * (1 - share),
                "geometry": geom,
            }
        )
        changes.extend({"work_id": wid, **r} for r in rows)

    def faster(idx, factor, wet=None):
        row = edges.loc[idx]
        w = {c: float(row[c]) for c in WEIGHTS}
        w["travel_time_s"] *= factor
        w["travel_time_wet_s"] = w["travel_time_wet_s"] * factor if wet is None else wet
        return {
            "action": "replace",
            "u": idx[0],
            "v": idx[1],
            "key": idx[2],
            **w,
            "length_m": float(row["length_m"]),
            "road_class": "afirmado",
            "geometry": None,
        }

    trocha = edges[edges["road_class"] == "trocha"]
    for n, idxs in enumerate(_pairs(trocha.index).values()):
        length = float(edges.loc[idxs[0], "length_m"])
        geom = edges.loc[idxs[0], "geometry"]
        add(
            f"UPG{n:04d}",
            "upgrade",
            geom,
            length,
            150 * length,
            0.2 * (n % 7 == 0),
            [faster(i, 0.5) for i in idxs],
        )
    tails = pd.Series([i[0] for i in trocha.index]).value_counts()
    for n, node in enumerate(sorted(tails[tails >= 2].index)[:15]):
        idxs = [i for i in trocha.index if node in (i[0], i[1])]
        length = float(edges.loc[idxs, "length_m"].sum()) / 2
        geom = shapely.MultiLineString([edges.loc[i, "geometry"] for i in idxs])
        add(
            f"CHN{n:04d}",
            "upgrade",
            geom,
            length,
            140 * length,
            0.0,
            [faster(i, 0.4) for i in idxs],
        )
    ford = edges["ford"] == "yes" if "ford" in edges.columns else False
    fords = edges[ford & ~np.isfinite(edges["travel_time_wet_s"])]
    for n, idxs in enumerate(_pairs(fords.index).values()):
        span = float(edges.loc[idxs[0], "length_m"])
        rows = [faster(i, 1.0, wet=1.3 * float(edges.loc[i, "travel_time_s"])) for i in idxs]
        add(
            f"BRG{n:04d}",
            "bridge",
            edges.loc[idxs[0], "geometry"].centroid,
            0.0,
            40_000 + 2000 * span,
            0.0,
            rows,
        )
    road = network.nodes[network.nodes["kind"].isin(["road", "split"])]
    xy = road[["x", "y"]].to_numpy()
    linked = set(zip(*(edges.index.get_level_values(i) for i in (0, 1)), strict=True))
    pairs = [
        (a, b)
        for a, b in sorted(cKDTree(xy).query_pairs(800.0))
        if (road.index[a], road.index[b]) not in linked and np.hypot(*(xy[a] - xy[b])) > 200
    ]
    rng = np.random.default_rng(seed)
    chosen = sorted(rng.choice(len(pairs), size=min(n_links, len(pairs)), replace=False))
    for n, k in enumerate(chosen):
        a, b = pairs[k]
        dist = float(np.hypot(*(xy[a] - xy[b])))
        line = LineString([xy[a], xy[b]])
        t = dist / (20 / 3.6)
        rows = [
            {
                "action": "add",
                "u": p,
                "v": q,
                "key": 0,
                "travel_time_s": t,
                "travel_time_wet_s": t * 1.5 if n % 3 else math.inf,
                "walk_time_s": dist / 1.25,
                "walk_time_wet_s": dist / 1.1,
                "length_m": dist,
                "road_class": "afirmado",
                "geometry": g,
            }
            for p, q, g in (
                (road.index[a], road.index[b], line),
                (road.index[b], road.index[a], line.reverse()),
            )
        ]
        add(f"NEW{n:04d}", "new_link", line, dist, 200 * dist, 0.5 * (n == 0), rows)
    table = gpd.GeoDataFrame(pd.DataFrame(works).set_index("work_id"), crs=edges.crs)
    return WorkSet(works=table, changes=pd.DataFrame(changes))


@pytest.fixture(scope="module")
def sample_works(sample_network: RoadNetwork) -> WorkSet:
    return hand_made_works(sample_network)


# -- a network small enough to work out by hand ----------------------------------------


def line_network() -> RoadNetwork:
    """Five nodes: community A (100 people) at 1, B (50) at 2, school at 3, market at 4,
    and a remote community C (10 people, poverty 1.0) at 5.

    Both directions, seconds (dry / wet): 1-2 600/1200, 2-3 600/inf (a ford),
    3-4 1200/1200, 4-5 40000/40000.
    """
    pos = {1: (0, 0), 2: (1000, 0), 3: (2000, 0), 4: (3000, 0), 5: (9000, 0)}
    nodes = gpd.GeoDataFrame(
        {"x": [X0 + p[0] for p in pos.values()], "y": [Y0 + p[1] for p in pos.values()]},
        index=pd.Index(list(pos), name="node_id"),
        geometry=[Point(X0 + x, Y0 + y) for x, y in pos.values()],
        crs=CRS,
    )
    nodes["kind"] = "road"
    rows = []
    for a, b, dry, wet in [
        (1, 2, 600, 1200),
        (2, 3, 600, math.inf),
        (3, 4, 1200, 1200),
        (4, 5, 40_000, 40_000),
    ]:
        for u, v in ((a, b), (b, a)):
            line = LineString([nodes.loc[u, "geometry"], nodes.loc[v, "geometry"]])
            rows.append(
                {
                    "u": u,
                    "v": v,
                    "key": 0,
                    "travel_time_s": float(dry),
                    "travel_time_wet_s": float(wet),
                    "walk_time_s": 3.0 * dry,
                    "walk_time_wet_s": 3.0 * dry,
                    "length_m": line.length,
                    "road_class": "trocha",
                    "geometry": line,
                }
            )
    edges = gpd.GeoDataFrame(pd.DataFrame(rows).set_index(["u", "v", "key"]), crs=CRS)

    def places(ids, at, **cols):
        return gpd.GeoDataFrame(
            {**ids, "node_id": at, **cols},
            geometry=[nodes.loc[n, "geometry"] for n in at],
            crs=CRS,
        )

    return RoadNetwork(
        nodes=nodes,
        edges=edges,
        communities=places(
            {"community_id": ["A", "B", "C"]},
            [1, 2, 5],
            name=["Alta", "Baja", "Cima"],
            district=["D1", "D1", "D2"],
            population=[100.0, 50.0, 10.0],
            poverty=[0.5, 0.0, 1.0],
        ),
        markets=places({"facility_id": ["M"]}, [4]),
        schools=places({"facility_id": ["S"]}, [3]),
        pieces=pd.DataFrame(),
    )


def line_works(network: RoadNetwork) -> WorkSet:
    """BRIDGE over the 2-3 ford (wet 900 s), UPG of 4-5 (both times halved), NEW link 1 -> 3
    (one way, 300 s in both seasons)."""
    e = network.edges

    def rep(u, v, dry, wet):
        w = {c: float(e.loc[(u, v, 0), c]) for c in WEIGHTS}
        w.update(travel_time_s=dry, travel_time_wet_s=wet)
        return {
            "action": "replace",
            "u": u,
            "v": v,
            "key": 0,
            **w,
            "length_m": 1000.0,
            "road_class": "afirmado",
            "geometry": None,
        }

    changes = [
        {"work_id": "BRIDGE", **rep(2, 3, 600.0, 900.0)},
        {"work_id": "BRIDGE", **rep(3, 2, 600.0, 900.0)},
        {"work_id": "UPG", **rep(4, 5, 20_000.0, 20_000.0)},
        {"work_id": "UPG", **rep(5, 4, 20_000.0, 20_000.0)},
        {
            "work_id": "NEW",
            "action": "add",
            "u": 1,
            "v": 3,
            "key": 0,
            "travel_time_s": 300.0,
            "travel_time_wet_s": 300.0,
            "walk_time_s": 900.0,
            "walk_time_wet_s": 900.0,
            "length_m": 2000.0,
            "road_class": "afirmado",
            "geometry": LineString([(X0, Y0), (X0 + 2000, Y0)]),
        },
    ]
    works = gpd.GeoDataFrame(
        {
            "work_type": ["bridge", "upgrade", "new_link"],
            "origin": "generated",
            "name": ["Puente", "Afirmado", "Trocha nueva"],
            "description": ["", "", ""],
            "length_m": [0.0, 6000.0, 2000.0],
            "span_m": [20.0, 0.0, 0.0],
            "cost": [100_000.0, 20_000.0, 5_000.0],
            "cofinancing_share": [0.5, 0.0, 0.0],
            "cost_net": [50_000.0, 20_000.0, 5_000.0],
        },
        index=pd.Index(["BRIDGE", "UPG", "NEW"], name="work_id"),
        geometry=[
            Point(X0 + 1500, Y0),
            LineString([(X0 + 3000, Y0), (X0 + 9000, Y0)]),
            LineString([(X0, Y0), (X0 + 2000, Y0)]),
        ],
        crs=CRS,
    )
    return WorkSet(works=works, changes=pd.DataFrame(changes))


# -- comparing with the reference -------------------------------------------------------


def assert_tables_equal(fast: pd.DataFrame, ref: pd.DataFrame) -> None:
    assert list(fast.columns) == list(ref.columns)
    assert fast.index.equals(ref.index)
    for col in fast.columns:
        a, b = fast[col], ref[col]
        if pd.api.types.is_numeric_dtype(a):
            np.testing.assert_allclose(
                a.to_numpy(float), b.to_numpy(float), rtol=1e-9, atol=1e-9, err_msg=col
            )
        else:
            assert a.equals(b), col


def assert_gains_equal(fast: pd.DataFrame, ref: pd.DataFrame) -> None:
    assert list(fast.columns) == list(ref.columns)
    assert len(fast) == len(ref)
    assert (
        fast[["work_id", "community_id"]].to_numpy() == ref[["work_id", "community_id"]].to_numpy()
    ).all()
    for col in fast.columns:
        if col.endswith(("_before", "_after")):
            a, b = fast[col].to_numpy(float), ref[col].to_numpy(float)
            assert np.array_equal(np.isinf(a), np.isinf(b)), col
            ok = np.isfinite(a)
            assert np.abs(a[ok] - b[ok]).max(initial=0) * 60 <= 1e-6, col  # 1e-6 s
    np.testing.assert_allclose(fast["person_min_saved"], ref["person_min_saved"], rtol=1e-9)


# -- exactness --------------------------------------------------------------------------


def test_every_sample_work_equals_full_recomputation(sample_network, sample_works):
    kinds = sample_works.works["work_type"].value_counts()
    assert kinds["upgrade"] > 150 and kinds["bridge"] > 50 and kinds["new_link"] == 10
    fast = ranking.evaluate_works(sample_network, sample_works)
    gains = ranking.work_gains(sample_network, sample_works)
    ref, ref_gains = ranking.evaluate_works_by_recomputation(sample_network, sample_works)
    assert_tables_equal(fast, ref)
    assert_gains_equal(gains, ref_gains)
    # not a vacuous comparison: many works help, bridges reconnect cut-off villages
    assert (fast["people_benefited"] > 0).sum() > 100
    bridges = fast[fast["work_type"] == "bridge"]
    assert (bridges["people_no_longer_cut_off_wet"] > 0).sum() > 20
    assert (fast.loc[fast["work_type"] == "new_link", "communities_gaining"] > 0).any()
    assert len(gains) > 300
    # a gain row says what changed: some time fell, none rose
    before = gains.filter(like="_min_before").to_numpy()
    after = gains.filter(like="_min_after").to_numpy()
    assert (after <= before).all() and (after < before).any(axis=1).all()


@pytest.fixture(scope="module")
def sample_candidates(sample_network, tmp_path_factory):
    """The candidates module's works on the sample region (and its split network)."""
    from connectivity.candidates import generate_candidates

    files = generate_sample_region(tmp_path_factory.mktemp("sample"), seed=42, size=1.0)
    network, works, rejected = generate_candidates(
        sample_network,
        dem_path=files.elevation_tif,
        waterways=osm.waterways_from_osm_file(files.roads_osm),
    )
    assert rejected.empty
    return network, works


@pytest.mark.parametrize("part", range(4))
def test_every_generated_candidate_equals_full_recomputation(sample_candidates, part):
    """Every candidate of the sample region, in four parts so test workers share them."""
    network, works = sample_candidates
    fast = ranking.evaluate_works(network, works)
    ids = works.ids[part::4]
    ref, ref_gains = ranking.evaluate_works_by_recomputation(network, works, ids=ids)
    assert_tables_equal(fast.loc[ids], ref)
    assert_gains_equal(ranking.work_gains(network, works.subset(ids)), ref_gains)


def test_generated_candidates_rank_and_fill_a_budget(sample_candidates):
    network, works = sample_candidates
    assert set(works.works["work_type"]) == {"upgrade", "new_link", "bridge"}
    fast = ranking.evaluate_works(network, works)
    helps = fast[fast["people_benefited"] > 0].groupby("work_type").size()
    assert (helps > 0).all() and len(helps) == 3
    result = ranking.rank_works(network, works, budget=3_000_000)
    assert 0 < result.portfolio["cost_net"].sum() <= 3_000_000
    assert result.ranking["name"].str.len().gt(0).all()  # names a person reads


def test_cusco_works_equal_full_recomputation(cusco_network):
    works = WorkSet.concat([route_works(cusco_network), hand_made_works(cusco_network, seed=3)])
    ids = works.ids[::5]  # a fifth of them (the recomputation is the slow part)
    fast = ranking.evaluate_works(cusco_network, works).loc[ids]
    ref, ref_gains = ranking.evaluate_works_by_recomputation(cusco_network, works, ids=ids)
    assert_tables_equal(fast, ref)
    assert_gains_equal(ranking.work_gains(cusco_network, works.subset(ids)), ref_gains)
    assert (fast["communities_gaining"] > 0).sum() >= 10
    assert len(ref_gains) >= 20


@pytest.fixture(scope="module")
def cusco_candidates(cusco_network, cusco_pbf):
    """The candidates module's works on the real Cusco network.

    Upgrades only: without a DEM no new links are made (and none would be with
    the contours' DEM: every village is near a road), and the extract has no fords.
    """
    from connectivity.candidates import generate_candidates

    network, works, _ = generate_candidates(
        cusco_network,
        waterways=osm.waterways_from_osm_file(cusco_pbf, polygon=CUSCO_AREA),
    )
    return network, works


def test_cusco_generated_candidates_equal_full_recomputation(cusco_candidates):
    network, works = cusco_candidates
    assert (works.works["work_type"] == "upgrade").sum() > 300
    ids = works.ids[::3]  # every third (the recomputation is the slow part)
    fast = ranking.evaluate_works(network, works).loc[ids]
    ref, ref_gains = ranking.evaluate_works_by_recomputation(network, works, ids=ids)
    assert_tables_equal(fast, ref)
    assert_gains_equal(ranking.work_gains(network, works.subset(ids)), ref_gains)
    # not vacuous: some of the compared works help real villages
    assert (fast["communities_gaining"] > 0).sum() >= 10
    assert len(ref_gains) >= 15


def test_measures_of_the_line_network_match_hand_computation():
    net = line_network()
    table = ranking.evaluate_works(net, line_works(net))
    b = table.loc["BRIDGE"]
    # wet season, before: A and B cut off (the ford). After: A 55 / 35 min, B 35 / 15 min
    # to market / school. Unreachable counts as CAP (480 min).
    assert b["market_wet_person_min_saved"] == pytest.approx(100 * (CAP - 55) + 50 * (CAP - 35))
    assert b["school_wet_person_min_saved"] == pytest.approx(100 * (CAP - 35) + 50 * (CAP - 15))
    assert b["market_dry_person_min_saved"] == 0 and b["school_dry_person_min_saved"] == 0
    assert b["market_wet_people_newly_within_30min"] == 0
    assert b["market_wet_people_newly_within_60min"] == 150
    assert b["school_wet_people_newly_within_30min"] == 50
    assert (
        b["people_no_longer_cut_off_wet"] == 150 and b["market_people_no_longer_cut_off_wet"] == 150
    )
    assert b["communities_gaining"] == 2 and b["people_benefited"] == 150
    wet_market, wet_school = 64_750.0, 67_750.0
    assert b["person_min_saved"] == pytest.approx(0.5 * wet_market + 0.5 * wet_school)
    assert b["score"] == pytest.approx(0.25 * (wet_market + wet_school))
    assert b["cost_net"] == 50_000 and b["cost_per_person_benefited"] == pytest.approx(50_000 / 150)
    assert b["minutes_saved_per_1000_soles"] == pytest.approx(66_250 / 50)
    assert b["score_per_1000"] == pytest.approx(33_125 / 50)
    assert b["currency"] == "PEN" and b["price_year"] == 2024

    u = table.loc["UPG"]
    # C: 666.7 -> 333.3 min to market and 686.7 -> 353.3 to school; only the part below the
    # cap counts: 480 - 333.3 and 480 - 353.3
    assert u["market_dry_person_min_saved"] == pytest.approx(10 * (CAP - 20_000 / 60))
    assert u["school_wet_person_min_saved"] == pytest.approx(10 * (CAP - 21_200 / 60))
    assert u["people_benefited"] == 10 and u["market_dry_people_newly_within_120min"] == 0

    n = table.loc["NEW"]
    # one-way link 1 -> 3 (5 min): A to school 20 -> 5 dry, inf -> 5 wet; to market 40 -> 25
    # dry, inf -> 25 wet. B gains in the wet season only, by going back to A (20 min) and
    # taking the link: market inf -> 45, school inf -> 25; in the dry season its own road to
    # the school (10 min) stays best. Nobody gains on the way back (the link is one way).
    assert n["school_dry_person_min_saved"] == pytest.approx(100 * 15)
    assert n["market_wet_person_min_saved"] == pytest.approx(100 * (CAP - 25) + 50 * (CAP - 45))
    assert n["school_wet_person_min_saved"] == pytest.approx(100 * (CAP - 5) + 50 * (CAP - 25))
    assert n["market_dry_people_newly_within_30min"] == 100
    assert n["school_dry_people_newly_within_30min"] == 0  # already within
    assert n["market_wet_people_newly_within_30min"] == 100  # B: 45 min
    assert n["communities_gaining"] == 2 and n["people_no_longer_cut_off_wet"] == 150

    gains = ranking.work_gains(net, line_works(net))
    row = gains[(gains["work_id"] == "NEW")].iloc[0]
    assert row["community_id"] == "A" and row["name"] == "Alta"
    assert row["market_dry_min_before"] == pytest.approx(40) and row["market_dry_min_after"] == 25
    assert math.isinf(row["school_wet_min_before"]) and row["school_wet_min_after"] == 5
    assert row["no_longer_cut_off_wet"]
    ref, ref_gains = ranking.evaluate_works_by_recomputation(net, line_works(net))
    assert_tables_equal(table, ref)
    assert_gains_equal(gains, ref_gains)


def test_score_weights_and_equity():
    net = line_network()
    works = line_works(net)
    section = RankingSection(
        market_weight=3,
        school_weight=1,
        wet_weight=1.0,
        equity_column="poverty",
        equity_strength=2.0,
    )
    table = ranking.evaluate_works(net, works, weights=section)
    # equity weights 1 + 2 x poverty: A 2, B 1; only the wet season counts; market 3/4
    market = 2 * 100 * (CAP - 55) + 1 * 50 * (CAP - 35)
    school = 2 * 100 * (CAP - 35) + 1 * 50 * (CAP - 15)
    assert table.loc["BRIDGE", "score"] == pytest.approx(0.75 * market + 0.25 * school)
    plain = ranking.evaluate_works(
        net, works, weights={"market_weight": 3, "school_weight": 1, "wet_weight": 1.0}
    )
    assert plain.loc["BRIDGE", "score"] < table.loc["BRIDGE", "score"]
    assert plain.loc["BRIDGE", "person_min_saved"] == table.loc["BRIDGE", "person_min_saved"]
    with pytest.raises(ConfigError, match=r"'income'.*columns are"):
        ranking.evaluate_works(
            net, works, weights={"equity_column": "income", "equity_strength": 1.0}
        )
    with pytest.raises(ConfigError, match="both 0"):
        ranking.ScoreWeights(market_weight=0, school_weight=0)
    with pytest.raises(ConfigError, match="unknown ranking weight"):
        ranking.ScoreWeights.from_config({"wet_share": 0.3})
    with pytest.raises(ConfigError, match="thresholds_min"):
        ranking.evaluate_works(net, works, thresholds_min=(30, -5))


def test_bad_works_are_refused_with_the_reason():
    net = line_network()
    works = line_works(net)
    slower = works.changes.copy()
    slower.loc[0, "travel_time_s"] = 5000.0
    with pytest.raises(DataError, match="BRIDGE makes edge"):
        ranking.evaluate_works(net, WorkSet(works=works.works, changes=slower))
    unknown = works.changes.copy()
    unknown.loc[4, "u"] = 99
    with pytest.raises(DataError, match="not in the network"):
        ranking.evaluate_works(net, WorkSet(works=works.works, changes=unknown))


# -- portfolio --------------------------------------------------------------------------


def test_line_network_portfolio_accounts_for_interactions():
    net = line_network()
    works = line_works(net)
    # NEW first (35,125 for 5,000: the best per sol); with it done the bridge only saves B
    # 10 min (45 -> 35 to market, 25 -> 15 to school in the wet season)
    pf = ranking.select_portfolio(net, works.subset(["BRIDGE", "NEW"]), budget=60_000)
    prog = pf.programme
    assert prog["work_id"].tolist() == ["NEW", "BRIDGE"]
    assert prog["score"].tolist() == pytest.approx([35_125, 0.25 * (50 * 10 + 50 * 10)])
    assert prog.loc[1, "score_alone"] == pytest.approx(33_125)
    assert prog["cumulative_score"].iloc[-1] == pytest.approx(35_375)
    assert prog["cumulative_cost_net"].tolist() == [5_000, 55_000]
    assert prog["budget_left"].tolist() == [55_000, 5_000]
    assert prog["people_newly_benefited"].tolist() == [150, 0]
    assert prog["communities_gaining"].tolist() == [2, 1]
    assert prog["cumulative_people_benefited"].iloc[-1] == 150
    assert pf.spent == 55_000 and "2 work(s)" in pf.explanation
    after = pf.communities_after.set_index("community_id")
    assert (
        after.loc["A", "market_wet_min_after"] == 25
        and after.loc["B", "school_wet_min_after"] == 15
    )
    assert after.loc["A", "improved_by"] == "NEW" and after.loc["B", "improved_by"] == "NEW;BRIDGE"
    assert not after.loc["C", "gains"] and after.loc["C", "improved_by"] == ""
    # with all three: after NEW, the upgrade (1,367 for 20,000) beats the bridge (250 for
    # 50,000), which then no longer fits
    full = ranking.select_portfolio(net, works, budget=60_000).programme
    assert full["work_id"].tolist() == ["NEW", "UPG"]


def test_budget_below_every_work_gives_an_empty_programme(caplog, tmp_path):
    net = line_network()
    works = line_works(net)
    with caplog.at_level(logging.INFO, logger="connectivity.ranking"):
        pf = ranking.select_portfolio(net, works, budget=4_000)
    assert pf.programme.empty and list(pf.programme.columns) == list(ranking.PROGRAMME_COLUMNS)
    assert "smaller than the net cost of every work" in pf.explanation
    assert "NEW" in pf.explanation and "5,000 PEN" in pf.explanation
    assert "smaller than the net cost" in caplog.text
    result = ranking.rank_works(net, works, budget=0)
    assert result.portfolio.empty and "Empty programme" in result.explanation
    assert not result.ranking["in_portfolio"].any()
    paths = ranking.write_ranking_outputs(result, tmp_path, data_source="hand-made test network")
    assert len(pd.read_csv(tmp_path / "portfolio.csv")) == 0
    assert all(p.exists() for p in paths)
    with pytest.raises(ConfigError, match="budget must be >= 0"):
        ranking.select_portfolio(net, works, budget=-1)
    none = ranking.select_portfolio(net, works, budget=None)
    assert none.programme.empty and "No budget" in none.explanation


def test_ties_go_to_the_smaller_work_id():
    net = line_network()
    works = line_works(net)
    twin = works.subset(["NEW"])
    twin_works = twin.works.rename(index={"NEW": "A-NEW"})
    twin_changes = twin.changes.assign(work_id="A-NEW")
    both = WorkSet.concat([works, WorkSet(works=twin_works, changes=twin_changes)])
    pf = ranking.select_portfolio(net, both, budget=60_000)
    # the two identical links tie: "A-NEW" < "NEW"; once it is done the other adds nothing
    assert pf.programme["work_id"].tolist() == ["A-NEW", "UPG"]
    ranked = ranking.rank_works(net, both, budget=60_000).ranking
    assert ranked.index[:2].tolist() == ["A-NEW", "NEW"] and ranked["rank"].tolist() == [1, 2, 3, 4]


def test_sample_portfolio_is_exact_and_equals_plain_greedy(sample_network, sample_works):
    budget = 1_500_000.0
    lazy = ranking.select_portfolio(sample_network, sample_works, budget=budget)
    plain = ranking.select_portfolio(sample_network, sample_works, budget=budget, lazy=False)
    pd.testing.assert_frame_equal(lazy.programme, plain.programme)
    assert lazy.n_evaluations < plain.n_evaluations  # only works a choice can change
    prog = lazy.programme
    assert len(prog) >= 10 and prog["cost_net"].sum() <= budget
    # interactions are real here: some works gain more after another is done (two fords on
    # one road), some less (two works on one route)
    assert (prog["score"] > prog["score_alone"] * 1.5).any()
    # the final times are those of the network with the whole programme done
    done = apply_works(sample_network, sample_works, prog["work_id"].tolist())
    graph = routing.routing_graph_from_gdfs(
        done.nodes, done.edges, weights=list(ranking.SEASON_WEIGHTS.values())
    )
    after = pf_after = lazy.communities_after
    for kind in ranking.FACILITY_KINDS:
        layer = getattr(done, f"{kind}s")
        fac = dict(zip(layer["facility_id"], layer["node_id"], strict=True))
        for season, weight in ranking.SEASON_WEIGHTS.items():
            ref = (
                routing.nearest_facility(
                    graph, done.communities["node_id"].to_numpy(), fac, weight=weight
                )["time_s"].to_numpy()
                / 60
            )
            got = pf_after[f"{kind}_{season}_min_after"].to_numpy()
            finite = np.isfinite(ref)
            assert np.array_equal(np.isfinite(got), finite)
            assert np.abs(got[finite] - ref[finite]).max() * 60 <= 1e-6
    # cumulative score = the score of doing the whole programme at once
    joint = _joint_workset(sample_works, {"ALL": prog["work_id"].tolist()})
    whole = ranking.evaluate_works(sample_network, joint)
    assert prog["cumulative_score"].iloc[-1] == pytest.approx(whole.loc["ALL", "score"], rel=1e-9)
    assert after["gains"].sum() == whole.loc["ALL", "communities_gaining"]


def _joint_workset(works: WorkSet, groups: dict[str, list[str]]) -> WorkSet:
    """One work per group, doing every change of the group's works together."""
    rows, changes = [], []
    for gid, ids in groups.items():
        part = works.subset(ids)
        cost = float(part.works["cost"].sum())
        rows.append(
            {
                "work_id": gid,
                "work_type": "set",
                "origin": "test",
                "name": gid,
                "description": "",
                "length_m": 0.0,
                "span_m": 0.0,
                "cost": cost,
                "cofinancing_share": 0.0,
                "cost_net": float(part.works["cost_net"].sum()),
                "geometry": None,
            }
        )
        changes.append(part.changes.assign(work_id=gid))
    table = gpd.GeoDataFrame(
        pd.DataFrame(rows).set_index("work_id"), geometry="geometry", crs=works.works.crs
    )
    return WorkSet(works=table, changes=pd.concat(changes, ignore_index=True))


def test_greedy_against_exhaustive_search_on_12_works(sample_network, sample_works, repo_root):
    # twelve works that interact: those whose gain changed most inside a larger programme
    big = ranking.select_portfolio(sample_network, sample_works, budget=3_000_000).programme
    change = (big["score"] - big["score_alone"]).abs()
    ids = sorted(big.loc[change.sort_values(ascending=False).index[:12], "work_id"])
    works = sample_works.subset(ids)
    subsets = {
        "S" + "".join("1" if i in combo else "0" for i in ids): list(combo)
        for r in range(1, len(ids) + 1)
        for combo in itertools.combinations(ids, r)
    }
    joint = ranking.evaluate_works(sample_network, _joint_workset(works, subsets))
    total = float(works.works["cost_net"].sum())
    report = []
    for share in (0.2, 0.35, 0.5, 0.7):
        budget = share * total
        greedy = ranking.select_portfolio(sample_network, works, budget=budget).programme
        feasible = joint[joint["cost_net"] <= budget]
        best = feasible["score"].idxmax()
        optimum = float(feasible.loc[best, "score"])
        got = float(greedy["cumulative_score"].iloc[-1])
        gap = 1 - got / optimum
        report.append(
            f"budget {share:.0%} of all: greedy {got:,.0f}, best {optimum:,.0f} "
            f"({len(subsets[best])} works of {len(feasible)} feasible subsets), "
            f"gap {gap:.1%}"
        )
        # the greedy programme is one of the subsets, and its joint score is the greedy total
        mine = "S" + "".join("1" if i in set(greedy["work_id"]) else "0" for i in ids)
        assert joint.loc[mine, "score"] == pytest.approx(got, rel=1e-9)
        assert optimum >= got * (1 - 1e-12)
        assert gap <= 0.25, report[-1]
    text = "greedy vs exhaustive search, 12 interacting works:\n  " + "\n  ".join(report)
    log.info("%s", text)
    artifacts = repo_root / "test-artifacts"
    artifacts.mkdir(exist_ok=True)
    atomic_write_text(artifacts / "greedy_gap.txt", text + "\n")
    # the joint evaluation of a subset is itself exact
    ref, _ = ranking.evaluate_works_by_recomputation(
        sample_network, _joint_workset(works, {best: subsets[best]})
    )
    assert ref.loc[best, "score"] == pytest.approx(optimum, rel=1e-9)


# -- outputs ----------------------------------------------------------------------------


def test_rank_works_writes_tables_and_geopackage(sample_network, sample_works, tmp_path):
    result = ranking.rank_works(sample_network, sample_works, budget=800_000)
    again = ranking.rank_works(sample_network, sample_works, budget=800_000)
    pd.testing.assert_frame_equal(result.ranking, again.ranking)  # deterministic
    ranked = result.ranking
    assert ranked["rank"].tolist() == list(range(1, len(sample_works) + 1))
    helps = ranked[ranked["score"] > 0]
    assert helps["score_per_1000"].is_monotonic_decreasing
    assert (ranked["in_portfolio"] == (ranked["portfolio_order"] > 0)).all()
    assert ranked["in_portfolio"].sum() == len(result.portfolio) > 0
    assert set(result.gains["work_id"]) <= set(ranked.index)
    assert result.gains["rank"].is_monotonic_increasing
    assert "Top 20 work(s)" in result.explanation and "480" in result.explanation

    paths = ranking.write_ranking_outputs(
        result, tmp_path / "out", data_source="synthetic sample region"
    )
    names = sorted(p.name for p in paths)
    assert names == [
        "gains.csv",
        "portfolio.csv",
        "ranking.csv",
        "ranking.gpkg",
        "ranking_explanation.txt",
    ]
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == names  # no temp files left
    csv = pd.read_csv(tmp_path / "out" / "ranking.csv")
    assert csv["work_id"].tolist() == ranked.index.tolist()
    assert (csv["currency"] == "PEN").all() and (csv["price_year"] == 2024).all()
    assert (csv["data_source"] == "synthetic sample region").all()
    portfolio = pd.read_csv(tmp_path / "out" / "portfolio.csv")
    assert portfolio["cumulative_cost_net"].iloc[-1] <= 800_000
    gains = pd.read_csv(tmp_path / "out" / "gains.csv")
    assert {"community_id", "market_wet_min_before", "market_wet_min_after", "currency"} <= set(
        gains.columns
    )
    assert np.isinf(gains["market_wet_min_before"]).any()  # unreachable is written as inf
    gpkg = tmp_path / "out" / "ranking.gpkg"
    layers = dict(pyogrio.list_layers(gpkg).tolist())
    assert {"candidates", "portfolio", "communities", "roads", "provenance"} <= set(layers)
    cand = gpd.read_file(gpkg, layer="candidates")
    assert len(cand) == len(sample_works) and cand.crs == sample_network.crs
    chosen = gpd.read_file(gpkg, layer="portfolio")
    assert chosen["work_id"].tolist() == result.portfolio["work_id"].tolist()
    comm = gpd.read_file(gpkg, layer="communities")
    assert len(comm) == len(sample_network.communities)
    assert (comm["school_dry_min_after"] <= comm["school_dry_min_before"]).all()
    assert comm["gains"].sum() > 0
    prov = gpd.read_file(gpkg, layer="provenance")
    assert dict(zip(prov["key"], prov["value"], strict=True))["currency"] == "PEN"


def test_quick_ranking_benchmark_runs_and_agrees(repo_root, tmp_path):
    import json
    import subprocess
    import sys

    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "bench",
            "--quick",
            "--only",
            "ranking",
            "--results-dir",
            str(tmp_path),
        ],
        cwd=repo_root,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr[-2000:]
    results = {r["name"]: r for r in json.loads((tmp_path / "ranking.json").read_text())["results"]}
    equal = [r for name, r in results.items() if "max " in name]
    assert len(equal) == 4 and all(r["status"] == "PASS" and r["value"] <= 1e-6 for r in equal)
    speed = [r for name, r in results.items() if "speed-up" in name]
    assert len(speed) == 2 and all(r["value"] > 1 for r in speed)
    assert any(name.startswith("real pipeline: rank_works") for name in results)
