"""The programme by axis: works on the routes of the same communities to the same market."""

from __future__ import annotations

from dataclasses import replace

import pandas as pd
import shapely
from ranking_cases import HALF_YEAR, line_network, line_works

from connectivity import ranking


def test_axes_of_the_line_network():
    """BRIDGE and NEW both serve A (to the market at 4): one axis; UPG serves C alone: another."""
    net = line_network()
    result = ranking.rank_works(net, line_works(net), budget=10_000_000, weights=HALF_YEAR)
    programme = set(result.portfolio["work_id"])
    axes = result.axes
    assert axes is not None and list(axes.columns) == [*ranking.AXIS_COLUMNS, "geometry"]
    works = {a: set(w.split(";")) for a, w in zip(axes["axis_id"], axes["works"], strict=True)}
    # every programme work is on exactly one axis
    assert sorted(w for ws in works.values() for w in ws) == sorted(programme)
    together = [ws for ws in works.values() if {"BRIDGE", "NEW"} & ws]
    assert len(together) == 1 or not {"BRIDGE", "NEW"} <= programme
    if {"BRIDGE", "NEW"} <= programme:
        assert {"BRIDGE", "NEW"} <= together[0]
    assert (axes["market_id"] == "M").all()
    # the money adds up to the programme's, and the corridor is drawn
    assert axes["cost_net"].sum() == result.portfolio["cost_net"].sum()
    assert all(isinstance(g, shapely.MultiLineString) for g in axes.geometry)
    first = axes.iloc[0]
    assert first["axis_id"] == "EJE-01" and first["people"] == axes["people"].max()


def test_no_programme_no_axes():
    net = line_network()
    result = ranking.rank_works(net, line_works(net), budget=None, weights=HALF_YEAR)
    assert result.axes is not None and result.axes.empty
    assert list(result.axes.columns) == [*ranking.AXIS_COLUMNS, "geometry"]
    assert isinstance(result.axes, pd.DataFrame)


def _programme(rows: list[tuple[str, float, float, str]]) -> pd.DataFrame:
    return pd.DataFrame(
        [
            {"work_id": w, "cost": c, "cost_net": n, "stage_of": s, "person_min_saved": 1.0}
            for w, c, n, s in rows
        ]
    )


def test_works_that_pay_only_together_share_an_axis_and_stages_count_once():
    """NEW gains nothing of its own in the programme (BRIDGE, chosen later, is credited with
    the pair's gains): as a bundle they are one axis. UPG2 is a later stage of UPG: the axis
    costs what the budget pays, the increment, not both full costs."""
    net = line_network()
    programme = _programme(
        [
            ("NEW", 100.0, 100.0, ""),
            ("BRIDGE", 200.0, 200.0, ""),
            ("UPG", 300.0, 300.0, ""),
            ("UPG2", 500.0, 200.0, "UPG"),
        ]
    )
    after = pd.DataFrame({"improved_by": ["BRIDGE", "BRIDGE", "UPG;UPG2"]})
    alone = ranking.programme_axes(net, programme, after)
    assert sorted(alone["works"]) == ["BRIDGE", "NEW", "UPG;UPG2"]
    assert alone.set_index("works").loc["NEW", "communities"] == 0
    bundles = pd.DataFrame({"work_a": ["NEW"], "work_b": ["BRIDGE"]})
    axes = ranking.programme_axes(net, programme, after, bundles=bundles)
    by_works = axes.set_index("works")
    assert sorted(by_works.index) == ["NEW;BRIDGE", "UPG;UPG2"]
    assert by_works.loc["NEW;BRIDGE", "people"] == 150 and by_works.loc["NEW;BRIDGE", "cost"] == 300
    assert by_works.loc["UPG;UPG2", "cost"] == 500  # 300 + (500 - 300), not 800
    assert by_works.loc["UPG;UPG2", "cost_net"] == 500
    assert axes["cost_net"].sum() == programme["cost_net"].sum()


def test_an_unnamed_community_is_named_by_its_id():
    net = line_network()
    comm = net.communities.copy()
    comm.loc[comm["community_id"] == "A", "name"] = None
    net = replace(net, communities=comm)
    programme = _programme([("BRIDGE", 200.0, 200.0, "")])
    after = pd.DataFrame({"improved_by": ["BRIDGE", "BRIDGE", ""]})
    axes = ranking.programme_axes(net, programme, after)
    assert axes.loc[0, "community_names"] == "A;Baja"
    assert "nan" not in axes.loc[0, "name"]
