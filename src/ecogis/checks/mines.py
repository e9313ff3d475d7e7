"""Check ``mines``: restored mine area (ha) and the share restored."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ecogis.checks._areas import WHOLE_CITY
from ecogis.checks._reasons import strict_scope_area, with_reasons
from ecogis.checks.spec import CheckSpec, Field, Metric
from ecogis.errors import NotMeasurableError
from ecogis.layerset import LayerSet
from ecogis.mines import mine_restoration
from ecogis.result import CheckResult

__all__ = ["SPEC", "run"]


@with_reasons("mines")
def run(layers: LayerSet, params: Mapping[str, Any], *, scope: str | None = None,
        year: int | None = None) -> CheckResult:
    """:func:`ecogis.mines.mine_restoration` of the mines in the target's scope (none: every mine; 全市 without
    a 市域 feature: every mine, with a warning)."""
    area, note = None, None
    if scope:
        try:
            area = strict_scope_area(layers, scope)
        except NotMeasurableError:
            if scope not in WHOLE_CITY:
                raise
            note = "study_area has no 市域 feature: every mine of the layer counted as the city's"
    result = mine_restoration(layers.get("mines"), area, year=year)
    if note:
        result.warnings.append(note)
    return result


SPEC = CheckSpec(
    name="mines",
    order=180,
    title=("矿山生态修复", "Mine restoration"),
    runner=run,
    inputs=("mines",),
    metrics=(
        Metric("restored_ha", "ha", ("已修复矿山面积", "Mine area restored"), target=True),
        Metric("share_restored", "share", ("矿山修复比例(面积)", "Share of mine area restored"), target=True),
        Metric("share_restored_count", "share", ("矿山修复比例(个数)", "Share of mines restored")),
        Metric("total_ha", "ha", ("矿山面积", "Mine area")),
        Metric("mines_total", "count", ("矿山数", "Mines")),
        Metric("mines_restored", "count", ("已修复矿山数", "Mines restored")),
        Metric("mines_in_progress", "count", ("修复中矿山数", "Mines being restored")),
        Metric("mines_unrestored", "count", ("未修复矿山数", "Mines not restored")),
    ),
    scoped=True,
    context=("study_area", "mines"),
    headline=("mines_total", "restored_ha", "total_ha", "share_restored"),
    result_layers=("mines",),
    fields=(
        Field("restored", label=("已修复", "Restored")),
    ),
)
