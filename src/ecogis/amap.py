"""Amap (高德) and Baidu (百度) exports: POI tables and Amap bus-line JSON.

What analysts download from the web maps comes in two shapes:

* **POI tables** (CSV or Excel): Amap writes one ``location`` column ``"lng,lat"``
  (also found as ``经纬度`` / ``坐标`` / ``lnglat``); Baidu exports and most tools
  write ``lng`` / ``lat`` or ``经度`` / ``纬度`` columns, which
  :func:`ecogis.io.read_layer` reads directly.  :func:`split_location` turns the
  one column into two (``read_layer`` calls it for a table without coordinate
  columns).
* **Amap bus-line JSON** (the web service ``/v3/bus/linename`` or ``lineid``
  answer, or a list of them as crawlers save it): ``buslines[]`` with ``id``,
  ``name``, ``polyline`` ``"lng,lat;lng,lat;..."`` and ``busstops[]`` (``id``,
  ``name``, ``location``, ``sequence``).  :func:`read_amap_buslines` gives the
  stops, unique by stop id (a stop on several lines once, with the lines that
  serve it), and the routes (the polyline, or the stops in sequence when a line
  has none).

Coordinates stay as written and the layers state **no CRS**: Amap data is
GCJ-02 and Baidu data BD-09 unless someone converted it, and only the user
knows.  Say it when reading (``read_layer(path, "bus_stops", crs="gcj02")``,
``--crs gcj02``) and the points are converted to CGCS2000 with
:mod:`ecogis.crs` (the inverse of the published GCJ-02 / BD-09 formulas, to
well below a millimetre).

Examples
--------
>>> import json, os, tempfile
>>> path = os.path.join(tempfile.mkdtemp(), "line1.json")
>>> answer = {"status": "1", "buslines": [{"id": "L1", "name": "1路", "polyline": "114.01,33.58;114.02,33.59",
...           "busstops": [{"id": "S1", "name": "甲站", "location": "114.01,33.58", "sequence": "1"},
...                        {"id": "S2", "name": "乙站", "location": "114.02,33.59", "sequence": "2"}]}]}
>>> with open(path, "w", encoding="utf-8") as fh:
...     json.dump(answer, fh, ensure_ascii=False)
>>> stops, routes = read_amap_buslines(path)
>>> stops["name"].tolist(), routes["name"].tolist(), stops.crs is None
(['甲站', '乙站'], ['1路'], True)
"""

from __future__ import annotations

import json
import logging
import os
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from ecogis.errors import LayerReadError

__all__ = ["LOCATION_NAMES", "is_amap_busline", "read_amap_buslines", "read_amap_layer", "split_location"]

log = logging.getLogger(__name__)

#: column names of a one-column ``"lng,lat"`` position (matched case-insensitively)
LOCATION_NAMES = ("location", "lnglat", "lng_lat", "经纬度", "坐标", "位置坐标")


def _pairs(values: pd.Series, where: str, column: str) -> tuple[np.ndarray, np.ndarray]:
    """``"lng,lat"`` strings (or [lng, lat] lists) as two float arrays; an error naming the bad rows."""
    def one(v: Any) -> tuple[float, float]:
        if isinstance(v, (list, tuple)) and len(v) == 2:
            return float(v[0]), float(v[1])
        parts = str(v).replace("，", ",").split(",")
        if len(parts) != 2:
            raise ValueError
        return float(parts[0]), float(parts[1])

    xs = np.full(len(values), np.nan)
    ys = np.full(len(values), np.nan)
    bad = []
    for i, v in enumerate(values.tolist()):
        try:
            xs[i], ys[i] = one(v)
        except (TypeError, ValueError):
            bad.append(i)
    bad_arr = np.array(bad, dtype=int)
    if bad_arr.size == 0:
        bad_arr = np.flatnonzero(~np.isfinite(xs) | ~np.isfinite(ys))
    if bad_arr.size:
        rows = ", ".join(str(i + 2) for i in bad_arr[:10])
        raise LayerReadError(f"{where}: {bad_arr.size} value(s) of {column!r} are not 'lng,lat' (file lines {rows}"
                             f"{' ...' if bad_arr.size > 10 else ''}, e.g. {values.iloc[bad_arr[0]]!r}); fix or "
                             f"remove them")
    # in China longitudes (73-135) and latitudes (18-54) do not overlap: 'lat,lng' is told apart for sure
    if len(xs) and np.all((xs > 3) & (xs < 54)) and np.all((ys > 73) & (ys < 136)):
        raise LayerReadError(f"{where}: {column!r} holds 'lat,lng' (e.g. {values.iloc[0]!r}), but Amap writes "
                             f"'lng,lat'; swap the two numbers, or split them into 经度 / 纬度 columns")
    return xs, ys


