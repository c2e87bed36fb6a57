"""How data go into a map page: compact coordinates, a names table, road segments, JSON.

Geometries are simplified (a few metres) and coordinates stored as integer
steps of 1e-5 degrees (about 1 m), delta-encoded along each line, which keeps a
province's map to a few megabytes. Repeated strings (road, river, facility
names) are stored once in a names table and referred to by index. Every text
from the data reaches the page as JSON with ``<``, ``>`` and ``&`` escaped.
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterable
from dataclasses import dataclass
from functools import partial
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from jinja2.utils import htmlsafe_json_dumps

__all__ = ["COORD_STEP_DEG", "RIVER_SIMPLIFY_M", "SIMPLIFY_M"]

#: Geometries are simplified to this tolerance (metres) before they go in a map.
SIMPLIFY_M = 4.0
RIVER_SIMPLIFY_M = 15.0
#: Coordinates are stored as integer multiples of this many degrees (~1.1 m).
COORD_STEP_DEG = 1e-5

_WGS84 = "EPSG:4326"


def _json(obj: Any) -> str:
    """Compact JSON safe to place inside a <script> element (no ``<``, ``>``, ``&``)."""
    dumps = partial(json.dumps, separators=(",", ":"), allow_nan=False, ensure_ascii=False)
    text = str(htmlsafe_json_dumps(obj, dumps=dumps))
    return text.replace("\u2028", "\\u2028").replace("\u2029", "\\u2029")


def _to_wgs84(geoms: Any, crs: Any) -> np.ndarray:
    return np.asarray(gpd.GeoSeries(geoms, crs=crs).to_crs(_WGS84).to_numpy())


def _encode_lines(geoms: np.ndarray, step: int = 1) -> list[list[int]]:
    """Delta-encode LineStrings (WGS84) as ``[dlat0, dlon0, dlat1, dlon1, ...]`` integers.

    The integers count steps of ``step`` × :data:`COORD_STEP_DEG` degrees; with
    ``step`` > 1 a point that rounds onto the one before it is left out.

    Examples
    --------
    >>> from shapely import LineString
    >>> import numpy as np
    >>> _encode_lines(np.array([LineString([(-74.0, -13.5), (-73.99999, -13.49998)])]))
    [[-1350000, -7400000, 2, 1]]
    >>> _encode_lines(np.array([LineString([(-74.0, -13.5), (-73.99999, -13.49998)])]), 5)
    [[-270000, -1480000]]
    """
    if len(geoms) == 0:
        return []
    coords, index = shapely.get_coordinates(geoms, return_index=True)
    steps = np.round(coords[:, ::-1] / (COORD_STEP_DEG * step)).astype(np.int64)  # (lat, lon)
    if step > 1 and len(steps):
        same = np.r_[False, (steps[1:] == steps[:-1]).all(axis=1) & (index[1:] == index[:-1])]
        steps, index = steps[~same], index[~same]
    delta = steps.copy()
    delta[1:] -= steps[:-1]
    starts = np.r_[True, index[1:] != index[:-1]]
    delta[starts] = steps[starts]
    counts = np.bincount(index, minlength=len(geoms))
    flat = delta.ravel().tolist()
    out: list[list[int]] = []
    pos = 0
    for n in counts.tolist():
        out.append(flat[pos : pos + 2 * n])
        pos += 2 * n
    return out


def _seg_payload(coords: list[list[int]]) -> dict[str, Any]:
    """Return the road segments' coordinates as the page holds them.

    Every segment's line (``c``); when some have none (a lightened map,
    :mod:`connectivity.maps.lighten`), only the others, with their positions
    delta-encoded (``at``: the first position, then the gaps).

    Examples
    --------
    >>> _seg_payload([[1, 2], [3, 4]])
    {'c': [[1, 2], [3, 4]]}
    >>> _seg_payload([[], [1, 2], [], [], [3, 4]])
    {'at': [1, 3], 'c': [[1, 2], [3, 4]]}
    """
    kept = [i for i, c in enumerate(coords) if c]
    if len(kept) == len(coords):
        return {"c": coords}
    gaps = np.diff(np.asarray(kept, dtype=np.int64), prepend=0).tolist()
    return {"at": gaps, "c": [coords[i] for i in kept]}


def _point_steps(points: Any, crs: Any) -> tuple[list[int], list[int]]:
    geoms = _to_wgs84(points, crs)
    lat = np.round(shapely.get_y(geoms) / COORD_STEP_DEG).astype(np.int64)
    lon = np.round(shapely.get_x(geoms) / COORD_STEP_DEG).astype(np.int64)
    return lat.tolist(), lon.tolist()


def _minutes(values: Any) -> list[float | None]:
    """Minutes rounded to 0.1; ``inf``/NaN (unreachable) become None."""
    arr = np.asarray(values, dtype=float)
    return [round(v, 1) if math.isfinite(v) else None for v in arr.tolist()]


def _text(value: Any) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return ""
    if value is pd.NA:
        return ""
    return str(value)


def _num(value: Any) -> float | None:
    try:
        x = float(value)
    except (TypeError, ValueError):
        return None
    return round(x, 2) if math.isfinite(x) else None


class _Names:
    """A table of distinct strings, referred to by index (saves repeating names)."""

    def __init__(self) -> None:
        self.items: list[str] = []
        self._pos: dict[str, int] = {}

    def add(self, value: Any) -> int:
        text = _text(value)
        if not text:
            return -1
        if text not in self._pos:
            self._pos[text] = len(self.items)
            self.items.append(text)
        return self._pos[text]


@dataclass
class _Segments:
    """Undirected road segments of a network, simplified and encoded."""

    coords: list[list[int]]
    road_class: np.ndarray
    name: np.ndarray
    lookup: dict[tuple[Any, Any, Any], int]
    #: each segment's geometry as in the network (projected, not simplified) and its CRS,
    #: for a lighter encoding (:mod:`connectivity.maps.lighten`)
    geoms: np.ndarray | None = None
    crs: Any = None

    @classmethod
    def from_edges(cls, edges: gpd.GeoDataFrame) -> _Segments:
        u = edges.index.get_level_values(0).to_numpy()
        v = edges.index.get_level_values(1).to_numpy()
        length = np.round(shapely.length(edges.geometry.to_numpy()), 1)
        key = pd.DataFrame({"a": np.minimum(u, v), "b": np.maximum(u, v), "len": length})
        codes = key.groupby(["a", "b", "len"], sort=True).ngroup().to_numpy()
        _, first = np.unique(codes, return_index=True)
        originals = edges.geometry.to_numpy()[first]
        geoms = shapely.simplify(originals, SIMPLIFY_M)
        names = edges["name"] if "name" in edges.columns else pd.Series(None, index=edges.index)
        lookup = dict(zip(edges.index.tolist(), codes.tolist(), strict=True))
        return cls(
            coords=_encode_lines(_to_wgs84(geoms, edges.crs)),
            road_class=edges["road_class"].astype(str).to_numpy()[first],
            name=names.map(_scalar_name).to_numpy()[first],
            lookup=lookup,
            geoms=originals,
            crs=edges.crs,
        )

    def route(self, edge_keys: Iterable[tuple[Any, Any, Any]]) -> list[int]:
        out: list[int] = []
        for k in edge_keys:
            s = self.lookup.get(tuple(k))
            if s is not None and (not out or out[-1] != s):
                out.append(s)
        return out


def _scalar_name(value: Any) -> str:
    if isinstance(value, list):
        return "; ".join(_text(v) for v in value if _text(v))
    return _text(value)
