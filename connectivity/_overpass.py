"""Private HTTP helpers for the Overpass and Nominatim APIs reached through osmnx.

osmnx keeps its options in module-level settings. :func:`osmnx_settings`
changes some of them for the duration of a ``with`` block and restores them
afterwards, so the package never leaves osmnx configured differently from how
the caller set it. :func:`online_settings` gives the values every online call
uses: the Overpass URL, timeout and cache folder of
:data:`connectivity.settings.settings`, and a response check that turns HTTP
errors into :class:`~connectivity.errors.DownloadError` at once (osmnx alone
retries 429 and 504 answers forever, 55 s apart, and accepts an Overpass
answer that reports a runtime error as if it were complete).

:func:`download_errors` translates the exceptions of ``requests`` (timeouts,
refused connections) into :class:`~connectivity.errors.DownloadError` naming
the URL and the problem; a server that cannot be reached gets
:data:`OFFLINE_HINT`, the way to work without internet.

:func:`overpass_requests` and :func:`nominatim_requests` put these together
around osmnx calls, and make an unreachable server fail at once. osmnx alone,
when the Overpass ``/status`` endpoint cannot be reached, waits 60 s before it
sends the query anyway (and, when the host name does not resolve, first asks a
DNS-over-HTTPS server with the full timeout). Inside
:func:`overpass_requests`, the first network step of each query osmnx does not
find in its cache (``osmnx._http._config_dns``) is preceded by one request to
``/status`` that must connect within
:func:`~connectivity._http.connect_timeout_s`; a server that is reachable but
busy is still given ``settings.http_timeout_s`` to answer, and answers read
from osmnx's cache need no network at all. None of this is thread-safe: osmnx
settings are global.
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Iterator
from typing import Any
from urllib.parse import urlsplit

import osmnx as ox
import requests
from osmnx import _http as osmnx_http

from connectivity._http import connect_timeout_s, connection_failure
from connectivity.errors import DownloadError
from connectivity.settings import settings

__all__ = [
    "OFFLINE_HINT",
    "check_reachable",
    "check_response",
    "download_errors",
    "nominatim_requests",
    "online_settings",
    "osmnx_settings",
    "overpass_requests",
]

#: What to do without internet, added to the message of an API that cannot be reached.
OFFLINE_HINT = (
    "Without internet, read the roads from a file: download an OpenStreetMap extract "
    "that covers the region (a .osm.pbf, e.g. from https://download.geofabrik.de; Peru: "
    "https://download.geofabrik.de/south-america/peru-latest.osm.pbf), then under [roads] "
    'in the region config replace `place`, `bbox` or `polygon` with `path = "…"` '
    "(markets, schools and rivers tagged in OpenStreetMap are then read from that file too)"
)

log = logging.getLogger(__name__)

#: Explanations added to the message of an HTTP error status.
_STATUS_HINTS: dict[int, str] = {
    400: "the server rejected the query",
    429: "too many requests: the server's rate limit is reached; wait a minute and try again",
    500: "internal server error",
    502: "bad gateway: the server is down or overloaded",
    503: "service unavailable: the server is overloaded; try again later",
    504: "gateway timeout: the server is overloaded; try again later or query a smaller area",
}
_SNIPPET_CHARS = 200


@contextlib.contextmanager
def osmnx_settings(**values: Any) -> Iterator[None]:
    """Set attributes of ``osmnx.settings`` inside a ``with`` block, then restore them.

    Parameters
    ----------
    **values
        Setting names (as in :mod:`osmnx.settings`) and the values to use.

    Yields
    ------
    None

    Raises
    ------
    AttributeError
        A name that is not an osmnx setting (a programming error).

    Examples
    --------
    >>> import osmnx as ox
    >>> before = ox.settings.requests_timeout
    >>> with osmnx_settings(requests_timeout=5):
    ...     ox.settings.requests_timeout
    5
    >>> ox.settings.requests_timeout == before
    True
    """
    saved: dict[str, Any] = {}
    for name in values:
        if not hasattr(ox.settings, name):
            raise AttributeError(f"osmnx has no setting {name!r}")
        saved[name] = getattr(ox.settings, name)
    try:
        for name, value in values.items():
            setattr(ox.settings, name, value)
        yield
    finally:
        for name, value in saved.items():
            setattr(ox.settings, name, value)


def online_settings() -> dict[str, Any]:
    """Return the osmnx settings of online calls, from :data:`connectivity.settings.settings`.

    Returns
    -------
    dict
        ``overpass_url``, ``requests_timeout`` (``settings.http_timeout_s``, an
        integer when it is a whole number: it also goes into the Overpass query),
        ``use_cache`` and ``cache_folder`` (``settings.cache_dir / "osmnx"``),
        and ``requests_kwargs`` with a response hook that raises
        :class:`~connectivity.errors.DownloadError` on an HTTP error status, a
        body that is not JSON, or an Overpass runtime-error remark.

    Examples
    --------
    >>> opts = online_settings()
    >>> sorted(opts)
    ['cache_folder', 'overpass_url', 'requests_kwargs', 'requests_timeout', 'use_cache']
    >>> opts["requests_timeout"]
    180
    """
    kwargs = dict(ox.settings.requests_kwargs)
    hooks = dict(kwargs.get("hooks") or {})
    previous = hooks.get("response", [])
    previous = list(previous) if isinstance(previous, list | tuple) else [previous]
    hooks["response"] = [*previous, check_response]
    kwargs["hooks"] = hooks
    # osmnx also writes this value into the query as [timeout:N], and Overpass
    # accepts integers only there
    timeout = settings.http_timeout_s
    return {
        "overpass_url": settings.overpass_url,
        "requests_timeout": int(timeout) if float(timeout).is_integer() else timeout,
        "use_cache": True,
        "cache_folder": settings.cache_dir / "osmnx",
        "requests_kwargs": kwargs,
    }


def _base_url(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}{parts.path}"


def _snippet(text: str) -> str:
    text = " ".join(text.split())
    return text if len(text) <= _SNIPPET_CHARS else text[:_SNIPPET_CHARS] + "..."


def check_response(response: requests.Response, *args: Any, **kwargs: Any) -> None:
    """Raise :class:`~connectivity.errors.DownloadError` for an unusable API answer.

    Installed as a ``requests`` response hook by :func:`online_settings`. The
    Overpass ``/status`` endpoint is left to osmnx (some mirrors lack it; osmnx
    then waits and goes on).

    Parameters
    ----------
    response : requests.Response
        The answer to check.
    *args, **kwargs
        Passed by ``requests`` to every hook; unused.

    Raises
    ------
    DownloadError
        HTTP status 400 or above, a body that is not JSON, or an Overpass
        ``remark`` reporting a runtime error (the answer would be incomplete).
    """
    url = _base_url(response.url)
    if url.rstrip("/").endswith("/status"):
        return
    if not response.ok:
        hint = _STATUS_HINTS.get(response.status_code, "")
        raise DownloadError(
            f"{url} answered HTTP {response.status_code} {response.reason}"
            + (f" ({hint})" if hint else "")
            + (f": {_snippet(response.text)}" if response.text.strip() else "")
        )
    try:
        payload = response.json()
    except ValueError as err:
        raise DownloadError(
            f"{url} answered HTTP {response.status_code} but not with JSON: "
            f"{_snippet(response.text)!r}"
        ) from err
    remark = payload.get("remark") if isinstance(payload, dict) else None
    if isinstance(remark, str) and "error" in remark.lower():
        raise DownloadError(f"{url} reported an error, its answer is incomplete: {remark}")


@contextlib.contextmanager
def download_errors(url: str) -> Iterator[None]:
    """Translate ``requests`` failures inside the block into DownloadError.

    Parameters
    ----------
    url : str
        URL named in the message when the exception does not carry one.

    Yields
    ------
    None

    Raises
    ------
    DownloadError
        On a timeout, a refused or broken connection, or any other
        ``requests`` error.

    Examples
    --------
    >>> import requests
    >>> with download_errors("http://example.invalid/api"):
    ...     raise requests.exceptions.ConnectionError("refused")
    Traceback (most recent call last):
    ...
    connectivity.errors.DownloadError: cannot connect to http://example.invalid/api: refused
    """
    try:
        yield
    except requests.exceptions.ConnectionError as err:  # before Timeout: ConnectTimeout is both
        raise _cannot_connect(err, url) from err
    except requests.exceptions.Timeout as err:
        where = _request_url(err, url)
        raise DownloadError(
            f"no answer from {where} within {settings.http_timeout_s:g} s "
            "(timeout: settings.http_timeout_s / CONNECTIVITY_HTTP_TIMEOUT_S)"
        ) from err
    except requests.exceptions.RequestException as err:
        raise DownloadError(f"request to {_request_url(err, url)} failed: {err}") from err


def _cannot_connect(err: requests.exceptions.ConnectionError, url: str) -> DownloadError:
    where = _request_url(err, url)
    reason = connection_failure(err, where)
    if reason is None:  # connected, then failed (reset, TLS): not a sign of being offline
        return DownloadError(f"cannot connect to {where}: {err}")
    return DownloadError(f"cannot connect to {where}: {reason}.\n  {OFFLINE_HINT}")


def check_reachable(url: str) -> None:
    """Raise DownloadError at once when no connection to the server of ``url`` can be made.

    One ``GET`` of ``url`` (streamed, the body is not read), with
    ``osmnx.settings.requests_kwargs`` (proxies, certificates) and
    :func:`~connectivity._http.connect_timeout_s` for the connection and
    for the answer's headers. Only a failed connection counts: an HTTP error
    status or a slow answer means the server is there.

    Parameters
    ----------
    url : str
        The URL to request (the Overpass ``/status`` endpoint).

    Raises
    ------
    DownloadError
        The name does not resolve, the connection is refused, the network is
        unreachable, no connection within the connect timeout, or the
        connection fails otherwise (TLS); the message names the URL and, when
        the server was never reached, ends with :data:`OFFLINE_HINT`.

    Examples
    --------
    >>> try:
    ...     check_reachable("http://nonexistent.invalid/api/status")
    ... except DownloadError as err:
    ...     message = str(err)
    >>> "nonexistent.invalid does not resolve" in message, "[roads]" in message
    (True, True)
    """
    wait_s = connect_timeout_s()
    kwargs = {k: v for k, v in ox.settings.requests_kwargs.items() if k not in ("stream",)}
    try:
        with requests.get(url, stream=True, timeout=(wait_s, wait_s), **kwargs):
            pass
    except requests.exceptions.ConnectionError as err:
        raise _cannot_connect(err, url) from err
    except requests.exceptions.RequestException as err:  # reached, but slow or odd: go on
        log.debug("%s is reachable (%s)", url, err)


@contextlib.contextmanager
def _reachability_checked() -> Iterator[None]:
    """Precede osmnx's first network step of an uncached Overpass query by check_reachable."""
    original = getattr(osmnx_http, "_config_dns", None)
    if original is None:  # another osmnx: its own pauses apply
        log.debug("osmnx has no _http._config_dns: no fail-fast check of the Overpass server")
        yield
        return

    def checked(url: str) -> None:
        check_reachable(url.rstrip("/") + "/status")
        original(url)

    osmnx_http._config_dns = checked
    try:
        yield
    finally:
        osmnx_http._config_dns = original


