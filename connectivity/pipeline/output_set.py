"""A run's outputs are all or nothing: staged in hidden folders, published by rename.

A run of a region writes nothing into ``outputs/<region>/`` or
``maps/<region>/`` while it works. :class:`OutputSet` gives it two hidden
staging folders beside them (``outputs/.<region>.staging-<run id>/`` and the
same under ``maps/``); at the end :meth:`OutputSet.publish` writes the run
manifest (``run.json``) into each and puts them in place of the published
folders:

* each folder is replaced by one ``renameat2(RENAME_EXCHANGE)`` (Linux), an
  atomic swap of the two directories, or where the file system cannot swap,
  by two renames (old folder aside, new one in);
* a journal (``outputs/.<region>.publish.json``) is written before the first
  swap and removed after the last, so a run killed between the two folders
  (or between the two renames) is finished by the next run of the region
  before it starts: both folders then hold the same run;
* SIGINT and SIGTERM are held back while folders are swapped.

A failed, interrupted or killed run therefore leaves the previously published
set untouched. Its staging folders are removed on the way out, or, after a
SIGKILL, at the start of the next run of the region, together with hidden
temporary files (``.name.*.gpkg``, ``-journal``) left inside the published
folders by older versions. One run of a region at a time: a lock file
(``outputs/.<region>.lock``) makes a second one stop with a clear error.

Each published folder is replaced whole: files put into ``outputs/<region>/``
by hand do not survive the next run.
"""

from __future__ import annotations

import contextlib
import ctypes
import errno
import json
import logging
import os
import shutil
import signal
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from types import TracebackType
from typing import Any

from connectivity._io import atomic_write_text
from connectivity._signals import held, raise_if_stopped
from connectivity.errors import OutputError
from connectivity.settings import settings

__all__ = ["MANIFEST_NAME", "OutputSet", "new_run_id", "read_run_id"]

log = logging.getLogger(__name__)

#: File name of the run manifest in every published folder.
MANIFEST_NAME = "run.json"
_AT_FDCWD = -100
_RENAME_EXCHANGE = 2


def new_run_id(now: datetime | None = None) -> str:
    """Make a new run id: UTC time to the second and 8 random hex digits.

    Parameters
    ----------
    now : datetime, optional
        Time of the run (default: now).

    Returns
    -------
    str
        E.g. ``"20261130T160512Z-3f9a1c2e"``; ids sort by time.
    """
    stamp = (now or datetime.now(UTC)).astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")
    return f"{stamp}-{uuid.uuid4().hex[:8]}"


