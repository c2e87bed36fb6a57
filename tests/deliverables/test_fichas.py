"""The work sheets (fichas) on the sample region and on Cusco's real data.

The pipeline runs once per region to the ranking (in a temporary home); the
sheets are written from its result, opened in headless Chromium (Debian's
``chromium``, as the map tests do) and printed, and their words and figures
checked against the ranking, the programme and the gains tables.
"""

from __future__ import annotations

import dataclasses
import html
import logging
import math
import re
from pathlib import Path
from typing import Any

import pytest
from browser import CHROMIUM_ARGS, chromium_path

from connectivity.deliverables import fichas_facts, select_works, write_fichas
from connectivity.deliverables.pdf import find_chromium, pdf_page_count, print_to_pdf
from connectivity.i18n import NBSP, fmt_money

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
A4_PT = (595.28, 841.89)
#: Printed, a sheet's box (A4 less the @page margins of fichas.css) in CSS pixels.
PRINT_WIDTH_PX = (210 - 22) / 25.4 * 96
PRINT_HEIGHT_PX = (297 - 18) / 25.4 * 96


def _write(run: Any, folder: Path, **kwargs: Any) -> list[Path]:
    options: dict[str, Any] = {
        "result": run.ranking,
        "network": run.network,
        "config": run.config,
        "lang": "es",
        "data_source": run.data_source,
        "run_id": run.run_id,
        "works": run.works,
        "waterways": run.inputs.waterways,
        **kwargs,
    }
    return write_fichas(folder, **options)


@pytest.fixture(scope="module")
def sample_run(ranked_sample: Any) -> Any:
    """The session's sample run (conftest.py), shared with the workbook's tests."""
    return ranked_sample


@pytest.fixture(scope="module")
def sample_fichas(sample_run: Any, tmp_path_factory: pytest.TempPathFactory) -> list[Path]:
    return _write(sample_run, tmp_path_factory.mktemp("fichas") / "fichas")


@pytest.fixture(scope="module")
def cusco_run(ranked_cusco: Any) -> Any:
    """The session's Cusco run (conftest.py), shared with the workbook's tests."""
    return ranked_cusco


@pytest.fixture(scope="module")
def cusco_fichas(cusco_run: Any, tmp_path_factory: pytest.TempPathFactory) -> list[Path]:
    return _write(cusco_run, tmp_path_factory.mktemp("fichas") / "fichas")


def _sheets(paths: list[Path]) -> dict[str, str]:
    """Work id (from each sheet's article id) → the sheet's HTML."""
    out = {}
    for p in paths:
        if p.suffix == ".html" and p.name != "index.html":
            text = p.read_text(encoding="utf-8")
            found = re.search(r'<article class="sheet" id="([^"]+)"', text)
            assert found, p
            out[html.unescape(found.group(1))] = text
    return out


def _plain(page: str) -> str:
    """The words of a page, tags dropped, entities and spaces normalised."""
    text = re.sub(r"<style>.*?</style>|<[^>]+>", " ", page, flags=re.S)
    return re.sub(r"\s+", " ", html.unescape(text).replace(NBSP, " "))


def _expected(run: Any) -> list[str]:
    result = run.ranking
    programme = [str(w) for w in result.portfolio["work_id"]]
    ranking = result.ranking
    top = ranking[(ranking["rank"] <= result.weights.top_n) & (ranking["score"] > 0)]
    return programme + [str(w) for w in top.index if str(w) not in programme]


