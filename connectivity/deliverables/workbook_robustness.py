"""The robustness sheet of ``resumen.xlsx``: how sure each choice of the programme is.

Written by :func:`connectivity.deliverables.workbook.write_workbook` when the
run went through the robustness stage (:mod:`connectivity.robustness`), right
after the programme sheet, named "Robustez" (``es``) or "Robustness" (``en``):

* what was done: how many scenarios, the seed, that scenario 0 is the run
  itself, and the paragraph of
  :func:`connectivity.robustness.outputs.describe_robustness`;
* the programme's works (in its order) and the top works left out (by rank)
  with their probability of being funded, rank P5–P95, benefit and B/C
  P5–P95 (when the run is appraised) and switching values, with notes on how
  to read them (``robustness.csv``);
* the budget curve with the equity weight and without (``budget_curve.csv``);
* what varied: the spreads drawn from;
* the two plots of the stage (``robustness_probability.png``,
  ``budget_curve.png``) embedded from the run's folder, or named when absent.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pandas as pd
from openpyxl.drawing.image import Image
from openpyxl.styles import Alignment
from openpyxl.worksheet.pagebreak import Break

from connectivity.deliverables.columns import SEASON_WORDS
from connectivity.deliverables.workbook_text import TEXT
from connectivity.deliverables.xlsx import SheetWriter
from connectivity.i18n import Lang
from connectivity.maps.text import road_class_label, work_type_label

if TYPE_CHECKING:
    from connectivity.robustness.assess import RobustnessResult

__all__ = ["PLOTS", "ROBUSTNESS_SHEET", "robustness_works", "write_robustness_sheet"]

log = logging.getLogger(__name__)

#: Name of the sheet by language.
ROBUSTNESS_SHEET: dict[Lang, str] = {"es": "Robustez", "en": "Robustness"}
#: The robustness stage's plots, embedded in the sheet in this order.
PLOTS: tuple[str, ...] = ("robustness_probability.png", "budget_curve.png")

#: Columns of the works table (of ``robustness.csv``), in order.
WORK_COLUMNS: tuple[str, ...] = (
    "work_id",
    "name",
    "in_portfolio",
    "p_in_programme",
    "rank",
    "rank_p5",
    "rank_p95",
    "benefit_p5",
    "benefit_p95",
    "bc_ratio_p5",
    "bc_ratio_p95",
    "switching_cost_pct",
    "switching_population_pct",
    "switching_checked",
)
#: Columns of the appraisal, left out when the run has none (all empty).
_APPRAISED = ("benefit_p5", "benefit_p95", "bc_ratio_p5", "bc_ratio_p95")
#: Columns of the budget curve tables (of ``budget_curve.csv``), in order.
CURVE_COLUMNS: tuple[str, ...] = (
    "budget_share",
    "budget",
    "n_works",
    "spent",
    "programme_score",
    "marginal_score_per_1000",
    "below_hurdle",
)
#: Width (characters) of the names column: longer names wrap, so the sheet prints one page wide.
_NAME_WIDTH = 32.0
#: Pixels of a row of the default height (15 points), to leave room under a plot.
_ROW_PX = 20.0
#: Pixels of a character of column width (Calibri 11), to fit a plot to the sheet.
_CHAR_PX = 7.0
#: Height over width of what an A4 landscape page prints (margins and footer off, as
#: LibreOffice scales the sheet), less room for the plot's caption line.
_PAGE_ASPECT = 0.8


def robustness_works(works: pd.DataFrame, programme: Sequence[str], *, top_n: int) -> pd.DataFrame:
    """Return the rows of the works table: the programme in its order, then the top left out.

    Parameters
    ----------
    works : pandas.DataFrame
        :attr:`connectivity.robustness.RobustnessResult.works` (indexed by ``work_id``).
    programme : sequence of str
        The run's programme, in its order.
    top_n : int
        Works left out are shown when their rank is at most ``top_n`` and their score positive.

    Returns
    -------
    pandas.DataFrame
        :data:`WORK_COLUMNS` (without the benefit and B/C columns when the run
        is not appraised), ``work_id`` a column.

    Examples
    --------
    >>> works = pd.DataFrame(
    ...     {"rank": [1, 2, 3, 4], "name": list("abcd"), "score": [9.0, 8.0, 7.0, 0.0],
    ...      "in_portfolio": [False, True, False, False], "p_in_programme": [0.4, 1.0, 0.1, 0.0]},
    ...     index=pd.Index(["W1", "W2", "W3", "W4"], name="work_id"))
    >>> robustness_works(works, ["W2"], top_n=4)["work_id"].tolist()
    ['W2', 'W1', 'W3']
    """
    chosen = [str(w) for w in programme if str(w) in works.index]
    left = works[~works.index.isin(chosen)]
    score = pd.to_numeric(left["score"], errors="coerce").fillna(0.0)
    top = left[(left["rank"] <= top_n) & (score > 0)].sort_values("rank", kind="stable")
    rows = pd.concat([works.loc[chosen], top])
    rows = rows.rename_axis("work_id").reset_index()
    keep = [c for c in WORK_COLUMNS if c in rows.columns]
    if all(c not in rows.columns or rows[c].isna().all() for c in _APPRAISED):
        keep = [c for c in keep if c not in _APPRAISED]
    return rows[keep]


def _spreads(spreads: pd.DataFrame, lang: Lang) -> pd.DataFrame:
    """Say the spreads drawn from in words: input, what for, low, most likely, high."""
    t = TEXT[lang]

    def key_words(table: str, key: str) -> str:
        if f"rob_key_{key}" in t:
            return t[f"rob_key_{key}"]
        if table == "speed":
            return road_class_label(key, lang)
        if table == "days":
            return SEASON_WORDS[lang].get(key, key)
        if table == "cost":
            kind, _, terrain = key.partition("_")
            if work_type_label(key, lang, short=True) != key or not terrain:
                return work_type_label(key, lang, short=True)
            return f"{work_type_label(kind, lang, short=True)} · {terrain}"
        return key

    return pd.DataFrame(
        {
            t["col_rob_input"]: [t.get(f"rob_input_{i}", i) for i in spreads["input"]],
            t["col_rob_key"]: [
                key_words(str(i), str(k))
                for i, k in zip(spreads["input"], spreads["key"], strict=True)
            ],
            t["col_rob_low"]: spreads["low"].astype(float),
            t["col_rob_mode"]: spreads["mode"].astype(float),
            t["col_rob_high"]: spreads["high"].astype(float),
        }
    )


def _percent(share: float) -> str:
    """Return a budget share as a whole percentage (``0.1`` → ``10``)."""
    return f"{100 * share:g}"


def _fit_header_words(writer: SheetWriter, head: int) -> None:
    """Widen the columns whose header has a word longer than the column (it would be cut)."""
    for cell in writer.ws[head]:
        if isinstance(cell.value, str) and cell.value:
            longest = max(len(word) for word in cell.value.split())
            col = int(cell.column)
            writer.widths[col] = max(writer.widths.get(col, 8.0), longest + 2.0)


def _wrap_names(writer: SheetWriter, head: int, rows: int) -> None:
    """Wrap the works' names (column B) at :data:`_NAME_WIDTH` characters, rows made taller."""
    if writer.widths.get(2, 0.0) <= _NAME_WIDTH:
        return
    for row in range(head + 1, head + 1 + rows):
        cell = writer.ws.cell(row, 2)
        lines = math.ceil(len(str(cell.value or "")) / (_NAME_WIDTH - 2))
        cell.alignment = Alignment(wrap_text=True, vertical="top")
        if lines > 1:
            writer.ws.row_dimensions[row].height = 15.0 * lines
    writer.widths[2] = _NAME_WIDTH


