"""The investments map's works, their routes and the programme's axes, as compact JSON.

The works go into the page column by column (one list per field, a row per
work, names through the shared names table): a province has thousands of
candidate works, and repeating each field's name per work would double their
size. The drawing script (``assets/draw.js``) turns the columns back into one
object per work. Each work of the top ranks or the programme carries the
route its popup draws: from the community it helps most to the destination
it helps most, in the passability state in which it saves most
(:mod:`connectivity.maps.states`). The programme's axes
(:func:`connectivity.ranking.axes.programme_axes`) carry their corridor, a
colour differing from their neighbours', and their figures written for
people (:func:`connectivity.i18n.fmt_money`).
"""

from __future__ import annotations

import logging
import math
from collections.abc import Sequence
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from connectivity.access import SEASONS
from connectivity.i18n import fmt_money, fmt_number
from connectivity.maps.encoding import (
    COORD_STEP_DEG,
    SIMPLIFY_M,
    _encode_lines,
    _minutes,
    _Names,
    _num,
    _text,
    _to_wgs84,
)
from connectivity.maps.routes import Router
from connectivity.maps.states import work_route_choice
from connectivity.maps.style import AXIS_COLORS
from connectivity.maps.text import Lang, work_type_label
from connectivity.maps.works_view import _WorksView

__all__ = ["MAX_GAIN_ROWS"]

log = logging.getLogger(__name__)

#: Rows of "communities that gain" kept per work in its popup.
MAX_GAIN_ROWS = 25
#: Corridors of the axes are simplified to this many metres.
AXIS_SIMPLIFY_M = 10.0
#: Two axes closer than this (metres) take different colours.
AXIS_NEIGHBOUR_M = 1500.0
_WORK_FIELDS = (
    "id",
    "rank",
    "name",
    "desc",
    "type",
    "flags",
    "len",
    "span",
    "cost",
    "net",
    "people",
    "ncomm",
    "pmin",
    "order",
    "lines",
    "points",
    "at",
    "gains",
    "more",
    "state",
)


def _int(value: Any) -> int | None:
    """Round to a whole number (None for a missing or infinite value)."""
    try:
        x = float(value)
    except (TypeError, ValueError):
        return None
    return round(x) if math.isfinite(x) else None


def _steps(lat: float, lon: float) -> list[int]:
    return [round(lat / COORD_STEP_DEG), round(lon / COORD_STEP_DEG)]


def _gain_rows(view: _WorksView, access: pd.DataFrame) -> pd.DataFrame:
    """Gains that are gains (after < before) of communities on the map, in a planner's order."""
    comm_pos = {c: i for i, c in enumerate(access["community_id"].map(_text))}
    population = access["population"].to_numpy(dtype=float)
    gains = view.gains.copy()
    gains["pos"] = gains["community_id"].map(comm_pos)
    gains = gains[gains["pos"].notna() & (gains["after_min"] < gains["before_min"])].copy()
    gains["pos"] = gains["pos"].astype(int)
    before = gains["before_min"].to_numpy(dtype=float)
    after = gains["after_min"].to_numpy(dtype=float)
    # the order a planner reads: people x minutes saved (reaching at all counts most)
    saved = np.where(np.isfinite(before), before - after, 1e6)
    gains["weight"] = saved * population[gains["pos"].to_numpy(dtype=int)]
    return gains.sort_values(["work_id", "weight"], ascending=[True, False], kind="stable")


