"""Words of the work sheets (*fichas*) in Spanish and English, and the sentences built from facts.

Only the project's own words live here; names from the data (works,
communities, markets) are passed in as they are and escaped by the HTML
templates. Numbers and money are written with :mod:`connectivity.i18n`.
:func:`flag_items` says each flag of a work (:mod:`connectivity.ranking.flags`)
in plain words with what to check in the field; :func:`why_paragraph` says why
a work ranks where it does and why it is in the programme or not, from a
:class:`Why` of facts read off the ranking and programme tables.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from connectivity.i18n import Lang, fmt_money, fmt_number, plural
from connectivity.maps.text import kind_labels

__all__ = ["SEASON_WORDS", "TEXT", "KeyGain", "Why", "flag_items", "why_paragraph"]

#: Each passability state: a column header and the words inside a sentence.
SEASON_WORDS: dict[str, dict[str, dict[str, str]]] = {
    "es": {
        "dry": {"name": "Seca", "when": "en época seca"},
        "rain": {"name": "Lluvias", "when": "en época de lluvias"},
        "wet": {"name": "Crecida", "when": "en crecida (vados cerrados)"},
    },
    "en": {
        "dry": {"name": "Dry", "when": "in the dry season"},
        "rain": {"name": "Rains", "when": "in the rains"},
        "wet": {"name": "Flood", "when": "when rivers are in flood (fords shut)"},
    },
}

#: The sheet's fixed words.
TEXT: dict[str, dict[str, str]] = {
    "es": {
        "sheet": "Ficha de obra",
        "index_title": "Fichas de obra",
        "rank_of": "Puesto {rank} de {n}",
        "in_programme": "En la cartera · n.º {order} de {n}",
        "not_in_programme": "Fuera de la cartera",
        "synthetic": "Datos sintéticos: región de muestra inventada, no es un lugar real.",
        "length": "{km} km",
        "span": "luz {m} m",
        "proposal": "propuesta de la comunidad",
        "map_alt": "Mapa de la obra y de las comunidades que ganan",
        "map_work": "La obra",
        "map_gaining": "Comunidades que ganan (por población)",
        "map_others": "Otras comunidades",
        "map_before": "Ruta antes",
        "map_after": "Ruta con la obra: {name}, {season}",
        "map_after_programme": "Ruta con la cartera: {name}, {season}",
        "synthetic_credit": "Datos sintéticos: región inventada",
        "costs": "Costo",
        "cost": "Inversión",
        "cofinancing": "Cofinanciamiento",
        "cost_net": "Costo neto (presupuesto)",
        "cost_in_programme": "Paga la cartera (etapa)",
        "cost_per_person": "Costo neto por persona beneficiada",
        "prices": "Precios de {year}.",
        "benefits": "Quiénes ganan",
        "benefits_programme": "Quiénes ganan con la cartera",
        "people": "Personas beneficiadas",
        "communities": "Comunidades",
        "no_longer_cut_off": "Dejan de quedar aisladas en crecida",
        "mean_saving": "Ahorro medio por persona y viaje (promedio del año)",
        "per_trip": "{min} min",
        "appraisal": "Evaluación social",
        "appraisal_alone": "Evaluación social (la obra sola)",
        "benefit_year": "Beneficio anual (tiempo ahorrado)",
        "npv": "VAN social",
        "bc": "Beneficio/costo (B/C)",
        "eirr": "TIR social",
        "eirr_not_repaid": "no existe",
        "eirr_free": "no definida",
        "eirr_no_benefit": "no hay beneficios",
        "eirr_above": "más de 1\u00a0000\u00a0000\u00a0%",
        "eirr_note_not_repaid": "TIR «no existe»: los beneficios no recuperan la inversión.",
        "eirr_note_free": "TIR «no definida»: obra sin costo.",
        "eirr_note_no_benefit": (
            "TIR: no hay beneficios (la obra sola no ahorra tiempo que cuente)."
        ),
        "eirr_note_above": "",
        "pv_cost_person": "Costo (valor presente) por persona",
        "appraisal_note": (
            "Tasa de descuento {rate}, {years} años, tiempo a {vot} por hora ({source})."
        ),
        "why": "Por qué está en este puesto",
        "verify": "Verificar en campo",
        "table_title": "Minutos al destino más cercano, antes → después de la obra",
        "table_title_programme": (
            "Minutos al destino más cercano, antes de la cartera → con la cartera completa"
        ),
        "community": "Comunidad",
        "population": "Pobl.",
        "no_access": "sin acceso",
        "unchanged_note": (
            "Solo los destinos y épocas en que alguien gana. En gris: sin cambio que cuente "
            "(menos de {gain} min por viaje). «Sin acceso»: sin ruta en esa época (cuenta como "
            "{cap} min). ≈: población estimada."
        ),
        "more_rows": "… y {n} más ({people}): ver gains.csv.",
        "no_rows": "Sola no ahorra a ninguna comunidad {gain} min o más por viaje.",
        "footer_source": "Fuente de datos",
        "footer_run": "Corrida",
        "footer_made": "Hecha con connectivity {version}",
        "estimated_mark": "población estimada",
        "index_intro": (
            "Una ficha por obra de la cartera y por cada una de las {top} primeras del "
            "ranking que beneficia a alguien: {n}. La cartera cuesta {cost} de un presupuesto "
            "de {budget}."
        ),
        "index_intro_no_budget": (
            "Una ficha por cada una de las {top} primeras obras del ranking que beneficia a "
            "alguien: {n}. No se dio presupuesto: no hay cartera."
        ),
        "index_programme": "La cartera elegida, en su orden",
        "index_others": "Otras obras entre las {top} primeras del ranking",
        "index_pdf": "Todas las fichas en un PDF para imprimir (una página A4 cada una)",
        "col_rank": "Puesto",
        "col_order": "N.º",
        "col_name": "Obra",
        "col_type": "Tipo",
        "col_cost_net": "Costo neto",
        "col_people": "Personas",
        "col_programme": "En la cartera",
        "col_flags": "Verificar",
        "yes_order": "sí (n.º {order})",
        "no": "no",
        "flag_short": "sí",
    },
    "en": {
        "sheet": "Work sheet",
        "index_title": "Work sheets",
        "rank_of": "Rank {rank} of {n}",
        "in_programme": "In the programme · no. {order} of {n}",
        "not_in_programme": "Not in the programme",
        "synthetic": "Synthetic data: an invented sample region, not a real place.",
        "length": "{km} km",
        "span": "span {m} m",
        "proposal": "proposed by the community",
        "map_alt": "Map of the work and the communities that gain",
        "map_work": "The work",
        "map_gaining": "Communities that gain (by population)",
        "map_others": "Other communities",
        "map_before": "Route before",
        "map_after": "Route with the work: {name}, {season}",
        "map_after_programme": "Route with the programme: {name}, {season}",
        "synthetic_credit": "Synthetic data: an invented region",
        "costs": "Cost",
        "cost": "Investment",
        "cofinancing": "Co-financing",
        "cost_net": "Net cost (budget)",
        "cost_in_programme": "Paid by the programme (stage)",
        "cost_per_person": "Net cost per person benefited",
        "prices": "{year} prices.",
        "benefits": "Who gains",
        "benefits_programme": "Who gains with the programme",
        "people": "People benefited",
        "communities": "Communities",
        "no_longer_cut_off": "No longer cut off in floods",
        "mean_saving": "Mean saving per person and trip (over the year)",
        "per_trip": "{min} min",
        "appraisal": "Social appraisal",
        "appraisal_alone": "Social appraisal (the work alone)",
        "benefit_year": "Annual benefit (time saved)",
        "npv": "Social NPV",
        "bc": "Benefit/cost (B/C)",
        "eirr": "Social IRR",
        "eirr_not_repaid": "none",
        "eirr_free": "undefined",
        "eirr_no_benefit": "no benefits",
        "eirr_above": "over 1,000,000%",
        "eirr_note_not_repaid": ("IRR \u201cnone\u201d: the benefits do not repay the investment."),
        "eirr_note_free": "IRR \u201cundefined\u201d: the work costs nothing.",
        "eirr_note_no_benefit": (
            "IRR: there are no benefits (alone the work saves no time that counts)."
        ),
        "eirr_note_above": "",
        "pv_cost_person": "Cost (present value) per person",
        "appraisal_note": "Discount rate {rate}, {years} years, time at {vot} an hour ({source}).",
        "why": "Why it ranks here",
        "verify": "Verify in the field",
        "table_title": "Minutes to the nearest destination, before → after the work",
        "table_title_programme": (
            "Minutes to the nearest destination, before the programme → with all of it"
        ),
        "community": "Community",
        "population": "Pop.",
        "no_access": "no access",
        "unchanged_note": (
            "Only the destinations and states in which someone gains. Grey: no change that "
            "counts (under {gain} min per trip). \u201cNo access\u201d: no route in that state "
            "(counts as {cap} min). ≈: estimated population."
        ),
        "more_rows": "… and {n} more ({people}): see gains.csv.",
        "no_rows": "Alone it saves no community {gain} min or more per trip.",
        "footer_source": "Data source",
        "footer_run": "Run",
        "footer_made": "Made with connectivity {version}",
        "estimated_mark": "estimated population",
        "index_intro": (
            "One sheet per work of the programme and per work among the first {top} of the "
            "ranking that benefits anyone: {n}. The programme costs {cost} of a budget of "
            "{budget}."
        ),
        "index_intro_no_budget": (
            "One sheet per work among the first {top} of the ranking that benefits anyone: "
            "{n}. No budget was given: there is no programme."
        ),
        "index_programme": "The chosen programme, in its order",
        "index_others": "Other works among the first {top} of the ranking",
        "index_pdf": "All sheets in one PDF to print (one A4 page each)",
        "col_rank": "Rank",
        "col_order": "No.",
        "col_name": "Work",
        "col_type": "Type",
        "col_cost_net": "Net cost",
        "col_people": "People",
        "col_programme": "In the programme",
        "col_flags": "Verify",
        "yes_order": "yes (no. {order})",
        "no": "no",
        "flag_short": "yes",
    },
}

_FLAG_TEXT: dict[str, dict[str, str]] = {
    "es": {
        "inferred_crossing": (
            "Cruce de río inferido: OpenStreetMap no marca aquí ni puente ni vado, y el cálculo "
            "lo trata como un vado que la crecida corta. Ver si ya hay un puente."
        ),
        "estimated_population": (
            "Población estimada, no censada, de {names}: confirmar cuántas personas viven allí."
        ),
        "disconnected_piece": (
            "La ganancia viene de unir a la red una pieza suelta del mapa ({names}). "
            "Ver si de verdad no hay vía: OpenStreetMap puede no tener el camino que la une."
        ),
        "far_from_road": (
            "{names}: a más de {m} m de toda vía mapeada; su tiempo a pie hasta la vía es "
            "estimado. Ver por dónde se camina."
        ),
    },
    "en": {
        "inferred_crossing": (
            "Inferred river crossing: OpenStreetMap tags neither a bridge nor a ford here, and "
            "the model treats it as a ford that floods cut. Check whether a bridge exists."
        ),
        "estimated_population": (
            "Estimated, not counted, population of {names}: confirm how many people live there."
        ),
        "disconnected_piece": (
            "The gain comes from joining a loose piece of the map to the network ({names}). "
            "Check there is really no road: OpenStreetMap may miss the one that joins it."
        ),
        "far_from_road": (
            "{names}: more than {m} m from any mapped road; the walk to it is estimated. "
            "Check where people walk."
        ),
    },
}


def _names(names: Sequence[str], lang: Lang, *, limit: int = 4) -> str:
    """List names as a sentence does, the first ``limit`` and how many more."""
    shown = [n for n in names if n][:limit]
    rest = len([n for n in names if n]) - len(shown)
    if not shown:
        return "—"
    glue = " y " if lang == "es" else " and "
    if rest > 0:
        more = (
            plural(rest, "más", "más", lang=lang)
            if lang == "es"
            else plural(rest, "more", "more", lang=lang)
        )
        return ", ".join(shown) + glue + more
    return ", ".join(shown[:-1]) + glue + shown[-1] if len(shown) > 1 else shown[0]


def flag_items(
    flags: str, lang: Lang, *, names: Mapping[str, Sequence[str]], max_connector_m: float
) -> list[str]:
    """Say each flag of a work in plain words, with what to verify in the field.

    Parameters
    ----------
    flags : str
        The work's ``flags`` (``;``-joined codes of :data:`connectivity.ranking.flags.FLAGS`).
    lang : {"es", "en"}
    names : dict
        For each flag code, the communities it concerns (by name).
    max_connector_m : float
        The ``far_from_road`` distance.

    Returns
    -------
    list of str
        One sentence per flag, in the order of the codes; an unknown code is
        given as it is.

    Examples
    --------
    >>> flag_items("estimated_population", "es", names={"estimated_population": ["Ayllu"]},
    ...            max_connector_m=2000)
    ['Población estimada, no censada, de Ayllu: confirmar cuántas personas viven allí.']
    """
    out = []
    for code in [c for c in str(flags or "").split(";") if c]:
        template = _FLAG_TEXT[lang].get(code)
        if template is None:
            out.append(code)
            continue
        out.append(
            template.format(
                names=_names(names.get(code, ()), lang),
                m=fmt_number(max_connector_m, lang),
            )
        )
    return out


@dataclass(frozen=True)
class KeyGain:
    """The biggest gain of a work: one destination kind in one passability state."""

    kind: str
    season: str
    people: float
    """People of the communities whose trip there gets shorter."""
    newly_reachable: float
    """Of them, people with no route before (``sin acceso``)."""
    example: str = ""
    """The community with the largest saving (its name)."""
    before_min: float = float("nan")
    after_min: float = float("nan")


@dataclass(frozen=True)
class Why:
    """The facts behind a work's rank and its place in the programme, read off the tables.

    ``reason`` says why a work is not in the programme: ``"no_budget"``,
    ``"alternative"`` (a work at the same site is in it: ``other``),
    ``"stage"`` (it is a later stage of ``other``, in the programme; the
    increment ``increment`` would be due), ``"bc_hurdle"``, ``"hurdle"``,
    ``"budget"`` (its net cost is more than the budget left) or
    ``"outscored"`` (the search found works worth more for the money;
    ``overlap`` of its communities already gain from the programme).
    """

    rank: int
    n_ranked: int
    rank_by: str
    rank_value: float
    score_per_1000: float
    equity: bool
    people: float
    communities: int
    mean_min: float
    no_longer_cut_off: float
    currency: str
    key: KeyGain | None = None
    in_programme: bool = False
    order: int = 0
    programme_size: int = 0
    programme_score_per_1000: float = float("nan")
    alone_gains: bool = True
    programme_people: float = 0.0
    programme_communities: int = 0
    stage_of: str = ""
    partners: tuple[str, ...] = ()
    axis: str = ""
    axis_market: str = ""
    axis_works: tuple[str, ...] = ()
    reason: str = ""
    other: str = ""
    other_rank: int = 0
    increment: float = float("nan")
    budget: float = float("nan")
    budget_left: float = float("nan")
    cost_net: float = float("nan")
    hurdle: float = 1.0
    min_bc_ratio: float = 0.0
    bc_ratio: float = float("nan")
    overlap: int = 0
    kinds: tuple[str, ...] = field(default=("market", "school"))


_RANK_BY = {
    "es": {
        "score_per_1000": "por puntaje por cada 1000 soles de costo neto ({v})",
        "bc_ratio": "por relación beneficio/costo ({v})",
        "npv": "por VAN social ({v})",
        "cost_effectiveness": (
            "por costo (valor presente) por persona beneficiada, menor primero ({v})"
        ),
    },
    "en": {
        "score_per_1000": "by score per 1,000 soles of net cost ({v})",
        "bc_ratio": "by benefit/cost ratio ({v})",
        "npv": "by social NPV ({v})",
        "cost_effectiveness": "by present-value cost per person benefited, lowest first ({v})",
    },
}


def _figure(value: float, lang: Lang) -> str:
    """Write a ratio with the decimals it needs: 212,2 · 2,0 · 0,46 · 0,005."""
    size = abs(value)
    if size >= 1 or size == 0 or not math.isfinite(size):
        return fmt_number(value, lang, decimals=1)
    decimals = min(1 - math.floor(math.log10(size)), 4)
    text = fmt_number(value, lang, decimals=decimals).rstrip("0")
    return text + "0" if text.endswith((",", ".")) else text


def _rank_value(why: Why, lang: Lang) -> str:
    v = why.rank_value
    if why.rank_by in ("npv", "cost_effectiveness"):
        return fmt_money(v, why.currency, lang)
    return fmt_number(v, lang, decimals=2) if why.rank_by == "bc_ratio" else _figure(v, lang)


def _score_sentence(why: Why, lang: Lang) -> str:
    by = _RANK_BY[lang].get(why.rank_by, _RANK_BY[lang]["score_per_1000"])
    head = TEXT[lang]["rank_of"].format(rank=why.rank, n=fmt_number(why.n_ranked, lang))
    kinds = [kind_labels(k, lang)["plural"] for k in why.kinds]
    glue = " y " if lang == "es" else " and "
    listed = ", ".join(kinds[:-1]) + glue + kinds[-1] if len(kinds) > 1 else "".join(kinds)
    if lang == "es":
        what = (
            f"el puntaje suma los minutos que ahorra cada persona por viaje a {listed}, "
            "ponderados por destino y por los días de cada época"
            + ("; los de los distritos más pobres cuentan más" if why.equity else "")
        )
        return f"{head} {by.format(v=_rank_value(why, lang))}: {what}."
    what = (
        f"the score adds up the minutes each person saves per trip to {listed}, weighted by "
        "destination and by the days of each state of the year"
        + ("; those of the poorer districts count more" if why.equity else "")
    )
    return f"{head} {by.format(v=_rank_value(why, lang))}: {what}."


def _people_sentence(why: Why, lang: Lang) -> str:
    if why.people <= 0:
        return ""
    if lang == "es":
        comm = plural(why.communities, "comunidad", "comunidades", lang=lang)
        text = (
            f"Beneficia a {plural(why.people, 'persona', 'personas', lang=lang)} de {comm}, "
            f"que ahorran en promedio {fmt_number(why.mean_min, lang)} min por viaje "
            "(promedio del año, sumando destinos)"
        )
    else:
        comm = plural(why.communities, "community", "communities", lang=lang)
        text = (
            f"It benefits {plural(why.people, 'person', 'people', lang=lang)} in {comm}, who "
            f"save {fmt_number(why.mean_min, lang)} min per trip on average (over the year, "
            "destinations added up)"
        )
    key = why.key
    if key is not None:
        text += "; " + _key_clause(key, lang)
    return text + "."


def _key_clause(key: KeyGain, lang: Lang) -> str:
    dest = kind_labels(key.kind, lang)["dest"]
    when = SEASON_WORDS[lang][key.season]["when"]
    if key.newly_reachable > 0:
        people = plural(key.newly_reachable, "persona", "personas", lang=lang)
        if lang == "es":
            return f"su mayor ganancia es {when}: {people} sin ruta a un {dest} la tienen"
        people = plural(key.newly_reachable, "person", "people", lang=lang)
        return f"its largest gain is {when}: {people} with no route to a {dest} get one"
    before = fmt_number(key.before_min, lang)
    after = fmt_number(key.after_min, lang)
    if lang == "es":
        return (
            f"su mayor ganancia es {when}: el viaje de {key.example} al {dest} más cercano "
            f"baja de {before} a {after} min"
        )
    return (
        f"its largest gain is {when}: the trip from {key.example} to the nearest {dest} "
        f"falls from {before} to {after} min"
    )


def _programme_sentence(why: Why, lang: Lang) -> str:
    es = lang == "es"
    n = fmt_number(why.programme_size, lang)
    if es:
        text = f"Está en la cartera (n.º {why.order} de {n}): "
    else:
        text = f"It is in the programme (no. {why.order} of {n}): "
    per = _figure(why.programme_score_per_1000, lang)
    if not why.alone_gains:
        people = plural(
            why.programme_people,
            *(("persona", "personas") if es else ("person", "people")),
            lang=lang,
        )
        partners = _names(list(why.partners), lang) if why.partners else ""
        if es:
            with_ = (
                f"junto con {partners}, también en la cartera,"
                if partners
                else "con las obras elegidas antes"
            )
            text += (
                f"sola no ahorra a nadie lo bastante para contar (de ahí su puesto), pero "
                f"{with_} sí: mejora los viajes de {people}, {per} por cada 1000 soles"
            )
        else:
            with_ = (
                f"together with {partners}, also in the programme,"
                if partners
                else "with the works chosen before it"
            )
            text += (
                f"alone it saves no one enough to count (hence its rank), but {with_} it "
                f"does: it improves the trips of {people}, {per} per 1,000 soles"
            )
    elif why.order == 1:
        text += (
            f"la primera elegida, por su puntaje por sol ({per} por cada 1000 soles)"
            if es
            else f"the first chosen, by its score per sol ({per} per 1,000 soles)"
        )
    elif es:
        text += (
            f"elegida por su puntaje por sol medido sobre la red ya mejorada por las obras "
            f"anteriores ({per} por cada 1000 soles)"
        )
    else:
        text += (
            f"chosen by its score per sol measured on the network already improved by the "
            f"works before it ({per} per 1,000 soles)"
        )
    if why.stage_of:
        text += (
            f"; es una etapa posterior de {why.stage_of}: la cartera paga solo el incremento"
            if es
            else f"; it is a later stage of {why.stage_of}: the programme pays the increment only"
        )
    elif why.partners and why.alone_gains:
        partners = _names(list(why.partners), lang)
        text += (
            f"; rinde más junto con {partners}, también en la cartera"
            if es
            else f"; it pays more together with {partners}, also in the programme"
        )
    text += "."
    if why.axis:
        others = _names(list(why.axis_works), lang) if why.axis_works else ""
        towards = [
            (f"hacia {why.axis_market}" if es else f"towards {why.axis_market}")
            if why.axis_market
            else "",
            (f"con {others}" if es else f"with {others}") if others else "",
        ]
        detail = ", ".join(p for p in towards if p)
        text += f" {'Es parte del eje' if es else 'It belongs to axis'} {why.axis}"
        text += f" ({detail})." if detail else "."
    return text


def _outside_sentence(why: Why, lang: Lang) -> str:
    es = lang == "es"

    def money(value: float) -> str:
        return fmt_money(value, why.currency, lang)

    head = "No está en la cartera: " if es else "It is not in the programme: "
    reason = why.reason
    if reason == "no_budget":
        return (
            "No se dio presupuesto, así que no hay cartera."
            if es
            else "No budget was given, so there is no programme."
        )
    if reason == "alternative":
        if es:
            return (
                head + f"en el mismo sitio la cartera lleva {why.other} (puesto {why.other_rank}), "
                "y una cartera no paga dos obras en un sitio."
            )
        return (
            head + f"the programme holds {why.other} (rank {why.other_rank}) at the same site, "
            "and a programme never pays for two works at one site."
        )
    if reason == "stage":
        fits = why.increment <= why.budget_left
        if es:
            tail = (
                "cabría en lo que queda, pero lo que añade no rinde lo bastante por sol"
                if fits
                else f"no cabe en lo que queda del presupuesto ({money(why.budget_left)})"
            )
            return (
                head + f"es una etapa posterior de {why.other}, que sí está en ella; "
                f"costaría solo el incremento, {money(why.increment)}, y {tail}."
            )
        tail = (
            "it would fit in what is left, but what it adds does not pay enough per sol"
            if fits
            else f"it does not fit in what is left of the budget ({money(why.budget_left)})"
        )
        return (
            head + f"it is a later stage of {why.other}, which is in it; it would cost the "
            f"increment only, {money(why.increment)}, and {tail}."
        )
    if reason == "bc_hurdle":
        bc = fmt_number(why.bc_ratio, lang, decimals=2)
        minimum = fmt_number(why.min_bc_ratio, lang, decimals=2)
        if es:
            return head + f"su relación B/C ({bc}) está bajo el mínimo exigido de {minimum}."
        return head + f"its B/C ratio ({bc}) is below the minimum of {minimum} required."
    if reason == "hurdle":
        per = _figure(why.score_per_1000, lang)
        hurdle = _figure(why.hurdle, lang)
        if es:
            return head + f"su puntaje por cada 1000 soles ({per}) no llega al mínimo de {hurdle}."
        return head + f"its score per 1,000 soles ({per}) is below the minimum of {hurdle}."
    if reason == "budget":
        if es:
            return (
                head + f"su costo neto, {money(why.cost_net)}, es más de lo que queda del "
                f"presupuesto, {money(why.budget_left)} de {money(why.budget)}."
            )
        return (
            head + f"its net cost, {money(why.cost_net)}, is more than what is left of the "
            f"budget, {money(why.budget_left)} of {money(why.budget)}."
        )
    overlap = ""
    if why.overlap > 0:
        comm = plural(
            why.overlap,
            *(("comunidad", "comunidades") if es else ("community", "communities")),
            lang=lang,
        )
        overlap = (
            f" {comm} de las suyas ya ganan con obras de la cartera: sobre esa red, lo que "
            "añade vale menos."
            if es
            else f" {comm} of its own already gain from works of the programme: on that "
            "network, what it adds is worth less."
        )
    if es:
        return (
            head
            + "con el mismo presupuesto, otras obras juntas ahorran más minutos por sol."
            + overlap
        )
    return head + "for the same budget, other works together save more minutes per sol." + overlap


def why_paragraph(why: Why, lang: Lang) -> str:
    r"""Say in one paragraph why a work ranks where it does, and why it is in the programme or not.

    Examples
    --------
    >>> why = Why(rank=3, n_ranked=1275, rank_by="score_per_1000", rank_value=212.15,
    ...     score_per_1000=212.15, equity=False, people=2503, communities=1, mean_min=45.2,
    ...     no_longer_cut_off=0, currency="PEN", reason="budget", cost_net=225000,
    ...     budget=1e6, budget_left=1e5)
    >>> print(why_paragraph(why, "es").replace("\xa0", " "))  # doctest: +NORMALIZE_WHITESPACE
    Puesto 3 de 1275 por puntaje por cada 1000 soles de costo neto (212,2): el puntaje suma
    los minutos que ahorra cada persona por viaje a mercados y colegios, ponderados por
    destino y por los días de cada época. Beneficia a 2503 personas de 1 comunidad, que
    ahorran en promedio 45 min por viaje (promedio del año, sumando destinos). No está en la
    cartera: su costo neto, S/ 225 000, es más de lo que queda del presupuesto, S/ 100 000
    de S/ 1 000 000.
    """
    parts = [_score_sentence(why, lang), _people_sentence(why, lang)]
    parts.append(
        _programme_sentence(why, lang) if why.in_programme else _outside_sentence(why, lang)
    )
    return " ".join(p for p in parts if p)
