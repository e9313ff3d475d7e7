"""Transit audit: 500 m stop coverage by area and population, gaps, new-stop proposals, bus indicators.

Luohe's 漯政办〔2023〕22号 (urban public-transport priority plan) promises for 2025
that 中心城区公共交通站点500米覆盖率 reaches 100 % (二、(二)2 "500米上车、5分钟换乘"),
with at least 30 km of new bus lanes, harbour-style stops at 32 % or more,
accessible platforms at 20 % or more and bus priority at 20 % or more of arterial
intersections (二、(二)3).  UN-Habitat's SDG 11.2.1 measures the share of people
within 500 m walking distance of a stop.  This module measures both ways:

* :func:`stop_coverage` with ``method="buffer"``: the area within ``radius_m``
  straight-line distance of the nearest stop.  The area is **exact** (no polygon
  approximation of the circles): the stops' Voronoi diagram splits the union of
  discs into disjoint pieces (disc *i* clipped to the cell of stop *i*), and the
  area of each piece is summed in closed form over the Voronoi edges
  (:mod:`ecogis.discs`).  The gaps are walked along the edges of the cells that
  reach beyond their disc.  :func:`covered_area` gives the figures alone.
* ``method="network"``: the street length within ``radius_m`` walking distance
  (:mod:`ecogis.network`) buffered by ``access_width_m``; the ratio to the
  straight-line coverage is reported.
* with a population raster (:mod:`ecogis.population`): persons covered, weighted
  by the covered fraction of every cell.
* :func:`propose_stops`: greedy siting of new stops that each add the most newly
  covered population (or area).
* :func:`bus_indicators`: bus-lane km and the shares of harbour-style stops,
  accessible platforms and priority intersections, from layer attributes only.

Stops outside the area count: they serve residents inside it (no clipping).

Examples
--------
>>> import geopandas as gpd, shapely
>>> area = gpd.GeoDataFrame(geometry=[shapely.box(500000, 3700000, 510000, 3710000)], crs=4547)
>>> stops = gpd.GeoDataFrame(geometry=[shapely.Point(505000, 3705000)], crs=4547)
>>> r = stop_coverage(stops, area, radius_m=500)
>>> round(r.metrics["covered_area_m2"], 3) == round(3.141592653589793 * 500 ** 2, 3)
True
"""

from __future__ import annotations

import logging
import math
import os
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from ecogis.crs import CRSLike, crs_label, parse_crs, to_metric
from ecogis.crs import metric_crs as _metric_crs
from ecogis.discs import (
    VoronoiCells,
    area_segments,
    convex_cells_in_area,
    disc_polygon_area,
    dissolve_rings,
    equal_area_radius,
    place_holes,
    touching_groups,
)
from ecogis.errors import InputError, NotMeasurableError
from ecogis.gate import check_layer, check_number
from ecogis.result import CheckResult, violations_frame

__all__ = [
    "BUS_LANE_RULE",
    "COVERAGE_RULE",
    "DEFAULT_ARC_STEP_DEG",
    "DEFAULT_MIN_GAP_M2",
    "DEFAULT_RADIUS_M",
    "FACILITY_RULE",
    "METHODS",
    "TARGETS_2025",
    "bus_indicators",
    "covered_area",
    "disc_polygon_area",
    "propose_stops",
    "stop_coverage",
    "within_distance",
]

log = logging.getLogger(__name__)

#: the plan's stop-coverage target
COVERAGE_RULE = ("漯政办〔2023〕22号《漯河市深入贯彻城市公共交通优先发展战略 推动城市公共交通高质量发展实施方案》"
                 "二、(二)2: 到2025年，中心城区公共交通站点500米覆盖率达到100%，实现主城区500米上车、5分钟换乘")
#: the plan's facility targets (harbour stops, bus lanes, priority intersections, accessible platforms)
FACILITY_RULE = ("漯政办〔2023〕22号 二、(二)3: 公共汽电车港湾式停靠站设置率达到32%以上。新增30公里以上公交专用道，"
                 "城市主干道公交优先通行交叉口设置比例达到20%以上。无障碍城市公共汽电车站台设置率达到20%以上")
BUS_LANE_RULE = "漯政办〔2023〕22号 二、(二)3: 新增30公里以上公交专用道 (task 三、(三)1 加快公交专用道建设)"
#: 2025 targets of 漯政办〔2023〕22号 (shares 0-1, km)
TARGETS_2025 = {
    "area_share": 1.0,
    "new_bus_lane_km": 30.0,
    "harbour_stop_share": 0.32,
    "accessible_platform_share": 0.20,
    "priority_intersection_share": 0.20,
}
DEFAULT_RADIUS_M = 500.0
#: gap polygons smaller than this are slivers and are not reported (they still count in the shares)
DEFAULT_MIN_GAP_M2 = 2500.0
METHODS = ("buffer", "network")
#: largest angle between two vertices of a circle in the gap polygons (360 / 256)
DEFAULT_ARC_STEP_DEG = 360.0 / 256
#: segments per quarter circle of the disc polygons used for gap geometry (area is exact anyway)
_QUAD_SEGS = 64
_POLY = 3  # shapely type id of Polygon
_POINT, _MULTIPOINT = 0, 4  # shapely type ids
#: segments per quarter circle of the area buffers that sort stops by their distance to the area
_OFFSET_QUAD_SEGS = 16


# --- inputs ------------------------------------------------------------------------------------
def _named(what: str, gdf: Any) -> str:
    """``"area (city.shp)"``: a layer named with the file it came from, when known."""
    source = getattr(gdf, "attrs", {}).get("source") if gdf is not None else None
    return f"{what} ({source})" if source else what


def _area_geometry(area: Any, crs: Any, warnings: list[str] | None = None) -> shapely.Geometry:
    """One valid polygonal geometry in the metric CRS; invalid polygons are repaired and said so."""
    if isinstance(area, (gpd.GeoDataFrame, gpd.GeoSeries)):
        if area.crs is None:
            raise InputError(f"{_named('area', area)} has no CRS; set one (e.g. area.set_crs('EPSG:4490')) first")
        g = area.to_crs(crs) if not area.crs.equals(crs) else area
        geoms = np.asarray(g.geometry.values if isinstance(g, gpd.GeoDataFrame) else g.values, dtype=object)
    elif isinstance(area, shapely.Geometry):
        geoms = np.array([area], dtype=object)
    else:
        raise InputError(f"area was {type(area).__name__} but is expected to be a GeoDataFrame of polygons")
    geoms = geoms[~(shapely.is_missing(geoms) | shapely.is_empty(geoms))]
    if geoms.size == 0:
        raise InputError(f"{_named('area', area)} is empty; expected at least one polygon (e.g. the 中心城区 of "
                         f"study_area)")
    bad = ~shapely.is_valid(geoms)
    if bad.any():
        reasons = sorted(set(shapely.is_valid_reason(geoms[bad])))
        geoms = geoms.copy()
        geoms[bad] = shapely.make_valid(geoms[bad])
        msg = (f"{_named('area', area)}: {int(bad.sum())} invalid polygon(s) repaired with make_valid before "
               f"measuring ({'; '.join(reasons[:3])}, coordinates in {crs_label(crs)}); check the result, or fix "
               f"them with ecogis validate --fix")
        log.info(msg)
        if warnings is not None:
            warnings.append(msg)
    parts = shapely.get_parts(geoms)
    parts = parts[shapely.get_type_id(parts) == _POLY]
    if parts.size == 0:
        types = sorted(set(shapely.get_type_id(shapely.get_parts(geoms)).tolist()))
        names = [shapely.GeometryType(t).name.title().replace("string", "String") for t in types]
        raise InputError(f"{_named('area', area)} holds no polygons (it has {', '.join(names)}); expected the "
                         f"polygon of the area to audit")
    return shapely.union_all(parts)


def _metric_for(area: Any, metric_crs: CRSLike | None) -> Any:
    if metric_crs is not None:
        from ecogis.crs import check_metric_crs

        return check_metric_crs(metric_crs, area if isinstance(area, (gpd.GeoDataFrame, gpd.GeoSeries)) else None)
    if isinstance(area, (gpd.GeoDataFrame, gpd.GeoSeries)):
        if area.crs is None:
            raise InputError("area has no CRS; set one (e.g. area.set_crs('EPSG:4490')) first")
        return _metric_crs(area)
    raise InputError("metric_crs is needed when area is a bare shapely geometry")


def _stop_points(stops: gpd.GeoDataFrame, crs: Any) -> tuple[np.ndarray, gpd.GeoDataFrame]:
    if not isinstance(stops, gpd.GeoDataFrame):
        raise InputError(f"stops was {type(stops).__name__} but is expected to be a GeoDataFrame of points")
    if stops.crs is None:
        raise InputError(f"{_named('stops', stops)} have no CRS; set one (e.g. stops.set_crs('EPSG:4490')) first")
    s = to_metric(stops, crs)
    geoms = np.asarray(s.geometry.values, dtype=object)
    present = ~(shapely.is_missing(geoms) | shapely.is_empty(geoms))
    if not present.all():
        s, geoms = s[present], geoms[present]
    types = shapely.get_type_id(geoms)
    if not np.isin(types, (_POINT, _MULTIPOINT)).all():
        found = sorted(set(s.geom_type.unique()))
        raise InputError(f"{_named('stops', stops)} have geometry types {found} but are expected to be points")
    if (types == _MULTIPOINT).any():
        s = s.explode(index_parts=False)
        geoms = np.asarray(s.geometry.values, dtype=object)
    return shapely.get_coordinates(geoms), s


