"""A local Overpass API (and Nominatim search) answering from an OSM file, for tests.

:class:`OverpassTestServer` runs an HTTP server on 127.0.0.1 (a free port, in a
thread) that speaks enough of the Overpass API for osmnx 2.x:

* ``GET /api/status`` — the plain-text status osmnx reads before a query
  (line 5 starts with the number of free slots);
* ``POST /api/interpreter`` (form field ``data``) — Overpass QL as osmnx writes
  it: statements ``node|way|relation|nwr`` with tag filters
  (``["k"]``, ``[!"k"]``, ``["k"="v"]``, ``["k"!="v"]``, ``["k"~"re"]``,
  ``["k"!~"re"]``, single or double quotes) and an area ``(poly:"lat lon …")``
  or ``(south,west,north,east)``, followed by ``>`` or ``(._;>;)`` recursion;
  the answer is Overpass JSON (``{"elements": [...]}``) built from the file:
  nodes inside the polygon, ways with a segment in it, relations with a
  member in it, plus the nodes (and member ways) they reference;
* ``GET /search`` — a Nominatim search answering for the names given in
  ``places`` (name → polygon), so ``graph_from_place`` can be tested.

``mode`` makes the interpreter fail on purpose: ``"http_500"``, ``"http_429"``,
``"slow"`` (sleeps ``delay_s`` before answering), ``"remark"`` (an Overpass
runtime error in a 200 answer) or ``"not_json"``; ``"slow_status"`` sleeps
``delay_s`` before answering ``/api/status`` (a busy server) and then answers
queries normally. ``requests`` records every
``(method, path)`` received.
"""

from __future__ import annotations

import json
import re
import threading
from collections.abc import Mapping
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import numpy as np
import osmium
import shapely
from shapely.geometry import Polygon, mapping
from shapely.geometry.base import BaseGeometry

MODES = ("ok", "http_500", "http_429", "slow", "remark", "not_json", "slow_status")

_STATEMENT = re.compile(
    r"\b(node|way|relation|rel|nwr)\s*((?:\[[^\[\]]*\]\s*)*)"
    r"\(\s*(?:poly\s*:\s*(['\"])(?P<poly>.*?)\3|(?P<bbox>[-+\d.eE\s]+(?:,[-+\d.eE\s]+){3}))\s*\)"
)
_FILTER = re.compile(
    r"\[\s*(?P<neg>!)?\s*(?P<kq>['\"]?)(?P<key>[^'\"=!~\]]+?)(?P=kq)\s*"
    r"(?:(?P<op>!=|=|!~|~)\s*(?P<vq>['\"])(?P<value>.*?)(?P=vq)\s*(?P<flags>,\s*i)?)?\s*\]"
)


