"""Union of equal discs around points, exactly: the Voronoi cells of the points, from their Delaunay triangulation.

The union of discs of radius ``r`` around points splits into disjoint pieces:
disc *i* clipped to the Voronoi cell of point *i* (every point of the union is
nearest to a centre whose disc holds it).  Each cell is the fan of triangles
(point, vertex *k*, vertex *k+1*) over its edges, and the area of a disc clipped
to a triangle with its apex at the centre has a closed form (a triangle where the
edge is inside the disc, a circular sector where it is outside; Green's theorem).
So the area of the union is a sum over the Voronoi edges, with no polygon
approximation of the circles.

The Voronoi edges come from the Delaunay triangulation (scipy's Qhull): the edge
dual to the Delaunay edge *(a, b)* joins the circumcentres of the two triangles
on either side, and by mirror symmetry it adds the same area to the cells of *a*
and of *b*.  Cells of points on the convex hull are unbounded; they are built as
polygons (rays cut far beyond the disc) and measured with :func:`disc_polygon_area`.

Examples
--------
>>> import numpy as np
>>> cells = VoronoiCells(np.array([[0.0, 0.0], [600.0, 0.0], [0.0, 5000.0]]))
>>> lens = 2 * 500**2 * np.arccos(600 / 1000) - 0.5 * 600 * np.sqrt(1000**2 - 600**2)
>>> bool(np.isclose(cells.disc_areas(500.0).sum(), 3 * np.pi * 500**2 - lens, rtol=1e-12))
True
"""

from __future__ import annotations

from typing import Any

import numpy as np
import shapely

__all__ = ["VoronoiCells", "disc_polygon_area", "segment_disc_area"]

_POLY = 3  # shapely type id of Polygon


def segment_disc_area(p: np.ndarray, q: np.ndarray, r: float) -> np.ndarray:
    """Signed area of disc(0, r) ∩ triangle(0, p, q), for arrays of segments ``(n, 2)``.

    Positive when (0, p, q) turns counter-clockwise.

    Examples
    --------
    >>> import numpy as np
    >>> float(segment_disc_area(np.array([[1.0, 0.0]]), np.array([[0.0, 1.0]]), 10.0)[0])
    0.5
    >>> round(float(segment_disc_area(np.array([[100.0, 0.0]]), np.array([[0.0, 100.0]]), 1.0)[0]), 12)
    0.785398163397
    """
    d = q - p
    a = np.einsum("ij,ij->i", d, d)
    b = 2.0 * np.einsum("ij,ij->i", p, d)
    c = np.einsum("ij,ij->i", p, p) - r * r
    disc = b * b - 4.0 * a * c
    with np.errstate(invalid="ignore", divide="ignore"):
        sq = np.sqrt(np.maximum(disc, 0.0))
        t1 = np.where((disc > 0) & (a > 0), (-b - sq) / (2.0 * a), 0.0)
        t2 = np.where((disc > 0) & (a > 0), (-b + sq) / (2.0 * a), 0.0)
    s1 = np.clip(t1, 0.0, 1.0)
    s2 = np.clip(t2, 0.0, 1.0)
    s2 = np.maximum(s1, s2)
    p1 = p + s1[:, None] * d
    p2 = p + s2[:, None] * d

    def cross(u: np.ndarray, v: np.ndarray) -> np.ndarray:
        return u[:, 0] * v[:, 1] - u[:, 1] * v[:, 0]

    def angle(u: np.ndarray, v: np.ndarray) -> np.ndarray:
        return np.arctan2(cross(u, v), np.einsum("ij,ij->i", u, v))

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


