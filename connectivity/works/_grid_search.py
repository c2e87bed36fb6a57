"""The least-cost search of new roads over the DEM grid, compiled with numba.

:func:`cheapest_grid_path` finds the cheapest path from a cell to the nearest
target cell over the 16-neighbour grid graph of new links (a step is allowed
when its grade, and that of each half of a knight's move, is within the limit;
it costs its length times the mean cost per metre of its two cells) without
building the graph: the steps from a cell and their costs are worked out as
the search reaches it. It is :func:`scipy.sparse.csgraph.dijkstra`
(``directed=False``, scipy ≥ 1.15) step for step: cells are settled nearest
first and, at equal distance, larger cell number first (scipy's priority queue
of (-distance, cell) pairs); neighbours are scanned in scipy's order (those of
larger cell number, then those of smaller, each in increasing cell number); a
cell's predecessor changes only when its distance strictly falls; the float
operations are the same. So where several paths cost exactly the same it picks
the one scipy picks. It stops once no target can be nearer than the nearest
found, and does not grade a step to a cell already as near as the cell it
leaves (no step can bring it nearer). ``tests/works/reference_works`` holds
the scipy version (``new_links._grid_route``) it is tested equal to.

Where every cell costs something it runs as A* instead (see :func:`_search`):
guided by a lower bound of the cost still to go (the least cost of a metre
times the straight distance to the nearest target), it settles a few times
fewer cells (303 instead of 5,096 in ``tests/works/test_works_guided_search.py``;
on the size-16 sample the search takes a third of the time) and keeps, among
paths of exactly equal cost, the one Dijkstra's search keeps.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Callable
from typing import Any, TypeVar, cast

import numba
import numpy as np

__all__ = ["cheapest_grid_path"]

_F = TypeVar("_F", bound=Callable[..., Any])

_NONE = -1

# the forward moves of the grid graph: (d_row, d_col) and the two cells a knight's move
# passes between (all 0: none), as in connectivity.works.new_links._MOVES
_FORWARD = np.array(
    [
        [0, 1, 0, 0, 0, 0],
        [1, 0, 0, 0, 0, 0],
        [1, 1, 0, 0, 0, 0],
        [1, -1, 0, 0, 0, 0],
        [1, 2, 0, 1, 1, 1],
        [2, 1, 1, 0, 1, 1],
        [2, -1, 1, 0, 1, -1],
        [1, -2, 0, -1, 1, -1],
    ],
    dtype=np.int64,
)


@functools.lru_cache(maxsize=64)
def _scan_order(width: int) -> tuple[np.ndarray, np.ndarray]:
    """Return the 16 moves in the order scipy scans a cell's neighbours on a grid ``width`` wide.

    scipy scans the cell's row of the graph (the forward moves, to larger cell
    numbers) then its row of the transposed graph (the moves back, to smaller
    ones), each in increasing cell number. Returns the moves (``(16, 6)``: the
    move and the between cells of the forward move it is, or undoes) and, for
    each, the row of the forward move it undoes (itself for a forward move).
    """
    offset = _FORWARD[:, 0] * width + _FORWARD[:, 1]
    forward = _FORWARD[np.argsort(offset, kind="stable")]
    backward_of = np.argsort(-(forward[:, 0] * width + forward[:, 1]), kind="stable")
    backward = forward[backward_of].copy()
    backward[:, :2] *= -1
    moves = np.ascontiguousarray(np.vstack([forward, backward]))
    undoes = np.concatenate([np.arange(8), backward_of]).astype(np.int64)
    moves.setflags(write=False)  # cached by width, shared by the searches
    undoes.setflags(write=False)
    return moves, undoes


def _jit(func: _F) -> _F:
    """Compile with numba (nopython, cached on disk), keeping the function's type."""
    return cast(_F, numba.njit(cache=True, nogil=True)(func))


def _jit_inline(func: _F) -> _F:
    """Compile with numba, inlined into its callers (the small steps of the search)."""
    return cast(_F, numba.njit(cache=True, nogil=True, inline="always")(func))


# -- the priority queue: (distance, cell) pairs, nearest first, then the larger cell ----------
# (scipy's std::priority_queue of (-distance, cell) pairs pops in exactly this order; stale
# entries, pushed before a cell's distance fell again, are skipped when popped). A binary heap
# in one float array, entry p at [2p] (distance) and [2p + 1] (cell number, exact as a float).


@_jit_inline
def _before(d_a: float, i_a: float, d_b: float, i_b: float) -> bool:
    return d_a < d_b or (d_a == d_b and i_a > i_b)


