"""Connectors: places joined to the network at the nearest point of the nearest edge.

Communities, markets and schools join the network by a walking connector to
the nearest point on the nearest edge, which is split there
(:func:`attach_points`); a place farther than ``max_connector_m`` is still
connected, and flagged ``far_from_road``.
"""

from __future__ import annotations

import itertools
import logging
from collections.abc import Mapping
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from shapely.ops import substring

from connectivity.errors import CrsError, DataError, EmptyRegionError
from connectivity.network.speeds import _tag

__all__ = ["attach_points"]

log = logging.getLogger(__name__)


def attach_points(
    nodes: gpd.GeoDataFrame,
    edges: gpd.GeoDataFrame,
    points: gpd.GeoDataFrame,
    *,
    id_column: str,
    kind: str,
    max_connector_m: float = 2000.0,
) -> tuple[gpd.GeoDataFrame, gpd.GeoDataFrame, pd.DataFrame]:
    """Join points to the network at the nearest point of the nearest edge.

    The nearest edge is split at the point nearest to each input point (both
    directions of a two-way edge are split alike), and a walking connector
    (``highway="connector"``, both directions) joins the point's own new node
    to the split. Several points on one edge split it several times; a point
    whose nearest point is an edge end joins that node.

    Parameters
    ----------
    nodes, edges : geopandas.GeoDataFrame
        The network in a projected CRS: nodes indexed by node id with ``x``,
        ``y``; edges indexed by ``(u, v, key)`` with geometry oriented u→v.
    points : geopandas.GeoDataFrame
        Points to attach, in the same CRS, with a unique ``id_column``.
    id_column : str
        Column of ``points`` with their ids.
    kind : str
        Label stored in the new nodes' ``kind`` column (e.g. ``"community"``).
    max_connector_m : float
        Points farther than this from any edge are flagged ``far_from_road``
        (they are still connected).

    Returns
    -------
    nodes, edges : geopandas.GeoDataFrame
        The network with the new nodes (negative ids, below any existing one)
        and edges.
    attachments : pandas.DataFrame
        Indexed like ``points``: ``node_id`` (the point's node),
        ``attach_node_id`` (node on the network it walks to),
        ``connector_m`` and ``far_from_road``.

    Raises
    ------
    CrsError
        If the CRS of points and edges differ or are not projected.
    EmptyRegionError
        If the network has no edges.
    """
    if edges.empty:
        raise EmptyRegionError("the road network has no edges to attach points to")
    if points.crs != edges.crs:
        raise CrsError(f"points ({points.crs}) and network ({edges.crs}) must share a CRS")
    if edges.crs is None or not edges.crs.is_projected:
        raise CrsError("attach points in a projected CRS (metres)")
    if points[id_column].duplicated().any():
        dup = points.loc[points[id_column].duplicated(), id_column].head(5).tolist()
        raise DataError(f"duplicate {kind} ids in column '{id_column}': {dup}")
    if points.empty:
        return (
            nodes,
            edges,
            pd.DataFrame(columns=["node_id", "attach_node_id", "connector_m", "far_from_road"]),
        )

    is_candidate = _tag(edges, "highway").ne("connector").to_numpy()
    candidate_pos = np.flatnonzero(is_candidate)  # position in ``edges`` of each candidate
    edge_geoms = edges.geometry.to_numpy()
    pt_geoms = points.geometry.to_numpy()
    tree = shapely.STRtree(edge_geoms[candidate_pos])
    pt_idx, edge_pos = tree.query_nearest(pt_geoms, all_matches=False)
    order = np.argsort(pt_idx, kind="stable")
    pt_idx, edge_pos = pt_idx[order], edge_pos[order]
    if len(pt_idx) != len(points):
        raise DataError(f"could not find a nearest edge for every {kind} point")
    row_of_point = candidate_pos[edge_pos]  # the edge row each point falls on
    lines = edge_geoms[row_of_point]
    along = shapely.line_locate_point(lines, pt_geoms)
    snapped = shapely.line_interpolate_point(lines, along)
    dist = shapely.distance(pt_geoms, snapped)
    lengths = shapely.length(lines)
    u_all = edges.index.get_level_values(0)
    v_all = edges.index.get_level_values(1)

    # nodes made here get negative ids: never confused with OpenStreetMap node ids
    next_id = int(min(nodes.index.min(), 0)) - 1
    new_nodes: list[dict[str, Any]] = []
    removed: list[int] = []  # rows of ``edges`` replaced by their pieces
    new_edges: list[dict[str, Any]] = []
    new_index: list[tuple[Any, Any, Any]] = []

    # group points by the edge they fall on, in the order of their first point
    groups: dict[int, list[int]] = {}
    for i, row in enumerate(row_of_point.tolist()):
        groups.setdefault(row, []).append(i)
    twins = _twin_candidates(u_all, v_all, np.fromiter(groups, dtype=np.int64))

    attach_node = np.empty(len(points), dtype=np.int64)
    tol = 0.01  # metres: closer than this to an end means "at the node"
    split: list[tuple[int, list[tuple[float, int]]]] = []
    for row, members in groups.items():
        u, v = u_all[row], v_all[row]
        length = lengths[members[0]]
        positions: dict[float, int] = {}
        for i in members:
            d = float(along[i])
            if d <= tol:
                attach_node[i] = u
            elif d >= length - tol:
                attach_node[i] = v
            else:
                rounded = round(d, 3)
                if rounded not in positions:
                    positions[rounded] = next_id
                    p = snapped[i]
                    new_nodes.append(
                        {"node_id": next_id, "x": p.x, "y": p.y, "kind": "split", "geometry": p}
                    )
                    next_id -= 1
                attach_node[i] = positions[rounded]
        if positions:
            split.append((row, sorted(positions.items())))

    # the reverse twin of a two-way edge is split at the same places
    twin_of = {
        row: _find_twin(twins, u_all[row], v_all[row], edge_geoms[row], edge_geoms)
        for row, _ in split
    }
    attr_rows = sorted({row for row, _ in split} | {t for t in twin_of.values() if t is not None})
    attrs_of = dict(
        zip(
            attr_rows,
            edges.iloc[attr_rows].drop(columns="geometry").to_dict("records"),
            strict=True,
        )
    )
    for row, cuts in split:
        u, v = u_all[row], v_all[row]
        line = edge_geoms[row]
        stops = [0.0, *[d for d, _ in cuts], float(line.length)]
        chain = [u, *[n for _, n in cuts], v]
        attrs = attrs_of[row]
        removed.append(row)
        pieces = [substring(line, a, b) for a, b in itertools.pairwise(stops)]
        for a, b, piece in zip(chain[:-1], chain[1:], pieces, strict=True):
            new_edges.append({**attrs, "geometry": piece})
            new_index.append((a, b, 0))
        twin = twin_of[row]
        if twin is not None:
            removed.append(twin)
            twin_attrs = attrs_of[twin]
            for a, b, piece in zip(chain[:-1], chain[1:], pieces, strict=True):
                new_edges.append({**twin_attrs, "geometry": shapely.reverse(piece)})
                new_index.append((b, a, 0))

    # the points' own nodes and their connectors
    point_node = np.arange(next_id, next_id - len(points), -1, dtype=np.int64)
    px, py = shapely.get_x(pt_geoms), shapely.get_y(pt_geoms)
    # where each point walks to: a split node made here, else a node of the network
    split_ids = pd.Index([r["node_id"] for r in new_nodes], dtype=np.int64)
    # a NaN after the last split node: what position -1 (not a split node) reads
    split_x = np.array([*(r["x"] for r in new_nodes), np.nan], dtype=float)
    split_y = np.array([*(r["y"] for r in new_nodes), np.nan], dtype=float)
    at_split = split_ids.get_indexer(attach_node)
    at_row = nodes.index.get_indexer(attach_node)
    on_split = at_split >= 0
    ax = np.where(on_split, split_x[at_split], nodes["x"].to_numpy()[at_row])
    ay = np.where(on_split, split_y[at_split], nodes["y"].to_numpy()[at_row])
    ends = np.stack([np.column_stack([px, py]), np.column_stack([ax, ay])], axis=1)
    walk_in = np.asarray(shapely.linestrings(ends))  # point -> network
    walk_out = np.asarray(shapely.linestrings(ends[:, ::-1]))  # network -> point
    base = {"highway": "connector", "osmid": None, "name": None}
    for i, (n, a, x, y) in enumerate(
        zip(point_node.tolist(), attach_node.tolist(), px.tolist(), py.tolist(), strict=True)
    ):
        new_nodes.append({"node_id": n, "x": x, "y": y, "kind": kind, "geometry": pt_geoms[i]})
        new_edges.append({**base, "geometry": walk_in[i]})
        new_index.append((n, a, 0))
        new_edges.append({**base, "geometry": walk_out[i]})
        new_index.append((a, n, 0))

    keep = np.ones(len(edges), dtype=bool)
    keep[removed] = False
    kept = edges[keep]
    added = gpd.GeoDataFrame(
        new_edges,
        index=pd.MultiIndex.from_tuples(new_index, names=edges.index.names),
        geometry="geometry",
        crs=edges.crs,
    )
    # keys must stay unique per (u, v): renumber added keys after existing ones
    added = _unique_keys(kept, added)
    out_edges = pd.concat([kept, added])
    node_rows = gpd.GeoDataFrame(new_nodes, geometry="geometry", crs=nodes.crs).set_index("node_id")
    node_rows.index.name = nodes.index.name
    out_nodes = pd.concat([nodes, node_rows])
    attachments = pd.DataFrame(
        {
            "node_id": point_node,
            "attach_node_id": attach_node,
            "connector_m": dist,
            "far_from_road": dist > max_connector_m,
        },
        index=points.index,
    )
    n_far = int(attachments["far_from_road"].sum())
    log.info(
        "attached %d %s points (%d split edges, %d farther than %.0f m from any road)",
        len(points),
        kind,
        len(removed),
        n_far,
        max_connector_m,
    )
    return gpd.GeoDataFrame(out_nodes, crs=nodes.crs), gpd.GeoDataFrame(out_edges), attachments


