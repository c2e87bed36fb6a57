"""Tables a planner opens: CSV and GeoPackage, written atomically with provenance.

Every table carries a ``data_source`` column saying where its data came from
(for the sample region: "synthetic sample region", invented data), and every
GeoPackage a ``provenance`` table with the same statement, the region config
and the package version. Files are written to a temporary name and renamed,
so a failed run never leaves half a file. Rows are written in a stable order
so the same inputs give the same files.

Numbers are plain and rounded by the columns dictionary
(:mod:`connectivity._columns`, ``columns.toml``): minutes to 0.1, money to the
unit, shares to 4 decimals, and no trailing zeros (a population of 2503 is
``2503``, not ``2503.0``); never scientific notation. A column the dictionary
does not know keeps 6 decimals.

No table holds the text ``inf``. A trip with no route (``inf`` minutes in
memory) is written as an empty cell, and a flag column beside it says so:
``market_wet_min`` empty and ``market_wet_reachable`` False (in gains,
``..._reachable_before`` / ``_after``). The flag is written for every column
of minutes, reachable or not, so the columns of a table do not depend on the
data. Other infinities (a ratio to a cost of 0) are empty too; the
dictionary's note of the column says what empty means. NaN is empty.

Each GeoPackage layer holds one geometry type, as QGIS and GDAL expect: a
layer whose rows are points and lines (works: bridges are points, roads
lines) is written as ``<layer>_lines`` and ``<layer>_points``, and the
``provenance`` table says so.
"""

from __future__ import annotations

import logging
from collections.abc import Collection, Mapping
from pathlib import Path
from typing import cast

import geopandas as gpd
import numpy as np
import pandas as pd

from connectivity import __version__, _columns
from connectivity._io import atomic_path

__all__ = ["GEOMETRY_FAMILIES", "csv_table", "write_csv", "write_geopackage"]

log = logging.getLogger(__name__)

#: Geometry family of each geometry type, and the suffix of its layer when a layer is split.
GEOMETRY_FAMILIES: dict[str, str] = {
    "Point": "points",
    "MultiPoint": "points",
    "LineString": "lines",
    "MultiLineString": "lines",
    "LinearRing": "lines",
    "Polygon": "polygons",
    "MultiPolygon": "polygons",
}
_EMPTY_LAYER_TYPE = {"points": "Point", "lines": "LineString", "polygons": "Polygon"}
_UNKNOWN_DECIMALS = 6


def _with_source(frame: pd.DataFrame, data_source: str, run_id: str) -> pd.DataFrame:
    out = frame.copy()
    out["data_source"] = data_source
    if run_id:
        out["run_id"] = run_id
    return out


def _with_reach_flags(frame: pd.DataFrame, file: str) -> pd.DataFrame:
    """Write beside each column of minutes its flag: True with a route, False with none."""
    parts: list[pd.Series] = []
    added = 0
    for col in frame.columns:
        parts.append(frame[col])
        flag = _columns.reach_flag(str(col), file=file) if col != "geometry" else ""
        if not flag or flag in frame.columns:
            continue
        minutes = pd.to_numeric(frame[col], errors="coerce").to_numpy(dtype=float)
        known = pd.array(np.isfinite(minutes), dtype="boolean")
        known[np.isnan(minutes)] = pd.NA
        parts.append(pd.Series(known, index=frame.index, name=flag))
        added += 1
    if not added:
        return frame
    out = pd.concat(parts, axis=1)
    if isinstance(frame, gpd.GeoDataFrame) and frame.geometry.name in out.columns:
        return cast(
            pd.DataFrame, gpd.GeoDataFrame(out, geometry=frame.geometry.name, crs=frame.crs)
        )
    return out


def _joined(values: pd.Series) -> pd.Series:
    return values.map(lambda v: ";".join(map(str, v)) if isinstance(v, list | tuple | set) else v)


def _number_text(value: float, digits: int | None) -> str:
    """Write a finite number as plain text, rounded to ``digits``, no trailing zeros."""
    if digits is None:
        text = np.format_float_positional(value, trim="-")
    else:
        text = f"{value:.{digits}f}"
        if "." in text:
            text = text.rstrip("0").rstrip(".")
    return "0" if text == "-0" else text


#: Numbers whose scaled value is at least this large are written one at a time (exactly).
_EXACT_LIMIT = 2.0**52
#: numpy's variable-width strings: several times faster to build than fixed-width ones.
_STRING = np.dtypes.StringDType()


