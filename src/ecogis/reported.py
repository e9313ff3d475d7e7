"""Reported figures: the ``indicators`` table (CSV or Excel) of values someone reports for a target.

A bureau's own figures (a ranking, a treatment rate, a satisfaction survey) are not computed from
layers or records; the audit takes them from a table, one row per figure, and checks them against
the target like any measured value, citing the row's ``source``.

Columns (English or Chinese headers):

==============  =======================================  ==========================================
column          aliases                                  content
==============  =======================================  ==========================================
``target``      目标, 目标编号, 目标id, target_id        a registry id (``luohe-eco-2023/taxis-nev-2024``)
``indicator``   指标, 指标代码                           or an indicator key with ``year`` (every
                                                         plan's target of that indicator and year)
``year``        年份, 年度                               the target's year (required with ``indicator``)
``value``       数值, 值, 实际值, 完成值                  the figure; ``68.5%`` for a share is 0.685
``source``      来源, 数据来源, 出处                      where the figure comes from (required)
``date``        日期, 发布日期, 统计日期                  optional: when it was published
``unit``        单位                                     optional: the unit of ``value``
==============  =======================================  ==========================================

Units: a share target (unit ``share``, 0-1) takes ``0.685``, ``68.5%`` or ``68.5`` with unit ``%``;
a bare number between 1 and 100 for a share is read as a percentage **with a warning** (never
silently); anything else that does not fit the target's unit is refused.  Every problem of every
row is gathered into one :class:`~ecogis.errors.InputError` naming the file, the row (the header is
row 1) and the column.

Examples
--------
>>> import tempfile, pathlib
>>> from ecogis.reported import read_indicators
>>> p = pathlib.Path(tempfile.mkdtemp()) / "indicators.csv"
>>> _ = p.write_text("target,value,source\\nluohe-eco-2023/taxis-nev-2024,55%,市交通运输局 2024 年报\\n",
...                  encoding="utf-8")
>>> figures = read_indicators(p)
>>> r = figures["luohe-eco-2023/taxis-nev-2024"]
>>> round(r.value, 3), r.source, r.row
(0.55, '市交通运输局 2024 年报', 2)
"""

from __future__ import annotations

import difflib
import math
import os
import re
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ecogis.errors import InputError, LayerReadError

__all__ = ["ReportedValue", "ReportedFigures", "read_indicators", "find_indicators", "INDICATOR_COLUMNS",
           "INDICATORS_FILENAMES"]

#: file names the audit looks for in a layers directory
INDICATORS_FILENAMES: tuple[str, ...] = ("indicators.csv", "indicators.xlsx", "indicators.xls")

#: canonical column -> accepted headers (compared lower-case, spaces and underscores ignored)
INDICATOR_COLUMNS: dict[str, tuple[str, ...]] = {
    "target": ("target", "target_id", "targetid", "id", "目标", "目标编号", "目标id", "目标代码"),
    "indicator": ("indicator", "指标", "指标代码", "指标键"),
    "year": ("year", "年份", "年度", "年"),
    "value": ("value", "数值", "值", "实际值", "完成值", "数据"),
    "source": ("source", "来源", "数据来源", "出处"),
    "date": ("date", "日期", "发布日期", "统计日期"),
    "unit": ("unit", "单位"),
}

