"""Record tables: non-spatial tables of monitoring records read from CSV or Excel.

A record table holds rows of dated measurements without geometry: daily
air-quality records per station or for the city (kind ``air_daily``) and monthly
water samples per monitored section (kind ``section_samples``).  Each kind has a
:class:`TableSchema` (canonical field names, Chinese and English names, units,
aliases including the headers of Chinese monitoring exports such as 日期, 站点,
监测时间, PM2.5, 臭氧8小时, 断面名称, 氨氮, 总磷, 化学需氧量).

:func:`read_table` reads a ``.csv`` (UTF-8 or GB18030) or ``.xlsx`` through GDAL
(pyogrio), renames the columns to the canonical names, parses dates and numbers
and refuses a bad file with one error listing every bad cell by file, row (as
the spreadsheet numbers it: the header is row 1) and column.  :func:`find_tables`
finds the tables of a layers directory by file name (``air_daily.csv``,
``section_samples.xlsx``); :class:`ecogis.layerset.LayerSet` reads them through
:meth:`~ecogis.layerset.LayerSet.table`.

Examples
--------
>>> import tempfile, pathlib
>>> d = pathlib.Path(tempfile.mkdtemp())
>>> _ = (d / "air_daily.csv").write_text("日期,站点,PM2.5\\n2024-01-01,市监测站,35\\n", encoding="utf-8")
>>> t = read_table(d / "air_daily.csv", "air_daily")
>>> list(t.columns), t["pm25"].tolist()
(['date', 'station', 'pm25'], [35.0])
>>> sorted(find_tables(d))
['air_daily']
"""

from __future__ import annotations

import datetime as _dt
import logging
import os
import re
import unicodedata
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from ecogis.errors import CatalogueError, LayerReadError

__all__ = ["Column", "TableSchema", "TABLES", "TABLE_FILE_SUFFIXES", "read_table", "canonicalize_table",
           "find_tables", "MISSING_MARKS"]

log = logging.getLogger(__name__)

#: suffixes a record table may have (GDAL reads both; legacy .xls is not read: save it as .xlsx)
TABLE_FILE_SUFFIXES = (".csv", ".xlsx")

#: cell texts that mean "no value" (blank cells too)
MISSING_MARKS = frozenset({"", "-", "--", "—", "——", "/", "na", "n/a", "nan", "null", "none", "无", "无数据",
                           "缺测", "缺失"})


@dataclass(frozen=True)
class Column:
    """One column of a record table.

    Attributes
    ----------
    name : str
        Canonical name.
    dtype : {'date', 'float', 'str'}
    zh, en : str
        Display names.
    unit : str
        Unit of a number (``"ug/m3"``, ``"mg/m3"``, ``"mg/L"``).
    required : bool
        The table is refused without it.
    aliases : tuple of str
        Other headers taken for it (compared after NFKC, lower case, spaces and a trailing
        unit in brackets removed: ``"PM2.5(μg/m³)"`` is ``pm2.5``).
    below_limit : bool
        ``"<0.01"`` (below the detection limit) is taken as half the limit, with a warning.
    """

    name: str
    dtype: str
    zh: str
    en: str
    unit: str = ""
    required: bool = False
    aliases: tuple[str, ...] = ()
    below_limit: bool = False


@dataclass(frozen=True)
class TableSchema:
    """What a record table of one kind holds.

    Attributes
    ----------
    kind : str
        File stem that names it in a layers directory.
    zh, en : str
        Display names.
    columns : tuple of Column
    key : tuple of str
        Columns that identify a row: a second row with the same key is refused.
    any_of : tuple of str
        At least one of these columns must be present.
    ambiguous : dict of str to str
        Headers refused as ambiguous, with what to rename them to.
    description : str
    """

    kind: str
    zh: str
    en: str
    columns: tuple[Column, ...]
    key: tuple[str, ...] = ()
    any_of: tuple[str, ...] = ()
    ambiguous: tuple[tuple[str, str], ...] = ()
    description: str = ""

    def column(self, name: str) -> Column:
        return next(c for c in self.columns if c.name == name)


