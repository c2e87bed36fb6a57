"""``resumen.xlsx``: the run as a workbook a planner takes to the meeting, in the region's language.

Sheets (Spanish names when the language is ``es``, English when ``en``):

* **Resumen / Summary** — region, data source, run id, budget, the
  programme's totals and appraisal, and access before → after the programme
  by destination kind and state of the year, the people with no route beside
  each mean;
* **Cartera / Programme** — the works chosen under the budget, in order
  (``portfolio.csv``);
* **Robustez / Robustness** — only when the run went through the robustness
  stage: how sure each choice is (probability of being funded, intervals,
  switching values, the budget curve and the two plots;
  :mod:`connectivity.deliverables.workbook_robustness`);
* **Ranking** — every work by rank (``ranking.csv``), the figures a
  meeting asks for first;
* **Ganancias / Gains** — the communities that gain from each work, minutes
  before → after (``gains.csv``);
* **Ejes / Axes** — the programme by corridor (``axes.csv``);
* **Invierte.pe** — the table per work for an investment's formulation
  (:mod:`connectivity.deliverables.invierte`);
* **Alertas y supuestos / Flags and assumptions** — what to verify in the
  field for each programme and top work, and the assumptions of the analysis;
* **Parámetros / Parameters** — every setting in effect (the region config
  with its defaults), the speed and cost tables, the trip rates;
* **Columnas / Columns** — what each header means, with its CSV column.

Headers come from the columns dictionary (:mod:`connectivity.deliverables.columns`),
figures are rounded numbers with a number format (``S/ 1 234 567``; see
:mod:`connectivity.deliverables.xlsx`), a trip with no route says "sin
acceso" / "no route", and every sheet of a synthetic region says so at the top.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd
from openpyxl import Workbook

from connectivity import access as access_mod
from connectivity._io import atomic_path
from connectivity.config import RegionConfig
from connectivity.deliverables import invierte as invierte_mod
from connectivity.deliverables.columns import SEASON_WORDS, describe
from connectivity.deliverables.workbook_robustness import (
    ROBUSTNESS_SHEET,
    write_robustness_sheet,
)
from connectivity.deliverables.workbook_text import TEXT
from connectivity.deliverables.xlsx import SheetWriter
from connectivity.i18n import Lang, check_lang, fmt_money
from connectivity.maps.text import kind_labels, labels, road_class_label, work_type_label
from connectivity.network import RoadNetwork, SpeedTables
from connectivity.ranking import RankingResult
from connectivity.ranking.appraisal import AppraisalParameters
from connectivity.ranking.words import flag_meanings
from connectivity.works import WorkSet, cost_table

if TYPE_CHECKING:
    from connectivity.robustness.assess import RobustnessResult

__all__ = ["SHEETS", "programme_cost", "write_workbook"]

log = logging.getLogger(__name__)

#: Sheet names by language, in workbook order (with robustness, :data:`ROBUSTNESS_SHEET`
#: follows the programme sheet).
SHEETS: dict[Lang, tuple[str, ...]] = {
    "es": (
        "Resumen",
        "Cartera",
        "Ranking",
        "Ganancias",
        "Ejes",
        "Invierte.pe",
        "Alertas y supuestos",
        "Parámetros",
        "Columnas",
    ),
    "en": (
        "Summary",
        "Programme",
        "Ranking",
        "Gains",
        "Axes",
        "Invierte.pe",
        "Flags and assumptions",
        "Parameters",
        "Columns",
    ),
}

_RANKING_FIRST = (
    "rank",
    "work_id",
    "name",
    "work_type",
    "origin",
    "in_portfolio",
    "portfolio_order",
    "cost",
    "cofinancing_share",
    "cost_net",
    "people_benefited",
    "communities_gaining",
    "person_min_saved",
    "mean_min_saved_per_person",
    "cost_per_person_benefited",
    "score",
    "score_per_1000",
    "npv",
    "bc_ratio",
    "eirr",
    "pv_cost_per_person_benefited",
    "flags",
    "description",
    "length_m",
    "span_m",
)


def _first(frame: pd.DataFrame, first: tuple[str, ...]) -> pd.DataFrame:
    """Return the frame with the columns of ``first`` leading, the others after in their order."""
    lead = [c for c in first if c in frame.columns]
    return frame[lead + [c for c in frame.columns if c not in lead]]


def _labels(lang: Lang) -> dict[str, Callable[[Any], str]]:
    """How the coded columns read: work types, origins, road classes, flags."""
    t = TEXT[lang]
    map_words = labels(lang)

    def classes(text: str) -> str:
        return " / ".join(road_class_label(c, lang) for c in text.split("/") if c)

    def flags(text: str) -> str:
        codes = [c for c in text.split(";") if c]
        return "; ".join(map_words.get(f"flag_{c}", c) for c in codes)

    return {
        "work_type": lambda v: work_type_label(v, lang, short=True),
        "origin": lambda v: t.get("origin_" + v, v),
        "class_before": classes,
        "class_after": classes,
        "flags": flags,
        "intervention_type": lambda v: t.get("intervention_" + v, v),
        "ubigeo_source": lambda v: t.get("ubigeo_source_" + v, v) if v else "",
        "population_source": lambda v: t.get("population_source_" + v, v) if v else "",
        "beneficiaries_basis": lambda v: _basis(v, lang),
    }


def _basis(text: str, lang: Lang) -> str:
    """Say ``beneficiaries_basis`` ("in the programme, with BRG-0060; ...") in ``lang``."""
    t = TEXT[lang]
    if text == invierte_mod.BASIS_ALONE:
        return t["basis_alone"]
    if not text.startswith(invierte_mod.BASIS_PROGRAMME):
        return text
    partners = text[len(invierte_mod.BASIS_PROGRAMME) :].removeprefix(", with ").strip()
    return t["basis_programme_with"].format(works=partners) if partners else t["basis_programme"]


def programme_cost(programme: pd.DataFrame) -> float:
    """Return the programme's total cost (co-financing included), each stage counted once.

    A later stage (``stage_of`` names a work of the programme) costs in full
    what its earlier stage costs plus the increment: only the increment adds.

    Examples
    --------
    >>> programme_cost(pd.DataFrame({"work_id": ["A", "B", "C"], "cost": [100.0, 250.0, 40.0],
    ...                              "stage_of": [None, "A", None]}))
    290.0
    """
    if not len(programme):
        return 0.0
    cost = pd.to_numeric(programme["cost"], errors="coerce").fillna(0.0)
    by_id = dict(zip(programme["work_id"].astype(str), cost, strict=True))
    stage_of = programme.get("stage_of", pd.Series(None, index=programme.index))
    earlier = [
        by_id.get(str(w), 0.0) if isinstance(w, str) and w else 0.0 for w in stage_of.tolist()
    ]
    return float((cost - pd.Series(earlier, index=cost.index)).clip(lower=0.0).sum())


class _Book:
    """The workbook being written: its sheets, language, currency and the run's facts."""

    def __init__(
        self,
        *,
        result: RankingResult,
        config: RegionConfig,
        lang: Lang,
        data_source: str,
        run_id: str,
    ) -> None:
        self.result, self.config, self.lang = result, config, lang
        self.t = TEXT[lang]
        self.currency = str(result.currency)
        self.synthetic = self.t["synthetic"] if config.region.synthetic else ""
        self.data_source, self.run_id = data_source, run_id or "—"
        self.source = self.t["source_line"].format(source=data_source, run=self.run_id)
        self.wb = Workbook()
        self.wb.remove(self.wb.active)  # type: ignore[arg-type]
        self.shown: list[tuple[str, str, pd.DataFrame]] = []
        self.labels = _labels(lang)

    def sheet(self, index: int | str, title_key: str, **values: object) -> SheetWriter:
        """Add the sheet of :data:`SHEETS` number ``index`` (or named so), with its title block."""
        ws = self.wb.create_sheet(SHEETS[self.lang][index] if isinstance(index, int) else index)
        writer = SheetWriter(ws, self.lang, currency=self.currency)
        writer.title(
            self.t[title_key].format(**values), synthetic=self.synthetic, source=self.source
        )
        return writer

    def table(
        self, writer: SheetWriter, frame: pd.DataFrame, *, file: str, freeze_cols: int = 0
    ) -> None:
        """Write a table of one of the run's CSVs, and remember it for the columns sheet."""
        writer.table(frame, file=file, labels=self.labels, freeze_cols=freeze_cols)
        self.shown.append((writer.ws.title, file, frame.drop(columns="geometry", errors="ignore")))


