"""Build the routable network of a region; find its disconnected pieces.

:func:`build_network` turns an OpenStreetMap road graph (as loaded by
:mod:`connectivity.sources.osm`: an osmnx graph, or the fast reader's
``RoadFrames``) into node and edge GeoDataFrames in a
projected CRS (a :class:`RoadNetwork`): it joins the places
(:mod:`~connectivity.network.connectors`), classes the roads, cuts unbridged
river crossings (:mod:`~connectivity.network.crossings`) and adds travel times
(:mod:`~connectivity.network.speeds`). Disconnected pieces are found
(:func:`network_components`) and reported, never dropped.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

import geopandas as gpd
import networkx as nx
import numpy as np
import pandas as pd
import shapely
from scipy.sparse import coo_array
from scipy.sparse.csgraph import connected_components

from connectivity.errors import CrsError, EmptyRegionError
from connectivity.network.connectors import attach_points
from connectivity.network.crossings import mark_unbridged_crossings
from connectivity.network.speeds import SpeedTables, _tag, add_road_class, add_travel_times

if TYPE_CHECKING:
    from connectivity.sources.osm.fast_roads import RoadFrames

__all__ = [
    "RAIN_FALLBACK",
    "RoadNetwork",
    "build_network",
    "facility_layer_name",
    "network_components",
    "with_rain_weights",
]

log = logging.getLogger(__name__)

FrameT = TypeVar("FrameT", bound=pd.DataFrame)


def network_components(
    nodes: gpd.GeoDataFrame, edges: gpd.GeoDataFrame
) -> tuple[pd.Series, pd.DataFrame]:
    """Find the disconnected pieces of a network (weakly connected components).

    Parameters
    ----------
    nodes, edges : geopandas.GeoDataFrame
        Network nodes (indexed by node id) and edges (indexed by (u, v, key)).

    Returns
    -------
    component : pandas.Series
        Piece number per node, aligned to ``nodes``; 0 is the largest piece,
        then by decreasing size (ties by smallest node id).
    pieces : pandas.DataFrame
        One row per piece: ``n_nodes``, ``n_edges``, ``length_km``.
    """
    ids = nodes.index.to_numpy()
    pos = pd.Index(ids)
    u = pos.get_indexer(edges.index.get_level_values(0))
    v = pos.get_indexer(edges.index.get_level_values(1))
    n = len(ids)
    graph = coo_array((np.ones(len(u)), (u, v)), shape=(n, n)).tocsr()
    _, labels = connected_components(graph, directed=True, connection="weak")
    sizes = np.bincount(labels)
    first = np.full(len(sizes), np.iinfo(np.int64).max)
    np.minimum.at(first, labels, np.arange(n))
    rank = np.lexsort((first, -sizes))
    relabel = np.empty_like(rank)
    relabel[rank] = np.arange(len(rank))
    comp = relabel[labels]
    edge_comp = comp[u]
    length = edges["length_m"].to_numpy() if "length_m" in edges else shapely.length(edges.geometry)
    pieces = pd.DataFrame(
        {
            "n_nodes": np.bincount(comp, minlength=len(rank)),
            "n_edges": np.bincount(edge_comp, minlength=len(rank)),
            "length_km": np.bincount(edge_comp, weights=length, minlength=len(rank)) / 1000.0,
        }
    )
    pieces.index.name = "component"
    return pd.Series(comp, index=nodes.index, name="component"), pieces


_LAYER_NAMES = {"market": "markets", "school": "schools", "health": "health_facilities"}


def facility_layer_name(kind: str) -> str:
    """Return the plural name of a destination kind's facilities (GeoPackage layer, piece counts).

    Examples
    --------
    >>> [facility_layer_name(k) for k in ("market", "school", "health", "bank")]
    ['markets', 'schools', 'health_facilities', 'bank_facilities']
    """
    return _LAYER_NAMES.get(kind, f"{kind}_facilities")


def _add_piece_facts(
    communities: gpd.GeoDataFrame, pieces: pd.DataFrame, kinds: tuple[str, ...]
) -> gpd.GeoDataFrame:
    """Say which communities sit on the main piece, and which a small piece cuts off.

    ``main_piece``: the community's piece is piece 0, the largest.
    ``{kind}_cut_off_piece``: it is not, and its piece holds no facility of
    that kind: no route to any, in any season, because the piece meets the
    rest of the network nowhere (often a road missing from OpenStreetMap).
    """
    piece = communities["component"].to_numpy()
    out = communities.assign(main_piece=piece == 0)
    for kind in kinds:
        count = pieces[f"n_{facility_layer_name(kind)}"]
        none_here = count.reindex(piece, fill_value=0).to_numpy() == 0
        out[f"{kind}_cut_off_piece"] = (piece != 0) & none_here
    return out


@dataclass(frozen=True)
class RoadNetwork:
    """A routable network and the places joined to it.

    Attributes
    ----------
    nodes : geopandas.GeoDataFrame
        Indexed by ``node_id``; columns ``x``, ``y``, ``kind`` (``road``,
        ``split``, ``community`` or a destination kind: ``market``,
        ``school``, ...), ``component``.
    edges : geopandas.GeoDataFrame
        Indexed by ``(u, v, key)``; OSM tags, ``road_class``, ``vehicle``,
        ``length_m``, speeds and travel times (see :func:`add_travel_times`).
    communities : geopandas.GeoDataFrame
        The communities, projected, with ``node_id``, ``attach_node_id``,
        ``connector_m``, ``far_from_road``, ``component`` (the piece, a row
        of ``pieces``), ``main_piece`` (on piece 0, the largest) and
        ``{kind}_cut_off_piece`` per destination kind (off the main piece, on
        a piece with no facility of that kind: no route to one in any season).
    facilities : dict of str to geopandas.GeoDataFrame
        The destinations by kind (``market``, ``school``, then ``health`` and
        any kind of the region, in that order; see :attr:`kinds`), projected,
        with ``facility_id``, ``node_id``, ``attach_node_id``,
        ``connector_m``, ``far_from_road`` and ``component``.
    pieces : pandas.DataFrame
        Disconnected pieces of the network with their node, edge and
        community counts, population and ``n_{layer}`` facility counts
        (``n_markets``, ``n_schools``, ``n_health_facilities``, ...).
    """

    nodes: gpd.GeoDataFrame
    edges: gpd.GeoDataFrame
    communities: gpd.GeoDataFrame
    facilities: Mapping[str, gpd.GeoDataFrame]
    pieces: pd.DataFrame

    @property
    def kinds(self) -> tuple[str, ...]:
        """The destination kinds of the network, in order (``market``, ``school``, ...)."""
        return tuple(self.facilities)

    @property
    def markets(self) -> gpd.GeoDataFrame:
        """The markets (``facilities["market"]``)."""
        return self.facilities["market"]

    @property
    def schools(self) -> gpd.GeoDataFrame:
        """The schools (``facilities["school"]``)."""
        return self.facilities["school"]

    def __post_init__(self) -> None:
        # edges built by hand or by an older version have no rain-state weights: the
        # rains then count as a flood (fords shut), the more cautious of the two
        if "travel_time_wet_s" in self.edges.columns:
            object.__setattr__(self, "edges", with_rain_weights(self.edges, what="network edges"))

    @property
    def crs(self) -> Any:
        """Projected CRS of every layer of the network."""
        return self.edges.crs


#: Rain-state weights and the wet ones they fall back to when missing.
RAIN_FALLBACK: dict[str, str] = {
    "travel_time_rain_s": "travel_time_wet_s",
    "walk_time_rain_s": "walk_time_wet_s",
}


def with_rain_weights(frame: FrameT, *, what: str) -> FrameT:
    """Add missing rain-state weights (``travel_time_rain_s``, ...) as copies of the wet ones.

    Parameters
    ----------
    frame : pandas.DataFrame
        Edges or edge changes with ``travel_time_wet_s`` / ``walk_time_wet_s``.
    what : str
        What the frame is, for the warning.

    Returns
    -------
    pandas.DataFrame
        ``frame`` itself when nothing is missing, else a copy with the columns
        added (rains counted as a flood: fords shut), and a warning logged.
    """
    missing = [c for c, wet in RAIN_FALLBACK.items() if c not in frame.columns and wet in frame]
    if not missing:
        return frame
    log.warning(
        "%s have no rain-state weights (%s): the rains count as a flood, fords shut",
        what,
        ", ".join(missing),
    )
    out = frame.copy()
    for column in missing:
        out[column] = out[RAIN_FALLBACK[column]]
    return out


def _gdfs_from_graph(
    graph: nx.MultiDiGraph | RoadFrames,
) -> tuple[gpd.GeoDataFrame, gpd.GeoDataFrame]:
    from connectivity.sources.osm.fast_roads import RoadFrames

    if isinstance(graph, RoadFrames):  # the fast reader's frames: already osmnx-shaped
        if graph.edges.empty:
            raise EmptyRegionError(f"{graph.source}: the road network has no edges")
        nodes, edges = graph.nodes, graph.edges.copy(deep=False)
    else:
        import osmnx as ox

        if graph.number_of_edges() == 0:
            raise EmptyRegionError(
                "the road graph has no edges (empty region or no roads in the data)"
            )
        nodes, edges = ox.graph_to_gdfs(graph, nodes=True, edges=True, fill_edge_geometry=True)
    highway = _tag(edges, "highway")
    not_road = highway.isna()
    if not_road.any():
        # osmnx's XML reader keeps every way; buildings, land use and rivers are not roads
        log.info("ignored %d edges without a highway tag (not roads)", int(not_road.sum()))
        edges = edges[~not_road]
        used = np.union1d(
            edges.index.get_level_values(0).to_numpy(), edges.index.get_level_values(1).to_numpy()
        )
        nodes = nodes.loc[nodes.index.isin(used)]
        if edges.empty:
            raise EmptyRegionError("the road graph has no ways tagged highway=*")
    nodes = nodes[["x", "y", "geometry"]].copy()
    nodes.index = nodes.index.astype(np.int64)
    nodes.index.name = "node_id"
    edges.index = edges.index.set_names(["u", "v", "key"])
    return nodes, edges


def _orient_geometries(nodes: gpd.GeoDataFrame, edges: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """Make each edge's geometry start at its ``u`` node (osmnx may store it reversed)."""
    u = edges.index.get_level_values(0)
    ux = nodes.loc[u, "x"].to_numpy()
    uy = nodes.loc[u, "y"].to_numpy()
    geoms = edges.geometry.to_numpy()
    first = shapely.get_point(geoms, 0)
    last = shapely.get_point(geoms, -1)
    d_first = np.hypot(shapely.get_x(first) - ux, shapely.get_y(first) - uy)
    d_last = np.hypot(shapely.get_x(last) - ux, shapely.get_y(last) - uy)
    flip = d_last < d_first
    if flip.any():
        geoms = geoms.copy()
        geoms[flip] = shapely.reverse(geoms[flip])
        edges = edges.copy()
        edges["geometry"] = geoms
    return edges


