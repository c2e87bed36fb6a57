"""The programme by axis (*ejes*): works grouped by the corridor they serve.

A participatory road plan argues for corridors, not for atomised works. An
axis here is a set of programme works on the shared routes of the same
communities to the same market:

1. each community that gains from the programme goes to its nearest market
   (dry season, base network: the market its trips already head for);
2. each work belongs to the market most of the people it benefits go to
   (population-weighted; ties to the smaller market id);
3. among the works of one market, two works are on one axis when they
   improve the trips of at least one same community; so are two works of
   the programme that pay only together (a bundle: two fords on one road —
   the gains are credited to whichever was chosen last); an axis is a
   connected set of such works (so two valleys heading for one town are two
   axes), and goes to the market most of its people go to.

Each axis is summarised with its works, cost (a later stage of a work counts
only its increment, as the budget pays it), communities and people, and
drawn as its corridor: the dry-season routes of its communities to its
market (a MultiLineString), for the maps and the GeoPackage. A community
that gains from works of two axes counts in both (its people are served by
both corridors); the programme's totals are in ``portfolio.csv``.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from scipy.sparse import coo_array
from scipy.sparse.csgraph import connected_components

from connectivity import routing
from connectivity.network import RoadNetwork

__all__ = ["AXIS_COLUMNS", "programme_axes"]

log = logging.getLogger(__name__)

#: Columns of :func:`programme_axes` (``axes.csv``), before ``geometry``.
AXIS_COLUMNS: tuple[str, ...] = (
    "axis_id",
    "name",
    "market_id",
    "market_name",
    "works",
    "n_works",
    "cost",
    "cost_net",
    "communities",
    "community_ids",
    "community_names",
    "people",
    "person_min_saved",
)

_NO_MARKET = ""


def _gaining(communities_after: pd.DataFrame, programme: pd.DataFrame) -> dict[str, list[int]]:
    """Positions (in ``communities_after``) of the communities each programme work improves."""
    out: dict[str, list[int]] = {str(w): [] for w in programme["work_id"]}
    improved = communities_after["improved_by"].fillna("").astype(str).to_numpy()
    for pos, text in enumerate(improved):
        for work in filter(None, text.split(";")):
            if work in out:
                out[work].append(pos)
    return out


def _nearest_markets(
    network: RoadNetwork, graph: routing.RoutingGraph, positions: np.ndarray
) -> tuple[np.ndarray, gpd.GeoDataFrame]:
    """Each community's nearest market in the dry season, and its route there."""
    markets = network.markets
    facilities = dict(zip(markets["facility_id"], markets["node_id"], strict=True))
    origins = network.communities["node_id"].to_numpy()[positions]
    routes = routing.routes_to_nearest_facility(graph, origins, facilities, weight="travel_time_s")
    ids = routes["facility"].astype(object).to_numpy()
    ids = np.array([_NO_MARKET if pd.isna(x) else str(x) for x in ids], dtype=object)
    return ids, routes


def _cost_increments(programme: pd.DataFrame) -> pd.Series:
    """Cost of each programme work, a later stage counting only what it adds to its first stage."""
    cost = pd.to_numeric(programme["cost"], errors="coerce").fillna(0.0)
    cost.index = programme["work_id"].astype(str).to_numpy()
    if "stage_of" not in programme.columns:
        return cost
    first = programme["stage_of"].fillna("").astype(str).to_numpy()
    out = cost.copy()
    for work, earlier in zip(cost.index, first, strict=True):
        if earlier and earlier in cost.index:
            out[work] = max(cost[work] - cost[earlier], 0.0)
    return out


def _partners(bundles: pd.DataFrame | None, works: set[str]) -> list[tuple[str, str]]:
    """Pairs of programme works that pay only together."""
    if bundles is None or bundles.empty or not {"work_a", "work_b"} <= set(bundles.columns):
        return []
    pairs = zip(bundles["work_a"].astype(str), bundles["work_b"].astype(str), strict=True)
    return [(a, b) for a, b in pairs if a in works and b in works]


