"""Drinking-water sources and monitored sections.

Four jobs, each a function over GeoDataFrames:

* :func:`delineate_protection_zones` draws 一级 / 二级 protection zones around
  intakes by the empirical method of HJ 338-2018 (河流型 along the river network,
  湖库型 as discs by size class, 地下水型 by aquifer medium or R = α·K·I·T/n).
  The figures live in ``data/rules/hj338.toml`` with the clause they come from.
* :func:`protection_conflicts` finds facilities inside zones, each with the article
  of the Water Pollution Prevention and Control Law (《中华人民共和国水污染防治法》,
  2017 revision) it breaks, and warns about facilities just outside a zone's edge.
* :func:`classify_water_quality` gives the GB 3838-2002 class of measured
  concentrations (单因子评价: the worst indicator decides; worse than V is 劣V);
  the limits live in ``data/rules/gb3838.toml``.
* :func:`section_compliance` compares each section's class with its target, rates
  compliance by level, colours rivers by the class of the nearest section
  downstream, and lists the facilities near the river upstream of failing sections.

River lines are taken to be digitised downstream (first vertex upstream).  Lines
are joined into a directed network where their ends meet (within
``snap_tolerance_m``) and where one line's end touches another line's interior.

Examples
--------
>>> import pandas as pd
>>> classify_water_quality(pd.DataFrame({"nh3n_mgl": [1.2], "do_mgl": [6.5]}))["measured_class"].tolist()
['IV']
"""

from __future__ import annotations

import copy
import difflib
import heapq
import logging
import math
from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any, Literal

try:  # Python 3.11+
    import tomllib
except ModuleNotFoundError:  # Python 3.10
    import tomli as tomllib  # type: ignore[no-redef]

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
import shapely.ops
from shapely.geometry import LineString, Point
from shapely.ops import substring

from ecogis.catalogue import WATER_CLASSES, normalize_water_class
from ecogis.crs import check_metric_crs as _check_metric_crs
from ecogis.crs import metric_crs as _metric_crs
from ecogis.crs import to_metric
from ecogis.errors import InputError, NotMeasurableError
from ecogis.gate import check_number as _check_number
from ecogis.gate import gated as _gated
from ecogis.progress import progress_bar
from ecogis.result import CheckResult, violations_frame

__all__ = [
    "LAW",
    "LAW_RULES",
    "DEFAULT_POLLUTING_KINDS",
    "load_hj338_rules",
    "hj338_figures",
    "hj338_unconfirmed_warnings",
    "load_gb3838_rules",
    "RiverNetwork",
    "delineate_protection_zones",
    "protection_conflicts",
    "water_sources_check",
    "classify_water_quality",
    "section_compliance",
    "sections_check",
    "share_meeting_class",
]

log = logging.getLogger(__name__)

#: the law whose articles the conflicts cite
LAW = "《中华人民共和国水污染防治法》(2017修正)"

#: rule code -> citation (article and what it forbids)
LAW_RULES: dict[str, str] = {
    "WPPCL-64-outfall": f"{LAW} 第六十四条: 在饮用水水源保护区内, 禁止设置排污口",
    "WPPCL-65-first-level": f"{LAW} 第六十五条: 禁止在饮用水水源一级保护区内新建、改建、扩建与供水设施和保护水源无关的建设项目",
    "WPPCL-66-second-level": f"{LAW} 第六十六条: 禁止在饮用水水源二级保护区内新建、改建、扩建排放污染物的建设项目",
    "WPPCL-67-quasi": f"{LAW} 第六十七条: 禁止在饮用水水源准保护区内新建、扩建对水体污染严重的建设项目; 改建建设项目, 不得增加排污量",
    "near-zone-edge": "within the warning distance outside a protection zone whose rule the facility would break inside it",
}

#: facility kinds taken to discharge pollutants where the ``polluting`` field is empty
DEFAULT_POLLUTING_KINDS: tuple[str, ...] = ("enterprise", "outfall", "livestock_farm", "sewage_plant",
                                             "waste_site", "gas_station")

_LEVEL_ORDER = {"一级": 0, "二级": 1, "准保护区": 2}
_CLASS_RANK = {c: i for i, c in enumerate(WATER_CLASSES)}
_LAKE_WORDS = {"lake", "reservoir", "湖库", "湖泊", "水库", "湖、库", "湖库型", "湖泊型", "水库型"}




# --- rules as data -------------------------------------------------------------------
def _read_rules(name: str, path: str | Path | None) -> dict[str, Any]:
    try:
        if path is None:
            text = resources.files("ecogis").joinpath("data", "rules", f"{name}.toml").read_text(encoding="utf-8")
        else:
            text = Path(path).read_text(encoding="utf-8")
        return tomllib.loads(text)
    except FileNotFoundError:
        raise InputError(f"rules file {path or name + '.toml'} not found; expected a TOML file like "
                         f"ecogis/data/rules/{name}.toml") from None
    except tomllib.TOMLDecodeError as exc:
        raise InputError(f"rules file {path or name + '.toml'} is not valid TOML: {exc}") from None


def _deep_update(base: dict[str, Any], overrides: dict[str, Any]) -> dict[str, Any]:
    for k, v in overrides.items():
        if isinstance(v, dict) and isinstance(base.get(k), dict):
            _deep_update(base[k], v)
        else:
            base[k] = v
    return base


#: the tables of hj338.toml that hold figures (numbers, or [min, max] ranges in metres)
_HJ338_SECTIONS = ("river", "lake_reservoir", "groundwater")
_FIGURE_META = ("clause", "confirmed", "note")


def _is_figure(v: Any) -> bool:
    num = (int, float)
    return (isinstance(v, num) and not isinstance(v, bool)) or (
        isinstance(v, list) and len(v) == 2 and all(isinstance(x, num) and not isinstance(x, bool) for x in v))


def _figure_values(rules: Mapping[str, Any]) -> dict[str, Any]:
    """Every figure of an hj338 rules mapping by its dotted path (``river.first_level_upstream_m``)."""
    out: dict[str, Any] = {}

    def walk(node: Any, prefix: str) -> None:
        for k, v in node.items():
            path = f"{prefix}.{k}"
            if isinstance(v, dict):
                walk(v, path)
            elif _is_figure(v):
                out[path] = v

    for sec in _HJ338_SECTIONS:
        if isinstance(rules.get(sec), dict):
            walk(rules[sec], sec)
    return out


def _override_problems(base: Mapping[str, Any], over: Mapping[str, Any], where: str) -> list[str]:
    """Keys of an override that the packaged file does not have, or figures that are not numbers >= 0."""
    problems: list[str] = []
    figures = _figure_values(base)

    def walk(b: Any, o: Mapping[str, Any], prefix: str) -> None:
        for k, v in o.items():
            path = f"{prefix}.{k}" if prefix else k
            if prefix == "" and k == "figures":
                if not isinstance(v, dict):
                    problems.append("`figures` must be a table of figure paths")
                    continue
                for fp, meta in v.items():
                    if fp not in figures:
                        near = difflib.get_close_matches(fp, list(figures), n=1)
                        problems.append(f"figures.{fp!r} is not a figure of HJ 338"
                                        + (f" (did you mean {near[0]!r}?)" if near else ""))
                    elif not isinstance(meta, dict) or set(meta) - set(_FIGURE_META):
                        problems.append(f"figures.{fp!r} takes only {list(_FIGURE_META)}")
                    elif "confirmed" in meta and not isinstance(meta["confirmed"], bool):
                        problems.append(f"figures.{fp!r}.confirmed was {meta['confirmed']!r}; expected true or false")
                continue
            if not isinstance(b, dict) or k not in b:
                known = list(b) if isinstance(b, dict) else []
                near = difflib.get_close_matches(k, known, n=1)
                problems.append(f"{path!r} is not a key of the HJ 338 rules"
                                + (f" (did you mean {near[0]!r}?)" if near else f"; expected one of {known}"))
                continue
            if isinstance(b[k], dict):
                if not isinstance(v, dict):
                    problems.append(f"{path!r} was {v!r} but is a table in the HJ 338 rules")
                else:
                    walk(b[k], v, path)
            elif path in figures:
                if not _is_figure(v) or _is_figure(b[k]) and isinstance(b[k], list) != isinstance(v, list):
                    problems.append(f"{path!r} was {v!r} but is expected to be "
                                    + ("a [min, max] pair of metres" if isinstance(b[k], list) else "a number"))
                elif min(v if isinstance(v, list) else [v]) < 0:
                    problems.append(f"{path!r} was {v!r} but a distance or factor is expected to be >= 0")
            elif isinstance(b[k], str) and not isinstance(v, str):
                problems.append(f"{path!r} was {v!r} but is expected to be text")

    walk(base, over, "")
    return [f"{where}: {p}" for p in problems]


