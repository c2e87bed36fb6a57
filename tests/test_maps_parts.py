"""A region too large for one map page is mapped in parts, with index pages.

The split is checked on INEI's 6,697 villages of Ayacucho (real positions,
read in place): every village in exactly one part, no part over its limit,
boxes that tile the region. The maps are checked on the sample region forced
into parts (``max_communities=80``) against its whole maps: each part's
communities carry the same minutes and routes as on the whole map (routes
found on the whole network), its works are those touching its box with the
programme's among them, the gains a popup leaves out are counted, the index
counts each programme work once; the pages open in Chromium without errors.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely
from browser import open_page
from test_maps import ARTIFACTS, _assert_clean

from connectivity import maps
from connectivity.errors import DataError
from connectivity.i18n import fmt_money
from connectivity.maps.encoding import _Segments
from connectivity.maps.lighten import MAX_MAP_BYTES
from connectivity.maps.parts import (
    MAX_MAP_COMMUNITIES,
    PARTS_DIR,
    page_load,
    road_bytes,
    split_region,
)
from connectivity.works import apply_works

UTM18S = "EPSG:32718"
MAX = 80


def _payload(path: Path) -> dict[str, Any]:
    found = re.search(r"draw\(map_\w+, \{[^}]*\}, (\{.*\})\);", path.read_text(encoding="utf-8"))
    assert found is not None, path
    return json.loads(found.group(1))  # type: ignore[no-any-return]


@pytest.fixture(scope="module")
def villages(shared_data: Path) -> gpd.GeoDataFrame:
    table = pd.read_csv(shared_data / "ayacucho" / "centros_poblados.csv", dtype=str)
    pts = gpd.points_from_xy(table["longitud"].astype(float), table["latitud"].astype(float))
    return gpd.GeoDataFrame(
        {
            "community_id": table["codigo_de_ubigeo_y_centro_poblado"],
            "district": table["distrito"],
            "population": pd.to_numeric(table["poblacion"], errors="coerce").fillna(0.0),
        },
        geometry=pts,
        crs="EPSG:4326",
    )


@pytest.mark.parametrize("most", [500, 1000, 2500, 7000])
def test_split_puts_every_village_in_one_part_and_the_boxes_tile_the_region(
    villages: gpd.GeoDataFrame, most: int
) -> None:
    parts = split_region(villages, UTM18S, max_communities=most)
    n = len(villages)
    assert len(parts) == int(np.ceil(n / most))  # each cut gives each side its share of parts
    members = np.concatenate([p.communities for p in parts])
    assert sorted(members.tolist()) == list(range(n))  # each village exactly once
    assert max(len(p.communities) for p in parts) <= most
    xy = shapely.get_coordinates(villages.geometry.to_crs(UTM18S).to_numpy())
    boxes = [shapely.box(*p.box) for p in parts]
    for p, box in zip(parts, boxes, strict=True):
        inside = shapely.covers(box, shapely.points(xy[p.communities]))
        assert inside.all(), f"part {p.number}: villages outside its box"
    whole = shapely.box(*xy.min(axis=0), *xy.max(axis=0))
    assert sum(b.area for b in boxes) == pytest.approx(whole.area, rel=1e-9)
    union = shapely.union_all(boxes)
    assert union.area == pytest.approx(whole.area, rel=1e-9)  # no overlap, no gap
    assert [p.number for p in parts] == list(range(1, len(parts) + 1))
    assert all(p.count == len(parts) for p in parts)
    if len(parts) > 1:
        # named for the districts where most of its people live
        first = villages.iloc[parts[0].communities]
        top = first.groupby("district")["population"].sum().sort_values(ascending=False)
        assert parts[0].label.startswith(str(top.index[0]))
    again = split_region(villages, UTM18S, max_communities=most)
    assert [p.communities.tolist() for p in again] == [p.communities.tolist() for p in parts]


def test_split_by_bytes_keeps_each_part_of_a_dense_network_under_its_share(
    ranked_cusco: Any,
) -> None:
    """Cusco's real roads: the parts hold at most max_bytes of communities and roads."""
    run = ranked_cusco
    segments = _Segments.from_edges(run.network.edges)
    bounds, nbytes = shapely.bounds(segments.geoms), road_bytes(segments.coords)
    total = page_load(len(run.access), nbytes)
    most = total / 4.5
    parts = split_region(
        run.access, run.network.crs, roads=(bounds, nbytes), max_bytes=most, max_communities=10**6
    )
    assert 5 <= len(parts) <= 7
    centres = (bounds[:, :2] + bounds[:, 2:]) / 2.0
    claimed = np.zeros(len(centres), dtype=int)
    for p in parts:
        x0, y0, x1, y1 = p.box
        inside = (
            (centres[:, 0] >= x0)
            & (centres[:, 0] <= x1)
            & (centres[:, 1] >= y0)
            & (centres[:, 1] <= y1)
        )
        claimed += inside
        load = page_load(len(p.communities), nbytes[inside])
        # a road on a cut counts in both parts: allow one segment's bytes over
        assert load <= most + nbytes.max(), (p.number, load, most)
    assert (claimed >= 1).all()  # every road segment's centre is in some part's box
    members = np.concatenate([p.communities for p in parts])
    assert sorted(members.tolist()) == list(range(len(run.access)))
    # the whole region fits one page by the same estimate, and write_maps keeps it whole
    assert total < MAX_MAP_BYTES


