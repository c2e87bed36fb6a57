"""Communities from a population raster (people per cell), local or remote.

:func:`communities_from_raster` reads a population GeoTIFF (WorldPop-style),
local or remote (read by windows over HTTP, never downloaded whole), and
turns the populated cells into community points: groups of connected
populated cells within blocks of about ``block_m`` metres.
"""

from __future__ import annotations

import logging
import math
import os
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
from pyproj import Transformer
from shapely.geometry.base import BaseGeometry
from tqdm.auto import tqdm

from connectivity._http import is_url
from connectivity._logging import progress_enabled
from connectivity.errors import (
    CrsError,
    DataError,
    DownloadError,
    EmptyRegionError,
    MissingFileError,
)
from connectivity.settings import settings
from connectivity.sources._points import (
    BELOW_MIN_POPULATION,
    OUTSIDE_REGION,
    FloatArray,
    LoadReport,
    Region,
    points_inside,
    region_geometry,
)

__all__ = ["communities_from_raster"]

log = logging.getLogger(__name__)

_EPSG_WGS84 = "EPSG:4326"


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
        ``attrs["load_report"]`` as for
        :func:`connectivity.sources.population.communities_from_points`.

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
    area = region_geometry(region)
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
    report = LoadReport(source, "population raster")
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
        inside = points_inside(area, lon, lat)
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
