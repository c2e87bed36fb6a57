"""The routing graph: a road graph held as compact arrays, and its builders.

A road graph is built once into a :class:`RoutingGraph` (one CSR matrix per
weight and direction, node ids mapped to ``0..n-1``) by
:func:`routing_graph_from_networkx`, :func:`routing_graph_from_gdfs` or the
core builder :func:`routing_graph_from_arrays`.

* A graph holds several weights (edge columns such as ``travel_time_s``,
  ``travel_time_wet_s``, ``length_m``) over the same nodes.
* Parallel edges keep the minimum of each weight; the edge that gives it is
  remembered (the first in input order on ties) for path geometry.
* An edge whose weight is ``inf`` or NaN (impassable, e.g. in the wet season)
  is absent for that weight. Zero weights are real edges (they are stored as
  explicit entries, which :mod:`scipy.sparse.csgraph` treats as edges).
  Negative weights are refused.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Hashable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import geopandas as gpd
import networkx as nx
import numpy as np
import pandas as pd
import shapely
from scipy.sparse import csr_array

from connectivity.errors import RoutingError

__all__ = [
    "NodeId",
    "RoutingGraph",
    "routing_graph_from_arrays",
    "routing_graph_from_gdfs",
    "routing_graph_from_networkx",
]

log = logging.getLogger(__name__)

#: Node ids of the caller's graph: any hashable (OSM ids are int64).
NodeId = Hashable

_INT32_MAX = np.iinfo(np.int32).max


@dataclass(frozen=True, eq=False)
class _WeightArrays:
    """CSR matrices of one weight: forward (u → v) and reversed (v → u)."""

    forward: Any  # scipy.sparse.csr_array, one entry per passable (u, v) pair
    reverse: Any  # the transpose, built directly so explicit zeros stay entries
    edge_row: np.ndarray  # for each forward entry, the input edge that gives its minimum


class RoutingGraph:
    """A road graph held as compact arrays for fast travel-time queries.

    Build it with :func:`routing_graph_from_networkx`,
    :func:`routing_graph_from_gdfs` or :func:`routing_graph_from_arrays`
    (also :meth:`from_networkx` and :meth:`from_gdfs`). It is read-only: a
    graph with other weights is a new graph.

    Attributes
    ----------
    node_ids : pandas.Index
        The caller's node ids; position ``i`` is internal node ``i``.
    weights : tuple of str
        Names of the weights the graph holds.
    crs : object or None
        CRS of the node coordinates and edge geometries, when known.
    """

    __slots__ = ("_arrays", "_crs", "_edge_geometry", "_edge_keys", "_node_ids", "_xy")

    def __init__(
        self,
        *,
        node_ids: pd.Index,
        arrays: Mapping[str, _WeightArrays],
        edge_keys: np.ndarray,
        edge_geometry: np.ndarray | None,
        xy: np.ndarray | None,
        crs: Any,
    ) -> None:
        self._node_ids = node_ids
        self._arrays = dict(arrays)
        self._edge_keys = edge_keys
        self._edge_geometry = edge_geometry
        self._xy = xy
        self._crs = crs

    @property
    def node_ids(self) -> pd.Index:
        """The caller's node ids; position ``i`` is internal node ``i``."""
        return self._node_ids

    @property
    def crs(self) -> Any:
        """CRS of the node coordinates and edge geometries (None if unknown)."""
        return self._crs

    @property
    def weights(self) -> tuple[str, ...]:
        """Names of the weights this graph holds."""
        return tuple(self._arrays)

    @property
    def n_nodes(self) -> int:
        """Number of nodes."""
        return len(self.node_ids)

    def n_edges(self, weight: str) -> int:
        """Count the node pairs ``(u, v)`` passable under ``weight``.

        Parallel edges count once; impassable (inf/NaN) edges and self-loops
        are not counted.

        Parameters
        ----------
        weight : str
            A weight name from :attr:`weights`.

        Returns
        -------
        int

        Raises
        ------
        RoutingError
            If the graph has no such weight.
        """
        return int(self._weight(weight).forward.nnz)

    def __repr__(self) -> str:
        return f"RoutingGraph(n_nodes={self.n_nodes}, weights={list(self.weights)})"

    @classmethod
    def from_networkx(cls, graph: nx.Graph, *, weights: str | Sequence[str]) -> RoutingGraph:
        """Build from a networkx graph; see :func:`routing_graph_from_networkx`.

        Parameters
        ----------
        graph : networkx.Graph
            Usually an osmnx ``MultiDiGraph``.
        weights : str or sequence of str
            Edge attributes to hold.

        Returns
        -------
        RoutingGraph
        """
        return routing_graph_from_networkx(graph, weights=weights)

    @classmethod
    def from_gdfs(
        cls, nodes: pd.DataFrame, edges: pd.DataFrame, *, weights: str | Sequence[str]
    ) -> RoutingGraph:
        """Build from node and edge GeoDataFrames; see :func:`routing_graph_from_gdfs`.

        Parameters
        ----------
        nodes, edges : pandas.DataFrame
            As returned by ``osmnx.graph_to_gdfs``.
        weights : str or sequence of str
            Edge columns to hold.

        Returns
        -------
        RoutingGraph
        """
        return routing_graph_from_gdfs(nodes, edges, weights=weights)

    # -- internals shared by the query functions ---------------------------------------

    def _weight(self, weight: str) -> _WeightArrays:
        if not isinstance(weight, str) or weight not in self._arrays:
            raise RoutingError(
                f"unknown weight {weight!r}: this routing graph holds {list(self._arrays)}"
            )
        return self._arrays[weight]

    def _positions(self, ids: Sequence[Hashable] | np.ndarray, what: str) -> np.ndarray:
        """Map node ids to internal positions; RoutingError naming unknown ones."""
        if len(ids) == 0:
            return np.empty(0, dtype=np.int64)
        try:
            pos = self.node_ids.get_indexer(pd.Index(ids, tupleize_cols=False))
        except TypeError as exc:  # unhashable ids, e.g. lists
            raise RoutingError(f"{what} node ids must be hashable: {exc}") from exc
        missing = pos < 0
        if missing.any():
            bad = pd.unique(np.asarray(ids, dtype=object)[missing])
            shown = ", ".join(repr(_py(b)) for b in bad[:5])
            more = f" and {len(bad) - 5} more" if len(bad) > 5 else ""
            raise RoutingError(
                f"{len(bad)} {what} node id(s) not in the routing graph: {shown}{more}"
            )
        return np.asarray(pos, dtype=np.int64)


