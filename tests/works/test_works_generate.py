"""Every generated work set: contract, effect on trips, determinism, kinds and proposals."""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import pandas as pd
import pytest
from works_cases import WEIGHT_LIST, Generated, Sample, _feature, _times, _write

from connectivity.errors import ConfigError
from connectivity.network import RoadNetwork
from connectivity.works import (
    CHANGE_COLUMNS,
    WORK_COLUMNS,
    WorkSet,
    apply_works,
    bridge_candidates,
    generate_candidates,
    upgrade_candidates,
)

# -- what every generated work set must satisfy ---------------------------------------------------


def test_generated_works_validate_and_have_every_kind(generated: Generated) -> None:
    works = generated.works
    works.validate(generated.network)
    assert list(works.works.columns[: len(WORK_COLUMNS) - 1]) == list(WORK_COLUMNS[:-1])
    assert list(works.changes.columns) == list(CHANGE_COLUMNS)
    counts = works.works["work_type"].value_counts()
    assert counts["upgrade"] > 50 and counts["bridge"] > 10 and counts["new_link"] > 3
    ids = works.ids
    assert len(set(ids)) == len(ids)
    for prefix, digits in (("UPG-", 5), ("NEW-", 4), ("BRG-", 4)):
        mine = [i for i in ids if i.startswith(prefix)]
        assert mine == sorted(mine)
        assert all(len(i) == len(prefix) + digits for i in mine)
        assert mine[0] == prefix + "1".rjust(digits, "0")
    assert (works.works["cost"] > 0).all()
    assert (works.works["cost_net"] == works.works["cost"]).all()
    assert works.currency == "PEN" and works.price_year == 2024
    assert works.works["name"].str.len().gt(5).all()
    assert works.works["description"].str.len().gt(10).all()
    assert generated.rejected.empty


def test_replace_changes_never_make_an_edge_slower(generated: Generated) -> None:
    rep = generated.works.changes[generated.works.changes["action"] == "replace"]
    index = pd.MultiIndex.from_arrays([rep["u"], rep["v"], rep["key"]])
    old = generated.network.edges.loc[index, WEIGHT_LIST].to_numpy(float)
    new = rep[WEIGHT_LIST].to_numpy(float)
    assert (new <= old).all()
    # and every work makes at least one weight of one edge strictly smaller (or adds an edge)
    rep = rep.assign(gain=(new < old).any(axis=1))
    gaining = set(rep.loc[rep["gain"], "work_id"]) | set(
        generated.works.changes.loc[generated.works.changes["action"] == "add", "work_id"]
    )
    assert gaining == set(generated.works.ids)


def test_applying_works_never_lengthens_a_trip_and_upgrades_shorten_some(
    generated: Generated,
) -> None:
    net = generated.network
    base = _times(net, "travel_time_s")
    works = generated.works.works
    picks = [
        wid
        for kind in ("upgrade", "new_link", "bridge")
        for wid in works.index[works["work_type"] == kind][:3]
    ]
    for wid in picks:
        after = _times(apply_works(net, generated.works, [wid]), "travel_time_s")
        assert (after <= base + 1e-6).all(), wid
    # raising every trocha/sin afirmar to afirmado helps many communities
    ids = works.index[works["class_after"] == "afirmado"].tolist()
    after = _times(apply_works(net, generated.works, ids), "travel_time_s")
    assert (after < base - 1).sum() >= 10


# -- determinism ----------------------------------------------------------------------------------


def test_same_input_gives_identical_works(sample: Sample, generated: Generated) -> None:
    network, works, _ = generate_candidates(
        sample.network, dem_path=sample.dem, waterways=sample.waterways
    )
    pd.testing.assert_frame_equal(works.works, generated.works.works)
    pd.testing.assert_frame_equal(works.changes, generated.works.changes)
    pd.testing.assert_frame_equal(network.edges, generated.network.edges)


# -- kinds and proposals --------------------------------------------------------------------------


def test_generate_candidates_with_proposals_and_chosen_kinds(
    sample: Sample, tmp_path: Path
) -> None:
    e = sample.network.edges
    trocha = e[(e["road_class"] == "trocha") & (e["length_m"] > 300)].iloc[0].geometry
    path = _write(
        tmp_path,
        [
            _feature({"id": "a", "type": "upgrade", "cost": 1000.0}, trocha),
            _feature({"id": "b", "type": "upgrade", "cost": -1.0}, trocha),
        ],
    )
    network, works, rejected = generate_candidates(
        sample.network, kinds=["bridge", "new_link"], proposals=path
    )
    works.validate(network)
    assert {i[:4] for i in works.ids} == {"BRG-", "PROP"}  # no DEM: no new links
    assert works.ids[-1] == "PROP-a" and works.ids[0] == "BRG-0001"
    assert rejected.to_dict("records") == [{"proposal_id": "b", "reason": "negative cost (-1)"}]
    with pytest.raises(ConfigError, match="ferry"):
        generate_candidates(sample.network, kinds=["ferry"])


# -- real OpenStreetMap data: Cusco (the `cusco` fixture of conftest.py) -------------------------


@pytest.mark.slow
def test_cusco_upgrades_and_bridges_validate(cusco: tuple[RoadNetwork, gpd.GeoDataFrame]) -> None:
    network, waterways = cusco
    _, ups = upgrade_candidates(network)
    ups.validate(network)
    assert len(ups) > 20
    assert {"camino", "sin_afirmar"} & set(ups.works["class_before"])
    _, bridges = bridge_candidates(network, waterways=waterways)
    bridges.validate(network)
    e = network.edges
    crossing = e[e["unbridged_crossing"].astype(bool) & (e["road_class"] != "connector")]
    assert len(crossing) >= 2  # rivers of Cusco crossed without a bridge tag
    pairs = {(min(u, v), max(u, v)) for u, v, _ in crossing.index}
    assert len(bridges) == len(pairs)
    assert bridges.works["vehicle_bridge"].any()
    both = WorkSet.concat([ups, bridges])
    both.validate(network)
    assert list(both.works.columns) == list(ups.works.columns)
