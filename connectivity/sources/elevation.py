"""Elevation: a DEM GeoTIFF interpolated from contour lines.

Where no elevation raster exists (as for the Cusco data in
``../shared/data``), :func:`dem_file_from_contours` makes one from contour
lines — OpenStreetMap ways tagged ``contour=elevation`` and ``ele=<metres>``
(e.g. SRTM contours exported as ``.osm.pbf``), or a vector layer of lines
with an elevation column:

1. the vertices of every contour, with its elevation, are projected to the
   UTM zone of the data (or a given projected CRS);
2. the vertices are triangulated (Delaunay, :class:`scipy.spatial.Delaunay`)
   and each triangle is interpolated linearly at the centres of the cells of
   a ``resolution_m`` grid that fall inside it (:func:`rasterize_tin`: the
   same values as :class:`scipy.interpolate.LinearNDInterpolator`, computed
   triangle by triangle instead of searching the triangle of every cell);
   cells outside the triangulation (beyond the outermost contours) are
   nodata;
3. the grid is written as a float32 GeoTIFF (nodata ``-9999``, deflate,
   tiled), atomically, with the source and the resolution in its tags.

Linear interpolation between contours is exact on the contours and a plane
between them; on a summit or a valley floor enclosed by one contour it is
flat at that contour's height (the well-known terracing of TIN DEMs), an
error of at most one contour interval there.

The result is cached: if ``out_path`` is newer than the contours and was
made from the same file at the same resolution, it is reused as it is.

Every DEM the pipeline reads is opened through :func:`open_dem` (errors that
name the file and what it is for), and checked against the region by
:func:`check_dem_coverage` before anything is computed from it: a DEM that
misses the region would make walking times flat-land times without a word.
"""

from __future__ import annotations

import logging
import math
import os
import re
import warnings
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import osmium
import pyogrio
import shapely
from numpy.typing import ArrayLike, NDArray
from tqdm.auto import tqdm

from connectivity._io import atomic_path
from connectivity._logging import progress_enabled
from connectivity.errors import CrsError, DataError, EmptyRegionError, MissingFileError

__all__ = [
    "DEM_MIN_COVERAGE",
    "DEM_NODATA",
    "check_dem_coverage",
    "contours_from_file",
    "dem_coverage",
    "dem_file_from_contours",
    "open_dem",
    "rasterize_tin",
]

log = logging.getLogger(__name__)

#: Nodata value of the DEMs written here.
DEM_NODATA: float = -9999.0
#: Largest grid written (cells); a finer resolution over a large area is refused.
MAX_CELLS: int = 100_000_000
DEM_MIN_COVERAGE: float = 0.95
"""Least share of the road nodes and communities (together) that a DEM must cover.

Off the DEM, walking is timed as on flat land (the fastest walking there is)
and no new link is routed, so a DEM of another place or in the wrong CRS gives
wrong numbers, not an error: with the sample's DEM shifted by 5°, the mean
dry-season trip to market drops from 49.8 to 44.7 min and every new link
vanishes (issue 15). A DEM made for the region covers nearly every point: the
sample's covers all; Cusco's, interpolated from SRTM contours that end short of
the OSM extract's east edge, covers 99.6% (22 of 7,422 road nodes and 1 of 18
communities off it). Below 95% — more than one point in twenty flat — the DEM
is taken for the wrong one and the run stops; from 95% to 100% the run goes on
with a warning that counts the points off the DEM.
"""

_EPSG_WGS84 = "EPSG:4326"
_OSM_SUFFIXES = (".osm", ".osm.pbf", ".pbf", ".osm.bz2", ".osm.gz")
_NUMBER = re.compile(r"^\s*([-+]?\d+(?:\.\d+)?)\s*(m|meters|metres)?\s*$", re.IGNORECASE)
_BATCH_CELLS = 4_000_000


def _elevation(value: Any) -> float:
    """``"3025"``, ``"3025 m"`` → 3025.0; NaN if not a number of metres."""
    if value is None:
        return math.nan
    if isinstance(value, int | float | np.integer | np.floating):
        return float(value)
    match = _NUMBER.match(str(value))
    return float(match.group(1)) if match else math.nan


