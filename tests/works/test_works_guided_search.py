"""The A* search of new roads gives exactly the path of Dijkstra's search, ties included.

:func:`connectivity.works._grid_search._search` runs as A* when every cell costs
something (``scale`` > 0) and as scipy's Dijkstra otherwise. Where several
paths cost exactly the same (flat ground, one cost class) the A* must still
keep Dijkstra's path: these grids are built to have many such ties. The lower
bound it is guided by (:func:`_target_distance_sq`) is checked against scipy's
Euclidean distance transform, and the tests check that A* really ran (it did
not fall back to Dijkstra's search) and settled fewer cells.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from reference_works.new_links import _grid_route
from scipy import ndimage

from connectivity.works._grid_search import (
    _grid_path_cells,
    _scan_order,
    _search,
    _target_distance_sq,
    cheapest_grid_path,
)

_Grid = tuple[np.ndarray, np.ndarray, tuple[int, int], np.ndarray]
_Args = tuple[
    np.ndarray, np.ndarray, int, np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray
]


def _args(
    elevation: np.ndarray,
    cost: np.ndarray,
    start: tuple[int, int],
    targets: np.ndarray,
    grade: float,
) -> _Args:
    w = elevation.shape[1]
    moves, undoes = _scan_order(w)
    step_m = np.array([75.0 * math.hypot(int(dr), int(dc)) for dr, dc in moves[:8, :2]])
    return (
        np.ascontiguousarray(elevation, dtype=np.float64),
        np.ascontiguousarray(cost, dtype=np.float64),
        start[0] * w + start[1],
        np.ascontiguousarray(targets, dtype=np.bool_).ravel(),
        moves,
        undoes,
        step_m,
        grade * step_m,
    )


def _grids(
    seed: int, count: int
) -> list[tuple[np.ndarray, np.ndarray, tuple[int, int], np.ndarray]]:
    """Grids with many equal-cost paths: flat or terraced ground, one to four cost classes."""
    rng = np.random.default_rng(seed)
    out = []
    for i in range(count):
        h, w = (int(v) for v in rng.integers(5, 70, size=2))
        if i % 3 == 0:
            elevation = np.zeros((h, w))  # flat: every grade allowed, ties everywhere
        else:
            elevation = rng.integers(0, 4, size=(h, w)).astype(float) * 10.0
        elevation[rng.random((h, w)) < 0.04] = np.nan
        classes = np.array([700.0, 950.0, 1300.0, 1800.0])[: 1 + i % 4]
        cost = classes[rng.integers(0, len(classes), size=(h, w))]
        targets = np.zeros((h, w), dtype=bool)
        if i % 2:  # a road: a line of cells across the grid
            rows = np.clip(np.round(np.linspace(0, h - 1, 3 * w)), 0, h - 1).astype(int)
            cols = np.linspace(0, w - 1, 3 * w).astype(int)
            targets[(rows + int(rng.integers(-h // 2, h // 2))) % h, cols] = True
        else:
            targets = rng.random((h, w)) < 0.01
        start = (int(rng.integers(0, h)), int(rng.integers(0, w)))
        out.append((elevation, cost, start, targets))
    return out


def test_a_star_gives_dijkstras_path_on_grids_full_of_ties() -> None:
    found = 0
    for elevation, cost, start, targets in _grids(seed=21, count=90):
        for grade in (0.12, 0.5):
            args = _args(elevation, cost, start, targets, grade)
            scale = 75.0 * float(cost.min())
            guided, told, _ = _search(*args, scale)
            plain, plain_told, _ = _search(*args, 0.0)
            assert told and plain_told  # A* ran to the end: no fall back hid a difference
            assert np.array_equal(guided, plain)
            old = _grid_route(elevation, cost, start, targets, 75.0, grade)
            assert cheapest_grid_path(elevation, cost, start, targets, 75.0, grade) == old
            found += old is not None
    assert found > 100  # most searches reach a target


def test_a_star_settles_fewer_cells_on_the_sample_like_terrain() -> None:
    # an open valley with a road 40 cells away: A* must not wander the whole window
    rng = np.random.default_rng(3)
    h = w = 137
    yy, xx = np.mgrid[0:h, 0:w]
    elevation = 3000.0 + 2.0 * np.hypot(yy - 68, xx - 20) + rng.normal(0, 0.5, (h, w))
    cost = np.where(rng.random((h, w)) < 0.7, 700.0, 950.0)
    targets = np.zeros((h, w), dtype=bool)
    targets[:, 110] = True
    args = _args(elevation, cost, (68, 70), targets, 0.12)
    guided, told, settled_guided = _search(*args, 75.0 * 700.0)
    plain, _, settled_plain = _search(*args, 0.0)
    assert told and np.array_equal(guided, plain) and len(plain) > 30
    assert guided[-1] % w == 110  # it reached the road
    assert settled_guided < settled_plain / 2


def test_cells_that_cost_nothing_fall_back_to_dijkstra() -> None:
    for elevation, cost, start, targets in _grids(seed=5, count=30):
        cost = cost.copy()
        cost[: cost.shape[0] // 2] = 0.0  # no lower bound can guide the search over these
        path = _grid_path_cells(elevation, cost, start, targets, 75.0, 0.5)
        old = _grid_route(elevation, cost, start, targets, 75.0, 0.5)
        w = elevation.shape[1]
        assert (path is None) == (old is None)
        if path is not None:
            assert [(int(p) // w, int(p) % w) for p in path] == old


@pytest.mark.parametrize("box", [(0, 40, 0, 50), (5, 33, 7, 41), (0, 12, 30, 50), (39, 40, 0, 1)])
def test_target_distance_is_the_euclidean_distance_to_targets_or_outside(
    box: tuple[int, int, int, int],
) -> None:
    rng = np.random.default_rng(8)
    h, w = 40, 50
    for density in (0.0, 0.002, 0.05):
        targets = rng.random((h, w)) < density
        r0, r1, c0, c1 = box
        # the set measured to: targets inside the box and every grid cell outside it
        ground = np.zeros((h + 2, w + 2), dtype=bool)  # False: counts as a target
        inside = np.zeros((h + 2, w + 2), dtype=bool)
        inside[r0 + 1 : r1 + 1, c0 + 1 : c1 + 1] = True
        ground[inside] = ~targets[r0:r1, c0:c1].ravel()
        ground[0, :] = ground[-1, :] = ground[:, 0] = ground[:, -1] = True  # beyond the grid
        if not (~ground).any():
            continue
        expected = ndimage.distance_transform_edt(ground)[r0 + 1 : r1 + 1, c0 + 1 : c1 + 1]
        got = _target_distance_sq(targets.ravel(), h, w, r0, r1, c0, c1)
        assert np.allclose(np.sqrt(got), expected, rtol=0, atol=1e-9)
