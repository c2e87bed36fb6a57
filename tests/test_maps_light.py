"""Maps over their byte budget: roads, rivers and routes lightened, communities kept whole.

A region far larger than a province (a department, the whole country) cannot
draw every road at 4 m and every community's route in a page that opens
quickly. ``connectivity.maps.lighten`` simplifies the roads and rivers, then
leaves out the lowest road classes, then the routes to market, and the
legend says so. The size-16 and national inputs are measured in bench, not
here: these tests force small budgets on the small test region.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pytest
import shapely
from browser import open_page
from test_maps import ARTIFACTS, Region, _assert_clean, build_region

from connectivity import maps
from connectivity.maps.encoding import _json, _Segments
from connectivity.maps.lighten import HIDE_STEPS, LINE_STEP, ROAD_SIMPLIFY_M, ROUTE_KEYS
from connectivity.maps.style import ROAD_STYLE


@pytest.fixture(scope="module")
def region(tmp_path_factory: pytest.TempPathFactory) -> Region:
    return build_region(tmp_path_factory)


def _render(region: Region, max_bytes: int | None, lang: str = "es") -> tuple[str, dict[str, Any]]:
    m = maps.access_map(
        region.network,
        region.access,
        waterways=region.waterways,
        lang=lang,  # type: ignore[arg-type]
        max_bytes=max_bytes,
    )
    html = m.get_root().render()
    found = re.search(r"draw\(map_\w+, \{[^}]*\}, (\{.*\})\);", html)
    assert found is not None
    return html, json.loads(found.group(1))


def _absolute(line: list[int], step: int) -> np.ndarray:
    """Degrees (lat, lon) of a delta-encoded line."""
    return np.cumsum(np.asarray(line, dtype=float).reshape(-1, 2), axis=0) * 1e-5 * step


def _coords(payload: dict[str, Any]) -> list[list[int]]:
    """Every segment's line (empty when the page keeps none), whichever way the page holds them."""
    seg = payload["seg"]
    if "at" not in seg:
        return list(seg["c"])
    out: dict[int, list[int]] = {}
    at = 0
    for gap, line in zip(seg["at"], seg["c"], strict=True):
        at += gap
        out[at] = line
    return [out.get(i, []) for i in range(max(out, default=-1) + 1)]


def _drawn(payload: dict[str, Any]) -> set[int]:
    return {s for r in payload["roads"] for s in r[2]}


@pytest.fixture(scope="module")
def whole(region: Region) -> tuple[str, dict[str, Any]]:
    return _render(region, None)


@pytest.fixture(scope="module")
def budgets(
    region: Region, whole: tuple[str, dict[str, Any]]
) -> list[tuple[int, str, dict[str, Any]]]:
    """Pages of budgets from "nothing fits" to "all but a byte", with their payloads."""
    low = len(_render(region, 1)[0].encode())
    high = len(whole[0].encode())
    return [(b, *_render(region, b)) for b in np.linspace(low, high - 1, 6).astype(int).tolist()]


def test_a_map_that_fits_is_the_whole_map(
    region: Region, whole: tuple[str, dict[str, Any]]
) -> None:
    html, payload = whole
    assert _render(region, maps.MAX_MAP_BYTES)[0] == html  # the default budget: the same page
    assert "roadNotes" not in payload and "lineStep" not in payload
    assert "at" not in payload["seg"] and all(payload["seg"]["c"])  # every segment, whole


@pytest.mark.parametrize("lang", ["es", "en"])
def test_nothing_fits_keeps_every_community_and_says_what_is_left_out(
    region: Region, whole: tuple[str, dict[str, Any]], lang: str
) -> None:
    _, every = _render(region, None, lang)
    html, payload = _render(region, 1, lang)
    # every community with everything its popup shows, only the routes left out
    assert payload["comm"] == {k: v for k, v in every["comm"].items() if k not in ROUTE_KEYS}
    assert payload["facilities"] == every["facilities"] and payload["summary"] == every["summary"]
    assert payload["roads"] == [] and payload["rivers"] == [] and every["rivers"]
    assert payload["seg"] == {"at": [], "c": []}  # no segment drawn, no route: no coordinates
    assert payload["lineStep"] == LINE_STEP
    notes = payload["roadNotes"]
    expected = {
        "es": ("Mapa aligerado", "No se dibujan", "Las rutas al mercado", "Los ríos no caben"),
        "en": ("Lightened map", "Not drawn", "The routes to market", "The rivers do not fit"),
    }[lang]
    assert len(notes) == 4 and all(n.startswith(e) for n, e in zip(notes, expected, strict=True))
    assert "±15 m" in notes[0]
    drawn_word = {"es": "(no se dibuja)", "en": "(not drawn)"}[lang]
    assert all(item[0].endswith(drawn_word) for item in payload["roadLegend"])
    assert all(_json(note)[1:-1] in html for note in notes)  # as the page's script reads them


