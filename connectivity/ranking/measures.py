"""What the ranking measures: facility kinds, seasons, the cap of minutes saved.

Constants shared by the evaluation, the score and the portfolio: the built-in
facility kinds (``market``, ``school``, ``health``; a network has those of its
region, see :func:`searches`) and passability states (``dry``, ``rain``,
``wet``) with the edge weight of each state, :data:`UNREACHABLE_CAP_MIN` (minutes saved are capped:
a trip longer than a working day is treated as no better than no trip),
:data:`GAIN_TOL_S` (a time falls when it falls by more than this; smaller
changes are rounding), :data:`MIN_GAIN_MIN` (the default smallest saving per
trip that counts as a benefit), the order of the searches (one per kind and state) and the layout of
the statistics the kernel computes; and the checks of the thresholds and the
cap.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

from connectivity import access
from connectivity.errors import ConfigError

__all__ = [
    "FACILITY_KINDS",
    "GAIN_TOL_S",
    "MIN_GAIN_MIN",
    "MIN_SCORE_PER_1000",
    "SEASONS",
    "SEASON_WEIGHTS",
    "UNREACHABLE_CAP_MIN",
    "searches",
]


#: The destination kinds and the passability states of the year (``dry``; ``rain``: wet-season
#: speeds, rivers not in flood, fords can be crossed but those of wide rivers; ``wet``: rivers
#: in flood, fords and unbridged crossings shut), as in :mod:`connectivity.access`; each state
#: weighs by its days a year (:class:`connectivity.ranking.ScoreWeights`).
FACILITY_KINDS = access.FACILITY_KINDS
SEASONS = access.SEASONS
#: Edge weight (seconds) of each state: the fastest mode's, as the access tables use.
SEASON_WEIGHTS: dict[str, str] = access.MODES[""]
#: The state whose closures cut communities off ("no longer cut off in the wet season").
CUT_SEASON = SEASONS.index("wet")
#: Minutes at which a trip counts as "no trip": the cap of minutes saved.
UNREACHABLE_CAP_MIN = access.UNREACHABLE_CAP_MIN
#: A time counts as changed when it falls by more than this (seconds): smaller changes are rounding.
GAIN_TOL_S = 1e-6
#: Minutes per trip below which a community's saving (against the base network) is not a benefit.
#: Why 5: travel times that communities report are given to the nearest 5 minutes (99% of the
#: INEI centros poblados of Ayacucho report a multiple of 5 minutes to their district capital),
#: and the speed tables behind modelled times are not finer than that; a saving smaller than
#: that cannot be told apart from the error of the times themselves, and nobody would notice it.
MIN_GAIN_MIN = 5.0
#: The hurdle: least score per 1,000 of net cost for a work to be funded (equity-weighted
#: person-minutes per trip per 1,000 soles). A floor against spending on next to no return,
#: not an economic test: at one market and one school trip a week it is worth far less than
#: the money (the benefit/cost test comes with the annual appraisal).
MIN_SCORE_PER_1000 = 1.0


def searches(kinds: Sequence[str]) -> tuple[tuple[str, str], ...]:
    """Return the searches of a network with destination ``kinds``, in kernel order: (kind, season).

    Search ``s`` uses season ``s % len(SEASONS)``.

    Examples
    --------
    >>> searches(("market", "health"))[:4]
    (('market', 'dry'), ('market', 'rain'), ('market', 'wet'), ('health', 'dry'))
    """
    return tuple((k, s) for k in kinds for s in SEASONS)


def search_seasons(searches_: Sequence[tuple[str, str]]) -> tuple[int, ...]:
    """Return the season (index into :data:`SEASONS`) of each search, for the kernel."""
    return tuple(SEASONS.index(s) for _, s in searches_)


# per-search statistics computed by the kernel (then the thresholds)
_PM, _EPM, _NCOMM, _POP, _NEWLY_REACHABLE, _N_FIXED = 0, 1, 2, 3, 4, 5
# per-work statistics over all searches
_ANY_N, _ANY_POP, _CUT_POP = 0, 1, 2


def _check_thresholds(thresholds_min: Sequence[float]) -> list[float]:
    values = list(thresholds_min)
    for t in values:
        if not (isinstance(t, int | float) and math.isfinite(t) and t > 0):
            raise ConfigError(f"thresholds_min must be positive numbers, got {t!r}")
    if len(set(values)) != len(values):
        raise ConfigError(f"thresholds_min repeat a value: {values}")
    return values


def _fmt_t(t: float) -> str:
    return f"{t:g}"


def _check_cap(cap_min: float) -> float:
    if not (isinstance(cap_min, int | float) and math.isfinite(cap_min) and cap_min > 0):
        raise ConfigError(f"cap_min must be a positive number of minutes, got {cap_min!r}")
    return float(cap_min)
