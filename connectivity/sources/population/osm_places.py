"""Communities from OSM places, with population tagged or estimated from buildings.

:func:`communities_from_osm_places` takes OSM ``place`` nodes and areas, with
the ``population`` tag when present, otherwise an estimate from the buildings
around them (:data:`PERSONS_PER_BUILDING` per building within
:data:`BUILDING_RADIUS_M`), never below :data:`PLACE_MIN_POPULATION`;
``population_source`` says which.
"""

from __future__ import annotations

import logging
import math
import re
from collections.abc import Mapping
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
from numpy.typing import NDArray

from connectivity.errors import CrsError, DataError, EmptyRegionError
from connectivity.sources._points import (
    NO_PEOPLE_FOUND,
    NOT_A_SETTLEMENT,
    SAME_NAME_NEARBY,
    LoadReport,
    as_points,
    check_columns,
    clean_texts,
)

__all__ = [
    "BUILDING_RADIUS_M",
    "PERSONS_PER_BUILDING",
    "PLACE_MIN_POPULATION",
    "communities_from_osm_places",
]

log = logging.getLogger(__name__)

#: People per OSM building, for places without a ``population`` tag: the mean
#: size of a private household in Peru, about 3.5 persons (INEI, Censos
#: Nacionales 2017), taking one mapped building as one dwelling. Rural
#: compounds often hold several buildings (kitchen, store), so this tends to
#: overestimate where buildings are mapped completely, and underestimate where
#: they are not; it is an estimate and is labelled as one.
PERSONS_PER_BUILDING: float = 3.5

#: Radius (m) around a place within which buildings count for it, by ``place``
#: value. A building counts for its nearest place only, and only if it lies
#: within that place's radius.
BUILDING_RADIUS_M: dict[str, float] = {
    "city": 3000.0,
    "town": 1500.0,
    "suburb": 800.0,
    "village": 800.0,
    "quarter": 500.0,
    "neighbourhood": 400.0,
    "hamlet": 400.0,
    "isolated_dwelling": 150.0,
}

#: Smallest population given to a place of each type when the buildings
#: around it suggest fewer people (buildings are often not mapped): low ends
#: of the OpenStreetMap definitions of the place types, kept low for Peru's
#: small district towns. Places of other types (``locality``, ``region``, …)
#: are not settlements and are dropped.
PLACE_MIN_POPULATION: dict[str, float] = {
    "city": 10000.0,
    "town": 1000.0,
    "suburb": 0.0,
    "village": 100.0,
    "quarter": 0.0,
    "neighbourhood": 0.0,
    "hamlet": 20.0,
    "isolated_dwelling": 3.0,
}

_EPSG_WGS84 = "EPSG:4326"
_SAME_NAME_RADIUS_M = 1000.0


