"""connectivity: plan rural road investment by the access it gives.

Travel times from farming communities to markets and schools over a road
network built from OpenStreetMap, and the road works (surface upgrades, new
links, bridges, proposals) that improve them most per sol spent.

The stages are modules, read in pipeline order: :mod:`connectivity.sample`
(synthetic sample region), :mod:`connectivity.config` (region TOML),
:mod:`connectivity.routing` (fast travel times; importable on its own).
"""

from __future__ import annotations

import logging

__version__ = "0.1.0"

logging.getLogger(__name__).addHandler(logging.NullHandler())

__all__ = ["__version__"]
