"""Fixtures of the ranking tests: the synthetic sample region and its hand-made works.

Session-scoped: the evaluation, portfolio and output tests share one network.
"""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import pandas as pd
import pytest
from ranking_cases import CUSCO_AREA, hand_made_works

from connectivity.network import RoadNetwork, build_network
from connectivity.sample import generate_sample_region
from connectivity.sources import facilities, osm, population
from connectivity.works import WorkSet


def _points(frame: pd.DataFrame) -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame(
        frame, geometry=gpd.points_from_xy(frame["lon"], frame["lat"]), crs="EPSG:4326"
    )


@pytest.fixture(scope="session")
def sample_network(tmp_path_factory: pytest.TempPathFactory) -> RoadNetwork:
    files = generate_sample_region(tmp_path_factory.mktemp("sample"), seed=42, size=1.0)
    return build_network(
        osm.graph_from_osm_file(files.roads_osm),
        communities=_points(pd.read_csv(files.communities_csv)),
        markets=_points(pd.read_csv(files.markets_csv)),
        schools=_points(pd.read_csv(files.schools_csv)),
        dem_path=files.elevation_tif,  # walking times differ uphill and downhill
    )


@pytest.fixture(scope="session")
def sample_works(sample_network: RoadNetwork) -> WorkSet:
    return hand_made_works(sample_network)


@pytest.fixture(scope="session")
def cusco_network(cusco_pbf: Path) -> RoadNetwork:
    """Real Cusco roads, OSM places as communities, OSM markets and schools."""

    def features(tags: dict[str, object]) -> gpd.GeoDataFrame:
        return osm.features_from_osm_file(cusco_pbf, tags, polygon=CUSCO_AREA)

    places = features(
        {"place": ["town", "village", "hamlet", "isolated_dwelling", "neighbourhood"]}
    )
    return build_network(
        osm.graph_from_osm_file(cusco_pbf, polygon=CUSCO_AREA),
        communities=population.communities_from_osm_places(places, features({"building": True})),
        markets=facilities.facilities_from_osm(features({"amenity": "marketplace"}), kind="market"),
        schools=facilities.facilities_from_osm(features({"amenity": "school"}), kind="school"),
    )