def _c(name: str, dtype: str, zh: str, en: str, unit: str = "", *aliases: str, required: bool = False,
       below_limit: bool = False) -> Column:
    return Column(name, dtype, zh, en, unit, required, aliases, below_limit)


_AIR = TableSchema(
    "air_daily", "空气质量日报", "Daily air-quality records",
    (
        _c("date", "date", "日期", "Date", "", "日期", "监测日期", "监测时间", "时间", "日期时间",
           "day", "time", required=True),
        _c("station", "str", "站点", "Station", "", "站点", "站点名称", "站名", "监测站", "监测站点",
           "监测点位", "点位", "点位名称", "测点", "site", "station_name"),
        _c("aqi", "float", "空气质量指数", "AQI", "", "aqi", "空气质量指数", "aqi指数"),
        _c("pm25", "float", "PM2.5", "PM2.5", "ug/m3", "pm2.5", "pm2_5", "pm25_ugm3", "细颗粒物",
           "pm2.5日均值", "pm2.5_24h"),
        _c("pm10", "float", "PM10", "PM10", "ug/m3", "pm10_ugm3", "可吸入颗粒物", "pm10日均值",
           "pm10_24h"),
        _c("o3_8h", "float", "臭氧日最大8小时平均", "O3 daily max 8-h mean", "ug/m3", "o3-8h",
           "o3_8h_max", "o3_8h_ugm3", "o38h", "o3(8h)", "o3-8h滑动平均", "臭氧8小时", "臭氧8小时平均",
           "臭氧日最大8小时平均", "臭氧最大8小时滑动平均", "臭氧(8h)", "o3_8hr"),
        _c("o3_1h", "float", "臭氧日最大1小时平均", "O3 daily max 1-h mean", "ug/m3", "o3-1h",
           "o3_1h_max", "o3_1h_ugm3", "o3(1h)", "臭氧1小时", "臭氧日最大1小时", "臭氧最大1小时平均",
           "臭氧(1h)"),
        _c("so2", "float", "二氧化硫", "SO2", "ug/m3", "so2_ugm3", "二氧化硫"),
        _c("no2", "float", "二氧化氮", "NO2", "ug/m3", "no2_ugm3", "二氧化氮"),
        _c("co", "float", "一氧化碳", "CO", "mg/m3", "co_mgm3", "一氧化碳"),
    ),
    key=("station", "date"),
    any_of=("aqi", "pm25", "pm10", "o3_8h", "o3_1h", "so2", "no2", "co"),
    ambiguous=(("o3", "o3_8h (daily maximum 8-h mean) or o3_1h (daily maximum 1-h mean)"),
               ("臭氧", "o3_8h (臭氧日最大8小时平均) or o3_1h (臭氧日最大1小时平均)")),
    description="One row per station (or the city) and day: AQI and/or 24-h concentrations (µg/m³; CO mg/m³), "
                "O3 as daily maximum 8-h (and optionally 1-h) mean.",
)

_SECTION = TableSchema(
    "section_samples", "断面监测数据", "Section samples",
    (
        _c("section", "str", "断面", "Section", "", "断面", "断面名称", "断面编号", "监测断面", "断面名",
           "点位名称", "点位", "section_name", "section_id", required=True),
        _c("date", "date", "采样日期", "Sampling date", "", "日期", "采样日期", "采样时间", "监测日期",
           "监测时间", "时间", "月份", "监测月份", "month", required=True),
        _c("do_mgl", "float", "溶解氧", "Dissolved oxygen", "mg/L", "溶解氧", "do"),
        _c("codmn_mgl", "float", "高锰酸盐指数", "Permanganate index", "mg/L", "高锰酸盐指数", "codmn", "cod_mn",
           below_limit=True),
        _c("cod_mgl", "float", "化学需氧量", "COD", "mg/L", "化学需氧量", "cod", "codcr", "cod_cr", below_limit=True),
        _c("bod5_mgl", "float", "五日生化需氧量", "BOD5", "mg/L", "五日生化需氧量", "bod5", "bod", below_limit=True),
        _c("nh3n_mgl", "float", "氨氮", "Ammonia nitrogen", "mg/L", "氨氮", "nh3-n", "nh3n", "nh3_n", below_limit=True),
        _c("tp_mgl", "float", "总磷", "Total phosphorus", "mg/L", "总磷", "tp", below_limit=True),
        _c("tn_mgl", "float", "总氮", "Total nitrogen", "mg/L", "总氮", "tn", below_limit=True),
    ),
    key=("section", "date"),
    any_of=("do_mgl", "codmn_mgl", "cod_mgl", "bod5_mgl", "nh3n_mgl", "tp_mgl", "tn_mgl"),
    description="One row per section and sampling date (monthly): GB 3838-2002 表1 concentrations in mg/L; "
                "'<0.01' (below the detection limit) counts as half the limit.",
)

