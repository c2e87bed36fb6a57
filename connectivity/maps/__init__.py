"""Interactive maps (folium) and a static overview (matplotlib) a planner opens and shares.

Two self-contained HTML maps and one PNG are written per region by
:func:`write_maps`: ``access.html`` (:func:`access_map`), ``investments.html``
(:func:`investments_map`) and ``investments.png`` (:func:`overview_png`). A
region of more than :data:`MAX_MAP_COMMUNITIES` communities (a department, the
country) gets both maps per part under ``parts/``, and the two pages become
index pages of the parts.
The HTML works without any network connection (only the OpenStreetMap
background tiles come from the web), and every text from the data is put into
the page as text, never as HTML.

Modules
-------
access
    The access map: communities coloured by minutes to the nearest
    destination of each kind of the network (market, school, health
    facility, a region's own kinds), in the dry season, the rains or with
    rivers in flood (chosen in the map's "Communities" box); clicking one
    draws its route to market.
investments
    The investments map: works by rank, the chosen portfolio and its axes,
    the communities' minutes before and after or the minutes gained, and
    who gains from each work; it opens on the state in which the programme
    gains most.
overview
    The static PNG of the ranked works, for printed reports: A4 landscape,
    rank labels that never overlap, names wrapped.
labels
    Label placement for the overview: candidate places, then leader lines.
write
    :func:`write_maps`, which writes all three files of a region atomically,
    or, for a region of more communities than a page holds, a map of each
    kind per part and index pages.
parts
    A region too large for one page split into parts (a k-d split of the
    communities), and what each part's page draws of the region's layers.
index
    The index page of a region mapped in parts: the parts' boxes, a table of
    what each holds, links to their maps.
works_view
    What the maps read from a ranking result, in fixed column names.
works_payload
    The works (as columns), their routes and the programme's axes in the
    investments map's payload; which works a map over its byte budget
    (``MAX_MAP_BYTES``) draws whole, brief, or not at all.
lighten
    A map over its byte budget: roads and rivers simplified, then the lowest
    road classes, the routes to market (access map) and the rivers left out,
    and the legend's notes saying so.
states
    Which passability state shows a gain: the programme's best state (days
    weighted), each community's and each work's.
routes
    Routes from communities to their nearest facility in a passability
    state, as the map's road segments.
payload
    Input checks, credits and the JSON payload (roads, rivers, facilities,
    communities and routes) the drawing script builds the layers from.
page
    The HTML page: Leaflet and the package's ``assets/draw.js`` and
    ``assets/maps.css`` inlined, layer groups, deterministic element ids.
encoding
    Compact coordinates, the names table, road segments and script-safe JSON.
style
    Colours and line styles, and the travel-time colour classes.
text
    The maps' labels in Spanish and English.
"""

from __future__ import annotations

from connectivity.maps.access import access_map
from connectivity.maps.investments import MAX_GAIN_ROWS, investments_map
from connectivity.maps.lighten import MAX_MAP_BYTES
from connectivity.maps.overview import overview_figure, overview_png
from connectivity.maps.parts import MAX_MAP_COMMUNITIES
from connectivity.maps.style import MINUTE_BINS, ROAD_STYLE
from connectivity.maps.write import write_maps

__all__ = [
    "MAX_GAIN_ROWS",
    "MAX_MAP_BYTES",
    "MAX_MAP_COMMUNITIES",
    "MINUTE_BINS",
    "ROAD_STYLE",
    "access_map",
    "investments_map",
    "overview_figure",
    "overview_png",
    "write_maps",
]
