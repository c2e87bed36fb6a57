"""The numba kernels of the incremental evaluation (compiled, cached on disk).

A binary heap, the relaxation step and the bounded Dijkstra search on the
reversed graph (CSR arrays of the base network, linked lists of the edges added
by committed works and of the current work's changed edges), the evaluation of
a batch of works (:func:`_evaluate_kernel`, driven by
:class:`connectivity.ranking.engine._Engine`) and the index of the nodes each
work improves (:func:`_index_regions`, :func:`_compact_regions`,
:func:`_works_at`), used by the portfolio to find the works a choice can have
changed.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any, TypeVar, cast

import numba
import numpy as np

_F = TypeVar("_F", bound=Callable[..., Any])


def _jit(func: _F) -> _F:
    """Compile with numba (nopython, cached on disk), keeping the function's type."""
    return cast(_F, numba.njit(cache=True, nogil=True)(func))


@_jit
def _heap_push(keys: np.ndarray, nodes: np.ndarray, size: int, key: float, node: int) -> int:
    i = size
    while i > 0:
        parent = (i - 1) >> 1
        if keys[parent] <= key:
            break
        keys[i] = keys[parent]
        nodes[i] = nodes[parent]
        i = parent
    keys[i] = key
    nodes[i] = node
    return size + 1


@_jit
def _heap_pop(keys: np.ndarray, nodes: np.ndarray, size: int) -> tuple[float, int, int]:
    key = keys[0]
    node = nodes[0]
    size -= 1
    if size > 0:
        last_key = keys[size]
        last_node = nodes[size]
        i = 0
        while True:
            child = 2 * i + 1
            if child >= size:
                break
            if child + 1 < size and keys[child + 1] < keys[child]:
                child += 1
            if keys[child] >= last_key:
                break
            keys[i] = keys[child]
            nodes[i] = nodes[child]
            i = child
        keys[i] = last_key
        nodes[i] = last_node
    return key, node, size


@_jit
def _relax(
    y: int,
    cand: float,
    d: np.ndarray,
    nd: np.ndarray,
    heap_keys: np.ndarray,
    heap_nodes: np.ndarray,
    size: int,
    touched: np.ndarray,
    n_touched: int,
) -> tuple[int, int]:
    """Lower ``nd[y]`` to ``cand`` if that improves it; record a first lowering in ``touched``.

    Returns the new heap size and touched count.
    """
    if cand < nd[y]:
        if nd[y] == d[y]:
            touched[n_touched] = y
            n_touched += 1
        nd[y] = cand
        size = _heap_push(heap_keys, heap_nodes, size, cand, y)
    return size, n_touched


@_jit
def _search(
    seed_nodes: np.ndarray,
    seed_keys: np.ndarray,
    n_seeds: int,
    indptr: np.ndarray,
    tails: np.ndarray,
    w: np.ndarray,
    ex_first: np.ndarray,
    ex_next: np.ndarray,
    ex_tail: np.ndarray,
    ex_w: np.ndarray,
    wk_first: np.ndarray,
    wk_next: np.ndarray,
    wk_tail: np.ndarray,
    wk_w: np.ndarray,
    d: np.ndarray,
    nd: np.ndarray,
    heap_keys: np.ndarray,
    heap_nodes: np.ndarray,
    touched: np.ndarray,
) -> int:
    """Dijkstra on the reversed graph from seeds, relaxing only strict improvements.

    ``nd`` equals ``d`` on entry except where the search lowers it; the nodes
    lowered are written to ``touched`` (count returned). Edges into a node x
    come from three lists: the base CSR row x (``indptr``, ``tails``, ``w``),
    added edges of works already committed (linked list ``ex_*``) and the
    current work's changed edges (linked list ``wk_*``).
    """
    size = 0
    n_touched = 0
    for i in range(n_seeds):
        size, n_touched = _relax(
            seed_nodes[i], seed_keys[i], d, nd, heap_keys, heap_nodes, size, touched, n_touched
        )
    while size > 0:
        key, x, size = _heap_pop(heap_keys, heap_nodes, size)
        if key > nd[x]:
            continue  # stale entry
        for p in range(indptr[x], indptr[x + 1]):
            size, n_touched = _relax(
                tails[p], key + w[p], d, nd, heap_keys, heap_nodes, size, touched, n_touched
            )
        j = ex_first[x]
        while j >= 0:
            size, n_touched = _relax(
                ex_tail[j], key + ex_w[j], d, nd, heap_keys, heap_nodes, size, touched, n_touched
            )
            j = ex_next[j]
        j = wk_first[x]
        while j >= 0:
            size, n_touched = _relax(
                wk_tail[j], key + wk_w[j], d, nd, heap_keys, heap_nodes, size, touched, n_touched
            )
            j = wk_next[j]
    return n_touched


