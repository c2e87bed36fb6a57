"""One-page work sheets (*fichas*): what a participatory-budget assembly reads about each work.

:func:`write_fichas` writes, into a folder (``outputs/<region>/fichas/``), one
HTML sheet per work of the programme and per work among the ranking's first
``top_n`` that benefits anyone (:func:`select_works`), an ``index.html``
linking them all, and ``fichas.pdf``: every sheet on one A4 page, in the
index's order, printed by headless Chromium (:mod:`connectivity.deliverables.pdf`;
skipped with a warning when there is no Chromium). Each sheet holds, in the
region's language:

* the work (name, type, length or span, rank, in the programme or not);
* a small map (:mod:`connectivity.deliverables.fichas_map`): the work, the
  roads around, the communities that gain sized by their people, and their
  routes before and after to the destination they gain most towards;
* cost, co-financing, net cost, cost per person benefited, and the appraisal
  (VAN, B/C, TIR, annual benefit, present-value cost per person) when the
  region has one;
* why it ranks where it does and why it is in the programme or not, in one
  paragraph (:func:`connectivity.deliverables.fichas_text.why_paragraph`);
* what to verify in the field (the ranking's ``flags``, in plain words);
* the minutes of each community that gains, before → after, per destination
  kind and passability state (the rows of ``gains.csv``);
* the data source and the run id.

A work of the programme that gains nothing alone (a ford that pays only once
the other ford of the same road is bridged) shows the communities it improves
in the programme, before the programme → with all of it
(``communities_after``), and says so.

The pages follow the templates and style sheet under
``connectivity/deliverables/templates/`` (CSS ``@page`` A4; the sheet is
sized for it, and the tests print every sheet to check it stays one page).
"""

from __future__ import annotations

import base64
import logging
import math
import re
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import geopandas as gpd
import jinja2
import pandas as pd

from connectivity import __version__
from connectivity._io import atomic_write_text
from connectivity.config import RegionConfig
from connectivity.deliverables import fichas_text as words
from connectivity.deliverables.fichas_facts import (
    Context,
    Rows,
    figures,
    flag_names,
    key_gain,
    num,
    rows_of,
    savings,
    table,
    text_of,
    why_facts,
)
from connectivity.deliverables.fichas_map import MapText, work_map_png
from connectivity.deliverables.pdf import (
    ChromiumMissingError,
    PdfError,
    pdf_page_count,
    print_to_pdf,
)
from connectivity.i18n import check_lang, fmt_number
from connectivity.maps.text import kind_labels, work_type_label
from connectivity.network import RoadNetwork
from connectivity.ranking import RankingResult
from connectivity.works import WorkSet

__all__ = ["select_works", "write_fichas"]

log = logging.getLogger(__name__)

_TEMPLATES = Path(__file__).with_name("templates")
_SAFE = re.compile(r"[^A-Za-z0-9_.-]+")


def select_works(result: RankingResult) -> tuple[list[str], list[str]]:
    """Return the works that get a sheet: the programme's, then the top works outside it.

    Parameters
    ----------
    result : RankingResult

    Returns
    -------
    programme : list of str
        The programme's works, in its order.
    others : list of str
        The works among the first ``result.weights.top_n`` of the ranking
        that benefit anyone (score above 0) and are not in the programme, by
        rank. A work that benefits no one has nothing to show an assembly.
    """
    programme = [str(w) for w in result.portfolio.get("work_id", pd.Series(dtype=str))]
    ranking = result.ranking
    top = ranking[(ranking["rank"] <= result.weights.top_n) & (ranking["score"] > 0)]
    chosen = set(programme)
    others = [str(w) for w in top.sort_values("rank").index if str(w) not in chosen]
    return programme, others


def _file_name(work_id: str, taken: set[str]) -> str:
    stem = _SAFE.sub("_", work_id).strip("._") or "obra"
    name, i = f"{stem}.html", 2
    while name.lower() in taken or name.lower() == "index.html":
        name, i = f"{stem}_{i}.html", i + 1
    taken.add(name.lower())
    return name


def _map_text(ctx: Context, season: str, *, alone: bool) -> MapText:
    lang, t = ctx.lang, ctx.t
    when = words.SEASON_WORDS[lang][season]["name"].lower()
    region = ctx.config.region
    if region.synthetic:
        credit = t["synthetic_credit"]
    else:
        credit = " · ".join(region.attribution[:1]) or ctx.data_source.split(";")[0]
    after, dest = {}, {}
    for kind in ctx.kinds:
        name = kind_labels(kind, lang)["name"]
        after[kind] = t["map_after" if alone else "map_after_programme"].format(
            name=name, season=when
        )
        dest[kind] = kind_labels(kind, lang)["name"]
    return MapText(
        work=t["map_work"],
        gaining=t["map_gaining"],
        others=t["map_others"],
        before=t["map_before"],
        after=after,
        destinations=dest,
        credit=credit,
        north="N",
        letters={k: v for k, v in {"school": "E" if lang == "es" else "S"}.items()},
    )


