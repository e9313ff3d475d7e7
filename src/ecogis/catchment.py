"""The covered part of the area as a polygon: the area minus its gap polygons, without an overlay of them all.

Split from :mod:`ecogis.disc_union` (the gap polygons); used for both the buffer and the
network method's ``catchments`` layer.
"""

from __future__ import annotations

import logging

import numpy as np
import shapely

from ecogis.disc_union import _boxes_meeting_boundary, _polygons, _polygons_of
from ecogis.polygon_rings import cut_outlines, hole_owners, polygons_with_holes

__all__ = ["covered_part"]

log = logging.getLogger(__name__)

#: parts of the covered polygon smaller than this (1 mm2) are rounding slivers of GEOS's difference
_SLIVER_M2 = 1e-6


def covered_part(area: shapely.Geometry, gaps: np.ndarray) -> shapely.Geometry:
    """``area`` minus the gaps (disjoint polygons inside it): the covered part of the area.

    Only the outlines of the gaps that reach the area's edge (or come within 1 µm of it,
    :func:`_reach_boundary`) are cut out (by dissolving
    them with the area's rings, :func:`ecogis.polygon_rings.cut_outlines`; by GEOS where
    that cannot be trusted); the other gaps become holes and the gaps' own holes (covered
    islands) polygons, so no GEOS overlay places thousands of holes
    (:func:`ecogis.polygon_rings.hole_owners`: the smallest shell around each).
    Each gap goes to the shell its first vertex lies in.  Where a first vertex lies in
    none (on a ring: the gap touches another there), those gaps go where their other
    vertices lie, and every polygon that gets gaps as holes is checked and, where touching
    gaps cut it, made valid (:func:`_made_valid`; before, GEOS's whole difference: about 230 s
    of the national run).  GEOS computes the whole difference where none of that can be trusted.

    Examples
    --------
    >>> import shapely, numpy as np
    >>> area = shapely.box(0, 0, 100, 100)
    >>> gaps = np.array([shapely.box(0, 40, 30, 60), shapely.box(50, 50, 60, 60)])   # one at the edge, one inside
    >>> part = covered_part(area, gaps)
    >>> part.area, len(part.interiors)
    (9300.0, 1)
    """
    gaps = np.asarray(gaps, dtype=object)
    if gaps.size == 0:
        return area
    shapely.prepare(area)
    bounds = shapely.bounds(gaps)
    # (the others lie inside, farther than _ON_BOUNDARY_M from its boundary)
    edge = _boxes_meeting_boundary(bounds[:, :2] - _ON_BOUNDARY_M, bounds[:, 2:] + _ON_BOUNDARY_M, area)
    edge[edge] = _reach_boundary(area, gaps[edge])
    main = area
    parts = None
    if edge.any():  # cut out the outlines only: the covered islands in those gaps come back below
        parts = cut_outlines(area, gaps[edge])  # along the boundary they share its exact points: no overlay
        if parts is None:
            outlines = shapely.multipolygons(shapely.polygons(shapely.get_exterior_ring(gaps[edge])))
            if not outlines.is_valid:  # a gap inside an island of another: let GEOS do all of it
                return shapely.difference(area, shapely.multipolygons(gaps))
            main = shapely.difference(area, outlines)
    parts = _polygons(main) if parts is None else parts
    # GEOS's difference leaves sliver parts of ~1e-9 m2 where a gap's outline runs along the area's edge; they
    # are valid, but an overlay of the whole catchment with them (GEOS, QGIS) went wrong by whole raster cells
    parts = parts[shapely.area(parts) > _SLIVER_M2]
    n_parts = parts.size
    area_holes = _interior_rings(_polygons(area))
    parts, islands = _islands_in_area(area, area_holes, parts, _interior_rings(gaps))
    shells = np.concatenate([shapely.get_exterior_ring(parts), islands])
    inner = shapely.get_exterior_ring(gaps[~edge])
    owner, touching = hole_owners(shells, inner, every_vertex=True) if inner.size else \
        (np.zeros(0, dtype=np.intp), np.zeros(0, dtype=bool))
    if (owner < 0).any():  # a hole in no shell: rounding; let GEOS do all of it
        return shapely.difference(area, shapely.multipolygons(gaps))
    k = shapely.get_num_interior_rings(parts)
    p_holes, p_owner = _interior_rings(parts), np.repeat(np.arange(parts.size), k)
    polys = polygons_with_holes(shells, [(p_holes, p_owner), (inner, owner)])
    if touching.any():
        polys = _made_valid(polys, np.unique(owner))
        if polys is None:
            return shapely.difference(area, shapely.multipolygons(gaps))
    if n_parts < parts.size:  # islands cut to the area's holes: those holes may also nest in a gap's outline
        polys = _holes_unnested(polys, area, area_holes, gaps)
        if polys is None:
            return shapely.difference(area, shapely.multipolygons(gaps))
    return polys[0] if polys.size == 1 else shapely.multipolygons(polys)


