"""OSM ways of the sample region: river crossings, road junctions, cutting into ways, tags.

Every road or path crossing of a mapped river or stream is found
geometrically and treated by road class and river size: **bridges** (a
short separate way with ``bridge=yes``, ``layer=1``, as in OSM), **fords**
(a short way with ``ford=yes``), or, for some tracks and paths, **no
structure at all** (the candidates module finds those later). Roads
crossing each other share a node. The lines are cut into OSM ways at class
and name changes, around bridges and fords and every 1,500 segments
(:func:`_finish_roads`), and each way gets its tags: ``highway``,
``surface``, ``tracktype``, ``smoothness``, ``name``, ``bridge``,
``layer``, ``bridge:name``, ``ford`` (:func:`_way_tags`).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import shapely
from numpy.typing import NDArray
from scipy.spatial import cKDTree

from connectivity.sample.drainage import _RIVER, _Rivers
from connectivity.sample.geometry import _arc_positions, _Lines, _pieces, _ptr, _ranges
from connectivity.sample.params import (
    _BRIDGE,
    _CROSS_RIVER,
    _CROSS_STREAM,
    _FORD,
    _HIGHWAY,
    _MAX_WAY_SEGMENTS,
    _NAME_P,
    _NAME_PREFIX,
    _NO_CROSSING,
    _PATH,
    _RESID,
    _SEC,
    _TERT,
    _TRACK,
    _TRUNK,
    _UNCL,
    BoolArray,
    FloatArray,
    IntArray,
)
from connectivity.sample.roads import _REF_STREET0, _REF_TRUNK, _STREET_NAMES


@dataclass
class _Ways:
    ptr: IntArray
    idx: IntArray  # road vertex indices
    cls: IntArray
    ref: IntArray
    structure: IntArray  # _NO_CROSSING, _FORD, _BRIDGE
    river: IntArray  # chain of the river a bridge spans (-1 otherwise)
    base: IntArray  # stretch of equal class and name the way belongs to (for tag draws)


def _cross_table(table: dict[int, tuple[float, float]]) -> FloatArray:
    out = np.zeros((len(_HIGHWAY), 2))
    for k, v in table.items():
        out[k] = v
    return out


def _finish_roads(
    road_xy: FloatArray, lines: _Lines, rivers: _Rivers, rng: np.random.Generator
) -> tuple[FloatArray, _Ways, dict[str, int]]:
    """Turn road lines into OSM ways with their crossings.

    Finds river crossings (bridge, ford or nothing) and road-road crossings
    (a shared node), inserts their nodes, and cuts the lines into OSM ways.
    """
    n_lines = len(lines.ptr) - 1
    counts = np.diff(lines.ptr)
    line_of = np.repeat(np.arange(n_lines), counts)
    s = _arc_positions(road_xy, lines)
    length = s[lines.ptr[1:] - 1]
    line_key0 = np.r_[0.0, np.cumsum(length + 10.0)][:-1]  # lines end to end on one axis
    gkey = line_key0[line_of] + s
    # geometric queries on short pieces of lines (tight bounding boxes: much faster)
    geoms, g_line, g_s0 = _pieces(road_xy, lines, s)
    riv_s = _arc_positions(rivers.xy, rivers.lines)
    riv_geoms, r_line, _ = _pieces(rivers.xy, rivers.lines, riv_s)

    # river crossings
    li, ri = shapely.STRtree(riv_geoms).query(geoms, predicate="intersects")
    parts, pi = shapely.get_parts(shapely.intersection(geoms[li], riv_geoms[ri]), return_index=True)
    point = shapely.get_type_id(parts) == 0
    parts, pi = parts[point], pi[point]
    c_line, c_river = g_line[li[pi]], r_line[ri[pi]]
    c_s = g_s0[li[pi]] + shapely.line_locate_point(geoms[li[pi]], parts)
    order = np.lexsort((c_river, c_s, c_line))
    c_line, c_river, c_s = c_line[order], c_river[order], c_s[order]
    dup = np.r_[False, (np.diff(c_line) == 0) & (np.diff(c_river) == 0) & (np.diff(c_s) < 1e-6)]
    c_line, c_river, c_s = c_line[~dup], c_river[~dup], c_s[~dup]
    pos = np.searchsorted(gkey, line_key0[c_line] + c_s, side="right") - 1
    c_cls = lines.cls[pos]
    river_kind = rivers.lines.cls[rivers.lines.ptr[c_river]]
    probs = np.where(
        (river_kind == _RIVER)[:, None],
        _cross_table(_CROSS_RIVER)[c_cls],
        _cross_table(_CROSS_STREAM)[c_cls],
    )
    u = rng.random(len(c_s))
    structure = np.where(
        u < probs[:, 0], _BRIDGE, np.where(u < probs[:, 0] + probs[:, 1], _FORD, _NO_CROSSING)
    )
    width = rivers.width_m[c_river]
    half = np.where(structure == _BRIDGE, 0.75 * width + 4.0, 0.5 * width + 3.0)
    half = np.minimum(half, np.minimum(c_s, length[c_line] - c_s) - 0.5)
    structure = np.where(half >= 2.0, structure, _NO_CROSSING)
    has = structure != _NO_CROSSING
    ka = line_key0[c_line[has]] + c_s[has] - half[has]
    kb = line_key0[c_line[has]] + c_s[has] + half[has]
    kkind = structure[has]
    kriver = rivers.lines.ref[rivers.lines.ptr[c_river[has]]]
    o = np.argsort(ka, kind="stable")
    ka, kb, kkind, kriver = ka[o], kb[o], kkind[o], kriver[o]
    if len(ka):
        run_max = np.maximum.accumulate(kb)
        new_group = np.r_[True, ka[1:] > run_max[:-1]]
        starts = np.flatnonzero(new_group)
        ga, gb = ka[starts], np.maximum.reduceat(kb, starts)
        gkind = np.maximum.reduceat(kkind, starts)
        griver = kriver[starts]
    else:
        ga = gb = np.zeros(0)
        gkind = griver = np.zeros(0, dtype=np.int64)
    # unbridged: crossings left as they are and not inside a bridge or ford
    none_key = line_key0[c_line[~has]] + c_s[~has]
    g = np.searchsorted(ga, none_key, side="right") - 1
    n_unbridged = int((~((g >= 0) & (none_key < gb[np.maximum(g, 0)] if len(gb) else False))).sum())

    # interval ends: snap to a node within 2 m, else insert a node
    ends = np.r_[ga, gb]
    j = np.clip(np.searchsorted(gkey, ends), 1, len(gkey) - 1)
    near = np.where(np.abs(gkey[j] - ends) < np.abs(gkey[j - 1] - ends), j, j - 1)
    snap = np.abs(gkey[near] - ends) < 2.0
    ends = np.where(snap, gkey[near], ends)
    ga, gb = ends[: len(ga)], ends[len(ga) :]
    ins_key = ends[~snap]
    p = np.searchsorted(gkey, ins_key, side="right") - 1
    frac = (ins_key - gkey[p]) / np.maximum(gkey[p + 1] - gkey[p], 1e-12)
    a_xy, b_xy = road_xy[lines.idx[p]], road_xy[lines.idx[p + 1]]
    ins_xy = [a_xy + (b_xy - a_xy) * frac[:, None]]
    ins_line = [line_of[p]]
    ins_s = [ins_key - line_key0[line_of[p]]]
    n_new = len(ins_key)
    ins_v = [len(road_xy) + np.arange(n_new)]

    # road-road crossings become junctions (a node shared by both ways)
    ra, rb = shapely.STRtree(geoms).query(geoms, predicate="intersects")
    pair = g_line[ra] < g_line[rb]
    ra, rb = ra[pair], rb[pair]
    xparts, xpi = shapely.get_parts(shapely.intersection(geoms[ra], geoms[rb]), return_index=True)
    xpoint = shapely.get_type_id(xparts) == 0
    xparts, xpi = xparts[xpoint], xpi[xpoint]
    xy_x = shapely.get_coordinates(xparts)
    if len(xy_x):
        dist, _ = cKDTree(road_xy).query(xy_x)
        fresh = dist > 1e-6  # not an existing shared node
        xparts, xpi, xy_x = xparts[fresh], xpi[fresh], xy_x[fresh]
        pa, pb = ra[xpi], rb[xpi]
        la, lb = g_line[pa], g_line[pb]
        sa = g_s0[pa] + shapely.line_locate_point(geoms[pa], xparts)
        sb = g_s0[pb] + shapely.line_locate_point(geoms[pb], xparts)
        ok = (sa > 0.01) & (sa < length[la] - 0.01) & (sb > 0.01) & (sb < length[lb] - 0.01)
        la, lb, sa, sb, xy_x = la[ok], lb[ok], sa[ok], sb[ok], xy_x[ok]
        o = np.lexsort((sb, lb, sa, la))
        la, lb, sa, sb, xy_x = la[o], lb[o], sa[o], sb[o], xy_x[o]
        dup = np.r_[False, (np.diff(la) == 0) & (np.diff(lb) == 0) & (np.abs(np.diff(sa)) < 1e-6)]
        la, lb, sa, sb, xy_x = la[~dup], lb[~dup], sa[~dup], sb[~dup], xy_x[~dup]
        vx = len(road_xy) + n_new + np.arange(len(xy_x))
        ins_xy.append(xy_x)
        ins_line += [la, lb]
        ins_s += [sa, sb]
        ins_v += [vx, vx]
    n_junctions = len(ins_xy[-1]) if len(ins_xy) > 1 else 0
    road_xy = np.vstack([road_xy, *ins_xy])
    iline = np.concatenate(ins_line)
    ikey = line_key0[iline] + np.concatenate(ins_s)
    iv = np.concatenate(ins_v)

    # merge inserted nodes into the lines
    all_key = np.r_[gkey, ikey]
    is_orig = np.r_[np.ones(len(gkey), dtype=bool), np.zeros(len(ikey), dtype=bool)]
    order = np.lexsort((~is_orig, all_key))
    key = all_key[order]
    idx = np.r_[lines.idx, iv][order]
    src = np.where(is_orig[order], order, 0)
    last_orig = np.maximum.accumulate(np.where(is_orig[order], np.arange(len(order)), 0))
    src = src[last_orig]
    cls, ref = lines.cls[src], lines.ref[src]
    new_counts = counts + np.bincount(iline, minlength=n_lines)
    ptr = _ptr(new_counts)
    line_p = np.repeat(np.arange(n_lines), new_counts)

    # cut into ways: at class/name changes, around bridges and fords, and every 1,500 segments
    is_last = np.zeros(len(idx), dtype=bool)
    is_last[ptr[1:] - 1] = True
    seg = np.flatnonzero(~is_last)
    mid = 0.5 * (key[seg] + key[seg + 1])
    gi = np.searchsorted(ga, mid, side="right") - 1
    inside = (gi >= 0) & (mid < gb[np.maximum(gi, 0)]) if len(ga) else np.zeros(len(seg), bool)
    interval = np.where(inside, gi, -1)
    sl, sc, sr = line_p[seg], cls[seg], ref[seg]
    brk_base = np.r_[True, (sl[1:] != sl[:-1]) | (sc[1:] != sc[:-1]) | (sr[1:] != sr[:-1])]
    base_id = np.cumsum(brk_base) - 1
    brk = brk_base | np.r_[True, interval[1:] != interval[:-1]]
    run = np.cumsum(brk) - 1
    within = np.arange(len(seg)) - np.flatnonzero(brk)[run]
    brk = brk | (within % _MAX_WAY_SEGMENTS == 0)
    run = np.cumsum(brk) - 1
    first = np.flatnonzero(brk)
    n_seg = np.bincount(run)
    wptr = _ptr(n_seg + 1)
    widx = idx[_ranges(seg[first], n_seg + 1)]
    w_int = interval[first]
    structure_w = np.where(w_int >= 0, gkind[np.maximum(w_int, 0)] if len(gkind) else 0, 0)
    river_w = np.where(
        (w_int >= 0) & (structure_w == _BRIDGE),
        griver[np.maximum(w_int, 0)] if len(griver) else -1,
        -1,
    )
    ways = _Ways(
        ptr=wptr,
        idx=widx,
        cls=sc[first],
        ref=sr[first],
        structure=structure_w.astype(np.int64),
        river=river_w.astype(np.int64),
        base=base_id[first],
    )
    stats = {
        "bridges": int((gkind == _BRIDGE).sum()),
        "fords": int((gkind == _FORD).sum()),
        "unbridged_crossings": n_unbridged,
        "road_junctions_at_crossings": n_junctions,
    }
    return road_xy, ways, stats


_SURFACE: dict[int, tuple[tuple[str | None, ...], tuple[float, ...]]] = {
    _PATH: (("ground", None, "rock"), (0.7, 0.2, 0.1)),
    _TRACK: (("ground", "dirt", None), (0.3, 0.3, 0.4)),
    _UNCL: (("dirt", "unpaved", "compacted", None), (0.4, 0.35, 0.1, 0.15)),
    _TERT: (("gravel", "compacted", "unpaved"), (0.5, 0.4, 0.1)),
    _SEC: (("gravel", "compacted"), (0.7, 0.3)),
    _TRUNK: (("asphalt",), (1.0,)),
    _RESID: (("paving_stones", "concrete", "unpaved", "dirt"), (0.3, 0.2, 0.3, 0.2)),
}
_TRACKTYPE: dict[int, tuple[tuple[str | None, ...], tuple[float, ...]]] = {
    _UNCL: (("grade3", None), (0.6, 0.4)),
    _TRACK: (("grade3", "grade4", "grade5"), (0.15, 0.5, 0.35)),
}
_SMOOTHNESS: dict[int, tuple[tuple[str | None, ...], tuple[float, ...]]] = {
    _UNCL: ((None, "bad"), (0.8, 0.2)),
    _TRACK: ((None, "very_bad", "horrible"), (0.7, 0.2, 0.1)),
}


def _draw(
    table: dict[int, tuple[tuple[str | None, ...], tuple[float, ...]]],
    cls: IntArray,
    u: FloatArray,
) -> NDArray[np.object_]:
    out = np.full(len(cls), None, dtype=object)
    for c, (values, probs) in table.items():
        sel = cls == c
        if sel.any():
            k = np.searchsorted(np.cumsum(probs)[:-1], u[sel], side="right")
            out[sel] = np.array(values, dtype=object)[k]
    return out


def _tag_where(cond: BoolArray, value: str) -> NDArray[np.object_]:
    """Return an object array holding ``value`` where ``cond`` is true, None elsewhere."""
    out = np.full(len(cond), None, dtype=object)
    out[cond] = value
    return out


@dataclass
class _Names:
    communities: list[str]
    province: str
    trunk: str
    rivers: dict[int, str]  # chain -> name


def _way_tags(
    ways: _Ways, names: _Names, rng: np.random.Generator
) -> dict[str, NDArray[np.object_]]:
    """OSM tags of every way, as object arrays (None where the way lacks the tag)."""
    n_base = int(ways.base.max()) + 1 if len(ways.base) else 0
    u = rng.random((n_base, 5))[ways.base]
    cls = ways.cls
    highway = np.array(_HIGHWAY, dtype=object)[cls]
    highway[(cls == _PATH) & (u[:, 0] < 0.3)] = "bridleway"
    has_name = u[:, 4] < _NAME_P[cls]
    name = np.full(len(cls), None, dtype=object)
    label: dict[tuple[int, int], str] = {}
    for i in np.flatnonzero(has_name):
        c, r = int(cls[i]), int(ways.ref[i])
        text = label.get((c, r))
        if text is None:
            if r == _REF_TRUNK:
                text = names.trunk
            elif r <= _REF_STREET0:
                text = _STREET_NAMES[_REF_STREET0 - r]
            elif r >= 0:
                text = f"{_NAME_PREFIX[c]} {names.communities[r]}"
            else:
                text = ""
            label[(c, r)] = text
        name[i] = text or None
    bridge = _tag_where(ways.structure == _BRIDGE, "yes")
    ford = _tag_where(ways.structure == _FORD, "yes")
    layer = _tag_where(ways.structure == _BRIDGE, "1")
    bridge_name = np.full(len(cls), None, dtype=object)
    for i in np.flatnonzero((ways.river >= 0) & (cls >= _TERT)):
        river = names.rivers.get(int(ways.river[i]))
        if river:
            bridge_name[i] = "Puente " + river.split(" ", 1)[1]
    return {
        "highway": highway,
        "surface": _draw(_SURFACE, cls, u[:, 1]),
        "tracktype": _draw(_TRACKTYPE, cls, u[:, 2]),
        "smoothness": _draw(_SMOOTHNESS, cls, u[:, 3]),
        "name": name,
        "bridge": bridge,
        "layer": layer,
        "bridge:name": bridge_name,
        "ford": ford,
    }