@dataclass
class OsmData:
    """An OSM file in memory, with arrays for fast spatial selection."""

    nodes: dict[int, tuple[float, float, dict[str, str]]]
    ways: dict[int, tuple[list[int], dict[str, str]]]
    relations: dict[int, tuple[list[tuple[str, int, str]], dict[str, str]]]
    node_ids: np.ndarray = field(init=False)
    node_lon: np.ndarray = field(init=False)
    node_lat: np.ndarray = field(init=False)
    way_ids: np.ndarray = field(init=False)
    way_lines: np.ndarray = field(init=False)

    def __post_init__(self) -> None:
        self.node_ids = np.fromiter(self.nodes, dtype=np.int64, count=len(self.nodes))
        self.node_lon = np.array([self.nodes[i][0] for i in self.node_ids], dtype=float)
        self.node_lat = np.array([self.nodes[i][1] for i in self.node_ids], dtype=float)
        ids, lines = [], []
        for way_id, (refs, _) in self.ways.items():
            coords = [self.nodes[r][:2] for r in refs if r in self.nodes]
            if not coords:
                continue
            ids.append(way_id)
            lines.append(
                shapely.LineString(coords) if len(coords) > 1 else shapely.Point(coords[0])
            )
        self.way_ids = np.array(ids, dtype=np.int64)
        self.way_lines = np.array(lines, dtype=object)

    @classmethod
    def from_file(cls, path: str | Path) -> OsmData:
        """Read every node, way and relation of an ``.osm``/``.osm.pbf`` file."""
        nodes: dict[int, tuple[float, float, dict[str, str]]] = {}
        ways: dict[int, tuple[list[int], dict[str, str]]] = {}
        relations: dict[int, tuple[list[tuple[str, int, str]], dict[str, str]]] = {}
        for obj in osmium.FileProcessor(str(path)):
            tags = {t.k: t.v for t in obj.tags}
            if obj.is_node():
                nodes[obj.id] = (obj.location.lon, obj.location.lat, tags)
            elif obj.is_way():
                ways[obj.id] = ([n.ref for n in obj.nodes], tags)
            elif obj.is_relation():
                members = [
                    ({"n": "node", "w": "way", "r": "relation"}[m.type], m.ref, m.role)
                    for m in obj.members
                ]
                relations[obj.id] = (members, tags)
        return cls(nodes, ways, relations)


def _tag_test(match: re.Match[str]) -> Any:
    key = match["key"].strip()
    op, value, negated = match["op"], match["value"], bool(match["neg"])
    flags = re.IGNORECASE if match["flags"] else 0

    def test(tags: Mapping[str, str]) -> bool:
        have = tags.get(key)
        if op is None:
            return (have is None) if negated else (have is not None)
        if op == "=":
            return have == value
        if op == "!=":
            return have != value
        found = have is not None and re.search(value, have, flags) is not None
        return found if op == "~" else not found

    return test


def _area(match: re.Match[str]) -> BaseGeometry:
    if match["poly"] is not None:
        numbers = [float(v) for v in match["poly"].split()]
        lats, lons = numbers[0::2], numbers[1::2]
        return Polygon(list(zip(lons, lats, strict=True)))
    south, west, north, east = (float(v) for v in match["bbox"].split(","))
    return shapely.box(west, south, east, north)


class OverpassQuery:
    """The subset of Overpass QL osmnx sends, evaluated against :class:`OsmData`."""

    def __init__(self, text: str) -> None:
        self.text = text
        for name, value in re.findall(r"\[(timeout|maxsize):([^\]]*)\]", text):
            if not value.isdigit():
                raise ValueError(
                    f'static error: for the attribute "{name}" the only allowed values are '
                    f"positive integers, got {value!r}"
                )
        self.statements: list[tuple[str, list[Any], BaseGeometry, bool]] = []
        matches = list(_STATEMENT.finditer(text))
        if not matches:
            raise ValueError(f"no query statement understood in {text[:200]!r}")
        for i, match in enumerate(matches):
            end = matches[i + 1].start() if i + 1 < len(matches) else len(text)
            recurse = ">" in text[match.end() : end]
            kind = {"rel": "relation"}.get(match[1], match[1])
            tests = [_tag_test(f) for f in _FILTER.finditer(match[2])]
            self.statements.append((kind, tests, _area(match), recurse))

    def run(self, data: OsmData) -> dict[str, Any]:
        """Overpass JSON answer: the selected elements, nodes first, by id."""
        node_ids: set[int] = set()
        way_ids: set[int] = set()
        rel_ids: set[int] = set()
        for kind, tests, area, recurse in self.statements:
            inside = data.node_ids[shapely.intersects_xy(area, data.node_lon, data.node_lat)]
            inside_set = set(inside.tolist())
            ways_in = set(data.way_ids[shapely.intersects(data.way_lines, area)].tolist())
            found_nodes = found_ways = found_rels = set()
            if kind in ("node", "nwr"):
                found_nodes = {i for i in inside_set if all(t(data.nodes[i][2]) for t in tests)}
            if kind in ("way", "nwr"):
                found_ways = {i for i in ways_in if all(t(data.ways[i][1]) for t in tests)}
            if kind in ("relation", "nwr"):
                found_rels = {
                    rel_id
                    for rel_id, (members, tags) in data.relations.items()
                    if all(t(tags) for t in tests)
                    and any(
                        (mtype == "node" and ref in inside_set)
                        or (mtype == "way" and ref in ways_in)
                        for mtype, ref, _ in members
                    )
                }
            node_ids |= found_nodes
            way_ids |= found_ways
            rel_ids |= found_rels
            if recurse:
                member_ways = {
                    ref
                    for r in found_rels
                    for mtype, ref, _ in data.relations[r][0]
                    if mtype == "way" and ref in data.ways
                }
                member_nodes = {
                    ref
                    for r in found_rels
                    for mtype, ref, _ in data.relations[r][0]
                    if mtype == "node" and ref in data.nodes
                }
                way_ids |= member_ways
                node_ids |= member_nodes
                node_ids |= {
                    ref
                    for w in found_ways | member_ways
                    for ref in data.ways[w][0]
                    if ref in data.nodes
                }
        return {
            "version": 0.6,
            "generator": "connectivity test Overpass server",
            "osm3s": {"copyright": "© OpenStreetMap contributors, ODbL 1.0"},
            "elements": [
                *(_node_json(i, data.nodes[i]) for i in sorted(node_ids)),
                *(_way_json(i, data.ways[i]) for i in sorted(way_ids)),
                *(_relation_json(i, data.relations[i]) for i in sorted(rel_ids)),
            ],
        }


