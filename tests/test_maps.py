"""Maps: the HTML opened in headless Chromium, the PNG, escaping, size, determinism.

The maps are built from the synthetic sample region (size 0.3). Until
connectivity.ranking lands, the investments map is fed a ranking built here
by hand from a WorkSet: each work evaluated alone by a full recomputation of
community access, ranked by person-minutes saved per sol, and a greedy
portfolio within a budget.
"""

from __future__ import annotations

import importlib.resources
import json
import re
import struct
import tomllib
from dataclasses import dataclass
from fnmatch import fnmatch
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely
from browser import click_latlng, open_page

from connectivity import maps
from connectivity.access import _pct, community_access, travel_time_stats
from connectivity.errors import DataError
from connectivity.maps.encoding import _encode_lines, _Segments
from connectivity.network import RoadNetwork, build_network
from connectivity.sample import generate_sample_region
from connectivity.sources.osm import graph_from_osm_file, waterways_from_osm_file
from connectivity.works import WorkSet, apply_works

ARTIFACTS = Path(__file__).resolve().parents[1] / "test-artifacts"
XSS = "<script>alert(1)</script>"
XSS_IMG = '<img src=x onerror="alert(2)">'
SEASONS = ("dry", "rain", "wet")
VARIANTS = tuple(f"{k}_{s}" for k in ("market", "school") for s in SEASONS)
SOURCE = "synthetic sample region (invented data, not a real place; seed 7, size 0.3)"


@dataclass
class HandRanking:
    """Shaped like connectivity.ranking.RankingResult (as planned)."""

    ranking: gpd.GeoDataFrame
    portfolio: pd.DataFrame
    gains: pd.DataFrame
    communities_after: pd.DataFrame


@dataclass
class Region:
    network: RoadNetwork
    access: gpd.GeoDataFrame
    waterways: gpd.GeoDataFrame
    works: WorkSet
    ranking: HandRanking
    after_network: RoadNetwork


def _points(path: Path) -> gpd.GeoDataFrame:
    df = pd.read_csv(path)
    return gpd.GeoDataFrame(df, geometry=gpd.points_from_xy(df.lon, df.lat), crs=4326)


