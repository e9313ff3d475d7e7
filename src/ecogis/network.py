"""Walking distance along streets: graph, multi-source shortest paths, reached street length.

The network method of stop coverage asks which streets a person can walk along
within ``radius_m`` of the nearest stop, and buffers that street length by an
access width (the depth of the plots on either side, default 50 m).

* :func:`walk_graph` builds an undirected graph from a ``roads`` GeoDataFrame
  (street centre lines, noded at intersections: nodes are line end points that
  coincide within ``node_tolerance_m``) or, through :func:`graph_from_pbf`, from
  an OpenStreetMap ``.osm.pbf`` (pyrosm's walking network, whose edges are split
  at every shared OSM node).
* :func:`reached_streets` attaches every stop to the nearest point of the nearest
  street (the straight access leg counts against the budget), runs **one**
  Dijkstra from a virtual source joined to both ends of every stop's edge
  (``scipy.sparse.csgraph.dijkstra`` with ``limit``), so all stops are sources at
  once, and cuts partly reached edges at the exact remaining distance along their
  geometry (curved edges included).
* :func:`network_gaps` gives the parts of an area farther than the access width
  from every reached street without a union of buffers: the reached streets cut
  the plane into faces (built in numpy from the half-edges sorted by angle at each
  node; GEOS's polygonizer where that cannot be done), and inside a face the nearest
  reached street is on its boundary (a straight path to any other street crosses
  it), so the uncovered part of a face is the face shrunk by the access width
  (one negative buffer of a small polygon) less the buffers of the dead ends and
  access legs inside it.  A face less than twice the access width across, or
  convex with 2 area / perimeter at most the width, holds no gap and is never
  buffered.  The gaps never touch each other (a street lies between any two), so
  they need no union either.
* :func:`network_catchment` buffers the reached street length (and the access
  legs) by the access width and unions the buffers, optionally partitioned with
  dask-geopandas (the polygon of the covered part; slow for 100,000 streets).

No networkx: the graph is a ``scipy.sparse`` CSR matrix.  The graph itself (noding,
grade separation, the report, snapping) is built in :mod:`ecogis.street_graph`; its
names stay importable from here.

Examples
--------
>>> import geopandas as gpd, shapely
>>> streets = gpd.GeoDataFrame(geometry=[shapely.LineString([(0, 0), (1000, 0)]),
...                                      shapely.LineString([(1000, 0), (1000, 1000)])], crs=4547)
>>> g = walk_graph(streets)
>>> reached = reached_streets(g, [(0, 0)], radius_m=1200)
>>> round(float(reached.length.sum()), 6)
1200.0
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from ecogis.errors import InputError
from ecogis.plane_index import box_pairs, same_points
from ecogis.street_graph import (
    DEFAULT_ACCESS_WIDTH_M,
    LEVEL_FIELDS,
    WalkGraph,
    _gc_paused,
    grade_levels,
    graph_from_pbf,
    graph_report,
    node_distances,
    node_lines,
    read_walk_network,
    snap_points,
    substrings,
    walk_graph,
)

__all__ = [
    "ACCESS_QUAD_SEGS",
    "DEFAULT_ACCESS_WIDTH_M",
    "LEVEL_FIELDS",
    "WalkGraph",
    "grade_levels",
    "graph_from_pbf",
    "graph_report",
    "node_lines",
    "network_catchment",
    "network_gaps",
    "node_distances",
    "reached_streets",
    "reach_matrix",
    "read_walk_network",
    "snap_points",
    "substrings",
    "walk_graph",
]

log = logging.getLogger(__name__)

#: segments per quarter circle of the access buffers' round ends and corners (GEOS's default, as QGIS draws them):
#: the covered area is that of these polygons, 9.2e-5 below true round ends on a 100 m street grid, 5.4e-4 on
#: Helsinki's streets, at most 0.64 % (an isolated point's 32-gon); reported as the ``access_quad_segs`` parameter
ACCESS_QUAD_SEGS = 8


def reach_matrix(graph: WalkGraph, sources: pd.DataFrame, targets: pd.DataFrame, *, limit_m: float,
                 batch: int = 64) -> Any:
    """Which targets each source reaches along the streets within ``limit_m``.

    Sources and targets are points snapped to the graph (:func:`snap_points`).
    The walk from a source starts with its access distance (``snap_m``) and goes
    along its edge to either end, through the graph, and along the target's edge
    to the target's snapped point; a source and a target on one edge also walk
    straight along it.  Targets count by their snapped point (their own
    ``snap_m`` is left to the caller: the access width).  A target may be a
    stretch of its edge instead (columns ``along_lo_m`` and ``along_hi_m``): it
    is reached when any point of the stretch is.

    Parameters
    ----------
    graph : WalkGraph
    sources, targets : DataFrame
        ``edge``, ``along_m``, ``x``, ``y`` (the snapped point) and for sources
        ``snap_m``, as from :func:`snap_points`.
    limit_m : float
        Walking distance limit.
    batch : int
        Sources per Dijkstra batch (memory: ``batch`` x targets floats, four times).

    Returns
    -------
    scipy.sparse.csr_matrix
        ``(len(sources), len(targets))``, 1 where reached.

    Examples
    --------
    >>> import geopandas as gpd, shapely, numpy as np
    >>> g = walk_graph(gpd.GeoDataFrame(geometry=[shapely.LineString([(0, 0), (1000, 0)]),
    ...                                           shapely.LineString([(1000, 0), (1000, 800)])], crs=4547))
    >>> src = snap_points(g, np.array([[0.0, 10.0]]))           # 10 m off the street
    >>> dst = snap_points(g, np.array([[480.0, 0.0], [500.0, 0.0], [1000.0, 300.0]]))
    >>> reach_matrix(g, src, dst, limit_m=500).toarray().tolist()
    [[1.0, 0.0, 0.0]]
    """
    from scipy.sparse import csr_matrix
    from scipy.sparse.csgraph import dijkstra

    n_src, n_dst = len(sources), len(targets)
    if n_src == 0 or n_dst == 0 or graph.n_edges == 0:
        return csr_matrix((n_src, n_dst))
    U = graph.edges["u"].to_numpy()
    V = graph.edges["v"].to_numpy()
    L = graph.edges["length_m"].to_numpy(dtype=float)
    se = sources["edge"].to_numpy()
    ss = sources["snap_m"].to_numpy(dtype=float)
    de = targets["edge"].to_numpy()
    ok_dst = de >= 0
    de_ = np.where(ok_dst, de, 0)
    lo = targets["along_lo_m"] if "along_lo_m" in targets else targets["along_m"]
    hi = targets["along_hi_m"] if "along_hi_m" in targets else targets["along_m"]
    da_lo = np.clip(lo.to_numpy(dtype=float), 0.0, L[de_])
    da_hi = np.clip(hi.to_numpy(dtype=float), da_lo, L[de_])
    du, dv, d_off_u, d_off_v = U[de_], V[de_], da_lo, L[de_] - da_hi
    usable = np.flatnonzero((se >= 0) & (ss <= limit_m))
    # batches of nearby sources; a walk is never shorter than the straight line between the snapped
    # points, so each batch only looks at the targets within limit_m of its bounding box
    sx, sy = sources["x"].to_numpy(dtype=float), sources["y"].to_numpy(dtype=float)
    tx, ty = targets["x"].to_numpy(dtype=float), targets["y"].to_numpy(dtype=float)
    cell = max(float(limit_m), 1.0)
    # a stretch reaches half its length beyond its (x, y) midpoint
    margin = float(limit_m) + (float(np.max(da_hi - da_lo)) / 2.0 if len(da_lo) else 0.0)
    usable = usable[np.lexsort((sy[usable], np.floor(sx[usable] / cell)))]
    g = graph.csr()
    rows: list[np.ndarray] = []
    cols: list[np.ndarray] = []
    for start in range(0, len(usable), max(int(batch), 1)):
        b = usable[start:start + batch]
        near = np.flatnonzero(ok_dst & (tx >= sx[b].min() - margin) & (tx <= sx[b].max() + margin)
                              & (ty >= sy[b].min() - margin) & (ty <= sy[b].max() + margin))
        if near.size == 0:
            continue
        e = se[b]
        a = np.clip(sources["along_m"].to_numpy(dtype=float)[b], 0.0, L[e])
        off_u = ss[b] + a
        off_v = ss[b] + (L[e] - a)
        nodes_b, inv = np.unique(np.concatenate([U[e], V[e]]), return_inverse=True)
        D = dijkstra(g, directed=False, indices=nodes_b, limit=limit_m)
        Du, Dv = D[inv[: len(b)]], D[inv[len(b):]]
        nu, nv, n_off_u, n_off_v = du[near], dv[near], d_off_u[near], d_off_v[near]
        dist = np.minimum.reduce([
            off_u[:, None] + Du[:, nu] + n_off_u[None, :],
            off_u[:, None] + Du[:, nv] + n_off_v[None, :],
            off_v[:, None] + Dv[:, nu] + n_off_u[None, :],
            off_v[:, None] + Dv[:, nv] + n_off_v[None, :],
        ])
        same = e[:, None] == de[near][None, :]
        if same.any():
            closest = np.clip(a[:, None], da_lo[near][None, :], da_hi[near][None, :])
            direct = ss[b][:, None] + np.abs(a[:, None] - closest)
            dist = np.where(same, np.minimum(dist, direct), dist)
        r_, c_ = np.nonzero(dist <= limit_m)
        rows.append(b[r_])
        cols.append(near[c_])
    r_all = np.concatenate(rows) if rows else np.zeros(0, dtype=int)
    c_all = np.concatenate(cols) if cols else np.zeros(0, dtype=int)
    return csr_matrix((np.ones(len(r_all)), (r_all, c_all)), shape=(n_src, n_dst))


# --- cutting edges -----------------------------------------------------------------------------
def _merge_intervals(edge: np.ndarray, s: np.ndarray, t: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Union of [s, t] intervals per edge."""
    if edge.size == 0:
        return edge, s, t
    order = np.lexsort((s, edge))
    edge, s, t = edge[order], s[order], t[order]
    df = pd.DataFrame({"e": edge, "t": t})
    run_max = df.groupby("e")["t"].cummax().to_numpy()
    prev_max = np.empty_like(run_max)
    prev_max[0] = -np.inf
    prev_max[1:] = run_max[:-1]
    new = np.ones(edge.size, dtype=bool)
    new[1:] = (edge[1:] != edge[:-1]) | (s[1:] > prev_max[1:])
    out_e = edge[new]
    out_s = s[new]
    out_t = np.maximum.reduceat(t, np.flatnonzero(new))
    return out_e, out_s, out_t


