"""The evaluation engine: arrays of a network and the current travel times.

:class:`_Engine` holds the reversed CSR arrays of a network, its communities,
and ``d(x)``: the time from every node ``x`` to its nearest market (school) in
the dry (``travel_time_s``) and wet (``travel_time_wet_s``) season, from one
multi-source search per facility kind and season. It runs batches of works
through the numba kernel (:mod:`connectivity.ranking._kernel`) and commits
chosen works (their times and edges) for the portfolio. :class:`_Changes` is a
work set's edge changes as arrays; :class:`_Records` and :class:`_Evaluation`
what an evaluation returns.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from connectivity.errors import DataError
from connectivity.network import RoadNetwork
from connectivity.ranking._kernel import _evaluate_kernel, _search
from connectivity.ranking.measures import (
    CUT_SEASON,
    GAIN_TOL_S,
    SEASON_WEIGHTS,
    SEASONS,
    search_seasons,
    searches,
)
from connectivity.ranking.score import ScoreWeights, _equity_weights
from connectivity.works import WorkSet

log = logging.getLogger(__name__)


@dataclass
class _Changes:
    """A work set's edge changes as arrays, grouped by work (positions in ``ids``)."""

    ids: list[str]
    work_ptr: np.ndarray  # changes of work i are rows work_ptr[i]:work_ptr[i+1]
    tail: np.ndarray  # node position of u
    head: np.ndarray  # node position of v
    w: np.ndarray  # (states, k) new times in each passability state (SEASONS)
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

    stats: np.ndarray  # (works, searches: kinds x passability states, statistics)
    overall: np.ndarray  # (works, 3): communities gaining, people benefited, cut off no more
    records: _Records
    region_nodes: np.ndarray  # nodes whose time fell, work after work
    region_ptr: np.ndarray  # work i's nodes: region_nodes[region_ptr[i]:region_ptr[i + 1]]


@dataclass
class _State:
    """What :meth:`_Engine.snapshot` keeps: current times, edge weights, added edges."""

    dist: np.ndarray
    weights: np.ndarray
    ex_first: np.ndarray
    n_extra: int


def _effective(
    baseline: np.ndarray, times: np.ndarray, cap_min: float, min_gain_s: float
) -> np.ndarray:
    """Keep ``times`` where they save at least ``min_gain_s`` on ``baseline``, else the baseline.

    A smaller saving is not a benefit: the time counts as unchanged. Savings are measured
    on times capped at ``cap_min`` minutes, as the score measures them; the
    kernel applies the same rule node by node.

    Examples
    --------
    >>> import numpy as np
    >>> base = np.array([600.0, 600.0, np.inf, np.inf])
    >>> now = np.array([590.0, 200.0, np.inf, 300.0])
    >>> _effective(base, now, cap_min=480.0, min_gain_s=300.0).tolist()
    [600.0, 200.0, inf, 300.0]
    """
    cap_s = 60.0 * cap_min
    with np.errstate(invalid="ignore"):
        saving = np.minimum(baseline, cap_s) - np.minimum(times, cap_s)
    return np.where(saving >= min_gain_s, times, baseline)


def _as_seconds(values: Any) -> np.ndarray:
    arr = np.asarray(values, dtype=np.float64).copy()
    arr[np.isnan(arr)] = np.inf
    return arr


class _Engine:
    """Reversed CSR arrays of a network, its communities, and current times.

    ``dist[s]`` holds, for search ``s`` of :attr:`searches` (one per
    destination kind of the network and passability state), the time from
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
        self.min_gain_s = 60.0 * float(weights.min_gain_min)
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
        self.ex_w = np.empty((len(SEASONS), 0))
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
        self.searches = searches(network.kinds)
        self.search_season = np.array(search_seasons(self.searches), dtype=np.int64)
        self.dist = np.empty((len(self.searches), n))
        for s, (kind, season) in enumerate(self.searches):
            layer = network.facilities[kind]
            if layer.empty:
                raise DataError(
                    f"no {kind} facilities in the region: cannot compute travel times to them"
                )
            src = np.unique(self.node_index.get_indexer(layer["node_id"]))
            if (src < 0).any():
                raise DataError(f"some {kind}s' node_id are not network nodes")
            self.dist[s] = self._full_search(src, SEASONS.index(season))
        self.new_dist = self.dist.copy()
        self.baseline = self.dist.copy()

    def searches_kinds(self) -> list[str]:
        """Return the destination kinds of the searches, in order."""
        return list(dict.fromkeys(kind for kind, _ in self.searches))

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
        # the works' sizes only (a diff of every work's pointer costs ms at national size)
        sizes = changes.work_ptr[works + 1] - changes.work_ptr[works]
        max_changes = int(sizes.max()) if len(works) else 0
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
            self.baseline,
            self.min_gain_s,
            self.search_season,
            CUT_SEASON,
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

    def snapshot(self) -> _State:
        """Keep the current times and graph, to :meth:`restore` later (e.g. the base network)."""
        return _State(self.dist.copy(), self.weights.copy(), self.ex_first.copy(), self.n_extra)

    def restore(self, state: _State) -> None:
        """Go back to a :meth:`snapshot`: the works committed since are undone."""
        self.dist[:] = state.dist
        self.new_dist[:] = state.dist
        self.weights[:] = state.weights
        self.ex_first[:] = state.ex_first
        self.n_extra = state.n_extra

    def commit(self, changes: _Changes, work: int, *, details: bool = True) -> _Evaluation:
        """Do one work: update the current times and the graph; return its evaluation.

        With ``details`` (default) the evaluation has the communities that
        gain and the nodes improved; without, only the statistics (faster).
        """
        result = self.evaluate(
            changes, np.array([work]), records=details, regions=details, commit=True
        )
        lo, hi = int(changes.work_ptr[work]), int(changes.work_ptr[work + 1])
        pos = changes.csr_pos[lo:hi]
        rep = pos >= 0
        if rep.any():
            for season in range(len(SEASONS)):
                np.minimum.at(self.weights[season], pos[rep], changes.w[season, lo:hi][rep])
        add = np.flatnonzero(~rep) + lo
        if len(add):
            need = self.n_extra + len(add)
            if need > len(self.ex_tail):
                grow = max(need, 2 * len(self.ex_tail), 16)
                self.ex_next = np.resize(self.ex_next, grow)
                self.ex_tail = np.resize(self.ex_tail, grow)
                ex_w = np.empty((len(SEASONS), grow))
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
