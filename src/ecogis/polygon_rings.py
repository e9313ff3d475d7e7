"""Polygon rings from vertex arrays: holes placed in their shells, rings dissolved along shared edges, touching groups.

Part of :mod:`ecogis.discs`, which re-exports the public names.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import shapely

__all__ = [
    "boxes_near_segments",
    "cut_outlines",
    "dissolve_rings",
    "hole_owners",
    "lowest_linked",
    "place_holes",
    "polygons_with_holes",
    "reversed_rings",
    "touching_groups",
]


def _same_points(xy: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """An order of the points in which equal points are neighbours, and where each run of equal points starts.

    Sorts a 64-bit hash of the coordinates' bits (much faster than sorting pairs of
    floats), then compares the coordinates themselves: two points are the same only when
    they are equal, so a collision of hashes can only split a run, never join two points.
    """
    bits = np.ascontiguousarray(xy, dtype=float).reshape(-1, 2).view(np.uint64)
    with np.errstate(over="ignore"):
        h = bits[:, 0] * np.uint64(0x9E3779B97F4A7C15) ^ (bits[:, 1] + np.uint64(0x632BE59BD9B4E019))
    order = np.argsort(h, kind="stable")
    sxy = xy[order]
    new = np.ones(len(order), dtype=bool)
    new[1:] = (sxy[1:] != sxy[:-1]).any(axis=1)
    return order, new


def place_holes(shells: np.ndarray, holes: np.ndarray, *, owners: bool = False) -> Any:
    """Polygons from shells and holes (linear rings that do not cross): each hole goes in the smallest shell around it.

    For rings of disjoint polygons (shells may nest inside other polygons' holes).
    The candidates come from an STRtree of the shells' boxes and are tested with
    prepared point-in-polygon, so a shell with many holes costs ``log`` of its size per
    hole (GEOS's overlay places free holes in time of the shell's size per hole).
    Returns None when a hole lies in no shell; with ``owners``, also the polygon each ring
    (the shells, then the holes) went to.

    Examples
    --------
    >>> import shapely, numpy as np
    >>> big, small = shapely.box(0, 0, 10, 10).exterior, shapely.box(4, 4, 5, 5).exterior
    >>> hole = shapely.box(2, 2, 8, 8).exterior
    >>> polys = place_holes(np.array([big, small]), np.array([hole]))
    >>> [p.area for p in polys]
    [64.0, 1.0]
    """
    shells = np.asarray(shells, dtype=object)
    holes = np.asarray(holes, dtype=object)
    if holes.size == 0 or shells.size == 0:
        if holes.size:
            return None
        polys = shapely.polygons(shells)
        return (polys, np.arange(shells.size)) if owners else polys
    owner = hole_owners(shells, holes)
    if owner is None:
        return None
    return polygons_with_holes(shells, [(holes, owner)], owners=owners)


def hole_owners(shells: np.ndarray, holes: np.ndarray, *, every_vertex: bool = False) -> Any:
    """The smallest of ``shells`` (linear rings) around each of ``holes``; None when a hole lies in none.

    A hole's candidates are the shells whose box holds its first vertex, tested with
    prepared point-in-polygon (only the candidates are built as polygons).  With
    ``every_vertex``, a hole whose first vertex lies in no shell (on a shell's ring: the
    hole touches it there) is placed by the first of its vertices that lies inside one,
    and -1 marks a hole none of whose vertices does; then returns ``(owners, touching)``,
    ``touching`` the holes placed by another vertex: the caller decides.

    Examples
    --------
    >>> import shapely, numpy as np
    >>> rings = shapely.box(0, 0, 10, 10).exterior, shapely.box(4, 4, 5, 5).exterior
    >>> hole_owners(np.array(rings), np.array([shapely.box(2, 2, 3, 3).exterior])).tolist()
    [0]
    >>> touching = shapely.Polygon([(0, 5), (2, 4), (2, 6)]).exterior   # first vertex on the big square's edge
    >>> hole_owners(np.array(rings), np.array([touching])) is None
    True
    >>> [a.tolist() for a in hole_owners(np.array(rings), np.array([touching]), every_vertex=True)]
    [[0], [True]]
    """
    owner = _point_owners(shells, shapely.get_coordinates(shapely.get_point(holes, 0)))
    if not every_vertex:
        return owner if (owner >= 0).all() else None
    touching = owner < 0
    if touching.any():
        lost = np.flatnonzero(touching)
        xy, which = shapely.get_coordinates(holes[lost], return_index=True)
        found = _point_owners(shells, xy)
        o = np.lexsort((found < 0, which))  # each hole's vertices, those inside a shell first
        lead = o[np.r_[True, which[o][1:] != which[o][:-1]]]
        owner[lost[which[lead]]] = found[lead]
    return owner, touching


def _point_owners(shells: np.ndarray, xy: np.ndarray) -> np.ndarray:
    """The smallest of ``shells`` (linear rings) around each point (strictly inside), -1 for a point in none."""
    owner = np.full(len(xy), -1, dtype=np.intp)
    if len(xy) == 0 or shells.size == 0:
        return owner
    lo_x, lo_y, hi_x, hi_y = shapely.bounds(shells).T
    hi, si = shapely.STRtree(shapely.box(lo_x, lo_y, hi_x, hi_y)).query(shapely.points(xy))
    if hi.size == 0:
        return owner
    polys = np.empty(shells.size, dtype=object)
    tested = np.unique(si)
    polys[tested] = shapely.polygons(shells[tested])
    shapely.prepare(polys[tested])
    inside = shapely.contains_xy(polys[si], xy[hi, 0], xy[hi, 1])
    hi, si = hi[inside], si[inside]
    if hi.size:
        area = np.zeros(shells.size)
        held = np.unique(si)
        area[held] = shapely.area(polys[held])
        o = np.lexsort((area[si], hi))
        hi, si = hi[o], si[o]
        best = np.r_[True, hi[1:] != hi[:-1]]
        owner[hi[best]] = si[best]
    return owner


def polygons_with_holes(shells: np.ndarray, holes: list[tuple[np.ndarray, np.ndarray]], *,
                        owners: bool = False) -> Any:
    """Polygons of ``shells`` (linear rings), with ``holes`` given as ``(rings, shell of each)`` lists, in order."""
    rings = np.concatenate([shells, *(h[0] for h in holes)])
    poly_of = np.concatenate([np.arange(shells.size), *(np.asarray(h[1], dtype=np.intp) for h in holes)])
    kind = np.r_[np.zeros(shells.size), np.ones(rings.size - shells.size)]  # each shell before its holes
    o = np.lexsort((kind, poly_of))
    polys = shapely.polygons(rings[o], indices=poly_of[o])
    return (polys, poly_of) if owners else polys


_NO_OUTLINE = (np.zeros((0, 2)), np.zeros(0, dtype=np.intp), np.zeros(0, dtype=np.intp))


def dissolve_rings(xy: np.ndarray, ring: np.ndarray, shareable: np.ndarray, *, outline: bool = False,
                   item: np.ndarray | None = None, extra: tuple[np.ndarray, np.ndarray] | None = None,
                   arcs: tuple[np.ndarray, Callable[[np.ndarray], tuple[np.ndarray, np.ndarray]]] | None = None) -> Any:
    """Merge polygons that fit exactly (a coverage) by cancelling their shared edges, without an overlay.

    ``xy`` are the coordinates of the polygons' rings (closed: last = first), ``ring`` the
    ring of each (contiguous), exteriors counter-clockwise and holes clockwise;
    ``shareable`` marks the vertices another polygon may share (the others are matched by
    position only, which keeps the work on them linear).  An edge and its reverse cancel;
    the edges left are chained into rings, which :func:`place_holes` assembles.

    Returns the merged polygons, and the shareable vertices where the edges left do not
    form simple rings (a vertex with more than one way on, where polygons touch at a
    point, or edges that do not match exactly): ``(None, those vertices' xy)``; merge the
    polygons there otherwise (e.g. with GEOS).  With ``outline``, a third item: the
    shareable vertices left on the merged polygons' rings and the polygon of each,
    ``(xy, polygon)`` (what other polygons could still share with them).

    With ``item`` (the polygon each vertex belongs to), the holes are placed without a
    point-in-polygon test: polygons that share a vertex merge into one polygon (where they
    only touch at a point the dissolve fails anyway), so each group of them has one outer
    ring and its other rings are its holes (:func:`touching_groups`); :func:`place_holes`
    is the fallback when a group does not have exactly one outer ring.  ``extra`` (with
    ``item``): more rings, as geometries, that share nothing and are taken as they are,
    and the item of each (e.g. the holes of polygons merged again).

    The outline (with ``outline``) is ``(xy, polygon, ring)``: ``ring`` is the position of
    the vertex's ring in its polygon (0 the exterior, then the holes in order).

    ``arcs`` are edges still to draw: ``(arc, draw)``, ``arc`` the arc (0 ..; -1 for a
    straight edge) from each vertex to the next of its ring, ``draw(arcs)`` their inner
    vertices and which of ``arcs`` each is on, in order (e.g.
    :meth:`ecogis.arc_rings.ArcRings.arc_vertices`).  An arc is never shared, so it is
    kept whole and drawn once, into the merged ring; the outline holds only ``xy``'s vertices.

    Examples
    --------
    >>> import shapely, numpy as np
    >>> a, b = shapely.box(0, 0, 1, 1), shapely.box(1, 0, 2, 1)   # counter-clockwise, sharing x = 1
    >>> xy, ring = shapely.get_coordinates(shapely.get_rings([a, b]), return_index=True)
    >>> polys, bad = dissolve_rings(xy, ring, np.ones(len(xy), dtype=bool))
    >>> [p.area for p in polys], len(shapely.get_coordinates(polys[0])) - 1, len(bad)
    ([2.0], 6, 0)
    """
    xy = np.ascontiguousarray(xy, dtype=float).reshape(-1, 2)
    ring = np.asarray(ring)
    shareable = np.asarray(shareable, dtype=bool)
    n = len(xy)
    none = np.zeros((0, 2))
    if n == 0:
        empty = np.zeros(0, dtype=object)
        return (empty, none, _NO_OUTLINE) if outline else (empty, none)
    # rings with no shareable vertex (a lone disc's circle) are taken as they are
    ring = np.unique(ring, return_inverse=True)[1] if ring[0] != 0 or (np.diff(ring) > 1).any() else ring
    alone = np.bincount(ring, weights=shareable) == 0
    passed = np.zeros(0, dtype=object)
    passed_item = np.zeros(0, dtype=np.intp)
    if item is not None:
        item = np.asarray(item, dtype=np.intp)
    if alone.any():
        mine = alone[ring]
        passed = shapely.linearrings(xy[mine], indices=np.cumsum(alone)[ring[mine]] - 1)
        if item is not None:
            passed_item = item[mine][np.r_[True, ring[mine][1:] != ring[mine][:-1]]]
            item = item[~mine]
        xy, ring, shareable = xy[~mine], ring[~mine], shareable[~mine]
        arcs = None if arcs is None else (arcs[0][~mine], arcs[1])
        n = len(xy)
    if extra is not None and item is not None and len(extra[0]):
        passed = np.concatenate([passed, np.asarray(extra[0], dtype=object)])
        passed_item = np.concatenate([passed_item, np.asarray(extra[1], dtype=np.intp)])
    if arcs is None and n:  # runs of vertices no one shares are never cancelled: carried whole, as arcs
        xy, ring, shareable, item, arcs = _runs_as_arcs(xy, ring, shareable, item)
        n = len(xy)
    # vertex ids: shareable vertices by value, the others by position; a ring's closing vertex is its first
    sh = np.flatnonzero(shareable)
    o, new = _same_points(xy[sh])
    n_shared = int(new.sum())
    vid = np.arange(n, dtype=np.int64) + n_shared
    ids = np.empty(sh.size, dtype=np.int64)
    ids[o] = np.cumsum(new) - 1
    vid[sh] = ids
    start = np.flatnonzero(np.r_[True, ring[1:] != ring[:-1]])
    end = np.r_[start[1:], n] - 1
    vid[end] = vid[start]
    e, s, t, sf = _edges_left(xy, ring, vid, n_shared, None if arcs is None else arcs[0])
    m = np.int64(max(n_shared, 1))
    size = n_shared + n
    out_deg = np.bincount(s, minlength=size)
    in_deg = np.bincount(t, minlength=size)
    bad = np.flatnonzero(((out_deg != in_deg) | (out_deg > 1))[:n_shared])
    twice = sf[1:][sf[1:] == sf[:-1]]  # the same edge twice in one direction: the polygons overlap
    if bad.size or twice.size:
        bad_xy = xy[sh[o][new]][np.union1d(bad, twice // m)]
        return (None, bad_xy, None) if outline else (None, bad_xy)
    if e.size == 0:
        if passed.size:
            placed = place_holes(passed[shapely.is_ccw(passed)], passed[~shapely.is_ccw(passed)])
            if placed is None:
                return (None, none, None) if outline else (None, none)
            return (placed, none, _NO_OUTLINE) if outline else (placed, none)
        empty = np.zeros(0, dtype=object)
        return (empty, none, _NO_OUTLINE) if outline else (empty, none)
    edge_order, dense = _chained(s, t, size)
    chained_xy = xy[e[edge_order]]
    drawn_xy, drawn_ring = _drawn(chained_xy, dense, e[edge_order], arcs)
    chained = shapely.linearrings(drawn_xy, indices=drawn_ring)
    rings = np.concatenate([chained, passed])
    ccw = shapely.is_ccw(rings)
    first_edge = e[edge_order][np.r_[True, dense[1:] != dense[:-1]]]
    placed = _place(rings, ccw, None if item is None else (item, sh, vid, n_shared, first_edge, passed_item))
    if placed is None:
        return (None, none, None) if outline else (None, none)
    polys, poly_of = placed
    if not outline:
        return polys, none
    ring_poly = np.empty(rings.size, dtype=np.intp)  # (the chained rings come first)
    ring_poly[np.r_[np.flatnonzero(ccw), np.flatnonzero(~ccw)]] = poly_of
    # each ring's place in its polygon: the exterior first, then the holes in the order of ``rings``
    holes = np.flatnonzero(~ccw)
    by_poly = holes[np.argsort(ring_poly[holes], kind="stable")]
    hp = ring_poly[by_poly]
    ring_pos = np.zeros(rings.size, dtype=np.intp)
    ring_pos[by_poly] = np.arange(by_poly.size) - np.searchsorted(hp, hp) + 1
    on = s[edge_order] < n_shared
    return polys, none, (chained_xy[on], ring_poly[dense[on]], ring_pos[dense[on]])


def _chained(s: np.ndarray, t: np.ndarray, size: int) -> tuple[np.ndarray, np.ndarray]:
    """Edges (vertex ids ``s -> t``, at most one out of each vertex) chained into rings: their order and ring ids.

    Runs of edges that already follow each other are chained whole; each ring starts at
    its lowest run (pointer jumping ranks the runs along it).
    """
    n_edges = s.size
    start_edge = np.full(size, -1, dtype=np.intp)
    start_edge[s] = np.arange(n_edges)
    nxt = start_edge[t]
    # runs of edges that follow each other in the input; chain the runs into rings
    k = np.arange(n_edges)
    head = np.r_[True, nxt[:-1] != k[1:]]
    run = np.cumsum(head) - 1
    n_runs = int(run[-1]) + 1
    run_first = np.flatnonzero(head)
    run_last = np.r_[run_first[1:], n_edges] - 1
    next_run = run[nxt[run_last]]
    from scipy.sparse import coo_matrix
    from scipy.sparse.csgraph import connected_components

    graph = coo_matrix((np.ones(n_runs, dtype=np.int8), (np.arange(n_runs), next_run)), shape=(n_runs, n_runs))
    _, label = connected_components(graph, directed=False)
    lead = np.full(int(label.max()) + 1, n_runs, dtype=np.intp)
    np.minimum.at(lead, label, np.arange(n_runs))
    # rank the runs along each ring from its lowest run (pointer jumping)
    to = next_run.copy()
    last = to == lead[label]
    to[last] = np.flatnonzero(last)
    dist = (~last).astype(np.int64)
    while True:
        moved = to[to] != to
        if not moved.any():
            break
        dist = dist + dist[to]
        to = to[to]
    run_order = np.lexsort((-dist, label))
    lengths = (run_last - run_first + 1)[run_order]
    edge_order = np.repeat(run_first[run_order] - np.cumsum(lengths) + lengths, lengths) + np.arange(int(lengths.sum()))
    ring_of = np.repeat(label[run_order], lengths)
    dense = np.cumsum(np.r_[True, ring_of[1:] != ring_of[:-1]]) - 1
    return edge_order, dense


def _runs_as_arcs(xy: np.ndarray, ring: np.ndarray, shareable: np.ndarray, item: np.ndarray | None) -> tuple[Any, ...]:
    """The rings with each run of unshareable vertices taken out, to be drawn back as an arc (:func:`dissolve_rings`).

    A ring keeps its first and last (closing) vertex and its shareable ones; the run after a
    kept vertex is that vertex's arc.  Of two equal vertices in a row (an edge of no length:
    the dissolve drops it) one goes first: the earlier, or the later where the earlier is
    the ring's first; the one kept is shareable if either was.  Returns ``(xy, ring,
    shareable, item, arcs)``, ``arcs`` None when no run was taken out.
    """
    moves = xy[1:] != xy[:-1]
    same = (ring[1:] == ring[:-1]) & ~(moves[:, 0] | moves[:, 1])  # vertex i equals vertex i + 1
    first = np.r_[True, ring[1:] != ring[:-1]]
    ends = first.copy()
    ends[np.flatnonzero(first)[1:] - 1] = True
    ends[-1] = True
    dup = np.r_[same & ~first[:-1], False] | np.r_[False, same & first[:-1]]
    if dup.any():  # the vertex kept of each pair shares what either shares
        shareable = shareable.copy()
        pair = np.flatnonzero(same)
        kept = np.where(first[pair], pair, pair + 1)
        np.logical_or.at(shareable, kept, shareable[pair] | shareable[pair + 1])
    keep = (shareable | ends) & ~dup
    inner = ~keep & ~dup
    if not inner.any():
        if not dup.any():
            return xy, ring, shareable, item, None
        return xy[keep], ring[keep], shareable[keep], None if item is None else item[keep], None
    at = np.flatnonzero(inner)
    before = (np.cumsum(keep) - 1)[at]  # the kept vertex each drawn vertex follows
    count = np.bincount(before, minlength=int(keep.sum()))
    start = np.cumsum(count) - count
    arc = np.where(count > 0, np.arange(count.size), -1)

    def draw(arcs: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        c = count[arcs]
        which = np.repeat(np.arange(arcs.size), c)
        return xy[at[np.repeat(start[arcs] - (np.cumsum(c) - c), c) + np.arange(int(c.sum()))]], which

    return xy[keep], ring[keep], shareable[keep], None if item is None else item[keep], (arc, draw)


def _edges_left(xy: np.ndarray, ring: np.ndarray, vid: np.ndarray, n_shared: int,
                arc: np.ndarray | None) -> tuple[np.ndarray, ...]:
    """The edges ``i -> i + 1`` inside the rings that no other edge cancels (runs the other way between them).

    Returns the first vertex of each edge left, the vertex ids at its ends, and the sorted
    keys of the edges between shareable vertices (``vid`` below ``n_shared``), cancelled or
    not.  Zero-length edges go; an arc (``arc`` >= 0) stays, and cancels nothing.
    """
    moves = xy[1:] != xy[:-1]
    moves = moves[:, 0] | moves[:, 1]
    if arc is not None:
        moves |= arc[:-1] >= 0
    e = np.flatnonzero((ring[1:] == ring[:-1]) & moves)
    s, t = vid[e], vid[e + 1]
    both = (s < n_shared) & (t < n_shared)
    if arc is not None:
        both &= arc[e] < 0  # (an arc is no one else's edge)
    m = np.int64(max(n_shared, 1))
    fwd = s[both] * m + t[both]
    rev = t[both] * m + s[both]
    sf = np.sort(fwd)
    gone = np.zeros(e.size, dtype=bool)
    gone[np.flatnonzero(both)[sf[np.minimum(np.searchsorted(sf, rev), max(sf.size - 1, 0))] == rev]] = True
    return e[~gone], s[~gone], t[~gone], sf


def _drawn(xy: np.ndarray, ring: np.ndarray, start: np.ndarray,
           arcs: tuple[np.ndarray, Callable[[np.ndarray], tuple[np.ndarray, np.ndarray]]] | None,
           ) -> tuple[np.ndarray, np.ndarray]:
    """Chained rings' vertices ``xy`` (of the edges from ``start``) with the arcs among those edges drawn in."""
    if arcs is None:
        return xy, ring
    arc = arcs[0][start]
    at = np.flatnonzero(arc >= 0)
    if at.size == 0:
        return xy, ring
    axy, which = arcs[1](arc[at])
    inner = np.bincount(which, minlength=at.size)
    count = np.ones(len(xy), dtype=np.intp)
    count[at] += inner
    pos = np.cumsum(count) - count
    out = np.empty((int(count.sum()), 2))
    out[pos] = xy
    rows = (at + 1)[which]  # an arc's vertices follow its edge's first vertex, after the earlier arcs' vertices
    rows += np.arange(which.size)
    out[rows] = axy
    return out, np.repeat(ring, count)


