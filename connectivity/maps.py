"""Interactive maps (folium) and a static overview (matplotlib) a planner opens and shares.

Two self-contained HTML maps and one PNG are written per region by
:func:`write_maps`:

* ``access.html`` (:func:`access_map`): communities as circles sized by
  population and coloured by minutes to the nearest market or school, in the
  dry or the wet season (four layers, one shown at a time), roads coloured by
  surface class, markets and schools, rivers, a legend, a scale bar and a
  layer control. Clicking a community shows its times and draws its route
  to the nearest market.
* ``investments.html`` (:func:`investments_map`): candidate works coloured by
  rank (the top ``top_n`` highlighted and numbered), the chosen portfolio as
  its own layer, and the communities' minutes before and after the
  portfolio. Clicking a work lists what it is, what it costs, and the
  communities that gain (before → after minutes).
* ``investments.png`` (:func:`overview_png`): the ranked works for printed
  reports, drawn offline in the network's projected CRS (no web tiles).

The HTML works without any network connection: Leaflet's script and style
sheet are inlined from the ``xstatic-leaflet`` package (folium's CDN links
are dropped), and the data are drawn by a small script of this module. The
OpenStreetMap background tiles are the only thing fetched from the web, and
a "no background" base layer shows the data without them.

Every text from the data (OSM names, file fields) reaches the page as JSON
(with ``<``, ``>`` and ``&`` escaped) and is put into the page with
``textContent``, never as HTML, so a name such as
``<script>alert(1)</script>`` is shown as text and runs nothing. Geometries
are simplified (a few metres) and coordinates stored as integer steps of
1e-5 degrees (about 1 m), which keeps a province's map to a few megabytes.
"""

from __future__ import annotations

import html
import importlib.resources
import json
import logging
import math
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import Any, cast

import folium
import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from branca.element import Element, Figure, MacroElement
from jinja2 import Template
from jinja2.utils import htmlsafe_json_dumps

from connectivity import routing
from connectivity._io import atomic_path
from connectivity._map_text import LANGS, Lang, labels, road_class_label, work_type_label
from connectivity.errors import DataError
from connectivity.network import RoadNetwork

__all__ = [
    "MINUTE_BINS",
    "ROAD_STYLE",
    "access_map",
    "investments_map",
    "overview_png",
    "write_maps",
]

log = logging.getLogger(__name__)

#: Upper bounds (minutes) of the travel-time colour classes; a last class is open.
MINUTE_BINS: tuple[float, ...] = (30.0, 60.0, 120.0, 240.0)
#: Colours of the travel-time classes (short to long), then "unreachable".
MINUTE_COLORS: tuple[str, ...] = ("#1a9641", "#a6d96a", "#ffffbf", "#fdae61", "#d7191c")
UNREACHABLE_COLOR = "#4d4d4d"

#: Line style of each road class: colour, width (px), dash pattern ("" for solid).
ROAD_STYLE: dict[str, tuple[str, float, str]] = {
    "asfaltado": ("#222222", 4.0, ""),
    "afirmado": ("#8c510a", 3.0, ""),
    "sin_afirmar": ("#d8b365", 2.5, ""),
    "trocha": ("#e66101", 2.0, "6 4"),
    "camino": ("#7f7f7f", 1.5, "2 4"),
}
RIVER_COLOR = "#4393c3"
MARKET_COLOR = "#c51b7d"
SCHOOL_COLOR = "#2166ac"
#: Works: ranks 1-5, ranks 6-top_n, the other candidates; the portfolio halo.
WORK_COLORS: tuple[str, str, str] = ("#67001f", "#d6604d", "#9e9ac8")
PORTFOLIO_COLOR = "#00a6d6"

#: Geometries are simplified to this tolerance (metres) before they go in a map.
SIMPLIFY_M = 4.0
RIVER_SIMPLIFY_M = 15.0
#: Coordinates are stored as integer multiples of this many degrees (~1.1 m).
COORD_STEP_DEG = 1e-5
#: Rows of "communities that gain" kept per work in its popup.
MAX_GAIN_ROWS = 25

KINDS = ("market", "school")
SEASONS = ("dry", "wet")
VARIANTS = tuple(f"{k}_{s}" for k in KINDS for s in SEASONS)
OSM_CREDIT = "© OpenStreetMap contributors"

_WGS84 = "EPSG:4326"


# --------------------------------------------------------------------------- assets


def _leaflet_assets() -> tuple[str, str]:
    """Leaflet's script and style sheet (images inlined), from ``xstatic-leaflet``."""
    try:
        data = importlib.resources.files("xstatic.pkg.leaflet") / "data"
        script = (data / "leaflet.js").read_text(encoding="utf-8")
        css = (data / "leaflet.css").read_text(encoding="utf-8")
    except ModuleNotFoundError as exc:
        raise DataError(
            "the maps need Leaflet from the 'xstatic-leaflet' package to work offline: "
            "pip install xstatic-leaflet"
        ) from exc
    import base64

    def inline(match: re.Match[str]) -> str:
        png = (data / "images" / match.group(1)).read_bytes()
        return f"url(data:image/png;base64,{base64.b64encode(png).decode('ascii')})"

    css = re.sub(r"url\(images/([\w.-]+\.png)\)", inline, css)
    # the source-map comment would make a browser look for a file that is not there
    script = re.sub(r"//# sourceMappingURL=\S+", "", script)
    return script, css


_CSS = """
html .leaflet-container { background: #f3f1ec; font: 13px/1.35 system-ui, sans-serif; }
.leaflet-control-attribution { max-width: 55vw; }
.cx-box { background: rgba(255,255,255,0.94); border-radius: 5px;
  box-shadow: 0 1px 5px rgba(0,0,0,0.35); padding: 6px 9px; max-width: 330px; }
.cx-header h1 { font-size: 15px; margin: 0 0 3px 0; }
.cx-header p { margin: 2px 0; }
.cx-synthetic { background: #fff3b0; border: 1px solid #c9a400; border-radius: 3px;
  padding: 2px 5px; font-weight: 600; }
.cx-legend { max-width: 440px; max-height: 45vh; overflow-y: auto; column-count: 2;
  column-gap: 14px; font-size: 12px; }
.cx-legend section { break-inside: avoid; margin-bottom: 5px; }
.cx-legend h2 { font-size: 12px; margin: 0 0 2px 0; }
.cx-item { display: flex; align-items: center; gap: 6px; margin: 1px 0; }
.cx-swatch { display: inline-block; width: 13px; height: 13px; border: 1px solid #333;
  border-radius: 50%; flex: none; }
.cx-line { display: inline-block; width: 26px; height: 0; border-top-style: solid; flex: none; }
.cx-dot { display: inline-block; border: 1px solid #333; border-radius: 50%;
  background: #bbb; flex: none; }
.cx-icon { display: flex; align-items: center; justify-content: center; flex: none;
  color: #fff; font: bold 10px/1 system-ui, sans-serif; border: 1px solid #fff;
  box-shadow: 0 0 2px #000; box-sizing: border-box; }
.cx-icon-market { background: #c51b7d; border-radius: 2px; width: 16px; height: 16px; }
.cx-icon-school { background: #2166ac; border-radius: 50% 50% 2px 2px; width: 12px;
  height: 12px; font-size: 8px; }
.cx-popup h3 { font-size: 14px; margin: 0 0 4px 0; }
.cx-popup table { border-collapse: collapse; margin-top: 4px; }
.cx-popup th { text-align: left; font-weight: 600; padding: 1px 8px 1px 0;
  vertical-align: top; }
.cx-popup td { padding: 1px 8px 1px 0; white-space: nowrap; }
.cx-popup thead th { border-bottom: 1px solid #999; font-weight: 600; }
.cx-popup .cx-gains { margin-top: 2px; }
.cx-popup .cx-gains td:first-child { white-space: normal; }
.cx-note { color: #555; font-style: italic; margin-top: 4px; }
.cx-rank { background: #67001f; color: #fff; border: 0; font-weight: bold;
  padding: 0 4px; box-shadow: none; }
.cx-rank::before { display: none; }
"""

