"""New-stop proposals: greedy siting of the stops that each add the most newly covered people (or area).

:func:`propose_stops` places up to ``k`` new stops on candidate sites (given
points, points along given lines or streets, or a grid), straight-line
(:mod:`ecogis.disc_union`) or along the street network (:mod:`ecogis.network`);
:func:`ecogis.coverage.stop_coverage` calls it with ``propose=k``.

Examples
--------
>>> import geopandas as gpd, shapely
>>> area = gpd.GeoDataFrame(geometry=[shapely.box(500000, 3700000, 502000, 3701000)], crs=4547)
>>> stops = gpd.GeoDataFrame(geometry=[shapely.Point(500500, 3700500)], crs=4547)
>>> len(propose_stops(stops, area, k=1, radius_m=500))
1
"""

from __future__ import annotations

import os
from collections.abc import Callable
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from ecogis.crs import CRSLike, to_metric
from ecogis.disc_union import _buffer_coverage, _distinct, within_distance
from ecogis.errors import InputError, NotMeasurableError
from ecogis.gate import check_number
from ecogis.network import WalkGraph, reach_matrix, snap_points
from ecogis.service_area import (
    METHODS,
    _area_geometry,
    _gated,
    _metric_for,
    _network_graph,
    _points,
    _population_source,
    _radius,
)
from ecogis.transit_plan import DEFAULT_RADIUS_M

__all__ = ["propose_stops"]


# --- candidates ---------------------------------------------------------------------------------
def _grid_points(A: shapely.Geometry, spacing: float) -> np.ndarray:
    minx, miny, maxx, maxy = A.bounds
    xs = np.arange(minx + spacing / 2.0, maxx, spacing)
    ys = np.arange(miny + spacing / 2.0, maxy, spacing)
    gx, gy = np.meshgrid(xs, ys)
    gx, gy = gx.ravel(), gy.ravel()
    inside = shapely.contains_xy(A, gx, gy)
    return np.column_stack([gx[inside], gy[inside]])


def _candidate_points(candidates: Any, A: shapely.Geometry, spacing: float, crs: Any) -> tuple[np.ndarray, str]:
    if candidates is None:
        return _grid_points(A, spacing), "grid"
    if not isinstance(candidates, gpd.GeoDataFrame) or candidates.crs is None:
        raise InputError("candidates is expected to be a GeoDataFrame (points or lines) with a CRS")
    c = to_metric(candidates, crs)
    c = c[~(c.geometry.isna() | c.geometry.is_empty)]
    types = set(c.geom_type.unique())
    if types <= {"Point", "MultiPoint"}:
        xy = shapely.get_coordinates(c.geometry.values)
        return xy, "given"
    if types <= {"LineString", "MultiLineString"}:
        lines = shapely.get_parts(np.asarray(c.geometry.values, dtype=object))
        lines = lines[shapely.intersects(lines, A)]
        lengths = shapely.length(lines)
        counts = np.maximum(np.floor(lengths / spacing).astype(int), 0) + 1
        owner = np.repeat(np.arange(len(lines)), counts)
        start = np.concatenate([[0], np.cumsum(counts)[:-1]])
        k = np.arange(counts.sum()) - np.repeat(start, counts)
        dist = np.minimum((k + 0.5) * spacing, lengths[owner])
        pts = shapely.line_interpolate_point(lines[owner], dist)
        xy = shapely.get_coordinates(pts)
        xy = xy[shapely.contains_xy(A, xy[:, 0], xy[:, 1])]
        xy = np.unique(np.round(xy, 1), axis=0)
        return xy, "road"
    raise InputError(f"candidates have geometry types {sorted(types)} but are expected to be points or lines")


