"""Edge splits keep every travel time (connectivity.works.splitting)."""

from __future__ import annotations

import numpy as np
import pytest
from shapely.geometry import Point
from works_cases import WEIGHT_LIST, Generated, Sample, _times

from connectivity.errors import DataError
from connectivity.works import split_edges


def test_splits_change_no_travel_time(sample: Sample, generated: Generated) -> None:
    before, after = sample.network, generated.network
    assert len(after.nodes) > len(before.nodes)  # new links split road edges
    assert (
        after.nodes.loc[after.nodes.index.difference(before.nodes.index), "kind"] == "split"
    ).all()
    for weight in WEIGHT_LIST:
        for kind in ("market", "school"):
            np.testing.assert_allclose(
                _times(after, weight, kind), _times(before, weight, kind), rtol=1e-9, atol=1e-6
            )


def test_split_edges_shares_weights_and_splits_the_twin(sample: Sample) -> None:
    net = sample.network
    edges = net.edges
    long = edges[(edges["road_class"] == "afirmado") & (edges["length_m"] > 1000)]
    key = long.index[0]
    line = long.geometry.iloc[0]
    pts = [line.interpolate(0.3, normalized=True), line.interpolate(0.7, normalized=True)]
    split, nodes = split_edges(net, [(key, pts[1]), (key, pts[0]), (key, Point(line.coords[0]))])
    assert nodes[2] == key[0] and nodes[0] != nodes[1] and min(nodes[:2]) < 0
    u, v, _ = key
    assert key not in split.edges.index and (v, u, 0) not in split.edges.index
    forward = split.edges.loc[
        [(u, nodes[1], 0), (nodes[1], nodes[0], 0), (nodes[0], v, 0)], WEIGHT_LIST
    ]
    np.testing.assert_allclose(
        forward.sum().to_numpy(), edges.loc[key, WEIGHT_LIST].to_numpy(float)
    )
    back = split.edges.loc[[(v, nodes[0], 0), (nodes[0], nodes[1], 0), (nodes[1], u, 0)]]
    np.testing.assert_allclose(
        back[WEIGHT_LIST].sum().to_numpy(), edges.loc[(v, u, 0), WEIGHT_LIST].to_numpy(float)
    )
    assert split.nodes.loc[nodes[0], "kind"] == "split"
    with pytest.raises(DataError, match="not in the network"):
        split_edges(net, [((1, 2, 99), pts[0])])
