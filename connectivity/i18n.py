r"""Words and numbers for people: the region's language (``es`` or ``en``).

Text a planner reads (the explanation, the workbook, the work sheets, the
maps) follows the region's language, ``[region] lang`` (Spanish by default
for Peru), or ``--lang`` on the command line. Column names of the CSV files
stay stable English snake_case for other programs.

This module holds what every deliverable shares: the language type, number,
money and percentage formats as people in each language write them, and
plurals. Spanish writes ``1 234 567,5`` (a non-breaking space between groups
of three, RAE / SI usage, and a decimal comma) and soles as
``S/ 1 234 567``; English writes ``1,234,567.5`` and ``PEN 1,234,567``.

Examples
--------
>>> fmt_money(1234567.4, "PEN", "es")
'S/\xa01\xa0234\xa0567'
>>> fmt_money(1234567.4, "PEN", "en")
'PEN 1,234,567'
>>> fmt_number(2503.0, "es"), fmt_number(25030.0, "es"), fmt_number(0.25, "es", decimals=2)
('2503', '25\xa0030', '0,25')
>>> plural(1, "comunidad", "comunidades"), plural(3, "comunidad", "comunidades")
('1 comunidad', '3 comunidades')
"""

from __future__ import annotations

import math
from typing import Literal

__all__ = [
    "LANGS",
    "NBSP",
    "Lang",
    "check_lang",
    "fmt_money",
    "fmt_number",
    "fmt_pct",
    "plural",
]

Lang = Literal["es", "en"]
LANGS: tuple[Lang, ...] = ("es", "en")
#: Non-breaking space: Spanish groups digits with it, and a figure never breaks across lines.
NBSP = "\u00a0"
_CURRENCY_SIGN = {"PEN": "S/"}


def check_lang(value: str) -> Lang:
    """Return ``value`` as a :data:`Lang`, or raise ValueError naming the languages known.

    Examples
    --------
    >>> check_lang("en")
    'en'
    """
    if value not in LANGS:
        raise ValueError(f"unknown language {value!r}: use one of {list(LANGS)}")
    return value


def fmt_number(value: float, lang: Lang, *, decimals: int = 0) -> str:
    """Write a number as people of ``lang`` write it, rounded to ``decimals``.

    Parameters
    ----------
    value : float
        The number; NaN gives ``"—"`` and infinity ``"∞"``.
    lang : {"es", "en"}
    decimals : int
        Digits after the decimal mark.

    Returns
    -------
    str
        ``es``: groups of three digits split by a non-breaking space (from
        10 000 on; four-digit numbers are not split, as RAE advises), decimal
        comma. ``en``: groups split by commas, decimal point.
    """
    if math.isnan(value):
        return "—"
    if math.isinf(value):
        return "∞" if value > 0 else "−∞"
    text = f"{value:,.{decimals}f}"
    if text.startswith("-") and float(text.replace(",", "")) == 0:
        text = text[1:]  # no "-0"
    if lang == "en":
        return text
    whole, _, frac = text.partition(".")
    digits = whole.lstrip("-").replace(",", "")
    sign = "-" if whole.startswith("-") else ""
    grouped = digits if len(digits) <= 4 else whole.lstrip("-").replace(",", NBSP)
    return sign + grouped + ("," + frac if frac else "")


def fmt_money(value: float, currency: str, lang: Lang, *, decimals: int = 0) -> str:
    r"""Write an amount of money: ``S/ 1 234 567`` in Spanish soles, ``PEN 1,234,567`` in English.

    A negative amount has its minus before the sign: ``-S/ 1 390 095``.

    Parameters
    ----------
    value : float
    currency : str
        ISO code (``PEN``: the sol, written ``S/`` in Spanish).
    lang : {"es", "en"}
    decimals : int

    Examples
    --------
    >>> fmt_money(-1390095.2, "PEN", "es"), fmt_money(-0.2, "PEN", "en")
    ('-S/\xa01\xa0390\xa0095', 'PEN 0')
    """
    sign = _CURRENCY_SIGN.get(currency, currency) if lang == "es" else currency
    number = fmt_number(abs(value), lang, decimals=decimals)
    minus = "-" if value < 0 and number.strip("0,.") else ""  # never "-S/ 0"
    return f"{minus}{sign}{NBSP if lang == 'es' else ' '}{number}"


def fmt_pct(share: float, lang: Lang, *, decimals: int = 0) -> str:
    r"""Write a share (0-1) as a percentage: ``25 %`` in Spanish, ``25%`` in English.

    Examples
    --------
    >>> fmt_pct(0.254, "es"), fmt_pct(0.254, "en", decimals=1)
    ('25\xa0%', '25.4%')
    """
    number = fmt_number(100.0 * share, lang, decimals=decimals)
    return f"{number}{NBSP}%" if lang == "es" else f"{number}%"


def plural(n: float, one: str, other: str, *, lang: Lang = "en", decimals: int = 0) -> str:
    """Write a count with its noun, singular for exactly one, plural otherwise.

    Parameters
    ----------
    n : float
        The count (people may be fractional in weighted figures: written rounded).
    one, other : str
        The noun in the singular and in the plural.
    lang : {"es", "en"}
        How the number is written.
    decimals : int
    """
    number = fmt_number(n, lang, decimals=decimals)
    return f"{number} {one if round(n, decimals) == 1 else other}"
