"""The budget programme: interactions between works, ties, exactness of the lazy greedy.

The greedy-vs-exhaustive gaps are logged and written to
``test-artifacts/greedy_gap.txt``.
"""

from __future__ import annotations

import itertools
import logging

import numpy as np
import pandas as pd
import pytest
from ranking_cases import HALF_YEAR, _joint_workset, line_network, line_works

from connectivity import ranking, routing
from connectivity._io import atomic_write_text
from connectivity.errors import ConfigError
from connectivity.works import WorkSet, apply_works

log = logging.getLogger(__name__)


def test_line_network_portfolio_accounts_for_interactions():
    net = line_network()
    works = line_works(net)
    # NEW first (35,125 for 5,000: the best per sol); with it done the bridge only saves B
    # 10 min (45 -> 35 to market, 25 -> 15 to school in the wet season)
    pf = ranking.select_portfolio(
        net, works.subset(["BRIDGE", "NEW"]), budget=60_000, weights=HALF_YEAR
    )
    prog = pf.programme
    assert prog["work_id"].tolist() == ["NEW", "BRIDGE"]
    assert prog["score"].tolist() == pytest.approx([35_125, 0.25 * (50 * 10 + 50 * 10)])
    assert prog.loc[1, "score_alone"] == pytest.approx(33_125)
    assert prog["cumulative_score"].iloc[-1] == pytest.approx(35_375)
    assert prog["cumulative_cost_net"].tolist() == [5_000, 55_000]
    assert prog["budget_left"].tolist() == [55_000, 5_000]
    assert prog["people_newly_benefited"].tolist() == [150, 0]
    assert prog["communities_gaining"].tolist() == [2, 1]
    assert prog["cumulative_people_benefited"].iloc[-1] == 150
    assert pf.spent == 55_000 and "Programme of 2 works" in pf.explanation
    after = pf.communities_after.set_index("community_id")
    assert (
        after.loc["A", "market_wet_min_after"] == 25
        and after.loc["B", "school_wet_min_after"] == 15
    )
    assert after.loc["A", "improved_by"] == "NEW" and after.loc["B", "improved_by"] == "NEW;BRIDGE"
    assert not after.loc["C", "gains"] and after.loc["C", "improved_by"] == ""
    # with all three: after NEW, the upgrade (1,367 for 20,000) beats the bridge (250 for
    # 50,000), which then no longer fits
    full = ranking.select_portfolio(net, works, budget=60_000).programme
    assert full["work_id"].tolist() == ["NEW", "UPG"]


def test_budget_below_every_work_gives_an_empty_programme(caplog, tmp_path):
    net = line_network()
    works = line_works(net)
    with caplog.at_level(logging.INFO, logger="connectivity.ranking"):
        pf = ranking.select_portfolio(net, works, budget=4_000)
    assert pf.programme.empty
    by_kind = [f"{k}_{s}_person_min_saved" for k in net.kinds for s in ranking.SEASONS]
    columns = list(pf.programme.columns)
    assert [c for c in columns if c not in by_kind] == list(ranking.PROGRAMME_COLUMNS)
    assert set(by_kind) < set(columns)
    assert "smaller than the net cost of every work" in pf.explanation
    assert "NEW" in pf.explanation and "PEN 5,000" in pf.explanation
    assert "smaller than the net cost" in caplog.text
    result = ranking.rank_works(net, works, budget=0)
    assert result.portfolio.empty and "Empty programme" in result.explanation
    assert not result.ranking["in_portfolio"].any()
    paths = ranking.write_ranking_outputs(result, tmp_path, data_source="hand-made test network")
    assert len(pd.read_csv(tmp_path / "portfolio.csv")) == 0
    assert all(p.exists() for p in paths)
    with pytest.raises(ConfigError, match="budget must be >= 0"):
        ranking.select_portfolio(net, works, budget=-1)
    none = ranking.select_portfolio(net, works, budget=None)
    assert none.programme.empty and "No budget" in none.explanation


def test_ties_go_to_the_smaller_work_id():
    net = line_network()
    works = line_works(net)
    twin = works.subset(["NEW"])
    twin_works = twin.works.rename(index={"NEW": "A-NEW"})
    twin_changes = twin.changes.assign(work_id="A-NEW")
    both = WorkSet.concat([works, WorkSet(works=twin_works, changes=twin_changes)])
    pf = ranking.select_portfolio(net, both, budget=60_000)
    # the two identical links tie: "A-NEW" < "NEW"; once it is done the other adds nothing
    assert pf.programme["work_id"].tolist() == ["A-NEW", "UPG"]
    ranked = ranking.rank_works(net, both, budget=60_000).ranking
    assert ranked.index[:2].tolist() == ["A-NEW", "NEW"] and ranked["rank"].tolist() == [1, 2, 3, 4]