def load_hj338_rules(path: str | Path | None = None,
                     overrides: str | Path | Mapping[str, Any] | None = None) -> dict[str, Any]:
    """The HJ 338-2018 delineation figures (``data/rules/hj338.toml``), optionally overridden.

    Each figure has an entry in the ``figures`` table (keyed by its dotted path) with the
    standard's clause number, ``confirmed`` (whether figure and clause were read from the
    standard's own text: none has been) and a note.  Figures set by ``overrides`` carry
    ``overridden`` (where they came from) and are not reported as unconfirmed.

    Parameters
    ----------
    path : path-like, optional
        Another complete TOML file of the same shape.
    overrides : path-like or dict, optional
        A TOML file (``ecogis check water-sources --rules FILE``) or nested dict holding only
        what changes, e.g. ``{"river": {"first_level_upstream_m": 1500}}``.  A key the rules
        do not have, or a figure that is not a number >= 0, raises :class:`InputError`.

    Examples
    --------
    >>> load_hj338_rules()["river"]["first_level_upstream_m"]
    1000.0
    >>> load_hj338_rules()["figures"]["river.first_level_upstream_m"]["clause"]
    '6.1.1.2'
    >>> r = load_hj338_rules(overrides={"river": {"first_level_land_m": 100.0}})
    >>> r["river"]["first_level_land_m"], r["figures"]["river.first_level_land_m"]["overridden"]
    (100.0, 'overrides')
    """
    rules = _read_rules("hj338", path)
    where = str(path) if path is not None else "hj338.toml"
    meta = rules.get("figures") if isinstance(rules.get("figures"), dict) else {}
    missing = [p for p in _figure_values(rules) if not isinstance(meta.get(p), dict)
               or not isinstance(meta[p].get("clause"), str) or not isinstance(meta[p].get("confirmed"), bool)]
    if missing:
        raise InputError(f"rules file {where}: figure(s) {missing} have no [figures.\"<path>\"] entry with `clause` "
                         "(the standard's clause number) and `confirmed` (true or false); add them")
    rules = copy.deepcopy(rules)
    if overrides is None:
        return rules
    if isinstance(overrides, (str, Path)):
        over, source = _read_rules("hj338", overrides), str(overrides)
    elif isinstance(overrides, Mapping):
        over, source = copy.deepcopy(dict(overrides)), "overrides"
    else:
        raise InputError(f"overrides was {overrides!r}; expected a TOML file or a dict of the figures that change")
    problems = _override_problems(rules, over, source)
    if problems:
        raise InputError(f"{len(problems)} problem(s) in the HJ 338 overrides:\n  " + "\n  ".join(problems)
                         + "\n(the keys are those of ecogis/data/rules/hj338.toml; see docs/water.md)")
    changed = [p for p in _figure_values(over)]
    merged = _deep_update(rules, over)
    for p in changed:
        merged["figures"][p]["overridden"] = source
    return merged


def hj338_figures(rules: Mapping[str, Any] | None = None) -> list[dict[str, Any]]:
    """The figures of the HJ 338 rules, one dict each: path, value, clause, confirmed, note, overridden.

    Examples
    --------
    >>> rows = hj338_figures()
    >>> [r["value"] for r in rows if r["path"] == "lake_reservoir.sizes.大型水库.second_level_radius_m"]
    [3000.0]
    >>> any(r["confirmed"] for r in rows)
    False
    """
    rules = load_hj338_rules() if rules is None else rules
    meta = rules.get("figures", {})
    return [{"path": p, "value": v, "clause": meta.get(p, {}).get("clause"),
             "confirmed": bool(meta.get(p, {}).get("confirmed")), "note": meta.get(p, {}).get("note"),
             "overridden": meta.get(p, {}).get("overridden")} for p, v in _figure_values(rules).items()]


def _figures_used(zones: gpd.GeoDataFrame) -> list[str]:
    """Paths of the HJ 338 figures behind delineated zones (from their source_type and basis)."""
    used: list[str] = []
    if zones is None or zones.empty or "source_type" not in zones.columns:
        return used
    for kind, basis in zones[["source_type", "basis"]].drop_duplicates().itertuples(index=False):
        head = str(basis).split(":", 1)[0].strip()
        if kind == "河流型":
            used += [f"river.{lv}_level_{k}_m" for lv in ("first", "second") for k in ("upstream", "downstream",
                                                                                          "land")]
        elif kind == "湖库型":
            used += [f"lake_reservoir.sizes.{head}.{k}" for k in ("first_level_radius_m", "first_level_land_m",
                                                                  "second_level_radius_m")]
        elif kind == "地下水型" and str(basis).startswith("R ="):
            used += ["groundwater.alpha", "groundwater.first_level_travel_time_d",
                     "groundwater.second_level_travel_time_d"]
        elif kind == "地下水型":
            used += [f"groundwater.media.{head}.first_level_radius_m", f"groundwater.media.{head}.second_level_radius_m"]
    return list(dict.fromkeys(used))


def hj338_unconfirmed_warnings(zones: gpd.GeoDataFrame, rules: Mapping[str, Any] | None = None) -> list[str]:
    """Warnings naming the unconfirmed HJ 338 figures that delineated ``zones`` used (none if all confirmed).

    Examples
    --------
    >>> import geopandas as gpd, shapely
    >>> src = gpd.GeoDataFrame({"id": ["g1"], "name": ["井群"], "source_type": ["地下水型"],
    ...                         "aquifer_medium": ["细砂"]}, geometry=[shapely.Point(500000, 3700000)], crs=4547)
    >>> w = hj338_unconfirmed_warnings(delineate_protection_zones(src))
    >>> "groundwater.media.细砂.second_level_radius_m = 300-500 (8.1.1" in w[0]
    True
    """
    rules = load_hj338_rules() if rules is None else rules
    rows = {r["path"]: r for r in hj338_figures(rules)}
    bad = [rows[p] for p in _figures_used(zones) if p in rows and not rows[p]["confirmed"] and not rows[p]["overridden"]]
    if not bad:
        return []
    def show(v: Any) -> str:
        return f"{v[0]:g}-{v[1]:g}" if isinstance(v, list) else f"{v:g}"
    listed = "; ".join(f"{r['path']} = {show(r['value'])} ({r['clause']})" for r in bad)
    doubtful = [r["path"] for r in bad if str(r.get("note") or "").startswith("DOUBTFUL")]
    out = [f"HJ 338-2018 figures not confirmed from the standard's text were used: {listed}; check them "
           "(docs/water.md) or set them with --rules FILE / load_hj338_rules(overrides=...)"]
    if doubtful:
        out.append(f"HJ 338-2018 figure(s) {doubtful} are doubtful, not only unconfirmed (see their note in "
                   "hj338.toml): the zones drawn with them may be too large or too small")
    return out


def load_gb3838_rules(path: str | Path | None = None) -> dict[str, Any]:
    """The GB 3838-2002 表1 class limits (``data/rules/gb3838.toml``).

    Examples
    --------
    >>> [i["field"] for i in load_gb3838_rules()["indicator"]][:2]
    ['do_mgl', 'codmn_mgl']
    """
    rules = _read_rules("gb3838", path)
    for ind in rules.get("indicator", []):
        for key in ("limits", "lake_limits"):
            if key in ind and len(ind[key]) != 5:
                raise InputError(f"gb3838 rules: indicator {ind.get('field')!r} {key} has {len(ind[key])} values; "
                                 f"expected 5 (classes I-V)")
    return rules


# --- the river network ---------------------------------------------------------------
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


# --- protection zones ----------------------------------------------------------------
def _flat_buffer(geom: Any, distance_m: float) -> Any:
    if geom is None or geom.is_empty:
        return shapely.Polygon()
    return shapely.buffer(geom, distance_m, cap_style="flat", join_style="mitre", mitre_limit=3.0)


def _zone_row(source: pd.Series, level: str, part: str | None, geom: Any, rule: str, basis: str,
              **extra: Any) -> dict[str, Any]:
    sid = str(source.get("id"))
    suffix = {"一级": "1", "二级": "2", "准保护区": "Q"}[level] + ({"水域": "W", "陆域": "L"}.get(part, "") if part else "")
    name = source.get("name")
    return {
        "id": f"{sid}-{suffix}",
        "name": f"{name or sid} {level}保护区" + (f"({part})" if part else ""),
        "source_id": sid,
        "level": level,
        "zone_part": part,
        "source_type": source.get("source_type"),
        "rule": rule,
        "basis": basis,
        "geometry": geom,
        **extra,
    }


