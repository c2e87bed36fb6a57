"""The ranking stage's result and its files.

:class:`RankingResult` holds everything :func:`connectivity.ranking.rank.rank_works`
finds, with its plain-language explanation in the region's language
(:func:`connectivity.ranking.explain.explain`); :func:`write_ranking_outputs`
writes ``ranking.csv``, ``portfolio.csv``, ``gains.csv``, ``ranking.gpkg`` and
``ranking_explanation.txt``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import geopandas as gpd
import pandas as pd

from connectivity._io import atomic_write_text
from connectivity.i18n import Lang
from connectivity.ranking.measures import UNREACHABLE_CAP_MIN, _fmt_t
from connectivity.ranking.portfolio import BUNDLE_COLUMNS
from connectivity.ranking.score import ScoreWeights
from connectivity.ranking.words import Words
from connectivity.tables import write_csv, write_geopackage

__all__ = ["RankingResult", "write_ranking_outputs"]


@dataclass(frozen=True)
class RankingResult:
    """Everything :func:`rank_works` finds, ready to write or map.

    Attributes
    ----------
    ranking : geopandas.GeoDataFrame
        Every work with its measures (:func:`evaluate_works`), ``rank``
        (1 = best score per unit of net cost), ``flags`` (assumptions to verify
        in the field, :func:`connectivity.ranking.flags.work_flags`),
        ``in_portfolio`` and ``portfolio_order`` (0 when not chosen), and its
        geometry; ordered by rank.
    portfolio : pandas.DataFrame
        The programme (:attr:`Portfolio.programme`).
    gains : pandas.DataFrame
        Communities that gain from each work (:func:`work_gains`), with the
        work's ``rank`` and each community's ``population_source``,
        ``component`` and ``main_piece``
        (:func:`connectivity.ranking.flags.add_community_facts`); ordered by
        rank.
    communities_after : geopandas.GeoDataFrame
        Every community's minutes before/after the programme.
    currency : str
    price_year : int
    explanation : str
        Plain-language summary in ``lang``: the region's access, how works
        were scored, the programme, the top works, the appraisal
        (:func:`connectivity.ranking.explain.explain`).
    budget : float or None
    weights : ScoreWeights
    thresholds_min : tuple of float
    cap_min : float
    roads : geopandas.GeoDataFrame or None
        Network edges (for the ``roads`` layer), if asked for.
    bundles : pandas.DataFrame
        Pairs of works that pay together but not alone (*paquetes*), with
        their joint score and whether the programme holds them
        (:attr:`Portfolio.bundles`).
    appraisal : dict or None
        The programme's appraisal as built, all works together
        (:func:`connectivity.ranking.appraisal.appraise_programme`), when the
        region has an ``[appraisal]`` section.
    kinds : tuple of str
        The destination kinds measured (the network's, :attr:`RoadNetwork.kinds`).
    axes : geopandas.GeoDataFrame or None
        The programme by axis (:func:`connectivity.ranking.axes.programme_axes`):
        works grouped by the corridor of the same communities to one market.
    lang : {"es", "en"}
        The language of :attr:`explanation` and ``ranking_explanation.txt``.
    """

    ranking: gpd.GeoDataFrame
    portfolio: pd.DataFrame
    gains: pd.DataFrame
    communities_after: gpd.GeoDataFrame
    currency: str
    price_year: int
    explanation: str
    budget: float | None = None
    weights: ScoreWeights = field(default_factory=ScoreWeights)
    thresholds_min: tuple[float, ...] = (30, 60, 120)
    cap_min: float = UNREACHABLE_CAP_MIN
    roads: gpd.GeoDataFrame | None = None
    bundles: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(columns=BUNDLE_COLUMNS))
    appraisal: dict[str, Any] | None = None
    kinds: tuple[str, ...] = ("market", "school")
    axes: gpd.GeoDataFrame | None = None
    lang: Lang = "en"


def write_ranking_outputs(
    result: RankingResult, out_dir: Path, *, data_source: str, run_id: str = ""
) -> list[Path]:
    """Write the ranking stage's tables and GeoPackage atomically.

    Files: ``ranking.csv`` (every work by rank), ``portfolio.csv`` (the
    programme), ``gains.csv`` (communities that gain from each work),
    ``bundles.csv`` (pairs of works that pay together but not alone),
    ``axes.csv`` (the programme by axis), ``ranking.gpkg`` (layers
    ``candidates_lines`` / ``candidates_points`` and ``portfolio_lines`` /
    ``portfolio_points`` (roads are lines, bridges points: one geometry type
    per layer), ``communities`` before/after the programme, ``axes``
    (corridors) and, when kept, ``roads``) and
    ``ranking_explanation.txt``. Every table has ``currency`` and
    ``price_year`` columns and a ``data_source`` column.

    Parameters
    ----------
    result : RankingResult
    out_dir : Path
        Folder (created if missing).
    data_source : str
        Provenance statement for every table.
    run_id : str
        Id of the run, written into every table (see :func:`connectivity.tables.write_csv`).

    Returns
    -------
    list of Path
        The files written.
    """
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    ranking = result.ranking.reset_index()
    gains = result.gains.assign(currency=result.currency, price_year=result.price_year)
    portfolio = result.portfolio.assign(currency=result.currency, price_year=result.price_year)
    communities = result.communities_after.assign(
        currency=result.currency, price_year=result.price_year
    )
    paths = [
        write_csv(ranking, out_dir / "ranking.csv", data_source=data_source, run_id=run_id),
        write_csv(portfolio, out_dir / "portfolio.csv", data_source=data_source, run_id=run_id),
        write_csv(gains, out_dir / "gains.csv", data_source=data_source, run_id=run_id),
        write_csv(
            result.bundles.assign(currency=result.currency, price_year=result.price_year),
            out_dir / "bundles.csv",
            data_source=data_source,
            run_id=run_id,
        ),
    ]
    if result.axes is not None:
        axes = pd.DataFrame(result.axes.drop(columns="geometry"))
        paths.append(
            write_csv(
                axes.assign(currency=result.currency, price_year=result.price_year),
                out_dir / "axes.csv",
                data_source=data_source,
                run_id=run_id,
            )
        )
    chosen = ranking[ranking["in_portfolio"]].sort_values("portfolio_order")
    layers: dict[str, gpd.GeoDataFrame | pd.DataFrame] = {
        "candidates": ranking,
        "portfolio": gpd.GeoDataFrame(chosen, geometry="geometry", crs=result.ranking.crs),
        "communities": communities,
    }
    if result.axes is not None:
        layers["axes"] = result.axes
    if result.roads is not None:
        layers["roads"] = result.roads
    metadata = {
        "currency": result.currency,
        "price_year": str(result.price_year),
        "budget": "" if result.budget is None else f"{result.budget:g}",
        "weights": result.weights.describe(result.kinds),
        "cap_min": f"{result.cap_min:g}",
        "thresholds_min": ",".join(map(_fmt_t, result.thresholds_min)),
    }
    for key, value in (result.appraisal or {}).items():
        metadata[f"programme_{key}"] = f"{value:.6g}" if isinstance(value, float) else str(value)
    paths.append(
        write_geopackage(
            layers,
            out_dir / "ranking.gpkg",
            data_source=data_source,
            metadata=metadata,
            run_id=run_id,
            # bridges are points, roads lines: one geometry type per layer (QGIS, GDAL)
            split_by_geometry=("candidates", "portfolio"),
        )
    )
    words = Words(result.lang)
    text = f"{result.explanation}\n\n{words.text('data_source', source=data_source)}\n"
    if run_id:
        text += words.text("run", run_id=run_id) + "\n"
    atomic_write_text(out_dir / "ranking_explanation.txt", text)
    paths.append(out_dir / "ranking_explanation.txt")
    return paths
