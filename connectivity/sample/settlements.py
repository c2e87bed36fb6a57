"""Communities of the sample region: where they are, how many live there, what road they need.

**Communities.** One district capital per district (4-8 districts at size
1, each a *town* of 2,000-6,000 people, the province capital of
8,000-15,000 on the main valley), then villages (300-1,999 people, on
valley floors and lower slopes) and hamlets (20-299, on floors and
slopes), with lognormal populations. Districts are the areas nearest to
each capital. A handful of hamlets (about 3 per unit size) are placed on
purpose more than 2 km from any road or path: they are off the network and
reached on foot, as such hamlets are in the Andes.

Every community needs a road of some class down its valley to the outlet;
each valley edge gets the best class any community upstream needs
(:func:`_edge_classes`).

**Population raster.** Each community's people are spread over a small
Gaussian kernel (wider for towns) on a 250 m grid, so the raster sums to
the total population (:func:`_population_raster`). Each district gets an
invented poverty rate, higher in higher districts (:func:`_district_poverty`).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from numpy.typing import NDArray
from scipy.spatial import cKDTree

from connectivity.sample.drainage import _Fine, _Frame, _Tree
from connectivity.sample.params import (
    _A_VALLEY,
    _PATH,
    _SEC,
    _TERT,
    _TRACK,
    _TRUNK,
    _UNCL,
    POPULATION_CELL_M,
    BoolArray,
    FloatArray,
    IntArray,
)

_TOWN, _VILLAGE, _HAMLET = 0, 1, 2
_CATEGORY = ("town", "village", "hamlet")


@dataclass
class _Communities:
    node: IntArray  # valley node (segment node -> parent); -1 for off-network hamlets
    category: IntArray
    population: IntArray
    demand: IntArray  # road class needed (0 for off-network)
    capital: int  # index of the province capital
    is_district_capital: BoolArray
    names: list[str] = field(default_factory=list)
    xy: FloatArray = field(default_factory=lambda: np.zeros((0, 2)))
    district: IntArray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))
    fine: IntArray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))


def _choose_towns(
    tree: _Tree, frame: _Frame, n_towns: int, rng: np.random.Generator
) -> tuple[int, IntArray]:
    main = tree.cv_node[tree.cv_ptr[0] : tree.cv_ptr[1]]
    at = int(np.clip(round(len(main) * rng.uniform(0.3, 0.5)), 1, len(main) - 1))
    capital = int(main[at])
    count = len(tree.parent)
    ii, jj = np.divmod(np.arange(count), frame.n)
    inner = (ii > 0) & (ii < frame.n - 1) & (jj > 0) & (jj < frame.n - 1)
    cand = np.flatnonzero(inner & (tree.area >= 6) & (np.arange(count) != capital))
    score = np.log(tree.area[cand]) + rng.gumbel(size=len(cand))
    cand = cand[np.argsort(-score, kind="stable")]
    chosen = [capital]
    spacing = 0.6 * frame.side / math.sqrt(max(n_towns, 1))
    while len(chosen) < n_towns and spacing > frame.g:
        for c in cand:
            if len(chosen) >= n_towns:
                break
            d = np.hypot(*(tree.xy[chosen] - tree.xy[c]).T)
            if d.min() >= spacing:
                chosen.append(int(c))
        spacing *= 0.8
    return capital, np.array(chosen[1:], dtype=np.int64)


def _place_communities(
    tree: _Tree, frame: _Frame, size: float, rng: np.random.Generator
) -> _Communities:
    count = len(tree.parent)
    n_districts = max(1, round(6 * size))
    capital_node, towns = _choose_towns(tree, frame, n_districts, rng)
    town_nodes = np.r_[capital_node, towns]
    n_total = max(round(330 * size), len(town_nodes) + 3)
    n_other = n_total - len(town_nodes)
    free = np.ones(count, dtype=bool)
    free[town_nodes] = False
    free[tree.root] = False
    n_vill = round(0.28 * n_other)
    vill_cand = np.flatnonzero(free & (tree.area >= _A_VALLEY))
    n_vill = min(n_vill, len(vill_cand))
    w = tree.area[vill_cand] ** 0.3
    villages = np.sort(rng.choice(vill_cand, size=n_vill, replace=False, p=w / w.sum()))
    free[villages] = False
    haml_cand = np.flatnonzero(free)
    n_haml = min(n_other - n_vill, len(haml_cand))
    hamlets = np.sort(rng.choice(haml_cand, size=n_haml, replace=False))

    pop_capital = np.exp(rng.uniform(math.log(8000), math.log(15000), 1))
    pop_towns = np.exp(rng.uniform(math.log(2000), math.log(6000), len(towns)))
    pop_vill = np.clip(rng.lognormal(math.log(600), 0.45, n_vill), 300, 1999)
    pop_haml = np.clip(rng.lognormal(math.log(90), 0.7, n_haml), 20, 299)
    population = np.round(np.concatenate([pop_capital, pop_towns, pop_vill, pop_haml])).astype(
        np.int64
    )
    category = np.r_[
        np.full(len(town_nodes), _TOWN), np.full(n_vill, _VILLAGE), np.full(n_haml, _HAMLET)
    ].astype(np.int64)
    u = rng.random(len(population))
    demand = np.select(
        [
            category == _TOWN,
            (category == _VILLAGE) & ((population >= 800) | (u < 0.25)),
            category == _VILLAGE,
            (category == _HAMLET) & (population >= 150) & (u < 0.7),
            (category == _HAMLET) & (population < 150) & (u < 0.25),
        ],
        [_SEC, _TERT, _UNCL, _TRACK, _TRACK],
        default=_PATH,
    ).astype(np.int64)
    is_dc = np.zeros(len(population), dtype=bool)
    is_dc[: len(town_nodes)] = True
    return _Communities(
        node=np.r_[town_nodes, villages, hamlets].astype(np.int64),
        category=category,
        population=population,
        demand=demand,
        capital=0,
        is_district_capital=is_dc,
    )


def _edge_classes(tree: _Tree, comm: _Communities) -> tuple[IntArray, IntArray]:
    """Road class of every valley edge (node -> parent) and the community it leads to."""
    count = len(tree.parent)
    cls = np.zeros(count, dtype=np.int64)
    on = comm.node >= 0
    np.maximum.at(cls, comm.node[on], comm.demand[on])
    # leader: the community with the best (class, population) upstream; names the road
    key = np.full(count, -1, dtype=np.int64)
    ckey = comm.demand * 10_000_000 + comm.population * 100 + (99 - np.arange(len(comm.node)) % 100)
    np.maximum.at(key, comm.node[on], ckey[on])
    for lvl in reversed(tree.levels[1:]):
        np.maximum.at(cls, tree.parent[lvl], cls[lvl])
        np.maximum.at(key, tree.parent[lvl], key[lvl])
    main = tree.cv_node[tree.cv_ptr[0] + 1 : tree.cv_ptr[1]]
    cls[main] = _TRUNK
    cls[tree.root] = _TRUNK
    lookup: dict[int, int] = {}
    for i in range(len(ckey) - 1, -1, -1):
        if on[i]:
            lookup[int(ckey[i])] = i
    leader = np.array([lookup.get(int(k), -1) for k in key], dtype=np.int64)
    return cls, leader


def _locate_communities(
    tree: _Tree,
    frame: _Frame,
    fine: _Fine,
    comm: _Communities,
    offset: FloatArray,
    rng: np.random.Generator,
) -> None:
    """Put each community beside its valley segment.

    Towns go just past the road, villages on floors and lower slopes, hamlets
    on floors and slopes.
    """
    node = comm.node
    c = tree.chain_of[node]
    a = fine.cf[tree.cv_ptr[c] + tree.pos[node] - 1]
    b = fine.cf[tree.cv_ptr[c] + tree.pos[node]]
    f = a + np.round(rng.uniform(0.2, 0.8, len(node)) * (b - a)).astype(np.int64)
    road_side = np.sign(np.einsum("ij,ij->i", offset[f], fine.normal[f]))
    road_side = np.where(road_side == 0, 1.0, road_side)
    u = rng.random((len(node), 3))
    delta = fine.delta[c]
    town = comm.category == _TOWN
    village = comm.category == _VILLAGE
    same_bank = town | (village & (u[:, 0] < 0.75)) | (~town & ~village & (u[:, 0] < 0.5))
    side = np.where(same_bank, road_side, -road_side)
    dist = np.select(
        [town, village & same_bank, village],
        [delta + 80 + 120 * u[:, 1], delta + 100 + 500 * u[:, 1], 150 + 450 * u[:, 1]],
        default=150 + 1050 * u[:, 1],
    )
    xy = fine.xy[f] + fine.normal[f] * (side * dist)[:, None]
    lo = np.array([frame.x0, frame.y0]) + 300.0
    comm.xy = np.clip(xy, lo, lo + frame.side - 600.0)
    comm.fine = f


def _off_network_hamlets(
    tree: _Tree,
    frame: _Frame,
    cls: IntArray,
    comm: _Communities,
    road_xy: FloatArray,
    size: float,
    rng: np.random.Generator,
) -> None:
    """Add a handful of hamlets more than 2 km from any road or path, on purpose."""
    want = max(1, round(3 * size))
    cand = np.flatnonzero((cls == 0) & (tree.area >= 2))
    if not len(cand):
        cand = np.flatnonzero(cls == 0)
    pts = tree.xy[cand] + rng.uniform(-250, 250, (len(cand), 2))
    inside = np.all(
        (pts > [frame.x0 + 500, frame.y0 + 500])
        & (pts < [frame.x0 + frame.side - 500, frame.y0 + frame.side - 500]),
        axis=1,
    )
    dist, _ = cKDTree(road_xy).query(pts)
    ok = np.flatnonzero(inside & (dist > 2300.0))
    pick = np.sort(rng.choice(ok, size=min(want, len(ok)), replace=False))
    chosen: list[int] = []
    for p in pick:  # keep them apart from each other
        if all(np.hypot(*(pts[p] - pts[q])) > 1500 for q in chosen):
            chosen.append(int(p))
    k = len(chosen)
    if not k:
        return
    pop = np.round(np.clip(rng.lognormal(math.log(60), 0.5, k), 20, 200)).astype(np.int64)
    comm.node = np.r_[comm.node, np.full(k, -1)]
    comm.category = np.r_[comm.category, np.full(k, _HAMLET)]
    comm.population = np.r_[comm.population, pop]
    comm.demand = np.r_[comm.demand, np.zeros(k, dtype=np.int64)]
    comm.is_district_capital = np.r_[comm.is_district_capital, np.zeros(k, dtype=bool)]
    comm.xy = np.vstack([comm.xy, pts[chosen]])
    comm.fine = np.r_[comm.fine, np.full(k, -1)]


def _population_raster(frame: _Frame, comm: _Communities) -> NDArray[np.float32]:
    """People per cell: each community spread over a Gaussian kernel, summing to its people."""
    n = round(frame.side / POPULATION_CELL_M)
    top = frame.y0 + frame.side
    col = (comm.xy[:, 0] - frame.x0) / POPULATION_CELL_M
    row = (top - comm.xy[:, 1]) / POPULATION_CELL_M
    sigma = (60.0 + 25.0 * np.sqrt(comm.population / 100.0)) / POPULATION_CELL_M
    reach = 4
    off = np.arange(-reach, reach + 1)
    grid_r, grid_c = np.meshgrid(off, off, indexing="ij")
    dr, dc = grid_r.ravel(), grid_c.ravel()
    r = np.floor(row).astype(np.int64)[:, None] + dr
    c = np.floor(col).astype(np.int64)[:, None] + dc
    d2 = (r + 0.5 - row[:, None]) ** 2 + (c + 0.5 - col[:, None]) ** 2
    w = np.exp(-0.5 * d2 / sigma[:, None] ** 2)
    w[(d2 > (3 * sigma[:, None]) ** 2) | (r < 0) | (r >= n) | (c < 0) | (c >= n)] = 0.0
    own = (dr == 0) & (dc == 0)
    w[:, own] = np.maximum(w[:, own], 1e-12)
    w *= (comm.population / w.sum(axis=1))[:, None]
    grid = np.zeros(n * n)
    ok = w > 0
    np.add.at(grid, (r * n + c)[ok], w[ok])
    out: NDArray[np.float32] = grid.reshape(n, n).astype(np.float32)
    return out


def _district_poverty(communities: pd.DataFrame) -> pd.Series:
    """Invent a poverty rate per district: higher where the district lies higher.

    Share of people below the poverty line (0..1), between 0.20 and 0.80,
    linear in the district's population-weighted mean elevation. Invented like
    everything else here; it exists so the equity weight of the ranking can be
    shown on the sample (``[ranking] equity_column``).
    """
    weighted = communities["elevation_m"] * communities["population"]
    by_district = communities.assign(w=weighted).groupby("district")
    mean_elev = by_district["w"].sum() / by_district["population"].sum()
    low, high = float(mean_elev.min()), float(mean_elev.max())
    share = (mean_elev - low) / (high - low) if high > low else mean_elev * 0.0
    rate = (0.20 + 0.60 * share).round(2)
    return communities["district"].map(rate).astype(float)
