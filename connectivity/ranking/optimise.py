"""Near-optimal programmes: better than one greedy pass, exact on small instances.

Greedy by score per sol (:func:`connectivity.ranking.portfolio._select`) packs
the budget badly at times: a cheap late pick can block a better use of the
money left, and a large work with a lower ratio can be worth more than the
small ones that crowd it out. :func:`best_programme` therefore tries, on the
exact incremental evaluator:

1. the plain greedy programme (always a candidate, so the result is never
   worse than it);
2. greedy runs that start from another first set: the best packing of the
   works' scores alone under the budget (a 0-1 knapsack solved by HiGHS, exact
   when works do not interact), each pair of works that pay
   together but not alone (:func:`complementary_pairs`: two fords in series on
   the road of the same villages), and each of the top works by score alone and
   by score per sol alone (:data:`FIRST_PICKS` of each);
3. local search: from the best programme so far, drop one of its works (each
   in turn) and refill the budget greedily from the network with the others
   done; keep any improvement and start again, until no drop improves it or
   :data:`MAX_RUNS` greedy runs are spent.

Every candidate is an exact programme whose score is the score of doing its
works together (savings count against the base network, so the order does not
matter), so the best found is simply the highest that keeps the hurdle: in a
candidate other than the plain greedy one, every work must add at least
``min_score_per_1000`` per 1,000 of what it costs to the programme without it. With at most
:data:`EXACT_MAX_WORKS` useful affordable works, :func:`programme_by_enumeration`
finds the optimum by evaluating every feasible subset at once, and that is the
programme.
"""

from __future__ import annotations

import contextlib
import dataclasses
import itertools
import logging
import math
import os
import sys
import time
from collections.abc import Callable, Iterator, Sequence

import geopandas as gpd
import numpy as np
import pandas as pd

from connectivity.ranking._kernel import _interacting_pairs
from connectivity.ranking.engine import _Changes, _Engine
from connectivity.ranking.evaluate import _evaluate_all
from connectivity.ranking.measures import _ANY_POP
from connectivity.ranking.portfolio import BUNDLE_COLUMNS, Portfolio
from connectivity.ranking.programme_facts import Found, SearchFacts
from connectivity.ranking.score import ScoreWeights, _scores
from connectivity.works import Alternatives, WorkSet

__all__ = [
    "EXACT_MAX_WORKS",
    "FIRST_PICKS",
    "MAX_BUNDLES",
    "MAX_RUNS",
    "SearchLimits",
    "complementary_pairs",
    "programme_by_enumeration",
]

log = logging.getLogger(__name__)

#: Top works (by score alone, and by score per sol alone) tried as first picks.
FIRST_PICKS = 4
#: Most greedy runs the search makes (first picks and local search together).
MAX_RUNS = 40
#: Up to this many useful affordable works, every feasible subset is evaluated.
EXACT_MAX_WORKS = 12
#: Most pairs of weak works that interact evaluated together to find bundles.
MAX_PAIRS_TRIED = 20_000
#: Most bundles (pairs that pay together) tried as first picks.
MAX_BUNDLES = 8
#: Works (by score alone, and by score per sol alone) the local search may add or swap in.
SWAP_CANDIDATES = 30
#: Most rounds of the add-and-swap local search.
MAX_SWAP_ROUNDS = 12
#: Programmes up to this many works have every work checked against the hurdle; larger
#: ones only the works the greedy programme does not hold.
HURDLE_CHECK_ALL_MAX = 60
#: The search stops trying new programmes once its greedy runs have evaluated this many
#: works in all (the best so far stands): a count, not seconds, so the same data give the
#: same programme on any machine, busy or not. A greedy run evaluates ~2,600 works on the
#: size-1 sample (whose search ends on MAX_RUNS first) and ~55,000 at size 16 (two more runs).
SEARCH_MAX_EVALUATIONS = 150_000
#: A safety net only: a search still going after this many seconds stops, with a warning
#: that the programme may then depend on the machine's speed.
SEARCH_TIME_LIMIT_S = 900.0
#: The local search may take out only the programme's last this-many picks.
SWAP_OUT = 12
#: Programmes up to this many works also try "two out, one in" moves.
TWO_OUT_MAX_PROGRAMME = 20
#: Branch-and-bound nodes the knapsack MILP may explore (deterministic, like the effort).
KNAPSACK_NODE_LIMIT = 2_000
#: A safety net only (seconds) for the knapsack MILP; reaching it is logged as a warning.
KNAPSACK_TIME_LIMIT_S = 120.0


