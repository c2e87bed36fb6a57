"""Array kernels of the fast road reader: osmnx's graph rules on CSR arrays.

Private to :mod:`connectivity.sources.osm.fast_roads`. Nodes are positions
``0..n-1``; edges are ``u``, ``v`` arrays in osmnx's insertion order (way by
way, forward segments then the reverse ones of a two-way road). The functions
reproduce, without a networkx graph:

* the edge keys osmnx gives (parallel edges numbered in insertion order) and
  the order of each node's successors (first insertion);
* :func:`osmnx.stats.count_streets_per_node` (``street_count``);
* :func:`osmnx.simplify_graph` with ``node_attrs_include=["ford"]``,
  ``edge_attrs_differ`` and ``remove_rings=False``: the endpoint rules of
  ``_is_endpoint``, the walk of ``_build_path`` and the per-path aggregation
  (length summed in path order; other attributes one value, or the distinct
  values) — compiled with numba.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar, cast

import numba
import numpy as np

_F = TypeVar("_F", bound=Callable[..., Any])


def _jit(func: _F) -> _F:
    """Compile with numba (nopython, cached on disk), keeping the function's type."""
    return cast(_F, numba.njit(cache=True, nogil=True)(func))


@dataclass(frozen=True)
class Adjacency:
    """Distinct successors of each node, in osmnx's order (first insertion).

    Attributes
    ----------
    ptr : numpy.ndarray
        CSR offsets (``n + 1``) into ``nb``, ``first_edge`` and ``count``.
    nb : numpy.ndarray
        Successor node of each (node, successor) pair.
    first_edge : numpy.ndarray
        The pair's first edge (lowest key): the one osmnx reads when it simplifies.
    count : numpy.ndarray
        Number of parallel edges of the pair.
    edge_key : numpy.ndarray
        Key of every edge (its rank among the pair's edges in insertion order).
    edge_pair_first : numpy.ndarray
        Every edge's pair's first edge: the rank of ``v`` among ``u``'s successors.
    """

    ptr: np.ndarray
    nb: np.ndarray
    first_edge: np.ndarray
    count: np.ndarray
    edge_key: np.ndarray
    edge_pair_first: np.ndarray


def adjacency(n: int, u: np.ndarray, v: np.ndarray) -> Adjacency:
    """Successor lists and edge keys of a multigraph given in edge insertion order."""
    e = len(u)
    pair = u.astype(np.int64) * n + v
    order = np.argsort(pair, kind="stable")  # by (u, v), then insertion
    us, vs, pair = u[order], v[order], pair[order]
    new_pair = np.ones(e, dtype=bool)
    new_pair[1:] = pair[1:] != pair[:-1]
    del pair
    starts = np.flatnonzero(new_pair)
    pair_of_sorted = np.cumsum(new_pair) - 1
    key = np.empty(e, dtype=np.int64)
    key[order] = np.arange(e) - starts[pair_of_sorted]
    first = order[starts]
    pair_first = np.empty(e, dtype=np.int64)
    pair_first[order] = first[pair_of_sorted]
    count = np.diff(np.append(starts, e))
    pu = us[starts]
    by_insertion = np.argsort(pu.astype(np.int64) * max(e, 1) + first, kind="stable")
    ptr = np.zeros(n + 1, dtype=np.int64)
    ptr[1:] = np.cumsum(np.bincount(pu, minlength=n))
    return Adjacency(
        ptr=ptr,
        nb=vs[starts][by_insertion],
        first_edge=first[by_insertion],
        count=count[by_insertion],
        edge_key=key,
        edge_pair_first=pair_first,
    )


