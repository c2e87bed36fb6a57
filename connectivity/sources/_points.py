"""Reading point tables, shared by the population and facility loaders.

:mod:`connectivity.sources.population` (communities) and
:mod:`connectivity.sources.facilities` (markets, schools) read their points
the same way, with :func:`load_points`:

* a CSV (longitude/latitude columns in WGS84 degrees; UTF-8, else Latin-1; a
  decimal comma is accepted) or a vector layer (GeoJSON, GeoPackage, …;
  points or representative points, reprojected from the layer's CRS), local
  or downloaded once into the cache;
* the configured columns are checked (a missing one raises ``DataError``
  listing the file's columns) and longitude/latitude checked for a swap;
* rows that cannot be used are dropped and counted, by reason (the constants
  ``MISSING_ID``, ``MISSING_COORDINATES``, … below, checked in that order), in
  a :class:`LoadReport`, which logs one warning and becomes
  ``gdf.attrs["load_report"]``.

Also the ``region`` argument of every loader (:func:`region_geometry`) and
small helpers the loaders share (:func:`check_columns`, :func:`clean_texts`,
:func:`as_points`, :func:`points_inside`).
"""

from __future__ import annotations

import logging
import math
import os
import re
from collections.abc import Sequence
from pathlib import Path
from typing import Any, TypeAlias

import geopandas as gpd
import numpy as np
import pandas as pd
import pyogrio
import shapely
from numpy.typing import NDArray
from shapely.geometry.base import BaseGeometry

from connectivity._http import cached_download, is_url
from connectivity.errors import CrsError, DataError, EmptyRegionError, MissingFileError

log = logging.getLogger(__name__)

Region: TypeAlias = "BaseGeometry | gpd.GeoDataFrame | gpd.GeoSeries | None"
FloatArray: TypeAlias = NDArray[np.float64]

# reasons a row is dropped, in the order they are checked
MISSING_ID = "missing id"
MISSING_COORDINATES = "missing coordinates"
COORDINATES_NOT_NUMERIC = "coordinates not numeric"
COORDINATES_OUT_OF_RANGE = "coordinates out of range"
COORDINATES_AT_ZERO = "coordinates at 0, 0"
MISSING_POPULATION = "missing population"
POPULATION_NOT_NUMERIC = "population not numeric"
NEGATIVE_POPULATION = "negative population"
ZERO_POPULATION = "zero population"
DUPLICATED_ID = "duplicated id"
OUTSIDE_REGION = "outside region"
BELOW_MIN_POPULATION = "below min_population"
NOT_A_SETTLEMENT = "place type without population"
NO_PEOPLE_FOUND = "no population tag and no buildings"
SAME_NAME_NEARBY = "same name as a place nearby"

#: Longitude/latitude box of Peru (west, south, east, north), with a margin:
#: the area used to detect swapped longitude/latitude when no region is given.
PERU_BBOX: tuple[float, float, float, float] = (-81.5, -18.5, -68.5, 0.1)

_EPSG_WGS84 = "EPSG:4326"
_CSV_SUFFIXES = (".csv", ".txt", ".tsv")
_VECTOR_SUFFIXES = (".geojson", ".json", ".gpkg", ".shp", ".fgb", ".geojsonl", ".geojsons")


# --------------------------------------------------------------------------- #
# the load report
# --------------------------------------------------------------------------- #


class LoadReport:
    """Dropped rows by reason, in the order reasons were first met."""

    def __init__(self, source: str, what: str) -> None:
        self.source = source
        self.what = what
        self.rows: dict[str, dict[str, Any]] = {}

    def add(self, reason: str, count: int, population: float | None = None) -> None:
        if count <= 0:
            return
        row = self.rows.setdefault(reason, {"reason": reason, "count": 0, "population": None})
        row["count"] += int(count)
        if population is not None and math.isfinite(population):
            row["population"] = float(row["population"] or 0.0) + float(population)

    @property
    def dropped(self) -> int:
        return sum(int(r["count"]) for r in self.rows.values())

    def records(self) -> list[dict[str, Any]]:
        return [dict(r) for r in self.rows.values()]

    def text(self) -> str:
        return ", ".join(f"{r['count']} {r['reason']}" for r in self.rows.values())

    def log(self, total: int, unit: str = "rows") -> None:
        if self.rows:
            log.warning(
                "%s: dropped %d of %d %s: %s", self.source, self.dropped, total, unit, self.text()
            )


# --------------------------------------------------------------------------- #
# reading and checking point tables
# --------------------------------------------------------------------------- #