@dataclasses.dataclass(frozen=True)
class SearchLimits:
    """What :func:`best_programme` may try: by default the run's whole search.

    A Monte Carlo scenario (:mod:`connectivity.robustness`) searches less, from
    the run's programme: ``starts`` are tried right after the greedy run,
    ``pairs`` replace the search for bundles, and without ``first_picks`` the
    knapsack packing and the other first picks are skipped, leaving the
    runs to the local search.

    Attributes
    ----------
    max_runs : int
        Most greedy runs.
    max_evaluations : int
        Most work evaluations of those runs.
    starts : tuple of tuple of int
        Sets of works (positions) to start greedy runs from, first.
    pairs : tuple of (int, int), optional
        Bundles known already (None: look for them, :func:`complementary_pairs`).
    first_picks : bool
        Try the knapsack packing and the top works as first picks.
    pair_starts : bool
        Start greedy runs from each bundle (else bundles only join in the local search).
    """

    max_runs: int = MAX_RUNS
    max_evaluations: int = SEARCH_MAX_EVALUATIONS
    starts: tuple[tuple[int, ...], ...] = ()
    pairs: tuple[tuple[int, int], ...] | None = None
    first_picks: bool = True
    pair_starts: bool = True


def _total(portfolio: Portfolio) -> float:
    prog = portfolio.programme
    return float(prog["score"].sum()) if len(prog) else 0.0