def _check_set(run: Any, paths: list[Path]) -> dict[str, str]:
    """Every programme and top work has a sheet, the index links them all, the PDF has them."""
    expected = _expected(run)
    programme, others = select_works(run.ranking)
    assert programme + others == expected
    sheets = _sheets(paths)
    assert sorted(sheets) == sorted(expected)
    folder = paths[0].parent
    index = (folder / "index.html").read_text(encoding="utf-8")
    links = [html.unescape(h) for h in re.findall(r'href="([^"#]+\.html)"', index)]
    assert sorted(links) == sorted(
        p.name for p in paths if p.suffix == ".html" and p != folder / "index.html"
    )
    assert all((folder / link).is_file() for link in links)
    # one line per work: rank, name, type, net cost, people, in the programme or not
    rows = re.findall(r"<tr>\s*<td class=\"num\">(\d+)</td>.*?</tr>", index, flags=re.S)
    assert len(rows) == len(expected)
    plain = _plain(index)
    assert plain.count("sí (n.º") == len(programme)
    assert "S/ " in plain and "Fichas de obra" in plain
    pdf = folder / "fichas.pdf"
    assert pdf in paths
    assert pdf_page_count(pdf) == len(expected)  # every sheet on exactly one page
    box = re.findall(rb"/MediaBox\s*\[\s*0\s+0\s+([\d.]+)\s+([\d.]+)\s*\]", pdf.read_bytes())
    assert box and all(
        abs(float(w) - A4_PT[0]) < 1.5 and abs(float(h) - A4_PT[1]) < 1.5 for w, h in box
    )
    for page in sheets.values():
        assert f'content="{run.run_id}"' in page and run.run_id in _plain(page)
        assert '<html lang="es">' in page
        assert "data:image/png;base64," in page  # the map travels with the sheet
    return sheets


def test_sample_sheets_one_per_programme_and_top_work(sample_run, sample_fichas) -> None:
    sheets = _check_set(sample_run, sample_fichas)
    result = sample_run.ranking
    assert len(result.portfolio) > 10  # the sample's programme is long: many sheets
    for work_id, page in sheets.items():
        text = _plain(page)
        work = result.ranking.loc[work_id]
        assert "Por qué está en este puesto" in text
        assert f"Puesto {int(work['rank'])} de " in text
        assert fmt_money(float(work["cost"]), "PEN", "es").replace(NBSP, " ") in text
        assert fmt_money(float(work["cost_net"]), "PEN", "es").replace(NBSP, " ") in text
        assert "Datos sintéticos" in text  # on the sheet and on its map
        assert "VAN social" in text and "TIR social" in text
        assert ("Está en la cartera" in text) == bool(work["in_portfolio"])
        assert ("No está en la cartera" in text) == (not bool(work["in_portfolio"]))
        assert "PEN " not in text and "inf" not in text.split()


def _table_rows(page: str) -> tuple[list[tuple[str, str]], list[tuple[str, list[str]]], str]:
    """The sheet's table: its (kind name, season name) columns, rows (community, cells), tail."""
    body = page[page.index('<section class="gains">') :]
    body = body[: body.index("</section>")]
    groups = re.findall(r'<th colspan="(\d+)">([^<]+)</th>', body)
    header = body[body.index("</tr>") : body.index("</thead>")]
    seasons = re.findall(r"<th>([^<]+)</th>", header)
    columns = [(name, "") for n, name in groups for _ in range(int(n))]
    columns = [(k, s) for (k, _), s in zip(columns, seasons, strict=True)]
    rows = []
    for tr in re.findall(r"<tr>\s*(<td class=\"community\">.*?)</tr>", body, flags=re.S):
        name = html.unescape(
            re.match(r'<td class="community">([^<]+?)\s*(<span|</td>)', tr).group(1)
        )
        cells = [_plain(c).strip() for c in re.findall(r'<td class="cell[^"]*">(.*?)</td>', tr)]
        rows.append((name.strip(), cells))
    more = re.search(r'<tr class="more"><td[^>]*>([^<]+)</td>', body)
    return columns, rows, html.unescape(more.group(1)) if more else ""


def _minutes(value: float) -> str:
    return "sin acceso" if math.isinf(value) else ("<1" if value < 1 else f"{value:.0f}")


