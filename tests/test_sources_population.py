"""Population sources: points (CSV/GeoJSON/GPKG), rasters (local and remote by window), OSM places.

Also the streamed downloads of :mod:`connectivity._http` that remote point
files go through. Remote files are served for real over HTTP by
``http_server.StaticFileServer`` on 127.0.0.1; nothing is mocked.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import geopandas as gpd
import numpy as np
import osmium
import pandas as pd
import pytest
import rasterio
import shapely
from http_server import StaticFileServer
from rasterio.transform import from_origin
from scipy import ndimage

from connectivity._http import cached_download, download_file
from connectivity.errors import (
    CrsError,
    DataError,
    DownloadError,
    EmptyRegionError,
    MissingFileError,
)
from connectivity.sample import SampleRegionFiles, generate_sample_region
from connectivity.settings import settings
from connectivity.sources import osm
from connectivity.sources import population as pop

AYACUCHO_COLUMNS = {
    "lon_column": "longitud",
    "lat_column": "latitud",
    "population_column": "poblacion",
    "id_column": "codigo_de_ubigeo_y_centro_poblado",
    "name_column": "centro_poblado",
    "district_column": "distrito",
}
SAMPLE_COLUMNS = {
    "id_column": "community_id",
    "name_column": "name",
    "population_column": "population",
    "district_column": "district",
}
#: A part of the synthetic sample region (its west half, roughly).
SAMPLE_PART = shapely.box(-74.48, -13.90, -74.30, -13.70)
PLACE_TAGS = {"place": ["town", "village", "hamlet", "isolated_dwelling"]}


# --------------------------------------------------------------------------- #
# fixtures
# --------------------------------------------------------------------------- #


@pytest.fixture(scope="session")
def sample(tmp_path_factory: pytest.TempPathFactory) -> SampleRegionFiles:
    """The synthetic sample region (invented data), generated once."""
    return generate_sample_region(tmp_path_factory.mktemp("sample"))


@pytest.fixture(scope="session")
def ayacucho_csv(shared_data: Path) -> Path:
    return shared_data / "ayacucho" / "centros_poblados.csv"


@pytest.fixture(scope="session")
def served(sample: SampleRegionFiles, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Folder served over HTTP: the sample population raster re-tiled (32 x 32, uncompressed)."""
    folder = tmp_path_factory.mktemp("served")
    with rasterio.open(sample.population_tif) as src:
        profile = src.profile | {
            "tiled": True,
            "blockxsize": 32,
            "blockysize": 32,
            "compress": None,
        }
        with rasterio.open(folder / "population.tif", "w", **profile) as dst:
            dst.write(src.read(1), 1)
    return folder


@pytest.fixture
def server(served: Path) -> Iterator[StaticFileServer]:
    with StaticFileServer(served) as srv:
        yield srv


@pytest.fixture
def cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    folder = tmp_path / "cache"
    monkeypatch.setattr(settings, "_cache_dir", folder)
    return folder


def _csv(path: Path, text: str, encoding: str = "utf-8") -> Path:
    path.write_bytes(text.encode(encoding))
    return path


# --------------------------------------------------------------------------- #
# points: real and sample files
# --------------------------------------------------------------------------- #


def test_all_ayacucho_villages_load_and_unusable_rows_are_reported(
    ayacucho_csv: Path, caplog: pytest.LogCaptureFixture
) -> None:
    villages = pop.communities_from_points(ayacucho_csv, **AYACUCHO_COLUMNS)
    raw = pd.read_csv(ayacucho_csv, dtype=str, keep_default_na=False)
    assert len(raw) == 6006
    blank = raw["poblacion"].str.strip().eq("")
    zero = pd.to_numeric(raw["poblacion"], errors="coerce").eq(0)
    assert (blank.sum(), zero.sum()) == (24, 679)
    report = pop.load_report(villages)
    assert report[["reason", "count"]].to_dict("records") == [
        {"reason": "missing population", "count": 24},
        {"reason": "zero population", "count": 679},
    ]
    assert report["population"].isna().tolist() == [True, False]  # unknown; 0 people
    assert len(villages) + report["count"].sum() == 6006 == len(villages) + 703
    assert "dropped 703 of 6006 rows: 24 missing population, 679 zero population" in caplog.text
    # every kept row is the file's row, with its id (leading zero kept) and numbers
    assert list(villages.columns) == [
        "community_id",
        "name",
        "population",
        "district",
        "population_source",
        "geometry",
    ]
    assert set(villages["population_source"]) == {"file"}  # counted, not estimated
    assert villages.crs.to_epsg() == 4326
    assert villages["community_id"].is_unique
    kept = raw[~blank & ~zero].reset_index(drop=True)
    assert villages["community_id"].tolist() == kept["codigo_de_ubigeo_y_centro_poblado"].tolist()
    assert villages["community_id"].iloc[0] == "0501010001"
    assert villages["population"].dtype == float and (villages["population"] > 0).all()
    assert villages["population"].sum() == kept["poblacion"].astype(float).sum()
    city = villages.set_index("community_id").loc["0501010001"]
    assert (city["name"], city["population"], city["district"]) == ("AYACUCHO", 100935, "AYACUCHO")
    np.testing.assert_array_equal(villages.geometry.x, kept["longitud"].astype(float))
    np.testing.assert_array_equal(villages.geometry.y, kept["latitud"].astype(float))


