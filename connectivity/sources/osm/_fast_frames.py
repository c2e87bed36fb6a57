"""GeoDataFrames of the fast road reader, shaped as :func:`osmnx.graph_to_gdfs` shapes them.

Private to :mod:`connectivity.sources.osm.fast_roads`: the edges kept as they
are and the merged paths, with osmnx's keys and row order (node by node, a
node's successors in insertion order, then keys), attribute values single or
sorted lists of distinct values, and the nodes left by the simplification.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from connectivity.sources.osm import _fast_graph as fg

if TYPE_CHECKING:
    from connectivity.sources.osm.fast_roads import _Graph

_CRS = "epsg:4326"


def _python_bool(x: Any) -> bool:
    return bool(x)


def _python_int(x: Any) -> int:
    return int(x)


def _merged_keys(
    n: int,
    n_edges: int,
    adj: fg.Adjacency,
    pu: np.ndarray,
    pv: np.ndarray,
    rank: np.ndarray,
) -> tuple[np.ndarray, np.ndarray]:
    """Successor-order key and edge key of merged edges, as ``G.add_edge`` numbers them."""
    pair_u = np.repeat(np.arange(n), np.diff(adj.ptr))
    pair_key = pair_u * n + adj.nb
    by_key = np.argsort(pair_key, kind="stable")
    sorted_keys = pair_key[by_key]
    target = pu * n + pv
    at = np.minimum(np.searchsorted(sorted_keys, target), max(len(sorted_keys) - 1, 0))
    exists = (len(sorted_keys) > 0) & (sorted_keys[at] == target)
    idx = by_key[at]
    order = np.lexsort((rank, pv, pu))
    new_group = np.ones(len(order), dtype=bool)
    new_group[1:] = (pu[order][1:] != pu[order][:-1]) | (pv[order][1:] != pv[order][:-1])
    starts = np.flatnonzero(new_group)
    group = np.cumsum(new_group) - 1
    within = np.empty(len(order), dtype=np.int64)
    within[order] = np.arange(len(order)) - starts[group]
    group_rank = np.empty(len(order), dtype=np.int64)
    group_rank[order] = rank[order][starts][group]
    neighbour = np.where(exists, adj.first_edge[idx], n_edges + group_rank)
    key = np.where(exists, adj.count[idx], 0) + within
    return neighbour, key


def edge_frame(
    *,
    g: _Graph,
    node_ids: np.ndarray,
    x: np.ndarray,
    y: np.ndarray,
    u: np.ndarray,
    v: np.ndarray,
    edge_way: np.ndarray,
    edge_reversed: np.ndarray,
    length: np.ndarray,
    adj: fg.Adjacency,
    tag_codes: dict[str, tuple[np.ndarray, np.ndarray]],
    paths: fg.Paths | None,
) -> tuple[gpd.GeoDataFrame, np.ndarray]:
    """Build the edge frame; say which nodes the simplification removed.

    Parameters
    ----------
    g : _Graph
        The unsimplified graph (ways, coordinates of all its nodes).
    node_ids, x, y : numpy.ndarray
        OSM ids and coordinates of the kept nodes (positions ``0..n-1``).
    u, v, edge_way, edge_reversed, length : numpy.ndarray
        The kept edges in insertion order (node positions, way row,
        ``reversed``, length in m).
    adj : Adjacency
        Their successor lists and keys.
    tag_codes : dict
        Per way tag: codes by way (-1 absent) and sorted categories.
    paths : Paths or None
        The paths to merge (None: no simplification).
    """
    n = len(node_ids)
    n_edges = len(u)
    xy = np.column_stack([x, y])
    removed = np.zeros(n, dtype=bool)
    if paths is not None and len(paths.rank):
        interior = np.ones(len(paths.nodes), dtype=bool)
        interior[paths.ptr[:-1]] = False
        interior[paths.ptr[1:] - 1] = False
        removed[paths.nodes[interior]] = True
    plain = np.flatnonzero(~removed[u] & ~removed[v])
    tags = [t for t in tag_codes if t != "oneway"]  # osmnx's oneway is the bool below
    way_values = np.column_stack(
        [g.way_ids, g.way_oneway.astype(np.int64)] + [tag_codes[t][0] for t in tags]
    ).astype(np.int64)
    flags = edge_reversed.astype(np.int64)[:, None]
    a_values = np.column_stack([way_values[edge_way[plain]], flags[plain]])
    uu, vv = u[plain], v[plain]
    neighbour, key = adj.edge_pair_first[plain], adj.edge_key[plain]
    geoms: np.ndarray = np.asarray(shapely.linestrings(np.stack([xy[uu], xy[vv]], axis=1)))
    lengths = length[plain]
    multi: dict[int, tuple[np.ndarray, list[np.ndarray]]] = {}
    if paths is not None and len(paths.rank):
        first = paths.nodes[paths.ptr[:-1]]
        last = paths.nodes[paths.ptr[1:] - 1]
        kept = np.flatnonzero(~removed[first] & ~removed[last])
        total, low, high, present = fg.aggregate(paths, length, edge_way, flags, way_values)
        low, high, present = low[kept], high[kept], present[kept]
        b_values = np.where(present, low, -1)
        pu, pv = first[kept], last[kept]
        b_neighbour, b_key = _merged_keys(n, n_edges, adj, pu, pv, paths.rank[kept])
        counts = np.diff(paths.ptr)[kept]
        starts = paths.ptr[kept]
        steps = np.repeat(starts - np.cumsum(np.r_[0, counts[:-1]]), counts) + np.arange(
            counts.sum()
        )
        b_geoms = np.asarray(
            shapely.linestrings(
                xy[paths.nodes[steps]], indices=np.repeat(np.arange(len(kept)), counts)
            )
        )
        n_way_cols = way_values.shape[1]
        for c in range(b_values.shape[1]):
            rows = np.flatnonzero(present[:, c] & (low[:, c] != high[:, c]))
            if len(rows) == 0:
                continue
            per_edge = way_values[edge_way, c] if c < n_way_cols else flags[:, c - n_way_cols]
            _, lists = fg.distinct_values(paths, kept[rows], per_edge)
            multi[c] = (rows + len(plain), lists)
        a_values = np.concatenate([a_values, b_values])
        uu, vv = np.concatenate([uu, pu]), np.concatenate([vv, pv])
        neighbour = np.concatenate([neighbour, b_neighbour])
        key = np.concatenate([key, b_key])
        geoms = np.concatenate([geoms, b_geoms])
        lengths = np.concatenate([lengths, total[kept]])
    order = np.lexsort((key, neighbour, uu))
    empty: tuple[np.ndarray, list[np.ndarray]] = (np.empty(0, dtype=np.int64), [])
    columns: dict[str, Any] = {}
    osmid = a_values[:, 0]
    columns["osmid"] = (
        _object_column(osmid, multi[0], _python_int)[order] if 0 in multi else osmid[order]
    )
    for j, tag in enumerate(tags):
        c = 2 + j
        cats = tag_codes[tag][1]
        with_nan = np.append(cats, np.nan).astype(object)
        if not (a_values[:, c] >= 0).any():
            continue  # no kept edge has the tag: osmnx has no such column
        values = with_nan[a_values[:, c]]
        if c in multi:
            rows, lists = multi[c]
            for row, vals in zip(rows.tolist(), lists, strict=True):
                values[row] = cats[vals].tolist()
        columns[tag] = values[order]
    for name, c in (("oneway", 1), ("reversed", way_values.shape[1])):
        flag = a_values[:, c].astype(bool)
        columns[name] = (
            _object_column(flag, multi.get(c, empty), _python_bool)[order]
            if c in multi
            else flag[order]
        )
    columns["length"] = lengths[order]
    index = pd.MultiIndex.from_arrays(
        [node_ids[uu[order]], node_ids[vv[order]], key[order].astype(np.int64)],
        names=["u", "v", "key"],
    )
    edges = gpd.GeoDataFrame(columns, index=index, geometry=geoms[order], crs=_CRS)
    return edges, removed


def _object_column(
    single: np.ndarray, lists: tuple[np.ndarray, list[np.ndarray]], convert: Any
) -> np.ndarray:
    """Make an object column of single values, with lists of ``convert``-ed values at some rows."""
    out = np.array([convert(x) for x in single.tolist()], dtype=object)
    rows, values = lists
    for row, vals in zip(rows.tolist(), values, strict=True):
        out[row] = [convert(x) for x in vals.tolist()]
    return out


def node_frame(
    *,
    node_ids: np.ndarray,
    x: np.ndarray,
    y: np.ndarray,
    street_count: np.ndarray,
    node_tags: dict[str, np.ndarray],
    removed: np.ndarray,
) -> gpd.GeoDataFrame:
    """Build the node frame: ``y``, ``x``, tags, ``street_count``, points, by ``node_id``."""
    kept = ~removed
    columns: dict[str, Any] = {"y": y[kept], "x": x[kept]}
    for tag, values in node_tags.items():
        column = values[kept]
        if pd.notna(column).any():
            column = column.copy()
            column[pd.isna(column)] = np.nan
            columns[tag] = column
    columns["street_count"] = street_count[kept].astype(np.int64)
    index = pd.Index(node_ids[kept].astype(np.int64), name="node_id")
    return gpd.GeoDataFrame(
        columns, index=index, geometry=shapely.points(x[kept], y[kept]), crs=_CRS
    )
