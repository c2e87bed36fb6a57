"""Maps under a byte budget: roads, rivers and routes lightened, and the map says so.

A page that would pass its byte budget (:data:`~connectivity.maps.investments.MAX_MAP_BYTES`)
is lightened in steps, each taken only when the one before does not fit:

1. *simplified*: roads simplified to :data:`ROAD_SIMPLIFY_M` instead of 4 m, and
   the coordinates of roads and rivers rounded to :data:`LINE_STEP` steps of
   1e-5 degrees (about 5.5 m: under a pixel up to zoom 14);
2. the road classes of :data:`HIDE_STEPS` left out of the roads layer, the
   lowest first (paths, tracks, unpaved roads);
3. the communities' routes to market left out (the minutes stay), then the rivers;
4. the gravel, then the paved roads left out.

The communities, with everything their popups show, and the facilities are
never touched. A road segment neither drawn nor on a stored route keeps no
coordinates in the page. The legend says what each step leaves out, in the
map's language (:func:`notes`); the log says it too, and warns when even the
last step does not fit.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import shapely

from connectivity.i18n import fmt_number
from connectivity.maps.encoding import (
    _encode_lines,
    _json,
    _Names,
    _seg_payload,
    _Segments,
    _to_wgs84,
)
from connectivity.maps.page import _page_bytes_around
from connectivity.maps.payload import _road_payload
from connectivity.maps.style import ROAD_STYLE
from connectivity.maps.text import Lang, labels, road_class_label

__all__ = [
    "HIDE_STEPS",
    "LINE_STEP",
    "MAX_MAP_BYTES",
    "ROAD_SIMPLIFY_M",
    "Lightened",
    "lighten",
    "page_bytes",
]

log = logging.getLogger(__name__)

#: Each HTML map is kept under this many bytes (the target is 10 MB: the page opens
#: quickly in a browser and goes by e-mail), whatever the size of the region.
MAX_MAP_BYTES = 9_500_000

#: Roads of a lightened map are simplified to this many metres (as the brief works).
ROAD_SIMPLIFY_M = 15.0
#: Roads and rivers of a lightened map: coordinates in steps of this many 1e-5 degrees.
LINE_STEP = 5
#: What a map over its budget leaves out, one step at a time: road classes of the roads
#: layer (lowest first), ``"routes"`` (the communities' routes to market) and ``"rivers"``.
HIDE_STEPS: tuple[str, ...] = (
    "camino",
    "trocha",
    "sin_afirmar",
    "routes",
    "rivers",
    "afirmado",
    "asfaltado",
)
#: The keys of the communities' routes in a payload (see ``payload._community_payload``).
ROUTE_KEYS = ("route", "routeAfter", "routeState")


@dataclass
class Lightened:
    """What a map over its byte budget leaves out of its roads, rivers and routes.

    Attributes
    ----------
    simplified : bool
        Roads simplified to :data:`ROAD_SIMPLIFY_M` and lines rounded to :data:`LINE_STEP`.
    hidden : list of str
        Road classes left out of the roads layer, in the order of :data:`HIDE_STEPS`.
    hidden_km : float
        Kilometres of road the roads layer leaves out.
    routes : bool
        The communities' routes to market are in the page.
    rivers : bool
        The rivers are drawn.
    page_bytes : int
        The page's size, as last measured.
    fits : bool
        The page fits in its budget.
    """

    simplified: bool = False
    hidden: list[str] = field(default_factory=list)
    hidden_km: float = 0.0
    routes: bool = True
    rivers: bool = True
    page_bytes: int = 0
    fits: bool = True
    #: every segment's lightened coordinates, to put back those a later route needs
    _coords: list[list[int]] | None = None

    def restore(self, segments: _Segments, ids: Iterable[int]) -> None:
        """Give back their coordinates to the segments ``ids`` (routes added afterwards)."""
        if self._coords is None:
            return
        wanted = [i for i in ids if not segments.coords[i]]
        missing = [i for i in wanted if not self._coords[i]]
        if missing:  # segments of a part's map that were not in it before
            found = _lighter_lines(segments, np.asarray(missing, dtype=np.int64))
            for i in missing:
                self._coords[i] = found[i]
        for i in wanted:
            segments.coords[i] = self._coords[i]


def page_bytes(payload: Mapping[str, Any], segments: _Segments, names: _Names) -> int:
    """Bytes of a map page: its payload, the names and segments ``_map_page`` adds, the rest."""
    return (
        len(_json(dict(payload)).encode("utf-8"))
        + len(_json(names.items).encode("utf-8"))
        + len(_json(_seg_payload(segments.coords)))
        + _page_bytes_around()
    )


def route_segments(payload: Mapping[str, Any]) -> np.ndarray:
    """Return the road segments the payload's routes (communities' and works') refer to."""
    parts: list[list[int]] = []
    comm = payload.get("comm") or {}
    for key in ("route", "routeAfter"):
        parts.extend(r for r in comm.get(key) or [] if r)
    works = payload.get("works") or {}
    for r in works.get("route") or []:
        if r:
            parts.extend(x for x in (r[3], r[4]) if x)
    if not parts:
        return np.zeros(0, dtype=np.int64)
    return np.unique(np.concatenate([np.asarray(p, dtype=np.int64) for p in parts]))


