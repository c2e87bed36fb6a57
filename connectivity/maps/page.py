"""The HTML page around the payload: Leaflet inlined, the drawing script, layers, ids.

The page works without any network connection: Leaflet's script and style
sheet are inlined from the ``xstatic-leaflet`` package (folium's CDN links are
dropped), and the data are drawn by the package's own script and style sheet
(``assets/draw.js`` and ``assets/maps.css``, inlined too). The OpenStreetMap
background tiles are the only thing fetched from the web, and a "no
background" base layer shows the data without them. Every element gets a
sequential id, so the same inputs give the same HTML.
"""

from __future__ import annotations

import html
import importlib.resources
import re
from collections.abc import Mapping, Sequence
from functools import cache
from typing import Any, cast

import folium
import geopandas as gpd
import numpy as np
from branca.element import Element, Figure, MacroElement
from jinja2 import Template

from connectivity.errors import DataError
from connectivity.i18n import fmt_number
from connectivity.maps.encoding import _WGS84, _json, _Names, _seg_payload, _Segments
from connectivity.network import RoadNetwork


@cache
def _leaflet_assets() -> tuple[str, str]:
    """Leaflet's script and style sheet (images inlined), from ``xstatic-leaflet``."""
    try:
        data = importlib.resources.files("xstatic.pkg.leaflet") / "data"
        script = (data / "leaflet.js").read_text(encoding="utf-8")
        css = (data / "leaflet.css").read_text(encoding="utf-8")
    except ModuleNotFoundError as exc:
        raise DataError(
            "the maps need Leaflet from the 'xstatic-leaflet' package to work offline: "
            "pip install xstatic-leaflet"
        ) from exc
    import base64

    def inline(match: re.Match[str]) -> str:
        png = (data / "images" / match.group(1)).read_bytes()
        return f"url(data:image/png;base64,{base64.b64encode(png).decode('ascii')})"

    css = re.sub(r"url\(images/([\w.-]+\.png)\)", inline, css)
    # the source-map comment would make a browser look for a file that is not there
    script = re.sub(r"//# sourceMappingURL=\S+", "", script)
    return script, css


@cache
def _asset(name: str) -> str:
    """Text of ``assets/<name>``, shipped with the package as data.

    ``draw.js`` is the drawing script: it builds every layer from the JSON
    payload and puts text in with ``textContent`` only, never as HTML.
    ``maps.css`` styles the header, legend and popups it makes.
    """
    path = importlib.resources.files("connectivity.maps") / "assets" / name
    return path.read_text(encoding="utf-8")


def _inline(tag: str, text: str) -> Element:
    """Return a ``<script>`` or ``<style>`` element holding ``text`` byte for byte.

    branca renders an element's text as a Jinja template; the ``raw`` block
    keeps a ``{{`` or ``{#`` in a script from being read as template syntax.
    """
    return Element(f"<{tag}>{{% raw %}}{text}{{% endraw %}}</{tag}>")


def _page_bytes_around() -> int:
    """Bytes a map page takes besides its payload: Leaflet, the drawing script, the HTML."""
    script, css = _leaflet_assets()
    inlined = script + css + _asset("draw.js") + _asset("maps.css")
    return len(inlined.encode("utf-8")) + 8_000  # folium's page, layers and controls


class _Draw(MacroElement):
    """Script that fills the map's feature groups from the embedded JSON payload."""

    _template = Template(
        """{% macro script(this, kwargs) %}
window.connectivityMaps.draw({{ this._parent.get_name() }}, {
{%- for key, group in this.groups.items() %}
  {{ key | tojson }}: {{ group.get_name() }},
{%- endfor %}
}, {{ this.payload_json }});
{% endmacro %}"""
    )

    def __init__(self, groups: Mapping[str, Any], payload: Mapping[str, Any]) -> None:
        super().__init__()  # type: ignore[no-untyped-call]
        self._name = "ConnectivityDraw"
        self.groups = dict(groups)
        self.payload_json = _json(payload)


def _bounds(access: gpd.GeoDataFrame, network: RoadNetwork) -> list[list[float]]:
    parts = [network.edges.geometry.to_crs(_WGS84).total_bounds]
    if len(access):
        parts.append(access.geometry.to_crs(_WGS84).total_bounds)
    b = np.vstack(parts)
    west, south = b[:, 0].min(), b[:, 1].min()
    east, north = b[:, 2].max(), b[:, 3].max()
    return [[float(south), float(west)], [float(north), float(east)]]


