"""Routable network: road classes, speeds, seasons, walking on terrain, connectors.

Turns an OpenStreetMap road graph (as loaded by :mod:`connectivity.sources.osm`)
into node and edge GeoDataFrames in a projected CRS, with travel times a
planner can defend:

* every edge gets a Peruvian road class (``asfaltado``, ``afirmado``,
  ``sin_afirmar`` — carrozable —, ``trocha``, ``camino`` — camino de herradura,
  footpaths —) from its OSM ``surface``, ``tracktype`` and ``highway`` tags;
* vehicle speed from the class, capped by the highway class and reduced by
  ``smoothness`` (tables below; a region config can override them);
* walking time from Tobler's hiking function on the slope read from a DEM,
  direction-dependent (uphill and downhill differ);
* dry- and wet-season times; in the wet season some links become impassable
  (``trocha`` for vehicles, fords for everyone);
* communities, markets and schools join the network by a walking connector to
  the nearest point on the nearest edge, which is split there; a community
  farther than ``max_connector_m`` is still connected, and flagged
  ``far_from_road``;
* disconnected pieces are found and reported, never dropped.

Travel-time columns (seconds): ``travel_time_s`` (dry, fastest mode on the
edge: vehicle where a vehicle can pass, walking elsewhere),
``travel_time_wet_s``, ``walk_time_s``, ``walk_time_wet_s``. Impassable is
``inf``.
"""

from __future__ import annotations

import itertools
import logging
import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import geopandas as gpd
import networkx as nx
import numpy as np
import pandas as pd
import shapely
from scipy.sparse import coo_array
from scipy.sparse.csgraph import connected_components
from shapely.ops import substring

from connectivity.errors import CrsError, DataError, EmptyRegionError

__all__ = [
    "CLASS_SPEED_KPH",
    "HIGHWAY_MAX_KPH",
    "SMOOTHNESS_FACTOR",
    "WALK_WET_FACTOR",
    "WET_FACTOR",
    "RoadNetwork",
    "SpeedTables",
    "add_road_class",
    "add_travel_times",
    "attach_points",
    "build_network",
    "mark_unbridged_crossings",
    "network_components",
    "tobler_speed_kph",
]

log = logging.getLogger(__name__)

#: Vehicle speed (km/h, dry season, smooth) by Peruvian road class.
CLASS_SPEED_KPH: dict[str, float] = {
    "asfaltado": 60.0,
    "afirmado": 40.0,
    "sin_afirmar": 25.0,
    "trocha": 15.0,
}

#: Highest vehicle speed (km/h) by OSM ``highway`` class; classes missing here
#: carry no vehicles (paths, footways, steps, bridleways): they are walked.
HIGHWAY_MAX_KPH: dict[str, float] = {
    "motorway": 90.0,
    "trunk": 80.0,
    "primary": 70.0,
    "secondary": 60.0,
    "tertiary": 50.0,
    "unclassified": 40.0,
    "road": 30.0,
    "residential": 30.0,
    "living_street": 15.0,
    "service": 20.0,
    "track": 25.0,
}

#: OSM ``surface`` values by road class.
SURFACE_CLASS: dict[str, str] = {
    **dict.fromkeys(
        [
            "asphalt",
            "paved",
            "concrete",
            "concrete:plates",
            "concrete:lanes",
            "paving_stones",
            "sett",
            "cobblestone",
            "unhewn_cobblestone",
            "chipseal",
            "metal",
        ],
        "asfaltado",
    ),
    **dict.fromkeys(["gravel", "compacted", "fine_gravel", "pebblestone"], "afirmado"),
    **dict.fromkeys(
        ["unpaved", "dirt", "earth", "ground", "mud", "sand", "grass", "rock", "woodchips"],
        "sin_afirmar",
    ),
}

#: OSM ``tracktype`` by road class (used when ``surface`` is absent).
TRACKTYPE_CLASS: dict[str, str] = {
    "grade1": "asfaltado",
    "grade2": "afirmado",
    "grade3": "sin_afirmar",
    "grade4": "trocha",
    "grade5": "trocha",
}

