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
    assert "Top 20 works:" in result.explanation and "480" in result.explanation

    paths = ranking.write_ranking_outputs(
        result, tmp_path / "out", data_source="synthetic sample region"
    )
    names = sorted(p.name for p in paths)
    assert names == [
        "axes.csv",
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
    # no route: an empty cell, and the flag beside it says so (never the text "inf")
    cut = ~gains["market_wet_reachable_before"].astype(bool)
    assert cut.any() and gains.loc[cut, "market_wet_min_before"].isna().all()
    assert gains.loc[~cut, "market_wet_min_before"].notna().all()
    gpkg = tmp_path / "out" / "ranking.gpkg"
    layers = dict(pyogrio.list_layers(gpkg).tolist())
    # one geometry type per layer: roads are lines, bridges points
    split = {"candidates_lines", "candidates_points", "portfolio_lines", "portfolio_points"}
    assert split | {"communities", "roads", "provenance"} <= set(layers)
    assert layers["candidates_points"] == "Point" and "LineString" in layers["candidates_lines"]
    cand = pd.concat([gpd.read_file(gpkg, layer=f"candidates_{g}") for g in ("lines", "points")])
    assert len(cand) == len(sample_works) and cand.crs == sample_network.crs
    chosen = pd.concat([gpd.read_file(gpkg, layer=f"portfolio_{g}") for g in ("lines", "points")])
    chosen = chosen.sort_values("portfolio_order")
    assert chosen["work_id"].tolist() == result.portfolio["work_id"].tolist()
    comm = gpd.read_file(gpkg, layer="communities")
    assert len(comm) == len(sample_network.communities)
    after, before = (comm[f"school_dry_min_{w}"].fillna(np.inf) for w in ("after", "before"))
    assert (after <= before).all()  # an empty cell is no route
    assert comm["gains"].sum() > 0
    prov = gpd.read_file(gpkg, layer="provenance")
    assert dict(zip(prov["key"], prov["value"], strict=True))["currency"] == "PEN"
