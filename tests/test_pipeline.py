"""The whole pipeline on the synthetic sample region, as `make demo` runs it."""

from __future__ import annotations

import dataclasses
import re
import shutil
from pathlib import Path

import pandas as pd
import pytest

from connectivity import pipeline
from connectivity.cli import main
from connectivity.pipeline import read_run_id
from connectivity.settings import settings

OUTPUTS = [
    "network_pieces.csv",
    "access_communities.csv",
    "access_summary.csv",
    "access.gpkg",
    "ranking.csv",
    "portfolio.csv",
    "gains.csv",
    "bundles.csv",
    "axes.csv",
    "ranking.gpkg",
    "rejected_proposals.csv",
    "invierte_pe.csv",
    "columns.csv",
    "resumen.xlsx",
    "fichas",
    "run.json",
]
MAPS = ["access.html", "investments.html", "investments.png", "run.json"]


@pytest.fixture(scope="module")
def home(tmp_path_factory, repo_root: Path):
    """A fresh project home holding only the sample region's config."""
    root = tmp_path_factory.mktemp("home")
    (root / "data" / "regions").mkdir(parents=True)
    shutil.copy(repo_root / "data" / "regions" / "sample.toml", root / "data" / "regions")
    old = settings.home
    settings.home = root
    yield root
    settings.home = old


@pytest.fixture(scope="module")
def demo(home: Path):
    return pipeline.run_all("sample")


def test_demo_writes_every_output_labelled_synthetic(demo, home: Path):
    out, maps = home / "outputs" / "sample", home / "maps" / "sample"
    assert sorted(p.name for p in out.iterdir() if not p.name.endswith(".txt")) == sorted(OUTPUTS)
    assert {p.name for p in maps.iterdir()} == set(MAPS)
    for name in OUTPUTS:
        if name.endswith(".csv"):
            table = pd.read_csv(out / name)
            if len(table):
                assert table["data_source"].str.contains("synthetic sample region").all(), name
    for name in ("access.html", "investments.html"):
        html = (maps / name).read_text(encoding="utf-8")
        assert "sintética" in html or "synthetic" in html.lower()
        assert (maps / name).stat().st_size <= 10 * 2**20  # a province stays under 10 MB
    assert (home / "data" / "sample" / "roads.osm").is_file()  # generated on demand
    # the appraisal in money, per work and for the programme
    from connectivity.ranking.appraisal import APPRAISAL_COLUMNS

    ranked = pd.read_csv(out / "ranking.csv")
    programme = pd.read_csv(out / "portfolio.csv")
    for table in (ranked, programme):
        assert set(APPRAISAL_COLUMNS) <= set(table.columns)
    gaining = ranked[ranked["score"] > 0]
    assert (gaining["benefit_per_year"] > 0).all() and (gaining["pv_costs"] > 0).all()
    # with fords shut 30 days a year, not half of it, some upgrades pay back as well as bridges
    paying = gaining[gaining["bc_ratio"] >= 1]
    assert {"bridge", "upgrade"} <= set(paying["work_type"])
    explanation = (out / "ranking_explanation.txt").read_text(encoding="utf-8")
    # in the region's language (the sample's is es)
    assert "Evaluación social (anual, en dinero" in explanation and "B/C" in explanation
    assert "not an official figure" in explanation  # the sample's value of time is assumed
    _assert_health_everywhere(out, ranked, programme, explanation)
    assert (ranked["health_wet_person_min_saved"] > 0).sum() > 50
    # the programme by axis: each programme work on exactly one corridor to one market
    axes = pd.read_csv(out / "axes.csv")
    on_axes = [w for works in axes["works"] for w in works.split(";")]
    assert sorted(on_axes) == sorted(programme["work_id"])
    assert axes["cost_net"].sum() == pytest.approx(programme["cost_net"].sum())
    # an axis of communities with no route to any market (a small piece) has no market id
    markets = axes["market_id"].fillna("").astype(str)
    assert markets.str.fullmatch(r"(MKT\d+)?").all() and markets.str.startswith("MKT").mean() > 0.8
    assert (axes["n_works"] > 1).any()  # some corridors hold several works


