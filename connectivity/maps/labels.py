"""Labels that never overlap, for the printed overview: candidate positions, then leader lines.

:func:`place_labels` works in display units (pixels of the figure), so that
what it keeps apart is what the page shows. Each label, in order (rank 1
first, so the best works get the best places), takes the first free place
among candidates around its anchor:

1. on the anchor itself, if its box covers no other anchor;
2. on rings of growing radius around the anchor (eight directions on the
   first ring, more on the wider ones, starting up and to the right), joined
   to the anchor by a leader line.

A place is free when the label's box (with a small gap) lies inside the
bounds and overlaps no box placed before it nor a box given as an obstacle
(the scale bar). Among the free places of a ring, the one covering fewest
other anchors and crossing fewest leader lines wins; ties go to the first in
ring order. The result does not depend on anything but the inputs.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np

__all__ = ["PlacedLabel", "boxes_overlap", "place_labels"]

#: Pixels kept free between two label boxes.
GAP_PX = 2.0
#: Rings tried before giving up on a label (each ``ring_step`` further out).
MAX_RINGS = 60


@dataclass(frozen=True)
class PlacedLabel:
    """Where a label goes: its box's centre, and whether a leader line joins it to its anchor."""

    x: float
    y: float
    leader: bool


Box = tuple[float, float, float, float]  # x0, y0, x1, y1


def boxes_overlap(a: Box, b: Box, gap: float = 0.0) -> bool:
    """Return whether two boxes ``(x0, y0, x1, y1)`` overlap (or come closer than ``gap``).

    Examples
    --------
    >>> boxes_overlap((0, 0, 10, 10), (10.5, 0, 20, 10))
    False
    >>> boxes_overlap((0, 0, 10, 10), (10.5, 0, 20, 10), gap=1)
    True
    """
    return not (
        a[2] + gap <= b[0] or b[2] + gap <= a[0] or a[3] + gap <= b[1] or b[3] + gap <= a[1]
    )


def _box(x: float, y: float, w: float, h: float) -> Box:
    return (x - w / 2, y - h / 2, x + w / 2, y + h / 2)


def _inside(box: Box, bounds: Box) -> bool:
    return (
        box[0] >= bounds[0] and box[1] >= bounds[1] and box[2] <= bounds[2] and box[3] <= bounds[3]
    )


def _covers(box: Box, points: np.ndarray) -> int:
    if not len(points):
        return 0
    inside = (
        (points[:, 0] >= box[0])
        & (points[:, 0] <= box[2])
        & (points[:, 1] >= box[1])
        & (points[:, 1] <= box[3])
    )
    return int(inside.sum())


Point = tuple[float, float]


def _crosses(p: Point, q: Point, r: Point, s: Point) -> bool:
    """Return whether segments pq and rs cross (touching at an end does not count)."""

    def orient(a: Point, b: Point, c: Point) -> float:
        return (b[0] - a[0]) * (c[1] - a[1]) - (b[1] - a[1]) * (c[0] - a[0])

    d1, d2 = orient(p, q, r), orient(p, q, s)
    d3, d4 = orient(r, s, p), orient(r, s, q)
    return d1 * d2 < 0 and d3 * d4 < 0


def _ring(i: int, w: float, h: float, step: float) -> list[tuple[float, float]]:
    """Offsets of the i-th ring (i >= 1): 8, 12, 16 ... directions, up and to the right first."""
    n = 8 + 4 * (i - 1)
    # far enough that the box clears its own anchor, then ``step`` more per ring
    radius = 0.5 * math.hypot(w, h) + GAP_PX + (i - 1) * step + step * 0.5
    out = []
    for k in range(n):
        angle = math.pi / 4 + 2 * math.pi * k / n
        out.append((radius * math.cos(angle), radius * math.sin(angle)))
    return out


