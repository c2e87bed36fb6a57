"""Markets and schools from files (the real MINEDU layers, the sample) and from OSM features."""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import pandas as pd
import pytest
import shapely

from connectivity.errors import CrsError, DataError, EmptyRegionError, MissingFileError
from connectivity.sources import facilities, osm
from connectivity.sources.population import load_report

#: The Cusco extract's box with the pipeline's margin (0.05°).
CUSCO_AREA = shapely.box(-72.066, -13.614, -71.784, -13.401)
CAPITALS = {"id_column": "CODCP", "name_column": "NOMCP", "lon_column": "XGD", "lat_column": "YGD"}
SCHOOLS = {"id_column": "codigo", "name_column": "nombre", "csv_separator": ";"}


@pytest.fixture(scope="module")
def schools_csv(shared_data: Path) -> Path:
    return shared_data / "peru" / "colegios_minedu.csv"


@pytest.fixture(scope="module")
def capitals_csv(shared_data: Path) -> Path:
    return shared_data / "peru" / "capitales_distritales.csv"


def test_all_minedu_schools_load(schools_csv: Path) -> None:
    header = schools_csv.read_text(encoding="utf-8").splitlines()[0]
    assert header == "codigo;nombre;lon;lat"  # ';'-separated, as the data README says
    schools = facilities.facilities_from_file(schools_csv, kind="school", **SCHOOLS)
    assert len(schools) == 75_512
    assert load_report(schools).empty
    assert list(schools.columns) == ["facility_id", "name", "kind", "geometry"]
    assert schools.crs.to_epsg() == 4326
    assert schools["facility_id"].is_unique
    assert schools["facility_id"].iloc[0] == "036891"  # leading zero kept
    assert (schools["kind"] == "school").all() and schools["name"].notna().all()
    raw = pd.read_csv(schools_csv, sep=";", dtype=str)
    assert schools["facility_id"].tolist() == raw["codigo"].tolist()
    assert (schools.geometry.x == raw["lon"].astype(float)).all()
    west, south, east, north = schools.total_bounds
    assert west > -81.4 and south > -18.4 and east < -68.6 and north < 0.1  # Peru


def test_all_district_capitals_load(capitals_csv: Path) -> None:
    capitals = facilities.facilities_from_file(capitals_csv, kind="market", **CAPITALS)
    assert len(capitals) == 1678
    assert load_report(capitals).empty
    assert capitals["facility_id"].is_unique
    assert list(capitals.columns[:3]) == ["facility_id", "name", "kind"]
    # the file's other columns are kept (the coordinates are in the geometry)
    assert {"UBIGEO", "DIST", "NIVEL", "Z"} <= set(capitals.columns)
    assert not {"XGD", "YGD", "CODCP", "NOMCP"} & set(capitals.columns)
    assert str(capitals["CPINEI"].dtype) == "Int64"  # codes with blanks stay whole numbers
    pisac = capitals[capitals["name"] == "Pisac"].iloc[0]
    assert (pisac["DIST"], pisac["kind"]) == ("PISAC", "market")
    assert pisac.geometry.x == pytest.approx(-71.85, abs=0.01)


def test_facilities_inside_a_region(schools_csv: Path, capitals_csv: Path) -> None:
    everything = facilities.facilities_from_file(capitals_csv, kind="market", **CAPITALS)
    cusco = facilities.facilities_from_file(
        capitals_csv, kind="market", region=CUSCO_AREA, **CAPITALS
    )
    expected = everything[everything.intersects(CUSCO_AREA)]
    assert cusco["facility_id"].tolist() == expected["facility_id"].tolist()
    assert set(cusco["name"]) >= {"San Jeronimo", "San Sebastian", "Poroy", "Pisac", "Taray"}
    assert load_report(cusco).to_dict("records") == [
        {"reason": "outside region", "count": 1678 - len(cusco), "population": None}
    ]
    schools = facilities.facilities_from_file(
        schools_csv, kind="school", region=CUSCO_AREA, **SCHOOLS
    )
    raw = pd.read_csv(schools_csv, sep=";", dtype={"codigo": str})
    inside = shapely.intersects_xy(CUSCO_AREA, raw["lon"], raw["lat"])
    assert len(schools) == inside.sum() > 500


