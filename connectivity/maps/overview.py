"""The static overview: the ranked works on the roads, as a PNG for printed reports.

``investments.png`` (:func:`overview_png`): drawn offline with matplotlib in
the network's projected CRS (no web tiles), with a legend, a scale bar and a
table of the top works (those in the chosen portfolio in bold).
"""

from __future__ import annotations

import html
import logging
import math
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from connectivity._io import atomic_path
from connectivity.maps.encoding import _num, _text
from connectivity.maps.payload import _check_lang, _credits
from connectivity.maps.style import PORTFOLIO_COLOR, RIVER_COLOR, ROAD_STYLE, WORK_COLORS
from connectivity.maps.text import Lang, labels, road_class_label, work_type_label
from connectivity.maps.works_view import _works_view
from connectivity.network import RoadNetwork

__all__ = ["overview_png"]

log = logging.getLogger(__name__)


def overview_png(
    network: RoadNetwork,
    ranking: Any,
    path: str | Path,
    *,
    access: gpd.GeoDataFrame | None = None,
    waterways: gpd.GeoDataFrame | None = None,
    top_n: int = 20,
    data_source: str = "",
    attribution: Sequence[str] = (),
    synthetic: bool = False,
    title: str = "",
    lang: Lang = "es",
    dpi: int = 150,
    run_id: str = "",
) -> Path:
    """Draw the ranked works on the roads, for printed reports (no web tiles), as a PNG.

    Parameters
    ----------
    network : RoadNetwork
        The base network (drawn in its projected CRS).
    ranking : RankingResult
        As in :func:`investments_map`.
    path : path-like
        PNG to write (atomically).
    access : geopandas.GeoDataFrame, optional
        Communities to draw as grey dots sized by population.
    waterways : geopandas.GeoDataFrame, optional
        Rivers.
    top_n : int
        Works numbered on the map and listed in the table.
    data_source, attribution, synthetic, title, lang
        As in :func:`access_map`.
    dpi : int
        Resolution of the A4-landscape figure.
    run_id : str
        Id of the run, in the PNG's ``connectivity-run-id`` text chunk.

    Returns
    -------
    Path
        ``path``.
    """
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.collections import LineCollection
    from matplotlib.figure import Figure
    from matplotlib.lines import Line2D

    lang = _check_lang(lang)
    t = labels(lang)
    view = _works_view(ranking, network.crs)
    fig = Figure(figsize=(11.69, 8.27), dpi=dpi)
    FigureCanvasAgg(fig)
    ax = fig.add_axes((0.01, 0.09, 0.60, 0.82))
    ax.set_aspect("equal")
    ax.set_axis_off()
    edges = network.edges
    handles = []
    for cls, (color, width, dash) in ROAD_STYLE.items():
        geoms = edges.geometry[edges["road_class"] == cls].to_numpy()
        if len(geoms) == 0:
            continue
        lines = _segments_xy(geoms)
        style = (0, (3, 2)) if dash else "solid"
        ax.add_collection(
            LineCollection(lines, colors=color, linewidths=width * 0.3, linestyles=style)
        )
        handles.append(
            Line2D([], [], color=color, lw=width * 0.5, ls=style, label=road_class_label(cls, lang))
        )
    if waterways is not None and not waterways.empty:
        ww = waterways.to_crs(network.crs).geometry.to_numpy()
        ax.add_collection(LineCollection(_segments_xy(ww), colors=RIVER_COLOR, linewidths=0.6))
        handles.append(Line2D([], [], color=RIVER_COLOR, lw=1, label=t["river"]))
    if access is not None and len(access):
        pts = access.geometry.to_crs(network.crs)
        size = 2 + 40 * np.sqrt(access["population"].to_numpy(dtype=float) / 10000)
        ax.scatter(pts.x, pts.y, s=size, c="#9a9a9a", edgecolors="#555555", linewidths=0.3)
        handles.append(
            Line2D(
                [],
                [],
                marker="o",
                ls="",
                color="#9a9a9a",
                mec="#555555",
                label=t["png_communities"],
            )
        )
    works = view.works
    top = works[works["rank"] <= top_n]
    rest = works[works["rank"] > top_n]
    for frame, color, width, alpha in (
        (rest, WORK_COLORS[2], 0.7, 0.55),
        (top, WORK_COLORS[0], 2.6, 1.0),
    ):
        geoms = frame.geometry.to_numpy()
        lines = _segments_xy(geoms)
        if lines:
            ax.add_collection(
                LineCollection(lines, colors=color, linewidths=width, alpha=alpha, zorder=3)
            )
        pts = _parts(geoms, "Point")
        if pts:
            ax.scatter(
                [p.x for p in pts],
                [p.y for p in pts],
                s=width * 14,
                c=color,
                marker="D",
                edgecolors="white",
                linewidths=0.5,
                alpha=alpha,
                zorder=4,
            )
    in_portfolio = works[works["portfolio_order"].notna()]
    if len(in_portfolio):
        lines = _segments_xy(in_portfolio.geometry.to_numpy())
        if lines:
            ax.add_collection(
                LineCollection(lines, colors=PORTFOLIO_COLOR, linewidths=6, alpha=0.45, zorder=1)
            )
    handles += [
        Line2D([], [], color=WORK_COLORS[0], lw=2.6, label=t["png_top"].format(n=top_n)),
        Line2D([], [], color=WORK_COLORS[2], lw=0.7, alpha=0.55, label=t["legend_rest"]),
        Line2D([], [], color=PORTFOLIO_COLOR, lw=6, alpha=0.45, label=t["legend_portfolio"]),
    ]
    for _, row in top.iterrows():
        g = row.geometry
        if g is None or g.is_empty:
            continue
        at = g.interpolate(0.5, normalized=True) if g.geom_type != "Point" else g
        if at.is_empty:
            at = g.representative_point()
        ax.annotate(
            str(int(row["rank"])),
            (at.x, at.y),
            fontsize=7,
            color="white",
            weight="bold",
            ha="center",
            va="center",
            zorder=6,
            bbox={"boxstyle": "round,pad=0.2", "fc": WORK_COLORS[0], "ec": "white", "lw": 0.5},
        )
    xmin, ymin, xmax, ymax = edges.total_bounds
    pad = 0.02 * max(xmax - xmin, ymax - ymin)
    ax.set_xlim(xmin - pad, xmax + pad)
    ax.set_ylim(ymin - pad, ymax + pad)
    _scale_bar(ax, xmin, ymin, xmax, t)
    fig.legend(
        handles=handles,
        loc="lower right",
        bbox_to_anchor=(0.99, 0.09),
        ncols=2,
        fontsize=7,
        frameon=False,
    )
    heading = t["png_title"].format(n=min(top_n, len(works)))
    if title:
        heading = f"{heading} · {title}"
    fig.text(0.01, 0.965, heading, fontsize=13, weight="bold", parse_math=False)
    if synthetic:
        fig.text(
            0.01,
            0.935,
            t["synthetic"],
            fontsize=8,
            color="#7a5c00",
            bbox={"fc": "#fff3b0", "ec": "#c9a400", "boxstyle": "round,pad=0.3"},
            parse_math=False,
        )
    _works_table(fig, top, t, lang)
    credits = [html.unescape(c) for c in _credits(data_source, attribution, synthetic)]
    fig.text(
        0.01,
        0.02,
        f"{t['source']}: " + " · ".join(credits),
        fontsize=6.5,
        color="#333333",
        wrap=True,
        parse_math=False,
    )
    path = Path(path)
    with atomic_path(path) as tmp:
        metadata: dict[str, str | None] = {"Software": None}
        if run_id:
            metadata["connectivity-run-id"] = run_id
        fig.savefig(tmp, format="png", metadata=metadata)
    log.info("overview PNG written: %s (%d works, top %d)", path.name, len(works), top_n)
    return path