def street_counts(n: int, u: np.ndarray, v: np.ndarray) -> np.ndarray:
    """``street_count`` of every node, as :func:`osmnx.stats.count_streets_per_node`.

    osmnx counts the edges of the undirected view, whose key dict between two
    nodes is the union of the keys of both directions: ``max(n_ab, n_ba)``
    streets join ``a`` and ``b``. A node with self-loops counts 2 more.
    """
    a = np.minimum(u, v).astype(np.int64)
    b = np.maximum(u, v).astype(np.int64)
    forward = (u <= v).astype(np.int64)
    pair = a * n + b
    uniq, inverse = np.unique(pair, return_inverse=True)
    n_forward = np.bincount(inverse, weights=forward, minlength=len(uniq))
    n_all = np.bincount(inverse, minlength=len(uniq))
    streets = np.maximum(n_forward, n_all - n_forward).astype(np.int64)
    pa, pb = uniq // n, uniq % n
    pair_loop = pa == pb
    counts = np.bincount(pa[~pair_loop], weights=streets[~pair_loop], minlength=n)
    counts += np.bincount(pb[~pair_loop], weights=streets[~pair_loop], minlength=n)
    counts += 2 * np.bincount(pa[pair_loop], minlength=n)
    return counts.astype(np.int64)


def neighbour_counts(n: int, u: np.ndarray, v: np.ndarray) -> np.ndarray:
    """Count the distinct neighbours (predecessors or successors) of every node."""
    a = np.minimum(u, v).astype(np.int64)
    b = np.maximum(u, v).astype(np.int64)
    pairs = np.sort(a * n + b)
    uniq = pairs[np.r_[True, pairs[1:] != pairs[:-1]]]
    pa, pb = uniq // n, uniq % n
    counts = np.bincount(pa, minlength=n)
    counts += np.bincount(pb[pb != pa], minlength=n)
    return counts


@_jit
def _endpoint_kernel(
    n: int,
    u: np.ndarray,
    v: np.ndarray,
    edge_way: np.ndarray,
    way_codes: np.ndarray,
    keep_node: np.ndarray,
    n_neighbours: np.ndarray,
) -> np.ndarray:
    n_attrs = way_codes.shape[1]
    out_deg = np.zeros(n, dtype=np.int64)
    in_deg = np.zeros(n, dtype=np.int64)
    loop = np.zeros(n, dtype=np.bool_)
    low = np.full((n, n_attrs), np.iinfo(np.int32).max, dtype=np.int32)
    high = np.full((n, n_attrs), np.iinfo(np.int32).min, dtype=np.int32)
    for e in range(len(u)):
        a = u[e]
        b = v[e]
        out_deg[a] += 1
        in_deg[b] += 1
        if a == b:
            loop[a] = True
        w = edge_way[e]
        for c in range(n_attrs):
            code = way_codes[w, c]
            low[a, c] = min(low[a, c], code)
            high[a, c] = max(high[a, c], code)
            low[b, c] = min(low[b, c], code)
            high[b, c] = max(high[b, c], code)
    endpoint = np.zeros(n, dtype=np.bool_)
    for x in range(n):
        d = out_deg[x] + in_deg[x]
        through = n_neighbours[x] == 2 and (d == 2 or d == 4)  # rule 3
        if loop[x] or out_deg[x] == 0 or in_deg[x] == 0 or not through or keep_node[x]:
            endpoint[x] = True  # rules 1, 2, 3 and 4 (a ford)
        else:  # rule 5: an attribute of SIMPLIFY_EDGE_ATTRS differs
            for c in range(n_attrs):
                if low[x, c] != high[x, c]:
                    endpoint[x] = True
                    break
    return endpoint


def endpoints(
    n: int,
    u: np.ndarray,
    v: np.ndarray,
    edge_way: np.ndarray,
    differ_codes: np.ndarray,
    keep_node: np.ndarray,
) -> np.ndarray:
    """Which nodes end simplified edges: osmnx ``_is_endpoint`` rules 1-5.

    Parameters
    ----------
    n : int
        Number of nodes.
    u, v : numpy.ndarray
        Edges.
    edge_way : numpy.ndarray
        Way (row of ``differ_codes``) of every edge.
    differ_codes : numpy.ndarray
        ``(n_ways, n_attrs)`` int32 codes of the attributes that must not
        differ along an edge; -1 where the way has no such tag (osmnx's None).
    keep_node : numpy.ndarray
        Nodes that stay whatever their edges (tagged ``ford``).
    """
    return _endpoint_kernel(
        n,
        u,
        v,
        edge_way,
        np.ascontiguousarray(differ_codes, dtype=np.int32),
        keep_node,
        neighbour_counts(n, u, v),
    )


