"""The maps of a real programme: the sample region and Cusco's real data, ranked by the pipeline.

Each region is ranked once per session (``ranked_sample`` / ``ranked_cusco``
in tests/conftest.py, shared with the deliverables' tests) and its maps
written by :func:`connectivity.maps.write_maps` as the pipeline writes them.
The investments map must open on the passability state in which the
programme saves most (weighted by the days of each state), draw a work's
route in the state its gain is in, colour communities by the minutes the
programme saves them, and show the programme by axis; the printed overview
must keep its rank labels apart and its names whole.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
from browser import open_page
from test_maps import ARTIFACTS, _assert_clean

from connectivity import maps, routing
from connectivity.access import SEASONS
from connectivity.i18n import fmt_money
from connectivity.maps.encoding import _Segments
from connectivity.maps.labels import boxes_overlap
from connectivity.maps.overview import RANK_LABEL_GID, overview_figure
from connectivity.network import RoadNetwork
from connectivity.works import apply_works

#: investments.html of the sample before the three states, the gains view and the axes
#: (seed 42, size 1.0): the map may grow by at most a fifth.
SAMPLE_INVESTMENTS_BYTES_BEFORE = 1_344_606
SEASON_WORD = {"dry": "época seca", "rain": "lluvias", "wet": "crecida"}
SEASON_NAME = {
    "dry": "época seca",
    "rain": "lluvias (vados de ríos anchos cerrados)",
    "wet": "crecida (vados cerrados)",
}


@dataclass
class Ranked:
    name: str
    run: Any
    after: RoadNetwork
    maps: dict[str, Path]


def _ranked(name: str, run: Any, out: Path) -> Ranked:
    """Write the maps of a session run (tests/conftest.py) as the pipeline writes them."""
    ids = run.ranking.portfolio["work_id"].tolist()
    after = apply_works(run.network, run.works, ids)
    cfg = run.config
    paths = maps.write_maps(
        run.network,
        run.access,
        out_dir=out,
        ranking=run.ranking,
        after_network=after,
        waterways=run.inputs.waterways,
        top_n=cfg.ranking.top_n,
        data_source=run.data_source,
        attribution=cfg.region.attribution,
        synthetic=cfg.region.synthetic,
        title=cfg.region.title or cfg.region.name,
        lang="es",
        thresholds_min=cfg.access.thresholds_min,
        unreachable_cap_min=cfg.ranking.unreachable_cap_min,
    )
    return Ranked(name, run, after, {p.name: p for p in paths})


@pytest.fixture(scope="module")
def sample(ranked_sample: Any, tmp_path_factory: pytest.TempPathFactory) -> Ranked:
    return _ranked("sample", ranked_sample, tmp_path_factory.mktemp("maps_sample"))


@pytest.fixture(scope="module")
def cusco(ranked_cusco: Any, tmp_path_factory: pytest.TempPathFactory) -> Ranked:
    return _ranked("cusco", ranked_cusco, tmp_path_factory.mktemp("maps_cusco"))


@pytest.fixture(params=["sample", "cusco"])
def ranked(request: pytest.FixtureRequest) -> Ranked:
    return request.getfixturevalue(request.param)  # type: ignore[no-any-return]


def _weighted(table: pd.DataFrame, kinds: tuple[str, ...], shares: tuple[float, ...]) -> np.ndarray:
    """Per state: person-minutes per trip saved (summed over kinds and rows) x share of the year."""
    return np.array(
        [
            share * sum(table[f"{k}_{s}_person_min_saved"].sum() for k in kinds)
            for s, share in zip(SEASONS, shares, strict=True)
        ]
    )


def _cap(run: Any) -> float:
    return float(run.ranking.cap_min)


def test_investments_map_opens_on_the_state_the_programme_gains_most(ranked: Ranked) -> None:
    result = ranked.run.ranking
    kinds = result.kinds
    weighted = _weighted(result.portfolio, kinds, result.weights.season_shares())
    best = SEASONS[int(np.argmax(weighted))]
    by_kind = [result.portfolio[f"{k}_{best}_person_min_saved"].sum() for k in kinds]
    if ranked.name == "sample":
        # a programme of bridges over fords: what it saves, it saves when rivers are in flood
        assert best == "wet" and weighted[0] < weighted[2]
    with open_page(ranked.maps["investments.html"]) as (page, log):
        view = page.evaluate("window.cxState.view")
        assert view == {
            "mode": "gain",
            "kind": kinds[int(np.argmax(by_kind))],
            "season": best,
            "when": "after",
        }
        checked = page.evaluate(
            """() => Array.from(document.querySelectorAll('.cx-view input:checked'))
                 .map(i => i.value)"""
        )
        assert checked == ["gain", best, "after"]  # "after" waits, hidden, for the minutes view
        legend = page.inner_text(".cx-legend")
        assert f"El mapa abre en {SEASON_NAME[best]}: es cuando la cartera ahorra más" in legend
        # the figures behind it, as Spanish writes them
        for season, value in zip(SEASONS, weighted, strict=True):
            text = page.evaluate("(x) => window.cxState.fmtNumber(x, 0)", round(float(value)))
            assert f"{SEASON_WORD[season]} {text}" in legend
        page.screenshot(path=str(ARTIFACTS / f"{ranked.name}_investments_open.png"))
        _assert_clean(log)


def _gain_expected(
    access: pd.DataFrame, after: pd.DataFrame, kind: str, season: str, shares: Any, cap: float
) -> list[Any]:
    """What the minutes-gained view holds per community (see draw.js gainIn)."""
    aligned = after.set_index("community_id").loc[access["community_id"]]
    out: list[Any] = []
    for i in range(len(access)):
        if season == "year":
            v = 0.0
            for s, share in zip(SEASONS, shares, strict=True):
                b = min(access[f"{kind}_{s}_min"].iloc[i], cap)
                a = min(aligned[f"{kind}_{s}_min_after"].iloc[i], cap)
                v += share * max(b - a, 0.0)
            out.append(("gain", v) if v > 0.05 else None)
            continue
        b = access[f"{kind}_{season}_min"].iloc[i]
        a = aligned[f"{kind}_{season}_min_after"].iloc[i]
        if not np.isfinite(a):
            out.append(None)
        elif not np.isfinite(b):
            out.append(("route", a))
        else:
            out.append(("gain", b - a) if b - a > 0.05 else None)
    return out


def test_minutes_gained_layer_equals_the_programmes_gains(sample: Ranked) -> None:
    run = sample.run
    result, access = run.ranking, run.access
    shares = result.weights.season_shares()
    with open_page(sample.maps["investments.html"]) as (page, log):
        for kind, season in [*itertools.product(result.kinds, SEASONS), ("market", "year")]:
            got = page.evaluate(
                """([kind, season]) => { const s = window.cxState;
                     s.setView({mode: "gain", kind: kind, season: season});
                     return s.data.comm.id.map((id, i) => s.valueOf(i)); }""",
                [kind, season],
            )
            want = _gain_expected(access, result.communities_after, kind, season, shares, _cap(run))
            for g, w in zip(got, want, strict=True):
                if w is None:
                    assert g is None or g["v"] < 0.15, (kind, season, g)  # minutes to 0.1
                elif w[0] == "route":
                    assert g["route"] and abs(g["after"] - w[1]) <= 0.05, (kind, season, g, w)
                else:
                    assert g is not None and not g["route"], (kind, season, g, w)
                    assert abs(g["v"] - w[1]) <= 0.11, (kind, season, g, w)
            assert any(w is not None for w in want) or season == "dry"
        # the legend names what is shown and the classes
        legend = page.inner_text(".cx-legend")
        assert "Minutos ganados por viaje a mercado, promedio del año" in legend
        assert "Promedio del año: cada época pesa por sus días" in legend
        page.evaluate("""() => window.cxState.setView({kind: "market", season: "wet"})""")
        page.screenshot(path=str(ARTIFACTS / "sample_minutes_gained_wet.png"))
        _assert_clean(log)


def _route(network: RoadNetwork, segments: _Segments, node: Any, kind: str, weight: str) -> Any:
    graph = routing.routing_graph_from_gdfs(network.nodes, network.edges, weights=[weight])
    layer = network.facilities[kind]
    facilities = dict(zip(layer["facility_id"], layer["node_id"], strict=True))
    found = routing.routes_to_nearest_facility(graph, [node], facilities, weight=weight)
    return segments.route(found["edges"].iloc[0]) or None


def test_a_bridge_whose_gain_is_in_flood_draws_its_flood_route(sample: Ranked) -> None:
    run = sample.run
    result = run.ranking
    shares = result.weights.season_shares()
    ranking = result.ranking
    ranking = ranking.set_index("work_id") if "work_id" in ranking.columns else ranking
    chosen = ranking[(ranking["work_type"] == "bridge") & ranking["in_portfolio"].astype(bool)]
    per_state = np.vstack(
        [
            share * sum(chosen[f"{k}_{s}_person_min_saved"] for k in result.kinds)
            for s, share in zip(SEASONS, shares, strict=True)
        ]
    )
    in_flood = chosen.index[(np.argmax(per_state, axis=0) == 2) & (per_state[2] > 0)]
    assert len(in_flood), "the sample's programme has bridges that gain in floods"
    work = str(ranking.loc[in_flood, "rank"].idxmin())
    # the community and kind it helps most in floods (people x minutes, capped as scored)
    gains = result.gains[result.gains["work_id"] == work]
    cap = _cap(run)
    best = (-1.0, "", "")
    for kind in result.kinds:
        before = np.minimum(gains[f"{kind}_wet_min_before"].to_numpy(float), cap)
        after = np.minimum(gains[f"{kind}_wet_min_after"].to_numpy(float), cap)
        weight = gains["population"].to_numpy(float) * np.maximum(before - after, 0)
        i = int(np.argmax(weight))
        if weight[i] > best[0]:
            best = (float(weight[i]), str(gains["community_id"].iloc[i]), kind)
    _, community, kind = best
    node = run.access.set_index("community_id").loc[community, "node_id"]
    segments = _Segments.from_edges(sample.after.edges)
    wet_after = _route(sample.after, segments, node, kind, "travel_time_wet_s")
    wet_before = _route(run.network, segments, node, kind, "travel_time_wet_s")
    assert wet_after is not None
    with open_page(sample.maps["investments.html"]) as (page, log):
        text = page.evaluate(
            """(id) => { const s = window.cxState;
                 s.map.addLayer(s.groups.works_rest);
                 const fg = s.works[id];
                 s.map.fitBounds(fg.getBounds(), {maxZoom: 13}); fg.openPopup();
                 return fg.getPopup().getElement().innerText; }""",
            work,
        )
        route = page.evaluate("window.cxState.route")
        assert route["work"] == work and route["season"] == "wet"
        assert route["comm"] == community and route["kind"] == kind
        assert wet_after != wet_before  # the bridge changes the flood route
        assert route["after"] == wet_after  # the flood route with the programme built
        assert route["before"] == wet_before
        assert page.evaluate("window.cxState.routeLayer.getLayers().length") >= 1
        assert "(crecida), la época en que la obra más ahorra" in text
        if wet_before is None:
            assert "antes de la obra no había ruta" in text
        page.wait_for_timeout(300)
        page.screenshot(path=str(ARTIFACTS / "sample_bridge_flood_route.png"))
        # a community that gains only in floods: its popup draws its flood route to market
        after = result.communities_after.set_index("community_id")
        gained_wet = (
            (after["market_wet_min_after"] < after["market_wet_min_before"])
            & (after["market_dry_min_after"] >= after["market_dry_min_before"])
            & (after["market_rain_min_after"] >= after["market_rain_min_before"])
        )
        cid = str(gained_wet[gained_wet].index[0])
        text = page.evaluate(
            """(cid) => { const s = window.cxState; s.map.closePopup();
                 const c = s.communities[cid][0]; c.openPopup();
                 return c.getPopup().getElement().innerText; }""",
            cid,
        )
        assert page.evaluate("window.cxState.route")["season"] == "wet"
        assert "Ruta al mercado (crecida) resaltada en el mapa" in text or "(crecida)" in text
        _assert_clean(log)


def test_the_axes_layer_has_one_feature_per_axis(ranked: Ranked) -> None:
    axes = ranked.run.ranking.axes
    assert axes is not None and len(axes) >= 1
    with open_page(ranked.maps["investments.html"]) as (page, log):
        assert "Cartera por ejes (corredores)" in page.inner_text(".leaflet-control-layers")
        found = page.evaluate(
            """() => { const s = window.cxState; s.map.addLayer(s.groups.axes);
                 return Object.entries(s.axes).map(([id, line]) =>
                   [id, line.options.color, line.getLatLngs().length]); }"""
        )
        assert sorted(f[0] for f in found) == sorted(axes["axis_id"])
        assert page.evaluate("window.cxState.groups.axes.getLayers().length") == len(axes)
        drawn = axes[~axes.geometry.is_empty]
        assert all(n > 0 for i, _, n in found if i in set(drawn["axis_id"]))
        if len(axes) > 3:
            assert len({f[1] for f in found}) >= 3  # a colour per axis, not one for all
        first = axes.iloc[0]
        text = page.evaluate(
            """(id) => { const s = window.cxState, line = s.axes[id];
                 s.map.fitBounds(line.getBounds()); line.openPopup(line.getCenter());
                 return line.getPopup().getElement().innerText; }""",
            first["axis_id"],
        )
        currency = ranked.run.ranking.currency
        assert text.startswith(f"{first['axis_id']} · {first['name']}")
        assert f"Costo para el presupuesto\t{fmt_money(first['cost_net'], currency, 'es')}" in text
        assert f"Obras ({first['n_works']})" in text
        for work in first["works"].split(";"):
            table = ranked.run.ranking.ranking
            table = table.set_index("work_id") if "work_id" in table.columns else table
            name = table.loc[work, "name"]
            assert name in text
        page.wait_for_timeout(300)
        page.screenshot(path=str(ARTIFACTS / f"{ranked.name}_axes.png"))
        _assert_clean(log)


def test_both_maps_open_cleanly_and_the_sample_stays_small(ranked: Ranked) -> None:
    for name in ("access.html", "investments.html"):
        with open_page(ranked.maps[name]) as (page, log):
            assert page.locator(".cx-view").count() == 1
            page.screenshot(path=str(ARTIFACTS / f"{ranked.name}_{name.replace('.html', '')}.png"))
            _assert_clean(log)
    if ranked.name == "sample":
        size = ranked.maps["investments.html"].stat().st_size
        assert size <= 1.2 * SAMPLE_INVESTMENTS_BYTES_BEFORE, size


@pytest.mark.parametrize("lang", ["es", "en"])
def test_overview_labels_never_overlap_and_names_are_whole(ranked: Ranked, lang: str) -> None:
    run = ranked.run
    cfg = run.config
    top_n = cfg.ranking.top_n
    fig = overview_figure(
        run.network,
        run.ranking,
        access=run.access,
        waterways=run.inputs.waterways,
        top_n=top_n,
        data_source=run.data_source,
        attribution=cfg.region.attribution,
        synthetic=cfg.region.synthetic,
        title=cfg.region.title or cfg.region.name,
        lang=lang,  # type: ignore[arg-type]
    )
    renderer = fig.canvas.get_renderer()
    page = fig.bbox
    assert (round(fig.get_figwidth(), 2), round(fig.get_figheight(), 2)) == (11.69, 8.27)
    ax = fig.axes[0]
    labels = [t for t in ax.texts if t.get_gid() == RANK_LABEL_GID]
    top = run.ranking.ranking[run.ranking.ranking["rank"] <= top_n]
    assert sorted(int(t.get_text()) for t in labels) == sorted(top["rank"].astype(int))
    boxes = [t.get_bbox_patch().get_window_extent(renderer) for t in labels]
    frame = ax.get_window_extent(renderer)
    for b in boxes:
        assert frame.x0 <= b.x0 and b.x1 <= frame.x1 and frame.y0 <= b.y0 and b.y1 <= frame.y1
    for (i, a), (j, b) in itertools.combinations(enumerate(boxes), 2):
        assert not boxes_overlap((a.x0, a.y0, a.x1, a.y1), (b.x0, b.y0, b.x1, b.y1)), (
            labels[i].get_text(),
            labels[j].get_text(),
        )
    # every text of the page lies on the page: the title fits, however long
    for text in fig.texts:
        box = text.get_window_extent(renderer)
        assert page.x0 <= box.x0 and box.x1 <= page.x1 + 0.5, text.get_text()[:60]
    title = fig.texts[0].get_text().replace("\n", " ")
    assert title.startswith({"es": "Obras viales priorizadas", "en": "Ranked road works"}[lang])
    assert (cfg.region.title or cfg.region.name) in title
    # the table's names are whole: wrapped onto lines, never cut
    words = " ".join(t.get_text().replace("\n", " ") for t in fig.texts)
    assert "…" not in words.replace("… y", "").replace("… and", "")
    for name in top["name"]:
        assert " ".join(str(name).split()) in words, name
    out = ARTIFACTS / f"{ranked.name}_overview_{lang}.png"
    fig.savefig(out)
