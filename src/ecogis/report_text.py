"""The audit report's words and numbers in Chinese and English: one table, :data:`TEXT`.

Every fixed string the report prints (headings, statuses, sources, column names, the reasons
:mod:`ecogis.audit` and the checks give) is a key of :data:`TEXT` with its Chinese and English form;
:func:`tr` picks one.  A reason the table does not know (a check's own message) is shown as is in
English and as a Chinese category in Chinese (the full text stays in ``report.json``).  Numbers:
:func:`fmt_value` (shares as % with one decimal, areas in km² / 公顷, thousands separators).

Examples
--------
>>> from ecogis.report_text import tr, fmt_value
>>> tr("status.not_met", "zh"), tr("status.not_met", "en")
('未达标', 'not met')
>>> fmt_value(0.6854, "share"), fmt_value(12_345_678.0, "m2", "zh"), fmt_value(1234567, "count")
('68.5%', '12.35 km²', '1,234,567')
"""

from __future__ import annotations

import math
from typing import Any

__all__ = ["TEXT", "LANGS", "tr", "fmt_value", "fmt_number", "fmt_change", "unit_text", "comparator_text",
           "reason_text", "need_label"]

LANGS: tuple[str, ...] = ("zh", "en")

#: key -> (Chinese, English); ``{name}`` fields are filled by :func:`tr`
TEXT: dict[str, tuple[str, str]] = {
    # page
    "title": ("规划目标核查报告", "Plan targets audit report"),
    "meta.layers": ("数据", "Layers"),
    "meta.plans": ("规划", "Plans"),
    "meta.year": ("年份", "Year"),
    "meta.all_years": ("全部年份", "all years"),
    "meta.indicators": ("上报数据表", "Reported figures"),
    "meta.previous": ("对比上期报告", "Compared with"),
    "meta.all_maps": ("全部地图", "All maps"),
    # statuses and sources
    "status.met": ("达标", "met"),
    "status.not_met": ("未达标", "not met"),
    "status.not_measurable": ("无法核查", "not measurable"),
    "source.check": ("图层核查", "check on layers"),
    "source.records": ("监测记录", "record tables"),
    "source.reported": ("上报数据", "reported figure"),
    # first screen
    "summary.title": ("概要", "Summary"),
    "summary.targets": ("共 {n} 项目标", "{n} targets"),
    "summary.by_source": ("核查依据", "Measured by"),
    "summary.gaps": ("与目标差距最大", "Worst gaps to target"),
    "summary.no_gaps": ("无未达标目标", "no target missed"),
    "summary.gap": ("实测 {measured}，目标 {target}，{off}", "measured {measured}, target {target}, {off}"),
    "summary.gap_rel": ("差 {gap}", "off by {gap}"),
    "summary.gap_zero": ("应为 0", "should be 0"),
    "summary.needs": ("补齐以下数据即可核查", "Data that would make the rest measurable"),
    "summary.no_needs": ("全部可核查", "every target is measurable"),
    "summary.n_targets": ("{n} 项", "{n} target(s)"),
    "summary.and_more": ("等", "and more"),
    # tables
    "section.measured": ("核查结果", "Measured targets"),
    "section.spatial_not_measurable": ("空间目标 · 无法核查", "Spatial targets the layers could not measure"),
    "section.not_spatial": ("非空间目标 · 无法核查", "Other targets not measured"),
    "col.status": ("状态", "Status"),
    "col.document": ("文件", "Document"),
    "col.indicator": ("指标", "Indicator"),
    "col.scope": ("范围", "Scope"),
    "col.year": ("年份", "Year"),
    "col.target": ("目标", "Target"),
    "col.measured": ("实测", "Measured"),
    "col.previous": ("上期 / 变化", "Previous / change"),
    "col.notes": ("说明", "Notes"),
    "cell.reported": ("上报 {value}", "reported {value}"),
    "cell.difference": ("实测与上报差 {value}", "measured minus reported {value}"),
    "cell.source": ("来源：{source}", "source: {source}"),
    "cell.map": ("地图", "map"),
    "cell.read_as": ("读取说明：{note}", "read as: {note}"),
    "cell.read_as_note": ("数值按百分数换算", "converted"),
    # trajectories
    "chart.title": ("年度目标与实测", "Yearly targets and measured values"),
    "chart.target": ("目标", "target"),
    "chart.measured": ("实测", "measured"),
    "chart.previous": ("上期", "previous"),
    # methods and the rest
    "checks_not_run": ("未运行的核查", "Checks not run"),
    "methods": ("核查方法", "How the checks were run"),
    "methods.notes_elsewhere": ("另有 {n} 条说明，原文见 report.json", "{n} notes, see report.json"),
    "footer.quotes": ("目标引文与参数见 report.json。", "Targets quote their source documents; see report.json "
                                                    "for the quotes and parameters."),
    "footer.repeat": ("重复核查", "Repeat"),
    # reasons (ecogis.audit and ecogis.targets give them in English)
    "reason.not_spatial": ("非空间目标：由监测、调查或台账统计，不由图层核查；可在上报数据表中填报",
                           "not spatial: measured by monitoring, surveys or accounts, not by map layers"),
    "reason.no_check": ("尚无核查方法：地图可展示相关图层，数值来自部门台账；可在上报数据表中填报",
                        "no check measures it yet (a map can show its layers; the figure comes from the bureau's "
                        "own accounts)"),
    "reason.no_value": ("规划未给出可比较的数值（{comparator}）", "target has no value to compare with ({comparator})"),
    "reason.missing_layers": ("缺少数据：{layers}", "missing data: {layers}"),
    "reason.check_incomplete": ("核查「{check}」未能给出该指标（数据中缺少相应要素或字段，详见 report.json）",
                                "check {check} could not give this metric"),
    "reason.check_failed": ("核查运行失败（详见 report.json）", "the check failed"),
    "reason.other": ("无法核查（详见 report.json）", "not measurable"),
    # what data would help
    "need.indicators": ("上报数据表 indicators.csv（目标编号、数值、来源）",
                        "a reported figure in indicators.csv (target, value, source)"),
    "need.check": ("「{check}」所需图层中的相应要素或字段", "the features or fields check {check} needs"),
    "need.layer": ("图层「{name}」", "layer {name}"),
    "need.target_value": ("目标值：规划未给出数值，需在目标库中补充", "a target value: the plan gives no figure "
                          "(add it to the targets registry)"),
    # comparators
    "cmp.not_decrease": ("不减少", "no decrease"),
    "cmp.zero": ("为零", "zero"),
    # units
    "unit.days": ("天", "days"),
    "unit.rank": ("名", "rank"),
    "unit.count": ("", ""),
    "unit.km": ("公里", "km"),
    "unit.min": ("分钟", "min"),
    "unit.km/h": ("公里/小时", "km/h"),
    "unit.1e4_t": ("万吨", "10k t"),
    "unit.1e4_kw": ("万千瓦", "10k kW"),
    "unit.1e4_m2": ("万平方米", "10k m²"),
    "unit.1e4_m3/day": ("万立方米/日", "10k m³/day"),
    "unit.ratio": ("倍", "×"),
    "unit.ug/m3": ("μg/m³", "μg/m³"),
    "unit.deaths/1e6_vehicle_km": ("人/百万车公里", "deaths per million vehicle-km"),
    "unit.ha": ("公顷", "ha"),
}


