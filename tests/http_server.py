"""A small static-file HTTP server on 127.0.0.1 with byte ranges, for tests.

:class:`StaticFileServer` serves the files under a folder from a free port, in
a thread, over HTTP/1.1 (keep-alive), the way GDAL's ``/vsicurl/`` and
``requests`` expect a plain web server to behave:

* ``HEAD`` and ``GET`` of ``/<path>`` (relative to the folder), with
  ``Content-Length``, ``Accept-Ranges: bytes`` and ``Last-Modified``;
* a single byte range (``Range: bytes=a-b``, ``bytes=a-``, ``bytes=-n``) gets
  ``206 Partial Content`` with ``Content-Range``; a range past the end gets
  ``416``; anything else the whole file;
* ``GET /status/<code>`` answers that status with a short text body;
* ``GET /delay/<seconds>/<path>`` waits before answering with the file;
* ``GET /stall/<seconds>/<path>`` sends the headers and the first half of
  the body, waits, then sends the rest.

Every request is recorded in :attr:`StaticFileServer.requests` (method, path,
``Range`` header, status, body bytes sent) and logged on the ``http_server``
logger, so a test can check what a client really fetched.

Example::

    with StaticFileServer(folder) as server:
        requests.get(f"{server.url}/file.tif", headers={"Range": "bytes=0-99"})
        server.bytes_sent("/file.tif")  # 100
"""

from __future__ import annotations

import email.utils
import logging
import re
import threading
from dataclasses import dataclass
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from types import TracebackType
from urllib.parse import unquote, urlsplit

log = logging.getLogger("http_server")

_RANGE = re.compile(r"^bytes=(\d*)-(\d*)$")
_WRITE_BYTES = 1 << 16


@dataclass(frozen=True)
class Record:
    """One request as the server saw it."""

    method: str
    path: str
    range: str | None
    status: int
    bytes_sent: int


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    owner: StaticFileServer


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: _Server

    def log_message(self, format: str, *args: object) -> None:
        log.debug("%s " + format, self.address_string(), *args)

    # ------------------------------------------------------------------ #

    def do_HEAD(self) -> None:
        self._answer(head=True)

    def do_GET(self) -> None:
        self._answer(head=False)

    # ------------------------------------------------------------------ #

    def _record(self, status: int, sent: int) -> None:
        path = urlsplit(self.path).path
        record = Record(self.command, path, self.headers.get("Range"), status, sent)
        self.server.owner.record(record)

    def _text(self, status: int, text: str, *, head: bool) -> None:
        body = text.encode("utf-8")
        self.send_response(status)
        self.send_header("Content-Type", "text/plain; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if not head:
            self.wfile.write(body)
        self._record(status, 0 if head else len(body))

    def _answer(self, *, head: bool) -> None:
        owner = self.server.owner
        path = unquote(urlsplit(self.path).path)
        delay_s, stall_s = 0.0, 0.0
        match = re.match(r"^/(status|delay|stall)/([^/]+)(/.*)?$", path)
        if match:
            what, value, rest = match.groups()
            if what == "status":
                code = int(value)
                phrase = HTTPStatus(code).phrase if code in HTTPStatus._value2member_map_ else ""
                self._text(
                    code, f"{code} {phrase}: answered on purpose by the test server", head=head
                )
                return
            if what == "delay":
                delay_s = float(value)
            else:
                stall_s = float(value)
            path = rest or "/"
        file = (owner.root / path.lstrip("/")).resolve()
        if owner.root not in file.parents or not file.is_file():
            self._text(404, f"not found: {path}", head=head)
            return
        if delay_s and owner.closing.wait(delay_s):
            return
        data = file.read_bytes()
        size = len(data)
        start, end, status = 0, size - 1, 200
        header = self.headers.get("Range")
        range_match = _RANGE.match(header.strip()) if header else None
        if range_match and (range_match[1] or range_match[2]):
            first, last = range_match[1], range_match[2]
            if first:
                start = int(first)
                end = min(int(last), size - 1) if last else size - 1
            else:  # the last n bytes
                start = max(size - int(last), 0)
            if start >= size or start > end:
                self.send_response(416)
                self.send_header("Content-Range", f"bytes */{size}")
                self.send_header("Content-Length", "0")
                self.end_headers()
                self._record(416, 0)
                return
            status = 206
        body = data[start : end + 1]
        self.send_response(status)
        self.send_header("Content-Type", "application/octet-stream")
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Accept-Ranges", "bytes")
        self.send_header("Last-Modified", email.utils.formatdate(file.stat().st_mtime, usegmt=True))
        if status == 206:
            self.send_header("Content-Range", f"bytes {start}-{end}/{size}")
        self.end_headers()
        sent = 0
        try:
            if not head:
                half = len(body) // 2 if stall_s else len(body)
                for i in range(0, half, _WRITE_BYTES):
                    sent += self.wfile.write(body[i : min(i + _WRITE_BYTES, half)]) or 0
                self.wfile.flush()
                if stall_s:
                    if owner.closing.wait(stall_s):
                        return
                    self.wfile.write(body[half:])
                    sent = len(body)
        except (BrokenPipeError, ConnectionResetError):
            self.close_connection = True
        finally:
            self._record(status, sent)


class StaticFileServer:
    """Serve the files of ``root`` on ``http://127.0.0.1:<free port>`` (see module doc).

    Parameters
    ----------
    root : Path
        Folder whose files are served; nothing outside it is.
    """

    def __init__(self, root: Path) -> None:
        self.root = Path(root).resolve()
        self.requests: list[Record] = []
        self.closing = threading.Event()
        self._lock = threading.Lock()
        self._server = _Server(("127.0.0.1", 0), _Handler)
        self._server.owner = self
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        """Base URL, without a trailing slash."""
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}"

    def record(self, record: Record) -> None:
        """Remember (and log) one request."""
        with self._lock:
            self.requests.append(record)
        log.info(
            "%s %s range=%s -> %d, %d bytes",
            record.method,
            record.path,
            record.range,
            record.status,
            record.bytes_sent,
        )

    def bytes_sent(self, path: str | None = None) -> int:
        """Body bytes sent in all requests (for one path, if given)."""
        with self._lock:
            return sum(r.bytes_sent for r in self.requests if path is None or r.path == path)

    def start(self) -> StaticFileServer:
        """Start serving in a background thread."""
        self._thread.start()
        return self

    def close(self) -> None:
        """Stop serving and wake any delayed answer."""
        self.closing.set()
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)

    def __enter__(self) -> StaticFileServer:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()
