"""Gap pieces as rings: drawn in full (:class:`PieceRings`), or crossings joined by arcs to draw (:class:`ArcRings`).

A gap piece (a Voronoi cell minus its disc) runs along the cell's edges from an exit of
the circle to the next entry, then back along the circle.  Only the crossings and the
cell's vertices can be shared with other cells' pieces; the arcs' inner vertices (about
15 of every 16 vertices at the default 1.4° step) never are.  :class:`ArcRings` keeps a
piece as its shareable vertices and one arc to draw, so the pieces are merged
(:func:`ecogis.polygon_rings.dissolve_rings`) on those vertices alone and every arc is
drawn once, into the merged rings (:meth:`ArcRings.arc_vertices`); :meth:`ArcRings.expanded`
draws them into :class:`PieceRings`, vertex for vertex the same.

Part of :mod:`ecogis.discs`, which re-exports the public names.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import NamedTuple

import numpy as np
import shapely

from ecogis.disc_geometry import equal_area_radius

__all__ = ["ArcRings", "PieceRings", "rings_to_polygons"]


def _arc_plan(entry: np.ndarray, exit_: np.ndarray, r: float,
              step_rad: float) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Each arc's entry angle, clockwise sweep, inner vertices ``k``, angle between them and radius (:func:`_arcs`)."""
    th_entry = np.arctan2(entry[:, 1], entry[:, 0])
    sweep = np.mod(th_entry - np.arctan2(exit_[:, 1], exit_[:, 0]), 2.0 * np.pi)
    k = np.maximum(np.ceil(sweep / step_rad).astype(np.int64) - 1, 1)
    step = sweep / (k + 1)
    # 0.5 sin(step) (2 r rho + (k - 1) rho^2) = 0.5 r^2 sweep, for rho
    with np.errstate(invalid="ignore", divide="ignore"):
        c = r * r * sweep / np.sin(step)
        a = (k - 1).astype(float)
        rho = np.where(a > 0, (-2.0 * r + np.sqrt(4.0 * r * r + 4.0 * a * c)) / (2.0 * np.maximum(a, 1.0)),
                       c / (2.0 * r))
    return th_entry, sweep, k, step, np.where(sweep > 0, rho, r)


def _arcs(centres: np.ndarray, entry: np.ndarray, exit_: np.ndarray, r: float,
          step_rad: float, neck: tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray] | None = None,
          ) -> tuple[np.ndarray, np.ndarray]:
    """Inner vertices of the arcs from each entry point back (clockwise) to its exit point.

    Points are relative to their centre.  Each arc gets k >= 1 inner vertices at equal
    angles, all at one radius a little beyond the circle, chosen so that the fan of
    chords (two from the arc's ends on the circle, k - 1 between inner vertices) has
    the sector's exact area.  Returns the vertices and the index of the arc each
    belongs to.  ``neck`` (the point of each arc, then the bisectors its circle comes within a
    hair of: point, direction, distance) keeps the vertices this side of those bisectors:
    vertices beyond the circle would cross the cell's edge there (:func:`_below_neck`).
    """
    th_entry, sweep, k, step, rho = _arc_plan(entry, exit_, r, step_rad)
    arc = np.repeat(np.arange(len(sweep)), k)
    t = np.arange(1, int(k.sum()) + 1, dtype=float)
    t -= np.repeat(np.cumsum(k) - k, k)  # j = 1 .. k along each arc
    t *= step[arc]
    np.subtract(th_entry[arc], t, out=t)
    radius = rho[arc]
    if neck is not None:
        _pull_in(radius, t, neck[0], arc, neck[1:], radius_m=r, closed=False)
    return _on_circles(centres, arc, radius, t), arc


def _on_circles(centres: np.ndarray, which: np.ndarray, radius: np.ndarray, t: np.ndarray) -> np.ndarray:
    """Points ``centres[which] + radius (cos t, sin t)``, each coordinate summed in that order."""
    out = np.empty((t.size, 2))
    for axis, trig in ((0, np.cos), (1, np.sin)):
        v = trig(t)
        v *= radius
        v += centres[which, axis]
        out[:, axis] = v
    return out


