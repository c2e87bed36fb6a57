"""Offline: online sources fail at once, say why, and say how to work from a file.

Everything goes over real HTTP to servers on 127.0.0.1 (``overpass_server``,
``http_server``), to a port nobody listens on (connection refused), to a host
name under ``.invalid`` (never resolves), or to a port whose backlog is full (a
server that never accepts the connection). Nothing mocks the HTTP client.

Without these checks osmnx, when the Overpass ``/status`` endpoint cannot be
reached, waits 60 s before it sends the query anyway: every "fails at once"
assertion below (``FAST_S``) would fail.
"""

from __future__ import annotations

import contextlib
import logging
import socket
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import osmnx as ox
import osmnx._http
import pytest
import shapely
from http_server import StaticFileServer
from overpass_server import OsmData, OverpassTestServer

from connectivity import _http
from connectivity._http import cached_download, download_file
from connectivity.cli import main
from connectivity.errors import DownloadError
from connectivity.settings import settings
from connectivity.sources import osm

#: A small part of central Cusco (west, south, east, north).
SMALL_BBOX = (-71.985, -13.525, -71.970, -13.512)
PLACE = "Centro de Cusco (test)"
#: Generous bound on a failure that must not wait: osmnx alone takes 60 s or more.
FAST_S = 10.0
#: What every message of an unreachable OSM server says to do instead.
ROADS_HINT = ("Without internet", "geofabrik", "under [roads]", 'path = "…"')


# --------------------------------------------------------------------------- #
# unreachable servers
# --------------------------------------------------------------------------- #


