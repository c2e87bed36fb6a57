"""Seeded draws of one scenario's multipliers (the spreads: :mod:`connectivity.uncertainty`)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from connectivity.uncertainty import DEFAULT_COST_SPREAD, RobustnessSection, Spread

__all__ = ["Draws", "draw_scenario"]

_VEHICLE_STATES = ("dry", "rain")


@dataclass(frozen=True)
class Draws:
    """The multipliers of one scenario.

    Attributes
    ----------
    scenario : int
        Scenario number (0: the run itself, every multiplier 1).
    cost : numpy.ndarray
        Per work (in the order of the ``groups`` given to :func:`draw_scenario`).
    vehicle : dict of (str, str) to float
        Vehicle speed multiplier by (road class, state ``dry`` / ``rain``).
    walk : dict of str to float
        Walking speed multiplier by state (``dry`` / ``rain``).
    days : tuple of float
        Days of the dry, rain and flood states (summing to 365).
    trips : dict of str to float
        Trip-rate multiplier by destination kind.
    population : numpy.ndarray
        Per community.
    """

    scenario: int
    cost: np.ndarray
    vehicle: dict[tuple[str, str], float]
    walk: dict[str, float]
    days: tuple[float, float, float]
    trips: dict[str, float]
    population: np.ndarray


def _triangular(rng: np.random.Generator, spread: Spread, size: int | None = None) -> Any:
    low, mode, high = spread
    if low == high:
        return np.full(size, low) if size is not None else low
    return rng.triangular(low, mode, high, size=size)


def _cost_spread(section: RobustnessSection, group: str) -> Spread:
    work_type = group.split("|", 1)[0]
    terrain = group.split("|", 1)[1] if "|" in group else ""
    for key in (f"{work_type}_{terrain}", work_type, "default"):
        if key in section.cost:
            return section.cost[key]
    return DEFAULT_COST_SPREAD["default"]


def draw_scenario(
    section: RobustnessSection,
    scenario: int,
    *,
    cost_groups: Sequence[str],
    road_classes: Sequence[str],
    kinds: Sequence[str],
    estimated: np.ndarray,
    days: tuple[float, float, float],
) -> Draws:
    """Draw the multipliers of one scenario (scenario 0: all 1).

    Parameters
    ----------
    section : RobustnessSection
    scenario : int
        Scenario number; with ``section.seed`` it fixes the draws.
    cost_groups : sequence of str
        Per work, its cost group ``"<work_type>|<terrain>"``; one multiplier
        is drawn per distinct group (in sorted order).
    road_classes : sequence of str
        Vehicle road classes to draw speeds for (sorted here).
    kinds : sequence of str
        Destination kinds (trip rates).
    estimated : numpy.ndarray
        Per community, whether its population is estimated.
    days : (float, float, float)
        The configured dry, rain and flood days.

    Returns
    -------
    Draws
    """
    groups = np.asarray(cost_groups, dtype=object)
    distinct = sorted(set(groups.tolist()))
    n_comm = len(estimated)
    if scenario == 0:
        return Draws(
            scenario=0,
            cost=np.ones(len(groups)),
            vehicle={(c, s): 1.0 for c in sorted(road_classes) for s in _VEHICLE_STATES},
            walk=dict.fromkeys(_VEHICLE_STATES, 1.0),
            days=days,
            trips=dict.fromkeys(kinds, 1.0),
            population=np.ones(n_comm),
        )
    rng = np.random.default_rng([int(section.seed), int(scenario)])
    by_group = {g: float(_triangular(rng, _cost_spread(section, g))) for g in distinct}
    vehicle: dict[tuple[str, str], float] = {}
    for road_class in sorted(road_classes):
        spread = section.speed.get(road_class, (1.0, 1.0, 1.0))
        for state in _VEHICLE_STATES:
            vehicle[(road_class, state)] = float(_triangular(rng, spread))
    walk = {
        s: float(_triangular(rng, section.speed.get("walk", (1.0, 1.0, 1.0))))
        for s in _VEHICLE_STATES
    }
    rain = days[1] * float(_triangular(rng, section.days["rain"]))
    wet = days[2] * float(_triangular(rng, section.days["wet"]))
    if rain + wet > 365.0:  # a year cannot hold more: shrink both alike
        rain, wet = (365.0 * rain / (rain + wet), 365.0 * wet / (rain + wet))
    trips = {k: float(_triangular(rng, section.trips)) for k in kinds}
    counted = _triangular(rng, section.population["counted"], n_comm)
    guessed = _triangular(rng, section.population["estimated"], n_comm)
    population = np.where(np.asarray(estimated, dtype=bool), guessed, counted)
    return Draws(
        scenario=int(scenario),
        cost=np.array([by_group[g] for g in groups.tolist()], dtype=float),
        vehicle=vehicle,
        walk=walk,
        days=(365.0 - rain - wet, rain, wet),
        trips=trips,
        population=np.asarray(population, dtype=float),
    )