def test_sample_portfolio_is_exact_and_equals_plain_greedy(sample_network, sample_works):
    budget = 1_500_000.0
    lazy = ranking.select_portfolio(sample_network, sample_works, budget=budget)
    plain = ranking.select_portfolio(sample_network, sample_works, budget=budget, lazy=False)
    pd.testing.assert_frame_equal(lazy.programme, plain.programme)
    assert lazy.n_evaluations < plain.n_evaluations  # only works a choice can change
    prog = lazy.programme
    assert len(prog) >= 10 and prog["cost_net"].sum() <= budget
    # interactions are real here: some works gain more after another is done (two fords on
    # one road), some less (two works on one route)
    assert (prog["score"] > prog["score_alone"] * 1.5).any()
    # the final times are those of the network with the whole programme done
    done = apply_works(sample_network, sample_works, prog["work_id"].tolist())
    graph = routing.routing_graph_from_gdfs(
        done.nodes, done.edges, weights=list(ranking.SEASON_WEIGHTS.values())
    )
    after = pf_after = lazy.communities_after
    for kind in done.kinds:
        layer = done.facilities[kind]
        fac = dict(zip(layer["facility_id"], layer["node_id"], strict=True))
        for season, weight in ranking.SEASON_WEIGHTS.items():
            ref = (
                routing.nearest_facility(
                    graph, done.communities["node_id"].to_numpy(), fac, weight=weight
                )["time_s"].to_numpy()
                / 60
            )
            got = pf_after[f"{kind}_{season}_min_after"].to_numpy()
            finite = np.isfinite(ref)
            assert np.array_equal(np.isfinite(got), finite)
            assert np.abs(got[finite] - ref[finite]).max() * 60 <= 1e-6
    # cumulative score = the score of doing the whole programme at once
    joint = _joint_workset(sample_works, {"ALL": prog["work_id"].tolist()})
    whole = ranking.evaluate_works(sample_network, joint)
    assert prog["cumulative_score"].iloc[-1] == pytest.approx(whole.loc["ALL", "score"], rel=1e-9)
    assert after["gains"].sum() == whole.loc["ALL", "communities_gaining"]


def test_greedy_against_exhaustive_search_on_12_works(sample_network, sample_works, repo_root):
    # twelve works that interact: those whose gain changed most inside a larger programme
    big = ranking.select_portfolio(sample_network, sample_works, budget=3_000_000).programme
    change = (big["score"] - big["score_alone"]).abs()
    ids = sorted(big.loc[change.sort_values(ascending=False).index[:12], "work_id"])
    works = sample_works.subset(ids)
    subsets = {
        "S" + "".join("1" if i in combo else "0" for i in ids): list(combo)
        for r in range(1, len(ids) + 1)
        for combo in itertools.combinations(ids, r)
    }
    joint = ranking.evaluate_works(sample_network, _joint_workset(works, subsets))
    total = float(works.works["cost_net"].sum())
    report = []
    for share in (0.2, 0.35, 0.5, 0.7):
        budget = share * total
        greedy = ranking.select_portfolio(sample_network, works, budget=budget).programme
        feasible = joint[joint["cost_net"] <= budget]
        best = feasible["score"].idxmax()
        optimum = float(feasible.loc[best, "score"])
        got = float(greedy["cumulative_score"].iloc[-1])
        gap = 1 - got / optimum
        report.append(
            f"budget {share:.0%} of all: greedy {got:,.0f}, best {optimum:,.0f} "
            f"({len(subsets[best])} works of {len(feasible)} feasible subsets), "
            f"gap {gap:.1%}"
        )
        # the greedy programme is one of the subsets, and its joint score is the greedy total
        mine = "S" + "".join("1" if i in set(greedy["work_id"]) else "0" for i in ids)
        assert joint.loc[mine, "score"] == pytest.approx(got, rel=1e-9)
        assert optimum >= got * (1 - 1e-12)
        assert gap <= 0.25, report[-1]
    text = "greedy vs exhaustive search, 12 interacting works:\n  " + "\n  ".join(report)
    log.info("%s", text)
    artifacts = repo_root / "test-artifacts"
    artifacts.mkdir(exist_ok=True)
    atomic_write_text(artifacts / "greedy_gap.txt", text + "\n")
    # the joint evaluation of a subset is itself exact
    ref, _ = ranking.evaluate_works_by_recomputation(
        sample_network, _joint_workset(works, {best: subsets[best]})
    )
    assert ref.loc[best, "score"] == pytest.approx(optimum, rel=1e-9)
