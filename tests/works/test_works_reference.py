"""The fast candidate generation gives the same works as the reference copy of the old code.

``reference_works`` is the generating code as it was before it was made fast
(see its ``__init__``); every work, edge change, rejected proposal and split
edge must come out the same: on the synthetic sample (with its proposals) and
on real OpenStreetMap data of Cusco. The compiled least-cost search and the
numbering of undirected roads are also checked against the scipy/pandas
versions they replace.
"""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
from reference_works import generate_candidates as reference_generate
from reference_works.new_links import _grid_route
from reference_works.roads import _undirected_groups as reference_groups
from reference_works.timing import assert_same_generation, time_generation
from works_cases import Generated, Sample

from connectivity.network import RoadNetwork
from connectivity.works import generate_candidates
from connectivity.works._grid_search import cheapest_grid_path
from connectivity.works.roads import _undirected_groups


def test_generation_equals_reference_on_the_sample(sample: Sample, generated: Generated) -> None:
    old = reference_generate(sample.network, dem_path=sample.dem, waterways=sample.waterways)
    assert len(generated.works) > 50
    assert {"upgrade", "new_link", "bridge"} <= set(generated.works.works["work_type"])
    assert_same_generation((generated.network, generated.works, generated.rejected), old)


def test_generation_with_proposals_equals_reference(sample: Sample) -> None:
    kwargs = {
        "dem_path": sample.dem,
        "waterways": sample.waterways,
        "proposals": sample.proposals,
        "estimate_missing_cost": True,
    }
    timing = time_generation(sample.network, **kwargs)
    assert timing.same and timing.n_works > 50 and timing.ratio > 0
    new = generate_candidates(sample.network, **kwargs)
    assert (new[1].works["origin"] == "proposal").sum() >= 5  # the proposals are in the test
    assert_same_generation(new, reference_generate(sample.network, **kwargs))


def test_a_changed_work_is_told_apart(sample: Sample, generated: Generated) -> None:
    old = reference_generate(sample.network, dem_path=sample.dem, waterways=sample.waterways)
    old[1].works.iloc[3, old[1].works.columns.get_loc("cost")] += 1.0
    with pytest.raises(AssertionError):
        assert_same_generation((generated.network, generated.works, generated.rejected), old)


@pytest.mark.slow
def test_generation_equals_reference_on_cusco(cusco: tuple[RoadNetwork, gpd.GeoDataFrame]) -> None:
    network, waterways = cusco
    new = generate_candidates(network, kinds=["upgrade", "bridge"], waterways=waterways)
    old = reference_generate(network, kinds=["upgrade", "bridge"], waterways=waterways)
    assert len(new[1]) > 20 and (new[1].works["work_type"] == "bridge").any()
    assert_same_generation(new, old)


@pytest.mark.slow
def test_road_numbering_equals_reference_on_cusco(
    cusco: tuple[RoadNetwork, gpd.GeoDataFrame], sample: Sample
) -> None:
    for edges in (cusco[0].edges, sample.network.edges):
        assert np.array_equal(_undirected_groups(edges), reference_groups(edges))
    # parallel edges with other lines between the same two nodes are told apart, in order
    edges = sample.network.edges
    u, v, key = edges.index[0]
    twins = edges.iloc[[0, 0]].copy()
    twins.index = pd.MultiIndex.from_tuples(
        [(u, v, key + 7), (v, u, key + 7)], names=edges.index.names
    )
    twins["geometry"] = [twins.geometry.iloc[0].parallel_offset(5.0), edges.geometry.iloc[0]]
    both = gpd.GeoDataFrame(pd.concat([edges, twins]), geometry="geometry", crs=edges.crs)
    assert np.array_equal(_undirected_groups(both), reference_groups(both))


def test_grid_search_equals_scipy_dijkstra() -> None:
    rng = np.random.default_rng(14)
    checked = 0
    for _ in range(40):
        h, w = rng.integers(3, 40, size=2)
        # terraced ground and few cost classes: many paths of exactly equal cost
        elevation = rng.integers(0, 4, size=(h, w)).astype(float) * 10.0
        elevation[rng.random((h, w)) < 0.05] = np.nan
        cost = np.array([1.0, 1.5, 3.0])[rng.integers(0, 3, size=(h, w))]
        targets = rng.random((h, w)) < 0.03
        start = (int(rng.integers(0, h)), int(rng.integers(0, w)))
        for grade in (0.12, 0.5):
            old = _grid_route(elevation, cost, start, targets, 75.0, grade)
            new = cheapest_grid_path(elevation, cost, start, targets, 75.0, grade)
            assert new == old
            checked += old is not None
    assert checked > 20  # most searches find a target
