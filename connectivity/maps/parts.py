"""A region too large for one map page, split into parts that each make a light map.

A map page stays under 10 MB (:data:`~connectivity.maps.lighten.MAX_MAP_BYTES`)
and opens in a browser; a department or the whole country does not fit in one
without leaving out most of its roads. A region is mapped in parts when it has
more than :data:`MAX_MAP_COMMUNITIES` communities or its communities and roads
are estimated (:func:`page_load`) to take more than a page.
:func:`split_region` divides it by a k-d split of the positions of its
communities and road segments: the region's box is cut across its longer side
where the communities (or the bytes of communities and roads, whichever needs
more parts) divide in proportion to the parts each side must hold, and each
side again, until every part holds at most ``max_communities`` communities and
:data:`PART_BYTES` of communities and roads, half a page, so its map keeps
every road and route and leaves room for the works. The parts' boxes tile the
region without overlapping; every community is in exactly one part. Each part
is then mapped with the communities it holds, the roads, rivers and facilities
of its box, and the works that touch it; the routes stay those of the whole
network, found once for every community (:mod:`connectivity.maps.write`).

A part is named for the districts where most of its people live (or, without
a ``district`` column, its most populous communities), so a planner finds
their own area in the index page (:mod:`connectivity.maps.index`).
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from connectivity.errors import DataError
from connectivity.maps.encoding import _WGS84, _Segments, _text
from connectivity.maps.style import ROAD_STYLE

__all__ = [
    "COMMUNITY_BYTES",
    "MAX_MAP_COMMUNITIES",
    "PARTS_DIR",
    "PART_BYTES",
    "MapPart",
    "PartView",
    "page_load",
    "road_bytes",
    "split_region",
]

#: A map page holds at most this many communities; a larger region is mapped in parts.
#: At ~200 bytes a community on the access map and ~350 on the investments map (minutes
#: before and after, routes), 20,000 leave room for the roads and works under 10 MB.
MAX_MAP_COMMUNITIES = 20_000
#: Bytes a community is estimated to take on the investments map (its minutes before and
#: after, its routes to market before and after and their roads' share); see :func:`page_load`.
COMMUNITY_BYTES = 600
#: A part's communities and roads take at most this many bytes (estimated, :func:`page_load`):
#: half a map's budget, the other half for the works, axes, names, rivers and facilities.
PART_BYTES = 4_750_000
#: Folder (under ``maps/<region>/``) of the parts' maps.
PARTS_DIR = "parts"
#: Districts (or communities) a part's name lists.
_NAMED = 3


@dataclass(frozen=True)
class MapPart:
    """One part of a region mapped on its own page.

    Attributes
    ----------
    number : int
        1 to ``count``, in the order of the k-d split (west/south first).
    count : int
        Parts of the region.
    box : tuple of float
        ``(minx, miny, maxx, maxy)`` of the part's cell in the network's CRS;
        the cells of a region's parts tile its box.
    communities : numpy.ndarray
        Positions (rows of the access table) of the communities it holds.
    label : str
        Its name: the districts where most of its people live, most first
        (or its most populous communities).
    """

    number: int
    count: int
    box: tuple[float, float, float, float]
    communities: np.ndarray
    label: str

    @property
    def key(self) -> str:
        """Two or more digits: ``"01"``, ``"02"`` ... (file names sort in order)."""
        return f"{self.number:0{max(2, len(str(self.count)))}d}"

    def file(self, which: str) -> str:
        """Path of the part's ``which`` map (``"access"``, ``"investments"``) under the region's."""
        return f"{PARTS_DIR}/{which}_{self.key}.html"

    def wgs84_box(self, crs: Any) -> list[list[float]]:
        """Return the box as ``[[south, west], [north, east]]`` in degrees (Leaflet's bounds)."""
        box = gpd.GeoSeries([shapely.box(*self.box)], crs=crs).to_crs(_WGS84).total_bounds
        return [[float(box[1]), float(box[0])], [float(box[3]), float(box[2])]]

    def holds(self, bounds: np.ndarray) -> np.ndarray:
        """Which of the boxes ``bounds`` (rows ``minx, miny, maxx, maxy``) meet the part's box."""
        minx, miny, maxx, maxy = self.box
        if len(bounds) == 0:
            return np.zeros(0, dtype=bool)
        return (
            (bounds[:, 0] <= maxx)
            & (bounds[:, 2] >= minx)
            & (bounds[:, 1] <= maxy)
            & (bounds[:, 3] >= miny)
        )


def page_load(n_communities: int, road_bytes: np.ndarray | None = None) -> float:
    """Return the bytes a page of ``n_communities`` and these roads is estimated to take.

    :data:`COMMUNITY_BYTES` per community and, per road segment, the bytes of
    its coordinates (``road_bytes``, see :func:`road_bytes`): the part of a
    map page that grows with the region (the works get the rest).
    """
    roads = float(np.sum(road_bytes)) if road_bytes is not None else 0.0
    return n_communities * COMMUNITY_BYTES + roads


def road_bytes(coords: Sequence[Sequence[int]]) -> np.ndarray:
    """Return an estimate of the bytes each road segment's encoded line takes in a page.

    A delta-encoded line (:func:`~connectivity.maps.encoding._encode_lines`)
    is two integers of 8 digits, then small steps of 1 to 3 digits each.
    """
    counts = np.fromiter((len(c) for c in coords), dtype=np.int64, count=len(coords))
    return np.where(counts > 0, 4 * counts + 12, 0).astype(float)


def split_region(
    access: gpd.GeoDataFrame,
    crs: Any,
    *,
    max_communities: int = MAX_MAP_COMMUNITIES,
    extent: Sequence[float] | None = None,
    roads: tuple[np.ndarray, np.ndarray] | None = None,
    max_bytes: float = PART_BYTES,
) -> list[MapPart]:
    """Split a region into parts of at most ``max_communities`` and ``max_bytes`` each.

    Parameters
    ----------
    access : geopandas.GeoDataFrame
        The communities (``community_id``, ``population``, geometry; a
        ``district`` and ``name`` column name the parts).
    crs : CRS
        The network's projected CRS: the split is made in metres.
    max_communities : int
        Most communities a part holds.
    extent : sequence of float, optional
        ``(minx, miny, maxx, maxy)`` the region's box must cover besides the
        communities (the network's bounds), so roads at its edges fall in a
        part.
    roads : tuple of numpy.ndarray, optional
        The road segments the maps draw: their boxes (rows ``minx, miny,
        maxx, maxy``, network CRS) and bytes (:func:`road_bytes`). A part's
        communities and roads together take at most ``max_bytes``
        (:func:`page_load`), so its map keeps every road where the region is
        dense in roads.
    max_bytes : float
        Most bytes of communities and roads a part's page holds.

    Returns
    -------
    list of MapPart
        ``ceil(n / max_communities)`` parts when the communities decide, as
        many as the bytes need when they do (one when the region fits):
        each cut gives each side its share of the parts and of what decides
        them, so parts are nearly equal. A part may hold no community where
        the region has roads and no community.

    Raises
    ------
    DataError
        ``max_communities`` or ``max_bytes`` not positive, or communities
        without a position.

    Examples
    --------
    >>> import geopandas as gpd, shapely
    >>> pts = [shapely.Point(x, y) for x in range(10) for y in range(3)]
    >>> access = gpd.GeoDataFrame(
    ...     {"community_id": range(30), "population": 1.0}, geometry=pts, crs="EPSG:32718"
    ... )
    >>> parts = split_region(access, "EPSG:32718", max_communities=8)
    >>> [len(p.communities) for p in parts], [p.box[0] for p in parts]
    ([8, 7, 8, 7], [0.0, 2.0, 4.5, 7.0])
    """
    if max_communities < 1:
        raise DataError(f"a map part must hold at least 1 community, got {max_communities}")
    if not max_bytes > 0:
        raise DataError(f"a map part must hold some bytes, got {max_bytes}")
    pts = access.geometry.to_crs(crs) if access.crs is not None else access.geometry
    xy = shapely.get_coordinates(pts.to_numpy())
    if len(xy) != len(access) or not np.isfinite(xy).all():
        raise DataError("every community needs a point position to be mapped in parts")
    n = len(access)
    size = np.full(n, COMMUNITY_BYTES, dtype=float)
    where = xy
    if roads is not None and len(roads[0]):
        bounds, nbytes = np.asarray(roads[0], dtype=float), np.asarray(roads[1], dtype=float)
        ok = np.isfinite(bounds).all(axis=1) & (nbytes > 0)
        centres = (bounds[ok, :2] + bounds[ok, 2:]) / 2.0
        where = np.vstack([xy, centres])
        size = np.concatenate([size, nbytes[ok]])
    box = _outer_box(where, extent)
    cells: list[tuple[tuple[float, float, float, float], np.ndarray]] = []
    limits = _Limits(where, np.arange(len(where)) < n, size, max_communities, max_bytes)
    limits.split(np.arange(len(where)), box, cells)
    count = len(cells)
    return [
        MapPart(number=i + 1, count=count, box=b, communities=at, label=_label(access, at))
        for i, (b, at) in enumerate(cells)
    ]


def _outer_box(xy: np.ndarray, extent: Sequence[float] | None) -> tuple[float, float, float, float]:
    if len(xy):
        lo, hi = xy.min(axis=0), xy.max(axis=0)
    else:
        lo, hi = np.full(2, np.inf), np.full(2, -np.inf)
    if extent is not None and np.isfinite(np.asarray(extent, dtype=float)).all():
        lo = np.minimum(lo, [extent[0], extent[1]])
        hi = np.maximum(hi, [extent[2], extent[3]])
    if not (np.isfinite(lo).all() and np.isfinite(hi).all()):
        return (0.0, 0.0, 0.0, 0.0)
    return (float(lo[0]), float(lo[1]), float(hi[0]), float(hi[1]))


@dataclass
class _Limits:
    """The k-d split: points (communities first, then road segments), what each weighs."""

    xy: np.ndarray
    is_community: np.ndarray
    size: np.ndarray  # bytes
    most: int
    max_bytes: float

    def split(
        self,
        points: np.ndarray,
        box: tuple[float, float, float, float],
        out: list[tuple[tuple[float, float, float, float], np.ndarray]],
    ) -> None:
        """Cut ``box`` across its longer side until each cell is within both limits."""
        community = self.is_community[points]
        n_comm = int(community.sum())
        by_count = math.ceil(n_comm / self.most)
        by_bytes = math.ceil(float(self.size[points].sum()) / self.max_bytes - 1e-9)
        parts = max(by_count, by_bytes)
        if parts <= 1 or len(points) < 2:
            out.append((box, np.sort(points[community])))
            return
        axis = 0 if box[2] - box[0] >= box[3] - box[1] else 1
        order = points[np.lexsort((points, self.xy[points, axis]))]
        # each side gets its share of the parts, of what decides their number
        weight = (
            self.is_community[order].astype(float) if by_count >= by_bytes else self.size[order]
        )
        cum = np.cumsum(weight)
        target = cum[-1] * (parts // 2) / parts
        n_left = int(np.searchsorted(cum, target - 1e-9 * max(1.0, target))) + 1
        n_left = min(max(n_left, 1), len(order) - 1)
        left, right = order[:n_left], order[n_left:]
        cut = float((self.xy[left[-1], axis] + self.xy[right[0], axis]) / 2.0)
        low = (box[0], box[1], cut, box[3]) if axis == 0 else (box[0], box[1], box[2], cut)
        high = (cut, box[1], box[2], box[3]) if axis == 0 else (box[0], cut, box[2], box[3])
        self.split(left, low, out)
        self.split(right, high, out)


def _label(access: pd.DataFrame, members: np.ndarray) -> str:
    """Return the districts where most of the part's people live (else its largest communities)."""
    rows = access.iloc[members]
    people = pd.to_numeric(rows["population"], errors="coerce").fillna(0.0).to_numpy()
    if "district" in rows.columns:
        names = rows["district"].map(_text).to_numpy()
    else:
        label = rows["name"] if "name" in rows.columns else rows["community_id"]
        names = label.map(_text).to_numpy()
    table = pd.DataFrame({"name": names, "people": people})
    table = table[table["name"] != ""]
    if table.empty:
        return ""
    by_name = table.groupby("name", sort=True)["people"].sum()
    top = by_name.sort_values(ascending=False, kind="stable").index[:_NAMED].tolist()
    return ", ".join(top) + (", …" if len(by_name) > _NAMED else "")


@dataclass
class PartView:
    """What one part's map page draws of the region's layers.

    Attributes
    ----------
    part : MapPart
        The part.
    crs : CRS
        The network's CRS (the part's box is in it).
    segments_in_box : numpy.ndarray of bool
        Per road segment of the page, whether the part's roads layer may draw
        it (it meets the part's box; on the investments map, and is a road
        of the base network).
    bounds : list of list of float
        Where the page opens: the part's communities (its box when it has
        none), ``[[south, west], [north, east]]``.
    header : dict
        What the page's header says of the part: ``label`` ("Part 3 of 9:
        …") and ``links`` (``[text, href]``: the index, the part's other map).
    """

    part: MapPart
    crs: Any
    segments_in_box: np.ndarray
    bounds: list[list[float]]
    header: dict[str, Any]
    _coords: list[list[int]]

    @classmethod
    def make(
        cls,
        part: MapPart,
        segments: _Segments,
        segment_bounds: np.ndarray,
        communities: gpd.GeoDataFrame,
        crs: Any,
        *,
        header: dict[str, Any],
        keep: np.ndarray | None = None,
    ) -> tuple[PartView, _Segments]:
        """Return the part's view and its own copy of the region's ``segments``.

        ``segment_bounds`` are the segments' boxes (``shapely.bounds`` of
        their geometries, network CRS); ``keep`` the segments any page of
        the region may draw (the investments map: the base network's).
        """
        in_box = part.holds(segment_bounds)
        if keep is not None:
            in_box &= keep
        if len(communities):
            b = communities.geometry.to_crs(_WGS84).total_bounds
            bounds = [[float(b[1]), float(b[0])], [float(b[3]), float(b[2])]]
        else:
            bounds = part.wgs84_box(crs)
        own = dataclasses.replace(segments, coords=list(segments.coords))
        return cls(part, crs, in_box, bounds, header, segments.coords), own

    def holds_features(self, layer: gpd.GeoDataFrame) -> np.ndarray:
        """Which features of ``layer`` (any CRS) meet the part's box."""
        if layer.empty:
            return np.zeros(0, dtype=bool)
        geoms = layer.geometry.to_crs(self.crs) if layer.crs is not None else layer.geometry
        return np.asarray(self.part.holds(shapely.bounds(geoms.to_numpy())), dtype=bool)

    def drop_unused_segments(self, payload: dict[str, Any], segments: _Segments) -> None:
        """Keep coordinates only for the segments the part draws or its routes follow."""
        from connectivity.maps.lighten import route_segments  # lighten imports the page

        needed = self.segments_in_box & np.isin(segments.road_class, list(ROAD_STYLE))
        needed[route_segments(payload)] = True
        coords = segments.coords
        kept: list[list[int]] = [[]] * len(coords)  # a shared empty list, replaced not changed
        for i in np.flatnonzero(needed).tolist():
            kept[i] = coords[i]
        segments.coords = kept

    def restore(self, segments: _Segments, ids: Sequence[int]) -> None:
        """Give back the region's coordinates to the segments ``ids`` (routes added later)."""
        for i in ids:
            if not segments.coords[i]:
                segments.coords[i] = self._coords[i]
