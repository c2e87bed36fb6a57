"""The Invierte.pe-ready table: one row per work a planner may formulate as an investment.

Peru's public investments are formulated in MEF's Invierte.pe system; a
rural road's idea or profile asks, per work, for the district (UBIGEO), the
centros poblados served, the length and the surface before and after, the
type of intervention, the population of the area of influence, the
investment, the yearly maintenance and the social appraisal. This module
gathers them for the works of the programme (in programme order) and the
top ``[ranking] top_n`` works of the ranking not in it (by rank), from what
the run already knows (a top work that benefits no one has nothing to
formulate and is left out); ``invierte_pe.csv`` (English snake_case columns,
described in the columns dictionary) and a sheet of the workbook show them.

Rules
-----
UBIGEO (the district's 6-digit INEI code), from the population source:

1. a ``ubigeo`` column of the communities (any case; keep it with
   ``[population] extra_columns``), zero-padded to 6 digits
   (``ubigeo_source = "population_column"``);
2. else, when the population file's id column names the UBIGEO (INEI's
   ``codigo_de_ubigeo_y_centro_poblado``) and every id is 10 digits, the
   first 6 digits of the centro poblado's code (``"ccpp_code"``);
3. else empty (``""``): the synthetic sample has district names and no
   code, OpenStreetMap places have neither; find the code in INEI's list by
   the district.

A code that is not 6 digits with a department 01-25 is left out. A work
serving several districts lists their codes, most people first, ``;``-joined.

Intervention type (:func:`intervention_type`): ``puente`` for a bridge;
``creación`` for a new road (no class before); ``mejoramiento`` when the
surface class after ranks above the worst class before (camino < trocha <
sin_afirmar < afirmado < asfaltado); ``recuperación`` when it stays (the
road is brought back to its class). Empty when the work says no class.

Population of the area of influence: the people of the centros poblados
that gain from the work alone on today's network (``people_benefited`` of
``ranking.csv``; ``gains.csv`` lists them). A programme work that gains
nothing alone pays only together with others (a bundle): its centros poblados
and people are those it improves in the programme, as its work sheet counts
them (:func:`connectivity.deliverables.fichas_facts.communities_served`), and
``beneficiaries_basis`` says so (``"in the programme, with BRG-0060;
BRG-0061"``; ``"work alone"`` otherwise). ``programme_order`` is empty for a
work outside the programme. Yearly maintenance with the
work: the ``[appraisal]`` tables (or their defaults) by the class after,
routine per km plus the periodic one, as a mean over the appraisal's horizon;
a bridge, its yearly upkeep share of its cost. ``maintenance_change_per_year``
is the appraisal's (with the work less without it). Investment per person
benefited is the whole cost (co-financing included) over the people.
"""

from __future__ import annotations

import logging
import re
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from connectivity.config import AppraisalSection, RegionConfig
from connectivity.deliverables.fichas_facts import (
    Rows,
    communities_served,
    gains_by_work,
    improved_positions,
)
from connectivity.ranking import RankingResult
from connectivity.tables import write_csv
from connectivity.works import WorkSet

__all__ = [
    "BASIS_ALONE",
    "BASIS_PROGRAMME",
    "CLASS_ORDER",
    "INVIERTE_COLUMNS",
    "beneficiaries_basis",
    "intervention_type",
    "invierte_table",
    "ubigeo_of_communities",
    "write_invierte_table",
]

log = logging.getLogger(__name__)

#: Columns of :func:`invierte_table` (``invierte_pe.csv``, before ``data_source`` and ``run_id``).
INVIERTE_COLUMNS: tuple[str, ...] = (
    "work_id",
    "rank",
    "in_programme",
    "programme_order",
    "name",
    "work_type",
    "intervention_type",
    "ubigeo",
    "ubigeo_source",
    "districts",
    "communities_served",
    "community_ids",
    "community_names",
    "length_km",
    "span_m",
    "class_before",
    "class_after",
    "people_benefited",
    "beneficiaries_basis",
    "investment",
    "cofinancing_share",
    "investment_net",
    "maintenance_per_year",
    "maintenance_change_per_year",
    "investment_per_person_benefited",
    "npv",
    "bc_ratio",
    "eirr",
    "pv_cost_per_person_benefited",
    "flags",
    "currency",
    "price_year",
)

#: ``beneficiaries_basis`` of a work counted alone, and (its start) of one counted in the programme.
BASIS_ALONE = "work alone"
BASIS_PROGRAMME = "in the programme"

