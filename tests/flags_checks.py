"""Checks of the flags on a whole run's outputs (used by tests/test_pipeline.py).

The pipeline tests run the sample region and the real Cusco data once each;
these functions check, on those outputs, that the assumptions behind each
work's gain travel from the inputs to ``ranking.csv``, ``gains.csv``,
``access_communities.csv``, ``ranking_explanation.txt`` and the map popups
(opened in headless Chromium).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pandas as pd
from browser import open_page

from connectivity.sources.population import ESTIMATED_POPULATION_SOURCES, POPULATION_SOURCES

ARTIFACTS = Path(__file__).resolve().parents[1] / "test-artifacts"


def _split(flags: pd.Series) -> pd.Series:
    return flags.fillna("").astype(str).map(lambda s: set(filter(None, s.split(";"))))


def check_flag_tables(run: Any, out: Path) -> pd.DataFrame:
    """The tables agree with the facts the run carries; returns ranking.csv."""
    ranking = pd.read_csv(out / "ranking.csv", keep_default_na=False)
    gains = pd.read_csv(out / "gains.csv", keep_default_na=False)
    access = pd.read_csv(out / "access_communities.csv")
    pieces = pd.read_csv(out / "network_pieces.csv")
    flags = _split(ranking.set_index("work_id")["flags"])
    for text in ranking["flags"]:
        assert text == ";".join(sorted(filter(None, text.split(";"))))  # stable, sorted
    # inferred_crossing: exactly the bridges whose crossing carries no OSM tag
    crossing = run.works.works["crossing"].reindex(flags.index)
    inferred = flags.map(lambda f: "inferred_crossing" in f)
    assert (inferred == crossing.eq("inferred")).all()
    # estimated_population: exactly the works with a beneficiary whose population is estimated
    assert set(gains["population_source"]) <= set(POPULATION_SOURCES)
    est = gains[gains["population_source"].isin(ESTIMATED_POPULATION_SOURCES)]
    estimated = flags.map(lambda f: "estimated_population" in f)
    assert set(flags.index[estimated]) == set(est["work_id"])
    # every community says its piece, and whether a small piece cuts it off
    assert {"component", "main_piece"} <= set(gains.columns)
    assert (access["main_piece"] == access["component"].eq(0)).all()
    for kind in ("market", "school"):
        n_here = pieces.set_index("component")[f"n_{kind}s"].reindex(access["component"])
        expected = access["component"].ne(0).to_numpy() & (n_here.to_numpy() == 0)
        assert (access[f"{kind}_cut_off_piece"].to_numpy() == expected).all()
        cut = access[f"{kind}_cut_off_piece"]
        # no route: an empty cell and the flag beside it
        assert access.loc[cut, f"{kind}_dry_min"].isna().all()
        assert not access.loc[cut, f"{kind}_dry_reachable"].astype(bool).any()
    return ranking


def check_cusco_flags(run: Any, out: Path, maps: Path) -> None:
    """Cusco: the issue's top work, a bridge at an inferred crossing for an estimated village."""
    ranking = check_flag_tables(run, out).set_index("work_id")
    access = pd.read_csv(out / "access_communities.csv")
    bridges = run.works.works[run.works.works["work_type"] == "bridge"]
    assert bridges["crossing"].eq("inferred").sum() >= 2  # rivers crossed with no tag
    top = ranking[ranking["rank"] == 1].iloc[0]
    assert top.name == "BRG-0001" and top["work_type"] == "bridge"
    assert top["flags"] == "estimated_population;inferred_crossing"
    # the crossing is really untagged in OSM: no bridge, no ford on the edges it replaces
    ch = run.works.changes[run.works.changes["work_id"] == "BRG-0001"]
    edges = run.network.edges.loc[pd.MultiIndex.from_arrays([ch["u"], ch["v"], ch["key"]])]
    assert edges["unbridged_crossing"].all()
    for tag in ("ford", "bridge"):  # a column only when some way of the extract has the tag
        assert tag not in edges.columns or edges[tag].isna().all()
    text = (out / "ranking_explanation.txt").read_text(encoding="utf-8")
    line = text.split("  1. BRG-0001", 1)[1].split("\n  2. ")[0]  # Cusco's lang is es
    assert "Verificar en campo: la población de algunas comunidades que ganan es estimada" in line
    assert "el cruce del río es inferido (OpenStreetMap no lo marca como puente ni" in line
    # Cusco's villages are OSM places: all but the city's tagged population are estimates
    assert access["population_source"].isin(ESTIMATED_POPULATION_SOURCES).sum() >= 15
    assert access["market_cut_off_piece"].sum() >= 2  # villages on pieces with no market

    ARTIFACTS.mkdir(exist_ok=True)
    with open_page(maps / "investments.html") as (page, log):
        popup = page.evaluate(
            """(id) => { const s = window.cxState, fg = s.works[id];
                s.map.fitBounds(fg.getBounds(), {maxZoom: 15}); fg.openPopup();
                const box = fg.getPopup();
                return box.getElement().querySelector('.leaflet-popup-content').innerText; }""",
            "BRG-0001",
        )
        page.screenshot(path=str(ARTIFACTS / "cusco_flags_work.png"))
    assert log.console_errors == [] and log.page_errors == []
    assert "Verificar en campo:" in popup
    assert "cruce de río inferido (sin etiqueta de puente ni vado en OSM)" in popup
    assert "población estimada de comunidades que ganan" in popup

    cut = access[access["market_cut_off_piece"]].sort_values("population").iloc[-1]
    village = access[access["population_source"].eq("place_type_minimum")].iloc[0]
    texts = {}
    with open_page(maps / "access.html") as (page, log):
        for c in (cut, village):
            texts[c["community_id"]] = page.evaluate(
                """(id) => { const s = window.cxState, m = s.communities[id][0];
                    s.map.setView(m.getLatLng(), 14); m.openPopup();
                    const box = m.getPopup().getElement();  // this popup, not the one closing
                    return box.querySelector('.leaflet-popup-content').innerText; }""",
                c["community_id"],
            )
        page.screenshot(path=str(ARTIFACTS / "cusco_flags_community.png"))
    assert log.console_errors == [] and log.page_errors == []
    reason = texts[cut["community_id"]]
    # a community cut off by its piece says why, not a bare "Sin ruta al mercado"
    assert f"pieza de la red vial (n.º {int(cut['component'])} en network_pieces.csv)" in reason
    assert "Sin ruta a ningún mercado" in reason and "Sin ruta al mercado" not in reason
    people = f"≈{int(village['population'])} personas (estimada)"
    assert people in texts[village["community_id"]]
    assert "mínimo para el tipo de lugar" in texts[village["community_id"]]


def check_sample_flags(run: Any, out: Path) -> None:
    """The sample: invented people, one piece; bridges at untagged crossings are flagged."""
    ranking = check_flag_tables(run, out)
    gains = pd.read_csv(out / "gains.csv")
    assert set(gains["population_source"]) == {"synthetic"}
    assert gains["main_piece"].all() and (gains["component"] == 0).all()
    codes = set().union(*_split(ranking["flags"]))
    assert {"inferred_crossing"} <= codes <= {"inferred_crossing", "far_from_road"}