def _upgrade_works(net: RoadNetwork, n: int) -> WorkSet:
    """Upgrade the n longest trocha / earth roads (by name) to gravel, plus one bridge."""
    e = net.edges
    rough = e[e["road_class"].isin(["trocha", "sin_afirmar"]) & e["name"].notna()]
    by_name = rough.groupby(rough["name"].astype(str))["length_m"].sum().sort_values()[::-1]
    works, changes = [], []
    for i, road in enumerate(by_name.index[:n]):
        part = rough[rough["name"].astype(str) == road]
        gravel_s = part["length_m"].to_numpy() / (40 / 3.6)
        wid = f"W{i:02d}"
        name = f"Afirmado de {road}"
        for (u, v, k), row, t in zip(part.index, part.itertuples(), gravel_s, strict=True):
            changes.append(
                {
                    "work_id": wid,
                    "action": "replace",
                    "u": u,
                    "v": v,
                    "key": k,
                    "travel_time_s": min(row.travel_time_s, t),
                    "travel_time_wet_s": min(row.travel_time_wet_s, t / 0.75),
                    "walk_time_s": row.walk_time_s,
                    "walk_time_wet_s": row.walk_time_wet_s,
                    "travel_time_rain_s": min(row.travel_time_rain_s, t / 0.75),
                    "walk_time_rain_s": row.walk_time_rain_s,
                    "length_m": row.length_m,
                    "road_class": "afirmado",
                    "geometry": None,
                }
            )
        length = float(part["length_m"].sum()) / 2  # both directions
        works.append(
            {
                "work_id": wid,
                "work_type": "upgrade",
                "origin": "generated",
                "name": name,
                "description": f"{road}: trocha → afirmado",
                "length_m": length,
                "span_m": 0.0,
                "cost": length * 400.0,
                "cofinancing_share": 0.0,
                "cost_net": length * 400.0,
                "geometry": shapely.line_merge(shapely.union_all(part.geometry.to_numpy())),
            }
        )
    fords = e[e["travel_time_wet_s"].eq(np.inf) & e["travel_time_s"].lt(np.inf)]
    fords = fords[~fords["road_class"].isin(["connector"])].sort_values("length_m")
    if len(fords):
        (u, v, k), row = next(iter(fords.iterrows()))
        reverse = (e.index.get_level_values(0) == v) & (e.index.get_level_values(1) == u)
        twins = [(u, v, k), *e.index[reverse][:1]]
        for key in twins:
            r = e.loc[key]
            changes.append(
                {
                    "work_id": "B00",
                    "action": "replace",
                    "u": key[0],
                    "v": key[1],
                    "key": key[2],
                    "travel_time_s": r["travel_time_s"],
                    "travel_time_wet_s": r["travel_time_s"] * 1.5,
                    "walk_time_s": r["walk_time_s"],
                    "walk_time_wet_s": r["walk_time_s"] * 1.3,
                    "travel_time_rain_s": min(r["travel_time_rain_s"], r["travel_time_s"] * 1.5),
                    "walk_time_rain_s": min(r["walk_time_rain_s"], r["walk_time_s"] * 1.3),
                    "length_m": r["length_m"],
                    "road_class": r["road_class"],
                    "geometry": None,
                }
            )
        works.append(
            {
                "work_id": "B00",
                "work_type": "bridge",
                "origin": "generated",
                "name": f"Puente en {row['name'] or 'vado'}",
                "description": "ford → bridge",
                "length_m": 0.0,
                "span_m": 20.0,
                "cost": 20 * 30_000.0,
                "cofinancing_share": 0.5,
                "cost_net": 20 * 15_000.0,
                "geometry": row.geometry.interpolate(0.5, normalized=True),
            }
        )
    wdf = gpd.GeoDataFrame(works, geometry="geometry", crs=net.crs).set_index("work_id")
    ws = WorkSet(works=wdf, changes=pd.DataFrame(changes))
    ws.validate(net)
    return ws


def _hand_ranking(
    net: RoadNetwork,
    access: gpd.GeoDataFrame,
    ws: WorkSet,
    variants: tuple[str, ...] = VARIANTS,
) -> HandRanking:
    base = access.set_index("community_id")
    pop = base["population"]
    rows, gains = [], []
    for wid in ws.ids:
        after = community_access(apply_works(net, ws, [wid])).set_index("community_id")
        person_min = {}
        gaining = pd.Series(False, index=base.index)
        for var in variants:
            b, a = base[f"{var}_min"], after[f"{var}_min"]
            better = a < b
            saved = (b - a).where(np.isfinite(b), 0.0)[better]
            person_min[f"{var}_person_min_saved"] = float((saved * pop[better]).sum())
            gaining |= better
        # one row per (work, community that gains), like connectivity.ranking.work_gains
        for cid in gaining[gaining].index:
            gains.append(
                {
                    "work_id": wid,
                    "community_id": cid,
                    "name": base.loc[cid, "name"],
                    "population": pop[cid],
                    **{f"{v}_min_before": base.loc[cid, f"{v}_min"] for v in variants},
                    **{f"{v}_min_after": after.loc[cid, f"{v}_min"] for v in variants},
                }
            )
        w = ws.works.loc[wid]
        rows.append(
            {
                "work_id": wid,
                **{c: w[c] for c in ws.works.columns},
                "currency": "PEN",
                "price_year": 2024,
                "people_benefited": float(pop[gaining].sum()),
                "communities_gaining": int(gaining.sum()),
                **person_min,
                "score": sum(person_min.values()) / w["cost_net"],
            }
        )
    table = pd.DataFrame(rows).sort_values("score", ascending=False, kind="stable")
    table["rank"] = np.arange(1, len(table) + 1)
    # the best line work is named like a script (the test opens its popup)
    first_line = table.index[[g.geom_type != "Point" for g in table["geometry"]]][0]
    table.loc[first_line, "name"] = XSS
    ranking = gpd.GeoDataFrame(table.set_index("work_id"), geometry="geometry", crs=net.crs)
    budget = 0.4 * ranking["cost_net"].sum()
    chosen, spent = [], 0.0
    for wid, cost in ranking["cost_net"].items():
        if spent + cost <= budget:
            chosen.append(wid)
            spent += cost
    portfolio = pd.DataFrame(
        {
            "order": np.arange(1, len(chosen) + 1),
            "work_id": chosen,
            "cost": ranking.loc[chosen, "cost_net"].to_numpy(),
        }
    )
    portfolio["cumulative_cost"] = portfolio["cost"].cumsum()
    after = community_access(apply_works(net, ws, chosen)).set_index("community_id")
    comm_after = pd.DataFrame({"community_id": base.index})
    for var in variants:
        comm_after[f"{var}_min_before"] = base[f"{var}_min"].to_numpy()
        comm_after[f"{var}_min_after"] = after.loc[base.index, f"{var}_min"].to_numpy()
    return HandRanking(ranking, portfolio, pd.DataFrame(gains), comm_after)


