"""GTFS feeds: stops with their departures and headways, and routes.

A GTFS feed (a ``.zip`` or a directory of ``.txt`` tables, https://gtfs.org) is read
with pandas, every value as text first, so a real feed's quirks are met head on:

* **stops**: one row per place a passenger waits.  Platforms (``location_type`` 0)
  of one ``parent_station`` are merged into the station (its name and position);
  stops without a parent are their own row; entrances, generic nodes and
  boarding areas (2, 3, 4) are not stops.
* **service on a date**: ``calendar.txt`` (weekday flags between ``start_date``
  and ``end_date``) and ``calendar_dates.txt`` (``exception_type`` 1 adds the
  service on that date, 2 removes it) are both honoured; either file may be absent.
* **departures in a window**: a stop time is a departure unless it is the last
  stop of its trip or ``pickup_type`` is 1 (no boarding).  Times past
  ``24:00:00`` are valid GTFS (service after midnight, on the service day that
  began the day before): a departure at ``25:10:00`` of the service day *D - 1*
  happens at 01:10 on *D*, and is counted in a window of *D* that holds 01:10.
  Blank times (stops that are not timepoints) are interpolated between the timed
  stops of the trip (by ``shape_dist_traveled`` when given, else by position);
  ``frequencies.txt`` trips run every ``headway_secs`` from ``start_time`` up to
  (not including) ``end_time``.
* ``headway_min`` is the window length divided by the departures (NaN with none):
  the frequency the Global Healthy & Sustainable City Indicators filter stops by
  (a stop "served every 20 minutes" has ``headway_min <= 20``).
* **routes** from ``shapes.txt`` (the shapes the route's trips use) or, for trips
  without a shape, from the stop sequence; one multi-line per route.

Coordinates are WGS84 as the GTFS reference requires (``stop_lat`` / ``stop_lon``).

Examples
--------
>>> import os, tempfile
>>> feed = tempfile.mkdtemp()
>>> tables = {
...     "stops.txt": "stop_id,stop_name,stop_lat,stop_lon\\nA,甲站,33.58,114.01\\nB,乙站,33.59,114.02\\n",
...     "routes.txt": "route_id,route_short_name,route_type\\nR1,1路,3\\n",
...     "trips.txt": "route_id,service_id,trip_id\\nR1,WK,T1\\nR1,WK,T2\\n",
...     "stop_times.txt": ("trip_id,arrival_time,departure_time,stop_id,stop_sequence\\n"
...                        "T1,08:00:00,08:00:00,A,1\\nT1,08:10:00,08:10:00,B,2\\n"
...                        "T2,08:30:00,08:30:00,A,1\\nT2,08:40:00,08:40:00,B,2\\n"),
...     "calendar.txt": ("service_id,monday,tuesday,wednesday,thursday,friday,saturday,sunday,start_date,end_date\\n"
...                      "WK,1,1,1,1,1,0,0,20260105,20261231\\n"),
... }
>>> for name, text in tables.items():
...     with open(os.path.join(feed, name), "w", encoding="utf-8") as fh:
...         _ = fh.write(text)
>>> stops = read_gtfs_stops(feed)
>>> stops[["stop_id", "name", "departures", "headway_min"]].to_dict("records")  # doctest: +NORMALIZE_WHITESPACE
[{'stop_id': 'A', 'name': '甲站', 'departures': 2, 'headway_min': 360.0},
 {'stop_id': 'B', 'name': '乙站', 'departures': 0, 'headway_min': nan}]
>>> stops.attrs["gtfs"]["date"]
'2026-01-05'
"""

from __future__ import annotations

import datetime as _dt
import logging
import os

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from ecogis.errors import InputError, LayerReadError
from ecogis.gtfs_calendar import (
    _DAY,
    _WEEKDAYS,
    _active,
    _as_date,
    _calendars,
    _clock_seconds,
    _first_weekday,
    _gtfs_seconds,
    _int_col,
    _numeric,
    _served_range,
    _stop_time_seconds,
    first_weekday_served,
    service_ids_on,
)
from ecogis.gtfs_feed import _Feed, is_gtfs

__all__ = [
    "DEFAULT_START",
    "DEFAULT_END",
    "is_gtfs",
    "read_gtfs_stops",
    "read_gtfs_routes",
    "read_gtfs_layer",
    "service_ids_on",
    "first_weekday_served",
    "recount_departures",
    "frequent_stops",
]

