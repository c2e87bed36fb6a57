"""Region configuration: one TOML file per region, validated at load time.

A region config says where roads, population, markets, schools and elevation
come from (a local path, a URL, or an OpenStreetMap query), and the parameters
of the model (speeds, thresholds, costs, budget). Paths are relative to the
TOML file. Unknown keys, wrong types and missing files are reported with the
file and the key that is wrong.

Schema
------
``[region]``
    ``name`` (str, required), ``title`` (str), ``synthetic`` (bool: data are
    invented; every output says so), ``lang`` (``"es"`` or ``"en"``),
    ``crs`` (``"auto"`` for the UTM zone of the data, or a projected CRS in
    metres, e.g. ``"EPSG:32718"``; an unknown or geographic CRS is an error),
    ``attribution`` (list of str: credits shown in outputs).
``[sample]`` (optional)
    Generate the synthetic sample region into ``directory`` before running:
    ``seed`` (int), ``size`` (float, 1.0 = one province), ``directory``.
``[roads]``
    Exactly one of ``path`` (``.osm`` XML or ``.osm.pbf``), ``place`` (a place
    name for Overpass), ``bbox`` (``[west, south, east, north]``) or
    ``polygon`` (a vector file with the area). ``url``: public download used
    when ``path`` does not exist. ``reader``: how a local file is read,
    ``"fast"`` (default: pyosmium into arrays,
    :func:`connectivity.sources.osm.read_roads`) or ``"osmnx"`` (through
    osmnx, :func:`connectivity.sources.osm.graph_from_osm_file`); both give
    the same network. Online sources always go through osmnx.
``[population]``
    ``kind``: ``"points"`` (CSV/GeoJSON/GeoPackage), ``"raster"`` (GeoTIFF,
    local or URL) or ``"osm_places"``; ``path``/``url``; for CSV the column
    names ``lon_column``, ``lat_column``, ``population_column``, ``id_column``,
    ``name_column``, ``district_column``; ``csv_separator``; ``extra_columns``
    (other columns to keep, e.g. a poverty rate for ``ranking.equity_column``,
    which is kept automatically).
``[markets]``, ``[schools]``, ``[health]`` (optional), ``[destinations.<kind>]`` (optional)
    The destinations people travel to, one kind per section: markets and
    schools always, health facilities when ``[health]`` is given, and any
    other kind a region names (``[destinations.bank]``: lowercase letters,
    digits and ``_``). ``kind``: ``"file"`` or ``"osm"``; for files the same
    column keys as population; for OSM ``osm_tags`` (e.g.
    ``{amenity = ["marketplace"]}``).
``[elevation]`` (optional)
    ``path`` (DEM GeoTIFF) or ``contours_path`` (OSM contour lines with
    ``ele``), ``resolution_m`` of the interpolated DEM.
``[speeds]``
    Overrides of the default speed tables: ``highway_kph``, ``surface_kph``,
    ``wet_factor``, ``walk_kph``, ``rain_shuts_width_m`` (fords and unbridged
    crossings of rivers at least this wide, by their OSM ``width``, are shut
    through the rains, not only in floods; default 20).
``[access]``
    ``thresholds_min`` (list of int), ``max_connector_m`` (communities farther
    from a road are flagged ``far_from_road``), ``all_season_buffer_m``
    (distance to an all-season road counted as access by the Rural Access
    Index; 2000 m in its definition; every community counts, so list only
    rural ones in the population file if the index must be strictly rural).
``[costs]``
    ``currency``, ``price_year``, ``unit_cost_per_km`` (keys as in
    ``connectivity.works.UNIT_COST_PER_KM``), ``bridge_cost_per_m``
    (``foot`` / ``vehicle``).
``[candidates]``
    ``generate`` (work types to generate: ``upgrade``, ``new_link``,
    ``bridge``), ``proposals`` (GeoJSON/GeoPackage of proposed works),
    ``max_new_link_m``, ``max_slope_pct`` (steepest grade of a new road).
``[ranking]``
    ``market_weight``, ``school_weight``, ``health_weight`` and
    ``destination_weights`` (``{bank = 0.1}``: one per ``[destinations.*]``
    kind) — weights of the destination kinds of the region; they should sum
    to 1: other values are used as shares of their sum, with a warning, and
    all 0 is an error),
    ``dry_days``, ``rain_days``, ``wet_days`` (days a year of each passability
    state: dry; rains with rivers not in flood; rivers in flood, fords and
    unbridged crossings shut; default 245 / 90 / 30), ``equity_column`` (a
    community column, e.g. a poverty rate in 0..1) and ``equity_strength``
    (people count ``1 + strength * value`` times), ``unreachable_cap_min``
    (minutes counted for a community with no route, and the most a trip can
    count; 480 = 8 h), ``top_n`` (works highlighted on maps),
    ``min_gain_min`` (savings under this many minutes per trip, against the
    base network, are not benefits; default 5, at least 1) and
    ``min_score_per_1000`` (the hurdle: a work scoring less per 1,000 of net
    cost is not funded; default 1).
``[budget]``
    ``amount`` in ``costs.currency``.
``[appraisal]`` (optional)
    The annual, monetised appraisal of every work: ``value_of_time_per_hour``
    and ``value_of_time_source`` (required), ``discount_rate`` (0.08),
    ``horizon_years`` (10), ``household_size``, ``school_age_share``, ``trips``
    (``{market = {per_year = 52, per = "household"}, ...}``; every
    ``[destinations.*]`` kind needs one),
    ``routine_per_km_year`` and ``periodic_per_km`` by road class (a table
    given in part changes only the keys it names), ``periodic_every_years``,
    ``bridge_upkeep_share_per_year``.
    ``[ranking] rank_by`` (``score_per_1000``, ``bc_ratio``, ``npv``,
    ``cost_effectiveness``) orders ``ranking.csv`` by one of its figures;
    ``[ranking] min_bc_ratio`` (e.g. 1) leaves out of the programme the works
    whose benefit/cost ratio alone is under it.
``[robustness]`` (optional; ``connectivity robustness``)
    ``scenarios`` (200), ``seed`` (42), ``workers`` (2, of the embedded Dask
    ``LocalCluster``), ``scheduler`` (an existing Dask scheduler's address),
    ``budget_levels`` (shares of the budget for the budget curve), and the
    spreads ``[low, mode, high]`` of the uncertain inputs' multipliers:
    ``cost`` by work type (or ``<type>_<terrain>``), ``speed`` by road class and
    ``walk``, ``days`` (``rain``, ``wet``), ``trips``, ``population``
    (``counted``, ``estimated``); see ``connectivity.uncertainty``.

Examples
--------
>>> from connectivity.config import load_region_config
>>> cfg = load_region_config("sample")
>>> cfg.region.name, cfg.region.synthetic
('sample', True)
"""

