"""The JSON payload the drawing script (``assets/draw.js``) builds every layer from.

Input checks at the maps' public boundary (language, the community access
table), the credits, and the parts of the payload: labels and colours, roads
by class, rivers, the facilities of every destination kind of the network
(markets, schools, health facilities, a region's own kinds), and the
communities with their minutes, nearest destinations and routes to market.
Names go through the shared names table of :mod:`connectivity.maps.encoding`;
the page puts every text in with ``textContent``, never as HTML.
"""

from __future__ import annotations

import html
from collections.abc import Mapping, Sequence
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from connectivity.access import SEASONS, facility_layer_name, travel_time_stats
from connectivity.errors import DataError
from connectivity.maps.encoding import (
    RIVER_SIMPLIFY_M,
    _encode_lines,
    _minutes,
    _Names,
    _point_steps,
    _scalar_name,
    _Segments,
    _text,
    _to_wgs84,
)
from connectivity.maps.parts import PartView
from connectivity.maps.routes import Router
from connectivity.maps.style import (
    KIND_ICONS,
    OTHER_KIND_COLORS,
    PORTFOLIO_COLOR,
    RIVER_COLOR,
    ROAD_STYLE,
    UNREACHABLE_COLOR,
    WORK_COLORS,
    _bin_colors,
)
from connectivity.maps.text import LANGS, Lang, kind_labels, road_class_label
from connectivity.network import RoadNetwork
from connectivity.sources.population import population_is_estimated

__all__ = ["OSM_CREDIT", "SEASONS", "map_kinds", "market_routes", "variants"]

#: The passability states the maps show (:data:`connectivity.access.SEASONS`): the dry
#: season; the rains, the fords of wide rivers shut; rivers in flood, every ford shut.
OSM_CREDIT = "© OpenStreetMap contributors"


def map_kinds(network: RoadNetwork) -> tuple[str, ...]:
    """Return the destination kinds the maps show: every kind of the network, in order."""
    kinds = tuple(network.kinds)
    if not kinds:
        raise DataError("the network has no destination kinds (no facilities layer)")
    return kinds


def variants(kinds: Sequence[str]) -> list[str]:
    """Return ``{kind}_{season}`` of every kind and season the maps show, kind by kind.

    Examples
    --------
    >>> variants(["market", "health"])
    ['market_dry', 'market_rain', 'market_wet', 'health_dry', 'health_rain', 'health_wet']
    """
    return [f"{k}_{s}" for k in kinds for s in SEASONS]


def _check_lang(lang: str) -> Lang:
    if lang not in LANGS:
        raise DataError(f"map language must be one of {', '.join(LANGS)}, got {lang!r}")
    return lang


def _check_access(access: pd.DataFrame, kinds: Sequence[str]) -> None:
    need = ["community_id", "population", "geometry", *(f"{v}_min" for v in variants(kinds))]
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


def _map_payload(
    network: RoadNetwork,
    kinds: Sequence[str],
    segments: _Segments,
    names: _Names,
    t: Mapping[str, str],
    lang: Lang,
    *,
    title: str,
    subtitle: str,
    hint: str,
    waterways: gpd.GeoDataFrame | None,
    data_source: str,
    attribution: Sequence[str],
    synthetic: bool,
    bins: Sequence[float],
    keep: np.ndarray | None = None,
    part: PartView | None = None,
) -> dict[str, Any]:
    """Payload both HTML maps share: labels, colours, roads, rivers, the facilities of ``kinds``.

    ``keep`` selects the road segments drawn (see :func:`_road_payload`); the
    caller adds the communities (and works), then :func:`connectivity.maps.page._map_page`
    the segments, names and layers. A ``part``'s page holds the rivers and
    facilities of its box, says which part it is in its header (``part``)
    and gives the part's averages in its legend.
    """
    payload: dict[str, Any] = {
        "lang": lang,
        "t": dict(t),
        "title": title,
        "subtitle": subtitle,
        "hint": hint,
        "synthetic": synthetic,
        "credits": _credits(data_source, attribution, synthetic),
        "bins": [float(b) for b in bins],
        "binColors": _bin_colors(len(bins) + 1),
        "noneColor": UNREACHABLE_COLOR,
        "riverColor": RIVER_COLOR,
        "workColors": list(WORK_COLORS),
        "portfolioColor": PORTFOLIO_COLOR,
        "kinds": _kind_payload(kinds, lang),
        "variants": variants(kinds),
        "seasons": list(SEASONS),
        # what colours the communities at first (the investments map chooses its own)
        "view": {"mode": "min", "kind": kinds[0], "season": SEASONS[0], "when": "before"},
        "works": None,
        "topN": 0,
    }
    roads, legend, style = _road_payload(segments, lang, names, keep=keep)
    payload.update(style)
    payload["roadLegend"] = legend
    payload["roads"] = roads
    facilities = {kind: network.facilities[kind] for kind in kinds}
    if part is not None:
        if waterways is not None and not waterways.empty:
            waterways = waterways[part.holds_features(waterways)]
        facilities = {k: layer[part.holds_features(layer)] for k, layer in facilities.items()}
        payload["part"] = part.header
        payload["t"]["summary_title"] = t["summary_title_part"]
    payload["rivers"] = _river_payload(waterways, network.crs, names)
    payload["facilities"] = {
        kind: _facility_payload(layer, network.crs, names) for kind, layer in facilities.items()
    }
    return payload


