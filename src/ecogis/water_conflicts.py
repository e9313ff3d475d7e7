"""Facilities inside drinking-water protection zones, each with the article of the Water Pollution
Prevention and Control Law it breaks, and the ``water-sources`` check.

Part of :mod:`ecogis.water`, which re-exports the public names.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
import shapely.ops

from ecogis.crs import check_metric_crs as _check_metric_crs
from ecogis.crs import metric_crs as _metric_crs
from ecogis.crs import to_metric
from ecogis.errors import InputError, NotMeasurableError
from ecogis.gate import check_number as _check_number
from ecogis.gate import gated as _gated
from ecogis.protection_zones import delineate_protection_zones
from ecogis.result import CheckResult, violations_frame
from ecogis.water_rules import hj338_unconfirmed_warnings

__all__ = [
    "LAW",
    "LAW_RULES",
    "DEFAULT_POLLUTING_KINDS",
    "protection_conflicts",
    "water_sources_check",
]


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
    _check_conflict_layers(facilities, zones)
    crs = metric_crs if metric_crs is not None else _metric_crs(zones)
    z = to_metric(zones, crs).reset_index(drop=True)
    f = to_metric(facilities, crs).reset_index(drop=True)
    z = z[z.geometry.notna() & ~z.geometry.is_empty].reset_index(drop=True)
    kind = f["kind"].astype(object)
    supply = _flag(f, "water_supply_related", kind.eq("water_works"))
    polluting = _flag(f, "polluting", kind.isin(polluting_kinds))

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
        facts = (kind.iloc[fi], supply.iloc[fi], polluting.iloc[fi])  # what the articles ask of a facility
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
            rule = _broken_rule(*facts, level)
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
        outside = sorted((dists[zi], zi) for zi in cand if _broken_rule(*facts, z["level"].iloc[zi]) is not None)
        if outside:
            d, zi = outside[0]
            level = z["level"].iloc[zi]
            rule = _broken_rule(*facts, level)
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


def _check_conflict_layers(facilities: gpd.GeoDataFrame | None, zones: gpd.GeoDataFrame | None) -> None:
    """Both layers present, with the fields the check reads, and zone levels it knows."""
    for name, layer, need in (("facilities", facilities, ("id", "kind")), ("protection_zones", zones, ("id", "level"))):
        if layer is None:
            raise NotMeasurableError(f"layer {name!r} missing; the water-sources check needs it")
        missing = [c for c in need if c not in layer.columns]
        if missing:
            raise NotMeasurableError(f"layer {name!r} lacks field(s) {missing}; add them (see `ecogis layers`)")
    bad = sorted(set(zones["level"].dropna()) - set(_LEVEL_ORDER))
    if bad:
        raise InputError(f"protection_zones level has value(s) {bad}; expected one of {list(_LEVEL_ORDER)}")


def _broken_rule(kind: Any, water_supply_related: bool, polluting: bool, level: str) -> str | None:
    """The article a facility breaks in a zone of ``level``; None when the law allows it there."""
    if kind == "outfall":
        return "WPPCL-64-outfall"
    if level == "一级" and not water_supply_related:
        return "WPPCL-65-first-level"
    if level == "二级" and polluting:
        return "WPPCL-66-second-level"
    if level == "准保护区" and polluting:
        return "WPPCL-67-quasi"
    return None


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
    # sources given explicitly are delineated: the layer set's zones belong to its own sources, not these
    z = pick(zones, "protection_zones") if zones is not None or sources is None else None
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
