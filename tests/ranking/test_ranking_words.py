"""The explanation in the region's language: the catalogue, plurals, money, the same figures.

The line network (ranking_cases.line_network) is small enough to know every
figure: three works, three communities (A 100 people, B 50, C 10); NEW and
BRIDGE each reopen A and B (150 people, 2 communities), UPG helps C alone
(10 people, 1 community).
"""

from __future__ import annotations

import re
import string
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from explanation_checks import assert_reads_in_spanish
from ranking_cases import HALF_YEAR, line_network, line_works
from test_ranking_appraisal import DAYS, PARAMS, _upgrade_and_bridge
from test_ranking_flags import _network as island_network
from test_ranking_flags import _works as island_works

from connectivity import access, ranking
from connectivity.i18n import LANGS, NBSP
from connectivity.ranking import words as catalogue
from connectivity.ranking.explain import mean_minutes_text
from connectivity.ranking.rank import RANK_KEYS
from connectivity.ranking.words import Words


def _fields(text: str) -> set[str]:
    return {field for _, field, _, _ in string.Formatter().parse(text) if field}


def test_every_language_has_every_sentence_noun_kind_and_flag():
    """A newcomer adds a language in words.py: the tests say what is missing."""
    base = {k for k in catalogue._TEXT["en"] if "/" not in k}
    for lang in LANGS:
        text = catalogue._TEXT[lang]
        assert {k for k in text if "/" not in k} == base, lang
        for key, sentence in text.items():
            if "/" in key:  # a variant for a count of one needs nothing more ("the only work")
                assert _fields(sentence) <= _fields(text[key.split("/")[0]]), (lang, key)
        assert catalogue._COUNTS[lang].keys() == catalogue._COUNTS["en"].keys(), lang
        for noun, forms in catalogue._COUNTS[lang].items():
            assert all(_fields(f) <= {"n"} for f in forms), (lang, noun)
            assert "{n}" in forms[1], (lang, noun)  # the plural always shows the number
        assert catalogue._KINDS[lang].keys() == {"market", "school", "health"}
        assert list(catalogue._SEASONS[lang]) == list(access.SEASONS)
        assert list(catalogue.flag_meanings(lang)) == list(ranking.FLAGS)
        for rank_by in RANK_KEYS:  # what works are ranked by, said for each choice
            assert f"ranked_by_{rank_by}" in text, (lang, rank_by)


def test_no_language_test_in_the_ranking_code():
    """Sentences come from the catalogue: no `if lang == "es"` in the ranking's code."""
    folder = Path(ranking.__file__).parent
    for path in folder.glob("*.py"):
        source = path.read_text(encoding="utf-8")
        assert not re.search(r"lang\s*[!=]=\s*['\"]", source), path.name


def test_counts_agree_with_their_noun_and_money_is_written_as_people_write_it():
    es, en = Words("es"), Words("en")
    assert [es.count(n, "community") for n in (0, 1, 3)] == [
        "0 comunidades",
        "1 comunidad",
        "3 comunidades",
    ]
    assert [en.count(n, "community") for n in (1, 2)] == ["1 community", "2 communities"]
    assert (es.count(1, "work"), es.count(80, "work")) == ("1 obra", "80 obras")
    assert (en.count(1, "person"), en.count(2, "person")) == ("1 person", "2 people")
    assert es.count(1, "person_benefited") == "1 persona beneficiada"
    assert es.count(0.6, "person") == "1 persona"  # agrees with the number written
    assert es.count(1, "other_programme") == "otra cartera"
    assert es.count(18, "other_programme") == "otras 18 carteras"
    assert es.count(25_030, "person") == f"25{NBSP}030 personas"
    assert es.count(2.5, "round_trip", decimals=None) == "2,5 viajes de ida y vuelta"
    assert es.money(1_234_567.4, "PEN") == f"S/{NBSP}1{NBSP}234{NBSP}567"
    assert en.money(1_234_567.4, "PEN") == "PEN 1,234,567"
    assert es.money(3.5, "PEN", exact=True) == f"S/{NBSP}3,50"
    assert es.money(3.0, "PEN", exact=True) == f"S/{NBSP}3"
    assert (es.share(0.0004), es.share(0.263), en.share(0.9996)) == (
        f"<0,1{NBSP}%",
        f"26{NBSP}%",
        ">99.9%",
    )
    assert es.kinds(["market", "school", "health"]) == "mercado, colegio y establecimiento de salud"
    assert es.kinds(["market", "iglesia"]) == "mercado e iglesia"  # "y" before /i/ is "e"
    assert (es.kind("bus_stop"), es.kind_short("bus_stop")) == ("bus stop", "bus stop")
    assert (es.plain(182.5), en.plain(182.5), es.plain(480.0)) == ("182,5", "182.5", "480")


