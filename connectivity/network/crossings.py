"""Rivers crossed without a bridge or ford tag: cut in the wet season; how wide each river is.

OpenStreetMap often draws a path straight over a river without saying how it
is crossed; :func:`mark_unbridged_crossings` flags such edges so that
:func:`connectivity.network.speeds.add_travel_times` treats them like fords.
It also gives every edge that crosses a waterway the width of the widest one
it crosses (``river_width_m``, from the waterway's OSM ``width`` tag; NaN when
no width is known): fords of wide rivers stay shut through the rains, not
only in floods (:attr:`connectivity.network.SpeedTables.rain_shuts_width_m`).
"""

from __future__ import annotations

import logging

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from connectivity.errors import CrsError
from connectivity.network.speeds import _tag

__all__ = ["CUTTING_WATERWAYS", "mark_unbridged_crossings"]

log = logging.getLogger(__name__)


#: ``waterway`` values whose unbridged crossings cut a road or path in the wet season.
CUTTING_WATERWAYS: tuple[str, ...] = ("river",)
#: ``bridge`` tag values that mean "no bridge".
_NO_BRIDGE = {"", "no", "none", "nan"}


def mark_unbridged_crossings(
    edges: gpd.GeoDataFrame,
    waterways: gpd.GeoDataFrame | None,
    *,
    cutting: tuple[str, ...] = CUTTING_WATERWAYS,
) -> gpd.GeoDataFrame:
    """Flag edges that cross a river with neither a bridge nor a ford tag.

    OpenStreetMap often draws a path straight over a river without saying how
    it is crossed. Such a crossing is treated like a ford: passable in the dry
    season, cut in the wet season (see :func:`add_travel_times`), and a place
    where a bridge can be built (``connectivity.works.bridges``).

    Parameters
    ----------
    edges : geopandas.GeoDataFrame
        Projected edges with OSM tags.
    waterways : geopandas.GeoDataFrame or None
        Lines with a ``waterway`` column and optionally ``tunnel`` (a stream in
        a culvert is not crossed), any CRS. ``None`` flags nothing.
    cutting : tuple of str
        ``waterway`` values whose crossings count (default: rivers only;
        streams are stepped over).

    Returns
    -------
    geopandas.GeoDataFrame
        A copy with a boolean column ``unbridged_crossing`` and ``river_width_m``
        (the widest waterway the edge crosses, m, as tagged; NaN if unknown).
    """
    out = edges.copy()
    flag = np.zeros(len(out), dtype=bool)
    out["river_width_m"] = np.nan
    if waterways is not None and not waterways.empty:
        if waterways.crs is None:
            raise CrsError("waterways layer has no CRS")
        water = waterways.to_crs(out.crs)
        # the tree holds the many short edges; each river, prepared once, queries it
        tree = shapely.STRtree(out.geometry.to_numpy())
        out["river_width_m"] = _crossed_width(tree, len(out), water)
        keep = water["waterway"].astype(str).isin(cutting).to_numpy().copy()
        if "tunnel" in water.columns:
            keep &= ~water["tunnel"].astype(str).isin(["yes", "culvert"]).to_numpy()
        water = water[keep]
        if not water.empty:
            bridged = ~_tag(out, "bridge").fillna("").astype(str).str.lower().isin(_NO_BRIDGE)
            forded = _tag(out, "ford").isin(["yes", "stepping_stones"])
            tunnel = _tag(out, "tunnel").fillna("").astype(str).isin(["yes", "culvert"])
            connector = (
                out["road_class"].astype(str).eq("connector")
                if ("road_class" in out.columns)
                else pd.Series(False, index=out.index)
            )
            candidates = ~(bridged | forded | tunnel | connector).to_numpy()
            _, edge_idx = tree.query(water.geometry.to_numpy(), predicate="intersects")
            hit = np.zeros(len(out), dtype=bool)
            hit[edge_idx] = True
            flag = hit & candidates
    out["unbridged_crossing"] = flag
    _log_widths(out)
    if flag.any():
        log.info(
            "%d edges cross a river without bridge or ford tag (cut in the wet season)",
            int(flag.sum()),
        )
    return out


def _crossed_width(tree: shapely.STRtree, n_edges: int, water: gpd.GeoDataFrame) -> np.ndarray:
    """Width (m) of the widest waterway each edge crosses, NaN where none or none known.

    Parameters
    ----------
    tree : shapely.STRtree
        Tree of the edges' geometries.
    n_edges : int
        Number of edges (of geometries in ``tree``).
    water : geopandas.GeoDataFrame
        Waterways in the edges' CRS, with ``width`` (m) where tagged.

    Returns
    -------
    numpy.ndarray
        One width per edge.
    """
    widths = np.full(n_edges, np.nan)
    if "width" not in water.columns:
        return widths
    known = pd.to_numeric(water["width"], errors="coerce").to_numpy(dtype=float)
    usable = np.isfinite(known) & (known > 0)
    if "tunnel" in water.columns:
        usable &= ~water["tunnel"].astype(str).isin(["yes", "culvert"]).to_numpy()
    if not usable.any():
        return widths
    lines = water[usable]
    water_idx, edge_idx = tree.query(lines.geometry.to_numpy(), predicate="intersects")
    if len(edge_idx):
        np.fmax.at(widths, edge_idx, known[usable][water_idx])
    return widths


def _log_widths(edges: gpd.GeoDataFrame) -> None:
    ford = _tag(edges, "ford").isin(["yes", "stepping_stones"]).to_numpy()
    crossing = ford | edges["unbridged_crossing"].to_numpy(dtype=bool)
    if crossing.any():
        known = int(np.isfinite(edges["river_width_m"].to_numpy()[crossing]).sum())
        log.info(
            "%d of %d fords and unbridged crossings have a river width (OSM width tag); "
            "the others count as narrow rivers, shut only in floods",
            known,
            int(crossing.sum()),
        )
