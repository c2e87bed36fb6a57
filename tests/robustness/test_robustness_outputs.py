"""What a planner reads: the statistics, the switching values and the budget curve, and the
whole `connectivity robustness` run on Cusco's real data writing its tables and plots."""

from __future__ import annotations

import csv
import json
import math
from pathlib import Path

import numpy as np
import openpyxl
import pandas as pd
import pytest
from browser import open_page
from PIL import Image

from connectivity import _columns
from connectivity.cli import main
from connectivity.robustness.analysis import budget_curve, switching_values, work_table
from connectivity.robustness.scenario import ScenarioResult
from connectivity.settings import settings

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"


def _result(k, ranks, chosen, score, *, share=1.0, equity=True, cost=None):
    n = len(ranks)
    return ScenarioResult(
        scenario=k,
        budget_share=share,
        equity=equity,
        score=np.asarray(score, dtype=float),
        cost_net=np.ones(n) if cost is None else np.asarray(cost, dtype=float),
        benefit=np.full(n, np.nan),
        bc_ratio=np.full(n, np.nan),
        rank=np.asarray(ranks),
        in_programme=np.asarray(chosen, dtype=bool),
        programme=tuple(f"W{i}" for i in np.flatnonzero(chosen)),
        programme_score=float(np.sum(np.asarray(score)[np.asarray(chosen, dtype=bool)])),
        programme_cost=float(
            np.sum(
                (np.ones(n) if cost is None else np.asarray(cost))[np.asarray(chosen, dtype=bool)]
            )
        ),
        programme_benefit=math.nan,
        budget=10.0,
    )


def test_work_statistics_leave_scenario_zero_out():
    results = [_result(0, [1, 2], [0, 0], [9, 9])]  # scenario 0 must not count
    results += [
        _result(k, [1, 2] if k % 2 else [2, 1], [1, k % 2], [k, 10 - k]) for k in (1, 2, 3, 4)
    ]
    table = work_table(["W0", "W1"], results)
    assert table.loc["W0", "p_in_programme"] == 1.0 and table.loc["W1", "p_in_programme"] == 0.5
    assert table.loc["W0", "score_mean"] == pytest.approx(2.5)
    assert table.loc["W0", "rank_p5"] == pytest.approx(1.0) and table.loc["W0", "rank_p95"] == 2.0
    assert np.isnan(table.loc["W0", "benefit_mean"])  # no appraisal: empty, not 0


def test_budget_curve_marks_where_the_marginal_return_falls_under_the_hurdle():
    levels = [
        _result(0, [1, 2, 3], c, [100.0, 30.0, 0.5], share=s, cost=[1000, 1000, 1000])
        for s, c in ((0.5, [1, 0, 0]), (1.0, [1, 1, 0]), (2.0, [1, 1, 1]), (3.0, [1, 1, 1]))
    ]
    curve = budget_curve(levels, budget=2000.0, hurdle_per_1000=1.0)
    assert curve["marginal_score_per_1000"].iloc[:3].tolist() == pytest.approx([100.0, 30.0, 0.5])
    assert curve["below_hurdle"].tolist() == [False, False, True, False]
    assert np.isnan(curve["marginal_score_per_1000"].iloc[3])  # nothing more worth funding


def test_switching_values_follow_the_cut_off_ratios():
    ranking = pd.DataFrame(
        {
            "rank": [1, 2, 3, 4],
            "score": [100.0, 60.0, 50.0, 40.0],
            "cost_net": [10.0, 10.0, 10.0, 40.0],
        },
        index=pd.Index(["A", "B", "C", "D"], name="work_id"),
    )
    programme = pd.DataFrame(
        {"work_id": ["A", "B"], "score": [100.0, 60.0], "cost_net": [10.0, 10.0]}
    )
    outside = pd.Series({"A": 0.0, "B": 0.0, "C": 20.0, "D": 40.0})  # C overlaps the programme
    sv = switching_values(ranking, programme, outside, budget=30.0, hurdle_per_1000=1.0, top_n=4)
    # best use of money outside: C at 20/10 = 2 per sol; A may cost 100/2 = 50 (+400%)
    assert sv.loc["A", "switching_cost_pct"] == pytest.approx(400.0)
    assert sv.loc["B", "switching_cost_pct"] == pytest.approx(200.0)
    assert sv.loc["A", "switching_population_pct"] == pytest.approx(-80.0)
    # C enters once 20 / c beats B's 6 per sol: c <= 3.33, a fall of 66.7%
    assert sv.loc["C", "switching_cost_pct"] == pytest.approx(-100 * (1 - 20 / 60))
    assert sv.loc["D", "switching_cost_pct"] == pytest.approx(-100 * (1 - 40 / 240))
    assert np.isnan(sv.loc["C", "switching_population_pct"])  # only for programme works


