"""The run manifest (``run.json``): what a run read, with which settings, and what it wrote.

:func:`run_manifest` gathers the facts :class:`~connectivity.pipeline.output_set.OutputSet`
writes into every published folder: the run id, when it ran and for how long
by stage, the package and Python versions, the command, the region config
(file, SHA-256 and every setting in effect, defaults included), each input
file with its size and SHA-256 (URLs and Overpass queries by their address),
and the peak memory. Two folders whose ``run.json`` (or the ``run_id``
column of their tables) differ come from different runs.
"""

from __future__ import annotations

import hashlib
import platform
import sys
from collections.abc import Mapping, Sequence
from datetime import datetime
from pathlib import Path
from typing import Any

from connectivity import __version__
from connectivity.config import RegionConfig

__all__ = ["file_facts", "input_files", "peak_memory_mb", "run_manifest"]

_CHUNK = 1 << 20


def file_facts(path: Path) -> dict[str, Any]:
    """Size and SHA-256 of a file.

    Parameters
    ----------
    path : Path

    Returns
    -------
    dict
        ``{"size": bytes, "sha256": hex digest}``.
    """
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        while chunk := handle.read(_CHUNK):
            digest.update(chunk)
    return {"size": path.stat().st_size, "sha256": digest.hexdigest()}


def input_files(
    cfg: RegionConfig, *, used: Mapping[str, Path | None] | None = None
) -> list[dict[str, Any]]:
    """Every input a region config names, as a list of ``{key, path|url|query, size, sha256}``.

    Parameters
    ----------
    cfg : RegionConfig
    used : mapping of str to Path, optional
        Files the run actually read under a key, when they differ from what
        the config names (a downloaded copy of a URL, a DEM made from contours).

    Returns
    -------
    list of dict
        In config order; local files with their size and SHA-256.
    """
    named: list[tuple[str, str | None, str | None]] = [
        ("roads.path", cfg.roads.path, cfg.roads.url),
        ("roads.polygon", cfg.roads.polygon, None),
        ("population.path", cfg.population.path, cfg.population.url),
    ]
    for kind, section in cfg.facility_sections().items():
        named.append((f"{cfg.facility_section_key(kind)}.path", section.path, section.url))
    if cfg.elevation is not None:
        named.append(("elevation.path", cfg.elevation.path, cfg.elevation.url))
        named.append(("elevation.contours_path", cfg.elevation.contours_path, None))
    named.append(("candidates.proposals", cfg.candidates.proposals, None))
    used = used or {}
    entries: list[dict[str, Any]] = []
    for key, path, url in named:
        local = used.get(key) or cfg.resolve(path)
        if local is not None and local.is_file():
            entries.append({"key": key, "path": str(local), **file_facts(local)})
        elif url is not None:
            entries.append({"key": key, "url": url})
    for key in ("place", "bbox"):
        value = getattr(cfg.roads, key)
        if value is not None:
            entries.append({"key": f"roads.{key}", "overpass_query": value})
    listed = {e.get("path") for e in entries}
    for key, read in used.items():
        if read is not None and str(read) not in listed and read.is_file():
            entries.append({"key": key, "path": str(read), **file_facts(read)})
    return entries


def _command() -> str:
    """Give the command line of this process as a user would type it."""
    program = Path(sys.argv[0]).name if sys.argv and sys.argv[0] else "python"
    if program in ("__main__.py", "cli.py"):
        program = "connectivity"
    return " ".join([program, *sys.argv[1:]])


def peak_memory_mb() -> float | None:
    """Peak resident memory of this process so far, in MB (None where unknown)."""
    try:
        import resource
    except ImportError:
        return None
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    # kilobytes on Linux, bytes on macOS
    return round(peak / (1 << 20 if sys.platform == "darwin" else 1 << 10), 1)


def run_manifest(
    cfg: RegionConfig,
    *,
    stages: Sequence[str],
    started: datetime,
    seconds_by_stage: Mapping[str, float],
    inputs: Sequence[Mapping[str, Any]],
    data_source: str,
    lang: str | None = None,
) -> dict[str, Any]:
    """Gather the facts of one run for its ``run.json`` (the run id is added on publication).

    Parameters
    ----------
    cfg : RegionConfig
    stages : sequence of str
        Stages that ran, in order.
    started : datetime
        Start of the run (UTC).
    seconds_by_stage : mapping of str to float
        Wall time of each step.
    inputs : sequence of dict
        :func:`input_files` of the run.
    data_source : str
        The provenance statement written into every output.
    lang : str, optional
        Label language of the maps, if they were written.

    Returns
    -------
    dict
        JSON-ready.
    """
    config_file = cfg.source_file
    return {
        "region": cfg.region.name,
        "started": started.isoformat(timespec="seconds"),
        "stages": list(stages),
        "seconds_by_stage": {k: round(v, 2) for k, v in seconds_by_stage.items()},
        "peak_memory_mb": peak_memory_mb(),
        "package_version": __version__,
        "python": platform.python_version(),
        "command": " ".join(
            Path(sys.argv[0]).name if i == 0 else a for i, a in enumerate(sys.argv)
        ),
        "lang": lang,
        "data_source": data_source,
        "synthetic": cfg.region.synthetic,
        "config": {
            "path": str(config_file),
            **(file_facts(config_file) if config_file.is_file() else {}),
            "settings": cfg.model_dump(mode="json"),
        },
        "inputs": list(inputs),
    }