def _pull_in(radius: np.ndarray, t: np.ndarray, point: np.ndarray, which: np.ndarray,
             neck: tuple[np.ndarray, np.ndarray, np.ndarray], *, radius_m: float, closed: bool) -> None:
    """:func:`_below_neck` in place, for the vertices (of circle ``which``, with point ``point[which]``) it can move.

    The other vertices of each arc (or circle) it moves are raised, all to one radius, so that
    the fan of chords keeps the area it had (:func:`_fan_kept`): the pulled-in vertices would
    otherwise take up to 4e-4 of a gap's area where two circles pass within metres of each
    other (at 11.25 degree arcs; 1e-5 at the default step).  ``which`` holds each arc's
    vertices together; an arc's two ends are on the circle (``radius_m``); ``closed``: whole
    circles (the last vertex joins the first).
    """
    if neck[0].size == 0 or radius.size == 0:
        return
    near = np.isin(point, neck[0])
    if not near.any():
        return
    v = np.flatnonzero(near[which])
    limit = _below_neck(point[which[v]], t[v], np.full(v.size, np.inf), *neck)
    pulled = limit < radius[v]
    if not pulled.any():
        return
    at = np.flatnonzero(np.isin(which, np.unique(which[v[pulled]])))  # every vertex of the arcs it moves
    lim = np.full(radius.size, np.inf)
    lim[v] = limit
    radius[at] = _fan_kept(radius[at], lim[at], which[at], radius_m, closed)


def _fan_kept(radius: np.ndarray, limit: np.ndarray, which: np.ndarray, r: float, closed: bool) -> np.ndarray:
    """Radii at most ``limit``, the others raised (each arc to one radius, at most twice its bulge) to keep its fan.

    Each arc's vertices (grouped by ``which``, at equal angles, first all at one radius)
    span a fan of triangles whose area is half the sine of the angle times the sum of the
    products of neighbouring radii (an arc's ends on the circle, at ``r``; a ``closed``
    circle wraps round).  With
    the vertices past their limit held there, that sum is a quadratic in the others' radius,
    solved for the sum before; vertices the raised radius takes past their limit are held
    too, and it is solved again (a few rounds).
    """
    start = np.flatnonzero(np.r_[True, which[1:] != which[:-1]])
    group = np.cumsum(np.r_[True, which[1:] != which[:-1]]) - 1
    n = start.size
    x0 = radius[start]
    top = 2.0 * x0 - r  # (at most twice the bulge: every bisector the vertices could then cross is a tight one)
    a, b = np.arange(radius.size - 1), np.arange(1, radius.size)
    inner = group[a] == group[b]
    a, b = a[inner], b[inner]
    last = np.r_[start[1:], radius.size] - 1
    if closed:  # the closing chord of each circle
        a, b = np.r_[a, last], np.r_[b, start]

    def sums(rad: np.ndarray, free: np.ndarray) -> tuple[np.ndarray, ...]:
        both, one = free[a] & free[b], free[a] ^ free[b]
        a2, a1, a0 = np.zeros(n), np.zeros(n), np.zeros(n)  # (a bincount of nothing is an integer array)
        a2 += np.bincount(group[a][both], minlength=n)
        a1 += np.bincount(group[a][one], weights=np.where(free[a], rad[b], rad[a])[one], minlength=n)
        a0 += np.bincount(group[a][~(both | one)], weights=(rad[a] * rad[b])[~(both | one)], minlength=n)
        if not closed:  # the chords from the arc's ends, on the circle
            for end in (start, last):
                a1 += np.bincount(group[end], weights=np.where(free[end], r, 0.0), minlength=n)
                a0 += np.bincount(group[end], weights=np.where(free[end], 0.0, r * rad[end]), minlength=n)
        return a2, a1, a0

    a2, a1, a0 = sums(radius, np.ones(radius.size, dtype=bool))
    kept = a2 * x0 * x0 + a1 * x0 + a0  # (every vertex free, at x0)
    x = x0.copy()
    free = limit >= x[group]
    for _ in range(6):
        held = np.where(free, x[group], limit)
        a2, a1, a0 = sums(held, free)
        with np.errstate(invalid="ignore", divide="ignore"):
            root = np.where(a2 > 0, (-a1 + np.sqrt(a1 * a1 + 4.0 * a2 * (kept - a0))) / (2.0 * np.maximum(a2, 1.0)),
                            (kept - a0) / a1)
        x = np.clip(np.where(np.isfinite(root), root, x0), x0, top)
        again = limit >= x[group]
        if (again == free).all():
            break
        free &= again
    return np.minimum(limit, x[group])  # (the held vertices at their limit, below the raised radius)


