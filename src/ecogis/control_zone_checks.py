"""Control zones (禁燃区 / 禁养区 / 限养区) and coal boilers within the heating radius of CHP plants.

Part of :mod:`ecogis.ecology`, which re-exports the public names.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from ecogis.crs import CRSLike, to_metric
from ecogis.crs import check_metric_crs as _check_metric_crs
from ecogis.errors import NotMeasurableError
from ecogis.feature_geometry import _POLYGONAL, _ids, _metric_pair, _names, _require_columns, _valid
from ecogis.gate import check_number as _check_number
from ecogis.gate import gated as _gated
from ecogis.result import CheckResult, violations_frame

__all__ = [
    "FORBIDDEN_LIVESTOCK_RULE",
    "RESTRICTED_LIVESTOCK_RULE",
    "NO_BURN_RULE",
    "LARGE_SITE_RULE",
    "LARGE_SITE_M2",
    "control_zones",
    "CHP_BOILER_RULE",
    "coal_boilers_near_chp",
]


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