def _assert_health_everywhere(
    out: Path, ranked: pd.DataFrame, programme: pd.DataFrame, explanation: str
) -> None:
    """The third destination kind, health, is in every table, layer and the explanation."""
    import pyogrio

    for table in (ranked, programme):
        for season in ("dry", "rain", "wet"):
            assert f"health_{season}_person_min_saved" in table.columns
    access = pd.read_csv(out / "access_communities.csv")
    for column in ("health_dry_min", "health_rain_min", "health_walk_wet_min", "health_wet_id"):
        assert column in access.columns
    assert "health_people_cut_off_wet" in pd.read_csv(out / "access_summary.csv").columns
    assert "n_health_facilities" in pd.read_csv(out / "network_pieces.csv").columns
    layers = {name for name, _ in pyogrio.list_layers(out / "access.gpkg")}
    assert "health_facilities" in layers
    candidates = pyogrio.read_dataframe(out / "ranking.gpkg", layer="candidates_lines")
    assert "health_wet_person_min_saved" in candidates.columns
    assert "\n  Establecimiento de salud: época seca" in explanation
    assert "salud 2 viajes de ida y vuelta al año por persona" in explanation


def test_programme_fits_the_budget_and_gains_explain_it(demo, home: Path):
    out = home / "outputs" / "sample"
    portfolio = pd.read_csv(out / "portfolio.csv")
    ranking = pd.read_csv(out / "ranking.csv")
    gains = pd.read_csv(out / "gains.csv")
    budget = demo.config.budget.amount
    assert 0 < portfolio["cost_net"].sum() <= budget
    assert portfolio["cumulative_cost_net"].is_monotonic_increasing
    assert (portfolio["currency"] == "PEN").all() and (ranking["price_year"] == 2024).all()
    assert ranking["rank"].tolist() == list(range(1, len(ranking) + 1))
    assert ranking["work_id"].is_unique
    # every work that helps someone has its communities listed with minutes before and after
    helping = set(ranking.loc[ranking["communities_gaining"] > 0, "work_id"])
    assert helping == set(gains["work_id"])
    assert set(portfolio["work_id"]) <= set(ranking["work_id"])


def test_flags_and_population_sources_reach_the_tables(demo, home: Path):
    """Per-work flags, per-community population source and piece (tests/flags_checks.py)."""
    from flags_checks import check_sample_flags

    check_sample_flags(demo, home / "outputs" / "sample")


def test_the_demo_explanation_reads_in_spanish(demo, home: Path):
    """The sample's lang is es: the explanation a planner reads is Spanish, plurals agree."""
    from explanation_checks import assert_reads_in_spanish

    from connectivity.i18n import NBSP, fmt_money

    result = demo.ranking
    assert result is not None and result.lang == "es"
    text = (home / "outputs" / "sample" / "ranking_explanation.txt").read_text(encoding="utf-8")
    assert text.startswith(result.explanation)
    assert_reads_in_spanish(text)
    programme = result.portfolio
    spent = fmt_money(programme["cost_net"].sum(), "PEN", "es")
    assert f"Cartera de {len(programme)} obras con un costo neto de {spent}, de un " in text
    assert f"presupuesto de S/{NBSP}15{NBSP}000{NBSP}000:" in text
    assert f"\nLas {result.weights.top_n} mejores obras:\n" in text
    # works that help one community and works that help several, each said right
    top = result.ranking[result.ranking["score"] > 0].head(result.weights.top_n)
    assert (top["communities_gaining"] == 1).any() and (top["communities_gaining"] > 1).any()
    for work_id, row in top.iterrows():
        n = int(row["communities_gaining"])
        place = "1 comunidad," if n == 1 else f"{n} comunidades,"
        assert f"{work_id} {row['name']}: " in text and f"beneficiadas en {place}" in text
    assert "Verificar en campo: el cruce del río es inferido" in text
    assert "puente peatonal" in text.lower() and "crecida" in text and "época seca" in text
    assert "cofinanciamiento" in text and "VAN social" in text and "TIR social" in text
    assert text.rstrip().endswith("(ver run.json)") and "\nFuente de datos: synthetic" in text


def _pct(share: float) -> str:
    from connectivity.access import _pct as pct

    return pct(share)