def best_programme(
    run: Callable[[Sequence[int]], Portfolio],
    engine: _Engine,
    changes: _Changes,
    workset: WorkSet,
    table: pd.DataFrame,
    budget: float | None,
    weights: ScoreWeights,
    alternatives: Alternatives,
    limits: SearchLimits | None = None,
) -> Portfolio:
    """Find a better programme than the greedy one: other first picks, local search.

    Parameters
    ----------
    run : callable
        ``run(start)`` chooses a programme greedily after taking the works
        ``start`` (positions) first, on the base network; it leaves the engine
        with that programme done (it is restored to the base network here).
    engine, changes, workset, table, budget, weights, alternatives
        As :func:`connectivity.ranking.portfolio._select` uses them.
    limits : SearchLimits, optional
        What the search may try (default: everything, the run's search).

    Returns
    -------
    Portfolio
        The best programme, its explanation saying how it was found.
    """
    limits = limits or SearchLimits()
    base = engine.snapshot()
    greedy = run(())
    if budget is None:
        return greedy
    ids = list(changes.ids)
    position = {w: i for i, w in enumerate(ids)}
    cost = table["cost_net"].to_numpy(dtype=float)
    score = table["score"].to_numpy(dtype=float)
    slack = 1e-9 * max(budget, 1.0)
    useful = np.flatnonzero((score > 0) & (cost <= budget + slack))
    best, best_total = greedy, _total(greedy)
    how: Found = "greedy"
    greedy_ids = set(greedy.programme["work_id"])
    tried: set[tuple[int, ...]] = {()}
    runs = 1

    effort_left = limits.max_evaluations - greedy.n_evaluations
    deadline = time.monotonic() + SEARCH_TIME_LIMIT_S
    out_of_time = False

    def exhausted() -> bool:
        nonlocal out_of_time
        out_of_time = out_of_time or time.monotonic() > deadline
        return effort_left <= 0 or out_of_time

    def attempt(start: Sequence[int], label: Found) -> bool:
        nonlocal best, best_total, how, runs, effort_left
        key = tuple(start)
        if key in tried or runs >= limits.max_runs or exhausted():
            return False
        tried.add(key)
        runs += 1
        engine.restore(base)
        try:
            candidate = run(start)
        except ValueError:  # the start works exclude each other or exceed the budget
            return False
        effort_left -= candidate.n_evaluations
        total = _total(candidate)
        if total > best_total * (1 + 1e-12) + 1e-9 and _passes_hurdle(candidate):
            best, best_total, how = candidate, total, label
            return True
        return False

    hurdle = float(weights.min_score_per_1000)

    def _passes_hurdle(candidate: Portfolio) -> bool:
        """Every work adds at least the hurdle per 1,000 of what it costs, given the others."""
        prog = candidate.programme
        members = prog["work_id"].tolist()
        if hurdle <= 0 or len(members) < 2:
            return True
        # in a large programme, only the works the greedy one does not hold are checked
        checked = members
        if len(members) > HURDLE_CHECK_ALL_MAX:
            checked = [m for m in members if m not in greedy_ids]
        groups = {"ALL": members} | {f"-{w}": [m for m in members if m != w] for w in checked}
        engine.restore(base)
        stats, _, _ = _evaluate_all(
            engine, engine.changes(_joint_workset(workset, groups)), records=False
        )
        values, _ = _scores(stats, weights, engine.searches)
        added = values[0] - values[1:]
        price = prog.set_index("work_id").loc[checked, "cost_net"].to_numpy(float)
        return bool(np.all(1000.0 * added >= hurdle * price - 1e-9))

    for start in limits.starts:
        attempt(list(start), "warm_start")
    if 0 < len(useful) <= EXACT_MAX_WORKS and limits.pairs is None:
        engine.restore(base)
        chosen, _ = programme_by_enumeration(
            engine, changes, workset, useful, budget, weights, alternatives
        )
        attempt([position[w] for w in chosen], "exhaustive")
    engine.restore(base)
    taken = np.array([position[w] for w in greedy.programme["work_id"]], dtype=np.int64)
    if limits.pairs is None:
        bundles, bundle_table = complementary_pairs(
            engine, changes, workset, table, budget, weights, taken
        )
    else:  # pairs known already (a scenario of the run that found them)
        bundles, bundle_table = list(limits.pairs), _NO_BUNDLES.copy()
    for a, b in bundles[:MAX_BUNDLES] if limits.pair_starts else ():
        attempt([a, b], "pair")
    with np.errstate(divide="ignore"):
        ratio = np.where(cost[useful] > 0, score[useful] / cost[useful], np.inf)
    if limits.first_picks:
        packed = [] if exhausted() else _knapsack(useful, score, cost, budget, alternatives)
        if packed:
            attempt(packed, "knapsack")
        by_score = useful[np.argsort(-score[useful], kind="stable")][:FIRST_PICKS]
        by_ratio = useful[np.argsort(-ratio, kind="stable")][:FIRST_PICKS]
        for i in [*by_score.tolist(), *by_ratio.tolist()]:
            attempt([int(i)], "first_pick")
    # local search on sets: add a work, or swap one in for one out, all neighbours of the
    # best programme evaluated at once as joint works; then refill greedily from the best
    adds_pool = np.unique(
        np.concatenate(
            [
                useful[np.argsort(-score[useful], kind="stable")][:SWAP_CANDIDATES],
                useful[np.argsort(-ratio, kind="stable")][:SWAP_CANDIDATES],
                np.array([i for pair in bundles[:MAX_BUNDLES] for i in pair], dtype=np.int64),
            ]
        )
    )
    for _ in range(MAX_SWAP_ROUNDS):
        if exhausted():
            break
        current = [position[w] for w in best.programme["work_id"]]
        engine.restore(base)
        found = _best_neighbour(
            engine,
            changes,
            workset,
            current,
            adds_pool,
            bundles[:MAX_BUNDLES],
            budget,
            weights,
            alternatives,
            best_total,
        )
        if found is None or not attempt(found, "local_search"):
            break
    engine.restore(base)
    if out_of_time and effort_left > 0:
        log.warning(
            "programme search stopped after %.0f s (SEARCH_TIME_LIMIT_S) before its effort "
            "was spent: the programme found may differ on a faster machine",
            SEARCH_TIME_LIMIT_S,
        )
    gain = best_total / _total(greedy) - 1 if _total(greedy) > 0 else 0.0
    bound, affordable, all_cost = _upper_bound(engine, changes, workset, cost, budget, weights)
    search = SearchFacts(
        others=runs - 1,
        exhaustive=len(useful) <= EXACT_MAX_WORKS,
        found_by=how,
        gain=gain,
        bound=bound,
        affordable=affordable,
        bound_cost=all_cost,
        reached=best_total / bound if bound > 0 else 0.0,
    )
    log.info(
        "programme search: %d greedy runs; best by %s (+%.2f%% over greedy); "
        "%.1f%% of the upper bound (all %d affordable works done)",
        runs,
        how,
        100 * gain,
        100 * best_total / bound if bound > 0 else 0.0,
        affordable,
    )
    chosen_ids = set(best.programme["work_id"])
    bundle_table["in_programme"] = [
        a in chosen_ids and b in chosen_ids
        for a, b in zip(bundle_table["work_a"], bundle_table["work_b"], strict=True)
    ]
    return Portfolio(
        bundles=bundle_table,
        programme=best.programme,
        budget=best.budget,
        spent=best.spent,
        facts=dataclasses.replace(best.facts, search=search),
        communities_after=best.communities_after,
        currency=best.currency,
        price_year=best.price_year,
        n_evaluations=best.n_evaluations,
    )