from __future__ import annotations

import logging
import re
import tomllib
from pathlib import Path
from typing import Annotated, Any, Literal, overload

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from connectivity.errors import ConfigError, MissingFileError
from connectivity.settings import settings
from connectivity.uncertainty import RobustnessSection

__all__ = [
    "BUILT_IN_KINDS",
    "AccessSection",
    "AppraisalSection",
    "BudgetSection",
    "CandidatesSection",
    "CostsSection",
    "ElevationSection",
    "FacilitySection",
    "PopulationSection",
    "RankingSection",
    "RegionConfig",
    "RegionSection",
    "RoadsSection",
    "SampleSection",
    "SpeedsSection",
    "TripSection",
    "check_projected_crs",
    "load_region_config",
    "region_config_path",
    "require_file",
    "with_overrides",
]

log = logging.getLogger(__name__)

PositiveFloat = Annotated[float, Field(gt=0)]


def check_projected_crs(value: str) -> str:
    """Check a ``crs`` setting: ``"auto"``, or a known, projected CRS in metres.

    Parameters
    ----------
    value : str
        ``"auto"`` or anything pyproj accepts (``"EPSG:32718"``, a WKT, a PROJ string).

    Returns
    -------
    str
        ``value`` unchanged.

    Raises
    ------
    ValueError
        pyproj does not know the CRS, or it is geographic (degrees), so
        lengths and speeds cannot be computed in it.

    Examples
    --------
    >>> check_projected_crs("EPSG:32718")
    'EPSG:32718'
    >>> check_projected_crs("EPSG:4326")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    ValueError: EPSG:4326 is a geographic CRS (degrees): give a projected CRS in metres, ...
    """
    if value == "auto":
        return value
    from pyproj import CRS
    from pyproj.exceptions import CRSError

    try:
        crs = CRS.from_user_input(value)
    except CRSError as exc:
        raise ValueError(
            f'unknown CRS {value!r} ({exc}): give an EPSG code such as EPSG:32718, or "auto"'
        ) from None
    if not crs.is_projected:
        raise ValueError(
            f"{value} is a geographic CRS (degrees): give a projected CRS in metres, such as "
            'the UTM zone of the region (EPSG:32718 for most of Peru), or "auto"'
        )
    return value