def test_wet_season_figures_say_who_is_cut_off(demo, home: Path, caplog, tmp_path):
    """The sample's wet-season mean looks better than the dry one only because it leaves
    out the people the rains cut off: every output says so beside it."""
    from test_access import assert_summary_consistent

    out = home / "outputs" / "sample"
    summary = pd.read_csv(out / "access_summary.csv")
    assert_summary_consistent(summary, minutes_atol=0.11)  # CSV: minutes to 0.1
    region = summary.iloc[0]
    assert region["unreachable_cap_min"] == demo.config.ranking.unreachable_cap_min
    share = region["market_wet_unreachable_share"]
    assert 0.1 < share < 0.5  # fords cut many off in the rains
    assert region["market_wet_mean_min_reachable"] < region["market_dry_mean_min_reachable"]
    assert region["market_wet_mean_min_unreachable_at_cap"] > region["market_dry_mean_min"]
    people = f"{region['market_wet_unreachable_people']:,.0f} people ({_pct(share)}) cut off"
    wet_mean = f"{region['market_wet_mean_min_reachable']:.1f} min on average (the "
    at_cap = f"{region['market_wet_mean_min_unreachable_at_cap']:.1f} min counting them at 480"
    # the explanation says the same in the region's language (es), the log in English
    from connectivity.i18n import fmt_number, fmt_pct

    es = [
        f"{fmt_number(region['market_wet_unreachable_people'], 'es')} personas aisladas "
        f"({fmt_pct(share, 'es')}), sin ruta",
        f"{fmt_number(region['market_wet_mean_min_reachable'], 'es', decimals=1)} min en "
        "promedio (el ",
        f"{fmt_number(region['market_wet_mean_min_unreachable_at_cap'], 'es', decimals=1)} min "
        "si cada persona sin ruta cuenta 480 min",
    ]
    explanation = (out / "ranking_explanation.txt").read_text(encoding="utf-8")
    assert "Acceso antes de las obras" in explanation
    for text in es:
        assert text in explanation, text
    caplog.set_level("INFO", logger="connectivity.pipeline.stages")
    # the access stage alone, into a folder of its own (a run of `access` would publish
    # a set without the ranking, as it should, and the other tests read the ranking)
    pipeline.access_stage(dataclasses.replace(demo, tables_dir=tmp_path))
    line = next(r.getMessage() for r in caplog.records if "on average" in r.getMessage())
    for text in (people, wet_mean, at_cap, "dry season", "wet season", "to school"):
        assert text in line, (text, line)


def test_the_demo_programme_never_pays_twice_for_one_road(demo):
    from programme_checks import assert_never_pays_twice

    assert demo.ranking is not None and len(demo.ranking.portfolio) > 10
    assert_never_pays_twice(demo.ranking.portfolio, demo.works)
    # alternatives at one site are listed for the planner (e.g. a proposed and a generated
    # bridge at one ford), and the programme holds at most one of them
    ranked = demo.ranking.ranking
    assert (ranked["alternatives"] != "").sum() > 10


def test_the_demo_programme_beats_plain_greedy_and_takes_works_that_pay_together(demo, home):
    from connectivity import ranking

    cfg = demo.config
    plain = ranking.rank_works(
        demo.network,
        demo.works,
        budget=cfg.budget.amount,
        thresholds_min=cfg.access.thresholds_min,
        weights=cfg.ranking,
        cap_min=cfg.ranking.unreachable_cap_min,
        optimise=False,
    )
    # in English (rank_works' default) too, a work that helps one community says so
    assert " in 1 community gain" in plain.explanation
    assert not re.search(r"\b1 communities", plain.explanation)
    chosen = demo.ranking.portfolio
    assert chosen["score"].sum() >= plain.portfolio["score"].sum() * 1.02  # +7% on the sample
    assert chosen["cost_net"].sum() <= cfg.budget.amount
    # fords in series: pairs worth nothing alone, much together, listed in bundles.csv
    bundles = pd.read_csv(home / "outputs" / "sample" / "bundles.csv")
    assert len(bundles) >= 10
    alone = bundles["score_a_alone"] + bundles["score_b_alone"]
    assert (bundles["score_together"] > 1.5 * alone).all()
    assert ((bundles["score_a_alone"] == 0) & (bundles["score_b_alone"] == 0)).any()
    taken = bundles[bundles["in_programme"]]
    assert len(taken) >= 1
    assert set(taken["work_a"]) | set(taken["work_b"]) <= set(chosen["work_id"])
    partners = demo.ranking.ranking["pays_together_with"]
    first = bundles.iloc[0]
    assert first["work_b"] in partners[first["work_a"]].split(";")
    explanation = (home / "outputs" / "sample" / "ranking_explanation.txt").read_text()
    assert "más de puntaje que la cartera armada obra por obra" in explanation
    assert f"{first['bundle_id']}: {first['work_a']} + {first['work_b']}" in explanation


def _without_run_id(path: Path) -> pd.DataFrame:
    table = pd.read_csv(path, dtype=str, keep_default_na=False)
    assert table["run_id"].nunique() <= 1
    return table.drop(columns="run_id")


