"""Time candidate generation before (this reference copy) and after (the package), and compare.

For the tests of ``tests/works`` and for ``bench/bench_scale.py``::

    import sys
    sys.path.insert(0, "tests/works")
    from reference_works.timing import time_generation

    timing = time_generation(network, dem_path=..., waterways=..., proposals=...)
    print(timing.before_s, timing.after_s, timing.ratio, timing.n_works, timing.same)

``network`` and the keyword arguments are those of
:func:`connectivity.works.generate_candidates` (as ``rank_stage`` of
:mod:`connectivity.pipeline.stages` passes them).
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from connectivity.network import RoadNetwork
from connectivity.works import WorkSet, generate_candidates
from connectivity.works._grid_search import cheapest_grid_path
from connectivity.works.costs import _slope_classes
from reference_works.generate import generate_candidates as reference_generate

__all__ = ["GenerationTiming", "assert_same_generation", "time_generation"]

Generation = tuple[RoadNetwork, WorkSet, pd.DataFrame]


@dataclass(frozen=True)
class GenerationTiming:
    """Wall time of the reference and the package's candidate generation on one input."""

    before_s: float  # the reference copy (the code before it was made fast)
    after_s: float  # connectivity.works.generate_candidates
    n_works: int
    same: bool  # identical work sets (see assert_same_generation)

    @property
    def ratio(self) -> float:
        """How many times faster the package is than the reference."""
        return self.before_s / self.after_s if self.after_s > 0 else float("inf")


def _assert_frames_equal(a: pd.DataFrame, b: pd.DataFrame, what: str) -> None:
    """Same index, columns and dtypes; floats to 1e-9 relative; geometries equal exactly."""
    assert list(a.columns) == list(b.columns), f"{what}: columns differ"
    pd.testing.assert_index_equal(a.index, b.index, obj=f"{what} index")
    geo_cols = [c for c in a.columns if a[c].dtype == "geometry" or c == "geometry"]
    plain = [c for c in a.columns if c not in geo_cols]
    pd.testing.assert_frame_equal(
        pd.DataFrame(a[plain]),
        pd.DataFrame(b[plain]),
        check_exact=False,
        rtol=1e-9,
        atol=0.0,
        obj=what,
    )
    for col in geo_cols:
        ga = np.asarray(a[col].to_numpy(), dtype=object)
        gb = np.asarray(b[col].to_numpy(), dtype=object)
        none_a = np.array([g is None for g in ga])
        none_b = np.array([g is None for g in gb])
        assert np.array_equal(none_a, none_b), f"{what}.{col}: missing geometries differ"
        same = shapely.equals_exact(ga[~none_a], gb[~none_b], tolerance=0.0)
        assert bool(np.all(same)), f"{what}.{col}: {int((~same).sum())} geometries differ"


def assert_same_generation(new: Generation, old: Generation) -> None:
    """Fail unless two results of ``generate_candidates`` are the same.

    The same works (ids, columns, values: floats to 1e-9 relative, geometries
    exactly), the same edge changes, the same rejected proposals and the same
    network (nodes and edges, with the split edges).
    """
    net_a, works_a, rejected_a = new
    net_b, works_b, rejected_b = old
    _assert_frames_equal(works_a.works, works_b.works, "works")
    _assert_frames_equal(works_a.changes, works_b.changes, "changes")
    assert (works_a.currency, works_a.price_year) == (works_b.currency, works_b.price_year)
    pd.testing.assert_frame_equal(rejected_a, rejected_b, obj="rejected")
    _assert_frames_equal(
        gpd.GeoDataFrame(net_a.edges), gpd.GeoDataFrame(net_b.edges), "network edges"
    )
    _assert_frames_equal(
        gpd.GeoDataFrame(net_a.nodes), gpd.GeoDataFrame(net_b.nodes), "network nodes"
    )


def time_generation(
    network: RoadNetwork, *, compare: bool = True, **kwargs: Any
) -> GenerationTiming:
    """Time the reference and the package's ``generate_candidates`` on the same input.

    The compiled kernels (the search of new links, the slope classes of the
    DEM) are loaded (compiled on the first run after an install, then cached
    on disk) before the clock starts.

    Parameters
    ----------
    network : RoadNetwork
        The network works are generated for.
    compare : bool
        Also check that both give the same works (:func:`assert_same_generation`).
    **kwargs
        Keyword arguments of :func:`connectivity.works.generate_candidates`.

    Returns
    -------
    GenerationTiming
    """
    cheapest_grid_path(np.zeros((3, 3)), np.ones((3, 3)), (0, 0), np.eye(3, dtype=bool), 1.0, 1.0)
    _slope_classes(np.zeros((3, 3)), 1.0)
    start = time.perf_counter()
    old = reference_generate(network, **kwargs)
    before = time.perf_counter() - start
    start = time.perf_counter()
    new = generate_candidates(network, **kwargs)
    after = time.perf_counter() - start
    same = True
    if compare:
        try:
            assert_same_generation(new, old)
        except AssertionError:
            same = False
    return GenerationTiming(before_s=before, after_s=after, n_works=len(new[1]), same=same)