def _upper_bound(
    engine: _Engine,
    changes: _Changes,
    workset: WorkSet,
    cost: np.ndarray,
    budget: float,
    weights: ScoreWeights,
) -> tuple[float, int, float]:
    """Score of doing every work that fits the budget alone: no programme scores more.

    Travel times only fall as works are added and a saving, once counted, only
    grows, so the score of a set of works never falls when works are added;
    every programme is a subset of these works. (A loose bound, but a certain
    one: works interact, so no tighter one comes from their scores alone.)
    The engine must be on the base network. Returns the bound, the number of
    works and what they cost together.
    """
    slack = 1e-9 * max(budget, 1.0)
    fits = np.flatnonzero(cost <= budget + slack)
    if not len(fits):
        return 0.0, 0, 0.0
    ids = list(changes.ids)
    joint = engine.changes(_joint_workset(workset, {"ALL": [ids[i] for i in fits]}))
    stats, _, _ = _evaluate_all(engine, joint, records=False)
    values, _ = _scores(stats, weights, engine.searches)
    return float(values[0]), len(fits), float(cost[fits].sum())


def _knapsack(
    useful: np.ndarray,
    score: np.ndarray,
    cost: np.ndarray,
    budget: float,
    alternatives: Alternatives,
    node_limit: int = KNAPSACK_NODE_LIMIT,
) -> list[int]:
    """Pack the works' scores alone under the budget at best (a 0-1 knapsack).

    Solved with scipy's HiGHS MILP, alternatives at one site excluding each
    other. Exact when works do not interact; otherwise a start for the search,
    whose programme is then measured exactly. HiGHS stops after ``node_limit``
    branch-and-bound nodes (the best packing found stands), so the answer does
    not depend on the machine's speed; :data:`KNAPSACK_TIME_LIMIT_S` is a
    safety net whose reach is logged. Empty if HiGHS finds no packing.
    """
    from scipy.optimize import Bounds, LinearConstraint, milp
    from scipy.sparse import csr_array

    n = len(useful)
    if n == 0:
        return []
    where = {int(w): k for k, w in enumerate(useful)}
    # row 0: the budget; then one row per pair of alternatives (at most one of the two)
    pairs = [
        (where[a], where[b])
        for a in useful.tolist()
        for b in alternatives.conflicts[a].tolist()
        if b in where and a < b
    ]
    n_rows = 1 + len(pairs)
    row_of = np.concatenate([np.zeros(n, dtype=np.int64), np.repeat(np.arange(1, n_rows), 2)])
    col_of = np.concatenate([np.arange(n), np.asarray(pairs, dtype=np.int64).reshape(-1)])
    # costs as shares of the budget (HiGHS warns of, and slows on, row bounds of 1e8)
    values = np.concatenate([cost[useful] / budget, np.ones(2 * len(pairs))])
    matrix = csr_array((values, (row_of, col_of)), shape=(n_rows, n))
    upper = np.ones(n_rows)
    started = time.monotonic()
    with _native_stdout_silenced():
        result = milp(
            c=-score[useful],
            constraints=LinearConstraint(matrix, -np.inf, upper),
            integrality=np.ones(n),
            bounds=Bounds(0, 1),
            options={
                "node_limit": node_limit,
                "time_limit": KNAPSACK_TIME_LIMIT_S,
                "disp": False,
                # HiGHS's presolve spends a minute on 20,000 works and removes nothing
                "presolve": False,
            },
        )
    if time.monotonic() - started >= 0.99 * KNAPSACK_TIME_LIMIT_S:
        log.warning(
            "knapsack MILP stopped at its %.0f s safety limit: its packing may differ on a "
            "faster machine",
            KNAPSACK_TIME_LIMIT_S,
        )
    if result.x is None:
        return []
    chosen = useful[np.asarray(result.x) > 0.5]
    return [int(i) for i in chosen[np.argsort(-score[chosen], kind="stable")]]


