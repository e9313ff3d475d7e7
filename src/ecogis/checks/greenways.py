"""Check ``greenways``: greenway length in the scope and 1 km coverage of its residential land."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ecogis.checks._areas import scope_area
from ecogis.checks.parks import population_of
from ecogis.checks.spec import CheckSpec, Metric, Param
from ecogis.layerset import LayerSet
from ecogis.parks import GREENWAY_RADIUS_M, greenway_coverage
from ecogis.result import CheckResult
from ecogis.styles import LayerStyle, Symbol

__all__ = ["SPEC", "run"]


def run(layers: LayerSet, params: Mapping[str, Any], *, scope: str | None = None,
        year: int | None = None) -> CheckResult:
    """Greenways of the layer set in the target's scope (default 城市建成区); coverage when land_use is there."""
    return greenway_coverage(layers.get("greenways"), layers.optional("land_use"),
                             scope_area(layers, scope or "城市建成区"), population=population_of(layers), **params)


SPEC = CheckSpec(
    name="greenways",
    order=120,
    title=("绿道长度与服务半径覆盖", "Greenways: length and coverage"),
    runner=run,
    inputs=("greenways", "study_area", "land_use", "population"),
    params=(Param("radius_m", GREENWAY_RADIUS_M, unit="m", minimum=0.0, min_open=True,
                  label=("绿道服务半径", "Greenway service radius"),
                  doc="greenway service radius (城市体检 绿道服务半径覆盖率: 1 km)"),),
    metrics=(
        Metric("method", "", ("方法", "Method")),
        Metric("greenway_km", "km", ("范围内绿道长度", "Greenways in the scope"), target=True),
        Metric("greenway_total_km", "km", ("绿道总长度", "Greenways, total")),
        Metric("greenways_total", "count", ("绿道数", "Greenways")),
        Metric("radius_m", "m", ("半径", "Radius")),
        Metric("residential_area_m2", "m2", ("居住用地面积", "Residential land")),
        Metric("covered_residential_m2", "m2", ("服务半径覆盖的居住用地面积", "Residential land covered")),
        Metric("covered_residential_bound_m2", "m2", ("覆盖面积误差上限", "Bound on the covered area's error")),
        Metric("share", "share", ("居住用地服务半径覆盖率", "Share of residential land covered"), target=True),
        Metric("population_share", "share", ("人口覆盖率", "Population share"), target=True),
    ),
    scoped=True,
    context=("study_area", "land_use", "greenways"),
    headline=("greenway_km", "greenway_total_km", "radius_m", "residential_area_m2", "covered_residential_m2",
              "share"),
    result_layers=("greenways_in_scope", "greenway_service_area", "covered_residential", "residential_gaps"),
    styles=(
        LayerStyle("greenways_in_scope", "范围内绿道", "Greenways in the scope", None, (),
                   Symbol("#00441b", None, 0.0, 3.5), "核查结果", 32),
        LayerStyle("greenway_service_area", "绿道服务范围", "Greenway service area", None, (),
                   Symbol("#41ab5d", "#c7e9c0", 0.2, 1.0, dash="4 3"), "核查结果", 23),
    ),
)
