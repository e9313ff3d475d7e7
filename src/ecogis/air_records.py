"""Daily air-quality records: AQI per HJ 633-2012 and the annual indicators of HJ 663-2013.

The engine of the ``air-records`` check, free of any plan: it takes an
``air_daily`` record table (:mod:`ecogis.tables`: ``date``, optional ``station``,
``aqi`` and/or the 24-h concentrations ``pm25``, ``pm10``, ``so2``, ``no2``, ``co``
and the daily maximum 8-h (``o3_8h``) and 1-h (``o3_1h``) ozone means) and returns

* :func:`iaqi`: the individual AQI of one pollutant (HJ 633-2012 表1 and 式(1), rounded
  up to an integer);
* :func:`city_daily`: one row per day for the city: the mean of its stations'
  concentrations (HJ 663-2013: 城市浓度为各点位浓度的算术平均), each IAQI, the AQI
  (the largest IAQI, 式(2)), its category (表2) and primary pollutant;
* :func:`annual_indicators`: per calendar year the good-day ratio (AQI <= 100 over the
  days with an AQI), heavy-and-worse days (AQI > 200), annual means, the O3 8-h 90th
  and CO 24-h 95th percentiles (HJ 663's percentile rule, :func:`percentile`), O3
  exceedance days (8-h above 160 µg/m³, GB 3095-2012 二级), days with data and the
  completeness rule (GB 3095-2012 表4: 324 days a year, 27 a month, 25 in February);
* :func:`air_records`: all of it as a :class:`~ecogis.result.CheckResult`.

Rules are data: ``ecogis/data/rules/hj633.toml`` (:func:`load_hj633_rules`).

Examples
--------
>>> iaqi([35, 55, 75.5, 600], "pm25").tolist()
[50.0, 75.0, 101.0, 500.0]
>>> percentile([1, 2, 3, 4, 5, 6, 7, 8, 9, 10], 90)
9.1
"""

from __future__ import annotations

import math
from importlib import resources
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

try:
    import tomllib
except ModuleNotFoundError:  # Python 3.10
    import tomli as tomllib  # type: ignore[no-redef]

from ecogis.errors import InputError, NotMeasurableError
from ecogis.result import CheckResult

__all__ = ["load_hj633_rules", "iaqi", "percentile", "city_daily", "annual_indicators", "air_records",
           "POLLUTANTS", "CITY_NAMES"]

#: pollutant columns of ``air_daily`` in the order HJ 633 表1 lists them
POLLUTANTS = ("so2", "no2", "pm10", "co", "o3_1h", "o3_8h", "pm25")
#: ``station`` values that mean "the city as a whole", not a station
CITY_NAMES = frozenset({"全市", "市区", "城市", "全市平均", "城市平均", "city", "city mean", "all"})


def load_hj633_rules(path: str | Path | None = None) -> dict[str, Any]:
    """The HJ 633-2012 breakpoints and the evaluation rules (``data/rules/hj633.toml``).

    Examples
    --------
    >>> load_hj633_rules()["pollutant"]["pm25"]["breakpoints"][:3]
    [0, 35, 75]
    """
    try:
        text = (resources.files("ecogis").joinpath("data", "rules", "hj633.toml").read_text(encoding="utf-8")
                if path is None else Path(path).read_text(encoding="utf-8"))
        rules = tomllib.loads(text)
    except FileNotFoundError:
        raise InputError(f"rules file {path} not found; expected a TOML file like ecogis/data/rules/hj633.toml") \
            from None
    except tomllib.TOMLDecodeError as exc:
        raise InputError(f"rules file {path or 'hj633.toml'} is not valid TOML: {exc}") from None
    for name, p in rules.get("pollutant", {}).items():
        bp = p.get("breakpoints", [])
        if not 2 <= len(bp) <= len(rules["iaqi"]) or any(lo >= hi for lo, hi in zip(bp, bp[1:])):
            raise InputError(f"hj633 rules: pollutant {name!r} breakpoints {bp} are expected to be 2 to "
                             f"{len(rules['iaqi'])} increasing values")
    return rules