def _access_rows(result: RankingResult, lang: Lang) -> pd.DataFrame:
    """Access before → after the programme per kind and state, people with no route beside."""
    comm = result.communities_after
    pop = pd.to_numeric(comm["population"], errors="coerce").fillna(0.0).to_numpy()
    t = TEXT[lang]
    rows = []
    for kind in result.kinds:
        for season in access_mod.SEASONS:
            stats = {
                when: access_mod.travel_time_stats(
                    comm[f"{kind}_{season}_min_{when}"].to_numpy(dtype=float),
                    pop,
                    unreachable_cap_min=result.cap_min,
                )
                for when in ("before", "after")
            }
            row: dict[str, Any] = {
                t["col_kind"]: kind_labels(kind, lang)["name"],
                t["col_season"]: SEASON_WORDS[lang][season],
            }
            for when in ("before", "after"):
                s = stats[when]
                mean = s["mean_min_reachable"]
                # nobody with a route: the mean says so in words
                row[t[f"col_mean_{when}"]] = np.inf if np.isnan(mean) and pop.sum() else mean
                row[t[f"col_cut_{when}"]] = s["unreachable_people"]
                row[t[f"col_share_{when}"]] = s["unreachable_share"]
                row[t[f"col_at_cap_{when}"]] = s["mean_min_unreachable_at_cap"]
            rows.append(row)
    return pd.DataFrame(rows)


