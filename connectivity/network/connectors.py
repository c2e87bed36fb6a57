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

    candidate = edges[_tag(edges, "highway").ne("connector")]
    pt_geoms = points.geometry.to_numpy()
    tree = shapely.STRtree(candidate.geometry.to_numpy())
    pt_idx, edge_pos = tree.query_nearest(pt_geoms, all_matches=False)
    order = np.argsort(pt_idx, kind="stable")
    pt_idx, edge_pos = pt_idx[order], edge_pos[order]
    if len(pt_idx) != len(points):
        raise DataError(f"could not find a nearest edge for every {kind} point")
    lines = candidate.geometry.to_numpy()[edge_pos]
    along = shapely.line_locate_point(lines, pt_geoms)
    snapped = shapely.line_interpolate_point(lines, along)
    dist = shapely.distance(pt_geoms, snapped)
    edge_keys = [candidate.index[i] for i in edge_pos]
    lengths = shapely.length(lines)

    # nodes made here get negative ids: never confused with OpenStreetMap node ids
    next_id = int(min(nodes.index.min(), 0)) - 1
    new_nodes: list[dict[str, Any]] = []
    removed: set[tuple[Any, Any, Any]] = set()
    new_edges: list[dict[str, Any]] = []
    new_index: list[tuple[Any, Any, Any]] = []

    # group points by the undirected edge they fall on
    groups: dict[tuple[Any, Any, Any], list[int]] = {}
    for i, key in enumerate(edge_keys):
        groups.setdefault(key, []).append(i)

    attach_node = np.empty(len(points), dtype=np.int64)
    by_pair: dict[tuple[Any, Any], list[tuple[Any, shapely.Geometry]]] = {}
    for (eu, ev, ek), geom in zip(edges.index, edges.geometry, strict=True):
        by_pair.setdefault((eu, ev), []).append((ek, geom))
    tol = 0.01  # metres: closer than this to an end means "at the node"
    edge_rows = edges.drop(columns="geometry")
    for key, members in groups.items():
        u, v, _k = key
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
        if not positions:
            continue
        cuts = sorted(positions.items())
        line = edges.loc[[key]].geometry.iloc[0]
        stops = [0.0, *[d for d, _ in cuts], float(line.length)]
        chain = [u, *[n for _, n in cuts], v]
        attrs = edge_rows.loc[[key]].iloc[0].to_dict()
        removed.add(key)
        pieces = [substring(line, a, b) for a, b in itertools.pairwise(stops)]
        for a, b, piece in zip(chain[:-1], chain[1:], pieces, strict=True):
            new_edges.append({**attrs, "geometry": piece})
            new_index.append((a, b, 0))
        # the reverse twin of a two-way edge is split at the same places
        twin = _find_twin(by_pair, key, line)
        if twin is not None:
            removed.add(twin)
            twin_attrs = edge_rows.loc[[twin]].iloc[0].to_dict()
            for a, b, piece in zip(chain[:-1], chain[1:], pieces, strict=True):
                new_edges.append({**twin_attrs, "geometry": shapely.reverse(piece)})
                new_index.append((b, a, 0))

    # the points' own nodes and their connectors
    point_node = np.arange(next_id, next_id - len(points), -1, dtype=np.int64)
    attach_xy = {int(r["node_id"]): (r["x"], r["y"]) for r in new_nodes}
    for i in range(len(points)):
        p = pt_geoms[i]
        n = int(point_node[i])
        new_nodes.append({"node_id": n, "x": p.x, "y": p.y, "kind": kind, "geometry": p})
        a = int(attach_node[i])
        ax, ay = attach_xy[a] if a in attach_xy else (nodes.at[a, "x"], nodes.at[a, "y"])
        seg = shapely.LineString([(p.x, p.y), (ax, ay)])
        base = {"highway": "connector", "osmid": None, "name": None}
        new_edges.append({**base, "geometry": seg})
        new_index.append((n, a, 0))
        new_edges.append({**base, "geometry": shapely.reverse(seg)})
        new_index.append((a, n, 0))

    kept = edges.drop(index=list(removed))
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


def _find_twin(
    by_pair: Mapping[tuple[Any, Any], list[tuple[Any, shapely.Geometry]]],
    key: tuple[Any, Any, Any],
    line: shapely.LineString,
) -> tuple[Any, Any, Any] | None:
    """Return the key of the edge running v→u along the same line as ``key``, if any."""
    u, v, _ = key
    if u == v:
        return None
    for k, geom in by_pair.get((v, u), []):
        if shapely.equals(geom, line):
            return (v, u, k)
    return None


def _unique_keys(kept: gpd.GeoDataFrame, added: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    uv = pd.MultiIndex.from_arrays(
        [added.index.get_level_values(0), added.index.get_level_values(1)]
    )
    existing = kept.index.droplevel(2)
    taken: dict[tuple[Any, Any], int] = {}
    if len(existing):
        counts = pd.Series(kept.index.get_level_values(2), index=existing).groupby(level=[0, 1])
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