def lowest_linked(a: np.ndarray, b: np.ndarray, n: int) -> np.ndarray:
    """For each of ``n`` items, the lowest item it is linked to by the pairs ``(a, b)`` (itself if none).

    Examples
    --------
    >>> import numpy as np
    >>> lowest_linked(np.array([3, 1]), np.array([1, 4]), 5).tolist()
    [0, 1, 2, 1, 1]
    """
    from scipy.sparse import coo_matrix
    from scipy.sparse.csgraph import connected_components

    _, label = connected_components(coo_matrix((np.ones(len(a)), (a, b)), shape=(n, n)),
                                    directed=False)
    lead = np.full(int(label.max()) + 1, n, dtype=np.intp)
    np.minimum.at(lead, label, np.arange(n))
    return lead[label]


def _groups(owner: np.ndarray, vertex: np.ndarray, n_vertices: int, n: int) -> np.ndarray:
    """Connected components of ``n`` items joined by shared vertex ids (``owner[i]`` has vertex ``vertex[i]``)."""
    from scipy.sparse import coo_matrix
    from scipy.sparse.csgraph import connected_components

    graph = coo_matrix((np.ones(owner.size, dtype=np.int8), (owner, n + vertex)), shape=(n + n_vertices,) * 2)
    return connected_components(graph, directed=False)[1][:n]


