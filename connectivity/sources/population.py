"""Communities and their population: from points, from a population raster, or from OSM places.

Every function returns a GeoDataFrame of points in EPSG:4326 with at least
these columns, one row per community:

``community_id`` (str, unique)
    The id from the file, ``R<row>C<col>-<k>`` for raster clusters, or
    ``node/<id>``/``way/<id>``/``relation/<id>`` for OSM places.
``name`` (str or None)
``population`` (float, > 0)
``district`` (str or None)
``geometry`` (Point)

Sources
-------
* :func:`communities_from_points` — a CSV (WGS84 longitude/latitude columns),
  GeoJSON or GeoPackage, e.g. the INEI *centros poblados*;
* :func:`communities_from_raster` — a population GeoTIFF (people per cell,
  WorldPop-style), local or remote (read by windows over HTTP, never
  downloaded whole), turned into community points by the method described
  there;
* :func:`communities_from_osm_places` — OSM ``place`` nodes and areas, with
  the ``population`` tag when present, otherwise an estimate from the
  buildings around them (labelled as such in ``population_source``).

Load report
-----------
Rows that cannot be used are dropped, never silently: each loader logs one
warning with the count per reason, and stores the same in
``gdf.attrs["load_report"]``, a list of ``{"reason", "count", "population"}``
dicts (``population``: people in the dropped rows where known, else ``None``).
:func:`load_report` turns it into a DataFrame. The reasons are the constants
``MISSING_ID``, ``MISSING_COORDINATES``, … of this module, checked in that
order (a row is counted under its first failing reason); rows with a
duplicated id are only looked for among otherwise usable rows, and the first
one is kept.

Bad input raises an error from :mod:`connectivity.errors` naming the file and
the problem: a missing file (``MissingFileError``), a configured column that
the file lacks (``DataError`` listing the columns it has), longitude and
latitude that look swapped (``DataError``), a layer without CRS
(``CrsError``), nothing left inside the region (``EmptyRegionError``), a
raster that does not overlap the region (``EmptyRegionError``).
"""

from __future__ import annotations

import logging
import math
import os
import re
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any, TypeAlias

import geopandas as gpd
import numpy as np
import pandas as pd
import pyogrio
import shapely
from numpy.typing import NDArray
from pyproj import Transformer
from shapely.geometry.base import BaseGeometry
from tqdm.auto import tqdm

from connectivity._http import cached_download, is_url
from connectivity._logging import progress_enabled
from connectivity.errors import (
    CrsError,
    DataError,
    DownloadError,
    EmptyRegionError,
    MissingFileError,
)
from connectivity.settings import settings

__all__ = [
    "BUILDING_RADIUS_M",
    "COORDINATES_AT_ZERO",
    "COORDINATES_NOT_NUMERIC",
    "COORDINATES_OUT_OF_RANGE",
    "DUPLICATED_ID",
    "MISSING_COORDINATES",
    "MISSING_ID",
    "MISSING_POPULATION",
    "NEGATIVE_POPULATION",
    "OUTSIDE_REGION",
    "PERSONS_PER_BUILDING",
    "PERU_BBOX",
    "PLACE_MIN_POPULATION",
    "POPULATION_NOT_NUMERIC",
    "ZERO_POPULATION",
    "communities_from_osm_places",
    "communities_from_points",
    "communities_from_raster",
    "load_report",
]

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

#: People per OSM building, for places without a ``population`` tag: the mean
#: size of a private household in Peru, about 3.5 persons (INEI, Censos
#: Nacionales 2017), taking one mapped building as one dwelling. Rural
#: compounds often hold several buildings (kitchen, store), so this tends to
#: overestimate where buildings are mapped completely, and underestimate where
#: they are not; it is an estimate and is labelled as one.
PERSONS_PER_BUILDING: float = 3.5

#: Radius (m) around a place within which buildings count for it, by ``place``
#: value. A building counts for its nearest place only, and only if it lies
#: within that place's radius.
BUILDING_RADIUS_M: dict[str, float] = {
    "city": 3000.0,
    "town": 1500.0,
    "suburb": 800.0,
    "village": 800.0,
    "quarter": 500.0,
    "neighbourhood": 400.0,
    "hamlet": 400.0,
    "isolated_dwelling": 150.0,
}

