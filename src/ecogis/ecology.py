"""Ecological red lines, river buffer strips and control zones.

Four checks turn the plans' spatial promises about ecology into findings that
name the offending feature and the rule it breaks:

* :func:`redline_overlap`: project or facility footprints that overlap an
  ecological protection red line (生态保护红线), with the overlap area, the share of
  the feature and the red-line unit.
* :func:`redline_change`: the red-line area lost, gained and the net change
  between two versions; a net loss breaks Pingdingshan's binding indicator
  "生态保护红线面积不减少".
* :func:`river_buffers`: livestock farms and enterprises within a buffer strip
  (生态缓冲带) along rivers.
* :func:`control_zones`: livestock farms inside forbidden-livestock zones
  (禁养区), facilities inside no-burn zones (禁燃区) and construction sites of
  5,000 m2 or more that Luohe's air plan puts under online monitoring.

All metric work is done in the CGCS2000 Gauss-Kruger zone of the data
(:func:`ecogis.crs.to_metric`); result layers stay in that CRS.

Examples
--------
>>> import geopandas as gpd, shapely
>>> red = gpd.GeoDataFrame({"id": ["R1"], "name": ["湿地"]},
...                        geometry=[shapely.box(500000, 3700000, 500100, 3700100)], crs=4547)
>>> proj = gpd.GeoDataFrame({"id": ["P1"], "name": ["厂房"]},
...                         geometry=[shapely.box(500050, 3700000, 500150, 3700100)], crs=4547)
>>> r = redline_overlap(proj, red)
>>> r.metrics["overlap_m2"], r.n_violations
(5000.0, 1)
"""

from __future__ import annotations

import logging
import os
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from ecogis.crs import CRSLike, to_metric
from ecogis.crs import check_metric_crs as _check_metric_crs
from ecogis.errors import InputError, NotMeasurableError
from ecogis.gate import check_number as _check_number
from ecogis.gate import gated as _gated
from ecogis.result import CheckResult, violations_frame

__all__ = [
    "find_previous_redlines",
    "REDLINE_RULE",
    "REDLINE_AREA_RULE",
    "RIVER_BUFFER_RULE",
    "DEFAULT_RIVER_BUFFER_M",
    "FORBIDDEN_LIVESTOCK_RULE",
    "RESTRICTED_LIVESTOCK_RULE",
    "NO_BURN_RULE",
    "LARGE_SITE_RULE",
    "LARGE_SITE_M2",
    "redline_overlap",
    "redline_change",
    "river_buffers",
    "control_zones",
    "CHP_BOILER_RULE",
    "coal_boilers_near_chp",
]

log = logging.getLogger(__name__)

# --- rules (document and clause for each) -----------------------------------------------
#: national red-line regime: what may happen inside a red line
REDLINE_RULE = (
    "中共中央办公厅、国务院办公厅《关于在国土空间规划中统筹划定落实三条控制线的指导意见》(2019年11月) "
    "二(一): 生态保护红线内，自然保护地核心保护区原则上禁止人为活动，其他区域严格禁止开发性、生产性建设活动"
)
#: Pingdingshan's binding indicator on red-line area
REDLINE_AREA_RULE = (
    "平顶山市“十四五”生态环境保护和生态经济发展规划 表1 指标25 “生态保护红线面积 不减少”(约束性); "
    "第七章第四节: 确保到2025年，生态保护红线面积不减少"
)
#: default width of the river buffer strip, metres (see :data:`RIVER_BUFFER_RULE`)
DEFAULT_RIVER_BUFFER_M = 500.0
#: rule of the river buffer check; the width is the one figure the five plans give
RIVER_BUFFER_RULE = (
    "平顶山市“十四五”生态环境保护和生态经济发展规划 第五章第四节: 在重要河流干流、重要支流和重要湖泊周边划定"
    "生态缓冲带，对不符合保护要求的人类活动进行整治; 宽度据三政办〔2018〕35号《三门峡市污染防治攻坚战三年行动计划"
    "(2018—2020年)》三(三)5: 河道两侧500米左右范围问题的排查整治"
)
FORBIDDEN_LIVESTOCK_RULE = (
    "禁养区内不得有畜禽养殖场: 三政办〔2018〕35号 三(四)10 “巩固禁养区内畜禽养殖场整治成果，防止反弹”; "
    "平顶山市“十四五”生态环境保护和生态经济发展规划 第六章第四节 “科学划定、调整禁养区”"
)
RESTRICTED_LIVESTOCK_RULE = (
    "限养区内的畜禽养殖场应控制规模、达标排放(平顶山市“十四五”生态环境保护和生态经济发展规划 第六章第四节); 列出待核"
)
NO_BURN_RULE = (
    "漯政〔2024〕6号《漯河市空气质量持续改善行动实施方案》三(五): 及时调整高污染燃料禁燃区划定范围，"
    "依法依规整治违规销售、储存、运输、使用散煤的行为; 禁燃区内设施列出待核燃料"
)
#: construction-site size from which Luohe requires online monitoring, m2
LARGE_SITE_M2 = 5000.0
LARGE_SITE_RULE = (
    "漯政〔2024〕6号《漯河市空气质量持续改善行动实施方案》五(一): 持续推进5000平方米以上建筑工地安装在线监测和"
    "视频监控设施并接入市监管平台"
)
#: coal boilers within the heating radius of large CHP plants are to be shut or merged
CHP_BOILER_RULE = (
    "热电联产电厂供热半径{radius_km:g}公里范围内的燃煤锅炉关停整合 (漯政〔2024〕6号 三(三): 30万千瓦以上电厂, "
    "30公里; 三政办〔2018〕35号 二(一)6: 30万千瓦及以上电厂, 15公里)"
)

