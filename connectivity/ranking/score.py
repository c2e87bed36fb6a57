"""The composite score of a work: user weights and equity weights.

The composite ``score`` (see :class:`ScoreWeights`)::

    score = Σ_k Σ_s  m_k × w_s × Σ_c  e_c × pop_c × saved_min_c(k, s)

with ``m_k`` the weight of destination kind ``k`` over the sum of the weights
of the kinds the network has (``market_weight``, ``school_weight``,
``health_weight``, ``destination_weights``), ``w_s`` the share of the year
of passability state ``s`` (``dry_days`` / ``rain_days`` / ``wet_days`` over 365), and
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
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from connectivity.config import RankingSection
from connectivity.errors import ConfigError, DataError
from connectivity.ranking.measures import (
    _EPM,
    _PM,
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
    market_weight, school_weight, health_weight : float
        Relative weight of a trip to a market, a school and a health facility
        (>= 0); normalised over the kinds a network has (see
        :meth:`kind_shares`), so ``health_weight`` counts only where there are
        health facilities.
    destination_weights : mapping of str to float
        Weights of other destination kinds a region names (``[destinations]``).
    dry_days, rain_days, wet_days : float
        Days a year of each passability state (summing to 365): dry; rains
        with rivers not in flood (wet-season speeds, fords passable but those of
        rivers at least ``[speeds] rain_shuts_width_m`` wide); rivers
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
    >>> w.kind_shares(("market", "school")), w.season_shares()
    ((0.75, 0.25), (0.8, 0.0, 0.2))
    >>> w.kind_shares(("market", "school", "health"))  # health_weight 0.5 by default
    (0.6666666666666666, 0.2222222222222222, 0.1111111111111111)
    """

    market_weight: float = 0.5
    school_weight: float = 0.5
    health_weight: float = 0.5
    destination_weights: Mapping[str, float] = field(default_factory=dict)
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
            "health_weight",
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
        for kind, value in self.destination_weights.items():
            if not (isinstance(value, int | float) and math.isfinite(value) and value >= 0):
                raise ConfigError(
                    f"ranking weight of {kind!r} must be a number >= 0, got {value!r}"
                )
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

    def kind_weights(self, kinds: Sequence[str]) -> dict[str, float]:
        """Return the weight of each of ``kinds``, as given.

        Raises
        ------
        ConfigError
            A kind with no weight (a region kind missing from ``destination_weights``).
        """
        fixed = {
            "market": self.market_weight,
            "school": self.school_weight,
            "health": self.health_weight,
        }
        out: dict[str, float] = {}
        for kind in kinds:
            if kind in fixed:
                out[kind] = float(fixed[kind])
            elif kind in self.destination_weights:
                out[kind] = float(self.destination_weights[kind])
            else:
                raise ConfigError(
                    f"no ranking weight for destination kind {kind!r}: give it in "
                    f"[ranking] destination_weights (has {sorted(self.destination_weights)})"
                )
        return out

    def kind_shares(self, kinds: Sequence[str]) -> tuple[float, ...]:
        """Weights of ``kinds`` (the network's destination kinds) normalised to sum to 1.

        Raises
        ------
        ConfigError
            A kind with no weight, or all the weights of ``kinds`` are 0.
        """
        weights = self.kind_weights(kinds)
        total = sum(weights.values())
        if total <= 0:
            raise ConfigError(f"ranking weights of {list(kinds)} are all 0: one must count")
        return tuple(weights[k] / total for k in kinds)

    def season_shares(self) -> tuple[float, float, float]:
        """Shares of the year of the (dry, rain, wet) states, by their days."""
        days = self.dry_days + self.rain_days + self.wet_days
        return self.dry_days / days, self.rain_days / days, self.wet_days / days

    def describe(self, kinds: Sequence[str] = ("market", "school")) -> str:
        """One line a reader understands, for the network's destination ``kinds``."""
        shares = " / ".join(
            f"{k} {share:.0%}" for k, share in zip(kinds, self.kind_shares(kinds), strict=True)
        )
        text = (
            f"{shares}; days a year: dry {self.dry_days:g}, rains with "
            f"only wide rivers' fords shut {self.rain_days:g}, rivers in flood (all fords shut) "
            f"{self.wet_days:g}"
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


def _scores(
    stats: np.ndarray, weights: ScoreWeights, searches: Sequence[tuple[str, str]]
) -> tuple[np.ndarray, np.ndarray]:
    """(score, person_min_saved) per row of kernel statistics over ``searches``."""
    kinds = list(dict.fromkeys(kind for kind, _ in searches))
    k_shares = dict(zip(kinds, weights.kind_shares(kinds), strict=True))
    seasons = weights.season_shares()
    score = np.zeros(len(stats))
    minutes = np.zeros(len(stats))
    for s, (kind, season) in enumerate(searches):
        k_share = k_shares[kind]
        s_share = seasons[SEASONS.index(season)]
        score += k_share * s_share * stats[:, s, _EPM]
        minutes += s_share * stats[:, s, _PM]
    return score, minutes
