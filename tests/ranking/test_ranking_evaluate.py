"""Evaluation of road works: the exact incremental search against full recomputation.

The incremental evaluation is checked against full recomputation
(``apply_works`` + routing) on every work of the synthetic sample region and
on works of the real Cusco network; a five-node network checks the measures
against numbers worked out by hand. Works come from
:func:`connectivity.works.generate_candidates` (sample region and Cusco)
and are also made by hand from the network (see ``ranking_cases``).
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from ranking_cases import (
    CAP,
    CUSCO_AREA,
    HALF_YEAR,
    assert_gains_equal,
    assert_tables_equal,
    hand_made_works,
    line_network,
    line_works,
    route_works,
)

from connectivity import ranking
from connectivity.errors import DataError
from connectivity.sample import generate_sample_region
from connectivity.sources import osm
from connectivity.works import WorkSet


@pytest.mark.parametrize(("min_gain_min", "min_rows"), [(5.0, 200), (0.0, 300)])
def test_every_sample_work_equals_full_recomputation(
    sample_network, sample_works, min_gain_min, min_rows
):
    """Exact with the default minimum gain (5 min) and with every change counted (0)."""
    kinds = sample_works.works["work_type"].value_counts()
    assert kinds["upgrade"] > 150 and kinds["bridge"] > 50 and kinds["new_link"] == 10
    weights = {"min_gain_min": min_gain_min}
    fast = ranking.evaluate_works(sample_network, sample_works, weights=weights)
    gains = ranking.work_gains(sample_network, sample_works, weights=weights)
    ref, ref_gains = ranking.evaluate_works_by_recomputation(
        sample_network, sample_works, weights=weights
    )
    assert_tables_equal(fast, ref)
    assert_gains_equal(gains, ref_gains)
    # not a vacuous comparison: many works help, bridges reconnect cut-off villages
    assert (fast["people_benefited"] > 0).sum() > 100
    bridges = fast[fast["work_type"] == "bridge"]
    assert (bridges["people_no_longer_cut_off_wet"] > 0).sum() > 20
    assert (fast.loc[fast["work_type"] == "new_link", "communities_gaining"] > 0).any()
    assert len(gains) > min_rows
    if min_gain_min:
        # no counted saving below the minimum: every gain row saves >= 5 min in some trip
        with np.errstate(invalid="ignore"):  # inf - inf: no route before or after
            saved = (
                gains.filter(like="_min_before").to_numpy()
                - gains.filter(like="_min_after").to_numpy()
            )
        assert (np.nan_to_num(saved, nan=0.0, posinf=1e9) >= min_gain_min - 1e-9).any(axis=1).all()
    # a gain row says what changed: some time fell, none rose
    before = gains.filter(like="_min_before").to_numpy()
    after = gains.filter(like="_min_after").to_numpy()
    assert (after <= before).all() and (after < before).any(axis=1).all()


@pytest.fixture(scope="module")
def sample_candidates(sample_network, tmp_path_factory):
    """The candidates module's works on the sample region (and its split network)."""
    from connectivity.works import generate_candidates

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
    # city streets save little: count every minute (the smallest minimum a config allows)
    weights = {"min_gain_min": 1.0}
    fast = ranking.evaluate_works(cusco_network, works, weights=weights).loc[ids]
    ref, ref_gains = ranking.evaluate_works_by_recomputation(
        cusco_network, works, ids=ids, weights=weights
    )
    assert_tables_equal(fast, ref)
    assert_gains_equal(
        ranking.work_gains(cusco_network, works.subset(ids), weights=weights), ref_gains
    )
    assert (fast["communities_gaining"] > 0).sum() >= 5
    assert len(ref_gains) >= 10


@pytest.fixture(scope="module")
def cusco_candidates(cusco_network, cusco_pbf):
    """The candidates module's works on the real Cusco network.

    Upgrades only: without a DEM no new links are made (and none would be with
    the contours' DEM: every village is near a road), and the extract has no fords.
    """
    from connectivity.works import generate_candidates

    network, works, _ = generate_candidates(
        cusco_network,
        waterways=osm.waterways_from_osm_file(cusco_pbf, polygon=CUSCO_AREA),
    )
    return network, works


def test_cusco_generated_candidates_equal_full_recomputation(cusco_candidates):
    network, works = cusco_candidates
    assert (works.works["work_type"] == "upgrade").sum() > 300
    ids = works.ids[::3]  # every third (the recomputation is the slow part)
    weights = {"min_gain_min": 1.0}  # city streets save little: count every minute
    fast = ranking.evaluate_works(network, works, weights=weights).loc[ids]
    ref, ref_gains = ranking.evaluate_works_by_recomputation(
        network, works, ids=ids, weights=weights
    )
    assert_tables_equal(fast, ref)
    assert_gains_equal(ranking.work_gains(network, works.subset(ids), weights=weights), ref_gains)
    # not vacuous: some of the compared works help real villages
    assert (fast["communities_gaining"] > 0).sum() >= 5
    assert len(ref_gains) >= 8


def test_measures_of_the_line_network_match_hand_computation():
    net = line_network()
    table = ranking.evaluate_works(net, line_works(net), weights=HALF_YEAR)
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
    ref, ref_gains = ranking.evaluate_works_by_recomputation(
        net, line_works(net), weights=HALF_YEAR
    )
    assert_tables_equal(table, ref)
    gains = ranking.work_gains(net, line_works(net), weights=HALF_YEAR)
    assert_gains_equal(gains, ref_gains)


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