def _kind_payload(kinds: Sequence[str], lang: Lang) -> list[dict[str, Any]]:
    """Return, per kind, its words in ``lang``, its layer's group and its icon.

    Words: see :func:`connectivity.maps.text.kind_labels`; ``group`` is its
    layer (:func:`connectivity.access.facility_layer_name`); the icon is
    ``letter`` on ``fill`` in ``ink``, ``size`` px, shaped by the style sheet's
    ``cx-icon-{cls}``. A region's own kind takes a colour of
    :data:`~connectivity.maps.style.OTHER_KIND_COLORS` and the first letter of
    its name no other kind uses.

    Examples
    --------
    >>> [(k["letter"], k["cls"]) for k in _kind_payload(["market", "school", "health"], "en")]
    [('M', 'market'), ('S', 'school'), ('+', 'health')]
    >>> [k["letter"] for k in _kind_payload(["market", "school", "mill", "store"], "en")]
    ['M', 'S', 'I', 'T']
    """
    taken = {KIND_ICONS[k][3][lang] for k in kinds if k in KIND_ICONS}
    out = []
    others = 0
    for kind in kinds:
        words = kind_labels(kind, lang)
        if kind in KIND_ICONS:
            fill, ink, size, letters = KIND_ICONS[kind]
            letter, cls = letters[lang], kind
        else:
            fill, ink, size, cls = (
                OTHER_KIND_COLORS[others % len(OTHER_KIND_COLORS)],
                "#fff",
                14,
                "other",
            )
            others += 1
            free = [c for c in words["name"].upper() if c.isascii() and c.isalnum()]
            free += [str(i) for i in range(1, 10)]
            letter = next((c for c in free if c not in taken), "•")
            taken.add(letter)
        out.append(
            {
                "kind": kind,
                "group": facility_layer_name(kind),
                **words,
                "letter": letter,
                "fill": fill,
                "ink": ink,
                "size": size,
                "cls": cls,
            }
        )
    return out


def _road_payload(
    segments: _Segments, lang: Lang, names: _Names, keep: np.ndarray | None = None
) -> tuple[list[Any], list[Any], dict[str, Any]]:
    classes = [c for c in ROAD_STYLE]
    styles = [[*ROAD_STYLE[c][:2], ROAD_STYLE[c][2], road_class_label(c, lang)] for c in classes]
    pos = {c: i for i, c in enumerate(classes)}
    groups: dict[tuple[int, int], list[int]] = {}
    at = np.arange(len(segments.road_class)) if keep is None else np.flatnonzero(keep)
    for i, rc, nm in zip(
        at.tolist(), segments.road_class[at].tolist(), segments.name[at].tolist(), strict=True
    ):
        if rc not in pos:
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
    kinds: Sequence[str],
    access: gpd.GeoDataFrame,
    names: _Names,
    router: Router | None,
    *,
    after: pd.DataFrame | None = None,
    after_router: Router | None = None,
    route_states: np.ndarray | None = None,
    routes: dict[str, list[Any]] | None = None,
) -> dict[str, Any]:
    """Return the communities: places, people, minutes before (and after), routes to market.

    With a ``router``, each community's route to its nearest market in the
    state ``route_states`` gives (an index into :data:`SEASONS` per
    community; the dry season by default): ``route``, and with an
    ``after_router`` ``routeAfter`` (None where it is the same route), and
    ``routeState`` (:func:`market_routes`); or the ``routes`` found before.
    """
    crs = network.crs
    pts = access.geometry.to_crs(crs) if access.crs is not None else access.geometry
    lat, lon = _point_steps(pts.to_numpy(), crs)
    facility_name = {}
    for kind in kinds:
        layer = network.facilities[kind]
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
        "m": {v: _minutes(access[f"{v}_min"]) for v in variants(kinds)},
        "dest": {},
    }
    out.update(_community_facts(access, kinds))
    if district is None:
        out["district"] = [-1] * len(access)
    for kind in kinds:
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
        out["after"] = {v: _minutes(aligned[v].to_numpy(dtype=float)) for v in variants(kinds)}
    if routes is None:
        routes = market_routes(network, access, router, after_router, route_states)
    out.update(routes)
    return out


