"""The union of discs around points, cut to an area: its exact area and its gaps, through Voronoi cells.

The engine glue between :mod:`ecogis.discs` (closed-form disc ∩ cell areas, gap
pieces from the Voronoi edges) and the coverage engine
(:mod:`ecogis.service_area`): which points can reach the area
(:func:`within_distance`), the cells that cross the area's edge cut to it, the
gap pieces built tile by tile (:func:`ecogis.partition.map_tasks`, local threads
or a ``dask.distributed`` scheduler) and merged into gap polygons.  Nothing here
knows what the points are.

Examples
--------
>>> import numpy as np, shapely
>>> area = shapely.box(0, 0, 10000, 10000)
>>> xy = np.array([[5000.0, 5000.0], [20000.0, 20000.0]])
>>> within_distance(area, xy, 500.0).tolist()
[True, False]
"""

from __future__ import annotations

import logging
import math
from collections.abc import Callable
from typing import Any, NamedTuple

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from ecogis.arc_rings import ArcRings, _closed, _starts, _subset
from ecogis.discs import (
    PieceRings,
    VoronoiCells,
    area_segments,
    convex_cells_in_area,
    disc_polygon_area,
    dissolve_rings,
    equal_area_radius,
    rings_to_polygons,
    touching_groups,
)
from ecogis.errors import InputError
from ecogis.partition import map_tasks, scheduler_address
from ecogis.polygon_rings import (
    boxes_near_segments,
    lowest_linked,
    reversed_rings,
)
from ecogis.progress import Steps

__all__ = ["DEFAULT_ARC_STEP_DEG", "BufferCoverage", "within_distance", "zone_covered_area"]

log = logging.getLogger(__name__)

#: largest angle between two vertices of a circle in the gap polygons (360 / 256)
DEFAULT_ARC_STEP_DEG = 360.0 / 256


def _arc_step_rad(arc_step_deg: float) -> float:
    """The arc step in radians, as every drawing of the gaps takes it (one expression, so the floats agree)."""
    return 2.0 * np.pi / (360.0 / arc_step_deg)


_DEFAULT_ARC_STEP_RAD = _arc_step_rad(DEFAULT_ARC_STEP_DEG)

#: segments per quarter circle of the disc polygons used for gap geometry (area is exact anyway)
_QUAD_SEGS = 64
_POLY = 3  # shapely type id of Polygon
#: segments per quarter circle of the area buffers that sort points by their distance to the area
_OFFSET_QUAD_SEGS = 16


# --- Voronoi cells ----------------------------------------------------------------------------
def _voronoi_cells(xy: np.ndarray, extent: shapely.Geometry) -> np.ndarray:
    """Voronoi cell of each (unique) point, in input order, clipped to ``extent`` (GEOS).

    Used where the Delaunay triangulation cannot be built: fewer than three points, or all on one line.
    """
    if len(xy) == 1:
        return np.array([extent], dtype=object)
    cells = shapely.get_parts(shapely.voronoi_polygons(shapely.multipoints(xy), extend_to=extent, ordered=True))
    cells = _single_polygons(cells)
    if len(cells) == len(xy) and shapely.contains_xy(cells, xy[:, 0], xy[:, 1]).all():
        return cells
    # fall back to matching cells to points spatially
    tree = shapely.STRtree(cells)
    pi, ci = tree.query(shapely.points(xy), predicate="within")
    out = np.empty(len(xy), dtype=object)
    out[pi] = cells[ci]
    return out


def _single_polygons(cells: np.ndarray) -> np.ndarray:
    """The cells as plain Polygons: GEOS's clip of a cell to the extent can give a GeometryCollection
    (the polygon and a zero-length LineString at one of its vertices); only polygon parts are kept
    (their convex hull where there are several: a Voronoi cell is convex)."""
    bad = np.flatnonzero(shapely.get_type_id(cells) != _POLY)
    if bad.size == 0:
        return cells
    cells = cells.copy()
    for i in bad:
        parts = _polygons(cells[i])
        cells[i] = parts[0] if parts.size == 1 else shapely.convex_hull(shapely.multipolygons(parts))
    return cells


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


#: stops closer than this (metres) to another count once: the Voronoi vertices of a pair 1 nm apart are
#: rounded by decimetres (disc areas 1.8e-6 off, Qhull's 19 % off); merging moves a disc by at most this
_SAME_STOP_M = 1e-6


