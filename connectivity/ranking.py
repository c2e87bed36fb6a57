"""Access gained by road works: evaluation, ranking and a budget portfolio.

Takes the works of :mod:`connectivity.works` (edge changes that make roads
faster or add links) and answers the planner's question: which works, in which
order, give the most people faster access to markets and schools, and for how
much money.

How a work is evaluated (exactly, and fast)
-------------------------------------------
One multi-source search per facility kind and season, from the facilities over
the reversed graph, gives ``d(x)``: the time from every node ``x`` to its
nearest market (school) in the dry (``travel_time_s``) and wet
(``travel_time_wet_s``) season. A work only lowers edge times or adds edges,
so a node can only gain through one of the work's edges ``a -> b`` with new
time ``t'``: when ``t' + d(b) < d(a)``, a bounded Dijkstra search starts at
``a`` on the reversed graph (every changed edge of the work is a seed at once)
and visits only nodes whose time strictly falls. The improved nodes that hold
communities are the communities that gain. The result is *identical* to
recomputing every time from scratch with the work applied
(:func:`connectivity.works.apply_works` + :mod:`connectivity.routing`;
:func:`evaluate_works_by_recomputation` does that and the tests compare both).
The inner loop is compiled with numba over CSR arrays.

Measures per work (columns of :func:`evaluate_works`)
-----------------------------------------------------
For each facility kind ``k`` (``market``, ``school``) and season ``s``
(``dry``, ``wet``), over the communities whose time falls by more than
:data:`GAIN_TOL_S` (1e-6 s; smaller changes are rounding):

* ``{k}_{s}_person_min_saved`` — Σ population × minutes saved, where minutes
  are **capped** at ``cap_min`` (default :data:`UNREACHABLE_CAP_MIN`, 8 h):
  saved = min(before, cap) − min(after, cap). A community that could not reach
  a facility at all (``inf``) and now can counts as if it had been ``cap_min``
  away: a trip longer than a working day is treated as no better than no
  trip. The cap keeps the measure finite and additive (the savings of works
  done one after another add up to the saving of doing them together).
* ``{k}_{s}_people_newly_within_{T}min`` — people whose time crosses to
  ``<= T`` minutes, for each threshold ``T``.
* ``{k}_{s}_people_newly_reachable`` — people who could not reach any
  facility of that kind in that season and now can.
* ``{k}_people_no_longer_cut_off_wet`` (= ``{k}_wet_people_newly_reachable``)
  and ``people_no_longer_cut_off_wet`` — people whose wet-season time to a
  market *or* a school goes from unreachable to reachable (each person once).
* ``person_min_saved`` — Σ over kinds of ((1 − wet_weight) × dry + wet_weight
  × wet) person-minutes: person-minutes saved per trip to a market plus one to
  a school, on a typical day of the year if ``wet_weight`` is the wet season's
  share of it.
* ``communities_gaining`` and ``people_benefited`` — communities (their
  population) that gain in any kind or season.
* ``cost``, ``cost_net`` (what the budget pays, after co-financing),
  ``cost_per_person_benefited`` (= cost_net / people_benefited; NaN when no one
  benefits), ``minutes_saved_per_1000_soles`` (= person_min_saved per 1,000
  units of ``currency`` of cost_net — soles for ``PEN``; ``inf`` for a work the
  budget gets for free).

The composite ``score`` (see :class:`ScoreWeights`)::

    score = Σ_k Σ_s  m_k × w_s × Σ_c  e_c × pop_c × saved_min_c(k, s)

with ``m_market = market_weight / (market_weight + school_weight)``,
``m_school`` likewise, ``w_wet = wet_weight``, ``w_dry = 1 − wet_weight``, and
the equity weight ``e_c = 1 + equity_strength × value_c`` from a numeric
column of the communities (e.g. a district poverty rate; missing values count
as 0, so ``e_c = 1``); without an equity column ``e_c = 1``. The score is
therefore in (equity-weighted) person-minutes per trip, and additive in the
same way as the savings. ``score_per_1000`` is score per 1,000 of cost_net.

Ranking and portfolio
---------------------
:func:`rank_works` ranks works by ``score_per_1000`` (ties: higher score, then
``work_id``; works that gain nothing last). :func:`select_portfolio` builds a
programme under a budget greedily by score per unit of ``cost_net``, each step
against the network *already improved* by the works chosen before (two works on
the same route do not add up), with the same incremental search run on the
updated times. Gains can shrink (two upgrades of one route) but also grow (two
fords on one road: a bridge over one is worth little until the other is
bridged), so earlier scores are not upper bounds. Instead, after each choice
only the works whose score *can* have changed are evaluated again: those with
a changed edge ending at a node the chosen work improved, or improving a node
the chosen work improved or one its edges lead to (see :func:`_select` for why
that is exact). The programme is the same as re-evaluating every work at every
step (``lazy=False``). Its cumulative score equals the score of doing all its
works at once. A budget below every work's net cost gives an empty programme
and says so.
"""

from __future__ import annotations

import heapq
import logging
import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar, cast

import geopandas as gpd
import numba
import numpy as np
import pandas as pd
from tqdm.auto import tqdm

from connectivity import routing
from connectivity._io import atomic_write_text
from connectivity._logging import progress_enabled
from connectivity.config import RankingSection
from connectivity.errors import ConfigError, DataError
from connectivity.network import RoadNetwork
from connectivity.tables import write_csv, write_geopackage
from connectivity.works import WorkSet, apply_works

__all__ = [
    "FACILITY_KINDS",
    "GAIN_TOL_S",
    "SEASONS",
    "SEASON_WEIGHTS",
    "UNREACHABLE_CAP_MIN",
    "Portfolio",
    "RankingResult",
    "ScoreWeights",
    "evaluate_works",
    "evaluate_works_by_recomputation",
    "rank_works",
    "select_portfolio",
    "work_gains",
    "write_ranking_outputs",
]

log = logging.getLogger(__name__)

FACILITY_KINDS: tuple[str, str] = ("market", "school")
SEASONS: tuple[str, str] = ("dry", "wet")
#: Edge weight (seconds) of each season.
SEASON_WEIGHTS: dict[str, str] = {"dry": "travel_time_s", "wet": "travel_time_wet_s"}
#: Minutes at which a trip counts as "no trip": the cap of minutes saved.
UNREACHABLE_CAP_MIN = 480.0
#: A community gains when its time falls by more than this (seconds).
GAIN_TOL_S = 1e-6

#: The four searches, in kernel order: (kind, season); search s uses season s % 2.
_SEARCHES: tuple[tuple[str, str], ...] = tuple((k, s) for k in FACILITY_KINDS for s in SEASONS)
# per-search statistics computed by the kernel (then the thresholds)
_PM, _EPM, _NCOMM, _POP, _NEWLY_REACHABLE, _N_FIXED = 0, 1, 2, 3, 4, 5
# per-work statistics over all searches
_ANY_N, _ANY_POP, _CUT_POP = 0, 1, 2

_F = TypeVar("_F", bound=Callable[..., Any])


def _jit(func: _F) -> _F:
    """Compile with numba (nopython, cached on disk), keeping the function's type."""
    return cast(_F, numba.njit(cache=True, nogil=True)(func))


# -- score weights ----------------------------------------------------------------------


@dataclass(frozen=True)
class ScoreWeights:
    """User weights of the composite score (the ``[ranking]`` config section).

    Attributes
    ----------
    market_weight, school_weight : float
        Relative weight of a trip to a market and to a school (>= 0, not both
        0); normalised to sum to 1.
    wet_weight : float
        Share of the wet season (0..1); the dry season gets ``1 - wet_weight``.
    equity_column : str or None
        Numeric column of the communities (e.g. ``poverty_rate``) giving each
        community the weight ``1 + equity_strength * value``.
    equity_strength : float
        Strength of the equity weight (>= 0; 0 turns it off).
    top_n : int
        How many works the explanation text lists.

    Examples
    --------
    >>> w = ScoreWeights(market_weight=3, school_weight=1, wet_weight=0.25)
    >>> w.kind_shares(), w.season_shares()
    ((0.75, 0.25), (0.75, 0.25))
    """

    market_weight: float = 0.5
    school_weight: float = 0.5
    wet_weight: float = 0.5
    equity_column: str | None = None
    equity_strength: float = 0.0
    top_n: int = 20

    def __post_init__(self) -> None:
        for name in ("market_weight", "school_weight", "equity_strength"):
            value = getattr(self, name)
            if not (isinstance(value, int | float) and math.isfinite(value) and value >= 0):
                raise ConfigError(f"ranking weight {name} must be a number >= 0, got {value!r}")
        if self.market_weight + self.school_weight <= 0:
            raise ConfigError("ranking weights: market_weight and school_weight are both 0")
        wet = self.wet_weight
        if not (isinstance(wet, int | float) and 0 <= wet <= 1):
            raise ConfigError(f"ranking weight wet_weight must be within 0..1, got {wet!r}")
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

    def season_shares(self) -> tuple[float, float]:
        """(dry, wet) weights."""
        return 1.0 - self.wet_weight, float(self.wet_weight)

    def describe(self) -> str:
        """One line a reader understands."""
        m, s = self.kind_shares()
        text = f"market {m:.0%} / school {s:.0%}, wet season {self.wet_weight:.0%} of the year"
        if self.equity_column and self.equity_strength > 0:
            text += f", equity weight 1 + {self.equity_strength:g} x {self.equity_column}"
        return text