_POLYGONAL = ("Polygon", "MultiPolygon")
#: catalogue kinds a red-line overlap's features may be (a features layer of another name is gated without a type)
_FEATURE_KINDS = ("projects", "facilities")


# --- the input gate -----------------------------------------------------------------------


def _gated_features(features: Any, warnings: list[str]) -> Any:
    """:func:`redline_overlap`'s features (one layer or a mapping of them) through the input gate."""
    if isinstance(features, gpd.GeoDataFrame):
        kind = features.attrs.get("kind")
        return _gated(features, kind if kind in _FEATURE_KINDS else None, "features", warnings)
    if isinstance(features, Mapping):
        return {name: _gated(g, name if name in _FEATURE_KINDS else None, str(name), warnings)
                for name, g in features.items()}
    return features


# --- helpers ------------------------------------------------------------------------------
def _require_columns(gdf: gpd.GeoDataFrame, columns: Iterable[str], what: str) -> None:
    missing = [c for c in columns if c not in gdf.columns]
    if missing:
        raise NotMeasurableError(
            f"{what} has no field(s) {missing} (has {[c for c in gdf.columns if c != gdf.geometry.name]}); "
            f"add them or read the layer with read_layer(path, kind=...) so columns are mapped"
        )


def _valid(geoms: Any) -> np.ndarray:
    """Valid copies of the geometries (make_valid only where needed)."""
    arr = np.asarray(geoms, dtype=object)
    bad = ~shapely.is_valid(arr) & ~shapely.is_missing(arr)
    if bad.any():
        arr = arr.copy()
        arr[bad] = shapely.make_valid(arr[bad])
    return arr


def _metric_pair(a: gpd.GeoDataFrame, b: gpd.GeoDataFrame, metric: CRSLike | None,
                 names: tuple[str, str]) -> tuple[gpd.GeoDataFrame, gpd.GeoDataFrame]:
    for name, g in zip(names, (a, b)):
        if not isinstance(g, gpd.GeoDataFrame):
            raise InputError(f"{name} was {type(g).__name__} but is expected to be a GeoDataFrame")
        if g.crs is None:
            raise InputError(f"{name} has no CRS; set one (e.g. gdf.set_crs('EPSG:4490')) before checking")
    am = to_metric(a, metric)
    bm = to_metric(b, am.crs)
    return am, bm


def _ids(gdf: gpd.GeoDataFrame) -> pd.Series:
    if "id" in gdf.columns:
        return gdf["id"].astype(object).where(gdf["id"].notna(), None).map(lambda v: None if v is None else str(v))
    return pd.Series([str(i) for i in gdf.index], index=gdf.index, dtype=object)


def _names(gdf: gpd.GeoDataFrame) -> pd.Series:
    if "name" in gdf.columns:
        return gdf["name"].astype(object).where(gdf["name"].notna(), None)
    return pd.Series([None] * len(gdf), index=gdf.index, dtype=object)


def _union(geoms: np.ndarray) -> shapely.Geometry:
    polys = [g for g in geoms if g is not None and not g.is_empty]
    return shapely.union_all(polys) if polys else shapely.Polygon()


def _polygonal_part(geom: shapely.Geometry) -> shapely.Geometry:
    """Polygons of a geometry (drops lines/points that intersections leave on shared edges)."""
    if geom is None or geom.is_empty:
        return shapely.Polygon()
    if geom.geom_type in _POLYGONAL:
        return geom
    parts = [g for g in shapely.get_parts(geom) if g.geom_type in _POLYGONAL]
    return shapely.union_all(parts) if parts else shapely.Polygon()


def _combine_features(features: gpd.GeoDataFrame | Mapping[str, gpd.GeoDataFrame]) -> gpd.GeoDataFrame:
    if isinstance(features, gpd.GeoDataFrame):
        out = features.copy()
        if "source_layer" not in out.columns:
            out["source_layer"] = out.attrs.get("kind") or "features"
        return out
    if not isinstance(features, Mapping) or not features:
        raise InputError("features was empty; expected a GeoDataFrame or a mapping {layer name: GeoDataFrame}")
    frames = []
    for name, g in features.items():
        if g is None:
            continue
        if not isinstance(g, gpd.GeoDataFrame):
            raise InputError(f"features layer {name!r} was {type(g).__name__} but is expected to be a GeoDataFrame")
        if g.crs is None:
            raise InputError(f"features layer {name!r} has no CRS; set one before checking")
        part = pd.DataFrame(g[[c for c in ("id", "name", "kind") if c in g.columns]])
        part["source_layer"] = name
        gg = gpd.GeoDataFrame(part, geometry=g.geometry.values, crs=g.crs)
        frames.append(gg if not frames or gg.crs.equals(frames[0].crs) else gg.to_crs(frames[0].crs))
    if not frames:
        raise InputError("features holds no layers; expected at least one GeoDataFrame")
    first_crs = frames[0].crs
    return gpd.GeoDataFrame(pd.concat(frames, ignore_index=True), geometry="geometry", crs=first_crs)