def test_file_columns_kept_and_kind_replaced(tmp_path: Path) -> None:
    path = tmp_path / "schools.csv"
    path.write_text(
        "facility_id,name,kind,level,lon,lat\n"
        "SCH1,I.E. 38435,school,primaria,-74.02,-13.82\n"
        "SCH2,I.E. Secundaria,school,secundaria,-74.19,-13.87\n",
        encoding="utf-8",
    )
    schools = facilities.facilities_from_file(path, kind="primary school", id_column="facility_id")
    assert list(schools.columns) == ["facility_id", "name", "kind", "level", "geometry"]
    assert schools["facility_id"].tolist() == ["SCH1", "SCH2"]
    assert set(schools["kind"]) == {"primary school"}  # the file's own kind is replaced
    assert schools["level"].tolist() == ["primaria", "secundaria"]


def test_facilities_from_osm(cusco_pbf: Path) -> None:
    found = osm.features_from_osm_file(cusco_pbf, {"amenity": ["school"]})
    schools = facilities.facilities_from_osm(found, kind="school")
    assert len(schools) == 48
    assert list(schools.columns) == [
        "facility_id",
        "name",
        "kind",
        "osm_id",
        "osm_type",
        "amenity",
        "geometry",
    ]
    assert set(schools.geom_type) == {"Point"} and schools.crs.to_epsg() == 4326
    assert schools["facility_id"].tolist() == [
        f"{t}/{i}" for t, i in zip(found["osm_type"], found["osm_id"], strict=True)
    ]
    # a school mapped as an area is represented by a point inside it
    areas = found.geom_type == "Polygon"
    assert areas.sum() == 33
    assert all(
        area.contains(point)
        for area, point in zip(found.geometry[areas], schools.geometry[areas], strict=True)
    )
    markets = facilities.facilities_from_osm(
        osm.features_from_osm_file(cusco_pbf, {"amenity": ["marketplace"]}), kind="market"
    )
    assert len(markets) == 11 and set(markets["kind"]) == {"market"}


# --------------------------------------------------------------------------- #
# bad input
# --------------------------------------------------------------------------- #


def test_bad_files(capitals_csv: Path, schools_csv: Path, tmp_path: Path) -> None:
    with pytest.raises(MissingFileError, match="markets: file not found"):
        facilities.facilities_from_file(tmp_path / "none.csv", kind="market")
    with pytest.raises(DataError) as info:
        facilities.facilities_from_file(capitals_csv, kind="market", id_column="CODCP")
    message = str(info.value)
    assert str(capitals_csv) in message
    assert "'name', 'lon', 'lat' not found" in message and "'XGD'" in message
    with pytest.raises(DataError, match=r"separator ';' rather than ','"):
        facilities.facilities_from_file(
            schools_csv, kind="school", id_column="codigo", name_column="nombre"
        )
    swapped = {**CAPITALS, "lon_column": "YGD", "lat_column": "XGD"}
    with pytest.raises(DataError, match=r"'YGD' \(longitude\) and 'XGD' \(latitude\) look swapped"):
        facilities.facilities_from_file(capitals_csv, kind="market", **swapped)
    far = shapely.box(-60.0, -30.0, -59.0, -29.0)
    with pytest.raises(EmptyRegionError, match="none of the 1678 usable points"):
        facilities.facilities_from_file(capitals_csv, kind="market", region=far, **CAPITALS)
    with pytest.raises(DataError, match="kind must be a non-empty string"):
        facilities.facilities_from_file(capitals_csv, kind=" ", **CAPITALS)


def test_crs_less_layers(tmp_path: Path) -> None:
    layer = gpd.GeoDataFrame(
        {"id": ["a"], "name": ["Feria"]}, geometry=[shapely.Point(-72.0, -13.5)]
    )
    with pytest.warns(UserWarning, match="crs"):
        layer.to_file(tmp_path / "markets.gpkg")
    with pytest.raises(CrsError, match=r"markets.gpkg: the layer has no CRS"):
        facilities.facilities_from_file(tmp_path / "markets.gpkg", kind="market")
    features = gpd.GeoDataFrame(
        {"osm_id": [1], "osm_type": ["node"], "name": ["Feria"]},
        geometry=[shapely.Point(-72.0, -13.5)],
    )
    with pytest.raises(CrsError, match="features: the layer has no CRS"):
        facilities.facilities_from_osm(features, kind="market")
    with pytest.raises(EmptyRegionError, match="no feature to use as market"):
        facilities.facilities_from_osm(features.set_crs(4326).iloc[:0], kind="market")
    with pytest.raises(DataError, match="'osm_type' not found"):
        facilities.facilities_from_osm(
            features.set_crs(4326).drop(columns="osm_type"), kind="market"
        )