def _parts(geoms: np.ndarray, *types: str) -> list[Any]:
    """Parts of ``geoms`` (None skipped) whose geometry type is one of ``types``."""
    return [p for g in geoms if g is not None for p in shapely.get_parts(g) if p.geom_type in types]


def _segments_xy(geoms: np.ndarray) -> list[np.ndarray]:
    lines = _parts(geoms, "LineString", "LinearRing")
    return [np.asarray(shapely.get_coordinates(line)) for line in lines]


def _scale_bar(ax: Any, xmin: float, ymin: float, xmax: float, t: Mapping[str, str]) -> None:
    target = (xmax - xmin) / 5
    km = max(1, int(10 ** math.floor(math.log10(max(target / 1000, 1e-9)))))
    best = km
    for step in (1, 2, 5, 10):
        if km * step * 1000 <= target:
            best = km * step
    length = best * 1000
    x0, y0 = xmin, ymin
    ax.plot([x0, x0 + length], [y0, y0], color="black", lw=3, solid_capstyle="butt", zorder=7)
    ax.annotate(
        t["png_scale"].format(km=best),
        (x0 + length / 2, y0),
        xytext=(0, 4),
        textcoords="offset points",
        ha="center",
        va="bottom",
        fontsize=7,
        zorder=7,
    )


def _works_table(fig: Any, top: gpd.GeoDataFrame, t: Mapping[str, str], lang: Lang) -> None:
    ax = fig.add_axes((0.63, 0.35, 0.36, 0.56))
    ax.set_axis_off()
    ax.set_xlim(0, 1)
    ax.set_ylim(0, 1)
    # (x, alignment, header) of each column: rank, name, type, cost, people
    cols = [
        (0.0, "left", t["png_table_rank"]),
        (0.06, "left", t["png_table_name"]),
        (0.55, "left", t["png_table_type"]),
        (0.86, "right", t["png_table_cost"]),
        (1.0, "right", t["png_table_people"]),
    ]
    for x, align, h in cols:
        ax.text(x, 1.0, h, fontsize=7, weight="bold", va="top", ha=align, parse_math=False)
    step = min(0.045, 0.9 / max(len(top), 1))
    for i, (_, row) in enumerate(top.iterrows()):
        y = 0.95 - i * step
        name = _text(row["name"]) or str(row.name)
        cells = [
            str(int(row["rank"])),
            name if len(name) <= 33 else name[:32] + "…",
            work_type_label(_text(row["work_type"]), lang, short=True)[:14],
            _short_money(row["cost"], _text(row["currency"])),
            _short_count(row["people_benefited"]),
        ]
        bold = not pd.isna(row["portfolio_order"])
        for (x, align, _), c in zip(cols, cells, strict=True):
            ax.text(
                x,
                y,
                c,
                fontsize=6.5,
                va="top",
                ha=align,
                parse_math=False,
                weight="bold" if bold else "normal",
            )
    ax.text(
        0.0,
        0.95 - len(top) * step - 0.02,
        t["png_bold"],
        fontsize=6.5,
        va="top",
        style="italic",
        parse_math=False,
    )


def _short_money(value: Any, currency: str) -> str:
    x = _num(value)
    if x is None:
        return "–"
    if x >= 1e6:
        return f"{currency} {x / 1e6:.1f} M"
    if x >= 1e3:
        return f"{currency} {x / 1e3:.0f} k"
    return f"{currency} {x:.0f}"


def _short_count(value: Any) -> str:
    x = _num(value)
    return "–" if x is None else f"{x:,.0f}"
