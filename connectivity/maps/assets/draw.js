(function () {
  "use strict";
  var NBSP = "\u00a0";
  function el(tag, cls, text) {
    var e = document.createElement(tag);
    if (cls) { e.className = cls; }
    if (text !== undefined && text !== null) { e.textContent = String(text); }
    return e;
  }
  // k: degrees per step (1e-5; coarser for the roads and rivers of a lightened map)
  function decode(a, k) {
    var out = [], lat = 0, lon = 0, s = k || 1e-5;
    for (var i = 0; i < a.length; i += 2) {
      lat += a[i]; lon += a[i + 1];
      out.push([lat * s, lon * s]);
    }
    return out;
  }
  function tmpl(s, vars) {
    return s.replace(/\{(\w+)\}/g, function (m, k) { return k in vars ? vars[k] : m; });
  }
  // a number as people of the map's language write it, as connectivity.i18n.fmt_number:
  // Spanish groups digits with a non-breaking space from 10 000 on and writes a decimal
  // comma; English groups with commas and writes a decimal point
  function fmtNumber(x, digits, lang) {
    if (x === null || x === undefined) { return "–"; }
    if (isNaN(x)) { return "—"; }
    if (!isFinite(x)) { return x > 0 ? "∞" : "−∞"; }
    var text = Math.abs(x).toFixed(digits), neg = x < 0 && Number(text) !== 0;
    var parts = text.split("."), whole = parts[0];
    if (lang !== "es" || whole.length > 4) {
      whole = whole.replace(/\B(?=(\d{3})+(?!\d))/g, lang === "es" ? NBSP : ",");
    }
    return (neg ? "-" : "") + whole + (parts[1] ? (lang === "es" ? "," : ".") + parts[1] : "");
  }
  // the works come as columns (a list per field, connectivity.maps.works_payload): one
  // object per work, in rank order
  // a map too heavy for every work draws the candidates outside the programme and the top
  // ranks brief (no description, gains or person-minutes: those are in ranking.csv)
  // (c.full: the positions of the works in full, whose details have a row each)
  function unpackWorks(c, names) {
    if (!c) { return []; }
    var row = {};
    if (c.full) { c.full.forEach(function (p, j) { row[p] = j; }); }
    return c.id.map(function (id, i) {
      var j = c.full ? row[i] : i, brief = j === undefined;
      var at = brief ? null : c.at[j], desc = brief ? -1 : c.desc[j];
      return {id: id, index: i, rank: c.rank[i], name: names[c.name[i]],
        description: desc >= 0 ? names[desc] : "",
        type: c.type[i] >= 0 ? names[c.type[i]] : "",
        flags: c.flags[i] ? c.flags[i].split(";") : [],
        length_m: c.len[i], span_m: c.span[i], cost: c.cost[i], cost_net: c.net[i],
        people: c.people[i], ncomm: c.ncomm[i], lines: c.lines[i], points: c.points[i],
        pmin: brief ? null : c.pmin[j], order: brief ? null : c.order[j],
        labelAt: at ? [at[0] * 1e-5, at[1] * 1e-5] : null,
        gains: brief ? [] : c.gains[j], more: brief ? 0 : c.more[j],
        state: brief ? 0 : c.state[j], route: brief ? null : c.route[j], brief: brief};
    });
  }
  function draw(map, groups, d) {
    var T = d.t, lang = d.lang, S = d.seasons, G = d.gain || null;
    function num(x, digits) { return fmtNumber(x, digits || 0, lang); }
    function money(x) {  // as connectivity.i18n.fmt_money: "S/ 1 234 567", "PEN 1,234,567"
      if (x === null || x === undefined) { return "–"; }
      var sign = lang === "es" && d.currency === "PEN" ? "S/" : d.currency;
      return sign + (lang === "es" ? NBSP : " ") + num(x, 0);
    }
    // a share as a percentage (connectivity.i18n.fmt_pct), never rounding a few people to
    // 0 % or all but a few to 100 %
    function pct(x) {
      if (x === null || x === undefined) { return "–"; }
      var p = 100 * x, sign = lang === "es" ? NBSP + "%" : "%";
      if (p === 0 || p === 100) { return num(p, 0) + sign; }
      if (p < 0.1) { return "<" + num(0.1, 1) + sign; }
      if (p > 99.9) { return ">" + num(99.9, 1) + sign; }
      return num(p, p < 1 || p > 99 ? 1 : 0) + sign;
    }
    function minutes(x) { return x === null ? T.legend_unreachable : num(x, 0) + " " + T.minutes; }
    function mins(x) { return x === null ? T.legend_unreachable : num(x, 0); }
    // a state in a sentence or a table head: "época seca", "lluvias", "crecida"
    function seasonWord(s) {
      if (s === "year") { return T.season_year; }
      return s === "dry" ? T.season_dry : T["season_" + s + "_short"];
    }
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
    function note(parent, text, cls) {
      parent.appendChild(el("div", "cx-note" + (cls || ""), text));
    }
    var seasonHead = [""].concat(S.map(seasonWord));
    // the destination kinds, in order: words, layer group and icon of each
    var K = d.kinds, byKind = {};
    K.forEach(function (k) { byKind[k.kind] = k; });
    function kindIcon(k) {
      var s = el("span", "cx-icon cx-icon-" + k.cls, k.letter);
      s.style.background = k.fill; s.style.color = k.ink;
      s.style.width = s.style.height = k.size + "px";
      return s;
    }
    function splitVariant(v) {  // "bus_stop_dry" -> [kind, season]
      var at = v.lastIndexOf("_");
      return [v.slice(0, at), v.slice(at + 1)];
    }
    var segCache = {}, lineStep = (d.lineStep || 1) * 1e-5, segLines = d.seg.c;
    function decodeLine(a) { return decode(a, lineStep); }
    if (d.seg.at) {  // a lightened map keeps only the segments it draws (positions in "at")
      segLines = {};
      var at = 0;
      d.seg.at.forEach(function (gap, j) { at += gap; segLines[at] = d.seg.c[j]; });
    }
    function seg(i) {
      if (!(i in segCache)) { segCache[i] = decode(segLines[i] || [], lineStep); }
      return segCache[i];
    }
    function lazy(group, fill) {
      var done = false;
      function go() { if (!done) { done = true; fill(); } }
      if (map.hasLayer(group)) { go(); } else { group.once("add", go); }
    }
    var works = unpackWorks(d.works, d.names);
    var state = {map: map, groups: groups, data: d, communities: {}, works: {}, axes: {},
      route: null};

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
          var line = L.polyline(r[1].map(decodeLine), {color: d.riverColor, weight: 2,
            opacity: 0.8});
          var name = r[0] >= 0 ? d.names[r[0]] : T.river;
          line.bindTooltip(function () { return el("span", null, name); }, {sticky: true});
          groups.rivers.addLayer(line);
        });
      });
    }
    // facilities of different kinds that would cover each other at this zoom (a town's
    // market, school and health post) stand side by side, in the order of the kinds
    var placed = {};  // kind -> its markers, in the order of its rows
    function shift(n) {  // the n-th of a group: centred, then right, left, right ... (px)
      return n <= 1 ? 0 : (n % 2 === 0 ? 1 : -1) * 17 * Math.floor(n / 2);
    }
    function place(m, k, dx, dy) {
      var at = dx + "," + dy;
      if (m.cxAt === at) { return; }
      m.cxAt = at;
      m.setIcon(L.divIcon({className: "", iconSize: [k.size, k.size],
        iconAnchor: [k.size / 2 - dx, k.size / 2 - dy], html: m.cxHtml}));
    }
    function declutter() {
      var R = 14, cells = {};
      K.forEach(function (k) {
        if (!groups[k.group] || !map.hasLayer(groups[k.group])) { return; }
        (placed[k.kind] || []).forEach(function (m) {
          var p = map.latLngToLayerPoint(m.getLatLng());
          var cx = Math.floor(p.x / R), cy = Math.floor(p.y / R), lead = null;
          for (var i = -1; i <= 1; i++) {
            for (var j = -1; j <= 1; j++) {
              (cells[(cx + i) + "," + (cy + j)] || []).forEach(function (g) {
                if (!lead && Math.abs(g.p.x - p.x) < R && Math.abs(g.p.y - p.y) < R) { lead = g; }
              });
            }
          }
          if (!lead) {  // the first icon here: where it is
            var key = cx + "," + cy, g = {p: p, n: 1, dx: {}};
            g.dx[k.kind] = 0;
            (cells[key] = cells[key] || []).push(g);
            place(m, k, 0, 0);
            return;
          }
          if (!(k.kind in lead.dx)) { lead.n += 1; lead.dx[k.kind] = shift(lead.n); }
          // beside the first icon; one more of a kind already there goes onto its own kind
          place(m, k, Math.round(lead.p.x - p.x + lead.dx[k.kind]), Math.round(lead.p.y - p.y));
        });
      });
    }
    function facilities(group, rows, k) {
      lazy(group, function () {
        // the icon's markup comes from the DOM (textContent), never from joined strings
        var html = kindIcon(k).outerHTML;
        placed[k.kind] = [];
        rows.forEach(function (f) {
          var m = L.marker([f[0] * 1e-5, f[1] * 1e-5], {icon: L.divIcon({className: "",
            iconSize: [k.size, k.size], html: html}), keyboard: false});
          m.cxHtml = html; m.cxAt = "0,0";
          placed[k.kind].push(m);
          m.bindTooltip(function () { return el("span", null, d.names[f[2]]); });
          m.bindPopup(function () {
            var p = el("div", "cx-popup");
            p.appendChild(el("h3", null, d.names[f[2]]));
            p.appendChild(el("div", null, k.name + " · " + f[3]));
            return p;
          });
          group.addLayer(m);
        });
      });
    }
    K.forEach(function (k) {
      if (groups[k.group]) { facilities(groups[k.group], d.facilities[k.kind] || [], k); }
    });
    declutter();
    map.on("zoomend overlayadd overlayremove", declutter);

    // routes: before (purple, on a white halo) and after the portfolio (orange, dashed)
    var routeLayer = L.layerGroup().addTo(map);
    state.routeLayer = routeLayer;
    function drawRoute(what, before, after) {
      routeLayer.clearLayers();
      state.route = what;
      if (before) {
        L.polyline(before.map(seg), {color: "#ffffff", weight: 9, opacity: 0.9,
          interactive: false}).addTo(routeLayer);
        L.polyline(before.map(seg), {color: "#6a00a8", weight: 5, opacity: 1,
          interactive: false}).addTo(routeLayer);
      }
      if (after) {
        L.polyline(after.map(seg), {color: "#ff7f00", weight: 4, opacity: 1,
          dashArray: "8 6", interactive: false}).addTo(routeLayer);
      }
    }
    function clearRoute() { routeLayer.clearLayers(); state.route = null; }

    // works (investments map)
    var C = d.comm;
    // robustness: per work drawn, [position, % of scenarios funded, rank P5, P95, switching %]
    var R = d.robust, robustOf = {};
    if (R) { R.rows.forEach(function (r) { robustOf[works[r[0]].id] = r; }); }
    function robustColour(p) { return p > 90 ? "#1a7f37" : (p >= 50 ? "#e69f00" : "#c0392b"); }
    function workPopup(w) {
      var p = el("div", "cx-popup"), t = el("table");
      p.appendChild(el("h3", null, w.name));
      if (w.description) { p.appendChild(el("div", null, w.description)); }
      if (w.flags.length) {  // assumptions behind the gain (ranking flags)
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
      addRow(t, T.cost, money(w.cost));
      if (w.cost_net !== null && w.cost_net !== w.cost) {
        addRow(t, T.cost_net, money(w.cost_net));
      }
      addRow(t, T.people_benefited, num(w.people, 0));
      addRow(t, T.communities_gaining, num(w.ncomm, 0));
      p.appendChild(t);
      if (w.pmin) {
        p.appendChild(grid([T.person_minutes].concat(S.map(seasonWord)), K.map(function (k) {
          return [k.name].concat(S.map(function (s) {
            return num(w.pmin[d.variants.indexOf(k.kind + "_" + s)], 0);
          }));
        })));
      }
      note(p, w.order === null ? T.not_in_portfolio : tmpl(T.in_portfolio, {order: w.order}));
      var rb = robustOf[w.id];
      if (rb) {
        note(p, tmpl(T.robust_popup, {p: rb[1] + "%", lo: num(rb[2], 0), hi: num(rb[3], 0)}));
        if (rb[4] !== null && rb[4] > 0) {
          note(p, tmpl(T.robust_switch_out, {pct: num(rb[4], 0) + "%"}));
        } else if (rb[4] !== null && rb[4] < 0) {
          note(p, tmpl(T.robust_switch_in, {pct: num(-rb[4], 0) + "%"}));
        }
      }
      if (w.brief) { note(p, tmpl(T.works_brief, {id: w.id}), " cx-brief"); }
      if (w.route) {  // the route it improves most, in the state in which it saves most
        var r = w.route, k = K[r[1]], box = el("div", "cx-note cx-route");
        box.appendChild(el("div", null, tmpl(T.route_work,
          {comm: C.name[r[0]], dest: k.dest, season: seasonWord(S[r[2]])})));
        var parts = el("ul");
        parts.appendChild(el("li", null, r[3] ? T.route_work_before : T.route_work_no_before));
        if (r[4]) { parts.appendChild(el("li", null, T.route_work_after)); }
        if (!r[5]) { parts.appendChild(el("li", null, T.route_work_outside)); }
        box.appendChild(parts);
        p.appendChild(box);
      }
      if (w.gains.length) {
        var gbox = el("div", "cx-gains");
        gbox.appendChild(grid([T.gains_title, T.destination, T.before_after], w.gains.map(
          function (g) {
            var ks = splitVariant(d.variants[g[1]]);
            return [C.name[g[0]], byKind[ks[0]].name + ", " + T[ks[1]],
              minutes(g[2]) + " → " + minutes(g[3])];
          })));
        p.appendChild(gbox);
        if (w.more > 0) { note(p, tmpl(T.more_rows, {n: w.more})); }
      }
      return p;
    }
    function showWorkRoute(w) {
      if (!w.route) { clearRoute(); return; }
      var r = w.route;
      drawRoute({work: w.id, comm: C.id[r[0]], kind: K[r[1]].kind, season: S[r[2]],
        before: r[3], after: r[4]}, r[3], r[4]);
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
      fg.on("popupopen", function () { showWorkRoute(w); });
      fg.on("popupclose", clearRoute);
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
        for (var i = works.length - 1; i >= 0; i--) {
          var w = works[i];
          if ((w.rank <= d.topN) === spec[1]) { state.works[w.id] = drawWork(group, w, false); }
        }
      });
    });
    // the works coloured by their probability of being funded (robustness stage)
    if (R && groups.robust) {
      lazy(groups.robust, function () {
        R.rows.forEach(function (r) {
          var w = works[r[0]], col = robustColour(r[1]), layers = [];
          w.lines.forEach(function (a) {
            layers.push(L.polyline(decode(a), {color: col, weight: 6, opacity: 0.95,
              lineCap: "round"}));
          });
          w.points.forEach(function (pt) {
            layers.push(L.circleMarker([pt[0] * 1e-5, pt[1] * 1e-5], {radius: 7,
              color: "#ffffff", weight: 2, fillColor: col, fillOpacity: 1}));
          });
          var fg = L.featureGroup(layers);
          fg.bindPopup(function () { return workPopup(w); },
            {maxWidth: 460, minWidth: 320, maxHeight: 440});
          fg.on("popupopen", function () { showWorkRoute(w); });
          fg.on("popupclose", clearRoute);
          fg.bindTooltip(function () {
            return el("span", null, "#" + w.rank + " " + w.name + " — " + r[1] + "%");
          }, {sticky: true});
          groups.robust.addLayer(fg);
        });
      });
    }
    if (groups.portfolio) {
      lazy(groups.portfolio, function () {
        works.forEach(function (w) {
          if (w.order !== null) { drawWork(groups.portfolio, w, true); }
        });
      });
    }
    // the programme by axis: each corridor in its colour, its summary in a popup
    function axisPopup(a) {
      var p = el("div", "cx-popup"), t = el("table");
      p.appendChild(el("h3", null, a.id + " · " + d.names[a.name]));
      if (a.market >= 0) { addRow(t, T.axis_market, d.names[a.market]); }
      addRow(t, T.axis_cost, a.net);
      if (a.cost) { addRow(t, T.axis_cost_total, a.cost); }
      addRow(t, T.axis_communities, a.communities);
      addRow(t, T.axis_people, a.people);
      if (a.pmin !== null) { addRow(t, T.axis_pmin, a.pmin); }
      p.appendChild(t);
      p.appendChild(el("b", null, T.axis_works + " (" + num(a.works.length, 0) + ")"));
      var list = el("ul", "cx-axis-works");
      a.works.forEach(function (i) {
        var w = works[i];
        list.appendChild(el("li", null, "#" + w.rank + " " + w.name + " · " + money(w.cost_net)));
      });
      p.appendChild(list);
      return p;
    }
    if (groups.axes && d.axes) {
      lazy(groups.axes, function () {
        d.axes.forEach(function (a) {
          var line = L.polyline(a.lines.map(decode), {color: a.color, weight: 8, opacity: 0.6,
            lineCap: "round", lineJoin: "round"});
          line.bindTooltip(function () {
            return el("span", null, a.id + " · " + d.names[a.name]);
          }, {sticky: true});
          line.bindPopup(function () { return axisPopup(a); },
            {maxWidth: 440, minWidth: 300, maxHeight: 440});
          groups.axes.addLayer(line);
          state.axes[a.id] = line;
        });
      });
    }

    // communities: one layer, coloured by what the "Communities" box chooses: minutes to a
    // kind in a state (before or after the portfolio), or the minutes the portfolio saves
    var view = {mode: d.view.mode, kind: d.view.kind, season: d.view.season, when: d.view.when};
    var cap = d.cap || (d.summary ? d.summary.cap : 480);
    function capped(x) { return x === null ? cap : Math.min(x, cap); }
    // minutes gained per trip to a kind in a state, or over the year (each state by its
    // days, no route counted at the cap, as the score counts); null: no gain
    function gainIn(kind, season, i) {
      if (!C.after) { return null; }
      if (season === "year") {
        var v = 0;
        S.forEach(function (s, j) {
          var k = kind + "_" + s;
          v += d.seasonShares[j] * Math.max(capped(C.m[k][i]) - capped(C.after[k][i]), 0);
        });
        return v > 0 ? {v: v, route: false} : null;
      }
      var key = kind + "_" + season, b = C.m[key][i], a = C.after[key][i];
      if (a === null) { return null; }
      if (b === null) { return {v: null, route: true, after: a}; }
      return b - a > 0 ? {v: b - a, route: false} : null;
    }
    function gainColour(g) {
      if (g === null) { return G.none; }
      if (g.route) { return G.route; }
      for (var i = 0; i < G.bins.length; i++) { if (g.v < G.bins[i]) { return G.colors[i]; } }
      return G.colors[G.colors.length - 1];
    }
    function valueOf(i) {
      if (view.mode === "gain") { return gainIn(view.kind, view.season, i); }
      var src = view.when === "after" && C.after ? C.after : C.m;
      return src[view.kind + "_" + view.season][i];
    }
    function fillOf(i) {
      return view.mode === "gain" ? gainColour(valueOf(i)) : colour(valueOf(i));
    }
    function tipOf(i) {
      var x = valueOf(i);
      if (view.mode !== "gain") { return C.name[i] + " · " + minutes(x); }
      if (x === null) { return C.name[i] + " · " + T.gain_tip_none; }
      if (x.route) {
        return C.name[i] + " · " + tmpl(T.gain_tip_route, {after: minutes(x.after)});
      }
      return C.name[i] + " · " + tmpl(T.gain_tip, {n: num(x.v, x.v < 1 ? 1 : 0)});
    }
    function communityPopup(i) {
      var p = el("div", "cx-popup");
      p.appendChild(el("h3", null, C.name[i]));
      var est = C.popSrc ? C.popSrc[i] : "";  // population source, when an estimate
      var who = (est ? "≈" : "") + num(C.pop[i], 0) + " " + T.people +
        (est ? " (" + T.pop_estimated + ")" : "");
      if (C.district[i] >= 0) { who += " · " + T.district + " " + d.names[C.district[i]]; }
      p.appendChild(el("div", null, who));
      p.appendChild(el("div", "cx-caption",
        C.after ? T.minutes_caption_after : T.minutes_caption));
      p.appendChild(grid(seasonHead, K.map(function (k) {
        return [k.name].concat(S.map(function (s) {
          var v = k.kind + "_" + s, before = mins(C.m[v][i]);
          return C.after ? before + " → " + mins(C.after[v][i]) : before;
        }));
      })));
      var t = el("table");
      K.forEach(function (k) {
        var near = C.dest[k.kind + "_dry"];
        if (near && near[i] >= 0) { addRow(t, k.nearest, d.names[near[i]]); }
      });
      p.appendChild(t);
      if (C.far[i]) { note(p, T.far_from_road); }
      if (est) {
        note(p, T.verify_field + ": " + (T["pop_source_" + est] || T.pop_estimated), " cx-warn");
      }
      // cut off because its piece of the network joins the rest nowhere: say so
      var cut = C.cutPiece ? K.filter(function (k) {
        return C.cutPiece[k.kind] && C.cutPiece[k.kind][i];
      }).map(function (k) { return k.kind; }) : [];
      if (cut.length) {
        note(p, tmpl(T.no_route_piece, {piece: C.piece[i],
          dest: cut.map(function (k) { return byKind[k].dest; }).join(T.dest_join)}), " cx-warn");
      }
      if (C.route) {  // to market, in the state in which the portfolio saves it most
        var when = seasonWord(S[C.routeState ? C.routeState[i] : 0]);
        if (C.route[i]) {
          note(p, tmpl(T.route_note_state, {season: when}));
        } else if (cut.indexOf("market") < 0) {
          note(p, T.no_route + " (" + when + ")");
        }
        if (C.routeAfter && C.routeAfter[i]) {
          note(p, tmpl(T.route_after_state, {season: when}));
        }
      }
      return p;
    }
    function showRoute(i) {
      if (!C.route) { clearRoute(); return; }
      var after = C.routeAfter ? C.routeAfter[i] : null;
      drawRoute({comm: C.id[i], kind: "market", season: S[C.routeState ? C.routeState[i] : 0],
        before: C.route[i], after: after}, C.route[i], after);
    }
    var circles = [];
    if (groups.communities) {
      lazy(groups.communities, function () {
        var order = C.pop.map(function (p, i) { return i; })
          .sort(function (a, b) { return C.pop[b] - C.pop[a]; });  // small circles on top
        order.forEach(function (i) {
          var c = L.circleMarker([C.lat[i] * 1e-5, C.lon[i] * 1e-5], {radius: radius(C.pop[i]),
            color: "#333333", weight: 1, fillColor: fillOf(i), fillOpacity: 0.9});
          c.bindTooltip(function () { return el("span", null, tipOf(i)); });
          c.bindPopup(function () { return communityPopup(i); }, {maxWidth: 460, minWidth: 280});
          c.on("popupopen", function () { showRoute(i); });
          c.on("popupclose", clearRoute);
          groups.communities.addLayer(c);
          circles[i] = c;
          state.communities[C.id[i]] = [c];
        });
      });
    }

    // the "Communities" box: what colours them
    var control = {inputs: {}, labels: {}, rows: {}};
    function setView(change) {
      Object.keys(change).forEach(function (k) { view[k] = change[k]; });
      if (view.mode !== "gain" && view.season === "year") {
        view.season = d.best ? d.best.season : S[0];
      }
      syncControl();
      circles.forEach(function (c, i) { if (c) { c.setStyle({fillColor: fillOf(i)}); } });
      fillLegend();
    }
    function syncControl() {
      Object.keys(control.inputs).forEach(function (key) {
        control.inputs[key].forEach(function (inp) {
          if (inp.tagName === "SELECT") { inp.value = view[key]; } else {
            inp.checked = inp.value === view[key];
          }
        });
      });
      var gain = view.mode === "gain";
      if (control.labels.year) { control.labels.year.style.display = gain ? "" : "none"; }
      if (control.rows.when) { control.rows.when.style.display = gain ? "none" : ""; }
    }
    var viewBox = L.control({position: "topleft"});
    viewBox.onAdd = function () {
      var box = el("div", "cx-box cx-view");
      box.appendChild(el("h2", null, T.view_title));
      function row(key, label) {
        var r = el("div", "cx-row");
        if (label) { r.appendChild(el("span", "cx-label", label)); }
        box.appendChild(r);
        control.rows[key] = r;
        control.inputs[key] = [];
        return r;
      }
      function radios(key, label, options) {
        var r = row(key, label);
        options.forEach(function (o) {
          var lab = el("label", "cx-opt"), inp = el("input");
          inp.type = "radio"; inp.name = "cx-" + key; inp.value = o[0];
          inp.addEventListener("change", function () {
            if (inp.checked) { var c = {}; c[key] = o[0]; setView(c); }
          });
          lab.appendChild(inp); lab.appendChild(el("span", null, o[1]));
          r.appendChild(lab);
          control.inputs[key].push(inp);
          control.labels[o[0]] = lab;
        });
      }
      if (G && C.after) { radios("mode", null, [["gain", T.view_gain], ["min", T.view_minutes]]); }
      var select = el("select");
      select.name = "cx-kind";
      K.forEach(function (k) {
        var o = el("option", null, k.name);
        o.value = k.kind;
        select.appendChild(o);
      });
      select.addEventListener("change", function () { setView({kind: select.value}); });
      row("kind", T.view_dest).appendChild(select);
      control.inputs.kind.push(select);
      var states = S.map(function (s) { return [s, seasonWord(s)]; });
      if (G && C.after) { states.push(["year", T.season_year]); }
      radios("season", T.view_state, states);
      if (C.after) { radios("when", null, [["before", T.view_before], ["after", T.view_after]]); }
      L.DomEvent.disableClickPropagation(box);
      L.DomEvent.disableScrollPropagation(box);
      return box;
    };

    // header, legend, attribution
    var header = L.control({position: "topleft"});
    header.onAdd = function () {
      var box = el("div", "cx-box cx-header");
      box.appendChild(el("h1", null, d.title));
      if (d.subtitle) { box.appendChild(el("p", null, d.subtitle)); }
      if (d.synthetic) { box.appendChild(el("p", "cx-synthetic", T.synthetic)); }
      if (d.part) {  // one part of a region mapped in parts: which, and links to the others
        var part = el("p", "cx-part", d.part.label);
        d.part.links.forEach(function (l) {
          var a = el("a", null, l[0]); a.href = l[1];
          part.appendChild(document.createTextNode(" · ")); part.appendChild(a);
        });
        box.appendChild(part);
      }
      box.appendChild(el("p", null, d.hint));
      L.DomEvent.disableClickPropagation(box);
      return box;
    };
    header.addTo(map);
    if (groups.communities) { viewBox.addTo(map); syncControl(); }
    var legendView = null;  // the legend's section on what colours the communities
    function swatch(c) { var s = el("span", "cx-swatch"); s.style.background = c; return s; }
    function legendItem(parent, sym, label) {
      var r = el("div", "cx-item"); r.appendChild(sym); r.appendChild(el("span", null, label));
      parent.appendChild(r);
    }
    function bestText() {  // why the map opens on the state it opens on
      var B = d.best, values = S.map(function (s, j) {
        return seasonWord(s) + " " + num(B.weighted[j], 0);
      }).join(" · ");
      var key = {none: "best_state_none", top: "best_state_top"}[B.source] || "best_state";
      return tmpl(T[key], {season: T["season_" + B.season], values: values});
    }
    function fillLegend() {
      if (!legendView) { return; }
      var box = legendView;
      box.textContent = "";
      var title = view.mode === "gain" ? T.legend_view_gain : (!C.after ? T.legend_view_min
        : (view.when === "after" ? T.legend_view_min_after : T.legend_view_min_before));
      box.appendChild(el("h2", null, tmpl(title,
        {dest: byKind[view.kind].dest, season: seasonWord(view.season)})));
      if (view.mode === "gain") {
        var lo = 0;
        G.bins.forEach(function (b, i) {
          var label = i === 0 ? tmpl(T.gain_below, {n: num(b, 0)})
            : tmpl(T.gain_range, {a: num(lo, 0), b: num(b, 0)});
          legendItem(box, swatch(G.colors[i]), label); lo = b;
        });
        legendItem(box, swatch(G.colors[G.colors.length - 1]),
          tmpl(T.gain_above, {n: num(lo, 0)}));
        if (view.season !== "year") { legendItem(box, swatch(G.route), T.gain_route); }
        legendItem(box, swatch(G.none), T.gain_none);
        if (view.season === "year") {
          note(box, tmpl(T.gain_year_note, {cap: num(cap, 0), days: S.map(function (s, j) {
            return seasonWord(s) + " " + num(d.seasonDays[j], 0);
          }).join(", ") + " " + T.days}));
        }
      } else {
        var low = 0;
        d.bins.forEach(function (b, i) {
          legendItem(box, swatch(d.binColors[i]),
            num(low, 0) + "–" + num(b, 0) + " " + T.minutes);
          low = b;
        });
        legendItem(box, swatch(d.binColors[d.binColors.length - 1]),
          "> " + num(low, 0) + " " + T.minutes);
        legendItem(box, swatch(d.noneColor), T.legend_unreachable);
      }
      if (d.best) { note(box, bestText(), " cx-best"); }
    }
    var legend = L.control({position: "bottomleft"});
    legend.onAdd = function () {
      // the box scrolls; the columns inside it grow as long as they need (a multi-column
      // box of limited height would push its last sections out of sight, to the right)
      var box = el("div", "cx-box cx-legend"), cols = el("div", "cx-cols"), current = cols;
      box.appendChild(cols);
      function section(title, cls) {
        current = el("section", cls);
        if (title) { current.appendChild(el("h2", null, title)); }
        cols.appendChild(current);
      }
      function item(sym, label) { legendItem(current, sym, label); }
      // the region's averages: of the people with a route, beside the share with none
      function summary(Sm) {
        section(Sm.after ? T.summary_title + " (" + T.summary_after + ")" : T.summary_title,
          "cx-summary");
        // before -> after: the minutes' unit goes to the head, so that three states fit
        var table = el("table"), head = el("tr"), unit = Sm.after ? "" : " " + T.minutes;
        [Sm.after ? T.minutes : ""].concat(seasonHead.slice(1)).forEach(function (h) {
          head.appendChild(el("th", null, h));
        });
        table.appendChild(head);
        function row(label, cls, kind, i, fmt, unit) {
          var tr = el("tr", cls);
          tr.appendChild(el("th", null, label));
          S.forEach(function (s) {
            var k = kind + "_" + s, text = fmt(Sm.before[k][i]);
            var alarm = i === 1 && (Sm.before[k][i] > 0 || (Sm.after && Sm.after[k][i] > 0));
            if (Sm.after) { text += " → " + fmt(Sm.after[k][i]); }
            tr.appendChild(el("td", alarm ? "cx-cut" : null, text + unit));
          });
          table.appendChild(tr);
        }
        function mean(x) { return x === null ? "–" : num(x, 0); }
        K.forEach(function (k) {
          row(tmpl(T.summary_reachable, {dest: k.name}), "cx-mean", k.kind, 0, mean, unit);
          row(T.summary_no_route, "cx-sub", k.kind, 1, pct, "");
          row(tmpl(T.summary_at_cap, {cap: num(Sm.cap, 0)}), "cx-sub", k.kind, 2, mean, unit);
        });
        current.appendChild(table);
        note(current, T.summary_note);
        if (Sm.after) { note(current, T.summary_after_note); }
      }
      function line(c, w, dash) {
        var s = el("span", "cx-line"); s.style.borderTopColor = c;
        s.style.borderTopWidth = w + "px"; if (dash) { s.style.borderTopStyle = "dashed"; }
        return s;
      }
      if (d.summary) { summary(d.summary); }
      section(null, "cx-view-legend");
      legendView = current;
      section(T.legend_size);
      [100, 1000, 10000].forEach(function (p) {
        var s = el("span", "cx-dot"), r = radius(p);
        s.style.width = s.style.height = (2 * r) + "px";
        item(s, num(p, 0) + " " + T.people);
      });
      if (works.length) {
        section(T.legend_works);
        item(line(d.workColors[0], 7), T.legend_top5);
        if (d.topN > 5) { item(line(d.workColors[1], 5), tmpl(T.legend_top, {n: d.topN})); }
        item(line(d.workColors[2], 3), T.legend_rest);
        item(line(d.portfolioColor, 9), T.legend_portfolio);
        if (d.axes && d.axes.length) {
          var colours = el("span", "cx-axes"), seen = [];
          d.axes.forEach(function (a) {
            if (seen.length < 4 && seen.indexOf(a.color) < 0) {
              seen.push(a.color);
              colours.appendChild(line(a.color, 4));
            }
          });
          item(colours, T.legend_axes);
        }
        if (R) {
          section(tmpl(T.legend_robust, {n: num(R.n, 0)}));
          item(line(robustColour(95), 6), T.robust_high);
          item(line(robustColour(70), 6), T.robust_mid);
          item(line(robustColour(10), 6), T.robust_low);
        }
        var W = d.worksShown;  // say what the map leaves out, when it cannot draw everything
        if (W && W.brief) {
          note(current, tmpl(T.works_shown_brief, {m: num(W.simplifyM, 0)}), " cx-lighter");
        }
        if (W && W.shown < W.total) {
          note(current, tmpl(T.works_shown_some, {shown: num(W.shown, 0), total: num(W.total, 0),
            top: num(d.topN, 0), rank: num(W.lastRank, 0), hidden: num(W.total - W.shown, 0)}),
            " cx-lighter");
        }
      }
      section(T.legend_roads);
      d.roadLegend.forEach(function (r) { item(line(r[1], r[2], r[3]), r[0]); });
      // a map over its byte budget: what its roads, rivers and routes leave out
      (d.roadNotes || []).forEach(function (s) { note(current, s, " cx-lighter"); });
      item(line(d.riverColor, 2), T.river);
      section(T.legend_places);
      K.forEach(function (k) { item(kindIcon(k), k.name); });
      L.DomEvent.disableClickPropagation(box);
      L.DomEvent.disableScrollPropagation(box);
      return box;
    };
    legend.addTo(map);
    fillLegend();
    d.credits.forEach(function (c) { map.attributionControl.addAttribution(c); });
    // bottom to top: rivers, roads, axes, other candidates, portfolio halo, works, communities
    function restack() {
      ["portfolio", "works_rest", "axes", "roads", "rivers"].forEach(function (k) {
        if (groups[k] && map.hasLayer(groups[k])) { groups[k].bringToBack(); }
      });
    }
    restack();
    map.on("overlayadd", restack);
    state.view = view;
    state.setView = setView;
    state.valueOf = valueOf;
    state.gainIn = gainIn;
    state.fmtNumber = function (x, digits) { return num(x, digits); };
    window.cxState = state;
    return state;
  }
  window.connectivityMaps = {draw: draw};
})();
