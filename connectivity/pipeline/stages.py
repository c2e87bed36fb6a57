"""The stages of a region's run, each adding its results to a :class:`RegionRun`.

:func:`prepare_region` loads the inputs and builds the network; then
:func:`network_stage` (the report of its pieces), :func:`access_stage`
(travel times, :mod:`connectivity.access`), :func:`rank_stage` (candidate
works and programme, :mod:`connectivity.works` and :mod:`connectivity.ranking`)
and :func:`maps_stage` (:mod:`connectivity.maps`) each write their outputs
into the run's folders (``RegionRun.out_dir`` and ``RegionRun.maps_dir``).
:func:`connectivity.pipeline.run_stages` points those at staging folders and
publishes them together at the end (:mod:`connectivity.pipeline.output_set`);
called on their own, the stages write straight into ``outputs/<region>/`` and
``maps/<region>/``, each file atomically.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import geopandas as gpd
import pandas as pd

from connectivity import access as access_mod
from connectivity.config import RegionConfig, load_region_config
from connectivity.network import RoadNetwork
from connectivity.pipeline.inputs import (
    RegionInputs,
    build_region_network,
    load_inputs,
    region_speed_tables,
)
from connectivity.settings import settings
from connectivity.tables import write_csv, write_geopackage

__all__ = [
    "ROAD_COLUMNS",
    "RegionRun",
    "RobustnessOptions",
    "access_stage",
    "deliverables_stage",
    "maps_stage",
    "network_stage",
    "prepare_region",
    "rank_stage",
    "robustness_stage",
]

log = logging.getLogger(__name__)


ROAD_COLUMNS = [
    "osmid",
    "highway",
    "name",
    "surface",
    "tracktype",
    "bridge",
    "ford",
    "road_class",
    "vehicle",
    "all_season",
    "length_m",
    "speed_kph",
    "speed_wet_kph",
    "travel_time_s",
    "travel_time_wet_s",
    "walk_time_s",
    "walk_time_wet_s",
    "travel_time_rain_s",
    "walk_time_rain_s",
    "geometry",
]


def _road_layers(network: RoadNetwork) -> dict[str, gpd.GeoDataFrame]:
    edges = network.edges.reset_index()
    keep = [c for c in ["u", "v", "key", *ROAD_COLUMNS] if c in edges.columns]
    edges = edges[keep]
    connectors = edges["road_class"].eq("connector")
    roads = edges[~connectors].sort_values(["u", "v", "key"])
    return {
        "roads": gpd.GeoDataFrame(roads, crs=network.crs),
        "connectors": gpd.GeoDataFrame(edges[connectors].sort_values(["u", "v"]), crs=network.crs),
    }


@dataclass
class RegionRun:
    """What one run of the pipeline has computed so far for a region.

    Each stage function takes the run, adds its results and writes its
    outputs, so :func:`run_all` loads the inputs and builds the network once.

    Attributes
    ----------
    config : RegionConfig
    inputs : RegionInputs
    network : RoadNetwork
    access : geopandas.GeoDataFrame or None
        Per-community access (after :func:`access_stage`).
    summary : pandas.DataFrame or None
        Region and district summary (after :func:`access_stage`).
    ranking : connectivity.ranking.RankingResult or None
        Ranked works and programme (after :func:`rank_stage`).
    works : connectivity.works.WorkSet or None
        The candidate works (after :func:`rank_stage`).
    robustness : connectivity.robustness.RobustnessResult or None
        Monte Carlo, budget curve and switching values (after :func:`robustness_stage`).
    map_paths : list of Path
        The maps written (after :func:`maps_stage`).
    run_id : str
        Id of the run, written into every table and map ("" outside
        :func:`connectivity.pipeline.run_stages`).
    tables_dir, maps_folder : Path or None
        Where the stages write (default: ``outputs/<region>/`` and ``maps/<region>/``).
    """

    config: RegionConfig
    inputs: RegionInputs
    network: RoadNetwork
    access: gpd.GeoDataFrame | None = None
    summary: pd.DataFrame | None = None
    ranking: Any | None = None
    works: Any | None = None
    robustness: Any | None = None
    map_paths: list[Path] = field(default_factory=list)
    run_id: str = ""
    tables_dir: Path | None = None
    maps_folder: Path | None = None

    @property
    def out_dir(self) -> Path:
        """Folder the stages write this region's tables to."""
        return self.tables_dir or settings.output_dir(self.config.region.name)

    @property
    def maps_dir(self) -> Path:
        """Folder the maps stage writes this region's maps to."""
        return self.maps_folder or settings.maps_dir(self.config.region.name)

    @property
    def data_source(self) -> str:
        """Provenance statement of every output of this run."""
        return self.inputs.data_source