def iaqi(values: Any, pollutant: str, *, rules: dict[str, Any] | None = None) -> np.ndarray:
    """Individual air-quality index of one pollutant (HJ 633-2012 表1, 式(1)).

    ``IAQI = (IAQI_Hi - IAQI_Lo) / (BP_Hi - BP_Lo) * (C - BP_Lo) + IAQI_Lo`` between the
    breakpoints around ``C``, rounded up to an integer (进位取整数).

    Parameters
    ----------
    values : array-like
        Concentrations (µg/m³; CO mg/m³) of the averaging the table gives for
        ``pollutant`` (24-h means; O3 daily maximum 8-h or 1-h means).
    pollutant : str
        One of :data:`POLLUTANTS`.
    rules : dict, optional
        :func:`load_hj633_rules` output.

    Returns
    -------
    ndarray of float
        NaN where the value is missing; above the top breakpoint 500 (the table's top:
        严重污染 either way) except O3 8-h above 800 µg/m³, which gets NaN (表1 note 3:
        no IAQI from the 8-h value; O3's IAQI is then the 1-h one).

    Examples
    --------
    >>> iaqi([0, 50, 150, 200], "pm10").tolist()
    [0.0, 50.0, 100.0, 125.0]
    >>> iaqi([799, 801], "o3_8h").tolist()
    [300.0, nan]
    """
    rules = rules or load_hj633_rules()
    try:
        spec = rules["pollutant"][pollutant]
    except KeyError:
        raise InputError(f"pollutant was {pollutant!r} but is expected to be one of "
                         f"{sorted(rules['pollutant'])}") from None
    bp = np.asarray(spec["breakpoints"], dtype=float)
    levels = np.asarray(rules["iaqi"][:len(bp)], dtype=float)
    c = np.asarray(values, dtype=float)
    raw = np.interp(c, bp, levels)
    # rounded up (进位取整); the rounding to 1e-9 keeps 75.000000000001 from becoming 76
    out = np.ceil(np.round(raw, 9))
    above = c > bp[-1]
    out[above] = np.nan if spec.get("above_top") == "use_o3_1h" else float(rules["iaqi"][-1])
    out[np.isnan(c)] = np.nan
    return out


def percentile(values: Any, p: float) -> float:
    """The p-th percentile by HJ 663-2013's rule.

    Sort the n values ascending ``X(1) <= ... <= X(n)``; ``k = 1 + (n - 1) * p / 100``;
    ``s`` the integer part of ``k``; the percentile is ``X(s) + (X(s+1) - X(s)) * (k - s)``
    (``X(n)`` when ``s = n``).  Missing values are skipped; NaN when none is left.

    Examples
    --------
    >>> percentile([120, 100, 180, 150], 90)
    171.0
    """
    x = np.sort(np.asarray(values, dtype=float)[~np.isnan(np.asarray(values, dtype=float))])
    n = len(x)
    if n == 0:
        return math.nan
    k = 1 + (n - 1) * p / 100.0
    s = int(math.floor(k))
    if s >= n:
        return float(x[-1])
    return float(x[s - 1] + (x[s] - x[s - 1]) * (k - s))


def _category(aqi: np.ndarray, rules: dict[str, Any]) -> np.ndarray:
    bounds = [float(c["aqi_max"]) for c in rules["category"]]
    names = [c["name_zh"] for c in rules["category"]]
    idx = np.searchsorted(np.asarray(bounds), aqi, side="left")
    return np.array([names[min(i, len(names) - 1)] if np.isfinite(a) else None for i, a in zip(idx, aqi)],
                    dtype=object)


def _aqi_of(conc: pd.DataFrame, rules: dict[str, Any]) -> tuple[pd.DataFrame, np.ndarray, np.ndarray, np.ndarray]:
    """IAQI columns, the AQI (max), its floor, and where O3 8-h is above 800 without an O3 1-h value (AQI unknown)."""
    sub = pd.DataFrame(index=conc.index)
    for p in POLLUTANTS:
        if p in conc:
            sub[f"iaqi_{p}"] = iaqi(conc[p].to_numpy(dtype=float), p, rules=rules)
    aqi = sub.max(axis=1, skipna=True).to_numpy(dtype=float) if len(sub.columns) else np.full(len(conc), np.nan)
    top_o3 = float(rules["pollutant"]["o3_8h"]["breakpoints"][-1])
    o3_over = (conc["o3_8h"].to_numpy(dtype=float) > top_o3) if "o3_8h" in conc else np.zeros(len(conc), bool)
    has_1h = conc["o3_1h"].notna().to_numpy() if "o3_1h" in conc else np.zeros(len(conc), bool)
    bounded = o3_over & ~has_1h
    # 8-h above the table's top: O3's IAQI is above 300 (severe) but not known; the day's AQI is at least 301
    floor = np.where(bounded, np.fmax(aqi, float(rules["iaqi"][5]) + 1), aqi)
    return sub, aqi, floor, bounded