def test_extra_columns_are_kept_or_named_when_missing(ayacucho_csv: Path) -> None:
    villages = pop.communities_from_points(
        ayacucho_csv, **AYACUCHO_COLUMNS, extra_columns=["altitud", "categoria"]
    )
    assert list(villages.columns) == [
        "community_id",
        "name",
        "population",
        "district",
        "population_source",
        "altitud",
        "categoria",
        "geometry",
    ]
    city = villages.set_index("community_id").loc["0501020001"]
    assert city["categoria"] == "pueblo" and float(city["altitud"]) == pytest.approx(3251.3)
    with pytest.raises(DataError, match="no column\\(s\\) 'pobreza' to keep"):
        pop.communities_from_points(ayacucho_csv, **AYACUCHO_COLUMNS, extra_columns=["pobreza"])


def test_ayacucho_villages_inside_a_province(ayacucho_csv: Path, shared_data: Path) -> None:
    provinces = gpd.read_file(shared_data / "peru" / "limites_provincial.geojson")
    huamanga = provinces[provinces["FIRST_IDPR"] == "0501"]
    assert len(huamanga) == 1
    inside = pop.communities_from_points(ayacucho_csv, region=huamanga, **AYACUCHO_COLUMNS)
    everything = pop.communities_from_points(ayacucho_csv, **AYACUCHO_COLUMNS)
    expected = everything[everything.intersects(huamanga.geometry.iloc[0])]
    assert inside["community_id"].tolist() == expected["community_id"].tolist()
    report = pop.load_report(inside).set_index("reason")
    assert report.loc["outside region", "count"] == len(everything) - len(inside)
    assert report.loc["outside region", "population"] == pytest.approx(
        everything["population"].sum() - inside["population"].sum()
    )
    raw = pd.read_csv(ayacucho_csv, dtype=str)
    province = raw.set_index("codigo_de_ubigeo_y_centro_poblado").loc[
        inside["community_id"], "provincia"
    ]
    assert 400 < len(inside) < 700
    assert (province == "HUAMANGA").mean() > 0.95  # boundaries are simplified


def test_sample_points_in_three_formats(sample: SampleRegionFiles, tmp_path: Path) -> None:
    from_csv = pop.communities_from_points(sample.communities_csv, **SAMPLE_COLUMNS)
    table = pd.read_csv(sample.communities_csv)
    assert len(from_csv) == len(table) == 333
    assert pop.load_report(from_csv).empty
    assert from_csv["population"].tolist() == table["population"].astype(float).tolist()
    layer = gpd.GeoDataFrame(
        table.drop(columns=["lon", "lat"]),
        geometry=gpd.points_from_xy(table["lon"], table["lat"]),
        crs=4326,
    )
    layer.to_crs(32718).to_file(tmp_path / "communities.gpkg", layer="villages")
    layer.to_file(tmp_path / "communities.geojson")
    for path in (tmp_path / "communities.gpkg", tmp_path / "communities.geojson"):
        loaded = pop.communities_from_points(path, **SAMPLE_COLUMNS)
        assert loaded.drop(columns="geometry").equals(from_csv.drop(columns="geometry"))
        assert np.abs(loaded.geometry.x - from_csv.geometry.x).max() < 1e-7
        assert np.abs(loaded.geometry.y - from_csv.geometry.y).max() < 1e-7
    # polygons count at their representative point
    areas = layer.to_crs(32718).buffer(50).to_crs(4326)
    gpd.GeoDataFrame(table[["community_id", "name", "population"]], geometry=areas).to_file(
        tmp_path / "areas.gpkg"
    )
    from_areas = pop.communities_from_points(
        tmp_path / "areas.gpkg", id_column="community_id", population_column="population"
    )
    assert from_areas.to_crs(32718).distance(from_csv.to_crs(32718)).max() < 50
    assert from_areas["district"].isna().all()


