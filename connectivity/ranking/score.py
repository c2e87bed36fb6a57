"""The composite score of a work: user weights and equity weights.

The composite ``score`` (see :class:`ScoreWeights`)::

    score = Σ_k Σ_s  m_k × w_s × Σ_c  e_c × pop_c × saved_min_c(k, s)

with ``m_market = market_weight / (market_weight + school_weight)``,
``m_school`` likewise, ``w_s`` the share of the year of passability state ``s``
(``dry_days`` / ``rain_days`` / ``wet_days`` over 365), and
the equity weight ``e_c = 1 + equity_strength × value_c`` from a numeric
column of the communities (e.g. a district poverty rate; missing values count
as 0, so ``e_c = 1``); without an equity column ``e_c = 1``. The score is
therefore in (equity-weighted) person-minutes per trip, and additive in the
same way as the savings (see :mod:`connectivity.ranking.evaluate`).
``score_per_1000`` is score per 1,000 of cost_net.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from connectivity.config import RankingSection
from connectivity.errors import ConfigError, DataError
from connectivity.ranking.measures import (
    _EPM,
    _PM,
    _SEARCHES,
    FACILITY_KINDS,
    MIN_GAIN_MIN,
    MIN_SCORE_PER_1000,
    SEASONS,
)

__all__ = ["ScoreWeights"]

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class ScoreWeights:
    """User weights of the composite score (the ``[ranking]`` config section).

    Attributes
    ----------
    market_weight, school_weight : float
        Relative weight of a trip to a market and to a school (>= 0, not both
        0); normalised to sum to 1.
    dry_days, rain_days, wet_days : float
        Days a year of each passability state (summing to 365): dry; rains
        with rivers not in flood (wet-season speeds, fords passable); rivers
        in flood (fords and unbridged crossings shut). Each state weighs by
        its share of the year. Defaults (assumptions, documented in the
        README): 245, 90 and 30.
    equity_column : str or None
        Numeric column of the communities (e.g. ``poverty_rate``) giving each
        community the weight ``1 + equity_strength * value``.
    equity_strength : float
        Strength of the equity weight (>= 0; 0 turns it off).
    top_n : int
        How many works the explanation text lists.
    min_gain_min : float
        Minutes per trip: a community's saving to a facility kind in a season,
        against the base network (and capped like the score), counts as a
        benefit only from this many minutes on (default :data:`MIN_GAIN_MIN`,
        5; 0 counts every change). It applies to the score, to
        ``people_benefited`` / ``communities_gaining``, to the people newly
        within a threshold and to ``gains.csv``; measured against the base
        network, so a programme is worth the same counted work by work or all
        at once.
    min_score_per_1000 : float
        The hurdle: a work whose score per 1,000 of net cost (given the works
        chosen before it) is below this is not funded, whatever budget is
        left (default 1: one equity-weighted person-minute per trip for every
        1,000 soles).

    Examples
    --------
    >>> w = ScoreWeights(market_weight=3, school_weight=1, dry_days=292, rain_days=0, wet_days=73)
    >>> w.kind_shares(), w.season_shares()
    ((0.75, 0.25), (0.8, 0.0, 0.2))
    """

    market_weight: float = 0.5
    school_weight: float = 0.5
    dry_days: float = 245.0
    rain_days: float = 90.0
    wet_days: float = 30.0
    equity_column: str | None = None
    equity_strength: float = 0.0
    top_n: int = 20
    min_gain_min: float = MIN_GAIN_MIN
    min_score_per_1000: float = MIN_SCORE_PER_1000

    def __post_init__(self) -> None:
        for name in (
            "market_weight",
            "school_weight",
            "equity_strength",
            "min_gain_min",
            "min_score_per_1000",
            "dry_days",
            "rain_days",
            "wet_days",
        ):
            value = getattr(self, name)
            if not (isinstance(value, int | float) and math.isfinite(value) and value >= 0):
                raise ConfigError(f"ranking weight {name} must be a number >= 0, got {value!r}")
        if self.market_weight + self.school_weight <= 0:
            raise ConfigError("ranking weights: market_weight and school_weight are both 0")
        days = self.dry_days + self.rain_days + self.wet_days
        if not 364.5 <= days <= 366.5:
            raise ConfigError(
                f"ranking dry_days + rain_days + wet_days must make a year (365 days), got "
                f"{self.dry_days:g} + {self.rain_days:g} + {self.wet_days:g} = {days:g}"
            )
        if not (isinstance(self.top_n, int) and self.top_n > 0):
            raise ConfigError(f"ranking top_n must be a positive integer, got {self.top_n!r}")

    @classmethod
    def from_config(
        cls, section: ScoreWeights | RankingSection | Mapping[str, Any] | None
    ) -> ScoreWeights:
        """Weights from a ``[ranking]`` section, a mapping of the same keys, or defaults.

        Parameters
        ----------
        section : ScoreWeights, RankingSection, mapping or None

        Returns
        -------
        ScoreWeights

        Raises
        ------
        ConfigError
            Unknown keys or invalid values.
        """
        if section is None:
            return cls()
        if isinstance(section, ScoreWeights):
            return section
        names = [f for f in cls.__dataclass_fields__]
        if isinstance(section, Mapping):
            unknown = sorted(set(section) - set(names))
            if unknown:
                raise ConfigError(f"unknown ranking weight(s) {unknown}; known: {names}")
            return cls(**dict(section))
        return cls(**{n: getattr(section, n) for n in names if hasattr(section, n)})

    def kind_shares(self) -> tuple[float, float]:
        """Normalised (market, school) weights."""
        total = self.market_weight + self.school_weight
        return self.market_weight / total, self.school_weight / total

    def season_shares(self) -> tuple[float, float, float]:
        """Shares of the year of the (dry, rain, wet) states, by their days."""
        days = self.dry_days + self.rain_days + self.wet_days
        return self.dry_days / days, self.rain_days / days, self.wet_days / days

    def describe(self) -> str:
        """One line a reader understands."""
        m, s = self.kind_shares()
        text = (
            f"market {m:.0%} / school {s:.0%}; days a year: dry {self.dry_days:g}, rains with "
            f"fords passable {self.rain_days:g}, rivers in flood (fords shut) {self.wet_days:g}"
        )
        if self.equity_column and self.equity_strength > 0:
            text += f", equity weight 1 + {self.equity_strength:g} x {self.equity_column}"
        text += f", savings under {self.min_gain_min:g} min per trip not counted"
        return text


def _equity_weights(communities: pd.DataFrame, weights: ScoreWeights) -> np.ndarray:
    """``1 + strength * value`` per community (1 without an equity column)."""
    ones = np.ones(len(communities))
    column = weights.equity_column
    if column is None:
        return ones
    if column not in communities.columns:
        raise ConfigError(
            f"ranking equity_column {column!r} is not a column of the communities; "
            f"columns are {[c for c in communities.columns if c != 'geometry']}"
        )
    raw = communities[column]
    values = pd.to_numeric(raw, errors="coerce")
    bad = values.isna() & raw.notna()
    if bad.any():
        raise DataError(
            f"equity column {column!r} has non-numeric values, e.g. {raw[bad].iloc[0]!r}"
        )
    arr = values.to_numpy(dtype=float)
    if (arr < 0).any():
        raise DataError(f"equity column {column!r} has negative values; expected e.g. 0..1")
    if np.isnan(arr).any():
        log.warning(
            "equity column %r: %d communities without a value get weight 1",
            column,
            int(np.isnan(arr).sum()),
        )
    return np.asarray(1.0 + weights.equity_strength * np.nan_to_num(arr, nan=0.0), dtype=float)


def _scores(stats: np.ndarray, weights: ScoreWeights) -> tuple[np.ndarray, np.ndarray]:
    """(score, person_min_saved) per row of kernel statistics."""
    kinds = weights.kind_shares()
    seasons = weights.season_shares()
    score = np.zeros(len(stats))
    minutes = np.zeros(len(stats))
    for s, (kind, season) in enumerate(_SEARCHES):
        k_share = kinds[FACILITY_KINDS.index(kind)]
        s_share = seasons[SEASONS.index(season)]
        score += k_share * s_share * stats[:, s, _EPM]
        minutes += s_share * stats[:, s, _PM]
    return score, minutes
