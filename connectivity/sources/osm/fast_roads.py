"""Road frames of a local OpenStreetMap file, read into arrays: no XML, no networkx.

:func:`read_roads` gives the node and edge GeoDataFrames that
``osmnx.graph_to_gdfs(graph_from_osm_file(path))`` gives (see
:mod:`connectivity.sources.osm.roads`), tens of times faster and in a fraction
of the memory, for national files:

1. one pass of pyosmium's C++ reader over the file, with node locations and
   tag filters (road ways: a ``highway`` tag not in :data:`HIGHWAY_EXCLUDED`;
   nodes with a tag of :data:`USEFUL_TAGS_NODE`), into arrays of way node
   ids and fixed-point coordinates;
2. the rules of the osmnx path on those arrays: nodes missing from the file
   dropped from their ways, ways with fewer than two distinct nodes left out,
   ways touching the polygon kept, consecutive duplicate nodes merged,
   one-way (``oneway`` yes/true/1/-1/reverse/T/F, roundabouts) and reversed
   (-1/reverse/T) ways, great-circle lengths (osmnx's formula, same floats),
   ``street_count``, polygon clipping (optionally by edge), isolated nodes
   dropped, optionally the largest weakly connected piece only;
3. osmnx's simplification on arrays (:mod:`._fast_graph`, numba): the same
   endpoints (``ford`` nodes stay; :data:`SIMPLIFY_EDGE_ATTRS` never differ
   along an edge), the same paths, lengths summed in the same order, other
   attributes one value or the sorted list of distinct values; rings are kept.

Edges get osmnx's keys; rows come in osmnx's order (nodes by id, which is the
file's order for files sorted by id, as ``.osm.pbf`` extracts are). With
``retain_all=False`` osmnx may order rows differently; the rows are the same.

Data © OpenStreetMap contributors, ODbL 1.0.
"""

from __future__ import annotations

import logging
import os
from array import array
from dataclasses import dataclass
from typing import Any

import geopandas as gpd
import numpy as np
import osmium
import pandas as pd
import shapely
from osmnx.distance import great_circle
from scipy.sparse import coo_array
from scipy.sparse.csgraph import connected_components
from shapely.geometry import MultiPolygon, Polygon
from tqdm.auto import tqdm

from connectivity._logging import progress_enabled
from connectivity.errors import DataError, EmptyRegionError
from connectivity.sources.osm import _fast_graph as fg
from connectivity.sources.osm._fast_frames import edge_frame, node_frame
from connectivity.sources.osm._input import Area, as_polygon, check_osm_file
from connectivity.sources.osm.roads import (
    HIGHWAY_EXCLUDED,
    SIMPLIFY_EDGE_ATTRS,
    USEFUL_TAGS_NODE,
    USEFUL_TAGS_WAY,
)

__all__ = ["RoadFrames", "read_roads"]

log = logging.getLogger(__name__)

_ONEWAY_VALUES = frozenset({"yes", "true", "1", "-1", "reverse", "T", "F"})
_REVERSED_VALUES = frozenset({"-1", "reverse", "T"})
_PRECISION = 1e7  # osmium's fixed-point coordinates: 1e-7 degree


@dataclass(frozen=True)
class RoadFrames:
    """The road network of an OSM file as osmnx-shaped GeoDataFrames (EPSG:4326).

    Attributes
    ----------
    nodes : geopandas.GeoDataFrame
        Indexed by ``node_id`` (OSM id, int64): ``y``, ``x`` (lat/lon),
        the tags of :data:`USEFUL_TAGS_NODE` present, ``street_count``,
        ``geometry``.
    edges : geopandas.GeoDataFrame
        Indexed by ``(u, v, key)``: ``osmid``, the tags of
        :data:`USEFUL_TAGS_WAY` present, ``oneway``, ``reversed``, ``length``
        (m), ``geometry`` (from ``u`` to ``v``); a value that differs along a
        simplified edge is the sorted list of its distinct values.
    source : str
        The file read.
    """

    nodes: gpd.GeoDataFrame
    edges: gpd.GeoDataFrame
    source: str


@dataclass
class _Ways:
    """Road ways as read: ids, node refs with fixed-point coordinates, tags."""

    ids: np.ndarray
    n_refs: np.ndarray
    refs: np.ndarray
    x: np.ndarray
    y: np.ndarray
    tags: dict[str, tuple[array[int], list[str]]]
    node_tags: dict[int, dict[str, str]]


