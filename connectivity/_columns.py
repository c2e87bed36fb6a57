"""The dictionary of every CSV column: what it means (es/en), its unit and how it is rounded.

The entries are data, in ``connectivity/columns.toml``; this module reads
them and finds the entry of a column name. It sits with the shared
infrastructure because :mod:`connectivity.tables`, which every stage uses to
write its tables, rounds each column by its entry and writes the "reachable"
flag beside each column of minutes. The public face, for people, is
:mod:`connectivity.deliverables.columns` (headers in the workbook,
``columns.csv``).

An entry names one column, or a family of columns by a pattern with fields:

``{kind}``
    a destination kind (``market``, ``school``, ``health`` or a region's own,
    e.g. ``bank``);
``{season}``
    a passability state: ``dry``, ``rain`` (rains, fords passable) or ``wet``
    (rivers in flood, fords shut);
``{T}``
    a threshold in minutes (``[access] thresholds_min``).

A name is matched by the entries of its table first (``file``), then by the
others; among patterns, the most specific (most literal characters) wins, so
``market_walk_dry_min`` is a walking time, not the time of a kind called
``market_walk``.

Unreachable
-----------
A trip with no route is ``inf`` minutes in memory. Tables never write
``inf``: the cell is left empty and a flag written beside it says so
(:attr:`ColumnSpec.reach_flag`: ``market_wet_min`` empty and
``market_wet_reachable`` False). A ratio to a cost of 0 is empty too, and
its note says why. NaN (nothing to say) is empty.

Examples
--------
>>> spec, fields = match("school_walk_rain_within_60min")
>>> spec.name, fields
('{kind}_walk_{season}_within_{T}min', {'kind': 'school', 'season': 'rain', 'T': '60'})
>>> decimals("market_dry_min"), decimals("population"), decimals("cost")
(1, 1, 0)
>>> reach_flag("health_wet_min_before")
'health_wet_reachable_before'
>>> match("score", file="portfolio")[0].en
'Score it adds in the programme'
"""

from __future__ import annotations

import functools
import re
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

__all__ = [
    "DICTIONARY_FILE",
    "UNITS",
    "ColumnSpec",
    "decimals",
    "entries",
    "match",
    "reach_flag",
]

#: Where the entries are.
DICTIONARY_FILE = Path(__file__).with_name("columns.toml")

#: Unit codes: Spanish and English words, and the digits kept by default (None: not a
#: rounded number). ``{currency}`` is the table's currency (``PEN``).
UNITS: dict[str, tuple[str, str, int | None]] = {
    "min": ("min", "min", 1),
    "people": ("personas", "people", 1),
    "person_min": ("persona-minutos", "person-minutes", 0),
    "money": ("{currency}", "{currency}", 0),
    "money_year": ("{currency}/año", "{currency}/year", 0),
    "money_person": ("{currency}/persona", "{currency}/person", 0),
    "person_min_per_1000": (
        "persona-minutos por 1000 {currency}",
        "person-minutes per 1,000 {currency}",
        1,
    ),
    "score": ("puntaje", "score", 1),
    "score_per_1000": ("puntaje por 1000 {currency}", "score per 1,000 {currency}", 3),
    "share": ("proporción 0-1", "share 0-1", 4),
    "pct": ("%", "%", 1),
    "ratio": ("razón", "ratio", 2),
    "hours_year": ("horas/año", "hours/year", 0),
    "m": ("m", "m", 1),
    "km": ("km", "km", 2),
    "count": ("número", "count", 0),
    "year": ("año", "year", None),
    "yes_no": ("sí/no", "yes/no", None),
    "id": ("código", "id", None),
    "text": ("texto", "text", None),
}

_FIELDS = {
    "kind": r"[a-z][a-z0-9]*(?:_[a-z0-9]+)*?",
    "season": r"dry|rain|wet",
    "T": r"\d+(?:\.\d+)?",
}
_FIELD = re.compile(r"\{(kind|season|T)\}")


