"""A national-size synthetic test input: shifted copies of the sample region, joined at the seams.

:func:`build_tiled_region` makes an OSM PBF of about ``target_nodes`` road
nodes (default 10⁷, the size of a national road and path network) from one
generated sample region (:func:`connectivity.sample.generate_sample_region`)
without generating a national region from scratch:

* **Tiles.** The base region's ``roads.osm`` (roads, rivers, places,
  amenities) is copied ``n`` times, ``n = round(target_nodes / road nodes of
  the base)``, laid row by row on a grid of ``ceil(sqrt(n))`` columns, going
  east and north from the base (the last row may be partly filled). Copy
  ``t`` has node ids ``id + t * node_step`` and way ids ``id + t *
  way_step``, where the steps are the powers of ten above the base's largest
  ids, so every id is unique and a copy is recognisable by its leading
  digits. Its coordinates are the base's shifted by a whole number of 10⁻⁷
  degrees (OSM's fixed-point unit, so the shift is exact): ``(column * dx,
  row * dy)``, with ``dx`` and ``dy`` the extent of the base's nodes plus a
  gap of :data:`GAP_DEG`, rounded up to 0.01°. Copies never overlap.
* **Seams.** Neighbouring copies (east-west and south-north) are joined by
  short two-node ways tagged ``highway=track``, ``tracktype=grade3``,
  ``surface=unpaved`` and ``note=`` :data:`SEAM_NOTE`. Each seam is cut into
  ``links_per_seam`` equal strips along its length; in each strip the pair
  of road nodes nearest to each other across the seam is joined (the nodes
  of the copy's largest connected road piece within 15 % of the extent of
  the edge; a node of a way, not necessarily its end, so the link makes a
  junction). The links are chosen once on the base and repeated on every
  seam, so the largest pieces of all copies form one connected network; no
  node is added (the links reuse existing nodes).
* **Places.** ``communities.csv``, ``markets.csv``, ``schools.csv`` and
  ``health.csv`` are copied with each tile: ids (and the ``community_id`` a
  facility belongs to) get the suffix ``-T<tile>``, names and districts the
  suffix `` [T<tile>]`` (so districts of different copies stay apart in the
  summaries), ``lon``/``lat`` shifted like the roads.
* **Config.** A region TOML (``<name>.toml``) points the whole pipeline at
  these files. It has **no elevation**: the sample's DEM is a UTM raster, and
  a shift in degrees is not a shift in UTM metres, so copies of it would not
  line up with the roads (walking is then flat, new links are not checked
  for slope). No proposals either (generated works only). The budget is the
  sample's times the number of tiles.

Everything is labelled "synthetic, tiled copies of the sample region": the
region title, its attribution, ``metadata.json``, ``README.txt`` and the
PBF header. Writing is streamed through :class:`osmium.SimpleWriter`; on 2
cores the 10⁷-node PBF takes a few minutes (see ``bench/bench_scale.py``).
"""

from __future__ import annotations

import json
import logging
import math
import time
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import numpy as np
import osmium
import pandas as pd
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import connected_components
from scipy.spatial import cKDTree
from tqdm.auto import tqdm

from connectivity._io import atomic_path, atomic_write_text
from connectivity._logging import progress_enabled
from connectivity.errors import ConfigError, DataError
from connectivity.sample.generate import generate_sample_region
from connectivity.sample.params import GENERATOR_VERSION

__all__ = [
    "GAP_DEG",
    "PLACE_FILES",
    "SEAM_NOTE",
    "TILED_LABEL",
    "BaseOsm",
    "TileGrid",
    "TiledRegion",
    "build_tiled_region",
    "grid_for_target",
    "read_base_osm",
    "seam_links",
    "tile_places",
    "write_tiled_osm",
]

log = logging.getLogger(__name__)