log = logging.getLogger(__name__)

DEFAULT_START = "07:00"
DEFAULT_END = "19:00"


# --- stops -------------------------------------------------------------------------------------
def _stops_table(feed: _Feed, warnings: list[str]) -> tuple[pd.DataFrame, pd.Series]:
    """Waiting places (stations and parentless stops) and the map stop_id -> place id."""
    stops = feed.need("stops.txt", ("stop_id",))
    stops = stops[stops["stop_id"] != ""]
    dup = stops["stop_id"].duplicated()
    if dup.any():
        raise LayerReadError(f"GTFS feed {feed.path}: stops.txt repeats stop_id {stops.loc[dup, 'stop_id'].iloc[0]!r} "
                             f"({int(dup.sum())} duplicate(s)); stop_id must be unique")
    ltype = _int_col(stops, "location_type", 0)
    parent = stops["parent_station"] if "parent_station" in stops.columns else pd.Series("", index=stops.index)
    ids = set(stops["stop_id"])
    is_platform = ltype == 0
    has_parent = is_platform & parent.ne("").to_numpy() & parent.isin(ids).to_numpy()
    orphan = is_platform & parent.ne("").to_numpy() & ~parent.isin(ids).to_numpy()
    if orphan.any():
        warnings.append(f"{feed.path}: {int(orphan.sum())} stop(s) name a parent_station that stops.txt lacks "
                        f"(e.g. {parent[orphan].iloc[0]!r}); counted as stops of their own")
    place = pd.Series(np.where(has_parent, parent, stops["stop_id"]), index=stops["stop_id"].to_numpy())
    place = place[is_platform | (ltype == 1)]  # a station named in stop_times (not allowed, but seen) is itself
    keep = (ltype == 1) | (is_platform & ~has_parent)
    places = stops[keep].copy()
    for c in ("stop_lat", "stop_lon"):
        if c not in places.columns:
            raise LayerReadError(f"GTFS feed {feed.path}: stops.txt lacks {c}")
    lat = pd.to_numeric(places["stop_lat"], errors="coerce").to_numpy(float)
    lon = pd.to_numeric(places["stop_lon"], errors="coerce").to_numpy(float)
    bad = ~np.isfinite(lat) | ~np.isfinite(lon) | (np.abs(lat) > 90) | (np.abs(lon) > 180) | ((lat == 0) & (lon == 0))
    if bad.any():
        # a station may leave its position blank; take its platforms' mean then
        plat = stops[has_parent]
        plat_xy = pd.DataFrame({"p": parent[has_parent].to_numpy(),
                                "lat": pd.to_numeric(plat["stop_lat"], errors="coerce").to_numpy(float),
                                "lon": pd.to_numeric(plat["stop_lon"], errors="coerce").to_numpy(float)}
                               ).dropna().groupby("p").mean()
        pid = places["stop_id"].to_numpy()
        for i in np.flatnonzero(bad):
            if pid[i] in plat_xy.index:
                lat[i], lon[i] = plat_xy.loc[pid[i], "lat"], plat_xy.loc[pid[i], "lon"]
        still = ~np.isfinite(lat) | ~np.isfinite(lon) | (np.abs(lat) > 90) | (np.abs(lon) > 180) | \
            ((lat == 0) & (lon == 0))
        if still.any():
            raise LayerReadError(f"GTFS feed {feed.path}: {int(still.sum())} stop(s) in stops.txt have no usable "
                                 f"stop_lat / stop_lon (e.g. stop_id {pid[still][0]!r}); fix or remove them")
    name = places["stop_name"] if "stop_name" in places.columns else pd.Series("", index=places.index)
    out = pd.DataFrame({"stop_id": places["stop_id"].to_numpy(), "name": name.to_numpy(), "lon": lon, "lat": lat,
                        "platforms": 0})
    counts = place[is_platform[is_platform | (ltype == 1)]].value_counts()
    out["platforms"] = out["stop_id"].map(counts).fillna(0).astype(int)
    return out, place