def _closed_url() -> str:
    """``http://127.0.0.1:<port>`` of a port nobody listens on."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    return f"http://127.0.0.1:{port}"


def _unreachable(kind: str) -> tuple[str, str]:
    """Base URL of an unreachable server, and the reason the message must give."""
    if kind == "refused":
        base = _closed_url()
        port = base.rsplit(":", 1)[1]
        return base, f"connection refused: nothing answers at 127.0.0.1 port {port}"
    return "http://nonexistent.invalid", "the host name nonexistent.invalid does not resolve"


@contextlib.contextmanager
def _full_backlog() -> Iterator[str]:
    """``http://127.0.0.1:<port>`` of a listening socket whose backlog is full.

    The kernel drops new connection attempts to it, as a firewall or a dead
    route does: a client waits for its connect timeout.
    """
    fillers: list[socket.socket] = []
    with socket.socket() as server:
        server.bind(("127.0.0.1", 0))
        server.listen(0)
        address = server.getsockname()
        try:
            for _ in range(16):
                filler = socket.socket()
                filler.setblocking(False)
                filler.connect_ex(address)
                fillers.append(filler)
                try:
                    socket.create_connection(address, timeout=0.3).close()
                except TimeoutError:
                    break
            else:
                pytest.fail("could not fill the listen backlog of a local socket")
            yield f"http://127.0.0.1:{address[1]}"
        finally:
            for filler in fillers:
                filler.close()


def _failure(call: Callable[[], Any]) -> tuple[str, float]:
    """Message of the DownloadError ``call`` raises, and the seconds it took."""
    start = time.perf_counter()
    with pytest.raises(DownloadError) as info:
        call()
    return str(info.value), time.perf_counter() - start


def _says_use_a_file(message: str) -> bool:
    return all(part in message for part in ROADS_HINT)


@pytest.fixture
def cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    folder = tmp_path / "cache"
    monkeypatch.setattr(settings, "_cache_dir", folder)
    return folder


@pytest.fixture(scope="module")
def osm_data(cusco_pbf: Path) -> OsmData:
    return OsmData.from_file(cusco_pbf)


ONLINE_CALLS: dict[str, Callable[[], Any]] = {
    "roads_bbox": lambda: osm.graph_from_bbox(SMALL_BBOX),
    "roads_polygon": lambda: osm.graph_from_polygon(shapely.box(*SMALL_BBOX)),
    "features": lambda: osm.features_from_bbox(SMALL_BBOX, {"amenity": "school"}),
    "waterways": lambda: osm.waterways_from_bbox(SMALL_BBOX),
}


@pytest.mark.parametrize("kind", ["refused", "no_dns"])
@pytest.mark.parametrize("call", ONLINE_CALLS.values(), ids=ONLINE_CALLS.keys())
def test_unreachable_overpass_fails_at_once_and_suggests_roads_path(
    kind: str, call: Callable[[], Any], cache: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    base, reason = _unreachable(kind)
    monkeypatch.setattr(settings, "overpass_url", f"{base}/api")
    config_dns, rate_limit = osmnx._http._config_dns, ox.settings.overpass_rate_limit
    message, elapsed = _failure(call)
    assert message.startswith(f"cannot connect to {base}/api/status: {reason}")
    assert _says_use_a_file(message), message
    assert elapsed < FAST_S
    # osmnx is left as it was (its rate limit still on)
    assert osmnx._http._config_dns is config_dns
    assert ox.settings.overpass_rate_limit is rate_limit is True
    assert ox.settings.overpass_url != settings.overpass_url


@pytest.mark.parametrize("kind", ["refused", "no_dns"])
def test_unreachable_nominatim_fails_at_once_and_suggests_roads_path(
    kind: str, cache: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    base, reason = _unreachable(kind)
    monkeypatch.setattr(ox.settings, "nominatim_url", base)
    message, elapsed = _failure(lambda: osm.graph_from_place(PLACE))
    assert message.startswith(f"cannot connect to {base}/search: {reason}")
    assert _says_use_a_file(message), message
    assert elapsed < FAST_S  # osmnx's own polite pause before Nominatim is 1 s


def test_server_that_never_accepts_fails_after_the_connect_timeout(
    cache: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # the whole timeout (180 s) is for a slow answer; a connection gets CONNECT_TIMEOUT_S
    assert settings.http_timeout_s == 180
    monkeypatch.setattr(_http, "CONNECT_TIMEOUT_S", 1.0)
    with _full_backlog() as base:
        monkeypatch.setattr(settings, "overpass_url", f"{base}/api")
        monkeypatch.setattr(ox.settings, "nominatim_url", base)
        for call in (
            lambda: osm.graph_from_bbox(SMALL_BBOX),
            lambda: osm.graph_from_place(PLACE),
        ):
            message, elapsed = _failure(call)
            assert "no connection to 127.0.0.1 within 1 s" in message
            assert _says_use_a_file(message), message
            assert elapsed < FAST_S


# --------------------------------------------------------------------------- #
# reachable servers keep their real behaviour
# --------------------------------------------------------------------------- #


@pytest.mark.parametrize("mode", ["slow_status", "slow"])
def test_a_busy_server_is_given_its_timeout(
    mode: str, osm_data: OsmData, cache: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # answers slower than the connect timeout are waited for, /status as the query
    monkeypatch.setattr(_http, "CONNECT_TIMEOUT_S", 0.3)
    with OverpassTestServer(osm_data, mode=mode, delay_s=1.0) as server:
        monkeypatch.setattr(settings, "overpass_url", server.url)
        start = time.perf_counter()
        graph = osm.graph_from_bbox(SMALL_BBOX)
        elapsed = time.perf_counter() - start
    assert graph.number_of_nodes() > 300
    assert elapsed > 1.0
    # the check of the connection, osmnx's check of the slots, the query
    assert server.requests == [
        ("GET", "/api/status"),
        ("GET", "/api/status"),
        ("POST", "/api/interpreter"),
    ]


def test_busy_server_errors_are_still_reported_as_such(
    osm_data: OsmData, cache: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    with OverpassTestServer(osm_data, mode="http_429") as server:
        url = server.url
        monkeypatch.setattr(settings, "overpass_url", url)
        message, elapsed = _failure(lambda: osm.graph_from_bbox(SMALL_BBOX))
    assert message.startswith(f"{url}/interpreter answered HTTP 429 Too Many Requests")
    assert "Without internet" not in message
    assert elapsed < FAST_S


def test_cached_answers_need_no_network(
    osm_data: OsmData, cache: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    places = {PLACE: shapely.box(*SMALL_BBOX)}
    with OverpassTestServer(osm_data, places=places) as server:
        url = server.url
        monkeypatch.setattr(settings, "overpass_url", url)
        monkeypatch.setattr(ox.settings, "nominatim_url", server.root)
        roads = osm.graph_from_place(PLACE)
        schools = osm.features_from_bbox(SMALL_BBOX, {"amenity": "school"})
    # the server is gone (its port now refuses connections): osmnx's cache answers
    start = time.perf_counter()
    roads_again = osm.graph_from_place(PLACE)
    schools_again = osm.features_from_bbox(SMALL_BBOX, {"amenity": "school"})
    assert time.perf_counter() - start < FAST_S
    assert sorted(roads_again.edges) == sorted(roads.edges)
    assert schools_again.equals(schools) and len(schools) > 0
    # a query that is not cached does need the server
    message, _ = _failure(lambda: osm.waterways_from_bbox(SMALL_BBOX))
    assert message.startswith(f"cannot connect to {url}/status: connection refused")


# --------------------------------------------------------------------------- #
# downloads of whole files (OSM extracts, rasters, point files)
# --------------------------------------------------------------------------- #


@pytest.mark.parametrize("kind", ["refused", "no_dns"])
def test_unreachable_download_fails_at_once(
    kind: str, cache: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    base, reason = _unreachable(kind)
    url = f"{base}/osm/region.osm.pbf"
    message, elapsed = _failure(lambda: cached_download(url))
    assert message.startswith(f"cannot connect to {url}: {reason}")
    assert "Without internet, download the file on a connected machine" in message
    assert elapsed < FAST_S
    assert not (cache / "downloads").exists() or not list((cache / "downloads").iterdir())
    monkeypatch.setattr(_http, "CONNECT_TIMEOUT_S", 1.0)
    with _full_backlog() as blocked:
        message, elapsed = _failure(lambda: download_file(f"{blocked}/x.csv", tmp_path / "x.csv"))
    assert "no connection to 127.0.0.1 within 1 s" in message
    assert elapsed < FAST_S
    assert not (tmp_path / "x.csv").exists()


def test_a_slow_download_is_given_its_timeout(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "www").mkdir()
    (tmp_path / "www" / "data.bin").write_bytes(bytes(range(256)) * 64)
    monkeypatch.setattr(_http, "CONNECT_TIMEOUT_S", 0.3)
    with StaticFileServer(tmp_path / "www") as server:
        target = download_file(f"{server.url}/delay/1/data.bin", tmp_path / "data.bin")
    assert target.read_bytes() == (tmp_path / "www" / "data.bin").read_bytes()


# --------------------------------------------------------------------------- #
# the command line
# --------------------------------------------------------------------------- #


def _online_region(home: Path, roads: str) -> Path:
    """A region whose roads, markets and schools come from OpenStreetMap online."""
    folder = home / "data" / "regions"
    folder.mkdir(parents=True)
    west, south, east, north = SMALL_BBOX
    rows = [
        (1, "Alpha", west + 0.002, south + 0.002, 120),
        (2, "Beta", east - 0.003, north - 0.002, 340),
        (3, "Gamma", (west + east) / 2, (south + north) / 2, 80),
    ]
    (folder / "villages.csv").write_text(
        "id,name,lon,lat,population\n"
        + "".join(f"{r[0]},{r[1]},{r[2]},{r[3]},{r[4]}\n" for r in rows),
        encoding="utf-8",
    )
    config = folder / "online.toml"
    config.write_text(
        f"""[region]
