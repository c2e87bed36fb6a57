"""OpenStreetMap sources: roads, waterways and facilities from files and from Overpass.

Online functions are tested for real over HTTP against ``overpass_server`` (a
local Overpass API answering from the Cusco extract), never with mocks.
"""

from __future__ import annotations

import logging
import time
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import geopandas as gpd
import networkx as nx
import osmium
import osmnx as ox
import pytest
import shapely
from overpass_server import OsmData, OverpassTestServer
from shapely.geometry.base import BaseGeometry

from connectivity.errors import (
    CrsError,
    DataError,
    DownloadError,
    EmptyRegionError,
    MissingFileError,
)
from connectivity.settings import settings
from connectivity.sources import osm

#: A small part of central Cusco (west, south, east, north).
SMALL_BBOX = (-71.985, -13.525, -71.970, -13.512)
#: The whole extract (cusco.poly).
CUSCO_BBOX = (-72.016, -13.564, -71.834, -13.451)
PLACE = "Centro de Cusco (test)"


# --------------------------------------------------------------------------- #
# helpers and fixtures
# --------------------------------------------------------------------------- #


def _canon(value: Any) -> Any:
    if isinstance(value, BaseGeometry):
        return value.wkb_hex
    if isinstance(value, list):
        return tuple(_canon(v) for v in value)
    return value


def _nodes(graph: nx.MultiDiGraph) -> dict[int, dict[str, Any]]:
    return {n: {k: _canon(v) for k, v in d.items()} for n, d in graph.nodes(data=True)}


def _edges(graph: nx.MultiDiGraph) -> Counter[tuple[Any, ...]]:
    return Counter(
        (u, v, tuple(sorted((k, _canon(x)) for k, x in d.items())))
        for u, v, d in graph.edges(data=True)
    )


def _way_ids(value: Any) -> list[int]:
    return list(value) if isinstance(value, list) else [value]


def _ways_by_value(graph: nx.MultiDiGraph, key: str) -> dict[int, set[Any]]:
    """OSM way id -> every value of ``key`` on the edges made from that way."""
    found: dict[int, set[Any]] = {}
    for _, _, data in graph.edges(data=True):
        values = data.get(key)
        values = set(values) if isinstance(values, list) else {values}
        for way in _way_ids(data["osmid"]):
            found.setdefault(way, set()).update(values)
    return found


def _file_roads(path: Path) -> dict[int, dict[str, str]]:
    """Tags of the road ways of a file, read independently with pyosmium."""
    return {
        w.id: {t.k: t.v for t in w.tags}
        for w in osmium.FileProcessor(str(path), osmium.osm.WAY)
        if "highway" in w.tags and w.tags["highway"] not in osm.HIGHWAY_EXCLUDED
    }


@pytest.fixture(scope="module")
def cusco_graph(cusco_pbf: Path) -> nx.MultiDiGraph:
    return osm.graph_from_osm_file(cusco_pbf)


@pytest.fixture(scope="module")
def cusco_roads(cusco_pbf: Path) -> dict[int, dict[str, str]]:
    return _file_roads(cusco_pbf)


