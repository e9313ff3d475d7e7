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
  the plane into faces (``shapely.polygonize``), and inside a face the nearest
  reached street is on its boundary (a straight path to any other street crosses
  it), so the uncovered part of a face is the face shrunk by the access width
  (one negative buffer of a small polygon) less the buffers of the dead ends and
  access legs inside it.  The gaps never touch each other (a street lies between
  any two), so they need no union either.
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
from ecogis.street_graph import (
    DEFAULT_ACCESS_WIDTH_M,
    LEVEL_FIELDS,
    WalkGraph,
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


def reached_streets(graph: WalkGraph, stops_xy: Sequence[Sequence[float]] | np.ndarray, *, radius_m: float,
                    include_access: bool = True) -> gpd.GeoDataFrame:
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
    snaps = snap_points(graph, xy)
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
                      quad_segs: int = 8, partitions: int | None = None) -> shapely.Geometry:
    """Union of the reached street length buffered by ``access_width_m``.

    Parameters
    ----------
    reached : GeoDataFrame
        From :func:`reached_streets`.
    access_width_m : float, default 50
        Buffer distance either side of the street, metres.
    quad_segs : int, default 8
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


def network_gaps(reached: gpd.GeoDataFrame, area: Any, *, access_width_m: float = DEFAULT_ACCESS_WIDTH_M,
                 quad_segs: int = 8) -> np.ndarray:
    """The parts of ``area`` farther than ``access_width_m`` from every reached street: the network gaps.

    The same set as ``area - network_catchment(reached)`` (the areas agree within a few 1e-9 relative:
    both draw the arcs with ``quad_segs`` segments per quarter circle), without a union of the buffers.
    The reached streets (noded first if any two cross without a shared vertex) are polygonised into
    faces inside a box a little larger than everything; in a face the nearest reached street lies on its
    boundary, so its uncovered part is the face buffered by ``-access_width_m``, less the buffers of the
    lines that bound no face (dead ends, partly reached edges, access legs) that lie in it.

    Parameters
    ----------
    reached : GeoDataFrame
        From :func:`reached_streets` (rows with ``edge`` -1 are access legs).
    area : shapely geometry
        The audited area, in the CRS of ``reached``.
    access_width_m : float, default 50
        Covered distance either side of a reached street, metres.
    quad_segs : int, default 8
        Segments per quarter circle of the arcs (as in :func:`network_catchment`).

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
    streets = shapely.get_parts(geoms[ok & ~is_leg])
    legs = shapely.get_parts(geoms[ok & is_leg])
    if streets.size + legs.size == 0:
        parts = shapely.get_parts(np.asarray([A], dtype=object))
        return parts[shapely.get_type_id(parts) == 3]
    b = shapely.total_bounds(np.concatenate([streets, legs, np.asarray([A], dtype=object)]))
    pad = 2.0 * w + 1.0
    ring = shapely.LineString(shapely.box(b[0] - pad, b[1] - pad, b[2] + pad, b[3] + pad).exterior.coords)
    lines = np.concatenate([streets, [ring]])
    multi = shapely.multilinestrings(lines)
    if not shapely.is_simple(multi):  # streets crossing without a shared vertex (bridges, un-noded data)
        lines = shapely.get_parts(shapely.node(multi))
    polys, cuts, dangles, invalid = shapely.polygonize_full(lines)
    faces = shapely.get_parts(polys)
    extra = np.concatenate([shapely.get_parts(cuts), shapely.get_parts(dangles), shapely.get_parts(invalid), legs])
    E = shapely.buffer(faces, -w, quad_segs=quad_segs)
    if extra.size and faces.size:
        # each line bounding no face lies in one face (its middle point tells which); the part of its buffer in
        # a neighbouring face is within the access width of that face's boundary, already taken off
        mid = shapely.line_interpolate_point(extra, 0.5, normalized=True)
        xi, fi = shapely.STRtree(faces).query(mid, predicate="intersects")
        live = ~shapely.is_empty(E[fi])
        xi, fi = xi[live], fi[live]
        if xi.size:
            Bx = shapely.buffer(extra[xi], w, quad_segs=quad_segs)
            order = np.argsort(fi, kind="stable")
            fi, Bx = fi[order], Bx[order]
            starts = np.flatnonzero(np.r_[True, fi[1:] != fi[:-1]])
            counts = np.diff(np.r_[starts, fi.size])
            one = starts[counts == 1]
            E[fi[one]] = shapely.difference(E[fi[one]], Bx[one])
            for s0, c in zip(starts[counts > 1], counts[counts > 1]):
                E[fi[s0]] = shapely.difference(E[fi[s0]], shapely.union_all(Bx[s0:s0 + c]))
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
