"""Colours and line styles of the maps, and the travel-time colour classes.

Used by the HTML maps (through the JSON payload the drawing script reads) and
by the static overview PNG, so that both draw a road class or a work's rank
alike.
"""

from __future__ import annotations

from collections.abc import Sequence

from connectivity.errors import DataError

__all__ = [
    "AXIS_COLORS",
    "GAIN_BINS",
    "GAIN_COLORS",
    "GAIN_NONE_COLOR",
    "GAIN_ROUTE_COLOR",
    "HEALTH_COLOR",
    "KIND_ICONS",
    "MARKET_COLOR",
    "MINUTE_BINS",
    "MINUTE_COLORS",
    "OTHER_KIND_COLORS",
    "PORTFOLIO_COLOR",
    "RIVER_COLOR",
    "ROAD_STYLE",
    "SCHOOL_COLOR",
    "UNREACHABLE_COLOR",
    "WORK_COLORS",
]

#: Upper bounds (minutes) of the travel-time colour classes; a last class is open.
MINUTE_BINS: tuple[float, ...] = (30.0, 60.0, 120.0, 240.0)
#: Colours of the travel-time classes (short to long), then "unreachable".
MINUTE_COLORS: tuple[str, ...] = ("#1a9641", "#a6d96a", "#ffffbf", "#fdae61", "#d7191c")
UNREACHABLE_COLOR = "#4d4d4d"

#: Line style of each road class: colour, width (px), dash pattern ("" for solid).
ROAD_STYLE: dict[str, tuple[str, float, str]] = {
    "asfaltado": ("#222222", 4.0, ""),
    "afirmado": ("#8c510a", 3.0, ""),
    "sin_afirmar": ("#d8b365", 2.5, ""),
    "trocha": ("#e66101", 2.0, "6 4"),
    "camino": ("#7f7f7f", 1.5, "2 4"),
}
RIVER_COLOR = "#4393c3"
MARKET_COLOR = "#c51b7d"
SCHOOL_COLOR = "#2166ac"
HEALTH_COLOR = "#d7191c"
#: Icon of each destination kind the package knows: fill, ink (letter), size (px),
#: and the letter in each language ("+" for health: "S" is the school's in English).
KIND_ICONS: dict[str, tuple[str, str, int, dict[str, str]]] = {
    "market": (MARKET_COLOR, "#ffffff", 16, {"es": "M", "en": "M"}),
    "school": (SCHOOL_COLOR, "#ffffff", 12, {"es": "E", "en": "S"}),
    "health": ("#ffffff", HEALTH_COLOR, 15, {"es": "+", "en": "+"}),
}
#: Fills of the icons of a region's own kinds, in the order of its kinds.
OTHER_KIND_COLORS: tuple[str, ...] = ("#6a3d9a", "#01665e", "#b35806", "#7b3294", "#35978f")
#: Works: ranks 1-5, ranks 6-top_n, the other candidates; the portfolio halo.
WORK_COLORS: tuple[str, str, str] = ("#67001f", "#d6604d", "#9e9ac8")
PORTFOLIO_COLOR = "#00a6d6"
#: Minutes gained per trip: upper bounds of the classes (the first is the ranking's
#: ``min_gain_min`` by default, under which a saving does not count); a last class is open.
GAIN_BINS: tuple[float, ...] = (5.0, 15.0, 30.0, 60.0, 120.0)
#: Colours of the minutes-gained classes, small to large (light to dark blue).
GAIN_COLORS: tuple[str, ...] = (
    "#e7f0f7",
    "#b3d3e8",
    "#6baed6",
    "#3182bd",
    "#08519c",
    "#08306b",
)
GAIN_NONE_COLOR = "#ffffff"
#: A community with no route before that has one with the portfolio.
GAIN_ROUTE_COLOR = "#d6006f"
#: Colours of the portfolio's axes (qualitative; neighbouring axes take different ones).
AXIS_COLORS: tuple[str, ...] = (
    "#e41a1c",
    "#377eb8",
    "#4daf4a",
    "#984ea3",
    "#ff7f00",
    "#a65628",
    "#f781bf",
    "#1b9e77",
    "#e6ab02",
    "#666666",
)


def _bin_colors(n: int) -> list[str]:
    if n == len(MINUTE_COLORS):
        return list(MINUTE_COLORS)
    from matplotlib import colormaps
    from matplotlib.colors import to_hex

    cmap = colormaps["RdYlGn_r"]
    return [to_hex(cmap(0.1 + 0.8 * i / max(n - 1, 1))) for i in range(n)]


def _check_bins(thresholds_min: Sequence[float]) -> list[float]:
    bins = [float(b) for b in thresholds_min]
    if not bins or any(b <= 0 for b in bins) or sorted(set(bins)) != bins:
        raise DataError(f"thresholds_min must be increasing positive minutes, got {bins}")
    return bins
