"""Check ``air``: PM2.5 / PM10 station annual means against the plan's targets; IDW surface; district means."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ecogis.air import air_quality
from ecogis.checks._areas import optional_area
from ecogis.checks.spec import CheckSpec, Metric
from ecogis.layerset import LayerSet
from ecogis.result import CheckResult

__all__ = ["SPEC", "run"]


def run(layers: LayerSet, params: Mapping[str, Any], *, scope: str | None = None,
        year: int | None = None) -> CheckResult:
    """:func:`ecogis.air.air_quality` of the layer set's stations, districts and 中心城区."""
    # the measured means do not depend on the target's year; the stations' own year sets the check's targets
    return air_quality(layers.get("air_stations"), districts=layers.districts(), area=optional_area(layers, "中心城区"))


SPEC = CheckSpec(
    name="air",
    title=("空气质量", "Air quality"),
    runner=run,
    inputs=("air_stations", "study_area"),
    metrics=(
        Metric("pm25_mean_ugm3", "ug/m3", ("PM2.5年均浓度", "PM2.5 annual mean"), target=True),
        Metric("pm10_mean_ugm3", "ug/m3", ("PM10年均浓度", "PM10 annual mean"), target=True),
        Metric("stations_over_target", "count", ("超标站点数", "Stations over target"), target=True),
        Metric("target_pm25_ugm3", "ug/m3", ("PM2.5目标", "PM2.5 target")),
        Metric("target_pm10_ugm3", "ug/m3", ("PM10目标", "PM10 target")),
        Metric("stations", "count", ("监测站数", "Stations")),
        Metric("districts_over_target", "count", ("超标区数", "Districts over target")),
        Metric("year", "", ("年份", "Year")),
        Metric("pm25_surface_mean_ugm3", "ug/m3", ("PM2.5全市面均浓度", "PM2.5 mean over the city")),
        Metric("pm10_surface_mean_ugm3", "ug/m3", ("PM10全市面均浓度", "PM10 mean over the city")),
        Metric("pm25_city_over_target", "", ("PM2.5全市超标", "PM2.5 over target (city)")),
        Metric("pm10_city_over_target", "", ("PM10全市超标", "PM10 over target (city)")),
    ),
    context=("study_area", "air_stations"),
    headline=("year", "stations", "pm25_mean_ugm3", "pm25_surface_mean_ugm3", "target_pm25_ugm3",
              "pm10_mean_ugm3", "target_pm10_ugm3", "stations_over_target", "districts_over_target",
              "surface_path"),
    result_layers=("stations", "districts"),
    command="ecogis.cli.check_air:air",
)