def _distinct(xy: np.ndarray) -> np.ndarray:
    """The distinct points of ``xy`` (those within ``_SAME_STOP_M`` of an earlier one dropped), sorted by x then y.

    Exact repeats go by a sort (``np.unique(xy, axis=0)``, faster); near ones are looked for only among
    the points whose x lies within ``_SAME_STOP_M`` of their neighbour's in that order (none, mostly).
    """
    xy = np.ascontiguousarray(xy, dtype=float).reshape(-1, 2)
    if len(xy) < 2:
        return xy.copy()
    s = xy[np.argsort(xy.view(np.complex128).ravel())]  # complex numbers sort by real, then imaginary part
    new = np.ones(len(s), dtype=bool)
    new[1:] = (s[1:] != s[:-1]).any(axis=1)
    s = s[new]
    gap = np.diff(s[:, 0]) <= _SAME_STOP_M
    if not gap.any():
        return s
    maybe = np.flatnonzero(np.r_[gap, False] | np.r_[False, gap])
    from scipy.spatial import cKDTree

    pairs = cKDTree(s[maybe]).query_pairs(_SAME_STOP_M, output_type="ndarray")
    if pairs.size == 0:
        return s
    drop = np.zeros(len(s), dtype=bool)
    drop[maybe[pairs.max(axis=1)]] = True  # the later of each close pair
    log.debug("%d stop(s) within %g m of another counted once", int(drop.sum()), _SAME_STOP_M)
    return s[~drop]


class _Cells:
    """The points' Voronoi cells: exact disc ∩ cell areas, farthest vertices, polygons and gap pieces on demand."""

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
                log.debug("Delaunay triangulation of %d points failed (%s); using GEOS's Voronoi diagram", len(xy),
                          str(exc).splitlines()[0] if str(exc) else "QhullError")
        if cells is not None:
            self.voronoi = cells
            self.disc_areas = cells.disc_areas(r)
            self.farthest = cells.farthest
            self._polygons = lambda idx: cells.polygons(idx, radius_m=r, extent=area.bounds)
        else:  # one or two points, or all on one line: GEOS builds the cells, clipped to a box around everything
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
             scheduler: str | None = None, arc_step_rad: float = 2.0 * np.pi / 256,
             steps: Steps | None = None) -> np.ndarray:
        """The uncovered part of ``area`` in the cells ``idx``: one polygon per gap.

        From the Voronoi edges, the pieces (cell minus disc) fit exactly: pieces wholly
        inside the area are kept, wholly outside dropped, and only those crossing its
        boundary are cut to it, one by one; then only pieces that touch are merged
        (:func:`_merge_gap_pieces`), never all gaps at once.  Many cells are split into
        tiles (stripes of ``_TILE_CELLS`` cells by x, fixed by the data) run as dask tasks
        (:func:`ecogis.partition.map_tasks`); the gaps that run across tiles are merged
        afterwards (:func:`_merge_tiles`), so the result does not depend on ``partitions``.
        ``steps`` counts the tiles (and the join) as they end.
        With GEOS cells (or if rounding spoiled a walk): the union of the cells minus the
        union of their discs (polygons with the disc's area), cut to the area; a point of
        cell i is covered only by disc i, so that is the same set.
        """
        idx = np.asarray(idx, dtype=np.intp)
        if len(idx) == 0:
            return np.zeros(0, dtype=object)
        if self.voronoi is not None:

            order = idx[np.argsort(self.xy[idx, 0], kind="stable")]
            tiles = [np.sort(t) for t in np.array_split(order, _tile_count(idx.size))]
            wkb = shapely.to_wkb(area)
            steps = steps if steps is not None else Steps("", progress=False)
            steps.add(len(tiles) + (len(tiles) > 1))
            steps.start(f"gap tiles ({len(tiles)})" if len(tiles) > 1 else "gaps")
            if scheduler_address(scheduler) is not None and len(tiles) > 1:
                # each task gets its own part of the diagram (the same pieces bit for bit), sent to one worker
                args = [(*self.voronoi.tile(t), self.radius_m, self.extent, wkb, arc_step_rad) for t in tiles]
                done = map_tasks(_tile_gaps, args, scheduler=scheduler, scatter=True, on_done=steps.done,
                                 polygons_first=True)
            else:
                args = [(t, self.radius_m, self.extent, wkb, arc_step_rad) for t in tiles]
                done = map_tasks(_tile_gaps, args, partitions=partitions, scheduler=scheduler, shared=(self.voronoi,),
                                 on_done=steps.done)
            if all(d is not None for d in done):
                if len(done) == 1:
                    return done[0][0]
                steps.start("joining the tiles")
                joined = _merge_tiles(done)
                steps.done()
                return joined
            log.debug("gap pieces from the Voronoi edges were inconsistent; building them with GEOS")
        r_eq = equal_area_radius(self.radius_m, 4 * _QUAD_SEGS)  # polygons with the disc's exact area
        discs = shapely.buffer(shapely.points(self.xy[idx]), r_eq, quad_segs=_QUAD_SEGS)
        uncovered = shapely.difference(shapely.union_all(self.polygons(idx)), shapely.union_all(discs))
        if not uncovered.is_empty and not area.contains(uncovered):
            uncovered = shapely.intersection(uncovered, area)
        return _polygons(uncovered)


