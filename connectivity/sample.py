"""Seeded synthetic sample region: an invented Andean province in real file formats.

The project's offline default. :func:`generate_sample_region` writes a
realistic but **invented** province in the Andes of southern Peru (centred
near lon -74.2, lat -13.9; rasters in UTM 18S, ``EPSG:32718``), labelled
"synthetic sample region" in every file. It describes no real place. The same
``seed`` and ``size`` give byte-identical files; another seed gives another
province. :func:`sample_road_network` returns the same road network as node
and edge GeoDataFrames without writing XML, for benchmarks at 10⁵-10⁶+ nodes.

How the province is made (all from ``numpy.random.default_rng``, no global RNG)
--------------------------------------------------------------------------------
1. **Drainage.** A jittered grid of "valley cells" (1.4 km) gets a smooth
   random height field with a trough and a tilt across the region. The river
   network is the minimum spanning tree of that field rooted at the lowest
   border cell: a path in a minimum spanning tree crosses the lowest possible
   pass, which is where water goes after filling depressions. Upstream area
   gives river size; each node's largest tributary continues its river, so
   the tree splits into named streams (a main river and its tributaries).
   River lines are Catmull-Rom curves through the cells with small meanders.
2. **Terrain** (``elevation.tif``, only when files are written). Valley floors
   rise upstream with slopes that fall with drainage area (Flint's law: steep
   headwater streams, a gentle main river), from about 2,150 m at the outlet.
   Hillslopes rise from the nearest valley floor at 0.3-0.6 m/m (the lower
   envelope of "cones" on the valley lines, so ridges lie between valleys and
   rivers always run along the lows); big rivers have flat floors; fractal
   noise roughens the slopes; heights are squeezed into 2,000-4,950 m.
3. **Communities.** One district capital per district (4-8 districts at size
   1, each a *town* of 2,000-6,000 people, the province capital of
   8,000-15,000 on the main valley), then villages (300-1,999 people, on
   valley floors and lower slopes) and hamlets (20-299, on floors and
   slopes), with lognormal populations. Districts are the areas nearest to
   each capital. A handful of hamlets (about 3 per unit size) are placed on
   purpose more than 2 km from any road or path: they are off the network and
   reached on foot, as such hamlets are in the Andes.
4. **Roads** follow the valleys, as Andean roads do: every community needs a
   road of some class down its valley to the outlet; each valley edge gets
   the best class any community upstream needs (a track or a mule path up a
   side valley joins a gravel road lower down). The hierarchy, in OSM tags:

   * ``highway=trunk``, ``surface=asphalt``: the paved road along the whole
     main valley, continued over the pass at its head to the border;
   * ``highway=secondary`` (gravel/compacted: *afirmado*): to district towns;
   * ``highway=tertiary`` (gravel/compacted) and ``highway=unclassified``
     (dirt/unpaved, ``tracktype=grade3``: *carrozable*): to villages;
   * ``highway=track`` (``tracktype=grade3..5``, ``surface=dirt/ground``:
     *trocha*): to larger hamlets, and a few over ridges between valleys;
   * ``highway=path`` / ``bridleway`` (``surface=ground``: *camino de
     herradura*): to small hamlets, and some over passes;
   * ``highway=residential``: a few streets in each town.

   Roads run on one bank of their river 40-90 m from it and switch banks now
   and then. Spur roads lead from the valley road to each community. Every
   road or path crossing of a mapped river or stream is found geometrically
   and treated by road class and river size: **bridges** (a short separate
   way with ``bridge=yes``, ``layer=1``, as in OSM), **fords** (a short way
   with ``ford=yes``), or, for some tracks and paths, **no structure at all**
   (the candidates module finds those later). Roads crossing each other share
   a node. Nodes are every 60-110 m along roads (by class), so one unit of
   ``size`` holds about 17,000-20,000 road nodes in the XML (about 3,000
   nodes of the simplified graph); rivers add about 5,000 nodes.
5. **Facilities.** A market in every town and in the largest villages; a
   *primaria* in most villages over ~150 people and every town, a
   *secundaria* in towns and some large villages.
6. **Population raster.** Each community's people are spread over a small
   Gaussian kernel (wider for towns) on a 250 m grid, so the raster sums to
   the total population.

Files written by :func:`generate_sample_region`
-----------------------------------------------
``roads.osm``
    OpenStreetMap XML 0.6 (``generator="connectivity sample"``): road and
    river ways, ``place=town|village|hamlet`` nodes (``name``,
    ``population``), ``amenity=marketplace`` and ``amenity=school`` nodes.
    Coordinates are WGS84 with 7 decimals. Loaders keep the ways with a
    ``highway`` tag for the road network (osmnx's ``graph_from_xml`` also
    keeps the waterways and the lone place/amenity nodes).
``elevation.tif``
    DEM, float32, 75 m cells, ``EPSG:32718``, nodata -9999, deflate.
``population.tif``
    People per 250 m cell, float32, ``EPSG:32718``, nodata -9999, deflate.
``communities.csv``
    ``community_id`` (``SMP0001``...), ``name``, ``district``, ``category``
    (town/village/hamlet), ``population`` (int >= 1), ``lon``, ``lat``
    (WGS84), ``elevation_m`` (int, from the DEM), ``poverty_rate`` (invented
    share of poor people of the community's district, 0.20-0.80, higher in
    higher districts).
``markets.csv``
    ``facility_id`` (``MKT001``...), ``name``, ``kind`` (``"market"``),
    ``lon``, ``lat``, ``community_id``.
``schools.csv``
    ``facility_id`` (``SCH0001``...), ``name``, ``kind`` (``"school"``),
    ``level`` (``"primaria"`` or ``"secundaria"``), ``lon``, ``lat``,
    ``community_id``.
``proposals.geojson``
    Road-work proposals as a community or municipality would bring them to a
    participatory budget meeting, in the format
    :func:`connectivity.candidates.proposals_from_file` reads (GeoJSON,
    WGS84, 7 decimals): ``id`` (``PP-01``...), ``type`` (``upgrade``,
    ``new_link``, ``bridge``), ``name`` (Spanish, "Propuesta comunal: ..."),
    ``proposed_by``, ``cost`` (PEN, the orders of magnitude of the cost table
    with some spread), ``cofinancing_share`` and ``cofinancing_by`` (a few),
    ``to_class``, ``span_m`` (bridges), ``data_source``. Derived from the
    generated roads: afirmado of tracks, a mule path widened into a trocha,
    asphalt on a road to a district town, bridges at fords, new roads from
    off-network hamlets. The last two are invalid on purpose (a negative cost,
    a line outside the region) and named "Ejemplo de propuesta inválida: ...".
``metadata.json``
    Label, a "not real data" statement, seed, size, generator version, CRS,
    counts, bounding boxes (sorted keys, no time stamps).
``README.txt``
    The same statement in Spanish and English.

Size
----
``size`` scales the area (side 56 km x sqrt(size)), and with it every count,
roughly linearly. Files can be written up to ``size=16``; the network alone
(:func:`sample_road_network`) goes to ``size=400``: ``size=50`` gives about
10⁶ OSM road nodes, ``size=330`` about 10⁶ nodes in the simplified graph.
The region is in UTM zone 18S; beyond ``size`` ~ 25 it spreads outside the
zone's longitudes, which only matters for the lon/lat written in files.
"""

from __future__ import annotations

import json
import logging
import math
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from numpy.typing import NDArray
from pyproj import Transformer
from scipy.ndimage import distance_transform_edt, gaussian_filter, zoom
from scipy.sparse import coo_array
from scipy.sparse.csgraph import breadth_first_order, minimum_spanning_tree
from scipy.spatial import cKDTree
from shapely.ops import substring

from connectivity._io import atomic_path
from connectivity._sample_names import NamePool
from connectivity.errors import ConfigError

__all__ = [
    "DEM_CELL_M",
    "GENERATOR_VERSION",
    "MAX_FILE_SIZE",
    "MAX_NETWORK_SIZE",
    "NOT_REAL_DATA",
    "POPULATION_CELL_M",
    "SAMPLE_CRS",
    "SAMPLE_LABEL",
    "SampleRegionFiles",
    "generate_sample_region",
    "sample_road_network",
]

log = logging.getLogger(__name__)

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
GENERATOR_VERSION = "1.2"
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
) = range(10)


def _rng(seed: int, stream: int) -> np.random.Generator:
    return np.random.default_rng([seed, stream])


# --------------------------------------------------------------------------------------
# public API
# --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class SampleRegionFiles:
    """Absolute paths of the files of a generated sample region.

    Attributes
    ----------
    directory : Path
        Folder holding all the files.
    roads_osm, elevation_tif, population_tif, communities_csv, markets_csv, schools_csv,
    proposals_geojson, metadata_json : Path
        The files (see the module documentation for their content).
    """

    directory: Path
    roads_osm: Path
    elevation_tif: Path
    population_tif: Path
    communities_csv: Path
    markets_csv: Path
    schools_csv: Path
    proposals_geojson: Path
    metadata_json: Path

    @classmethod
    def in_directory(cls, directory: Path) -> SampleRegionFiles:
        """Return the file paths of a sample region in ``directory``."""
        d = directory.resolve()
        return cls(
            directory=d,
            roads_osm=d / "roads.osm",
            elevation_tif=d / "elevation.tif",
            population_tif=d / "population.tif",
            communities_csv=d / "communities.csv",
            markets_csv=d / "markets.csv",
            schools_csv=d / "schools.csv",
            proposals_geojson=d / "proposals.geojson",
            metadata_json=d / "metadata.json",
        )

    @property
    def readme_txt(self) -> Path:
        """The bilingual README saying the data are invented."""
        return self.directory / "README.txt"

    def all_files(self) -> list[Path]:
        """Every file of the region, metadata last."""
        return [
            self.roads_osm,
            self.elevation_tif,
            self.population_tif,
            self.communities_csv,
            self.markets_csv,
            self.schools_csv,
            self.proposals_geojson,
            self.readme_txt,
            self.metadata_json,
        ]


def _check_params(seed: Any, size: Any, max_size: float) -> tuple[int, float]:
    if isinstance(seed, bool) or not isinstance(seed, int | np.integer):
        raise ConfigError(f"sample seed must be an integer, got {seed!r}")
    if seed < 0:
        raise ConfigError(f"sample seed must be >= 0, got {seed}")
    if isinstance(size, bool) or not isinstance(size, int | float | np.integer | np.floating):
        raise ConfigError(f"sample size must be a number, got {size!r}")
    size_f = float(size)
    if not math.isfinite(size_f) or not (_MIN_SIZE <= size_f <= max_size):
        raise ConfigError(
            f"sample size must be between {_MIN_SIZE} and {max_size:g} (1.0 = one province), "
            f"got {size!r}"
        )
    return int(seed), size_f


def sample_road_network(
    *, size: float, seed: int = 42, simplify: bool = True
) -> tuple[gpd.GeoDataFrame, gpd.GeoDataFrame]:
    """Build the sample region's road network as osmnx-like node and edge GeoDataFrames.

    The same generator as :func:`generate_sample_region` (the same ``size``
    and ``seed`` give the same roads, node ids and tags as ``roads.osm``),
    without terrain rasters or XML, vectorised for large sizes. The frames
    look like ``osmnx.graph_to_gdfs`` of a *simplified, projected* graph:
    graph nodes are way ends and junctions (so an edge never mixes tags,
    as with ``simplify_graph(edge_attrs_differ=[...])``), intermediate OSM
    nodes are in the edge geometries.

    Parameters
    ----------
    size : float
        Area in provinces (1.0: 56 x 56 km, about 17,000-20,000 OSM road
        nodes and 3,000 graph nodes; ``size=50`` about 10⁶ OSM nodes,
        ``size=330`` about 10⁶ graph nodes). Between 0.02 and 400.
    seed : int
        Random seed (>= 0).

    Returns
    -------
    nodes : geopandas.GeoDataFrame
        Indexed by int64 ``osmid``; columns ``x``, ``y``, ``geometry``
        (Points, ``EPSG:32718``).
    edges : geopandas.GeoDataFrame
        Indexed by ``(u, v, key)``; columns ``osmid`` (way id), ``highway``,
        ``surface``, ``tracktype``, ``bridge``, ``ford``, ``name`` (None
        where the way has no such tag), ``oneway`` (False), ``reversed``,
        ``length_m`` (planar length of the geometry, m) and ``geometry``
        (LineString from ``u`` to ``v``). Every road is two-way: both
        directions are present.

    Raises
    ------
    ConfigError
        If ``size`` or ``seed`` is out of range.

    Examples
    --------
    >>> nodes, edges = sample_road_network(size=0.05, seed=1)
    >>> nodes.index.name, list(edges.index.names)
    ('osmid', ['u', 'v', 'key'])
    >>> bool((edges["length_m"] > 0).all()), str(edges.crs)
    (True, 'EPSG:32718')
    """
    seed, size = _check_params(seed, size, MAX_NETWORK_SIZE)
    model = _build_model(size=size, seed=seed, terrain=False)
    nodes, edges = _graph_frames(model, simplify=simplify)
    log.info(
        "synthetic sample road network (size %g, seed %d): %d nodes, %d edges",
        size,
        seed,
        len(nodes),
        len(edges),
    )
    return nodes, edges


def generate_sample_region(
    out_dir: str | Path, *, seed: int = 42, size: float = 1.0, force: bool = False
) -> SampleRegionFiles:
    """Write the synthetic sample region (roads, terrain, people, facilities) to a folder.

    Every file is written atomically. If all files are there and
    ``metadata.json`` records the same seed, size and generator version,
    nothing is written (cheap re-use) unless ``force`` is true.

    Parameters
    ----------
    out_dir : str or Path
        Folder to write to (created if missing).
    seed : int
        Random seed (>= 0); the same seed and size give byte-identical files.
    size : float
        Area in provinces (1.0: 56 x 56 km, a few hundred communities);
        between 0.02 and 16.
    force : bool
        Regenerate even if matching files exist.

    Returns
    -------
    SampleRegionFiles
        Absolute paths of the files.

    Raises
    ------
    ConfigError
        If ``seed`` or ``size`` is out of range, or ``out_dir`` is a file.

    Examples
    --------
    >>> import tempfile
    >>> files = generate_sample_region(tempfile.mkdtemp(), seed=3, size=0.05)
    >>> import json; meta = json.loads(files.metadata_json.read_text())
    >>> meta["label"], meta["seed"]
    ('synthetic sample region', 3)
    """
    seed, size = _check_params(seed, size, MAX_FILE_SIZE)
    directory = Path(out_dir)
    if directory.exists() and not directory.is_dir():
        raise ConfigError(f"{directory}: sample output folder exists and is not a folder")
    files = SampleRegionFiles.in_directory(directory)
    if not force and _is_up_to_date(files, seed=seed, size=size):
        log.info(
            "synthetic sample region in %s is up to date (seed %d, size %g)", directory, seed, size
        )
        return files
    directory.mkdir(parents=True, exist_ok=True)
    model = _build_model(size=size, seed=seed, terrain=True)
    _write_region(model, files)
    log.info(
        "synthetic sample region written to %s: %d communities, %d OSM road nodes",
        files.directory,
        len(model.comm.population),
        model.n_road_nodes,
    )
    return files


