"""Drainage of the sample region: the valley tree, the fine valley geometry and the rivers.

**Drainage.** A jittered grid of "valley cells" (1.4 km) gets a smooth
random height field with a trough and a tilt across the region. The river
network is the minimum spanning tree of that field rooted at the lowest
border cell: a path in a minimum spanning tree crosses the lowest possible
pass, which is where water goes after filling depressions. Upstream area
gives river size; each node's largest tributary continues its river, so
the tree splits into named streams (a main river and its tributaries).
River lines are Catmull-Rom curves through the cells with small meanders.

Holds the region's frame (:func:`_frame`), the drainage tree
(:func:`_build_tree`), the fine geometry along the valleys that rivers,
valley roads and the DEM share (:func:`_fine_geometry`, with the road's
offset from the river: one bank per stretch, switching now and then), and
the river and stream lines (:func:`_rivers`).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from pyproj import Transformer
from scipy.ndimage import gaussian_filter
from scipy.sparse import coo_array
from scipy.sparse.csgraph import breadth_first_order, minimum_spanning_tree

from connectivity.sample.geometry import _catmull_rom, _Lines, _ptr, _ranges, _smoothstep
from connectivity.sample.params import (
    _A_RIVER,
    _A_STREAM,
    _CENTRE_LONLAT,
    _COARSE_M,
    _SIDE_M_PER_SQRT_SIZE,
    _SNAP_M,
    _SPACING_M,
    _SWITCH_BANK_P,
    SAMPLE_CRS,
    FloatArray,
    IntArray,
)


@dataclass(frozen=True)
class _Frame:
    x0: float
    y0: float
    side: float
    n: int

    @property
    def g(self) -> float:
        return self.side / self.n

    @property
    def cell_km2(self) -> float:
        return (self.g / 1000.0) ** 2


def _frame(size: float) -> _Frame:
    side = max(10, round(_SIDE_M_PER_SQRT_SIZE * math.sqrt(size) / _SNAP_M)) * _SNAP_M
    to_utm = Transformer.from_crs("EPSG:4326", SAMPLE_CRS, always_xy=True)
    cx, cy = to_utm.transform(*_CENTRE_LONLAT)
    x0 = round((cx - side / 2) / _SNAP_M) * _SNAP_M
    y0 = round((cy - side / 2) / _SNAP_M) * _SNAP_M
    return _Frame(x0=float(x0), y0=float(y0), side=float(side), n=max(5, round(side / _COARSE_M)))


@dataclass
class _Tree:
    xy: FloatArray
    parent: IntArray
    root: int
    levels: list[IntArray]
    area: IntArray  # upstream cells, self included
    chain_of: IntArray
    pos: IntArray  # index of the node in its chain's vertex list
    cv_ptr: IntArray  # chain vertex lists: tributary [mouth, head, ...]; main [root, ...]
    cv_node: IntArray
    spare_pairs: IntArray  # grid neighbours not joined by the tree (for passes)

    @property
    def n_chains(self) -> int:
        return len(self.cv_ptr) - 1


def _build_tree(frame: _Frame, rng: np.random.Generator) -> _Tree:
    n, g = frame.n, frame.g
    count = n * n
    ii, jj = np.divmod(np.arange(count, dtype=np.int64), n)
    jitter = rng.uniform(-0.22, 0.22, size=(count, 2))
    xy = np.column_stack(
        [frame.x0 + (jj + 0.5 + jitter[:, 0]) * g, frame.y0 + (ii + 0.5 + jitter[:, 1]) * g]
    )
    noise = gaussian_filter(rng.standard_normal((n, n)), sigma=2.5, mode="reflect").ravel()
    noise = noise / max(float(noise.std()), 1e-9)
    theta = rng.uniform(0.0, 2.0 * np.pi)
    cx, cy = frame.x0 + frame.side / 2, frame.y0 + frame.side / 2
    along = ((xy[:, 0] - cx) * np.cos(theta) + (xy[:, 1] - cy) * np.sin(theta)) / frame.side
    across = (-(xy[:, 0] - cx) * np.sin(theta) + (xy[:, 1] - cy) * np.cos(theta)) / frame.side
    height = 0.8 * noise + 3.0 * along + 8.0 * across**2

    k = np.arange(count, dtype=np.int64).reshape(n, n)
    flip = rng.random((n - 1, n - 1)) < 0.5  # one diagonal per square keeps rivers planar
    eu = np.concatenate(
        [
            k[:, :-1].ravel(),
            k[:-1, :].ravel(),
            np.where(flip, k[:-1, :-1], k[:-1, 1:]).ravel(),
        ]
    )
    ev = np.concatenate(
        [
            k[:, 1:].ravel(),
            k[1:, :].ravel(),
            np.where(flip, k[1:, 1:], k[1:, :-1]).ravel(),
        ]
    )
    weight = np.maximum(height[eu], height[ev]) - height.min() + 1.0 + 1e-3 * rng.random(len(eu))
    graph = coo_array((weight, (eu, ev)), shape=(count, count)).tocsr()
    mst = minimum_spanning_tree(graph)
    border = (ii == 0) | (ii == n - 1) | (jj == 0) | (jj == n - 1)
    border_nodes = np.flatnonzero(border)
    root = int(border_nodes[np.argmin(height[border_nodes])])
    order, pred = breadth_first_order(mst, root, directed=False, return_predecessors=True)
    order = order.astype(np.int64)
    parent = pred.astype(np.int64)
    parent[root] = -1

    depth = np.zeros(count, dtype=np.int64)
    # BFS order lists nodes level by level: find the level boundaries by walking it once
    for v in order[1:]:
        depth[v] = depth[parent[v]] + 1
    bounds = np.flatnonzero(np.diff(depth[order])) + 1
    levels = [lvl for lvl in np.split(order, bounds)]

    area = np.ones(count, dtype=np.int64)
    for lvl in reversed(levels[1:]):
        np.add.at(area, parent[lvl], area[lvl])

    nonroot = order[1:]
    srt = nonroot[np.lexsort((nonroot, -area[nonroot], parent[nonroot]))]
    sp = parent[srt]
    first = np.r_[True, sp[1:] != sp[:-1]]
    main_child = np.full(count, -1, dtype=np.int64)
    main_child[sp[first]] = srt[first]
    is_main = np.zeros(count, dtype=bool)
    is_main[nonroot] = main_child[parent[nonroot]] == nonroot

    heads = order[~is_main[order]]  # root first, then tributary heads in BFS order
    head_id = np.full(count, -1, dtype=np.int64)
    head_id[heads] = np.arange(len(heads))
    chain_of = np.zeros(count, dtype=np.int64)
    pos = np.zeros(count, dtype=np.int64)
    for lvl in levels[1:]:
        p = parent[lvl]
        m = is_main[lvl]
        chain_of[lvl] = np.where(m, chain_of[p], head_id[lvl])
        pos[lvl] = np.where(m, pos[p] + 1, 1)
    n_chains = len(heads)
    members = np.bincount(chain_of, minlength=n_chains)
    vcount = members + (np.arange(n_chains) > 0)  # tributaries start at their mouth
    cv_ptr = _ptr(vcount)
    cv_node = np.empty(int(cv_ptr[-1]), dtype=np.int64)
    cv_node[cv_ptr[chain_of] + pos] = np.arange(count)
    cv_node[cv_ptr[1:-1]] = parent[heads[1:]]

    tu, tv = mst.nonzero()
    tree_key = np.minimum(tu, tv).astype(np.int64) * count + np.maximum(tu, tv)
    grid_key = np.minimum(eu, ev) * count + np.maximum(eu, ev)
    spare = ~np.isin(grid_key, tree_key)
    return _Tree(
        xy=xy,
        parent=parent,
        root=root,
        levels=levels,
        area=area,
        chain_of=chain_of,
        pos=pos,
        cv_ptr=cv_ptr,
        cv_node=cv_node,
        spare_pairs=np.column_stack([eu[spare], ev[spare]]),
    )


@dataclass
class _Fine:
    xy: FloatArray  # base line (valley axis)
    normal: FloatArray
    s: FloatArray  # arc length from the chain start
    chain: IntArray
    seg_node: IntArray  # node of the segment starting here (last point: last segment's)
    j: IntArray  # sample index within its segment (end point: k)
    t: FloatArray
    ptr: IntArray  # per chain
    cf: IntArray  # fine index of each chain vertex (-1 beyond the computed prefix)
    meander: FloatArray
    offset: FloatArray  # road offset vector (before blending at the mouth)
    delta: FloatArray  # per chain: road distance from the river


def _fine_geometry(
    tree: _Tree, frame: _Frame, k_max: IntArray, cls: IntArray, node_u: FloatArray
) -> _Fine:
    chains = np.flatnonzero(k_max > 0)
    vcount = np.diff(tree.cv_ptr)
    seg_chain = np.repeat(chains, k_max[chains])
    seg_i = _ranges(np.zeros(len(chains), dtype=np.int64), k_max[chains])
    base = tree.cv_ptr[seg_chain] + seg_i
    p1 = tree.xy[tree.cv_node[base]]
    p2 = tree.xy[tree.cv_node[base + 1]]
    has_prev = seg_i > 0
    p0 = np.where(has_prev[:, None], tree.xy[tree.cv_node[np.maximum(base - 1, 0)]], 2 * p1 - p2)
    has_next = seg_i + 2 < vcount[seg_chain]
    nxt = np.minimum(base + 2, len(tree.cv_node) - 1)
    p3 = np.where(has_next[:, None], tree.xy[tree.cv_node[nxt]], 2 * p2 - p1)
    seg_node = tree.cv_node[base + 1]
    chord = np.hypot(*(p2 - p1).T)
    k = np.maximum(np.ceil(chord / _SPACING_M[cls[seg_node]]).astype(np.int64), 1)

    # fine index layout: per chain, the samples of its segments then one end point
    per_chain = np.zeros(tree.n_chains, dtype=np.int64)
    np.add.at(per_chain, seg_chain, k)
    per_chain[chains] += 1
    ptr = _ptr(per_chain)
    seg_ptr = _ptr(k)
    first_seg = np.searchsorted(seg_chain, chains)  # first segment of each used chain
    chain_seg0 = np.zeros(tree.n_chains, dtype=np.int64)
    chain_seg0[chains] = seg_ptr[first_seg]
    seg_fine0 = ptr[seg_chain] + seg_ptr[:-1] - chain_seg0[seg_chain]
    total = int(ptr[-1])

    rep = np.repeat(np.arange(len(k)), k)
    j = np.arange(len(rep)) - seg_ptr[rep]
    t = j / k[rep]
    fidx = seg_fine0[rep] + j
    xy = np.empty((total, 2))
    xy[fidx] = _catmull_rom(p0[rep], p1[rep], p2[rep], p3[rep], t)
    # tangents: finite differences inside segments; at chain vertices the chord between
    # the chain neighbours (the same whichever segment the vertex ends or starts)
    eps = 1e-3
    ta = _catmull_rom(p0[rep], p1[rep], p2[rep], p3[rep], np.maximum(t - eps, 0.0))
    tb = _catmull_rom(p0[rep], p1[rep], p2[rep], p3[rep], np.minimum(t + eps, 1.0))
    tangent = np.empty((total, 2))
    tangent[fidx] = tb - ta
    at_vertex = j == 0
    tangent[fidx[at_vertex]] = (p2 - p0)[rep[at_vertex]]
    chain_idx = np.searchsorted(chains, seg_chain)
    last_seg = np.r_[first_seg[1:] - 1, len(k) - 1]
    end_f = ptr[chains + 1] - 1
    xy[end_f] = p2[last_seg]
    tangent[end_f] = p3[last_seg] - p1[last_seg]

    chain = np.repeat(np.arange(tree.n_chains), per_chain)
    seg_node_f = np.empty(total, dtype=np.int64)
    seg_node_f[fidx] = seg_node[rep]
    seg_node_f[end_f] = seg_node[last_seg]
    jf = np.empty(total, dtype=np.int64)
    jf[fidx] = j
    jf[end_f] = k[last_seg]
    tf = np.empty(total)
    tf[fidx] = t
    tf[end_f] = 1.0

    tn = np.hypot(tangent[:, 0], tangent[:, 1])
    normal = np.column_stack([-tangent[:, 1], tangent[:, 0]]) / np.maximum(tn, 1e-9)[:, None]
    step = np.r_[0.0, np.hypot(*np.diff(xy, axis=0).T)]
    starts = ptr[chains]
    step[starts] = 0.0
    cs = np.cumsum(step)
    s = cs - cs[ptr[chain]]

    cf = np.full(len(tree.cv_node), -1, dtype=np.int64)
    cf[base] = seg_fine0
    cf[tree.cv_ptr[chains] + k_max[chains]] = end_f

    # road offsets: one bank per stretch, switching at some segment midpoints
    first_member = tree.cv_node[tree.cv_ptr[:-1] + 1]
    delta = 35.0 + 15.0 * np.log10(1.0 + tree.area[first_member] * frame.cell_km2)
    head_node = np.where(np.arange(tree.n_chains) == 0, tree.root, first_member)
    start_side = np.where(node_u[head_node, 0] < 0.5, -1.0, 1.0)
    switch = node_u[seg_node, 1] < _SWITCH_BANK_P[cls[seg_node]]
    sw = switch.astype(np.int64)
    before = np.cumsum(sw) - sw
    before = before - before[first_seg][chain_idx]
    side_a = start_side[seg_chain] * np.where(before % 2 == 0, 1.0, -1.0)
    side_b = np.where(switch, -side_a, side_a)
    is_last = seg_i + 1 == k_max[seg_chain]
    seg_end_f = np.where(is_last, end_f[chain_idx], np.r_[seg_fine0[1:], 0])
    seg_len = s[seg_end_f] - s[seg_fine0]
    ramp = np.minimum(150.0, seg_len / 4.0)
    s_loc = s[fidx] - s[seg_fine0[rep]]
    r = _smoothstep((s_loc - (seg_len[rep] / 2 - ramp[rep])) / np.maximum(2 * ramp[rep], 1e-9))
    side = np.empty(total)
    side[fidx] = side_a[rep] + (side_b[rep] - side_a[rep]) * r
    side[end_f] = side_b[last_seg]
    offset = normal * (delta[chain] * side)[:, None]
    meander = 0.3 * delta[chain] * (2.0 * node_u[seg_node_f, 2] - 1.0) * np.sin(np.pi * tf)
    return _Fine(
        xy=xy,
        normal=normal,
        s=s,
        chain=chain,
        seg_node=seg_node_f,
        j=jf,
        t=tf,
        ptr=ptr,
        cf=cf,
        meander=meander,
        offset=offset,
        delta=delta,
    )


def _chain_runs(
    tree: _Tree, fine: _Fine, nseg: IntArray
) -> tuple[IntArray, IntArray, IntArray, IntArray, IntArray]:
    """Fine points of the first ``nseg[c]`` segments of every chain ``c`` with any.

    Returns the chains (``nseg > 0``), the fine index where each run ends, the
    number of fine points of each run, the fine indices of all runs one after
    the other, and the run (index into the chains) of each of them.
    """
    rc = np.flatnonzero(nseg > 0)
    f_start = fine.ptr[rc]
    f_end = fine.cf[tree.cv_ptr[rc] + nseg[rc]]
    cnt = f_end - f_start + 1
    fidx = _ranges(f_start, cnt)
    line = np.repeat(np.arange(len(rc)), cnt)
    return rc, f_end, cnt, fidx, line


_RIVER, _STREAM = 0, 1


@dataclass
class _Rivers:
    xy: FloatArray
    lines: _Lines  # cls holds _RIVER/_STREAM, ref holds the chain (for its name)
    width_m: FloatArray  # per line


def _rivers(tree: _Tree, fine: _Fine, frame: _Frame) -> _Rivers:
    is_member = tree.pos > 0
    ch = tree.chain_of[is_member]
    nseg = np.bincount(ch, weights=tree.area[is_member] >= _A_STREAM, minlength=tree.n_chains)
    nriv = np.bincount(ch, weights=tree.area[is_member] >= _A_RIVER, minlength=tree.n_chains)
    nseg, nriv = nseg.astype(np.int64), nriv.astype(np.int64)
    rc, f_end, cnt, fidx, line = _chain_runs(tree, fine, nseg)
    ptr = _ptr(cnt)
    keep = (fine.j[fidx] % 2 == 0) | (fidx == f_end[line])
    first = np.zeros(len(fidx), dtype=bool)
    first[ptr[:-1]] = True
    own = keep & ~(first & (rc[line] != 0))
    xy = fine.xy + fine.normal * fine.meander[:, None]
    river_of_fine = np.full(len(fine.s), -1, dtype=np.int64)
    river_of_fine[fidx[own]] = np.arange(int(own.sum()))
    trib = rc[rc != 0]
    mouth = tree.cv_node[tree.cv_ptr[trib]]
    jf = fine.cf[tree.cv_ptr[tree.chain_of[mouth]] + tree.pos[mouth]]
    river_of_fine[fine.ptr[trib]] = river_of_fine[jf]
    # split each chain's line where the river becomes a stream
    split_f = np.where(
        (nriv[rc] > 0) & (nriv[rc] < nseg[rc]), fine.cf[tree.cv_ptr[rc] + nriv[rc]], -1
    )
    kf = fidx[keep]
    kline = line[keep]
    parts_idx: list[IntArray] = []
    parts_kind: list[int] = []
    parts_chain: list[int] = []
    parts_area: list[int] = []
    kptr = _ptr(np.bincount(kline, minlength=len(rc)))
    for li, c in enumerate(rc):
        seq = kf[kptr[li] : kptr[li + 1]]
        verts = river_of_fine[seq]
        mouth_area = int(tree.area[tree.cv_node[tree.cv_ptr[c] + 1]])
        if split_f[li] >= 0:
            cut = int(np.searchsorted(seq, split_f[li]))
            split_area = int(tree.area[tree.cv_node[tree.cv_ptr[c] + nriv[c] + 1]])
            pieces = [(verts[: cut + 1], _RIVER, mouth_area), (verts[cut:], _STREAM, split_area)]
        else:
            kind = _RIVER if nriv[c] > 0 else _STREAM
            pieces = [(verts, kind, mouth_area)]
        for v, kind, area in pieces:
            if len(v) >= 2:
                parts_idx.append(v)
                parts_kind.append(kind)
                parts_chain.append(int(c))
                parts_area.append(area)
    counts = np.array([len(p) for p in parts_idx], dtype=np.int64)
    lptr = _ptr(counts)
    kind_arr = np.array(parts_kind, dtype=np.int64)
    area_km2 = np.array(parts_area, dtype=np.float64) * frame.cell_km2
    width = np.where(kind_arr == _RIVER, 8.0 + 6.0 * np.log10(area_km2), 3.0 + np.log10(area_km2))
    return _Rivers(
        xy=xy[fidx[own]],
        lines=_Lines(
            ptr=lptr,
            idx=np.concatenate(parts_idx) if parts_idx else np.zeros(0, dtype=np.int64),
            cls=np.repeat(kind_arr, counts),
            ref=np.repeat(np.array(parts_chain, dtype=np.int64), counts),
        ),
        width_m=width,
    )