@_gc_paused
def reached_streets(graph: WalkGraph, stops_xy: Sequence[Sequence[float]] | np.ndarray, *, radius_m: float,
                    include_access: bool = True, snaps: pd.DataFrame | None = None) -> gpd.GeoDataFrame:
    """The street length within ``radius_m`` walking distance of the nearest stop.

    Parameters
    ----------
    graph : WalkGraph
        From :func:`walk_graph` or :func:`graph_from_pbf`.
    stops_xy : array-like of shape (n, 2)
        Stop coordinates in the graph's CRS.
    radius_m : float
        Walking budget, metres (the access leg from the stop to the street counts).
    include_access : bool, default True
        Also return the straight access legs from each stop to its street.
    snaps : DataFrame, optional
        :func:`snap_points` of ``stops_xy`` when the caller has them already (not snapped again).

    Returns
    -------
    GeoDataFrame
        ``edge`` (row of ``graph.edges``, -1 for access legs), ``start_m``,
        ``end_m`` (along the edge from ``u``) and the reached geometry.

    Examples
    --------
    >>> import geopandas as gpd, shapely
    >>> g = walk_graph(gpd.GeoDataFrame(geometry=[shapely.LineString([(0, 0), (100, 0)])], crs=4547))
    >>> reached_streets(g, [(30, 0)], radius_m=50)[["start_m", "end_m"]].values.tolist()
    [[0.0, 80.0]]
    """
    if radius_m <= 0:
        raise InputError(f"radius_m was {radius_m} but is expected to be > 0")
    xy = np.asarray(stops_xy, dtype=float).reshape(-1, 2)
    empty = gpd.GeoDataFrame({"edge": np.zeros(0, int), "start_m": np.zeros(0), "end_m": np.zeros(0)},
                             geometry=gpd.GeoSeries([], crs=graph.crs), crs=graph.crs)
    if graph.n_edges == 0 or len(xy) == 0:
        return empty
    snaps = snap_points(graph, xy) if snaps is None else snaps
    if len(snaps) != len(xy):
        raise InputError(f"snaps has {len(snaps)} rows but stops_xy {len(xy)}: give snap_points(graph, stops_xy)")
    d = node_distances(graph, snaps, limit_m=radius_m)
    E = graph.edges
    L = E["length_m"].to_numpy(dtype=float)
    du = d[E["u"].to_numpy()]
    dv = d[E["v"].to_numpy()]
    ru = radius_m - du
    rv = radius_m - dv
    ids = np.arange(len(E))
    parts_e, parts_s, parts_t = [], [], []
    m = np.isfinite(ru) & (ru > 0)
    parts_e.append(ids[m]); parts_s.append(np.zeros(m.sum())); parts_t.append(np.minimum(ru[m], L[m]))
    m = np.isfinite(rv) & (rv > 0)
    parts_e.append(ids[m]); parts_s.append(np.maximum(L[m] - rv[m], 0.0)); parts_t.append(L[m])
    ok = (snaps["edge"].to_numpy() >= 0) & (snaps["snap_m"].to_numpy() < radius_m)
    s_e = snaps["edge"].to_numpy()[ok]
    rem = radius_m - snaps["snap_m"].to_numpy()[ok]
    a = snaps["along_m"].to_numpy()[ok]
    parts_e.append(s_e); parts_s.append(np.maximum(a - rem, 0.0)); parts_t.append(np.minimum(a + rem, L[s_e]))
    e, s, t = (np.concatenate(x) for x in (parts_e, parts_s, parts_t))
    e, s, t = _merge_intervals(e.astype(int), s.astype(float), t.astype(float))
    keep = t > s
    e, s, t = e[keep], s[keep], t[keep]
    geoms = np.asarray(E.geometry.values, dtype=object)[e]
    full = (s <= 0.0) & (t >= L[e])
    out_geoms = geoms.copy()
    if (~full).any():
        out_geoms[~full] = substrings(geoms[~full], s[~full], t[~full])
    out = gpd.GeoDataFrame({"edge": e, "start_m": s, "end_m": t}, geometry=out_geoms, crs=graph.crs)
    if include_access and ok.any():
        legs = shapely.linestrings(np.stack([xy[ok], snaps[["x", "y"]].to_numpy()[ok]], axis=1))
        legs_ok = shapely.length(legs) > 0
        if legs_ok.any():
            acc = gpd.GeoDataFrame({"edge": -1, "start_m": 0.0, "end_m": shapely.length(legs[legs_ok])},
                                   geometry=legs[legs_ok], crs=graph.crs)
            out = pd.concat([out, acc], ignore_index=True)
    return out


