"""Tables: atomic CSV/GeoPackage writing with provenance, in plain numbers."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
import pyogrio
import pytest
from shapely.geometry import Point

from connectivity.tables import write_csv, write_geopackage


def test_csv_has_provenance_and_plain_decimals(tmp_path):
    frame = pd.DataFrame(
        {"work_id": ["A", "B"], "cost": [1_350_000.0, 0.1234567891], "minutes": [np.inf, 2.0]}
    )
    path = write_csv(frame, tmp_path / "t.csv", data_source="synthetic sample region")
    text = path.read_text(encoding="utf-8")
    assert "e+" not in text  # no scientific notation for money
    assert "1350000.0" in text and "0.123457" in text and "inf" in text
    back = pd.read_csv(path)
    assert (back["data_source"] == "synthetic sample region").all()


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
        {"community_id": ["c1"], "name": ["<script>alert(1)</script>"]},
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
    prov = pyogrio.read_dataframe(path, layer="provenance", read_geometry=False)
    values = dict(zip(prov["key"], prov["value"], strict=True))
    assert values["data_source"] == "synthetic sample region" and values["region"] == "sample"