#: The destination kinds the package knows by name (a region adds its own in ``[destinations]``).
BUILT_IN_KINDS = ("market", "school", "health")
DESTINATION_KIND = re.compile(r"[a-z][a-z0-9_]*")


class _Section(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, strict=False)


class RegionSection(_Section):
    """Identity of the region and how outputs are labelled."""

    name: Annotated[str, Field(min_length=1, pattern=r"^[A-Za-z0-9_\-]+$")]
    title: str = ""
    synthetic: bool = False
    lang: Literal["es", "en"] = "es"
    crs: str = Field(default_factory=lambda: settings.default_crs, validate_default=True)
    attribution: list[str] = Field(default_factory=list)

    @field_validator("crs")
    @classmethod
    def _known_projected_crs(cls, value: str) -> str:
        return check_projected_crs(value)


class SampleSection(_Section):
    """Parameters of the synthetic sample region generated before a run."""

    seed: int = 42
    size: PositiveFloat = 1.0
    directory: str = "../sample"


class RoadsSection(_Section):
    """Where the road network comes from."""

    path: str | None = None
    url: str | None = None
    place: str | None = None
    bbox: tuple[float, float, float, float] | None = None
    polygon: str | None = None
    reader: Literal["fast", "osmnx"] = "fast"

    @model_validator(mode="after")
    def _exactly_one_source(self) -> RoadsSection:
        given = [k for k in ("path", "place", "bbox", "polygon") if getattr(self, k) is not None]
        if len(given) != 1:
            raise ValueError(
                "give exactly one of 'path', 'place', 'bbox', 'polygon' "
                f"(got {', '.join(given) if given else 'none'})"
            )
        if self.bbox is not None:
            west, south, east, north = self.bbox
            if not (west < east and south < north):
                raise ValueError(
                    "bbox must be [west, south, east, north] with west<east, south<north"
                )
        return self


class _TableColumns(_Section):
    path: str | None = None
    url: str | None = None
    lon_column: str = "lon"
    lat_column: str = "lat"
    id_column: str = "id"
    name_column: str = "name"
    csv_separator: str = ","


class PopulationSection(_TableColumns):
    """Where communities and their population come from."""

    kind: Literal["points", "raster", "osm_places"] = "points"
    population_column: str = "population"
    district_column: str | None = None
    extra_columns: list[str] = Field(default_factory=list)

    @model_validator(mode="after")
    def _needs_location(self) -> PopulationSection:
        if self.kind != "osm_places" and self.path is None and self.url is None:
            raise ValueError(f"kind '{self.kind}' needs 'path' or 'url'")
        return self