@contextlib.contextmanager
def _native_stdout_silenced() -> Iterator[None]:
    """Send what native code prints on standard output to the null device for a while.

    HiGHS writes some solver notes straight to file descriptor 1 even with
    ``disp=False`` (``HighsMipSolverData::...``); in a run they would land
    among the log lines a planner reads. Python's own output is flushed
    before and after.
    """
    sys.stdout.flush()
    try:
        saved = os.dup(1)
    except OSError:  # no standard output at all: nothing to keep clean
        yield
        return
    try:
        with open(os.devnull, "wb") as null:
            os.dup2(null.fileno(), 1)
        yield
    finally:
        sys.stdout.flush()
        os.dup2(saved, 1)
        os.close(saved)


def _set_cost(members: Sequence[int], cost: np.ndarray, alternatives: Alternatives) -> float:
    """Net cost of a set of works (later stages priced as the increment); inf if they clash."""
    return _added_cost(set(), members, cost, alternatives)


def _added_cost(
    kept: set[int], new: Sequence[int], cost: np.ndarray, alternatives: Alternatives
) -> float:
    """Price adding ``new`` works to the set ``kept``: inf if one clashes with another."""
    members = set(kept)
    extra = 0.0
    for j in new:
        price = float(cost[j])
        for k in alternatives.conflicts[j].tolist():
            if k in members:
                if alternatives.is_stage(k, j) or alternatives.is_stage(j, k):
                    price -= min(float(cost[k]), float(cost[j]))
                else:
                    return math.inf
        extra += price
        members.add(j)
    return extra