def test_messy_csv_rows_reported_by_reason(tmp_path: Path) -> None:
    text = (
        "cod;nombre;x;y;hab\n"
        "001;Uno;-74,10;-13,10;120\n"  # decimal commas
        ";Sin código;-74.1;-13.1;50\n"
        "003;Sin coordenadas;;-13.1;50\n"
        "004;Texto;abc;-13.1;50\n"
        "005;Fuera de rango;-274.1;-13.1;50\n"
        "006;Cero;0;0;50\n"
        "007;Sin población;-74.1;-13.1;\n"
        "008;Población texto;-74.1;-13.1;muchos\n"
        "009;Negativa;-74.1;-13.1;-5\n"
        "010;Vacía;-74.1;-13.1;0\n"
        "001;Repetido;-74.2;-13.2;70\n"
        "012;Ñahuinpuquio;-74.3;-13.3;30.5\n"
    )
    path = _csv(tmp_path / "messy.csv", text, encoding="latin-1")
    got = pop.communities_from_points(
        path,
        lon_column="x",
        lat_column="y",
        population_column="hab",
        id_column="cod",
        name_column="nombre",
        csv_separator=";",
    )
    assert got["community_id"].tolist() == ["001", "012"]
    assert got["name"].tolist() == ["Uno", "Ñahuinpuquio"]  # Latin-1 read as such
    assert got["population"].tolist() == [120.0, 30.5]
    assert got.geometry.iloc[0].coords[0] == (-74.1, -13.1)
    report = pop.load_report(got)
    assert dict(zip(report["reason"], report["count"], strict=True)) == {
        pop.MISSING_ID: 1,
        pop.MISSING_COORDINATES: 1,
        pop.COORDINATES_NOT_NUMERIC: 1,
        pop.COORDINATES_OUT_OF_RANGE: 1,
        pop.COORDINATES_AT_ZERO: 1,
        pop.MISSING_POPULATION: 1,
        pop.POPULATION_NOT_NUMERIC: 1,
        pop.NEGATIVE_POPULATION: 1,
        pop.ZERO_POPULATION: 1,
        pop.DUPLICATED_ID: 1,
    }
    assert report.set_index("reason").loc[pop.DUPLICATED_ID, "population"] == 70.0


# --------------------------------------------------------------------------- #
# points: bad input
# --------------------------------------------------------------------------- #


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(MissingFileError, match=r"file not found: .*nowhere\.csv"):
        pop.communities_from_points(tmp_path / "nowhere.csv")


def test_missing_column_lists_the_columns(ayacucho_csv: Path) -> None:
    columns = {**AYACUCHO_COLUMNS, "population_column": "poblacion_total"}
    with pytest.raises(DataError) as info:
        pop.communities_from_points(ayacucho_csv, **columns)
    message = str(info.value)
    assert str(ayacucho_csv) in message
    assert "'poblacion_total' not found" in message
    assert "the file has 65 column(s)" in message and "'poblacion'" in message


def test_wrong_separator_is_named(shared_data: Path) -> None:
    schools = shared_data / "peru" / "colegios_minedu.csv"
    with pytest.raises(DataError, match=r"is the separator ';' rather than ','"):
        pop.communities_from_points(schools, id_column="codigo", name_column="nombre")


def test_swapped_lon_lat(ayacucho_csv: Path, sample: SampleRegionFiles) -> None:
    swapped = {**AYACUCHO_COLUMNS, "lon_column": "latitud", "lat_column": "longitud"}
    with pytest.raises(DataError, match="look swapped") as info:
        pop.communities_from_points(ayacucho_csv, **swapped)
    assert str(ayacucho_csv) in str(info.value)
    assert "'latitud' (longitude) and 'longitud' (latitude)" in str(info.value)
    # with a region: the points fall in it only when exchanged
    with pytest.raises(DataError, match="fall in the region with longitude and latitude"):
        pop.communities_from_points(
            sample.communities_csv,
            lon_column="lat",
            lat_column="lon",
            region=SAMPLE_PART,
            **SAMPLE_COLUMNS,
        )