def test_sample_table_is_the_gains_table(sample_run, sample_fichas) -> None:
    """Each sheet lists communities of gains.csv with their minutes before → after."""
    from connectivity.deliverables.fichas_text import SEASON_WORDS
    from connectivity.maps.text import kind_labels

    result = sample_run.ranking
    kind_of = {kind_labels(k, "es")["name"]: k for k in result.kinds}
    season_of = {w["name"]: s for s, w in SEASON_WORDS["es"].items()}
    sheets = _sheets(sample_fichas)
    gains = result.gains
    checked = 0
    for work_id, page in sheets.items():
        rows = gains[gains["work_id"] == work_id].set_index("name")
        if rows.empty:
            continue
        columns, listed, more = _table_rows(page)
        assert "antes → después de la obra" in _plain(page)
        assert columns and listed
        shown = {(kind_of[k], season_of[s]) for k, s in columns}
        for kind in result.kinds:  # a column for every kind and state in which someone gains
            for season in ("dry", "rain", "wet"):
                gain = rows[f"{kind}_{season}_min_after"] < rows[f"{kind}_{season}_min_before"]
                assert ((kind, season) in shown) == bool(gain.any()), (work_id, kind, season)
        for name, cells in listed:
            row = rows.loc[name]
            for (k, s), cell in zip(columns, cells, strict=True):
                kind, season = kind_of[k], season_of[s]
                before = row[f"{kind}_{season}_min_before"]
                after = row[f"{kind}_{season}_min_after"]
                want = (
                    f"{_minutes(before)} → {_minutes(after)}" if after < before else _minutes(after)
                )
                assert cell == want, (work_id, name, kind, season)
        hidden = len(rows) - len(listed)
        assert (f"y {hidden} más" in more) if hidden else not more
        # the communities listed are the ones that gain most
        assert len(listed) >= min(len(rows), 8)
        checked += 1
    assert checked > 30
    many = max(sheets, key=lambda w: (gains["work_id"] == w).sum())
    assert (gains["work_id"] == many).sum() >= 10  # a bridge with many communities
    assert "sin acceso →" in _plain(sheets[many])


def test_sample_plurals_and_reasons(sample_run, sample_fichas) -> None:
    result = sample_run.ranking
    ranking = result.ranking
    sheets = _sheets(sample_fichas)
    one = [w for w in sheets if ranking.loc[w, "communities_gaining"] == 1]
    assert one and all("de 1 comunidad," in _plain(sheets[w]) for w in one)
    assert not any(
        re.search(r"(?<!\d)1 (comunidades|personas)\b", _plain(p)) for p in sheets.values()
    )
    programme = set(result.portfolio["work_id"])
    outside = [w for w in sheets if w not in programme]
    assert outside
    for w in outside:
        text = _plain(sheets[w])
        chosen = [a for a in str(ranking.loc[w, "alternatives"]).split(";") if a in programme]
        if chosen:  # an alternative at the same site is in the programme: named
            assert (
                f"la cartera lleva {chosen[0]}" in text or f"etapa posterior de {chosen[0]}" in text
            )
    # a programme work that gains nothing alone shows what it does in the programme
    alone_nothing = [w for w in programme if (result.gains["work_id"] == w).sum() == 0]
    assert alone_nothing
    after = result.communities_after
    for w in alone_nothing:
        text = _plain(sheets[w])
        assert "antes de la cartera → con la cartera completa" in text
        assert "sola no ahorra a nadie" in text
        improved = after[[w in str(ws).split(";") for ws in after["improved_by"].fillna("")]]
        for name in improved["name"].head(fichas_facts.MAX_ROWS - 1):
            assert name in text
        # its net cost per person is over the people it serves in the programme, not "—"
        ctx = fichas_facts.Context(
            result=result,
            network=sample_run.network,
            config=sample_run.config,
            lang="es",
            data_source="",
            run_id="",
            works=sample_run.works,
            waterways=None,
        )
        rows = fichas_facts.rows_of(ctx, w)
        people = float(rows.frame["population"].sum())
        costs = dict(fichas_facts.figures(ctx, w, rows)[0]["items"])
        net = float(ranking.loc[w, "cost_net"])
        assert costs["Costo neto por persona beneficiada"] == fmt_money(net / people, "PEN", "es")