class FacilitySection(_TableColumns):
    """Where the facilities of one destination kind (markets, schools, health, ...) come from."""

    kind: Literal["file", "osm"] = "file"
    osm_tags: dict[str, list[str] | bool] = Field(default_factory=dict)

    @model_validator(mode="after")
    def _needs_location(self) -> FacilitySection:
        if self.kind == "file" and self.path is None and self.url is None:
            raise ValueError("kind 'file' needs 'path' or 'url'")
        if self.kind == "osm" and not self.osm_tags:
            raise ValueError("kind 'osm' needs 'osm_tags'")
        return self


class ElevationSection(_Section):
    """Digital elevation model: a GeoTIFF, or OSM contour lines to interpolate.

    It must cover at least 95% of the road nodes and communities together
    (:data:`connectivity.sources.elevation.DEM_MIN_COVERAGE`), else the run stops.
    """

    path: str | None = None
    url: str | None = None
    contours_path: str | None = None
    resolution_m: PositiveFloat = 30.0

    @model_validator(mode="after")
    def _one_source(self) -> ElevationSection:
        if (self.path is None and self.url is None) == (self.contours_path is None):
            raise ValueError("give either 'path'/'url' (a DEM GeoTIFF) or 'contours_path'")
        return self


class SpeedsSection(_Section):
    """Overrides of the default speed tables (see ``connectivity.network``)."""

    highway_kph: dict[str, PositiveFloat] = Field(default_factory=dict)
    surface_kph: dict[str, PositiveFloat] = Field(default_factory=dict)
    wet_factor: dict[str, Annotated[float, Field(ge=0, le=1)]] = Field(default_factory=dict)
    walk_kph: PositiveFloat = 5.0
    # fords of rivers at least this wide (OSM width, m) are shut through the rains too
    rain_shuts_width_m: PositiveFloat = 20.0


class AccessSection(_Section):
    """Thresholds and distances of the accessibility measures."""

    thresholds_min: list[Annotated[int, Field(gt=0)]] = Field(default_factory=lambda: [30, 60, 120])
    max_connector_m: PositiveFloat = 2000.0
    all_season_buffer_m: PositiveFloat = 2000.0


class CostsSection(_Section):
    """Unit costs of road works; currency and price year are stated in outputs."""

    currency: str = "PEN"
    price_year: int = 2024
    unit_cost_per_km: dict[str, PositiveFloat] = Field(default_factory=dict)
    bridge_cost_per_m: dict[str, PositiveFloat] = Field(default_factory=dict)


WorkKind = Literal["upgrade", "new_link", "bridge"]
_ALL_WORK_KINDS: tuple[WorkKind, ...] = ("upgrade", "new_link", "bridge")


class CandidatesSection(_Section):
    """Which road works to consider (see ``connectivity.works``)."""

    generate: list[WorkKind] = Field(default_factory=lambda: list(_ALL_WORK_KINDS))
    proposals: str | None = None
    max_new_link_m: PositiveFloat = 5000.0
    max_slope_pct: PositiveFloat = 12.0