def test_split_refuses_a_part_of_no_community(villages: gpd.GeoDataFrame) -> None:
    with pytest.raises(DataError, match="at least 1 community"):
        split_region(villages, UTM18S, max_communities=0)


class Written:
    def __init__(self, run: Any, most: int, whole: dict[str, Path], parts: dict[str, Path]) -> None:
        self.run, self.most, self.whole, self.parts = run, most, whole, parts


def _write(run: Any, most: int, tmp_path_factory: pytest.TempPathFactory) -> Written:
    """The region's maps whole (one page each) and in parts of at most ``most`` communities."""
    cfg = run.config
    after = apply_works(run.network, run.works, run.ranking.portfolio["work_id"].tolist())
    out: dict[str, dict[str, Path]] = {}
    for name, limit in (("whole", MAX_MAP_COMMUNITIES), ("parts", most)):
        folder = tmp_path_factory.mktemp(f"maps_{name}")
        paths = maps.write_maps(
            run.network,
            run.access,
            out_dir=folder,
            ranking=run.ranking,
            after_network=after,
            waterways=run.inputs.waterways,
            top_n=cfg.ranking.top_n,
            data_source=run.data_source,
            attribution=cfg.region.attribution,
            synthetic=cfg.region.synthetic,
            title=cfg.region.title,
            lang="es",
            thresholds_min=cfg.access.thresholds_min,
            unreachable_cap_min=cfg.ranking.unreachable_cap_min,
            run_id="test-run",
            max_communities=limit,
        )
        out[name] = {str(p.relative_to(folder)): p for p in paths}
    return Written(run, most, out["whole"], out["parts"])


@pytest.fixture(scope="module")
def written(ranked_sample: Any, tmp_path_factory: pytest.TempPathFactory) -> Written:
    return _write(ranked_sample, MAX, tmp_path_factory)


@pytest.fixture(scope="module")
def written_cusco(ranked_cusco: Any, tmp_path_factory: pytest.TempPathFactory) -> Written:
    """Cusco's real network and schools, in three parts."""
    return _write(ranked_cusco, int(np.ceil(len(ranked_cusco.access) / 3)), tmp_path_factory)


@pytest.fixture(params=["sample", "cusco"])
def region_maps(request: pytest.FixtureRequest) -> Written:
    name = "written" if request.param == "sample" else "written_cusco"
    return request.getfixturevalue(name)  # type: ignore[no-any-return]


def test_a_region_over_the_limit_gets_a_map_of_each_kind_per_part_and_index_pages(
    written: Written,
) -> None:
    n = len(written.run.access)
    count = int(np.ceil(n / MAX))
    keys = [f"{i:02d}" for i in range(1, count + 1)]
    expected = {f"{PARTS_DIR}/{k}_{i}.html" for k in ("access", "investments") for i in keys}
    assert set(written.parts) == expected | {"access.html", "investments.html", "investments.png"}
    assert set(written.whole) == {"access.html", "investments.html", "investments.png"}
    for name in ("access.html", "investments.html"):
        text = written.parts[name].read_text(encoding="utf-8")
        assert "map_" not in text.split("<body>")[1][:200]  # an index, not a map
        assert '<meta name="connectivity-run-id" content="test-run">' in text
        for k in keys:
            assert f"parts/access_{k}.html" in text
            assert f"parts/investments_{k}.html" in text


