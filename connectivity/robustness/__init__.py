"""How sure is each choice: uncertainty, budget curves and switching values, on Dask.

The spreads of the uncertain inputs are the ``[robustness]`` section of a
region config (:mod:`connectivity.uncertainty`). Modules:

* :mod:`connectivity.robustness.draws` — the seeded multipliers of one scenario;
* :mod:`connectivity.robustness.scenario` — one scenario: new edge weights,
  costs, populations, days and trip rates from the draws; every work evaluated
  again with the exact incremental evaluator; the programme chosen again;
* :mod:`connectivity.robustness.montecarlo` — scenarios as tasks on
  ``dask.distributed`` (an embedded ``LocalCluster`` or an existing
  scheduler), the base case scattered once;
* :mod:`connectivity.robustness.analysis` — probabilities, rank and benefit
  intervals, the budget curve, switching values;
* :mod:`connectivity.robustness.assess` — the stage: Monte Carlo, budget curve
  and switching-value checks of a ranked run (:func:`assess_robustness`);
* :mod:`connectivity.robustness.outputs` — ``robustness.csv``,
  ``budget_curve.csv``, ``robustness_scenarios.csv`` and two plots.
"""

from __future__ import annotations

from connectivity.robustness.assess import (
    ROBUSTNESS_COLUMNS,
    RobustnessResult,
    assess_robustness,
    base_case,
)
from connectivity.robustness.draws import Draws, draw_scenario
from connectivity.uncertainty import DEFAULT_BUDGET_LEVELS, RobustnessSection

__all__ = [
    "DEFAULT_BUDGET_LEVELS",
    "ROBUSTNESS_COLUMNS",
    "Draws",
    "RobustnessResult",
    "RobustnessSection",
    "assess_robustness",
    "base_case",
    "draw_scenario",
]
