"""The columns dictionary for people: headers in Spanish and English, units, ``columns.csv``.

Every CSV column the pipeline writes has an entry in ``connectivity/columns.toml``
(read by :mod:`connectivity._columns`, which :mod:`connectivity.tables` rounds
by): a header people read in Spanish and English, a unit, the digits kept and
a note (what an empty cell means). Columns made for each destination kind,
state of the year and threshold (``{kind}_{season}_min``,
``{kind}_{season}_person_min_saved``, ``..._within_{T}min``) are entries by
pattern, so a region's own kind (``bank``) or threshold (45 min) is described
too. CSV column names stay stable English snake_case for other programs; the
workbook shows these headers instead.

:func:`write_columns_csv` writes ``columns.csv``: one row per file and
column of a run's CSVs (file, column, es, en, unit, unit_es, decimals,
note_es, note_en).

Examples
--------
>>> header("market_wet_min", "es")
'Minutos al mercado más cercano, crecida'
>>> header("bank_dry_within_45min", "en")
'Within 45 min of a bank, dry season'
>>> header("cost", "es"), unit_label("cost", "es", currency="PEN")
('Costo total', 'S/')
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from connectivity import _columns
from connectivity.i18n import Lang
from connectivity.maps.text import kind_labels
from connectivity.tables import csv_table, write_csv

__all__ = [
    "COLUMNS_CSV_COLUMNS",
    "ColumnInfo",
    "columns_table",
    "describe",
    "header",
    "unit_label",
    "write_columns_csv",
]

log = logging.getLogger(__name__)

#: Columns of ``columns.csv`` (before ``data_source`` and ``run_id``).
COLUMNS_CSV_COLUMNS: tuple[str, ...] = (
    "file",
    "column",
    "es",
    "en",
    "unit",
    "unit_es",
    "decimals",
    "note_es",
    "note_en",
)

#: The states of the year, short, as a column header names them.
SEASON_WORDS: dict[Lang, dict[str, str]] = {
    "es": {"dry": "época seca", "rain": "lluvias", "wet": "crecida"},
    "en": {"dry": "dry season", "rain": "rains", "wet": "rivers in flood"},
}
_CURRENCY_SIGN: dict[Lang, dict[str, str]] = {"es": {"PEN": "S/"}, "en": {}}


@dataclass(frozen=True)
class ColumnInfo:
    """What a column is, in words: its header, unit and note in one language.

    Attributes
    ----------
    column : str
    header : str
        A header people read ("Minutos al mercado más cercano, crecida").
    unit : str
        The unit in words ("min", "personas", "S/").
    decimals : int or None
        Digits the tables keep (None: not a rounded number).
    note : str
        What an empty cell means, how the figure is made ("" when nothing to add).
    known : bool
        Whether the dictionary has an entry for the column.
    """

    column: str
    header: str
    unit: str
    decimals: int | None
    note: str
    known: bool


def _fill(text: str, fields: Mapping[str, str], lang: Lang) -> str:
    kind = fields.get("kind", "")
    season = fields.get("season", "")
    values = {
        "kind": kind,
        "season": SEASON_WORDS[lang].get(season, season),
        "T": fields.get("T", ""),
        "dest": kind_labels(kind, lang)["dest"] if kind else "",
    }
    return text.format(**values)


def _unit_words(code: str, lang: Lang, currency: str) -> str:
    es, en, _ = _columns.UNITS[code]
    sign = _CURRENCY_SIGN[lang].get(currency, currency)
    return (es if lang == "es" else en).replace("{currency}", sign)


def describe(
    column: str,
    lang: Lang,
    *,
    file: str = "",
    currency: str = "PEN",
    source_columns: Iterable[str] = (),
) -> ColumnInfo:
    """Describe a column in ``lang``.

    Parameters
    ----------
    column : str
    lang : {"es", "en"}
    file : str
        The table it is in (``ranking``, ``portfolio``, ...; without ``.csv``).
    currency : str
        Currency of the table's money.
    source_columns : iterable of str
        Columns passed through from the population source (``[population]
        extra_columns``, the equity column): described as such when the
        dictionary has no entry for them.

    Returns
    -------
    ColumnInfo
        ``known`` is False (and the header is the column name) when the
        dictionary has no entry.
    """
    found = _columns.match(column, file=file)
    if found is None:
        if column in set(source_columns):
            text = (
                f"Columna «{column}» de la fuente de población"
                if lang == "es"
                else f"Column '{column}' of the population source"
            )
            note = "Tal como viene en la fuente." if lang == "es" else "As given in the source."
            return ColumnInfo(column, text, "", None, note, True)
        return ColumnInfo(column, column, "", None, "", False)
    spec, fields = found
    text = spec.es if lang == "es" else spec.en
    note = spec.note_es if lang == "es" else spec.note_en
    return ColumnInfo(
        column=column,
        header=_fill(text, fields, lang),
        unit=_unit_words(spec.unit, lang, currency),
        decimals=spec.digits,
        note=note.format(**fields) if fields else note,
        known=True,
    )


def header(column: str, lang: Lang, *, file: str = "") -> str:
    """Return a header people read for ``column`` (its name when the dictionary lacks it)."""
    return describe(column, lang, file=file).header


def unit_label(column: str, lang: Lang, *, file: str = "", currency: str = "PEN") -> str:
    """Return the unit of ``column`` in words ("" when the dictionary lacks it)."""
    return describe(column, lang, file=file, currency=currency).unit


def _columns_of(table: pd.DataFrame | Path, file: str) -> list[str]:
    """Return the columns of a CSV: read from the file, or as :func:`write_csv` writes them."""
    if isinstance(table, Path):
        return list(pd.read_csv(table, nrows=0).columns)
    written = csv_table(table.head(0), data_source="", run_id="-", file=file)
    return [str(c) for c in written.columns]


def columns_table(
    tables: Mapping[str, pd.DataFrame | Path],
    *,
    currency: str = "PEN",
    source_columns: Sequence[str] = (),
) -> pd.DataFrame:
    """One row per file and column of a run's CSVs, with its entry of the dictionary.

    Parameters
    ----------
    tables : mapping of str to DataFrame or Path
        File name (``ranking.csv``) to the CSV written, or to the table as
        given to :func:`connectivity.tables.write_csv` (its reachable flags,
        ``data_source`` and ``run_id`` are counted as written).
    currency : str
        Currency of the money columns (units say ``PEN``).
    source_columns : sequence of str
        Columns passed through from the population source (see :func:`describe`).

    Returns
    -------
    pandas.DataFrame
        Columns :data:`COLUMNS_CSV_COLUMNS`, in file and column order. A column
        the dictionary lacks has its name as header and is logged as a
        warning.
    """
    rows = []
    for name, table in tables.items():
        file = Path(name).stem
        for column in _columns_of(table, file):
            es = describe(column, "es", file=file, currency=currency, source_columns=source_columns)
            en = describe(column, "en", file=file, currency=currency, source_columns=source_columns)
            if not es.known:
                log.warning("%s: column %r has no entry in the columns dictionary", name, column)
            rows.append(
                {
                    "file": name,
                    "column": column,
                    "es": es.header,
                    "en": en.header,
                    "unit": en.unit,
                    "unit_es": es.unit,
                    "decimals": es.decimals,
                    "note_es": es.note,
                    "note_en": en.note,
                }
            )
    out = pd.DataFrame(rows, columns=list(COLUMNS_CSV_COLUMNS))
    out["decimals"] = out["decimals"].astype("Int64")
    return out


def write_columns_csv(
    path: Path,
    tables: Mapping[str, pd.DataFrame | Path],
    *,
    data_source: str,
    run_id: str = "",
    currency: str = "PEN",
    source_columns: Sequence[str] = (),
) -> Path:
    """Write ``columns.csv``: what each column of this run's CSVs means, and its unit.

    Parameters
    ----------
    path : Path
        Target file (``outputs/<region>/columns.csv``).
    tables : mapping of str to DataFrame or Path
        The run's CSVs (see :func:`columns_table`); simplest, after they are
        written: ``{p.name: p for p in sorted(out_dir.glob("*.csv"))}``.
    data_source, run_id : str
        As every table (:func:`connectivity.tables.write_csv`).
    currency : str
        Currency of the money columns.
    source_columns : sequence of str
        Columns passed through from the population source.

    Returns
    -------
    Path
        The written file.
    """
    table = columns_table(tables, currency=currency, source_columns=source_columns)
    return write_csv(table, Path(path), data_source=data_source, run_id=run_id)