def test_each_part_maps_its_communities_as_the_whole_map_does(region_maps: Written) -> None:
    written = region_maps
    seen: list[str] = []
    for which in ("access", "investments"):
        whole = _payload(written.whole[f"{which}.html"])
        at = {c: i for i, c in enumerate(whole["comm"]["id"])}
        ids: list[str] = []
        for name in sorted(p for p in written.parts if p.startswith(f"{PARTS_DIR}/{which}_")):
            part = _payload(written.parts[name])
            comm = part["comm"]
            assert 0 < len(comm["id"]) <= written.most
            ids += comm["id"]
            rows = [at[c] for c in comm["id"]]
            for key in ("pop", "lat", "lon", "popSrc", "route", "routeAfter", "routeState"):
                if key in whole["comm"]:
                    assert comm[key] == [whole["comm"][key][i] for i in rows], (name, key)
            for v, minutes in comm["m"].items():
                assert minutes == [whole["comm"]["m"][v][i] for i in rows], (name, v)
            # a route's segments are in the page (they may lie outside the part's box)
            coords = _coords(part)
            for route in comm.get("route") or []:
                assert route is None or all(coords.get(s) for s in route), name
            assert part["part"]["label"].startswith("Parte ")
            assert part["t"]["summary_title"] == "Promedio de esta parte"
            for _, href in part["part"]["links"]:
                assert (written.parts[name].parent / href).is_file(), href
        assert sorted(ids) == sorted(whole["comm"]["id"])  # every community once
        seen += ids
    assert len(seen) == 2 * len(written.run.access)


def _coords(payload: dict[str, Any]) -> dict[int, list[int]]:
    seg = payload["seg"]
    if "at" not in seg:
        return dict(enumerate(seg["c"]))
    out, at = {}, 0
    for gap, line in zip(seg["at"], seg["c"], strict=True):
        at += gap
        out[at] = line
    return out


def test_each_part_draws_the_works_touching_it_and_counts_the_gains_it_leaves_out(
    region_maps: Written,
) -> None:
    written = region_maps
    result = written.run.ranking
    programme = set(result.portfolio["work_id"].astype(str))
    whole = _payload(written.whole["investments.html"])
    w_at = {w: i for i, w in enumerate(whole["works"]["id"])}
    full = whole["works"]["full"]
    works = result.ranking
    if "work_id" in works.columns:
        works = works.set_index("work_id")
    bounds = shapely.bounds(works.geometry.to_numpy())
    segments = _Segments.from_edges(written.run.network.edges)  # as write_maps splits
    parts = split_region(
        written.run.access,
        written.run.network.crs,
        max_communities=written.most,
        extent=written.run.network.edges.total_bounds,
        roads=(shapely.bounds(segments.geoms), road_bytes(segments.coords)),
    )
    drawn_programme: set[str] = set()
    for part in parts:
        payload = _payload(written.parts[part.file("investments")])
        ids = payload["works"]["id"]
        touching = set(works.index[part.holds(bounds)].astype(str))
        assert set(ids) <= touching
        assert programme & touching <= set(ids)  # the programme is always drawn
        drawn_programme |= programme & set(ids)
        # the axes of the programme works it draws, and only those, each with its works
        axes = result.axes
        if axes is not None and len(axes):
            holding = {
                str(a)
                for a, ws in zip(axes["axis_id"], axes["works"].astype(str), strict=True)
                if set(ws.split(";")) & set(ids)
            }
            assert {a["id"] for a in payload["axes"]} == holding
            for a in payload["axes"]:
                assert a["works"] and all(ids[j] in programme for j in a["works"])
        # rows listed + rows left out: the same for a work in a part as on the whole map
        shown_full = payload["works"]["full"]
        for j, w in enumerate(ids):
            if shown_full is not None and j not in shown_full:
                continue
            k = shown_full.index(j) if shown_full is not None else j
            if w not in w_at or (full is not None and w_at[w] not in full):
                continue
            wk = full.index(w_at[w]) if full is not None else w_at[w]
            total_part = len(payload["works"]["gains"][k]) + payload["works"]["more"][k]
            total_whole = len(whole["works"]["gains"][wk]) + whole["works"]["more"][wk]
            assert total_part == total_whole, w
    assert drawn_programme == programme


def test_the_index_counts_each_programme_work_once(written: Written) -> None:
    result = written.run.ranking
    text = written.parts["investments.html"].read_text(encoding="utf-8")
    body = text.split("<tbody>")[1].split("</tbody>")[0]
    rows = re.findall(r"<tr[^>]*>(.*?)</tr>", body)
    cells = [re.findall(r"<td>(.*?)</td>", r) for r in rows]
    assert len(cells) == int(np.ceil(len(written.run.access) / MAX))
    works = sum(int(c[7]) for c in cells)
    assert works == len(result.portfolio)
    people = sum(int(c[3].replace("\xa0", "").replace(" ", "")) for c in cells)
    assert people == round(written.run.access["population"].sum())
    total = re.findall(r"<td>(.*?)</td>", text.split("<tfoot>")[1])
    cost = float(result.portfolio["cost_net"].sum())
    assert total[8] == fmt_money(cost, "PEN", "es")
    # the people the floods cut off from markets, part by part and in all
    wet = written.run.access["market_wet_min"].to_numpy(dtype=float)
    cut = written.run.access["population"].to_numpy(dtype=float)[~np.isfinite(wet)].sum()
    assert int(total[5].replace("\xa0", "")) == round(cut)