def _read_ways(path: str) -> _Ways:
    """Read the road ways (with node locations) and tagged nodes of a file, in one pass."""
    ids, n_refs, refs, xs, ys = array("q"), array("q"), array("q"), array("i"), array("i")
    tags: dict[str, tuple[array[int], list[str]]] = {k: (array("q"), []) for k in USEFUL_TAGS_WAY}
    node_tags: dict[int, dict[str, str]] = {}
    node_filter = osmium.filter.KeyFilter(*USEFUL_TAGS_NODE)
    node_filter.enable_for(osmium.osm.NODE)
    way_filter = osmium.filter.KeyFilter("highway")
    way_filter.enable_for(osmium.osm.WAY)
    processor = (
        osmium.FileProcessor(path, osmium.osm.NODE | osmium.osm.WAY)
        .with_locations()
        .with_filter(node_filter)
        .with_filter(way_filter)
    )
    bar = tqdm(desc="OSM roads", unit=" ways", disable=not progress_enabled())
    try:
        obj: Any
        for obj in processor:
            data = obj._pyosmium_data
            tag = data.tags_get_value_by_key
            if not obj.is_way():
                node_tags[obj.id] = {
                    k: value for k in USEFUL_TAGS_NODE if (value := tag(k, None)) is not None
                }
                continue
            if tag("highway", None) in HIGHWAY_EXCLUDED:
                continue
            nodes = data.nodes()
            get = nodes.get
            size = nodes.size(data)
            for i in range(size):
                ref = get(data, i)
                refs.append(ref.ref)
                location = ref.location
                xs.append(location.x)
                ys.append(location.y)
            for k in USEFUL_TAGS_WAY:
                if (value := tag(k, None)) is not None:
                    rows, values = tags[k]
                    rows.append(len(ids))
                    values.append(value)
            ids.append(obj.id)
            n_refs.append(size)
            if len(ids) % 10_000 == 0:
                bar.update(10_000)
        bar.update(len(ids) % 10_000)
    except RuntimeError as err:
        raise DataError(
            f"{path}: cannot read OpenStreetMap data ({err}); is it a complete .osm/.osm.pbf file?"
        ) from err
    finally:
        bar.close()
    return _Ways(
        ids=np.frombuffer(ids, dtype=np.int64),
        n_refs=np.frombuffer(n_refs, dtype=np.int64),
        refs=np.frombuffer(refs, dtype=np.int64),
        x=np.frombuffer(xs, dtype=np.int32),
        y=np.frombuffer(ys, dtype=np.int32),
        tags=tags,
        node_tags=node_tags,
    )


def _short_list(ids: np.ndarray) -> str:
    return ", ".join(str(i) for i in ids[:10]) + (" …" if len(ids) > 10 else "")


@dataclass
class _Graph:
    """The unsimplified road graph as arrays, in osmnx's insertion order."""

    node_ids: np.ndarray
    x: np.ndarray
    y: np.ndarray
    u: np.ndarray
    v: np.ndarray
    edge_way: np.ndarray
    edge_reversed: np.ndarray
    way_ids: np.ndarray
    way_oneway: np.ndarray
    way_tags: dict[str, tuple[np.ndarray, np.ndarray]]
    node_tags: dict[int, dict[str, str]]