def _best_neighbour(
    engine: _Engine,
    changes: _Changes,
    workset: WorkSet,
    current: list[int],
    adds: np.ndarray,
    pairs: Sequence[tuple[int, int]],
    budget: float,
    weights: ScoreWeights,
    alternatives: Alternatives,
    current_value: float,
) -> list[int] | None:
    """Find the best set a few moves away from ``current``, if it is better.

    Moves: add a work; swap one of the last :data:`SWAP_OUT` picks out for one
    in; two out for one in (when the programme is small); add a pair that pays
    together, or swap it in for one of those works. For each set of works
    kept, the engine does them (from the base network, its state on entry) and
    evaluates every work or pair that could join them in one batch: the value
    of a move is the kept set's value plus the exact gain of what joins.
    Returns None when no move is better.
    """
    base = engine.snapshot()
    cost = workset.works["cost_net"].to_numpy(dtype=float)
    slack = 1e-9 * max(budget, 1.0)
    inside = set(current)
    outside = [int(j) for j in adds if int(j) not in inside]
    free_pairs = [p for p in pairs if inside.isdisjoint(p)]
    ids = list(changes.ids)
    pair_changes = (
        engine.changes(
            _joint_workset(
                workset, {f"P{k}": [ids[a], ids[b]] for k, (a, b) in enumerate(free_pairs)}
            )
        )
        if free_pairs
        else None
    )
    # works that may leave: the last picks (the programme's weakest by its own order)
    out = current[-SWAP_OUT:]
    stay = current[: len(current) - len(out)]
    variants: list[list[int]] = [list(out)]
    variants += [[c for c in out if c != i] for i in out]
    if len(current) <= TWO_OUT_MAX_PROGRAMME:
        variants += [[c for c in out if c not in (i, k)] for i, k in itertools.combinations(out, 2)]
    engine.restore(base)
    stay_value = 0.0
    for m in stay:
        stay_value += float(
            _scores(engine.commit(changes, m, details=False).stats, weights, engine.searches)[0][0]
        )
    after_stay = engine.snapshot()
    stay_cost = _set_cost(stay, cost, alternatives)
    best_value, best_set = current_value * (1 + 1e-12) + 1e-9, None
    for rest in variants:
        kept_cost = stay_cost + _added_cost(set(stay), rest, cost, alternatives)
        kept_set = set(stay) | set(rest)
        room = budget + slack - kept_cost
        joins = [j for j in outside if _added_cost(kept_set, [j], cost, alternatives) <= room]
        joint = [
            k
            for k, pair in enumerate(free_pairs)
            if _added_cost(kept_set, pair, cost, alternatives) <= room
        ]
        if not joins and not joint:
            continue
        engine.restore(after_stay)
        value = stay_value
        for m in rest:
            value += float(
                _scores(engine.commit(changes, m, details=False).stats, weights, engine.searches)[
                    0
                ][0]
            )
        kept = [*stay, *rest]
        if joins:
            gains, _ = _scores(
                engine.evaluate(changes, np.array(joins)).stats, weights, engine.searches
            )
            k = int(np.argmax(gains))
            if value + gains[k] > best_value:
                best_value, best_set = value + float(gains[k]), [*kept, joins[k]]
        if joint and pair_changes is not None:
            gains, _ = _scores(
                engine.evaluate(pair_changes, np.array(joint)).stats, weights, engine.searches
            )
            k = int(np.argmax(gains))
            if value + gains[k] > best_value:
                best_value, best_set = value + float(gains[k]), [*kept, *free_pairs[joint[k]]]
    engine.restore(base)
    if best_set is None:
        return None
    # earlier stages first, so that the greedy run takes the later one as the increment
    return sorted(best_set, key=lambda i: sum(alternatives.is_stage(j, i) for j in best_set))


_NO_BUNDLES = pd.DataFrame(columns=list(BUNDLE_COLUMNS[:-1]))