# --- red lines ------------------------------------------------------------------------------
def redline_overlap(
    features: gpd.GeoDataFrame | Mapping[str, gpd.GeoDataFrame],
    redlines: gpd.GeoDataFrame,
    *,
    metric: CRSLike | None = None,
) -> CheckResult:
    """Project or facility footprints that overlap ecological red lines.

    Every (feature, red-line unit) pair that shares area is a violation of the
    red-line regime, with the overlap area and its share of the feature.  Point
    features (facilities without a footprint) that lie inside a red line are
    listed as warnings (``overlap_m2`` 0, share 1): without a footprint the
    occupied area is unknown, and some (outfalls, intakes) may be lawful there.

    Parameters
    ----------
    features : GeoDataFrame or mapping of str to GeoDataFrame
        Projects and/or facility polygons (``id``, ``name``); a mapping
        ``{"projects": ..., "facilities": ...}`` keeps the layer name in the
        ``source_layer`` column.  Not modified.
    redlines : GeoDataFrame
        Red-line units (``eco_redlines``: ``id``, ``name``, ``category``).
    metric : CRS-like, optional
        Metric CRS for areas; default the Gauss-Kruger zone of ``features``.

    Returns
    -------
    CheckResult
        Name ``"redlines"``.  Metrics ``overlap_m2`` (sum over features of the
        area inside any red line), ``features_overlapping``, ``features_checked``,
        ``redline_units_affected``.  Violations: one row per pair with
        ``redline_id``, ``redline_name``, ``overlap_m2``, ``share_of_feature``
        and the overlap geometry.  Layer ``overlaps``.

    Examples
    --------
    >>> import geopandas as gpd, shapely
    >>> red = gpd.GeoDataFrame({"id": ["R1"], "name": ["湿地"]},
    ...                        geometry=[shapely.box(500000, 3700000, 500100, 3700100)], crs=4547)
    >>> proj = gpd.GeoDataFrame({"id": ["P1"], "name": ["厂房"]},
    ...                         geometry=[shapely.box(500050, 3700000, 500150, 3700100)], crs=4547)
    >>> redline_overlap(proj, red).violations[["id", "redline_id", "overlap_m2", "share_of_feature"]].values.tolist()
    [['P1', 'R1', 5000.0, 0.5]]
    """
    # entry checks: layers through the input gate, numeric options and the metric CRS (ecogis.gate, ecogis.crs)
    warnings: list[str] = []
    features = _gated_features(features, warnings)
    redlines = _gated(redlines, "eco_redlines", "redlines", warnings)
    if metric is not None:
        metric = _check_metric_crs(metric, redlines if isinstance(redlines, gpd.GeoDataFrame) else None,
                                   name="metric")
    feats = _combine_features(features)
    fm, rm = _metric_pair(feats, redlines, metric, ("features", "redlines"))
    fgeom = _valid(fm.geometry.values)
    rgeom = _valid(rm.geometry.values)
    fids, fnames = _ids(fm).to_numpy(), _names(fm).to_numpy()
    rids, rnames = _ids(rm).to_numpy(), _names(rm).to_numpy()
    rcat = rm["category"].to_numpy() if "category" in rm.columns else np.full(len(rm), None, dtype=object)
    src = fm["source_layer"].to_numpy()
    fkind = fm["kind"].to_numpy() if "kind" in fm.columns else np.full(len(fm), None, dtype=object)

    tree = shapely.STRtree(rgeom)
    fi, ri = tree.query(fgeom, predicate="intersects")
    records: list[dict[str, Any]] = []
    geoms: list[shapely.Geometry] = []
    overlapping: set[int] = set()
    units: set[int] = set()
    for f, r in zip(fi, ri):
        fg, rg = fgeom[f], rgeom[r]
        polygonal = fg.geom_type in _POLYGONAL
        if polygonal:
            inter = _polygonal_part(shapely.intersection(fg, rg))
            area = float(inter.area)
            if area <= 0.0:
                continue  # touching edges only
            share = area / fg.area if fg.area > 0 else float("nan")
        else:
            inter = shapely.intersection(fg, rg)
            area, share = 0.0, 1.0
        overlapping.add(int(f))
        units.add(int(r))
        records.append({
            "id": fids[f], "name": fnames[f], "source_layer": src[f], "kind": fkind[f],
            "rule": REDLINE_RULE,
            "detail": (f"{src[f]} {fids[f]} ({fnames[f] or '-'}) overlaps red-line unit {rids[r]} "
                       f"({rnames[r] or '-'}) by {area:,.1f} m2 = {share:.1%} of the feature"
                       if polygonal else
                       f"{src[f]} {fids[f]} ({fnames[f] or '-'}) lies inside red-line unit {rids[r]} "
                       f"({rnames[r] or '-'}); no footprint: verify what it occupies"),
            "severity": "error" if polygonal else "warning",
            "redline_id": rids[r], "redline_name": rnames[r], "redline_category": rcat[r],
            "overlap_m2": area, "share_of_feature": share,
        })
        geoms.append(inter)
    violations = violations_frame(records, crs=fm.crs, geometry=geoms)
    redline_union = _union(rgeom)
    overlap_m2 = 0.0
    for f in sorted(overlapping):
        if fgeom[f].geom_type in _POLYGONAL:
            overlap_m2 += float(_polygonal_part(shapely.intersection(fgeom[f], redline_union)).area)
    metrics = {
        "overlap_m2": overlap_m2,
        "features_overlapping": len(overlapping),
        "points_inside": sum(1 for f in overlapping if fgeom[f].geom_type not in _POLYGONAL),
        "features_checked": int(len(fm)),
        "redline_units_affected": len(units),
        "redline_area_m2": float(redline_union.area),
    }
    overlaps = violations.drop(columns=["rule", "detail", "severity"])
    log.info("redlines: %d of %d features overlap red lines (%.1f m2)", len(overlapping), len(fm), overlap_m2)
    return CheckResult(
        "redlines", metrics=metrics, violations=violations, layers={"overlaps": overlaps},
        parameters={"metric_crs": fm.crs.to_string(), "rule": REDLINE_RULE}, warnings=warnings,
    )