def _population_tag(value: Any) -> float:
    """Parse a ``population`` tag (``"1,234"``, ``"1 234"`` → 1234); NaN if unusable."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return math.nan
    text = re.sub(r"(?<=\d)[\s,.'](?=\d{3}\b)", "", str(value).strip())
    try:
        number = float(text)
    except ValueError:
        return math.nan
    return number if math.isfinite(number) and number > 0 else math.nan


def _same_name_nearby(places: gpd.GeoDataFrame) -> NDArray[np.bool_]:
    """Rows whose name (case-insensitive) is that of an earlier row within 1 km (projected)."""
    dup = np.zeros(len(places), dtype=bool)
    names = places["name"].map(lambda v: v.casefold() if isinstance(v, str) else None)
    geoms = places.geometry.to_numpy()
    for _, group in pd.Series(np.arange(len(places))).groupby(names.to_numpy()):
        rows = group.to_numpy()
        for a_pos, a in enumerate(rows):
            if dup[a]:
                continue
            for b in rows[a_pos + 1 :]:
                if not dup[b] and geoms[a].distance(geoms[b]) <= _SAME_NAME_RADIUS_M:
                    dup[b] = True
    return dup


def communities_from_osm_places(
    places: gpd.GeoDataFrame,
    buildings: gpd.GeoDataFrame,
    *,
    persons_per_building: float = PERSONS_PER_BUILDING,
    radius_m: Mapping[str, float] | None = None,
    min_population: Mapping[str, float] | None = None,
) -> gpd.GeoDataFrame:
    """Communities from OSM ``place`` features, with population tagged or estimated.

    For each place of a type in ``min_population`` (default
    :data:`PLACE_MIN_POPULATION`):

    * if it has a usable ``population`` tag (a column ``population`` in
      ``places``), that number (``population_source="osm_tag"``);
    * else the buildings counted for it (each building counts for its
      nearest place, if within that place's radius, :data:`BUILDING_RADIUS_M`)
      times ``persons_per_building`` (:data:`PERSONS_PER_BUILDING`)
      (``"estimate_from_buildings"``);
    * but never less than the smallest population of its type (buildings are
      often missing from OSM in rural Peru); where the floor applies the
      source is ``"place_type_minimum"``.

    Places of other types, places left with no one, and a place with the same
    name as a bigger one within 1 km (a village mapped both as a node and as
    an area) are dropped and reported.

    Parameters
    ----------
    places : GeoDataFrame
        From :func:`connectivity.sources.osm.features_from_osm_file` with
        ``{"place": [...]}``: columns ``osm_id``, ``osm_type``, ``place``,
        ``name``, ``geometry``, and optionally ``population`` (the tag).
    buildings : GeoDataFrame
        From the same function with ``{"building": True}`` (any geometry).
    persons_per_building : float
        People per building.
    radius_m, min_population : mapping of str to float, optional
        Replace :data:`BUILDING_RADIUS_M` / :data:`PLACE_MIN_POPULATION`.

    Returns
    -------
    geopandas.GeoDataFrame
        EPSG:4326 points (representative points of place areas), sorted by
        id, columns ``community_id`` (``node/<id>``, ``way/<id>``,
        ``relation/<id>``), ``name``, ``population``, ``district`` (None),
        ``population_source``, ``place``, ``n_buildings``, ``geometry``;
        ``attrs["load_report"]`` as for
        :func:`connectivity.sources.population.communities_from_points`.

    Raises
    ------
    DataError
        Missing columns, bad parameters.
    CrsError
        A layer without CRS.
    EmptyRegionError
        No place is left.

    Examples
    --------
    On the Cusco extract (tested in ``tests/test_sources_population.py``)::

        from connectivity.sources import osm
        pbf = "../shared/data/cusco/cusco.osm.pbf"
        places = osm.features_from_osm_file(pbf, {"place": ["village", "hamlet"]})
        buildings = osm.features_from_osm_file(pbf, {"building": True})
        villages = communities_from_osm_places(places, buildings)
        villages["population_source"].value_counts()  # 15 place_type_minimum:
        # rural buildings are barely mapped there
    """
    radius = dict(BUILDING_RADIUS_M if radius_m is None else radius_m)
    floor = dict(PLACE_MIN_POPULATION if min_population is None else min_population)
    if not (persons_per_building > 0 and math.isfinite(persons_per_building)):
        raise DataError(f"persons_per_building must be > 0, got {persons_per_building!r}")
    for name, layer, needed in (
        ("places", places, ["osm_id", "osm_type", "place"]),
        ("buildings", buildings, []),
    ):
        if not isinstance(layer, gpd.GeoDataFrame):
            raise DataError(f"{name}: expected a GeoDataFrame, got {type(layer).__name__}")
        if layer.crs is None:
            raise CrsError(f"{name}: the layer has no CRS")
        check_columns(list(layer.columns), needed, name, ",")
    source = "OSM places"
    report = LoadReport(source, "places")
    total = len(places)
    settlement = places["place"].isin(list(floor)).to_numpy()
    report.add(NOT_A_SETTLEMENT, int((~settlement).sum()))
    pl = places[settlement & ~(places.geometry.isna() | places.geometry.is_empty).to_numpy()]
    if pl.empty:
        raise EmptyRegionError(
            f"{source}: no place of the types {', '.join(floor)} among {total} places"
        )
    pl = pl.reset_index(drop=True)
    utm = pl.to_crs(_EPSG_WGS84).estimate_utm_crs()
    points = as_points(pl).to_crs(utm)
    n_buildings = np.zeros(len(pl), dtype=np.int64)
    has_buildings = not buildings.empty
    if has_buildings:
        b = gpd.GeoDataFrame(geometry=as_points(buildings).to_crs(utm).to_numpy(), crs=utm)
        b = b[~(b.geometry.isna() | b.geometry.is_empty).to_numpy()]
        target = gpd.GeoDataFrame({"i": np.arange(len(pl))}, geometry=points.to_numpy(), crs=utm)
        far = max((radius.get(p, 0.0) for p in pl["place"]), default=0.0)
        if far > 0 and not b.empty:
            near = gpd.sjoin_nearest(b, target, max_distance=far, distance_col="d")
            near = near[~near.index.duplicated(keep="first")]  # ties: one place per building
            r = pl["place"].map(radius).fillna(0.0).to_numpy()[near["i"].to_numpy()]
            within = near["d"].to_numpy() <= r
            n_buildings = np.bincount(near["i"].to_numpy()[within], minlength=len(pl))
    tagged = (
        pl["population"].map(_population_tag).to_numpy(dtype=float)
        if "population" in pl.columns
        else np.full(len(pl), np.nan)
    )
    estimate = n_buildings * persons_per_building
    minimum = pl["place"].map(floor).to_numpy(dtype=float)
    population = np.where(np.isnan(tagged), np.maximum(estimate, minimum), tagged)
    src = np.where(
        ~np.isnan(tagged),
        "osm_tag",
        np.where(estimate >= minimum, "estimate_from_buildings", "place_type_minimum"),
    )
    out = gpd.GeoDataFrame(
        {
            "community_id": [f"{t}/{i}" for t, i in zip(pl["osm_type"], pl["osm_id"], strict=True)],
            "name": clean_texts(pl["name"]) if "name" in pl.columns else None,
            "population": population,
            "district": None,
            "population_source": src,
            "place": pl["place"].to_numpy(),
            "n_buildings": n_buildings,
        },
        geometry=points.to_numpy(),
        crs=utm,
    )
    nobody = out["population"].to_numpy() <= 0
    report.add(NO_PEOPLE_FOUND, int(nobody.sum()))
    out = out[~nobody]
    # the same settlement mapped twice (a node and an area): keep the bigger one
    out = out.sort_values(["population", "community_id"], ascending=[False, True], kind="stable")
    dup = _same_name_nearby(out)
    report.add(SAME_NAME_NEARBY, int(dup.sum()), float(out["population"][dup].sum()))
    out = out[~dup]
    report.log(total, "places")
    if out.empty:
        raise EmptyRegionError(f"{source}: no place with people (dropped: {report.text()})")
    out = out.sort_values("community_id", kind="stable").reset_index(drop=True).to_crs(_EPSG_WGS84)
    out.attrs["load_report"] = report.records()
    counts = out["population_source"].value_counts().to_dict()
    log.info(
        "%s: %d communities, %.0f people (%s); estimates use %.1f persons per building",
        source,
        len(out),
        out["population"].sum(),
        ", ".join(f"{n} {k}" for k, n in sorted(counts.items())),
        persons_per_building,
    )
    return out