def lighten(
    payload: dict[str, Any],
    segments: _Segments,
    names: _Names,
    lang: Lang,
    max_bytes: int,
    *,
    keep: np.ndarray | None = None,
    steps: Sequence[str] = HIDE_STEPS,
) -> Lightened:
    """Lighten the roads, rivers and routes of a map payload until the page fits ``max_bytes``.

    Parameters
    ----------
    payload : dict
        The map's payload, with its communities (changed in place: ``roads``,
        ``roadLegend``, ``rivers``, ``lineStep``, ``roadNotes`` and, at step
        3, the communities' routes).
    segments : _Segments
        The map's road segments (their coordinates are replaced).
    names : _Names
        The map's names table.
    lang : {"es", "en"}
        Language of the notes.
    max_bytes : int
        Size the page should keep under.
    keep : numpy.ndarray of bool, optional
        The segments the roads layer may draw (as in :func:`_road_payload`).
    steps : sequence of str
        What may be left out, in order (default :data:`HIDE_STEPS`; the
        investments map keeps its routes: they explain the minutes gained).

    Returns
    -------
    Lightened
        What was left out; ``fits`` False when even the last step is over
        ``max_bytes`` (the communities and facilities alone are).
    """
    shown = Lightened(page_bytes=page_bytes(payload, segments, names))
    if shown.page_bytes <= max_bytes:
        return shown
    whole, started = shown.page_bytes, time.perf_counter()
    assert segments.geoms is not None, "segments built without their geometries"
    # only the segments the page holds (a part of a region holds a few of the region's)
    shown._coords = _lighter_lines(segments, np.flatnonzero([bool(c) for c in segments.coords]))
    payload["rivers"] = [
        [n, [_requantise(x, LINE_STEP) for x in ls]] for n, ls in payload["rivers"]
    ]
    payload["lineStep"] = LINE_STEP
    shown.simplified = True
    km = shapely.length(segments.geoms) / 1000.0
    legend = [list(item) for item in payload["roadLegend"]]
    todo = iter(steps)
    while True:
        _apply(payload, segments, names, lang, shown, keep, km, legend)
        shown.page_bytes = page_bytes(payload, segments, names)
        if shown.page_bytes <= max_bytes:
            break
        step = next(todo, None)
        if step is None:
            break
        if step == "routes":
            shown.routes = False
            for key in ROUTE_KEYS:
                payload["comm"].pop(key, None)
        elif step == "rivers":
            shown.rivers = False
            payload["rivers"] = []
        else:
            shown.hidden.append(step)
    shown.fits = shown.page_bytes <= max_bytes
    log.info(
        "map over %.1f MB (%.1f MB whole): roads simplified to %g m%s%s -> %.1f MB (%.1f s)",
        max_bytes / 1e6,
        whole / 1e6,
        ROAD_SIMPLIFY_M,
        f", not drawn: {', '.join(shown.hidden)} ({shown.hidden_km:.0f} km)"
        if shown.hidden
        else "",
        ("" if shown.routes else ", no routes to market") + ("" if shown.rivers else ", no rivers"),
        shown.page_bytes / 1e6,
        time.perf_counter() - started,
    )
    if not shown.fits:
        log.warning(
            "the map is still over its byte budget with every step taken (%.1f MB > %.1f MB): "
            "what it must keep (every community, the facilities, the key works) is written "
            "all the same",
            shown.page_bytes / 1e6,
            max_bytes / 1e6,
        )
    return shown


