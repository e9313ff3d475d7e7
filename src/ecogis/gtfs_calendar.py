"""GTFS service days and clock times: calendar.txt / calendar_dates.txt, times past midnight, the first weekday served.

Part of :mod:`ecogis.gtfs`, which re-exports the public names.
"""

from __future__ import annotations

import datetime as _dt
import os
from typing import Any

import numpy as np
import pandas as pd

from ecogis.errors import InputError, LayerReadError
from ecogis.gtfs_feed import _Feed

__all__ = [
    "service_ids_on",
    "first_weekday_served",
]


_DAY = 86400


_WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")


def _as_date(value: Any, what: str = "date") -> _dt.date:
    if isinstance(value, _dt.datetime):
        return value.date()
    if isinstance(value, _dt.date):
        return value
    text = str(value).strip()
    for fmt in ("%Y%m%d", "%Y-%m-%d", "%Y/%m/%d"):
        try:
            return _dt.datetime.strptime(text, fmt).date()
        except ValueError:
            continue
    raise InputError(f"{what} was {value!r} but is expected to be a date such as '2026-03-02' or '20260302'")


def _clock_seconds(value: str, what: str) -> int:
    """'07:00' / '07:00:00' / '25:30' -> seconds after the service day's midnight."""
    parts = str(value).strip().split(":")
    try:
        if len(parts) not in (2, 3) or any(not p.isdigit() for p in parts):
            raise ValueError
        h, m = int(parts[0]), int(parts[1])
        s = int(parts[2]) if len(parts) == 3 else 0
        if m > 59 or s > 59:
            raise ValueError
    except ValueError:
        raise InputError(f"{what} was {value!r} but is expected to be a time 'HH:MM' (past 24:00 allowed, "
                         f"e.g. '25:30' for 01:30 after midnight)") from None
    return h * 3600 + m * 60 + s


def _gtfs_seconds(col: pd.Series) -> np.ndarray:
    """GTFS times 'H:MM:SS' (hours may exceed 24) as float seconds; NaN where blank or malformed.

    Parsed once per distinct value (a feed of millions of stop times holds a few ten thousand)."""
    codes, uniq = pd.factorize(col.fillna("").astype(str))
    if len(uniq) == 0:
        return np.full(len(col), np.nan)
    # right-aligned in 9 characters 'HHH:MM:SS', checked and summed as character codes (vectorised)
    u = np.char.strip(np.asarray(uniq, dtype=str))
    u = np.where(np.char.str_len(u) > 9, "", u).astype("U9")
    u = np.char.rjust(u, 9)
    c = u.view(np.uint32).reshape(-1, 9).astype(np.int64) - ord("0")
    digit = (c >= 0) & (c <= 9)
    colon = c == ord(":") - ord("0")
    lead = c == ord(" ") - ord("0")
    ok = colon[:, 3] & colon[:, 6] & digit[:, [2, 4, 5, 7, 8]].all(axis=1) & \
        (digit[:, :2] | lead[:, :2]).all(axis=1) & ~(digit[:, 0] & lead[:, 1])
    cd = np.where(digit, c, 0)
    hours = cd[:, 0] * 100 + cd[:, 1] * 10 + cd[:, 2]
    secs = np.where(ok, hours * 3600.0 + (cd[:, 4] * 10 + cd[:, 5]) * 60.0 + cd[:, 7] * 10 + cd[:, 8], np.nan)
    secs = np.append(secs, np.nan)
    return secs[np.where(codes < 0, len(secs) - 1, codes)]


def _stop_time_seconds(st: pd.DataFrame) -> np.ndarray:
    """departure_time, else arrival_time, of each stop time, in seconds (NaN where neither is given)."""
    t = _gtfs_seconds(st["departure_time"]) if "departure_time" in st.columns else np.full(len(st), np.nan)
    blank = np.isnan(t)
    if blank.any() and "arrival_time" in st.columns:
        t[blank] = _gtfs_seconds(st["arrival_time"][blank])
    return t


def _numeric(col: pd.Series) -> np.ndarray:
    """Text as float (NaN where blank or not a number), converted once per distinct value."""
    codes, uniq = pd.factorize(col)
    vals = np.append(pd.to_numeric(pd.Series(uniq, dtype=object).replace("", np.nan), errors="coerce")
                     .to_numpy(float), np.nan)
    return vals[np.where(codes < 0, len(vals) - 1, codes)]


def _int_col(df: pd.DataFrame, name: str, default: int) -> np.ndarray:
    if name not in df.columns:
        return np.full(len(df), default, dtype=int)
    v = _numeric(df[name])
    return np.where(np.isnan(v), default, v).astype(int)