def test_same_input_gives_identical_tables(demo, home: Path):
    out = home / "outputs" / "sample"
    names = ["ranking.csv", "portfolio.csv", "gains.csv", "access_communities.csv"]
    first = {n: _without_run_id(out / n) for n in names}
    first_id = read_run_id(out)
    again = pipeline.run_rank("sample")
    assert again.run_id != first_id == demo.run_id
    for name in names:
        second = _without_run_id(out / name)
        pd.testing.assert_frame_equal(second, first[name], check_exact=True)


def test_a_bad_region_config_stops_with_a_message_and_keeps_old_outputs(demo, home, caplog):
    out = home / "outputs" / "sample"
    before = (out / "ranking.csv").read_bytes()
    bad = home / "data" / "regions" / "broken.toml"
    text = (home / "data" / "regions" / "sample.toml").read_text(encoding="utf-8")
    bad.write_text(text.replace('path = "../sample/roads.osm"', 'path = "../sample/nowhere.osm"'))
    assert main(["-q", "rank", "--region", str(bad)]) == 2
    assert "nowhere.osm" in caplog.text and "roads.path" in caplog.text
    assert (out / "ranking.csv").read_bytes() == before


def test_equity_weight_from_the_population_file_reaches_the_scores(demo, home: Path):
    """The sample's (invented) district poverty rate weighs its people in the score."""
    out = home / "outputs" / "sample"
    access = pd.read_csv(out / "access_communities.csv")
    assert access["poverty_rate"].between(0.2, 0.8).all()
    weighted = demo.ranking.ranking["score"]
    explanation = (out / "ranking_explanation.txt").read_text(encoding="utf-8")
    assert "peso de equidad 1 + 1 × poverty_rate" in explanation
    cfg = home / "data" / "regions" / "plain.toml"
    text = (home / "data" / "regions" / "sample.toml").read_text(encoding="utf-8")
    plain_text = text.replace("equity_strength = 1.0", "equity_strength = 0.0")
    # its own region name, so its outputs do not replace the demo's
    cfg.write_text(plain_text.replace('name = "sample"', 'name = "sample_plain"'))
    plain = pipeline.run_rank(cfg).ranking.ranking["score"]
    helped = weighted[weighted > 0].index
    ratio = weighted[helped] / plain[helped]
    # each work's score grows by 1 + p for the people it helps: between 1.2 and 1.8 times
    outside = ratio[~ratio.between(1.2 - 1e-9, 1.8 + 1e-9)]
    assert outside.empty, outside
    assert ratio.nunique() > 1


def test_cusco_real_data_end_to_end(tmp_path, repo_root: Path, shared_data: Path, monkeypatch):
    """`make demo REGION=cusco`: the real OSM network, MINEDU schools, contour DEM."""
    monkeypatch.setattr(settings, "home", tmp_path)
    run = pipeline.run_all(repo_root / "data" / "regions" / "cusco.toml")
    from programme_checks import assert_never_pays_twice

    assert run.ranking is not None
    assert_never_pays_twice(run.ranking.portfolio, run.works)
    out, maps = tmp_path / "outputs" / "cusco", tmp_path / "maps" / "cusco"
    assert {p.name for p in maps.iterdir()} == set(MAPS)
    assert all((maps / n).stat().st_size <= 10 * 2**20 for n in MAPS)
    assert read_run_id(out) == read_run_id(maps) == run.run_id
    ranking = pd.read_csv(out / "ranking.csv")
    assert len(ranking) > 100 and {"upgrade", "bridge"} <= set(ranking["work_type"])
    from test_access import assert_summary_consistent

    summary = pd.read_csv(out / "access_summary.csv")
    assert_summary_consistent(summary, minutes_atol=0.11)  # CSV: minutes to 0.1
    # a few hundred people on pieces of the network with no market: a share under 0.1%
    # still shows, with the people, in the explanation
    assert summary.loc[0, "market_wet_unreachable_people"] > 0
    text = (out / "ranking_explanation.txt").read_text(encoding="utf-8")
    assert "personas aisladas (<0,1\u00a0%), sin ruta" in text
    source = ranking["data_source"].iloc[0]
    assert "OpenStreetMap contributors" in source and "synthetic" not in source
    access = pd.read_csv(out / "access_communities.csv")
    # OSM places with estimated population, labelled as such
    assert set(access["population_source"]) <= {
        "osm_tag",
        "estimate_from_buildings",
        "place_type_minimum",
    }
    assert len(run.network.pieces) > 1  # the real network is in pieces, reported not dropped
    portfolio = pd.read_csv(out / "portfolio.csv")
    assert 0 < portfolio["cost_net"].sum() <= run.config.budget.amount
    # health from OSM's hospitals, clinics and posts: a third destination in every output
    assert run.network.kinds == ("market", "school", "health")
    assert len(run.network.facilities["health"]) >= 10
    explanation = (out / "ranking_explanation.txt").read_text(encoding="utf-8")
    _assert_health_everywhere(out, ranking, portfolio, explanation)
    from flags_checks import check_cusco_flags

    # the case: the top work is a bridge at an inferred crossing for an estimated
    # village; tables, explanation and popups say so, and cut-off pieces say why
    check_cusco_flags(run, out, maps)


