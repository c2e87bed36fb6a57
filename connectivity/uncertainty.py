"""Uncertain inputs as distributions: the ``[robustness]`` section of a region config.

Every uncertain input is a *multiplier* of the value the run uses, drawn from
a triangular distribution ``[low, mode, high]`` (the usual choice of risk
analysis in road appraisal when only a range and a most likely value are
known; ``mode`` is 1 by default, so the configured value is the most likely
one). One scenario draws:

* **costs** — one multiplier per work type and terrain class (``upgrade``
  in ``rolling`` terrain, ``bridge``, ...): unit-cost errors are shared by
  every work of a kind, so they are drawn once per kind, not per work.
  Keys of ``cost`` are a work type (``upgrade``, ``new_link``, ``bridge``,
  a proposal's own type) or ``<type>_<terrain>`` for one pair; ``default``
  covers the rest. The defaults (±15–50 %) follow the precision of cost
  estimates at profile stage (a profile's estimate is commonly taken to be
  within about ±30 %; bridges and new roads, whose quantities are least
  known before studies, get the widest range);
* **speeds** — one multiplier per road class and passability state (dry,
  rains) for vehicles, and one per state for walking; the rains' multiplier
  also applies when rivers are in flood;
* **days** of each passability state — multipliers of the rain and flood
  days; the dry days are what is left of the year;
* **trip rates** — one multiplier per destination kind (the appraisal's
  round trips a year);
* **population** — one multiplier per community: narrow for counts (census,
  a file), wide for estimated populations (from buildings, a place type's
  minimum, a raster; :func:`connectivity.sources.population.population_is_estimated`).

Scenario ``k`` of seed ``s`` draws from ``numpy.random.default_rng([s, k])``
in a fixed order (:mod:`connectivity.robustness.draws`), so its draws do not
depend on which worker runs it or how many there are. Scenario 0 is the run
itself: every multiplier 1. This module sits beside :mod:`connectivity.config`,
which validates the section with it.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

__all__ = [
    "DEFAULT_BUDGET_LEVELS",
    "DEFAULT_COST_SPREAD",
    "DEFAULT_DAYS_SPREAD",
    "DEFAULT_POPULATION_SPREAD",
    "DEFAULT_SPEED_SPREAD",
    "DEFAULT_TRIPS_SPREAD",
    "RobustnessSection",
    "Spread",
    "spreads_table",
]

Spread = tuple[float, float, float]

#: Cost multipliers ``[low, mode, high]`` by work type (``default``: any other type).
DEFAULT_COST_SPREAD: dict[str, Spread] = {
    "upgrade": (0.85, 1.0, 1.35),
    "new_link": (0.8, 1.0, 1.5),
    "bridge": (0.8, 1.0, 1.5),
    "default": (0.8, 1.0, 1.4),
}
#: Vehicle speed multipliers by road class (per state); ``walk``: walking speed.
DEFAULT_SPEED_SPREAD: dict[str, Spread] = {
    "asfaltado": (0.9, 1.0, 1.1),
    "afirmado": (0.85, 1.0, 1.15),
    "sin_afirmar": (0.8, 1.0, 1.2),
    "trocha": (0.75, 1.0, 1.2),
    "walk": (0.9, 1.0, 1.1),
}
#: Multipliers of the days of rains (rivers not in flood) and of rivers in flood.
DEFAULT_DAYS_SPREAD: dict[str, Spread] = {
    "rain": (0.7, 1.0, 1.3),
    "wet": (0.5, 1.0, 1.5),
}
#: Trip-rate multiplier (every destination kind, drawn per kind).
DEFAULT_TRIPS_SPREAD: Spread = (0.8, 1.0, 1.2)
#: Population multipliers: ``counted`` (census, a file) and ``estimated``.
DEFAULT_POPULATION_SPREAD: dict[str, Spread] = {
    "counted": (0.95, 1.0, 1.05),
    "estimated": (0.6, 1.0, 1.5),
}
#: Budget levels of the budget curve, as shares of the configured budget.
DEFAULT_BUDGET_LEVELS: tuple[float, ...] = (0.1, 0.25, 0.5, 0.75, 1.0, 1.25, 1.5, 2.0, 2.5, 3.0)


def _check_spread(name: str, value: Any) -> Spread:
    values = tuple(float(v) for v in value)
    if len(values) != 3:
        raise ValueError(f"{name}: give [low, mode, high], got {list(value)!r}")
    low, mode, high = values
    if not all(math.isfinite(v) for v in values) or low <= 0:
        raise ValueError(f"{name}: multipliers must be finite and > 0, got {list(values)!r}")
    if not low <= mode <= high:
        raise ValueError(f"{name}: need low <= mode <= high, got {list(values)!r}")
    return (low, mode, high)


class RobustnessSection(BaseModel):
    """The ``[robustness]`` section of a region config: how many scenarios, which spreads.

    Attributes
    ----------
    scenarios : int
        Monte Carlo scenarios (besides scenario 0, the run itself).
    seed : int
        Seed of the draws.
    workers : int
        Workers of the embedded Dask ``LocalCluster`` (one thread each).
    scheduler : str or None
        Address of an existing Dask scheduler (``tcp://host:8786``); None
        starts a ``LocalCluster``.
    budget_levels : list of float
        Budget curve levels, as shares of the configured budget.
    cost, speed, days, population : mapping of str to [low, mode, high]
        Multiplier spreads (see the module docstring); a table given in part
        changes only the keys it names.
    trips : [low, mode, high]
        Trip-rate multiplier spread.
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    scenarios: Annotated[int, Field(ge=1, le=1_000_000)] = 200
    seed: Annotated[int, Field(ge=0)] = 42
    workers: Annotated[int, Field(ge=1, le=256)] = 2
    scheduler: str | None = None
    budget_levels: list[Annotated[float, Field(gt=0, le=20)]] = Field(
        default_factory=lambda: list(DEFAULT_BUDGET_LEVELS)
    )
    cost: dict[str, Spread] = Field(default_factory=lambda: dict(DEFAULT_COST_SPREAD))
    speed: dict[str, Spread] = Field(default_factory=lambda: dict(DEFAULT_SPEED_SPREAD))
    days: dict[str, Spread] = Field(default_factory=lambda: dict(DEFAULT_DAYS_SPREAD))
    trips: Spread = DEFAULT_TRIPS_SPREAD
    population: dict[str, Spread] = Field(default_factory=lambda: dict(DEFAULT_POPULATION_SPREAD))

    @model_validator(mode="before")
    @classmethod
    def _over_the_defaults(cls, data: Any) -> Any:
        """Merge a table given in part over the defaults: it changes only the keys it names."""
        if not isinstance(data, dict):
            return data
        merged = dict(data)
        for name, default in (
            ("cost", DEFAULT_COST_SPREAD),
            ("speed", DEFAULT_SPEED_SPREAD),
            ("days", DEFAULT_DAYS_SPREAD),
            ("population", DEFAULT_POPULATION_SPREAD),
        ):
            given = data.get(name)
            if isinstance(given, dict):
                merged[name] = {**default, **given}
        return merged

    @field_validator("cost", "speed", "days", "population", mode="before")
    @classmethod
    def _spreads(cls, value: Any, info: Any) -> Any:
        if not isinstance(value, dict):
            return value
        return {k: _check_spread(f"{info.field_name}.{k}", v) for k, v in value.items()}

    @field_validator("trips", mode="before")
    @classmethod
    def _trip_spread(cls, value: Any) -> Any:
        return _check_spread("trips", value)

    @model_validator(mode="after")
    def _known_keys(self) -> RobustnessSection:
        unknown = sorted(set(self.days) - {"rain", "wet"})
        if unknown:
            raise ValueError(f"days: unknown state(s) {unknown}; known: rain, wet")
        unknown = sorted(set(self.population) - {"counted", "estimated"})
        if unknown:
            raise ValueError(f"population: unknown key(s) {unknown}; known: counted, estimated")
        if self.scheduler is not None and "://" not in self.scheduler:
            raise ValueError(f"scheduler {self.scheduler!r} is not an address like tcp://host:8786")
        return self


def spreads_table(section: RobustnessSection) -> list[dict[str, Any]]:
    """Return the spreads as rows (input, key, low, mode, high) for outputs to state."""
    rows: list[dict[str, Any]] = []
    tables: Mapping[str, Mapping[str, Spread]] = {
        "cost": section.cost,
        "speed": section.speed,
        "days": section.days,
        "population": section.population,
        "trips": {"all": section.trips},
    }
    for name, table in tables.items():
        for key, (low, mode, high) in table.items():
            rows.append({"input": name, "key": key, "low": low, "mode": mode, "high": high})
    return rows