class RankingSection(_Section):
    """Weights of the composite score (see ``connectivity.ranking``)."""

    market_weight: Annotated[float, Field(ge=0)] = 0.5
    school_weight: Annotated[float, Field(ge=0)] = 0.5
    # counts only when the region has [health]
    health_weight: Annotated[float, Field(ge=0)] = 0.5
    # one per [destinations.<kind>] of the region
    destination_weights: dict[str, Annotated[float, Field(ge=0)]] = Field(default_factory=dict)
    # days a year of each passability state (assumptions: see the README)
    dry_days: Annotated[float, Field(ge=0, le=366)] = 245.0
    rain_days: Annotated[float, Field(ge=0, le=366)] = 90.0
    wet_days: Annotated[float, Field(ge=0, le=366)] = 30.0
    equity_column: str | None = None
    equity_strength: Annotated[float, Field(ge=0)] = 0.0
    unreachable_cap_min: PositiveFloat = 480.0
    top_n: Annotated[int, Field(gt=0)] = 20
    # savings under this many minutes per trip are not benefits (>= 1: see connectivity.ranking)
    min_gain_min: Annotated[float, Field(ge=1)] = 5.0
    # hurdle: least score per 1,000 of net cost for a work to be funded
    min_score_per_1000: Annotated[float, Field(ge=0)] = 1.0
    # order of ranking.csv: the score per 1,000, or an appraisal figure ([appraisal] needed)
    rank_by: Literal["score_per_1000", "bc_ratio", "npv", "cost_effectiveness"] = "score_per_1000"
    # the B/C hurdle ([appraisal] needed): works paying back less than this alone are not funded
    min_bc_ratio: Annotated[float, Field(ge=0)] = 0.0

    @model_validator(mode="before")
    @classmethod
    def _no_wet_weight(cls, data: Any) -> Any:
        if isinstance(data, dict) and "wet_weight" in data:
            raise ValueError(
                "wet_weight is replaced by dry_days, rain_days and wet_days (days a year "
                "of each passability state, summing to 365; see the README)"
            )
        return data

    @model_validator(mode="after")
    def _a_year_of_days(self) -> RankingSection:
        days = self.dry_days + self.rain_days + self.wet_days
        if not 364.5 <= days <= 366.5:
            raise ValueError(f"dry_days + rain_days + wet_days must make 365, got {days:g}")
        return self

    def kind_weights(self, kinds: tuple[str, ...]) -> dict[str, float]:
        """Return the weight of each of ``kinds`` (market, school, health, then region kinds)."""
        fixed = {
            "market": self.market_weight,
            "school": self.school_weight,
            "health": self.health_weight,
        }
        return {k: float(fixed[k] if k in fixed else self.destination_weights[k]) for k in kinds}


class TripSection(_Section):
    """Round trips a year to one kind of destination (see ``connectivity.ranking.appraisal``)."""

    per_year: Annotated[float, Field(ge=0)]
    per: Literal["person", "household", "child"] = "person"


def _default_trips() -> dict[str, TripSection]:
    # assumptions, labelled as such in every output: a weekly market day (feria) per
    # household; one school round trip per school day (36 teaching weeks x 5 days)
    # two visits to a health post or centre per person a year
    return {
        "market": TripSection(per_year=52.0, per="household"),
        "school": TripSection(per_year=180.0, per="child"),
        "health": TripSection(per_year=2.0, per="person"),
    }


class AppraisalSection(_Section):
    """The annual, monetised appraisal (``connectivity.ranking.appraisal``).

    ``value_of_time_per_hour`` has no default: the social value of time of
    the region's people (MEF's Invierte.pe parameters annex gives it) must be
    set, with its source in ``value_of_time_source``. The other defaults are
    documented in the README; the ones marked there as assumptions say so in
    every output.
    """

    value_of_time_per_hour: PositiveFloat
    value_of_time_source: Annotated[str, Field(min_length=1)]
    discount_rate: Annotated[float, Field(ge=0, lt=1)] = 0.08
    horizon_years: Annotated[int, Field(ge=1, le=60)] = 10
    household_size: PositiveFloat = 4.0
    school_age_share: Annotated[float, Field(ge=0, le=1)] = 0.25
    trips: dict[str, TripSection] = Field(default_factory=_default_trips)
    routine_per_km_year: dict[str, Annotated[float, Field(ge=0)]] = Field(
        default_factory=lambda: {
            "trocha": 3_000.0,
            "sin_afirmar": 4_000.0,
            "afirmado": 6_000.0,
            "asfaltado": 8_000.0,
        }
    )
    periodic_per_km: dict[str, Annotated[float, Field(ge=0)]] = Field(
        default_factory=lambda: {
            "trocha": 10_000.0,
            "sin_afirmar": 20_000.0,
            "afirmado": 40_000.0,
            "asfaltado": 60_000.0,
        }
    )
    periodic_every_years: Annotated[int, Field(ge=1)] = 5
    bridge_upkeep_share_per_year: Annotated[float, Field(ge=0, le=1)] = 0.01

    @model_validator(mode="before")
    @classmethod
    def _over_the_defaults(cls, data: Any) -> Any:
        """Merge a table given in part over the defaults: it changes only the keys it names."""
        if not isinstance(data, dict):
            return data
        merged = dict(data)
        for name in ("trips", "routine_per_km_year", "periodic_per_km"):
            given = data.get(name)
            if isinstance(given, dict):
                default = cls.model_fields[name].get_default(call_default_factory=True)
                merged[name] = {**default, **given}
        return merged