def region_geometry(region: Region) -> BaseGeometry | None:
    """Region as one lon/lat geometry, or None."""
    if region is None:
        return None
    if isinstance(region, gpd.GeoDataFrame | gpd.GeoSeries):
        if region.crs is None:
            raise CrsError("region: the GeoDataFrame has no CRS; set one (e.g. EPSG:4326)")
        if region.empty:
            raise EmptyRegionError("region: the GeoDataFrame has no rows")
        geom: BaseGeometry = region.to_crs(_EPSG_WGS84).union_all()
    elif isinstance(region, BaseGeometry):
        geom = region
    else:
        raise DataError(
            f"region: expected a shapely geometry (EPSG:4326) or a GeoDataFrame, "
            f"got {type(region).__name__}"
        )
    if geom.is_empty:
        raise EmptyRegionError("region: the geometry is empty")
    west, south, east, north = geom.bounds
    if west < -180 or east > 180 or south < -90 or north > 90:
        raise CrsError(
            f"region: bounds {geom.bounds} are not longitude/latitude; pass a GeoDataFrame "
            "with its CRS, or a geometry in EPSG:4326"
        )
    return geom


def _local_file(where: str | os.PathLike[str], what: str) -> tuple[Path, str]:
    """Return a local path for ``where`` (a URL is downloaded to the cache) and its name."""
    if isinstance(where, str) and is_url(where):
        return cached_download(where), where
    path = Path(where)
    if not path.exists():
        raise MissingFileError(f"{what}: file not found: {path}")
    if not path.is_file():
        raise DataError(f"{what}: {path} is not a file")
    return path, str(path)


def _format_of(path: Path, source: str) -> str:
    name = path.name.lower()
    if name.endswith(_CSV_SUFFIXES):
        return "csv"
    if name.endswith(_VECTOR_SUFFIXES):
        return "vector"
    raise DataError(
        f"{source}: unknown file type; expected a CSV ({', '.join(_CSV_SUFFIXES)}) or a "
        f"vector layer ({', '.join(_VECTOR_SUFFIXES)})"
    )


def _read_csv(
    path: Path, source: str, sep: str, required: Sequence[str], as_text: Sequence[str]
) -> pd.DataFrame:
    """Read a CSV (UTF-8, else Latin-1) after checking its header has ``required``.

    Columns in ``as_text`` are read as text (ids keep their leading zeros,
    coordinates and counts are parsed by :func:`_numbers`).
    """
    if not isinstance(sep, str) or not sep:
        raise DataError(f"{source}: csv_separator must be a non-empty string, got {sep!r}")
    for encoding in ("utf-8-sig", "latin-1"):
        try:
            header = pd.read_csv(path, sep=sep, nrows=0, encoding=encoding)
            check_columns(list(header.columns), required, source, sep)
            return pd.read_csv(
                path,
                sep=sep,
                encoding=encoding,
                dtype=dict.fromkeys(as_text, str),
                low_memory=False,
            )
        except UnicodeDecodeError:
            log.info("%s: not UTF-8, reading it as Latin-1", source)
        except (pd.errors.ParserError, pd.errors.EmptyDataError) as err:
            raise DataError(
                f"{source}: cannot read it as CSV with separator {sep!r}: {err}"
            ) from err
    raise DataError(f"{source}: cannot decode the text (tried UTF-8 and Latin-1)")


def check_columns(available: list[str], wanted: Sequence[str], source: str, sep: str) -> None:
    missing = [c for c in dict.fromkeys(wanted) if c not in available]
    if not missing:
        return
    hint = ""
    if len(available) == 1:
        seps = [s for s in (";", ",", "\t", "|") if s != sep and s in available[0]]
        if seps:
            hint = f"; is the separator {seps[0]!r} rather than {sep!r} (csv_separator)?"
    shown = ", ".join(repr(c) for c in available[:80]) + (" …" if len(available) > 80 else "")
    raise DataError(
        f"{source}: column(s) {', '.join(repr(c) for c in missing)} not found; "
        f"the file has {len(available)} column(s): {shown}{hint}"
    )


def _read_vector(
    path: Path, source: str, layer: str | None
) -> tuple[pd.DataFrame, FloatArray, FloatArray, NDArray[np.bool_]]:
    """Attributes, lon, lat (EPSG:4326; NaN where no geometry) of a vector layer."""
    try:
        gdf = gpd.read_file(path, layer=layer)
    except (pyogrio.errors.DataSourceError, pyogrio.errors.DataLayerError, ValueError) as err:
        raise DataError(f"{source}: cannot read it as a vector layer: {err}") from err
    if gdf.crs is None:
        raise CrsError(
            f"{source}: the layer has no CRS (coordinate reference system); set one, "
            "e.g. with ogr2ogr -a_srs EPSG:4326"
        )
    geoms = gdf.geometry
    empty = (geoms.isna() | geoms.is_empty).to_numpy()
    points = geoms.copy()
    not_point = ~empty & (geoms.geom_type != "Point").to_numpy()
    if not_point.any():
        points[not_point] = geoms[not_point].representative_point()
    points = points.to_crs(_EPSG_WGS84)
    lon = np.full(len(gdf), np.nan)
    lat = np.full(len(gdf), np.nan)
    lon[~empty] = shapely.get_x(points[~empty].to_numpy())
    lat[~empty] = shapely.get_y(points[~empty].to_numpy())
    return pd.DataFrame(gdf.drop(columns=gdf.geometry.name)), lon, lat, empty