#: most gap cells in a tile (a dask task); fixed, so that the gaps do not depend on the number of workers
_TILE_CELLS = 40_000


def _tile_count(n_cells: int) -> int:
    """How many tiles ``n_cells`` gap cells are split into: one up to ``_TILE_CELLS``, else an even number.

    Fixed by the data alone (the result is the same whatever runs the tiles); even, so that
    two workers get the same share.

    Examples
    --------
    >>> [_tile_count(n) for n in (1, 40_000, 40_001, 130_000, 170_000)]
    [1, 1, 2, 4, 6]
    """
    k = max(1, math.ceil(n_cells / _TILE_CELLS))
    return k + (k % 2) if k > 1 else 1


def _tile_gaps(voronoi: VoronoiCells, idx: np.ndarray, radius_m: float, extent: tuple[float, float, float, float],
               area_wkb: bytes, arc_step_rad: float) -> tuple[np.ndarray, ...] | None:
    """The gaps of one tile of cells, and the vertices on their outlines another tile's pieces may share.

    Returns ``(polygons, xy, polygon, ring)`` (the shared vertices, the polygon and ring each is on), or
    None when a walk was inconsistent.
    """
    area = shapely.from_wkb(area_wkb)  # each task its own (prepared geometries are not shared between threads)
    rings = voronoi.gap_arc_rings(idx, radius_m, extent=extent, arc_step_rad=arc_step_rad)
    if rings is None:
        return None
    return _merge_gap_pieces(rings, area, keys=True)


def _merge_tiles(done: list[tuple[np.ndarray, ...]]) -> np.ndarray:
    """Join the tiles' gaps: those that share a vertex with another tile's are dissolved together.

    Only the rings that hold such a vertex are taken apart into coordinates; the other
    rings of those gaps (the holes, mostly) are carried whole into the merged polygons.
    """
    polys = np.concatenate([d[0] for d in done])
    offset = np.cumsum([0] + [d[0].size for d in done])
    xy = np.vstack([d[1] for d in done])
    poly = np.concatenate([d[2] + o for d, o in zip(done, offset[:-1])])
    ring_at = np.concatenate([d[3] for d in done])
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
    opened_at = np.flatnonzero(open_)
    opened = polys[opened_at]
    rings, ring_poly = shapely.get_rings(opened, return_index=True)
    first = np.searchsorted(ring_poly, np.arange(opened.size))
    # the rings that hold a shared vertex, by (opened polygon, place of the ring in it)
    local = np.searchsorted(opened_at, poly[across])
    takes = np.zeros(rings.size, dtype=bool)
    takes[first[local] + ring_at[across]] = True
    rxy, ring = shapely.get_coordinates(rings[takes], return_index=True)
    item = ring_poly[takes][ring]
    extra = (rings[~takes], ring_poly[~takes])
    merged = _dissolve(rxy, ring, item, _member(rxy, xy[across]), items=opened, extra=extra)[0]
    return np.concatenate([polys[~open_], merged])


def _ring_signed_area(xy: np.ndarray, ring: np.ndarray, n_rings: int) -> np.ndarray:
    """Twice the signed area of each closed ring (shoelace, about each ring's first vertex)."""
    start = np.flatnonzero(np.r_[True, ring[1:] != ring[:-1]])
    rel = xy - xy[start[ring]]
    same = ring[1:] == ring[:-1]
    cross = rel[:-1, 0] * rel[1:, 1] - rel[1:, 0] * rel[:-1, 1]
    return np.bincount(ring[:-1][same], weights=cross[same], minlength=n_rings)