def city_daily(records: pd.DataFrame, *, rules: dict[str, Any] | None = None) -> pd.DataFrame:
    """One row per day for the city: station means, IAQIs, AQI, category, primary pollutant.

    Parameters
    ----------
    records : DataFrame
        An ``air_daily`` table (:func:`ecogis.tables.read_table`).  Rows whose ``station``
        is blank or a city name (:data:`CITY_NAMES`) are the city's own values and are
        used as given on their days; the other days take the mean of the stations.
    rules : dict, optional
        :func:`load_hj633_rules` output.

    Returns
    -------
    DataFrame
        Index ``date``; the city's concentrations, ``iaqi_<pollutant>``, ``aqi`` (NaN
        when not exact), ``aqi_floor`` (the AQI, or its lower bound 301 on days with
        O3 8-h above 800 and no O3 1-h value), ``aqi_from`` (``"concentrations"``,
        ``"given"``, ``"given (mean of stations)"``), ``category``, ``primary``,
        ``stations``; ``attrs["warnings"]``.

    Examples
    --------
    >>> import pandas as pd
    >>> t = pd.DataFrame({"date": pd.to_datetime(["2024-01-01"] * 2), "station": ["A", "B"],
    ...                   "pm25": [70.0, 80.0], "pm10": [100.0, 120.0]})
    >>> city_daily(t)[["pm25", "aqi", "category", "primary"]].values.tolist()
    [[75.0, 100.0, '良', 'pm25']]
    """
    rules = rules or load_hj633_rules()
    warnings: list[str] = []
    rec = records.copy()
    present = [p for p in POLLUTANTS if p in rec and rec[p].notna().any()]
    value_cols = present + (["aqi"] if "aqi" in rec else [])
    if not value_cols:
        raise NotMeasurableError("air_daily has no AQI and no concentrations")
    if "co" in present and float(rec["co"].median()) > 20:  # the 24-h CO top breakpoint is 60 mg/m3
        raise InputError(f"{records.attrs.get('source', 'air_daily')}: CO median {float(rec['co'].median()):g} is "
                         f"implausible in mg/m³ (daily means are about 0.3-3); the values look like µg/m³: divide "
                         f"them by 1000")
    station = rec["station"] if "station" in rec else pd.Series(None, index=rec.index, dtype=object)
    is_city = station.isna() | station.astype(str).str.strip().str.lower().isin(CITY_NAMES)
    city_rows = rec[is_city].set_index("date")[value_cols]
    st = rec[~is_city]
    n_stations = int(st["station"].nunique()) if len(st) else 0
    st_mean = st.groupby("date")[value_cols].mean() if len(st) else city_rows.iloc[0:0]
    st_count = st.groupby("date")["station"].nunique() if len(st) else pd.Series(dtype=int)
    days = st_mean.index.union(city_rows.index).sort_values()
    out = st_mean.reindex(days)
    given_days = days.isin(city_rows.index)
    if len(city_rows):
        out.loc[city_rows.index, value_cols] = city_rows[value_cols].to_numpy()
        if n_stations:
            warnings.append(f"{int(given_days.sum())} day(s) have city rows (station blank or 全市): their values "
                            f"are used as given, the stations' mean on the other days")
    out["stations"] = st_count.reindex(days).fillna(0).astype(int).to_numpy()
    out.loc[given_days, "stations"] = 0
    if n_stations > 1:
        short = int(((out["stations"] > 0) & (out["stations"] < n_stations)).sum())
        if short:
            warnings.append(f"{short} day(s) have fewer than the {n_stations} stations: the city value is the mean "
                            f"of the stations that have data that day")
        if "o3_8h" in present:
            warnings.append("city O3 8-h is the mean of the stations' daily maxima; HJ 663 takes the maximum of the "
                            "city's 8-h means of hourly values (hourly data needed), which is at most this: O3 "
                            "figures may be slightly high")
    sub, aqi, floor, bounded = _aqi_of(out[present], rules)
    from_conc = sub.notna().any(axis=1).to_numpy() if len(sub.columns) else np.zeros(len(out), bool)
    aqi_from = np.where(from_conc | bounded, "concentrations", None).astype(object)
    if "aqi" in out:
        use_given = ~from_conc & out["aqi"].notna().to_numpy()
        bounded &= ~use_given
        aqi = np.where(use_given, np.ceil(out["aqi"].to_numpy(dtype=float)), aqi)
        floor = np.where(use_given, aqi, floor)
        aqi_from[use_given & given_days] = "given"
        aqi_from[use_given & ~given_days] = "given (mean of stations)" if n_stations > 1 else "given"
        if n_stations > 1 and (use_given & ~given_days).any():
            warnings.append(f"{int((use_given & ~given_days).sum())} day(s) have only the stations' AQI: the city AQI "
                            f"is their mean (HJ 663 computes it from the mean concentrations, which the table lacks)")
        out = out.drop(columns=["aqi"])
    missing = [p for p in ("so2", "no2", "pm10", "co", "o3_8h", "pm25") if p not in present]
    if from_conc.any() and missing:
        warnings.append(f"AQI computed from {', '.join(present)}; {', '.join(missing)} absent: HJ 633's daily AQI "
                        f"takes all six pollutants, so days may be rated better than they were")
    if bounded.any():
        warnings.append(f"{int(bounded.sum())} day(s) with O3 8-h above 800 µg/m³ and no O3 1-h value: no IAQI from "
                        f"the 8-h value (HJ 633-2012 表1 note 3); the day counts as 严重污染 (AQI > 300), its AQI "
                        f"value is not known (give o3_1h)")
        aqi = np.where(bounded, np.nan, aqi)
    out = pd.concat([out, sub], axis=1)
    out["aqi"], out["aqi_floor"], out["aqi_from"] = aqi, floor, aqi_from
    out["category"] = _category(floor, rules)
    names = [c.removeprefix("iaqi_") for c in sub.columns]
    primary = []
    for i in range(len(out)):
        row = sub.iloc[i].to_numpy(dtype=float) if len(sub.columns) else np.array([])
        if bounded[i] or not np.isfinite(floor[i]) or floor[i] <= 50 or not np.isfinite(row).any():
            primary.append(None)
        else:
            top = np.nanmax(row)
            primary.append(",".join(n for n, v in zip(names, row) if v == top))
    out["primary"] = primary
    out.index.name = "date"
    out.attrs["warnings"] = warnings
    out.attrs["stations"] = n_stations
    return out