@_jit_inline
def _push(heap: np.ndarray, size: int, d: float, i: int) -> int:
    pos = size
    cell = float(i)
    while pos > 0:
        up = (pos - 1) // 2
        d_up, i_up = heap[2 * up], heap[2 * up + 1]
        if not _before(d, cell, d_up, i_up):
            break
        heap[2 * pos], heap[2 * pos + 1] = d_up, i_up
        pos = up
    heap[2 * pos], heap[2 * pos + 1] = d, cell
    return size + 1


@_jit_inline
def _pop(heap: np.ndarray, size: int) -> int:
    """Drop the first entry (read it from ``heap[0]``, ``heap[1]`` before); new size."""
    size -= 1
    d, i = heap[2 * size], heap[2 * size + 1]
    pos = 0
    while True:
        child = 2 * pos + 1
        if child >= size:
            break
        d_c, i_c = heap[2 * child], heap[2 * child + 1]
        if child + 1 < size and _before(heap[2 * child + 2], heap[2 * child + 3], d_c, i_c):
            child += 1
            d_c, i_c = heap[2 * child], heap[2 * child + 1]
        if not _before(d_c, i_c, d, i):
            break
        heap[2 * pos], heap[2 * pos + 1] = d_c, i_c
        pos = child
    if size > 0:
        heap[2 * pos], heap[2 * pos + 1] = d, i
    return size


# -- the guided search: A* with a lower bound of the cost left, and Dijkstra's path ----------
#: Side of the box the lower bound is worked out in, in distances from the start to the
#: nearest target (outside it the bound is 0; the bound is exact inside, cheaper to compute)
_BOX_FACTOR = 2.0
#: The lower bound is shrunk by this share so float rounding cannot make it overestimate
_BOUND_MARGIN = 1e-6


@_jit_inline
def _nearest_ring(targets: np.ndarray, h: int, w: int, r: int, c: int) -> int:
    """Chebyshev distance (cells) from ``(r, c)`` to the nearest other target cell; -1: none."""
    for rad in range(1, max(h, w)):
        if r - rad < 0 and r + rad >= h and c - rad < 0 and c + rad >= w:
            return -1
        for rr in range(max(0, r - rad), min(h, r + rad + 1)):
            if rr == r - rad or rr == r + rad:
                for cc in range(max(0, c - rad), min(w, c + rad + 1)):
                    if targets[rr * w + cc]:
                        return rad
            else:
                if c - rad >= 0 and targets[rr * w + c - rad]:
                    return rad
                if c + rad < w and targets[rr * w + c + rad]:
                    return rad
    return -1


@_jit
def _target_distance_sq(
    targets: np.ndarray, h: int, w: int, r0: int, r1: int, c0: int, c1: int
) -> np.ndarray:
    """Squared distance (cells) from each cell of a box to the nearest target or outside cell.

    The distance transform of Felzenszwalb and Huttenlocher over rows
    ``r0:r1`` and columns ``c0:c1`` of the ``h`` by ``w`` grid ``targets``
    (flat), where the grid's cells just outside the box count as targets: the
    distance to a set that holds every target, so never more than the distance
    to the nearest target, and 1-Lipschitz however the box is placed.
    """
    bh, bw = r1 - r0, c1 - c0
    far = 1e30
    # along each column: distance to the nearest target (or the grid row just outside the box)
    col = np.empty((bh, bw))
    for j in range(bw):
        last = -1.0 if r0 > 0 else -far
        for i in range(bh):
            if targets[(r0 + i) * w + c0 + j]:
                last = float(i)
            col[i, j] = i - last
        nxt = float(bh) if r1 < h else far
        for i in range(bh - 1, -1, -1):
            if targets[(r0 + i) * w + c0 + j]:
                nxt = float(i)
            if nxt - i < col[i, j]:
                col[i, j] = nxt - i
    # along each row: the lower envelope of the parabolas (q - p)^2 + col[i, p]^2
    out = np.empty((bh, bw))
    at = np.empty(bw + 2)
    height = np.empty(bw + 2)
    bound = np.empty(bw + 3)
    for i in range(bh):
        k = -1
        for q in range(-1, bw + 1):
            if q == -1 or q == bw:
                outside = (c0 > 0) if q == -1 else (c1 < w)
                if not outside:
                    continue
                fq = 0.0
            else:
                g = col[i, q]
                if g >= far / 2:
                    continue
                fq = g * g
            s = -far
            while k >= 0:
                s = ((fq + q * q) - (height[k] + at[k] * at[k])) / (2.0 * q - 2.0 * at[k])
                if s > bound[k]:
                    break
                k -= 1
            k += 1
            at[k], height[k] = q, fq
            bound[k] = s if k > 0 else -far
            bound[k + 1] = far
        if k < 0:
            out[i, :] = far
            continue
        m = 0
        for q in range(bw):
            while bound[m + 1] < q:
                m += 1
            out[i, q] = (q - at[m]) * (q - at[m]) + height[m]
    return out