#: Road classes from the worst surface to the best.
CLASS_ORDER: tuple[str, ...] = ("camino", "trocha", "sin_afirmar", "afirmado", "asfaltado")
_RANK = {c: i for i, c in enumerate(CLASS_ORDER)}
_UBIGEO = re.compile(r"^(0[1-9]|1\d|2[0-5])\d{4}$")
_CCPP = re.compile(r"^\d{10}$")


def _classes(text: object) -> list[str]:
    """Return the road classes of a ``class_before``/``class_after`` ("sin_afirmar/trocha")."""
    if not isinstance(text, str):
        return []
    return [c for c in text.split("/") if c in _RANK]


def intervention_type(
    work_type: str, class_before: object, class_after: object, *, length_m: float, span_m: float
) -> str:
    """Name a work's intervention as Invierte.pe does.

    Parameters
    ----------
    work_type : str
        ``upgrade``, ``new_link``, ``bridge`` or a proposal's own type.
    class_before, class_after : str
        Road classes (``/``-joined when several); empty before for a new road.
    length_m, span_m : float
        Road length worked on, bridge span.

    Returns
    -------
    str
        ``puente``, ``creación``, ``mejoramiento``, ``recuperación``, or ``""``
        when the work says no class.

    Examples
    --------
    >>> intervention_type("bridge", "trocha", "trocha", length_m=0, span_m=12)
    'puente'
    >>> intervention_type("new_link", "", "afirmado", length_m=900, span_m=0)
    'creación'
    >>> intervention_type("upgrade", "sin_afirmar/trocha", "afirmado", length_m=4e3, span_m=0)
    'mejoramiento'
    >>> intervention_type("rehabilitación", "afirmado", "afirmado", length_m=2e3, span_m=0)
    'recuperación'
    """
    if work_type == "bridge" or (span_m > 0 and length_m <= 0):
        return "puente"
    before, after = _classes(class_before), _classes(class_after)
    if not after:
        return ""
    if not before:
        return "creación"
    worst_before = min(_RANK[c] for c in before)
    best_after = max(_RANK[c] for c in after)
    return "mejoramiento" if best_after > worst_before else "recuperación"


def _clean_ubigeo(value: object) -> str:
    if value is None or (isinstance(value, float) and not np.isfinite(value)):
        return ""
    text = str(value).strip()
    if re.fullmatch(r"\d+(\.0+)?", text):
        text = text.split(".")[0].zfill(6)
    return text if _UBIGEO.match(text) else ""


def ubigeo_of_communities(
    communities: pd.DataFrame, *, id_column: str | None
) -> tuple[pd.Series, str]:
    """Each community's district UBIGEO, and where it comes from (see the module's rules).

    Parameters
    ----------
    communities : pandas.DataFrame
        ``community_id`` and, when the source has one, a ``ubigeo`` column.
    id_column : str or None
        The population file's id column (``[population] id_column``).

    Returns
    -------
    (pandas.Series, str)
        The codes indexed by ``community_id`` (``""`` where unknown), and
        ``"population_column"``, ``"ccpp_code"`` or ``""``.

    Examples
    --------
    >>> villages = pd.DataFrame({"community_id": ["0501010001", "0502030004"]})
    >>> codes, source = ubigeo_of_communities(
    ...     villages, id_column="codigo_de_ubigeo_y_centro_poblado")
    >>> codes.tolist(), source
    (['050101', '050203'], 'ccpp_code')
    >>> ubigeo_of_communities(villages, id_column="id")[1]
    ''
    """
    ids = communities["community_id"].astype(str)
    own = [c for c in communities.columns if str(c).lower() == "ubigeo"]
    if own:
        codes = communities[own[0]].map(_clean_ubigeo)
        return pd.Series(codes.to_numpy(), index=ids.to_numpy(), dtype=object), "population_column"
    if id_column and "ubigeo" in id_column.lower() and ids.map(_CCPP.match).notna().all():
        codes = ids.str[:6].map(_clean_ubigeo)
        return pd.Series(codes.to_numpy(), index=ids.to_numpy(), dtype=object), "ccpp_code"
    return pd.Series("", index=ids.to_numpy(), dtype=object), ""


def _maintenance_tables(config: RegionConfig) -> Any:
    """Return the ``[appraisal]`` section, or one with its defaults (value of time unused)."""
    if config.appraisal is not None:
        return config.appraisal
    return AppraisalSection(value_of_time_per_hour=1.0, value_of_time_source="unused")


