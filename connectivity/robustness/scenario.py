"""One scenario: new weights from the draws, every work evaluated again, a programme chosen.

A scenario never rebuilds the graph. :class:`BaseCase` holds, once, the
network's edge weights, the communities, the works and their edge changes,
and for every edge and passability state its driving time (vehicle edges)
and walking time. A scenario divides the driving time by the speed
multiplier of the edge's road class and state and the walking time by the
walking multiplier, and takes the faster: the same as running the speed
model again with every speed scaled (tested), without its DEM reads and
geometry. A work never makes an edge slower than it is in the same scenario.
Then the exact incremental evaluator of :mod:`connectivity.ranking`
evaluates every work, the works are ranked as the run ranks them, and a
programme is chosen:

* ``rule="search"`` — the run's own rule (greedy, then the bounded search of
  :func:`connectivity.ranking.optimise.best_programme`): the budget curve;
* ``rule="warm"`` — the Monte Carlo's rule: the same search, smaller and
  started from the run: the greedy programme, the run's programme (without
  the works that no longer add the hurdle per 1,000 soles given the others,
  as far as the budget goes) topped up greedily, then local search (add,
  swap, the run's bundles) from the better of the two, within
  :data:`SCENARIO_MAX_RUNS` greedy runs. A scenario where nothing changed
  gives back the run's programme (tested); the full search would cost ~20
  greedy runs and the search for bundles, per scenario;
* ``rule="greedy"`` — the plain greedy programme.
"""

from __future__ import annotations

import dataclasses
import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Literal

import numpy as np
import pandas as pd

from connectivity.errors import DataError
from connectivity.network import RoadNetwork
from connectivity.ranking.appraisal import AppraisalParameters, TripRate, appraise_works
from connectivity.ranking.engine import _Engine
from connectivity.ranking.evaluate import _evaluate_all, _table_from_stats
from connectivity.ranking.measures import SEASON_WEIGHTS, SEASONS
from connectivity.ranking.optimise import SearchLimits, _joint_workset
from connectivity.ranking.portfolio import _choose
from connectivity.ranking.rank import _order_ranking
from connectivity.ranking.score import ScoreWeights, _scores
from connectivity.robustness.draws import Draws, draw_scenario
from connectivity.sources.population import population_is_estimated
from connectivity.uncertainty import RobustnessSection
from connectivity.works import Alternatives, WorkSet, find_alternatives
from connectivity.works.workset import WEIGHTS

__all__ = ["BaseCase", "Rule", "ScenarioResult", "run_scenario"]

log = logging.getLogger(__name__)

Rule = Literal["warm", "search", "greedy"]

#: Walking-time column of each state (the travel-time columns are SEASON_WEIGHTS).
_WALK = {"dry": "walk_time_s", "rain": "walk_time_rain_s", "wet": "walk_time_wet_s"}
#: Which speed multiplier a state uses: dry, or the rains' (rivers in flood too).
_STATE_OF_SEASON = {"dry": "dry", "rain": "rain", "wet": "rain"}


#: Vehicle speed column of each state (rains and floods share the wet-season speed).
_SPEED = {"dry": "speed_kph", "rain": "speed_wet_kph", "wet": "speed_wet_kph"}
_MS_PER_KPH = 1000.0 / 3600.0


