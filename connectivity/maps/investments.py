"""The investments map: ranked road works, the chosen portfolio, minutes before and after.

``investments.html`` (:func:`investments_map`): candidate works coloured by
rank (the top ``top_n`` highlighted and numbered), the chosen portfolio as its
own layer, and the communities' minutes before and after the portfolio.
Clicking a work lists what it is, what it costs, and the communities that gain
(before → after minutes); :func:`_works_payload` prepares those popups.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import Any

import folium
import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from connectivity.access import UNREACHABLE_CAP_MIN
from connectivity.errors import DataError
from connectivity.maps.encoding import (
    COORD_STEP_DEG,
    SIMPLIFY_M,
    _encode_lines,
    _minutes,
    _Names,
    _num,
    _Segments,
    _text,
    _to_wgs84,
)
from connectivity.maps.page import _map_page
from connectivity.maps.payload import (
    VARIANTS,
    _check_access,
    _check_lang,
    _community_payload,
    _map_payload,
    _summary_payload,
)
from connectivity.maps.style import MINUTE_BINS, _check_bins
from connectivity.maps.text import Lang, labels, work_type_label
from connectivity.maps.works_view import _works_view, _WorksView
from connectivity.network import RoadNetwork

__all__ = ["MAX_GAIN_ROWS", "investments_map"]

log = logging.getLogger(__name__)

#: Rows of "communities that gain" kept per work in its popup.
MAX_GAIN_ROWS = 25


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
    unreachable_cap_min : float, optional
        As in :func:`access_map` (default: the ranking's ``cap_min``, else
        480); the legend gives the region's averages before → after the
        portfolio.

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
    payload = _map_payload(
        network,
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
        keep=in_base,
    )
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
    if unreachable_cap_min is None:
        unreachable_cap_min = float(getattr(ranking, "cap_min", UNREACHABLE_CAP_MIN))
    payload["summary"] = _summary_payload(access, cap_min=unreachable_cap_min, after=after)
    payload["works"] = _works_payload(view, access, lang, top_n)
    payload["topN"] = int(top_n)
    m = _map_page(
        payload,
        t,
        network,
        access,
        segments,
        names,
        states=["before", "after"],
        works=True,
        top_n=top_n,
    )
    log.info(
        "investments map: %d works (%d in the portfolio), %d communities",
        len(view.works),
        len(view.portfolio),
        len(access),
    )
    return m


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
                # assumptions to verify in the field (connectivity.ranking.flags)
                "flags": [f for f in _text(row["flags"]).split(";") if f],
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