@_jit
def _path_kernel(
    endpoint: np.ndarray, ptr: np.ndarray, nb: np.ndarray, first_edge: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, int, int]:
    n = len(endpoint)
    cap = 2 * len(nb) + 2
    nodes = np.empty(cap, dtype=np.int64)
    edges = np.empty(cap, dtype=np.int64)
    starts = np.empty(len(nb) + 1, dtype=np.int64)
    rank = np.empty(len(nb), dtype=np.int64)
    stamp = np.full(n, -1, dtype=np.int64)
    cursor = 0
    n_paths = 0
    unexpected = 0
    for e in range(n):
        if not endpoint[e]:
            continue
        for j in range(ptr[e], ptr[e + 1]):
            s = nb[j]
            if endpoint[s]:
                continue
            if cursor + 2 > cap:
                return nodes, edges, starts, rank, -1, unexpected
            p = n_paths
            starts[p] = cursor
            rank[p] = j - ptr[e]
            nodes[cursor] = e
            edges[cursor] = -1
            stamp[e] = p
            nodes[cursor + 1] = s
            edges[cursor + 1] = first_edge[j]
            stamp[s] = p
            cursor += 2
            for k in range(ptr[s], ptr[s + 1]):
                t = nb[k]
                if stamp[t] == p:
                    continue
                if cursor + 1 > cap:
                    return nodes, edges, starts, rank, -1, unexpected
                nodes[cursor] = t
                edges[cursor] = first_edge[k]
                stamp[t] = p
                cursor += 1
                current = t
                while not endpoint[current]:
                    found = 0
                    nxt = -1
                    nxt_edge = -1
                    for m in range(ptr[current], ptr[current + 1]):
                        if stamp[nb[m]] != p:
                            found += 1
                            nxt = nb[m]
                            nxt_edge = first_edge[m]
                    if found == 1:
                        if cursor + 1 > cap:
                            return nodes, edges, starts, rank, -1, unexpected
                        nodes[cursor] = nxt
                        edges[cursor] = nxt_edge
                        stamp[nxt] = p
                        cursor += 1
                        current = nxt
                    elif found == 0:
                        closing = -1
                        for m in range(ptr[current], ptr[current + 1]):
                            if nb[m] == e:
                                closing = first_edge[m]
                                break
                        if closing >= 0:
                            if cursor + 1 > cap:
                                return nodes, edges, starts, rank, -1, unexpected
                            nodes[cursor] = e
                            edges[cursor] = closing
                            cursor += 1
                        else:
                            unexpected += 1
                        break
                    else:
                        return nodes, edges, starts, rank, -2 - current, unexpected
                break
            n_paths += 1
    starts[n_paths] = cursor
    return nodes, edges, starts, rank, n_paths, unexpected


@dataclass(frozen=True)
class Paths:
    """The paths osmnx merges into single edges.

    Attributes
    ----------
    ptr : numpy.ndarray
        Offsets (``n_paths + 1``) into ``nodes`` and ``edges``.
    nodes : numpy.ndarray
        Node positions along each path.
    edges : numpy.ndarray
        The edge arriving at each path node (-1 at a path's first node): the
        first of the parallel edges between the two nodes.
    rank : numpy.ndarray
        Rank of each path's second node among its first node's successors
        (the order osmnx adds the merged edges in).
    unexpected : int
        Paths that stopped at a node that is not an endpoint (osmnx's
        "Unexpected simplify pattern").
    """

    ptr: np.ndarray
    nodes: np.ndarray
    edges: np.ndarray
    rank: np.ndarray
    unexpected: int


def paths_to_simplify(endpoint: np.ndarray, adj: Adjacency) -> Paths:
    """Find the paths between endpoints, walked as osmnx ``_build_path`` walks them.

    Raises
    ------
    RuntimeError
        The pattern osmnx calls impossible (a path node with two successors
        off the path).
    """
    nodes, edges, starts, rank, n_paths, unexpected = _path_kernel(
        endpoint, adj.ptr, adj.nb, adj.first_edge
    )
    if n_paths == -1:
        raise RuntimeError("road simplification: path buffer overflow (unexpected graph shape)")
    if n_paths < -1:
        raise RuntimeError(f"road simplification: impossible pattern near node {-2 - n_paths}")
    end = starts[n_paths]
    return Paths(
        ptr=starts[: n_paths + 1].copy(),
        nodes=nodes[:end].copy(),
        edges=edges[:end].copy(),
        rank=rank[:n_paths].copy(),
        unexpected=int(unexpected),
    )


