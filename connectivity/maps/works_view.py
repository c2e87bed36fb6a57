"""What the investments map and the overview PNG need from a ranking result.

All knowledge of the ranking's column names sits here: :func:`_works_view`
reads a :class:`connectivity.ranking.RankingResult` (or anything shaped like
it) into fixed columns: the works by rank, the chosen portfolio, the gains of
each community (long rows), and the minutes once the portfolio is built.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd

from connectivity.errors import DataError
from connectivity.maps.encoding import _text
from connectivity.maps.payload import variants


@dataclass(frozen=True)
class _WorksView:
    """What the maps need from a ranking result, in fixed column names."""

    works: gpd.GeoDataFrame  # index work_id; rank, work_type, name, ... (see _works_view)
    gains: pd.DataFrame  # work_id, community_id, variant, before_min, after_min
    after: pd.DataFrame | None  # index community_id; a column per variant found (minutes)
    portfolio: list[str]
    person_min_columns: list[tuple[str, str]]  # (column, variant)


def _first(columns: Iterable[str], *names: str) -> str | None:
    cols = list(columns)
    for n in names:
        if n in cols:
            return n
    return None


def _works_view(result: Any, crs: Any, kinds: Sequence[str]) -> _WorksView:
    """Read a ranking result (see :mod:`connectivity.ranking`) into fixed columns.

    All knowledge of the ranking's column names sits here. ``kinds`` are the
    destination kinds the map shows (the network's); gains and minutes after
    are read for each of them (:func:`~connectivity.maps.payload.variants`).
    """
    shown = variants(kinds)
    table = getattr(result, "ranking", None)
    if not isinstance(table, pd.DataFrame):
        raise DataError("ranking result has no 'ranking' table")
    works = table.copy()
    if "work_id" in works.columns:
        works = works.set_index("work_id")
    works.index = works.index.map(str)
    if "geometry" not in works.columns:
        raise DataError("ranking table has no geometry column")
    works = gpd.GeoDataFrame(works, geometry="geometry", crs=getattr(table, "crs", None) or crs)
    if works.crs is not None and works.crs != crs:
        works = works.to_crs(crs)
    if "rank" not in works.columns:
        works["rank"] = np.arange(1, len(works) + 1)
    works = works.sort_values("rank", kind="stable")
    for col, default in (
        ("work_type", ""),
        ("name", ""),
        ("description", ""),
        ("length_m", 0.0),
        ("span_m", 0.0),
        ("cost", np.nan),
        ("flags", ""),
    ):
        if col not in works.columns:
            works[col] = default
    if "cost_net" not in works.columns:
        works["cost_net"] = works["cost"]
    if "currency" not in works.columns:
        works["currency"] = getattr(result, "currency", "PEN")

    portfolio_table = getattr(result, "portfolio", None)
    portfolio: list[str] = []
    if isinstance(portfolio_table, pd.DataFrame) and len(portfolio_table):
        pt = portfolio_table
        ids = pt["work_id"] if "work_id" in pt.columns else pd.Series(pt.index, index=pt.index)
        if "order" in pt.columns:
            ids = ids.iloc[np.argsort(pt["order"].to_numpy(), kind="stable")]
        portfolio = [str(i) for i in ids.tolist()]
    if not portfolio and "portfolio_order" in works.columns:
        chosen = works[works["portfolio_order"].fillna(0) > 0]
        portfolio = chosen.sort_values("portfolio_order").index.tolist()
    order = {w: i + 1 for i, w in enumerate(portfolio)}
    works["portfolio_order"] = [order.get(w) for w in works.index]

    gains = _gains_view(getattr(result, "gains", None), shown)
    if "people_benefited" not in works.columns:
        works["people_benefited"] = np.nan
    ncomm = _first(works.columns, "communities_gaining", "n_communities")
    if ncomm is None:
        counts = gains.groupby("work_id")["community_id"].nunique()
        works["communities_gaining"] = counts.reindex(works.index).fillna(0).to_numpy()
    else:
        works["communities_gaining"] = works[ncomm]
    person_cols: list[tuple[str, str]] = []
    for v in shown:
        found = _first(works.columns, f"{v}_person_min_saved", f"person_min_saved_{v}")
        if found is not None:
            person_cols.append((found, v))
    return _WorksView(
        works=works,
        gains=gains,
        after=_after_view(getattr(result, "communities_after", None), shown),
        portfolio=portfolio,
        person_min_columns=person_cols,
    )


def _gains_view(gains: Any, shown: Sequence[str]) -> pd.DataFrame:
    """Gains as long rows (work, community, variant, before, after).

    Reads the wide table of :func:`connectivity.ranking.work_gains` (one row per
    work and community, ``{kind}_{season}_min_before`` / ``_after``) or a long
    one (``kind``, ``season``, ``before_min``, ``after_min``); only the
    variants ``shown`` (``{kind}_{season}``) are kept.
    """
    cols = ["work_id", "community_id", "variant", "before_min", "after_min"]
    if not isinstance(gains, pd.DataFrame) or gains.empty:
        return pd.DataFrame(columns=cols)
    g = gains.reset_index() if "work_id" not in gains.columns else gains
    if "community_id" not in g.columns:
        raise DataError(f"ranking gains table has no community_id; columns: {list(g.columns)}")
    wide = [v for v in shown if f"{v}_min_before" in g.columns and f"{v}_min_after" in g.columns]
    parts = []
    if wide:
        for v in wide:
            parts.append(
                pd.DataFrame(
                    {
                        "work_id": g["work_id"].map(str).to_numpy(),
                        "community_id": g["community_id"].map(_text).to_numpy(),
                        "variant": v,
                        "before_min": g[f"{v}_min_before"].to_numpy(dtype=float),
                        "after_min": g[f"{v}_min_after"].to_numpy(dtype=float),
                    }
                )
            )
        out = pd.concat(parts, ignore_index=True)
        return out[out["after_min"] < out["before_min"]].reset_index(drop=True)
    before = _first(g.columns, "before_min", "minutes_before")
    after = _first(g.columns, "after_min", "minutes_after")
    if before is None or after is None or not {"kind", "season"} <= set(g.columns):
        raise DataError(
            "ranking gains table needs {kind}_{season}_min_before/_after columns, or "
            f"kind, season, before_min, after_min; columns: {list(g.columns)}"
        )
    out = pd.DataFrame(
        {
            "work_id": g["work_id"].map(str).to_numpy(),
            "community_id": g["community_id"].map(_text).to_numpy(),
            "variant": (g["kind"].astype(str) + "_" + g["season"].astype(str)).to_numpy(),
            "before_min": g[before].to_numpy(dtype=float),
            "after_min": g[after].to_numpy(dtype=float),
        }
    )
    return out[out["variant"].isin(list(shown))].reset_index(drop=True)


def _after_view(table: Any, shown: Sequence[str]) -> pd.DataFrame | None:
    """Minutes once the portfolio is built, per community: a column per variant found."""
    if not isinstance(table, pd.DataFrame) or table.empty:
        return None
    t = table.set_index("community_id") if "community_id" in table.columns else table
    out = {}
    for v in shown:
        col = _first(t.columns, f"{v}_min_after", f"{v}_after_min", f"after_{v}_min", f"{v}_min")
        if col is not None:
            out[v] = t[col].to_numpy(dtype=float)
    return pd.DataFrame(out, index=t.index.map(_text)) if out else None
