"""Write a region's maps: ``access.html``, ``investments.html`` and ``investments.png``."""

from __future__ import annotations

import html
import logging
from collections.abc import Sequence
from pathlib import Path
from typing import Any, cast

import folium
import geopandas as gpd
import shapely
from branca.element import Element, Figure
from tqdm.auto import tqdm

from connectivity._io import atomic_path
from connectivity._logging import progress_enabled
from connectivity.access import UNREACHABLE_CAP_MIN
from connectivity.errors import DataError
from connectivity.maps.access import _access_page
from connectivity.maps.encoding import _Segments, _text
from connectivity.maps.index import index_page, part_table
from connectivity.maps.investments import _investments_page, _WorksRegion
from connectivity.maps.lighten import MAX_MAP_BYTES
from connectivity.maps.overview import overview_png
from connectivity.maps.parts import (
    MAX_MAP_COMMUNITIES,
    PART_BYTES,
    PARTS_DIR,
    MapPart,
    PartView,
    page_load,
    road_bytes,
    split_region,
)
from connectivity.maps.payload import (
    _check_access,
    _check_lang,
    _credits,
    map_kinds,
    market_routes,
)
from connectivity.maps.routes import Router
from connectivity.maps.style import MINUTE_BINS, _check_bins
from connectivity.maps.text import Lang, labels
from connectivity.network import RoadNetwork

__all__ = ["write_maps"]

log = logging.getLogger(__name__)


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
    unreachable_cap_min: float = UNREACHABLE_CAP_MIN,
    run_id: str = "",
    robustness: Any | None = None,
    max_communities: int = MAX_MAP_COMMUNITIES,
    max_part_bytes: float = PART_BYTES,
) -> list[Path]:
    """Write ``access.html`` and, given a ranking, ``investments.html`` and ``investments.png``.

    A region of more than ``max_communities`` communities, or whose
    communities and roads would take more than a page
    (:func:`~connectivity.maps.parts.page_load` over
    :data:`~connectivity.maps.lighten.MAX_MAP_BYTES`), is mapped in parts
    (:mod:`connectivity.maps.parts`): each part's access and investments maps
    go under ``parts/``, and ``access.html`` and ``investments.html`` are index
    pages of the parts (:mod:`connectivity.maps.index`); the PNG shows the
    whole region.

    Parameters
    ----------
    network, access, waterways, data_source, attribution, synthetic, title, lang, thresholds_min
        As in :func:`~connectivity.maps.access.access_map`.
    unreachable_cap_min : float
        As in :func:`~connectivity.maps.access.access_map`: the ranking's ``unreachable_cap_min``.
    out_dir : path-like
        Folder to write to (e.g. ``maps/<region>/``; created if missing).
    ranking : RankingResult, optional
        Without it only the access map is written.
    after_network : RoadNetwork, optional
        Network with the portfolio built (routes after, on the investments map).
    top_n : int
        Works highlighted on the investments map and the PNG.
    run_id : str
        Id of the run: a ``<meta name="connectivity-run-id">`` in each page
        and a text chunk of the PNG, so maps of different runs can be told apart.
    robustness : connectivity.robustness.RobustnessResult, optional
        Adds the layer of the works' probability of being funded to the
        investments map.
    max_communities : int
        Most communities one map page holds (default
        :data:`~connectivity.maps.parts.MAX_MAP_COMMUNITIES`).
    max_part_bytes : float
        Most bytes of communities and roads a part's page holds (default
        :data:`~connectivity.maps.parts.PART_BYTES`).

    Returns
    -------
    list of Path
        The files written, each atomically.
    """
    out = Path(out_dir)
    lang = _check_lang(lang)
    _check_access(access, map_kinds(network))
    bins = _check_bins(thresholds_min)
    if top_n < 0:
        raise DataError(f"top_n must be >= 0, got {top_n}")
    segments = _Segments.from_edges(network.edges)
    load = page_load(len(access), road_bytes(segments.coords))
    if len(access) > max_communities or load > MAX_MAP_BYTES:
        log.info(
            "%d communities and roads of ~%.0f MB: more than one map page holds (%d "
            "communities, %.1f MB): the region is mapped in parts",
            len(access),
            load / 1e6,
            max_communities,
            MAX_MAP_BYTES / 1e6,
        )
        written = _write_parts(
            network,
            access,
            segments,
            out=out,
            ranking=ranking,
            after_network=after_network,
            waterways=waterways,
            top_n=top_n,
            data_source=data_source,
            attribution=attribution,
            synthetic=synthetic,
            title=title,
            lang=lang,
            bins=bins,
            unreachable_cap_min=unreachable_cap_min,
            run_id=run_id,
            robustness=robustness,
            max_communities=max_communities,
            max_part_bytes=max_part_bytes,
        )
    else:
        written = _write_whole(
            network,
            access,
            segments,
            out=out,
            ranking=ranking,
            after_network=after_network,
            waterways=waterways,
            top_n=top_n,
            data_source=data_source,
            attribution=attribution,
            synthetic=synthetic,
            title=title,
            lang=lang,
            bins=bins,
            unreachable_cap_min=unreachable_cap_min,
            run_id=run_id,
            robustness=robustness,
        )
    if ranking is not None:  # the whole region, mapped whole or in parts
        written.append(
            overview_png(
                network,
                ranking,
                out / "investments.png",
                access=access,
                waterways=waterways,
                top_n=top_n,
                title=title,
                run_id=run_id,
                data_source=data_source,
                attribution=attribution,
                synthetic=synthetic,
                lang=lang,
            )
        )
    return written