def _place(rings: np.ndarray, ccw: np.ndarray, items: tuple[np.ndarray, ...] | None) -> Any:
    """Polygons and ring owners from the dissolved rings: by groups of items when given, else by point-in-polygon."""
    if items is not None:
        item, sh, vid, n_shared, first_edge, passed_item = items
        group = _groups(item[sh], vid[sh], n_shared, int(max(item.max(initial=-1), passed_item.max(initial=-1))) + 1)
        placed = _holes_by_group(rings, ccw, np.concatenate([group[item[first_edge]], group[passed_item]]))
        if placed is not None:
            return placed
    return place_holes(rings[ccw], rings[~ccw], owners=True)


def _holes_by_group(rings: np.ndarray, ccw: np.ndarray, group: np.ndarray) -> tuple[np.ndarray, np.ndarray] | None:
    """:func:`place_holes`' polygons and ring owners when each group of rings has one outer ring; else None."""
    shells = np.flatnonzero(ccw)
    holes = np.flatnonzero(~ccw)
    n_groups = int(group.max(initial=-1)) + 1
    count = np.bincount(group[shells], minlength=n_groups)
    if (count[group] != 1).any():  # a group without an outer ring, or with several
        return None
    shell_of = np.empty(n_groups, dtype=np.intp)
    shell_of[group[shells]] = np.arange(shells.size)
    owner = shell_of[group[holes]]
    order_rings = np.concatenate([rings[shells], rings[holes]])
    poly_of = np.concatenate([np.arange(shells.size), owner])
    kind = np.r_[np.zeros(shells.size), np.ones(holes.size)]  # each shell before its holes, as place_holes
    o = np.lexsort((kind, poly_of))
    return shapely.polygons(order_rings[o], indices=poly_of[o]), poly_of