#: Label of every file made here.
TILED_LABEL = "synthetic, tiled copies of the sample region"
#: Gap between neighbouring copies (degrees), before rounding the step up to 0.01°.
GAP_DEG = 0.005
#: ``note`` tag of the ways joining neighbouring copies.
SEAM_NOTE = "synthetic seam link joining tiled copies of the sample region"
#: Tags of the ways joining neighbouring copies.
SEAM_TAGS = {"highway": "track", "tracktype": "grade3", "surface": "unpaved", "note": SEAM_NOTE}
#: Place tables copied with each tile, and their id column.
PLACE_FILES = {
    "communities.csv": "community_id",
    "markets.csv": "facility_id",
    "schools.csv": "facility_id",
    "health.csv": "facility_id",
}
#: Version of the tiling: a cached tiled region is rebuilt when it changes.
TILING_VERSION = 1
_E7 = 10_000_000  # OSM fixed-point units per degree
_STEP_E7 = 100_000  # offsets are whole multiples of 0.01 degree
_BAND = 0.15  # share of the extent searched for seam nodes on each side
_M_PER_DEG_LAT = 110_574.0
_M_PER_DEG_LON_EQUATOR = 111_320.0


@dataclass(frozen=True)
class BaseOsm:
    """The OSM file tiled, in arrays (read once by :func:`read_base_osm`).

    Attributes
    ----------
    node_ids : numpy.ndarray
        int64 ids, in file order.
    x_e7, y_e7 : numpy.ndarray
        int64 longitude and latitude in 10⁻⁷ degrees.
    node_tags : dict
        Tags of the tagged nodes, by position in ``node_ids``.
    way_ids : numpy.ndarray
    way_refs : list of numpy.ndarray
        Node ids of each way.
    way_tags : list of dict
    relations : list of tuple
        ``(id, members, tags)`` with members ``(type, ref, role)``.
    road : numpy.ndarray
        bool per node: used by a way tagged ``highway``.
    """

    node_ids: np.ndarray
    x_e7: np.ndarray
    y_e7: np.ndarray
    node_tags: dict[int, dict[str, str]]
    way_ids: np.ndarray
    way_refs: list[np.ndarray]
    way_tags: list[dict[str, str]]
    relations: list[tuple[int, list[tuple[str, int, str]], dict[str, str]]]
    road: np.ndarray

    @property
    def n_road_nodes(self) -> int:
        """Nodes of ways tagged ``highway``."""
        return int(self.road.sum())

    def positions(self, ids: np.ndarray) -> np.ndarray:
        """Positions in ``node_ids`` of ``ids`` (all must exist)."""
        order = np.argsort(self.node_ids, kind="stable")
        at = np.searchsorted(self.node_ids, ids, sorter=order)
        at = np.minimum(at, len(order) - 1)
        pos = order[at]
        if not np.array_equal(self.node_ids[pos], ids):
            raise DataError("a way refers to a node that is not in the file")
        return np.asarray(pos, dtype=np.int64)


@dataclass(frozen=True)
class TileGrid:
    """Where the copies go: ``n_tiles`` tiles row by row on ``cols`` columns.

    ``dx_e7``/``dy_e7`` are the shifts between neighbouring copies in 10⁻⁷ degrees.
    """

    n_tiles: int
    cols: int
    dx_e7: int
    dy_e7: int

    @property
    def rows(self) -> int:
        """Rows of the grid (the last may be partly filled)."""
        return math.ceil(self.n_tiles / self.cols)

    def cell(self, tile: int) -> tuple[int, int]:
        """``(row, column)`` of a tile."""
        return divmod(tile, self.cols)

    def offset_e7(self, tile: int) -> tuple[int, int]:
        """Shift of a tile's coordinates, in 10⁻⁷ degrees (east, north)."""
        row, col = self.cell(tile)
        return col * self.dx_e7, row * self.dy_e7

    def neighbours(self) -> list[tuple[str, int, int]]:
        """List the seams: ``("east", west tile, east tile)``, ``("north", south, north)``."""
        seams: list[tuple[str, int, int]] = []
        for t in range(self.n_tiles):
            col = self.cell(t)[1]
            if col + 1 < self.cols and t + 1 < self.n_tiles:
                seams.append(("east", t, t + 1))
            if t + self.cols < self.n_tiles:
                seams.append(("north", t, t + self.cols))
        return seams