#: Smallest population given to a place of each type when the buildings
#: around it suggest fewer people (buildings are often not mapped): low ends
#: of the OpenStreetMap definitions of the place types, kept low for Peru's
#: small district towns. Places of other types (``locality``, ``region``, …)
#: are not settlements and are dropped.
PLACE_MIN_POPULATION: dict[str, float] = {
    "city": 10000.0,
    "town": 1000.0,
    "suburb": 0.0,
    "village": 100.0,
    "quarter": 0.0,
    "neighbourhood": 0.0,
    "hamlet": 20.0,
    "isolated_dwelling": 3.0,
}

_EPSG_WGS84 = "EPSG:4326"
_CSV_SUFFIXES = (".csv", ".txt", ".tsv")
_VECTOR_SUFFIXES = (".geojson", ".json", ".gpkg", ".shp", ".fgb", ".geojsonl", ".geojsons")
_OUTPUT_COLUMNS = ["community_id", "name", "population", "district"]
_SAME_NAME_RADIUS_M = 1000.0


# --------------------------------------------------------------------------- #
# the load report
# --------------------------------------------------------------------------- #


class _Report:
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


def load_report(gdf: pd.DataFrame) -> pd.DataFrame:
    """Return the rows a loader dropped, by reason, as a table.

    Parameters
    ----------
    gdf : GeoDataFrame
        Output of a loader of this module or of
        :mod:`connectivity.sources.facilities`.

    Returns
    -------
    pandas.DataFrame
        Columns ``reason``, ``count``, ``population`` (people in the dropped
        rows, where known); empty if nothing was dropped.

    Examples
    --------
    >>> villages = communities_from_points(
    ...     "../shared/data/ayacucho/centros_poblados.csv",
    ...     lon_column="longitud", lat_column="latitud", population_column="poblacion",
    ...     id_column="codigo_de_ubigeo_y_centro_poblado", name_column="centro_poblado",
    ...     district_column="distrito")
    >>> load_report(villages)[["reason", "count"]].to_dict("records")
    [{'reason': 'missing population', 'count': 24}, {'reason': 'zero population', 'count': 679}]
    """
    records = gdf.attrs.get("load_report") or []
    return pd.DataFrame.from_records(records, columns=["reason", "count", "population"])


# --------------------------------------------------------------------------- #
# shared by the point loaders (here and in connectivity.sources.facilities)
# --------------------------------------------------------------------------- #


def _region_geometry(region: Region) -> BaseGeometry | None:
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
            _check_columns(list(header.columns), required, source, sep)
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


def _check_columns(available: list[str], wanted: Sequence[str], source: str, sep: str) -> None:
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


def _texts(series: pd.Series) -> pd.Series:
    """Return stripped text, None where blank."""
    text = series.astype("string").str.strip()
    ok = (text.notna() & text.ne("")).fillna(False).to_numpy(dtype=bool)
    values = [v if flag else None for v, flag in zip(text.astype(object), ok, strict=True)]
    return pd.Series(values, index=series.index, dtype="object")


def _inside(area: BaseGeometry, lon: FloatArray, lat: FloatArray) -> NDArray[np.bool_]:
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


def _load_points(
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
) -> tuple[gpd.GeoDataFrame, _Report]:
    """Read, validate and clean a point table; columns id, name[, population][, district]."""
    area = _region_geometry(region)
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
        _check_columns(list(frame.columns), [*text_columns, *value_columns], source, ",")
        used = set()
    total = len(frame)
    report = _Report(source, what)
    ids = _texts(frame[id_column])
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
        drop(~_inside(area, lon, lat), OUTSIDE_REGION)
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

    columns: dict[str, Any] = {"id": ids[keep].to_numpy(), "name": _texts(frame[name_column])[keep]}
    if population_column:
        columns["population"] = pop[keep]
    if district_column:
        columns["district"] = _texts(frame[district_column])[keep]
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