@_jit
def _evaluate_kernel(
    works: np.ndarray,
    work_ptr: np.ndarray,
    ch_tail: np.ndarray,
    ch_head: np.ndarray,
    ch_w: np.ndarray,
    indptr: np.ndarray,
    tails: np.ndarray,
    weights: np.ndarray,
    ex_first: np.ndarray,
    ex_next: np.ndarray,
    ex_tail: np.ndarray,
    ex_w: np.ndarray,
    dist: np.ndarray,
    new_dist: np.ndarray,
    node_comm_ptr: np.ndarray,
    node_comm: np.ndarray,
    pop: np.ndarray,
    equity: np.ndarray,
    thresholds_min: np.ndarray,
    cap_min: float,
    gain_tol_s: float,
    base: np.ndarray,
    min_gain_s: float,
    search_season: np.ndarray,
    cut_season: int,
    commit: bool,
    want_records: bool,
    want_regions: bool,
    wk_first: np.ndarray,
    wk_next: np.ndarray,
    heap_keys: np.ndarray,
    heap_nodes: np.ndarray,
    touched: np.ndarray,
    comm_stamp: np.ndarray,
    cut_stamp: np.ndarray,
    stamp0: int,
    seed_nodes: np.ndarray,
    seed_keys: np.ndarray,
) -> tuple[
    np.ndarray,
    np.ndarray,
    np.ndarray,
    np.ndarray,
    np.ndarray,
    np.ndarray,
    np.ndarray,
    np.ndarray,
    np.ndarray,
]:
    """Evaluate works (indices ``works``) against ``dist``; see :meth:`_Engine.evaluate`.

    Savings count against the baseline times ``base``: a node's time counts as
    changed only once it is at least ``min_gain_s`` below its baseline (capped
    at ``cap_min``); until then its effective time is the baseline. Each
    work's statistics are the change of the effective times it makes, so the
    statistics of works done one after another add up to those of the whole
    programme against the baseline.
    """
    n_eval = len(works)
    cap_s = cap_min * 60.0
    reg_cap = 16
    reg_nodes = np.empty(reg_cap, dtype=np.int64)
    reg_ptr = np.zeros(n_eval + 1, dtype=np.int64)
    n_reg = 0
    n_thr = len(thresholds_min)
    n_search = len(search_season)
    stats = np.zeros((n_eval, n_search, 5 + n_thr))
    overall = np.zeros((n_eval, 3))
    cap = 16
    rec_work = np.empty(cap, dtype=np.int64)
    rec_comm = np.empty(cap, dtype=np.int64)
    rec_s = np.empty(cap, dtype=np.int64)
    rec_before = np.empty(cap)
    rec_after = np.empty(cap)
    n_rec = 0
    for i in range(n_eval):
        wi = works[i]
        lo = work_ptr[wi]
        hi = work_ptr[wi + 1]
        stamp = stamp0 + i
        for j in range(lo, hi):
            h = ch_head[j]
            wk_next[j] = wk_first[h]
            wk_first[h] = j
        for s in range(n_search):
            season = search_season[s]
            d = dist[s]
            nd = new_dist[s]
            cw = ch_w[season]
            n_seeds = 0
            for j in range(lo, hi):
                a = ch_tail[j]
                key = cw[j] + d[ch_head[j]]
                if key < d[a]:
                    seed_nodes[n_seeds] = a
                    seed_keys[n_seeds] = key
                    n_seeds += 1
            if n_seeds == 0:
                continue
            n_touched = _search(
                seed_nodes,
                seed_keys,
                n_seeds,
                indptr,
                tails,
                weights[season],
                ex_first,
                ex_next,
                ex_tail,
                ex_w[season],
                wk_first,
                wk_next,
                ch_tail,
                cw,
                d,
                nd,
                heap_keys,
                heap_nodes,
                touched,
            )
            if want_regions:
                if n_reg + n_touched > reg_cap:
                    reg_cap = max(2 * reg_cap, n_reg + n_touched)
                    grown_r = np.empty(reg_cap, dtype=np.int64)
                    grown_r[:n_reg] = reg_nodes[:n_reg]
                    reg_nodes = grown_r
                reg_nodes[n_reg : n_reg + n_touched] = touched[:n_touched]
                n_reg += n_touched
            for q in range(n_touched):
                y = touched[q]
                b = base[s, y]
                b_cap = min(b, cap_s)
                # effective times: the baseline until the saving reaches min_gain_s
                before = d[y] if b_cap - min(d[y], cap_s) >= min_gain_s else b
                after = nd[y] if b_cap - min(nd[y], cap_s) >= min_gain_s else b
                if before - after > gain_tol_s:
                    b_min = before / 60.0
                    a_min = after / 60.0
                    saved = min(b_min, cap_min) - min(a_min, cap_min)
                    for r in range(node_comm_ptr[y], node_comm_ptr[y + 1]):
                        c = node_comm[r]
                        p = pop[c]
                        stats[i, s, 0] += p * saved
                        stats[i, s, 1] += equity[c] * p * saved
                        stats[i, s, 2] += 1.0
                        stats[i, s, 3] += p
                        if math.isinf(before):
                            stats[i, s, 4] += p
                            if season == cut_season and cut_stamp[c] != stamp:
                                cut_stamp[c] = stamp
                                overall[i, 2] += p
                        for t in range(n_thr):
                            if b_min > thresholds_min[t] and a_min <= thresholds_min[t]:
                                stats[i, s, 5 + t] += p
                        if comm_stamp[c] != stamp:
                            comm_stamp[c] = stamp
                            overall[i, 0] += 1.0
                            overall[i, 1] += p
                        if want_records:
                            if n_rec == cap:
                                cap *= 2
                                grown_i = np.empty(cap, dtype=np.int64)
                                grown_i[:n_rec] = rec_work[:n_rec]
                                rec_work = grown_i
                                grown_i = np.empty(cap, dtype=np.int64)
                                grown_i[:n_rec] = rec_comm[:n_rec]
                                rec_comm = grown_i
                                grown_i = np.empty(cap, dtype=np.int64)
                                grown_i[:n_rec] = rec_s[:n_rec]
                                rec_s = grown_i
                                grown_f = np.empty(cap)
                                grown_f[:n_rec] = rec_before[:n_rec]
                                rec_before = grown_f
                                grown_f = np.empty(cap)
                                grown_f[:n_rec] = rec_after[:n_rec]
                                rec_after = grown_f
                            rec_work[n_rec] = i
                            rec_comm[n_rec] = c
                            rec_s[n_rec] = s
                            rec_before[n_rec] = before
                            rec_after[n_rec] = after
                            n_rec += 1
                if commit:
                    d[y] = nd[y]
                else:
                    nd[y] = d[y]
        for j in range(lo, hi):
            wk_first[ch_head[j]] = -1
        reg_ptr[i + 1] = n_reg
    return (
        stats,
        overall,
        rec_work[:n_rec],
        rec_comm[:n_rec],
        rec_s[:n_rec],
        rec_before[:n_rec],
        rec_after[:n_rec],
        reg_nodes[:n_reg],
        reg_ptr,
    )


