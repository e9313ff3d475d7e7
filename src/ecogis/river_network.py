"""The directed river network: lines digitised downstream joined where ends meet or touch an interior.

Part of :mod:`ecogis.water`, which re-exports the public names.
"""

from __future__ import annotations

import heapq
import math
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any, Literal

import geopandas as gpd
import numpy as np
import shapely
import shapely.ops
from shapely.geometry import LineString, Point
from shapely.ops import substring

from ecogis.crs import to_metric
from ecogis.errors import InputError, NotMeasurableError

__all__ = [
    "RiverNetwork",
]


@dataclass
class _Piece:
    """A stretch [a, b] (metres from the edge's first vertex) of one edge, reached by a trace.

    ``anchor_m`` is the along-river distance from the trace's origin to the piece's end
    nearest the origin (``b`` for upstream traces, ``a`` for downstream ones).
    """

    edge: int
    a: float
    b: float
    anchor_m: float
    direction: str

    def distance_at(self, t: float) -> float:
        return self.anchor_m + (self.b - t if self.direction == "up" else t - self.a)


@dataclass
class RiverNetwork:
    """River lines as a directed network (each line flows from its first vertex to its last).

    Build it with :meth:`from_rivers`; it works in one metric CRS.

    Attributes
    ----------
    edges : list of LineString
        Line pieces, split where a tributary's end touches another line's interior.
    edge_river : list of int
        Position (``iloc``) in the rivers frame each edge came from.
    u, v : list of int
        Upstream and downstream node of each edge.
    crs : CRS
        The metric CRS.

    Examples
    --------
    >>> import geopandas as gpd, shapely
    >>> r = gpd.GeoDataFrame({"id": ["a"]}, geometry=[shapely.LineString([(0, 0), (100, 0)])], crs=4547)
    >>> net = RiverNetwork.from_rivers(r)
    >>> e, s, d = net.locate(shapely.Point(30, 5), max_distance_m=10)
    >>> [round(p.b - p.a) for p in net.trace(e, s, 20.0, "up")]
    [20]
    """

    edges: list[LineString]
    edge_river: list[int]
    u: list[int]
    v: list[int]
    crs: Any
    incoming: dict[int, list[int]] = field(default_factory=dict)
    outgoing: dict[int, list[int]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        inc: dict[int, list[int]] = defaultdict(list)
        out: dict[int, list[int]] = defaultdict(list)
        for i, (a, b) in enumerate(zip(self.u, self.v)):
            out[a].append(i)
            inc[b].append(i)
        self.incoming, self.outgoing = dict(inc), dict(out)
        self._tree = shapely.STRtree(self.edges)
        self.lengths = np.array([g.length for g in self.edges])

    @classmethod
    def from_rivers(cls, rivers: gpd.GeoDataFrame, *, metric_crs: Any = None,
                    snap_tolerance_m: float = 1.0) -> "RiverNetwork":
        """Join river lines into a network.

        Parameters
        ----------
        rivers : GeoDataFrame
            River centre lines (polygons are ignored), digitised downstream.
        metric_crs : CRS-like, optional
            CRS to work in; default :func:`ecogis.crs.metric_crs` of the rivers.
        snap_tolerance_m : float, default 1.0
            Line ends closer than this are one node; an end this close to another
            line's interior splits that line there (a confluence).
        """
        if rivers is None or rivers.empty:
            raise NotMeasurableError("the rivers layer is empty; a river network needs river centre lines")
        r = to_metric(rivers, metric_crs)
        lines: list[LineString] = []
        owner: list[int] = []
        for pos, geom in enumerate(r.geometry.values):
            if geom is None or geom.is_empty:
                continue
            for part in shapely.get_parts(shapely.line_merge(geom) if geom.geom_type == "MultiLineString" else geom):
                if part.geom_type == "LineString" and part.length > 0:
                    lines.append(part)
                    owner.append(pos)
        if not lines:
            raise NotMeasurableError(
                "the rivers layer has no line geometries; river-network work (tracing, delineation along the "
                "channel) needs centre lines, not water-surface polygons"
            )
        lines, owner = _split_at_junctions(lines, owner, snap_tolerance_m)
        ends = np.array([[ln.coords[0], ln.coords[-1]] for ln in lines], dtype=float).reshape(-1, 2)
        node = _cluster_points(ends, snap_tolerance_m)
        return cls(lines, owner, list(node[0::2]), list(node[1::2]), r.crs)

    def locate(self, geom: Any, *, max_distance_m: float) -> tuple[int, float, float] | None:
        """Nearest edge to a geometry: ``(edge, metres along it, distance)``, or None beyond max_distance_m."""
        idx, dist = self._tree.query_nearest(geom, max_distance=max_distance_m, return_distance=True)
        if len(idx) == 0:
            return None
        e = int(np.asarray(idx).ravel()[0])
        d = float(np.asarray(dist).ravel()[0])
        line = self.edges[e]
        near = shapely.ops.nearest_points(line, geom)[0]
        return e, float(line.project(near)), d

    def trace(self, edge: int, position_m: float, distance_m: float,
              direction: Literal["up", "down"]) -> list[_Piece]:
        """The stretches of river within ``distance_m`` along the network of a point.

        ``'up'`` follows every branch against the flow (tributaries included),
        ``'down'`` with it (every branch of a bifurcation).  Shortest along-river
        distances decide (Dijkstra), so a loop is not walked twice.
        """
        if direction not in ("up", "down"):
            raise InputError(f"direction was {direction!r}; expected 'up' or 'down'")
        length = self.lengths[edge]
        s = min(max(position_m, 0.0), length)
        pieces: list[_Piece] = []
        if direction == "up":
            pieces.append(_Piece(edge, max(0.0, s - distance_m), s, 0.0, "up"))
            start, d0 = self.u[edge], s
        else:
            pieces.append(_Piece(edge, s, min(length, s + distance_m), 0.0, "down"))
            start, d0 = self.v[edge], length - s
        if d0 >= distance_m:
            return pieces
        best = {start: d0}
        heap = [(d0, start)]
        seen_edges = {edge}
        while heap:
            d, n = heapq.heappop(heap)
            if d > best.get(n, math.inf):
                continue
            for e in (self.incoming if direction == "up" else self.outgoing).get(n, []):
                if e in seen_edges:
                    continue
                seen_edges.add(e)
                le, remaining = self.lengths[e], distance_m - d
                if direction == "up":
                    pieces.append(_Piece(e, max(0.0, le - remaining), le, d, "up"))
                    nxt = self.u[e]
                else:
                    pieces.append(_Piece(e, 0.0, min(le, remaining), d, "down"))
                    nxt = self.v[e]
                if le < remaining and d + le < best.get(nxt, math.inf):
                    best[nxt] = d + le
                    heapq.heappush(heap, (d + le, nxt))
        return [p for p in pieces if p.b - p.a > 1e-9]

    def piece_geometry(self, piece: _Piece) -> LineString:
        return substring(self.edges[piece.edge], piece.a, piece.b)

    def pieces_union(self, pieces: list[_Piece]) -> Any:
        """One (multi)line of traced pieces, merged where they join."""
        geoms = [self.piece_geometry(p) for p in pieces]
        if not geoms:
            return shapely.MultiLineString([])
        return shapely.line_merge(shapely.union_all(geoms))


def _split_at_junctions(lines: list[LineString], owner: list[int],
                        tol: float) -> tuple[list[LineString], list[int]]:
    tree = shapely.STRtree(lines)
    cuts: dict[int, list[float]] = defaultdict(list)
    for i, ln in enumerate(lines):
        for end in (Point(ln.coords[0]), Point(ln.coords[-1])):
            for j in tree.query(end, predicate="dwithin", distance=tol):
                j = int(j)
                if j == i:
                    continue
                other = lines[j]
                t = other.project(end)
                if tol < t < other.length - tol:
                    cuts[j].append(t)
    if not cuts:
        return lines, owner
    out, own = [], []
    for i, ln in enumerate(lines):
        ts = sorted(set(cuts.get(i, [])))
        bounds = [0.0, *ts, ln.length]
        for a, b in zip(bounds, bounds[1:]):
            if b - a > 1e-9:
                out.append(substring(ln, a, b))
                own.append(owner[i])
    return out, own


def _cluster_points(xy: np.ndarray, tol: float) -> np.ndarray:
    from scipy.spatial import cKDTree

    parent = list(range(len(xy)))

    def find(a: int) -> int:
        while parent[a] != a:
            parent[a] = parent[parent[a]]
            a = parent[a]
        return a

    for a, b in cKDTree(xy).query_pairs(tol):
        ra, rb = find(a), find(b)
        if ra != rb:
            parent[ra] = rb
    roots = [find(i) for i in range(len(xy))]
    ids = {r: k for k, r in enumerate(dict.fromkeys(roots))}
    return np.array([ids[r] for r in roots])
