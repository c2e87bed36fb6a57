"""The investments map under a byte budget: what it always draws, what it cuts, what it says.

A region with tens of thousands of candidate works cannot draw every one of
them in full in a page that opens quickly. The map keeps the programme, the
top ranks and every community whole; it draws the other candidates brief
(simplified, no description, gains or person-minutes), and then only the
best-ranked of them that fit; the legend, the layer's name and the brief
popups say so, in the map's language. The size-16 sample is measured in
bench, not here: these tests force a small budget on the small test region.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from browser import open_page
from test_maps import ARTIFACTS, Region, _assert_clean, build_region

from connectivity import maps
from connectivity.maps import investments
from connectivity.maps.works_payload import REST_SIMPLIFY_M, choose_shown

TOP_N = 1


@pytest.fixture(scope="module")
def region(tmp_path_factory: pytest.TempPathFactory) -> Region:
    return build_region(tmp_path_factory)


@pytest.fixture(scope="module", autouse=True)
def _works_alone() -> Iterator[None]:
    """The works' budget alone: the roads are never lightened here (see test_maps_light)."""
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(investments, "ROADS_SHARE", 1e12)  # never over its share
        yield


def _render(region: Region, max_bytes: int | None, lang: str = "es") -> tuple[str, dict[str, Any]]:
    m = maps.investments_map(
        region.network,
        region.access,
        region.ranking,
        after_network=region.after_network,
        top_n=TOP_N,
        lang=lang,  # type: ignore[arg-type]
        max_bytes=max_bytes,
    )
    html = m.get_root().render()
    found = re.search(r"draw\(map_\w+, \{[^}]*\}, (\{.*\})\);", html)
    assert found is not None
    return html, json.loads(found.group(1))


def _key_ids(region: Region) -> list[str]:
    """The works always drawn whole: the programme and the top ranks, in rank order."""
    table = region.ranking.ranking
    chosen = set(region.ranking.portfolio["work_id"])
    return [w for w, r in table["rank"].items() if r <= TOP_N or w in chosen]


