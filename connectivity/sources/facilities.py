"""Markets and schools (any facility people travel to), from files or from OpenStreetMap.

Both functions return a GeoDataFrame of points in EPSG:4326, one row per
facility, with at least these columns:

``facility_id`` (str, unique)
    The id from the file, or ``node/<id>``/``way/<id>``/``relation/<id>``
    for OSM features.
``name`` (str or None)
``kind`` (str)
    What the facility is for the model, e.g. ``"market"`` or ``"school"``.
``geometry`` (Point)

Other columns of the file (e.g. ``NIVEL``, the school levels of a district
capital) or the OSM tags queried are kept after these. Files are read and
checked exactly like population points (see
:mod:`connectivity.sources.population`): unusable rows are dropped and
reported in ``attrs["load_report"]`` (read it with
:func:`connectivity.sources.population.load_report`), and bad input raises
an error naming the file and the problem.

Real files this reads (see ``../shared/data/README.md``):

* MINEDU schools, ``colegios_minedu.csv``: ``csv_separator=";"``,
  ``id_column="codigo"``, ``name_column="nombre"``, ``lon``/``lat``;
* district capitals as market towns, ``capitales_distritales.csv``:
  ``id_column="CODCP"``, ``name_column="NOMCP"``, ``lon_column="XGD"``,
  ``lat_column="YGD"``.
"""

from __future__ import annotations

import logging
import os

import geopandas as gpd
import numpy as np
import pandas as pd

from connectivity.errors import CrsError, DataError, EmptyRegionError
from connectivity.sources._points import (
    DUPLICATED_ID,
    LoadReport,
    Region,
    as_points,
    check_columns,
    clean_texts,
    load_points,
)

__all__ = ["facilities_from_file", "facilities_from_osm"]

log = logging.getLogger(__name__)

_EPSG_WGS84 = "EPSG:4326"
_FIRST_COLUMNS = ["facility_id", "name", "kind"]


def _check_kind(kind: object) -> str:
    if not isinstance(kind, str) or not kind.strip():
        raise DataError(f"kind must be a non-empty string such as 'market', got {kind!r}")
    return kind.strip()


def facilities_from_file(
    where: str | os.PathLike[str],
    *,
    kind: str,
    lon_column: str = "lon",
    lat_column: str = "lat",
    id_column: str = "id",
    name_column: str = "name",
    csv_separator: str = ",",
    region: Region = None,
    layer: str | None = None,
) -> gpd.GeoDataFrame:
    """Facilities from a table of points: CSV, GeoJSON or GeoPackage.

    Parameters
    ----------
    where : str or path-like
        Local file or ``http(s)://`` URL, as in
        :func:`connectivity.sources.population.communities_from_points`.
    kind : str
        Written in the ``kind`` column (``"market"``, ``"school"``, …); a
        ``kind`` column of the file is replaced.
    lon_column, lat_column : str
        WGS84 coordinate columns of a CSV (ignored for vector layers).
    id_column, name_column : str
        Columns with a unique id and the name.
    csv_separator : str
        Field separator of a CSV.
    region : shapely geometry (EPSG:4326) or GeoDataFrame, optional
        Keep only facilities inside it (the rest are reported).
    layer : str, optional
        Layer of a multi-layer file.

    Returns
    -------
    geopandas.GeoDataFrame
        EPSG:4326 points in file order: ``facility_id``, ``name``, ``kind``,
        the file's other columns, ``geometry``; dropped rows by reason in
        ``attrs["load_report"]``.

    Raises
    ------
    MissingFileError, DataError, CrsError, EmptyRegionError, DownloadError
        As :func:`connectivity.sources.population.communities_from_points`.

    Examples
    --------
    >>> import shapely
    >>> schools = facilities_from_file(
    ...     "../shared/data/peru/colegios_minedu.csv", kind="school", csv_separator=";",
    ...     id_column="codigo", name_column="nombre",
    ...     region=shapely.box(-72.07, -13.62, -71.78, -13.40))
    >>> len(schools), list(schools.columns)
    (781, ['facility_id', 'name', 'kind', 'geometry'])
    """
    kind = _check_kind(kind)
    gdf, report = load_points(
        where,
        what=f"{kind}s",
        id_column=id_column,
        name_column=name_column,
        lon_column=lon_column,
        lat_column=lat_column,
        csv_separator=csv_separator,
        region=region,
        keep_columns=True,
    )
    gdf = gdf.drop(columns=[c for c in ("facility_id", "kind") if c in gdf.columns])
    gdf = gdf.rename(columns={"id": "facility_id"})
    gdf.insert(2, "kind", kind)
    gdf.attrs["load_report"] = report.records()
    log.info("%s: %d %ss", report.source, len(gdf), kind)
    return gdf


