"""Road works: the candidate works of a region, as changes to the network ranking reads.

A road work (a surface upgrade, a new link, a bridge, a proposal from a file)
is described by what it does to the routable network of
:mod:`connectivity.network`. Every candidate function takes that network and
returns ``(network, works)``: the network the works must be measured against
(the input, or a copy with some edges split where a new road meets them — a
split changes no travel time) and a :class:`WorkSet` whose edge changes say
what each work does. Names and descriptions of works are in Spanish, the
language of the planners who read them.

Modules:

* :mod:`connectivity.works.workset` — the contract between candidates and
  ranking: :class:`WorkSet` (works and their edge changes), :data:`WEIGHTS`,
  :data:`WORK_COLUMNS`, :data:`CHANGE_COLUMNS`, and :func:`apply_works`, the
  network with some works done;
* :mod:`connectivity.works.generate` — :func:`generate_candidates`, every
  candidate work of a region (edge splits first);
* :mod:`connectivity.works.upgrades` — surface upgrades of lower-class roads,
  one work per chain between junctions and target class;
* :mod:`connectivity.works.new_links` — new roads from communities off the
  vehicle network, routed over the DEM within a slope limit (the least-cost
  search is compiled with numba in the private ``_grid_search``);
* :mod:`connectivity.works.bridges` — bridges at fords and unbridged river
  crossings;
* :mod:`connectivity.works.proposals` — works proposed in a file: reading,
  validation, edge changes (:func:`proposals_from_file`, :func:`read_proposals`);
* :mod:`connectivity.works.costs` — unit costs, a region's cost table, terrain
  classes (DG-2018) from the DEM, and pricing along lines;
* :mod:`connectivity.works.splitting` — splitting edges where a new road meets
  them, keeping every travel time (:func:`split_edges`);
* :mod:`connectivity.works.changes` — edge weights after a work (from the
  network's speed model), edge changes and work tables shared by every kind;
* :mod:`connectivity.works.roads` — road classes, the tags a work sets, and
  readers of the edge table (tags, undirected roads, nearby place names);
* :mod:`connectivity.works.alternatives` — works at one site that exclude each
  other, and upgrades that are later stages of another
  (:func:`find_alternatives`).
"""

from __future__ import annotations

from connectivity.works.alternatives import Alternatives, find_alternatives
from connectivity.works.bridges import DEFAULT_SPAN_M, bridge_candidates
from connectivity.works.changes import EXTRA_WORK_COLUMNS
from connectivity.works.costs import (
    BRIDGE_COST_PER_M,
    DEFAULT_TERRAIN,
    TERRAIN_CLASSES,
    TERRAIN_SLOPE_PCT,
    UNIT_COST_PER_KM,
    CostTable,
    cost_table,
)
from connectivity.works.generate import generate_candidates
from connectivity.works.new_links import new_link_candidates
from connectivity.works.proposals import (
    BRIDGE_SNAP_M,
    PROPOSAL_SNAP_M,
    REGION_MARGIN_M,
    proposals_from_file,
    read_proposals,
)
from connectivity.works.roads import CLASS_ORDER, NEW_LINK_TAGS, PATH_HIGHWAYS, TARGET_TAGS
from connectivity.works.splitting import split_edges
from connectivity.works.upgrades import ALLOWED_UPGRADES, UPGRADE_HIGHWAYS, upgrade_candidates
from connectivity.works.workset import (
    CHANGE_COLUMNS,
    WEIGHTS,
    WORK_COLUMNS,
    WorkSet,
    apply_works,
)

__all__ = [
    "ALLOWED_UPGRADES",
    "BRIDGE_COST_PER_M",
    "BRIDGE_SNAP_M",
    "CHANGE_COLUMNS",
    "CLASS_ORDER",
    "DEFAULT_SPAN_M",
    "DEFAULT_TERRAIN",
    "EXTRA_WORK_COLUMNS",
    "NEW_LINK_TAGS",
    "PATH_HIGHWAYS",
    "PROPOSAL_SNAP_M",
    "REGION_MARGIN_M",
    "TARGET_TAGS",
    "TERRAIN_CLASSES",
    "TERRAIN_SLOPE_PCT",
    "UNIT_COST_PER_KM",
    "UPGRADE_HIGHWAYS",
    "WEIGHTS",
    "WORK_COLUMNS",
    "Alternatives",
    "CostTable",
    "WorkSet",
    "apply_works",
    "bridge_candidates",
    "cost_table",
    "find_alternatives",
    "generate_candidates",
    "new_link_candidates",
    "proposals_from_file",
    "read_proposals",
    "split_edges",
    "upgrade_candidates",
]
