"""The static overview: the ranked works on the roads, as a PNG for printed reports.

``investments.png`` (:func:`overview_png`): an A4 landscape page drawn offline
with matplotlib in the network's projected CRS (no web tiles): the title
(wrapped, and smaller when it is long, so that it always fits the page), the
map with each top work's rank, a table of the top works (names wrapped, never
cut; those in the chosen portfolio in bold), a legend, a scale bar and the
data sources. Rank labels never overlap: each goes on its work, or, where
that is taken, nearby with a leader line (:func:`connectivity.maps.labels.place_labels`).
:func:`overview_figure` returns the same page as a matplotlib figure.
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
from connectivity.i18n import fmt_money, fmt_number
from connectivity.maps.encoding import _num, _text
from connectivity.maps.labels import place_labels
from connectivity.maps.payload import _check_lang, _credits, map_kinds
from connectivity.maps.style import PORTFOLIO_COLOR, RIVER_COLOR, ROAD_STYLE, WORK_COLORS
from connectivity.maps.text import Lang, labels, road_class_label, work_type_label
from connectivity.maps.works_view import _works_view
from connectivity.network import RoadNetwork

__all__ = ["RANK_LABEL_GID", "overview_figure", "overview_png"]

log = logging.getLogger(__name__)

#: A4 landscape, inches.
PAGE_IN = (11.69, 8.27)
MARGIN_IN = 0.25
#: The ``gid`` of every rank label on the map (a test measures them).
RANK_LABEL_GID = "rank-label"
TITLE_PT = (13.0, 11.0, 9.5)  # tried in turn until the title takes at most two lines
TABLE_PT = (6.5, 6.0, 5.5, 5.0)  # tried in turn until the table fits its column


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
        Resolution of the A4-landscape page.
    run_id : str
        Id of the run, in the PNG's ``connectivity-run-id`` text chunk.

    Returns
    -------
    Path
        ``path``.
    """
    fig = overview_figure(
        network,
        ranking,
        access=access,
        waterways=waterways,
        top_n=top_n,
        data_source=data_source,
        attribution=attribution,
        synthetic=synthetic,
        title=title,
        lang=lang,
        dpi=dpi,
    )
    path = Path(path)
    with atomic_path(path) as tmp:
        metadata: dict[str, str | None] = {"Software": None}
        if run_id:
            metadata["connectivity-run-id"] = run_id
        fig.savefig(tmp, format="png", metadata=metadata)
    log.info("overview PNG written: %s (top %d)", path.name, top_n)
    return path


def overview_figure(
    network: RoadNetwork,
    ranking: Any,
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
) -> Any:
    """Return the overview page as a matplotlib figure (parameters as in :func:`overview_png`).

    The figure is drawn (its Agg canvas has rendered once) with the rank
    labels in place: each is a text of the map's axes whose ``gid`` is
    :data:`RANK_LABEL_GID`, with its box as the text's bbox patch.
    """
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    lang = _check_lang(lang)
    t = labels(lang)
    view = _works_view(ranking, network.crs, map_kinds(network))
    works = view.works
    top = works[works["rank"] <= top_n]
    fig = Figure(figsize=PAGE_IN, dpi=dpi)
    FigureCanvasAgg(fig)
    page = _Page(fig)
    heading = t["png_title"].format(n=min(top_n, len(works)))
    if title:
        heading = f"{heading} · {title}"
    top_in = page.title(heading)
    if synthetic:
        top_in = page.banner(t["synthetic"], top_in)
    credits = [html.unescape(c) for c in _credits(data_source, attribution, synthetic)]
    bottom_in = page.credits(f"{t['source']}: " + " · ".join(credits))
    map_w = 0.585 * PAGE_IN[0]
    ax = fig.add_axes(
        (
            MARGIN_IN / PAGE_IN[0],
            (bottom_in + 0.05) / PAGE_IN[1],
            map_w / PAGE_IN[0],
            (top_in - bottom_in - 0.2) / PAGE_IN[1],
        )
    )
    handles = _draw_map(ax, network, works, top, access, waterways, t, lang)
    handles += _work_handles(t, top_n)
    column_x = MARGIN_IN + map_w + 0.25
    legend = fig.legend(
        handles=handles,
        loc="lower right",
        bbox_to_anchor=(1 - MARGIN_IN / PAGE_IN[0], (bottom_in + 0.05) / PAGE_IN[1]),
        ncols=2,
        fontsize=7,
        frameon=False,
    )
    fig.canvas.draw()
    legend_top = legend.get_window_extent().y1 / dpi
    _works_table(
        page,
        top,
        t,
        lang,
        x0=column_x,
        x1=PAGE_IN[0] - MARGIN_IN,
        y_top=top_in - 0.15,
        y_bottom=legend_top + 0.15,
        total=len(works),
    )
    _place_rank_labels(ax, top)
    fig.canvas.draw()
    return fig