def _summary(
    book: _Book, *, network: RoadNetwork, invierte: pd.DataFrame, summary: pd.DataFrame | None
) -> None:
    result, cfg, t, lang = book.result, book.config, book.t, book.lang
    w = book.sheet(0, "title_summary", region=cfg.region.title or cfg.region.name)
    comm = result.communities_after
    people = float(pd.to_numeric(comm["population"], errors="coerce").fillna(0.0).sum())
    facilities = ", ".join(
        f"{len(network.facilities[k])} {kind_labels(k, lang)['plural']}" for k in result.kinds
    )
    w.section(t["sec_region"])
    rai: list[tuple[str, object, str]] = []
    if summary is not None and "rural_access_index" in summary.columns and len(summary):
        value = float(summary.iloc[0]["rural_access_index"])
        rai.append((describe("rural_access_index", lang).header, value, "share"))
    w.pairs(
        [
            (t["region"], f"{cfg.region.title or cfg.region.name} ({cfg.region.name})", "text"),
            (t["data_source"], book.data_source, "text"),
            (t["run_id"], book.run_id, "text"),
            (
                t["prices"],
                t["prices_value"].format(cur=book.currency, year=result.price_year),
                "text",
            ),
            (t["budget"], np.nan if result.budget is None else float(result.budget), "money"),
            (t["communities"], len(comm), "count"),
            (t["population"], people, "people"),
            (t["destinations"], facilities, "text"),
            *rai,
        ]
    )
    w.blank()
    programme = result.portfolio
    chosen = invierte[invierte["in_programme"]]
    types = chosen["intervention_type"].replace("", "—").value_counts()
    gaining = int((pd.to_numeric(comm.get("gains", 0), errors="coerce").fillna(0) > 0).sum())
    last = programme.iloc[-1] if len(programme) else None
    w.section(t["sec_programme"])
    w.pairs(
        [
            (t["works"], len(programme), "count"),
            (t["cost"], programme_cost(programme), "money"),
            (t["cost_net"], float(programme["cost_net"].sum()) if len(programme) else 0.0, "money"),
            (t["budget_left"], float(last["budget_left"]) if last is not None else np.nan, "money"),
            (
                t["people_benefited"],
                float(last["cumulative_people_benefited"]) if last is not None else 0.0,
                "people",
            ),
            (t["communities_gaining"], gaining, "count"),
            (
                t["person_min_saved"],
                float(last["cumulative_person_min_saved"]) if last is not None else 0.0,
                "person_min",
            ),
            (t["axes"], 0 if result.axes is None else len(result.axes), "count"),
            (
                t["by_intervention"],
                ", ".join(f"{book.labels['intervention_type'](k)}: {v}" for k, v in types.items())
                or "—",
                "text",
            ),
        ]
    )
    if result.appraisal:
        a = result.appraisal
        w.blank()
        w.section(t["sec_appraisal"])
        w.pairs(
            [
                (
                    describe("hours_saved_per_year", lang).header,
                    a.get("hours_saved_per_year"),
                    "hours_year",
                ),
                (
                    describe("benefit_per_year", lang).header,
                    a.get("benefit_per_year"),
                    "money_year",
                ),
                (describe("pv_benefits", lang).header, a.get("pv_benefits"), "money"),
                (describe("pv_costs", lang).header, a.get("pv_costs"), "money"),
                (describe("npv", lang).header, a.get("npv"), "money"),
                (describe("bc_ratio", lang).header, a.get("bc_ratio"), "ratio"),
                (describe("eirr", lang).header, a.get("eirr"), "share"),
                (
                    describe("pv_cost_per_person_benefited", lang).header,
                    a.get("pv_cost_per_person_benefited"),
                    "money_person",
                ),
            ]
        )
        w.note(t["appraisal_note"])
    w.blank()
    w.section(t["sec_access"])
    w.note(t["access_note"].format(cap=f"{result.cap_min:g}"))
    rows = _access_rows(result, lang)
    units: dict[str, str] = {}
    for when in ("before", "after"):
        units[t[f"col_mean_{when}"]] = "min"
        units[t[f"col_at_cap_{when}"]] = "min"
        units[t[f"col_cut_{when}"]] = "people"
        units[t[f"col_share_{when}"]] = "share"
    w.table(rows, units=units, freeze=False)
    w.finish(min_widths=(34, 22))