def _contours_from_osm(path: Path) -> gpd.GeoDataFrame:
    ids: list[int] = []
    eles: list[Any] = []
    lines: list[shapely.LineString] = []
    degenerate: list[int] = []
    try:
        for way in osmium.FileProcessor(
            str(path), osmium.osm.NODE | osmium.osm.WAY
        ).with_locations():
            if not isinstance(way, osmium.osm.Way):
                continue
            tags = way.tags
            if "ele" not in tags or tags.get("contour") != "elevation":
                continue
            coords = [(n.lon, n.lat) for n in way.nodes if n.location.valid()]
            if len(set(coords)) < 2:
                degenerate.append(way.id)
                continue
            ids.append(way.id)
            eles.append(tags["ele"])
            lines.append(shapely.LineString(coords))
    except RuntimeError as err:
        raise DataError(f"{path}: cannot read OpenStreetMap data ({err})") from err
    if degenerate:
        log.warning(
            "%s: %d contour ways have fewer than two distinct located nodes and are left out: %s",
            path,
            len(degenerate),
            ", ".join(map(str, degenerate[:10])) + (" …" if len(degenerate) > 10 else ""),
        )
    return gpd.GeoDataFrame(
        {"osm_id": np.asarray(ids, dtype=np.int64), "ele": eles}, geometry=lines, crs=_EPSG_WGS84
    )


def contours_from_file(
    path: str | os.PathLike[str], *, elevation_column: str = "ele"
) -> gpd.GeoDataFrame:
    """Contour lines with their elevation, from an OSM file or a vector layer.

    Parameters
    ----------
    path : path-like
        ``.osm``/``.osm.pbf``: the ways tagged ``contour=elevation`` and
        ``ele`` (as SRTM contour exports write them) with two or more distinct
        nodes (the Cusco file holds 976 contour ways, 5 of them degenerate);
        any other vector format GDAL reads (GeoPackage, Shapefile, GeoJSON):
        its lines.
    elevation_column : str
        Elevation column of a vector layer (metres).

    Returns
    -------
    geopandas.GeoDataFrame
        Lines in the file's CRS (EPSG:4326 for OSM), column ``ele`` (float,
        metres); contours without a usable elevation are dropped and logged.

    Raises
    ------
    MissingFileError
        The file does not exist.
    DataError
        Unreadable file, no elevation column.
    CrsError
        A vector layer without CRS.
    EmptyRegionError
        No contour with an elevation.

    Examples
    --------
    >>> contours = contours_from_file("../shared/data/cusco/cusco-srtm-contours.osm.pbf")
    >>> len(contours), float(contours["ele"].min()), float(contours["ele"].max())
    (971, 2950.0, 4525.0)
    """
    file = Path(path)
    if not file.is_file():
        raise MissingFileError(f"contour file not found: {file}")
    if file.name.lower().endswith(_OSM_SUFFIXES):
        gdf = _contours_from_osm(file)
        column = "ele"
    else:
        try:
            gdf = gpd.read_file(file)
        except (pyogrio.errors.DataSourceError, pyogrio.errors.DataLayerError) as err:
            raise DataError(f"{file}: cannot read it as a vector layer: {err}") from err
        if gdf.crs is None:
            raise CrsError(f"{file}: the contour layer has no CRS")
        if elevation_column not in gdf.columns:
            raise DataError(
                f"{file}: no elevation column {elevation_column!r}; the layer has "
                + ", ".join(repr(c) for c in gdf.columns if c != gdf.geometry.name)
            )
        column = elevation_column
        gdf = gdf[gdf.geom_type.isin(["LineString", "MultiLineString", "LinearRing"])]
    ele = np.array([_elevation(v) for v in gdf[column]], dtype=float)
    bad = ~np.isfinite(ele)
    if bad.any():
        log.warning("%s: %d contours without a usable elevation are left out", file, bad.sum())
    out = gpd.GeoDataFrame({"ele": ele[~bad]}, geometry=gdf.geometry[~bad].to_numpy(), crs=gdf.crs)
    if out.empty:
        raise EmptyRegionError(f"{file}: no contour lines with an elevation ({column!r})")
    log.info("%s: %d contour lines, %g…%g m", file, len(out), ele[~bad].min(), ele[~bad].max())
    return out


def _is_cached(out_path: Path, source: Path, resolution_m: float) -> bool:
    import rasterio
    from rasterio.errors import RasterioIOError

    if not out_path.is_file() or out_path.stat().st_mtime < source.stat().st_mtime:
        return False
    try:
        with rasterio.open(out_path) as dem:
            tags = dem.tags()
    except RasterioIOError:
        return False
    same_source = tags.get("source_file") == str(source.resolve())
    return bool(same_source and tags.get("resolution_m") == repr(float(resolution_m)))