def _departure_events(feed: _Feed, warnings: list[str]) -> tuple[pd.DataFrame, pd.Index, pd.Index]:
    """Every boardable departure: ``trip`` and ``stop`` (codes into the two returned indexes of trip_id and
    stop_id) and ``t`` (seconds of the service day)."""
    st = feed.need("stop_times.txt", ("trip_id", "stop_id", "stop_sequence"))
    seq = _numeric(st["stop_sequence"])
    if np.isnan(seq).any():
        raise LayerReadError(f"GTFS feed {feed.path}: stop_times.txt has {int(np.isnan(seq).sum())} row(s) whose "
                             f"stop_sequence is not a number")
    tcode, tuniq = pd.factorize(st["trip_id"])
    scode, suniq = pd.factorize(st["stop_id"])
    trips, stops = pd.Index(tuniq), pd.Index(suniq)
    cols = {"trip": tcode, "stop": scode, "seq": seq, "t": _stop_time_seconds(st),
            "pickup": _int_col(st, "pickup_type", 0)}
    if "shape_dist_traveled" in st.columns:
        cols["dist"] = _numeric(st["shape_dist_traveled"])
    order = np.lexsort((seq, tcode))  # by trip, then stop_sequence
    df = pd.DataFrame({k: np.asarray(v)[order] for k, v in cols.items()})
    tr = df["trip"].to_numpy()
    last = np.append(tr[1:] != tr[:-1], True)
    # blank times (non-timepoints): linear between the trip's timed stops
    blank = ~np.isfinite(df["t"].to_numpy())
    if blank.any():
        pos = np.arange(len(df), dtype=float)
        x = pos
        if "dist" in df.columns:
            dist_ok = df.groupby("trip")["dist"].transform(lambda v: v.notna().all()).to_numpy(bool)
            x = np.where(dist_ok, df["dist"].to_numpy(float), pos)
        timed_x = pd.Series(np.where(blank, np.nan, x))
        timed_t = pd.Series(np.where(blank, np.nan, df["t"].to_numpy()))
        g = df["trip"]
        x0, t0 = timed_x.groupby(g).ffill(), timed_t.groupby(g).ffill()
        x1, t1 = timed_x.groupby(g).bfill(), timed_t.groupby(g).bfill()
        with np.errstate(invalid="ignore", divide="ignore"):
            frac = np.where(x1 > x0, (x - x0) / (x1 - x0), 0.0)
        interp = t0 + (t1 - t0) * frac
        df.loc[blank, "t"] = interp[blank].to_numpy()
        lost = blank & ~np.isfinite(df["t"].to_numpy())
        if lost.any():
            warnings.append(f"{feed.path}: {int(lost.sum())} stop time(s) have no time and no timed stop before and "
                            f"after them in their trip (e.g. trip {trips[df.loc[lost, 'trip'].iloc[0]]!r}); not "
                            f"counted")
            keep = ~lost
            df, last = df[keep], last[keep]
    df = df[~last & (df["pickup"].to_numpy() != 1)]
    # frequency-based trips: the stop times are a template, shifted to every start
    freq = feed.table("frequencies.txt")
    if freq is not None and not freq.empty and {"trip_id", "start_time", "end_time", "headway_secs"} <= set(freq):
        fs = _gtfs_seconds(freq["start_time"])
        fe = _gtfs_seconds(freq["end_time"])
        hw = pd.to_numeric(freq["headway_secs"], errors="coerce").to_numpy(float)
        fcode = trips.get_indexer(freq["trip_id"])
        ok = np.isfinite(fs) & np.isfinite(fe) & np.isfinite(hw) & (hw > 0) & (fcode >= 0)
        if not ok.all():
            warnings.append(f"{feed.path}: {int((~ok).sum())} row(s) of frequencies.txt lack a usable start_time, "
                            f"end_time or headway_secs, or name a trip stop_times.txt lacks; skipped")
        ftrips = np.unique(fcode[fcode >= 0])
        is_f = np.isin(df["trip"].to_numpy(), ftrips)
        templ = df[is_f]
        first = _first_times(feed, set(trips[ftrips]))
        first_by_code = pd.Series(first.to_numpy(), index=trips.get_indexer(first.index))
        templ = templ.assign(offset=templ["t"].to_numpy() - templ["trip"].map(first_by_code).to_numpy(float))
        starts = [(c, t0) for c, a, b, h, good in zip(fcode, fs, fe, hw, ok) if good for t0 in np.arange(a, b, h)]
        inst = pd.DataFrame(starts, columns=["trip", "start"])
        shifted = templ.merge(inst, on="trip")
        shifted["t"] = shifted["start"] + shifted["offset"]
        df = pd.concat([df[~is_f], shifted[df.columns]], ignore_index=True)
    return df[["trip", "stop", "t"]], trips, stops