def place_labels(
    anchors: np.ndarray,
    sizes: np.ndarray,
    *,
    bounds: Box,
    obstacles: Sequence[Box] = (),
    ring_step: float | None = None,
) -> list[PlacedLabel]:
    """Place labels of ``sizes`` near their ``anchors`` so that no two boxes overlap.

    Parameters
    ----------
    anchors : numpy.ndarray
        ``(n, 2)`` display coordinates of the points the labels name, in the
        order they are placed (the first gets the best place).
    sizes : numpy.ndarray
        ``(n, 2)`` width and height of each label's box, display units.
    bounds : tuple of float
        ``(x0, y0, x1, y1)`` every box must lie inside (the map's frame).
    obstacles : sequence of boxes
        Boxes no label may overlap (a scale bar, a legend inside the frame).
    ring_step : float, optional
        Distance between rings (default: the largest box's height).

    Returns
    -------
    list of PlacedLabel
        One per anchor. A label no ring up to :data:`MAX_RINGS` can take goes
        on the first place found by a scan of the whole frame, with a leader.

    Raises
    ------
    ValueError
        The frame has no free place left for a label (more labels than fit).

    Examples
    --------
    >>> import numpy as np
    >>> placed = place_labels(np.array([[50.0, 50.0], [50.0, 56.0]]),
    ...                       np.array([[10.0, 8.0], [10.0, 8.0]]), bounds=(0, 0, 100, 100))
    >>> placed[0].leader, placed[1].leader
    (False, True)
    """
    anchors = np.asarray(anchors, dtype=float).reshape(-1, 2)
    sizes = np.asarray(sizes, dtype=float).reshape(-1, 2)
    step = float(ring_step) if ring_step else float(sizes[:, 1].max(initial=10.0))
    placer = _Placer(bounds, list(obstacles))
    out: list[PlacedLabel] = []
    for i, ((ax, ay), (w, h)) in enumerate(zip(anchors, sizes, strict=True)):
        others = np.delete(anchors, i, axis=0)
        chosen = placer.place((float(ax), float(ay)), float(w), float(h), others, step)
        out.append(chosen)
    return out


class _Placer:
    """The boxes and leader lines placed so far, and the search for the next label's place."""

    def __init__(self, bounds: Box, taken: list[Box]) -> None:
        self.bounds = bounds
        self.taken = taken
        self.leaders: list[tuple[Point, Point]] = []

    def free(self, box: Box) -> bool:
        return _inside(box, self.bounds) and not any(
            boxes_overlap(box, t, GAP_PX) for t in self.taken
        )

    def cost(self, anchor: Point, at: Point, box: Box, others: np.ndarray) -> int:
        crossings = sum(_crosses(anchor, at, p, q) for p, q in self.leaders)
        return _covers(box, others) + crossings

    def place(
        self, anchor: Point, w: float, h: float, others: np.ndarray, step: float
    ) -> PlacedLabel:
        ax, ay = anchor
        chosen: tuple[float, float, bool] | None = None
        if self.free(_box(ax, ay, w, h)) and _covers(_box(ax, ay, w, h), others) == 0:
            chosen = (ax, ay, False)
        fallback: tuple[int, float, float] | None = None
        for ring in range(1, MAX_RINGS + 1):
            if chosen is not None:
                break
            best: tuple[int, float, float] | None = None
            for dx, dy in _ring(ring, w, h, step):
                x, y = ax + dx, ay + dy
                box = _box(x, y, w, h)
                if self.free(box):
                    c = self.cost(anchor, (x, y), box, others)
                    if best is None or c < best[0]:
                        best = (c, x, y)
            if best is not None and best[0] == 0:
                chosen = (best[1], best[2], True)
            elif best is not None and (fallback is None or best[0] < fallback[0]):
                fallback = best
            if chosen is None and fallback is not None and ring >= 3:
                chosen = (fallback[1], fallback[2], True)  # nothing clean near: the least bad
        if chosen is None:
            chosen = _scan(self.free, self.bounds, w, h, ax, ay)
        x, y, leader = chosen
        self.taken.append(_box(x, y, w, h))
        if leader:
            self.leaders.append((anchor, (x, y)))
        return PlacedLabel(float(x), float(y), leader)


def _scan(
    free: Callable[[Box], bool], bounds: Box, w: float, h: float, ax: float, ay: float
) -> tuple[float, float, bool]:
    """Return the free place nearest the anchor on a grid over the whole frame."""
    xs = np.arange(bounds[0] + w / 2, bounds[2] - w / 2 + 1e-9, max(w / 2, 1.0))
    ys = np.arange(bounds[1] + h / 2, bounds[3] - h / 2 + 1e-9, max(h / 2, 1.0))
    gx, gy = np.meshgrid(xs, ys)
    order = np.argsort(np.hypot(gx - ax, gy - ay), axis=None, kind="stable")
    for k in order.tolist():
        x, y = float(gx.flat[k]), float(gy.flat[k])
        if free(_box(x, y, w, h)):
            return x, y, True
    raise ValueError("no free place left in the frame for a label")
