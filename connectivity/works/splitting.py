"""Splitting road edges where a new road meets them, without changing any travel time.

New links (generated or proposed) join a road between two junctions: the edge
(and its reverse twin) is cut there at a new node of kind ``"split"``, and
every weight is shared among the pieces in proportion to their length. A split
removes the edge it splits, so splits come before the works that replace edges
(see :mod:`connectivity.works.generate`).
"""

from __future__ import annotations

import dataclasses
import itertools
import logging
from collections.abc import Sequence
from typing import Any, cast

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from shapely.ops import substring

from connectivity.errors import DataError
from connectivity.network import RoadNetwork
from connectivity.works.roads import EdgeKey, _undirected_groups
from connectivity.works.workset import WEIGHTS

__all__ = ["split_edges"]

log = logging.getLogger(__name__)


def _pieces(line: shapely.LineString, bounds: Sequence[float]) -> list[shapely.LineString]:
    """Return ``substring(line, a, b)`` for each pair of increasing bounds, in one pass.

    The vertices of ``line``, their distances along it (summed as
    :func:`shapely.ops.substring` sums them) and its points at the bounds are
    computed once for all pieces; each piece is built of the same coordinates
    as ``substring`` builds it. A line with ``z`` or bounds not strictly
    increasing within the line go through ``substring`` itself.
    """
    pairs = list(itertools.pairwise(bounds))
    length = line.length
    simple = (
        isinstance(line, shapely.LineString)
        and not line.has_z
        and all(0.0 <= a < b <= length for a, b in pairs)
    )
    if not simple:
        return [cast(shapely.LineString, substring(line, a, b)) for a, b in pairs]
    xy = shapely.get_coordinates(line)
    coords = xy.tolist()
    along: list[float] = []  # distance of each vertex (but the last) along the line
    current = 0
    for p1, p2 in itertools.pairwise(coords):
        along.append(current)
        current += ((p2[0] - p1[0]) ** 2 + (p2[1] - p1[1]) ** 2) ** 0.5
    dist = np.asarray(along, dtype=float)
    at = shapely.get_coordinates(shapely.line_interpolate_point(line, list(bounds)))
    out: list[shapely.LineString] = []
    for k, (a, b) in enumerate(pairs):
        inner = xy[: len(dist)][(a < dist) & (dist < b)]
        piece = shapely.linestrings(np.vstack([at[k : k + 1], inner, at[k + 1 : k + 2]]))
        out.append(cast(shapely.LineString, piece))
    return out


