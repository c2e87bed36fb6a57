"""Road classes, speed tables and travel times (vehicle, Tobler walking, seasons).

* every edge gets a Peruvian road class (``asfaltado``, ``afirmado``,
  ``sin_afirmar`` — carrozable —, ``trocha``, ``camino`` — camino de herradura,
  footpaths —) from its OSM ``surface``, ``tracktype`` and ``highway`` tags
  (:func:`add_road_class`);
* vehicle speed from the class, capped by the highway class and reduced by
  ``smoothness`` (tables below; a region config can override them through
  :class:`SpeedTables`);
* walking time from Tobler's hiking function (:func:`tobler_speed_kph`) on the
  slope read from a DEM, direction-dependent (uphill and downhill differ);
* dry- and wet-season times; in the wet season some links become impassable
  (``trocha`` for vehicles, fords for everyone) (:func:`add_travel_times`).

Travel-time columns (seconds): ``travel_time_s`` (dry, fastest mode on the
edge: vehicle where a vehicle can pass, walking elsewhere),
``travel_time_wet_s``, ``walk_time_s``, ``walk_time_wet_s``. Impassable is
``inf``.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from connectivity.errors import CrsError, DataError
from connectivity.sources.elevation import _dem_band, open_dem

__all__ = [
    "ALL_SEASON_CLASSES",
    "CLASS_SPEED_KPH",
    "HIGHWAY_DEFAULT_CLASS",
    "HIGHWAY_MAX_KPH",
    "OFF_PATH_FACTOR",
    "RAIN_SHUTS_WIDTH_M",
    "SMOOTHNESS_FACTOR",
    "SURFACE_CLASS",
    "TRACKTYPE_CLASS",
    "WALK_WET_FACTOR",
    "WET_FACTOR",
    "SpeedTables",
    "add_road_class",
    "add_travel_times",
    "tobler_speed_kph",
]

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

#: Fords and unbridged crossings of a river at least this wide (m) are shut through the rains,
#: not only in floods: a wide Andean river runs high for the whole rainy season, a stream only
#: after storms. An assumption (the days of each state are a region's, ``[ranking]``); a river
#: of unknown width counts as narrow. ``[speeds] rain_shuts_width_m`` of a region changes it.
RAIN_SHUTS_WIDTH_M = 20.0

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
    rain_shuts_width_m : float
        Fords and unbridged crossings of a river at least this wide (m, the
        ``river_width_m`` of :func:`connectivity.network.mark_unbridged_crossings`)
        are shut through the rains too, not only when rivers are in flood
        (default :data:`RAIN_SHUTS_WIDTH_M`; ``inf`` turns it off).
    """

    class_speed_kph: Mapping[str, float] = field(default_factory=lambda: dict(CLASS_SPEED_KPH))
    highway_max_kph: Mapping[str, float] = field(default_factory=lambda: dict(HIGHWAY_MAX_KPH))
    smoothness_factor: Mapping[str, float] = field(default_factory=lambda: dict(SMOOTHNESS_FACTOR))
    wet_factor: Mapping[str, float] = field(default_factory=lambda: dict(WET_FACTOR))
    walk_wet_factor: Mapping[str, float] = field(default_factory=lambda: dict(WALK_WET_FACTOR))
    walk_kph: float = 5.0
    rain_shuts_width_m: float = RAIN_SHUTS_WIDTH_M

    @classmethod
    def with_overrides(
        cls,
        *,
        highway_kph: Mapping[str, float] | None = None,
        surface_kph: Mapping[str, float] | None = None,
        wet_factor: Mapping[str, float] | None = None,
        walk_kph: float | None = None,
        rain_shuts_width_m: float | None = None,
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
        rain_shuts_width_m : float, optional
            Width from which a river's fords are shut through the rains.

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
            rain_shuts_width_m=(
                base.rain_shuts_width_m if rain_shuts_width_m is None else rain_shuts_width_m
            ),
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


def _map_each(values: pd.Series, func: Callable[[Any], Any]) -> pd.Series:
    """Return ``values.map(func)``, calling ``func`` once per distinct value of a text column.

    A column of text (with missing values) holds few distinct values: ``func``
    is mapped over one row of each (each text; each type of missing value:
    ``None``, ``NaN`` …) by pandas itself, and the results are spread back to
    every row, so the values and the dtype are those of mapping every row.
    Other columns (lists of merged ways, numbers) are mapped row by row.
    """
    if len(values) < 64 or pd.api.types.infer_dtype(values, skipna=True) not in (
        "string",
        "empty",
    ):
        return values.map(func)
    codes, uniques = pd.factorize(values, use_na_sentinel=True)
    codes = np.asarray(codes, dtype=np.int64)
    order = np.argsort(codes, kind="stable")
    starts = np.searchsorted(codes[order], np.arange(-1, len(uniques)))
    reps = order[starts[1:]]  # first row of each text
    missing = np.flatnonzero(codes < 0)
    if len(missing):  # missing values: one row of each type of them
        kinds = np.frompyfunc(type, 1, 1)(values.to_numpy(dtype=object)[missing])
        kind_code, kind_uniques = pd.factorize(np.asarray(kinds, dtype=object))
        kind_rep = np.zeros(len(kind_uniques), dtype=np.int64)
        kind_rep[kind_code[::-1]] = missing[::-1]  # the first row of each type
        codes[missing] = len(uniques) + kind_code
        reps = np.r_[reps, kind_rep]
    mapped = values.iloc[reps].map(func)
    return mapped.iloc[codes].set_axis(values.index)


def _tag(edges: pd.DataFrame, column: str) -> pd.Series:
    """Return an OSM tag column with list values (merged ways) reduced to their first value."""
    if column not in edges.columns:
        return pd.Series(None, index=edges.index, dtype=object)
    values = edges[column]
    if isinstance(values.dtype, pd.StringDtype):
        return values.copy()  # a string column holds no lists: nothing to reduce
    return _map_each(values, _scalar)


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
    highway = _map_each(
        _tag(out, "highway").fillna("").astype(str), lambda h: h.removesuffix("_link")
    )
    surface = _map_each(_tag(out, "surface"), lambda s: SURFACE_CLASS.get(str(s)) if s else None)
    tracktype = _map_each(
        _tag(out, "tracktype"), lambda s: TRACKTYPE_CLASS.get(str(s)) if s else None
    )
    default = highway.map(HIGHWAY_DEFAULT_CLASS)
    road_class = surface.fillna(tracktype).fillna(default)
    # A track tagged only with a dirt surface is still a trocha, not a carrozable road.
    is_track = highway.eq("track") & tracktype.isna() & road_class.eq("sin_afirmar")
    road_class = road_class.mask(is_track, "trocha")
    smooth = _map_each(_tag(out, "smoothness"), lambda s: SMOOTHNESS_FACTOR.get(str(s), 1.0))
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
    from pyproj import Transformer
    from scipy.ndimage import map_coordinates

    with open_dem(dem_path, what="DEM for walking speeds on slopes") as src:
        if src.crs != crs:
            tr = Transformer.from_crs(crs, src.crs, always_xy=True)
            xs, ys = tr.transform(xs, ys)
        band = _dem_band(src)
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
    """Add speeds and dry / rain / wet, vehicle / walking travel times to projected edges.

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
        ``walk_time_wet_s``, ``travel_time_s``, ``travel_time_wet_s``,
        ``walk_time_rain_s``, ``travel_time_rain_s`` and ``all_season``
        (bool). Impassable times are ``inf``. Three networks: dry; ``rain``
        (wet-season speeds, fords and unbridged crossings passable: rivers not
        in flood; but those of a river at least ``tables.rain_shuts_width_m``
        wide, by the edges' ``river_width_m``, are shut: large rivers close
        for the rains and floods, small ones for floods only); ``wet``
        (wet-season speeds, rivers in flood: fords and unbridged crossings
        impassable).
    """
    tables = tables or SpeedTables()
    if edges.crs is None or not edges.crs.is_projected:
        raise CrsError("edges must be in a projected CRS (metres) to compute travel times")
    out = edges.copy()
    length_m = shapely.length(out.geometry.to_numpy())
    out["length_m"] = length_m
    road_class = out["road_class"].astype(str)
    highway = _map_each(
        _tag(out, "highway").fillna("").astype(str), lambda h: h.removesuffix("_link")
    )
    smooth = _map_each(_tag(out, "smoothness"), lambda s: SMOOTHNESS_FACTOR.get(str(s), 1.0))
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
    # rains, rivers not in flood: fords can be waded, but not those of large rivers
    width = (
        pd.to_numeric(out["river_width_m"], errors="coerce").to_numpy(dtype=float)
        if "river_width_m" in out.columns
        else np.full(len(out), np.nan)
    )
    with np.errstate(invalid="ignore"):
        rain_shut = ford & (width >= tables.rain_shuts_width_m)
    walk_rain_s = np.where(rain_shut, np.inf, walk_wet_s)
    walk_wet_s = np.where(ford, np.inf, walk_wet_s)  # rivers in flood: no wading
    with np.errstate(divide="ignore", invalid="ignore"):
        veh_s = np.where(speed.to_numpy() > 0, length_m / (speed.to_numpy() * _MS_PER_KPH), np.inf)
        veh_wet_s = np.where(
            wet_speed.to_numpy() > 0, length_m / (wet_speed.to_numpy() * _MS_PER_KPH), np.inf
        )
    veh_rain_s = np.where(rain_shut, np.inf, veh_wet_s)
    veh_wet_s = np.where(ford, np.inf, veh_wet_s)
    out["speed_kph"] = speed.to_numpy()
    out["speed_wet_kph"] = wet_speed.to_numpy()
    out["climb_m"] = climb
    out["walk_time_s"] = walk_s
    out["walk_time_wet_s"] = walk_wet_s
    # Fastest way over the edge: drive where a vehicle passes, else walk.
    out["travel_time_s"] = np.fmin(np.where(vehicle, veh_s, np.inf), walk_s)
    out["travel_time_wet_s"] = np.fmin(np.where(vehicle, veh_wet_s, np.inf), walk_wet_s)
    out["walk_time_rain_s"] = walk_rain_s
    out["travel_time_rain_s"] = np.fmin(np.where(vehicle, veh_rain_s, np.inf), walk_rain_s)
    out["all_season"] = vehicle & road_class.isin(list(ALL_SEASON_CLASSES)).to_numpy() & ~ford
    return out


# -- the same model on arrays, for works that change the tags of a few edges many times ----------


def _text_codes(values: Any, n: int) -> tuple[np.ndarray, list[str]] | None:
    """Return codes of a tag column's values into its distinct texts (``-1`` where missing).

    Lists (merged ways) count as their first value, as in :func:`_tag`.
    ``values`` is a Series, a sequence of ``n`` values or ``None`` (no such
    column: every value missing). ``None`` is returned when some value is
    neither text nor missing (``None``, ``NaN``): the array model does not
    vouch for such columns and :func:`_array_rows` gives up on them.
    """
    if values is None:
        return np.full(n, -1, dtype=np.intp), []
    if isinstance(values, pd.Series):
        dtype = values.dtype
        if not (
            isinstance(dtype, pd.StringDtype)
            or (isinstance(dtype, np.dtype) and dtype.kind in "Of")
        ):
            return None  # categories, numbers …: left to the frame model
        arr = values.to_numpy(dtype=object)
    elif isinstance(values, np.ndarray) and values.dtype == object and values.ndim == 1:
        arr = values
    else:
        arr = np.fromiter(values, dtype=object, count=n)
    try:
        codes, uniques = pd.factorize(arr)
    except TypeError:  # lists of merged ways: their first value
        arr = np.fromiter((_scalar(v) for v in arr), dtype=object, count=n)
        try:
            codes, uniques = pd.factorize(arr)
        except TypeError:
            return None
    texts = list(uniques.tolist())
    if not all(isinstance(t, str) for t in texts):
        return None
    missing = codes < 0
    if missing.any() and not {type(v) for v in arr[missing].tolist()} <= {type(None), float}:
        return None
    return np.asarray(codes, dtype=np.intp), texts


def _as_series(values: Any) -> pd.Series:
    """Return a column as the frame model sees it: a Series, or the values in an object Series."""
    return values if isinstance(values, pd.Series) else pd.Series(list(values), dtype=object)


def _spread(codes: np.ndarray, per_text: list[Any], missing: Any, dtype: Any) -> np.ndarray:
    """Return values per row: ``per_text[code]``, ``missing`` where the code is ``-1``."""
    values: np.ndarray = np.asarray([*per_text, missing], dtype=dtype)
    return np.asarray(values[codes])


@dataclass(frozen=True)
class _ArrayRows:
    """What the speed model reads of some edges, as arrays (see :func:`_array_rows`).

    ``highway`` texts are those of :func:`add_road_class` (``""`` when missing,
    ``_link`` removed), by code into ``highway_texts``; ``road_class`` likewise.
    """

    length_m: np.ndarray
    highway: np.ndarray
    highway_texts: list[str]
    smooth: np.ndarray
    ford: np.ndarray
    width: np.ndarray
    road_class: np.ndarray
    class_texts: list[str]
    vehicle: np.ndarray

    def road_class_names(self) -> np.ndarray:
        """Return the road class of each row (object array of text)."""
        names: np.ndarray = np.asarray(self.class_texts, dtype=object)
        return np.asarray(names[self.road_class])


_NO_ACCESS = ("no", "private")
_FORD = ("yes", "stepping_stones")


def _array_rows(
    columns: Mapping[str, Any], geometry: np.ndarray, *, classify: bool
) -> _ArrayRows | None:
    """Return the speed model's inputs of edges as arrays; ``None`` where not vouched for.

    Parameters
    ----------
    columns : mapping
        Column name → Series or sequence of one value per edge (columns not
        given are absent, as in a frame without them).
    geometry : numpy.ndarray
        The edges' lines (projected).
    classify : bool
        Classify the edges from their tags as :func:`add_road_class` does;
        otherwise take their ``road_class`` and ``vehicle`` columns.

    Returns
    -------
    _ArrayRows or None
        ``None`` where a tag column holds values other than text or missing
        ones (the caller then runs the frame model).
    """
    n = len(geometry)
    tags = {}
    for col in (
        "highway",
        "smoothness",
        "ford",
        *(("surface", "tracktype", "access", "motor_vehicle") if classify else ()),
    ):
        found = _text_codes(columns.get(col), n)
        if found is None:
            return None
        tags[col] = found
    hw_codes, hw_raw = tags["highway"]
    hw_texts = [h.removesuffix("_link") for h in hw_raw]
    # the same text with and without ``_link``: one code per text after removing it
    hw_unique = list(dict.fromkeys([*hw_texts, ""]))
    at = {h: i for i, h in enumerate(hw_unique)}
    highway = _spread(hw_codes, [at[h] for h in hw_texts], at[""], np.intp)
    sm_codes, sm_texts = tags["smoothness"]
    smooth = _spread(sm_codes, [SMOOTHNESS_FACTOR.get(s, 1.0) for s in sm_texts], 1.0, float)
    fd_codes, fd_texts = tags["ford"]
    ford = _spread(fd_codes, [s in _FORD for s in fd_texts], False, bool)
    if "unbridged_crossing" in columns:  # the frame model's own expression
        crossing = _as_series(columns["unbridged_crossing"])
        ford = ford | crossing.fillna(False).to_numpy(dtype=bool)
    width = (
        pd.to_numeric(_as_series(columns["river_width_m"]), errors="coerce").to_numpy(dtype=float)
        if "river_width_m" in columns
        else np.full(n, np.nan)
    )
    if classify:
        road_class, class_texts, vehicle = _classify_arrays(tags, highway, hw_unique, smooth)
    else:
        rc = _text_codes(columns.get("road_class"), n)
        if rc is None or (rc[0] < 0).any() or "vehicle" not in columns:
            return None
        road_class, class_texts = rc
        vehicle = _as_series(columns["vehicle"]).to_numpy(dtype=bool)
    return _ArrayRows(
        length_m=shapely.length(geometry),
        highway=highway,
        highway_texts=hw_unique,
        smooth=smooth,
        ford=ford,
        width=width,
        road_class=road_class,
        class_texts=class_texts,
        vehicle=vehicle,
    )


def _classify_arrays(
    tags: Mapping[str, tuple[np.ndarray, list[str]]],
    highway: np.ndarray,
    hw_texts: list[str],
    smooth: np.ndarray,
) -> tuple[np.ndarray, list[str], np.ndarray]:
    """Road class codes, their texts and ``vehicle``, as :func:`add_road_class` gives them."""
    names = list(
        dict.fromkeys(
            [
                *SURFACE_CLASS.values(),
                *TRACKTYPE_CLASS.values(),
                *HIGHWAY_DEFAULT_CLASS.values(),
                "sin_afirmar",
                "trocha",
                "camino",
                "connector",
            ]
        )
    )
    code = {c: i for i, c in enumerate(names)}

    def classes(col: str, table: Mapping[str, str]) -> np.ndarray:
        codes, texts = tags[col]
        per = [code[table[s]] if s and s in table else -1 for s in texts]
        return _spread(codes, per, -1, np.intp)

    surface = classes("surface", SURFACE_CLASS)
    tracktype = classes("tracktype", TRACKTYPE_CLASS)
    hw = np.asarray(hw_texts, dtype=object)
    default = np.asarray([code.get(HIGHWAY_DEFAULT_CLASS.get(h, ""), -1) for h in hw_texts])
    road_class = np.where(
        surface >= 0, surface, np.where(tracktype >= 0, tracktype, default[highway])
    )
    is_track = (hw == "track")[highway] & (tracktype < 0) & (road_class == code["sin_afirmar"])
    road_class = np.where(is_track, code["trocha"], road_class)
    access_no = np.zeros(len(highway), dtype=bool)
    for col in ("access", "motor_vehicle"):
        codes, texts = tags[col]
        access_no |= _spread(codes, [s in _NO_ACCESS for s in texts], False, bool)
    motor = np.asarray([h in HIGHWAY_MAX_KPH for h in hw_texts], dtype=bool)[highway]
    vehicle = motor & ~access_no & (smooth > 0)
    road_class = np.where(vehicle, road_class, code["camino"])
    connector = (hw == "connector")[highway]
    road_class = np.where(connector, code["connector"], road_class)
    return np.asarray(road_class, dtype=np.intp), names, vehicle & ~connector


def _array_times(
    rows: _ArrayRows, tables: SpeedTables, *, walk_kph: float
) -> dict[str, np.ndarray]:
    """Travel times of :func:`add_travel_times` without a DEM (flat walking), on arrays.

    Returns ``walk_time_s``, ``walk_time_wet_s``, ``walk_time_rain_s``,
    ``travel_time_s``, ``travel_time_wet_s`` and ``travel_time_rain_s``; the
    tables' ``walk_kph`` is replaced by ``walk_kph``.
    """
    nan = math.nan
    cls = rows.class_texts

    def by_class(table: Mapping[str, float], missing: float) -> np.ndarray:
        per: np.ndarray = np.asarray([float(table[c]) if c in table else missing for c in cls])
        return np.asarray(per[rows.road_class])

    cap = [
        float(tables.highway_max_kph[h]) if h in tables.highway_max_kph else nan
        for h in rows.highway_texts
    ]
    speed = np.fmin(by_class(tables.class_speed_kph, nan), np.asarray(cap)[rows.highway])
    speed = speed * rows.smooth
    vehicle = rows.vehicle
    speed = np.where(vehicle, speed, nan)
    wet_speed = speed * by_class(tables.wet_factor, 0.0)
    length_m, ford = rows.length_m, rows.ford
    walk_s = length_m / (walk_kph * _MS_PER_KPH)
    connector = np.asarray([c == "connector" for c in cls], dtype=bool)[rows.road_class]
    walk_s = np.where(connector, walk_s / OFF_PATH_FACTOR, walk_s)
    walk_wet_s = walk_s / by_class(tables.walk_wet_factor, 1.0)
    with np.errstate(invalid="ignore"):
        rain_shut = ford & (rows.width >= tables.rain_shuts_width_m)
    walk_rain_s = np.where(rain_shut, np.inf, walk_wet_s)
    walk_wet_s = np.where(ford, np.inf, walk_wet_s)
    with np.errstate(divide="ignore", invalid="ignore"):
        veh_s = np.where(speed > 0, length_m / (speed * _MS_PER_KPH), np.inf)
        veh_wet_s = np.where(wet_speed > 0, length_m / (wet_speed * _MS_PER_KPH), np.inf)
    veh_rain_s = np.where(rain_shut, np.inf, veh_wet_s)
    veh_wet_s = np.where(ford, np.inf, veh_wet_s)
    return {
        "walk_time_s": walk_s,
        "walk_time_wet_s": walk_wet_s,
        "walk_time_rain_s": walk_rain_s,
        "travel_time_s": np.fmin(np.where(vehicle, veh_s, np.inf), walk_s),
        "travel_time_wet_s": np.fmin(np.where(vehicle, veh_wet_s, np.inf), walk_wet_s),
        "travel_time_rain_s": np.fmin(np.where(vehicle, veh_rain_s, np.inf), walk_rain_s),
    }