def delineate_protection_zones(
    water_sources: gpd.GeoDataFrame,
    *,
    rivers: gpd.GeoDataFrame | None = None,
    rules: dict[str, Any] | None = None,
    river_half_width_m: float = 15.0,
    intake_snap_m: float = 200.0,
    lake_size_class: str = "中型水库",
    aquifer_medium: str = "中砂",
    metric_crs: Any = None,
    warnings: list[str] | None = None,
) -> gpd.GeoDataFrame:
    """Delineate 一级 and 二级 protection zones around intakes per HJ 338-2018 (empirical method).

    * 河流型: along the river network from the intake, the first level's water area
      runs ``first_level_upstream_m`` upstream (every tributary included) and
      ``first_level_downstream_m`` downstream, ``river_half_width_m`` either side of
      the centre line; its land area is a strip ``first_level_land_m`` beyond the
      bank along the same length.  The second level extends the channel by
      ``second_level_upstream_m`` / ``second_level_downstream_m`` and its land to
      ``second_level_land_m`` from the bank, less the first level.
    * 湖库型: a disc of the size class's first-level radius (water), a ring of its
      land depth, and the second level to its second-level radius beyond that.
      Size class from a ``size_class`` column (小型水库, 中型水库, 大型水库, 小型湖泊,
      大中型湖泊) or ``lake_size_class``.
    * 地下水型: discs of R = α·K·I·T/n when the source has ``hydraulic_conductivity_md``,
      ``hydraulic_gradient`` and ``effective_porosity``; else the minimum empirical
      radius of its ``aquifer_medium`` column (or ``aquifer_medium``).

    Parameters
    ----------
    water_sources : GeoDataFrame
        Intake points with ``id``, ``name``, ``source_type`` (河流型/湖库型/地下水型).
    rivers : GeoDataFrame, optional
        River centre lines digitised downstream; needed for 河流型 sources.
    rules : dict, optional
        :func:`load_hj338_rules` output (default: the packaged figures).
    river_half_width_m : float, default 15.0
        Half the channel width: river lines carry no width, so the water area is the
        centre line buffered by this much (an assumption; set it per river).
    intake_snap_m : float, default 200.0
        An intake farther than this from every river line is reported and skipped.
    lake_size_class, aquifer_medium : str
        Defaults where the source does not say.
    metric_crs : CRS-like, optional
        Metric CRS to work in (default :func:`ecogis.crs.metric_crs`).
    warnings : list, optional
        Appended with what was assumed or skipped.

    Returns
    -------
    GeoDataFrame
        Kind ``protection_zones``: id, name, source_id, level (一级/二级), zone_part
        (水域/陆域 or None), source_type, rule (the HJ 338-2018 clause), basis (the
        figures used), channel_length_m (河流型 水域), radius_m (discs); metric CRS.

    Examples
    --------
    >>> import geopandas as gpd, shapely
    >>> src = gpd.GeoDataFrame({"id": ["g1"], "name": ["井群"], "source_type": ["地下水型"],
    ...                         "aquifer_medium": ["细砂"]}, geometry=[shapely.Point(500000, 3700000)], crs=4547)
    >>> z = delineate_protection_zones(src)
    >>> z[["level", "radius_m"]].values.tolist()
    [['一级', 30.0], ['二级', 300.0]]
    """
    # entry checks: layers through the input gate, numeric options and the metric CRS (ecogis.gate, ecogis.crs)
    warn = warnings if warnings is not None else []
    water_sources = _gated(water_sources, "water_sources", "water_sources", warn)
    rivers = _gated(rivers, "rivers", "rivers", warn)
    _check_number("river_half_width_m", river_half_width_m, minimum=0, unit="metres")
    _check_number("intake_snap_m", intake_snap_m, minimum=0, unit="metres")
    if metric_crs is not None:
        metric_crs = _check_metric_crs(metric_crs, water_sources if isinstance(water_sources, gpd.GeoDataFrame) else None,
                                       name="metric_crs")
    rules = rules or load_hj338_rules()
    if water_sources is None or water_sources.empty:
        raise NotMeasurableError("no water sources to delineate protection zones from (layer water_sources is empty)")
    if "source_type" not in water_sources.columns:
        raise NotMeasurableError("water_sources has no 'source_type' field (河流型/湖库型/地下水型); "
                                 "add it (aliases: 水源类型, 类型) to delineate zones")
    crs = metric_crs if metric_crs is not None else _metric_crs(water_sources)
    src = to_metric(water_sources, crs)
    network = None
    rows: list[dict[str, Any]] = []
    for _, s in src.iterrows():
        geom = s.geometry
        if geom is None or geom.is_empty:
            warn.append(f"water source {s.get('id')!r} has no geometry; skipped")
            continue
        point = geom if geom.geom_type == "Point" else geom.centroid
        kind = s.get("source_type")
        if kind == "河流型":
            if network is None:
                if rivers is None or rivers.empty:
                    warn.append(f"water source {s.get('id')!r} is 河流型 but no rivers layer was given; skipped")
                    continue
                network = RiverNetwork.from_rivers(rivers, metric_crs=crs)
            rows += _river_zones(s, point, network, rules["river"], river_half_width_m, intake_snap_m, warn)
        elif kind == "湖库型":
            size = s.get("size_class") if isinstance(s.get("size_class"), str) else lake_size_class
            sizes = rules["lake_reservoir"]["sizes"]
            if size not in sizes:
                raise InputError(f"water source {s.get('id')!r}: size_class {size!r} is not one of {list(sizes)}")
            if not isinstance(s.get("size_class"), str):
                warn.append(f"water source {s.get('id')!r}: size class not given; assumed {size}")
            rows += _lake_zones(s, point, sizes[size], rules["lake_reservoir"], size)
        elif kind == "地下水型":
            rows += _groundwater_zones(s, point, rules["groundwater"], aquifer_medium, warn)
        else:
            warn.append(f"water source {s.get('id')!r} has source_type {kind!r}; expected 河流型, 湖库型 or 地下水型; "
                        f"skipped")
    cols = ["id", "name", "source_id", "level", "zone_part", "source_type", "rule", "basis", "channel_length_m",
            "radius_m", "geometry"]
    out = gpd.GeoDataFrame(pd.DataFrame(rows, columns=cols), geometry="geometry", crs=crs)
    out = out[~out.geometry.is_empty].reset_index(drop=True)
    out.attrs["kind"] = "protection_zones"
    return out


def _river_zones(s: pd.Series, point: Point, net: RiverNetwork, r: dict[str, Any], half_width: float,
                 snap_m: float, warn: list[str]) -> list[dict[str, Any]]:
    where = net.locate(point, max_distance_m=snap_m)
    if where is None:
        warn.append(f"water source {s.get('id')!r} (河流型) is more than {snap_m:g} m from every river line; skipped")
        return []
    e, pos, _ = where
    up1, down1 = r["first_level_upstream_m"], r["first_level_downstream_m"]
    up2, down2 = up1 + r["second_level_upstream_m"], down1 + r["second_level_downstream_m"]
    ch1 = net.pieces_union(net.trace(e, pos, up1, "up") + net.trace(e, pos, down1, "down"))
    ch2 = net.pieces_union(net.trace(e, pos, up2, "up") + net.trace(e, pos, down2, "down"))
    water1 = _flat_buffer(ch1, half_width)
    land1 = _flat_buffer(ch1, half_width + r["first_level_land_m"]).difference(water1)
    water2 = _flat_buffer(ch2, half_width).difference(water1)
    land2 = _flat_buffer(ch2, half_width + r["second_level_land_m"]).difference(
        shapely.union_all([water1, land1, water2]))
    len1, len2 = ch1.length, ch2.length
    basis1 = (f"水域 上游 {up1:g} m / 下游 {down1:g} m along the channel, half-width {half_width:g} m; "
              f"陆域 {r['first_level_land_m']:g} m from the bank")
    basis2 = (f"水域 to {up2:g} m upstream / {down2:g} m downstream; 陆域 {r['second_level_land_m']:g} m from the bank")
    if len1 < up1 + down1 - 1e-6:
        warn.append(f"water source {s.get('id')!r}: the river network ends before the first level's full length "
                    f"({len1:.0f} m of {up1 + down1:g} m)")
    return [
        _zone_row(s, "一级", "水域", water1, r["first_level_clause"], basis1, channel_length_m=len1),
        _zone_row(s, "一级", "陆域", land1, r["first_level_clause"], basis1, channel_length_m=len1),
        _zone_row(s, "二级", "水域", water2, r["second_level_clause"], basis2, channel_length_m=len2 - len1),
        _zone_row(s, "二级", "陆域", land2, r["second_level_clause"], basis2, channel_length_m=len2 - len1),
    ]


