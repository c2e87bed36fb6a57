"""The investments map: ranked road works, the chosen portfolio, minutes before and after.

``investments.html`` (:func:`investments_map`): candidate works coloured by
rank (the top ``top_n`` highlighted and numbered), the chosen portfolio and
its axes (corridors) as their own layers, and the communities coloured by
their minutes before or after the portfolio, or by the minutes it saves them,
in any passability state. The map opens on the minutes gained in the state in
which the programme saves most (:mod:`connectivity.maps.states`). Clicking a
work lists what it is, what it costs and the communities that gain (before →
after minutes), and draws the route it improves most, in the state in which
it saves most (:mod:`connectivity.maps.works_payload`). The page stays
under :data:`MAX_MAP_BYTES` at any size: the programme, the top works and
every community are always drawn whole; the other candidates are drawn
brief, then only the best-ranked that fit, and the map says so.
"""

from __future__ import annotations

import dataclasses
import logging
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import folium
import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from connectivity.access import UNREACHABLE_CAP_MIN
from connectivity.errors import DataError
from connectivity.maps.encoding import _json, _Names, _seg_payload, _Segments, _text
from connectivity.maps.lighten import HIDE_STEPS, MAX_MAP_BYTES, lighten, route_segments
from connectivity.maps.page import _map_page, _page_bytes_around
from connectivity.maps.parts import PartView
from connectivity.maps.payload import (
    _check_access,
    _check_lang,
    _community_payload,
    _map_payload,
    _summary_payload,
    map_kinds,
    market_routes,
    variants,
)
from connectivity.maps.routes import Router
from connectivity.maps.states import (
    BestState,
    best_state,
    community_gain_states,
    season_shares,
    work_gain_states,
)
from connectivity.maps.style import (
    GAIN_BINS,
    GAIN_COLORS,
    GAIN_NONE_COLOR,
    GAIN_ROUTE_COLOR,
    MINUTE_BINS,
    _check_bins,
)
from connectivity.maps.text import Lang, labels
from connectivity.maps.works_payload import MAX_GAIN_ROWS, _axes_payload, _works_payload
from connectivity.maps.works_view import _works_view, _WorksView
from connectivity.network import RoadNetwork
from connectivity.ranking import ScoreWeights

__all__ = ["MAX_GAIN_ROWS", "MAX_MAP_BYTES", "investments_map"]

log = logging.getLogger(__name__)