def test_projected_coordinates_in_a_csv(tmp_path: Path) -> None:
    path = _csv(tmp_path / "utm.csv", "id,name,lon,lat,population\n1,A,580000,8470000,10\n")
    with pytest.raises(DataError, match="do not hold longitude/latitude in degrees"):
        pop.communities_from_points(path)


def test_crs_less_layer(tmp_path: Path) -> None:
    layer = gpd.GeoDataFrame(
        {"id": ["1"], "name": ["A"], "population": [10]}, geometry=[shapely.Point(-74, -13)]
    )
    with pytest.warns(UserWarning, match="crs"):
        layer.to_file(tmp_path / "nocrs.gpkg")
    with pytest.raises(CrsError, match=r"nocrs.gpkg: the layer has no CRS"):
        pop.communities_from_points(tmp_path / "nocrs.gpkg")


def test_points_outside_the_region(sample: SampleRegionFiles) -> None:
    part = pop.communities_from_points(sample.communities_csv, region=SAMPLE_PART, **SAMPLE_COLUMNS)
    everything = pop.communities_from_points(sample.communities_csv, **SAMPLE_COLUMNS)
    outside = int((~everything.within(SAMPLE_PART)).sum())
    assert 0 < outside < len(everything)
    report = pop.load_report(part)
    assert report["reason"].tolist() == ["outside region"]
    assert report["count"].iloc[0] == outside == len(everything) - len(part)
    lima = shapely.box(-77.2, -12.2, -76.9, -11.9)
    with pytest.raises(EmptyRegionError, match="none of the 333 usable points lies inside"):
        pop.communities_from_points(sample.communities_csv, region=lima, **SAMPLE_COLUMNS)
    with pytest.raises(CrsError, match="not longitude/latitude"):
        pop.communities_from_points(
            sample.communities_csv, region=shapely.box(5e5, 8e6, 6e5, 9e6), **SAMPLE_COLUMNS
        )


def test_no_usable_row(tmp_path: Path) -> None:
    path = _csv(tmp_path / "empty.csv", "id,name,lon,lat,population\n1,A,-74,-13,0\n")
    with pytest.raises(EmptyRegionError, match=r"no usable rows among 1 \(dropped: 1 zero"):
        pop.communities_from_points(path)
    other = _csv(tmp_path / "villages.xlsx", "x")
    with pytest.raises(DataError, match="unknown file type"):
        pop.communities_from_points(other)


# --------------------------------------------------------------------------- #
# population raster
# --------------------------------------------------------------------------- #


def _reference_clusters(path: Path, block_m: float) -> pd.DataFrame:
    """Slow reference: label each block on its own (8-neighbours), sum and centre."""
    with rasterio.open(path) as src:
        values = src.read(1, masked=True).filled(0).astype(float)
        t = src.transform
    by = bx = round(block_m / t.a)
    rows = []
    for r0 in range(0, values.shape[0], by):
        for c0 in range(0, values.shape[1], bx):
            block = values[r0 : r0 + by, c0 : c0 + bx]
            labels, n = ndimage.label(block > 0, structure=np.ones((3, 3)))
            for k in range(1, n + 1):
                rr, cc = np.nonzero(labels == k)
                w = block[rr, cc]
                rows.append(
                    {
                        "people": w.sum(),
                        "x": t.c + (np.average(cc + c0, weights=w) + 0.5) * t.a,
                        "y": t.f + (np.average(rr + r0, weights=w) + 0.5) * t.e,
                    }
                )
    frame = pd.DataFrame(rows).round({"x": 3, "y": 3})
    return frame.sort_values(["x", "y"]).reset_index(drop=True)