def _lighter_lines(segments: _Segments, ids: np.ndarray) -> list[list[int]]:
    """Coordinates of the segments ``ids`` simplified and rounded as a lightened map draws them.

    A list over every segment: empty for those not in ``ids``.
    """
    assert segments.geoms is not None, "segments built without their geometries"
    out: list[list[int]] = [[]] * len(segments.geoms)  # a shared empty list, replaced not changed
    if len(ids):
        simple = shapely.simplify(segments.geoms[ids], ROAD_SIMPLIFY_M)
        lines = _encode_lines(_to_wgs84(simple, segments.crs), LINE_STEP)
        for i, line in zip(ids.tolist(), lines, strict=True):
            out[i] = line
    return out


def _apply(
    payload: dict[str, Any],
    segments: _Segments,
    names: _Names,
    lang: Lang,
    shown: Lightened,
    keep: np.ndarray | None,
    km: np.ndarray,
    legend: list[list[Any]],
) -> None:
    """Put the roads layer, its legend, the notes and the segments' coordinates of ``shown``."""
    assert shown._coords is not None
    hidden = np.isin(segments.road_class, shown.hidden)
    drawable = np.isin(segments.road_class, list(ROAD_STYLE))
    allowed = ~hidden if keep is None else keep & ~hidden
    payload["roads"] = _road_payload(segments, lang, names, keep=allowed)[0]
    shown.hidden_km = float(km[hidden & (keep if keep is not None else True)].sum())
    t = labels(lang)
    payload["roadLegend"] = [
        [f"{item[0]} {t['road_not_drawn']}" if cls in shown.hidden else item[0], *item[1:]]
        for cls, item in zip(ROAD_STYLE, legend, strict=True)
    ]
    needed = drawable & allowed
    needed[route_segments(payload)] = True
    segments.coords = [c if n else [] for c, n in zip(shown._coords, needed.tolist(), strict=True)]
    payload["roadNotes"] = notes(shown, lang)


def notes(shown: Lightened, lang: Lang) -> list[str]:
    """Return the legend's notes on what a lightened map leaves out, in ``lang``.

    Examples
    --------
    >>> text = notes(Lightened(simplified=True, hidden=["camino"], hidden_km=1234.5), "en")[1]
    >>> text.startswith("Not drawn, to keep the map light: Footpath (camino de herradura), 1,234")
    True
    """
    if not shown.simplified:
        return []
    t = labels(lang)
    out = [t["roads_simplified"].format(m=fmt_number(ROAD_SIMPLIFY_M, lang))]
    if shown.hidden:
        roads = ", ".join(road_class_label(c, lang) for c in shown.hidden)
        text = t["roads_hidden"].format(classes=roads, km=fmt_number(shown.hidden_km, lang))
        out.append(f"{text} {t['route_whole']}" if shown.routes else text)
    if not shown.routes:
        out.append(t["routes_hidden"])
    if not shown.rivers:
        out.append(t["rivers_hidden"])
    return out


def _requantise(line: list[int], step: int) -> list[int]:
    """Re-encode a delta-encoded line (1e-5 degree steps) in steps of ``step``.

    Examples
    --------
    >>> _requantise([100, 200, 3, 4, 10, 10], 5)
    [20, 40, 1, 1, 2, 2]
    >>> _requantise([100, 200, 1, 1], 5)
    [20, 40]
    """
    if not line:
        return line
    steps = np.cumsum(np.asarray(line, dtype=np.int64).reshape(-1, 2), axis=0)
    steps = np.floor(steps / step + 0.5).astype(np.int64)
    same = np.r_[False, (steps[1:] == steps[:-1]).all(axis=1)]
    steps = steps[~same]
    delta = steps.copy()
    delta[1:] -= steps[:-1]
    out: list[int] = delta.ravel().tolist()
    return out