#: Share of the byte budget the roads, rivers and communities may take before the roads and
#: rivers are lightened (:func:`~connectivity.maps.lighten.lighten`); the rest is the works'.
ROADS_SHARE = 0.8


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
    unreachable_cap_min: float | None = None,
    max_bytes: int | None = MAX_MAP_BYTES,
    robustness: Any | None = None,
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
        also shows its route to market after the portfolio, and a clicked
        work of the portfolio the route it improves, after.
    waterways : geopandas.GeoDataFrame, optional
        Rivers as lines.
    top_n : int
        Works highlighted and numbered on the map.
    data_source, attribution, synthetic, title, lang, thresholds_min, routes
        As in :func:`access_map`.
    unreachable_cap_min : float, optional
        As in :func:`access_map` (default: the ranking's ``cap_min``, else
        480); the legend gives the region's averages before → after the
        portfolio.
    max_bytes : int or None
        Size the page is kept under (default :data:`MAX_MAP_BYTES`; None: no
        limit). The programme, the top ``top_n`` works and every community
        are always drawn whole; when everything does not fit, the other
        candidates are drawn simplified with a brief popup, and then only
        the best-ranked of them that fit; the legend, the layer's name and
        their popups say so (:func:`~connectivity.maps.works_payload.choose_shown`).
        When the page without its works would take more than
        :data:`ROADS_SHARE` of it, its roads and rivers are lightened first
        (:func:`~connectivity.maps.lighten.lighten`; the communities' routes
        stay; the legend says so).

    robustness : connectivity.robustness.RobustnessResult, optional
        The robustness stage's results: a layer (hidden at first) colours the
        works by their probability of being funded, and their popups give it
        with their rank interval and switching value.

    Returns
    -------
    folium.Map
        Layers: background; roads; rivers; the chosen portfolio; its axes
        (``ranking.axes``, a colour per axis; hidden at first); candidate
        works coloured by rank; the communities, coloured by their minutes
        to a destination kind in a passability state before or after the
        portfolio, or by the minutes it saves them (chosen in the map's
        "Communities" box; it opens on the minutes gained in the state in
        which the programme saves most, and the legend says why); the
        facilities of each kind (markets and health facilities shown,
        schools and a region's own kinds a click away).

    Raises
    ------
    DataError
        Missing tables or columns, unknown language, bad thresholds.
    """
    lang = _check_lang(lang)
    kinds = map_kinds(network)
    _check_access(access, kinds)
    bins = _check_bins(thresholds_min)
    if top_n < 0:
        raise DataError(f"top_n must be >= 0, got {top_n}")
    region = _WorksRegion.build(
        network, ranking, after_network=after_network, top_n=top_n, routes=routes
    )
    return _investments_page(
        region,
        access,
        region.segments,
        waterways=waterways,
        data_source=data_source,
        attribution=attribution,
        synthetic=synthetic,
        title=title,
        lang=lang,
        bins=bins,
        unreachable_cap_min=unreachable_cap_min,
        max_bytes=max_bytes,
        robustness=robustness,
    )


@dataclass
class _WorksRegion:
    """What every investments page of a region reads of the whole region, built once.

    The works as the maps read them, the road segments of the network with the
    programme built (``in_base``: those of the base network), the routers on
    the networks before and after, the shares of the year of each state and
    the state the maps open on.
    """

    network: RoadNetwork
    ranking: Any
    kinds: tuple[str, ...]
    top_n: int
    view: _WorksView
    segments: _Segments
    in_base: np.ndarray
    router: Router | None
    after_router: Router | None
    shares: tuple[float, float, float]
    best: BestState
    #: each work's box (minx, miny, maxx, maxy; network CRS), to find those touching a part
    work_bounds: np.ndarray

    @classmethod
    def build(
        cls,
        network: RoadNetwork,
        ranking: Any,
        *,
        after_network: RoadNetwork | None,
        top_n: int,
        routes: bool,
    ) -> _WorksRegion:
        kinds = map_kinds(network)
        view = _works_view(ranking, network.crs, kinds)
        route_edges = after_network.edges if after_network is not None else network.edges
        segments = _Segments.from_edges(route_edges)
        in_base = np.zeros(len(segments.coords), dtype=bool)
        base_keys = set(network.edges.index.tolist())
        for k, seg in segments.lookup.items():
            if k in base_keys:
                in_base[seg] = True
        shares = season_shares(ranking)
        return cls(
            network=network,
            ranking=ranking,
            kinds=kinds,
            top_n=top_n,
            view=view,
            segments=segments,
            in_base=in_base,
            router=Router(network, segments) if routes else None,
            after_router=(
                Router(after_network, segments) if routes and after_network is not None else None
            ),
            shares=shares,
            best=best_state(ranking, view, kinds, shares, top_n=top_n),
            work_bounds=shapely.bounds(view.works.geometry.to_numpy()),
        )

    def after(self, access: pd.DataFrame) -> pd.DataFrame:
        """Minutes after the programme of ``access``'s communities (before, where none)."""
        return _after_or_before(self.view.after, access, self.kinds)

    def community_routes(
        self, access: pd.DataFrame, after: pd.DataFrame, cap_min: float
    ) -> dict[str, list[Any]]:
        """Routes to market before and after the programme, each in the state it gains most."""
        states = (
            community_gain_states(access, after, "market", self.shares, cap_min=cap_min)
            if "market" in self.kinds
            else None
        )
        return market_routes(self.network, access, self.router, self.after_router, states)

    def part_view(self, part: PartView) -> _WorksView:
        """Return the works touching ``part``'s box (the programme's among them), their gains."""
        works = self.view.works
        touch = part.part.holds(self.work_bounds)
        ids = works.index[touch]
        kept = set(ids.tolist())
        return dataclasses.replace(
            self.view,
            works=works[touch],
            gains=self.view.gains[self.view.gains["work_id"].isin(kept)],
            portfolio=[w for w in self.view.portfolio if w in kept],
        )


def _investments_page(
    region: _WorksRegion,
    access: gpd.GeoDataFrame,
    segments: _Segments,
    *,
    waterways: gpd.GeoDataFrame | None,
    data_source: str,
    attribution: Sequence[str],
    synthetic: bool,
    title: str,
    lang: Lang,
    bins: Sequence[float],
    unreachable_cap_min: float | None,
    max_bytes: int | None,
    robustness: Any | None,
    part: PartView | None = None,
    routes: dict[str, list[Any]] | None = None,
) -> folium.Map:
    """Build the investments map from checked inputs and the region's shared parts.

    With ``part``, the page maps one part of the region: ``access`` holds the
    part's communities, the works are those touching its box
    (:meth:`_WorksRegion.part_view`), and ``segments`` (a copy of the
    region's) keep coordinates only for the roads it draws and its routes.
    ``routes``: the communities' routes found before
    (:meth:`_WorksRegion.community_routes`).
    """
    network, ranking, kinds, top_n = region.network, region.ranking, region.kinds, region.top_n
    t = labels(lang)
    view = region.view if part is None else region.part_view(part)
    names = _Names()
    keep = region.in_base if part is None else part.segments_in_box
    payload = _map_payload(
        network,
        kinds,
        segments,
        names,
        t,
        lang,
        title=t["investments_title"],
        subtitle=title,
        hint=t["hint_investments"],
        waterways=waterways,
        data_source=data_source,
        attribution=attribution,
        synthetic=synthetic,
        bins=bins,
        keep=keep,
        part=part,
    )
    after = region.after(access)
    if unreachable_cap_min is None:
        unreachable_cap_min = float(getattr(ranking, "cap_min", UNREACHABLE_CAP_MIN))
    shares = region.shares
    router, after_router = region.router, region.after_router
    if routes is None:
        routes = region.community_routes(access, after, unreachable_cap_min)
    payload["comm"] = _community_payload(
        network, kinds, access, names, router, after=after, routes=routes
    )
    payload["summary"] = _summary_payload(access, kinds, cap_min=unreachable_cap_min, after=after)
    currencies = view.works["currency"].map(_text)
    payload["currency"] = currencies.iloc[0] if len(currencies) else ""
    axes_table = getattr(ranking, "axes", None)
    if part is not None and axes_table is not None and not axes_table.empty:
        axes_table = _axes_holding(axes_table, set(view.works.index))  # a part's: few of them
    axes = _axes_payload(axes_table, view, network.crs, lang, names)
    payload["axes"] = axes
    payload["topN"] = int(top_n)
    payload.update(_gain_payload(ranking, region.best, shares, unreachable_cap_min))
    if part is not None:
        part.drop_unused_segments(payload, segments)
    budget = None
    light = None
    if max_bytes is not None:
        # a region so large that its roads and communities crowd out the works: lighter roads
        light = lighten(
            payload,
            segments,
            names,
            lang,
            int(max_bytes * ROADS_SHARE),
            keep=keep,
            steps=[s for s in HIDE_STEPS if s != "routes"],  # they show what the works gain
        )
        # what the page holds besides the works: the payload so far, the names and road
        # segments _map_page adds, Leaflet and the drawing script
        budget = max_bytes - (
            len(_json(payload).encode("utf-8"))
            + len(_json(names.items).encode("utf-8"))
            + len(_json(_seg_payload(segments.coords)))
            + _page_bytes_around()
        )
    payload["works"], shown = _works_payload(
        view,
        access,
        kinds,
        variants(kinds),
        lang,
        names,
        top_n=top_n,
        states=work_gain_states(view, kinds, shares),
        cap_min=unreachable_cap_min,
        router=router,
        after_router=after_router,
        budget_bytes=budget,
    )
    payload["worksShown"] = shown.payload()
    if robustness is not None:
        payload["robust"] = _robust_payload(robustness, payload["works"]["id"])
    # the segments of the works' routes keep their coordinates
    work_routes = route_segments({"works": payload["works"]}).tolist()
    if light is not None:
        light.restore(segments, work_routes)
    if part is not None:
        part.restore(segments, work_routes)
    # the axes' works are positions among the works drawn (the programme always is)
    drawn = {w: i for i, w in enumerate(payload["works"]["id"])}
    every = list(view.works.index)
    for axis in axes:
        axis["works"] = [drawn[every[i]] for i in axis["works"] if every[i] in drawn]
    if part is not None:  # a part shows the axes of the works it draws
        payload["axes"] = [axis for axis in axes if axis["works"]]
    m = _map_page(
        payload,
        t,
        network,
        access,
        segments,
        names,
        works=True,
        top_n=top_n,
        bounds=None if part is None else part.bounds,
    )
    log.info(
        "investments map: %d works (%d in the portfolio), %d communities",
        len(view.works),
        len(view.portfolio),
        len(access),
    )
    return m


def _axes_holding(axes: gpd.GeoDataFrame, works: set[str]) -> gpd.GeoDataFrame:
    """Return the axes (rows of ``ranking.axes``) that hold any of ``works``."""
    ids = axes["works"].map(_text).str.split(";")
    return axes[[any(w in works for w in row) for row in ids]]


def _after_or_before(
    after: pd.DataFrame | None, access: pd.DataFrame, kinds: Sequence[str]
) -> pd.DataFrame:
    """Minutes after the portfolio per variant; the minutes before where the ranking has none."""
    index = access["community_id"].map(_text).to_numpy()
    out = after.reindex(index) if after is not None else pd.DataFrame(index=index)
    missing = [v for v in variants(kinds) if v not in out.columns]
    if missing:
        log.warning(
            "ranking result has no minutes after the portfolio for %s: 'after' shows 'before'",
            ", ".join(missing),
        )
    for v in missing:
        out[v] = access[f"{v}_min"].to_numpy(dtype=float)
    return out


def _gain_payload(
    ranking: Any, best: BestState, shares: Sequence[float], cap_min: float
) -> dict[str, Any]:
    """Return what the "minutes gained" view and the opening state need.

    ``view``: the map opens on the minutes gained in the programme's best
    state (:func:`~connectivity.maps.states.best_state`), for the kind that
    gains most there (on the minutes before, in the dry season, when nothing
    gains); ``best``: that state and kind, the weighted
    person-minutes of each state and what they were summed over (the
    legend says why); ``gain``: the classes of minutes gained (the first
    bound is the ranking's ``min_gain_min``, under which a saving does not
    count in the score); the days and share of each state and ``cap``, for
    the year average.
    """
    weights = getattr(ranking, "weights", None)
    if not isinstance(weights, ScoreWeights):
        weights = ScoreWeights()
    min_gain = float(weights.min_gain_min)
    bins = list(GAIN_BINS)
    if 0 < min_gain < bins[1]:
        bins[0] = min_gain
    return {
        # nothing gains anywhere: the travel times say more than a map of no gains
        "view": {
            "mode": "min" if best.source == "none" else "gain",
            "kind": best.kind,
            "season": best.season,
            "when": "before" if best.source == "none" else "after",
        },
        "best": {
            "season": best.season,
            "kind": best.kind,
            "weighted": [round(x) for x in best.weighted],
            "source": best.source,
        },
        "gain": {
            "bins": bins,
            "colors": list(GAIN_COLORS),
            "none": GAIN_NONE_COLOR,
            "route": GAIN_ROUTE_COLOR,
            "minGain": min_gain,
        },
        "seasonShares": [round(x, 6) for x in shares],
        "seasonDays": [weights.dry_days, weights.rain_days, weights.wet_days],
        "cap": float(cap_min),
    }


def _robust_payload(robustness: Any, ids: Sequence[str]) -> dict[str, Any]:
    """List the works drawn that the robustness layer colours, with their figures.

    ``rows``: ``[position among the works drawn, % of scenarios in which it is
    funded, rank P5, rank P95, switching value of cost in % (or None)]`` for
    every work drawn that is in the programme, was funded in some scenario, or
    has a switching value (a top work left out); ``n``: the scenarios.
    """
    table = robustness.works.reindex(list(ids))
    prob = table["p_in_programme"].to_numpy(dtype=float)
    switch = table["switching_cost_pct"].to_numpy(dtype=float)
    chosen = table["in_portfolio"].fillna(False).to_numpy(dtype=bool)
    lo = table["rank_p5"].to_numpy(dtype=float)
    hi = table["rank_p95"].to_numpy(dtype=float)
    rows = []
    for i in np.flatnonzero(np.isfinite(prob) & ((prob > 0) | chosen | np.isfinite(switch))):
        rows.append(
            [
                int(i),
                round(float(100.0 * prob[i])),
                round(float(lo[i])),
                round(float(hi[i])),
                round(float(switch[i])) if np.isfinite(switch[i]) else None,
            ]
        )
    return {"n": int(robustness.n_scenarios), "rows": rows}