def _validity(counts_by_month: pd.Series, rules: dict[str, Any]) -> tuple[bool, list[str]]:
    v = rules["validity"]
    short = []
    for month in range(1, 13):
        need = v["days_in_february"] if month == 2 else v["days_per_month"]
        have = int(counts_by_month.get(month, 0))
        if have < need:
            short.append(f"{month:02d}: {have}/{need}")
    return int(counts_by_month.sum()) >= v["days_per_year"] and not short, short


def annual_indicators(daily: pd.DataFrame, *, rules: dict[str, Any] | None = None
                      ) -> dict[int, tuple[dict[str, Any], list[str]]]:
    """Per calendar year: the HJ 663-2013 indicators of :func:`city_daily` output, and the warnings.

    Returns
    -------
    dict of int to (metrics, warnings)
        Metrics ``days_with_data``, ``good_days``, ``good_day_ratio``, ``heavy_days``,
        ``heavy_day_ratio``, ``severe_days``, ``o3_8h_exceedance_days``,
        ``<p>_mean_ugm3`` (pm25, pm10, so2, no2), ``o3_8h_p90_ugm3``, ``co_p95_mgm3``
        and ``<p>_days`` (days with a value).  A figure whose year fails the
        completeness rule is carried, with a warning naming the months short.
    """
    rules = rules or load_hj633_rules()
    ev, v = rules["evaluation"], rules["validity"]
    out: dict[int, tuple[dict[str, Any], list[str]]] = {}
    dates = pd.DatetimeIndex(daily.index)
    for year in sorted(set(dates.year)):
        d = daily[dates.year == year]
        months = pd.DatetimeIndex(d.index).month
        m: dict[str, Any] = {"year": int(year)}
        w: list[str] = []
        floor = d["aqi_floor"].to_numpy(dtype=float)
        valid = np.isfinite(floor)
        n = int(valid.sum())
        m["days_with_data"] = n
        m["good_days"] = int((floor[valid] <= ev["good_aqi_max"]).sum())
        m["heavy_days"] = int((floor[valid] > ev["heavy_aqi_min_exclusive"]).sum())
        m["severe_days"] = int((floor[valid] > 300).sum())
        m["good_day_ratio"] = m["good_days"] / n if n else None
        m["heavy_day_ratio"] = m["heavy_days"] / n if n else None
        ok, short = _validity(pd.Series(months[valid]).value_counts(), rules)
        if n and not ok:
            w.append(f"{year}: {n} day(s) with an AQI; GB 3095-2012 表4 asks {v['days_per_year']} a year and "
                     f"{v['days_per_month']} a month ({v['days_in_february']} in February) for annual statistics "
                     f"(months short: {', '.join(short) or 'none'}): the good-day and heavy-day figures cover only "
                     f"these days")
        stats = {"pm25": ("pm25_mean_ugm3", None), "pm10": ("pm10_mean_ugm3", None),
                 "so2": ("so2_mean_ugm3", None), "no2": ("no2_mean_ugm3", None),
                 "o3_8h": ("o3_8h_p90_ugm3", ev["o3_8h_percentile"]), "co": ("co_p95_mgm3", ev["co_percentile"])}
        for p, (key, pct) in stats.items():
            if p not in d or not d[p].notna().any():
                continue
            vals = d[p].to_numpy(dtype=float)
            has = np.isfinite(vals)
            m[f"{p}_days"] = int(has.sum())
            m[key] = float(vals[has].mean()) if pct is None else percentile(vals, pct)
            ok, short = _validity(pd.Series(months[has]).value_counts(), rules)
            if not ok:
                what = "annual mean" if pct is None else f"{pct}th percentile"
                w.append(f"{year}: {p} {what} from {int(has.sum())} day(s); GB 3095-2012 表4 asks "
                         f"{v['days_per_year']} a year and {v['days_per_month']} a month "
                         f"({v['days_in_february']} in February) (months short: {', '.join(short) or 'none'}): "
                         f"figure carried, not a valid annual statistic")
        if "o3_8h" in d and d["o3_8h"].notna().any():
            m["o3_8h_exceedance_days"] = int((d["o3_8h"].to_numpy(dtype=float) > ev["o3_8h_limit_ugm3"]).sum())
        out[int(year)] = (m, w)
    return out