#: kind -> schema of every record table ecogis reads
TABLES: dict[str, TableSchema] = {s.kind: s for s in (_AIR, _SECTION)}


def _norm(header: Any) -> str:
    """``"PM2.5（μg/m³）"`` -> ``"pm2.5"``: NFKC, lower case, spaces and a trailing unit in brackets removed."""
    text = unicodedata.normalize("NFKC", str(header)).strip().lower()
    text = re.sub(r"\s+", "", text)
    stripped = re.sub(r"[(\[][^()\[\]]*(?:g/m|/m3|/m³|mg/l|微克|毫克|ug|μg|µg)[^()\[\]]*[)\]]$", "", text)
    return stripped or text


def _header_unit(header: Any) -> str | None:
    """``"ug/m3"``, ``"mg/m3"``, ``"mg/L"`` or ``"ug/L"`` when the header writes a unit (``PM2.5(μg/m³)``,
    ``一氧化碳（毫克/立方米）``), else None (``nh3n_mgl``, a canonical name, writes none)."""
    text = unicodedata.normalize("NFKC", str(header)).lower().replace(" ", "")
    m = re.search(r"(μg|µg|ug|微克|mg|毫克)/(m3|立方米|l|升)", text)
    if m is None:
        return None
    mass = "ug" if m.group(1) in ("μg", "µg", "ug", "微克") else "mg"
    return f"{mass}/L" if m.group(2) in ("l", "升") else f"{mass}/m3"


def _check_units(mapping: dict[Any, str], schema: TableSchema, where: str) -> None:
    """Refuse a header whose unit is not the column's (CO in µg/m³, a concentration in µg/L)."""
    for header, name in mapping.items():
        unit, expected = _header_unit(header), schema.column(name).unit
        if unit and expected and unit.lower() != expected.lower():
            raise LayerReadError(f"{where}: column {header!r} is in {unit} but {schema.kind} expects {name} in "
                                 f"{expected}; {'divide' if unit.startswith('u') else 'multiply'} the values by 1000 "
                                 f"and fix the header")


def _column_map(columns: list[Any], schema: TableSchema, where: str) -> dict[Any, str]:
    lookup: dict[str, str] = {}
    for col in schema.columns:
        for name in (col.name, col.zh, col.en, *col.aliases):
            lookup.setdefault(_norm(name), col.name)
    ambiguous = {_norm(a): fix for a, fix in schema.ambiguous}
    out: dict[Any, str] = {}
    for c in columns:
        n = _norm(c)
        if n in ambiguous:
            raise LayerReadError(f"{where}: column {c!r} is ambiguous for {schema.kind}; rename it to {ambiguous[n]}")
        if n in lookup:
            name = lookup[n]
            if name in out.values():
                first = next(k for k, v in out.items() if v == name)
                raise LayerReadError(f"{where}: columns {first!r} and {c!r} are both taken for {name!r}; "
                                     f"remove or rename one")
            out[c] = name
    missing = [c.name for c in schema.columns if c.required and c.name not in out.values()]
    if missing:
        title = sum(bool(re.fullmatch(r"field\d+|unnamed.*|", str(c).strip().lower())) for c in columns) >= \
            max(1, len(columns) - 1)
        raise LayerReadError(
            f"{where}: {schema.kind} needs column(s) {missing} but has {[str(c) for c in columns]}; expected headers "
            + "; ".join(f"{m}: {', '.join(dict.fromkeys((schema.column(m).zh, *schema.column(m).aliases[:4])))}"
                        for m in missing)
            + ("; the first row looks like a title, not the header: delete the rows above the header" if title
               else ""))
    _check_units(out, schema, where)
    if schema.any_of and not set(schema.any_of) & set(out.values()):
        raise LayerReadError(f"{where}: {schema.kind} has none of the value columns {list(schema.any_of)} "
                             f"(columns are {[str(c) for c in columns]}); rename them (e.g. PM2.5, 臭氧8小时, 氨氮)")
    return out