def read_run_id(folder: Path) -> str | None:
    """Read the run id in ``folder/run.json``; None if there is none or it is unreadable.

    Parameters
    ----------
    folder : Path

    Returns
    -------
    str or None
    """
    try:
        data = json.loads((folder / MANIFEST_NAME).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    run_id = data.get("run_id") if isinstance(data, dict) else None
    return run_id if isinstance(run_id, str) else None


def _exchange(a: Path, b: Path) -> bool:
    """Swap two directories atomically (Linux ``renameat2``); False where unsupported."""
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        renameat2 = libc.renameat2
    except (OSError, AttributeError):
        return False
    renameat2.argtypes = [
        ctypes.c_int,
        ctypes.c_char_p,
        ctypes.c_int,
        ctypes.c_char_p,
        ctypes.c_uint,
    ]
    renameat2.restype = ctypes.c_int
    if renameat2(_AT_FDCWD, os.fsencode(a), _AT_FDCWD, os.fsencode(b), _RENAME_EXCHANGE) == 0:
        return True
    err = ctypes.get_errno()
    if err in (errno.EINVAL, errno.ENOSYS, errno.EOPNOTSUPP):
        return False  # a file system (or kernel) that cannot exchange: rename twice
    raise OSError(err, os.strerror(err), str(a), None, str(b))


def _replace_folder(staging: Path, final: Path, aside: Path) -> Path | None:
    """Put ``staging`` where ``final`` is; return the folder now holding the old set, if any."""
    if not final.exists():
        os.rename(staging, final)
        return None
    if _exchange(staging, final):
        return staging  # now holds the previous set
    os.rename(final, aside)
    os.rename(staging, final)
    return aside


@contextlib.contextmanager
def _signals_held() -> Iterator[None]:
    """Hold SIGINT and SIGTERM back (delivered at the end of the block).

    In Python (:func:`connectivity._signals.held`, whatever thread the kernel
    picks) and, for the default handlers, in the calling thread's signal mask.
    """
    blocked = {signal.SIGINT, signal.SIGTERM}
    with held():
        if not hasattr(signal, "pthread_sigmask"):
            yield
            return
        before = signal.pthread_sigmask(signal.SIG_BLOCK, blocked)
        try:
            yield
        finally:
            signal.pthread_sigmask(signal.SIG_SETMASK, before)


def _output_error(exc: OSError, folder: Path, doing: str) -> OutputError:
    reason = exc.strerror or str(exc)
    hint = ""
    if exc.errno in (errno.EACCES, errno.EPERM, errno.EROFS):
        hint = (
            " (the folder is not writable: fix its permissions, or set CONNECTIVITY_HOME "
            "to a folder you can write to)"
        )
    return OutputError(f"cannot {doing} {folder}: {reason}{hint}")


class OutputSet:
    """The staging folders of one run of a region, published together at the end.

    Use as a context manager around the run; call :meth:`publish` once
    everything is written. Leaving the block without publishing (an error,
    Ctrl-C) removes the staging folders and leaves the published ones as
    they were.

    Parameters
    ----------
    region : str
        Region name (the folder name under ``outputs/`` and ``maps/``).
    run_id : str
        Id of this run (:func:`new_run_id`).
    with_maps : bool
        Whether this run writes maps; if not, ``maps/<region>/`` is left alone.

    Attributes
    ----------
    tables_dir, maps_dir : Path
        Where the run writes its tables and maps (the staging folders).
    final_tables, final_maps : Path
        The published folders they replace.

    Examples
    --------
    >>> import tempfile
    >>> from connectivity.settings import settings
    >>> home, settings.home = settings.home, Path(tempfile.mkdtemp())
    >>> with OutputSet("demo", run_id=new_run_id(), with_maps=False) as out:
    ...     _ = (out.tables_dir / "table.csv").write_text("a,b")
    ...     _ = out.publish({"stages": ["network"]})
    >>> sorted(p.name for p in out.final_tables.iterdir())
    ['run.json', 'table.csv']
    >>> settings.home = home
    """

    def __init__(self, region: str, *, run_id: str, with_maps: bool) -> None:
        self.region = region
        self.run_id = run_id
        self.with_maps = with_maps
        self.final_tables = settings.output_dir(region)
        self.final_maps = settings.maps_dir(region)
        self.tables_dir = self._staging(self.final_tables)
        self.maps_dir = self._staging(self.final_maps)
        self.published = False
        self._publishing = False
        self._lock: Any = None

    # -- names -----------------------------------------------------------------
    def _staging(self, final: Path) -> Path:
        return final.parent / f".{self.region}.staging-{self.run_id}"

    def _aside(self, final: Path, run_id: str | None = None) -> Path:
        return final.parent / f".{self.region}.old-{run_id or self.run_id}"

    @property
    def _journal(self) -> Path:
        return self.final_tables.parent / f".{self.region}.publish.json"

    @property
    def _pairs(self) -> list[tuple[Path, Path]]:
        pairs = [(self.tables_dir, self.final_tables)]
        if self.with_maps:
            pairs.append((self.maps_dir, self.final_maps))
        return pairs

    # -- context -----------------------------------------------------------------
    def __enter__(self) -> OutputSet:
        for final in (self.final_tables, self.final_maps):
            if final.is_symlink():
                raise OutputError(
                    f"{final} is a symbolic link: a run replaces the folder whole, so it cannot "
                    "follow a link; set CONNECTIVITY_HOME to the folder you want the outputs in"
                )
            if final.exists() and not final.is_dir():
                raise OutputError(
                    f"{final} is a file, not a folder: move it away so that the outputs "
                    f"of region {self.region!r} can be written there"
                )
        try:
            self.final_tables.parent.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise _output_error(exc, self.final_tables.parent, "create the outputs folder") from exc
        self._acquire_lock()
        try:
            self._finish_interrupted_publication()
            self._remove_leftovers()
            for staging, final in self._pairs:
                try:
                    staging.mkdir(parents=True)
                except OSError as exc:
                    raise _output_error(exc, final.parent, "write the outputs into") from exc
        except BaseException:
            self._release_lock()
            raise
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        try:
            if self._publishing and not self.published:
                # stopped half way through publishing: the next run finishes it (journal)
                log.warning(
                    "run %s stopped while publishing: the next run of region %r completes it",
                    self.run_id,
                    self.region,
                )
            elif not self.published:
                for staging, _ in self._pairs:
                    shutil.rmtree(staging, ignore_errors=True)
                if exc_type is not None:
                    log.debug("run %s not published: staging folders removed", self.run_id)
        finally:
            self._release_lock()

    # -- lock --------------------------------------------------------------------
    def _acquire_lock(self) -> None:
        path = self.final_tables.parent / f".{self.region}.lock"
        try:
            import fcntl
        except ImportError:  # not POSIX: no lock, one run at a time is up to the user
            return
        try:
            handle = open(path, "a+", encoding="utf-8")  # noqa: SIM115 - held for the whole run
        except OSError as exc:
            raise _output_error(exc, path.parent, "write the outputs into") from exc
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError as exc:
            handle.close()
            raise OutputError(
                f"another run of region {self.region!r} is writing its outputs "
                f"(lock {path} is held): wait for it to finish"
            ) from exc
        self._lock = handle

    def _release_lock(self) -> None:
        if self._lock is not None:
            self._lock.close()  # closing releases the flock
            self._lock = None

    # -- recovery and clean-up ---------------------------------------------------
    def _finish_interrupted_publication(self) -> None:
        """Complete a publication a killed run left half done (its journal says which)."""
        journal = self._journal
        if not journal.is_file():
            return
        base = journal.parent
        try:
            data = json.loads(journal.read_text(encoding="utf-8"))
            run_id = str(data["run_id"])
            pairs = [(base / s, base / f) for s, f in data["pairs"]]
        except (OSError, ValueError, KeyError, TypeError):
            log.warning("%s is unreadable: ignored", journal)
            journal.unlink(missing_ok=True)
            return
        replaced: list[str] = []
        try:
            for staging, final in pairs:
                if read_run_id(final) == run_id or read_run_id(staging) != run_id:
                    continue
                old = _replace_folder(staging, final, self._aside(final, run_id))
                if old is not None:
                    shutil.rmtree(old, ignore_errors=True)
                replaced.append(str(final))
        except OSError as exc:
            raise OutputError(
                f"cannot finish publishing run {run_id} of region {self.region!r} "
                f"(journal {journal}): {exc.strerror or exc}"
            ) from exc
        if replaced:
            log.warning(
                "run %s of region %r was stopped while publishing its outputs: publication "
                "completed (%s)",
                run_id,
                self.region,
                ", ".join(replaced),
            )
        journal.unlink(missing_ok=True)

    def _remove_leftovers(self) -> None:
        """Remove staging folders and temporary files that killed runs left behind."""
        removed: list[str] = []
        for final in (self.final_tables, self.final_maps):
            parent = final.parent
            if parent.is_dir():
                for prefix in (f".{self.region}.staging-", f".{self.region}.old-"):
                    for stale in parent.glob(f"{prefix}*"):
                        shutil.rmtree(stale, ignore_errors=True)
                        removed.append(stale.name)
            if final.is_dir():
                # per-file temporary names of atomic writes (".access.x1y2.gpkg", "-journal")
                for stale in final.glob(".*"):
                    if stale.is_file():
                        stale.unlink(missing_ok=True)
                        removed.append(f"{final.name}/{stale.name}")
        if removed:
            log.info("removed %d leftovers of stopped runs: %s", len(removed), ", ".join(removed))

    # -- publication -------------------------------------------------------------
    def publish(self, manifest: dict[str, Any]) -> list[Path]:
        """Write ``run.json`` into each staging folder and put them in place.

        Parameters
        ----------
        manifest : dict
            What the run did (:func:`connectivity.pipeline.manifest.run_manifest`);
            ``run_id``, ``published`` and the files of each folder are added.

        Returns
        -------
        list of Path
            The published folders.

        Raises
        ------
        OutputError
            A folder cannot be written or renamed (the message names it).
        """
        full = {
            "run_id": self.run_id,
            **manifest,
            "published": datetime.now(UTC).isoformat(timespec="seconds"),
            "folders": {
                str(
                    final.relative_to(settings.home)
                    if final.is_relative_to(settings.home)
                    else final
                ): _files(staging)
                for staging, final in self._pairs
            },
        }
        text = json.dumps(full, indent=2, ensure_ascii=False, default=str) + "\n"
        try:
            for staging, _ in self._pairs:
                atomic_write_text(staging / MANIFEST_NAME, text)
            base = self._journal.parent
            journal = {
                "run_id": self.run_id,
                "pairs": [
                    [os.path.relpath(s, base), os.path.relpath(f, base)] for s, f in self._pairs
                ],
            }
            old_sets: list[Path] = []
            with _signals_held():
                raise_if_stopped()  # a signal that came before they were held
                atomic_write_text(self._journal, json.dumps(journal) + "\n")
                try:
                    for staging, final in self._pairs:
                        old = _replace_folder(staging, final, self._aside(final))
                        # from the first swap on, only finishing the publication is safe
                        self._publishing = True
                        if old is not None:
                            old_sets.append(old)
                finally:
                    if not self._publishing:  # nothing swapped: no publication to finish
                        self._journal.unlink(missing_ok=True)
                self._journal.unlink()
                self.published = True
            for old in old_sets:  # the previous sets, once both folders are in place
                shutil.rmtree(old, ignore_errors=True)
        except OSError as exc:
            raise _output_error(exc, self.final_tables, "publish the outputs in") from exc
        log.info(
            "run %s published: %s",
            self.run_id,
            ", ".join(str(final) for _, final in self._pairs),
        )
        return [final for _, final in self._pairs]


def _files(folder: Path) -> list[dict[str, Any]]:
    """Path, size and SHA-256 of every file in a staging folder, subfolders too (not run.json)."""
    from connectivity.pipeline.manifest import file_facts

    return [
        {"file": path.relative_to(folder).as_posix(), **file_facts(path)}
        for path in sorted(folder.rglob("*"))
        if path.is_file() and path.relative_to(folder).as_posix() != MANIFEST_NAME
    ]
