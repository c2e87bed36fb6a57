"""``resumen.xlsx`` opened with openpyxl, and the Invierte.pe table, on the sample and on Cusco.

The pipeline runs once per region to the ranking (conftest); the workbook is
written from the run in Spanish and in English and read back cell by cell:
sheets, headers people read, money as numbers with the ``S/ 1 234 567``
format, "sin acceso" exactly where a trip has no route, no ``inf``/``nan``
text anywhere, and the figures equal to the run's.
"""

from __future__ import annotations

import dataclasses
import math
import re
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import numpy as np
import openpyxl
import pandas as pd
import pytest

from connectivity.deliverables import invierte as invierte_mod
from connectivity.deliverables import workbook_text
from connectivity.deliverables.fichas_facts import communities_served
from connectivity.deliverables.invierte import (
    INVIERTE_COLUMNS,
    intervention_type,
    invierte_table,
    ubigeo_of_communities,
)
from connectivity.deliverables.workbook import SHEETS, programme_cost, write_workbook
from connectivity.deliverables.xlsx import SheetWriter
from connectivity.i18n import NBSP
from connectivity.sources.population.provenance import POPULATION_SOURCES

BAD_TEXT = re.compile(r"^\s*(-?inf(inity)?|nan|none|null)\s*$", re.IGNORECASE)


def _write(run: Any, path: Path, lang: str) -> Path:
    return write_workbook(
        path,
        result=run.ranking,
        works=run.works,
        access=run.access,
        network=run.network,
        summary=run.summary,
        config=run.config,
        lang=lang,
        data_source=run.data_source,
        run_id=run.run_id,
    )


@pytest.fixture(scope="module")
def sample_es(ranked_sample: Any, tmp_path_factory: pytest.TempPathFactory) -> Any:
    path = _write(ranked_sample, tmp_path_factory.mktemp("wb") / "resumen.xlsx", "es")
    return openpyxl.load_workbook(path)


@pytest.fixture(scope="module")
def cusco_es(ranked_cusco: Any, tmp_path_factory: pytest.TempPathFactory) -> Any:
    path = _write(ranked_cusco, tmp_path_factory.mktemp("wb") / "resumen.xlsx", "es")
    return openpyxl.load_workbook(path)


def _header_row(ws: Any, first: str) -> int:
    """The row whose first cell is ``first`` (a table's headers)."""
    for row in ws.iter_rows(min_col=1, max_col=1):
        if row[0].value == first:
            return int(row[0].row)
    raise AssertionError(f"no header {first!r} in {ws.title}")


def _table(ws: Any, first: str) -> tuple[list[str], list[tuple[Any, ...]], int]:
    head = _header_row(ws, first)
    headers = [c.value for c in ws[head] if c.value is not None]
    rows = []
    for row in ws.iter_rows(min_row=head + 1, max_col=len(headers), values_only=True):
        if all(v is None for v in row):
            break
        rows.append(row)
    return headers, rows, head


def _assert_clean(wb: Any) -> None:
    """No cell says inf or nan, no number is infinite or NaN."""
    for ws in wb.worksheets:
        for row in ws.iter_rows():
            for cell in row:
                v = cell.value
                if isinstance(v, str):
                    assert not BAD_TEXT.match(v), (ws.title, cell.coordinate, v)
                    assert not re.search(r"\bnan\b", v), (ws.title, cell.coordinate, v)
                elif isinstance(v, float):
                    assert math.isfinite(v), (ws.title, cell.coordinate, v)


def test_the_spanish_workbook_has_every_sheet_with_readable_headers(sample_es, ranked_sample):
    wb = sample_es
    assert wb.sheetnames == list(SHEETS["es"])
    warning = workbook_text.TEXT["es"]["synthetic"]
    for ws in wb.worksheets:
        assert ws["A2"].value == warning, ws.title  # every sheet of the sample says so
        assert ranked_sample.run_id in ws["A3"].value
    headers, rows, head = _table(wb["Ranking"], "Puesto")
    for text in ("Código de la obra", "Obra", "Costo total", "Personas beneficiadas"):
        assert text in headers
    assert "Minutos al mercado más cercano, crecida" not in headers  # not a ranking column
    assert "Persona-minutos ahorrados por viaje al mercado, crecida" in headers
    assert not [h for h in headers if re.fullmatch(r"[a-z0-9_]+", h)]  # no snake_case left
    assert len(rows) == len(ranked_sample.ranking.ranking)
    assert wb["Ranking"].freeze_panes == f"C{head + 1}"
    _assert_clean(wb)