def tr(key: str, lang: str = "zh", **fields: Any) -> str:
    """The text of ``key`` in ``lang`` ("zh" or "en"), its ``{fields}`` filled.

    Raises
    ------
    KeyError
        When the table has no such key (a programming error: every fixed string is in :data:`TEXT`).
    """
    zh, en = TEXT[key]
    text = zh if lang == "zh" else en
    return text.format(**fields) if fields else text


def fmt_number(value: float, *, digits: int = 2) -> str:
    """A number with thousands separators; integers without decimals, others with up to ``digits``."""
    v = float(value)
    if v.is_integer() and abs(v) < 1e15:
        return f"{int(v):,}"
    if abs(v) >= 1e5:
        return f"{v:,.0f}"
    text = f"{v:,.{digits}f}".rstrip("0").rstrip(".")
    return text if text not in ("-0", "") else "0"


def unit_text(unit: str | None, lang: str = "zh") -> str:
    """A unit as the report prints it (``days`` -> 天); an unknown unit as given."""
    if not unit:
        return ""
    key = f"unit.{unit}"
    return tr(key, lang) if key in TEXT else unit


def fmt_value(value: Any, unit: str | None, lang: str = "zh") -> str:
    """A value in a target's unit as the report prints it.

    Examples
    --------
    >>> fmt_value(0.0172, "share"), fmt_value(118, "rank", "zh"), fmt_value(35_000.0, "m2", "en")
    ('1.7%', '第 118 名', '3.5 ha')
    """
    if value is None:
        return "—"
    try:
        v = float(value)
    except (TypeError, ValueError):
        return str(value)
    if math.isnan(v):
        return "—"
    if unit == "share":
        return f"{v * 100:.1f}%"
    if unit == "m2":
        if abs(v) >= 1e6:
            return f"{v / 1e6:,.2f} km²"
        return f"{v / 1e4:,.1f} {unit_text('ha', lang)}"
    if unit == "rank":
        return f"第 {fmt_number(v)} 名" if lang == "zh" else f"rank {fmt_number(v)}"
    u = unit_text(unit, lang)
    text = fmt_number(v)
    return f"{text} {u}" if u else text


