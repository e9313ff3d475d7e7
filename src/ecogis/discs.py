"""Union of equal discs around points, exactly: the Voronoi cells of the points, from their Delaunay triangulation.

The union of discs of radius ``r`` around points splits into disjoint pieces:
disc *i* clipped to the Voronoi cell of point *i* (every point of the union is
nearest to a centre whose disc holds it).  Each cell is the fan of triangles
(point, vertex *k*, vertex *k+1*) over its edges, and the area of a disc clipped
to a triangle with its apex at the centre has a closed form (a triangle where the
edge is inside the disc, a circular sector where it is outside; Green's theorem).
So the area of the union is a sum over the Voronoi edges, with no polygon
approximation of the circles.

The Voronoi edges come from the Delaunay triangulation (:func:`ecogis.delaunay.delaunay`): the edge
dual to the Delaunay edge *(a, b)* joins the circumcentres of the two triangles
on either side, and by mirror symmetry it adds the same area to the cells of *a*
and of *b*.  Cells of points on the convex hull are unbounded; they are built as
polygons (rays cut far beyond the disc) and measured with :func:`disc_polygon_area`.

What the discs leave uncovered in a cell (:meth:`VoronoiCells.gap_pieces`) is walked
along the same edges; the circles' crossings of an edge are computed once for both
cells, so the pieces of neighbouring cells share their vertices and merge as a
polygonal coverage.

Examples
--------
>>> import numpy as np
>>> cells = VoronoiCells(np.array([[0.0, 0.0], [600.0, 0.0], [0.0, 5000.0]]))
>>> lens = 2 * 500**2 * np.arccos(600 / 1000) - 0.5 * 600 * np.sqrt(1000**2 - 600**2)
>>> bool(np.isclose(cells.disc_areas(500.0).sum(), 3 * np.pi * 500**2 - lens, rtol=1e-12))
True
"""

from __future__ import annotations

import numpy as np
import shapely

from ecogis.arc_rings import ArcRings, PieceRings, rings_to_polygons
from ecogis.cell_clipping import area_segments, convex_cells_in_area
from ecogis.delaunay import delaunay
from ecogis.disc_geometry import chord_ends, disc_polygon_area, equal_area_radius, segment_disc_area
from ecogis.polygon_rings import _same_points, dissolve_rings, lowest_linked, place_holes, touching_groups  # noqa: F401

__all__ = [
    "ArcRings",
    "PieceRings",
    "VoronoiCells",
    "area_segments",
    "convex_cells_in_area",
    "disc_polygon_area",
    "dissolve_rings",
    "equal_area_radius",
    "place_holes",
    "rings_to_polygons",
    "segment_disc_area",
    "touching_groups",
]