name = "online"
title = "Centro de Cusco (test)"
crs = "EPSG:32719"

[roads]
{roads}

[population]
kind = "points"
path = "villages.csv"

[markets]
kind = "osm"
osm_tags = {{ amenity = ["marketplace"] }}

[schools]
kind = "osm"
osm_tags = {{ amenity = ["school"] }}

[budget]
amount = 1000000.0
""",
        encoding="utf-8",
    )
    return config


@pytest.mark.parametrize(
    "roads", [f"bbox = {list(SMALL_BBOX)}", f'place = "{PLACE}"'], ids=["bbox", "place"]
)
def test_cli_offline_region_exits_2_at_once_and_writes_nothing(
    roads: str,
    tmp_path: Path,
    cache: Path,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    monkeypatch.setattr(settings, "home", tmp_path)
    config = _online_region(tmp_path, roads)
    base, reason = _unreachable("refused")
    monkeypatch.setattr(settings, "overpass_url", f"{base}/api")
    monkeypatch.setattr(ox.settings, "nominatim_url", base)
    caplog.set_level(logging.INFO)
    start = time.perf_counter()
    code = main(["run", "--region", str(config), "-q"])
    elapsed = time.perf_counter() - start
    assert code == 2
    assert elapsed < FAST_S
    errors = [r.getMessage() for r in caplog.records if r.levelno >= logging.ERROR]
    assert len(errors) == 1, errors
    assert errors[0].startswith(f"{config}: [roads] cannot connect to {base}/")
    assert reason in errors[0]
    assert _says_use_a_file(errors[0]), errors[0]
    assert "Traceback" not in caplog.text
    # nothing but the (empty) lock file of the run
    written = [p for folder in ("outputs", "maps") for p in (tmp_path / folder).rglob("*")]
    assert [p for p in written if not p.name.endswith(".lock")] == []
    assert all(p.is_file() and p.stat().st_size == 0 for p in written)


def test_cli_online_region_runs_when_the_server_answers(
    tmp_path: Path, cache: Path, osm_data: OsmData, monkeypatch: pytest.MonkeyPatch
) -> None:
    # the control of the test above: the same config, with a server, gets its network built
    monkeypatch.setattr(settings, "home", tmp_path)
    config = _online_region(tmp_path, f"bbox = {list(SMALL_BBOX)}")
    with OverpassTestServer(osm_data) as server:
        monkeypatch.setattr(settings, "overpass_url", server.url)
        assert main(["network", "--region", str(config), "-q"]) == 0
    assert (tmp_path / "outputs" / "online" / "network_pieces.csv").is_file()