def test_money_is_a_number_formatted_in_soles(sample_es, ranked_sample):
    ws = sample_es["Cartera"]
    headers, _, head = _table(ws, "Orden")
    col = headers.index("Costo total") + 1
    cell = ws.cell(head + 1, col)
    first = ranked_sample.ranking.portfolio.iloc[0]
    assert cell.value == round(first["cost"]) and isinstance(cell.value, float | int)
    assert cell.number_format.startswith('[>=1000000]"S/ "# ### ##0')
    # the summary's totals are the programme's
    summary = sample_es["Resumen"]
    values = {r[0]: r[1] for r in summary.iter_rows(min_col=1, max_col=2, values_only=True)}
    programme = ranked_sample.ranking.portfolio
    assert values["Costo para el presupuesto"] == round(programme["cost_net"].sum())
    assert values["Presupuesto"] == ranked_sample.config.budget.amount
    assert values["Obras en la cartera"] == len(programme)
    assert values["Costo total (con cofinanciamiento)"] == round(programme["cost"].sum())
    rai = ranked_sample.summary.iloc[0]["rural_access_index"]
    assert values["Índice de Acceso Rural"] == round(rai, 4)


def test_no_route_says_sin_acceso_exactly_where_a_trip_has_none(sample_es, ranked_sample):
    gains = ranked_sample.ranking.gains
    ws = sample_es["Ganancias"]
    headers, rows, _ = _table(ws, "Puesto de la obra")
    assert len(rows) == len(gains)
    minutes = [c for c in gains.columns if c.endswith(("_min_before", "_min_after"))]
    expected = int(np.isinf(gains[minutes].to_numpy(dtype=float)).sum())
    shown = sum(v == "sin acceso" for row in rows for v in row)
    assert expected > 100 and shown == expected
    header = "Minutos al mercado, crecida, antes"
    j = headers.index(header)
    for (_, gain), row in zip(gains.iterrows(), rows, strict=True):
        before = gain["market_wet_min_before"]
        assert row[j] == ("sin acceso" if math.isinf(before) else round(before, 1))


def test_the_summary_puts_the_people_cut_off_beside_each_mean(sample_es, ranked_sample):
    ws = sample_es["Resumen"]
    headers, rows, _ = _table(ws, "Destino")
    by = {(r[0], r[1]): dict(zip(headers, r, strict=True)) for r in rows}
    wet = by[("Mercado", "crecida")]
    region = ranked_sample.summary.iloc[0]
    assert wet["Antes: personas sin ruta"] == round(region["market_wet_unreachable_people"])
    assert wet["Antes: minutos promedio (con ruta)"] == round(
        region["market_wet_mean_min_reachable"], 1
    )
    assert wet["Después: personas sin ruta"] < wet["Antes: personas sin ruta"]  # bridges
    assert len(rows) == 3 * len(ranked_sample.ranking.kinds)


def test_parameters_and_columns_sheets_say_everything_used(sample_es, ranked_sample):
    _, rows, _ = _table(sample_es["Parámetros"], "Sección")
    keys = {r[1]: r[2] for r in rows}
    assert keys["ranking.wet_days"] == 30 and keys["budget.amount"] == 15_000_000
    assert keys["appraisal.value_of_time_per_hour"] == 3
    assert keys["class_speed_kph.afirmado"] == 40  # the model's own tables too
    assert keys["bridge_cost_per_m.vehicle"] > 0 and keys["market"] > 0  # trips a year
    _, rows, _ = _table(sample_es["Columnas"], "Hoja")
    shown = {(r[0], r[2]) for r in rows}
    assert ("Ranking", "cost_per_person_benefited") in shown
    assert ("Invierte.pe", "intervention_type") in shown
    _, rows, _ = _table(sample_es["Alertas y supuestos"], "Puesto")
    assert rows and all("cruce" in r[-1] or "población" in r[-1] for r in rows)


def test_the_english_workbook(ranked_sample, tmp_path):
    wb = openpyxl.load_workbook(_write(ranked_sample, tmp_path / "summary.xlsx", "en"))
    assert wb.sheetnames == list(SHEETS["en"])
    ws = wb["Programme"]
    headers, _, head = _table(ws, "Order")
    assert {"Work id", "Total cost", "Cost to the budget in the programme"} <= set(headers)
    cell = ws.cell(head + 1, headers.index("Total cost") + 1)
    assert cell.number_format == '"PEN "#,##0'
    gains = wb["Gains"]
    assert any(c.value == "no route" for row in gains.iter_rows() for c in row)
    assert wb["Summary"]["A2"].value.startswith("WARNING: synthetic sample region")
    _assert_clean(wb)


