"""OpenStreetMap ``.osm.pbf`` extracts: every catalogue kind one extract can fill (pyrosm).

One reader, :func:`read_osm`, reads an extract once and fills

* ``bus_stops``: transit stops only (``highway=bus_stop``; ``public_transport=
  platform`` or ``stop_position`` with ``bus=yes``; ``amenity=bus_station``), a
  platform and its stop position, or two platforms of one name across the street,
  merged into one stop when they stand within ``merge_stops_m`` (default 30 m):
  :func:`bus_stops_from_tags`;
* ``roads``: the walking network (pyrosm's ``walking`` filter), split at shared
  OSM nodes, with ``bridge``, ``tunnel`` and ``layer`` kept so that the noding of
  :func:`ecogis.network.walk_graph` keeps grade-separated crossings apart, and
  ``highway`` translated to the catalogue's ``road_class``;
* ``rivers``: ``waterway=river|canal|stream`` centre lines and water-body
  polygons (``natural=water``, ``landuse=reservoir``);
* ``study_area``: administrative boundaries (``boundary=administrative``) whose
  ``admin_level`` has a study-area scope in China's OSM convention (5 市域, 6 区/县,
  8 乡镇): :func:`study_areas_from_boundaries`.

What was read, kept and dropped (and why) is logged through the ``ecogis.osm``
logger (what the CLI prints unless ``--quiet``) and kept in each frame's
``attrs["osm"]``.  ``read_layer(path, kind)`` and ``load_layers(dir)`` use this
module for ``.osm.pbf`` files.

Examples
--------
>>> import geopandas as gpd, shapely
>>> tags = gpd.GeoDataFrame(
...     {"id": [1, 2, 3], "highway": ["bus_stop", None, "crossing"], "public_transport": [None, "stop_position", None],
...      "bus": [None, "yes", None], "name": ["Main St", "Main St", None], "osm_type": "node"},
...     geometry=[shapely.Point(24.94, 60.17), shapely.Point(24.9401, 60.17), shapely.Point(24.95, 60.17)], crs=4326)
>>> stops = bus_stops_from_tags(tags)
>>> len(stops), stops["members"].tolist(), stops.attrs["osm"]["dropped"]
(1, [2], {'not a transit stop (crossing, turning circle ...)': 1})
"""

from __future__ import annotations

import json
import logging
import os
import warnings
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from ecogis.catalogue import canonicalize
from ecogis.crs import to_metric
from ecogis.errors import InputError, LayerReadError

__all__ = [
    "ADMIN_LEVEL_SCOPES",
    "DEFAULT_MERGE_STOPS_M",
    "OSM_KINDS",
    "bus_stops_from_tags",
    "is_osm_pbf",
    "read_osm",
    "read_osm_layer",
    "roads_from_ways",
    "study_areas_from_boundaries",
]

log = logging.getLogger(__name__)

#: platforms and stop positions of one stop closer than this are one stop, metres
DEFAULT_MERGE_STOPS_M = 30.0
#: the kinds :func:`read_osm` fills
OSM_KINDS = ("bus_stops", "roads", "rivers", "study_area")
#: OSM ``admin_level`` -> study-area scope (China's convention; 4 is the province, 7 rarely used)
ADMIN_LEVEL_SCOPES = {"5": "市域", "6": "区/县", "8": "乡镇"}

_YES = {"yes", "true", "1", "designated"}
_WATERWAYS = ("river", "canal", "stream")
_STOP_FILTER = {"highway": ["bus_stop"], "public_transport": ["platform", "stop_position"],
                "amenity": ["bus_station"]}
_NOT_STOP = "not a transit stop (crossing, turning circle ...)"
_NOT_BUS = "platform / stop_position without bus=yes (train, tram, ferry ...)"


