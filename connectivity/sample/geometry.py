"""Array and polyline helpers of the sample-region generator.

Vectorised building blocks the steps share: concatenated ranges and CSR
pointers, a smoothstep, centripetal Catmull-Rom curves, gently bent
polylines, :class:`_Lines` (polylines over a shared vertex table, with a
class and a name reference per segment), LineStrings from runs of
coordinates, arc positions along lines, short pieces of lines for fast
geometric queries, and UTM to WGS84 lon/lat rounded to 7 decimals.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import shapely
from numpy.typing import NDArray
from pyproj import Transformer

from connectivity.sample.params import SAMPLE_CRS, FloatArray, IntArray


def _ranges(starts: IntArray, counts: IntArray) -> IntArray:
    """Concatenate ``arange(s, s + c)`` for every (s, c), vectorised."""
    counts = np.asarray(counts, dtype=np.int64)
    total = int(counts.sum())
    if total == 0:
        return np.zeros(0, dtype=np.int64)
    offsets = np.cumsum(counts) - counts
    return np.repeat(np.asarray(starts, dtype=np.int64) - offsets, counts) + np.arange(
        total, dtype=np.int64
    )


def _ptr(counts: IntArray) -> IntArray:
    out = np.zeros(len(counts) + 1, dtype=np.int64)
    np.cumsum(counts, out=out[1:])
    return out


def _smoothstep(x: FloatArray) -> FloatArray:
    x = np.clip(x, 0.0, 1.0)
    return x * x * (3.0 - 2.0 * x)


def _catmull_rom(
    p0: FloatArray, p1: FloatArray, p2: FloatArray, p3: FloatArray, t: FloatArray
) -> FloatArray:
    """Centripetal Catmull-Rom points between ``p1`` (t=0) and ``p2`` (t=1)."""

    def knot(a: FloatArray, b: FloatArray) -> FloatArray:
        return np.maximum(np.sqrt(np.hypot(b[:, 0] - a[:, 0], b[:, 1] - a[:, 1])), 1e-6)

    t1 = knot(p0, p1)[:, None]
    t2 = t1 + knot(p1, p2)[:, None]
    t3 = t2 + knot(p2, p3)[:, None]
    u = t1 + t[:, None] * (t2 - t1)
    a1 = (t1 - u) / t1 * p0 + u / t1 * p1
    a2 = (t2 - u) / (t2 - t1) * p1 + (u - t1) / (t2 - t1) * p2
    a3 = (t3 - u) / (t3 - t2) * p2 + (u - t2) / (t3 - t2) * p3
    b1 = (t2 - u) / t2 * a1 + u / t2 * a2
    b2 = (t3 - u) / (t3 - t1) * a2 + (u - t1) / (t3 - t1) * a3
    out: FloatArray = (t2 - u) / (t2 - t1) * b1 + (u - t1) / (t2 - t1) * b2
    return out


def _polylines(
    a: FloatArray, b: FloatArray, spacing: FloatArray, bump: FloatArray
) -> tuple[IntArray, FloatArray]:
    """Interior points of gently curved lines from ``a`` to ``b`` (one line per row).

    Returns the CSR pointer and the interior points (ends excluded), about
    ``spacing`` apart, bent sideways by ``bump * sin(pi u)``.
    """
    d = b - a
    length = np.hypot(d[:, 0], d[:, 1])
    k = np.maximum(np.ceil(length / spacing).astype(np.int64), 1)
    ptr = _ptr(k - 1)
    line = np.repeat(np.arange(len(a)), k - 1)
    j = np.arange(len(line)) - ptr[line] + 1
    u = j / k[line]
    perp = np.column_stack([-d[:, 1], d[:, 0]]) / np.maximum(length, 1e-9)[:, None]
    pts = a[line] + d[line] * u[:, None] + perp[line] * (bump[line] * np.sin(np.pi * u))[:, None]
    return ptr, pts


@dataclass
class _Lines:
    """Polylines over a shared vertex table.

    Per-position attributes describe the segment that starts at that position
    (the last position of a line has none).
    """

    ptr: IntArray
    idx: IntArray
    cls: IntArray
    ref: IntArray

    @classmethod
    def concat(cls, parts: list[_Lines]) -> _Lines:
        counts = np.concatenate([np.diff(p.ptr) for p in parts])
        return cls(
            ptr=_ptr(counts),
            idx=np.concatenate([p.idx for p in parts]),
            cls=np.concatenate([p.cls for p in parts]),
            ref=np.concatenate([p.ref for p in parts]),
        )

    @classmethod
    def simple(
        cls,
        start: IntArray,
        interior_ptr: IntArray,
        interior: IntArray,
        end: IntArray,
        line_cls: IntArray,
        line_ref: IntArray,
    ) -> _Lines:
        """Lines ``start, interior..., end`` with one class and name per line."""
        n_int = np.diff(interior_ptr)
        counts = n_int + 2
        ptr = _ptr(counts)
        idx = np.empty(int(ptr[-1]), dtype=np.int64)
        idx[ptr[:-1]] = start
        idx[ptr[1:] - 1] = end
        line = np.repeat(np.arange(len(start)), n_int)
        idx[ptr[line] + 1 + np.arange(len(line)) - interior_ptr[line]] = interior
        return cls(
            ptr=ptr,
            idx=idx,
            cls=np.repeat(line_cls, counts),
            ref=np.repeat(line_ref, counts),
        )


def _linestrings(coords: FloatArray, counts: IntArray) -> NDArray[np.object_]:
    """LineStrings from consecutive runs of ``counts[i]`` rows of ``coords``, as an array."""
    indices = np.repeat(np.arange(len(counts)), counts)
    return np.asarray(shapely.linestrings(coords, indices=indices), dtype=object)


def _line_geoms(xy: FloatArray, lines: _Lines) -> NDArray[np.object_]:
    return _linestrings(xy[lines.idx], np.diff(lines.ptr))


def _arc_positions(xy: FloatArray, lines: _Lines) -> FloatArray:
    p = xy[lines.idx]
    step = np.r_[0.0, np.hypot(*np.diff(p, axis=0).T)]
    step[lines.ptr[:-1]] = 0.0
    cs = np.cumsum(step)
    counts = np.diff(lines.ptr)
    out: FloatArray = cs - np.repeat(cs[lines.ptr[:-1]], counts)
    return out


def _pieces(
    xy: FloatArray, lines: _Lines, s: FloatArray, max_seg: int = 8
) -> tuple[NDArray[np.object_], IntArray, FloatArray]:
    """Cut lines into pieces of at most ``max_seg`` segments.

    Returns the piece geometries, the line of each piece and the arc position
    of its start on that line.
    """
    nseg = np.diff(lines.ptr) - 1
    npc = np.maximum((nseg + max_seg - 1) // max_seg, 1)
    piece_line = np.repeat(np.arange(len(nseg)), npc)
    k = np.arange(len(piece_line)) - _ptr(npc)[piece_line]
    start = lines.ptr[piece_line] + k * max_seg
    end = np.minimum(start + max_seg, lines.ptr[piece_line + 1] - 1)
    npts = end - start + 1
    pos = _ranges(start, npts)
    return _linestrings(xy[lines.idx[pos]], npts), piece_line, s[start]


def _lonlat(xy: FloatArray) -> tuple[FloatArray, FloatArray]:
    to_ll = Transformer.from_crs(SAMPLE_CRS, "EPSG:4326", always_xy=True)
    lon, lat = to_ll.transform(xy[:, 0], xy[:, 1])
    return np.round(np.asarray(lon), 7), np.round(np.asarray(lat), 7)