def _works_payload(
    view: _WorksView,
    access: pd.DataFrame,
    kinds: Sequence[str],
    variants: Sequence[str],
    lang: Lang,
    names: _Names,
    *,
    top_n: int,
    states: np.ndarray,
    cap_min: float,
    router: Router | None,
    after_router: Router | None,
) -> dict[str, Any]:
    """Return the works as columns (a list per field, a row per work in rank order).

    Fields: ``id``, ``rank``, ``name`` / ``desc`` / ``type`` (indices into
    the names table), ``flags`` (``;``-joined codes), ``len`` and ``span``
    (metres), ``cost`` and ``net`` (currency units), ``people``, ``ncomm``,
    ``pmin`` (person-minutes per variant of ``variants``, or None), ``order``
    (in the portfolio, or None), ``lines`` and ``points`` (encoded
    geometry), ``at`` (where a line work's rank label goes), ``gains`` (rows
    ``[community position, variant index, before, after]``), ``more`` (gain
    rows left out), ``state`` (index into SEASONS of the state in which the
    work saves most) and ``route`` (see :func:`_work_routes`; None for works
    outside the top ranks and the programme).
    """
    works = view.works
    population = access["population"].to_numpy(dtype=float)
    gains = _gain_rows(view, access)
    variant_pos = {v: i for i, v in enumerate(variants)}
    by_work = {str(w): g for w, g in gains.groupby("work_id", sort=False)}
    wgs = _to_wgs84(shapely.simplify(works.geometry.to_numpy(), SIMPLIFY_M), works.crs)
    pmin_cols = [(c, variant_pos[v]) for c, v in view.person_min_columns if v in variant_pos]
    out: dict[str, list[Any]] = {k: [] for k in _WORK_FIELDS}
    for i, ((work_id, row), geom) in enumerate(zip(works.iterrows(), wgs, strict=True)):
        parts = shapely.get_parts(geom) if geom is not None else np.array([])
        lines = [p for p in parts if p.geom_type == "LineString"]
        points = [p for p in parts if p.geom_type == "Point"]
        label_at = None
        if lines:
            mid = max(lines, key=lambda p: p.length).interpolate(0.5, normalized=True)
            label_at = _steps(mid.y, mid.x)
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
        pmin: list[int | None] | None = None
        if pmin_cols:
            pmin = [None] * len(variants)
            for col, at in pmin_cols:
                pmin[at] = _int(row[col])
        order = row["portfolio_order"]
        net = _int(row["cost_net"])
        out["id"].append(str(work_id))
        out["rank"].append(int(row["rank"]))
        out["name"].append(names.add(_text(row["name"]) or str(work_id)))
        out["desc"].append(names.add(row["description"]))
        out["type"].append(names.add(work_type_label(_text(row["work_type"]), lang)))
        # assumptions to verify in the field (connectivity.ranking.flags)
        out["flags"].append(_text(row["flags"]))
        out["len"].append(_int(row["length_m"]))
        out["span"].append(_int(row["span_m"]))
        out["cost"].append(_int(row["cost"]))
        out["net"].append(net)
        out["people"].append(_int(people))
        out["ncomm"].append(_int(row["communities_gaining"]))
        out["pmin"].append(pmin)
        out["order"].append(None if order is None or pd.isna(order) else int(order))
        out["lines"].append(_encode_lines(np.array(lines, dtype=object)))
        out["points"].append([_steps(p.y, p.x) for p in points])
        out["at"].append(label_at)
        out["gains"].append(rows)
        out["more"].append(more)
        out["state"].append(int(states[i]))
    out["route"] = _work_routes(
        view,
        access,
        kinds,
        gains,
        top_n=top_n,
        states=states,
        cap_min=cap_min,
        router=router,
        after_router=after_router,
    )
    return out


def _work_routes(
    view: _WorksView,
    access: pd.DataFrame,
    kinds: Sequence[str],
    gains: pd.DataFrame,
    *,
    top_n: int,
    states: np.ndarray,
    cap_min: float,
    router: Router | None,
    after_router: Router | None,
) -> list[list[Any] | None]:
    """Per work, the route its popup draws, or None.

    For a work of the top ``top_n`` ranks or of the programme that saves
    something: ``[community position, kind index, state index, route before,
    route after, in programme (0/1)]``, the routes as segment lists (None
    where there is none). The route is the helped community's in the state
    in which the work saves most (``states``), before (the base network) and
    with the programme built (only for the programme's works: the map has
    no network with a single work outside it). The route after is None when
    it is the same as before.
    """
    works = view.works
    out: list[list[Any] | None] = [None] * len(works)
    if router is None or "node_id" not in access.columns:
        return out
    population = access["population"].to_numpy(dtype=float)
    nodes = access["node_id"].to_numpy()
    in_programme = works["portfolio_order"].notna().to_numpy()
    shown = (works["rank"].to_numpy() <= top_n) | in_programme
    by_work = {str(w): g for w, g in gains.groupby("work_id", sort=False)}
    wanted: dict[tuple[str, str], list[tuple[int, int]]] = {}  # (kind, season) -> (work, pos)
    for i, work_id in enumerate(works.index):
        g = by_work.get(str(work_id))
        if not shown[i] or g is None:
            continue
        season = SEASONS[int(states[i])]
        choice = work_route_choice(g, population, season, cap_min=cap_min)
        if choice is None:
            continue
        pos, kind = choice
        if kind not in kinds:
            continue
        wanted.setdefault((kind, season), []).append((i, pos))
    for (kind, season), items in sorted(wanted.items()):
        positions = [p for _, p in items]
        before = router.routes(nodes[positions].tolist(), kind, season)
        after: list[list[int] | None] = [None] * len(items)
        chosen = [j for j, (i, _) in enumerate(items) if in_programme[i]]
        if after_router is not None and chosen:
            origins = nodes[[positions[j] for j in chosen]].tolist()
            found = after_router.routes(origins, kind, season)
            for j, route in zip(chosen, found, strict=True):
                after[j] = route
        for (i, pos), b, a in zip(items, before, after, strict=True):
            out[i] = [
                pos,
                list(kinds).index(kind),
                SEASONS.index(season),
                b,
                a if a != b else None,
                int(in_programme[i]),
            ]
    return out