def _graph_from_ways(ways: _Ways, source: str, polygon: Polygon | MultiPolygon | None) -> _Graph:
    """Select the road ways as the osmnx path does and cut them into edges."""
    n_ways = len(ways.ids)
    way_of_ref = np.repeat(np.arange(n_ways), ways.n_refs)
    valid = (np.abs(ways.x.astype(np.int64)) <= 1_800_000_000) & (
        np.abs(ways.y.astype(np.int64)) <= 900_000_000
    )
    refs, rx, ry, rw = ways.refs[valid], ways.x[valid], ways.y[valid], way_of_ref[valid]
    first = np.searchsorted(rw, np.arange(n_ways))  # each way's first node present (rw sorted)
    differs = refs != refs[np.minimum(first, len(refs) - 1)[rw]]
    good = np.bincount(rw, weights=differs, minlength=n_ways) > 0  # two distinct nodes or more
    if not good.all():
        log.warning(
            "%s: %d road ways have fewer than two distinct nodes in the file and make no "
            "road segment: %s",
            source,
            int((~good).sum()),
            _short_list(ways.ids[~good]),
        )
    missing = int((~valid).sum())
    if missing:
        trimmed = np.unique(way_of_ref[~valid])
        log.warning(
            "%s: %d road ways reference %d nodes missing from the file; "
            "they keep the nodes present",
            source,
            len(trimmed),
            missing,
        )
    if polygon is not None:
        inside = shapely.intersects_xy(polygon, rx / _PRECISION, ry / _PRECISION)
        good &= np.bincount(rw[inside], minlength=n_ways) > 0
    if not good.any():
        where = " inside the requested area" if polygon is not None else ""
        raise EmptyRegionError(
            f"{source}: no roads{where} (no ways tagged highway=* other than "
            f"{', '.join(sorted(HIGHWAY_EXCLUDED))})"
        )
    log.info("%s: %d road ways selected", source, int(good.sum()))
    keep = good[rw]
    refs, rx, ry, rw = refs[keep], rx[keep], ry[keep], rw[keep]
    # consecutive duplicates (after the missing nodes are dropped), as osmnx's groupby
    dup = np.zeros(len(refs), dtype=bool)
    dup[1:] = (refs[1:] == refs[:-1]) & (rw[1:] == rw[:-1])
    refs, rx, ry, rw = refs[~dup], rx[~dup], ry[~dup], rw[~dup]
    way_tags = {k: _codes(n_ways, rows, values) for k, (rows, values) in ways.tags.items()}
    way_tags = {k: codes for k, codes in way_tags.items() if len(codes[1])}
    one_way = _tag_in(way_tags, "oneway", _ONEWAY_VALUES, n_ways)
    one_way |= _tag_in(way_tags, "junction", {"roundabout"}, n_ways)
    backwards = one_way & _tag_in(way_tags, "oneway", _REVERSED_VALUES, n_ways)
    # a way one-way against its drawing: its nodes in reverse order
    counts = np.bincount(rw, minlength=n_ways)
    start = np.concatenate([[0], np.cumsum(counts)[:-1]])
    offset = np.arange(len(refs)) - start[rw]
    target = start[rw] + np.where(backwards[rw], counts[rw] - 1 - offset, offset)
    order = np.empty(len(refs), dtype=np.int64)
    order[target] = np.arange(len(refs))
    refs, rx, ry, rw = refs[order], rx[order], ry[order], rw[order]
    seg = np.flatnonzero(rw[1:] == rw[:-1])
    su, sv, sw = refs[seg], refs[seg + 1], rw[seg]
    two_way = ~one_way[sw]
    eu = np.concatenate([su, sv[two_way]])
    ev = np.concatenate([sv, su[two_way]])
    ew = np.concatenate([sw, sw[two_way]])
    direction = np.concatenate([np.zeros(len(su), np.int8), np.ones(int(two_way.sum()), np.int8)])
    step = np.concatenate([seg, seg[two_way]])
    # osmnx adds a way's segments, then (two-way) their reverses, way after way
    insertion = np.argsort((ew * 2 + direction) * len(refs) + step, kind="stable")
    node_ids, first_ref = np.unique(refs, return_index=True)
    return _Graph(
        node_ids=node_ids,
        x=rx[first_ref] / _PRECISION,
        y=ry[first_ref] / _PRECISION,
        u=np.searchsorted(node_ids, eu[insertion]).astype(np.int32),
        v=np.searchsorted(node_ids, ev[insertion]).astype(np.int32),
        edge_way=ew[insertion].astype(np.int32),
        edge_reversed=direction[insertion].astype(bool),
        way_ids=ways.ids,
        way_oneway=one_way,
        way_tags=way_tags,
        node_tags=ways.node_tags,
    )


def _edge_lengths(g: _Graph) -> np.ndarray:
    """Great-circle lengths exactly as :func:`osmnx.distance.add_edge_lengths`."""
    coords = np.array([g.y[g.u], g.x[g.u], g.y[g.v], g.x[g.v]]).T.copy()
    dists = np.asarray(great_circle(coords[:, 0], coords[:, 1], coords[:, 2], coords[:, 3]))
    dists[np.isnan(dists)] = 0
    return dists


def _clip(
    g: _Graph, polygon: Polygon | MultiPolygon, truncate_by_edge: bool, source: str
) -> np.ndarray:
    """Nodes kept by :func:`osmnx.truncate.truncate_graph_polygon`."""
    inside = shapely.intersects_xy(polygon, g.x, g.y)
    if not inside.any():
        raise EmptyRegionError(f"{source}: no road inside the requested area")
    if not truncate_by_edge:
        return inside
    near = np.zeros(len(inside), dtype=bool)
    near[g.u[inside[g.v]]] = True
    near[g.v[inside[g.u]]] = True
    return inside | near


