"""The annual, monetised appraisal, worked out by hand on the five-node line network.

Line network (ranking_cases.line_network): community A (100 people) at node 1,
B (50) at 2, the school at 3, the market at 4; 1-2 takes 600 s dry / 1,200 s
wet, 2-3 is a ford (600 s dry, impassable wet), 3-4 1,200 s.
"""

from __future__ import annotations

import math

import pytest
from ranking_cases import line_network
from test_ranking_rules import _works

from connectivity import ranking
from connectivity.config import load_region_config
from connectivity.errors import ConfigError
from connectivity.ranking.appraisal import AppraisalParameters, TripRate, appraise_works, eirr

PARAMS = AppraisalParameters(
    value_of_time_per_hour=6.0,
    value_of_time_source="test",
    trips={"market": TripRate(52.0, "household"), "school": TripRate(180.0, "child")},
    household_size=5.0,
    school_age_share=0.2,
    discount_rate=0.08,
    horizon_years=10,
    routine_per_km_year={"trocha": 500.0, "afirmado": 800.0},
    periodic_per_km={"afirmado": 2_000.0},
    periodic_every_years=5,
)


#: A year of 292 dry days and 73 with rivers in flood (no rains with fords passable)
DAYS = {"dry_days": 292.0, "rain_days": 0.0, "wet_days": 73.0}


def _upgrade_and_bridge():
    net = line_network()
    works = _works(
        net,
        {
            # 1-2 raised from trocha to afirmado: 600 -> 240 s dry, 1,200 -> 480 s wet
            "AFI": {"edges": {(1, 2): (240, 480)}, "cost": 20_000, "after": "afirmado"},
            # a bridge over the 2-3 ford: passable in the rains, 900 s
            "BRI": {"edges": {(2, 3): (600, 900)}, "cost": 50_000, "type": "bridge"},
        },
    )
    works.works.loc["BRI", ["length_m", "span_m", "class_before", "class_after"]] = [
        0.0,
        20.0,
        "",
        "",
    ]
    return net, works


def test_one_work_appraised_from_first_principles():
    net, works = _upgrade_and_bridge()
    result = ranking.rank_works(net, works, budget=None, appraisal=PARAMS, weights=DAYS)
    row = result.ranking.loc["AFI"]
    # By hand. A (100 people) saves 6 min a trip to school (1,200 -> 840 s) and to market
    # (2,400 -> 2,040 s) in the dry season; in the wet season A is cut off from both before
    # and after (the ford), B gains nothing. 6 min >= the 5 min a trip that count.
    market_trips = 52 / 5  # per person a year: a weekly trip per household of 5
    school_trips = 180 * 0.2  # per person a year: school days x school-age share
    dry_share = (365 - 73) / 365
    one_way_min = 100 * 6 * market_trips + 100 * 6 * school_trips
    hours = dry_share * 2 * one_way_min / 60  # there and back
    assert hours == pytest.approx(742.4)
    assert row["hours_saved_per_year"] == pytest.approx(hours, rel=1e-12)
    benefit = hours * 6.0
    assert row["benefit_per_year"] == pytest.approx(benefit, rel=1e-12)
    pv_b = sum(benefit / 1.08**t for t in range(1, 11))
    # 1 km: routine 800 - 500 a year more; re-gravelling 2,000 in years 5 and 10
    upkeep = {t: 300.0 + (2_000.0 if t in (5, 10) else 0.0) for t in range(1, 11)}
    pv_c = 20_000 + sum(m / 1.08**t for t, m in upkeep.items())
    assert row["pv_benefits"] == pytest.approx(pv_b, rel=1e-12)
    assert row["pv_costs"] == pytest.approx(pv_c, rel=1e-12)
    assert row["npv"] == pytest.approx(pv_b - pv_c, rel=1e-9)
    assert row["bc_ratio"] == pytest.approx(pv_b / pv_c, rel=1e-12)
    assert row["bc_ratio"] == pytest.approx(1.23, abs=0.01)
    # the EIRR makes the flows worth nothing
    rate = row["eirr"]
    flows = [-20_000.0] + [benefit - upkeep[t] for t in range(1, 11)]
    assert sum(f / (1 + rate) ** t for t, f in enumerate(flows)) == pytest.approx(0, abs=1e-6)
    assert rate > 0.08  # B/C above 1 at 8%: the rate of return is above 8%
    assert row["pv_cost_per_person_benefited"] == pytest.approx(pv_c / 100)
    # the same figures in the programme's columns
    result = ranking.rank_works(net, works, budget=100_000, appraisal=PARAMS, weights=DAYS)
    chosen = result.portfolio.set_index("work_id")
    assert chosen.loc["AFI", "npv"] == pytest.approx(pv_b - pv_c, rel=1e-9)