def prepare_region(region: str | Path) -> RegionRun:
    """Load a region's config and inputs and build its network (nothing is written).

    Parameters
    ----------
    region : str or Path
        Region name or TOML path.

    Returns
    -------
    RegionRun
    """
    cfg = load_region_config(region)
    inputs = load_inputs(cfg)
    network = build_region_network(inputs)
    return RegionRun(config=cfg, inputs=inputs, network=network)


def network_stage(run: RegionRun) -> RegionRun:
    """Write the report of the network's disconnected pieces (``network_pieces.csv``).

    Parameters
    ----------
    run : RegionRun

    Returns
    -------
    RegionRun
        The same run.
    """
    write_csv(
        run.network.pieces,
        run.out_dir / "network_pieces.csv",
        data_source=run.data_source,
        index=True,
        run_id=run.run_id,
    )
    return run


def access_stage(run: RegionRun) -> RegionRun:
    """Compute and write a region's access tables.

    Writes ``access_communities.csv``, ``access_summary.csv`` and
    ``access.gpkg`` under ``outputs/<region>/``.

    Parameters
    ----------
    run : RegionRun

    Returns
    -------
    RegionRun
        The same run, with ``access`` and ``summary`` set.
    """
    cfg, network = run.config, run.network
    thresholds = cfg.access.thresholds_min
    communities = access_mod.community_access(
        network, thresholds_min=thresholds, rai_distance_m=cfg.access.all_season_buffer_m
    )
    cap_min = cfg.ranking.unreachable_cap_min
    summary = access_mod.access_summary(
        communities, thresholds_min=thresholds, unreachable_cap_min=cap_min
    )
    source, run_id = run.data_source, run.run_id
    communities = communities.sort_values("community_id", kind="stable")
    write_csv(
        communities, run.out_dir / "access_communities.csv", data_source=source, run_id=run_id
    )
    write_csv(summary, run.out_dir / "access_summary.csv", data_source=source, run_id=run_id)
    layers: dict[str, gpd.GeoDataFrame | pd.DataFrame] = {
        "communities": communities,
        **_road_layers(network),
        **{access_mod.facility_layer_name(k): layer for k, layer in network.facilities.items()},
        "summary": summary,
        "network_pieces": network.pieces.reset_index(),
    }
    write_geopackage(
        layers,
        run.out_dir / "access.gpkg",
        data_source=source,
        metadata={"region": cfg.region.name, "config": str(cfg.source_file)},
        run_id=run_id,
    )
    region_row = summary.iloc[0]
    log.info("%s", _access_log_line(cfg.region.name, region_row, cap_min))
    run.access, run.summary = communities, summary
    return run


def _access_log_line(region: str, row: pd.Series, cap_min: float) -> str:
    """Write the access stage's log line: each season's mean beside the share cut off."""
    parts = [f"{region}: {row['population']:,.0f} people"]
    for kind in access_mod.kinds_of_summary(row):
        seasons = [
            f"{access_mod.SEASON_LABELS[season]} "
            + access_mod.describe_mean_minutes(
                access_mod.season_stats(row, f"{kind}_{season}"), unreachable_cap_min=cap_min
            )
            for season in access_mod.SEASONS
        ]
        parts.append(f"to {access_mod.kind_noun(kind)}: " + ", ".join(seasons))
    parts.append(f"RAI {100 * row['rural_access_index']:.0f}%")
    return "; ".join(parts)


