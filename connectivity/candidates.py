"""Candidate road works: surface upgrades, new links, bridges, and proposals from a file.

Every function here takes the routable network of :mod:`connectivity.network`
and returns ``(network, works)``: the network the works must be measured
against (the input, or a copy with some edges split where a new road meets
them — a split changes no travel time) and a :class:`connectivity.works.WorkSet`
whose edge changes say what each work does (see :mod:`connectivity.works`).
New edge weights always come from the network's own speed model
(:func:`connectivity.network.add_road_class` and
:func:`connectivity.network.add_travel_times` on the edges with their tags
changed), so speeds, slopes and wet-season rules stay consistent.

Work types
----------
**Upgrades** (``UPG-00001`` …). Existing lower-class roads and mule paths,
one work per *chain*: the edges between two junctions (nodes where the road
graph does not simply continue; walking connectors of villages and schools do
not count), of one road class and one OSM ``highway`` value, both directions.
Each chain is raised per :data:`ALLOWED_UPGRADES`:

==============  =========================  ========================================
from            to                         tags after the work
==============  =========================  ========================================
camino          trocha                     ``highway=track`` (paths and bridle
                                           ways), ``tracktype=grade4``
trocha          afirmado, asfaltado        ``surface=gravel`` / ``surface=asphalt``
sin_afirmar     afirmado, asfaltado        ``surface=gravel`` / ``surface=asphalt``
afirmado        asfaltado                  ``surface=asphalt``
==============  =========================  ========================================

``smoothness`` is cleared (a new surface is smooth); the ``highway`` class of
vehicle roads is kept, so a track raised to afirmado keeps the track speed cap
of :data:`connectivity.network.HIGHWAY_MAX_KPH`; tracks are not offered for
paving (raise them to afirmado). Generated upgrades consider rural road classes
only (:data:`UPGRADE_HIGHWAYS`): urban streets (residential, service) are left
to proposals; chains shorter than ``min_length_m`` (bits of road at junctions)
and roads closed by ``access=no``/``private`` are not offered. A ford stays a
ford (a bridge is its own work).

**New links** (``NEW-0001`` …). Communities farther than ``min_gap_m`` (straight
line) from any vehicle road, grouped when closer than ``cluster_m`` to each
other, get one new road from the member nearest to a vehicle road (or the next
nearest, if no road within the limits leaves from it). The road is
routed over the DEM by a least-cost search (:func:`scipy.sparse.csgraph.dijkstra`
on the DEM grid, 16 neighbours per cell so switchbacks can follow the contour):
a step is allowed only if its grade is at most ``max_slope_pct`` and costs its
length times the unit cost of the terrain it crosses, so the route is the
cheapest one within the slope limit. Routes longer than ``max_new_link_m`` are
dropped. The new road is built as :data:`NEW_LINK_TAGS` (``highway=track``,
``surface=gravel``: an afirmado track) and joins the community's node to the
road, whose edge is split where the route meets it.

**Bridges** (``BRG-0001`` …). Every edge with a ``ford`` tag or flagged
``unbridged_crossing`` (crosses a river with no bridge tag, see
:func:`connectivity.network.mark_unbridged_crossings`): a footbridge on paths, a
vehicle bridge on roads. Span: the waterway's ``width`` tag where the crossing
waterway is known and tagged, else :data:`DEFAULT_SPAN_M` by waterway type
(a crossing with no known waterway counts as a stream; an unbridged crossing as
a river). The edge's new weights are those with ``bridge=yes`` and no ford:
it stays open in the wet season.

**Proposals** (``PROP-<id>``): see :func:`proposals_from_file`.

Besides :data:`connectivity.works.WORK_COLUMNS`, every work table has
:data:`EXTRA_WORK_COLUMNS` (class before and after, main terrain, whether a
bridge carries vehicles, the communities a new link was made for). Names and
descriptions are in Spanish, the language of the planners who read them.

Costs
-----
Cost = length × unit cost per km by work type and terrain
(:data:`UNIT_COST_PER_KM`, keys ``<work>_<terrain>``) and span × cost per metre
of bridge (:data:`BRIDGE_COST_PER_M`); an upgrade of several steps (trocha →
asfaltado) pays every step. Terrain classes (:data:`TERRAIN_CLASSES`) follow
the Peruvian road design manual (MTC, *Manual de Carreteras: Diseño Geométrico
DG-2018*, classification by orography) on the transverse slope of the ground,
read as the DEM's steepest slope every ~cell along the line: flat (≤ 10 %),
rolling (10–50 %), mountainous (50–100 %), steep (> 100 %). Without a DEM
every line is priced as :data:`DEFAULT_TERRAIN`. Default prices are in PEN at
2024 prices; a region config's ``[costs]`` section overrides them (see
:func:`cost_table`).

Ordering and splits
-------------------
Upgrades, bridges and upgrade/bridge proposals *replace* existing edges; new
links (generated or proposed) *add* edges and may split road edges first. A
split removes the edge it splits, so :func:`generate_candidates` runs the
splitting steps first (new links, then proposals) and the replacing steps on
the network they return (upgrades, bridges); call the functions in that order
when using them one by one.

Examples
--------
>>> UNIT_COST_PER_KM["upgrade_afirmado_flat"], BRIDGE_COST_PER_M["foot"]
(450000.0, 8000.0)
>>> ALLOWED_UPGRADES["trocha"]
('afirmado', 'asfaltado')
"""

from __future__ import annotations

import dataclasses
import itertools
import logging
import math
import re
import warnings
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, cast

import geopandas as gpd
import numpy as np
import pandas as pd
import pyogrio.errors
import shapely
from scipy.sparse import coo_array
from scipy.sparse.csgraph import connected_components, dijkstra
from shapely.ops import substring
from tqdm import tqdm

from connectivity._logging import progress_enabled
from connectivity.config import CostsSection
from connectivity.errors import ConfigError, CrsError, DataError, MissingFileError
from connectivity.network import RoadNetwork, SpeedTables, add_road_class, add_travel_times
from connectivity.works import CHANGE_COLUMNS, WEIGHTS, WORK_COLUMNS, WorkSet

__all__ = [
    "ALLOWED_UPGRADES",
    "BRIDGE_COST_PER_M",
    "DEFAULT_SPAN_M",
    "DEFAULT_TERRAIN",
    "EXTRA_WORK_COLUMNS",
    "NEW_LINK_TAGS",
    "TERRAIN_CLASSES",
    "UNIT_COST_PER_KM",
    "UPGRADE_HIGHWAYS",
    "CostTable",
    "bridge_candidates",
    "cost_table",
    "generate_candidates",
    "new_link_candidates",
    "proposals_from_file",
    "split_edges",
    "upgrade_candidates",
]

log = logging.getLogger(__name__)

# -- tables ---------------------------------------------------------------------------------

#: Terrain classes of the Peruvian road design manual DG-2018 (by transverse
#: ground slope): plano, ondulado, accidentado, escarpado.
TERRAIN_CLASSES: tuple[str, ...] = ("flat", "rolling", "mountainous", "steep")
#: Upper ground slope (%) of each terrain class but the last (DG-2018).
TERRAIN_SLOPE_PCT: tuple[float, ...] = (10.0, 50.0, 100.0)
#: Terrain class assumed where no DEM is given or the DEM has no data.
DEFAULT_TERRAIN = "rolling"
_TERRAIN_ES = {
    "flat": "plano",
    "rolling": "ondulado",
    "mountainous": "accidentado",
    "steep": "escarpado",
}

#: Road classes from lowest to highest.
CLASS_ORDER: tuple[str, ...] = ("camino", "trocha", "sin_afirmar", "afirmado", "asfaltado")
_RANK = {c: i for i, c in enumerate(CLASS_ORDER)}

#: Target classes each road class may be raised to.
ALLOWED_UPGRADES: dict[str, tuple[str, ...]] = {
    "camino": ("trocha",),
    "trocha": ("afirmado", "asfaltado"),
    "sin_afirmar": ("afirmado", "asfaltado"),
    "afirmado": ("asfaltado",),
}

#: Work steps (cost keys ``upgrade_<step>_<terrain>``) in order; raising a road
#: pays every step above its class up to the target.
_STEPS: tuple[str, ...] = ("trocha", "afirmado", "asfaltado")

#: OSM tags set on an edge raised to each class (``None`` removes the tag).
#: (A trocha opened on a mule path is also open to vehicles: ``motor_vehicle`` is cleared.)
TARGET_TAGS: dict[str, dict[str, str | None]] = {
    "trocha": {"surface": None, "tracktype": "grade4", "smoothness": None},
    "afirmado": {"surface": "gravel", "tracktype": None, "smoothness": None},
    "asfaltado": {"surface": "asphalt", "tracktype": None, "smoothness": None},
}
_RETAGGED = ("surface", "tracktype", "smoothness")

#: ``highway`` values of paths that can be widened into a trocha (become ``track``).
PATH_HIGHWAYS: tuple[str, ...] = ("path", "bridleway")

#: ``highway`` values whose lower-class segments get generated upgrade candidates.
UPGRADE_HIGHWAYS: tuple[str, ...] = (
    "motorway",
    "trunk",
    "primary",
    "secondary",
    "tertiary",
    "unclassified",
    "road",
    "track",
    *PATH_HIGHWAYS,
)
#: ``highway`` values not offered for paving.
_NO_PAVING = ("track",)

#: Tags of a new road (an afirmado track).
NEW_LINK_TAGS: dict[str, str] = {"highway": "track", "surface": "gravel"}

#: Bridge span (m) by ``waterway`` type when the waterway has no ``width`` tag.
DEFAULT_SPAN_M: dict[str, float] = {"river": 30.0, "stream": 10.0, "canal": 6.0}

#: Unit cost of road works, PEN per km at 2024 prices, by ``<work>_<terrain>``.
#:
#: Indicative orders of magnitude for planning, not budget estimates, rounded
#: from Peruvian public-investment figures: Provías Descentralizado (MTC)
#: programme documents for rural roads (e.g. the *Programa de Apoyo al
#: Transporte Subnacional* feasibility study, PROG-023-2012-SNIP, 2015:
#: improvement of caminos vecinales to afirmado in the hundreds of thousands of
#: soles per km, basic paving ("soluciones básicas") above one million per km)
#: and municipal project profiles (e.g. Andaray, Condesuyos, 2016: a new 12.4 km
#: afirmado trocha in steep terrain for about S/ 10.6 million, ~S/ 0.86 M/km),
#: brought to 2024 prices. Terrain multipliers (about 1 : 1.3 : 1.8 : 2.4) reflect
#: the earthworks DG-2018 associates with each terrain class.
#:
#: * ``upgrade_trocha``: widening a mule path into a trocha carrozable;
#: * ``upgrade_afirmado``: gravel surfacing and drainage of a trocha or
#:   unsurfaced road (mejoramiento a nivel de afirmado);
#: * ``upgrade_asfaltado``: basic paving of an afirmado road;
#: * ``new_link``: a new road built to afirmado standard (apertura y afirmado).
UNIT_COST_PER_KM: dict[str, float] = {
    "upgrade_trocha_flat": 120_000.0,
    "upgrade_trocha_rolling": 160_000.0,
    "upgrade_trocha_mountainous": 220_000.0,
    "upgrade_trocha_steep": 300_000.0,
    "upgrade_afirmado_flat": 450_000.0,
    "upgrade_afirmado_rolling": 600_000.0,
    "upgrade_afirmado_mountainous": 800_000.0,
    "upgrade_afirmado_steep": 1_100_000.0,
    "upgrade_asfaltado_flat": 1_300_000.0,
    "upgrade_asfaltado_rolling": 1_600_000.0,
    "upgrade_asfaltado_mountainous": 2_000_000.0,
    "upgrade_asfaltado_steep": 2_500_000.0,
    "new_link_flat": 700_000.0,
    "new_link_rolling": 950_000.0,
    "new_link_mountainous": 1_300_000.0,
    "new_link_steep": 1_800_000.0,
}

