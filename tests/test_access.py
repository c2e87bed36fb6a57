"""Access measures on a small network whose answers are worked out by hand."""

from __future__ import annotations

import math

import geopandas as gpd
import networkx as nx
import numpy as np
import pandas as pd
import pytest
from shapely.geometry import Point

from connectivity.access import (
    STAT_KEYS,
    UNREACHABLE_CAP_MIN,
    access_summary,
    community_access,
    describe_mean_minutes,
    travel_time_stats,
    weighted_median,
)
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
        community_access(replace(net, facilities={**net.facilities, "market": empty}))


def _hand_access(wet_market: list[float]) -> pd.DataFrame:
    """Four communities in two districts; dry minutes everywhere, wet as given for markets."""
    pop = [100.0, 200.0, 50.0, 150.0]
    dry = [10.0, 20.0, 40.0, 60.0]
    rows: dict[str, list] = {
        "community_id": ["a", "b", "c", "d"],
        "district": ["X", "X", "Y", "Y"],
        "population": pop,
        "near_all_season_road": [True, True, False, False],
    }
    for kind in ("market", "school"):
        wet = wet_market if kind == "market" else [12.0, 25.0, 45.0, 70.0]
        for mode in ("", "walk_"):
            rows[f"{kind}_{mode}dry_min"] = dry
            rows[f"{kind}_{mode}rain_min"] = dry  # rivers not in flood: fords passable
            rows[f"{kind}_{mode}wet_min"] = wet
        rows[f"{kind}_cut_off_wet"] = [not np.isfinite(w) for w in wet]
    return pd.DataFrame(rows)


def test_summary_says_who_each_mean_and_median_covers():
    """c (50 people) and d (150) are cut off in the rains: 40% with no route."""
    table = _hand_access([12.0, 25.0, np.inf, np.inf])
    summary = access_summary(table, thresholds_min=(30,), unreachable_cap_min=100.0)
    region = summary.set_index("area").loc["region"]
    reachable = (100 * 12 + 200 * 25) / 300  # 20.67: looks better than the dry season's 32
    assert region["market_wet_mean_min_reachable"] == pytest.approx(reachable)
    assert region["market_wet_mean_min"] == region["market_wet_mean_min_reachable"]
    assert region["market_wet_unreachable_people"] == 200
    assert region["market_wet_unreachable_share"] == pytest.approx(0.4)
    # everyone, the 200 cut off at the cap of 100 min
    assert region["market_wet_mean_min_unreachable_at_cap"] == pytest.approx(
        (100 * 12 + 200 * 25 + 200 * 100) / 500
    )
    assert region["unreachable_cap_min"] == 100.0
    # medians: 12 (100 people), 25 (200), cut off (200); the 250th person is at 25 min
    assert region["market_wet_median_min"] == 25.0
    assert region["market_wet_median_min_reachable"] == 25.0  # 150th of 300
    assert region["market_wet_median_min_unreachable_at_cap"] == 25.0
    # the dry season: nobody cut off, so both means are the same number
    dry = (100 * 10 + 200 * 20 + 50 * 40 + 150 * 60) / 500
    assert region["market_dry_mean_min_reachable"] == pytest.approx(dry)
    assert region["market_dry_mean_min_unreachable_at_cap"] == pytest.approx(dry)
    assert region["market_dry_unreachable_share"] == 0.0
    # walking only gets the same pair of means and the share
    assert region["market_walk_wet_mean_min_reachable"] == pytest.approx(reachable)
    assert region["market_walk_wet_mean_min"] == pytest.approx(reachable)
    assert region["market_walk_wet_unreachable_share"] == pytest.approx(0.4)
    assert region["market_walk_wet_mean_min_unreachable_at_cap"] == pytest.approx(
        (100 * 12 + 200 * 25 + 200 * 100) / 500
    )
    # district Y: everyone cut off; no mean of the reachable, all at the cap
    y = summary.set_index("area").loc["district:Y"]
    assert math.isnan(y["market_wet_mean_min_reachable"])
    assert y["market_wet_unreachable_share"] == 1.0
    assert y["market_wet_mean_min_unreachable_at_cap"] == 100.0
    assert y["market_wet_median_min"] == np.inf
    assert y["market_wet_median_min_unreachable_at_cap"] == 100.0
    assert math.isnan(y["market_wet_median_min_reachable"])


