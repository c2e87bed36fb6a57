"""Checks of a programme shared by the ranking and pipeline tests."""

from __future__ import annotations

import pandas as pd
import pytest

from connectivity.works import WorkSet


def assert_never_pays_twice(programme: pd.DataFrame, works: WorkSet) -> int:
    """No two works of a programme do the same kind of work on one edge, but for stages.

    Where a programme holds two works sharing an edge (upgrades with upgrades, bridges
    with bridges), the later one must be a later stage of the earlier one and be charged
    only the increment. Returns how many such stage pairs the programme holds.
    """
    from connectivity.works import find_alternatives

    alt = find_alternatives(works)
    position = {w: i for i, w in enumerate(alt.ids)}
    chosen = programme["work_id"].tolist()
    charged = dict(zip(programme["work_id"], programme["cost_net"], strict=True))
    stage_of = dict(zip(programme["work_id"], programme["stage_of"].fillna(""), strict=True))
    net = works.works["cost_net"]
    stages = 0
    for k, later in enumerate(chosen):
        for earlier in chosen[:k]:
            a, b = position[earlier], position[later]
            if b not in alt.conflicts[a]:
                continue
            assert alt.is_stage(a, b), f"{earlier} and {later} are alternatives at one site"
            assert stage_of[later] == earlier
            assert charged[later] == pytest.approx(max(net[later] - net[earlier], 0.0))
            stages += 1
    # and per edge: what is charged for one kind of work never exceeds its dearest stage
    ch = works.changes[works.changes["work_id"].isin(chosen)]
    kind = works.works["work_type"].eq("bridge")
    for _, group in ch.groupby(
        [ch[["u", "v"]].astype(str).min(axis=1), ch[["u", "v"]].astype(str).max(axis=1)]
    ):
        ids = pd.unique(group["work_id"])
        for is_bridge in (False, True):
            same = [w for w in ids if bool(kind[w]) == is_bridge]
            if len(same) > 1:
                assert sum(charged[w] for w in same) <= max(net[w] for w in same) + 1e-6
    return stages
