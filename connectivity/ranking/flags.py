"""Assumptions behind a work's gain that a planner should verify in the field.

A work's benefit rests on facts the data only suggest: a river crossing OSM
does not describe, a population nobody counted, a piece of network that may be
cut off only because a road is missing from the map, a community far from any
mapped road. :func:`work_flags` turns the facts each input already carries
into one ``flags`` text per work, and :func:`add_community_facts` adds the
per-community facts to the gains table, so the ranking, the gains, the
explanation and the map popups show the same thing.

Flags (codes of :data:`FLAGS`), each raised by a fact the data carry, never
guessed again here:

``disconnected_piece``
    Some community that gains sits off the main piece of the network (piece 0,
    the largest; ``main_piece`` is false), on a piece that holds no market
    (or no school) — ``market_cut_off_piece`` / ``school_cut_off_piece`` of
    :func:`connectivity.network.build_network` — and the work gives it a
    route to one in some season (its minutes after the work are finite): the
    gain comes from joining that piece to the rest of the network. Check the
    piece is really cut off: OSM may just miss the road that joins it.
``estimated_population``
    Some community that gains has a ``population_source`` that is an estimate
    (:data:`connectivity.sources.population.ESTIMATED_POPULATION_SOURCES`:
    buildings times persons, a minimum per place type, a modelled raster).
``far_from_road``
    Some community that gains is ``far_from_road`` (farther than
    ``max_connector_m`` from any mapped road or path): its walk to the network
    is an off-path estimate.
``inferred_crossing``
    The work bridges a crossing whose work-set ``crossing`` is ``"inferred"``:
    a river crossed by a road or path OSM tags neither bridge nor ford
    (:func:`connectivity.network.mark_unbridged_crossings`), so it is treated
    as a ford that the rains cut; the bridge may already exist.

"Communities that gain" are the rows of the gains table for the work: the
communities that benefit from it against the base network.
"""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np
import pandas as pd

from connectivity.i18n import Lang
from connectivity.ranking.measures import FACILITY_KINDS, SEASONS
from connectivity.ranking.words import Words, flag_meanings
from connectivity.sources.population import population_is_estimated
from connectivity.works import WorkSet

__all__ = [
    "FLAGS",
    "GAINS_COMMUNITY_COLUMNS",
    "add_community_facts",
    "describe_flags",
    "programme_flag_lines",
    "work_flags",
]

#: Flag codes, in the order they are listed, and what each means in plain English
#: (every language's words are in :mod:`connectivity.ranking.words`).
FLAGS: dict[str, str] = flag_meanings("en")

#: Per-community columns :func:`add_community_facts` adds to the gains table.
GAINS_COMMUNITY_COLUMNS: tuple[str, ...] = ("population_source", "component", "main_piece")

_SEP = ";"


def _facts(communities: pd.DataFrame) -> pd.DataFrame:
    """Return the facts of each community the flags rest on, indexed by ``community_id``.

    Columns absent from ``communities`` (a network built by hand) get the
    value that raises no flag: source ``"unknown"``, piece 0 (the main one),
    near a road, not cut off.
    """
    n = len(communities)

    def column(name: str, default: object) -> np.ndarray:
        if name in communities.columns:
            return communities[name].to_numpy()
        return np.full(n, default, dtype=object)

    source = pd.Series(column("population_source", "unknown"), dtype=object).fillna("unknown")
    piece = pd.to_numeric(pd.Series(column("component", 0)), errors="coerce").fillna(0)
    facts = pd.DataFrame(
        {
            "population_source": source.astype(str).to_numpy(),
            "component": piece.astype(np.int64).to_numpy(),
            "main_piece": (
                column("main_piece", True).astype(bool)
                if "main_piece" in communities.columns
                else piece.to_numpy() == 0
            ),
            "population_estimated": population_is_estimated(source),
            "far_from_road": column("far_from_road", False).astype(bool),
        },
        index=pd.Index(communities["community_id"].astype(str).to_numpy(), name="community_id"),
    )
    for kind in _piece_kinds(communities):
        facts[f"{kind}_cut_off_piece"] = column(f"{kind}_cut_off_piece", False).astype(bool)
    return facts


def _piece_kinds(frame: pd.DataFrame) -> list[str]:
    """Destination kinds with a ``{kind}_cut_off_piece`` column (else the built-in ones)."""
    end = "_cut_off_piece"
    kinds = [str(c)[: -len(end)] for c in frame.columns if str(c).endswith(end)]
    return kinds or list(FACILITY_KINDS)


def add_community_facts(gains: pd.DataFrame, communities: pd.DataFrame) -> pd.DataFrame:
    """Add each community's population source and network piece to the gains table.

    Parameters
    ----------
    gains : pandas.DataFrame
        One row per (work, community that gains), with ``community_id`` and
        ``population`` (:func:`connectivity.ranking.work_gains`).
    communities : pandas.DataFrame
        The network's communities (``RoadNetwork.communities``).

    Returns
    -------
    pandas.DataFrame
        A copy with :data:`GAINS_COMMUNITY_COLUMNS` after ``population``:
        ``population_source`` (a code of
        :data:`connectivity.sources.population.POPULATION_SOURCES`, or
        ``"unknown"``), ``component`` (the community's piece of the network, a
        row of ``network_pieces.csv``) and ``main_piece`` (it is piece 0, the
        largest).
    """
    facts = _facts(communities)
    rows = facts.reindex(gains["community_id"].astype(str).to_numpy())
    out = gains.drop(columns=[c for c in GAINS_COMMUNITY_COLUMNS if c in gains.columns])
    at = list(out.columns).index("population") + 1 if "population" in out.columns else None
    for i, col in enumerate(GAINS_COMMUNITY_COLUMNS):
        values = rows[col]
        if col == "population_source":
            values = values.fillna("unknown")
        elif col == "component":
            values = values.fillna(0).astype(np.int64)
        else:
            values = values.fillna(True).astype(bool)
        out.insert(len(out.columns) if at is None else at + i, col, values.to_numpy())
    return out