def _axis_colours(geoms: Sequence[Any]) -> list[str]:
    """Return a colour per axis, differing from those of the axes within :data:`AXIS_NEIGHBOUR_M`.

    Greedy, in the axes' order: the i-th axis takes the first colour of
    :data:`~connectivity.maps.style.AXIS_COLORS`, counting from its i-th (so
    that far-apart axes do not all take the first), that no neighbour before
    it has (the least used among its neighbours when all are taken).
    """
    tree = shapely.STRtree(list(geoms))
    n = len(AXIS_COLORS)
    colours: list[int] = []
    for i, geom in enumerate(geoms):
        near = tree.query(geom, predicate="dwithin", distance=AXIS_NEIGHBOUR_M)
        used = [colours[j] for j in near.tolist() if j < i]
        order = [(i + k) % n for k in range(n)]
        free = [c for c in order if c not in used]
        colours.append(free[0] if free else min(order, key=used.count))
    return [AXIS_COLORS[c] for c in colours]


def _axes_payload(
    axes: gpd.GeoDataFrame | None,
    view: _WorksView,
    crs: Any,
    lang: Lang,
    names: _Names,
) -> list[dict[str, Any]]:
    """Return the programme's axes: id, names, works, figures for people, colour, corridor.

    ``works`` are positions in the works' columns (rank order); money is
    written with :func:`connectivity.i18n.fmt_money` in the works' currency.
    """
    if axes is None or axes.empty:
        return []
    if axes.crs is not None and crs is not None and axes.crs != crs:
        axes = axes.to_crs(crs)
    position = {w: i for i, w in enumerate(view.works.index)}
    currency = _text(view.works["currency"].iloc[0]) if len(view.works) else "PEN"
    geoms = [g if g is not None else shapely.MultiLineString([]) for g in axes.geometry.to_numpy()]
    simple = shapely.simplify(np.array(geoms, dtype=object), AXIS_SIMPLIFY_M)
    colours = _axis_colours(geoms)
    out = []
    wgs = _to_wgs84(simple, crs)
    for (_, row), geom, colour in zip(axes.iterrows(), wgs, colours, strict=True):
        lines = [p for p in shapely.get_parts(geom) if p.geom_type == "LineString"]
        ids = [w for w in _text(row["works"]).split(";") if w]
        net = float(row["cost_net"])
        cost = float(row["cost"]) if "cost" in row.index else net
        pmin = _num(row["person_min_saved"]) if "person_min_saved" in row.index else None
        out.append(
            {
                "id": _text(row["axis_id"]),
                "name": names.add(row["name"]),
                "market": names.add(row["market_name"]),
                "works": [position[w] for w in ids if w in position],
                "cost": fmt_money(cost, currency, lang) if cost != net else None,
                "net": fmt_money(net, currency, lang),
                "communities": fmt_number(float(row["communities"]), lang),
                "people": fmt_number(float(row["people"]), lang),
                "pmin": None if pmin is None else fmt_number(pmin, lang),
                "color": colour,
                "lines": _encode_lines(np.array(lines, dtype=object)),
            }
        )
    return out
