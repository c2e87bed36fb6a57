"""Markets and schools of the sample region (``markets.csv``, ``schools.csv``).

**Facilities.** A market in every town and in the largest villages; a
*primaria* in most villages over ~150 people and every town, a
*secundaria* in towns and some large villages. Each stands 20-90 m from
its community's centre.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from connectivity.sample.geometry import _lonlat
from connectivity.sample.model import _Model
from connectivity.sample.params import FloatArray, IntArray
from connectivity.sample.settlements import _HAMLET, _TOWN, _VILLAGE


@dataclass
class _Facilities:
    markets: pd.DataFrame
    schools: pd.DataFrame
    market_xy: FloatArray
    school_xy: FloatArray


def _facilities(model: _Model, ids: list[str], rng: np.random.Generator) -> _Facilities:
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

    def near(idx: IntArray) -> FloatArray:
        r = rng.uniform(20.0, 90.0, len(idx))
        a = rng.uniform(0.0, 2 * np.pi, len(idx))
        out: FloatArray = comm.xy[idx] + np.column_stack([r * np.cos(a), r * np.sin(a)])
        return out

    mxy, sxy = near(mk), near(sc)
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
    return _Facilities(markets=markets, schools=schools, market_xy=mxy, school_xy=sxy)