def _number_texts(numbers: np.ndarray, digits: int | None) -> np.ndarray:
    """Write a column of floats as :func:`_number_text` writes each, "" for NaN and infinity.

    Vectorised: ``x`` rounded to ``digits`` is ``rint(x * 10**digits)``
    unless the product lies within its rounding error of a half (then the
    exact decimal expansion decides: those few, and values too large for an
    exact integer, go through :func:`_number_text`). The integer is written
    with the decimal point put back and trailing zeros dropped. With
    ``digits`` None (shortest text), integral values are written as integers
    and the others one at a time.

    Examples
    --------
    >>> _number_texts(np.array([2503.0, 0.125, -0.0001, 1.5, np.nan, -np.inf]), 2).tolist()
    ['2503', '0.12', '0', '1.5', '', '']
    >>> _number_texts(np.array([12345.0, 0.1, -0.0]), None).tolist()
    ['12345', '0.1', '0']
    """
    x = np.asarray(numbers, dtype=float)
    out = np.full(len(x), "", dtype=object)
    finite = np.isfinite(x)
    if digits is None:
        scaled = x
        n = np.where(finite, x, 0.0)
        fast = finite & (n == np.floor(n)) & (np.abs(n) < _EXACT_LIMIT)
    else:
        with np.errstate(over="ignore", invalid="ignore"):  # huge values: written one by one
            scaled = np.where(finite, x, 0.0) * 10.0**digits
            n = np.rint(scaled)
            # the product is within half an ulp of x * 10**digits: rint agrees with the
            # exact rounding unless a half lies within that error (a margin of a few ulps)
            error = 8 * np.finfo(float).eps * np.maximum(np.abs(scaled), 1.0)
            near_half = ~(np.abs(scaled - np.floor(scaled) - 0.5) > error)
        fast = finite & ~near_half & (np.abs(scaled) < _EXACT_LIMIT)
    if fast.any():
        out[fast] = _integer_texts(n[fast].astype(np.int64), x[fast] < 0, digits or 0)
    slow = np.flatnonzero(finite & ~fast)
    for i in slow.tolist():
        out[i] = _number_text(float(x[i]), digits)
    return out