def _is_up_to_date(files: SampleRegionFiles, *, seed: int, size: float) -> bool:
    if not all(p.is_file() for p in files.all_files()):
        return False
    try:
        meta = json.loads(files.metadata_json.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return False
    return (
        isinstance(meta, dict)
        and meta.get("seed") == seed
        and meta.get("size") == size
        and meta.get("generator_version") == GENERATOR_VERSION
    )


# --------------------------------------------------------------------------------------
# small array helpers
# --------------------------------------------------------------------------------------


def _ranges(starts: IntArray, counts: IntArray) -> IntArray:
    """Concatenate ``arange(s, s + c)`` for every (s, c), vectorised."""
    counts = np.asarray(counts, dtype=np.int64)
    total = int(counts.sum())
    if total == 0:
        return np.zeros(0, dtype=np.int64)
    offsets = np.cumsum(counts) - counts
    return np.repeat(np.asarray(starts, dtype=np.int64) - offsets, counts) + np.arange(
        total, dtype=np.int64
    )


def _ptr(counts: IntArray) -> IntArray:
    out = np.zeros(len(counts) + 1, dtype=np.int64)
    np.cumsum(counts, out=out[1:])
    return out


def _smoothstep(x: FloatArray) -> FloatArray:
    x = np.clip(x, 0.0, 1.0)
    return x * x * (3.0 - 2.0 * x)


def _catmull_rom(
    p0: FloatArray, p1: FloatArray, p2: FloatArray, p3: FloatArray, t: FloatArray
) -> FloatArray:
    """Centripetal Catmull-Rom points between ``p1`` (t=0) and ``p2`` (t=1)."""

    def knot(a: FloatArray, b: FloatArray) -> FloatArray:
        return np.maximum(np.sqrt(np.hypot(b[:, 0] - a[:, 0], b[:, 1] - a[:, 1])), 1e-6)

    t1 = knot(p0, p1)[:, None]
    t2 = t1 + knot(p1, p2)[:, None]
    t3 = t2 + knot(p2, p3)[:, None]
    u = t1 + t[:, None] * (t2 - t1)
    a1 = (t1 - u) / t1 * p0 + u / t1 * p1
    a2 = (t2 - u) / (t2 - t1) * p1 + (u - t1) / (t2 - t1) * p2
    a3 = (t3 - u) / (t3 - t2) * p2 + (u - t2) / (t3 - t2) * p3
    b1 = (t2 - u) / t2 * a1 + u / t2 * a2
    b2 = (t3 - u) / (t3 - t1) * a2 + (u - t1) / (t3 - t1) * a3
    out: FloatArray = (t2 - u) / (t2 - t1) * b1 + (u - t1) / (t2 - t1) * b2
    return out


def _polylines(
    a: FloatArray, b: FloatArray, spacing: FloatArray, bump: FloatArray
) -> tuple[IntArray, FloatArray]:
    """Interior points of gently curved lines from ``a`` to ``b`` (one line per row).

    Returns the CSR pointer and the interior points (ends excluded), about
    ``spacing`` apart, bent sideways by ``bump * sin(pi u)``.
    """
    d = b - a
    length = np.hypot(d[:, 0], d[:, 1])
    k = np.maximum(np.ceil(length / spacing).astype(np.int64), 1)
    ptr = _ptr(k - 1)
    line = np.repeat(np.arange(len(a)), k - 1)
    j = np.arange(len(line)) - ptr[line] + 1
    u = j / k[line]
    perp = np.column_stack([-d[:, 1], d[:, 0]]) / np.maximum(length, 1e-9)[:, None]
    pts = a[line] + d[line] * u[:, None] + perp[line] * (bump[line] * np.sin(np.pi * u))[:, None]
    return ptr, pts


# --------------------------------------------------------------------------------------
# step 1: frame and drainage tree
# --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Frame:
    x0: float
    y0: float
    side: float
    n: int

    @property
    def g(self) -> float:
        return self.side / self.n

    @property
    def cell_km2(self) -> float:
        return (self.g / 1000.0) ** 2


def _frame(size: float) -> _Frame:
    side = max(10, round(_SIDE_M_PER_SQRT_SIZE * math.sqrt(size) / _SNAP_M)) * _SNAP_M
    to_utm = Transformer.from_crs("EPSG:4326", SAMPLE_CRS, always_xy=True)
    cx, cy = to_utm.transform(*_CENTRE_LONLAT)
    x0 = round((cx - side / 2) / _SNAP_M) * _SNAP_M
    y0 = round((cy - side / 2) / _SNAP_M) * _SNAP_M
    return _Frame(x0=float(x0), y0=float(y0), side=float(side), n=max(5, round(side / _COARSE_M)))


@dataclass
class _Tree:
    xy: FloatArray
    parent: IntArray
    root: int
    levels: list[IntArray]
    area: IntArray  # upstream cells, self included
    chain_of: IntArray
    pos: IntArray  # index of the node in its chain's vertex list
    cv_ptr: IntArray  # chain vertex lists: tributary [mouth, head, ...]; main [root, ...]
    cv_node: IntArray
    spare_pairs: IntArray  # grid neighbours not joined by the tree (for passes)

    @property
    def n_chains(self) -> int:
        return len(self.cv_ptr) - 1


def _build_tree(frame: _Frame, rng: np.random.Generator) -> _Tree:
    n, g = frame.n, frame.g
    count = n * n
    ii, jj = np.divmod(np.arange(count, dtype=np.int64), n)
    jitter = rng.uniform(-0.22, 0.22, size=(count, 2))
    xy = np.column_stack(
        [frame.x0 + (jj + 0.5 + jitter[:, 0]) * g, frame.y0 + (ii + 0.5 + jitter[:, 1]) * g]
    )
    noise = gaussian_filter(rng.standard_normal((n, n)), sigma=2.5, mode="reflect").ravel()
    noise = noise / max(float(noise.std()), 1e-9)
    theta = rng.uniform(0.0, 2.0 * np.pi)
    cx, cy = frame.x0 + frame.side / 2, frame.y0 + frame.side / 2
    along = ((xy[:, 0] - cx) * np.cos(theta) + (xy[:, 1] - cy) * np.sin(theta)) / frame.side
    across = (-(xy[:, 0] - cx) * np.sin(theta) + (xy[:, 1] - cy) * np.cos(theta)) / frame.side
    height = 0.8 * noise + 3.0 * along + 8.0 * across**2

    k = np.arange(count, dtype=np.int64).reshape(n, n)
    flip = rng.random((n - 1, n - 1)) < 0.5  # one diagonal per square keeps rivers planar
    eu = np.concatenate(
        [
            k[:, :-1].ravel(),
            k[:-1, :].ravel(),
            np.where(flip, k[:-1, :-1], k[:-1, 1:]).ravel(),
        ]
    )
    ev = np.concatenate(
        [
            k[:, 1:].ravel(),
            k[1:, :].ravel(),
            np.where(flip, k[1:, 1:], k[1:, :-1]).ravel(),
        ]
    )
    weight = np.maximum(height[eu], height[ev]) - height.min() + 1.0 + 1e-3 * rng.random(len(eu))
    graph = coo_array((weight, (eu, ev)), shape=(count, count)).tocsr()
    mst = minimum_spanning_tree(graph)
    border = (ii == 0) | (ii == n - 1) | (jj == 0) | (jj == n - 1)
    border_nodes = np.flatnonzero(border)
    root = int(border_nodes[np.argmin(height[border_nodes])])
    order, pred = breadth_first_order(mst, root, directed=False, return_predecessors=True)
    order = order.astype(np.int64)
    parent = pred.astype(np.int64)
    parent[root] = -1

    depth = np.zeros(count, dtype=np.int64)
    # BFS order lists nodes level by level: find the level boundaries by walking it once
    for v in order[1:]:
        depth[v] = depth[parent[v]] + 1
    bounds = np.flatnonzero(np.diff(depth[order])) + 1
    levels = [lvl for lvl in np.split(order, bounds)]

    area = np.ones(count, dtype=np.int64)
    for lvl in reversed(levels[1:]):
        np.add.at(area, parent[lvl], area[lvl])

    nonroot = order[1:]
    srt = nonroot[np.lexsort((nonroot, -area[nonroot], parent[nonroot]))]
    sp = parent[srt]
    first = np.r_[True, sp[1:] != sp[:-1]]
    main_child = np.full(count, -1, dtype=np.int64)
    main_child[sp[first]] = srt[first]
    is_main = np.zeros(count, dtype=bool)
    is_main[nonroot] = main_child[parent[nonroot]] == nonroot

    heads = order[~is_main[order]]  # root first, then tributary heads in BFS order
    head_id = np.full(count, -1, dtype=np.int64)
    head_id[heads] = np.arange(len(heads))
    chain_of = np.zeros(count, dtype=np.int64)
    pos = np.zeros(count, dtype=np.int64)
    for lvl in levels[1:]:
        p = parent[lvl]
        m = is_main[lvl]
        chain_of[lvl] = np.where(m, chain_of[p], head_id[lvl])
        pos[lvl] = np.where(m, pos[p] + 1, 1)
    n_chains = len(heads)
    members = np.bincount(chain_of, minlength=n_chains)
    vcount = members + (np.arange(n_chains) > 0)  # tributaries start at their mouth
    cv_ptr = _ptr(vcount)
    cv_node = np.empty(int(cv_ptr[-1]), dtype=np.int64)
    cv_node[cv_ptr[chain_of] + pos] = np.arange(count)
    cv_node[cv_ptr[1:-1]] = parent[heads[1:]]

    tu, tv = mst.nonzero()
    tree_key = np.minimum(tu, tv).astype(np.int64) * count + np.maximum(tu, tv)
    grid_key = np.minimum(eu, ev) * count + np.maximum(eu, ev)
    spare = ~np.isin(grid_key, tree_key)
    return _Tree(
        xy=xy,
        parent=parent,
        root=root,
        levels=levels,
        area=area,
        chain_of=chain_of,
        pos=pos,
        cv_ptr=cv_ptr,
        cv_node=cv_node,
        spare_pairs=np.column_stack([eu[spare], ev[spare]]),
    )


# --------------------------------------------------------------------------------------
# step 2: communities and the road class each valley edge needs
# --------------------------------------------------------------------------------------

_TOWN, _VILLAGE, _HAMLET = 0, 1, 2
_CATEGORY = ("town", "village", "hamlet")


@dataclass
class _Communities:
    node: IntArray  # valley node (segment node -> parent); -1 for off-network hamlets
    category: IntArray
    population: IntArray
    demand: IntArray  # road class needed (0 for off-network)
    capital: int  # index of the province capital
    is_district_capital: BoolArray
    names: list[str] = field(default_factory=list)
    xy: FloatArray = field(default_factory=lambda: np.zeros((0, 2)))
    district: IntArray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))
    fine: IntArray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))


def _choose_towns(
    tree: _Tree, frame: _Frame, n_towns: int, rng: np.random.Generator
) -> tuple[int, IntArray]:
    main = tree.cv_node[tree.cv_ptr[0] : tree.cv_ptr[1]]
    at = int(np.clip(round(len(main) * rng.uniform(0.3, 0.5)), 1, len(main) - 1))
    capital = int(main[at])
    count = len(tree.parent)
    ii, jj = np.divmod(np.arange(count), frame.n)
    inner = (ii > 0) & (ii < frame.n - 1) & (jj > 0) & (jj < frame.n - 1)
    cand = np.flatnonzero(inner & (tree.area >= 6) & (np.arange(count) != capital))
    score = np.log(tree.area[cand]) + rng.gumbel(size=len(cand))
    cand = cand[np.argsort(-score, kind="stable")]
    chosen = [capital]
    spacing = 0.6 * frame.side / math.sqrt(max(n_towns, 1))
    while len(chosen) < n_towns and spacing > frame.g:
        for c in cand:
            if len(chosen) >= n_towns:
                break
            d = np.hypot(*(tree.xy[chosen] - tree.xy[c]).T)
            if d.min() >= spacing:
                chosen.append(int(c))
        spacing *= 0.8
    return capital, np.array(chosen[1:], dtype=np.int64)


def _place_communities(
    tree: _Tree, frame: _Frame, size: float, rng: np.random.Generator
) -> _Communities:
    count = len(tree.parent)
    n_districts = max(1, round(6 * size))
    capital_node, towns = _choose_towns(tree, frame, n_districts, rng)
    town_nodes = np.r_[capital_node, towns]
    n_total = max(round(330 * size), len(town_nodes) + 3)
    n_other = n_total - len(town_nodes)
    free = np.ones(count, dtype=bool)
    free[town_nodes] = False
    free[tree.root] = False
    n_vill = round(0.28 * n_other)
    vill_cand = np.flatnonzero(free & (tree.area >= _A_VALLEY))
    n_vill = min(n_vill, len(vill_cand))
    w = tree.area[vill_cand] ** 0.3
    villages = np.sort(rng.choice(vill_cand, size=n_vill, replace=False, p=w / w.sum()))
    free[villages] = False
    haml_cand = np.flatnonzero(free)
    n_haml = min(n_other - n_vill, len(haml_cand))
    hamlets = np.sort(rng.choice(haml_cand, size=n_haml, replace=False))

    pop_capital = np.exp(rng.uniform(math.log(8000), math.log(15000), 1))
    pop_towns = np.exp(rng.uniform(math.log(2000), math.log(6000), len(towns)))
    pop_vill = np.clip(rng.lognormal(math.log(600), 0.45, n_vill), 300, 1999)
    pop_haml = np.clip(rng.lognormal(math.log(90), 0.7, n_haml), 20, 299)
    population = np.round(np.concatenate([pop_capital, pop_towns, pop_vill, pop_haml])).astype(
        np.int64
    )
    category = np.r_[
        np.full(len(town_nodes), _TOWN), np.full(n_vill, _VILLAGE), np.full(n_haml, _HAMLET)
    ].astype(np.int64)
    u = rng.random(len(population))
    demand = np.select(
        [
            category == _TOWN,
            (category == _VILLAGE) & ((population >= 800) | (u < 0.25)),
            category == _VILLAGE,
            (category == _HAMLET) & (population >= 150) & (u < 0.7),
            (category == _HAMLET) & (population < 150) & (u < 0.25),
        ],
        [_SEC, _TERT, _UNCL, _TRACK, _TRACK],
        default=_PATH,
    ).astype(np.int64)
    is_dc = np.zeros(len(population), dtype=bool)
    is_dc[: len(town_nodes)] = True
    return _Communities(
        node=np.r_[town_nodes, villages, hamlets].astype(np.int64),
        category=category,
        population=population,
        demand=demand,
        capital=0,
        is_district_capital=is_dc,
    )


def _edge_classes(tree: _Tree, comm: _Communities) -> tuple[IntArray, IntArray]:
    """Road class of every valley edge (node -> parent) and the community it leads to."""
    count = len(tree.parent)
    cls = np.zeros(count, dtype=np.int64)
    on = comm.node >= 0
    np.maximum.at(cls, comm.node[on], comm.demand[on])
    # leader: the community with the best (class, population) upstream; names the road
    key = np.full(count, -1, dtype=np.int64)
    ckey = comm.demand * 10_000_000 + comm.population * 100 + (99 - np.arange(len(comm.node)) % 100)
    np.maximum.at(key, comm.node[on], ckey[on])
    for lvl in reversed(tree.levels[1:]):
        np.maximum.at(cls, tree.parent[lvl], cls[lvl])
        np.maximum.at(key, tree.parent[lvl], key[lvl])
    main = tree.cv_node[tree.cv_ptr[0] + 1 : tree.cv_ptr[1]]
    cls[main] = _TRUNK
    cls[tree.root] = _TRUNK
    lookup: dict[int, int] = {}
    for i in range(len(ckey) - 1, -1, -1):
        if on[i]:
            lookup[int(ckey[i])] = i
    leader = np.array([lookup.get(int(k), -1) for k in key], dtype=np.int64)
    return cls, leader


# --------------------------------------------------------------------------------------
# step 3: fine geometry of valleys, rivers and valley roads
# --------------------------------------------------------------------------------------