def _write_whole(
    network: RoadNetwork,
    access: gpd.GeoDataFrame,
    segments: _Segments,
    *,
    out: Path,
    ranking: Any | None,
    after_network: RoadNetwork | None,
    waterways: gpd.GeoDataFrame | None,
    top_n: int,
    data_source: str,
    attribution: Sequence[str],
    synthetic: bool,
    title: str,
    lang: Lang,
    bins: Sequence[float],
    unreachable_cap_min: float,
    run_id: str,
    robustness: Any | None,
) -> list[Path]:
    """Write ``access.html`` and, given a ranking, ``investments.html``: one page each."""
    common: dict[str, Any] = {
        "waterways": waterways,
        "data_source": data_source,
        "attribution": attribution,
        "synthetic": synthetic,
        "title": title,
        "lang": lang,
        "bins": bins,
        "unreachable_cap_min": unreachable_cap_min,
        "max_bytes": MAX_MAP_BYTES,
    }
    router = Router(network, segments)
    written = [
        _save_html(
            _access_page(network, access, segments, router, **common), out / "access.html", run_id
        )
    ]
    del segments, router
    if ranking is not None:
        region = _WorksRegion.build(
            network, ranking, after_network=after_network, top_n=top_n, routes=True
        )
        m = _investments_page(region, access, region.segments, robustness=robustness, **common)
        written.append(_save_html(m, out / "investments.html", run_id))
    return written


