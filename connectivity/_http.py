"""Private HTTP helpers: streamed, atomic file downloads with clear errors.

:func:`download_file` fetches one URL into a file with ``requests``, in
chunks (never the whole body in memory), with the timeout of
:data:`connectivity.settings.settings` (``http_timeout_s``, for every wait
on the socket; at most :data:`CONNECT_TIMEOUT_S` for the connection). The body goes to a temporary
file beside the target, renamed when complete, so a failed or interrupted
download never leaves half a file where a finished one is expected.
:func:`cached_download` does the same into ``settings.cache_dir /
"downloads"`` and re-uses a file already there.

Every failure (HTTP error status, timeout, refused connection, truncated
body) is a :class:`~connectivity.errors.DownloadError` naming the URL. A
server that cannot be reached at all (a name that does not resolve, a refused
connection, no route to the network, no connection within
:func:`connect_timeout_s`) fails at once: :func:`connection_failure` says
which of these happened, in words a user can act on.
"""

from __future__ import annotations

import errno
import hashlib
import logging
import os
import socket
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import unquote, urlsplit

import requests
import urllib3
from tqdm.auto import tqdm

from connectivity._io import atomic_path
from connectivity._logging import progress_enabled
from connectivity.errors import DataError, DownloadError
from connectivity.settings import settings

__all__ = [
    "CONNECT_TIMEOUT_S",
    "DOWNLOAD_OFFLINE_HINT",
    "cached_download",
    "connect_timeout_s",
    "connection_failure",
    "download_file",
    "is_url",
]

log = logging.getLogger(__name__)

_CHUNK_BYTES = 1 << 16
_SNIPPET_CHARS = 200
_URL_SCHEMES = ("http://", "https://")

#: Longest wait in seconds for a connection to a server (``settings.http_timeout_s``
#: when shorter). A busy server still accepts connections at once and is then
#: given the whole ``settings.http_timeout_s`` to answer; a connection that takes
#: longer than this means the server cannot be reached from here.
CONNECT_TIMEOUT_S: float = 10.0

#: What to do without internet, added to the message of a download that cannot connect.
DOWNLOAD_OFFLINE_HINT = (
    "Without internet, download the file on a connected machine and point the region "
    'config at the copy (`path = "…"` instead of `url`)'
)

_UNREACHABLE_ERRNOS = frozenset(
    {errno.ENETUNREACH, errno.EHOSTUNREACH, errno.ENETDOWN, errno.EHOSTDOWN, errno.EADDRNOTAVAIL}
)


def is_url(where: str | os.PathLike[str]) -> bool:
    """Whether ``where`` is an ``http(s)://`` URL rather than a local path.

    Parameters
    ----------
    where : str or path-like

    Returns
    -------
    bool

    Examples
    --------
    >>> is_url("https://example.org/data.csv"), is_url("data/regions/cusco.toml")
    (True, False)
    """
    return isinstance(where, str) and where.lower().startswith(_URL_SCHEMES)


def connect_timeout_s() -> float:
    """Seconds to wait for a connection: :data:`CONNECT_TIMEOUT_S`, or less.

    Returns
    -------
    float
        ``min(settings.http_timeout_s, CONNECT_TIMEOUT_S)``.

    Examples
    --------
    >>> connect_timeout_s()
    10.0
    """
    return min(settings.http_timeout_s, CONNECT_TIMEOUT_S)


def _causes(err: BaseException) -> Iterator[BaseException]:
    """``err`` and the exceptions inside it (args, ``reason``, cause, context)."""
    seen: set[int] = set()
    stack = [err]
    while stack:
        current = stack.pop()
        if id(current) in seen:
            continue
        seen.add(id(current))
        yield current
        inner = [*current.args, getattr(current, "reason", None)]
        inner += [current.__cause__, current.__context__]
        stack.extend(e for e in reversed(inner) if isinstance(e, BaseException))


def connection_failure(err: requests.exceptions.ConnectionError, url: str) -> str | None:
    """Why no connection to the server of ``url`` could be made, in words; ``None`` if one was.

    Parameters
    ----------
    err : requests.exceptions.ConnectionError
        The error ``requests`` raised.
    url : str
        The URL requested (its host and port go into the message).

    Returns
    -------
    str or None
        The reason the server was never reached: its name does not resolve
        (no DNS: typically no internet), the connection was refused, the
        network or host is unreachable, the proxy cannot be reached, or no
        connection within :func:`connect_timeout_s`. ``None`` when the
        connection was made and then failed (a reset, a TLS error, a read
        timeout while streaming).

    Examples
    --------
    >>> import requests
    >>> try:
    ...     requests.get("http://nonexistent.invalid/api", timeout=5)
    ... except requests.exceptions.ConnectionError as err:
    ...     print(connection_failure(err, "http://nonexistent.invalid/api"))
    the host name nonexistent.invalid does not resolve (no DNS answer: is this machine offline?)
    """
    parts = urlsplit(url)
    host = parts.hostname or parts.netloc
    port = parts.port or (443 if parts.scheme == "https" else 80)
    if isinstance(err, requests.exceptions.ProxyError):
        return f"the proxy cannot be reached ({err})"
    for cause in _causes(err):
        if isinstance(cause, socket.gaierror | urllib3.exceptions.NameResolutionError):
            return (
                f"the host name {host} does not resolve (no DNS answer: is this machine offline?)"
            )
        if isinstance(cause, ConnectionRefusedError):
            return f"connection refused: nothing answers at {host} port {port}"
        if isinstance(cause, OSError) and cause.errno in _UNREACHABLE_ERRNOS:
            return f"{host} is unreachable: {cause.strerror or cause} (is this machine offline?)"
    if isinstance(err, requests.exceptions.ConnectTimeout):
        return (
            f"no connection to {host} within {connect_timeout_s():g} s "
            "(the server cannot be reached from here, or is overloaded)"
        )
    return None


