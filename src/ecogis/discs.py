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
        self._radius = radius  # each Voronoi vertex is this far from its three points
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

    def gap_pieces(self, which: np.ndarray, radius_m: float, *,
                   arc_step_rad: float = 2.0 * np.pi / 256) -> tuple[np.ndarray, np.ndarray] | None:
        """Cell minus disc of the points ``which``, as polygons that fit each other exactly.

        Walks each cell's edges counter-clockwise (ordered as the neighbours around the
        point) and keeps what lies outside the disc: vertices outside it, the points where
        an edge leaves or enters it, and between an entry and the previous exit the arc
        of the circle (chords of at most ``arc_step_rad``).  A Voronoi edge is shared by
        two cells and so is the circle's crossing of it (both discs cross it at the same
        points, on the bisector): it is computed once, so neighbouring pieces share exact
        vertices and form a polygonal coverage (:func:`shapely.coverage_union_all`).

        Parameters
        ----------
        which : numpy.ndarray
            Indices (or a boolean mask) of the points whose gap pieces are wanted.
        radius_m : float
            Disc radius.
        arc_step_rad : float, default 2 pi / 256
            Largest angle between two vertices on an arc (0.04 m from the circle at r = 500 m).

        Returns
        -------
        (numpy.ndarray, numpy.ndarray) or None
            The pieces (polygons; a cell may give several, or one with the whole disc as a
            hole) and the point each belongs to; None when rounding left a cell's walk
            inconsistent (then build the pieces with GEOS).
        """
        which = np.asarray(which)
        idx = np.flatnonzero(which) if which.dtype == bool else which.astype(np.intp)
        p = self._pts
        n = len(p)
        r = float(radius_m)
        none = (np.zeros(0, dtype=object), np.zeros(0, dtype=np.intp))
        if idx.size == 0:
            return none
        wanted = np.zeros(n, dtype=bool)
        wanted[idx] = True
        # the edges of the wanted cells: finite Voronoi edges, then the hull's rays
        ra, rb, ta, tb = self._edge_a, self._edge_b, self._edge_t, self._edge_other
        start, end = self._centres[ta], self._centres[tb]
        keep = (wanted[ra] | wanted[rb]) & (start != end).any(axis=1)  # cocircular points: zero-length edges
        ha, hb, ht, hstart, hfar, hnormal = self._rays(self._reach(r))
        hkeep = wanted[ha] | wanted[hb]
        A = np.concatenate([ra[keep], ha[hkeep]])
        B = np.concatenate([rb[keep], hb[hkeep]])
        P = np.vstack([start[keep], hstart[hkeep]])
        Q = np.vstack([end[keep], hfar[hkeep]])
        in_p = np.concatenate([self._radius[ta[keep]] <= r, self._radius[ht[hkeep]] <= r])
        in_q = np.concatenate([self._radius[tb[keep]] <= r, np.zeros(int(hkeep.sum()), dtype=bool)])
        # where each edge meets the circles of its two points: on the bisector, h either side of the midpoint
        PQ = Q - P
        length = np.hypot(PQ[:, 0], PQ[:, 1])
        unit = PQ / length[:, None]
        mid = 0.5 * (p[A] + p[B])
        half2 = r * r - 0.25 * np.einsum("ij,ij->i", p[A] - p[B], p[A] - p[B])
        s_mid = np.einsum("ij,ij->i", mid - P, unit) / length
        s_half = np.sqrt(np.maximum(half2, 0.0)) / length
        s_in = np.clip(s_mid - s_half, 0.0, 1.0)  # entering the disc, going from P to Q
        s_out = np.clip(s_mid + s_half, 0.0, 1.0)  # leaving it
        # the ends' side is the vertex's own (its distance to its three points), so every edge agrees
        exit_only = in_p & ~in_q
        entry_only = ~in_p & in_q
        through = ~in_p & ~in_q & (half2 > 0) & (s_mid - s_half > 0) & (s_mid + s_half < 1)
        x_in = P + s_in[:, None] * PQ
        x_out = P + s_out[:, None] * PQ

        # events per (cell, edge): [start vertex if outside] + crossings, in the cell's counter-clockwise order
        ev_cell, ev_angle, ev_sub, ev_kind, ev_xy = [], [], [], [], []
        OUTSIDE, ENTRY, EXIT = 0, 1, 2
        for own, other in ((A, B), (B, A)):
            sel = np.flatnonzero(wanted[own])
            if sel.size == 0:
                continue
            c, j = own[sel], other[sel]
            d = p[j] - p[c]
            angle = np.arctan2(d[:, 1], d[:, 0])
            forward = (d[:, 0] * PQ[sel, 1] - d[:, 1] * PQ[sel, 0]) > 0  # P -> Q runs counter-clockwise
            first_xy = np.where(forward[:, None], P[sel], Q[sel])
            first_out = np.where(forward, ~in_p[sel], ~in_q[sel])
            ev = [(first_out, first_xy, OUTSIDE, 0)]
            # forward: entry then exit along s; backward: the reverse, with the roles swapped
            one_exit = np.where(forward, exit_only[sel], entry_only[sel])
            one_entry = np.where(forward, entry_only[sel], exit_only[sel])
            ev.append((one_exit, np.where((forward & exit_only[sel])[:, None], x_out[sel], x_in[sel]), EXIT, 1))
            ev.append((one_entry, np.where((forward & entry_only[sel])[:, None], x_in[sel], x_out[sel]), ENTRY, 1))
            ev.append((through[sel], np.where(forward[:, None], x_in[sel], x_out[sel]), ENTRY, 1))
            ev.append((through[sel], np.where(forward[:, None], x_out[sel], x_in[sel]), EXIT, 2))
            for mask, xy, kind, sub in ev:
                ev_cell.append(c[mask])
                ev_angle.append(angle[mask])
                ev_sub.append(np.full(int(mask.sum()), sub))
                ev_kind.append(np.full(int(mask.sum()), kind))
                ev_xy.append(xy[mask])
        # hull cells: from the far end of the outgoing ray to the bisector point (both outside the disc)
        hull_wanted = self.hull[wanted[self.hull]]
        if hull_wanted.size:
            owners = np.concatenate([ha, hb])
            fars = np.vstack([hfar, hfar])
            sel = wanted[owners]
            bis, bis_angle = self._bisector_points(hull_wanted, owners[sel], np.vstack([hnormal, hnormal])[sel],
                                                   fars[sel])
            # the outgoing ray of a hull cell is the one walked from its start to its far point
            out_far = np.zeros((n, 2))
            for own, other in ((ha, hb), (hb, ha)):
                d = p[other] - p[own]
                PQr = hfar - hstart
                fwd = (d[:, 0] * PQr[:, 1] - d[:, 1] * PQr[:, 0]) > 0
                out_far[own[fwd]] = hfar[fwd]
            for xy, sub in ((out_far[hull_wanted], 0), (bis, 1)):
                ev_cell.append(hull_wanted)
                ev_angle.append(bis_angle)
                ev_sub.append(np.full(hull_wanted.size, sub))
                ev_kind.append(np.full(hull_wanted.size, OUTSIDE))
                ev_xy.append(xy)
        cell = np.concatenate(ev_cell)
        angle = np.concatenate(ev_angle)
        sub = np.concatenate(ev_sub)
        kind = np.concatenate(ev_kind)
        exy = np.vstack(ev_xy)
        order = np.lexsort((sub, angle, cell))
        cell, kind, exy = cell[order], kind[order], exy[order]
        if cell.size == 0:
            return none
        # walk each cell from its first exit: a piece runs from an exit to the next entry
        group_start = np.flatnonzero(np.r_[True, cell[1:] != cell[:-1]])
        group_size = np.diff(np.r_[group_start, cell.size])
        group_of = np.repeat(np.arange(group_start.size), group_size)
        pos = np.arange(cell.size) - group_start[group_of]
        is_exit = kind == EXIT
        exits = np.bincount(group_of, weights=is_exit, minlength=group_start.size)
        entries = np.bincount(group_of, weights=kind == ENTRY, minlength=group_start.size)
        if (exits != entries).any():
            return None
        big = np.iinfo(np.int64).max
        first_exit = np.full(group_start.size, big)
        np.minimum.at(first_exit, group_of[is_exit], pos[is_exit])
        crossing = exits > 0
        rot = np.where(crossing[group_of], (pos - np.where(crossing, first_exit, 0)[group_of]) % group_size[group_of],
                       pos)
        order = np.lexsort((rot, group_of))
        cell, kind, exy, group_of = cell[order], kind[order], exy[order], group_of[order]
        pieces, owner = [], []
        # cells the circle never crosses (the disc lies inside them): the cell with the disc as a hole
        whole = ~crossing[group_of]
        if whole.any():
            g_whole = np.flatnonzero(~crossing)
            c_whole = cell[whole]
            ring_id = np.searchsorted(g_whole, group_of[whole])
            shells = shapely.linearrings(exy[whole] + self._origin, indices=ring_id)
            k = max(int(np.ceil(2.0 * np.pi / arc_step_rad)), 8)
            t = np.linspace(0.0, 2.0 * np.pi, k, endpoint=False)
            r_eq = r * np.sqrt((2.0 * np.pi / k) / np.sin(2.0 * np.pi / k))  # the k-gon with the disc's area
            first = np.r_[True, ring_id[1:] != ring_id[:-1]]
            centres = p[c_whole[first]]
            circle = np.stack([centres[:, 0:1] + r_eq * np.cos(t), centres[:, 1:2] + r_eq * np.sin(t)], axis=-1)
            holes = shapely.linearrings(circle.reshape(-1, 2) + self._origin,
                                        indices=np.repeat(np.arange(len(centres)), k))
            pieces.append(shapely.polygons(shells, holes=holes[:, None]))
            owner.append(c_whole[first])
        cross = ~whole
        if cross.any():
            cell_c, kind_c, exy_c = cell[cross], kind[cross], exy[cross]
            comp = np.cumsum(kind_c == EXIT) - 1
            comp_start = np.flatnonzero(np.r_[True, comp[1:] != comp[:-1]])
            comp_end = np.r_[comp_start[1:], comp.size] - 1
            if not ((kind_c[comp_start] == EXIT).all() and (kind_c[comp_end] == ENTRY).all()):
                return None
            c_comp = cell_c[comp_start]
            x, y = exy_c[comp_start], exy_c[comp_end]
            rel_x, rel_y = x - p[c_comp], y - p[c_comp]
            th_x = np.arctan2(rel_x[:, 1], rel_x[:, 0])
            th_y = np.arctan2(rel_y[:, 1], rel_y[:, 0])
            sweep = np.mod(th_y - th_x, 2.0 * np.pi)  # from the entry back to the exit, clockwise
            k = np.maximum(np.ceil(sweep / arc_step_rad).astype(np.int64) - 1, 0)
            arc_comp = np.repeat(np.arange(c_comp.size), k)
            arc_j = np.arange(k.sum()) - np.repeat(np.cumsum(k) - k, k) + 1
            step = sweep / (k + 1)
            arc_t = th_y[arc_comp] - step[arc_comp] * arc_j
            # inner arc vertices a little beyond the circle, so each chord's triangle has its sector's area
            with np.errstate(invalid="ignore", divide="ignore"):
                bulge = np.where(step > 0, np.sqrt(step / np.sin(step)), 1.0)
            arc_r = r * bulge[arc_comp]
            arc_xy = p[c_comp[arc_comp]] + arc_r[:, None] * np.column_stack([np.cos(arc_t), np.sin(arc_t)])
            ring_xy = np.vstack([exy_c, arc_xy])
            ring_id = np.concatenate([comp, arc_comp])
            ring_pos = np.concatenate([np.arange(comp.size), comp.size + np.arange(arc_comp.size)])
            o = np.lexsort((ring_pos, ring_id))
            ring_xy, ring_id = ring_xy[o], ring_id[o]
            counts = np.bincount(ring_id, minlength=c_comp.size)
            ok = counts >= 3  # a tangent crossing leaves no area
            rings = shapely.linearrings(ring_xy[ok[ring_id]] + self._origin,
                                        indices=np.searchsorted(np.flatnonzero(ok), ring_id[ok[ring_id]]))
            pieces.append(shapely.polygons(rings))
            owner.append(c_comp[ok])
        if not pieces:
            return none
        return np.concatenate(pieces), np.concatenate(owner)

    def _rays(self, reach: float) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """The Voronoi edges of the hull: (point a, point b, triangle, start, far point, outward normal).

        Each ray starts at the circumcentre of the hull triangle and runs outward; it is cut
        ``reach`` beyond the farther of its two points, so both cells share the far point.
        """
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
        d = reach + np.maximum(np.hypot(*(start - p[ea]).T), np.hypot(*(start - p[eb]).T))
        return ea, eb, t, start, start + normal * d[:, None], normal

    def _reach(self, radius_m: float | None) -> float:
        if radius_m is not None:
            return 10.0 * float(radius_m)
        return 10.0 * float(np.ptp(self._pts, axis=0).max() + 1.0)

    def _hull_far_points(self, wanted: np.ndarray, radius_m: float | None) -> tuple[np.ndarray, np.ndarray]:
        """Far points on the rays of the hull cells ``wanted`` and one on the bisector between them."""
        p = self._pts
        ea, eb, _, _, far, normal = self._rays(self._reach(radius_m))
        wanted_mask = np.zeros(len(p), dtype=bool)
        wanted_mask[wanted] = True
        owners = np.concatenate([ea, eb])
        fars = np.vstack([far, far])
        sel = wanted_mask[owners]
        mid, _ = self._bisector_points(wanted, owners[sel], np.vstack([normal, normal])[sel], fars[sel])
        return np.vstack([fars[sel], mid]), np.concatenate([owners[sel], wanted])

    def _bisector_points(self, wanted: np.ndarray, owners: np.ndarray, normals: np.ndarray,
                         fars: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """For each hull point in ``wanted``: a point of its cell between and beyond its rays' far points.

        The direction is the mean of the two hull edges' outward normals: every point
        that way from the hull point is in its cell, however far the rays start.
        """
        p = self._pts
        mean = np.zeros((len(p), 2))
        np.add.at(mean, owners, normals)
        far_dist = np.zeros(len(p))
        np.maximum.at(far_dist, owners, np.hypot(*(fars - p[owners]).T))
        mw = mean[wanted]
        length = np.hypot(mw[:, 0], mw[:, 1])
        flat = length < 1e-9
        if flat.any():  # opposite normals cannot happen on a 2-D hull; guard anyway
            mw[flat] = [1.0, 0.0]
            length[flat] = 1.0
        unit = mw / length[:, None]
        return p[wanted] + unit * far_dist[wanted][:, None], np.arctan2(unit[:, 1], unit[:, 0])