@_jit
def _distinct_counts(
    region_nodes: np.ndarray, region_ptr: np.ndarray, seen: np.ndarray, stamp: int
) -> tuple[np.ndarray, int]:
    """Distinct nodes in each region ``region_nodes[region_ptr[k]:region_ptr[k + 1]]``.

    ``seen`` (one entry per node, below ``stamp`` on entry) marks the nodes
    met; returns the counts and the next unused stamp.
    """
    n = len(region_ptr) - 1
    counts = np.zeros(n, dtype=np.int64)
    for k in range(n):
        stamp += 1
        for p in range(region_ptr[k], region_ptr[k + 1]):
            y = region_nodes[p]
            if seen[y] != stamp:
                seen[y] = stamp
                counts[k] += 1
    return counts, stamp + 1


@_jit
def _index_regions(
    works: np.ndarray,
    keep: np.ndarray,
    region_nodes: np.ndarray,
    region_ptr: np.ndarray,
    version: np.ndarray,
    first: np.ndarray,
    nxt: np.ndarray,
    owner: np.ndarray,
    owner_version: np.ndarray,
    used: int,
    seen: np.ndarray,
    stamp: int,
) -> tuple[int, int]:
    """Add the distinct nodes of each kept work's region to the node -> works lists.

    Entry ``e`` says that work ``owner[e]`` (at version ``owner_version[e]``)
    improves the node whose list (``first``, ``nxt``) holds it. The entry
    arrays must have room for ``len(region_nodes)`` more entries. Returns the
    entries used and the next unused stamp of ``seen``.
    """
    for k in range(len(works)):
        stamp += 1
        if not keep[k]:
            continue
        w = works[k]
        for p in range(region_ptr[k], region_ptr[k + 1]):
            y = region_nodes[p]
            if seen[y] == stamp:
                continue
            seen[y] = stamp
            owner[used] = w
            owner_version[used] = version[w]
            nxt[used] = first[y]
            first[y] = used
            used += 1
    return used, stamp + 1