def redline_change(
    old: gpd.GeoDataFrame,
    new: gpd.GeoDataFrame,
    *,
    min_piece_m2: float = 1.0,
    metric: CRSLike | None = None,
) -> CheckResult:
    """Red-line area lost, gained and the net change between two versions.

    The units of each version are dissolved (overlaps count once); ``lost`` is
    old minus new, ``gained`` new minus old, ``net_m2 = new_area_m2 - old_area_m2``
    (= ``gained_m2 - lost_m2``).  A net decrease breaks Pingdingshan's binding
    indicator "生态保护红线面积不减少" (:data:`REDLINE_AREA_RULE`): then every lost
    piece is an error naming the old unit it came from.  When gains make up for
    losses the lost pieces are listed as warnings (the plan also watches the
    function and nature of red lines, 第七章第四节).

    Parameters
    ----------
    old, new : GeoDataFrame
        The two versions of ``eco_redlines`` (``id``, ``name``, optional
        ``version``).  Not modified.
    min_piece_m2 : float, default 1.0
        Lost pieces smaller than this (digitising slivers) are not listed; the
        metrics include them.
    metric : CRS-like, optional
        Metric CRS; default the Gauss-Kruger zone of ``old``.

    Returns
    -------
    CheckResult
        Name ``"redline-change"``; metrics ``lost_m2``, ``gained_m2``, ``net_m2``,
        ``old_area_m2``, ``new_area_m2``, ``lost_pieces``; layers ``lost`` (per old
        unit) and ``gained`` (per new unit).

    Examples
    --------
    >>> import geopandas as gpd, shapely
    >>> old = gpd.GeoDataFrame({"id": ["A"]}, geometry=[shapely.box(500000, 3700000, 500100, 3700100)], crs=4547)
    >>> new = gpd.GeoDataFrame({"id": ["A"]}, geometry=[shapely.box(500000, 3700000, 500100, 3700050)], crs=4547)
    >>> m = redline_change(old, new).metrics
    >>> m["lost_m2"], m["gained_m2"], m["net_m2"]
    (5000.0, 0.0, -5000.0)
    """
    # entry checks: layers through the input gate, numeric options and the metric CRS (ecogis.gate, ecogis.crs)
    warnings: list[str] = []
    old = _gated(old, "eco_redlines", "old", warnings)
    new = _gated(new, "eco_redlines", "new", warnings)
    _check_number("min_piece_m2", min_piece_m2, minimum=0, unit="m2")
    if metric is not None:
        metric = _check_metric_crs(metric, new if isinstance(new, gpd.GeoDataFrame) else None,
                                   name="metric")
    om, nm = _metric_pair(old, new, metric, ("old red lines", "new red lines"))
    ogeom = np.array([_polygonal_part(g) for g in _valid(om.geometry.values)], dtype=object)
    ngeom = np.array([_polygonal_part(g) for g in _valid(nm.geometry.values)], dtype=object)
    old_union, new_union = _union(ogeom), _union(ngeom)
    lost = _polygonal_part(shapely.difference(old_union, new_union))
    gained = _polygonal_part(shapely.difference(new_union, old_union))
    old_area, new_area = float(old_union.area), float(new_union.area)
    net = new_area - old_area
    decrease = net < 0

    def pieces(source: gpd.GeoDataFrame, geoms: np.ndarray, change: shapely.Geometry) -> list[dict[str, Any]]:
        out = []
        if change.is_empty:
            return out
        ids, names = _ids(source).to_numpy(), _names(source).to_numpy()
        ver = source["version"].to_numpy() if "version" in source.columns else np.full(len(source), None, object)
        cand = shapely.STRtree(geoms).query(change, predicate="intersects")
        for i in sorted(int(c) for c in cand):
            piece = _polygonal_part(shapely.intersection(geoms[i], change))
            if piece.is_empty or piece.area <= 0:
                continue
            unit_area = float(geoms[i].area)
            out.append({"unit_id": ids[i], "unit_name": names[i], "version": ver[i], "area_m2": float(piece.area),
                        "share_of_unit": float(piece.area) / unit_area if unit_area > 0 else float("nan"),
                        "geometry": piece})
        return out

    lost_pieces = pieces(om, ogeom, lost)
    gained_pieces = pieces(nm, ngeom, gained)
    records = []
    for p in lost_pieces:
        if p["area_m2"] < min_piece_m2:
            continue
        records.append({
            "id": p["unit_id"], "name": p["unit_name"], "rule": REDLINE_AREA_RULE,
            "detail": (f"red-line unit {p['unit_id']} ({p['unit_name'] or '-'}) lost {p['area_m2']:,.1f} m2 "
                       f"({p['share_of_unit']:.1%} of the unit); net change of all red lines {net:,.1f} m2"
                       + ("" if decrease else " (made up by gains elsewhere; check function and nature)")),
            "severity": "error" if decrease else "warning",
            "lost_m2": p["area_m2"], "share_of_unit": p["share_of_unit"],
            "geometry": p["geometry"],
        })
    violations = violations_frame(records, crs=om.crs)

    def layer(rows: list[dict[str, Any]]) -> gpd.GeoDataFrame:
        cols = ["unit_id", "unit_name", "version", "area_m2", "share_of_unit"]
        df = pd.DataFrame([{k: r[k] for k in cols} for r in rows], columns=cols)
        return gpd.GeoDataFrame(df, geometry=gpd.GeoSeries([r["geometry"] for r in rows], crs=om.crs), crs=om.crs)

    versions = {
        "old_version": _single_version(om), "new_version": _single_version(nm),
    }
    metrics = {
        "lost_m2": float(lost.area), "gained_m2": float(gained.area), "net_m2": net,
        "old_area_m2": old_area, "new_area_m2": new_area,
        "net_share": net / old_area if old_area > 0 else None,
        "lost_pieces": len(records), "area_not_decreased": not decrease,
    }
    log.info("redline-change: lost %.1f m2, gained %.1f m2, net %.1f m2", metrics["lost_m2"],
             metrics["gained_m2"], net)
    return CheckResult(
        "redline-change", metrics=metrics, violations=violations,
        layers={"lost": layer(lost_pieces), "gained": layer(gained_pieces)},
        parameters={"min_piece_m2": min_piece_m2, "metric_crs": om.crs.to_string(), "rule": REDLINE_AREA_RULE,
                    **versions},
        warnings=warnings,
    )