_DATE_PATTERNS = (
    (re.compile(r"^(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})(?:[ t]\d{1,2}:\d{2}(?::\d{2})?)?$"), True),
    (re.compile(r"^(\d{4})年(\d{1,2})月(\d{1,2})日?$"), True),
    (re.compile(r"^(\d{4})(\d{2})(\d{2})$"), True),
    (re.compile(r"^(\d{4})[-/.](\d{1,2})$"), False),
    (re.compile(r"^(\d{4})年(\d{1,2})月?$"), False),
)


def _parse_date(value: Any) -> _dt.date | None | str:
    """A date, None for a blank cell, or the text when it is not a date."""
    if value is None or (isinstance(value, float) and np.isnan(value)) or value is pd.NaT:
        return None
    if isinstance(value, (pd.Timestamp, _dt.datetime)):
        return value.date()
    if isinstance(value, _dt.date):
        return value
    if isinstance(value, np.datetime64):
        return None if np.isnat(value) else pd.Timestamp(value).date()
    text = unicodedata.normalize("NFKC", str(value)).strip().lower()
    if text in MISSING_MARKS:
        return None
    for pattern, has_day in _DATE_PATTERNS:
        m = pattern.match(text)
        if m:
            y, mo = int(m.group(1)), int(m.group(2))
            d = int(m.group(3)) if has_day else 1
            try:
                return _dt.date(y, mo, d)
            except ValueError:
                return str(value)
    return str(value)


def _parse_number(value: Any, col: Column) -> tuple[float | None | str, bool]:
    """(number, was below the detection limit), None for a blank cell, or the text when it is not a number."""
    if value is None:
        return None, False
    if isinstance(value, (int, float, np.integer, np.floating)) and not isinstance(value, bool):
        return (None if np.isnan(float(value)) else float(value)), False
    text = unicodedata.normalize("NFKC", str(value)).strip().lower().replace(",", "")
    if text in MISSING_MARKS:
        return None, False
    below = False
    if col.below_limit and text.startswith("<"):
        text, below = text[1:].strip(), True
    text = re.sub(r"(?:ug/m3|μg/m3|µg/m3|mg/m3|mg/l)$", "", text)
    try:
        number = float(text)
    except ValueError:
        return str(value), False
    if not np.isfinite(number):
        return str(value), False
    return (number / 2.0 if below else number), below


def _parse_column(values: list[Any], col: Column, header: str, rows: np.ndarray,
                  problems: list[str]) -> tuple[pd.Series, int]:
    """One column parsed to its type; bad cells appended to ``problems``; the count of '<limit' values."""
    below_count = 0
    if col.dtype == "date":
        parsed = [_parse_date(v) for v in values]
        for i, v in enumerate(parsed):
            if isinstance(v, str):
                problems.append(f"row {rows[i]}, column {header!r}: {v!r} is not a date (expected YYYY-MM-DD, "
                                f"YYYY/M/D, YYYY年M月D日, YYYYMMDD, a month YYYY-MM, or an Excel date)")
        dates = [v if isinstance(v, _dt.date) else None for v in parsed]
        return pd.to_datetime(pd.Series(dates, dtype=object), errors="coerce"), 0
    if col.dtype == "float":
        nums: list[float] = []
        for i, v in enumerate(values):
            number, below = _parse_number(v, col)
            below_count += below
            if isinstance(number, str):
                problems.append(f"row {rows[i]}, column {header!r}: {number!r} is not a number"
                                + (" (below the detection limit write '<limit', e.g. '<0.01')"
                                   if col.below_limit else ""))
                number = None
            elif number is not None and number < 0:
                problems.append(f"row {rows[i]}, column {header!r}: {number:g} is negative; a concentration "
                                f"or index is at least 0")
                number = None
            nums.append(np.nan if number is None else number)
        return pd.Series(nums, dtype=float), below_count
    texts = [None if (v is None or (isinstance(v, float) and np.isnan(v)) or str(v).strip() == "")
             else str(v).strip() for v in values]
    return pd.Series(texts, dtype=object), 0


