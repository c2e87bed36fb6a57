"""Logging set-up for the command line, and the progress-bar switch."""

from __future__ import annotations

import contextlib
import logging
import sys
from collections.abc import Iterator

__all__ = ["configure_logging", "progress_enabled", "quiet_inner_steps"]

_progress = True


def configure_logging(verbosity: int = 0) -> None:
    """Send the package's log records to stderr at a level set by ``-v``/``-q``.

    Parameters
    ----------
    verbosity : int
        0 is INFO, 1 or more is DEBUG, -1 is WARNING, -2 or less is ERROR.
        Progress bars are shown at verbosity 0 and above.
    """
    global _progress
    level = {-2: logging.ERROR, -1: logging.WARNING, 0: logging.INFO}.get(
        max(min(verbosity, 1), -2), logging.DEBUG
    )
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(
        logging.Formatter("%(asctime)s %(levelname)-7s %(name)s: %(message)s", "%H:%M:%S")
    )
    root = logging.getLogger("connectivity")
    root.handlers[:] = [h for h in root.handlers if isinstance(h, logging.NullHandler)]
    root.addHandler(handler)
    root.setLevel(level)
    _progress = verbosity >= 0


def progress_enabled() -> bool:
    """Whether long steps should show a progress bar (off with ``-q``)."""
    return _progress


@contextlib.contextmanager
def quiet_inner_steps() -> Iterator[None]:
    """No progress bars and only warnings from the package inside: for steps run many times.

    A Monte Carlo scenario re-runs the ranking's evaluation and selection; their
    progress bars and INFO lines, once per scenario (and per Dask worker), would
    drown the run's own log.
    """
    global _progress
    root = logging.getLogger("connectivity")
    before_progress, before_level = _progress, root.level
    _progress = False
    if root.getEffectiveLevel() < logging.WARNING:
        root.setLevel(logging.WARNING)
    try:
        yield
    finally:
        _progress = before_progress
        root.setLevel(before_level)
