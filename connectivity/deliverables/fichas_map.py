"""The small static map of a work sheet: the work, the roads around, who gains and where they go.

:class:`Router` finds the routes of the communities that gain from a work to
their nearest destination of one kind in one passability state, before and
after the work (:func:`connectivity.works.apply_works` on the region's network,
then :func:`connectivity.routing.routes_to_nearest_facility`, the same
searches as the ranking's reference recomputation). :func:`work_map_png`
draws them with matplotlib in the network's projected CRS (no web tiles, as
the overview PNG of :mod:`connectivity.maps.overview`): roads by class,
rivers, the work highlighted, the communities that gain sized by their
people, the routes before (grey, dashed) and after (the destination kind's
colour), the destinations reached, a scale bar, a north arrow and the data's
attribution.
"""

from __future__ import annotations

import contextlib
import io
import logging
import math
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from connectivity import routing
from connectivity.maps.style import (
    KIND_ICONS,
    OTHER_KIND_COLORS,
    ROAD_STYLE,
    WORK_COLORS,
)
from connectivity.network import RoadNetwork
from connectivity.ranking.measures import SEASON_WEIGHTS
from connectivity.works import WorkSet

__all__ = ["MapText", "RouteSet", "Router", "work_map_png"]

#: Size of the map on the sheet (inches: about 100 x 92 mm) and its resolution.
MAP_SIZE_IN = (3.94, 3.62)
MAP_DPI = 200
_GAIN_COLOR = "#f1a340"
_RIVER = "#a6cde6"  # lighter than the maps' rivers: the routes are the blue that matters here
_CONTEXT_COLOR = "#b8b8b8"
_MIN_SPAN_M = 2_000.0
_LABELS = 6  # communities named on the map (the most populous)


@dataclass(frozen=True)
class RouteSet:
    """Routes of the communities that gain to their nearest destination of one kind, in one state.

    ``before`` and ``after`` hold one route per community with a route (a
    community with none before, e.g. cut off by a flood, has no line there);
    ``destinations`` are the destinations reached after (``name``,
    ``geometry``).
    """

    kind: str
    season: str
    before: list[Any]
    after: list[Any]
    destinations: gpd.GeoDataFrame


class Router:
    """Routes of communities before and after works, on a region's network.

    Parameters
    ----------
    network : RoadNetwork
        The base network (the one the works were generated on).
    works : WorkSet
        The candidate works (:func:`connectivity.works.generate_candidates`).
    """

    def __init__(self, network: RoadNetwork, works: WorkSet) -> None:
        self.network = network
        self.works = works
        self._graphs: dict[tuple[str, ...], routing.RoutingGraph] = {}
        comm = network.communities
        self._nodes = pd.Series(comm["node_id"].to_numpy(), index=comm["community_id"].astype(str))

    def _graph(self, applied: tuple[str, ...], *, keep: bool) -> routing.RoutingGraph:
        if applied in self._graphs:
            return self._graphs[applied]
        from connectivity.works import apply_works

        net = self.network if not applied else apply_works(self.network, self.works, applied)
        with _quiet("connectivity.routing"):  # one graph per sheet: no log line each
            graph = routing.routing_graph_from_gdfs(
                net.nodes, net.edges, weights=sorted(set(SEASON_WEIGHTS.values()))
            )
        if keep:
            self._graphs[applied] = graph
        return graph

    def routes(
        self,
        applied: Sequence[str],
        community_ids: Sequence[str],
        kinds: Sequence[str],
        season: str,
        *,
        keep: bool = False,
    ) -> list[RouteSet]:
        """Find the routes of ``community_ids`` before and after the works ``applied``.

        Parameters
        ----------
        applied : sequence of str
            Work ids done in the "after" network (the base network is "before").
        community_ids : sequence of str
            The communities whose routes are drawn.
        kinds : sequence of str
            Destination kinds (one :class:`RouteSet` each).
        season : {"dry", "rain", "wet"}
            Passability state of the search.
        keep : bool
            Keep the "after" network's graph for later calls (a programme's).

        Returns
        -------
        list of RouteSet
        """
        ids = [c for c in map(str, community_ids) if c in self._nodes.index]
        if not ids:
            return []
        origins = self._nodes.loc[ids].to_numpy()
        before_graph = self._graph((), keep=True)
        after_graph = self._graph(tuple(applied), keep=keep)
        weight = SEASON_WEIGHTS[season]
        out = []
        for kind in kinds:
            layer = self.network.facilities.get(kind)
            if layer is None or layer.empty:
                continue
            facilities = dict(zip(layer["facility_id"], layer["node_id"], strict=True))
            before = routing.routes_to_nearest_facility(
                before_graph, origins, facilities, weight=weight
            )
            after = routing.routes_to_nearest_facility(
                after_graph, origins, facilities, weight=weight
            )
            reached = set(after["facility"].dropna().astype(str))
            dest = layer[layer["facility_id"].astype(str).isin(reached)]
            names = dest["name"].tolist() if "name" in dest.columns else [""] * len(dest)
            out.append(
                RouteSet(
                    kind=kind,
                    season=season,
                    before=[g for g in before.geometry if g is not None and not g.is_empty],
                    after=[g for g in after.geometry if g is not None and not g.is_empty],
                    destinations=gpd.GeoDataFrame(
                        {"name": [_label(n) for n in names]},
                        geometry=dest.geometry.to_numpy(),
                        crs=layer.crs,
                    ),
                )
            )
        return out