_OUTSIDE, _ENTRY, _EXIT = 0, 1, 2  # events of a walk along a cell's boundary
#: Voronoi vertices closer than this (relative to their distance to their points) are one (cocircular points)
_SAME_VERTEX_REL = 1e-9


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
        xy = np.asarray(xy, dtype=float).reshape(-1, 2)
        self.xy = xy
        self._origin = xy.mean(axis=0)
        pts = xy - self._origin  # metres around the centroid: circumcentres keep their precision
        self._pts = pts
        tri = delaunay(pts)
        s = tri.simplices
        a = pts[s[:, 0]]
        b = pts[s[:, 1]] - a
        c = pts[s[:, 2]] - a
        d = 2.0 * (b[:, 0] * c[:, 1] - b[:, 1] * c[:, 0])
        bb = np.einsum("ij,ij->i", b, b)
        cc = np.einsum("ij,ij->i", c, c)
        if not (d != 0).all():  # Qhull's joined facets can leave triangles of three points in line
            from scipy.spatial import QhullError

            raise QhullError(f"{int((d == 0).sum())} triangle(s) of the Delaunay triangulation have no area")
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
        self._snap_vertices()
        radius = self._radius
        self.hull = np.unique(np.concatenate([s[self._hull_t, (self._hull_k + 1) % 3],
                                              s[self._hull_t, (self._hull_k + 2) % 3]]))
        far = np.zeros(n)
        np.maximum.at(far, s.ravel(), np.repeat(radius, 3))
        far[self.hull] = np.inf
        self.farthest = far
        self._bounds = (xy.min(axis=0), xy.max(axis=0))  # of all the points (a tile keeps them)

    def _snap_vertices(self) -> None:
        """One Voronoi vertex for the triangles of (nearly) cocircular points: their circumcentres made equal.

        Four or more points on one circle (a lattice, or points read from lon/lat: cocircular to 1e-9 m) give
        triangles whose circumcentres differ by rounding, joined by an edge that may even run backwards (the
        diagonal Qhull picked is Delaunay only to rounding): walked, it folds the cell's ring over itself,
        a gap piece crossing itself by 1e-18 m2, that GEOS then merges into gaps overlapping by whole cells.
        Circumcentres joined by an edge shorter than ``_SAME_VERTEX_REL`` of their distance to their points
        take the first one's place and distance (the edge then has no length and is left out).
        """
        t, o = self._edge_t, self._edge_other
        if t.size == 0:
            return
        d = self._centres[t] - self._centres[o]
        gap2 = np.einsum("ij,ij->i", d, d)
        reach = _SAME_VERTEX_REL * np.maximum(self._radius[t], self._radius[o])
        short = gap2 <= reach * reach
        if not short.any():
            return
        rep = lowest_linked(t[short], o[short], len(self._centres))
        self._centres = self._centres[rep]
        self._radius = self._radius[rep]

    def tile(self, which: np.ndarray) -> tuple[VoronoiCells, np.ndarray]:
        """The part of the diagram the cells ``which`` need, and their indices in it (for a task on another machine).

        Keeps the Voronoi edges and hull rays of those cells, their triangles and points, in
        the same order (ids renumbered in order), and the whole diagram's extent: the tile's
        :meth:`gap_rings` of its cells are the whole diagram's, bit for bit.

        Examples
        --------
        >>> import numpy as np
        >>> cells = VoronoiCells(np.random.default_rng(1).uniform(0, 5000, (200, 2)))
        >>> part, idx = cells.tile(np.arange(10))
        >>> a, b = cells.gap_rings(np.arange(10), 300.0), part.gap_rings(idx, 300.0)
        >>> len(part.xy) < 200, np.array_equal(a.xy, b.xy)
        (True, True)
        """
        which = np.asarray(which)
        idx = np.flatnonzero(which) if which.dtype == bool else which.astype(np.intp)
        n = len(self.xy)
        wanted = np.zeros(n, dtype=bool)
        wanted[idx] = True
        s = self._simplices
        e_keep = wanted[self._edge_a] | wanted[self._edge_b]
        h_keep = wanted[s[self._hull_t, (self._hull_k + 1) % 3]] | wanted[s[self._hull_t, (self._hull_k + 2) % 3]]
        tris = np.unique(np.concatenate([self._edge_t[e_keep], self._edge_other[e_keep], self._hull_t[h_keep]]))
        points = np.unique(np.concatenate([idx, s[tris].ravel()]))
        pmap = np.full(n, -1, dtype=np.intp)
        pmap[points] = np.arange(points.size)
        tmap = np.full(len(s), -1, dtype=np.intp)
        tmap[tris] = np.arange(tris.size)
        part = object.__new__(VoronoiCells)
        part.xy, part._origin, part._pts = self.xy[points], self._origin, self._pts[points]
        part._simplices = pmap[s[tris]]
        part._centres, part._radius = self._centres[tris], self._radius[tris]
        part._edge_t, part._edge_other = tmap[self._edge_t[e_keep]], tmap[self._edge_other[e_keep]]
        part._edge_a, part._edge_b = pmap[self._edge_a[e_keep]], pmap[self._edge_b[e_keep]]
        part._hull_t, part._hull_k = tmap[self._hull_t[h_keep]], self._hull_k[h_keep]
        part.hull = pmap[self.hull[pmap[self.hull] >= 0]]
        part.farthest = self.farthest[points]
        part._bounds = self._bounds
        return part, pmap[idx]

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
        # clearly two-dimensional: Qhull refuses flat input, and nearly flat input gives circumcentres
        # so far away that their rounding shows (points within 1 µm of a 1 km line: 4 m² off)
        sv = np.linalg.svd(rel / scale, compute_uv=False)
        return bool(sv[-1] > 1e-8 * sv[0])

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

    def polygons(self, which: np.ndarray, *, radius_m: float | None = None,
                 extent: tuple[float, float, float, float] | None = None) -> np.ndarray:
        """The cells of the points ``which`` (indices or a boolean mask) as shapely polygons.

        Unbounded cells (on the hull) are cut far out: beyond ten times ``radius_m``
        and four times the diagonal of the box around all points and ``extent``
        (minx, miny, maxx, maxy), so they hold any disc of that radius and all of
        that box that lies in the cell.  All polygons are convex.
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
            coords_h, owners_h = self._hull_far_points(wanted_hull, self._reach(radius_m, extent))
            coords.append(coords_h)
            owners.append(owners_h)
        xy = np.vstack(coords)
        own = np.concatenate(owners)
        rel = xy - self._pts[own]
        ang = np.arctan2(rel[:, 1], rel[:, 0])
        order = np.lexsort((ang, rank[own]))
        ring_xy = xy[order] + self._origin
        rings = shapely.linearrings(ring_xy, indices=rank[own][order])
        polys = shapely.polygons(rings)
        if wanted_hull.size:  # the cut may leave a dent between the far points: keep the cells convex
            rows = rank[wanted_hull]
            polys[rows] = shapely.convex_hull(polys[rows])
        return polys

    def gap_pieces(self, which: np.ndarray, radius_m: float, *, extent: tuple[float, float, float, float] | None = None,
                   arc_step_rad: float = 2.0 * np.pi / 256, vertices: bool = False) -> tuple[np.ndarray, ...] | None:
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
        extent : (minx, miny, maxx, maxy), optional
            A box the pieces must cover wherever it is uncovered (e.g. the audited area's
            bounds); the unbounded cells of hull points are cut far beyond it (:meth:`polygons`).
        arc_step_rad : float, default 2 pi / 256
            Largest angle between two vertices on an arc (4 cm from the circle at r = 500 m).
        vertices : bool, default False
            Also return the vertices a piece may share with the pieces of other cells (the
            crossings, the cell vertices outside the disc, the far points of hull cells; not
            the arcs' inner vertices): ``(xy, piece)``, in the pieces' own coordinates, so
            pieces that touch share at least one of them exactly (:func:`touching_groups`).

        Returns
        -------
        (numpy.ndarray, numpy.ndarray) or None
            The pieces (polygons; a cell may give several, or one with the whole disc as a
            hole) and the point each belongs to (then, with ``vertices``, the shared vertices'
            ``xy`` and the piece each is a vertex of); None when rounding left a cell's walk
            inconsistent (then build the pieces with GEOS).

        Examples
        --------
        >>> import numpy as np
        >>> cells = VoronoiCells(np.array([[0, 0], [800, 0], [0, 800], [800, 800]], dtype=float))
        >>> pieces, owner = cells.gap_pieces(np.arange(4), 500.0)
        >>> sorted(owner.tolist())   # two per corner: the middle of the square, and the open outside
        [0, 0, 1, 1, 2, 2, 3, 3]
        >>> middle = shapely.coverage_union_all(pieces).intersection(shapely.box(0, 0, 800, 800))
        >>> round(middle.area, 1)   # exact: the diamond of the circles' crossings minus four circular segments
        18102.9
        """
        which = np.asarray(which)
        idx = np.flatnonzero(which) if which.dtype == bool else which.astype(np.intp)
        r = float(radius_m)
        none = (np.zeros(0, dtype=object), np.zeros(0, dtype=np.intp))
        if vertices:
            none = (*none, np.zeros((0, 2)), np.zeros(0, dtype=np.intp))
        if idx.size == 0:
            return none
        wanted = np.zeros(len(self._pts), dtype=bool)
        wanted[idx] = True
        cell, kind, xy = self._walk(wanted, r, self._reach(r, extent))
        if cell.size == 0:
            return none
        arcs = self._pieces(cell, kind, xy, r, arc_step_rad, self._tight(r, arc_step_rad))
        if arcs is None:
            return None
        rings = arcs.expanded()
        out = (rings.polygons(), rings.owner)
        if vertices:
            return (*out, rings.xy[rings.shared], rings.ring_piece[rings.ring[rings.shared]])
        return out

    def gap_rings(self, which: np.ndarray, radius_m: float, *, extent: tuple[float, float, float, float] | None = None,
                  arc_step_rad: float = 2.0 * np.pi / 256) -> PieceRings | None:
        """:meth:`gap_pieces` as coordinate arrays (:class:`PieceRings`), with no shapely geometry built.

        None when there are no pieces or rounding left a cell's walk inconsistent.

        Examples
        --------
        >>> import numpy as np
        >>> cells = VoronoiCells(np.array([[0, 0], [800, 0], [0, 800], [800, 800]], dtype=float))
        >>> rings = cells.gap_rings(np.arange(4), 500.0)
        >>> rings.owner.size, bool((rings.polygons() == cells.gap_pieces(np.arange(4), 500.0)[0]).all())
        (8, True)
        """
        arcs = self.gap_arc_rings(which, radius_m, extent=extent, arc_step_rad=arc_step_rad)
        return None if arcs is None else arcs.expanded()

    def gap_arc_rings(self, which: np.ndarray, radius_m: float, *,
                      extent: tuple[float, float, float, float] | None = None,
                      arc_step_rad: float = 2.0 * np.pi / 256) -> ArcRings | None:
        """:meth:`gap_rings` before the arcs are drawn (:class:`ecogis.arc_rings.ArcRings`); None as there."""
        which = np.asarray(which)
        idx = np.flatnonzero(which) if which.dtype == bool else which.astype(np.intp)
        r = float(radius_m)
        if idx.size == 0:
            return None
        wanted = np.zeros(len(self._pts), dtype=bool)
        wanted[idx] = True
        cell, kind, xy = self._walk(wanted, r, self._reach(r, extent))
        if cell.size == 0:
            return None
        return self._pieces(cell, kind, xy, r, arc_step_rad, self._tight(r, arc_step_rad))

    def _edges_met_by_circles(self, wanted: np.ndarray, r: float, reach: float) -> dict[str, np.ndarray]:
        """The Voronoi edges (and hull rays) of the wanted cells, with where the circles cross them.

        An edge between points a and b lies on their bisector, where both circles cross it
        at the same two points, h either side of the midpoint of a and b; computed once
        here for both cells.  Whether an end is inside is the vertex's own (its distance to
        its three points), so all edges meeting there agree.
        """
        p = self._pts
        ra, rb, ta, tb = self._edge_a, self._edge_b, self._edge_t, self._edge_other
        start, end = self._centres[ta], self._centres[tb]
        keep = (wanted[ra] | wanted[rb]) & (start != end).any(axis=1)  # cocircular points: zero-length edges
        ha, hb, ht, hstart, hfar, hnormal = self._rays(reach)
        hkeep = wanted[ha] | wanted[hb]
        A = np.concatenate([ra[keep], ha[hkeep]])
        B = np.concatenate([rb[keep], hb[hkeep]])
        P = np.vstack([start[keep], hstart[hkeep]])
        Q = np.vstack([end[keep], hfar[hkeep]])
        in_p = np.concatenate([self._radius[ta[keep]] <= r, self._radius[ht[hkeep]] <= r])
        in_q = np.concatenate([self._radius[tb[keep]] <= r, np.zeros(int(hkeep.sum()), dtype=bool)])
        PQ = Q - P
        length = np.hypot(PQ[:, 0], PQ[:, 1])
        mid = 0.5 * (p[A] + p[B])
        half2 = r * r - 0.25 * np.einsum("ij,ij->i", p[A] - p[B], p[A] - p[B])
        s_mid = np.einsum("ij,ij->i", mid - P, PQ / length[:, None]) / length
        s_half = np.sqrt(np.maximum(half2, 0.0)) / length
        x_in, x_out = chord_ends(P, Q, mid, np.sqrt(np.maximum(half2, 0.0)))
        return {"a": A, "b": B, "P": P, "Q": Q, "PQ": PQ, "in_p": in_p, "in_q": in_q,
                "x_in": x_in, "x_out": x_out,
                "exit_only": in_p & ~in_q, "entry_only": ~in_p & in_q,
                "through": ~in_p & ~in_q & (half2 > 0) & (s_mid - s_half > 0) & (s_mid + s_half < 1),
                "ray_a": ha, "ray_b": hb, "ray_start": hstart, "ray_far": hfar, "ray_normal": hnormal}

    def _walk(self, wanted: np.ndarray, r: float, reach: float) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Events along the wanted cells' boundaries, counter-clockwise: (cell, kind, xy).

        Kind is ``_OUTSIDE`` (a vertex outside the disc), ``_ENTRY`` or ``_EXIT`` (a crossing).
        """
        p = self._pts
        e = self._edges_met_by_circles(wanted, r, reach)
        cells, angles, subs, kinds, xys = [], [], [], [], []

        def add(mask: np.ndarray, c: np.ndarray, angle: np.ndarray, sub: int, kind: int, xy: np.ndarray) -> None:
            cells.append(c[mask])
            angles.append(angle[mask])
            subs.append(np.full(int(mask.sum()), sub))
            kinds.append(np.full(int(mask.sum()), kind))
            xys.append(xy[mask])

        for own, other in ((e["a"], e["b"]), (e["b"], e["a"])):
            sel = np.flatnonzero(wanted[own])
            c, d = own[sel], p[other[sel]] - p[own[sel]]
            angle = np.arctan2(d[:, 1], d[:, 0])  # edges go round a cell as its neighbours do
            PQ = e["PQ"][sel]
            forward = (d[:, 0] * PQ[:, 1] - d[:, 1] * PQ[:, 0]) > 0  # P -> Q runs counter-clockwise here
            fwd = forward[:, None]
            P, Q, x_in, x_out = e["P"][sel], e["Q"][sel], e["x_in"][sel], e["x_out"][sel]
            exit_only, entry_only, through = e["exit_only"][sel], e["entry_only"][sel], e["through"][sel]
            everything = np.ones(sel.size, dtype=bool)
            # the edge's first vertex when outside, then its crossings in walking order (walked backwards,
            # P -> Q's entry is an exit and the other way round)
            add(np.where(forward, ~e["in_p"][sel], ~e["in_q"][sel]), c, angle, 0, _OUTSIDE, np.where(fwd, P, Q))
            add(np.where(forward, exit_only, entry_only), c, angle, 1, _EXIT,
                np.where((forward & exit_only)[:, None], x_out, x_in))
            add(np.where(forward, entry_only, exit_only), c, angle, 1, _ENTRY,
                np.where((forward & entry_only)[:, None], x_in, x_out))
            add(through & everything, c, angle, 1, _ENTRY, np.where(fwd, x_in, x_out))
            add(through & everything, c, angle, 2, _EXIT, np.where(fwd, x_out, x_in))
        # a hull cell, between its rays: from the far end of the outgoing ray to a point on the bisector
        hull = self.hull[wanted[self.hull]]
        if hull.size:
            ha, hb, start, far, normal = e["ray_a"], e["ray_b"], e["ray_start"], e["ray_far"], e["ray_normal"]
            owners = np.concatenate([ha, hb])
            sel = wanted[owners]
            bisector, angle = self._bisector_points(hull, owners[sel], np.vstack([normal, normal])[sel],
                                                    np.vstack([far, far])[sel])
            outgoing_far = np.zeros((len(p), 2))
            for own, other in ((ha, hb), (hb, ha)):
                d = p[other] - p[own]
                outgoing = (d[:, 0] * (far - start)[:, 1] - d[:, 1] * (far - start)[:, 0]) > 0
                outgoing_far[own[outgoing]] = far[outgoing]
            everywhere = np.ones(hull.size, dtype=bool)
            add(everywhere, hull, angle, 0, _OUTSIDE, outgoing_far[hull])
            add(everywhere, hull, angle, 1, _OUTSIDE, bisector)
        cell, angle, sub = np.concatenate(cells), np.concatenate(angles), np.concatenate(subs)
        order = np.lexsort((sub, angle, cell))
        return cell[order], np.concatenate(kinds)[order], np.vstack(xys)[order]

    def _tight(self, r: float, arc_step_rad: float) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """The bisectors each circle comes within a hair of (four times the arcs' outward bulge).

        Returns (point, direction, distance), sorted by point: the direction from the point
        towards the neighbour, and half their distance.
        """
        bulge = 4.0 * (equal_area_radius(r, max(int(np.ceil(2.0 * np.pi / arc_step_rad)), 8)) - r) + 1e-9 * r
        a, b = self._neighbours()
        d = self._pts[b] - self._pts[a]
        half = 0.5 * np.hypot(d[:, 0], d[:, 1])
        near = np.flatnonzero(np.abs(half - r) <= bulge)
        point = np.concatenate([a[near], b[near]])
        direction = np.concatenate([np.arctan2(d[near, 1], d[near, 0]), np.arctan2(-d[near, 1], -d[near, 0])])
        distance = np.concatenate([half[near], half[near]])
        o = np.argsort(point, kind="stable")
        return point[o], direction[o], distance[o]

    def _neighbours(self) -> tuple[np.ndarray, np.ndarray]:
        """Every Delaunay edge once, hull edges included: the two points of each."""
        s = self._simplices
        return (np.concatenate([self._edge_a, s[self._hull_t, (self._hull_k + 1) % 3]]),
                np.concatenate([self._edge_b, s[self._hull_t, (self._hull_k + 2) % 3]]))

    def touching(self, radius_m: float, *, rel: float = 1e-9) -> tuple[np.ndarray, np.ndarray]:
        """Neighbours whose circles touch without crossing: ``(a, b)``, the two points of each pair.

        Their distance is ``2 radius_m`` to within ``rel`` of the radius, and not less (the
        walk of the cells finds no crossing there: the two discs' gap pieces meet along the
        whole Voronoi edge, though the closed discs part them at the point of contact).

        Examples
        --------
        >>> import numpy as np
        >>> cells = VoronoiCells(np.array([[0.0, 0.0], [1000.0, 0.0], [0.0, 1000.0], [1000.0, 1000.0]]))
        >>> a, b = cells.touching(500.0)
        >>> sorted(zip(a.tolist(), b.tolist()))   # the four sides, not the diagonals
        [(0, 1), (0, 2), (1, 3), (2, 3)]
        """
        r = float(radius_m)
        a, b = self._neighbours()
        d = self._pts[b] - self._pts[a]
        half2 = r * r - 0.25 * np.einsum("ij,ij->i", d, d)  # as the walk computes it (no crossing where <= 0)
        touch = (half2 <= 0.0) & (half2 >= -2.0 * rel * r * r)
        lo, hi = np.minimum(a[touch], b[touch]), np.maximum(a[touch], b[touch])
        o = np.lexsort((hi, lo))
        return lo[o], hi[o]

    def _pieces(self, cell: np.ndarray, kind: np.ndarray, xy: np.ndarray, r: float,
                arc_step_rad: float, tight: tuple[np.ndarray, np.ndarray, np.ndarray]) -> ArcRings | None:
        """The pieces from the walk (exit, outside vertices, entry, then the arc back to the exit), arcs not drawn."""
        p = self._pts
        # each cell's events, started at its first exit: a piece runs from an exit to the next entry
        group_start = np.flatnonzero(np.r_[True, cell[1:] != cell[:-1]])
        group_size = np.diff(np.r_[group_start, cell.size])
        group = np.repeat(np.arange(group_start.size), group_size)
        pos = np.arange(cell.size) - group_start[group]
        is_exit = kind == _EXIT
        exits = np.bincount(group, weights=is_exit, minlength=group_start.size)
        if (exits != np.bincount(group, weights=kind == _ENTRY, minlength=group_start.size)).any():
            return None
        first_exit = np.zeros(group_start.size, dtype=np.int64)
        crossed = exits > 0
        if crossed.any():
            g_exit = group[is_exit]
            first_exit[crossed] = pos[is_exit][np.r_[True, g_exit[1:] != g_exit[:-1]]]
        order = np.lexsort(((pos - first_exit[group]) % group_size[group], group))
        cell, kind, xy, group = cell[order], kind[order], xy[order], group[order]
        # a cell the circle never crosses holds the whole disc: the cell with the disc as a hole
        whole = ~crossed[group]
        ring = np.searchsorted(np.flatnonzero(~crossed), group[whole])
        own = cell[whole][np.r_[True, ring[1:] != ring[:-1]]] if ring.size else np.zeros(0, dtype=np.intp)
        cut = ~whole
        c, kind_c, xy_c = cell[cut], kind[cut], xy[cut]
        piece = np.cumsum(kind_c == _EXIT) - 1
        begin = np.flatnonzero(np.r_[True, piece[1:] != piece[:-1]]) if piece.size else np.zeros(0, dtype=np.intp)
        last = np.r_[begin[1:], piece.size] - 1 if piece.size else begin
        if cell.size == 0 or not ((kind_c[begin] == _EXIT).all() and (kind_c[last] == _ENTRY).all()):
            return None
        centre = p[c[begin]]
        return ArcRings(self._origin, r, arc_step_rad, tight, xy[whole] + self._origin, ring, p[own], own,
                        xy_c + self._origin, piece, centre, xy_c[last] - centre, xy_c[begin] - centre, c[begin])

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

    def _reach(self, radius_m: float | None, extent: tuple[float, float, float, float] | None) -> float:
        """How far beyond its point a hull cell is cut (see :meth:`polygons`).

        The cut runs along chords between far points at least this far out, at most
        135° apart as seen from the point, so it stays 0.38 of this away: four times the
        box's diagonal keeps the whole box (and ten radii the whole disc) inside.
        """
        lo, hi = self._bounds
        if extent is not None:
            lo = np.minimum(lo, extent[:2])
            hi = np.maximum(hi, extent[2:])
        reach = 4.0 * float(np.hypot(*(hi - lo))) + 1.0
        return max(reach, 10.0 * float(radius_m)) if radius_m is not None else reach

    def _hull_far_points(self, wanted: np.ndarray, reach: float) -> tuple[np.ndarray, np.ndarray]:
        """Far points on the rays of the hull cells ``wanted`` and one on the bisector between them."""
        p = self._pts
        ea, eb, _, _, far, normal = self._rays(reach)
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


