"""Any number of destination kinds: health and a region's own kind beside markets and schools.

The five-node line network (ranking_cases.line_network) gets a health post at
node 1 (community A's node) and a "bank" at node 3 (with the school), so that
the works gain differently for each kind; the bridge over the 2-3 ford opens
the way from A and B to the bank in floods.
"""

from __future__ import annotations

from dataclasses import replace

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
from ranking_cases import (
    HALF_YEAR,
    assert_gains_equal,
    assert_tables_equal,
    line_network,
    line_works,
)

from connectivity import access, ranking
from connectivity.errors import ConfigError
from connectivity.network import RoadNetwork
from connectivity.ranking.appraisal import AppraisalParameters, TripRate, appraise_works

WEIGHTS = {
    **HALF_YEAR,
    "market_weight": 0.4,
    "school_weight": 0.3,
    "health_weight": 0.2,
    "destination_weights": {"bank": 0.1},
}


def _four_kinds() -> RoadNetwork:
    net = line_network()
    nodes = net.nodes

    def at(fid: str, node: int) -> gpd.GeoDataFrame:
        return gpd.GeoDataFrame(
            {"facility_id": [fid], "node_id": [node]},
            geometry=[nodes.loc[node, "geometry"]],
            crs=nodes.crs,
        )

    return replace(net, facilities={**net.facilities, "health": at("H", 1), "bank": at("B", 3)})


def _only(net: RoadNetwork, kind: str) -> RoadNetwork:
    return replace(net, facilities={kind: net.facilities[kind]})


def test_kinds_follow_the_network():
    net = _four_kinds()
    assert net.kinds == ("market", "school", "health", "bank")
    table = ranking.evaluate_works(net, line_works(net), weights=WEIGHTS)
    for kind in net.kinds:
        for season in ranking.SEASONS:
            assert f"{kind}_{season}_person_min_saved" in table.columns
        assert f"{kind}_people_no_longer_cut_off_wet" in table.columns
    # A and B reach the bank at node 3 in floods only over the bridge: 150 people no longer
    # cut off from it (C's trip is over the 480-minute cap either way)
    assert table.loc["BRIDGE", "bank_people_no_longer_cut_off_wet"] == 150
    assert table.loc["BRIDGE", "bank_wet_person_min_saved"] == pytest.approx(
        100 * (480 - 35) + 50 * (480 - 15)  # bridge 15 min, 1-2 20 min wet
    )
    # the health post is at A's node: B goes there away from the bridge; C gains from the
    # upgrade of 4-5 in the dry season, 706.7 -> 373.3 min counted from the 480-minute cap
    health = table.filter(like="health_").filter(like="person_min_saved")
    assert (health.loc["BRIDGE"] == 0).all()
    assert table.loc["UPG", "health_dry_person_min_saved"] == pytest.approx(
        10 * (480 - (20_000 + 2_400) / 60)
    )


def test_the_score_adds_each_kind_by_its_share():
    """With four kinds the score is Σ_k share_k × (the score of kind k alone)."""
    net = _four_kinds()
    works = line_works(net)
    table = ranking.evaluate_works(net, works, weights=WEIGHTS)
    shares = dict(zip(net.kinds, (0.4, 0.3, 0.2, 0.1), strict=True))
    expected = np.zeros(len(table))
    for kind in net.kinds:
        alone = ranking.evaluate_works(_only(net, kind), works, weights=WEIGHTS)
        expected += shares[kind] * alone["score"].to_numpy()
        np.testing.assert_allclose(
            table[f"{kind}_wet_person_min_saved"], alone[f"{kind}_wet_person_min_saved"]
        )
    np.testing.assert_allclose(table["score"].to_numpy(), expected, rtol=1e-12)
    # weights are normalised over the kinds the network has: without the bank the three others
    # keep their proportions (0.4 : 0.3 : 0.2)
    three = replace(net, facilities={k: net.facilities[k] for k in net.kinds[:3]})
    t3 = ranking.evaluate_works(three, works, weights=WEIGHTS)
    by_kind = {
        k: ranking.evaluate_works(_only(net, k), works, weights=WEIGHTS)["score"] for k in net.kinds
    }
    np.testing.assert_allclose(
        t3["score"].to_numpy(),
        sum(shares[k] / 0.9 * by_kind[k].to_numpy() for k in net.kinds[:3]),
        rtol=1e-12,
    )