def _vertices(contours: gpd.GeoDataFrame) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """Return unique (x, y) vertices and their elevation (first contour wins when shared)."""
    coords, index = shapely.get_coordinates(contours.geometry.to_numpy(), return_index=True)
    z = contours["ele"].to_numpy(dtype=float)[index]
    _, first = np.unique(np.round(coords, 3), axis=0, return_index=True)
    first.sort()
    return coords[first], z[first]


def rasterize_tin(
    xy: NDArray[np.float64],
    z: NDArray[np.float64],
    triangles: NDArray[np.integer[Any]],
    *,
    west: float,
    north: float,
    res: float,
    shape: tuple[int, int],
) -> NDArray[np.float64]:
    """Interpolate a triangulated surface linearly at the cell centres of a grid.

    Parameters
    ----------
    xy : ndarray, shape (n, 2)
        Vertex coordinates.
    z : ndarray, shape (n,)
        Vertex values.
    triangles : ndarray of int, shape (t, 3)
        Vertex indices of each triangle (e.g. ``Delaunay(xy).simplices``).
    west, north : float
        Coordinates of the grid's top-left corner.
    res : float
        Cell size (square cells, rows going south).
    shape : tuple of int
        ``(rows, columns)`` of the grid.

    Returns
    -------
    ndarray of float, shape ``shape``
        The value of the triangle holding each cell centre (barycentric
        interpolation); NaN for cells in no triangle.

    Examples
    --------
    >>> xy = np.array([[0.0, 0.0], [4.0, 0.0], [0.0, 4.0], [4.0, 4.0]])
    >>> z = xy[:, 0] + 10 * xy[:, 1]  # a plane
    >>> rasterize_tin(xy, z, np.array([[0, 1, 2], [1, 3, 2]]), west=0.0, north=4.0,
    ...               res=2.0, shape=(2, 2))
    array([[31., 33.],
           [11., 13.]])
    """
    height, width = shape
    grid = np.full(shape, np.nan)
    # vertex positions in cell units, integer = cell centre
    col = (xy[:, 0] - west) / res - 0.5
    row = (north - xy[:, 1]) / res - 0.5
    tc, tr, tz = col[triangles], row[triangles], z[triangles]
    c0 = np.maximum(np.ceil(tc.min(axis=1)), 0).astype(np.int64)
    c1 = np.minimum(np.floor(tc.max(axis=1)), width - 1).astype(np.int64)
    r0 = np.maximum(np.ceil(tr.min(axis=1)), 0).astype(np.int64)
    r1 = np.minimum(np.floor(tr.max(axis=1)), height - 1).astype(np.int64)
    ncols = np.maximum(c1 - c0 + 1, 0)
    counts = ncols * np.maximum(r1 - r0 + 1, 0)
    (x1, x2, x3), (y1, y2, y3) = tc.T, tr.T
    det = (y2 - y3) * (x1 - x3) + (x3 - x2) * (y1 - y3)
    usable = np.flatnonzero((counts > 0) & (np.abs(det) > 1e-12))
    batch = np.cumsum(counts[usable]) // _BATCH_CELLS
    for number in tqdm(
        np.unique(batch), desc="DEM from contours", disable=not progress_enabled(), leave=False
    ):
        ids = usable[batch == number]
        n = counts[ids]
        t = np.repeat(ids, n)
        k = np.arange(n.sum()) - np.repeat(np.cumsum(n) - n, n)
        cc = c0[t] + k % ncols[t]
        rr = r0[t] + k // ncols[t]
        dx, dy = cc - x3[t], rr - y3[t]
        l1 = ((y2[t] - y3[t]) * dx + (x3[t] - x2[t]) * dy) / det[t]
        l2 = ((y3[t] - y1[t]) * dx + (x1[t] - x3[t]) * dy) / det[t]
        l3 = 1.0 - l1 - l2
        eps = -1e-9
        inside = (l1 >= eps) & (l2 >= eps) & (l3 >= eps)
        t, l1, l2, l3 = t[inside], l1[inside], l2[inside], l3[inside]
        grid[rr[inside], cc[inside]] = l1 * tz[t, 0] + l2 * tz[t, 1] + l3 * tz[t, 2]
    return grid