def _largest_piece(n: int, u: np.ndarray, v: np.ndarray) -> np.ndarray:
    """Nodes of the largest weakly connected piece (ties: the one met first)."""
    graph = coo_array((np.ones(len(u)), (u, v)), shape=(n, n)).tocsr()
    _, labels = connected_components(graph, directed=True, connection="weak")
    sizes = np.bincount(labels)
    first = np.full(len(sizes), n)
    np.minimum.at(first, labels, np.arange(n))
    best = np.lexsort((first, -sizes))[0]
    keep: np.ndarray = labels == best
    return keep


def _codes(n_ways: int, rows: array[int], values: list[str]) -> tuple[np.ndarray, np.ndarray]:
    """Integer codes by way (-1: absent) and the sorted categories of a tag's values."""
    codes = np.full(n_ways, -1, dtype=np.int64)
    found, cats = pd.factorize(pd.Series(values, dtype=object), sort=True)
    codes[np.frombuffer(rows, dtype=np.int64)] = found
    return codes, np.asarray(cats, dtype=object)


def _tag_in(
    way_tags: dict[str, tuple[np.ndarray, np.ndarray]], tag: str, values: Any, n_ways: int
) -> np.ndarray:
    """Whether each way's ``tag`` is one of ``values``."""
    if tag not in way_tags:
        return np.zeros(n_ways, dtype=bool)
    codes, cats = way_tags[tag]
    hit = np.array([c in values for c in cats.tolist()] + [False], dtype=bool)
    result: np.ndarray = hit[codes]
    return result


def read_roads(
    path: str | os.PathLike[str],
    *,
    polygon: Area | None = None,
    simplify: bool = True,
    retain_all: bool = True,
    truncate_by_edge: bool = False,
) -> RoadFrames:
    """Road network of a local OpenStreetMap file, read straight into GeoDataFrames.

    The fast path of :func:`connectivity.sources.osm.graph_from_osm_file`:
    same rules, same network (nodes, edges, keys, lengths, tags), without the
    temporary XML file and the networkx graph.

    Parameters
    ----------
    path : path-like
        The file (``.osm`` XML or ``.osm.pbf``).
    polygon : shapely Polygon/MultiPolygon or GeoDataFrame, optional
        Keep only the roads inside this area (shapely geometries are taken as
        EPSG:4326).
    simplify : bool
        Merge the segments between intersections into single edges (never
        across a change of :data:`SIMPLIFY_EDGE_ATTRS`, never through a ford).
    retain_all : bool
        Keep every disconnected piece (default); ``False`` keeps only the
        largest weakly connected one.
    truncate_by_edge : bool
        With ``polygon``: keep a node outside the area when a neighbour is inside.

    Returns
    -------
    RoadFrames

    Raises
    ------
    MissingFileError
        The file does not exist.
    DataError
        Not an OSM file name, or unreadable data.
    EmptyRegionError
        No roads in the file (or inside ``polygon``).
    CrsError
        ``polygon`` without CRS, or not in longitude/latitude.

    Examples
    --------
    >>> import shapely
    >>> roads = read_roads("../shared/data/cusco/cusco.osm.pbf",
    ...                    polygon=shapely.box(-71.985, -13.525, -71.975, -13.515))
    >>> len(roads.nodes) > 100, roads.edges.crs.to_epsg()
    (True, 4326)
    """
    file = check_osm_file(path)
    source = str(file)
    area = None if polygon is None else as_polygon(polygon)
    if area is not None:
        shapely.prepare(area)
    g = _graph_from_ways(_read_ways(source), source, area)
    n_all = len(g.node_ids)
    length = _edge_lengths(g)
    street_count = fg.street_counts(n_all, g.u, g.v)
    keep = np.ones(n_all, dtype=bool)
    if area is not None:
        keep = _clip(g, area, truncate_by_edge, source)
    edge_ok = keep[g.u] & keep[g.v]
    degree = np.bincount(g.u[edge_ok], minlength=n_all) + np.bincount(g.v[edge_ok], minlength=n_all)
    isolated = int((keep & (degree == 0)).sum())
    keep &= degree > 0
    if not edge_ok.any():
        raise EmptyRegionError(f"{source}: no road segment inside the requested area")
    if isolated:
        log.info("%s: dropped %d nodes left without any road segment", source, isolated)
    if not retain_all:
        sub = np.flatnonzero(keep)
        pos = np.full(n_all, -1)
        pos[sub] = np.arange(len(sub))
        piece = _largest_piece(len(sub), pos[g.u[edge_ok]], pos[g.v[edge_ok]])
        log.info("%s: kept the largest piece, %d of %d nodes", source, piece.sum(), len(sub))
        keep[sub[~piece]] = False
        edge_ok &= keep[g.u] & keep[g.v]
    nodes, edges = _frames(g, keep, edge_ok, length, street_count, simplify=simplify)
    n_pieces = connected_components(
        coo_array(
            (
                np.ones(len(edges)),
                (
                    nodes.index.get_indexer(edges.index.get_level_values(0)),
                    nodes.index.get_indexer(edges.index.get_level_values(1)),
                ),
            ),
            shape=(len(nodes), len(nodes)),
        ),
        directed=True,
        connection="weak",
    )[0]
    log.info(
        "road graph from %s: %d nodes, %d edges, %d pieces",
        source,
        len(nodes),
        len(edges),
        n_pieces,
    )
    return RoadFrames(nodes=nodes, edges=edges, source=source)


