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

A department has tens of thousands of candidate works; drawn whole they
would make the page too heavy to open. When they do not fit in the map's
byte budget (:data:`connectivity.maps.investments.MAX_MAP_BYTES`), the
programme and the top ranks stay whole and the other candidates are drawn
brief: simplified to :data:`REST_SIMPLIFY_M`, without description, gains or
person-minutes (``ranking.csv`` has them), and if that is still too much,
only the best-ranked that fit (:func:`choose_shown`); ``worksShown`` tells
the page what to say.
"""

from __future__ import annotations

import json
import logging
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
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

__all__ = ["MAX_GAIN_ROWS", "REST_SIMPLIFY_M", "WorksShown", "choose_shown"]

log = logging.getLogger(__name__)

#: Rows of "communities that gain" kept per work in its popup.
MAX_GAIN_ROWS = 25
#: Works outside the programme and the top ranks, drawn briefly when the map would be too
#: heavy (:func:`choose_shown`), are simplified to this many metres: a few pixels at the
#: zooms a region is seen at, for thin lines of a layer hidden at first.
REST_SIMPLIFY_M = 15.0
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

#: Fields only the works in full carry when the other candidates are brief.
_DETAIL_FIELDS = ("desc", "pmin", "order", "at", "gains", "more", "state", "route")


def _ints(values: Any) -> list[int | None]:
    """:func:`_int` of every value of a column."""
    arr = pd.to_numeric(pd.Series(values), errors="coerce").to_numpy(dtype=float)
    return [round(x) if math.isfinite(x) else None for x in arr.tolist()]


def _steps(lat: float, lon: float) -> list[int]:
    return [round(lat / COORD_STEP_DEG), round(lon / COORD_STEP_DEG)]


_ENCODER = json.JSONEncoder(separators=(",", ":"), ensure_ascii=False, allow_nan=False)


def _json_bytes(value: Any) -> int:
    """Bytes ``value`` takes in the page's JSON (:func:`~connectivity.maps.encoding._json`).

    Examples
    --------
    >>> from connectivity.maps.encoding import _json
    >>> values = ["Río 'Grande' <b>", [[1, -2], None, 3.5], 12]
    >>> [_json_bytes(v) == len(_json(v).encode("utf-8")) for v in values]
    [True, True, True]
    """
    text = _ENCODER.encode(value)
    if isinstance(value, str):  # <, >, & and ' are written \u003c ... (5 bytes more)
        return len(text.encode("utf-8")) + 5 * sum(text.count(c) for c in "<>&'")
    return len(text)  # numbers, None and lists of them: ASCII


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


@dataclass(frozen=True)
class WorksShown:
    """Which works the investments map draws, and how (the map says it in its legend).

    Attributes
    ----------
    total : int
        Works ranked.
    shown : int
        Works drawn: the programme, the top ranks and as many of the other
        candidates, best ranks first, as fit the map's byte budget.
    brief : bool
        The other candidates (neither in the programme nor in the top ranks)
        are drawn simplified to :data:`REST_SIMPLIFY_M` with a brief popup
        (no description, no communities that gain, no person-minutes: those
        are in ``ranking.csv``).
    last_rank : int or None
        Rank of the last other candidate drawn, when some are left out.
    """

    total: int
    shown: int
    brief: bool
    last_rank: int | None

    def payload(self) -> dict[str, Any]:
        """Return the map's ``worksShown``: what the legend and the popups say."""
        return {
            "total": self.total,
            "shown": self.shown,
            "brief": self.brief,
            "lastRank": self.last_rank,
            "simplifyM": REST_SIMPLIFY_M,
        }


