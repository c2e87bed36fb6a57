"""Networks and works for the ranking tests, and comparisons with the reference.

Works are made by hand from a network: upgrades of trocha segments (twice as
fast), chains of upgrades around a node, bridges over fords that are impassable
in the wet season, and new links between nearby nodes (:func:`hand_made_works`);
upgrades of the routes communities use (:func:`route_works`). A five-node
network (:func:`line_network`, :func:`line_works`) is small enough to work out
the measures by hand.
"""

from __future__ import annotations

import math

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from scipy.spatial import cKDTree
from shapely.geometry import LineString, Point

from connectivity import ranking, routing
from connectivity.network import RoadNetwork
from connectivity.ranking.optimise import _joint_workset  # noqa: F401 (re-exported for the tests)
from connectivity.works import WEIGHTS, WorkSet

CRS = "EPSG:32718"
X0, Y0 = 500_000.0, 8_500_000.0
CAP = ranking.UNREACHABLE_CAP_MIN


# -- inputs -------------------------------------------------------------------------


#: Part of the Cusco extract: the rural villages north of the city and its northern half.
CUSCO_AREA = shapely.box(-71.99, -13.53, -71.834, -13.451)


def route_works(network: RoadNetwork, *, chunk: int = 3, factor: float = 0.6) -> WorkSet:
    """Upgrades of the roads communities use: each run of ``chunk`` edges of a community's
    route to its nearest market or school (dry season) made faster, both directions."""
    graph = routing.routing_graph_from_gdfs(network.nodes, network.edges, weights="travel_time_s")
    edges = network.edges
    runs: dict[tuple[tuple[int, int, int], ...], None] = {}
    for kind in network.kinds:
        layer = network.facilities[kind]
        fac = dict(zip(layer["facility_id"], layer["node_id"], strict=True))
        routes = routing.routes_to_nearest_facility(
            graph, network.communities["node_id"].to_numpy(), fac, weight="travel_time_s"
        )
        for path in routes["edges"]:
            for i in range(0, len(path), chunk):
                runs.setdefault(tuple(sorted(path[i : i + chunk])), None)
    works, changes = [], []
    for n, run in enumerate(runs):
        wid = f"RTE{n:04d}"
        done: set[tuple[int, int, int]] = set()
        for u, v, k in run:
            for idx in ((u, v, k), (v, u, k)):
                if idx not in edges.index or idx in done:
                    continue
                done.add(idx)
                w = {c: float(edges.loc[idx, c]) for c in WEIGHTS}
                w["travel_time_s"] *= factor
                w["travel_time_wet_s"] *= factor
                changes.append(
                    {
                        "work_id": wid,
                        "action": "replace",
                        "u": idx[0],
                        "v": idx[1],
                        "key": idx[2],
                        **w,
                        "length_m": float(edges.loc[idx, "length_m"]),
                        "road_class": "asfaltado",
                        "geometry": None,
                    }
                )
        length = float(sum(edges.loc[e, "length_m"] for e in run))
        works.append(
            {
                "work_id": wid,
                "work_type": "upgrade",
                "origin": "generated",
                "name": wid,
                "description": "route upgrade",
                "length_m": length,
                "span_m": 0.0,
                "cost": 300 * length,
                "cofinancing_share": 0.0,
                "cost_net": 300 * length,
                "geometry": shapely.MultiLineString([edges.loc[e, "geometry"] for e in run]),
            }
        )
    table = gpd.GeoDataFrame(pd.DataFrame(works).set_index("work_id"), crs=edges.crs)
    return WorkSet(works=table, changes=pd.DataFrame(changes))


def _pairs(index: pd.Index) -> dict[tuple[int, int], list[tuple[int, int, int]]]:
    """Directed edges grouped by their unordered end nodes (a road's two directions)."""
    groups: dict[tuple[int, int], list[tuple[int, int, int]]] = {}
    for idx in index:
        groups.setdefault((min(idx[0], idx[1]), max(idx[0], idx[1])), []).append(idx)
    return dict(sorted(groups.items()))