def test_flagged_work_says_verify_in_the_field(sample_run, sample_fichas) -> None:
    ranking = sample_run.ranking.ranking
    sheets = _sheets(sample_fichas)
    flagged = [w for w in sheets if ranking.loc[w, "flags"]]
    plain = [w for w in sheets if not ranking.loc[w, "flags"]]
    assert flagged and plain
    for w in flagged:
        text = _plain(sheets[w])
        assert "Verificar en campo" in text
        if "inferred_crossing" in ranking.loc[w, "flags"]:
            assert "Cruce de río inferido" in text
    assert all("Verificar en campo" not in _plain(sheets[w]) for w in plain)


def test_sheet_in_chromium_fits_one_a4_page(sample_run, sample_fichas, tmp_path) -> None:
    """A sheet opens with no script error, its map loads, and printed it is one A4 page."""
    from playwright.sync_api import sync_playwright

    sheets = _sheets(sample_fichas)
    gains = sample_run.ranking.gains
    many = max(sheets, key=lambda w: (gains["work_id"] == w).sum())
    folder = sample_fichas[0].parent
    ARTIFACTS.mkdir(exist_ok=True)
    errors: list[str] = []
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=chromium_path(), args=CHROMIUM_ARGS)
        try:
            page = browser.new_page(viewport={"width": 860, "height": 1200})
            page.on("pageerror", lambda e: errors.append(str(e)))
            page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
            for w in (many, *list(sheets)[:3]):
                page.goto((folder / f"{w}.html").resolve().as_uri(), wait_until="load")
                assert page.evaluate("document.querySelector('.map img').naturalWidth") > 500
                if w == many:  # a bridge with many communities
                    page.screenshot(path=str(ARTIFACTS / "ficha_sample.png"), full_page=True)
                # printed: the sheet's box is A4 less the margins, and holds everything
                page.set_viewport_size({"width": round(PRINT_WIDTH_PX), "height": 1200})
                page.emulate_media(media="print")
                height = page.evaluate("document.querySelector('.sheet').scrollHeight")
                assert height <= PRINT_HEIGHT_PX, (w, height)
                page.emulate_media(media="screen")
                page.set_viewport_size({"width": 860, "height": 1200})
            page.goto((folder / "index.html").resolve().as_uri(), wait_until="load")
        finally:
            browser.close()
    assert not errors
    one = print_to_pdf(folder / f"{many}.html", tmp_path / "one.pdf")
    assert pdf_page_count(one) == 1


def test_english_sheets_and_no_chromium(sample_run, tmp_path, monkeypatch, caplog) -> None:
    """In English, escaped, and without Chromium: the HTML is written, the PDF skipped."""
    result = sample_run.ranking
    first = result.portfolio.iloc[:1].copy()
    ranking = result.ranking.copy()
    work_id = str(first["work_id"].iloc[0])
    ranking.loc[work_id, "name"] = "Puente <b>nuevo</b> & «sin nombre»"
    small = dataclasses.replace(
        result,
        ranking=ranking,
        portfolio=first,
        weights=dataclasses.replace(result.weights, top_n=2),
    )
    monkeypatch.setenv("CHROMIUM", str(tmp_path / "no-such-browser"))
    assert find_chromium() is None
    with caplog.at_level(logging.WARNING, logger="connectivity.deliverables"):
        paths = _write(sample_run, tmp_path / "en", result=small, lang="en")
    assert not (tmp_path / "en" / "fichas.pdf").exists()
    assert any("apt-get install chromium" in r.getMessage() for r in caplog.records)
    sheets = _sheets(paths)
    assert work_id in sheets and 1 <= len(sheets) <= 3
    page = sheets[work_id]
    assert "Puente &lt;b&gt;nuevo&lt;/b&gt; &amp; «sin nombre»" in page and "<b>nuevo" not in page
    text = _plain(page)
    assert "Why it ranks here" in text and "PEN " in text and "S/ " not in text
    assert "Synthetic data" in text and "sin acceso" not in text
    assert '<html lang="en">' in page
    index = (tmp_path / "en" / "index.html").read_text(encoding="utf-8")
    assert "fichas.pdf" not in index and "Work sheets" in index


