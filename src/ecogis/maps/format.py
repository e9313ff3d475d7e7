"""What a map prints: panel rows and popup values, by unit and language.

The numbers go through :func:`ecogis.units.format_value` (km² / 公顷, km / m,
shares as %, thousands separators); the names through
:mod:`ecogis.maps.labels`.  Popup values are formatted here, once, so the page
shows text and does no arithmetic of its own.

Examples
--------
>>> from ecogis.maps.format import format_metric
>>> format_metric("area_m2", 452521942.607)
('面积', '452.52 km²')
>>> format_metric("method", "buffer", lang="en")
('Method', 'straight-line buffer')
"""

from __future__ import annotations

import datetime as _dt
import json
import math
from typing import Any

import numpy as np
import pandas as pd
import shapely

from ecogis.checks import CHECKS
from ecogis.maps.labels import (
    UI,
    field_label,
    hidden_fields,
    latin_words,
    metric_label,
    param_label,
    shows_in,
    value_text,
)
from ecogis.units import AREA_UNITS, area_unit_for, format_value

__all__ = ["format_metric", "json_value", "params_text", "popup_fields", "popup_records", "result_panel"]

_AREAS = ("m2", "ha", "km2")


def json_value(v: Any) -> Any:
    """A value as JSON can hold it (NaN and infinities as None, numpy scalars as Python ones)."""
    if v is None or v is pd.NA or v is pd.NaT:
        return None
    if isinstance(v, (bool, np.bool_)):
        return bool(v)
    if isinstance(v, (int, np.integer)):
        return int(v)
    if isinstance(v, (float, np.floating)):
        f = float(v)
        return None if math.isnan(f) or math.isinf(f) else f
    if isinstance(v, str):
        return v
    if isinstance(v, (_dt.datetime, _dt.date, pd.Timestamp)):
        return v.isoformat()
    if isinstance(v, bytes):
        return None
    if isinstance(v, shapely.Geometry):
        return None
    if isinstance(v, (list, tuple, dict)):
        return json.loads(json.dumps(v, default=str))
    return str(v)


def format_metric(key: str, value: Any, *, check: str | None = None, lang: str = "zh",
                  area_unit: str = "auto") -> tuple[str, str]:
    """Panel label and value text of one metric.

    Known metrics get their display name and unit from the spec of ``check`` (the
    check whose result holds the metric: its ``Metric.label`` and ``Metric.unit``),
    else from the first check that labels the key (:data:`ecogis.checks.METRIC_LABELS`),
    else the key's suffix gives the unit; the value is
    formatted by :func:`ecogis.units.format_value`; engine words (``'buffer'``)
    are translated.

    Examples
    --------
    >>> format_metric("area_share", 0.8234)
    ('面积覆盖率', '82.3%')
    >>> format_metric("gap_area_m2", 1234567.8, lang="en")
    ('Gap area', '1.23 km²')
    >>> format_metric("reached_street_km", 0.35, lang="zh")
    ('可达街道长度', '350 m')
    >>> format_metric("new_area_m2", 2.5e6, check="area-change", lang="en")
    ('Current area', '2.50 km²')
    """
    label, unit = metric_label(str(key), check=check, lang=lang)
    v = json_value(value)
    if isinstance(v, (list, dict)):
        return label, json.dumps(v, ensure_ascii=False)[:200]
    return label, format_value(value_text(str(key), v, lang=lang), unit, lang=lang, area_unit=area_unit)


def popup_fields(kind: str, columns: list[str], *, lang: str) -> list[tuple[str, str, str]]:
    """``(field, label, unit)`` of the fields a layer's popups show, name and id first."""
    hidden = hidden_fields(lang)
    first = [c for c in ("name", "id") if c in columns]
    rest = [c for c in columns if c not in first and c not in hidden]
    return [(c, *field_label(c, kind=kind, lang=lang)) for c in first + rest]