@dataclass(frozen=True)
class _Times:
    """Driving and walking times of a set of edges (base edges or change rows), by state.

    ``drive`` is the vehicle's time: the edge's travel time where driving is
    the fastest mode; elsewhere, when the table has the speed model's speeds
    (the network's edges), length over speed, so that a scenario where the
    vehicle becomes faster than walking finds it; without them (a work's
    changed edges) infinite: walking stays the mode there.
    """

    drive: dict[str, np.ndarray]  # by season; inf: no vehicle (or closed)
    walk: dict[str, np.ndarray]
    road_class: np.ndarray

    @classmethod
    def of(cls, frame: pd.DataFrame) -> _Times:
        drive: dict[str, np.ndarray] = {}
        walk: dict[str, np.ndarray] = {}
        for s in SEASONS:
            travel = frame[SEASON_WEIGHTS[s]].to_numpy(dtype=float)
            walk[s] = frame[_WALK[s]].to_numpy(dtype=float)
            by_car = np.isfinite(travel) & (travel < walk[s])
            other = np.full(len(frame), np.inf)
            if _SPEED[s] in frame.columns and "length_m" in frame.columns:
                speed = pd.to_numeric(frame[_SPEED[s]], errors="coerce").to_numpy(dtype=float)
                length = frame["length_m"].to_numpy(dtype=float)
                with np.errstate(divide="ignore", invalid="ignore"):
                    other = np.where(speed > 0, length / (speed * _MS_PER_KPH), np.inf)
                other = np.where(np.isfinite(travel), other, np.inf)  # closed stays closed
            drive[s] = np.where(by_car, travel, other)
        return cls(drive, walk, frame["road_class"].astype(str).to_numpy())

    def scaled(self, draws: Draws) -> dict[str, np.ndarray]:
        """Return the weight columns (``WEIGHTS``) under the draws' speed multipliers."""
        out: dict[str, np.ndarray] = {}
        classes, inverse = np.unique(self.road_class, return_inverse=True)
        for season in SEASONS:
            state = _STATE_OF_SEASON[season]
            walk = self.walk[season] / draws.walk[state]
            by_class = np.array([draws.vehicle.get((c, state), 1.0) for c in classes])
            out[SEASON_WEIGHTS[season]] = np.fmin(self.drive[season] / by_class[inverse], walk)
            out[_WALK[season]] = walk
        return out


@dataclass(frozen=True)
class BaseCase:
    """What every scenario starts from (scattered once to the Dask workers).

    Build it with :meth:`from_run`.
    """

    network: RoadNetwork
    workset: WorkSet
    alternatives: Alternatives
    edge_times: _Times
    change_times: _Times
    replaced_edge: np.ndarray  # per change row: row of the base edge it replaces (-1: added)
    cost_groups: list[str]
    estimated: np.ndarray
    population: np.ndarray
    weights: ScoreWeights
    thresholds: tuple[float, ...]
    cap_min: float
    budget: float | None
    params: AppraisalParameters | None
    min_bc_ratio: float
    rank_by: str
    programme: tuple[str, ...]
    pairs: tuple[tuple[str, str], ...]
    section: RobustnessSection

    @classmethod
    def from_run(
        cls,
        network: RoadNetwork,
        workset: WorkSet,
        *,
        programme: Sequence[str],
        pairs: Sequence[tuple[str, str]] = (),
        weights: ScoreWeights,
        thresholds: Sequence[float],
        cap_min: float,
        budget: float | None,
        params: AppraisalParameters | None,
        min_bc_ratio: float,
        rank_by: str,
        section: RobustnessSection,
    ) -> BaseCase:
        """Slim the run's network and works to what a scenario needs.

        Parameters
        ----------
        network, workset
            The (split) network the works were ranked on, and the works.
        programme : sequence of str
            The run's programme, in the order chosen.
        pairs : sequence of (str, str)
            Bundles the run's search found (works that pay together, not alone).
        weights, thresholds, cap_min, budget, params, min_bc_ratio, rank_by
            As the run used them (:func:`connectivity.ranking.rank_works`).
        section : RobustnessSection
            The spreads and the seed.
        """
        keep = [*WEIGHTS, "road_class", "length_m", "speed_kph", "speed_wet_kph"]
        edges = pd.DataFrame(network.edges[[c for c in keep if c in network.edges.columns]])
        comm = network.communities
        slim = RoadNetwork(
            nodes=network.nodes[[c for c in ("x", "y", "kind") if c in network.nodes.columns]],
            edges=edges,  # a plain frame: a scenario needs no geometry
            communities=comm,
            facilities=network.facilities,
            pieces=network.pieces,
        )
        changes = workset.changes
        rep = (changes["action"] == "replace").to_numpy()
        replaced = np.full(len(changes), -1, dtype=np.int64)
        if rep.any():
            keys = pd.MultiIndex.from_arrays(
                [
                    changes["u"].to_numpy()[rep],
                    changes["v"].to_numpy()[rep],
                    changes["key"].to_numpy()[rep],
                ]
            )
            replaced[rep] = edges.index.get_indexer(keys)
        works = workset.works
        terrain = works["terrain"].fillna("").astype(str) if "terrain" in works else ""
        groups = (works["work_type"].astype(str) + "|" + terrain).tolist()
        source = comm["population_source"] if "population_source" in comm else [None] * len(comm)
        return cls(
            network=slim,
            workset=workset,
            alternatives=find_alternatives(workset),
            edge_times=_Times.of(edges),
            change_times=_Times.of(changes),
            replaced_edge=replaced,
            cost_groups=groups,
            estimated=population_is_estimated(list(source)),
            population=pd.to_numeric(comm["population"], errors="coerce")
            .fillna(0.0)
            .to_numpy(dtype=float),
            weights=weights,
            thresholds=tuple(float(t) for t in thresholds),
            cap_min=float(cap_min),
            budget=budget,
            params=params,
            min_bc_ratio=float(min_bc_ratio),
            rank_by=rank_by,
            programme=tuple(str(w) for w in programme),
            pairs=tuple((str(a), str(b)) for a, b in pairs),
            section=section,
        )

    @property
    def ids(self) -> list[str]:
        """Work ids, in the work set's order (the order of every per-work array)."""
        return self.workset.ids

    def draws(self, scenario: int) -> Draws:
        """Draw the multipliers of ``scenario`` (0: none)."""
        w = self.weights
        kinds = list(self.network.kinds)
        classes = sorted(set(self.edge_times.road_class) | set(self.change_times.road_class))
        return draw_scenario(
            self.section,
            scenario,
            cost_groups=self.cost_groups,
            road_classes=classes,
            kinds=kinds,
            estimated=self.estimated,
            days=(w.dry_days, w.rain_days, w.wet_days),
        )