@_jit
def _aggregate_kernel(
    ptr: np.ndarray,
    path_edges: np.ndarray,
    length: np.ndarray,
    edge_way: np.ndarray,
    edge_flags: np.ndarray,
    way_values: np.ndarray,
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    n_paths = len(ptr) - 1
    n_cols = way_values.shape[1] + edge_flags.shape[1]
    n_way_cols = way_values.shape[1]
    total = np.zeros(n_paths, dtype=np.float64)
    low = np.full((n_paths, n_cols), np.iinfo(np.int64).max, dtype=np.int64)
    high = np.full((n_paths, n_cols), np.iinfo(np.int64).min, dtype=np.int64)
    present = np.zeros((n_paths, n_cols), dtype=np.bool_)
    for p in range(n_paths):
        s = 0.0
        for i in range(ptr[p] + 1, ptr[p + 1]):
            e = path_edges[i]
            s += length[e]
            w = edge_way[e]
            for c in range(n_cols):
                x = way_values[w, c] if c < n_way_cols else edge_flags[e, c - n_way_cols]
                if x < 0:
                    continue
                present[p, c] = True
                low[p, c] = min(low[p, c], x)
                high[p, c] = max(high[p, c], x)
        total[p] = s
    return total, low, high, present


def aggregate(
    paths: Paths,
    length: np.ndarray,
    edge_way: np.ndarray,
    edge_flags: np.ndarray,
    way_values: np.ndarray,
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Sum the lengths and find the value range of each attribute along every path.

    Parameters
    ----------
    paths : Paths
    length : numpy.ndarray
        Edge lengths, summed in path order from 0 (as Python's ``sum``).
    edge_way : numpy.ndarray
        Way (row of ``way_values``) of every edge.
    edge_flags : numpy.ndarray
        ``(n_edges, k)`` int64 per-edge values (``reversed``).
    way_values : numpy.ndarray
        ``(n_ways, m)`` int64 per-way values (osmid, oneway, tag codes; -1 absent).

    Returns
    -------
    length, low, high, present : numpy.ndarray
        Per path: the summed length; per path and column (way columns then
        edge columns): lowest and highest value present, and whether any is.
    """
    return _aggregate_kernel(
        paths.ptr,
        paths.edges,
        length,
        edge_way,
        np.ascontiguousarray(edge_flags, dtype=np.int64),
        np.ascontiguousarray(way_values, dtype=np.int64),
    )


def distinct_values(
    paths: Paths, which: np.ndarray, values: np.ndarray
) -> tuple[np.ndarray, list[np.ndarray]]:
    """Collect the sorted distinct values (>= 0) of ``values[edge]`` along the chosen paths.

    Parameters
    ----------
    paths : Paths
    which : numpy.ndarray
        Indices of the paths to collect.
    values : numpy.ndarray
        One int64 value per edge (-1: absent).

    Returns
    -------
    which, lists
        The paths, and for each one its sorted distinct values.
    """
    if len(which) == 0:
        return which, []
    counts = np.diff(paths.ptr)[which] - 1
    first = paths.ptr[which] + 1
    step = np.repeat(first - np.cumsum(np.r_[0, counts[:-1]]), counts) + np.arange(counts.sum())
    owner = np.repeat(np.arange(len(which)), counts)
    vals = values[paths.edges[step]]
    ok = vals >= 0
    owner, vals = owner[ok], vals[ok]
    order = np.lexsort((vals, owner))
    owner, vals = owner[order], vals[order]
    new = np.ones(len(vals), dtype=bool)
    new[1:] = (owner[1:] != owner[:-1]) | (vals[1:] != vals[:-1])
    owner, vals = owner[new], vals[new]
    bounds = np.searchsorted(owner, np.arange(1, len(which)))
    return which, np.split(vals, bounds)