def touching_groups(xy: np.ndarray, owner: np.ndarray, n: int) -> np.ndarray:
    """Label ``n`` items so that items sharing a vertex (exactly equal ``xy``) get the same label.

    ``xy`` are vertices, ``owner`` the item each belongs to; the labels are the connected
    components of "shares a vertex with", numbered from 0 in order of each group's first item.

    Examples
    --------
    >>> import numpy as np
    >>> xy = np.array([[0.0, 0.0], [1.0, 0.0], [1.0, 0.0], [2.0, 0.0], [5.0, 5.0]])
    >>> touching_groups(xy, np.array([0, 0, 1, 1, 2]), 4).tolist()   # 0 and 1 share (1, 0); 3 has no vertex
    [0, 0, 1, 2]
    """
    from scipy.sparse import coo_matrix
    from scipy.sparse.csgraph import connected_components

    xy = np.ascontiguousarray(xy, dtype=float).reshape(-1, 2)
    owner = np.asarray(owner, dtype=np.intp)
    if n == 0:
        return np.zeros(0, dtype=np.intp)
    if len(xy) == 0:
        return np.arange(n)
    order, new = _same_points(xy)
    vertex = np.empty(len(xy), dtype=np.intp)
    vertex[order] = np.cumsum(new) - 1
    # items and vertices as one bipartite graph: items 0..n-1, vertices n..
    graph = coo_matrix((np.ones(len(xy), dtype=np.int8), (owner, n + vertex)), shape=(n + int(new.sum()),) * 2)
    _, label = connected_components(graph, directed=False)
    label = label[:n]
    first = np.full(int(label.max()) + 1, n, dtype=np.intp)
    np.minimum.at(first, label, np.arange(n))
    rank = np.argsort(np.argsort(first, kind="stable"), kind="stable")
    return rank[label]