def _buffer_union(geoms: np.ndarray, width: float, quad_segs: int) -> shapely.Geometry:
    geoms = np.asarray(geoms, dtype=object)
    if geoms.size == 0:
        return shapely.Polygon()
    return shapely.union_all(shapely.buffer(geoms, width, quad_segs=quad_segs))


def network_catchment(reached: gpd.GeoDataFrame, *, access_width_m: float = DEFAULT_ACCESS_WIDTH_M,
                      quad_segs: int = ACCESS_QUAD_SEGS, partitions: int | None = None) -> shapely.Geometry:
    """Union of the reached street length buffered by ``access_width_m``.

    Parameters
    ----------
    reached : GeoDataFrame
        From :func:`reached_streets`.
    access_width_m : float, default 50
        Buffer distance either side of the street, metres.
    quad_segs : int, default ACCESS_QUAD_SEGS (8)
        Segments per quarter circle of the buffer ends.
    partitions : int, optional
        Split the work into this many spatially sorted partitions with
        dask-geopandas (each buffered and unioned on its own, then the
        partition unions unioned): the same polygon.

    Returns
    -------
    shapely Polygon or MultiPolygon
    """
    if access_width_m <= 0:
        raise InputError(f"access_width_m was {access_width_m} but is expected to be > 0")
    geoms = np.asarray(reached.geometry.values, dtype=object)
    if not partitions or partitions <= 1 or len(geoms) < 2:
        return _buffer_union(geoms, access_width_m, quad_segs)
    try:
        import dask_geopandas
    except ImportError:
        raise InputError("partitions need dask-geopandas: pip install 'ecogis[scale]'") from None
    gdf = gpd.GeoDataFrame(geometry=geoms, crs=reached.crs)
    dg = dask_geopandas.from_geopandas(gdf, npartitions=int(partitions))
    dg = dg.spatial_shuffle(by="hilbert", npartitions=int(partitions))

    def part(df: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
        u = _buffer_union(df.geometry.values, access_width_m, quad_segs)
        return gpd.GeoDataFrame(geometry=[u], crs=df.crs)

    meta = gpd.GeoDataFrame(geometry=gpd.GeoSeries([], crs=reached.crs))
    pieces = dg.map_partitions(part, meta=meta).compute()
    return shapely.union_all(np.asarray(pieces.geometry.values, dtype=object))


@_gc_paused
def network_gaps(reached: gpd.GeoDataFrame, area: Any, *, access_width_m: float = DEFAULT_ACCESS_WIDTH_M,
                 quad_segs: int = ACCESS_QUAD_SEGS, noded: bool = False) -> np.ndarray:
    """The parts of ``area`` farther than ``access_width_m`` from every reached street: the network gaps.

    The same set as ``area - network_catchment(reached)`` (the areas agree within a few 1e-9 relative:
    both draw the arcs with ``quad_segs`` segments per quarter circle, GEOS's negative buffer of a face
    and its union of line buffers put the chords in slightly different places), without a union of the
    buffers.  The reached streets (noded first if any two cross without a shared vertex) cut a box a little
    larger than everything into faces (:func:`_street_faces`); in a face the nearest reached street lies on
    its boundary, so its uncovered part is the face buffered by ``-access_width_m``, less the buffers of the
    lines that bound no face (dead ends, partly reached edges, access legs) that lie in it.  A face too
    narrow to hold a point farther than the width from its outline is skipped.

    Parameters
    ----------
    reached : GeoDataFrame
        From :func:`reached_streets` (rows with ``edge`` -1 are access legs).
    area : shapely geometry
        The audited area, in the CRS of ``reached``.
    access_width_m : float, default 50
        Covered distance either side of a reached street, metres.
    quad_segs : int, default ACCESS_QUAD_SEGS (8)
        Segments per quarter circle of the arcs (as in :func:`network_catchment`).
    noded : bool, default False
        True when the caller knows that the streets (not the access legs) meet only at end points they
        share exactly and none touches itself: the reached streets of a graph whose ``simple`` is True
        (:class:`WalkGraph`).  GEOS's check of that is then skipped; otherwise streets that cross
        without a shared vertex are noded first.

    Returns
    -------
    numpy.ndarray of shapely Polygons
        The gaps, pairwise disjoint and not touching.

    Examples
    --------
    >>> import geopandas as gpd, shapely
    >>> ring = gpd.GeoDataFrame(geometry=[shapely.box(0, 0, 400, 400).boundary], crs=4547)
    >>> gaps = network_gaps(ring, shapely.box(0, 0, 400, 400), access_width_m=50)
    >>> [round(g.area) for g in gaps]   # the inner 300 m x 300 m square
    [90000]
    """
    w = float(access_width_m)
    if not w > 0 or not np.isfinite(w):
        raise InputError(f"access_width_m was {access_width_m} but is expected to be a positive number of metres")
    A = shapely.make_valid(area) if not shapely.is_valid(area) else area
    geoms = np.asarray(reached.geometry.values, dtype=object)
    ok = ~(shapely.is_missing(geoms) | shapely.is_empty(geoms))
    is_leg = (reached["edge"].to_numpy() < 0) if "edge" in reached.columns else np.zeros(len(geoms), dtype=bool)
    streets = _parts(geoms[ok & ~is_leg])
    legs = _parts(geoms[ok & is_leg])
    if streets.size + legs.size == 0:
        parts = shapely.get_parts(np.asarray([A], dtype=object))
        return parts[shapely.get_type_id(parts) == 3]
    b = shapely.total_bounds(np.concatenate([streets, legs, np.asarray([A], dtype=object)]))
    pad = 2.0 * w + 1.0
    ring = shapely.LineString(shapely.box(b[0] - pad, b[1] - pad, b[2] + pad, b[3] + pad).exterior.coords)
    lines = np.concatenate([streets, [ring]])
    if not noded:
        multi = shapely.multilinestrings(lines)
        if not shapely.is_simple(multi):  # streets crossing without a shared vertex (bridges, un-noded data)
            lines = shapely.get_parts(shapely.node(multi))
    built = _street_faces(lines, w)
    known_x = np.zeros(0, dtype=object)
    known_f = np.zeros(0, dtype=np.int64)
    if built is None:  # faces GEOS's polygonizer has to assemble
        polys, cuts, dangles, invalid = shapely.polygonize_full(lines)
        faces = shapely.get_parts(polys)
        extra = np.concatenate([shapely.get_parts(cuts), shapely.get_parts(dangles), shapely.get_parts(invalid), legs])
    else:
        faces = built["faces"]
        f = built["extra_face"]
        known_x, known_f = lines[built["extra"][f >= 0]], f[f >= 0]
        extra = np.concatenate([lines[np.unique(built["extra"][f == -1])], legs])
    E = shapely.buffer(faces, -w, quad_segs=quad_segs)
    if (extra.size or known_x.size) and faces.size:
        # each line bounding no face lies in one face (the half-edges, else its middle point tell which); the part
        # of its buffer in a neighbouring face is within the access width of that face's boundary, already taken off
        mid = shapely.get_coordinates(shapely.line_interpolate_point(extra, 0.5, normalized=True))
        xi, fi = _faces_at(mid, faces, np.flatnonzero(~shapely.is_empty(E)))
        xs = np.concatenate([known_x, extra[xi]])
        fi = np.concatenate([known_f, fi])
        live = ~shapely.is_empty(E[fi])
        xs, fi = xs[live], fi[live]
        if xs.size:
            E = _minus_buffers(E, fi, xs, w, quad_segs)
    E = E[~shapely.is_empty(E)]
    if E.size == 0:
        return np.zeros(0, dtype=object)
    shapely.prepare(A)
    inside = shapely.contains(A, E)
    if (~inside).any():
        E = E.copy()
        E[~inside] = shapely.intersection(E[~inside], A)
    parts = shapely.get_parts(E)
    return parts[(shapely.get_type_id(parts) == 3) & (shapely.area(parts) > 0)]


def _faces_at(xy: np.ndarray, faces: np.ndarray, among: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Pairs (point, face) with the point in (or on) the face, for the faces ``among`` only, sorted by point
    and face: ``STRtree(faces[among]).query(points, predicate="intersects")`` with the boxes compared in numpy
    (no tree of 20,000 faces for a few thousand points)."""
    if xy.shape[0] == 0 or among.size == 0:
        return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64)
    p, b = box_pairs(np.column_stack([xy, xy]), shapely.bounds(faces[among]))
    f = among[b]
    hit = shapely.intersects_xy(faces[f], xy[p, 0], xy[p, 1])
    p, f = p[hit], f[hit]
    o = np.lexsort((f, p))
    return p[o], f[o]


def _parts(geoms: np.ndarray) -> np.ndarray:
    """The single lines of ``geoms`` (``shapely.get_parts``, which copies every geometry, only when some are multi)."""
    multi = shapely.get_type_id(geoms) >= 4
    return shapely.get_parts(geoms) if multi.any() else geoms


def _minus_buffers(E: np.ndarray, face: np.ndarray, lines: np.ndarray, w: float, quad_segs: int) -> np.ndarray:
    """``E[f]`` less the buffers of every line ``lines[i]`` with ``face[i] == f``, with no union of the buffers.

    The buffers of one face are dealt into rounds in which no two of their boxes overlap (most
    overlap no other), so each round takes one difference per face with a valid MultiPolygon of
    them.
    """
    E = E.copy()
    B = shapely.buffer(lines, w, quad_segs=quad_segs)
    # buffers whose boxes overlap go in different rounds (a few more than those that meet: no GEOS test)
    a, b = box_pairs(shapely.bounds(B))
    near = face[a] == face[b]
    a, b = a[near], b[near]
    colour = np.zeros(B.size, dtype=np.int64)
    if a.size:  # greedy colouring from west to east (along a chain of buffers, as few rounds as it needs)
        west = np.empty(B.size, dtype=np.int64)
        west[np.argsort(shapely.bounds(B)[:, 0], kind="stable")] = np.arange(B.size)
        a, b = np.where(west[a] < west[b], a, b), np.where(west[a] < west[b], b, a)
        o = np.argsort(west[b], kind="stable")
        a, b = a[o].tolist(), b[o].tolist()
        k = 0
        while k < len(b):  # every buffer west of b[k] that meets it is coloured already
            j, taken = b[k], set()
            while k < len(b) and b[k] == j:
                taken.add(int(colour[a[k]]))
                k += 1
            c = 0
            while c in taken:
                c += 1
            colour[j] = c
    for c in range(int(colour.max()) + 1):
        m = np.flatnonzero(colour == c)
        o = m[np.argsort(face[m], kind="stable")]
        faces, at = np.unique(face[o], return_inverse=True)
        E[faces] = shapely.difference(E[faces], shapely.multipolygons(B[o], indices=at))
    return E

# --- faces of the reached streets in numpy (half-edges sorted by angle at each node) ------------------
def _cycle_labels(succ: np.ndarray) -> np.ndarray:
    """The cycle of the permutation ``succ`` each element is on (numbered from 0)."""
    from scipy.sparse import csr_matrix
    from scipy.sparse.csgraph import connected_components

    n = succ.size
    # one entry a row, in row order: the CSR arrays directly (no COO conversion)
    _k, label = connected_components(csr_matrix((np.ones(n), succ, np.arange(n + 1)), shape=(n, n)),
                                     directed=True, connection="weak")
    return label


def _cycles(succ: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Cycles of the permutation ``succ``: (label of each element, its rank along its cycle from the smallest)."""
    n = succ.size
    label = _cycle_labels(succ)
    start = np.full(int(label.max()) + 1, n, dtype=np.int64)
    np.minimum.at(start, label, np.arange(n))
    home = start[label]
    # pointer doubling: hop[i] is dist[i] steps ahead of i; stop on reaching the start of the cycle
    hop, dist = succ.astype(np.int64), np.ones(n, dtype=np.int64)
    while True:
        go = np.flatnonzero(hop != home)
        if go.size == 0:
            break
        j = hop[go]
        dist[go] += dist[j]
        hop[go] = hop[j]
    length = np.bincount(label)[label]
    return label, np.mod(length - dist, length)


def _by_two(major: np.ndarray, minor: np.ndarray) -> np.ndarray:
    """``np.lexsort((minor, major))`` for non-negative integers whose pairs are all different, through one sort
    of ``major * (max(minor) + 1) + minor`` where that fits in 63 bits."""
    if major.size == 0:
        return np.zeros(0, dtype=np.int64)
    span = int(minor.max()) + 1
    if int(major.max()) < (2 ** 62) // max(span, 1):
        return np.argsort(major.astype(np.int64) * span + minor)
    return np.lexsort((minor, major))


def _by_node_and_angle(org: np.ndarray, angle: np.ndarray) -> np.ndarray:
    """``np.lexsort((angle, org))``, through one sort of ``org + a fraction growing with the angle`` when that
    key keeps every two half-edges of a node apart (checked: else the two-key sort)."""
    n_max = int(org.max()) + 1 if org.size else 1
    frac = (angle + np.pi) / (2.0 * np.pi + 1e-6)  # in [0, 1)
    key = org + frac
    srt = np.argsort(key)
    so, sa, sk = org[srt], angle[srt], key[srt]
    same_node = so[1:] == so[:-1]
    # the key orders the node first (exactly: org < 2**52 and the fraction below 1), then the angle, unless two
    # angles of a node are too close for the key's precision (or equal): then the two-key sort decides
    clash = same_node & ((sa[1:] <= sa[:-1]) | (sk[1:] <= sk[:-1]))
    if n_max < 2 ** 40 and (np.floor(sk) == so).all() and not clash.any():
        return srt
    return np.lexsort((angle, org))


def _rotation(org: np.ndarray, angle: np.ndarray, srt: np.ndarray | None = None) -> np.ndarray:
    """The next half-edge along each face (on the left): out of the far end, clockwise next to the twin (``i ^ 1``).

    ``srt``: the half-edges already sorted by (``org``, ``angle``), when the caller has that order.
    """
    srt = np.lexsort((angle, org)) if srt is None else srt
    pos = np.empty_like(srt)
    pos[srt] = np.arange(srt.size)
    so = org[srt]
    starts = np.flatnonzero(np.r_[True, so[1:] != so[:-1]])
    size = np.diff(np.r_[starts, so.size])
    k = np.arange(so.size)
    prev_sorted = np.where(k == np.repeat(starts, size), np.repeat(starts + size - 1, size), k - 1)
    return srt[prev_sorted[pos[np.arange(org.size) ^ 1]]]


def _points_in_boxes(pt: np.ndarray, boxes: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Every pair (point, box) with the point in the closed box, sorted by point and box: what
    ``box_pairs(np.column_stack([pt, pt]), boxes)`` finds, but for a few points (the holes of the faces: one,
    the far side of the streets, in a connected layer) compared with every box at once (no grid of a layer's
    boxes, one of which covers all the others)."""
    if pt.shape[0] * boxes.shape[0] > 4_000_000:
        p, b = box_pairs(np.column_stack([pt, pt]), boxes)
        o = np.lexsort((b, p))
        return p[o], b[o]
    inside = ((pt[:, 0, None] >= boxes[None, :, 0]) & (pt[:, 0, None] <= boxes[None, :, 2])
              & (pt[:, 1, None] >= boxes[None, :, 1]) & (pt[:, 1, None] <= boxes[None, :, 3]))
    p, b = np.nonzero(inside)
    return p, b


def _street_faces(lines: np.ndarray, w: float) -> dict[str, np.ndarray] | None:
    """The bounded faces of noded lines (one of them a box around the others), and the lines bounding no face.

    The segments of the lines are half-edges; at each node they are sorted by angle, and the
    half-edge after ``u -> v`` (face on its left) is the one out of ``v`` clockwise next to
    ``v -> u``.  The cycles of that permutation are the faces' boundaries; a segment whose two
    half-edges are in one cycle bounds no face (a dead end, or a bridge to a cluster of streets:
    what GEOS's polygonizer calls dangles and cut edges) and is dropped, and the rotation is
    sorted again without those (a cluster they held becomes a ring of its own); a boundary that
    passes a node twice (touches itself) is split into its loops there.  The rings left are shells
    (counter-clockwise) and holes (clockwise); each hole goes in the smallest shell around its
    first vertex.  Faces too narrow to hold a point farther than ``w`` from their outline (less
    than ``2 w`` across their box, or convex with ``2 area / perimeter <= w``) are left out.

    Returns ``faces`` (valid polygons, the others), ``extra`` (the rows of ``lines`` that bound
    no face) and ``extra_face`` (the face each lies in: -2 a face left out as too narrow, -1 not
    known: a tree of such lines standing alone in a face; a line may be listed once per face it
    enters), or None when the faces cannot be assembled this way (the caller then polygonises
    with GEOS).
    """
    coords, li = shapely.get_coordinates(lines, return_index=True)
    same = li[1:] == li[:-1]
    p_all, q_all, seg_line = coords[:-1][same], coords[1:][same], li[:-1][same]
    keep = (p_all != q_all).any(axis=1)
    p_all, q_all, seg_line = p_all[keep], q_all[keep], seg_line[keep]
    if p_all.shape[0] < 3:
        return None
    pts = np.concatenate([p_all, q_all])
    order, new = same_points(pts)  # nodes: equal coordinates, exactly
    node = np.empty(pts.shape[0], dtype=np.int64)
    node[order] = np.cumsum(new) - 1
    nxy = np.empty((int(new.sum()), 2))
    nxy[node] = pts
    nn = nxy.shape[0]
    ns = p_all.shape[0]
    a, b = node[:ns], node[ns:]
    _u, first = np.unique(np.minimum(a, b) * nn + np.maximum(a, b), return_index=True)  # a duplicate bounds nothing
    a, b, seg_line = a[first], b[first], seg_line[first]
    ns = a.size
    org = np.empty(2 * ns, dtype=np.int64)
    dst = np.empty(2 * ns, dtype=np.int64)
    org[0::2], org[1::2], dst[0::2], dst[1::2] = a, b, b, a
    rel = nxy - nxy.min(axis=0)  # shoelace and turns near the origin
    d = rel[dst] - rel[org]
    angle = np.arctan2(d[:, 1], d[:, 0])
    srt = _by_node_and_angle(org, angle)
    label = _cycle_labels(_rotation(org, angle, srt))
    bridge_seg = label[0::2] == label[1::2]
    is_live = ~np.repeat(bridge_seg, 2)
    live = np.flatnonzero(is_live)  # in twin pairs still: the twin of i is i ^ 1
    if live.size < 6:
        return None
    o2, d2 = org[live], dst[live]
    new_no = np.cumsum(is_live) - 1  # number of each live half-edge among the live ones
    # without the bridges, a cluster they held is a ring of its own (the live half-edges stay in sorted order)
    s2 = _rotation(o2, angle[live], new_no[srt[is_live[srt]]])
    ring, rank = _cycles(s2)
    key = ring * nn + o2
    ko = _by_two(key, rank)
    kk = key[ko]
    dup = np.r_[kk[1:] == kk[:-1], False]
    rep = dup | np.r_[False, kk[1:] == kk[:-1]]
    pinch = np.zeros(nn, dtype=bool)
    if rep.any():  # a ring through a node twice touches itself there: close each of its loops on itself
        grp = ko[rep]
        g0 = np.flatnonzero(np.r_[True, key[grp][1:] != key[grp][:-1]])
        gsize = np.diff(np.r_[g0, grp.size])
        j = np.arange(grp.size)
        earlier = np.where(j == np.repeat(g0, gsize), np.repeat(g0 + gsize - 1, gsize), j - 1)
        pred = np.empty(live.size, dtype=np.int64)
        pred[s2] = np.arange(live.size)
        s2 = s2.copy()
        s2[pred[grp]] = grp[earlier]
        pinch[o2[grp]] = True
        ring, rank = _cycles(s2)
        kk = np.sort(ring * nn + o2)
        if (kk[1:] == kk[:-1]).any():
            return None
    n_rings = int(ring.max()) + 1
    x, y, xd, yd = rel[o2, 0], rel[o2, 1], rel[d2, 0], rel[d2, 1]
    signed = 0.5 * np.bincount(ring, weights=x * yd - xd * y, minlength=n_rings)
    perimeter = np.bincount(ring, weights=np.hypot(xd - x, yd - y), minlength=n_rings)
    dn = rel[d2[s2]] - rel[o2[s2]]
    right_turn = ((xd - x) * dn[:, 1] - (yd - y) * dn[:, 0]) < 0
    convex = np.bincount(ring, weights=right_turn, minlength=n_rings) == 0
    outside = int(np.argmin(signed))  # the far side of the box around everything
    ids = np.arange(n_rings)
    is_shell = signed > 0
    is_hole = (signed < 0) & (ids != outside)
    # start every ring at a vertex that is no pinch (a hole touching its shell is placed by its first vertex)
    off = np.where(pinch[o2], np.iinfo(np.int64).max, rank)
    first_ok = np.full(n_rings, np.iinfo(np.int64).max)
    np.minimum.at(first_ok, ring, off)
    if (first_ok[is_hole] == np.iinfo(np.int64).max).any():
        return None
    length = np.bincount(ring, minlength=n_rings)
    r0 = np.where(first_ok == np.iinfo(np.int64).max, 0, first_ok)
    rank = np.mod(rank - r0[ring], length[ring])
    ro = _by_two(ring, rank)
    ring_xy = nxy[o2[ro]]
    rstart = np.r_[0, np.cumsum(length)[:-1]]
    bounds = np.column_stack([np.minimum.reduceat(ring_xy[:, 0], rstart), np.minimum.reduceat(ring_xy[:, 1], rstart),
                              np.maximum.reduceat(ring_xy[:, 0], rstart), np.maximum.reduceat(ring_xy[:, 1], rstart)])
    # a face too narrow for a point deeper than w inside: less than 2 w across its box, or convex with
    # 2 area / perimeter <= w (the inscribed radius of a convex polygon is at most that); it keeps no gap
    narrow = np.minimum(bounds[:, 2] - bounds[:, 0], bounds[:, 3] - bounds[:, 1]) < 2.0 * w
    narrow |= convex & (2.0 * signed < w * perimeter)
    shell_ids = ids[is_shell & ~narrow]
    hole_ids = ids[is_hole]
    cut = np.r_[rstart, ring_xy.shape[0]]

    def ring_geoms(which: np.ndarray) -> np.ndarray:
        if which.size == 0:
            return np.zeros(0, dtype=object)
        sel = np.concatenate([np.arange(cut[r], cut[r + 1]) for r in which]) if which.size < 64 else \
            np.flatnonzero(np.isin(ring[ro], which))
        return shapely.linearrings(ring_xy[sel], indices=np.searchsorted(which, ring[ro][sel]))

    owner = np.zeros(0, dtype=np.int64)
    if hole_ids.size:  # each hole goes in the smallest shell around its first vertex (none is a pinch)
        pt = ring_xy[rstart[hole_ids]]
        shells_all = ids[is_shell]
        hi, si = _points_in_boxes(pt, bounds[shells_all])
        cand = np.unique(si)
        polys = shapely.polygons(ring_geoms(shells_all[cand]))
        shapely.prepare(polys)
        j = np.searchsorted(cand, si)
        inside = shapely.contains_xy(polys[j], pt[hi, 0], pt[hi, 1])
        hi, si = hi[inside], shells_all[si[inside]]
        o = np.lexsort((signed[si], hi))
        hi, si = hi[o], si[o]
        best = np.r_[True, hi[1:] != hi[:-1]]
        owner = np.full(hole_ids.size, -1, dtype=np.int64)
        owner[hi[best]] = si[best]
        if (owner < 0).any():
            return None
    held = np.isin(owner, shell_ids)
    use = np.concatenate([shell_ids, hole_ids[held]])
    poly_of = np.concatenate([shell_ids, owner[held]])
    kind = np.r_[np.zeros(shell_ids.size), np.ones(int(held.sum()))]
    o = np.lexsort((kind, poly_of))
    use, poly_of = use[o], poly_of[o]
    rings_sorted = np.argsort(use, kind="stable")
    geoms = np.empty(use.size, dtype=object)
    geoms[rings_sorted] = ring_geoms(use[rings_sorted])
    faces = shapely.polygons(geoms, indices=np.searchsorted(shell_ids, poly_of)) if use.size else \
        np.zeros(0, dtype=object)
    # the face each line bounding no face lies in, from the half-edges: a dangle's first cycle also walks the
    # outline of its face (unless the dangle belongs to a tree of dangles on its own: -1, found by the caller)
    face_of_ring = np.full(n_rings, -2, dtype=np.int64)  # -2: a face too narrow for a gap (or none)
    face_of_ring[shell_ids] = np.arange(shell_ids.size)
    if hole_ids.size:
        hh = hole_ids[held]
        face_of_ring[hh] = np.searchsorted(shell_ids, owner[held])
    live_of_cycle = np.full(int(label.max()) + 1, -1, dtype=np.int64)
    live_of_cycle[label[live]] = np.arange(live.size)
    bs = np.flatnonzero(bridge_seg)
    at = live_of_cycle[label[2 * bs]]
    extra_face = np.where(at >= 0, face_of_ring[ring[np.maximum(at, 0)]], -1)
    pairs = np.unique(np.column_stack([seg_line[bs], extra_face]), axis=0) if bs.size else np.zeros((0, 2), int)
    return {"faces": faces, "extra": pairs[:, 0], "extra_face": pairs[:, 1]}