def split_location(df: pd.DataFrame, where: str = "table") -> tuple[pd.DataFrame, str, str] | None:
    """Split a one-column ``"lng,lat"`` position into ``经度`` / ``纬度`` columns.

    Parameters
    ----------
    df : DataFrame
        A POI table; not modified.
    where : str
        Its name in messages (the file).

    Returns
    -------
    (DataFrame, str, str) or None
        A copy without the location column and with the two new ones, and their
        names; None when the table has no location column.

    Examples
    --------
    >>> import pandas as pd
    >>> out, lon, lat = split_location(pd.DataFrame({"name": ["甲"], "location": ["114.0165,33.5815"]}))
    >>> out[lon].tolist(), out[lat].tolist()
    ([114.0165], [33.5815])
    """
    cols = {str(c).strip().lower(): c for c in df.columns}
    col = next((cols[n] for n in LOCATION_NAMES if n in cols), None)
    if col is None:
        return None
    xs, ys = _pairs(df[col], where, str(col))
    out = df.drop(columns=[col]).assign(经度=xs, 纬度=ys)
    return out, "经度", "纬度"


def _load(path: Path) -> Any:
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise LayerReadError(f"{path}: cannot be read ({exc})") from None
    for enc in ("utf-8-sig", "gb18030"):
        try:
            return json.loads(raw.decode(enc))
        except UnicodeDecodeError:
            continue
        except json.JSONDecodeError as exc:
            raise LayerReadError(f"{path}: is not valid JSON ({exc})") from None
    raise LayerReadError(f"{path}: is neither UTF-8 nor GB18030 text")


def _buslines(data: Any) -> list[dict[str, Any]] | None:
    """The bus lines of an Amap answer, a list of answers, or a list of lines; None when it is none of those."""
    if isinstance(data, dict):
        if isinstance(data.get("buslines"), list):
            return [b for b in data["buslines"] if isinstance(b, dict)]
        if "busstops" in data and "polyline" in data:
            return [data]
        return None
    if isinstance(data, list) and data and all(isinstance(d, dict) for d in data):
        out: list[dict[str, Any]] = []
        for d in data:
            lines = _buslines(d)
            if lines is None:
                return None
            out += lines
        return out
    return None


def is_amap_busline(path: str | os.PathLike) -> bool:
    """True for a ``.json`` file that is an Amap bus-line answer (``buslines[].busstops[]``).

    Examples
    --------
    >>> is_amap_busline("layers/luohe.gpkg")
    False
    """
    p = Path(path)
    if p.suffix.lower() != ".json" or not p.is_file():
        return False
    with open(p, "rb") as fh:
        head = fh.read(65536)
    if b'"buslines"' not in head and b'"busstops"' not in head:
        return False
    try:
        return _buslines(_load(p)) is not None
    except LayerReadError:
        return False