@dataclass
class _Fine:
    xy: FloatArray  # base line (valley axis)
    normal: FloatArray
    s: FloatArray  # arc length from the chain start
    chain: IntArray
    seg_node: IntArray  # node of the segment starting here (last point: last segment's)
    j: IntArray  # sample index within its segment (end point: k)
    t: FloatArray
    ptr: IntArray  # per chain
    cf: IntArray  # fine index of each chain vertex (-1 beyond the computed prefix)
    meander: FloatArray
    offset: FloatArray  # road offset vector (before blending at the mouth)
    delta: FloatArray  # per chain: road distance from the river


def _fine_geometry(
    tree: _Tree, frame: _Frame, k_max: IntArray, cls: IntArray, node_u: FloatArray
) -> _Fine:
    chains = np.flatnonzero(k_max > 0)
    vcount = np.diff(tree.cv_ptr)
    seg_chain = np.repeat(chains, k_max[chains])
    seg_i = _ranges(np.zeros(len(chains), dtype=np.int64), k_max[chains])
    base = tree.cv_ptr[seg_chain] + seg_i
    p1 = tree.xy[tree.cv_node[base]]
    p2 = tree.xy[tree.cv_node[base + 1]]
    has_prev = seg_i > 0
    p0 = np.where(has_prev[:, None], tree.xy[tree.cv_node[np.maximum(base - 1, 0)]], 2 * p1 - p2)
    has_next = seg_i + 2 < vcount[seg_chain]
    nxt = np.minimum(base + 2, len(tree.cv_node) - 1)
    p3 = np.where(has_next[:, None], tree.xy[tree.cv_node[nxt]], 2 * p2 - p1)
    seg_node = tree.cv_node[base + 1]
    chord = np.hypot(*(p2 - p1).T)
    k = np.maximum(np.ceil(chord / _SPACING_M[cls[seg_node]]).astype(np.int64), 1)

    # fine index layout: per chain, the samples of its segments then one end point
    per_chain = np.zeros(tree.n_chains, dtype=np.int64)
    np.add.at(per_chain, seg_chain, k)
    per_chain[chains] += 1
    ptr = _ptr(per_chain)
    seg_ptr = _ptr(k)
    first_seg = np.searchsorted(seg_chain, chains)  # first segment of each used chain
    chain_seg0 = np.zeros(tree.n_chains, dtype=np.int64)
    chain_seg0[chains] = seg_ptr[first_seg]
    seg_fine0 = ptr[seg_chain] + seg_ptr[:-1] - chain_seg0[seg_chain]
    total = int(ptr[-1])

    rep = np.repeat(np.arange(len(k)), k)
    j = np.arange(len(rep)) - seg_ptr[rep]
    t = j / k[rep]
    fidx = seg_fine0[rep] + j
    xy = np.empty((total, 2))
    xy[fidx] = _catmull_rom(p0[rep], p1[rep], p2[rep], p3[rep], t)
    # tangents: finite differences inside segments; at chain vertices the chord between
    # the chain neighbours (the same whichever segment the vertex ends or starts)
    eps = 1e-3
    ta = _catmull_rom(p0[rep], p1[rep], p2[rep], p3[rep], np.maximum(t - eps, 0.0))
    tb = _catmull_rom(p0[rep], p1[rep], p2[rep], p3[rep], np.minimum(t + eps, 1.0))
    tangent = np.empty((total, 2))
    tangent[fidx] = tb - ta
    at_vertex = j == 0
    tangent[fidx[at_vertex]] = (p2 - p0)[rep[at_vertex]]
    chain_idx = np.searchsorted(chains, seg_chain)
    last_seg = np.r_[first_seg[1:] - 1, len(k) - 1]
    end_f = ptr[chains + 1] - 1
    xy[end_f] = p2[last_seg]
    tangent[end_f] = p3[last_seg] - p1[last_seg]

    chain = np.repeat(np.arange(tree.n_chains), per_chain)
    seg_node_f = np.empty(total, dtype=np.int64)
    seg_node_f[fidx] = seg_node[rep]
    seg_node_f[end_f] = seg_node[last_seg]
    jf = np.empty(total, dtype=np.int64)
    jf[fidx] = j
    jf[end_f] = k[last_seg]
    tf = np.empty(total)
    tf[fidx] = t
    tf[end_f] = 1.0

    tn = np.hypot(tangent[:, 0], tangent[:, 1])
    normal = np.column_stack([-tangent[:, 1], tangent[:, 0]]) / np.maximum(tn, 1e-9)[:, None]
    step = np.r_[0.0, np.hypot(*np.diff(xy, axis=0).T)]
    starts = ptr[chains]
    step[starts] = 0.0
    cs = np.cumsum(step)
    s = cs - cs[ptr[chain]]

    cf = np.full(len(tree.cv_node), -1, dtype=np.int64)
    cf[base] = seg_fine0
    cf[tree.cv_ptr[chains] + k_max[chains]] = end_f

    # road offsets: one bank per stretch, switching at some segment midpoints
    first_member = tree.cv_node[tree.cv_ptr[:-1] + 1]
    delta = 35.0 + 15.0 * np.log10(1.0 + tree.area[first_member] * frame.cell_km2)
    head_node = np.where(np.arange(tree.n_chains) == 0, tree.root, first_member)
    start_side = np.where(node_u[head_node, 0] < 0.5, -1.0, 1.0)
    switch = node_u[seg_node, 1] < _SWITCH_BANK_P[cls[seg_node]]
    sw = switch.astype(np.int64)
    before = np.cumsum(sw) - sw
    before = before - before[first_seg][chain_idx]
    side_a = start_side[seg_chain] * np.where(before % 2 == 0, 1.0, -1.0)
    side_b = np.where(switch, -side_a, side_a)
    is_last = seg_i + 1 == k_max[seg_chain]
    seg_end_f = np.where(is_last, end_f[chain_idx], np.r_[seg_fine0[1:], 0])
    seg_len = s[seg_end_f] - s[seg_fine0]
    ramp = np.minimum(150.0, seg_len / 4.0)
    s_loc = s[fidx] - s[seg_fine0[rep]]
    r = _smoothstep((s_loc - (seg_len[rep] / 2 - ramp[rep])) / np.maximum(2 * ramp[rep], 1e-9))
    side = np.empty(total)
    side[fidx] = side_a[rep] + (side_b[rep] - side_a[rep]) * r
    side[end_f] = side_b[last_seg]
    offset = normal * (delta[chain] * side)[:, None]
    meander = 0.3 * delta[chain] * (2.0 * node_u[seg_node_f, 2] - 1.0) * np.sin(np.pi * tf)
    return _Fine(
        xy=xy,
        normal=normal,
        s=s,
        chain=chain,
        seg_node=seg_node_f,
        j=jf,
        t=tf,
        ptr=ptr,
        cf=cf,
        meander=meander,
        offset=offset,
        delta=delta,
    )


# --------------------------------------------------------------------------------------
# step 4: road lines (valley roads, spurs, town streets, trunk ends, passes)
# --------------------------------------------------------------------------------------

_STREET_NAMES = (
    "Jr. Bolognesi", "Jr. Grau", "Jr. Libertad", "Jr. Comercio", "Av. Los Incas",
    "Jr. Unión", "Jr. Sucre", "Jr. Amazonas", "Jr. Progreso", "Av. Centenario",
)  # fmt: skip
_REF_NONE, _REF_TRUNK, _REF_STREET0 = -1, -2, -10  # street k has ref -10 - k


@dataclass
class _Lines:
    """Polylines over a shared vertex table.

    Per-position attributes describe the segment that starts at that position
    (the last position of a line has none).
    """

    ptr: IntArray
    idx: IntArray
    cls: IntArray
    ref: IntArray

    @classmethod
    def concat(cls, parts: list[_Lines]) -> _Lines:
        counts = np.concatenate([np.diff(p.ptr) for p in parts])
        return cls(
            ptr=_ptr(counts),
            idx=np.concatenate([p.idx for p in parts]),
            cls=np.concatenate([p.cls for p in parts]),
            ref=np.concatenate([p.ref for p in parts]),
        )

    @classmethod
    def simple(
        cls,
        start: IntArray,
        interior_ptr: IntArray,
        interior: IntArray,
        end: IntArray,
        line_cls: IntArray,
        line_ref: IntArray,
    ) -> _Lines:
        """Lines ``start, interior..., end`` with one class and name per line."""
        n_int = np.diff(interior_ptr)
        counts = n_int + 2
        ptr = _ptr(counts)
        idx = np.empty(int(ptr[-1]), dtype=np.int64)
        idx[ptr[:-1]] = start
        idx[ptr[1:] - 1] = end
        line = np.repeat(np.arange(len(start)), n_int)
        idx[ptr[line] + 1 + np.arange(len(line)) - interior_ptr[line]] = interior
        return cls(
            ptr=ptr,
            idx=idx,
            cls=np.repeat(line_cls, counts),
            ref=np.repeat(line_ref, counts),
        )


@dataclass
class _Roads:
    xy: list[FloatArray]
    parts: list[_Lines]

    @property
    def n(self) -> int:
        return sum(len(a) for a in self.xy)

    def add_vertices(self, pts: FloatArray) -> IntArray:
        first = self.n
        self.xy.append(np.asarray(pts, dtype=np.float64).reshape(-1, 2))
        return np.arange(first, first + len(pts), dtype=np.int64)

    def table(self) -> FloatArray:
        return np.concatenate(self.xy) if self.xy else np.zeros((0, 2))


def _valley_roads(
    tree: _Tree, fine: _Fine, cls: IntArray, leader: IntArray, roads: _Roads
) -> tuple[IntArray, FloatArray, IntArray]:
    """Lay the roads along the valleys.

    Returns the road vertex of each fine point (-1 if none), the road offset
    used at each fine point, and the number of road segments per chain.
    """
    is_member = tree.pos > 0
    road_seg = np.bincount(
        tree.chain_of[is_member], weights=(cls[is_member] >= 1), minlength=tree.n_chains
    ).astype(np.int64)
    rc = np.flatnonzero(road_seg > 0)
    f_start = fine.ptr[rc]
    f_end = fine.cf[tree.cv_ptr[rc] + road_seg[rc]]
    cnt = f_end - f_start + 1
    fidx = _ranges(f_start, cnt)
    line = np.repeat(np.arange(len(rc)), cnt)
    first = np.zeros(len(fidx), dtype=bool)
    first[_ptr(cnt)[:-1]] = True
    trib_first = first & (rc[line] != 0)
    own = ~trib_first

    # where a tributary road leaves its parent road: the parent's vertex at the mouth
    trib = rc[rc != 0]
    mouth = tree.cv_node[tree.cv_ptr[trib]]
    jf = np.full(tree.n_chains, -1, dtype=np.int64)
    jf[trib] = fine.cf[tree.cv_ptr[tree.chain_of[mouth]] + tree.pos[mouth]]

    offset = fine.offset.copy()
    first_len = np.zeros(tree.n_chains)
    first_len[rc] = fine.s[fine.cf[tree.cv_ptr[rc] + 1]]
    blend_len = np.minimum(250.0, 0.4 * first_len)
    c_of = rc[line]
    near = (c_of != 0) & (fine.s[fidx] < blend_len[c_of])
    fn = fidx[near]
    w = _smoothstep(1.0 - fine.s[fn] / np.maximum(blend_len[c_of[near]], 1e-9))
    offset[fn] = w[:, None] * fine.offset[jf[c_of[near]]] + (1.0 - w[:, None]) * fine.offset[fn]

    road_of_fine = np.full(len(fine.s), -1, dtype=np.int64)
    road_of_fine[fidx[own]] = roads.add_vertices(fine.xy[fidx[own]] + offset[fidx[own]])
    road_of_fine[fine.ptr[trib]] = road_of_fine[jf[trib]]
    seg_cls = cls[fine.seg_node[fidx]]
    ref = np.where(seg_cls == _TRUNK, _REF_TRUNK, leader[fine.seg_node[fidx]])
    roads.parts.append(_Lines(ptr=_ptr(cnt), idx=road_of_fine[fidx], cls=seg_cls, ref=ref))
    return road_of_fine, offset, road_seg


def _locate_communities(
    tree: _Tree,
    frame: _Frame,
    fine: _Fine,
    comm: _Communities,
    offset: FloatArray,
    rng: np.random.Generator,
) -> None:
    """Put each community beside its valley segment.

    Towns go just past the road, villages on floors and lower slopes, hamlets
    on floors and slopes.
    """
    node = comm.node
    c = tree.chain_of[node]
    a = fine.cf[tree.cv_ptr[c] + tree.pos[node] - 1]
    b = fine.cf[tree.cv_ptr[c] + tree.pos[node]]
    f = a + np.round(rng.uniform(0.2, 0.8, len(node)) * (b - a)).astype(np.int64)
    road_side = np.sign(np.einsum("ij,ij->i", offset[f], fine.normal[f]))
    road_side = np.where(road_side == 0, 1.0, road_side)
    u = rng.random((len(node), 3))
    delta = fine.delta[c]
    town = comm.category == _TOWN
    village = comm.category == _VILLAGE
    same_bank = town | (village & (u[:, 0] < 0.75)) | (~town & ~village & (u[:, 0] < 0.5))
    side = np.where(same_bank, road_side, -road_side)
    dist = np.select(
        [town, village & same_bank, village],
        [delta + 80 + 120 * u[:, 1], delta + 100 + 500 * u[:, 1], 150 + 450 * u[:, 1]],
        default=150 + 1050 * u[:, 1],
    )
    xy = fine.xy[f] + fine.normal[f] * (side * dist)[:, None]
    lo = np.array([frame.x0, frame.y0]) + 300.0
    comm.xy = np.clip(xy, lo, lo + frame.side - 600.0)
    comm.fine = f


def _spurs(
    comm: _Communities, road_of_fine: IntArray, roads: _Roads, rng: np.random.Generator
) -> None:
    """Add a road of the community's class from the valley road to each village and hamlet."""
    sel = np.flatnonzero(comm.category != _TOWN)
    start = road_of_fine[comm.fine[sel]]
    table = roads.table()
    a = table[start]
    target = comm.xy[sel]
    d = target - a
    length = np.maximum(np.hypot(d[:, 0], d[:, 1]), 1e-9)
    b = target - d / length[:, None] * np.minimum(20.0, 0.2 * length)[:, None]
    bump = rng.uniform(-1, 1, len(sel)) * np.minimum(0.12 * length, 60.0)
    spacing = _SPACING_M[comm.demand[sel]]
    iptr, pts = _polylines(a, b, spacing, bump)
    interior = roads.add_vertices(pts)
    end = roads.add_vertices(b)
    roads.parts.append(
        _Lines.simple(start, iptr, interior, end, comm.demand[sel], sel.astype(np.int64))
    )