def _lake_zones(s: pd.Series, point: Point, size: dict[str, Any], r: dict[str, Any],
                size_name: str) -> list[dict[str, Any]]:
    r1, land, r2 = size["first_level_radius_m"], size["first_level_land_m"], size["second_level_radius_m"]
    water1 = point.buffer(r1, 128)
    land1 = point.buffer(r1 + land, 128).difference(water1)
    second = point.buffer(r1 + land + r2, 128).difference(point.buffer(r1 + land, 128))
    basis = f"{size_name}: 一级 disc {r1:g} m + land {land:g} m; 二级 {r2:g} m beyond (no shoreline used)"
    return [
        _zone_row(s, "一级", "水域", water1, r["clause"], basis, radius_m=r1),
        _zone_row(s, "一级", "陆域", land1, r["clause"], basis, radius_m=r1 + land),
        _zone_row(s, "二级", None, second, r["clause"], basis, radius_m=r1 + land + r2),
    ]


def _groundwater_zones(s: pd.Series, point: Point, r: dict[str, Any], default_medium: str,
                       warn: list[str]) -> list[dict[str, Any]]:
    k, i, n = (pd.to_numeric(pd.Series([s.get(c)]), errors="coerce").iloc[0]
               for c in ("hydraulic_conductivity_md", "hydraulic_gradient", "effective_porosity"))
    if all(pd.notna(v) for v in (k, i, n)) and n > 0:
        a = r["alpha"]
        r1 = a * k * i * r["first_level_travel_time_d"] / n
        r2 = a * k * i * r["second_level_travel_time_d"] / n
        basis = (f"R = α·K·I·T/n, α={a:g}, K={k:g} m/d, I={i:g}, n={n:g}, "
                 f"T={r['first_level_travel_time_d']:g}/{r['second_level_travel_time_d']:g} d")
        clause = r["formula_clause"]
    else:
        medium = s.get("aquifer_medium") if isinstance(s.get("aquifer_medium"), str) else default_medium
        if medium not in r["media"]:
            raise InputError(f"water source {s.get('id')!r}: aquifer_medium {medium!r} is not one of {list(r['media'])}")
        if not isinstance(s.get("aquifer_medium"), str):
            warn.append(f"water source {s.get('id')!r}: aquifer medium not given; assumed {medium}")
        r1 = float(r["media"][medium]["first_level_radius_m"][0])
        r2 = float(r["media"][medium]["second_level_radius_m"][0])
        basis = f"{medium}: minimum empirical radii {r1:g} m / {r2:g} m"
        clause = r["clause"]
    first = point.buffer(r1, 128)
    return [
        _zone_row(s, "一级", None, first, clause, basis, radius_m=r1),
        _zone_row(s, "二级", None, point.buffer(r2, 128).difference(first), clause, basis, radius_m=r2),
    ]


# --- conflicts -----------------------------------------------------------------------
def _flag(df: pd.DataFrame, col: str, fallback: pd.Series) -> pd.Series:
    if col not in df.columns:
        return fallback.astype(bool)
    vals = df[col].map(lambda v: None if v is None or v is pd.NA or (isinstance(v, float) and np.isnan(v))
                       else bool(v) if not isinstance(v, str) else v.strip().lower() in ("1", "true", "yes", "是"))
    return pd.Series([fb if v is None else v for v, fb in zip(vals, fallback)], index=df.index, dtype=bool)


def _depth_inside(geom: Any, zone: Any) -> float:
    inter = geom.intersection(zone)
    pts = shapely.points(shapely.get_coordinates(inter))
    if len(pts) == 0:
        return 0.0
    return float(np.max(shapely.distance(zone.boundary, pts)))