def _raster_path(population: Any) -> Any:
    if population is None:
        return None
    from ecogis.population_polygons import as_polygon_population

    polygons = as_polygon_population(population)  # polygons with counts (a grid, 街道 / 社区, a joined table)
    if polygons is not None:
        return polygons
    if isinstance(population, (str, os.PathLike)):
        return Path(population)
    raise InputError(f"population was {type(population).__name__} but is expected to be the path of a GeoTIFF")


# --- buffer method ----------------------------------------------------------------------------
def _voronoi_cells(xy: np.ndarray, extent: shapely.Geometry) -> np.ndarray:
    """Voronoi cell of each (unique) point, in input order, clipped to ``extent`` (GEOS).

    Used where the Delaunay triangulation cannot be built: fewer than three stops, or all on one line.
    """
    if len(xy) == 1:
        return np.array([extent], dtype=object)
    cells = shapely.get_parts(shapely.voronoi_polygons(shapely.multipoints(xy), extend_to=extent, ordered=True))
    if len(cells) == len(xy) and shapely.contains_xy(cells, xy[:, 0], xy[:, 1]).all():
        return cells
    # fall back to matching cells to points spatially
    tree = shapely.STRtree(cells)
    pi, ci = tree.query(shapely.points(xy), predicate="within")
    out = np.empty(len(xy), dtype=object)
    out[pi] = cells[ci]
    return out


def _offset_tolerance(distance_m: float) -> float:
    """Largest gap between a GEOS buffer at ``_OFFSET_QUAD_SEGS`` and the true offset curve, plus 1 m."""
    return abs(distance_m) * (1.0 - math.cos(math.pi / (4 * _OFFSET_QUAD_SEGS))) + 1.0


def within_distance(area: shapely.Geometry, xy: np.ndarray, distance_m: float) -> np.ndarray:
    """Exactly which points lie within ``distance_m`` of ``area`` (``shapely.dwithin``, but faster).

    Points inside a slightly smaller buffer of the area are within for sure, points
    outside a slightly larger one are not; only the band between the two goes to
    ``dwithin``.

    Examples
    --------
    >>> import numpy as np, shapely
    >>> within_distance(shapely.box(0, 0, 10, 10), np.array([[5.0, 5.0], [14.0, 14.0], [12.0, 5.0]]), 3.0).tolist()
    [True, False, True]
    """
    xy = np.asarray(xy, dtype=float).reshape(-1, 2)
    if len(xy) == 0:
        return np.zeros(0, dtype=bool)
    tol = _offset_tolerance(distance_m)
    outer = area.buffer(distance_m + tol, quad_segs=_OFFSET_QUAD_SEGS)
    shapely.prepare(outer)
    out = shapely.contains_xy(outer, xy[:, 0], xy[:, 1])
    candidates = np.flatnonzero(out)
    sure = np.zeros(len(xy), dtype=bool)
    if distance_m > tol and candidates.size:
        inner = area.buffer(distance_m - tol, quad_segs=_OFFSET_QUAD_SEGS)
        shapely.prepare(inner)
        sure[candidates] = shapely.contains_xy(inner, xy[candidates, 0], xy[candidates, 1])
    band = np.flatnonzero(out & ~sure)
    if band.size:
        out[band] = shapely.dwithin(area, shapely.points(xy[band]), distance_m)
    return out


def _distinct(xy: np.ndarray) -> np.ndarray:
    """The distinct points of ``xy``, sorted by x then y (``np.unique(xy, axis=0)``, faster)."""
    xy = np.ascontiguousarray(xy, dtype=float).reshape(-1, 2)
    if len(xy) < 2:
        return xy.copy()
    s = xy[np.argsort(xy.view(np.complex128).ravel())]  # complex numbers sort by real, then imaginary part
    new = np.ones(len(s), dtype=bool)
    new[1:] = (s[1:] != s[:-1]).any(axis=1)
    return s[new]


class _Cells:
    """The stops' Voronoi cells: exact disc ∩ cell areas, farthest vertices, polygons and gap pieces on demand."""

    def __init__(self, xy: np.ndarray, area: shapely.Geometry, radius_m: float) -> None:
        r = radius_m
        self.xy = xy
        self.radius_m = r
        self.extent = area.bounds  # the gaps must cover the area wherever it is uncovered
        self.voronoi: VoronoiCells | None = None
        cells = None
        if VoronoiCells.possible(xy):
            from scipy.spatial import QhullError

            try:
                cells = VoronoiCells(xy)
            except QhullError as exc:  # (nearly) flat input Qhull cannot triangulate: GEOS builds the cells
                log.debug("Delaunay triangulation of %d stops failed (%s); using GEOS's Voronoi diagram", len(xy),
                          str(exc).splitlines()[0] if str(exc) else "QhullError")
        if cells is not None:
            self.voronoi = cells
            self.disc_areas = cells.disc_areas(r)
            self.farthest = cells.farthest
            self._polygons = lambda idx: cells.polygons(idx, radius_m=r, extent=area.bounds)
        else:  # one or two stops, or all on one line: GEOS builds the cells, clipped to a box around everything
            minx, miny, maxx, maxy = area.bounds
            pad = r * 2.0 + 1.0
            extent = shapely.box(min(minx, xy[:, 0].min()) - pad, min(miny, xy[:, 1].min()) - pad,
                                 max(maxx, xy[:, 0].max()) + pad, max(maxy, xy[:, 1].max()) + pad)
            polys = _voronoi_cells(xy, extent)
            self.disc_areas = disc_polygon_area(polys, xy, r)
            coords, cidx = shapely.get_coordinates(polys, return_index=True)
            far = np.zeros(len(xy))
            np.maximum.at(far, cidx, np.hypot(*(coords - xy[cidx]).T))
            self.farthest = far
            self._polygons = lambda idx: polys[idx]

    def polygons(self, idx: np.ndarray) -> np.ndarray:
        return self._polygons(np.asarray(idx, dtype=np.intp)) if len(idx) else np.zeros(0, dtype=object)

    def gaps(self, idx: np.ndarray, area: shapely.Geometry, *, partitions: int | None = None,
             scheduler: str | None = None, arc_step_rad: float = 2.0 * np.pi / 256) -> np.ndarray:
        """The uncovered part of ``area`` in the cells ``idx``: one polygon per gap.

        From the Voronoi edges, the pieces (cell minus disc) fit exactly: pieces wholly
        inside the area are kept, wholly outside dropped, and only those crossing its
        boundary are cut to it, one by one; then only pieces that touch are merged
        (:func:`_merge_gap_pieces`), never all gaps at once.  Many cells are split into
        tiles (stripes of ``_TILE_CELLS`` cells by x, fixed by the data) run as dask tasks
        (:func:`ecogis.partition.map_tasks`); the gaps that run across tiles are merged
        afterwards (:func:`_merge_tiles`), so the result does not depend on ``partitions``.
        With GEOS cells (or if rounding spoiled a walk): the union of the cells minus the
        union of their discs (polygons with the disc's area), cut to the area; a point of
        cell i is covered only by disc i, so that is the same set.
        """
        idx = np.asarray(idx, dtype=np.intp)
        if len(idx) == 0:
            return np.zeros(0, dtype=object)
        if self.voronoi is not None:
            from ecogis.partition import map_tasks

            order = idx[np.argsort(self.xy[idx, 0], kind="stable")]
            tiles = np.array_split(order, max(1, math.ceil(idx.size / _TILE_CELLS)))
            args = [(np.sort(t), self.radius_m, self.extent, shapely.to_wkb(area), arc_step_rad) for t in tiles]
            done = map_tasks(_tile_gaps, args, partitions=partitions, scheduler=scheduler, shared=(self.voronoi,))
            if all(d is not None for d in done):
                return done[0][0] if len(done) == 1 else _merge_tiles(done)
            log.debug("gap pieces from the Voronoi edges were inconsistent; building them with GEOS")
        r_eq = equal_area_radius(self.radius_m, 4 * _QUAD_SEGS)  # polygons with the disc's exact area
        discs = shapely.buffer(shapely.points(self.xy[idx]), r_eq, quad_segs=_QUAD_SEGS)
        uncovered = shapely.difference(shapely.union_all(self.polygons(idx)), shapely.union_all(discs))
        if not uncovered.is_empty and not area.contains(uncovered):
            uncovered = shapely.intersection(uncovered, area)
        return _polygons(uncovered)


#: gap cells per tile (a dask task); fixed, so that the gaps do not depend on the number of workers
_TILE_CELLS = 25_000