def _single_version(gdf: gpd.GeoDataFrame) -> str | None:
    if "version" not in gdf.columns:
        return gdf.attrs.get("layer")
    vals = sorted({str(v) for v in gdf["version"].dropna()})
    return ", ".join(vals) if vals else gdf.attrs.get("layer")


# --- river buffers --------------------------------------------------------------------------
def river_buffers(
    facilities: gpd.GeoDataFrame,
    rivers: gpd.GeoDataFrame,
    *,
    buffer_m: float = DEFAULT_RIVER_BUFFER_M,
    kinds: Sequence[str] | None = ("livestock_farm", "enterprise"),
    metric: CRSLike | None = None,
) -> CheckResult:
    """Facilities inside the buffer strip (生态缓冲带) along rivers.

    A facility (point or footprint) whose distance to the nearest river (centre
    line or water-surface polygon) is at most ``buffer_m`` is a violation.

    Parameters
    ----------
    facilities : GeoDataFrame
        ``facilities`` layer (``id``, ``name``, ``kind``).  Not modified.
    rivers : GeoDataFrame
        ``rivers`` layer, lines or polygons (``id``, ``name``).
    buffer_m : float, default :data:`DEFAULT_RIVER_BUFFER_M` (500 m)
        Strip width on each side, metres.  Pingdingshan's plan (第五章第四节) asks
        for buffer strips along important rivers without a width; the only width
        the five plans give is Sanmenxia's "河道两侧500米左右" (三政办〔2018〕35号
        三(三)5), hence the default.  Pass the width the local delineation uses.
    kinds : sequence of str or None, default ("livestock_farm", "enterprise")
        Facility kinds checked; None checks every facility.
    metric : CRS-like, optional
        Metric CRS; default the Gauss-Kruger zone of ``facilities``.

    Returns
    -------
    CheckResult
        Name ``"river-buffers"``; metrics ``facilities_checked``,
        ``facilities_within_buffer`` and ``<kind>_within_buffer`` per kind;
        violations with ``river_id``, ``river_name``, ``distance_m``; layers
        ``buffers`` (the strip per river) and ``facilities_checked`` (with the
        distance to the nearest river).

    Examples
    --------
    >>> import geopandas as gpd, shapely
    >>> river = gpd.GeoDataFrame({"id": ["H1"], "name": ["沙河"]},
    ...                          geometry=[shapely.LineString([(500000, 3700000), (501000, 3700000)])], crs=4547)
    >>> farms = gpd.GeoDataFrame({"id": ["F1", "F2"], "kind": ["livestock_farm"] * 2},
    ...                          geometry=[shapely.Point(500500, 3700099), shapely.Point(500500, 3700101)], crs=4547)
    >>> river_buffers(farms, river, buffer_m=100).violations["id"].tolist()
    ['F1']
    """
    # entry checks: layers through the input gate, numeric options and the metric CRS (ecogis.gate, ecogis.crs)
    warnings: list[str] = []
    facilities = _gated(facilities, "facilities", "facilities", warnings)
    rivers = _gated(rivers, "rivers", "rivers", warnings)
    _check_number("buffer_m", buffer_m, minimum=0, exclusive_minimum=True, unit="metres")
    if metric is not None:
        metric = _check_metric_crs(metric, rivers if isinstance(rivers, gpd.GeoDataFrame) else None,
                                   name="metric")
    fm, rm = _metric_pair(facilities, rivers, metric, ("facilities", "rivers"))
    if kinds is not None:
        _require_columns(fm, ["kind"], "facilities")
        fm = fm[fm["kind"].isin(list(kinds))]
    fgeom = _valid(fm.geometry.values)
    rgeom = _valid(rm.geometry.values)
    rids, rnames = _ids(rm).to_numpy(), _names(rm).to_numpy()
    fids, fnames = _ids(fm).to_numpy(), _names(fm).to_numpy()
    fkind = fm["kind"].to_numpy() if "kind" in fm.columns else np.full(len(fm), None, dtype=object)
    nearest_river = np.full(len(fm), -1, dtype=int)
    distance = np.full(len(fm), np.nan)
    if len(fm) and len(rm):
        tree = shapely.STRtree(rgeom)
        fi, ri = tree.query_nearest(fgeom, all_matches=False)
        nearest_river[fi] = ri
        distance[fi] = shapely.distance(fgeom[fi], rgeom[ri])
    within = np.isfinite(distance) & (distance <= buffer_m)
    records = []
    for i in np.flatnonzero(within):
        r = nearest_river[i]
        records.append({
            "id": fids[i], "name": fnames[i], "kind": fkind[i], "rule": RIVER_BUFFER_RULE,
            "detail": (f"{fkind[i] or 'facility'} {fids[i]} ({fnames[i] or '-'}) is {distance[i]:,.1f} m from "
                       f"river {rids[r]} ({rnames[r] or '-'}), inside the {buffer_m:g} m buffer strip"),
            "river_id": rids[r], "river_name": rnames[r], "distance_m": float(distance[i]),
        })
    violations = violations_frame(records, crs=fm.crs, geometry=list(fgeom[within]))
    checked = gpd.GeoDataFrame(
        {"id": fids, "name": fnames, "kind": fkind,
         "river_id": [rids[r] if r >= 0 else None for r in nearest_river],
         "distance_m": distance, "within_buffer": within},
        geometry=gpd.GeoSeries(list(fgeom), crs=fm.crs), crs=fm.crs,
    )
    buffers = gpd.GeoDataFrame(
        {"id": rids, "name": rnames, "buffer_m": np.full(len(rm), float(buffer_m))},
        geometry=gpd.GeoSeries(list(shapely.buffer(rgeom, buffer_m)), crs=rm.crs), crs=rm.crs,
    )
    metrics: dict[str, Any] = {
        "facilities_checked": int(len(fm)),
        "facilities_within_buffer": int(within.sum()),
        "buffer_m": float(buffer_m),
    }
    for k in (kinds if kinds is not None else sorted({str(v) for v in fkind if v is not None})):
        metrics[f"{k}_within_buffer"] = int((within & (fkind == k)).sum())
    if not len(rm):
        warnings.append("rivers layer is empty: no facility can be within a buffer")
    return CheckResult(
        "river-buffers", metrics=metrics, violations=violations,
        layers={"buffers": buffers, "facilities_checked": checked},
        parameters={"buffer_m": float(buffer_m), "kinds": list(kinds) if kinds is not None else None,
                    "metric_crs": fm.crs.to_string(), "rule": RIVER_BUFFER_RULE},
        warnings=warnings,
    )


