"""Labels of the maps in Spanish and English (see :mod:`connectivity.maps`).

Only the project's own words live here; names from the data are never
translated, and are escaped where they are shown.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Literal

from connectivity.access import facility_layer_name

__all__ = [
    "LANGS",
    "Lang",
    "access_title",
    "kind_labels",
    "labels",
    "road_class_label",
    "work_type_label",
]

Lang = Literal["es", "en"]
LANGS: tuple[Lang, ...] = ("es", "en")

_TEXT: dict[str, dict[str, str]] = {
    "es": {
        "investments_title": "Obras viales priorizadas",
        "synthetic": (
            "Región de muestra sintética: datos inventados, no es un lugar real. "
            "Synthetic sample region: invented data, not a real place."
        ),
        "source": "Fuente de datos",
        "hint_access": "Haga clic en una comunidad para ver sus tiempos y la ruta a su mercado.",
        "hint_investments": (
            "Haga clic en una obra para ver quién gana; en una comunidad, sus tiempos y su ruta."
        ),
        "base_osm": "OpenStreetMap (fondo)",
        "base_none": "Sin fondo (sin conexión)",
        "layer_roads": "Vías por tipo de superficie",
        "layer_rivers": "Ríos y quebradas",
        "layer_works": "Obras: puestos 1–{n}",
        "layer_works_rest": "Otras obras candidatas",
        "layer_works_rest_upto": "Otras obras candidatas (hasta el puesto {rank})",
        "works_brief": (
            "Mapa aligerado: la descripción de esta obra, las comunidades que ganan y sus "
            "persona-minutos están en ranking.csv ({id})."
        ),
        "works_shown_brief": (
            "Mapa aligerado: las otras candidatas se dibujan simplificadas (±{m} m) y con una "
            "ficha breve; su detalle está en ranking.csv."
        ),
        "works_shown_some": (
            "Se dibujan {shown} de {total} obras candidatas: el programa, los puestos 1–{top} y "
            "las demás hasta el puesto {rank}. Las {hidden} restantes no caben en el mapa: "
            "están en ranking.csv."
        ),
        "layer_portfolio": "Cartera elegida (presupuesto)",
        "season_dry": "época seca",
        "season_wet": "crecida (vados cerrados)",
        "season_wet_short": "crecida",
        "season_rain": "lluvias (vados de ríos anchos cerrados)",
        "season_rain_short": "lluvias",
        "season_dry_short": "seca",
        "season_year": "promedio del año",
        "layer_communities": "Comunidades",
        "layer_axes": "Cartera por ejes (corredores)",
        "view_title": "Comunidades: qué se muestra",
        "view_minutes": "Minutos de viaje",
        "view_gain": "Minutos ganados con la cartera",
        "view_dest": "Destino",
        "view_state": "Época",
        "view_before": "Antes",
        "view_after": "Con la cartera",
        "legend_view_min": "Minutos a {dest}, {season}",
        "legend_view_min_before": "Antes: minutos a {dest}, {season}",
        "legend_view_min_after": "Con la cartera: minutos a {dest}, {season}",
        "legend_view_gain": "Minutos ganados por viaje a {dest}, {season}",
        "gain_none": "sin ganancia",
        "gain_below": "menos de {n} min (el puntaje no lo cuenta)",
        "gain_range": "{a}–{b} min",
        "gain_above": "{n} min o más",
        "gain_route": "gana una ruta (antes sin ruta)",
        "gain_tip": "gana {n} min por viaje",
        "gain_tip_route": "gana una ruta: antes sin ruta, ahora {after}",
        "gain_tip_none": "sin ganancia",
        "gain_year_note": (
            "Promedio del año: cada época pesa por sus días ({days}); un viaje sin ruta "
            "cuenta como {cap} min, como en el puntaje."
        ),
        "best_state": (
            "El mapa abre en {season}: es cuando la cartera ahorra más (persona-minutos por "
            "viaje, ponderados por los días de cada época: {values})."
        ),
        "best_state_none": (
            "La cartera no ahorra minutos en ninguna época: el mapa abre en {season}."
        ),
        "best_state_top": (
            "El mapa abre en {season}: es cuando las obras mejor puntuadas ahorran más "
            "(no hay cartera; persona-minutos por viaje, ponderados por días: {values})."
        ),
        "days": "días",
        "minutes_caption": "Minutos al destino más cercano",
        "minutes_caption_after": "Minutos al destino más cercano (antes → con la cartera)",
        "route_note_state": "Ruta al mercado ({season}) resaltada en el mapa",
        "route_after_state": "Con la cartera, la ruta ({season}) en línea discontinua",
        "route_work": "Ruta de {comm} a {dest} ({season}), la época en que la obra más ahorra:",
        "route_work_before": "antes de la obra, en morado",
        "route_work_no_before": "antes de la obra no había ruta",
        "route_work_after": "con la cartera, en línea discontinua",
        "route_work_outside": "fuera de la cartera: la ruta con la obra no se dibuja",
        "axis_market": "Mercado",
        "axis_works": "Obras",
        "axis_cost": "Costo para el presupuesto",
        "axis_cost_total": "Costo total",
        "axis_communities": "Comunidades servidas",
        "axis_people": "Personas servidas",
        "axis_pmin": "Persona-minutos ahorrados por viaje (promedio del año)",
        "legend_axes": "Ejes de la cartera (un color por eje)",
        "png_more": "… y {n} obras más en ranking.csv",
        "legend_unreachable": "inaccesible",
        "summary_title": "Promedio de la región",
        "summary_title_part": "Promedio de esta parte",
        "part_label": "Parte {n} de {count}: {label}",
        "part_index": "Todas las partes",
        "part_access": "Mapa de acceso de esta parte",
        "part_investments": "Mapa de inversiones de esta parte",
        "index_title_access": "Acceso por partes",
        "index_title_investments": "Obras viales priorizadas, por partes",
        "index_why": (
            "La región tiene {n} comunidades: más de las que un mapa abre con fluidez "
            "({most} como máximo). Se muestra en {count} partes. Cada parte dibuja sus "
            "comunidades, los caminos, ríos y servicios de su recuadro y las obras que lo "
            "tocan; los tiempos y las rutas son los de toda la red."
        ),
        "index_hint": "Haga clic en un recuadro o en una fila para abrir el mapa de esa parte.",
        "index_part": "Parte",
        "index_zone": "Zona (distritos con más población)",
        "index_communities": "Comunidades",
        "index_people": "Personas",
        "index_no_route": "Personas sin ruta al mercado, época seca",
        "index_no_route_wet": "… con los ríos en crecida",
        "index_mean_market": "Minutos al mercado, quienes tienen ruta",
        "index_works": "Obras de la cartera",
        "index_cost": "Inversión de la cartera ({currency})",
        "index_maps": "Mapas",
        "index_access": "acceso",
        "index_investments": "inversiones",
        "index_total": "Toda la región",
        "index_works_note": (
            "Cada obra de la cartera se cuenta una sola vez, en la parte de su punto medio; "
            "el mapa de una parte dibuja también las obras que solo la tocan."
        ),
        "summary_reachable": "{dest}: quienes tienen ruta",
        "summary_no_route": "sin ruta (aislados)",
        "summary_at_cap": "todos, sin ruta = {cap} min",
        "summary_note": (
            "Promedios ponderados por población. El de quienes tienen ruta deja fuera a los "
            "que no la tienen en esa época: se cuentan aparte."
        ),
        "summary_after": "antes → con la cartera",
        "summary_after_note": (
            "Con la cartera, el promedio de quienes tienen ruta puede subir: entran en él "
            "personas que antes no tenían ruta."
        ),
        "legend_size": "Tamaño: población",
        "legend_roads": "Vías",
        "road_not_drawn": "(no se dibuja)",
        "roads_simplified": (
            "Mapa aligerado: vías y ríos simplificados (±{m} m), coordenadas redondeadas a unos "
            "5 m."
        ),
        "roads_hidden": "No se dibujan, para que el mapa abra rápido: {classes}, {km} km.",
        "route_whole": "La ruta de una comunidad sí se dibuja entera.",
        "routes_hidden": (
            "Las rutas al mercado no caben en el mapa; los minutos de cada comunidad sí "
            "(access_communities.csv)."
        ),
        "rivers_hidden": "Los ríos no caben en el mapa: no se dibujan.",
        "legend_places": "Lugares",
        "legend_works": "Obras",
        "legend_top": "Puestos 6–{n}",
        "legend_top5": "Puestos 1–5",
        "legend_rest": "Otras candidatas",
        "legend_portfolio": "En la cartera",
        "river": "Río / quebrada",
        "population": "Población",
        "district": "Distrito",
        "people": "personas",
        "minutes": "min",
        "before": "antes",
        "before_after": "antes → después",
        "png_top": "Puestos 1–{n}",
        "png_bold": "En negrita: obras de la cartera elegida.",
        "after": "después",
        "far_from_road": "A más de 2 km de una vía: tiempo a pie estimado",
        "no_route": "Sin ruta al mercado",
        "no_route_piece": (
            "Sin ruta a ningún {dest}: su pieza de la red vial (n.º {piece} en "
            "network_pieces.csv) no se une a la red principal. Verificar en campo: puede "
            "faltar en OpenStreetMap la vía que la une."
        ),
        "dest_join": " ni ",
        "verify_field": "Verificar en campo",
        "flag_inferred_crossing": "cruce de río inferido (sin etiqueta de puente ni vado en OSM)",
        "flag_estimated_population": "población estimada de comunidades que ganan",
        "flag_disconnected_piece": (
            "pieza de red desconectada: la ganancia viene de unirla a la red principal"
        ),
        "flag_far_from_road": "lejos de la vía: comunidades que ganan lejos de toda vía mapeada",
        "pop_estimated": "estimada",
        "pop_source_estimate_from_buildings": "población estimada por los edificios en OSM",
        "pop_source_place_type_minimum": (
            "población supuesta, el mínimo para el tipo de lugar (pocos edificios en OSM)"
        ),
        "pop_source_raster": "población modelada de una grilla de población",
        "rank": "Puesto",
        "work_type": "Tipo",
        "length": "Longitud",
        "span": "Luz del puente",
        "cost": "Costo",
        "cost_net": "Costo para el presupuesto",
        "people_benefited": "Personas beneficiadas",
        "communities_gaining": "Comunidades que ganan",
        "person_minutes": "Persona-minutos ahorrados",
        "in_portfolio": "En la cartera: orden {order}",
        "not_in_portfolio": "Fuera de la cartera elegida",
        "layer_robust": "Probabilidad de ser financiada ({n} escenarios)",
        "legend_robust": (
            "Probabilidad de ser financiada ({n} escenarios de costos, velocidades, días, "
            "viajes y población inciertos)"
        ),
        "robust_high": "más de 90%",
        "robust_mid": "50% a 90%",
        "robust_low": "menos de 50%",
        "robust_popup": "Financiada en {p} de los escenarios; puesto {lo} a {hi} (P5–P95).",
        "robust_switch_out": "Saldría de la cartera si su costo subiera {pct}.",
        "robust_switch_in": "Entraría en la cartera si su costo bajara {pct}.",
        "gains_title": "Comunidades que ganan",
        "more_rows": "… y {n} más",
        "community": "Comunidad",
        "destination": "Destino",
        "season": "Época",
        "dry": "seca",
        "rain": "lluvias",
        "wet": "crecida",
        "km": "km",
        "m": "m",
        "png_title": "Obras viales priorizadas: las {n} primeras",
        "png_table_rank": "N°",
        "png_table_name": "Obra",
        "png_table_type": "Tipo",
        "png_table_cost": "Costo",
        "png_table_people": "Personas",
        "png_roads": "Vías",
        "png_communities": "Comunidades (tamaño: población)",
        "png_scale": "{km} km",
    },
    "en": {
        "investments_title": "Ranked road works",
        "synthetic": "Synthetic sample region: invented data, not a real place.",
        "source": "Data source",
        "hint_access": "Click a community to see its travel times and its route to market.",
        "hint_investments": (
            "Click a work to see who gains; click a community for its times and route."
        ),
        "base_osm": "OpenStreetMap (background)",
        "base_none": "No background (offline)",
        "layer_roads": "Roads by surface",
        "layer_rivers": "Rivers and streams",
        "layer_works": "Works: ranks 1–{n}",
        "layer_works_rest": "Other candidate works",
        "layer_works_rest_upto": "Other candidate works (down to rank {rank})",
        "works_brief": (
            "Lightened map: this work's description, the communities that gain and its "
            "person-minutes are in ranking.csv ({id})."
        ),
        "works_shown_brief": (
            "Lightened map: the other candidates are drawn simplified (±{m} m) with a brief "
            "popup; their details are in ranking.csv."
        ),
        "works_shown_some": (
            "{shown} of {total} candidate works are drawn: the programme, ranks 1–{top} and "
            "the others down to rank {rank}. The other {hidden} do not fit in the map: they "
            "are in ranking.csv."
        ),
        "layer_portfolio": "Chosen portfolio (budget)",
        "season_dry": "dry season",
        "season_wet": "rivers in flood (fords shut)",
        "season_wet_short": "flood",
        "season_rain": "rains (fords of wide rivers shut)",
        "season_rain_short": "rains",
        "season_dry_short": "dry",
        "season_year": "year average",
        "layer_communities": "Communities",
        "layer_axes": "Portfolio by axis (corridors)",
        "view_title": "Communities: what is shown",
        "view_minutes": "Travel minutes",
        "view_gain": "Minutes gained with the portfolio",
        "view_dest": "Destination",
        "view_state": "Season",
        "view_before": "Before",
        "view_after": "With the portfolio",
        "legend_view_min": "Minutes to {dest}, {season}",
        "legend_view_min_before": "Before: minutes to {dest}, {season}",
        "legend_view_min_after": "With the portfolio: minutes to {dest}, {season}",
        "legend_view_gain": "Minutes gained per trip to {dest}, {season}",
        "gain_none": "no gain",
        "gain_below": "under {n} min (not counted in the score)",
        "gain_range": "{a}–{b} min",
        "gain_above": "{n} min or more",
        "gain_route": "gains a route (had none)",
        "gain_tip": "gains {n} min per trip",
        "gain_tip_route": "gains a route: none before, {after} now",
        "gain_tip_none": "no gain",
        "gain_year_note": (
            "Year average: each season weighs by its days ({days}); a trip with no route "
            "counts as {cap} min, as in the score."
        ),
        "best_state": (
            "The map opens on {season}: when the portfolio saves most (person-minutes per "
            "trip, weighted by the days of each season: {values})."
        ),
        "best_state_none": (
            "The portfolio saves no minutes in any season: the map opens on {season}."
        ),
        "best_state_top": (
            "The map opens on {season}: when the top-ranked works save most (no portfolio; "
            "person-minutes per trip, weighted by days: {values})."
        ),
        "days": "days",
        "minutes_caption": "Minutes to the nearest destination",
        "minutes_caption_after": "Minutes to the nearest destination (before → with the portfolio)",
        "route_note_state": "Route to market ({season}) highlighted on the map",
        "route_after_state": "With the portfolio, the route ({season}) dashed",
        "route_work": (
            "Route from {comm} to {dest} ({season}), the season when the work saves most:"
        ),
        "route_work_before": "before the work, in purple",
        "route_work_no_before": "before the work there was no route",
        "route_work_after": "with the portfolio, dashed",
        "route_work_outside": "not in the portfolio: the route with the work is not drawn",
        "axis_market": "Market",
        "axis_works": "Works",
        "axis_cost": "Cost to the budget",
        "axis_cost_total": "Total cost",
        "axis_communities": "Communities served",
        "axis_people": "People served",
        "axis_pmin": "Person-minutes saved per trip (year average)",
        "legend_axes": "Portfolio axes (one colour per axis)",
        "png_more": "… and {n} more works in ranking.csv",
        "legend_unreachable": "unreachable",
        "summary_title": "Region average",
        "summary_title_part": "Average of this part",
        "part_label": "Part {n} of {count}: {label}",
        "part_index": "All parts",
        "part_access": "Access map of this part",
        "part_investments": "Investments map of this part",
        "index_title_access": "Access by part",
        "index_title_investments": "Prioritised road works, by part",
        "index_why": (
            "The region has {n} communities: more than one map opens smoothly "
            "({most} at most). It is shown in {count} parts. Each part draws its "
            "communities, the roads, rivers and facilities of its box and the works that "
            "touch it; the travel times and routes are those of the whole network."
        ),
        "index_hint": "Click a box or a row to open the map of that part.",
        "index_part": "Part",
        "index_zone": "Area (districts with most people)",
        "index_communities": "Communities",
        "index_people": "People",
        "index_no_route": "People with no route to a market, dry season",
        "index_no_route_wet": "… rivers in flood",
        "index_mean_market": "Minutes to market, people with a route",
        "index_works": "Programme works",
        "index_cost": "Programme investment ({currency})",
        "index_maps": "Maps",
        "index_access": "access",
        "index_investments": "investments",
        "index_total": "Whole region",
        "index_works_note": (
            "Each programme work is counted once, in the part of its midpoint; a part's "
            "map also draws the works that only touch it."
        ),
        "summary_reachable": "{dest}: people with a route",
        "summary_no_route": "no route (cut off)",
        "summary_at_cap": "everyone, no route = {cap} min",
        "summary_note": (
            "Population-weighted. The average of the people with a route leaves out those "
            "with none in that season: they are counted apart."
        ),
        "summary_after": "before → with the portfolio",
        "summary_after_note": (
            "With the portfolio, the average of the people with a route can rise: people who "
            "had no route join it."
        ),
        "legend_size": "Size: population",
        "legend_roads": "Roads",
        "road_not_drawn": "(not drawn)",
        "roads_simplified": (
            "Lightened map: roads and rivers simplified (±{m} m), coordinates rounded to about 5 m."
        ),
        "roads_hidden": "Not drawn, to keep the map light: {classes}, {km} km.",
        "route_whole": "A community's route is drawn whole all the same.",
        "routes_hidden": (
            "The routes to market do not fit in the map; every community's minutes do "
            "(access_communities.csv)."
        ),
        "rivers_hidden": "The rivers do not fit in the map: they are not drawn.",
        "legend_places": "Places",
        "legend_works": "Works",
        "legend_top": "Ranks 6–{n}",
        "legend_top5": "Ranks 1–5",
        "legend_rest": "Other candidates",
        "legend_portfolio": "In the portfolio",
        "river": "River / stream",
        "population": "Population",
        "district": "District",
        "people": "people",
        "minutes": "min",
        "before": "before",
        "before_after": "before → after",
        "png_top": "Ranks 1–{n}",
        "png_bold": "Bold: works in the chosen portfolio.",
        "after": "after",
        "far_from_road": "More than 2 km from any road: walking time estimated",
        "no_route": "No route to a market",
        "no_route_piece": (
            "No route to any {dest}: its piece of the road network (no. {piece} in "
            "network_pieces.csv) does not join the main network. Verify in the field: "
            "OpenStreetMap may miss the road that joins it."
        ),
        "dest_join": " or ",
        "verify_field": "Verify in the field",
        "flag_inferred_crossing": "inferred river crossing (OSM tags neither bridge nor ford)",
        "flag_estimated_population": "estimated population of communities that gain",
        "flag_disconnected_piece": (
            "disconnected piece of the network: the gain comes from joining it to the main network"
        ),
        "flag_far_from_road": "far from road: communities that gain are far from any mapped road",
        "pop_estimated": "estimated",
        "pop_source_estimate_from_buildings": "population estimated from the buildings in OSM",
        "pop_source_place_type_minimum": (
            "population assumed, the minimum for the place type (few buildings in OSM)"
        ),
        "pop_source_raster": "population modelled from a population grid",
        "rank": "Rank",
        "work_type": "Type",
        "length": "Length",
        "span": "Bridge span",
        "cost": "Cost",
        "cost_net": "Cost to the budget",
        "people_benefited": "People benefited",
        "communities_gaining": "Communities gaining",
        "person_minutes": "Person-minutes saved",
        "in_portfolio": "In the portfolio: order {order}",
        "not_in_portfolio": "Not in the chosen portfolio",
        "layer_robust": "Probability of being funded ({n} scenarios)",
        "legend_robust": (
            "Probability of being funded ({n} scenarios of uncertain costs, speeds, days, "
            "trips and population)"
        ),
        "robust_high": "over 90%",
        "robust_mid": "50% to 90%",
        "robust_low": "under 50%",
        "robust_popup": "Funded in {p} of the scenarios; rank {lo} to {hi} (P5–P95).",
        "robust_switch_out": "It would leave the programme if its cost rose by {pct}.",
        "robust_switch_in": "It would enter the programme if its cost fell by {pct}.",
        "gains_title": "Communities that gain",
        "more_rows": "… and {n} more",
        "community": "Community",
        "destination": "Destination",
        "season": "Season",
        "dry": "dry",
        "rain": "rains",
        "wet": "flood",
        "km": "km",
        "m": "m",
        "png_title": "Ranked road works: the top {n}",
        "png_table_rank": "#",
        "png_table_name": "Work",
        "png_table_type": "Type",
        "png_table_cost": "Cost",
        "png_table_people": "People",
        "png_roads": "Roads",
        "png_communities": "Communities (size: population)",
        "png_scale": "{km} km",
    },
}

_ROAD_CLASS: dict[str, dict[str, str]] = {
    "es": {
        "asfaltado": "Asfaltado",
        "afirmado": "Afirmado (grava)",
        "sin_afirmar": "Sin afirmar (carrozable)",
        "trocha": "Trocha",
        "camino": "Camino de herradura / sendero",
        "new": "Tramo nuevo (obra)",
    },
    "en": {
        "asfaltado": "Paved (asfaltado)",
        "afirmado": "Gravel (afirmado)",
        "sin_afirmar": "Unpaved earth road (sin afirmar)",
        "trocha": "Track (trocha)",
        "camino": "Footpath (camino de herradura)",
        "new": "New link (a work)",
    },
}

_WORK_TYPE: dict[str, dict[str, str]] = {
    "es": {
        "upgrade": "Mejoramiento de superficie",
        "new_link": "Tramo nuevo",
        "bridge": "Puente",
        "proposal": "Propuesta",
    },
    "en": {
        "upgrade": "Surface upgrade",
        "new_link": "New link",
        "bridge": "Bridge",
        "proposal": "Proposal",
    },
}


#: Words for each destination kind the package knows: ``name`` (a table's row, the
#: legend), ``dest`` (inside a sentence: "minutes to {dest}", "no route to any
#: {dest}"), ``layer`` (the facilities' layer), ``plural`` (the title),
#: ``nearest`` (a community's popup).
_KIND_TEXT: dict[str, dict[str, dict[str, str]]] = {
    "es": {
        "market": {
            "name": "Mercado",
            "dest": "mercado",
            "layer": "Mercados",
            "plural": "mercados",
            "nearest": "Mercado más cercano",
        },
        "school": {
            "name": "Colegio",
            "dest": "colegio",
            "layer": "Colegios",
            "plural": "colegios",
            "nearest": "Colegio más cercano",
        },
        "health": {
            "name": "Salud",
            "dest": "establecimiento de salud",
            "layer": "Establecimientos de salud",
            "plural": "establecimientos de salud",
            "nearest": "Establecimiento de salud más cercano",
        },
    },
    "en": {
        "market": {
            "name": "Market",
            "dest": "market",
            "layer": "Markets",
            "plural": "markets",
            "nearest": "Nearest market",
        },
        "school": {
            "name": "School",
            "dest": "school",
            "layer": "Schools",
            "plural": "schools",
            "nearest": "Nearest school",
        },
        "health": {
            "name": "Health",
            "dest": "health facility",
            "layer": "Health facilities",
            "plural": "health facilities",
            "nearest": "Nearest health facility",
        },
    },
}


def kind_labels(kind: str, lang: Lang) -> dict[str, str]:
    """Return the words for a destination kind in ``lang``.

    Keys: ``name``, ``dest``, ``layer``, ``plural`` and ``nearest`` (see
    ``_KIND_TEXT``). A kind a region names itself (``[destinations.bank]``) is
    not translated: its words are made from its name, in either language.

    Examples
    --------
    >>> kind_labels("health", "es")["layer"]
    'Establecimientos de salud'
    >>> words = kind_labels("bus_stop", "es")
    >>> words["name"], words["dest"], words["nearest"]
    ('Bus stop', 'bus stop', 'Destino más cercano (bus stop)')
    """
    known = _KIND_TEXT[lang].get(kind)
    if known is not None:
        return dict(known)
    # a region's own kind: its name, not translated (the config names it in one language)
    words = kind.replace("_", " ").strip() or kind
    name = words[:1].upper() + words[1:]
    nearest = f"Destino más cercano ({words})" if lang == "es" else f"Nearest {words}"
    return {"name": name, "dest": words, "layer": name, "plural": words, "nearest": nearest}


def access_title(kinds: Sequence[str], lang: Lang) -> str:
    """Return the access map's title, naming every destination kind.

    Examples
    --------
    >>> access_title(["market", "school"], "es")
    'Acceso a mercados y colegios'
    >>> access_title(["market", "school", "health"], "en")
    'Access to markets, schools and health facilities'
    """
    words = [kind_labels(k, lang)["plural"] for k in kinds]
    last = " y " if lang == "es" else " and "
    listed = ", ".join(words[:-1]) + last + words[-1] if len(words) > 1 else "".join(words)
    return ("Acceso a " if lang == "es" else "Access to ") + listed


def labels(lang: Lang) -> dict[str, str]:
    """Return the map labels in ``lang`` (``"es"`` or ``"en"``).

    The words of the kinds the package knows are in too, as ``{kind}``,
    ``dest_{kind}``, ``nearest_{kind}`` and ``layer_{layer}`` (the maps read
    them from :func:`kind_labels`).

    Examples
    --------
    >>> labels("en")["layer_markets"]
    'Markets'
    """
    out = dict(_TEXT[lang])
    for kind, words in _KIND_TEXT[lang].items():
        out[kind] = words["name"]
        out[f"dest_{kind}"] = words["dest"]
        out[f"nearest_{kind}"] = words["nearest"]
        out[f"layer_{facility_layer_name(kind)}"] = words["layer"]
    return out


def road_class_label(road_class: str, lang: Lang) -> str:
    """Return the name of a road class in ``lang`` (the class itself if unknown).

    Examples
    --------
    >>> road_class_label("trocha", "en")
    'Track (trocha)'
    """
    return _ROAD_CLASS[lang].get(road_class, road_class)


_WORK_TYPE_SHORT: dict[str, dict[str, str]] = {
    "es": {
        "upgrade": "Mejoramiento",
        "new_link": "Tramo nuevo",
        "bridge": "Puente",
        "proposal": "Propuesta",
    },
    "en": {
        "upgrade": "Upgrade",
        "new_link": "New link",
        "bridge": "Bridge",
        "proposal": "Proposal",
    },
}


def work_type_label(work_type: str, lang: Lang, *, short: bool = False) -> str:
    """Return the name of a work type in ``lang`` (free-text types unchanged).

    Examples
    --------
    >>> work_type_label("bridge", "es")
    'Puente'
    >>> work_type_label("upgrade", "en", short=True)
    'Upgrade'
    """
    table = _WORK_TYPE_SHORT if short else _WORK_TYPE
    return table[lang].get(work_type, work_type)
