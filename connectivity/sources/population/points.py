"""Communities from a table of points (CSV, GeoJSON, GeoPackage), and the load report.

:func:`communities_from_points` reads a file of communities with their
population, e.g. the INEI *centros poblados*, through the point reader shared
with :mod:`connectivity.sources.facilities`
(:func:`connectivity.sources._points.load_points`); :func:`load_report` turns
the rows any loader dropped, by reason, into a table.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Sequence

import geopandas as gpd
import pandas as pd

from connectivity.errors import DataError
from connectivity.sources._points import Region, load_points

__all__ = ["communities_from_points", "load_report"]

log = logging.getLogger(__name__)

_OUTPUT_COLUMNS = ["community_id", "name", "population", "district", "population_source"]


def load_report(gdf: pd.DataFrame) -> pd.DataFrame:
    """Return the rows a loader dropped, by reason, as a table.

    Parameters
    ----------
    gdf : GeoDataFrame
        Output of a loader of :mod:`connectivity.sources.population` or of
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
        ``population`` (float > 0), ``district``, ``population_source``
        (``"file"``, see
        :data:`~connectivity.sources.population.provenance.POPULATION_SOURCES`;
        the file's own column when ``extra_columns`` names it), the
        ``extra_columns``,
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
    gdf, report = load_points(
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
    if "population_source" not in extra_columns:
        gdf["population_source"] = "file"
    missing = [c for c in extra_columns if c not in gdf.columns]
    if missing:
        raise DataError(
            f"{report.source}: no column(s) {', '.join(map(repr, missing))} to keep "
            f"(columns: {', '.join(c for c in gdf.columns if c != 'geometry')})"
        )
    extra = [c for c in extra_columns if c not in _OUTPUT_COLUMNS]
    gdf = gdf[[*_OUTPUT_COLUMNS, *extra, "geometry"]]
    gdf.attrs["load_report"] = report.records()
    log.info("%s: %d communities, %.0f people", report.source, len(gdf), gdf["population"].sum())
    return gdf