@dataclass(frozen=True)
class ScenarioResult:
    """What one scenario gives, per work (in :attr:`BaseCase.ids` order) and for the programme."""

    scenario: int
    budget_share: float
    equity: bool
    score: np.ndarray
    cost_net: np.ndarray
    benefit: np.ndarray  # present value of benefits (NaN without the appraisal)
    bc_ratio: np.ndarray  # NaN without the appraisal
    rank: np.ndarray  # 1 = best
    in_programme: np.ndarray  # bool
    programme: tuple[str, ...]
    programme_score: float
    programme_cost: float
    programme_benefit: float  # sum of the works' present value of benefits alone (NaN: none)
    budget: float | None


def _scenario_inputs(
    base: BaseCase, draws: Draws, equity: bool, cost_factors: Mapping[str, float]
) -> tuple[RoadNetwork, WorkSet, ScoreWeights, AppraisalParameters | None]:
    net = base.network
    edges = net.edges.copy()
    for col, values in base.edge_times.scaled(draws).items():
        edges[col] = values
    changes = base.workset.changes.copy()
    new = base.change_times.scaled(draws)
    rep = base.replaced_edge >= 0
    for col, values in new.items():
        # a work never makes an edge slower than it is in the same scenario
        before = edges[col].to_numpy()[np.where(rep, base.replaced_edge, 0)]
        changes[col] = np.where(rep, np.fmin(values, before), values)
    comm = net.communities.copy()
    comm["population"] = base.population * draws.population
    works = base.workset.works.copy()
    share = works["cofinancing_share"].to_numpy(dtype=float)
    factor = draws.cost.copy()
    if cost_factors:
        at = works.index.get_indexer(pd.Index(list(cost_factors)))
        if (at < 0).any():
            raise DataError(f"cost factors for unknown works: {sorted(cost_factors)[:5]}")
        factor[at] *= np.array(list(cost_factors.values()), dtype=float)
    works["cost"] = works["cost"].to_numpy(dtype=float) * factor
    works["cost_net"] = works["cost"].to_numpy() * (1.0 - share)
    network = dataclasses.replace(net, edges=edges, communities=comm)
    workset = dataclasses.replace(base.workset, works=works, changes=changes)
    weights = dataclasses.replace(
        base.weights,
        dry_days=draws.days[0],
        rain_days=draws.days[1],
        wet_days=draws.days[2],
        equity_strength=base.weights.equity_strength if equity else 0.0,
    )
    params = base.params
    if params is not None:
        trips = {
            k: TripRate(rate.per_year * draws.trips.get(k, 1.0), rate.per)
            for k, rate in params.trips.items()
        }
        params = dataclasses.replace(params, trips=trips)
    return network, workset, weights, params