def protection_conflicts(
    facilities: gpd.GeoDataFrame,
    zones: gpd.GeoDataFrame,
    *,
    warn_distance_m: float = 100.0,
    polluting_kinds: tuple[str, ...] = DEFAULT_POLLUTING_KINDS,
    metric_crs: Any = None,
) -> CheckResult:
    """Facilities inside drinking-water protection zones, each with the article it breaks.

    Rules (《中华人民共和国水污染防治法》, 2017 revision):

    * ``WPPCL-64-outfall``: an outfall (``kind == 'outfall'``) in any zone (第六十四条);
    * ``WPPCL-65-first-level``: any other facility in a 一级 zone that is not
      water-supply related (``water_supply_related``; empty means only
      ``water_works`` is) (第六十五条);
    * ``WPPCL-66-second-level``: a polluting facility in a 二级 zone (``polluting``;
      empty means ``kind`` in ``polluting_kinds``) (第六十六条);
    * ``WPPCL-67-quasi``: a polluting facility in a 准保护区, as a *warning*: the law
      forbids only seriously polluting projects there, which the data cannot tell (第六十七条);
    * ``near-zone-edge``: a facility outside every zone it would break the rule of,
      but within ``warn_distance_m`` of that zone's edge (warning).

    A facility is judged by the strictest zone it touches (一级 before 二级 before 准保护区);
    touching the boundary counts as inside.

    Parameters
    ----------
    facilities : GeoDataFrame
        Points or polygons with ``id``, ``name``, ``kind``; optional ``polluting``,
        ``water_supply_related``.
    zones : GeoDataFrame
        Protection zones with ``id``, ``level`` (一级/二级/准保护区); optional
        ``source_id``, ``zone_part``.
    warn_distance_m : float, default 100.0
        Distance outside a zone's edge that still earns a warning.
    polluting_kinds : tuple of str
        Kinds taken as polluting where ``polluting`` is empty.
    metric_crs : CRS-like, optional
        Metric CRS (default: that of the zones).

    Returns
    -------
    CheckResult
        Name ``water-sources``; metrics violations, outfalls_in_zones,
        facilities_in_first_level, facilities_in_second_level, facilities_in_quasi_zone,
        warnings, facilities_total, zones_total; violations with id, name, rule,
        detail, severity, citation, kind, zone_id, level, distance_inside_m /
        distance_outside_m; layer ``protection_zones``.

    Examples
    --------
    >>> import geopandas as gpd, shapely
    >>> z = gpd.GeoDataFrame({"id": ["z"], "level": ["一级"]},
    ...                      geometry=[shapely.box(500000, 3700000, 500100, 3700100)], crs=4547)
    >>> f = gpd.GeoDataFrame({"id": ["f"], "name": ["厂"], "kind": ["enterprise"]},
    ...                      geometry=[shapely.Point(500050, 3700099)], crs=4547)
    >>> r = protection_conflicts(f, z)
    >>> r.violations[["rule", "distance_inside_m"]].values.tolist()
    [['WPPCL-65-first-level', 1.0]]
    """
    # entry checks: layers through the input gate, numeric options and the metric CRS (ecogis.gate, ecogis.crs)
    warnings: list[str] = []
    facilities = _gated(facilities, "facilities", "facilities", warnings)
    zones = _gated(zones, "protection_zones", "zones", warnings)
    _check_number("warn_distance_m", warn_distance_m, minimum=0, unit="metres")
    if metric_crs is not None:
        metric_crs = _check_metric_crs(metric_crs, facilities if isinstance(facilities, gpd.GeoDataFrame) else None,
                                       name="metric_crs")
    for name, layer, need in (("facilities", facilities, ("id", "kind")), ("protection_zones", zones, ("id", "level"))):
        if layer is None:
            raise NotMeasurableError(f"layer {name!r} missing; the water-sources check needs it")
        missing = [c for c in need if c not in layer.columns]
        if missing:
            raise NotMeasurableError(f"layer {name!r} lacks field(s) {missing}; add them (see `ecogis layers`)")
    bad = sorted(set(zones["level"].dropna()) - set(_LEVEL_ORDER))
    if bad:
        raise InputError(f"protection_zones level has value(s) {bad}; expected one of {list(_LEVEL_ORDER)}")
    crs = metric_crs if metric_crs is not None else _metric_crs(zones)
    z = to_metric(zones, crs).reset_index(drop=True)
    f = to_metric(facilities, crs).reset_index(drop=True)
    z = z[z.geometry.notna() & ~z.geometry.is_empty].reset_index(drop=True)
    kind = f["kind"].astype(object)
    supply = _flag(f, "water_supply_related", kind.eq("water_works"))
    polluting = _flag(f, "polluting", kind.isin(polluting_kinds))

    def breaks(i: int, level: str) -> str | None:
        if kind.iloc[i] == "outfall":
            return "WPPCL-64-outfall"
        if level == "一级" and not supply.iloc[i]:
            return "WPPCL-65-first-level"
        if level == "二级" and polluting.iloc[i]:
            return "WPPCL-66-second-level"
        if level == "准保护区" and polluting.iloc[i]:
            return "WPPCL-67-quasi"
        return None

    zone_geoms = z.geometry.values
    tree = shapely.STRtree(zone_geoms)
    pairs = tree.query(f.geometry.values, predicate="dwithin", distance=warn_distance_m)
    near: dict[int, list[int]] = defaultdict(list)
    for fi, zi in zip(*pairs):
        near[int(fi)].append(int(zi))

    records: list[dict[str, Any]] = []
    counts = {"outfalls_in_zones": 0, "facilities_in_first_level": 0, "facilities_in_second_level": 0,
              "facilities_in_quasi_zone": 0}
    for fi in range(len(f)):
        geom = f.geometry.iloc[fi]
        if geom is None or geom.is_empty:
            continue
        cand = near.get(fi, [])
        dists = {zi: float(shapely.distance(geom, zone_geoms[zi])) for zi in cand}
        inside = sorted((zi for zi in cand if dists[zi] == 0.0), key=lambda zi: _LEVEL_ORDER[z["level"].iloc[zi]])
        fac_label = f"{kind.iloc[fi]} {f['name'].iloc[fi] if 'name' in f else ''!s}".strip()
        base = {"id": str(f["id"].iloc[fi]), "name": f["name"].iloc[fi] if "name" in f else None,
                "kind": kind.iloc[fi], "geometry": geom}
        if inside:
            zi = inside[0]
            level = z["level"].iloc[zi]
            counts["outfalls_in_zones"] += int(kind.iloc[fi] == "outfall")
            counts[{"一级": "facilities_in_first_level", "二级": "facilities_in_second_level",
                    "准保护区": "facilities_in_quasi_zone"}[level]] += 1
            rule = breaks(fi, level)
            if rule is None:
                continue
            depth = _depth_inside(geom, zone_geoms[zi])
            zdesc = _zone_desc(z, zi)
            records.append({
                **base, "rule": rule,
                "detail": f"{fac_label} is {depth:.1f} m inside {zdesc}; {_RULE_SHORT[rule]}",
                "severity": "warning" if rule == "WPPCL-67-quasi" else "error",
                "citation": LAW_RULES[rule], "zone_id": str(z["id"].iloc[zi]), "level": level,
                "distance_inside_m": round(depth, 3), "distance_outside_m": None,
            })
            continue
        outside = sorted((dists[zi], zi) for zi in cand if breaks(fi, z["level"].iloc[zi]) is not None)
        if outside:
            d, zi = outside[0]
            level = z["level"].iloc[zi]
            rule = breaks(fi, level)
            records.append({
                **base, "rule": "near-zone-edge",
                "detail": f"{fac_label} is {d:.1f} m outside {_zone_desc(z, zi)} (warning distance "
                          f"{warn_distance_m:g} m); inside it would break {rule}",
                "severity": "warning", "citation": LAW_RULES[rule], "zone_id": str(z["id"].iloc[zi]),
                "level": level, "distance_inside_m": None, "distance_outside_m": round(d, 3),
            })
    v = violations_frame(records, crs=crs)
    n_err = int((v["severity"] == "error").sum()) if len(v) else 0
    metrics = {"violations": n_err, **counts, "near_zone_warnings": int(len(v) - n_err), "facilities_total": int(len(f)),
               "zones_total": int(len(z))}
    return CheckResult(
        "water-sources", metrics=metrics, violations=v, layers={"protection_zones": z},
        parameters={"warn_distance_m": warn_distance_m, "polluting_kinds": list(polluting_kinds),
                    "metric_crs": crs.to_string() if hasattr(crs, "to_string") else str(crs), "law": LAW},
        warnings=warnings,
    )


_RULE_SHORT = {
    "WPPCL-64-outfall": "水污染防治法 第六十四条 forbids outfalls (排污口) in any protection zone",
    "WPPCL-65-first-level": "水污染防治法 第六十五条 forbids works unrelated to water supply in the first level",
    "WPPCL-66-second-level": "水污染防治法 第六十六条 forbids projects discharging pollutants in the second level",
    "WPPCL-67-quasi": "水污染防治法 第六十七条 forbids seriously polluting projects in the quasi-protection zone "
                      "(check how polluting it is)",
}


def _zone_desc(z: gpd.GeoDataFrame, zi: int) -> str:
    part = z["zone_part"].iloc[zi] if "zone_part" in z else None
    src = z["source_id"].iloc[zi] if "source_id" in z else None
    bits = [z["level"].iloc[zi]] + ([part] if isinstance(part, str) else []) + \
        ([f"source {src}"] if isinstance(src, str) and src else [])
    return f"zone {z['id'].iloc[zi]} ({', '.join(bits)})"


def _given_or_layer(given: Any, layers: Any, kind: str) -> Any:
    """An explicitly given layer, else the layer set's layer of that kind, else None."""
    if given is not None:
        return given
    if layers is not None and layers.has(kind):
        return layers.get(kind)
    return None


def water_sources_check(
    layers: Any = None,
    *,
    zones: gpd.GeoDataFrame | None = None,
    facilities: gpd.GeoDataFrame | None = None,
    sources: gpd.GeoDataFrame | None = None,
    rivers: gpd.GeoDataFrame | None = None,
    warn_distance_m: float = 100.0,
    rules: dict[str, Any] | None = None,
    river_half_width_m: float = 15.0,
) -> CheckResult:
    """The water-sources check on a study area's layers.

    Zones come from ``zones``, else the layer set's ``protection_zones``, else they
    are delineated from ``sources`` / the ``water_sources`` layer (and ``rivers``) with
    :func:`delineate_protection_zones`, which the result's warnings say.

    Parameters
    ----------
    layers : LayerSet, optional
        Where absent inputs come from.
    zones, facilities, sources, rivers : GeoDataFrame, optional
        Explicit layers, used before the layer set's.
    warn_distance_m, rules, river_half_width_m
        As in :func:`protection_conflicts` and :func:`delineate_protection_zones`.

    Examples
    --------
    >>> from ecogis.layerset import load_sample
    >>> water_sources_check(load_sample()).metrics["violations"]  # doctest: +SKIP
    """
    # entry checks: numeric options and the metric CRS (ecogis.gate, ecogis.crs)
    _check_number("warn_distance_m", warn_distance_m, minimum=0, unit="metres")
    _check_number("river_half_width_m", river_half_width_m, minimum=0, unit="metres")
    def pick(given: Any, kind: str) -> Any:
        return _given_or_layer(given, layers, kind)

    warnings: list[str] = []
    fac = pick(facilities, "facilities")
    if fac is None:
        raise NotMeasurableError("layer 'facilities' missing: give --facilities FILE or a layer set that has it")
    z = pick(zones, "protection_zones")
    origin = "given" if zones is not None else "layer"
    if z is None:
        src = pick(sources, "water_sources")
        if src is None:
            raise NotMeasurableError("neither protection_zones nor water_sources is available; give --zones FILE "
                                     "or --sources FILE")
        z = delineate_protection_zones(src, rivers=pick(rivers, "rivers"), rules=rules,
                                       river_half_width_m=river_half_width_m, warnings=warnings)
        origin = "delineated"
        warnings += hj338_unconfirmed_warnings(z, rules)
        warnings.insert(0, "no protection_zones layer: zones were delineated from water_sources per HJ 338-2018 "
                           "(empirical minimum figures; see docs/water.md)")
    result = protection_conflicts(fac, z, warn_distance_m=warn_distance_m)
    result.parameters["zones_origin"] = origin
    if origin == "delineated":
        result.parameters["river_half_width_m"] = river_half_width_m
    result.warnings[:0] = [w for w in warnings if w not in result.warnings]
    return result