def choose_shown(
    full_bytes: np.ndarray,
    brief_bytes: np.ndarray,
    key: np.ndarray,
    budget_bytes: float | None,
) -> tuple[bool, np.ndarray]:
    """Choose how the works fit in ``budget_bytes``: every work whole, or some briefly.

    In order: every work with its full popup; the ``key`` works (programme
    and top ranks) in full and every other candidate brief; the key works in
    full and the other candidates brief, best ranks first, as many as fit.
    The key works are always drawn, whatever the budget.

    Parameters
    ----------
    full_bytes, brief_bytes : numpy.ndarray
        Bytes of each work (in rank order) in full and brief.
    key : numpy.ndarray of bool
        The works always drawn in full.
    budget_bytes : float or None
        Bytes the works may take (None: no limit).

    Returns
    -------
    brief : bool
        The other candidates are drawn brief.
    shown : numpy.ndarray of bool
        The works drawn.

    Examples
    --------
    >>> import numpy as np
    >>> full, brief = np.array([50, 50, 50, 50]), np.array([10, 10, 10, 10])
    >>> key = np.array([True, False, False, False])
    >>> choose_shown(full, brief, key, 200)
    (False, array([ True,  True,  True,  True]))
    >>> choose_shown(full, brief, key, 80)
    (True, array([ True,  True,  True,  True]))
    >>> choose_shown(full, brief, key, 70)
    (True, array([ True,  True,  True, False]))
    """
    everything = np.ones(len(full_bytes), dtype=bool)
    if budget_bytes is None or float(full_bytes.sum()) <= budget_bytes:
        return False, everything
    left = budget_bytes - float(full_bytes[key].sum())
    rest = np.flatnonzero(~key)
    fits = np.cumsum(brief_bytes[rest]) <= left
    shown = key.copy()
    shown[rest[fits]] = True
    return True, shown


def _text_bytes(texts: Sequence[str]) -> np.ndarray:
    """Bytes of each text in the page: its index (5 digits at most), and itself where first met."""
    seen: set[str] = set()
    out = np.full(len(texts), 6.0)
    for i, text in enumerate(texts):
        if text and text not in seen:
            seen.add(text)
            out[i] += _json_bytes(text) + 1
    return out


@dataclass
class _WorkRows:
    """Every field of every work (rank order), in full, before the map chooses what it draws."""

    fields: dict[str, list[Any]]
    brief_lines: list[list[list[int]]]
    full_bytes: np.ndarray
    brief_bytes: np.ndarray


def _geometry_parts(
    geoms: np.ndarray, crs: Any, tolerance_m: float
) -> tuple[list[list[list[int]]], list[list[list[int]]], list[list[Any]]]:
    """Per work: its lines encoded, its points as steps, and its lines (WGS84) for a label."""
    wgs = _to_wgs84(shapely.simplify(geoms, tolerance_m), crs)
    parts, index = shapely.get_parts(wgs, return_index=True)
    types = shapely.get_type_id(parts)
    is_line, is_point = types == 1, types == 0
    lines: list[list[list[int]]] = [[] for _ in range(len(geoms))]
    points: list[list[list[int]]] = [[] for _ in range(len(geoms))]
    shapes: list[list[Any]] = [[] for _ in range(len(geoms))]
    for w, code, part in zip(
        index[is_line].tolist(), _encode_lines(parts[is_line]), parts[is_line], strict=True
    ):
        lines[w].append(code)
        shapes[w].append(part)
    for w, part in zip(index[is_point].tolist(), parts[is_point], strict=True):
        points[w].append(_steps(part.y, part.x))
    return lines, points, shapes