class _Page:
    """Texts placed on the page in inches, wrapped to a width measured by the renderer."""

    def __init__(self, fig: Any) -> None:
        self.fig = fig
        self.renderer = fig.canvas.get_renderer()
        self.inch = fig.dpi_scale_trans

    def width_in(self, text: str, size: float, weight: str = "normal") -> float:
        from matplotlib.font_manager import FontProperties

        prop = FontProperties(size=size, weight=weight)
        w, _, _ = self.renderer.get_text_width_height_descent(text, prop, ismath=False)
        return float(w) / float(self.fig.dpi)

    def wrap(self, text: str, width_in: float, size: float, weight: str = "normal") -> list[str]:
        """Return ``text`` in lines no wider than ``width_in``, broken between words."""
        lines: list[str] = []
        line = ""
        for word in text.split():
            trial = f"{line} {word}" if line else word
            if not line or self.width_in(trial, size, weight) <= width_in:
                line = trial
                continue
            lines.append(line)
            line = word
        if line:
            lines.append(line)
        # a word wider than the column alone is broken where it must be
        out: list[str] = []
        for ln in lines:
            while self.width_in(ln, size, weight) > width_in and len(ln) > 1:
                cut = len(ln) - 1
                while cut > 1 and self.width_in(ln[:cut] + "-", size, weight) > width_in:
                    cut -= 1
                out.append(ln[:cut] + "-")
                ln = ln[cut:]
            out.append(ln)
        return out or [""]

    def text(self, x_in: float, y_in: float, text: str, size: float, **kw: Any) -> Any:
        return self.fig.text(
            x_in, y_in, text, fontsize=size, transform=self.inch, parse_math=False, **kw
        )

    def title(self, heading: str) -> float:
        """Write the title at the top, wrapped (smaller if long); return where it ends (in)."""
        width = PAGE_IN[0] - 2 * MARGIN_IN
        for size in TITLE_PT:
            lines = self.wrap(heading, width, size, "bold")
            if len(lines) <= 2:
                break
        y = PAGE_IN[1] - MARGIN_IN
        self.text(MARGIN_IN, y, "\n".join(lines), size, weight="bold", va="top", linespacing=1.15)
        return y - len(lines) * size * 1.15 / 72 - 0.08

    def banner(self, text: str, top_in: float) -> float:
        """Write the synthetic-data warning under the title; return where it ends (in)."""
        size = 8.0
        lines = self.wrap(text, PAGE_IN[0] - 2 * MARGIN_IN - 0.2, size)
        self.text(
            MARGIN_IN + 0.05,
            top_in - 0.05,
            "\n".join(lines),
            size,
            color="#7a5c00",
            va="top",
            bbox={"fc": "#fff3b0", "ec": "#c9a400", "boxstyle": "round,pad=0.3"},
        )
        return top_in - 0.1 - len(lines) * size * 1.2 / 72 - 0.1

    def credits(self, text: str) -> float:
        """Write the data sources at the foot, wrapped; return where they end, upwards (in)."""
        size = 6.5
        lines = self.wrap(text, PAGE_IN[0] - 2 * MARGIN_IN, size)
        self.text(MARGIN_IN, MARGIN_IN * 0.6, "\n".join(lines), size, color="#333333", va="bottom")
        return MARGIN_IN * 0.6 + len(lines) * size * 1.2 / 72 + 0.1


