"""Monitored sections against their target class: compliance by level, rivers coloured by the
nearest section downstream, facilities upstream of failing sections, and the ``sections`` check.

Part of :mod:`ecogis.water`, which re-exports the public names.
"""

from __future__ import annotations

import heapq
import math
from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
import shapely.ops
from shapely.ops import substring

from ecogis.catalogue import normalize_water_class
from ecogis.crs import check_metric_crs as _check_metric_crs
from ecogis.crs import metric_crs as _metric_crs
from ecogis.crs import to_metric
from ecogis.errors import InputError, NotMeasurableError
from ecogis.gate import check_number as _check_number
from ecogis.gate import gated as _gated
from ecogis.progress import progress_bar
from ecogis.result import CheckResult, violations_frame
from ecogis.river_network import RiverNetwork
from ecogis.water_conflicts import _given_or_layer
from ecogis.water_quality import _CLASS_RANK, classify_water_quality

__all__ = [
    "section_compliance",
    "sections_check",
    "share_meeting_class",
]


def _rate(ok: pd.Series) -> float | None:
    return float(ok.mean()) if len(ok) else None


def section_compliance(  # noqa: PLR0913 -- one keyword-only option per documented parameter (public API)
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
    _check_sections(sections, prefer)
    crs = metric_crs if metric_crs is not None else _metric_crs(sections)
    sec = to_metric(sections, crs).reset_index(drop=True).copy()

    detail_by = _classify_sections(sec, rules, prefer, warnings)
    evaluated = sec["measured_class"].notna() & sec["target_class"].notna()
    ev = sec[evaluated]
    ok = ev["compliant"].astype(bool)
    failing = ev[~ok]
    metrics, not_measurable = _compliance_metrics(sec, ev, ok)
    metrics["sections_failing"] = int(len(failing))
    records = _failing_records(sec, failing.index, detail_by)
    layers: dict[str, gpd.GeoDataFrame] = {"sections_classified": sec}
    trace = _Trace(upstream_m=upstream_km * 1000.0, river_distance_m=river_distance_m,
                   section_snap_m=section_snap_m, progress=progress)
    river_layers, river_not_measurable = _river_layers(rivers, facilities, sec, failing.index, crs, trace, warnings)
    layers.update(river_layers)
    not_measurable.update(river_not_measurable)
    if "upstream_facilities" in river_layers:
        metrics["upstream_facilities"] = int(len(river_layers["upstream_facilities"]))
    return CheckResult(
        "sections", metrics=metrics, violations=violations_frame(records, crs=crs), layers=layers,
        parameters={"upstream_km": upstream_km, "river_distance_m": river_distance_m,
                    "section_snap_m": section_snap_m, "prefer": prefer,
                    "standard": "GB 3838-2002 表1, 单因子评价",
                    "river_direction": "river lines digitised downstream (first vertex upstream)"},
        warnings=warnings, not_measurable=not_measurable,
    )


@dataclass(frozen=True)
class _Trace:
    """How sections are placed on the river network and how far upstream their facilities are traced."""

    upstream_m: float
    river_distance_m: float
    section_snap_m: float
    progress: bool | None


def _check_sections(sections: gpd.GeoDataFrame | None, prefer: str) -> None:
    """The sections layer the check needs, and a known ``prefer``."""
    if sections is None or sections.empty:
        raise NotMeasurableError("the sections layer is empty; the sections check needs monitored sections")
    if "target_class" not in sections.columns:
        raise NotMeasurableError("layer 'sections' lacks field 'target_class' (aliases 水质目标, 目标水质); add it")
    if prefer not in ("concentrations", "given"):
        raise InputError(f"prefer was {prefer!r}; expected 'concentrations' or 'given'")


def _classify_sections(sec: gpd.GeoDataFrame, rules: dict[str, Any] | None, prefer: str,
                       warnings: list[str]) -> list[str]:
    """Each section's class (from its concentrations or as given), its source and whether it complies,
    written into ``sec``; returns per section how its class was decided (for the violation's detail)."""
    computed = classify_water_quality(sec, rules=rules)
    given = sec["measured_class"].map(normalize_water_class) if "measured_class" in sec else pd.Series(None,
                                                                                                        index=sec.index)
    target = sec["target_class"].map(normalize_water_class)
    cls, source, detail_by = [], [], []
    for i in range(len(sec)):
        chosen, how, detail = _section_class(sec["id"].iloc[i], computed.iloc[i], given.iloc[i], prefer, warnings)
        cls.append(chosen)
        source.append(how)
        detail_by.append(detail)
    sec["measured_class"] = cls
    sec["class_source"] = source
    for col in ("deciding_indicator", "deciding_indicator_zh", "deciding_value_mgl"):
        sec[col] = [computed[col].iloc[i] if source[i] == "concentrations" else None for i in range(len(sec))]
    sec["target_class"] = target
    evaluated = sec["measured_class"].notna() & sec["target_class"].notna()
    rank = sec["measured_class"].map(_CLASS_RANK)
    sec["compliant"] = [bool(rank.iloc[i] <= _CLASS_RANK[target.iloc[i]]) if evaluated.iloc[i] else None
                        for i in range(len(sec))]
    _warn_unrated(sec, warnings)
    return detail_by


def _section_class(sid: Any, computed: pd.Series, given: Any, prefer: str,
                   warnings: list[str]) -> tuple[str | None, str | None, str]:
    """One section's class, where it came from (``concentrations`` / ``given``) and the detail saying so."""
    c = computed["measured_class"]
    c = c if isinstance(c, str) else None
    g = given if isinstance(given, str) else None
    if c and g and c != g:
        warnings.append(f"section {sid!r}: class from concentrations {c} differs from the given "
                        f"class {g}; used {'the concentrations' if prefer == 'concentrations' else 'the given class'}")
    first, second = (c, g) if prefer == "concentrations" else (g, c)
    chosen = first or second
    if chosen is None:
        return None, None, ""
    if chosen == c and (prefer == "concentrations" or g is None):
        return chosen, "concentrations", (f" (decided by {computed['deciding_indicator_zh']} "
                                          f"{computed['deciding_value_mgl']:g} mg/L)")
    return chosen, "given", " (given)"


def _warn_unrated(sec: gpd.GeoDataFrame, warnings: list[str]) -> None:
    """A warning naming the sections with no class, and one naming those with no target class."""
    no_class = sec.loc[sec["measured_class"].isna(), "id"].astype(str).tolist()
    if no_class:
        warnings.append(f"{len(no_class)} section(s) have neither concentrations nor a measured class and are not "
                        f"rated: {', '.join(no_class[:20])}")
    no_target = sec.loc[sec["measured_class"].notna() & sec["target_class"].isna(), "id"].astype(str).tolist()
    if no_target:
        warnings.append(f"{len(no_target)} section(s) have no target class and are not rated: "
                        f"{', '.join(no_target[:20])}")


def _compliance_metrics(sec: gpd.GeoDataFrame, ev: gpd.GeoDataFrame,
                        ok: pd.Series) -> tuple[dict[str, Any], dict[str, str]]:
    """Compliance rates (all, by level, drinking-water sources) and class shares; what is not measurable."""
    not_measurable: dict[str, str] = {}
    level = ev["level"] if "level" in ev else pd.Series(None, index=ev.index)
    by_level = {lv: _rate(ok[level == lv]) for lv in sorted(set(level.dropna()))}
    classed = sec[sec["measured_class"].notna()]
    crank = classed["measured_class"].map(_CLASS_RANK)
    if "drinking_source" in ev.columns:
        drink = ev["drinking_source"].map(lambda v: v is True or v == 1 or (isinstance(v, np.bool_) and bool(v)))
        drinking_rate = _rate(ok[drink]) if drink.any() else None
    else:
        drinking_rate = None
    metrics: dict[str, Any] = {
        "sections_total": int(len(sec)),
        "sections_evaluated": int(len(ev)),
        "sections_failing": None,
        "compliance_rate": _rate(ok),
        "compliance_rate_national": by_level.get("国控"),
        "compliance_rate_provincial": by_level.get("省控"),
        "compliance_rate_by_level": by_level,
        "share_class_iii_or_better": float((crank <= _CLASS_RANK["III"]).mean()) if len(classed) else None,
        "share_worse_than_v": float((crank == _CLASS_RANK["劣V"]).mean()) if len(classed) else None,
        "drinking_source_compliance_rate": drinking_rate,
    }
    have_levels = sorted(by_level) or ["none"]
    for metric, lv in (("compliance_rate_national", "国控"), ("compliance_rate_provincial", "省控")):
        if metrics[metric] is None:
            not_measurable[metric] = (f"layer 'sections' has no {lv} section with a target class "
                                      f"(levels present: {', '.join(have_levels)})")
    if drinking_rate is None:
        not_measurable["drinking_source_compliance_rate"] = (
            "field 'drinking_source' missing in layer 'sections'" if "drinking_source" not in ev.columns
            else "layer 'sections' marks no drinking-water source section")
    return metrics, not_measurable


def _failing_records(sec: gpd.GeoDataFrame, failing: pd.Index, detail_by: list[str]) -> list[dict[str, Any]]:
    """One violation (rule ``GB3838-target``) per failing section."""
    return [{
        "id": str(sec["id"].iloc[i]), "name": sec["name"].iloc[i] if "name" in sec else None,
        "rule": "GB3838-target",
        "detail": f"measured {sec['measured_class'].iloc[i]}{detail_by[i]} vs target {sec['target_class'].iloc[i]}",
        "severity": "error", "level": sec["level"].iloc[i] if "level" in sec else None,
        "measured_class": sec["measured_class"].iloc[i], "target_class": sec["target_class"].iloc[i],
        "geometry": sec.geometry.iloc[i],
    } for i in failing]


def _river_layers(rivers: gpd.GeoDataFrame | None, facilities: gpd.GeoDataFrame | None, sec: gpd.GeoDataFrame,
                  failing: pd.Index, crs: Any, trace: _Trace,
                  warnings: list[str]) -> tuple[dict[str, gpd.GeoDataFrame], dict[str, str]]:
    """Rivers coloured by the nearest section downstream, and the facilities upstream of failing sections
    (layers ``rivers_classified``, ``upstream_reaches``, ``upstream_facilities``); what is not measurable."""
    if rivers is None or rivers.empty:
        return {}, {"rivers_classified": "no rivers layer", "upstream_facilities": "no rivers layer"}
    try:
        net = RiverNetwork.from_rivers(rivers, metric_crs=crs)
    except NotMeasurableError as exc:
        return {}, {"rivers_classified": str(exc), "upstream_facilities": str(exc)}
    located = _locate_sections(net, sec, trace.section_snap_m, warnings)
    layers = {"rivers_classified": _classify_rivers(net, rivers, sec, located)}
    if facilities is None or facilities.empty:
        return layers, {"upstream_facilities": "no facilities layer"}
    layers["upstream_reaches"], layers["upstream_facilities"] = _upstream_facilities(
        net, sec, failing, located, to_metric(facilities, crs), trace, warnings)
    return layers, {}


def _locate_sections(net: RiverNetwork, sec: gpd.GeoDataFrame, section_snap_m: float,
                     warnings: list[str]) -> dict[int, tuple[int, float]]:
    """Section row -> (edge, distance along it) of the sections within ``section_snap_m`` of a river line."""
    located: dict[int, tuple[int, float]] = {}
    for i, g in enumerate(sec.geometry.values):
        where = net.locate(g, max_distance_m=section_snap_m) if g is not None and not g.is_empty else None
        if where is None:
            warnings.append(f"section {sec['id'].iloc[i]!r} is more than {section_snap_m:g} m from every "
                            f"river line; not placed on the river network")
        else:
            located[i] = (where[0], where[1])
    return located


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
                         located: dict[int, tuple[int, float]], fac: gpd.GeoDataFrame, trace: _Trace,
                         warnings: list[str]) -> tuple[gpd.GeoDataFrame, gpd.GeoDataFrame]:
    upstream_m, river_distance_m, progress = trace.upstream_m, trace.river_distance_m, trace.progress
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