def _work_rows(
    view: _WorksView,
    access: pd.DataFrame,
    variants: Sequence[str],
    lang: Lang,
    gains: pd.DataFrame,
    *,
    top_n: int,
    states: np.ndarray,
) -> _WorkRows:
    """Every field of :data:`_WORK_FIELDS` (but ``route``) per work, texts as strings."""
    works = view.works
    n = len(works)
    population = access["population"].to_numpy(dtype=float)
    variant_pos = {v: i for i, v in enumerate(variants)}
    geoms = works.geometry.to_numpy()
    lines, points, shapes = _geometry_parts(geoms, works.crs, SIMPLIFY_M)
    brief_lines, _, _ = _geometry_parts(geoms, works.crs, REST_SIMPLIFY_M)
    ranks = works["rank"].to_numpy()
    at: list[list[int] | None] = [None] * n
    for i in np.flatnonzero(ranks <= top_n).tolist():  # only the top ranks carry a label
        if shapes[i]:
            mid = max(shapes[i], key=lambda p: p.length).interpolate(0.5, normalized=True)
            at[i] = _steps(mid.y, mid.x)
    # the communities that gain, MAX_GAIN_ROWS per work, in a planner's order
    position = {w: i for i, w in enumerate(works.index)}
    work_at = gains["work_id"].map(position).to_numpy()
    row_no = gains.groupby("work_id", sort=False).cumcount().to_numpy()
    count = np.bincount(work_at.astype(int), minlength=n) if len(gains) else np.zeros(n, int)
    rows: list[list[list[Any]]] = [[] for _ in range(n)]
    kept = row_no < MAX_GAIN_ROWS
    for w, p, v, b, a in zip(
        work_at[kept].tolist(),
        gains["pos"].to_numpy()[kept].tolist(),
        gains["variant"].to_numpy()[kept].tolist(),
        _minutes(gains["before_min"].to_numpy()[kept]),
        _minutes(gains["after_min"].to_numpy()[kept]),
        strict=True,
    ):
        if v in variant_pos:
            rows[w].append([int(p), variant_pos[v], b, a])
    # a part of a region lists the gains of its own communities; the others count as more
    off_map = view.gains[
        ~view.gains["community_id"].isin(set(access["community_id"].map(_text)))
        & (view.gains["after_min"] < view.gains["before_min"])
    ]
    off = off_map["work_id"].map(position).dropna().to_numpy(dtype=int)
    more = (count - np.minimum(count, MAX_GAIN_ROWS) + np.bincount(off, minlength=n)).tolist()
    # people: the ranking's figure, else everyone of the communities that gain
    people = pd.to_numeric(works["people_benefited"], errors="coerce").to_numpy(dtype=float)
    pairs = gains.drop_duplicates(["work_id", "pos"])
    gain_pop = np.bincount(
        pairs["work_id"].map(position).to_numpy(dtype=int),
        weights=population[pairs["pos"].to_numpy(dtype=int)],
        minlength=n,
    )
    has_gains = count > 0
    people = np.where(~np.isfinite(people) & has_gains, gain_pop[:n], people)
    pmin_cols = [(c, variant_pos[v]) for c, v in view.person_min_columns if v in variant_pos]
    pmin: list[list[int | None] | None] = [None] * n
    if pmin_cols:
        pmin = [[None] * len(variants) for _ in range(n)]
        for col, j in pmin_cols:
            for i, x in enumerate(_ints(works[col])):
                pmin[i][j] = x  # type: ignore[index]
    order = [None if pd.isna(o) else int(o) for o in works["portfolio_order"].tolist()]
    fields: dict[str, list[Any]] = {
        "id": [str(w) for w in works.index],
        "rank": [int(r) for r in ranks.tolist()],
        "name": [_text(nm) or str(w) for nm, w in zip(works["name"], works.index, strict=True)],
        "desc": [_text(d) for d in works["description"].tolist()],
        "type": [work_type_label(_text(t), lang) for t in works["work_type"].tolist()],
        # assumptions to verify in the field (connectivity.ranking.flags)
        "flags": [_text(f) for f in works["flags"].tolist()],
        "len": _ints(works["length_m"]),
        "span": _ints(works["span_m"]),
        "cost": _ints(works["cost"]),
        "net": _ints(works["cost_net"]),
        "people": _ints(people),
        "ncomm": _ints(works["communities_gaining"]),
        "pmin": pmin,
        "order": order,
        "lines": lines,
        "points": points,
        "at": at,
        "gains": rows,
        "more": more,
        "state": [int(s) for s in states.tolist()],
    }
    # what each work adds to the page: its values and a comma each; a text its index,
    # and the text itself in the names table where it first comes (in rank order)
    common = np.zeros(n)
    for key in ("id", "rank", "flags", "len", "span", "cost", "net", "people", "ncomm", "points"):
        common += [_json_bytes(x) + 1 for x in fields[key]]
    common += _text_bytes(fields["name"])
    common += 4  # type (an index into the names)
    full = common + _text_bytes(fields["desc"])
    for values in (pmin, rows, lines, at, more, order):
        full += [_json_bytes(x) + 1 for x in values]
    full += 2 + 6  # state; its position among the works in full (when some are brief)
    brief = common + [_json_bytes(ln) + 1 for ln in brief_lines]
    return _WorkRows(fields, brief_lines, np.asarray(full), np.asarray(brief))


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
    budget_bytes: float | None = None,
) -> tuple[dict[str, Any], WorksShown]:
    """Return the works drawn, as columns (a list per field, a row per work in rank order).

    Fields: ``id``, ``rank``, ``name`` / ``desc`` / ``type`` (indices into
    the names table), ``flags`` (``;``-joined codes), ``len`` and ``span``
    (metres), ``cost`` and ``net`` (currency units), ``people``, ``ncomm``,
    ``pmin`` (person-minutes per variant of ``variants``, or None), ``order``
    (in the portfolio, or None), ``lines`` and ``points`` (encoded
    geometry), ``at`` (where a top work's rank label goes), ``gains`` (rows
    ``[community position, variant index, before, after]``), ``more`` (gain
    rows left out), ``state`` (index into SEASONS of the state in which the
    work saves most) and ``route`` (see :func:`_work_routes`; None for works
    outside the top ranks and the programme). ``full`` is None when every
    work drawn is in full; else it lists the positions of the works in
    full, and the fields of :data:`_DETAIL_FIELDS` have a row per work in
    full only (the other works are brief: they have none).

    When every work in full would take more than ``budget_bytes``, the
    works outside the programme and the top ``top_n`` ranks are drawn
    brief (simplified to :data:`REST_SIMPLIFY_M`; no description, gains or
    person-minutes), and, if that is still too much, only as many of them
    as fit, best ranks first (:func:`choose_shown`). The programme, the top
    ranks and every community are always drawn in full.

    Returns
    -------
    columns : dict
        The works drawn.
    shown : WorksShown
        What was drawn, for the map to say.
    """
    works = view.works
    gains = _gain_rows(view, access)
    gains = gains[gains["work_id"].isin(set(works.index))]
    rows = _work_rows(view, access, variants, lang, gains, top_n=top_n, states=states)
    in_programme = works["portfolio_order"].notna().to_numpy()
    key = (works["rank"].to_numpy() <= top_n) | in_programme
    routes = _work_routes(
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
    full_bytes = rows.full_bytes + [_json_bytes(r) + 1 for r in routes]
    brief, shown = choose_shown(full_bytes, rows.brief_bytes, key, budget_bytes)
    f = rows.fields
    out: dict[str, Any] = {k: [] for k in (*_WORK_FIELDS, "route")}
    # brief: the fields of _DETAIL_FIELDS only for the works in full, at positions "full"
    out["full"] = [] if brief else None
    for i in np.flatnonzero(shown).tolist():
        whole = bool(key[i]) or not brief
        for k in ("id", "rank", "flags", "len", "span", "cost", "net", "people", "ncomm"):
            out[k].append(f[k][i])
        out["name"].append(names.add(f["name"][i]))
        out["type"].append(names.add(f["type"][i]))
        out["points"].append(f["points"][i])
        out["lines"].append(f["lines"][i] if whole else rows.brief_lines[i])
        if whole:
            if brief:
                out["full"].append(len(out["id"]) - 1)
            for k in _DETAIL_FIELDS:
                value = routes[i] if k == "route" else f[k][i]
                out[k].append(names.add(value) if k == "desc" else value)
    rest = shown & ~key
    last = int(works["rank"].to_numpy()[rest].max()) if rest.any() else int(top_n)
    info = WorksShown(
        total=len(works),
        shown=int(shown.sum()),
        brief=brief,
        last_rank=None if shown.all() else last,
    )
    if brief:
        log.info(
            "investments map: %d of %d works drawn, the others than the programme and the "
            "top %d briefly%s (%.1f MB left for the works)",
            info.shown,
            info.total,
            top_n,
            "" if info.last_rank is None else f", down to rank {info.last_rank}",
            (budget_bytes or 0) / 1e6,
        )
    if budget_bytes is not None and float(full_bytes[key].sum()) > budget_bytes:
        log.warning(
            "investments map: the programme and the top %d works alone take more than the "
            "map's byte budget; they are drawn all the same",
            top_n,
        )
    return out, info


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
    wanted_ids = set(works.index[shown].map(str))
    gains = gains[gains["work_id"].map(str).isin(wanted_ids)]
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
    position: Mapping[str, int] | None = None,
) -> list[dict[str, Any]]:
    """Return the programme's axes: id, names, works, figures for people, colour, corridor.

    ``works`` are positions in the works' columns (``position``, by work id;
    default: the rank order of every work); money is written with
    :func:`connectivity.i18n.fmt_money` in the works' currency.
    """
    if axes is None or axes.empty:
        return []
    if axes.crs is not None and crs is not None and axes.crs != crs:
        axes = axes.to_crs(crs)
    if position is None:
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