def _map_png(ctx: Context, work_id: str, rows: Rows, key: words.KeyGain | None) -> bytes:
    """Draw a sheet's map: routes in the state the work gains most, for the kinds gaining then."""
    geometry = ctx.result.ranking.geometry.loc[work_id]
    frame = rows.frame
    ids = frame["community_id"].astype(str).tolist()
    comm = ctx.network.communities
    gaining = comm[comm["community_id"].astype(str).isin(ids)]
    routes: list[Any] = []
    season = key.season if key is not None else "dry"
    if ctx.router is not None and key is not None:
        saved = savings(ctx, frame)
        pop = pd.to_numeric(frame["population"], errors="coerce").fillna(0).to_numpy(dtype=float)
        kinds = sorted(
            (k for k in ctx.kinds if (k, season) in saved and saved[(k, season)].any()),
            key=lambda k: -float((saved[(k, season)] * pop).sum()),
        )[:3]
        with_gain = sorted(
            {c for k in kinds for c, s in zip(ids, saved[(k, season)], strict=True) if s > 0}
        )
        applied = [work_id] if rows.alone else list(ctx.programme["work_id"])
        routes = ctx.router.routes(applied, with_gain, kinds, season, keep=not rows.alone)
    return work_map_png(
        ctx.network,
        geometry,
        gaining,
        routes,
        _map_text(ctx, season, alone=rows.alone),
        waterways=ctx.waterways,
        synthetic=ctx.config.region.synthetic,
    )


def _sheet(ctx: Context, work_id: str, *, file_name: str, page: int) -> dict[str, Any]:
    """Everything one sheet shows (the template's variables)."""
    lang, t = ctx.lang, ctx.t
    work = ctx.work(work_id)
    rows = rows_of(ctx, work_id)
    saved = savings(ctx, rows.frame)
    key = key_gain(ctx, rows.frame, saved)
    why = why_facts(ctx, work_id, rows, key)
    meta = [work_type_label(text_of(work.get("work_type")), lang)]
    if text_of(work.get("origin")) == "proposal":
        meta.append(t["proposal"])
    length, span = num(work.get("length_m")), num(work.get("span_m"))
    if length > 0:
        meta.append(t["length"].format(km=fmt_number(length / 1000, lang, decimals=1)))
    if span > 0:
        meta.append(t["span"].format(m=fmt_number(span, lang, decimals=1 if span % 1 else 0)))
    in_programme = work_id in ctx.programme.index
    flags = text_of(work.get("flags"))
    png = _map_png(ctx, work_id, rows, key)
    return {
        "work_id": work_id,
        "file": file_name,
        "page": page,
        "name": text_of(work.get("name")) or work_id,
        "meta": meta,
        "description": text_of(work.get("description")),
        "rank": t["rank_of"].format(
            rank=int(num(work["rank"])), n=fmt_number(len(ctx.ranking), lang)
        ),
        "programme": (
            t["in_programme"].format(
                order=int(num(ctx.step(work_id)["order"])), n=len(ctx.programme)
            )
            if in_programme
            else t["not_in_programme"]
        ),
        "in_programme": in_programme,
        "map": "data:image/png;base64," + base64.b64encode(png).decode("ascii"),
        "figures": figures(ctx, work_id, rows),
        "why": words.why_paragraph(why, lang),
        "flags": words.flag_items(
            flags,
            lang,
            names=flag_names(ctx, rows),
            max_connector_m=ctx.config.access.max_connector_m,
        ),
        "table": table(ctx, rows, saved),
        # the index's line
        "type": work_type_label(text_of(work.get("work_type")), lang, short=True),
        "cost_net": ctx.money(num(work["cost_net"])),
        "people": fmt_number(
            num(work["people_benefited"])
            if rows.alone
            else float(pd.to_numeric(rows.frame["population"], errors="coerce").sum()),
            lang,
        ),
        "rank_number": int(num(work["rank"])),
        "order": int(num(ctx.step(work_id)["order"])) if in_programme else 0,
        "flagged": bool(flags),
    }


def _environment() -> jinja2.Environment:
    return jinja2.Environment(
        loader=jinja2.FileSystemLoader(_TEMPLATES),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )


def _page(ctx: Context) -> dict[str, Any]:
    """Return what every page shows: title, language, styles, source, run."""
    region = ctx.config.region
    return {
        "lang": ctx.lang,
        "t": ctx.t,
        "css": (_TEMPLATES / "fichas.css").read_text(encoding="utf-8"),
        "region": region.title or region.name,
        "synthetic": region.synthetic,
        "data_source": ctx.data_source,
        # the attribution lines the data source does not already say
        "attribution": [a for a in region.attribution if a not in ctx.data_source],
        "run_id": ctx.run_id,
        "made": ctx.t["footer_made"].format(version=__version__),
    }