# -- numba kernels ----------------------------------------------------------------------


@_jit
def _heap_push(keys: np.ndarray, nodes: np.ndarray, size: int, key: float, node: int) -> int:
    i = size
    while i > 0:
        parent = (i - 1) >> 1
        if keys[parent] <= key:
            break
        keys[i] = keys[parent]
        nodes[i] = nodes[parent]
        i = parent
    keys[i] = key
    nodes[i] = node
    return size + 1


@_jit
def _heap_pop(keys: np.ndarray, nodes: np.ndarray, size: int) -> tuple[float, int, int]:
    key = keys[0]
    node = nodes[0]
    size -= 1
    if size > 0:
        last_key = keys[size]
        last_node = nodes[size]
        i = 0
        while True:
            child = 2 * i + 1
            if child >= size:
                break
            if child + 1 < size and keys[child + 1] < keys[child]:
                child += 1
            if keys[child] >= last_key:
                break
            keys[i] = keys[child]
            nodes[i] = nodes[child]
            i = child
        keys[i] = last_key
        nodes[i] = last_node
    return key, node, size


@_jit
def _relax(
    y: int,
    cand: float,
    d: np.ndarray,
    nd: np.ndarray,
    heap_keys: np.ndarray,
    heap_nodes: np.ndarray,
    size: int,
    touched: np.ndarray,
    n_touched: int,
) -> tuple[int, int]:
    """Lower ``nd[y]`` to ``cand`` if that improves it; record a first lowering in ``touched``.

    Returns the new heap size and touched count.
    """
    if cand < nd[y]:
        if nd[y] == d[y]:
            touched[n_touched] = y
            n_touched += 1
        nd[y] = cand
        size = _heap_push(heap_keys, heap_nodes, size, cand, y)
    return size, n_touched


@_jit
def _search(
    seed_nodes: np.ndarray,
    seed_keys: np.ndarray,
    n_seeds: int,
    indptr: np.ndarray,
    tails: np.ndarray,
    w: np.ndarray,
    ex_first: np.ndarray,
    ex_next: np.ndarray,
    ex_tail: np.ndarray,
    ex_w: np.ndarray,
    wk_first: np.ndarray,
    wk_next: np.ndarray,
    wk_tail: np.ndarray,
    wk_w: np.ndarray,
    d: np.ndarray,
    nd: np.ndarray,
    heap_keys: np.ndarray,
    heap_nodes: np.ndarray,
    touched: np.ndarray,
) -> int:
    """Dijkstra on the reversed graph from seeds, relaxing only strict improvements.

    ``nd`` equals ``d`` on entry except where the search lowers it; the nodes
    lowered are written to ``touched`` (count returned). Edges into a node x
    come from three lists: the base CSR row x (``indptr``, ``tails``, ``w``),
    added edges of works already committed (linked list ``ex_*``) and the
    current work's changed edges (linked list ``wk_*``).
    """
    size = 0
    n_touched = 0
    for i in range(n_seeds):
        size, n_touched = _relax(
            seed_nodes[i], seed_keys[i], d, nd, heap_keys, heap_nodes, size, touched, n_touched
        )
    while size > 0:
        key, x, size = _heap_pop(heap_keys, heap_nodes, size)
        if key > nd[x]:
            continue  # stale entry
        for p in range(indptr[x], indptr[x + 1]):
            size, n_touched = _relax(
                tails[p], key + w[p], d, nd, heap_keys, heap_nodes, size, touched, n_touched
            )
        j = ex_first[x]
        while j >= 0:
            size, n_touched = _relax(
                ex_tail[j], key + ex_w[j], d, nd, heap_keys, heap_nodes, size, touched, n_touched
            )
            j = ex_next[j]
        j = wk_first[x]
        while j >= 0:
            size, n_touched = _relax(
                wk_tail[j], key + wk_w[j], d, nd, heap_keys, heap_nodes, size, touched, n_touched
            )
            j = wk_next[j]
    return n_touched


@_jit
def _evaluate_kernel(
    works: np.ndarray,
    work_ptr: np.ndarray,
    ch_tail: np.ndarray,
    ch_head: np.ndarray,
    ch_w: np.ndarray,
    indptr: np.ndarray,
    tails: np.ndarray,
    weights: np.ndarray,
    ex_first: np.ndarray,
    ex_next: np.ndarray,
    ex_tail: np.ndarray,
    ex_w: np.ndarray,
    dist: np.ndarray,
    new_dist: np.ndarray,
    node_comm_ptr: np.ndarray,
    node_comm: np.ndarray,
    pop: np.ndarray,
    equity: np.ndarray,
    thresholds_min: np.ndarray,
    cap_min: float,
    gain_tol_s: float,
    commit: bool,
    want_records: bool,
    want_regions: bool,
    wk_first: np.ndarray,
    wk_next: np.ndarray,
    heap_keys: np.ndarray,
    heap_nodes: np.ndarray,
    touched: np.ndarray,
    comm_stamp: np.ndarray,
    cut_stamp: np.ndarray,
    stamp0: int,
    seed_nodes: np.ndarray,
    seed_keys: np.ndarray,
) -> tuple[
    np.ndarray,
    np.ndarray,
    np.ndarray,
    np.ndarray,
    np.ndarray,
    np.ndarray,
    np.ndarray,
    np.ndarray,
    np.ndarray,
]:
    """Evaluate works (indices ``works``) against ``dist``; see :meth:`_Engine.evaluate`."""
    n_eval = len(works)
    reg_cap = 16
    reg_nodes = np.empty(reg_cap, dtype=np.int64)
    reg_ptr = np.zeros(n_eval + 1, dtype=np.int64)
    n_reg = 0
    n_thr = len(thresholds_min)
    stats = np.zeros((n_eval, 4, 5 + n_thr))
    overall = np.zeros((n_eval, 3))
    cap = 16
    rec_work = np.empty(cap, dtype=np.int64)
    rec_comm = np.empty(cap, dtype=np.int64)
    rec_s = np.empty(cap, dtype=np.int64)
    rec_before = np.empty(cap)
    rec_after = np.empty(cap)
    n_rec = 0
    for i in range(n_eval):
        wi = works[i]
        lo = work_ptr[wi]
        hi = work_ptr[wi + 1]
        stamp = stamp0 + i
        for j in range(lo, hi):
            h = ch_head[j]
            wk_next[j] = wk_first[h]
            wk_first[h] = j
        for s in range(4):
            season = s % 2
            d = dist[s]
            nd = new_dist[s]
            cw = ch_w[season]
            n_seeds = 0
            for j in range(lo, hi):
                a = ch_tail[j]
                key = cw[j] + d[ch_head[j]]
                if key < d[a]:
                    seed_nodes[n_seeds] = a
                    seed_keys[n_seeds] = key
                    n_seeds += 1
            if n_seeds == 0:
                continue
            n_touched = _search(
                seed_nodes,
                seed_keys,
                n_seeds,
                indptr,
                tails,
                weights[season],
                ex_first,
                ex_next,
                ex_tail,
                ex_w[season],
                wk_first,
                wk_next,
                ch_tail,
                cw,
                d,
                nd,
                heap_keys,
                heap_nodes,
                touched,
            )
            if want_regions:
                if n_reg + n_touched > reg_cap:
                    reg_cap = max(2 * reg_cap, n_reg + n_touched)
                    grown_r = np.empty(reg_cap, dtype=np.int64)
                    grown_r[:n_reg] = reg_nodes[:n_reg]
                    reg_nodes = grown_r
                reg_nodes[n_reg : n_reg + n_touched] = touched[:n_touched]
                n_reg += n_touched
            for q in range(n_touched):
                y = touched[q]
                before = d[y]
                after = nd[y]
                if before - after > gain_tol_s:
                    b_min = before / 60.0
                    a_min = after / 60.0
                    saved = min(b_min, cap_min) - min(a_min, cap_min)
                    for r in range(node_comm_ptr[y], node_comm_ptr[y + 1]):
                        c = node_comm[r]
                        p = pop[c]
                        stats[i, s, 0] += p * saved
                        stats[i, s, 1] += equity[c] * p * saved
                        stats[i, s, 2] += 1.0
                        stats[i, s, 3] += p
                        if math.isinf(before):
                            stats[i, s, 4] += p
                            if season == 1 and cut_stamp[c] != stamp:
                                cut_stamp[c] = stamp
                                overall[i, 2] += p
                        for t in range(n_thr):
                            if b_min > thresholds_min[t] and a_min <= thresholds_min[t]:
                                stats[i, s, 5 + t] += p
                        if comm_stamp[c] != stamp:
                            comm_stamp[c] = stamp
                            overall[i, 0] += 1.0
                            overall[i, 1] += p
                        if want_records:
                            if n_rec == cap:
                                cap *= 2
                                grown_i = np.empty(cap, dtype=np.int64)
                                grown_i[:n_rec] = rec_work[:n_rec]
                                rec_work = grown_i
                                grown_i = np.empty(cap, dtype=np.int64)
                                grown_i[:n_rec] = rec_comm[:n_rec]
                                rec_comm = grown_i
                                grown_i = np.empty(cap, dtype=np.int64)
                                grown_i[:n_rec] = rec_s[:n_rec]
                                rec_s = grown_i
                                grown_f = np.empty(cap)
                                grown_f[:n_rec] = rec_before[:n_rec]
                                rec_before = grown_f
                                grown_f = np.empty(cap)
                                grown_f[:n_rec] = rec_after[:n_rec]
                                rec_after = grown_f
                            rec_work[n_rec] = i
                            rec_comm[n_rec] = c
                            rec_s[n_rec] = s
                            rec_before[n_rec] = before
                            rec_after[n_rec] = after
                            n_rec += 1
                if commit:
                    d[y] = after
                else:
                    nd[y] = before
        for j in range(lo, hi):
            wk_first[ch_head[j]] = -1
        reg_ptr[i + 1] = n_reg
    return (
        stats,
        overall,
        rec_work[:n_rec],
        rec_comm[:n_rec],
        rec_s[:n_rec],
        rec_before[:n_rec],
        rec_after[:n_rec],
        reg_nodes[:n_reg],
        reg_ptr,
    )


