"""Exception family of the connectivity package.

Every error the package raises on purpose derives from :class:`ConnectivityError`
and from the builtin that describes it best, so callers can catch either the
package's base error or the builtin they already expect (``ValueError``,
``FileNotFoundError``, ``OSError``).
"""

from __future__ import annotations

__all__ = [
    "ConfigError",
    "ConnectivityError",
    "CrsError",
    "DataError",
    "DownloadError",
    "EmptyRegionError",
    "MissingFileError",
    "OutputError",
    "RoutingError",
]


class ConnectivityError(Exception):
    """Base class for every error raised on purpose by connectivity."""


class ConfigError(ConnectivityError, ValueError):
    """A region configuration is invalid (unknown key, wrong type, bad value)."""


class MissingFileError(ConnectivityError, FileNotFoundError):
    """An input file named by the user or a config does not exist."""


class DataError(ConnectivityError, ValueError):
    """Input data exist but cannot be used as they are (columns, values, geometry)."""


class CrsError(DataError):
    """A layer has no coordinate reference system, or the wrong kind of one."""


class EmptyRegionError(DataError):
    """A region, filter or clip leaves nothing to work with."""


class DownloadError(ConnectivityError, OSError):
    """A remote source (Overpass, a raster URL) failed: timeout, HTTP error, bad payload."""


class RoutingError(ConnectivityError, ValueError):
    """A routing request cannot be answered (unknown node, bad weight, empty sources)."""


class OutputError(ConnectivityError, OSError):
    """Outputs cannot be written: a read-only or full disk, a file where a folder goes, a lock."""