def _first_times(feed: _Feed, trip_ids: set[str]) -> pd.Series:
    st = feed.table("stop_times.txt")
    assert st is not None
    sub = st[st["trip_id"].isin(trip_ids)]
    d = pd.DataFrame({"trip_id": sub["trip_id"].to_numpy(), "seq": _numeric(sub["stop_sequence"]),
                      "t": _stop_time_seconds(sub)}).sort_values(["trip_id", "seq"])
    return d.dropna(subset=["t"]).groupby("trip_id")["t"].first()


def read_gtfs_stops(
    feed: str | os.PathLike,
    *,
    date: str | _dt.date | None = None,
    start: str = DEFAULT_START,
    end: str = DEFAULT_END,
) -> gpd.GeoDataFrame:
    """One row per stop of a GTFS feed with its departures and headway in a time window.

    Parameters
    ----------
    feed : path-like
        A GTFS ``.zip``, the directory of an unpacked feed, or its ``stops.txt``.
    date : str or datetime.date, optional
        The day counted (``'2026-03-02'`` or ``'20260302'``); default: the first
        Monday-Friday the feed serves.
    start, end : str, default ``'07:00'``, ``'19:00'``
        The window on that day, ``[start, end)``; times past ``24:00`` reach into
        the night after it.

    Returns
    -------
    GeoDataFrame
        Points in WGS84 (EPSG:4326): ``stop_id`` (the station's for merged
        platforms), ``name``, ``platforms`` (a station: its platforms; a stop: 1),
        ``departures`` (int) and ``headway_min`` (window minutes / departures; NaN
        with none).  ``attrs['gtfs']`` holds the date, window and services counted,
        ``attrs['warnings']`` what was skipped.

    Raises
    ------
    ecogis.errors.LayerReadError
        A missing table or column, unusable coordinates, no calendar.
    ecogis.errors.InputError
        A malformed date or window, or a date the feed does not serve.

    Examples
    --------
    >>> stops = read_gtfs_stops("feed.zip", date="2026-03-02", start="07:00", end="09:00")  # doctest: +SKIP
    >>> stops[stops["headway_min"] <= 20]  # doctest: +SKIP
    """
    s, e = _clock_seconds(start, "start"), _clock_seconds(end, "end")
    if e <= s:
        raise InputError(f"the window start={start!r} end={end!r} is empty; expected end after start (use e.g. "
                         f"end='26:00' for a window past midnight)")
    f = _Feed.open(feed)
    warnings: list[str] = []
    places, place_of = _stops_table(f, warnings)
    if not f.has("stop_times.txt"):
        raise LayerReadError(f"GTFS feed {f.path}: stop_times.txt is missing; departures cannot be counted. Read the "
                             f"stops alone with read_layer(path, 'bus_stops') on stops.txt")
    trips = f.need("trips.txt", ("trip_id", "service_id"))
    cal, cd = _calendars(f)
    day = _as_date(date) if date is not None else _first_weekday(f, set(trips["service_id"]))
    today = _active(cal, cd, day)
    yesterday = _active(cal, cd, day - _dt.timedelta(days=1))
    if not today & set(trips["service_id"]) and not (yesterday & set(trips["service_id"]) and e > 0):
        first, last = _served_range(cal, cd)
        raise InputError(f"GTFS feed {f.path}: no trip runs on {day.isoformat()} ({_WEEKDAYS[day.weekday()]}); the "
                         f"feed serves {first} to {last}; pass another date (or leave it out for the first weekday)")
    ev, ev_trips, ev_stops = _departure_events(f, warnings)
    svc = trips.drop_duplicates("trip_id").set_index("trip_id")["service_id"]
    svc_of = pd.Series(ev_trips).map(svc)  # per distinct trip of stop_times
    trip = ev["trip"].to_numpy()
    unknown_trip = svc_of.isna().to_numpy()[trip]
    if unknown_trip.any():
        warnings.append(f"{f.path}: {int(unknown_trip.sum())} stop time(s) belong to trips missing from trips.txt; "
                        f"not counted")
    t = ev["t"].to_numpy(float)
    run_today = svc_of.isin(today).to_numpy()[trip] & (t >= s) & (t < e)
    run_yday = svc_of.isin(yesterday).to_numpy()[trip] & (t - _DAY >= s) & (t - _DAY < e)
    stop = ev["stop"].to_numpy()[run_today | run_yday]
    pcode, puniq = pd.factorize(pd.Series(ev_stops).map(place_of))  # per distinct stop: its place, -1 for none
    pc = pcode[stop] if len(pcode) else np.zeros(0, dtype=int)
    unknown = pc < 0
    if unknown.any():
        warnings.append(f"{f.path}: {int(unknown.sum())} departure(s) at stop_id(s) stops.txt lacks or that are not "
                        f"platforms (e.g. {ev_stops[stop[unknown][0]]!r}); not counted")
    deps = pd.Series(np.bincount(pc[~unknown], minlength=len(puniq)), index=pd.Index(puniq), dtype=int)
    window_min = (e - s) / 60.0
    out = places.copy()
    out["departures"] = out["stop_id"].map(deps).fillna(0).astype(int)
    with np.errstate(divide="ignore"):
        out["headway_min"] = np.where(out["departures"] > 0, window_min / out["departures"].clip(lower=1), np.nan)
    gdf = gpd.GeoDataFrame(out.drop(columns=["lon", "lat"]), geometry=gpd.points_from_xy(out["lon"], out["lat"]),
                           crs="EPSG:4326")
    for w in warnings:
        log.warning(w)
    gdf.attrs["gtfs"] = {"feed": str(f.path), "date": day.isoformat(), "start": start, "end": end,
                         "window_min": window_min, "services": sorted(today), "departures": int(deps.sum())}
    gdf.attrs["warnings"] = warnings
    merged = int((place_of.index.to_numpy() != place_of.to_numpy()).sum())
    log.info("%s: %d stops (%d platforms merged into their stations), %d departures on %s %s-%s", f.path, len(gdf),
             merged, int(deps.sum()), day.isoformat(), start, end)
    return gdf