# -- the engine: arrays of a network and the current travel times --------------------------


@dataclass
class _Changes:
    """A work set's edge changes as arrays, grouped by work (positions in ``ids``)."""

    ids: list[str]
    work_ptr: np.ndarray  # changes of work i are rows work_ptr[i]:work_ptr[i+1]
    tail: np.ndarray  # node position of u
    head: np.ndarray  # node position of v
    w: np.ndarray  # (2, k) new dry / wet times
    csr_pos: np.ndarray  # position of the replaced edge in the reversed CSR; -1 for "add"


@dataclass
class _Records:
    """Communities that gained: evaluation row, community, search, seconds before/after."""

    work: np.ndarray
    comm: np.ndarray
    search: np.ndarray
    before: np.ndarray
    after: np.ndarray

    @classmethod
    def empty(cls) -> _Records:
        ints = np.empty(0, dtype=np.int64)
        return cls(ints, ints, ints, np.empty(0), np.empty(0))

    @classmethod
    def concat(cls, parts: Sequence[_Records]) -> _Records:
        if not parts:
            return cls.empty()
        return cls(
            *(
                np.concatenate([getattr(p, f) for p in parts])
                for f in ("work", "comm", "search", "before", "after")
            )
        )


@dataclass
class _Evaluation:
    """What the kernel returns for a batch of works (rows in evaluation order)."""

    stats: np.ndarray  # (works, 4 searches, statistics)
    overall: np.ndarray  # (works, 3): communities gaining, people benefited, cut off no more
    records: _Records
    region_nodes: np.ndarray  # nodes whose time fell, work after work
    region_ptr: np.ndarray  # work i's nodes: region_nodes[region_ptr[i]:region_ptr[i + 1]]


def _as_seconds(values: Any) -> np.ndarray:
    arr = np.asarray(values, dtype=np.float64).copy()
    arr[np.isnan(arr)] = np.inf
    return arr


class _Engine:
    """Reversed CSR arrays of a network, its communities, and current times.

    ``dist[s]`` holds, for search ``s`` of :data:`_SEARCHES`, the time from
    every node to the nearest facility of that kind and season under the
    network with every committed work done; ``baseline`` the times of the
    base network.
    """

    def __init__(
        self,
        network: RoadNetwork,
        weights: ScoreWeights,
        thresholds_min: Sequence[float],
        cap_min: float,
    ) -> None:
        self.network = network
        self.cap_min = cap_min
        nodes = network.nodes.index
        if not nodes.is_unique:
            raise DataError("network node ids are not unique")
        self.node_index = pd.Index(nodes)
        n = len(nodes)
        edges = network.edges
        missing = [c for c in SEASON_WEIGHTS.values() if c not in edges.columns]
        if missing:
            raise DataError(f"network edges lack travel-time column(s) {missing}")
        u = self.node_index.get_indexer(edges.index.get_level_values(0))
        v = self.node_index.get_indexer(edges.index.get_level_values(1))
        if (u < 0).any() or (v < 0).any():
            raise DataError("network edges refer to nodes not in network.nodes")
        w = np.vstack([_as_seconds(edges[SEASON_WEIGHTS[s]]) for s in SEASONS])
        if (w < 0).any():
            raise DataError("network edges have negative travel times")
        order = np.argsort(v, kind="stable")
        self.indptr = np.zeros(n + 1, dtype=np.int64)
        np.cumsum(np.bincount(v, minlength=n), out=self.indptr[1:])
        self.tails = u[order].astype(np.int64)
        self.weights = np.ascontiguousarray(w[:, order])
        self.csr_pos = np.empty(len(order), dtype=np.int64)
        self.csr_pos[order] = np.arange(len(order), dtype=np.int64)
        self.edge_index = edges.index
        self.n = n
        # edges added by committed works (linked lists by head)
        self.ex_first = np.full(n, -1, dtype=np.int64)
        self.ex_next = np.empty(0, dtype=np.int64)
        self.ex_tail = np.empty(0, dtype=np.int64)
        self.ex_w = np.empty((2, 0))
        self.n_extra = 0

        comm = network.communities
        for col in ("community_id", "node_id", "population"):
            if col not in comm.columns:
                raise DataError(f"communities lack the {col!r} column")
        comm_pos = self.node_index.get_indexer(comm["node_id"])
        if (comm_pos < 0).any():
            raise DataError("some communities' node_id are not network nodes")
        pop = pd.to_numeric(comm["population"], errors="coerce").to_numpy(dtype=float)
        if np.isnan(pop).any():
            log.warning("%d communities without population count as 0 people", np.isnan(pop).sum())
            pop = np.nan_to_num(pop, nan=0.0)
        if (pop < 0).any():
            raise DataError("communities have negative population")
        self.pop = np.array(pop, dtype=np.float64)  # writable: one numba specialisation
        self.n_comm = len(comm)
        self.comm_node = comm_pos.astype(np.int64)
        by_node = np.argsort(comm_pos, kind="stable")
        self.node_comm = by_node.astype(np.int64)
        self.node_comm_ptr = np.zeros(n + 1, dtype=np.int64)
        np.cumsum(np.bincount(comm_pos, minlength=n), out=self.node_comm_ptr[1:])
        self.equity = np.array(_equity_weights(network.communities, weights), dtype=np.float64)
        self.thresholds = np.array(thresholds_min, dtype=np.float64)

        # scratch arrays of the kernel
        self.wk_first = np.full(n, -1, dtype=np.int64)
        self.touched = np.empty(n, dtype=np.int64)
        self.comm_stamp = np.full(self.n_comm, -1, dtype=np.int64)
        self.cut_stamp = np.full(self.n_comm, -1, dtype=np.int64)
        self.stamp = 0
        self.heap_keys = np.empty(0)
        self.heap_nodes = np.empty(0, dtype=np.int64)
        self.seed_nodes = np.empty(0, dtype=np.int64)
        self.seed_keys = np.empty(0)
        self.wk_next = np.empty(0, dtype=np.int64)
        self._scratch(0, 0)

        # baseline: one multi-source search per kind and season
        self.dist = np.empty((4, n))
        for s, (kind, season) in enumerate(_SEARCHES):
            layer = getattr(network, f"{kind}s")
            if layer.empty:
                raise DataError(f"no {kind}s in the region: cannot compute travel times to them")
            src = np.unique(self.node_index.get_indexer(layer["node_id"]))
            if (src < 0).any():
                raise DataError(f"some {kind}s' node_id are not network nodes")
            self.dist[s] = self._full_search(src, SEASONS.index(season))
        self.new_dist = self.dist.copy()
        self.baseline = self.dist.copy()

    def _scratch(self, max_changes: int, n_seeds: int, total_changes: int = 0) -> None:
        """(Re)allocate the kernel's buffers so that no write can overflow them.

        The heap holds at most one entry per seed plus one per relaxation
        that improves a node, and each node is expanded once: at most every
        edge (base, committed additions, the work's changes) once.
        ``wk_next`` is indexed by change row (``total_changes`` rows).
        """
        capacity = len(self.tails) + self.n_extra + max_changes + n_seeds + 1
        if self.heap_keys.size < capacity:
            self.heap_keys = np.empty(capacity)
            self.heap_nodes = np.empty(capacity, dtype=np.int64)
        if self.seed_nodes.size < max(max_changes, 1):
            self.seed_nodes = np.empty(max(max_changes, 1), dtype=np.int64)
            self.seed_keys = np.empty(max(max_changes, 1))
        if self.wk_next.size < total_changes:
            self.wk_next = np.empty(total_changes, dtype=np.int64)

    def _full_search(self, sources: np.ndarray, season: int) -> np.ndarray:
        self._scratch(0, len(sources))
        d = np.full(self.n, np.inf)
        nd = d.copy()
        empty_i = np.empty(0, dtype=np.int64)
        _search(
            sources.astype(np.int64),
            np.zeros(len(sources)),
            len(sources),
            self.indptr,
            self.tails,
            self.weights[season],
            self.ex_first,
            self.ex_next,
            self.ex_tail,
            self.ex_w[season],
            self.wk_first,
            empty_i,
            empty_i,
            np.empty(0),
            d,
            nd,
            self.heap_keys,
            self.heap_nodes,
            self.touched,
        )
        return nd

    def changes(self, workset: WorkSet) -> _Changes:
        """Arrays of a work set's changes (validated against the network)."""
        workset.validate(self.network)
        ids = workset.ids
        ch = workset.changes
        work_of = pd.Index(ids).get_indexer(pd.Index(ch["work_id"]))
        order = np.argsort(work_of, kind="stable")
        ch = ch.iloc[order]
        work_of = work_of[order]
        work_ptr = np.zeros(len(ids) + 1, dtype=np.int64)
        np.cumsum(np.bincount(work_of, minlength=len(ids)), out=work_ptr[1:])
        tail = self.node_index.get_indexer(ch["u"]).astype(np.int64)
        head = self.node_index.get_indexer(ch["v"]).astype(np.int64)
        w = np.vstack([_as_seconds(ch[SEASON_WEIGHTS[s]]) for s in SEASONS])
        if (w < 0).any():
            raise DataError("work changes have negative travel times")
        csr_pos = np.full(len(ch), -1, dtype=np.int64)
        rep = (ch["action"] == "replace").to_numpy()
        if rep.any():
            keys = pd.MultiIndex.from_arrays(
                [ch["u"].to_numpy()[rep], ch["v"].to_numpy()[rep], ch["key"].to_numpy()[rep]]
            )
            rows = self.edge_index.get_indexer(keys)
            if (rows < 0).any():
                raise DataError("'replace' changes name edges not in the network")
            csr_pos[rep] = self.csr_pos[rows]
        return _Changes(ids, work_ptr, tail, head, np.ascontiguousarray(w), csr_pos)

    def evaluate(
        self,
        changes: _Changes,
        works: np.ndarray,
        *,
        records: bool = False,
        regions: bool = False,
        commit: bool = False,
    ) -> _Evaluation:
        """Statistics of works (positions in ``changes.ids``) against the current times.

        With ``records``, the communities that gain; with ``regions``, every
        node whose time falls (per work, the four searches' nodes in a row).
        With ``commit`` (one work), the current times become the times with
        the work done; :meth:`commit` also updates the graph.
        """
        works = np.asarray(works, dtype=np.int64)
        if len(works) and (works.min() < 0 or works.max() >= len(changes.ids)):
            raise IndexError("work positions out of range")
        sizes = np.diff(changes.work_ptr)
        max_changes = int(sizes[works].max()) if len(works) else 0
        self._scratch(max_changes, 0, len(changes.tail))
        stats, overall, *rest = _evaluate_kernel(
            works,
            changes.work_ptr,
            changes.tail,
            changes.head,
            changes.w,
            self.indptr,
            self.tails,
            self.weights,
            self.ex_first,
            self.ex_next,
            self.ex_tail,
            self.ex_w,
            self.dist,
            self.new_dist,
            self.node_comm_ptr,
            self.node_comm,
            self.pop,
            self.equity,
            self.thresholds,
            float(self.cap_min),
            GAIN_TOL_S,
            commit,
            records,
            regions,
            self.wk_first,
            self.wk_next,
            self.heap_keys,
            self.heap_nodes,
            self.touched,
            self.comm_stamp,
            self.cut_stamp,
            self.stamp,
            self.seed_nodes,
            self.seed_keys,
        )
        self.stamp += len(works)
        return _Evaluation(stats, overall, _Records(*rest[:5]), rest[5], rest[6])

    def commit(self, changes: _Changes, work: int) -> _Evaluation:
        """Do one work: update the current times and the graph; return its evaluation."""
        result = self.evaluate(changes, np.array([work]), records=True, regions=True, commit=True)
        lo, hi = int(changes.work_ptr[work]), int(changes.work_ptr[work + 1])
        pos = changes.csr_pos[lo:hi]
        rep = pos >= 0
        if rep.any():
            for season in range(2):
                np.minimum.at(self.weights[season], pos[rep], changes.w[season, lo:hi][rep])
        add = np.flatnonzero(~rep) + lo
        if len(add):
            need = self.n_extra + len(add)
            if need > len(self.ex_tail):
                grow = max(need, 2 * len(self.ex_tail), 16)
                self.ex_next = np.resize(self.ex_next, grow)
                self.ex_tail = np.resize(self.ex_tail, grow)
                ex_w = np.empty((2, grow))
                ex_w[:, : self.n_extra] = self.ex_w[:, : self.n_extra]
                self.ex_w = ex_w
            for j in add.tolist():
                e = self.n_extra
                h = int(changes.head[j])
                self.ex_tail[e] = changes.tail[j]
                self.ex_w[:, e] = changes.w[:, j]
                self.ex_next[e] = self.ex_first[h]
                self.ex_first[h] = e
                self.n_extra += 1
        return result


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