@pytest.fixture(scope="module")
def cusco_xml(cusco_pbf: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The Cusco extract re-written as OSM XML with pyosmium."""
    target = tmp_path_factory.mktemp("xml") / "cusco.osm"
    with osmium.SimpleWriter(str(target)) as writer:
        for obj in osmium.FileProcessor(str(cusco_pbf)):
            writer.add(obj)
    return target


@pytest.fixture(scope="module")
def osm_data(cusco_pbf: Path) -> OsmData:
    return OsmData.from_file(cusco_pbf)


@pytest.fixture
def online(
    osm_data: OsmData, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Iterator[OverpassTestServer]:
    """A local Overpass API, with the package (and Nominatim) pointed at it."""
    with OverpassTestServer(osm_data, places={PLACE: shapely.box(*SMALL_BBOX)}) as server:
        monkeypatch.setattr(settings, "overpass_url", server.url)
        monkeypatch.setattr(settings, "_cache_dir", tmp_path / "cache")
        monkeypatch.setattr(ox.settings, "nominatim_url", server.root)
        yield server


@pytest.fixture
def failing(osm_data: OsmData, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Any]:
    """Start a local Overpass API that fails in a given mode."""
    servers: list[OverpassTestServer] = []
    monkeypatch.setattr(settings, "_cache_dir", tmp_path / "cache")

    def start(mode: str, **kwargs: Any) -> OverpassTestServer:
        server = OverpassTestServer(osm_data, mode=mode, **kwargs).start()
        servers.append(server)
        monkeypatch.setattr(settings, "overpass_url", server.url)
        return server

    yield start
    for server in servers:
        server.close()


def _write(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


def _node(i: int, lon: float, lat: float, **tags: str) -> str:
    inner = "".join(f'<tag k="{k}" v="{v}"/>' for k, v in tags.items())
    return f'<node id="{i}" version="1" lat="{lat}" lon="{lon}">{inner}</node>'


def _way(i: int, refs: list[int], **tags: str) -> str:
    nds = "".join(f'<nd ref="{r}"/>' for r in refs)
    inner = "".join(f'<tag k="{k.replace("_", ":")}" v="{v}"/>' for k, v in tags.items())
    return f'<way id="{i}" version="1">{nds}{inner}</way>'


def _osm_xml(nodes: list[str], ways: list[str]) -> str:
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n<osm version="0.6" generator="test">\n'
        + "\n".join(nodes + ways)
        + "\n</osm>\n"
    )


@pytest.fixture
def invented_osm(tmp_path: Path) -> Path:
    """An invented village: class and surface changes, a ford, a ring, a one-way piece."""
    chain = [
        _node(i, -72.0 + 0.001 * i, -13.5, **({"ford": "yes"} if i == 8 else {}))
        for i in range(1, 12)
    ]
    ring = [_node(20, -72.0, -13.51), _node(21, -71.999, -13.51), _node(22, -71.999, -13.511)]
    others = [
        _node(30, -72.0, -13.52),
        _node(31, -71.999, -13.52),
        _node(40, -72.0, -13.53),
        _node(41, -71.999, -13.53),
        _node(50, -71.995, -13.505, amenity="school", name="Escuela 123"),
        _node(60, -71.990, -13.505),
        _node(61, -71.989, -13.505),
        _node(62, -71.989, -13.506),
        _node(63, -71.990, -13.506),
    ]
    ways = [
        _way(100, [1, 2, 3], highway="residential", name="Jr. Uno"),
        _way(101, [3, 4, 5], highway="track", tracktype="grade3"),
        _way(102, [5, 6, 7], highway="track", surface="dirt", bridge="yes", layer="1"),
        _way(103, [7, 8, 9], highway="path"),
        _way(104, [9, 10], highway="proposed"),
        _way(105, [20, 21, 22, 20], highway="footway"),
        _way(106, [30, 31], highway="secondary", oneway="yes"),
        _way(107, [40, 41], waterway="stream", name="Quebrada"),
        _way(108, [60, 61, 62, 63, 60], amenity="marketplace", name="Feria"),
        _way(109, [9, 11, 99], highway="residential"),
        _way(110, [31, 31], highway="service"),
    ]
    return _write(tmp_path / "village.osm", _osm_xml(chain + ring + others, ways))


# --------------------------------------------------------------------------- #
# roads from files
# --------------------------------------------------------------------------- #


def test_cusco_graph_size_and_crs(cusco_graph: nx.MultiDiGraph) -> None:
    assert cusco_graph.graph["crs"] == "epsg:4326"
    assert cusco_graph.graph["simplified"] is True
    assert (cusco_graph.number_of_nodes(), cusco_graph.number_of_edges()) == (7422, 19812)
    # disconnected pieces are kept (retain_all=True), never dropped
    assert nx.number_weakly_connected_components(cusco_graph) == 26
    xs = [d["x"] for _, d in cusco_graph.nodes(data=True)]
    ys = [d["y"] for _, d in cusco_graph.nodes(data=True)]
    # lon/lat around the extract's box (complete ways reach a little beyond it)
    west, south, east, north = CUSCO_BBOX
    assert west - 0.05 < min(xs) < west + 0.05 and east - 0.05 < max(xs) < east + 0.05
    assert south - 0.05 < min(ys) < south + 0.05 and north - 0.05 < max(ys) < north + 0.05


def test_way_tag_counts_match_file(cusco_pbf: Path) -> None:
    counts = osm.tag_counts_from_osm_file(cusco_pbf, "highway")
    assert counts["track"] == 114
    assert counts["residential"] == 2872
    assert counts["footway"] == 398
    assert counts["steps"] == 289
    assert counts["secondary"] == 260
    assert next(iter(counts)) == "residential"  # most frequent first
    assert list(counts.values()) == sorted(counts.values(), reverse=True)
    assert osm.tag_counts_from_osm_file(cusco_pbf, "waterway") == {
        "stream": 15,
        "river": 11,
        "drain": 2,
    }
    assert osm.tag_counts_from_osm_file(cusco_pbf, "no-such-key") == {}


def test_graph_holds_every_road_way_of_the_file(
    cusco_pbf: Path, cusco_graph: nx.MultiDiGraph, cusco_roads: dict[int, dict[str, str]]
) -> None:
    counts = osm.tag_counts_from_osm_file(cusco_pbf, "highway")
    by_highway = _ways_by_value(cusco_graph, "highway")
    for way, values in by_highway.items():
        assert len(values) == 1, f"way {way} has several highway values {values}"
    graph_counts = Counter(next(iter(v)) for v in by_highway.values())
    assert len({w for w, v in by_highway.items() if v == {"track"}}) == 114
    assert graph_counts["footway"] == 398
    assert graph_counts["steps"] == 289
    assert graph_counts["secondary"] == 260
    # one residential way of the file has a single node twice: no road segment
    degenerate = {
        w.id
        for w in osmium.FileProcessor(str(cusco_pbf), osmium.osm.WAY)
        if w.id in cusco_roads and len({n.ref for n in w.nodes}) < 2
    }
    assert degenerate == {316471148}
    assert graph_counts["residential"] == 2872 - 1
    assert set(by_highway) == set(cusco_roads) - degenerate
    expected = {k: n for k, n in counts.items() if k not in osm.HIGHWAY_EXCLUDED}
    expected["residential"] -= 1
    assert dict(graph_counts) == expected
    # the excluded classes present in the file are really left out
    assert {"corridor", "rest_area"} <= set(counts)
    assert not {"corridor", "rest_area"} & set(graph_counts)


def test_graph_keeps_the_model_tags_way_by_way(
    cusco_graph: nx.MultiDiGraph, cusco_roads: dict[int, dict[str, str]]
) -> None:
    # tags that never differ along a simplified edge: exactly the file's value
    degenerate = 316471148  # a way with one node twice (see above)
    for key in osm.SIMPLIFY_EDGE_ATTRS:
        in_graph = _ways_by_value(cusco_graph, key)
        assert set(in_graph) == set(cusco_roads) - {degenerate}
        for way, tags in cusco_roads.items():
            if way != degenerate:
                assert in_graph[way] == {tags.get(key)}, (key, way)
    assert sum(1 for t in cusco_roads.values() if "surface" in t) == 673
    assert Counter(t["bridge"] for t in cusco_roads.values() if "bridge" in t) == {
        "yes": 69,
        "viaduct": 8,
    }
    # other tags: the file's value is among the values of the way's edges
    for key in ("name", "layer", "oneway"):
        in_graph = _ways_by_value(cusco_graph, key)
        tagged = {w: t[key] for w, t in cusco_roads.items() if key in t and w != degenerate}
        assert len(tagged) > 50, key
        for way, value in tagged.items():
            if key == "oneway":  # osmnx turns the tag into a boolean
                assert (value in {"yes", "true", "1", "-1", "reverse"}) in in_graph[way], way
            else:
                assert value in in_graph[way], (key, way)


def test_simplified_edges_never_mix_classes_or_surfaces(cusco_graph: nx.MultiDiGraph) -> None:
    merged = 0
    for _, _, data in cusco_graph.edges(data=True):
        for key in osm.SIMPLIFY_EDGE_ATTRS:
            assert not isinstance(data.get(key), list), (key, data)
        if isinstance(data["osmid"], list):
            merged += 1
            assert data["osmid"] == sorted(data["osmid"])
    assert merged > 100  # simplification did merge consecutive ways of one class


def test_pbf_and_osm_xml_give_the_same_graph(cusco_graph: nx.MultiDiGraph, cusco_xml: Path) -> None:
    from_xml = osm.graph_from_osm_file(cusco_xml)
    assert _nodes(from_xml) == _nodes(cusco_graph)
    assert _edges(from_xml) == _edges(cusco_graph)


def test_clipping_and_simplification_keep_length(cusco_pbf: Path) -> None:
    area = shapely.box(*SMALL_BBOX)
    raw = osm.graph_from_osm_file(cusco_pbf, polygon=area, simplify=False)
    simple = osm.graph_from_osm_file(cusco_pbf, polygon=area)
    assert raw.number_of_nodes() > simple.number_of_nodes() > 300
    total = sum(d["length"] for *_, d in raw.edges(data=True))
    assert sum(d["length"] for *_, d in simple.edges(data=True)) == pytest.approx(total)
    for _, d in raw.nodes(data=True):
        assert shapely.intersects_xy(area, d["x"], d["y"])
    # a GeoDataFrame area in a projected CRS clips the same way as its lon/lat polygon
    projected = gpd.GeoDataFrame(geometry=[area], crs=4326).to_crs(32719)
    from_gdf = osm.graph_from_osm_file(cusco_pbf, polygon=projected)
    assert abs(from_gdf.number_of_nodes() - simple.number_of_nodes()) <= 3
    largest = osm.graph_from_osm_file(cusco_pbf, polygon=area, retain_all=False)
    assert nx.number_weakly_connected_components(largest) == 1
    assert nx.number_weakly_connected_components(simple) > 1
    assert largest.number_of_nodes() < simple.number_of_nodes()


def test_invented_village_graph(invented_osm: Path, caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.WARNING, logger="connectivity"):
        g = osm.graph_from_osm_file(invented_osm)
    assert "1 road ways reference 1 nodes missing" in caplog.text
    assert "1 road ways have fewer than two distinct nodes in the file" in caplog.text
    assert "make no road segment: 110" in caplog.text
    # nodes 2, 4, 6 are interstitial; 3 (class change), 5 (surface change) and
    # 8 (ford) stay; 10 is on a proposed road; way 109 is cut to 9-11 (node 99
    # is not in the file); the isolated ring stays
    assert set(g.nodes) == {1, 3, 5, 7, 8, 9, 11, 20, 21, 22, 30, 31}
    assert g.nodes[8]["ford"] == "yes"
    pairs = Counter((u, v) for u, v in g.edges())
    assert pairs == Counter(
        {
            (1, 3): 1,
            (3, 1): 1,
            (3, 5): 1,
            (5, 3): 1,
            (5, 7): 1,
            (7, 5): 1,
            (7, 8): 1,
            (8, 7): 1,
            (8, 9): 1,
            (9, 8): 1,
            (9, 11): 1,
            (11, 9): 1,
            (20, 21): 1,
            (21, 20): 1,
            (21, 22): 1,
            (22, 21): 1,
            (22, 20): 1,
            (20, 22): 1,
            (30, 31): 1,
        }
    )
    edge = g.edges[1, 3, 0]
    assert (edge["highway"], edge["name"], edge["osmid"]) == ("residential", "Jr. Uno", 100)
    assert len(edge["geometry"].coords) == 3
    track = g.edges[5, 7, 0]
    assert (track["surface"], track["bridge"], track["layer"]) == ("dirt", "yes", "1")
    assert g.edges[3, 5, 0]["tracktype"] == "grade3"
    assert g.edges[30, 31, 0]["oneway"] is True
    assert nx.number_weakly_connected_components(g) == 3
    assert g.nodes[1]["street_count"] == 1 and g.nodes[3]["street_count"] == 2
    raw = osm.graph_from_osm_file(invented_osm, simplify=False)
    assert set(raw.nodes) == set(g.nodes) | {2, 4, 6}
    only_main = osm.graph_from_osm_file(invented_osm, retain_all=False)
    assert set(only_main.nodes) == {1, 3, 5, 7, 8, 9, 11}


def test_osmnx_settings_are_restored(invented_osm: Path) -> None:
    before = (list(ox.settings.useful_tags_way), list(ox.settings.useful_tags_node))
    osm.graph_from_osm_file(invented_osm)
    assert (list(ox.settings.useful_tags_way), list(ox.settings.useful_tags_node)) == before
    assert "tracktype" not in ox.settings.useful_tags_way


# --------------------------------------------------------------------------- #
# features and waterways from files
# --------------------------------------------------------------------------- #


def test_schools_and_markets(cusco_pbf: Path) -> None:
    schools = osm.features_from_osm_file(cusco_pbf, {"amenity": "school"})
    assert list(schools.columns) == ["osm_id", "osm_type", "amenity", "name", "geometry"]
    assert schools.crs.to_epsg() == 4326
    assert len(schools) == 48
    assert schools["osm_type"].value_counts().to_dict() == {"way": 33, "node": 15}
    assert schools["osm_id"].is_unique
    assert (schools["amenity"] == "school").all()
    kinds = schools.groupby("osm_type")["geometry"].agg(lambda g: set(g.geom_type))
    assert kinds.to_dict() == {"node": {"Point"}, "way": {"Polygon"}}
    markets = osm.features_from_osm_file(cusco_pbf, {"amenity": ["marketplace"]})
    assert len(markets) == 11
    assert markets["osm_type"].value_counts().to_dict() == {"way": 8, "node": 3}
    both = osm.features_from_osm_file(cusco_pbf, {"amenity": ["school", "marketplace"]})
    assert len(both) == 59
    assert list(both["osm_type"]) == sorted(both["osm_type"], key=["node", "way"].index)


def test_places_and_buildings(cusco_pbf: Path) -> None:
    expected = Counter(
        o.type_str()
        for o in osmium.FileProcessor(str(cusco_pbf), osmium.osm.NODE | osmium.osm.WAY)
        if "place" in o.tags
    )
    places = osm.features_from_osm_file(cusco_pbf, {"place": True})
    assert places["osm_type"].value_counts().to_dict() == {
        "node": expected["n"],
        "way": expected["w"],
    }
    villages = places[places["place"] == "village"]
    assert {"Corao", "Huatta", "Chitapampa"} <= set(villages["name"])
    buildings = osm.features_from_osm_file(cusco_pbf, {"building": True})
    assert buildings["osm_type"].value_counts().to_dict() == {
        "way": 2972,
        "relation": 17,
        "node": 14,
    }
    assert set(buildings.loc[buildings["osm_type"] == "relation"].geom_type) == {"MultiPolygon"}
    assert buildings.is_valid.all()


def test_features_clipped_to_polygon(cusco_pbf: Path) -> None:
    area = shapely.box(*SMALL_BBOX)
    everywhere = osm.features_from_osm_file(cusco_pbf, {"amenity": "school"})
    inside = osm.features_from_osm_file(cusco_pbf, {"amenity": "school"}, polygon=area)
    assert 0 < len(inside) < len(everywhere)
    assert set(inside["osm_id"]) == set(everywhere.loc[everywhere.intersects(area), "osm_id"])


def test_waterways(cusco_pbf: Path) -> None:
    rivers = osm.waterways_from_osm_file(cusco_pbf)
    assert list(rivers.columns) == [
        "osm_id",
        "waterway",
        "name",
        "tunnel",
        "layer",
        "width",
        "geometry",
    ]
    assert rivers.crs.to_epsg() == 4326
    # the file holds 26 river/stream ways (15 streams, 11 rivers), no canal
    assert rivers["waterway"].value_counts().to_dict() == {"stream": 15, "river": 11}
    assert set(rivers.geom_type) == {"LineString"}
    assert (rivers["name"] == "Huatanay").sum() == 3
    assert rivers["tunnel"].eq("yes").sum() == 4
    only_rivers = osm.waterways_from_osm_file(cusco_pbf, values=["river"])
    assert len(only_rivers) == 11


def test_invented_village_features(invented_osm: Path) -> None:
    found = osm.features_from_osm_file(invented_osm, {"amenity": ["school", "marketplace"]})
    assert list(found["osm_id"]) == [50, 108]
    assert list(found["name"]) == ["Escuela 123", "Feria"]
    assert list(found.geom_type) == ["Point", "Polygon"]
    streams = osm.waterways_from_osm_file(invented_osm)
    assert list(streams["osm_id"]) == [107] and streams["name"].iloc[0] == "Quebrada"
    none = osm.features_from_osm_file(invented_osm, {"shop": True})
    assert none.empty and list(none.columns) == ["osm_id", "osm_type", "shop", "name", "geometry"]


# --------------------------------------------------------------------------- #
# online, through a local Overpass API
# --------------------------------------------------------------------------- #


def test_graph_from_bbox_equals_clipped_file(
    online: OverpassTestServer, cusco_pbf: Path, tmp_path: Path
) -> None:
    from_api = osm.graph_from_bbox(SMALL_BBOX)
    from_file = osm.graph_from_osm_file(cusco_pbf, polygon=shapely.box(*SMALL_BBOX))
    assert from_api.number_of_nodes() == from_file.number_of_nodes() > 300
    assert from_api.number_of_edges() == from_file.number_of_edges()
    assert set(from_api.nodes) == set(from_file.nodes)
    assert _ways_by_value(from_api, "highway") == _ways_by_value(from_file, "highway")
    assert _nodes(from_api) == _nodes(from_file)
    assert _edges(from_api) == _edges(from_file)
    assert from_api.graph["source"] == online.url
    # we checked the server can be reached, osmnx checked the slots, then sent our way filter
    assert online.requests[:3] == [
        ("GET", "/api/status"),
        ("GET", "/api/status"),
        ("POST", "/api/interpreter"),
    ]
    assert osm.OVERPASS_WAY_FILTER in online.queries[0]
    assert online.queries[0].startswith("[out:json][timeout:180]")
    # the answer is cached in settings.cache_dir / "osmnx": no second request
    assert len(list((tmp_path / "cache" / "osmnx").glob("*.json"))) == 1
    posts = online.requests.count(("POST", "/api/interpreter"))
    again = osm.graph_from_bbox(SMALL_BBOX)
    assert online.requests.count(("POST", "/api/interpreter")) == posts
    assert _edges(again) == _edges(from_api)


def test_graph_from_place_and_polygon(online: OverpassTestServer) -> None:
    by_place = osm.graph_from_place(PLACE)
    assert ("GET", "/search") in online.requests
    area = gpd.GeoDataFrame(geometry=[shapely.box(*SMALL_BBOX)], crs="EPSG:4326")
    by_polygon = osm.graph_from_polygon(area)
    assert by_place.number_of_nodes() > 300
    assert _edges(by_place) == _edges(by_polygon)
    with pytest.raises(DataError, match="found no such place"):
        osm.graph_from_place("Atlantis")


def test_features_and_waterways_online_equal_file(
    online: OverpassTestServer, cusco_pbf: Path
) -> None:
    schools = osm.features_from_bbox(CUSCO_BBOX, {"amenity": "school"})
    from_file = osm.features_from_osm_file(cusco_pbf, {"amenity": "school"})
    assert len(schools) == 48
    assert schools.drop(columns="geometry").equals(from_file.drop(columns="geometry"))
    assert schools.geometry.geom_equals(from_file.geometry).all()
    rivers = osm.waterways_from_bbox(CUSCO_BBOX)
    rivers_file = osm.waterways_from_osm_file(cusco_pbf)
    assert len(rivers) == 26
    assert rivers.drop(columns="geometry").equals(rivers_file.drop(columns="geometry"))
    assert rivers.geometry.geom_equals(rivers_file.geometry).all()
    nothing = osm.features_from_bbox(SMALL_BBOX, {"amenity": "no-such-amenity"})
    assert nothing.empty and "amenity" in nothing.columns


def test_online_area_without_roads(online: OverpassTestServer) -> None:
    ocean = (-80.0, -14.0, -79.99, -13.99)
    with pytest.raises(EmptyRegionError, match=online.url):
        osm.graph_from_bbox(ocean)


@pytest.mark.parametrize(
    ("mode", "expected"),
    [
        ("http_500", r"answered HTTP 500 Internal Server Error"),
        ("http_429", r"answered HTTP 429 Too Many Requests \(too many requests"),
        ("remark", r"reported an error.*runtime error: Query timed out"),
        ("not_json", r"not with JSON"),
    ],
)
def test_http_errors_name_url_and_problem(failing: Any, mode: str, expected: str) -> None:
    server = failing(mode)
    before = ox.settings.requests_kwargs
    start = time.perf_counter()
    with pytest.raises(DownloadError, match=expected) as info:
        osm.graph_from_bbox(SMALL_BBOX)
    assert f"{server.url}/interpreter" in str(info.value)
    assert time.perf_counter() - start < 10  # no endless osmnx retry on 429
    assert ox.settings.requests_kwargs == before
    assert ox.settings.overpass_url != server.url
    with pytest.raises(DownloadError, match=expected):
        osm.features_from_bbox(SMALL_BBOX, {"amenity": "school"})


def test_timeout(failing: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    server = failing("slow", delay_s=5.0)
    monkeypatch.setattr(settings, "http_timeout_s", 0.5)
    start = time.perf_counter()
    with pytest.raises(DownloadError, match=r"no answer from .* within 0.5 s") as info:
        osm.graph_from_bbox(SMALL_BBOX)
    assert f"{server.url}/interpreter" in str(info.value)
    assert time.perf_counter() - start < 4


def test_unreachable_server(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    import socket

    with socket.socket() as sock:  # a port nobody listens on
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    monkeypatch.setattr(settings, "overpass_url", f"http://127.0.0.1:{port}/api")
    monkeypatch.setattr(settings, "_cache_dir", tmp_path)
    start = time.perf_counter()
    with pytest.raises(DownloadError, match=rf"cannot connect to http://127.0.0.1:{port}/api"):
        osm.graph_from_bbox(SMALL_BBOX)
    assert time.perf_counter() - start < 10  # at once, not after osmnx's 60 s pause


# --------------------------------------------------------------------------- #
# bad input
# --------------------------------------------------------------------------- #


@pytest.fixture
def truncated_pbf(cusco_pbf: Path, tmp_path: Path) -> Path:
    path = tmp_path / "cut.osm.pbf"
    path.write_bytes(cusco_pbf.read_bytes()[:100_000])
    return path


@pytest.mark.parametrize(
    "read",
    [
        osm.graph_from_osm_file,
        lambda p: osm.features_from_osm_file(p, {"amenity": "school"}),
        osm.waterways_from_osm_file,
        lambda p: osm.tag_counts_from_osm_file(p, "highway"),
    ],
    ids=["graph", "features", "waterways", "tag_counts"],
)
def test_bad_files(read: Any, tmp_path: Path, truncated_pbf: Path) -> None:
    missing = tmp_path / "nowhere.osm.pbf"
    with pytest.raises(MissingFileError, match=r"nowhere\.osm\.pbf"):
        read(missing)
    with pytest.raises(FileNotFoundError):  # the builtin callers may expect
        read(missing)
    with pytest.raises(DataError, match=r"cut\.osm\.pbf: cannot read .*PBF error"):
        read(truncated_pbf)
    garbage = _write(tmp_path / "garbage.osm", "this is not <xml at all")
    with pytest.raises(DataError, match=r"garbage\.osm: cannot read .*XML parsing error"):
        read(garbage)
    wrong = _write(tmp_path / "roads.geojson", "{}")
    with pytest.raises(DataError, match=r"roads\.geojson: not an OpenStreetMap file name"):
        read(wrong)
    folder = tmp_path / "folder.osm"
    folder.mkdir()
    with pytest.raises(DataError, match="is not a file"):
        read(folder)


def test_file_without_roads(tmp_path: Path, cusco_pbf: Path) -> None:
    house = _osm_xml(
        [_node(1, -72.0, -13.5), _node(2, -72.0, -13.49), _node(3, -71.99, -13.49)],
        [_way(10, [1, 2, 3, 1], building="yes"), _way(11, [1, 2], highway="construction")],
    )
    path = _write(tmp_path / "house.osm", house)
    with pytest.raises(EmptyRegionError, match=r"house\.osm: no roads"):
        osm.graph_from_osm_file(path)
    with pytest.raises(EmptyRegionError, match="no roads inside the requested area"):
        osm.graph_from_osm_file(cusco_pbf, polygon=shapely.box(-80.0, -14.0, -79.9, -13.9))


@pytest.mark.parametrize(
    ("bbox", "message"),
    [
        ((-71.9, -13.5, -72.0, -13.4), "west < east"),
        ((-71.9, -13.4, -71.8, -13.5), "south < north"),
        ((-71.9, -13.5, -71.8), "four finite numbers"),
        (("a", "b", "c", "d"), "four numbers"),
        ((-71.9, -13.5, float("nan"), -13.4), "four finite numbers"),
        ((500000.0, 8500000.0, 510000.0, 8510000.0), "in degrees"),
    ],
)
def test_bad_bbox(bbox: Any, message: str) -> None:
    for call in (osm.graph_from_bbox, lambda b: osm.features_from_bbox(b, {"amenity": "x"})):
        with pytest.raises(DataError, match=message):
            call(bbox)


def test_bad_polygons(cusco_pbf: Path) -> None:
    no_crs = gpd.GeoDataFrame(geometry=[shapely.box(*SMALL_BBOX)])
    with pytest.raises(CrsError, match="no CRS"):
        osm.graph_from_osm_file(cusco_pbf, polygon=no_crs)
    with pytest.raises(CrsError, match="not longitude/latitude"):
        osm.graph_from_polygon(shapely.box(500000, 8500000, 510000, 8510000))
    bowtie = shapely.Polygon([(0, 0), (1, 1), (1, 0), (0, 1)])
    with pytest.raises(DataError, match=r"invalid polygon.*Self-intersection"):
        osm.graph_from_polygon(bowtie)
    with pytest.raises(DataError, match="got Point"):
        osm.features_from_polygon(shapely.Point(-72, -13.5), {"amenity": "school"})
    with pytest.raises(EmptyRegionError, match="no rows"):
        osm.waterways_from_polygon(gpd.GeoDataFrame(geometry=[], crs=4326))


@pytest.mark.parametrize(
    ("tags", "message"),
    [
        ({}, "non-empty mapping"),
        ("amenity", "non-empty mapping"),
        ({"amenity": False}, r"tags\['amenity'\]: expected True"),
        ({"amenity": 3}, r"tags\['amenity'\]: expected True"),
        ({"amenity": []}, r"tags\['amenity'\]: expected True"),
        ({"": True}, "keys must be non-empty strings"),
    ],
)
def test_bad_tags(cusco_pbf: Path, tags: Any, message: str) -> None:
    with pytest.raises(DataError, match=message):
        osm.features_from_osm_file(cusco_pbf, tags)


def test_bad_keys_and_values(cusco_pbf: Path) -> None:
    with pytest.raises(DataError, match="non-empty tag key"):
        osm.tag_counts_from_osm_file(cusco_pbf, "")
    with pytest.raises(DataError, match="list of waterway values"):
        osm.waterways_from_osm_file(cusco_pbf, values="river")
    with pytest.raises(DataError, match="place must be a non-empty name"):
        osm.graph_from_place("")
