"""A programme of works under a budget, chosen greedily on the improved network.

:func:`select_portfolio` builds a programme under a budget greedily by score
per unit of ``cost_net``, each step against the network *already improved* by
the works chosen before (two works on the same route do not add up), with the
same incremental search run on the updated times. Gains can shrink (two
upgrades of one route) but also grow (two fords on one road: a bridge over one
is worth little until the other is bridged), so earlier scores are not upper
bounds. Instead, after each choice only the works whose score *can* have
changed are evaluated again: those with a changed edge ending at a node the
chosen work improved, or improving a node the chosen work improved or one its
edges lead to (see :func:`_select` for why that is exact). The programme is the
same as re-evaluating every work at every step (``lazy=False``). Its cumulative
score equals the score of doing all its works at once. A budget below every
work's net cost gives an empty programme and says so.
"""

from __future__ import annotations

import heapq
import logging
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import geopandas as gpd
import numpy as np
import pandas as pd

from connectivity.config import RankingSection
from connectivity.errors import ConfigError
from connectivity.network import RoadNetwork
from connectivity.ranking._kernel import (
    _compact_regions,
    _distinct_counts,
    _index_regions,
    _works_at,
)
from connectivity.ranking.engine import _Changes, _effective, _Engine, _Evaluation
from connectivity.ranking.evaluate import _CHUNK, _evaluate_all, _prepare, _table_from_stats
from connectivity.ranking.measures import _ANY_N, _PM, GAIN_TOL_S, UNREACHABLE_CAP_MIN
from connectivity.ranking.programme_facts import LeftFacts, ProgrammeFacts
from connectivity.ranking.score import ScoreWeights, _scores
from connectivity.works import Alternatives, WorkSet, find_alternatives

if TYPE_CHECKING:
    from connectivity.ranking.optimise import SearchLimits

__all__ = ["PROGRAMME_COLUMNS", "Portfolio", "select_portfolio"]

log = logging.getLogger(__name__)


PROGRAMME_COLUMNS: tuple[str, ...] = (
    "order",
    "work_id",
    "name",
    "work_type",
    "cost",
    "cost_net",
    "stage_of",
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


#: Columns of :attr:`Portfolio.bundles` (``bundles.csv``): pairs of works that pay together.
BUNDLE_COLUMNS: tuple[str, ...] = (
    "bundle_id",
    "work_a",
    "work_b",
    "score_together",
    "score_a_alone",
    "score_b_alone",
    "cost_net",
    "score_per_1000",
    "people_benefited",
    "in_programme",
)


@dataclass(frozen=True)
class Portfolio:
    """A programme of works under a budget, chosen one at a time.

    Attributes
    ----------
    programme : pandas.DataFrame
        Works in the order chosen (columns :data:`PROGRAMME_COLUMNS`, with
        ``{kind}_{season}_person_min_saved`` per destination kind and state
        after ``cumulative_person_min_saved``):
        ``cost_net`` is what the budget pays for the work in this programme
        (for a later stage of a work already chosen, ``stage_of``, only the
        increment); ``score``, ``person_min_saved`` and ``communities_gaining`` are what
        each work adds *given the works before it*; ``score_alone`` is its
        score on the base network (the difference is the overlap with earlier
        works); ``people_newly_benefited`` counts people in communities that
        had gained nothing yet.
    budget : float or None
        Budget in ``currency`` (None: no budget given, empty programme).
    spent : float
        Sum of ``cost_net`` of the programme.
    facts : ProgrammeFacts
        What the programme's explanation says (also why the programme is
        empty, if it is), to say in any language
        (:meth:`ProgrammeFacts.describe`); :attr:`explanation` says it in English.
    communities_after : geopandas.GeoDataFrame
        Every community with minutes before/after the whole programme per kind
        and season, ``gains`` and ``improved_by`` (work ids, ';'-joined).
    currency : str
    price_year : int
    n_evaluations : int
        Work evaluations the selection ran (the first pass included).
    bundles : pandas.DataFrame
        Pairs of works that pay together but not alone, found by the search
        (:func:`connectivity.ranking.optimise.complementary_pairs`), with
        ``in_programme``; empty without the search.
    """

    programme: pd.DataFrame
    budget: float | None
    spent: float
    facts: ProgrammeFacts
    communities_after: gpd.GeoDataFrame
    currency: str = "PEN"
    price_year: int = 2024
    n_evaluations: int = 0
    bundles: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(columns=BUNDLE_COLUMNS))

    @property
    def explanation(self) -> str:
        """The programme in plain English (the log; :attr:`facts` in other languages)."""
        return self.facts.describe("en")


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


