"""Write a region's maps: ``access.html``, ``investments.html`` and ``investments.png``."""

from __future__ import annotations

import html
import logging
from collections.abc import Sequence
from pathlib import Path
from typing import Any, cast

import folium
import geopandas as gpd
from branca.element import Element, Figure

from connectivity._io import atomic_path
from connectivity.access import UNREACHABLE_CAP_MIN
from connectivity.maps.access import access_map
from connectivity.maps.investments import investments_map
from connectivity.maps.overview import overview_png
from connectivity.maps.style import MINUTE_BINS
from connectivity.maps.text import Lang
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
) -> list[Path]:
    """Write ``access.html`` and, given a ranking, ``investments.html`` and ``investments.png``.

    Parameters
    ----------
    network, access, waterways, data_source, attribution, synthetic, title, lang, thresholds_min
        As in :func:`access_map`.
    unreachable_cap_min : float
        As in :func:`access_map`: the ranking's ``unreachable_cap_min``.
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

    Returns
    -------
    list of Path
        The files written, each atomically.
    """
    out = Path(out_dir)
    common: dict[str, Any] = {
        "data_source": data_source,
        "attribution": attribution,
        "synthetic": synthetic,
        "lang": lang,
    }
    written = [
        _save_html(
            access_map(
                network,
                access,
                waterways=waterways,
                title=title,
                thresholds_min=thresholds_min,
                unreachable_cap_min=unreachable_cap_min,
                **common,
            ),
            out / "access.html",
            run_id,
        )
    ]
    if ranking is not None:
        written.append(
            _save_html(
                investments_map(
                    network,
                    access,
                    ranking,
                    after_network=after_network,
                    waterways=waterways,
                    top_n=top_n,
                    title=title,
                    thresholds_min=thresholds_min,
                    unreachable_cap_min=unreachable_cap_min,
                    robustness=robustness,
                    **common,
                ),
                out / "investments.html",
                run_id,
            )
        )
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
                **common,
            )
        )
    return written


def _save_html(m: folium.Map, path: Path, run_id: str) -> Path:
    if run_id:
        meta = f'<meta name="connectivity-run-id" content="{html.escape(run_id)}">'
        cast(Figure, m.get_root()).header.add_child(Element(meta), name="connectivity_run_id")
    text = m.get_root().render()
    with atomic_path(path) as tmp:
        tmp.write_text(text, encoding="utf-8")
    log.info("map written: %s (%.1f MB)", path.name, path.stat().st_size / 1e6)
    return path