def test_four_kinds_equal_full_recomputation():
    net = _four_kinds()
    works = line_works(net)
    fast = ranking.evaluate_works(net, works, weights=WEIGHTS)
    gains = ranking.work_gains(net, works, weights=WEIGHTS)
    ref, ref_gains = ranking.evaluate_works_by_recomputation(net, works, weights=WEIGHTS)
    assert_tables_equal(fast, ref)
    assert_gains_equal(gains, ref_gains)


def test_a_kind_with_no_weight_or_no_facility_is_a_clear_error():
    net = _four_kinds()
    works = line_works(net)
    with pytest.raises(ConfigError, match="no ranking weight for destination kind 'bank'"):
        ranking.evaluate_works(net, works, weights=HALF_YEAR)
    empty = replace(net, facilities={**net.facilities, "bank": net.facilities["bank"].iloc[0:0]})
    with pytest.raises(Exception, match="no bank facilities in the region"):
        ranking.evaluate_works(empty, works, weights=WEIGHTS)
    with pytest.raises(Exception, match="no bank facilities in the region"):
        access.community_access(empty)


def test_access_tables_have_every_kind():
    net = _four_kinds()
    net = replace(net, edges=net.edges.assign(all_season=False))
    table = access.community_access(net, thresholds_min=(30,))
    assert access.kinds_of(table) == net.kinds
    summary = access.access_summary(table, thresholds_min=(30,))
    assert access.kinds_of_summary(summary.iloc[0]) == net.kinds
    # B is 10 minutes from the bank in the dry season, cut off in floods; A lives at the post
    by_id = table.set_index("community_id")
    assert by_id.loc["B", "bank_dry_min"] == 10
    assert by_id.loc["B", "bank_wet_min"] == np.inf
    assert by_id.loc["A", "health_wet_min"] == 0


def test_the_appraisal_counts_each_kind_by_its_trips():
    """A work's yearly hours are Σ over kinds of that kind's trips × its minutes saved."""
    net = _four_kinds()
    works = line_works(net)
    table = ranking.evaluate_works(net, works, weights=WEIGHTS)
    base = dict(
        value_of_time_per_hour=6.0,
        value_of_time_source="test",
        household_size=5.0,
        school_age_share=0.2,
    )
    trips = {
        "market": TripRate(52.0, "household"),
        "school": TripRate(180.0, "child"),
        "health": TripRate(2.0, "person"),
        "bank": TripRate(12.0, "person"),
    }
    shares = ranking.ScoreWeights.from_config(WEIGHTS).season_shares()
    full = appraise_works(table, works.works, AppraisalParameters(**base, trips=trips), shares)
    per_person = {"market": 52.0 / 5.0, "school": 180.0 * 0.2, "health": 2.0, "bank": 12.0}
    hours = np.zeros(len(table))
    for kind, rate in per_person.items():
        for season, share in zip(ranking.SEASONS, shares, strict=True):
            hours += share * rate * 2 * table[f"{kind}_{season}_person_min_saved"].to_numpy() / 60
    np.testing.assert_allclose(full["hours_saved_per_year"].to_numpy(), hours, rtol=1e-12)
    assert (table["bank_wet_person_min_saved"] > 0).any()
    without_bank = {k: v for k, v in trips.items() if k != "bank"}
    with pytest.raises(ConfigError, match=r"no trip rate for destination kind\(s\) \['bank'\]"):
        appraise_works(table, works.works, AppraisalParameters(**base, trips=without_bank), shares)


def test_explanation_names_every_kind():
    net = _four_kinds()
    result = ranking.rank_works(net, line_works(net), budget=None, weights=WEIGHTS)
    assert result.kinds == net.kinds
    text = result.explanation
    assert "to a health facility:" in text and "to a bank:" in text
    assert "market, school, health facility and bank" in text
    assert "market 40% / school 30% / health 20% / bank 10%" in text
    assert isinstance(result.ranking, pd.DataFrame)