def test_cusco_sheets(cusco_run, cusco_fichas) -> None:
    """Real data: the programme and top works of Cusco, flagged, in Spanish, one page each."""
    sheets = _check_set(cusco_run, cusco_fichas)
    ranking = cusco_run.ranking.ranking
    assert sheets
    for work_id, page in sheets.items():
        text = _plain(page)
        assert "Por qué está en este puesto" in text and "S/ " in text
        assert "OpenStreetMap" in text and "Datos sintéticos" not in text
        if ranking.loc[work_id, "flags"]:
            assert "Verificar en campo" in text
        if "estimated_population" in ranking.loc[work_id, "flags"]:
            assert "Población estimada" in text and "≈" in text
    assert any(ranking.loc[w, "flags"] for w in sheets)
    from playwright.sync_api import sync_playwright

    folder = cusco_fichas[0].parent
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=chromium_path(), args=CHROMIUM_ARGS)
        try:
            page = browser.new_page(viewport={"width": 860, "height": 1200})
            page.goto((folder / f"{next(iter(sheets))}.html").resolve().as_uri())
            page.screenshot(path=str(ARTIFACTS / "ficha_cusco.png"), full_page=True)
        finally:
            browser.close()


def test_pdf_page_count_reads_chromium_pdfs(tmp_path) -> None:
    page = tmp_path / "two.html"
    page.write_text(
        "<!DOCTYPE html><style>@page{size:A4}</style><p>one</p>"
        '<p style="break-before:page">two</p>',
        encoding="utf-8",
    )
    assert pdf_page_count(print_to_pdf(page, tmp_path / "two.pdf")) == 2
    assert not list(tmp_path.glob(".two.*"))  # the temporary file was moved into place


@pytest.mark.parametrize("lang", ["es", "en"])
def test_why_paragraph_says_each_reason(lang: str) -> None:
    """Every reason a work is out of the programme is said, with its figures, in both languages."""
    from connectivity.deliverables.fichas_text import Why, why_paragraph

    base = {
        "rank": 7,
        "n_ranked": 12345,
        "rank_by": "score_per_1000",
        "rank_value": 0.0046,
        "score_per_1000": 0.0046,
        "equity": True,
        "people": 1,
        "communities": 1,
        "mean_min": 12.0,
        "no_longer_cut_off": 0.0,
        "currency": "PEN",
        "budget": 1_000_000.0,
        "budget_left": 50_000.0,
        "cost_net": 80_000.0,
        "hurdle": 1.0,
    }
    said = {
        "no_budget": {"es": "No se dio presupuesto", "en": "No budget was given"},
        "alternative": {"es": "la cartera lleva UPG-1 (puesto 3)", "en": "holds UPG-1 (rank 3)"},
        "stage": {"es": "etapa posterior de UPG-1", "en": "later stage of UPG-1"},
        "bc_hurdle": {"es": "B/C (0,80)", "en": "B/C ratio (0.80)"},
        "hurdle": {"es": "(0,0046) no llega al mínimo de 1,0", "en": "(0.0046) is below"},
        "budget": {"es": "S/ 80 000, es más de lo que queda", "en": "PEN 80,000, is more"},
        "outscored": {"es": "2 comunidades de las suyas", "en": "2 communities of its own"},
    }
    for reason, words in said.items():
        why = Why(
            **base,
            reason=reason,
            other="UPG-1",
            other_rank=3,
            increment=20_000.0,
            bc_ratio=0.8,
            min_bc_ratio=1.0,
            overlap=2,
        )
        text = why_paragraph(why, lang).replace("\xa0", " ")
        assert words[lang] in text, (reason, text)
        assert ("12 345" if lang == "es" else "12,345") in text
        assert ("1 persona de 1 comunidad" if lang == "es" else "1 person in 1 community") in text
    stage = Why(**base, reason="stage", other="UPG-1", increment=20_000.0)
    assert ("cabría" if lang == "es" else "would fit") in why_paragraph(stage, lang)
    too_big = Why(**base, reason="stage", other="UPG-1", increment=60_000.0)
    assert ("no cabe" if lang == "es" else "does not fit") in why_paragraph(too_big, lang)