def _rows(payload: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """One dict per work drawn, detail fields None for a brief one (as draw.js reads them)."""
    c, names = payload["works"], payload["names"]
    full = c["full"] if c["full"] is not None else list(range(len(c["id"])))
    at = {p: j for j, p in enumerate(full)}
    out = {}
    for i, wid in enumerate(c["id"]):
        j = at.get(i)
        row = {k: c[k][i] for k in ("rank", "lines", "points", "cost", "people", "flags")}
        row["name"] = names[c["name"][i]]
        for k in ("gains", "pmin", "order", "route", "at", "more"):
            row[k] = None if j is None else c[k][j]
        row["desc"] = None if j is None or c["desc"][j] < 0 else names[c["desc"][j]]
        out[wid] = row
    return out


def test_choose_shown_keeps_the_key_works_whatever_the_budget() -> None:
    full = np.array([500.0, 400, 300, 200, 100])
    brief = np.array([50.0, 40, 30, 20, 10])
    key = np.array([False, True, False, False, True])
    brief_all, shown = choose_shown(full, brief, key, None)
    assert not brief_all and shown.all()
    brief_all, shown = choose_shown(full, brief, key, 500 + 50 + 30 + 20)
    assert brief_all and shown.all()
    brief_all, shown = choose_shown(full, brief, key, 500 + 50 + 30)
    assert brief_all and shown.tolist() == [True, True, True, False, True]
    # the best ranks first: a cheap work further down does not jump the queue
    brief_all, shown = choose_shown(full, np.array([90.0, 40, 30, 20, 10]), key, 500 + 60)
    assert shown.tolist() == [False, True, False, False, True]
    brief_all, shown = choose_shown(full, brief, key, 1)  # less than the key works need
    assert brief_all and shown.tolist() == key.tolist()


def test_a_map_that_fits_draws_every_work_in_full(region: Region) -> None:
    html, payload = _render(region, None)
    n = len(region.ranking.ranking)
    assert payload["worksShown"] == {
        "total": n,
        "shown": n,
        "brief": False,
        "lastRank": None,
        "simplifyM": REST_SIMPLIFY_M,
    }
    assert payload["works"]["full"] is None
    assert all(len(payload["works"][k]) == n for k in ("desc", "gains", "route", "order"))
    # the default budget is far above this small map: the same page as with no budget
    assert _render(region, maps.MAX_MAP_BYTES)[0] == html
    assert "Otras obras candidatas" in html and not re.search(r"hasta el puesto \d", html)


@pytest.mark.parametrize("lang", ["es", "en"])
def test_a_map_over_budget_keeps_programme_top_and_communities_and_says_so(
    region: Region, lang: str
) -> None:
    _, whole = _render(region, None, lang)
    html, payload = _render(region, 1, lang)  # nothing fits: only what must be there
    key = _key_ids(region)
    rows, every = _rows(payload), _rows(whole)
    assert list(rows) == key  # the programme and the top ranks, in rank order, and no other
    for wid in key:  # each exactly as in the map with room for everything
        assert rows[wid] == every[wid], wid
    assert any(rows[w]["gains"] for w in key) and any(rows[w]["route"] for w in key)
    assert payload["comm"] == whole["comm"]  # every community, with all its popup shows
    n = len(region.ranking.ranking)
    shown = payload["worksShown"]
    assert shown == {
        "total": n,
        "shown": len(key),
        "brief": True,
        "lastRank": TOP_N,
        "simplifyM": REST_SIMPLIFY_M,
    }
    t = payload["t"]
    expected = {
        "es": ("Otras obras candidatas (hasta el puesto 1)", "no caben en el mapa", "aligerado"),
        "en": ("Other candidate works (down to rank 1)", "do not fit in the map", "Lightened"),
    }[lang]
    assert expected[0] in html  # the layer's name
    assert expected[1] in t["works_shown_some"] and "ranking.csv" in t["works_shown_some"]
    assert expected[2] in t["works_shown_brief"] and expected[2] in t["works_brief"]
    for word in ("{shown}", "{total}", "{rank}", "{hidden}"):
        assert word in t["works_shown_some"]


@pytest.fixture(scope="module")
def budgets(region: Region) -> list[tuple[int, str, dict[str, Any]]]:
    """Pages of budgets from "only what must be there" to "all but a byte", with payloads."""
    low = len(_render(region, 1)[0].encode())
    high = len(_render(region, None)[0].encode())
    out = []
    for budget in np.linspace(low, high - 1, 8).astype(int).tolist():
        out.append((budget, *_render(region, budget)))
    return out


def test_a_budget_between_draws_the_best_other_candidates_brief_and_fits(
    region: Region, budgets: list[tuple[int, str, dict[str, Any]]]
) -> None:
    whole = _rows(_render(region, None)[1])
    key = _key_ids(region)
    rest = [w for w in whole if w not in key]
    assert len(rest) >= 3, "the test region needs other candidates"
    seen = set()
    for budget, html, payload in budgets:
        rows = _rows(payload)
        drawn = [w for w in rows if w not in key]
        seen.add(len(drawn))
        assert drawn == rest[: len(drawn)]  # the best ranks first
        assert len(html.encode()) <= budget or not drawn  # fits, once the key works do
        for w in drawn:  # brief: no description, gains or person-minutes; simplified lines
            r = rows[w]
            assert r["desc"] is None and r["gains"] is None and r["pmin"] is None
            assert sum(map(len, r["lines"])) <= sum(map(len, whole[w]["lines"]))
            assert all(isinstance(x, int) for line in r["lines"] for x in line)  # 1e-5 steps
        for w in key:
            assert rows[w] == whole[w]
        shown = payload["worksShown"]
        assert shown["brief"] and shown["shown"] == len(key) + len(drawn)
        assert shown["lastRank"] == (
            None if len(drawn) == len(rest) else max([TOP_N] + [rows[w]["rank"] for w in drawn])
        )
    assert min(seen) == 0 and max(seen) > 0  # the budgets cut some, and draw some


def test_the_lightened_map_in_chromium(
    region: Region, budgets: list[tuple[int, str, dict[str, Any]]], tmp_path: Path
) -> None:
    """Over budget: no script error, the legend says what is left out, popups still work."""
    key = _key_ids(region)
    n = len(region.ranking.ranking)
    # a page that draws some other candidates (brief) and leaves some out
    html, payload = next((h, p) for _, h, p in budgets if len(key) < p["worksShown"]["shown"] < n)
    rest = [w for w in payload["works"]["id"] if w not in key]
    path = tmp_path / "investments.html"
    path.write_text(html, encoding="utf-8")
    brief_id = rest[0]
    programme_id = region.ranking.portfolio["work_id"].iloc[0]
    with open_page(path) as (page, log):
        legend = page.inner_text(".cx-legend")
        assert "Mapa aligerado: las otras candidatas se dibujan simplificadas (±15 m)" in legend
        shown = payload["worksShown"]
        assert f"Se dibujan {shown['shown']} de {shown['total']} obras candidatas" in legend
        page.get_by_text("Otras obras candidatas (hasta el puesto").click()
        page.wait_for_timeout(100)
        drawn = page.evaluate("Object.keys(window.cxState.works).sort()")
        assert drawn == sorted(payload["works"]["id"])

        def popup(wid: str) -> str:
            text: str = page.evaluate(
                """(id) => { const fg = window.cxState.works[id]; fg.openPopup();
                     return fg.getPopup().getElement().innerText; }""",
                wid,
            )
            page.evaluate("() => { window.cxState.map.closePopup(); }")
            return text

        brief = popup(brief_id)
        assert f"ranking.csv ({brief_id})" in brief and "Mapa aligerado" in brief
        whole_text = popup(programme_id)
        assert "En la cartera: orden 1" in whole_text and "ranking.csv" not in whole_text
        assert "Comunidades que" in whole_text  # the gains table of a programme work
        cid = region.access["community_id"].iloc[0]
        text = page.evaluate(
            """(cid) => { const c = window.cxState.communities[cid][0];
                 c.openPopup(); return c.getPopup().getElement().innerText; }""",
            cid,
        )
        assert "Minutos al destino más cercano" in text
        page.screenshot(path=str(ARTIFACTS / "investments_map_lightened.png"))
        _assert_clean(log)
