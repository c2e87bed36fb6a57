r"""The words of the ranking's explanation, in each language the package speaks.

Every sentence of ``ranking_explanation.txt`` (:attr:`RankingResult.explanation`)
is a format string of :data:`_TEXT`, filled with figures written by
:mod:`connectivity.i18n` (``S/ 1 234 567`` in Spanish, ``PEN 1,234,567`` in
English); counted nouns come from :data:`_COUNTS` in the singular for exactly
one and the plural otherwise (``1 comunidad``, ``3 comunidades``). The code
that builds the explanation (:mod:`connectivity.ranking.report`,
:mod:`connectivity.ranking.portfolio`) asks :class:`Words` for a sentence by
key and never tests the language. To add a language, add it to
:data:`connectivity.i18n.Lang` and give it an entry in each table here
(a test checks every language has the same keys and placeholders).

Names from the data (works, communities, config sources, column names) are
never translated. A destination kind the package does not know (a region's
``[destinations.bank]``) is named by its name with spaces.

A key may have a variant for a count of one, ``"<key>/one"``, used when the
count passed to :meth:`Words.agree` is one (verbs and adjectives agree with it).
A counted noun is ``(one, other)``, ``{n}`` where the number goes (or nowhere:
``otra cartera``).

Examples
--------
>>> es, en = Words("es"), Words("en")
>>> es.count(1, "community"), es.count(3, "community"), en.count(1, "community")
('1 comunidad', '3 comunidades', '1 community')
>>> es.money(450_000, "PEN"), en.money(450_000, "PEN")
('S/\xa0450\xa0000', 'PEN 450,000')
>>> es.kinds(["market", "school", "health"]), en.kinds(["market", "bus_stop"])
('mercado, colegio y establecimiento de salud', 'market and bus stop')
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Iterable, Sequence

from connectivity.i18n import Lang, fmt_money, fmt_number, fmt_pct

__all__ = ["Words", "flag_meanings"]

_TEXT: dict[Lang, dict[str, str]] = {
    "en": {
        # -- the region and how works are scored --
        "overview": (
            "{works} evaluated for {communities} ({people}); costs in {currency} at {year} prices."
        ),
        "access_head": (
            "Access before any work (population-weighted; an average covers only the people "
            "who can reach one in that season, and the share cut off is given beside it):"
        ),
        "access_kind": "  to a {kind}: {seasons}.",
        "access_join": "; ",
        "mean_nobody_lives": "nobody lives here",
        "mean_all_reach": "{mean} min on average (everyone can reach one)",
        "mean_none_reach": "nobody can reach one (everyone cut off, no route)",
        "mean_some_cut": (
            "{mean} min on average (the {reach} who can reach one; {cut_people} ({cut}) cut "
            "off, no route; {mean_cap} min counting them at {cap} min)"
        ),
        "score": (
            "Score: person-minutes saved per trip to the nearest {kinds} ({weights}), minutes "
            "capped at {cap} (an unreachable place counts as {cap} min away); thresholds "
            "{thresholds} min."
        ),
        "weights": "{shares}; days a year: dry {dry}, rains with only wide rivers' fords shut "
        "{rain}, rivers in flood (all fords shut) {wet}{equity}, savings under {min_gain} min "
        "per trip not counted",
        "weights_equity": ", equity weight 1 + {strength} x {column}",
        "kind_share": "{kind} {share}",
        "ranked_by_score_per_1000": (
            "Works are ranked by score per 1,000 {currency} of net cost (after co-financing)."
        ),
        "ranked_by_bc_ratio": (
            "Works are ranked by their benefit/cost ratio (B/C); the programme is chosen by "
            "score per 1,000 {currency} of net cost (after co-financing)."
        ),
        "ranked_by_npv": (
            "Works are ranked by their net present value (NPV); the programme is chosen by "
            "score per 1,000 {currency} of net cost (after co-financing)."
        ),
        "ranked_by_cost_effectiveness": (
            "Works are ranked by present cost per person benefited, lowest first; the programme "
            "is chosen by score per 1,000 {currency} of net cost (after co-financing)."
        ),
        # -- the programme --
        "no_budget": "No budget given: works are ranked, no programme is chosen.",
        "no_works": "No works to choose from.",
        "budget_too_small": (
            "Empty programme: the budget of {budget} is smaller than the net cost of every work "
            "(the cheapest, {work_id}, costs {cost})."
        ),
        "nothing_useful": (
            "Empty programme: none of the {works} within the budget of {budget} improves "
            "anyone's travel time by at least {min_gain} minutes per trip with a score of at "
            "least {hurdle} per 1,000 {currency}."
        ),
        "nothing_useful/one": (
            "Empty programme: the only work within the budget of {budget} does not improve "
            "anyone's travel time by at least {min_gain} minutes per trip with a score of at "
            "least {hurdle} per 1,000 {currency}."
        ),
        "programme": (
            "Programme of {works} costing {spent} net of a budget of {budget}: {people} in "
            "{communities} gain, {person_min} person-minutes saved per trip (season-weighted, "
            "summed over {kinds}). Works were chosen one at a time by score per {currency} of "
            "net cost, each measured on the network improved by the works chosen before it."
        ),
        "programme/one": (
            "Programme of {works} costing {spent} net of a budget of {budget}: {people} in "
            "{communities} gains, {person_min} person-minutes saved per trip (season-weighted, "
            "summed over {kinds}). Works were chosen one at a time by score per {currency} of "
            "net cost, each measured on the network improved by the works chosen before it."
        ),
        "kinds_sum": " + ",
        "left_nothing": "It spends the whole budget.",
        "left_none_fits": "It leaves {left} of the budget unspent: no work left fits in it.",
        "left_none_useful": (
            "It leaves {left} of the budget unspent: no work left that fits in it improves "
            "anyone's travel time enough to count."
        ),
        "left_below_hurdle": (
            "It leaves {left} of the budget unspent: the best work left that fits in it, "
            "{work_id}, scores {per_1000_score} per 1,000 {currency}, below the hurdle of "
            "{hurdle}."
        ),
        "search": (
            "The programme was then checked against {others} (greedy runs from the best "
            "packing of the works' scores alone, from pairs of works that pay together and "
            "from other first picks; local search{exhaustive}): {outcome}"
        ),
        "search_exhaustive": ", every feasible subset of the useful works",
        "search_none_better": "none scores more.",
        "search_none_better/one": "it does not score more.",
        "search_better": "the best, found by {how}, scores {gain} more than the plain greedy one.",
        "how_exhaustive": "exhaustive search",
        "how_pair": "greedy from a pair of works that pay together",
        "how_knapsack": "the best packing of the works' scores alone (knapsack)",
        "how_first_pick": "greedy from another first pick",
        "how_local_search": "local search (add and swap works)",
        "how_warm_start": "starting from the programme of the run",
        "bound": (
            "No programme can score more than doing all {works} that each fit the budget "
            "({bound}, costing {cost}); this one reaches {share} of that."
        ),
        "bound/one": (
            "No programme can score more than doing the only work that fits the budget "
            "({bound}, costing {cost}); this one reaches {share} of that."
        ),
        "below_bc": (
            "{works} that gain were not considered: their benefit/cost ratio alone is under "
            "the hurdle of {hurdle} (min_bc_ratio)."
        ),
        "below_bc/one": (
            "{works} that gains was not considered: its benefit/cost ratio alone is under the "
            "hurdle of {hurdle} (min_bc_ratio)."
        ),
        # -- the top works and what to verify --
        "top": "Top {n} works:",
        "top/one": "Top work:",
        "top_work": (
            "  {rank}. {work_id} {name}: {people} in {communities} gain, {person_min} "
            "person-min per trip, net cost {cost}{cut_off}"
        ),
        "top_work/one": (
            "  {rank}. {work_id} {name}: {people} in {communities} gains, {person_min} "
            "person-min per trip, net cost {cost}{cut_off}"
        ),
        "top_cut_off": ", {people} no longer cut off in the wet season",
        "no_gain": "No work improves anyone's travel time.",
        "verify": "verify in the field: {flags}",
        "verify_line": "     {Note}.",
        "flag_join": "; ",
        "programme_flagged": (
            "{flagged} of the {chosen} programme works rest on assumptions to verify in the "
            "field{above}{end}"
        ),
        "programme_flagged/one": (
            "{flagged} of the {chosen} programme works rests on assumptions to verify in the "
            "field{above}{end}"
        ),
        "programme_flagged_only": (
            "The programme's only work rests on assumptions to verify in the field{above}{end}"
        ),
        "flagged_above": " ({listed} listed above with the top works)",
        "flagged_work": "  #{order} in the programme (rank {rank}), {work_id} {name}: {note}",
        # -- pairs of works that pay together --
        "bundles": (
            "{pairs} of works pay together but not alone (e.g. two fords on the road of the "
            "same villages: bridging one is worth little until the other is bridged); all are "
            "in bundles.csv. The best:"
        ),
        "bundles/one": (
            "{pairs} of works pays together but not alone (e.g. two fords on the road of the "
            "same villages: bridging one is worth little until the other is bridged); it is in "
            "bundles.csv:"
        ),
        "bundle": (
            "  {bundle_id}: {work_a} + {work_b}: {score_a} and {score_b} alone, {score_ab} "
            "together, for {cost}{chosen}"
        ),
        "bundle_chosen": "; in the programme",
        # -- the appraisal --
        "appraisal": (
            "Appraisal (annual, in money; each work alone in ranking.csv, the programme as "
            "built here, its works together): {figures}."
        ),
        "appraisal_none": "no programme to appraise",
        "appraisal_figures": (
            "{hours} saved a year, worth {benefit} a year; present value of benefits {pv_benefits} "
            "and of costs {pv_costs}: NPV {npv}, B/C {bc}, EIRR {eirr}; {cost_per_person} of "
            "present costs per person benefited ({people})"
        ),
        "eirr_none": "none (the benefits never repay the costs)",
        "eirr_undefined": "not defined (no investment to repay)",
        "bc_passing": (
            "{passing} of the {gaining} works that gain have a benefit/cost ratio of 1 or more."
        ),
        "bc_passing/one": (
            "{passing} of the {gaining} works that gain has a benefit/cost ratio of 1 or more."
        ),
        "bc_passing_none": (
            "None of the {gaining} works that gain has a benefit/cost ratio of 1 or more."
        ),
        "bc_passing_only_yes": "The only work that gains has a benefit/cost ratio of 1 or more.",
        "bc_passing_only_no": "The only work that gains has a benefit/cost ratio under 1.",
        "bc_passing_nothing": "No work gains, so none has a benefit/cost ratio.",
        "assumptions": "Assumptions of the appraisal:",
        "assumption": "  - {line}",
        "value_of_time": "value of time {value} per hour (source: {source})",
        "trips": (
            "trips: {rates}; household size {household}, school-age share {school_share} "
            "(assumptions)"
        ),
        "trip_rate": "{kind} {trips} a year per {per}",
        "per_person": "person",
        "per_household": "household",
        "per_child": "child",
        "discount": (
            "discount rate {rate} a year (MEF, Invierte.pe Anexo 11, Tabla 01), horizon "
            "{years}, no residual value"
        ),
        "maintenance": (
            "maintenance per km by road class: routine {routine} a year; periodic every "
            "{every} {periodic}; bridges {bridges} of their cost a year (orders of magnitude, "
            "assumptions: set yours in [appraisal])"
        ),
        "road_class_cost": "{road_class} {amount}",
        "left_out": (
            "left out: generated traffic, freight and vehicle operating costs, wider economic "
            "effects, social price correction factors (costs at market prices), growth"
        ),
        # -- the file --
        "data_source": "Data source: {source}",
        "run": "Run: {run_id} (see run.json)",
    },
    "es": {
        "overview": (
            "{works} para {communities} ({people}); costos en {currency} a precios de {year}."
        ),
        "access_head": (
            "Acceso antes de las obras (promedios ponderados por población; cada promedio cubre "
            "solo a quienes pueden llegar en esa época, y al lado se indica la parte aislada, "
            "sin ruta):"
        ),
        "access_kind": "  {Kind}: {seasons}.",
        "access_join": "; ",
        "mean_nobody_lives": "nadie vive aquí",
        "mean_all_reach": "{mean} min en promedio (todos pueden llegar)",
        "mean_none_reach": "nadie puede llegar (todos aislados, sin ruta)",
        "mean_some_cut": (
            "{mean} min en promedio (el {reach} que puede llegar; {cut_people} ({cut}), sin "
            "ruta; {mean_cap} min si cada persona sin ruta cuenta {cap} min)"
        ),
        "score": (
            "Puntaje: persona-minutos ahorrados por viaje hasta el destino más cercano de cada "
            "tipo: {kinds} ({weights}); los minutos tienen un tope de {cap} (un lugar sin ruta "
            "cuenta como a {cap} min); umbrales: {thresholds} min."
        ),
        "weights": "pesos {shares}; días al año: época seca {dry}, lluvias con solo los vados "
        "de ríos anchos cerrados {rain}, crecida con todos los vados cerrados {wet}{equity}; "
        "no se cuentan ahorros menores de {min_gain} min por viaje",
        "weights_equity": ", peso de equidad 1 + {strength} × {column}",
        "kind_share": "{kind} {share}",
        "ranked_by_score_per_1000": (
            "Las obras se ordenan por puntaje por cada {per_1000} de costo neto (después del "
            "cofinanciamiento)."
        ),
        "ranked_by_bc_ratio": (
            "Las obras se ordenan por su relación beneficio/costo (B/C); la cartera se elige por "
            "puntaje por cada {per_1000} de costo neto (después del cofinanciamiento)."
        ),
        "ranked_by_npv": (
            "Las obras se ordenan por su valor actual neto (VAN social); la cartera se elige "
            "por puntaje por cada {per_1000} de costo neto (después del cofinanciamiento)."
        ),
        "ranked_by_cost_effectiveness": (
            "Las obras se ordenan por costo actual por persona beneficiada, de menor a mayor; "
            "la cartera se elige por puntaje por cada {per_1000} de costo neto (después del "
            "cofinanciamiento)."
        ),
        "no_budget": "Sin presupuesto: las obras se ordenan, pero no se elige una cartera.",
        "no_works": "No hay obras entre las cuales elegir.",
        "budget_too_small": (
            "Cartera vacía: el presupuesto de {budget} es menor que el costo neto de cada obra "
            "(la más barata, {work_id}, cuesta {cost})."
        ),
        "nothing_useful": (
            "Cartera vacía: ninguna de las {works} que caben en el presupuesto de {budget} "
            "ahorra a alguien al menos {min_gain} minutos por viaje con un puntaje de al menos "
            "{hurdle} por cada {per_1000}."
        ),
        "nothing_useful/one": (
            "Cartera vacía: la única obra que cabe en el presupuesto de {budget} no ahorra a "
            "nadie al menos {min_gain} minutos por viaje con un puntaje de al menos {hurdle} "
            "por cada {per_1000}."
        ),
        "programme": (
            "Cartera de {works} con un costo neto de {spent}, de un presupuesto de {budget}: "
            "{people} en {communities}, {person_min} persona-minutos ahorrados por viaje "
            "(ponderados por época, sumados sobre {kinds}). Las obras se eligieron una a una "
            "por puntaje por cada {per_1000} de costo neto, cada una medida en la red ya "
            "mejorada por las obras elegidas antes."
        ),
        "kinds_sum": " + ",
        "left_nothing": "Usa todo el presupuesto.",
        "left_none_fits": (
            "Quedan {left} del presupuesto sin gastar: ninguna obra restante cabe en ese monto."
        ),
        "left_none_useful": (
            "Quedan {left} del presupuesto sin gastar: ninguna obra restante que cabe en ese "
            "monto ahorra tiempo de viaje suficiente para contar."
        ),
        "left_below_hurdle": (
            "Quedan {left} del presupuesto sin gastar: la mejor obra restante que cabe en ese "
            "monto, {work_id}, obtiene un puntaje de {per_1000_score} por cada {per_1000}, por "
            "debajo del mínimo exigido de {hurdle}."
        ),
        "search": (
            "Luego se comparó la cartera con {others} (armando la cartera obra por obra a "
            "partir del mejor reparto de los puntajes de cada obra por separado, de pares de "
            "obras que rinden juntas y de otras primeras obras; búsqueda local{exhaustive}): "
            "{outcome}"
        ),
        "search_exhaustive": " y prueba de todas las combinaciones posibles de las obras útiles",
        "search_none_better": "ninguna obtiene más puntaje.",
        "search_none_better/one": "no obtiene más puntaje.",
        "search_better": (
            "la mejor, hallada por {how}, obtiene un {gain} más de puntaje que la cartera armada "
            "obra por obra."
        ),
        "how_exhaustive": "búsqueda exhaustiva",
        "how_pair": "armado obra por obra a partir de un par de obras que rinden juntas",
        "how_knapsack": "el mejor reparto de los puntajes de cada obra por separado (mochila)",
        "how_first_pick": "armado obra por obra a partir de otra primera obra",
        "how_local_search": "búsqueda local (agregar e intercambiar obras)",
        "how_warm_start": "partiendo de la cartera de la corrida",
        "bound": (
            "Ninguna cartera puede obtener más puntaje que hacer las {works} que caben cada "
            "una en el presupuesto ({bound} de puntaje, con un costo de {cost}); esta alcanza "
            "el {share} de eso."
        ),
        "bound/one": (
            "Ninguna cartera puede obtener más puntaje que hacer la única obra que cabe en el "
            "presupuesto ({bound} de puntaje, con un costo de {cost}); esta alcanza el {share} "
            "de eso."
        ),
        "below_bc": (
            "No se consideraron {works} con beneficios: su relación beneficio/costo (B/C) por "
            "sí sola es menor que el mínimo de {hurdle} (min_bc_ratio)."
        ),
        "below_bc/one": (
            "No se consideró {works} con beneficios: su relación beneficio/costo (B/C) por sí "
            "sola es menor que el mínimo de {hurdle} (min_bc_ratio)."
        ),
        "top": "Las {n} mejores obras:",
        "top/one": "La mejor obra:",
        "top_work": (
            "  {rank}. {work_id} {name}: {people} en {communities}, {person_min} "
            "persona-minutos ahorrados por viaje, costo neto {cost}{cut_off}"
        ),
        "top_cut_off": ", {people} en la crecida",
        "no_gain": "Ninguna obra mejora el tiempo de viaje de nadie.",
        "verify": "verificar en campo: {flags}",
        "verify_line": "     {Note}.",
        "flag_join": "; ",
        "programme_flagged": (
            "{flagged} de las {chosen} obras de la cartera se apoyan en supuestos que hay que "
            "verificar en campo{above}{end}"
        ),
        "programme_flagged/one": (
            "{flagged} de las {chosen} obras de la cartera se apoya en supuestos que hay que "
            "verificar en campo{above}{end}"
        ),
        "programme_flagged_only": (
            "La única obra de la cartera se apoya en supuestos que hay que verificar en "
            "campo{above}{end}"
        ),
        "flagged_above": " ({listed} arriba, entre las mejores obras)",
        "flagged_work": "  n.º {order} de la cartera (puesto {rank}), {work_id} {name}: {note}",
        "bundles": (
            "{pairs} de obras rinden juntas pero no por separado (p. ej., dos vados en el "
            "camino de los mismos pueblos: un puente sobre uno vale poco mientras no se haga "
            "el otro); todos están en bundles.csv. Los mejores:"
        ),
        "bundles/one": (
            "{pairs} de obras rinde junto pero no por separado (p. ej., dos vados en el camino "
            "de los mismos pueblos: un puente sobre uno vale poco mientras no se haga el "
            "otro); está en bundles.csv:"
        ),
        "bundle": (
            "  {bundle_id}: {work_a} + {work_b}: puntaje {score_a} y {score_b} por separado, "
            "{score_ab} juntas, por {cost}{chosen}"
        ),
        "bundle_chosen": "; en la cartera",
        "appraisal": (
            "Evaluación social (anual, en dinero; cada obra por separado en ranking.csv, aquí "
            "la cartera tal como se construye, con sus obras juntas): {figures}."
        ),
        "appraisal_none": "no hay cartera que evaluar",
        "appraisal_figures": (
            "{hours} al año, que valen {benefit} al año; valor actual de los beneficios "
            "{pv_benefits} y de los costos {pv_costs}: VAN social {npv}, B/C {bc}, TIR social "
            "{eirr}; {cost_per_person} de costos actuales por persona beneficiada ({people})"
        ),
        "eirr_none": "no existe (los beneficios nunca pagan los costos)",
        "eirr_undefined": "no definida (no hay inversión que recuperar)",
        "bc_passing": (
            "{passing} de las {gaining} obras con beneficios tienen una relación B/C de 1 o más."
        ),
        "bc_passing/one": (
            "{passing} de las {gaining} obras con beneficios tiene una relación B/C de 1 o más."
        ),
        "bc_passing_none": (
            "Ninguna de las {gaining} obras con beneficios tiene una relación B/C de 1 o más."
        ),
        "bc_passing_only_yes": "La única obra con beneficios tiene una relación B/C de 1 o más.",
        "bc_passing_only_no": "La única obra con beneficios tiene una relación B/C menor que 1.",
        "bc_passing_nothing": "Ninguna obra tiene beneficios, así que ninguna tiene relación B/C.",
        "assumptions": "Supuestos de la evaluación:",
        "assumption": "  - {line}",
        "value_of_time": "valor social del tiempo {value} por hora (fuente: {source})",
        "trips": (
            "viajes: {rates}; tamaño del hogar {household}, proporción en edad escolar "
            "{school_share} (supuestos)"
        ),
        "trip_rate": "{kind} {trips} al año por {per}",
        "per_person": "persona",
        "per_household": "hogar",
        "per_child": "niño en edad escolar",
        "discount": (
            "tasa social de descuento {rate} al año (MEF, Invierte.pe Anexo 11, Tabla 01), "
            "horizonte de {years}, sin valor residual"
        ),
        "maintenance": (
            "mantenimiento por km según tipo de vía: rutinario {routine} al año; periódico "
            "cada {every} {periodic}; puentes {bridges} de su costo al año (órdenes de "
            "magnitud, supuestos: ponga los suyos en [appraisal])"
        ),
        "road_class_cost": "{road_class} {amount}",
        "left_out": (
            "no incluye: tráfico generado, carga y costos de operación vehicular, efectos "
            "económicos más amplios, factores de corrección a precios sociales (costos a "
            "precios de mercado), crecimiento"
        ),
        "data_source": "Fuente de datos: {source}",
        "run": "Ejecución: {run_id} (ver run.json)",
    },
}

#: Counted nouns: (one, other), ``{n}`` where the number goes.
_COUNTS: dict[Lang, dict[str, tuple[str, str]]] = {
    "en": {
        "road_work": ("{n} road work", "{n} road works"),
        "work": ("{n} work", "{n} works"),
        "community": ("{n} community", "{n} communities"),
        "person": ("{n} person", "{n} people"),
        "person_benefited": ("{n} person", "{n} people"),
        "person_cut_off": ("{n} person", "{n} people"),
        "person_no_longer_cut_off": ("{n} person", "{n} people"),
        "other_programme": ("one other programme", "{n} other programmes"),
        "pair": ("{n} pair", "{n} pairs"),
        "hour_saved": ("{n} hour", "{n} hours"),
        "year": ("{n} year", "{n} years"),
        "round_trip": ("{n} round trip", "{n} round trips"),
        "listed": ("{n}", "{n}"),
    },
    "es": {
        "road_work": ("{n} obra vial evaluada", "{n} obras viales evaluadas"),
        "work": ("{n} obra", "{n} obras"),
        "community": ("{n} comunidad", "{n} comunidades"),
        "person": ("{n} persona", "{n} personas"),
        "person_benefited": ("{n} persona beneficiada", "{n} personas beneficiadas"),
        "person_cut_off": ("{n} persona aislada", "{n} personas aisladas"),
        "person_no_longer_cut_off": (
            "{n} persona deja de quedar aislada",
            "{n} personas dejan de quedar aisladas",
        ),
        "other_programme": ("otra cartera", "otras {n} carteras"),
        "pair": ("{n} par", "{n} pares"),
        "hour_saved": ("{n} hora ahorrada", "{n} horas ahorradas"),
        "year": ("{n} año", "{n} años"),
        "round_trip": ("{n} viaje de ida y vuelta", "{n} viajes de ida y vuelta"),
        "listed": ("{n} ya listada", "{n} ya listadas"),
    },
}

#: Destination kinds: (in a sentence, short label); other kinds are named by their name.
_KINDS: dict[Lang, dict[str, tuple[str, str]]] = {
    "en": {
        "market": ("market", "market"),
        "school": ("school", "school"),
        "health": ("health facility", "health"),
    },
    "es": {
        "market": ("mercado", "mercado"),
        "school": ("colegio", "colegio"),
        "health": ("establecimiento de salud", "salud"),
    },
}

#: The states of the year (access's ``SEASONS``).
_SEASONS: dict[Lang, dict[str, str]] = {
    "en": {
        "dry": "dry season",
        "rain": "rains (only the fords of wide rivers shut)",
        "wet": "wet season with rivers in flood",
    },
    "es": {
        "dry": "época seca",
        "rain": "lluvias (solo se cierran los vados de ríos anchos)",
        "wet": "crecida de los ríos (se cierran todos los vados)",
    },
}

#: The assumptions behind a work's gain (codes of :data:`connectivity.ranking.flags.FLAGS`).
_FLAGS: dict[Lang, dict[str, str]] = {
    "en": {
        "disconnected_piece": (
            "the gain comes from joining a small piece of the road network to the rest "
            "(OpenStreetMap may just miss the road that joins it)"
        ),
        "estimated_population": (
            "the population of some communities that gain is estimated, not counted"
        ),
        "far_from_road": (
            "some communities that gain are far from any mapped road (their walk to it is "
            "estimated)"
        ),
        "inferred_crossing": (
            "the river crossing is inferred (OpenStreetMap tags neither a bridge nor a ford "
            "there; a bridge may already exist)"
        ),
    },
    "es": {
        "disconnected_piece": (
            "la ganancia viene de unir una pieza pequeña de la red vial al resto (puede que a "
            "OpenStreetMap solo le falte la vía que la une)"
        ),
        "estimated_population": (
            "la población de algunas comunidades que ganan es estimada, no contada"
        ),
        "far_from_road": (
            "algunas comunidades que ganan están lejos de toda vía mapeada (su caminata hasta "
            "ella es estimada)"
        ),
        "inferred_crossing": (
            "el cruce del río es inferido (OpenStreetMap no lo marca como puente ni como vado; "
            "puede que ya exista un puente)"
        ),
    },
}

#: How a currency is named in a sentence ("costs in ..."); others by their code.
_CURRENCY_NAMES: dict[Lang, dict[str, str]] = {
    "en": {},
    "es": {"PEN": "soles (S/)"},
}

#: A Spanish "y" before a word sounding /i/ becomes "e" (RAE): "mercado e iglesia".
_ES_E_BEFORE = re.compile(r"^(i|hi)(?![aeiouáéíóú])", re.IGNORECASE)

#: The "and" before the last item of a list, given that item.
_AND: dict[Lang, Callable[[str], str]] = {
    "en": lambda last: " and ",
    "es": lambda last: " e " if _ES_E_BEFORE.match(last) else " y ",
}


class Words:
    """The sentences and figures of one language.

    Parameters
    ----------
    lang : {"es", "en"}
    """

    def __init__(self, lang: Lang) -> None:
        if lang not in _TEXT:
            raise ValueError(f"no words for language {lang!r}: known {sorted(_TEXT)}")
        self.lang: Lang = lang

    def text(self, key: str, /, **values: object) -> str:
        """Return the sentence ``key`` filled with ``values``."""
        return _TEXT[self.lang][key].format(**values)

    def agree(self, key: str, n: float, /, **values: object) -> str:
        """Return the sentence ``key`` agreeing with the count ``n``, filled with ``values``.

        When ``n`` is one, the ``"<key>/one"`` variant is used if there is one.
        """
        if round(n) == 1 and f"{key}/one" in _TEXT[self.lang]:
            key = f"{key}/one"
        return self.text(key, **values)

    def count(self, n: float, noun: str, *, decimals: int | None = 0) -> str:
        """Write ``n`` with the noun ``noun`` of :data:`_COUNTS`, singular for exactly one.

        ``decimals``: None writes ``n`` as given (:meth:`plain`).
        """
        one, other = _COUNTS[self.lang][noun]
        shown = n if decimals is None else round(n, decimals)
        form = one if shown == 1 else other
        return form.format(n=self.plain(n) if decimals is None else self.number(n, decimals))

    def number(self, value: float, decimals: int = 0) -> str:
        """Write a number rounded to ``decimals`` (:func:`connectivity.i18n.fmt_number`)."""
        return fmt_number(value, self.lang, decimals=decimals)

    def plain(self, value: float) -> str:
        """Write a parameter as given, with the fewest decimals (``:g``): ``1``, ``0,5``."""
        if not math.isfinite(value):
            return self.number(value)
        text = f"{value:g}"
        if "e" in text:
            return self.number(value, 0 if abs(value) >= 1 else 6)
        return self.number(value, len(text.partition(".")[2]))

    def money(self, value: float, currency: str, *, exact: bool = False) -> str:
        """Write an amount (:func:`connectivity.i18n.fmt_money`), whole units.

        ``exact``: keep up to two decimals when the amount has them (a value of time).
        """
        decimals = 2 if exact and round(value) != round(value, 2) else 0
        return fmt_money(value, currency, self.lang, decimals=decimals)

    def pct(self, share: float, decimals: int = 0) -> str:
        """Write a share (0-1) as a percentage (:func:`connectivity.i18n.fmt_pct`)."""
        return fmt_pct(share, self.lang, decimals=decimals)

    def share(self, share: float) -> str:
        """Write a share of people, never rounding a few to 0 % or all but a few to 100 %.

        Examples
        --------
        >>> [Words("en").share(x) for x in (0.0, 0.0004, 0.006, 0.263, 0.9996, 1.0)]
        ['0%', '<0.1%', '0.6%', '26%', '>99.9%', '100%']
        """
        p = 100.0 * share
        if p in (0.0, 100.0):
            return self.pct(share)
        if p < 0.1:
            return "<" + self.pct(0.001, 1)
        if p > 99.9:
            return ">" + self.pct(0.999, 1)
        return self.pct(share, 1 if p < 1 or p > 99 else 0)

    def currency(self, currency: str) -> str:
        """Name a currency in a sentence: ``soles (S/)`` in Spanish, the code otherwise."""
        return _CURRENCY_NAMES[self.lang].get(currency, currency)

    def kind(self, kind: str) -> str:
        """Name a destination kind in a sentence (``establecimiento de salud``)."""
        return _KINDS[self.lang].get(kind, (_own_kind(kind), ""))[0]

    def kind_short(self, kind: str) -> str:
        """Name a destination kind in a short list (``salud``)."""
        return _KINDS[self.lang].get(kind, ("", _own_kind(kind)))[1]

    def kinds(self, kinds: Iterable[str]) -> str:
        """List destination kinds: ``mercado, colegio y establecimiento de salud``."""
        return self.join([self.kind(k) for k in kinds])

    def season(self, season: str) -> str:
        """Name a state of the year (``dry``, ``rain``, ``wet``)."""
        return _SEASONS[self.lang][season]

    def flags(self, codes: Sequence[str]) -> str:
        """Say what each flag code means, joined (an unknown code is given as is)."""
        table = _FLAGS[self.lang]
        return self.text("flag_join").join(table.get(c, c) for c in codes)

    def join(self, items: Sequence[str]) -> str:
        """Join a list with commas and the language's "and" before the last item."""
        if len(items) < 2:
            return "".join(items)
        return ", ".join(items[:-1]) + _AND[self.lang](items[-1]) + items[-1]


def _own_kind(kind: str) -> str:
    """Name a region's own destination kind by its name with spaces."""
    return kind.replace("_", " ").strip() or kind


def flag_meanings(lang: Lang) -> dict[str, str]:
    """Return the flag codes and what each means in ``lang``, in the order listed."""
    return dict(_FLAGS[lang])
