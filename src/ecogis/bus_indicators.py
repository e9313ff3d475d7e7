"""Bus indicators from layer attributes only: bus-lane km, harbour-style stops, accessible platforms, priority.

漯政办〔2023〕22号 二、(二)3 (:mod:`ecogis.transit_plan`): at least 30 km of new bus
lanes, harbour-style stops at 32 % or more, accessible platforms at 20 % or more
and bus priority at 20 % or more of arterial intersections.  No geometry engine:
:func:`bus_indicators` counts the attributes the layers carry.

Examples
--------
>>> import geopandas as gpd, shapely
>>> st = gpd.GeoDataFrame({"harbour": [True, False, False, False]},
...                       geometry=[shapely.Point(i, 0) for i in range(4)], crs=4547)
>>> bus_indicators(stops=st).metrics["harbour_stop_share"]
0.25
"""

from __future__ import annotations

from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from ecogis.catalogue import _to_bool
from ecogis.crs import CRSLike, to_metric
from ecogis.errors import InputError, NotMeasurableError
from ecogis.gate import check_layer
from ecogis.result import CheckResult, violations_frame
from ecogis.transit_plan import BUS_LANE_RULE, FACILITY_RULE, TARGETS_2025

__all__ = ["bus_indicators"]

# --- shares ------------------------------------------------------------
def _bools(series: pd.Series) -> pd.Series:
    """True / False / None from a bool-ish column."""

    conv = _to_bool(series)
    return conv.map(lambda v: v if isinstance(v, (bool, np.bool_)) else None)


def _share(layer: gpd.GeoDataFrame | None, field: str, kind: str, metric: str, not_measurable: dict[str, str],
           warnings: list[str], where: pd.Series | None = None) -> float | None:
    if layer is None:
        not_measurable[metric] = f"layer '{kind}' missing"
        return None
    if field not in layer.columns:
        not_measurable[metric] = f"field '{field}' missing in layer '{kind}'"
        return None
    values = _bools(layer[field])
    if where is not None:
        values = values[where.to_numpy()]
    known = values.dropna()
    if known.empty:
        not_measurable[metric] = f"field '{field}' of layer '{kind}' is empty"
        return None
    if len(known) < len(values):
        warnings.append(f"{metric}: {len(values) - len(known)} of {len(values)} {kind} have no '{field}' value "
                        f"and are left out of the share")
    return float(known.astype(bool).mean())