@pytest.fixture(scope="module")
def region(tmp_path_factory: pytest.TempPathFactory) -> Region:
    return build_region(tmp_path_factory)


def build_region(tmp_path_factory: pytest.TempPathFactory) -> Region:
    """The small sample region (size 0.3), ranked by hand, with names like scripts."""
    files = generate_sample_region(tmp_path_factory.mktemp("sample"), seed=7, size=0.3)
    comm = _points(files.communities_csv)
    hamlets = comm.index[comm["category"] == "hamlet"]
    comm.loc[hamlets[0], "name"] = XSS
    comm.loc[hamlets[1], "name"] = XSS_IMG
    net = build_network(
        graph_from_osm_file(files.roads_osm),
        communities=comm,
        markets=_points(files.markets_csv),
        schools=_points(files.schools_csv),
        dem_path=files.elevation_tif,
    )
    access = community_access(net)
    ws = _upgrade_works(net, 8)
    ranking = _hand_ranking(net, access, ws)
    after_net = apply_works(net, ws, ranking.portfolio["work_id"].tolist())
    waterways = waterways_from_osm_file(files.roads_osm)
    return Region(net, access, waterways, ws, ranking, after_net)


@pytest.fixture(scope="module")
def written(region: Region, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    out = tmp_path_factory.mktemp("maps")
    paths = maps.write_maps(
        region.network,
        region.access,
        out_dir=out,
        ranking=region.ranking,
        after_network=region.after_network,
        waterways=region.waterways,
        top_n=5,
        data_source=SOURCE,
        attribution=["Synthetic sample region generated by connectivity (seeded; not real data)"],
        synthetic=True,
        lang="es",
    )
    return {p.name: p for p in paths}


def _assert_clean(log: object) -> None:
    assert log.console_errors == [], log.console_errors  # type: ignore[attr-defined]
    assert log.page_errors == [], log.page_errors  # type: ignore[attr-defined]
    assert log.dialogs == [], f"a script from the data ran: {log.dialogs}"  # type: ignore[attr-defined]
    assert log.external_requests == [], log.external_requests  # type: ignore[attr-defined]


def _layer_names(page: object) -> dict[str, list[str]]:
    return page.evaluate(  # type: ignore[attr-defined, no-any-return]
        """() => ({
          base: Array.from(document.querySelectorAll(
            '.leaflet-control-layers-base label > span > span')).map(e => e.textContent.trim()),
          overlays: Array.from(document.querySelectorAll(
            '.leaflet-control-layers-overlays label > span > span')).map(e => e.textContent.trim()),
          checked: Array.from(document.querySelectorAll(
            '.leaflet-control-layers-overlays label')).filter(
              l => l.querySelector('input').checked).map(l => l.textContent.trim()),
        })"""
    )


def _summary_rows(page: object) -> dict[str, list[str]]:
    """The legend's table of region averages: row label -> [dry, rain, wet] cells."""
    rows = page.evaluate(  # type: ignore[attr-defined]
        """() => Array.from(document.querySelectorAll('.cx-summary tr')).map(
             tr => Array.from(tr.children).map(c => c.textContent))"""
    )
    out: dict[str, list[str]] = {}
    kind = ""
    for label, *cells in rows[1:]:
        if ":" in label:
            kind = label.split(":")[0]
        out[label if ":" in label else f"{kind} / {label}"] = [
            c.replace("\u202f", " ") for c in cells
        ]
    return out


def _expected_cells(minutes: object, population: object) -> tuple[str, str, str]:
    """What the legend shows for one variant: mean of the reachable, share cut off, mean at cap.

    The share as Spanish writes it (connectivity.i18n.fmt_pct): decimal comma, a
    non-breaking space before the sign.
    """
    st = travel_time_stats(np.asarray(minutes, dtype=float), np.asarray(population, dtype=float))
    return (
        f"{int(st['mean_min_reachable'] + 0.5)}",
        _pct(st["unreachable_share"]).replace(".", ",").replace("%", "\u00a0%"),
        f"{int(st['mean_min_unreachable_at_cap'] + 0.5)}",
    )


def _fills(page: object, ids: object) -> list[str]:
    """The fill colour of each community's circle, in the order of ``ids``."""
    return page.evaluate(  # type: ignore[attr-defined, no-any-return]
        """(ids) => ids.map(id => window.cxState.communities[id][0].options.fillColor)""",
        [str(i) for i in ids],  # type: ignore[attr-defined]
    )


def _minute_colours(minutes: object) -> list[str]:
    """The colour class of each travel time, as the maps' legend gives them."""
    from connectivity.maps.style import MINUTE_BINS, MINUTE_COLORS, UNREACHABLE_COLOR

    out = []
    for m in np.asarray(minutes, dtype=float):
        if not np.isfinite(m):
            out.append(UNREACHABLE_COLOR)
            continue
        m = round(m, 1)  # the page holds minutes to 0.1
        classes = zip(MINUTE_BINS, MINUTE_COLORS[:-1], strict=True)
        out.append(next((c for b, c in classes if m <= b), MINUTE_COLORS[-1]))
    return out


def _community_latlng(region: Region, name: str) -> tuple[float, float]:
    row = region.access[region.access["name"] == name].to_crs(4326).iloc[0]
    return row.geometry.y, row.geometry.x


def test_access_map_in_chromium(region: Region, written: dict[str, Path]) -> None:
    with open_page(written["access.html"]) as (page, log):
        names = _layer_names(page)
        assert names["base"] == ["OpenStreetMap (fondo)", "Sin fondo (sin conexión)"]
        # one layer of communities; what colours them is chosen in their own box
        assert names["overlays"] == [
            "Vías por tipo de superficie",
            "Ríos y quebradas",
            "Comunidades",
            "Mercados",
            "Colegios",
        ]
        legend = page.inner_text(".cx-legend")
        for text in ("0–30 min", "120–240 min", "> 240 min", "inaccesible", "Trocha", "Mercado"):
            assert text in legend
        # the region's averages: each beside the share with no route, and said to cover
        # only the people with a route
        assert "Promedio de la región" in legend
        assert "El de quienes tienen ruta deja fuera a los que no la tienen" in legend
        table = _summary_rows(page)
        pop = region.access["population"]
        assert region.access["market_wet_min"].eq(np.inf).any()  # the rains cut some off
        for kind, label in (("market", "Mercado"), ("school", "Colegio")):
            for col, season in enumerate(SEASONS):
                mean, share, at_cap = _expected_cells(region.access[f"{kind}_{season}_min"], pop)
                assert table[f"{label}: quienes tienen ruta"][col] == f"{mean} min"
                assert table[f"{label} / sin ruta (aislados)"][col] == share
                assert table[f"{label} / todos, sin ruta = 480 min"][col] == f"{at_cap} min"
        assert page.locator(".cx-summary td.cx-cut").count() >= 1  # a share above 0 stands out
        assert "Región de muestra sintética" in page.inner_text(".cx-header")
        assert "OpenStreetMap" in page.inner_text(".leaflet-control-attribution")
        assert SOURCE in page.inner_text(".leaflet-control-attribution")
        assert page.locator(".leaflet-control-scale-line").count() == 2
        counts = page.evaluate(
            """() => Object.fromEntries(Object.entries(window.cxState.groups).map(
                 ([k, g]) => [k, g.getLayers().length]))"""
        )
        assert counts["communities"] == len(region.access)
        assert counts["roads"] > 0 and counts["rivers"] > 0
        assert counts["markets"] == len(region.network.markets)
        assert counts["schools"] == len(region.network.schools)
        page.screenshot(path=str(ARTIFACTS / "access_map.png"))

        # a click on the community named like a script opens a popup showing the text
        lat, lon = _community_latlng(region, XSS)
        click_latlng(page, lat, lon, zoom=15)
        popup = page.locator(".leaflet-popup-content")
        popup.wait_for(timeout=5000)
        assert XSS in popup.inner_text()
        assert "Mercado más cercano" in popup.inner_text()
        assert page.evaluate("window.cxState.routeLayer.getLayers().length") >= 2
        page.wait_for_timeout(400)
        page.screenshot(path=str(ARTIFACTS / "access_map_popup.png"))
        lat, lon = _community_latlng(region, XSS_IMG)
        click_latlng(page, lat, lon, zoom=16)
        page.wait_for_function(
            "document.querySelector('.leaflet-popup-content h3')?.textContent.includes('img')"
        )
        assert XSS_IMG in page.inner_text(".leaflet-popup-content")
        assert page.locator(".leaflet-popup-content img").count() == 0

        # the box recolours the communities: minutes to a school in the rains
        page.evaluate("() => { window.cxState.map.closePopup(); }")
        box = page.locator(".cx-view")
        assert "Minutos ganados" not in box.inner_text()  # no portfolio on this map
        box.locator("select").select_option("school")
        box.get_by_text("lluvias", exact=True).click()
        page.wait_for_timeout(100)
        assert page.evaluate("window.cxState.view") == {
            "mode": "min",
            "kind": "school",
            "season": "rain",
            "when": "before",
        }
        assert _fills(page, region.access["community_id"]) == _minute_colours(
            region.access["school_rain_min"]
        )
        assert "Minutos a colegio, lluvias" in page.inner_text(".cx-legend")
        page.screenshot(path=str(ARTIFACTS / "access_map_school_rain.png"))
        _assert_clean(log)
        assert log.tile_requests  # the OSM background is asked for (served blank here)


def test_investments_map_in_chromium(region: Region, written: dict[str, Path]) -> None:
    ranking = region.ranking.ranking
    with open_page(written["investments.html"]) as (page, log):
        overlays = _layer_names(page)["overlays"]
        assert overlays == [  # no axes in this hand-made ranking: no axes' layer
            "Vías por tipo de superficie",
            "Ríos y quebradas",
            "Cartera elegida (presupuesto)",
            "Obras: puestos 1–5",
            "Otras obras candidatas",
            "Comunidades",
            "Mercados",
            "Colegios",
        ]
        assert "Puestos 1–5" in page.inner_text(".cx-legend")
        # region averages before -> with the portfolio, each beside the share cut off
        legend = page.inner_text(".cx-legend")
        assert "Promedio de la región (antes → con la cartera)" in legend
        assert "puede subir: entran en él personas que antes no tenían ruta" in legend
        after = region.ranking.communities_after.set_index("community_id").loc[
            region.access["community_id"]
        ]
        pop = region.access["population"]
        wet_before = _expected_cells(region.access["market_wet_min"], pop)
        wet_after = _expected_cells(after["market_wet_min_after"], pop)
        table = _summary_rows(page)
        # before -> after, the unit in the head: three states fit side by side
        assert table["Mercado / sin ruta (aislados)"][2] == f"{wet_before[1]} → {wet_after[1]}"
        assert table["Mercado: quienes tienen ruta"][2] == f"{wet_before[0]} → {wet_after[0]}"
        n_works = page.evaluate("Object.keys(window.cxState.works).length")
        assert n_works == min(5, len(ranking))  # the others are drawn when their layer is shown
        page.get_by_text("Otras obras candidatas").click()
        page.wait_for_timeout(100)
        assert page.evaluate("Object.keys(window.cxState.works).length") == len(ranking)
        labels = page.locator(".cx-rank").all_inner_texts()
        assert sorted(labels, key=int) == [str(i) for i in range(1, min(5, len(ranking)) + 1)]
        page.screenshot(path=str(ARTIFACTS / "investments_map.png"))

        # click the top-ranked line work at a vertex far from every community
        top = ranking[ranking.geometry.geom_type != "Point"].iloc[0]
        coords = shapely.get_coordinates(top.geometry)
        comm_xy = shapely.get_coordinates(region.access.geometry.to_numpy())
        far = np.argmax(
            np.min(np.hypot(*(coords[:, None, :] - comm_xy[None, :, :]).transpose(2, 0, 1)), 1)
        )
        pt = gpd.GeoSeries([shapely.Point(coords[far])], crs=ranking.crs).to_crs(4326).iloc[0]
        click_latlng(page, pt.y, pt.x, zoom=14)
        popup = page.locator(".leaflet-popup-content")
        popup.wait_for(timeout=5000)
        text = popup.inner_text()
        assert f"#{int(top['rank'])}" in text
        assert XSS in text  # the work named like a script shows as text
        assert "Personas beneficiadas" in text and "Costo" in text
        gain_rows = page.locator(".cx-gains tr").count() - 1
        expected = region.ranking.gains.set_index("work_id").loc[[top.name]]
        n_gains = sum(
            int((expected[f"{v}_min_after"] < expected[f"{v}_min_before"]).sum()) for v in VARIANTS
        )
        assert gain_rows == min(n_gains, maps.MAX_GAIN_ROWS) > 0
        page.wait_for_timeout(400)
        page.screenshot(path=str(ARTIFACTS / "investments_map_popup.png"))

        # a community shows before -> after times; "after" matches the portfolio's table
        after = region.ranking.communities_after.set_index("community_id")
        gained = after[after["market_dry_min_after"] < after["market_dry_min_before"] - 1]
        cid = gained.index[0]
        row = region.access.set_index("community_id").loc[cid]
        page.evaluate("() => { window.cxState.map.closePopup(); }")
        popup_text = page.evaluate(
            """(cid) => { const c = window.cxState.communities[cid][0];
                 c.openPopup(); return c.getPopup().getElement().innerText; }""",
            cid,
        )
        b = round(gained.loc[cid, "market_dry_min_before"])
        a = round(gained.loc[cid, "market_dry_min_after"])
        assert "Minutos al destino más cercano (antes → con la cartera)" in popup_text
        assert re.search(rf"Mercado\t{b} → {a}\t", popup_text), (row["name"], popup_text)
        _assert_clean(log)


def test_overview_png(written: dict[str, Path]) -> None:
    png = written["investments.png"].read_bytes()
    assert png[:8] == b"\x89PNG\r\n\x1a\n"
    width, height = struct.unpack(">II", png[16:24])
    assert (width, height) == (1753, 1240)  # A4 landscape at 150 dpi
    (ARTIFACTS / "investments_overview.png").write_bytes(png)


def test_html_is_self_contained_escaped_and_deterministic(
    region: Region, written: dict[str, Path]
) -> None:
    text = written["access.html"].read_text(encoding="utf-8")
    # no script or style sheet comes from the web; only the background tiles do
    assert not re.search(r"<(script|link)[^>]+(src|href)=\"?https?:", text)
    assert "cdn.jsdelivr" not in text and "bootstrap" not in text
    # names from the data never appear as markup
    assert XSS not in text and "<img src=x" not in text
    again = maps.access_map(
        region.network,
        region.access,
        waterways=region.waterways,
        data_source=SOURCE,
        attribution=["Synthetic sample region generated by connectivity (seeded; not real data)"],
        synthetic=True,
        lang="es",
    )
    assert again.get_root().render() == text
    inv = written["investments.html"].read_text(encoding="utf-8")
    assert XSS not in inv


def test_size_scales_to_a_province_under_10_mb(written: dict[str, Path]) -> None:
    # this sample is 0.3 of a province; a province's map must stay under 10 MB
    for name in ("access.html", "investments.html"):
        assert written[name].stat().st_size < 0.3 * 10e6, name


def test_english_labels(region: Region) -> None:
    m = maps.access_map(region.network, region.access, lang="en", routes=False)
    html = m.get_root().render()
    payload = _payload(m)
    assert payload["t"]["layer_markets"] == "Markets"
    assert payload["t"]["summary_reachable"] == "{dest}: people with a route"
    assert payload["summary"]["cap"] == 480.0
    wet = payload["summary"]["before"]["market_wet"]  # [mean of reachable, share, mean at cap]
    assert wet[1] > 0 and wet[2] > wet[0]
    capped = maps.access_map(region.network, region.access, routes=False, unreachable_cap_min=60)
    small = _payload(capped)
    assert small["summary"]["cap"] == 60.0
    assert small["summary"]["before"]["market_wet"][2] < wet[2]
    assert payload["title"] == "Access to markets and schools"
    assert "route" not in payload["comm"]
    assert "Markets" in html  # the layer control's name


def test_encoded_lines_decode_to_the_rounded_coordinates() -> None:
    rng = np.random.default_rng(1)
    lines = [
        shapely.LineString(np.c_[-74 + rng.random(n) * 0.5, -13.5 + rng.random(n) * 0.5])
        for n in (2, 5, 17)
    ]
    encoded = _encode_lines(np.array(lines, dtype=object))
    for line, enc in zip(lines, encoded, strict=True):
        steps = np.cumsum(np.asarray(enc).reshape(-1, 2), axis=0) * 1e-5  # (lat, lon)
        expected = np.round(shapely.get_coordinates(line)[:, ::-1], 5)
        np.testing.assert_allclose(steps, expected, atol=1e-9)


def test_routes_use_the_edges_of_the_route(region: Region) -> None:
    segs = _Segments.from_edges(region.network.edges)
    # both directions of a two-way edge are the same segment
    (u, v, k) = next(iter(segs.lookup))
    twins = [key for key in segs.lookup if key[:2] == (v, u)]
    assert any(segs.lookup[t] == segs.lookup[(u, v, k)] for t in twins) or not twins
    n_undirected = len({frozenset(x[:2]) for x in region.network.edges.index})
    assert n_undirected <= len(segs.coords) <= len(region.network.edges)


def test_packaged_assets_are_inlined_in_the_written_maps(written: dict[str, Path]) -> None:
    # the drawing script and style sheet are package data, found through importlib.resources
    assets = importlib.resources.files("connectivity.maps") / "assets"
    names = sorted(p.name for p in assets.iterdir() if p.name.endswith((".js", ".css")))
    assert names == ["draw.js", "maps.css"]
    pages = [written[n].read_text(encoding="utf-8") for n in ("access.html", "investments.html")]
    for name in names:
        text = (assets / name).read_text(encoding="utf-8")
        assert "window.connectivityMaps" in text or ".cx-legend" in text
        tag = "script" if name.endswith(".js") else "style"
        for page in pages:
            assert f"<{tag}>\n{text}</{tag}>" in page, name
    # pyproject.toml ships them in the wheel
    pyproject = tomllib.loads((ARTIFACTS.parent / "pyproject.toml").read_text(encoding="utf-8"))
    globs = pyproject["tool"]["setuptools"]["package-data"]["connectivity.maps"]
    assert all(any(fnmatch(f"assets/{n}", g) for g in globs) for n in names)


def test_bad_inputs_are_named(region: Region) -> None:
    with pytest.raises(DataError, match="language"):
        maps.access_map(region.network, region.access, lang="fr")  # type: ignore[arg-type]
    with pytest.raises(DataError, match="market_wet_min"):
        maps.access_map(region.network, region.access.drop(columns="market_wet_min"))
    with pytest.raises(DataError, match="thresholds"):
        maps.access_map(region.network, region.access, thresholds_min=(60, 30))
    with pytest.raises(DataError, match="ranking"):
        maps.investments_map(region.network, region.access, object())


ARTIFACTS.mkdir(exist_ok=True)


def _payload(m: object) -> dict[str, Any]:
    html = m.get_root().render()  # type: ignore[attr-defined]
    found = re.search(r"draw\(map_\w+, \{[^}]*\}, (\{.*\})\);", html)
    assert found is not None
    payload: dict[str, Any] = json.loads(found.group(1))
    return payload


@pytest.mark.parametrize("lang", ["es", "en"])
def test_popups_carry_the_flags_in_the_map_language(region: Region, lang: str) -> None:
    """A work's flags and a community's estimated population or cut-off piece reach the
    popups' data, with a label for every flag code in both languages."""
    from dataclasses import replace

    from connectivity.ranking import FLAGS

    access = region.access.copy()
    access["population_source"] = "file"
    access.loc[access.index[0], "population_source"] = "place_type_minimum"
    access.loc[access.index[1], "population_source"] = "osm_tag"  # tagged: not an estimate
    access["component"] = 0
    access["market_cut_off_piece"] = False
    access["school_cut_off_piece"] = False
    access.loc[access.index[2], ["component", "market_cut_off_piece"]] = [4, True]
    table = region.ranking.ranking.copy()
    table["flags"] = ""
    first = table.index[0]
    table.loc[first, "flags"] = "estimated_population;inferred_crossing"
    ranking = replace(region.ranking, ranking=table)
    payload = _payload(
        maps.investments_map(
            region.network,
            access,
            ranking,
            lang=lang,  # type: ignore[arg-type]
            routes=False,
        )
    )
    flags = dict(zip(payload["works"]["id"], payload["works"]["flags"], strict=True))
    assert flags[first] == "estimated_population;inferred_crossing"
    assert all(f == "" for i, f in flags.items() if i != first)
    comm = payload["comm"]
    assert comm["popSrc"][:3] == ["place_type_minimum", "", ""]
    assert set(comm["popSrc"][3:]) == {""}
    assert comm["piece"][2] == 4 and comm["cutPiece"]["market"][:3] == [0, 0, 1]
    assert sum(comm["cutPiece"]["school"]) == 0
    t = payload["t"]
    for code in FLAGS:
        assert t[f"flag_{code}"], code
    expected = {
        "es": (
            "Verificar en campo",
            "cruce de río inferido (sin etiqueta de puente ni vado en OSM)",
        ),
        "en": ("Verify in the field", "inferred river crossing (OSM tags neither bridge nor ford)"),
    }[lang]
    assert (t["verify_field"], t["flag_inferred_crossing"]) == expected
    assert "{piece}" in t["no_route_piece"] and "{dest}" in t["no_route_piece"]