def air_records(records: pd.DataFrame, *, year: int | None = None,
                rules: dict[str, Any] | None = None) -> CheckResult:
    """The ``air-records`` check: the city's daily AQI and its annual HJ 663 indicators.

    Parameters
    ----------
    records : DataFrame
        An ``air_daily`` table (:func:`ecogis.tables.read_table`); not modified.
    year : int, optional
        The year whose figures are the result's metrics; default the latest year in
        the table.  Every year's figures are in ``parameters["by_year"]``.
    rules : dict, optional
        :func:`load_hj633_rules` output.

    Returns
    -------
    CheckResult
        Named ``"air-records"``; metrics of :func:`annual_indicators` for ``year`` plus
        ``stations``; ``parameters`` the rules used, ``by_year`` and the source file;
        warnings from the reading, the city means and the completeness rule.

    Examples
    --------
    >>> import pandas as pd
    >>> t = pd.DataFrame({"date": pd.date_range("2024-01-01", periods=4), "pm25": [30.0, 80, 160, 40]})
    >>> r = air_records(t)
    >>> r.metrics["good_days"], r.metrics["heavy_days"], r.metrics["good_day_ratio"]
    (2, 1, 0.5)
    """
    rules = rules or load_hj633_rules()
    daily = city_daily(records, rules=rules)
    per_year = annual_indicators(daily, rules=rules)
    if not per_year:
        raise NotMeasurableError("air_daily has no day with an AQI or a concentration")
    years = sorted(per_year)
    warnings = list(records.attrs.get("warnings", [])) + list(daily.attrs["warnings"])
    if year is None or year not in per_year:
        if year is not None:
            warnings.append(f"the records have no {year}; figures of {years[-1]} (years in the table: {years})")
        year = years[-1]
    elif len(years) > 1:
        warnings.append(f"the table holds the years {years}; the metrics are {year}'s (every year in by_year)")
    metrics, year_warnings = per_year[year]
    metrics = {**metrics, "stations": int(daily.attrs["stations"])}
    warnings += year_warnings
    used = sorted({str(a) for a in daily["aqi_from"].dropna()})
    return CheckResult(
        "air-records", metrics=metrics,
        parameters={"source": records.attrs.get("source"), "year": year, "aqi_from": used,
                    "standard": "HJ 633-2012 (AQI), HJ 663-2013 (evaluation), GB 3095-2012 表4 (validity)",
                    "good_day": "AQI <= 100", "heavy_day": "AQI > 200",
                    "o3_exceedance_day": f"O3 8-h > {rules['evaluation']['o3_8h_limit_ugm3']} ug/m3",
                    "validity": rules["validity"],
                    "by_year": {str(y): m for y, (m, _) in per_year.items()}},
        warnings=warnings,
    )
