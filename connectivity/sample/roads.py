"""Road lines of the sample region: valley roads, spurs, town streets, trunk ends, passes.

**Roads** follow the valleys, as Andean roads do: every community needs a
road of some class down its valley to the outlet; each valley edge gets
the best class any community upstream needs (a track or a mule path up a
side valley joins a gravel road lower down). The hierarchy, in OSM tags:

* ``highway=trunk``, ``surface=asphalt``: the paved road along the whole
  main valley, continued over the pass at its head to the border;
* ``highway=secondary`` (gravel/compacted: *afirmado*): to district towns;
* ``highway=tertiary`` (gravel/compacted) and ``highway=unclassified``
  (dirt/unpaved, ``tracktype=grade3``: *carrozable*): to villages;
* ``highway=track`` (``tracktype=grade3..5``, ``surface=dirt/ground``:
  *trocha*): to larger hamlets, and a few over ridges between valleys;
* ``highway=path`` / ``bridleway`` (``surface=ground``: *camino de
  herradura*): to small hamlets, and some over passes;
* ``highway=residential``: a few streets in each town.

Roads run on one bank of their river 40-90 m from it and switch banks now
and then. Spur roads lead from the valley road to each community. Nodes are
every 60-110 m along roads (by class), so one unit of ``size`` holds about
17,000-20,000 road nodes in the XML (about 3,000 nodes of the simplified
graph). The lines here are polylines over a growing vertex table
(:class:`_Roads`); :mod:`connectivity.sample.ways` adds the crossings and
cuts them into OSM ways.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from connectivity.sample.drainage import _chain_runs, _Fine, _Frame, _Tree
from connectivity.sample.geometry import _Lines, _polylines, _ptr, _smoothstep
from connectivity.sample.params import (
    _PATH,
    _RESID,
    _SPACING_M,
    _TRACK,
    _TRUNK,
    FloatArray,
    IntArray,
)
from connectivity.sample.settlements import _TOWN, _Communities

_STREET_NAMES = (
    "Jr. Bolognesi", "Jr. Grau", "Jr. Libertad", "Jr. Comercio", "Av. Los Incas",
    "Jr. Unión", "Jr. Sucre", "Jr. Amazonas", "Jr. Progreso", "Av. Centenario",
)  # fmt: skip
_REF_NONE, _REF_TRUNK, _REF_STREET0 = -1, -2, -10  # street k has ref -10 - k


@dataclass
class _Roads:
    xy: list[FloatArray]
    parts: list[_Lines]

    @property
    def n(self) -> int:
        return sum(len(a) for a in self.xy)

    def add_vertices(self, pts: FloatArray) -> IntArray:
        first = self.n
        self.xy.append(np.asarray(pts, dtype=np.float64).reshape(-1, 2))
        return np.arange(first, first + len(pts), dtype=np.int64)

    def table(self) -> FloatArray:
        return np.concatenate(self.xy) if self.xy else np.zeros((0, 2))


def _valley_roads(
    tree: _Tree, fine: _Fine, cls: IntArray, leader: IntArray, roads: _Roads
) -> tuple[IntArray, FloatArray, IntArray]:
    """Lay the roads along the valleys.

    Returns the road vertex of each fine point (-1 if none), the road offset
    used at each fine point, and the number of road segments per chain.
    """
    is_member = tree.pos > 0
    road_seg = np.bincount(
        tree.chain_of[is_member], weights=(cls[is_member] >= 1), minlength=tree.n_chains
    ).astype(np.int64)
    rc, _, cnt, fidx, line = _chain_runs(tree, fine, road_seg)
    first = np.zeros(len(fidx), dtype=bool)
    first[_ptr(cnt)[:-1]] = True
    trib_first = first & (rc[line] != 0)
    own = ~trib_first

    # where a tributary road leaves its parent road: the parent's vertex at the mouth
    trib = rc[rc != 0]
    mouth = tree.cv_node[tree.cv_ptr[trib]]
    jf = np.full(tree.n_chains, -1, dtype=np.int64)
    jf[trib] = fine.cf[tree.cv_ptr[tree.chain_of[mouth]] + tree.pos[mouth]]

    offset = fine.offset.copy()
    first_len = np.zeros(tree.n_chains)
    first_len[rc] = fine.s[fine.cf[tree.cv_ptr[rc] + 1]]
    blend_len = np.minimum(250.0, 0.4 * first_len)
    c_of = rc[line]
    near = (c_of != 0) & (fine.s[fidx] < blend_len[c_of])
    fn = fidx[near]
    w = _smoothstep(1.0 - fine.s[fn] / np.maximum(blend_len[c_of[near]], 1e-9))
    offset[fn] = w[:, None] * fine.offset[jf[c_of[near]]] + (1.0 - w[:, None]) * fine.offset[fn]

    road_of_fine = np.full(len(fine.s), -1, dtype=np.int64)
    road_of_fine[fidx[own]] = roads.add_vertices(fine.xy[fidx[own]] + offset[fidx[own]])
    road_of_fine[fine.ptr[trib]] = road_of_fine[jf[trib]]
    seg_cls = cls[fine.seg_node[fidx]]
    ref = np.where(seg_cls == _TRUNK, _REF_TRUNK, leader[fine.seg_node[fidx]])
    roads.parts.append(_Lines(ptr=_ptr(cnt), idx=road_of_fine[fidx], cls=seg_cls, ref=ref))
    return road_of_fine, offset, road_seg


def _spurs(
    comm: _Communities, road_of_fine: IntArray, roads: _Roads, rng: np.random.Generator
) -> None:
    """Add a road of the community's class from the valley road to each village and hamlet."""
    sel = np.flatnonzero(comm.category != _TOWN)
    start = road_of_fine[comm.fine[sel]]
    table = roads.table()
    a = table[start]
    target = comm.xy[sel]
    d = target - a
    length = np.maximum(np.hypot(d[:, 0], d[:, 1]), 1e-9)
    b = target - d / length[:, None] * np.minimum(20.0, 0.2 * length)[:, None]
    bump = rng.uniform(-1, 1, len(sel)) * np.minimum(0.12 * length, 60.0)
    spacing = _SPACING_M[comm.demand[sel]]
    iptr, pts = _polylines(a, b, spacing, bump)
    interior = roads.add_vertices(pts)
    end = roads.add_vertices(b)
    roads.parts.append(
        _Lines.simple(start, iptr, interior, end, comm.demand[sel], sel.astype(np.int64))
    )