# --- GB 3838 classes -----------------------------------------------------------------
def _is_lake(value: Any) -> bool:
    return isinstance(value, str) and value.strip().lower() in _LAKE_WORDS


def classify_water_quality(
    df: pd.DataFrame,
    *,
    water_body: Literal["river", "lake"] = "river",
    rules: dict[str, Any] | None = None,
) -> pd.DataFrame:
    """GB 3838-2002 class of measured concentrations; the worst indicator decides.

    Each indicator of 表1 present in ``df`` (``do_mgl``, ``codmn_mgl``, ``cod_mgl``,
    ``bod5_mgl``, ``nh3n_mgl``, ``tp_mgl``, ``tn_mgl``) gets the best class whose
    limit it meets (dissolved oxygen: at least the limit; the others: at most);
    worse than class V is 劣V.  Lakes and reservoirs use the 湖、库 phosphorus limits
    and are also judged on total nitrogen; rivers are not judged on total nitrogen.
    Missing values are skipped; a row with none gets no class.

    Parameters
    ----------
    df : DataFrame
        Concentrations in mg/L; an optional ``water_body`` column (river / lake /
        湖库 / 水库 ...) overrides ``water_body`` per row.
    water_body : {'river', 'lake'}, default 'river'
    rules : dict, optional
        :func:`load_gb3838_rules` output.

    Returns
    -------
    DataFrame
        Same index: ``measured_class``, ``deciding_indicator`` (field),
        ``deciding_indicator_zh``, ``deciding_value_mgl``.

    Examples
    --------
    >>> import pandas as pd
    >>> d = pd.DataFrame({"do_mgl": [7.0, 1.5], "nh3n_mgl": [1.32, 0.1], "codmn_mgl": [3.0, 3.0]})
    >>> classify_water_quality(d)[["measured_class", "deciding_indicator_zh"]].values.tolist()
    [['IV', '氨氮'], ['劣V', '溶解氧']]
    """
    rules = rules or load_gb3838_rules()
    if water_body not in ("river", "lake"):
        raise InputError(f"water_body was {water_body!r}; expected 'river' or 'lake'")
    n = len(df)
    lake = (df["water_body"].map(_is_lake).to_numpy(dtype=bool) if "water_body" in df.columns
            else np.full(n, water_body == "lake"))
    names, zh, idx_cols, val_cols = [], [], [], []
    for ind in rules["indicator"]:
        col = ind["field"]
        if col not in df.columns:
            continue
        vals = pd.to_numeric(df[col], errors="coerce").to_numpy(dtype=float)
        limits = np.asarray(ind["limits"], dtype=float)
        lake_limits = np.asarray(ind.get("lake_limits", ind["limits"]), dtype=float)
        cls = np.full(n, np.nan)
        for mask, lim in ((~lake, limits), (lake, lake_limits)):
            sel = mask & ~np.isnan(vals)
            if ind.get("applies_to", "all") == "lake":
                sel &= lake
            if not sel.any():
                continue
            if ind["direction"] == "min":
                cls[sel] = np.searchsorted(-lim, -vals[sel], side="left")
            else:
                cls[sel] = np.searchsorted(lim, vals[sel], side="left")
        names.append(col)
        zh.append(ind.get("name_zh", col))
        idx_cols.append(cls)
        val_cols.append(vals)
    out = pd.DataFrame(index=df.index, columns=["measured_class", "deciding_indicator", "deciding_indicator_zh",
                                                "deciding_value_mgl"], dtype=object)
    if not idx_cols:
        return out
    mat = np.vstack(idx_cols)  # indicators x rows
    for j in range(n):
        col = mat[:, j]
        if np.all(np.isnan(col)):
            continue
        worst = int(np.nanmax(col))
        k = int(np.flatnonzero(col == worst)[0])
        out.iat[j, 0] = WATER_CLASSES[worst]
        out.iat[j, 1] = names[k]
        out.iat[j, 2] = zh[k]
        out.iat[j, 3] = float(val_cols[k][j])
    return out


# --- sections ------------------------------------------------------------------------
def _rate(ok: pd.Series) -> float | None:
    return float(ok.mean()) if len(ok) else None


