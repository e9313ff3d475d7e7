"""Check ``black-odorous-water``: black-odorous water bodies in the scope area, status and share eliminated."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ecogis.black_odorous import black_odorous_water
from ecogis.checks._reasons import strict_scope_area, with_reasons
from ecogis.checks.spec import CheckSpec, Field, Metric
from ecogis.layerset import LayerSet
from ecogis.result import CheckResult

__all__ = ["SPEC", "run"]


@with_reasons("black-odorous-water")
def run(layers: LayerSet, params: Mapping[str, Any], *, scope: str | None = None,
        year: int | None = None) -> CheckResult:
    """:func:`ecogis.black_odorous.black_odorous_water` inside the target's scope (default 城市建成区)."""
    area = strict_scope_area(layers, scope)
    return black_odorous_water(layers.get("black_odorous_waters"), area, year=year)


SPEC = CheckSpec(
    name="black-odorous-water",
    order=160,
    title=("黑臭水体", "Black-odorous water bodies"),
    runner=run,
    inputs=("black_odorous_waters", "study_area"),
    metrics=(
        Metric("share_eliminated", "share", ("黑臭水体消除比例", "Share eliminated"), target=True),
        Metric("bodies_remaining", "count", ("未消除黑臭水体", "Bodies not eliminated"), target=True),
        Metric("share_remaining", "share", ("黑臭水体比例(未消除)", "Share not eliminated"), target=True),
        Metric("share_eliminated_length", "share", ("消除比例(长度)", "Share eliminated by length"), target=True),
        Metric("share_eliminated_area", "share", ("消除比例(面积)", "Share eliminated by area"), target=True),
        Metric("bodies_total", "count", ("黑臭水体数", "Bodies")),
        Metric("bodies_eliminated", "count", ("已消除黑臭水体", "Bodies eliminated")),
        Metric("last_year_eliminated", "", ("最近消除年份", "Last year eliminated")),
    ),
    scoped=True,
    context=("study_area", "rivers"),
    headline=("bodies_total", "bodies_eliminated", "share_eliminated", "share_eliminated_length"),
    result_layers=("black_odorous_waters",),
    fields=(
        Field("eliminated", label=("已消除", "Eliminated")),
    ),
)