def build_network(
    graph: nx.MultiDiGraph | RoadFrames,
    *,
    communities: gpd.GeoDataFrame,
    markets: gpd.GeoDataFrame | None = None,
    schools: gpd.GeoDataFrame | None = None,
    facilities: Mapping[str, gpd.GeoDataFrame] | None = None,
    dem_path: Path | None = None,
    tables: SpeedTables | None = None,
    max_connector_m: float = 2000.0,
    crs: str = "auto",
    waterways: gpd.GeoDataFrame | None = None,
) -> RoadNetwork:
    """Build the routable network of a region from its road graph and places.

    Parameters
    ----------
    graph : networkx.MultiDiGraph or RoadFrames
        Road graph as loaded by osmnx (any CRS; OSM tags as edge attributes),
        or the same network as frames from
        :func:`connectivity.sources.osm.read_roads` (the fast reader).
    communities : geopandas.GeoDataFrame
        Points with ``community_id`` and ``population``.
    markets, schools : geopandas.GeoDataFrame, optional
        Points with ``facility_id``: shorthand for ``facilities={"market":
        markets, "school": schools}``.
    facilities : mapping of str to geopandas.GeoDataFrame, optional
        The destinations by kind, each points with ``facility_id``, in the
        order the kinds should be reported (markets and schools first); given
        with ``markets`` / ``schools``, those come first.
    dem_path : Path, optional
        DEM for walking times on slopes.
    tables : SpeedTables, optional
        Speed tables (region overrides applied).
    max_connector_m : float
        Distance beyond which a place is flagged ``far_from_road``.
    crs : str
        ``"auto"`` for the UTM zone of the data, or any CRS pyproj accepts.
    waterways : geopandas.GeoDataFrame, optional
        Rivers (see :func:`mark_unbridged_crossings`); their unbridged
        crossings are cut in the wet season.

    Returns
    -------
    RoadNetwork

    Raises
    ------
    EmptyRegionError
        No roads, or no communities.
    CrsError
        A layer without CRS.
    ValueError
        No destinations, or a kind given twice.
    """
    kinds_layers: dict[str, gpd.GeoDataFrame] = {}
    for kind, layer in (("market", markets), ("school", schools)):
        if layer is not None:
            kinds_layers[kind] = layer
    for kind, layer in (facilities or {}).items():
        if kind in kinds_layers or kind == "community":
            raise ValueError(f"destination kind {kind!r} given twice (or reserved)")
        kinds_layers[kind] = layer
    if not kinds_layers:
        raise ValueError("build_network needs destinations: markets, schools or facilities")
    named = [("communities", communities)]
    named += [(facility_layer_name(k), layer) for k, layer in kinds_layers.items()]
    for name, layer in named:
        if layer.crs is None:
            raise CrsError(f"{name} layer has no CRS")
    if communities.empty:
        raise EmptyRegionError("no communities to connect (empty population layer)")
    nodes, edges = _gdfs_from_graph(graph)
    target = edges.estimate_utm_crs() if crs == "auto" else crs
    nodes = nodes.to_crs(target)
    nodes["x"], nodes["y"] = nodes.geometry.x, nodes.geometry.y
    nodes["kind"] = "road"
    edges = _orient_geometries(nodes, edges.to_crs(target))
    log.info("road network: %d nodes, %d edges, CRS %s", len(nodes), len(edges), nodes.crs)

    layers: dict[str, gpd.GeoDataFrame] = {}
    to_attach = [("community", communities, "community_id")]
    to_attach += [(kind, layer, "facility_id") for kind, layer in kinds_layers.items()]
    for kind, layer, id_col in to_attach:
        projected = layer.to_crs(target)
        nodes, edges, att = attach_points(
            nodes, edges, projected, id_column=id_col, kind=kind, max_connector_m=max_connector_m
        )
        layers[kind] = projected.join(att)

    edges = add_road_class(edges)
    edges = mark_unbridged_crossings(edges, waterways)
    edges = add_travel_times(edges, tables=tables, dem_path=dem_path)
    component, pieces = network_components(nodes, edges)
    nodes["component"] = component
    for kind, layer in layers.items():
        layers[kind] = layer.assign(component=component.loc[layer["node_id"]].to_numpy())
    comm = layers["community"]
    pieces["n_communities"] = comm.groupby("component").size().reindex(pieces.index, fill_value=0)
    pieces["population"] = (
        comm.groupby("component")["population"].sum().reindex(pieces.index, fill_value=0.0)
    )
    for kind in kinds_layers:
        pieces[f"n_{facility_layer_name(kind)}"] = (
            layers[kind].groupby("component").size().reindex(pieces.index, fill_value=0)
        )
    layers["community"] = _add_piece_facts(comm, pieces, tuple(kinds_layers))
    off_main = pieces.iloc[1:]
    log.info(
        "network has %d piece(s); %d communities (%.0f people) sit outside the main piece",
        len(pieces),
        int(off_main["n_communities"].sum()),
        float(off_main["population"].sum()),
    )
    return RoadNetwork(
        nodes=nodes,
        edges=edges,
        communities=layers["community"],
        facilities={kind: layers[kind] for kind in kinds_layers},
        pieces=pieces,
    )
