"""The index page of a region mapped in parts: where each part is, what it holds, its maps.

When a region holds more communities than one map page opens smoothly
(:data:`~connectivity.maps.parts.MAX_MAP_COMMUNITIES`), ``access.html`` and
``investments.html`` are this page (:func:`index_page`): the parts' boxes on a
small map (a click opens the part's map), and a table of the parts with their
communities, people, people with no route to a market, the minutes to market
of those with one, and the programme's works and investment in each, with
links to the part's two maps. Each programme work is counted once, in the part
that holds its midpoint, so the parts' investments add up to the programme's.
The page works offline (Leaflet inlined) but for the background tiles.
"""

from __future__ import annotations

import html
from collections.abc import Sequence
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from connectivity.access import travel_time_stats
from connectivity.i18n import fmt_money, fmt_number
from connectivity.maps.encoding import _json
from connectivity.maps.page import _leaflet_assets
from connectivity.maps.parts import MapPart
from connectivity.maps.text import Lang, labels

__all__ = ["index_page", "part_table"]


def part_table(
    parts: Sequence[MapPart],
    access: pd.DataFrame,
    crs: Any,
    *,
    programme: gpd.GeoDataFrame | None = None,
    cap_min: float = 480.0,
) -> pd.DataFrame:
    """Return one row per part: what it holds, for the index page.

    Parameters
    ----------
    parts : sequence of MapPart
        The region's parts (:func:`~connectivity.maps.parts.split_region`).
    access : pandas.DataFrame
        Every community (``population``; ``market_dry_min`` when the region
        has markets).
    crs : CRS
        The network's CRS (the parts' boxes are in it).
    programme : geopandas.GeoDataFrame, optional
        The programme's works (``cost_net``, geometry).
    cap_min : float
        As in :func:`connectivity.access.travel_time_stats`.

    Returns
    -------
    pandas.DataFrame
        ``number``, ``label``, ``communities``, ``people``,
        ``people_no_route`` (dry season), ``people_no_route_wet`` (rivers
        in flood) and ``mean_min_market`` (dry season; NaN without markets),
        ``works`` and ``cost_net`` (the programme's, by the part of each
        work's midpoint).
    """
    people = pd.to_numeric(access["population"], errors="coerce").fillna(0.0).to_numpy(dtype=float)
    market = wet = None
    if "market_dry_min" in access.columns:
        market = access["market_dry_min"].to_numpy(dtype=float)
    if "market_wet_min" in access.columns:
        wet = access["market_wet_min"].to_numpy(dtype=float)
    owner = _work_parts(parts, programme, crs)
    cost = (
        pd.to_numeric(programme["cost_net"], errors="coerce").fillna(0.0).to_numpy(dtype=float)
        if programme is not None and len(programme)
        else np.zeros(0)
    )
    rows = []
    for i, part in enumerate(parts):
        at = part.communities
        no_route, no_route_wet, mean = np.nan, np.nan, np.nan
        if market is not None:
            st = travel_time_stats(market[at], people[at], unreachable_cap_min=cap_min)
            no_route = float(people[at][~np.isfinite(market[at])].sum())
            mean = st["mean_min_reachable"]
        if wet is not None:  # the people the floods cut off: no average hides them
            no_route_wet = float(people[at][~np.isfinite(wet[at])].sum())
        rows.append(
            {
                "number": part.number,
                "label": part.label,
                "communities": len(at),
                "people": float(people[at].sum()),
                "people_no_route": no_route,
                "people_no_route_wet": no_route_wet,
                "mean_min_market": mean,
                "works": int((owner == i).sum()),
                "cost_net": float(cost[owner == i].sum()),
            }
        )
    return pd.DataFrame(rows)