def _sheet_of(
    book: _Book,
    index: int,
    title_key: str,
    frame: pd.DataFrame,
    file: str,
    *,
    empty_key: str = "",
    note: str = "",
    freeze_cols: int = 2,
) -> None:
    w = book.sheet(index, title_key)
    if note:
        w.note(note)
    if frame.empty and empty_key:
        w.note(book.t[empty_key])
    book.table(w, frame, file=file, freeze_cols=freeze_cols)
    w.finish()


def _ubigeo_note(invierte: pd.DataFrame, t: Mapping[str, str]) -> str:
    """Say where the table's UBIGEO codes come from, or that the source has none."""
    sources = [s for s in invierte["ubigeo_source"] if s]
    return t["a_ubigeo_" + (sources[0] if sources else "none")]


def _flags_and_assumptions(book: _Book, *, invierte: pd.DataFrame, access: pd.DataFrame) -> None:
    result, cfg, t, lang = book.result, book.config, book.t, book.lang
    w = book.sheet(6, "title_flags")
    w.section(t["sec_flags"])
    meanings = flag_meanings(lang)
    rows = []
    for _, work in invierte.iterrows():
        for code in filter(None, str(work["flags"]).split(";")):
            rows.append(
                {
                    "rank": work["rank"],
                    "work_id": work["work_id"],
                    "name": work["name"],
                    "in_portfolio": bool(work["in_programme"]),
                    t["col_flag"]: meanings.get(code, code),
                }
            )
    flags = pd.DataFrame(rows, columns=["rank", "work_id", "name", "in_portfolio", t["col_flag"]])
    if flags.empty:
        w.note(t["no_flags"])
    w.table(flags, file="ranking", freeze=False, units={t["col_flag"]: "text"})
    w.section(t["sec_assumptions"])
    weights = result.weights
    lines = [
        t["a_days"].format(dry=weights.dry_days, rain=weights.rain_days, wet=weights.wet_days),
        t["a_cap"].format(cap=f"{result.cap_min:g}"),
        t["a_gain"].format(gain=f"{weights.min_gain_min:g}"),
        t["a_speeds"],
        t["a_costs"].format(cur=book.currency, year=result.price_year),
        t["a_influence"],
        _ubigeo_note(invierte, t),
    ]
    if cfg.appraisal is not None:
        params = AppraisalParameters.from_section(cfg.appraisal)
        lines += [
            t["a_value_of_time"].format(
                v=fmt_money(
                    params.value_of_time_per_hour,
                    book.currency,
                    lang,
                    decimals=0 if float(params.value_of_time_per_hour).is_integer() else 2,
                ),
                source=params.value_of_time_source,
            ),
            t["a_discount"].format(r=f"{100 * params.discount_rate:g}", h=params.horizon_years),
            t["a_left_out"],
        ]
    if cfg.region.synthetic:
        lines.append(t["synthetic"])
    for line in lines:
        w.note("• " + line)
    w.blank()
    w.section(t["sec_population"])
    sources = access["population_source"].fillna("").value_counts()
    pop = pd.to_numeric(access["population"], errors="coerce").fillna(0.0)
    table = pd.DataFrame(
        {
            "population_source": sources.index,
            "communities": sources.to_numpy(),
            "population": [
                float(pop[access["population_source"].fillna("") == s].sum()) for s in sources.index
            ],
        }
    )
    w.table(table, freeze=False, labels=book.labels)
    w.finish(min_widths=(10, 12, 40))