#: unit as written -> (target unit, factor to multiply the value by)
_UNIT_ALIASES: dict[str, tuple[str, float]] = {
    "share": ("share", 1.0), "比例": ("share", 1.0), "0-1": ("share", 1.0), "fraction": ("share", 1.0),
    "%": ("share", 0.01), "％": ("share", 0.01), "percent": ("share", 0.01), "百分比": ("share", 0.01),
    "ug/m3": ("ug/m3", 1.0), "μg/m3": ("ug/m3", 1.0), "µg/m3": ("ug/m3", 1.0), "μg/m³": ("ug/m3", 1.0),
    "µg/m³": ("ug/m3", 1.0), "微克/立方米": ("ug/m3", 1.0), "mg/m3": ("ug/m3", 1000.0), "mg/m³": ("ug/m3", 1000.0),
    "days": ("days", 1.0), "day": ("days", 1.0), "d": ("days", 1.0), "天": ("days", 1.0),
    "rank": ("rank", 1.0), "名": ("rank", 1.0), "位": ("rank", 1.0), "位次": ("rank", 1.0),
    "count": ("count", 1.0), "个": ("count", 1.0), "辆": ("count", 1.0), "座": ("count", 1.0),
    "条": ("count", 1.0), "台": ("count", 1.0), "处": ("count", 1.0), "户": ("count", 1.0), "套": ("count", 1.0),
    "1e4_t": ("1e4_t", 1.0), "万吨": ("1e4_t", 1.0), "t": ("1e4_t", 1e-4), "吨": ("1e4_t", 1e-4),
    "km": ("km", 1.0), "公里": ("km", 1.0), "千米": ("km", 1.0), "m": ("km", 1e-3), "米": ("km", 1e-3),
    "min": ("min", 1.0), "分钟": ("min", 1.0),
    "km/h": ("km/h", 1.0), "公里/小时": ("km/h", 1.0), "千米/小时": ("km/h", 1.0),
    "1e4_kw": ("1e4_kw", 1.0), "万千瓦": ("1e4_kw", 1.0),
    "1e4_m2": ("1e4_m2", 1.0), "万平方米": ("1e4_m2", 1.0), "m2": ("m2", 1.0), "平方米": ("m2", 1.0),
    "km2": ("m2", 1e6), "平方公里": ("m2", 1e6), "公顷": ("m2", 1e4), "ha": ("m2", 1e4),
    "1e4_m3/day": ("1e4_m3/day", 1.0), "万立方米/日": ("1e4_m3/day", 1.0), "万立方米/天": ("1e4_m3/day", 1.0),
    "万m3/d": ("1e4_m3/day", 1.0), "ratio": ("ratio", 1.0), "倍": ("ratio", 1.0),
}

_NUMBER = re.compile(r"^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$")
_THOUSANDS = re.compile(r"^[+-]?\d{1,3}(,\d{3})+(\.\d+)?$")