def complementary_pairs(
    engine: _Engine,
    changes: _Changes,
    workset: WorkSet,
    table: pd.DataFrame,
    budget: float,
    weights: ScoreWeights,
    taken: np.ndarray,
) -> tuple[list[tuple[int, int]], pd.DataFrame]:
    """Pairs of works that pay together but not alone (e.g. two fords in series).

    Candidates are works the greedy programme did not take (``taken``: its
    works' positions), within the budget, that interact: one improves a node
    the other's changed edges lead to or also improves (the test of
    :func:`connectivity.ranking.portfolio._select`). Each candidate pair is
    evaluated as one joint work on the base network (the engine's current
    state); a pair is kept when together it passes the hurdle, fits the budget
    and scores clearly more than its two works alone.

    Returns
    -------
    pairs : list of (int, int)
        Work positions, best joint score per net cost first.
    bundles : pandas.DataFrame
        The same pairs as bundles (*paquetes*) a planner reads: ``bundle_id``,
        ``work_a``, ``work_b``, ``score_together``, ``score_a_alone``,
        ``score_b_alone``, ``cost_net``, ``score_per_1000``,
        ``people_benefited``.
    """
    hurdle = float(weights.min_score_per_1000)
    cost = table["cost_net"].to_numpy(dtype=float)
    score = table["score"].to_numpy(dtype=float)
    left_out = np.ones(len(cost), dtype=bool)
    left_out[taken] = False
    weak = np.flatnonzero(left_out & (cost <= budget))
    if len(weak) < 2:
        return [], _NO_BUNDLES.copy()
    ev = engine.evaluate(changes, weak, regions=True)
    if not len(ev.region_nodes):
        return [], _NO_BUNDLES.copy()
    # the pairs in the order of a merge of every region with every region and changed edge
    # on the node, streamed (that merge has 40 M rows at size 16 and ~30 times more at
    # national size); tested equal to the merge
    lo, hi = changes.work_ptr[weak], changes.work_ptr[weak + 1]
    rows = np.repeat(lo - np.cumsum(hi - lo) + (hi - lo), hi - lo) + np.arange(int((hi - lo).sum()))
    found_a, found_b = _interacting_pairs(
        weak,
        ev.region_nodes,
        ev.region_ptr,
        np.repeat(weak, hi - lo),
        changes.head[rows],
        cost,
        float(budget),
        len(cost),
        engine.n,
        MAX_PAIRS_TRIED,
    )
    cand = pd.DataFrame({"a": found_a, "b": found_b})
    if cand.empty:
        return [], _NO_BUNDLES.copy()
    ids = list(changes.ids)
    groups = {f"P{k}": [ids[i], ids[j]] for k, (i, j) in enumerate(cand.to_numpy().tolist())}
    stats, overall, _ = _evaluate_all(
        engine, engine.changes(_joint_workset(workset, groups)), records=False
    )
    joint, _ = _scores(stats, weights, engine.searches)
    pair_cost = cost[cand["a"]] + cost[cand["b"]]
    alone = score[cand["a"]] + score[cand["b"]]
    with np.errstate(divide="ignore", invalid="ignore"):
        ratio = np.where(pair_cost > 0, 1000.0 * joint / pair_cost, np.inf)
    keep = (joint > 1.5 * alone + 1e-9) & (ratio >= hurdle) & (joint > 0)
    order = np.argsort(-ratio[keep], kind="stable")
    found = cand.to_numpy()[keep][order]
    if len(found):
        log.info(
            "%d pairs of works pay together but not alone (of %d tried)", len(found), len(cand)
        )
    people = overall[:, _ANY_POP][keep][order]
    table_out = pd.DataFrame(
        {
            "bundle_id": [f"PAQ-{k + 1:04d}" for k in range(len(found))],
            "work_a": [ids[i] for i in found[:, 0]] if len(found) else [],
            "work_b": [ids[j] for j in found[:, 1]] if len(found) else [],
            "score_together": joint[keep][order],
            "score_a_alone": score[found[:, 0]] if len(found) else [],
            "score_b_alone": score[found[:, 1]] if len(found) else [],
            "cost_net": np.asarray(pair_cost)[keep][order],
            "score_per_1000": ratio[keep][order],
            "people_benefited": people,
        }
    )
    return [(int(i), int(j)) for i, j in found.tolist()], table_out