def _calendars(feed: _Feed) -> tuple[pd.DataFrame | None, pd.DataFrame | None]:
    cal = feed.table("calendar.txt")
    cd = feed.table("calendar_dates.txt")
    if (cal is None or cal.empty) and (cd is None or cd.empty):
        raise LayerReadError(f"GTFS feed {feed.path}: neither calendar.txt nor calendar_dates.txt holds a service; "
                             f"cannot tell which trips run on which date")
    if cal is not None and not cal.empty:
        missing = [c for c in ("service_id", *_WEEKDAYS, "start_date", "end_date") if c not in cal.columns]
        if missing:
            raise LayerReadError(f"GTFS feed {feed.path}: calendar.txt lacks column(s) {missing}")
        cal = cal.assign(_start=pd.to_datetime(cal["start_date"], format="%Y%m%d", errors="coerce"),
                         _end=pd.to_datetime(cal["end_date"], format="%Y%m%d", errors="coerce"))
        bad = cal["_start"].isna() | cal["_end"].isna()
        if bad.any():
            raise LayerReadError(f"GTFS feed {feed.path}: calendar.txt has {int(bad.sum())} row(s) whose start_date / "
                                 f"end_date is not YYYYMMDD (service_id {cal.loc[bad, 'service_id'].iloc[0]!r})")
    else:
        cal = None
    if cd is not None and not cd.empty:
        missing = [c for c in ("service_id", "date", "exception_type") if c not in cd.columns]
        if missing:
            raise LayerReadError(f"GTFS feed {feed.path}: calendar_dates.txt lacks column(s) {missing}")
        cd = cd.assign(_date=pd.to_datetime(cd["date"], format="%Y%m%d", errors="coerce"),
                       _type=pd.to_numeric(cd["exception_type"], errors="coerce"))
        bad = cd["_date"].isna() | ~cd["_type"].isin([1, 2])
        if bad.any():
            raise LayerReadError(f"GTFS feed {feed.path}: calendar_dates.txt has {int(bad.sum())} row(s) with a date "
                                 f"that is not YYYYMMDD or an exception_type other than 1 / 2")
    else:
        cd = None
    return cal, cd


def _active(cal: pd.DataFrame | None, cd: pd.DataFrame | None, day: _dt.date) -> set[str]:
    ts = pd.Timestamp(day)
    active: set[str] = set()
    if cal is not None:
        on = (cal["_start"] <= ts) & (cal["_end"] >= ts) & (cal[_WEEKDAYS[day.weekday()]] == "1")
        active |= set(cal.loc[on, "service_id"])
    if cd is not None:
        today = cd[cd["_date"] == ts]
        active |= set(today.loc[today["_type"] == 1, "service_id"])
        active -= set(today.loc[today["_type"] == 2, "service_id"])
    return active


def service_ids_on(feed: str | os.PathLike, date: Any) -> set[str]:
    """The ``service_id`` values running on a date (calendar and calendar_dates both honoured).

    Examples
    --------
    >>> service_ids_on("feed.zip", "2026-03-02")  # doctest: +SKIP
    {'WK'}
    """
    cal, cd = _calendars(_Feed.open(feed))
    return _active(cal, cd, _as_date(date))


def _served_range(cal: pd.DataFrame | None, cd: pd.DataFrame | None) -> tuple[_dt.date, _dt.date]:
    starts, ends = [], []
    if cal is not None:
        starts.append(cal["_start"].min())
        ends.append(cal["_end"].max())
    if cd is not None and (cd["_type"] == 1).any():
        added = cd.loc[cd["_type"] == 1, "_date"]
        starts.append(added.min())
        ends.append(added.max())
    if not starts:
        raise LayerReadError("the feed's calendar_dates.txt only removes services; no date is served")
    return min(starts).date(), max(ends).date()


def _first_weekday(feed: _Feed, trip_services: set[str]) -> _dt.date:
    cal, cd = _calendars(feed)
    first, last = _served_range(cal, cd)
    day = first
    while day <= last:
        if day.weekday() < 5 and _active(cal, cd, day) & trip_services:
            return day
        day += _dt.timedelta(days=1)
    raise LayerReadError(f"GTFS feed {feed.path}: no weekday between {first} and {last} has a service with trips; "
                         f"pass date=... (--gtfs-date) to count a weekend day")


def first_weekday_served(feed: str | os.PathLike) -> _dt.date:
    """The first Monday-Friday date on which some trip of the feed runs.

    Examples
    --------
    >>> first_weekday_served("feed.zip")  # doctest: +SKIP
    datetime.date(2026, 1, 5)
    """
    f = _Feed.open(feed)
    trips = f.need("trips.txt", ("trip_id", "service_id"))
    return _first_weekday(f, set(trips["service_id"]))