def _robustness(book: _Book, robustness: RobustnessResult, *, plots_dir: Path) -> None:
    """Write the robustness sheet (:mod:`connectivity.deliverables.workbook_robustness`)."""
    w = book.sheet(ROBUSTNESS_SHEET[book.lang], "title_robustness")
    shown = write_robustness_sheet(
        w,
        robustness,
        programme=[str(x) for x in book.result.portfolio["work_id"]],
        top_n=int(book.config.ranking.top_n),
        labels=book.labels,
        plots_dir=plots_dir,
    )
    book.shown += [(w.ws.title, file, frame) for file, frame in shown]
    w.finish(min_widths=(12, 30))


def _flatten(prefix: str, value: Any, out: list[tuple[str, Any]]) -> None:
    if isinstance(value, Mapping):
        for key, item in value.items():
            _flatten(f"{prefix}.{key}" if prefix else str(key), item, out)
    elif isinstance(value, list | tuple):
        out.append((prefix, ", ".join(map(str, value))))
    elif value is not None:
        out.append((prefix, value))


def _parameters(book: _Book) -> None:
    cfg, t = book.config, book.t
    w = book.sheet(7, "title_parameters")
    w.note(t["parameters_note"])
    rows: list[dict[str, Any]] = []

    def add(section: str, items: list[tuple[str, Any]], unit: str = "") -> None:
        for key, value in items:
            rows.append(
                {
                    t["col_section"]: section,
                    t["col_parameter"]: key,
                    t["col_value"]: value,
                    t["col_unit"]: unit,
                }
            )

    settings = cfg.model_dump(mode="json")
    for section, content in settings.items():
        items: list[tuple[str, Any]] = []
        _flatten(section, content, items)
        add(t["config_section"].format(section=section), items)
    speeds = SpeedTables.with_overrides(
        highway_kph=cfg.speeds.highway_kph,
        surface_kph=cfg.speeds.surface_kph,
        wet_factor=cfg.speeds.wet_factor,
        walk_kph=cfg.speeds.walk_kph,
        rain_shuts_width_m=cfg.speeds.rain_shuts_width_m,
    )
    for name, unit in (
        ("class_speed_kph", "km/h"),
        ("highway_max_kph", "km/h"),
        ("smoothness_factor", "×"),
        ("wet_factor", "×"),
        ("walk_wet_factor", "×"),
    ):
        items = []
        _flatten(name, dict(getattr(speeds, name)), items)
        add(t["speed_tables"], items, unit)
    add(t["speed_tables"], [("walk_kph", speeds.walk_kph)], "km/h")
    add(t["speed_tables"], [("rain_shuts_width_m", speeds.rain_shuts_width_m)], "m")
    costs = cost_table(cfg.costs)
    items = []
    _flatten("unit_cost_per_km", dict(costs.unit_cost_per_km), items)
    add(t["cost_tables"], items, f"{costs.currency}/km")
    items = []
    _flatten("bridge_cost_per_m", dict(costs.bridge_cost_per_m), items)
    add(t["cost_tables"], items, f"{costs.currency}/m")
    if cfg.appraisal is not None:
        params = AppraisalParameters.from_section(cfg.appraisal)
        add(
            t["trip_rates"],
            [
                (f"{kind}", round(params.trips_per_person_year(kind), 3))
                for kind in book.result.kinds
            ],
            t["trips_unit"],
        )
    frame = pd.DataFrame(rows)
    w.table(frame, units={c: "text" for c in frame.columns}, freeze_cols=2)
    w.finish(min_widths=(22, 34, 24, 12))


