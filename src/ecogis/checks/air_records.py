"""Check ``air-records``: the city's daily AQI (HJ 633-2012) and its annual indicators (HJ 663-2013).

Measures the plans' non-spatial air targets (good-day ratio, heavy-pollution days, O3
exceedance days, annual means) from the ``air_daily`` record table; targets name no
check: the audit finds this one through ``indicators`` (target indicator -> metric).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ecogis.air_records import air_records
from ecogis.checks._areas import WHOLE_CITY
from ecogis.checks.spec import CheckSpec, Metric, metric_value
from ecogis.layerset import LayerSet
from ecogis.result import CheckResult

__all__ = ["SPEC", "run", "measure", "CITY_SCOPES"]

#: target scopes the city's records speak for (the city's stations, HJ 663's 城市)
CITY_SCOPES = WHOLE_CITY | {"中心城区"}


def run(layers: LayerSet, params: Mapping[str, Any], *, scope: str | None = None,
        year: int | None = None) -> CheckResult:
    """:func:`ecogis.air_records.air_records` of the layer set's ``air_daily`` table (every year; the latest
    as metrics)."""
    return air_records(layers.table("air_daily"))


def measure(target: Any, result: CheckResult) -> tuple[float | None, str | None]:
    """The target's metric for the target's year when the records hold it (else the latest year's), for
    city-wide scopes only."""
    if target.scope and target.scope not in CITY_SCOPES:
        return None, (f"the air_daily records give the city's figures; a target for {target.scope!r} needs that "
                      f"area's own records (a table of its stations)")
    by_year = result.parameters.get("by_year", {})
    figures = by_year.get(str(target.year))
    if figures is not None and target.metric in figures:
        value = figures[target.metric]
        if value is None:
            return None, f"air_daily has no {target.metric!r} for {target.year}"
        return float(value), None
    return metric_value(target, result)


SPEC = CheckSpec(
    name="air-records",
    order=190,
    title=("空气质量日报统计", "Daily air-quality records"),
    runner=run,
    inputs=("air_daily",),
    metrics=(
        Metric("year", "", ("年份", "Year")),
        Metric("stations", "count", ("监测站数", "Stations")),
        Metric("days_with_data", "days", ("有效监测天数", "Days with data")),
        Metric("good_days", "days", ("优良天数", "Good days"), target=True),
        Metric("good_day_ratio", "share", ("优良天数比率", "Good-day ratio"), target=True),
        Metric("heavy_days", "days", ("重度及以上污染天数", "Heavy-and-worse days"), target=True),
        Metric("heavy_day_ratio", "share", ("重度及以上污染天数比率", "Heavy-and-worse day ratio"), target=True),
        Metric("severe_days", "days", ("严重污染天数", "Severe days")),
        Metric("o3_8h_exceedance_days", "days", ("臭氧超标天数", "O3 exceedance days"), target=True),
        Metric("pm25_mean_ugm3", "ug/m3", ("PM2.5年均浓度", "PM2.5 annual mean"), target=True),
        Metric("pm10_mean_ugm3", "ug/m3", ("PM10年均浓度", "PM10 annual mean"), target=True),
        Metric("so2_mean_ugm3", "ug/m3", ("SO2年均浓度", "SO2 annual mean"), target=True),
        Metric("no2_mean_ugm3", "ug/m3", ("NO2年均浓度", "NO2 annual mean"), target=True),
        Metric("o3_8h_p90_ugm3", "ug/m3", ("臭氧日最大8小时第90百分位数", "O3 8-h 90th percentile"), target=True),
        Metric("pm25_days", "days", ("PM2.5有效天数", "Days with PM2.5 data")),
        Metric("pm10_days", "days", ("PM10有效天数", "Days with PM10 data")),
        Metric("o3_8h_days", "days", ("O3 8小时有效天数", "Days with O3 8-h data")),
        Metric("co_days", "days", ("CO有效天数", "Days with CO data")),
        Metric("so2_days", "days", ("SO2有效天数", "Days with SO2 data")),
        Metric("no2_days", "days", ("NO2有效天数", "Days with NO2 data")),
        Metric("co_p95_mgm3", "mg/m3", ("CO 24小时第95百分位数", "CO 24-h 95th percentile"), target=True),
    ),
    indicators={
        "good_air_day_ratio": "good_day_ratio",
        "good_air_days": "good_days",
        "heavy_pollution_day_ratio": "heavy_day_ratio",
        "heavy_pollution_days": "heavy_days",
        "ozone_exceedance_days": "o3_8h_exceedance_days",
        "pm25_annual_mean": "pm25_mean_ugm3",
        "pm10_annual_mean": "pm10_mean_ugm3",
    },
    headline=("year", "stations", "days_with_data", "good_days", "good_day_ratio", "heavy_days", "heavy_day_ratio",
              "o3_8h_exceedance_days", "pm25_mean_ugm3", "pm10_mean_ugm3", "o3_8h_p90_ugm3"),
    measure=measure,
)