class VoronoiCells:
    """Voronoi cells of distinct points, from their Delaunay triangulation.

    Parameters
    ----------
    xy : numpy.ndarray
        ``(n, 2)`` distinct points, at least three and not all on one line
        (:meth:`possible` says whether a set qualifies).

    Attributes
    ----------
    hull : numpy.ndarray
        Points on the convex hull (their cells are unbounded).
    farthest : numpy.ndarray
        Distance from each point to the farthest vertex of its cell (``inf`` on the hull):
        a cell lies wholly inside the disc of its point when this is at most the radius.

    Examples
    --------
    >>> import numpy as np
    >>> g = np.array([[x, y] for x in range(5) for y in range(5)], dtype=float) * 100.0
    >>> cells = VoronoiCells(g)
    >>> float(np.round(cells.farthest[12], 6))  # the centre of a 100 m lattice: half the diagonal
    70.710678
    """

    def __init__(self, xy: np.ndarray) -> None:
        from scipy.spatial import Delaunay

        xy = np.asarray(xy, dtype=float).reshape(-1, 2)
        self.xy = xy
        self._origin = xy.mean(axis=0)
        pts = xy - self._origin  # metres around the centroid: circumcentres keep their precision
        self._pts = pts
        tri = Delaunay(pts)
        s = tri.simplices
        a = pts[s[:, 0]]
        b = pts[s[:, 1]] - a
        c = pts[s[:, 2]] - a
        d = 2.0 * (b[:, 0] * c[:, 1] - b[:, 1] * c[:, 0])
        bb = np.einsum("ij,ij->i", b, b)
        cc = np.einsum("ij,ij->i", c, c)
        u = np.column_stack([(c[:, 1] * bb - b[:, 1] * cc) / d, (b[:, 0] * cc - c[:, 0] * bb) / d])
        self._simplices = s
        self._centres = a + u  # circumcentres = Voronoi vertices
        radius = np.hypot(u[:, 0], u[:, 1])
        n = len(xy)
        # each Delaunay edge once: triangle t, its edge opposite vertex k, the neighbour across it
        nb = tri.neighbors
        tri_index = np.arange(len(s))
        edge_t, edge_other, edge_a, edge_b, hull_t, hull_k = [], [], [], [], [], []
        for k in range(3):
            other = nb[:, k]
            once = other > tri_index  # interior edges once; hull edges (other == -1) are left to the hull cells
            edge_t.append(tri_index[once])
            edge_other.append(other[once])
            edge_a.append(s[once, (k + 1) % 3])
            edge_b.append(s[once, (k + 2) % 3])
            outer = np.flatnonzero(other == -1)
            hull_t.append(outer)
            hull_k.append(np.full(outer.size, k))
        self._edge_t, self._edge_other = np.concatenate(edge_t), np.concatenate(edge_other)
        self._edge_a, self._edge_b = np.concatenate(edge_a), np.concatenate(edge_b)
        self._hull_t, self._hull_k = np.concatenate(hull_t), np.concatenate(hull_k)
        self.hull = np.unique(np.concatenate([s[self._hull_t, (self._hull_k + 1) % 3],
                                              s[self._hull_t, (self._hull_k + 2) % 3]]))
        far = np.zeros(n)
        np.maximum.at(far, s.ravel(), np.repeat(radius, 3))
        far[self.hull] = np.inf
        self.farthest = far

    @staticmethod
    def possible(xy: np.ndarray) -> bool:
        """True when ``xy`` (distinct points) has at least three points not all on one line."""
        xy = np.asarray(xy, dtype=float).reshape(-1, 2)
        if len(xy) < 3:
            return False
        rel = xy - xy[0]
        scale = float(np.abs(rel).max())
        if scale == 0.0:
            return False
        # rank 2 with some margin: Qhull refuses (nearly) flat input
        sv = np.linalg.svd(rel / scale, compute_uv=False)
        return bool(sv[-1] > 1e-9 * sv[0])

    def disc_areas(self, radius_m: float) -> np.ndarray:
        """Area of disc(point i, r) ∩ cell i, exact, for every point (hull cells included)."""
        n = len(self.xy)
        r = float(radius_m)
        p = self._pts
        a, b = self._edge_a, self._edge_b
        v1 = self._centres[self._edge_t] - p[a]
        v2 = self._centres[self._edge_other] - p[a]
        # an edge with both ends in the disc is wholly in it (a disc is convex): a plain triangle
        f = 0.5 * np.abs(v1[:, 0] * v2[:, 1] - v1[:, 1] * v2[:, 0])
        r2 = r * r
        out_of_disc = np.flatnonzero((np.einsum("ij,ij->i", v1, v1) > r2) | (np.einsum("ij,ij->i", v2, v2) > r2))
        f[out_of_disc] = np.abs(segment_disc_area(v1[out_of_disc], v2[out_of_disc], r))
        out = np.zeros(n)  # (bincount of nothing is an integer array)
        out += np.bincount(a, weights=f, minlength=n)
        out += np.bincount(b, weights=f, minlength=n)
        hull = self.hull
        out[hull] = disc_polygon_area(self.polygons(hull, radius_m=r), self.xy[hull], r)
        return out

    def polygons(self, which: np.ndarray, *, radius_m: float | None = None) -> np.ndarray:
        """The cells of the points ``which`` (indices or a boolean mask) as shapely polygons.

        Unbounded cells (on the hull) are cut beyond their rays' far points: with
        ``radius_m`` at more than ten times the radius from their point, else at
        ten times the extent of all points, so any disc of that radius is whole.
        """
        which = np.asarray(which)
        idx = np.flatnonzero(which) if which.dtype == bool else which.astype(np.intp)
        n = len(self.xy)
        if idx.size == 0:
            return np.zeros(0, dtype=object)
        rank = np.full(n, -1, dtype=np.intp)
        rank[idx] = np.arange(idx.size)
        s = self._simplices
        tri_of = np.repeat(np.arange(len(s)), 3)
        owner = s.ravel()
        keep = rank[owner] >= 0
        coords = [self._centres[tri_of[keep]]]
        owners = [owner[keep]]
        wanted_hull = self.hull[rank[self.hull] >= 0]
        if wanted_hull.size:
            coords_h, owners_h = self._hull_far_points(wanted_hull, radius_m)
            coords.append(coords_h)
            owners.append(owners_h)
        xy = np.vstack(coords)
        own = np.concatenate(owners)
        rel = xy - self._pts[own]
        ang = np.arctan2(rel[:, 1], rel[:, 0])
        order = np.lexsort((ang, rank[own]))
        ring_xy = xy[order] + self._origin
        rings = shapely.linearrings(ring_xy, indices=rank[own][order])
        return shapely.polygons(rings)

    def _hull_far_points(self, wanted: np.ndarray, radius_m: float | None) -> tuple[np.ndarray, np.ndarray]:
        """Far points on the rays of the hull cells ``wanted`` and one on the bisector between them."""
        s = self._simplices
        t, k = self._hull_t, self._hull_k
        ea = s[t, (k + 1) % 3]
        eb = s[t, (k + 2) % 3]
        opposite = s[t, k]
        p = self._pts
        edge = p[eb] - p[ea]
        normal = np.column_stack([edge[:, 1], -edge[:, 0]])
        normal /= np.hypot(normal[:, 0], normal[:, 1])[:, None]
        # point away from the triangle's third vertex: outward
        flip = np.einsum("ij,ij->i", normal, p[opposite] - p[ea]) > 0
        normal[flip] *= -1.0
        start = self._centres[t]
        if radius_m is not None:
            reach = 10.0 * float(radius_m)
        else:
            reach = 10.0 * float(np.ptp(p, axis=0).max() + 1.0)
        wanted_mask = np.zeros(len(p), dtype=bool)
        wanted_mask[wanted] = True
        out_xy = []
        out_owner = []
        for end in (ea, eb):
            sel = wanted_mask[end]
            d = reach + np.hypot(*(start[sel] - p[end[sel]]).T)
            out_xy.append(start[sel] + normal[sel] * d[:, None])
            out_owner.append(end[sel])
        # bisector point: the mean of the two outward normals at each hull point
        owners = np.concatenate([ea, eb])
        normals = np.vstack([normal, normal])
        sel = wanted_mask[owners]
        mean = np.zeros((len(p), 2))
        np.add.at(mean, owners[sel], normals[sel])
        mw = mean[wanted]
        length = np.hypot(mw[:, 0], mw[:, 1])
        flat = length < 1e-9
        if flat.any():  # opposite normals cannot happen on a 2-D hull; guard anyway
            mw[flat] = normals[sel][:1].repeat(int(flat.sum()), axis=0)
            length[flat] = 1.0
        dist = np.zeros(len(p))
        for far_xy, far_owner in zip(out_xy, out_owner):
            np.maximum.at(dist, far_owner, np.hypot(*(far_xy - p[far_owner]).T))
        out_xy.append(p[wanted] + mw / length[:, None] * dist[wanted][:, None])
        out_owner.append(wanted)
        return np.vstack(out_xy), np.concatenate(out_owner)