@pytest.mark.parametrize(
    ("minutes", "people"),
    [
        ([5.0], [3.0]),  # everyone can reach one
        ([10.0, 30.0, np.inf], [1.0, 2.0, 1.0]),  # one person cut off
        ([10.0, np.inf], [9_999.0, 1_500.0]),  # many
        ([10.0, np.inf], [99_999.0, 3.0]),  # a share under 0.1%
        ([np.inf, np.inf], [4.0, 5.0]),  # nobody can
        ([10.0], [0.0]),  # nobody lives there
    ],
)
def test_the_english_access_sentence_is_the_logs(minutes, people):
    stats = access.travel_time_stats(np.array(minutes), np.array(people))
    log = access.describe_mean_minutes(stats, unreachable_cap_min=480)
    assert mean_minutes_text(stats, 480.0, "en") == log
    assert mean_minutes_text(stats, 480.0, "es") != log


def _rank(budget: float | None, lang: str, **kwargs):
    net = line_network()
    return ranking.rank_works(
        net,
        line_works(net),
        budget=budget,
        weights=HALF_YEAR,
        appraisal=PARAMS,
        lang=lang,
        **kwargs,
    )


def test_the_line_network_explained_in_spanish():
    result = _rank(10_000_000, "es")
    assert result.lang == "es"
    text = result.explanation
    assert text.startswith(
        "3 obras viales evaluadas para 3 comunidades (160 personas); costos en soles (S/) a "
        "precios de 2024.\nAcceso antes de las obras (promedios ponderados por población;"
    )
    assert "\n  Mercado: época seca 76,0 min en promedio (todos pueden llegar); " in text
    assert f"150 personas aisladas (94{NBSP}%), sin ruta" in text
    assert (
        f"Cartera de 3 obras con un costo neto de S/{NBSP}75{NBSP}000, de un presupuesto de "
        f"S/{NBSP}10{NBSP}000{NBSP}000: 160 personas beneficiadas en 3 comunidades, "
        f"73{NBSP}483 persona-minutos ahorrados por viaje"
    ) in text
    assert "\nLas 3 mejores obras:\n" in text
    assert (
        f"\n  1. NEW Trocha nueva: 150 personas beneficiadas en 2 comunidades, 70{NBSP}250 "
        f"persona-minutos ahorrados por viaje, costo neto S/{NBSP}5000, 150 personas dejan de "
        "quedar aisladas en la crecida\n"
    ) in text
    assert (
        "\n  3. UPG Afirmado: 10 personas beneficiadas en 1 comunidad, 2733 persona-minutos "
        f"ahorrados por viaje, costo neto S/{NBSP}20{NBSP}000\n"
    ) in text
    assert f"VAN social S/{NBSP}2{NBSP}178{NBSP}508, B/C 17,54, TIR social 274,6{NBSP}%" in text
    assert "3 de las 3 obras con beneficios tienen una relación B/C de 1 o más." in text
    assert "  - tasa social de descuento 8\u00a0% al año" in text
    assert_reads_in_spanish(text)