def _maintenance_per_year(works: pd.DataFrame, config: RegionConfig) -> pd.Series:
    """Yearly maintenance of each work once built: by its class after, or a bridge's upkeep."""
    params = _maintenance_tables(config)
    horizon = int(params.horizon_years)
    every = max(int(params.periodic_every_years), 1)
    times = horizon // every  # periodic maintenance done within the horizon
    out = []
    for _, work in works.iterrows():
        km = float(work.get("length_m", 0.0) or 0.0) / 1e3
        after = _classes(work.get("class_after"))
        best = max(after, key=_RANK.__getitem__) if after else ""
        if km <= 0 and float(work.get("span_m", 0.0) or 0.0) > 0:
            out.append(float(params.bridge_upkeep_share_per_year) * float(work["cost"]))
            continue
        routine = float(params.routine_per_km_year.get(best, 0.0))
        periodic = float(params.periodic_per_km.get(best, 0.0))
        out.append(km * (routine + periodic * times / horizon))
    return pd.Series(out, index=works.index, dtype=float)


def beneficiaries_basis(rows: Rows) -> str:
    """Say on which basis a work's beneficiaries are counted (``beneficiaries_basis``).

    Examples
    --------
    >>> beneficiaries_basis(Rows(pd.DataFrame(), alone=True))
    'work alone'
    >>> beneficiaries_basis(Rows(pd.DataFrame(), alone=False, partners=("BRG-0060", "BRG-0061")))
    'in the programme, with BRG-0060; BRG-0061'
    """
    if rows.alone:
        return BASIS_ALONE
    return BASIS_PROGRAMME + (", with " + "; ".join(rows.partners) if rows.partners else "")


def _served(rows: Rows, ubigeo: pd.Series) -> dict[str, Any]:
    """Describe the centros poblados a work serves (most people first): people, districts."""
    frame = rows.frame
    pop = pd.to_numeric(frame.get("population", pd.Series(dtype=float)), errors="coerce")
    table = frame.assign(_pop=pop.fillna(0.0), _id=frame["community_id"].astype(str))
    table = table.sort_values(["_pop", "_id"], ascending=[False, True], kind="stable")
    codes = [ubigeo.get(c, "") for c in table["_id"]]
    districts = table["district"] if "district" in table.columns else pd.Series(dtype=object)
    names = table["name"] if "name" in table.columns else pd.Series("", index=table.index)
    return {
        "community_ids": ";".join(table["_id"]),
        "community_names": ";".join(names.fillna("").astype(str)),
        "communities_served": len(table),
        "people": float(table["_pop"].sum()),
        "ubigeo": ";".join(dict.fromkeys(c for c in codes if c)),
        "districts": ";".join(dict.fromkeys(str(d) for d in districts if isinstance(d, str) and d)),
        "beneficiaries_basis": beneficiaries_basis(rows),
    }


def _selected(ranking: pd.DataFrame, top_n: int) -> pd.DataFrame:
    """Return the programme's works in its order, then the top-N others that gain, by rank."""
    programme = ranking[ranking["in_portfolio"].astype(bool)].sort_values(
        "portfolio_order", kind="stable"
    )
    gains = pd.to_numeric(ranking["score"], errors="coerce").fillna(0.0) > 0
    top = ranking[~ranking["in_portfolio"].astype(bool) & (ranking["rank"] <= top_n) & gains]
    return pd.concat([programme, top.sort_values("rank", kind="stable")])