def test_index_and_part_pages_open_in_chromium(written: Written) -> None:
    index = written.parts["investments.html"]
    with open_page(index, ready="window.cxIndex !== undefined") as (page, log):
        page.wait_for_timeout(300)
        assert page.evaluate("window.cxIndex.parts") == int(np.ceil(len(written.run.access) / MAX))
        page.screenshot(path=str(ARTIFACTS / "parts_index.png"), full_page=True)
        # a click in the middle of part 2's box opens its investments map
        x, y = page.evaluate(
            """() => {
                const map = window.cxIndex.map;
                const p = map.latLngToContainerPoint(window.cxIndex.boxes[1].getCenter());
                const r = map.getContainer().getBoundingClientRect();
                return [r.left + p.x, r.top + p.y];
            }"""
        )
        page.mouse.click(x, y)
        page.wait_for_function("window.cxState !== undefined", timeout=15_000)
        assert page.url.endswith("parts/investments_02.html")
        _assert_clean(log)
    with open_page(index, ready="window.cxIndex !== undefined") as (page, log):
        page.locator("tbody tr").nth(1).click(position={"x": 20, "y": 8})  # a row does too
        page.wait_for_function("window.cxState !== undefined", timeout=15_000)
        assert page.url.endswith("parts/investments_02.html")
        header = page.inner_text(".cx-header")
        assert "Parte 2 de" in header and "Todas las partes" in header
        page.screenshot(path=str(ARTIFACTS / "parts_investments_02.png"))
        _assert_clean(log)
    with open_page(written.parts[f"{PARTS_DIR}/access_01.html"]) as (page, log):
        assert "Parte 1 de" in page.inner_text(".cx-header")
        page.screenshot(path=str(ARTIFACTS / "parts_access_01.png"))
        _assert_clean(log)


def test_access_alone_in_english_is_mapped_in_parts_too(ranked_sample: Any, tmp_path: Path) -> None:
    """Without a ranking: access maps per part and an English index with no works."""
    run = ranked_sample
    paths = maps.write_maps(
        run.network,
        run.access,
        out_dir=tmp_path,
        lang="en",
        synthetic=True,
        max_communities=MAX,
    )
    names = {str(p.relative_to(tmp_path)) for p in paths}
    count = int(np.ceil(len(run.access) / MAX))
    assert names == {"access.html"} | {
        f"{PARTS_DIR}/access_{i:02d}.html" for i in range(1, count + 1)
    }
    index = (tmp_path / "access.html").read_text(encoding="utf-8")
    assert "Access by part" in index and "Programme works" not in index
    assert "investments_" not in index
    part = _payload(tmp_path / PARTS_DIR / "access_01.html")
    assert part["part"]["label"].startswith(f"Part 1 of {count}: ")
    assert part["part"]["links"] == [["All parts", "../access.html"]]
    assert part["t"]["summary_title"] == "Average of this part"


def test_a_router_keeps_its_searches_and_finds_the_same_routes(ranked_sample: Any) -> None:
    """The search kept for a kind and state gives the routes of a fresh search, for any nodes."""
    from connectivity import routing
    from connectivity.maps.routes import STATE_WEIGHTS, Router

    run = ranked_sample
    segments = _Segments.from_edges(run.network.edges)
    router = Router(run.network, segments)
    nodes = run.access["node_id"].to_numpy()
    layer = run.network.facilities["market"]
    facilities = dict(zip(layer["facility_id"], layer["node_id"], strict=True))
    for season in ("dry", "wet"):
        first = router.routes(nodes[: len(nodes) // 2], "market", season)
        again = router.routes(nodes, "market", season)  # the kept search
        assert ("market", season) in router._searches
        fresh = routing.routes_to_nearest_facility(
            router.graph, nodes, facilities, weight=STATE_WEIGHTS[season], geometry=False
        )
        expected = [segments.route(e) or None for e in fresh["edges"].tolist()]
        assert again == expected
        assert first == expected[: len(first)]
        assert any(r for r in again)