def _base_map(bounds: list[list[float]], t: Mapping[str, str]) -> tuple[folium.Map, dict[str, Any]]:
    center = [(bounds[0][0] + bounds[1][0]) / 2, (bounds[0][1] + bounds[1][1]) / 2]
    m = folium.Map(
        location=center, zoom_start=10, tiles=None, prefer_canvas=True, control_scale=True
    )
    # folium links Leaflet, jQuery, Bootstrap and Font Awesome from CDNs; the maps
    # need only Leaflet, inlined so that they open without a connection.
    m.default_js = []
    m.default_css = []
    script, css = _leaflet_assets()
    header = cast(Figure, m.get_root()).header
    # the package's own assets go in after a newline, as when they were Python strings
    header.add_child(_inline("style", css), name="leaflet_css")
    header.add_child(_inline("style", "\n" + _asset("maps.css")), name="connectivity_css")
    header.add_child(_inline("script", script), name="leaflet_js")
    header.add_child(_inline("script", "\n" + _asset("draw.js")), name="connectivity_js")
    folium.TileLayer("OpenStreetMap", name=html.escape(t["base_osm"])).add_to(m)
    groups: dict[str, Any] = {
        "_blank": folium.FeatureGroup(name=html.escape(t["base_none"]), overlay=False, show=False)
    }
    groups["_blank"].add_to(m)
    return m, groups


#: Facilities shown at first on the investments map, where the works are the subject;
#: the others (many schools, a region's own kinds) are a click away.
SHOWN_WITH_WORKS = ("market", "health")


def _add_groups(
    m: folium.Map,
    groups: dict[str, Any],
    t: Mapping[str, str],
    kinds: Sequence[Mapping[str, Any]],
    *,
    works: bool,
    top_n: int = 0,
    axes: bool = False,
    rest_upto: str | None = None,
    robust_n: int = 0,
) -> None:
    """Add the overlays in the layer control's order; ``kinds`` as in the payload's ``kinds``.

    ``rest_upto``: rank of the last other candidate drawn (written for
    people), when the map leaves the rest out (the layer's name says so).
    ``robust_n``: scenarios of the robustness stage; a layer colours the works
    by their probability of being funded (none when 0).

    The communities are one layer: what colours them (minutes to a kind in a
    state, before or after, or minutes gained) is chosen in the map's own
    "Communities" box, not in the layer control.
    """

    def add(key: str, name: str, show: bool = True) -> None:
        groups[key] = folium.FeatureGroup(name=html.escape(name), show=show)
        groups[key].add_to(m)

    add("roads", t["layer_roads"])
    add("rivers", t["layer_rivers"])
    if works:
        add("portfolio", t["layer_portfolio"])
        if axes:
            add("axes", t["layer_axes"], show=False)
        add("works", t["layer_works"].format(n=top_n))
        rest = t["layer_works_rest"] if rest_upto is None else t["layer_works_rest_upto"]
        add("works_rest", rest.format(rank=rest_upto), show=False)
        if robust_n:
            add("robust", t["layer_robust"].format(n=robust_n), show=False)
    add("communities", t["layer_communities"])
    for k in kinds:
        add(k["group"], k["layer"], show=not works or k["kind"] in SHOWN_WITH_WORKS)


def _map_page(
    payload: dict[str, Any],
    t: Mapping[str, str],
    network: RoadNetwork,
    access: gpd.GeoDataFrame,
    segments: _Segments,
    names: _Names,
    *,
    works: bool,
    top_n: int = 0,
    bounds: list[list[float]] | None = None,
) -> folium.Map:
    """Complete ``payload`` (segments, names) and build the map around it.

    ``works`` adds the layers of the investments map (and the axes' layer
    when the payload has axes). The page opens on ``bounds``
    (``[[south, west], [north, east]]``; default: the roads and communities).
    """
    payload["seg"] = _seg_payload(segments.coords)
    payload["names"] = names.items
    if bounds is None:
        bounds = _bounds(access, network)
    last = (payload.get("worksShown") or {}).get("lastRank")
    m, groups = _base_map(bounds, t)
    _add_groups(
        m,
        groups,
        t,
        payload["kinds"],
        works=works,
        top_n=top_n,
        axes=bool(payload.get("axes")),
        rest_upto=None if last is None else fmt_number(float(last), payload["lang"]),
        robust_n=int((payload.get("robust") or {}).get("n", 0)),
    )
    return _finish(m, groups, payload, bounds)


def _finish(
    m: folium.Map, groups: Mapping[str, Any], payload: Mapping[str, Any], bounds: Any
) -> folium.Map:
    folium.LayerControl(collapsed=False).add_to(m)
    drawn = {k: g for k, g in groups.items() if not k.startswith("_")}
    m.add_child(_Draw(drawn, payload))
    m.fit_bounds(bounds)
    _stable_ids(m)
    return m


def _stable_ids(m: folium.Map) -> None:
    """Give every element a sequential id so the same inputs give the same HTML."""
    root = cast(Figure, m.get_root())
    seen: set[int] = set()
    todo: list[Any] = [root, root.header, root.html, root.script]
    n = 0
    while todo:
        item = todo.pop(0)
        if id(item) in seen:
            continue
        seen.add(id(item))
        item._id = f"{n:06d}"
        n += 1
        todo.extend(item._children.values())