_DECIMAL_COMMA = re.compile(r"^\s*[-+]?\d+,\d+\s*$")


def _numbers(series: pd.Series) -> tuple[FloatArray, NDArray[np.bool_]]:
    """Values as floats and a mask of blank cells (NaN where blank or not a number)."""
    if pd.api.types.is_numeric_dtype(series) and not pd.api.types.is_bool_dtype(series):
        values = series.to_numpy(dtype=float, na_value=np.nan)
        return values, np.isnan(values)
    text = series.astype("string").str.strip()
    blank = (text.isna() | text.eq("")).to_numpy(dtype=bool)
    comma = text.str.match(_DECIMAL_COMMA).fillna(False).to_numpy(dtype=bool)
    text = text.where(~comma, text.str.replace(",", ".", regex=False))
    values = pd.to_numeric(text, errors="coerce").to_numpy(dtype=float, na_value=np.nan)
    return values, blank


def _whole_numbers(series: pd.Series) -> bool:
    """Whether a float column holds only whole numbers (codes read as float because of blanks)."""
    if not pd.api.types.is_float_dtype(series):
        return False
    values = series.to_numpy(dtype=float, na_value=np.nan)
    values = values[~np.isnan(values)]
    return bool(values.size) and bool(np.all(np.isfinite(values) & (values == np.round(values))))


def clean_texts(series: pd.Series) -> pd.Series:
    """Return stripped text, None where blank."""
    text = series.astype("string").str.strip()
    ok = (text.notna() & text.ne("")).fillna(False).to_numpy(dtype=bool)
    values = [v if flag else None for v, flag in zip(text.astype(object), ok, strict=True)]
    return pd.Series(values, index=series.index, dtype="object")


def points_inside(area: BaseGeometry, lon: FloatArray, lat: FloatArray) -> NDArray[np.bool_]:
    ok = np.isfinite(lon) & np.isfinite(lat)
    out = np.zeros(len(lon), dtype=bool)
    out[ok] = shapely.intersects_xy(area, lon[ok], lat[ok])
    return out


def _check_swapped(
    lon: FloatArray,
    lat: FloatArray,
    area: BaseGeometry | None,
    source: str,
    lon_column: str,
    lat_column: str,
) -> None:
    """Raise DataError if the points fall in the area only with lon and lat exchanged."""
    ok = np.isfinite(lon) & np.isfinite(lat)
    n = int(ok.sum())
    if n == 0:
        return
    x, y = lon[ok], lat[ok]
    columns = f"columns {lon_column!r} (longitude) and {lat_column!r} (latitude)"
    if np.mean(np.abs(y) > 90) > 0.5 and np.mean(np.abs(x) <= 90) > 0.5:
        raise DataError(
            f"{source}: {columns} look swapped: most {lat_column!r} values are beyond ±90°, "
            f"e.g. {y[np.abs(y) > 90][0]:g}"
        )
    if np.mean((np.abs(x) > 180) | (np.abs(y) > 90)) > 0.5:
        raise DataError(
            f"{source}: {columns} do not hold longitude/latitude in degrees (WGS84): most "
            f"values are out of range (e.g. {x[0]:g}, {y[0]:g}; projected metres?)"
        )
    checks = [(area, "the region")] if area is not None else []
    for where, name in [*checks, (shapely.box(*PERU_BBOX), "Peru")]:
        as_given = int(shapely.intersects_xy(where, x, y).sum())
        swapped = int(shapely.intersects_xy(where, y, x).sum())
        # the region: nothing falls in it as given, something does exchanged;
        # Peru: most points fall in it only when exchanged
        if (name == "Peru" and swapped >= 0.5 * n > as_given) or (
            name != "Peru" and swapped > 0 and as_given == 0
        ):
            raise DataError(
                f"{source}: {columns} look swapped: {swapped} of {n} points fall in {name} "
                f"with longitude and latitude exchanged, {as_given} as given "
                f"(e.g. {lon_column}={x[0]:g}, {lat_column}={y[0]:g})"
            )