def _town_streets(
    tree: _Tree,
    fine: _Fine,
    comm: _Communities,
    road_of_fine: IntArray,
    road_seg: IntArray,
    roads: _Roads,
    rng: np.random.Generator,
) -> None:
    """Add a small grid of streets in each town.

    Streets leave the main road on the town side, and a back street joins
    their ends.
    """
    table = roads.table()
    starts: list[int] = []
    ends: list[FloatArray] = []
    backs: list[tuple[int, int]] = []  # (first, count) into ends
    for i in np.flatnonzero(comm.category == _TOWN):
        f = int(comm.fine[i])
        c = int(fine.chain[f])
        lo = int(fine.ptr[c])
        hi = int(fine.cf[tree.cv_ptr[c] + road_seg[c]])
        half = 2 if i == comm.capital else 1
        fs = sorted({min(max(f + 2 * k, lo), hi) for k in range(-half, half + 1)})
        r0 = table[road_of_fine[f]]
        d = comm.xy[i] - r0
        dist = float(np.hypot(*d))
        u = d / max(dist, 1e-9)
        length = dist + (200.0 if i == comm.capital else 120.0) + 40.0 * rng.random()
        first = len(ends)
        for fk in fs:
            starts.append(int(road_of_fine[fk]))
            ends.append(table[road_of_fine[fk]] + u * length)
        backs.append((first, len(fs)))
    if not starts:
        return
    start = np.array(starts, dtype=np.int64)
    end_xy = np.array(ends)
    end = roads.add_vertices(end_xy)
    n = len(start)
    names = rng.integers(0, len(_STREET_NAMES), n + len(backs))
    iptr, pts = _polylines(table[start], end_xy, np.full(n, _SPACING_M[_RESID]), np.zeros(n))
    roads.parts.append(
        _Lines.simple(
            start,
            iptr,
            roads.add_vertices(pts),
            end,
            np.full(n, _RESID),
            _REF_STREET0 - names[:n],
        )
    )
    b_start = np.array([end[f + k] for f, m in backs for k in range(m - 1)], dtype=np.int64)
    b_end = np.array([end[f + k + 1] for f, m in backs for k in range(m - 1)], dtype=np.int64)
    if len(b_start):
        all_xy = roads.table()
        m = len(b_start)
        iptr, pts = _polylines(all_xy[b_start], all_xy[b_end], np.full(m, 60.0), np.zeros(m))
        back_name = np.repeat(names[n:], [mm - 1 for _, mm in backs])
        roads.parts.append(
            _Lines.simple(
                b_start,
                iptr,
                roads.add_vertices(pts),
                b_end,
                np.full(m, _RESID),
                _REF_STREET0 - back_name,
            )
        )


