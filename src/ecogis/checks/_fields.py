"""Fields that many checks' results add (violations' ``rule``, ``area_m2``, ``distance_m`` ...), as maps name them.

A field only one check adds is in that check's ``CheckSpec.fields``; the maps read both
(:data:`ecogis.maps.labels.RESULT_FIELDS`).
"""

from __future__ import annotations

from ecogis.checks.spec import Field

__all__ = ["SHARED_FIELDS"]

#: fields several checks (or their shared engines: disc union, network, area change) add
SHARED_FIELDS: tuple[Field, ...] = (
    Field("rule", label=("依据", "Rule")),
    Field("detail", label=("说明", "Detail")),
    Field("severity", label=("级别", "Severity")),
    Field("method", label=("方法", "Method")),
    Field("area_m2", "m2", label=("面积", "Area")),
    Field("covered_area_m2", "m2", label=("覆盖面积", "Covered area")),
    Field("area_share", "share", label=("面积覆盖率", "Area share")),
    Field("population", "count", label=("人口", "Population")),
    Field("population_total", "count", label=("总人口", "Population")),
    Field("population_covered", "count", label=("覆盖人口", "Population covered")),
    Field("population_share", "share", label=("人口覆盖率", "Population share")),
    Field("measured", label=("实测值", "Measured")),
    Field("target", label=("目标值", "Target")),
    Field("zone_id", label=("保护区编号", "Zone id"), data=True),
    Field("zone_name", label=("管控区名称", "Zone name"), data=True),
    Field("distance_inside_m", "m", label=("深入区内距离", "Distance inside")),
    Field("distance_m", "m", label=("距离", "Distance")),
    Field("length_m", "m", label=("长度", "Length")),
    Field("buffer_m", "m", label=("缓冲宽度", "Buffer width")),
    Field("radius_m", "m", label=("半径", "Radius")),
    Field("source_layer", label=("来源图层", "Source layer")),
    Field("share_of_unit", "share", label=("占红线单元比例", "Share of the unit")),
    Field("lost_m2", "m2", label=("减少面积", "Area lost")),
    Field("unit_id", label=("单元编号", "Unit id"), data=True),
    Field("unit_name", label=("单元名称", "Unit name"), data=True),
    Field("river_id", label=("河流编号", "River id"), data=True),
    Field("river_name", label=("河流名称", "River name"), data=True),
    Field("section_id", label=("断面编号", "Section id"), data=True),
    Field("facility_id", label=("设施编号", "Facility id"), data=True),
    Field("pollutant", label=("污染物", "Pollutant")),
    Field("pm25_mean_ugm3", "ug/m3", label=("PM2.5平均浓度", "PM2.5 mean")),
    Field("pm10_mean_ugm3", "ug/m3", label=("PM10平均浓度", "PM10 mean")),
    Field("length_km", "km", label=("长度", "Length")),
    Field("reached_km", "km", label=("可达长度", "Length reached")),
    Field("distance_to_stop_m", "m", label=("到站距离", "Distance to the stop")),
    Field("stop_id", label=("站点编号", "Stop id"), data=True),
    Field("edge", label=("街道段编号", "Street edge")),
    Field("start_m", "m", label=("可达起点", "Reached from")),
    Field("end_m", "m", label=("可达终点", "Reached to")),
    Field("pm25_stations_mean_ugm3", "ug/m3", label=("PM2.5站点平均浓度", "PM2.5 station mean")),
    Field("pm10_stations_mean_ugm3", "ug/m3", label=("PM10站点平均浓度", "PM10 station mean")),
)