# The drawing script: builds every layer from the JSON payload; text goes in with
# textContent only, never as HTML.
_JS = r"""
(function () {
  "use strict";
  function el(tag, cls, text) {
    var e = document.createElement(tag);
    if (cls) { e.className = cls; }
    if (text !== undefined && text !== null) { e.textContent = String(text); }
    return e;
  }
  function decode(a) {
    var out = [], lat = 0, lon = 0;
    for (var i = 0; i < a.length; i += 2) {
      lat += a[i]; lon += a[i + 1];
      out.push([lat * 1e-5, lon * 1e-5]);
    }
    return out;
  }
  function tmpl(s, vars) {
    return s.replace(/\{(\w+)\}/g, function (m, k) { return k in vars ? vars[k] : m; });
  }
  function draw(map, groups, d) {
    var T = d.t, locale = d.lang === "es" ? "es-PE" : "en-GB";
    function num(x, digits) {
      if (x === null || x === undefined) { return "–"; }
      return Number(x).toLocaleString(locale, {
        minimumFractionDigits: digits || 0, maximumFractionDigits: digits || 0});
    }
    function minutes(x) { return x === null ? T.legend_unreachable : num(x, 0) + " " + T.minutes; }
    function colour(m) {
      if (m === null || m === undefined) { return d.noneColor; }
      for (var i = 0; i < d.bins.length; i++) { if (m <= d.bins[i]) { return d.binColors[i]; } }
      return d.binColors[d.binColors.length - 1];
    }
    function radius(p) { return Math.min(3 + 1.3 * Math.sqrt(Math.max(p, 0) / 100), 24); }
    function addRow(table, label, value) {
      var tr = el("tr");
      tr.appendChild(el("th", null, label));
      tr.appendChild(el("td", null, value));
      table.appendChild(tr);
    }
    function grid(head, rows) {
      var t = el("table"), th = el("thead"), tr = el("tr");
      head.forEach(function (h) { tr.appendChild(el("th", null, h)); });
      th.appendChild(tr); t.appendChild(th);
      var tb = el("tbody");
      rows.forEach(function (r) {
        var row = el("tr");
        r.forEach(function (v, j) { row.appendChild(el(j === 0 ? "th" : "td", null, v)); });
        tb.appendChild(row);
      });
      t.appendChild(tb);
      return t;
    }
    var seasonHead = ["", T.season_dry, T.season_wet];
    var segCache = {};
    function seg(i) {
      if (!(i in segCache)) { segCache[i] = decode(d.seg.c[i]); }
      return segCache[i];
    }
    function lazy(group, fill) {
      var done = false;
      function go() { if (!done) { done = true; fill(); } }
      if (map.hasLayer(group)) { go(); } else { group.once("add", go); }
    }
    var state = {map: map, groups: groups, data: d, communities: {}, works: {}};

    // roads, drawn under everything else
    if (groups.roads) {
      lazy(groups.roads, function () {
        d.roads.forEach(function (r) {
          var st = d.roadStyle[r[0]];
          var line = L.polyline(r[2].map(seg), {color: st[0], weight: st[1],
            dashArray: st[2] || null, opacity: 0.9, interactive: true});
          var name = r[1] >= 0 ? d.names[r[1]] : "";
          line.bindTooltip(function () {
            var t = el("div"); t.appendChild(el("b", null, name));
            t.appendChild(el("div", null, st[3])); return t;
          }, {sticky: true});
          groups.roads.addLayer(line);
        });
      });
    }
    if (groups.rivers) {
      lazy(groups.rivers, function () {
        d.rivers.forEach(function (r) {
          var line = L.polyline(r[1].map(decode), {color: d.riverColor, weight: 2, opacity: 0.8});
          var name = r[0] >= 0 ? d.names[r[0]] : T.river;
          line.bindTooltip(function () { return el("span", null, name); }, {sticky: true});
          groups.rivers.addLayer(line);
        });
      });
    }
    function facilities(group, rows, kind) {
      lazy(group, function () {
        var size = kind === "market" ? 16 : 12;
        var icon = L.divIcon({className: "", iconSize: [size, size],
          html: '<div class="cx-icon cx-icon-' + kind + '">' + d.iconLetter[kind] + "</div>"});
        rows.forEach(function (f) {
          var m = L.marker([f[0] * 1e-5, f[1] * 1e-5], {icon: icon, keyboard: false});
          m.bindTooltip(function () { return el("span", null, d.names[f[2]]); });
          m.bindPopup(function () {
            var p = el("div", "cx-popup");
            p.appendChild(el("h3", null, d.names[f[2]]));
            p.appendChild(el("div", null, T[kind] + " · " + f[3]));
            return p;
          });
          group.addLayer(m);
        });
      });
    }
    if (groups.markets) { facilities(groups.markets, d.markets, "market"); }
    if (groups.schools) { facilities(groups.schools, d.schools, "school"); }

    // works (investments map)
    var routeLayer = L.layerGroup().addTo(map);
    state.routeLayer = routeLayer;
    function workPopup(w) {
      var p = el("div", "cx-popup"), t = el("table");
      p.appendChild(el("h3", null, w.name));
      if (w.description) { p.appendChild(el("div", null, w.description)); }
      addRow(t, T.rank, "#" + w.rank);
      addRow(t, T.work_type, w.type);
      if (w.length_m > 0) { addRow(t, T.length, num(w.length_m / 1000, 2) + " " + T.km); }
      if (w.span_m > 0) { addRow(t, T.span, num(w.span_m, 0) + " " + T.m); }
      addRow(t, T.cost, w.currency + " " + num(w.cost, 0));
      if (w.cost_net !== null && w.cost_net !== w.cost) {
        addRow(t, T.cost_net, w.currency + " " + num(w.cost_net, 0));
      }
      addRow(t, T.people_benefited, num(w.people, 0));
      addRow(t, T.communities_gaining, num(w.ncomm, 0));
      p.appendChild(t);
      if (Object.keys(w.pmin).length) {
        p.appendChild(grid([T.person_minutes, T.season_dry, T.season_wet],
          ["market", "school"].map(function (k) {
            return [T[k], num(w.pmin[k + "_dry"], 0), num(w.pmin[k + "_wet"], 0)];
          })));
      }
      p.appendChild(el("div", "cx-note", w.order === null ? T.not_in_portfolio
        : tmpl(T.in_portfolio, {order: w.order})));
      if (w.gains.length) {
        var box = el("div", "cx-gains");
        box.appendChild(grid([T.gains_title, T.destination, T.before_after], w.gains.map(
          function (r) {
            var ks = d.variants[r[1]].split("_");
            return [d.comm.name[r[0]], T["dest_" + ks[0]] + ", " + T[ks[1]],
              minutes(r[2]) + " → " + minutes(r[3])];
          })));
        p.appendChild(box);
        if (w.more > 0) { p.appendChild(el("div", "cx-note", tmpl(T.more_rows, {n: w.more}))); }
      }
      return p;
    }
    function drawWork(group, w, halo) {
      var layers = [];
      var rank = w.rank, top = rank <= 5 ? 0 : (rank <= d.topN ? 1 : 2);
      var col = halo ? d.portfolioColor : d.workColors[top];
      var weight = halo ? 11 : (top === 0 ? 7 : (top === 1 ? 5 : 3));
      w.lines.forEach(function (a) {
        layers.push(L.polyline(decode(a), {color: col, weight: weight,
          opacity: halo ? 0.55 : (top === 2 ? 0.8 : 0.95), lineCap: "round"}));
      });
      w.points.forEach(function (pt) {
        layers.push(L.circleMarker([pt[0] * 1e-5, pt[1] * 1e-5],
          {radius: halo ? 11 : (top === 2 ? 5 : 7),
          color: halo ? d.portfolioColor : "#ffffff", weight: halo ? 5 : 2,
          fillColor: col, fillOpacity: halo ? 0.2 : 1}));
      });
      var fg = L.featureGroup(layers);
      fg.bindPopup(function () { return workPopup(w); },
        {maxWidth: 460, minWidth: 320, maxHeight: 440});
      fg.bindTooltip(function () { return el("span", null, "#" + w.rank + " " + w.name); },
        {sticky: true});
      if (!halo && rank <= d.topN && layers.length) {
        var at = w.points.length ? [w.points[0][0] * 1e-5, w.points[0][1] * 1e-5]
          : w.labelAt;
        L.tooltip({permanent: true, direction: "center", className: "cx-rank",
          interactive: false}).setLatLng(at).setContent(String(rank)).addTo(group);
      }
      group.addLayer(fg);
      return fg;
    }
    // the top works in one layer, the other candidates in another (hidden at first)
    [["works", true], ["works_rest", false]].forEach(function (spec) {
      var group = groups[spec[0]];
      if (!group) { return; }
      lazy(group, function () {
        for (var i = d.works.length - 1; i >= 0; i--) {
          var w = d.works[i];
          if ((w.rank <= d.topN) === spec[1]) { state.works[w.id] = drawWork(group, w, false); }
        }
      });
    });
    if (groups.portfolio) {
      lazy(groups.portfolio, function () {
        d.works.forEach(function (w) {
          if (w.order !== null) { drawWork(groups.portfolio, w, true); }
        });
      });
    }

    // communities: one layer per (state, destination, season), one shown at a time
    var C = d.comm;
    function communityPopup(i) {
      var p = el("div", "cx-popup");
      p.appendChild(el("h3", null, C.name[i]));
      var who = num(C.pop[i], 0) + " " + T.people;
      if (C.district[i] >= 0) { who += " · " + T.district + " " + d.names[C.district[i]]; }
      p.appendChild(el("div", null, who));
      p.appendChild(grid(seasonHead, ["market", "school"].map(function (k) {
        return [T[k]].concat(["dry", "wet"].map(function (s) {
          var v = k + "_" + s, before = minutes(C.m[v][i]);
          return C.after ? before + " → " + minutes(C.after[v][i]) : before;
        }));
      })));
      var t = el("table");
      if (C.dest.market_dry[i] >= 0) { addRow(t, T.nearest_market, d.names[C.dest.market_dry[i]]); }
      if (C.dest.school_dry[i] >= 0) { addRow(t, T.nearest_school, d.names[C.dest.school_dry[i]]); }
      p.appendChild(t);
      if (C.far[i]) { p.appendChild(el("div", "cx-note", T.far_from_road)); }
      if (C.route && C.route[i]) {
        p.appendChild(el("div", "cx-note", T.route_note));
        if (C.routeAfter && C.routeAfter[i]) {
          p.appendChild(el("div", "cx-note", T.route_after_note));
        }
      } else if (C.route) {
        p.appendChild(el("div", "cx-note", T.no_route));
      }
      return p;
    }
    function showRoute(i) {
      routeLayer.clearLayers();
      if (C.route && C.route[i]) {
        L.polyline(C.route[i].map(seg), {color: "#ffffff", weight: 9, opacity: 0.9,
          interactive: false}).addTo(routeLayer);
        L.polyline(C.route[i].map(seg), {color: "#6a00a8", weight: 5, opacity: 1,
          interactive: false}).addTo(routeLayer);
      }
      if (C.routeAfter && C.routeAfter[i]) {
        L.polyline(C.routeAfter[i].map(seg), {color: "#ff7f00", weight: 4, opacity: 1,
          dashArray: "8 6", interactive: false}).addTo(routeLayer);
      }
    }
    var exclusive = [];
    d.commLayers.forEach(function (cl) {
      var group = groups[cl.group];
      exclusive.push(group);
      var values = cl.after ? C.after[cl.variant] : C.m[cl.variant];
      lazy(group, function () {
        var order = C.pop.map(function (p, i) { return i; })
          .sort(function (a, b) { return C.pop[b] - C.pop[a]; });  // small circles on top
        order.forEach(function (i) {
          var c = L.circleMarker([C.lat[i] * 1e-5, C.lon[i] * 1e-5], {radius: radius(C.pop[i]),
            color: "#333333", weight: 1, fillColor: colour(values[i]), fillOpacity: 0.9});
          c.bindTooltip(function () {
            return el("span", null, C.name[i] + " · " + minutes(values[i]));
          });
          c.bindPopup(function () { return communityPopup(i); }, {maxWidth: 400, minWidth: 260});
          c.on("popupopen", function () { showRoute(i); });
          c.on("popupclose", function () { routeLayer.clearLayers(); });
          group.addLayer(c);
          (state.communities[C.id[i]] = state.communities[C.id[i]] || []).push(c);
        });
      });
    });
    map.on("overlayadd", function (e) {
      if (exclusive.indexOf(e.layer) < 0) { return; }
      // after the layer control has finished with the click, so that it redraws its boxes
      setTimeout(function () {
        exclusive.forEach(function (g) {
          if (g !== e.layer && map.hasLayer(g)) { map.removeLayer(g); }
        });
      }, 0);
    });

    // header, legend, attribution
    var header = L.control({position: "topleft"});
    header.onAdd = function () {
      var box = el("div", "cx-box cx-header");
      box.appendChild(el("h1", null, d.title));
      if (d.subtitle) { box.appendChild(el("p", null, d.subtitle)); }
      if (d.synthetic) { box.appendChild(el("p", "cx-synthetic", T.synthetic)); }
      box.appendChild(el("p", null, d.hint));
      L.DomEvent.disableClickPropagation(box);
      return box;
    };
    header.addTo(map);
    var legend = L.control({position: "bottomleft"});
    legend.onAdd = function () {
      var box = el("div", "cx-box cx-legend"), current = box;
      function section(title) {
        current = el("section"); current.appendChild(el("h2", null, title));
        box.appendChild(current);
      }
      function item(sym, label) {
        var r = el("div", "cx-item"); r.appendChild(sym); r.appendChild(el("span", null, label));
        current.appendChild(r);
      }
      function swatch(c) { var s = el("span", "cx-swatch"); s.style.background = c; return s; }
      function line(c, w, dash) {
        var s = el("span", "cx-line"); s.style.borderTopColor = c;
        s.style.borderTopWidth = w + "px"; if (dash) { s.style.borderTopStyle = "dashed"; }
        return s;
      }
      section(T.legend_minutes);
      var lo = 0;
      d.bins.forEach(function (b, i) {
        item(swatch(d.binColors[i]), num(lo, 0) + "–" + num(b, 0) + " " + T.minutes); lo = b;
      });
      item(swatch(d.binColors[d.binColors.length - 1]), "> " + num(lo, 0) + " " + T.minutes);
      item(swatch(d.noneColor), T.legend_unreachable);
      section(T.legend_size);
      [100, 1000, 10000].forEach(function (p) {
        var s = el("span", "cx-dot"), r = radius(p);
        s.style.width = s.style.height = (2 * r) + "px";
        item(s, num(p, 0) + " " + T.people);
      });
      if (d.works.length) {
        section(T.legend_works);
        item(line(d.workColors[0], 7), T.legend_top5);
        if (d.topN > 5) { item(line(d.workColors[1], 5), tmpl(T.legend_top, {n: d.topN})); }
        item(line(d.workColors[2], 3), T.legend_rest);
        item(line(d.portfolioColor, 9), T.legend_portfolio);
      }
      section(T.legend_roads);
      d.roadLegend.forEach(function (r) { item(line(r[1], r[2], r[3]), r[0]); });
      item(line(d.riverColor, 2), T.river);
      section(T.legend_places);
      ["market", "school"].forEach(function (k) {
        var s = el("span", "cx-icon cx-icon-" + k, d.iconLetter[k]); item(s, T[k]);
      });
      L.DomEvent.disableClickPropagation(box);
      L.DomEvent.disableScrollPropagation(box);
      return box;
    };
    legend.addTo(map);
    d.credits.forEach(function (c) { map.attributionControl.addAttribution(c); });
    // bottom to top: rivers, roads, portfolio halo, works, communities
    function restack() {
      ["portfolio", "works_rest", "roads", "rivers"].forEach(function (k) {
        if (groups[k] && map.hasLayer(groups[k])) { groups[k].bringToBack(); }
      });
    }
    restack();
    map.on("overlayadd", restack);
    window.cxState = state;
    return state;
  }
  window.connectivityMaps = {draw: draw};
})();
"""


