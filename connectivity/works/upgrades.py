"""Surface upgrades of lower-class roads, one work per chain and target class.

**Upgrades** (``UPG-00001`` …). Existing lower-class roads and mule paths,
one work per *chain*: the edges between two junctions (nodes where the road
graph does not simply continue; walking connectors of villages and schools do
not count), of one road class and one OSM ``highway`` value, both directions.
Each chain is raised per :data:`ALLOWED_UPGRADES`:

==============  =========================  ========================================
from            to                         tags after the work
==============  =========================  ========================================
camino          trocha                     ``highway=track`` (paths and bridle
                                           ways), ``tracktype=grade4``
trocha          afirmado, asfaltado        ``surface=gravel`` / ``surface=asphalt``
sin_afirmar     afirmado, asfaltado        ``surface=gravel`` / ``surface=asphalt``
afirmado        asfaltado                  ``surface=asphalt``
==============  =========================  ========================================

``smoothness`` is cleared (a new surface is smooth); the ``highway`` class of
vehicle roads is kept, so a track raised to afirmado keeps the track speed cap
of :data:`connectivity.network.HIGHWAY_MAX_KPH`; tracks are not offered for
paving (raise them to afirmado). Generated upgrades consider rural road classes
only (:data:`UPGRADE_HIGHWAYS`): urban streets (residential, service) are left
to proposals; chains shorter than ``min_length_m`` (bits of road at junctions)
and roads closed by ``access=no``/``private`` are not offered. A ford stays a
ford (a bridge is its own work).

Examples
--------
>>> ALLOWED_UPGRADES["trocha"]
('afirmado', 'asfaltado')
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from scipy.sparse import coo_array
from scipy.sparse.csgraph import connected_components
from tqdm import tqdm

from connectivity._logging import progress_enabled
from connectivity.config import CostsSection
from connectivity.network import RoadNetwork, SpeedTables
from connectivity.network.speeds import _map_each
from connectivity.works.changes import (
    _MODEL_COLUMNS,
    _check_edge_tables,
    _empty_workset,
    _improves,
    _replace_changes,
    _reweigh,
    _workset,
)
from connectivity.works.costs import _TERRAIN_ES, _price_lines, _Terrain, cost_table
from connectivity.works.roads import (
    _CLASS_ES,
    _RANK,
    _RETAGGED,
    _STEPS,
    PATH_HIGHWAYS,
    TARGET_TAGS,
    _nearest_names,
    _tag,
    _text,
    _undirected_groups,
)
from connectivity.works.workset import WEIGHTS, WorkSet

__all__ = ["ALLOWED_UPGRADES", "UPGRADE_HIGHWAYS", "upgrade_candidates"]

log = logging.getLogger(__name__)


#: Target classes each road class may be raised to.
ALLOWED_UPGRADES: dict[str, tuple[str, ...]] = {
    "camino": ("trocha",),
    "trocha": ("afirmado", "asfaltado"),
    "sin_afirmar": ("afirmado", "asfaltado"),
    "afirmado": ("asfaltado",),
}

#: ``highway`` values whose lower-class segments get generated upgrade candidates.
UPGRADE_HIGHWAYS: tuple[str, ...] = (
    "motorway",
    "trunk",
    "primary",
    "secondary",
    "tertiary",
    "unclassified",
    "road",
    "track",
    *PATH_HIGHWAYS,
)
#: ``highway`` values not offered for paving.
_NO_PAVING = ("track",)

_VERB_ES = {
    "trocha": "Ampliación a trocha carrozable de",
    "afirmado": "Afirmado de",
    "asfaltado": "Asfaltado de",
}


@dataclass
class _Chain:
    rows: np.ndarray  # positions in the edge table, in (u, v, key) order
    road_class: str
    highway: str
    length_m: float
    ends: tuple[int, int]
    geometry: shapely.Geometry
    name: str
    sort_key: tuple[int, int]


def _chain_labels(
    edges: gpd.GeoDataFrame, eligible: np.ndarray, groups: np.ndarray, highway: np.ndarray
) -> np.ndarray:
    """Chain of each undirected road (joined at nodes where the road simply continues)."""
    u = edges.index.get_level_values(0).to_numpy()
    v = edges.index.get_level_values(1).to_numpy()
    road_class = edges["road_class"].astype(str).to_numpy()
    road = road_class != "connector"
    # distinct neighbours over all roads (connectors of villages do not make junctions)
    pairs = pd.DataFrame({"n": np.r_[u[road], v[road]], "m": np.r_[v[road], u[road]]})
    pairs = pairs[pairs["n"] != pairs["m"]].drop_duplicates()
    degree = pairs.groupby("n").size()
    inc = pd.DataFrame({"n": np.r_[u[road], v[road]], "g": np.r_[groups[road], groups[road]]})
    inc = inc.drop_duplicates()
    n_groups = inc.groupby("n").size()
    loops = set(u[road & (u == v)].tolist())
    interior = degree[(degree == 2)].index.intersection(n_groups[n_groups == 2].index)
    interior = interior.difference(pd.Index(sorted(loops)))
    g_info = pd.DataFrame(
        {"g": groups, "eligible": eligible, "cls": road_class, "hw": highway}
    ).drop_duplicates("g")
    g_info = g_info.set_index("g")
    joins = inc[inc["n"].isin(interior)].sort_values(["n", "g"])
    a = joins.groupby("n")["g"].first()
    b = joins.groupby("n")["g"].last()
    ok = (
        g_info.loc[a.to_numpy(), "eligible"].to_numpy()
        & g_info.loc[b.to_numpy(), "eligible"].to_numpy()
        & (g_info.loc[a.to_numpy(), "cls"].to_numpy() == g_info.loc[b.to_numpy(), "cls"].to_numpy())
        & (g_info.loc[a.to_numpy(), "hw"].to_numpy() == g_info.loc[b.to_numpy(), "hw"].to_numpy())
    )
    n_all = int(groups.max()) + 1 if len(groups) else 0
    graph = coo_array(
        (np.ones(int(ok.sum())), (a.to_numpy()[ok], b.to_numpy()[ok])), shape=(n_all, n_all)
    )
    _, label = connected_components(graph, directed=False)
    return np.asarray(label)


def _first_per(sorted_keys: np.ndarray) -> np.ndarray:
    """Positions where a run of equal keys starts (in a sorted array)."""
    return np.flatnonzero(np.r_[True, sorted_keys[1:] != sorted_keys[:-1]])


def _chain_ends(chain: np.ndarray, u: np.ndarray, v: np.ndarray, n: int) -> np.ndarray:
    """Return the two end nodes of each chain (``(n, 2)``) from its roads' ends.

    The ends are the nodes met an odd number of times, smallest and largest; a
    ring (none) starts and ends at its smallest node.
    """
    c = np.r_[chain, chain]
    node = np.r_[u, v]
    order = np.lexsort((node, c))
    c, node = c[order], node[order]
    start = np.flatnonzero(np.r_[True, (c[1:] != c[:-1]) | (node[1:] != node[:-1])])
    counts = np.diff(np.r_[start, len(c)])
    c_at, node_at = c[start], node[start]
    smallest = np.full(n, np.iinfo(np.int64).max, dtype=np.int64)
    np.minimum.at(smallest, c_at, node_at)
    odd = counts % 2 == 1
    n_odd = np.bincount(c_at[odd], minlength=n)
    first_odd = np.zeros(n, dtype=np.int64)
    last_odd = np.zeros(n, dtype=np.int64)
    # nodes are sorted within each chain: the first and last odd ones
    odd_c, odd_node = c_at[odd], node_at[odd]
    if len(odd_c):
        runs = _first_per(odd_c)
        last = np.r_[runs[1:] - 1, len(odd_c) - 1]
        first_odd[odd_c[runs]] = odd_node[runs]
        last_odd[odd_c[last]] = odd_node[last]
    ring = n_odd < 2
    return np.column_stack(
        [np.where(ring, smallest, first_odd), np.where(ring, smallest, last_odd)]
    )


def _chain_names(chain: np.ndarray, names: np.ndarray, n: int) -> list[str]:
    """Return the most frequent non-empty road name of each chain (ties: the smallest)."""
    out = [""] * n
    named = np.array([bool(x) for x in names.tolist()], dtype=bool)
    if not named.any():
        return out
    counts = (
        pd.DataFrame({"c": chain[named], "name": names[named].astype(str)})
        .groupby(["c", "name"], sort=True)
        .size()
        .reset_index(name="k")
    )
    counts = counts.sort_values(["c", "k", "name"], ascending=[True, False, True], kind="stable")
    best = counts.drop_duplicates("c")
    for c, name in zip(best["c"].tolist(), best["name"].tolist(), strict=True):
        out[int(c)] = name
    return out


def _road_chains(
    edges: gpd.GeoDataFrame, eligible: np.ndarray, highway: np.ndarray
) -> list[_Chain]:
    """Chains of eligible edges between junctions, one class and highway each.

    ``highway`` is the edges' ``highway`` tag as text (``""`` when missing).
    """
    groups = _undirected_groups(edges)
    label = _chain_labels(edges, eligible, groups, highway)
    u = edges.index.get_level_values(0).to_numpy()
    v = edges.index.get_level_values(1).to_numpy()
    keys_k = edges.index.get_level_values(2).to_numpy()
    road_class = edges["road_class"].astype(str).to_numpy()
    el_rows = np.flatnonzero(eligible)
    if not len(el_rows):
        return []
    chain_of = label[groups[el_rows]]
    # chains numbered 0.. in the order of their label
    _, chain_of = np.unique(chain_of, return_inverse=True)
    n = int(chain_of.max()) + 1
    # one road (the first direction) per undirected road, in (chain, road, row) order
    order = np.lexsort((el_rows, groups[el_rows], chain_of))
    rows_s, chain_s = el_rows[order], chain_of[order]
    firsts = _first_per(chain_s * (int(groups.max()) + 1) + groups[rows_s])
    road_rows, road_chain = rows_s[firsts], chain_s[firsts]
    chain_start = _first_per(road_chain)
    n_roads = np.diff(np.r_[chain_start, len(road_rows)])
    lengths = edges["length_m"].to_numpy(float)[road_rows]
    # numpy's sum, chain by chain, adds in the order the old code did; a chain of one or
    # two roads sums to its length or to the two lengths added (what numpy's sum gives)
    one = lengths[chain_start]
    two = one + lengths[np.minimum(chain_start + 1, len(lengths) - 1)]
    length_m = np.where(n_roads == 1, one, two).tolist()
    for c in np.flatnonzero(n_roads > 2).tolist():
        a = int(chain_start[c])
        length_m[c] = float(lengths[a : a + int(n_roads[c])].sum())
    ends = _chain_ends(road_chain, u[road_rows], v[road_rows], n)
    merged = shapely.line_merge(
        shapely.multilinestrings(edges.geometry.to_numpy()[road_rows], indices=road_chain)
    )
    names = (
        _chain_names(
            road_chain,
            _map_each(_tag(edges[["name"]].iloc[road_rows], "name"), _text).to_numpy(),
            n,
        )
        if "name" in edges.columns
        else [""] * n
    )
    # sort key: the smallest (smaller node, larger node) pair of the chain's roads
    a_min = np.minimum(u[road_rows], v[road_rows])
    b_max = np.maximum(u[road_rows], v[road_rows])
    best = np.lexsort((b_max, a_min, road_chain))
    best = best[_first_per(road_chain[best])]
    # every edge of a chain (both directions), in (u, v, key) order
    by_key = np.lexsort((keys_k[el_rows], v[el_rows], u[el_rows], chain_of))
    edge_rows = el_rows[by_key]
    edge_start = np.r_[_first_per(chain_of[by_key]), len(edge_rows)]
    r0 = road_rows[chain_start]
    # python values first (one conversion per array, not one per chain)
    starts, classes, highways = edge_start.tolist(), road_class[r0].tolist(), highway[r0].tolist()
    end_pairs, low, high = ends.tolist(), a_min[best].tolist(), b_max[best].tolist()
    chains = [
        _Chain(
            rows=edge_rows[starts[c] : starts[c + 1]],
            road_class=str(classes[c]),
            highway=str(highways[c]),
            length_m=float(length_m[c]),
            ends=(int(end_pairs[c][0]), int(end_pairs[c][1])),
            geometry=merged[c],
            name=names[c],
            sort_key=(int(low[c]), int(high[c])),
        )
        for c in range(n)
    ]
    chains.sort(key=lambda c: c.sort_key)
    return chains


def _between(a: str, b: str) -> str:
    if not a and not b:
        return ""
    return f"cerca de {a or b}" if a == b or not (a and b) else f"{a}–{b}"


def _no_access(edges: pd.DataFrame) -> np.ndarray:
    closed = np.zeros(len(edges), dtype=bool)
    for col in ("access",):
        closed |= _tag(edges, col).isin(["no", "private"]).to_numpy()
    return closed


def upgrade_candidates(
    network: RoadNetwork,
    *,
    costs: CostsSection | None = None,
    dem_path: Path | None = None,
    tables: SpeedTables | None = None,
    min_length_m: float = 100.0,
) -> tuple[RoadNetwork, WorkSet]:
    """Surface upgrades of lower-class roads, one work per chain and target class.

    Parameters
    ----------
    network : RoadNetwork
    costs : CostsSection, optional
        Cost overrides (see :func:`cost_table`).
    dem_path : Path, optional
        DEM for the terrain class of each work's cost (default terrain without).
    tables : SpeedTables, optional
        The speed tables the network was built with (checked).
    min_length_m : float
        Shorter chains (bits of road at junctions) are not offered.

    Returns
    -------
    network : RoadNetwork
        The input network (upgrades split nothing).
    works : WorkSet
        ``UPG-00001`` … sorted by the chain's smallest node pair, then target
        class; ``class_before``, ``class_after`` and ``terrain`` columns too.

    Raises
    ------
    DataError
        ``tables`` do not give the network's vehicle times.
    """
    table = cost_table(costs)
    tables = tables or SpeedTables()
    edges = network.edges
    terrain = _Terrain.from_dem(dem_path, network.crs) if dem_path is not None else None
    road_class = edges["road_class"].astype(str)
    highway = _tag(edges, "highway").fillna("").astype(str)
    eligible = (
        road_class.isin(list(ALLOWED_UPGRADES)).to_numpy()
        & highway.isin(list(UPGRADE_HIGHWAYS)).to_numpy()
        & ~_no_access(edges)
    )
    _check_edge_tables(edges, eligible & edges["vehicle"].to_numpy(bool), tables)
    chains = _road_chains(edges, eligible, highway.to_numpy())
    short = sum(c.length_m < min_length_m for c in chains)
    chains = [c for c in chains if c.length_m >= min_length_m]
    plans: list[tuple[_Chain, str]] = []
    for chain in chains:
        for target in ALLOWED_UPGRADES[chain.road_class]:
            if target == "asfaltado" and chain.highway in _NO_PAVING:
                continue
            plans.append((chain, target))
    if not plans:
        log.info("upgrades: no lower-class road to raise")
        return network, _empty_workset(network.crs, table)
    # one batch through the speed model
    # the columns the new weights and the changes are made of (not every tag: less to copy)
    used = [c for c in edges.columns if c in _MODEL_COLUMNS or c in (*WEIGHTS, "length_m")]
    base = edges[[*used, edges.geometry.name]]
    base = base.iloc[np.concatenate([chain.rows for chain, _ in plans])].reset_index()
    base = gpd.GeoDataFrame(base, geometry="geometry", crs=edges.crs)
    per_plan = [len(chain.rows) for chain, _ in plans]  # edges of each plan, in order

    def each_edge(values: list[Any]) -> np.ndarray:
        """One value per plan, repeated for each of its edges (an object array)."""
        per = np.empty(len(values), dtype=object)
        per[:] = values
        return np.repeat(per, per_plan)

    tags: dict[str, Any] = {
        "highway": each_edge(
            [
                "track" if (t == "trocha" and chain.highway in PATH_HIGHWAYS) else chain.highway
                for chain, t in plans
            ]
        ),
        **{col: each_edge([TARGET_TAGS[t][col] for _, t in plans]) for col in _RETAGGED},
    }
    # a trocha opened on a mule path is open to vehicles
    opened = np.repeat([t == "trocha" for _, t in plans], per_plan)
    tags["motor_vehicle"] = _tag(base, "motor_vehicle").where(~opened, None).tolist()
    new = _reweigh(base, tags, tables)
    new["length_m"] = base["length_m"].to_numpy(float)
    gain = _improves(new, base)
    # the community nearest to each end node (each node looked up once)
    end_nodes, end_of = np.unique(np.asarray(_ends(plans), dtype=np.int64), return_inverse=True)
    at = network.nodes.loc[end_nodes, ["x", "y"]].to_numpy(float)
    node_names = _nearest_names(network, list(shapely.points(at)))
    names = [node_names[i] for i in end_of.tolist()]
    targets = np.repeat(np.array([t for _, t in plans], dtype=object), per_plan)
    bounds = np.cumsum([0, *per_plan])
    raised = np.logical_and.reduceat(new["road_class"].to_numpy() == targets, bounds[:-1])
    gains = np.logical_or.reduceat(gain, bounds[:-1])
    step_of = {  # the cost keys of raising a class to a target: every step between
        (a, b): [f"upgrade_{s}" for s in _STEPS if _RANK[a] < _RANK[s] <= _RANK[b]]
        for a, raised_to in ALLOWED_UPGRADES.items()
        for b in raised_to
    }
    steps = [step_of[chain.road_class, target] for chain, target in plans]
    prices, terrains = _price_lines([c.geometry for c, _ in plans], steps, table, terrain)
    rows: list[dict[str, Any]] = []
    plan_work: list[str | None] = [None] * len(plans)  # the work of each plan made one
    skipped = 0
    made = (raised & gains).tolist()
    price_of = np.asarray(prices, dtype=float).tolist()
    for p, (chain, target) in enumerate(
        tqdm(plans, desc="upgrades", unit="work", disable=not progress_enabled())
    ):
        if not made[p]:
            skipped += 1
            continue
        cost, main = price_of[p], terrains[p]
        work_id = f"UPG-{len(rows) + 1:05d}"
        plan_work[p] = work_id
        place = _between(names[2 * p], names[2 * p + 1])
        road = f"'{chain.name}'" if chain.name else _CLASS_ES[chain.road_class]
        label = f"{_VERB_ES[target]} {chain.name or _CLASS_ES[chain.road_class]}"
        rows.append(
            {
                "work_id": work_id,
                "work_type": "upgrade",
                "origin": "generated",
                "name": f"{label}: {place}" if place else label,
                "description": (
                    f"{chain.road_class} → {target} en {chain.length_m / 1000:.1f} km de {road}"
                    f"{' ' + place if place else ''}; terreno {_TERRAIN_ES[main]}"
                ),
                "length_m": chain.length_m,
                "span_m": 0.0,
                "cost": cost,
                "cofinancing_share": 0.0,
                "class_before": chain.road_class,
                "class_after": target,
                "terrain": main,
                "geometry": chain.geometry,
            }
        )
    row_work = each_edge(plan_work)
    done = np.asarray(pd.notna(row_work), dtype=bool)
    changes = [_replace_changes(row_work[done], base[done], new[done])]
    works = _workset(rows, changes, network.crs, table)
    log.info(
        "upgrades: %d works on %d road chains (%d shorter than %.0f m and %d not raisable "
        "or without gain left out)",
        len(works),
        len(chains),
        short,
        min_length_m,
        skipped,
    )
    return network, works


def _ends(plans: Sequence[tuple[_Chain, str]]) -> list[int]:
    return [n for chain, _ in plans for n in chain.ends]
