"""Fixtures of the works tests: the synthetic sample region and its generated works.

Session-scoped: the tests of every kind of work share one network and one work set.
"""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import pandas as pd
import pytest
from works_cases import Generated, Sample

from connectivity.network import build_network
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
    return Sample(network, files.elevation_tif, waterways)


@pytest.fixture(scope="session")
def generated(sample: Sample) -> Generated:
    network, works, rejected = generate_candidates(
        sample.network, dem_path=sample.dem, waterways=sample.waterways
    )
    return Generated(network, works, rejected)
