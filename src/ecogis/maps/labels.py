"""Every word a map shows, in Chinese and English: page labels, field and metric names, values.

One lookup for a field name, in this order: the catalogue field of the layer's
kind, :data:`RESULT_FIELDS` (the fields check results add), the same field name
in any catalogue kind, a check's metric label.  A metric's label is that of the
check that reports it (``check=``, its ``CheckSpec.metrics``: two checks may label
one key differently); only where no check is known the first check that labels
the key speaks (:data:`ecogis.checks.METRIC_LABELS`).  Each comes with its unit,
so :func:`ecogis.units.format_value` can show the value as people read it.

Words from the engines that a map shows as values (``'buffer'``, ``'outfall'``,
``'error'`` ...) are translated by :func:`value_text`; engine-written sentences
(a violation's ``detail``) are English and are left out of Chinese maps, whose
popups carry the same facts as labelled fields.

Examples
--------
>>> from ecogis.maps.labels import field_label, value_text
>>> field_label("area_m2", lang="zh"), field_label("area_share", lang="en")
(('面积', 'm2'), ('Area share', 'share'))
>>> value_text("method", "buffer", lang="zh"), value_text("kind", "outfall", lang="zh")
('缓冲区法', '排污口')
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from typing import Any

from ecogis.catalogue import CATALOGUE
from ecogis.checks import CHECKS, METRIC_LABELS, result_fields
from ecogis.styles import STYLES
from ecogis.units import normalize_unit, unit_of_key

__all__ = [
    "ALLOWED_LATIN",
    "latin_words",
    "GROUP_TITLES",
    "LAYER_TITLES",
    "RESULT_FIELDS",
    "UI",
    "VALUES",
    "field_label",
    "group_title",
    "hidden_fields",
    "metric_label",
    "param_label",
    "shows_in",
    "value_text",
]

#: words of the page itself
UI: dict[str, dict[str, str]] = {
    "zh": {"legend": "图例", "yes": "是", "no": "否", "fullscreen": "全屏", "exitFullscreen": "退出全屏",
           "other": "其他", "violations": "违规数", "layers": "图层数", "features": "要素数",
           "not_measurable": "无法计算", "overview": "图层总览", "index": "地图目录", "size": "大小",
           "map": "地图", "area": "核查范围", "sources": "数据来源", "made": "制图", "version": "ecogis",
           "north": "北", "layers_of": "图层", "params": "参数", "see_report": "原因见核查报告",
           "more": "另有 {n} 条"},
    "en": {"legend": "Legend", "yes": "yes", "no": "no", "fullscreen": "Full screen",
           "exitFullscreen": "Exit full screen", "other": "Other", "violations": "Violations",
           "layers": "Layers", "features": "Features", "not_measurable": "Not measurable",
           "overview": "Overview of layers", "index": "Maps", "size": "Size", "map": "Map",
           "area": "Audited area", "sources": "Data", "made": "Made", "version": "ecogis", "north": "N",
           "layers_of": "layers", "params": "Parameters", "see_report": "see the audit report",
           "more": "{n} more"},
}

#: legend / layer-tree groups (the style table names them in Chinese)
GROUP_TITLES: dict[str, tuple[str, str]] = {
    "核查结果": ("核查结果", "Results"), "水环境": ("水环境", "Water"), "生态": ("生态", "Ecology"),
    "大气": ("大气", "Air"), "交通": ("交通", "Transport"), "基础": ("基础", "Base layers"),
}

#: titles of result layers drawn beside the input layer whose style they share (river-buffers' facilities)
LAYER_TITLES: dict[str, tuple[str, str]] = {
    "facilities_checked": ("已核查设施", "Facilities checked"),
    "zones": ("核查管控区", "Zones checked"),
    "stations": ("监测站评价", "Stations assessed"),
    "buffers": ("河流缓冲带（核查）", "River buffers checked"),
    "coverage_gaps": ("覆盖空白（核查）", "Coverage gaps checked"),
}

class _ResultFields(Mapping[str, "tuple[str, str, str]"]):
    """Field name -> (zh, en, unit) of the fields check results add: :data:`ecogis.checks.SHARED_FIELDS` and
    each registered check's ``CheckSpec.fields`` (:func:`ecogis.checks.result_fields`), read when asked."""

    def __getitem__(self, name: str) -> tuple[str, str, str]:
        f = result_fields()[name]
        return f.label[0], f.label[1], f.unit

    def __contains__(self, name: object) -> bool:
        return name in result_fields()

    def __iter__(self) -> Iterator[str]:
        return iter(result_fields())

    def __len__(self) -> int:
        return len(result_fields())


