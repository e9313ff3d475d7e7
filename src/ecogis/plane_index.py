"""Plane indexing in numpy: pairs of overlapping boxes (a grid hash), runs of exactly equal points (a hash sort).

The street graph (:mod:`ecogis.street_graph`) and the faces of the reached streets
(:mod:`ecogis.network`) need, for 100,000 segments at once, which segments' boxes overlap and
which end points are the same point; both are sorts and gathers in numpy here, with no
geometry objects (a GEOS STRtree needs one per segment).

Examples
--------
>>> import numpy as np
>>> boxes = np.array([[0, 0, 2, 2], [1, 1, 3, 3], [5, 5, 6, 6]], dtype=float)
>>> q, t = box_pairs(boxes)
>>> list(zip(q.tolist(), t.tolist()))
[(0, 1)]
>>> uniq, inv = unique_points(np.array([[0.0, 1.0], [2.0, 2.0], [0.0, 1.0]]))
>>> len(uniq), bool(inv[0] == inv[2])
(2, True)
"""

from __future__ import annotations

import numpy as np

__all__ = ["box_pairs", "same_points", "unique_points"]


def _cells(b: np.ndarray, cell: float, origin: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """(box number, cell key) for every grid cell of side ``cell`` that a box ``(minx, miny, maxx, maxy)`` covers,
    and the column and row of each box's lower-left cell."""
    i0 = np.floor((b[:, 0] - origin[0]) / cell).astype(np.int64)
    j0 = np.floor((b[:, 1] - origin[1]) / cell).astype(np.int64)
    ni = np.floor((b[:, 2] - origin[0]) / cell).astype(np.int64) - i0 + 1
    nj = np.floor((b[:, 3] - origin[1]) / cell).astype(np.int64) - j0 + 1
    cnt = ni * nj
    box = np.repeat(np.arange(len(b)), cnt)
    k = np.arange(int(cnt.sum())) - np.repeat(np.cumsum(cnt) - cnt, cnt)  # rank among the box's cells
    ii = i0[box] + k % ni[box]
    jj = j0[box] + k // ni[box]
    return box, ii * _ROW + jj, i0, j0


_ROW = np.int64(1 << 31)


def box_pairs(qb: np.ndarray, tb: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Every pair (q, t) of a box of ``qb`` and a box of ``tb`` whose closed boxes overlap, once each.

    What ``shapely.STRtree(tb).query(qb)`` gives, in numpy and without geometries: the boxes are hashed into a
    grid of cells about the size of a typical box, pairs are taken within each cell and kept only in the cell
    that holds the lower-left corner of their overlap (so a pair sharing several cells is counted once).
    Without ``tb``: the pairs ``q < t`` of boxes of ``qb`` that overlap.
    """
    self_join = tb is None
    tb = qb if tb is None else tb
    q_ok, t_ok = np.isfinite(qb).all(axis=1), np.isfinite(tb).all(axis=1)
    if not (q_ok.all() and t_ok.all()):  # a box with NaN or infinite sides meets nothing (as in GEOS's STRtree)
        qn, tn = np.flatnonzero(q_ok), np.flatnonzero(t_ok)
        q, t = box_pairs(qb[qn]) if self_join else box_pairs(qb[qn], tb[tn])
        return qn[q], (qn if self_join else tn)[t]
    if len(qb) == 0 or len(tb) == 0:
        return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64)
    both = qb if self_join else np.vstack([qb, tb])
    origin = both[:, :2].min(axis=0)
    ext = np.maximum(both[:, 2] - both[:, 0], both[:, 3] - both[:, 1])
    span = float(max(both[:, 2].max() - origin[0], both[:, 3].max() - origin[1], 1e-9))
    cell = max(float(np.percentile(ext, 75)), span / 2.0 ** 30, 1e-9)
    while True:  # a few long boxes must not cover millions of cells
        n_cells = ((np.floor((both[:, 2] - origin[0]) / cell) - np.floor((both[:, 0] - origin[0]) / cell) + 1)
                   * (np.floor((both[:, 3] - origin[1]) / cell) - np.floor((both[:, 1] - origin[1]) / cell) + 1))
        if n_cells.sum() <= 8 * len(both) + 1000:
            break
        cell *= 2.0
    qi, qk, qi0, qj0 = _cells(qb, cell, origin)
    if self_join:  # in each cell, each box with the boxes after it (numbered in increasing order)
        ti0, tj0 = qi0, qj0
        o = np.lexsort((qi, qk))
        bx, key = qi[o], qk[o]
        start = np.flatnonzero(np.r_[True, key[1:] != key[:-1]])
        end = np.repeat(np.r_[start[1:], key.size], np.diff(np.r_[start, key.size]))
        m = end - np.arange(key.size) - 1  # partners after each position in its cell
        pos = np.repeat(np.arange(key.size), m)
        rq, rk = bx[pos], key[pos]
        rt = bx[pos + 1 + (np.arange(int(m.sum())) - np.repeat(np.cumsum(m) - m, m))]
    else:
        ti, tk, ti0, tj0 = _cells(tb, cell, origin)
        o = np.argsort(tk, kind="stable")
        ti, tk = ti[o], tk[o]
        lo = np.searchsorted(tk, qk, side="left")
        m = np.searchsorted(tk, qk, side="right") - lo
        rq = np.repeat(qi, m)
        rk = np.repeat(qk, m)
        rt = ti[np.repeat(lo, m) + (np.arange(int(m.sum())) - np.repeat(np.cumsum(m) - m, m))]
    # the pair's home cell: the one holding the lower-left corner of the two boxes' overlap
    ok = np.maximum(qi0[rq], ti0[rt]) * _ROW + np.maximum(qj0[rq], tj0[rt]) == rk
    rq, rt = rq[ok], rt[ok]
    ok = (qb[rq, 0] <= tb[rt, 2]) & (tb[rt, 0] <= qb[rq, 2]) & (qb[rq, 1] <= tb[rt, 3]) & (tb[rt, 1] <= qb[rq, 3])
    return rq[ok], rt[ok]


def _point_hash(xy: np.ndarray) -> np.ndarray:
    """A 64-bit hash of each point's coordinate bits (equal points, equal hashes)."""
    bits = np.ascontiguousarray(xy, dtype=float).view(np.uint64)
    with np.errstate(over="ignore"):
        h = (bits[:, 0] * np.uint64(0x9E3779B97F4A7C15)) ^ (bits[:, 1] * np.uint64(0xC2B2AE3D27D4EB4F)
                                                            + np.uint64(0x632BE59BD9B4E019))
        return h ^ (h >> np.uint64(29))


def same_points(xy: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """An order of the points in which equal points are neighbours, and where each run of equal points starts.

    A sort of a 64-bit hash of the coordinates' bits (much faster than sorting pairs of floats); where two
    different points share a hash (it happens: coordinates in whole metres collide often) the points of that
    hash are sorted again by their coordinates, so equal points always form one run.  (``-0.0`` and ``0.0``
    are made one first.)
    """
    xy = np.ascontiguousarray(xy, dtype=float).reshape(-1, 2) + 0.0  # -0.0 + 0.0 is 0.0
    n = len(xy)
    h = _point_hash(xy)
    order = np.argsort(h)  # equal points have equal hashes: their order among themselves does not matter
    sh, sxy = h[order], xy[order]
    new = np.ones(n, dtype=bool)
    new[1:] = (sxy[1:] != sxy[:-1]).any(axis=1)
    clash = new.copy()
    clash[0] = False
    clash[1:] &= sh[1:] == sh[:-1]  # a new point within one hash: two points share a hash
    if clash.any():
        run = np.cumsum(np.r_[True, sh[1:] != sh[:-1]])
        sel = np.flatnonzero(np.isin(run, run[clash]))
        sub = order[sel]
        order[sel] = sub[np.lexsort((xy[sub, 1], xy[sub, 0], run[sel]))]
        sxy = xy[order]
        new[1:] = (sxy[1:] != sxy[:-1]).any(axis=1)
    return order, new


def unique_points(pts: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The distinct points (exactly equal coordinates) and the number of each point among them.

    Like ``np.unique(pts, axis=0, return_inverse=True)`` (in another order) but through a hash sort
    (:func:`same_points`, several times faster).
    """
    order, new = same_points(pts)
    inv = np.empty(len(pts), dtype=np.int64)
    inv[order] = np.cumsum(new) - 1
    return pts[order][new], inv