class _Draw(MacroElement):
    """Script that fills the map's feature groups from the embedded JSON payload."""

    _template = Template(
        """{% macro script(this, kwargs) %}
window.connectivityMaps.draw({{ this._parent.get_name() }}, {
{%- for key, group in this.groups.items() %}
  {{ key | tojson }}: {{ group.get_name() }},
{%- endfor %}
}, {{ this.payload_json }});
{% endmacro %}"""
    )

    def __init__(self, groups: Mapping[str, Any], payload: Mapping[str, Any]) -> None:
        super().__init__()  # type: ignore[no-untyped-call]
        self._name = "ConnectivityDraw"
        self.groups = dict(groups)
        self.payload_json = _json(payload)


def _json(obj: Any) -> str:
    """Compact JSON safe to place inside a <script> element (no ``<``, ``>``, ``&``)."""
    dumps = partial(json.dumps, separators=(",", ":"), allow_nan=False, ensure_ascii=False)
    text = str(htmlsafe_json_dumps(obj, dumps=dumps))
    return text.replace("\u2028", "\\u2028").replace("\u2029", "\\u2029")


# --------------------------------------------------------------------------- encoding


def _to_wgs84(geoms: Any, crs: Any) -> np.ndarray:
    return np.asarray(gpd.GeoSeries(geoms, crs=crs).to_crs(_WGS84).to_numpy())


def _encode_lines(geoms: np.ndarray) -> list[list[int]]:
    """Delta-encode LineStrings (WGS84) as ``[dlat0, dlon0, dlat1, dlon1, ...]`` integers.

    Examples
    --------
    >>> from shapely import LineString
    >>> import numpy as np
    >>> _encode_lines(np.array([LineString([(-74.0, -13.5), (-73.99999, -13.49998)])]))
    [[-1350000, -7400000, 2, 1]]
    """
    if len(geoms) == 0:
        return []
    coords, index = shapely.get_coordinates(geoms, return_index=True)
    steps = np.round(coords[:, ::-1] / COORD_STEP_DEG).astype(np.int64)  # (lat, lon)
    delta = steps.copy()
    delta[1:] -= steps[:-1]
    starts = np.r_[True, index[1:] != index[:-1]]
    delta[starts] = steps[starts]
    counts = np.bincount(index, minlength=len(geoms))
    flat = delta.ravel().tolist()
    out: list[list[int]] = []
    pos = 0
    for n in counts.tolist():
        out.append(flat[pos : pos + 2 * n])
        pos += 2 * n
    return out


def _point_steps(points: Any, crs: Any) -> tuple[list[int], list[int]]:
    geoms = _to_wgs84(points, crs)
    lat = np.round(shapely.get_y(geoms) / COORD_STEP_DEG).astype(np.int64)
    lon = np.round(shapely.get_x(geoms) / COORD_STEP_DEG).astype(np.int64)
    return lat.tolist(), lon.tolist()


