"""Closed-form areas of a disc clipped to segments and polygons, and the equal-area radius of a polygonal disc.

Part of :mod:`ecogis.discs`, which re-exports the public names.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import shapely

__all__ = [
    "chord_ends",
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


def chord_ends(p: np.ndarray, q: np.ndarray, mid: np.ndarray, half: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Where segments ``p -> q`` enter and leave circles whose chords on their lines run ``half`` either side of
    ``mid`` (a point on each line), clipped to the segments; ``(n, 2)`` arrays.

    Measured in metres from the end nearer ``mid``: an end a trillion metres out (a Voronoi vertex of
    nearly collinear stops) would otherwise cost the crossing centimetres, or all of it.

    Examples
    --------
    >>> import numpy as np
    >>> a, b = chord_ends(np.array([[-10.0, 0.0]]), np.array([[1e12, 0.0]]), np.array([[0.0, 0.0]]), np.array([5.0]))
    >>> a.tolist(), b.tolist()
    ([[-5.0, 0.0]], [[5.0, 0.0]])
    """
    flip = np.einsum("ij,ij->i", p - mid, p - mid) > np.einsum("ij,ij->i", q - mid, q - mid)
    base, other = p.copy(), q.copy()
    base[flip], other[flip] = q[flip], p[flip]
    d = other - base
    length = np.sqrt(np.einsum("ij,ij->i", d, d))
    u = np.divide(d, length[:, None], out=np.zeros_like(d), where=length[:, None] > 0)
    t = np.einsum("ij,ij->i", mid - base, u)
    near = base + np.clip(t - half, 0.0, length)[:, None] * u  # the crossing nearer ``base``
    far = base + np.clip(t + half, 0.0, length)[:, None] * u
    entry, exit_ = near, far
    entry[flip], exit_[flip] = far[flip], near[flip]  # (both sides are copies: boolean indexing)
    return entry, exit_


def segment_disc_area(p: np.ndarray, q: np.ndarray, r: float) -> np.ndarray:
    """Signed area of disc(0, r) ∩ triangle(0, p, q), for arrays of segments ``(n, 2)``.

    Positive when (0, p, q) turns counter-clockwise.  The circle's crossings are found in
    metres along the segment from its end nearer the centre (the foot of the perpendicular,
    then half the chord either side, :func:`chord_ends`), so a segment a million or a
    trillion times longer than ``r`` (a Voronoi edge to a vertex far out, where stops are
    nearly in line) keeps them to within rounding of ``r``; solving the quadratic in the
    segment's own parameter lost them there (its discriminant is ``|d|^2 r^2`` less rounding
    of ``|p|^2 |d|^2``).

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
    near = np.where((np.einsum("ij,ij->i", p, p) > np.einsum("ij,ij->i", q, q))[:, None], q, p)
    d = q - p
    length = np.sqrt(np.einsum("ij,ij->i", d, d))
    u = np.divide(d, length[:, None], out=np.zeros_like(d), where=length[:, None] > 0)
    off = near[:, 0] * u[:, 1] - near[:, 1] * u[:, 0]  # distance of the line from the centre
    foot = near - np.einsum("ij,ij->i", near, u)[:, None] * u  # the centre's foot on the line, from ``near``
    p1, p2 = chord_ends(p, q, foot, np.sqrt(np.maximum(r * r - off * off, 0.0)))

    def cross(a: np.ndarray, b: np.ndarray) -> np.ndarray:
        return a[:, 0] * b[:, 1] - a[:, 1] * b[:, 0]

    def angle(a: np.ndarray, b: np.ndarray) -> np.ndarray:
        return np.arctan2(cross(a, b), np.einsum("ij,ij->i", a, b))

    return 0.5 * r * r * angle(p, p1) + 0.5 * cross(p1, p2) + 0.5 * r * r * angle(p2, q)


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