def _hurdle_keepers(
    engine: _Engine,
    workset: WorkSet,
    members: list[str],
    cost_net: pd.Series,
    weights: ScoreWeights,
) -> list[str]:
    """Keep the members that add the hurdle per 1,000 of their cost, given the others."""
    hurdle = float(weights.min_score_per_1000)
    if not members:
        return members
    groups = {"ALL": members} | {f"-{w}": [m for m in members if m != w] for w in members}
    stats, _, _ = _evaluate_all(
        engine, engine.changes(_joint_workset(workset, groups)), records=False
    )
    values, _ = _scores(stats, weights, engine.searches)
    added = values[0] - values[1:]
    price = cost_net.loc[members].to_numpy(dtype=float)
    ok = (added > 0) & (1000.0 * added >= hurdle * price - 1e-9)
    return [m for m, keep in zip(members, ok, strict=True) if keep]


def _warm_start(
    base: BaseCase,
    workset: WorkSet,
    engine: _Engine,
    table: pd.DataFrame,
    budget: float,
    weights: ScoreWeights,
) -> tuple[int, ...]:
    """Start from the run's programme: works that still add the hurdle, as money allows."""
    position = {w: i for i, w in enumerate(workset.ids)}
    cost = table["cost_net"]
    members = [w for w in base.programme if w in position]
    state = engine.snapshot()
    members = _hurdle_keepers(engine, workset, members, cost, weights)
    engine.restore(state)
    # the run's order, as much of it as the budget allows (a later stage costs only its
    # increment, which the selection prices; its whole cost here is a safe upper bound)
    kept: list[int] = []
    spent = 0.0
    slack = 1e-9 * max(budget, 1.0)
    for w in members:
        if spent + float(cost[w]) <= budget + slack:
            kept.append(position[w])
            spent += float(cost[w])
    return tuple(kept)


#: Greedy runs of a Monte Carlo scenario's search: the greedy one, the run's programme
#: topped up, the run's bundles, then local search from the best.
SCENARIO_MAX_RUNS = 8


