"""Stop a run cleanly on Ctrl-C and SIGTERM, even where C code swallows the exception.

Python runs a signal handler between two bytecodes, wherever the main thread
is. An exception raised there is sometimes swallowed: C code that calls back
into Python and clears errors (numpy's ctypes check inside pandas, for one)
loses it, and the run would go on and publish as if no signal had come.
:func:`stop_on_signals` therefore installs handlers that both raise
:class:`Interrupted` and remember the signal, and :func:`raise_if_stopped`,
called by the pipeline between stages and just before it publishes, raises it
again if it was lost.
"""

from __future__ import annotations

import contextlib
import signal
from collections.abc import Iterator
from types import FrameType

__all__ = ["Interrupted", "held", "raise_if_stopped", "stop_on_signals"]

_stopped_by: int | None = None
_holding = False


class Interrupted(KeyboardInterrupt):
    """A run stopped by a signal (SIGINT from Ctrl-C, or SIGTERM).

    It derives from :class:`KeyboardInterrupt`, so ``except Exception``
    blocks do not swallow it and every ``finally`` and ``with`` block runs.

    Parameters
    ----------
    signum : int
        The signal number.
    """

    def __init__(self, signum: int) -> None:
        super().__init__(signal.Signals(signum).name)
        self.signum = signum


def _stop(signum: int, frame: FrameType | None) -> None:
    global _stopped_by
    _stopped_by = signum
    if not _holding:
        raise Interrupted(signum)


@contextlib.contextmanager
def held() -> Iterator[None]:
    """Hold a stop back inside the block: a signal is remembered and raised at its end.

    For steps that must not be cut in two (publishing a run's folders). Works
    in Python, whatever thread the kernel delivers the signal to, when the
    handlers of :func:`stop_on_signals` are installed.

    Yields
    ------
    None

    Raises
    ------
    Interrupted
        At the end of the block, if a signal came before or during it.
    """
    global _holding
    raise_if_stopped()
    _holding = True
    try:
        yield
    finally:
        _holding = False
    raise_if_stopped()


def raise_if_stopped() -> None:
    """Raise :class:`Interrupted` if a signal came inside :func:`stop_on_signals`.

    Raises
    ------
    Interrupted
        A SIGINT or SIGTERM was received (even if its first exception was lost).
    """
    if _stopped_by is not None:
        raise Interrupted(_stopped_by)


@contextlib.contextmanager
def stop_on_signals() -> Iterator[None]:
    """Turn SIGINT and SIGTERM into :class:`Interrupted` inside the block (main thread only).

    Yields
    ------
    None
    """
    global _stopped_by
    _stopped_by = None
    wanted = (signal.SIGINT, signal.SIGTERM)
    try:
        before = {s: signal.signal(s, _stop) for s in wanted}
    except ValueError:  # not the main thread: leave signals alone
        yield
        return
    try:
        yield
    finally:
        for s, handler in before.items():
            signal.signal(s, handler)
        _stopped_by = None
