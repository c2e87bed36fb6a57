"""Drive Debian's headless Chromium (through Playwright) over a generated HTML map.

Used by tests/test_maps.py. Chromium comes from the system package (``apt-get
install chromium``; .ci/run installs it), never from ``playwright install``.
The machine has no internet: web-tile requests are answered with a blank
tile, and any other request leaving the page is recorded so a test can
require that the map needs nothing from the web.
"""

from __future__ import annotations

import io
import os
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def _blank_png() -> bytes:
    """A transparent 256 x 256 PNG, served for every map tile."""
    from PIL import Image

    buf = io.BytesIO()
    Image.new("RGBA", (256, 256), (0, 0, 0, 0)).save(buf, format="PNG")
    return buf.getvalue()


BLANK_PNG = _blank_png()
TILE_HOSTS = ("tile.openstreetmap.org",)


def chromium_path() -> str:
    """Path of the system Chromium; fails with a clear message when it is missing."""
    path = os.environ.get("CHROMIUM") or shutil.which("chromium") or "/usr/bin/chromium"
    if not Path(path).is_file():
        raise RuntimeError(
            "headless Chromium not found (expected /usr/bin/chromium): "
            "install it with `apt-get install chromium` (.ci/run does this in CI)"
        )
    return path


@dataclass
class PageLog:
    """What happened while the page was open."""

    console_errors: list[str] = field(default_factory=list)
    page_errors: list[str] = field(default_factory=list)
    dialogs: list[str] = field(default_factory=list)
    tile_requests: list[str] = field(default_factory=list)
    external_requests: list[str] = field(default_factory=list)


@contextmanager
def open_page(
    html_file: Path,
    *,
    width: int = 1400,
    height: int = 900,
    ready: str = "window.cxState !== undefined",
) -> Iterator[tuple[Any, PageLog]]:
    """Open ``html_file`` in headless Chromium; yield the Playwright page and its log.

    ``ready``: a script expression true once the page has drawn itself (a
    map's ``cxState``; an index page of parts sets ``cxIndex``).
    """
    from playwright.sync_api import sync_playwright

    log = PageLog()
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=chromium_path(), args=CHROMIUM_ARGS)
        try:
            context = browser.new_context(viewport={"width": width, "height": height})

            def route(r: Any) -> None:
                url = r.request.url
                if any(host in url for host in TILE_HOSTS):
                    log.tile_requests.append(url)
                    r.fulfill(status=200, content_type="image/png", body=BLANK_PNG)
                else:
                    log.external_requests.append(url)
                    r.abort()

            context.route("http://*/**", route)
            context.route("https://*/**", route)
            page = context.new_page()
            page.on(
                "console",
                lambda m: log.console_errors.append(m.text) if m.type == "error" else None,
            )
            page.on("pageerror", lambda e: log.page_errors.append(str(e)))

            def dialog(d: Any) -> None:
                log.dialogs.append(d.message)
                d.dismiss()

            page.on("dialog", dialog)
            page.goto(html_file.resolve().as_uri(), wait_until="load")
            page.wait_for_function(ready, timeout=15_000)
            yield page, log
        finally:
            browser.close()


def click_latlng(page: Any, lat: float, lon: float, *, zoom: int | None = None) -> None:
    """Centre the map on a point (optionally zooming) and click it with the mouse."""
    page.evaluate(
        """([lat, lon, zoom]) => {
            const map = window.cxState.map;
            map.setView([lat, lon], zoom === null ? map.getZoom() : zoom, {animate: false});
        }""",
        [lat, lon, zoom],
    )
    page.wait_for_timeout(150)
    x, y = page.evaluate(
        """([lat, lon]) => {
            const map = window.cxState.map;
            const p = map.latLngToContainerPoint([lat, lon]);
            const r = map.getContainer().getBoundingClientRect();
            return [r.left + p.x, r.top + p.y];
        }""",
        [lat, lon],
    )
    page.mouse.click(x, y)