def bus_indicators(
    *,
    stops: gpd.GeoDataFrame | None = None,
    routes: gpd.GeoDataFrame | None = None,
    roads: gpd.GeoDataFrame | None = None,
    intersections: gpd.GeoDataFrame | None = None,
    metric_crs: CRSLike | None = None,
    targets: dict[str, float] | None = None,
) -> CheckResult:
    """The plan's facility indicators from layer attributes; never invented.

    * ``bus_lane_km``: length of streets with ``bus_lane`` true in ``roads``
      (else of ``bus_routes`` pieces with ``bus_lane`` true, overlapping routes
      counted once).  The plan's target is 30 km of **new** lanes (二、(二)3; task 三、(三)1); the
      layers carry no construction date, so the total is reported and the
      target is a violation only when even the total falls short.
    * ``harbour_stop_share``: stops with ``harbour`` true (target ≥ 32 %).
    * ``bus_lines``: distinct ``name`` values of ``bus_routes`` (a line drawn in
      several pieces counts once; target: 35 lines by 2025, 三、(四)2).
    * ``accessible_platform_share``: stops with ``accessible`` true (≥ 20 %).
    * ``priority_intersection_share``: intersections with ``arterial`` true that
      have ``bus_priority`` true (≥ 20 % of arterial intersections).

    A missing layer or field puts the metric in ``not_measurable`` with the
    reason ("layer 'intersections' missing", "field 'harbour' missing in layer
    'bus_stops'").

    Parameters
    ----------
    stops, routes, roads, intersections : GeoDataFrame, optional
        The catalogue layers bus_stops, bus_routes, roads, intersections.
    metric_crs : CRS-like, optional
        Metric CRS for lengths.
    targets : dict, optional
        Replace targets (keys of :data:`TARGETS_2025`).

    Returns
    -------
    CheckResult
        Named ``"bus-indicators"``; one violation per indicator below target.

    Examples
    --------
    >>> import geopandas as gpd, shapely
    >>> st = gpd.GeoDataFrame({"harbour": [True, False, False, False]},
    ...                       geometry=[shapely.Point(i, 0) for i in range(4)], crs=4547)
    >>> r = bus_indicators(stops=st)
    >>> r.metrics["harbour_stop_share"], r.not_measurable["accessible_platform_share"]
    (0.25, "field 'accessible' missing in layer 'bus_stops'")
    """
    tg = _targets(targets)
    metrics: dict[str, Any] = {}
    not_measurable: dict[str, str] = {}
    warnings: list[str] = []
    layers: dict[str, gpd.GeoDataFrame] = {}
    params: dict[str, Any] = {"targets": {k: v for k, v in tg.items() if k != "area_share"}, "rule": FACILITY_RULE}
    stops, routes, roads, intersections = _gate(stops, routes, roads, intersections, warnings)
    _lane_km(roads, routes, metric_crs, metrics, not_measurable, layers, params)
    metrics["harbour_stop_share"] = _share(stops, "harbour", "bus_stops", "harbour_stop_share", not_measurable,
                                           warnings)
    metrics["accessible_platform_share"] = _share(stops, "accessible", "bus_stops", "accessible_platform_share",
                                                  not_measurable, warnings)
    if stops is not None:
        metrics["stops_total"] = len(stops)
    metrics["bus_lines"] = _line_count(routes, not_measurable)
    _priority_share(intersections, metrics, not_measurable, warnings)
    metrics.setdefault("bus_lane_km", None)
    indicators = ("bus_lane_km", "harbour_stop_share", "accessible_platform_share", "priority_intersection_share",
                  "bus_lines")
    if all(metrics.get(k) is None for k in indicators):
        raise NotMeasurableError("no bus indicator is measurable: " + "; ".join(
            f"{k}: {not_measurable.get(k, 'no data')}" for k in indicators), reasons=not_measurable)
    crs = next((g.crs for g in (stops, roads, routes, intersections) if g is not None and g.crs is not None),
               "EPSG:4490")
    records = _shortfalls(metrics, tg)
    violations = violations_frame(records, crs=crs, geometry=[None] * len(records))
    return CheckResult("bus-indicators", metrics=metrics, violations=violations, layers=layers, parameters=params,
                       warnings=warnings, not_measurable=not_measurable)


def _targets(targets: dict[str, float] | None) -> dict[str, float]:
    tg = dict(TARGETS_2025)
    if targets:
        unknown = sorted(set(targets) - set(tg))
        if unknown:
            raise InputError(f"targets has keys {unknown} but is expected to use {sorted(tg)}")
        tg.update(targets)
    return tg


def _gate(stops: Any, routes: Any, roads: Any, intersections: Any, warnings: list[str]) -> tuple[Any, Any, Any, Any]:
    """The input gate: shares of stops and intersections count attributes, so only their geometry type is
    checked there; lane lengths need the coordinates right."""
    for name, g in (("stops", stops), ("routes", routes), ("roads", roads), ("intersections", intersections)):
        if g is not None and not isinstance(g, gpd.GeoDataFrame):
            raise InputError(f"{name} was {type(g).__name__} but is expected to be a GeoDataFrame")
    if stops is not None:
        stops, said = check_layer(stops, "bus_stops", what="stops", coordinates=False)
        warnings += said
    if intersections is not None:
        intersections, said = check_layer(intersections, "intersections", what="intersections", coordinates=False)
        warnings += said
    if roads is not None:
        roads, said = check_layer(roads, "roads", what="roads")
        warnings += said
    if routes is not None:
        routes, said = check_layer(routes, "bus_routes", what="routes")
        warnings += said
    return stops, routes, roads, intersections


