"""Terrain of the sample region: the DEM written to ``elevation.tif``.

**Terrain** (only when files are written). Valley floors rise upstream with
slopes that fall with drainage area (Flint's law: steep headwater streams, a
gentle main river), from about 2,150 m at the outlet. Hillslopes rise from
the nearest valley floor at 0.3-0.6 m/m (the lower envelope of "cones" on
the valley lines, so ridges lie between valleys and rivers always run along
the lows); big rivers have flat floors; fractal noise roughens the slopes;
heights are squeezed into 2,000-4,950 m.
"""

from __future__ import annotations

import math

import numpy as np
from numpy.typing import NDArray
from scipy.ndimage import distance_transform_edt, gaussian_filter, zoom

from connectivity.sample.drainage import _Frame, _Tree
from connectivity.sample.model import _Model
from connectivity.sample.params import _A_VALLEY, DEM_CELL_M, FloatArray


def _smooth_noise(
    rng: np.random.Generator, shape: tuple[int, int], cell_m: float, scale_m: float
) -> NDArray[np.float32]:
    """Smooth random field with features about ``scale_m`` wide, unit standard deviation."""
    z = max(scale_m / cell_m, 1.0)
    coarse = rng.standard_normal((int(shape[0] / z) + 4, int(shape[1] / z) + 4))
    field_: NDArray[np.float64] = zoom(coarse, z, order=3, mode="reflect", grid_mode=False)
    field_ = field_[: shape[0], : shape[1]]
    if field_.shape != shape:  # zoom rounds the output size
        field_ = np.pad(
            field_, [(0, shape[0] - field_.shape[0]), (0, shape[1] - field_.shape[1])], "edge"
        )
    out: NDArray[np.float32] = ((field_ - field_.mean()) / max(float(field_.std()), 1e-9)).astype(
        np.float32
    )
    return out


def _valley_floors(tree: _Tree, frame: _Frame, rng: np.random.Generator) -> FloatArray:
    """Return the valley-floor elevation at each valley node.

    Floors rise upstream, steeply in small valleys and gently on the main
    river (slope ~ area^-0.45, Flint's law).
    """
    floor = np.zeros(len(tree.parent))
    floor[tree.root] = 2150.0 + 100.0 * rng.random()
    slope = np.clip(0.35 * (tree.area * frame.cell_km2) ** -0.45, 0.004, 0.2)
    for lvl in tree.levels[1:]:
        p = tree.parent[lvl]
        run = 1.1 * np.hypot(*(tree.xy[lvl] - tree.xy[p]).T)
        floor[lvl] = floor[p] + run * slope[lvl]
    return floor


def _dem(model: _Model, rng: np.random.Generator) -> NDArray[np.float32]:
    frame, tree, fine = model.frame, model.tree, model.fine
    n = round(frame.side / DEM_CELL_M)
    top = frame.y0 + frame.side
    floor = _valley_floors(tree, frame, rng)
    node = fine.seg_node
    valley = tree.area[node] >= _A_VALLEY
    f = np.flatnonzero(valley)
    par = tree.parent[node[f]]
    z = floor[par] + fine.t[f] * (floor[node[f]] - floor[par])
    xy = fine.xy[f] + fine.normal[f] * fine.meander[f][:, None]
    # densify to a third of the node spacing (< half a cell)
    same = (fine.chain[f][1:] == fine.chain[f][:-1]) & (np.diff(f) == 1)
    pts = [xy]
    zs = [z]
    for frac in (1 / 3, 2 / 3):
        pts.append(xy[:-1][same] + frac * (xy[1:][same] - xy[:-1][same]))
        zs.append(z[:-1][same] + frac * (z[1:][same] - z[:-1][same]))
    pxy, pz = np.vstack(pts), np.concatenate(zs)
    area_km2 = (
        np.concatenate(
            [tree.area[node[f]], tree.area[node[f]][:-1][same], tree.area[node[f]][:-1][same]]
        )
        * frame.cell_km2
    )
    col = ((pxy[:, 0] - frame.x0) / DEM_CELL_M).astype(np.int64)
    row = ((top - pxy[:, 1]) / DEM_CELL_M).astype(np.int64)
    src = np.full((n, n), np.inf, dtype=np.float32)
    radius = np.where(area_km2 >= 40.0, 15.0 * np.log2(area_km2), 0.0) / DEM_CELL_M
    reach = int(np.ceil(radius.max())) if len(radius) else 0
    for dr in range(-reach, reach + 1):
        for dc in range(-reach, reach + 1):
            sel = radius >= math.hypot(dr, dc)
            r, c = row[sel] + dr, col[sel] + dc
            ok = (r >= 0) & (r < n) & (c >= 0) & (c < n)
            np.minimum.at(src, (r[ok], c[ok]), pz[sel][ok].astype(np.float32))
    # hillslopes: lower envelope of cones rising from the valley floors
    hill = np.clip(0.45 * (1.0 + 0.3 * _smooth_noise(rng, (n, n), DEM_CELL_M, 6000.0)), 0.25, 0.7)
    elev = src.copy()
    steps = [(dr, dc) for dr in (-1, 0, 1) for dc in (-1, 0, 1) if dr or dc]
    for _ in range(4 * n):
        changed = False
        for dr, dc in steps:
            dst = (slice(max(dr, 0), n + min(dr, 0)), slice(max(dc, 0), n + min(dc, 0)))
            srcs = (slice(max(-dr, 0), n + min(-dr, 0)), slice(max(-dc, 0), n + min(-dc, 0)))
            cost = np.float32(DEM_CELL_M * math.hypot(dr, dc) * 0.5) * (hill[srcs] + hill[dst])
            cand = elev[srcs] + cost
            better = cand < elev[dst]
            if better.any():
                elev[dst][better] = cand[better]
                changed = True
        if not changed:
            break
    dist = distance_transform_edt(~np.isfinite(src)) * DEM_CELL_M
    rough = (
        45.0 * _smooth_noise(rng, (n, n), DEM_CELL_M, 2000.0)
        + 18.0 * _smooth_noise(rng, (n, n), DEM_CELL_M, 600.0)
        + 6.0 * _smooth_noise(rng, (n, n), DEM_CELL_M, 200.0)
    )
    raw = elev + np.clip(dist / 300.0, 0.0, 1.0).astype(np.float32) * rough
    raw = np.maximum(raw, 2000.5)
    dem = 2000.0 + 2950.0 * np.tanh((raw - 2000.0) / 2950.0)
    out: NDArray[np.float32] = gaussian_filter(dem, sigma=0.7, mode="nearest").astype(np.float32)
    return out
