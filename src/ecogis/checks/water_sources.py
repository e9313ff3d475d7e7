"""Check ``water-sources``: facilities and outfalls inside drinking-water protection zones (HJ 338-2018)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ecogis.checks.spec import CheckSpec, Field, Metric
from ecogis.layerset import LayerSet
from ecogis.result import CheckResult
from ecogis.water import water_sources_check

__all__ = ["SPEC", "run"]


def run(layers: LayerSet, params: Mapping[str, Any], *, scope: str | None = None,
        year: int | None = None) -> CheckResult:
    """:func:`ecogis.water.water_sources_check` on the layer set."""
    return water_sources_check(layers)


SPEC = CheckSpec(
    name="water-sources",
    order=30,
    title=("饮用水水源地", "Drinking-water sources"),
    runner=run,
    inputs=("facilities", "protection_zones", "water_sources", "rivers"),
    metrics=(
        Metric("violations", "count", ("违规数", "Violations"), target=True),
        Metric("outfalls_in_zones", "count", ("保护区内排污口", "Outfalls in zones"), target=True),
        Metric("facilities_in_first_level", "count", ("一级保护区内设施", "Facilities in first-level zones"),
               target=True),
        Metric("facilities_in_second_level", "count", ("二级保护区内设施", "Facilities in second-level zones"),
               target=True),
        Metric("facilities_in_quasi_zone", "count", ("准保护区内设施", "Facilities in quasi-protection zones")),
        Metric("near_zone_warnings", "count", ("保护区边界预警", "Near-zone warnings")),
        Metric("facilities_total", "count", ("设施数", "Facilities")),
        Metric("zones_total", "count", ("保护区数", "Zones")),
    ),
    context=("study_area", "rivers", "protection_zones", "water_sources", "facilities"),
    headline=("outfalls_in_zones", "facilities_in_first_level", "facilities_in_second_level"),
    result_layers=("protection_zones",),
    fields=(
        Field("citation", label=("法规条文", "Citation"), data=True),
        Field("distance_outside_m", "m", label=("距区边界距离", "Distance outside")),
    ),
    command="ecogis.cli.check_water:water_sources",
)