def _holes_unnested(polys: np.ndarray, area: shapely.Geometry, area_holes: np.ndarray,
                    gaps: np.ndarray) -> np.ndarray | None:
    """``polys`` where a hole of the area nests in another hole (a gap's outline) made valid; None if unsure.

    A hole of the area inside a covered island in a gap is a hole of the island (cut to the
    area) and, as it came with the area, of the part around the gap too, where it lies inside
    the gap's outline, itself a hole there: "Holes are nested".  GEOS's ``make_valid`` ("structure":
    each shell less the union of its holes) mends those polygons; the catchment's area is then
    checked against the area less the gaps' to 1e-9.
    """
    near = np.unique(shapely.STRtree(polys).query(area_holes)[1])  # (boxes meeting a hole's box)
    bad = near[~shapely.is_valid(polys[near])]
    if bad.size == 0:
        return polys
    made = _polygons_of(shapely.make_valid(polys[bad], method="structure", keep_collapsed=False))
    keep = np.ones(polys.size, dtype=bool)
    keep[bad] = False
    out = np.concatenate([polys[keep], made])
    expected = float(area.area) - float(shapely.area(gaps).sum())
    if not shapely.is_valid(made).all() or abs(float(shapely.area(out).sum()) - expected) > 1e-9 * float(area.area):
        return None
    log.debug("%d covered polygon(s) with holes of the area nested in gaps made valid", bad.size)
    return out


def _islands_in_area(area: shapely.Geometry, holes: np.ndarray, parts: np.ndarray,
                     islands: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The covered islands (rings the gaps hold as holes) less the area's own holes they hold.

    A gap's hole is a covered island, or a hole of the area (an enclave, a lake the area leaves
    out), or an island around such a hole: the islands whose box meets an area hole's are cut
    to the area (GEOS, on those islands alone) and join ``parts``; the rest stay rings.
    ``holes`` are the area's interior rings.  Returns ``(parts, islands)``.
    """
    if holes.size == 0 or islands.size == 0:
        return parts, islands
    meets = np.zeros(islands.size, dtype=bool)
    meets[shapely.STRtree(holes).query(islands)[0]] = True  # (boxes meeting a hole's box)
    if not meets.any():
        return parts, islands
    cut = _polygons_of(shapely.intersection(shapely.polygons(islands[meets]), area))
    cut = cut[shapely.area(cut) > _SLIVER_M2]
    log.debug("%d covered island(s) around holes of the area cut to it", int(meets.sum()))
    return np.concatenate([parts, cut]), islands[~meets]


#: a gap this close to the area's boundary reaches it (GEOS's cut of the pieces leaves its vertices there ~1e-12 m off)
_ON_BOUNDARY_M = 1e-6


def _reach_boundary(area: shapely.Geometry, gaps: np.ndarray) -> np.ndarray:
    """Which gaps (inside ``area``) reach its boundary: touch it, or come within ``_ON_BOUNDARY_M`` of it.

    The pieces cut to the area by GEOS have their vertices on its boundary only to rounding
    (1e-12 m inside, say): such a gap is one along the edge, to be cut out with the others
    there (:func:`ecogis.polygon_rings.cut_outlines` takes points that near the boundary as on
    it), not a hole a hair from the area's outline.  Taken as a hole, it touched the outline at
    points (the national benchmark: 25 of its 44,406 gaps), and checking and mending the polygon
    around it (:func:`_made_valid`) took 20 of the catchment's 23 s.
    """
    if gaps.size == 0:
        return np.zeros(0, dtype=bool)
    reach = ~shapely.contains_properly(area, gaps)
    inside = np.flatnonzero(~reach)
    if inside.size:
        boundary = area.boundary
        shapely.prepare(boundary)
        near = shapely.dwithin(boundary, gaps[inside], _ON_BOUNDARY_M)
        if near.any():
            log.debug("%d gap(s) within %g m of the area's boundary are cut out along it", int(near.sum()),
                      _ON_BOUNDARY_M)
        reach[inside[near]] = True
    return reach


def _made_valid(polys: np.ndarray, which: np.ndarray) -> np.ndarray | None:
    """``polys``, those given by index made valid where they are not (gaps touching at points cut them).

    A gap touching another at two points (or along an edge), put as a hole in the polygon
    around it, cuts that polygon in two there: GEOS's ``make_valid`` (its "structure" method:
    the shells less the holes) splits it.  None where the area moved by more than 1e-9.
    """
    bad = which[~shapely.is_valid(polys[which])]
    if bad.size == 0:
        return polys
    made = _polygons_of(shapely.make_valid(polys[bad], method="structure", keep_collapsed=False))
    before = float(shapely.area(polys[bad]).sum())
    if abs(float(shapely.area(made).sum()) - before) > 1e-9 * max(before, 1.0) or not shapely.is_valid(made).all():
        return None
    log.debug("%d covered polygon(s) split where gaps touch at points", bad.size)
    keep = np.ones(polys.size, dtype=bool)
    keep[bad] = False
    return np.concatenate([polys[keep], made])


def _interior_rings(polys: np.ndarray) -> np.ndarray:
    """All interior rings of the polygons, one after the other."""
    k = shapely.get_num_interior_rings(polys)
    return shapely.get_interior_ring(np.repeat(polys, k), np.arange(int(k.sum())) - np.repeat(np.cumsum(k) - k, k))
