"""The ranking stage's result, its plain-language explanation and its files.

:class:`RankingResult` holds everything :func:`connectivity.ranking.rank.rank_works`
finds; :func:`_explain` says in plain language the region's access before any work
(each average beside the share cut off), how works were scored, what the
programme is and which works are best; :func:`write_ranking_outputs` writes
``ranking.csv``, ``portfolio.csv``, ``gains.csv``, ``ranking.gpkg`` and
``ranking_explanation.txt``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import geopandas as gpd
import pandas as pd

from connectivity import access as access_mod
from connectivity._io import atomic_write_text
from connectivity.network import RoadNetwork
from connectivity.ranking.flags import describe_flags, programme_flag_lines
from connectivity.ranking.measures import UNREACHABLE_CAP_MIN, _fmt_t
from connectivity.ranking.portfolio import BUNDLE_COLUMNS, Portfolio, _money
from connectivity.ranking.score import ScoreWeights
from connectivity.tables import write_csv, write_geopackage
from connectivity.works import WorkSet

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
        Plain-language summary: how works were scored, the programme, the top works.
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


def _explain(
    network: RoadNetwork,
    workset: WorkSet,
    ranking: pd.DataFrame,
    portfolio: Portfolio,
    weights: ScoreWeights,
    thresholds: Sequence[float],
    cap_min: float,
) -> str:
    cur = workset.currency
    people = float(pd.to_numeric(network.communities["population"], errors="coerce").sum())
    lines = [
        f"{len(ranking)} road works evaluated for {len(network.communities)} communities "
        f"({people:,.0f} people); costs in {cur} at {workset.price_year} prices.",
        *_access_before(portfolio.communities_after, cap_min),
        "Score: person-minutes saved per trip to the nearest market and school "
        f"({weights.describe()}), minutes capped at {cap_min:g} (an unreachable place "
        f"counts as {cap_min:g} min away); thresholds {', '.join(map(_fmt_t, thresholds))} min.",
        "Works are ranked by score per 1,000 " + cur + " of net cost (after co-financing).",
        portfolio.explanation,
    ]
    top = ranking[ranking["score"] > 0].head(weights.top_n)
    if len(top):
        lines.append(f"Top {len(top)} work(s):")
        for work_id, row in top.iterrows():
            name = row.get("name", "") or ""
            lines.append(
                f"  {int(row['rank'])}. {work_id} {name}: {row['people_benefited']:,.0f} people "
                f"in {int(row['communities_gaining'])} communities gain, "
                f"{row['person_min_saved']:,.0f} person-min per trip, net cost "
                f"{_money(float(row['cost_net']), cur)}"
                + (
                    f", {row['people_no_longer_cut_off_wet']:,.0f} no longer cut off in the "
                    "wet season"
                    if row["people_no_longer_cut_off_wet"] > 0
                    else ""
                )
            )
            note = describe_flags(str(row.get("flags", "") or ""))
            if note:
                lines.append(f"     {note[0].upper()}{note[1:]}.")
    else:
        lines.append("No work improves anyone's travel time.")
    lines.extend(programme_flag_lines(ranking, [str(w) for w in top.index]))
    return "\n".join(lines)


def _access_before(communities: pd.DataFrame, cap_min: float) -> list[str]:
    """Lines on the region's access before any work: each mean beside the share cut off.

    ``communities`` holds ``population`` and ``{kind}_{season}_min_before``
    (:attr:`Portfolio.communities_after`).
    """
    pop = pd.to_numeric(communities["population"], errors="coerce").fillna(0.0).to_numpy()
    lines = [
        "Access before any work (population-weighted; an average covers only the people "
        "who can reach one in that season, and the share cut off is given beside it):"
    ]
    for kind in access_mod.FACILITY_KINDS:
        seasons = []
        for season in access_mod.SEASONS:
            stats = access_mod.travel_time_stats(
                communities[f"{kind}_{season}_min_before"].to_numpy(dtype=float),
                pop,
                unreachable_cap_min=cap_min,
            )
            text = access_mod.describe_mean_minutes(stats, unreachable_cap_min=cap_min)
            seasons.append(f"{access_mod.SEASON_LABELS[season]} {text}")
        lines.append(f"  to a {kind}: " + "; ".join(seasons) + ".")
    return lines


def write_ranking_outputs(
    result: RankingResult, out_dir: Path, *, data_source: str, run_id: str = ""
) -> list[Path]:
    """Write the ranking stage's tables and GeoPackage atomically.

    Files: ``ranking.csv`` (every work by rank), ``portfolio.csv`` (the
    programme), ``gains.csv`` (communities that gain from each work),
    ``bundles.csv`` (pairs of works that pay together but not alone),
    ``ranking.gpkg`` (layers ``candidates``, ``portfolio``, ``communities``
    before/after the programme and, when kept, ``roads``) and
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
    chosen = ranking[ranking["in_portfolio"]].sort_values("portfolio_order")
    layers: dict[str, gpd.GeoDataFrame | pd.DataFrame] = {
        "candidates": ranking,
        "portfolio": gpd.GeoDataFrame(chosen, geometry="geometry", crs=result.ranking.crs),
        "communities": communities,
    }
    if result.roads is not None:
        layers["roads"] = result.roads
    metadata = {
        "currency": result.currency,
        "price_year": str(result.price_year),
        "budget": "" if result.budget is None else f"{result.budget:g}",
        "weights": result.weights.describe(),
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
        )
    )
    text = result.explanation + f"\n\nData source: {data_source}\n"
    if run_id:
        text += f"Run: {run_id} (see run.json)\n"
    atomic_write_text(out_dir / "ranking_explanation.txt", text)
    paths.append(out_dir / "ranking_explanation.txt")
    return paths
