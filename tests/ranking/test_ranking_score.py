"""The composite score: market/school and season weights, equity weights, checks."""

from __future__ import annotations

import pytest
from ranking_cases import CAP, line_network, line_works

from connectivity import ranking
from connectivity.config import RankingSection
from connectivity.errors import ConfigError


def test_score_weights_and_equity():
    net = line_network()
    works = line_works(net)
    section = RankingSection(
        market_weight=3,
        school_weight=1,
        dry_days=0.0,
        rain_days=0.0,
        wet_days=365.0,
        equity_column="poverty",
        equity_strength=2.0,
    )
    table = ranking.evaluate_works(net, works, weights=section)
    # equity weights 1 + 2 x poverty: A 2, B 1; only the wet season counts; market 3/4
    market = 2 * 100 * (CAP - 55) + 1 * 50 * (CAP - 35)
    school = 2 * 100 * (CAP - 35) + 1 * 50 * (CAP - 15)
    assert table.loc["BRIDGE", "score"] == pytest.approx(0.75 * market + 0.25 * school)
    plain = ranking.evaluate_works(
        net,
        works,
        weights={
            "market_weight": 3,
            "school_weight": 1,
            "dry_days": 0.0,
            "rain_days": 0.0,
            "wet_days": 365.0,
        },
    )
    assert plain.loc["BRIDGE", "score"] < table.loc["BRIDGE", "score"]
    assert plain.loc["BRIDGE", "person_min_saved"] == table.loc["BRIDGE", "person_min_saved"]
    with pytest.raises(ConfigError, match=r"'income'.*columns are"):
        ranking.evaluate_works(
            net, works, weights={"equity_column": "income", "equity_strength": 1.0}
        )
    with pytest.raises(ConfigError, match="all 0"):
        ranking.evaluate_works(net, works, weights={"market_weight": 0, "school_weight": 0})
    # health_weight counts only where the network has health facilities
    only_two = ranking.ScoreWeights(market_weight=0, school_weight=0, health_weight=1)
    with pytest.raises(ConfigError, match="all 0"):
        only_two.kind_shares(("market", "school"))
    assert only_two.kind_shares(("market", "school", "health")) == (0.0, 0.0, 1.0)
    with pytest.raises(ConfigError, match="no ranking weight for destination kind 'bank'"):
        ranking.ScoreWeights().kind_shares(("market", "bank"))
    with pytest.raises(ConfigError, match="unknown ranking weight"):
        ranking.ScoreWeights.from_config({"wet_share": 0.3})
    with pytest.raises(ConfigError, match="thresholds_min"):
        ranking.evaluate_works(net, works, thresholds_min=(30, -5))