def test_irr_note_only_where_the_irr_is_missing_and_said_by_case(sample_run, sample_fichas):
    """A sheet with a TIR shows it and no note; one without says why (no benefits, free...)."""
    from connectivity.i18n import fmt_pct

    ranking = sample_run.ranking.ranking
    sheets = _sheets(sample_fichas)
    with_irr = [w for w in sheets if math.isfinite(ranking.loc[w, "eirr"])]
    without = [w for w in sheets if not math.isfinite(ranking.loc[w, "eirr"])]
    assert with_irr and without
    for w in with_irr:
        text = _plain(sheets[w])
        assert fmt_pct(ranking.loc[w, "eirr"], "es", decimals=1).replace(NBSP, " ") in text
        assert "TIR «" not in text and "TIR:" not in text and "no recuperan" not in text
    cases = {True: 0, False: 0}
    for w in without:  # works that gain nothing alone, or whose upkeep outweighs the benefit
        text = _plain(sheets[w])
        benefits = ranking.loc[w, "benefit_per_year"] > 0
        cases[benefits] += 1
        if benefits:
            assert ranking.loc[w, "npv"] < 0 and "TIR social no existe" in text
            assert "TIR «no existe»: los beneficios no recuperan la inversión." in text
        else:
            assert "TIR social no hay beneficios" in text and "no recuperan" not in text
    assert all(cases.values())  # both on the sample
    # the other cases, on a work whose figures are changed by hand
    ctx = fichas_facts.Context(
        result=sample_run.ranking,
        network=sample_run.network,
        config=sample_run.config,
        lang="es",
        data_source="",
        run_id="",
        works=sample_run.works,
        waterways=None,
    )
    work = with_irr[0]
    rows = fichas_facts.rows_of(ctx, work)

    def appraisal(**figures: float) -> tuple[str, str]:
        table = ranking.copy()
        for column, value in figures.items():
            table.loc[work, column] = value
        ctx.__dict__["ranking"] = table
        box = fichas_facts.figures(ctx, work, rows)[-1]
        return dict(box["items"])["TIR social"], box["note"]

    irr, note = appraisal(eirr=math.nan, cost=0.0)
    assert irr == "no definida" and note.endswith("TIR «no definida»: obra sin costo.")
    irr, note = appraisal(eirr=math.nan, npv=-5e4)
    assert irr == "no existe" and note.endswith(
        "TIR «no existe»: los beneficios no recuperan la inversión."
    )
    irr, note = appraisal(eirr=math.nan, benefit_per_year=0.0)
    assert irr == "no hay beneficios" and "no recuperan" not in note
    irr, note = appraisal()
    assert irr.endswith("%") and "TIR" not in note


def test_bridge_descriptions_write_the_span_as_the_sheet_does(sample_run):
    """A 4.5 m span reads "de 4,5 m" in the description, as "luz 4,5 m" on the sheet."""
    from connectivity.i18n import fmt_number

    works = sample_run.works.works
    bridges = works[(works["work_type"] == "bridge") & (works["origin"] == "generated")]
    assert (bridges["span_m"] % 1 > 0).any()  # the sample has 4.5 m spans
    for _, work in bridges.iterrows():
        span = fmt_number(work["span_m"], "es", decimals=1 if work["span_m"] % 1 else 0)
        assert f" de {span} m " in work["description"], work["description"]
