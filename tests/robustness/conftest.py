"""Base cases of the sample and of Cusco, built once from the session's ranked runs."""

from __future__ import annotations

from typing import Any

import pytest

from connectivity.ranking.appraisal import AppraisalParameters
from connectivity.robustness import RobustnessSection
from connectivity.robustness.assess import base_case


def make_base(run: Any, **section: Any) -> Any:
    cfg = run.config
    return base_case(
        run.network,
        run.works,
        run.ranking,
        section=RobustnessSection(**section),
        appraisal=None
        if cfg.appraisal is None
        else AppraisalParameters.from_section(cfg.appraisal),
        min_bc_ratio=cfg.ranking.min_bc_ratio,
        rank_by=cfg.ranking.rank_by,
    )


@pytest.fixture(scope="session")
def sample_base(ranked_sample: Any) -> Any:
    """The sample's base case, default spreads, seed 42."""
    return make_base(ranked_sample)


@pytest.fixture(scope="session")
def cusco_base(ranked_cusco: Any) -> Any:
    """Cusco's base case, a short budget curve."""
    return make_base(ranked_cusco, budget_levels=[0.5, 1.0, 2.0])
