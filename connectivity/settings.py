"""Package-wide settings: folders, timeouts and logging in one typed place.

Settings are read once from the environment when the package is imported and
can be changed at run time by assigning to the attributes of
:data:`settings`::

    >>> from connectivity.settings import settings
    >>> settings.http_timeout_s
    180.0

Environment variables
---------------------
``CONNECTIVITY_HOME``
    Project folder holding ``data/``, ``outputs/`` and ``maps/`` (default: the
    current working directory).
``CONNECTIVITY_CACHE_DIR``
    Cache folder for downloads (default: ``<home>/data/cache``).
``CONNECTIVITY_HTTP_TIMEOUT_S``
    Timeout in seconds for every HTTP request (default: 180).
``CONNECTIVITY_CRS``
    Projected CRS used when a region config leaves ``[region] crs`` out
    (default ``"auto"``: the UTM zone of the region's roads).
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

__all__ = ["Settings", "settings"]


def _home_from_env() -> Path:
    return Path(os.environ.get("CONNECTIVITY_HOME", Path.cwd())).resolve()


@dataclass
class Settings:
    """Folders, timeouts and defaults used across the package.

    Attributes
    ----------
    home : Path
        Project folder; the other folders default to places inside it.
    http_timeout_s : float
        Timeout for every HTTP request (Overpass, remote rasters), seconds.
    overpass_url : str
        Overpass API endpoint used for online OpenStreetMap queries.
    sample_seed : int
        Default seed of the synthetic sample region.
    default_crs : str
        CRS for lengths and areas when a region config gives none:
        ``"auto"`` (estimate the UTM zone of the data) or any CRS pyproj
        accepts, e.g. ``"EPSG:32718"``. Unprojected CRSs are refused where
        lengths are computed.
    """

    home: Path = field(default_factory=_home_from_env)
    http_timeout_s: float = field(
        default_factory=lambda: float(os.environ.get("CONNECTIVITY_HTTP_TIMEOUT_S", "180"))
    )
    overpass_url: str = "https://overpass-api.de/api"
    sample_seed: int = 42
    default_crs: str = field(default_factory=lambda: os.environ.get("CONNECTIVITY_CRS", "auto"))
    _cache_dir: Path | None = field(default=None, repr=False)

    @property
    def data_dir(self) -> Path:
        """Folder of region configs, generated sample data and caches."""
        return self.home / "data"

    @property
    def regions_dir(self) -> Path:
        """Folder holding the region TOML files (``<name>.toml``)."""
        return self.data_dir / "regions"

    @property
    def sample_dir(self) -> Path:
        """Folder the synthetic sample region is generated into (git-ignored)."""
        return self.data_dir / "sample"

    @property
    def cache_dir(self) -> Path:
        """Folder for cached downloads (osmnx HTTP cache, remote rasters)."""
        if self._cache_dir is not None:
            return self._cache_dir
        env = os.environ.get("CONNECTIVITY_CACHE_DIR")
        return Path(env) if env else self.data_dir / "cache"

    @cache_dir.setter
    def cache_dir(self, value: Path) -> None:
        self._cache_dir = Path(value)

    def output_dir(self, region: str) -> Path:
        """Folder the tables (CSV, GeoPackage) of ``region`` are written to."""
        return self.home / "outputs" / region

    def maps_dir(self, region: str) -> Path:
        """Folder the HTML maps of ``region`` are written to."""
        return self.home / "maps" / region


settings = Settings()