def _tile_gaps(voronoi: VoronoiCells, idx: np.ndarray, radius_m: float, extent: tuple[float, float, float, float],
               area_wkb: bytes, arc_step_rad: float) -> tuple[np.ndarray, np.ndarray, np.ndarray] | None:
    """The gaps of one tile of cells, and the vertices on their outlines another tile's pieces may share.

    Returns ``(polygons, xy, polygon)`` (the shared vertices and the polygon each is on), or
    None when a walk was inconsistent.
    """
    area = shapely.from_wkb(area_wkb)  # each task its own (prepared geometries are not shared between threads)
    exact = voronoi.gap_pieces(idx, radius_m, extent=extent, vertices=True, arc_step_rad=arc_step_rad)
    if exact is None:
        return None
    pieces, _, vertex_xy, vertex_piece = exact
    return _merge_gap_pieces(pieces, vertex_xy, vertex_piece, area, keys=True)


def _merge_tiles(done: list[tuple[np.ndarray, np.ndarray, np.ndarray]]) -> np.ndarray:
    """Join the tiles' gaps: those that share a vertex with another tile's are dissolved together."""
    polys = np.concatenate([d[0] for d in done])
    offset = np.cumsum([0] + [d[0].size for d in done])
    xy = np.vstack([d[1] for d in done])
    poly = np.concatenate([d[2] + o for d, o in zip(done, offset[:-1])])
    tile = np.repeat(np.arange(len(done)), [d[1].shape[0] for d in done])
    key = xy.view(np.complex128).ravel()
    o = np.lexsort((tile, key))
    k, t = key[o], tile[o]
    same = k[1:] == k[:-1]
    across = np.zeros(key.size, dtype=bool)
    across[o[1:][same & (t[1:] != t[:-1])]] = True
    across[o[:-1][same & (t[1:] != t[:-1])]] = True
    open_ = np.zeros(polys.size, dtype=bool)
    open_[poly[across]] = True
    if not open_.any():
        return polys
    opened = shapely.orient_polygons(polys[open_], exterior_cw=False)
    rings, ring_poly = shapely.get_rings(opened, return_index=True)
    rxy, ring = shapely.get_coordinates(rings, return_index=True)
    merged = _dissolve(opened, rxy, ring, ring_poly[ring], _member(rxy, xy[across]))[0]
    return np.concatenate([polys[~open_], merged])


def _merge_gap_pieces(pieces: np.ndarray, vertex_xy: np.ndarray, vertex_piece: np.ndarray,
                      area: shapely.Geometry, *, keys: bool = False) -> Any:
    """Gap polygons from exact gap pieces: cut to ``area`` piece by piece, merged only where they touch.

    A piece whose bounding box misses the area's boundary is wholly inside or wholly
    outside (one vertex tells); the others are tested, and the few that cross the
    boundary are cut to the area one by one.  The pieces fit exactly (they share the
    crossings; GEOS cuts neighbours at the same points too), so they merge by cancelling
    the edges two pieces share and chaining the rest into rings
    (:func:`ecogis.discs.dissolve_rings`), with no overlay: the cost grows with the
    pieces, not with the product of the gaps and their holes.  Where that cannot be done
    (pieces touching at a single point, or not fitting exactly) the pieces that touch
    there are merged by :func:`shapely.union_all`, group by group.
    """
    n = len(pieces)
    if n == 0:
        return (np.zeros(0, dtype=object), np.zeros((0, 2)), np.zeros(0, dtype=np.intp)) if keys else \
            np.zeros(0, dtype=object)
    boundary = area.boundary
    shapely.prepare(boundary)
    shapely.prepare(area)
    bounds = shapely.bounds(pieces)
    near = shapely.intersects(boundary, shapely.box(bounds[:, 0], bounds[:, 1], bounds[:, 2], bounds[:, 3]))
    keep = np.zeros(n, dtype=bool)
    far = np.flatnonzero(~near)
    if far.size:
        first = shapely.get_coordinates(shapely.get_point(shapely.get_exterior_ring(pieces[far]), 0))
        keep[far] = shapely.contains_xy(area, first[:, 0], first[:, 1])
    cut_parts = np.zeros(0, dtype=object)
    cross = np.flatnonzero(near)
    if cross.size:
        p = pieces[cross]
        inside = shapely.contains(area, p)
        keep[cross[inside]] = True
        cross = cross[~inside]
        cross = cross[shapely.intersects(area, pieces[cross])]
        if cross.size:
            cut_parts = _polygons_of(shapely.intersection(pieces[cross], area))
    kept = np.flatnonzero(keep)
    cut_parts = shapely.orient_polygons(cut_parts, exterior_cw=False)
    uncut = pieces[kept]
    holed = shapely.get_num_interior_rings(uncut) > 0  # a whole disc as a hole: counter-clockwise, turn it
    uncut[holed] = shapely.orient_polygons(uncut[holed], exterior_cw=False)
    items = np.concatenate([uncut, cut_parts])
    if items.size == 0:
        return (items, np.zeros((0, 2)), np.zeros(0, dtype=np.intp)) if keys else items
    # which coordinates other pieces may share: an uncut piece's crossings and cell vertices (the first of
    # its exterior ring, as gap_pieces builds them), and every vertex of a cut piece
    events = np.bincount(vertex_piece, minlength=n)[kept]
    rings, ring_item = shapely.get_rings(items, return_index=True)
    xy, ring = shapely.get_coordinates(rings, return_index=True)
    first = np.flatnonzero(np.r_[True, ring[1:] != ring[:-1]])
    length = np.diff(np.r_[first, ring.size])
    pos = np.arange(ring.size) - first[ring]
    exterior = np.r_[True, ring_item[1:] != ring_item[:-1]][ring]
    item = ring_item[ring]
    k = np.r_[events, np.full(cut_parts.size, np.iinfo(np.int64).max)]
    shareable = exterior & ((pos < k[item]) | (pos == length[ring] - 1))
    shareable |= item >= kept.size
    merged, outline_xy, outline_poly = _dissolve(items, xy, ring, item, shareable)
    return (merged, outline_xy, outline_poly) if keys else merged


