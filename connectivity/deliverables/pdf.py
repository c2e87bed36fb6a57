"""Print HTML to PDF with headless Chromium, the browser the maps' tests already use.

:func:`print_to_pdf` runs ``chromium --headless --print-to-pdf`` on a local
HTML file (one launch for a whole document: the pages follow the document's
CSS ``@page`` rules and page breaks) and writes the PDF atomically.
:func:`find_chromium` finds the browser as ``tests/browser.py`` does (the
``CHROMIUM`` environment variable, then ``chromium`` on the ``PATH``); when
there is none, :func:`print_to_pdf` raises :class:`ChromiumMissingError`,
whose message says how to install it, and the callers skip the PDF with a
warning instead of failing the run. :func:`pdf_page_count` counts the pages
of a PDF without a PDF library (Chromium writes plain page objects).
"""

from __future__ import annotations

import contextlib
import logging
import os
import re
import shutil
import signal
import subprocess
import tempfile
import time
from pathlib import Path

from connectivity._io import atomic_path

__all__ = [
    "INSTALL_HINT",
    "ChromiumMissingError",
    "PdfError",
    "find_chromium",
    "pdf_page_count",
    "print_to_pdf",
]

log = logging.getLogger(__name__)

#: How to get a browser that prints, said wherever a PDF is skipped.
INSTALL_HINT = (
    "install Debian's Chromium (`sudo apt-get install chromium`, as .ci/run does) "
    "or set CHROMIUM=/path/to/chromium"
)
_NAMES = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")
_FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-extensions",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--no-default-browser-check",
    "--hide-scrollbars",
    "--no-pdf-header-footer",
    "--run-all-compositor-stages-before-draw",
)
_PAGE = re.compile(rb"/Type\s*/Page(?![a-zA-Z])")


class PdfError(RuntimeError):
    """Chromium could not print the document (the message has its last words)."""


class ChromiumMissingError(PdfError):
    """No headless Chromium to print with (the message says how to install one)."""


def find_chromium() -> str | None:
    """Return the path of a Chromium (or Chrome) executable, or None.

    The ``CHROMIUM`` environment variable wins (as in ``tests/browser.py``);
    then the usual names on the ``PATH``, then ``/usr/bin/chromium``.
    """
    named = os.environ.get("CHROMIUM", "").strip()
    if named:
        return named if Path(named).is_file() else None
    for name in _NAMES:
        found = shutil.which(name)
        if found:
            return found
    return "/usr/bin/chromium" if Path("/usr/bin/chromium").is_file() else None


def print_to_pdf(
    html_file: str | os.PathLike[str],
    pdf_file: str | os.PathLike[str],
    *,
    timeout_s: float = 300.0,
    chromium: str | None = None,
) -> Path:
    """Print a local HTML file to PDF with headless Chromium, atomically.

    Parameters
    ----------
    html_file : path-like
        The document (its ``@page`` CSS sets the paper; images should be
        inlined or local: the browser gets no network).
    pdf_file : path-like
        The PDF to write; replaced only once Chromium has finished.
    timeout_s : float
        Longest wait for Chromium.
    chromium : str, optional
        The browser's executable (default: :func:`find_chromium`).

    Returns
    -------
    Path
        ``pdf_file``.

    Raises
    ------
    ChromiumMissingError
        No Chromium found.
    PdfError
        Chromium failed, timed out or wrote no PDF.
    """
    exe = chromium or find_chromium()
    if exe is None:
        raise ChromiumMissingError(f"headless Chromium not found: {INSTALL_HINT}")
    source = Path(html_file).resolve()
    target = Path(pdf_file)
    started = time.perf_counter()
    with (
        tempfile.TemporaryDirectory(prefix="connectivity-chromium-") as profile,
        atomic_path(target) as tmp,
    ):
        command = [
            exe,
            *_FLAGS,
            f"--user-data-dir={profile}",  # its own profile: runs side by side never clash
            f"--print-to-pdf={tmp}",
            source.as_uri(),
        ]
        code, stderr = _run(command, timeout_s=timeout_s, what=source)
        if code != 0 or not tmp.is_file() or tmp.stat().st_size == 0:
            tail = " | ".join(stderr.strip().splitlines()[-3:])
            raise PdfError(f"Chromium could not print {source.name} (exit code {code}): {tail}")
    log.debug("printed %s to %s in %.1f s", source.name, target.name, time.perf_counter() - started)
    return target


def _run(command: list[str], *, timeout_s: float, what: Path) -> tuple[int, str]:
    """Run Chromium in its own process group; on a timeout, end the whole group."""
    try:
        proc = subprocess.Popen(
            command,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            text=True,
            start_new_session=True,
        )
    except OSError as exc:
        raise ChromiumMissingError(f"cannot run {command[0]} ({exc}): {INSTALL_HINT}") from exc
    try:
        _, stderr = proc.communicate(timeout=timeout_s)
    except subprocess.TimeoutExpired as exc:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGKILL)  # the browser and its renderers
        proc.communicate()
        raise PdfError(f"Chromium took more than {timeout_s:g} s to print {what.name}") from exc
    return proc.returncode, stderr or ""


def pdf_page_count(pdf: str | os.PathLike[str] | bytes) -> int:
    """Count the pages of a PDF: its ``/Type /Page`` objects (not ``/Pages``).

    Enough for the PDFs Chromium writes, which keep page objects uncompressed.

    Examples
    --------
    >>> pdf_page_count(b"<< /Type /Pages /Kids [3 0 R 4 0 R] >> << /Type /Page >> << /Type/Page >>")
    2
    """
    data = pdf if isinstance(pdf, bytes) else Path(pdf).read_bytes()
    return len(_PAGE.findall(data))
