"""A region too large for one map page, split into parts that each make a light map.

A browser opens a map page of some tens of thousands of communities; a
department or the whole country holds more. :func:`split_region` divides the
region's communities into parts of at most ``max_communities`` each by a k-d
split of their positions: the region's box (the communities and the roads) is
cut across its longer side where the communities divide in proportion to the
parts each side must hold, and each side again, until every part is small
enough. The parts' boxes tile the region without overlapping; every community
is in exactly one part. Each part is then mapped with the communities it holds,
the roads, rivers and facilities of its box, and the works that touch it; the
routes stay those of the whole network (:mod:`connectivity.maps.write`).

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

__all__ = ["MAX_MAP_COMMUNITIES", "PARTS_DIR", "MapPart", "PartView", "split_region"]

#: A map page holds at most this many communities; a larger region is mapped in parts.
#: At ~200 bytes a community on the access map and ~350 on the investments map (minutes
#: before and after, routes), 20,000 leave room for the roads and works under 10 MB.
MAX_MAP_COMMUNITIES = 20_000
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


def split_region(
    access: gpd.GeoDataFrame,
    crs: Any,
    *,
    max_communities: int = MAX_MAP_COMMUNITIES,
    extent: Sequence[float] | None = None,
) -> list[MapPart]:
    """Split a region's communities into parts of at most ``max_communities`` each.

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

    Returns
    -------
    list of MapPart
        ``ceil(n / max_communities)`` parts (one when the region fits): each
        cut gives each side its share of the parts and of the communities,
        so parts hold nearly equal numbers of communities.

    Raises
    ------
    DataError
        ``max_communities`` below 1, or communities without a position.

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
    pts = access.geometry.to_crs(crs) if access.crs is not None else access.geometry
    xy = shapely.get_coordinates(pts.to_numpy())
    if len(xy) != len(access) or not np.isfinite(xy).all():
        raise DataError("every community needs a point position to be mapped in parts")
    box = _outer_box(xy, extent)
    cells: list[tuple[tuple[float, float, float, float], np.ndarray]] = []
    _split(np.arange(len(access)), xy, box, max_communities, cells)
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


def _split(
    members: np.ndarray,
    xy: np.ndarray,
    box: tuple[float, float, float, float],
    most: int,
    out: list[tuple[tuple[float, float, float, float], np.ndarray]],
) -> None:
    """Cut ``box`` across its longer side until each cell holds at most ``most`` communities."""
    parts = math.ceil(len(members) / most)
    if parts <= 1:
        out.append((box, members))
        return
    axis = 0 if box[2] - box[0] >= box[3] - box[1] else 1
    order = members[np.lexsort((members, xy[members, axis]))]
    left_parts = parts // 2
    n_left = round(len(members) * left_parts / parts)
    left, right = order[:n_left], order[n_left:]
    cut = float((xy[left[-1], axis] + xy[right[0], axis]) / 2.0)
    low = (box[0], box[1], cut, box[3]) if axis == 0 else (box[0], box[1], box[2], cut)
    high = (cut, box[1], box[2], box[3]) if axis == 0 else (box[0], cut, box[2], box[3])
    _split(np.sort(left), xy, low, most, out)
    _split(np.sort(right), xy, high, most, out)


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

    def holds_points(self, layer: gpd.GeoDataFrame) -> np.ndarray:
        """Which features of ``layer`` (any CRS) meet the part's box."""
        if layer.empty:
            return np.zeros(0, dtype=bool)
        geoms = layer.geometry.to_crs(self.crs) if layer.crs is not None else layer.geometry
        return np.asarray(self.part.holds(shapely.bounds(geoms.to_numpy())), dtype=bool)

    def drop_unused_segments(
        self, payload: dict[str, Any], segments: _Segments, *, extra: np.ndarray | None = None
    ) -> None:
        """Keep coordinates only for the segments the part draws or its routes follow.

        ``extra``: segments to keep besides (positions).
        """
        from connectivity.maps.lighten import route_segments  # lighten imports the page

        needed = self.segments_in_box & np.isin(segments.road_class, list(ROAD_STYLE))
        needed[route_segments(payload)] = True
        if extra is not None:
            needed[extra] = True
        coords = segments.coords
        segments.coords = [c if n else [] for c, n in zip(coords, needed.tolist(), strict=True)]

    def restore(self, segments: _Segments, ids: Sequence[int]) -> None:
        """Give back the region's coordinates to the segments ``ids`` (routes added later)."""
        for i in ids:
            if not segments.coords[i]:
                segments.coords[i] = self._coords[i]
