"""Gap polygons parted where two discs touch: closed discs meeting at one point separate the gaps either side.

Two stops exactly ``2 r`` apart (a lattice of stops every kilometre with a 500 m radius, in
metric coordinates) have discs that touch at the midpoint and do not cross.  The walk of
the Voronoi cells finds no crossing on their shared edge, so the gap pieces either side of
the point of contact meet along the whole edge and merge into one gap; the arcs are drawn
short of the edge (:func:`ecogis.arc_rings._below_neck`; and their chords fall inside the circle),
so the merged gap runs through a neck 2 µm to a few centimetres wide there.  Every area is right,
but the gaps are not: a square lattice of 6 × 6 such stops has 25 gaps (each the curved square
between four discs), not one.

:func:`part_where_discs_touch` cuts each such neck along the line between the two stops
(a slit 1 µm wide and half a radius long through the point of contact), which crosses the gap
nowhere else: it lies inside the two discs.  Only gaps that hold such a neck are cut (GEOS); their
parts lie 1 µm apart, and add up to the gap's area less the slit's (below 1e-9 of it).  The catchment polygon
is built from the gaps before they are parted (it is the same point set).

Examples
--------
>>> import numpy as np, shapely
>>> from ecogis.disc_union import _buffer_coverage
>>> g = np.arange(4) * 1000.0
>>> xy = np.array([(x, y) for x in g for y in g])
>>> area = shapely.box(0, 0, 3000, 3000)
>>> run = _buffer_coverage(xy, area, 500.0, partitions=None, crs=None)
>>> len(run.gaps), len(part_where_discs_touch(run.gaps, run.cells))
(1, 9)
"""

from __future__ import annotations

import logging

import numpy as np
import shapely

from ecogis.disc_union import _Cells, _polygons

__all__ = ["part_where_discs_touch"]

log = logging.getLogger(__name__)

#: the slit across a neck: half its length, in radii (it lies inside the two discs but at the neck), and its width
_SLIT_HALF_R = 0.25
_SLIT_WIDTH_M = 1e-6


def part_where_discs_touch(gaps: np.ndarray, cells: _Cells | None) -> np.ndarray:
    """``gaps`` (polygons) parted where two discs touch inside them: the gaps either side, apart.

    ``cells`` are the coverage's cells (None where no stop serves the area).  A point of contact
    in a gap (or on its outline: two discs touching on the area's edge, one inside, part the
    gap there between the edge and the inner disc) that no third disc covers is slit along
    the line between the two stops, 1 µm wide.  Where that parts the gap, it loses that much
    area (at most the neck's width × 1 µm, below 1e-9 of it: checked, or it is kept whole,
    with a debug message); where it does not, the gap is kept as it was.
    """
    gaps = np.asarray(gaps, dtype=object)
    voronoi = None if cells is None else cells.voronoi
    if gaps.size == 0 or voronoi is None:
        return gaps
    r = float(cells.radius_m)
    a, b = voronoi.touching(r)
    if a.size == 0:
        return gaps
    xy = cells.xy
    contact = 0.5 * (xy[a] + xy[b])
    if len(xy) > 2:  # a third disc over the point of contact leaves no gap there
        from scipy.spatial import cKDTree

        free = cKDTree(xy).query(contact, k=3)[0][:, 2] > r * (1.0 + 1e-9)
        a, b, contact = a[free], b[free], contact[free]
    point_i, gap_i = shapely.STRtree(gaps).query(shapely.points(contact), predicate="intersects")
    if gap_i.size == 0:
        return gaps
    u = xy[b[point_i]] - xy[a[point_i]]
    u /= np.hypot(u[:, 0], u[:, 1])[:, None]
    along, across = _SLIT_HALF_R * r * u, 0.5 * _SLIT_WIDTH_M * np.column_stack([-u[:, 1], u[:, 0]])
    m = contact[point_i]
    slits = shapely.polygons(np.stack([m - along - across, m + along - across, m + along + across,
                                       m - along + across, m - along - across], axis=1))
    o = np.argsort(gap_i, kind="stable")
    slits, gap_i = slits[o], gap_i[o]
    starts = np.flatnonzero(np.r_[True, gap_i[1:] != gap_i[:-1]])
    which = gap_i[starts]
    cut = np.array([shapely.union_all(group) for group in np.split(slits, starts[1:])], dtype=object)
    parted = shapely.difference(gaps[which], cut)
    out: list[np.ndarray] = []
    keep = np.ones(gaps.size, dtype=bool)
    for g, whole in zip(which, parted):
        parts = _polygons(whole)
        before = float(shapely.area(gaps[g]))
        if parts.size < 2 or abs(float(shapely.area(parts).sum()) - before) > 1e-9 * before:
            log.debug("a gap of %.6g m2 did not part cleanly where discs touch; kept whole", before)
            continue
        keep[g] = False
        out.append(parts)
    if not out:
        return gaps
    log.debug("%d gap(s) parted where discs touch, into %d", int((~keep).sum()), sum(p.size for p in out))
    return np.concatenate([gaps[keep], *out])