@dataclass(frozen=True)
class MapText:
    """The words of a sheet's map, in the sheet's language."""

    work: str
    gaining: str
    others: str
    before: str
    after: dict[str, str]
    destinations: dict[str, str]
    credit: str
    scale: str = "{km} km"
    north: str = "N"
    letters: Mapping[str, str] = field(default_factory=dict)


def _label(name: Any) -> str:
    """Return a destination's name ("" when the data give none: its marker says its kind)."""
    text = "" if name is None or name is pd.NA else str(name).strip()
    return "" if text.lower() in ("nan", "none") else text


@contextlib.contextmanager
def _quiet(name: str) -> Iterator[None]:
    """Hold a logger's INFO lines back for a moment (its warnings still pass)."""
    logger = logging.getLogger(name)
    level = logger.level
    logger.setLevel(max(level, logging.WARNING))
    try:
        yield
    finally:
        logger.setLevel(level)


def _kind_color(kind: str, kinds: Sequence[str]) -> tuple[str, str, str]:
    """Fill, ink and letter of a destination kind's marker."""
    if kind in KIND_ICONS:
        fill, ink, _, letters = KIND_ICONS[kind]
        return fill, ink, letters.get("es", kind[:1].upper())
    others = [k for k in kinds if k not in KIND_ICONS]
    i = others.index(kind) if kind in others else 0
    return OTHER_KIND_COLORS[i % len(OTHER_KIND_COLORS)], "#ffffff", kind[:1].upper()


def _extent(geoms: Sequence[Any], aspect: float) -> tuple[float, float, float, float]:
    """Bounds around ``geoms``, padded, at least 2 km across, with the axes' aspect (w/h)."""
    xmin, ymin, xmax, ymax = shapely.total_bounds(np.asarray(list(geoms), dtype=object))
    if not np.isfinite([xmin, ymin, xmax, ymax]).all():
        raise ValueError("nothing to map")
    w, h = max(xmax - xmin, _MIN_SPAN_M * 0.6), max(ymax - ymin, _MIN_SPAN_M * 0.6)
    w, h = w * 1.22, h * 1.22
    if w / h < aspect:
        w = h * aspect
    else:
        h = w / aspect
    cx, cy = (xmin + xmax) / 2, (ymin + ymax) / 2
    return cx - w / 2, cy - h / 2, cx + w / 2, cy + h / 2


def _in_box(frame: gpd.GeoDataFrame, box: tuple[float, float, float, float]) -> gpd.GeoDataFrame:
    hits = frame.sindex.query(shapely.box(*box), predicate="intersects")
    return frame.iloc[np.sort(hits)]


def _lines_xy(geoms: Sequence[Any]) -> list[np.ndarray]:
    parts = [
        p
        for g in geoms
        if g is not None
        for p in shapely.get_parts(g)
        if p.geom_type in ("LineString", "LinearRing")
    ]
    return [np.asarray(shapely.get_coordinates(p)) for p in parts]


def _scale_bar(ax: Any, box: tuple[float, float, float, float], text: MapText) -> None:
    xmin, ymin, xmax, ymax = box
    target = (xmax - xmin) / 4
    step = 10 ** math.floor(math.log10(target))
    length = max(s * step for s in (1, 2, 5) if s * step <= target)
    x0, y0 = xmin + 0.04 * (xmax - xmin), ymin + 0.05 * (ymax - ymin)
    ax.plot(
        [x0, x0 + length],
        [y0, y0],
        color="black",
        lw=2.5,
        solid_capstyle="butt",
        zorder=9,
        path_effects=_halo(4.5),
    )
    km = length / 1000
    label = f"{km:g}" if km >= 1 else f"{length:g}"
    words = text.scale.format(km=label) if km >= 1 else f"{label} m"
    ax.annotate(
        words,
        (x0 + length / 2, y0),
        xytext=(0, 3),
        textcoords="offset points",
        ha="center",
        va="bottom",
        fontsize=6,
        zorder=9,
        path_effects=_halo(),
    )


