"""Delaunay triangulation of distinct points: GEOS's, checked to be the Delaunay triangulation, else scipy's Qhull.

GEOS's incremental triangulation (:func:`shapely.delaunay_triangles`) builds the
triangles of 140,000 points two to three times faster than Qhull
(:class:`scipy.spatial.Delaunay`; 1.3-1.6 times with the checks below, at 200,000
clustered stops), but it returns polygons and nobody vouches for it
on hostile input, so its result is taken only once it is proved to be the Delaunay
triangulation of the points:

* every triangle's corners are input points (exactly, bit for bit) and every point is a
  corner of some triangle;
* every triangle is counter-clockwise with a positive area, and no directed edge occurs
  twice (the triangles fit edge to edge, each edge between at most two of them);
* the edges with no triangle on their other side form one convex, counter-clockwise ring
  (every turn a left turn or straight, turning once around) and the count of triangles
  is Euler's for a disc, ``2 n - 2 - h``: the triangles cover the convex hull once;
* every interior edge is locally Delaunay (the far corner of the triangle across it is
  not inside the circumcircle, beyond the rounding of the test), which makes the whole
  triangulation Delaunay (Delaunay's lemma).

Where any of this fails (points on one line, rounding at nearly equal points, a GEOS
error), Qhull triangulates the points, as before.  For points in general position
both give the same triangles.  Below :data:`GEOS_FEWEST_POINTS` points Qhull is used
from the start (checking GEOS's result costs more than it saves there), and past
:data:`GEOS_MOST_POINTS`: GEOS inserts the points in order of x, so its walks to each next point
grow with the square root of their number (1,000,000 clustered stops: 8.1 s against
Qhull's 8.4 s), and its triangles as polygons take 2.4 times Qhull's memory (+1.6 GB
against +0.7 GB there).

Examples
--------
>>> import numpy as np
>>> tri = delaunay(np.array([[0.0, 0.0], [1.0, 0.0], [0.0, 1.0], [1.0, 1.1]]))
>>> tri.simplices.shape, tri.source  # (few points: Qhull's)
((2, 3), 'qhull')
>>> sorted(sorted(t) for t in tri.simplices.tolist())
[[0, 1, 2], [1, 2, 3]]
"""

from __future__ import annotations

import logging
from typing import NamedTuple

import numpy as np
import shapely

from ecogis.plane_index import _point_hash

__all__ = ["GEOS_FEWEST_POINTS", "GEOS_MOST_POINTS", "Triangulation", "delaunay"]

log = logging.getLogger(__name__)

#: fewest points GEOS triangulates (fewer: Qhull, as fast there or faster once GEOS's result is checked:
#: 5,000 stops 14 ms against 12, 50,000 173 ms against 139; 80,000 312 against 349)
GEOS_FEWEST_POINTS = 100_000
#: most points GEOS triangulates (more: Qhull, as fast there and in less than half the memory)
GEOS_MOST_POINTS = 500_000

#: in-circle values within this many times the size of their terms are rounding, not a wrong edge
_INCIRCLE_REL = 1e-10


class Triangulation(NamedTuple):
    """Triangles of a Delaunay triangulation, as :class:`scipy.spatial.Delaunay` gives them.

    Attributes
    ----------
    simplices : numpy.ndarray
        ``(m, 3)`` point indices of each triangle.
    neighbors : numpy.ndarray
        ``(m, 3)`` the triangle across the edge opposite corner ``k`` (-1 on the convex hull).
    source : str
        ``"geos"`` or ``"qhull"``: who built it.
    """

    simplices: np.ndarray
    neighbors: np.ndarray
    source: str


def delaunay(pts: np.ndarray) -> Triangulation:
    """The Delaunay triangulation of distinct points: GEOS's where it is proved right, else Qhull's.

    GEOS's is tried for :data:`GEOS_FEWEST_POINTS` to :data:`GEOS_MOST_POINTS` points.

    Parameters
    ----------
    pts : numpy.ndarray
        ``(n, 2)`` distinct points, at least three and not all on one line (best centred
        near the origin: the tests of the result are made in these coordinates).

    Returns
    -------
    Triangulation
        The triangles and their neighbours.

    Raises
    ------
    scipy.spatial.QhullError
        Where Qhull cannot triangulate the points either (all on one line, say).

    Examples
    --------
    >>> import numpy as np
    >>> pts = np.random.default_rng(0).uniform(-1000, 1000, (500, 2))
    >>> from scipy.spatial import Delaunay
    >>> a = {tuple(sorted(t)) for t in delaunay(pts).simplices.tolist()}
    >>> b = {tuple(sorted(t)) for t in Delaunay(pts).simplices.tolist()}
    >>> a == b
    True
    """
    pts = np.ascontiguousarray(pts, dtype=float).reshape(-1, 2)
    found = _geos(pts) if GEOS_FEWEST_POINTS <= len(pts) <= GEOS_MOST_POINTS else None
    if found is not None:
        return found
    from scipy.spatial import Delaunay

    tri = Delaunay(pts)
    if _suspect(pts, tri.simplices) and not _qhull_checked(pts, tri.simplices):
        # Qhull merges facets of (nearly) cocircular or nearly equal points and splits them again anyhow: triangles
        # of three points in line, or edges that are not Delaunay (by metres at points 1 mm apart); GEOS's, if proved
        tried = None if GEOS_FEWEST_POINTS <= len(pts) <= GEOS_MOST_POINTS else _geos(pts)
        if tried is not None:
            log.debug("Qhull's triangulation of %d points is not Delaunay; using GEOS's", len(pts))
            return tried
    return Triangulation(tri.simplices, tri.neighbors, "qhull")  # (Qhull's own int32 arrays: half the memory)


