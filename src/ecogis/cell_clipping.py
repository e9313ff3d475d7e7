"""Convex cells clipped to an area's boundary segments (the boundary cells of the disc union).

Part of :mod:`ecogis.discs`, which re-exports the public names.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import shapely

from ecogis.disc_geometry import _POLY, segment_disc_area

__all__ = [
    "area_segments",
    "convex_cells_in_area",
]


def area_segments(area: Any) -> tuple[np.ndarray, np.ndarray]:
    """The boundary of a polygonal area as segments with the area on their left: ``(starts, ends)``.

    Exterior rings run counter-clockwise, holes clockwise, whatever the input's orientation.

    Examples
    --------
    >>> import shapely
    >>> starts, ends = area_segments(shapely.Polygon([(0, 0), (0, 1), (1, 1), (1, 0)]))  # given clockwise
    >>> starts[0].tolist(), ends[0].tolist()   # the left side, now walked down: the square on its left
    ([0.0, 1.0], [0.0, 0.0])
    """
    parts = shapely.get_parts(np.asarray([area], dtype=object))
    parts = parts[shapely.get_type_id(parts) == _POLY]
    rings, ridx = shapely.get_rings(parts, return_index=True)
    exterior = np.ones(len(rings), dtype=bool)
    exterior[1:] = ridx[1:] != ridx[:-1]
    coords, cidx = shapely.get_coordinates(rings, return_index=True)
    same = cidx[1:] == cidx[:-1]
    start, end, ring = coords[:-1][same], coords[1:][same], cidx[:-1][same]
    twice = np.bincount(ring, weights=start[:, 0] * end[:, 1] - end[:, 0] * start[:, 1], minlength=len(rings))
    flip = ((twice < 0) & exterior) | ((twice > 0) & ~exterior)
    swap = flip[ring]
    return np.where(swap[:, None], end, start), np.where(swap[:, None], start, end)


def convex_cells_in_area(centers: np.ndarray, cells: np.ndarray, segments: tuple[np.ndarray, np.ndarray],
                         contains: Any, radius_m: float) -> tuple[np.ndarray, np.ndarray]:
    """Exact area of disc_i ∩ cell_i ∩ area for convex cells, by Green's theorem, in numpy.

    The boundary of cell ∩ area is the cell's edges where they are inside the area plus the
    area's boundary where it is inside the cell.  Each cell is first cut to the disc's
    bounding square (it holds disc ∩ cell), so only nearby boundary segments matter:
    those are clipped to the (convex) cell, and the cell's edges are split where the
    boundary crosses them, each piece kept when its midpoint is inside the area.  The
    disc's area over those oriented pieces (:func:`segment_disc_area`) sums to the answer.

    Parameters
    ----------
    centers : numpy.ndarray
        ``(n, 2)`` disc centres.
    cells : numpy.ndarray
        Convex polygons (Voronoi cells), one per centre.
    segments : (numpy.ndarray, numpy.ndarray)
        The area's boundary from :func:`area_segments`.
    contains : callable
        ``contains(x, y)`` -> bool array: points inside the area (e.g. a prepared ``contains_xy``).
    radius_m : float
        Disc radius.

    Returns
    -------
    (numpy.ndarray, numpy.ndarray)
        The areas, and where they can be trusted: False where a cell edge runs along the
        area's boundary (the midpoint test cannot tell its side); measure those otherwise.

    Examples
    --------
    >>> import numpy as np, shapely
    >>> half = shapely.box(0, -1000, 1000, 1000)               # the area: x >= 0
    >>> cell = shapely.box(-600, -600, 600, 600)                # a square cell around the centre
    >>> area, ok = convex_cells_in_area(np.zeros((1, 2)), np.array([cell]), area_segments(half),
    ...                                 lambda x, y: shapely.contains_xy(half, x, y), 500.0)
    >>> bool(ok[0]), round(float(area[0]) / (np.pi * 500**2 / 2), 12)   # half the disc
    (True, 1.0)
    """
    centers = np.asarray(centers, dtype=float).reshape(-1, 2)
    n = len(centers)
    r = float(radius_m)
    values = np.zeros(n)
    ok = np.ones(n, dtype=bool)
    if n == 0:
        return values, ok
    # a cell that is not one Polygon (a collection with a zero-length line, say) would join its parts'
    # coordinates into one ring: left to the caller (ok False), a harmless square in its place here
    cells = np.asarray(cells, dtype=object)
    odd = shapely.get_type_id(cells) != _POLY
    if odd.any():
        ok[odd] = False
        cells = cells.copy()
        cells[odd] = shapely.box(centers[odd, 0] - r, centers[odd, 1] - r, centers[odd, 0] + r, centers[odd, 1] + r)
    # the cells' rings, counter-clockwise, around their centres, cut to the square [-r, r]^2
    coords, ring = shapely.get_coordinates(cells, return_index=True)
    last = np.r_[ring[1:] != ring[:-1], True]
    coords, ring = coords[~last] - centers[ring[~last]], ring[~last]
    nxt = _next_in_group(ring)
    twice = np.bincount(ring, weights=coords[:, 0] * coords[nxt, 1] - coords[nxt, 0] * coords[:, 1], minlength=n)
    order = np.lexsort((np.where(twice[ring] < 0, -1, 1) * np.arange(len(ring)), ring))  # clockwise rings reversed
    v, g = _clip_to_square(coords[order], ring[order], r * (1.0 + 1e-9))
    v, g = _without_specks(v, g, r * 1e-9)
    nxt = _next_in_group(g)
    edge_a, edge_d = v, v[nxt] - v
    # the area's boundary segments near each disc
    q0, q1 = segments
    tree = shapely.STRtree(shapely.linestrings(np.stack([q0, q1], axis=1)))
    boxes = shapely.box(centers[:, 0] - r, centers[:, 1] - r, centers[:, 0] + r, centers[:, 1] + r)
    pc, ps = tree.query(boxes)
    a0, a1 = q0[ps] - centers[pc], q1[ps] - centers[pc]
    # (ii) boundary segments clipped to the convex cell (Cyrus-Beck over the cell's edges)
    count = np.bincount(g, minlength=n)
    first = np.r_[0, np.cumsum(count)[:-1]]
    h_max = int(count.max())
    slot = np.arange(len(g)) - first[g]
    plane_a = np.zeros((n, h_max, 2))
    plane_d = np.zeros((n, h_max, 2))  # zero direction: no constraint (padding)
    plane_a[g, slot] = edge_a
    plane_d[g, slot] = edge_d
    pa, pd = plane_a[pc], plane_d[pc]
    f0 = pd[..., 0] * (a0[:, None, 1] - pa[..., 1]) - pd[..., 1] * (a0[:, None, 0] - pa[..., 0])
    f1 = pd[..., 0] * (a1[:, None, 1] - pa[..., 1]) - pd[..., 1] * (a1[:, None, 0] - pa[..., 0])
    scale = np.hypot(pd[..., 0], pd[..., 1]) * r * 1e-9
    along = (np.abs(f0) <= scale) & (np.abs(f1) <= scale) & (scale > 0)  # on an edge's line: ambiguous
    outside = (f0 < 0) & (f1 < 0)
    with np.errstate(invalid="ignore", divide="ignore"):
        t = f0 / (f0 - f1)
    t_lo = np.max(np.where(f0 < 0, t, 0.0), axis=1, initial=0.0)
    t_hi = np.min(np.where(f1 < 0, t, 1.0), axis=1, initial=1.0)
    keep = ~outside.any(axis=1) & (t_lo < t_hi)
    ok[pc[along.any(axis=1) & ~outside.any(axis=1)]] = False
    s = a1 - a0
    inner = segment_disc_area(a0[keep] + t_lo[keep, None] * s[keep], a0[keep] + t_hi[keep, None] * s[keep], r)
    values += np.bincount(pc[keep], weights=inner, minlength=n)
    # (i) the cell's edges, split where boundary segments cross them, kept where inside the area
    e_first = first[pc]
    e_count = count[pc]
    pair = np.repeat(np.arange(len(pc)), e_count)
    edge = e_first[pair] + np.arange(e_count.sum()) - np.repeat(np.cumsum(e_count) - e_count, e_count)
    w, e = edge_a[edge], edge_d[edge]
    b0, sb = a0[pair], s[pair]
    den = e[:, 0] * sb[:, 1] - e[:, 1] * sb[:, 0]
    rel = b0 - w
    with np.errstate(invalid="ignore", divide="ignore"):
        u = (rel[:, 0] * sb[:, 1] - rel[:, 1] * sb[:, 0]) / den
        tt = (rel[:, 0] * e[:, 1] - rel[:, 1] * e[:, 0]) / den
    hit = (den != 0) & (u > 0) & (u < 1) & (tt >= 0) & (tt <= 1)
    cuts_edge = np.concatenate([edge[hit], np.arange(len(g)), np.arange(len(g))])
    cuts_u = np.concatenate([u[hit], np.zeros(len(g)), np.ones(len(g))])
    order = np.lexsort((cuts_u, cuts_edge))
    cuts_edge, cuts_u = cuts_edge[order], cuts_u[order]
    same = cuts_edge[1:] == cuts_edge[:-1]
    piece_edge = cuts_edge[:-1][same]
    p0 = edge_a[piece_edge] + cuts_u[:-1][same][:, None] * edge_d[piece_edge]
    p1 = edge_a[piece_edge] + cuts_u[1:][same][:, None] * edge_d[piece_edge]
    mid = 0.5 * (p0 + p1) + centers[g[piece_edge]]
    inside = contains(mid[:, 0], mid[:, 1])
    values += np.bincount(g[piece_edge[inside]], weights=segment_disc_area(p0[inside], p1[inside], r), minlength=n)
    ok &= (values > -1e-6 * r * r) & (values < np.pi * r * r * (1 + 1e-9) + 1e-6)
    return np.maximum(values, 0.0), ok


def _clip_to_square(v: np.ndarray, g: np.ndarray, h: float) -> tuple[np.ndarray, np.ndarray]:
    """Rings (vertices ``v``, ring ids ``g``, contiguous) clipped to the square [-h, h]^2 (Sutherland-Hodgman)."""
    for axis, sign in ((0, 1.0), (1, 1.0), (0, -1.0), (1, -1.0)):
        if len(v) == 0:
            break
        side = h - sign * v[:, axis]  # >= 0 inside
        nx = _next_in_group(g)
        inside = side >= 0.0
        in_next = inside[nx]
        cross = inside != in_next
        with np.errstate(invalid="ignore", divide="ignore"):  # from the end inside: the other may be 1e16 m out
            t = np.where(inside, side / (side - side[nx]), side[nx] / (side[nx] - side))
            base, other = np.where(inside[:, None], v, v[nx]), np.where(inside[:, None], v[nx], v)
            hit = base + t[:, None] * (other - base)
        count = in_next.astype(np.intp) + cross
        first = np.cumsum(count) - count
        new_v = np.empty((int(count.sum()), 2))
        new_v[first[cross]] = hit[cross]
        new_v[first[in_next] + cross[in_next]] = v[nx[in_next]]
        v, g = new_v, np.repeat(g, count)
    return v, g


def _without_specks(v: np.ndarray, g: np.ndarray, tol: float) -> tuple[np.ndarray, np.ndarray]:
    """The rings without the vertices less than ``tol`` before the next one (rings keep three at least).

    Cocircular stops give a cell two Voronoi vertices a rounding apart (5e-10 m): the edge between
    them has no direction to speak of, and clipping by its line cut whole pieces off the cell
    (a rotated lattice: 1,262 m² of disc in a cell holding 18 m², taken as exact).
    """
    if len(v) == 0:
        return v, g
    nx = _next_in_group(g)
    speck = np.hypot(*(v[nx] - v).T) < tol
    if not speck.any():
        return v, g
    left = np.bincount(g, weights=~speck, minlength=int(g.max()) + 1)
    speck &= left[g] >= 3
    return v[~speck], g[~speck]


def _next_in_group(group: np.ndarray) -> np.ndarray:
    """Index of the next element in the same (contiguous) group, wrapping to the group's first."""
    n = len(group)
    nxt = np.arange(1, n + 1)
    if n == 0:
        return nxt
    end = np.ones(n, dtype=bool)
    end[:-1] = group[1:] != group[:-1]
    nxt[end] = np.flatnonzero(np.r_[True, end[:-1]])
    return nxt
