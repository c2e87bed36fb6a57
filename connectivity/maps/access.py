"""The access map: minutes from every community to its nearest destination of each kind.

``access.html`` (:func:`access_map`): communities as circles sized by
population and coloured by minutes to the nearest market, school, health
facility or other destination kind of the network, in each passability state:
the dry season, the rains (fords of wide rivers shut) or rivers in flood
(every ford shut), chosen in the map's "Communities" box; roads coloured by
surface class, the facilities of every kind, rivers, a legend, a scale bar and
a layer control. Clicking a community shows its times and draws its route to
the nearest market.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import Any

import folium
import geopandas as gpd

from connectivity.access import UNREACHABLE_CAP_MIN
from connectivity.maps.encoding import _Names, _Segments
from connectivity.maps.lighten import MAX_MAP_BYTES, lighten
from connectivity.maps.page import _map_page
from connectivity.maps.parts import PartView
from connectivity.maps.payload import (
    _check_access,
    _check_lang,
    _community_payload,
    _map_payload,
    _summary_payload,
    map_kinds,
)
from connectivity.maps.routes import Router
from connectivity.maps.style import MINUTE_BINS, _check_bins
from connectivity.maps.text import Lang, access_title, labels
from connectivity.network import RoadNetwork

__all__ = ["access_map"]

log = logging.getLogger(__name__)


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
    unreachable_cap_min: float = UNREACHABLE_CAP_MIN,
    max_bytes: int | None = MAX_MAP_BYTES,
) -> folium.Map:
    """Map of travel times from every community to its nearest destination of each kind.

    Parameters
    ----------
    network : RoadNetwork
        The region's network (roads, the facilities of each destination kind
        in :attr:`~connectivity.network.RoadNetwork.kinds`; projected CRS).
    access : geopandas.GeoDataFrame
        Output of :func:`connectivity.access.community_access`, with the
        minutes of every kind of ``network``.
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
    unreachable_cap_min : float
        Minutes a person with no route counts in the legend's average of
        everyone (the ranking's ``unreachable_cap_min``).
    max_bytes : int or None
        Size the page is kept under (default
        :data:`~connectivity.maps.lighten.MAX_MAP_BYTES`; None: no limit).
        Every community is always drawn with all its popup shows; when
        everything does not fit, the roads and rivers are simplified, then
        the lowest road classes left out, then the routes to market
        (:func:`~connectivity.maps.lighten.lighten`); the legend says what
        the map leaves out.

    Returns
    -------
    folium.Map
        Layers: OpenStreetMap or no background; roads; rivers; communities
        coloured by minutes to a destination kind in a passability state
        (dry season, rains, rivers in flood; chosen in the "Communities"
        box); the facilities of each kind (markets, schools, health
        facilities, a region's own kinds). The legend gives the region's
        average minutes per destination and state: of the people with a
        route, beside the share with none, and of everyone with no route
        counted at ``unreachable_cap_min``.

    Raises
    ------
    DataError
        Missing columns, unknown language or bad thresholds.
    """
    lang = _check_lang(lang)
    kinds = map_kinds(network)
    _check_access(access, kinds)
    bins = _check_bins(thresholds_min)
    segments = _Segments.from_edges(network.edges)
    router = Router(network, segments) if routes else None
    return _access_page(
        network,
        access,
        segments,
        router,
        waterways=waterways,
        data_source=data_source,
        attribution=attribution,
        synthetic=synthetic,
        title=title,
        lang=lang,
        bins=bins,
        unreachable_cap_min=unreachable_cap_min,
        max_bytes=max_bytes,
    )


def _access_page(
    network: RoadNetwork,
    access: gpd.GeoDataFrame,
    segments: _Segments,
    router: Router | None,
    *,
    waterways: gpd.GeoDataFrame | None,
    data_source: str,
    attribution: Sequence[str],
    synthetic: bool,
    title: str,
    lang: Lang,
    bins: Sequence[float],
    unreachable_cap_min: float,
    max_bytes: int | None,
    part: PartView | None = None,
    routes: dict[str, list[Any]] | None = None,
) -> folium.Map:
    """Build the access map from checked inputs and the region's segments and router.

    With ``part``, the page maps one part of the region
    (:class:`~connectivity.maps.parts.PartView`): ``access`` holds the
    part's communities, and ``segments`` (a copy of the region's, its
    coordinates changed here) keep coordinates only for the roads the part
    draws and its routes. ``routes``: the communities' routes to market
    found before (:func:`~connectivity.maps.payload.market_routes`).
    """
    kinds = map_kinds(network)
    t = labels(lang)
    names = _Names()
    payload = _map_payload(
        network,
        kinds,
        segments,
        names,
        t,
        lang,
        title=access_title(kinds, lang),
        subtitle=title,
        hint=t["hint_access"],
        waterways=waterways,
        data_source=data_source,
        attribution=attribution,
        synthetic=synthetic,
        bins=bins,
        keep=None if part is None else part.segments_in_box,
        part=part,
    )
    payload["comm"] = _community_payload(network, kinds, access, names, router, routes=routes)
    payload["summary"] = _summary_payload(access, kinds, cap_min=unreachable_cap_min)
    if part is not None:
        part.drop_unused_segments(payload, segments)
    if max_bytes is not None:
        lighten(
            payload,
            segments,
            names,
            lang,
            max_bytes,
            keep=None if part is None else part.segments_in_box,
        )
    m = _map_page(
        payload,
        t,
        network,
        access,
        segments,
        names,
        works=False,
        bounds=None if part is None else part.bounds,
    )
    log.info("access map: %d communities, %d road segments", len(access), len(segments.coords))
    return m
