"""Checks that an explanation reads in Spanish (used by tests/ranking and tests/test_pipeline.py).

A planner in Peru reads ``ranking_explanation.txt`` in Spanish: no English word
of the project's left in it, every count agreeing with its noun (``1 comunidad``,
``3 comunidades``) and money in soles with non-breaking groups (``S/ 1 234 567``).
"""

from __future__ import annotations

import re

from connectivity.i18n import NBSP

#: The project's English words that must not be left in a Spanish explanation.
ENGLISH = (
    " people",
    "(s)",
    "communities",
    "community",
    "Programme",
    "programme",
    "Top ",
    "Verify",
    "Appraisal",
    "budget",
    "net cost",
    " per trip",
    "cut off",
    "season",
    " gain",
    " PEN",
    "Data source",
)


def assert_reads_in_spanish(text: str) -> None:
    """No English word of the project's, and every count agrees with its noun."""
    body = text.split("\n\nFuente de datos:")[0]
    left = [word for word in ENGLISH if word in body]
    assert not left, left
    # "1" with a plural noun, or a number other than 1 with a singular one
    nouns = {"comunidad": "comunidades", "obra": "obras", "persona": "personas", "par": "pares"}
    for one, many in nouns.items():
        assert not re.search(rf"(?<![\d{NBSP},])1 {many}\b", body), many
        assert not re.search(rf"\b(0|[2-9]|\d\d+) {one}\b(?!-)", body), one  # not persona-min
    # money in soles with non-breaking groups, never "PEN 450 k" or "14,997,569 PEN"
    assert re.search(rf"S/{NBSP}\d{{1,3}}({NBSP}\d{{3}})+\b", body)
    assert not re.search(r"\d,\d{3}\b", body)  # no English thousands separator