def _minutes(values: Any) -> list[float | None]:
    """Minutes rounded to 0.1; ``inf``/NaN (unreachable) become None."""
    arr = np.asarray(values, dtype=float)
    return [round(v, 1) if math.isfinite(v) else None for v in arr.tolist()]


def _text(value: Any) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return ""
    if value is pd.NA:
        return ""
    return str(value)


class _Names:
    """A table of distinct strings, referred to by index (saves repeating names)."""

    def __init__(self) -> None:
        self.items: list[str] = []
        self._pos: dict[str, int] = {}

    def add(self, value: Any) -> int:
        text = _text(value)
        if not text:
            return -1
        if text not in self._pos:
            self._pos[text] = len(self.items)
            self.items.append(text)
        return self._pos[text]


@dataclass
class _Segments:
    """Undirected road segments of a network, simplified and encoded."""

    coords: list[list[int]]
    road_class: np.ndarray
    name: np.ndarray
    lookup: dict[tuple[Any, Any, Any], int]

    @classmethod
    def from_edges(cls, edges: gpd.GeoDataFrame) -> _Segments:
        u = edges.index.get_level_values(0).to_numpy()
        v = edges.index.get_level_values(1).to_numpy()
        length = np.round(shapely.length(edges.geometry.to_numpy()), 1)
        key = pd.DataFrame({"a": np.minimum(u, v), "b": np.maximum(u, v), "len": length})
        codes = key.groupby(["a", "b", "len"], sort=True).ngroup().to_numpy()
        _, first = np.unique(codes, return_index=True)
        geoms = shapely.simplify(edges.geometry.to_numpy()[first], SIMPLIFY_M)
        names = edges["name"] if "name" in edges.columns else pd.Series(None, index=edges.index)
        lookup = dict(zip(edges.index.tolist(), codes.tolist(), strict=True))
        return cls(
            coords=_encode_lines(_to_wgs84(geoms, edges.crs)),
            road_class=edges["road_class"].astype(str).to_numpy()[first],
            name=names.map(_scalar_name).to_numpy()[first],
            lookup=lookup,
        )

    def route(self, edge_keys: Iterable[tuple[Any, Any, Any]]) -> list[int]:
        out: list[int] = []
        for k in edge_keys:
            s = self.lookup.get(tuple(k))
            if s is not None and (not out or out[-1] != s):
                out.append(s)
        return out


def _scalar_name(value: Any) -> str:
    if isinstance(value, list):
        return "; ".join(_text(v) for v in value if _text(v))
    return _text(value)


# --------------------------------------------------------------------------- layers


def _check_lang(lang: str) -> Lang:
    if lang not in LANGS:
        raise DataError(f"map language must be one of {', '.join(LANGS)}, got {lang!r}")
    return lang


def _check_access(access: pd.DataFrame) -> None:
    need = ["community_id", "population", "geometry", *(f"{v}_min" for v in VARIANTS)]
    missing = [c for c in need if c not in access.columns]
    if missing:
        raise DataError(
            f"community access table lacks column(s) {', '.join(missing)} "
            "(expected the output of connectivity.access.community_access)"
        )
    if not access["community_id"].is_unique:
        raise DataError("community access table has duplicate community_id values")


def _credits(data_source: str, attribution: Sequence[str], synthetic: bool) -> list[str]:
    """Credits to show, HTML-escaped: the attribution, then what the data source adds.

    Examples
    --------
    >>> _credits("© OpenStreetMap contributors; MINEDU", ["MINEDU"], False)
    ['MINEDU', '© OpenStreetMap contributors']
    >>> _credits("synthetic <sample> (seed 4; size 1)", [], True)
    ['synthetic &lt;sample&gt; (seed 4; size 1)']
    """
    items = [a.strip() for a in attribution if a.strip()]
    parts = [p.strip() for p in data_source.split("; ") if p.strip()]
    if any(p in items for p in parts):
        # the statement lists the credits (connectivity.pipeline joins them with "; ")
        items += [p for p in parts if p not in items]
    elif data_source.strip():
        items.append(data_source.strip())
    if not synthetic and not any("OpenStreetMap" in a for a in items):
        items.insert(0, OSM_CREDIT)
    return [html.escape(a) for a in items]


def _road_payload(
    segments: _Segments, lang: Lang, names: _Names, keep: np.ndarray | None = None
) -> tuple[list[Any], list[Any], dict[str, Any]]:
    classes = [c for c in ROAD_STYLE]
    styles = [[*ROAD_STYLE[c][:2], ROAD_STYLE[c][2], road_class_label(c, lang)] for c in classes]
    pos = {c: i for i, c in enumerate(classes)}
    groups: dict[tuple[int, int], list[int]] = {}
    for i, (rc, nm) in enumerate(zip(segments.road_class, segments.name, strict=True)):
        if rc not in pos or (keep is not None and not keep[i]):
            continue  # connectors (walking links to places) are drawn only as parts of routes
        groups.setdefault((pos[rc], names.add(nm)), []).append(i)
    roads = [[c, n, segs] for (c, n), segs in sorted(groups.items())]
    legend = [[s[3], s[0], s[1], s[2]] for s in styles]
    return roads, legend, {"roadStyle": styles}


def _river_payload(waterways: gpd.GeoDataFrame | None, crs: Any, names: _Names) -> list[Any]:
    if waterways is None or waterways.empty:
        return []
    if waterways.crs is None:
        raise DataError("waterways layer has no CRS")
    ww = waterways[waterways.geometry.notna() & ~waterways.geometry.is_empty]
    geoms = shapely.simplify(ww.geometry.to_crs(crs).to_numpy(), RIVER_SIMPLIFY_M)
    lines = _encode_lines(_to_wgs84(geoms, crs))
    label = ww["name"] if "name" in ww.columns else pd.Series(None, index=ww.index)
    by_name: dict[int, list[list[int]]] = {}
    for nm, line in zip(label.map(_scalar_name), lines, strict=True):
        by_name.setdefault(names.add(nm), []).append(line)
    return [[n, ls] for n, ls in sorted(by_name.items())]


def _facility_payload(layer: gpd.GeoDataFrame, crs: Any, names: _Names) -> list[Any]:
    if layer.empty:
        return []
    lat, lon = _point_steps(layer.geometry.to_crs(crs).to_numpy(), crs)
    label = layer["name"] if "name" in layer.columns else layer["facility_id"]
    ids = layer["facility_id"].map(_text).tolist()
    out = []
    for la, lo, nm, fid in zip(lat, lon, label.tolist(), ids, strict=True):
        out.append([la, lo, names.add(_text(nm) or fid), fid])
    return out


def _community_payload(
    network: RoadNetwork,
    access: gpd.GeoDataFrame,
    names: _Names,
    segments: _Segments | None,
    *,
    after: pd.DataFrame | None = None,
    after_network: RoadNetwork | None = None,
) -> dict[str, Any]:
    crs = network.crs
    pts = access.geometry.to_crs(crs) if access.crs is not None else access.geometry
    lat, lon = _point_steps(pts.to_numpy(), crs)
    facility_name = {}
    for kind in KINDS:
        layer = getattr(network, f"{kind}s")
        label = layer["name"] if "name" in layer.columns else layer["facility_id"]
        facility_name[kind] = dict(
            zip(layer["facility_id"].map(_text), label.map(_text), strict=True)
        )
    comm_names = access["name"] if "name" in access.columns else access["community_id"]
    district = access["district"] if "district" in access.columns else None
    out: dict[str, Any] = {
        "id": access["community_id"].map(_text).tolist(),
        "name": [
            _text(n) or _text(i)
            for n, i in zip(comm_names.tolist(), access["community_id"].tolist(), strict=True)
        ],
        "lat": lat,
        "lon": lon,
        "pop": np.round(access["population"].to_numpy(dtype=float)).astype(int).tolist(),
        "district": [names.add(x) for x in district.tolist()] if district is not None else [],
        "far": access["far_from_road"].astype(bool).astype(int).tolist()
        if "far_from_road" in access.columns
        else [0] * len(access),
        "m": {v: _minutes(access[f"{v}_min"]) for v in VARIANTS},
        "dest": {},
    }
    if district is None:
        out["district"] = [-1] * len(access)
    for kind in KINDS:
        col = f"{kind}_dry_id"
        if col in access.columns:
            out["dest"][f"{kind}_dry"] = [
                names.add(facility_name[kind].get(_text(f), _text(f))) if _text(f) else -1
                for f in access[col].tolist()
            ]
        else:
            out["dest"][f"{kind}_dry"] = [-1] * len(access)
    if after is not None:
        aligned = after.reindex(access["community_id"].map(_text).to_numpy())
        out["after"] = {v: _minutes(aligned[v].to_numpy(dtype=float)) for v in VARIANTS}
    if segments is not None and "node_id" in access.columns and not network.markets.empty:
        out["route"] = _routes(network, access, segments)
        if after_network is not None:
            out["routeAfter"] = [
                r if r != b else None
                for r, b in zip(_routes(after_network, access, segments), out["route"], strict=True)
            ]
    return out