def _town_streets(
    tree: _Tree,
    fine: _Fine,
    comm: _Communities,
    road_of_fine: IntArray,
    road_seg: IntArray,
    roads: _Roads,
    rng: np.random.Generator,
) -> None:
    """Add a small grid of streets in each town.

    Streets leave the main road on the town side, and a back street joins
    their ends.
    """
    table = roads.table()
    starts: list[int] = []
    ends: list[FloatArray] = []
    backs: list[tuple[int, int]] = []  # (first, count) into ends
    for i in np.flatnonzero(comm.category == _TOWN):
        f = int(comm.fine[i])
        c = int(fine.chain[f])
        lo = int(fine.ptr[c])
        hi = int(fine.cf[tree.cv_ptr[c] + road_seg[c]])
        half = 2 if i == comm.capital else 1
        fs = sorted({min(max(f + 2 * k, lo), hi) for k in range(-half, half + 1)})
        r0 = table[road_of_fine[f]]
        d = comm.xy[i] - r0
        dist = float(np.hypot(*d))
        u = d / max(dist, 1e-9)
        length = dist + (200.0 if i == comm.capital else 120.0) + 40.0 * rng.random()
        first = len(ends)
        for fk in fs:
            starts.append(int(road_of_fine[fk]))
            ends.append(table[road_of_fine[fk]] + u * length)
        backs.append((first, len(fs)))
    if not starts:
        return
    start = np.array(starts, dtype=np.int64)
    end_xy = np.array(ends)
    end = roads.add_vertices(end_xy)
    n = len(start)
    names = rng.integers(0, len(_STREET_NAMES), n + len(backs))
    iptr, pts = _polylines(table[start], end_xy, np.full(n, _SPACING_M[_RESID]), np.zeros(n))
    roads.parts.append(
        _Lines.simple(
            start,
            iptr,
            roads.add_vertices(pts),
            end,
            np.full(n, _RESID),
            _REF_STREET0 - names[:n],
        )
    )
    b_start = np.array([end[f + k] for f, m in backs for k in range(m - 1)], dtype=np.int64)
    b_end = np.array([end[f + k + 1] for f, m in backs for k in range(m - 1)], dtype=np.int64)
    if len(b_start):
        all_xy = roads.table()
        m = len(b_start)
        iptr, pts = _polylines(all_xy[b_start], all_xy[b_end], np.full(m, 60.0), np.zeros(m))
        back_name = np.repeat(names[n:], [mm - 1 for _, mm in backs])
        roads.parts.append(
            _Lines.simple(
                b_start,
                iptr,
                roads.add_vertices(pts),
                b_end,
                np.full(m, _RESID),
                _REF_STREET0 - back_name,
            )
        )


def _trunk_ends(
    frame: _Frame,
    tree: _Tree,
    fine: _Fine,
    road_of_fine: IntArray,
    roads: _Roads,
    rng: np.random.Generator,
) -> None:
    """Continue the trunk road from both ends of the main valley to the border."""
    table = roads.table()
    main_end = int(fine.cf[tree.cv_ptr[1] - 1])
    ends = np.array([road_of_fine[fine.ptr[0]], road_of_fine[main_end]], dtype=np.int64)
    a = table[ends]
    inset = 250.0
    lo = np.array([frame.x0 + inset, frame.y0 + inset])
    hi = lo + frame.side - 2 * inset
    cand = np.stack(
        [
            np.column_stack([np.full(2, lo[0]), a[:, 1]]),
            np.column_stack([np.full(2, hi[0]), a[:, 1]]),
            np.column_stack([a[:, 0], np.full(2, lo[1])]),
            np.column_stack([a[:, 0], np.full(2, hi[1])]),
        ],
        axis=1,
    )
    dist = np.hypot(cand[..., 0] - a[:, None, 0], cand[..., 1] - a[:, None, 1])
    b = np.clip(cand[np.arange(2), dist.argmin(axis=1)], lo, hi)
    length = np.hypot(*(b - a).T)
    keep = length > 300.0
    if not keep.any():
        return
    a, b, ends, length = a[keep], b[keep], ends[keep], length[keep]
    bump = rng.uniform(-0.08, 0.08, len(a)) * length
    iptr, pts = _polylines(a, b, np.full(len(a), _SPACING_M[_TRUNK]), bump)
    roads.parts.append(
        _Lines.simple(
            ends,
            iptr,
            roads.add_vertices(pts),
            roads.add_vertices(b),
            np.full(len(a), _TRUNK),
            np.full(len(a), _REF_TRUNK),
        )
    )


def _passes(
    tree: _Tree,
    fine: _Fine,
    cls: IntArray,
    road_of_fine: IntArray,
    roads: _Roads,
    size: float,
    rng: np.random.Generator,
) -> None:
    """Add a few tracks and mule paths over the ridges between neighbouring valleys (loops)."""
    mouth_chain = np.zeros(tree.n_chains, dtype=np.int64)
    mouth_chain[1:] = tree.chain_of[tree.cv_node[tree.cv_ptr[1:-1]]]
    top = np.arange(tree.n_chains)
    while True:
        up = mouth_chain[top]
        move = up != 0
        if not move.any():
            break
        top = np.where(move, up, top)
    basin = top[tree.chain_of]
    u, v = tree.spare_pairs[:, 0], tree.spare_pairs[:, 1]
    served = (cls[u] >= 1) & (cls[v] >= 1) & (u != tree.root) & (v != tree.root)
    cand = np.flatnonzero(served & (basin[u] != basin[v]))
    n_track = min(round(3 * size), int(((cls[u[cand]] >= 2) & (cls[v[cand]] >= 2)).sum()))
    is_track_cand = (cls[u[cand]] >= 2) & (cls[v[cand]] >= 2)
    tracks = np.sort(rng.choice(cand[is_track_cand], size=n_track, replace=False))
    rest = np.setdiff1d(cand, tracks)
    used = np.zeros(len(tree.parent), dtype=bool)
    used[u[tracks]] = used[v[tracks]] = True
    rest = rest[~used[u[rest]] & ~used[v[rest]]]
    n_path = min(round(5 * size), len(rest))
    paths = np.sort(rng.choice(rest, size=n_path, replace=False))
    chosen = np.r_[tracks, paths].astype(np.int64)
    if not len(chosen):
        return
    pu, pv = u[chosen], v[chosen]

    def anchor(nodes: IntArray) -> IntArray:
        out: IntArray = road_of_fine[fine.cf[tree.cv_ptr[tree.chain_of[nodes]] + tree.pos[nodes]]]
        return out

    start, end = anchor(pu), anchor(pv)
    table = roads.table()
    a, b = table[start], table[end]
    line_cls = np.r_[np.full(len(tracks), _TRACK), np.full(len(paths), _PATH)]
    bump = rng.uniform(-0.1, 0.1, len(a)) * np.hypot(*(b - a).T)
    iptr, pts = _polylines(a, b, _SPACING_M[line_cls], bump)
    roads.parts.append(
        _Lines.simple(
            start,
            iptr,
            roads.add_vertices(pts),
            end,
            line_cls,
            np.full(len(a), _REF_NONE),
        )
    )


def _off_network_hamlets(
    tree: _Tree,
    frame: _Frame,
    cls: IntArray,
    comm: _Communities,
    road_xy: FloatArray,
    size: float,
    rng: np.random.Generator,
) -> None:
    """Add a handful of hamlets more than 2 km from any road or path, on purpose."""
    want = max(1, round(3 * size))
    cand = np.flatnonzero((cls == 0) & (tree.area >= 2))
    if not len(cand):
        cand = np.flatnonzero(cls == 0)
    pts = tree.xy[cand] + rng.uniform(-250, 250, (len(cand), 2))
    inside = np.all(
        (pts > [frame.x0 + 500, frame.y0 + 500])
        & (pts < [frame.x0 + frame.side - 500, frame.y0 + frame.side - 500]),
        axis=1,
    )
    dist, _ = cKDTree(road_xy).query(pts)
    ok = np.flatnonzero(inside & (dist > 2300.0))
    pick = np.sort(rng.choice(ok, size=min(want, len(ok)), replace=False))
    chosen: list[int] = []
    for p in pick:  # keep them apart from each other
        if all(np.hypot(*(pts[p] - pts[q])) > 1500 for q in chosen):
            chosen.append(int(p))
    k = len(chosen)
    if not k:
        return
    pop = np.round(np.clip(rng.lognormal(math.log(60), 0.5, k), 20, 200)).astype(np.int64)
    comm.node = np.r_[comm.node, np.full(k, -1)]
    comm.category = np.r_[comm.category, np.full(k, _HAMLET)]
    comm.population = np.r_[comm.population, pop]
    comm.demand = np.r_[comm.demand, np.zeros(k, dtype=np.int64)]
    comm.is_district_capital = np.r_[comm.is_district_capital, np.zeros(k, dtype=bool)]
    comm.xy = np.vstack([comm.xy, pts[chosen]])
    comm.fine = np.r_[comm.fine, np.full(k, -1)]


# --------------------------------------------------------------------------------------
# step 5: rivers
# --------------------------------------------------------------------------------------

_RIVER, _STREAM = 0, 1


@dataclass
class _Rivers:
    xy: FloatArray
    lines: _Lines  # cls holds _RIVER/_STREAM, ref holds the chain (for its name)
    width_m: FloatArray  # per line


def _rivers(tree: _Tree, fine: _Fine, frame: _Frame) -> _Rivers:
    is_member = tree.pos > 0
    ch = tree.chain_of[is_member]
    nseg = np.bincount(ch, weights=tree.area[is_member] >= _A_STREAM, minlength=tree.n_chains)
    nriv = np.bincount(ch, weights=tree.area[is_member] >= _A_RIVER, minlength=tree.n_chains)
    nseg, nriv = nseg.astype(np.int64), nriv.astype(np.int64)
    rc = np.flatnonzero(nseg > 0)
    f_start = fine.ptr[rc]
    f_end = fine.cf[tree.cv_ptr[rc] + nseg[rc]]
    cnt = f_end - f_start + 1
    fidx = _ranges(f_start, cnt)
    line = np.repeat(np.arange(len(rc)), cnt)
    ptr = _ptr(cnt)
    keep = (fine.j[fidx] % 2 == 0) | (fidx == f_end[line])
    first = np.zeros(len(fidx), dtype=bool)
    first[ptr[:-1]] = True
    own = keep & ~(first & (rc[line] != 0))
    xy = fine.xy + fine.normal * fine.meander[:, None]
    river_of_fine = np.full(len(fine.s), -1, dtype=np.int64)
    river_of_fine[fidx[own]] = np.arange(int(own.sum()))
    trib = rc[rc != 0]
    mouth = tree.cv_node[tree.cv_ptr[trib]]
    jf = fine.cf[tree.cv_ptr[tree.chain_of[mouth]] + tree.pos[mouth]]
    river_of_fine[fine.ptr[trib]] = river_of_fine[jf]
    # split each chain's line where the river becomes a stream
    split_f = np.where(
        (nriv[rc] > 0) & (nriv[rc] < nseg[rc]), fine.cf[tree.cv_ptr[rc] + nriv[rc]], -1
    )
    kf = fidx[keep]
    kline = line[keep]
    parts_idx: list[IntArray] = []
    parts_kind: list[int] = []
    parts_chain: list[int] = []
    parts_area: list[int] = []
    kptr = _ptr(np.bincount(kline, minlength=len(rc)))
    for li, c in enumerate(rc):
        seq = kf[kptr[li] : kptr[li + 1]]
        verts = river_of_fine[seq]
        mouth_area = int(tree.area[tree.cv_node[tree.cv_ptr[c] + 1]])
        if split_f[li] >= 0:
            cut = int(np.searchsorted(seq, split_f[li]))
            split_area = int(tree.area[tree.cv_node[tree.cv_ptr[c] + nriv[c] + 1]])
            pieces = [(verts[: cut + 1], _RIVER, mouth_area), (verts[cut:], _STREAM, split_area)]
        else:
            kind = _RIVER if nriv[c] > 0 else _STREAM
            pieces = [(verts, kind, mouth_area)]
        for v, kind, area in pieces:
            if len(v) >= 2:
                parts_idx.append(v)
                parts_kind.append(kind)
                parts_chain.append(int(c))
                parts_area.append(area)
    counts = np.array([len(p) for p in parts_idx], dtype=np.int64)
    lptr = _ptr(counts)
    kind_arr = np.array(parts_kind, dtype=np.int64)
    area_km2 = np.array(parts_area, dtype=np.float64) * frame.cell_km2
    width = np.where(kind_arr == _RIVER, 8.0 + 6.0 * np.log10(area_km2), 3.0 + np.log10(area_km2))
    return _Rivers(
        xy=xy[fidx[own]],
        lines=_Lines(
            ptr=lptr,
            idx=np.concatenate(parts_idx) if parts_idx else np.zeros(0, dtype=np.int64),
            cls=np.repeat(kind_arr, counts),
            ref=np.repeat(np.array(parts_chain, dtype=np.int64), counts),
        ),
        width_m=width,
    )


# --------------------------------------------------------------------------------------
# step 6: river crossings, junctions where roads cross, OSM ways
# --------------------------------------------------------------------------------------


@dataclass
class _Ways:
    ptr: IntArray
    idx: IntArray  # road vertex indices
    cls: IntArray
    ref: IntArray
    structure: IntArray  # _NO_CROSSING, _FORD, _BRIDGE
    river: IntArray  # chain of the river a bridge spans (-1 otherwise)
    base: IntArray  # stretch of equal class and name the way belongs to (for tag draws)


def _linestrings(coords: FloatArray, counts: IntArray) -> NDArray[np.object_]:
    """LineStrings from consecutive runs of ``counts[i]`` rows of ``coords``, as an array."""
    indices = np.repeat(np.arange(len(counts)), counts)
    return np.asarray(shapely.linestrings(coords, indices=indices), dtype=object)


def _line_geoms(xy: FloatArray, lines: _Lines) -> NDArray[np.object_]:
    return _linestrings(xy[lines.idx], np.diff(lines.ptr))


def _arc_positions(xy: FloatArray, lines: _Lines) -> FloatArray:
    p = xy[lines.idx]
    step = np.r_[0.0, np.hypot(*np.diff(p, axis=0).T)]
    step[lines.ptr[:-1]] = 0.0
    cs = np.cumsum(step)
    counts = np.diff(lines.ptr)
    out: FloatArray = cs - np.repeat(cs[lines.ptr[:-1]], counts)
    return out


