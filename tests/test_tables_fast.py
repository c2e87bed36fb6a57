"""CSV numbers written column by column: the same text as the cell-by-cell writer.

``connectivity.tables`` writes a column of floats with numpy (``_number_texts``)
instead of one f-string per cell. These tests hold it to the simple
cell-by-cell code it replaced (``_number_text`` per finite cell, empty for NaN
and infinity), on edge cases and on every table of the sample's and Cusco's
runs.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
import pytest

from connectivity.tables import (
    _csv_columns,
    _digits,
    _joined,
    _number_text,
    _number_texts,
    _with_reach_flags,
    _with_source,
)

DIGITS = [None, 0, 1, 2, 3, 4, 6]
#: Rows of each table of a run compared with the reference (all of the sample's but gains).
ROWS = 3_000


def _reference_column(numbers: np.ndarray, digits: int | None) -> list[str]:
    return [_number_text(float(v), digits) if np.isfinite(v) else "" for v in numbers]


def _reference_csv_columns(frame: pd.DataFrame, file: str) -> pd.DataFrame:
    """The cell-by-cell writer ``_csv_columns`` replaced."""
    out = {}
    for col in frame.columns:
        values = frame[col]
        if pd.api.types.is_float_dtype(values.dtype):
            numbers = values.to_numpy(dtype=float, na_value=np.nan)
            texts = _reference_column(numbers, _digits(str(col), file))
            out[col] = pd.Series(texts, index=frame.index, dtype=object)
        elif values.dtype == object:
            out[col] = _joined(values)
        else:
            out[col] = values
    return pd.DataFrame(out, index=frame.index)


def _edge_cases() -> np.ndarray:
    rng = np.random.default_rng(14)
    k = np.arange(-2000, 2000, dtype=float)
    special = [0.0, -0.0, np.nan, np.inf, -np.inf, 5e-324, -5e-324, 1e-300, 2.2250738585072014e-308]
    special += [1e300, -1e300, 1.7976931348623157e308, 2.0**52, 2.0**53, 2.0**53 + 2, 2.0**60]
    special += [1e15, 1e16, 1e20, 123456789012.345, 4503599627370495.5, 0.5, -0.5, 1.5, 2.5]
    special += [0.125, 0.375, 2.675, 1.005, 1.115, 0.045, -0.045, 1e-7, 4.35, 8.325, 0.0005]
    parts = [
        np.array(special),
        k,  # integers stored as floats
        k / 2,  # halves
        k / 8,  # exact binary halves at 2 decimals
        k / 1000 + 0.0005,  # decimal halves, not exact in binary
        (k + 0.5) / 10**2,
        (k + 0.5) / 10**4,
        (k + 0.5) / 10**6,
        rng.normal(0, 1, 3000),
        rng.normal(0, 1e6, 3000),
        np.round(rng.normal(0, 1e4, 3000), 1),
        10.0 ** rng.uniform(-12, 18, 3000) * rng.choice([-1, 1], 3000),
    ]
    return np.concatenate(parts)


@pytest.mark.parametrize("digits", DIGITS)
def test_edge_cases_give_the_text_of_the_cell_by_cell_writer(digits: int | None) -> None:
    values = _edge_cases()
    assert _number_texts(values, digits).tolist() == _reference_column(values, digits)


def test_negative_zero_and_halves_are_written_as_before() -> None:
    values = np.array([-0.0, -0.004, 0.125, 0.375, 2.675, 1e20, 2503.0, np.nan, -np.inf])
    expected = ["0", "0", "0.12", "0.38", "2.67", "1" + "0" * 20, "2503", "", ""]
    assert _number_texts(values, 2).tolist() == expected


def _tables(run: Any) -> dict[str, pd.DataFrame]:
    """The tables a run writes, by the file stem that picks their decimals."""
    result = run.ranking
    out = {"access_communities": run.access, "access_summary": run.summary}
    for name in ("ranking", "portfolio", "gains", "bundles", "axes", "communities_after"):
        table = getattr(result, name, None)
        if isinstance(table, pd.DataFrame):
            out[name] = table
    return out


@pytest.mark.parametrize("which", ["ranked_sample", "ranked_cusco"])
def test_every_table_of_a_run_is_written_as_before(which: str, request: Any) -> None:
    run = request.getfixturevalue(which)
    tables = _tables(run)
    assert {"access_communities", "ranking", "gains"} <= set(tables)
    floats = 0
    rng = np.random.default_rng(0)
    for file, frame in tables.items():
        if len(frame) > ROWS:  # the cell-by-cell reference is slow: a fixed draw of rows
            frame = frame.iloc[np.sort(rng.choice(len(frame), ROWS, replace=False))]
        plain = pd.DataFrame(frame).drop(columns="geometry", errors="ignore")
        table = _with_source(_with_reach_flags(plain, file), "source", "run")
        new = _csv_columns(table, file)
        old = _reference_csv_columns(table, file)
        assert new.to_csv(index=False, lineterminator="\n") == old.to_csv(
            index=False, lineterminator="\n"
        ), file
        floats += sum(pd.api.types.is_float_dtype(t) for t in table.dtypes)
    assert floats > 20  # the tables do hold many columns of floats