def _integer_texts(n: np.ndarray, negative: np.ndarray, digits: int) -> np.ndarray:
    """Write integers ``n`` (the numbers times ``10**digits``) as decimals, no trailing zeros."""
    a = np.abs(n)
    whole, frac = np.divmod(a, 10**digits)
    width = np.full(len(a), digits, dtype=np.int64)
    for _ in range(digits):  # drop trailing zeros of the decimals
        zero = (width > 0) & (frac % 10 == 0)
        frac = np.where(zero, frac // 10, frac)
        width -= zero
    text = whole.astype(_STRING)
    has = width > 0
    if has.any():
        decimals = np.strings.zfill(frac[has].astype(_STRING), width[has])
        text[has] = np.strings.add(np.strings.add(text[has], "."), decimals)
    sign = negative & (a != 0)  # "-0" is written "0"
    if sign.any():
        text[sign] = np.strings.add("-", text[sign])
    out: np.ndarray = text.astype(object)
    return out


def _digits(col: str, file: str) -> int | None:
    found = _columns.match(col, file=file)
    return found[0].digits if found else _UNKNOWN_DECIMALS


def _csv_columns(frame: pd.DataFrame, file: str) -> pd.DataFrame:
    """Numbers as plain rounded text (empty for NaN and infinity), lists as ';'-joined text."""
    out = {}
    for col in frame.columns:
        values = frame[col]
        if pd.api.types.is_float_dtype(values.dtype):
            digits = _digits(str(col), file)
            numbers = values.to_numpy(dtype=float, na_value=np.nan)
            out[col] = pd.Series(_number_texts(numbers, digits), index=frame.index, dtype=object)
        elif values.dtype == object:
            out[col] = _joined(values)
        else:
            out[col] = values
    return pd.DataFrame(out, index=frame.index)


def _layer_columns(frame: pd.DataFrame) -> pd.DataFrame:
    """Numbers rounded (infinity: NULL), lists as ';'-joined text: writable by GDAL."""
    out = frame.copy()
    for col in out.columns:
        if col == "geometry":
            continue
        if pd.api.types.is_float_dtype(out[col].dtype):
            digits = _digits(str(col), "")
            values = out[col].to_numpy(dtype=float, na_value=np.nan)
            values = np.where(np.isfinite(values), values, np.nan)
            out[col] = values if digits is None else np.round(values, digits)
        elif out[col].dtype == object:
            out[col] = _joined(out[col])
    return out


def csv_table(
    frame: pd.DataFrame, *, data_source: str, run_id: str = "", file: str = ""
) -> pd.DataFrame:
    """Return a table as :func:`write_csv` writes it: flags beside minutes, provenance, text.

    Parameters
    ----------
    frame : pandas.DataFrame
        The table; a ``geometry`` column is dropped.
    data_source, run_id : str
        As in :func:`write_csv`.
    file : str
        Name of the table (the CSV's stem): entries of the columns dictionary
        for that table win.

    Returns
    -------
    pandas.DataFrame
        The columns written, numbers as plain rounded text.

    Examples
    --------
    >>> table = pd.DataFrame({"population": [2503.0], "market_wet_min": [float("inf")]})
    >>> csv_table(table, data_source="x").iloc[0].to_dict()
    {'population': '2503', 'market_wet_min': '', 'market_wet_reachable': False, 'data_source': 'x'}
    """
    plain = pd.DataFrame(frame).drop(columns="geometry", errors="ignore")
    flagged = _with_reach_flags(plain, file)
    return _csv_columns(_with_source(flagged, data_source, run_id), file)


def write_csv(
    frame: pd.DataFrame, path: Path, *, data_source: str, index: bool = False, run_id: str = ""
) -> Path:
    """Write a table as CSV (UTF-8, no geometry column) atomically.

    Numbers are rounded by the columns dictionary and written plain; minutes
    with no route are empty with a flag beside them (see the module docstring).

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
    table = csv_table(frame, data_source=data_source, run_id=run_id, file=Path(path).stem)
    with atomic_path(path) as tmp:
        table.to_csv(tmp, index=index, lineterminator="\n")
    log.info("wrote %s (%d rows)", Path(path).name, len(table))
    return Path(path)


def _family(geometry: gpd.GeoSeries) -> np.ndarray:
    kinds = geometry.geom_type.to_numpy(dtype=object)
    return np.array([GEOMETRY_FAMILIES.get(k, "") if k else "" for k in kinds], dtype=object)


def _by_geometry(
    name: str, layer: gpd.GeoDataFrame | pd.DataFrame, *, always: bool
) -> list[tuple[str, pd.DataFrame, str]]:
    """Split a layer into one layer per geometry family: (name, rows, family or "")."""
    if not isinstance(layer, gpd.GeoDataFrame) or layer.active_geometry_name is None:
        return [(name, layer, "")]
    family = _family(layer.geometry)
    present = sorted(set(family) - {""})
    if not always and len(present) <= 1:
        return [(name, layer, "")]
    families = sorted({"lines", "points", *present}) if always else present
    # rows without geometry go with the first family, never dropped
    family = np.where(family == "", families[0], family)
    if not always:
        log.info("layer %s holds %s: written as one layer each", name, " and ".join(present))
    return [(f"{name}_{fam}", layer[family == fam], fam) for fam in families]


def write_geopackage(
    layers: Mapping[str, gpd.GeoDataFrame | pd.DataFrame],
    path: Path,
    *,
    data_source: str,
    metadata: Mapping[str, str] | None = None,
    run_id: str = "",
    split_by_geometry: Collection[str] = (),
) -> Path:
    """Write several layers into one GeoPackage atomically, one geometry type per layer.

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
    split_by_geometry : collection of str
        Layers always written as ``<name>_lines`` and ``<name>_points`` (an
        empty one when no row has that geometry), so that their names do not
        depend on the data. Any other layer holding more than one geometry
        family is split too, into the families it holds.

    Returns
    -------
    Path
        The written file.
    """
    prov = {"data_source": data_source, "generator": f"connectivity {__version__}"}
    if run_id:
        prov["run_id"] = run_id
    prov.update(metadata or {})
    written: list[str] = []
    split: list[str] = []
    with atomic_path(path) as tmp:
        for name, layer in layers.items():
            parts = _by_geometry(name, layer, always=name in split_by_geometry)
            if len(parts) > 1 or parts[0][0] != name:
                split.append(f"{name}: {', '.join(p[0] for p in parts)}")
            for part_name, rows, family in parts:
                flagged = _with_reach_flags(rows, "")
                table = _layer_columns(_with_source(flagged, data_source, run_id))
                options: dict[str, object] = {}
                if family:
                    options["layer_options"] = {
                        "DESCRIPTION": f"{name}: the rows that are {family} (one geometry type "
                        "per layer)"
                    }
                    if table.empty:
                        options["geometry_type"] = _EMPTY_LAYER_TYPE[family]
                gpd.GeoDataFrame(table).to_file(
                    tmp, layer=part_name, driver="GPKG", engine="pyogrio", **options
                )
                written.append(part_name)
        if split:
            prov["layers_by_geometry"] = (
                "; ".join(split) + " (one geometry type per layer; works: roads and new links "
                "are lines, bridges points)"
            )
        provenance = pd.DataFrame({"key": list(prov), "value": list(prov.values())})
        gpd.GeoDataFrame(provenance).to_file(
            tmp, layer="provenance", driver="GPKG", engine="pyogrio"
        )
    log.info("wrote %s (layers: %s)", Path(path).name, ", ".join([*written, "provenance"]))
    return Path(path)