def _timeout_message(url: str) -> str:
    return (
        f"no answer from {url} within {settings.http_timeout_s:g} s "
        "(timeout: settings.http_timeout_s / CONNECTIVITY_HTTP_TIMEOUT_S)"
    )


def _is_read_timeout(err: requests.exceptions.ConnectionError) -> bool:
    # requests reports a read timeout while streaming the body as a ConnectionError
    return any(isinstance(arg, urllib3.exceptions.ReadTimeoutError) for arg in err.args)


def _check_status(response: requests.Response, url: str) -> None:
    if response.ok:
        return
    text = ""
    try:
        text = " ".join(response.text.split())[:_SNIPPET_CHARS]
    except (requests.exceptions.RequestException, UnicodeDecodeError):
        text = ""
    raise DownloadError(
        f"{url} answered HTTP {response.status_code} {response.reason}"
        + (f": {text}" if text else "")
    )


def download_file(url: str, dest: str | os.PathLike[str]) -> Path:
    """Download ``url`` into ``dest``, streamed and atomically.

    Parameters
    ----------
    url : str
        ``http://`` or ``https://`` URL.
    dest : path-like
        Target file; its folder is created if missing. An existing file is
        replaced only once the new one is complete.

    Returns
    -------
    Path
        ``dest``.

    Raises
    ------
    DownloadError
        HTTP error status, timeout (``settings.http_timeout_s`` for each wait
        on data), a server that cannot be reached (a name that does not
        resolve, a refused connection, no route, no connection within
        :func:`connect_timeout_s`: at once, with :data:`DOWNLOAD_OFFLINE_HINT`),
        or a body shorter than announced; the message names the URL. ``dest``
        is left as it was.
    DataError
        ``url`` is not an http(s) URL.

    Examples
    --------
    Online::

        download_file("https://download.bbbike.org/osm/bbbike/Cusco/Cusco.osm.pbf",
                      Path("data/cache/Cusco.osm.pbf"))
    """
    if not is_url(url):
        raise DataError(f"not an http(s) URL: {url!r}")
    target = Path(dest)
    timeout = settings.http_timeout_s
    received = 0
    try:
        with (
            requests.get(url, stream=True, timeout=(connect_timeout_s(), timeout)) as response,
            atomic_path(target) as tmp,
        ):
            _check_status(response, url)
            size = response.headers.get("Content-Length")
            total = int(size) if size and size.isdigit() else None
            with (
                tmp.open("wb") as out,
                tqdm(
                    total=total,
                    unit="B",
                    unit_scale=True,
                    desc=f"download {target.name}",
                    disable=not progress_enabled(),
                    leave=False,
                ) as bar,
            ):
                for chunk in response.iter_content(chunk_size=_CHUNK_BYTES):
                    out.write(chunk)
                    received += len(chunk)
                    bar.update(len(chunk))
            if total is not None and received != total:
                raise DownloadError(
                    f"download of {url} is incomplete: {received} of {total} bytes received"
                )
    except requests.exceptions.ConnectionError as err:
        if _is_read_timeout(err):
            raise DownloadError(
                _timeout_message(url) + f" (after {received} bytes of the body)"
            ) from err
        reason = connection_failure(err, url)
        if reason is not None:
            raise DownloadError(
                f"cannot connect to {url}: {reason}.\n  {DOWNLOAD_OFFLINE_HINT}"
            ) from err
        raise DownloadError(f"cannot connect to {url}: {err}") from err
    except requests.exceptions.Timeout as err:
        raise DownloadError(_timeout_message(url)) from err
    except requests.exceptions.RequestException as err:
        raise DownloadError(f"download of {url} failed after {received} bytes: {err}") from err
    log.info("downloaded %s to %s (%d bytes)", url, target, received)
    return target


def cached_download(url: str) -> Path:
    """Return a local copy of ``url`` in the download cache, fetching it once.

    The file is ``settings.cache_dir / "downloads" / <hash>-<name>``, where
    ``<hash>`` identifies the whole URL and ``<name>`` is the last part of
    its path (so GDAL and pandas still see the extension).

    Parameters
    ----------
    url : str
        ``http://`` or ``https://`` URL.

    Returns
    -------
    Path
        The cached file.

    Raises
    ------
    DownloadError
        As :func:`download_file`.
    """
    name = Path(unquote(urlsplit(url).path)).name or "download"
    digest = hashlib.sha256(url.encode("utf-8")).hexdigest()[:16]
    target = settings.cache_dir / "downloads" / f"{digest}-{name}"
    if target.is_file():
        log.info("using cached download of %s: %s", url, target)
        return target
    return download_file(url, target)