def _draw_map(
    ax: Any,
    network: RoadNetwork,
    works: gpd.GeoDataFrame,
    top: gpd.GeoDataFrame,
    access: gpd.GeoDataFrame | None,
    waterways: gpd.GeoDataFrame | None,
    t: Mapping[str, str],
    lang: Lang,
) -> list[Any]:
    """Draw roads, rivers, communities and works; return the legend's handles."""
    from matplotlib.collections import LineCollection
    from matplotlib.lines import Line2D

    ax.set_aspect("equal")
    ax.set_axis_off()
    edges = network.edges
    handles = []
    for cls, (color, width, dash) in ROAD_STYLE.items():
        geoms = edges.geometry[edges["road_class"] == cls].to_numpy()
        if len(geoms) == 0:
            continue
        style = (0, (3, 2)) if dash else "solid"
        ax.add_collection(
            LineCollection(
                _segments_xy(geoms), colors=color, linewidths=width * 0.3, linestyles=style
            )
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
    rest = works[~works.index.isin(top.index)]
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
    lines = _segments_xy(in_portfolio.geometry.to_numpy())
    if lines:
        ax.add_collection(
            LineCollection(lines, colors=PORTFOLIO_COLOR, linewidths=6, alpha=0.45, zorder=1)
        )
    xmin, ymin, xmax, ymax = _frame(edges, works, access, network.crs)
    pad = 0.02 * max(xmax - xmin, ymax - ymin)
    ax.set_xlim(xmin - pad, xmax + pad)
    ax.set_ylim(ymin - pad, ymax + pad)
    _scale_bar(ax, xmin, ymin, xmax, t)
    return handles


def _frame(
    edges: gpd.GeoDataFrame, works: gpd.GeoDataFrame, access: gpd.GeoDataFrame | None, crs: Any
) -> tuple[float, float, float, float]:
    """Return the extent of what the map draws: roads of a drawn class, works, communities.

    Connectors (walking links to places and facilities off the roads) are not
    drawn and can reach far, so they do not widen the map.
    """
    parts = [edges.geometry[edges["road_class"].isin(list(ROAD_STYLE))], works.geometry]
    if access is not None and len(access):
        parts.append(access.geometry.to_crs(crs))
    boxes = np.array([p.total_bounds for p in parts if len(p) and not p.is_empty.all()])
    if not len(boxes) or not np.isfinite(boxes).all():
        return tuple(float(v) for v in edges.total_bounds)  # type: ignore[return-value]
    return (
        float(boxes[:, 0].min()),
        float(boxes[:, 1].min()),
        float(boxes[:, 2].max()),
        float(boxes[:, 3].max()),
    )


def _work_handles(t: Mapping[str, str], top_n: int) -> list[Any]:
    from matplotlib.lines import Line2D

    return [
        Line2D([], [], color=WORK_COLORS[0], lw=2.6, label=t["png_top"].format(n=top_n)),
        Line2D([], [], color=WORK_COLORS[2], lw=0.7, alpha=0.55, label=t["legend_rest"]),
        Line2D([], [], color=PORTFOLIO_COLOR, lw=6, alpha=0.45, label=t["legend_portfolio"]),
    ]


def _anchor(geom: Any) -> tuple[float, float] | None:
    """Where a work's rank points: the work if a point, else the middle of its longest line."""
    if geom is None or geom.is_empty:
        return None
    parts = list(shapely.get_parts(geom))
    points = [p for p in parts if p.geom_type == "Point"]
    if points:
        return (points[0].x, points[0].y)
    lines = [p for p in parts if p.geom_type in ("LineString", "LinearRing")]
    if lines:
        mid = max(lines, key=lambda p: p.length).interpolate(0.5, normalized=True)
        return (mid.x, mid.y)
    at = geom.representative_point()
    return (at.x, at.y)


def _place_rank_labels(ax: Any, top: gpd.GeoDataFrame) -> None:
    """Put the top works' ranks on the map, moving out on a leader line where they would overlap."""
    from matplotlib.lines import Line2D

    texts, anchors = [], []
    for _, row in top.sort_values("rank", kind="stable").iterrows():
        at = _anchor(row.geometry)
        if at is None:
            continue
        label = ax.text(
            at[0],
            at[1],
            str(int(row["rank"])),
            fontsize=7,
            color="white",
            weight="bold",
            ha="center",
            va="center",
            zorder=7,
            gid=RANK_LABEL_GID,
            parse_math=False,
            bbox={"boxstyle": "round,pad=0.2", "fc": WORK_COLORS[0], "ec": "white", "lw": 0.5},
        )
        texts.append(label)
        anchors.append(at)
    if not texts:
        return
    fig = ax.figure
    fig.canvas.draw()
    renderer = fig.canvas.get_renderer()
    sizes = np.array(
        [
            [b.width, b.height]
            for b in (tx.get_bbox_patch().get_window_extent(renderer) for tx in texts)
        ]
    )
    to_px = ax.transData
    px = to_px.transform(np.asarray(anchors, dtype=float))
    frame = ax.get_window_extent(renderer)
    obstacles = [a.get_window_extent(renderer) for a in ax.get_children() if a.get_gid() == "scale"]
    placed = place_labels(
        px,
        sizes,
        bounds=(frame.x0, frame.y0, frame.x1, frame.y1),
        obstacles=[(b.x0, b.y0, b.x1, b.y1) for b in obstacles],
    )
    back = to_px.inverted()
    for label, anchor, spot in zip(texts, anchors, placed, strict=True):
        x, y = back.transform((spot.x, spot.y))
        label.set_position((x, y))
        if spot.leader:
            ax.add_line(
                Line2D(
                    [anchor[0], x],
                    [anchor[1], y],
                    color=WORK_COLORS[0],
                    lw=0.7,
                    zorder=6,
                    solid_capstyle="round",
                )
            )
            ax.plot([anchor[0]], [anchor[1]], "o", ms=2.2, color=WORK_COLORS[0], zorder=6)


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
    ax.plot(
        [x0, x0 + length],
        [y0, y0],
        color="black",
        lw=3,
        solid_capstyle="butt",
        zorder=7,
        gid="scale",
    )
    ax.annotate(
        t["png_scale"].format(km=best),
        (x0 + length / 2, y0),
        xytext=(0, 4),
        textcoords="offset points",
        ha="center",
        va="bottom",
        fontsize=7,
        zorder=7,
        gid="scale",
    )


def _works_table(
    page: _Page,
    top: gpd.GeoDataFrame,
    t: Mapping[str, str],
    lang: Lang,
    *,
    x0: float,
    x1: float,
    y_top: float,
    y_bottom: float,
    total: int,
) -> None:
    """List the top works in the right-hand column: rank, name, type, cost, people.

    Names and types are wrapped to their columns, never cut. The font
    shrinks (:data:`TABLE_PT`) until the rows fit between ``y_top`` and
    ``y_bottom`` (inches); if even the smallest is too large, the last rows
    give way to a line saying how many more works ``ranking.csv`` lists.
    """
    rows = top.sort_values("rank", kind="stable")
    head = {
        "rank": t["png_table_rank"],
        "name": t["png_table_name"],
        "type": t["png_table_type"],
        "cost": t["png_table_cost"],
        "people": t["png_table_people"],
    }
    for size in TABLE_PT:
        line_h = size * 1.25 / 72
        at = _columns(page, rows, head, lang, size, x1 - x0)
        name_w = at["type"] - at["name"] - 0.12
        type_w = at["type_w"]
        cells = [_row_cells(page, row, lang, size, name_w, type_w) for _, row in rows.iterrows()]
        heights = [max(len(c["name"]), len(c["type"])) * line_h + 0.35 * line_h for c in cells]
        room = y_top - y_bottom - 2.5 * line_h  # head and the note under the table
        if sum(heights) <= room:
            break
    shown = len(cells)
    if sum(heights) > room:  # even the smallest font is too large: rows give way to a note
        while shown and sum(heights[:shown]) > room - line_h:
            shown -= 1
    more = total - shown
    align = {"rank": "right", "name": "left", "type": "left", "cost": "right", "people": "right"}
    y = y_top
    for key, text in head.items():
        page.text(x0 + at[key], y, text, size, weight="bold", va="top", ha=align[key])
    y -= 1.35 * line_h
    for c, h in zip(cells[:shown], heights[:shown], strict=True):
        weight = "bold" if c["bold"] else "normal"
        for key in head:
            text = "\n".join(c[key]) if isinstance(c[key], list) else c[key]
            page.text(
                x0 + at[key], y, text, size, weight=weight, va="top", ha=align[key], linespacing=1.1
            )
        y -= h
    notes = [t["png_bold"]]
    if shown < len(cells):
        notes.insert(0, t["png_more"].format(n=fmt_number(more, lang)))
    page.text(x0, y - 0.3 * line_h, "\n".join(notes), size, style="italic", va="top")


def _columns(
    page: _Page,
    rows: gpd.GeoDataFrame,
    head: Mapping[str, str],
    lang: Lang,
    size: float,
    width: float,
) -> dict[str, float]:
    """Where the table's columns go (inches from its left): each as wide as its widest cell.

    Rank, cost and people are right-aligned (the value is their right edge);
    name and type left-aligned (their left edge); ``type_w`` is the type's
    width. The name takes what is left.
    """
    gap = 0.12

    def widest(texts: Sequence[str], bold: bool = True) -> float:
        weight = "bold" if bold else "normal"
        return max([page.width_in(x, size, weight) for x in texts if x] + [0.0])

    types = [work_type_label(_text(x), lang, short=True) for x in rows["work_type"]]
    costs = [_money(row["cost"], row["currency"], lang) for _, row in rows.iterrows()]
    people = [_count(x, lang) for x in rows["people_benefited"]]
    ranks = [str(int(x)) for x in rows["rank"]]
    w_people = widest([head["people"], *people])
    w_cost = widest([head["cost"], *costs])
    w_type = widest([head["type"], *types])
    w_rank = widest([head["rank"], *ranks])
    people_at = width
    cost_at = people_at - w_people - gap
    type_at = cost_at - w_cost - gap - w_type
    return {
        "rank": w_rank,
        "name": w_rank + gap,
        "type": type_at,
        "type_w": w_type + 0.01,
        "cost": cost_at,
        "people": people_at,
    }


def _money(value: Any, currency: Any, lang: Lang) -> str:
    x = _num(value)
    return "–" if x is None else fmt_money(x, _text(currency), lang)


def _count(value: Any, lang: Lang) -> str:
    x = _num(value)
    return "–" if x is None else fmt_number(x, lang)


def _row_cells(
    page: _Page, row: pd.Series, lang: Lang, size: float, name_w: float, type_w: float
) -> dict[str, Any]:
    bold = not pd.isna(row["portfolio_order"])
    weight = "bold" if bold else "normal"
    name = _text(row["name"]) or str(row.name)
    kind = work_type_label(_text(row["work_type"]), lang, short=True)
    return {
        "rank": str(int(row["rank"])),
        "name": page.wrap(name, name_w, size, weight),
        "type": page.wrap(kind, type_w, size, weight),
        "cost": _money(row["cost"], row["currency"], lang),
        "people": _count(row["people_benefited"], lang),
        "bold": bold,
    }
