"""Cost of road works: unit cost tables, a region's cost table, terrain and pricing.

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

The DEM is read into a north-up grid in the network CRS with its ground slope;
new links (:mod:`connectivity.works.new_links`) route over the same grid.

Examples
--------
>>> UNIT_COST_PER_KM["upgrade_afirmado_flat"], BRIDGE_COST_PER_M["foot"]
(450000.0, 8000.0)
"""

from __future__ import annotations

import contextlib
import math
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numba
import numpy as np
import shapely

from connectivity.config import CostsSection
from connectivity.errors import ConfigError
from connectivity.sources.elevation import _dem_band, open_dem

__all__ = [
    "BRIDGE_COST_PER_M",
    "DEFAULT_TERRAIN",
    "TERRAIN_CLASSES",
    "TERRAIN_SLOPE_PCT",
    "UNIT_COST_PER_KM",
    "CostTable",
    "cost_table",
]


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


@dataclass(frozen=True)
class _Grid:
    """The cells of a DEM on a north-up square grid in the network CRS (without their values)."""

    x0: float  # west edge
    y0: float  # north edge
    res: float  # cell size (m)
    height: int  # rows
    width: int  # columns

    @classmethod
    def _placed(cls, src: Any, crs: Any) -> tuple[_Grid, Any]:
        """Return the grid of an open DEM in ``crs`` and the transform to warp to (``None``: none).

        A DEM already in ``crs`` on north-up square cells is read as it is;
        any other is warped to square cells of its coarser resolution.
        """
        from rasterio.warp import calculate_default_transform

        t = src.transform
        square = math.isclose(abs(t.a), abs(t.e), rel_tol=1e-6) and t.b == 0 and t.d == 0
        if src.crs == crs and square and t.e < 0:
            return cls(float(t.c), float(t.f), float(abs(t.a)), src.height, src.width), None
        dst, width, height = calculate_default_transform(
            src.crs, crs, src.width, src.height, *src.bounds
        )
        res = max(abs(dst.a), abs(dst.e))
        dst, width, height = calculate_default_transform(
            src.crs, crs, src.width, src.height, *src.bounds, resolution=res
        )
        return cls(float(dst.c), float(dst.f), float(res), int(height), int(width)), dst

    @property
    def shape(self) -> tuple[int, int]:
        return (self.height, self.width)

    def cell_of(self, xs: np.ndarray, ys: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Row and column of the cells holding the points (may be outside the grid)."""
        rows = np.floor((self.y0 - np.asarray(ys, dtype=float)) / self.res).astype(np.int64)
        cols = np.floor((np.asarray(xs, dtype=float) - self.x0) / self.res).astype(np.int64)
        return rows, cols

    def centre(self, rows: np.ndarray, cols: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Coordinates of cell centres."""
        return self.x0 + (cols + 0.5) * self.res, self.y0 - (rows + 0.5) * self.res


@dataclass(frozen=True)
class _Terrain(_Grid):
    """A DEM on a north-up square grid in the network CRS, with the terrain class of each cell."""

    elevation: np.ndarray  # float64, NaN where no data
    slope_class: np.ndarray  # int8 index into TERRAIN_CLASSES of the ground slope of each cell

    @classmethod
    def from_dem(cls, dem_path: Path, crs: Any) -> _Terrain:
        """Read a DEM in ``crs`` (once per :func:`_sharing_terrain` block)."""
        key = (str(Path(dem_path).resolve()), str(crs))
        if _SHARED_TERRAIN is not None and key in _SHARED_TERRAIN:
            return _SHARED_TERRAIN[key]
        return cls._kept(key, cls._read(dem_path, crs))

    @staticmethod
    def _kept(key: tuple[str, str], terrain: _Terrain) -> _Terrain:
        if _SHARED_TERRAIN is not None:
            _SHARED_TERRAIN[key] = terrain
        return terrain

    @classmethod
    @contextlib.contextmanager
    def read_aside(cls, dem_path: Path, crs: Any) -> Iterator[tuple[_Grid, Callable[[], _Terrain]]]:
        """Yield the grid of a DEM and a function returning :meth:`from_dem`'s terrain.

        The values are read and classified on another thread meanwhile (GDAL
        and the compiled classification leave this thread free). The file is
        opened on this thread: Python's warning filters, which opening it
        touches, are shared by the threads and not safe to change at once.
        """
        from concurrent.futures import ThreadPoolExecutor

        key = (str(Path(dem_path).resolve()), str(crs))
        if _SHARED_TERRAIN is not None and key in _SHARED_TERRAIN:
            known = _SHARED_TERRAIN[key]
            yield known, lambda: known
            return
        # the classification compiled (or loaded from numba's cache) on this thread, for
        # writable and read-only (shared) bands: compiling touches the warning filters
        for writable in (True, False):
            probe = np.zeros((3, 3))
            probe.setflags(write=writable)
            _slope_classes(probe, 1.0)
        with (
            open_dem(dem_path, what="DEM for new links and terrain costs") as src,
            ThreadPoolExecutor(max_workers=1) as reading,
        ):
            grid = _Grid._placed(src, crs)[0]
            pending = reading.submit(cls._from_source, src, crs)
            yield grid, lambda: cls._kept(key, pending.result())

    @classmethod
    def _read(cls, dem_path: Path, crs: Any) -> _Terrain:
        with open_dem(dem_path, what="DEM for new links and terrain costs") as src:
            return cls._from_source(src, crs)

    @classmethod
    def _from_source(cls, src: Any, crs: Any) -> _Terrain:
        """Read an open DEM in ``crs`` and classify its cells."""
        from rasterio.enums import Resampling
        from rasterio.vrt import WarpedVRT

        grid, warp = _Grid._placed(src, crs)
        if warp is None:
            band = _dem_band(src)
        else:
            nodata = src.nodata if src.nodata is not None else -32768.0
            with WarpedVRT(
                src,
                crs=crs,
                transform=warp,
                width=grid.width,
                height=grid.height,
                resampling=Resampling.bilinear,
                src_nodata=nodata,
                nodata=nodata,
            ) as vrt:
                band = vrt.read(1, masked=True).astype(float).filled(np.nan)
        slope_class = _slope_classes(band, grid.res)
        band.setflags(write=False)  # shared by the works of one run
        slope_class.setflags(write=False)
        return cls(
            x0=grid.x0,
            y0=grid.y0,
            res=grid.res,
            height=int(band.shape[0]),
            width=int(band.shape[1]),
            elevation=band,
            slope_class=slope_class,
        )

    def terrain_class(self, xs: np.ndarray, ys: np.ndarray) -> np.ndarray:
        """Index into :data:`TERRAIN_CLASSES` of the ground at points."""
        rows, cols = self.cell_of(xs, ys)
        h, w = self.shape
        inside = (rows >= 0) & (rows < h) & (cols >= 0) & (cols < w)
        out = np.full(len(rows), TERRAIN_CLASSES.index(DEFAULT_TERRAIN), dtype=np.int64)
        out[inside] = self.slope_class[rows[inside], cols[inside]]
        return out


#: DEMs read in the current :func:`_sharing_terrain` block, by path and CRS.
_SHARED_TERRAIN: dict[tuple[str, str], _Terrain] | None = None


@contextlib.contextmanager
def _sharing_terrain() -> Iterator[None]:
    """Read each DEM once in the block: the generators of one run share it.

    Outside such a block every :meth:`_Terrain.from_dem` reads the file (and
    nothing is held in memory after the works are made).
    """
    global _SHARED_TERRAIN
    outer = _SHARED_TERRAIN
    _SHARED_TERRAIN = {} if outer is None else outer
    try:
        yield
    finally:
        _SHARED_TERRAIN = outer


def _classify_slope(slope_pct: np.ndarray) -> np.ndarray:
    cls = np.digitize(slope_pct, TERRAIN_SLOPE_PCT, right=True)
    return np.where(np.isfinite(slope_pct), cls, TERRAIN_CLASSES.index(DEFAULT_TERRAIN))


@numba.njit(cache=True, nogil=True)
def _slope_class_grid(
    elevation: np.ndarray, res: float, limits: np.ndarray, default: int
) -> np.ndarray:  # pragma: no cover - compiled (run through _slope_classes)
    h, w = elevation.shape
    out = np.empty((h, w), dtype=np.int8)
    two = 2.0 * res
    for r in range(h):
        for c in range(w):
            # np.gradient's central differences inside, one-sided ones at the edges
            if r == 0:
                gy = (elevation[1, c] - elevation[0, c]) / res
            elif r == h - 1:
                gy = (elevation[h - 1, c] - elevation[h - 2, c]) / res
            else:
                gy = (elevation[r + 1, c] - elevation[r - 1, c]) / two
            if c == 0:
                gx = (elevation[r, 1] - elevation[r, 0]) / res
            elif c == w - 1:
                gx = (elevation[r, w - 1] - elevation[r, w - 2]) / res
            else:
                gx = (elevation[r, c + 1] - elevation[r, c - 1]) / two
            slope = 100.0 * math.hypot(gx, gy)
            k = default
            if math.isfinite(slope):
                k = len(limits)
                for i in range(len(limits)):
                    if slope <= limits[i]:
                        k = i
                        break
            out[r, c] = k
    return out


def _slope_classes(elevation: np.ndarray, res: float) -> np.ndarray:
    """Return the terrain class (int8 index into :data:`TERRAIN_CLASSES`) of every DEM cell.

    The class of the steepest ground slope ``100 * hypot(*np.gradient(elevation,
    res))`` (percent) as :func:`_classify_slope` gives it, in one compiled pass,
    with the same float operations (so the same classes at the limits).
    """
    default = TERRAIN_CLASSES.index(DEFAULT_TERRAIN)
    z = np.ascontiguousarray(elevation, dtype=np.float64)
    if min(z.shape) < 2:  # np.gradient's own error for a grid too small
        gy, gx = np.gradient(z, res)
        return _classify_slope(100.0 * np.hypot(gx, gy)).astype(np.int8)
    limits = np.array(TERRAIN_SLOPE_PCT, dtype=np.float64)
    return np.asarray(_slope_class_grid(z, float(res), limits, default))


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
    """Cost of building ``works`` (cost key prefixes) along each line, and its main terrain.

    A line given several times (one road, several target classes) is measured once.
    """
    first: dict[int, int] = {}
    which = np.array([first.setdefault(id(g), len(first)) for g in geoms], dtype=np.int64)
    unique = list({id(g): g for g in geoms}.values())
    by_class = _terrain_lengths(unique, terrain)[which]
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
    # lengths are not negative: a row sums to more than 0 when any class has length
    biggest: list[int] = np.argmax(by_class, axis=1).tolist() if len(by_class) else []
    measured: list[bool] = np.any(by_class > 0, axis=1).tolist()
    main = [
        TERRAIN_CLASSES[k] if any_length else DEFAULT_TERRAIN
        for k, any_length in zip(biggest, measured, strict=True)
    ]
    return cost, main


def _price_line(
    geom: shapely.Geometry, works: Sequence[str], table: CostTable, terrain: _Terrain | None
) -> tuple[float, str]:
    """Cost of building ``works`` (cost key prefixes) along a line, and its main terrain."""
    cost, main = _price_lines([geom], [works], table, terrain)
    return float(cost[0]), main[0]