def _twin_candidates(
    u: pd.Index, v: pd.Index, rows: np.ndarray
) -> dict[tuple[Any, Any], list[int]]:
    """Rows of the edges running v→u for the edges at ``rows``, by (v, u), in row order.

    Parameters
    ----------
    u, v : pandas.Index
        End nodes of every edge (the first two levels of the edges' index).
    rows : numpy.ndarray
        Positions of the edges whose reverse twins are sought.

    Returns
    -------
    dict of (node, node) to list of int
        For each (v, u) pair of the edges at ``rows``: the positions of the
        edges from v to u, in increasing order.
    """
    wanted = pd.MultiIndex.from_arrays([v[rows], u[rows]])
    hit = np.flatnonzero(pd.MultiIndex.from_arrays([u, v]).isin(wanted))
    out: dict[tuple[Any, Any], list[int]] = {}
    for row, pair in zip(hit.tolist(), zip(u[hit], v[hit], strict=True), strict=True):
        out.setdefault(pair, []).append(row)
    return out


def _find_twin(
    twins: Mapping[tuple[Any, Any], list[int]],
    u: Any,
    v: Any,
    line: shapely.LineString,
    geoms: np.ndarray,
) -> int | None:
    """Return the row of the first edge running v→u along the same line as u→v, if any.

    Parameters
    ----------
    twins : mapping of (node, node) to list of int
        Edge rows by (start, end) pair (see :func:`_twin_candidates`).
    u, v : node ids
        Ends of the edge whose twin is sought.
    line : shapely.LineString
        Its geometry.
    geoms : numpy.ndarray
        Geometries of every edge, by row.
    """
    if u == v:
        return None
    for row in twins.get((v, u), []):
        if shapely.equals(geoms[row], line):
            return row
    return None


def _unique_keys(kept: gpd.GeoDataFrame, added: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    uv = pd.MultiIndex.from_arrays(
        [added.index.get_level_values(0), added.index.get_level_values(1)]
    )
    existing = kept.index.droplevel(2)
    taken: dict[tuple[Any, Any], int] = {}
    same_pair = existing.isin(uv)
    if same_pair.any():
        counts = pd.Series(
            kept.index.get_level_values(2)[same_pair], index=existing[same_pair]
        ).groupby(level=[0, 1])
        taken = {(k[0], k[1]): int(v) + 1 for k, v in counts.max().items()}  # type: ignore[index]
    keys = []
    for pair in uv:
        k = taken.get(pair, 0)
        keys.append(k)
        taken[pair] = k + 1
    added = added.copy()
    added.index = pd.MultiIndex.from_arrays(
        [uv.get_level_values(0), uv.get_level_values(1), keys], names=kept.index.names
    )
    return added
