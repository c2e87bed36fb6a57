"""Labels of the maps in Spanish and English (see :mod:`connectivity.maps`).

Only the project's own words live here; names from the data are never
translated, and are escaped where they are shown.
"""

from __future__ import annotations

from typing import Literal

__all__ = ["LANGS", "Lang", "labels", "road_class_label", "work_type_label"]

Lang = Literal["es", "en"]
LANGS: tuple[Lang, ...] = ("es", "en")

_TEXT: dict[str, dict[str, str]] = {
    "es": {
        "access_title": "Acceso a mercados y colegios",
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
        "layer_markets": "Mercados",
        "layer_schools": "Colegios",
        "layer_comm": "Minutos a {dest}, {season}",
        "layer_comm_before": "Antes: minutos a {dest}, {season}",
        "layer_comm_after": "Con la cartera: minutos a {dest}, {season}",
        "layer_works": "Obras: puestos 1–{n}",
        "layer_works_rest": "Otras obras candidatas",
        "layer_portfolio": "Cartera elegida (presupuesto)",
        "dest_market": "mercado",
        "dest_school": "colegio",
        "season_dry": "época seca",
        "season_wet": "crecida (vados cerrados)",
        "season_wet_short": "crecida",
        "legend_minutes": "Minutos al destino más cercano",
        "legend_unreachable": "inaccesible",
        "summary_title": "Promedio de la región",
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
        "legend_places": "Lugares",
        "legend_works": "Obras",
        "legend_top": "Puestos 6–{n}",
        "legend_top5": "Puestos 1–5",
        "legend_rest": "Otras candidatas",
        "legend_portfolio": "En la cartera",
        "river": "Río / quebrada",
        "market": "Mercado",
        "school": "Colegio",
        "population": "Población",
        "district": "Distrito",
        "people": "personas",
        "minutes": "min",
        "before": "antes",
        "before_after": "antes → después",
        "png_top": "Puestos 1–{n}",
        "png_bold": "En negrita: obras de la cartera elegida.",
        "after": "después",
        "nearest_market": "Mercado más cercano",
        "nearest_school": "Colegio más cercano",
        "far_from_road": "A más de 2 km de una vía: tiempo a pie estimado",
        "route_note": "Ruta al mercado (época seca) resaltada en el mapa",
        "route_after_note": "Ruta al mercado después de la cartera en línea discontinua",
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
        "gains_title": "Comunidades que ganan",
        "more_rows": "… y {n} más",
        "community": "Comunidad",
        "destination": "Destino",
        "season": "Época",
        "dry": "seca",
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
        "access_title": "Access to markets and schools",
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
        "layer_markets": "Markets",
        "layer_schools": "Schools",
        "layer_comm": "Minutes to {dest}, {season}",
        "layer_comm_before": "Before: minutes to {dest}, {season}",
        "layer_comm_after": "With the portfolio: minutes to {dest}, {season}",
        "layer_works": "Works: ranks 1–{n}",
        "layer_works_rest": "Other candidate works",
        "layer_portfolio": "Chosen portfolio (budget)",
        "dest_market": "market",
        "dest_school": "school",
        "season_dry": "dry season",
        "season_wet": "rivers in flood (fords shut)",
        "season_wet_short": "flood",
        "legend_minutes": "Minutes to the nearest destination",
        "legend_unreachable": "unreachable",
        "summary_title": "Region average",
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
        "legend_places": "Places",
        "legend_works": "Works",
        "legend_top": "Ranks 6–{n}",
        "legend_top5": "Ranks 1–5",
        "legend_rest": "Other candidates",
        "legend_portfolio": "In the portfolio",
        "river": "River / stream",
        "market": "Market",
        "school": "School",
        "population": "Population",
        "district": "District",
        "people": "people",
        "minutes": "min",
        "before": "before",
        "before_after": "before → after",
        "png_top": "Ranks 1–{n}",
        "png_bold": "Bold: works in the chosen portfolio.",
        "after": "after",
        "nearest_market": "Nearest market",
        "nearest_school": "Nearest school",
        "far_from_road": "More than 2 km from any road: walking time estimated",
        "route_note": "Route to market (dry season) highlighted on the map",
        "route_after_note": "Route to market after the portfolio dashed",
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
        "gains_title": "Communities that gain",
        "more_rows": "… and {n} more",
        "community": "Community",
        "destination": "Destination",
        "season": "Season",
        "dry": "dry",
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


def labels(lang: Lang) -> dict[str, str]:
    """Return the map labels in ``lang`` (``"es"`` or ``"en"``).

    Examples
    --------
    >>> labels("en")["layer_markets"]
    'Markets'
    """
    return dict(_TEXT[lang])


def road_class_label(road_class: str, lang: Lang) -> str:
    """Return the name of a road class in ``lang`` (the class itself if unknown).

    Examples
    --------
    >>> road_class_label("trocha", "en")
    'Track (trocha)'
    """
    return _ROAD_CLASS[lang].get(road_class, road_class)


_WORK_TYPE_SHORT: dict[str, dict[str, str]] = {
    "es": {"upgrade": "Mejoramiento", "new_link": "Tramo nuevo", "bridge": "Puente"},
    "en": {"upgrade": "Upgrade", "new_link": "New link", "bridge": "Bridge"},
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