def rank_stage(run: RegionRun) -> RegionRun:
    """Generate candidate works, rank them and choose a programme under the budget.

    Candidates come from :mod:`connectivity.works` (upgrades, new links,
    bridges and the proposals file of the config); they are evaluated and the
    programme chosen by :mod:`connectivity.ranking`. Works that need a new
    node split an edge of the network first (no travel time changes), so the
    run's network is replaced by the split one (its access stays valid). Writes
    ``ranking.csv``, ``portfolio.csv``, ``gains.csv``, ``rejected_proposals.csv``
    and ``ranking.gpkg``.

    Parameters
    ----------
    run : RegionRun

    Returns
    -------
    RegionRun
        The same run with ``ranking`` and ``works`` set.
    """
    from connectivity import ranking
    from connectivity.works import generate_candidates

    cfg = run.config
    cand = cfg.candidates
    network, works, rejected = generate_candidates(
        run.network,
        kinds=cand.generate,
        dem_path=run.inputs.dem_path,
        waterways=run.inputs.waterways,
        proposals=cfg.resolve(cand.proposals),
        proposals_frame=run.inputs.proposals,
        costs=cfg.costs,
        max_new_link_m=cand.max_new_link_m,
        max_slope_pct=cand.max_slope_pct,
        tables=region_speed_tables(cfg),
    )
    # Splits change no travel time and leave the communities as they were, so the
    # access already computed stays valid for the split network.
    run.network = network
    result = ranking.rank_works(
        network,
        works,
        budget=cfg.budget.amount if cfg.budget is not None else None,
        thresholds_min=cfg.access.thresholds_min,
        weights=cfg.ranking,
        cap_min=cfg.ranking.unreachable_cap_min,
        appraisal=cfg.appraisal,
        rank_by=cfg.ranking.rank_by,
        min_bc_ratio=cfg.ranking.min_bc_ratio,
        lang=cfg.region.lang,
    )
    ranking.write_ranking_outputs(
        result, run.out_dir, data_source=run.data_source, run_id=run.run_id
    )
    write_csv(
        rejected,
        run.out_dir / "rejected_proposals.csv",
        data_source=run.data_source,
        run_id=run.run_id,
    )
    run.ranking, run.works = result, works
    return run


@dataclass(frozen=True)
class RobustnessOptions:
    """How :func:`robustness_stage` runs (None: the region's ``[robustness]`` setting).

    Attributes
    ----------
    scenarios : int, optional
        Drawn scenarios.
    scheduler : str, optional
        Address of an existing Dask scheduler (``tcp://host:8786``).
    workers : int, optional
        Workers of the embedded ``LocalCluster``.
    """

    scenarios: int | None = None
    scheduler: str | None = None
    workers: int | None = None


def robustness_stage(run: RegionRun, options: RobustnessOptions | None = None) -> RegionRun:
    """Measure how sure each choice is: Monte Carlo, budget curve, switching values.

    Runs on Dask (:mod:`connectivity.robustness`): an embedded ``LocalCluster``,
    or the scheduler of ``options`` / ``[robustness] scheduler``. Writes
    ``robustness.csv``, ``budget_curve.csv``, ``robustness_scenarios.csv``,
    ``robustness_probability.png`` and ``budget_curve.png``.

    Parameters
    ----------
    run : RegionRun
        A run after :func:`rank_stage`.
    options : RobustnessOptions, optional

    Returns
    -------
    RegionRun
        The same run with ``robustness`` set.
    """
    from connectivity.ranking.appraisal import AppraisalParameters
    from connectivity.robustness.assess import assess_robustness, base_case
    from connectivity.robustness.outputs import describe_robustness, write_robustness_outputs

    if run.ranking is None or run.works is None:
        rank_stage(run)
    assert run.ranking is not None and run.works is not None
    cfg = run.config
    options = options or RobustnessOptions()
    base = base_case(
        run.network,
        run.works,
        run.ranking,
        section=cfg.robustness,
        appraisal=(
            None if cfg.appraisal is None else AppraisalParameters.from_section(cfg.appraisal)
        ),
        min_bc_ratio=cfg.ranking.min_bc_ratio,
        rank_by=cfg.ranking.rank_by,
    )
    result = assess_robustness(
        base,
        run.ranking,
        scenarios=options.scenarios,
        scheduler=options.scheduler,
        workers=options.workers,
    )
    write_robustness_outputs(
        result,
        run.out_dir,
        data_source=run.data_source,
        run_id=run.run_id,
        lang=cfg.region.lang,
        synthetic=cfg.region.synthetic,
    )
    log.info("%s", describe_robustness(result, "en"))
    run.robustness = result
    return run