def _below_neck(point: np.ndarray, t: np.ndarray, radius: np.ndarray, neck_point: np.ndarray,
                neck_direction: np.ndarray, neck_distance: np.ndarray) -> np.ndarray:
    """Radii of vertices (of ``point``'s circle, at angle ``t``) cut to stay 1 µm this side of every near bisector.

    The bisectors are given as (point, direction, distance), sorted by point.
    """
    radius = np.array(radius, dtype=float)
    if neck_point.size == 0 or radius.size == 0:
        return radius
    lo = np.searchsorted(neck_point, point, side="left")
    hi = np.searchsorted(neck_point, point, side="right")
    count = hi - lo
    some = np.flatnonzero(count > 0)
    if some.size == 0:
        return radius
    c = count[some]
    vertex = np.repeat(some, c)
    pair = np.repeat(lo[some] - np.cumsum(c) + c, c) + np.arange(int(c.sum()))
    with np.errstate(invalid="ignore", divide="ignore"):
        cos = np.cos(t[vertex] - neck_direction[pair])
        limit = np.where(cos > 0, (neck_distance[pair] - 1e-6) / cos, np.inf)
    best = np.full(radius.size, np.inf)
    np.minimum.at(best, vertex, limit)
    return np.minimum(radius, best)


def _closed(xy: np.ndarray, ring: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Rings (vertices ``xy``, contiguous ring ids ``ring``) closed as :func:`shapely.linearrings` closes them.

    The first vertex is repeated at the end of each ring whose last vertex differs from it.
    """
    if ring.size == 0:
        return xy, ring
    start = np.flatnonzero(np.r_[True, ring[1:] != ring[:-1]])
    end = np.r_[start[1:], ring.size]
    open_ = (xy[start] != xy[end - 1]).any(axis=1)
    shift = np.cumsum(open_) - open_  # closing vertices added before each ring
    length = end - start
    at = np.repeat(shift, length) + np.arange(ring.size)
    out_xy = np.empty((ring.size + int(open_.sum()), 2))
    out_ring = np.empty(out_xy.shape[0], dtype=ring.dtype)
    out_xy[at] = xy
    out_ring[at] = ring
    close_at = (end + shift)[open_]
    out_xy[close_at] = xy[start[open_]]
    out_ring[close_at] = ring[start[open_]]
    return out_xy, out_ring


class PieceRings(NamedTuple):
    """Gap pieces as coordinate arrays: what :meth:`VoronoiCells.gap_pieces` builds its polygons from.

    Attributes
    ----------
    xy : numpy.ndarray
        ``(m, 2)`` vertices of every ring, closed (last = first), ring after ring; each piece's
        exterior first, then its hole (a whole disc) if any.
    ring : numpy.ndarray
        The ring of each vertex (0, 1, ... contiguous).
    ring_piece : numpy.ndarray
        The piece of each ring.
    exterior : numpy.ndarray
        Whether each ring is its piece's exterior.
    shared : numpy.ndarray
        The vertices other cells' pieces may share (crossings, cell vertices, far points; not the
        arcs' inner vertices, nor a ring's closing vertex).
    owner : numpy.ndarray
        The point (cell) of each piece.
    """

    xy: np.ndarray
    ring: np.ndarray
    ring_piece: np.ndarray
    exterior: np.ndarray
    shared: np.ndarray
    owner: np.ndarray

    def polygons(self, pieces: np.ndarray | None = None) -> np.ndarray:
        """The pieces (all, or those given by index, in that order) as shapely polygons."""
        if pieces is None:
            return rings_to_polygons(self.xy, self.ring, self.ring_piece)
        pieces = np.asarray(pieces, dtype=np.intp)
        if pieces.size == 0:
            return np.zeros(0, dtype=object)
        rank = np.full(self.owner.size, -1, dtype=np.intp)
        rank[pieces] = np.arange(pieces.size)
        vr = rank[self.ring_piece[self.ring]]
        sel = np.flatnonzero(vr >= 0)
        o = sel[np.argsort(vr[sel], kind="stable")]
        ring = self.ring[o]
        dense = np.cumsum(np.r_[True, ring[1:] != ring[:-1]]) - 1
        ring_piece = rank[self.ring_piece[ring[np.r_[True, ring[1:] != ring[:-1]]]]]
        return rings_to_polygons(self.xy[o], dense, ring_piece)


def rings_to_polygons(xy: np.ndarray, ring: np.ndarray, ring_piece: np.ndarray) -> np.ndarray:
    """Polygons from closed rings (contiguous ``ring`` ids), each piece's first ring its exterior.

    Examples
    --------
    >>> import numpy as np
    >>> xy = np.array([[0, 0], [4, 0], [4, 4], [0, 4], [0, 0], [1, 1], [1, 2], [2, 2], [1, 1]], dtype=float)
    >>> float(rings_to_polygons(xy, np.repeat([0, 1], [5, 4]), np.array([0, 0]))[0].area)
    15.5
    """
    if ring.size == 0:
        return np.zeros(0, dtype=object)
    return shapely.polygons(shapely.linearrings(xy, indices=ring), indices=ring_piece)


class ArcRings(NamedTuple):
    """Gap pieces as their shareable vertices, each cut piece closed by one arc still to draw.

    Pieces ``0 .. n_whole - 1`` are whole cells (the circle crosses no edge: the cell with
    the disc as a hole), the others cut pieces (from an exit of the circle along the cell's
    edges to the next entry, then the arc back to the exit).  Coordinates are the layer's
    (``origin`` added); the centres and the arcs' ends are relative, as the walk made them,
    so that every vertex drawn is the same float as :class:`PieceRings` would hold.

    Attributes
    ----------
    origin : numpy.ndarray
        What was taken off the coordinates for the walk (added back to every vertex drawn).
    radius_m, arc_step_rad : float
        The circles' radius and the largest angle between two vertices of an arc.
    tight : tuple of numpy.ndarray
        The bisectors each circle comes within a hair of (point, direction, distance).
    whole_xy, whole_ring : numpy.ndarray
        The whole cells' vertices (not closed), and the piece of each.
    whole_centre, whole_point : numpy.ndarray
        The centre (relative) and the point of each whole cell.
    cut_xy, cut_piece : numpy.ndarray
        The cut pieces' vertices (exit, vertices outside the disc, entry; not closed), and the
        cut piece (0 ..) of each.
    arc_centre, arc_entry, arc_exit, cut_point : numpy.ndarray
        Each cut piece's centre (relative), its arc's ends relative to the centre, and its point.

    Examples
    --------
    >>> import numpy as np
    >>> from ecogis.discs import VoronoiCells
    >>> cells = VoronoiCells(np.array([[0, 0], [800, 0], [0, 800], [800, 800]], dtype=float))
    >>> rings = cells.gap_arc_rings(np.arange(4), 500.0)
    >>> len(rings.cut_xy), len(rings.expanded().xy)   # crossings and far points; drawn with their arcs
    (32, 640)
    """

    origin: np.ndarray
    radius_m: float
    arc_step_rad: float
    tight: tuple[np.ndarray, np.ndarray, np.ndarray]
    whole_xy: np.ndarray
    whole_ring: np.ndarray
    whole_centre: np.ndarray
    whole_point: np.ndarray
    cut_xy: np.ndarray
    cut_piece: np.ndarray
    arc_centre: np.ndarray
    arc_entry: np.ndarray
    arc_exit: np.ndarray
    cut_point: np.ndarray

    @property
    def n_whole(self) -> int:
        """How many pieces are whole cells (they come first)."""
        return int(self.whole_point.size)

    @property
    def owner(self) -> np.ndarray:
        """The point (cell) of each piece."""
        return np.concatenate([self.whole_point, self.cut_point])

    def plain(self) -> bool:
        """Whether every arc has room for its vertices (no tangent crossing: ends more than 1 µm apart along it).

        A ring then closes on its exit after at least one arc vertex, so the rings of
        :meth:`expanded` are its vertices, the arc and the exit again, piece for piece.
        """
        if self.cut_point.size == 0:
            return True
        _, sweep, _, step, _ = _arc_plan(self.arc_entry, self.arc_exit, self.radius_m, self.arc_step_rad)
        return bool(((sweep > 0) & (step * self.radius_m > 1e-6)).all())

    def first_vertices(self) -> np.ndarray:
        """The first vertex of each piece's exterior (a vertex of its cell or a crossing)."""
        return np.vstack([self.whole_xy[_starts(self.whole_ring)], self.cut_xy[_starts(self.cut_piece)]])

    def boxes(self) -> tuple[np.ndarray, np.ndarray]:
        """Each piece's ``(lower, upper)`` corners: its box, or (for an arc) a little more.

        An arc's box is that of its annular sector, from the smallest radius a vertex may be
        pulled in to (:func:`_below_neck`) to its radius (twice its bulge where a vertex may be
        pulled in, :func:`_fan_kept`), so it holds every vertex drawn.
        """
        boxes = [_ring_boxes(self.whole_xy, self.whole_ring)]
        if self.cut_point.size:
            lo, hi = _ring_boxes(self.cut_xy, self.cut_piece)
            r = self.radius_m
            th_in, sweep, _, _, rho = _arc_plan(self.arc_entry, self.arc_exit, r, self.arc_step_rad)
            near = self.tight[2]
            inner = min(r, float(near.min()) - 1e-6 if near.size else r) * (1.0 - 1e-9)
            # (an arc pulled in somewhere raises its other vertices, to at most twice its bulge: _fan_kept)
            outer = np.where(np.isin(self.cut_point, self.tight[0]), 2.0 * rho - r, rho) * (1.0 + 1e-9)
            centre = self.arc_centre + self.origin
            for axis, trig in ((0, np.cos), (1, np.sin)):
                ends = np.column_stack([centre[:, axis] + R * trig(th) for th in (th_in, th_in - sweep)
                                        for R in (inner, outer)])
                top = np.mod(th_in - 0.5 * np.pi * axis, 2.0 * np.pi) < sweep  # the arc passes its highest point
                low = np.mod(th_in - np.pi - 0.5 * np.pi * axis, 2.0 * np.pi) < sweep
                hi[:, axis] = np.maximum(hi[:, axis], np.where(top, centre[:, axis] + outer, ends.max(axis=1)))
                lo[:, axis] = np.minimum(lo[:, axis], np.where(low, centre[:, axis] - outer, ends.min(axis=1)))
            boxes.append((lo, hi))
        return np.vstack([b[0] for b in boxes]), np.vstack([b[1] for b in boxes])

    def circles(self, whole: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """The discs of the whole cells ``whole`` (sorted) as closed counter-clockwise rings: ``(xy, ring)``."""
        r = self.radius_m
        k = max(int(np.ceil(2.0 * np.pi / self.arc_step_rad)), 8)
        t = np.linspace(0.0, 2.0 * np.pi, k, endpoint=False)
        own, centres = self.whole_point[whole], self.whole_centre[whole]
        which = np.repeat(np.arange(len(own)), k)
        r_eq = np.full(len(own) * k, equal_area_radius(r, k))
        angle = np.tile(t, len(own))
        _pull_in(r_eq, angle, own, which, self.tight, radius_m=r, closed=True)
        circle = _on_circles(centres, which, r_eq, angle)
        circle += self.origin
        return _closed(circle, which)

    def arc_vertices(self, arcs: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """The inner vertices of the arcs of the cut pieces ``arcs`` (any order), and which of ``arcs`` each is on."""
        xy, which = _arcs(self.arc_centre[arcs], self.arc_entry[arcs], self.arc_exit[arcs], self.radius_m,
                          self.arc_step_rad, (self.cut_point[arcs], *self.tight))
        xy += self.origin
        return xy, which

    def polygons(self, pieces: np.ndarray | None = None) -> np.ndarray:
        """The pieces (all, or those given by sorted index) as shapely polygons, arcs drawn."""
        return self.expanded(pieces).polygons()

    def finer(self, step_rad: float, *, vertex_budget: int) -> Callable[[np.ndarray], np.ndarray] | None:
        """:meth:`polygons` with arcs of at most ``step_rad``, or as fine as ``vertex_budget`` circle vertices allow.

        None where the arcs are that fine already.  (For the pieces the area's edge cuts: GEOS
        cuts a drawn arc where its chords meet the edge, so a coarse arc there does not keep
        its share of the sector's area.)
        """
        if self.arc_step_rad <= step_rad:
            return None

        def draw(pieces: np.ndarray) -> np.ndarray:
            step = max(step_rad, 2.0 * np.pi * len(pieces) / vertex_budget)
            return self._replace(arc_step_rad=min(step, self.arc_step_rad)).polygons(pieces)

        return draw

    def expanded(self, pieces: np.ndarray | None = None) -> PieceRings:
        """The pieces (all, or those given by sorted index) with their arcs drawn, as :class:`PieceRings`."""
        n_whole, n_cut = self.n_whole, self.cut_point.size
        if pieces is None:
            whole, cut = np.arange(n_whole), np.arange(n_cut)
        else:
            pieces = np.asarray(pieces, dtype=np.intp)
            whole, cut = pieces[pieces < n_whole], pieces[pieces >= n_whole] - n_whole
        parts: list[tuple[np.ndarray, ...]] = []  # (xy, ring, exterior, shared) of each kind of piece
        owner = []
        if whole.size:  # each piece: its shell, then its hole
            shell_xy, shell_ring = _closed(*_subset(self.whole_xy, self.whole_ring, whole, n_whole))
            hole_xy, hole_ring = self.circles(whole)
            both = np.concatenate([2 * shell_ring, 2 * hole_ring + 1])
            o = np.argsort(both, kind="stable")
            exterior = np.zeros(2 * whole.size, dtype=bool)
            exterior[0::2] = True
            shared = np.concatenate([np.r_[shell_ring[1:] == shell_ring[:-1], False], np.zeros(hole_ring.size, bool)])
            parts.append((np.vstack([shell_xy, hole_xy])[o], both[o], exterior, shared[o]))
            owner.append(self.whole_point[whole])
        if cut.size:
            # each piece's ring: its vertices, its arc, and the first vertex again (closed as shapely closes
            # it), put in place directly (every piece has an exit, an entry and at least one arc vertex)
            xy_c, piece = _subset(self.cut_xy, self.cut_piece, cut, n_cut)
            begin = _starts(piece)
            arc_xy, arc_piece = self.arc_vertices(cut)
            n_pieces = begin.size
            n_ev = np.bincount(piece, minlength=n_pieces)
            n_arc = np.bincount(arc_piece, minlength=n_pieces)
            length = n_ev + n_arc + 1
            off = np.cumsum(length) - length
            at_ev = off[piece] + np.arange(piece.size) - begin[piece]
            arc_first = np.cumsum(n_arc) - n_arc
            at_arc = off[arc_piece] + n_ev[arc_piece] + np.arange(arc_piece.size) - arc_first[arc_piece]
            ring_xy = np.empty((int(length.sum()), 2))
            ring_xy[at_ev] = xy_c
            ring_xy[at_arc] = arc_xy
            ring_xy[off + length - 1] = xy_c[begin]
            event = np.zeros(ring_xy.shape[0], dtype=bool)
            event[at_ev] = True
            # (a ring whose last vertex is its first already is not closed again)
            same_end = (ring_xy[off + length - 2] == ring_xy[off]).all(axis=1)
            if same_end.any():
                drop = np.ones(ring_xy.shape[0], dtype=bool)
                drop[(off + length - 1)[same_end]] = False
                ring_xy, event = ring_xy[drop], event[drop]
                length = length - same_end
            parts.append((ring_xy, np.repeat(np.arange(n_pieces), length), np.ones(n_pieces, dtype=bool), event))
            owner.append(self.cut_point[cut])
        if not parts:
            return PieceRings(np.zeros((0, 2)), *(np.zeros(0, dtype=t) for t in (np.intp, np.intp, bool, bool,
                                                                                  np.intp)))
        offsets = np.cumsum([0] + [q[2].size for q in parts])
        ring = np.concatenate([q[1] + o for q, o in zip(parts, offsets[:-1])])
        exterior = np.concatenate([q[2] for q in parts])
        return PieceRings(np.vstack([q[0] for q in parts]), ring, np.cumsum(exterior) - 1, exterior,
                          np.concatenate([q[3] for q in parts]), np.concatenate(owner))


def _starts(ids: np.ndarray) -> np.ndarray:
    """Where each run of equal (contiguous) ids starts."""
    return np.flatnonzero(np.r_[True, ids[1:] != ids[:-1]]) if ids.size else np.zeros(0, dtype=np.intp)


def _ring_boxes(xy: np.ndarray, ids: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Lower and upper corners of each run of vertices with one (contiguous) id."""
    if ids.size == 0:
        return np.zeros((0, 2)), np.zeros((0, 2))
    start = _starts(ids)
    return np.minimum.reduceat(xy, start, axis=0), np.maximum.reduceat(xy, start, axis=0)


def _subset(xy: np.ndarray, ids: np.ndarray, chosen: np.ndarray, n: int) -> tuple[np.ndarray, np.ndarray]:
    """The vertices of the rings ``chosen`` (sorted) among ``n``, their ids renumbered 0, 1, ..."""
    if chosen.size == n:
        return xy, ids
    pick = np.zeros(n, dtype=bool)
    pick[chosen] = True
    m = pick[ids]
    return xy[m], (np.cumsum(pick) - 1)[ids[m]]