def test_a_ford_closed_20_days_a_year_weighs_20_of_365_days_not_half():
    net, works = _upgrade_and_bridge()
    table = ranking.evaluate_works(net, works)
    assert table.loc["BRI", "market_dry_person_min_saved"] == 0  # the ford is passable dry
    appraisal = {
        days: appraise_works(
            table, works.works, PARAMS, ranking.ScoreWeights(**year).season_shares()
        ).loc["BRI", "hours_saved_per_year"]
        for days, year in (
            (20, {"dry_days": 345.0, "rain_days": 0.0, "wet_days": 20.0}),
            (365, {"dry_days": 0.0, "rain_days": 0.0, "wet_days": 365.0}),
        )
    }
    assert appraisal[20] == pytest.approx(appraisal[365] * 20 / 365, rel=1e-12)
    # by hand: in the wet season A and B reach school and market over the bridge instead
    # of not at all (a trip with no route counts as 480 min one way)
    a_school, a_market = (1200 + 900) / 60, (1200 + 900 + 1200) / 60
    b_school, b_market = 900 / 60, (900 + 1200) / 60
    saved = {
        "market": 100 * (480 - a_market) + 50 * (480 - b_market),
        "school": 100 * (480 - a_school) + 50 * (480 - b_school),
    }
    trips = {"market": 52 / 5, "school": 180 * 0.2}
    hours_20 = 20 / 365 * 2 * sum(saved[k] * trips[k] for k in saved) / 60
    assert appraisal[20] == pytest.approx(hours_20, rel=1e-12)
    # by default the flood state is 30 days of the year, the rains with fords passable 90
    assert ranking.ScoreWeights().season_shares() == pytest.approx((245 / 365, 90 / 365, 30 / 365))


def test_the_programme_counts_one_road_once():
    """Two upgrades of one trip: each alone saves A 6 min; together 12, not counted twice."""
    net = line_network()
    works = _works(
        net,
        {
            "W1": {"edges": {(1, 2): (240, 1200)}, "cost": 10_000},
            "W2": {"edges": {(3, 4): (840, 1200)}, "cost": 10_000},
        },
    )
    result = ranking.rank_works(net, works, budget=100_000, appraisal=PARAMS, weights=DAYS)
    alone = result.ranking["hours_saved_per_year"]
    programme = result.appraisal
    assert programme is not None and programme["works"] == 2
    # W1 saves A 6 min to school and market; W2 6 min to market for A and B: the programme
    # saves A 12 min to market (one trip, both works) and B 6: exactly the sum here, as
    # no community counts a saving twice
    assert programme["hours_saved_per_year"] == pytest.approx(alone.sum(), rel=1e-12)
    assert programme["pv_costs"] == pytest.approx(result.ranking["pv_costs"].sum(), rel=1e-12)


def test_works_can_be_ranked_by_an_appraisal_figure():
    net, works = _upgrade_and_bridge()
    for rank_by, column, ascending in (
        ("bc_ratio", "bc_ratio", False),
        ("npv", "npv", False),
        ("cost_effectiveness", "pv_cost_per_person_benefited", True),
    ):
        ranked = ranking.rank_works(net, works, budget=None, appraisal=PARAMS, rank_by=rank_by)
        gaining = ranked.ranking[ranked.ranking["score"] > 0]
        values = gaining[column].to_list()
        assert values == sorted(values, reverse=not ascending), rank_by
    with pytest.raises(ConfigError, match="needs the appraisal"):
        ranking.rank_works(net, works, budget=None, rank_by="npv")