def hand_made_works(network: RoadNetwork, *, n_links: int = 10, seed: int = 0) -> WorkSet:
    """Works made by hand from a network (see the module docstring)."""
    edges = network.edges
    works: list[dict[str, object]] = []
    changes: list[dict[str, object]] = []

    def add(wid, wtype, geom, length, cost, share, rows):
        works.append(
            {
                "work_id": wid,
                "work_type": wtype,
                "origin": "generated",
                "name": f"{wtype} {wid}",
                "description": f"hand-made {wtype}",
                "length_m": length,
                "span_m": 0.0,
                "cost": cost,
                "cofinancing_share": share,
                "cost_net": cost * (1 - share),
                "geometry": geom,
            }
        )
        changes.extend({"work_id": wid, **r} for r in rows)

    def faster(idx, factor, wet=None):
        row = edges.loc[idx]
        w = {c: float(row[c]) for c in WEIGHTS}
        w["travel_time_s"] *= factor
        w["travel_time_wet_s"] = w["travel_time_wet_s"] * factor if wet is None else wet
        return {
            "action": "replace",
            "u": idx[0],
            "v": idx[1],
            "key": idx[2],
            **w,
            "length_m": float(row["length_m"]),
            "road_class": "afirmado",
            "geometry": None,
        }

    trocha = edges[edges["road_class"] == "trocha"]
    for n, idxs in enumerate(_pairs(trocha.index).values()):
        length = float(edges.loc[idxs[0], "length_m"])
        geom = edges.loc[idxs[0], "geometry"]
        add(
            f"UPG{n:04d}",
            "upgrade",
            geom,
            length,
            150 * length,
            0.2 * (n % 7 == 0),
            [faster(i, 0.5) for i in idxs],
        )
    tails = pd.Series([i[0] for i in trocha.index]).value_counts()
    for n, node in enumerate(sorted(tails[tails >= 2].index)[:15]):
        idxs = [i for i in trocha.index if node in (i[0], i[1])]
        length = float(edges.loc[idxs, "length_m"].sum()) / 2
        geom = shapely.MultiLineString([edges.loc[i, "geometry"] for i in idxs])
        add(
            f"CHN{n:04d}",
            "upgrade",
            geom,
            length,
            140 * length,
            0.0,
            [faster(i, 0.4) for i in idxs],
        )
    ford = edges["ford"] == "yes" if "ford" in edges.columns else False
    fords = edges[ford & ~np.isfinite(edges["travel_time_wet_s"])]
    for n, idxs in enumerate(_pairs(fords.index).values()):
        span = float(edges.loc[idxs[0], "length_m"])
        rows = [faster(i, 1.0, wet=1.3 * float(edges.loc[i, "travel_time_s"])) for i in idxs]
        add(
            f"BRG{n:04d}",
            "bridge",
            edges.loc[idxs[0], "geometry"].centroid,
            0.0,
            40_000 + 2000 * span,
            0.0,
            rows,
        )
    road = network.nodes[network.nodes["kind"].isin(["road", "split"])]
    xy = road[["x", "y"]].to_numpy()
    linked = set(zip(*(edges.index.get_level_values(i) for i in (0, 1)), strict=True))
    pairs = [
        (a, b)
        for a, b in sorted(cKDTree(xy).query_pairs(800.0))
        if (road.index[a], road.index[b]) not in linked and np.hypot(*(xy[a] - xy[b])) > 200
    ]
    rng = np.random.default_rng(seed)
    chosen = sorted(rng.choice(len(pairs), size=min(n_links, len(pairs)), replace=False))
    for n, k in enumerate(chosen):
        a, b = pairs[k]
        dist = float(np.hypot(*(xy[a] - xy[b])))
        line = LineString([xy[a], xy[b]])
        t = dist / (20 / 3.6)
        rows = [
            {
                "action": "add",
                "u": p,
                "v": q,
                "key": 0,
                "travel_time_s": t,
                "travel_time_wet_s": t * 1.5 if n % 3 else math.inf,
                "walk_time_s": dist / 1.25,
                "walk_time_wet_s": dist / 1.1,
                "length_m": dist,
                "road_class": "afirmado",
                "geometry": g,
            }
            for p, q, g in (
                (road.index[a], road.index[b], line),
                (road.index[b], road.index[a], line.reverse()),
            )
        ]
        add(f"NEW{n:04d}", "new_link", line, dist, 200 * dist, 0.5 * (n == 0), rows)
    table = gpd.GeoDataFrame(pd.DataFrame(works).set_index("work_id"), crs=edges.crs)
    return WorkSet(works=table, changes=pd.DataFrame(changes))


# -- a network small enough to work out by hand -------------------------------------


def line_network() -> RoadNetwork:
    """Five nodes: community A (100 people) at 1, B (50) at 2, school at 3, market at 4,
    and a remote community C (10 people, poverty 1.0) at 5.

    Both directions, seconds (dry / wet): 1-2 600/1200, 2-3 600/inf (a ford),
    3-4 1200/1200, 4-5 40000/40000.
    """
    pos = {1: (0, 0), 2: (1000, 0), 3: (2000, 0), 4: (3000, 0), 5: (9000, 0)}
    nodes = gpd.GeoDataFrame(
        {"x": [X0 + p[0] for p in pos.values()], "y": [Y0 + p[1] for p in pos.values()]},
        index=pd.Index(list(pos), name="node_id"),
        geometry=[Point(X0 + x, Y0 + y) for x, y in pos.values()],
        crs=CRS,
    )
    nodes["kind"] = "road"
    rows = []
    for a, b, dry, wet in [
        (1, 2, 600, 1200),
        (2, 3, 600, math.inf),
        (3, 4, 1200, 1200),
        (4, 5, 40_000, 40_000),
    ]:
        for u, v in ((a, b), (b, a)):
            line = LineString([nodes.loc[u, "geometry"], nodes.loc[v, "geometry"]])
            rows.append(
                {
                    "u": u,
                    "v": v,
                    "key": 0,
                    "travel_time_s": float(dry),
                    "travel_time_wet_s": float(wet),
                    "walk_time_s": 3.0 * dry,
                    "walk_time_wet_s": 3.0 * dry,
                    "length_m": line.length,
                    "road_class": "trocha",
                    "geometry": line,
                }
            )
    edges = gpd.GeoDataFrame(pd.DataFrame(rows).set_index(["u", "v", "key"]), crs=CRS)

    def places(ids, at, **cols):
        return gpd.GeoDataFrame(
            {**ids, "node_id": at, **cols},
            geometry=[nodes.loc[n, "geometry"] for n in at],
            crs=CRS,
        )

    return RoadNetwork(
        nodes=nodes,
        edges=edges,
        communities=places(
            {"community_id": ["A", "B", "C"]},
            [1, 2, 5],
            name=["Alta", "Baja", "Cima"],
            district=["D1", "D1", "D2"],
            population=[100.0, 50.0, 10.0],
            poverty=[0.5, 0.0, 1.0],
        ),
        facilities={
            "market": places({"facility_id": ["M"]}, [4]),
            "school": places({"facility_id": ["S"]}, [3]),
        },
        pieces=pd.DataFrame(),
    )