def test_cusco_workbook_is_clean_and_says_where_ubigeo_is_missing(cusco_es, ranked_cusco):
    wb = cusco_es
    assert wb.sheetnames == list(SHEETS["es"])
    assert wb["Resumen"]["A2"].value.startswith("Fuente de datos")  # real data: no warning
    _assert_clean(wb)
    ws = wb["Invierte.pe"]
    notes = [c.value for c in ws["A"] if isinstance(c.value, str) and "UBIGEO" in c.value]
    assert notes and "no lo tiene" in notes[0]
    headers, rows, _ = _table(ws, "Código de la obra")
    j = headers.index("UBIGEO del distrito")
    assert rows and all(r[j] is None for r in rows)
    assert rows[0][headers.index("Tipo de intervención")] == "Puente"


def test_text_tables_have_the_same_keys_in_both_languages():
    es, en = workbook_text.TEXT["es"], workbook_text.TEXT["en"]
    assert es.keys() == en.keys()
    for key in es:
        assert re.findall(r"\{\w+", es[key]) == re.findall(r"\{\w+", en[key]), key


# --- the Invierte.pe table ------------------------------------------------------------------


def test_invierte_table_on_the_sample(ranked_sample):
    run = ranked_sample
    table = invierte_table(run.ranking, works=run.works, communities=run.access, config=run.config)
    assert tuple(table.columns) == INVIERTE_COLUMNS
    programme = run.ranking.portfolio
    n = len(programme)
    # the programme in its order, then top works that gain, by rank
    assert table["work_id"].iloc[:n].tolist() == programme["work_id"].tolist()
    rest = table.iloc[n:]
    assert rest["rank"].is_monotonic_increasing and (rest["rank"] <= run.config.ranking.top_n).all()
    assert (rest["people_benefited"] > 0).all()
    ranking = run.ranking.ranking
    after = run.ranking.communities_after
    for _, row in table.iterrows():
        work = ranking.loc[row["work_id"]]
        assert row["investment"] == work["cost"] and row["npv"] == work["npv"]
        served = run.ranking.gains[run.ranking.gains["work_id"] == row["work_id"]]
        if len(served) or not row["in_programme"]:  # the work alone
            assert row["beneficiaries_basis"] == "work alone"
            assert row["people_benefited"] == work["people_benefited"]
        else:  # pays only with others: those it (or its bundle) improves in the programme
            assert row["beneficiaries_basis"].startswith("in the programme")
            served = after[after["community_id"].astype(str).isin(row["community_ids"].split(";"))]
            assert row["people_benefited"] == served["population"].sum() > 0
        assert row["communities_served"] == len(served)
        assert set(filter(None, row["community_ids"].split(";"))) == set(served["community_id"])
        if row["people_benefited"] > 0:
            assert row["investment_per_person_benefited"] == pytest.approx(
                work["cost"] / row["people_benefited"]
            )
    bridges = table[table["work_type"] == "bridge"]
    assert (bridges["intervention_type"] == "puente").all()
    # a bridge's yearly upkeep: its share of the cost (1% by default)
    np.testing.assert_allclose(bridges["maintenance_per_year"], 0.01 * bridges["investment"])
    # the sample names districts but has no code: UBIGEO empty, said so
    assert (table["ubigeo"] == "").all() and (table["ubigeo_source"] == "").all()
    assert (table.loc[table["communities_served"] > 0, "districts"] != "").all()


def test_intervention_types_follow_the_surface_classes(ranked_sample):
    works = ranked_sample.works.works
    kinds = {
        w: intervention_type(
            str(r["work_type"]),
            r["class_before"],
            r["class_after"],
            length_m=float(r["length_m"]),
            span_m=float(r["span_m"]),
        )
        for w, r in works.iterrows()
    }
    by_type = pd.Series(kinds).groupby(works["work_type"]).agg(lambda s: set(s))
    assert by_type["bridge"] == {"puente"}
    assert by_type["new_link"] == {"creación"}
    assert by_type["upgrade"] == {"mejoramiento"}  # every generated upgrade raises the class
    assert intervention_type("upgrade", "afirmado", "afirmado", length_m=900, span_m=0) == (
        "recuperación"
    )
    assert intervention_type("upgrade", "", "", length_m=900, span_m=0) == ""