def facilities_from_osm(features: gpd.GeoDataFrame, *, kind: str) -> gpd.GeoDataFrame:
    """Facilities from OpenStreetMap features (points; areas and lines become points).

    Parameters
    ----------
    features : GeoDataFrame
        From :func:`connectivity.sources.osm.features_from_osm_file` (or the
        online ``features_from_*``): columns ``osm_id``, ``osm_type``,
        ``name``, the queried tags, ``geometry``.
    kind : str
        Written in the ``kind`` column.

    Returns
    -------
    geopandas.GeoDataFrame
        EPSG:4326 points (a polygon's or line's representative point, which
        lies inside it), in the input order: ``facility_id``
        (``<osm_type>/<osm_id>``), ``name``, ``kind``, ``osm_id``,
        ``osm_type``, the tag columns, ``geometry``.

    Raises
    ------
    DataError
        Missing columns.
    CrsError
        ``features`` has no CRS.
    EmptyRegionError
        No feature with a geometry.

    Examples
    --------
    >>> from connectivity.sources import osm
    >>> found = osm.features_from_osm_file("../shared/data/cusco/cusco.osm.pbf",
    ...                                    {"amenity": ["marketplace"]})
    >>> markets = facilities_from_osm(found, kind="market")
    >>> len(markets), set(markets.geom_type), markets["facility_id"].iloc[0]
    (11, {'Point'}, 'node/874430114')
    """
    kind = _check_kind(kind)
    if not isinstance(features, gpd.GeoDataFrame):
        raise DataError(f"features: expected a GeoDataFrame, got {type(features).__name__}")
    if features.crs is None:
        raise CrsError("features: the layer has no CRS")
    check_columns(list(features.columns), ["osm_id", "osm_type"], "OSM features", ",")
    source = f"OSM {kind} features"
    report = LoadReport(source, f"{kind}s")
    total = len(features)
    has_geometry = ~(features.geometry.isna() | features.geometry.is_empty).to_numpy()
    report.add("missing geometry", int((~has_geometry).sum()))
    found = features[has_geometry]
    if found.empty:
        raise EmptyRegionError(f"{source}: no feature to use as {kind} (the query found none)")
    ids = pd.Series(
        [f"{t}/{int(i)}" for t, i in zip(found["osm_type"], found["osm_id"], strict=True)]
    )
    duplicated = ids.duplicated(keep="first").to_numpy()
    report.add(DUPLICATED_ID, int(duplicated.sum()))
    found, ids = found[~duplicated], ids[~duplicated]
    names = (
        clean_texts(found["name"]).to_numpy()
        if "name" in found.columns
        else np.full(len(found), None, dtype=object)
    )
    rest = [c for c in found.columns if c not in ("name", "geometry", *_FIRST_COLUMNS)]
    frame = pd.DataFrame(
        {"facility_id": ids.to_numpy(), "name": names, "kind": kind}
        | {c: found[c].to_numpy() for c in rest}
    )
    out = gpd.GeoDataFrame(
        frame, geometry=as_points(found).to_crs(_EPSG_WGS84).to_numpy(), crs=_EPSG_WGS84
    )
    report.log(total, "features")
    out.attrs["load_report"] = report.records()
    log.info("%s: %d %ss", source, len(out), kind)
    return out
