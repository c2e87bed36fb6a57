"""Surface upgrades: chains, weights from the speed model (connectivity.works.upgrades)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from works_cases import Generated, Sample

from connectivity.errors import DataError
from connectivity.network import SpeedTables
from connectivity.works import upgrade_candidates


def test_upgrades_cover_both_directions_of_each_chain(generated: Generated) -> None:
    ch = generated.works.changes
    up = ch[ch["work_id"].str.startswith("UPG-")]
    for _, part in up.groupby("work_id"):
        pairs = set(zip(part["u"], part["v"], strict=True))
        assert all((v, u) in pairs for u, v in pairs)
    works = generated.works.works
    ups = works[works["work_type"] == "upgrade"]
    assert set(zip(ups["class_before"], ups["class_after"], strict=True)) <= {
        ("camino", "trocha"),
        ("trocha", "afirmado"),
        ("sin_afirmar", "afirmado"),
        ("sin_afirmar", "asfaltado"),
        ("trocha", "asfaltado"),
        ("afirmado", "asfaltado"),
    }
    assert (ups["length_m"] >= 100).all()
    # the class written in the changes is the target class
    merged = up.merge(ups[["class_after"]], left_on="work_id", right_index=True)
    assert (merged["road_class"] == merged["class_after"]).all()


def test_upgrade_weights_come_from_the_network_speed_model(generated: Generated) -> None:
    """A trocha raised to afirmado drives at the afirmado speed (capped by the track cap)."""
    net = generated.network
    works = generated.works.works
    wid = works.index[(works["class_before"] == "trocha") & (works["class_after"] == "afirmado")][0]
    ch = generated.works.changes
    part = ch[ch["work_id"] == wid]
    index = pd.MultiIndex.from_arrays([part["u"], part["v"], part["key"]])
    old = net.edges.loc[index]
    tables = SpeedTables()
    cap = old["highway"].map(tables.highway_max_kph).to_numpy(float)
    kph = np.fmin(tables.class_speed_kph["afirmado"], cap)
    expected = old["length_m"].to_numpy() / (kph / 3.6)
    np.testing.assert_allclose(part["travel_time_s"].to_numpy(), expected, rtol=1e-9)
    wet = expected / tables.wet_factor["afirmado"]
    ford = old["ford"].eq("yes").to_numpy() | old["unbridged_crossing"].to_numpy(bool)
    np.testing.assert_allclose(part["travel_time_wet_s"].to_numpy()[~ford], wet[~ford], rtol=1e-9)
    # a trocha is impassable for vehicles in the rains; the afirmado is not
    assert np.isinf(old["speed_wet_kph"].replace(0.0, np.inf)).all()
    assert (
        part["travel_time_wet_s"].to_numpy()[~ford] < old["travel_time_wet_s"].to_numpy()[~ford]
    ).all()
    np.testing.assert_allclose(part["walk_time_s"], old["walk_time_s"], rtol=1e-12)


def test_speed_tables_must_match_the_network(sample: Sample) -> None:
    with pytest.raises(DataError, match="speed tables"):
        upgrade_candidates(
            sample.network, tables=SpeedTables.with_overrides(surface_kph={"trocha": 5.0})
        )