#: Road class assumed for a vehicle road with neither ``surface`` nor ``tracktype``.
HIGHWAY_DEFAULT_CLASS: dict[str, str] = {
    "motorway": "asfaltado",
    "trunk": "asfaltado",
    "primary": "asfaltado",
    "secondary": "asfaltado",
    "tertiary": "afirmado",
    "residential": "afirmado",
    "living_street": "afirmado",
    "service": "afirmado",
    "road": "sin_afirmar",
    "unclassified": "sin_afirmar",
    "track": "trocha",
}

#: Multiplier of vehicle speed by OSM ``smoothness`` (0 = no vehicle passes).
SMOOTHNESS_FACTOR: dict[str, float] = {
    "excellent": 1.0,
    "good": 1.0,
    "intermediate": 0.85,
    "bad": 0.65,
    "very_bad": 0.45,
    "horrible": 0.3,
    "very_horrible": 0.15,
    "impassable": 0.0,
}

#: Wet-season multiplier of vehicle speed by road class (0 = impassable in the rains).
WET_FACTOR: dict[str, float] = {
    "asfaltado": 0.9,
    "afirmado": 0.75,
    "sin_afirmar": 0.4,
    "trocha": 0.0,
}

#: Wet-season multiplier of walking speed by road class (mud, slippery paths).
WALK_WET_FACTOR: dict[str, float] = {
    "asfaltado": 1.0,
    "afirmado": 0.95,
    "sin_afirmar": 0.85,
    "trocha": 0.85,
    "camino": 0.75,
    "connector": 0.75,
}

#: Tobler's factor for walking off any path (the connectors): 3/5 of on-path speed.
OFF_PATH_FACTOR = 0.6

#: Road classes counted as all-season roads (Rural Access Index).
ALL_SEASON_CLASSES = frozenset({"asfaltado", "afirmado"})

_MS_PER_KPH = 1000.0 / 3600.0


@dataclass(frozen=True)
class SpeedTables:
    """Speed tables of the network model; defaults are the module constants.

    Parameters
    ----------
    class_speed_kph, highway_max_kph, smoothness_factor, wet_factor, walk_wet_factor
        Tables as documented in the module constants of the same names.
    walk_kph : float
        Walking speed on flat ground; Tobler's function is scaled to give it.
    """

    class_speed_kph: Mapping[str, float] = field(default_factory=lambda: dict(CLASS_SPEED_KPH))
    highway_max_kph: Mapping[str, float] = field(default_factory=lambda: dict(HIGHWAY_MAX_KPH))
    smoothness_factor: Mapping[str, float] = field(default_factory=lambda: dict(SMOOTHNESS_FACTOR))
    wet_factor: Mapping[str, float] = field(default_factory=lambda: dict(WET_FACTOR))
    walk_wet_factor: Mapping[str, float] = field(default_factory=lambda: dict(WALK_WET_FACTOR))
    walk_kph: float = 5.0

    @classmethod
    def with_overrides(
        cls,
        *,
        highway_kph: Mapping[str, float] | None = None,
        surface_kph: Mapping[str, float] | None = None,
        wet_factor: Mapping[str, float] | None = None,
        walk_kph: float | None = None,
    ) -> SpeedTables:
        """Return the default tables with a region config's overrides applied.

        Parameters
        ----------
        highway_kph : mapping, optional
            Highest speed by OSM highway class (adds or replaces entries).
        surface_kph : mapping, optional
            Speed by road class (``asfaltado``, ``afirmado``, ...).
        wet_factor : mapping, optional
            Wet-season vehicle speed factor by road class.
        walk_kph : float, optional
            Walking speed on flat ground.

        Raises
        ------
        DataError
            If an override names an unknown road class.
        """
        base = cls()
        for name, table in (("surface_kph", surface_kph), ("wet_factor", wet_factor)):
            unknown = sorted(set(table or {}) - set(CLASS_SPEED_KPH))
            if unknown:
                raise DataError(
                    f"speeds.{name}: unknown road class {unknown}; known: {sorted(CLASS_SPEED_KPH)}"
                )
        return cls(
            class_speed_kph={**base.class_speed_kph, **(surface_kph or {})},
            highway_max_kph={**base.highway_max_kph, **(highway_kph or {})},
            wet_factor={**base.wet_factor, **(wet_factor or {})},
            walk_kph=base.walk_kph if walk_kph is None else walk_kph,
        )