def _stops_only(feed: _Feed) -> gpd.GeoDataFrame:
    warnings: list[str] = []
    places, _ = _stops_table(feed, warnings)
    msg = (f"{feed.path}: no stop_times.txt beside stops.txt, so departures and headways are unknown (NaN); "
           f"give the whole feed (.zip or directory) to count them")
    warnings.append(msg)
    for w in warnings:
        log.warning(w)
    places["departures"] = pd.array([pd.NA] * len(places), dtype="Int64")
    places["headway_min"] = np.nan
    gdf = gpd.GeoDataFrame(places.drop(columns=["lon", "lat"]),
                           geometry=gpd.points_from_xy(places["lon"], places["lat"]), crs="EPSG:4326")
    gdf.attrs["warnings"] = warnings
    return gdf


# --- routes ------------------------------------------------------------------------------------
def read_gtfs_routes(feed: str | os.PathLike) -> gpd.GeoDataFrame:
    """One multi-line per route: the shapes its trips use, or their stop sequences.

    Parameters
    ----------
    feed : path-like
        A GTFS ``.zip`` or directory.

    Returns
    -------
    GeoDataFrame
        WGS84 lines with ``route_id``, ``name`` (short name, else long name),
        ``route_type``, ``source`` (``shapes`` or ``stop_sequence``) and
        ``patterns`` (distinct shapes or stop sequences).

    Examples
    --------
    >>> routes = read_gtfs_routes("feed.zip")  # doctest: +SKIP
    """
    f = _Feed.open(feed)
    routes = f.need("routes.txt", ("route_id",))
    trips = f.need("trips.txt", ("trip_id", "route_id"))
    shapes = f.table("shapes.txt")
    lines: dict[str, list[shapely.LineString]] = {}
    source: dict[str, str] = {}
    with_shape = trips[trips["shape_id"].ne("")] if "shape_id" in trips.columns else trips.iloc[0:0]
    if shapes is not None and not shapes.empty and len(with_shape):
        need = {"shape_id", "shape_pt_lat", "shape_pt_lon", "shape_pt_sequence"}
        if not need <= set(shapes.columns):
            raise LayerReadError(f"GTFS feed {f.path}: shapes.txt lacks {sorted(need - set(shapes.columns))}")
        sh = pd.DataFrame({"shape_id": shapes["shape_id"],
                           "lat": pd.to_numeric(shapes["shape_pt_lat"], errors="coerce"),
                           "lon": pd.to_numeric(shapes["shape_pt_lon"], errors="coerce"),
                           "seq": pd.to_numeric(shapes["shape_pt_sequence"], errors="coerce")}).dropna()
        sh = sh.sort_values(["shape_id", "seq"], kind="stable")
        geoms = {sid: shapely.LineString(np.column_stack([g["lon"], g["lat"]]))
                 for sid, g in sh.groupby("shape_id", sort=False) if len(g) >= 2}
        for rid, sids in with_shape.groupby("route_id")["shape_id"]:
            got = [geoms[s] for s in sorted(set(sids)) if s in geoms]
            if got:
                lines[rid] = got
                source[rid] = "shapes"
    missing_routes = set(trips["route_id"]) - set(lines)
    if missing_routes and f.has("stop_times.txt"):
        st = f.need("stop_times.txt", ("trip_id", "stop_id", "stop_sequence"))
        stops = f.need("stops.txt", ("stop_id", "stop_lat", "stop_lon"))
        xy = pd.DataFrame({"lon": pd.to_numeric(stops["stop_lon"], errors="coerce").to_numpy(),
                           "lat": pd.to_numeric(stops["stop_lat"], errors="coerce").to_numpy()},
                          index=stops["stop_id"].to_numpy())
        sub_trips = trips[trips["route_id"].isin(missing_routes)]
        sub = st[st["trip_id"].isin(set(sub_trips["trip_id"]))].assign(
            seq=lambda d: pd.to_numeric(d["stop_sequence"], errors="coerce")).sort_values(["trip_id", "seq"])
        pattern = sub.groupby("trip_id")["stop_id"].agg(tuple)
        route_of = sub_trips.set_index("trip_id")["route_id"]
        for rid, pats in pattern.groupby(pattern.index.map(route_of)):
            got = []
            for pat in sorted(set(pats)):
                pts = xy.reindex(list(pat)).dropna().to_numpy()
                if len(pts) >= 2:
                    got.append(shapely.LineString(pts))
            if got:
                lines[rid] = got
                source[rid] = "stop_sequence"
    rows = []
    for r in routes.itertuples(index=False):
        rid = r.route_id
        if rid not in lines:
            continue
        short = getattr(r, "route_short_name", "") or ""
        long = getattr(r, "route_long_name", "") or ""
        rows.append({"route_id": rid, "name": short or long, "route_type": getattr(r, "route_type", "") or None,
                     "source": source[rid], "patterns": len(lines[rid]),
                     "geometry": shapely.MultiLineString(lines[rid])})
    dropped = len(routes) - len(rows)
    if dropped:
        log.warning("%s: %d route(s) have neither a shape nor two located stops; left out of bus_routes", f.path,
                    dropped)
    gdf = gpd.GeoDataFrame(rows, columns=["route_id", "name", "route_type", "source", "patterns", "geometry"],
                           geometry="geometry", crs="EPSG:4326")
    return gdf


