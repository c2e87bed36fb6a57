"""Bridges at fords and unbridged crossings, spans (connectivity.works.bridges)."""

from __future__ import annotations

import numpy as np
import pandas as pd
from works_cases import Generated, Sample, _times

from connectivity.works import BRIDGE_COST_PER_M, apply_works, bridge_candidates


def test_bridges_at_every_ford_and_unbridged_crossing(sample: Sample, generated: Generated) -> None:
    net = generated.network
    e = net.edges
    crossing = (e["ford"].eq("yes") | e["unbridged_crossing"].astype(bool)) & (
        e["road_class"] != "connector"
    )
    assert e["unbridged_crossing"].astype(bool).any()
    ch = generated.works.changes
    bridged = ch[ch["work_id"].str.startswith("BRG-")]
    index = pd.MultiIndex.from_arrays([bridged["u"], bridged["v"], bridged["key"]])
    assert set(index) == set(e.index[crossing])
    assert np.isfinite(bridged["walk_time_wet_s"]).all()
    works = generated.works.works
    brg = works[works["work_type"] == "bridge"]
    assert (brg["span_m"] > 0).all() and (brg["length_m"] == 0).all()
    foot = brg[~brg["vehicle_bridge"].astype(bool)]
    assert len(foot) and (foot["cost"] == foot["span_m"] * BRIDGE_COST_PER_M["foot"]).all()
    assert brg.geometry.geom_type.eq("Point").all()


def test_a_bridge_makes_a_wet_season_cut_community_reachable(generated: Generated) -> None:
    net = generated.network
    wet = _times(net, "travel_time_wet_s")
    dry = _times(net, "travel_time_s")
    cut = wet.index[np.isinf(wet) & np.isfinite(dry)]
    assert len(cut) > 0, "the sample should have communities cut off in the rains"
    bridges = generated.works.works.index[generated.works.works["work_type"] == "bridge"]
    all_bridged = apply_works(net, generated.works, list(bridges))
    assert np.isfinite(_times(all_bridged, "travel_time_wet_s").loc[cut]).any()
    graph_dry = _times(all_bridged, "travel_time_s")
    np.testing.assert_allclose(graph_dry, dry)  # bridges change nothing in the dry season
    reopened = []
    for wid in bridges:
        after = _times(apply_works(net, generated.works, [wid]), "travel_time_wet_s")
        if np.isfinite(after.loc[cut]).any():
            reopened.append(wid)
    assert reopened, "some single bridge should reopen a cut community"


def test_bridge_span_from_waterway_width(sample: Sample) -> None:
    wide = sample.waterways.assign(width="42 m")
    _, works = bridge_candidates(sample.network, waterways=wide)
    _, plain = bridge_candidates(sample.network, waterways=sample.waterways)
    _, blind = bridge_candidates(sample.network)
    known = works.works["description"].str.contains("supuesta").eq(False)
    assert known.any()
    assert (works.works.loc[known, "span_m"] % 42 == 0).all()
    # the sample's waterways carry a width (streams 4-5 m, rivers 21-29 m): spans follow it, and
    # a crossing with no mapped waterway gets a default span
    widths = set(pd.to_numeric(sample.waterways["width"]).dropna())
    assert widths
    allowed = {10.0, 30.0, 6.0, 20.0, 40.0, 60.0} | {k * w for w in widths for k in (1, 2, 3)}
    assert set(plain.works["span_m"]) <= allowed
    assert set(plain.works["span_m"]) & widths
    assert len(blind) == len(plain)


def test_each_bridge_says_whether_its_crossing_is_a_tagged_ford_or_inferred(
    generated: Generated,
) -> None:
    """``crossing`` travels with the work: "ford" where OSM tags one, "inferred" where a river
    is crossed with neither bridge nor ford tag; the ranking flags the inferred ones."""
    e = generated.network.edges
    works = generated.works.works
    ch = generated.works.changes
    brg = works[works["work_type"] == "bridge"]
    assert set(brg["crossing"]) == {"ford", "inferred"}  # the sample has both kinds
    assert (works.loc[works["work_type"] != "bridge", "crossing"] == "").all()
    for work_id, kind in brg["crossing"].items():
        rows = ch[ch["work_id"] == work_id]
        edges = e.loc[pd.MultiIndex.from_arrays([rows["u"], rows["v"], rows["key"]])]
        inferred = edges["unbridged_crossing"].astype(bool)
        forded = edges["ford"].eq("yes")
        if kind == "inferred":
            assert inferred.all() and not forded.any(), work_id
        else:
            assert forded.all() and not inferred.any(), work_id
    # the description says the same in words: "en lugar del cruce" / "en lugar del vado"
    assert brg.loc[brg["crossing"] == "inferred", "description"].str.contains("del cruce").all()
    assert brg.loc[brg["crossing"] == "ford", "description"].str.contains("del vado").all()
