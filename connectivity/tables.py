"""Tables a planner opens: CSV and GeoPackage, written atomically with provenance.

Every table carries a ``data_source`` column saying where its data came from
(for the sample region: "synthetic sample region", invented data), and every
GeoPackage a ``provenance`` table with the same statement, the region config
and the package version. Files are written to a temporary name and renamed,
so a failed run never leaves half a file. Rows are written in a stable order
so the same inputs give the same files.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from pathlib import Path

import geopandas as gpd
import pandas as pd

from connectivity import __version__
from connectivity._io import atomic_path

__all__ = ["write_csv", "write_geopackage"]

log = logging.getLogger(__name__)


def _with_source(frame: pd.DataFrame, data_source: str, run_id: str) -> pd.DataFrame:
    out = frame.copy()
    out["data_source"] = data_source
    if run_id:
        out["run_id"] = run_id
    return out


def _plain_columns(frame: pd.DataFrame) -> pd.DataFrame:
    """Make columns writable by CSV/GDAL: lists become ';'-joined text, floats rounded to 1e-6."""
    out = frame.copy()
    for col in out.columns:
        if col == "geometry":
            continue
        if pd.api.types.is_float_dtype(out[col].dtype):
            # plain decimals a spreadsheet reads (no 1.35e+06), to a micro-unit
            out[col] = out[col].round(6)
            continue
        if out[col].dtype == object:
            out[col] = out[col].map(
                lambda v: ";".join(map(str, v)) if isinstance(v, list | tuple | set) else v
            )
    return out


def write_csv(
    frame: pd.DataFrame, path: Path, *, data_source: str, index: bool = False, run_id: str = ""
) -> Path:
    """Write a table as CSV (UTF-8, no geometry column) atomically.

    Parameters
    ----------
    frame : pandas.DataFrame
        The table; a ``geometry`` column is dropped (use the GeoPackage).
    path : Path
        Target file.
    data_source : str
        Provenance statement written in a ``data_source`` column.
    index : bool
        Whether to write the index.
    run_id : str
        Id of the run that wrote the table (see :mod:`connectivity.pipeline.output_set`),
        written in a ``run_id`` column so that tables of different runs can be told apart.

    Returns
    -------
    Path
        The written file.
    """
    plain = pd.DataFrame(frame).drop(columns="geometry", errors="ignore")
    table = _plain_columns(_with_source(plain, data_source, run_id))
    with atomic_path(path) as tmp:
        table.to_csv(tmp, index=index, lineterminator="\n")
    log.info("wrote %s (%d rows)", path.name, len(table))
    return path


def write_geopackage(
    layers: Mapping[str, gpd.GeoDataFrame | pd.DataFrame],
    path: Path,
    *,
    data_source: str,
    metadata: Mapping[str, str] | None = None,
    run_id: str = "",
) -> Path:
    """Write several layers into one GeoPackage atomically.

    Parameters
    ----------
    layers : mapping of str to (Geo)DataFrame
        Layer name to table; tables without geometry become attribute tables.
    path : Path
        Target ``.gpkg`` file (replaced whole).
    data_source : str
        Provenance statement, in a ``data_source`` column of every layer and
        in the ``provenance`` table.
    metadata : mapping of str to str, optional
        Extra key/value rows for the ``provenance`` table.
    run_id : str
        Id of the run, in a ``run_id`` column of every layer and in the
        ``provenance`` table.

    Returns
    -------
    Path
        The written file.
    """
    prov = {"data_source": data_source, "generator": f"connectivity {__version__}"}
    if run_id:
        prov["run_id"] = run_id
    prov.update(metadata or {})
    with atomic_path(path) as tmp:
        for name, layer in layers.items():
            table = _plain_columns(_with_source(layer, data_source, run_id))
            gpd.GeoDataFrame(table).to_file(tmp, layer=name, driver="GPKG", engine="pyogrio")
        provenance = pd.DataFrame({"key": list(prov), "value": list(prov.values())})
        gpd.GeoDataFrame(provenance).to_file(
            tmp, layer="provenance", driver="GPKG", engine="pyogrio"
        )
    log.info("wrote %s (layers: %s)", path.name, ", ".join([*layers, "provenance"]))
    return path
