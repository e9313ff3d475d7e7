"""Ecological red lines (生态保护红线): overlaps of projects and facilities, and area change between versions.

Part of :mod:`ecogis.ecology`, which re-exports the public names.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import shapely

from ecogis.area_change import REDLINE_AREA_RULE, area_change, find_previous_version
from ecogis.crs import CRSLike
from ecogis.crs import check_metric_crs as _check_metric_crs
from ecogis.feature_geometry import (
    _POLYGONAL,
    _combine_features,
    _gated_features,
    _ids,
    _metric_pair,
    _names,
    _polygonal_part,
    _union,
    _valid,
)
from ecogis.gate import gated as _gated
from ecogis.result import CheckResult, violations_frame

__all__ = [
    "find_previous_redlines",
    "REDLINE_RULE",
    "REDLINE_AREA_RULE",
    "redline_overlap",
    "redline_change",
]

log = logging.getLogger(__name__)


#: national red-line regime: what may happen inside a red line
REDLINE_RULE = (
    "中共中央办公厅、国务院办公厅《关于在国土空间规划中统筹划定落实三条控制线的指导意见》(2019年11月) "
    "二(一): 生态保护红线内，自然保护地核心保护区原则上禁止人为活动，其他区域严格禁止开发性、生产性建设活动"
)




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
    function and nature of red lines, 第七章第四节).  It is
    :func:`ecogis.area_change.area_change` on ``eco_redlines`` with that rule.

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
    return area_change(old, new, kind="eco_redlines", min_piece_m2=min_piece_m2, metric=metric,
                       rule=REDLINE_AREA_RULE, name="redline-change")


def find_previous_redlines(directory: str | os.PathLike) -> tuple[Path, str | None] | None:
    """Where an earlier red-line version lies beside a layer set, or None.

    ``eco_redlines_<version>.gpkg`` files first (the earliest version by name),
    then a layer ``eco_redlines_<version>`` inside one of the directory's GeoPackages.

    Returns
    -------
    (Path, str or None) or None
        The file and the layer inside it (None: the file's only layer).
    """
    return find_previous_version(directory, "eco_redlines")