def _north_arrow(ax: Any, text: MapText) -> None:
    ax.annotate(
        text.north,
        xy=(0.94, 0.95),
        xytext=(0.94, 0.83),
        xycoords="axes fraction",
        textcoords="axes fraction",
        ha="center",
        va="center",
        fontsize=8,
        weight="bold",
        arrowprops={"arrowstyle": "-|>", "color": "black", "lw": 1.2},
        zorder=9,
        path_effects=_halo(),
    )


def _halo(width: float = 2.0) -> list[Any]:
    from matplotlib import patheffects

    return [patheffects.withStroke(linewidth=width, foreground="white")]


def work_map_png(
    network: RoadNetwork,
    work: Any,
    gaining: gpd.GeoDataFrame,
    routes: Sequence[RouteSet],
    text: MapText,
    *,
    waterways: gpd.GeoDataFrame | None = None,
    synthetic: bool = False,
    dpi: int = MAP_DPI,
) -> bytes:
    """Draw a work's map, for its sheet, and return the PNG.

    Parameters
    ----------
    network : RoadNetwork
        The base network (its CRS is the map's).
    work : shapely geometry
        The work (a line, or a point for a bridge), in the network's CRS.
    gaining : geopandas.GeoDataFrame
        The communities that gain (``name``, ``population``, points).
    routes : sequence of RouteSet
        Routes before and after, and the destinations reached (may be empty).
    text : MapText
        The words of the map.
    waterways : geopandas.GeoDataFrame, optional
        Rivers (any CRS).
    synthetic : bool
        The data are invented (the credit says so).
    dpi : int

    Returns
    -------
    bytes
        The PNG (deterministic: no software or date stamp).
    """
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.collections import LineCollection
    from matplotlib.figure import Figure
    from matplotlib.lines import Line2D
    from matplotlib.patches import Rectangle

    fig = Figure(figsize=MAP_SIZE_IN, dpi=dpi)
    FigureCanvasAgg(fig)
    legend_h = 0.16
    ax = fig.add_axes((0.0, legend_h, 1.0, 1.0 - legend_h))
    ax.set_axis_off()
    aspect = MAP_SIZE_IN[0] / (MAP_SIZE_IN[1] * (1 - legend_h))
    gaining = gaining.to_crs(network.crs)
    geoms: list[Any] = [work, *gaining.geometry]
    for rs in routes:
        geoms += [*rs.after, *rs.destinations.to_crs(network.crs).geometry]
    box = _extent(geoms, aspect)
    ax.set_xlim(box[0], box[2])
    ax.set_ylim(box[1], box[3])
    ax.set_aspect("equal")
    ax.add_patch(
        Rectangle(
            (box[0], box[1]), box[2] - box[0], box[3] - box[1], fc="#fbfaf7", ec="none", zorder=0
        )
    )
    if waterways is not None and not waterways.empty:
        if waterways.crs != network.crs:
            waterways = waterways.to_crs(network.crs)
        rivers = _in_box(waterways, box)
        ax.add_collection(
            LineCollection(_lines_xy(rivers.geometry), colors=_RIVER, linewidths=0.6, zorder=1)
        )
    edges = _in_box(network.edges, box)
    thin = 0.32 if box[2] - box[0] < 5_000 else 0.2  # a town's streets must not bury the routes
    for cls, (color, width, dash) in ROAD_STYLE.items():
        lines = _lines_xy(edges.geometry[edges["road_class"] == cls])
        if lines:
            style = (0, (3, 2)) if dash else "solid"
            ax.add_collection(
                LineCollection(
                    lines, colors=color, linewidths=width * thin, linestyles=style, zorder=2
                )
            )
    comm = _in_box(network.communities, box)
    comm = comm[~comm["community_id"].astype(str).isin(gaining.get("community_id", []))]
    if len(comm):
        ax.scatter(comm.geometry.x, comm.geometry.y, s=5, c=_CONTEXT_COLOR, lw=0, zorder=3)
    kinds = tuple(network.kinds)
    handles: list[Any] = []
    for rs in routes:
        before = _lines_xy(rs.before)
        if before:
            ax.add_collection(
                LineCollection(
                    before, colors="#555555", linewidths=1.0, linestyles=(0, (2, 1.5)), zorder=4
                )
            )
    width = 4.0
    for rs in routes:
        fill, ink, letter = _kind_color(rs.kind, kinds)
        color = fill if fill != "#ffffff" else ink
        after = _lines_xy(rs.after)
        if after:
            ax.add_collection(
                LineCollection(after, colors=color, linewidths=width, alpha=0.9, zorder=5)
            )
            handles.append(Line2D([], [], color=color, lw=2.4, label=text.after[rs.kind]))
        width = max(width - 1.25, 1.5)
    if any(_lines_xy(rs.before) for rs in routes):
        handles.append(Line2D([], [], color="#555555", lw=1.0, ls=(0, (2, 1.5)), label=text.before))
    # the work: a thick line with a white casing, or a diamond for a bridge
    lines = _lines_xy([work])
    if lines:
        ax.add_collection(LineCollection(lines, colors="white", linewidths=6.5, zorder=12))
        ax.add_collection(LineCollection(lines, colors=WORK_COLORS[0], linewidths=4.0, zorder=13))
    points = [p for p in shapely.get_parts(work) if p.geom_type == "Point"]
    if points:
        ax.scatter(
            [p.x for p in points],
            [p.y for p in points],
            s=110,
            marker="D",
            c=WORK_COLORS[0],
            edgecolors="white",
            linewidths=1.2,
            zorder=13,
        )
    # a ring around a bridge or a short work, so that it stands out
    at = shapely.centroid(work)
    if not at.is_empty and shapely.length(work) < 0.08 * (box[2] - box[0]):
        ax.scatter(
            [at.x],
            [at.y],
            s=650,
            facecolors="none",
            edgecolors=WORK_COLORS[0],
            lw=1.3,
            alpha=0.8,
            zorder=13,
        )
    handles.insert(
        0,
        Line2D(
            [],
            [],
            color=WORK_COLORS[0],
            lw=3,
            marker="D" if points else None,
            ms=5,
            label=text.work,
        ),
    )
    pop = pd.to_numeric(gaining["population"], errors="coerce").fillna(0).to_numpy(dtype=float)
    if len(gaining):
        size = 14 + 220 * np.sqrt(pop / max(pop.max(), 1.0))
        ax.scatter(
            gaining.geometry.x,
            gaining.geometry.y,
            s=size,
            c=_GAIN_COLOR,
            edgecolors="#5a3a00",
            linewidths=0.6,
            zorder=8,
        )
        handles.append(
            Line2D([], [], marker="o", ls="", color=_GAIN_COLOR, mec="#5a3a00", label=text.gaining)
        )
        for i in np.argsort(-pop, kind="stable")[:_LABELS]:
            row = gaining.iloc[int(i)]
            ax.annotate(
                str(row["name"]),
                (row.geometry.x, row.geometry.y),
                xytext=(5, 3),
                textcoords="offset points",
                fontsize=5.5,
                zorder=10,
                path_effects=_halo(),
                annotation_clip=True,
            )
    for rs in routes:
        fill, ink, letter = _kind_color(rs.kind, kinds)
        dest = rs.destinations.to_crs(network.crs)
        for _, row in dest.iterrows():
            x, y = row.geometry.x, row.geometry.y
            ax.annotate(
                text.letters.get(rs.kind, letter),
                (x, y),
                ha="center",
                va="center",
                fontsize=6,
                weight="bold",
                color=ink,
                zorder=11,
                bbox={"boxstyle": "square,pad=0.25", "fc": fill, "ec": "#333333", "lw": 0.6},
            )
            left = x < (box[0] + box[2]) / 2  # write the name towards the map's middle
            if not row["name"]:
                continue
            ax.annotate(
                str(row["name"]),
                (x, y),
                xytext=(-4 if left else 4, -9),
                textcoords="offset points",
                ha="left" if left else "right",
                va="top",
                fontsize=5.5,
                style="italic",
                zorder=11,
                path_effects=_halo(),
                annotation_clip=True,
            )
        if len(dest):
            handles.append(
                Line2D(
                    [],
                    [],
                    marker="s",
                    ls="",
                    mfc=fill,
                    mec="#333333",
                    ms=5,
                    label=text.destinations[rs.kind],
                )
            )
    _scale_bar(ax, box, text)
    _north_arrow(ax, text)
    ax.text(
        0.99,
        0.01,
        text.credit,
        transform=ax.transAxes,
        ha="right",
        va="bottom",
        fontsize=5,
        color="#7a5c00" if synthetic else "#333333",
        zorder=12,
        bbox={"fc": "#fff3b0" if synthetic else "white", "ec": "none", "alpha": 0.85, "pad": 1.2},
        parse_math=False,
    )
    fig.legend(
        handles=handles,
        loc="lower left",
        bbox_to_anchor=(0.0, 0.0),
        ncols=2,
        fontsize=5.2,
        frameon=False,
        handlelength=2.2,
        columnspacing=1.0,
        borderaxespad=0.2,
    )
    buf = io.BytesIO()
    fig.savefig(buf, format="png", metadata={"Software": None})
    return buf.getvalue()
