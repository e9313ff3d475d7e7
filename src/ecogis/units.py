"""Numbers as people read them: a value formatted by its unit and language.

Plan-free and layer-free: it knows units, not checks.  Areas are shown in km² or
公顷 / ha (chosen by size, or as asked), lengths in km or m, shares (0-1 floats)
as percentages with one decimal, counts with thousands separators.  The unit is
put after the number (``'45.25 km²'``), so a label needs no unit of its own.

The unit words are the ones ecogis uses everywhere: ``"m2"``, ``"km2"``,
``"ha"``, ``"m"``, ``"km"``, ``"share"`` (0-1), ``"pct"`` (0-100), ``"count"``,
``"ug/m3"``, ``"mg/L"``, ``"m3/d"``, ``"MW"``, ``"s"``, ``""`` (none); their
spellings with symbols (``"m²"``, ``"µg/m³"``) are accepted too.
:func:`unit_of_key` reads the unit from a key's suffix (``area_m2`` -> ``"m2"``).

Examples
--------
>>> from ecogis.units import format_value
>>> format_value(452521942.607, "m2", lang="zh")
'452.52 km²'
>>> format_value(120000.0, "m2", lang="zh"), format_value(120000.0, "m2", lang="en")
('12.0 公顷', '12.0 ha')
>>> format_value(0.1412, "share", lang="zh")
'14.1%'
>>> format_value(1234567, "count", lang="en")
'1,234,567'
>>> format_value(2450.0, "m", lang="zh"), format_value(480.0, "m", lang="zh")
('2.45 km', '480 m')
"""

from __future__ import annotations

import datetime as _dt
import math
import re
from typing import Any

import numpy as np
import pandas as pd

from ecogis.errors import InputError

__all__ = [
    "AREA_UNITS",
    "UNITS",
    "area_unit_for",
    "format_number",
    "format_value",
    "normalize_unit",
    "unit_of_key",
]

#: what ``area_unit=`` takes: ``"auto"`` picks km² from 1 km² up, 公顷 / ha from 0.01 ha, m² below
AREA_UNITS = ("auto", "km2", "ha", "m2")

#: the canonical unit words and their display symbols (zh, en)
UNITS: dict[str, tuple[str, str]] = {
    "": ("", ""),
    "count": ("", ""),
    "share": ("%", "%"),
    "pct": ("%", "%"),
    "m2": ("m²", "m²"),
    "ha": ("公顷", "ha"),
    "km2": ("km²", "km²"),
    "m": ("m", "m"),
    "km": ("km", "km"),
    "ug/m3": ("µg/m³", "µg/m³"),
    "mg/m3": ("mg/m³", "mg/m³"),
    "mg/L": ("mg/L", "mg/L"),
    "days": ("天", "days"),
    "mm": ("mm", "mm"),
    "m3/d": ("m³/d", "m³/d"),
    "MW": ("MW", "MW"),
    "s": ("s", "s"),
    "min": ("分钟", "min"),
    "deg": ("°", "°"),
}

_SPELLINGS = {
    "m²": "m2", "km²": "km2", "平方米": "m2", "平方公里": "km2", "公顷": "ha", "hectare": "ha", "hectares": "ha",
    "µg/m³": "ug/m3", "μg/m³": "ug/m3", "ug/m³": "ug/m3", "ugm3": "ug/m3", "mg/m³": "mg/m3",
    "mg/l": "mg/L", "mgl": "mg/L", "m³/d": "m3/d", "m3d": "m3/d", "mw": "MW", "%": "pct", "percent": "pct",
    "ratio": "", "米": "m", "公里": "km", "千米": "km",
}

#: key suffixes that carry a unit (longest first), as in ``area_m2`` or ``pm25_ugm3``
_SUFFIXES = (("_km2", "km2"), ("_m2", "m2"), ("_ha", "ha"), ("_km", "km"), ("_m", "m"), ("_ugm3", "ug/m3"),
             ("_mgl", "mg/L"), ("_m3d", "m3/d"), ("_mw", "MW"), ("_pct", "pct"), ("_min", "min"),
             ("_deg", "deg"), ("_s", "s"))
_SHARE = re.compile(r"(^|_)(share|rate)($|_)")
_COUNT = re.compile(r"(^|_)(n|count|total|stops|cells|edges|components|features|violations|uncovered)($|_)|^n_")


def normalize_unit(unit: str | None) -> str:
    """The canonical word of a unit spelling (``'m²'`` -> ``'m2'``); unknown units are kept as given.

    Examples
    --------
    >>> normalize_unit("m²"), normalize_unit("µg/m³"), normalize_unit(None), normalize_unit("MW")
    ('m2', 'ug/m3', '', 'MW')
    """
    if unit is None:
        return ""
    u = str(unit).strip()
    if u in UNITS:
        return u
    return _SPELLINGS.get(u, _SPELLINGS.get(u.lower(), u))


def unit_of_key(key: str) -> str:
    """The unit a snake_case key says by its suffix or words, ``''`` when it says none.

    Examples
    --------
    >>> unit_of_key("gap_area_m2"), unit_of_key("reached_street_km"), unit_of_key("area_share")
    ('m2', 'km', 'share')
    >>> unit_of_key("pm25_ugm3"), unit_of_key("stops_total"), unit_of_key("method")
    ('ug/m3', 'count', '')
    """
    k = str(key).lower()
    for suffix, unit in _SUFFIXES:
        if k.endswith(suffix) and len(k) > len(suffix):
            return unit
    if _SHARE.search(k):
        return "share"
    if _COUNT.search(k) or k.startswith("population") and not k.endswith(("ratio", "share")):
        return "count"
    return ""


