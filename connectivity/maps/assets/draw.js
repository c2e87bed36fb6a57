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
    var seasonHead = ["", T.season_dry, T.season_wet_short];
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
      if (w.flags && w.flags.length) {  // assumptions behind the gain (ranking flags)
        var warn = el("div", "cx-flags"), list = el("ul");
        warn.appendChild(el("b", null, T.verify_field + ":"));
        w.flags.forEach(function (f) { list.appendChild(el("li", null, T["flag_" + f] || f)); });
        warn.appendChild(list);
        p.appendChild(warn);
      }
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
        p.appendChild(grid([T.person_minutes, T.season_dry, T.season_wet_short],
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
      var est = C.popSrc ? C.popSrc[i] : "";  // population source, when an estimate
      var who = (est ? "≈" : "") + num(C.pop[i], 0) + " " + T.people +
        (est ? " (" + T.pop_estimated + ")" : "");
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
      if (est) {
        p.appendChild(el("div", "cx-note cx-warn",
          T.verify_field + ": " + (T["pop_source_" + est] || T.pop_estimated)));
      }
      // cut off because its piece of the network joins the rest nowhere: say so
      var cut = C.cutPiece ? ["market", "school"].filter(function (k) {
        return C.cutPiece[k][i];
      }) : [];
      if (cut.length) {
        p.appendChild(el("div", "cx-note cx-warn", tmpl(T.no_route_piece, {piece: C.piece[i],
          dest: cut.map(function (k) { return T["dest_" + k]; }).join(T.dest_join)})));
      }
      if (C.route && C.route[i]) {
        p.appendChild(el("div", "cx-note", T.route_note));
        if (C.routeAfter && C.routeAfter[i]) {
          p.appendChild(el("div", "cx-note", T.route_after_note));
        }
      } else if (C.route && cut.indexOf("market") < 0) {
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
      // the region's averages: of the people with a route, beside the share with none
      function pct(x) {
        if (x === null || x === undefined) { return "–"; }
        var p = 100 * x;
        if (p === 0 || p === 100) { return num(p, 0) + "%"; }
        if (p < 0.1) { return "<" + num(0.1, 1) + "%"; }
        if (p > 99.9) { return ">" + num(99.9, 1) + "%"; }
        return num(p, p < 1 || p > 99 ? 1 : 0) + "%";
      }
      function summary(S) {
        section(S.after ? T.summary_title + " (" + T.summary_after + ")" : T.summary_title);
        current.className = "cx-summary";
        var table = el("table"), head = el("tr");
        seasonHead.forEach(function (h) { head.appendChild(el("th", null, h)); });
        table.appendChild(head);
        function row(label, cls, variant, i, fmt, unit) {
          var tr = el("tr", cls);
          tr.appendChild(el("th", null, label));
          ["dry", "wet"].forEach(function (s) {
            var k = variant + "_" + s, text = fmt(S.before[k][i]);
            var alarm = i === 1 && (S.before[k][i] > 0 || (S.after && S.after[k][i] > 0));
            if (S.after) { text += " → " + fmt(S.after[k][i]); }
            tr.appendChild(el("td", alarm ? "cx-cut" : null, text + unit));
          });
          table.appendChild(tr);
        }
        function mins(x) { return x === null ? "–" : num(x, 0); }
        ["market", "school"].forEach(function (k) {
          row(tmpl(T.summary_reachable, {dest: T[k]}), "cx-mean", k, 0, mins, " " + T.minutes);
          row(T.summary_no_route, "cx-sub", k, 1, pct, "");
          row(tmpl(T.summary_at_cap, {cap: num(S.cap, 0)}), "cx-sub", k, 2, mins,
            " " + T.minutes);
        });
        current.appendChild(table);
        current.appendChild(el("div", "cx-note", T.summary_note));
        if (S.after) { current.appendChild(el("div", "cx-note", T.summary_after_note)); }
      }
      function line(c, w, dash) {
        var s = el("span", "cx-line"); s.style.borderTopColor = c;
        s.style.borderTopWidth = w + "px"; if (dash) { s.style.borderTopStyle = "dashed"; }
        return s;
      }
      if (d.summary) { summary(d.summary); }
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