@_jit
def _search(
    elevation: np.ndarray,
    cost_per_m: np.ndarray,
    start: int,
    targets: np.ndarray,
    moves: np.ndarray,
    undoes: np.ndarray,
    step_m: np.ndarray,
    rise_m: np.ndarray,
    scale: float,
) -> tuple[np.ndarray, bool, int]:
    """Cells of the cheapest path from ``start`` to the nearest target (empty: none).

    With ``scale`` 0 it is Dijkstra's search as scipy runs it (see the module's
    docstring). With ``scale`` > 0 (the least cost of a metre times the cell
    size) it is A*: the cost still to go from a cell is at least ``scale`` times
    its distance (cells) to the nearest target (:func:`_target_distance_sq`, in
    a box around the start, less :data:`_BOUND_MARGIN`), a consistent lower
    bound, so each cell is settled at its final cost, the one Dijkstra's search
    gives; every target as near as the nearest is settled before it stops. Of
    the neighbours a cell's final cost comes from exactly, it keeps as
    predecessor the one Dijkstra's search keeps: the first that search settles
    (lowest cost, then larger cell number). So both give the same path.

    Returns the path, whether it could be told (``False``, with ``scale`` > 0
    only, when a step is too cheap to change a float cost, where the order of
    equal costs cannot be told; run it again with ``scale`` 0 then) and the
    number of cells settled.
    """
    h, w = elevation.shape
    n = h * w
    guided = scale > 0.0
    r_s, c_s = start // w, start % w
    rad = _nearest_ring(targets, h, w, r_s, c_s) if guided else -1
    half = int(_BOX_FACTOR * rad * math.sqrt(2.0)) + 2 if rad > 0 else 0
    r0, r1 = max(0, r_s - half), min(h, r_s + half + 1)
    c0, c1 = max(0, c_s - half), min(w, c_s + half + 1)
    box = _target_distance_sq(targets, h, w, r0, r1, c0, c1) if rad > 0 else np.zeros((1, 1))
    factor = scale * (1.0 - _BOUND_MARGIN)
    told = True
    n_settled = 0
    d_row, d_col = moves[:, 0].copy(), moves[:, 1].copy()
    knight = (moves[:, 2] != 0) | (moves[:, 3] != 0) | (moves[:, 4] != 0) | (moves[:, 5] != 0)
    dist = np.full(n, np.inf)
    settled = np.zeros(n, dtype=np.bool_)
    pred = np.full(n, _NONE, dtype=np.int64)
    capacity = 4 * n + 16  # entries
    heap = np.empty(2 * capacity)
    dist[start] = 0.0
    size = _push(heap, 0, 0.0, start)
    best, best_val = _NONE, np.inf
    while size > 0:
        key, v = heap[0], int(heap[1])  # key: cost so far (+ the bound of the cost to go)
        size = _pop(heap, size)
        if settled[v]:
            continue  # stale: v was reached more cheaply after this entry was pushed
        if key > best_val:
            break  # every target left is farther than the nearest found
        settled[v] = True
        n_settled += 1
        d = dist[v]
        if targets[v] and v != start and (best == _NONE or (d == best_val and v < best)):
            best, best_val = v, d
        r, c = v // w, v % w
        z_v, cost_v = elevation[r, c], cost_per_m[r, c]
        for k in range(16):
            r2, c2 = r + d_row[k], c + d_col[k]
            if r2 < 0 or r2 >= h or c2 < 0 or c2 >= w:
                continue
            j = r2 * w + c2
            if settled[j] or dist[j] <= d:
                continue  # d + weight (weight >= 0) cannot be smaller: no need to grade the step
            # grade the step as its forward move f from (ra, ca), from the lower cell number:
            # a move back (k >= 8) is the forward move from its end; the float operations are
            # those of the scipy version, in the same order
            z_j = elevation[r2, c2]
            if k < 8:
                f, ra, ca, za, zb = k, r, c, z_v, z_j
            else:
                f, ra, ca, za, zb = undoes[k], r2, c2, z_j, z_v
            rise = rise_m[f]
            if not abs(zb - za) <= rise:
                continue
            if knight[f]:
                mid = (
                    elevation[ra + moves[f, 2], ca + moves[f, 3]]
                    + elevation[ra + moves[f, 4], ca + moves[f, 5]]
                ) / 2.0
                if not abs(mid - za) <= rise / 2:
                    continue
                if not abs(zb - mid) <= rise / 2:
                    continue
            if not (np.isfinite(za) and np.isfinite(zb)):
                continue
            if k < 8:
                weight = step_m[f] * (cost_v + cost_per_m[r2, c2]) / 2.0
            else:
                weight = step_m[f] * (cost_per_m[r2, c2] + cost_v) / 2.0
            if weight < 0.0:
                continue
            nxt = d + weight
            if dist[j] > nxt:
                dist[j] = nxt
                bound = 0.0
                if guided and r0 <= r2 < r1 and c0 <= c2 < c1:
                    bound = math.sqrt(box[r2 - r0, c2 - c0]) * factor
                if size == capacity:
                    capacity *= 2
                    grown = np.empty(2 * capacity)
                    grown[: 2 * size] = heap[: 2 * size]
                    heap = grown
                size = _push(heap, size, nxt + bound, j)
                pred[j] = v
            elif guided and dist[j] == nxt:
                # as cheap as from pred[j]: keep the one Dijkstra's search settles first
                p = pred[j]
                if d < dist[p] or (d == dist[p] and v > p):
                    pred[j] = v
            if guided and not nxt > d:
                told = False  # a step too cheap to change the cost: equal costs cannot be told
    if best == _NONE or not told:
        return np.zeros(0, dtype=np.int64), told, n_settled
    length = 1
    node = best
    while node != start:
        node = pred[node]
        length += 1
    path = np.empty(length, dtype=np.int64)
    node = best
    for i in range(length - 1, -1, -1):
        path[i] = node
        if i:
            node = pred[node]
    return path, True, n_settled