#: points closer than this (metres) make Qhull's triangulation suspect: it merges their facets and splits them anyhow
_NEAR_M = 0.01


def _suspect(pts: np.ndarray, simplices: np.ndarray) -> bool:
    """Whether Qhull's triangles are worth checking: one has no area, or two points lie within ``_NEAR_M``.

    (The closest two points are always joined by a Delaunay edge.)  Checking every
    triangulation costs a fifth of Qhull's own time (the in-circle test of every edge); this test 1-3 % of it.
    """
    x, y = pts[:, 0][simplices], pts[:, 1][simplices]
    dx1, dy1 = x[:, 1] - x[:, 0], y[:, 1] - y[:, 0]
    dx2, dy2 = x[:, 2] - x[:, 0], y[:, 2] - y[:, 0]
    if ((dx1 * dy2 - dy1 * dx2) == 0).any():
        return True
    dx3, dy3 = dx2 - dx1, dy2 - dy1
    shortest = min(float((dx * dx + dy * dy).min()) for dx, dy in ((dx1, dy1), (dx2, dy2), (dx3, dy3)))
    return shortest < _NEAR_M * _NEAR_M


def _qhull_checked(pts: np.ndarray, simplices: np.ndarray) -> bool:
    """Whether Qhull's triangles all have an area, fit edge to edge and are locally Delaunay (see :func:`_geos`)."""
    s, ok = _counter_clockwise(pts, simplices)
    if not ok:
        return False
    edges = _edges(s, len(pts))
    return edges is not None and _locally_delaunay(pts, s, edges.pairs)


def _geos(pts: np.ndarray) -> Triangulation | None:
    """GEOS's triangulation of ``pts`` if every test of the module's docstring holds, else None."""
    n = len(pts)
    if n < 3 or not np.isfinite(pts).all():
        return None
    try:
        tris = shapely.delaunay_triangles(_multipoint(pts))
    except shapely.errors.GEOSException as exc:
        log.debug("GEOS could not triangulate %d points (%s); using Qhull", n, exc)
        return None
    m = int(shapely.get_num_geometries(tris))
    coords = shapely.get_coordinates(tris)
    if m == 0 or coords.shape[0] != 4 * m:
        return _refused("the triangles are not all closed rings of three corners", n)
    s = _indices(pts, coords.reshape(m, 4, 2)[:, :3].reshape(-1, 2))
    if s is None:
        return _refused("a corner is not an input point", n)
    s = s.reshape(m, 3)
    if np.bincount(s.ravel(), minlength=n).min() == 0:
        return _refused("a point is no corner", n)
    s, ok = _counter_clockwise(pts, s)
    if not ok:
        return _refused("a triangle has no area", n)
    edges = _edges(s, n)
    if edges is None:
        return _refused("the triangles do not fit edge to edge", n)
    if not _convex_disc(pts, edges.outer, m, n):
        return _refused("the outer edges are not the convex hull", n)
    if not _locally_delaunay(pts, s, edges.pairs):
        return _refused("an edge is not locally Delaunay", n)
    return Triangulation(s, edges.neighbors, "geos")


def _multipoint(pts: np.ndarray) -> shapely.Geometry:
    """The points as one MultiPoint, through WKB (three times faster than :func:`shapely.multipoints`)."""
    n = len(pts)
    rec = np.zeros(n, dtype=[("order", "u1"), ("type", "<u4"), ("xy", "<f8", (2,))])  # packed: 21 bytes a point
    rec["order"], rec["type"], rec["xy"] = 1, 1, pts
    head = np.array([1], dtype="u1").tobytes() + np.array([4, n], dtype="<u4").tobytes()
    return shapely.from_wkb(head + rec.tobytes())


def _refused(why: str, n: int) -> None:
    log.debug("GEOS's triangulation of %d points refused (%s); using Qhull", n, why)
    return None


def _indices(pts: np.ndarray, corners: np.ndarray) -> np.ndarray | None:
    """The index in ``pts`` of each of ``corners`` (all exactly among them), or None.

    Both sides are sorted by a hash of the coordinates' bits, so the search runs along
    the sorted points instead of jumping about them; every match is then compared
    coordinate by coordinate.
    """
    pts, corners = pts + 0.0, corners + 0.0  # -0.0 and 0.0 are one point
    hp = _point_hash(pts)
    order = np.argsort(hp)
    hs = hp[order]
    if (hs[1:] == hs[:-1]).any():  # two points share a hash: search by the coordinates themselves
        key = pts.view(np.complex128).ravel()
        order = np.argsort(key)
        hs = key[order]
        hq = corners.view(np.complex128).ravel()
    else:
        hq = _point_hash(corners)
    oq = np.argsort(hq)
    at = np.minimum(np.searchsorted(hs, hq[oq]), hs.size - 1)
    idx = np.empty(len(corners), dtype=np.intp)
    idx[oq] = order[at]
    if not (pts[idx] == corners).all():
        return None
    return idx