def test_budgets_between_lighten_step_by_step_and_fit(
    region: Region,
    whole: tuple[str, dict[str, Any]],
    budgets: list[tuple[int, str, dict[str, Any]]],
) -> None:
    _, every = whole
    segs = _Segments.from_edges(region.network.edges)
    seen = set()
    for budget, html, payload in budgets:
        assert len(html.encode()) <= budget or not payload["seg"]["c"]
        notes = payload["roadNotes"]
        routes = "route" in payload["comm"]
        drawn = _drawn(payload)
        hidden = {
            c
            for c, item in zip(ROAD_STYLE, payload["roadLegend"], strict=True)
            if "no se dibuja" in item[0]
        }
        # the steps are taken in their order: classes lowest first, routes after sin_afirmar
        rivers = bool(payload["rivers"])
        left_out = {"routes": not routes, "rivers": not rivers}
        taken = [s for s in HIDE_STEPS if s in hidden or left_out.get(s, False)]
        assert taken == list(HIDE_STEPS[: len(taken)])
        seen.add(len(taken))
        assert len(notes) == 1 + bool(hidden) + (not routes) + (not rivers)
        # no segment of a hidden class is drawn; the others are, as in the whole map
        for s in drawn:
            assert segs.road_class[s] not in hidden
        assert drawn == {s for s in _drawn(every) if segs.road_class[s] not in hidden}
        # coordinates are kept exactly for the segments drawn or on a route
        on_route = {s for r in payload["comm"].get("route", []) if r for s in r}
        lines = _coords(payload)
        kept = {i for i, c in enumerate(lines) if c}
        assert on_route <= kept and drawn <= kept
        assert kept <= drawn | on_route
        # each kept segment: its ends where they were (within the rounding), fewer points
        for i in kept:
            light, full = lines[i], every["seg"]["c"][i]
            assert len(light) <= len(full)
            a, b = _absolute(light, LINE_STEP), _absolute(full, 1)
            assert np.abs(a[[0, -1]] - b[[0, -1]]).max() <= (LINE_STEP * 0.5 + 0.5) * 1e-5 + 1e-12
        if routes:
            assert payload["comm"] == every["comm"]
    assert 0 in seen and max(seen) >= 2  # the budgets take no step, and some


def test_simplified_roads_stay_within_the_tolerance(region: Region) -> None:
    """Every point of a lightened segment lies within 15 m and the rounding of the road."""
    _, payload = _render(region, len(_render(region, None)[0].encode()) - 1)
    assert payload["roadNotes"] and "lineStep" in payload
    segs = _Segments.from_edges(region.network.edges)
    assert segs.geoms is not None
    lines = gpd.GeoSeries(segs.geoms, crs=segs.crs)
    crs = lines.estimate_utm_crs()
    metric = lines.to_crs(crs).to_numpy()
    for i, c in enumerate(_coords(payload)[:400]):
        if not c:
            continue
        lat_lon = _absolute(c, LINE_STEP)
        pts = gpd.GeoSeries(shapely.points(lat_lon[:, 1], lat_lon[:, 0]), crs="EPSG:4326")
        d = shapely.distance(pts.to_crs(crs).to_numpy(), metric[i])
        assert d.max() <= ROAD_SIMPLIFY_M + 5.0, i  # ~0.4 m of rounding per degree step


def test_the_lightened_access_map_in_chromium(
    region: Region, budgets: list[tuple[int, str, dict[str, Any]]], tmp_path: Path
) -> None:
    """Classes left out, routes kept: no script error, the legend says so, a route draws."""
    # the smallest budget that keeps the routes: every class before them left out
    lo, hi = budgets[0][0], budgets[-1][0]
    while hi - lo > 3_000:
        mid = (lo + hi) // 2
        lo, hi = (lo, mid) if "route" in _render(region, mid)[1]["comm"] else (mid, hi)
    html, payload = _render(region, hi)
    assert len(payload["roadNotes"]) == 2 and any(payload["comm"]["route"])
    path = tmp_path / "access.html"
    path.write_text(html, encoding="utf-8")
    with open_page(path) as (page, log):
        legend = page.inner_text(".cx-legend")
        assert "Mapa aligerado: vías y ríos simplificados (±15 m)" in legend
        assert "No se dibujan, para que el mapa abra rápido" in legend
        assert "(no se dibuja)" in legend
        i = next(j for j, r in enumerate(payload["comm"]["route"]) if r)
        cid = payload["comm"]["id"][i]
        text = page.evaluate(
            """(cid) => { const c = window.cxState.communities[cid][0];
                 c.fire("click"); c.openPopup(); return c.getPopup().getElement().innerText; }""",
            cid,
        )
        assert "Minutos al destino más cercano" in text
        n = page.evaluate("() => window.cxState.routeLayer.getLayers().length")
        assert n >= 2  # the route drawn whole, on its halo
        page.screenshot(path=str(ARTIFACTS / "access_map_lightened.png"))
        _assert_clean(log)


def test_investments_map_lightens_its_roads_when_they_crowd_out_the_works(
    region: Region,
) -> None:
    def render(max_bytes: int | None) -> dict[str, Any]:
        m = maps.investments_map(
            region.network,
            region.access,
            region.ranking,
            after_network=region.after_network,
            waterways=region.waterways,
            top_n=1,
            max_bytes=max_bytes,
        )
        found = re.search(r"draw\(map_\w+, \{[^}]*\}, (\{.*\})\);", m.get_root().render())
        assert found is not None
        payload: dict[str, Any] = json.loads(found.group(1))
        return payload

    every, light = render(None), render(1)
    assert "roadNotes" not in every and light["roadNotes"]
    assert light["comm"] == every["comm"]  # the routes too: they show what the works gain
    assert light["roads"] == [] and light["rivers"] == [] and len(light["roadNotes"]) == 3
    # the works' routes keep the coordinates of their segments
    lines = _coords(light)
    for r in light["works"]["route"]:
        for s in [x for part in (r[3], r[4]) if part for x in part] if r else []:
            assert lines[s], s
    assert light["works"]["id"] == [
        w for w in every["works"]["id"] if w in set(light["works"]["id"])
    ]