def _dissolve(items: np.ndarray, xy: np.ndarray, ring: np.ndarray, item: np.ndarray,
              shareable: np.ndarray, *, rounds: int = 4) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Merge the touching ``items`` by cancelling shared edges (:func:`ecogis.discs.dissolve_rings`).

    Where the edges left are not simple rings (pieces touching at a point, or pieces that
    do not fit exactly), the pieces there and their neighbours are merged by GEOS first (a
    local union, whose outline keeps the exact shared vertices) and the dissolve runs
    again; after ``rounds`` tries, the touching groups still affected are merged by
    :func:`shapely.union_all`, group by group.  Returns the polygons and their outline's
    shareable vertices ``(xy, polygon)``.
    """
    shared_all = xy[shareable]
    for _ in range(rounds):
        merged, bad_xy, outline = dissolve_rings(xy, ring, shareable, outline=True)
        if merged is not None:
            return merged, outline[0], outline[1]
        if bad_xy.size == 0:
            break
        local = np.zeros(items.size, dtype=bool)
        local[item[_member(xy, bad_xy) & shareable]] = True
        for _ in range(2):  # and the pieces that share a vertex with those, twice over
            local[item[shareable & _member(xy, xy[shareable & local[item]])]] = True
        fixed = shapely.orient_polygons(_polygons(shapely.union_all(items[local])), exterior_cw=False)
        log.debug("%d gap pieces merged by GEOS where they do not fit as a coverage", int(local.sum()))
        items = np.concatenate([items[~local], fixed])
        rings, ring_item = shapely.get_rings(items, return_index=True)
        shared_keys = xy[shareable]
        xy, ring = shapely.get_coordinates(rings, return_index=True)
        item = ring_item[ring]
        # the untouched pieces keep their shared vertices; the merged ones share every vertex
        shareable = (item >= items.size - fixed.size) | _member(xy, shared_keys)
    group = touching_groups(xy[shareable], item[shareable], items.size)
    order = np.argsort(group, kind="stable")
    cuts = np.flatnonzero(np.r_[True, group[order][1:] != group[order][:-1]])
    log.debug("gap pieces merged by GEOS, group by group")
    out = [_polygons(shapely.union_all(items[m])) if m.size > 1 else items[m] for m in np.split(order, cuts[1:])]
    polys = shapely.orient_polygons(np.concatenate(out), exterior_cw=False) if out else np.zeros(0, dtype=object)
    pxy, which = shapely.get_coordinates(polys, return_index=True)
    on = _member(pxy, np.vstack([shared_all, xy[shareable]]))
    return polys, pxy[on], which[on]


def _member(xy: np.ndarray, table: np.ndarray) -> np.ndarray:
    """Which points of ``xy`` are (exactly) among the points of ``table``; sorts the table only."""
    xy = np.ascontiguousarray(xy, dtype=float).reshape(-1, 2)
    if len(table) == 0 or len(xy) == 0:
        return np.zeros(len(xy), dtype=bool)
    t = np.unique(np.ascontiguousarray(table, dtype=float).reshape(-1, 2).view(np.complex128).ravel())
    k = xy.view(np.complex128).ravel()
    pos = np.minimum(np.searchsorted(t, k), t.size - 1)
    return t[pos] == k


def _polygons_of(geoms: np.ndarray) -> np.ndarray:
    """The polygons among the parts of ``geoms`` (e.g. intersections that also gave lines or points)."""
    parts = shapely.get_parts(np.asarray(geoms, dtype=object))
    return parts[(shapely.get_type_id(parts) == _POLY) & ~shapely.is_empty(parts)]


def _clipped_disc_areas(xy: np.ndarray, cells: np.ndarray, area: shapely.Geometry, radius_m: float) -> np.ndarray:
    """Exact area of disc_i ∩ cell_i ∩ area, for (convex) cells whose disc part crosses the area's boundary.

    Green's theorem in numpy (:func:`ecogis.discs.convex_cells_in_area`); the few cells
    it cannot trust (an edge running along the area's boundary) are cut by GEOS.
    """
    if len(xy) == 0:
        return np.zeros(0)
    out, trusted = convex_cells_in_area(xy, cells, area_segments(area),
                                        lambda x, y: shapely.contains_xy(area, x, y), radius_m)
    if not trusted.all():
        idx = np.flatnonzero(~trusted)
        out[idx] = disc_polygon_area(shapely.intersection(cells[idx], area), xy[idx], radius_m)
    return out


def _clipped_areas_frame(df: pd.DataFrame, area: shapely.Geometry, radius_m: float) -> pd.DataFrame:
    """Covered area (exact) of the cells whose disc part crosses the area's boundary.

    ``df`` has columns x, y, cell (geometry).
    """
    xy = df[["x", "y"]].to_numpy(dtype=float)
    cells = np.asarray(df["cell"].to_numpy(), dtype=object)
    return pd.DataFrame({"covered_m2": _clipped_disc_areas(xy, cells, area, radius_m)})


def _buffer_coverage(xy: np.ndarray, area: shapely.Geometry, radius_m: float, *, partitions: int | None,
                     crs: Any, gaps: bool = True, scheduler: str | None = None,
                     arc_step_deg: float = DEFAULT_ARC_STEP_DEG) -> tuple[float, np.ndarray | None]:
    """Exact covered area and (with ``gaps``) the uncovered part of ``area`` (one polygon per gap).

    ``xy`` are the distinct stops within ``radius_m`` of the area (the others add nothing).
    Every stop's disc ∩ cell area comes from the Voronoi edges in closed form; only
    the cells whose disc part crosses the area's boundary are cut to it (GEOS), and
    only the cells reaching beyond their disc give gap pieces.
    """
    shapely.prepare(area)
    if len(xy) == 0:
        return 0.0, _polygons(area) if gaps else None
    r = float(radius_m)
    cells = _Cells(xy, area, r)
    per = cells.disc_areas.copy()
    # which discs (within their cells) cross the boundary: the rest count whole, or not at all
    inner = area.buffer(-(r + _offset_tolerance(r)), quad_segs=_OFFSET_QUAD_SEGS)
    deep = shapely.contains_xy(inner, xy[:, 0], xy[:, 1]) if not inner.is_empty else np.zeros(len(xy), dtype=bool)
    clip = np.zeros(len(xy), dtype=bool)
    edge = np.flatnonzero(~deep)
    if edge.size:
        boundary = area.boundary
        shapely.prepare(boundary)
        reach = np.minimum(cells.farthest[edge], r)
        one_side = ~shapely.dwithin(boundary, shapely.points(xy[edge]), reach)
        clip[edge[~one_side]] = True
        outside = ~shapely.contains_xy(area, xy[edge, 0], xy[edge, 1])
        per[edge[one_side & outside]] = 0.0
    cut = np.flatnonzero(clip)
    if partitions and partitions > 1 and cut.size > 1:
        frame = pd.DataFrame({"x": xy[cut, 0], "y": xy[cut, 1], "cell": cells.polygons(cut)})
        per[cut] = _partitioned_clipped_areas(frame, area, r, int(partitions), crs)["covered_m2"].to_numpy()
    else:
        per[cut] = _clipped_disc_areas(xy[cut], cells.polygons(cut), area, r)
    covered = min(math.fsum(per.tolist()), area.area)
    if not gaps:
        return covered, None
    return covered, cells.gaps(np.flatnonzero(cells.farthest > r * (1.0 - 1e-12)), area, partitions=partitions,
                               scheduler=scheduler, arc_step_rad=2.0 * np.pi / (360.0 / arc_step_deg))


def _partitioned_clipped_areas(frame: pd.DataFrame, area: shapely.Geometry, radius_m: float, partitions: int,
                               crs: Any) -> pd.DataFrame:
    """:func:`_clipped_areas_frame` over dask-geopandas partitions of the cells (same numbers, in parallel)."""
    try:
        import dask_geopandas
    except ImportError:
        raise InputError("partitions need dask-geopandas: pip install 'ecogis[scale]'") from None
    gdf = gpd.GeoDataFrame(frame.drop(columns="cell"), geometry=frame["cell"].to_numpy(), crs=crs)
    dg = dask_geopandas.from_geopandas(gdf, npartitions=partitions)
    # GEOS prepared geometries are not safe to share between threads: each partition gets its own copy
    area_wkb = shapely.to_wkb(area)

    def part(d: gpd.GeoDataFrame) -> pd.DataFrame:
        own = shapely.from_wkb(area_wkb)
        shapely.prepare(own)
        return _clipped_areas_frame(pd.DataFrame({"x": d["x"].to_numpy(), "y": d["y"].to_numpy(),
                                                  "cell": np.asarray(d.geometry.values, dtype=object)}), own, radius_m)

    meta = pd.DataFrame({"covered_m2": pd.Series([], dtype=float)})
    return dg.map_partitions(part, meta=meta).compute()


def _polygons(geom: shapely.Geometry | None) -> np.ndarray:
    if geom is None or geom.is_empty:
        return np.zeros(0, dtype=object)
    parts = shapely.get_parts(geom)
    return parts[shapely.get_type_id(parts) == _POLY]


# --- population -------------------------------------------------------------------------------
def _population_of(raster: Path | None, geoms: np.ndarray, crs: Any, progress: bool | None) -> np.ndarray:
    from ecogis.population import zonal_population

    geoms = np.asarray(geoms, dtype=object)
    if raster is None or geoms.size == 0:
        return np.full(geoms.size, np.nan)
    if not isinstance(raster, Path):  # ecogis.population_polygons.PolygonPopulation
        return raster.zonal_population(gpd.GeoSeries(geoms, crs=crs))
    return zonal_population(raster, gpd.GeoSeries(geoms, crs=crs), progress=progress)


# --- the check --------------------------------------------------------------------------------
def _radius(radius_m: float | None, radius: float | None) -> float:
    check_number("radius_m", radius_m, minimum=0, exclusive_minimum=True, optional=True, unit="metres")
    check_number("radius", radius, minimum=0, exclusive_minimum=True, optional=True, unit="metres")
    if radius is not None and radius_m is not None and float(radius) != float(radius_m):
        raise InputError(f"radius ({radius}) and radius_m ({radius_m}) disagree; give one of them")
    return float(radius_m if radius_m is not None else (radius if radius is not None else DEFAULT_RADIUS_M))


def _gated(stops: Any, area: Any, warnings: list[str]) -> tuple[Any, Any]:
    """Stops and area through the input gate (:func:`ecogis.gate.check_layer`); repairs said in ``warnings``."""
    if isinstance(stops, gpd.GeoDataFrame):
        stops, said = check_layer(stops, "bus_stops", what="stops")
        warnings += said
    if isinstance(area, (gpd.GeoDataFrame, gpd.GeoSeries)):
        area, said = check_layer(area, "study_area", what="area")
        warnings += said
    return stops, area


def _measured_inputs(stops: gpd.GeoDataFrame, area: Any, r: float, metric_crs: CRSLike | None,
                     warnings: list[str]) -> tuple[Any, shapely.Geometry, np.ndarray, gpd.GeoDataFrame, np.ndarray,
                                                   np.ndarray]:
    """Metric CRS, the area (one prepared polygon), the stops (all, and the distinct ones within r of the area)."""
    stops, area = _gated(stops, area, warnings)
    crs = _metric_for(area, metric_crs)
    A = _area_geometry(area, crs, warnings)
    shapely.prepare(A)
    xy, stops_m = _stop_points(stops, crs)
    serving = within_distance(A, xy, r)
    if len(xy) == 0:
        warnings.append("no stops: nothing is covered")
    return crs, A, xy, stops_m, serving, _distinct(xy[serving])


def covered_area(
    stops: gpd.GeoDataFrame,
    area: gpd.GeoDataFrame | gpd.GeoSeries,
    *,
    radius_m: float = DEFAULT_RADIUS_M,
    metric_crs: CRSLike | None = None,
) -> dict[str, Any]:
    """The covered area and its share only: :func:`stop_coverage`'s buffer figures without the gap polygons.

    The same exact computation (Voronoi cells in closed form, the cells crossing
    the area's boundary cut to it), minus the geometry of the gaps, the
    population and the tables.  For scenarios and screening many areas or radii;
    use :func:`stop_coverage` for the audit.

    Parameters
    ----------
    stops : GeoDataFrame
        Stop points, any CRS.  Stops outside the area count.
    area : GeoDataFrame or GeoSeries
        The area audited; its features are unioned.
    radius_m : float, default 500
        Straight-line distance to the nearest stop, metres.
    metric_crs : CRS-like, optional
        Metric CRS (default: the Gauss-Kruger zone of the area).

    Returns
    -------
    dict
        ``radius_m``, ``area_m2``, ``covered_area_m2``, ``area_share`` (0-1),
        ``stops_serving_area`` and ``warnings``.

    Examples
    --------
    >>> import geopandas as gpd, shapely
    >>> area = gpd.GeoDataFrame(geometry=[shapely.box(500000, 3700000, 510000, 3710000)], crs=4547)
    >>> stops = gpd.GeoDataFrame(geometry=[shapely.Point(505000, 3705000), shapely.Point(505600, 3705000)], crs=4547)
    >>> round(covered_area(stops, area, radius_m=500)["covered_area_m2"])  # 2 pi r^2 minus the lens
    1347149
    """
    r = _radius(radius_m, None)
    warnings: list[str] = []
    _, A, _, _, serving, serving_xy = _measured_inputs(stops, area, r, metric_crs, warnings)
    covered, _ = _buffer_coverage(serving_xy, A, r, partitions=None, crs=None, gaps=False)
    area_m2 = float(A.area)
    return {"radius_m": r, "area_m2": area_m2, "covered_area_m2": covered,
            "area_share": covered / area_m2 if area_m2 > 0 else None, "stops_serving_area": int(serving.sum()),
            "warnings": warnings}


def stop_coverage(
    stops: gpd.GeoDataFrame,
    area: gpd.GeoDataFrame | gpd.GeoSeries,
    *,
    radius_m: float | None = None,
    radius: float | None = None,
    method: str = "buffer",
    roads: gpd.GeoDataFrame | str | os.PathLike | None = None,
    population: str | os.PathLike | None = None,
    access_width_m: float = 50.0,
    min_gap_m2: float = DEFAULT_MIN_GAP_M2,
    districts: gpd.GeoDataFrame | None = None,
    metric_crs: CRSLike | None = None,
    partitions: int | None = None,
    scheduler: str | None = None,
    arc_step_deg: float | None = None,
    propose: int = 0,
    candidates: gpd.GeoDataFrame | None = None,
    target_share: float = TARGETS_2025["area_share"],
    progress: bool | None = None,
) -> CheckResult:
    """Share of an area (and of its people) within ``radius_m`` of a stop; the gaps; per district.

    Parameters
    ----------
    stops : GeoDataFrame
        Stop points, any CRS.  Stops outside the area count: they serve people inside it.
    area : GeoDataFrame or GeoSeries
        The area audited (e.g. ``sample.study_area("中心城区")``); its features are unioned.
    radius_m : float, default 500
        Distance to the nearest stop, metres (``radius`` is accepted as an alias).
    method : {"buffer", "network"}, default "buffer"
        Straight-line distance, or walking distance along ``roads``.
    roads : GeoDataFrame or path, optional
        Street centre lines (GeoDataFrame, any vector file, or an OpenStreetMap
        ``.osm.pbf``); needed by ``method="network"``.
    population : path, GeoDataFrame or PolygonPopulation, optional
        Population GeoTIFF (persons per cell), any CRS; or polygons with a
        count (a vector grid, 街道 / 社区, a table joined to boundaries:
        :mod:`ecogis.population_polygons`), people spread evenly over each.
        Without it the population metrics are reported as not measurable.
    access_width_m : float, default 50
        Network method: covered depth either side of a reached street.
    min_gap_m2 : float, default 2500
        Gap polygons smaller than this are not listed (they still count in the shares).
    districts : GeoDataFrame, optional
        Sub-areas (with ``name``) for the per-district table.
    metric_crs : CRS-like, optional
        Metric CRS (default: the Gauss-Kruger zone of the area).
    partitions : int, optional
        Run the per-stop (buffer) or per-street (network) geometry in this many
        dask-geopandas partitions, and the gap polygons as tiles on this many threads;
        the numbers are the same bit for bit.
    scheduler : str, optional
        Address of a ``dask.distributed`` scheduler (e.g. ``"tcp://10.0.0.5:8786"``; default:
        the environment variable ``DASK_SCHEDULER_ADDRESS`` when set): the gap tiles run
        on its workers, with the same numbers.
    arc_step_deg : float, default 1.40625
        Largest angle between two vertices of a circle in the gap polygons (360 / 256: 4 cm
        from the circle at 500 m).  Each arc keeps its sector's exact area whatever the step;
        a coarser step (e.g. 11.25, 32 vertices a circle) makes national runs, where most
        discs stand alone as holes in one large gap, several times lighter in memory.
    propose : int, default 0
        Also propose this many new stops (:func:`propose_stops`), layer ``proposals``.
    candidates : GeoDataFrame, optional
        Candidate sites or lines for the proposals (default: ``roads`` when given, else a grid).
    target_share : float, default 1.0
        Area share the plan requires (漯政办〔2023〕22号 二、(二)2: 100 %); below it every
        listed gap is a violation.
    progress : bool, optional
        Progress bars for the long steps.

    Returns
    -------
    CheckResult
        Named ``"coverage"``.  Metrics: ``method``, ``radius_m``, ``area_m2``,
        ``covered_area_m2``, ``area_share``, ``population_total``,
        ``population_covered``, ``population_share``, ``uncovered`` (gap polygons
        listed), ``gap_area_m2``, ``stops_total``, ``stops_outside_area``,
        ``stops_serving_area`` and for the network method ``buffer_area_share`` and
        ``network_to_buffer_ratio``.  Layers: ``gaps`` (``area_m2``,
        ``population``), ``catchments`` (the covered part of the area),
        ``districts_coverage``, ``reached_streets`` (network), ``proposals`` (when asked).

    Examples
    --------
    >>> import ecogis
    >>> sample = ecogis.load_sample()  # doctest: +SKIP
    >>> r = stop_coverage(sample.get("bus_stops"), sample.study_area("中心城区"),
    ...                   population="layers/population.tif")  # doctest: +SKIP
    >>> round(r.metrics["area_share"], 3)  # doctest: +SKIP
    0.833
    """
    r = _radius(radius_m, radius)
    if method not in METHODS:
        raise InputError(f"method was {method!r} but is expected to be one of {list(METHODS)}")
    check_number("min_gap_m2", min_gap_m2, minimum=0, unit="m2")
    check_number("access_width_m", access_width_m, minimum=0, exclusive_minimum=True, unit="metres")
    check_number("partitions", partitions, minimum=1, integer=True, optional=True)
    check_number("propose", propose, minimum=0, integer=True)
    check_number("target_share", target_share, minimum=0, maximum=1)
    if method == "network" and roads is None:
        raise NotMeasurableError("layer 'roads' missing: the network method walks along streets; "
                                 "give roads (a line layer or an .osm.pbf) or use method='buffer'")
    raster = _raster_path(population)
    if isinstance(raster, Path):
        from ecogis.population import raster_info

        raster_info(raster)  # fail early on a bad raster
    warnings: list[str] = []
    crs, A, xy, stops_m, serving, serving_xy = _measured_inputs(stops, area, r, metric_crs, warnings)
    if raster is not None and not isinstance(raster, Path):
        warnings += raster.audit_warnings(A, crs)
    area_m2 = float(A.area)
    not_measurable: dict[str, str] = {}
    inside = shapely.intersects_xy(A, xy[:, 0], xy[:, 1]) if len(xy) else np.zeros(0, dtype=bool)

    parameters: dict[str, Any] = {"method": method, "radius_m": r, "min_gap_m2": float(min_gap_m2),
                                  "metric_crs": crs.to_string(), "target_share": target_share,
                                  "population": str(raster) if raster else None, "partitions": partitions,
                                  "rule": COVERAGE_RULE}
    layers: dict[str, gpd.GeoDataFrame] = {}
    metrics: dict[str, Any] = {"method": method, "radius_m": r, "area_m2": area_m2}

    step = DEFAULT_ARC_STEP_DEG if arc_step_deg is None else float(arc_step_deg)
    if not 0.0 < step <= 45.0:
        raise InputError(f"arc_step_deg was {arc_step_deg} but is expected to be > 0 and <= 45 (degrees)")
    buffer_covered, buffer_gaps = _buffer_coverage(serving_xy, A, r, partitions=partitions, crs=crs,
                                                   scheduler=scheduler, arc_step_deg=step)
    if method == "buffer":
        covered = buffer_covered
        gaps_all = buffer_gaps
        catch = _area_minus(A, gaps_all)
    else:
        from ecogis.network import network_gaps, reached_streets, snap_points

        graph = _network_graph(roads, A, r, crs)
        parameters["access_width_m"] = float(access_width_m)
        parameters["graph_edges"] = graph.n_edges
        reach_xy = serving_xy
        from ecogis.network import graph_report

        graph_metrics, graph_warnings = graph_report(graph, reach_xy, access_width_m=access_width_m)
        metrics.update(graph_metrics)
        warnings.extend(graph_warnings)
        reached = reached_streets(graph, reach_xy, radius_m=r)
        snapped_far = int((snap_points(graph, reach_xy)["snap_m"].to_numpy() >= r).sum()) if len(reach_xy) else 0
        # the gaps straight from the street faces (no union of the street buffers; issue 17): they are
        # disjoint and never touch, so their MultiPolygon is valid as it is
        gaps_all = network_gaps(reached, A, access_width_m=access_width_m)
        gaps_union = shapely.multipolygons(gaps_all) if gaps_all.size else shapely.MultiPolygon()
        covered = max(area_m2 - float(shapely.area(gaps_all).sum()), 0.0)
        catch = shapely.difference(A, gaps_union) if gaps_all.size else A
        layers["reached_streets"] = reached
        metrics["reached_street_km"] = float(reached.loc[reached["edge"] >= 0].length.sum() / 1000.0)
        if snapped_far > 0:
            warnings.append(f"{snapped_far} stop(s) within {r:g} m of the area are {r:g} m or more from any street "
                            f"and reach nothing along the network")
    metrics["covered_area_m2"] = covered
    metrics["area_share"] = covered / area_m2 if area_m2 > 0 else None

    # population
    gap_areas = shapely.area(gaps_all) if gaps_all.size else np.zeros(0)
    if isinstance(raster, Path):
        from ecogis.population import zonal_population_checked

        checked = zonal_population_checked(raster, gpd.GeoSeries([A], crs=crs), progress=progress,
                                           label="the audited area")
        total = float(checked.population[0])
        warnings.extend(checked.warnings)
        # the checks on the raster (issue 11): the share of the area it covers (< 1: the population figures
        # are lower bounds, see the warning) and its cells that hold no count of people (counted as 0)
        metrics["population_raster_share"] = float(checked.raster_share[0])
        metrics["population_invalid_cells"] = int(checked.invalid_cells[0])
    elif raster is not None:  # polygons with counts: their checks are in raster.audit_warnings, added above
        total = float(_population_of(raster, np.array([A], dtype=object), crs, progress)[0])
    if raster is not None:
        gap_pop = _population_of(raster, gaps_all, crs, progress)
        covered_pop = max(total - float(gap_pop.sum()), 0.0)
        metrics["population_total"] = total
        metrics["population_covered"] = covered_pop
        metrics["population_share"] = covered_pop / total if total > 0 else None
        if total <= 0:
            what = f"raster 'population' ({raster.name})" if isinstance(raster, Path) else f"population {raster}"
            not_measurable["population_share"] = f"{what} holds no people in the area"
    else:
        gap_pop = np.full(gaps_all.size, np.nan)
        metrics["population_total"] = None
        metrics["population_covered"] = None
        metrics["population_share"] = None
        not_measurable["population_share"] = "raster 'population' missing"
        not_measurable["population_covered"] = "raster 'population' missing"

    listed = gap_areas >= min_gap_m2
    order = np.argsort(-gap_areas[listed], kind="stable")
    g_geoms = gaps_all[listed][order]
    gaps = gpd.GeoDataFrame({"id": [f"GAP{i + 1:03d}" for i in range(len(g_geoms))],
                             "area_m2": gap_areas[listed][order],
                             "population": gap_pop[listed][order]},
                            geometry=gpd.GeoSeries(list(g_geoms), crs=crs), crs=crs)
    layers["gaps"] = gaps
    metrics["uncovered"] = len(gaps)
    metrics["gap_area_m2"] = float(gaps["area_m2"].sum())
    metrics["largest_gap_m2"] = float(gaps["area_m2"].max()) if len(gaps) else 0.0
    metrics["stops_total"] = len(stops)
    metrics["stops_outside_area"] = int((~inside).sum())
    metrics["stops_serving_area"] = int(serving.sum())
    if method == "network":
        bshare = buffer_covered / area_m2 if area_m2 > 0 else None
        metrics["buffer_area_share"] = bshare
        metrics["network_to_buffer_ratio"] = covered / buffer_covered if buffer_covered > 0 else None
        if raster is not None and metrics["population_total"]:
            b_gap = _population_of(raster, buffer_gaps, crs, progress)
            b_cov = max(metrics["population_total"] - float(b_gap.sum()), 0.0)
            metrics["buffer_population_share"] = b_cov / metrics["population_total"]
            metrics["network_to_buffer_population_ratio"] = (metrics["population_covered"] / b_cov) if b_cov else None

    catch_pop = metrics["population_covered"] if raster is not None else np.nan
    layers["catchments"] = gpd.GeoDataFrame({"method": [method], "area_m2": [covered], "population": [catch_pop]},
                                            geometry=gpd.GeoSeries([catch], crs=crs), crs=crs)
    if districts is not None:
        layers["districts_coverage"] = _district_table(districts, A, gaps_all, crs, raster, progress)

    if propose and propose > 0:
        cand = candidates
        if cand is None and isinstance(roads, gpd.GeoDataFrame):
            cand = roads
        layers["proposals"] = propose_stops(stops_m, A, k=int(propose), candidates=cand, population=raster,
                                            radius_m=r, target_share=target_share, metric_crs=crs, method=method,
                                            roads=graph if method == "network" else None,
                                            access_width_m=access_width_m)
    records = []
    share = metrics["area_share"]
    if share is not None and share < target_share - 1e-12:
        for row in gaps.itertuples(index=False):
            pop_txt = f", {row.population:,.0f} people" if raster is not None else ""
            records.append({"id": row.id, "name": None, "rule": COVERAGE_RULE,
                            "detail": (f"{row.area_m2 / 1e4:,.2f} ha{pop_txt} farther than {r:g} m from any stop "
                                       f"({method}); area share {share:.1%} < target {target_share:.0%}"),
                            "area_m2": float(row.area_m2), "geometry": row.geometry})
    violations = violations_frame(records, crs=crs)
    return CheckResult("coverage", metrics=metrics, violations=violations, layers=layers, parameters=parameters,
                       warnings=warnings, not_measurable=not_measurable)


def _network_graph(roads: Any, A: shapely.Geometry, r: float, crs: Any):
    from ecogis.network import graph_from_pbf, walk_graph

    reach = A.buffer(r * 1.5 + 100.0)
    if isinstance(roads, (str, os.PathLike)):
        p = Path(roads)
        if p.name.lower().endswith(".pbf"):
            from pyproj import Transformer

            t = Transformer.from_crs(crs, 4326, always_xy=True)
            minx, miny, maxx, maxy = reach.bounds
            xs, ys = t.transform([minx, maxx, minx, maxx], [miny, miny, maxy, maxy])
            return graph_from_pbf(p, metric_crs=crs, bounding_box=[min(xs), min(ys), max(xs), max(ys)])
        from ecogis.io import read_layer

        roads = read_layer(p, "roads")
    if not isinstance(roads, gpd.GeoDataFrame):
        raise InputError(f"roads was {type(roads).__name__} but is expected to be a GeoDataFrame or a file path")
    return walk_graph(roads, metric_crs=crs, clip_to=reach)


def _district_table(districts: gpd.GeoDataFrame, A: shapely.Geometry, gaps: np.ndarray, crs: Any,
                    raster: Path | None, progress: bool | None) -> gpd.GeoDataFrame:
    if not isinstance(districts, (gpd.GeoDataFrame, gpd.GeoSeries)) or districts.crs is None:
        raise InputError("districts is expected to be a GeoDataFrame with a CRS")
    d = districts.to_crs(crs)
    names = d["name"].astype(object).tolist() if "name" in d.columns else [str(i) for i in d.index]
    ids = d["id"].astype(object).tolist() if "id" in d.columns else [str(i) for i in d.index]
    geoms = np.asarray(d.geometry.values, dtype=object)
    bad = ~shapely.is_valid(geoms)
    if bad.any():
        geoms = geoms.copy()
        geoms[bad] = shapely.make_valid(geoms[bad])
    in_area = shapely.intersection(geoms, A)
    gaps_d = _gaps_in(geoms, gaps)
    a = shapely.area(in_area)
    ga = shapely.area(gaps_d)
    keep = a > 0
    pop_total = _population_of(raster, in_area[keep], crs, progress)
    pop_gap = _population_of(raster, gaps_d[keep], crs, progress)
    cov = a[keep] - ga[keep]
    with np.errstate(invalid="ignore", divide="ignore"):
        out = gpd.GeoDataFrame({
            "id": np.asarray(ids, dtype=object)[keep], "name": np.asarray(names, dtype=object)[keep],
            "area_m2": a[keep], "covered_area_m2": cov, "area_share": cov / a[keep],
            "population_total": pop_total, "population_covered": pop_total - pop_gap,
            "population_share": np.where(pop_total > 0, (pop_total - pop_gap) / pop_total, np.nan),
        }, geometry=gpd.GeoSeries(list(in_area[keep]), crs=crs), crs=crs)
    return out.reset_index(drop=True)


def _gaps_in(zones: np.ndarray, gaps: np.ndarray) -> np.ndarray:
    """The part of the gaps (disjoint polygons) in each zone, as one (multi)polygon per zone.

    Each zone meets only the gaps near it (an STRtree); gaps wholly inside count whole,
    only those crossing its edge are cut to it.
    """
    out = np.array([shapely.Polygon()] * len(zones), dtype=object)
    gaps = np.asarray(gaps, dtype=object)
    if gaps.size == 0 or len(zones) == 0:
        return out
    zi, gi = shapely.STRtree(gaps).query(zones)
    if zi.size == 0:
        return out
    shapely.prepare(zones)
    whole = shapely.contains(zones[zi], gaps[gi])
    parts = np.empty(zi.size, dtype=object)
    parts[whole] = gaps[gi[whole]]
    parts[~whole] = shapely.intersection(zones[zi[~whole]], gaps[gi[~whole]])
    pieces, which = shapely.get_parts(parts, return_index=True)
    poly = (shapely.get_type_id(pieces) == _POLY) & ~shapely.is_empty(pieces)
    pieces, owner = pieces[poly], zi[which[poly]]
    if pieces.size:
        o = np.argsort(owner, kind="stable")
        zone_ids = np.unique(owner)
        out[zone_ids] = shapely.multipolygons(pieces[o], indices=np.searchsorted(zone_ids, owner[o]))
    return out


#: parts of the covered polygon smaller than this (1 mm2) are rounding slivers of GEOS's difference
_SLIVER_M2 = 1e-6


def _area_minus(area: shapely.Geometry, gaps: np.ndarray) -> shapely.Geometry:
    """``area`` minus the gaps (disjoint polygons inside it): the covered part of the area.

    Only the outlines of the gaps that reach the area's edge are cut out by GEOS; the
    other gaps become holes and the gaps' own holes (covered islands) polygons, placed by
    :func:`ecogis.discs.place_holes`, so no GEOS overlay places thousands of holes.
    """
    gaps = np.asarray(gaps, dtype=object)
    if gaps.size == 0:
        return area
    shapely.prepare(area)
    edge = ~shapely.contains_properly(area, gaps)
    main = area
    if edge.any():  # cut out the outlines only: the covered islands in those gaps come back below
        outlines = shapely.multipolygons(shapely.polygons(shapely.get_exterior_ring(gaps[edge])))
        if not outlines.is_valid:  # a gap inside an island of another: let GEOS do all of it
            return shapely.difference(area, shapely.multipolygons(gaps))
        main = shapely.difference(area, outlines)
    parts = _polygons(main)
    # GEOS's difference leaves sliver parts of ~1e-9 m2 where a gap's outline runs along the area's edge; they
    # are valid, but an overlay of the whole catchment with them (GEOS, QGIS) went wrong by whole raster cells
    parts = parts[shapely.area(parts) > _SLIVER_M2]
    inner = gaps[~edge]
    shells = np.concatenate([shapely.get_exterior_ring(parts), _interior_rings(gaps)])
    holes = np.concatenate([_interior_rings(parts), shapely.get_exterior_ring(inner)])
    polys = place_holes(shells, holes)
    if polys is None:  # a hole in no shell: rounding; let GEOS do all of it
        return shapely.difference(area, shapely.multipolygons(gaps))
    return polys[0] if polys.size == 1 else shapely.multipolygons(polys)


def _interior_rings(polys: np.ndarray) -> np.ndarray:
    """All interior rings of the polygons, one after the other."""
    k = shapely.get_num_interior_rings(polys)
    return shapely.get_interior_ring(np.repeat(polys, k), np.arange(int(k.sum())) - np.repeat(np.cumsum(k) - k, k))


# --- proposals ---------------------------------------------------------------------------------
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


def propose_stops(
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

    check_number("k", k, minimum=0, integer=True)
    if method not in METHODS:
        raise InputError(f"method was {method!r} but is expected to be one of {list(METHODS)}")
    r = _radius(radius_m, None)
    check_number("target_share", target_share, minimum=0, maximum=1)
    check_number("candidate_spacing_m", candidate_spacing_m, minimum=0, exclusive_minimum=True, optional=True,
                 unit="metres")
    check_number("demand_spacing_m", demand_spacing_m, minimum=0, exclusive_minimum=True, optional=True,
                 unit="metres")
    check_number("access_width_m", access_width_m, minimum=0, exclusive_minimum=True, unit="metres")
    stops, area = _gated(stops, area, [])
    crs = _metric_for(area, metric_crs) if not isinstance(area, shapely.Geometry) else _metric_for(None, metric_crs)
    A = area if isinstance(area, shapely.Geometry) else _area_geometry(area, crs)
    shapely.prepare(A)
    cand_sp = float(candidate_spacing_m or r / 5.0)
    dem_sp = float(demand_spacing_m or r / 10.0)
    xy_stops, _ = _stop_points(stops, crs) if stops is not None and len(stops) else (np.zeros((0, 2)), None)
    graph = None
    if method == "network":
        from ecogis.network import WalkGraph

        if roads is None:
            raise NotMeasurableError("layer 'roads' missing: proposals along streets need the street network")
        graph = roads if isinstance(roads, WalkGraph) else _network_graph(roads, A, r, crs)
        if candidates is None:
            candidates = gpd.GeoDataFrame(geometry=graph.edges.geometry.values, crs=graph.crs)
    cand_xy, source = _candidate_points(candidates, A, cand_sp, crs)
    raster = _raster_path(population)

    area_pts = _grid_points(A, dem_sp)
    area_w = np.full(len(area_pts), A.area / max(len(area_pts), 1))
    demands = {"area": (area_pts, area_w)}
    if raster is not None:
        from ecogis.population import demand_points

        dp = (demand_points(raster, gpd.GeoSeries([A], crs=crs), metric_crs=crs) if isinstance(raster, Path)
              else raster.demand_points(A, crs, spacing_m=dem_sp))
        demands["population"] = (shapely.get_coordinates(dp.geometry.values), dp["population"].to_numpy(float))
    objective = "population" if raster is not None else "area"

    if graph is not None:
        from ecogis.network import reach_matrix, snap_points

        cand_snap = snap_points(graph, cand_xy)
        stop_snap = snap_points(graph, xy_stops)

        edge_tree = shapely.STRtree(np.asarray(graph.edges.geometry.values))

        def reach(snaps: Any, pts: np.ndarray) -> Any:
            """Sources x demand points covered along the streets: a demand point is covered when a street
            within the access width of it is reached anywhere on that stretch (the catchment's rule)."""
            from scipy.sparse import csr_matrix

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

    state = {}
    for name, (pts, w) in demands.items():
        total = float(w.sum())
        if len(xy_stops) and len(pts):
            if graph is not None:
                unc = np.asarray(reach(stop_snap, pts).sum(axis=0)).ravel() == 0
            else:
                d, _ = cKDTree(xy_stops).query(pts, distance_upper_bound=r)
                unc = ~(d <= r)
        else:
            unc = np.ones(len(pts), dtype=bool)
        state[name] = {"pts": pts[unc], "w": w[unc].copy(), "covered": total - float(w[unc].sum()),
                       "total": total}

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
    MT = M.T.tocsr()
    w = obj["w"]
    gains = np.asarray(M @ w).ravel()
    alive = np.ones(len(obj["pts"]), dtype=bool)
    # with a population objective, the area each proposal adds is tracked on the area grid as well
    area_pts = state["area"]["pts"]
    area_alive = np.ones(len(area_pts), dtype=bool)
    area_tree = cKDTree(area_pts) if area_M is None and objective != "area" and len(area_pts) else None

    def area_reached(c: int) -> np.ndarray:
        """Area demand points candidate ``c`` covers: along the streets, or within ``r`` in a straight line."""
        if area_M is not None:
            return area_M.indices[area_M.indptr[c]:area_M.indptr[c + 1]]
        if area_tree is not None:
            return np.asarray(area_tree.query_ball_point(cand_xy[c], r), dtype=int)
        return np.zeros(0, dtype=int)
    rows = []
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
    if not rows:
        return empty
    if graph is None and A.area > 0:
        # straight-line coverage after each addition, exactly (the greedy choice used the demand grid)
        near = xy_stops[within_distance(A, xy_stops, r)] if len(xy_stops) else np.zeros((0, 2))
        picked = np.array([[row["geometry"].x, row["geometry"].y] for row in rows])
        covered = [_buffer_coverage(_distinct(near), A, r, partitions=None, crs=crs, gaps=False)[0]]
        for j in range(1, len(rows) + 1):
            sites = _distinct(np.vstack([near, picked[:j]]))
            covered.append(_buffer_coverage(sites, A, r, partitions=None, crs=crs, gaps=False)[0])
        for row, before, after in zip(rows, covered[:-1], covered[1:]):
            row["added_area_m2"] = after - before
            row["area_share_after"] = after / A.area
    out = gpd.GeoDataFrame(rows, geometry="geometry", crs=crs)
    return out[[*cols, "geometry"]]


# --- the plan's other bus indicators ------------------------------------------------------------
def _bools(series: pd.Series) -> pd.Series:
    """True / False / None from a bool-ish column."""
    from ecogis.catalogue import _to_bool

    conv = _to_bool(series)
    return conv.map(lambda v: v if isinstance(v, (bool, np.bool_)) else None)


def _share(layer: gpd.GeoDataFrame | None, field: str, kind: str, metric: str, not_measurable: dict[str, str],
           warnings: list[str], where: pd.Series | None = None) -> float | None:
    if layer is None:
        not_measurable[metric] = f"layer '{kind}' missing"
        return None
    if field not in layer.columns:
        not_measurable[metric] = f"field '{field}' missing in layer '{kind}'"
        return None
    values = _bools(layer[field])
    if where is not None:
        values = values[where.to_numpy()]
    known = values.dropna()
    if known.empty:
        not_measurable[metric] = f"field '{field}' of layer '{kind}' is empty"
        return None
    if len(known) < len(values):
        warnings.append(f"{metric}: {len(values) - len(known)} of {len(values)} {kind} have no '{field}' value "
                        f"and are left out of the share")
    return float(known.astype(bool).mean())


def bus_indicators(
    *,
    stops: gpd.GeoDataFrame | None = None,
    routes: gpd.GeoDataFrame | None = None,
    roads: gpd.GeoDataFrame | None = None,
    intersections: gpd.GeoDataFrame | None = None,
    metric_crs: CRSLike | None = None,
    targets: dict[str, float] | None = None,
) -> CheckResult:
    """The plan's facility indicators from layer attributes; never invented.

    * ``bus_lane_km``: length of streets with ``bus_lane`` true in ``roads``
      (else of ``bus_routes`` pieces with ``bus_lane`` true, overlapping routes
      counted once).  The plan's target is 30 km of **new** lanes (二、(二)3; task 三、(三)1); the
      layers carry no construction date, so the total is reported and the
      target is a violation only when even the total falls short.
    * ``harbour_stop_share``: stops with ``harbour`` true (target ≥ 32 %).
    * ``bus_lines``: distinct ``name`` values of ``bus_routes`` (a line drawn in
      several pieces counts once; target: 35 lines by 2025, 三、(四)2).
    * ``accessible_platform_share``: stops with ``accessible`` true (≥ 20 %).
    * ``priority_intersection_share``: intersections with ``arterial`` true that
      have ``bus_priority`` true (≥ 20 % of arterial intersections).

    A missing layer or field puts the metric in ``not_measurable`` with the
    reason ("layer 'intersections' missing", "field 'harbour' missing in layer
    'bus_stops'").

    Parameters
    ----------
    stops, routes, roads, intersections : GeoDataFrame, optional
        The catalogue layers bus_stops, bus_routes, roads, intersections.
    metric_crs : CRS-like, optional
        Metric CRS for lengths.
    targets : dict, optional
        Replace targets (keys of :data:`TARGETS_2025`).

    Returns
    -------
    CheckResult
        Named ``"bus-indicators"``; one violation per indicator below target.

    Examples
    --------
    >>> import geopandas as gpd, shapely
    >>> st = gpd.GeoDataFrame({"harbour": [True, False, False, False]},
    ...                       geometry=[shapely.Point(i, 0) for i in range(4)], crs=4547)
    >>> r = bus_indicators(stops=st)
    >>> r.metrics["harbour_stop_share"], r.not_measurable["accessible_platform_share"]
    (0.25, "field 'accessible' missing in layer 'bus_stops'")
    """
    tg = dict(TARGETS_2025)
    if targets:
        unknown = sorted(set(targets) - set(tg))
        if unknown:
            raise InputError(f"targets has keys {unknown} but is expected to use {sorted(tg)}")
        tg.update(targets)
    metrics: dict[str, Any] = {}
    not_measurable: dict[str, str] = {}
    warnings: list[str] = []
    layers: dict[str, gpd.GeoDataFrame] = {}
    params: dict[str, Any] = {"targets": {k: v for k, v in tg.items() if k != "area_share"}, "rule": FACILITY_RULE}
    for name, g in (("stops", stops), ("routes", routes), ("roads", roads), ("intersections", intersections)):
        if g is not None and not isinstance(g, gpd.GeoDataFrame):
            raise InputError(f"{name} was {type(g).__name__} but is expected to be a GeoDataFrame")
    # the input gate: shares of stops and intersections count attributes, so only their geometry type
    # is checked there; lane lengths need the coordinates right
    if stops is not None:
        stops, said = check_layer(stops, "bus_stops", what="stops", coordinates=False)
        warnings += said
    if intersections is not None:
        intersections, said = check_layer(intersections, "intersections", what="intersections", coordinates=False)
        warnings += said
    if roads is not None:
        roads, said = check_layer(roads, "roads", what="roads")
        warnings += said
    if routes is not None:
        routes, said = check_layer(routes, "bus_routes", what="routes")
        warnings += said

    # bus lanes
    lane_src = None
    for kind, g in (("roads", roads), ("bus_routes", routes)):
        if g is not None and "bus_lane" in g.columns and _bools(g["bus_lane"]).notna().any():
            lane_src = (kind, g)
            break
    if lane_src is None:
        if roads is None and routes is None:
            not_measurable["bus_lane_km"] = "layer 'roads' or 'bus_routes' missing"
        else:
            not_measurable["bus_lane_km"] = "field 'bus_lane' missing in layers 'roads' and 'bus_routes'"
    else:
        kind, g = lane_src
        if g.crs is None:
            raise InputError(f"layer {kind!r} has no CRS; set one before measuring lengths")
        gm = to_metric(g, metric_crs)
        flag = _bools(gm["bus_lane"]).fillna(False).astype(bool).to_numpy()
        lanes = gm[flag]
        merged = shapely.union_all(np.asarray(lanes.geometry.values, dtype=object)) if len(lanes) else None
        km = float(merged.length / 1000.0) if merged is not None else 0.0
        metrics["bus_lane_km"] = km
        params["bus_lane_source"] = kind
        layers["bus_lanes"] = gpd.GeoDataFrame(lanes.drop(columns=lanes.geometry.name), geometry=lanes.geometry.values,
                                               crs=gm.crs)
        not_measurable["new_bus_lane_km"] = (f"layer '{kind}' says which streets have bus lanes but not when they "
                                             f"were built: the plan counts new lanes (新增)")
    # stops
    metrics["harbour_stop_share"] = _share(stops, "harbour", "bus_stops", "harbour_stop_share", not_measurable,
                                           warnings)
    metrics["accessible_platform_share"] = _share(stops, "accessible", "bus_stops", "accessible_platform_share",
                                                  not_measurable, warnings)
    if stops is not None:
        metrics["stops_total"] = len(stops)
    # routes: distinct line names (a line drawn as several pieces counts once)
    if routes is None:
        not_measurable["bus_lines"] = "layer 'bus_routes' missing"
        metrics["bus_lines"] = None
    elif "name" not in routes.columns or routes["name"].isna().all():
        not_measurable["bus_lines"] = "field 'name' missing in layer 'bus_routes' (the line each piece belongs to)"
        metrics["bus_lines"] = None
    else:
        metrics["bus_lines"] = int(routes["name"].dropna().astype(str).str.strip().nunique())
    # intersections
    if intersections is None:
        not_measurable["priority_intersection_share"] = "layer 'intersections' missing"
        metrics["priority_intersection_share"] = None
    elif "arterial" not in intersections.columns:
        not_measurable["priority_intersection_share"] = "field 'arterial' missing in layer 'intersections'"
        metrics["priority_intersection_share"] = None
    else:
        art = _bools(intersections["arterial"]).fillna(False).astype(bool)
        metrics["arterial_intersections"] = int(art.sum())
        if not art.any():
            not_measurable["priority_intersection_share"] = "layer 'intersections' has no arterial intersection"
            metrics["priority_intersection_share"] = None
        else:
            metrics["priority_intersection_share"] = _share(intersections, "bus_priority", "intersections",
                                                            "priority_intersection_share", not_measurable, warnings,
                                                            where=art)
    for k in ("bus_lane_km",):
        metrics.setdefault(k, None)
    indicators = ("bus_lane_km", "harbour_stop_share", "accessible_platform_share", "priority_intersection_share",
                  "bus_lines")
    if all(metrics.get(k) is None for k in indicators):
        raise NotMeasurableError("no bus indicator is measurable: " + "; ".join(
            f"{k}: {not_measurable.get(k, 'no data')}" for k in indicators), reasons=not_measurable)

    records = []
    checks = [
        ("harbour_stop_share", tg["harbour_stop_share"], "harbour-style stops (港湾式停靠站)"),
        ("accessible_platform_share", tg["accessible_platform_share"], "accessible platforms (无障碍站台)"),
        ("priority_intersection_share", tg["priority_intersection_share"],
         "arterial intersections with bus priority (公交优先通行交叉口)"),
    ]
    for metric, target, label in checks:
        v = metrics.get(metric)
        if v is not None and v < target - 1e-12:
            records.append({"id": metric, "rule": FACILITY_RULE,
                            "detail": f"{label}: {v:.1%} < target {target:.0%}", "measured": v, "target": target})
    if metrics.get("bus_lane_km") is not None and metrics["bus_lane_km"] < tg["new_bus_lane_km"] - 1e-9:
        records.append({"id": "bus_lane_km", "rule": BUS_LANE_RULE,
                        "detail": (f"all bus lanes together are {metrics['bus_lane_km']:.1f} km < the "
                                   f"{tg['new_bus_lane_km']:g} km of new lanes the plan requires"),
                        "measured": metrics["bus_lane_km"], "target": tg["new_bus_lane_km"]})
    crs = next((g.crs for g in (stops, roads, routes, intersections) if g is not None and g.crs is not None),
               "EPSG:4490")
    violations = violations_frame(records, crs=crs, geometry=[None] * len(records))
    return CheckResult("bus-indicators", metrics=metrics, violations=violations, layers=layers, parameters=params,
                       warnings=warnings, not_measurable=not_measurable)