def tobler_speed_kph(slope: np.ndarray | float, *, flat_kph: float = 5.0) -> np.ndarray:
    """Return walking speed from Tobler's hiking function, scaled to ``flat_kph`` when flat.

    ``v = 6 exp(-3.5 |S + 0.05|)`` km/h with ``S = dh/dx`` in the direction of
    travel; the fastest speed is on a gentle descent (S = -0.05).

    Parameters
    ----------
    slope : array-like
        Rise over run in the direction of travel (negative downhill).
    flat_kph : float
        Speed on flat ground after scaling.

    Returns
    -------
    numpy.ndarray

    Examples
    --------
    >>> round(float(tobler_speed_kph(0.0)), 3)
    5.0
    >>> bool(tobler_speed_kph(0.1) < tobler_speed_kph(-0.1))
    True
    """
    s = np.asarray(slope, dtype=float)
    flat = 6.0 * math.exp(-3.5 * 0.05)
    return np.asarray(flat_kph * 6.0 * np.exp(-3.5 * np.abs(s + 0.05)) / flat)


def _scalar(value: Any) -> Any:
    """First element of an osmnx list attribute (after simplification), else the value."""
    if isinstance(value, list):
        return value[0] if value else None
    return value


def _tag(edges: pd.DataFrame, column: str) -> pd.Series:
    if column not in edges.columns:
        return pd.Series(None, index=edges.index, dtype=object)
    return edges[column].map(_scalar)