@dataclass(frozen=True)
class TiledRegion:
    """What :func:`build_tiled_region` wrote.

    Attributes
    ----------
    directory, roads_pbf, config_toml, metadata_json : Path
    n_tiles, cols, rows : int
    base_road_nodes, road_nodes, nodes, ways, seam_ways : int
        Counts in the base and in the written file (``road_nodes`` is the
        base's times ``n_tiles``: seam links add no node).
    seconds : float
        Time taken to write it (0 when a cached region was re-used).
    """

    directory: Path
    roads_pbf: Path
    config_toml: Path
    metadata_json: Path
    n_tiles: int
    cols: int
    rows: int
    base_road_nodes: int
    road_nodes: int
    nodes: int
    ways: int
    seam_ways: int
    seconds: float


def read_base_osm(path: str | Path) -> BaseOsm:
    """Read an OSM file (XML or PBF) into :class:`BaseOsm` arrays.

    Parameters
    ----------
    path : path-like
        The base region's OSM file (the sample's ``roads.osm``).

    Returns
    -------
    BaseOsm

    Raises
    ------
    DataError
        No nodes, or a way refers to a node not in the file.
    """
    ids: list[int] = []
    xs: list[int] = []
    ys: list[int] = []
    node_tags: dict[int, dict[str, str]] = {}
    way_ids: list[int] = []
    way_refs: list[np.ndarray] = []
    way_tags: list[dict[str, str]] = []
    relations: list[tuple[int, list[tuple[str, int, str]], dict[str, str]]] = []
    for obj in osmium.FileProcessor(str(path)):
        if isinstance(obj, osmium.osm.Node):
            if len(obj.tags):
                node_tags[len(ids)] = {t.k: t.v for t in obj.tags}
            ids.append(obj.id)
            xs.append(obj.location.x)
            ys.append(obj.location.y)
        elif isinstance(obj, osmium.osm.Way):
            way_ids.append(obj.id)
            way_refs.append(np.fromiter((n.ref for n in obj.nodes), dtype=np.int64))
            way_tags.append({t.k: t.v for t in obj.tags})
        elif isinstance(obj, osmium.osm.Relation):
            members = [(m.type, m.ref, m.role) for m in obj.members]
            relations.append((obj.id, members, {t.k: t.v for t in obj.tags}))
    base = BaseOsm(
        node_ids=np.asarray(ids, dtype=np.int64),
        x_e7=np.asarray(xs, dtype=np.int64),
        y_e7=np.asarray(ys, dtype=np.int64),
        node_tags=node_tags,
        way_ids=np.asarray(way_ids, dtype=np.int64),
        way_refs=way_refs,
        way_tags=way_tags,
        relations=relations,
        road=np.zeros(len(ids), dtype=bool),
    )
    if not ids:
        raise DataError(f"{path}: no nodes to tile")
    roads = [r for r, tags in zip(way_refs, way_tags, strict=True) if "highway" in tags]
    if roads:
        base.road[base.positions(np.concatenate(roads))] = True
    log.info(
        "read %s: %d nodes (%d on roads), %d ways, %d relations",
        path,
        len(ids),
        base.n_road_nodes,
        len(way_ids),
        len(relations),
    )
    return base


def grid_for_target(base: BaseOsm, target_nodes: int, *, gap_deg: float = GAP_DEG) -> TileGrid:
    """Lay ``round(target_nodes / base road nodes)`` copies (at least one) on a near-square grid.

    Parameters
    ----------
    base : BaseOsm
    target_nodes : int
        Road nodes wanted in all.
    gap_deg : float
        Gap between neighbouring copies before rounding (degrees).

    Returns
    -------
    TileGrid

    Raises
    ------
    ConfigError
        The grid would reach beyond valid longitudes or latitudes.
    """
    if base.n_road_nodes == 0:
        raise DataError("the base region has no road nodes")
    n = max(1, round(target_nodes / base.n_road_nodes))
    return _grid(base, n, math.ceil(math.sqrt(n)), gap_deg)