def dem_file_from_contours(
    contours: str | os.PathLike[str],
    out_path: str | os.PathLike[str],
    *,
    resolution_m: float = 30.0,
    crs: str = "auto",
    elevation_column: str = "ele",
) -> Path:
    """Interpolate contour lines into a DEM GeoTIFF (cached; see the module doc).

    Parameters
    ----------
    contours : path-like
        Contour file, as in :func:`contours_from_file`.
    out_path : path-like
        GeoTIFF to write (its folder is created).
    resolution_m : float
        Cell size in metres.
    crs : str
        ``"auto"`` for the UTM zone of the contours, or a projected CRS in
        metres (e.g. ``"EPSG:32719"``).
    elevation_column : str
        Elevation column of a vector layer.

    Returns
    -------
    Path
        ``out_path``: float32 elevations in metres, nodata :data:`DEM_NODATA`
        outside the contours' triangulation.

    Raises
    ------
    MissingFileError, DataError, CrsError, EmptyRegionError
        As :func:`contours_from_file`; also a bad resolution, a geographic
        ``crs``, fewer than 3 distinct vertices, or a grid of more than
        :data:`MAX_CELLS` cells.

    Examples
    --------
    The Cusco contours (tested in ``tests/test_sources_elevation.py``; about
    3 s, then cached)::

        dem = dem_file_from_contours("../shared/data/cusco/cusco-srtm-contours.osm.pbf",
                                     Path("data/cache/cusco/dem.tif"), resolution_m=30)
        # EPSG:32719, 30 m cells, nodata -9999 beyond the outermost contours
    """
    import rasterio
    from pyproj import CRS
    from rasterio.transform import from_origin
    from scipy.spatial import Delaunay

    if not (
        isinstance(resolution_m, int | float) and resolution_m > 0 and math.isfinite(resolution_m)
    ):
        raise DataError(f"resolution_m must be a positive number of metres, got {resolution_m!r}")
    source = Path(contours)
    target = Path(out_path)
    if not source.is_file():
        raise MissingFileError(f"contour file not found: {source}")
    if _is_cached(target, source, resolution_m):
        log.info("DEM %s is up to date with %s; not rebuilt", target, source)
        return target
    lines = contours_from_file(source, elevation_column=elevation_column)
    target_crs = lines.to_crs(_EPSG_WGS84).estimate_utm_crs() if crs == "auto" else CRS(crs)
    if not target_crs.is_projected:
        raise CrsError(f"crs must be projected (metres) for a DEM, got {target_crs}")
    xy, z = _vertices(lines.to_crs(target_crs))
    if len(xy) < 3:
        raise DataError(f"{source}: fewer than 3 distinct contour vertices; cannot interpolate")
    res = float(resolution_m)
    west, south = np.floor(xy.min(axis=0) / res) * res
    east, north = np.ceil(xy.max(axis=0) / res) * res
    width, height = max(1, round((east - west) / res)), max(1, round((north - south) / res))
    if width * height > MAX_CELLS:
        raise DataError(
            f"{source}: a {res:g} m grid over the contours would have {width * height:,} cells "
            f"(more than {MAX_CELLS:,}); use a larger resolution_m"
        )
    log.info(
        "%s: interpolating %d vertices onto %d x %d cells of %g m (%s)",
        source,
        len(xy),
        width,
        height,
        res,
        target_crs.to_string(),
    )
    triangles = Delaunay(xy).simplices
    grid = rasterize_tin(xy, z, triangles, west=west, north=north, res=res, shape=(height, width))
    grid = np.where(np.isnan(grid), DEM_NODATA, grid).astype(np.float32)
    profile = {
        "driver": "GTiff",
        "width": width,
        "height": height,
        "count": 1,
        "dtype": "float32",
        "crs": target_crs.to_wkt(),
        "transform": from_origin(west, north, res, res),
        "nodata": DEM_NODATA,
        "compress": "deflate",
        "tiled": True,
        "blockxsize": 256,
        "blockysize": 256,
    }
    with atomic_path(target) as tmp, rasterio.open(tmp, "w", **profile) as dst:
        dst.write(grid, 1)
        dst.update_tags(
            source_file=str(source.resolve()),
            resolution_m=repr(res),
            method="linear interpolation of contour vertices (Delaunay, scipy)",
            n_contours=str(len(lines)),
        )
    valid = grid[grid != DEM_NODATA]
    log.info(
        "wrote DEM %s: %d x %d cells, %.0f%% with data, %.0f…%.0f m",
        target,
        width,
        height,
        100 * valid.size / grid.size,
        float(valid.min()) if valid.size else math.nan,
        float(valid.max()) if valid.size else math.nan,
    )
    return target


