"""Road-work proposals of the sample region (``proposals.geojson``), invented from its roads.

Proposals as a community or municipality would bring them to a
participatory budget meeting: afirmado of tracks, a mule path widened into a
trocha, asphalt on a road to a district town, bridges at fords, new roads
from off-network hamlets; the last two are invalid on purpose (a negative
cost, a line outside the region). Costs follow the works' cost table
(imported lazily: the generator itself does not need the planner's
modules). :mod:`connectivity.sample.writers` writes them as GeoJSON.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np
import pandas as pd
import shapely
from numpy.typing import NDArray
from shapely.ops import substring

from connectivity.sample.geometry import _line_geoms, _Lines
from connectivity.sample.model import _Model
from connectivity.sample.params import (
    _FORD,
    _NO_CROSSING,
    _PATH,
    _RESID,
    _SEC,
    _TERT,
    _TRACK,
    _TRUNK,
    _UNCL,
    DEM_CELL_M,
    SAMPLE_LABEL,
    FloatArray,
    IntArray,
)
from connectivity.sample.settlements import _TOWN

#: ``data_source`` of every proposal in ``proposals.geojson``.
_PROPOSAL_SOURCE = f"{SAMPLE_LABEL} (invented proposals, not real)"
#: Names of the two proposals written to be rejected (issue 5, "Bad input").
_INVALID_NEGATIVE_COST = "Ejemplo de propuesta inválida: costo negativo"
_INVALID_OUTSIDE = "Ejemplo de propuesta inválida: trazo fuera de la región"
_INVALID_BY = "Ejemplo de rechazo (no es una propuesta real)"
_ROAD_ES = {
    _PATH: "el camino de herradura",
    _TRACK: "la trocha",
    _UNCL: "el camino vecinal",
    _TERT: "la carretera",
    _SEC: "la carretera",
    _TRUNK: "la carretera troncal",
    _RESID: "la calle",
}


@dataclass(frozen=True)
class _Proposed:
    """One proposal as written to ``proposals.geojson`` (geometry in ``SAMPLE_CRS``)."""

    kind: str  # upgrade | new_link | bridge
    name: str
    proposed_by: str
    geometry: shapely.Geometry
    cost: float
    to_class: str | None = None
    span_m: float | None = None
    share: float | None = None
    share_by: str | None = None


@dataclass(frozen=True)
class _Stretches:
    """Runs of ways of one class and name (a road "to X"), as polylines."""

    lines: list[FloatArray]
    cls: IntArray
    ref: IntArray
    length_m: FloatArray


def _stretches(model: _Model) -> _Stretches:
    ways = model.ways
    base = ways.base
    first = np.flatnonzero(np.r_[True, base[1:] != base[:-1]]) if len(base) else base
    last = np.r_[first[1:], len(base)] - 1
    lines: list[FloatArray] = []
    for a, b in zip(first.tolist(), last.tolist(), strict=True):
        idx = ways.idx[ways.ptr[a] : ways.ptr[b + 1]]
        idx = idx[np.r_[True, idx[1:] != idx[:-1]]]  # ways of a run share their joints
        lines.append(model.road_xy[idx])
    length = np.array([float(np.hypot(*np.diff(p, axis=0).T).sum()) for p in lines])
    return _Stretches(lines=lines, cls=ways.cls[first], ref=ways.ref[first], length_m=length)


def _by_population(
    candidates: IntArray, community: IntArray, population: IntArray, n: int
) -> list[int]:
    """Up to ``n`` candidates serving the most people, one per community, ties by index."""
    order = candidates[np.lexsort((candidates, -population[community[candidates]]))]
    out: list[int] = []
    seen: set[int] = set()
    for c in order.tolist():
        if int(community[c]) not in seen:
            seen.add(int(community[c]))
            out.append(c)
        if len(out) == n:
            break
    return out


def _proposals(
    model: _Model, communities: pd.DataFrame, dem: NDArray[np.float32], rng: np.random.Generator
) -> list[_Proposed]:
    """Road works a participatory budget meeting of the province might be handed.

    Derived from the generated roads so that they make sense on the network:
    afirmado of the tracks to the largest communities served by one, a mule
    path widened into a trocha, asphalt for the first kilometres of a road to
    a district town, footbridges at fords on mule paths, a vehicle bridge at a
    ford on a track, new roads from off-network hamlets to the nearest vehicle
    road; then two examples that must be rejected (a negative cost, a line
    outside the region). Costs are the orders of magnitude of
    :data:`connectivity.works.UNIT_COST_PER_KM` and ``BRIDGE_COST_PER_M``
    for the terrain under the work (median DEM slope along it), times a random
    factor between about 0.8 and 1.4, as estimates by different proposers vary.
    """
    # imported here: the generator itself does not need the planner's modules
    from connectivity.works.costs import (
        BRIDGE_COST_PER_M,
        TERRAIN_CLASSES,
        TERRAIN_SLOPE_PCT,
        UNIT_COST_PER_KM,
    )

    frame = model.frame
    names = communities["name"].tolist()
    district = communities["district"].tolist()
    category = model.comm.category
    population = model.comm.population
    comm_xy = model.comm.xy
    gy, gx = np.gradient(dem.astype(np.float64), DEM_CELL_M)
    slope_pct = 100.0 * np.hypot(gx, gy)
    n_dem = dem.shape[0]

    def terrain(line: shapely.LineString) -> str:
        pts = shapely.get_coordinates(shapely.segmentize(line, DEM_CELL_M))
        col = np.clip(((pts[:, 0] - frame.x0) / DEM_CELL_M).astype(np.int64), 0, n_dem - 1)
        row = np.clip(
            ((frame.y0 + frame.side - pts[:, 1]) / DEM_CELL_M).astype(np.int64), 0, n_dem - 1
        )
        k = int(np.digitize(float(np.median(slope_pct[row, col])), TERRAIN_SLOPE_PCT, right=True))
        return TERRAIN_CLASSES[k]

    def price(line: shapely.LineString, work: str, low: float, high: float) -> float:
        per_km = UNIT_COST_PER_KM[f"{work}_{terrain(line)}"]
        return round(line.length / 1000.0 * per_km * rng.uniform(low, high), -3)

    def share() -> float:
        return round(float(rng.uniform(0.2, 0.5)) * 20) / 20  # 0.20, 0.25, ... 0.50

    def people(i: int) -> str:
        if category[i] == _TOWN:
            return f"Municipalidad distrital de {names[i]}"
        return f"Comunidad campesina de {names[i]}"

    def heading(by: str) -> str:
        return "Propuesta municipal" if by.startswith("Municipalidad") else "Propuesta comunal"

    def oriented(s: int) -> shapely.LineString:
        """Return the stretch drawn from its junction end to the community it serves."""
        pts = st.lines[s]
        to = comm_xy[int(st.ref[s])]
        if np.hypot(*(pts[0] - to)) < np.hypot(*(pts[-1] - to)):
            pts = pts[::-1]
        return shapely.LineString(pts)

    def from_place(point: FloatArray, not_this: int) -> str:
        d = np.hypot(*(comm_xy - point).T)
        d[not_this] = np.inf
        i = int(np.argmin(d))
        return names[i] if d[i] < 1500.0 else ""

    st = _stretches(model)
    to_community = st.ref >= 0
    ref = np.where(to_community, st.ref, 0)
    out: list[_Proposed] = []

    # afirmado of tracks to the communities with most people
    tracks = np.flatnonzero(
        (st.cls == _TRACK) & to_community & (st.length_m >= 1500) & (st.length_m <= 8000)
    )
    chosen_tracks = _by_population(tracks, ref, population, 4)
    for n, s in enumerate(chosen_tracks[:3]):
        x = int(st.ref[s])
        line = oriented(s)
        start = from_place(np.asarray(line.coords[0]), x)
        where = f"{start}–{names[x]}" if start else f"a {names[x]}"
        by = people(x) if n < 2 else f"Municipalidad distrital de {district[x]}"
        out.append(
            _Proposed(
                kind="upgrade",
                name=f"{heading(by)}: afirmado de la trocha {where}",
                proposed_by=by,
                geometry=line,
                cost=price(line, "upgrade_afirmado", 0.85, 1.3),
                to_class="afirmado",
                share=share() if n == 1 else None,
                share_by=f"{people(x)} (faenas comunales)" if n == 1 else None,
            )
        )

    # a mule path widened into a trocha carrozable
    paths = np.flatnonzero(
        (st.cls == _PATH) & to_community & (st.length_m >= 800) & (st.length_m <= 5000)
    )
    for s in _by_population(paths, ref, population, 1):
        x = int(st.ref[s])
        line = oriented(s)
        out.append(
            _Proposed(
                kind="upgrade",
                name=(
                    f"{heading(people(x))}: ampliación a trocha carrozable del camino de "
                    f"herradura a {names[x]}"
                ),
                proposed_by=people(x),
                geometry=line,
                cost=price(line, "upgrade_trocha", 0.8, 1.2),
                to_class="trocha",
                share=share(),
                share_by=f"{people(x)} (mano de obra no calificada)",
            )
        )

    # asphalt on the first kilometres of a gravel road to a district town
    gravel = np.flatnonzero((st.cls == _SEC) & to_community & (st.length_m >= 2000))
    for s in _by_population(gravel, ref, population, 1):
        x = int(st.ref[s])
        line = oriented(s)
        part = ""
        if line.length > 8000.0:
            line = shapely.LineString(shapely.get_coordinates(substring(line, 0.0, 6000.0)))
            part = ", primer tramo de 6 km"
        out.append(
            _Proposed(
                kind="upgrade",
                name=f"Propuesta municipal: asfaltado de la carretera a {names[x]}{part}",
                proposed_by=f"Municipalidad provincial de {model.names.province}",
                geometry=line,
                cost=price(line, "upgrade_asfaltado", 0.9, 1.25),
                to_class="asfaltado",
                share=0.5,
                share_by="Gobierno regional (convenio de cofinanciamiento)",
            )
        )

    # bridges at fords: footbridges on mule paths, a vehicle bridge on a track
    ways = model.ways
    river_geoms = _line_geoms(model.rivers.xy, model.rivers.lines)
    river_tree = shapely.STRtree(river_geoms) if len(river_geoms) else None
    river_ref = model.rivers.lines.ref[model.rivers.lines.ptr[:-1]]
    way_ref = np.where(ways.ref >= 0, ways.ref, 0)

    def bridge(w: int, vehicle: bool) -> _Proposed:
        x = int(ways.ref[w])
        way = shapely.LineString(model.road_xy[ways.idx[ways.ptr[w] : ways.ptr[w + 1]]])
        at = shapely.line_interpolate_point(way, 0.5, normalized=True)
        river = ""
        if river_tree is not None:
            r = int(river_tree.query_nearest(at, all_matches=False)[0])
            river = model.names.rivers.get(int(river_ref[r]), "")
        over = f" sobre {'el' if river.startswith('Río') else 'la'} {river}" if river else ""
        span = float(max(8 if vehicle else 6, round(way.length)))
        unit = BRIDGE_COST_PER_M["vehicle" if vehicle else "foot"]
        what, road = (
            ("vehicular", "de la trocha") if vehicle else ("peatonal", "del camino de herradura")
        )
        by = f"Municipalidad distrital de {district[x]}" if vehicle else people(x)
        return _Proposed(
            kind="bridge",
            name=f"{heading(by)}: puente {what} en el vado {road} a {names[x]}{over}",
            proposed_by=by,
            geometry=at,
            cost=round(span * unit * rng.uniform(0.9, 1.4), -3),
            span_m=span,
        )

    fords = ways.structure == _FORD
    foot = np.flatnonzero(fords & (ways.cls == _PATH) & (ways.ref >= 0))
    for n, w in enumerate(_by_population(foot, way_ref, population, 2)):
        made = bridge(w, vehicle=False)
        if n == 0:
            by = f"Asociación de productores de {names[int(ways.ref[w])]}"
            made = replace(made, share=share(), share_by=by)
        out.append(made)
    vehicle = np.flatnonzero(fords & (ways.cls == _TRACK) & (ways.ref >= 0))
    out += [bridge(w, vehicle=True) for w in _by_population(vehicle, way_ref, population, 1)]

    # new roads from off-network hamlets to the nearest vehicle road (the shortest ones)
    drivable = (ways.cls >= _TRACK) & (ways.structure == _NO_CROSSING)
    road_ways = np.flatnonzero(drivable)
    hamlets = np.flatnonzero(model.comm.node < 0)
    if len(road_ways) and len(hamlets):
        geoms = _line_geoms(
            model.road_xy,
            _Lines(ways.ptr, ways.idx, ways.cls, ways.ref),
        )[road_ways]
        at = np.asarray(shapely.points(comm_xy[hamlets]), dtype=object)
        (src, near), dist = shapely.STRtree(geoms).query_nearest(
            at, all_matches=False, return_distance=True
        )
        for k in np.lexsort((hamlets[src], dist))[:2].tolist():
            h, w = int(hamlets[src[k]]), int(road_ways[near[k]])
            road = geoms[near[k]]
            on_road = shapely.line_interpolate_point(
                road, shapely.line_locate_point(road, at[src[k]])
            )
            end = shapely.get_coordinates(on_road)[0]
            a = comm_xy[h]
            d = end - a
            bend = (a + end) / 2 + np.array([-d[1], d[0]]) * rng.uniform(-0.12, 0.12)
            line = shapely.LineString([a, bend, end])
            y = int(ways.ref[w])
            road_name = _ROAD_ES[int(ways.cls[w])] + (f" a {names[y]}" if y >= 0 else "")
            out.append(
                _Proposed(
                    kind="new_link",
                    name=f"{heading(people(h))}: carretera nueva de {names[h]} hasta {road_name}",
                    proposed_by=people(h),
                    geometry=line,
                    cost=price(line, "new_link", 0.85, 1.25),
                    to_class="afirmado",
                )
            )

    # two examples of what gets rejected
    spare = chosen_tracks[3:] or chosen_tracks or list(range(len(st.lines)))
    if spare:
        bad = shapely.LineString(st.lines[spare[0]])
        out.append(
            _Proposed(
                kind="upgrade",
                name=_INVALID_NEGATIVE_COST,
                proposed_by=_INVALID_BY,
                geometry=bad,
                cost=-price(bad, "upgrade_afirmado", 0.9, 1.1),
                to_class="afirmado",
            )
        )
    x1, yc = frame.x0 + frame.side, frame.y0 + frame.side / 2
    outside = shapely.LineString([(x1 + 6000.0, yc), (x1 + 7500.0, yc + 600.0), (x1 + 9000.0, yc)])
    out.append(
        _Proposed(
            kind="new_link",
            name=_INVALID_OUTSIDE,
            proposed_by=_INVALID_BY,
            geometry=outside,
            cost=round(3.0 * UNIT_COST_PER_KM["new_link_rolling"], -3),
            to_class="afirmado",
        )
    )
    return out