def is_osm_pbf(path: str | os.PathLike) -> bool:
    """True for an OpenStreetMap PBF file name (``*.osm.pbf`` or ``*.pbf``).

    >>> is_osm_pbf("city.osm.pbf"), is_osm_pbf("city.gpkg")
    (True, False)
    """
    return Path(path).name.lower().endswith(".pbf")


def _is_set(value: Any) -> bool:
    return isinstance(value, str) and value.strip().lower() not in ("", "no", "false", "0")


def _tags(value: Any) -> dict[str, Any]:
    if isinstance(value, dict):
        return value
    if isinstance(value, str) and value:
        try:
            d = json.loads(value)
        except ValueError:
            return {}
        return d if isinstance(d, dict) else {}
    return {}


def _tag(gdf: pd.DataFrame, key: str) -> pd.Series:
    """A tag as a column of strings (None when absent): the column if pyrosm made one, else from ``tags``."""
    col = gdf[key] if key in gdf.columns else pd.Series([None] * len(gdf), index=gdf.index, dtype=object)
    col = col.astype(object).where(col.notna(), None)
    if "tags" in gdf.columns:
        from_tags = gdf["tags"].map(lambda t: _tags(t).get(key))
        col = col.where(col.notna(), from_tags)
    vals = [None if v is None or (isinstance(v, float) and np.isnan(v)) or str(v).strip() == "" else str(v).strip()
            for v in col]
    return pd.Series(vals, index=gdf.index, dtype=object)


def _osm_ids(gdf: pd.DataFrame) -> pd.Series:
    kind = gdf["osm_type"].astype(str) if "osm_type" in gdf.columns else pd.Series("node", index=gdf.index)
    ids = gdf["id"] if "id" in gdf.columns else pd.Series(range(len(gdf)), index=gdf.index)
    return kind.str.cat(ids.map(lambda v: str(int(v)) if isinstance(v, (int, float, np.integer, np.floating))
                                and not pd.isna(v) else str(v)), sep="/")


def _report(kind: str, source: str, read: int, kept: int, dropped: dict[str, int], **extra: Any) -> dict[str, Any]:
    rep = {"kind": kind, "read": int(read), "kept": int(kept), "dropped": {k: int(v) for k, v in dropped.items() if v},
           **extra}
    what = "; ".join(f"{v} {k}" for k, v in rep["dropped"].items())
    log.info("%s: %s: %d OSM feature(s) read, %d kept%s", source, kind, read, kept,
             f", dropped {what}" if what else "")
    return rep


def _metric(gdf: gpd.GeoDataFrame, metric_crs: Any) -> gpd.GeoDataFrame:
    return to_metric(gdf, metric_crs)