def test_raster_communities_equal_a_simple_reference(sample: SampleRegionFiles) -> None:
    got = pop.communities_from_raster(sample.population_tif, block_m=1000, min_population=0)
    reference = _reference_clusters(sample.population_tif, 1000)
    projected = got.to_crs(32718)
    mine = pd.DataFrame(
        {"people": got["population"], "x": projected.geometry.x, "y": projected.geometry.y}
    )
    mine = mine.round({"x": 3, "y": 3}).sort_values(["x", "y"]).reset_index(drop=True)
    assert len(mine) == len(reference) > 300
    np.testing.assert_allclose(mine["people"], reference["people"], rtol=1e-9)
    np.testing.assert_allclose(mine[["x", "y"]], reference[["x", "y"]], atol=1e-3)
    assert got["community_id"].is_unique
    assert set(got["population_source"]) == {"raster"}
    # people are kept: the raster total, less the reported small groups
    with rasterio.open(sample.population_tif) as src:
        total = float(src.read(1, masked=True).sum())
    default = pop.communities_from_raster(sample.population_tif)
    report = pop.load_report(default).set_index("reason")
    dropped = report.loc["below min_population"]
    assert default["population"].sum() + dropped["population"] == pytest.approx(total)
    assert len(default) + dropped["count"] == len(got)
    # every town of the sample has a raster community within 1 km
    towns = pd.read_csv(sample.communities_csv).query("category == 'town'")
    towns = gpd.GeoSeries(gpd.points_from_xy(towns["lon"], towns["lat"]), crs=4326).to_crs(32718)
    assert max(projected.distance(town).min() for town in towns) < 1000


def test_remote_raster_is_read_by_window(
    server: StaticFileServer, served: Path, caplog: pytest.LogCaptureFixture
) -> None:
    url = f"{server.url}/population.tif"
    size = (served / "population.tif").stat().st_size
    with caplog.at_level("INFO", logger="http_server"):
        remote = pop.communities_from_raster(url, region=SAMPLE_PART)
    got = [r for r in server.requests if r.path == "/population.tif" and r.method == "GET"]
    assert got and all(r.status == 206 and r.range for r in got)
    assert "range=bytes=" in caplog.text  # the server logs every range it serves
    sent = server.bytes_sent("/population.tif")
    assert 0 < sent < 0.35 * size, (sent, size)  # the window holds ~13% of the cells
    local = pop.communities_from_raster(served / "population.tif", region=SAMPLE_PART)
    assert remote.drop(columns="geometry").equals(local.drop(columns="geometry"))
    assert remote.geometry.geom_equals(local.geometry).all()
    # the window is aligned on whole blocks: the same communities as a full read
    full = pop.communities_from_raster(served / "population.tif")
    inside = full[full.intersects(SAMPLE_PART)].reset_index(drop=True)
    assert remote["community_id"].tolist() == inside["community_id"].tolist()
    np.testing.assert_allclose(remote["population"], inside["population"])
    assert pop.load_report(remote).empty or set(pop.load_report(remote)["reason"]) <= {
        "outside region",
        "below min_population",
    }


def test_raster_without_overlap(sample: SampleRegionFiles, server: StaticFileServer) -> None:
    lima = shapely.box(-77.2, -12.2, -76.9, -11.9)
    with pytest.raises(EmptyRegionError, match="does not overlap the region") as info:
        pop.communities_from_raster(sample.population_tif, region=lima)
    assert str(sample.population_tif) in str(info.value)
    url = f"{server.url}/population.tif"
    with pytest.raises(EmptyRegionError, match="does not overlap") as info:
        pop.communities_from_raster(url, region=lima)
    assert url in str(info.value)


def test_raster_bad_input(
    tmp_path: Path, server: StaticFileServer, sample: SampleRegionFiles
) -> None:
    with pytest.raises(MissingFileError, match="population raster not found"):
        pop.communities_from_raster(tmp_path / "nowhere.tif")
    corrupt = tmp_path / "corrupt.tif"
    corrupt.write_bytes(b"II*\x00 this is not a GeoTIFF")
    with pytest.raises(DataError, match=r"corrupt.tif: cannot read it as a raster"):
        pop.communities_from_raster(corrupt)
    missing = f"{server.url}/status/404/population.tif"
    with pytest.raises(DownloadError, match="cannot read the raster at") as info:
        pop.communities_from_raster(missing)
    assert missing in str(info.value)
    with rasterio.open(sample.population_tif) as src:
        profile = src.profile | {"crs": None}
        with rasterio.open(tmp_path / "nocrs.tif", "w", **profile) as dst:
            dst.write(src.read(1), 1)
    with pytest.raises(CrsError, match=r"nocrs.tif: the raster has no CRS"):
        pop.communities_from_raster(tmp_path / "nocrs.tif")


