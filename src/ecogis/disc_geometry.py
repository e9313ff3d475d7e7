"""Closed-form areas of a disc clipped to segments and polygons, and the equal-area radius of a polygonal disc.

Part of :mod:`ecogis.discs`, which re-exports the public names.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import shapely

__all__ = [
    "disc_polygon_area",
    "equal_area_radius",
    "segment_disc_area",
]


_POLY = 3  # shapely type id of Polygon


def equal_area_radius(radius_m: float, vertices: int) -> float:
    """Circumradius of the regular polygon with ``vertices`` corners whose area is the disc's.

    Examples
    --------
    >>> import math
    >>> r = equal_area_radius(500.0, 256)
    >>> round(0.5 * 256 * r * r * math.sin(2 * math.pi / 256) / (math.pi * 500.0**2), 12)
    1.0
    """
    step = 2.0 * np.pi / vertices
    return float(radius_m) * float(np.sqrt(step / np.sin(step)))


def segment_disc_area(p: np.ndarray, q: np.ndarray, r: float) -> np.ndarray:
    """Signed area of disc(0, r) ∩ triangle(0, p, q), for arrays of segments ``(n, 2)``.

    Positive when (0, p, q) turns counter-clockwise.  The circle's crossings are found in
    metres along the segment from its end nearer the centre (the foot of the perpendicular,
    then half the chord either side), so a segment a million or a trillion times longer
    than ``r`` (a Voronoi edge to a vertex far out, where stops are nearly in line) keeps
    them to within rounding of ``r``; solving the quadratic in the segment's own parameter
    lost them there (its discriminant is ``|d|^2 r^2`` less rounding of ``|p|^2 |d|^2``).

    Examples
    --------
    >>> import numpy as np
    >>> float(segment_disc_area(np.array([[1.0, 0.0]]), np.array([[0.0, 1.0]]), 10.0)[0])
    0.5
    >>> round(float(segment_disc_area(np.array([[100.0, 0.0]]), np.array([[0.0, 100.0]]), 1.0)[0]), 12)
    0.785398163397
    """
    p = np.asarray(p, dtype=float).reshape(-1, 2)
    q = np.asarray(q, dtype=float).reshape(-1, 2)
    flip = np.einsum("ij,ij->i", p, p) > np.einsum("ij,ij->i", q, q)
    near, far = p.copy(), q.copy()  # walk from the end nearer the centre
    near[flip], far[flip] = q[flip], p[flip]
    d = far - near
    length = np.sqrt(np.einsum("ij,ij->i", d, d))
    u = np.divide(d, length[:, None], out=np.zeros_like(d), where=length[:, None] > 0)
    nx, ny, ux, uy = near[:, 0], near[:, 1], u[:, 0], u[:, 1]
    foot = -(nx * ux + ny * uy)  # metres from ``near`` to the foot of the perpendicular
    off = nx * uy - ny * ux  # distance of the line from the centre
    half = np.sqrt(np.maximum(r * r - off * off, 0.0))
    s1 = np.clip(foot - half, 0.0, length)
    s2 = np.maximum(np.clip(foot + half, 0.0, length), s1)
    p1x, p1y = nx + s1 * ux, ny + s1 * uy
    p2x, p2y = nx + s2 * ux, ny + s2 * uy
    fx, fy = far[:, 0], far[:, 1]
    rr = 0.5 * r * r
    area = (rr * np.arctan2(nx * p1y - ny * p1x, nx * p1x + ny * p1y) + 0.5 * (p1x * p2y - p1y * p2x)
            + rr * np.arctan2(p2x * fy - p2y * fx, p2x * fx + p2y * fy))
    area[flip] = -area[flip]
    return area


def disc_polygon_area(geoms: Any, centers: np.ndarray, radius_m: float) -> np.ndarray:
    """Exact area of disc(center_i, r) ∩ geometry_i for arrays of polygons.

    Sums, ring by ring, the signed areas of the disc clipped to the triangles
    (centre, vertex k, vertex k+1): straight pieces inside the disc contribute
    triangles, pieces outside circular sectors (Green's theorem).  Works for any
    polygon, holes and multipolygons included; other parts are ignored.

    Parameters
    ----------
    geoms : array-like of shapely geometries
        Polygons (or MultiPolygons / collections), one per centre.
    centers : numpy.ndarray
        ``(n, 2)`` disc centres.
    radius_m : float
        Disc radius.

    Returns
    -------
    numpy.ndarray
        ``n`` areas.

    Examples
    --------
    >>> import shapely, numpy as np
    >>> sq = shapely.box(-10, -10, 10, 10)
    >>> float(disc_polygon_area([sq], np.array([[0.0, 0.0]]), 5.0)[0]) == float(np.pi * 25)
    True
    >>> float(disc_polygon_area([sq], np.array([[0.0, 0.0]]), 100.0)[0])
    400.0
    """
    geoms = np.asarray(geoms, dtype=object)
    centers = np.asarray(centers, dtype=float).reshape(-1, 2)
    n = len(geoms)
    out = np.zeros(n)
    if n == 0:
        return out
    types = shapely.get_type_id(geoms)
    if (types == _POLY).all():
        parts, pidx = geoms, np.arange(n)
    else:
        parts, pidx = shapely.get_parts(geoms, return_index=True)
    poly = shapely.get_type_id(parts) == _POLY
    parts, pidx = parts[poly], pidx[poly]
    if parts.size == 0:
        return out
    rings, ridx = shapely.get_rings(parts, return_index=True)
    exterior = np.ones(len(rings), dtype=bool)
    exterior[1:] = ridx[1:] != ridx[:-1]
    owner = pidx[ridx]
    coords, cidx = shapely.get_coordinates(rings, return_index=True)
    c = centers[owner[cidx]]
    rel = coords - c
    same = cidx[1:] == cidx[:-1]
    p = rel[:-1][same]
    q = rel[1:][same]
    seg_ring = cidx[:-1][same]
    f = segment_disc_area(p, q, float(radius_m))
    ring_val = np.bincount(seg_ring, weights=f, minlength=len(rings))
    ring_val = np.abs(ring_val) * np.where(exterior, 1.0, -1.0)
    return np.bincount(owner, weights=ring_val, minlength=n)
