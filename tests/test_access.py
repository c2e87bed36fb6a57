"""Access measures on a small network whose answers are worked out by hand."""

from __future__ import annotations

import math

import geopandas as gpd
import networkx as nx
import numpy as np
import pandas as pd
import pytest
from shapely.geometry import Point

from connectivity.access import access_summary, community_access, weighted_median
from connectivity.errors import DataError
from connectivity.network import build_network

CRS = "EPSG:32718"
X0, Y0 = 500_000.0, 8_500_000.0


def _net():
    """A paved road 1-2 (10 km), a trocha 2-3 (3 km), a path 3-4 (2 km), and an isolated track."""
    g = nx.MultiDiGraph(crs=CRS)
    pos = {
        1: (0, 0),
        2: (10_000, 0),
        3: (13_000, 0),
        4: (15_000, 0),
        8: (0, 40_000),
        9: (2_000, 40_000),
    }
    for n, (x, y) in pos.items():
        g.add_node(n, x=X0 + x, y=Y0 + y)
    for u, v, tags in [
        (1, 2, {"highway": "primary", "surface": "asphalt"}),
        (2, 3, {"highway": "track", "tracktype": "grade4"}),
        (3, 4, {"highway": "path"}),
        (8, 9, {"highway": "track"}),
    ]:
        g.add_edge(u, v, **tags)
        g.add_edge(v, u, **tags)

    def pts(rows, id_col):
        return gpd.GeoDataFrame(
            {
                id_col: [r[0] for r in rows],
                "population": [r[3] for r in rows],
                "district": [r[4] for r in rows],
            },
            geometry=[Point(X0 + r[1], Y0 + r[2]) for r in rows],
            crs=CRS,
        )

    communities = pts(
        [
            ("town", 0, 0, 1000, "A"),  # at the market
            ("road", 10_000, 0, 200, "A"),  # end of the paved road
            ("trocha", 13_000, 0, 100, "B"),  # end of the trocha
            ("path", 15_000, 0, 50, "B"),  # end of the path
            ("island", 1_000, 40_000, 30, "B"),  # on a piece with no market
        ],
        "community_id",
    )
    markets = pts([("M1", 0, 0, 0, "A")], "facility_id")
    schools = pts([("S1", 13_000, 0, 0, "B")], "facility_id")
    return build_network(g, communities=communities, markets=markets, schools=schools, crs=CRS)


@pytest.fixture(scope="module")
def access():
    return community_access(_net(), thresholds_min=(30, 60, 120)).set_index("community_id")


def test_minutes_to_market_match_hand_computation(access):
    paved = 10_000 / (60 / 3.6) / 60  # 10 min
    trocha_dry = 3_000 / (15 / 3.6) / 60  # 12 min
    trocha_wet_walk = 3_000 / (5 * 0.85 / 3.6) / 60  # walked in the rains
    paved_wet = 10_000 / (60 * 0.9 / 3.6) / 60
    path_dry = 2_000 / (5 / 3.6) / 60
    path_wet = 2_000 / (5 * 0.75 / 3.6) / 60
    assert access.loc["town", "market_dry_min"] == pytest.approx(0.0, abs=1e-9)
    assert access.loc["road", "market_dry_min"] == pytest.approx(paved)
    assert access.loc["trocha", "market_dry_min"] == pytest.approx(paved + trocha_dry)
    assert access.loc["path", "market_dry_min"] == pytest.approx(paved + trocha_dry + path_dry)
    assert access.loc["path", "market_wet_min"] == pytest.approx(
        paved_wet + trocha_wet_walk + path_wet
    )
    assert access.loc["trocha", "market_dry_id"] == "M1"
    # walking only: 15 km at 5 km/h on flat ground
    assert access.loc["path", "market_walk_dry_min"] == pytest.approx(15_000 / (5 / 3.6) / 60)
    assert access.loc["path", "market_walk_dry_id"] == "M1"
    assert not access.loc["path", "market_walk_dry_within_120min"]  # 180 min on foot
    assert access.loc["town", "market_walk_dry_within_30min"]


def test_unreachable_is_inf_with_no_facility_never_zero(access):
    assert math.isinf(access.loc["island", "market_dry_min"])
    assert pd.isna(access.loc["island", "market_dry_id"])
    assert not access.loc["island", "market_dry_within_120min"]


def test_threshold_flags_and_all_season_distance(access):
    assert access.loc["trocha", "market_dry_within_30min"]
    assert (
        not access.loc["path", "market_wet_within_30min"]
        or access.loc["path", "market_wet_min"] <= 30
    )
    assert access.loc["path", "school_dry_min"] == pytest.approx(2_000 / (5 / 3.6) / 60)
    # all-season road = the paved road; the path's end is 5 km from its end
    assert access.loc["path", "all_season_road_m"] == pytest.approx(5_000.0)
    assert access.loc["road", "all_season_road_m"] == pytest.approx(0.0)
    assert access.loc["trocha", "near_all_season_road"] == False  # noqa: E712 (3 km)


def test_summary_weighs_by_population(access):
    summary = access_summary(access.reset_index(), thresholds_min=(30, 60, 120))
    region = summary.set_index("area").loc["region"]
    assert region["population"] == 1380
    reach = access["market_dry_min"].to_numpy()
    pop = access["population"].to_numpy(dtype=float)
    ok = np.isfinite(reach)
    assert region["market_dry_mean_min"] == pytest.approx(np.average(reach[ok], weights=pop[ok]))
    assert region["market_dry_unreachable_people"] == 30
    assert region["communities"] == len(access)
    walk = access["market_walk_dry_min"].to_numpy()
    ok_walk = np.isfinite(walk)
    assert region["market_walk_dry_mean_min"] == pytest.approx(
        np.average(walk[ok_walk], weights=pop[ok_walk])
    )
    assert region["market_dry_people_within_30min"] == pytest.approx(pop[reach <= 30].sum())
    # RAI: town (0 m) and road (0 m) are within 2 km of the paved road
    assert region["rural_access_index"] == pytest.approx(1200 / 1380)
    districts = summary.set_index("area")
    assert districts.loc["district:A", "population"] == 1200
    assert districts.loc["district:B", "population"] == 180


def test_weighted_median_counts_unreachable_as_largest():
    assert weighted_median(np.array([5.0, np.inf, 10.0]), np.array([1.0, 10.0, 1.0])) == np.inf
    assert math.isnan(weighted_median(np.array([1.0]), np.array([0.0])))


def test_no_markets_is_a_clear_error():
    net = _net()
    empty = net.markets.iloc[0:0]
    from dataclasses import replace

    with pytest.raises(DataError, match="no markets in the region"):
        community_access(replace(net, markets=empty))