class _Regions:
    """For every node, the candidate works that improve it on the current network.

    Kept so that, after a work is chosen, only the works whose evaluation can
    have changed are evaluated again (see :func:`_select`), found from the
    nodes the choice touched rather than by scanning every work's region. Each
    node has a linked list of entries (work, version of its region); a work
    evaluated again gets a new version and new entries, its old ones are
    skipped, and dropped when the lists are compacted (once half the entries
    are stale). A work's nodes are listed once however many searches improve
    them. Past ``limit`` entries, further works are marked "always
    re-evaluate" instead (exact too, just slower). The works whose changed
    edges end at each node are listed once, from ``changes``. Compaction
    waits for at least ``compact_from`` entries.
    """

    def __init__(
        self, n_nodes: int, changes: _Changes, limit: int, *, compact_from: int = 1 << 20
    ) -> None:
        n_works = len(changes.ids)
        self.first = np.full(n_nodes, -1, dtype=np.int64)
        # entries: 4-byte fields (tens of millions of entries at national size)
        self.nxt = np.empty(1024, dtype=np.int32)
        self.owner = np.empty(1024, dtype=np.int32)
        self.owner_version = np.empty(1024, dtype=np.int32)
        self.used = 0
        self.live = 0
        self.version = np.zeros(n_works, dtype=np.int32)
        self.count = np.zeros(n_works, dtype=np.int64)  # current entries of each work
        self.always = np.zeros(n_works, dtype=bool)
        self.limit = limit
        self.compact_from = compact_from
        self.seen = np.zeros(n_nodes, dtype=np.int64)
        self.stamp = 0
        sizes = np.diff(changes.work_ptr)
        by_head = np.argsort(changes.head, kind="stable")
        self.head_work = np.repeat(np.arange(n_works, dtype=np.int64), sizes)[by_head]
        self.head_ptr = np.zeros(n_nodes + 1, dtype=np.int64)
        np.cumsum(np.bincount(changes.head, minlength=n_nodes), out=self.head_ptr[1:])

    def put(self, works: np.ndarray, ev: _Evaluation) -> None:
        """Store the regions of ``works`` (rows of ``ev``) in place of their earlier ones."""
        counts, self.stamp = _distinct_counts(ev.region_nodes, ev.region_ptr, self.seen, self.stamp)
        self.drop(works)
        keep = np.ones(len(works), dtype=bool)
        if self.live + int(counts.sum()) > self.limit:
            # store the small regions, re-evaluate the big ones after every choice
            room = max(self.limit - self.live, 0)
            smallest = np.argsort(counts, kind="stable")
            keep = np.zeros(len(works), dtype=bool)
            keep[smallest[np.cumsum(counts[smallest]) <= room]] = True
        self.always[works] = ~keep
        adding = int(counts[keep].sum())
        if self.used + adding > max(2 * (self.live + adding), self.compact_from):
            self._compact()
        if self.used + adding > len(self.owner):
            size = max(2 * len(self.owner), self.used + adding)
            self.nxt = np.resize(self.nxt, size)
            self.owner = np.resize(self.owner, size)
            self.owner_version = np.resize(self.owner_version, size)
        self.used, self.stamp = _index_regions(
            works,
            keep,
            ev.region_nodes,
            ev.region_ptr,
            self.version,
            self.first,
            self.nxt,
            self.owner,
            self.owner_version,
            self.used,
            self.seen,
            self.stamp,
        )
        self.count[works[keep]] = counts[keep]
        self.live += adding

    def drop(self, works: np.ndarray) -> None:
        """Forget the regions of ``works`` (their entries become stale)."""
        self.version[works] += 1
        self.live -= int(self.count[works].sum())
        self.count[works] = 0

    def _compact(self) -> None:
        size = max(2 * self.live, 1024)
        nxt = np.empty(size, dtype=np.int32)
        owner = np.empty(size, dtype=np.int32)
        owner_version = np.empty(size, dtype=np.int32)
        self.used = _compact_regions(
            self.first,
            self.nxt,
            self.owner,
            self.owner_version,
            self.version,
            nxt,
            owner,
            owner_version,
        )
        self.nxt, self.owner, self.owner_version = nxt, owner, owner_version

    def hit(self, nodes: np.ndarray) -> np.ndarray:
        """Flag (one boolean per work) the works that can have changed at ``nodes``.

        Those improving one of the nodes, with a changed edge ending at one,
        or always evaluated again.
        """
        out = np.zeros(len(self.version), dtype=bool)
        _works_at(
            nodes,
            self.first,
            self.nxt,
            self.owner,
            self.owner_version,
            self.version,
            self.head_ptr,
            self.head_work,
            out,
        )
        return out | self.always