# -- construction -----------------------------------------------------------------------


def _py(value: Any) -> Any:
    """Turn a numpy scalar into the Python value it holds (for readable messages)."""
    return value.item() if isinstance(value, np.generic) else value


def _weight_names(weights: str | Sequence[str]) -> list[str]:
    names = [weights] if isinstance(weights, str) else list(weights)
    if not names:
        raise RoutingError("weights is empty: name at least one edge weight, e.g. 'travel_time_s'")
    for name in names:
        if not isinstance(name, str) or not name:
            raise RoutingError(f"weight names must be non-empty strings, got {name!r}")
    dupes = sorted({n for n in names if names.count(n) > 1})
    if dupes:
        raise RoutingError(f"weight names repeated: {dupes}")
    return names


def _float_array(values: Any, what: str, size: int) -> np.ndarray:
    try:
        arr = np.asarray(values, dtype=np.float64)
    except (TypeError, ValueError) as exc:
        raise RoutingError(f"{what} must be numeric: {exc}") from exc
    if arr.shape != (size,):
        raise RoutingError(f"{what} has shape {arr.shape}, expected ({size},)")
    return arr


def routing_graph_from_arrays(
    node_ids: Sequence[Hashable] | np.ndarray | pd.Index,
    u: Sequence[Hashable] | np.ndarray,
    v: Sequence[Hashable] | np.ndarray,
    *,
    weights: Mapping[str, Any],
    keys: Sequence[Hashable] | np.ndarray | None = None,
    x: Any = None,
    y: Any = None,
    edge_geometry: Any = None,
    crs: Any = None,
) -> RoutingGraph:
    """Build a routing graph from plain arrays (the core builder).

    Parameters
    ----------
    node_ids : sequence of hashable
        Unique node ids.
    u, v : sequence of hashable
        Tail and head node id of each directed edge.
    weights : mapping of str to array-like
        One non-negative value per edge for each weight name; ``inf`` or NaN
        marks the edge impassable under that weight.
    keys : sequence of hashable, optional
        Edge keys, to tell parallel edges apart (default ``0..m-1``).
    x, y : array-like, optional
        Node coordinates, for straight-segment route geometry.
    edge_geometry : array-like of shapely.LineString or None, optional
        Geometry of each edge (None where an edge has none).
    crs : object, optional
        CRS of ``x``, ``y`` and ``edge_geometry``.

    Returns
    -------
    RoutingGraph

    Raises
    ------
    RoutingError
        Duplicate node ids, edge ends that are not nodes, mismatched lengths,
        non-numeric or negative weights.

    Examples
    --------
    >>> from connectivity.routing import od_matrix
    >>> g = routing_graph_from_arrays(
    ...     [10, 20, 30], [10, 20, 20], [20, 30, 30],
    ...     weights={"length_m": [100.0, 50.0, 40.0]},
    ... )
    >>> g.n_edges("length_m")  # the two parallel 20 -> 30 edges count once
    2
    >>> od_matrix(g, [10], [30], weight="length_m")  # doctest: +NORMALIZE_WHITESPACE
    destination     30
    origin
    10           140.0
    """
    names = _weight_names(list(weights))
    index = pd.Index(node_ids, tupleize_cols=False)
    if not index.is_unique:
        dupes = index[index.duplicated()].unique()[:5].tolist()
        raise RoutingError(f"node ids are not unique, e.g. {dupes}")
    n = len(index)
    if n > _INT32_MAX:
        raise RoutingError(f"{n} nodes is more than this routing graph supports (2**31 - 1)")
    u_arr = _id_array(u)
    v_arr = _id_array(v)
    m = len(u_arr)
    if len(v_arr) != m:
        raise RoutingError(f"u has {m} edges but v has {len(v_arr)}")
    tmp = RoutingGraph(
        node_ids=index, arrays={}, edge_keys=np.empty(0), edge_geometry=None, xy=None, crs=crs
    )
    upos = tmp._positions(u_arr, "edge start (u)")
    vpos = tmp._positions(v_arr, "edge end (v)")
    values = {name: _float_array(weights[name], f"weight {name!r}", m) for name in names}
    key_arr = np.arange(m) if keys is None else np.asarray(keys)
    if len(key_arr) != m:
        raise RoutingError(f"keys has {len(key_arr)} values for {m} edges")
    for name, w in values.items():
        negative = np.flatnonzero(w < 0)
        if len(negative):
            i = negative[0]
            raise RoutingError(
                f"weight {name!r} has {len(negative)} negative value(s), e.g. {w[i]} on edge "
                f"{(_py(u_arr[i]), _py(v_arr[i]), _py(key_arr[i]))!r}; travel costs must be >= 0"
            )
    xy: np.ndarray | None = None
    if x is not None and y is not None:
        xy = np.column_stack([_float_array(x, "x", n), _float_array(y, "y", n)])
        if np.isnan(xy).all():
            xy = None
    geometry: np.ndarray | None = None
    if edge_geometry is not None:
        geometry = np.asarray(edge_geometry, dtype=object)
        if geometry.shape != (m,):
            raise RoutingError(f"edge_geometry has shape {geometry.shape}, expected ({m},)")

    arrays = _build_arrays(n, upos, vpos, values)
    graph = RoutingGraph(
        node_ids=index,
        arrays=arrays,
        edge_keys=key_arr,
        edge_geometry=geometry,
        xy=xy,
        crs=crs,
    )
    index.get_indexer(index[:1])  # build the id lookup table now, not in the first query
    log.info(
        "routing graph: %d nodes, %d edges; passable node pairs %s",
        n,
        m,
        ", ".join(f"{k}={a.forward.nnz}" for k, a in arrays.items()),
    )
    return graph


