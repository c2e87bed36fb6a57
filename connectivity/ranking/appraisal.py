"""The annual, monetised appraisal of a work: hours saved a year, valued, against its costs.

For each work the ranking already knows, per destination kind ``k`` and
season ``s``, the person-minutes saved per one-way trip (``{k}_{s}_person_min_saved``:
everyone of each community that gains, the minimum-gain rule applied, trips
with no route counted at ``unreachable_cap_min``). The appraisal turns them
into money over the life of the work::

    hours a year  = Σ_k Σ_s  days_s / 365 × trips_k × legs × PM_{k,s} / 60
    benefit a year = hours a year × value of time (S/ per hour)

* ``trips_k`` — round trips per person and year to a destination of kind
  ``k`` (:class:`TripRate`: per person, per household ÷ household size, or
  per school-age child × the school-age share);
* ``legs`` — 2: the saving of the way there is counted on the way back too
  (the return is not searched: on slopes it differs);
* ``days_s`` — the days a year of each passability state (``dry_days``,
  ``rain_days``, ``wet_days`` of ``[ranking]``: dry; rains with fords
  passable; rivers in flood with fords and unbridged crossings shut);
* a trip with no route before the work counts as ``unreachable_cap_min``
  (480 min) each way, as in the ranking: a lost round trip counts as two
  8-hour days. This weighs isolation heavily; lower ``unreachable_cap_min``
  to weigh it less.

Costs: the investment (``cost``, the whole social cost, co-financing
included) in year 0, and the change in yearly maintenance in years
1..horizon: routine maintenance per km by road class after minus before,
periodic maintenance every :attr:`AppraisalParameters.periodic_every_years`
years, and a bridge's upkeep as a share of its cost. Benefits and
maintenance are discounted at the social discount rate. Per work:

``benefit_per_year``, ``pv_benefits``, ``pv_costs``, ``npv`` (VAN social),
``bc_ratio`` (B/C), ``eirr`` (TIR social; empty when the flows have no
rate that makes them zero), and ``pv_cost_per_person_benefited`` — the
cost-effectiveness indicator of MEF's guides for low-traffic roads
(present value of costs per person benefited).

Left out, and said so in the outputs: generated traffic, freight and vehicle
operating costs, wider economic effects, residual value at the horizon,
social price correction factors (costs are at market prices), growth of
population or trips.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np
import pandas as pd
from scipy.optimize import brentq

from connectivity.errors import ConfigError
from connectivity.i18n import Lang
from connectivity.ranking.measures import SEASONS
from connectivity.ranking.words import Words

__all__ = [
    "APPRAISAL_COLUMNS",
    "AppraisalParameters",
    "TripRate",
    "appraise_programme",
    "appraise_works",
    "eirr",
]

#: Columns :func:`appraise_works` adds to a ranking table.
APPRAISAL_COLUMNS: tuple[str, ...] = (
    "hours_saved_per_year",
    "benefit_per_year",
    "maintenance_change_per_year",
    "pv_benefits",
    "pv_costs",
    "npv",
    "bc_ratio",
    "eirr",
    "pv_cost_per_person_benefited",
)

Per = Literal["person", "household", "child"]


@dataclass(frozen=True)
class TripRate:
    """Round trips a year to one kind of destination, and who makes them.

    Attributes
    ----------
    per_year : float
        Round trips a year per unit.
    per : {"person", "household", "child"}
        The unit: every person; every household (one person goes: the rate
        is divided by the household size); every school-age child (the rate
        is multiplied by the school-age share of the population).
    """

    per_year: float
    per: Per = "person"


@dataclass(frozen=True)
class AppraisalParameters:
    """Everything the appraisal assumes (the ``[appraisal]`` config section).

    Attributes
    ----------
    value_of_time_per_hour : float
        Social value of an hour of a person's time, in the works' currency.
    value_of_time_source : str
        Where that value comes from (said in every output).
    trips : mapping of str to TripRate
        Round trips a year by destination kind.
    household_size, school_age_share : float
        People per household; share of the population of school age.
    discount_rate : float
        Social discount rate (MEF: 8% a year, real).
    horizon_years : int
        Years of benefits and maintenance after the investment.
    legs_per_trip : int
        One-way journeys per round trip whose saving counts (2).
    routine_per_km_year, periodic_per_km : mapping of str to float
        Maintenance cost per km by road class: routine, every year; periodic,
        every ``periodic_every_years`` years.
    bridge_upkeep_share_per_year : float
        Yearly upkeep of a bridge as a share of its cost.
    """

    value_of_time_per_hour: float
    value_of_time_source: str
    trips: Mapping[str, TripRate]
    household_size: float
    school_age_share: float
    discount_rate: float = 0.08
    horizon_years: int = 20
    legs_per_trip: int = 2
    routine_per_km_year: Mapping[str, float] = field(default_factory=dict)
    periodic_per_km: Mapping[str, float] = field(default_factory=dict)
    periodic_every_years: int = 5
    bridge_upkeep_share_per_year: float = 0.01
    sources: Mapping[str, str] = field(default_factory=dict)

    @classmethod
    def from_section(cls, section: Any) -> AppraisalParameters:
        """Build the parameters from a config section (``AppraisalSection``) or return them.

        Parameters
        ----------
        section : AppraisalSection or AppraisalParameters

        Returns
        -------
        AppraisalParameters
        """
        if isinstance(section, AppraisalParameters):
            return section
        return cls(
            value_of_time_per_hour=float(section.value_of_time_per_hour),
            value_of_time_source=str(section.value_of_time_source),
            trips={k: TripRate(float(t.per_year), t.per) for k, t in section.trips.items()},
            household_size=float(section.household_size),
            school_age_share=float(section.school_age_share),
            discount_rate=float(section.discount_rate),
            horizon_years=int(section.horizon_years),
            routine_per_km_year=dict(section.routine_per_km_year),
            periodic_per_km=dict(section.periodic_per_km),
            periodic_every_years=int(section.periodic_every_years),
            bridge_upkeep_share_per_year=float(section.bridge_upkeep_share_per_year),
        )

    def describe(
        self, currency: str, *, lang: Lang = "en", kinds: Sequence[str] | None = None
    ) -> list[str]:
        r"""Say the assumptions, a line each, for the explanation (in ``lang``).

        ``kinds``: the destination kinds measured (default: every kind with a
        trip rate); the trip rates of other kinds are not said.

        Examples
        --------
        >>> trips = {"market": TripRate(52, "household")}
        >>> params = AppraisalParameters(3.5, "MEF", trips, 4, 0.25)
        >>> for line in params.describe("PEN", lang="es")[:2]:  # doctest: +NORMALIZE_WHITESPACE
        ...     print(line.replace("\xa0", " "))
        valor social del tiempo S/ 3,50 por hora (fuente: MEF)
        viajes: mercado 52 viajes de ida y vuelta al año por hogar; tamaño del hogar 4,
        proporción en edad escolar 25 % (supuestos)
        """
        w = Words(lang)
        trips = ", ".join(
            w.text(
                "trip_rate",
                kind=w.kind_short(kind),
                trips=w.count(rate.per_year, "round_trip", decimals=None),
                per=w.text(f"per_{rate.per}"),
            )
            for kind, rate in self.trips.items()
            if kinds is None or kind in kinds
        )

        def costs(per_km: Mapping[str, float]) -> str:
            return ", ".join(
                w.text("road_class_cost", road_class=k.replace("_", " "), amount=w.number(v))
                for k, v in per_km.items()
            )

        return [
            w.text(
                "value_of_time",
                value=w.money(self.value_of_time_per_hour, currency, exact=True),
                source=self.value_of_time_source,
            ),
            w.text(
                "trips",
                rates=trips,
                household=w.plain(self.household_size),
                school_share=w.pct(self.school_age_share),
            ),
            w.text(
                "discount",
                rate=w.pct(self.discount_rate),
                years=w.count(self.horizon_years, "year"),
            ),
            w.text(
                "maintenance",
                routine=costs(self.routine_per_km_year),
                every=w.count(self.periodic_every_years, "year"),
                periodic=costs(self.periodic_per_km),
                bridges=w.pct(self.bridge_upkeep_share_per_year),
            ),
            w.text("left_out"),
        ]

    def trips_per_person_year(self, kind: str) -> float:
        """Round trips a year per person of a community to a destination of ``kind``."""
        rate = self.trips.get(kind)
        if rate is None:
            return 0.0
        if rate.per == "household":
            return rate.per_year / self.household_size
        if rate.per == "child":
            return rate.per_year * self.school_age_share
        return rate.per_year

    def hours_per_person_minute(
        self, season_shares: Sequence[float], kinds: Sequence[str]
    ) -> dict[tuple[str, str], float]:
        """Hours a year saved per person-minute saved per one-way trip, by (kind, season).

        Parameters
        ----------
        season_shares : sequence of float
            Share of the year of each state of :data:`SEASONS`
            (:meth:`ScoreWeights.season_shares`).
        kinds : sequence of str
            The destination kinds measured (a kind with no trip rate counts 0 trips).
        """
        shares = dict(zip(SEASONS, season_shares, strict=True))
        return {
            (kind, season): shares[season]
            * self.trips_per_person_year(kind)
            * self.legs_per_trip
            / 60.0
            for kind in kinds
            for season in SEASONS
        }

    def discount_factors(self) -> np.ndarray:
        """``1 / (1 + r)^t`` for years 0..horizon."""
        years = np.arange(self.horizon_years + 1, dtype=float)
        return np.asarray((1.0 + self.discount_rate) ** -years, dtype=float)


def _maintenance_flows(works: pd.DataFrame, params: AppraisalParameters) -> np.ndarray:
    """Change of maintenance cost per work and year (rows: works; columns: years 0..horizon)."""
    n, horizon = len(works), params.horizon_years
    flows = np.zeros((n, horizon + 1))

    def numbers(column: str) -> np.ndarray:
        if column not in works.columns:
            return np.zeros(n)
        values = pd.to_numeric(works[column], errors="coerce").fillna(0.0)
        return np.asarray(values.to_numpy(dtype=float), dtype=float)

    km = numbers("length_m") / 1e3

    def by_class(table: Mapping[str, float], column: str) -> np.ndarray:
        if column not in works.columns:
            return np.zeros(n)
        names = works[column].fillna("").astype(str)
        return names.map(lambda c: float(table.get(c, 0.0))).to_numpy(dtype=float)

    routine = by_class(params.routine_per_km_year, "class_after") - by_class(
        params.routine_per_km_year, "class_before"
    )
    periodic = by_class(params.periodic_per_km, "class_after") - by_class(
        params.periodic_per_km, "class_before"
    )
    flows[:, 1:] += (routine * km)[:, None]
    every = max(int(params.periodic_every_years), 1)
    for year in range(every, horizon + 1, every):
        flows[:, year] += periodic * km
    span_m = numbers("span_m")
    cost = numbers("cost")
    bridge = (span_m > 0) & (km == 0)
    # a bridge alone: upkeep as a share of its cost (the ford it replaces had none)
    flows[bridge, 1:] += (params.bridge_upkeep_share_per_year * cost[bridge])[:, None]
    return flows


def eirr(flows: np.ndarray) -> float:
    """Economic internal rate of return of yearly net flows (year 0 first).

    Parameters
    ----------
    flows : numpy.ndarray
        Net flows (benefits minus costs) of years 0, 1, ...

    Returns
    -------
    float
        The rate ``i`` (> -1) at which the present value of ``flows`` is 0,
        found by Brent's method where the present value changes sign between
        -99% and 1,000,000% a year; NaN where it does not (flows that never
        repay the investment, or no investment at all).

    Examples
    --------
    >>> round(eirr(np.array([-100.0, 110.0])), 10)
    0.1
    >>> math.isnan(eirr(np.array([-100.0, 10.0])))
    False
    >>> math.isnan(eirr(np.array([-100.0, -1.0])))
    True
    """
    years = np.arange(len(flows), dtype=float)

    def npv(rate: float) -> float:
        return float(np.sum(flows / (1.0 + rate) ** years))

    lo, hi = -0.99, 1e4
    f_lo, f_hi = npv(lo), npv(hi)
    if not (math.isfinite(f_lo) and math.isfinite(f_hi)) or f_lo * f_hi > 0:
        return math.nan
    return float(brentq(npv, lo, hi, xtol=1e-12, maxiter=500))


def _kinds_in(frame: pd.DataFrame, suffix: str, params: AppraisalParameters) -> list[str]:
    """Return the destination kinds of ``frame`` (``{kind}_dry{suffix}`` columns).

    Each must have a trip rate.


    Raises
    ------
    ConfigError
        A kind measured in the frame has no trip rate (its benefits would silently count 0).
    """
    end = f"_dry{suffix}"
    kinds = [str(c)[: -len(end)] for c in frame.columns if str(c).endswith(end)]
    missing = [k for k in kinds if k not in params.trips]
    if missing:
        raise ConfigError(
            f"the appraisal has no trip rate for destination kind(s) {missing}: give one in "
            "[appraisal] trips"
        )
    return kinds


def _hours(
    table: pd.DataFrame, params: AppraisalParameters, season_shares: Sequence[float]
) -> np.ndarray:
    hours = np.zeros(len(table))
    kinds = _kinds_in(table, "_person_min_saved", params)
    for (kind, season), factor in params.hours_per_person_minute(season_shares, kinds).items():
        column = f"{kind}_{season}_person_min_saved"
        hours += factor * pd.to_numeric(table[column], errors="coerce").fillna(0.0).to_numpy()
    return hours


def appraise_works(
    table: pd.DataFrame,
    works: pd.DataFrame,
    params: AppraisalParameters,
    season_shares: Sequence[float],
) -> pd.DataFrame:
    """Appraise each work of a ranking table (each on the base network, alone).

    Parameters
    ----------
    table : pandas.DataFrame
        Indexed by ``work_id``, with ``{kind}_{season}_person_min_saved``,
        ``people_benefited`` and ``cost``.
    works : pandas.DataFrame
        The works (``WorkSet.works``): ``length_m``, ``span_m``, ``cost`` and,
        where known, ``class_before`` / ``class_after``.
    params : AppraisalParameters
    season_shares : sequence of float
        Share of the year of each passability state (:meth:`ScoreWeights.season_shares`).

    Returns
    -------
    pandas.DataFrame
        :data:`APPRAISAL_COLUMNS`, indexed like ``table``; money in the
        works' currency at their price year.
    """
    rows = works.reindex(table.index)
    hours = _hours(table, params, season_shares)
    benefit = hours * params.value_of_time_per_hour
    maintenance = _maintenance_flows(rows.assign(cost=table["cost"].to_numpy()), params)
    factors = params.discount_factors()
    cost = pd.to_numeric(table["cost"], errors="coerce").fillna(0.0).to_numpy(dtype=float)
    pv_benefits = benefit * factors[1:].sum()
    pv_costs = cost + maintenance @ factors
    people = pd.to_numeric(table["people_benefited"], errors="coerce").fillna(0.0).to_numpy()
    flows = -maintenance
    flows[:, 0] -= cost
    flows[:, 1:] += benefit[:, None]
    with np.errstate(divide="ignore", invalid="ignore"):
        bc = np.where(
            pv_costs > 0, pv_benefits / pv_costs, np.where(pv_benefits > 0, np.inf, np.nan)
        )
        per_person = np.where(people > 0, pv_costs / people, np.nan)
    rates = np.array([eirr(f) if b > 0 else math.nan for f, b in zip(flows, benefit, strict=True)])
    out = pd.DataFrame(
        {
            "hours_saved_per_year": hours,
            "benefit_per_year": benefit,
            "maintenance_change_per_year": maintenance[:, 1:].mean(axis=1),
            "pv_benefits": pv_benefits,
            "pv_costs": pv_costs,
            "npv": pv_benefits - pv_costs,
            "bc_ratio": bc,
            "eirr": rates,
            "pv_cost_per_person_benefited": per_person,
        },
        index=table.index,
    )
    return out


def appraise_programme(
    communities_after: pd.DataFrame,
    programme: pd.DataFrame,
    works: pd.DataFrame,
    params: AppraisalParameters,
    season_shares: Sequence[float],
    *,
    cap_min: float,
    min_gain_min: float,
) -> dict[str, Any]:
    """Appraise a whole programme from each community's minutes before and after it.

    The benefits are those of the programme as built, all works together
    (not the sum of the works alone: two works on one road are not counted
    twice), with the same rules as for one work: minutes capped at
    ``cap_min``, savings under ``min_gain_min`` per trip not counted.

    Parameters
    ----------
    communities_after : pandas.DataFrame
        ``population`` and ``{kind}_{season}_min_before`` / ``_min_after``
        per community (``Portfolio.communities_after``).
    programme : pandas.DataFrame
        The programme's works (``work_id``, ``cost`` or ``cost_net``).
    works : pandas.DataFrame
        The works table (``WorkSet.works``), for lengths, classes and costs.
    params : AppraisalParameters
    season_shares : sequence of float
        As :func:`appraise_works`.
    cap_min, min_gain_min : float
        As in the ranking.

    Returns
    -------
    dict
        ``hours_saved_per_year``, ``benefit_per_year``, ``pv_benefits``,
        ``pv_costs``, ``npv``, ``bc_ratio``, ``eirr``, ``people_benefited``,
        ``pv_cost_per_person_benefited``.
    """
    pop = pd.to_numeric(communities_after["population"], errors="coerce").fillna(0.0).to_numpy()
    hours = 0.0
    gained = np.zeros(len(pop), dtype=bool)
    kinds = _kinds_in(communities_after, "_min_before", params)
    for (kind, season), factor in params.hours_per_person_minute(season_shares, kinds).items():
        before = communities_after[f"{kind}_{season}_min_before"].to_numpy(dtype=float)
        after = communities_after[f"{kind}_{season}_min_after"].to_numpy(dtype=float)
        saved = np.minimum(before, cap_min) - np.minimum(after, cap_min)
        counted = np.where(saved >= min_gain_min, saved, 0.0)
        gained |= counted > 0
        hours += factor * float(np.sum(counted * pop))
    ids = list(programme["work_id"]) if "work_id" in programme.columns else list(programme.index)
    if "stage_of" in programme.columns:
        # a later stage replaces the earlier one it builds on: its cost and upkeep are the
        # whole work's (asfaltado from trocha), so the earlier stage is not counted again
        replaced = {str(w) for w in programme["stage_of"].dropna() if str(w)}
        ids = [w for w in ids if str(w) not in replaced]
    chosen = works.loc[ids]
    maintenance = _maintenance_flows(chosen, params).sum(axis=0)
    cost = float(pd.to_numeric(chosen["cost"], errors="coerce").fillna(0.0).sum())
    factors = params.discount_factors()
    benefit = hours * params.value_of_time_per_hour
    pv_benefits = benefit * float(factors[1:].sum())
    pv_costs = cost + float(maintenance @ factors)
    flows = -maintenance
    flows[0] -= cost
    flows[1:] += benefit
    people = float(pop[gained].sum())
    return {
        "works": len(ids),
        "hours_saved_per_year": hours,
        "benefit_per_year": benefit,
        "pv_benefits": pv_benefits,
        "pv_costs": pv_costs,
        "npv": pv_benefits - pv_costs,
        "bc_ratio": (
            pv_benefits / pv_costs if pv_costs > 0 else (math.inf if pv_benefits > 0 else math.nan)
        ),
        "eirr": eirr(flows) if benefit > 0 else math.nan,
        "people_benefited": people,
        "pv_cost_per_person_benefited": pv_costs / people if people > 0 else math.nan,
    }