def fmt_change(value: float | None, unit: str | None, lang: str = "zh") -> str:
    """A signed change (``+1.2%`` for a share: percentage points)."""
    if value is None:
        return "—"
    sign = "+" if value > 0 else ("−" if value < 0 else "±")
    return sign + fmt_value(abs(value), unit, lang)


def comparator_text(comparator: str, value: Any, unit: str | None, lang: str = "zh") -> str:
    """``≥ 75.0%``, ``为零``, ``不减少``.

    Examples
    --------
    >>> comparator_text(">=", 0.75, "share"), comparator_text("zero", None, "count", "en")
    ('≥ 75.0%', 'zero')
    """
    if comparator == "not_decrease":
        return tr("cmp.not_decrease", lang)
    if comparator == "zero":
        return tr("cmp.zero", lang)
    sign = {">=": "≥", "<=": "≤", "<": "<", ">": ">", "==": "="}.get(comparator, comparator)
    return f"{sign} {fmt_value(value, unit, lang)}"


def need_label(need: str, lang: str = "zh") -> str:
    """What a ``needs`` entry asks for: a layer kind (its catalogue name), ``indicators``, ``check:NAME``.

    Examples
    --------
    >>> need_label("check:sections", "en")
    'the features or fields check Water-quality sections needs'
    """
    from ecogis.catalogue import CATALOGUE, RASTERS

    if need in ("indicators", "target_value"):
        return tr(f"need.{need}", lang)
    if need.startswith("check:"):
        return tr("need.check", lang, check=_check_name(need[6:], lang))
    spec = CATALOGUE.get(need) or RASTERS.get(need)
    name = (spec.name_zh if lang == "zh" else spec.name_en) if spec is not None else need
    return tr("need.layer", lang, name=f"{name} ({need})" if spec is not None else need)


def _check_name(name: str, lang: str) -> str:
    from ecogis.checks import CHECK_TITLES

    return CHECK_TITLES.get(name, (name, name))[0 if lang == "zh" else 1]


def reason_text(d: dict[str, Any], lang: str = "zh") -> str:
    """The reason of a not-measurable target (an outcome's ``to_dict()``) in ``lang``.

    Examples
    --------
    >>> reason_text({"reason": "no `sections` layer", "needs": ["sections"]}, "zh")
    '缺少数据：图层「水质监测断面 (sections)」'
    """
    reason = d.get("reason") or ""
    if lang != "zh":
        return reason
    if reason.startswith("not spatial"):
        return tr("reason.not_spatial", lang)
    if reason.startswith("no check measures it"):
        return tr("reason.no_check", lang)
    if reason.startswith("target has no value"):
        return tr("reason.no_value", lang, comparator=comparator_text(d.get("comparator", ""), None, None, lang)
                  if d.get("comparator") in ("zero", "not_decrease") else d.get("comparator", ""))
    needs = [n for n in d.get("needs") or () if n not in ("indicators", "target_value")]
    layers = [n for n in needs if not n.startswith("check:")]
    if layers:
        return tr("reason.missing_layers", lang, layers="、".join(need_label(n, lang) for n in layers))
    if needs:
        return tr("reason.check_incomplete", lang, check=_check_name(needs[0][6:], lang))
    if reason.startswith("check failed"):
        return tr("reason.check_failed", lang)
    return tr("reason.other", lang)