def _grid(base: BaseOsm, n_tiles: int, cols: int, gap_deg: float) -> TileGrid:
    if n_tiles < 1 or cols < 1:
        raise ConfigError(f"a tile grid needs at least one tile and column, not {n_tiles}, {cols}")
    gap = round(gap_deg * _E7)

    def step(values: np.ndarray) -> int:
        extent = int(values.max() - values.min()) + gap
        return -(-extent // _STEP_E7) * _STEP_E7

    grid = TileGrid(n_tiles, cols, step(base.x_e7), step(base.y_e7))
    east = int(base.x_e7.max()) + (grid.cols - 1) * grid.dx_e7
    north = int(base.y_e7.max()) + (grid.rows - 1) * grid.dy_e7
    if east >= 180 * _E7 or north > 90 * _E7:
        raise ConfigError(
            f"{n_tiles} tiles on {cols} columns reach lon {east / _E7:.2f}, lat "
            f"{north / _E7:.2f}: beyond valid coordinates; ask for fewer nodes"
        )
    return grid


def _main_piece(base: BaseOsm) -> np.ndarray:
    """Say which nodes are on the largest connected piece of the road network."""
    pairs = [
        base.positions(refs)
        for refs, tags in zip(base.way_refs, base.way_tags, strict=True)
        if "highway" in tags and len(refs) >= 2
    ]
    n = len(base.node_ids)
    if not pairs:
        return np.zeros(n, dtype=bool)
    u = np.concatenate([p[:-1] for p in pairs])
    v = np.concatenate([p[1:] for p in pairs])
    graph = coo_matrix((np.ones(len(u), dtype=np.int8), (u, v)), shape=(n, n))
    _, labels = connected_components(graph, directed=False)
    sizes = np.bincount(labels[base.road], minlength=labels.max() + 1)
    main: np.ndarray = base.road & (labels == int(np.argmax(sizes)))
    return main


def seam_links(
    base: BaseOsm, grid: TileGrid, *, links_per_seam: int = 4
) -> dict[str, list[tuple[int, int]]]:
    """Choose the node pairs joined across each kind of seam (positions in the base).

    Parameters
    ----------
    base : BaseOsm
    grid : TileGrid
    links_per_seam : int
        Strips each seam is cut into; one link per strip (fewer if a strip
        has no road node near the edge).

    Returns
    -------
    dict
        ``{"east": [(a, b), ...], "north": [...]}``: ``a`` is a node of the
        western (southern) copy, ``b`` of the eastern (northern) one. See the
        module docstring for how they are chosen.
    """
    main = np.flatnonzero(_main_piece(base))
    if len(main) == 0:
        raise DataError("the base region has no road network to join at the seams")
    lat0 = float(base.y_e7[main].mean()) / _E7
    kx = math.cos(math.radians(lat0)) * _M_PER_DEG_LON_EQUATOR / _E7
    ky = _M_PER_DEG_LAT / _E7
    xy = np.column_stack([base.x_e7[main] * kx, base.y_e7[main] * ky])
    links: dict[str, list[tuple[int, int]]] = {}
    for side, axis, shift in (("east", 0, grid.dx_e7 * kx), ("north", 1, grid.dy_e7 * ky)):
        along = 1 - axis
        lo, hi = xy[:, axis].min(), xy[:, axis].max()
        band = _BAND * (hi - lo)
        near_a = np.flatnonzero(xy[:, axis] >= hi - band)  # east/north edge of a copy
        near_b = np.flatnonzero(xy[:, axis] <= lo + band)  # west/south edge of the next
        tree = cKDTree(xy[near_b])
        moved = xy[near_a].copy()
        moved[:, axis] -= shift  # the next copy's frame
        dist, nearest = tree.query(moved)
        edges = np.linspace(xy[:, along].min(), xy[:, along].max(), links_per_seam + 1)
        strip = np.searchsorted(edges, xy[near_a, along], side="right") - 1
        strip = np.clip(strip, 0, links_per_seam - 1)
        chosen: list[tuple[int, int]] = []
        lengths: list[float] = []
        for s in range(links_per_seam):
            inside = np.flatnonzero(strip == s)
            if len(inside) == 0:
                continue
            best = inside[np.argmin(dist[inside])]
            pair = (int(main[near_a[best]]), int(main[near_b[nearest[best]]]))
            if pair not in chosen:
                chosen.append(pair)
                lengths.append(float(dist[best]))
        links[side] = chosen
        log.info(
            "%s seams: %d links of %s m", side, len(chosen), ", ".join(f"{x:,.0f}" for x in lengths)
        )
    return links


def _step_above(value: int) -> int:
    return int(10 ** max(1, math.ceil(math.log10(value + 1))))


def write_tiled_osm(
    base: BaseOsm,
    grid: TileGrid,
    target: str | Path,
    *,
    links_per_seam: int = 4,
) -> dict[str, int]:
    """Write the tiled copies of ``base`` and their seam links to an OSM file (PBF by its name).

    Nodes of every copy first, then ways, then seam ways (ids above every
    copy's), then relations, each in ascending id order, as OSM files
    expect. Written atomically.

    Parameters
    ----------
    base : BaseOsm
    grid : TileGrid
    target : path-like
        The file (``.osm.pbf`` for PBF).
    links_per_seam : int
        As :func:`seam_links`.

    Returns
    -------
    dict
        ``nodes``, ``road_nodes``, ``ways``, ``seam_ways``, ``relations``,
        ``node_step``, ``way_step`` and ``relation_step`` (the id shift per tile).
    """
    node_step = _step_above(int(base.node_ids.max()))
    way_step = _step_above(int(base.way_ids.max()) if len(base.way_ids) else 0)
    rel_step = _step_above(max((r[0] for r in base.relations), default=0))
    links = seam_links(base, grid, links_per_seam=links_per_seam)
    seams = grid.neighbours()
    n_seam_ways = sum(len(links[side]) for side, _, _ in seams)
    header = osmium.io.Header()
    header.set("generator", f"connectivity sample tiling ({TILED_LABEL}; not real data)")
    west, south = int(base.x_e7.min()), int(base.y_e7.min())
    east = int(base.x_e7.max()) + (grid.cols - 1) * grid.dx_e7
    north = int(base.y_e7.max()) + (grid.rows - 1) * grid.dy_e7
    header.add_box(osmium.osm.Box(west / _E7, south / _E7, east / _E7, north / _E7))
    n = grid.n_tiles
    node_ids = base.node_ids.tolist()
    tags = [base.node_tags.get(i, {}) for i in range(len(node_ids))]
    way_ids = base.way_ids.tolist()
    way_refs = [r.tolist() for r in base.way_refs]
    mutable = osmium.osm.mutable
    total = n * (len(node_ids) + len(way_ids)) + n_seam_ways
    with (
        atomic_path(target) as tmp,
        osmium.SimpleWriter(str(tmp), header=header) as writer,
        tqdm(total=total, desc="tiled OSM", unit=" objects", disable=not progress_enabled()) as bar,
    ):
        for t in range(n):
            dx, dy = grid.offset_e7(t)
            lon = ((base.x_e7 + dx) / _E7).tolist()
            lat = ((base.y_e7 + dy) / _E7).tolist()
            shift = t * node_step
            for i, nid in enumerate(node_ids):
                node = mutable.Node(id=nid + shift, location=(lon[i], lat[i]), tags=tags[i])
                writer.add_node(node)
            bar.update(len(node_ids))
        for t in range(n):
            shift, wshift = t * node_step, t * way_step
            for wid, refs, wtags in zip(way_ids, way_refs, base.way_tags, strict=True):
                way = mutable.Way(id=wid + wshift, nodes=[r + shift for r in refs], tags=wtags)
                writer.add_way(way)
            bar.update(len(way_ids))
        seam_id = n * way_step
        for side, low, high in seams:
            for a, b in links[side]:
                seam_id += 1
                ends = [node_ids[a] + low * node_step, node_ids[b] + high * node_step]
                writer.add_way(mutable.Way(id=seam_id, nodes=ends, tags=SEAM_TAGS))
                bar.update(1)
        steps = {"n": node_step, "w": way_step, "r": rel_step}
        for t in range(n):
            for rid, members, rtags in base.relations:
                moved = [(kind, ref + t * steps[kind], role) for kind, ref, role in members]
                rel = mutable.Relation(id=rid + t * rel_step, members=moved, tags=rtags)
                writer.add_relation(rel)
    return {
        "nodes": n * len(node_ids),
        "road_nodes": n * base.n_road_nodes,
        "ways": n * len(way_ids) + n_seam_ways,
        "seam_ways": n_seam_ways,
        "relations": n * len(base.relations),
        "node_step": node_step,
        "way_step": way_step,
        "relation_step": rel_step,
    }


def tile_places(base_dir: str | Path, out_dir: str | Path, grid: TileGrid) -> dict[str, int]:
    """Copy the place tables of ``base_dir`` once per tile into ``out_dir``.

    Ids and ``community_id`` get the suffix ``-T<tile>``, ``name`` and
    ``district`` the suffix `` [T<tile>]``; ``lon``/``lat`` are shifted like
    the tile's roads (rounded to 10⁻⁷ degrees).

    Parameters
    ----------
    base_dir, out_dir : path-like
        Folder of the base region's :data:`PLACE_FILES`, and where the tiled
        ones are written (atomically).
    grid : TileGrid

    Returns
    -------
    dict
        Rows written per file name.

    Raises
    ------
    DataError
        A table lacks its id, ``lon`` or ``lat`` column, or ids repeat once tiled.
    """
    base_dir, out_dir = Path(base_dir), Path(out_dir)
    width = len(str(grid.n_tiles - 1))
    counts: dict[str, int] = {}
    for name, id_column in PLACE_FILES.items():
        table = pd.read_csv(base_dir / name, dtype={id_column: str, "community_id": str})
        for col in (id_column, "lon", "lat"):
            if col not in table.columns:
                raise DataError(f"{base_dir / name}: no column {col!r}")
        copies = []
        for t in range(grid.n_tiles):
            dx, dy = grid.offset_e7(t)
            tag = f"T{t:0{width}d}"
            copy = table.copy()
            for col in {id_column, "community_id"} & set(copy.columns):
                copy[col] = copy[col].where(copy[col].isna(), copy[col] + f"-{tag}")
            for col in {"name", "district"} & set(copy.columns):
                copy[col] = copy[col].astype(str) + f" [{tag}]"
            copy["lon"] = ((copy["lon"] * _E7).round() + dx) / _E7
            copy["lat"] = ((copy["lat"] * _E7).round() + dy) / _E7
            copies.append(copy)
        tiled = pd.concat(copies, ignore_index=True)
        if tiled[id_column].duplicated().any():
            raise DataError(f"{base_dir / name}: ids not unique once tiled")
        with atomic_path(out_dir / name) as tmp:
            tiled.to_csv(tmp, index=False, float_format="%.7f")
        counts[name] = len(tiled)
    return counts


def _toml_value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return repr(value)
    if isinstance(value, list):
        return "[" + ", ".join(_toml_value(v) for v in value) + "]"
    return json.dumps(str(value), ensure_ascii=False)


def _region_toml(name: str, n_tiles: int, base_size: float, seed: int) -> str:
    places = {
        kind: {"kind": "file", "path": f"{kind}.csv", "id_column": "facility_id"}
        for kind in ("markets", "schools", "health")
    }
    config: dict[str, dict[str, Any]] = {
        "region": {
            "name": name,
            "title": (
                f"Red nacional sintética: {n_tiles} copias desplazadas de la región de muestra "
                "(inventada, no es un lugar real)"
            ),
            "synthetic": True,
            "lang": "es",
            "crs": "auto",
            "attribution": [
                f"{TILED_LABEL}: {n_tiles} copies of the sample region (size {base_size:g}, "
                f"seed {seed}) generated by connectivity; not real data"
            ],
        },
        "roads": {"path": "roads.osm.pbf"},
        "population": {
            "kind": "points",
            "path": "communities.csv",
            "id_column": "community_id",
            "name_column": "name",
            "population_column": "population",
            "district_column": "district",
        },
        **places,
        "access": {"thresholds_min": [30, 60, 120], "max_connector_m": 2000.0},
        "costs": {"currency": "PEN", "price_year": 2024},
        "budget": {"amount": 15_000_000.0 * n_tiles},
        "candidates": {
            "generate": ["upgrade", "new_link", "bridge"],
            "max_new_link_m": 5000.0,
            "max_slope_pct": 12.0,
        },
        "ranking": {
            "market_weight": 0.34,
            "school_weight": 0.33,
            "health_weight": 0.33,
            "dry_days": 245,
            "rain_days": 90,
            "wet_days": 30,
            "equity_column": "poverty_rate",
            "equity_strength": 1.0,
            "top_n": 20,
        },
        "appraisal": {
            "value_of_time_per_hour": 3.0,
            "value_of_time_source": (
                "assumption for the synthetic sample (about half the minimum wage per hour); "
                "not an official figure"
            ),
        },
    }
    lines = [
        f"# {TILED_LABEL}: written by connectivity.sample.tiling. Nothing here is a real place.",
        "# No [elevation]: the sample's UTM DEM cannot be shifted in degrees (walking is flat).",
    ]
    for section, values in config.items():
        lines += ["", f"[{section}]"]
        lines += [f"{key} = {_toml_value(value)}" for key, value in values.items()]
    return "\n".join(lines) + "\n"


def _cached(meta_path: Path, wanted: dict[str, Any]) -> dict[str, Any] | None:
    try:
        meta = json.loads(meta_path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if meta.get("parameters") != wanted:
        return None
    files = [meta_path.parent / f for f in meta.get("files", [])]
    return meta if files and all(f.is_file() for f in files) else None


def build_tiled_region(
    out: str | Path,
    *,
    target_nodes: int = 10_000_000,
    base_size: float = 16.0,
    seed: int = 42,
    base_dir: str | Path | None = None,
    cols: int | None = None,
    n_tiles: int | None = None,
    links_per_seam: int = 4,
    name: str | None = None,
) -> TiledRegion:
    """Write a tiled synthetic region of about ``target_nodes`` road nodes into ``out``.

    Parameters
    ----------
    out : path-like
        Folder written: ``roads.osm.pbf``, the four place CSVs,
        ``<name>.toml``, ``metadata.json`` and ``README.txt``. The base sample
        region is generated into ``out/base`` unless ``base_dir`` is given. A
        region already there with the same parameters is re-used.
    target_nodes : int
        Road nodes wanted; the number of tiles is ``round(target_nodes /
        road nodes of the base)`` unless ``n_tiles`` is given.
    base_size, seed : float, int
        ``size`` and ``seed`` of the base sample region.
    base_dir : path-like, optional
        An already generated sample region to tile (its ``metadata.json``
        must say the same ``size`` and ``seed``); read only.
    cols, n_tiles : int, optional
        Force the grid (default: ``ceil(sqrt(n_tiles))`` columns).
    links_per_seam : int
        Ways joining each pair of neighbouring copies.
    name : str, optional
        Region name (default ``tiled_<n_tiles>``).

    Returns
    -------
    TiledRegion
    """
    out = Path(out)
    started = time.perf_counter()
    if base_dir is None:
        base_dir = generate_sample_region(out / "base", seed=seed, size=base_size).directory
    base_dir = Path(base_dir)
    base_meta = json.loads((base_dir / "metadata.json").read_text(encoding="utf-8"))
    if (float(base_meta.get("size", -1)), int(base_meta.get("seed", -1))) != (base_size, seed):
        raise ConfigError(
            f"{base_dir}: a sample region of size {base_meta.get('size')} and seed "
            f"{base_meta.get('seed')}, not size {base_size:g} and seed {seed}"
        )
    wanted = {
        "target_nodes": target_nodes,
        "base_size": base_size,
        "seed": seed,
        "cols": cols,
        "n_tiles": n_tiles,
        "links_per_seam": links_per_seam,
        "name": name,
        "generator_version": GENERATOR_VERSION,
        "tiling_version": TILING_VERSION,
    }
    meta_path = out / "metadata.json"
    meta = _cached(meta_path, wanted)
    if meta is None:
        base = read_base_osm(base_dir / "roads.osm")
        if n_tiles is None:
            grid = grid_for_target(base, target_nodes)
            if cols is not None:
                grid = _grid(base, grid.n_tiles, cols, GAP_DEG)
        else:
            grid = _grid(base, n_tiles, cols or math.ceil(math.sqrt(n_tiles)), GAP_DEG)
        region_name = name or f"tiled_{grid.n_tiles}"
        log.info(
            "tiling %s: %d copies on %d columns x %d rows, shift %.2f x %.2f degrees",
            base_dir,
            grid.n_tiles,
            grid.cols,
            grid.rows,
            grid.dx_e7 / _E7,
            grid.dy_e7 / _E7,
        )
        counts = write_tiled_osm(base, grid, out / "roads.osm.pbf", links_per_seam=links_per_seam)
        counts.update(tile_places(base_dir, out, grid))
        toml = f"{region_name}.toml"
        atomic_write_text(out / toml, _region_toml(region_name, grid.n_tiles, base_size, seed))
        seconds = time.perf_counter() - started
        atomic_write_text(out / "README.txt", _readme(grid, counts, base_size, seed))
        meta = {
            "label": TILED_LABEL,
            "not_real_data": True,
            "parameters": wanted,
            "base": {"directory": str(base_dir), "road_nodes": base.n_road_nodes},
            "grid": asdict(grid) | {"rows": grid.rows},
            "counts": counts,
            "files": ["roads.osm.pbf", *PLACE_FILES, toml, "README.txt"],
            "config": toml,
            "seconds": round(seconds, 1),
        }
        atomic_write_text(meta_path, json.dumps(meta, indent=2) + "\n")
        log.info("tiled region written to %s in %.0f s: %s", out, seconds, counts)
    else:
        seconds = 0.0
        log.info("re-using the tiled region in %s", out)
    grid_meta, counts = meta["grid"], meta["counts"]
    return TiledRegion(
        directory=out,
        roads_pbf=out / "roads.osm.pbf",
        config_toml=out / meta["config"],
        metadata_json=meta_path,
        n_tiles=int(grid_meta["n_tiles"]),
        cols=int(grid_meta["cols"]),
        rows=int(grid_meta["rows"]),
        base_road_nodes=int(meta["base"]["road_nodes"]),
        road_nodes=int(counts["road_nodes"]),
        nodes=int(counts["nodes"]),
        ways=int(counts["ways"]),
        seam_ways=int(counts["seam_ways"]),
        seconds=seconds,
    )


def _readme(grid: TileGrid, counts: dict[str, int], base_size: float, seed: int) -> str:
    return (
        f"{TILED_LABEL.capitalize()}: NOT REAL DATA.\n\n"
        f"{grid.n_tiles} shifted copies of the synthetic sample region (size {base_size:g}, "
        f"seed {seed}) on {grid.cols} columns x {grid.rows} rows, "
        f"{grid.dx_e7 / _E7:.2f} x {grid.dy_e7 / _E7:.2f} degrees apart, joined at the seams "
        f"by {counts['seam_ways']} ways tagged highway=track (note={SEAM_NOTE!r}).\n"
        f"roads.osm.pbf: {counts['nodes']:,} nodes ({counts['road_nodes']:,} on roads), "
        f"{counts['ways']:,} ways. Places: "
        + ", ".join(f"{k} {v:,}" for k, v in counts.items() if k.endswith(".csv"))
        + ".\nNo elevation (a UTM DEM cannot be shifted in degrees), no proposals.\n"
        "Written by connectivity.sample.tiling.build_tiled_region.\n"
    )
