"""Shared helpers of the works tests: the sample region's types, travel times, proposal files."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import geopandas as gpd
import pandas as pd
import shapely

from connectivity import routing
from connectivity.network import RoadNetwork
from connectivity.works import WEIGHTS, WorkSet

WEIGHT_LIST = list(WEIGHTS)


@dataclass
class Sample:
    network: RoadNetwork
    dem: Path
    waterways: gpd.GeoDataFrame
    proposals: Path


@dataclass
class Generated:
    network: RoadNetwork
    works: WorkSet
    rejected: pd.DataFrame


def _facilities(network: RoadNetwork, kind: str) -> pd.Series:
    layer = network.markets if kind == "market" else network.schools
    return pd.Series(layer.set_index("facility_id")["node_id"])


def _times(network: RoadNetwork, weight: str, kind: str = "market") -> pd.Series:
    graph = routing.routing_graph_from_gdfs(network.nodes, network.edges, weights=[weight])
    origins = network.communities.set_index("community_id")["node_id"]
    table = routing.nearest_facility(graph, origins, _facilities(network, kind), weight=weight)
    return table["time_s"]


def _write(tmp_path: Path, features: list[dict], crs: str = "EPSG:32718") -> Path:
    path = tmp_path / "proposals.geojson"
    path.write_text(
        json.dumps(
            {
                "type": "FeatureCollection",
                "crs": {
                    "type": "name",
                    "properties": {"name": f"urn:ogc:def:crs:{crs.replace(':', '::')}"},
                },
                "features": features,
            }
        )
    )
    return path


def _feature(props: dict, geom: Any) -> dict:
    return {
        "type": "Feature",
        "properties": props,
        "geometry": None if geom is None else shapely.geometry.mapping(geom),
    }