def _lane_km(roads: Any, routes: Any, metric_crs: CRSLike | None, metrics: dict[str, Any],
             not_measurable: dict[str, str], layers: dict[str, gpd.GeoDataFrame], params: dict[str, Any]) -> None:
    """Length of bus lanes from ``roads`` (else ``bus_routes``), overlapping pieces counted once."""
    lane_src = None
    for kind, g in (("roads", roads), ("bus_routes", routes)):
        if g is not None and "bus_lane" in g.columns and _bools(g["bus_lane"]).notna().any():
            lane_src = (kind, g)
            break
    if lane_src is None:
        if roads is None and routes is None:
            not_measurable["bus_lane_km"] = "layer 'roads' or 'bus_routes' missing"
        else:
            not_measurable["bus_lane_km"] = "field 'bus_lane' missing in layers 'roads' and 'bus_routes'"
        return
    kind, g = lane_src
    if g.crs is None:
        raise InputError(f"layer {kind!r} has no CRS; set one before measuring lengths")
    gm = to_metric(g, metric_crs)
    flag = _bools(gm["bus_lane"]).fillna(False).astype(bool).to_numpy()
    lanes = gm[flag]
    merged = shapely.union_all(np.asarray(lanes.geometry.values, dtype=object)) if len(lanes) else None
    metrics["bus_lane_km"] = float(merged.length / 1000.0) if merged is not None else 0.0
    params["bus_lane_source"] = kind
    layers["bus_lanes"] = gpd.GeoDataFrame(lanes.drop(columns=lanes.geometry.name), geometry=lanes.geometry.values,
                                           crs=gm.crs)
    not_measurable["new_bus_lane_km"] = (f"layer '{kind}' says which streets have bus lanes but not when they "
                                         f"were built: the plan counts new lanes (新增)")


def _line_count(routes: Any, not_measurable: dict[str, str]) -> int | None:
    """Distinct line names (a line drawn as several pieces counts once)."""
    if routes is None:
        not_measurable["bus_lines"] = "layer 'bus_routes' missing"
        return None
    if "name" not in routes.columns or routes["name"].isna().all():
        not_measurable["bus_lines"] = "field 'name' missing in layer 'bus_routes' (the line each piece belongs to)"
        return None
    return int(routes["name"].dropna().astype(str).str.strip().nunique())


def _priority_share(intersections: Any, metrics: dict[str, Any], not_measurable: dict[str, str],
                    warnings: list[str]) -> None:
    """Share of arterial intersections with bus priority."""
    key = "priority_intersection_share"
    if intersections is None:
        not_measurable[key], metrics[key] = "layer 'intersections' missing", None
        return
    if "arterial" not in intersections.columns:
        not_measurable[key], metrics[key] = "field 'arterial' missing in layer 'intersections'", None
        return
    art = _bools(intersections["arterial"]).fillna(False).astype(bool)
    metrics["arterial_intersections"] = int(art.sum())
    if not art.any():
        not_measurable[key], metrics[key] = "layer 'intersections' has no arterial intersection", None
        return
    metrics["priority_intersection_share"] = _share(intersections, "bus_priority", "intersections",
                                                    "priority_intersection_share", not_measurable, warnings,
                                                    where=art)


def _shortfalls(metrics: dict[str, Any], tg: dict[str, float]) -> list[dict[str, Any]]:
    """One violation record per indicator below its target."""
    records = []
    checks = [
        ("harbour_stop_share", tg["harbour_stop_share"], "harbour-style stops (港湾式停靠站)"),
        ("accessible_platform_share", tg["accessible_platform_share"], "accessible platforms (无障碍站台)"),
        ("priority_intersection_share", tg["priority_intersection_share"],
         "arterial intersections with bus priority (公交优先通行交叉口)"),
    ]
    for metric, target, label in checks:
        v = metrics.get(metric)
        if v is not None and v < target - 1e-12:
            records.append({"id": metric, "rule": FACILITY_RULE,
                            "detail": f"{label}: {v:.1%} < target {target:.0%}", "measured": v, "target": target})
    if metrics.get("bus_lane_km") is not None and metrics["bus_lane_km"] < tg["new_bus_lane_km"] - 1e-9:
        records.append({"id": "bus_lane_km", "rule": BUS_LANE_RULE,
                        "detail": (f"all bus lanes together are {metrics['bus_lane_km']:.1f} km < the "
                                   f"{tg['new_bus_lane_km']:g} km of new lanes the plan requires"),
                        "measured": metrics["bus_lane_km"], "target": tg["new_bus_lane_km"]})
    return records