def _merge_gap_pieces(held: ArcRings | PieceRings | list[PieceRings], area: shapely.Geometry, *,
                      keys: bool = False) -> Any:
    """Gap polygons from exact gap pieces: cut to ``area`` piece by piece, merged only where they touch.

    A piece whose bounding box misses the area's boundary is wholly inside or wholly
    outside (one vertex tells); the others are tested, and the few that cross the
    boundary are cut to the area one by one.  The pieces fit exactly (they share the
    crossings; GEOS cuts neighbours at the same points too), so they merge by cancelling
    the edges two pieces share and chaining the rest into rings
    (:func:`ecogis.discs.dissolve_rings`), with no overlay: the cost grows with the
    pieces, not with the product of the gaps and their holes.  Where that cannot be done
    (pieces touching at a single point, or not fitting exactly) the pieces that touch
    there are merged by :func:`shapely.union_all`, group by group.  No geometry is built
    for a piece that is not cut: the rings stay coordinate arrays until they are merged.
    Given as :class:`ecogis.arc_rings.ArcRings`, the pieces are merged on their shared
    vertices alone and each arc is drawn once, into the merged rings
    (:func:`_merge_arc_pieces`); where that cannot be done they are drawn first.
    ``held`` is the pieces, or a list holding them only (then they are let go before the
    dissolve, which keeps the peak memory down).
    """
    if isinstance(held, ArcRings):
        merged = _merge_arc_pieces(held, area, keys=keys)
        if merged is not None:
            return merged
        log.debug("gap pieces merged with their arcs drawn (an arc too short, or pieces that do not fit)")
        held = [held.expanded()]
    rings = held.pop() if isinstance(held, list) else held
    n = rings.owner.size
    if n == 0:
        return _NO_GAPS if keys else _NO_GAPS[0]
    xy_all, ring_all = rings.xy, rings.ring
    starts = np.flatnonzero(np.r_[True, ring_all[1:] != ring_all[:-1]])
    ext_start = starts[rings.exterior]  # the exterior ring of each piece, in piece order
    # each piece's box (from its exterior to the next piece's: a piece's hole lies inside its exterior)
    lo = np.minimum.reduceat(xy_all, ext_start, axis=0)
    hi = np.maximum.reduceat(xy_all, ext_start, axis=0)
    keep, cut_parts = _kept_and_cut(lo, hi, xy_all[ext_start], rings.polygons, area)
    kept = np.flatnonzero(keep)
    if kept.size == 0 and cut_parts.size == 0:
        return _NO_GAPS if keys else _NO_GAPS[0]
    # the kept pieces' rings as arrays; a piece with a hole (a whole disc, counter-clockwise) is oriented as GEOS
    # orients it: exterior counter-clockwise, hole clockwise
    rank = np.full(n, -1, dtype=np.intp)
    rank[kept] = np.arange(kept.size)
    ring_rank = rank[rings.ring_piece]
    kept_rings = np.flatnonzero(ring_rank >= 0)
    if kept_rings.size == ring_rank.size:  # (most often every piece is kept)
        xy_k, ring_k, shared_k = xy_all, ring_all, rings.shared
    else:
        v_keep = ring_rank[ring_all] >= 0
        new_ring = np.cumsum(ring_rank >= 0) - 1
        xy_k, ring_k, shared_k = xy_all[v_keep], new_ring[ring_all[v_keep]], rings.shared[v_keep]
    ring_item = ring_rank[kept_rings]
    exterior_k = rings.exterior[kept_rings]
    holed = np.zeros(kept.size, dtype=bool)
    holed[ring_item[~exterior_k]] = True
    flip = np.zeros(kept_rings.size, dtype=bool)
    if holed.any():
        of_holed = holed[ring_item[ring_k]]
        twice = np.zeros(kept_rings.size)
        twice[holed[ring_item]] = _ring_signed_area(xy_k[of_holed], ring_k[of_holed], kept_rings.size)[
            holed[ring_item]]
        flip = holed[ring_item] & np.where(exterior_k, twice < 0, twice > 0)
    if flip.any():
        o = reversed_rings(ring_k, flip)
        xy_k, shared_k = xy_k[o], shared_k[o]
    # which coordinates other pieces may share: an uncut piece's crossings and cell vertices (the first of
    # its exterior ring, as gap_pieces builds them) and its closing vertex, and every vertex of a cut piece
    pos = np.arange(ring_k.size) - np.flatnonzero(np.r_[True, ring_k[1:] != ring_k[:-1]])[ring_k]
    events = np.bincount(ring_k, weights=shared_k, minlength=kept_rings.size).astype(np.intp)
    length = np.bincount(ring_k, minlength=kept_rings.size)
    shareable = exterior_k[ring_k] & ((pos < events[ring_k]) | (pos == length[ring_k] - 1))
    if cut_parts.size:
        c_xy, c_ring, c_item = _ring_arrays(cut_parts)
        c_xy = _snap_cut_points(c_xy)
        xy = np.vstack([xy_k, c_xy])
        ring = np.concatenate([ring_k, c_ring + kept_rings.size])
        item = np.concatenate([ring_item[ring_k], c_item + kept.size])
        shareable = np.concatenate([shareable, np.ones(c_ring.size, dtype=bool)])
    else:
        xy, ring, item = xy_k, ring_k, ring_item[ring_k]
    del rings, xy_all, ring_all, xy_k, ring_k, shared_k, pos  # (the pieces' own arrays: no longer needed)
    merged, outline_xy, outline_poly, outline_ring = _dissolve(xy, ring, item, shareable)
    return (merged, outline_xy, outline_poly, outline_ring) if keys else merged