class BudgetSection(_Section):
    """Money available for the programme of works, in ``costs.currency``."""

    amount: PositiveFloat


class RegionConfig(_Section):
    """A whole region config, as loaded from TOML (see the module docstring)."""

    region: RegionSection
    sample: SampleSection | None = None
    roads: RoadsSection
    population: PopulationSection
    markets: FacilitySection
    schools: FacilitySection
    health: FacilitySection | None = None
    destinations: dict[str, FacilitySection] = Field(default_factory=dict)
    elevation: ElevationSection | None = None
    speeds: SpeedsSection = Field(default_factory=SpeedsSection)
    access: AccessSection = Field(default_factory=AccessSection)
    costs: CostsSection = Field(default_factory=CostsSection)
    candidates: CandidatesSection = Field(default_factory=CandidatesSection)
    ranking: RankingSection = Field(default_factory=RankingSection)
    budget: BudgetSection | None = None
    appraisal: AppraisalSection | None = None
    robustness: RobustnessSection = Field(default_factory=RobustnessSection)
    source_file: Path = Field(default=Path("."), exclude=True)

    @model_validator(mode="before")
    @classmethod
    def _destination_kinds(cls, data: Any) -> Any:
        """Region kinds: valid names, a ranking weight each, trips when appraised."""
        if not isinstance(data, dict):
            return data
        extra = data.get("destinations") or {}
        if not isinstance(extra, dict):
            return data  # the field's own validation says what is wrong
        kinds = ["market", "school"] + (["health"] if "health" in data else []) + list(extra)
        for kind in extra:
            if not DESTINATION_KIND.fullmatch(kind) or kind in BUILT_IN_KINDS:
                raise ValueError(
                    f"[destinations.{kind}]: a destination kind is lowercase letters, digits and "
                    f"'_', starting with a letter, and not one of {list(BUILT_IN_KINDS)}"
                )
            clash = [k for k in kinds if k != kind and kind.startswith(f"{k}_")]
            if clash or "walk" in kind.split("_"):
                raise ValueError(
                    f"[destinations.{kind}]: the name would clash with the columns of "
                    f"{clash or ['walking times']}; choose another"
                )
        ranking = data.get("ranking") or {}
        given = ranking.get("destination_weights") or {} if isinstance(ranking, dict) else {}
        if isinstance(given, dict):
            unknown = sorted(set(given) - set(extra))
            if unknown:
                raise ValueError(
                    f"[ranking] destination_weights names {unknown}, which have no "
                    f"[destinations.<kind>] section (region kinds: {sorted(extra)})"
                )
            missing = [k for k in extra if k not in given]
            if missing:
                raise ValueError(
                    f"[ranking] destination_weights has no weight for {missing} "
                    f"(one per [destinations.<kind>] section)"
                )
        appraisal = data.get("appraisal")
        trips = appraisal.get("trips") if isinstance(appraisal, dict) else None
        if isinstance(appraisal, dict):
            named = set(trips) if isinstance(trips, dict) else set()
            unknown = sorted(named - set(kinds))
            if unknown:
                raise ValueError(
                    f"[appraisal] trips for {unknown}, which the region does not have "
                    f"(its destination kinds: {kinds})"
                )
            missing = [k for k in extra if k not in named]
            if missing:
                raise ValueError(
                    f"[appraisal] trips has no trip rate for {missing}: give "
                    '{per_year = ..., per = "person" | "household" | "child"} for each'
                )
        return data

    @property
    def kinds(self) -> tuple[str, ...]:
        """The destination kinds of the region: market, school, health (if any), then its own."""
        return tuple(self.facility_sections())

    @staticmethod
    def facility_section_key(kind: str) -> str:
        """Return the section of a kind: ``markets``, ``health``, ``destinations.bank``."""
        fixed = {"market": "markets", "school": "schools", "health": "health"}
        return fixed.get(kind, f"destinations.{kind}")

    def facility_sections(self) -> dict[str, FacilitySection]:
        """Return the section of each destination kind, in the order of :attr:`kinds`."""
        out = {"market": self.markets, "school": self.schools}
        if self.health is not None:
            out["health"] = self.health
        out.update(self.destinations)
        return out

    @model_validator(mode="after")
    def _some_destination_counts(self) -> RegionConfig:
        weights = self.ranking.kind_weights(self.kinds)
        if sum(weights.values()) <= 0:
            raise ValueError(
                f"[ranking] the weights of {list(weights)} are all 0: at least one destination "
                "must count"
            )
        return self

    @model_validator(mode="after")
    def _appraisal_for_money_ranks(self) -> RegionConfig:
        if self.ranking.min_bc_ratio > 0 and self.appraisal is None:
            raise ValueError(
                f"[ranking] min_bc_ratio = {self.ranking.min_bc_ratio:g} needs an [appraisal] "
                "section (value_of_time_per_hour and its source)"
            )
        if self.ranking.rank_by != "score_per_1000" and self.appraisal is None:
            raise ValueError(
                f"[ranking] rank_by = {self.ranking.rank_by!r} needs an [appraisal] section "
                "(value_of_time_per_hour and its source)"
            )
        return self

    @property
    def base_dir(self) -> Path:
        """Folder that relative paths in the config are resolved against."""
        return self.source_file.parent

    @overload
    def resolve(self, relative: str) -> Path: ...
    @overload
    def resolve(self, relative: None) -> None: ...
    @overload
    def resolve(self, relative: str | None) -> Path | None: ...

    def resolve(self, relative: str | None) -> Path | None:
        """Return ``relative`` as an absolute path (relative to the TOML file)."""
        if relative is None:
            return None
        path = Path(relative).expanduser()
        return path if path.is_absolute() else (self.base_dir / path).resolve()

    @property
    def sample_dir(self) -> Path | None:
        """Absolute folder of the generated sample region, if this is one."""
        return None if self.sample is None else self.resolve(self.sample.directory)