def test_geographic_raster_blocks_are_about_a_kilometre(tmp_path: Path) -> None:
    # 3 arc-second cells (about 92 x 93 m at 13° S): two hamlets 3 km apart
    res = 3 / 3600
    values = np.zeros((60, 60), dtype="float32")
    values[3:5, 3:5] = 10.0  # 40 people
    values[40, 45] = 25.0
    values[0, 59] = 0.5  # below min_population
    path = tmp_path / "worldpop.tif"
    profile = {
        "driver": "GTiff",
        "width": 60,
        "height": 60,
        "count": 1,
        "dtype": "float32",
        "crs": "EPSG:4326",
        "transform": from_origin(-74.0, -13.0, res, res),
        "nodata": -99999.0,
    }
    with rasterio.open(path, "w", **profile) as dst:
        dst.write(values, 1)
    got = pop.communities_from_raster(path)
    assert got["population"].tolist() == [40.0, 25.0]
    assert got["community_id"].tolist() == ["R0C0-1", "R3C4-1"]  # 11 x 11-cell blocks
    assert got.geometry.iloc[0].x == pytest.approx(-74.0 + 4 * res)
    assert got.geometry.iloc[0].y == pytest.approx(-13.0 - 4 * res)
    assert pop.load_report(got)["count"].tolist() == [1]


# --------------------------------------------------------------------------- #
# OSM places
# --------------------------------------------------------------------------- #


def test_cusco_places_get_labelled_estimates(cusco_pbf: Path) -> None:
    places = osm.features_from_osm_file(cusco_pbf, PLACE_TAGS)
    buildings = osm.features_from_osm_file(cusco_pbf, {"building": True})
    got = pop.communities_from_osm_places(places, buildings)
    assert len(places) == 16 and len(got) == 15
    # Yuncaypata is mapped twice (a hamlet node and a village area): counted once
    assert (got["name"] == "Yuncaypata").sum() == 1
    report = pop.load_report(got)
    assert report.to_dict("records") == [
        {"reason": "same name as a place nearby", "count": 1, "population": 20.0}
    ]
    # no population tags, few buildings: the place-type minimum, said so
    assert set(got["population_source"]) == {"place_type_minimum"}
    assert got.set_index("name").loc["Chitapampa", "n_buildings"] == 1
    expected = got["place"].map(pop.PLACE_MIN_POPULATION)
    assert got["population"].tolist() == expected.tolist()
    assert got["community_id"].str.match(r"^(node|way)/\d+$").all()
    assert got.crs.to_epsg() == 4326 and set(got.geom_type) == {"Point"}


def test_sample_places_use_their_population_tags(sample: SampleRegionFiles) -> None:
    places = osm.features_from_osm_file(sample.roads_osm, PLACE_TAGS)
    tagged = {
        n.id: n.tags["population"]
        for n in osmium.FileProcessor(str(sample.roads_osm), osmium.osm.NODE)
        if "place" in n.tags
    }
    places["population"] = places["osm_id"].map(tagged)
    got = pop.communities_from_osm_places(places, places.iloc[:0])
    assert len(got) == 333 and set(got["population_source"]) == {"osm_tag"}
    table = pd.read_csv(sample.communities_csv)
    assert sorted(got["population"]) == sorted(table["population"].astype(float))


def test_population_estimated_from_buildings() -> None:
    x0, y0 = 580_000.0, 8_470_000.0  # somewhere in the Andes (UTM 18S)

    def square(x: float, y: float) -> shapely.Polygon:
        return shapely.box(x0 + x - 4, y0 + y - 4, x0 + x + 4, y0 + y + 4)

    utm = 32718
    places = gpd.GeoDataFrame(
        {
            "osm_id": [1, 2, 3, 4],
            "osm_type": ["node"] * 4,
            "place": ["village", "hamlet", "locality", "village"],
            "name": ["Grande", "Chico", "Pampa", "Con dato"],
            "population": [None, None, None, "1,234"],
        },
        geometry=[shapely.Point(x0 + x, y0) for x in (0, 2000, 5000, 9000)],
        crs=utm,
    )
    houses = [square(10 * i, 300) for i in range(60)]  # 60 within 800 m of Grande
    houses += [square(1700, 0), square(1800, 0)]  # nearer Chico (radius 400 m)
    houses += [square(1100, 0)]  # nearest Grande but beyond its 800 m
    houses += [square(9000, 100)]  # beside a place with a population tag
    buildings = gpd.GeoDataFrame(geometry=houses, crs=utm)
    got = pop.communities_from_osm_places(places, buildings).set_index("name")
    assert got.loc["Grande", "n_buildings"] == 60
    assert got.loc["Grande", "population"] == 60 * pop.PERSONS_PER_BUILDING
    assert got.loc["Grande", "population_source"] == "estimate_from_buildings"
    assert got.loc["Chico", "n_buildings"] == 2
    assert got.loc["Chico", "population"] == pop.PLACE_MIN_POPULATION["hamlet"]
    assert got.loc["Chico", "population_source"] == "place_type_minimum"
    assert got.loc["Con dato", "population"] == 1234.0
    assert got.loc["Con dato", "population_source"] == "osm_tag"
    assert "Pampa" not in got.index
    assert pop.load_report(got)["reason"].tolist() == ["place type without population"]
    doubled = pop.communities_from_osm_places(places, buildings, persons_per_building=7.0)
    assert doubled.set_index("name").loc["Grande", "population"] == 420.0
    with pytest.raises(CrsError, match="places: the layer has no CRS"):
        pop.communities_from_osm_places(places.set_crs(None, allow_override=True), buildings)
    with pytest.raises(DataError, match="'place' not found"):
        pop.communities_from_osm_places(places.drop(columns="place"), buildings)
    with pytest.raises(EmptyRegionError, match="no place of the types"):
        pop.communities_from_osm_places(places[places["place"] == "locality"], buildings)


