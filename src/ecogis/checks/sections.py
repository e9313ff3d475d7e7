"""Check ``sections``: monitored sections' GB 3838-2002 classes against their targets; upstream facilities."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ecogis.checks.spec import CheckSpec, Metric, metric_value
from ecogis.layerset import LayerSet
from ecogis.result import CheckResult
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
    from ecogis.errors import EcogisError
    from ecogis.section_samples import sections_with_annual_means

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
    measure=measure,
    command="ecogis.cli.check_water:sections",
)