def _columns_sheet(book: _Book) -> None:
    t = book.t
    w = book.sheet(8, "title_columns")
    w.note(t["columns_note"])
    rows = []
    for sheet, file, frame in book.shown:
        for column in frame.columns:
            info = describe(str(column), book.lang, file=file, currency=book.currency)
            rows.append(
                {
                    t["col_sheet"]: sheet,
                    t["col_file"]: f"{file}.csv" if file else "",
                    t["col_column"]: column,
                    t["col_header"]: info.header,
                    t["col_unit"]: info.unit,
                    t["col_note"]: info.note,
                }
            )
    frame = pd.DataFrame(rows)
    w.table(frame, units={c: "text" for c in frame.columns}, freeze_cols=3)
    w.finish(min_widths=(14, 18, 26, 40, 12, 40))


def write_workbook(
    path: Path,
    *,
    result: RankingResult,
    works: WorkSet,
    access: pd.DataFrame,
    network: RoadNetwork,
    summary: pd.DataFrame | None = None,
    config: RegionConfig,
    lang: str,
    data_source: str,
    run_id: str = "",
    invierte: pd.DataFrame | None = None,
    robustness: RobustnessResult | None = None,
    plots_dir: Path | None = None,
) -> Path:
    """Write ``resumen.xlsx``: the run's summary, programme, ranking and parameters as sheets.

    Parameters
    ----------
    path : Path
        Target file (``outputs/<region>/resumen.xlsx``); written atomically.
    result : connectivity.ranking.RankingResult
        The ranking stage's result (with ``axes``).
    works : connectivity.works.WorkSet
        The candidate works (surface classes for the Invierte.pe sheet).
    access : pandas.DataFrame
        Per-community access (the run's ``access``): population sources, UBIGEO.
    network : connectivity.network.RoadNetwork
        The run's network (its facilities).
    summary : pandas.DataFrame, optional
        The run's access summary (``access_summary.csv``): its region row's
        Rural Access Index goes to the summary sheet.
    config : RegionConfig
        The region config in effect (every setting goes to the parameters sheet).
    lang : {"es", "en"}
        Language of the sheets.
    data_source, run_id : str
        Where the data come from and the run, on every sheet.
    invierte : pandas.DataFrame, optional
        :func:`connectivity.deliverables.invierte.invierte_table`'s result, if
        already built (else it is built here).
    robustness : connectivity.robustness.RobustnessResult, optional
        What the robustness stage found: adds the robustness sheet after the
        programme sheet (without it, the workbook is the same as ever).
    plots_dir : Path, optional
        Folder of the robustness stage's plots, embedded in that sheet
        (default: the folder of ``path``, where the stage writes them).

    Returns
    -------
    Path
        The written file.
    """
    language = check_lang(lang)
    book = _Book(
        result=result, config=config, lang=language, data_source=data_source, run_id=run_id
    )
    if invierte is None:
        invierte = invierte_mod.invierte_table(
            result, works=works, communities=access, config=config
        )
    t = book.t
    _summary(book, network=network, invierte=invierte, summary=summary)
    _sheet_of(
        book, 1, "title_programme", result.portfolio, "portfolio", empty_key="empty_programme"
    )
    if robustness is not None:
        _robustness(
            book, robustness, plots_dir=Path(path).parent if plots_dir is None else plots_dir
        )
    ranking = _first(result.ranking.reset_index(), _RANKING_FIRST)
    _sheet_of(book, 2, "title_ranking", ranking, "ranking")
    _sheet_of(book, 3, "title_gains", result.gains, "gains", note=t["gains_note"], freeze_cols=3)
    axes = getattr(result, "axes", None)
    axes = (
        pd.DataFrame(axes).drop(columns="geometry", errors="ignore")
        if axes is not None
        else pd.DataFrame()
    )
    _sheet_of(book, 4, "title_axes", axes, "axes", empty_key="empty_programme", note=t["axes_note"])
    _sheet_of(
        book,
        5,
        "title_invierte",
        invierte,
        "invierte_pe",
        note=t["invierte_note"] + " " + _ubigeo_note(invierte, t),
    )
    _flags_and_assumptions(book, invierte=invierte, access=access)
    _parameters(book)
    _columns_sheet(book)
    with atomic_path(path) as tmp:
        book.wb.save(tmp)
    log.info("wrote %s (%s; sheets: %s)", Path(path).name, language, ", ".join(book.wb.sheetnames))
    return Path(path)