def split_edges(
    network: RoadNetwork,
    cuts: Sequence[tuple[EdgeKey, shapely.Point]],
    *,
    tolerance_m: float = 1.0,
) -> tuple[RoadNetwork, list[int]]:
    """Split edges at points, returning the node at each point.

    Each point is projected onto its edge; within ``tolerance_m`` of an end
    the end node is used, else the edge (and its reverse twin) is cut there
    and a node of kind ``"split"`` is made (negative ids below every existing
    one). Several cuts on one edge are made at once. Every weight, the length
    and the climb of a split edge are shared among its pieces in proportion
    to their length, so every route keeps its travel time.

    Parameters
    ----------
    network : RoadNetwork
    cuts : sequence of ((u, v, key), shapely.Point)
        Edge to cut and where (any point; it is projected onto the edge).
    tolerance_m : float
        Points this close to an edge's end use the end node.

    Returns
    -------
    network : RoadNetwork
        A copy with the split edges replaced by their pieces.
    nodes : list of int
        Node at each cut, in input order.

    Raises
    ------
    DataError
        A cut names an edge not in the network.
    """
    edges = network.edges
    if not cuts:
        return network, []
    missing = [k for k, _ in cuts if k not in edges.index]
    if missing:
        raise DataError(f"cannot split edge(s) not in the network: {missing[:5]}")
    # one canonical direction per two-way edge: its smallest (u, v, key)
    groups = _undirected_groups(edges)
    u_all = edges.index.get_level_values(0).to_numpy()
    v_all = edges.index.get_level_values(1).to_numpy()
    k_all = edges.index.get_level_values(2).to_numpy()
    by_key = np.lexsort((k_all, v_all, u_all))
    _, first_of = np.unique(groups[by_key], return_index=True)
    canon_row = by_key[first_of]  # row of each group's canonical edge
    by_group = np.argsort(groups, kind="stable")  # rows of each group, in order
    group_start = np.searchsorted(groups[by_group], np.arange(len(canon_row) + 1))
    geoms = edges.geometry.to_numpy()

    cut_rows = canon_row[groups[edges.index.get_indexer([k for k, _ in cuts])]]
    alongs = shapely.line_locate_point(
        geoms[cut_rows], np.asarray([point for _, point in cuts], dtype=object)
    ).tolist()
    positions: dict[EdgeKey, list[tuple[float, int]]] = {}
    row_of: dict[EdgeKey, int] = {}
    for i, row in enumerate(cut_rows.tolist()):
        canon = (int(u_all[row]), int(v_all[row]), int(k_all[row]))
        row_of[canon] = row
        positions.setdefault(canon, []).append((float(alongs[i]), i))

    next_id = int(min(network.nodes.index.min(), 0)) - 1
    result: list[int] = [0] * len(cuts)
    new_nodes: list[dict[str, Any]] = []
    removed: list[EdgeKey] = []
    src: list[int] = []  # position of the split edge each piece comes from
    ends: list[tuple[int, int]] = []
    piece_geoms: list[shapely.Geometry] = []
    shares: list[float] = []
    flip: list[bool] = []  # pieces of the reverse twin: reversed once, all together
    for canon in sorted(positions):
        u, v, _ = canon
        line = geoms[row_of[canon]]
        length = float(line.length)
        stops: dict[float, int] = {}
        for along, i in sorted(positions[canon]):
            if along <= tolerance_m:
                result[i] = u
            elif along >= length - tolerance_m:
                result[i] = v
            else:
                near = [s for s in stops if abs(s - along) <= tolerance_m]
                if near:
                    result[i] = stops[near[0]]
                    continue
                stops[along] = next_id
                p = shapely.line_interpolate_point(line, along)
                new_nodes.append(
                    {"node_id": next_id, "x": p.x, "y": p.y, "geometry": p, "from_node": u}
                )
                result[i] = next_id
                next_id -= 1
        if not stops:
            continue
        at = sorted(stops)
        bounds = [0.0, *at, length]
        chain = [u, *[stops[a] for a in at], v]
        pieces = _pieces(line, bounds)
        fractions = [p.length / length for p in pieces]
        g = groups[row_of[canon]]
        for pos in by_group[group_start[g] : group_start[g + 1]].tolist():
            key = (int(u_all[pos]), int(v_all[pos]), int(k_all[pos]))
            forward = key[0] == u and key[1] == v and shapely.equals(geoms[pos], line)
            removed.append(key)
            for j in range(len(pieces)) if forward else range(len(pieces) - 1, -1, -1):
                src.append(pos)
                piece_geoms.append(pieces[j])
                flip.append(not forward)
                ends.append((chain[j], chain[j + 1]) if forward else (chain[j + 1], chain[j]))
                shares.append(fractions[j])
    if not src:
        return network, result
    geoms_out = np.asarray(piece_geoms, dtype=object)
    flipped = np.asarray(flip, dtype=bool)
    geoms_out[flipped] = shapely.reverse(geoms_out[flipped])
    piece_geoms = list(geoms_out)
    kept = edges.drop(index=removed)
    added = edges.iloc[src].copy()
    added.index = pd.MultiIndex.from_tuples([(a, b, 0) for a, b in ends], names=edges.index.names)
    added["geometry"] = piece_geoms
    added["length_m"] = shapely.length(np.asarray(piece_geoms, dtype=object))
    for col in (*WEIGHTS, "climb_m"):
        if col in added.columns:
            added[col] = added[col].to_numpy(float) * np.asarray(shares)
    added = gpd.GeoDataFrame(added, geometry="geometry", crs=edges.crs)
    # pieces always touch a new node, so their (u, v) pairs are new: number parallel ones
    uv = added.index.droplevel(2)
    keys = pd.Series(0, index=uv).groupby(level=[0, 1]).cumcount().to_numpy()
    added.index = pd.MultiIndex.from_arrays(
        [uv.get_level_values(0), uv.get_level_values(1), keys], names=edges.index.names
    )
    out_edges = gpd.GeoDataFrame(pd.concat([kept, added]), geometry="geometry", crs=edges.crs)
    nodes = network.nodes
    node_rows = gpd.GeoDataFrame(new_nodes, geometry="geometry", crs=nodes.crs).set_index("node_id")
    node_rows.index.name = nodes.index.name
    node_rows["kind"] = "split"
    if "component" in nodes.columns:
        node_rows["component"] = nodes.loc[
            node_rows["from_node"].to_numpy(), "component"
        ].to_numpy()
    out_nodes = gpd.GeoDataFrame(
        pd.concat([nodes, node_rows[[c for c in nodes.columns if c in node_rows.columns]]]),
        geometry="geometry",
        crs=nodes.crs,
    )
    log.info("split %d edges at %d new nodes", len(removed), len(new_nodes))
    return dataclasses.replace(network, nodes=out_nodes, edges=out_edges), result