def programme_axes(
    network: RoadNetwork,
    programme: pd.DataFrame,
    communities_after: pd.DataFrame,
    bundles: pd.DataFrame | None = None,
) -> gpd.GeoDataFrame:
    """Group the programme's works into axes: corridors of the same communities to one market.

    Parameters
    ----------
    network : RoadNetwork
        The base network (its ``markets`` and ``communities``).
    programme : pandas.DataFrame
        :attr:`Portfolio.programme`: ``work_id``, ``cost``, ``cost_net``,
        ``person_min_saved`` (what each work adds in the programme).
    communities_after : pandas.DataFrame
        :attr:`Portfolio.communities_after`, aligned with
        ``network.communities``: ``improved_by`` (``;``-joined work ids).
    bundles : pandas.DataFrame, optional
        :attr:`Portfolio.bundles` (``work_a``, ``work_b``): two programme
        works that pay only together are on one axis.

    Returns
    -------
    geopandas.GeoDataFrame
        One row per axis, columns :data:`AXIS_COLUMNS` and ``geometry`` (the
        corridor: the dry-season routes of its communities to its market),
        ``axis_id`` ``EJE-01``… by people served, then cost. Works ids,
        community ids and names are ``;``-joined. Empty (with the columns)
        when the programme is empty.
    """
    crs = network.edges.crs
    empty = gpd.GeoDataFrame(
        {c: pd.Series(dtype=object) for c in AXIS_COLUMNS}, geometry=[], crs=crs
    )
    if programme.empty or "market" not in network.kinds:
        return empty
    comm = network.communities
    gaining = _gaining(communities_after, programme)
    touched = np.unique(np.concatenate([np.asarray(v, dtype=np.int64) for v in gaining.values()]))
    if not len(touched):
        return empty
    graph = routing.routing_graph_from_gdfs(network.nodes, network.edges, weights="travel_time_s")
    market_ids, routes = _nearest_markets(network, graph, touched)
    market_of = dict(zip(touched.tolist(), market_ids.tolist(), strict=True))
    route_of = dict(zip(touched.tolist(), routes.geometry.to_numpy().tolist(), strict=True))
    pop = pd.to_numeric(comm["population"], errors="coerce").fillna(0.0).to_numpy(dtype=float)

    works = [str(w) for w in programme["work_id"]]
    work_market: dict[str, str] = {}
    for w in works:
        people: defaultdict[str, float] = defaultdict(float)
        for c in gaining[w]:
            people[market_of[c]] += pop[c]
        # most people; ties to the smaller id (an empty id, no market at all, last)
        work_market[w] = (
            min(people, key=lambda m: (-people[m], m == _NO_MARKET, m)) if people else _NO_MARKET
        )
    # works of one market sharing a community are on one axis
    index = {w: i for i, w in enumerate(works)}
    rows, cols = [], []
    by_comm: defaultdict[tuple[str, int], list[int]] = defaultdict(list)
    for w in works:
        for c in gaining[w]:
            by_comm[(work_market[w], c)].append(index[w])
    for sharing in by_comm.values():
        rows.extend(sharing[:-1])
        cols.extend(sharing[1:])
    for a, b in _partners(bundles, set(works)):
        rows.append(index[a])
        cols.append(index[b])
    adjacency = coo_array(
        (np.ones(len(rows)), (np.array(rows, dtype=np.int64), np.array(cols, dtype=np.int64))),
        shape=(len(works), len(works)),
    )
    _, label = connected_components(adjacency, directed=False)

    info = programme.set_index(programme["work_id"].astype(str))
    cost = _cost_increments(programme)
    comm_ids = comm["community_id"].astype(str).to_numpy()
    names = (
        np.where(comm["name"].isna(), comm_ids, comm["name"].astype(str))
        if "name" in comm.columns
        else comm_ids
    )
    market_names = (
        dict(zip(network.markets["facility_id"].astype(str), network.markets["name"], strict=True))
        if "name" in network.markets.columns
        else {}
    )
    records: list[dict[str, Any]] = []
    members_of: defaultdict[int, list[str]] = defaultdict(list)  # in programme order
    for w in works:
        members_of[int(label[index[w]])].append(w)
    for group in np.unique(label):
        members = members_of[int(group)]
        served = sorted({c for w in members for c in gaining[w]}, key=lambda c: (-pop[c], c))
        people_to: defaultdict[str, float] = defaultdict(float)
        for c in served:
            people_to[market_of[c]] += pop[c]
        market = (
            min(people_to, key=lambda m: (-people_to[m], m == _NO_MARKET, m))
            if people_to
            else _NO_MARKET
        )
        lines = [route_of[c] for c in served if route_of.get(c) is not None]
        corridor = shapely.union_all(lines) if lines else shapely.MultiLineString([])
        if isinstance(corridor, shapely.LineString):
            corridor = shapely.MultiLineString([corridor])
        elif not isinstance(corridor, shapely.MultiLineString):
            parts = [g for g in getattr(corridor, "geoms", []) if isinstance(g, shapely.LineString)]
            corridor = shapely.MultiLineString(parts)
        named = market_names.get(market)  # an unnamed OSM marketplace has NaN: say its id
        market_name = str(named) if isinstance(named, str) and named else market
        top = [str(names[c]) for c in served]
        label_text = ", ".join(top[:3]) + (f" (+{len(top) - 3})" if len(top) > 3 else "")
        if not top:  # works whose gains the programme credits to others
            label_text = ", ".join(members)
        records.append(
            {
                "name": f"{market_name}: {label_text}" if market_name else label_text,
                "market_id": market,
                "market_name": market_name,
                "works": ";".join(members),
                "n_works": len(members),
                "cost": float(cost[members].sum()),
                "cost_net": float(info.loc[members, "cost_net"].sum()),
                "communities": len(served),
                "community_ids": ";".join(comm_ids[c] for c in served),
                "community_names": ";".join(top),
                "people": float(pop[served].sum()),
                "person_min_saved": float(info.loc[members, "person_min_saved"].sum()),
                "geometry": corridor,
            }
        )
    records.sort(key=lambda r: (-r["people"], -r["cost_net"], r["works"]))
    width = max(2, len(str(len(records))))
    for i, record in enumerate(records, start=1):
        record["axis_id"] = f"EJE-{i:0{width}d}"
    out = gpd.GeoDataFrame(records, geometry="geometry", crs=crs)
    out = out[[*AXIS_COLUMNS, "geometry"]]
    log.info(
        "programme by axis: %d works on %d axes (%d with more than one work)",
        len(works),
        len(out),
        int((out["n_works"] > 1).sum()),
    )
    return out
