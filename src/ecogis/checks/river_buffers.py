"""Check ``river-buffers``: livestock farms and enterprises within the buffer strip of rivers (生态缓冲带)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ecogis.checks.spec import CheckSpec, Field, Metric
from ecogis.ecology import river_buffers
from ecogis.layerset import LayerSet
from ecogis.result import CheckResult

__all__ = ["SPEC", "run"]


def run(layers: LayerSet, params: Mapping[str, Any], *, scope: str | None = None,
        year: int | None = None) -> CheckResult:
    """:func:`ecogis.ecology.river_buffers` of the layer set's facilities and rivers."""
    return river_buffers(layers.get("facilities"), layers.get("rivers"))


SPEC = CheckSpec(
    name="river-buffers",
    order=70,
    title=("河流缓冲带", "River buffers"),
    runner=run,
    inputs=("facilities", "rivers"),
    metrics=(
        Metric("facilities_within_buffer", "count", ("缓冲带内设施数", "Facilities within the buffer"),
               target=True),
        Metric("facilities_checked", "count", ("核查设施数", "Facilities checked")),
        Metric("buffer_m", "m", ("缓冲带宽度", "Buffer width")),
        Metric("livestock_farm_within_buffer", "count", ("缓冲带内养殖场数", "Livestock farms within the buffer")),
        Metric("enterprise_within_buffer", "count", ("缓冲带内企业数", "Enterprises within the buffer")),
    ),
    context=("study_area", "rivers", "facilities"),
    headline=("buffer_m", "facilities_checked", "facilities_within_buffer"),
    result_layers=("buffers", "facilities_checked"),
    fields=(
        Field("within_buffer", label=("位于缓冲带内", "Within the buffer")),
    ),
    command="ecogis.cli.check_ecology:river_buffers",
)
