"""The sample region in memory: every step but the files, run in order.

:func:`_build_model` makes the frame and the drainage tree, places the
communities, gives each valley edge its road class, lays the fine valley
geometry, the road lines (valley roads, spurs, town streets, trunk ends,
passes) and the off-network hamlets, draws the rivers, finds the crossings
and cuts the roads into OSM ways, names communities, rivers and roads, and
tags the ways. The result, :class:`_Model`, is what the network frames
(:func:`connectivity.sample.sample_road_network`) and the files
(:mod:`connectivity.sample.writers`) are made from. ``terrain=False``
skips the valley geometry only the DEM needs.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from connectivity.sample.drainage import (
    _build_tree,
    _Fine,
    _fine_geometry,
    _Frame,
    _frame,
    _Rivers,
    _rivers,
    _Tree,
)
from connectivity.sample.geometry import _Lines
from connectivity.sample.names import NamePool
from connectivity.sample.params import (
    _A_RIVER,
    _A_STREAM,
    _A_VALLEY,
    _S_COMM,
    _S_CROSS,
    _S_NAMES,
    _S_NODE,
    _S_SPUR,
    _S_TAGS,
    _S_TREE,
    FloatArray,
    IntArray,
    _rng,
)
from connectivity.sample.roads import (
    _passes,
    _Roads,
    _spurs,
    _town_streets,
    _trunk_ends,
    _valley_roads,
)
from connectivity.sample.settlements import (
    _Communities,
    _edge_classes,
    _locate_communities,
    _off_network_hamlets,
    _place_communities,
)
from connectivity.sample.ways import _finish_roads, _Names, _way_tags, _Ways

log = logging.getLogger(__name__)


@dataclass
class _Model:
    size: float
    seed: int
    frame: _Frame
    tree: _Tree
    fine: _Fine
    cls: IntArray
    comm: _Communities
    road_xy: FloatArray
    ways: _Ways
    tags: dict[str, NDArray[np.object_]]
    rivers: _Rivers
    names: _Names
    stats: dict[str, int]

    @property
    def n_road_nodes(self) -> int:
        return len(self.road_xy)


def _build_model(*, size: float, seed: int, terrain: bool) -> _Model:
    frame = _frame(size)
    tree = _build_tree(frame, _rng(seed, _S_TREE))
    node_u = _rng(seed, _S_NODE).random((len(tree.parent), 3))
    rng_c = _rng(seed, _S_COMM)
    comm = _place_communities(tree, frame, size, rng_c)
    cls, leader = _edge_classes(tree, comm)
    member = tree.pos > 0
    ch = tree.chain_of[member]
    k_road = np.bincount(ch, weights=cls[member] >= 1, minlength=tree.n_chains)
    k_river = np.bincount(ch, weights=tree.area[member] >= _A_STREAM, minlength=tree.n_chains)
    k_valley = np.bincount(ch, weights=tree.area[member] >= _A_VALLEY, minlength=tree.n_chains)
    k_max = np.maximum(k_road, k_river)
    if terrain:
        k_max = np.maximum(k_max, k_valley)
    fine = _fine_geometry(tree, frame, k_max.astype(np.int64), cls, node_u)
    log.debug("drainage: %d valley cells, %d streams", len(tree.parent), tree.n_chains)

    roads = _Roads([], [])
    road_of_fine, offset, road_seg = _valley_roads(tree, fine, cls, leader, roads)
    _locate_communities(tree, frame, fine, comm, offset, rng_c)
    rng_s = _rng(seed, _S_SPUR)
    _spurs(comm, road_of_fine, roads, rng_s)
    _town_streets(tree, fine, comm, road_of_fine, road_seg, roads, rng_s)
    _trunk_ends(frame, tree, fine, road_of_fine, roads, rng_s)
    _passes(tree, fine, cls, road_of_fine, roads, size, rng_s)
    road_xy = roads.table()
    _off_network_hamlets(tree, frame, cls, comm, road_xy, size, rng_s)
    rivers = _rivers(tree, fine, frame)
    road_xy, ways, stats = _finish_roads(
        road_xy, _Lines.concat(roads.parts), rivers, _rng(seed, _S_CROSS)
    )

    pool = NamePool(_rng(seed, _S_NAMES))
    comm_names = pool.draw(len(comm.population), saint_share=0.12)
    river_chains = np.unique(rivers.lines.ref[rivers.lines.ptr[:-1]])
    big = tree.area[tree.cv_node[tree.cv_ptr[river_chains] + 1]] >= _A_RIVER
    named = big | (_rng(seed, _S_NAMES).random(len(river_chains)) < 0.6)
    river_base = pool.draw(int(named.sum()))
    river_names = {
        int(c): ("Río " if b else "Quebrada ") + nm
        for c, b, nm in zip(river_chains[named], big[named], river_base, strict=True)
    }
    province = comm_names[comm.capital]
    names = _Names(
        communities=comm_names,
        province=province,
        trunk=f"Carretera Troncal {province}",
        rivers=river_names,
    )
    tags = _way_tags(ways, names, _rng(seed, _S_TAGS))
    log.info(
        "sample region model: %d road nodes, %d road ways, %d communities, %d bridges, %d fords",
        len(road_xy),
        len(ways.cls),
        len(comm.population),
        stats["bridges"],
        stats["fords"],
    )
    return _Model(
        size=size,
        seed=seed,
        frame=frame,
        tree=tree,
        fine=fine,
        cls=cls,
        comm=comm,
        road_xy=road_xy,
        ways=ways,
        tags=tags,
        rivers=rivers,
        names=names,
        stats=stats,
    )
