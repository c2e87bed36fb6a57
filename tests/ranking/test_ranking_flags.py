"""Flags: the assumptions behind each work's gain (connectivity.ranking.flags).

A hand-made network small enough to know every flag in advance: a main road
with the market and the school, a community far from any road, and a small
piece of road 3 km away that joins the rest nowhere, with a village whose
population is a per-type minimum.
"""

from __future__ import annotations

import geopandas as gpd
import networkx as nx
import numpy as np
import pandas as pd
import pytest
from shapely.geometry import LineString, Point

from connectivity import ranking
from connectivity.network import RoadNetwork, build_network
from connectivity.ranking.flags import add_community_facts, describe_flags, work_flags
from connectivity.works import WEIGHTS, WorkSet

CRS = "EPSG:32718"
X0, Y0 = 500_000.0, 8_500_000.0
NODES = {1: (0, 0), 2: (8_000, 0), 3: (16_000, 0), 10: (16_000, 3_000), 11: (18_000, 3_000)}


def _points(rows: list[tuple[object, ...]], columns: list[str]) -> gpd.GeoDataFrame:
    frame = pd.DataFrame([r[2:] for r in rows], columns=columns)
    return gpd.GeoDataFrame(frame, geometry=[Point(X0 + r[0], Y0 + r[1]) for r in rows], crs=CRS)


def _network(*, market_on_island: bool = False) -> RoadNetwork:
    """Main road 1-2-3 (market and school at 3) and a small piece 10-11 (the island)."""
    g = nx.MultiDiGraph(crs=CRS)
    for n, (x, y) in NODES.items():
        g.add_node(n, x=X0 + x, y=Y0 + y)
    for u, v in ((1, 2), (2, 3), (10, 11)):
        for a, b in ((u, v), (v, u)):
            g.add_edge(a, b, highway="track", name=f"via {u}-{v}")
    communities = _points(
        [
            (100, 20, "A", 100.0, "file"),
            (0, -5_000, "far", 40.0, "file"),  # 5 km from the road: far_from_road
            (18_000, 20 + 3_000, "isle", 30.0, "place_type_minimum"),
        ],
        ["community_id", "population", "population_source"],
    )
    markets = [(16_000, 20, "M")] + ([(18_000, 3_010, "M2")] if market_on_island else [])
    return build_network(
        g,
        communities=communities,
        markets=_points(markets, ["facility_id"]),
        schools=_points([(16_000, -20, "S")], ["facility_id"]),
        crs=CRS,
        max_connector_m=2_000.0,
    )


def _works(net: RoadNetwork) -> WorkSet:
    """LINK joins the island (node 10) to node 3; UPG halves the times of the road 1-2;
    BRG is a bridge at an inferred crossing on 2-3 (changes nothing: nobody gains)."""
    e = net.edges
    road = e[e["road_class"] != "connector"]
    ends = np.c_[road.index.get_level_values(0), road.index.get_level_values(1)]
    x = net.nodes["x"].to_dict()
    west = [k for k, (u, v) in zip(road.index, ends, strict=True) if max(x[u], x[v]) <= X0 + 8_000]
    east = [k for k, (u, v) in zip(road.index, ends, strict=True) if min(x[u], x[v]) >= X0 + 8_000]
    changes: list[dict[str, object]] = []
    for key in west:
        w = {c: float(e.loc[key, c]) for c in WEIGHTS}
        w["travel_time_s"] /= 2
        w["travel_time_wet_s"] /= 2
        changes.append({"work_id": "UPG", "action": "replace", "u": key[0], "v": key[1],
                        "key": key[2], **w, "length_m": float(e.loc[key, "length_m"]),
                        "road_class": "afirmado", "geometry": None})  # fmt: skip
    for key in east[:2]:
        w = {c: float(e.loc[key, c]) for c in WEIGHTS}
        changes.append({"work_id": "BRG", "action": "replace", "u": key[0], "v": key[1],
                        "key": key[2], **w, "length_m": float(e.loc[key, "length_m"]),
                        "road_class": "trocha", "geometry": None})  # fmt: skip
    for u, v in ((10, 3), (3, 10)):
        line = LineString([net.nodes.loc[u, "geometry"], net.nodes.loc[v, "geometry"]])
        changes.append({"work_id": "LINK", "action": "add", "u": u, "v": v, "key": 0,
                        "travel_time_s": 300.0, "travel_time_wet_s": 400.0,
                        "walk_time_s": 2_000.0, "walk_time_wet_s": 2_400.0,
                        "length_m": line.length, "road_class": "afirmado",
                        "geometry": line})  # fmt: skip
    works = gpd.GeoDataFrame(
        {
            "work_type": ["new_link", "upgrade", "bridge"],
            "origin": "generated",
            "name": ["Trocha a la isla", "Afirmado 1-2", "Puente 2-3"],
            "description": "",
            "length_m": [3_000.0, 8_000.0, 0.0],
            "span_m": [0.0, 0.0, 30.0],
            "cost": [300_000.0, 400_000.0, 1_000_000.0],
            "cofinancing_share": 0.0,
            "cost_net": [300_000.0, 400_000.0, 1_000_000.0],
            "crossing": ["", "", "inferred"],
        },
        index=pd.Index(["LINK", "UPG", "BRG"], name="work_id"),
        geometry=[
            LineString([(X0 + 16_000, Y0 + 3_000), (X0 + 16_000, Y0)]),
            LineString([(X0, Y0), (X0 + 8_000, Y0)]),
            Point(X0 + 12_000, Y0),
        ],
        crs=CRS,
    )
    return WorkSet(works=works, changes=pd.DataFrame(changes))


