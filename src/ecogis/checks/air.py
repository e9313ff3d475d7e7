"""Check ``air``: PM2.5 / PM10 station annual means against the plan's targets; IDW surface; district means."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ecogis.air import air_quality
from ecogis.air_records import air_records
from ecogis.checks._areas import optional_area
from ecogis.checks.spec import CheckSpec, Field, Metric
from ecogis.errors import EcogisError
from ecogis.layerset import LayerSet
from ecogis.result import CheckResult

__all__ = ["SPEC", "run", "records_precedence", "records_only"]


def run(layers: LayerSet, params: Mapping[str, Any], *, scope: str | None = None,
        year: int | None = None) -> CheckResult:
    """:func:`ecogis.air.air_quality` of the layer set's stations, districts and 中心城区; with an ``air_daily``
    table its annual means take precedence (:func:`records_precedence`)."""
    # the measured means do not depend on the target's year; the stations' own year sets the check's targets
    if not layers.has("air_stations") and layers.has("air_daily"):
        return records_only(layers)
    result = air_quality(layers.get("air_stations"), districts=layers.districts(),
                         area=optional_area(layers, "中心城区"))
    return records_precedence(result, layers) if layers.has("air_daily") else result


# --- the daily records (air_daily) beside the station layer -----------------------------------------
_MEANS = (("pm25_mean_ugm3", "PM2.5"), ("pm10_mean_ugm3", "PM10"))


def _records(layers: LayerSet, year: Any) -> CheckResult:

    return air_records(layers.table("air_daily"), year=int(year) if year is not None else None)


def records_precedence(result: CheckResult, layers: LayerSet) -> CheckResult:
    """The station check's result with the annual means of the ``air_daily`` records in their place.

    The surface, the station and district flags stay the stations'; ``pm25_mean_ugm3`` /
    ``pm10_mean_ugm3`` become the records' (HJ 663 annual means of the city's daily values),
    the station means move to ``<p>_stations_mean_ugm3``, and ``parameters["annual_means_from"]``
    and a warning say which was used.  Unreadable records leave the station means, with a warning.
    """
    try:
        rec = _records(layers, result.parameters.get("year"))
    except EcogisError as exc:
        result.warnings.append(f"air_daily not used, the station means are ({exc})")
        result.parameters["annual_means_from"] = "air_stations"
        return result
    used = []
    for key, label in _MEANS:
        if rec.metrics.get(key) is None:
            continue
        station = result.metrics.get(key)
        result.metrics[key.replace("_mean_", "_stations_mean_")] = station
        result.metrics[key] = rec.metrics[key]
        used.append(label)
        was = f"{station:.1f}" if station is not None else "none"
        result.warnings.append(f"{label} annual mean {rec.metrics[key]:.1f} µg/m³ from the daily records "
                               f"({rec.parameters.get('source') or 'air_daily'}, {rec.metrics['year']}, "
                               f"{rec.metrics.get(key.split('_')[0] + '_days', 0)} days) takes precedence over the "
                               f"stations' mean ({was}); the surface and the station flags use the stations")
    result.warnings += [w for w in rec.warnings if any(w.startswith(f"{rec.metrics['year']}: {p}") for p in
                                                       ("pm25", "pm10"))]
    result.parameters["annual_means_from"] = (f"air_daily records ({', '.join(used)}, {rec.metrics['year']})"
                                              if used else "air_stations")
    return result


def records_only(layers: LayerSet) -> CheckResult:
    """The air check without a station layer: the annual means of the ``air_daily`` records alone (no surface)."""
    rec = _records(layers, None)
    metrics = {k: rec.metrics[k] for k, _ in _MEANS if rec.metrics.get(k) is not None}
    metrics["year"] = rec.metrics["year"]
    return CheckResult(
        "air", metrics=metrics,
        parameters={"annual_means_from": f"air_daily records ({rec.metrics['year']})",
                    "source": rec.parameters["source"]},
        warnings=["no air_stations layer: annual means from the daily records only; no surface, no station or "
                  "district flags", *rec.warnings],
        not_measurable={"stations_over_target": "layer 'air_stations' missing"},
    )


SPEC = CheckSpec(
    name="air",
    order=90,
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
    fields=(
        Field("value_ugm3", "ug/m3", label=("浓度", "Concentration")),
        Field("target_ugm3", "ug/m3", label=("目标浓度", "Target")),
        Field("pm25_cells", "count", label=("PM2.5像元数", "PM2.5 cells")),
        Field("pm10_cells", "count", label=("PM10像元数", "PM10 cells")),
        Field("over_target_pm25", label=("PM2.5超标", "PM2.5 over target")),
        Field("over_target_pm10", label=("PM10超标", "PM10 over target")),
    ),
    command="ecogis.cli.check_air:air",
)