@_jit
def _compact_regions(
    first: np.ndarray,
    nxt: np.ndarray,
    owner: np.ndarray,
    owner_version: np.ndarray,
    version: np.ndarray,
    new_nxt: np.ndarray,
    new_owner: np.ndarray,
    new_version: np.ndarray,
) -> int:
    """Copy the current entries (version still the work's) into the new arrays; relink ``first``."""
    used = 0
    for y in range(len(first)):
        e = first[y]
        head = -1
        last = -1
        while e >= 0:
            w = owner[e]
            if owner_version[e] == version[w]:
                new_owner[used] = w
                new_version[used] = owner_version[e]
                new_nxt[used] = -1
                if last >= 0:
                    new_nxt[last] = used
                else:
                    head = used
                last = used
                used += 1
            e = nxt[e]
        first[y] = head
    return used


@_jit
def _works_at(
    nodes: np.ndarray,
    first: np.ndarray,
    nxt: np.ndarray,
    owner: np.ndarray,
    owner_version: np.ndarray,
    version: np.ndarray,
    head_ptr: np.ndarray,
    head_work: np.ndarray,
    out: np.ndarray,
) -> None:
    """Mark in ``out`` every work that improves one of ``nodes`` or has a changed edge ending there.

    Improvements come from the node -> works lists (current entries only);
    changed edges from the CSR ``head_ptr``/``head_work`` (works by the head
    node of their changes).
    """
    for q in range(len(nodes)):
        y = nodes[q]
        e = first[y]
        while e >= 0:
            w = owner[e]
            if owner_version[e] == version[w]:
                out[w] = True
            e = nxt[e]
        for r in range(head_ptr[y], head_ptr[y + 1]):
            out[head_work[r]] = True


@_jit
def _pair_slot(table: np.ndarray, key: int) -> int:
    """Slot of ``key`` in the open-addressing set ``table`` (-1: empty), linear probing."""
    mask = len(table) - 1
    slot = (key * 2654435761) & mask  # Knuth's multiplicative hash
    while table[slot] != -1 and table[slot] != key:
        slot = (slot + 1) & mask
    return slot