def test_the_robustness_command_writes_its_tables_and_plots_on_cusco(
    tmp_path, repo_root, monkeypatch
):
    monkeypatch.setattr(settings, "home", tmp_path)
    region = repo_root / "data" / "regions" / "cusco.toml"
    assert (
        main(["-q", "robustness", "--region", str(region), "--scenarios", "6", "--workers", "2"])
        == 0
    )
    out = tmp_path / "outputs" / "cusco"
    table = pd.read_csv(out / "robustness.csv")
    assert {
        "work_id",
        "p_in_programme",
        "rank_p5",
        "rank_p95",
        "bc_ratio_p5",
        "switching_cost_pct",
        "scenarios",
        "seed",
        "data_source",
    } <= set(table.columns)
    assert (table["scenarios"] == 6).all()
    chosen = table[table["in_portfolio"]]
    assert len(chosen) >= 1 and chosen["p_in_programme"].between(0, 1).all()
    assert table["p_in_programme"].max() > 0
    curve = pd.read_csv(out / "budget_curve.csv")
    assert len(curve) == 2 * 10 and set(curve["equity_weight"]) == {True, False}
    assert (curve["spent"] <= curve["budget"] * (1 + 1e-9)).all()
    scenarios = pd.read_csv(out / "robustness_scenarios.csv")
    assert scenarios["scenario"].tolist() == list(range(7))
    assert scenarios.loc[0, "run_works_kept_share"] == 1.0  # scenario 0 is the run
    for png in ("robustness_probability.png", "budget_curve.png"):
        with Image.open(out / png) as img:
            assert img.size[0] > 500 and img.size[1] > 300
    for name in ("robustness.csv", "budget_curve.csv", "robustness_scenarios.csv"):
        with open(out / name, encoding="utf-8") as f:
            header = next(csv.reader(f))
        stem = name.removesuffix(".csv")
        assert [c for c in header if _columns.match(c, file=stem) is None] == []
    manifest = json.loads((out / "run.json").read_text())
    assert "robustness" in manifest["stages"]
    # the workbook has the robustness sheet right after the programme, with the programme's works
    book = openpyxl.load_workbook(out / "resumen.xlsx")
    names = book.sheetnames
    assert names[names.index("Cartera") + 1] == "Robustez"
    cells = {str(c.value) for row in book["Robustez"].iter_rows() for c in row if c.value}
    assert set(chosen["work_id"]) <= cells
    assert any("6 escenarios" in c for c in cells)
    assert len(book["Robustez"]._images) == 2  # both plots embedded
    # the investments map colours the works by their probability of being funded
    html = tmp_path / "maps" / "cusco" / "investments.html"
    with open_page(html) as (page, log):
        overlays = page.evaluate(
            """() => Array.from(document.querySelectorAll(
              '.leaflet-control-layers-overlays label > span > span')).map(
              e => e.textContent.trim())"""
        )
        layer = "Probabilidad de ser financiada (6 escenarios)"
        assert layer in overlays
        page.get_by_text(layer).click()
        page.wait_for_timeout(300)
        assert "más de 90%" in page.inner_text(".cx-legend")
        drawn = page.evaluate("window.cxState.works ? Object.keys(window.cxState.works).length : 0")
        assert drawn >= 1
        ARTIFACTS.mkdir(exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / "investments_map_robustness.png"))
        assert log.page_errors == [] and log.console_errors == [], (
            log.page_errors + log.console_errors
        )