def communities_from_points(
    where: str | os.PathLike[str],
    *,
    lon_column: str = "lon",
    lat_column: str = "lat",
    population_column: str = "population",
    id_column: str = "id",
    name_column: str = "name",
    district_column: str | None = None,
    csv_separator: str = ",",
    region: Region = None,
    layer: str | None = None,
    extra_columns: Sequence[str] = (),
) -> gpd.GeoDataFrame:
    """Communities from a table of points: CSV, GeoJSON or GeoPackage.

    Parameters
    ----------
    where : str or path-like
        Local file, or an ``http(s)://`` URL (downloaded once into
        ``settings.cache_dir / "downloads"``). ``.csv``/``.txt``/``.tsv`` are
        read as text tables with longitude/latitude columns in WGS84 degrees
        (UTF-8, or Latin-1 if not UTF-8; a decimal comma is accepted);
        ``.geojson``, ``.gpkg``, ``.shp``, ``.fgb`` as vector layers (points,
        or the representative point of other geometries), reprojected from
        their CRS.
    lon_column, lat_column : str
        Coordinate columns of a CSV (ignored for vector layers).
    population_column, id_column, name_column : str
        Columns with the number of people, a unique id and the name.
    district_column : str, optional
        Column with the district (used to summarise by district).
    csv_separator : str
        Field separator of a CSV.
    region : shapely geometry (EPSG:4326) or GeoDataFrame, optional
        Keep only the points inside it; the others are reported as
        ``"outside region"``.
    layer : str, optional
        Layer of a multi-layer file (GeoPackage); default the first.
    extra_columns : sequence of str
        Other columns of the file to keep (e.g. a poverty rate used as an
        equity weight by :mod:`connectivity.ranking`).

    Returns
    -------
    geopandas.GeoDataFrame
        EPSG:4326 points, file order, columns ``community_id``, ``name``,
        ``population`` (float > 0), ``district``, the ``extra_columns``,
        ``geometry``; the dropped
        rows by reason in ``attrs["load_report"]`` (see :func:`load_report`).

    Raises
    ------
    MissingFileError
        The file does not exist.
    DataError
        Unknown file type, unreadable file, a configured column missing (the
        message lists the file's columns), longitude/latitude swapped or not
        in degrees.
    CrsError
        A vector layer without CRS.
    EmptyRegionError
        No usable row, or none inside ``region``.
    DownloadError
        ``where`` is a URL that cannot be downloaded.

    Examples
    --------
    >>> villages = communities_from_points(
    ...     "../shared/data/ayacucho/centros_poblados.csv",
    ...     lon_column="longitud", lat_column="latitud", population_column="poblacion",
    ...     id_column="codigo_de_ubigeo_y_centro_poblado", name_column="centro_poblado",
    ...     district_column="distrito")
    >>> len(villages), villages.crs.to_epsg(), int(villages["population"].max())
    (5303, 4326, 100935)
    """
    gdf, report = _load_points(
        where,
        what="population",
        id_column=id_column,
        name_column=name_column,
        lon_column=lon_column,
        lat_column=lat_column,
        csv_separator=csv_separator,
        region=region,
        population_column=population_column,
        district_column=district_column,
        layer=layer,
        keep_columns=bool(extra_columns),
    )
    gdf = gdf.rename(columns={"id": "community_id"})
    if district_column is None:
        gdf.insert(3, "district", None)
    missing = [c for c in extra_columns if c not in gdf.columns]
    if missing:
        raise DataError(
            f"{report.source}: no column(s) {', '.join(map(repr, missing))} to keep "
            f"(columns: {', '.join(c for c in gdf.columns if c != 'geometry')})"
        )
    gdf = gdf[[*_OUTPUT_COLUMNS, *extra_columns, "geometry"]]
    gdf.attrs["load_report"] = report.records()
    log.info("%s: %d communities, %.0f people", report.source, len(gdf), gdf["population"].sum())
    return gdf


# --------------------------------------------------------------------------- #
# population raster
# --------------------------------------------------------------------------- #


def _raster_path(where: str | os.PathLike[str]) -> tuple[str, str, bool]:
    """GDAL path, name for messages, and whether it is remote."""
    if isinstance(where, str) and is_url(where):
        return f"/vsicurl/{where}", where, True
    path = Path(where)
    if not path.exists():
        raise MissingFileError(f"population raster not found: {path}")
    if not path.is_file():
        raise DataError(f"population raster: {path} is not a file")
    return str(path), str(path), False


