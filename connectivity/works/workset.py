"""Road works as changes to the network: the contract between candidates and ranking.

A road work (a surface upgrade, a new link, a bridge, a proposal from a file)
is described by what it does to the routable network of
:mod:`connectivity.network`: it makes some existing directed edges faster
(``action="replace"``) and/or adds new directed edges between existing nodes
(``action="add"``). A work never removes an edge and never makes one slower,
so travel times can only fall; :mod:`connectivity.ranking` relies on this to
re-search only what a work can change.

Works that need a new node (a new link meeting a road between two junctions)
get it by splitting the edge in the *base* network before ranking: a split
changes no travel time, so the split network is the baseline every work is
measured against (see :func:`connectivity.network.attach_points`).

:class:`WorkSet` holds the works and their edge changes;
:func:`apply_works` builds the network with some works done, which is the
reference a full recomputation uses and what the "after" maps show.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass, replace

import geopandas as gpd
import numpy as np
import pandas as pd

from connectivity.errors import DataError
from connectivity.network import RoadNetwork, with_rain_weights

__all__ = [
    "CHANGE_COLUMNS",
    "WEIGHTS",
    "WORK_COLUMNS",
    "WorkSet",
    "apply_works",
]

log = logging.getLogger(__name__)

#: Edge weights (seconds) a work may change; ``inf`` is impassable.
WEIGHTS: tuple[str, ...] = (
    "travel_time_s",
    "travel_time_wet_s",
    "walk_time_s",
    "walk_time_wet_s",
    "travel_time_rain_s",
    "walk_time_rain_s",
)

#: Columns of :attr:`WorkSet.works` (index ``work_id``, str, stable and unique).
WORK_COLUMNS: tuple[str, ...] = (
    "work_type",  # e.g. "upgrade", "new_link", "bridge" (free text for proposals' own types)
    "origin",  # "generated" or "proposal"
    "name",  # what a person reads: road name / place, e.g. "Afirmado de trocha Chumpipata–Ccollpa"
    "description",  # one sentence: from → to, what changes (class before → after, span)
    "length_m",  # road length worked on (0 for a bridge alone)
    "span_m",  # bridge span (0 if no bridge)
    "cost",  # total cost in WorkSet.currency at WorkSet.price_year
    "cofinancing_share",  # share paid by others (0..1); the budget pays cost_net
    "cost_net",  # cost * (1 - cofinancing_share): what the budget pays
    "geometry",  # LineString/Point in the network CRS
)

#: Columns of :attr:`WorkSet.changes` (one row per directed edge changed or added).
CHANGE_COLUMNS: tuple[str, ...] = (
    "work_id",
    "action",  # "replace" (existing edge u, v, key gets new weights) or "add" (new edge u -> v)
    "u",
    "v",
    "key",  # existing key for "replace"; ignored for "add" (a free key is chosen)
    *WEIGHTS,  # the edge's weights once the work is done (never larger than before)
    "length_m",  # edge length after the work
    "road_class",  # class after the work (e.g. "afirmado")
    "geometry",  # shapely geometry of the edge after the work (None: keep the old one)
)


@dataclass(frozen=True)
class WorkSet:
    """Road works and the edge changes each one makes.

    Attributes
    ----------
    works : geopandas.GeoDataFrame
        Indexed by ``work_id`` (str); columns :data:`WORK_COLUMNS`; network CRS.
    changes : pandas.DataFrame
        Columns :data:`CHANGE_COLUMNS`; every ``work_id`` appears in ``works``.
    currency : str
        Currency of ``cost`` (e.g. ``"PEN"``).
    price_year : int
        Price year of ``cost``.
    """

    works: gpd.GeoDataFrame
    changes: pd.DataFrame
    currency: str = "PEN"
    price_year: int = 2024

    def __post_init__(self) -> None:
        # changes made by hand or by an older version: rains count as a flood
        if "travel_time_wet_s" in self.changes.columns:
            filled = with_rain_weights(self.changes, what="work changes")
            object.__setattr__(self, "changes", filled)

    def __len__(self) -> int:
        return len(self.works)

    @property
    def ids(self) -> list[str]:
        """Work ids in table order."""
        return [str(i) for i in self.works.index]

    def subset(self, ids: Sequence[str]) -> WorkSet:
        """Return the works with the given ids (in that order) and their changes."""
        missing = [i for i in ids if i not in self.works.index]
        if missing:
            raise DataError(f"unknown work id(s): {', '.join(map(str, missing[:10]))}")
        works = self.works.loc[list(ids)]
        changes = self.changes[self.changes["work_id"].isin(set(ids))]
        return replace(self, works=works, changes=changes)

    @classmethod
    def concat(cls, parts: Sequence[WorkSet]) -> WorkSet:
        """Join work sets (e.g. generated works and proposals) into one.

        Raises
        ------
        DataError
            If work ids repeat, or currencies / price years differ.
        """
        if not parts:
            raise DataError("no work sets to join")
        first = parts[0]
        for p in parts[1:]:
            if (p.currency, p.price_year) != (first.currency, first.price_year):
                raise DataError(
                    f"work sets priced differently: {first.currency} {first.price_year} "
                    f"vs {p.currency} {p.price_year}"
                )
        works = pd.concat([p.works for p in parts])
        dup = works.index[works.index.duplicated()]
        if len(dup):
            raise DataError(f"duplicate work id(s): {', '.join(map(str, dup[:10]))}")
        changes = pd.concat([p.changes for p in parts], ignore_index=True)
        return cls(
            works=gpd.GeoDataFrame(works, geometry="geometry", crs=first.works.crs),
            changes=changes,
            currency=first.currency,
            price_year=first.price_year,
        )

    def validate(self, network: RoadNetwork) -> None:
        """Check the works against the network they apply to.

        Raises
        ------
        DataError
            Missing columns, unknown work ids in ``changes``, unknown edges or
            nodes, a change that makes an edge slower, negative costs.
        """
        missing = [c for c in WORK_COLUMNS if c not in self.works.columns]
        missing += [c for c in CHANGE_COLUMNS if c not in self.changes.columns]
        if missing:
            raise DataError(f"work set lacks column(s): {', '.join(missing)}")
        if not self.works.index.is_unique:
            raise DataError("work ids are not unique")
        unknown = set(self.changes["work_id"]) - set(self.works.index)
        if unknown:
            raise DataError(f"changes name unknown work id(s): {sorted(unknown)[:10]}")
        if (self.works["cost"] < 0).any() or self.works["cost"].isna().any():
            raise DataError("work costs must be given and not negative")
        ch = self.changes
        bad_action = ~ch["action"].isin(["replace", "add"])
        if bad_action.any():
            actions = sorted(set(ch.loc[bad_action, "action"]))
            raise DataError(f"unknown change action(s): {actions}")
        nodes = network.nodes.index
        for end in ("u", "v"):
            if not ch[end].isin(nodes).all():
                bad = ch.loc[~ch[end].isin(nodes), end].unique()[:5]
                raise DataError(f"changes refer to node(s) not in the network: {list(bad)}")
        rep = ch[ch["action"] == "replace"]
        if len(rep):
            index = pd.MultiIndex.from_arrays(
                [rep["u"].to_numpy(), rep["v"].to_numpy(), rep["key"].to_numpy()]
            )
            known = index.isin(network.edges.index)
            if not known.all():
                raise DataError(
                    f"{int((~known).sum())} 'replace' change(s) name edges not in the network"
                )
            old = network.edges.loc[index, list(WEIGHTS)].to_numpy(dtype=float)
            new = rep[list(WEIGHTS)].to_numpy(dtype=float)
            slower = new > old * (1 + 1e-12)
            if slower.any():
                row = int(np.argwhere(slower)[0][0])
                raise DataError(
                    f"work {rep['work_id'].iloc[row]} makes edge "
                    f"({rep['u'].iloc[row]}, {rep['v'].iloc[row]}) slower; works may only "
                    "make edges faster or add them"
                )


def apply_works(network: RoadNetwork, works: WorkSet, ids: Sequence[str]) -> RoadNetwork:
    """Return the network with the given works done (the input is not changed).

    Changes are applied in the order of ``ids``; where two works change the same
    edge, each weight keeps the smaller value.

    Parameters
    ----------
    network : RoadNetwork
        The base network the works were generated on.
    works : WorkSet
    ids : sequence of str
        Works to apply.

    Returns
    -------
    RoadNetwork
        A copy with changed edges updated and new edges added (new edges get
        the next free ``key`` for their ``(u, v)``).
    """
    chosen = works.subset(ids).changes
    edges = network.edges.copy()
    rep = chosen[chosen["action"] == "replace"]
    if len(rep):
        index = pd.MultiIndex.from_arrays(
            [rep["u"].to_numpy(), rep["v"].to_numpy(), rep["key"].to_numpy()],
            names=edges.index.names,
        )
        new = pd.DataFrame(rep[list(WEIGHTS)].to_numpy(dtype=float), index=index, columns=WEIGHTS)
        new = new.groupby(level=[0, 1, 2]).min()
        current = edges.loc[new.index, list(WEIGHTS)]
        edges.loc[new.index, list(WEIGHTS)] = np.minimum(current.to_numpy(), new.to_numpy())
        last = rep.drop_duplicates(["u", "v", "key"], keep="last")
        last_index = pd.MultiIndex.from_arrays(
            [last["u"].to_numpy(), last["v"].to_numpy(), last["key"].to_numpy()],
            names=edges.index.names,
        )
        edges.loc[last_index, "road_class"] = last["road_class"].to_numpy()
        has_geom = last["geometry"].notna().to_numpy()
        if has_geom.any():
            edges.loc[last_index[has_geom], "geometry"] = last["geometry"].to_numpy()[has_geom]
    add = chosen[chosen["action"] == "add"]
    if len(add):
        used = pd.Series(edges.index.get_level_values(2), index=edges.index.droplevel(2))
        next_key = used.groupby(level=[0, 1]).max().add(1).to_dict()
        keys = []
        for u, v in zip(add["u"].to_numpy(), add["v"].to_numpy(), strict=True):
            k = int(next_key.get((u, v), 0))
            next_key[(u, v)] = k + 1
            keys.append(k)
        added = pd.DataFrame(
            {c: add[c].to_numpy() for c in (*WEIGHTS, "length_m", "road_class", "geometry")},
            index=pd.MultiIndex.from_arrays(
                [add["u"].to_numpy(), add["v"].to_numpy(), np.asarray(keys)],
                names=edges.index.names,
            ),
        )
        added["work_id"] = add["work_id"].to_numpy()
        edges = pd.concat([edges, gpd.GeoDataFrame(added, geometry="geometry", crs=edges.crs)])
    edges = gpd.GeoDataFrame(edges, geometry="geometry", crs=network.edges.crs)
    return replace(network, edges=edges)