def cut_outlines(area: Any, polygons: np.ndarray, *, tolerance_m: float = 1e-6) -> np.ndarray | None:
    """``area`` minus the outlines (exteriors, filled) of ``polygons`` that lie inside it, without an overlay.

    For polygons cut to the area by GEOS (their vertices on the area's boundary are the
    area's own vertices and the points where their edges cross it): those points are put
    into the area's rings, then the area's rings and the polygons' exteriors (reversed)
    are dissolved (:func:`dissolve_rings`), so the edges they share along the boundary
    cancel.  Returns the polygons of the result, or None where that cannot be trusted (a
    point near the boundary on no single segment, edges that do not chain into simple
    rings, or an area that is not the area minus the outlines' areas to 1e-9): then use
    GEOS (:func:`shapely.difference`).

    Examples
    --------
    >>> import shapely, numpy as np
    >>> area = shapely.box(0, 0, 10, 10)
    >>> bite = shapely.intersection(shapely.box(-5, 2, 3, 4), area)   # cut by the area's edge
    >>> [p.area for p in cut_outlines(area, np.array([bite]))]
    [94.0]
    """
    polygons = np.asarray(polygons, dtype=object)
    parts = shapely.get_parts(np.asarray([area], dtype=object))
    parts = parts[shapely.get_type_id(parts) == 3]
    a_rings, a_part = shapely.get_rings(parts, return_index=True)
    a_xy, a_ring = shapely.get_coordinates(a_rings, return_index=True)
    a_ext = np.r_[True, a_part[1:] != a_part[:-1]]
    # the area's rings with the area on their left: exteriors counter-clockwise, holes clockwise
    a_ccw = shapely.is_ccw(a_rings)
    a_order = reversed_rings(a_ring, a_ccw != a_ext)
    a_xy = a_xy[a_order]
    g_rings = shapely.get_exterior_ring(polygons)
    g_xy, g_ring = shapely.get_coordinates(g_rings, return_index=True)
    # the polygons' exteriors (counter-clockwise, as the gaps are built; if not, the area check below fails)
    # reversed: their edges along the boundary cancel the area's
    g_xy, g_ring = g_xy[::-1], _dense(g_ring[::-1])
    cut = _cut(area, a_xy, a_ring, a_rings.size, g_xy, g_ring, tolerance_m)
    if cut is None:  # some exterior clockwise, perhaps: orient them and try again
        g_rings = shapely.get_exterior_ring(shapely.orient_polygons(polygons, exterior_cw=False))
        g_xy, g_ring = shapely.get_coordinates(g_rings, return_index=True)
        g_xy, g_ring = g_xy[::-1], _dense(g_ring[::-1])
        cut = _cut(area, a_xy, a_ring, a_rings.size, g_xy, g_ring, tolerance_m)
    return cut