def market_routes(
    network: RoadNetwork,
    access: pd.DataFrame,
    router: Router | None,
    after_router: Router | None = None,
    route_states: np.ndarray | None = None,
) -> dict[str, list[Any]]:
    """Return the communities' routes to their nearest market, as the payload holds them.

    ``route`` (segment positions, or None), ``routeState`` (the state of
    each, an index into :data:`SEASONS`: ``route_states``, else the dry
    season) and, with an ``after_router``, ``routeAfter`` (None where it is
    the route before). Nothing without a router, ``node_id`` or markets.
    A map in parts works them out once for every community of the region
    and gives each part its rows.
    """
    out: dict[str, list[Any]] = {}
    if router is not None and "node_id" in access.columns and not network.markets.empty:
        states = np.zeros(len(access), dtype=int) if route_states is None else route_states
        nodes = access["node_id"].tolist()
        out["route"] = router.routes_by_state(nodes, "market", states)
        out["routeState"] = states.tolist()
        if after_router is not None:
            out["routeAfter"] = [
                r if r != b else None
                for r, b in zip(
                    after_router.routes_by_state(nodes, "market", states), out["route"], strict=True
                )
            ]
    return out


def _summary_payload(
    access: pd.DataFrame,
    kinds: Sequence[str],
    *,
    cap_min: float,
    after: pd.DataFrame | None = None,
) -> dict[str, Any]:
    """Return the region's averages for the legend, each beside the share with no route.

    Per variant (``market_dry`` …): ``[mean of the people with a route, share
    with no route (0–1), mean of everyone with no route at cap_min]`` (see
    :func:`connectivity.access.travel_time_stats`), before and, given the
    minutes ``after`` the portfolio (index community_id, columns
    :func:`variants` of ``kinds``), after.
    """

    def stats(minutes: Any) -> list[float | None]:
        st = travel_time_stats(minutes, pop, unreachable_cap_min=cap_min)
        keys = ("mean_min_reachable", "unreachable_share", "mean_min_unreachable_at_cap")
        return [round(st[k], 4) if np.isfinite(st[k]) else None for k in keys]

    pop = pd.to_numeric(access["population"], errors="coerce").fillna(0.0).to_numpy(dtype=float)
    out: dict[str, Any] = {
        "cap": float(cap_min),
        "before": {v: stats(access[f"{v}_min"].to_numpy(dtype=float)) for v in variants(kinds)},
    }
    if after is not None:
        aligned = after.reindex(access["community_id"].map(_text).to_numpy())
        out["after"] = {v: stats(aligned[v].to_numpy(dtype=float)) for v in variants(kinds)}
    return out


def _community_facts(access: pd.DataFrame, kinds: Sequence[str]) -> dict[str, Any]:
    """Return what a community's popup must warn about: an estimated population, a cut-off piece.

    ``popSrc``: the ``population_source`` of each community whose population
    is an estimate (see :func:`connectivity.sources.population.population_is_estimated`),
    else ``""``; ``piece``: its piece of the network (``component``, -1 when
    unknown); ``cutPiece``: per kind, 1 when the community sits off the main
    piece on a piece with no facility of that kind (``{kind}_cut_off_piece``
    of :func:`connectivity.network.build_network`).
    """
    n = len(access)
    source = (
        access["population_source"].astype(object).where(access["population_source"].notna(), "")
        if "population_source" in access.columns
        else pd.Series([""] * n, index=access.index, dtype=object)
    )
    estimated = population_is_estimated(source)
    piece = (
        pd.to_numeric(access["component"], errors="coerce").fillna(-1).astype(int).tolist()
        if "component" in access.columns
        else [-1] * n
    )
    return {
        "popSrc": [str(s) if e else "" for s, e in zip(source.tolist(), estimated, strict=True)],
        "piece": piece,
        "cutPiece": {
            kind: (
                access[f"{kind}_cut_off_piece"].fillna(False).astype(bool).astype(int).tolist()
                if f"{kind}_cut_off_piece" in access.columns
                else [0] * n
            )
            for kind in kinds
        },
    }
