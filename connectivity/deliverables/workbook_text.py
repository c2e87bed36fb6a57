"""The words of the workbook (:mod:`connectivity.deliverables.workbook`) in Spanish and English.

Column headers come from the columns dictionary
(:mod:`connectivity.deliverables.columns`); this table holds the rest: sheet
titles, labels of the summary, notes and the assumptions said in words. Both
languages have the same keys and placeholders (a test checks it).
"""

from __future__ import annotations

from connectivity.i18n import Lang

__all__ = ["TEXT"]

TEXT: dict[Lang, dict[str, str]] = {
    "es": {
        "synthetic": (
            "ATENCIÓN: región de muestra sintética. Datos inventados, no es un lugar real; "
            "las cifras solo ilustran el método."
        ),
        "source_line": "Fuente de datos: {source} · Ejecución: {run}",
        "title_summary": "Cartera de obras viales: {region}",
        "title_programme": "Cartera de obras elegida con el presupuesto, en orden",
        "title_ranking": "Ranking de todas las obras candidatas",
        "title_gains": "Comunidades que ganan con cada obra",
        "title_axes": "Cartera por ejes (corredores al mismo mercado)",
        "title_invierte": "Cuadro por obra para Invierte.pe",
        "title_flags": "Alertas (verificar en campo) y supuestos",
        "title_parameters": "Parámetros usados en esta ejecución",
        "title_columns": "Diccionario de columnas",
        "sec_region": "Región y ejecución",
        "region": "Región",
        "data_source": "Fuente de datos",
        "run_id": "Ejecución (run id)",
        "prices": "Moneda y precios",
        "prices_value": "{cur}, precios de {year}",
        "budget": "Presupuesto",
        "communities": "Comunidades (centros poblados)",
        "population": "Población",
        "destinations": "Destinos",
        "sec_programme": "Cartera elegida",
        "works": "Obras en la cartera",
        "cost": "Costo total (con cofinanciamiento)",
        "cost_net": "Costo para el presupuesto",
        "budget_left": "Presupuesto restante",
        "people_benefited": "Personas beneficiadas",
        "communities_gaining": "Comunidades que ganan",
        "person_min_saved": "Persona-minutos ahorrados por viaje (promedio del año)",
        "axes": "Ejes (corredores)",
        "by_intervention": "Obras por tipo de intervención",
        "sec_appraisal": "Evaluación social de la cartera (todas las obras juntas)",
        "appraisal_note": (
            "Beneficios: horas de viaje ahorradas al año por el valor social del tiempo; costos: "
            "inversión y cambio del mantenimiento en el horizonte. Ver «Alertas y supuestos»."
        ),
        "sec_access": "Acceso antes y después de la cartera",
        "access_note": (
            "Promedios ponderados por población de quienes tienen ruta; al lado, las personas "
            "sin ruta (aisladas). «Todos» cuenta a quienes no tienen ruta como {cap} min."
        ),
        "col_kind": "Destino",
        "col_season": "Estado del año",
        "col_mean_before": "Antes: minutos promedio (con ruta)",
        "col_cut_before": "Antes: personas sin ruta",
        "col_share_before": "Antes: parte sin ruta",
        "col_at_cap_before": "Antes: minutos promedio (todos)",
        "col_mean_after": "Después: minutos promedio (con ruta)",
        "col_cut_after": "Después: personas sin ruta",
        "col_share_after": "Después: parte sin ruta",
        "col_at_cap_after": "Después: minutos promedio (todos)",
        "origin_generated": "generada",
        "origin_proposal": "propuesta",
        "intervention_puente": "Puente",
        "intervention_creación": "Creación",
        "intervention_mejoramiento": "Mejoramiento",
        "intervention_recuperación": "Recuperación",
        "ubigeo_source_population_column": "columna ubigeo de la fuente",
        "ubigeo_source_ccpp_code": "código INEI del centro poblado",
        "population_source_file": "archivo de población (censo o padrón)",
        "population_source_synthetic": "muestra sintética (inventada)",
        "population_source_raster": "grilla de población (estimada)",
        "population_source_osm_tag": "etiqueta de población de OSM",
        "population_source_estimate_from_buildings": "estimada por los edificios en OSM",
        "population_source_place_type_minimum": "mínimo supuesto por tipo de lugar (estimada)",
        "population_source_unknown": "desconocida",
        "basis_alone": "la obra sola",
        "basis_programme": "en la cartera",
        "basis_programme_with": "en la cartera, con {works}",
        "empty_programme": "La cartera no tiene obras (sin presupuesto, o ninguna cabe).",
        "gains_note": (
            "Cada obra sola, sobre la red de hoy. «sin acceso»: sin ruta en ese estado del año."
        ),
        "axes_note": (
            "Obras de la cartera en las rutas compartidas de las mismas comunidades al mismo "
            "mercado. Una comunidad servida por dos ejes cuenta en ambos."
        ),
        "invierte_note": (
            "Obras de la cartera (en su orden) y las primeras del ranking fuera de ella que "
            "benefician a alguien. Tipo de intervención: puente; creación (vía nueva); "
            "mejoramiento (superficie de mejor clase); recuperación (la clase se mantiene). "
            "Población: la de los centros poblados que ganan con la obra sola; una obra de la "
            "cartera que sola no gana cuenta los que mejora en la cartera (ver «Base de los "
            "beneficiarios»)."
        ),
        "a_ubigeo_population_column": "UBIGEO: de la columna ubigeo de la fuente de población.",
        "a_ubigeo_ccpp_code": (
            "UBIGEO: los 6 primeros dígitos del código INEI de cada centro poblado."
        ),
        "a_ubigeo_none": (
            "UBIGEO: la fuente de población no lo tiene (vacío); búsquelo en la lista del INEI "
            "por el distrito."
        ),
        "sec_flags": "Obras de la cartera y primeras del ranking: qué verificar en campo",
        "col_flag": "Verificar en campo",
        "no_flags": "Ninguna de estas obras tiene supuestos por verificar.",
        "sec_assumptions": "Supuestos del análisis",
        "a_days": (
            "Días al año de cada estado: época seca {dry:g}, lluvias {rain:g}, crecida {wet:g} "
            "(supuestos para un año andino; vados de ríos anchos cerrados en lluvias)."
        ),
        "a_cap": "Un viaje sin ruta cuenta como {cap} minutos (y ningún viaje cuenta más).",
        "a_gain": "Un ahorro de menos de {gain} minutos por viaje no cuenta como beneficio.",
        "a_speeds": (
            "Velocidades por clase de vía y estado del año (hoja «Parámetros»); a pie, la "
            "función de Tobler con la pendiente."
        ),
        "a_costs": "Costos unitarios indicativos en {cur} de {year} (hoja «Parámetros»).",
        "a_influence": (
            "Población del área de influencia: la de los centros poblados que ganan con la obra "
            "sola; la de una obra de la cartera que sola no gana, los que mejora en la cartera."
        ),
        "a_value_of_time": "Valor social del tiempo: {v} por hora (fuente: {source}).",
        "a_discount": "Tasa social de descuento {r} % anual, horizonte de {h} años.",
        "a_left_out": (
            "No incluye: tráfico generado, carga y costos de operación vehicular, efectos "
            "económicos más amplios, valor residual, factores de corrección de precios sociales."
        ),
        "sec_population": "Fuente de la población de las comunidades",
        "parameters_note": (
            "Cada ajuste en efecto: el archivo de la región con sus valores por defecto, y las "
            "tablas de velocidades y costos del modelo."
        ),
        "col_section": "Sección",
        "col_parameter": "Parámetro",
        "col_value": "Valor",
        "col_unit": "Unidad",
        "config_section": "Configuración [{section}]",
        "speed_tables": "Tablas de velocidades",
        "cost_tables": "Tablas de costos",
        "trip_rates": "Viajes de ida y vuelta al año por persona",
        "trips_unit": "viajes/persona/año",
        "columns_note": (
            "Encabezados de las hojas, la columna del CSV que muestran y lo que significan. "
            "columns.csv tiene el mismo diccionario para todos los CSV."
        ),
        "col_sheet": "Hoja",
        "col_file": "Archivo CSV",
        "col_column": "Columna del CSV",
        "col_header": "Encabezado",
        "col_note": "Nota",
        "title_robustness": "¿Qué tan segura es cada elección? Robustez de la cartera",
        "rob_intro": (
            "{n} escenarios de Monte Carlo (semilla {seed}: la misma semilla da los mismos "
            "resultados). En cada escenario se sortean los insumos inciertos de la tabla «Qué "
            "varía», se evalúan de nuevo todas las obras y se elige la cartera otra vez con el "
            "mismo presupuesto. El escenario 0 es la corrida misma (sin sorteo) y no entra en "
            "las probabilidades ni en los intervalos."
        ),
        "rob_scenario_0_differs": (
            "Atención: el escenario 0 no eligió la misma cartera que la corrida; las "
            "probabilidades son las de la regla de selección del Monte Carlo."
        ),
        "sec_rob_works": "Obras de la cartera y primeras del ranking fuera de ella",
        "rob_works_note": (
            "Probabilidad de ser financiada: proporción de los escenarios en que la obra queda "
            "en la cartera. P5–P95: el intervalo que deja fuera el 5 % de los escenarios a cada "
            "lado (puesto 1: la mejor obra)."
        ),
        "rob_switch_note": (
            "Valor de cambio del costo: positivo, cuánto debe subir el costo de una obra de la "
            "cartera para que salga de ella; negativo, cuánto debe bajar el de una obra del "
            "ranking fuera de la cartera para que entre. Valor de cambio de la población: cuánto "
            "debe caer la población beneficiada de una obra de la cartera para que salga."
        ),
        "rob_checked_note": (
            "Comprobado «sí»: eligiendo la cartera de nuevo con el costo 2 % más allá del valor, "
            "la obra sale (o entra). «no»: la cartera no cambia; el valor es entonces una cota "
            "prudente (hace falta un cambio mayor). Vacío: la obra no tiene valor de cambio."
        ),
        "sec_rob_spreads": "Qué varía: multiplicadores sorteados (distribución triangular)",
        "col_rob_input": "Insumo",
        "col_rob_key": "Para",
        "col_rob_low": "Mínimo (×)",
        "col_rob_mode": "Más probable (×)",
        "col_rob_high": "Máximo (×)",
        "rob_input_cost": "Costo",
        "rob_input_speed": "Velocidad",
        "rob_input_days": "Días al año",
        "rob_input_population": "Población",
        "rob_input_trips": "Viajes por persona",
        "rob_key_default": "otros tipos de obra",
        "rob_key_walk": "a pie",
        "rob_key_counted": "contada (censo, archivo)",
        "rob_key_estimated": "estimada",
        "rob_key_all": "todos los destinos",
        "col_rob_share": "Presupuesto (% del de la corrida)",
        "col_rob_marginal": "Retorno marginal por 1000 {cur}",
        "sec_rob_curve": "Curva de presupuesto",
        "rob_curve_note": (
            "La cartera elegida con la regla de la corrida en cada nivel de presupuesto (del "
            "{low} % al {high} % del de la corrida), con el peso de equidad y sin él. Retorno "
            "marginal: el puntaje que compra cada 1000 {cur} añadidos desde el nivel anterior; "
            "bajo el umbral: menos de {hurdle} por 1000 {cur}."
        ),
        "sec_rob_equity_on": "Con el peso de equidad",
        "sec_rob_equity_off": "Sin el peso de equidad",
        "sec_rob_plots": "Gráficos",
        "rob_plot_file": "Archivo {file}, en la misma carpeta que este libro.",
    },
    "en": {
        "synthetic": (
            "WARNING: synthetic sample region. Invented data, not a real place; the figures "
            "only illustrate the method."
        ),
        "source_line": "Data source: {source} · Run: {run}",
        "title_summary": "Road works programme: {region}",
        "title_programme": "Programme of works chosen under the budget, in order",
        "title_ranking": "Ranking of every candidate work",
        "title_gains": "Communities that gain from each work",
        "title_axes": "Programme by axis (corridors to the same market)",
        "title_invierte": "Table per work for Invierte.pe",
        "title_flags": "Flags (verify in the field) and assumptions",
        "title_parameters": "Parameters of this run",
        "title_columns": "Columns dictionary",
        "sec_region": "Region and run",
        "region": "Region",
        "data_source": "Data source",
        "run_id": "Run id",
        "prices": "Currency and prices",
        "prices_value": "{cur}, {year} prices",
        "budget": "Budget",
        "communities": "Communities (centros poblados)",
        "population": "Population",
        "destinations": "Destinations",
        "sec_programme": "Programme chosen",
        "works": "Works in the programme",
        "cost": "Total cost (with co-financing)",
        "cost_net": "Cost to the budget",
        "budget_left": "Budget left",
        "people_benefited": "People benefited",
        "communities_gaining": "Communities gaining",
        "person_min_saved": "Person-minutes saved per trip (over the year)",
        "axes": "Axes (corridors)",
        "by_intervention": "Works by intervention type",
        "sec_appraisal": "Social appraisal of the programme (all works together)",
        "appraisal_note": (
            "Benefits: travel hours saved a year at the social value of time; costs: "
            "investment and change in maintenance over the horizon. See 'Flags and assumptions'."
        ),
        "sec_access": "Access before and after the programme",
        "access_note": (
            "Population-weighted means of the people with a route; beside them, the people "
            "with none (cut off). 'Everyone' counts those with no route as {cap} min."
        ),
        "col_kind": "Destination",
        "col_season": "State of the year",
        "col_mean_before": "Before: mean minutes (with a route)",
        "col_cut_before": "Before: people with no route",
        "col_share_before": "Before: share with no route",
        "col_at_cap_before": "Before: mean minutes (everyone)",
        "col_mean_after": "After: mean minutes (with a route)",
        "col_cut_after": "After: people with no route",
        "col_share_after": "After: share with no route",
        "col_at_cap_after": "After: mean minutes (everyone)",
        "origin_generated": "generated",
        "origin_proposal": "proposal",
        "intervention_puente": "puente (bridge)",
        "intervention_creación": "creación (new road)",
        "intervention_mejoramiento": "mejoramiento (better surface)",
        "intervention_recuperación": "recuperación (surface class restored)",
        "ubigeo_source_population_column": "ubigeo column of the source",
        "ubigeo_source_ccpp_code": "INEI centro poblado code",
        "population_source_file": "population file (census or register)",
        "population_source_synthetic": "synthetic sample (invented)",
        "population_source_raster": "population grid (estimated)",
        "population_source_osm_tag": "OSM population tag",
        "population_source_estimate_from_buildings": "estimated from the buildings in OSM",
        "population_source_place_type_minimum": "minimum assumed for the place type (estimated)",
        "population_source_unknown": "unknown",
        "basis_alone": "the work alone",
        "basis_programme": "in the programme",
        "basis_programme_with": "in the programme, with {works}",
        "empty_programme": "The programme has no works (no budget, or none fits).",
        "gains_note": (
            "Each work alone, on today's network. 'no route': none in that state of the year."
        ),
        "axes_note": (
            "Programme works on the shared routes of the same communities to the same market. "
            "A community served by two axes counts in both."
        ),
        "invierte_note": (
            "The programme's works (in its order) and the top works of the ranking outside it "
            "that benefit someone. Intervention type: puente (bridge); creación (new road); "
            "mejoramiento (a better surface class); recuperación (the class stays). "
            "Population: that of the centros poblados that gain from the work alone; a "
            "programme work that gains nothing alone counts those it improves in the programme "
            "(see 'Basis of the beneficiaries')."
        ),
        "a_ubigeo_population_column": "UBIGEO: from the population source's ubigeo column.",
        "a_ubigeo_ccpp_code": "UBIGEO: the first 6 digits of each centro poblado's INEI code.",
        "a_ubigeo_none": (
            "UBIGEO: the population source has none (empty); look it up in INEI's list by "
            "the district."
        ),
        "sec_flags": "Programme and top works: what to verify in the field",
        "col_flag": "Verify in the field",
        "no_flags": "None of these works rests on an assumption to verify.",
        "sec_assumptions": "Assumptions of the analysis",
        "a_days": (
            "Days a year of each state: dry {dry:g}, rains {rain:g}, rivers in flood {wet:g} "
            "(assumptions for an Andean year; fords of wide rivers shut in the rains)."
        ),
        "a_cap": "A trip with no route counts as {cap} minutes (and no trip counts more).",
        "a_gain": "A saving under {gain} minutes per trip is not counted as a benefit.",
        "a_speeds": (
            "Speeds by road class and state of the year (sheet 'Parameters'); walking, "
            "Tobler's function of the slope."
        ),
        "a_costs": "Indicative unit costs in {cur} at {year} prices (sheet 'Parameters').",
        "a_influence": (
            "Population of the area of influence: that of the centros poblados that gain from "
            "the work alone; for a programme work that gains nothing alone, those it improves "
            "in the programme."
        ),
        "a_value_of_time": "Social value of time: {v} per hour (source: {source}).",
        "a_discount": "Social discount rate {r}% a year, horizon {h} years.",
        "a_left_out": (
            "Left out: generated traffic, freight and vehicle operating costs, wider economic "
            "effects, residual value, social price correction factors."
        ),
        "sec_population": "Where the communities' population comes from",
        "parameters_note": (
            "Every setting in effect: the region file with its defaults, and the model's speed "
            "and cost tables."
        ),
        "col_section": "Section",
        "col_parameter": "Parameter",
        "col_value": "Value",
        "col_unit": "Unit",
        "config_section": "Config [{section}]",
        "speed_tables": "Speed tables",
        "cost_tables": "Cost tables",
        "trip_rates": "Round trips a year per person",
        "trips_unit": "trips/person/year",
        "columns_note": (
            "The sheets' headers, the CSV column they show and what they mean. columns.csv "
            "holds the same dictionary for every CSV."
        ),
        "col_sheet": "Sheet",
        "col_file": "CSV file",
        "col_column": "CSV column",
        "col_header": "Header",
        "col_note": "Note",
        "title_robustness": "How sure is each choice? Robustness of the programme",
        "rob_intro": (
            "{n} Monte Carlo scenarios (seed {seed}: the same seed gives the same results). "
            "Each scenario draws the uncertain inputs of the table 'What varies', evaluates "
            "every work again and chooses the programme again under the same budget. Scenario 0 "
            "is the run itself (no draws) and is left out of the probabilities and intervals."
        ),
        "rob_scenario_0_differs": (
            "Warning: scenario 0 did not choose the run's programme; the probabilities are "
            "those of the Monte Carlo's selection rule."
        ),
        "sec_rob_works": "Programme works and the top works left out",
        "rob_works_note": (
            "Probability of being funded: share of the scenarios in which the work is in the "
            "programme. P5–P95: the interval leaving out 5% of the scenarios on each side "
            "(rank 1: the best work)."
        ),
        "rob_switch_note": (
            "Switching value of cost: positive, how much a programme work's cost must rise for "
            "it to leave the programme; negative, how much a top work's cost must fall for it "
            "to enter. Switching value of population: how much a programme work's beneficiaries "
            "must fall for it to leave."
        ),
        "rob_checked_note": (
            "Checked 'yes': choosing the programme again with the cost 2% past the value, the "
            "work leaves (or enters). 'no': the programme does not change; the value is then a "
            "cautious bound (a larger change is needed). Empty: the work has no switching value."
        ),
        "sec_rob_spreads": "What varies: multipliers drawn (triangular distribution)",
        "col_rob_input": "Input",
        "col_rob_key": "For",
        "col_rob_low": "Low (×)",
        "col_rob_mode": "Most likely (×)",
        "col_rob_high": "High (×)",
        "rob_input_cost": "Cost",
        "rob_input_speed": "Speed",
        "rob_input_days": "Days a year",
        "rob_input_population": "Population",
        "rob_input_trips": "Trips per person",
        "rob_key_default": "other work types",
        "rob_key_walk": "walking",
        "rob_key_counted": "counted (census, a file)",
        "rob_key_estimated": "estimated",
        "rob_key_all": "every destination",
        "col_rob_share": "Budget (% of the run's)",
        "col_rob_marginal": "Marginal return per 1,000 {cur}",
        "sec_rob_curve": "Budget curve",
        "rob_curve_note": (
            "The programme chosen by the run's rule at each budget level ({low}% to {high}% of "
            "the run's), with the equity weight and without. Marginal return: the score each "
            "1,000 {cur} added since the level before buys; under the hurdle: less than "
            "{hurdle} per 1,000 {cur}."
        ),
        "sec_rob_equity_on": "With the equity weight",
        "sec_rob_equity_off": "Without the equity weight",
        "sec_rob_plots": "Plots",
        "rob_plot_file": "File {file}, in the same folder as this workbook.",
    },
}
