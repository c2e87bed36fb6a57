"""Fixtures of the works tests: the synthetic sample region, its generated works, and Cusco.

Session-scoped: the tests of every kind of work share one network and one work set,
and the tests on real data one network of Cusco.
"""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import pandas as pd
import pytest
import shapely
from works_cases import Generated, Sample

from connectivity.network import RoadNetwork, build_network
from connectivity.works import generate_candidates


def _points(path: Path) -> gpd.GeoDataFrame:
    frame = pd.read_csv(path)
    return gpd.GeoDataFrame(
        frame, geometry=gpd.points_from_xy(frame["lon"], frame["lat"]), crs="EPSG:4326"
    )


@pytest.fixture(scope="session")
def sample(tmp_path_factory: pytest.TempPathFactory) -> Sample:
    from connectivity.sample import generate_sample_region
    from connectivity.sources import osm

    files = generate_sample_region(tmp_path_factory.mktemp("sample"), seed=7, size=0.5)
    waterways = osm.waterways_from_osm_file(files.roads_osm)
    network = build_network(
        osm.graph_from_osm_file(files.roads_osm),
        communities=_points(files.communities_csv),
        markets=_points(files.markets_csv),
        schools=_points(files.schools_csv),
        dem_path=files.elevation_tif,
        crs="EPSG:32718",
        waterways=waterways,
    )
    return Sample(network, files.elevation_tif, waterways, files.proposals_geojson)


@pytest.fixture(scope="session")
def generated(sample: Sample) -> Generated:
    network, works, rejected = generate_candidates(
        sample.network, dem_path=sample.dem, waterways=sample.waterways
    )
    return Generated(network, works, rejected)


@pytest.fixture(scope="session")
def cusco(cusco_pbf: Path) -> tuple[RoadNetwork, gpd.GeoDataFrame]:
    """A piece of Cusco from the real OpenStreetMap extract, and its waterways (no DEM)."""
    from connectivity.sources import osm

    area = shapely.box(-71.95, -13.55, -71.86, -13.46)
    waterways = osm.waterways_from_osm_file(cusco_pbf, polygon=area)
    places = osm.features_from_osm_file(cusco_pbf, {"place": ["village", "hamlet"]}, polygon=area)
    communities = gpd.GeoDataFrame(
        {"community_id": places["osm_id"].astype(str), "name": places["name"], "population": 100},
        geometry=places.geometry.representative_point().to_numpy(),
        crs=places.crs,
    )
    facilities = gpd.GeoDataFrame(
        {"facility_id": ["m1"]}, geometry=[shapely.Point(-71.90, -13.52)], crs="EPSG:4326"
    )
    network = build_network(
        osm.graph_from_osm_file(cusco_pbf, polygon=area),
        communities=communities,
        markets=facilities,
        schools=facilities,
        waterways=waterways,
    )
    return network, waterways
