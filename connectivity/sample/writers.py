"""Files of the sample region: paths, OSM XML, GeoTIFF, CSV, GeoJSON, README and metadata.

:class:`SampleRegionFiles` names the files; :func:`_write_region` computes
what only the files need (the DEM, community table, facilities, population
raster, proposals) and writes every file atomically.

Files written by :func:`connectivity.sample.generate_sample_region`
-------------------------------------------------------------------
``roads.osm``
    OpenStreetMap XML 0.6 (``generator="connectivity sample"``): road ways,
    ``waterway=river|stream`` ways in the direction of flow, with ``width``
    (m: the channel width where the river or stream line ends downstream,
    one value per line, to 0.5 m for streams and 1 m for rivers) and
    ``name`` where named, ``place=town|village|hamlet`` nodes (``name``,
    ``population``), ``amenity=marketplace`` and ``amenity=school`` nodes,
    and health facilities as ``amenity=clinic`` + ``healthcare=clinic``
    nodes with ``ref:category`` (MINSA category ``I-1`` ... ``I-4``, the key
    of the SUSALUD import of Peru's health facilities into OSM). Puestos de
    salud are tagged like centros: they are outpatient facilities with staff
    and no physician's practice (an I-1 post has no physician), so not
    ``amenity=doctors``; the SUSALUD import plan tags I-1/I-2 as
    ``amenity=doctors``, so real Peruvian data can carry that too.
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
``health.csv``
    ``facility_id`` (``HLT001``...), ``name`` ("Puesto de Salud ...",
    "Centro de Salud ..."), ``kind`` (``"health"``), ``level`` (``"puesto de
    salud"`` or ``"centro de salud"``), ``category`` (MINSA: ``I-1``,
    ``I-2`` puestos; ``I-3``, ``I-4`` centros), ``lon``, ``lat``,
    ``community_id``.
``proposals.geojson``
    Road-work proposals as a community or municipality would bring them to a
    participatory budget meeting, in the format
    :func:`connectivity.works.proposals_from_file` reads (GeoJSON,
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
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape

import numpy as np
import pandas as pd
import shapely
from numpy.typing import NDArray
from pyproj import Transformer

from connectivity._io import atomic_path
from connectivity.sample.drainage import _RIVER, _Frame
from connectivity.sample.facilities import HEALTH_CENTRE, HEALTH_POST, _Facilities, _facilities
from connectivity.sample.geometry import _line_geoms, _Lines, _lonlat
from connectivity.sample.model import _Model
from connectivity.sample.params import (
    _MAX_WAY_SEGMENTS,
    _NODATA,
    _NOT_REAL_DATA_ES,
    _S_FAC,
    _S_HEALTH,
    _S_PROP,
    _S_TERRAIN,
    DEM_CELL_M,
    GENERATOR_VERSION,
    NOT_REAL_DATA,
    POPULATION_CELL_M,
    SAMPLE_CRS,
    SAMPLE_LABEL,
    IntArray,
    _rng,
)
from connectivity.sample.proposals import _INVALID_BY, _PROPOSAL_SOURCE, _proposals, _Proposed
from connectivity.sample.settlements import (
    _CATEGORY,
    _district_poverty,
    _population_raster,
)
from connectivity.sample.terrain import _dem

__all__ = ["SampleRegionFiles"]


@dataclass(frozen=True)
class SampleRegionFiles:
    """Absolute paths of the files of a generated sample region.

    Attributes
    ----------
    directory : Path
        Folder holding all the files.
    roads_osm, elevation_tif, population_tif, communities_csv, markets_csv, schools_csv,
    health_csv, proposals_geojson, metadata_json : Path
        The files (see the module documentation for their content).
    """

    directory: Path
    roads_osm: Path
    elevation_tif: Path
    population_tif: Path
    communities_csv: Path
    markets_csv: Path
    schools_csv: Path
    health_csv: Path
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
            health_csv=d / "health.csv",
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
            self.health_csv,
            self.proposals_geojson,
            self.readme_txt,
            self.metadata_json,
        ]


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


def _osm_width(width_m: float) -> str:
    """Return an OSM ``width`` value: metres to 0.5 m under 10 m, to 1 m above ("4.5", "23")."""
    step = 0.5 if width_m < 10.0 else 1.0
    return f"{round(width_m / step) * step:g}"


def _osm_text(model: _Model, places: pd.DataFrame, fac: _Facilities) -> tuple[str, dict[str, Any]]:
    """OSM XML of the region and the counts for metadata.json."""
    road_lon, road_lat = _lonlat(model.road_xy)
    riv_lon, riv_lat = _lonlat(model.rivers.xy)
    n_road, n_riv = len(model.road_xy), len(model.rivers.xy)
    points = (places, fac.markets, fac.schools, fac.health)
    lon_all = np.r_[road_lon, riv_lon, *(df["lon"] for df in points)]
    lat_all = np.r_[road_lat, riv_lat, *(df["lat"] for df in points)]
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
    health_tags = [
        {"amenity": "clinic", "healthcare": "clinic", "name": str(nm), "ref:category": str(c)}
        for nm, c in zip(fac.health["name"].tolist(), fac.health["category"].tolist(), strict=True)
    ]
    for df, tag_list in (
        (places, place_tags),
        (fac.markets, market_tags),
        (fac.schools, school_tags),
        (fac.health, health_tags),
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
        tags = {"waterway": kind, "width": _osm_width(float(model.rivers.width_m[li]))}
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
            "amenity": len(fac.markets) + len(fac.schools) + len(fac.health),
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
        "(paquete connectivity.sample) para probar y demostrar el planificador sin conexión.\n\n"
        f"EN: {NOT_REAL_DATA} Generated by `connectivity sample` (the connectivity.sample package) "
        "to test and demonstrate the planner offline.\n\n"
        "Files / archivos: roads.osm (OpenStreetMap XML: roads, rivers with their width, "
        "places, markets, schools, health facilities), elevation.tif (DEM, EPSG:32718), "
        "population.tif (people per cell, EPSG:32718), communities.csv, markets.csv, "
        "schools.csv, health.csv, proposals.geojson, metadata.json.\n\n"
        "ES: health.csv reúne puestos de salud (categorías I-1, I-2 del MINSA) y centros de "
        "salud (I-3, I-4) inventados: un centro en cada capital de distrito, puestos en "
        "muchos pueblos.\n"
        "EN: health.csv holds invented health posts (MINSA categories I-1, I-2) and health "
        "centres (I-3, I-4): a centre in every district capital, posts in many villages.\n\n"
        "ES: proposals.geojson reúne propuestas de obras viales inventadas, como las que una "
        "comunidad o municipalidad presentaría a un presupuesto participativo; dos de ellas "
        "son inválidas a propósito (costo negativo, trazo fuera de la región) para mostrar "
        "cómo se rechazan.\n"
        "EN: proposals.geojson holds invented road-work proposals such as a community or "
        "municipality would bring to a participatory budget meeting; two are invalid on "
        "purpose (negative cost, line outside the region) to show how they are rejected.\n"
    )


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
    fac = _facilities(model, ids, district, _rng(model.seed, _S_FAC), _rng(model.seed, _S_HEALTH))
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
        (fac.health, files.health_csv),
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
            "health": {
                "total": len(fac.health),
                "puesto_de_salud": int((fac.health["level"] == HEALTH_POST).sum()),
                "centro_de_salud": int((fac.health["level"] == HEALTH_CENTRE).sum()),
                "by_category": {
                    c: int((fac.health["category"] == c).sum())
                    for c in ("I-1", "I-2", "I-3", "I-4")
                },
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