def _street_reach(graph: Any, r: float, access_width_m: float) -> Callable[[Any, np.ndarray], Any]:
    """``reach(snaps, pts)``: sources x demand points covered along the streets.

    A demand point is covered when a street within the access width of it is reached anywhere on that
    stretch (the catchment's rule: the reached streets buffered by the access width).
    """
    from scipy.sparse import csr_matrix


    edge_tree = shapely.STRtree(np.asarray(graph.edges.geometry.values))

    def reach(snaps: Any, pts: np.ndarray) -> Any:
        p = shapely.points(pts)
        pi, ei = edge_tree.query(p, predicate="dwithin", distance=access_width_m)
        lines = np.asarray(graph.edges.geometry.values)[ei]
        # the stretch of each nearby street within the access width of the point: reached anywhere,
        # it covers the point (the catchment is the reached streets buffered by the access width)
        pieces = shapely.intersection(lines, shapely.buffer(p[pi], access_width_m, quad_segs=16))
        xy, owner = shapely.get_coordinates(pieces, return_index=True)
        along_all = shapely.line_locate_point(lines[owner], shapely.points(xy))
        lo = np.full(len(pi), np.inf)
        hi = np.full(len(pi), -np.inf)
        np.minimum.at(lo, owner, along_all)
        np.maximum.at(hi, owner, along_all)
        fallback = ~np.isfinite(lo)  # touching only: the nearest point
        if fallback.any():
            lo[fallback] = hi[fallback] = shapely.line_locate_point(lines[fallback], p[pi][fallback])
        on = shapely.get_coordinates(shapely.line_interpolate_point(lines, (lo + hi) / 2.0))
        dst = pd.DataFrame({"edge": ei, "along_m": (lo + hi) / 2.0, "along_lo_m": lo, "along_hi_m": hi,
                            "x": on[:, 0], "y": on[:, 1]})
        m = reach_matrix(graph, snaps, dst, limit_m=r)
        to_point = csr_matrix((np.ones(len(pi)), (np.arange(len(pi)), pi)), shape=(len(pi), len(pts)))
        out = (m @ to_point).tocsr()
        out.data[:] = 1.0
        return out

    return reach


def _check_options(k: int, method: str, target_share: float, candidate_spacing_m: float | None,
                   demand_spacing_m: float | None, access_width_m: float) -> None:
    check_number("k", k, minimum=0, integer=True)
    if method not in METHODS:
        raise InputError(f"method was {method!r} but is expected to be one of {list(METHODS)}")
    check_number("target_share", target_share, minimum=0, maximum=1)
    check_number("candidate_spacing_m", candidate_spacing_m, minimum=0, exclusive_minimum=True, optional=True,
                 unit="metres")
    check_number("demand_spacing_m", demand_spacing_m, minimum=0, exclusive_minimum=True, optional=True,
                 unit="metres")
    check_number("access_width_m", access_width_m, minimum=0, exclusive_minimum=True, unit="metres")


def _exact_area_rows(rows: list[dict[str, Any]], xy_stops: np.ndarray, A: shapely.Geometry, r: float,
                     crs: Any) -> None:
    """Straight-line coverage after each addition, exactly (the greedy choice used the demand grid)."""
    near = xy_stops[within_distance(A, xy_stops, r)] if len(xy_stops) else np.zeros((0, 2))
    picked = np.array([[row["geometry"].x, row["geometry"].y] for row in rows])
    covered = [_buffer_coverage(_distinct(near), A, r, partitions=None, crs=crs, gaps=False)[0]]
    for j in range(1, len(rows) + 1):
        sites = _distinct(np.vstack([near, picked[:j]]))
        covered.append(_buffer_coverage(sites, A, r, partitions=None, crs=crs, gaps=False)[0])
    for row, before, after in zip(rows, covered[:-1], covered[1:]):
        row["added_area_m2"] = after - before
        row["area_share_after"] = after / A.area


def _area_reacher(area_M: Any, area_pts: np.ndarray, objective: str, cand_xy: np.ndarray,
                  r: float) -> Callable[[int], np.ndarray]:
    """``area_reached(c)``: area demand points candidate ``c`` covers, along the streets (``area_M``) or
    within ``r`` in a straight line; with a population objective the area each proposal adds is tracked
    on the area grid as well."""
    from scipy.spatial import cKDTree

    area_tree = cKDTree(area_pts) if area_M is None and objective != "area" and len(area_pts) else None

    def area_reached(c: int) -> np.ndarray:
        if area_M is not None:
            return area_M.indices[area_M.indptr[c]:area_M.indptr[c + 1]]
        if area_tree is not None:
            return np.asarray(area_tree.query_ball_point(cand_xy[c], r), dtype=int)
        return np.zeros(0, dtype=int)

    return area_reached