def line_works(network: RoadNetwork) -> WorkSet:
    """BRIDGE over the 2-3 ford (wet 900 s), UPG of 4-5 (both times halved), NEW link 1 -> 3
    (one way, 300 s in both seasons)."""
    e = network.edges

    def rep(u, v, dry, wet):
        w = {c: float(e.loc[(u, v, 0), c]) for c in WEIGHTS}
        w.update(travel_time_s=dry, travel_time_wet_s=wet)
        return {
            "action": "replace",
            "u": u,
            "v": v,
            "key": 0,
            **w,
            "length_m": 1000.0,
            "road_class": "afirmado",
            "geometry": None,
        }

    changes = [
        {"work_id": "BRIDGE", **rep(2, 3, 600.0, 900.0)},
        {"work_id": "BRIDGE", **rep(3, 2, 600.0, 900.0)},
        {"work_id": "UPG", **rep(4, 5, 20_000.0, 20_000.0)},
        {"work_id": "UPG", **rep(5, 4, 20_000.0, 20_000.0)},
        {
            "work_id": "NEW",
            "action": "add",
            "u": 1,
            "v": 3,
            "key": 0,
            "travel_time_s": 300.0,
            "travel_time_wet_s": 300.0,
            "walk_time_s": 900.0,
            "walk_time_wet_s": 900.0,
            "length_m": 2000.0,
            "road_class": "afirmado",
            "geometry": LineString([(X0, Y0), (X0 + 2000, Y0)]),
        },
    ]
    works = gpd.GeoDataFrame(
        {
            "work_type": ["bridge", "upgrade", "new_link"],
            "origin": "generated",
            "name": ["Puente", "Afirmado", "Trocha nueva"],
            "description": ["", "", ""],
            "length_m": [0.0, 6000.0, 2000.0],
            "span_m": [20.0, 0.0, 0.0],
            "cost": [100_000.0, 20_000.0, 5_000.0],
            "cofinancing_share": [0.5, 0.0, 0.0],
            "cost_net": [50_000.0, 20_000.0, 5_000.0],
        },
        index=pd.Index(["BRIDGE", "UPG", "NEW"], name="work_id"),
        geometry=[
            Point(X0 + 1500, Y0),
            LineString([(X0 + 3000, Y0), (X0 + 9000, Y0)]),
            LineString([(X0, Y0), (X0 + 2000, Y0)]),
        ],
        crs=CRS,
    )
    return WorkSet(works=works, changes=pd.DataFrame(changes))


# -- comparing with the reference ---------------------------------------------------


def assert_tables_equal(fast: pd.DataFrame, ref: pd.DataFrame) -> None:
    assert list(fast.columns) == list(ref.columns)
    assert fast.index.equals(ref.index)
    for col in fast.columns:
        a, b = fast[col], ref[col]
        if pd.api.types.is_numeric_dtype(a):
            np.testing.assert_allclose(
                a.to_numpy(float), b.to_numpy(float), rtol=1e-9, atol=1e-9, err_msg=col
            )
        else:
            assert a.equals(b), col


def assert_gains_equal(fast: pd.DataFrame, ref: pd.DataFrame) -> None:
    assert list(fast.columns) == list(ref.columns)
    assert len(fast) == len(ref)
    assert (
        fast[["work_id", "community_id"]].to_numpy() == ref[["work_id", "community_id"]].to_numpy()
    ).all()
    for col in fast.columns:
        if col.endswith(("_before", "_after")):
            a, b = fast[col].to_numpy(float), ref[col].to_numpy(float)
            assert np.array_equal(np.isinf(a), np.isinf(b)), col
            ok = np.isfinite(a)
            assert np.abs(a[ok] - b[ok]).max(initial=0) * 60 <= 1e-6, col  # 1e-6 s
    np.testing.assert_allclose(fast["person_min_saved"], ref["person_min_saved"], rtol=1e-9)


#: The year as two halves, dry and in flood (the model before passability states): the
#: hand computations of the line network use it.
HALF_YEAR = {"dry_days": 182.5, "rain_days": 0.0, "wet_days": 182.5}
