"""Cost tables and their overrides (connectivity.works.costs)."""

from __future__ import annotations

import numpy as np
import pytest
from works_cases import Sample

from connectivity.config import CostsSection
from connectivity.errors import ConfigError
from connectivity.works import (
    BRIDGE_COST_PER_M,
    UNIT_COST_PER_KM,
    bridge_candidates,
    cost_table,
    upgrade_candidates,
)


def test_cost_overrides(sample: Sample) -> None:
    _, base = upgrade_candidates(sample.network)
    key = "upgrade_afirmado_rolling"  # no DEM: every line is priced as rolling terrain
    costs = CostsSection(unit_cost_per_km={key: 2 * UNIT_COST_PER_KM[key]})
    _, dear = upgrade_candidates(sample.network, costs=costs)
    only_afirmado = base.works["class_after"] == "afirmado"
    np.testing.assert_allclose(
        dear.works.loc[only_afirmado, "cost"], 2 * base.works.loc[only_afirmado, "cost"], atol=1
    )
    assert (dear.works.loc[~only_afirmado, "cost"] >= base.works.loc[~only_afirmado, "cost"]).all()
    expected = base.works.loc[only_afirmado, "length_m"] * UNIT_COST_PER_KM[key] / 1000
    np.testing.assert_allclose(base.works.loc[only_afirmado, "cost"], expected, atol=1)
    _, bridges = bridge_candidates(
        sample.network, costs=CostsSection(bridge_cost_per_m={"vehicle": 1000.0})
    )
    veh = bridges.works["vehicle_bridge"].astype(bool)
    assert (bridges.works.loc[veh, "cost"] == bridges.works.loc[veh, "span_m"] * 1000).all()


def test_cost_table_rejects_unknown_keys_and_mislabelled_currency() -> None:
    with pytest.raises(ConfigError, match="upgrade_gold_flat"):
        cost_table(CostsSection(unit_cost_per_km={"upgrade_gold_flat": 1.0}))
    with pytest.raises(ConfigError, match="'ferry'"):
        cost_table(CostsSection(bridge_cost_per_m={"ferry": 1.0}))
    with pytest.raises(ConfigError, match="USD"):
        cost_table(CostsSection(currency="USD", unit_cost_per_km={"new_link_flat": 1.0}))
    full = CostsSection(
        currency="USD",
        price_year=2023,
        unit_cost_per_km={k: 1.0 for k in UNIT_COST_PER_KM},
        bridge_cost_per_m={k: 2.0 for k in BRIDGE_COST_PER_M},
    )
    table = cost_table(full)
    assert (table.currency, table.price_year, table.per_m("new_link", "steep")) == (
        "USD",
        2023,
        0.001,
    )