@contextmanager
def open_dem(path: str | os.PathLike[str], *, what: str) -> Iterator[Any]:
    """Open a DEM for reading, with errors that name the file and what it is for.

    Parameters
    ----------
    path : path-like
        A raster GDAL reads (GeoTIFF), with a CRS.
    what : str
        What the DEM is for, or the config key it comes from, used in the
        messages (e.g. ``"elevation.path"``, ``"walking speeds on slopes"``).

    Yields
    ------
    rasterio.io.DatasetReader
        The open raster (closed on exit). Errors reading it inside the
        ``with`` block are translated like those opening it.

    Raises
    ------
    MissingFileError
        No such file.
    DataError
        Not a raster GDAL can read (e.g. a text file), or unreadable data.
    CrsError
        The raster has no CRS, or no geotransform.

    Examples
    --------
    As :mod:`connectivity.network` reads the DEM::

        with open_dem(dem_path, what="DEM for walking speeds on slopes") as src:
            band = src.read(1, masked=True)
    """
    import rasterio
    from rasterio.errors import NotGeoreferencedWarning, RasterioIOError

    file = Path(path)
    if not file.is_file():
        raise MissingFileError(f"{what}: file not found: {file}")
    try:
        with warnings.catch_warnings():
            # said below as an error that names the file
            warnings.simplefilter("ignore", NotGeoreferencedWarning)
            # blocks decoded on every core the process may use (GeoTIFF; others ignore it)
            with rasterio.Env(GDAL_NUM_THREADS=str(len(os.sched_getaffinity(0)))):
                src = rasterio.open(file)
        with src:
            if src.crs is None:
                raise CrsError(f"{what}: {file}: the DEM has no CRS")
            if src.transform.is_identity:
                raise CrsError(f"{what}: {file}: the DEM has no geotransform (cell positions)")
            yield src
    except RasterioIOError as err:
        raise DataError(f"{what}: {file}: cannot read it as a raster: {err}") from err


#: DEM bands read in the current :func:`_sharing_dem_bands` block, by resolved path.
_SHARED_BANDS: dict[str, NDArray[np.float64]] | None = None


@contextmanager
def _sharing_dem_bands() -> Iterator[None]:
    """Read each DEM's band once in the block (:func:`_dem_band`), then let it go.

    The generators of candidate works sample the same DEM several times (walking
    times of new roads, terrain of every work); outside such a block every
    :func:`_dem_band` reads the file.
    """
    global _SHARED_BANDS
    outer = _SHARED_BANDS
    _SHARED_BANDS = {} if outer is None else outer
    try:
        yield
    finally:
        _SHARED_BANDS = outer


#: Values this close to the nodata value (relative) are left to GDAL to tell apart
_NEAR_NODATA = 1e-5


def _band_masked_by_nodata(src: Any) -> NDArray[np.float64] | None:
    """Return the first band as float64, NaN where GDAL's mask says nodata; or ``None``.

    ``src.read(1, masked=True)`` reads the band twice (the values, then GDAL's
    nodata mask band from the values again, on one core). Where the mask comes
    from the band's nodata value only, it is worked out here from one read:
    integer values equal to it, float values equal to it (or NaN when it is
    NaN). GDAL also calls a float value nodata when it is within a few units in
    the last place of it: when any value lies that close without being equal,
    or the nodata value does not fit the band's type, this returns ``None`` and
    GDAL's own mask is read instead.
    """
    from rasterio.enums import MaskFlags

    flags = list(src.mask_flag_enums[0])
    if flags == [MaskFlags.all_valid]:
        return np.array(src.read(1), dtype=np.float64)
    nodata = src.nodata
    if flags != [MaskFlags.nodata] or nodata is None:
        return None
    data = src.read(1)
    kind = np.dtype(data.dtype)
    if kind.kind in "iu":
        info = np.iinfo(kind)
        if not (math.isfinite(nodata) and nodata == int(nodata) and info.min <= nodata <= info.max):
            return None
        nodata_cells = data == kind.type(int(nodata))
    elif kind.kind == "f":
        value = kind.type(nodata)
        if math.isnan(nodata):
            nodata_cells = np.isnan(data)
        else:
            if not np.isfinite(value):
                return None
            nodata_cells = data == value
            with np.errstate(invalid="ignore", over="ignore"):
                near = np.abs(data - value) <= _NEAR_NODATA * abs(float(value))
            if np.count_nonzero(near) != np.count_nonzero(nodata_cells):
                return None  # a value GDAL may round to nodata: let GDAL tell
    else:
        return None
    band: NDArray[np.float64] = np.array(data, dtype=np.float64)
    band[nodata_cells] = np.nan
    return band