def section_compliance(
    sections: gpd.GeoDataFrame,
    *,
    rivers: gpd.GeoDataFrame | None = None,
    facilities: gpd.GeoDataFrame | None = None,
    upstream_km: float = 10.0,
    river_distance_m: float = 500.0,
    section_snap_m: float = 500.0,
    prefer: Literal["concentrations", "given"] = "concentrations",
    rules: dict[str, Any] | None = None,
    metric_crs: Any = None,
    progress: bool | None = None,
) -> CheckResult:
    """Sections' GB 3838-2002 classes against their targets, rivers coloured, sources traced.

    Each section's class comes from its concentrations (:func:`classify_water_quality`)
    when it has any, else from ``measured_class`` (``prefer='given'`` swaps the order).
    A section complies when its class is its ``target_class`` or better.

    With ``rivers`` (centre lines digitised downstream) each river stretch gets the
    class of the nearest section downstream of it (layer ``rivers_classified``), and
    for each failing section the facilities within ``river_distance_m`` of the river
    network upstream of it, up to ``upstream_km`` along the network, are listed
    (layer ``upstream_facilities``, with their along-river distance).

    Parameters
    ----------
    sections : GeoDataFrame
        Points with ``id``, ``name``, ``level``, ``target_class`` and
        ``measured_class`` and/or concentrations (``do_mgl`` ...); optional
        ``drinking_source``, ``water_body``.
    rivers : GeoDataFrame, optional
        River centre lines, digitised downstream.
    facilities : GeoDataFrame, optional
        Facilities (points or polygons) to trace upstream of failing sections.
    upstream_km : float, default 10.0
        How far upstream along the network to look.
    river_distance_m : float, default 500.0
        How far from the river a facility may be.
    section_snap_m : float, default 500.0
        A section farther than this from every river line is not placed on the network.
    prefer : {'concentrations', 'given'}
        Which class source wins when a section has both.
    rules : dict, optional
        :func:`load_gb3838_rules` output.
    metric_crs : CRS-like, optional
    progress : bool, optional
        Progress bar over failing sections.

    Returns
    -------
    CheckResult
        Name ``sections``; metrics sections_total, sections_evaluated, sections_failing,
        compliance_rate, compliance_rate_national (国控), compliance_rate_provincial (省控),
        compliance_rate_by_level, share_class_iii_or_better, share_worse_than_v,
        drinking_source_compliance_rate (None without drinking-source sections),
        upstream_facilities; violations (rule ``GB3838-target``); layers
        ``sections_classified``, ``rivers_classified``, ``upstream_reaches``,
        ``upstream_facilities``.

    Examples
    --------
    >>> import geopandas as gpd, shapely
    >>> s = gpd.GeoDataFrame({"id": ["s1"], "name": ["大陈"], "level": ["国控"], "target_class": ["III"],
    ...                       "nh3n_mgl": [1.32], "do_mgl": [6.2]}, geometry=[shapely.Point(500000, 3700000)],
    ...                      crs=4547)
    >>> r = section_compliance(s)
    >>> r.violations["detail"].iloc[0]
    'measured IV (decided by 氨氮 1.32 mg/L) vs target III'
    """
    # entry checks: layers through the input gate, numeric options and the metric CRS (ecogis.gate, ecogis.crs)
    warnings: list[str] = []
    sections = _gated(sections, "sections", "sections", warnings)
    rivers = _gated(rivers, "rivers", "rivers", warnings)
    facilities = _gated(facilities, "facilities", "facilities", warnings)
    _check_number("upstream_km", upstream_km, minimum=0, unit="km")
    _check_number("river_distance_m", river_distance_m, minimum=0, unit="metres")
    _check_number("section_snap_m", section_snap_m, minimum=0, unit="metres")
    if metric_crs is not None:
        metric_crs = _check_metric_crs(metric_crs, sections if isinstance(sections, gpd.GeoDataFrame) else None,
                                       name="metric_crs")
    if sections is None or sections.empty:
        raise NotMeasurableError("the sections layer is empty; the sections check needs monitored sections")
    if "target_class" not in sections.columns:
        raise NotMeasurableError("layer 'sections' lacks field 'target_class' (aliases 水质目标, 目标水质); add it")
    if prefer not in ("concentrations", "given"):
        raise InputError(f"prefer was {prefer!r}; expected 'concentrations' or 'given'")
    crs = metric_crs if metric_crs is not None else _metric_crs(sections)
    sec = to_metric(sections, crs).reset_index(drop=True).copy()
    not_measurable: dict[str, str] = {}

    computed = classify_water_quality(sec, rules=rules)
    given = sec["measured_class"].map(normalize_water_class) if "measured_class" in sec else pd.Series(None,
                                                                                                        index=sec.index)
    target = sec["target_class"].map(normalize_water_class)
    cls, source, detail_by = [], [], []
    for i in range(len(sec)):
        c, g = computed["measured_class"].iloc[i], given.iloc[i]
        c = c if isinstance(c, str) else None
        g = g if isinstance(g, str) else None
        if c and g and c != g:
            warnings.append(f"section {sec['id'].iloc[i]!r}: class from concentrations {c} differs from the given "
                            f"class {g}; used {'the concentrations' if prefer == 'concentrations' else 'the given class'}")
        first, second = (c, g) if prefer == "concentrations" else (g, c)
        chosen = first or second
        cls.append(chosen)
        if chosen is None:
            source.append(None)
            detail_by.append("")
        elif chosen == c and (prefer == "concentrations" or g is None):
            source.append("concentrations")
            detail_by.append(f" (decided by {computed['deciding_indicator_zh'].iloc[i]} "
                             f"{computed['deciding_value_mgl'].iloc[i]:g} mg/L)")
        else:
            source.append("given")
            detail_by.append(" (given)")
    sec["measured_class"] = cls
    sec["class_source"] = source
    for col in ("deciding_indicator", "deciding_indicator_zh", "deciding_value_mgl"):
        sec[col] = [computed[col].iloc[i] if source[i] == "concentrations" else None for i in range(len(sec))]
    sec["target_class"] = target
    evaluated = sec["measured_class"].notna() & sec["target_class"].notna()
    rank = sec["measured_class"].map(_CLASS_RANK)
    sec["compliant"] = [bool(rank.iloc[i] <= _CLASS_RANK[target.iloc[i]]) if evaluated.iloc[i] else None
                        for i in range(len(sec))]
    no_class = sec.loc[sec["measured_class"].isna(), "id"].astype(str).tolist()
    if no_class:
        warnings.append(f"{len(no_class)} section(s) have neither concentrations nor a measured class and are not "
                        f"rated: {', '.join(no_class[:20])}")
    no_target = sec.loc[sec["measured_class"].notna() & sec["target_class"].isna(), "id"].astype(str).tolist()
    if no_target:
        warnings.append(f"{len(no_target)} section(s) have no target class and are not rated: "
                        f"{', '.join(no_target[:20])}")

    ev = sec[evaluated]
    ok = ev["compliant"].astype(bool)
    level = ev["level"] if "level" in ev else pd.Series(None, index=ev.index)
    by_level = {lv: _rate(ok[level == lv]) for lv in sorted(set(level.dropna()))}
    classed = sec[sec["measured_class"].notna()]
    crank = classed["measured_class"].map(_CLASS_RANK)
    if "drinking_source" in ev.columns:
        drink = ev["drinking_source"].map(lambda v: v is True or v == 1 or (isinstance(v, np.bool_) and bool(v)))
        drinking_rate = _rate(ok[drink]) if drink.any() else None
    else:
        drinking_rate = None
    failing = ev[~ok]
    metrics: dict[str, Any] = {
        "sections_total": int(len(sec)),
        "sections_evaluated": int(len(ev)),
        "sections_failing": int(len(failing)),
        "compliance_rate": _rate(ok),
        "compliance_rate_national": by_level.get("国控"),
        "compliance_rate_provincial": by_level.get("省控"),
        "compliance_rate_by_level": by_level,
        "share_class_iii_or_better": float((crank <= _CLASS_RANK["III"]).mean()) if len(classed) else None,
        "share_worse_than_v": float((crank == _CLASS_RANK["劣V"]).mean()) if len(classed) else None,
        "drinking_source_compliance_rate": drinking_rate,
    }
    have_levels = sorted(by_level) or ["none"]
    for metric, level in (("compliance_rate_national", "国控"), ("compliance_rate_provincial", "省控")):
        if metrics[metric] is None:
            not_measurable[metric] = (f"layer 'sections' has no {level} section with a target class "
                                      f"(levels present: {', '.join(have_levels)})")
    if drinking_rate is None:
        not_measurable["drinking_source_compliance_rate"] = (
            "field 'drinking_source' missing in layer 'sections'" if "drinking_source" not in ev.columns
            else "layer 'sections' marks no drinking-water source section")
    records = []
    for i in failing.index:
        records.append({
            "id": str(sec["id"].iloc[i]), "name": sec["name"].iloc[i] if "name" in sec else None,
            "rule": "GB3838-target",
            "detail": f"measured {sec['measured_class'].iloc[i]}{detail_by[i]} vs target {sec['target_class'].iloc[i]}",
            "severity": "error", "level": sec["level"].iloc[i] if "level" in sec else None,
            "measured_class": sec["measured_class"].iloc[i], "target_class": sec["target_class"].iloc[i],
            "geometry": sec.geometry.iloc[i],
        })
    layers: dict[str, gpd.GeoDataFrame] = {"sections_classified": sec}

    if rivers is None or rivers.empty:
        not_measurable["rivers_classified"] = "no rivers layer"
        not_measurable["upstream_facilities"] = "no rivers layer"
    else:
        try:
            net = RiverNetwork.from_rivers(rivers, metric_crs=crs)
        except NotMeasurableError as exc:
            net = None
            not_measurable["rivers_classified"] = not_measurable["upstream_facilities"] = str(exc)
        if net is not None:
            located: dict[int, tuple[int, float]] = {}
            for i, g in enumerate(sec.geometry.values):
                where = net.locate(g, max_distance_m=section_snap_m) if g is not None and not g.is_empty else None
                if where is None:
                    warnings.append(f"section {sec['id'].iloc[i]!r} is more than {section_snap_m:g} m from every "
                                    f"river line; not placed on the river network")
                else:
                    located[i] = (where[0], where[1])
            layers["rivers_classified"] = _classify_rivers(net, rivers, sec, located)
            if facilities is None or facilities.empty:
                not_measurable["upstream_facilities"] = "no facilities layer"
            else:
                reaches, ups = _upstream_facilities(net, sec, failing.index, located, to_metric(facilities, crs),
                                                    upstream_km * 1000.0, river_distance_m, progress, warnings)
                layers["upstream_reaches"] = reaches
                layers["upstream_facilities"] = ups
                metrics["upstream_facilities"] = int(len(ups))
    return CheckResult(
        "sections", metrics=metrics, violations=violations_frame(records, crs=crs), layers=layers,
        parameters={"upstream_km": upstream_km, "river_distance_m": river_distance_m,
                    "section_snap_m": section_snap_m, "prefer": prefer,
                    "standard": "GB 3838-2002 表1, 单因子评价",
                    "river_direction": "river lines digitised downstream (first vertex upstream)"},
        warnings=warnings, not_measurable=not_measurable,
    )


def _classify_rivers(net: RiverNetwork, rivers: gpd.GeoDataFrame, sec: gpd.GeoDataFrame,
                     located: dict[int, tuple[int, float]]) -> gpd.GeoDataFrame:
    on_edge: dict[int, list[tuple[float, int]]] = defaultdict(list)
    for i, (e, s) in located.items():
        on_edge[e].append((s, i))
    for e in on_edge:
        on_edge[e].sort()
    # nearest section downstream of each node: multi-source Dijkstra against the flow
    best: dict[int, tuple[float, int]] = {}
    heap: list[tuple[float, int, int]] = []
    for e, lst in on_edge.items():
        s, i = lst[0]
        if s < best.get(net.u[e], (math.inf, -1))[0]:
            best[net.u[e]] = (s, i)
            heapq.heappush(heap, (s, net.u[e], i))
    while heap:
        d, n, i = heapq.heappop(heap)
        if best.get(n, (math.inf,))[0] < d:
            continue
        for e in net.incoming.get(n, []):
            if e in on_edge:
                continue  # its upstream node already has the nearer section on e itself
            nd = d + net.lengths[e]
            if nd < best.get(net.u[e], (math.inf,))[0]:
                best[net.u[e]] = (nd, i)
                heapq.heappush(heap, (nd, net.u[e], i))
    rows = []
    r_ids = rivers["id"].astype(str).tolist() if "id" in rivers else [str(k) for k in range(len(rivers))]
    r_names = rivers["name"].tolist() if "name" in rivers else [None] * len(rivers)
    for e, line in enumerate(net.edges):
        cuts = on_edge.get(e, [])
        bounds = [0.0] + [s for s, _ in cuts] + [net.lengths[e]]
        ends = [i for _, i in cuts] + [best.get(net.v[e], (math.inf, None))[1]]
        for (a, b), i in zip(zip(bounds, bounds[1:]), ends):
            if b - a <= 1e-6:
                continue
            pos = net.edge_river[e]
            rows.append({
                "river_id": r_ids[pos], "name": r_names[pos],
                "section_id": None if i is None else str(sec["id"].iloc[i]),
                "water_class": None if i is None else sec["measured_class"].iloc[i],
                "target_class": None if i is None else sec["target_class"].iloc[i],
                "geometry": substring(line, a, b),
            })
    out = gpd.GeoDataFrame(pd.DataFrame(rows, columns=["river_id", "name", "section_id", "water_class",
                                                       "target_class", "geometry"]), geometry="geometry",
                           crs=net.crs)
    out.insert(0, "id", [f"{r}-{k}" for k, r in enumerate(out["river_id"])])
    return out