#: fields check results add to their layers and violations: (zh, en, unit), live from the checks' specs
RESULT_FIELDS: Mapping[str, tuple[str, str, str]] = _ResultFields()

#: engine words shown as values, by field ('' = any field): value -> (zh, en)
VALUES: dict[str, dict[str, tuple[str, str]]] = {
    "method": {"buffer": ("缓冲区法", "straight-line buffer"), "network": ("路网法", "walking network"),
               "buffer (bracketed)": ("缓冲区法（误差上下界）", "polygon buffer, bracketed")},
    "kinds": {"all": ("全部", "all")},
    "mode": {"bus": ("公交", "bus"), "brt": ("快速公交", "bus rapid transit"), "rail": ("轨道交通", "rail")},
    "severity": {"error": ("违规", "violation"), "warning": ("预警", "warning")},
    "level": {"station": ("监测站", "station"), "district": ("分区", "district"), "city": ("全市", "city")},
    "source_layer": {k: (s.name_zh, s.name_en) for k, s in CATALOGUE.items()},
    "zone_kind": {k: (s.name_zh, s.name_en) for k, s in CATALOGUE.items()},
    "kind": {k: (s.name_zh, s.name_en) for k, s in CATALOGUE.items()},
    "": {"True": ("是", "yes"), "False": ("否", "no")},
}

#: fields a map's popups leave out: engine-written English sentences (zh); besides, a check's ``Field.hidden``
_HIDDEN = {"zh": {"detail"}, "en": set()}
_CJK = re.compile(r"[\u3400-\u9fff]")

_FIELD_INDEX: dict[str, Any] = {}


def _catalogue_field(kind: str | None, name: str):
    spec = CATALOGUE.get(kind) if kind else None
    if spec is not None:
        for f in spec.fields:
            if f.name == name:
                return f
    if name in RESULT_FIELDS:
        return None
    if not _FIELD_INDEX:
        for s in CATALOGUE.values():
            for f in s.fields:
                _FIELD_INDEX.setdefault(f.name, f)
    return _FIELD_INDEX.get(name)


def field_label(name: str, *, kind: str | None = None, check: str | None = None,
                lang: str = "zh") -> tuple[str, str]:
    """Display name of a field (no unit) and its unit word.

    ``check`` (a check name) picks that check's label of a metric key.  Falls back to
    the name itself when nothing names it (the language tests catch that).

    Examples
    --------
    >>> field_label("pm25_ugm3", kind="air_stations", lang="en")
    ('PM2.5 annual mean', 'ug/m3')
    >>> field_label("distance_m", lang="zh")
    ('距离', 'm')
    """
    i = 0 if lang == "zh" else 1
    f = _catalogue_field(kind, name)
    if f is not None and (f.name_zh if lang == "zh" else f.name_en):
        return (f.name_zh if lang == "zh" else f.name_en), normalize_unit(f.unit) or unit_of_key(name)
    if name in RESULT_FIELDS:
        zh, en, unit = RESULT_FIELDS[name]
        return (zh, en)[i], unit
    named = _check_metric(check, name)
    if named is not None and named.label:
        return named.label[i], metric_unit(name, check=check)
    if name in METRIC_LABELS:
        return METRIC_LABELS[name][i], metric_unit(name)
    return name, unit_of_key(name)


def _check_metric(check: str | None, key: str) -> Any:
    """The ``Metric`` of ``key`` in the spec of ``check`` (None when no check, no such check or metric)."""
    spec = CHECKS.get(check) if check else None
    return next((m for m in spec.metrics if m.key == key), None) if spec is not None else None


def metric_unit(key: str, *, check: str | None = None) -> str:
    """The unit of a check metric: its ``Metric.unit`` (in ``check``'s spec when given and stated there, else the
    first check's that states one), else what its key says."""
    own = _check_metric(check, key)
    if own is not None and own.unit:
        return normalize_unit(own.unit)
    for spec in CHECKS.values():
        for m in spec.metrics:
            if m.key == key and m.unit:
                return normalize_unit(m.unit)
    return unit_of_key(key)


