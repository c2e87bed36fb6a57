"""The programme by axis: works on the routes of the same communities to the same market."""

from __future__ import annotations

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