@pytest.mark.parametrize("name", ["access.html", "investments.html"])
def test_demo_maps_load_cleanly_in_chromium(demo, home: Path, name: str):
    """The maps `make maps` writes (not only the test-built ones) open without errors."""
    from browser import open_page

    html = home / "maps" / "sample" / name
    with open_page(html) as (page, log):
        overlays = page.eval_on_selector_all(
            ".leaflet-control-layers-overlays label", "els => els.map(e => e.textContent.trim())"
        )
        legend = page.inner_text(".cx-legend")
        shot = Path("test-artifacts") / f"demo_{name.replace('.html', '.png')}"
        shot.parent.mkdir(exist_ok=True)
        page.screenshot(path=str(shot))
    assert log.console_errors == [] and log.page_errors == [] and log.dialogs == []
    assert log.external_requests == []  # everything but the background tiles is in the file
    assert len(overlays) >= 5 and legend.strip()
    # the region's wet-season average stands beside the share the rains cut off
    share = pd.read_csv(home / "outputs" / "sample" / "access_summary.csv").loc[
        0, "market_wet_unreachable_share"
    ]
    assert "Mercado: quienes tienen ruta" in legend and "sin ruta (aislados)" in legend
    # written as a Spanish reader writes it: "26 %", decimal comma
    assert _pct(share).replace(".", ",").replace("%", "\u00a0%") in legend


def test_budget_and_language_from_the_command_line_change_the_run(
    demo, home: Path, tmp_path: Path, monkeypatch
):
    """`make demo MAPLANG=en BUDGET=5000000`: an English run under a smaller budget."""
    other = tmp_path / "home"
    (other / "data" / "regions").mkdir(parents=True)
    shutil.copy(home / "data" / "regions" / "sample.toml", other / "data" / "regions")
    shutil.copytree(home / "data" / "sample", other / "data" / "sample")  # no regeneration
    monkeypatch.setattr(settings, "home", other)
    code = main(["-q", "maps", "--region", "sample", "--lang", "en", "--budget", "5000000"])
    assert code == 0
    out, maps = other / "outputs" / "sample", other / "maps" / "sample"
    programme = pd.read_csv(out / "portfolio.csv")
    spent = programme["cost_net"].sum()
    assert 4_000_000 < spent <= 5_000_000  # the 15 M of the config is replaced
    full = pd.read_csv(home / "outputs" / "sample" / "portfolio.csv")["cost_net"].sum()
    assert spent < full
    explanation = (out / "ranking_explanation.txt").read_text(encoding="utf-8")
    assert "of a budget of PEN 5,000,000" in explanation and "Cartera" not in explanation
    html = (maps / "investments.html").read_text(encoding="utf-8")
    assert '"lang":"en"' in html and "Obras viales priorizadas" not in html
    import json

    manifest = json.loads((out / "run.json").read_text(encoding="utf-8"))
    assert manifest["lang"] == "en"
    assert manifest["config"]["settings"]["budget"]["amount"] == 5_000_000


def test_an_optional_destination_found_nowhere_is_left_out_with_a_warning(
    demo, home: Path, tmp_path: Path, monkeypatch, caplog
):
    """[health] from OSM tags that match nothing in the region: the run measures markets and
    schools, says so, and gives health's weight to the others."""
    other = tmp_path / "home"
    (other / "data" / "regions").mkdir(parents=True)
    text = (home / "data" / "regions" / "sample.toml").read_text(encoding="utf-8")
    text = text.replace(
        '[health]\nkind = "file"\npath = "../sample/health.csv"\nid_column = "facility_id"',
        '[health]\nkind = "osm"\nosm_tags = { amenity = ["veterinary"] }',
    )
    assert 'amenity = ["veterinary"]' in text
    (other / "data" / "regions" / "sample.toml").write_text(text, encoding="utf-8")
    shutil.copytree(home / "data" / "sample", other / "data" / "sample")
    monkeypatch.setattr(settings, "home", other)
    run = pipeline.run_stages("sample", until="access")
    assert run.network.kinds == ("market", "school")
    assert "[health] found no health facilities in the region" in caplog.text
    assert run.access is not None and "health_dry_min" not in run.access.columns