def _trunk_ends(
    frame: _Frame,
    tree: _Tree,
    fine: _Fine,
    road_of_fine: IntArray,
    roads: _Roads,
    rng: np.random.Generator,
) -> None:
    """Continue the trunk road from both ends of the main valley to the border."""
    table = roads.table()
    main_end = int(fine.cf[tree.cv_ptr[1] - 1])
    ends = np.array([road_of_fine[fine.ptr[0]], road_of_fine[main_end]], dtype=np.int64)
    a = table[ends]
    inset = 250.0
    lo = np.array([frame.x0 + inset, frame.y0 + inset])
    hi = lo + frame.side - 2 * inset
    cand = np.stack(
        [
            np.column_stack([np.full(2, lo[0]), a[:, 1]]),
            np.column_stack([np.full(2, hi[0]), a[:, 1]]),
            np.column_stack([a[:, 0], np.full(2, lo[1])]),
            np.column_stack([a[:, 0], np.full(2, hi[1])]),
        ],
        axis=1,
    )
    dist = np.hypot(cand[..., 0] - a[:, None, 0], cand[..., 1] - a[:, None, 1])
    b = np.clip(cand[np.arange(2), dist.argmin(axis=1)], lo, hi)
    length = np.hypot(*(b - a).T)
    keep = length > 300.0
    if not keep.any():
        return
    a, b, ends, length = a[keep], b[keep], ends[keep], length[keep]
    bump = rng.uniform(-0.08, 0.08, len(a)) * length
    iptr, pts = _polylines(a, b, np.full(len(a), _SPACING_M[_TRUNK]), bump)
    roads.parts.append(
        _Lines.simple(
            ends,
            iptr,
            roads.add_vertices(pts),
            roads.add_vertices(b),
            np.full(len(a), _TRUNK),
            np.full(len(a), _REF_TRUNK),
        )
    )


def _passes(
    tree: _Tree,
    fine: _Fine,
    cls: IntArray,
    road_of_fine: IntArray,
    roads: _Roads,
    size: float,
    rng: np.random.Generator,
) -> None:
    """Add a few tracks and mule paths over the ridges between neighbouring valleys (loops)."""
    mouth_chain = np.zeros(tree.n_chains, dtype=np.int64)
    mouth_chain[1:] = tree.chain_of[tree.cv_node[tree.cv_ptr[1:-1]]]
    top = np.arange(tree.n_chains)
    while True:
        up = mouth_chain[top]
        move = up != 0
        if not move.any():
            break
        top = np.where(move, up, top)
    basin = top[tree.chain_of]
    u, v = tree.spare_pairs[:, 0], tree.spare_pairs[:, 1]
    served = (cls[u] >= 1) & (cls[v] >= 1) & (u != tree.root) & (v != tree.root)
    cand = np.flatnonzero(served & (basin[u] != basin[v]))
    n_track = min(round(3 * size), int(((cls[u[cand]] >= 2) & (cls[v[cand]] >= 2)).sum()))
    is_track_cand = (cls[u[cand]] >= 2) & (cls[v[cand]] >= 2)
    tracks = np.sort(rng.choice(cand[is_track_cand], size=n_track, replace=False))
    rest = np.setdiff1d(cand, tracks)
    used = np.zeros(len(tree.parent), dtype=bool)
    used[u[tracks]] = used[v[tracks]] = True
    rest = rest[~used[u[rest]] & ~used[v[rest]]]
    n_path = min(round(5 * size), len(rest))
    paths = np.sort(rng.choice(rest, size=n_path, replace=False))
    chosen = np.r_[tracks, paths].astype(np.int64)
    if not len(chosen):
        return
    pu, pv = u[chosen], v[chosen]

    def anchor(nodes: IntArray) -> IntArray:
        out: IntArray = road_of_fine[fine.cf[tree.cv_ptr[tree.chain_of[nodes]] + tree.pos[nodes]]]
        return out

    start, end = anchor(pu), anchor(pv)
    table = roads.table()
    a, b = table[start], table[end]
    line_cls = np.r_[np.full(len(tracks), _TRACK), np.full(len(paths), _PATH)]
    bump = rng.uniform(-0.1, 0.1, len(a)) * np.hypot(*(b - a).T)
    iptr, pts = _polylines(a, b, _SPACING_M[line_cls], bump)
    roads.parts.append(
        _Lines.simple(
            start,
            iptr,
            roads.add_vertices(pts),
            end,
            line_cls,
            np.full(len(a), _REF_NONE),
        )
    )