def _cut(area: Any, a_xy: np.ndarray, a_ring: np.ndarray, n_area_rings: int, g_xy: np.ndarray, g_ring: np.ndarray,
         tolerance_m: float) -> np.ndarray | None:
    """:func:`cut_outlines` with the area's rings and the outlines' reversed exteriors given as arrays."""
    # which of the polygons' vertices lie on the area's boundary, and on which segment: first those in
    # the cells of a grid that the boundary's segments (their boxes, widened) touch
    seg = np.flatnonzero(a_ring[1:] == a_ring[:-1])
    s0, s1 = a_xy[seg], a_xy[seg + 1]
    near, pi, si = _near_segments(g_xy, s0, s1, 10.0 * tolerance_m)
    p = g_xy[near[pi]]
    d = s1[si] - s0[si]
    t = np.clip(np.einsum("ij,ij->i", p - s0[si], d) / np.maximum(np.einsum("ij,ij->i", d, d), 1e-300), 0.0, 1.0)
    off = p - (s0[si] + t[:, None] * d)
    close = np.hypot(off[:, 0], off[:, 1]) <= tolerance_m
    pi, si, p = pi[close], si[close], p[close]
    at_end = (p == s0[si]).all(axis=1) | (p == s1[si]).all(axis=1)
    vertex = np.zeros(near.size, dtype=bool)
    vertex[pi[at_end]] = True  # the area's own vertices: already in its rings
    inside = ~at_end & ~vertex[pi]
    pi, si, p = pi[inside], si[inside], p[inside]
    if np.unique(pi).size != pi.size:  # a point near two segments (near a vertex, not on it): ambiguous
        return None
    d = s1[si] - s0[si]
    t = np.einsum("ij,ij->i", p - s0[si], d) / np.einsum("ij,ij->i", d, d)
    # the area's rings with those points put into their segments, in order along each
    pos = np.concatenate([np.arange(a_xy.shape[0], dtype=float), seg[si] + np.clip(t, 1e-12, 1 - 1e-12)])
    all_xy = np.vstack([a_xy, p])
    o = np.argsort(pos, kind="stable")
    all_ring = np.concatenate([a_ring, a_ring[seg[si]]])[o]
    all_xy = all_xy[o]
    xy = np.vstack([all_xy, g_xy])
    ring = np.concatenate([all_ring, g_ring + n_area_rings])
    on_boundary = np.zeros(g_xy.shape[0], dtype=bool)
    on_boundary[near[np.unique(np.r_[pi, np.flatnonzero(vertex)])]] = True
    shareable = np.r_[np.ones(all_xy.shape[0], dtype=bool), on_boundary]
    merged, _ = dissolve_rings(xy, ring, shareable)
    if merged is None:
        return None
    start = np.flatnonzero(np.r_[True, g_ring[1:] != g_ring[:-1]])
    rel = g_xy - g_xy[start[g_ring]]
    same = g_ring[1:] == g_ring[:-1]
    twice = (rel[:-1, 0] * rel[1:, 1] - rel[1:, 0] * rel[:-1, 1])[same].sum()  # (clockwise: negative)
    expected = float(shapely.area(area)) + 0.5 * float(twice)
    got = float(shapely.area(merged).sum())
    if abs(got - expected) > 1e-9 * max(float(shapely.area(area)), 1.0):
        return None
    return merged