@_jit
def _interacting_pairs(
    works: np.ndarray,
    region_nodes: np.ndarray,
    region_ptr: np.ndarray,
    head_work: np.ndarray,
    head_node: np.ndarray,
    cost: np.ndarray,
    budget: float,
    n_works: int,
    n_nodes: int,
    limit: int,
) -> tuple[np.ndarray, np.ndarray]:
    """Find the first ``limit`` distinct pairs of interacting works, in a row-wise join order.

    Left rows: (work ``w``, node ``y``) for each node of each work's region
    (``works[k]`` owns ``region_nodes[region_ptr[k]:region_ptr[k + 1]]``), in
    that order. Right rows at ``y``: the works whose changed edges end at
    ``y`` (``head_work``/``head_node``, in order), then those whose region
    holds ``y``, in order. For each left row, for each right row ``x`` at its
    node: the pair (min, max) of ``w`` and ``x``, kept when ``w != x``, the two
    costs fit ``budget`` together and the pair is new. This is the order of a
    pandas inner merge of the two tables on the node (left rows in order,
    each with its right rows in order) followed by ``drop_duplicates``, without
    building the join: the right rows are gathered only at the nodes the
    left rows read, in batches of left rows that double until ``limit`` pairs
    are found.
    """
    size = 1
    while size < 4 * limit + 4:
        size *= 2
    table = np.full(size, -1, dtype=np.int64)
    found_a = np.empty(limit, dtype=np.int64)
    found_b = np.empty(limit, dtype=np.int64)
    n_found = 0
    batch_of = np.full(n_nodes, -1, dtype=np.int64)  # batch whose right lists hold the node
    ptr = np.zeros(n_nodes + 1, dtype=np.int64)
    n_left = len(region_nodes)
    done = 0
    k = 0  # the work of left row ``done``
    batch = 0
    rows = 4096
    while done < n_left and n_found < limit:
        end = min(done + rows, n_left)
        rows *= 2
        for p in range(done, end):
            batch_of[region_nodes[p]] = batch
        # right lists of this batch's nodes: count, then fill (ptr[y] is y's end after filling)
        counts = np.zeros(n_nodes, dtype=np.int64)
        for r in range(len(head_node)):
            if batch_of[head_node[r]] == batch:
                counts[head_node[r]] += 1
        for p in range(n_left):
            if batch_of[region_nodes[p]] == batch:
                counts[region_nodes[p]] += 1
        ptr[0] = 0
        for y in range(n_nodes):
            ptr[y + 1] = ptr[y] + counts[y]
        right = np.empty(ptr[n_nodes], dtype=np.int64)
        fill = ptr[:n_nodes].copy()
        for r in range(len(head_node)):
            y = head_node[r]
            if batch_of[y] == batch:
                right[fill[y]] = head_work[r]
                fill[y] += 1
        kk = 0
        for p in range(n_left):
            while region_ptr[kk + 1] <= p:
                kk += 1
            y = region_nodes[p]
            if batch_of[y] == batch:
                right[fill[y]] = works[kk]
                fill[y] += 1
        for p in range(done, end):
            while region_ptr[k + 1] <= p:
                k += 1
            w = works[k]
            y = region_nodes[p]
            for q in range(ptr[y], ptr[y + 1]):
                x = right[q]
                if x == w or cost[w] + cost[x] > budget:
                    continue
                a = min(w, x)
                b = max(w, x)
                key = a * n_works + b
                slot = _pair_slot(table, key)
                if table[slot] == key:
                    continue
                table[slot] = key
                found_a[n_found] = a
                found_b[n_found] = b
                n_found += 1
                if n_found == limit:
                    return found_a, found_b
        # nodes of this batch are read again (as left rows of later batches) from new lists
        done = end
        batch += 1
    return found_a[:n_found], found_b[:n_found]