# -- tables from statistics ---------------------------------------------------------------


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


def _table_from_stats(
    workset: WorkSet,
    stats: np.ndarray,
    overall: np.ndarray,
    weights: ScoreWeights,
    thresholds: Sequence[float],
) -> pd.DataFrame:
    works = workset.works
    out = pd.DataFrame(index=pd.Index(workset.ids, name="work_id"))
    for col in ("name", "work_type", "origin"):
        if col in works.columns:
            out[col] = works[col].to_numpy()
    for s, (kind, season) in enumerate(_SEARCHES):
        out[f"{kind}_{season}_person_min_saved"] = stats[:, s, _PM]
    for s, (kind, season) in enumerate(_SEARCHES):
        for t_i, t in enumerate(thresholds):
            out[f"{kind}_{season}_people_newly_within_{_fmt_t(t)}min"] = stats[:, s, _N_FIXED + t_i]
    for s, (kind, season) in enumerate(_SEARCHES):
        out[f"{kind}_{season}_people_newly_reachable"] = stats[:, s, _NEWLY_REACHABLE]
    for kind in FACILITY_KINDS:
        out[f"{kind}_people_no_longer_cut_off_wet"] = out[f"{kind}_wet_people_newly_reachable"]
    out["people_no_longer_cut_off_wet"] = overall[:, _CUT_POP]
    score, minutes = _scores(stats, weights)
    out["person_min_saved"] = minutes
    out["communities_gaining"] = overall[:, _ANY_N].astype(np.int64)
    out["people_benefited"] = overall[:, _ANY_POP]
    cost = works["cost"].to_numpy(dtype=float)
    if "cost_net" in works.columns:
        cost_net = works["cost_net"].to_numpy(dtype=float)
    else:
        cost_net = cost * (1 - works["cofinancing_share"].to_numpy(dtype=float))
    out["cost"] = cost
    out["cost_net"] = cost_net
    out["currency"] = workset.currency
    out["price_year"] = workset.price_year
    with np.errstate(divide="ignore", invalid="ignore"):
        people = out["people_benefited"].to_numpy()
        out["cost_per_person_benefited"] = np.where(people > 0, cost_net / people, np.nan)
        out["minutes_saved_per_1000_soles"] = _per_1000(minutes, cost_net)
        out["score"] = score
        out["score_per_1000"] = _per_1000(score, cost_net)
    return out


def _per_1000(value: np.ndarray, cost: np.ndarray) -> np.ndarray:
    with np.errstate(divide="ignore", invalid="ignore"):
        ratio = np.where(value > 0, 1000.0 * value / cost, 0.0)
    return np.asarray(ratio, dtype=float)


def _gains_table(
    network: RoadNetwork,
    workset: WorkSet,
    records: _Records,
    row_work: np.ndarray,
    baseline_min: np.ndarray,
    weights: ScoreWeights,
    cap_min: float,
) -> pd.DataFrame:
    """One row per (work, community that gains): minutes before/after per kind and season.

    ``row_work`` maps a record's ``work`` (evaluation row) to the work's
    position in ``workset.ids``; ``baseline_min`` is (4, communities).
    """
    comm = network.communities
    ids = np.asarray(workset.ids, dtype=object)
    work_pos = row_work[records.work]
    key = work_pos * len(comm) + records.comm
    pairs, inverse = np.unique(key, return_inverse=True)
    p_work = pairs // max(len(comm), 1)
    p_comm = pairs % max(len(comm), 1)
    before = baseline_min[:, p_comm].copy()
    after = before.copy()
    before[records.search, inverse] = records.before / 60.0
    after[records.search, inverse] = records.after / 60.0
    out = pd.DataFrame({"work_id": ids[p_work]})
    out["community_id"] = comm["community_id"].to_numpy()[p_comm] if len(comm) else []
    for col in ("name", "district"):
        if col in comm.columns:
            out[col] = comm[col].to_numpy()[p_comm]
    pop = pd.to_numeric(comm["population"], errors="coerce").fillna(0).to_numpy(dtype=float)
    out["population"] = pop[p_comm]
    seasons = weights.season_shares()
    pm = np.zeros(len(out))
    for s, (kind, season) in enumerate(_SEARCHES):
        out[f"{kind}_{season}_min_before"] = before[s]
        out[f"{kind}_{season}_min_after"] = after[s]
        saved = np.minimum(before[s], cap_min) - np.minimum(after[s], cap_min)
        pm += seasons[SEASONS.index(season)] * saved
    out["person_min_saved"] = pm * out["population"].to_numpy()
    wet = [s for s, (_, season) in enumerate(_SEARCHES) if season == "wet"]
    out["no_longer_cut_off_wet"] = np.any(np.isinf(before[wet]) & np.isfinite(after[wet]), axis=0)
    order = np.lexsort((out["community_id"].astype(str).to_numpy(), -pm, p_work))
    return out.iloc[order].reset_index(drop=True)


