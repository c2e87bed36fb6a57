"""Road classes, the OSM tags a work sets, and readers of the edge table.

Road classes from lowest to highest (:data:`CLASS_ORDER`), the tags an edge
raised to each class gets (:data:`TARGET_TAGS`), the paths that can be widened
into a trocha (:data:`PATH_HIGHWAYS`) and the tags of a new road
(:data:`NEW_LINK_TAGS`), shared by generated works and proposals; and the small
readers every kind of work uses: tag values, one number per undirected road,
the names of the communities nearest to points. Names are in Spanish, the
language of the planners who read them.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from connectivity.network import RoadNetwork

__all__ = ["CLASS_ORDER", "NEW_LINK_TAGS", "PATH_HIGHWAYS", "TARGET_TAGS"]


#: Road classes from lowest to highest.
CLASS_ORDER: tuple[str, ...] = ("camino", "trocha", "sin_afirmar", "afirmado", "asfaltado")
_RANK = {c: i for i, c in enumerate(CLASS_ORDER)}

#: Work steps (cost keys ``upgrade_<step>_<terrain>``) in order; raising a road
#: pays every step above its class up to the target.
_STEPS: tuple[str, ...] = ("trocha", "afirmado", "asfaltado")

#: OSM tags set on an edge raised to each class (``None`` removes the tag).
#: (A trocha opened on a mule path is also open to vehicles: ``motor_vehicle`` is cleared.)
TARGET_TAGS: dict[str, dict[str, str | None]] = {
    "trocha": {"surface": None, "tracktype": "grade4", "smoothness": None},
    "afirmado": {"surface": "gravel", "tracktype": None, "smoothness": None},
    "asfaltado": {"surface": "asphalt", "tracktype": None, "smoothness": None},
}
_RETAGGED = ("surface", "tracktype", "smoothness")

#: ``highway`` values of paths that can be widened into a trocha (become ``track``).
PATH_HIGHWAYS: tuple[str, ...] = ("path", "bridleway")

#: Tags of a new road (an afirmado track).
NEW_LINK_TAGS: dict[str, str] = {"highway": "track", "surface": "gravel"}

_CLASS_ES = {
    "camino": "camino de herradura",
    "trocha": "trocha carrozable",
    "sin_afirmar": "camino sin afirmar",
    "afirmado": "carretera afirmada",
    "asfaltado": "carretera asfaltada",
}

EdgeKey = tuple[int, int, int]


def _scalar(value: Any) -> Any:
    if isinstance(value, list):
        return value[0] if value else None
    return value


def _tag(frame: pd.DataFrame, column: str) -> pd.Series:
    if column not in frame.columns:
        return pd.Series([None] * len(frame), index=frame.index, dtype=object)
    return frame[column].map(_scalar).astype(object).where(frame[column].notna(), None)


def _text(value: Any) -> str:
    value = _scalar(value)
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return ""
    return str(value)


def _place_name(frame: pd.DataFrame, i: int) -> str:
    for col in ("name", "community_id"):
        if col in frame.columns:
            text = _text(frame[col].iloc[i])
            if text:
                return text
    return str(frame.index[i])


def _undirected_groups(edges: gpd.GeoDataFrame) -> np.ndarray:
    """Return a number per undirected road: both directions of a two-way edge share it."""
    u = edges.index.get_level_values(0).to_numpy()
    v = edges.index.get_level_values(1).to_numpy()
    geoms = shapely.normalize(shapely.set_precision(edges.geometry.to_numpy(), 0.001))
    frame = pd.DataFrame(
        {"a": np.minimum(u, v), "b": np.maximum(u, v), "g": shapely.to_wkb(geoms)},
    )
    return np.asarray(frame.groupby(["a", "b", "g"], sort=True).ngroup().to_numpy())


def _nearest_names(network: RoadNetwork, points: Sequence[shapely.Point]) -> list[str]:
    comm = network.communities
    if comm.empty or not points:
        return ["" for _ in points]
    tree = shapely.STRtree(comm.geometry.to_numpy())
    _, idx = tree.query_nearest(np.asarray(points, dtype=object), all_matches=False)
    return [_place_name(comm, int(i)) for i in idx]