def _routes(network: RoadNetwork, access: pd.DataFrame, segments: _Segments) -> list[Any]:
    graph = routing.routing_graph_from_gdfs(network.nodes, network.edges, weights=["travel_time_s"])
    markets = dict(zip(network.markets["facility_id"], network.markets["node_id"], strict=True))
    found = routing.routes_to_nearest_facility(
        graph, access["node_id"].to_numpy(), markets, weight="travel_time_s"
    )
    out: list[Any] = []
    for edge_list in found["edges"].tolist():
        route = segments.route(edge_list)
        out.append(route or None)
    return out


def _bounds(access: gpd.GeoDataFrame, network: RoadNetwork) -> list[list[float]]:
    parts = [network.edges.geometry.to_crs(_WGS84).total_bounds]
    if len(access):
        parts.append(access.geometry.to_crs(_WGS84).total_bounds)
    b = np.vstack(parts)
    west, south = b[:, 0].min(), b[:, 1].min()
    east, north = b[:, 2].max(), b[:, 3].max()
    return [[float(south), float(west)], [float(north), float(east)]]


def _base_map(bounds: list[list[float]], t: Mapping[str, str]) -> tuple[folium.Map, dict[str, Any]]:
    center = [(bounds[0][0] + bounds[1][0]) / 2, (bounds[0][1] + bounds[1][1]) / 2]
    m = folium.Map(
        location=center, zoom_start=10, tiles=None, prefer_canvas=True, control_scale=True
    )
    # folium links Leaflet, jQuery, Bootstrap and Font Awesome from CDNs; the maps
    # need only Leaflet, inlined so that they open without a connection.
    m.default_js = []
    m.default_css = []
    script, css = _leaflet_assets()
    header = cast(Figure, m.get_root()).header
    header.add_child(Element(f"<style>{css}</style>"), name="leaflet_css")
    header.add_child(Element(f"<style>{_CSS}</style>"), name="connectivity_css")
    header.add_child(Element(f"<script>{script}</script>"), name="leaflet_js")
    header.add_child(Element(f"<script>{_JS}</script>"), name="connectivity_js")
    folium.TileLayer("OpenStreetMap", name=html.escape(t["base_osm"])).add_to(m)
    groups: dict[str, Any] = {
        "_blank": folium.FeatureGroup(name=html.escape(t["base_none"]), overlay=False, show=False)
    }
    groups["_blank"].add_to(m)
    return m, groups


def _finish(
    m: folium.Map, groups: Mapping[str, Any], payload: Mapping[str, Any], bounds: Any
) -> folium.Map:
    folium.LayerControl(collapsed=False).add_to(m)
    drawn = {k: g for k, g in groups.items() if not k.startswith("_")}
    m.add_child(_Draw(drawn, payload))
    m.fit_bounds(bounds)
    _stable_ids(m)
    return m


def _stable_ids(m: folium.Map) -> None:
    """Give every element a sequential id so the same inputs give the same HTML."""
    root = cast(Figure, m.get_root())
    seen: set[int] = set()
    todo: list[Any] = [root, root.header, root.html, root.script]
    n = 0
    while todo:
        item = todo.pop(0)
        if id(item) in seen:
            continue
        seen.add(id(item))
        item._id = f"{n:06d}"
        n += 1
        todo.extend(item._children.values())


def _community_layers(
    t: Mapping[str, str], *, states: Sequence[str]
) -> list[tuple[str, str, str, bool]]:
    """(group key, layer name, variant, after?) for each community layer."""
    out = []
    for state in states:
        template = {"": t["layer_comm"], "before": t["layer_comm_before"]}.get(
            state, t["layer_comm_after"]
        )
        for kind in KINDS:
            for season in SEASONS:
                name = template.format(dest=t[f"dest_{kind}"], season=t[f"season_{season}"])
                key = f"comm_{state or 'now'}_{kind}_{season}"
                out.append((key, name, f"{kind}_{season}", state == "after"))
    return out


def _common_payload(
    t: Mapping[str, str],
    lang: Lang,
    *,
    title: str,
    subtitle: str,
    hint: str,
    synthetic: bool,
    credits: list[str],
    bins: Sequence[float],
) -> dict[str, Any]:
    colors = _bin_colors(len(bins) + 1)
    return {
        "lang": lang,
        "t": dict(t),
        "title": title,
        "subtitle": subtitle,
        "hint": hint,
        "synthetic": synthetic,
        "credits": credits,
        "bins": [float(b) for b in bins],
        "binColors": colors,
        "noneColor": UNREACHABLE_COLOR,
        "riverColor": RIVER_COLOR,
        "workColors": list(WORK_COLORS),
        "portfolioColor": PORTFOLIO_COLOR,
        "iconLetter": {"market": "M", "school": "E" if lang == "es" else "S"},
        "variants": list(VARIANTS),
        "works": [],
        "topN": 0,
    }


def _bin_colors(n: int) -> list[str]:
    if n == len(MINUTE_COLORS):
        return list(MINUTE_COLORS)
    from matplotlib import colormaps
    from matplotlib.colors import to_hex

    cmap = colormaps["RdYlGn_r"]
    return [to_hex(cmap(0.1 + 0.8 * i / max(n - 1, 1))) for i in range(n)]


def _check_bins(thresholds_min: Sequence[float]) -> list[float]:
    bins = [float(b) for b in thresholds_min]
    if not bins or any(b <= 0 for b in bins) or sorted(set(bins)) != bins:
        raise DataError(f"thresholds_min must be increasing positive minutes, got {bins}")
    return bins


# --------------------------------------------------------------------------- access map


def access_map(
    network: RoadNetwork,
    access: gpd.GeoDataFrame,
    *,
    waterways: gpd.GeoDataFrame | None = None,
    data_source: str = "",
    attribution: Sequence[str] = (),
    synthetic: bool = False,
    title: str = "",
    lang: Lang = "es",
    thresholds_min: Sequence[float] = MINUTE_BINS,
    routes: bool = True,
) -> folium.Map:
    """Map of travel times from every community to its nearest market and school.

    Parameters
    ----------
    network : RoadNetwork
        The region's network (roads, markets, schools; projected CRS).
    access : geopandas.GeoDataFrame
        Output of :func:`connectivity.access.community_access`.
    waterways : geopandas.GeoDataFrame, optional
        Rivers as lines (any CRS), e.g. from
        :func:`connectivity.sources.osm.waterways_from_osm_file`.
    data_source : str
        Provenance statement shown in the attribution.
    attribution : sequence of str
        Credits of every data source used (plain text).
    synthetic : bool
        The data are invented: the map says so in its header.
    title : str
        The region's title, shown under the map's own title (e.g. the
        ``[region] title`` of its config).
    lang : {"es", "en"}
        Language of the labels.
    thresholds_min : sequence of float
        Upper bounds of the colour classes (minutes); one more class is open.
    routes : bool
        Store each community's route to its market, drawn when it is clicked.

    Returns
    -------
    folium.Map
        Layers: OpenStreetMap or no background; roads; rivers; markets;
        schools; communities coloured by minutes to market / school in the
        dry / wet season (one shown at a time).

    Raises
    ------
    DataError
        Missing columns, unknown language or bad thresholds.
    """
    lang = _check_lang(lang)
    _check_access(access)
    bins = _check_bins(thresholds_min)
    t = labels(lang)
    names = _Names()
    segments = _Segments.from_edges(network.edges)
    payload = _common_payload(
        t,
        lang,
        title=t["access_title"],
        subtitle=title,
        hint=t["hint_access"],
        synthetic=synthetic,
        credits=_credits(data_source, attribution, synthetic),
        bins=bins,
    )
    roads, legend, style = _road_payload(segments, lang, names)
    payload.update(style)
    payload["roadLegend"] = legend
    payload["roads"] = roads
    payload["rivers"] = _river_payload(waterways, network.crs, names)
    payload["markets"] = _facility_payload(network.markets, network.crs, names)
    payload["schools"] = _facility_payload(network.schools, network.crs, names)
    payload["comm"] = _community_payload(network, access, names, segments if routes else None)
    payload["seg"] = {"c": segments.coords}
    payload["names"] = names.items
    layers = _community_layers(t, states=[""])
    payload["commLayers"] = [
        {"group": key, "variant": variant, "after": after} for key, _, variant, after in layers
    ]
    bounds = _bounds(access, network)
    m, groups = _base_map(bounds, t)
    _add_groups(m, groups, t, layers, works=False)
    log.info("access map: %d communities, %d road segments", len(access), len(segments.coords))
    return _finish(m, groups, payload, bounds)


def _add_groups(
    m: folium.Map,
    groups: dict[str, Any],
    t: Mapping[str, str],
    comm_layers: Sequence[tuple[str, str, str, bool]],
    *,
    works: bool,
    top_n: int = 0,
) -> None:
    def add(key: str, name: str, show: bool = True) -> None:
        groups[key] = folium.FeatureGroup(name=html.escape(name), show=show)
        groups[key].add_to(m)

    add("roads", t["layer_roads"])
    add("rivers", t["layer_rivers"])
    if works:
        add("portfolio", t["layer_portfolio"])
        add("works", t["layer_works"].format(n=top_n))
        add("works_rest", t["layer_works_rest"], show=False)
    for i, (key, name, _, _) in enumerate(comm_layers):
        add(key, name, show=i == 0)
    add("markets", t["layer_markets"])
    add("schools", t["layer_schools"], show=not works)  # many: off where works are the subject


