"""Works at one site: exclusive alternatives, and stages of one another.

Two works are **alternatives** when they do the same kind of work on the same
stretch of network: they replace or add an edge between the same two nodes (in
either direction) and are both road works (upgrades, new links) or both
crossing works (bridges) — for example a surface upgrade to afirmado and one to
asfaltado of the same road, or a generated bridge and a community's proposed
bridge at one ford. A programme holds at most one work of each such pair, so
that it never pays twice for one road. A bridge and an upgrade of the road it
is on are not alternatives: a programme may well pave a road and bridge its
ford (the upgrade's price includes the few metres of the crossing itself).

The exception is a **stage**: an upgrade is a later stage of another when both
raise exactly the same edges from the same class, the other to a lower class
(sin afirmar → afirmado, then afirmado → asfaltado on the same road). Once the
earlier stage is in a programme the later one may still be added, priced as
the increment (its net cost minus the earlier stage's), which is what the
remaining work costs: the cost table prices an upgrade as the sum of its steps
(:mod:`connectivity.works.costs`).
"""

from __future__ import annotations

import itertools
import logging
from dataclasses import dataclass

import numpy as np
import pandas as pd

from connectivity.works.roads import CLASS_ORDER
from connectivity.works.workset import WorkSet

__all__ = ["Alternatives", "find_alternatives"]

log = logging.getLogger(__name__)

_RANK = {c: i for i, c in enumerate(CLASS_ORDER)}


@dataclass(frozen=True)
class Alternatives:
    """Which works of a work set exclude each other, and which are stages of which.

    Positions are those of ``WorkSet.ids``.

    Attributes
    ----------
    ids : list of str
        The work ids, in the work set's order.
    conflicts : list of numpy.ndarray
        For each work, the sorted positions of the works sharing a site with it
        (stages included).
    stages : frozenset of (int, int)
        Pairs ``(earlier, later)``: ``later`` is a later stage of ``earlier``.
    """

    ids: list[str]
    conflicts: list[np.ndarray]
    stages: frozenset[tuple[int, int]]

    def is_stage(self, earlier: int, later: int) -> bool:
        """Whether work ``later`` is a later stage of work ``earlier``."""
        return (earlier, later) in self.stages

    def listed(self) -> list[str]:
        """Per work, the ids of its alternatives, ``;``-joined (empty when none)."""
        return [";".join(self.ids[j] for j in c) for c in self.conflicts]


def find_alternatives(workset: WorkSet) -> Alternatives:
    """Find the works that share a site, and the stages among them.

    Parameters
    ----------
    workset : WorkSet

    Returns
    -------
    Alternatives

    Examples
    --------
    Two upgrades of one road (to afirmado and to asfaltado) share its edges;
    the asfaltado is a later stage of the afirmado:

    >>> import geopandas as gpd, shapely
    >>> from connectivity.works import WorkSet
    >>> works = gpd.GeoDataFrame(
    ...     {"work_type": ["upgrade", "upgrade", "bridge"], "origin": "generated",
    ...      "name": ["a", "b", "c"], "description": "", "length_m": 100.0,
    ...      "span_m": 0.0, "cost": [10.0, 25.0, 5.0], "cofinancing_share": 0.0,
    ...      "cost_net": [10.0, 25.0, 5.0], "class_before": "sin_afirmar",
    ...      "class_after": ["afirmado", "asfaltado", "sin_afirmar"]},
    ...     geometry=[shapely.Point(0, 0)] * 3, index=pd.Index(["A", "B", "C"], name="work_id"),
    ...     crs="EPSG:32718")
    >>> changes = pd.DataFrame(
    ...     {"work_id": ["A", "A", "B", "B", "C"], "action": "replace",
    ...      "u": [1, 2, 1, 2, 5], "v": [2, 1, 2, 1, 6], "key": 0})
    >>> alt = find_alternatives(WorkSet(works, changes))
    >>> alt.listed(), sorted(alt.stages)
    (['B', 'A', ''], [(0, 1)])
    """
    ids = list(workset.ids)
    n = len(ids)
    changes = workset.changes
    empty = [np.empty(0, dtype=np.int64) for _ in range(n)]
    if not n or changes.empty:
        return Alternatives(ids, empty, frozenset())
    work = pd.Index(ids).get_indexer(pd.Index(changes["work_id"]))
    ends = pd.concat([changes["u"], changes["v"]], ignore_index=True).astype(str)
    codes, _ = pd.factorize(ends)
    cu, cv = codes[: len(changes)], codes[len(changes) :]
    n_nodes = int(codes.max()) + 1
    pair = np.minimum(cu, cv).astype(np.int64) * n_nodes + np.maximum(cu, cv)
    sites = pd.DataFrame({"work": work, "pair": pair}).drop_duplicates()
    by_work = sites.sort_values(["work", "pair"])
    bounds = np.searchsorted(by_work["work"].to_numpy(), np.arange(n + 1))
    pairs = by_work["pair"].to_numpy()
    site_sets = [frozenset(pairs[bounds[i] : bounds[i + 1]].tolist()) for i in range(n)]
    works = workset.works
    kind = _column(works, "work_type")
    # the same stretch, and the same kind of work: road works vs crossing works
    crossing = np.array([k == "bridge" for k in kind], dtype=np.int64)
    sites = sites.assign(pair=sites["pair"] * 2 + crossing[sites["work"].to_numpy()])
    shared = sites[sites.duplicated("pair", keep=False)]
    neighbours: list[set[int]] = [set() for _ in range(n)]
    for _, group in shared.groupby("pair")["work"]:
        members = sorted(set(group.tolist()))
        for a, b in itertools.combinations(members, 2):
            neighbours[a].add(b)
            neighbours[b].add(a)
    before = _column(works, "class_before")
    after = _column(works, "class_after")
    stages: set[tuple[int, int]] = set()
    for a in range(n):
        for b in neighbours[a]:
            if (
                kind[a] == kind[b] == "upgrade"
                and before[a] == before[b]
                and site_sets[a] == site_sets[b]
                and after[a] in _RANK
                and after[b] in _RANK
                and _RANK[after[a]] < _RANK[after[b]]
            ):
                stages.add((a, b))
    conflicts = [np.array(sorted(s), dtype=np.int64) for s in neighbours]
    n_alt = sum(1 for c in conflicts if len(c))
    if n_alt:
        log.info(
            "alternatives: %d works share a site with another (%d later stages of another)",
            n_alt,
            len(stages),
        )
    return Alternatives(ids, conflicts, frozenset(stages))


def _column(works: pd.DataFrame, name: str) -> list[str]:
    if name not in works.columns:
        return [""] * len(works)
    return [str(v) if pd.notna(v) else "" for v in works[name].tolist()]
