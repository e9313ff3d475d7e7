"""Check ``parks``: park green-space service-radius coverage of residential land (公园绿地服务半径覆盖率)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ecogis.checks._areas import scope_area
from ecogis.checks.spec import CheckSpec, Field, Metric, Param
from ecogis.layerset import LayerSet
from ecogis.parks import DEFAULT_PARK_TIERS, park_coverage
from ecogis.result import CheckResult
from ecogis.styles import LayerStyle, Symbol

__all__ = ["SPEC", "run", "population_of"]

_RULE = "城市体检"
(_LARGE_M2, _LARGE_R), (_SMALL_M2, _SMALL_R) = DEFAULT_PARK_TIERS


def population_of(layers: LayerSet) -> Any:
    """The layer set's population: its raster, else its population polygons, else None."""
    return layers.rasters.get("population", layers.vectors.get("population"))


def run(layers: LayerSet, params: Mapping[str, Any], *, scope: str | None = None,
        year: int | None = None) -> CheckResult:
    """Coverage of the residential land (land_use 居住用地) of the target's scope (default 城市建成区) by the parks."""
    p = {par.name: par.default for par in SPEC.params} | dict(params)
    tiers = ((p["large_park_m2"], p["large_radius_m"]), (p["small_park_m2"], p["small_radius_m"]))
    return park_coverage(layers.get("parks"), layers.get("land_use"), scope_area(layers, scope or "城市建成区"),
                         tiers=tiers, population=population_of(layers))


SPEC = CheckSpec(
    name="parks",
    order=110,
    title=("公园绿地服务半径覆盖", "Park service-radius coverage"),
    runner=run,
    inputs=("parks", "land_use", "study_area", "population"),
    params=(
        Param("large_park_m2", _LARGE_M2, unit="m2", minimum=0.0, label=("大型公园最小面积", "Smallest large park"),
              doc=f"smallest park that serves the large radius ({_RULE}: 5000 m2)"),
        Param("large_radius_m", _LARGE_R, unit="m", minimum=0.0, min_open=True,
              label=("大型公园服务半径", "Large-park service radius"),
              doc=f"service radius of large parks, from the park boundary ({_RULE}: 500 m)"),
        Param("small_park_m2", _SMALL_M2, unit="m2", minimum=0.0, label=("计入公园最小面积", "Smallest park counted"),
              doc=f"smallest park counted at all ({_RULE}: 2000 m2)"),
        Param("small_radius_m", _SMALL_R, unit="m", minimum=0.0, min_open=True,
              label=("小型公园服务半径", "Small-park service radius"),
              doc=f"service radius of parks from small_park_m2 to large_park_m2 ({_RULE}: 300 m)"),
    ),
    metrics=(
        Metric("method", "", ("方法", "Method")),
        Metric("residential_area_m2", "m2", ("居住用地面积", "Residential land")),
        Metric("covered_residential_m2", "m2", ("服务半径覆盖的居住用地面积", "Residential land covered")),
        Metric("covered_residential_bound_m2", "m2", ("覆盖面积误差上限", "Bound on the covered area's error")),
        Metric("uncovered_residential_m2", "m2", ("未覆盖居住用地面积", "Residential land not covered")),
        Metric("share", "share", ("居住用地服务半径覆盖率", "Share of residential land covered"), target=True),
        Metric("share_bound", "share", ("覆盖率误差上限", "Bound on the coverage's error")),
        Metric("parks_total", "count", ("公园数", "Parks")),
        Metric("parks_counted", "count", ("计入公园数", "Parks counted")),
        Metric("parks_too_small", "count", ("面积不足未计入公园数", "Parks too small to count")),
        Metric("service_area_m2", "m2", ("公园服务范围面积", "Park service area")),
        Metric("population_total", "count", ("总人口", "Population")),
        Metric("population_covered", "count", ("覆盖人口", "Population covered")),
        Metric("population_share", "share", ("人口覆盖率", "Population share"), target=True),
        Metric("population_raster_share", "share",
               ("人口栅格覆盖本区比例", "Share of the area the population raster covers")),
        Metric("population_invalid_cells", "count", ("人口无效像元数", "Population cells with no valid count")),
    ),
    scoped=True,
    context=("study_area", "land_use", "parks"),
    headline=("residential_area_m2", "covered_residential_m2", "covered_residential_bound_m2", "share",
              "parks_counted", "parks_too_small", "population_share"),
    result_layers=("park_service_areas", "covered_residential", "residential_gaps"),
    fields=(
        Field("park_area_m2", "m2", label=("公园面积", "Park area")),
    ),
    styles=(
        LayerStyle("park_service_areas", "公园服务范围", "Park service areas", None, (),
                   Symbol("#238b45", "#a1d99b", 0.2, 1.0, dash="4 3"), "核查结果", 24),
        LayerStyle("covered_residential", "已覆盖居住用地", "Residential land covered", None, (),
                   Symbol("#1a9850", "#66bd63", 0.45, 0.8), "核查结果", 28),
        LayerStyle("residential_gaps", "未覆盖居住用地", "Residential land not covered", None, (),
                   Symbol("#d7301f", "#fc4e2a", 0.5, 1.0), "核查结果", 29),
    ),
)