def write_fichas(
    folder: str | Path,
    *,
    result: RankingResult,
    network: RoadNetwork,
    config: RegionConfig,
    lang: str,
    data_source: str,
    run_id: str,
    pdf: bool = True,
    works: WorkSet | None = None,
    waterways: gpd.GeoDataFrame | None = None,
) -> list[Path]:
    """Write the work sheets of a run, their index and (with Chromium) their PDF.

    Parameters
    ----------
    folder : path-like
        Where to write (e.g. ``outputs/<region>/fichas/``; created if missing).
    result : RankingResult
        The ranking stage's result (:func:`connectivity.ranking.rank_works`).
    network : RoadNetwork
        The network the works were ranked on (the run's, after the ranking
        stage split edges for new works).
    config : RegionConfig
        The region's config (title, attribution, appraisal, thresholds).
    lang : {"es", "en"}
        Language of the sheets.
    data_source : str
        Provenance statement of the run (in every footer).
    run_id : str
        Id of the run (in every footer and a ``<meta>`` of every page).
    pdf : bool
        Also print ``fichas.pdf`` (every sheet on one A4 page) with headless
        Chromium; without Chromium the PDF is skipped with a warning saying
        how to install it.
    works : WorkSet, optional
        The candidate works: with them, the maps draw each community's route
        before and after the work to the destination it gains most towards,
        and a later stage of a programme work is told apart from an
        alternative.
    waterways : geopandas.GeoDataFrame, optional
        Rivers, drawn on the maps.

    Returns
    -------
    list of Path
        The files written (sheets, ``index.html``, ``fichas.pdf``), each
        atomically.
    """
    started = time.perf_counter()
    out = Path(folder)
    ctx = Context(
        result=result,
        network=network,
        config=config,
        lang=check_lang(lang),
        data_source=data_source,
        run_id=run_id,
        works=works,
        # projected once: every map draws them
        waterways=None if waterways is None else waterways.to_crs(network.crs),
    )
    programme, others = select_works(result)
    taken: set[str] = set()
    sheets = [
        _sheet(ctx, w, file_name=_file_name(w, taken), page=i + 1)
        for i, w in enumerate([*programme, *others])
    ]
    env = _environment()
    page = _page(ctx)
    written: list[Path] = []
    single = env.get_template("ficha.html.j2")
    for sheet in sheets:
        html = single.render(**page, sheet=sheet, title=f"{sheet['work_id']} · {sheet['name']}")
        written.append(atomic_write_text(out / sheet["file"], html))
    pdf_name = "fichas.pdf" if pdf and sheets else ""
    if pdf_name:
        try:
            written.append(_write_pdf(env, page, sheets, out / pdf_name))
        except ChromiumMissingError as exc:
            log.warning("fichas: PDF skipped, %s", exc)
            pdf_name = ""
        except PdfError as exc:
            log.warning("fichas: PDF skipped: %s (the HTML sheets are written)", exc)
            pdf_name = ""
    index = env.get_template("index.html.j2").render(
        **page,
        title=page["t"]["index_title"],
        programme=[s for s in sheets if s["in_programme"]],
        others=[s for s in sheets if not s["in_programme"]],
        intro=_intro(ctx, len(sheets)),
        pdf=pdf_name,
        top=result.weights.top_n,
    )
    written.insert(len(sheets), atomic_write_text(out / "index.html", index))
    log.info(
        "fichas: %d work sheets (%d of the programme, %d more of the top %d)%s in %.1f s",
        len(sheets),
        len(programme),
        len(others),
        result.weights.top_n,
        ", with fichas.pdf" if pdf_name else "",
        time.perf_counter() - started,
    )
    return written


def _intro(ctx: Context, n: int) -> str:
    t, lang = ctx.t, ctx.lang
    sheets = fmt_number(n, lang)
    if math.isnan(ctx.budget):
        return t["index_intro_no_budget"].format(top=ctx.result.weights.top_n, n=sheets)
    spent = float(ctx.programme["cost_net"].sum()) if len(ctx.programme) else 0.0
    return t["index_intro"].format(
        top=ctx.result.weights.top_n, n=sheets, cost=ctx.money(spent), budget=ctx.money(ctx.budget)
    )


def _write_pdf(
    env: jinja2.Environment, page: dict[str, Any], sheets: Sequence[dict[str, Any]], target: Path
) -> Path:
    """Print every sheet into one PDF, one A4 page each, with one Chromium launch."""
    book = env.get_template("book.html.j2").render(**page, sheets=sheets, title=page["region"])
    started = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="connectivity-fichas-") as tmp:
        source = Path(tmp) / "fichas.html"
        source.write_text(book, encoding="utf-8")
        print_to_pdf(source, target)
    pages = pdf_page_count(target)
    if pages != len(sheets):
        log.warning(
            "fichas.pdf has %d pages for %d sheets: some sheet runs over one A4 page",
            pages,
            len(sheets),
        )
    log.info("fichas.pdf: %d pages printed in %.1f s", pages, time.perf_counter() - started)
    return target