def test_ubigeo_from_inei_codes_of_the_real_ayacucho_villages(shared_data):
    from connectivity.sources.population import communities_from_points

    villages = communities_from_points(
        shared_data / "ayacucho" / "centros_poblados.csv",
        lon_column="longitud",
        lat_column="latitud",
        population_column="poblacion",
        id_column="codigo_de_ubigeo_y_centro_poblado",
        name_column="centro_poblado",
        district_column="distrito",
        extra_columns=["provincia"],
    )
    codes, source = ubigeo_of_communities(villages, id_column="codigo_de_ubigeo_y_centro_poblado")
    assert source == "ccpp_code"
    assert codes.str.fullmatch(r"05\d{4}").all()  # Ayacucho is department 05
    # one code per district of the file, and one district per code
    pairs = pd.DataFrame(
        {"code": codes.to_numpy(), "district": villages["provincia"] + "/" + villages["district"]}
    )
    assert (pairs.groupby("district")["code"].nunique() == 1).all()
    assert (pairs.groupby("code")["district"].nunique() == 1).all()
    assert codes[villages["name"].eq("AYACUCHO").to_numpy()].iloc[0] == "050101"
    # a ubigeo column of the source wins, zero-padded; an id that is no INEI code gives none
    own = pd.DataFrame({"community_id": ["a", "b"], "UBIGEO": [50101, "x"]})
    assert ubigeo_of_communities(own, id_column="id")[0].tolist() == ["050101", ""]
    assert ubigeo_of_communities(villages, id_column="id")[1] == ""


def test_write_invierte_table_writes_plain_csv(ranked_cusco, tmp_path):
    run = ranked_cusco
    table = invierte_table(run.ranking, works=run.works, communities=run.access, config=run.config)
    path = invierte_mod.write_invierte_table(
        tmp_path / "invierte_pe.csv", table, data_source=run.data_source, run_id=run.run_id
    )
    back = pd.read_csv(path, dtype=str, keep_default_na=False)
    assert list(back.columns) == [*INVIERTE_COLUMNS, "data_source", "run_id"]
    assert (back["ubigeo"] == "").all() and (back["districts"] == "").all()  # OSM places
    assert back.loc[0, "intervention_type"] == "puente"
    assert not back.isin(["inf", "nan"]).any().any()


def _summary_values(wb: Any) -> dict[Any, Any]:
    return {r[0]: r[1] for r in wb["Resumen"].iter_rows(min_col=1, max_col=2, values_only=True)}


def test_the_summary_counts_a_later_stage_once(ranked_sample, tmp_path):
    """A later stage's cost holds its earlier stage's: the total adds the increment only."""
    run = ranked_sample
    programme = run.ranking.portfolio.copy()
    earlier, later = programme.index[:2]
    programme["stage_of"] = programme["stage_of"].astype(object)
    programme.loc[later, "stage_of"] = programme.loc[earlier, "work_id"]
    programme.loc[later, "cost"] = programme.loc[earlier, "cost"] + 50_000.0
    programme.loc[later, "cost_net"] = 50_000.0
    result = dataclasses.replace(run.ranking, portfolio=programme)
    keep = ("works", "access", "network", "summary", "config", "data_source", "run_id")
    staged = SimpleNamespace(ranking=result, **{k: getattr(run, k) for k in keep})
    values = _summary_values(openpyxl.load_workbook(_write(staged, tmp_path / "r.xlsx", "es")))
    whole = programme["cost"].sum() - programme.loc[earlier, "cost"]
    assert programme_cost(programme) == pytest.approx(whole)
    assert values["Costo total (con cofinanciamiento)"] == round(whole)
    assert values["Costo para el presupuesto"] == round(programme["cost_net"].sum())


def test_spanish_sheets_say_codes_and_terms_in_words(sample_es):
    wb = sample_es
    raw = set(POPULATION_SOURCES)  # synthetic, file, osm_tag, raster, estimate_from_buildings...
    for name in ("Ganancias", "Alertas y supuestos"):
        cells = [c.value for row in wb[name].iter_rows() for c in row if isinstance(c.value, str)]
        assert not set(cells) & raw, name
        assert "muestra sintética (inventada)" in cells, name
    for ws in wb.worksheets:
        for row in ws.iter_rows():
            for c in row:
                if isinstance(c.value, str):
                    assert not re.search(r"(?i)\bprograma\b|día promedio", c.value), (
                        ws.title,
                        c.coordinate,
                        c.value,
                    )
    assert "Cartera" in wb.sheetnames and "Obras en la cartera" in _summary_values(wb)
    assert "Persona-minutos ahorrados por viaje (promedio del año)" in _summary_values(wb)
    notes = [c.value for c in wb["Alertas y supuestos"]["A"] if isinstance(c.value, str)]
    assert f"• Valor social del tiempo: S/{NBSP}3 por hora" in " ".join(notes)
    assert "PEN por hora" not in " ".join(notes)


