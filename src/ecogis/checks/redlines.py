"""Check ``redlines``: projects and facilities overlapping ecological red lines (生态保护红线)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ecogis.checks.spec import CheckSpec, Field, Metric
from ecogis.ecology import redline_overlap
from ecogis.errors import NotMeasurableError
from ecogis.layerset import LayerSet
from ecogis.result import CheckResult

__all__ = ["SPEC", "run"]


def run(layers: LayerSet, params: Mapping[str, Any], *, scope: str | None = None,
        year: int | None = None) -> CheckResult:
    """:func:`ecogis.ecology.redline_overlap` of the layer set's projects and facilities."""
    features = {k: layers.get(k) for k in ("projects", "facilities") if layers.has(k)}
    if not features:
        raise NotMeasurableError("layers 'projects' and 'facilities' missing")
    return redline_overlap(features, layers.get("eco_redlines"))


SPEC = CheckSpec(
    name="redlines",
    order=50,
    title=("生态保护红线冲突", "Red-line conflicts"),
    runner=run,
    inputs=("eco_redlines", "projects", "facilities"),
    metrics=(
        Metric("overlap_m2", "m2", ("占用红线面积", "Overlap with red lines"), target=True),
        Metric("features_overlapping", "count", ("占用红线的项目数", "Features overlapping red lines"),
               target=True),
        Metric("features_checked", "count", ("核查要素数", "Features checked")),
        Metric("points_inside", "count", ("红线内点位数", "Points inside red lines")),
        Metric("redline_units_affected", "count", ("受占用红线单元数", "Red-line units affected")),
        Metric("redline_area_m2", "m2", ("红线总面积", "Red-line area")),
    ),
    context=("study_area", "eco_redlines", "projects"),
    headline=("features_checked", "features_overlapping", "overlap_m2", "redline_units_affected"),
    result_layers=("overlaps",),
    fields=(
        Field("redline_id", label=("红线编号", "Red-line id"), data=True),
        Field("redline_name", label=("红线名称", "Red-line name"), data=True),
        Field("redline_category", label=("红线类型", "Red-line type"), data=True),
        Field("overlap_m2", "m2", label=("重叠面积", "Overlap")),
        Field("share_of_feature", "share", label=("占要素比例", "Share of the feature")),
    ),
    command="ecogis.cli.check_ecology:redlines",
)