def _csr(n: int, rows: np.ndarray, cols: np.ndarray, data: np.ndarray) -> Any:
    """CSR matrix from entries already sorted by (row, col), without dropping zeros."""
    if len(data) > _INT32_MAX:
        raise RoutingError(f"{len(data)} edges is more than this routing graph supports")
    indptr = np.zeros(n + 1, dtype=np.int32)
    np.cumsum(np.bincount(rows, minlength=n), out=indptr[1:])
    matrix = csr_array((data, cols.astype(np.int32), indptr), shape=(n, n))
    # Explicit zero weights must stay entries: scipy's csgraph treats them as edges,
    # but conversions (sum_duplicates, eliminate_zeros, .T.tocsr()) could drop them.
    # Building the matrix straight from sorted, de-duplicated arrays keeps every one.
    matrix.has_sorted_indices = True
    return matrix


def _build_arrays(
    n: int, upos: np.ndarray, vpos: np.ndarray, values: Mapping[str, np.ndarray]
) -> dict[str, _WeightArrays]:
    """One forward and one reversed CSR per weight; parallel edges keep the minimum."""
    rows = np.flatnonzero(upos != vpos)  # self-loops never shorten a path
    order = rows[np.lexsort((rows, vpos[rows], upos[rows]))]
    su, sv = upos[order], vpos[order]
    new_pair = np.ones(len(order), dtype=bool)
    new_pair[1:] = (su[1:] != su[:-1]) | (sv[1:] != sv[:-1])
    pair_start = np.flatnonzero(new_pair)
    pair_of = np.cumsum(new_pair) - 1
    pu, pv = su[pair_start], sv[pair_start]
    by_head = np.lexsort((pu, pv))  # pairs sorted by (v, u): the reversed graph's rows
    out: dict[str, _WeightArrays] = {}
    for name, all_w in values.items():
        w = all_w[order]
        w[~np.isfinite(w)] = np.inf  # NaN and inf: impassable
        pair_min = np.minimum.reduceat(w, pair_start) if len(order) else np.empty(0)
        at_min = np.flatnonzero((w == pair_min[pair_of]) & np.isfinite(w))
        first = (
            at_min[np.r_[True, pair_of[at_min[1:]] != pair_of[at_min[:-1]]]]
            if len(at_min)
            else at_min
        )
        ok_pairs = pair_of[first]  # increasing: pairs with a finite minimum
        forward = _csr(n, pu[ok_pairs], pv[ok_pairs], w[first])
        passable = np.isfinite(pair_min)
        rev_pairs = by_head[passable[by_head]]
        reverse = _csr(n, pv[rev_pairs], pu[rev_pairs], pair_min[rev_pairs])
        out[name] = _WeightArrays(forward=forward, reverse=reverse, edge_row=order[first])
    return out