def _frames(
    g: _Graph,
    keep: np.ndarray,
    edge_ok: np.ndarray,
    length_all: np.ndarray,
    street_count_all: np.ndarray,
    *,
    simplify: bool,
) -> tuple[gpd.GeoDataFrame, gpd.GeoDataFrame]:
    """Build the node and edge frames of the kept graph, simplified as osmnx simplifies."""
    sub = np.flatnonzero(keep)
    n = len(sub)
    pos = np.full(len(keep), -1, dtype=np.int64)
    pos[sub] = np.arange(n)
    u, v = pos[g.u[edge_ok]].astype(np.int32), pos[g.v[edge_ok]].astype(np.int32)
    edge_way = g.edge_way[edge_ok]
    edge_reversed = g.edge_reversed[edge_ok]
    length = length_all[edge_ok]
    adj = fg.adjacency(n, u, v)
    tag_codes = g.way_tags
    node_ids = g.node_ids[sub]
    node_tags = _node_tags(g.node_tags, node_ids)
    if simplify:
        n_ways = len(g.way_ids)
        differ = np.full((n_ways, len(SIMPLIFY_EDGE_ATTRS)), -1, dtype=np.int32)
        for c, tag in enumerate(SIMPLIFY_EDGE_ATTRS):
            if tag in tag_codes:
                differ[:, c] = tag_codes[tag][0]
        ford = np.zeros(n, dtype=bool)
        if "ford" in node_tags:
            ford = pd.notna(node_tags["ford"])
        endpoint = fg.endpoints(n, u, v, edge_way, differ, ford)
        paths = fg.paths_to_simplify(endpoint, adj)
        if paths.unexpected:
            log.warning("road simplification: %d unexpected patterns", paths.unexpected)
    else:
        paths = None
    edges, removed = edge_frame(
        g=g,
        node_ids=node_ids,
        x=g.x[sub],
        y=g.y[sub],
        u=u,
        v=v,
        edge_way=edge_way,
        edge_reversed=edge_reversed,
        length=length,
        adj=adj,
        tag_codes=tag_codes,
        paths=paths,
    )
    nodes = node_frame(
        node_ids=node_ids,
        x=g.x[sub],
        y=g.y[sub],
        street_count=street_count_all[sub],
        node_tags=node_tags,
        removed=removed,
    )
    return nodes, edges


def _node_tags(tagged: dict[int, dict[str, str]], node_ids: np.ndarray) -> dict[str, np.ndarray]:
    """Object columns (value or None) of the node tags present on the kept nodes."""
    ids = np.fromiter(tagged, dtype=np.int64, count=len(tagged))
    at = np.searchsorted(node_ids, ids)
    found = at < len(node_ids)
    found[found] = node_ids[at[found]] == ids[found]
    columns: dict[str, np.ndarray] = {}
    for tag in USEFUL_TAGS_NODE:
        column = np.full(len(node_ids), None, dtype=object)
        for row, node in zip(at[found].tolist(), ids[found].tolist(), strict=True):
            value = tagged[node].get(tag)
            if value is not None:
                column[row] = value
        if pd.notna(column).any():
            columns[tag] = column
    return columns