def _node_json(osm_id: int, node: tuple[float, float, dict[str, str]]) -> dict[str, Any]:
    out: dict[str, Any] = {"type": "node", "id": osm_id, "lat": node[1], "lon": node[0]}
    if node[2]:
        out["tags"] = node[2]
    return out


def _way_json(osm_id: int, way: tuple[list[int], dict[str, str]]) -> dict[str, Any]:
    out: dict[str, Any] = {"type": "way", "id": osm_id, "nodes": way[0]}
    if way[1]:
        out["tags"] = way[1]
    return out


def _relation_json(
    osm_id: int, rel: tuple[list[tuple[str, int, str]], dict[str, str]]
) -> dict[str, Any]:
    members = [{"type": t, "ref": ref, "role": role} for t, ref, role in rel[0]]
    out: dict[str, Any] = {"type": "relation", "id": osm_id, "members": members}
    if rel[1]:
        out["tags"] = rel[1]
    return out


_STATUS = (
    "Connected as: 2130706433\n"
    "Current time: 2024-01-01T00:00:00Z\n"
    "Announced endpoint: none\n"
    "Rate limit: 2\n"
    "2 slots available now.\n"
    "Currently running queries (pid, space limit, time limit, start time):\n"
)


class _Handler(BaseHTTPRequestHandler):
    server: _Server

    def log_message(self, format: str, *args: Any) -> None:
        """Keep test output quiet."""

    def _send(self, status: int, body: bytes, content_type: str) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def _send_json(self, payload: Any) -> None:
        self._send(200, json.dumps(payload).encode(), "application/json")

    def do_GET(self) -> None:
        owner = self.server.owner
        parts = urlsplit(self.path)
        owner.requests.append(("GET", parts.path))
        if parts.path == "/api/status":
            if owner.mode == "slow_status":
                owner.stop.wait(owner.delay_s)
            self._send(200, _STATUS.encode(), "text/plain")
        elif parts.path == "/search":
            query = parse_qs(parts.query).get("q", [""])[0]
            self._send_json(owner.nominatim_search(query))
        else:
            self._send(404, b"not found", "text/plain")

    def do_POST(self) -> None:
        owner = self.server.owner
        parts = urlsplit(self.path)
        owner.requests.append(("POST", parts.path))
        length = int(self.headers.get("Content-Length", "0"))
        form = parse_qs(self.rfile.read(length).decode())
        if parts.path != "/api/interpreter":
            self._send(404, b"not found", "text/plain")
            return
        mode = owner.mode
        if mode == "http_500":
            self._send(500, b"<html><body>Internal Server Error</body></html>", "text/html")
        elif mode == "http_429":
            self._send(429, b"<html><body>Too Many Requests</body></html>", "text/html")
        elif mode == "not_json":
            self._send(200, b"<html><body>maintenance</body></html>", "text/html")
        elif mode == "remark":
            self._send_json(
                {"elements": [], "remark": 'runtime error: Query timed out in "query" at line 1'}
            )
        else:
            if mode == "slow":
                owner.stop.wait(owner.delay_s)
            query = form.get("data", [""])[0]
            try:
                answer = OverpassQuery(query).run(owner.data)
            except ValueError as err:
                self._send(400, f"<html>Error: {err}</html>".encode(), "text/html")
                return
            owner.queries.append(query)
            self._send_json(answer)


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    owner: OverpassTestServer

    def handle_error(self, request: Any, client_address: Any) -> None:
        """A client that gave up (timeout tests) is not an error of the server."""