def popup_records(gdf: Any, fields: list[tuple[str, str, str]], *, lang: str,
                  area_unit: str = "auto") -> list[dict[str, Any]]:
    """Feature properties as the popups show them: ``name`` / ``id`` as they are, the rest formatted.

    Areas of one field share one unit (:func:`ecogis.units.area_unit_for` of
    the column, unless ``area_unit`` fixes it).
    """
    if area_unit not in AREA_UNITS:
        format_value(0, "m2", area_unit=area_unit)  # raises the InputError
    n = len(gdf)
    cols: dict[str, list[Any]] = {}
    for name, _label, unit in fields:
        raw = [json_value(v) for v in gdf[name].tolist()]
        if name in ("name", "id"):
            cols[name] = raw
            continue
        shown_area = area_unit
        if unit in _AREAS and area_unit == "auto":
            factor = {"m2": 1.0, "ha": 1e4, "km2": 1e6}[unit]
            shown_area = area_unit_for([v * factor for v in raw if isinstance(v, (int, float))
                                        and not isinstance(v, bool)])
        cols[name] = [
            None if v is None or not shows_in(lang, name, v)
            else format_value(value_text(name, v, lang=lang), unit, lang=lang, area_unit=shown_area)
            for v in raw
        ]
    return [{k: cols[k][i] for k in cols if cols[k][i] is not None} for i in range(n)]


def params_text(check: str, params: Any, *, lang: str = "zh") -> str:
    """Parameters of an audit key (``radius_m=15000``) as people read them (``供热半径 15 km``).

    Examples
    --------
    >>> params_text("boilers", "radius_m=15000"), params_text("boilers", "radius_m=15000", lang="en")
    ('供热半径 15 km', 'Heating radius 15 km')
    """
    pairs = params.items() if isinstance(params, dict) else \
        [p.partition("=")[::2] for p in str(params).split(",") if p]
    out = []
    for name, value in pairs:
        label, unit = param_label(check, str(name).strip(), lang=lang)
        try:
            value = float(value)
        except (TypeError, ValueError):
            pass
        out.append(f"{label} {format_value(value, unit, lang=lang)}")
    return ", ".join(out)


def result_panel(result: Any, *, lang: str = "zh", area_unit: str = "auto") -> tuple[dict[str, str], list[str]]:
    """The panel rows (label -> text) and notes of a check result.

    The violation count first, then the check's parameters (those of its
    ``CheckSpec.params``) and its metrics.  On a Chinese map a reason or a
    warning the engine wrote in English is not shown; the panel says how many
    were left out and where they are.
    """

    labels = UI[lang]
    rows: dict[str, str] = {labels["violations"]: format_value(int(result.n_violations), "count", lang=lang)}
    spec = CHECKS.get(result.name)
    for p in (spec.params if spec is not None else ()):
        if p.name in (result.parameters or {}):
            label, unit = param_label(result.name, p.name, lang=lang)
            rows[label] = format_value(value_text(p.name, result.parameters[p.name], lang=lang), unit, lang=lang,
                                       area_unit=area_unit)
    for k, v in (result.metrics or {}).items():
        if isinstance(v, (dict, list, tuple)) or k == "violations":  # the count heads the panel already
            continue
        label, text = format_metric(k, v, check=result.name, lang=lang, area_unit=area_unit)
        rows[label] = text
    notes, hidden = [], 0
    for k, why in (result.not_measurable or {}).items():
        label = metric_label(k, check=result.name, lang=lang)[0]
        if lang == "zh" and latin_words(why):
            notes.append(f"{labels['not_measurable']}：{label}（{labels['see_report']}）")
        else:
            notes.append(f"{labels['not_measurable']}{'：' if lang == 'zh' else ': '}{label}: {why}")
    shown = []
    for w in result.warnings or []:
        if lang == "zh" and latin_words(w):
            hidden += 1
        else:
            shown.append(str(w))
    notes += shown[:8]
    more = len(shown[8:]) + hidden
    if more:
        notes.append(labels["more"].format(n=more) + ("（" + labels["see_report"] + "）" if lang == "zh" else
                                                      f" ({labels['see_report']})"))
    return rows, notes