def programme_by_enumeration(
    engine: _Engine,
    changes: _Changes,
    workset: WorkSet,
    candidates: np.ndarray,
    budget: float,
    weights: ScoreWeights,
    alternatives: Alternatives,
) -> tuple[list[str], float]:
    """Find the best programme among ``candidates`` by evaluating every feasible subset.

    A subset is feasible when its works do not exclude each other (alternatives
    at one site, but for stages) and its cost — later stages priced as the
    increment — fits the budget. Each subset is evaluated as one joint work on
    the base network (the engine's current state must be the base network),
    which is its exact score. The hurdle is not applied: this is the most
    value the budget can buy.

    Parameters
    ----------
    engine, changes, workset, weights, alternatives
        As :func:`best_programme`.
    candidates : numpy.ndarray
        Positions of the works to choose from (at most about 16).
    budget : float

    Returns
    -------
    ids : list of str
        The best subset's work ids (empty if none helps).
    score : float
        Its score.
    """
    cand = [int(i) for i in candidates]
    cost = workset.works["cost_net"].to_numpy(dtype=float)
    slack = 1e-9 * max(budget, 1.0)
    subsets = [
        combo
        for r in range(1, len(cand) + 1)
        for combo in itertools.combinations(cand, r)
        if _set_cost(combo, cost, alternatives) <= budget + slack
    ]
    if not subsets:
        return [], 0.0
    ids = list(changes.ids)
    joint = _joint_workset(workset, {f"S{k}": [ids[i] for i in s] for k, s in enumerate(subsets)})
    joint_changes = engine.changes(joint)
    stats, _, _ = _evaluate_all(engine, joint_changes, records=False)
    values, _ = _scores(stats, weights, engine.searches)
    k = int(np.argmax(values))
    if values[k] <= 0:
        return [], 0.0
    best = sorted(subsets[k], key=lambda i: sum(alternatives.is_stage(j, i) for j in subsets[k]))
    return [ids[i] for i in best], float(values[k])


def _joint_workset(works: WorkSet, groups: dict[str, list[str]]) -> WorkSet:
    """One work per group, doing every change of the group's works together."""
    table = works.works
    # positions looked up once for all groups (a .loc per group took ~10 s for 20,000 pairs);
    # each group's sum is numpy's over its members in order, as pandas' .sum() is
    members_pos = table.index.get_indexer([m for members in groups.values() for m in members])
    if (members_pos < 0).any():
        missing = {m for members in groups.values() for m in members} - set(table.index)
        raise KeyError(f"works not in the work set: {sorted(missing)[:5]}")
    sizes_of = np.array([len(members) for members in groups.values()], dtype=np.int64)
    ends = np.cumsum(sizes_of)
    starts = ends - sizes_of

    def sums(column: str) -> list[float]:
        values = table[column].to_numpy(dtype=float)[members_pos]
        return [float(values[a:b].sum()) for a, b in zip(starts, ends, strict=True)]

    rows = pd.DataFrame(
        {
            "work_type": "programme",
            "origin": "enumeration",
            "name": list(groups),
            "description": "",
            "length_m": 0.0,
            "span_m": 0.0,
            "cost": sums("cost"),
            "cofinancing_share": 0.0,
            "cost_net": sums("cost_net"),
        },
        index=pd.Index(list(groups), name="work_id"),
    )
    ch = works.changes
    # each member's change rows in their order, by one stable sort of the rows by work
    # (a groupby of every work's rows took 2.2 s for the 21,843 works of size 16; now 0.03 s)
    work_of = table.index.get_indexer(ch["work_id"])
    by_work = np.argsort(work_of, kind="stable")
    per_work = np.bincount(work_of[work_of >= 0], minlength=len(table))
    ends_of = np.cumsum(per_work) + int((work_of < 0).sum())
    count = per_work[members_pos]
    first = ends_of[members_pos] - count
    total = np.concatenate([[0], np.cumsum(count)])
    take = by_work[np.repeat(first - total[:-1], count) + np.arange(int(total[-1]))]
    sizes = total[ends] - total[starts]
    joint = ch.iloc[take].reset_index(drop=True)
    joint["work_id"] = np.repeat(np.array(list(groups), dtype=object), sizes)
    return WorkSet(
        works=gpd.GeoDataFrame(rows, geometry=[None] * len(rows), crs=table.crs),
        changes=joint,
        currency=works.currency,
        price_year=works.price_year,
    )
