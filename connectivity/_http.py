"""Private HTTP helpers: streamed, atomic file downloads with clear errors.

:func:`download_file` fetches one URL into a file with ``requests``, in
chunks (never the whole body in memory), with the timeout of
:data:`connectivity.settings.settings` (``http_timeout_s``, for the
connection and for every wait on the socket). The body goes to a temporary
file beside the target, renamed when complete, so a failed or interrupted
download never leaves half a file where a finished one is expected.
:func:`cached_download` does the same into ``settings.cache_dir /
"downloads"`` and re-uses a file already there.

Every failure (HTTP error status, timeout, refused connection, truncated
body) is a :class:`~connectivity.errors.DownloadError` naming the URL.
"""

from __future__ import annotations

import hashlib
import logging
import os
from pathlib import Path
from urllib.parse import unquote, urlsplit

import requests
import urllib3
from tqdm.auto import tqdm

from connectivity._io import atomic_path
from connectivity._logging import progress_enabled
from connectivity.errors import DataError, DownloadError
from connectivity.settings import settings

__all__ = ["cached_download", "download_file", "is_url"]

log = logging.getLogger(__name__)

_CHUNK_BYTES = 1 << 16
_SNIPPET_CHARS = 200
_URL_SCHEMES = ("http://", "https://")


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
        HTTP error status, timeout (``settings.http_timeout_s`` for the
        connection and for each wait on data), refused connection, or a body
        shorter than announced; the message names the URL. ``dest`` is left
        as it was.
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
            requests.get(url, stream=True, timeout=(timeout, timeout)) as response,
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
    except requests.exceptions.Timeout as err:
        raise DownloadError(_timeout_message(url)) from err
    except requests.exceptions.ConnectionError as err:
        if _is_read_timeout(err):
            raise DownloadError(
                _timeout_message(url) + f" (after {received} bytes of the body)"
            ) from err
        raise DownloadError(f"cannot connect to {url}: {err}") from err
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
