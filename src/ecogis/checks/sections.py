"""Check ``sections``: monitored sections' GB 3838-2002 classes against their targets; upstream facilities."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ecogis.catalogue import CATALOGUE
from ecogis.checks.spec import CheckSpec, Field, Metric, metric_value
from ecogis.errors import EcogisError
from ecogis.layerset import LayerSet
from ecogis.result import CheckResult
from ecogis.section_samples import sections_with_annual_means
from ecogis.water import sections_check, share_meeting_class

__all__ = ["SPEC", "measure", "run", "with_samples"]


def run(layers: LayerSet, params: Mapping[str, Any], *, scope: str | None = None,
        year: int | None = None) -> CheckResult:
    """:func:`ecogis.water.sections_check` on the layer set; with a ``section_samples`` table the sections'
    concentrations are its annual means (:func:`with_samples`)."""
    if layers.has("section_samples") and layers.has("sections"):
        return with_samples(layers)
    return sections_check(layers)


def with_samples(layers: LayerSet, **options: Any) -> CheckResult:
    """The check on the annual means of the monthly samples (:mod:`ecogis.section_samples`); the result's
    ``parameters["concentrations_from"]`` and warnings say which values were used.  Unreadable samples
    leave the layer's values, with a warning.  ``options`` go to :func:`ecogis.water.sections_check`
    (``rivers``, ``facilities``, ``upstream_km`` ...)."""

    try:
        sections, warnings, used = sections_with_annual_means(layers.get("sections"),
                                                              layers.table("section_samples"))
    except EcogisError as exc:
        result = sections_check(layers, **options)
        result.warnings.append(f"section_samples not used, the sections layer's values are ({exc})")
        result.parameters["concentrations_from"] = "sections layer (one value per section)"
        return result
    result = sections_check(layers, sections=sections, **options)
    result.warnings += [f"classes from the {used} in place of the sections layer's one value per section",
                        *warnings]
    result.parameters["concentrations_from"] = used
    return result


def measure(target: Any, result: CheckResult) -> tuple[float | None, str | None]:
    """``share_meeting_class`` for the target's own sections (its ``select`` and ``water_class``);
    the other metrics off ``result.metrics``."""
    if target.metric == "share_meeting_class":
        select = {f: list(v) for f, v in getattr(target, "select", ())}
        return share_meeting_class(result.layers.get("sections_classified"), water_class=target.water_class,
                                   select=select)
    return metric_value(target, result)


#: the sections' concentration fields (the deciding indicator's values) -> their catalogue names
_DECIDING_INDICATORS = {f.name: (f.name_zh, f.name_en) for f in CATALOGUE["sections"].fields if f.name.endswith("_mgl")}

SPEC = CheckSpec(
    name="sections",
    order=40,
    title=("水质断面", "Water-quality sections"),
    runner=run,
    inputs=("sections", "rivers", "facilities"),
    metrics=(
        Metric("sections_total", "count", ("断面数", "Sections")),
        Metric("sections_evaluated", "count", ("已评价断面", "Sections rated")),
        Metric("sections_failing", "count", ("未达标断面", "Sections failing")),
        Metric("compliance_rate", "share", ("断面达标率", "Compliance rate"), target=True),
        Metric("compliance_rate_national", "share", ("国控断面达标率", "National sections compliance"),
               target=True),
        Metric("compliance_rate_provincial", "share", ("省控断面达标率", "Provincial sections compliance"),
               target=True),
        Metric("share_class_iii_or_better", "share", ("III类及以上比例", "Class III or better"), target=True),
        Metric("share_worse_than_v", "share", ("劣V类比例", "Worse than class V"), target=True),
        Metric("drinking_source_compliance_rate", "share",
               ("饮用水源断面达标率", "Drinking-source sections compliance"), target=True),
        # computed per target from its select / water_class (see measure), not a key of result.metrics
        Metric("share_meeting_class", "share", ("达到目标类别断面比例", "Share of sections meeting the class"),
               target=True),
        Metric("upstream_facilities", "count", ("上游设施数", "Facilities upstream")),
        Metric("compliance_rate_by_level", "share", ("分级达标率", "Compliance by level")),
    ),
    context=("study_area", "rivers", "sections"),
    headline=("sections_total", "sections_evaluated", "compliance_rate", "compliance_rate_national",
              "compliance_rate_provincial", "share_class_iii_or_better", "share_worse_than_v",
              "drinking_source_compliance_rate", "upstream_facilities"),
    result_layers=("sections_classified", "rivers_classified", "upstream_reaches", "upstream_facilities"),
    fields=(
        Field("distance_to_river_m", "m", label=("距河道距离", "Distance to the river")),
        Field("upstream_distance_m", "m", label=("上游距离", "Distance upstream")),
        Field("water_class", label=("水质类别", "Water class")),
        Field("class_source", label=("类别依据", "Class from"),
              values={"concentrations": ("实测浓度", "concentrations"),
                      "measured_class": ("实测类别", "measured class")}),
        Field("compliant", label=("达标", "Meets target")),
        Field("deciding_indicator", label=("定类指标", "Deciding indicator"), values=_DECIDING_INDICATORS,
              hidden=("zh",)),  # an engine code (cod_mgl): Chinese maps show deciding_indicator_zh
        Field("deciding_indicator_zh", label=("定类指标", "Deciding indicator"), hidden=("en",)),
        Field("deciding_value_mgl", "mg/L", label=("定类指标浓度", "Deciding value")),
        Field("annual_samples", "count", label=("年度监测次数", "Samples in the year")),
    ),
    measure=measure,
    target_keys=("select",),
    command="ecogis.cli.check_water:sections",
)