def read_amap_buslines(path: str | os.PathLike) -> tuple[gpd.GeoDataFrame, gpd.GeoDataFrame]:
    """Stops (unique by id) and routes of an Amap bus-line JSON, coordinates as written, no CRS.

    Parameters
    ----------
    path : path-like
        The JSON: one answer of Amap's bus-line service, a list of answers, or a list of lines.

    Returns
    -------
    (GeoDataFrame, GeoDataFrame)
        ``stops``: points with ``id``, ``name``, ``lines`` (names of the lines
        serving the stop, ``;``-separated) and ``n_lines``; ``routes``: lines with
        ``id``, ``name``, ``type``, ``start_stop``, ``end_stop``, ``source``
        (``polyline`` or ``busstops``).

    Raises
    ------
    ecogis.errors.LayerReadError
        Not an Amap bus-line file, a position that is not ``"lng,lat"``, or one stop
        id at two places more than 1 m apart.

    Examples
    --------
    >>> stops, routes = read_amap_buslines("amap_lines.json")  # doctest: +SKIP
    """
    p = Path(path)
    lines = _buslines(_load(p))
    if lines is None:
        raise LayerReadError(f"{p}: is not an Amap bus-line JSON; expected {{'buslines': [{{'busstops': [...], "
                             f"'polyline': 'lng,lat;...'}}]}}")
    stop_rows: list[dict[str, Any]] = []
    route_rows: list[dict[str, Any]] = []
    for li, line in enumerate(lines):
        lid = str(line.get("id") or f"line{li + 1}")
        lname = str(line.get("name") or lid)
        busstops = [s for s in (line.get("busstops") or []) if isinstance(s, dict)]
        if busstops:
            where = f"{p} (line {lname!r})"
            bs = pd.DataFrame(busstops)
            if "location" not in bs.columns:
                raise LayerReadError(f"{where}: its busstops have no 'location'")
            xs, ys = _pairs(bs["location"], where, "busstops[].location")
            seq = pd.to_numeric(bs["sequence"], errors="coerce") if "sequence" in bs.columns else \
                pd.Series(np.arange(len(bs)) + 1.0)
            for k in range(len(bs)):
                sid = bs["id"].iloc[k] if "id" in bs.columns and bs["id"].iloc[k] not in (None, "") else None
                stop_rows.append({"id": str(sid) if sid is not None else None,
                                  "name": bs["name"].iloc[k] if "name" in bs.columns else None,
                                  "line": lname, "seq": float(seq.iloc[k]), "x": xs[k], "y": ys[k]})
        poly = line.get("polyline")
        coords = None
        source = "polyline"
        if isinstance(poly, str) and poly.strip():
            pts = pd.Series([q for q in poly.strip().strip(";").split(";") if q.strip()])
            px, py = _pairs(pts, f"{p} (line {lname!r})", "polyline")
            coords = np.column_stack([px, py])
        elif busstops:
            order = np.argsort(seq.to_numpy(float), kind="stable")
            coords = np.column_stack([xs, ys])[order]
            source = "busstops"
        if coords is not None and len(coords) >= 2:
            route_rows.append({"id": lid, "name": lname, "type": line.get("type"),
                               "start_stop": line.get("start_stop"), "end_stop": line.get("end_stop"),
                               "source": source, "geometry": shapely.LineString(coords)})
        else:
            log.warning("%s: line %r has no polyline and fewer than two stops; left out of bus_routes", p, lname)
    st = pd.DataFrame(stop_rows, columns=["id", "name", "line", "seq", "x", "y"])
    no_id = st["id"].isna()
    if no_id.any():
        # without an id a stop is told by its name and position
        st.loc[no_id, "id"] = [f"{n}@{x:.6f},{y:.6f}" for n, x, y in st.loc[no_id, ["name", "x", "y"]].itertuples(
            index=False)]
    groups = st.groupby("id", sort=False)
    spread = groups["x"].agg(lambda v: v.max() - v.min()).to_numpy() + groups["y"].agg(
        lambda v: v.max() - v.min()).to_numpy()
    if (spread > 1e-5).any():  # ~1 m
        sid = list(groups.groups)[int(np.argmax(spread))]
        raise LayerReadError(f"{p}: stop id {sid!r} appears at places up to {spread.max() * 111e3:,.0f} m apart; "
                             f"one id must be one stop (is the file a mix of exports?)")
    stops = groups.agg(name=("name", "first"), lines=("line", lambda v: ";".join(dict.fromkeys(v))),
                       n_lines=("line", "nunique"), x=("x", "first"), y=("y", "first")).reset_index()
    stops_gdf = gpd.GeoDataFrame(stops.drop(columns=["x", "y"]), geometry=gpd.points_from_xy(stops["x"], stops["y"]))
    routes_gdf = gpd.GeoDataFrame(route_rows, columns=["id", "name", "type", "start_stop", "end_stop", "source",
                                                       "geometry"], geometry="geometry")
    log.info("%s: %d bus line(s), %d stop visit(s) -> %d unique stops, %d route(s)", p, len(lines), len(st),
             len(stops_gdf), len(routes_gdf))
    return stops_gdf, routes_gdf


def read_amap_layer(path: str | os.PathLike, kind: str | None = None) -> gpd.GeoDataFrame:
    """``bus_stops`` (default) or ``bus_routes`` of an Amap bus-line JSON (what ``read_layer`` uses).

    Examples
    --------
    >>> read_amap_layer("amap_lines.json", "bus_routes")  # doctest: +SKIP
    """
    if kind not in (None, "bus_stops", "bus_routes"):
        raise LayerReadError(f"{path}: an Amap bus-line JSON holds the kinds 'bus_stops' and 'bus_routes', "
                             f"not {kind!r}")
    stops, routes = read_amap_buslines(path)
    return routes if kind == "bus_routes" else stops