# --------------------------------------------------------------------------- ranking adapter


@dataclass(frozen=True)
class _WorksView:
    """What the maps need from a ranking result, in fixed column names."""

    works: gpd.GeoDataFrame  # index work_id; rank, work_type, name, ... (see _works_view)
    gains: pd.DataFrame  # work_id, community_id, variant, before_min, after_min
    after: pd.DataFrame | None  # index community_id; columns VARIANTS (minutes after)
    portfolio: list[str]
    person_min_columns: list[tuple[str, str]]  # (column, variant)


def _first(columns: Iterable[str], *names: str) -> str | None:
    cols = list(columns)
    for n in names:
        if n in cols:
            return n
    return None


def _works_view(result: Any, crs: Any) -> _WorksView:
    """Read a ranking result (see :mod:`connectivity.ranking`) into fixed columns.

    All knowledge of the ranking's column names sits here.
    """
    table = getattr(result, "ranking", None)
    if not isinstance(table, pd.DataFrame):
        raise DataError("ranking result has no 'ranking' table")
    works = table.copy()
    if "work_id" in works.columns:
        works = works.set_index("work_id")
    works.index = works.index.map(str)
    if "geometry" not in works.columns:
        raise DataError("ranking table has no geometry column")
    works = gpd.GeoDataFrame(works, geometry="geometry", crs=getattr(table, "crs", None) or crs)
    if works.crs is not None and works.crs != crs:
        works = works.to_crs(crs)
    if "rank" not in works.columns:
        works["rank"] = np.arange(1, len(works) + 1)
    works = works.sort_values("rank", kind="stable")
    for col, default in (
        ("work_type", ""),
        ("name", ""),
        ("description", ""),
        ("length_m", 0.0),
        ("span_m", 0.0),
        ("cost", np.nan),
    ):
        if col not in works.columns:
            works[col] = default
    if "cost_net" not in works.columns:
        works["cost_net"] = works["cost"]
    if "currency" not in works.columns:
        works["currency"] = getattr(result, "currency", "PEN")

    portfolio_table = getattr(result, "portfolio", None)
    portfolio: list[str] = []
    if isinstance(portfolio_table, pd.DataFrame) and len(portfolio_table):
        pt = portfolio_table
        ids = pt["work_id"] if "work_id" in pt.columns else pd.Series(pt.index, index=pt.index)
        if "order" in pt.columns:
            ids = ids.iloc[np.argsort(pt["order"].to_numpy(), kind="stable")]
        portfolio = [str(i) for i in ids.tolist()]
    if not portfolio and "portfolio_order" in works.columns:
        chosen = works[works["portfolio_order"].fillna(0) > 0]
        portfolio = chosen.sort_values("portfolio_order").index.tolist()
    order = {w: i + 1 for i, w in enumerate(portfolio)}
    works["portfolio_order"] = [order.get(w) for w in works.index]

    gains = _gains_view(getattr(result, "gains", None))
    if "people_benefited" not in works.columns:
        works["people_benefited"] = np.nan
    ncomm = _first(works.columns, "communities_gaining", "n_communities")
    if ncomm is None:
        counts = gains.groupby("work_id")["community_id"].nunique()
        works["communities_gaining"] = counts.reindex(works.index).fillna(0).to_numpy()
    else:
        works["communities_gaining"] = works[ncomm]
    person_cols: list[tuple[str, str]] = []
    for v in VARIANTS:
        found = _first(works.columns, f"{v}_person_min_saved", f"person_min_saved_{v}")
        if found is not None:
            person_cols.append((found, v))
    return _WorksView(
        works=works,
        gains=gains,
        after=_after_view(getattr(result, "communities_after", None)),
        portfolio=portfolio,
        person_min_columns=person_cols,
    )


def _gains_view(gains: Any) -> pd.DataFrame:
    """Gains as long rows (work, community, variant, before, after).

    Reads the wide table of :func:`connectivity.ranking.work_gains` (one row per
    work and community, ``{kind}_{season}_min_before`` / ``_after``) or a long
    one (``kind``, ``season``, ``before_min``, ``after_min``).
    """
    cols = ["work_id", "community_id", "variant", "before_min", "after_min"]
    if not isinstance(gains, pd.DataFrame) or gains.empty:
        return pd.DataFrame(columns=cols)
    g = gains.reset_index() if "work_id" not in gains.columns else gains
    if "community_id" not in g.columns:
        raise DataError(f"ranking gains table has no community_id; columns: {list(g.columns)}")
    wide = [v for v in VARIANTS if f"{v}_min_before" in g.columns and f"{v}_min_after" in g.columns]
    parts = []
    if wide:
        for v in wide:
            parts.append(
                pd.DataFrame(
                    {
                        "work_id": g["work_id"].map(str).to_numpy(),
                        "community_id": g["community_id"].map(_text).to_numpy(),
                        "variant": v,
                        "before_min": g[f"{v}_min_before"].to_numpy(dtype=float),
                        "after_min": g[f"{v}_min_after"].to_numpy(dtype=float),
                    }
                )
            )
        out = pd.concat(parts, ignore_index=True)
        return out[out["after_min"] < out["before_min"]].reset_index(drop=True)
    before = _first(g.columns, "before_min", "minutes_before")
    after = _first(g.columns, "after_min", "minutes_after")
    if before is None or after is None or not {"kind", "season"} <= set(g.columns):
        raise DataError(
            "ranking gains table needs {kind}_{season}_min_before/_after columns, or "
            f"kind, season, before_min, after_min; columns: {list(g.columns)}"
        )
    return pd.DataFrame(
        {
            "work_id": g["work_id"].map(str).to_numpy(),
            "community_id": g["community_id"].map(_text).to_numpy(),
            "variant": (g["kind"].astype(str) + "_" + g["season"].astype(str)).to_numpy(),
            "before_min": g[before].to_numpy(dtype=float),
            "after_min": g[after].to_numpy(dtype=float),
        }
    )


def _after_view(table: Any) -> pd.DataFrame | None:
    if not isinstance(table, pd.DataFrame) or table.empty:
        return None
    t = table.set_index("community_id") if "community_id" in table.columns else table
    out = {}
    for v in VARIANTS:
        col = _first(t.columns, f"{v}_min_after", f"{v}_after_min", f"after_{v}_min", f"{v}_min")
        if col is None:
            return None
        out[v] = t[col].to_numpy(dtype=float)
    return pd.DataFrame(out, index=t.index.map(_text))


def _works_payload(
    view: _WorksView,
    access: pd.DataFrame,
    lang: Lang,
    top_n: int,
) -> list[dict[str, Any]]:
    works = view.works
    crs = works.crs
    comm_pos = {c: i for i, c in enumerate(access["community_id"].map(_text))}
    population = access["population"].to_numpy(dtype=float)
    gains = view.gains.copy()
    gains["pos"] = gains["community_id"].map(comm_pos)
    gains = gains[gains["pos"].notna() & (gains["after_min"] < gains["before_min"])]
    before = gains["before_min"].to_numpy()
    after = gains["after_min"].to_numpy()
    # the order a planner reads: people x minutes saved (reaching at all counts most)
    saved = np.where(np.isfinite(before), before - after, 1e6)
    gains["weight"] = saved * population[gains["pos"].to_numpy(dtype=int)]
    gains = gains.sort_values(["work_id", "weight"], ascending=[True, False], kind="stable")
    variant_pos = {v: i for i, v in enumerate(VARIANTS)}
    by_work = {w: g for w, g in gains.groupby("work_id", sort=False)}
    geoms = works.geometry.to_numpy()
    simple = shapely.simplify(geoms, SIMPLIFY_M)
    wgs = _to_wgs84(simple, crs)
    out = []
    for (work_id, row), geom in zip(works.iterrows(), wgs, strict=True):
        parts = shapely.get_parts(geom) if geom is not None else np.array([])
        lines = [p for p in parts if p.geom_type == "LineString"]
        points = [p for p in parts if p.geom_type == "Point"]
        label_at: list[float] | None = None
        if lines:
            longest = max(lines, key=lambda p: p.length)
            mid = longest.interpolate(0.5, normalized=True)
            label_at = [round(mid.y, 5), round(mid.x, 5)]
        g = by_work.get(str(work_id))
        rows: list[list[Any]] = []
        more = 0
        if g is not None:
            kept = g.iloc[:MAX_GAIN_ROWS]
            more = len(g) - len(kept)
            rows = [
                [int(p), variant_pos[v], b, a]
                for p, v, b, a in zip(
                    kept["pos"].tolist(),
                    kept["variant"].tolist(),
                    _minutes(kept["before_min"]),
                    _minutes(kept["after_min"]),
                    strict=True,
                )
                if v in variant_pos
            ]
        people = row["people_benefited"]
        if not np.isfinite(float(people)) and g is not None:
            people = float(population[g["pos"].astype(int).unique()].sum())
        pmin = {v: _num(row[c]) for c, v in view.person_min_columns}
        order = row["portfolio_order"]
        out.append(
            {
                "id": str(work_id),
                "rank": int(row["rank"]),
                "name": _text(row["name"]) or str(work_id),
                "description": _text(row["description"]),
                "type": work_type_label(_text(row["work_type"]), lang),
                "length_m": _num(row["length_m"]),
                "span_m": _num(row["span_m"]),
                "cost": _num(row["cost"]),
                "cost_net": _num(row["cost_net"]),
                "currency": _text(row["currency"]),
                "people": _num(people),
                "ncomm": _num(row["communities_gaining"]),
                "pmin": pmin,
                "order": None if order is None or pd.isna(order) else int(order),
                "lines": _encode_lines(np.array(lines, dtype=object)),
                "points": [
                    [round(p.y / COORD_STEP_DEG), round(p.x / COORD_STEP_DEG)] for p in points
                ],
                "labelAt": label_at,
                "gains": rows,
                "more": more,
            }
        )
    return out