def _duplicates(table: pd.DataFrame, key: list[str], rows: np.ndarray) -> list[str]:
    """One problem per key (station and day ...) that occurs on more than one row."""
    dup = table.duplicated(subset=key, keep=False).to_numpy()
    groups: dict[tuple, list[int]] = {}
    for i in np.flatnonzero(dup):
        k = tuple(str(table[c].iloc[i])[:10] for c in key)
        groups.setdefault(k, []).append(int(rows[i]))
    return [f"rows {', '.join(map(str, rs))}: the same {' and '.join(key)} ({', '.join(k)}) on several rows; keep "
            f"one row per {' and '.join(key)} (hourly records? give the daily values)" for k, rs in groups.items()]


def canonicalize_table(df: pd.DataFrame, kind: str, *, source: str = "<table>",
                       first_row: int = 2) -> pd.DataFrame:
    """A table as read, with canonical columns, dates and numbers parsed, checked.

    Parameters
    ----------
    df : DataFrame
        Columns as in the file (any aliases of the kind's schema).
    kind : str
        A key of :data:`TABLES`.
    source : str
        File name for messages.
    first_row : int, default 2
        Row number of the first data row in the file (the header is row 1).

    Returns
    -------
    DataFrame
        Canonical columns only (``date`` as ``datetime64``, numbers as float, text
        stripped), rows that are wholly blank dropped; ``attrs`` ``source``, ``kind``,
        ``columns`` (file header -> canonical), ``rows`` (file row of each row) and
        ``warnings``.

    Raises
    ------
    LayerReadError
        Naming the file, the row and the column of every bad cell (up to 20):
        a date that is not a date, text in a number, a negative value, a row without a
        date, a second row with the same key (station and day, section and date).

    Examples
    --------
    >>> import pandas as pd
    >>> t = canonicalize_table(pd.DataFrame({"断面名称": ["马湾"], "月份": ["2024年3月"], "氨氮": ["<0.05"]}),
    ...                        "section_samples")
    >>> t["date"].dt.strftime("%Y-%m-%d").tolist(), t["nh3n_mgl"].tolist()
    (['2024-03-01'], [0.025])
    """
    try:
        schema = TABLES[kind]
    except KeyError:
        raise CatalogueError(f"table kind was {kind!r} but is expected to be one of {sorted(TABLES)}") from None
    mapping = _column_map(list(df.columns), schema, source)
    raw = df[list(mapping)].rename(columns=mapping)
    raw.index = pd.RangeIndex(len(raw))
    rows = np.arange(len(raw)) + first_row
    problems: list[str] = []
    out: dict[str, Any] = {}
    below_count = 0
    header = {v: k for k, v in mapping.items()}
    for name in raw.columns:
        out[name], n_below = _parse_column(raw[name].tolist(), schema.column(name), header[name], rows, problems)
        below_count += n_below
    table = pd.DataFrame(out, index=raw.index)
    # a wholly blank row (trailing rows of a spreadsheet) is not a record
    blank = table.isna().all(axis=1).to_numpy()
    table, rows = table[~blank].reset_index(drop=True), rows[~blank]
    for i in np.flatnonzero(table["date"].isna().to_numpy()):
        msg = f"row {rows[i]}, column {header['date']!r}: no date"
        if not any(p.startswith(f"row {rows[i]}, column {header['date']!r}") for p in problems):
            problems.append(msg)
    key = [k for k in schema.key if k in table.columns]
    if key and not problems:
        problems += _duplicates(table, key, rows)
    if problems:
        more = f"\n  ... and {len(problems) - 20} more" if len(problems) > 20 else ""
        raise LayerReadError(f"{source}: {len(problems)} bad cell(s) in the {kind} table (rows numbered as in "
                             f"the file, header = row 1):\n  " + "\n  ".join(problems[:20]) + more)
    warnings: list[str] = []
    if below_count:
        warnings.append(f"{source}: {below_count} value(s) below the detection limit ('<limit') taken as half the "
                        f"limit (《地表水环境质量评价办法（试行）》: 未检出按检出限一半参与统计)")
    table.attrs.update(source=source, kind=kind, columns={str(k): v for k, v in mapping.items()},
                       rows=[int(r) for r in rows], warnings=warnings)
    return table