# --------------------------------------------------------------------------- #
# downloads (connectivity._http), used for remote point files
# --------------------------------------------------------------------------- #


def test_download_is_streamed_and_atomic(
    server: StaticFileServer, served: Path, tmp_path: Path
) -> None:
    target = tmp_path / "sub" / "population.tif"
    assert download_file(f"{server.url}/population.tif", target) == target
    assert target.read_bytes() == (served / "population.tif").read_bytes()
    # a failed download leaves the previous file, and no temporary file
    url = f"{server.url}/status/404"
    with pytest.raises(DownloadError, match=r"answered HTTP 404 Not Found") as info:
        download_file(url, target)
    assert url in str(info.value)
    assert target.read_bytes() == (served / "population.tif").read_bytes()
    assert sorted(p.name for p in target.parent.iterdir()) == ["population.tif"]
    with pytest.raises(DownloadError, match="HTTP 500"):
        download_file(f"{server.url}/status/500", tmp_path / "new.tif")
    assert not (tmp_path / "new.tif").exists()


def test_download_timeouts(
    server: StaticFileServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(settings, "http_timeout_s", 0.5)
    slow = f"{server.url}/delay/5/population.tif"
    start = time.perf_counter()
    with pytest.raises(DownloadError, match=r"no answer from .* within 0.5 s") as info:
        download_file(slow, tmp_path / "slow.tif")
    assert slow in str(info.value)
    stalled = f"{server.url}/stall/5/population.tif"
    with pytest.raises(DownloadError, match=r"within 0.5 s .*after \d+ bytes of the body"):
        download_file(stalled, tmp_path / "stalled.tif")
    assert time.perf_counter() - start < 4
    assert list(tmp_path.iterdir()) == []


def test_download_refused_connection(tmp_path: Path) -> None:
    import socket

    with socket.socket() as sock:  # a port nobody listens on
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    with pytest.raises(DownloadError, match=f"cannot connect to http://127.0.0.1:{port}/x.csv"):
        download_file(f"http://127.0.0.1:{port}/x.csv", tmp_path / "x.csv")


def test_points_from_a_url_are_downloaded_once(
    sample: SampleRegionFiles, cache: Path, tmp_path: Path
) -> None:
    folder = tmp_path / "www"
    folder.mkdir()
    (folder / "communities.csv").write_bytes(sample.communities_csv.read_bytes())
    with StaticFileServer(folder) as srv:
        url = f"{srv.url}/communities.csv"
        first = pop.communities_from_points(url, **SAMPLE_COLUMNS)
        again = pop.communities_from_points(url, **SAMPLE_COLUMNS)
        gets = [r for r in srv.requests if r.method == "GET"]
        assert len(gets) == 1
        assert cached_download(url).parent == cache / "downloads"
        with pytest.raises(DownloadError, match="404"):
            pop.communities_from_points(f"{srv.url}/missing.csv", **SAMPLE_COLUMNS)
    assert len(first) == 333 and first.equals(again)
    assert [p.name.split("-", 1)[1] for p in (cache / "downloads").iterdir()] == ["communities.csv"]