# -- evaluation -------------------------------------------------------------------------


_CHUNK = 512


def _evaluate_all(
    engine: _Engine, changes: _Changes, *, records: bool
) -> tuple[np.ndarray, np.ndarray, _Records]:
    n_works = len(changes.ids)
    stats_parts: list[np.ndarray] = []
    overall_parts: list[np.ndarray] = []
    rec_parts: list[_Records] = []
    starts = range(0, n_works, _CHUNK)
    bar = tqdm(
        total=n_works,
        desc="evaluating works",
        unit="work",
        disable=not progress_enabled() or n_works <= 2 * _CHUNK,
    )
    with bar:
        for start in starts:
            rows = np.arange(start, min(start + _CHUNK, n_works), dtype=np.int64)
            ev = engine.evaluate(changes, rows, records=records)
            ev.records.work = ev.records.work + start
            stats_parts.append(ev.stats)
            overall_parts.append(ev.overall)
            rec_parts.append(ev.records)
            bar.update(len(rows))
    n_stat = _N_FIXED + len(engine.thresholds)
    stats = np.concatenate(stats_parts) if stats_parts else np.zeros((0, 4, n_stat))
    overall = np.concatenate(overall_parts) if overall_parts else np.zeros((0, 3))
    return stats, overall, _Records.concat(rec_parts)


def _prepare(
    network: RoadNetwork,
    workset: WorkSet,
    thresholds_min: Sequence[float],
    weights: ScoreWeights | RankingSection | Mapping[str, Any] | None,
    cap_min: float,
) -> tuple[_Engine, _Changes, ScoreWeights, list[float]]:
    score_weights = ScoreWeights.from_config(weights)
    thresholds = _check_thresholds(thresholds_min)
    cap = _check_cap(cap_min)
    engine = _Engine(network, score_weights, thresholds, cap)
    changes = engine.changes(workset)
    return engine, changes, score_weights, thresholds


def evaluate_works(
    network: RoadNetwork,
    workset: WorkSet,
    *,
    thresholds_min: Sequence[float] = (30, 60, 120),
    weights: ScoreWeights | RankingSection | Mapping[str, Any] | None = None,
    cap_min: float = UNREACHABLE_CAP_MIN,
) -> pd.DataFrame:
    """Access gained by each work alone, against the base network.

    Parameters
    ----------
    network : RoadNetwork
        The base network (communities, markets and schools attached).
    workset : WorkSet
        The works; validated against ``network``.
    thresholds_min : sequence of float
        Thresholds (minutes) for "people newly within".
    weights : ScoreWeights, RankingSection or mapping, optional
        Weights of the composite score (defaults: :class:`ScoreWeights`).
    cap_min : float
        Cap of minutes for savings (see the module docstring).

    Returns
    -------
    pandas.DataFrame
        Indexed by ``work_id`` in the work set's order; the columns listed in
        the module docstring.

    Raises
    ------
    DataError
        Invalid works (see :meth:`WorkSet.validate`), no markets or schools.
    ConfigError
        Invalid weights or thresholds.
    """
    engine, changes, score_weights, thresholds = _prepare(
        network, workset, thresholds_min, weights, cap_min
    )
    stats, overall, _ = _evaluate_all(engine, changes, records=False)
    table = _table_from_stats(workset, stats, overall, score_weights, thresholds)
    log.info(
        "evaluated %d works: %d gain something; best score %.0f",
        len(table),
        int((table["people_benefited"] > 0).sum()),
        float(table["score"].max()) if len(table) else 0.0,
    )
    return table


def work_gains(
    network: RoadNetwork,
    workset: WorkSet,
    *,
    weights: ScoreWeights | RankingSection | Mapping[str, Any] | None = None,
    cap_min: float = UNREACHABLE_CAP_MIN,
) -> pd.DataFrame:
    """For every work, the communities that gain, with minutes before and after.

    Parameters
    ----------
    network : RoadNetwork
    workset : WorkSet
    weights : ScoreWeights, RankingSection or mapping, optional
        Only the season shares are used (for ``person_min_saved``).
    cap_min : float
        Cap of minutes for savings.

    Returns
    -------
    pandas.DataFrame
        One row per (work, community that gains): ``work_id``,
        ``community_id``, ``name``/``district`` (when the communities have
        them), ``population``, ``{kind}_{season}_min_before`` / ``_after``
        (``inf``: unreachable), ``person_min_saved`` (season-weighted, capped,
        times population) and ``no_longer_cut_off_wet``. Ordered by work (in
        the work set's order), then by person-minutes saved.
    """
    engine, changes, score_weights, _ = _prepare(network, workset, (), weights, cap_min)
    _, _, records = _evaluate_all(engine, changes, records=True)
    return _gains_table(
        network,
        workset,
        records,
        np.arange(len(changes.ids)),
        engine.baseline[:, engine.comm_node] / 60.0,
        score_weights,
        engine.cap_min,
    )


# -- the reference: full recomputation --------------------------------------------------


def _community_times(network: RoadNetwork, graph: routing.RoutingGraph) -> np.ndarray:
    """(4, communities) seconds to the nearest facility, by full searches."""
    origins = network.communities["node_id"].to_numpy()
    out = np.empty((4, len(origins)))
    for s, (kind, season) in enumerate(_SEARCHES):
        layer = getattr(network, f"{kind}s")
        facilities = dict(zip(layer["facility_id"], layer["node_id"], strict=True))
        table = routing.nearest_facility(graph, origins, facilities, weight=SEASON_WEIGHTS[season])
        out[s] = table["time_s"].to_numpy(dtype=float)
    return out


def _stats_from_times(
    before: np.ndarray,
    after: np.ndarray,
    pop: np.ndarray,
    equity: np.ndarray,
    thresholds: Sequence[float],
    cap_min: float,
) -> tuple[np.ndarray, np.ndarray]:
    """Kernel-equivalent statistics of one work from full before/after times (numpy)."""
    stats = np.zeros((4, _N_FIXED + len(thresholds)))
    gains = np.zeros((4, len(pop)), dtype=bool)
    with np.errstate(invalid="ignore"):
        for s in range(4):
            b, a = before[s], after[s]
            g = (b - a) > GAIN_TOL_S
            gains[s] = g
            b_min, a_min = b[g] / 60.0, a[g] / 60.0
            saved = np.minimum(b_min, cap_min) - np.minimum(a_min, cap_min)
            p = pop[g]
            stats[s, _PM] = np.sum(p * saved)
            stats[s, _EPM] = np.sum(equity[g] * p * saved)
            stats[s, _NCOMM] = g.sum()
            stats[s, _POP] = p.sum()
            stats[s, _NEWLY_REACHABLE] = p[np.isinf(b[g])].sum()
            for t_i, t in enumerate(thresholds):
                stats[s, _N_FIXED + t_i] = p[(b_min > t) & (a_min <= t)].sum()
    wet = [s for s, (_, season) in enumerate(_SEARCHES) if season == "wet"]
    cut = np.any(gains[wet] & np.isinf(before[wet]), axis=0)
    anyg = gains.any(axis=0)
    overall = np.array([anyg.sum(), pop[anyg].sum(), pop[cut].sum()], dtype=float)
    return stats, overall