def _read_raw(p: Path, encoding: str | None) -> pd.DataFrame:
    import pyogrio  # heavy for the record tables: pyogrio loads geopandas

    suffix = p.suffix.lower()
    if suffix == ".xls":
        raise LayerReadError(f"{p}: legacy Excel .xls is not read (GDAL has no driver for it); open it and save as "
                             f".xlsx or .csv")
    if suffix not in TABLE_FILE_SUFFIXES:
        raise LayerReadError(f"{p}: a record table is expected to be one of {list(TABLE_FILE_SUFFIXES)}, "
                             f"not {suffix or 'a suffix-less file'}")
    if not p.is_file():
        raise LayerReadError(f"{p}: no such file")
    kwargs: dict[str, Any] = {}
    if suffix == ".csv":
        if encoding is None:
            data = p.read_bytes()
            try:
                data.decode("utf-8")
            except UnicodeDecodeError:
                try:
                    data.decode("gb18030")
                except UnicodeDecodeError:
                    raise LayerReadError(f"{p}: the text is neither UTF-8 nor GB18030; save it as UTF-8") from None
                encoding = "GB18030"
        if encoding:
            kwargs["encoding"] = encoding
    else:
        kwargs["HEADERS"] = "FORCE"  # GDAL's guess takes an all-text first data row for data
    try:
        return pyogrio.read_dataframe(p, read_geometry=False, **kwargs)
    except Exception as exc:  # pyogrio's DataSourceError and friends
        raise LayerReadError(f"{p}: GDAL cannot read it as a table ({exc})") from None


def read_table(path: str | os.PathLike, kind: str, *, encoding: str | None = None) -> pd.DataFrame:
    """Read a record table of one kind from a CSV or Excel file.

    Parameters
    ----------
    path : path-like
        ``.csv`` (UTF-8, with or without BOM, or GB18030/GBK) or ``.xlsx`` (first sheet).
    kind : str
        A key of :data:`TABLES` (``"air_daily"``, ``"section_samples"``).
    encoding : str, optional
        Of a CSV; detected when not given.

    Returns
    -------
    DataFrame
        See :func:`canonicalize_table`; the file is not modified.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> p = pathlib.Path(tempfile.mkdtemp()) / "air_daily.csv"
    >>> _ = p.write_text("date,pm25\\n2024-01-01,abc\\n", encoding="utf-8")
    >>> read_table(p, "air_daily")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    ecogis.errors.LayerReadError: ...air_daily.csv: 1 bad cell(s) in the air_daily table (...):
      row 2, column 'pm25': 'abc' is not a number
    """
    p = Path(path)
    raw = _read_raw(p, encoding)
    return canonicalize_table(raw, kind, source=str(p))


def find_tables(root: str | os.PathLike) -> dict[str, Path]:
    """The record tables of a directory: files named by kind (``air_daily.csv``, ``section_samples.xlsx``).

    A second file of the same kind is skipped with a log warning (the first in name order is kept).
    """
    out: dict[str, Path] = {}
    base = Path(root)
    if not base.is_dir():
        return out
    for p in sorted(base.iterdir()):
        kind = p.stem.lower()
        if kind in TABLES and p.suffix.lower() in (*TABLE_FILE_SUFFIXES, ".xls") and not p.name.startswith("."):
            if kind in out:
                log.warning("%s: a second %r table; keeping the first (%s)", p, kind, out[kind])
                continue
            out[kind] = p
    return out