def _num(value: Any) -> float | None:
    try:
        x = float(value)
    except (TypeError, ValueError):
        return None
    return round(x, 2) if math.isfinite(x) else None


# --------------------------------------------------------------------------- investments map


def investments_map(
    network: RoadNetwork,
    access: gpd.GeoDataFrame,
    ranking: Any,
    *,
    after_network: RoadNetwork | None = None,
    waterways: gpd.GeoDataFrame | None = None,
    top_n: int = 20,
    data_source: str = "",
    attribution: Sequence[str] = (),
    synthetic: bool = False,
    title: str = "",
    lang: Lang = "es",
    thresholds_min: Sequence[float] = MINUTE_BINS,
    routes: bool = True,
) -> folium.Map:
    """Map of the ranked road works, the chosen portfolio, and minutes before and after.

    Parameters
    ----------
    network : RoadNetwork
        The base network the works were ranked on.
    access : geopandas.GeoDataFrame
        Community access before any work (:func:`connectivity.access.community_access`).
    ranking : RankingResult
        Result of :mod:`connectivity.ranking`: a ``ranking`` table (one row
        per work, with ``rank``, type, cost, people benefited and geometry),
        the ``portfolio``, the per-community ``gains`` and
        ``communities_after`` (minutes once the portfolio is built).
    after_network : RoadNetwork, optional
        The network with the portfolio built
        (:func:`connectivity.works.apply_works`); with it, a clicked community
        also shows its route to market after the portfolio.
    waterways : geopandas.GeoDataFrame, optional
        Rivers as lines.
    top_n : int
        Works highlighted and numbered on the map.
    data_source, attribution, synthetic, title, lang, thresholds_min, routes
        As in :func:`access_map`.

    Returns
    -------
    folium.Map
        Layers: background; roads; rivers; the chosen portfolio; candidate
        works coloured by rank; communities before and after the portfolio
        (minutes to market / school, dry / wet; one shown at a time);
        markets; schools.

    Raises
    ------
    DataError
        Missing tables or columns, unknown language, bad thresholds.
    """
    lang = _check_lang(lang)
    _check_access(access)
    bins = _check_bins(thresholds_min)
    if top_n < 0:
        raise DataError(f"top_n must be >= 0, got {top_n}")
    t = labels(lang)
    view = _works_view(ranking, network.crs)
    names = _Names()
    route_edges = after_network.edges if after_network is not None else network.edges
    segments = _Segments.from_edges(route_edges)
    in_base = np.zeros(len(segments.coords), dtype=bool)
    base_keys = set(network.edges.index.tolist())
    for k, s in segments.lookup.items():
        if k in base_keys:
            in_base[s] = True
    payload = _common_payload(
        t,
        lang,
        title=t["investments_title"],
        subtitle=title,
        hint=t["hint_investments"],
        synthetic=synthetic,
        credits=_credits(data_source, attribution, synthetic),
        bins=bins,
    )
    roads, legend, style = _road_payload(segments, lang, names, keep=in_base)
    payload.update(style)
    payload["roadLegend"] = legend
    payload["roads"] = roads
    payload["rivers"] = _river_payload(waterways, network.crs, names)
    payload["markets"] = _facility_payload(network.markets, network.crs, names)
    payload["schools"] = _facility_payload(network.schools, network.crs, names)
    after = view.after
    if after is None:
        after = pd.DataFrame(
            {v: access[f"{v}_min"].to_numpy(dtype=float) for v in VARIANTS},
            index=access["community_id"].map(_text),
        )
        log.warning("ranking result has no minutes after the portfolio: 'after' shows 'before'")
    payload["comm"] = _community_payload(
        network,
        access,
        names,
        segments if routes else None,
        after=after,
        after_network=after_network if routes else None,
    )
    payload["works"] = _works_payload(view, access, lang, top_n)
    payload["topN"] = int(top_n)
    payload["seg"] = {"c": segments.coords}
    payload["names"] = names.items
    layers = _community_layers(t, states=["before", "after"])
    payload["commLayers"] = [
        {"group": key, "variant": variant, "after": after_} for key, _, variant, after_ in layers
    ]
    bounds = _bounds(access, network)
    m, groups = _base_map(bounds, t)
    _add_groups(m, groups, t, layers, works=True, top_n=top_n)
    log.info(
        "investments map: %d works (%d in the portfolio), %d communities",
        len(view.works),
        len(view.portfolio),
        len(access),
    )
    return _finish(m, groups, payload, bounds)


# --------------------------------------------------------------------------- static PNG


def overview_png(
    network: RoadNetwork,
    ranking: Any,
    path: str | Path,
    *,
    access: gpd.GeoDataFrame | None = None,
    waterways: gpd.GeoDataFrame | None = None,
    top_n: int = 20,
    data_source: str = "",
    attribution: Sequence[str] = (),
    synthetic: bool = False,
    title: str = "",
    lang: Lang = "es",
    dpi: int = 150,
) -> Path:
    """Draw the ranked works on the roads, for printed reports (no web tiles), as a PNG.

    Parameters
    ----------
    network : RoadNetwork
        The base network (drawn in its projected CRS).
    ranking : RankingResult
        As in :func:`investments_map`.
    path : path-like
        PNG to write (atomically).
    access : geopandas.GeoDataFrame, optional
        Communities to draw as grey dots sized by population.
    waterways : geopandas.GeoDataFrame, optional
        Rivers.
    top_n : int
        Works numbered on the map and listed in the table.
    data_source, attribution, synthetic, title, lang
        As in :func:`access_map`.
    dpi : int
        Resolution of the A4-landscape figure.

    Returns
    -------
    Path
        ``path``.
    """
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.collections import LineCollection
    from matplotlib.figure import Figure
    from matplotlib.lines import Line2D

    lang = _check_lang(lang)
    t = labels(lang)
    view = _works_view(ranking, network.crs)
    fig = Figure(figsize=(11.69, 8.27), dpi=dpi)
    FigureCanvasAgg(fig)
    ax = fig.add_axes((0.01, 0.09, 0.60, 0.82))
    ax.set_aspect("equal")
    ax.set_axis_off()
    edges = network.edges
    handles = []
    for cls, (color, width, dash) in ROAD_STYLE.items():
        geoms = edges.geometry[edges["road_class"] == cls].to_numpy()
        if len(geoms) == 0:
            continue
        lines = _segments_xy(geoms)
        style = (0, (3, 2)) if dash else "solid"
        ax.add_collection(
            LineCollection(lines, colors=color, linewidths=width * 0.3, linestyles=style)
        )
        handles.append(
            Line2D([], [], color=color, lw=width * 0.5, ls=style, label=road_class_label(cls, lang))
        )
    if waterways is not None and not waterways.empty:
        ww = waterways.to_crs(network.crs).geometry.to_numpy()
        ax.add_collection(LineCollection(_segments_xy(ww), colors=RIVER_COLOR, linewidths=0.6))
        handles.append(Line2D([], [], color=RIVER_COLOR, lw=1, label=t["river"]))
    if access is not None and len(access):
        pts = access.geometry.to_crs(network.crs)
        size = 2 + 40 * np.sqrt(access["population"].to_numpy(dtype=float) / 10000)
        ax.scatter(pts.x, pts.y, s=size, c="#9a9a9a", edgecolors="#555555", linewidths=0.3)
        handles.append(
            Line2D(
                [],
                [],
                marker="o",
                ls="",
                color="#9a9a9a",
                mec="#555555",
                label=t["png_communities"],
            )
        )
    works = view.works
    top = works[works["rank"] <= top_n]
    rest = works[works["rank"] > top_n]
    for frame, color, width, alpha in (
        (rest, WORK_COLORS[2], 0.7, 0.55),
        (top, WORK_COLORS[0], 2.6, 1.0),
    ):
        geoms = frame.geometry.to_numpy()
        lines = _segments_xy(geoms)
        if lines:
            ax.add_collection(
                LineCollection(lines, colors=color, linewidths=width, alpha=alpha, zorder=3)
            )
        pts = [
            p
            for g in geoms
            if g is not None
            for p in shapely.get_parts(g)
            if p.geom_type == "Point"
        ]
        if pts:
            ax.scatter(
                [p.x for p in pts],
                [p.y for p in pts],
                s=width * 14,
                c=color,
                marker="D",
                edgecolors="white",
                linewidths=0.5,
                alpha=alpha,
                zorder=4,
            )
    in_portfolio = works[works["portfolio_order"].notna()]
    if len(in_portfolio):
        lines = _segments_xy(in_portfolio.geometry.to_numpy())
        if lines:
            ax.add_collection(
                LineCollection(lines, colors=PORTFOLIO_COLOR, linewidths=6, alpha=0.45, zorder=1)
            )
    handles += [
        Line2D([], [], color=WORK_COLORS[0], lw=2.6, label=t["png_top"].format(n=top_n)),
        Line2D([], [], color=WORK_COLORS[2], lw=0.7, alpha=0.55, label=t["legend_rest"]),
        Line2D([], [], color=PORTFOLIO_COLOR, lw=6, alpha=0.45, label=t["legend_portfolio"]),
    ]
    for _, row in top.iterrows():
        g = row.geometry
        if g is None or g.is_empty:
            continue
        at = g.interpolate(0.5, normalized=True) if g.geom_type != "Point" else g
        if at.is_empty:
            at = g.representative_point()
        ax.annotate(
            str(int(row["rank"])),
            (at.x, at.y),
            fontsize=7,
            color="white",
            weight="bold",
            ha="center",
            va="center",
            zorder=6,
            bbox={"boxstyle": "round,pad=0.2", "fc": WORK_COLORS[0], "ec": "white", "lw": 0.5},
        )
    xmin, ymin, xmax, ymax = edges.total_bounds
    pad = 0.02 * max(xmax - xmin, ymax - ymin)
    ax.set_xlim(xmin - pad, xmax + pad)
    ax.set_ylim(ymin - pad, ymax + pad)
    _scale_bar(ax, xmin, ymin, xmax, t)
    fig.legend(
        handles=handles,
        loc="lower right",
        bbox_to_anchor=(0.99, 0.09),
        ncols=2,
        fontsize=7,
        frameon=False,
    )
    heading = t["png_title"].format(n=min(top_n, len(works)))
    if title:
        heading = f"{heading} · {title}"
    fig.text(0.01, 0.965, heading, fontsize=13, weight="bold", parse_math=False)
    if synthetic:
        fig.text(
            0.01,
            0.935,
            t["synthetic"],
            fontsize=8,
            color="#7a5c00",
            bbox={"fc": "#fff3b0", "ec": "#c9a400", "boxstyle": "round,pad=0.3"},
            parse_math=False,
        )
    _works_table(fig, top, t, lang)
    credits = [html.unescape(c) for c in _credits(data_source, attribution, synthetic)]
    fig.text(
        0.01,
        0.02,
        f"{t['source']}: " + " · ".join(credits),
        fontsize=6.5,
        color="#333333",
        wrap=True,
        parse_math=False,
    )
    path = Path(path)
    with atomic_path(path) as tmp:
        fig.savefig(tmp, format="png", metadata={"Software": None})
    log.info("overview PNG written: %s (%d works, top %d)", path, len(works), top_n)
    return path