def region_config_path(region: str | Path) -> Path:
    """Find the TOML file of a region.

    Parameters
    ----------
    region : str or Path
        A region name (looked up as ``<settings.regions_dir>/<name>.toml``) or
        a path to a TOML file.

    Returns
    -------
    Path

    Raises
    ------
    MissingFileError
        If no such file exists; the message lists the known regions.
    """
    candidate = Path(region)
    if candidate.suffix != ".toml":
        candidate = settings.regions_dir / f"{region}.toml"
    if not candidate.is_file():
        known = sorted(p.stem for p in settings.regions_dir.glob("*.toml"))
        raise MissingFileError(
            f"region config not found: {candidate} "
            f"(known regions in {settings.regions_dir}: {', '.join(known) or 'none'})"
        )
    return candidate.resolve()


def _format_validation_error(path: Path, err: ValidationError) -> str:
    lines = []
    for e in err.errors():
        loc = [str(x) for x in e["loc"]]
        if e["type"] == "extra_forbidden":
            where = f"[{'.'.join(loc[:-1])}]" if len(loc) > 1 else "top level"
            lines.append(f"unknown key '{loc[-1]}' in {where}")
        elif e["type"] == "missing":
            lines.append(f"missing required key '{'.'.join(loc)}'")
        else:
            lines.append(f"key '{'.'.join(loc)}': {e['msg']} (got {e.get('input')!r})")
    return f"{path}: invalid region config:\n  " + "\n  ".join(lines)