@dataclass(frozen=True)
class ReportedValue:
    """One reported figure, read into its target's unit.

    Attributes
    ----------
    target : str
        The registry id of the target it measures.
    value : float
        In the target's unit (a share as 0-1).
    source : str
        Where the figure comes from, as the table gives it.
    year : int or None
        The year the row names (None when it gives only ``target``).
    date : str or None
        The row's ``date``, as given.
    given : str
        The cell as written, with its unit (``"68.5 %"``), for the report.
    file : str
    row : int
        The row in the file (the header is row 1).
    warnings : tuple of str
        How the value was read when that is not evident (a bare 68.5 taken as 68.5 %).
    """

    target: str
    value: float
    source: str
    year: int | None
    date: str | None
    given: str
    file: str
    row: int
    warnings: tuple[str, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready."""
        return {"target": self.target, "value": self.value, "source": self.source, "year": self.year,
                "date": self.date, "given": self.given, "file": self.file, "row": self.row,
                "warnings": list(self.warnings)}


@dataclass(frozen=True)
class ReportedFigures(Mapping[str, ReportedValue]):
    """The reported figures of one table, by target id (a read-only mapping).

    Attributes
    ----------
    path : str or None
        The table they were read from.
    values : dict of str to ReportedValue
    warnings : list of str
        Every reading warning (also on each value).
    """

    path: str | None = None
    values: dict[str, ReportedValue] = field(default_factory=dict)
    warnings: tuple[str, ...] = ()

    def __getitem__(self, key: str) -> ReportedValue:
        return self.values[key]

    def __iter__(self) -> Iterator[str]:
        return iter(self.values)

    def __len__(self) -> int:
        return len(self.values)


def find_indicators(directory: str | os.PathLike | None) -> Path | None:
    """The ``indicators.csv`` / ``.xlsx`` / ``.xls`` of a layers directory, or None.

    Examples
    --------
    >>> from ecogis.layerset import sample_dir
    >>> find_indicators(sample_dir()).name
    'indicators.csv'
    """
    if directory is None:
        return None
    root = Path(directory)
    if not root.is_dir():
        return None
    by_name = {p.name.lower(): p for p in root.iterdir() if p.is_file()}
    return next((by_name[n] for n in INDICATORS_FILENAMES if n in by_name), None)


def _norm_header(name: Any) -> str:
    return re.sub(r"[\s_\-]+", "", str(name).strip().lower().lstrip("\ufeff"))


def _columns(headers: Sequence[Any], file: str) -> dict[str, str]:
    """canonical -> the header the file uses; an error when a header is given twice or required ones lack."""
    lookup = {_norm_header(a): canon for canon, aliases in INDICATOR_COLUMNS.items() for a in aliases}
    found: dict[str, str] = {}
    for h in headers:
        canon = lookup.get(_norm_header(h))
        if canon is None:
            continue
        if canon in found:
            raise InputError(f"{file}: columns {found[canon]!r} and {h!r} both give `{canon}`; keep one")
        found[canon] = str(h)
    missing = [c for c in ("value", "source") if c not in found]
    if "target" not in found and "indicator" not in found:
        missing.insert(0, "target (or indicator + year)")
    if "indicator" in found and "target" not in found and "year" not in found:
        missing.append("year (with indicator)")
    if missing:
        raise InputError(f"{file}: the indicators table has columns {list(map(str, headers))} but lacks {missing}; "
                         f"expected `target` (a registry id) or `indicator` + `year`, and `value`, `source` "
                         f"(Chinese headers 目标 / 指标 + 年份, 数值, 来源 work too)")
    return found


def _read_table(path: Path) -> list[dict[str, str]]:
    """The table's rows as text cells, read through GDAL (CSV or XLSX/XLS driver), header on row 1."""
    import pyogrio  # heavy for this module: pyogrio loads geopandas

    suffix = path.suffix.lower()
    if suffix not in (".csv", ".txt", ".xlsx", ".xls"):
        raise InputError(f"{path}: an indicators table is expected as .csv, .xlsx or .xls, not {suffix or 'no suffix'}")
    if not path.is_file():
        raise InputError(f"{path}: no such file; give an indicators table (.csv, .xlsx, .xls)")
    if suffix == ".xls" and "XLS" not in pyogrio.list_drivers():
        raise InputError(f"{path}: this GDAL has no driver for the old Excel format .xls (FreeXL); save the sheet "
                         f"as .xlsx or .csv")
    opts: dict[str, Any] = {}
    if suffix == ".csv" or suffix == ".txt":
        raw = path.read_bytes()
        try:
            raw.decode("utf-8")
            encoding = None
        except UnicodeDecodeError:
            try:
                raw.decode("gb18030")
            except UnicodeDecodeError:
                raise LayerReadError(f"{path}: the text is neither UTF-8 nor GB18030 (GBK); save it as UTF-8") from None
            encoding = "gb18030"
        opts = {"HEADERS": "YES", "AUTODETECT_TYPE": "NO", "EMPTY_STRING_AS_NULL": "YES"}
        if encoding:
            opts["encoding"] = encoding
    else:
        opts = {"HEADERS": "FORCE", "FIELD_TYPES": "STRING"}
    try:
        df = pyogrio.read_dataframe(path, read_geometry=False, **opts)
    except Exception as exc:  # pyogrio's DataSourceError and GDAL errors: the file is not a table
        raise LayerReadError(f"{path}: cannot be read as a table through GDAL ({exc})") from None
    rows = []
    for rec in df.to_dict(orient="records"):
        rows.append({str(k): ("" if v is None or (isinstance(v, float) and math.isnan(v)) else str(v).strip())
                     for k, v in rec.items()})
    return rows


def _parse_number(text: str) -> tuple[float | None, bool, str | None]:
    """(number, had a percent sign, problem)."""
    t = text.strip().replace("\u2212", "-")
    pct = t.endswith(("%", "％"))
    if pct:
        t = t[:-1].strip()
    if _THOUSANDS.match(t):
        t = t.replace(",", "")
    if not _NUMBER.match(t):
        return None, pct, f"`value` was {text!r} but is expected to be a number (e.g. 0.685, 68.5%, 1234.5)"
    v = float(t)
    if not math.isfinite(v):
        return None, pct, f"`value` was {text!r} but is expected to be a finite number"
    return float(f"{v:.12g}"), pct, None


def _convert(text: str, unit_text: str, target: Any) -> tuple[float | None, list[str], str | None]:
    """The value in the target's unit, warnings, or a problem (unit mismatch, out of range)."""
    number, pct, problem = _parse_number(text)
    if problem:
        return None, [], problem
    assert number is not None
    want = target.unit
    warnings: list[str] = []
    unit_key = unit_text.strip()
    if pct and unit_key and _UNIT_ALIASES.get(unit_key, ("", 0))[0] != "share":
        return None, [], f"`value` {text!r} has a % sign but `unit` says {unit_text!r}"
    if pct:
        unit_key = "%"
    if unit_key:
        alias = _UNIT_ALIASES.get(unit_key) or _UNIT_ALIASES.get(unit_key.lower())
        if alias is None and unit_key != want:
            return None, [], (f"`unit` was {unit_text!r}, which ecogis does not know; target {target.id} is in "
                              f"{want!r} (write the value in {want!r} or use one of the units in docs/report.md)")
        canon, factor = alias if alias else (want, 1.0)
        if canon != want:
            return None, [], (f"unit mismatch: `unit` was {unit_text if unit_text else '%'!r} ({canon}) but target "
                              f"{target.id} is in {want!r}; give the value in {want!r}")
        value = float(f"{number * factor:.12g}")
        goal = float(target.value) if target.value is not None else None
        if pct and goal and abs(number - goal) <= 0.5 * goal and value < 0.2 * goal:  # 0.685% for a 0.685 target
            warnings.append(f"{target.id}: {text} read as {value:g} (under 1 %); if {number:g} was meant as a "
                            f"share, write {number * 100:g}%")
        if factor != 1.0 and want != "share":
            warnings.append(f"{target.id}: {text} {unit_text} converted to {value:g} {want}")
    elif want == "share" and 1.0 < number <= 100.0:
        value = float(f"{number / 100.0:.12g}")
        warnings.append(f"{target.id}: value {text} for a share (0-1) with no unit read as {number:g} % = "
                        f"{value:g}; write {value:g} or {number:g}% to silence this")
    else:
        value = number
    if want == "share" and not 0.0 <= value <= 1.0:
        return None, [], (f"`value` was {text!r}{(' ' + unit_text) if unit_text else ''} but target {target.id} "
                          f"is a share, expected 0-1 (or 0-100 %)")
    if want in ("rank", "count", "days") and value < 0:
        return None, [], f"`value` was {text!r} but a {want} cannot be negative"
    if want == "rank" and value < 1:
        return None, [], f"`value` was {text!r} but a rank starts at 1"
    return value, warnings, None


def _resolve(row: Mapping[str, str], cols: Mapping[str, str], by_id: Mapping[str, Any],
             by_indicator: Mapping[tuple[str, int], list[Any]]) -> tuple[list[Any], int | None, str | None, str]:
    """(targets the row measures, its year, problem, column of the problem)."""
    tid = row.get(cols.get("target", ""), "") if "target" in cols else ""
    ind = row.get(cols.get("indicator", ""), "") if "indicator" in cols else ""
    year_text = row.get(cols.get("year", ""), "") if "year" in cols else ""
    year: int | None = None
    if year_text:
        try:
            year = int(float(year_text))
            if float(year_text) != year or not 1900 <= year <= 2200:
                raise ValueError
        except ValueError:
            return [], None, f"`year` was {year_text!r} but is expected to be a year (e.g. 2024)", cols["year"]
    if tid:
        if tid not in by_id:
            close = difflib.get_close_matches(tid, list(by_id), n=3, cutoff=0.6)
            hint = f" (closest: {close})" if close else " (ecogis.targets.load_targets() lists them)"
            return [], year, f"`target` was {tid!r} but no target of the registry has that id{hint}", cols["target"]
        t = by_id[tid]
        if year is not None and year != t.year:
            return [], year, f"`year` was {year} but target {tid} is for {t.year}", cols["year"]
        if ind and ind != t.indicator:
            return [], year, f"`indicator` was {ind!r} but target {tid} is {t.indicator!r}", cols["indicator"]
        return [t], year, None, ""
    if not ind:
        col = cols.get("target") or cols["indicator"]
        return [], year, "neither `target` nor `indicator` is given; give a registry id or an indicator + year", col
    if year is None:
        return [], None, f"`year` is missing; `indicator` {ind!r} needs the target's year", cols.get("year", "year")
    matched = by_indicator.get((ind, year), [])
    if not matched:
        years = sorted({y for (i, y) in by_indicator if i == ind})
        if years:
            why = f"the registry has {ind!r} for {years}, not {year}"
        else:
            close = difflib.get_close_matches(ind, sorted({i for i, _ in by_indicator}), n=3, cutoff=0.6)
            why = "no target of the registry has that indicator" + (f" (closest: {close})" if close else "")
        return [], year, f"`indicator` was {ind!r} with year {year} but {why}", cols["indicator"]
    plans = [t.plan for t in matched]
    kinds = {(t.scope, t.unit) for t in matched}
    if len(set(plans)) < len(plans) or len(kinds) > 1:
        ids = [t.id for t in matched]
        return [], year, (f"`indicator` {ind!r} with year {year} names {len(ids)} different targets {ids}; give "
                          f"`target` (the id) instead"), cols["indicator"]
    return matched, year, None, ""


def read_indicators(path: str | os.PathLike, *, targets: Iterable[Any] | None = None) -> ReportedFigures:
    """Read an indicators table of reported figures.

    Parameters
    ----------
    path : path-like
        A ``.csv`` (UTF-8 or GBK) or ``.xlsx`` / ``.xls`` file (first sheet), read through GDAL.
    targets : iterable of Target, optional
        The targets the rows may name; default the packaged registry.

    Returns
    -------
    ReportedFigures
        By target id, each value in its target's unit.

    Raises
    ------
    InputError
        Listing every problem (file, row, column): unknown target ids or indicators, values that are
        not numbers, a unit that does not fit the target, two rows for the same target, an empty source.

    Examples
    --------
    >>> from ecogis.layerset import sample_dir
    >>> figures = read_indicators(sample_dir() / "indicators.csv")
    >>> figures["luohe-transit-2023/passenger-satisfaction-2025"].source.endswith("（示意）")
    True
    """
    from ecogis.targets import load_targets  # heavy: the registry loads every engine

    p = Path(path)
    file = str(p)
    pool = list(load_targets() if targets is None else targets)
    by_id = {t.id: t for t in pool}
    by_indicator: dict[tuple[str, int], list[Any]] = {}
    for t in pool:
        by_indicator.setdefault((t.indicator, t.year), []).append(t)
    rows = _read_table(p)
    if not rows:
        raise InputError(f"{file}: the indicators table has no rows; add one row per reported figure")
    cols = _columns(list(rows[0]), file)
    problems: list[str] = []
    values: dict[str, ReportedValue] = {}
    warnings: list[str] = []
    for i, row in enumerate(rows):
        n = i + 2
        if not any(row.values()):
            continue

        def bad(col: str, msg: str, n: int = n) -> None:
            problems.append(f"{file}: row {n}, column {col!r}: {msg}")

        matched, year, problem, col = _resolve(row, cols, by_id, by_indicator)
        if problem:
            bad(col, problem)
            continue
        value_text = row.get(cols["value"], "")
        source = row.get(cols["source"], "")
        unit_text = row.get(cols["unit"], "") if "unit" in cols else ""
        date = (row.get(cols["date"], "") if "date" in cols else "") or None
        if not value_text:
            bad(cols["value"], "`value` is empty; give the figure or remove the row")
            continue
        if not source:
            bad(cols["source"], "`source` is empty; say where the figure comes from (a bulletin, a department)")
            continue
        if date and not re.match(r"^\d{4}(-\d{1,2}(-\d{1,2})?)?$", date.replace("/", "-").replace(".", "-")):
            bad(cols["date"], f"`date` was {date!r} but is expected as YYYY-MM-DD (or YYYY-MM, YYYY)")
            continue
        for t in matched:
            value, warns, problem = _convert(value_text, unit_text, t)
            if problem:
                bad(cols["unit"] if problem.startswith(("unit", "`unit`")) and "unit" in cols else cols["value"],
                    problem)
                continue
            assert value is not None
            if t.id in values:
                bad(col or cols.get("target") or cols["indicator"],
                    f"target {t.id} is also given on row {values[t.id].row}; keep one row per target")
                continue
            given = f"{value_text} {unit_text}".strip()
            where = [f"{file}: row {n}: {w}" for w in warns]
            warnings += where
            values[t.id] = ReportedValue(t.id, value, source, year, date, given, file, n, tuple(where))
    if problems:
        shown = problems[:50]
        more = f"\n  ... and {len(problems) - 50} more" if len(problems) > 50 else ""
        raise InputError(f"{len(problems)} problem(s) in the indicators table {file}\n  " + "\n  ".join(shown) + more)
    return ReportedFigures(file, values, tuple(warnings))