def read_gtfs_layer(feed: str | os.PathLike, kind: str | None = None) -> gpd.GeoDataFrame:
    """The catalogue layer a feed fills: ``bus_stops`` (default) or ``bus_routes`` (what ``read_layer`` uses).

    Stops carry ``id`` (= ``stop_id``) and the departures of the default day and
    window (:func:`read_gtfs_stops`); a lone ``stops.txt`` gives stops without departures.

    Examples
    --------
    >>> read_gtfs_layer("feed.zip", "bus_routes")  # doctest: +SKIP
    """
    if kind in (None, "bus_stops"):
        f = _Feed.open(feed)
        gdf = _stops_only(f) if not f.has("stop_times.txt") else read_gtfs_stops(feed)
        gdf.insert(0, "id", gdf["stop_id"])
        return gdf
    if kind == "bus_routes":
        gdf = read_gtfs_routes(feed)
        return gdf.assign(id=gdf["route_id"])
    raise LayerReadError(f"{feed}: a GTFS feed holds the kinds 'bus_stops' and 'bus_routes', not {kind!r}")


def recount_departures(stops: gpd.GeoDataFrame, *, date: str | _dt.date | None = None, start: str | None = None,
                       end: str | None = None) -> gpd.GeoDataFrame:
    """The stops of a GTFS feed with departures and headways counted again for another day or window.

    ``stops`` come from :func:`read_gtfs_stops` or ``read_layer(feed, "bus_stops")``
    (their ``attrs['gtfs']`` names the feed); positions, CRS and other columns are kept.

    Examples
    --------
    >>> weekday = recount_departures(read_layer("feed.zip", "bus_stops"), date="2026-03-03")  # doctest: +SKIP
    """
    g = stops.attrs.get("gtfs")
    if not g or "stop_id" not in stops.columns:
        src = stops.attrs.get("source") or "stops"
        raise InputError(f"{src}: not the stops of a GTFS feed, so departures cannot be counted for a date or window; "
                         f"give the GTFS feed (.zip or directory) as the stops")
    fresh = read_gtfs_stops(g["feed"], date=date if date is not None else g["date"],
                            start=start if start is not None else g["start"], end=end if end is not None else g["end"])
    by = fresh.set_index("stop_id")
    out = stops.copy()
    out["departures"] = out["stop_id"].map(by["departures"]).fillna(0).astype(int)
    out["headway_min"] = out["stop_id"].map(by["headway_min"]).astype(float)
    out.attrs = {**stops.attrs, "gtfs": fresh.attrs["gtfs"]}
    return out