def maps_stage(run: RegionRun, *, lang: str | None = None) -> list[Path]:
    """Write the region's interactive maps (and the PNG overview) under ``maps/<region>/``.

    Parameters
    ----------
    run : RegionRun
        A run after :func:`access_stage` (and :func:`rank_stage` for the
        investments map).
    lang : {"es", "en"}, optional
        Label language (default: the region's).

    Returns
    -------
    list of Path
        The files written.
    """
    from connectivity import maps
    from connectivity.works import apply_works

    if run.access is None:
        run = access_stage(run)
    assert run.access is not None
    cfg = run.config
    after = None
    if run.ranking is not None and run.works is not None and len(run.ranking.portfolio):
        after = apply_works(run.network, run.works, run.ranking.portfolio["work_id"].tolist())
    language = lang or cfg.region.lang
    run.map_paths = maps.write_maps(
        run.network,
        run.access,
        out_dir=run.maps_dir,
        ranking=run.ranking,
        after_network=after,
        waterways=run.inputs.waterways,
        top_n=cfg.ranking.top_n,
        data_source=run.data_source,
        attribution=cfg.region.attribution,
        synthetic=cfg.region.synthetic,
        title=cfg.region.title or cfg.region.name,
        lang="en" if language == "en" else "es",
        thresholds_min=cfg.access.thresholds_min,
        unreachable_cap_min=cfg.ranking.unreachable_cap_min,
        run_id=run.run_id,
        robustness=run.robustness,
    )
    return run.map_paths


def deliverables_stage(run: RegionRun) -> list[Path]:
    """Write what a planner takes to the meeting, in the region's language.

    Into ``outputs/<region>/``: ``resumen.xlsx`` (the workbook),
    ``invierte_pe.csv`` (the table per work for Invierte.pe), ``columns.csv``
    (what every CSV column means, with its unit) and ``fichas/`` (one A4
    sheet per programme and top work, ``index.html`` and ``fichas.pdf``).
    After :func:`robustness_stage`, the workbook has a robustness sheet too.

    Parameters
    ----------
    run : RegionRun
        A run after :func:`rank_stage`.

    Returns
    -------
    list of Path
        The files written.
    """
    from connectivity import deliverables

    if run.ranking is None or run.works is None or run.access is None:
        raise ValueError("the deliverables need the access and ranking stages first")
    cfg = run.config
    lang = cfg.region.lang
    source, run_id = run.data_source, run.run_id
    invierte = deliverables.invierte_table(
        run.ranking, works=run.works, communities=run.access, config=cfg
    )
    paths = [
        deliverables.write_invierte_table(
            run.out_dir / "invierte_pe.csv", invierte, data_source=source, run_id=run_id
        )
    ]
    paths.append(
        deliverables.write_workbook(
            run.out_dir / "resumen.xlsx",
            result=run.ranking,
            works=run.works,
            access=run.access,
            network=run.network,
            summary=run.summary,
            config=cfg,
            lang=lang,
            data_source=source,
            run_id=run_id,
            invierte=invierte,
            robustness=run.robustness,
        )
    )
    paths += deliverables.write_fichas(
        run.out_dir / "fichas",
        result=run.ranking,
        network=run.network,
        config=cfg,
        lang=lang,
        data_source=source,
        run_id=run_id,
        works=run.works,
        waterways=run.inputs.waterways,
    )
    tables = {p.name: p for p in sorted(run.out_dir.glob("*.csv"))}
    paths.append(
        deliverables.write_columns_csv(
            run.out_dir / "columns.csv",
            tables,
            data_source=source,
            run_id=run_id,
            currency=cfg.costs.currency,
            source_columns=[
                *cfg.population.extra_columns,
                *([cfg.ranking.equity_column] if cfg.ranking.equity_column else []),
            ],
        )
    )
    log.info(
        "deliverables (%s): resumen.xlsx, invierte_pe.csv (%d works), columns.csv, %d fichas",
        lang,
        len(invierte),
        sum(1 for p in paths if p.parent.name == "fichas" and p.name.endswith(".html")) - 1,
    )
    return paths
