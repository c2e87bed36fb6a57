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

import contextlib
import math
import weakref
from collections.abc import Iterator, Sequence
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from connectivity.network import RoadNetwork
from connectivity.network.speeds import _map_each

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
    values = frame[column]
    return _map_each(values, _scalar).astype(object).where(values.notna(), None)


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


#: Road numbers of the edge tables met in the current :func:`_sharing_road_numbers` block.
_SHARED_GROUPS: list[tuple[weakref.ref[gpd.GeoDataFrame], np.ndarray]] | None = None


@contextlib.contextmanager
def _sharing_road_numbers() -> Iterator[None]:
    """Compute the road numbers of each edge table once in the block (one run shares them).

    The edge tables must not change in place inside the block.
    """
    global _SHARED_GROUPS
    outer = _SHARED_GROUPS
    _SHARED_GROUPS = [] if outer is None else outer
    try:
        yield
    finally:
        _SHARED_GROUPS = outer


def _undirected_groups(edges: gpd.GeoDataFrame) -> np.ndarray:
    """Return a number per undirected road: both directions of a two-way edge share it.

    See :func:`_number_roads`; read-only, and computed once per edge table
    inside a :func:`_sharing_road_numbers` block.
    """
    if _SHARED_GROUPS is not None:
        for ref, known in _SHARED_GROUPS:
            if ref() is edges:
                return known
    groups = _number_roads(edges)
    groups.setflags(write=False)
    if _SHARED_GROUPS is not None:
        _SHARED_GROUPS.append((weakref.ref(edges), groups))
    return groups


def _number_roads(edges: gpd.GeoDataFrame) -> np.ndarray:
    """Return a number per undirected road: both directions of a two-way edge share it.

    Edges between the same two nodes are one road when their lines are equal
    to the millimetre, either way round; roads are numbered in the order of
    their smaller node, larger node, then normalised line (as WKB). The lines
    are compared only where they must be: an edge alone between its two nodes,
    or one of two edges whose lines are exactly each other reversed, needs no
    rounding.
    """
    u = edges.index.get_level_values(0).to_numpy()
    v = edges.index.get_level_values(1).to_numpy()
    n = len(u)
    if n == 0:
        return np.zeros(0, dtype=np.int64)
    a, b = np.minimum(u, v), np.maximum(u, v)
    order = np.lexsort((b, a))
    new_pair = np.r_[True, (a[order][1:] != a[order][:-1]) | (b[order][1:] != b[order][:-1])]
    pair_sorted = np.cumsum(new_pair) - 1
    pair = np.empty(n, dtype=np.int64)
    pair[order] = pair_sorted
    n_pairs = int(pair_sorted[-1]) + 1
    size = np.bincount(pair, minlength=n_pairs)
    geoms = edges.geometry.to_numpy()
    # two edges between two distinct nodes whose lines are each other reversed: one road
    twins = np.zeros(n_pairs, dtype=bool)
    two = np.flatnonzero((size[pair_sorted] == 2) & (a[order] != b[order]))
    first, second = order[two[::2]], order[two[1::2]]
    if len(first):
        twins[pair[first]] = shapely.equals_exact(
            geoms[first], shapely.reverse(geoms[second]), tolerance=0.0
        )
    # elsewhere (several lines between two nodes): compare the rounded, normalised lines
    sub = np.zeros(n, dtype=np.int64)
    n_groups = np.ones(n_pairs, dtype=np.int64)
    hard = np.flatnonzero((size[pair] > 1) & ~twins[pair])
    if len(hard):
        wkb = shapely.to_wkb(shapely.normalize(shapely.set_precision(geoms[hard], 0.001)))
        frame = pd.DataFrame({"p": pair[hard], "g": wkb})
        rank = frame.groupby(["p", "g"], sort=True).ngroup().to_numpy()
        first_rank = frame.assign(r=rank).groupby("p")["r"].transform("min").to_numpy()
        sub[hard] = rank - first_rank
        n_groups[np.unique(pair[hard])] = (
            frame.assign(r=rank).groupby("p")["r"].nunique().to_numpy()
        )
    offset = np.r_[0, np.cumsum(n_groups)[:-1]]
    return np.asarray(offset[pair] + sub, dtype=np.int64)


def _place_names(frame: pd.DataFrame) -> list[str]:
    """Return :func:`_place_name` of every row of ``frame``."""
    names = [str(i) for i in frame.index.tolist()]
    for col in ("community_id", "name"):  # the first non-empty of name, community_id wins
        if col in frame.columns:
            for i, text in enumerate(_map_each(frame[col], _text).tolist()):
                if text:
                    names[i] = text
    return names


def _nearest_names(network: RoadNetwork, points: Sequence[shapely.Point]) -> list[str]:
    comm = network.communities
    if comm.empty or not points:
        return ["" for _ in points]
    tree = shapely.STRtree(comm.geometry.to_numpy())
    _, idx = tree.query_nearest(np.asarray(points, dtype=object), all_matches=False)
    names = _place_names(comm)
    return [names[i] for i in idx.tolist()]
