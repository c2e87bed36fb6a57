"""The programme's fast paths against simple references on the sample.

The greedy finds the works a choice can have changed from an index of the
nodes each work improves (``portfolio._Regions``), not by scanning every
work's region; the search finds pairs of interacting works by a streamed join
(``_kernel._interacting_pairs``), not by a pandas merge of every work's
region; joint works take their members' change rows by one stable sort
(``optimise._joint_workset``), not by a groupby of every work's rows. Each is
checked equal to the plain computation it replaces.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from connectivity.ranking._kernel import _interacting_pairs
from connectivity.ranking.evaluate import _evaluate_all, _prepare, _table_from_stats
from connectivity.ranking.optimise import _joint_workset
from connectivity.ranking.portfolio import _Regions


@pytest.fixture(scope="module")
def prepared(sample_network, sample_works):
    engine, changes, weights, thresholds = _prepare(
        sample_network, sample_works, (30, 60, 120), None, 480.0
    )
    stats, overall, _ = _evaluate_all(engine, changes, records=False)
    table = _table_from_stats(sample_works, stats, overall, weights, thresholds, engine.searches)
    return engine, changes, table["cost_net"].to_numpy(dtype=float)


def _scan(changes, regions: dict[int, np.ndarray], always: set[int], nodes, n_works) -> np.ndarray:
    """Works whose region or changed-edge heads meet ``nodes``, one by one."""
    wanted = set(np.asarray(nodes).tolist())
    out = np.zeros(n_works, dtype=bool)
    for i in range(n_works):
        heads = changes.head[changes.work_ptr[i] : changes.work_ptr[i + 1]].tolist()
        mine = set(regions.get(i, np.empty(0, dtype=np.int64)).tolist()) | set(heads)
        out[i] = bool(mine & wanted) or i in always
    return out


def test_region_index_finds_what_a_scan_of_every_region_finds(prepared):
    engine, changes, _ = prepared
    n_works = len(changes.ids)
    rng = np.random.default_rng(7)
    index = _Regions(engine.n, changes, limit=10**9, compact_from=64)  # compacts often
    stored: dict[int, np.ndarray] = {}
    order = rng.permutation(n_works)
    for _round in range(3):  # every work stored three times: stale entries, compactions
        for part in np.array_split(order, 7):
            part = np.sort(part)
            ev = engine.evaluate(changes, part, regions=True)
            index.put(part, ev)
            for k, i in enumerate(part.tolist()):
                stored[i] = ev.region_nodes[ev.region_ptr[k] : ev.region_ptr[k + 1]]
        gone = rng.choice(n_works, size=40, replace=False)
        index.drop(gone)
        for i in gone.tolist():
            stored.pop(i, None)
        assert index.live == sum(len(np.unique(r)) for r in stored.values())
        improved = np.unique(np.concatenate(list(stored.values())))
        for size in (1, 5, 60):
            nodes = np.unique(rng.choice(engine.n, size=size, replace=False))
            found = index.hit(nodes)
            assert np.array_equal(found, _scan(changes, stored, set(), nodes, n_works))
            nodes = np.unique(rng.choice(improved, size=size, replace=False))
            found = index.hit(nodes)
            assert np.array_equal(found, _scan(changes, stored, set(), nodes, n_works))
            assert found.any()  # not vacuous
    assert index.used < 2 * index.live + 64 * 8  # stale entries were compacted away
    # past the limit: the largest regions are not stored but always evaluated again
    small = _Regions(engine.n, changes, limit=500)
    works = np.arange(n_works, dtype=np.int64)
    small.put(works, engine.evaluate(changes, works, regions=True))
    assert 0 < small.live <= 500 and small.always.any()
    nodes = np.array([0], dtype=np.int64)
    assert small.hit(nodes)[small.always].all()


def _pairs_by_merge(changes, weak, ev, cost, budget, limit) -> pd.DataFrame:
    """The interacting pairs as a pandas merge of every region (the code before)."""
    sizes = np.diff(ev.region_ptr)
    region = pd.DataFrame({"w": np.repeat(weak, sizes), "node": ev.region_nodes})
    lo, hi = changes.work_ptr[weak], changes.work_ptr[weak + 1]
    heads = pd.DataFrame(
        {
            "x": np.repeat(weak, hi - lo),
            "node": np.concatenate([changes.head[a:b] for a, b in zip(lo, hi, strict=True)]),
        }
    )
    touched = pd.concat([heads, region.rename(columns={"w": "x"})], ignore_index=True)
    pairs = region.merge(touched.drop_duplicates(), on="node")[["w", "x"]]
    pairs = pairs[pairs["w"] != pairs["x"]]
    w_pos, x_pos = pairs["w"].to_numpy(), pairs["x"].to_numpy()
    cand = pd.DataFrame({"a": np.minimum(w_pos, x_pos), "b": np.maximum(w_pos, x_pos)})
    cand = cand.drop_duplicates()
    return cand[cost[cand["a"]] + cost[cand["b"]] <= budget].head(limit)


@pytest.mark.parametrize(("share", "limit"), [(0.002, 20_000), (0.05, 20_000), (1.0, 100)])
def test_interacting_pairs_are_those_of_a_merge_in_the_same_order(prepared, share, limit):
    engine, changes, cost = prepared
    budget = share * float(cost.sum())
    weak = np.flatnonzero(cost <= budget)[::2]
    ev = engine.evaluate(changes, weak, regions=True)
    lo, hi = changes.work_ptr[weak], changes.work_ptr[weak + 1]
    rows = np.concatenate([np.arange(a, b) for a, b in zip(lo, hi, strict=True)])
    found_a, found_b = _interacting_pairs(
        weak,
        ev.region_nodes,
        ev.region_ptr,
        np.repeat(weak, hi - lo),
        changes.head[rows],
        cost,
        budget,
        len(cost),
        engine.n,
        limit,
    )
    expected = _pairs_by_merge(changes, weak, ev, cost, budget, limit)
    assert len(expected) > 50  # not vacuous
    assert np.array_equal(found_a, expected["a"].to_numpy())
    assert np.array_equal(found_b, expected["b"].to_numpy())
    if limit < 1_000:
        assert len(found_a) == limit  # stopped at the limit, in the merge's order


def test_joint_works_hold_their_members_change_rows_in_order(sample_works):
    ch = sample_works.changes
    ids = sample_works.works.index.tolist()
    rng = np.random.default_rng(11)
    groups = {"ALL": ids[::3], "ONE": [ids[-1]], "BACKWARDS": ids[::-7]}
    groups |= {f"g{k}": rng.choice(ids, size=1 + k % 5, replace=False).tolist() for k in range(40)}
    joint = _joint_workset(sample_works, groups)
    expected = pd.concat(
        [ch[ch["work_id"] == m].assign(work_id=name) for name, ms in groups.items() for m in ms],
        ignore_index=True,
    )
    pd.testing.assert_frame_equal(joint.changes, expected, check_dtype=False)
    assert joint.works.index.tolist() == list(groups)
    for name, ms in groups.items():
        row = joint.works.loc[name]
        assert row["cost"] == pytest.approx(sample_works.works.loc[ms, "cost"].sum(), rel=1e-12)
        assert row["cost_net"] == pytest.approx(
            sample_works.works.loc[ms, "cost_net"].sum(), rel=1e-12
        )
    with pytest.raises(KeyError):
        _joint_workset(sample_works, {"X": [ids[0], "no such work"]})