def _join(codes: Iterable[str]) -> str:
    order = {c: i for i, c in enumerate(FLAGS)}
    return _SEP.join(sorted(set(codes), key=order.__getitem__))


def work_flags(workset: WorkSet, gains: pd.DataFrame, communities: pd.DataFrame) -> pd.Series:
    """Return the assumptions behind each work's gain, as ``;``-joined flag codes.

    Parameters
    ----------
    workset : WorkSet
        The works (a ``crossing`` column marks bridges at inferred crossings).
    gains : pandas.DataFrame
        The communities that gain from each work against the base network
        (``work_id``, ``community_id``, ``{kind}_{season}_min_after``).
    communities : pandas.DataFrame
        The network's communities (``RoadNetwork.communities``).

    Returns
    -------
    pandas.Series
        Indexed by ``work_id`` in work-set order: the codes of :data:`FLAGS`
        that apply (see the module docstring), sorted, joined by ``;``; the
        empty string when none.

    Examples
    --------
    >>> import geopandas as gpd
    >>> works = WorkSet(gpd.GeoDataFrame({"crossing": ["inferred", ""]},
    ...     index=pd.Index(["BRG-1", "UPG-1"], name="work_id")), pd.DataFrame())
    >>> gains = pd.DataFrame({"work_id": ["BRG-1", "UPG-1"], "community_id": ["a", "b"]})
    >>> comm = pd.DataFrame({"community_id": ["a", "b"],
    ...     "population_source": ["place_type_minimum", "file"]})
    >>> work_flags(works, gains, comm).tolist()
    ['estimated_population;inferred_crossing', '']
    """
    ids = pd.Index([str(i) for i in workset.works.index], name="work_id")
    found: dict[str, set[str]] = {w: set() for w in ids}
    if "crossing" in workset.works.columns:
        inferred = workset.works["crossing"].astype(str).eq("inferred").to_numpy()
        for w in ids[inferred]:
            found[w].add("inferred_crossing")
    if len(gains):
        facts = _facts(communities)
        rows = facts.reindex(gains["community_id"].astype(str).to_numpy())
        work = gains["work_id"].astype(str).to_numpy()
        raised = {
            "estimated_population": rows["population_estimated"].fillna(False).to_numpy(bool),
            "far_from_road": rows["far_from_road"].fillna(False).to_numpy(bool),
        }
        joined = np.zeros(len(gains), dtype=bool)
        for kind in _piece_kinds(facts):
            cut = rows[f"{kind}_cut_off_piece"].fillna(False).to_numpy(bool)
            for season in SEASONS:
                col = f"{kind}_{season}_min_after"
                if col in gains.columns:
                    joined |= cut & np.isfinite(gains[col].to_numpy(dtype=float))
        raised["disconnected_piece"] = joined
        for code, hit in raised.items():
            for w in np.unique(work[hit]):
                if w in found:
                    found[w].add(code)
    return pd.Series([_join(found[w]) for w in ids], index=ids, name="flags", dtype=object)


def programme_flag_lines(
    ranking: pd.DataFrame, listed: Iterable[str], *, lang: Lang = "en"
) -> list[str]:
    """Lines of the explanation on the flagged works of the programme.

    Parameters
    ----------
    ranking : pandas.DataFrame
        The ranking (indexed by ``work_id``; ``flags``, ``in_portfolio``,
        ``portfolio_order``, ``rank``, ``name``).
    listed : iterable of str
        Works whose flags the explanation already gives (the top works):
        only counted here.
    lang : {"es", "en"}
        The language of the lines.

    Returns
    -------
    list of str
        Empty when no work of the programme is flagged.
    """
    need = {"flags", "in_portfolio", "portfolio_order"}
    if not need <= set(ranking.columns):
        return []
    chosen = ranking[ranking["in_portfolio"].astype(bool)].sort_values("portfolio_order")
    flagged = chosen[chosen["flags"].fillna("").astype(str) != ""]
    if flagged.empty:
        return []
    shown = {str(w) for w in listed}
    above = [str(w) for w in flagged.index if str(w) in shown]
    rest = flagged[[str(w) not in shown for w in flagged.index]]
    words = Words(lang)
    head = "programme_flagged_only" if len(chosen) == 1 else "programme_flagged"
    lines = [
        words.agree(
            head,
            len(flagged),
            flagged=words.number(len(flagged)),
            chosen=words.number(len(chosen)),
            above=(
                words.text("flagged_above", listed=words.count(len(above), "listed"))
                if above
                else ""
            ),
            end="." if rest.empty else ":",
        )
    ]
    for work_id, row in rest.iterrows():
        lines.append(
            words.text(
                "flagged_work",
                order=int(row["portfolio_order"]),
                rank=int(row["rank"]),
                work_id=work_id,
                name=str(row.get("name", "") or ""),
                note=describe_flags(str(row["flags"]), lang=lang),
            )
        )
    return lines


def describe_flags(flags: str, *, lang: Lang = "en") -> str:
    """Say a work's flags in plain words, or return ``""`` when it has none.

    Examples
    --------
    >>> describe_flags("estimated_population")
    'verify in the field: the population of some communities that gain is estimated, not counted'
    >>> describe_flags("inferred_crossing", lang="es")[:40]
    'verificar en campo: el cruce del río es '
    """
    codes = [c for c in str(flags or "").split(_SEP) if c]
    if not codes:
        return ""
    words = Words(lang)
    return words.text("verify", flags=words.flags(codes))
