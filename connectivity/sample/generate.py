"""Public entry points of the sample region: the files, or the road network alone.

:func:`generate_sample_region` writes the region's files to a folder (or
re-uses them when ``metadata.json`` records the same seed, size and
generator version); :func:`sample_road_network` returns the same road
network as osmnx-like node and edge GeoDataFrames without writing XML, for
benchmarks at 10⁵-10⁶+ nodes.

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
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from connectivity.errors import ConfigError
from connectivity.sample.geometry import _linestrings, _ranges
from connectivity.sample.model import _build_model, _Model
from connectivity.sample.params import (
    _MIN_SIZE,
    GENERATOR_VERSION,
    MAX_FILE_SIZE,
    MAX_NETWORK_SIZE,
    SAMPLE_CRS,
)
from connectivity.sample.writers import SampleRegionFiles, _write_region

__all__ = ["generate_sample_region", "sample_road_network"]

log = logging.getLogger(__name__)


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
    # temporary files of a generation that was killed half way (".roads.k2j3h4.osm")
    for stale in directory.glob(".*.*"):
        if stale.is_file():
            stale.unlink()
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