def area_unit_for(values_m2: Any) -> str:
    """The area unit (``'km2'``, ``'ha'`` or ``'m2'``) for a set of areas in m², chosen by their median.

    One unit for a whole column keeps a table readable (no km² and 公顷 mixed).

    Examples
    --------
    >>> area_unit_for([4.5e8, 2.0e6, 8.0e5]), area_unit_for([12000.0, 50000.0]), area_unit_for([3.0])
    ('km2', 'ha', 'm2')
    """
    vals = sorted(abs(v) for v in (_float(x) for x in np.ravel(np.asarray(values_m2, dtype=object)))
                  if v is not None)
    if not vals:
        return "km2"
    med = vals[len(vals) // 2]
    if med >= 1e6:
        return "km2"
    if med >= 100.0:
        return "ha"
    return "m2"


def _float(v: Any) -> float | None:
    if v is None or isinstance(v, (bool, np.bool_, str)):
        return None
    try:
        f = float(v)
    except (TypeError, ValueError):
        return None
    return f if math.isfinite(f) else None


def format_number(x: float, *, digits: int | None = None) -> str:
    """A number with thousands separators and sensible decimals.

    ``digits`` fixes the decimals; by default about four significant figures,
    none from 10,000 up (``1,234,568``), trailing zeros dropped.

    Examples
    --------
    >>> format_number(1234567.8), format_number(12.3456), format_number(0.0123), format_number(0)
    ('1,234,568', '12.35', '0.0123', '0')
    >>> format_number(45.25, digits=1)
    '45.2'
    """
    x = float(x)
    if x == 0:
        return "0"
    if digits is None:
        a = abs(x)
        digits = 0 if a >= 10000 else 1 if a >= 1000 else 2 if a >= 10 else 3 if a >= 1 else \
            max(2, 2 - int(math.floor(math.log10(a))) + 1)
        text = f"{x:,.{min(digits, 10)}f}"
        return text.rstrip("0").rstrip(".") if "." in text else text
    return f"{x:,.{digits}f}"


def _area(m2: float, area_unit: str, i: int, digits: int | None) -> str:
    shown = area_unit if area_unit != "auto" else area_unit_for([m2])
    v = m2 / {"m2": 1.0, "ha": 1e4, "km2": 1e6}[shown]
    d = digits if digits is not None else 0 if shown == "m2" else 1 if shown == "ha" and abs(v) >= 10 else 2
    return f"{v:,.{d}f} {UNITS[shown][i]}"


def _length(metres: float, digits: int | None) -> str:
    if abs(metres) >= 1000:
        return f"{format_number(metres / 1000.0, digits=digits)} km"
    return f"{format_number(metres, digits=0 if digits is None else digits)} m"


def format_value(value: Any, unit: str | None = "", *, lang: str = "zh", area_unit: str = "auto",
                 digits: int | None = None) -> str:
    """Text of one value in its unit and language.

    Parameters
    ----------
    value : number, bool, str, date or None
        The value (areas in m², lengths in the unit given, shares as 0-1).
    unit : str
        Its unit word (see the module text); ``''`` for none.
    lang : {'zh', 'en'}
        Language of unit words (公顷 / ha) and of yes / no.
    area_unit : {'auto', 'km2', 'ha', 'm2'}
        Unit areas are shown in; ``'auto'`` chooses by size (km² from 1 km²,
        公顷 from 0.01 公顷, else m²).  Use :func:`area_unit_for` to pick one for
        a whole column.
    digits : int, optional
        Fixed number of decimals (shares: default 1).

    Returns
    -------
    str
        ``'—'`` for a missing or non-finite value.

    Examples
    --------
    >>> format_value(1120118453.0, "m2", lang="zh")
    '1,120.12 km²'
    >>> format_value(1120118453.0, "m2", lang="en", area_unit="ha")
    '112,011.8 ha'
    >>> format_value(0.5, "share", lang="en"), format_value(None, "m2"), format_value(True, "", lang="zh")
    ('50.0%', '—', '是')
    >>> format_value(12.345, "km", lang="en"), format_value(0.42, "km", lang="en"), format_value(35.2, "ug/m3")
    ('12.35 km', '420 m', '35.2 µg/m³')
    """
    if area_unit not in AREA_UNITS:
        raise InputError(f"area_unit was {area_unit!r} but is expected to be one of {list(AREA_UNITS)}")
    zh = lang == "zh"
    if value is None or value is pd.NA or value is pd.NaT:
        return "\u2014"
    if isinstance(value, (bool, np.bool_)):
        return ("是" if value else "否") if zh else ("yes" if value else "no")
    if isinstance(value, (_dt.datetime, _dt.date)):
        return value.isoformat()
    if isinstance(value, str):
        return value
    try:
        x = float(value)
    except (TypeError, ValueError):
        return str(value)
    if not math.isfinite(x):
        return "\u2014"
    u = normalize_unit(unit)
    i = 0 if zh else 1
    if u == "share":
        return f"{x * 100:.{1 if digits is None else digits}f}%"
    if u == "pct":
        return f"{x:.{1 if digits is None else digits}f}%"
    if u == "count":
        return f"{int(round(x)):,}" if float(x).is_integer() else format_number(x, digits=digits)
    if u in ("m2", "ha", "km2"):
        return _area(x * {"m2": 1.0, "ha": 1e4, "km2": 1e6}[u], area_unit, i, digits)
    if u in ("m", "km"):
        return _length(x * (1000.0 if u == "km" else 1.0), digits)
    if digits is None and float(x).is_integer() and abs(x) < 10000:  # years, codes: no separator
        text = str(int(x))
    else:
        text = format_number(x, digits=digits)
    sym = UNITS[u][i] if u in UNITS else u
    return f"{text} {sym}" if sym else text