def test_bundle_works_count_the_people_they_serve_in_the_programme(ranked_sample, sample_es):
    """A funded work that pays only with others shows whom it serves there, as its ficha does."""
    run = ranked_sample
    table = invierte_table(run.ranking, works=run.works, communities=run.access, config=run.config)
    table = table.set_index("work_id")
    programme = table[table["in_programme"]]
    gains = run.ranking.gains
    bundles = [w for w in programme.index if not (gains["work_id"] == w).any()]
    assert len(bundles) >= 4  # the sample has works that pay only together (BRG-0069 ...)
    assert (programme["people_benefited"] > 0).all()
    assert (programme["communities_served"] > 0).all()
    assert programme["investment_per_person_benefited"].notna().all()
    for work_id in bundles:
        rows = communities_served(run.ranking, work_id)  # what the ficha lists
        row = programme.loc[work_id]
        assert not rows.alone
        assert row["people_benefited"] == rows.frame["population"].sum()
        assert row["communities_served"] == len(rows.frame)
        basis = "in the programme" + (", with " + "; ".join(rows.partners) if rows.partners else "")
        assert row["beneficiaries_basis"] == basis
    paired = [w for w in bundles if run.ranking.ranking.loc[w, "pays_together_with"]]
    assert paired and all(programme.loc[w, "beneficiaries_basis"].count("BRG-") for w in paired)
    alone = table.drop(index=bundles)
    assert (alone["beneficiaries_basis"] == "work alone").all()
    # the Spanish sheet says the basis in words
    headers, rows, _ = _table(sample_es["Invierte.pe"], "Código de la obra")
    basis = [r[headers.index("Base de los beneficiarios")] for r in rows]
    assert basis.count("la obra sola") == len(alone)
    assert sum(b.startswith("en la cartera") for b in basis) == len(bundles)


def test_invierte_csv_leaves_the_order_empty_outside_the_programme(ranked_sample, tmp_path):
    run = ranked_sample
    table = invierte_table(run.ranking, works=run.works, communities=run.access, config=run.config)
    assert (~table["in_programme"]).any()  # the sample's top works outside the programme
    path = invierte_mod.write_invierte_table(
        tmp_path / "invierte_pe.csv", table, data_source=run.data_source, run_id=run.run_id
    )
    back = pd.read_csv(path, dtype=str, keep_default_na=False)
    inside = table["in_programme"].to_numpy()
    assert (back.loc[~inside, "programme_order"] == "").all()
    orders = back.loc[inside, "programme_order"].astype(int).tolist()
    assert orders == list(range(1, len(orders) + 1))


def test_every_sheet_prints_on_a4_landscape_with_its_headers(sample_es):
    for ws in sample_es.worksheets:
        assert ws.page_setup.orientation == "landscape", ws.title
        assert str(ws.page_setup.paperSize) == str(ws.PAPERSIZE_A4), ws.title
        assert "&P" in ws.oddFooter.center.text, ws.title
        if ws.freeze_panes:  # a table: its headers repeat on every page
            head = int(re.sub(r"[A-Z]+", "", ws.freeze_panes)) - 1
            assert ws.print_title_rows == f"${head}:${head}", ws.title
    # the summary prints one page wide
    summary = sample_es["Resumen"]
    assert summary.sheet_properties.pageSetUpPr.fitToPage
    assert summary.page_setup.fitToWidth == 1 and summary.page_setup.fitToHeight == 0
    # the ranking, far wider than a page, runs over pages with its first columns repeated
    ranking = sample_es["Ranking"]
    assert not ranking.sheet_properties.pageSetUpPr.fitToPage
    assert ranking.print_title_cols and ranking.print_title_cols.startswith("$A:")


def test_a_line_wider_than_a_narrow_sheet_is_wrapped_across_its_columns():
    ws = openpyxl.Workbook().active
    writer = SheetWriter(ws, "es")
    writer.title("Título corto")
    writer.note("una nota larga " * 12)
    writer.pairs([("Costo", 1234.5, "money"), ("Personas", 12, "people")])
    writer.finish()
    assert ws.sheet_properties.pageSetUpPr.fitToPage
    assert [str(r) for r in ws.merged_cells.ranges] == ["A3:B3"]  # the note, not the title
    assert ws["A3"].alignment.wrap_text and ws.row_dimensions[3].height >= 30