def frequent_stops(stops: gpd.GeoDataFrame, *, max_headway_min: float, date: str | _dt.date | None = None,
                   start: str | None = None, end: str | None = None) -> gpd.GeoDataFrame:
    """The stops served at least every ``max_headway_min`` minutes (``headway_min <= max_headway_min``).

    Parameters
    ----------
    stops : GeoDataFrame
        Stops with ``headway_min`` (from :func:`read_gtfs_stops`, or a layer that has it).
    max_headway_min : float
        Longest acceptable headway, minutes (20 and 30 in the Global Healthy &
        Sustainable City Indicators).
    date, start, end : optional
        Count the departures again for this day / window first
        (:func:`recount_departures`; GTFS stops only).

    Returns
    -------
    GeoDataFrame
        A filtered copy; ``attrs['frequency_filter']`` says how many were kept.

    Raises
    ------
    ecogis.errors.InputError
        When the layer has no ``headway_min`` or none is known.

    Examples
    --------
    >>> import geopandas as gpd, shapely
    >>> s = gpd.GeoDataFrame({"headway_min": [10.0, 25.0, float("nan")]}, geometry=[shapely.Point(0, 0)] * 3,
    ...                      crs=4326)
    >>> len(frequent_stops(s, max_headway_min=20))
    1
    """
    src = stops.attrs.get("source") or stops.attrs.get("gtfs", {}).get("feed") or "stops"
    if not max_headway_min > 0:
        raise InputError(f"max_headway_min was {max_headway_min} but is expected to be > 0 (minutes)")
    if date is not None or start is not None or end is not None:
        stops = recount_departures(stops, date=date, start=start, end=end)
    if "headway_min" not in stops.columns:
        raise InputError(f"{src}: has no headway_min, so stops cannot be filtered by frequency; give a GTFS feed "
                         f"(.zip or directory with stop_times.txt) as the stops")
    hw = pd.to_numeric(stops["headway_min"], errors="coerce")
    if "departures" in stops.columns and pd.to_numeric(stops["departures"], errors="coerce").isna().all():
        raise InputError(f"{src}: the departures of these stops are unknown (no stop_times.txt); give the whole "
                         f"GTFS feed to filter by frequency")
    keep = (hw <= float(max_headway_min)).to_numpy()
    out = stops[keep].copy()
    out.attrs = dict(stops.attrs)
    g = stops.attrs.get("gtfs", {})
    when = f" on {g['date']} {g['start']}-{g['end']}" if g else ""
    out.attrs["frequency_filter"] = {"max_headway_min": float(max_headway_min), "kept": int(keep.sum()),
                                     "of": len(stops)}
    log.info("%s: %d of %d stops served at least every %g min%s", src, int(keep.sum()), len(stops),
             max_headway_min, when)
    return out