# --- control zones --------------------------------------------------------------------------
def control_zones(
    facilities: gpd.GeoDataFrame,
    zones: gpd.GeoDataFrame,
    *,
    large_site_m2: float = LARGE_SITE_M2,
    no_burn_kinds: Sequence[str] | None = None,
    metric: CRSLike | None = None,
) -> CheckResult:
    """Facilities against control zones, and large construction sites.

    * livestock farms (``kind == "livestock_farm"``) that intersect a 禁养区 are
      errors (:data:`FORBIDDEN_LIVESTOCK_RULE`);
    * livestock farms in a 限养区 are listed as warnings;
    * facilities in a 禁燃区 are listed as warnings for a fuel check
      (:data:`NO_BURN_RULE`);
    * construction sites of ``large_site_m2`` or more (``area_m2`` field, else the
      footprint area) are listed as warnings for online monitoring
      (:data:`LARGE_SITE_RULE`; "5000平方米以上" includes 5,000 m2).

    Parameters
    ----------
    facilities : GeoDataFrame
        ``facilities`` layer (``id``, ``name``, ``kind``, optional ``area_m2``);
        points or polygons.  Not modified.
    zones : GeoDataFrame
        ``control_zones`` layer (``id``, ``name``, ``zone_type`` 禁燃区/禁养区/限养区).
    large_site_m2 : float, default 5000.0
        Construction-site area from which monitoring is required, m2.
    no_burn_kinds : sequence of str, optional
        Facility kinds listed in 禁燃区; default every kind.
    metric : CRS-like, optional
        Metric CRS; default the Gauss-Kruger zone of ``facilities``.

    Returns
    -------
    CheckResult
        Name ``"control-zones"``; metrics ``livestock_in_forbidden_zone``,
        ``livestock_in_restricted_zone``, ``facilities_in_no_burn_zone``,
        ``large_construction_sites``, ``construction_sites_without_area``,
        ``violations``.  A metric whose zone type is absent from ``zones`` is
        reported in ``not_measurable`` instead.

    Examples
    --------
    >>> import geopandas as gpd, shapely
    >>> zone = gpd.GeoDataFrame({"id": ["Z1"], "name": ["禁养区"], "zone_type": ["禁养区"]},
    ...                         geometry=[shapely.box(500000, 3700000, 500100, 3700100)], crs=4547)
    >>> farms = gpd.GeoDataFrame({"id": ["F1", "F2"], "kind": ["livestock_farm"] * 2},
    ...                          geometry=[shapely.Point(500099, 3700050), shapely.Point(500101, 3700050)], crs=4547)
    >>> control_zones(farms, zone).metrics["livestock_in_forbidden_zone"]
    1
    """
    # entry checks: layers through the input gate, numeric options and the metric CRS (ecogis.gate, ecogis.crs)
    warnings: list[str] = []
    facilities = _gated(facilities, "facilities", "facilities", warnings)
    zones = _gated(zones, "control_zones", "zones", warnings)
    _check_number("large_site_m2", large_site_m2, minimum=0, unit="m2")
    if metric is not None:
        metric = _check_metric_crs(metric, zones if isinstance(zones, gpd.GeoDataFrame) else None,
                                   name="metric")
    fm, zm = _metric_pair(facilities, zones, metric, ("facilities", "control zones"))
    _require_columns(fm, ["kind"], "facilities")
    _require_columns(zm, ["zone_type"], "control zones")
    fgeom = _valid(fm.geometry.values)
    zgeom = _valid(zm.geometry.values)
    fids, fnames = _ids(fm).to_numpy(), _names(fm).to_numpy()
    fkind = fm["kind"].to_numpy()
    zids, znames, ztype = _ids(zm).to_numpy(), _names(zm).to_numpy(), zm["zone_type"].to_numpy()

    records: list[dict[str, Any]] = []
    geoms: list[shapely.Geometry] = []
    metrics: dict[str, Any] = {"facilities_checked": int(len(fm))}
    not_measurable: dict[str, str] = {}
    pairs: dict[int, list[int]] = {}
    if len(fm) and len(zm):
        fi, zi = shapely.STRtree(zgeom).query(fgeom, predicate="intersects")
        for f, z in zip(fi, zi):
            pairs.setdefault(int(f), []).append(int(z))

    def zone_check(zone_type: str, metric_name: str, kind_ok, rule: str, severity: str, what: str) -> None:
        if not (ztype == zone_type).any():
            not_measurable[metric_name] = f"control_zones has no {zone_type} feature"
            return
        n = 0
        for f in range(len(fm)):
            if not kind_ok(fkind[f]):
                continue
            hits = [z for z in pairs.get(f, []) if ztype[z] == zone_type]
            if not hits:
                continue
            n += 1
            zone_desc = ", ".join(f"{zids[z]} ({znames[z] or '-'})" for z in hits)
            records.append({
                "id": fids[f], "name": fnames[f], "kind": fkind[f], "rule": rule, "severity": severity,
                "detail": f"{fkind[f]} {fids[f]} ({fnames[f] or '-'}) {what} {zone_type} {zone_desc}",
                "zone_type": zone_type, "zone_id": zids[hits[0]], "zone_name": znames[hits[0]], "area_m2": None,
            })
            geoms.append(fgeom[f])
        metrics[metric_name] = n

    zone_check("禁养区", "livestock_in_forbidden_zone", lambda k: k == "livestock_farm",
               FORBIDDEN_LIVESTOCK_RULE, "error", "is inside")
    zone_check("限养区", "livestock_in_restricted_zone", lambda k: k == "livestock_farm",
               RESTRICTED_LIVESTOCK_RULE, "warning", "is inside")
    burn_kinds = None if no_burn_kinds is None else set(no_burn_kinds)
    zone_check("禁燃区", "facilities_in_no_burn_zone", lambda k: burn_kinds is None or k in burn_kinds,
               NO_BURN_RULE, "warning", "is inside; check it burns no high-polluting fuel:")

    # construction sites: area from the field, else from the footprint
    sites = np.flatnonzero(fkind == "construction_site")
    field_area = (pd.to_numeric(fm["area_m2"], errors="coerce").to_numpy() if "area_m2" in fm.columns
                  else np.full(len(fm), np.nan))
    n_large, n_unknown = 0, 0
    for f in sites:
        area = field_area[f]
        source = "area_m2 field"
        if not np.isfinite(area):
            if fgeom[f] is not None and fgeom[f].geom_type in _POLYGONAL:
                area, source = float(fgeom[f].area), "footprint"
            else:
                n_unknown += 1
                continue
        if area >= large_site_m2:
            n_large += 1
            records.append({
                "id": fids[f], "name": fnames[f], "kind": fkind[f], "rule": LARGE_SITE_RULE, "severity": "warning",
                "detail": (f"construction site {fids[f]} ({fnames[f] or '-'}) covers {area:,.1f} m2 ({source}) "
                           f">= {large_site_m2:,.0f} m2: online monitoring and video required"),
                "zone_type": None, "zone_id": None, "zone_name": None, "area_m2": float(area),
            })
            geoms.append(fgeom[f])
    metrics["large_construction_sites"] = n_large
    metrics["construction_sites_without_area"] = n_unknown
    violations = violations_frame(records, crs=fm.crs, geometry=geoms)
    metrics["violations"] = int((violations["severity"] == "error").sum()) if len(violations) else 0
    if n_unknown:
        warnings.append(f"{n_unknown} construction site(s) are points without area_m2: size unknown, not listed")
    return CheckResult(
        "control-zones", metrics=metrics, violations=violations,
        layers={"zones": gpd.GeoDataFrame(zm[[c for c in ("id", "name", "zone_type") if c in zm.columns]],
                                          geometry=gpd.GeoSeries(list(zgeom), crs=zm.crs, index=zm.index),
                                          crs=zm.crs)},
        parameters={"large_site_m2": float(large_site_m2),
                    "no_burn_kinds": sorted(burn_kinds) if burn_kinds is not None else None,
                    "metric_crs": fm.crs.to_string()},
        warnings=warnings, not_measurable=not_measurable,
    )