@pytest.fixture(scope="module")
def island() -> tuple[RoadNetwork, WorkSet]:
    net = _network()
    return net, _works(net)


def test_the_network_knows_which_communities_a_small_piece_cuts_off(island) -> None:
    net, _ = island
    c = net.communities.set_index("community_id")
    assert c["component"].to_dict() == {"A": 0, "far": 0, "isle": 1}
    assert c["main_piece"].to_dict() == {"A": True, "far": True, "isle": False}
    assert c["market_cut_off_piece"].to_dict() == {"A": False, "far": False, "isle": True}
    assert c["school_cut_off_piece"].to_dict() == {"A": False, "far": False, "isle": True}
    assert c["far_from_road"].to_dict() == {"A": False, "far": True, "isle": False}
    # a small piece with its own market is cut off from schools only
    own = _network(market_on_island=True).communities.set_index("community_id")
    assert not own.loc["isle", "main_piece"]
    assert not own.loc["isle", "market_cut_off_piece"] and own.loc["isle", "school_cut_off_piece"]


def test_each_work_is_flagged_by_what_its_beneficiaries_and_itself_carry(island) -> None:
    net, works = island
    works.validate(net)
    gains = ranking.work_gains(net, works)
    assert set(gains.loc[gains["work_id"] == "LINK", "community_id"]) == {"isle"}
    assert set(gains.loc[gains["work_id"] == "UPG", "community_id"]) == {"A", "far"}
    assert "BRG" not in set(gains["work_id"])
    flags = work_flags(works, gains, net.communities)
    assert flags.to_dict() == {
        "LINK": "disconnected_piece;estimated_population",
        "UPG": "far_from_road",
        "BRG": "inferred_crossing",
    }
    # counted populations and a connected island raise nothing
    counted = net.communities.assign(population_source="file", market_cut_off_piece=False)
    counted["school_cut_off_piece"] = False
    assert work_flags(works, gains, counted)["LINK"] == ""
    # a hand-made network without the columns: only the works' own facts
    bare = net.communities[["community_id", "population", "geometry"]]
    assert work_flags(works, gains, bare).to_dict() == {
        "LINK": "",
        "UPG": "",
        "BRG": "inferred_crossing",
    }


def test_a_piece_with_its_own_facilities_is_not_a_disconnected_piece_gain() -> None:
    net = _network(market_on_island=True)
    works = _works(net)
    gains = ranking.work_gains(net, works)
    link = gains[gains["work_id"] == "LINK"]
    # the island reaches its own market already: the link gains it only the school
    assert np.isfinite(link["market_dry_min_before"]).all()
    assert np.isinf(link["school_dry_min_before"]).all()
    assert "disconnected_piece" in work_flags(works, gains, net.communities)["LINK"]
    # with its own school too, the link only shortens trips: no flag
    has_school = net.communities.assign(school_cut_off_piece=False)
    assert "disconnected_piece" not in work_flags(works, gains, has_school)["LINK"]


def test_ranking_gains_and_explanation_carry_the_flags(island) -> None:
    net, works = island
    result = ranking.rank_works(net, works, budget=2_000_000.0, weights={"top_n": 5})
    table = result.ranking
    assert table.loc["LINK", "flags"] == "disconnected_piece;estimated_population"
    assert table.loc["UPG", "flags"] == "far_from_road"
    assert table.loc["BRG", "flags"] == "inferred_crossing"
    cols = list(table.columns)
    assert cols.index("flags") == cols.index("origin") + 1  # read beside the work's type
    gains = result.gains.set_index(["work_id", "community_id"])
    assert gains.loc[("LINK", "isle"), "population_source"] == "place_type_minimum"
    assert gains.loc[("LINK", "isle"), "component"] == 1
    assert not gains.loc[("LINK", "isle"), "main_piece"]
    assert gains.loc[("UPG", "far"), "population_source"] == "file"
    assert bool(gains.loc[("UPG", "far"), "main_piece"])
    g = list(result.gains.columns)
    assert g[g.index("population") + 1 : g.index("population") + 4] == [
        "population_source",
        "component",
        "main_piece",
    ]
    text = result.explanation
    assert "Verify in the field: the gain comes from joining a small piece" in text
    assert "the population of some communities that gain is estimated" in text
    assert "far from any mapped road" in text


def test_flags_are_sorted_codes_and_say_themselves_in_words() -> None:
    works = WorkSet(
        gpd.GeoDataFrame(
            {"crossing": ["inferred", "ford"]}, index=pd.Index(["B1", "B2"], name="work_id")
        ),
        pd.DataFrame(),
    )
    comm = pd.DataFrame(
        {
            "community_id": ["a", "b"],
            "population_source": ["raster", "osm_tag"],
            "far_from_road": [True, False],
        }
    )
    gains = pd.DataFrame({"work_id": ["B1", "B2"], "community_id": ["a", "b"]})
    flags = work_flags(works, gains, comm)
    assert flags.tolist() == ["estimated_population;far_from_road;inferred_crossing", ""]
    assert describe_flags(flags["B2"]) == ""
    words = describe_flags(flags["B1"])
    assert words.startswith("verify in the field: ")
    assert "neither a bridge nor a ford" in words and "estimated, not counted" in words
    out = add_community_facts(gains.assign(population=[1.0, 2.0]), comm)
    assert out["population_source"].tolist() == ["raster", "osm_tag"]
    assert out["component"].tolist() == [0, 0] and out["main_piece"].all()