def _dem_band(src: Any) -> NDArray[np.float64]:
    """Return the first band of an open DEM as float64, NaN on nodata (read-only when shared).

    Read once per :func:`_sharing_dem_bands` block; the same values as
    ``src.read(1, masked=True).astype(float).filled(np.nan)``.
    """
    key = os.path.realpath(str(src.name))
    if _SHARED_BANDS is not None and key in _SHARED_BANDS:
        return _SHARED_BANDS[key]
    band = _band_masked_by_nodata(src)
    if band is None:
        masked = src.read(1, masked=True)
        # as masked.astype(float).filled(np.nan), without the two copies of the masked array
        band = np.array(masked.data, dtype=np.float64)
        band[np.ma.getmaskarray(masked)] = np.nan
    if _SHARED_BANDS is not None:
        band.setflags(write=False)
        _SHARED_BANDS[key] = band
    return band


def _covered(src: Any, lon: ArrayLike, lat: ArrayLike) -> NDArray[np.bool_]:
    """Whether each WGS84 point falls on a valid (not nodata, finite) cell of an open DEM.

    Reads only the window of the DEM around the points that fall inside it.
    """
    from pyproj import Transformer
    from rasterio.windows import Window

    lons = np.asarray(lon, dtype=float).ravel()
    lats = np.asarray(lat, dtype=float).ravel()
    covered = np.zeros(len(lons), dtype=bool)
    if not len(lons):
        return covered
    xs, ys = Transformer.from_crs(_EPSG_WGS84, src.crs, always_xy=True).transform(lons, lats)
    inv = ~src.transform
    cols = np.floor(inv.a * np.asarray(xs) + inv.b * np.asarray(ys) + inv.c)
    rows = np.floor(inv.d * np.asarray(xs) + inv.e * np.asarray(ys) + inv.f)
    with np.errstate(invalid="ignore"):
        inside = (rows >= 0) & (rows < src.height) & (cols >= 0) & (cols < src.width)
    if not inside.any():
        return covered
    r, c = rows[inside].astype(np.int64), cols[inside].astype(np.int64)
    r0, c0 = int(r.min()), int(c.min())
    window = Window(c0, r0, int(c.max()) - c0 + 1, int(r.max()) - r0 + 1)
    values = src.read(1, window=window, masked=True)[r - r0, c - c0]
    covered[inside] = ~np.ma.getmaskarray(values) & np.isfinite(np.ma.getdata(values))
    return covered


def dem_coverage(dem_path: str | os.PathLike[str], lon: ArrayLike, lat: ArrayLike) -> float:
    """Share of points that fall on valid cells of a DEM.

    Parameters
    ----------
    dem_path : path-like
        The DEM (any CRS; the points are reprojected to it).
    lon, lat : array-like
        Points in WGS84 degrees.

    Returns
    -------
    float
        Between 0 and 1: the points inside the raster on a cell that is
        neither nodata nor NaN, over all points (1.0 when there are none).

    Raises
    ------
    MissingFileError, DataError, CrsError
        As :func:`open_dem`.

    Examples
    --------
    The sample region's DEM (invented terrain in UTM 18S) and two points, the
    second in Cusco:

    >>> from connectivity.sample import generate_sample_region
    >>> files = generate_sample_region(getfixture("tmp_path"), size=0.2)
    >>> dem_coverage(files.elevation_tif, [-74.2, -71.95], [-13.9, -13.5])
    0.5
    """
    with open_dem(dem_path, what="DEM") as src:
        covered = _covered(src, lon, lat)
    return float(covered.mean()) if len(covered) else 1.0


def _percent(share: float) -> str:
    """``0.9996`` → ``"99.9%"``: rounded down, so only full coverage reads 100%."""
    return f"{math.floor(share * 1000) / 10:g}%"