def _counter_clockwise(pts: np.ndarray, s: np.ndarray) -> tuple[np.ndarray, bool]:
    """The triangles with their corners counter-clockwise, and whether every one has an area."""
    a, b, c = pts[s[:, 0]], pts[s[:, 1]], pts[s[:, 2]]
    cross = (b[:, 0] - a[:, 0]) * (c[:, 1] - a[:, 1]) - (b[:, 1] - a[:, 1]) * (c[:, 0] - a[:, 0])
    cw = cross < 0
    if cw.all():  # (GEOS gives them all clockwise)
        return s[:, [0, 2, 1]], bool((cross != 0).all())
    s = s.copy()
    s[cw, 1], s[cw, 2] = s[cw, 2], s[cw, 1].copy()
    return s, bool((cross != 0).all())


class _Edges(NamedTuple):
    """The triangles' edges: neighbours, outer edges, and each interior edge once (triangle, corner, and across)."""

    neighbors: np.ndarray
    outer: np.ndarray
    pairs: np.ndarray  # (p, 4): triangle t, corner k opposite the edge, the triangle across, its corner opposite


def _edges(s: np.ndarray, n: int) -> _Edges | None:
    """The edges of counter-clockwise triangles; None where they do not fit edge to edge.

    An edge between three or more triangles, or two triangles on the same side of an edge
    (running it the same way), do not fit.
    """
    m = len(s)
    head = np.concatenate([s[:, 1], s[:, 2], s[:, 0]])  # edge opposite corner k runs from k + 1 to k + 2
    tail = np.concatenate([s[:, 2], s[:, 0], s[:, 1]])
    lo, hi = np.minimum(head, tail).astype(np.int64), np.maximum(head, tail).astype(np.int64)
    key = lo * n + hi
    order = np.argsort(key)
    sk = key[order]
    same = sk[1:] == sk[:-1]
    if (same[1:] & same[:-1]).any():
        return None
    first = np.flatnonzero(same)
    e1, e2 = order[first], order[first + 1]
    if (head[e1] == head[e2]).any():
        return None
    inner = np.zeros(3 * m, dtype=bool)
    inner[e1] = inner[e2] = True
    across = np.full(3 * m, -1, dtype=np.intp)
    across[e1], across[e2] = e2 % m, e1 % m
    pairs = np.column_stack([e1 % m, e1 // m, e2 % m, e2 // m]).astype(np.intp)
    outer = ~inner
    return _Edges(across.reshape(3, m).T.copy(), np.column_stack([head[outer], tail[outer]]), pairs)


def _convex_disc(pts: np.ndarray, boundary: np.ndarray, m: int, n: int) -> bool:
    """True when the outer edges are one convex counter-clockwise ring and the triangles are Euler's count."""
    h = len(boundary)
    if h < 3 or m != 2 * n - 2 - h:
        return False
    start, end = boundary[:, 0], boundary[:, 1]
    if np.unique(start).size != h or np.unique(end).size != h:
        return False
    nxt = np.full(n, -1, dtype=np.intp)
    nxt[start] = end
    after = nxt[end]  # each outer edge (a, b) and the next one (b, c)
    if (after < 0).any():
        return False
    u = pts[end] - pts[start]
    v = pts[after] - pts[end]
    turn = u[:, 0] * v[:, 1] - u[:, 1] * v[:, 0]
    if (turn < 0).any():
        return False
    total = float(np.arctan2(turn, (u * v).sum(axis=1)).sum())
    return abs(total - 2.0 * np.pi) < 1e-6


def _locally_delaunay(pts: np.ndarray, s: np.ndarray, pairs: np.ndarray) -> bool:
    """True when no corner across an interior edge lies inside the circumcircle (beyond rounding)."""
    t, other, k2 = pairs[:, 0], pairs[:, 2], pairs[:, 3]
    d = pts[s[other, k2]]  # the corner of the other triangle opposite the shared edge
    a, b, c = pts[s[t, 0]] - d, pts[s[t, 1]] - d, pts[s[t, 2]] - d
    ax, ay, bx, by, cx, cy = a[:, 0], a[:, 1], b[:, 0], b[:, 1], c[:, 0], c[:, 1]
    t1 = (ax * ax + ay * ay) * (bx * cy - by * cx)
    t2 = (bx * bx + by * by) * (cx * ay - cy * ax)
    t3 = (cx * cx + cy * cy) * (ax * by - ay * bx)
    det = t1 + t2 + t3  # > 0: d inside the circle through a, b, c (counter-clockwise)
    size = np.abs(t1) + np.abs(t2) + np.abs(t3)
    return bool((det <= _INCIRCLE_REL * size).all())