def load_region_config(region: str | Path) -> RegionConfig:
    """Load and validate a region config.

    Parameters
    ----------
    region : str or Path
        Region name or path to its TOML file (see :func:`region_config_path`).

    Returns
    -------
    RegionConfig

    Raises
    ------
    MissingFileError
        The TOML file does not exist.
    ConfigError
        The file is not valid TOML, or a key is unknown, missing or of the
        wrong type; the message names the file and the key.
    """
    path = region_config_path(region)
    try:
        raw: dict[str, Any] = tomllib.loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: not valid TOML: {exc}") from exc
    if "source_file" in raw:
        raise ConfigError(
            f"{path}: invalid region config:\n  unknown key 'source_file' in top level"
        )
    try:
        cfg = RegionConfig.model_validate({**raw, "source_file": path})
    except ValidationError as exc:
        raise ConfigError(_format_validation_error(path, exc)) from exc
    weights = cfg.ranking.kind_weights(cfg.kinds)
    total = sum(weights.values())
    weight_keys = {"market_weight", "school_weight", "health_weight", "destination_weights"}
    # the defaults weigh every kind alike; weights a region gives should make 1
    if weight_keys & cfg.ranking.model_fields_set and abs(total - 1.0) > 0.005:
        log.warning(
            "%s: [ranking] the destination weights (%s) do not sum to 1: they are used as "
            "shares of their sum, %s",
            path,
            ", ".join(f"{k} {w:g}" for k, w in weights.items()),
            ", ".join(f"{100 * w / total:.0f}% {k}" for k, w in weights.items()),
        )
    return cfg


def with_overrides(
    cfg: RegionConfig, *, lang: str | None = None, budget: float | None = None
) -> RegionConfig:
    """Return ``cfg`` with the command line's choices in place of the file's.

    Parameters
    ----------
    cfg : RegionConfig
    lang : {"es", "en"}, optional
        Language of everything a person reads (``--lang``): replaces
        ``[region] lang``.
    budget : float, optional
        Money for the programme (``--budget``), in ``costs.currency``:
        replaces ``[budget] amount``.

    Returns
    -------
    RegionConfig
        A new config (``cfg`` itself when nothing is overridden).

    Raises
    ------
    ConfigError
        An unknown language or a budget that is not a positive amount.
    """
    update: dict[str, Any] = {}
    if lang is not None:
        if lang not in ("es", "en"):
            raise ConfigError(f"--lang {lang!r}: use es or en")
        update["region"] = cfg.region.model_copy(update={"lang": lang})
    if budget is not None:
        try:
            update["budget"] = BudgetSection(amount=budget)
        except ValidationError as exc:
            raise ConfigError(
                f"--budget {budget!r}: give a positive amount in {cfg.costs.currency}"
            ) from exc
    if not update:
        return cfg
    log.info(
        "%s: %s from the command line",
        cfg.source_file,
        ", ".join(f"{k} = {v}" for k, v in (("lang", lang), ("budget", budget)) if v is not None),
    )
    return cfg.model_copy(update=update)


def require_file(path: Path | None, *, what: str, config: RegionConfig | None = None) -> Path:
    """Return ``path`` if it is an existing file, else raise a clear error.

    Parameters
    ----------
    path : Path or None
        The file to check.
    what : str
        What the file is for, used in the message (e.g. ``"roads.path"``).
    config : RegionConfig, optional
        The config the path came from, named in the message.
    """
    origin = f" (from {config.source_file})" if config is not None else ""
    if path is None:
        raise ConfigError(f"no file given for {what}{origin}")
    if not Path(path).is_file():
        raise MissingFileError(f"{what}: file not found: {path}{origin}")
    return Path(path)