#: Cost of a bridge, PEN per metre of span at 2024 prices (indicative): a
#: suspended or truss footbridge (``foot``) and a one-lane concrete or modular
#: steel vehicle bridge (``vehicle``), orders of magnitude of Provías
#: Descentralizado and municipal rural bridge projects.
BRIDGE_COST_PER_M: dict[str, float] = {"foot": 8_000.0, "vehicle": 45_000.0}

_DEFAULT_CURRENCY = "PEN"
_DEFAULT_PRICE_YEAR = 2024

#: Proposals: how close (m) a proposed upgrade line must run to a road, and a
#: proposed bridge to a crossing.
PROPOSAL_SNAP_M = 30.0
BRIDGE_SNAP_M = 200.0
#: Proposals must lie inside the network's extent grown by this margin (m).
REGION_MARGIN_M = 1000.0

_CLASS_ES = {
    "camino": "camino de herradura",
    "trocha": "trocha carrozable",
    "sin_afirmar": "camino sin afirmar",
    "afirmado": "carretera afirmada",
    "asfaltado": "carretera asfaltada",
}
_VERB_ES = {
    "trocha": "Ampliación a trocha carrozable de",
    "afirmado": "Afirmado de",
    "asfaltado": "Asfaltado de",
}

EdgeKey = tuple[int, int, int]


# -- costs ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class CostTable:
    """Unit costs in force for a run.

    Attributes
    ----------
    unit_cost_per_km : mapping
        Keys as :data:`UNIT_COST_PER_KM`.
    bridge_cost_per_m : mapping
        Keys ``foot`` and ``vehicle``.
    currency : str
    price_year : int
    """

    unit_cost_per_km: Mapping[str, float]
    bridge_cost_per_m: Mapping[str, float]
    currency: str = _DEFAULT_CURRENCY
    price_year: int = _DEFAULT_PRICE_YEAR

    def per_m(self, work: str, terrain: str) -> float:
        """Cost per metre of ``work`` (e.g. ``"new_link"``) in ``terrain``."""
        return float(self.unit_cost_per_km[f"{work}_{terrain}"]) / 1000.0


def cost_table(costs: CostsSection | None = None) -> CostTable:
    """Return the default cost table with a region config's overrides.

    Parameters
    ----------
    costs : CostsSection, optional
        The ``[costs]`` section of a region config.

    Returns
    -------
    CostTable

    Raises
    ------
    ConfigError
        An override names an unknown key; or the currency or price year differ
        from the defaults (PEN, 2024) while some default prices are still in
        use (they would be mislabelled).

    Examples
    --------
    >>> from connectivity.config import CostsSection
    >>> t = cost_table(CostsSection(bridge_cost_per_m={"foot": 9000}))
    >>> t.bridge_cost_per_m["foot"], t.currency
    (9000.0, 'PEN')
    """
    if costs is None:
        return CostTable(dict(UNIT_COST_PER_KM), dict(BRIDGE_COST_PER_M))
    for name, given, known in (
        ("unit_cost_per_km", costs.unit_cost_per_km, UNIT_COST_PER_KM),
        ("bridge_cost_per_m", costs.bridge_cost_per_m, BRIDGE_COST_PER_M),
    ):
        unknown = sorted(set(given) - set(known))
        if unknown:
            raise ConfigError(
                f"[costs] {name}: unknown key {unknown[0]!r}; known keys: {', '.join(known)}"
            )
    if (costs.currency, costs.price_year) != (_DEFAULT_CURRENCY, _DEFAULT_PRICE_YEAR):
        missing = [k for k in UNIT_COST_PER_KM if k not in costs.unit_cost_per_km]
        missing += [k for k in BRIDGE_COST_PER_M if k not in costs.bridge_cost_per_m]
        if missing:
            raise ConfigError(
                f"[costs] currency/price_year are {costs.currency} {costs.price_year} but the "
                f"default prices are PEN {_DEFAULT_PRICE_YEAR}: give every unit cost "
                f"(missing: {', '.join(missing[:6])}{' …' if len(missing) > 6 else ''})"
            )
    return CostTable(
        unit_cost_per_km={
            **UNIT_COST_PER_KM,
            **{k: float(v) for k, v in costs.unit_cost_per_km.items()},
        },
        bridge_cost_per_m={
            **BRIDGE_COST_PER_M,
            **{k: float(v) for k, v in costs.bridge_cost_per_m.items()},
        },
        currency=costs.currency,
        price_year=costs.price_year,
    )


