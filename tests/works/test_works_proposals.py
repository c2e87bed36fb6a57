"""Works proposed in a file: accepted, rejected, estimated (connectivity.works.proposals)."""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import numpy as np
import pytest
from shapely.geometry import LineString, Point
from works_cases import Sample, _feature, _write

from connectivity.errors import CrsError, DataError, MissingFileError
from connectivity.works import UNIT_COST_PER_KM, proposals_from_file


def test_proposals_valid_and_rejected(sample: Sample, tmp_path: Path) -> None:
    net = sample.network
    e = net.edges
    trocha = e[(e["road_class"] == "trocha") & (e["length_m"] > 300)].iloc[0].geometry
    ford = e[e["ford"].eq("yes") & (e["road_class"] != "connector")].iloc[0].geometry
    far = net.communities.sort_values("connector_m").iloc[-1]
    road = e[e["vehicle"].astype(bool) & (e["road_class"] != "connector")]
    near_road = road.geometry.iloc[int(road.distance(far.geometry).argmin())]
    on_road = near_road.interpolate(near_road.project(far.geometry))
    x0, y0 = trocha.coords[0]
    features = [
        _feature({"id": 1, "type": "upgrade", "cost": 250000, "name": "Afirmado comunal"}, trocha),
        _feature(
            {"id": "b1", "type": "bridge", "cost": 90000, "cofinancing_share": 0.25},
            ford.interpolate(0.5, normalized=True).buffer(1).centroid,
        ),
        _feature(
            {"id": "n1", "type": "new_link", "cost": 1e6},
            LineString([far.geometry.coords[0], on_road.coords[0]]),
        ),
        _feature({"id": "e1", "type": "upgrade", "cost": 1}, None),
        _feature({"id": "i1", "type": "upgrade", "cost": 1}, LineString([(x0, y0), (x0, y0)])),
        _feature(
            {"id": "o1", "type": "upgrade", "cost": 1}, LineString([(1e5, 1e6), (1.1e5, 1e6)])
        ),
        _feature({"id": "c1", "type": "upgrade", "cost": -5}, trocha),
        _feature({"id": "c2", "type": "upgrade"}, trocha),
        _feature({"id": "t1", "type": "ferry", "cost": 5}, trocha),
        _feature({"id": "d1", "type": "upgrade", "cost": 5}, trocha),
        _feature({"id": "d1", "type": "bridge", "cost": 5}, trocha),
        _feature({"id": "s1", "type": "upgrade", "cost": 5, "cofinancing_share": 1.5}, trocha),
        _feature(
            {"id": "g1", "type": "bridge", "cost": 5}, Point(x0 + 20000, y0).buffer(1).centroid
        ),
        _feature({"id": None, "type": "bridge", "cost": 5}, trocha),
    ]
    path = _write(tmp_path, features)
    split, works, rejected = proposals_from_file(path, net, dem_path=sample.dem)
    works.validate(split)
    assert works.ids == ["PROP-1", "PROP-b1", "PROP-n1"]
    w = works.works
    assert w.loc["PROP-1", "name"] == "Afirmado comunal" and w.loc["PROP-1", "cost"] == 250000
    assert w.loc["PROP-b1", "cost_net"] == pytest.approx(90000 * 0.75)
    assert (w["origin"] == "proposal").all()
    assert w.loc["PROP-1", "class_after"] == "afirmado"
    reasons = dict(zip(rejected["proposal_id"], rejected["reason"], strict=False))
    assert list(rejected.columns) == ["proposal_id", "reason"]
    assert "empty geometry" in reasons["e1"]
    assert "invalid geometry" in reasons["i1"]
    assert "outside the region" in reasons["o1"]
    assert "negative cost" in reasons["c1"]
    assert "missing cost" in reasons["c2"]
    assert "unknown work type 'ferry'" in reasons["t1"]
    assert "duplicate id" in reasons["d1"] and (rejected["proposal_id"] == "d1").sum() == 2
    assert "cofinancing_share" in reasons["s1"]
    assert "no ford" in reasons["g1"]
    assert "missing id" in reasons["(row 14)"]
    assert len(rejected) == 11
    # the new road proposal splits the road where it ends and adds both directions
    ch = works.changes[works.changes["work_id"] == "PROP-n1"]
    assert set(ch["action"]) == {"add"} and len(ch) == 2
    assert int(ch["u"].iloc[0]) == int(far["node_id"])
    assert split.nodes.loc[int(ch["v"].iloc[0]), "kind"] == "split"
    # the wet-season cut disappears at the bridged ford
    bridged = works.changes[works.changes["work_id"] == "PROP-b1"]
    assert np.isfinite(bridged["walk_time_wet_s"]).all()
    # a proposed bridge says how its crossing is mapped, like a generated one
    assert w.loc["PROP-b1", "crossing"] == "ford"
    assert w.loc["PROP-1", "crossing"] == w.loc["PROP-n1", "crossing"] == ""


def test_proposals_missing_cost_estimated_when_asked(sample: Sample, tmp_path: Path) -> None:
    e = sample.network.edges
    trocha = e[(e["road_class"] == "trocha") & (e["length_m"] > 300)].iloc[0]
    path = _write(tmp_path, [_feature({"id": 7, "type": "upgrade"}, trocha.geometry)])
    _, works, rejected = proposals_from_file(path, sample.network, estimate_missing_cost=True)
    assert rejected.empty
    expected = trocha["length_m"] * UNIT_COST_PER_KM["upgrade_afirmado_rolling"] / 1000
    assert works.works.loc["PROP-7", "cost"] == pytest.approx(expected, abs=1)
    assert "estimado" in works.works.loc["PROP-7", "description"]


def test_proposal_files_that_cannot_be_used(sample: Sample, tmp_path: Path) -> None:
    with pytest.raises(MissingFileError, match=r"nothere\.geojson"):
        proposals_from_file(tmp_path / "nothere.geojson", sample.network)
    junk = tmp_path / "junk.geojson"
    junk.write_text("this is not json")
    with pytest.raises(DataError, match=r"junk\.geojson"):
        proposals_from_file(junk, sample.network)
    nocrs = tmp_path / "nocrs.gpkg"
    with pytest.warns(UserWarning, match="crs"):
        gpd.GeoDataFrame({"id": [1], "type": ["upgrade"]}, geometry=[Point(0, 0)]).to_file(nocrs)
    with pytest.raises(CrsError, match=r"nocrs\.gpkg"):
        proposals_from_file(nocrs, sample.network)
    nocol = tmp_path / "nocol.gpkg"
    gpd.GeoDataFrame({"kind": [1]}, geometry=[Point(0, 0)], crs="EPSG:32718").to_file(nocol)
    with pytest.raises(DataError, match="id, type"):
        proposals_from_file(nocol, sample.network)
