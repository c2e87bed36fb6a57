"""Uncertain inputs and one scenario: seeded draws, weights equal to the speed model's, the run
given back when nothing changes."""

from __future__ import annotations

import dataclasses
from typing import Any

import numpy as np
import pytest

from connectivity.config import load_region_config
from connectivity.errors import ConfigError
from connectivity.network import SpeedTables, add_travel_times
from connectivity.pipeline.inputs import region_speed_tables
from connectivity.robustness import RobustnessSection, draw_scenario
from connectivity.robustness.scenario import _Times, run_scenario
from connectivity.works.workset import WEIGHTS


def _draw(section: RobustnessSection, k: int, estimated: np.ndarray) -> Any:
    return draw_scenario(
        section,
        k,
        cost_groups=["bridge|", "upgrade|rolling", "upgrade|rolling", "new_link|steep"],
        road_classes=["trocha", "afirmado"],
        kinds=["market", "school"],
        estimated=estimated,
        days=(245.0, 90.0, 30.0),
    )


def test_draws_depend_only_on_the_seed_and_the_scenario():
    section = RobustnessSection(seed=7)
    est = np.array([False, True] * 500)
    a, b = _draw(section, 3, est), _draw(section, 3, est)
    assert np.array_equal(a.cost, b.cost) and a.vehicle == b.vehicle and a.days == b.days
    assert np.array_equal(a.population, b.population)
    c = _draw(section, 4, est)
    assert not np.array_equal(a.population, c.population)
    other_seed = _draw(RobustnessSection(seed=8), 3, est)
    assert not np.array_equal(a.cost, other_seed.cost)
    # one multiplier per work type and terrain: the two rolling upgrades share theirs
    assert a.cost[1] == a.cost[2] and a.cost[0] != a.cost[1]
    assert sum(a.days) == pytest.approx(365.0)
    # estimated populations are drawn from the wide spread, counts from the narrow one
    counted, guessed = a.population[~est], a.population[est]
    assert counted.min() >= 0.95 and counted.max() <= 1.05
    assert guessed.min() < 0.9 and guessed.max() > 1.1


def test_scenario_zero_draws_nothing():
    d = _draw(RobustnessSection(), 0, np.zeros(3, dtype=bool))
    assert np.all(d.cost == 1) and np.all(d.population == 1)
    assert set(d.vehicle.values()) == {1.0} and d.days == (245.0, 90.0, 30.0)


def test_a_table_given_in_part_changes_only_its_keys_and_bad_spreads_are_named(tmp_path, repo_root):
    section = RobustnessSection(cost={"bridge": [0.9, 1.0, 2.0]})
    assert section.cost["bridge"] == (0.9, 1.0, 2.0)
    assert section.cost["upgrade"] == (0.85, 1.0, 1.35)
    body = (repo_root / "data" / "regions" / "sample.toml").read_text()
    region = tmp_path / "bad.toml"
    region.write_text(body + "\n[robustness]\ncost = {bridge = [1.2, 1.0, 0.9]}\n")
    with pytest.raises(ConfigError, match=r"robustness.*cost\.bridge.*low <= mode <= high"):
        load_region_config(region)
    region.write_text(body + '\n[robustness]\nscheduler = "localhost:8786"\n')
    with pytest.raises(ConfigError, match=r"tcp://host:8786"):
        load_region_config(region)


def test_scenario_weights_equal_the_speed_model_with_its_speeds_scaled(ranked_sample, sample_base):
    """The fast path (each edge's time divided by its mode's multiplier) against the slow one
    (the speed model run again with every speed, cap, wet factor and walking speed scaled)."""
    run = ranked_sample
    edges = run.network.edges
    dem = run.inputs.dem_path
    tables = region_speed_tables(run.config)
    again = add_travel_times(edges, tables=tables, dem_path=dem)
    # the speed model gives back the network's own weights, but on the few edges split
    # where a new link meets them (a split keeps each part's share of the whole's time)
    same = np.ones(len(edges), dtype=bool)
    for col in WEIGHTS:
        a, b = again[col].to_numpy(), edges[col].to_numpy()
        same &= np.isclose(a, b, rtol=1e-9, atol=0) | (np.isinf(a) & np.isinf(b))
    assert same.sum() >= 0.95 * len(edges)
    draws = dataclasses.replace(
        sample_base.draws(0),
        vehicle={k: (1.3 if k[1] == "dry" else 0.8) for k in sample_base.draws(0).vehicle},
        walk={"dry": 1.1, "rain": 0.7},
    )
    m_dry, m_rain, w_dry, w_rain = 1.3, 0.8, 1.1, 0.7
    scaled = SpeedTables(
        class_speed_kph={k: v * m_dry for k, v in tables.class_speed_kph.items()},
        highway_max_kph={k: v * m_dry for k, v in tables.highway_max_kph.items()},
        smoothness_factor=tables.smoothness_factor,
        wet_factor={k: v * m_rain / m_dry for k, v in tables.wet_factor.items()},
        walk_wet_factor={k: v * w_rain / w_dry for k, v in tables.walk_wet_factor.items()},
        walk_kph=tables.walk_kph * w_dry,
        rain_shuts_width_m=tables.rain_shuts_width_m,
    )
    reference = add_travel_times(edges, tables=scaled, dem_path=dem)
    fast = _Times.of(sample_base.network.edges).scaled(draws)
    for col in WEIGHTS:
        np.testing.assert_allclose(fast[col][same], reference[col].to_numpy()[same], rtol=1e-9)
    moved = fast["travel_time_s"][same] != edges["travel_time_s"].to_numpy()[same]
    assert moved.mean() > 0.9  # the multipliers did change the weights


def test_scenario_zero_gives_back_the_runs_programme(ranked_sample, sample_base):
    run_programme = tuple(ranked_sample.ranking.portfolio["work_id"])
    warm = run_scenario(sample_base, 0)
    assert warm.programme == run_programme
    assert warm.programme_score == pytest.approx(
        float(ranked_sample.ranking.portfolio["score"].sum()), rel=1e-12
    )
    ranked = ranked_sample.ranking.ranking
    np.testing.assert_allclose(
        warm.score, ranked.loc[sample_base.ids, "score"].to_numpy(), rtol=1e-12
    )
    assert np.array_equal(warm.rank, ranked.loc[sample_base.ids, "rank"].to_numpy())


def test_a_scenario_moves_costs_scores_and_the_programme(sample_base):
    zero, one = run_scenario(sample_base, 0), run_scenario(sample_base, 1)
    draws = sample_base.draws(1)
    np.testing.assert_allclose(one.cost_net, zero.cost_net * draws.cost, rtol=1e-12)
    assert not np.allclose(one.score, zero.score)
    assert one.programme_cost <= sample_base.budget * (1 + 1e-9)
    # a work made 50x dearer leaves the programme
    first = zero.programme[0]
    dear = run_scenario(sample_base, 0, cost_factors={first: 50.0})
    assert first not in dear.programme
    with pytest.raises(Exception, match="unknown works"):
        run_scenario(sample_base, 0, cost_factors={"NOPE": 2.0})
