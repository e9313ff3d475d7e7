"""Check ``land-cover``: green-space ratio and bare soil of the built-up area, forest cover of the city."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ecogis.checks._areas import optional_area, scope_area
from ecogis.checks.spec import CheckSpec, Metric
from ecogis.land_cover import BARE_CLASSES, FOREST_CLASSES, GREEN_CLASSES, land_cover
from ecogis.layerset import LayerSet
from ecogis.result import CheckResult
from ecogis.styles import LayerStyle, Symbol

__all__ = ["SPEC", "run"]


def run(layers: LayerSet, params: Mapping[str, Any], *, scope: str | None = None,
        year: int | None = None) -> CheckResult:
    """Without a scope: green space and bare soil of 城市建成区, forest of 市域; with one, all three over it."""
    if scope is None:
        built, city = optional_area(layers, "城市建成区"), optional_area(layers, "市域")
    else:
        built = city = scope_area(layers, scope)
    return land_cover(layers.get("land_use"), built, city)


_GREEN = "+".join(GREEN_CLASSES)
_FOREST = "+".join(FOREST_CLASSES)
_BARE = "+".join(BARE_CLASSES)

SPEC = CheckSpec(
    name="land-cover",
    order=130,
    title=("绿地率、森林覆盖率与裸地", "Green space, forest cover and bare soil"),
    runner=run,
    inputs=("land_use", "study_area"),
    metrics=(
        Metric("built_up_area_m2", "m2", ("建成区面积", "Built-up area")),
        Metric("green_area_m2", "m2", (f"绿地面积 ({_GREEN})", "Green space (park and protective green land)")),
        Metric("green_space_ratio", "share",
               (f"建成区绿地率 ({_GREEN})", "Green-space ratio (park and protective green land)"), target=True),
        Metric("bare_area_m2", "m2", (f"裸地面积 ({_BARE})", "Bare soil"), target=True),
        Metric("bare_share", "share", ("裸地占比", "Bare-soil share"), target=True),
        Metric("city_area_m2", "m2", ("市域面积", "City area")),
        Metric("forest_area_m2", "m2", (f"林地面积 ({_FOREST})", "Forest land")),
        Metric("forest_cover", "share", (f"森林覆盖率 ({_FOREST}/市域)", "Forest cover (forest land / city)"),
               target=True),
        Metric("land_use_share_built_up", "share", ("用地数据覆盖建成区比例", "Share of the built-up area classified")),
        Metric("land_use_share_city", "share", ("用地数据覆盖市域比例", "Share of the city classified")),
    ),
    scoped=True,
    context=("study_area", "land_use"),
    headline=("built_up_area_m2", "green_space_ratio", "bare_area_m2", "bare_share", "city_area_m2", "forest_cover"),
    result_layers=("green_space", "bare_soil", "forest"),
    styles=(
        LayerStyle("green_space", "绿地", "Green space", None, (), Symbol("#006d2c", "#31a354", 0.55, 0.8),
                   "核查结果", 21),
        LayerStyle("bare_soil", "裸地", "Bare soil", None, (), Symbol("#8c510a", "#d8b365", 0.6, 0.8),
                   "核查结果", 22),
        LayerStyle("forest", "林地", "Forest", None, (), Symbol("#00441b", "#238b45", 0.45, 0.5), "核查结果", 19),
    ),
)
