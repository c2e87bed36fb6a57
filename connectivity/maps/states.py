"""Which passability state shows a gain: the programme's, each community's, each work's.

The year has three passability states (:data:`connectivity.access.SEASONS`):
the dry season; the rains, with the fords of wide rivers shut; rivers in
flood, with every ford shut. A programme of bridges saves nothing in the dry
season, so the investments map opens on the state in which the programme
saves most: the largest person-minutes per trip saved in that state, summed
over the destination kinds and weighted by the state's share of the year
(its days, ``[ranking] dry_days`` / ``rain_days`` / ``wet_days``), as the
score weighs them (:mod:`connectivity.ranking.score`). A community's route and
a work's route are drawn in the state in which they gain most, weighed alike.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np
import pandas as pd

from connectivity.access import SEASONS, UNREACHABLE_CAP_MIN
from connectivity.maps.encoding import _text
from connectivity.maps.works_view import _WorksView
from connectivity.ranking import ScoreWeights

__all__ = [
    "BestState",
    "best_state",
    "community_gain_states",
    "season_shares",
    "work_gain_states",
    "work_route_choice",
]

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class BestState:
    """The state (and destination kind) the investments map opens on, and why.

    Attributes
    ----------
    season : str
        One of :data:`~connectivity.access.SEASONS`.
    kind : str
        The destination kind whose trips gain most in ``season``.
    weighted : tuple of float
        Per state of :data:`~connectivity.access.SEASONS`: person-minutes per
        trip saved, summed over the kinds, times the state's share of the year.
    source : {"programme", "top", "none"}
        What was summed: the programme's works; the top-ranked works (the
        programme is empty); nothing gains (the map opens on the dry season).
    """

    season: str
    kind: str
    weighted: tuple[float, ...]
    source: Literal["programme", "top", "none"]


def season_shares(ranking: Any) -> tuple[float, float, float]:
    """Return the share of the year of each state, from the ranking's weights (or the defaults).

    Examples
    --------
    >>> [round(s, 3) for s in season_shares(object())]  # 245, 90 and 30 days
    [0.671, 0.247, 0.082]
    """
    weights = getattr(ranking, "weights", None)
    if not isinstance(weights, ScoreWeights):
        weights = ScoreWeights()
    return weights.season_shares()


def _person_minutes(
    table: pd.DataFrame, kinds: Sequence[str], columns: dict[str, str]
) -> np.ndarray:
    """(kinds, states) person-minutes per trip summed over the rows of ``table``."""
    out = np.zeros((len(kinds), len(SEASONS)))
    for i, kind in enumerate(kinds):
        for j, season in enumerate(SEASONS):
            col = columns.get(f"{kind}_{season}")
            if col is not None and col in table.columns:
                values = pd.to_numeric(table[col], errors="coerce").to_numpy(dtype=float)
                out[i, j] = float(np.nansum(np.where(np.isfinite(values), values, 0.0)))
    return out


def best_state(
    ranking: Any,
    view: _WorksView,
    kinds: Sequence[str],
    shares: Sequence[float],
    *,
    top_n: int,
) -> BestState:
    """Return the state in which the programme saves most, weighted by the days of each state.

    The programme's person-minutes per trip by kind and state are read from
    the portfolio table (``{kind}_{season}_person_min_saved``: what each work
    adds, in the order chosen), else from the ranking rows of the programme's
    works; with no programme, from the ``top_n`` top-ranked works. Ties go to
    the earlier state (dry, rains, flood) and the earlier kind.
    """
    by_variant = {v: c for c, v in view.person_min_columns}
    portfolio = getattr(ranking, "portfolio", None)
    source: Literal["programme", "top", "none"] = "programme"
    wanted = [f"{k}_{s}_person_min_saved" for k in kinds for s in SEASONS]
    if (
        isinstance(portfolio, pd.DataFrame)
        and len(portfolio)
        and all(c in portfolio.columns for c in wanted)
    ):
        own = {f"{k}_{s}": f"{k}_{s}_person_min_saved" for k in kinds for s in SEASONS}
        pm = _person_minutes(portfolio, kinds, own)
    elif view.portfolio:
        chosen = view.works[view.works.index.isin(view.portfolio)]
        pm = _person_minutes(chosen, kinds, by_variant)
    else:
        source = "top"
        pm = _person_minutes(view.works[view.works["rank"] <= top_n], kinds, by_variant)
    weighted = pm.sum(axis=0) * np.asarray(shares, dtype=float)
    if not np.any(weighted > 0):
        return BestState(SEASONS[0], kinds[0], tuple(float(x) for x in weighted), "none")
    j = int(np.argmax(weighted))  # the first of equal ones
    i = int(np.argmax(pm[:, j]))
    return BestState(SEASONS[j], kinds[i], tuple(float(x) for x in weighted), source)


def _saved(before: np.ndarray, after: np.ndarray, cap_min: float) -> np.ndarray:
    """Minutes saved, as the score counts them: each time capped at ``cap_min``, never < 0."""
    b = np.minimum(np.where(np.isnan(before), np.inf, before), cap_min)
    a = np.minimum(np.where(np.isnan(after), np.inf, after), cap_min)
    saved: np.ndarray = np.maximum(b - a, 0.0)
    return saved


def community_gain_states(
    access: pd.DataFrame,
    after: pd.DataFrame,
    kind: str,
    shares: Sequence[float],
    *,
    cap_min: float = UNREACHABLE_CAP_MIN,
) -> np.ndarray:
    """Return per community the state (index into SEASONS) its trips to ``kind`` gain most in.

    Minutes saved per trip in each state (capped as the score caps them),
    weighted by the state's share of the year; 0 (dry) where nothing is
    saved. ``after`` has the minutes after the programme, index community_id,
    a column per ``{kind}_{season}``.
    """
    ids = access["community_id"].map(_text).to_numpy()
    aligned = after.reindex(ids)
    gain = np.zeros((len(SEASONS), len(access)))
    for j, season in enumerate(SEASONS):
        v = f"{kind}_{season}"
        if v not in aligned.columns:
            continue
        before = access[f"{v}_min"].to_numpy(dtype=float)
        gain[j] = shares[j] * _saved(before, aligned[v].to_numpy(dtype=float), cap_min)
    states = np.argmax(gain, axis=0)
    return np.where(gain.max(axis=0) > 0, states, 0).astype(int)


def work_gain_states(view: _WorksView, kinds: Sequence[str], shares: Sequence[float]) -> np.ndarray:
    """Return, per work of ``view.works``, the state in which it saves most (weighted by days).

    0 (dry) for a work that saves nothing, or when the ranking has no
    person-minutes per kind and state.
    """
    works = view.works
    by_variant = {v: c for c, v in view.person_min_columns}
    weighted = np.zeros((len(SEASONS), len(works)))
    for j, season in enumerate(SEASONS):
        for kind in kinds:
            col = by_variant.get(f"{kind}_{season}")
            if col is not None:
                values = pd.to_numeric(works[col], errors="coerce").to_numpy(dtype=float)
                weighted[j] += shares[j] * np.where(np.isfinite(values), values, 0.0)
    states = np.argmax(weighted, axis=0)
    return np.where(weighted.max(axis=0) > 0, states, 0).astype(int)


def work_route_choice(
    gains: pd.DataFrame,
    population: np.ndarray,
    season: str,
    *,
    cap_min: float,
) -> tuple[int, str] | None:
    """Return the community (position) and kind whose trip a work improves most in ``season``.

    ``gains``: the work's rows of :attr:`_WorksView.gains` with ``pos`` (the
    community's position in the access table); the most person-minutes
    saved (capped as the score caps them) wins; ties to the earlier row.
    None when nothing gains in ``season``.
    """
    rows = gains[gains["variant"].str.rsplit("_", n=1).str[1] == season]
    if rows.empty:
        return None
    pos = rows["pos"].to_numpy(dtype=int)
    saved = _saved(
        rows["before_min"].to_numpy(dtype=float), rows["after_min"].to_numpy(dtype=float), cap_min
    )
    weight = saved * population[pos]
    best = int(np.argmax(weight))
    if weight[best] <= 0:
        return None
    return int(pos[best]), str(rows["variant"].iloc[best]).rsplit("_", 1)[0]