def _write_parts(
    network: RoadNetwork,
    access: gpd.GeoDataFrame,
    segments: _Segments,
    *,
    out: Path,
    ranking: Any | None,
    after_network: RoadNetwork | None,
    waterways: gpd.GeoDataFrame | None,
    top_n: int,
    data_source: str,
    attribution: Sequence[str],
    synthetic: bool,
    title: str,
    lang: Lang,
    bins: Sequence[float],
    unreachable_cap_min: float,
    run_id: str,
    robustness: Any | None,
    max_communities: int,
    max_part_bytes: float,
) -> list[Path]:
    """Write a region too large for one page: a map of each kind per part, and index pages.

    The PNG overview of the whole region is :func:`write_maps`'s.

    ``segments``: the base network's (:meth:`_Segments.from_edges`). The
    communities' routes are found once for the whole region; each part's
    page takes its rows.
    """
    crs = network.crs
    bounds = shapely.bounds(segments.geoms)
    parts = split_region(
        access,
        crs,
        max_communities=max_communities,
        extent=network.edges.total_bounds,
        roads=(bounds, road_bytes(segments.coords)),
        max_bytes=max_part_bytes,
    )
    log.info("mapped in %d parts (under %s/)", len(parts), PARTS_DIR)
    t = labels(lang)
    with_works = ranking is not None
    common: dict[str, Any] = {
        "waterways": waterways,
        "data_source": data_source,
        "attribution": attribution,
        "synthetic": synthetic,
        "title": title,
        "lang": lang,
        "bins": bins,
        "max_bytes": MAX_MAP_BYTES,
    }

    def header(part: MapPart, which: str) -> dict[str, Any]:
        links = [[t["part_index"], f"../{which}.html"]]
        if with_works:
            other = "investments" if which == "access" else "access"
            links.append([t[f"part_{other}"], Path(part.file(other)).name])
        label = t["part_label"].format(n=part.number, count=part.count, label=part.label or "—")
        return {"label": label, "links": links}

    written: list[Path] = []
    routes = market_routes(network, access, Router(network, segments))
    for part in _bar(parts, "access maps"):
        communities = access.iloc[part.communities]
        view, own = PartView.make(
            part, segments, bounds, communities, crs, header=header(part, "access")
        )
        m = _access_page(
            network,
            communities,
            own,
            None,
            unreachable_cap_min=unreachable_cap_min,
            part=view,
            routes=_rows(routes, part),
            **common,
        )
        written.append(_save_html(m, out / part.file("access"), run_id))
    del segments, bounds, routes
    programme = None
    if ranking is not None:
        region = _WorksRegion.build(
            network, ranking, after_network=after_network, top_n=top_n, routes=True
        )
        bounds = shapely.bounds(region.segments.geoms)
        routes = region.community_routes(access, region.after(access), unreachable_cap_min)
        for part in _bar(parts, "investments maps"):
            communities = access.iloc[part.communities]
            view, own = PartView.make(
                part,
                region.segments,
                bounds,
                communities,
                crs,
                header=header(part, "investments"),
                keep=region.in_base,
            )
            m = _investments_page(
                region,
                communities,
                own,
                unreachable_cap_min=unreachable_cap_min,
                robustness=robustness,
                part=view,
                routes=_rows(routes, part),
                **common,
            )
            written.append(_save_html(m, out / part.file("investments"), run_id))
        works = region.view.works
        programme = works[works["portfolio_order"].notna()]
        currency = _text(works["currency"].iloc[0]) if len(works) else "PEN"
    table = part_table(parts, access, crs, programme=programme, cap_min=unreachable_cap_min)
    for which in ("access", "investments") if with_works else ("access",):
        page = index_page(
            parts,
            table,
            crs,
            which=which,
            lang=lang,
            n_communities=len(access),
            max_communities=max_communities,
            title=title,
            credits=_credits(data_source, attribution, synthetic),
            synthetic=synthetic,
            currency=currency if with_works else "PEN",
            with_works=with_works,
            run_id=run_id,
        )
        written.append(_write_page(out / f"{which}.html", page))
    return written


def _rows(routes: dict[str, list[Any]], part: MapPart) -> dict[str, list[Any]]:
    """Return the part's communities' rows of the routes found for the whole region."""
    return {key: [rows[i] for i in part.communities.tolist()] for key, rows in routes.items()}


def _bar(parts: Sequence[MapPart], desc: str) -> Any:
    return tqdm(parts, desc=desc, unit=" part", disable=not progress_enabled())


def _save_html(m: folium.Map, path: Path, run_id: str) -> Path:
    if run_id:
        meta = f'<meta name="connectivity-run-id" content="{html.escape(run_id)}">'
        cast(Figure, m.get_root()).header.add_child(Element(meta), name="connectivity_run_id")
    return _write_page(path, m.get_root().render())


def _write_page(path: Path, text: str) -> Path:
    """Write an HTML page atomically (a map or an index page) and log its size."""
    with atomic_path(path) as tmp:
        tmp.write_text(text, encoding="utf-8")
    log.info("map written: %s (%.1f MB)", path.name, path.stat().st_size / 1e6)
    return path
