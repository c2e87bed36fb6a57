"""Outputs of the ranking stage: the ranking, programme and gains tables and the GeoPackage."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
import pyogrio

from connectivity import ranking


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
        "bundles.csv",
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