def bus_stops_from_tags(features: gpd.GeoDataFrame, *, merge_stops_m: float = DEFAULT_MERGE_STOPS_M,
                        metric_crs: Any = None, source: str = "OSM") -> gpd.GeoDataFrame:
    """Transit stops of OSM features, one per stop.

    Parameters
    ----------
    features : GeoDataFrame
        OSM features with their tags as columns (``highway``, ``public_transport``,
        ``bus``, ``amenity``, ``name``, ``wheelchair``; pyrosm's JSON ``tags``
        column is read too), any CRS, any geometry (ways become a point on them).
    merge_stops_m : float, default 30
        Two features are one stop when closer than this and either share a
        non-empty name (two platforms across the street, a platform and its
        stop position) or one is an unnamed-or-same-named stop position and the
        other its nearest platform.
    metric_crs : CRS-like, optional
        CRS for the distances (default: the zone of the data).
    source : str
        Name used in the log.

    Returns
    -------
    GeoDataFrame
        In the CRS of ``features``: ``id`` (``node/123`` of the stop's first
        platform), ``name``, ``accessible`` (``wheelchair=yes``), ``mode``
        (``bus``), ``members`` (features merged), ``osm_ids`` and the point, at
        the mean of the stop's platforms (or of its stop positions when it has no
        platform).  ``attrs["osm"]`` counts what was read, kept and dropped.

    Examples
    --------
    >>> import geopandas as gpd, shapely
    >>> f = gpd.GeoDataFrame({"id": [1, 2], "highway": ["bus_stop", "bus_stop"], "name": ["A", "A"]},
    ...                      geometry=[shapely.Point(0, 0), shapely.Point(20, 0)], crs=4547)
    >>> len(bus_stops_from_tags(f)), len(bus_stops_from_tags(f, merge_stops_m=10))
    (1, 2)
    """
    if merge_stops_m < 0:
        raise InputError(f"merge_stops_m was {merge_stops_m} but is expected to be >= 0")
    if features.crs is None:
        raise InputError("features have no CRS; OSM data is EPSG:4326")
    f = features[features.geometry.notna() & ~features.geometry.is_empty]
    highway, pt, amenity = _tag(f, "highway"), _tag(f, "public_transport"), _tag(f, "amenity")
    bus = _tag(f, "bus").map(lambda v: isinstance(v, str) and v.lower() in _YES).astype(bool)
    is_platform_tag = highway.eq("bus_stop") | pt.eq("platform")
    is_pt = pt.isin(["platform", "stop_position"])
    keep = (highway.eq("bus_stop") | (is_pt & bus) | amenity.eq("bus_station")).to_numpy(dtype=bool)
    not_bus = (is_pt & ~bus & ~highway.eq("bus_stop") & ~amenity.eq("bus_station")).to_numpy(dtype=bool)
    dropped = {_NOT_BUS: int(not_bus.sum()), _NOT_STOP: int((~keep & ~not_bus).sum())}
    s = f[keep]
    role = np.where(is_platform_tag.to_numpy()[keep], "platform",
                    np.where(pt.eq("stop_position").to_numpy()[keep], "stop_position", "station"))
    names = _tag(s, "name").to_numpy(dtype=object)
    wheelchair = _tag(s, "wheelchair").to_numpy(dtype=object)
    ids = _osm_ids(s).to_numpy(dtype=object)
    geoms = np.asarray(s.geometry.values, dtype=object)
    if len(geoms) == 0:
        out = gpd.GeoDataFrame({c: [] for c in ("id", "name", "accessible", "mode", "members", "osm_ids")},
                               geometry=gpd.GeoSeries([], crs=features.crs), crs=features.crs)
        out.attrs["osm"] = _report("bus_stops", source, len(f), 0, dropped, transit_features=0, merged=0,
                                   merge_stops_m=float(merge_stops_m))
        return out
    pts = np.where(shapely.get_type_id(geoms) == 0, geoms, shapely.point_on_surface(geoms))
    metric = _metric(gpd.GeoDataFrame(geometry=list(pts), crs=s.crs), metric_crs)
    xy = shapely.get_coordinates(metric.geometry.values)
    n = len(xy)
    groups = _stop_groups(xy, names, role, merge_stops_m)
    rows, out_xy = _stop_rows(groups, role, xy, names, wheelchair, ids)
    out = gpd.GeoDataFrame(pd.DataFrame(rows, columns=["id", "name", "accessible", "mode", "members", "osm_ids"]),
                           geometry=gpd.points_from_xy(*np.asarray(out_xy).reshape(-1, 2).T), crs=metric.crs)
    out = out.to_crs(features.crs)
    out.attrs["osm"] = _report("bus_stops", source, len(f), len(out), dropped, transit_features=n,
                               merged=n - len(out), merge_stops_m=float(merge_stops_m))
    if n - len(out):
        log.info("%s: bus_stops: %d platform(s) / stop position(s) merged into the stop they belong to "
                 "(within %g m)", source, n - len(out), merge_stops_m)
    return out


