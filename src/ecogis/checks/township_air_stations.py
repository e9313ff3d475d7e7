"""Check ``township-air-stations``: townships (study_area scope 乡镇) with an air-quality station inside.

三门峡 (三政办〔2018〕35号 二、(五)37(1)): 2018年年底前完成所有乡镇环境空气自动站建设任务.  The count
is the townships engine :func:`ecogis.sewers.townships_with_facility` (a point on a township's edge
counts as inside), given the ``air_stations`` as the points to look for; this module only names what
it found.  A station counts when it is in the layer: the layer says where stations are, not when each
was built.

Examples
--------
>>> import geopandas as gpd, shapely
>>> from ecogis.layerset import LayerSet
>>> towns = gpd.GeoDataFrame({"id": ["T1", "T2"], "name": ["甲镇", "乙乡"], "scope": ["乡镇", "乡镇"]},
...                          geometry=[shapely.box(500000, 3700000, 501000, 3701000),
...                                    shapely.box(501000, 3700000, 502000, 3701000)], crs=4547)
>>> st = gpd.GeoDataFrame({"id": ["A1"], "name": ["甲镇站"], "pm25_ugm3": [40.0]},
...                       geometry=[shapely.Point(500500, 3700500)], crs=4547)
>>> r = run(LayerSet({"study_area": towns, "air_stations": st}), {})
>>> r.metrics["townships_with_station"], r.metrics["share_townships_with_station"], r.violations["id"].tolist()
(1, 0.5, ['T2'])
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import geopandas as gpd
import numpy as np

from ecogis.checks.spec import CheckSpec, Field, Metric
from ecogis.errors import NotMeasurableError
from ecogis.layerset import LayerSet
from ecogis.result import CheckResult, violations_frame
from ecogis.sewers import townships_with_facility
from ecogis.styles import Category, LayerStyle, Symbol

__all__ = ["RULE", "SPEC", "run"]

#: the clause a township without a station falls short of
RULE = "三政办〔2018〕35号 二、(五)37(1): 2018年年底前完成所有乡镇环境空气自动站建设任务"

_STATION = "other"  # the facility kind the townships engine looks for: every station is given it


def run(layers: LayerSet, params: Mapping[str, Any], *, scope: str | None = None,
        year: int | None = None) -> CheckResult:
    """Townships of the layer set's study_area (scope 乡镇) with at least one of its ``air_stations`` inside."""
    area = layers.get("study_area")
    towns = area[area["scope"] == "乡镇"] if "scope" in area.columns else area.iloc[:0]
    if towns.empty:
        raise NotMeasurableError("study_area has no 乡镇 (township) feature to count; add the townships' polygons "
                                 "with scope 乡镇")
    stations = layers.get("air_stations")
    geoms = stations.geometry
    if not (geoms.notna() & ~geoms.is_empty).any():  # a count of 0 would blame the townships for missing data
        raise NotMeasurableError("layer 'air_stations' has no station with a location: no township can be said to "
                                 "lack one; add the stations' points")
    points = gpd.GeoDataFrame({"id": stations["id"].astype(str).to_numpy(), "kind": _STATION},
                              geometry=stations.geometry.to_numpy(), crs=stations.crs)
    counted = townships_with_facility(towns, points, kinds=(_STATION,))
    t = counted.layers["townships"]
    has = t["has_plant"].to_numpy(dtype=bool)
    layer = gpd.GeoDataFrame({"id": t["id"].to_numpy(), "name": t["name"].to_numpy(), "has_station": has,
                              "stations_inside": t["plants"].to_numpy()}, geometry=t.geometry.to_numpy(), crs=t.crs)
    missing = np.flatnonzero(~has)
    records = [{"id": layer["id"].iat[i], "name": layer["name"].iat[i], "rule": RULE, "severity": "error",
                "detail": f"township {layer['id'].iat[i]} ({layer['name'].iat[i] or '-'}) has no air-quality "
                          "station inside it"} for i in missing]
    n, k = len(layer), int(has.sum())
    return CheckResult(
        "township-air-stations",
        metrics={"townships_total": n, "townships_with_station": k, "townships_without_station": n - k,
                 "share_townships_with_station": k / n, "stations_in_townships": int(layer["stations_inside"].sum())},
        violations=violations_frame(records, crs=layer.crs, geometry=list(layer.geometry.iloc[missing])),
        layers={"station_townships": layer},
        parameters={"rule": RULE, "inside": "a station on a township's edge counts",
                    "built": "a station counts when it is in the air_stations layer (no build date is read)"},
        warnings=list(counted.warnings),
    )


SPEC = CheckSpec(
    name="township-air-stations",
    order=210,
    title=("乡镇空气自动站覆盖", "Townships with an air station"),
    runner=run,
    inputs=("study_area", "air_stations"),
    metrics=(
        Metric("share_townships_with_station", "share", ("有空气自动站乡镇比例", "Share of townships with a station"),
               target=True),
        Metric("townships_without_station", "count", ("无空气自动站乡镇数", "Townships without a station"),
               target=True),
        Metric("townships_with_station", "count", ("有空气自动站乡镇数", "Townships with a station"), target=True),
        Metric("townships_total", "count", ("乡镇数", "Townships")),
        Metric("stations_in_townships", "count", ("乡镇内空气站数", "Stations inside townships")),
    ),
    context=("study_area", "air_stations"),
    headline=("townships_total", "townships_with_station", "share_townships_with_station"),
    result_layers=("station_townships",),
    fields=(
        Field("has_station", label=("有空气自动站", "Has an air station")),
        Field("stations_inside", "count", label=("乡镇内空气站数", "Air stations inside")),
    ),
    styles=(LayerStyle("station_townships", "乡镇空气站", "Townships and air stations", "has_station", (
        Category("True", "有空气自动站", "With an air station", Symbol("#1a9850", "#d9f0d3", 0.3, 1.5)),
        Category("False", "无空气自动站", "Without an air station", Symbol("#d73027", "#fddbc7", 0.4, 1.5)),
    ), Symbol("#969696", None, 0.0, 1.0), "核查结果", 14),),
)
