"""Check ``facilities-in-zones``: facilities of given kinds inside given zones.

Risk sources inside the South-to-North canal's protection zones (``zone_kind =
"protection_zones"``, ``zone_field = "name"``, ``zone_values = "南水北调"``), gas producers
in the built-up area (``zone_kind = "study_area"``: the target's scope), kilns within the
heating network (``zone_kind = "control_zones"``, ``zone_field = "zone_type"``,
``zone_values = "集中供热区"``).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ecogis.checks._reasons import canonical_values, strict_scope_area, with_reasons
from ecogis.checks.spec import CheckSpec, Field, Metric, Param
from ecogis.layerset import LayerSet
from ecogis.result import CheckResult
from ecogis.zones_inside import facilities_in_zones, select_zones, split_values

__all__ = ["SPEC", "RULES", "run"]

#: the clause a facility of a kind inside its zone breaks
RULES: dict[str, str] = {
    "risk_source": ("平顶山市“十四五”生态环境保护和生态经济发展规划 第五章第一节: 深入开展南水北调中线工程总干渠（平顶山段）"
                    "两侧保护区范围内的环境风险源排查整治"),
    "gas_producer": ("三政办〔2018〕35号 二(一)3: 完成全市建成区内的工业煤气发生炉（除制备原料的煤气发生炉外）、热风炉、"
                     "导热油炉的拆除或清洁能源改造工作"),
    "kiln": "三政办〔2018〕35号 二(一)3: 2020年年底前……基本淘汰热电联产供热管网覆盖范围内的燃煤加热、烘干炉（窑）",
}


@with_reasons("facilities-in-zones")
def run(layers: LayerSet, params: Mapping[str, Any], *, scope: str | None = None,
        year: int | None = None) -> CheckResult:
    """:func:`ecogis.zones_inside.facilities_in_zones` on the layer set's facilities and the picked zones.

    ``zone_kind = "study_area"`` without a ``zone_field`` takes the target's scope (default 城市建成区).
    """
    kinds = split_values(params.get("kinds") or "")
    zone_kind = str(params.get("zone_kind") or "study_area")
    field = str(params.get("zone_field") or "").strip() or None
    if zone_kind == "study_area" and field is None:
        zones = strict_scope_area(layers, scope)
    else:
        values = canonical_values(zone_kind, field or "", split_values(params.get("zone_values") or ""))
        zones = select_zones(layers.get(zone_kind), field, values, what=zone_kind)
    rules = [RULES[k] for k in kinds if k in RULES]
    return facilities_in_zones(layers.get("facilities"), zones, kinds=kinds or None, zone_kind=zone_kind,
                               rule="; ".join(dict.fromkeys(rules)) or None)


SPEC = CheckSpec(
    name="facilities-in-zones",
    order=150,
    title=("区域内设施", "Facilities inside zones"),
    runner=run,
    inputs=("facilities", "study_area"),
    params=(
        Param("kinds", "",
              label=("设施类型", "Facility kinds"),
              doc="facility kinds, comma-separated (risk_source, gas_producer, kiln ...); empty: all"),
        Param("zone_kind", "study_area",
              label=("区域图层", "Zone layer"),
              doc="layer kind of the zones (study_area, protection_zones, control_zones ...)"),
        Param("zone_field", "",
              label=("区域字段", "Zone field"),
              doc="field that picks the zones (name, level, zone_type, scope); empty: "
                  "study_area by the target's scope, other kinds all zones"),
        Param("zone_values", "",
              label=("区域取值", "Zone values"),
              doc="values of zone_field, comma-separated (a part of the name for name)"),
    ),
    metrics=(
        Metric("facilities_inside", "count", ("区域内设施数", "Facilities inside"), target=True),
        Metric("facilities_checked", "count", ("核查设施数", "Facilities checked")),
        Metric("zones_checked", "count", ("核查区域数", "Zones checked")),
    ),
    scoped=True,
    context=("study_area", "facilities"),
    headline=("facilities_checked", "zones_checked", "facilities_inside"),
    result_layers=("zones_checked",),
    fields=(
        Field("zone_ids", label=("区域编号", "Zone ids"), data=True),
        Field("zone_names", label=("区域名称", "Zone names"), data=True),
    ),
)