def _dense(ring: np.ndarray) -> np.ndarray:
    """Ring ids 0, 1, ... for contiguous runs of ``ring`` (empty rings leave no gaps in the numbering)."""
    return np.cumsum(np.r_[True, ring[1:] != ring[:-1]]) - 1 if ring.size else ring


def _segment_cells(s0: np.ndarray, s1: np.ndarray, pad: float) -> tuple[Any, ...]:
    """The segments' boxes, widened by ``pad``, on a grid of about 1024 cells a side.

    Returns ``(lower corner, cell size, (rows, columns), cell, segment)``: every pair of a
    cell (``row * columns + column``) and a segment whose widened box touches it, by cell.
    """
    lo_s, hi_s = np.minimum(s0, s1) - pad, np.maximum(s0, s1) + pad
    lo, hi = lo_s.min(axis=0), hi_s.max(axis=0)
    size = float((hi - lo).max()) / 1024.0 or 1.0
    shape = np.maximum(np.ceil((hi - lo) / size).astype(np.int64), 1) + 1
    c0 = np.floor((lo_s - lo) / size).astype(np.int64)
    c1 = np.floor((hi_s - lo) / size).astype(np.int64)
    nx, ny = c1[:, 0] - c0[:, 0] + 1, c1[:, 1] - c0[:, 1] + 1
    per = nx * ny
    sid = np.repeat(np.arange(len(s0)), per)
    k = np.arange(int(per.sum())) - np.repeat(np.cumsum(per) - per, per)
    cell = (c0[sid, 0] + k // ny[sid]) * shape[1] + c0[sid, 1] + k % ny[sid]
    o = np.argsort(cell, kind="stable")
    return lo, size, shape, cell[o], sid[o]


def boxes_near_segments(lo: np.ndarray, hi: np.ndarray, s0: np.ndarray, s1: np.ndarray) -> np.ndarray:
    """Which boxes (``lo``, ``hi`` corners) may meet a segment: a superset of those that do.

    A box is kept when a grid cell it covers is touched by a segment's box (widened by a
    hair, so a segment on a box's edge counts); counted with a summed-area table of the
    grid, so each box costs the same however large.

    Examples
    --------
    >>> import numpy as np
    >>> lo, hi = np.array([[0.0, 0.0], [50.0, 50.0]]), np.array([[1.0, 1.0], [51.0, 51.0]])
    >>> boxes_near_segments(lo, hi, np.array([[0.5, -1.0]]), np.array([[0.5, 2.0]])).tolist()
    [True, False]
    """
    if len(lo) == 0 or len(s0) == 0:
        return np.zeros(len(lo), dtype=bool)
    g_lo, size, shape, cell, _ = _segment_cells(s0, s1, 1e-9 * float(np.ptp(np.vstack([s0, s1]))) + 1e-9)
    marked = np.zeros(int(shape[0] * shape[1]), dtype=np.int64)
    marked[cell] = 1
    table = np.zeros((shape[0] + 1, shape[1] + 1), dtype=np.int64)
    table[1:, 1:] = marked.reshape(shape).cumsum(axis=0).cumsum(axis=1)
    i0, j0 = np.floor((lo - g_lo) / size).T
    i1, j1 = np.floor((hi - g_lo) / size).T
    i0, j0 = np.clip(i0, 0, shape[0]).astype(np.int64), np.clip(j0, 0, shape[1]).astype(np.int64)
    i1, j1 = np.clip(i1 + 1, 0, shape[0]).astype(np.int64), np.clip(j1 + 1, 0, shape[1]).astype(np.int64)
    return (table[i1, j1] - table[i0, j1] - table[i1, j0] + table[i0, j0]) > 0


def _near_segments(xy: np.ndarray, s0: np.ndarray, s1: np.ndarray,
                   pad: float) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Points of ``xy`` that may lie within ``pad`` of a segment, and the pairs to test.

    The segments' boxes, widened by ``pad``, are laid on a grid of about 1024 cells a side;
    a point is paired with every segment whose widened box touches the point's cell (a
    superset of the boxes that hold it).  Returns the points' indices ``near`` and the
    pairs ``(i, s)``: point ``near[i]``, segment ``s``, by segment then point.
    """
    none = np.zeros(0, dtype=np.intp)
    if len(xy) == 0 or len(s0) == 0:
        return none, none, none
    lo, size, shape, cell, sid = _segment_cells(s0, s1, pad)
    # the points' cells (first those in a cell some box touches), and the segments listed there
    ij = np.floor((xy - lo) / size)
    ok = np.flatnonzero(((ij >= 0) & (ij < shape)).all(axis=1))
    pc = ij[ok, 0].astype(np.int64) * shape[1] + ij[ok, 1].astype(np.int64)
    touched = np.zeros(int(shape[0] * shape[1]), dtype=bool)
    touched[cell] = True
    hit = touched[pc]
    pc = pc[hit]
    near = ok[hit]  # (a touched cell lists at least one segment)
    first = np.searchsorted(cell, pc, side="left")
    count = np.searchsorted(cell, pc, side="right") - first
    pi = np.repeat(np.arange(near.size), count)
    si = sid[np.repeat(first - (np.cumsum(count) - count), count) + np.arange(int(count.sum()))]
    o = np.lexsort((pi, si))
    return near, pi[o], si[o]


def reversed_rings(ring: np.ndarray, flip: np.ndarray) -> np.ndarray:
    """Vertex order with the (closed, contiguous) rings marked in ``flip`` reversed, as GEOS reverses a ring.

    ``ring`` is the ring number of each vertex (rings contiguous), ``flip`` a boolean per ring.

    Examples
    --------
    >>> import numpy as np
    >>> reversed_rings(np.array([0, 0, 0, 1, 1, 1]), np.array([False, True])).tolist()
    [0, 1, 2, 5, 4, 3]
    """
    start = np.flatnonzero(np.r_[True, ring[1:] != ring[:-1]])
    end = np.r_[start[1:], ring.size]
    order = np.arange(ring.size)
    f = flip[ring]
    order[f] = (start + end - 1)[ring[f]] - order[f]
    return order