def _segments_xy(geoms: np.ndarray) -> list[np.ndarray]:
    lines = [
        p
        for g in geoms
        if g is not None
        for p in shapely.get_parts(g)
        if p.geom_type in ("LineString", "LinearRing")
    ]
    return [np.asarray(shapely.get_coordinates(line)) for line in lines]


def _scale_bar(ax: Any, xmin: float, ymin: float, xmax: float, t: Mapping[str, str]) -> None:
    target = (xmax - xmin) / 5
    km = max(1, int(10 ** math.floor(math.log10(max(target / 1000, 1e-9)))))
    best = km
    for step in (1, 2, 5, 10):
        if km * step * 1000 <= target:
            best = km * step
    length = best * 1000
    x0, y0 = xmin, ymin
    ax.plot([x0, x0 + length], [y0, y0], color="black", lw=3, solid_capstyle="butt", zorder=7)
    ax.annotate(
        t["png_scale"].format(km=best),
        (x0 + length / 2, y0),
        xytext=(0, 4),
        textcoords="offset points",
        ha="center",
        va="bottom",
        fontsize=7,
        zorder=7,
    )


def _works_table(fig: Any, top: gpd.GeoDataFrame, t: Mapping[str, str], lang: Lang) -> None:
    ax = fig.add_axes((0.63, 0.35, 0.36, 0.56))
    ax.set_axis_off()
    ax.set_xlim(0, 1)
    ax.set_ylim(0, 1)
    # (x, alignment, header) of each column: rank, name, type, cost, people
    cols = [
        (0.0, "left", t["png_table_rank"]),
        (0.06, "left", t["png_table_name"]),
        (0.55, "left", t["png_table_type"]),
        (0.86, "right", t["png_table_cost"]),
        (1.0, "right", t["png_table_people"]),
    ]
    for x, align, h in cols:
        ax.text(x, 1.0, h, fontsize=7, weight="bold", va="top", ha=align, parse_math=False)
    step = min(0.045, 0.9 / max(len(top), 1))
    for i, (_, row) in enumerate(top.iterrows()):
        y = 0.95 - i * step
        name = _text(row["name"]) or str(row.name)
        cells = [
            str(int(row["rank"])),
            name if len(name) <= 33 else name[:32] + "…",
            work_type_label(_text(row["work_type"]), lang, short=True)[:14],
            _short_money(row["cost"], _text(row["currency"])),
            _short_count(row["people_benefited"]),
        ]
        bold = not pd.isna(row["portfolio_order"])
        for (x, align, _), c in zip(cols, cells, strict=True):
            ax.text(
                x,
                y,
                c,
                fontsize=6.5,
                va="top",
                ha=align,
                parse_math=False,
                weight="bold" if bold else "normal",
            )
    ax.text(
        0.0,
        0.95 - len(top) * step - 0.02,
        t["png_bold"],
        fontsize=6.5,
        va="top",
        style="italic",
        parse_math=False,
    )


def _short_money(value: Any, currency: str) -> str:
    x = _num(value)
    if x is None:
        return "–"
    if x >= 1e6:
        return f"{currency} {x / 1e6:.1f} M"
    if x >= 1e3:
        return f"{currency} {x / 1e3:.0f} k"
    return f"{currency} {x:.0f}"


def _short_count(value: Any) -> str:
    x = _num(value)
    return "–" if x is None else f"{x:,.0f}"


# --------------------------------------------------------------------------- writing


def write_maps(
    network: RoadNetwork,
    access: gpd.GeoDataFrame,
    *,
    out_dir: str | Path,
    ranking: Any | None = None,
    after_network: RoadNetwork | None = None,
    waterways: gpd.GeoDataFrame | None = None,
    top_n: int = 20,
    data_source: str = "",
    attribution: Sequence[str] = (),
    synthetic: bool = False,
    title: str = "",
    lang: Lang = "es",
    thresholds_min: Sequence[float] = MINUTE_BINS,
) -> list[Path]:
    """Write ``access.html`` and, given a ranking, ``investments.html`` and ``investments.png``.

    Parameters
    ----------
    network, access, waterways, data_source, attribution, synthetic, title, lang, thresholds_min
        As in :func:`access_map`.
    out_dir : path-like
        Folder to write to (e.g. ``maps/<region>/``; created if missing).
    ranking : RankingResult, optional
        Without it only the access map is written.
    after_network : RoadNetwork, optional
        Network with the portfolio built (routes after, on the investments map).
    top_n : int
        Works highlighted on the investments map and the PNG.

    Returns
    -------
    list of Path
        The files written, each atomically.
    """
    out = Path(out_dir)
    common: dict[str, Any] = {
        "data_source": data_source,
        "attribution": attribution,
        "synthetic": synthetic,
        "lang": lang,
    }
    written = [
        _save_html(
            access_map(
                network,
                access,
                waterways=waterways,
                title=title,
                thresholds_min=thresholds_min,
                **common,
            ),
            out / "access.html",
        )
    ]
    if ranking is not None:
        written.append(
            _save_html(
                investments_map(
                    network,
                    access,
                    ranking,
                    after_network=after_network,
                    waterways=waterways,
                    top_n=top_n,
                    title=title,
                    thresholds_min=thresholds_min,
                    **common,
                ),
                out / "investments.html",
            )
        )
        written.append(
            overview_png(
                network,
                ranking,
                out / "investments.png",
                access=access,
                waterways=waterways,
                top_n=top_n,
                title=title,
                **common,
            )
        )
    return written


def _save_html(m: folium.Map, path: Path) -> Path:
    text = m.get_root().render()
    with atomic_path(path) as tmp:
        tmp.write_text(text, encoding="utf-8")
    log.info("map written: %s (%.1f MB)", path, path.stat().st_size / 1e6)
    return path