def _pieces(
    xy: FloatArray, lines: _Lines, s: FloatArray, max_seg: int = 8
) -> tuple[NDArray[np.object_], IntArray, FloatArray]:
    """Cut lines into pieces of at most ``max_seg`` segments.

    Returns the piece geometries, the line of each piece and the arc position
    of its start on that line.
    """
    nseg = np.diff(lines.ptr) - 1
    npc = np.maximum((nseg + max_seg - 1) // max_seg, 1)
    piece_line = np.repeat(np.arange(len(nseg)), npc)
    k = np.arange(len(piece_line)) - _ptr(npc)[piece_line]
    start = lines.ptr[piece_line] + k * max_seg
    end = np.minimum(start + max_seg, lines.ptr[piece_line + 1] - 1)
    npts = end - start + 1
    pos = _ranges(start, npts)
    return _linestrings(xy[lines.idx[pos]], npts), piece_line, s[start]


def _cross_table(table: dict[int, tuple[float, float]]) -> FloatArray:
    out = np.zeros((len(_HIGHWAY), 2))
    for k, v in table.items():
        out[k] = v
    return out


def _finish_roads(
    road_xy: FloatArray, lines: _Lines, rivers: _Rivers, rng: np.random.Generator
) -> tuple[FloatArray, _Ways, dict[str, int]]:
    """Turn road lines into OSM ways with their crossings.

    Finds river crossings (bridge, ford or nothing) and road-road crossings
    (a shared node), inserts their nodes, and cuts the lines into OSM ways.
    """
    n_lines = len(lines.ptr) - 1
    counts = np.diff(lines.ptr)
    line_of = np.repeat(np.arange(n_lines), counts)
    s = _arc_positions(road_xy, lines)
    length = s[lines.ptr[1:] - 1]
    line_key0 = np.r_[0.0, np.cumsum(length + 10.0)][:-1]  # lines end to end on one axis
    gkey = line_key0[line_of] + s
    # geometric queries on short pieces of lines (tight bounding boxes: much faster)
    geoms, g_line, g_s0 = _pieces(road_xy, lines, s)
    riv_s = _arc_positions(rivers.xy, rivers.lines)
    riv_geoms, r_line, _ = _pieces(rivers.xy, rivers.lines, riv_s)

    # river crossings
    li, ri = shapely.STRtree(riv_geoms).query(geoms, predicate="intersects")
    parts, pi = shapely.get_parts(shapely.intersection(geoms[li], riv_geoms[ri]), return_index=True)
    point = shapely.get_type_id(parts) == 0
    parts, pi = parts[point], pi[point]
    c_line, c_river = g_line[li[pi]], r_line[ri[pi]]
    c_s = g_s0[li[pi]] + shapely.line_locate_point(geoms[li[pi]], parts)
    order = np.lexsort((c_river, c_s, c_line))
    c_line, c_river, c_s = c_line[order], c_river[order], c_s[order]
    dup = np.r_[False, (np.diff(c_line) == 0) & (np.diff(c_river) == 0) & (np.diff(c_s) < 1e-6)]
    c_line, c_river, c_s = c_line[~dup], c_river[~dup], c_s[~dup]
    pos = np.searchsorted(gkey, line_key0[c_line] + c_s, side="right") - 1
    c_cls = lines.cls[pos]
    river_kind = rivers.lines.cls[rivers.lines.ptr[c_river]]
    probs = np.where(
        (river_kind == _RIVER)[:, None],
        _cross_table(_CROSS_RIVER)[c_cls],
        _cross_table(_CROSS_STREAM)[c_cls],
    )
    u = rng.random(len(c_s))
    structure = np.where(
        u < probs[:, 0], _BRIDGE, np.where(u < probs[:, 0] + probs[:, 1], _FORD, _NO_CROSSING)
    )
    width = rivers.width_m[c_river]
    half = np.where(structure == _BRIDGE, 0.75 * width + 4.0, 0.5 * width + 3.0)
    half = np.minimum(half, np.minimum(c_s, length[c_line] - c_s) - 0.5)
    structure = np.where(half >= 2.0, structure, _NO_CROSSING)
    has = structure != _NO_CROSSING
    ka = line_key0[c_line[has]] + c_s[has] - half[has]
    kb = line_key0[c_line[has]] + c_s[has] + half[has]
    kkind = structure[has]
    kriver = rivers.lines.ref[rivers.lines.ptr[c_river[has]]]
    o = np.argsort(ka, kind="stable")
    ka, kb, kkind, kriver = ka[o], kb[o], kkind[o], kriver[o]
    if len(ka):
        run_max = np.maximum.accumulate(kb)
        new_group = np.r_[True, ka[1:] > run_max[:-1]]
        starts = np.flatnonzero(new_group)
        ga, gb = ka[starts], np.maximum.reduceat(kb, starts)
        gkind = np.maximum.reduceat(kkind, starts)
        griver = kriver[starts]
    else:
        ga = gb = np.zeros(0)
        gkind = griver = np.zeros(0, dtype=np.int64)
    # unbridged: crossings left as they are and not inside a bridge or ford
    none_key = line_key0[c_line[~has]] + c_s[~has]
    g = np.searchsorted(ga, none_key, side="right") - 1
    n_unbridged = int((~((g >= 0) & (none_key < gb[np.maximum(g, 0)] if len(gb) else False))).sum())

    # interval ends: snap to a node within 2 m, else insert a node
    ends = np.r_[ga, gb]
    j = np.clip(np.searchsorted(gkey, ends), 1, len(gkey) - 1)
    near = np.where(np.abs(gkey[j] - ends) < np.abs(gkey[j - 1] - ends), j, j - 1)
    snap = np.abs(gkey[near] - ends) < 2.0
    ends = np.where(snap, gkey[near], ends)
    ga, gb = ends[: len(ga)], ends[len(ga) :]
    ins_key = ends[~snap]
    p = np.searchsorted(gkey, ins_key, side="right") - 1
    frac = (ins_key - gkey[p]) / np.maximum(gkey[p + 1] - gkey[p], 1e-12)
    a_xy, b_xy = road_xy[lines.idx[p]], road_xy[lines.idx[p + 1]]
    ins_xy = [a_xy + (b_xy - a_xy) * frac[:, None]]
    ins_line = [line_of[p]]
    ins_s = [ins_key - line_key0[line_of[p]]]
    n_new = len(ins_key)
    ins_v = [len(road_xy) + np.arange(n_new)]

    # road-road crossings become junctions (a node shared by both ways)
    ra, rb = shapely.STRtree(geoms).query(geoms, predicate="intersects")
    pair = g_line[ra] < g_line[rb]
    ra, rb = ra[pair], rb[pair]
    xparts, xpi = shapely.get_parts(shapely.intersection(geoms[ra], geoms[rb]), return_index=True)
    xpoint = shapely.get_type_id(xparts) == 0
    xparts, xpi = xparts[xpoint], xpi[xpoint]
    xy_x = shapely.get_coordinates(xparts)
    if len(xy_x):
        dist, _ = cKDTree(road_xy).query(xy_x)
        fresh = dist > 1e-6  # not an existing shared node
        xparts, xpi, xy_x = xparts[fresh], xpi[fresh], xy_x[fresh]
        pa, pb = ra[xpi], rb[xpi]
        la, lb = g_line[pa], g_line[pb]
        sa = g_s0[pa] + shapely.line_locate_point(geoms[pa], xparts)
        sb = g_s0[pb] + shapely.line_locate_point(geoms[pb], xparts)
        ok = (sa > 0.01) & (sa < length[la] - 0.01) & (sb > 0.01) & (sb < length[lb] - 0.01)
        la, lb, sa, sb, xy_x = la[ok], lb[ok], sa[ok], sb[ok], xy_x[ok]
        o = np.lexsort((sb, lb, sa, la))
        la, lb, sa, sb, xy_x = la[o], lb[o], sa[o], sb[o], xy_x[o]
        dup = np.r_[False, (np.diff(la) == 0) & (np.diff(lb) == 0) & (np.abs(np.diff(sa)) < 1e-6)]
        la, lb, sa, sb, xy_x = la[~dup], lb[~dup], sa[~dup], sb[~dup], xy_x[~dup]
        vx = len(road_xy) + n_new + np.arange(len(xy_x))
        ins_xy.append(xy_x)
        ins_line += [la, lb]
        ins_s += [sa, sb]
        ins_v += [vx, vx]
    n_junctions = len(ins_xy[-1]) if len(ins_xy) > 1 else 0
    road_xy = np.vstack([road_xy, *ins_xy])
    iline = np.concatenate(ins_line)
    ikey = line_key0[iline] + np.concatenate(ins_s)
    iv = np.concatenate(ins_v)

    # merge inserted nodes into the lines
    all_key = np.r_[gkey, ikey]
    is_orig = np.r_[np.ones(len(gkey), dtype=bool), np.zeros(len(ikey), dtype=bool)]
    order = np.lexsort((~is_orig, all_key))
    key = all_key[order]
    idx = np.r_[lines.idx, iv][order]
    src = np.where(is_orig[order], order, 0)
    last_orig = np.maximum.accumulate(np.where(is_orig[order], np.arange(len(order)), 0))
    src = src[last_orig]
    cls, ref = lines.cls[src], lines.ref[src]
    new_counts = counts + np.bincount(iline, minlength=n_lines)
    ptr = _ptr(new_counts)
    line_p = np.repeat(np.arange(n_lines), new_counts)

    # cut into ways: at class/name changes, around bridges and fords, and every 1,500 segments
    is_last = np.zeros(len(idx), dtype=bool)
    is_last[ptr[1:] - 1] = True
    seg = np.flatnonzero(~is_last)
    mid = 0.5 * (key[seg] + key[seg + 1])
    gi = np.searchsorted(ga, mid, side="right") - 1
    inside = (gi >= 0) & (mid < gb[np.maximum(gi, 0)]) if len(ga) else np.zeros(len(seg), bool)
    interval = np.where(inside, gi, -1)
    sl, sc, sr = line_p[seg], cls[seg], ref[seg]
    brk_base = np.r_[True, (sl[1:] != sl[:-1]) | (sc[1:] != sc[:-1]) | (sr[1:] != sr[:-1])]
    base_id = np.cumsum(brk_base) - 1
    brk = brk_base | np.r_[True, interval[1:] != interval[:-1]]
    run = np.cumsum(brk) - 1
    within = np.arange(len(seg)) - np.flatnonzero(brk)[run]
    brk = brk | (within % _MAX_WAY_SEGMENTS == 0)
    run = np.cumsum(brk) - 1
    first = np.flatnonzero(brk)
    n_seg = np.bincount(run)
    wptr = _ptr(n_seg + 1)
    widx = idx[_ranges(seg[first], n_seg + 1)]
    w_int = interval[first]
    structure_w = np.where(w_int >= 0, gkind[np.maximum(w_int, 0)] if len(gkind) else 0, 0)
    river_w = np.where(
        (w_int >= 0) & (structure_w == _BRIDGE),
        griver[np.maximum(w_int, 0)] if len(griver) else -1,
        -1,
    )
    ways = _Ways(
        ptr=wptr,
        idx=widx,
        cls=sc[first],
        ref=sr[first],
        structure=structure_w.astype(np.int64),
        river=river_w.astype(np.int64),
        base=base_id[first],
    )
    stats = {
        "bridges": int((gkind == _BRIDGE).sum()),
        "fords": int((gkind == _FORD).sum()),
        "unbridged_crossings": n_unbridged,
        "road_junctions_at_crossings": n_junctions,
    }
    return road_xy, ways, stats


_SURFACE: dict[int, tuple[tuple[str | None, ...], tuple[float, ...]]] = {
    _PATH: (("ground", None, "rock"), (0.7, 0.2, 0.1)),
    _TRACK: (("ground", "dirt", None), (0.3, 0.3, 0.4)),
    _UNCL: (("dirt", "unpaved", "compacted", None), (0.4, 0.35, 0.1, 0.15)),
    _TERT: (("gravel", "compacted", "unpaved"), (0.5, 0.4, 0.1)),
    _SEC: (("gravel", "compacted"), (0.7, 0.3)),
    _TRUNK: (("asphalt",), (1.0,)),
    _RESID: (("paving_stones", "concrete", "unpaved", "dirt"), (0.3, 0.2, 0.3, 0.2)),
}
_TRACKTYPE: dict[int, tuple[tuple[str | None, ...], tuple[float, ...]]] = {
    _UNCL: (("grade3", None), (0.6, 0.4)),
    _TRACK: (("grade3", "grade4", "grade5"), (0.15, 0.5, 0.35)),
}
_SMOOTHNESS: dict[int, tuple[tuple[str | None, ...], tuple[float, ...]]] = {
    _UNCL: ((None, "bad"), (0.8, 0.2)),
    _TRACK: ((None, "very_bad", "horrible"), (0.7, 0.2, 0.1)),
}


def _draw(
    table: dict[int, tuple[tuple[str | None, ...], tuple[float, ...]]],
    cls: IntArray,
    u: FloatArray,
) -> NDArray[np.object_]:
    out = np.full(len(cls), None, dtype=object)
    for c, (values, probs) in table.items():
        sel = cls == c
        if sel.any():
            k = np.searchsorted(np.cumsum(probs)[:-1], u[sel], side="right")
            out[sel] = np.array(values, dtype=object)[k]
    return out


def _tag_where(cond: BoolArray, value: str) -> NDArray[np.object_]:
    """Return an object array holding ``value`` where ``cond`` is true, None elsewhere."""
    out = np.full(len(cond), None, dtype=object)
    out[cond] = value
    return out


@dataclass
class _Names:
    communities: list[str]
    province: str
    trunk: str
    rivers: dict[int, str]  # chain -> name


def _way_tags(
    ways: _Ways, names: _Names, rng: np.random.Generator
) -> dict[str, NDArray[np.object_]]:
    """OSM tags of every way, as object arrays (None where the way lacks the tag)."""
    n_base = int(ways.base.max()) + 1 if len(ways.base) else 0
    u = rng.random((n_base, 5))[ways.base]
    cls = ways.cls
    highway = np.array(_HIGHWAY, dtype=object)[cls]
    highway[(cls == _PATH) & (u[:, 0] < 0.3)] = "bridleway"
    has_name = u[:, 4] < _NAME_P[cls]
    name = np.full(len(cls), None, dtype=object)
    label: dict[tuple[int, int], str] = {}
    for i in np.flatnonzero(has_name):
        c, r = int(cls[i]), int(ways.ref[i])
        text = label.get((c, r))
        if text is None:
            if r == _REF_TRUNK:
                text = names.trunk
            elif r <= _REF_STREET0:
                text = _STREET_NAMES[_REF_STREET0 - r]
            elif r >= 0:
                text = f"{_NAME_PREFIX[c]} {names.communities[r]}"
            else:
                text = ""
            label[(c, r)] = text
        name[i] = text or None
    bridge = _tag_where(ways.structure == _BRIDGE, "yes")
    ford = _tag_where(ways.structure == _FORD, "yes")
    layer = _tag_where(ways.structure == _BRIDGE, "1")
    bridge_name = np.full(len(cls), None, dtype=object)
    for i in np.flatnonzero((ways.river >= 0) & (cls >= _TERT)):
        river = names.rivers.get(int(ways.river[i]))
        if river:
            bridge_name[i] = "Puente " + river.split(" ", 1)[1]
    return {
        "highway": highway,
        "surface": _draw(_SURFACE, cls, u[:, 1]),
        "tracktype": _draw(_TRACKTYPE, cls, u[:, 2]),
        "smoothness": _draw(_SMOOTHNESS, cls, u[:, 3]),
        "name": name,
        "bridge": bridge,
        "layer": layer,
        "bridge:name": bridge_name,
        "ford": ford,
    }


# --------------------------------------------------------------------------------------
# the model: everything but the files
# --------------------------------------------------------------------------------------


@dataclass
class _Model:
    size: float
    seed: int
    frame: _Frame
    tree: _Tree
    fine: _Fine
    cls: IntArray
    comm: _Communities
    road_xy: FloatArray
    ways: _Ways
    tags: dict[str, NDArray[np.object_]]
    rivers: _Rivers
    names: _Names
    stats: dict[str, int]

    @property
    def n_road_nodes(self) -> int:
        return len(self.road_xy)


def _build_model(*, size: float, seed: int, terrain: bool) -> _Model:
    frame = _frame(size)
    tree = _build_tree(frame, _rng(seed, _S_TREE))
    node_u = _rng(seed, _S_NODE).random((len(tree.parent), 3))
    rng_c = _rng(seed, _S_COMM)
    comm = _place_communities(tree, frame, size, rng_c)
    cls, leader = _edge_classes(tree, comm)
    member = tree.pos > 0
    ch = tree.chain_of[member]
    k_road = np.bincount(ch, weights=cls[member] >= 1, minlength=tree.n_chains)
    k_river = np.bincount(ch, weights=tree.area[member] >= _A_STREAM, minlength=tree.n_chains)
    k_valley = np.bincount(ch, weights=tree.area[member] >= _A_VALLEY, minlength=tree.n_chains)
    k_max = np.maximum(k_road, k_river)
    if terrain:
        k_max = np.maximum(k_max, k_valley)
    fine = _fine_geometry(tree, frame, k_max.astype(np.int64), cls, node_u)
    log.debug("drainage: %d valley cells, %d streams", len(tree.parent), tree.n_chains)

    roads = _Roads([], [])
    road_of_fine, offset, road_seg = _valley_roads(tree, fine, cls, leader, roads)
    _locate_communities(tree, frame, fine, comm, offset, rng_c)
    rng_s = _rng(seed, _S_SPUR)
    _spurs(comm, road_of_fine, roads, rng_s)
    _town_streets(tree, fine, comm, road_of_fine, road_seg, roads, rng_s)
    _trunk_ends(frame, tree, fine, road_of_fine, roads, rng_s)
    _passes(tree, fine, cls, road_of_fine, roads, size, rng_s)
    road_xy = roads.table()
    _off_network_hamlets(tree, frame, cls, comm, road_xy, size, rng_s)
    rivers = _rivers(tree, fine, frame)
    road_xy, ways, stats = _finish_roads(
        road_xy, _Lines.concat(roads.parts), rivers, _rng(seed, _S_CROSS)
    )

    pool = NamePool(_rng(seed, _S_NAMES))
    comm_names = pool.draw(len(comm.population), saint_share=0.12)
    river_chains = np.unique(rivers.lines.ref[rivers.lines.ptr[:-1]])
    big = tree.area[tree.cv_node[tree.cv_ptr[river_chains] + 1]] >= _A_RIVER
    named = big | (_rng(seed, _S_NAMES).random(len(river_chains)) < 0.6)
    river_base = pool.draw(int(named.sum()))
    river_names = {
        int(c): ("Río " if b else "Quebrada ") + nm
        for c, b, nm in zip(river_chains[named], big[named], river_base, strict=True)
    }
    province = comm_names[comm.capital]
    names = _Names(
        communities=comm_names,
        province=province,
        trunk=f"Carretera Troncal {province}",
        rivers=river_names,
    )
    tags = _way_tags(ways, names, _rng(seed, _S_TAGS))
    log.info(
        "sample region model: %d road nodes, %d road ways, %d communities, %d bridges, %d fords",
        len(road_xy),
        len(ways.cls),
        len(comm.population),
        stats["bridges"],
        stats["fords"],
    )
    return _Model(
        size=size,
        seed=seed,
        frame=frame,
        tree=tree,
        fine=fine,
        cls=cls,
        comm=comm,
        road_xy=road_xy,
        ways=ways,
        tags=tags,
        rivers=rivers,
        names=names,
        stats=stats,
    )


# --------------------------------------------------------------------------------------
# benchmark frames (no files)
# --------------------------------------------------------------------------------------


def _graph_frames(
    model: _Model, *, simplify: bool = True
) -> tuple[gpd.GeoDataFrame, gpd.GeoDataFrame]:
    ways = model.ways
    xy = model.road_xy
    counts = np.diff(ways.ptr)
    n_pos = len(ways.idx)
    way_of = np.repeat(np.arange(len(counts)), counts)
    uses = np.bincount(ways.idx, minlength=len(xy))
    is_end = np.zeros(n_pos, dtype=bool)
    is_end[ways.ptr[:-1]] = True
    is_end[ways.ptr[1:] - 1] = True
    node_flag = np.zeros(len(xy), dtype=bool)
    node_flag[ways.idx[is_end]] = True
    node_flag |= uses >= (2 if simplify else 1)
    cut = node_flag[ways.idx]
    last = np.zeros(n_pos, dtype=bool)
    last[ways.ptr[1:] - 1] = True
    cut_pos = np.flatnonzero(cut)
    e_start = cut_pos[~last[cut_pos]]
    e_end = cut_pos[np.searchsorted(cut_pos, e_start, side="right")]
    n_pts = e_end - e_start + 1
    coords = xy[ways.idx[_ranges(e_start, n_pts)]]
    geom = _linestrings(coords, n_pts)
    seg = np.hypot(*np.diff(coords, axis=0).T)
    seg_edge = np.repeat(np.arange(len(e_start)), n_pts)[:-1]
    same = np.diff(np.repeat(np.arange(len(e_start)), n_pts)) == 0
    length_m = np.bincount(seg_edge[same], weights=seg[same], minlength=len(e_start))
    osm_id = np.arange(1, len(xy) + 1, dtype=np.int64)
    u = osm_id[ways.idx[e_start]]
    v = osm_id[ways.idx[e_end]]
    w = way_of[e_start]
    way_id = np.arange(1, len(counts) + 1, dtype=np.int64)

    def both(a: Any) -> Any:
        return np.concatenate([a, a])

    uu, vv = np.r_[u, v], np.r_[v, u]
    frame = pd.DataFrame({"u": uu, "v": vv})
    key = frame.groupby(["u", "v"], sort=False).cumcount().to_numpy(dtype=np.int64)
    index = pd.MultiIndex.from_arrays([uu, vv, key], names=["u", "v", "key"])
    tags = model.tags
    edges = gpd.GeoDataFrame(
        {
            "osmid": both(way_id[w]),
            "highway": both(tags["highway"][w]),
            "surface": both(tags["surface"][w]),
            "tracktype": both(tags["tracktype"][w]),
            "bridge": both(tags["bridge"][w]),
            "ford": both(tags["ford"][w]),
            "name": both(tags["name"][w]),
            "oneway": np.zeros(2 * len(w), dtype=bool),
            "reversed": np.r_[np.zeros(len(w), dtype=bool), np.ones(len(w), dtype=bool)],
            "length_m": both(length_m),
        },
        geometry=np.r_[geom, shapely.reverse(geom)],
        index=index,
        crs=SAMPLE_CRS,
    )
    used = np.flatnonzero(node_flag)
    nodes = gpd.GeoDataFrame(
        {"x": xy[used, 0], "y": xy[used, 1]},
        geometry=shapely.points(xy[used]),
        index=pd.Index(osm_id[used], name="osmid"),
        crs=SAMPLE_CRS,
    )
    return nodes, edges


# --------------------------------------------------------------------------------------
# terrain and population rasters (files only)
# --------------------------------------------------------------------------------------


def _smooth_noise(
    rng: np.random.Generator, shape: tuple[int, int], cell_m: float, scale_m: float
) -> NDArray[np.float32]:
    """Smooth random field with features about ``scale_m`` wide, unit standard deviation."""
    z = max(scale_m / cell_m, 1.0)
    coarse = rng.standard_normal((int(shape[0] / z) + 4, int(shape[1] / z) + 4))
    field_: NDArray[np.float64] = zoom(coarse, z, order=3, mode="reflect", grid_mode=False)
    field_ = field_[: shape[0], : shape[1]]
    if field_.shape != shape:  # zoom rounds the output size
        field_ = np.pad(
            field_, [(0, shape[0] - field_.shape[0]), (0, shape[1] - field_.shape[1])], "edge"
        )
    out: NDArray[np.float32] = ((field_ - field_.mean()) / max(float(field_.std()), 1e-9)).astype(
        np.float32
    )
    return out


def _valley_floors(tree: _Tree, frame: _Frame, rng: np.random.Generator) -> FloatArray:
    """Return the valley-floor elevation at each valley node.

    Floors rise upstream, steeply in small valleys and gently on the main
    river (slope ~ area^-0.45, Flint's law).
    """
    floor = np.zeros(len(tree.parent))
    floor[tree.root] = 2150.0 + 100.0 * rng.random()
    slope = np.clip(0.35 * (tree.area * frame.cell_km2) ** -0.45, 0.004, 0.2)
    for lvl in tree.levels[1:]:
        p = tree.parent[lvl]
        run = 1.1 * np.hypot(*(tree.xy[lvl] - tree.xy[p]).T)
        floor[lvl] = floor[p] + run * slope[lvl]
    return floor


def _dem(model: _Model, rng: np.random.Generator) -> NDArray[np.float32]:
    frame, tree, fine = model.frame, model.tree, model.fine
    n = round(frame.side / DEM_CELL_M)
    top = frame.y0 + frame.side
    floor = _valley_floors(tree, frame, rng)
    node = fine.seg_node
    valley = tree.area[node] >= _A_VALLEY
    f = np.flatnonzero(valley)
    par = tree.parent[node[f]]
    z = floor[par] + fine.t[f] * (floor[node[f]] - floor[par])
    xy = fine.xy[f] + fine.normal[f] * fine.meander[f][:, None]
    # densify to a third of the node spacing (< half a cell)
    same = (fine.chain[f][1:] == fine.chain[f][:-1]) & (np.diff(f) == 1)
    pts = [xy]
    zs = [z]
    for frac in (1 / 3, 2 / 3):
        pts.append(xy[:-1][same] + frac * (xy[1:][same] - xy[:-1][same]))
        zs.append(z[:-1][same] + frac * (z[1:][same] - z[:-1][same]))
    pxy, pz = np.vstack(pts), np.concatenate(zs)
    area_km2 = (
        np.concatenate(
            [tree.area[node[f]], tree.area[node[f]][:-1][same], tree.area[node[f]][:-1][same]]
        )
        * frame.cell_km2
    )
    col = ((pxy[:, 0] - frame.x0) / DEM_CELL_M).astype(np.int64)
    row = ((top - pxy[:, 1]) / DEM_CELL_M).astype(np.int64)
    src = np.full((n, n), np.inf, dtype=np.float32)
    radius = np.where(area_km2 >= 40.0, 15.0 * np.log2(area_km2), 0.0) / DEM_CELL_M
    reach = int(np.ceil(radius.max())) if len(radius) else 0
    for dr in range(-reach, reach + 1):
        for dc in range(-reach, reach + 1):
            sel = radius >= math.hypot(dr, dc)
            r, c = row[sel] + dr, col[sel] + dc
            ok = (r >= 0) & (r < n) & (c >= 0) & (c < n)
            np.minimum.at(src, (r[ok], c[ok]), pz[sel][ok].astype(np.float32))
    # hillslopes: lower envelope of cones rising from the valley floors
    hill = np.clip(0.45 * (1.0 + 0.3 * _smooth_noise(rng, (n, n), DEM_CELL_M, 6000.0)), 0.25, 0.7)
    elev = src.copy()
    steps = [(dr, dc) for dr in (-1, 0, 1) for dc in (-1, 0, 1) if dr or dc]
    for _ in range(4 * n):
        changed = False
        for dr, dc in steps:
            dst = (slice(max(dr, 0), n + min(dr, 0)), slice(max(dc, 0), n + min(dc, 0)))
            srcs = (slice(max(-dr, 0), n + min(-dr, 0)), slice(max(-dc, 0), n + min(-dc, 0)))
            cost = np.float32(DEM_CELL_M * math.hypot(dr, dc) * 0.5) * (hill[srcs] + hill[dst])
            cand = elev[srcs] + cost
            better = cand < elev[dst]
            if better.any():
                elev[dst][better] = cand[better]
                changed = True
        if not changed:
            break
    dist = distance_transform_edt(~np.isfinite(src)) * DEM_CELL_M
    rough = (
        45.0 * _smooth_noise(rng, (n, n), DEM_CELL_M, 2000.0)
        + 18.0 * _smooth_noise(rng, (n, n), DEM_CELL_M, 600.0)
        + 6.0 * _smooth_noise(rng, (n, n), DEM_CELL_M, 200.0)
    )
    raw = elev + np.clip(dist / 300.0, 0.0, 1.0).astype(np.float32) * rough
    raw = np.maximum(raw, 2000.5)
    dem = 2000.0 + 2950.0 * np.tanh((raw - 2000.0) / 2950.0)
    out: NDArray[np.float32] = gaussian_filter(dem, sigma=0.7, mode="nearest").astype(np.float32)
    return out


def _population_raster(frame: _Frame, comm: _Communities) -> NDArray[np.float32]:
    """People per cell: each community spread over a Gaussian kernel, summing to its people."""
    n = round(frame.side / POPULATION_CELL_M)
    top = frame.y0 + frame.side
    col = (comm.xy[:, 0] - frame.x0) / POPULATION_CELL_M
    row = (top - comm.xy[:, 1]) / POPULATION_CELL_M
    sigma = (60.0 + 25.0 * np.sqrt(comm.population / 100.0)) / POPULATION_CELL_M
    reach = 4
    off = np.arange(-reach, reach + 1)
    grid_r, grid_c = np.meshgrid(off, off, indexing="ij")
    dr, dc = grid_r.ravel(), grid_c.ravel()
    r = np.floor(row).astype(np.int64)[:, None] + dr
    c = np.floor(col).astype(np.int64)[:, None] + dc
    d2 = (r + 0.5 - row[:, None]) ** 2 + (c + 0.5 - col[:, None]) ** 2
    w = np.exp(-0.5 * d2 / sigma[:, None] ** 2)
    w[(d2 > (3 * sigma[:, None]) ** 2) | (r < 0) | (r >= n) | (c < 0) | (c >= n)] = 0.0
    own = (dr == 0) & (dc == 0)
    w[:, own] = np.maximum(w[:, own], 1e-12)
    w *= (comm.population / w.sum(axis=1))[:, None]
    grid = np.zeros(n * n)
    ok = w > 0
    np.add.at(grid, (r * n + c)[ok], w[ok])
    out: NDArray[np.float32] = grid.reshape(n, n).astype(np.float32)
    return out


def _write_raster(
    path: Path, data: NDArray[np.float32], frame: _Frame, cell: float, tags: dict[str, str]
) -> None:
    import rasterio
    from rasterio.transform import from_origin

    profile = {
        "driver": "GTiff",
        "dtype": "float32",
        "count": 1,
        "height": data.shape[0],
        "width": data.shape[1],
        "crs": SAMPLE_CRS,
        "transform": from_origin(frame.x0, frame.y0 + frame.side, cell, cell),
        "nodata": _NODATA,
        "compress": "deflate",
        "predictor": 3,
        "tiled": True,
        "blockxsize": 256,
        "blockysize": 256,
    }
    with atomic_path(path) as tmp, rasterio.open(tmp, "w", **profile) as dst:
        dst.write(data, 1)
        dst.update_tags(**tags)


# --------------------------------------------------------------------------------------
# files
# --------------------------------------------------------------------------------------


def _lonlat(xy: FloatArray) -> tuple[FloatArray, FloatArray]:
    to_ll = Transformer.from_crs(SAMPLE_CRS, "EPSG:4326", always_xy=True)
    lon, lat = to_ll.transform(xy[:, 0], xy[:, 1])
    return np.round(np.asarray(lon), 7), np.round(np.asarray(lat), 7)


def _attr(value: str) -> str:
    return escape(value, {'"': "&quot;"})


def _node_xml(node_id: int, lat: float, lon: float, tags: dict[str, str] | None = None) -> str:
    head = f'  <node id="{node_id}" version="1" lat="{lat:.7f}" lon="{lon:.7f}"'
    if not tags:
        return head + "/>"
    body = "".join(f'    <tag k="{k}" v="{_attr(v)}"/>\n' for k, v in sorted(tags.items()))
    return f"{head}>\n{body}  </node>"


def _way_xml(way_id: int, refs: IntArray, tags: dict[str, str]) -> str:
    nds = "".join(f'    <nd ref="{r}"/>\n' for r in refs.tolist())
    body = "".join(f'    <tag k="{k}" v="{_attr(v)}"/>\n' for k, v in sorted(tags.items()))
    return f'  <way id="{way_id}" version="1">\n{nds}{body}  </way>'


@dataclass
class _Facilities:
    markets: pd.DataFrame
    schools: pd.DataFrame
    market_xy: FloatArray
    school_xy: FloatArray


def _facilities(model: _Model, ids: list[str], rng: np.random.Generator) -> _Facilities:
    comm = model.comm
    names = model.names.communities
    pop = comm.population
    cat = comm.category
    u = rng.random((len(pop), 3))
    towns = np.flatnonzero(cat == _TOWN)
    villages = np.flatnonzero((cat == _VILLAGE) & (pop >= 800))
    extra = villages[np.argsort(-pop[villages], kind="stable")][: max(1, round(4 * model.size))]
    mk = np.r_[towns, np.sort(extra)].astype(np.int64)
    prim = (
        (cat == _TOWN)
        | ((cat == _VILLAGE) & (u[:, 0] < 0.95))
        | ((cat == _HAMLET) & (pop >= 150) & (u[:, 0] < 0.7))
        | ((cat == _HAMLET) & (pop < 150) & (u[:, 0] < 0.1))
    )
    sec = (cat == _TOWN) | ((cat == _VILLAGE) & (pop >= 700) & (u[:, 1] < 0.6))
    sc = np.r_[np.flatnonzero(prim), np.flatnonzero(sec)].astype(np.int64)
    level = np.r_[np.full(int(prim.sum()), "primaria"), np.full(int(sec.sum()), "secundaria")]
    o = np.lexsort((level, sc))
    sc, level = sc[o], level[o]

    def near(idx: IntArray) -> FloatArray:
        r = rng.uniform(20.0, 90.0, len(idx))
        a = rng.uniform(0.0, 2 * np.pi, len(idx))
        out: FloatArray = comm.xy[idx] + np.column_stack([r * np.cos(a), r * np.sin(a)])
        return out

    mxy, sxy = near(mk), near(sc)
    mlon, mlat = _lonlat(mxy)
    slon, slat = _lonlat(sxy)
    width_m = max(3, len(str(len(mk))))
    width_s = max(4, len(str(len(sc))))
    markets = pd.DataFrame(
        {
            "facility_id": [f"MKT{i + 1:0{width_m}d}" for i in range(len(mk))],
            "name": [
                (
                    f"Mercado de Abastos de {names[i]}"
                    if cat[i] == _TOWN
                    else f"Feria dominical de {names[i]}"
                )
                for i in mk
            ],
            "kind": "market",
            "lon": mlon,
            "lat": mlat,
            "community_id": [ids[i] for i in mk],
        }
    )
    numbers = 38001 + rng.permutation(max(len(sc), 1))[: len(sc)] * 7 % 60000
    schools = pd.DataFrame(
        {
            "facility_id": [f"SCH{i + 1:0{width_s}d}" for i in range(len(sc))],
            "name": [
                (
                    f"I.E. N° {numbers[k]} {names[i]}"
                    if lv == "primaria"
                    else f"I.E. Secundaria {names[i]}"
                )
                for k, (i, lv) in enumerate(zip(sc, level, strict=True))
            ],
            "kind": "school",
            "level": level,
            "lon": slon,
            "lat": slat,
            "community_id": [ids[i] for i in sc],
        }
    )
    return _Facilities(markets=markets, schools=schools, market_xy=mxy, school_xy=sxy)


# --------------------------------------------------------------------------------------
# road-work proposals (files only)
# --------------------------------------------------------------------------------------

#: ``data_source`` of every proposal in ``proposals.geojson``.
_PROPOSAL_SOURCE = f"{SAMPLE_LABEL} (invented proposals, not real)"
#: Names of the two proposals written to be rejected (issue 5, "Bad input").
_INVALID_NEGATIVE_COST = "Ejemplo de propuesta inválida: costo negativo"
_INVALID_OUTSIDE = "Ejemplo de propuesta inválida: trazo fuera de la región"
_INVALID_BY = "Ejemplo de rechazo (no es una propuesta real)"
_ROAD_ES = {
    _PATH: "el camino de herradura",
    _TRACK: "la trocha",
    _UNCL: "el camino vecinal",
    _TERT: "la carretera",
    _SEC: "la carretera",
    _TRUNK: "la carretera troncal",
    _RESID: "la calle",
}


@dataclass(frozen=True)
class _Proposed:
    """One proposal as written to ``proposals.geojson`` (geometry in ``SAMPLE_CRS``)."""

    kind: str  # upgrade | new_link | bridge
    name: str
    proposed_by: str
    geometry: shapely.Geometry
    cost: float
    to_class: str | None = None
    span_m: float | None = None
    share: float | None = None
    share_by: str | None = None


@dataclass(frozen=True)
class _Stretches:
    """Runs of ways of one class and name (a road "to X"), as polylines."""

    lines: list[FloatArray]
    cls: IntArray
    ref: IntArray
    length_m: FloatArray


def _stretches(model: _Model) -> _Stretches:
    ways = model.ways
    base = ways.base
    first = np.flatnonzero(np.r_[True, base[1:] != base[:-1]]) if len(base) else base
    last = np.r_[first[1:], len(base)] - 1
    lines: list[FloatArray] = []
    for a, b in zip(first.tolist(), last.tolist(), strict=True):
        idx = ways.idx[ways.ptr[a] : ways.ptr[b + 1]]
        idx = idx[np.r_[True, idx[1:] != idx[:-1]]]  # ways of a run share their joints
        lines.append(model.road_xy[idx])
    length = np.array([float(np.hypot(*np.diff(p, axis=0).T).sum()) for p in lines])
    return _Stretches(lines=lines, cls=ways.cls[first], ref=ways.ref[first], length_m=length)


def _by_population(
    candidates: IntArray, community: IntArray, population: IntArray, n: int
) -> list[int]:
    """Up to ``n`` candidates serving the most people, one per community, ties by index."""
    order = candidates[np.lexsort((candidates, -population[community[candidates]]))]
    out: list[int] = []
    seen: set[int] = set()
    for c in order.tolist():
        if int(community[c]) not in seen:
            seen.add(int(community[c]))
            out.append(c)
        if len(out) == n:
            break
    return out


def _proposals(
    model: _Model, communities: pd.DataFrame, dem: NDArray[np.float32], rng: np.random.Generator
) -> list[_Proposed]:
    """Road works a participatory budget meeting of the province might be handed.

    Derived from the generated roads so that they make sense on the network:
    afirmado of the tracks to the largest communities served by one, a mule
    path widened into a trocha, asphalt for the first kilometres of a road to
    a district town, footbridges at fords on mule paths, a vehicle bridge at a
    ford on a track, new roads from off-network hamlets to the nearest vehicle
    road; then two examples that must be rejected (a negative cost, a line
    outside the region). Costs are the orders of magnitude of
    :data:`connectivity.candidates.UNIT_COST_PER_KM` and ``BRIDGE_COST_PER_M``
    for the terrain under the work (median DEM slope along it), times a random
    factor between about 0.8 and 1.4, as estimates by different proposers vary.
    """
    # imported here: the generator itself does not need the planner's modules
    from connectivity.candidates import (
        BRIDGE_COST_PER_M,
        TERRAIN_CLASSES,
        TERRAIN_SLOPE_PCT,
        UNIT_COST_PER_KM,
    )

    frame = model.frame
    names = communities["name"].tolist()
    district = communities["district"].tolist()
    category = model.comm.category
    population = model.comm.population
    comm_xy = model.comm.xy
    gy, gx = np.gradient(dem.astype(np.float64), DEM_CELL_M)
    slope_pct = 100.0 * np.hypot(gx, gy)
    n_dem = dem.shape[0]

    def terrain(line: shapely.LineString) -> str:
        pts = shapely.get_coordinates(shapely.segmentize(line, DEM_CELL_M))
        col = np.clip(((pts[:, 0] - frame.x0) / DEM_CELL_M).astype(np.int64), 0, n_dem - 1)
        row = np.clip(
            ((frame.y0 + frame.side - pts[:, 1]) / DEM_CELL_M).astype(np.int64), 0, n_dem - 1
        )
        k = int(np.digitize(float(np.median(slope_pct[row, col])), TERRAIN_SLOPE_PCT, right=True))
        return TERRAIN_CLASSES[k]

    def price(line: shapely.LineString, work: str, low: float, high: float) -> float:
        per_km = UNIT_COST_PER_KM[f"{work}_{terrain(line)}"]
        return round(line.length / 1000.0 * per_km * rng.uniform(low, high), -3)

    def share() -> float:
        return round(float(rng.uniform(0.2, 0.5)) * 20) / 20  # 0.20, 0.25, ... 0.50

    def people(i: int) -> str:
        if category[i] == _TOWN:
            return f"Municipalidad distrital de {names[i]}"
        return f"Comunidad campesina de {names[i]}"

    def heading(by: str) -> str:
        return "Propuesta municipal" if by.startswith("Municipalidad") else "Propuesta comunal"

    def oriented(s: int) -> shapely.LineString:
        """Return the stretch drawn from its junction end to the community it serves."""
        pts = st.lines[s]
        to = comm_xy[int(st.ref[s])]
        if np.hypot(*(pts[0] - to)) < np.hypot(*(pts[-1] - to)):
            pts = pts[::-1]
        return shapely.LineString(pts)

    def from_place(point: FloatArray, not_this: int) -> str:
        d = np.hypot(*(comm_xy - point).T)
        d[not_this] = np.inf
        i = int(np.argmin(d))
        return names[i] if d[i] < 1500.0 else ""

    st = _stretches(model)
    to_community = st.ref >= 0
    ref = np.where(to_community, st.ref, 0)
    out: list[_Proposed] = []

    # afirmado of tracks to the communities with most people
    tracks = np.flatnonzero(
        (st.cls == _TRACK) & to_community & (st.length_m >= 1500) & (st.length_m <= 8000)
    )
    chosen_tracks = _by_population(tracks, ref, population, 4)
    for n, s in enumerate(chosen_tracks[:3]):
        x = int(st.ref[s])
        line = oriented(s)
        start = from_place(np.asarray(line.coords[0]), x)
        where = f"{start}–{names[x]}" if start else f"a {names[x]}"
        by = people(x) if n < 2 else f"Municipalidad distrital de {district[x]}"
        out.append(
            _Proposed(
                kind="upgrade",
                name=f"{heading(by)}: afirmado de la trocha {where}",
                proposed_by=by,
                geometry=line,
                cost=price(line, "upgrade_afirmado", 0.85, 1.3),
                to_class="afirmado",
                share=share() if n == 1 else None,
                share_by=f"{people(x)} (faenas comunales)" if n == 1 else None,
            )
        )

    # a mule path widened into a trocha carrozable
    paths = np.flatnonzero(
        (st.cls == _PATH) & to_community & (st.length_m >= 800) & (st.length_m <= 5000)
    )
    for s in _by_population(paths, ref, population, 1):
        x = int(st.ref[s])
        line = oriented(s)
        out.append(
            _Proposed(
                kind="upgrade",
                name=(
                    f"{heading(people(x))}: ampliación a trocha carrozable del camino de "
                    f"herradura a {names[x]}"
                ),
                proposed_by=people(x),
                geometry=line,
                cost=price(line, "upgrade_trocha", 0.8, 1.2),
                to_class="trocha",
                share=share(),
                share_by=f"{people(x)} (mano de obra no calificada)",
            )
        )

    # asphalt on the first kilometres of a gravel road to a district town
    gravel = np.flatnonzero((st.cls == _SEC) & to_community & (st.length_m >= 2000))
    for s in _by_population(gravel, ref, population, 1):
        x = int(st.ref[s])
        line = oriented(s)
        part = ""
        if line.length > 8000.0:
            line = shapely.LineString(shapely.get_coordinates(substring(line, 0.0, 6000.0)))
            part = ", primer tramo de 6 km"
        out.append(
            _Proposed(
                kind="upgrade",
                name=f"Propuesta municipal: asfaltado de la carretera a {names[x]}{part}",
                proposed_by=f"Municipalidad provincial de {model.names.province}",
                geometry=line,
                cost=price(line, "upgrade_asfaltado", 0.9, 1.25),
                to_class="asfaltado",
                share=0.5,
                share_by="Gobierno regional (convenio de cofinanciamiento)",
            )
        )

    # bridges at fords: footbridges on mule paths, a vehicle bridge on a track
    ways = model.ways
    river_geoms = _line_geoms(model.rivers.xy, model.rivers.lines)
    river_tree = shapely.STRtree(river_geoms) if len(river_geoms) else None
    river_ref = model.rivers.lines.ref[model.rivers.lines.ptr[:-1]]
    way_ref = np.where(ways.ref >= 0, ways.ref, 0)

    def bridge(w: int, vehicle: bool) -> _Proposed:
        x = int(ways.ref[w])
        way = shapely.LineString(model.road_xy[ways.idx[ways.ptr[w] : ways.ptr[w + 1]]])
        at = shapely.line_interpolate_point(way, 0.5, normalized=True)
        river = ""
        if river_tree is not None:
            r = int(river_tree.query_nearest(at, all_matches=False)[0])
            river = model.names.rivers.get(int(river_ref[r]), "")
        over = f" sobre {'el' if river.startswith('Río') else 'la'} {river}" if river else ""
        span = float(max(8 if vehicle else 6, round(way.length)))
        unit = BRIDGE_COST_PER_M["vehicle" if vehicle else "foot"]
        what, road = (
            ("vehicular", "de la trocha") if vehicle else ("peatonal", "del camino de herradura")
        )
        by = f"Municipalidad distrital de {district[x]}" if vehicle else people(x)
        return _Proposed(
            kind="bridge",
            name=f"{heading(by)}: puente {what} en el vado {road} a {names[x]}{over}",
            proposed_by=by,
            geometry=at,
            cost=round(span * unit * rng.uniform(0.9, 1.4), -3),
            span_m=span,
        )

    fords = ways.structure == _FORD
    foot = np.flatnonzero(fords & (ways.cls == _PATH) & (ways.ref >= 0))
    for n, w in enumerate(_by_population(foot, way_ref, population, 2)):
        made = bridge(w, vehicle=False)
        if n == 0:
            by = f"Asociación de productores de {names[int(ways.ref[w])]}"
            made = replace(made, share=share(), share_by=by)
        out.append(made)
    vehicle = np.flatnonzero(fords & (ways.cls == _TRACK) & (ways.ref >= 0))
    out += [bridge(w, vehicle=True) for w in _by_population(vehicle, way_ref, population, 1)]

    # new roads from off-network hamlets to the nearest vehicle road (the shortest ones)
    drivable = (ways.cls >= _TRACK) & (ways.structure == _NO_CROSSING)
    road_ways = np.flatnonzero(drivable)
    hamlets = np.flatnonzero(model.comm.node < 0)
    if len(road_ways) and len(hamlets):
        geoms = _line_geoms(
            model.road_xy,
            _Lines(ways.ptr, ways.idx, ways.cls, ways.ref),
        )[road_ways]
        at = np.asarray(shapely.points(comm_xy[hamlets]), dtype=object)
        (src, near), dist = shapely.STRtree(geoms).query_nearest(
            at, all_matches=False, return_distance=True
        )
        for k in np.lexsort((hamlets[src], dist))[:2].tolist():
            h, w = int(hamlets[src[k]]), int(road_ways[near[k]])
            road = geoms[near[k]]
            on_road = shapely.line_interpolate_point(
                road, shapely.line_locate_point(road, at[src[k]])
            )
            end = shapely.get_coordinates(on_road)[0]
            a = comm_xy[h]
            d = end - a
            bend = (a + end) / 2 + np.array([-d[1], d[0]]) * rng.uniform(-0.12, 0.12)
            line = shapely.LineString([a, bend, end])
            y = int(ways.ref[w])
            road_name = _ROAD_ES[int(ways.cls[w])] + (f" a {names[y]}" if y >= 0 else "")
            out.append(
                _Proposed(
                    kind="new_link",
                    name=f"{heading(people(h))}: carretera nueva de {names[h]} hasta {road_name}",
                    proposed_by=people(h),
                    geometry=line,
                    cost=price(line, "new_link", 0.85, 1.25),
                    to_class="afirmado",
                )
            )

    # two examples of what gets rejected
    spare = chosen_tracks[3:] or chosen_tracks or list(range(len(st.lines)))
    if spare:
        bad = shapely.LineString(st.lines[spare[0]])
        out.append(
            _Proposed(
                kind="upgrade",
                name=_INVALID_NEGATIVE_COST,
                proposed_by=_INVALID_BY,
                geometry=bad,
                cost=-price(bad, "upgrade_afirmado", 0.9, 1.1),
                to_class="afirmado",
            )
        )
    x1, yc = frame.x0 + frame.side, frame.y0 + frame.side / 2
    outside = shapely.LineString([(x1 + 6000.0, yc), (x1 + 7500.0, yc + 600.0), (x1 + 9000.0, yc)])
    out.append(
        _Proposed(
            kind="new_link",
            name=_INVALID_OUTSIDE,
            proposed_by=_INVALID_BY,
            geometry=outside,
            cost=round(3.0 * UNIT_COST_PER_KM["new_link_rolling"], -3),
            to_class="afirmado",
        )
    )
    return out


def _geojson_geometry(geom: shapely.Geometry) -> dict[str, Any]:
    lon, lat = _lonlat(shapely.get_coordinates(geom))
    coords = [[x, y] for x, y in zip(lon.tolist(), lat.tolist(), strict=True)]
    if shapely.get_type_id(geom) == 0:  # a Point
        return {"type": "Point", "coordinates": coords[0]}
    return {"type": "LineString", "coordinates": coords}


def _proposals_text(model: _Model, proposals: list[_Proposed]) -> str:
    """``proposals.geojson``: one feature per line, WGS84 with 7 decimals (RFC 7946)."""
    width = max(2, len(str(len(proposals))))
    features = []
    for n, p in enumerate(proposals):
        props = {
            "id": f"PP-{n + 1:0{width}d}",
            "type": p.kind,
            "name": p.name,
            "proposed_by": p.proposed_by,
            "cost": int(p.cost),
            "cofinancing_share": p.share,
            "cofinancing_by": p.share_by,
            "to_class": p.to_class,
            "span_m": None if p.span_m is None else int(p.span_m),
            "data_source": _PROPOSAL_SOURCE,
        }
        features.append(
            json.dumps(
                {"type": "Feature", "properties": props, "geometry": _geojson_geometry(p.geometry)},
                ensure_ascii=False,
            )
        )
    head = {
        "type": "FeatureCollection",
        "name": "proposals",
        "description": (
            f"{SAMPLE_LABEL} (seed {model.seed}, size {model.size:g}): road-work proposals "
            f"invented for the demo, two of them invalid on purpose. {NOT_REAL_DATA} "
            f"{_NOT_REAL_DATA_ES}"
        ),
    }
    lead = json.dumps(head, ensure_ascii=False)[:-1]
    return lead + ', "features": [\n' + ",\n".join(features) + "\n]}\n"


def _osm_text(model: _Model, places: pd.DataFrame, fac: _Facilities) -> tuple[str, dict[str, Any]]:
    """OSM XML of the region and the counts for metadata.json."""
    road_lon, road_lat = _lonlat(model.road_xy)
    riv_lon, riv_lat = _lonlat(model.rivers.xy)
    n_road, n_riv = len(model.road_xy), len(model.rivers.xy)
    lon_all = np.r_[road_lon, riv_lon, places["lon"], fac.markets["lon"], fac.schools["lon"]]
    lat_all = np.r_[road_lat, riv_lat, places["lat"], fac.markets["lat"], fac.schools["lat"]]
    out = [
        '<?xml version="1.0" encoding="UTF-8"?>',
        '<osm version="0.6" generator="connectivity sample">',
        f"  <!-- {SAMPLE_LABEL} (seed {model.seed}, size {model.size:g}). {NOT_REAL_DATA} -->",
        f'  <bounds minlat="{lat_all.min():.7f}" minlon="{lon_all.min():.7f}" '
        f'maxlat="{lat_all.max():.7f}" maxlon="{lon_all.max():.7f}"/>',
    ]
    out += [
        f'  <node id="{i}" version="1" lat="{la:.7f}" lon="{lo:.7f}"/>'
        for i, la, lo in zip(
            range(1, n_road + 1), road_lat.tolist(), road_lon.tolist(), strict=True
        )
    ]
    out += [
        f'  <node id="{i}" version="1" lat="{la:.7f}" lon="{lo:.7f}"/>'
        for i, la, lo in zip(
            range(n_road + 1, n_road + n_riv + 1), riv_lat.tolist(), riv_lon.tolist(), strict=True
        )
    ]
    next_id = n_road + n_riv + 1
    place_tags = [
        {"place": str(cat), "name": str(name), "population": str(pop), "ele": str(ele)}
        for cat, name, pop, ele in zip(
            places["category"].tolist(),
            places["name"].tolist(),
            places["population"].tolist(),
            places["elevation_m"].tolist(),
            strict=True,
        )
    ]
    market_tags = [{"amenity": "marketplace", "name": str(nm)} for nm in fac.markets["name"]]
    school_tags = [
        {
            "amenity": "school",
            "name": str(nm),
            "isced:level": "1" if level == "primaria" else "2;3",
        }
        for nm, level in zip(
            fac.schools["name"].tolist(), fac.schools["level"].tolist(), strict=True
        )
    ]
    for df, tag_list in (
        (places, place_tags),
        (fac.markets, market_tags),
        (fac.schools, school_tags),
    ):
        lats: list[float] = df["lat"].astype(np.float64).tolist()
        lons: list[float] = df["lon"].astype(np.float64).tolist()
        for lat, lon, tags in zip(lats, lons, tag_list, strict=True):
            out.append(_node_xml(next_id, lat, lon, tags))
            next_id += 1
    n_nodes = next_id - 1

    ways = model.ways
    keys = list(model.tags)
    cols = [model.tags[k] for k in keys]
    for w in range(len(ways.cls)):
        tags = {k: str(col[w]) for k, col in zip(keys, cols, strict=True) if col[w] is not None}
        out.append(_way_xml(w + 1, ways.idx[ways.ptr[w] : ways.ptr[w + 1]] + 1, tags))
    next_way = len(ways.cls) + 1
    rl = model.rivers.lines
    waterways = {"river": 0, "stream": 0}
    for li in range(len(rl.ptr) - 1):
        verts = rl.idx[rl.ptr[li] : rl.ptr[li + 1]][::-1] + n_road + 1  # downstream
        kind = "river" if rl.cls[rl.ptr[li]] == _RIVER else "stream"
        tags = {"waterway": kind}
        name = model.names.rivers.get(int(rl.ref[rl.ptr[li]]))
        if name:
            tags["name"] = name
        for k in range(0, len(verts) - 1, _MAX_WAY_SEGMENTS):
            out.append(_way_xml(next_way, verts[k : k + _MAX_WAY_SEGMENTS + 1], tags))
            next_way += 1
            waterways[kind] += 1
    out.append("</osm>")
    highway = model.tags["highway"]
    values, counts = np.unique(highway.astype(str), return_counts=True)
    length = np.hypot(*np.diff(model.road_xy[ways.idx], axis=0).T)
    same = np.diff(np.repeat(np.arange(len(ways.cls)), np.diff(ways.ptr))) == 0
    seg_way = np.repeat(np.arange(len(ways.cls)), np.diff(ways.ptr))[:-1][same]
    way_len = np.bincount(seg_way, weights=length[same], minlength=len(ways.cls))
    counts_meta = {
        "nodes": {
            "road": n_road,
            "waterway": n_riv,
            "place": len(places),
            "amenity": len(fac.markets) + len(fac.schools),
            "total": n_nodes,
        },
        "ways_by_highway": {str(v): int(c) for v, c in zip(values, counts, strict=True)},
        "road_length_km_by_highway": {
            str(v): round(float(way_len[highway == v].sum()) / 1000.0, 1) for v in values
        },
        "waterways": waterways,
        "bridges": model.stats["bridges"],
        "fords": model.stats["fords"],
        "unbridged_crossings": model.stats["unbridged_crossings"],
    }
    return "\n".join(out) + "\n", counts_meta


def _readme(model: _Model) -> str:
    return (
        f"{SAMPLE_LABEL.upper()} / REGIÓN DE MUESTRA SINTÉTICA\n"
        f"seed {model.seed}, size {model.size:g}, generator version {GENERATOR_VERSION}\n\n"
        f"ES: {_NOT_REAL_DATA_ES} Generada por `connectivity sample` "
        "(connectivity/sample.py) para probar y demostrar el planificador sin conexión.\n\n"
        f"EN: {NOT_REAL_DATA} Generated by `connectivity sample` (connectivity/sample.py) "
        "to test and demonstrate the planner offline.\n\n"
        "Files / archivos: roads.osm (OpenStreetMap XML: roads, rivers, places, markets, "
        "schools), elevation.tif (DEM, EPSG:32718), population.tif (people per cell, "
        "EPSG:32718), communities.csv, markets.csv, schools.csv, proposals.geojson, "
        "metadata.json.\n\n"
        "ES: proposals.geojson reúne propuestas de obras viales inventadas, como las que una "
        "comunidad o municipalidad presentaría a un presupuesto participativo; dos de ellas "
        "son inválidas a propósito (costo negativo, trazo fuera de la región) para mostrar "
        "cómo se rechazan.\n"
        "EN: proposals.geojson holds invented road-work proposals such as a community or "
        "municipality would bring to a participatory budget meeting; two are invalid on "
        "purpose (negative cost, line outside the region) to show how they are rejected.\n"
    )


def _district_poverty(communities: pd.DataFrame) -> pd.Series:
    """Invent a poverty rate per district: higher where the district lies higher.

    Share of people below the poverty line (0..1), between 0.20 and 0.80,
    linear in the district's population-weighted mean elevation. Invented like
    everything else here; it exists so the equity weight of the ranking can be
    shown on the sample (``[ranking] equity_column``).
    """
    weighted = communities["elevation_m"] * communities["population"]
    by_district = communities.assign(w=weighted).groupby("district")
    mean_elev = by_district["w"].sum() / by_district["population"].sum()
    low, high = float(mean_elev.min()), float(mean_elev.max())
    share = (mean_elev - low) / (high - low) if high > low else mean_elev * 0.0
    rate = (0.20 + 0.60 * share).round(2)
    return communities["district"].map(rate).astype(float)


def _write_region(model: _Model, files: SampleRegionFiles) -> None:
    comm = model.comm
    frame = model.frame
    dem = _dem(model, _rng(model.seed, _S_TERRAIN))
    n_dem = dem.shape[0]
    col = np.clip(((comm.xy[:, 0] - frame.x0) / DEM_CELL_M).astype(np.int64), 0, n_dem - 1)
    row = np.clip(
        ((frame.y0 + frame.side - comm.xy[:, 1]) / DEM_CELL_M).astype(np.int64), 0, n_dem - 1
    )
    elevation = np.round(dem[row, col]).astype(np.int64)
    caps = np.flatnonzero(comm.is_district_capital)
    d = np.hypot(
        comm.xy[:, None, 0] - comm.xy[None, caps, 0], comm.xy[:, None, 1] - comm.xy[None, caps, 1]
    )
    district = caps[d.argmin(axis=1)]
    names = model.names.communities
    width = max(4, len(str(len(names))))
    ids = [f"SMP{i + 1:0{width}d}" for i in range(len(names))]
    lon, lat = _lonlat(comm.xy)
    communities = pd.DataFrame(
        {
            "community_id": ids,
            "name": names,
            "district": [names[k] for k in district],
            "category": [_CATEGORY[k] for k in comm.category],
            "population": comm.population.astype(np.int64),
            "lon": lon,
            "lat": lat,
            "elevation_m": elevation,
        }
    )
    communities["poverty_rate"] = _district_poverty(communities)
    fac = _facilities(model, ids, _rng(model.seed, _S_FAC))
    pop = _population_raster(frame, comm)
    osm, counts = _osm_text(model, communities, fac)
    proposals = _proposals(model, communities, dem, _rng(model.seed, _S_PROP))

    road_tree = shapely.STRtree(
        _line_geoms(
            model.road_xy, _Lines(model.ways.ptr, model.ways.idx, model.ways.cls, model.ways.ref)
        )
    )
    _, dist = road_tree.query_nearest(
        shapely.points(comm.xy), return_distance=True, all_matches=False
    )
    off_network = communities["community_id"][dist > 2000.0].tolist()

    with atomic_path(files.roads_osm) as tmp:
        tmp.write_text(osm, encoding="utf-8")
    tags = {
        "label": SAMPLE_LABEL,
        "note": NOT_REAL_DATA,
        "seed": str(model.seed),
        "size": f"{model.size:g}",
    }
    _write_raster(files.elevation_tif, dem, frame, DEM_CELL_M, {**tags, "units": "m"})
    _write_raster(
        files.population_tif, pop, frame, POPULATION_CELL_M, {**tags, "units": "people per cell"}
    )
    for df, path in (
        (communities, files.communities_csv),
        (fac.markets, files.markets_csv),
        (fac.schools, files.schools_csv),
    ):
        with atomic_path(path) as tmp:
            df.to_csv(tmp, index=False, lineterminator="\n", encoding="utf-8")
    with atomic_path(files.proposals_geojson) as tmp:
        tmp.write_text(_proposals_text(model, proposals), encoding="utf-8")
    with atomic_path(files.readme_txt) as tmp:
        tmp.write_text(_readme(model), encoding="utf-8")

    to_ll = Transformer.from_crs(SAMPLE_CRS, "EPSG:4326", always_xy=True)
    west, south, east, north = to_ll.transform_bounds(
        frame.x0, frame.y0, frame.x0 + frame.side, frame.y0 + frame.side
    )
    cat_counts = communities["category"].value_counts()
    meta = {
        "label": SAMPLE_LABEL,
        "not_real_data": NOT_REAL_DATA,
        "no_son_datos_reales": _NOT_REAL_DATA_ES,
        "seed": model.seed,
        "size": model.size,
        "generator": "connectivity.sample",
        "generator_version": GENERATOR_VERSION,
        "crs": SAMPLE_CRS,
        "osm_crs": "EPSG:4326",
        "province": model.names.province,
        "districts": sorted(names[k] for k in caps),
        "bbox_lonlat": [round(west, 6), round(south, 6), round(east, 6), round(north, 6)],
        "bbox_utm": [frame.x0, frame.y0, frame.x0 + frame.side, frame.y0 + frame.side],
        "rasters": {
            "elevation": {
                "file": files.elevation_tif.name,
                "cell_m": DEM_CELL_M,
                "shape": list(dem.shape),
                "min_m": round(float(dem.min()), 1),
                "max_m": round(float(dem.max()), 1),
                "nodata": _NODATA,
            },
            "population": {
                "file": files.population_tif.name,
                "cell_m": POPULATION_CELL_M,
                "shape": list(pop.shape),
                "sum": round(float(pop.sum(dtype=np.float64)), 1),
                "nodata": _NODATA,
            },
        },
        "counts": {
            **counts,
            "communities": {
                "total": len(communities),
                **{k: int(cat_counts.get(k, 0)) for k in _CATEGORY},
                "off_network_over_2km": len(off_network),
            },
            "population_total": int(communities["population"].sum()),
            "markets": len(fac.markets),
            "schools": {
                "total": len(fac.schools),
                "primaria": int((fac.schools["level"] == "primaria").sum()),
                "secundaria": int((fac.schools["level"] == "secundaria").sum()),
            },
            "proposals": {
                "total": len(proposals),
                **{
                    kind: sum(p.kind == kind for p in proposals)
                    for kind in ("upgrade", "new_link", "bridge")
                },
                "cofinanced": sum(p.share is not None for p in proposals),
                "invalid_examples": sum(p.proposed_by == _INVALID_BY for p in proposals),
            },
        },
        "off_network_communities": off_network,
        "files": [p.name for p in files.all_files()],
    }
    with atomic_path(files.metadata_json) as tmp:
        tmp.write_text(
            json.dumps(meta, sort_keys=True, indent=2, ensure_ascii=False) + "\n", encoding="utf-8"
        )