def test_one_work_one_community_in_spanish_and_empty_programmes():
    one = _rank(5_000, "es").explanation
    assert (
        f"Cartera de 1 obra con un costo neto de S/{NBSP}5000, de un presupuesto de "
        f"S/{NBSP}5000: 150 personas beneficiadas en 2 comunidades"
    ) in one
    assert "Usa todo el presupuesto." in one
    assert "hacer la única obra que cabe en el presupuesto" in one
    assert_reads_in_spanish(one)
    small = _rank(1_000, "es").explanation
    assert (
        f"Cartera vacía: el presupuesto de S/{NBSP}1000 es menor que el costo neto de cada obra "
        f"(la más barata, NEW, cuesta S/{NBSP}5000)."
    ) in small
    assert "Luego se comparó" not in small  # no other programme to compare with
    assert "no hay cartera que evaluar" in small
    none = _rank(None, "es", rank_by="bc_ratio").explanation
    assert "Sin presupuesto: las obras se ordenan, pero no se elige una cartera." in none
    assert "\nLas obras se ordenan por su relación beneficio/costo (B/C); la cartera se " in none


def test_the_line_network_in_english_says_one_community_and_keeps_every_figure():
    en = _rank(10_000_000, "en")
    text = en.explanation
    assert en.lang == "en"
    assert (
        "\n  3. UPG Afirmado: 10 people in 1 community gain, 2,733 person-min per trip, "
        "net cost PEN 20,000\n"
    ) in text
    assert "1 communities" not in text and "(s)" not in text
    assert "Programme of 3 works costing PEN 75,000 net of a budget of PEN 10,000,000: " in text
    assert "\nTop 3 works:\n" in text
    assert "Programme of 1 work costing PEN 5,000" in _rank(5_000, "en").explanation
    # the same figures in both languages, written each language's way
    es = _rank(10_000_000, "es")
    pd.testing.assert_frame_equal(es.ranking, en.ranking)
    assert _figures(text, "en") == _figures(es.explanation, "es")


def _figures(text: str, lang: str) -> list[float]:
    """Every number of a text, read the way ``lang`` writes it (but 1,000 of 'per 1,000')."""
    found = re.findall(rf"\d[\d,.{NBSP}]*\d|\d", text)
    if lang == "es":
        values = [float(f.replace(NBSP, "").replace(",", ".")) for f in found]
    else:
        values = [float(f.replace(",", "")) for f in found]
    return sorted(v for v in values if v != 1000)


def test_the_bc_hurdle_and_the_flags_in_spanish():
    net, works = _upgrade_and_bridge()
    one = ranking.rank_works(
        net, works, budget=1e6, appraisal=PARAMS, weights=DAYS, min_bc_ratio=2.0, lang="es"
    )
    assert (
        "No se consideró 1 obra con beneficios: su relación beneficio/costo (B/C) por sí sola "
        "es menor que el mínimo de 2 (min_bc_ratio)."
    ) in one.explanation
    two = ranking.rank_works(
        net, works, budget=1e6, appraisal=PARAMS, weights=DAYS, min_bc_ratio=100.0, lang="es"
    )
    assert "No se consideraron 2 obras con beneficios" in two.explanation
    island = island_network()
    flagged = ranking.rank_works(
        island, island_works(island), budget=2e6, weights={"top_n": 5}, lang="es"
    ).explanation
    assert "\n     Verificar en campo: la ganancia viene de unir una pieza pequeña" in flagged
    assert "la población de algunas comunidades que ganan es estimada, no contada" in flagged
    assert "lejos de toda vía mapeada" in flagged
    assert re.search(
        r"\n(\d+ de las \d+ obras de la cartera se apoyan?|La única obra de la cartera se apoya)"
        r" en supuestos que hay que verificar en campo",
        flagged,
    )
    assert_reads_in_spanish(flagged)


def test_the_explanation_file_ends_in_its_language(tmp_path):
    result = _rank(10_000_000, "es")
    ranking.write_ranking_outputs(result, tmp_path, data_source="datos de prueba", run_id="R1")
    text = (tmp_path / "ranking_explanation.txt").read_text(encoding="utf-8")
    assert text.endswith("\n\nFuente de datos: datos de prueba\nEjecución: R1 (ver run.json)\n")
    english = _rank(10_000_000, "en")
    ranking.write_ranking_outputs(english, tmp_path / "en", data_source="test data")
    assert (
        (tmp_path / "en" / "ranking_explanation.txt")
        .read_text(encoding="utf-8")
        .endswith("\n\nData source: test data\n")
    )
