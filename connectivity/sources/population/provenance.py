"""Where each community's population comes from, and which sources are estimates.

Every loader of :mod:`connectivity.sources.population` gives its communities a
``population_source`` column holding one of the codes of
:data:`POPULATION_SOURCES`; :data:`ESTIMATED_POPULATION_SOURCES` are the codes
whose numbers nobody counted (a planner should check them in the field before
defending a work with them), and :func:`population_is_estimated` tells them
apart.
"""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np

__all__ = ["ESTIMATED_POPULATION_SOURCES", "POPULATION_SOURCES", "population_is_estimated"]

#: ``population_source`` codes and what each means.
POPULATION_SOURCES: dict[str, str] = {
    "file": "a population file (a census or register, e.g. INEI centros poblados)",
    "synthetic": "the synthetic sample region (invented people, not a real place)",
    "raster": "a population raster (modelled people per cell, summed over a cluster of cells)",
    "osm_tag": "the population tag of the OpenStreetMap place",
    "estimate_from_buildings": "estimated from the OpenStreetMap buildings around the place",
    "place_type_minimum": (
        "the minimum assumed for the OpenStreetMap place type (too few buildings mapped)"
    ),
}

#: Sources whose numbers are estimates, not counts: buildings times persons per
#: building, a minimum per place type, or a modelled population grid.
ESTIMATED_POPULATION_SOURCES: frozenset[str] = frozenset(
    {"estimate_from_buildings", "place_type_minimum", "raster"}
)


def population_is_estimated(sources: Iterable[object]) -> np.ndarray:
    """Return, for each ``population_source`` value, whether the number is an estimate.

    Parameters
    ----------
    sources : iterable
        ``population_source`` values (codes of :data:`POPULATION_SOURCES`;
        anything else, a missing value included, is not an estimate).

    Returns
    -------
    numpy.ndarray
        Booleans, one per value.

    Examples
    --------
    >>> population_is_estimated(["file", "place_type_minimum", None]).tolist()
    [False, True, False]
    """
    return np.array([s in ESTIMATED_POPULATION_SOURCES for s in sources], dtype=bool)
