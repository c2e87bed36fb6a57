"""How the workbook writes a sheet: title block, tables with readable headers, number formats.

The workbook (:mod:`connectivity.deliverables.workbook`) is made of sheets
that each open with a title, the synthetic-data warning where the data are
invented, and the data source and run; then tables whose headers come from
the columns dictionary (:mod:`connectivity.deliverables.columns`), frozen
under the title, with column widths fitted to their contents.

Numbers stay numbers (sums and filters work), rounded to the dictionary's
digits and shown by a number format stored in the cell:

* money in Spanish: ``S/ 1 234 567`` — literal spaces between groups of
  three, so the figure reads the same on every computer. Excel's grouping
  comma (``#,##0``) would show the reader's own separator (``1,234,567`` in
  Peru's settings, ``1.234.567`` in Spain's), and a locale tag such as
  ``[$S/-es-PE]`` changes the symbol, not the separator. A format holds at
  most two conditions, so money uses them for the magnitudes: a million or
  more (either sign) as ``# ### ##0``, less as ``### ##0``; figures under
  1 000 soles show an extra space after ``S/`` (``S/  59``), except in the
  per-person columns, whose format groups only from 1 000. English:
  ``PEN 1,234,567`` with the reader's separator, as English readers expect;
* people and counts grouped the same way (``119 562``); minutes with one
  decimal and shares as percentages, with the reader's decimal mark;
* a trip with no route: the text "sin acceso" / "no route", never ``inf``;
  nothing to say (NaN): an empty cell.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.comments import Comment
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils.cell import (
    column_index_from_string,
    coordinate_from_string,
    get_column_letter,
)
from openpyxl.worksheet.properties import PageSetupProperties
from openpyxl.worksheet.worksheet import Worksheet

from connectivity import _columns
from connectivity.deliverables.columns import describe
from connectivity.i18n import Lang

__all__ = [
    "NO_ROUTE",
    "SheetWriter",
    "number_format",
]

#: What a cell says for a trip with no route.
NO_ROUTE: dict[Lang, str] = {"es": "sin acceso", "en": "no route"}
#: What a cell says for a ratio to a cost of 0 (a free work that gains).
UNBOUNDED: dict[Lang, str] = {"es": "sin límite", "en": "unbounded"}
_YES_NO: dict[Lang, tuple[str, str]] = {"es": ("sí", "no"), "en": ("yes", "no")}
_SIGN = {"PEN": "S/"}

_BIG = 1_000_000
_TITLE_FONT = Font(bold=True, size=14)
_HEAD_FONT = Font(bold=True)
_HEAD_FILL = PatternFill("solid", fgColor="DDE5EE")
_WARN_FONT = Font(bold=True, color="9C0006")
_WARN_FILL = PatternFill("solid", fgColor="FFC7CE")
_MUTED_FONT = Font(italic=True, color="666666")
_SECTION_FONT = Font(bold=True, size=12)
_MAX_WIDTH = 60
#: Widest sheet (sum of column widths, in characters) printed one page wide: an A4
#: landscape page holds about 145 at 100%, so this keeps the print at three fifths or more.
_FIT_WIDTH_MAX = 240.0
#: How much wider and taller a title's characters are than a body cell's (bold, size 14).
_TITLE_SCALE = 1.5


def _grouped(prefix: str, *, small_from: int) -> str:
    """Return a format grouping digits by threes with literal spaces (see the module doc)."""
    if small_from == 1000:
        return f"[>=1000]{prefix}### ##0;[<=-1000]{prefix}### ##0;{prefix}0"
    return f"[>={_BIG}]{prefix}# ### ##0;[<=-{_BIG}]{prefix}# ### ##0;{prefix}### ##0"


def number_format(unit: str, lang: Lang, *, currency: str = "PEN", digits: int | None = 0) -> str:
    """Return the Excel number format of a unit of the columns dictionary in ``lang``.

    Parameters
    ----------
    unit : str
        A unit code of :data:`connectivity._columns.UNITS`.
    lang : {"es", "en"}
    currency : str
    digits : int or None
        Digits kept (for minutes and ratios).

    Returns
    -------
    str

    Examples
    --------
    >>> number_format("money", "es")
    '[>=1000000]"S/ "# ### ##0;[<=-1000000]"S/ "# ### ##0;"S/ "### ##0'
    >>> number_format("money", "en"), number_format("min", "es", digits=1)
    ('"PEN "#,##0', '0.0')
    """
    if unit in ("money", "money_year", "money_person"):
        if lang == "en":
            return f'"{currency} "#,##0'
        prefix = f'"{_SIGN.get(currency, currency)} "'
        return _grouped(prefix, small_from=1000 if unit == "money_person" else _BIG)
    if unit in ("people", "person_min", "hours_year", "count", "score"):
        return "#,##0" if lang == "en" else _grouped("", small_from=_BIG)
    if unit == "share":
        return "0.0%" if not digits or digits <= 4 else "0.00%"
    if unit in ("min", "ratio", "km", "m", "score_per_1000", "person_min_per_1000"):
        return "0" if not digits else "0." + "0" * digits
    if unit == "year":
        return "0"
    return "General"


def _text(value: object) -> str:
    return ILLEGAL_CHARACTERS_RE.sub("", str(value))


@dataclass
class SheetWriter:
    """Writes one sheet from the top down (see the module docstring).

    Attributes
    ----------
    ws : Worksheet
    lang : {"es", "en"}
    currency : str
    row : int
        The next row to write.
    widths : dict of int to float
        The widest text seen per column (fitted at :meth:`finish`).
    """

    ws: Worksheet
    lang: Lang
    currency: str = "PEN"
    row: int = 1
    widths: dict[int, float] = field(default_factory=dict)
    lines: list[int] = field(default_factory=list)

    def _seen(self, col: int, text: str, *, cap: int = _MAX_WIDTH) -> None:
        longest = max((len(line) for line in text.split("\n")), default=0)
        self.widths[col] = max(self.widths.get(col, 8.0), min(float(longest) + 2, cap))

    def title(self, text: str, *, synthetic: str = "", source: str = "") -> None:
        """Write the sheet's title, the synthetic-data warning (if any) and the source line."""
        self.ws.cell(self.row, 1, _text(text)).font = _TITLE_FONT
        self.lines.append(self.row)
        self.row += 1
        if synthetic:
            cell = self.ws.cell(self.row, 1, _text(synthetic))
            cell.font, cell.fill = _WARN_FONT, _WARN_FILL
            self.lines.append(self.row)
            self.row += 1
        if source:
            self.ws.cell(self.row, 1, _text(source)).font = _MUTED_FONT
            self.lines.append(self.row)
            self.row += 1
        self.row += 1

    def section(self, text: str) -> None:
        """Write a section heading."""
        self.ws.cell(self.row, 1, _text(text)).font = _SECTION_FONT
        self.row += 1

    def note(self, text: str) -> None:
        """Write a line of explanation in grey."""
        self.ws.cell(self.row, 1, _text(text)).font = _MUTED_FONT
        self.lines.append(self.row)
        self.row += 1

    def blank(self) -> None:
        """Leave a row empty."""
        self.row += 1

    def value(
        self, row: int, col: int, value: object, *, unit: str = "text", digits: int | None = None
    ) -> None:
        """Write one value with the number format of its unit (see :meth:`cell_value`)."""
        shown, fmt, muted = self.cell_value(value, unit=unit, digits=digits)
        cell = self.ws.cell(row, col)
        cell.value = shown
        if isinstance(shown, str) and shown.startswith("="):
            cell.data_type = "s"  # a name from the data, never a formula
        if fmt:
            cell.number_format = fmt
        if muted:
            cell.font = _MUTED_FONT
            cell.alignment = Alignment(horizontal="right")
        self._seen(col, self.display(shown, fmt))

    def cell_value(
        self, value: object, *, unit: str, digits: int | None = None
    ) -> tuple[Any, str, bool]:
        """Return what a cell holds for ``value``: (value, number format, muted).

        Numbers are rounded to ``digits`` (default: the unit's); infinity is
        "sin acceso" / "no route" for minutes, "sin límite" / "unbounded"
        otherwise; NaN and None are empty; booleans are "sí" / "no".
        """
        if value is None or value is pd.NA or value is pd.NaT:
            return None, "", False
        if isinstance(value, bool | np.bool_):
            yes, no = _YES_NO[self.lang]
            return (yes if value else no), "", False
        if isinstance(value, int | np.integer):
            return int(value), number_format(unit, self.lang, currency=self.currency), False
        if isinstance(value, float | np.floating):
            number = float(value)
            if math.isnan(number):
                return None, "", False
            if math.isinf(number):
                words = NO_ROUTE if unit == "min" else UNBOUNDED
                return words[self.lang], "", True
            if digits is None:
                digits = _columns.UNITS[unit][2] if unit in _columns.UNITS else None
            if digits is not None:
                number = round(number, digits)
                if digits == 0:
                    number = float(int(number)) if abs(number) < 2**53 else number
            fmt = number_format(unit, self.lang, currency=self.currency, digits=digits)
            return number, fmt, False
        return _text(value), "", False

    def display(self, value: object, fmt: str) -> str:
        """Return the text a value shows, near enough to fit the column's width."""
        if value is None:
            return ""
        if isinstance(value, float | int) and not isinstance(value, bool):
            if "%" in fmt:
                return f"{100 * value:.1f} %"
            text = f"{value:,.{max(fmt.count('0') - 1, 0) if '.' in fmt else 0}f}"
            return (_SIGN.get(self.currency, self.currency) + " " if "S/" in fmt else "") + text
        return str(value)

    def pairs(self, rows: Iterable[tuple[str, object, str]]) -> None:
        """Write label / value rows (the value in its unit's format)."""
        for label, value, unit in rows:
            self.ws.cell(self.row, 1, _text(label)).font = _HEAD_FONT
            self._seen(1, label, cap=45)
            self.value(self.row, 2, value, unit=unit)
            self.row += 1

    def table(
        self,
        frame: pd.DataFrame,
        *,
        file: str = "",
        headers: Mapping[str, str] | None = None,
        units: Mapping[str, str] | None = None,
        labels: Mapping[str, Callable[[Any], str]] | None = None,
        freeze: bool = True,
        freeze_cols: int = 0,
    ) -> int:
        """Write a table: headers people read, then one row per record.

        Parameters
        ----------
        frame : pandas.DataFrame
            The records (a ``geometry`` column is left out).
        file : str
            The table's file name (``ranking``, ...): headers and units from its
            entries of the columns dictionary.
        headers, units : mapping, optional
            Headers and units for columns the dictionary lacks or that read better here.
        labels : mapping of str to callable, optional
            Per column, how a code becomes words (work types, road classes).
        freeze : bool
            Freeze the rows above the first record (title block and headers).
        freeze_cols : int
            Columns kept in view when scrolling sideways.

        Returns
        -------
        int
            The header row.
        """
        frame = frame.drop(columns="geometry", errors="ignore")
        headers, units, labels = headers or {}, units or {}, labels or {}
        head = self.row
        specs: list[tuple[str, str, int | None]] = []
        for j, column in enumerate(frame.columns, start=1):
            info = describe(str(column), self.lang, file=file, currency=self.currency)
            found = _columns.match(str(column), file=file)
            unit = units.get(column, found[0].unit if found else "text")
            digits = found[0].digits if found else None
            text = headers.get(column, info.header)
            cell = self.ws.cell(head, j, _text(text))
            cell.font, cell.fill = _HEAD_FONT, _HEAD_FILL
            cell.alignment = Alignment(wrap_text=True, vertical="top")
            if info.known:  # the CSV column it shows, and what an empty cell means
                cell.comment = Comment(_text(f"{column}\n{info.note}".strip()), "connectivity")
            self.widths[j] = max(self.widths.get(j, 8.0), min(len(text) / 2.2 + 2, 28.0))
            specs.append((str(column), unit, digits))
        self.ws.row_dimensions[head].height = 48
        for i, record in enumerate(frame.itertuples(index=False), start=head + 1):
            for j, ((column, unit, digits), value) in enumerate(zip(specs, record, strict=True), 1):
                if column in labels and isinstance(value, str):
                    value = labels[column](value)
                self.value(i, j, value, unit=unit, digits=digits)
        if freeze:
            self.ws.freeze_panes = self.ws.cell(head + 1, freeze_cols + 1).coordinate
            self.ws.print_title_rows = f"{head}:{head}"  # headers on every printed page
        self.row = head + len(frame) + 2
        return head

    def _wrap_lines(self, total: float) -> None:
        """Wrap a title or note line wider than the sheet across its columns (prints whole)."""
        last = max(self.widths, default=1)
        for i, row in enumerate(self.lines):
            cell = self.ws.cell(row, 1)
            scale = _TITLE_SCALE if i == 0 else 1.0  # the title: bold, size 14
            width = len(str(cell.value or "")) * scale
            if width <= total or last < 2:
                continue
            self.ws.merge_cells(start_row=row, start_column=1, end_row=row, end_column=last)
            cell.alignment = Alignment(wrap_text=True, vertical="top")
            self.ws.row_dimensions[row].height = 15.0 * scale * math.ceil(1.1 * width / total)

    def finish(self, *, min_widths: Sequence[float] = ()) -> None:
        """Fit the column widths to what was written; print on A4 landscape, all columns on a page.

        A printed sheet is as wide as one page (as many pages long as it
        needs) unless that would shrink it below about three fifths (a table of
        many columns then runs over several pages, its first columns
        repeated); its table headers repeat on every page, and the footer
        says the sheet and page (``Cartera — 2 / 5``).
        """
        total = 0.0
        for col, width in self.widths.items():
            floor = min_widths[col - 1] if col - 1 < len(min_widths) else 0.0
            self.ws.column_dimensions[get_column_letter(col)].width = max(width, floor)
            total += max(width, floor)
        setup = self.ws.page_setup
        setup.paperSize = self.ws.PAPERSIZE_A4
        setup.orientation = self.ws.ORIENTATION_LANDSCAPE
        if total <= _FIT_WIDTH_MAX:
            setup.fitToWidth, setup.fitToHeight = 1, 0
            self.ws.sheet_properties.pageSetUpPr = PageSetupProperties(fitToPage=True)
            self._wrap_lines(total)
        elif self.ws.freeze_panes is not None:
            kept = column_index_from_string(coordinate_from_string(self.ws.freeze_panes)[0]) - 1
            if kept > 0:
                self.ws.print_title_cols = f"A:{get_column_letter(kept)}"
        self.ws.page_margins.left = self.ws.page_margins.right = 0.4
        self.ws.page_margins.top = self.ws.page_margins.bottom = 0.5
        footer = self.ws.oddFooter.center  # type: ignore[union-attr]  # always set by openpyxl
        footer.text, footer.size = "&A — &P / &N", 8