def evaluate_works_by_recomputation(
    network: RoadNetwork,
    workset: WorkSet,
    *,
    thresholds_min: Sequence[float] = (30, 60, 120),
    weights: ScoreWeights | RankingSection | Mapping[str, Any] | None = None,
    cap_min: float = UNREACHABLE_CAP_MIN,
    ids: Sequence[str] | None = None,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Evaluate works the slow way: each one applied and every time recomputed.

    For each work, :func:`connectivity.works.apply_works` builds the network
    with the work done, :mod:`connectivity.routing` recomputes the nearest
    market and school of every community (dry and wet), and the measures are
    taken from the full before/after times. Used by the tests and the
    benchmark to check :func:`evaluate_works` and :func:`work_gains`.

    Parameters
    ----------
    network, workset, thresholds_min, weights, cap_min
        As :func:`evaluate_works`.
    ids : sequence of str, optional
        Evaluate only these works (default: all).

    Returns
    -------
    table : pandas.DataFrame
        As :func:`evaluate_works` (rows: ``ids``).
    gains : pandas.DataFrame
        As :func:`work_gains`.
    """
    score_weights = ScoreWeights.from_config(weights)
    thresholds = _check_thresholds(thresholds_min)
    cap = _check_cap(cap_min)
    workset.validate(network)
    chosen = workset if ids is None else workset.subset(list(ids))
    names = list(SEASON_WEIGHTS.values())
    base_graph = routing.routing_graph_from_gdfs(network.nodes, network.edges, weights=names)
    before = _community_times(network, base_graph)
    pop = (
        pd.to_numeric(network.communities["population"], errors="coerce")
        .fillna(0)
        .to_numpy(dtype=float)
    )
    equity = _equity_weights(network.communities, score_weights)
    all_stats = np.zeros((len(chosen), 4, _N_FIXED + len(thresholds)))
    all_overall = np.zeros((len(chosen), 3))
    parts: list[_Records] = []
    for i, work_id in enumerate(
        tqdm(chosen.ids, desc="recomputing", disable=not progress_enabled())
    ):
        done = apply_works(network, chosen, [work_id])
        graph = routing.routing_graph_from_gdfs(done.nodes, done.edges, weights=names)
        after = _community_times(done, graph)
        all_stats[i], all_overall[i] = _stats_from_times(
            before, after, pop, equity, thresholds, cap
        )
        with np.errstate(invalid="ignore"):  # inf - inf: unreachable before and after
            s_idx, c_idx = np.nonzero((before - after) > GAIN_TOL_S)
        parts.append(
            _Records(
                np.full(len(s_idx), i, dtype=np.int64),
                c_idx.astype(np.int64),
                s_idx.astype(np.int64),
                before[s_idx, c_idx],
                after[s_idx, c_idx],
            )
        )
    table = _table_from_stats(chosen, all_stats, all_overall, score_weights, thresholds)
    gains = _gains_table(
        network,
        chosen,
        _Records.concat(parts),
        np.arange(len(chosen)),
        before / 60.0,
        score_weights,
        cap,
    )
    return table, gains


# -- portfolio --------------------------------------------------------------------------


PROGRAMME_COLUMNS: tuple[str, ...] = (
    "order",
    "work_id",
    "name",
    "work_type",
    "cost",
    "cost_net",
    "cumulative_cost_net",
    "budget_left",
    "score",
    "score_alone",
    "cumulative_score",
    "person_min_saved",
    "cumulative_person_min_saved",
    "communities_gaining",
    "people_newly_benefited",
    "cumulative_people_benefited",
    "currency",
    "price_year",
)


@dataclass(frozen=True)
class Portfolio:
    """A programme of works under a budget, chosen one at a time.

    Attributes
    ----------
    programme : pandas.DataFrame
        Works in the order chosen (columns :data:`PROGRAMME_COLUMNS`):
        ``score``, ``person_min_saved`` and ``communities_gaining`` are what
        each work adds *given the works before it*; ``score_alone`` is its
        score on the base network (the difference is the overlap with earlier
        works); ``people_newly_benefited`` counts people in communities that
        had gained nothing yet.
    budget : float or None
        Budget in ``currency`` (None: no budget given, empty programme).
    spent : float
        Sum of ``cost_net`` of the programme.
    explanation : str
        Plain-language summary (also why the programme is empty, if it is).
    communities_after : geopandas.GeoDataFrame
        Every community with minutes before/after the whole programme per kind
        and season, ``gains`` and ``improved_by`` (work ids, ';'-joined).
    currency : str
    price_year : int
    n_evaluations : int
        Work evaluations the selection ran (the first pass included).
    """

    programme: pd.DataFrame
    budget: float | None
    spent: float
    explanation: str
    communities_after: gpd.GeoDataFrame
    currency: str = "PEN"
    price_year: int = 2024
    n_evaluations: int = 0


def _check_budget(budget: float | None) -> float | None:
    if budget is None:
        return None
    try:
        value = float(budget)
    except (TypeError, ValueError) as exc:
        raise ConfigError(f"budget must be a number, got {budget!r}") from exc
    if math.isnan(value) or value < 0:
        raise ConfigError(f"budget must be >= 0, got {budget!r}")
    return value


def _money(value: float, currency: str) -> str:
    return f"{value:,.0f} {currency}"


@_jit
def _any_marked(
    flat: np.ndarray, start: np.ndarray, length: np.ndarray, works: np.ndarray, mark: np.ndarray
) -> np.ndarray:
    """For each work, whether any of its nodes ``flat[start:start+length]`` is marked."""
    out = np.zeros(len(works), dtype=np.bool_)
    for k in range(len(works)):
        i = works[k]
        for p in range(start[i], start[i] + length[i]):
            if mark[flat[p]]:
                out[k] = True
                break
    return out


class _Regions:
    """The nodes each candidate work improves on the current network.

    Kept so that, after a work is chosen, only the works whose evaluation can
    have changed are evaluated again (see :func:`_select`). Regions of one
    work are stored in a row of a flat array; a re-evaluated work's new row
    is appended and the array is compacted when half of it is stale. Past
    ``limit`` stored nodes, further works are marked "always re-evaluate"
    instead (exact too, just slower).
    """

    def __init__(self, n_works: int, limit: int) -> None:
        self.flat = np.empty(1024, dtype=np.int64)
        self.used = 0
        self.start = np.zeros(n_works, dtype=np.int64)
        self.length = np.zeros(n_works, dtype=np.int64)
        self.always = np.zeros(n_works, dtype=bool)
        self.limit = limit

    def put(self, works: np.ndarray, ev: _Evaluation) -> None:
        sizes = np.diff(ev.region_ptr)
        live = int(self.length.sum())
        if self.used + len(ev.region_nodes) > max(2 * live, 1 << 20):
            self._compact()
        if self.used + len(ev.region_nodes) > len(self.flat):
            grown = np.empty(max(2 * len(self.flat), self.used + len(ev.region_nodes)), np.int64)
            grown[: self.used] = self.flat[: self.used]
            self.flat = grown
        keep = np.ones(len(works), dtype=bool)
        if live + len(ev.region_nodes) > self.limit:
            # store the small regions, re-evaluate the big ones after every choice
            room = max(self.limit - live, 0)
            fits = np.cumsum(np.sort(sizes)) <= room
            cutoff = np.sort(sizes)[fits].max() if fits.any() else -1
            keep = sizes <= cutoff
        self.always[works[~keep]] = True
        self.length[works] = 0
        for k in np.flatnonzero(keep).tolist():
            seg = ev.region_nodes[ev.region_ptr[k] : ev.region_ptr[k + 1]]
            i = works[k]
            self.flat[self.used : self.used + len(seg)] = seg
            self.start[i] = self.used
            self.length[i] = len(seg)
            self.used += len(seg)

    def _compact(self) -> None:
        rows = np.flatnonzero(self.length)
        parts = [self.flat[self.start[i] : self.start[i] + self.length[i]] for i in rows]
        joined = np.concatenate(parts) if parts else np.empty(0, dtype=np.int64)
        self.flat = np.concatenate([joined, np.empty(max(len(joined), 1024), dtype=np.int64)])
        self.start[rows] = np.cumsum(self.length[rows]) - self.length[rows]
        self.used = len(joined)

    def hit(self, works: np.ndarray, mark: np.ndarray) -> np.ndarray:
        found = np.asarray(_any_marked(self.flat, self.start, self.length, works, mark))
        return np.asarray(found | self.always[works], dtype=bool)


#: Most improved-node entries kept for exact re-evaluation (8 bytes each).
_REGION_LIMIT = 30_000_000


def _select(
    network: RoadNetwork,
    workset: WorkSet,
    engine: _Engine,
    changes: _Changes,
    table: pd.DataFrame,
    budget: float | None,
    weights: ScoreWeights,
    *,
    lazy: bool,
) -> Portfolio:
    """Greedy programme by score per net cost, each step on the improved network.

    Which works to evaluate again after choosing a work W (``lazy``): a work
    X's gain can change only if the best path of some node in the network
    with W and X done uses an edge of both. Taking such a path with the
    fewest edges of W or X, either its last special edge is W's and the head
    ``b`` of the last X edge before it is a node W improved, or its last
    special edge is X's and the head ``e`` of the last W edge before it is a
    node X improved (otherwise swapping the tail for the unchanged shortest
    path would give a path as short with fewer special edges). And if no node
    X improves was improved by W, X's gain at those nodes is unchanged. So X
    is evaluated again only if one of its changed edges ends at a node W
    improved, or a node X improves was improved by W or is the head of one of
    W's edges; every other work keeps its exact score. The programme is the
    same as re-evaluating every work at every step (``lazy=False``), which the
    tests check. Gains can grow as well as shrink (two fords on one road: a
    bridge over one is worth little until the other is bridged), so stale
    scores would not be upper bounds.
    """
    currency = workset.currency
    ids = changes.ids
    cost_net = table["cost_net"].to_numpy(dtype=float)
    alone = table["score"].to_numpy(dtype=float)
    tie = np.empty(len(ids), dtype=np.int64)  # rank of the work id: ties go to the smaller id
    tie[np.argsort(np.asarray(ids, dtype=object), kind="stable")] = np.arange(len(ids))
    rows: list[dict[str, Any]] = []
    benefited = np.zeros(engine.n_comm, dtype=bool)
    improved_by: list[list[str]] = [[] for _ in range(engine.n_comm)]
    explanation = ""
    n_evaluations = 0

    def ratio(score: float, cost: float) -> float:
        return math.inf if cost <= 0 else score / cost

    if budget is None:
        explanation = "No budget given: works are ranked, no programme is chosen."
    elif not len(ids):
        explanation = "No works to choose from."
    else:
        slack = 1e-9 * max(budget, 1.0)  # sums of costs may round a hair above the budget
        pool = np.flatnonzero(cost_net <= budget + slack)
        if not len(pool):
            cheapest = int(np.lexsort((tie, cost_net))[0])
            explanation = (
                f"Empty programme: the budget of {_money(budget, currency)} is smaller than "
                f"the net cost of every work (the cheapest, {ids[cheapest]}, costs "
                f"{_money(float(cost_net[cheapest]), currency)})."
            )
    if budget is not None and not explanation:
        in_pool = np.zeros(len(ids), dtype=bool)
        in_pool[pool] = True
        version = np.zeros(len(ids), dtype=np.int64)
        regions = _Regions(len(ids), _REGION_LIMIT)
        heap: list[tuple[float, int, int, int]] = []
        sizes = np.diff(changes.work_ptr)
        starts = changes.work_ptr[:-1]

        def refresh(works: np.ndarray) -> None:
            nonlocal n_evaluations
            for lo in range(0, len(works), _CHUNK):
                part = works[lo : lo + _CHUNK]
                ev = engine.evaluate(changes, part, regions=True)
                score, _ = _scores(ev.stats, weights)
                regions.put(part, ev)
                version[part] += 1
                for k, i in enumerate(part.tolist()):
                    if score[k] > 0:
                        heap.append((-ratio(score[k], cost_net[i]), int(tie[i]), i, version[i]))
                n_evaluations += len(part)
            heapq.heapify(heap)

        refresh(pool)
        if not heap:
            explanation = (
                f"Empty programme: none of the {len(pool)} work(s) within the budget of "
                f"{_money(budget, currency)} improves anyone's travel time."
            )
        left = budget
        while heap:
            _, _, i, ver = heapq.heappop(heap)
            if not in_pool[i] or ver != version[i]:
                continue  # chosen, unaffordable or re-evaluated since
            if cost_net[i] > left + slack:
                in_pool[i] = False
                continue
            ev = engine.commit(changes, i)
            score, minutes = _scores(ev.stats, weights)
            gained = np.unique(ev.records.comm)
            new = gained[~benefited[gained]]
            benefited[gained] = True
            for c in gained.tolist():
                improved_by[c].append(ids[i])
            left -= cost_net[i]
            in_pool[i] = False
            in_pool &= cost_net <= left + slack
            rows.append(
                {
                    "order": len(rows) + 1,
                    "work_id": ids[i],
                    "cost": float(table["cost"].iloc[i]),
                    "cost_net": float(cost_net[i]),
                    "budget_left": left,
                    "score": float(score[0]),
                    "score_alone": float(alone[i]),
                    "person_min_saved": float(minutes[0]),
                    "communities_gaining": int(ev.overall[0, _ANY_N]),
                    "people_newly_benefited": float(engine.pop[new].sum()),
                }
            )
            members = np.flatnonzero(in_pool)
            if not len(members):
                break
            if lazy:
                mark = np.zeros(engine.n, dtype=bool)
                mark[ev.region_nodes] = True
                mark[changes.head[changes.work_ptr[i] : changes.work_ptr[i + 1]]] = True
                dirty = _any_marked(changes.head, starts, sizes, members, mark)
                members = members[np.asarray(dirty) | regions.hit(members, mark)]
            heap = [h for h in heap if in_pool[h[2]]]
            refresh(members)
    programme = pd.DataFrame(rows, columns=list(PROGRAMME_COLUMNS))
    if len(programme):
        works = workset.works
        for col in ("name", "work_type"):
            if col in works.columns:
                programme[col] = works.loc[programme["work_id"], col].to_numpy()
        programme["cumulative_cost_net"] = programme["cost_net"].cumsum()
        programme["cumulative_score"] = programme["score"].cumsum()
        programme["cumulative_person_min_saved"] = programme["person_min_saved"].cumsum()
        programme["cumulative_people_benefited"] = programme["people_newly_benefited"].cumsum()
    programme["currency"] = currency
    programme["price_year"] = workset.price_year
    programme = programme.astype({"order": np.int64, "communities_gaining": np.int64})
    spent = float(programme["cost_net"].sum()) if len(programme) else 0.0
    if not explanation:
        last = programme.iloc[-1]
        explanation = (
            f"Programme of {len(programme)} work(s) costing {_money(spent, currency)} net of "
            f"a budget of {_money(float(budget or 0), currency)}: "
            f"{last['cumulative_people_benefited']:,.0f} people in "
            f"{int(benefited.sum())} communities gain, "
            f"{last['cumulative_person_min_saved']:,.0f} person-minutes saved per trip "
            f"(season-weighted, market + school). Works were chosen one at a time by score "
            f"per {currency} of net cost, each measured on the network improved by the works "
            f"chosen before it."
        )
    level = logging.WARNING if budget is not None and programme.empty else logging.INFO
    log.log(level, "portfolio (%d evaluations): %s", n_evaluations, explanation)
    communities_after = _communities_after(network, engine, improved_by)
    return Portfolio(
        programme=programme,
        budget=budget,
        spent=spent,
        explanation=explanation,
        communities_after=communities_after,
        currency=currency,
        price_year=workset.price_year,
        n_evaluations=n_evaluations,
    )


def _communities_after(
    network: RoadNetwork, engine: _Engine, improved_by: list[list[str]]
) -> gpd.GeoDataFrame:
    comm = network.communities
    keep = [c for c in ("community_id", "name", "district", "population") if c in comm.columns]
    out = gpd.GeoDataFrame(comm[keep].copy(), geometry=comm.geometry.to_numpy(), crs=comm.crs)
    before = engine.baseline[:, engine.comm_node] / 60.0
    after = engine.dist[:, engine.comm_node] / 60.0
    gains = np.zeros(len(comm), dtype=bool)
    for s, (kind, season) in enumerate(_SEARCHES):
        out[f"{kind}_{season}_min_before"] = before[s]
        out[f"{kind}_{season}_min_after"] = after[s]
        with np.errstate(invalid="ignore"):
            gains |= (before[s] - after[s]) * 60.0 > GAIN_TOL_S
    out["gains"] = gains
    out["improved_by"] = [";".join(w) for w in improved_by]
    return out


def select_portfolio(
    network: RoadNetwork,
    workset: WorkSet,
    *,
    budget: float | None,
    thresholds_min: Sequence[float] = (30, 60, 120),
    weights: ScoreWeights | RankingSection | Mapping[str, Any] | None = None,
    cap_min: float = UNREACHABLE_CAP_MIN,
    lazy: bool = True,
) -> Portfolio:
    """Choose works under a budget, greedily by score per unit of net cost.

    Each step takes the work with the highest score per ``cost_net`` *given
    the works already chosen* (its gain measured on the network improved by
    them) that still fits the budget left; the next works are measured on the
    network with that one done too. Ties go to the smaller ``work_id``.

    Parameters
    ----------
    network, workset, thresholds_min, weights, cap_min
        As :func:`evaluate_works`.
    budget : float or None
        Money available for ``cost_net``, in the work set's currency. None:
        no programme.
    lazy : bool
        After each choice, evaluate again only the works whose score can have
        changed (see :func:`_select`); the others keep their exact score.
        False evaluates every remaining work at every step: slower, same
        programme (a check for tests).

    Returns
    -------
    Portfolio
        An empty programme, with the reason in ``explanation``, when the
        budget is below every work's net cost or no affordable work helps.

    Raises
    ------
    ConfigError
        A negative or non-numeric budget.
    """
    money = _check_budget(budget)
    engine, changes, score_weights, thresholds = _prepare(
        network, workset, thresholds_min, weights, cap_min
    )
    stats, overall, _ = _evaluate_all(engine, changes, records=False)
    table = _table_from_stats(workset, stats, overall, score_weights, thresholds)
    return _select(network, workset, engine, changes, table, money, score_weights, lazy=lazy)


# -- ranking result and outputs ---------------------------------------------------------


@dataclass(frozen=True)
class RankingResult:
    """Everything :func:`rank_works` finds, ready to write or map.

    Attributes
    ----------
    ranking : geopandas.GeoDataFrame
        Every work with its measures (:func:`evaluate_works`), ``rank``
        (1 = best score per unit of net cost), ``in_portfolio`` and
        ``portfolio_order`` (0 when not chosen), and its geometry; ordered by
        rank.
    portfolio : pandas.DataFrame
        The programme (:attr:`Portfolio.programme`).
    gains : pandas.DataFrame
        Communities that gain from each work (:func:`work_gains`), with the
        work's ``rank``; ordered by rank.
    communities_after : geopandas.GeoDataFrame
        Every community's minutes before/after the programme.
    currency : str
    price_year : int
    explanation : str
        Plain-language summary: how works were scored, the programme, the top works.
    budget : float or None
    weights : ScoreWeights
    thresholds_min : tuple of float
    cap_min : float
    roads : geopandas.GeoDataFrame or None
        Network edges (for the ``roads`` layer), if asked for.
    """

    ranking: gpd.GeoDataFrame
    portfolio: pd.DataFrame
    gains: pd.DataFrame
    communities_after: gpd.GeoDataFrame
    currency: str
    price_year: int
    explanation: str
    budget: float | None = None
    weights: ScoreWeights = field(default_factory=ScoreWeights)
    thresholds_min: tuple[float, ...] = (30, 60, 120)
    cap_min: float = UNREACHABLE_CAP_MIN
    roads: gpd.GeoDataFrame | None = None


ROAD_COLUMNS = (
    "highway",
    "name",
    "road_class",
    "length_m",
    "travel_time_s",
    "travel_time_wet_s",
    "all_season",
)


def _order_ranking(table: pd.DataFrame) -> np.ndarray:
    """Positions of the works from best to worst."""
    gains = table["score"].to_numpy() > 0
    per = np.where(gains, table["score_per_1000"].to_numpy(), 0.0)
    ids = np.asarray(table.index.astype(str), dtype=object)
    id_rank = np.empty(len(ids), dtype=np.int64)
    id_rank[np.argsort(ids, kind="stable")] = np.arange(len(ids))
    return np.lexsort((id_rank, -table["score"].to_numpy(), -per, ~gains))


def rank_works(
    network: RoadNetwork,
    workset: WorkSet,
    *,
    budget: float | None,
    thresholds_min: Sequence[float] = (30, 60, 120),
    weights: ScoreWeights | RankingSection | Mapping[str, Any] | None = None,
    cap_min: float = UNREACHABLE_CAP_MIN,
    lazy: bool = True,
    include_roads: bool = True,
) -> RankingResult:
    """Evaluate, rank and choose a programme of works: the ranking stage.

    Parameters
    ----------
    network : RoadNetwork
        The base network the works were generated on.
    workset : WorkSet
        The works (generated and proposed).
    budget : float or None
        Money for the programme (``cost_net``), in ``workset.currency``; None
        ranks only.
    thresholds_min, weights, cap_min
        As :func:`evaluate_works`.
    lazy : bool
        As :func:`select_portfolio`.
    include_roads : bool
        Keep the network edges for the ``roads`` layer of the GeoPackage.

    Returns
    -------
    RankingResult

    Raises
    ------
    DataError, ConfigError
        As :func:`evaluate_works` and :func:`select_portfolio`.
    """
    money = _check_budget(budget)
    engine, changes, score_weights, thresholds = _prepare(
        network, workset, thresholds_min, weights, cap_min
    )
    stats, overall, records = _evaluate_all(engine, changes, records=True)
    table = _table_from_stats(workset, stats, overall, score_weights, thresholds)
    gains = _gains_table(
        network,
        workset,
        records,
        np.arange(len(changes.ids)),
        engine.baseline[:, engine.comm_node] / 60.0,
        score_weights,
        engine.cap_min,
    )
    portfolio = _select(network, workset, engine, changes, table, money, score_weights, lazy=lazy)

    order = _order_ranking(table)
    ranked = table.iloc[order].copy()
    ranked.insert(0, "rank", np.arange(1, len(ranked) + 1, dtype=np.int64))
    chosen = dict(zip(portfolio.programme["work_id"], portfolio.programme["order"], strict=True))
    ranked["in_portfolio"] = ranked.index.isin(list(chosen))
    ranked["portfolio_order"] = [int(chosen.get(i, 0)) for i in ranked.index]
    works = workset.works
    for col in ("description", "length_m", "span_m", "cofinancing_share"):
        if col in works.columns:
            ranked[col] = works.loc[ranked.index, col].to_numpy()
    ranking = gpd.GeoDataFrame(
        ranked, geometry=works.loc[ranked.index].geometry.to_numpy(), crs=works.crs
    )
    rank_of = dict(zip(ranked.index, ranked["rank"], strict=True))
    gains.insert(0, "rank", gains["work_id"].map(rank_of).astype(np.int64))
    gains = gains.sort_values("rank", kind="stable").reset_index(drop=True)

    roads = None
    if include_roads:
        edges = network.edges
        keep = [c for c in ROAD_COLUMNS if c in edges.columns]
        roads = gpd.GeoDataFrame(
            edges[keep].reset_index(), geometry=edges.geometry.to_numpy(), crs=edges.crs
        )
    explanation = _explain(
        network, workset, ranking, portfolio, score_weights, thresholds, engine.cap_min
    )
    log.info("ranking: %d works ranked; %s", len(ranking), portfolio.explanation)
    return RankingResult(
        ranking=ranking,
        portfolio=portfolio.programme,
        gains=gains,
        communities_after=portfolio.communities_after,
        currency=workset.currency,
        price_year=workset.price_year,
        explanation=explanation,
        budget=money,
        weights=score_weights,
        thresholds_min=tuple(thresholds),
        cap_min=engine.cap_min,
        roads=roads,
    )


def _explain(
    network: RoadNetwork,
    workset: WorkSet,
    ranking: pd.DataFrame,
    portfolio: Portfolio,
    weights: ScoreWeights,
    thresholds: Sequence[float],
    cap_min: float,
) -> str:
    cur = workset.currency
    people = float(pd.to_numeric(network.communities["population"], errors="coerce").sum())
    lines = [
        f"{len(ranking)} road works evaluated for {len(network.communities)} communities "
        f"({people:,.0f} people); costs in {cur} at {workset.price_year} prices.",
        "Score: person-minutes saved per trip to the nearest market and school "
        f"({weights.describe()}), minutes capped at {cap_min:g} (an unreachable place "
        f"counts as {cap_min:g} min away); thresholds {', '.join(map(_fmt_t, thresholds))} min.",
        "Works are ranked by score per 1,000 " + cur + " of net cost (after co-financing).",
        portfolio.explanation,
    ]
    top = ranking[ranking["score"] > 0].head(weights.top_n)
    if len(top):
        lines.append(f"Top {len(top)} work(s):")
        for work_id, row in top.iterrows():
            name = row.get("name", "") or ""
            lines.append(
                f"  {int(row['rank'])}. {work_id} {name}: {row['people_benefited']:,.0f} people "
                f"in {int(row['communities_gaining'])} communities gain, "
                f"{row['person_min_saved']:,.0f} person-min per trip, net cost "
                f"{_money(float(row['cost_net']), cur)}"
                + (
                    f", {row['people_no_longer_cut_off_wet']:,.0f} no longer cut off in the "
                    "wet season"
                    if row["people_no_longer_cut_off_wet"] > 0
                    else ""
                )
            )
    else:
        lines.append("No work improves anyone's travel time.")
    return "\n".join(lines)


def write_ranking_outputs(result: RankingResult, out_dir: Path, *, data_source: str) -> list[Path]:
    """Write the ranking stage's tables and GeoPackage atomically.

    Files: ``ranking.csv`` (every work by rank), ``portfolio.csv`` (the
    programme), ``gains.csv`` (communities that gain from each work),
    ``ranking.gpkg`` (layers ``candidates``, ``portfolio``, ``communities``
    before/after the programme and, when kept, ``roads``) and
    ``ranking_explanation.txt``. Every table has ``currency`` and
    ``price_year`` columns and a ``data_source`` column.

    Parameters
    ----------
    result : RankingResult
    out_dir : Path
        Folder (created if missing).
    data_source : str
        Provenance statement for every table.

    Returns
    -------
    list of Path
        The files written.
    """
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    ranking = result.ranking.reset_index()
    gains = result.gains.assign(currency=result.currency, price_year=result.price_year)
    portfolio = result.portfolio.assign(currency=result.currency, price_year=result.price_year)
    communities = result.communities_after.assign(
        currency=result.currency, price_year=result.price_year
    )
    paths = [
        write_csv(ranking, out_dir / "ranking.csv", data_source=data_source),
        write_csv(portfolio, out_dir / "portfolio.csv", data_source=data_source),
        write_csv(gains, out_dir / "gains.csv", data_source=data_source),
    ]
    chosen = ranking[ranking["in_portfolio"]].sort_values("portfolio_order")
    layers: dict[str, gpd.GeoDataFrame | pd.DataFrame] = {
        "candidates": ranking,
        "portfolio": gpd.GeoDataFrame(chosen, geometry="geometry", crs=result.ranking.crs),
        "communities": communities,
    }
    if result.roads is not None:
        layers["roads"] = result.roads
    metadata = {
        "currency": result.currency,
        "price_year": str(result.price_year),
        "budget": "" if result.budget is None else f"{result.budget:g}",
        "weights": result.weights.describe(),
        "cap_min": f"{result.cap_min:g}",
        "thresholds_min": ",".join(map(_fmt_t, result.thresholds_min)),
    }
    paths.append(
        write_geopackage(
            layers, out_dir / "ranking.gpkg", data_source=data_source, metadata=metadata
        )
    )
    text = result.explanation + f"\n\nData source: {data_source}\n"
    atomic_write_text(out_dir / "ranking_explanation.txt", text)
    paths.append(out_dir / "ranking_explanation.txt")
    return paths