def _block_cells(src: Any, window: Any, block_m: float) -> tuple[int, int]:
    """Rows and columns of raster cells making one block of about ``block_m`` metres."""
    res_x, res_y = abs(src.transform.a), abs(src.transform.e)
    if src.crs.is_geographic:
        top, bottom = (
            src.transform.f + window.row_off * src.transform.e,
            src.transform.f + (window.row_off + window.height) * src.transform.e,
        )
        lat = math.radians((top + bottom) / 2)
        size_x, size_y = res_x * 111_320.0 * max(math.cos(lat), 0.01), res_y * 110_574.0
    else:
        unit = src.crs.linear_units_factor[1] if src.crs.linear_units_factor else 1.0
        size_x, size_y = res_x * unit, res_y * unit
    return max(1, round(block_m / size_y)), max(1, round(block_m / size_x))


def _window_for(src: Any, area: BaseGeometry | None, source: str, by: int, bx: int) -> Any:
    """Cells of the raster covering the area, aligned outwards to the block grid."""
    from rasterio.warp import transform_bounds
    from rasterio.windows import Window

    height, width = src.height, src.width
    if area is None:
        return Window(0, 0, width, height)
    t = src.transform
    west, south, east, north = transform_bounds(_EPSG_WGS84, src.crs, *area.bounds, densify_pts=21)
    inv = ~t
    cols, rows = zip(*(inv * (x, y) for x in (west, east) for y in (south, north)), strict=True)
    col0, col1 = math.floor(min(cols)), math.ceil(max(cols))
    row0, row1 = math.floor(min(rows)), math.ceil(max(rows))
    col0, row0 = max(col0, 0), max(row0, 0)
    col1, row1 = min(col1, width), min(row1, height)
    if col0 >= col1 or row0 >= row1:
        b = src.bounds
        raise EmptyRegionError(
            f"{source}: the raster does not overlap the region (raster bounds "
            f"{b.left:.6g}, {b.bottom:.6g}, {b.right:.6g}, {b.top:.6g} in {src.crs}; region "
            f"bounds {', '.join(f'{v:.6g}' for v in area.bounds)} in EPSG:4326)"
        )
    row0, col0 = row0 // by * by, col0 // bx * bx
    row1 = min(-(-row1 // by) * by, height)
    col1 = min(-(-col1 // bx) * bx, width)
    return Window(col0, row0, col1 - col0, row1 - row0)


def _clusters_in_strip(
    values: FloatArray,
    row0: int,
    col0: int,
    by: int,
    bx: int,
    threshold: float,
) -> pd.DataFrame:
    """Find groups of connected populated cells within each block of a strip of cells."""
    from scipy import ndimage

    populated = values > threshold
    if not populated.any():
        return pd.DataFrame(columns=["brow", "bcol", "label", "people", "row", "col", "cells"])
    # cells connect only within their block: label with an empty row (column)
    # inserted at every block border, then take the separators out again
    height, width = populated.shape
    row_cuts = np.flatnonzero((np.arange(1, height) + row0) % by == 0) + 1
    col_cuts = np.flatnonzero((np.arange(1, width) + col0) % bx == 0) + 1
    spread = np.insert(np.insert(populated, row_cuts, False, axis=0), col_cuts, False, axis=1)
    spread_labels, _ = ndimage.label(spread, structure=np.ones((3, 3), dtype=bool))
    keep_rows = np.arange(height) + np.searchsorted(row_cuts, np.arange(height), side="right")
    keep_cols = np.arange(width) + np.searchsorted(col_cuts, np.arange(width), side="right")
    labels = spread_labels[np.ix_(keep_rows, keep_cols)]
    rows, cols = np.nonzero(populated)
    people = values[rows, cols]
    grow, gcol = rows + row0, cols + col0  # global cell indices
    frame = pd.DataFrame(
        {
            "brow": grow // by,
            "bcol": gcol // bx,
            "label": labels[rows, cols],
            "people": people,
            "wrow": people * (grow + 0.5),
            "wcol": people * (gcol + 0.5),
            "cells": 1,
        }
    )
    groups = frame.groupby(["brow", "bcol", "label"], sort=True).sum()
    groups["row"] = groups["wrow"] / groups["people"]
    groups["col"] = groups["wcol"] / groups["people"]
    return groups.reset_index()[["brow", "bcol", "label", "people", "row", "col", "cells"]]


def communities_from_raster(
    where: str | os.PathLike[str],
    *,
    region: Region = None,
    block_m: float = 1000.0,
    min_cell_population: float = 0.0,
    min_population: float = 1.0,
    band: int = 1,
) -> gpd.GeoDataFrame:
    """Community points from a population raster (people per cell), local or remote.

    Method: the raster is cut into square blocks of about ``block_m`` metres
    (aligned on the raster's own grid, so ids do not depend on the region).
    Cells holding more than ``min_cell_population`` people are *populated*;
    within each block, every group of populated cells connected to each
    other (8-neighbours) becomes one community, at the population-weighted
    centre of its cells, with their summed population. Separate settlements
    stay separate, and a large continuous area of low density is cut into
    points at most one block apart, so no one is placed more than about a
    block from where they live. Groups with fewer than ``min_population``
    people are dropped and reported (count and people).

    Only the cells covering ``region`` are read, in strips of whole blocks,
    through GDAL: a remote file (``http(s)://`` URL) is read by HTTP range
    requests (``/vsicurl/``) and never downloaded whole — a cloud-optimised
    (tiled) GeoTIFF such as WorldPop's reads only the tiles it needs.

    Parameters
    ----------
    where : str or path-like
        Local GeoTIFF (or any GDAL raster), or an ``http(s)://`` URL.
        Values are people per cell (not per km²); nodata, NaN and negative
        values count as no one.
    region : shapely geometry (EPSG:4326) or GeoDataFrame, optional
        Area to read; communities outside it are reported ``"outside region"``.
    block_m : float
        Block size in metres (for a geographic raster, at the area's latitude).
    min_cell_population : float
        A cell with more people than this is populated.
    min_population : float
        Smallest community kept.
    band : int
        Band holding the population.

    Returns
    -------
    geopandas.GeoDataFrame
        EPSG:4326 points sorted by id, columns ``community_id``
        (``R<block row>C<block col>-<k>``, ``k`` = 1 for the largest group
        of the block), ``name`` (None), ``population``, ``district`` (None),
        ``n_cells``, ``population_source`` (``"raster"``), ``geometry``;
        ``attrs["load_report"]`` as for :func:`communities_from_points`.

    Raises
    ------
    MissingFileError
        A local file that does not exist.
    DataError
        Not a readable raster, a rotated grid, a bad band, bad parameters.
    CrsError
        The raster has no CRS.
    EmptyRegionError
        The raster does not overlap the region, or holds no one there.
    DownloadError
        A remote raster that cannot be read (HTTP error, timeout).

    Examples
    --------
    A local file, or a cloud-optimised GeoTIFF read by windows over HTTP::

        import shapely
        area = shapely.box(-74.48, -13.90, -74.30, -13.70)
        communities = communities_from_raster("data/sample/population.tif", region=area)
        communities = communities_from_raster("https://example.org/per_ppp_2020.tif",
                                              region=area)
    """
    import rasterio
    from rasterio.errors import RasterioIOError

    if not (block_m > 0 and math.isfinite(block_m)):
        raise DataError(f"block_m must be a positive number of metres, got {block_m!r}")
    if not (min_population >= 0 and min_cell_population >= 0):
        raise DataError("min_population and min_cell_population must be >= 0")
    area = _region_geometry(region)
    gdal_path, source, remote = _raster_path(where)
    timeout = max(1, math.ceil(settings.http_timeout_s))
    env = rasterio.Env(
        GDAL_DISABLE_READDIR_ON_OPEN="EMPTY_DIR",
        GDAL_HTTP_TIMEOUT=timeout,
        GDAL_HTTP_CONNECTTIMEOUT=timeout,
    )
    parts: list[pd.DataFrame] = []
    try:
        with env, rasterio.open(gdal_path) as src:
            if src.crs is None:
                raise CrsError(f"{source}: the raster has no CRS")
            if not (1 <= band <= src.count):
                raise DataError(f"{source}: no band {band} (the raster has {src.count})")
            t = src.transform
            if t.b != 0 or t.d != 0:
                raise DataError(f"{source}: rotated rasters are not supported ({t})")
            full = rasterio.windows.Window(0, 0, src.width, src.height)
            by, bx = _block_cells(src, full, block_m)
            window = _window_for(src, area, source, by, bx)
            by, bx = _block_cells(src, window, block_m)
            window = _window_for(src, area, source, by, bx)
            strip = by * max(1, 1024 // by)
            row_off, col_off = int(window.row_off), int(window.col_off)
            starts = range(row_off, row_off + int(window.height), strip)
            for start in tqdm(
                starts, desc="population raster", disable=not progress_enabled(), leave=False
            ):
                height = min(strip, row_off + int(window.height) - start)
                part = rasterio.windows.Window(col_off, start, int(window.width), height)
                data = src.read(band, window=part, masked=True).astype(np.float64)
                values = np.nan_to_num(data.filled(0.0), nan=0.0, posinf=0.0, neginf=0.0)
                values[values < 0] = 0.0
                parts.append(
                    _clusters_in_strip(values, start, col_off, by, bx, min_cell_population)
                )
            transform, crs = src.transform, src.crs
            log.info(
                "%s: read %d x %d cells of %d x %d (blocks of %d x %d cells)",
                source,
                int(window.width),
                int(window.height),
                src.width,
                src.height,
                bx,
                by,
            )
    except RasterioIOError as err:
        if remote:
            raise DownloadError(f"cannot read the raster at {source}: {err}") from err
        raise DataError(f"{source}: cannot read it as a raster: {err}") from err

    groups = pd.concat([p for p in parts if not p.empty] or [parts[0]], ignore_index=True)
    total = len(groups)
    report = _Report(source, "population raster")
    if total == 0:
        raise EmptyRegionError(f"{source}: no populated cells inside the region")
    groups = groups.sort_values(
        ["brow", "bcol", "people", "label"], ascending=[True, True, False, True], kind="stable"
    )
    groups["k"] = groups.groupby(["brow", "bcol"]).cumcount() + 1
    small = groups["people"].to_numpy() < min_population
    report.add(BELOW_MIN_POPULATION, int(small.sum()), float(groups["people"][small].sum()))
    groups = groups[~small]
    x = transform.c + groups["col"].to_numpy() * transform.a
    y = transform.f + groups["row"].to_numpy() * transform.e
    lon, lat = Transformer.from_crs(crs, _EPSG_WGS84, always_xy=True).transform(x, y)
    lon, lat = np.asarray(lon, dtype=float), np.asarray(lat, dtype=float)
    if area is not None:
        inside = _inside(area, lon, lat)
        report.add(OUTSIDE_REGION, int((~inside).sum()), float(groups["people"][~inside].sum()))
        groups, lon, lat = groups[inside], lon[inside], lat[inside]
    report.log(total, "clusters of populated cells")
    if groups.empty:
        raise EmptyRegionError(
            f"{source}: no community of at least {min_population:g} people inside the region "
            f"(dropped: {report.text()})"
        )
    ids = [
        f"R{r}C{c}-{k}" for r, c, k in zip(groups["brow"], groups["bcol"], groups["k"], strict=True)
    ]
    gdf = gpd.GeoDataFrame(
        {
            "community_id": ids,
            "name": None,
            "population": groups["people"].to_numpy(dtype=float),
            "district": None,
            "n_cells": groups["cells"].to_numpy(dtype=np.int64),
            "population_source": "raster",
        },
        geometry=gpd.points_from_xy(lon, lat),
        crs=_EPSG_WGS84,
    )
    gdf.attrs["load_report"] = report.records()
    gdf.attrs["source"] = source
    log.info(
        "%s: %d communities from the population raster, %.0f people",
        source,
        len(gdf),
        gdf["population"].sum(),
    )
    return gdf


# --------------------------------------------------------------------------- #
# OSM places
# --------------------------------------------------------------------------- #


def _population_tag(value: Any) -> float:
    """Parse a ``population`` tag (``"1,234"``, ``"1 234"`` → 1234); NaN if unusable."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return math.nan
    text = re.sub(r"(?<=\d)[\s,.'](?=\d{3}\b)", "", str(value).strip())
    try:
        number = float(text)
    except ValueError:
        return math.nan
    return number if math.isfinite(number) and number > 0 else math.nan


def _points_of(gdf: gpd.GeoDataFrame) -> gpd.GeoSeries:
    geoms = gdf.geometry
    points = geoms.copy()
    other = (geoms.geom_type != "Point").to_numpy()
    if other.any():
        points[other] = geoms[other].representative_point()
    return points


def _same_name_nearby(places: gpd.GeoDataFrame) -> NDArray[np.bool_]:
    """Rows whose name (case-insensitive) is that of an earlier row within 1 km (projected)."""
    dup = np.zeros(len(places), dtype=bool)
    names = places["name"].map(lambda v: v.casefold() if isinstance(v, str) else None)
    geoms = places.geometry.to_numpy()
    for _, group in pd.Series(np.arange(len(places))).groupby(names.to_numpy()):
        rows = group.to_numpy()
        for a_pos, a in enumerate(rows):
            if dup[a]:
                continue
            for b in rows[a_pos + 1 :]:
                if not dup[b] and geoms[a].distance(geoms[b]) <= _SAME_NAME_RADIUS_M:
                    dup[b] = True
    return dup


def communities_from_osm_places(
    places: gpd.GeoDataFrame,
    buildings: gpd.GeoDataFrame,
    *,
    persons_per_building: float = PERSONS_PER_BUILDING,
    radius_m: Mapping[str, float] | None = None,
    min_population: Mapping[str, float] | None = None,
) -> gpd.GeoDataFrame:
    """Communities from OSM ``place`` features, with population tagged or estimated.

    For each place of a type in ``min_population`` (default
    :data:`PLACE_MIN_POPULATION`):

    * if it has a usable ``population`` tag (a column ``population`` in
      ``places``), that number (``population_source="osm_tag"``);
    * else the buildings counted for it (each building counts for its
      nearest place, if within that place's radius, :data:`BUILDING_RADIUS_M`)
      times ``persons_per_building`` (:data:`PERSONS_PER_BUILDING`)
      (``"estimate_from_buildings"``);
    * but never less than the smallest population of its type (buildings are
      often missing from OSM in rural Peru); where the floor applies the
      source is ``"place_type_minimum"``.

    Places of other types, places left with no one, and a place with the same
    name as a bigger one within 1 km (a village mapped both as a node and as
    an area) are dropped and reported.

    Parameters
    ----------
    places : GeoDataFrame
        From :func:`connectivity.sources.osm.features_from_osm_file` with
        ``{"place": [...]}``: columns ``osm_id``, ``osm_type``, ``place``,
        ``name``, ``geometry``, and optionally ``population`` (the tag).
    buildings : GeoDataFrame
        From the same function with ``{"building": True}`` (any geometry).
    persons_per_building : float
        People per building.
    radius_m, min_population : mapping of str to float, optional
        Replace :data:`BUILDING_RADIUS_M` / :data:`PLACE_MIN_POPULATION`.

    Returns
    -------
    geopandas.GeoDataFrame
        EPSG:4326 points (representative points of place areas), sorted by
        id, columns ``community_id`` (``node/<id>``, ``way/<id>``,
        ``relation/<id>``), ``name``, ``population``, ``district`` (None),
        ``population_source``, ``place``, ``n_buildings``, ``geometry``;
        ``attrs["load_report"]`` as for :func:`communities_from_points`.

    Raises
    ------
    DataError
        Missing columns, bad parameters.
    CrsError
        A layer without CRS.
    EmptyRegionError
        No place is left.

    Examples
    --------
    On the Cusco extract (tested in ``tests/test_sources_population.py``)::

        from connectivity.sources import osm
        pbf = "../shared/data/cusco/cusco.osm.pbf"
        places = osm.features_from_osm_file(pbf, {"place": ["village", "hamlet"]})
        buildings = osm.features_from_osm_file(pbf, {"building": True})
        villages = communities_from_osm_places(places, buildings)
        villages["population_source"].value_counts()  # 15 place_type_minimum:
        # rural buildings are barely mapped there
    """
    radius = dict(BUILDING_RADIUS_M if radius_m is None else radius_m)
    floor = dict(PLACE_MIN_POPULATION if min_population is None else min_population)
    if not (persons_per_building > 0 and math.isfinite(persons_per_building)):
        raise DataError(f"persons_per_building must be > 0, got {persons_per_building!r}")
    for name, layer, needed in (
        ("places", places, ["osm_id", "osm_type", "place"]),
        ("buildings", buildings, []),
    ):
        if not isinstance(layer, gpd.GeoDataFrame):
            raise DataError(f"{name}: expected a GeoDataFrame, got {type(layer).__name__}")
        if layer.crs is None:
            raise CrsError(f"{name}: the layer has no CRS")
        _check_columns(list(layer.columns), needed, name, ",")
    source = "OSM places"
    report = _Report(source, "places")
    total = len(places)
    settlement = places["place"].isin(list(floor)).to_numpy()
    report.add(NOT_A_SETTLEMENT, int((~settlement).sum()))
    pl = places[settlement & ~(places.geometry.isna() | places.geometry.is_empty).to_numpy()]
    if pl.empty:
        raise EmptyRegionError(
            f"{source}: no place of the types {', '.join(floor)} among {total} places"
        )
    pl = pl.reset_index(drop=True)
    utm = pl.to_crs(_EPSG_WGS84).estimate_utm_crs()
    points = _points_of(pl).to_crs(utm)
    n_buildings = np.zeros(len(pl), dtype=np.int64)
    has_buildings = not buildings.empty
    if has_buildings:
        b = gpd.GeoDataFrame(geometry=_points_of(buildings).to_crs(utm).to_numpy(), crs=utm)
        b = b[~(b.geometry.isna() | b.geometry.is_empty).to_numpy()]
        target = gpd.GeoDataFrame({"i": np.arange(len(pl))}, geometry=points.to_numpy(), crs=utm)
        far = max((radius.get(p, 0.0) for p in pl["place"]), default=0.0)
        if far > 0 and not b.empty:
            near = gpd.sjoin_nearest(b, target, max_distance=far, distance_col="d")
            near = near[~near.index.duplicated(keep="first")]  # ties: one place per building
            r = pl["place"].map(radius).fillna(0.0).to_numpy()[near["i"].to_numpy()]
            within = near["d"].to_numpy() <= r
            n_buildings = np.bincount(near["i"].to_numpy()[within], minlength=len(pl))
    tagged = (
        pl["population"].map(_population_tag).to_numpy(dtype=float)
        if "population" in pl.columns
        else np.full(len(pl), np.nan)
    )
    estimate = n_buildings * persons_per_building
    minimum = pl["place"].map(floor).to_numpy(dtype=float)
    population = np.where(np.isnan(tagged), np.maximum(estimate, minimum), tagged)
    src = np.where(
        ~np.isnan(tagged),
        "osm_tag",
        np.where(estimate >= minimum, "estimate_from_buildings", "place_type_minimum"),
    )
    out = gpd.GeoDataFrame(
        {
            "community_id": [f"{t}/{i}" for t, i in zip(pl["osm_type"], pl["osm_id"], strict=True)],
            "name": _texts(pl["name"]) if "name" in pl.columns else None,
            "population": population,
            "district": None,
            "population_source": src,
            "place": pl["place"].to_numpy(),
            "n_buildings": n_buildings,
        },
        geometry=points.to_numpy(),
        crs=utm,
    )
    nobody = out["population"].to_numpy() <= 0
    report.add(NO_PEOPLE_FOUND, int(nobody.sum()))
    out = out[~nobody]
    # the same settlement mapped twice (a node and an area): keep the bigger one
    out = out.sort_values(["population", "community_id"], ascending=[False, True], kind="stable")
    dup = _same_name_nearby(out)
    report.add(SAME_NAME_NEARBY, int(dup.sum()), float(out["population"][dup].sum()))
    out = out[~dup]
    report.log(total, "places")
    if out.empty:
        raise EmptyRegionError(f"{source}: no place with people (dropped: {report.text()})")
    out = out.sort_values("community_id", kind="stable").reset_index(drop=True).to_crs(_EPSG_WGS84)
    out.attrs["load_report"] = report.records()
    counts = out["population_source"].value_counts().to_dict()
    log.info(
        "%s: %d communities, %.0f people (%s); estimates use %.1f persons per building",
        source,
        len(out),
        out["population"].sum(),
        ", ".join(f"{n} {k}" for k, n in sorted(counts.items())),
        persons_per_building,
    )
    return out