# -- terrain ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Terrain:
    """A DEM on a north-up square grid in the network CRS, with ground slope."""

    elevation: np.ndarray  # float64, NaN where no data
    slope_pct: np.ndarray  # steepest ground slope, percent
    x0: float  # west edge
    y0: float  # north edge
    res: float  # cell size (m)

    @classmethod
    def from_dem(cls, dem_path: Path, crs: Any) -> _Terrain:
        import rasterio
        from rasterio.enums import Resampling
        from rasterio.vrt import WarpedVRT
        from rasterio.warp import calculate_default_transform

        path = Path(dem_path)
        if not path.is_file():
            raise MissingFileError(f"DEM not found: {path}")
        try:
            with rasterio.open(path) as src:
                if src.crs is None:
                    raise CrsError(f"{path}: the DEM has no CRS")
                t = src.transform
                square = math.isclose(abs(t.a), abs(t.e), rel_tol=1e-6) and t.b == 0 and t.d == 0
                if src.crs == crs and square and t.e < 0:
                    band = src.read(1, masked=True).astype(float).filled(np.nan)
                    res, x0, y0 = abs(t.a), t.c, t.f
                else:
                    dst, width, height = calculate_default_transform(
                        src.crs, crs, src.width, src.height, *src.bounds
                    )
                    res = max(abs(dst.a), abs(dst.e))
                    dst, width, height = calculate_default_transform(
                        src.crs, crs, src.width, src.height, *src.bounds, resolution=res
                    )
                    nodata = src.nodata if src.nodata is not None else -32768.0
                    with WarpedVRT(
                        src,
                        crs=crs,
                        transform=dst,
                        width=width,
                        height=height,
                        resampling=Resampling.bilinear,
                        src_nodata=nodata,
                        nodata=nodata,
                    ) as vrt:
                        band = vrt.read(1, masked=True).astype(float).filled(np.nan)
                    x0, y0 = dst.c, dst.f
        except rasterio.errors.RasterioIOError as exc:
            raise DataError(f"{path}: cannot read the DEM: {exc}") from exc
        gy, gx = np.gradient(band, res)
        slope = 100.0 * np.hypot(gx, gy)
        return cls(elevation=band, slope_pct=slope, x0=float(x0), y0=float(y0), res=float(res))

    @property
    def shape(self) -> tuple[int, int]:
        return (int(self.elevation.shape[0]), int(self.elevation.shape[1]))

    def cell_of(self, xs: np.ndarray, ys: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Row and column of the cells holding the points (may be outside the grid)."""
        rows = np.floor((self.y0 - np.asarray(ys, dtype=float)) / self.res).astype(np.int64)
        cols = np.floor((np.asarray(xs, dtype=float) - self.x0) / self.res).astype(np.int64)
        return rows, cols

    def centre(self, rows: np.ndarray, cols: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Coordinates of cell centres."""
        return self.x0 + (cols + 0.5) * self.res, self.y0 - (rows + 0.5) * self.res

    def terrain_class(self, xs: np.ndarray, ys: np.ndarray) -> np.ndarray:
        """Index into :data:`TERRAIN_CLASSES` of the ground at points."""
        rows, cols = self.cell_of(xs, ys)
        h, w = self.shape
        inside = (rows >= 0) & (rows < h) & (cols >= 0) & (cols < w)
        slope = np.full(len(rows), np.nan)
        slope[inside] = self.slope_pct[rows[inside], cols[inside]]
        return _classify_slope(slope)


def _classify_slope(slope_pct: np.ndarray) -> np.ndarray:
    cls = np.digitize(slope_pct, TERRAIN_SLOPE_PCT, right=True)
    return np.where(np.isfinite(slope_pct), cls, TERRAIN_CLASSES.index(DEFAULT_TERRAIN))


def _terrain_lengths(geoms: Sequence[shapely.Geometry], terrain: _Terrain | None) -> np.ndarray:
    """Length (m) of each line in each terrain class: shape ``(lines, classes)``.

    Lines are cut about every DEM cell; each piece takes the class of the ground
    at its middle.
    """
    n_cls = len(TERRAIN_CLASSES)
    lines = np.asarray(geoms, dtype=object)
    step = terrain.res if terrain is not None else 100.0
    parts, line_of = shapely.get_parts(
        shapely.segmentize(lines, max_segment_length=step), return_index=True
    )
    coords, part_of = shapely.get_coordinates(parts, return_index=True)
    same = part_of[1:] == part_of[:-1]
    a, b = coords[:-1][same], coords[1:][same]
    seg_line = line_of[part_of[:-1][same]]
    if terrain is None:
        cls = np.full(len(a), TERRAIN_CLASSES.index(DEFAULT_TERRAIN))
    else:
        mid = (a + b) / 2.0
        cls = terrain.terrain_class(mid[:, 0], mid[:, 1])
    out = np.bincount(
        seg_line * n_cls + cls, weights=np.hypot(*(b - a).T), minlength=len(lines) * n_cls
    )
    return out.reshape(len(lines), n_cls)


def _price_lines(
    geoms: Sequence[shapely.Geometry],
    works: Sequence[Sequence[str]],
    table: CostTable,
    terrain: _Terrain | None,
) -> tuple[np.ndarray, list[str]]:
    """Cost of building ``works`` (cost key prefixes) along each line, and its main terrain."""
    by_class = _terrain_lengths(geoms, terrain)
    per_m: dict[tuple[str, ...], np.ndarray] = {}
    rates = np.zeros_like(by_class)
    for i, w in enumerate(works):
        key = tuple(w)
        if key not in per_m:
            per_m[key] = np.array(
                [sum(table.per_m(work, t) for work in key) for t in TERRAIN_CLASSES]
            )
        rates[i] = per_m[key]
    cost = (by_class * rates).sum(axis=1)
    main = [
        TERRAIN_CLASSES[int(np.argmax(row))] if row.sum() > 0 else DEFAULT_TERRAIN
        for row in by_class
    ]
    return cost, main


def _price_line(
    geom: shapely.Geometry, works: Sequence[str], table: CostTable, terrain: _Terrain | None
) -> tuple[float, str]:
    """Cost of building ``works`` (cost key prefixes) along a line, and its main terrain."""
    cost, main = _price_lines([geom], [works], table, terrain)
    return float(cost[0]), main[0]


# -- small helpers ----------------------------------------------------------------------------


def _scalar(value: Any) -> Any:
    if isinstance(value, list):
        return value[0] if value else None
    return value


def _tag(frame: pd.DataFrame, column: str) -> pd.Series:
    if column not in frame.columns:
        return pd.Series([None] * len(frame), index=frame.index, dtype=object)
    return frame[column].map(_scalar).astype(object).where(frame[column].notna(), None)


def _text(value: Any) -> str:
    value = _scalar(value)
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return ""
    return str(value)


def _place_name(frame: pd.DataFrame, i: int) -> str:
    for col in ("name", "community_id"):
        if col in frame.columns:
            text = _text(frame[col].iloc[i])
            if text:
                return text
    return str(frame.index[i])


#: Columns every work table from this module has besides :data:`WORK_COLUMNS`, with the
#: value works they do not apply to get: road class before and after the work, main
#: terrain class, whether a bridge carries vehicles, communities a new link was made for.
EXTRA_WORK_COLUMNS: dict[str, Any] = {
    "class_before": "",
    "class_after": "",
    "terrain": "",
    "vehicle_bridge": False,
    "community_ids": "",
}
_FLOAT_WORK = ("length_m", "span_m", "cost", "cofinancing_share", "cost_net")


def _empty_workset(crs: Any, table: CostTable) -> WorkSet:
    columns = [c for c in WORK_COLUMNS if c != "geometry"] + list(EXTRA_WORK_COLUMNS)
    works = gpd.GeoDataFrame(
        {
            c: pd.Series(
                dtype=float if c in _FLOAT_WORK else bool if c == "vehicle_bridge" else object
            )
            for c in columns
        },
        geometry=gpd.GeoSeries([], crs=crs),
        crs=crs,
    )
    works.index = pd.Index([], dtype=object, name="work_id")
    changes = pd.DataFrame(
        {
            c: pd.Series(
                dtype=np.int64
                if c in ("u", "v", "key")
                else float
                if c in (*WEIGHTS, "length_m")
                else object
            )
            for c in CHANGE_COLUMNS
        }
    )
    return WorkSet(works, changes, currency=table.currency, price_year=table.price_year)


def _workset(
    rows: list[dict[str, Any]], changes: list[pd.DataFrame], crs: Any, table: CostTable
) -> WorkSet:
    if not rows:
        return _empty_workset(crs, table)
    frame = pd.DataFrame(rows)
    for col, default in EXTRA_WORK_COLUMNS.items():
        frame[col] = frame[col].fillna(default) if col in frame.columns else default
    frame["vehicle_bridge"] = frame["vehicle_bridge"].astype(bool)
    frame["cofinancing_share"] = frame["cofinancing_share"].fillna(0.0).astype(float)
    frame["cost"] = frame["cost"].astype(float).round(0)
    frame["cost_net"] = (frame["cost"] * (1.0 - frame["cofinancing_share"])).round(0)
    for col in _FLOAT_WORK:
        frame[col] = frame[col].astype(float)
    frame = frame[
        ["work_id", *[c for c in WORK_COLUMNS if c != "geometry"], *EXTRA_WORK_COLUMNS, "geometry"]
    ]
    works = gpd.GeoDataFrame(frame.set_index("work_id"), geometry="geometry", crs=crs)
    ch = pd.concat(changes, ignore_index=True)[list(CHANGE_COLUMNS)]
    for col in ("u", "v", "key"):
        ch[col] = ch[col].astype(np.int64)
    return WorkSet(works, ch, currency=table.currency, price_year=table.price_year)


def _undirected_groups(edges: gpd.GeoDataFrame) -> np.ndarray:
    """Return a number per undirected road: both directions of a two-way edge share it."""
    u = edges.index.get_level_values(0).to_numpy()
    v = edges.index.get_level_values(1).to_numpy()
    geoms = shapely.normalize(shapely.set_precision(edges.geometry.to_numpy(), 0.001))
    frame = pd.DataFrame(
        {"a": np.minimum(u, v), "b": np.maximum(u, v), "g": shapely.to_wkb(geoms)},
    )
    return np.asarray(frame.groupby(["a", "b", "g"], sort=True).ngroup().to_numpy())


# -- edge weights after a work --------------------------------------------------------------


def _vehicle_times(rows: gpd.GeoDataFrame, tables: SpeedTables) -> tuple[np.ndarray, np.ndarray]:
    """Dry and wet vehicle times of edges (``inf`` where no vehicle passes).

    The network's own model with walking made useless: where a vehicle passes,
    ``travel_time`` is then the vehicle time.
    """
    slow = dataclasses.replace(tables, walk_kph=1e-9)
    timed = add_travel_times(rows, tables=slow)
    dry = timed["travel_time_s"].to_numpy(float)
    wet = timed["travel_time_wet_s"].to_numpy(float)
    walk = timed["walk_time_s"].to_numpy(float)
    walk_wet = timed["walk_time_wet_s"].to_numpy(float)
    return np.where(dry < walk, dry, np.inf), np.where(wet < walk_wet, wet, np.inf)


def _check_tables(rows: gpd.GeoDataFrame, tables: SpeedTables) -> None:
    """Refuse speed tables that do not give the network's stored vehicle times."""
    if rows.empty:
        return
    veh, _ = _vehicle_times(rows, tables)
    stored = rows["travel_time_s"].to_numpy(float)
    by_vehicle = stored < rows["walk_time_s"].to_numpy(float)
    bad = by_vehicle & ~np.isclose(veh, stored, rtol=1e-6, atol=1e-6)
    if bad.any():
        i = int(np.argmax(bad))
        raise DataError(
            f"the speed tables given do not match the network: edge {rows.index[i]} takes "
            f"{stored[i]:.1f} s by vehicle in the network but {veh[i]:.1f} s with these tables; "
            "pass the SpeedTables the network was built with"
        )


def _reweigh(
    base: gpd.GeoDataFrame, new_tags: Mapping[str, Any], tables: SpeedTables
) -> pd.DataFrame:
    """Weights of existing edges once their tags change (never larger than before).

    Vehicle times come from the network's speed model on the new tags. Dry
    walking depends only on the line and the terrain, so it is kept; wet
    walking is the dry time over the new class's wet factor (``inf`` at a
    ford), as the model computes it.
    """
    after = base.copy()
    for col, values in new_tags.items():
        after[col] = pd.Series(
            values if not isinstance(values, str | bool | type(None)) else [values] * len(after),
            index=after.index,
            dtype=object,
        )
    after = add_road_class(after)
    veh, veh_wet = _vehicle_times(after, tables)
    flat = add_travel_times(after, tables=tables)
    w, ww = flat["walk_time_s"].to_numpy(float), flat["walk_time_wet_s"].to_numpy(float)
    with np.errstate(divide="ignore", invalid="ignore"):
        ratio = np.where(w > 0, ww / w, np.where(np.isinf(ww), np.inf, 1.0))
    walk = base["walk_time_s"].to_numpy(float)
    walk_wet = walk * ratio
    walk_wet = np.where(np.isinf(ratio), np.inf, walk_wet)
    new = pd.DataFrame(
        {
            "travel_time_s": np.fmin(veh, walk),
            "travel_time_wet_s": np.fmin(veh_wet, walk_wet),
            "walk_time_s": walk,
            "walk_time_wet_s": walk_wet,
        },
        index=base.index,
    )
    old = base[list(WEIGHTS)].to_numpy(float)
    values = new[list(WEIGHTS)].to_numpy(float)
    larger = values > old * (1 + 1e-9) + 1e-9
    if larger.any():
        log.debug("%d edge weights kept at their old value (model gave larger)", int(larger.sum()))
    new[list(WEIGHTS)] = np.fmin(values, old)
    new["road_class"] = after["road_class"].to_numpy()
    new["vehicle"] = after["vehicle"].to_numpy()
    return new


def _improves(new: pd.DataFrame, base: pd.DataFrame) -> np.ndarray:
    """Rows where some weight falls."""
    old = base[list(WEIGHTS)].to_numpy(float)
    val = new[list(WEIGHTS)].to_numpy(float)
    with np.errstate(invalid="ignore"):
        return np.asarray(((val < old * (1 - 1e-9)) | (np.isfinite(val) & np.isinf(old))).any(1))


def _replace_changes(
    work_ids: Sequence[str] | np.ndarray, base: pd.DataFrame, new: pd.DataFrame
) -> pd.DataFrame:
    """Rows of ``changes`` replacing the edges of ``base`` (with ``u``, ``v``, ``key``)."""
    frame = pd.DataFrame(
        {
            "work_id": np.asarray(work_ids, dtype=object),
            "action": "replace",
            "u": base["u"].to_numpy(np.int64),
            "v": base["v"].to_numpy(np.int64),
            "key": base["key"].to_numpy(np.int64),
        }
    )
    for col in WEIGHTS:
        frame[col] = new[col].to_numpy(float)
    frame["length_m"] = new["length_m"].to_numpy(float)
    frame["road_class"] = new["road_class"].astype(str).to_numpy()
    frame["geometry"] = pd.Series([None] * len(frame), dtype=object)
    return frame


def _new_road_edges(
    links: Sequence[tuple[int, int, shapely.LineString, str]],
    tags: Mapping[str, Any],
    crs: Any,
    tables: SpeedTables,
    dem_path: Path | None,
) -> gpd.GeoDataFrame:
    """Both directions of new roads ``(u, v, line, name)``, with the network's weights.

    Rows come in pairs: ``u → v`` then ``v → u`` for each link in turn.
    """
    index = [key for u, v, _, _ in links for key in ((u, v, 0), (v, u, 0))]
    rows = gpd.GeoDataFrame(
        {
            "highway": [tags.get("highway")] * len(index),
            "surface": [tags.get("surface")] * len(index),
            "tracktype": [tags.get("tracktype")] * len(index),
            "name": [name for *_, name in links for _ in (0, 1)],
        },
        geometry=[g for _, _, line, _ in links for g in (line, shapely.reverse(line))],
        crs=crs,
        index=pd.MultiIndex.from_tuples(index, names=["u", "v", "key"]),
    )
    rows = add_road_class(rows)
    return add_travel_times(rows, tables=tables, dem_path=dem_path)


def _add_changes(work_id: str, edges: gpd.GeoDataFrame) -> pd.DataFrame:
    frame = pd.DataFrame(
        {
            "work_id": work_id,
            "action": "add",
            "u": edges.index.get_level_values(0).to_numpy(),
            "v": edges.index.get_level_values(1).to_numpy(),
            "key": 0,
        }
    )
    for col in WEIGHTS:
        frame[col] = edges[col].to_numpy(float)
    frame["length_m"] = edges["length_m"].to_numpy(float)
    frame["road_class"] = edges["road_class"].astype(str).to_numpy()
    frame["geometry"] = pd.Series(list(edges.geometry.to_numpy()), dtype=object)
    return frame


# -- splitting edges --------------------------------------------------------------------------


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


# -- upgrades ---------------------------------------------------------------------------------


@dataclass
class _Chain:
    keys: list[EdgeKey]
    road_class: str
    highway: str
    length_m: float
    ends: tuple[int, int]
    geometry: shapely.Geometry
    name: str
    sort_key: tuple[int, int]


def _road_chains(edges: gpd.GeoDataFrame, eligible: np.ndarray) -> list[_Chain]:
    """Chains of eligible edges between junctions, one class and highway each."""
    groups = _undirected_groups(edges)
    u = edges.index.get_level_values(0).to_numpy()
    v = edges.index.get_level_values(1).to_numpy()
    road_class = edges["road_class"].astype(str).to_numpy()
    highway = _tag(edges, "highway").fillna("").astype(str).to_numpy()
    road = road_class != "connector"
    # distinct neighbours over all roads (connectors of villages do not make junctions)
    pairs = pd.DataFrame({"n": np.r_[u[road], v[road]], "m": np.r_[v[road], u[road]]})
    pairs = pairs[pairs["n"] != pairs["m"]].drop_duplicates()
    degree = pairs.groupby("n").size()
    inc = pd.DataFrame({"n": np.r_[u[road], v[road]], "g": np.r_[groups[road], groups[road]]})
    inc = inc.drop_duplicates()
    n_groups = inc.groupby("n").size()
    loops = set(u[road & (u == v)].tolist())
    interior = degree[(degree == 2)].index.intersection(n_groups[n_groups == 2].index)
    interior = interior.difference(pd.Index(sorted(loops)))
    g_info = pd.DataFrame(
        {"g": groups, "eligible": eligible, "cls": road_class, "hw": highway}
    ).drop_duplicates("g")
    g_info = g_info.set_index("g")
    joins = inc[inc["n"].isin(interior)].sort_values(["n", "g"])
    a = joins.groupby("n")["g"].first()
    b = joins.groupby("n")["g"].last()
    ok = (
        g_info.loc[a.to_numpy(), "eligible"].to_numpy()
        & g_info.loc[b.to_numpy(), "eligible"].to_numpy()
        & (g_info.loc[a.to_numpy(), "cls"].to_numpy() == g_info.loc[b.to_numpy(), "cls"].to_numpy())
        & (g_info.loc[a.to_numpy(), "hw"].to_numpy() == g_info.loc[b.to_numpy(), "hw"].to_numpy())
    )
    n_all = int(groups.max()) + 1 if len(groups) else 0
    graph = coo_array(
        (np.ones(int(ok.sum())), (a.to_numpy()[ok], b.to_numpy()[ok])), shape=(n_all, n_all)
    )
    _, label = connected_components(graph, directed=False)
    el_rows = np.flatnonzero(eligible)
    chain_of = label[groups[el_rows]]
    order = np.lexsort((el_rows, groups[el_rows], chain_of))
    el_rows, chain_of = el_rows[order], chain_of[order]
    cuts = np.flatnonzero(np.diff(chain_of)) + 1
    names = _tag(edges, "name").map(_text).to_numpy() if "name" in edges.columns else None
    lengths = edges["length_m"].to_numpy(float)
    keys_k = edges.index.get_level_values(2).to_numpy()
    geoms = edges.geometry.to_numpy()
    chains: list[_Chain] = []
    for rows in np.split(el_rows, cuts):
        g = groups[rows]
        first_rows = rows[np.r_[True, g[1:] != g[:-1]]]
        ends_at, counts = np.unique(np.r_[u[first_rows], v[first_rows]], return_counts=True)
        ends = sorted(int(n) for n in ends_at[counts % 2 == 1])
        if len(ends) < 2:
            ends = [int(ends_at.min()), int(ends_at.min())]
        line = shapely.line_merge(shapely.MultiLineString(list(geoms[first_rows])))
        name = ""
        if names is not None:
            found = Counter(str(n) for n in names[first_rows] if n)
            if found:
                top = max(found.values())
                name = min(n for n, c in found.items() if c == top)
        r0 = int(first_rows[0])
        a_min = np.minimum(u[first_rows], v[first_rows])
        b_max = np.maximum(u[first_rows], v[first_rows])
        best = int(np.lexsort((b_max, a_min))[0])
        chains.append(
            _Chain(
                keys=sorted(
                    zip(u[rows].tolist(), v[rows].tolist(), keys_k[rows].tolist(), strict=True)
                ),
                road_class=str(road_class[r0]),
                highway=str(highway[r0]),
                length_m=float(lengths[first_rows].sum()),
                ends=(ends[0], ends[-1]),
                geometry=line,
                name=name,
                sort_key=(int(a_min[best]), int(b_max[best])),
            )
        )
    chains.sort(key=lambda c: c.sort_key)
    return chains


def _nearest_names(network: RoadNetwork, points: Sequence[shapely.Point]) -> list[str]:
    comm = network.communities
    if comm.empty or not points:
        return ["" for _ in points]
    tree = shapely.STRtree(comm.geometry.to_numpy())
    _, idx = tree.query_nearest(np.asarray(points, dtype=object), all_matches=False)
    return [_place_name(comm, int(i)) for i in idx]


def _between(a: str, b: str) -> str:
    if not a and not b:
        return ""
    return f"cerca de {a or b}" if a == b or not (a and b) else f"{a}–{b}"


def _no_access(edges: pd.DataFrame) -> np.ndarray:
    closed = np.zeros(len(edges), dtype=bool)
    for col in ("access",):
        closed |= _tag(edges, col).isin(["no", "private"]).to_numpy()
    return closed


def upgrade_candidates(
    network: RoadNetwork,
    *,
    costs: CostsSection | None = None,
    dem_path: Path | None = None,
    tables: SpeedTables | None = None,
    min_length_m: float = 100.0,
) -> tuple[RoadNetwork, WorkSet]:
    """Surface upgrades of lower-class roads, one work per chain and target class.

    Parameters
    ----------
    network : RoadNetwork
    costs : CostsSection, optional
        Cost overrides (see :func:`cost_table`).
    dem_path : Path, optional
        DEM for the terrain class of each work's cost (default terrain without).
    tables : SpeedTables, optional
        The speed tables the network was built with (checked).
    min_length_m : float
        Shorter chains (bits of road at junctions) are not offered.

    Returns
    -------
    network : RoadNetwork
        The input network (upgrades split nothing).
    works : WorkSet
        ``UPG-00001`` … sorted by the chain's smallest node pair, then target
        class; ``class_before``, ``class_after`` and ``terrain`` columns too.

    Raises
    ------
    DataError
        ``tables`` do not give the network's vehicle times.
    """
    table = cost_table(costs)
    tables = tables or SpeedTables()
    edges = network.edges
    terrain = _Terrain.from_dem(dem_path, network.crs) if dem_path is not None else None
    road_class = edges["road_class"].astype(str)
    highway = _tag(edges, "highway").fillna("").astype(str)
    eligible = (
        road_class.isin(list(ALLOWED_UPGRADES)).to_numpy()
        & highway.isin(list(UPGRADE_HIGHWAYS)).to_numpy()
        & ~_no_access(edges)
    )
    _check_tables(edges[eligible & edges["vehicle"].to_numpy(bool)], tables)
    chains = _road_chains(edges, eligible)
    short = sum(c.length_m < min_length_m for c in chains)
    chains = [c for c in chains if c.length_m >= min_length_m]
    plans: list[tuple[_Chain, str]] = []
    for chain in chains:
        for target in ALLOWED_UPGRADES[chain.road_class]:
            if target == "asfaltado" and chain.highway in _NO_PAVING:
                continue
            plans.append((chain, target))
    if not plans:
        log.info("upgrades: no lower-class road to raise")
        return network, _empty_workset(network.crs, table)
    # one batch through the speed model
    keys = [k for chain, _ in plans for k in chain.keys]
    base = edges.loc[keys].reset_index()
    base = gpd.GeoDataFrame(base, geometry="geometry", crs=edges.crs)
    tags: dict[str, list[Any]] = {c: [] for c in ("highway", *_RETAGGED)}
    for chain, target in plans:
        n = len(chain.keys)
        hw = "track" if (target == "trocha" and chain.highway in PATH_HIGHWAYS) else chain.highway
        tags["highway"] += [hw] * n
        for col in _RETAGGED:
            tags[col] += [TARGET_TAGS[target][col]] * n
    # a trocha opened on a mule path is open to vehicles
    opened = np.array([t == "trocha" for chain, t in plans for _ in chain.keys])
    tags["motor_vehicle"] = _tag(base, "motor_vehicle").where(~opened, None).tolist()
    new = _reweigh(base, tags, tables)
    new["length_m"] = base["length_m"].to_numpy(float)
    gain = _improves(new, base)
    at = network.nodes.loc[_ends(plans), ["x", "y"]].to_numpy(float)
    names = _nearest_names(network, list(shapely.points(at)))
    targets = np.array([t for chain, t in plans for _ in chain.keys], dtype=object)
    bounds = np.cumsum([0] + [len(chain.keys) for chain, _ in plans])
    raised = np.logical_and.reduceat(new["road_class"].to_numpy() == targets, bounds[:-1])
    gains = np.logical_or.reduceat(gain, bounds[:-1])
    steps = [
        [f"upgrade_{s}" for s in _STEPS if _RANK[chain.road_class] < _RANK[s] <= _RANK[target]]
        for chain, target in plans
    ]
    prices, terrains = _price_lines([c.geometry for c, _ in plans], steps, table, terrain)
    rows: list[dict[str, Any]] = []
    row_work = np.full(len(base), None, dtype=object)
    skipped = 0
    for p, (chain, target) in enumerate(
        tqdm(plans, desc="upgrades", unit="work", disable=not progress_enabled())
    ):
        if not (raised[p] and gains[p]):
            skipped += 1
            continue
        cost, main = float(prices[p]), terrains[p]
        part = slice(int(bounds[p]), int(bounds[p + 1]))
        work_id = f"UPG-{len(rows) + 1:05d}"
        row_work[part] = work_id
        place = _between(names[2 * p], names[2 * p + 1])
        road = f"'{chain.name}'" if chain.name else _CLASS_ES[chain.road_class]
        label = f"{_VERB_ES[target]} {chain.name or _CLASS_ES[chain.road_class]}"
        rows.append(
            {
                "work_id": work_id,
                "work_type": "upgrade",
                "origin": "generated",
                "name": f"{label}: {place}" if place else label,
                "description": (
                    f"{chain.road_class} → {target} en {chain.length_m / 1000:.1f} km de {road}"
                    f"{' ' + place if place else ''}; terreno {_TERRAIN_ES[main]}"
                ),
                "length_m": chain.length_m,
                "span_m": 0.0,
                "cost": cost,
                "cofinancing_share": 0.0,
                "class_before": chain.road_class,
                "class_after": target,
                "terrain": main,
                "geometry": chain.geometry,
            }
        )
    done = np.asarray(pd.notna(row_work), dtype=bool)
    changes = [_replace_changes(row_work[done], base[done], new[done])]
    works = _workset(rows, changes, network.crs, table)
    log.info(
        "upgrades: %d works on %d road chains (%d shorter than %.0f m and %d not raisable "
        "or without gain left out)",
        len(works),
        len(chains),
        short,
        min_length_m,
        skipped,
    )
    return network, works


def _ends(plans: Sequence[tuple[_Chain, str]]) -> list[int]:
    return [n for chain, _ in plans for n in chain.ends]


# -- bridges ----------------------------------------------------------------------------------

_WATER_ES = {"river": "río", "stream": "quebrada", "canal": "canal"}


def _width_m(value: Any) -> float | None:
    """Metres from an OSM ``width`` tag ("12", "12 m", "8-10"), or ``None``."""
    match = re.match(r"\s*(\d+(?:[.,]\d+)?)", _text(value))
    if not match:
        return None
    width = float(match.group(1).replace(",", "."))
    return width if width > 0 else None


@dataclass(frozen=True)
class _Crossing:
    span_m: float
    point: shapely.Point
    water_type: str
    water_name: str
    known: bool  # a mapped waterway crosses the line

    @property
    def label(self) -> str:
        """The waterway as a person names it, e.g. "río Pampas"."""
        kind = _WATER_ES.get(self.water_type, "cauce")
        name = self.water_name
        if name.lower().startswith(("río", "rio", "quebrada", "riachuelo", "canal", "arroyo")):
            return name
        return f"{kind} {name}".strip()


def _crossings(
    lines: Sequence[shapely.Geometry],
    default_types: Sequence[str],
    waterways: gpd.GeoDataFrame | None,
) -> list[_Crossing]:
    """Span, place and waterway of the crossing(s) on each line.

    Each point where a mapped waterway (not in a culvert) crosses the line
    adds one span; a line no waterway crosses gets one span of its default type.
    """
    out: list[_Crossing] = []
    water = None if waterways is None else waterways.reset_index(drop=True)
    tree = None if water is None else shapely.STRtree(water.geometry.to_numpy())

    def column(name: str, i: int) -> str:
        return _text(water[name].iloc[i]) if water is not None and name in water.columns else ""

    for line, default in zip(lines, default_types, strict=True):
        hits = [] if tree is None else sorted(int(i) for i in tree.query(line, "intersects"))
        spans: list[float] = []
        points: list[shapely.Point] = []
        wtype, wname = default, ""
        for i in hits:
            if water is None or column("tunnel", i) in ("yes", "culvert"):
                continue
            kind = column("waterway", i) or default
            width = _width_m(column("width", i))
            span = width if width is not None else DEFAULT_SPAN_M.get(kind, DEFAULT_SPAN_M[default])
            found = shapely.get_coordinates(shapely.intersection(line, water.geometry.iloc[i]))
            for xy in found:
                p = shapely.Point(xy)
                if any(p.distance(q) < 5.0 for q in points):
                    continue
                points.append(p)
                spans.append(span)
                if len(points) == 1:
                    wtype, wname = kind, column("name", i)
        if spans:
            out.append(_Crossing(float(sum(spans)), points[0], wtype, wname, True))
        else:
            mid = cast(shapely.LineString, line).interpolate(0.5, normalized=True)
            out.append(_Crossing(DEFAULT_SPAN_M[default], mid, default, "", False))
    return out


def _crossing_edges(edges: gpd.GeoDataFrame) -> np.ndarray:
    """Fords and unbridged river crossings (not walking connectors)."""
    ford = _tag(edges, "ford").isin(["yes", "stepping_stones"]).to_numpy()
    if "unbridged_crossing" in edges.columns:
        ford = ford | edges["unbridged_crossing"].fillna(False).to_numpy(dtype=bool)
    return np.asarray(ford & (edges["road_class"].astype(str) != "connector").to_numpy())


def _bridge_tags(n: int) -> dict[str, Any]:
    return {"ford": [None] * n, "bridge": ["yes"] * n, "unbridged_crossing": [False] * n}


def bridge_candidates(
    network: RoadNetwork,
    *,
    waterways: gpd.GeoDataFrame | None = None,
    costs: CostsSection | None = None,
    tables: SpeedTables | None = None,
) -> tuple[RoadNetwork, WorkSet]:
    """Propose bridges at fords and unbridged river crossings.

    Parameters
    ----------
    network : RoadNetwork
    waterways : geopandas.GeoDataFrame, optional
        Rivers and streams (``waterway``, optional ``width``, ``name``,
        ``tunnel``; any CRS) for spans and names; default spans without.
    costs : CostsSection, optional
        Cost overrides (see :func:`cost_table`).
    tables : SpeedTables, optional
        The speed tables the network was built with (checked).

    Returns
    -------
    network : RoadNetwork
        The input network.
    works : WorkSet
        ``BRG-0001`` … sorted by node pair, one per crossing edge (both
        directions), ``work_type`` ``"bridge"``; a footbridge where no vehicle
        passes, else a vehicle bridge.
    """
    table = cost_table(costs)
    tables = tables or SpeedTables()
    edges = network.edges
    mask = _crossing_edges(edges)
    if not mask.any():
        log.info("bridges: no ford or unbridged crossing in the network")
        return network, _empty_workset(network.crs, table)
    water = _projected_waterways(waterways, network.crs)
    sub = edges[mask]
    _check_tables(sub[sub["vehicle"].to_numpy(bool)], tables)
    base = gpd.GeoDataFrame(sub.reset_index(), geometry="geometry", crs=edges.crs)
    group = _undirected_groups(edges)[mask]
    order = np.lexsort(
        (np.arange(len(base)), group, base[["u", "v"]].max(axis=1), base[["u", "v"]].min(axis=1))
    )
    new = _reweigh(base, _bridge_tags(len(base)), tables)
    new["length_m"] = base["length_m"].to_numpy(float)
    first = order[np.r_[True, group[order][1:] != group[order][:-1]]]
    unbridged = (
        base["unbridged_crossing"].fillna(False).to_numpy(bool)
        if "unbridged_crossing" in base.columns
        else np.zeros(len(base), dtype=bool)
    )
    found = _crossings(
        list(base.geometry.to_numpy()[first]),
        ["river" if unbridged[r] else "stream" for r in first],
        water,
    )
    places = _nearest_names(network, [c.point for c in found])
    rows: list[dict[str, Any]] = []
    row_work = np.full(len(base), None, dtype=object)
    for r, crossing, place in zip(first, found, places, strict=True):
        vehicle = bool(base["vehicle"].iloc[r])
        road_class = str(base["road_class"].iloc[r])
        road_name = _text(base["name"].iloc[r]) if "name" in base.columns else ""
        road = f"'{road_name}'" if road_name else _CLASS_ES.get(road_class, road_class)
        what = "Puente vehicular" if vehicle else "Puente peatonal"
        was = "vado" if _text(base["ford"].iloc[r] if "ford" in base.columns else None) else "cruce"
        work_id = f"BRG-{len(rows) + 1:04d}"
        row_work[group == group[r]] = work_id
        rows.append(
            {
                "work_id": work_id,
                "work_type": "bridge",
                "origin": "generated",
                "name": f"{what} sobre {crossing.label}" + (f" cerca de {place}" if place else ""),
                "description": (
                    f"{what} de {crossing.span_m:.0f} m"
                    f"{'' if crossing.known else ' (luz supuesta)'} en lugar del {was} de {road} "
                    f"sobre {crossing.label}: pasable en época de lluvias"
                ),
                "length_m": 0.0,
                "span_m": crossing.span_m,
                "cost": crossing.span_m
                * float(table.bridge_cost_per_m["vehicle" if vehicle else "foot"]),
                "cofinancing_share": 0.0,
                "class_before": road_class,
                "class_after": road_class,
                "terrain": "",
                "vehicle_bridge": vehicle,
                "geometry": crossing.point,
            }
        )
    done = np.asarray(pd.notna(row_work), dtype=bool)
    works = _workset(
        rows, [_replace_changes(row_work[done], base[done], new[done])], network.crs, table
    )
    n_vehicle = int(works.works["vehicle_bridge"].sum())
    log.info(
        "bridges: %d works (%d vehicle, %d foot)", len(works), n_vehicle, len(works) - n_vehicle
    )
    return network, works


# -- new links --------------------------------------------------------------------------------

#: Grid moves of the least-cost search (half of the 16-neighbourhood; the graph is
#: undirected), with the two cells a knight's move passes between.
_MOVES: tuple[tuple[int, int, tuple[tuple[int, int], ...]], ...] = (
    (0, 1, ()),
    (1, 0, ()),
    (1, 1, ()),
    (1, -1, ()),
    (1, 2, ((0, 1), (1, 1))),
    (2, 1, ((1, 0), (1, 1))),
    (2, -1, ((1, 0), (1, -1))),
    (1, -2, ((0, -1), (1, -1))),
)


def _grid_route(
    elevation: np.ndarray,
    cost_per_m: np.ndarray,
    start: tuple[int, int],
    targets: np.ndarray,
    res: float,
    max_grade: float,
) -> list[tuple[int, int]] | None:
    """Cheapest grid path from ``start`` to any target cell with every step's grade ≤ max.

    A step joins a cell to one of its 16 neighbours; it costs its length times
    the mean cost per metre of its two cells. A knight's move is graded in two
    halves through the mean of the two cells it passes between, so it cannot
    jump a ridge or a gap in the DEM. Cells without elevation are impassable.
    """
    h, w = elevation.shape
    n = h * w
    ids = np.arange(n).reshape(h, w)
    src_list, dst_list, cost_list = [], [], []
    for dr, dc, between in _MOVES:
        rows, cols = slice(0, h - dr), slice(max(0, -dc), min(w, w - dc))

        def block(
            grid: np.ndarray, er: int, ec: int, rows: slice = rows, cols: slice = cols
        ) -> Any:
            return grid[rows.start + er : rows.stop + er, cols.start + ec : cols.stop + ec]

        za, zb = block(elevation, 0, 0), block(elevation, dr, dc)
        step = res * math.hypot(dr, dc)
        with np.errstate(invalid="ignore"):
            ok = np.abs(zb - za) <= max_grade * step
            if between:
                mid = (block(elevation, *between[0]) + block(elevation, *between[1])) / 2.0
                ok &= np.abs(mid - za) <= max_grade * step / 2
                ok &= np.abs(zb - mid) <= max_grade * step / 2
        ok &= np.isfinite(za) & np.isfinite(zb)
        src_list.append(block(ids, 0, 0)[ok])
        dst_list.append(block(ids, dr, dc)[ok])
        cost = (block(cost_per_m, 0, 0) + block(cost_per_m, dr, dc))[ok]
        cost_list.append(step * cost / 2.0)
    graph = coo_array(
        (np.concatenate(cost_list), (np.concatenate(src_list), np.concatenate(dst_list))),
        shape=(n, n),
    ).tocsr()
    s = int(ids[start])
    dist, pred = dijkstra(graph, directed=False, indices=s, return_predecessors=True)
    tgt = ids[targets]
    tgt = tgt[tgt != s]
    if not len(tgt):
        return None
    best = tgt[np.argmin(dist[tgt])]
    if not np.isfinite(dist[best]):
        return None
    path = [int(best)]
    while path[-1] != s:
        path.append(int(pred[path[-1]]))
    path.reverse()
    return [(p // w, p % w) for p in path]


def _clusters(xy: np.ndarray, within_m: float) -> np.ndarray:
    from scipy.spatial import cKDTree

    n = len(xy)
    if n == 0:
        return np.zeros(0, dtype=int)
    pairs = np.array(sorted(cKDTree(xy).query_pairs(within_m)), dtype=np.int64).reshape(-1, 2)
    graph = coo_array((np.ones(len(pairs)), (pairs[:, 0], pairs[:, 1])), shape=(n, n))
    _, label = connected_components(graph, directed=False)
    return np.asarray(label)


def _route_to_road(
    terrain: _Terrain,
    start: shapely.Point,
    tree: shapely.STRtree,
    roads: np.ndarray,
    cost_per_m: np.ndarray,
    *,
    max_length_m: float,
    max_grade: float,
) -> tuple[shapely.LineString, int, shapely.Point] | str:
    """Cheapest road within the grade limit from ``start`` to the nearest of ``roads``.

    Returns the route (from ``start`` through the grid cells to the point
    where it meets a road), the road's position in ``roads`` and that point;
    or why there is none.
    """
    from rasterio.features import rasterize
    from rasterio.transform import from_origin

    h, w = terrain.shape
    (r,), (c,) = terrain.cell_of(np.array([start.x]), np.array([start.y]))
    if not (0 <= r < h and 0 <= c < w):
        return "outside the DEM"
    radius = math.ceil(max_length_m / terrain.res) + 1
    r0, r1 = max(0, r - radius), min(h, r + radius + 1)
    c0, c1 = max(0, c - radius), min(w, c + radius + 1)
    x_w, y_n = terrain.x0 + c0 * terrain.res, terrain.y0 - r0 * terrain.res
    window = shapely.box(x_w, y_n - (r1 - r0) * terrain.res, x_w + (c1 - c0) * terrain.res, y_n)
    near = np.sort(tree.query(window, "intersects"))
    if not len(near):
        return "no vehicle road within reach"
    elevation = terrain.elevation[r0:r1, c0:c1]
    targets = rasterize(
        [(roads[i], 1) for i in near.tolist()],
        out_shape=elevation.shape,
        transform=from_origin(x_w, y_n, terrain.res, terrain.res),
        all_touched=True,
        fill=0,
        dtype="uint8",
    ).astype(bool)
    cost = cost_per_m[_classify_slope(terrain.slope_pct[r0:r1, c0:c1])]
    cells = _grid_route(elevation, cost, (r - r0, c - c0), targets, terrain.res, max_grade)
    if cells is None:
        return "no route within the slope limit"
    cx, cy = terrain.centre(
        np.array([rc[0] + r0 for rc in cells]), np.array([rc[1] + c0 for rc in cells])
    )
    end = shapely.Point(cx[-1], cy[-1])
    j = int(tree.query_nearest(end, all_matches=False)[0])
    road_pt = shapely.line_interpolate_point(roads[j], shapely.line_locate_point(roads[j], end))
    line = _clean_line(
        [(start.x, start.y), *zip(cx.tolist(), cy.tolist(), strict=True), (road_pt.x, road_pt.y)]
    )
    if line.length > max_length_m:
        return "route longer than max_new_link_m"
    return line, j, road_pt


def new_link_candidates(
    network: RoadNetwork,
    *,
    dem_path: Path,
    max_new_link_m: float = 5000.0,
    max_slope_pct: float = 12.0,
    costs: CostsSection | None = None,
    tables: SpeedTables | None = None,
    min_gap_m: float = 1000.0,
    cluster_m: float = 1500.0,
) -> tuple[RoadNetwork, WorkSet]:
    """Propose new roads from communities off the vehicle network to the nearest vehicle road.

    Parameters
    ----------
    network : RoadNetwork
    dem_path : Path
        DEM (the one the network was built with) for routing, walking and cost.
    max_new_link_m : float
        Longest new road (routed length).
    max_slope_pct : float
        Steepest grade of the new road (each grid step), percent.
    costs : CostsSection, optional
        Cost overrides (see :func:`cost_table`).
    tables : SpeedTables, optional
        The speed tables the network was built with.
    min_gap_m : float
        Communities farther than this (straight line) from any vehicle road
        are candidates.
    cluster_m : float
        Candidate communities closer than this to each other share one road.

    Returns
    -------
    network : RoadNetwork
        A copy with the road edges the new roads meet split there.
    works : WorkSet
        ``NEW-0001`` … sorted by the id of the cluster's community nearest to a
        road (the road starts from it, or from the next nearest member when no
        road within the limits can be found from it); each
        adds both directions of the new road between the community's node and
        the road node; ``community_ids`` lists the communities of the cluster.
    """
    table = cost_table(costs)
    tables = tables or SpeedTables()
    edges = network.edges
    comm = network.communities
    vehicle = edges[
        edges["vehicle"].to_numpy(bool)
        & (edges["road_class"].astype(str) != "connector").to_numpy()
    ]
    if comm.empty or vehicle.empty:
        return network, _empty_workset(network.crs, table)
    terrain = _Terrain.from_dem(Path(dem_path), network.crs)
    veh_geoms = vehicle.geometry.to_numpy()
    tree = shapely.STRtree(veh_geoms)
    pts = comm.geometry.to_numpy()
    _, gap = tree.query_nearest(pts, all_matches=False, return_distance=True)
    gap = np.asarray(gap)
    chosen = np.flatnonzero((gap > min_gap_m) & (gap <= max_new_link_m))
    ids = comm["community_id"].astype(str).to_numpy() if "community_id" in comm else None
    ident = ids if ids is not None else np.array([str(i) for i in comm.index])
    xy = np.column_stack([shapely.get_x(pts[chosen]), shapely.get_y(pts[chosen])])
    label = _clusters(xy, cluster_m)
    # each cluster: members by distance to a road (the nearest tried first), and by id
    plans: list[tuple[list[int], list[int]]] = []
    for lab in np.unique(label):
        members = chosen[label == lab]
        by_gap = members[np.lexsort((ident[members], gap[members]))].tolist()
        plans.append((by_gap, sorted(by_gap, key=lambda i: ident[i])))
    plans.sort(key=lambda p: ident[p[0][0]])
    per_m = np.array([table.per_m("new_link", t) for t in TERRAIN_CLASSES])
    routes: list[tuple[int, list[int], shapely.LineString, EdgeKey, shapely.Point]] = []
    failed: Counter[str] = Counter()
    for by_gap, members in tqdm(
        plans, desc="new links", unit="link", disable=not progress_enabled()
    ):
        reasons = []
        for gate in by_gap:
            found = _route_to_road(
                terrain,
                pts[gate],
                tree,
                veh_geoms,
                per_m,
                max_length_m=max_new_link_m,
                max_grade=max_slope_pct / 100.0,
            )
            if not isinstance(found, str):
                line, j, road_pt = found
                key = vehicle.index[j]
                routes.append(
                    (gate, members, line, (int(key[0]), int(key[1]), int(key[2])), road_pt)
                )
                break
            reasons.append(found)
        else:
            failed[reasons[0]] += 1
    split_net, road_nodes = split_edges(network, [(k, pt) for _, _, _, k, pt in routes])
    nodes = split_net.nodes

    def node_xy(n: int) -> tuple[float, float]:
        return float(nodes.at[n, "x"]), float(nodes.at[n, "y"])

    links = []
    for (gate, _, line, _, _), road_node in zip(routes, road_nodes, strict=True):
        node = int(comm["node_id"].iloc[gate])
        inner = [(float(x), float(y)) for x, y in shapely.get_coordinates(line)[1:-1]]
        # the route runs exactly from node to node
        line = _clean_line([node_xy(node), *inner, node_xy(road_node)])
        links.append((node, road_node, line, f"Acceso a {_place_name(comm, gate)}"))
    new_edges = _new_road_edges(links, NEW_LINK_TAGS, network.crs, tables, Path(dem_path))
    rows: list[dict[str, Any]] = []
    changes: list[pd.DataFrame] = []
    for i, ((gate, members, _, key, _), (_, _, line, _)) in enumerate(
        zip(routes, links, strict=True)
    ):
        gate_name = _place_name(comm, gate)
        others = [n for n in (_place_name(comm, m) for m in members) if n != gate_name]
        who = gate_name + (f" (y {', '.join(others)})" if others else "")
        road_name = _text(vehicle.at[key, "name"]) if "name" in vehicle.columns else ""
        road_class = str(vehicle.at[key, "road_class"])
        road = f"'{road_name}'" if road_name else _CLASS_ES.get(road_class, road_class)
        pair = new_edges.iloc[2 * i : 2 * i + 2]
        cost, main = _price_line(line, ["new_link"], table, terrain)
        work_id = f"NEW-{len(rows) + 1:04d}"
        rows.append(
            {
                "work_id": work_id,
                "work_type": "new_link",
                "origin": "generated",
                "name": f"Nueva trocha afirmada a {who}",
                "description": (
                    f"Carretera nueva (afirmado) de {line.length / 1000:.1f} km desde {gate_name} "
                    f"hasta {road}, pendiente máxima {max_slope_pct:g} %; terreno "
                    f"{_TERRAIN_ES[main]}; a {gap[gate] / 1000:.1f} km en línea recta"
                ),
                "length_m": float(line.length),
                "span_m": 0.0,
                "cost": cost,
                "cofinancing_share": 0.0,
                "class_before": "",
                "class_after": str(pair["road_class"].iloc[0]),
                "terrain": main,
                "community_ids": ",".join(ident[m] for m in members),
                "geometry": line,
            }
        )
        changes.append(_add_changes(work_id, pair))
    works = _workset(rows, changes, network.crs, table)
    log.info(
        "new links: %d works for %d communities farther than %.0f m from a vehicle road "
        "(%d clusters; not built: %s)",
        len(works),
        len(chosen),
        min_gap_m,
        len(plans),
        ", ".join(f"{v} {k}" for k, v in sorted(failed.items())) or "none",
    )
    return split_net, works


# -- proposals --------------------------------------------------------------------------------

_PROPOSAL_TYPES = ("upgrade", "new_link", "bridge")
#: Class a proposed upgrade raises a road to when the proposal names none.
_NEXT_CLASS = {
    "camino": "trocha",
    "trocha": "afirmado",
    "sin_afirmar": "afirmado",
    "afirmado": "asfaltado",
}
_PROPOSAL_GEOMETRY = {
    "upgrade": ("LineString", "MultiLineString"),
    "new_link": ("LineString",),
    "bridge": ("Point", "LineString", "MultiLineString"),
}
_ESTIMATED = " (costo estimado con la tabla de costos)"


@dataclass(frozen=True)
class _Proposal:
    row: int
    pid: str
    kind: str
    geom: shapely.Geometry
    cost: float  # nan: estimate from the cost table
    share: float
    to_class: str
    span_m: float  # nan: from the waterway
    name: str


@dataclass(frozen=True)
class _Context:
    network: RoadNetwork
    table: CostTable
    tables: SpeedTables
    terrain: _Terrain | None
    dem_path: Path | None
    waterways: gpd.GeoDataFrame | None
    road: gpd.GeoDataFrame  # non-connector edges
    crossing: gpd.GeoDataFrame  # fords and unbridged crossings
    groups: pd.Series  # undirected road number per edge


def _proposal_id(value: Any) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def _read_proposals(path: Path) -> gpd.GeoDataFrame:
    if not path.is_file():
        raise MissingFileError(f"proposals file not found: {path}")
    try:
        with warnings.catch_warnings():
            # ids mixing numbers and text are read as text, which is what we want
            warnings.filterwarnings("ignore", "Could not parse column", UserWarning)
            frame = gpd.read_file(path)
    except (pyogrio.errors.DataSourceError, pyogrio.errors.DataLayerError, ValueError) as exc:
        raise DataError(f"{path}: cannot read the proposals file: {exc}") from exc
    if frame.crs is None:
        raise CrsError(f"{path}: the proposals file has no CRS")
    geometry = frame.geometry.name
    frame.columns = [c if c == geometry else str(c).strip().lower() for c in frame.columns]
    missing = [c for c in ("id", "type") if c not in frame.columns]
    if missing:
        raise DataError(
            f"{path}: proposals lack column(s) {', '.join(missing)} "
            f"(columns: {', '.join(map(str, frame.columns))})"
        )
    return frame


def _number(value: Any) -> float | None:
    """Return a number, ``nan`` when missing, ``None`` for text that is not a number."""
    if value is None:
        return math.nan
    if isinstance(value, str):
        if not value.strip():
            return math.nan
        try:
            return float(value.replace(",", "."))
        except ValueError:
            return None
    try:
        return float(value)
    except (TypeError, ValueError):
        return None


def _check_proposal(
    row: pd.Series, i: int, pid: str, region: shapely.Geometry, *, estimate_missing_cost: bool
) -> _Proposal | str:
    """Return the proposal, or why it is rejected."""
    kind = _text(row.get("type")).strip().lower()
    geom = row.geometry
    if kind not in _PROPOSAL_TYPES:
        return f"unknown work type {kind!r} (known: {', '.join(_PROPOSAL_TYPES)})"
    if geom is None or geom.is_empty:
        return "empty geometry"
    if not geom.is_valid:
        return f"invalid geometry ({shapely.is_valid_reason(geom)})"
    allowed = _PROPOSAL_GEOMETRY[kind]
    if geom.geom_type not in allowed:
        return f"a {kind} needs a {' or '.join(allowed)} geometry, got {geom.geom_type}"
    if not geom.within(region):
        return "geometry outside the region of the network"
    cost = _number(row.get("cost"))
    if cost is None:
        return f"cost {row.get('cost')!r} is not a number"
    if math.isnan(cost) and not estimate_missing_cost:
        return "missing cost"
    if cost < 0:
        return f"negative cost ({cost:,.0f})"
    share = _number(row.get("cofinancing_share"))
    if share is None or not (math.isnan(share) or 0.0 <= share <= 1.0):
        return f"cofinancing_share must be between 0 and 1 (got {row.get('cofinancing_share')!r})"
    to_class = _text(row.get("to_class")).strip().lower()
    if to_class and (to_class not in _RANK or to_class == "camino"):
        return f"unknown to_class {to_class!r} (known: {', '.join(CLASS_ORDER[1:])})"
    span = _number(row.get("span_m"))
    if span is None or not (math.isnan(span) or span > 0):
        return f"span_m must be a positive number (got {row.get('span_m')!r})"
    return _Proposal(
        row=i,
        pid=pid,
        kind=kind,
        geom=geom,
        cost=cost,
        share=0.0 if math.isnan(share) else share,
        to_class=to_class,
        span_m=span,
        name=_text(row.get("name")).strip(),
    )


def _snap_end(
    network: RoadNetwork, point: shapely.Point, road: gpd.GeoDataFrame, tree: shapely.STRtree
) -> tuple[int | None, EdgeKey | None, shapely.Point]:
    """Where a proposed road's end meets the network: a community's node or a road point."""
    j = int(tree.query_nearest(point, all_matches=False)[0])
    line = road.geometry.iloc[j]
    on_road = shapely.line_interpolate_point(line, shapely.line_locate_point(line, point))
    comm = network.communities
    if not comm.empty:
        i = int(shapely.STRtree(comm.geometry.to_numpy()).query_nearest(point)[0])
        at = comm.geometry.iloc[i]
        if point.distance(at) < point.distance(on_road):
            return int(comm["node_id"].iloc[i]), None, at
    k = road.index[j]
    return None, (int(k[0]), int(k[1]), int(k[2])), on_road


def _proposed_upgrade(prop: _Proposal, ctx: _Context) -> tuple[dict[str, Any], pd.DataFrame] | str:
    road = ctx.road
    zone = shapely.buffer(prop.geom, PROPOSAL_SNAP_M)
    near = np.sort(shapely.STRtree(road.geometry.to_numpy()).query(zone, "intersects"))
    cand = road.iloc[near]
    lines = cand.geometry.to_numpy()
    inside = shapely.length(shapely.intersection(lines, zone)) / np.maximum(
        shapely.length(lines), 1e-9
    )
    cls = cand["road_class"].astype(str).to_numpy()
    targets = np.array([prop.to_class or _NEXT_CLASS.get(c, c) for c in cls], dtype=object)
    keep = (inside >= 0.5) & np.array(
        [c in _RANK and _RANK[t] > _RANK[c] for c, t in zip(cls, targets, strict=True)], dtype=bool
    )
    if not keep.any():
        return f"no road of a lower class along its line (within {PROPOSAL_SNAP_M:g} m)"
    cand, cls, targets = cand[keep], cls[keep], targets[keep]
    highway = _tag(cand, "highway").fillna("").astype(str).to_numpy()
    opened = np.array([c == "camino" for c in cls])
    tags: dict[str, Any] = {
        "highway": [
            "track" if (o and h in PATH_HIGHWAYS) else h
            for h, o in zip(highway, opened, strict=True)
        ],
        **{col: [TARGET_TAGS[t][col] for t in targets] for col in _RETAGGED},
        "motor_vehicle": _tag(cand, "motor_vehicle").where(~opened, None).tolist(),
    }
    base = gpd.GeoDataFrame(cand.reset_index(), geometry="geometry", crs=road.crs)
    new = _reweigh(base, tags, ctx.tables)
    new["length_m"] = base["length_m"].to_numpy(float)
    done = (new["road_class"].to_numpy() == targets) & _improves(new, base)
    if not done.any():
        return "the roads along its line cannot be raised (closed to vehicles?)"
    first = done & ~ctx.groups.loc[cand.index].duplicated().to_numpy()
    geoms = base.geometry.to_numpy()
    length = float(base["length_m"].to_numpy(float)[first].sum())
    cost, main = prop.cost, DEFAULT_TERRAIN
    if math.isnan(cost):
        cost = 0.0
        by_terrain: dict[str, float] = {}
        for c, t, g in zip(cls[first], targets[first], geoms[first], strict=True):
            steps = [f"upgrade_{s}" for s in _STEPS if _RANK[c] < _RANK[s] <= _RANK[t]]
            part, terrain = _price_line(g, steps, ctx.table, ctx.terrain)
            cost += part
            by_terrain[terrain] = by_terrain.get(terrain, 0.0) + float(g.length)
        main = max(sorted(by_terrain), key=by_terrain.__getitem__)
    before = "/".join(sorted(set(cls[done].tolist()), key=_RANK.__getitem__))
    after = "/".join(sorted(set(targets[done].tolist()), key=_RANK.__getitem__))
    record = {
        "name": prop.name or f"Propuesta {prop.pid}: mejoramiento ({before} → {after})",
        "description": (
            f"Propuesta {prop.pid}: {before} → {after} en {length / 1000:.1f} km"
            + (_ESTIMATED if math.isnan(prop.cost) else "")
        ),
        "length_m": length,
        "span_m": 0.0,
        "cost": cost,
        "class_before": before,
        "class_after": after,
        "terrain": main,
        "geometry": shapely.line_merge(shapely.MultiLineString(list(geoms[first]))),
    }
    work_id = f"PROP-{prop.pid}"
    return record, _replace_changes([work_id] * int(done.sum()), base[done], new[done])


def _proposed_bridge(prop: _Proposal, ctx: _Context) -> tuple[dict[str, Any], pd.DataFrame] | str:
    crossing = ctx.crossing
    if crossing.empty:
        return "the network has no ford or unbridged river crossing to bridge"
    tree = shapely.STRtree(crossing.geometry.to_numpy())
    (j,), (dist,) = tree.query_nearest(prop.geom, all_matches=False, return_distance=True)
    if dist > BRIDGE_SNAP_M:
        return f"no ford or unbridged river crossing within {BRIDGE_SNAP_M:g} m"
    key = crossing.index[int(j)]
    same = (ctx.groups.loc[crossing.index] == ctx.groups.loc[key]).to_numpy()
    base = gpd.GeoDataFrame(crossing[same].reset_index(), geometry="geometry", crs=crossing.crs)
    new = _reweigh(base, _bridge_tags(len(base)), ctx.tables)
    new["length_m"] = base["length_m"].to_numpy(float)
    unbridged = (
        bool(base["unbridged_crossing"].fillna(False).iloc[0])
        if "unbridged_crossing" in base.columns
        else False
    )
    found = _crossings([base.geometry.iloc[0]], ["river" if unbridged else "stream"], ctx.waterways)
    span = found[0].span_m if math.isnan(prop.span_m) else prop.span_m
    vehicle = bool(base["vehicle"].iloc[0])
    cost = prop.cost
    if math.isnan(cost):
        cost = span * float(ctx.table.bridge_cost_per_m["vehicle" if vehicle else "foot"])
    road_class = str(base["road_class"].iloc[0])
    what = "vehicular" if vehicle else "peatonal"
    record = {
        "name": prop.name or f"Propuesta {prop.pid}: puente {what}",
        "description": (
            f"Propuesta {prop.pid}: puente {what} de {span:.0f} m en el cruce de "
            f"{_CLASS_ES.get(road_class, road_class)} sobre {found[0].label}"
            + (_ESTIMATED if math.isnan(prop.cost) else "")
        ),
        "length_m": 0.0,
        "span_m": span,
        "cost": cost,
        "class_before": road_class,
        "class_after": road_class,
        "terrain": "",
        "geometry": found[0].point,
    }
    return record, _replace_changes([f"PROP-{prop.pid}"] * len(base), base, new)


def _proposed_link(
    prop: _Proposal, a: int, b: int, ctx: _Context
) -> tuple[dict[str, Any], pd.DataFrame] | str:
    if a == b:
        return "both ends of the new road meet the network at the same place"
    nodes = ctx.network.nodes
    coords = [
        (float(nodes.at[a, "x"]), float(nodes.at[a, "y"])),
        *[(float(x), float(y)) for x, y in shapely.get_coordinates(prop.geom)],
        (float(nodes.at[b, "x"]), float(nodes.at[b, "y"])),
    ]
    line = _clean_line(coords)
    target = prop.to_class or "afirmado"
    tags = {
        **NEW_LINK_TAGS,
        "surface": TARGET_TAGS[target]["surface"],
        "tracktype": TARGET_TAGS[target]["tracktype"],
    }
    label = prop.name or f"Propuesta {prop.pid}"
    new_edges = _new_road_edges(
        [(a, b, line, label)], tags, ctx.network.crs, ctx.tables, ctx.dem_path
    )
    cost, main = prop.cost, DEFAULT_TERRAIN
    if math.isnan(cost):
        cost, main = _price_line(line, ["new_link"], ctx.table, ctx.terrain)
    built = str(new_edges["road_class"].iloc[0])
    record = {
        "name": prop.name or f"Propuesta {prop.pid}: carretera nueva",
        "description": (
            f"Propuesta {prop.pid}: carretera nueva ({built}) de {line.length / 1000:.1f} km"
            + (_ESTIMATED if math.isnan(prop.cost) else "")
        ),
        "length_m": float(line.length),
        "span_m": 0.0,
        "cost": cost,
        "class_before": "",
        "class_after": built,
        "terrain": main,
        "geometry": line,
    }
    return record, _add_changes(f"PROP-{prop.pid}", new_edges)


def _clean_line(coords: Sequence[tuple[float, float]]) -> shapely.LineString:
    """Return the line through the points, without repeated ones."""
    clean = [coords[0]]
    for q in coords[1:]:
        if math.hypot(q[0] - clean[-1][0], q[1] - clean[-1][1]) > 0.01:
            clean.append(q)
    return shapely.LineString(clean)


def proposals_from_file(
    path: str | Path,
    network: RoadNetwork,
    *,
    costs: CostsSection | None = None,
    dem_path: Path | None = None,
    waterways: gpd.GeoDataFrame | None = None,
    tables: SpeedTables | None = None,
    estimate_missing_cost: bool = False,
) -> tuple[RoadNetwork, WorkSet, pd.DataFrame]:
    """Read road works proposed in a file, validate them and turn them into edge changes.

    The file (GeoJSON, GeoPackage or anything geopandas reads, with a CRS) has
    one row per proposal:

    * ``id`` (required, unique) — the work id becomes ``PROP-<id>``;
    * ``type`` (required): ``upgrade`` (a line along existing roads: each road
      under it is raised one class step, or to ``to_class``), ``new_link`` (a
      line: a new afirmado track whose two ends join the network — each end at
      the nearer of the nearest community or the nearest point of a road,
      which is split there), ``bridge`` (a point or line: the nearest ford or
      unbridged crossing within :data:`BRIDGE_SNAP_M`);
    * ``cost`` in the region's currency: required — a missing cost is
      rejected — unless ``estimate_missing_cost``, when it is estimated with
      the cost table like a generated work (and the description says so);
    * ``cofinancing_share`` (optional, 0..1: the share others pay), ``name``
      (optional), ``to_class`` (optional: ``trocha``, ``sin_afirmar``,
      ``afirmado``, ``asfaltado``), ``span_m`` (optional, bridges).

    A proposal is rejected — logged as a warning and listed with the reason,
    while the others are still evaluated — for a missing or duplicate id
    (every row with that id), an unknown type, an empty, invalid or wrongly
    typed geometry, a geometry not inside the network's extent (its convex
    hull grown by :data:`REGION_MARGIN_M`), a negative, non-numeric or missing
    cost, a co-financing share outside 0..1, or a work that changes nothing
    (no lower-class road along the line within :data:`PROPOSAL_SNAP_M`, no
    crossing near the bridge, a new road whose ends meet the network at one
    place).

    Parameters
    ----------
    path : str or Path
        The proposals file.
    network : RoadNetwork
    costs : CostsSection, optional
        Cost overrides (for estimated costs).
    dem_path : Path, optional
        DEM the network was built with: walking on new roads, terrain of
        estimated costs.
    waterways : geopandas.GeoDataFrame, optional
        Waterways for bridge spans.
    tables : SpeedTables, optional
        The speed tables the network was built with.
    estimate_missing_cost : bool
        Estimate a missing cost from the cost table instead of rejecting it.

    Returns
    -------
    network : RoadNetwork
        A copy with edges split where proposed new roads meet them.
    works : WorkSet
        The valid proposals (``origin`` ``"proposal"``), in file order.
    rejected : pandas.DataFrame
        ``proposal_id`` and ``reason`` of each rejected row, in file order.

    Raises
    ------
    MissingFileError
        The file does not exist.
    CrsError
        The file has no CRS.
    DataError
        The file cannot be read, or lacks the ``id`` or ``type`` column.
    """
    path = Path(path)
    table = cost_table(costs)
    frame = _read_proposals(path).to_crs(network.crs)
    region = shapely.convex_hull(shapely.MultiPoint(network.nodes.geometry.to_numpy()))
    region = region.buffer(REGION_MARGIN_M)
    rejected: list[tuple[int, str, str]] = []

    def reject(i: int, pid: str, reason: str) -> None:
        rejected.append((i, pid, reason))
        log.warning("%s: proposal %r rejected: %s", path.name, pid, reason)

    ids = [_proposal_id(v) for v in frame["id"]]
    uses = Counter(ids)
    valid: list[_Proposal] = []
    for i, pid in enumerate(ids):
        if not pid:
            reject(i, f"(row {i + 1})", "missing id")
            continue
        if uses[pid] > 1:
            reject(i, pid, f"duplicate id (used by {uses[pid]} proposals)")
            continue
        checked = _check_proposal(
            frame.iloc[i], i, pid, region, estimate_missing_cost=estimate_missing_cost
        )
        if isinstance(checked, str):
            reject(i, pid, checked)
        else:
            valid.append(checked)

    # the ends of proposed roads first: they may split edges
    road = network.edges[(network.edges["road_class"].astype(str) != "connector").to_numpy()]
    tree = shapely.STRtree(road.geometry.to_numpy())
    ends: dict[tuple[int, int], int | None] = {}
    cuts: list[tuple[EdgeKey, shapely.Point]] = []
    cut_of: dict[tuple[int, int], int] = {}
    for n, prop in enumerate(valid):
        if prop.kind != "new_link":
            continue
        coords = shapely.get_coordinates(prop.geom)
        for e, xy in enumerate((coords[0], coords[-1])):
            node, edge, at = _snap_end(network, shapely.Point(xy), road, tree)
            ends[(n, e)] = node
            if edge is not None:
                cut_of[(n, e)] = len(cuts)
                cuts.append((edge, at))
    network, cut_nodes = split_edges(network, cuts)
    for where, c in cut_of.items():
        ends[where] = cut_nodes[c]

    edges = network.edges
    ctx = _Context(
        network=network,
        table=table,
        tables=tables or SpeedTables(),
        terrain=_Terrain.from_dem(dem_path, network.crs) if dem_path is not None else None,
        dem_path=dem_path,
        waterways=_projected_waterways(waterways, network.crs),
        road=edges[(edges["road_class"].astype(str) != "connector").to_numpy()],
        crossing=edges[_crossing_edges(edges)],
        groups=pd.Series(_undirected_groups(edges), index=edges.index),
    )
    _check_tables(ctx.road[ctx.road["vehicle"].to_numpy(bool)], ctx.tables)
    rows: list[dict[str, Any]] = []
    changes: list[pd.DataFrame] = []
    for n, prop in enumerate(
        tqdm(valid, desc="proposals", unit="work", disable=not progress_enabled())
    ):
        if prop.kind == "upgrade":
            made = _proposed_upgrade(prop, ctx)
        elif prop.kind == "bridge":
            made = _proposed_bridge(prop, ctx)
        else:
            a, b = ends[(n, 0)], ends[(n, 1)]
            if a is None or b is None:  # pragma: no cover - every end got a node above
                raise DataError(f"proposal {prop.pid!r}: an end did not meet the network")
            made = _proposed_link(prop, a, b, ctx)
        if isinstance(made, str):
            reject(prop.row, prop.pid, made)
            continue
        record, change = made
        rows.append(
            {
                "work_id": f"PROP-{prop.pid}",
                "work_type": prop.kind,
                "origin": "proposal",
                "cofinancing_share": prop.share,
                **record,
            }
        )
        changes.append(change)
    works = _workset(rows, changes, network.crs, table)
    rejected.sort()
    rejected_frame = pd.DataFrame(
        [r[1:] for r in rejected], columns=["proposal_id", "reason"], dtype=object
    )
    log.info("%s: %d proposals accepted, %d rejected", path.name, len(works), len(rejected_frame))
    return network, works, rejected_frame


def _projected_waterways(waterways: gpd.GeoDataFrame | None, crs: Any) -> gpd.GeoDataFrame | None:
    if waterways is None or waterways.empty:
        return None
    if waterways.crs is None:
        raise CrsError("waterways layer has no CRS")
    return waterways.to_crs(crs)


# -- everything -------------------------------------------------------------------------------


def generate_candidates(
    network: RoadNetwork,
    *,
    kinds: Iterable[str] = ("upgrade", "new_link", "bridge"),
    dem_path: Path | None = None,
    waterways: gpd.GeoDataFrame | None = None,
    proposals: str | Path | None = None,
    costs: CostsSection | None = None,
    max_new_link_m: float = 5000.0,
    max_slope_pct: float = 12.0,
    tables: SpeedTables | None = None,
    estimate_missing_cost: bool = False,
) -> tuple[RoadNetwork, WorkSet, pd.DataFrame]:
    """Every candidate work of a region: generated ones and proposals.

    Runs :func:`new_link_candidates`, :func:`proposals_from_file`,
    :func:`upgrade_candidates` and :func:`bridge_candidates` in that order
    (edge splits first), passing the network along.

    Parameters
    ----------
    network : RoadNetwork
    kinds : iterable of str
        Work types to generate (``upgrade``, ``new_link``, ``bridge``).
    dem_path : Path, optional
        DEM (the one the network was built with); new links need one and are
        skipped without it.
    waterways : geopandas.GeoDataFrame, optional
        Waterways for bridge spans and names.
    proposals : str or Path, optional
        A proposals file (see :func:`proposals_from_file`).
    costs : CostsSection, optional
        Cost overrides.
    max_new_link_m, max_slope_pct : float
        Limits of new roads.
    tables : SpeedTables, optional
        The speed tables the network was built with.
    estimate_missing_cost : bool
        For proposals: estimate a missing cost instead of rejecting.

    Returns
    -------
    network : RoadNetwork
        The network every work is measured against (with edges split).
    works : WorkSet
        Upgrades, new links, bridges, then proposals.
    rejected : pandas.DataFrame
        Rejected proposals (``proposal_id``, ``reason``).

    Raises
    ------
    ConfigError
        Unknown work kind or cost key.
    """
    wanted = list(kinds)
    unknown = sorted(set(wanted) - set(_PROPOSAL_TYPES))
    if unknown:
        raise ConfigError(
            f"unknown work type(s) to generate: {unknown}; known: {', '.join(_PROPOSAL_TYPES)}"
        )
    table = cost_table(costs)
    parts: dict[str, WorkSet] = {}
    rejected = pd.DataFrame({"proposal_id": pd.Series(dtype=str), "reason": pd.Series(dtype=str)})
    if "new_link" in wanted:
        if dem_path is None:
            log.warning("new links need a DEM to route over the terrain: none given, skipped")
        else:
            network, parts["new_link"] = new_link_candidates(
                network,
                dem_path=dem_path,
                max_new_link_m=max_new_link_m,
                max_slope_pct=max_slope_pct,
                costs=costs,
                tables=tables,
            )
    if proposals is not None:
        network, parts["proposal"], rejected = proposals_from_file(
            proposals,
            network,
            costs=costs,
            dem_path=dem_path,
            waterways=waterways,
            tables=tables,
            estimate_missing_cost=estimate_missing_cost,
        )
    if "upgrade" in wanted:
        network, parts["upgrade"] = upgrade_candidates(
            network, costs=costs, dem_path=dem_path, tables=tables
        )
    if "bridge" in wanted:
        network, parts["bridge"] = bridge_candidates(
            network, waterways=waterways, costs=costs, tables=tables
        )
    ordered = [parts[k] for k in ("upgrade", "new_link", "bridge", "proposal") if k in parts]
    filled = [p for p in ordered if len(p)]
    works = WorkSet.concat(filled) if filled else _empty_workset(network.crs, table)
    log.info(
        "candidates: %s; %d proposals rejected",
        ", ".join(f"{len(parts[k])} {k}" for k in parts) or "none",
        len(rejected),
    )
    return network, works, rejected