def _work_parts(parts: Sequence[MapPart], works: gpd.GeoDataFrame | None, crs: Any) -> np.ndarray:
    """Return each work's part (position): the one holding its midpoint, else the nearest."""
    if works is None or not len(works):
        return np.zeros(0, dtype=int)
    geoms = works.geometry.to_crs(crs) if works.crs is not None else works.geometry
    arr = geoms.to_numpy()
    lines = np.isin(shapely.get_type_id(arr), [1, 5])  # LineString, MultiLineString
    mid = shapely.point_on_surface(arr)
    mid[lines] = shapely.line_interpolate_point(arr[lines], 0.5, normalized=True)
    boxes = shapely.box(*np.array([p.box for p in parts]).T)
    dist = np.array([shapely.distance(b, mid) for b in boxes])  # parts x works
    return np.asarray(np.argmin(np.nan_to_num(dist, nan=np.inf), axis=0), dtype=int)


def index_page(
    parts: Sequence[MapPart],
    table: pd.DataFrame,
    crs: Any,
    *,
    which: str,
    lang: Lang,
    n_communities: int,
    max_communities: int,
    title: str = "",
    credits: Sequence[str] = (),
    synthetic: bool = False,
    currency: str = "PEN",
    with_works: bool = False,
    run_id: str = "",
) -> str:
    """Return the HTML of the index page of a region mapped in parts.

    Parameters
    ----------
    parts : sequence of MapPart
        The parts.
    table : pandas.DataFrame
        :func:`part_table` of the parts.
    crs : CRS
        The network's CRS.
    which : {"access", "investments"}
        The map a click on a part's box opens.
    lang : {"es", "en"}
        Language of the page.
    n_communities, max_communities : int
        The region's communities and the most a part holds (the page says why
        the region is in parts).
    title : str
        The region's title.
    credits : sequence of str
        Credits of the data, HTML-escaped (as the maps show them).
    synthetic : bool
        The data are invented: the page says so.
    currency : str
        Currency of the investment.
    with_works : bool
        The region has a ranking: the table gives the programme's works and
        investment, and links to the investments maps.
    run_id : str
        Id of the run (a ``<meta name="connectivity-run-id">``).
    """
    t = labels(lang)
    script, css = _leaflet_assets()
    heading = t["index_title_investments" if which == "investments" else "index_title_access"]
    boxes = [
        {
            "n": p.number,
            "label": t["part_label"].format(n=p.number, count=p.count, label=p.label or "—"),
            "href": p.file(which),
            "b": p.wgs84_box(crs),
        }
        for p in parts
    ]
    esc = html.escape
    intro = t["index_why"].format(
        n=fmt_number(n_communities, lang), most=fmt_number(max_communities, lang), count=len(parts)
    )
    head_cells = [
        t["index_part"],
        t["index_zone"],
        t["index_communities"],
        t["index_people"],
        t["index_no_route"],
        t["index_no_route_wet"],
        t["index_mean_market"],
    ]
    if with_works:
        head_cells += [t["index_works"], t["index_cost"].format(currency=currency)]
    head_cells.append(t["index_maps"])

    def num(x: float, decimals: int = 0) -> str:
        return "–" if not np.isfinite(x) else fmt_number(float(x), lang, decimals=decimals)

    body = []
    for p, row in zip(parts, table.to_dict("records"), strict=True):
        cells = [
            str(p.number),
            esc(p.label),
            num(float(row["communities"])),
            num(float(row["people"])),
            num(float(row["people_no_route"])),
            num(float(row["people_no_route_wet"])),
            num(float(row["mean_min_market"]), 1),
        ]
        if with_works:
            cells += [
                num(float(row["works"])),
                esc(fmt_money(float(row["cost_net"]), currency, lang)),
            ]
        links = [f'<a href="{esc(p.file("access"))}">{esc(t["index_access"])}</a>']
        if with_works:
            links.append(
                f'<a href="{esc(p.file("investments"))}">{esc(t["index_investments"])}</a>'
            )
        cells.append(" · ".join(links))
        tds = "".join(f"<td>{c}</td>" for c in cells)
        body.append(f'<tr data-href="{esc(p.file(which))}">{tds}</tr>')
    total = [
        "",
        esc(t["index_total"]),
        num(float(table["communities"].sum())),
        num(float(table["people"].sum())),
        num(float(table["people_no_route"].sum())),
        num(float(table["people_no_route_wet"].sum())),
        "",
    ]
    if with_works:
        invested = fmt_money(float(table["cost_net"].sum()), currency, lang)
        total += [num(float(table["works"].sum())), esc(invested)]
    total.append("")
    notes = [f"<p>{esc(t['index_works_note'])}</p>"] if with_works else []
    meta = f'<meta name="connectivity-run-id" content="{esc(run_id)}">' if run_id else ""
    synthetic_note = f'<p class="cx-synthetic">{esc(t["synthetic"])}</p>' if synthetic else ""
    subtitle = f"<p>{esc(title)}</p>" if title else ""
    data = _json({"boxes": boxes, "osm": t["base_osm"], "none": t["base_none"]})
    return f"""<!DOCTYPE html>
<html lang="{lang}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
{meta}
<title>{esc(heading)}{" — " + esc(title) if title else ""}</title>
<style>{css}</style>
<style>{_STYLE}</style>
<script>{script}</script>
</head>
<body>
<header>
<h1>{esc(heading)}</h1>
{subtitle}
{synthetic_note}
<p>{esc(intro)}</p>
<p>{esc(t["index_hint"])}</p>
</header>
<div id="index-map"></div>
<table>
<thead><tr>{"".join(f"<th>{esc(h)}</th>" for h in head_cells)}</tr></thead>
<tbody>
{chr(10).join(body)}
</tbody>
<tfoot><tr>{"".join(f"<td>{c}</td>" for c in total)}</tr></tfoot>
</table>
{"".join(notes)}
<p class="credits">{" · ".join(credits)}</p>
<script>{_SCRIPT.replace("__DATA__", data)}</script>
</body>
</html>
"""