def test_most_cut_off_median_and_default_cap():
    table = _hand_access([12.0, np.inf, 30.0, np.inf])  # 350 of 500 people cut off
    region = access_summary(table, thresholds_min=(30,)).iloc[0]
    assert region["unreachable_cap_min"] == UNREACHABLE_CAP_MIN == 480.0
    assert region["market_wet_median_min"] == np.inf
    assert region["market_wet_median_min_unreachable_at_cap"] == 480.0
    assert region["market_wet_median_min_reachable"] == 12.0  # 12 (100 people), 30 (50)
    assert region["market_wet_mean_min_reachable"] == pytest.approx((100 * 12 + 50 * 30) / 150)
    assert region["market_wet_mean_min_unreachable_at_cap"] == pytest.approx(
        (100 * 12 + 50 * 30 + 350 * 480) / 500
    )
    assert region["market_wet_unreachable_share"] == pytest.approx(0.7)


def test_summary_columns_are_consistent_on_real_shaped_access(access):
    """Cut-off-inclusive figures >= reachable-only ones when anyone is cut off, equal if not."""
    summary = access_summary(access.reset_index(), thresholds_min=(30, 60, 120))
    assert_summary_consistent(summary)
    region = summary.iloc[0]
    # the island (30 of 1,380 people) has no market in any season
    assert region["market_dry_unreachable_share"] == pytest.approx(30 / 1380)
    assert region["market_dry_mean_min_unreachable_at_cap"] > region["market_dry_mean_min"]
    assert region["school_dry_unreachable_people"] == 30


def assert_summary_consistent(summary: pd.DataFrame, *, minutes_atol: float = 1e-3) -> None:
    """The checks every access summary must pass (also run on the sample and Cusco).

    ``minutes_atol``: 0.11 for a summary read from CSV, whose minutes are rounded to 0.1.
    """
    for kind in ("market", "school"):
        for mode, keys in (("", STAT_KEYS), ("walk_", _WALK_KEYS)):
            for season in ("dry", "wet"):
                p = f"{kind}_{mode}{season}"
                for key in ("mean_min", *keys):
                    assert f"{p}_{key}" in summary.columns, f"{p}_{key}"
                share = summary[f"{p}_unreachable_share"]
                np.testing.assert_allclose(
                    share * summary["population"], summary[f"{p}_unreachable_people"], atol=0.5
                )
                mean = summary[f"{p}_mean_min_reachable"]
                assert mean.equals(summary[f"{p}_mean_min"])
                at_cap = summary[f"{p}_mean_min_unreachable_at_cap"]
                some = share > 0
                none = share == 0
                # (a mean of everyone counts the cut off at the cap: it is the larger one
                # as long as the people with a route take less than the cap on average)
                under = some & ~(mean > summary["unreachable_cap_min"])
                assert (at_cap[under] >= mean[under].fillna(0.0)).all(), p
                np.testing.assert_allclose(at_cap[none], mean[none])
                # the mean of everyone is the weighted blend of the reachable and the cap
                cap = summary["unreachable_cap_min"]
                blend = (1 - share) * mean.fillna(0.0) + share * cap
                np.testing.assert_allclose(at_cap, blend, rtol=1e-9, atol=minutes_atol)
                if not mode:
                    med = summary[f"{p}_median_min_unreachable_at_cap"]
                    reach_med = summary[f"{p}_median_min_reachable"].fillna(0.0)
                    assert (med[under] >= reach_med[under]).all(), p


_WALK_KEYS = ("mean_min_reachable", "mean_min_unreachable_at_cap", "unreachable_people")


def test_cap_must_be_positive_and_matches_the_ranking_default():
    from connectivity.config import RankingSection
    from connectivity.errors import ConfigError
    from connectivity.ranking.measures import UNREACHABLE_CAP_MIN as RANKING_CAP

    table = _hand_access([12.0, 25.0, np.inf, np.inf])
    for bad in (0.0, -5.0, np.inf, np.nan):
        with pytest.raises(ConfigError, match="unreachable_cap_min"):
            access_summary(table, unreachable_cap_min=bad)
    assert UNREACHABLE_CAP_MIN == RankingSection().unreachable_cap_min == RANKING_CAP


def test_describe_mean_minutes_puts_the_share_cut_off_beside_the_mean():
    stats = travel_time_stats(
        np.array([12.0, 25.0, np.inf]), np.array([100.0, 200.0, 200.0]), unreachable_cap_min=480
    )
    text = describe_mean_minutes(stats, unreachable_cap_min=480)
    assert text == (
        "20.7 min on average (the 60% who can reach one; 200 people (40%) cut off, no route; "
        "204.4 min counting them at 480 min)"
    )
    few = travel_time_stats(np.array([5.0, np.inf]), np.array([9999.0, 1.0]))
    assert "1 person (<0.1%) cut off" in describe_mean_minutes(few, unreachable_cap_min=480)
    assert ">99.9% who can reach one" in describe_mean_minutes(few, unreachable_cap_min=480)
    nobody = travel_time_stats(np.array([np.inf]), np.array([10.0]))
    assert "everyone cut off" in describe_mean_minutes(nobody, unreachable_cap_min=480)
