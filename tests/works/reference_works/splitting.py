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
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from shapely.ops import substring

from connectivity.errors import DataError
from connectivity.network import RoadNetwork
from connectivity.works.workset import WEIGHTS
from reference_works.roads import EdgeKey, _undirected_groups

__all__ = ["split_edges"]

log = logging.getLogger(__name__)


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
    # one canonical direction per two-way edge
    groups = _undirected_groups(edges)
    group_of = pd.Series(groups, index=edges.index)
    first: dict[int, EdgeKey] = {}
    for key, g in sorted(zip(edges.index, groups, strict=True)):
        first.setdefault(int(g), (int(key[0]), int(key[1]), int(key[2])))

    positions: dict[EdgeKey, list[tuple[float, int]]] = {}
    for i, (key, point) in enumerate(cuts):
        canon = first[int(group_of.loc[key])]
        line = edges.geometry.loc[canon]
        along = float(shapely.line_locate_point(line, point))
        positions.setdefault(canon, []).append((along, i))

    next_id = int(min(network.nodes.index.min(), 0)) - 1
    result: list[int] = [0] * len(cuts)
    new_nodes: list[dict[str, Any]] = []
    removed: list[EdgeKey] = []
    src: list[int] = []  # position of the split edge each piece comes from
    ends: list[tuple[int, int]] = []
    piece_geoms: list[shapely.Geometry] = []
    shares: list[float] = []
    geoms = edges.geometry.to_numpy()
    for canon in sorted(positions):
        u, v, _ = canon
        line = edges.geometry.loc[canon]
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
        pieces = [substring(line, a, b) for a, b in itertools.pairwise(bounds)]
        fractions = [p.length / length for p in pieces]
        for pos in np.flatnonzero(groups == groups[edges.index.get_loc(canon)]).tolist():
            key = edges.index[pos]
            forward = key[0] == u and key[1] == v and shapely.equals(geoms[pos], line)
            removed.append((int(key[0]), int(key[1]), int(key[2])))
            for j in range(len(pieces)) if forward else range(len(pieces) - 1, -1, -1):
                src.append(pos)
                piece_geoms.append(pieces[j] if forward else shapely.reverse(pieces[j]))
                ends.append((chain[j], chain[j + 1]) if forward else (chain[j + 1], chain[j]))
                shares.append(fractions[j])
    if not src:
        return network, result
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