def add_road_class(edges: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """Add ``road_class`` and ``vehicle`` (can a motor vehicle use it) to edges.

    Parameters
    ----------
    edges : geopandas.GeoDataFrame
        Edges with OSM tags as columns (``highway``; optionally ``surface``,
        ``tracktype``, ``smoothness``, ``access``, ``motor_vehicle``).

    Returns
    -------
    geopandas.GeoDataFrame
        A copy with ``road_class`` (``asfaltado``, ``afirmado``,
        ``sin_afirmar``, ``trocha``, ``camino`` or ``connector``) and
        ``vehicle`` (bool).

    Examples
    --------
    >>> import geopandas as gpd
    >>> e = gpd.GeoDataFrame({"highway": ["track", "path", "primary"],
    ...                       "surface": [None, None, "gravel"]})
    >>> add_road_class(e)["road_class"].tolist()
    ['trocha', 'camino', 'afirmado']
    """
    out = edges.copy()
    highway = _tag(out, "highway").fillna("").astype(str).str.removesuffix("_link")
    surface = _tag(out, "surface").map(lambda s: SURFACE_CLASS.get(str(s)) if s else None)
    tracktype = _tag(out, "tracktype").map(lambda s: TRACKTYPE_CLASS.get(str(s)) if s else None)
    default = highway.map(HIGHWAY_DEFAULT_CLASS)
    road_class = surface.fillna(tracktype).fillna(default)
    # A track tagged only with a dirt surface is still a trocha, not a carrozable road.
    is_track = highway.eq("track") & tracktype.isna() & road_class.eq("sin_afirmar")
    road_class = road_class.mask(is_track, "trocha")
    smooth = _tag(out, "smoothness").map(lambda s: SMOOTHNESS_FACTOR.get(str(s), 1.0))
    access_no = _tag(out, "access").isin(["no", "private"]) | _tag(out, "motor_vehicle").isin(
        ["no", "private"]
    )
    vehicle = highway.isin(list(HIGHWAY_MAX_KPH)) & ~access_no & smooth.gt(0)
    road_class = road_class.where(vehicle, "camino")
    road_class = road_class.mask(highway.eq("connector"), "connector")
    out["road_class"] = road_class.astype(str)
    out["vehicle"] = vehicle.to_numpy(dtype=bool) & ~highway.eq("connector").to_numpy()
    return out


def _sample_dem(dem_path: Path, xs: np.ndarray, ys: np.ndarray, crs: Any) -> np.ndarray:
    """Elevation (m) at points by bilinear interpolation; NaN outside the DEM or on nodata."""
    import rasterio
    from pyproj import Transformer
    from scipy.ndimage import map_coordinates

    with rasterio.open(dem_path) as src:
        if src.crs is None:
            raise CrsError(f"{dem_path}: the DEM has no CRS")
        if src.crs != crs:
            tr = Transformer.from_crs(crs, src.crs, always_xy=True)
            xs, ys = tr.transform(xs, ys)
        band = src.read(1, masked=True).astype(float).filled(np.nan)
        inv = ~src.transform
        xs, ys = np.asarray(xs), np.asarray(ys)
        cols = inv.a * xs + inv.b * ys + inv.c
        rows = inv.d * xs + inv.e * ys + inv.f
    # pixel centres sit at +0.5
    coords = np.vstack([np.asarray(rows) - 0.5, np.asarray(cols) - 0.5])
    values = map_coordinates(band, coords, order=1, mode="nearest", cval=np.nan)
    outside = (
        (coords[0] < -0.5)
        | (coords[1] < -0.5)
        | (coords[0] > band.shape[0] - 0.5)
        | (coords[1] > band.shape[1] - 0.5)
    )
    values[outside] = np.nan
    return np.asarray(values)


def _walk_times_s(
    edges: gpd.GeoDataFrame, *, dem_path: Path | None, flat_kph: float, step_m: float = 30.0
) -> tuple[np.ndarray, np.ndarray]:
    """Return walking time along each edge in its direction (Tobler) and its climb (m)."""
    geoms = edges.geometry.to_numpy()
    if dem_path is None:
        lengths = shapely.length(geoms)
        return lengths / (flat_kph * _MS_PER_KPH), np.zeros(len(edges))
    # zero-length ways exist in OSM (two nodes at one spot); GEOS cannot segmentize them
    dense = geoms.copy()
    has_length = shapely.length(geoms) > 0
    dense[has_length] = shapely.segmentize(geoms[has_length], max_segment_length=step_m)
    coords, index = shapely.get_coordinates(dense, return_index=True)
    z = _sample_dem(dem_path, coords[:, 0], coords[:, 1], edges.crs)
    same = index[1:] == index[:-1]
    dx = np.hypot(np.diff(coords[:, 0]), np.diff(coords[:, 1]))[same]
    dz = np.diff(z)[same]
    dz = np.where(np.isfinite(dz), dz, 0.0)  # off the DEM: treat as flat
    slope = np.divide(dz, dx, out=np.zeros_like(dz), where=dx > 0)
    seg_time = dx / (tobler_speed_kph(slope, flat_kph=flat_kph) * _MS_PER_KPH)
    seg_edge = index[1:][same]
    time_s = np.bincount(seg_edge, weights=seg_time, minlength=len(edges))
    climb = np.bincount(seg_edge, weights=np.clip(dz, 0, None), minlength=len(edges))
    return time_s, climb


def add_travel_times(
    edges: gpd.GeoDataFrame,
    *,
    tables: SpeedTables | None = None,
    dem_path: Path | None = None,
) -> gpd.GeoDataFrame:
    """Add speeds and dry/wet, vehicle/walking travel times to projected edges.

    Parameters
    ----------
    edges : geopandas.GeoDataFrame
        Edges in a projected CRS, with ``road_class`` and ``vehicle`` (see
        :func:`add_road_class`); geometry oriented in the edge's direction.
    tables : SpeedTables, optional
        Speed tables (defaults: the module constants).
    dem_path : Path, optional
        DEM GeoTIFF for Tobler walking times; flat ground when absent.

    Returns
    -------
    geopandas.GeoDataFrame
        A copy with ``length_m``, ``speed_kph`` (vehicle, dry; NaN where no
        vehicle), ``speed_wet_kph``, ``climb_m``, ``walk_time_s``,
        ``walk_time_wet_s``, ``travel_time_s``, ``travel_time_wet_s`` and
        ``all_season`` (bool). Impassable times are ``inf``.
    """
    tables = tables or SpeedTables()
    if edges.crs is None or not edges.crs.is_projected:
        raise CrsError("edges must be in a projected CRS (metres) to compute travel times")
    out = edges.copy()
    length_m = shapely.length(out.geometry.to_numpy())
    out["length_m"] = length_m
    road_class = out["road_class"].astype(str)
    highway = _tag(out, "highway").fillna("").astype(str).str.removesuffix("_link")
    smooth = _tag(out, "smoothness").map(lambda s: SMOOTHNESS_FACTOR.get(str(s), 1.0))
    class_kph = road_class.map(tables.class_speed_kph).astype(float)
    cap_kph = highway.map(tables.highway_max_kph).astype(float)
    speed = np.fmin(class_kph, cap_kph) * smooth.astype(float)
    vehicle = out["vehicle"].to_numpy(dtype=bool)
    speed = speed.where(vehicle)
    wet_speed = speed * road_class.map(tables.wet_factor).fillna(0.0).astype(float)
    ford = _tag(out, "ford").isin(["yes", "stepping_stones"]).to_numpy()
    if "unbridged_crossing" in out.columns:
        ford = ford | out["unbridged_crossing"].fillna(False).to_numpy(dtype=bool)
    walk_s, climb = _walk_times_s(out, dem_path=dem_path, flat_kph=tables.walk_kph)
    connector = road_class.eq("connector").to_numpy()
    walk_s = np.where(connector, walk_s / OFF_PATH_FACTOR, walk_s)
    walk_wet_s = walk_s / road_class.map(tables.walk_wet_factor).fillna(1.0).to_numpy(float)
    walk_wet_s = np.where(ford, np.inf, walk_wet_s)  # rivers in flood: no wading
    with np.errstate(divide="ignore", invalid="ignore"):
        veh_s = np.where(speed.to_numpy() > 0, length_m / (speed.to_numpy() * _MS_PER_KPH), np.inf)
        veh_wet_s = np.where(
            wet_speed.to_numpy() > 0, length_m / (wet_speed.to_numpy() * _MS_PER_KPH), np.inf
        )
    veh_wet_s = np.where(ford, np.inf, veh_wet_s)
    out["speed_kph"] = speed.to_numpy()
    out["speed_wet_kph"] = wet_speed.to_numpy()
    out["climb_m"] = climb
    out["walk_time_s"] = walk_s
    out["walk_time_wet_s"] = walk_wet_s
    # Fastest way over the edge: drive where a vehicle passes, else walk.
    out["travel_time_s"] = np.fmin(np.where(vehicle, veh_s, np.inf), walk_s)
    out["travel_time_wet_s"] = np.fmin(np.where(vehicle, veh_wet_s, np.inf), walk_wet_s)
    out["all_season"] = vehicle & road_class.isin(list(ALL_SEASON_CLASSES)).to_numpy() & ~ford
    return out


#: ``waterway`` values whose unbridged crossings cut a road or path in the wet season.
CUTTING_WATERWAYS: tuple[str, ...] = ("river",)
#: ``bridge`` tag values that mean "no bridge".
_NO_BRIDGE = {"", "no", "none", "nan"}


def mark_unbridged_crossings(
    edges: gpd.GeoDataFrame,
    waterways: gpd.GeoDataFrame | None,
    *,
    cutting: tuple[str, ...] = CUTTING_WATERWAYS,
) -> gpd.GeoDataFrame:
    """Flag edges that cross a river with neither a bridge nor a ford tag.

    OpenStreetMap often draws a path straight over a river without saying how
    it is crossed. Such a crossing is treated like a ford: passable in the dry
    season, cut in the wet season (see :func:`add_travel_times`), and a place
    where a bridge can be built (``connectivity.candidates``).

    Parameters
    ----------
    edges : geopandas.GeoDataFrame
        Projected edges with OSM tags.
    waterways : geopandas.GeoDataFrame or None
        Lines with a ``waterway`` column and optionally ``tunnel`` (a stream in
        a culvert is not crossed), any CRS. ``None`` flags nothing.
    cutting : tuple of str
        ``waterway`` values whose crossings count (default: rivers only;
        streams are stepped over).

    Returns
    -------
    geopandas.GeoDataFrame
        A copy with a boolean column ``unbridged_crossing``.
    """
    out = edges.copy()
    flag = np.zeros(len(out), dtype=bool)
    if waterways is not None and not waterways.empty:
        if waterways.crs is None:
            raise CrsError("waterways layer has no CRS")
        water = waterways.to_crs(out.crs)
        keep = water["waterway"].astype(str).isin(cutting).to_numpy().copy()
        if "tunnel" in water.columns:
            keep &= ~water["tunnel"].astype(str).isin(["yes", "culvert"]).to_numpy()
        water = water[keep]
        if not water.empty:
            bridged = ~_tag(out, "bridge").fillna("").astype(str).str.lower().isin(_NO_BRIDGE)
            forded = _tag(out, "ford").isin(["yes", "stepping_stones"])
            tunnel = _tag(out, "tunnel").fillna("").astype(str).isin(["yes", "culvert"])
            connector = (
                out["road_class"].astype(str).eq("connector")
                if ("road_class" in out.columns)
                else pd.Series(False, index=out.index)
            )
            candidates = ~(bridged | forded | tunnel | connector).to_numpy()
            edge_idx, _ = water.sindex.query(out.geometry.to_numpy(), predicate="intersects")
            hit = np.zeros(len(out), dtype=bool)
            hit[np.unique(edge_idx)] = True
            flag = hit & candidates
    out["unbridged_crossing"] = flag
    if flag.any():
        log.info(
            "%d edges cross a river without bridge or ford tag (cut in the wet season)",
            int(flag.sum()),
        )
    return out


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


@dataclass(frozen=True)
class RoadNetwork:
    """A routable network and the places joined to it.

    Attributes
    ----------
    nodes : geopandas.GeoDataFrame
        Indexed by ``node_id``; columns ``x``, ``y``, ``kind`` (``road``,
        ``split``, ``community``, ``market``, ``school``), ``component``.
    edges : geopandas.GeoDataFrame
        Indexed by ``(u, v, key)``; OSM tags, ``road_class``, ``vehicle``,
        ``length_m``, speeds and travel times (see :func:`add_travel_times`).
    communities, markets, schools : geopandas.GeoDataFrame
        The inputs, projected, with ``node_id``, ``attach_node_id``,
        ``connector_m``, ``far_from_road`` and ``component``.
    pieces : pandas.DataFrame
        Disconnected pieces of the network with their node, edge and
        community counts and population.
    """

    nodes: gpd.GeoDataFrame
    edges: gpd.GeoDataFrame
    communities: gpd.GeoDataFrame
    markets: gpd.GeoDataFrame
    schools: gpd.GeoDataFrame
    pieces: pd.DataFrame

    @property
    def crs(self) -> Any:
        """Projected CRS of every layer of the network."""
        return self.edges.crs


def _gdfs_from_graph(graph: nx.MultiDiGraph) -> tuple[gpd.GeoDataFrame, gpd.GeoDataFrame]:
    import osmnx as ox

    if graph.number_of_edges() == 0:
        raise EmptyRegionError("the road graph has no edges (empty region or no roads in the data)")
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


def build_network(
    graph: nx.MultiDiGraph,
    *,
    communities: gpd.GeoDataFrame,
    markets: gpd.GeoDataFrame,
    schools: gpd.GeoDataFrame,
    dem_path: Path | None = None,
    tables: SpeedTables | None = None,
    max_connector_m: float = 2000.0,
    crs: str = "auto",
    waterways: gpd.GeoDataFrame | None = None,
) -> RoadNetwork:
    """Build the routable network of a region from its road graph and places.

    Parameters
    ----------
    graph : networkx.MultiDiGraph
        Road graph as loaded by osmnx (any CRS; OSM tags as edge attributes).
    communities : geopandas.GeoDataFrame
        Points with ``community_id`` and ``population``.
    markets, schools : geopandas.GeoDataFrame
        Points with ``facility_id``.
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
    """
    for name, layer in (("communities", communities), ("markets", markets), ("schools", schools)):
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
    for kind, layer, id_col in (
        ("community", communities, "community_id"),
        ("market", markets, "facility_id"),
        ("school", schools, "facility_id"),
    ):
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
    for kind in ("market", "school"):
        pieces[f"n_{kind}s"] = (
            layers[kind].groupby("component").size().reindex(pieces.index, fill_value=0)
        )
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
        markets=layers["market"],
        schools=layers["school"],
        pieces=pieces,
    )
