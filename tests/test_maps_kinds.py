"""Maps of a network with more kinds than market and school: health and a region's own kind.

The synthetic sample (size 0.3) with its health facilities (``health.csv``)
and a fourth kind a region could name, ``bank`` (an agency in each town and
in the largest village, one named like markup). Both maps must carry a
facility layer, community layers, popups and legend rows for every kind; the
investments map is fed the hand-made ranking of :mod:`test_maps` over all
four kinds.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
from browser import open_page
from test_maps import (
    ARTIFACTS,
    HandRanking,
    _assert_clean,
    _expected_cells,
    _fills,
    _hand_ranking,
    _layer_names,
    _minute_colours,
    _payload,
    _points,
    _summary_rows,
    _upgrade_works,
)

from connectivity import maps
from connectivity.access import community_access
from connectivity.errors import DataError
from connectivity.network import RoadNetwork, build_network
from connectivity.sample import generate_sample_region
from connectivity.sources.osm import graph_from_osm_file, waterways_from_osm_file
from connectivity.works import apply_works

KINDS = ("market", "school", "health", "bank")
SEASONS = ("dry", "rain", "wet")
VARIANTS = tuple(f"{k}_{s}" for k in KINDS for s in SEASONS)
BANK_MARKUP = '<b onmouseover="alert(3)">Agencia</b>'


@dataclass
class RegionN:
    network: RoadNetwork
    access: gpd.GeoDataFrame
    waterways: gpd.GeoDataFrame
    ranking: HandRanking
    after_network: RoadNetwork


@pytest.fixture(scope="module")
def region_n(tmp_path_factory: pytest.TempPathFactory) -> RegionN:
    files = generate_sample_region(tmp_path_factory.mktemp("sample_n"), seed=7, size=0.3)
    comm = _points(files.communities_csv)
    towns = pd.concat(
        [
            comm[comm["category"] == "town"],
            comm[comm["category"] == "village"].nlargest(1, "population"),
        ]
    )
    banks = gpd.GeoDataFrame(
        {
            "facility_id": [f"BNK{i:03d}" for i in range(1, len(towns) + 1)],
            "name": ["Agencia " + str(n) for n in towns["name"]],
        },
        geometry=towns.geometry.to_numpy(),
        crs=towns.crs,
    )
    banks.loc[0, "name"] = BANK_MARKUP
    facilities = {
        "market": _points(files.markets_csv),
        "school": _points(files.schools_csv),
        "health": _points(files.health_csv),
        "bank": banks,
    }
    net = build_network(
        graph_from_osm_file(files.roads_osm),
        communities=comm,
        facilities=facilities,
        dem_path=files.elevation_tif,
    )
    access = community_access(net)
    ws = _upgrade_works(net, 8)
    ranking = _hand_ranking(net, access, ws, variants=VARIANTS)
    after_net = apply_works(net, ws, ranking.portfolio["work_id"].tolist())
    return RegionN(net, access, waterways_from_osm_file(files.roads_osm), ranking, after_net)


@pytest.mark.parametrize("lang", ["es", "en"])
def test_payload_has_a_layer_and_words_per_kind(region_n: RegionN, lang: str) -> None:
    net, access = region_n.network, region_n.access
    assert net.kinds == KINDS
    payload = _payload(maps.access_map(net, access, lang=lang, routes=False))  # type: ignore[arg-type]
    kinds = payload["kinds"]
    assert [k["kind"] for k in kinds] == list(KINDS)
    assert [k["group"] for k in kinds] == [
        "markets",
        "schools",
        "health_facilities",
        "bank_facilities",
    ]
    # one facility layer per kind, every facility in it, and nothing else
    assert set(payload["facilities"]) == set(KINDS)
    for kind in KINDS:
        rows = payload["facilities"][kind]
        assert [r[3] for r in rows] == net.facilities[kind]["facility_id"].tolist()
    expected = {
        "es": (["Mercado", "Colegio", "Salud", "Bank"], ["M", "E", "+", "B"]),
        "en": (["Market", "School", "Health", "Bank"], ["M", "S", "+", "B"]),
    }[lang]
    assert [k["name"] for k in kinds] == expected[0]  # a region's own kind: its name, untranslated
    assert [k["letter"] for k in kinds] == expected[1]
    assert kinds[2]["layer"] == {"es": "Establecimientos de salud", "en": "Health facilities"}[lang]
    assert len({k["fill"] for k in kinds}) == len(KINDS)
    assert (
        payload["title"]
        == {
            "es": "Acceso a mercados, colegios, establecimientos de salud y bank",
            "en": "Access to markets, schools, health facilities and bank",
        }[lang]
    )
    # minutes, nearest facility and region averages for every kind
    assert payload["variants"] == list(VARIANTS)
    comm = payload["comm"]
    assert set(comm["m"]) == set(VARIANTS) and set(payload["summary"]["before"]) == set(VARIANTS)
    assert set(comm["cutPiece"]) == set(KINDS)
    health = net.facilities["health"].set_index("facility_id")["name"]
    nearest = access["health_dry_id"]
    reached = np.flatnonzero(nearest.notna().to_numpy())
    assert len(reached) > 0.9 * len(access)
    for i in reached[:20]:
        assert payload["names"][comm["dest"]["health_dry"][i]] == health[nearest.iloc[i]]
    pop = access["population"]
    stats = _expected_cells(access["health_wet_min"], pop)
    mean = payload["summary"]["before"]["health_wet"][0]
    assert f"{int(mean + 0.5)}" == stats[0]


def test_investments_payload_covers_every_kind(region_n: RegionN) -> None:
    payload = _payload(
        maps.investments_map(
            region_n.network, region_n.access, region_n.ranking, routes=False, top_n=5
        )
    )
    variants = payload["variants"]
    assert variants == list(VARIANTS)
    works = payload["works"]  # columns: a list per field, a row per work
    ranking = region_n.ranking.ranking.loc[works["id"]]
    for v in VARIANTS:  # person-minutes per variant, in the order of the variants
        got = [p[variants.index(v)] for p in works["pmin"]]
        assert got == [round(x) for x in ranking[f"{v}_person_min_saved"]], v
    rows = [variants[r[1]] for gains in works["gains"] for r in gains]
    assert {v.rsplit("_", 1)[0] for v in rows} >= {"market", "school", "health"}
    assert {v.rsplit("_", 1)[1] for v in rows} == set(SEASONS)
    after = region_n.ranking.communities_after.set_index("community_id")
    ids = region_n.access["community_id"]
    got = [np.inf if m is None else m for m in payload["comm"]["after"]["health_wet"]]
    want = after.loc[ids, "health_wet_min_after"].to_numpy(dtype=float)
    np.testing.assert_allclose(got, want, atol=0.05)  # minutes to 0.1, None for no route
    assert np.isinf(want).any() and np.isfinite(want).any()


def test_facility_layers_add_little_to_the_map(region_n: RegionN) -> None:
    net = region_n.network
    two = replace(net, facilities={k: net.facilities[k] for k in ("market", "school")})
    size = {}
    for name, network in (("two", two), ("four", net)):
        m = maps.access_map(network, region_n.access, waterways=region_n.waterways)
        size[name] = len(m.get_root().render().encode("utf-8"))
    # two more kinds: 18 health facilities, 3 banks, and two minutes and a name per community
    assert size["four"] < 1.06 * size["two"], size


def test_access_without_a_kind_of_the_network_is_named(region_n: RegionN) -> None:
    with pytest.raises(DataError, match="health_wet_min"):
        maps.access_map(region_n.network, region_n.access.drop(columns="health_wet_min"))


@pytest.fixture(scope="module")
def written_n(region_n: RegionN, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    paths = maps.write_maps(
        region_n.network,
        region_n.access,
        out_dir=tmp_path_factory.mktemp("maps_n"),
        ranking=region_n.ranking,
        after_network=region_n.after_network,
        waterways=region_n.waterways,
        top_n=5,
        synthetic=True,
        lang="es",
    )
    return {p.name: p for p in paths}


def _open_popup(page: object, layer: str, i: int = 0) -> str:
    """Open the popup of the i-th marker of a layer group and return its text."""
    return page.evaluate(  # type: ignore[attr-defined, no-any-return]
        """([g, i]) => { const m = window.cxState.groups[g].getLayers()[i];
             m.openPopup(); return m.getPopup().getElement().innerText; }""",
        [layer, i],
    )


def test_access_map_with_four_kinds_in_chromium(
    region_n: RegionN, written_n: dict[str, Path]
) -> None:
    net, access = region_n.network, region_n.access
    html = written_n["access.html"].read_text(encoding="utf-8")
    assert BANK_MARKUP not in html
    with open_page(written_n["access.html"]) as (page, log):
        names = _layer_names(page)
        facility_layers = ["Mercados", "Colegios", "Establecimientos de salud", "Bank"]
        assert names["overlays"] == [
            "Vías por tipo de superficie",
            "Ríos y quebradas",
            "Comunidades",
            *facility_layers,
        ]
        # the communities' box offers every kind
        options = page.locator(".cx-view select option").all_inner_texts()
        assert options == ["Mercado", "Colegio", "Salud", "Bank"]
        # every facility layer shown at first on the access map
        assert names["checked"][-4:] == facility_layers
        counts = page.evaluate(
            """() => Object.fromEntries(Object.entries(window.cxState.groups).map(
                 ([k, g]) => [k, g.getLayers().length]))"""
        )
        for kind in KINDS:
            layer = {"market": "markets", "school": "schools"}.get(kind, f"{kind}_facilities")
            assert counts[layer] == len(net.facilities[kind]), kind
        legend = page.inner_text(".cx-legend")
        places = legend[legend.index("Lugares") :]
        assert [w for w in ("Mercado", "Colegio", "Salud", "Bank") if w in places] == [
            "Mercado",
            "Colegio",
            "Salud",
            "Bank",
        ]
        assert page.locator(".cx-legend .cx-icon-health").inner_text() == "+"
        # every section of the legend lies inside its box: scrolling down reaches the places
        assert page.evaluate(
            """() => { const box = document.querySelector('.cx-legend').getBoundingClientRect();
                 return Array.from(document.querySelectorAll('.cx-legend section')).every(s => {
                   const r = s.getBoundingClientRect();
                   return r.left >= box.left && r.right <= box.right; }); }"""
        )
        table = _summary_rows(page)
        pop = access["population"]
        for kind, label in (("health", "Salud"), ("bank", "Bank")):
            for col, season in enumerate(SEASONS):
                mean, share, _ = _expected_cells(access[f"{kind}_{season}_min"], pop)
                assert table[f"{label}: quienes tienen ruta"][col] == f"{mean} min"
                assert table[f"{label} / sin ruta (aislados)"][col] == share
        page.screenshot(path=str(ARTIFACTS / "access_map_kinds.png"))
        page.locator(".cx-legend .cx-icon-health").scroll_into_view_if_needed()
        page.locator(".cx-legend").screenshot(path=str(ARTIFACTS / "access_map_kinds_legend.png"))

        # the box: minutes to a health facility with rivers in flood
        box = page.locator(".cx-view")
        box.locator("select").select_option(label="Salud")
        box.get_by_text("crecida", exact=True).click()
        page.wait_for_timeout(100)
        assert page.evaluate("window.cxState.view")["kind"] == "health"
        assert _fills(page, access["community_id"]) == _minute_colours(access["health_wet_min"])
        assert "Minutos a establecimiento de salud, crecida" in page.inner_text(".cx-legend")
        n = page.evaluate("window.cxState.groups.communities.getLayers().length")
        assert n == len(access)
        # a community's popup: minutes and nearest facility of every kind
        row = access[access["health_dry_id"].notna() & access["bank_dry_id"].notna()].iloc[0]
        text = page.evaluate(
            """(cid) => { const c = window.cxState.communities[cid].at(-1);
                 c.openPopup(); return c.getPopup().getElement().innerText; }""",
            row["community_id"],
        )
        health = net.facilities["health"].set_index("facility_id")["name"]
        assert "Salud" in text and "Bank" in text
        assert f"Establecimiento de salud más cercano\t{health[row['health_dry_id']]}" in text
        assert "Destino más cercano (bank)" in text
        minutes = [str(round(row[f"health_{s}_min"])) for s in SEASONS]
        assert re.search(rf"Salud\t{minutes[0]}\t{minutes[1]}\t{minutes[2]}", text), text
        page.wait_for_timeout(300)
        page.screenshot(path=str(ARTIFACTS / "access_map_kinds_health_flood.png"))
        # a facility's popup names its kind; a name like markup shows as text
        first = net.facilities["health"].iloc[0]
        text = _open_popup(page, "health_facilities")
        assert text.startswith(f"{first['name']}\nSalud · {first.facility_id}"), text
        assert BANK_MARKUP in _open_popup(page, "bank_facilities")
        assert page.locator(".leaflet-popup-content b").count() == 0
        _assert_clean(log)


def test_investments_map_with_four_kinds_in_chromium(
    region_n: RegionN, written_n: dict[str, Path]
) -> None:
    with open_page(written_n["investments.html"]) as (page, log):
        names = _layer_names(page)
        overlays = names["overlays"]
        assert len(overlays) == 6 + len(KINDS)
        assert overlays[-5:] == [
            "Comunidades",
            "Mercados",
            "Colegios",
            "Establecimientos de salud",
            "Bank",
        ]
        # where works are the subject: markets and health facilities shown, the others a click away
        assert [c for c in names["checked"] if c in overlays[-4:]] == [
            "Mercados",
            "Establecimientos de salud",
        ]
        legend = page.inner_text(".cx-legend")
        assert "Salud: quienes tienen ruta" in legend and "Bank: quienes tienen ruta" in legend
        page.screenshot(path=str(ARTIFACTS / "investments_map_kinds.png"))

        # a work whose gains include health: its popup's tables name every kind
        gains = region_n.ranking.gains
        health_gain = gains["health_wet_min_after"] < gains["health_wet_min_before"]
        rank = region_n.ranking.ranking["rank"]
        wid = str(rank[gains.loc[health_gain, "work_id"].unique()].idxmin())
        page.get_by_text("Otras obras candidatas").click()
        page.wait_for_timeout(100)
        text = page.evaluate(
            """(id) => { const w = window.cxState.works[id];
                 w.openPopup(); return w.getPopup().getElement().innerText; }""",
            wid,
        )
        grid = text[text.index("Persona-minutos ahorrados") :]
        assert [k for k in ("Mercado", "Colegio", "Salud", "Bank") if f"\n{k}\t" in grid] == [
            "Mercado",
            "Colegio",
            "Salud",
            "Bank",
        ]
        assert "Salud, crecida" in text  # the gains table: a row per community and kind
        page.wait_for_timeout(300)
        page.screenshot(path=str(ARTIFACTS / "investments_map_kinds_popup.png"))
        _assert_clean(log)