def _greedy(M: Any, state: dict[str, Any], objective: str, cand_xy: np.ndarray,
            area_reached: Callable[[int], np.ndarray], *, k: int, target_share: float,
            source: str) -> list[dict[str, Any]]:
    """The greedy loop: add the candidate covering the most uncovered demand until ``k`` or the share.

    ``M`` is the incidence candidate x uncovered demand of the objective ``state[objective]``.
    """
    obj = state[objective]
    MT = M.T.tocsr()
    w = obj["w"]
    gains = np.asarray(M @ w).ravel()
    alive = np.ones(len(obj["pts"]), dtype=bool)
    area_alive = np.ones(len(state["area"]["pts"]), dtype=bool)
    rows: list[dict[str, Any]] = []
    for rank in range(1, k + 1):
        share_now = obj["covered"] / obj["total"] if obj["total"] > 0 else 1.0
        if share_now >= target_share - 1e-12:
            break
        best = int(np.argmax(gains))
        if gains[best] <= 0:
            break
        dem = M.indices[M.indptr[best]:M.indptr[best + 1]]
        newly = dem[alive[dem]]
        alive[newly] = False
        added = float(w[newly].sum())
        obj["covered"] += added
        for j in newly:
            c = MT.indices[MT.indptr[j]:MT.indptr[j + 1]]
            gains[c] -= w[j]
        gains[best] = 0.0
        row = {"rank": rank, "source": source, "geometry": shapely.Point(cand_xy[best])}
        if objective == "population":
            row["added_population"] = added
            row["population_share_after"] = obj["covered"] / obj["total"]
        # area added by this stop (estimated on the area grid)
        if objective == "area":
            a_add = added
        else:
            idx = area_reached(best)
            idx = idx[area_alive[idx]]
            area_alive[idx] = False
            a_add = float(state["area"]["w"][idx].sum())
            state["area"]["covered"] += a_add
        row["added_area_m2"] = a_add
        st = state["area"]
        row["area_share_after"] = (obj["covered"] if objective == "area" else st["covered"]) / st["total"] \
            if st["total"] > 0 else None
        rows.append(row)
    return rows


def _demand_state(demands: dict[str, tuple[np.ndarray, np.ndarray]], xy_stops: np.ndarray, r: float,
                  stop_reach: Callable[[np.ndarray], Any] | None) -> dict[str, dict[str, Any]]:
    """Per objective: the demand points the existing stops leave uncovered, their weights, and totals.

    ``stop_reach(pts)`` is the stops x points incidence along the streets; without it, straight-line ``r``.
    """
    from scipy.spatial import cKDTree

    state = {}
    for name, (pts, w) in demands.items():
        total = float(w.sum())
        if len(xy_stops) and len(pts):
            if stop_reach is not None:
                unc = np.asarray(stop_reach(pts).sum(axis=0)).ravel() == 0
            else:
                d, _ = cKDTree(xy_stops).query(pts, distance_upper_bound=r)
                unc = ~(d <= r)
        else:
            unc = np.ones(len(pts), dtype=bool)
        state[name] = {"pts": pts[unc], "w": w[unc].copy(), "covered": total - float(w[unc].sum()),
                       "total": total}
    return state