#: Most entries (work, node) kept in the index of the nodes works improve (12 bytes each):
#: works beyond it are evaluated again after every choice instead.
_REGION_LIMIT = 100_000_000


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
    alternatives: Alternatives | None = None,
    start: Sequence[int] = (),
) -> Portfolio:
    """Greedy programme by score per net cost, each step on the improved network.

    ``start``: works (positions) taken first, in that order, whatever their
    score (they must fit the budget and not exclude each other; ValueError
    otherwise); the greedy goes on from the network with them done. Used by
    :mod:`connectivity.ranking.optimise` to try other first picks.

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

    Alternatives (:func:`connectivity.works.find_alternatives`): once a work
    is chosen, the works sharing its site leave the pool, except its later
    stages, which stay priced as the increment. A work whose score per 1,000
    of what it would cost is below ``weights.min_score_per_1000`` (the hurdle)
    is not funded.
    """
    alternatives = alternatives or find_alternatives(workset)
    hurdle = float(weights.min_score_per_1000)
    currency = workset.currency
    ids = changes.ids
    cost_net = table["cost_net"].to_numpy(dtype=float)
    charge = cost_net.copy()  # what the budget would pay for each work now
    stage_of = [""] * len(ids)
    open_ = np.ones(len(ids), dtype=bool)  # neither chosen nor excluded by an alternative
    per_1000 = np.full(len(ids), np.nan)  # latest score per 1,000 of charge
    alone = table["score"].to_numpy(dtype=float)
    tie = np.empty(len(ids), dtype=np.int64)  # rank of the work id: ties go to the smaller id
    tie[np.argsort(np.asarray(ids, dtype=object), kind="stable")] = np.arange(len(ids))
    rows: list[dict[str, Any]] = []
    benefited = np.zeros(engine.n_comm, dtype=bool)
    improved_by: list[list[str]] = [[] for _ in range(engine.n_comm)]
    facts: ProgrammeFacts | None = None
    n_evaluations = 0

    def ratio(score: float, cost: float) -> float:
        return math.inf if cost <= 0 else score / cost

    def funded(score: float, cost: float) -> bool:
        return score > 0 and (cost <= 0 or 1000.0 * score / cost >= hurdle)

    if budget is None:
        facts = ProgrammeFacts("no_budget", currency)
    elif not len(ids):
        facts = ProgrammeFacts("no_works", currency, budget=budget)
    else:
        slack = 1e-9 * max(budget, 1.0)  # sums of costs may round a hair above the budget
        pool = np.flatnonzero(charge <= budget + slack)
        if not len(pool):
            cheapest = int(np.lexsort((tie, cost_net))[0])
            facts = ProgrammeFacts(
                "budget_too_small",
                currency,
                budget=budget,
                cheapest_id=str(ids[cheapest]),
                cheapest_cost=float(cost_net[cheapest]),
            )
    if budget is not None and facts is None:
        in_pool = np.zeros(len(ids), dtype=bool)
        in_pool[pool] = True
        version = np.zeros(len(ids), dtype=np.int64)
        regions = _Regions(engine.n, changes, _REGION_LIMIT)
        heap: list[tuple[float, int, int, int]] = []

        def refresh(works: np.ndarray) -> None:
            """Re-evaluate ``works`` and queue them anew.

            Entries are totally ordered (ratio, tie, position, version), so the
            works come off the heap in the same order however it was built;
            entries of works chosen, priced out or re-evaluated since stay in
            it and are skipped when popped.
            """
            nonlocal n_evaluations
            fresh: list[tuple[float, int, int, int]] = []
            for lo in range(0, len(works), _CHUNK):
                part = works[lo : lo + _CHUNK]
                ev = engine.evaluate(changes, part, regions=True)
                score, _ = _scores(ev.stats, weights, engine.searches)
                regions.put(part, ev)
                version[part] += 1
                # ratio() and funded() on arrays, the same float operations in the same order
                price = charge[part]
                free = price <= 0
                with np.errstate(divide="ignore", invalid="ignore"):
                    rate = np.where(free, math.inf, score / np.where(free, 1.0, price))
                    per_1000[part] = np.where(score > 0, 1000.0 * rate, 0.0)
                    good = (score > 0) & (free | (1000.0 * score / price >= hurdle))
                fresh.extend(
                    zip(
                        (-rate[good]).tolist(),
                        tie[part[good]].tolist(),
                        part[good].tolist(),
                        version[part[good]].tolist(),
                        strict=True,
                    )
                )
                n_evaluations += len(part)
            if len(fresh) * math.log2(len(heap) + 2) < len(heap):
                for entry in fresh:  # a few works re-queued into a large heap
                    heapq.heappush(heap, entry)
            else:
                heap.extend(fresh)
                heapq.heapify(heap)

        refresh(pool)
        queue = [int(i) for i in start]
        if not heap and not queue:
            facts = ProgrammeFacts(
                "nothing_useful",
                currency,
                budget=budget,
                affordable=len(pool),
                min_gain_min=float(weights.min_gain_min),
                hurdle=hurdle,
            )
        left = budget
        cost = table["cost"].to_numpy(dtype=float)
        while heap or queue:
            if queue:
                i = queue.pop(0)
                if not open_[i] or charge[i] > left + slack:
                    raise ValueError(f"start work {ids[i]} does not fit with the ones before it")
            else:
                _, _, i, ver = heapq.heappop(heap)
                if not in_pool[i] or ver != version[i]:
                    continue  # chosen, unaffordable or re-evaluated since
                if charge[i] > left + slack:
                    in_pool[i] = False
                    continue
            ev = engine.commit(changes, i)
            open_[i] = False
            staged: list[int] = []
            for j in alternatives.conflicts[i].tolist():
                if not open_[j]:
                    continue
                if alternatives.is_stage(i, j):
                    charge[j] = max(cost_net[j] - cost_net[i], 0.0)
                    stage_of[j] = ids[i]
                    staged.append(j)
                else:
                    open_[j] = False  # an alternative at the same site
            score, minutes = _scores(ev.stats, weights, engine.searches)
            gained = np.unique(ev.records.comm)
            new = gained[~benefited[gained]]
            benefited[gained] = True
            for c in gained.tolist():
                improved_by[c].append(ids[i])
            left -= charge[i]
            was_in_pool = in_pool
            in_pool = open_ & (charge <= left + slack)
            # works that left the pool come back only as a later stage, evaluated again then
            regions.drop(np.flatnonzero(was_in_pool & ~in_pool))
            rows.append(
                {
                    "order": len(rows) + 1,
                    "work_id": ids[i],
                    "cost": float(cost[i]),
                    "cost_net": float(charge[i]),
                    "stage_of": stage_of[i],
                    "budget_left": left,
                    "score": float(score[0]),
                    "score_alone": float(alone[i]),
                    "person_min_saved": float(minutes[0]),
                    "communities_gaining": int(ev.overall[0, _ANY_N]),
                    "people_newly_benefited": float(engine.pop[new].sum()),
                    **{
                        f"{kind}_{season}_person_min_saved": float(ev.stats[0, s, _PM])
                        for s, (kind, season) in enumerate(engine.searches)
                    },
                }
            )
            if not in_pool.any():
                if queue:
                    continue
                break
            members = in_pool
            if lazy:
                nodes = np.unique(
                    np.concatenate(
                        [
                            ev.region_nodes,
                            changes.head[changes.work_ptr[i] : changes.work_ptr[i + 1]],
                        ]
                    )
                )
                dirty = regions.hit(nodes)
                dirty[staged] = True
                dirty |= in_pool & ~was_in_pool  # back in the pool (never otherwise: see above)
                members = dirty & in_pool
            refresh(np.flatnonzero(members))
    by_search = [f"{kind}_{season}_person_min_saved" for kind, season in engine.searches]
    at = PROGRAMME_COLUMNS.index("cumulative_person_min_saved") + 1
    columns = [*PROGRAMME_COLUMNS[:at], *by_search, *PROGRAMME_COLUMNS[at:]]
    programme = pd.DataFrame(rows, columns=columns)
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
    if facts is None:
        last = programme.iloc[-1]
        facts = ProgrammeFacts(
            "chosen",
            currency,
            budget=budget,
            n_works=len(programme),
            spent=spent,
            people=float(last["cumulative_people_benefited"]),
            communities=int(benefited.sum()),
            person_min_saved=float(last["cumulative_person_min_saved"]),
            kinds=tuple(engine.searches_kinds()),
            left=_left_facts(
                float(budget or 0.0) - spent, ids, open_, charge, per_1000, hurdle, slack
            ),
        )
    level = logging.WARNING if budget is not None and programme.empty else logging.INFO
    log.log(level, "portfolio (%d evaluations): %s", n_evaluations, facts.describe("en"))
    communities_after = _communities_after(network, engine, improved_by)
    return Portfolio(
        programme=programme,
        budget=budget,
        spent=spent,
        facts=facts,
        communities_after=communities_after,
        currency=currency,
        price_year=workset.price_year,
        n_evaluations=n_evaluations,
    )


