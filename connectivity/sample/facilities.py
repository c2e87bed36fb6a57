"""Markets, schools and health facilities of the sample region.

The tables of ``markets.csv``, ``schools.csv`` and ``health.csv``.

**Markets and schools.** A market in every town and in the largest
villages; a *primaria* in most villages over ~150 people and every town, a
*secundaria* in towns and some large villages.

**Health facilities**, after the categories of Peru's Ministry of Health
(MINSA, NTS N° 021-MINSA/DGSP-V.03: first level of care I-1 to I-4). A
*centro de salud* in every town (district capital): I-4 (with beds,
mostly for births) in the province capital and towns of 5,000 people or
more, I-3 elsewhere; some districts' largest village (1,200 people or
more) has one too (I-3). A *puesto de salud* in many villages, likelier
the larger the village (30 % at 300 people, 80 % from 1,200), and in a
few hamlets of 150 people or more (12 %); some have a physician (I-2: 15 %
of the smallest, 50 % from 1,200 people, about a fifth in all), the rest
a nurse, midwife or technician (I-1). No post is set up within 2 km of
another health facility, which serves those people already (larger
communities first). There are about a third as many health facilities as
primary schools. The shares are assumptions for an invented province, not
MINSA statistics.

Each facility stands 20-90 m from its community's centre.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from connectivity.sample.geometry import _lonlat
from connectivity.sample.model import _Model
from connectivity.sample.params import FloatArray, IntArray
from connectivity.sample.settlements import _HAMLET, _TOWN, _VILLAGE

#: ``level`` of a health post and of a health centre in ``health.csv``.
HEALTH_POST, HEALTH_CENTRE = "puesto de salud", "centro de salud"
_POST_SPACING_M = 2_000.0  # no post this close to another health facility


@dataclass
class _Facilities:
    markets: pd.DataFrame
    schools: pd.DataFrame
    health: pd.DataFrame


def _near(xy: FloatArray, rng: np.random.Generator) -> FloatArray:
    """Points 20-90 m from ``xy``, in random directions."""
    r = rng.uniform(20.0, 90.0, len(xy))
    a = rng.uniform(0.0, 2 * np.pi, len(xy))
    out: FloatArray = xy + np.column_stack([r * np.cos(a), r * np.sin(a)])
    return out


def _facilities(
    model: _Model,
    ids: list[str],
    district: IntArray,
    rng: np.random.Generator,
    rng_health: np.random.Generator,
) -> _Facilities:
    """Markets and schools (from ``rng``) and health facilities (from ``rng_health``).

    ``district`` holds, for every community, the index of its district's
    capital. Health facilities have their own random stream so that adding
    them left the markets and schools of every seed as they were.
    """
    markets, schools = _markets_and_schools(model, ids, rng)
    return _Facilities(
        markets=markets, schools=schools, health=_health(model, ids, district, rng_health)
    )


def _markets_and_schools(
    model: _Model, ids: list[str], rng: np.random.Generator
) -> tuple[pd.DataFrame, pd.DataFrame]:
    comm = model.comm
    names = model.names.communities
    pop = comm.population
    cat = comm.category
    u = rng.random((len(pop), 3))
    towns = np.flatnonzero(cat == _TOWN)
    villages = np.flatnonzero((cat == _VILLAGE) & (pop >= 800))
    extra = villages[np.argsort(-pop[villages], kind="stable")][: max(1, round(4 * model.size))]
    mk = np.r_[towns, np.sort(extra)].astype(np.int64)
    prim = (
        (cat == _TOWN)
        | ((cat == _VILLAGE) & (u[:, 0] < 0.95))
        | ((cat == _HAMLET) & (pop >= 150) & (u[:, 0] < 0.7))
        | ((cat == _HAMLET) & (pop < 150) & (u[:, 0] < 0.1))
    )
    sec = (cat == _TOWN) | ((cat == _VILLAGE) & (pop >= 700) & (u[:, 1] < 0.6))
    sc = np.r_[np.flatnonzero(prim), np.flatnonzero(sec)].astype(np.int64)
    level = np.r_[np.full(int(prim.sum()), "primaria"), np.full(int(sec.sum()), "secundaria")]
    o = np.lexsort((level, sc))
    sc, level = sc[o], level[o]

    mxy, sxy = _near(comm.xy[mk], rng), _near(comm.xy[sc], rng)
    mlon, mlat = _lonlat(mxy)
    slon, slat = _lonlat(sxy)
    width_m = max(3, len(str(len(mk))))
    width_s = max(4, len(str(len(sc))))
    markets = pd.DataFrame(
        {
            "facility_id": [f"MKT{i + 1:0{width_m}d}" for i in range(len(mk))],
            "name": [
                (
                    f"Mercado de Abastos de {names[i]}"
                    if cat[i] == _TOWN
                    else f"Feria dominical de {names[i]}"
                )
                for i in mk
            ],
            "kind": "market",
            "lon": mlon,
            "lat": mlat,
            "community_id": [ids[i] for i in mk],
        }
    )
    numbers = 38001 + rng.permutation(max(len(sc), 1))[: len(sc)] * 7 % 60000
    schools = pd.DataFrame(
        {
            "facility_id": [f"SCH{i + 1:0{width_s}d}" for i in range(len(sc))],
            "name": [
                (
                    f"I.E. N° {numbers[k]} {names[i]}"
                    if lv == "primaria"
                    else f"I.E. Secundaria {names[i]}"
                )
                for k, (i, lv) in enumerate(zip(sc, level, strict=True))
            ],
            "kind": "school",
            "level": level,
            "lon": slon,
            "lat": slat,
            "community_id": [ids[i] for i in sc],
        }
    )
    return markets, schools


def _health(
    model: _Model, ids: list[str], district: IntArray, rng: np.random.Generator
) -> pd.DataFrame:
    """Health posts and centres (see the module documentation for the rules)."""
    comm = model.comm
    names = model.names.communities
    pop = comm.population
    cat = comm.category
    n = len(pop)
    u = rng.random((n, 4))
    town = cat == _TOWN
    village = cat == _VILLAGE
    # a centro de salud in every town and in some districts' largest village
    centre = town.copy()
    for cap in np.flatnonzero(comm.is_district_capital):
        members = np.flatnonzero(village & (district == cap))
        if len(members):
            big = members[np.argmax(pop[members])]
            centre[big] = pop[big] >= 1200 and u[big, 0] < 0.5
    # a puesto de salud in many villages and a few large hamlets, larger ones likelier
    share = np.where(
        village,
        0.3 + 0.5 * np.clip((pop - 300.0) / 900.0, 0.0, 1.0),
        np.where((cat == _HAMLET) & (pop >= 150), 0.12, 0.0),
    )
    candidate = ~centre & (u[:, 1] < share)
    # ... but not within 2 km of another health facility (larger communities first)
    taken = [comm.xy[i] for i in np.flatnonzero(centre)]
    post = np.zeros(n, dtype=bool)
    for i in np.flatnonzero(candidate)[np.argsort(-pop[candidate], kind="stable")]:
        if not taken or np.hypot(*(np.asarray(taken) - comm.xy[i]).T).min() >= _POST_SPACING_M:
            post[i] = True
            taken.append(comm.xy[i])
    idx = np.flatnonzero(centre | post)
    level = np.where(centre[idx], HEALTH_CENTRE, HEALTH_POST)
    with_beds = (idx == comm.capital) | (town[idx] & (pop[idx] >= 5000))
    physician = u[idx, 2] < 0.15 + 0.35 * np.clip((pop[idx] - 300.0) / 900.0, 0.0, 1.0)
    category = np.where(
        centre[idx], np.where(with_beds, "I-4", "I-3"), np.where(physician, "I-2", "I-1")
    )
    lon, lat = _lonlat(_near(comm.xy[idx], rng))
    width = max(3, len(str(len(idx))))
    return pd.DataFrame(
        {
            "facility_id": [f"HLT{k + 1:0{width}d}" for k in range(len(idx))],
            "name": [
                f"{'Centro' if lv == HEALTH_CENTRE else 'Puesto'} de Salud {names[i]}"
                for i, lv in zip(idx, level, strict=True)
            ],
            "kind": "health",
            "level": level,
            "category": category,
            "lon": lon,
            "lat": lat,
            "community_id": [ids[i] for i in idx],
        }
    )