def propose_stops(  # noqa: PLR0913 -- one keyword-only option per setting
    stops: gpd.GeoDataFrame,
    area: gpd.GeoDataFrame | gpd.GeoSeries | shapely.Geometry,
    *,
    k: int,
    candidates: gpd.GeoDataFrame | None = None,
    population: str | os.PathLike | None = None,
    radius_m: float = DEFAULT_RADIUS_M,
    target_share: float = 1.0,
    candidate_spacing_m: float | None = None,
    demand_spacing_m: float | None = None,
    metric_crs: CRSLike | None = None,
    method: str = "buffer",
    roads: Any = None,
    access_width_m: float = 50.0,
) -> gpd.GeoDataFrame:
    """Sites for up to ``k`` new stops, each adding the most newly covered people (or area).

    Greedy maximum coverage: demand is the population raster's cells in the area
    (persons times the covered fraction of each cell) or, without a raster, a
    grid of points every ``demand_spacing_m`` (area).  Demand within ``radius_m``
    of an existing stop is covered: straight-line (``method="buffer"``), or along
    the streets (``method="network"``: a demand point counts when it lies within
    ``access_width_m`` of a street point reached within ``radius_m`` of walking,
    as in :func:`stop_coverage`; candidates are then points along the streets and
    ``roads`` is required).  At each step the candidate
    covering the most uncovered demand is added, until ``k`` stops are placed,
    the share reaches ``target_share`` or no candidate adds anything.  The greedy
    choice is within a factor 1 - 1/e of the best possible set (Nemhauser et al.
    1978).

    Parameters
    ----------
    stops : GeoDataFrame
        Existing stops.
    area : GeoDataFrame, GeoSeries or polygon
        Where demand counts (a bare polygon needs ``metric_crs``).
    k : int
        Most stops to propose.
    candidates : GeoDataFrame, optional
        Candidate points, or lines (roads) sampled every ``candidate_spacing_m``;
        default: a grid over the area.
    population : path, optional
        Population GeoTIFF; the objective is people when given, area otherwise.
    radius_m : float, default 500
        Catchment radius.
    target_share : float, default 1.0
        Stop when the objective's covered share reaches this.
    candidate_spacing_m, demand_spacing_m : float, optional
        Default ``radius_m / 5`` and ``radius_m / 10``.
    metric_crs : CRS-like, optional
        Metric CRS (default: the area's Gauss-Kruger zone).
    method : {'buffer', 'network'}
        Straight-line or walking distance.
    roads : GeoDataFrame, path of a roads layer or .osm.pbf, or WalkGraph
        The streets, for ``method="network"``.
    access_width_m : float, default 50
        With ``method="network"``: how far from a reached street demand counts.

    Returns
    -------
    GeoDataFrame
        One point per proposed stop in order: ``rank``, ``source`` (road / grid /
        given), ``added_area_m2``, ``area_share_after`` (exact for the straight-line
        method; along the streets, estimates on the demand points), and with a raster
        ``added_population`` and ``population_share_after`` (estimates on the
        demand points).

    Examples
    --------
    >>> import geopandas as gpd, shapely
    >>> area = gpd.GeoDataFrame(geometry=[shapely.box(500000, 3700000, 502000, 3701000)], crs=4547)
    >>> stops = gpd.GeoDataFrame(geometry=[shapely.Point(500500, 3700500)], crs=4547)
    >>> p = propose_stops(stops, area, k=1, radius_m=500)
    >>> float(p.geometry.x.iloc[0]) > 501000
    True
    """
    from scipy.spatial import cKDTree

    _check_options(k, method, target_share, candidate_spacing_m, demand_spacing_m, access_width_m)
    r = _radius(radius_m, None)
    stops, area = _gated(stops, area, [], kind="bus_stops", what="stops")
    crs = _metric_for(area, metric_crs) if not isinstance(area, shapely.Geometry) else _metric_for(None, metric_crs)
    A = area if isinstance(area, shapely.Geometry) else _area_geometry(area, crs)
    shapely.prepare(A)
    cand_sp = float(candidate_spacing_m or r / 5.0)
    dem_sp = float(demand_spacing_m or r / 10.0)
    xy_stops, _ = _points(stops, crs, "stops") if stops is not None and len(stops) else (np.zeros((0, 2)), None)
    graph = None
    if method == "network":

        if roads is None:
            raise NotMeasurableError("layer 'roads' missing: proposals along streets need the street network")
        graph = roads if isinstance(roads, WalkGraph) else _network_graph(roads, A, r, crs)
        if candidates is None:
            candidates = gpd.GeoDataFrame(geometry=graph.edges.geometry.values, crs=graph.crs)
    cand_xy, source = _candidate_points(candidates, A, cand_sp, crs)
    raster = _population_source(population)

    area_pts = _grid_points(A, dem_sp)
    area_w = np.full(len(area_pts), A.area / max(len(area_pts), 1))
    demands = {"area": (area_pts, area_w)}
    if raster is not None:
        dp = raster.demand_points(A, crs, spacing_m=dem_sp)
        demands["population"] = (shapely.get_coordinates(dp.geometry.values), dp["population"].to_numpy(float))
    objective = "population" if raster is not None else "area"

    if graph is not None:

        cand_snap = snap_points(graph, cand_xy)
        stop_snap = snap_points(graph, xy_stops)
        reach = _street_reach(graph, r, access_width_m)

    stop_reach = (lambda pts: reach(stop_snap, pts)) if graph is not None else None
    state = _demand_state(demands, xy_stops, r, stop_reach)

    cols = ["rank", "source", "added_area_m2", "area_share_after"]
    if raster is not None:
        cols += ["added_population", "population_share_after"]
    empty = gpd.GeoDataFrame({c: [] for c in cols}, geometry=gpd.GeoSeries([], crs=crs), crs=crs)
    if k == 0 or len(cand_xy) == 0:
        return empty
    # incidence candidate x uncovered demand (objective) within r
    obj = state[objective]
    if len(obj["pts"]) == 0:
        return empty
    if graph is not None:
        M = reach(cand_snap, obj["pts"])
        area_M = reach(cand_snap, state["area"]["pts"]) if objective != "area" else None
    else:
        M = cKDTree(cand_xy).sparse_distance_matrix(cKDTree(obj["pts"]), r, output_type="coo_matrix").tocsr()
        M.data[:] = 1.0
        area_M = None
    area_reached = _area_reacher(area_M, state["area"]["pts"], objective, cand_xy, r)
    rows = _greedy(M, state, objective, cand_xy, area_reached, k=k, target_share=target_share, source=source)
    if not rows:
        return empty
    if graph is None and A.area > 0:
        _exact_area_rows(rows, xy_stops, A, r, crs)
    out = gpd.GeoDataFrame(rows, geometry="geometry", crs=crs)
    return out[[*cols, "geometry"]]
