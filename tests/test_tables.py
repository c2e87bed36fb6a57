"""Tables: atomic CSV/GeoPackage writing with provenance, in plain rounded numbers."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
import pyogrio
import pytest
from shapely.geometry import LineString, Point

from connectivity import _columns
from connectivity.tables import csv_table, write_csv, write_geopackage


def test_csv_has_provenance_and_plain_rounded_numbers(tmp_path):
    frame = pd.DataFrame(
        {
            "work_id": ["A", "B"],
            "cost": [975_869.542303, 1_350_000.0],
            "population": [2503.0, 12.34],
            "market_wet_min": [np.inf, 2.04],
            "cofinancing_share": [0.3, 0.123456],
            "eirr": [np.nan, -0.00001],
            "unknown_figure": [0.1234567891, 1e-9],
        }
    )
    path = write_csv(frame, tmp_path / "t.csv", data_source="synthetic sample region")
    lines = path.read_text(encoding="utf-8").splitlines()
    assert lines[0].split(",") == [
        "work_id",
        "cost",
        "population",
        "market_wet_min",
        "market_wet_reachable",  # the flag beside the minutes
        "cofinancing_share",
        "eirr",
        "unknown_figure",
        "data_source",
    ]
    # money to the sol, people as integers when whole, minutes to 0.1, shares to 4
    # decimals, no trailing zeros, no -0, no scientific notation; unknown columns 6 decimals
    assert lines[1] == "A,975870,2503,,False,0.3,,0.123457,synthetic sample region"
    assert lines[2] == "B,1350000,12.3,2,True,0.1235,0,0,synthetic sample region"
    back = pd.read_csv(path)
    assert (back["data_source"] == "synthetic sample region").all()
    assert back["market_wet_min"].isna().tolist() == [True, False]


def test_no_table_holds_inf_and_every_minutes_column_gets_its_flag():
    table = pd.DataFrame(
        {
            "school_walk_rain_min": [np.inf, 3.0, np.nan],
            "health_dry_min_before": [np.inf, 1.0, 2.0],
            "health_dry_min_after": [5.0, 1.0, 2.0],
            "bc_ratio": [np.inf, 1.5, np.nan],  # a free work: unbounded, empty
            "bank_wet_median_min": [np.inf, 1.0, 2.0],  # a region's own kind
        }
    )
    out = csv_table(table, data_source="x", run_id="r", file="gains")
    assert not out.astype(str).isin(["inf", "-inf", "nan", "NaN"]).any().any()
    assert out["school_walk_rain_reachable"].tolist() == [False, True, pd.NA]
    assert out["health_dry_reachable_before"].tolist() == [False, True, True]
    assert out["health_dry_reachable_after"].tolist() == [True, True, True]
    assert out["bc_ratio"].tolist() == ["", "1.5", ""]
    assert "bank_wet_median_reachable" not in out.columns  # said by _unreachable_share
    assert list(out.columns).index("health_dry_reachable_before") == 3


def test_the_dictionary_matches_patterns_by_specificity():
    assert _columns.match("market_walk_dry_min")[0].name == "{kind}_walk_{season}_min"
    assert _columns.match("market_people_cut_off_wet")[0].name == "{kind}_people_cut_off_wet"
    assert _columns.match("people_no_longer_cut_off_wet")[0].name == "people_no_longer_cut_off_wet"
    spec, fields = _columns.match("bus_stop_rain_people_newly_within_45min")
    assert fields == {"kind": "bus_stop", "season": "rain", "T": "45"}
    assert spec.unit == "people"
    assert _columns.match("score", file="portfolio")[0].file == "portfolio"
    assert _columns.match("score", file="ranking")[0].file == ""
    assert _columns.match("no_such_column") is None
    # every entry has a known unit, and flags name entries of their own
    for spec in _columns.entries():
        if spec.reach_flag:
            fields = {"kind": "market", "season": "wet"}
            assert _columns.match(spec.reach_flag.format(**fields)) is not None, spec.name


class DiskFullError(Exception):
    pass


def test_failed_write_leaves_the_old_file_and_no_temporary(tmp_path, monkeypatch):
    target = tmp_path / "t.csv"
    target.write_text("old contents\n", encoding="utf-8")

    def broken(self, *args, **kwargs):
        raise DiskFullError("disk full")

    monkeypatch.setattr(pd.DataFrame, "to_csv", broken)
    with pytest.raises(DiskFullError):
        write_csv(pd.DataFrame({"a": [1]}), target, data_source="x")
    assert target.read_text(encoding="utf-8") == "old contents\n"
    assert [p.name for p in tmp_path.iterdir()] == ["t.csv"]


def test_geopackage_layers_and_provenance(tmp_path):
    points = gpd.GeoDataFrame(
        {"community_id": ["c1"], "name": ["<script>alert(1)</script>"], "market_wet_min": [np.inf]},
        geometry=[Point(500_000, 8_500_000)],
        crs="EPSG:32718",
    )
    summary = pd.DataFrame({"area": ["region"], "population": [10.0]})
    path = write_geopackage(
        {"communities": points, "summary": summary},
        tmp_path / "a.gpkg",
        data_source="synthetic sample region",
        metadata={"region": "sample"},
    )
    layers = [name for name, _ in pyogrio.list_layers(path)]
    assert layers == ["communities", "summary", "provenance"]
    back = gpd.read_file(path, layer="communities")
    assert back.crs.to_epsg() == 32718
    assert back["name"].iloc[0] == "<script>alert(1)</script>"
    # no route: NULL and the flag, as in the CSV
    assert back["market_wet_min"].isna().all() and not back["market_wet_reachable"].any()
    prov = pyogrio.read_dataframe(path, layer="provenance", read_geometry=False)
    values = dict(zip(prov["key"], prov["value"], strict=True))
    assert values["data_source"] == "synthetic sample region" and values["region"] == "sample"
    assert "layers_by_geometry" not in values


def _works() -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame(
        {"work_id": ["UPG-1", "BRG-1", "UPG-2"], "cost": [10.0, 20.0, 30.0]},
        geometry=[
            LineString([(0, 0), (100, 0)]),
            Point(50, 50),
            LineString([(0, 10), (100, 10)]),
        ],
        crs="EPSG:32718",
    )


def test_a_layer_of_points_and_lines_is_written_as_one_layer_per_geometry_type(tmp_path):
    works = _works()
    only_roads = works[works["work_id"].str.startswith("UPG")]
    path = write_geopackage(
        {"candidates": works, "portfolio": only_roads, "mixed": works},
        tmp_path / "r.gpkg",
        data_source="x",
        run_id="run-1",
        split_by_geometry=("candidates", "portfolio"),
    )
    layers = dict(pyogrio.list_layers(path).tolist())
    assert layers == {
        "candidates_lines": "LineString",
        "candidates_points": "Point",
        "portfolio_lines": "LineString",
        "portfolio_points": "Point",  # empty, so that the names never depend on the works
        "mixed_lines": "LineString",  # any other mixed layer is split too
        "mixed_points": "Point",
        "provenance": None,
    }
    lines = gpd.read_file(path, layer="candidates_lines")
    assert lines["work_id"].tolist() == ["UPG-1", "UPG-2"]
    assert gpd.read_file(path, layer="candidates_points")["work_id"].tolist() == ["BRG-1"]
    assert len(gpd.read_file(path, layer="portfolio_points")) == 0
    assert (lines["run_id"] == "run-1").all()  # provenance kept in every layer
    info = pyogrio.read_info(path, layer="candidates_points")
    assert "points" in info["layer_metadata"]["DESCRIPTION"]
    prov = pyogrio.read_dataframe(path, layer="provenance", read_geometry=False)
    said = dict(zip(prov["key"], prov["value"], strict=True))["layers_by_geometry"]
    assert "candidates: candidates_lines, candidates_points" in said