class OverpassTestServer:
    """Local Overpass API over an OSM file; use as a context manager.

    Parameters
    ----------
    data : OsmData
        The OSM data answered from (read once with :meth:`OsmData.from_file`).
    mode : str
        One of :data:`MODES`.
    delay_s : float
        Sleep before answering in ``"slow"`` mode.
    places : mapping of str to Polygon
        Names the ``/search`` endpoint geocodes.
    """

    def __init__(
        self,
        data: OsmData,
        *,
        mode: str = "ok",
        delay_s: float = 5.0,
        places: Mapping[str, Polygon] | None = None,
    ) -> None:
        if mode not in MODES:
            raise ValueError(f"mode must be one of {MODES}, got {mode!r}")
        self.data = data
        self.mode = mode
        self.delay_s = delay_s
        self.places = dict(places or {})
        self.requests: list[tuple[str, str]] = []
        self.queries: list[str] = []
        self.stop = threading.Event()
        self._server: _Server | None = None
        self._thread: threading.Thread | None = None

    @property
    def root(self) -> str:
        """``http://127.0.0.1:<port>``."""
        if self._server is None:
            raise RuntimeError("server not started")
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    @property
    def url(self) -> str:
        """Base URL of the Overpass API (``…/api``), as osmnx expects it."""
        return f"{self.root}/api"

    def nominatim_search(self, query: str) -> list[dict[str, Any]]:
        """Nominatim-like results for ``query`` (empty if unknown)."""
        polygon = self.places.get(query)
        if polygon is None:
            return []
        west, south, east, north = polygon.bounds
        centre = polygon.representative_point()
        return [
            {
                "place_id": 1,
                "licence": "Data © OpenStreetMap contributors, ODbL 1.0",
                "osm_type": "relation",
                "osm_id": 1,
                "boundingbox": [str(south), str(north), str(west), str(east)],
                "lat": str(centre.y),
                "lon": str(centre.x),
                "display_name": query,
                "class": "boundary",
                "type": "administrative",
                "importance": 0.5,
                "geojson": mapping(polygon),
            }
        ]

    def start(self) -> OverpassTestServer:
        """Start serving in a daemon thread."""
        server = _Server(("127.0.0.1", 0), _Handler)
        server.owner = self
        self._server = server
        self._thread = threading.Thread(
            target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )
        self._thread.start()
        return self

    def close(self) -> None:
        """Stop serving and release the port."""
        self.stop.set()
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
        if self._thread is not None:
            self._thread.join(timeout=10)
        self._server = None
        self._thread = None

    def __enter__(self) -> OverpassTestServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.close()