@dataclass(frozen=True)
class ColumnSpec:
    """One entry of the dictionary (see ``connectivity/columns.toml``).

    Attributes
    ----------
    name : str
        The column, or a pattern with ``{kind}``, ``{season}``, ``{T}`` fields.
    es, en : str
        A header people read, in Spanish and English (may hold ``{dest}``,
        ``{season}``, ``{T}``).
    unit : str
        A code of :data:`UNITS`.
    decimals : int or None
        Digits kept after the decimal point (None: the unit's default).
    note_es, note_en : str
        What an empty cell means, how the figure is made.
    reach_flag : str
        For minutes: the flag column written beside it, True when there is a
        route (the minutes cell is empty when there is none).
    file : str
        The table (``portfolio``, ``gains``, ...) where the column means
        something else than elsewhere; empty for every table.
    """

    name: str
    es: str
    en: str
    unit: str
    decimals: int | None = None
    note_es: str = ""
    note_en: str = ""
    reach_flag: str = ""
    file: str = ""

    @property
    def digits(self) -> int | None:
        """Digits kept after the decimal point (the unit's default unless the entry says)."""
        return self.decimals if self.decimals is not None else UNITS[self.unit][2]

    @property
    def is_pattern(self) -> bool:
        """Whether the entry names a family of columns."""
        return bool(_FIELD.search(self.name))

    @property
    def specificity(self) -> int:
        """Literal characters of the name: the most specific pattern wins a column."""
        return len(_FIELD.sub("", self.name))

    def regex(self) -> re.Pattern[str]:
        """Return the name as a regular expression, its fields captured by name."""
        return _compile(self.name)


@functools.cache
def _compile(name: str) -> re.Pattern[str]:
    parts, pos = [], 0
    for m in _FIELD.finditer(name):
        parts.append(re.escape(name[pos : m.start()]))
        parts.append(f"(?P<{m.group(1)}>{_FIELDS[m.group(1)]})")
        pos = m.end()
    parts.append(re.escape(name[pos:]))
    return re.compile("".join(parts))


@functools.lru_cache(maxsize=1)
def entries() -> tuple[ColumnSpec, ...]:
    """Return every entry of the dictionary, as in ``columns.toml``.

    Raises
    ------
    ValueError
        An entry with an unknown unit or key, or two entries for one name and table.
    """
    with DICTIONARY_FILE.open("rb") as f:
        raw = tomllib.load(f)["column"]
    known = set(ColumnSpec.__dataclass_fields__)
    specs, seen = [], set()
    for item in raw:
        unknown = set(item) - known
        if unknown or item.get("unit") not in UNITS:
            raise ValueError(f"{DICTIONARY_FILE.name}: bad entry {item.get('name')!r}: {item}")
        spec = ColumnSpec(**item)
        if (spec.name, spec.file) in seen:
            raise ValueError(f"{DICTIONARY_FILE.name}: {spec.name!r} twice (file {spec.file!r})")
        seen.add((spec.name, spec.file))
        specs.append(spec)
    return tuple(specs)


@functools.lru_cache(maxsize=1)
def _index() -> tuple[Mapping[tuple[str, str], ColumnSpec], tuple[ColumnSpec, ...]]:
    exact = {(s.name, s.file): s for s in entries() if not s.is_pattern}
    patterns = tuple(sorted((s for s in entries() if s.is_pattern), key=lambda s: -s.specificity))
    return exact, patterns


@functools.lru_cache(maxsize=4096)
def match(column: str, *, file: str = "") -> tuple[ColumnSpec, dict[str, str]] | None:
    """Find the entry of a column, and the values of its pattern's fields.

    Parameters
    ----------
    column : str
        A column name.
    file : str
        The table it is in, without ``.csv`` (``ranking``, ``portfolio``, ...):
        an entry for that table wins over the general one.

    Returns
    -------
    (ColumnSpec, dict) or None
        The entry and its fields (``{"kind": "market", "season": "wet"}``),
        or None when the dictionary has no entry for the column.
    """
    exact, patterns = _index()
    for key in ((column, file), (column, "")):
        if key in exact:
            return exact[key], {}
    for wanted in (file, ""):
        for spec in patterns:
            if spec.file != wanted:
                continue
            found = spec.regex().fullmatch(column)
            if found:
                return spec, {k: v for k, v in found.groupdict().items() if v is not None}
    return None


def decimals(column: str, *, file: str = "") -> int | None:
    """Digits after the decimal point a table keeps for ``column`` (None: as it is).

    A column the dictionary does not know is not rounded.
    """
    found = match(column, file=file)
    return found[0].digits if found else None


def reach_flag(column: str, *, file: str = "") -> str:
    """Name of the flag written beside a column of minutes ("" for other columns)."""
    found = match(column, file=file)
    if not found or not found[0].reach_flag:
        return ""
    spec, fields = found
    return spec.reach_flag.format(**fields)