def cheapest_grid_path(
    elevation: np.ndarray,
    cost_per_m: np.ndarray,
    start: tuple[int, int],
    targets: np.ndarray,
    res: float,
    max_grade: float,
) -> list[tuple[int, int]] | None:
    """Cheapest grid path from ``start`` to any target cell with every step's grade ≤ max.

    Parameters
    ----------
    elevation : numpy.ndarray
        Elevation of the cells (float64, NaN: impassable).
    cost_per_m : numpy.ndarray
        Cost per metre of each cell (float64, not negative, same shape).
    start : tuple of int
        Row and column of the first cell.
    targets : numpy.ndarray
        Boolean mask of the cells a path may end at (``start`` itself excluded).
    res : float
        Cell size (m).
    max_grade : float
        Steepest grade of a step (rise over run).

    Returns
    -------
    list of (int, int) or None
        Row and column of each cell of the path, ``start`` first; ``None`` when
        no target can be reached. The path scipy's Dijkstra gives on the same
        grid (see the module's docstring).
    """
    w = elevation.shape[1]
    path = _grid_path_cells(elevation, cost_per_m, start, targets, res, max_grade)
    if path is None:
        return None
    return [(int(p) // w, int(p) % w) for p in path.tolist()]


def _grid_path_cells(
    elevation: np.ndarray,
    cost_per_m: np.ndarray,
    start: tuple[int, int],
    targets: np.ndarray,
    res: float,
    max_grade: float,
) -> np.ndarray | None:
    """Return :func:`cheapest_grid_path` as cell numbers (``row * width + col``), or ``None``."""
    w = elevation.shape[1]
    moves, undoes = _scan_order(w)
    # the step lengths and climb limits exactly as the scipy version computes them
    step_m = np.array([res * math.hypot(int(dr), int(dc)) for dr, dc in moves[:8, :2]])
    rise_m = np.array([max_grade * step for step in step_m.tolist()])
    args = (
        np.ascontiguousarray(elevation, dtype=np.float64),
        np.ascontiguousarray(cost_per_m, dtype=np.float64),
        int(start[0]) * w + int(start[1]),
        np.ascontiguousarray(targets, dtype=np.bool_).ravel(),
        moves,
        undoes,
        step_m,
        rise_m,
    )
    # A* where every cell costs something (a bound to guide by), else Dijkstra's search
    least = float(np.min(args[1])) if args[1].size else 0.0
    scale = res * least if least > 0.0 and math.isfinite(least) else 0.0
    path, told, _ = _search(*args, scale)
    if not told:
        path, _, _ = _search(*args, 0.0)
    return path if len(path) else None