def metric_label(key: str, *, check: str | None = None, lang: str = "zh") -> tuple[str, str]:
    """Panel label (no unit) and unit of a metric key; unknown keys keep their name.

    With ``check`` (the name of the check whose result holds the metric) its own
    ``Metric.label``; without, the first check's that labels the key.

    Examples
    --------
    >>> metric_label("gap_area_m2", lang="en"), metric_label("area_share")
    (('Gap area', 'm2'), ('面积覆盖率', 'share'))
    >>> metric_label("new_area_m2", check="area-change", lang="en")
    ('Current area', 'm2')
    """
    own = _check_metric(check, key)
    if own is not None and own.label:
        return own.label[0 if lang == "zh" else 1], metric_unit(key, check=check)
    named = METRIC_LABELS.get(key)
    if named:
        return named[0 if lang == "zh" else 1], metric_unit(key)
    return field_label(key, lang=lang)


def param_label(check: str, name: str, *, lang: str = "zh") -> tuple[str, str]:
    """Display name and unit of a check parameter (``Param.label``), else as a field.

    Examples
    --------
    >>> param_label("boilers", "radius_m", lang="zh")
    ('供热半径', 'm')
    """
    spec = CHECKS.get(check)
    for p in (spec.params if spec is not None else ()):
        if p.name == name and getattr(p, "label", None):
            return p.label[0 if lang == "zh" else 1], normalize_unit(p.unit) or unit_of_key(name)
    return field_label(name, lang=lang)


def value_text(field: str, value: Any, *, lang: str = "zh") -> Any:
    """A categorical engine word in the map's language (other values unchanged).

    Facility kinds, zone levels ... come from the style table's category labels.
    """
    if not isinstance(value, str):
        return value
    i = 0 if lang == "zh" else 1
    own = result_fields().get(field)
    for table in (VALUES.get(field, {}), own.values if own is not None else {}, VALUES[""]):
        if value in table:
            return table[value][i]
    if field == "kind" or field.endswith("_kind"):
        for c in STYLES["facilities"].categories:
            if c.value == value:
                return c.label(lang)
    return value


def hidden_fields(lang: str) -> set[str]:
    """Fields left out of popups in this language (engine-written sentences in English on a Chinese map)."""
    return set(_HIDDEN.get(lang, set())) | {f.name for f in result_fields().values() if lang in f.hidden}


def shows_in(lang: str, field: str, value: Any) -> bool:
    """Whether a value belongs on a map in ``lang``: Chinese maps leave out engine codes with no Chinese.

    ``rule`` values such as ``'WPPCL-64-outfall'`` are codes of the engine (the
    ``citation`` field has the law's words).
    """
    if lang == "zh" and field == "rule" and isinstance(value, str):
        return bool(_CJK.search(value))
    return True


#: Latin words a Chinese map may show: units, standards, pollutants, reference systems, proper names
ALLOWED_LATIN = frozenset({
    "km", "mg", "mm", "MW", "ha", "PM", "SO", "NO", "CO",
    "GB", "HJ", "GCJ", "WGS", "CGCS", "EPSG", "ecogis", "Leaflet", "OpenStreetMap",
    "OSM", "GTFS", "II", "III", "IV", "COD", "BOD", "TP", "TN", "NH", "CHP", "GeoPackage", "gpkg", "tif", "geojson",
    "csv", "shp", "pbf", "xlsx", "json", "html", "png", "IDW",
})
_LATIN = re.compile(r"[A-Za-z]{2,}")


def latin_words(text: str) -> list[str]:
    """The Latin words of a text a Chinese map must not show (units, standards, names allowed).

    Examples
    --------
    >>> latin_words("面积 452.52 km², PM2.5 44.6 µg/m³, 方法 buffer")
    ['buffer']
    """
    return [w for w in _LATIN.findall(str(text)) if w not in ALLOWED_LATIN]


def group_title(group: str, *, lang: str = "zh") -> str:
    """A legend group in the map's language."""
    return GROUP_TITLES.get(group, (group, group))[0 if lang == "zh" else 1]