_NO_GAPS = (np.zeros(0, dtype=object), np.zeros((0, 2)), np.zeros(0, dtype=np.intp), np.zeros(0, dtype=np.intp))


def _kept_and_cut(lo: np.ndarray, hi: np.ndarray, first: np.ndarray, polygons: Callable[[np.ndarray], np.ndarray],
                  area: shapely.Geometry, *,
                  cut_polygons: Callable[[np.ndarray], np.ndarray] | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Which pieces lie wholly inside ``area``, and the parts in it of those that cross its boundary.

    ``lo``, ``hi`` are boxes holding the pieces, ``first`` a vertex of each, ``polygons``
    builds the pieces given by index; only the pieces whose box meets the boundary are built.
    ``cut_polygons`` (default ``polygons``) builds the pieces that are cut (drawn more finely:
    whether a piece is kept whole is decided as it is drawn when kept).
    """
    shapely.prepare(area)
    near = _boxes_meeting_boundary(lo, hi, area)
    keep = np.zeros(len(lo), dtype=bool)
    far = np.flatnonzero(~near)
    if far.size:
        keep[far] = shapely.contains_xy(area, first[far, 0], first[far, 1])
    cut_parts = np.zeros(0, dtype=object)
    cross = np.flatnonzero(near)
    if cross.size:
        p = polygons(cross)
        inside = shapely.contains(area, p)
        keep[cross[inside]] = True
        p = p[~inside] if cut_polygons is None else cut_polygons(cross[~inside])
        hit = shapely.intersects(area, p)
        if hit.any():
            cut_parts = _polygons_of(_cut_to_area(p[hit], area))
    return keep, shapely.orient_polygons(cut_parts, exterior_cw=False)


def _boxes_meeting_boundary(lo: np.ndarray, hi: np.ndarray, area: shapely.Geometry) -> np.ndarray:
    """Which boxes (``lo``, ``hi`` corners) meet the boundary of ``area``: GEOS tests those a grid of it keeps."""
    near = boxes_near_segments(lo, hi, *area_segments(area))  # (the boxes of a band along the boundary)
    if near.any():
        boundary = area.boundary
        shapely.prepare(boundary)
        near[near] = shapely.intersects(boundary, shapely.box(lo[near, 0], lo[near, 1], hi[near, 0], hi[near, 1]))
    return near


def _ring_arrays(polys: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The closed rings of polygons as arrays: each vertex's xy, its ring and its polygon."""
    if len(polys) == 0:
        return np.zeros((0, 2)), np.zeros(0, dtype=np.intp), np.zeros(0, dtype=np.intp)
    rings, ring_poly = shapely.get_rings(polys, return_index=True)
    xy, ring = shapely.get_coordinates(rings, return_index=True)
    return xy, ring, ring_poly[ring]


def _merge_arc_pieces(arcs: ArcRings, area: shapely.Geometry, *, keys: bool) -> Any:
    """:func:`_merge_gap_pieces` of pieces whose arcs are not drawn yet; None where that cannot be done.

    The rings carry only the vertices pieces may share (every one of them is shareable)
    and an arc edge from each cut piece's entry to its exit, so the dissolve works on
    about one vertex in eleven (at the default arcs); each arc is drawn once, into the merged ring it ends
    in, and the whole discs (holes that share nothing) are drawn as rings and carried
    whole.  The polygons are the same, vertex for vertex, as those of the pieces drawn
    first.  None (draw the pieces first) when an arc is too short to draw the same way,
    a ring is not oriented as the walk makes it, or the pieces do not fit exactly.
    """
    if not arcs.plain():
        return None
    n = arcs.owner.size
    if n == 0:
        return _NO_GAPS if keys else _NO_GAPS[0]
    lo, hi = arcs.boxes()
    # GEOS cuts a drawn arc where its chords meet the edge: at coarse arcs the pieces it cuts are drawn finely
    # (at 12.5 degrees, gaps along a real coast were up to 6.6 % off in area)
    keep, cut_parts = _kept_and_cut(lo, hi, arcs.first_vertices(), arcs.polygons, area,
                                    cut_polygons=arcs.finer(_DEFAULT_ARC_STEP_RAD, vertex_budget=_EDGE_VERTEX_BUDGET))
    kept = np.flatnonzero(keep)
    if kept.size == 0 and cut_parts.size == 0:
        return _NO_GAPS if keys else _NO_GAPS[0]
    n_whole = arcs.n_whole
    whole, cut = kept[kept < n_whole], kept[kept >= n_whole] - n_whole
    # the whole cells, counter-clockwise as walked, and their discs as holes (drawn, turned clockwise)
    shell_xy, shell_ring = _closed(*_subset(arcs.whole_xy, arcs.whole_ring, whole, n_whole))
    hole_xy, hole_ring = arcs.circles(whole)
    if (_ring_signed_area(shell_xy, shell_ring, whole.size) < 0).any() or \
            (_ring_signed_area(hole_xy, hole_ring, whole.size) <= 0).any():
        return None
    holes = shapely.linearrings(hole_xy[reversed_rings(hole_ring, np.ones(whole.size, dtype=bool))],
                                indices=hole_ring) if whole.size else np.zeros(0, dtype=object)
    # the cut pieces: their vertices and the exit again, the arc the edge from the entry (the last) to it
    xy_c, piece = _subset(arcs.cut_xy, arcs.cut_piece, cut, arcs.cut_point.size)
    begin = _starts(piece)
    length = np.bincount(piece, minlength=cut.size) + 1
    off = np.cumsum(length) - length
    ring_xy = np.empty((int(length.sum()), 2))
    ring_xy[off[piece] + np.arange(piece.size) - begin[piece]] = xy_c
    ring_xy[off + length - 1] = xy_c[begin]
    arc = np.full(ring_xy.shape[0], -1, dtype=np.intp)
    arc[off + length - 2] = cut
    cut_ring = np.repeat(np.arange(cut.size), length)
    c_xy, c_ring, c_item = _ring_arrays(cut_parts)
    c_xy = _snap_cut_points(c_xy)
    k = whole.size + cut.size
    xy = np.vstack([shell_xy, ring_xy, c_xy])
    ring = np.concatenate([shell_ring, cut_ring + whole.size, c_ring + k])
    item = np.concatenate([shell_ring, cut_ring + whole.size, c_item + k])
    arc = np.concatenate([np.full(shell_ring.size, -1, dtype=np.intp), arc, np.full(c_ring.size, -1, dtype=np.intp)])
    merged, _, outline = dissolve_rings(xy, ring, np.ones(len(xy), dtype=bool), outline=True, item=item,
                                        extra=(holes, np.arange(whole.size)), arcs=(arc, arcs.arc_vertices))
    if merged is None:
        return None
    return (merged, *outline) if keys else merged


#: most circle vertices the pieces the area's edge cuts may take in one tile when drawn more finely than the gaps
_EDGE_VERTEX_BUDGET = 4_000_000


#: cut points of two pieces closer than this (metres) are one: GEOS cuts the same Voronoi edge at points
#: ~1e-9 m apart where the two cells give it by different far vertices (near-collinear stops, 1e14 m out)
_SAME_CUT_M = 1e-7


def _snap_cut_points(xy: np.ndarray) -> np.ndarray:
    """The vertices of the pieces cut by GEOS, those within ``_SAME_CUT_M`` of one another made one (the lowest)."""
    if len(xy) < 2:
        return xy
    from scipy.spatial import cKDTree

    u, inv = np.unique(xy, axis=0, return_inverse=True)
    pairs = cKDTree(u).query_pairs(_SAME_CUT_M, output_type="ndarray")
    if pairs.size == 0:
        return xy
    log.debug("%d pair(s) of cut points within %g m made one", len(pairs), _SAME_CUT_M)
    return u[lowest_linked(pairs[:, 0], pairs[:, 1], len(u))][inv.ravel()]


def _items(xy: np.ndarray, ring: np.ndarray, item: np.ndarray) -> np.ndarray:
    """The polygons (one per ``item``, its first ring the exterior) of closed rings given as arrays."""
    first = np.r_[True, ring[1:] != ring[:-1]]
    dense = np.cumsum(first) - 1
    return rings_to_polygons(xy, dense, item[first])


def _dissolve(xy: np.ndarray, ring: np.ndarray, item: np.ndarray, shareable: np.ndarray, *, rounds: int = 4,
              items: np.ndarray | None = None,
              extra: tuple[np.ndarray, np.ndarray] | None = None) -> tuple[np.ndarray, ...]:
    """Merge the touching items (polygons as rings) by cancelling shared edges (:func:`ecogis.discs.dissolve_rings`).

    ``xy`` are the closed rings' vertices, ``ring`` the ring of each, ``item`` the polygon
    of each (0, 1, ..., each polygon's exterior first, counter-clockwise, holes clockwise).
    Where the edges left are not simple rings (pieces touching at a point, or pieces that
    do not fit exactly), the pieces there and their neighbours are merged by GEOS first (a
    local union, whose outline keeps the exact shared vertices) and the dissolve runs
    again; after ``rounds`` tries, the touching groups still affected are merged by
    :func:`shapely.union_all`, group by group.  ``items`` are the polygons as geometries
    (built from the rings when not given); ``extra`` rings (geometries) of them that share
    nothing, with their items, are carried whole (:func:`ecogis.discs.dissolve_rings`).
    Returns the polygons and their outline's shareable vertices ``(xy, polygon, ring)``
    (the ring's place in its polygon).
    """
    shared_all = xy[shareable]
    for _ in range(rounds):
        merged, bad_xy, outline = dissolve_rings(xy, ring, shareable, outline=True, item=item, extra=extra)
        if merged is not None:
            return merged, outline[0], outline[1], outline[2]
        if bad_xy.size == 0:
            break
        if items is None:
            items = _items(xy, ring, item)
        local = np.zeros(items.size, dtype=bool)
        local[item[_member(xy, bad_xy) & shareable]] = True
        for _ in range(2):  # and the pieces that share a vertex with those, twice over
            local[item[shareable & _member(xy, xy[shareable & local[item]])]] = True
        fixed = shapely.orient_polygons(_polygons(shapely.union_all(items[local])), exterior_cw=False)
        log.debug("%d gap pieces merged by GEOS where they do not fit as a coverage", int(local.sum()))
        items = np.concatenate([items[~local], fixed])
        extra = None  # (every ring of every item is taken apart from now on)
        rings, ring_item = shapely.get_rings(items, return_index=True)
        shared_keys = xy[shareable]
        xy, ring = shapely.get_coordinates(rings, return_index=True)
        item = ring_item[ring]
        # the untouched pieces keep their shared vertices; the merged ones share every vertex
        shareable = (item >= items.size - fixed.size) | _member(xy, shared_keys)
    if items is None:
        items = _items(xy, ring, item)
    group = touching_groups(xy[shareable], item[shareable], items.size)
    order = np.argsort(group, kind="stable")
    cuts = np.flatnonzero(np.r_[True, group[order][1:] != group[order][:-1]])
    log.debug("gap pieces merged by GEOS, group by group")
    out = [_polygons(shapely.union_all(items[m])) if m.size > 1 else items[m] for m in np.split(order, cuts[1:])]
    polys = shapely.orient_polygons(np.concatenate(out), exterior_cw=False) if out else np.zeros(0, dtype=object)
    p_rings, p_ring_poly = shapely.get_rings(polys, return_index=True)
    pxy, p_ring = shapely.get_coordinates(p_rings, return_index=True)
    which = p_ring_poly[p_ring]
    place = p_ring - np.searchsorted(p_ring_poly, p_ring_poly)[p_ring]
    on = _member(pxy, np.vstack([shared_all, xy[shareable]]))
    return polys, pxy[on], which[on], place[on]


def _member(xy: np.ndarray, table: np.ndarray) -> np.ndarray:
    """Which points of ``xy`` are (exactly) among the points of ``table``; sorts the table only."""
    xy = np.ascontiguousarray(xy, dtype=float).reshape(-1, 2)
    if len(table) == 0 or len(xy) == 0:
        return np.zeros(len(xy), dtype=bool)
    t = np.unique(np.ascontiguousarray(table, dtype=float).reshape(-1, 2).view(np.complex128).ravel())
    k = xy.view(np.complex128).ravel()
    pos = np.minimum(np.searchsorted(t, k), t.size - 1)
    return t[pos] == k


def _cut_to_area(pieces: np.ndarray, area: shapely.Geometry) -> np.ndarray:
    """``pieces ∩ area``; a piece GEOS refuses (a self-touching sliver where Voronoi edges of a
    symmetric layout meet the frame within 1e-7 m) is made valid first, which keeps its area."""
    try:
        return shapely.intersection(pieces, area)
    except shapely.errors.GEOSException:
        bad = ~shapely.is_valid(pieces)
        fixed = pieces.copy()
        fixed[bad] = shapely.make_valid(pieces[bad])
        return shapely.intersection(fixed, area)


def _polygons_of(geoms: np.ndarray) -> np.ndarray:
    """The non-empty polygons among the parts of ``geoms`` (intersections that also gave lines or points,
    collections holding multipolygons)."""
    parts = shapely.get_parts(shapely.get_parts(np.asarray(geoms, dtype=object)))
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


class BufferCoverage(NamedTuple):
    """What :func:`_buffer_coverage` measured: the covered area, the gaps (or None) and the cells (or None)."""

    covered: float
    gaps: np.ndarray | None
    cells: _Cells | None


def _buffer_coverage(xy: np.ndarray, area: shapely.Geometry, radius_m: float, *, partitions: int | None,  # noqa: PLR0913 -- keyword-only options of the engine
                     crs: Any, gaps: bool = True, scheduler: str | None = None,
                     arc_step_deg: float = DEFAULT_ARC_STEP_DEG, steps: Steps | None = None) -> BufferCoverage:
    """Exact covered area and (with ``gaps``) the uncovered part of ``area`` (one polygon per gap).

    ``xy`` are the distinct points within ``radius_m`` of the area (the others add nothing).
    Every point's disc ∩ cell area comes from the Voronoi edges in closed form; only
    the cells whose disc part crosses the area's boundary are cut to it (GEOS), and
    only the cells reaching beyond their disc give gap pieces.  ``steps`` (a progress bar)
    counts the cells and the gap tiles as they end.  The cells are returned too, for the
    exact covered area of parts of the area (:func:`zone_covered_area`).
    """
    shapely.prepare(area)
    if len(xy) == 0:
        return BufferCoverage(0.0, _polygons(area) if gaps else None, None)
    r = float(radius_m)
    if steps is not None:
        steps.add()
        steps.start(f"cells of {len(xy):,} stops")
    cells = _Cells(xy, area, r)
    covered = zone_covered_area(cells, area, partitions=partitions, crs=crs)
    if steps is not None:
        steps.done()
    if not gaps:
        return BufferCoverage(covered, None, cells)
    return BufferCoverage(covered, cells.gaps(np.flatnonzero(cells.farthest > r * (1.0 - 1e-12)), area,
                                              partitions=partitions, scheduler=scheduler,
                                              arc_step_rad=_arc_step_rad(arc_step_deg), steps=steps), cells)


def zone_covered_area(cells: _Cells, zone: shapely.Geometry, *, partitions: int | None = None,
                      crs: Any = None) -> float:
    """The exact covered area of ``zone`` (the area, or a part of it: a district): Σ disc ∩ cell ∩ zone.

    A disc (within its cell) that lies wholly inside the zone counts whole (in closed form),
    one wholly outside not at all; only those crossing the zone's boundary are cut to it
    (GEOS), so the figure is exact whatever the arcs the gap polygons are drawn with.
    """
    xy, r = cells.xy, cells.radius_m
    if zone.is_empty or len(xy) == 0:
        return 0.0
    shapely.prepare(zone)
    per = cells.disc_areas.copy()
    # which discs (within their cells) cross the boundary: the rest count whole, or not at all
    inner = zone.buffer(-(r + _offset_tolerance(r)), quad_segs=_OFFSET_QUAD_SEGS)
    deep = shapely.contains_xy(inner, xy[:, 0], xy[:, 1]) if not inner.is_empty else np.zeros(len(xy), dtype=bool)
    clip = np.zeros(len(xy), dtype=bool)
    edge = np.flatnonzero(~deep)
    if edge.size:
        boundary = zone.boundary
        shapely.prepare(boundary)
        reach = np.minimum(cells.farthest[edge], r)
        one_side = ~shapely.dwithin(boundary, shapely.points(xy[edge]), reach)
        clip[edge[~one_side]] = True
        outside = ~shapely.contains_xy(zone, xy[edge, 0], xy[edge, 1])
        per[edge[one_side & outside]] = 0.0
    cut = np.flatnonzero(clip)
    if partitions and partitions > 1 and cut.size > 1:
        frame = pd.DataFrame({"x": xy[cut, 0], "y": xy[cut, 1], "cell": cells.polygons(cut)})
        per[cut] = _partitioned_clipped_areas(frame, zone, r, int(partitions), crs)["covered_m2"].to_numpy()
    else:
        per[cut] = _clipped_disc_areas(xy[cut], cells.polygons(cut), zone, r)
    return min(math.fsum(per.tolist()), zone.area)


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