def _left_facts(
    left: float,
    ids: Sequence[str],
    open_: np.ndarray,
    charge: np.ndarray,
    per_1000: np.ndarray,
    hurdle: float,
    slack: float,
) -> LeftFacts:
    """How much of the budget the programme leaves, and why no further work is funded."""
    affordable = np.flatnonzero(open_ & (charge <= left + slack))
    useful = affordable[np.nan_to_num(per_1000[affordable], nan=0.0) > 0]
    if not len(affordable):
        return LeftFacts("none_fits", left)
    if not len(useful):
        return LeftFacts("none_useful", left)
    best = int(useful[np.argmax(per_1000[useful])])
    return LeftFacts(
        "below_hurdle",
        left,
        work_id=str(ids[best]),
        score_per_1000=float(per_1000[best]),
        hurdle=hurdle,
    )


def _communities_after(
    network: RoadNetwork, engine: _Engine, improved_by: list[list[str]]
) -> gpd.GeoDataFrame:
    comm = network.communities
    keep = [c for c in ("community_id", "name", "district", "population") if c in comm.columns]
    out = gpd.GeoDataFrame(comm[keep].copy(), geometry=comm.geometry.to_numpy(), crs=comm.crs)
    base_s = engine.baseline[:, engine.comm_node]
    after_s = engine.dist[:, engine.comm_node]
    counted = _effective(base_s, after_s, engine.cap_min, engine.min_gain_s)
    gains = np.zeros(len(comm), dtype=bool)
    for s, (kind, season) in enumerate(engine.searches):
        out[f"{kind}_{season}_min_before"] = base_s[s] / 60.0
        out[f"{kind}_{season}_min_after"] = after_s[s] / 60.0
        with np.errstate(invalid="ignore"):
            gains |= (base_s[s] - counted[s]) > GAIN_TOL_S
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
    optimise: bool = True,
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
    optimise : bool
        Then look for a better programme: greedy runs from other first picks,
        local search, exhaustive search on small instances
        (:mod:`connectivity.ranking.optimise`); never worse than the greedy
        one. False gives the plain greedy programme.

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
    table = _table_from_stats(workset, stats, overall, score_weights, thresholds, engine.searches)
    return _choose(
        network, workset, engine, changes, table, money, score_weights, lazy=lazy, optimise=optimise
    )


def _choose(
    network: RoadNetwork,
    workset: WorkSet,
    engine: _Engine,
    changes: _Changes,
    table: pd.DataFrame,
    budget: float | None,
    weights: ScoreWeights,
    *,
    lazy: bool,
    optimise: bool,
    alternatives: Alternatives | None = None,
    limits: SearchLimits | None = None,
) -> Portfolio:
    """Choose the greedy programme, or the best of the search around it (``optimise``).

    ``limits`` bounds the search (:class:`connectivity.ranking.optimise.SearchLimits`;
    default: the run's whole search).
    """
    from connectivity.ranking.optimise import best_programme

    alt = alternatives or find_alternatives(workset)

    def run(start: Sequence[int]) -> Portfolio:
        return _select(
            network,
            workset,
            engine,
            changes,
            table,
            budget,
            weights,
            lazy=lazy,
            alternatives=alt,
            start=start,
        )

    if not optimise:
        return run(())
    return best_programme(run, engine, changes, workset, table, budget, weights, alt, limits)
