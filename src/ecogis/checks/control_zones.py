"""Check ``control-zones``: farms in 禁养区, facilities in 禁燃区, construction sites of 5,000 m² or more."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ecogis.checks.spec import CheckSpec, Metric
from ecogis.ecology import control_zones
from ecogis.layerset import LayerSet
from ecogis.result import CheckResult

__all__ = ["SPEC", "run"]


def run(layers: LayerSet, params: Mapping[str, Any], *, scope: str | None = None,
        year: int | None = None) -> CheckResult:
    """:func:`ecogis.ecology.control_zones` of the layer set's facilities and control zones."""
    return control_zones(layers.get("facilities"), layers.get("control_zones"))


SPEC = CheckSpec(
    name="control-zones",
    order=80,
    title=("管控区", "Control zones"),
    runner=run,
    inputs=("facilities", "control_zones"),
    metrics=(
        Metric("livestock_in_forbidden_zone", "count", ("禁养区内养殖场", "Farms in forbidden-livestock zones"),
               target=True),
        Metric("violations", "count", ("违规数", "Violations"), target=True),
        Metric("large_construction_sites", "count",
               ("5000平方米以上工地", "Construction sites of 5,000 m² or more"), target=True),
        Metric("facilities_checked", "count", ("核查设施数", "Facilities checked")),
        Metric("livestock_in_restricted_zone", "count", ("限养区内养殖场", "Farms in restricted-livestock zones")),
        Metric("facilities_in_no_burn_zone", "count", ("禁燃区内设施数", "Facilities in no-burn zones")),
        Metric("construction_sites_without_area", "count",
               ("无占地面积的工地数", "Construction sites without an area")),
    ),
    context=("study_area", "control_zones", "facilities"),
    headline=("facilities_checked", "livestock_in_forbidden_zone", "livestock_in_restricted_zone",
              "facilities_in_no_burn_zone", "large_construction_sites"),
    result_layers=("zones",),
    command="ecogis.cli.check_ecology:control_zones",
)