def _plot(writer: SheetWriter, path: Path, *, width_px: float, height_px: float) -> bool:
    """Embed the PNG at the writer's row, as large as fits ``width_px`` × ``height_px``.

    Returns False (and logs why) when the file cannot be read as an image.
    """
    try:
        image = Image(str(path))
    except (OSError, ValueError) as exc:  # missing, unreadable or not an image
        log.warning("robustness sheet: plot %s not embedded (%s)", path.name, exc)
        return False
    if not image.width or not image.height:
        return False
    scale = min(width_px / float(image.width), height_px / float(image.height))
    image.width = round(image.width * scale)
    image.height = round(image.height * scale)
    writer.ws.add_image(image, writer.ws.cell(writer.row, 1).coordinate)
    writer.row += math.ceil(image.height / _ROW_PX) + 1
    return True


def write_robustness_sheet(
    writer: SheetWriter,
    result: RobustnessResult,
    *,
    programme: Sequence[str],
    top_n: int,
    labels: Mapping[str, Callable[[Any], str]],
    plots_dir: Path | None,
) -> list[tuple[str, pd.DataFrame]]:
    """Write the robustness sheet below its title block (see the module docstring).

    Parameters
    ----------
    writer : SheetWriter
        The sheet, its title block written.
    result : connectivity.robustness.RobustnessResult
        What the robustness stage found.
    programme : sequence of str
        The run's programme, in its order.
    top_n : int
        The top works left out shown (``[ranking] top_n``).
    labels : mapping of str to callable
        How coded columns read (work types, flags), as on the other sheets.
    plots_dir : Path or None
        Folder of the stage's PNG plots (the run's tables folder); None names them only.

    Returns
    -------
    list of (str, pandas.DataFrame)
        The tables shown, by CSV (``robustness``, ``budget_curve``), for the columns sheet.
    """
    from connectivity.robustness.outputs import describe_robustness

    lang, t, cur = writer.lang, TEXT[writer.lang], writer.currency
    writer.note(t["rob_intro"].format(n=result.n_scenarios, seed=result.seed))
    writer.note(describe_robustness(result, lang))
    if "scenario_0_differs" in result.notes:
        writer.note(t["rob_scenario_0_differs"])
    writer.blank()

    writer.section(t["sec_rob_works"])
    writer.note(t["rob_works_note"])
    writer.note(t["rob_switch_note"])
    writer.note(t["rob_checked_note"])
    works = robustness_works(result.works, programme, top_n=top_n)
    head = writer.table(works, file="robustness", labels=labels, freeze=False)
    _fit_header_words(writer, head)

    curve = result.budget_curve
    shares = curve["budget_share"].astype(float) if len(curve) else pd.Series([1.0])
    writer.section(t["sec_rob_curve"])
    writer.note(
        t["rob_curve_note"].format(
            low=_percent(float(shares.min())),
            high=_percent(float(shares.max())),
            cur=cur,
            hurdle=f"{result.hurdle_per_1000:g}",
        )
    )
    shown = [("robustness", works)]
    for equity in (True, False):
        part = curve[curve["equity_weight"] == equity] if len(curve) else curve
        if part.empty:
            continue
        part = part.sort_values("budget", kind="stable")
        part = part[[c for c in CURVE_COLUMNS if c in part.columns]]
        writer.section(t["sec_rob_equity_on" if equity else "sec_rob_equity_off"])
        at = writer.table(
            part,
            file="budget_curve",
            headers={
                "budget_share": t["col_rob_share"],
                "marginal_score_per_1000": t["col_rob_marginal"].format(cur=cur),
            },
            freeze=False,
        )
        _fit_header_words(writer, at)
        shown.append(("budget_curve", part))

    writer.section(t["sec_rob_spreads"])
    spreads = _spreads(result.spreads, lang)
    writer.table(spreads, units={c: "ratio" for c in spreads.columns[2:]}, freeze=False)

    _wrap_names(writer, head, len(works))  # after every table: column B as wide as it gets

    writer.section(t["sec_rob_plots"])
    # the sheet prints one page wide: a plot as wide as the sheet, as tall as a page, prints
    # as large as it can on a page of its own
    sheet_px = _CHAR_PX * max(sum(writer.widths.values()), 80.0)
    for name in PLOTS:
        path = None if plots_dir is None else Path(plots_dir) / name
        if path is not None and path.is_file():  # each plot prints whole, on a page of its own
            writer.ws.row_breaks.append(Break(id=writer.row - 1))
        writer.note(t["rob_plot_file"].format(file=name))
        if (
            path is None
            or not path.is_file()
            or not _plot(writer, path, width_px=sheet_px, height_px=_PAGE_ASPECT * sheet_px)
        ):
            writer.blank()
    return shown