#: OSM highway value -> catalogue road_class is catalogue.py's value map; walking ways are all walkable
def _stop_groups(xy: np.ndarray, names: np.ndarray, role: np.ndarray, merge_stops_m: float) -> np.ndarray:
    """Group of each transit feature: features closer than ``merge_stops_m`` that share a non-empty name, and
    each stop position with its nearest platform (unnamed or same-named), are one stop."""
    n = len(xy)
    parent = np.arange(n)

    def find(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    def union(i: int, j: int) -> None:
        a, b = find(i), find(j)
        if a != b:
            parent[max(a, b)] = min(a, b)

    if n > 1 and merge_stops_m > 0:
        from scipy.spatial import cKDTree

        tree = cKDTree(xy)
        for i, j in sorted(tree.query_pairs(merge_stops_m - 1e-9)):
            if names[i] and names[i] == names[j]:
                union(i, j)
        platforms = np.flatnonzero(role == "platform")
        for i in np.flatnonzero(role == "stop_position"):
            if platforms.size == 0:
                break
            d = np.hypot(*(xy[platforms] - xy[i]).T)
            ok = (d < merge_stops_m) & np.array([not names[i] or not names[p] or names[i] == names[p]
                                                 for p in platforms], dtype=bool)
            if ok.any():
                union(i, int(platforms[ok][np.argmin(d[ok])]))
    return np.array([find(i) for i in range(n)], dtype=int)


def _stop_rows(groups: np.ndarray, role: np.ndarray, xy: np.ndarray, names: np.ndarray, wheelchair: np.ndarray,
               ids: np.ndarray) -> tuple[list[dict[str, Any]], list[np.ndarray]]:
    """One row per stop (its first platform's id, a name, accessibility, members) and its point: the mean of
    its platforms, else of its stop positions."""
    rows, out_xy = [], []
    order = {"platform": 0, "station": 1, "stop_position": 2}
    for g in dict.fromkeys(groups.tolist()):
        members = np.flatnonzero(groups == g)
        members = members[np.argsort([order[role[m]] for m in members], kind="stable")]
        best = role[members[0]]
        at = members[role[members] == best]
        out_xy.append(xy[at].mean(axis=0))
        name = next((names[m] for m in members if names[m]), None)
        wc = [str(wheelchair[m]).lower() for m in members if wheelchair[m]]
        rows.append({"id": ids[members[0]], "name": name,
                     "accessible": (True if "yes" in wc else (False if "no" in wc else None)),
                     "mode": "bus", "members": len(members), "osm_ids": ";".join(ids[m] for m in members)})
    return rows, out_xy


def roads_from_ways(ways: gpd.GeoDataFrame, *, source: str = "OSM") -> gpd.GeoDataFrame:
    """Catalogue ``roads`` from OSM ways (as pyrosm returns them).

    Keeps ``id`` (``way/12``, or ``way/12#0``, ``way/12#1`` ... for the pieces of
    a way split at junctions), ``osm_id``, ``name``, ``highway``, ``road_class``
    (the translated ``highway``), ``bridge``, ``tunnel``, ``layer`` and
    ``walkable``; drops ways that are not lines.

    Examples
    --------
    >>> import geopandas as gpd, shapely
    >>> w = gpd.GeoDataFrame({"id": [7], "highway": ["footway"], "tags": ['{"layer": "1", "bridge": "yes"}']},
    ...                      geometry=[shapely.LineString([(0, 0), (0.001, 0)])], crs=4326)
    >>> roads_from_ways(w)[["id", "road_class", "bridge", "layer"]].values.tolist()
    [['way/7', 'other', 'yes', '1']]
    """
    line = ways.geom_type.isin(["LineString", "MultiLineString"]).to_numpy()
    w = ways[line]
    out = gpd.GeoDataFrame({
        "id": _osm_ids(w.assign(osm_type=w["osm_type"] if "osm_type" in w.columns else "way")).to_numpy(),
        "name": _tag(w, "name").to_numpy(dtype=object),
        "highway": _tag(w, "highway").to_numpy(dtype=object),
        "bridge": _tag(w, "bridge").to_numpy(dtype=object),
        "tunnel": _tag(w, "tunnel").to_numpy(dtype=object),
        "layer": _tag(w, "layer").to_numpy(dtype=object),
    }, geometry=w.geometry.values, crs=w.crs)
    # pyrosm splits a way into one edge per stretch between junctions: way/12#0, way/12#1 ... (osm_id: the way)
    out.insert(1, "osm_id", out["id"])
    piece = out.groupby("id").cumcount()
    split = out["id"].duplicated(keep=False)
    out.loc[split, "id"] = out.loc[split, "id"] + "#" + piece[split].astype(str)
    out["road_class"] = out["highway"]
    out, _ = canonicalize(out, "roads")
    out["walkable"] = True
    out.attrs["osm"] = _report("roads", source, len(ways), len(out), {"not a line": int((~line).sum())},
                               bridges=int(out["bridge"].map(_is_set).sum()), tunnels=int(out["tunnel"].map(_is_set).sum()))
    return out


def _scope(level: str | None, name: str | None) -> str | None:
    scope = ADMIN_LEVEL_SCOPES.get(str(level).strip() if level is not None else "")
    if scope == "区/县":
        n = name or ""
        return "县" if n.endswith(("县", "旗", "市")) else "区"
    return scope


def study_areas_from_boundaries(boundaries: gpd.GeoDataFrame, *, source: str = "OSM") -> gpd.GeoDataFrame:
    """Catalogue ``study_area`` features from OSM administrative boundaries.

    ``admin_level`` 5 is the prefecture city (市域), 6 a district (区) or county
    (县, 旗, county-level 市), 8 a township (乡镇) — China's OSM convention.  Other
    levels (the province, levels other countries use) are dropped and counted.

    Examples
    --------
    >>> import geopandas as gpd, shapely
    >>> b = gpd.GeoDataFrame({"id": [1, 2, 3], "name": ["漯河市", "源汇区", "河南省"],
    ...                       "admin_level": ["5", "6", "4"]}, geometry=[shapely.box(0, 0, 1, 1)] * 3, crs=4326)
    >>> study_areas_from_boundaries(b)[["name", "scope"]].values.tolist()
    [['漯河市', '市域'], ['源汇区', '区']]
    """
    poly = boundaries.geom_type.isin(["Polygon", "MultiPolygon"]).to_numpy()
    b = boundaries[poly]
    names = _tag(b, "name")
    scopes = np.array([_scope(lv, nm) for lv, nm in zip(_tag(b, "admin_level"), names)], dtype=object)
    ok = np.array([s is not None for s in scopes], dtype=bool)
    levels = _tag(b, "admin_level")[~ok]
    out = gpd.GeoDataFrame({"id": _osm_ids(b.assign(osm_type=b["osm_type"] if "osm_type" in b.columns
                                                    else "relation")).to_numpy()[ok],
                            "name": names.to_numpy(dtype=object)[ok], "scope": scopes[ok],
                            "admin_level": _tag(b, "admin_level").to_numpy(dtype=object)[ok]},
                           geometry=b.geometry.values[ok], crs=b.crs)
    dropped = {"not a polygon": int((~poly).sum())}
    for lv, cnt in levels.map(lambda v: v or "none").value_counts().items():
        dropped[f"admin_level {lv} (no study-area scope)"] = int(cnt)
    out.attrs["osm"] = _report("study_area", source, len(boundaries), len(out), dropped)
    return out


def _rivers(lines: gpd.GeoDataFrame | None, water: gpd.GeoDataFrame | None, source: str) -> gpd.GeoDataFrame:
    parts, read, dropped = [], 0, {"waterway not a line": 0, "water body not a polygon": 0}
    for frame, want, what in ((lines, ("LineString", "MultiLineString"), "waterway not a line"),
                              (water, ("Polygon", "MultiPolygon"), "water body not a polygon")):
        if frame is None or frame.empty:
            continue
        read += len(frame)
        ok = frame.geom_type.isin(list(want)).to_numpy()
        dropped[what] += int((~ok).sum())
        fr = frame[ok]
        parts.append(gpd.GeoDataFrame({"id": _osm_ids(fr).to_numpy(), "name": _tag(fr, "name").to_numpy(dtype=object),
                                       "waterway": _tag(fr, "waterway").to_numpy(dtype=object),
                                       "water": _tag(fr, "water").to_numpy(dtype=object)},
                                      geometry=fr.geometry.values, crs=fr.crs))
    out = (pd.concat(parts, ignore_index=True) if parts else
           gpd.GeoDataFrame({"id": [], "name": [], "waterway": [], "water": []}, geometry=[], crs=4326))
    out = gpd.GeoDataFrame(out, geometry="geometry", crs=4326)
    out.attrs["osm"] = _report("rivers", source, read, len(out), dropped,
                               lines=int(out.geom_type.isin(["LineString", "MultiLineString"]).sum()),
                               polygons=int(out.geom_type.isin(["Polygon", "MultiPolygon"]).sum()))
    return out


def _open(path: Path, bounding_box: Any):
    if not path.exists():
        raise LayerReadError(f"{path}: no such file; expected an OpenStreetMap .osm.pbf extract")
    try:
        import pyrosm
    except ImportError:
        raise InputError(f"{path}: reading .osm.pbf needs pyrosm: pip install 'ecogis[network]'") from None
    try:
        return pyrosm.OSM(str(path), bounding_box=bounding_box)
    except Exception as exc:  # noqa: BLE001 - pyrosm raises plain exceptions on bad files
        raise LayerReadError(f"{path}: cannot be read as OpenStreetMap PBF ({exc}); "
                             f"give an .osm.pbf extract (e.g. from download.geofabrik.de)") from None


def _query(path: Path, what: str, fn, *args: Any, **kwargs: Any):
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            got = fn(*args, **kwargs)
    except Exception as exc:  # noqa: BLE001 - pyrosm raises plain exceptions on bad files
        raise LayerReadError(f"{path}: cannot read the {what} of this OpenStreetMap PBF ({exc})") from None
    if isinstance(got, tuple):
        got = got[1]
    if got is None or len(got) == 0:
        return None
    if got.crs is None:
        got = got.set_crs(4326)
    return got


def _osm_bus_stops(osm: Any, p: Path, merge_stops_m: float) -> gpd.GeoDataFrame | None:
    f = _query(p, "bus stops", osm.get_data_by_custom_criteria, custom_filter=_STOP_FILTER, filter_type="keep",
               keep_nodes=True, keep_ways=True, keep_relations=True)
    stops = None if f is None else bus_stops_from_tags(f, merge_stops_m=merge_stops_m, source=str(p))
    return stops if stops is not None and len(stops) else None


def _osm_roads(osm: Any, p: Path, merge_stops_m: float) -> gpd.GeoDataFrame | None:
    w = _query(p, "walking network", osm.get_network, network_type="walking", nodes=True)
    return None if w is None else roads_from_ways(w, source=str(p))


def _osm_rivers(osm: Any, p: Path, merge_stops_m: float) -> gpd.GeoDataFrame | None:
    lines = _query(p, "waterways", osm.get_data_by_custom_criteria, custom_filter={"waterway": list(_WATERWAYS)},
                   filter_type="keep", keep_nodes=False, keep_ways=True, keep_relations=True)
    water = _query(p, "water bodies", osm.get_data_by_custom_criteria,
                   custom_filter={"natural": ["water"], "landuse": ["reservoir"]}, filter_type="keep",
                   keep_nodes=False, keep_ways=True, keep_relations=True)
    return None if lines is None and water is None else _rivers(lines, water, str(p))


def _osm_study_areas(osm: Any, p: Path, merge_stops_m: float) -> gpd.GeoDataFrame | None:
    b = _query(p, "administrative boundaries", osm.get_boundaries, boundary_type="administrative")
    areas = None if b is None else study_areas_from_boundaries(b, source=str(p))
    return areas if areas is not None and len(areas) else None


def read_osm(path: str | os.PathLike, kinds: Iterable[str] | None = None, *, bounding_box: Any = None,
             merge_stops_m: float = DEFAULT_MERGE_STOPS_M) -> dict[str, gpd.GeoDataFrame]:
    """Every catalogue kind an ``.osm.pbf`` extract fills, read once.

    Parameters
    ----------
    path : path-like
        OpenStreetMap ``.osm.pbf`` extract.
    kinds : iterable of str, optional
        Kinds to read (default all of :data:`OSM_KINDS`).
    bounding_box : list or shapely geometry, optional
        ``[minlon, minlat, maxlon, maxlat]`` or a polygon: read only this part.
    merge_stops_m : float, default 30
        See :func:`bus_stops_from_tags`.

    Returns
    -------
    dict of str to GeoDataFrame
        Kind -> layer (EPSG:4326, canonical fields); a kind the extract holds
        nothing of is absent (and logged).  Each has ``attrs["osm"]`` (what was
        read, kept and dropped) and the ``attrs`` of :func:`ecogis.io.read_layer`.

    Examples
    --------
    >>> import pyrosm  # doctest: +SKIP
    >>> layers = read_osm(pyrosm.get_data("test_pbf"))  # doctest: +SKIP
    >>> len(layers["bus_stops"])  # doctest: +SKIP
    36
    """
    p = Path(path)
    want = list(OSM_KINDS if kinds is None else kinds)
    bad = [k for k in want if k not in OSM_KINDS]
    if bad:
        raise InputError(f"{p}: an .osm.pbf fills the kinds {list(OSM_KINDS)}, not {bad}")
    osm = _open(p, bounding_box)
    src = str(p)
    out: dict[str, gpd.GeoDataFrame] = {}
    readers = {"bus_stops": _osm_bus_stops, "roads": _osm_roads, "rivers": _osm_rivers,
               "study_area": _osm_study_areas}
    for k in OSM_KINDS:
        if k in want:
            got = readers[k](osm, p, merge_stops_m)
            if got is not None:
                out[k] = got
    for k in want:
        if k not in out:
            log.info("%s: %s: the extract holds none", src, k)
    for k, gdf in out.items():
        gdf.attrs.update(source=src, layer=None, kind=k, encoding=None, field_mapping={}, source_crs="EPSG:4326")
    return out


def read_osm_layer(path: str | os.PathLike, kind: str | None, *, bounding_box: Any = None,
                   merge_stops_m: float = DEFAULT_MERGE_STOPS_M) -> gpd.GeoDataFrame:
    """One kind of an ``.osm.pbf`` (what ``read_layer(path, kind)`` returns for an extract).

    Raises
    ------
    InputError
        No kind, or one an extract does not fill.
    LayerReadError
        The extract holds none of that kind.

    Examples
    --------
    >>> import pyrosm  # doctest: +SKIP
    >>> read_osm_layer(pyrosm.get_data("test_pbf"), "bus_stops").shape[0]  # doctest: +SKIP
    36
    """
    p = Path(path)
    if kind is None or kind not in OSM_KINDS:
        raise InputError(f"{p}: an .osm.pbf holds several kinds; give one of {list(OSM_KINDS)} "
                         f"(read_layer(path, 'bus_stops'), or --kind on the command line); was {kind!r}")
    got = read_osm(p, [kind], bounding_box=bounding_box, merge_stops_m=merge_stops_m)
    if kind not in got:
        raise LayerReadError(f"{p}: the extract holds no {kind}; give another file for it")
    return got[kind]