def _upstream_facilities(net: RiverNetwork, sec: gpd.GeoDataFrame, failing: pd.Index,
                         located: dict[int, tuple[int, float]], fac: gpd.GeoDataFrame, upstream_m: float,
                         river_distance_m: float, progress: bool | None,
                         warnings: list[str]) -> tuple[gpd.GeoDataFrame, gpd.GeoDataFrame]:
    reach_rows, fac_rows = [], []
    fgeoms = fac.geometry.values
    ftree = shapely.STRtree(fgeoms)
    for i in progress_bar(list(failing), desc="tracing upstream", progress=progress):
        if i not in located:
            warnings.append(f"failing section {sec['id'].iloc[i]!r} is not on the river network; its upstream "
                            f"facilities were not traced")
            continue
        e, s = located[i]
        pieces = net.trace(e, s, upstream_m, "up")
        geoms = [net.piece_geometry(p) for p in pieces]
        sid = str(sec["id"].iloc[i])
        reach_rows.append({"id": sid, "section_id": sid, "length_m": float(sum(g.length for g in geoms)),
                           "geometry": shapely.line_merge(shapely.union_all(geoms))})
        best: dict[int, tuple[float, float]] = {}
        for p, g in zip(pieces, geoms):
            for fi in ftree.query(g, predicate="dwithin", distance=river_distance_m):
                fi = int(fi)
                d = float(shapely.distance(g, fgeoms[fi]))
                near = shapely.ops.nearest_points(g, fgeoms[fi])[0]
                along = p.distance_at(float(net.edges[p.edge].project(near)))
                if fi not in best or (d, along) < best[fi]:
                    best[fi] = (d, along)
        for fi, (d, along) in sorted(best.items(), key=lambda kv: kv[1][1]):
            fac_rows.append({
                "id": f"{sid}:{fac['id'].iloc[fi]}", "section_id": sid,
                "facility_id": str(fac["id"].iloc[fi]),
                "name": fac["name"].iloc[fi] if "name" in fac else None,
                "kind": fac["kind"].iloc[fi] if "kind" in fac else None,
                "distance_to_river_m": round(d, 3), "upstream_distance_m": round(along, 3),
                "geometry": fgeoms[fi],
            })
    reaches = gpd.GeoDataFrame(pd.DataFrame(reach_rows, columns=["id", "section_id", "length_m", "geometry"]),
                               geometry="geometry", crs=net.crs)
    ups = gpd.GeoDataFrame(pd.DataFrame(fac_rows, columns=["id", "section_id", "facility_id", "name", "kind",
                                                           "distance_to_river_m", "upstream_distance_m",
                                                           "geometry"]), geometry="geometry", crs=net.crs)
    return reaches, ups


def sections_check(
    layers: Any = None,
    *,
    sections: gpd.GeoDataFrame | None = None,
    rivers: gpd.GeoDataFrame | None = None,
    facilities: gpd.GeoDataFrame | None = None,
    upstream_km: float = 10.0,
    river_distance_m: float = 500.0,
    progress: bool | None = None,
) -> CheckResult:
    """The sections check on a study area's layers (explicit layers first, then the layer set's).

    Examples
    --------
    >>> from ecogis.layerset import load_sample
    >>> sections_check(load_sample()).metrics["compliance_rate"]  # doctest: +SKIP
    """
    # entry checks: numeric options and the metric CRS (ecogis.gate, ecogis.crs)
    _check_number("upstream_km", upstream_km, minimum=0, unit="km")
    _check_number("river_distance_m", river_distance_m, minimum=0, unit="metres")
    def pick(given: Any, kind: str) -> Any:
        return _given_or_layer(given, layers, kind)

    sec = pick(sections, "sections")
    if sec is None:
        raise NotMeasurableError("layer 'sections' missing: give --sections FILE or a layer set that has it")
    return section_compliance(sec, rivers=pick(rivers, "rivers"), facilities=pick(facilities, "facilities"),
                              upstream_km=upstream_km, river_distance_m=river_distance_m, progress=progress)


def _bare_name(values: pd.Series) -> pd.Series:
    """Names compared without surrounding spaces and a trailing 断面 ("坡头桥断面" = "坡头桥")."""
    return values.str.strip().str.replace(r"断面$", "", regex=True).str.strip()


def share_meeting_class(
    sections: gpd.GeoDataFrame | None,
    *,
    water_class: str,
    select: Mapping[str, Sequence[str]] | None = None,
) -> tuple[float | None, str | None]:
    """Share of the selected sections whose measured class is ``water_class`` or better.

    What a plan means by "确保沙河、澧河国控断面水质稳定达到或优于Ⅲ类": the sections are picked by
    their fields (``river``, ``level``, ``name`` ...), rated on their measured class
    (from concentrations per GB 3838-2002, or given), and compared with the class the
    plan names, whatever ``target_class`` the layer carries.

    Parameters
    ----------
    sections : GeoDataFrame or None
        Sections with ``measured_class`` (the ``sections_classified`` layer of
        :func:`section_compliance`, or any sections layer that has it).
    water_class : str
        The class to reach: ``I`` ... ``V`` (Roman or Chinese numerals, as
        :func:`ecogis.catalogue.normalize_water_class` reads them).
    select : mapping of field to values, optional
        Keep the sections whose field equals one of the values (all fields must
        match; a trailing 断面 is ignored); default: every section.

    Returns
    -------
    share : float or None
        0-1; None when nothing could be rated.
    reason : str or None
        Why ``share`` is None: the layer, field or sections that are missing.

    Examples
    --------
    >>> import geopandas as gpd, shapely
    >>> s = gpd.GeoDataFrame({"river": ["沙河", "澧河", "沙河"], "level": ["国控", "国控", "市控"],
    ...                       "measured_class": ["II", "IV", "V"]}, geometry=[shapely.Point(0, 0)] * 3, crs=4547)
    >>> share_meeting_class(s, water_class="III", select={"river": ["沙河", "澧河"], "level": ["国控"]})
    (0.5, None)
    """
    wanted = normalize_water_class(water_class)
    if wanted is None or wanted == "劣V":
        raise InputError(f"water_class was {water_class!r} but is expected to be one of I, II, III, IV, V")
    if sections is None:
        return None, "layer 'sections' missing"
    if "measured_class" not in sections.columns:
        return None, "field 'measured_class' missing in layer 'sections' (run the sections check first)"
    keep = pd.Series(True, index=sections.index)
    wanted_desc = []
    for fld, values in (select or {}).items():
        values = [values] if isinstance(values, str) else list(values)
        if fld not in sections.columns:
            return None, f"field {fld!r} missing in layer 'sections' (needed to pick {fld} = {values})"
        keep &= _bare_name(sections[fld].astype("string")).isin(_bare_name(pd.Series(values, dtype="string"))).fillna(
            False)
        wanted_desc.append(f"{fld} in {values}")
    chosen = sections[keep]
    if chosen.empty:
        have = "; ".join(f + ": " + ", ".join(sorted({str(v) for v in sections[f].dropna()})[:12])
                         for f in (select or {}))
        return None, f"no section in layer 'sections' with {' and '.join(wanted_desc)} (the layer has {have})"
    measured = chosen["measured_class"].map(normalize_water_class)
    rated = measured.dropna()
    if rated.empty:
        return None, f"the {len(chosen)} selected section(s) have no measured class (no concentrations or class given)"
    return float((rated.map(_CLASS_RANK) <= _CLASS_RANK[wanted]).mean()), None