def run_scenario(
    base: BaseCase,
    scenario: int,
    *,
    budget_share: float = 1.0,
    equity: bool = True,
    rule: Rule = "warm",
    cost_factors: Mapping[str, float] | None = None,
) -> ScenarioResult:
    """Evaluate every work and choose a programme under one scenario's draws.

    Parameters
    ----------
    base : BaseCase
    scenario : int
        Scenario number (0: the run's own inputs).
    budget_share : float
        Budget as a share of the run's (the budget curve).
    equity : bool
        False turns the equity weight off.
    rule : {"warm", "search", "greedy"}
        How the programme is chosen (see the module docstring).
    cost_factors : mapping of str to float, optional
        Multipliers of some works' costs on top of the draws (switching values).

    Returns
    -------
    ScenarioResult
    """
    draws = base.draws(scenario)
    network, workset, weights, params = _scenario_inputs(base, draws, equity, cost_factors or {})
    engine = _Engine(network, weights, base.thresholds, base.cap_min)
    changes = engine.changes(workset)
    stats, overall, _ = _evaluate_all(engine, changes, records=False)
    table = _table_from_stats(workset, stats, overall, weights, base.thresholds, engine.searches)
    n = len(table)
    benefit = np.full(n, np.nan)
    bc = np.full(n, np.nan)
    if params is not None:
        appraised = appraise_works(table, workset.works, params, weights.season_shares())
        table = table.join(appraised)
        benefit = table["pv_benefits"].to_numpy(dtype=float)
        bc = table["bc_ratio"].to_numpy(dtype=float)
    budget = None if base.budget is None else base.budget * budget_share
    candidates, cand_table, alternatives = workset, table, base.alternatives
    cand_changes = changes
    if params is not None and base.min_bc_ratio > 0:
        passes = table["bc_ratio"].fillna(0.0).to_numpy() >= base.min_bc_ratio
        if not passes.all():
            keep = [str(w) for w in table.index[passes]]
            candidates = workset.subset(keep)
            cand_changes = engine.changes(candidates)
            cand_table = table.loc[keep]
            alternatives = find_alternatives(candidates)
    limits = None
    if rule == "warm" and budget is not None:
        position = {w: i for i, w in enumerate(candidates.ids)}
        pairs = tuple(
            (position[a], position[b]) for a, b in base.pairs if a in position and b in position
        )
        start = _warm_start(base, candidates, engine, cand_table, budget, weights)
        limits = SearchLimits(
            max_runs=SCENARIO_MAX_RUNS,
            starts=(start,) if start else (),
            pairs=pairs,
            first_picks=False,
            pair_starts=False,
        )
    portfolio = _choose(
        network,
        candidates,
        engine,
        cand_changes,
        cand_table,
        budget,
        weights,
        lazy=True,
        optimise=rule != "greedy",
        alternatives=alternatives,
        limits=limits,
    )
    order = _order_ranking(table, base.rank_by)
    rank = np.empty(n, dtype=np.int64)
    rank[order] = np.arange(1, n + 1)
    chosen = tuple(str(w) for w in portfolio.programme["work_id"]) if n else ()
    in_prog = table.index.isin(list(chosen))
    prog_benefit = float(np.nansum(benefit[in_prog])) if params is not None else float("nan")
    return ScenarioResult(
        scenario=int(scenario),
        budget_share=float(budget_share),
        equity=equity,
        score=table["score"].to_numpy(dtype=float),
        cost_net=table["cost_net"].to_numpy(dtype=float),
        benefit=benefit,
        bc_ratio=bc,
        rank=rank,
        in_programme=np.asarray(in_prog, dtype=bool),
        programme=chosen,
        programme_score=float(portfolio.programme["score"].sum()) if len(chosen) else 0.0,
        programme_cost=float(portfolio.spent),
        programme_benefit=prog_benefit,
        budget=budget,
    )


def marginal_after_programme(base: BaseCase) -> np.ndarray:
    """Per work, its score on the network with the run's programme done (0 for its works).

    Works that share a site with a programme work (its alternatives, later
    stages included) get 0 too: they cannot be added to it. What the money
    could buy outside the programme, for the switching values.
    """
    weights = base.weights
    engine = _Engine(base.network, weights, base.thresholds, base.cap_min)
    changes = engine.changes(base.workset)
    position = {w: i for i, w in enumerate(base.ids)}
    blocked = np.zeros(len(base.ids), dtype=bool)
    for w in base.programme:
        if w in position:
            i = position[w]
            engine.commit(changes, i, details=False)
            blocked[i] = True
            blocked[base.alternatives.conflicts[i]] = True
    out = np.zeros(len(base.ids))
    free = np.flatnonzero(~blocked)
    if len(free):
        stats = engine.evaluate(changes, free).stats
        out[free], _ = _scores(stats, weights, engine.searches)
    return out