def load_points(
    where: str | os.PathLike[str],
    *,
    what: str,
    id_column: str,
    name_column: str,
    lon_column: str,
    lat_column: str,
    csv_separator: str,
    region: Region,
    population_column: str | None = None,
    district_column: str | None = None,
    keep_columns: bool = False,
    layer: str | None = None,
) -> tuple[gpd.GeoDataFrame, LoadReport]:
    """Read, validate and clean a point table; columns id, name[, population][, district]."""
    area = region_geometry(region)
    path, source = _local_file(where, what)
    kind = _format_of(path, source)
    text_columns = [id_column, name_column] + ([district_column] if district_column else [])
    value_columns = [population_column] if population_column else []
    if kind == "csv":
        needed = [*text_columns, lon_column, lat_column, *value_columns]
        frame = _read_csv(path, source, csv_separator, needed, needed)
        lon, lon_blank = _numbers(frame[lon_column])
        lat, lat_blank = _numbers(frame[lat_column])
        coord_blank = lon_blank | lat_blank
        used = {lon_column, lat_column}
    else:
        frame, lon, lat, coord_blank = _read_vector(path, source, layer)
        check_columns(list(frame.columns), [*text_columns, *value_columns], source, ",")
        used = set()
    total = len(frame)
    report = LoadReport(source, what)
    ids = clean_texts(frame[id_column])
    pop = np.full(total, np.nan)
    if population_column:
        pop, pop_blank = _numbers(frame[population_column])

    _check_swapped(lon, lat, area, source, lon_column, lat_column)

    keep = np.ones(total, dtype=bool)

    def drop(mask: NDArray[np.bool_], reason: str) -> None:
        nonlocal keep
        hit = keep & mask
        known = pop[hit][np.isfinite(pop[hit])]
        people = float(known.sum()) if known.size else None
        report.add(reason, int(hit.sum()), people)
        keep &= ~mask

    finite = np.isfinite(lon) & np.isfinite(lat)
    drop(ids.isna().to_numpy(), MISSING_ID)
    drop(coord_blank, MISSING_COORDINATES)
    drop(~finite, COORDINATES_NOT_NUMERIC)
    with np.errstate(invalid="ignore"):
        drop(finite & ((np.abs(lon) > 180) | (np.abs(lat) > 90)), COORDINATES_OUT_OF_RANGE)
        drop((lon == 0) & (lat == 0), COORDINATES_AT_ZERO)
        if population_column:
            drop(pop_blank, MISSING_POPULATION)
            drop(np.isnan(pop), POPULATION_NOT_NUMERIC)
            drop(pop < 0, NEGATIVE_POPULATION)
            drop(pop == 0, ZERO_POPULATION)
    duplicated = np.zeros(total, dtype=bool)
    duplicated[keep] = ids[keep].duplicated(keep="first").to_numpy()
    drop(duplicated, DUPLICATED_ID)
    usable = int(keep.sum())
    if area is not None:
        drop(~points_inside(area, lon, lat), OUTSIDE_REGION)
    report.log(total)

    if not keep.any():
        if usable and area is not None:
            x, y = lon[np.isfinite(lon)], lat[np.isfinite(lat)]
            raise EmptyRegionError(
                f"{source}: none of the {usable} usable points lies inside the region "
                f"(region bounds {tuple(round(v, 4) for v in area.bounds)}, points within "
                f"lon {x.min():.4f}…{x.max():.4f}, lat {y.min():.4f}…{y.max():.4f})"
            )
        raise EmptyRegionError(
            f"{source}: no usable rows among {total}"
            + (f" (dropped: {report.text()})" if report.rows else "")
        )

    columns: dict[str, Any] = {
        "id": ids[keep].to_numpy(),
        "name": clean_texts(frame[name_column])[keep],
    }
    if population_column:
        columns["population"] = pop[keep]
    if district_column:
        columns["district"] = clean_texts(frame[district_column])[keep]
    out = pd.DataFrame({k: np.asarray(v) for k, v in columns.items()})
    if keep_columns:
        taken = {id_column, name_column, *used, *value_columns, *text_columns}
        extra = frame.loc[keep, [c for c in frame.columns if c not in taken]]
        extra = extra.astype({c: "Int64" for c in extra.columns if _whole_numbers(extra[c])})
        out = pd.concat([out, extra.reset_index(drop=True)], axis=1)
    gdf = gpd.GeoDataFrame(out, geometry=gpd.points_from_xy(lon[keep], lat[keep]), crs=_EPSG_WGS84)
    gdf.attrs["load_report"] = report.records()
    gdf.attrs["source"] = source
    return gdf, report


def as_points(gdf: gpd.GeoDataFrame) -> gpd.GeoSeries:
    geoms = gdf.geometry
    points = geoms.copy()
    other = (geoms.geom_type != "Point").to_numpy()
    if other.any():
        points[other] = geoms[other].representative_point()
    return points