def invierte_table(
    result: RankingResult,
    *,
    works: WorkSet,
    communities: pd.DataFrame,
    config: RegionConfig,
) -> pd.DataFrame:
    """Build the Invierte.pe-ready table for the programme's works and the top-N works.

    Parameters
    ----------
    result : connectivity.ranking.RankingResult
        The ranking (``ranking``, ``gains``, ``currency``, ``price_year``).
    works : connectivity.works.WorkSet
        The candidate works (``class_before``, ``class_after``, ``length_m``, ``span_m``).
    communities : pandas.DataFrame
        The communities with the population source's columns (the run's
        ``access`` table or ``network.communities``).
    config : RegionConfig
        For ``[ranking] top_n``, ``[population] id_column`` and the
        maintenance tables of ``[appraisal]`` (or their defaults).

    Returns
    -------
    pandas.DataFrame
        Columns :data:`INVIERTE_COLUMNS`, one row per work: the programme in
        its order, then the top-N works outside it by rank.
    """
    ranking = pd.DataFrame(result.ranking)
    if ranking.index.name == "work_id":
        ranking = ranking.reset_index()
    chosen = _selected(ranking, int(config.ranking.top_n)).set_index("work_id", drop=False)
    table = works.works.reindex(chosen.index)
    ubigeo, source = ubigeo_of_communities(communities, id_column=config.population.id_column)
    gains, improved = gains_by_work(result), improved_positions(result)
    by_id = communities.set_index(communities["community_id"].astype(str).to_numpy())
    facts = pd.DataFrame(
        [
            _served(
                communities_served(
                    result, str(w), gains=gains, improved=improved, communities=by_id
                ),
                ubigeo,
            )
            for w in chosen.index
        ],
        index=chosen.index,
    )
    length_m = pd.to_numeric(table["length_m"], errors="coerce").fillna(0.0)
    span_m = pd.to_numeric(table["span_m"], errors="coerce").fillna(0.0)
    alone = facts["beneficiaries_basis"] == BASIS_ALONE
    people = pd.to_numeric(chosen["people_benefited"], errors="coerce").fillna(0.0)
    people = people.where(alone, facts["people"])
    cost = pd.to_numeric(chosen["cost"], errors="coerce")
    before = table.get("class_before", pd.Series("", index=table.index)).fillna("")
    after = table.get("class_after", pd.Series("", index=table.index)).fillna("")

    def column(name: str) -> pd.Series:
        if name in chosen.columns:
            return chosen[name]
        return pd.Series(np.nan, index=chosen.index, dtype=float)

    if "maintenance_change_per_year" in chosen.columns:
        change = chosen["maintenance_change_per_year"]
    else:
        change = _maintenance_per_year(table.assign(cost=cost), config) - _maintenance_per_year(
            table.assign(cost=0.0, class_after=before, span_m=0.0), config
        )
    out = pd.DataFrame(
        {
            "work_id": chosen.index.astype(str),
            "rank": chosen["rank"].astype(int),
            "in_programme": chosen["in_portfolio"].astype(bool),
            "programme_order": pd.to_numeric(chosen["portfolio_order"], errors="coerce")
            .where(chosen["in_portfolio"].astype(bool))
            .astype("Int64"),
            "name": chosen["name"],
            "work_type": chosen["work_type"],
            "intervention_type": [
                intervention_type(str(t), b, a, length_m=float(lm), span_m=float(sm))
                for t, b, a, lm, sm in zip(
                    chosen["work_type"], before, after, length_m, span_m, strict=True
                )
            ],
            "ubigeo": facts["ubigeo"],
            "ubigeo_source": np.where(facts["ubigeo"] != "", source, ""),
            "districts": facts["districts"],
            "communities_served": facts["communities_served"].astype(int),
            "community_ids": facts["community_ids"],
            "community_names": facts["community_names"],
            "length_km": length_m / 1e3,
            "span_m": span_m,
            "class_before": before,
            "class_after": after,
            "people_benefited": people,
            "beneficiaries_basis": facts["beneficiaries_basis"],
            "investment": cost,
            "cofinancing_share": column("cofinancing_share"),
            "investment_net": column("cost_net"),
            "maintenance_per_year": _maintenance_per_year(table.assign(cost=cost), config),
            "maintenance_change_per_year": change,
            "investment_per_person_benefited": cost / people.where(people > 0),
            "npv": column("npv"),
            "bc_ratio": column("bc_ratio"),
            "eirr": column("eirr"),
            "pv_cost_per_person_benefited": column("pv_cost_per_person_benefited"),
            "flags": column("flags").fillna("") if "flags" in chosen.columns else "",
            "currency": result.currency,
            "price_year": int(result.price_year),
        },
        index=chosen.index,
    ).reset_index(drop=True)
    log.info(
        "Invierte.pe table: %d works (%d of the programme, top %d), UBIGEO %s",
        len(out),
        int(out["in_programme"].sum()),
        int(config.ranking.top_n),
        {
            "population_column": "from the population source's ubigeo column",
            "ccpp_code": "from INEI's centro poblado codes",
            "": "not in the population source",
        }[source],
    )
    return out[list(INVIERTE_COLUMNS)]


def write_invierte_table(
    path: Path,
    table: pd.DataFrame,
    *,
    data_source: str,
    run_id: str = "",
) -> Path:
    """Write the Invierte.pe table (:func:`invierte_table`) as ``invierte_pe.csv``.

    Parameters
    ----------
    path : Path
        Target file (``outputs/<region>/invierte_pe.csv``).
    table : pandas.DataFrame
        :func:`invierte_table`'s result.
    data_source, run_id : str
        As every table (:func:`connectivity.tables.write_csv`).

    Returns
    -------
    Path
    """
    return write_csv(table, Path(path), data_source=data_source, run_id=run_id)