def routing_graph_from_networkx(graph: nx.Graph, *, weights: str | Sequence[str]) -> RoutingGraph:
    """Build a routing graph from a networkx (osmnx) graph.

    Parameters
    ----------
    graph : networkx.Graph
        Usually an osmnx ``MultiDiGraph``. Undirected graphs get both
        directions of each edge. Node attributes ``x``, ``y`` and edge
        attribute ``geometry`` are used for route geometry when present; the
        graph attribute ``crs`` is kept.
    weights : str or sequence of str
        Edge attributes to hold. An edge without the attribute, or with
        ``inf``/NaN, is impassable under that weight.

    Returns
    -------
    RoutingGraph

    Raises
    ------
    RoutingError
        If a weight is on no edge at all, or not numeric, or negative.

    Examples
    --------
    >>> import networkx as nx
    >>> from connectivity.routing import od_matrix
    >>> G = nx.MultiDiGraph()
    >>> G.add_edge(1, 2, travel_time_s=10.0, length_m=100.0)
    0
    >>> G.add_edge(1, 2, travel_time_s=7.0, length_m=120.0)  # parallel edge
    1
    >>> g = routing_graph_from_networkx(G, weights=["travel_time_s", "length_m"])
    >>> g
    RoutingGraph(n_nodes=2, weights=['travel_time_s', 'length_m'])
    >>> float(od_matrix(g, [1], [2], weight="travel_time_s").iloc[0, 0])
    7.0
    """
    names = _weight_names(weights)
    if not isinstance(graph, nx.Graph):
        raise RoutingError(f"expected a networkx graph, got {type(graph).__name__}")
    if graph.is_multigraph():
        edge_list = list(graph.edges(keys=True, data=True))
    else:
        edge_list = [(a, b, 0, d) for a, b, d in graph.edges(data=True)]
    if not graph.is_directed():
        edge_list += [(b, a, k, d) for a, b, k, d in edge_list if a != b]
    u = [e[0] for e in edge_list]
    v = [e[1] for e in edge_list]
    keys = np.empty(len(edge_list), dtype=object)
    keys[:] = [e[2] for e in edge_list]
    values: dict[str, list[Any]] = {}
    for name in names:
        column = [e[3].get(name, math.nan) for e in edge_list]
        if edge_list and all(
            val is None or (isinstance(val, float) and math.isnan(val)) for val in column
        ):
            raise RoutingError(f"no edge of the graph has the weight attribute {name!r}")
        values[name] = [math.nan if val is None else val for val in column]
    geometry = np.empty(len(edge_list), dtype=object)
    geometry[:] = [e[3].get("geometry") for e in edge_list]
    node_ids = list(graph.nodes)
    x = [graph.nodes[i].get("x", math.nan) for i in node_ids]
    y = [graph.nodes[i].get("y", math.nan) for i in node_ids]
    return routing_graph_from_arrays(
        node_ids,
        u,
        v,
        weights=values,
        keys=keys if graph.is_multigraph() else None,
        x=x,
        y=y,
        edge_geometry=geometry,
        crs=graph.graph.get("crs"),
    )


