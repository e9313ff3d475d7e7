"""Sewer mains (雨污分流) and treatment facilities at township seats.

Two questions the plans ask of the drainage network:

* :func:`sewer_reach`: the share of an area (the built-up area) within a distance of a
  separated sewer main (雨污分流管网) - where a building could connect to one;
* :func:`townships_with_facility`: the townships (study_area scope 乡镇) with a sewage
  treatment facility inside them (Xingyang, 荥政办〔2024〕1号 三(五)10: "确保乡镇政府驻地基本实现
  生活污水处理设施全覆盖"); a township's polygon stands for its seat when the seat is not mapped.

The reach is the area of the union of polygon buffers of the mains (round joins and
ends, ``quad_segs`` segments per quarter circle) inside the area; the polygon buffer
misses at most ``d (1 - cos(pi / (4 quad_segs)))`` of width at bends and ends (0.12 %
of the distance at 16 segments), and is exact along straight mains.

Examples
--------
>>> import geopandas as gpd, shapely
>>> area = gpd.GeoDataFrame({"name": ["建成区"]}, geometry=[shapely.box(500000, 3700000, 504000, 3702000)],
...                         crs=4547)
>>> mains = gpd.GeoDataFrame({"id": ["M1"], "separated": [True]},
...                          geometry=[shapely.LineString([(499900, 3701000), (504100, 3701000)])], crs=4547)
>>> round(sewer_reach(mains, area, distance_m=500).metrics["share_within"], 6)
0.5
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
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

__all__ = ["TOWNSHIP_PLANT_RULE", "SEPARATED_RULE", "sewer_reach", "townships_with_facility"]

log = logging.getLogger(__name__)

TOWNSHIP_PLANT_RULE = (
    "荥政办〔2024〕1号 三(五)10: 推进乡镇政府驻地污水处理设施建设……确保乡镇政府驻地基本实现生活污水处理设施全覆盖"
)
SEPARATED_RULE = "雨污分流: 城市建成区排水管网雨污分流改造 (the plan's clause)"


def _polygon_union(gdf: gpd.GeoDataFrame) -> shapely.Geometry:
    geoms = np.asarray(gdf.geometry.values, dtype=object)
    geoms = geoms[~shapely.is_missing(geoms) & ~shapely.is_empty(geoms)]
    return shapely.union_all(shapely.make_valid(geoms)) if len(geoms) else shapely.Polygon()


def sewer_reach(
    sewers: gpd.GeoDataFrame,
    area: gpd.GeoDataFrame,
    *,
    distance_m: float = 500.0,
    quad_segs: int = 16,
    metric: CRSLike | None = None,
) -> CheckResult:
    """Share of an area within ``distance_m`` of a separated sewer main.

    Parameters
    ----------
    sewers : GeoDataFrame
        ``sewers`` layer: lines with ``separated`` (True: 雨污分流, False: 合流).  Not modified.
    area : GeoDataFrame
        The area (the built-up area's study-area feature); its features are dissolved.
    distance_m : float, default 500
        Reach of a main, m (straight line).
    quad_segs : int, default 16
        Segments per quarter circle of the buffers.
    metric : CRS-like, optional
        Metric CRS; default the Gauss-Kruger zone of ``area``.

    Returns
    -------
    CheckResult
        Name ``"sewers"``; metrics ``area_m2``, ``within_m2``, ``share_within`` (separated mains),
        ``share_within_any`` (every main, separated or not), ``separated_km``, ``combined_km``,
        ``unknown_km`` (no status; not counted as separated); layer ``sewer_reach``.
    """
    # entry checks: layers through the input gate, numeric options and the metric CRS (ecogis.gate, ecogis.crs)
    warnings: list[str] = []
    sewers = _gated(sewers, "sewers", "sewers", warnings)
    area = _gated(area, None, "area", warnings)
    _check_number("distance_m", distance_m, minimum=0, exclusive_minimum=True, unit="metres")
    _check_number("quad_segs", quad_segs, minimum=1, unit="segments")
    for what, g in (("sewers", sewers), ("area", area)):
        if not isinstance(g, gpd.GeoDataFrame) or g.crs is None:
            raise InputError(f"{what} was not a GeoDataFrame with a CRS")
    if metric is not None:
        metric = _check_metric_crs(metric, area, name="metric")
    if "separated" not in sewers.columns:
        raise NotMeasurableError("sewers has no field 'separated' (雨污分流: True / False, 分流 / 合流); add it")
    am = to_metric(area, metric)
    sm = to_metric(sewers, am.crs)
    region = _polygon_union(am)
    if region.is_empty or region.area <= 0:
        raise NotMeasurableError("the area is empty: nothing to measure the sewer reach in")
    flag = sm["separated"].map(lambda v: None if v is None or v is pd.NA or (isinstance(v, float) and np.isnan(v))
                               else v)
    odd = sorted({str(v) for v in flag if v is not None and not isinstance(v, (bool, np.bool_))})
    if odd:
        raise InputError(f"sewers separated has value(s) {odd}; expected True / False (分流 / 合流, 是 / 否)")
    geoms = np.asarray(sm.geometry.values, dtype=object)
    ok = ~shapely.is_missing(geoms) & ~shapely.is_empty(geoms)
    sep = ok & flag.map(lambda v: v is True or v is np.True_).to_numpy(dtype=bool)
    comb = ok & flag.map(lambda v: v is False or v is np.False_).to_numpy(dtype=bool)
    unknown = ok & ~sep & ~comb
    lengths = shapely.length(geoms[ok]) if ok.any() else np.zeros(0)
    length = np.zeros(len(geoms))
    length[ok] = lengths
    if not (sep | comb).any():
        why = (f"none of the {int(ok.sum())} sewer main(s) has a 雨污分流 status (separated True / False): the share "
               "within reach of separated mains is unknown, not 0")
        raise NotMeasurableError(why, reasons={"share_within": why, "separated_km": why, "combined_km": why})
    if unknown.any():
        warnings.append(f"{int(unknown.sum())} sewer main(s), {length[unknown].sum() / 1000:,.2f} km, have no "
                        "雨污分流 status and do not count as separated: share_within is a lower bound")

    def reach(mask: np.ndarray) -> shapely.Geometry:
        if not mask.any():
            return shapely.Polygon()
        buf = shapely.buffer(geoms[mask], distance_m, quad_segs=int(quad_segs))
        return shapely.intersection(shapely.union_all(buf), region)

    within = reach(sep)
    within_any = reach(ok)
    a = float(region.area)
    metrics: dict[str, Any] = {
        "area_m2": a, "within_m2": float(within.area), "share_within": float(within.area) / a,
        "share_within_any": float(within_any.area) / a,
        "separated_km": float(length[sep].sum() / 1000), "combined_km": float(length[comb].sum() / 1000),
        "unknown_km": float(length[unknown].sum() / 1000),
    }
    if not sep.any():
        warnings.append("no separated (雨污分流) main in the sewers layer: the share within reach is 0")
    layer = gpd.GeoDataFrame({"distance_m": [float(distance_m)]}, geometry=gpd.GeoSeries([within], crs=am.crs),
                             crs=am.crs)
    return CheckResult(
        "sewers", metrics=metrics, violations=violations_frame([], crs=am.crs), layers={"sewer_reach": layer},
        parameters={"distance_m": float(distance_m), "quad_segs": int(quad_segs), "metric_crs": am.crs.to_string(),
                    "method": f"union of polygon buffers ({int(quad_segs)} segments per quarter circle) inside the "
                              f"area; at most {distance_m * (1 - np.cos(np.pi / (4 * int(quad_segs)))):.2f} m of "
                              "width missed at bends and ends"},
        warnings=warnings,
    )


def townships_with_facility(
    townships: gpd.GeoDataFrame,
    facilities: gpd.GeoDataFrame,
    *,
    kinds: Sequence[str] = ("sewage_plant",),
    metric: CRSLike | None = None,
) -> CheckResult:
    """Townships with at least one facility of the kinds inside (a point on the edge counts).

    Parameters
    ----------
    townships : GeoDataFrame
        Township polygons (study_area features of scope 乡镇) with ``id``, ``name``.
    facilities : GeoDataFrame
        ``facilities`` with ``kind``.
    kinds : sequence of str, default ``("sewage_plant",)``
        Facility kinds that count (污水处理厂 / 污水处理设施).
    metric : CRS-like, optional
        Metric CRS; default the Gauss-Kruger zone of ``townships``.

    Returns
    -------
    CheckResult
        Name ``"sewers"``; metrics ``townships_total``, ``townships_with_plant``, ``townships_without_plant``,
        ``share_townships_with_plant``; each township without one is an error; layer ``townships``.

    Examples
    --------
    >>> import geopandas as gpd, shapely
    >>> t = gpd.GeoDataFrame({"id": ["T1", "T2"], "name": ["甲镇", "乙乡"]},
    ...                      geometry=[shapely.box(500000, 3700000, 501000, 3701000),
    ...                                shapely.box(501000, 3700000, 502000, 3701000)], crs=4547)
    >>> f = gpd.GeoDataFrame({"id": ["P"], "kind": ["sewage_plant"]}, geometry=[shapely.Point(500500, 3700500)],
    ...                      crs=4547)
    >>> townships_with_facility(t, f).metrics["townships_with_plant"]
    1
    """
    warnings: list[str] = []
    townships = _gated(townships, None, "townships", warnings)
    facilities = _gated(facilities, "facilities", "facilities", warnings)
    for what, g in (("townships", townships), ("facilities", facilities)):
        if not isinstance(g, gpd.GeoDataFrame) or g.crs is None:
            raise InputError(f"{what} was not a GeoDataFrame with a CRS")
    if metric is not None:
        metric = _check_metric_crs(metric, townships, name="metric")
    if "kind" not in facilities.columns:
        raise NotMeasurableError("facilities has no field 'kind'; add it")
    tm = to_metric(townships, metric)
    fm = to_metric(facilities, tm.crs)
    if len(tm) == 0:
        raise NotMeasurableError("no township (study_area feature of scope 乡镇) to count")
    plants = fm[fm["kind"].astype(object).isin(list(kinds))]
    pgeom = np.asarray(plants.geometry.values, dtype=object)
    pgeom = pgeom[~shapely.is_missing(pgeom) & ~shapely.is_empty(pgeom)]
    tgeom = shapely.make_valid(np.asarray(tm.geometry.values, dtype=object))
    has = np.zeros(len(tm), dtype=bool)
    count = np.zeros(len(tm), dtype=int)
    if len(pgeom):
        ti, _ = shapely.STRtree(pgeom).query(tgeom, predicate="intersects")
        np.add.at(count, ti, 1)
        has = count > 0
    ids = tm["id"].astype(str).to_numpy() if "id" in tm.columns else np.array([str(i) for i in tm.index])
    names = tm["name"].astype(object).to_numpy() if "name" in tm.columns else np.full(len(tm), None, object)
    records = [{"id": ids[i], "name": names[i], "rule": TOWNSHIP_PLANT_RULE,
                "detail": f"township {ids[i]} ({names[i] or '-'}) has no {' / '.join(kinds)} inside it",
                "severity": "error"} for i in np.flatnonzero(~has)]
    violations = violations_frame(records, crs=tm.crs, geometry=list(tgeom[~has]))
    n = len(tm)
    layer = gpd.GeoDataFrame({"id": ids, "name": names, "has_plant": has, "plants": count},
                             geometry=gpd.GeoSeries(list(tgeom), crs=tm.crs), crs=tm.crs)
    return CheckResult(
        "sewers",
        metrics={"townships_total": n, "townships_with_plant": int(has.sum()),
                 "townships_without_plant": int(n - has.sum()), "share_townships_with_plant": float(has.sum()) / n},
        violations=violations, layers={"townships": layer},
        parameters={"plant_kinds": list(kinds), "rule": TOWNSHIP_PLANT_RULE,
                    "township_seat": "the township's polygon stands for its seat (乡镇政府驻地)"},
        warnings=warnings,
    )