_STYLE = """
body { font-family: system-ui, sans-serif; margin: 16px 24px; color: #222; }
h1 { font-size: 20px; margin: 0 0 4px 0; }
header p { margin: 3px 0; max-width: 60em; }
#index-map { height: 380px; margin: 12px 0; border: 1px solid #bbb; }
table { border-collapse: collapse; font-size: 13px; }
th, td { border-bottom: 1px solid #ddd; padding: 4px 8px; text-align: right; }
th:nth-child(2), td:nth-child(2) { text-align: left; }
tbody tr { cursor: pointer; }
tbody tr:hover { background: #eef4ff; }
tfoot td { font-weight: 600; border-top: 2px solid #888; }
.cx-synthetic { background: #fff3b0; border: 1px solid #c9a400; padding: 3px 6px; }
.credits { color: #666; font-size: 12px; }
.part-label { background: none; border: none; box-shadow: none; font-weight: 700;
  font-size: 14px; color: #1d3f8a; }
"""

_SCRIPT = """
(function () {
  var d = __DATA__;
  var map = L.map("index-map", {preferCanvas: true});
  var osm = L.tileLayer("https://tile.openstreetmap.org/{z}/{x}/{y}.png", {
    maxZoom: 19, attribution: "&copy; OpenStreetMap contributors"
  }).addTo(map);
  var base = {}; base[d.osm] = osm; base[d.none] = L.layerGroup();
  L.control.layers(base, {}, {collapsed: false}).addTo(map);
  var all = L.latLngBounds([]), rects = [];
  d.boxes.forEach(function (b) {
    var r = L.rectangle(b.b, {color: "#1d3f8a", weight: 2, fillOpacity: 0.08}).addTo(map);
    r.bindTooltip(b.label);
    r.on("click", function () { window.location.href = b.href; });
    rects.push(r);
    // the part's number (an integer the page itself wrote) at the middle of its box
    L.marker(L.latLngBounds(b.b).getCenter(), {
      icon: L.divIcon({className: "part-label", html: String(Number(b.n)), iconSize: [24, 16]}),
      interactive: false
    }).addTo(map);
    all.extend(b.b);
  });
  if (all.isValid()) { map.fitBounds(all); } else { map.setView([0, 0], 2); }
  window.cxIndex = {map: map, parts: d.boxes.length, boxes: rects};
  document.querySelectorAll("tbody tr").forEach(function (tr) {
    tr.addEventListener("click", function (e) {
      if (e.target.tagName !== "A") { window.location.href = tr.getAttribute("data-href"); }
    });
  });
})();
"""