def routing_graph_from_gdfs(
    nodes: pd.DataFrame, edges: pd.DataFrame, *, weights: str | Sequence[str]
) -> RoutingGraph:
    """Build a routing graph from node and edge (Geo)DataFrames.

    Parameters
    ----------
    nodes : pandas.DataFrame
        Indexed by node id (unique), as from ``osmnx.graph_to_gdfs``; ``x``
        and ``y`` columns (or point geometries) give route geometry.
    edges : pandas.DataFrame
        Indexed by ``(u, v, key)`` (or ``(u, v)``), or with ``u``, ``v``
        (and ``key``) columns; one row per directed edge; a ``geometry``
        column of LineStrings is used for routes.
    weights : str or sequence of str
        Edge columns to hold; ``inf``/NaN values are impassable edges.

    Returns
    -------
    RoutingGraph

    Raises
    ------
    RoutingError
        Missing weight column, unknown edge ends, duplicate node ids,
        negative or non-numeric weights.

    Examples
    --------
    >>> import pandas as pd
    >>> nodes = pd.DataFrame({"x": [0.0, 100.0], "y": [0.0, 0.0]}, index=[7, 8])
    >>> edges = pd.DataFrame(
    ...     {"travel_time_s": [12.0, float("inf")]},
    ...     index=pd.MultiIndex.from_tuples([(7, 8, 0), (8, 7, 0)], names=["u", "v", "key"]),
    ... )
    >>> g = routing_graph_from_gdfs(nodes, edges, weights="travel_time_s")
    >>> g.n_edges("travel_time_s")  # 8 -> 7 is impassable
    1
    """
    names = _weight_names(weights)
    for what, frame in (("nodes", nodes), ("edges", edges)):
        if not isinstance(frame, pd.DataFrame):
            raise RoutingError(f"{what} must be a (Geo)DataFrame, got {type(frame).__name__}")
    missing = [name for name in names if name not in edges.columns]
    if missing:
        raise RoutingError(
            f"edges have no weight column(s) {missing}; columns are {list(edges.columns)}"
        )
    if isinstance(edges.index, pd.MultiIndex) and edges.index.nlevels in (2, 3):
        u = edges.index.get_level_values(0).to_numpy()
        v = edges.index.get_level_values(1).to_numpy()
        keys = edges.index.get_level_values(2).to_numpy() if edges.index.nlevels == 3 else None
    elif {"u", "v"} <= set(edges.columns):
        u, v = edges["u"].to_numpy(), edges["v"].to_numpy()
        keys = edges["key"].to_numpy() if "key" in edges.columns else None
    else:
        raise RoutingError(
            "edges must be indexed by (u, v, key) as from osmnx.graph_to_gdfs, "
            "or have 'u' and 'v' columns"
        )
    x = y = None
    if {"x", "y"} <= set(nodes.columns):
        x, y = nodes["x"].to_numpy(), nodes["y"].to_numpy()
    elif isinstance(nodes, gpd.GeoDataFrame) and nodes.geometry.name in nodes.columns:
        points = nodes.geometry.to_numpy()
        if len(points) and bool(np.all(shapely.get_type_id(points) == 0)):
            x, y = shapely.get_x(points), shapely.get_y(points)
    geometry = None
    if isinstance(edges, gpd.GeoDataFrame) and edges.geometry.name in edges.columns:
        geometry = edges.geometry.to_numpy()
    crs = getattr(edges, "crs", None) if isinstance(edges, gpd.GeoDataFrame) else None
    if crs is None and isinstance(nodes, gpd.GeoDataFrame):
        crs = nodes.crs
    values = {}
    for name in names:
        try:
            values[name] = edges[name].to_numpy(dtype=np.float64, na_value=np.nan)
        except (TypeError, ValueError) as exc:
            raise RoutingError(f"edge column {name!r} must be numeric: {exc}") from exc
    return routing_graph_from_arrays(
        nodes.index,
        u,
        v,
        weights=values,
        keys=keys,
        x=x,
        y=y,
        edge_geometry=geometry,
        crs=crs,
    )


# -- inputs of queries ------------------------------------------------------------------


def _id_array(ids: Any) -> np.ndarray:
    """Node ids as a 1-D array (tuples stay single ids; strings stay objects)."""
    if isinstance(ids, np.ndarray) and ids.dtype.kind not in "US":
        return ids
    values = ids if isinstance(ids, pd.Index) else pd.Index(list(ids), tupleize_cols=False)
    return values.to_numpy(dtype=object if values.dtype.kind not in "iufb" else None)
