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

The red-line checks live in :mod:`ecogis.redline_checks`, the control zones and coal boilers in
:mod:`ecogis.control_zone_checks`, the helpers they share in :mod:`ecogis.feature_geometry`; this
module keeps the river buffers and re-exports the rest, so ``ecogis.ecology.*`` stays the public API.

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
from collections.abc import Sequence
from typing import Any

import geopandas as gpd
import numpy as np
import shapely

from ecogis.control_zone_checks import (
    CHP_BOILER_RULE,
    FORBIDDEN_LIVESTOCK_RULE,
    LARGE_SITE_M2,
    LARGE_SITE_RULE,
    NO_BURN_RULE,
    RESTRICTED_LIVESTOCK_RULE,
    coal_boilers_near_chp,
    control_zones,
)
from ecogis.crs import CRSLike
from ecogis.crs import check_metric_crs as _check_metric_crs
from ecogis.feature_geometry import _ids, _metric_pair, _names, _require_columns, _valid
from ecogis.gate import check_number as _check_number
from ecogis.gate import gated as _gated
from ecogis.redline_checks import (
    REDLINE_AREA_RULE,
    REDLINE_RULE,
    find_previous_redlines,
    redline_change,
    redline_overlap,
)
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
#: default width of the river buffer strip, metres (see :data:`RIVER_BUFFER_RULE`)
DEFAULT_RIVER_BUFFER_M = 500.0
#: rule of the river buffer check; the width is the one figure the five plans give
RIVER_BUFFER_RULE = (
    "平顶山市“十四五”生态环境保护和生态经济发展规划 第五章第四节: 在重要河流干流、重要支流和重要湖泊周边划定"
    "生态缓冲带，对不符合保护要求的人类活动进行整治; 宽度据三政办〔2018〕35号《三门峡市污染防治攻坚战三年行动计划"
    "(2018—2020年)》三(三)5: 河道两侧500米左右范围问题的排查整治"
)


# --- the input gate -----------------------------------------------------------------------


# --- helpers ------------------------------------------------------------------------------


# --- red lines ------------------------------------------------------------------------------


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


