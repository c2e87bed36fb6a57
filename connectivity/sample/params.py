"""Parameters of the synthetic sample region: labels, CRS, sizes, road classes, random streams.

The constants every step of the generator shares: the "not real data" label
and statement written into every file, the generator version kept in
``metadata.json``, the CRS and cell sizes of the rasters, the ``size``
limits, the region's frame (centre, side, valley-cell spacing), the drainage
areas that make a valley, a stream and a river, the road classes (best last)
with their node spacing, bank switching and naming odds, how each road class
crosses rivers and streams (bridge, ford or nothing), and the random streams.

Everything is drawn from ``numpy.random.default_rng`` (no global RNG): one
generator per step (:func:`_rng` with a stream number), so the steps do not
shift each other's draws.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

FloatArray = NDArray[np.float64]
IntArray = NDArray[np.int64]
BoolArray = NDArray[np.bool_]

#: Label put in every output built from the sample region.
SAMPLE_LABEL = "synthetic sample region"
#: Statement written next to the label.
NOT_REAL_DATA = (
    "Not real data: an invented Andean province generated from a random seed. "
    "It describes no real place, road, river, community, market or school."
)
_NOT_REAL_DATA_ES = (
    "Datos no reales: una provincia andina inventada, generada a partir de una semilla "
    "aleatoria. No describe ningún lugar, camino, río, comunidad, mercado ni colegio reales."
)
#: Version of the generator; stored in metadata.json (files are re-used only if it matches).
GENERATOR_VERSION = "1.4"
#: CRS of the rasters and of :func:`sample_road_network`.
SAMPLE_CRS = "EPSG:32718"
#: Cell size of ``elevation.tif`` (m).
DEM_CELL_M = 75.0
#: Cell size of ``population.tif`` (m).
POPULATION_CELL_M = 250.0
#: Largest ``size`` :func:`generate_sample_region` writes (rasters grow with the area).
MAX_FILE_SIZE = 16.0
#: Largest ``size`` :func:`sample_road_network` builds (size 600 is about 10^6 graph nodes:
#: 2 min and 6.3 GB peak on the 2-core machine).
MAX_NETWORK_SIZE = 800.0
_MIN_SIZE = 0.02
_NODATA = -9999.0

_CENTRE_LONLAT = (-74.2, -13.9)
_SIDE_M_PER_SQRT_SIZE = 56_000.0
_SNAP_M = 750.0  # region edges on multiples of both cell sizes
_COARSE_M = 1_400.0  # valley-cell spacing
_A_VALLEY = 3  # upstream cells for a valley carved in the DEM
_A_STREAM = 5  # ... for a mapped stream (waterway=stream), about 10 km²
_A_RIVER = 80  # ... for a river (waterway=river), about 160 km²
_MAX_WAY_SEGMENTS = 1500  # OSM ways hold at most 2,000 nodes

# road classes, best last; 7 = town streets
_PATH, _TRACK, _UNCL, _TERT, _SEC, _TRUNK, _RESID = 1, 2, 3, 4, 5, 6, 7
_HIGHWAY = ("", "path", "track", "unclassified", "tertiary", "secondary", "trunk", "residential")
_SPACING_M = np.array([100.0, 70.0, 75.0, 85.0, 90.0, 100.0, 110.0, 60.0])
_SWITCH_BANK_P = np.array([0.0, 0.25, 0.2, 0.15, 0.15, 0.12, 0.12, 0.0])
_NAME_P = np.array([0.0, 0.3, 0.35, 0.6, 0.8, 1.0, 1.0, 0.9])
_NAME_PREFIX = (
    "",
    "Camino de herradura a",
    "Trocha a",
    "Camino vecinal a",
    "Carretera a",
    "Carretera a",
    "",
    "Jirón",
)

# crossing treatment: probabilities of (bridge, ford); the rest cross with no structure
_CROSS_RIVER = {
    _PATH: (0.6, 0.0),
    _TRACK: (0.7, 0.3),
    _UNCL: (1.0, 0.0),
    _TERT: (1.0, 0.0),
    _SEC: (1.0, 0.0),
    _TRUNK: (1.0, 0.0),
    _RESID: (1.0, 0.0),
}
_CROSS_STREAM = {
    _PATH: (0.1, 0.25),
    _TRACK: (0.1, 0.55),
    _UNCL: (0.4, 0.6),
    _TERT: (0.7, 0.3),
    _SEC: (1.0, 0.0),
    _TRUNK: (1.0, 0.0),
    _RESID: (1.0, 0.0),
}
_NO_CROSSING, _FORD, _BRIDGE = 0, 1, 2

# random streams (one generator per step, so steps do not shift each other's draws)
(
    _S_TREE,
    _S_NODE,
    _S_COMM,
    _S_NAMES,
    _S_SPUR,
    _S_CROSS,
    _S_TAGS,
    _S_TERRAIN,
    _S_FAC,
    _S_PROP,
    _S_HEALTH,  # added after the others: health facilities left every other draw as it was
) = range(11)


def _rng(seed: int, stream: int) -> np.random.Generator:
    return np.random.default_rng([seed, stream])