def coal_boilers_near_chp(
    facilities: gpd.GeoDataFrame,
    *,
    radius_m: float = 30_000.0,
    min_chp_mw: float = 300.0,
    metric: CRSLike | None = None,
) -> CheckResult:
    """Coal boilers within the heating radius of large combined heat-and-power plants.

    Luohe's air plan (漯政〔2024〕6号 三(三)) shuts or merges, by 2025, the coal
    boilers within 30 km of CHP plants of 300 MW (30万千瓦) or more; Sanmenxia's
    (三政办〔2018〕35号 二(一)6) those within 15 km, by 2020.  Each boiler
    (``kind == "coal_boiler"``) within ``radius_m`` of an eligible plant
    (``kind == "chp_plant"`` with ``capacity_mw`` >= ``min_chp_mw``) is an error.

    Parameters
    ----------
    facilities : GeoDataFrame
        ``facilities`` layer with ``kind`` and, for plants, ``capacity_mw``.  Not modified.
    radius_m : float, default 30000
        Heating radius, m (distance from the plant to the boiler, straight line).
    min_chp_mw : float, default 300
        Smallest plant that counts, MW.  Plants without ``capacity_mw`` count, with
        a warning.
    metric : CRS-like, optional
        Metric CRS; default the Gauss-Kruger zone of ``facilities``.

    Returns
    -------
    CheckResult
        Name ``"boilers"``; metrics ``coal_boilers_near_chp``, ``coal_boilers_total``,
        ``chp_plants``; layer ``chp_radius`` (the plants' heating circles).

    Raises
    ------
    NotMeasurableError
        When the layer has no CHP plant of the size (nothing to measure from).

    Examples
    --------
    >>> import geopandas as gpd, shapely
    >>> f = gpd.GeoDataFrame({"id": ["P", "B1", "B2"], "kind": ["chp_plant", "coal_boiler", "coal_boiler"],
    ...                       "capacity_mw": [350.0, None, None]},
    ...                      geometry=[shapely.Point(500000, 3700000), shapely.Point(500000, 3729000),
    ...                                shapely.Point(500000, 3731000)], crs=4547)
    >>> coal_boilers_near_chp(f).metrics["coal_boilers_near_chp"]
    1
    """
    # entry checks: layers through the input gate, numeric options and the metric CRS (ecogis.gate, ecogis.crs)
    warnings: list[str] = []
    facilities = _gated(facilities, "facilities", "facilities", warnings)
    _check_number("radius_m", radius_m, minimum=0, exclusive_minimum=True, unit="metres")
    _check_number("min_chp_mw", min_chp_mw, minimum=0, unit="MW")
    if metric is not None:
        metric = _check_metric_crs(metric, facilities if isinstance(facilities, gpd.GeoDataFrame) else None,
                                   name="metric")
    fm = to_metric(facilities, metric)
    _require_columns(fm, ["kind"], "facilities")
    kind = fm["kind"].astype("string").to_numpy()
    geom = _valid(fm.geometry.values)
    ids, names = _ids(fm).to_numpy(), _names(fm).to_numpy()
    plants = np.flatnonzero(kind == "chp_plant")
    if "capacity_mw" in fm.columns:
        cap = pd.to_numeric(fm["capacity_mw"], errors="coerce").to_numpy(dtype=float)
    else:
        cap = np.full(len(fm), np.nan)
    unknown = plants[~np.isfinite(cap[plants])]
    if unknown.size:
        warnings.append(f"{unknown.size} CHP plant(s) without capacity_mw counted as {min_chp_mw:g} MW or more: "
                        f"{', '.join(map(str, ids[unknown][:10]))}")
    eligible = plants[~(np.isfinite(cap[plants]) & (cap[plants] < min_chp_mw))]
    rule = CHP_BOILER_RULE.format(radius_km=radius_m / 1000.0)
    if eligible.size == 0:
        why = (f"layer 'facilities' has no CHP plant (kind 'chp_plant', 热电联产电厂) of {min_chp_mw:g} MW or more"
               + (f"; it has {plants.size} smaller one(s)" if plants.size else ""))
        raise NotMeasurableError(why, reasons={"coal_boilers_near_chp": why})
    boilers = np.flatnonzero(kind == "coal_boiler")
    circles = shapely.buffer(geom[eligible], radius_m, quad_segs=32)
    records: list[dict[str, Any]] = []
    rec_geoms: list[shapely.Geometry] = []
    if boilers.size:
        dist = shapely.distance(geom[boilers][:, None], geom[eligible][None, :])
        nearest = np.argmin(dist, axis=1)
        for i, b in enumerate(boilers):
            d = float(dist[i, nearest[i]])
            if d <= radius_m:
                p = eligible[nearest[i]]
                records.append({
                    "id": ids[b], "name": names[b], "rule": rule,
                    "detail": (f"coal boiler {ids[b]} ({names[b] or '-'}) is {d / 1000:,.2f} km from CHP plant "
                               f"{ids[p]} ({names[p] or '-'}), within {radius_m / 1000:g} km"),
                    "distance_m": d, "chp_id": ids[p],
                })
                rec_geoms.append(geom[b])
    violations = violations_frame(records, crs=fm.crs, geometry=rec_geoms)
    radius_layer = gpd.GeoDataFrame({"id": ids[eligible], "name": names[eligible],
                                     "capacity_mw": cap[eligible], "radius_m": float(radius_m)},
                                    geometry=gpd.GeoSeries(list(circles), crs=fm.crs), crs=fm.crs)
    return CheckResult(
        "boilers",
        metrics={"coal_boilers_near_chp": len(records), "coal_boilers_total": int(boilers.size),
                 "chp_plants": int(eligible.size)},
        violations=violations, layers={"chp_radius": radius_layer},
        parameters={"radius_m": float(radius_m), "min_chp_mw": float(min_chp_mw), "rule": rule,
                    "metric_crs": fm.crs.to_string(), "distance": "straight line, plant to boiler"},
        warnings=warnings,
    )


def find_previous_redlines(directory: str | os.PathLike) -> tuple[Path, str | None] | None:
    """Where an earlier red-line version lies beside a layer set, or None.

    ``eco_redlines_<version>.gpkg`` files first (the earliest version by name),
    then a layer ``eco_redlines_<version>`` inside one of the directory's GeoPackages.

    Returns
    -------
    (Path, str or None) or None
        The file and the layer inside it (None: the file's only layer).
    """
    from ecogis.io import list_layers

    root = Path(directory)
    files = sorted(root.glob("eco_redlines_*.gpkg"))
    if files:
        return files[0], None
    for gpkg in sorted(root.glob("*.gpkg")):
        olds = sorted(n for n in list_layers(gpkg) if n.startswith("eco_redlines_"))
        if olds:
            return gpkg, olds[0]
    return None