@contextlib.contextmanager
def overpass_requests() -> Iterator[None]:
    """Context for osmnx calls to the Overpass API of ``settings.overpass_url``.

    Applies :func:`online_settings`, checks the server can be reached before
    each query osmnx does not find in its cache (:func:`check_reachable`),
    and translates ``requests`` errors (:func:`download_errors`).

    Yields
    ------
    None

    Raises
    ------
    DownloadError
        As :func:`check_reachable`, :func:`check_response` and
        :func:`download_errors`.
    """
    with (
        osmnx_settings(**online_settings()),
        _reachability_checked(),
        download_errors(settings.overpass_url),
    ):
        yield


@contextlib.contextmanager
def nominatim_requests() -> Iterator[None]:
    """Context for osmnx geocoding calls to Nominatim (``osmnx.settings.nominatim_url``).

    Applies :func:`online_settings`, with at most
    :func:`~connectivity._http.connect_timeout_s` to connect (Nominatim
    queries carry no timeout of their own, so ``requests_timeout`` can be a
    ``(connect, read)`` pair here), and translates ``requests`` errors
    (:func:`download_errors`). osmnx sends a Nominatim query after a 1 s pause
    and does not retry a failed connection, so a name that does not resolve or
    a refused connection fails on that first request.

    Yields
    ------
    None

    Raises
    ------
    DownloadError
        As :func:`download_errors` and :func:`check_response`.
    """
    values = online_settings()
    values["requests_timeout"] = (connect_timeout_s(), settings.http_timeout_s)
    with osmnx_settings(**values), download_errors(ox.settings.nominatim_url):
        yield


def _request_url(err: requests.exceptions.RequestException, default: str) -> str:
    request = err.request
    if request is not None and request.url:
        return _base_url(request.url)
    return default