def _lonlat_bounds(west: float, south: float, east: float, north: float) -> str:
    return f"lon {west:.4f}…{east:.4f}, lat {south:.4f}…{north:.4f}"


def check_dem_coverage(
    dem_path: str | os.PathLike[str],
    points: Mapping[str, tuple[ArrayLike, ArrayLike]],
    *,
    what: str,
    min_share: float = DEM_MIN_COVERAGE,
) -> float:
    """Check that a DEM covers the places the pipeline reads elevation at.

    Parameters
    ----------
    dem_path : path-like
        The DEM.
    points : mapping of str to (lon, lat)
        Named groups of WGS84 points, e.g. ``{"road nodes": (lon, lat),
        "communities": (lon, lat)}``: the messages give each group's share.
    what : str
        Where the DEM comes from (e.g. ``"elevation.path (from
        data/regions/huanta.toml)"``), for the messages.
    min_share : float
        Least share of all the points that must fall on valid DEM cells
        (default :data:`DEM_MIN_COVERAGE`).

    Returns
    -------
    float
        The share of all the points covered (1.0 when there are none).

    Raises
    ------
    DataError
        Less than ``min_share`` of the points are covered: the message names
        ``what``, the file, each group's share, and the DEM's and the points'
        bounds in lon/lat, so that a DEM of another place shows at once.
        Also as :func:`open_dem`.

    Notes
    -----
    Below 100% but not below ``min_share``, a WARNING says how many points
    of each group are off the DEM (walking there is timed as on flat land).

    Examples
    --------
    The sample region's DEM (UTM 18S) and a point in it, then one in Cusco:

    >>> from connectivity.sample import generate_sample_region
    >>> files = generate_sample_region(getfixture("tmp_path"), size=0.2)
    >>> check_dem_coverage(files.elevation_tif, {"communities": ([-74.2], [-13.9])},
    ...                    what="elevation.path")
    1.0
    >>> import textwrap
    >>> try:
    ...     check_dem_coverage(files.elevation_tif, {"communities": ([-71.95], [-13.5])},
    ...                        what="elevation.path")
    ... except DataError as err:
    ...     print(textwrap.fill(str(err).replace(str(files.directory), "sample"), 90))
    elevation.path: the DEM sample/elevation.tif covers 0% of the points: 0% of the 1
    communities (1 off it); at least 95% is needed (DEM lon -74.3177…-74.0879, lat
    -14.0106…-13.7860; region lon -71.9500…-71.9500, lat -13.5000…-13.5000). Is it a DEM of
    this region? Give one that covers the region, or remove [elevation] from the config to
    time walking as on flat land.
    """
    from rasterio.warp import transform_bounds

    groups = {
        name: (np.asarray(lon, dtype=float).ravel(), np.asarray(lat, dtype=float).ravel())
        for name, (lon, lat) in points.items()
    }
    groups = {name: xy for name, xy in groups.items() if len(xy[0])}
    with open_dem(dem_path, what=what) as src:
        covered = {name: _covered(src, lon, lat) for name, (lon, lat) in groups.items()}
        dem_bounds = transform_bounds(src.crs, _EPSG_WGS84, *src.bounds, densify_pts=21)
    every = np.concatenate([np.zeros(0, dtype=bool), *covered.values()])
    share = float(every.mean()) if len(every) else 1.0
    if share == 1.0:
        log.info("%s: the DEM %s covers all %s", what, dem_path, " and ".join(groups))
        return share
    lons = np.concatenate([lon for lon, _ in groups.values()])
    lats = np.concatenate([lat for _, lat in groups.values()])
    where = (
        f"DEM {_lonlat_bounds(*dem_bounds)}; region "
        f"{_lonlat_bounds(lons.min(), lats.min(), lons.max(), lats.max())}"
    )
    parts = " and ".join(
        f"{_percent(float(c.mean()))} of the {len(c):,} {name} ({int((~c).sum()):,} off it)"
        for name, c in covered.items()
    )
    summary = f"{what}: the DEM {dem_path} covers {_percent(share)} of the points: {parts}"
    if share < min_share:
        raise DataError(
            f"{summary}; at least {_percent(min_share)} is needed ({where}). "
            "Is it a DEM of this region? Give one that covers the region, or remove "
            "[elevation] from the config to time walking as on flat land."
        )
    log.warning(
        "%s: walking there is timed as on flat land and no new link is routed there (%s)",
        summary,
        where,
    )
    return share
