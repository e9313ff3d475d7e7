"""Check ``sewers``: share of the built-up area within reach of a separated sewer main, and townships
(study_area scope 乡镇) with a sewage treatment facility."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ecogis.checks._reasons import strict_scope_area, with_reasons
from ecogis.checks.spec import CheckSpec, Field, Metric, Param
from ecogis.errors import NotMeasurableError
from ecogis.layerset import LayerSet
from ecogis.result import CheckResult
from ecogis.sewers import sewer_reach, townships_with_facility

__all__ = ["SPEC", "run"]

_REACH = ("area_m2", "within_m2", "share_within", "share_within_any", "separated_km", "combined_km", "unknown_km")
_TOWNS = ("townships_total", "townships_with_plant", "townships_without_plant", "share_townships_with_plant")


@with_reasons("sewers")
def run(layers: LayerSet, params: Mapping[str, Any], *, scope: str | None = None,
        year: int | None = None) -> CheckResult:
    """:func:`ecogis.sewers.sewer_reach` in the target's scope (default 城市建成区) and
    :func:`ecogis.sewers.townships_with_facility` of the 乡镇 features; each part that lacks a layer is
    not measurable, with the reason."""
    wanted = scope or "城市建成区"
    out = CheckResult("sewers")
    parts = 0
    try:
        area = strict_scope_area(layers, wanted)
        why = None if layers.has("sewers") else "layer 'sewers' missing"
    except NotMeasurableError as exc:
        area, why = None, str(exc)
    if why is not None:
        out.not_measurable.update({k: why for k in _REACH})
    else:
        try:
            r = sewer_reach(layers.get("sewers"), area, distance_m=float(params.get("distance_m", 500.0)))
        except NotMeasurableError as exc:
            out.not_measurable.update({k: exc.reasons.get(k, str(exc)) for k in _REACH})
        else:
            out.metrics.update(r.metrics)
            out.layers.update(r.layers)
            out.parameters.update(r.parameters)
            out.warnings += r.warnings
            parts += 1
    towns = None
    if layers.has("study_area"):
        sa = layers.get("study_area")
        towns = sa[sa["scope"] == "乡镇"] if "scope" in sa.columns else None
    if towns is None or towns.empty or not layers.has("facilities"):
        why = ("study_area has no 乡镇 (township) feature" if towns is None or towns.empty
               else "layer 'facilities' missing")
        out.not_measurable.update({k: why for k in _TOWNS})
    else:
        t = townships_with_facility(towns, layers.get("facilities"))
        out.metrics.update(t.metrics)
        out.layers.update(t.layers)
        out.parameters.update(t.parameters)
        out.warnings += [w for w in t.warnings if w not in out.warnings]
        out.violations = t.violations
        parts += 1
    if parts == 0:
        raise NotMeasurableError("; ".join(sorted(set(out.not_measurable.values()))), reasons=out.not_measurable)
    return out


SPEC = CheckSpec(
    name="sewers",
    order=170,
    title=("雨污分流与乡镇污水处理", "Separated sewers and township treatment"),
    runner=run,
    inputs=("sewers", "study_area", "facilities"),
    params=(Param("distance_m", 500.0, unit="m", minimum=0.0, min_open=True,
                  label=("分流管网服务距离", "Reach of a separated main"),
                  doc="reach of a separated main (straight line)"),),
    metrics=(
        Metric("share_within", "share", ("分流管网服务覆盖率", "Share within reach of separated mains"), target=True),
        Metric("share_within_any", "share", ("管网服务覆盖率", "Share within reach of any main")),
        Metric("separated_km", "km", ("雨污分流管网长度", "Separated mains"), target=True),
        Metric("combined_km", "km", ("合流管网长度", "Combined mains"), target=True),
        Metric("townships_with_plant", "count", ("有污水处理设施乡镇数", "Townships with a treatment facility"),
               target=True),
        Metric("share_townships_with_plant", "share", ("乡镇污水处理设施覆盖率", "Share of townships with one"),
               target=True),
        Metric("townships_without_plant", "count", ("无污水处理设施乡镇数", "Townships without one"), target=True),
        Metric("townships_total", "count", ("乡镇数", "Townships")),
        Metric("within_m2", "m2", ("分流管网服务范围面积", "Area within reach of separated mains")),
        Metric("unknown_km", "km", ("分流状态不明管网长度", "Mains of unknown status")),
    ),
    scoped=True,
    context=("study_area", "sewers", "facilities"),
    headline=("share_within", "separated_km", "townships_total", "townships_with_plant"),
    result_layers=("sewer_reach", "townships"),
    fields=(
        Field("has_plant", label=("有污水处理设施", "Has a treatment plant")),
        Field("plants", "count", label=("污水处理设施数", "Treatment plants")),
    ),
)