def test_rank_by_money_needs_an_appraisal_section(tmp_path):
    from pathlib import Path

    sample = Path(__file__).resolve().parents[2] / "data" / "regions" / "sample.toml"
    text = sample.read_text(encoding="utf-8")
    head = text.split("[appraisal]")[0]
    path = tmp_path / "money.toml"
    path.write_text(head.replace("top_n = 20", 'top_n = 20\nrank_by = "bc_ratio"'))
    with pytest.raises(ConfigError, match="rank_by = 'bc_ratio' needs an \\[appraisal\\]"):
        load_region_config(path)
    path.write_text(head.replace("top_n = 20", "top_n = 20\nmin_bc_ratio = 1"))
    with pytest.raises(ConfigError, match="min_bc_ratio = 1 needs an \\[appraisal\\]"):
        load_region_config(path)


def test_eirr_is_negative_for_flows_that_do_not_pay_back_and_empty_without_benefits():
    import numpy as np

    rate = eirr(np.array([-100.0, 1.0, 1.0]))
    assert rate < 0 and -100 + 1 / (1 + rate) + 1 / (1 + rate) ** 2 == pytest.approx(0, abs=1e-9)
    assert math.isnan(eirr(np.array([-100.0, -1.0, -1.0])))


def test_the_bc_hurdle_leaves_out_works_that_do_not_pay_back():
    net, works = _upgrade_and_bridge()
    base = ranking.rank_works(net, works, budget=1_000_000, appraisal=PARAMS, weights=DAYS)
    bc = base.ranking["bc_ratio"]
    # the bridge reopens two cut-off villages 73 days a year: it pays back 15 times
    assert bc["BRI"] > 2 > bc["AFI"] > 1
    assert set(base.portfolio["work_id"]) == {"AFI", "BRI"}
    hurdle = ranking.rank_works(
        net, works, budget=1_000_000, appraisal=PARAMS, weights=DAYS, min_bc_ratio=2.0
    )
    assert hurdle.portfolio["work_id"].tolist() == ["BRI"]
    assert "1 work that gains was not considered" in hurdle.explanation
    assert len(hurdle.ranking) == 2  # still ranked and appraised, only not funded
    nothing = ranking.rank_works(
        net, works, budget=1_000_000, appraisal=PARAMS, weights=DAYS, min_bc_ratio=100.0
    )
    assert nothing.portfolio.empty
    assert "2 works that gain were not considered" in nothing.explanation
    with pytest.raises(ConfigError, match="min_bc_ratio needs the appraisal"):
        ranking.rank_works(net, works, budget=1_000_000, min_bc_ratio=1.0)


def test_edge_cases_of_the_money_figures():
    import numpy as np

    from connectivity.config import AppraisalSection

    # a rate of return above 1,000% is found, not reported as "never repays"
    assert eirr(np.array([-100.0] + [1100.0] * 10)) == pytest.approx(11.0, rel=1e-6)
    # a work that costs nothing and gains: B/C infinite, and it passes the B/C hurdle
    net, works = _upgrade_and_bridge()
    works.works.loc["BRI", ["cost", "cost_net"]] = 0.0
    free = ranking.rank_works(
        net, works, budget=1_000, appraisal=PARAMS, weights=DAYS, min_bc_ratio=1.0
    )
    assert math.isinf(free.ranking.loc["BRI", "bc_ratio"])
    assert "BRI" in set(free.portfolio["work_id"])
    # a table given in part changes those keys only
    part = AppraisalSection(
        value_of_time_per_hour=3.0,
        value_of_time_source="test",
        routine_per_km_year={"afirmado": 7_000.0},
        trips={"market": {"per_year": 26.0, "per": "household"}},
    )
    assert part.routine_per_km_year["asfaltado"] == 8_000.0
    assert part.trips["school"].per_year == 180.0 and part.trips["market"].per_year == 26.0


def test_a_programme_with_two_stages_of_one_road_pays_for_the_road_once():
    from test_ranking_rules import _site_works

    net = line_network()
    works = _site_works(net)
    result = ranking.rank_works(
        net, works.subset(["AFI", "ASF"]), budget=1_000_000, appraisal=PARAMS, optimise=False
    )
    programme = result.portfolio
    if set(programme["work_id"]) == {"AFI", "ASF"}:
        assert result.appraisal is not None
        # the asfaltado (50,000 from trocha) replaces the afirmado (20,000): 50,000 invested
        upkeep = result.ranking.loc["ASF", "pv_costs"] - 50_000
        assert result.appraisal["pv_costs"] == pytest.approx(50_000 + upkeep, rel=1e-12)
    else:
        pytest.fail(f"expected both stages in the programme, got {list(programme['work_id'])}")
