"""Coordinate reference systems as China uses them.

Three jobs live here, and every metric operation in ecogis goes through them:

* :func:`parse_crs` accepts anything an analyst may call a CRS (``"EPSG:4490"``,
  ``4547``, WKT, a ``pyproj.CRS``) plus the two web-map pseudo systems ``"gcj02"``
  (高德/腾讯 "Mars" coordinates) and ``"bd09"`` (百度).
* vectorised GCJ-02 / BD-09 transforms in both directions; the inverses are
  iterative and round-trip to well below 1 mm.  Points outside mainland China are
  left untouched, because the web maps do not shift them either (Hong Kong, Macau
  and Taiwan use WGS84 there).
* :func:`metric_crs` picks the CGCS2000 3-degree Gauss-Kruger zone of the data's
  centroid (EPSG:4534-4554, false easting 500 km, no zone prefix) or, outside
  China, the UTM zone; for data wider than such a zone (a province, a region,
  a national run) an Albers equal-area conic fitted to the data's extent, which
  keeps every area exact; :func:`to_metric` and :func:`to_crs` reproject
  GeoDataFrames with ``always_xy`` axis order, never mutating their input.

CGCS2000 (EPSG:4490) and WGS84 (EPSG:4326) differ by a few centimetres in China;
ecogis treats them as interchangeable for geographic coordinates.

Examples
--------
>>> import numpy as np
>>> from ecogis.crs import wgs84_to_gcj02, gcj02_to_wgs84
>>> lon, lat = wgs84_to_gcj02(np.array([114.0165]), np.array([33.5815]))
>>> back = gcj02_to_wgs84(lon, lat)
>>> float(abs(back[0][0] - 114.0165)) < 1e-9
True
"""

from __future__ import annotations

import logging
from typing import Any, Union

import geopandas as gpd
import numpy as np
import shapely
from pyproj import CRS, Proj, Transformer
from pyproj.aoi import AreaOfInterest
from pyproj.crs import ProjectedCRS
from pyproj.crs.coordinate_operation import AlbersEqualAreaConversion
from pyproj.database import query_utm_crs_info
from pyproj.exceptions import CRSError as _PyprojCRSError

from ecogis.errors import CRSError, CRSMismatchError

__all__ = [
    "CGCS2000",
    "WGS84",
    "WEB_SYSTEMS",
    "CRSLike",
    "parse_crs",
    "crs_label",
    "in_mainland_china",
    "wgs84_to_gcj02",
    "gcj02_to_wgs84",
    "gcj02_to_bd09",
    "bd09_to_gcj02",
    "wgs84_to_bd09",
    "bd09_to_wgs84",
    "transform_lonlat",
    "gk_zone_crs",
    "metric_crs",
    "metric_crs_note",
    "check_metric_crs",
    "to_crs",
    "to_metric",
    "same_crs",
    "require_same_crs",
    "area_of_use_problems",
]

log = logging.getLogger(__name__)

CGCS2000 = CRS.from_epsg(4490)
WGS84 = CRS.from_epsg(4326)
#: the web-map pseudo coordinate systems ecogis accepts wherever a CRS is accepted
WEB_SYSTEMS = ("gcj02", "bd09")

CRSLike = Union[str, int, CRS, Any]

_WEB_ALIASES = {
    "gcj02": "gcj02",
    "gcj-02": "gcj02",
    "gcj": "gcj02",
    "mars": "gcj02",
    "amap": "gcj02",
    "bd09": "bd09",
    "bd-09": "bd09",
    "bd09ll": "bd09",
    "baidu": "bd09",
}


def parse_crs(value: CRSLike) -> CRS | str:
    """Turn anything that names a CRS into a ``pyproj.CRS`` or ``"gcj02"``/``"bd09"``.

    Parameters
    ----------
    value : str, int or pyproj.CRS
        ``"EPSG:4547"``, ``4547``, WKT, PROJ string, ``"gcj02"``, ``"bd09"`` ...

    Returns
    -------
    pyproj.CRS or str
        A CRS, or one of :data:`WEB_SYSTEMS` for the web-map systems.

    Raises
    ------
    ecogis.errors.CRSError
        When the value names no CRS.

    Examples
    --------
    >>> parse_crs("GCJ-02")
    'gcj02'
    >>> parse_crs(4490).to_epsg()
    4490
    """
    if value is None:
        raise CRSError("no CRS given: expected an EPSG code such as 'EPSG:4490', WKT, 'gcj02' or 'bd09'")
    if isinstance(value, CRS):
        return value
    if isinstance(value, str) and value.strip().lower() in _WEB_ALIASES:
        return _WEB_ALIASES[value.strip().lower()]
    try:
        return CRS.from_user_input(value)
    except _PyprojCRSError as exc:
        raise CRSError(
            f"CRS {value!r} is not recognised: expected an EPSG code ('EPSG:4490'), WKT, "
            f"a PROJ string, 'gcj02' or 'bd09' ({exc})"
        ) from None


def crs_label(value: CRSLike) -> str:
    """Short human label of a CRS: ``'EPSG:4490'``, ``'gcj02'`` or the CRS name."""
    crs = parse_crs(value)
    if isinstance(crs, str):
        return crs
    epsg = crs.to_epsg()
    return f"EPSG:{epsg}" if epsg else crs.name


# --- GCJ-02 and BD-09 --------------------------------------------------------------
# The GCJ-02 obfuscation as published in the open-source "eviltransform" family:
# Krasovsky 1940 ellipsoid constants and two trigonometric series.
_A = 6378245.0
_EE = 0.00669342162296594323
_X_PI = np.pi * 3000.0 / 180.0

# Approximate outlines (lon, lat) of the places inside China's bounding box where
# web maps use WGS84: Hong Kong, Macau and Taiwan.  Good to about 1 km at the
# Shenzhen River; points nearer the border than that should be checked by hand.
_WGS84_ENCLAVES = shapely.MultiPolygon(
    [
        shapely.Polygon(
            [(113.82, 22.13), (113.83, 22.36), (113.90, 22.45), (113.96, 22.495), (114.03, 22.505),
             (114.09, 22.527), (114.16, 22.548), (114.23, 22.558), (114.45, 22.56), (114.5, 22.13)]
        ),
        shapely.Polygon([(113.52, 22.10), (113.52, 22.22), (113.555, 22.218), (113.60, 22.17), (113.60, 22.10)]),
        shapely.Polygon([(119.2, 21.8), (119.2, 25.5), (122.4, 25.5), (122.4, 21.8)]),
    ]
)


def in_mainland_china(lon: np.ndarray, lat: np.ndarray) -> np.ndarray:
    """Boolean mask of points where web maps apply the GCJ-02 shift.

    Mainland China's bounding box, less Hong Kong, Macau and Taiwan.
    """
    lon = np.asarray(lon, dtype=float)
    lat = np.asarray(lat, dtype=float)
    inside = _china_box(lon, lat)
    if inside.any():
        idx = np.flatnonzero(inside)
        pts = shapely.points(lon[idx], lat[idx])
        inside[idx] = ~shapely.contains_xy(_WGS84_ENCLAVES, lon[idx], lat[idx]) & ~shapely.is_missing(pts)
    return inside


def _gcj_delta(lon: np.ndarray, lat: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    x = lon - 105.0
    y = lat - 35.0
    sq = np.sqrt(np.abs(x))
    d_lat = -100.0 + 2.0 * x + 3.0 * y + 0.2 * y * y + 0.1 * x * y + 0.2 * sq
    d_lon = 300.0 + x + 2.0 * y + 0.1 * x * x + 0.1 * x * y + 0.1 * sq
    common = (20.0 * np.sin(6.0 * x * np.pi) + 20.0 * np.sin(2.0 * x * np.pi)) * 2.0 / 3.0
    d_lat += common + (20.0 * np.sin(y * np.pi) + 40.0 * np.sin(y / 3.0 * np.pi)) * 2.0 / 3.0
    d_lat += (160.0 * np.sin(y / 12.0 * np.pi) + 320.0 * np.sin(y * np.pi / 30.0)) * 2.0 / 3.0
    d_lon += common + (20.0 * np.sin(x * np.pi) + 40.0 * np.sin(x / 3.0 * np.pi)) * 2.0 / 3.0
    d_lon += (150.0 * np.sin(x / 12.0 * np.pi) + 300.0 * np.sin(x / 30.0 * np.pi)) * 2.0 / 3.0
    rad = lat / 180.0 * np.pi
    magic = 1.0 - _EE * np.sin(rad) ** 2
    sqrt_magic = np.sqrt(magic)
    d_lat = (d_lat * 180.0) / ((_A * (1.0 - _EE)) / (magic * sqrt_magic) * np.pi)
    d_lon = (d_lon * 180.0) / (_A / sqrt_magic * np.cos(rad) * np.pi)
    return d_lon, d_lat


def _as_arrays(lon: Any, lat: Any) -> tuple[np.ndarray, np.ndarray]:
    lon = np.array(lon, dtype=float, ndmin=1, copy=True)
    lat = np.array(lat, dtype=float, ndmin=1, copy=True)
    if lon.shape != lat.shape:
        raise ValueError(f"lon has shape {lon.shape} but lat has shape {lat.shape}; expected the same shape")
    return lon, lat


def wgs84_to_gcj02(lon: Any, lat: Any) -> tuple[np.ndarray, np.ndarray]:
    """WGS84 longitude/latitude to GCJ-02 (the forward, closed-form transform).

    Points outside mainland China are returned unchanged.
    """
    lon, lat = _as_arrays(lon, lat)
    mask = in_mainland_china(lon, lat)
    d_lon, d_lat = _gcj_delta(lon[mask], lat[mask])
    lon[mask] += d_lon
    lat[mask] += d_lat
    return lon, lat


def _invert(forward, lon: np.ndarray, lat: np.ndarray, first_guess, tol_deg: float = 1e-11, max_iter: int = 40):
    """Solve forward(w) == target by fixed-point iteration (the Jacobian is close to I)."""
    w_lon, w_lat = first_guess(lon, lat)
    for _ in range(max_iter):
        f_lon, f_lat = forward(w_lon, w_lat)
        e_lon = f_lon - lon
        e_lat = f_lat - lat
        w_lon = w_lon - e_lon
        w_lat = w_lat - e_lat
        if e_lon.size == 0 or max(np.nanmax(np.abs(e_lon)), np.nanmax(np.abs(e_lat))) < tol_deg:
            break
    return w_lon, w_lat


def _gcj_forward_raw(lon: np.ndarray, lat: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    d_lon, d_lat = _gcj_delta(lon, lat)
    return lon + d_lon, lat + d_lat


def _china_box(lon: np.ndarray, lat: np.ndarray) -> np.ndarray:
    return (lon >= 72.004) & (lon <= 137.8347) & (lat >= 0.8293) & (lat <= 55.8271)


def _inverse_in_mainland(forward_raw, first_guess, lon: np.ndarray, lat: np.ndarray):
    """Invert a mainland-only forward transform.

    A shifted point may land in an enclave (or out of the box) although its true
    position is on the mainland, so every point in the box is inverted, and the
    result is kept where the solution lies in mainland China.
    """
    box = _china_box(lon, lat)
    w_lon, w_lat = _invert(forward_raw, lon[box], lat[box], first_guess)
    keep = in_mainland_china(w_lon, w_lat)
    idx = np.flatnonzero(box)[keep]
    lon[idx], lat[idx] = w_lon[keep], w_lat[keep]
    return lon, lat


def gcj02_to_wgs84(lon: Any, lat: Any) -> tuple[np.ndarray, np.ndarray]:
    """GCJ-02 to WGS84 by iterating the forward formula to convergence (< 1e-11 deg).

    Points whose true position is outside mainland China are returned unchanged.
    """
    lon, lat = _as_arrays(lon, lat)

    def first(a, b):
        d_lon, d_lat = _gcj_delta(a, b)
        return a - d_lon, b - d_lat

    return _inverse_in_mainland(_gcj_forward_raw, first, lon, lat)


def _bd_forward_raw(lon: np.ndarray, lat: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    z = np.sqrt(lon * lon + lat * lat) + 0.00002 * np.sin(lat * _X_PI)
    theta = np.arctan2(lat, lon) + 0.000003 * np.cos(lon * _X_PI)
    return z * np.cos(theta) + 0.0065, z * np.sin(theta) + 0.006


def _bd_inverse_approx(lon: np.ndarray, lat: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    x = lon - 0.0065
    y = lat - 0.006
    z = np.sqrt(x * x + y * y) - 0.00002 * np.sin(y * _X_PI)
    theta = np.arctan2(y, x) - 0.000003 * np.cos(x * _X_PI)
    return z * np.cos(theta), z * np.sin(theta)


def gcj02_to_bd09(lon: Any, lat: Any) -> tuple[np.ndarray, np.ndarray]:
    """GCJ-02 to BD-09 (Baidu), closed form; points outside mainland China unchanged."""
    lon, lat = _as_arrays(lon, lat)
    mask = in_mainland_china(lon, lat)
    lon[mask], lat[mask] = _bd_forward_raw(lon[mask], lat[mask])
    return lon, lat


def bd09_to_gcj02(lon: Any, lat: Any) -> tuple[np.ndarray, np.ndarray]:
    """BD-09 to GCJ-02: the usual closed-form approximation refined by iteration."""
    lon, lat = _as_arrays(lon, lat)
    return _inverse_in_mainland(_bd_forward_raw, _bd_inverse_approx, lon, lat)


def wgs84_to_bd09(lon: Any, lat: Any) -> tuple[np.ndarray, np.ndarray]:
    """WGS84 to BD-09 (through GCJ-02)."""
    return gcj02_to_bd09(*wgs84_to_gcj02(lon, lat))


def bd09_to_wgs84(lon: Any, lat: Any) -> tuple[np.ndarray, np.ndarray]:
    """BD-09 to WGS84 (through GCJ-02)."""
    return gcj02_to_wgs84(*bd09_to_gcj02(lon, lat))


_WEB_TRANSFORMS = {
    ("wgs84", "gcj02"): wgs84_to_gcj02,
    ("gcj02", "wgs84"): gcj02_to_wgs84,
    ("wgs84", "bd09"): wgs84_to_bd09,
    ("bd09", "wgs84"): bd09_to_wgs84,
    ("gcj02", "bd09"): gcj02_to_bd09,
    ("bd09", "gcj02"): bd09_to_gcj02,
}


def transform_lonlat(lon: Any, lat: Any, src: str, dst: str) -> tuple[np.ndarray, np.ndarray]:
    """Transform lon/lat arrays between ``'wgs84'``, ``'gcj02'`` and ``'bd09'``."""
    if src == dst:
        return _as_arrays(lon, lat)
    try:
        return _WEB_TRANSFORMS[(src, dst)](lon, lat)
    except KeyError:
        raise CRSError(f"transform {src!r} -> {dst!r} is not supported; expected 'wgs84', 'gcj02' or 'bd09'") from None


# --- metric CRS ----------------------------------------------------------------------
def gk_zone_crs(lon: float) -> CRS:
    """CGCS2000 3-degree Gauss-Kruger CRS whose central meridian is nearest ``lon``.

    EPSG:4534 (CM 75E) ... EPSG:4554 (CM 135E); these codes carry no zone prefix in
    the false easting (500 000 m).
    """
    cm = int(round(lon / 3.0) * 3)
    if not 75 <= cm <= 135:
        raise CRSError(f"longitude {lon:.4f} is outside China's 3-degree Gauss-Kruger zones (CM 75E-135E)")
    return CRS.from_epsg(4534 + (cm - 75) // 3)


def _lonlat_centroid(gdf: gpd.GeoDataFrame) -> tuple[float, float]:
    if gdf.crs is None:
        raise CRSError("the layer has no CRS; set one with crs='EPSG:4490' (or --crs) before metric work")
    minx, miny, maxx, maxy = gdf.total_bounds
    if not np.all(np.isfinite([minx, miny, maxx, maxy])):
        raise CRSError("the layer has no coordinates (empty or all geometries missing)")
    cx, cy = (minx + maxx) / 2.0, (miny + maxy) / 2.0
    if gdf.crs.is_geographic:
        return float(cx), float(cy)

    t = Transformer.from_crs(gdf.crs, WGS84, always_xy=True)
    lon, lat = t.transform(cx, cy)
    return float(lon), float(lat)


def metric_crs(gdf: gpd.GeoDataFrame | gpd.GeoSeries) -> CRS:
    """The CRS ecogis does metric work in for this data.

    The CGCS2000 3-degree Gauss-Kruger zone of the data's centre when it lies in
    China, the UTM zone otherwise, where the data fits it (its strip give or take 1.5
    degrees, areas within 0.1 %).  Wider data (a Transverse Mercator 21 degrees off
    its meridian inflates areas by 10 %) gets an Albers equal-area conic fitted to
    it (CGCS2000 in China): areas exact, distances within 1 %.  A layer already in a
    conformal CRS, or in an equal-area one with distances within 1 % over it, keeps
    it (its coordinates against that CRS's area of use are the gate's check,
    :func:`ecogis.gate.check_layer`); one in Web Mercator gets the pick above.

    Raises
    ------
    ecogis.errors.CRSError
        Data without CRS or coordinates, or too tall for one CRS to keep areas and distances within 1 %.

    Examples
    --------
    >>> import geopandas as gpd, shapely
    >>> luohe = gpd.GeoDataFrame(geometry=[shapely.Point(114.02, 33.58)], crs=4490)
    >>> metric_crs(luohe).to_epsg()
    4547
    >>> region = gpd.GeoDataFrame(geometry=[shapely.box(107.0, 29.0, 121.0, 38.0)], crs=4490)
    >>> metric_crs(region).name
    'CGCS2000 / Albers equal-area conic fitted to 107.00..121.00E 29.00..38.00N (lat_1 30.5, lat_2 36.5, lon_0 114)'
    """
    bounds = _lonlat_bounds(gdf)
    if gdf.crs is not None and gdf.crs.is_projected and \
            _metric_crs_problem(gdf.crs, bounds, area_of_use=False) is None:
        return gdf.crs
    lon, lat = _lonlat_centroid(gdf)
    china = 73.0 <= lon <= 136.5 and 15.0 <= lat <= 54.0
    zone = gk_zone_crs(lon) if china else _utm_zone(lon, lat)
    # only the longitudes of the zone's area of use (its latitudes are China's land); areas within 0.1 %
    if bounds is None or (_metric_crs_problem(zone, bounds, area_of_use="longitude") is None
                          and (_scale_errors(zone, bounds) or (0.0, 0.0))[0] <= _AUTO_MAX_AREAL_SCALE_ERROR):
        return zone
    fitted = _fitted_equal_area(bounds, CGCS2000 if china else WGS84)
    problem = _metric_crs_problem(fitted, bounds)
    if problem is None:
        return fitted
    west, south, east, north = bounds
    raise CRSError(
        f"the data spans {west:.2f}..{east:.2f} E, {south:.2f}..{north:.2f} N: wider than one "
        f"{crs_label(zone)} ({zone.name}), and an Albers equal-area conic fitted to it ({fitted.name}) "
        f"{problem.removeprefix('it ')}; expected data that one CRS measures within 1 %: split it into parts "
        f"of at most about 20 degrees of latitude (by province) and audit each"
    )


def _utm_zone(lon: float, lat: float) -> CRS:
    info = query_utm_crs_info(
        datum_name="WGS 84",
        area_of_interest=AreaOfInterest(lon, lat, lon, lat),
    )
    if not info:
        raise CRSError(f"no UTM zone found for ({lon:.4f}, {lat:.4f}); pass metric_crs explicitly")
    return CRS.from_epsg(int(info[0].code))


def _fitted_equal_area(bounds: tuple[float, float, float, float], datum: CRS) -> CRS:
    """An Albers equal-area conic for data within ``bounds`` (lon/lat): central meridian at the middle
    (rounded to 0.5 degree), standard parallels a sixth of the latitude range in from each edge (0.5 degree)."""

    west, south, east, north = bounds
    lon_0 = round((west + east) / 2.0 * 2.0) / 2.0
    sixth = (north - south) / 6.0
    lat_1, lat_2 = round((south + sixth) * 2.0) / 2.0, round((north - sixth) * 2.0) / 2.0
    if lat_1 == lat_2 or lat_1 * lat_2 <= 0:  # one standard parallel (off the equator), or the equator between
        lat_1 = lat_2 = max(abs(round(south + north)) / 2.0, 0.5) * (1.0 if north + south >= 0 else -1.0)
    lat_0 = round((south + north) / 2.0)
    datum_name = "CGCS2000" if datum.equals(CGCS2000) else datum.name
    name = (f"{datum_name} / Albers equal-area conic fitted to {west:.2f}..{east:.2f}E {south:.2f}..{north:.2f}N "
            f"(lat_1 {lat_1:g}, lat_2 {lat_2:g}, lon_0 {lon_0:g})")
    conversion = AlbersEqualAreaConversion(latitude_first_parallel=lat_1, latitude_second_parallel=lat_2,
                                           latitude_false_origin=lat_0, longitude_false_origin=lon_0)
    return ProjectedCRS(conversion, name=name, geodetic_crs=datum)


def metric_crs_note(crs: CRS, gdf: gpd.GeoDataFrame | gpd.GeoSeries | None = None) -> str | None:
    """A sentence for a result's warnings when ``crs`` is an equal-area CRS (areas exact, distances not
    quite), or None for a conformal one.

    Examples
    --------
    >>> import geopandas as gpd, shapely
    >>> region = gpd.GeoDataFrame(geometry=[shapely.box(107.0, 29.0, 121.0, 38.0)], crs=4490)
    >>> metric_crs_note(metric_crs(region), region)[:60]
    'metric work in CGCS2000 / Albers equal-area conic fitted to '
    >>> metric_crs_note(CRS.from_epsg(4547)) is None  # a Gauss-Kruger zone: nothing to say
    True
    """
    if not crs.is_projected or _projection_kind(crs) != "equal-area":
        return None
    bounds = _lonlat_bounds(gdf) if gdf is not None else None
    scale = _scale_errors(crs, bounds) if bounds is not None else None
    within = f"; distances and radii within {scale[1]:.2%} of true over the data" if scale else ""
    why = (" (the data is wider than one Gauss-Kruger zone, where a Transverse Mercator would inflate areas)"
           if "fitted to" in crs.name else "")
    return f"metric work in {crs.name}, an equal-area projection{why}: areas are exact{within}"


#: projection methods that keep angles (circles stay circles, so a radius means the same everywhere)
_CONFORMAL_METHODS = ("transverse mercator", "lambert conic conformal", "stereographic", "oblique mercator",
                      "mercator (variant", "mercator (1sp)", "mercator (2sp)")
#: projection methods that keep areas (a circle of radius r has the true area pi r^2, its shape near the scale)
_EQUAL_AREA_METHODS = ("albers equal area", "lambert azimuthal equal area", "lambert cylindrical equal area")
#: largest error of the scale (any direction) accepted over the data in an equal-area CRS: 500 m is 495-505 m
_MAX_LINEAR_SCALE_ERROR = 0.01
#: how far (degrees of longitude, of latitude) the data may reach beyond a CRS's area of use: a
#: Gauss-Kruger zone is used a little beyond its 3-degree strip (metric_crs picks the zone of the
#: data's centre), and the north-south limits of a zone's area of use are China's, not the projection's
_AREA_OF_USE_MARGIN_DEG = (1.5, 5.0)
#: largest error of the area scale (k^2 for a conformal projection) accepted over the data
_MAX_AREAL_SCALE_ERROR = 0.01
#: ... and in the zone :func:`metric_crs` picks itself (wider data gets the equal-area fit): a Gauss-Kruger
#: zone is within it up to about 2 degrees of longitude from its meridian
_AUTO_MAX_AREAL_SCALE_ERROR = 0.001


def _lonlat_bounds(gdf: gpd.GeoDataFrame | gpd.GeoSeries) -> tuple[float, float, float, float] | None:
    """The data's (west, south, east, north) in degrees, or None when it has no CRS or coordinates."""
    if gdf.crs is None or len(gdf) == 0:
        return None
    b = gdf.total_bounds
    if not np.all(np.isfinite(b)):
        return None
    if gdf.crs.is_geographic:
        return tuple(float(v) for v in b)
    t = _built("to_lonlat", gdf.crs)
    # 11 points along each edge and the centre: curved parallels and meridians make the corners miss extremes
    u = np.linspace(0.0, 1.0, 11)
    ex, ey = b[0] + u * (b[2] - b[0]), b[1] + u * (b[3] - b[1])
    xs = np.concatenate([ex, ex, np.full(11, b[0]), np.full(11, b[2]), [(b[0] + b[2]) / 2]])
    ys = np.concatenate([np.full(11, b[1]), np.full(11, b[3]), ey, ey, [(b[1] + b[3]) / 2]])
    lon, lat = t.transform(xs, ys)
    if not (np.all(np.isfinite(lon)) and np.all(np.isfinite(lat))):
        return None
    return float(np.min(lon)), float(np.min(lat)), float(np.max(lon)), float(np.max(lat))


def _projection_kind(crs: CRS) -> str | None:
    """``"conformal"``, ``"equal-area"`` or None (Web Mercator, any other projection) for a projected CRS."""
    op = crs.coordinate_operation
    method = ((op.method_name if op is not None else "") or "").lower()
    if "pseudo mercator" in method:
        return None
    if any(m in method for m in _CONFORMAL_METHODS):
        return "conformal"
    if any(m in method for m in _EQUAL_AREA_METHODS):
        return "equal-area"
    return None


def _scale_errors(crs: CRS, bounds: tuple[float, float, float, float]) -> tuple[float, float] | None:
    """(largest error of the area scale, of the scale in any direction) over 5 x 5 points of ``bounds``, or None."""
    west, south, east, north = bounds
    lons, lats = np.meshgrid(np.linspace(west, east, 5), np.linspace(south, north, 5))
    try:
        f = _built("proj", crs).get_factors(lons.ravel(), lats.ravel())
        areal = np.asarray(f.areal_scale, dtype=float)
        # Tissot's indicatrix: the largest and smallest scale in any direction
        a, b = np.asarray(f.tissot_semimajor, dtype=float), np.asarray(f.tissot_semiminor, dtype=float)
    except Exception:  # pyproj cannot compute factors for some CRSs
        return None
    if not (np.all(np.isfinite(areal)) and np.all(np.isfinite(a)) and np.all(np.isfinite(b))):
        return None
    return float(np.max(np.abs(areal - 1.0))), float(max(np.max(np.abs(a - 1.0)), np.max(np.abs(b - 1.0))))


#: (what, CRS definition) -> its transformer to WGS84 lon/lat or its pyproj.Proj (0.05-0.3 s to build each)
_BUILT: dict[tuple[str, str], Any] = {}


def _built(what: str, crs: CRS) -> Any:
    key = (what, crs.srs or crs.to_wkt())
    if key not in _BUILT:
        _BUILT[key] = Transformer.from_crs(crs, WGS84, always_xy=True) if what == "to_lonlat" else Proj(crs)
    return _BUILT[key]


def _metric_crs_problem(crs: CRS, bounds: tuple[float, float, float, float] | None, *,
                        area_of_use: bool | str = True) -> str | None:
    """Why ``crs`` is not fit for metric work on data within ``bounds`` (lon/lat), or None.

    Without ``area_of_use`` the CRS's stated area of use is not compared with the data (for data
    already in that CRS, whose coordinates the input gate checks); with ``"longitude"`` only its
    longitudes are; the scales always are.
    """
    if not crs.is_projected:
        return "it is not a projected CRS (its units are not metres on a plane)"
    op = crs.coordinate_operation
    method = (op.method_name if op is not None else "") or ""
    if "pseudo mercator" in method.lower():
        return (f"it is Web Mercator ({method}), which is not conformal on the ellipsoid and inflates areas "
                f"by 1/cos^2(latitude)")
    kind = _projection_kind(crs)
    if kind is None:
        return (f"its projection ({method or 'unknown'}) is neither conformal nor equal-area, so neither a radius "
                f"nor an area is the same everywhere")
    if bounds is None:
        return None
    west, south, east, north = bounds
    aou = crs.area_of_use
    if aou is not None and area_of_use:
        m_lon, m_lat = _AREA_OF_USE_MARGIN_DEG
        a_west, a_south, a_east, a_north = aou.bounds
        if a_east < a_west:  # crosses the antimeridian
            a_east += 360.0
        outside_lat = area_of_use != "longitude" and (south < a_south - m_lat or north > a_north + m_lat)
        if west < a_west - m_lon or east > a_east + m_lon or outside_lat:
            return (f"the data ({west:.2f}..{east:.2f} E, {south:.2f}..{north:.2f} N) lies outside its area of use "
                    f"({a_west:.2f}..{a_east:.2f} E, {a_south:.2f}..{a_north:.2f} N)")
    errors = _scale_errors(crs, bounds)
    if errors is None:  # the area-of-use check stands
        return None
    areal, linear = errors
    if kind == "conformal" and areal > _MAX_AREAL_SCALE_ERROR:
        return f"it distorts areas over the data by up to {areal:.1%} (areal scale off by {areal:.4f})"
    if kind == "equal-area" and linear > _MAX_LINEAR_SCALE_ERROR:
        return (f"it keeps areas but distorts distances over the data by up to {linear:.1%}, so a radius is "
                f"not the same everywhere")
    return None


def check_metric_crs(metric: CRSLike, data: gpd.GeoDataFrame | gpd.GeoSeries | None = None, *,
                     name: str = "metric_crs") -> CRS:
    """Parse a metric CRS a caller gave and refuse one that would give wrong metres.

    It must be a projected CRS, not Web Mercator, whose area of use (give or take
    1.5 degrees of longitude) contains ``data``, and either conformal (Transverse
    Mercator / Gauss-Kruger, UTM, Lambert Conformal Conic, stereographic ...) with
    its area scale within 1 % of true over the data, or equal-area (Albers,
    Lambert azimuthal equal-area) with its distances within 1 % of true over the
    data.  For data already in that CRS the area of use is not compared: whether
    its coordinates fit their CRS is the input gate's check
    (:func:`ecogis.gate.check_layer`); the scales are.

    Parameters
    ----------
    metric : CRS-like
        The CRS given.
    data : GeoDataFrame or GeoSeries, optional
        The data it is for; without it only the kind of CRS is checked.
    name : str, default "metric_crs"
        The option's name, for the message.

    Returns
    -------
    pyproj.CRS

    Raises
    ------
    ecogis.errors.CRSError
        Naming the CRS given, what is wrong with it, and the CRS :func:`metric_crs` would pick.

    Examples
    --------
    >>> import geopandas as gpd, shapely
    >>> luohe = gpd.GeoDataFrame(geometry=[shapely.Point(114.02, 33.58)], crs=4490)
    >>> check_metric_crs("EPSG:4547", luohe).to_epsg()
    4547
    >>> check_metric_crs("EPSG:3857", luohe)
    Traceback (most recent call last):
    ...
    ecogis.errors.CRSError: metric_crs was 'EPSG:3857' (WGS 84 / Pseudo-Mercator) but it is Web Mercator ...
    """
    crs = parse_crs(metric)
    if isinstance(crs, str):
        problem = f"{crs!r} is a web-map coordinate system in degrees"
    else:
        # data already in that CRS: whether its coordinates fit it is the input gate's check (outside-crs-area)
        own = data is not None and data.crs is not None and data.crs.equals(crs)
        problem = _metric_crs_problem(crs, _lonlat_bounds(data) if data is not None else None, area_of_use=not own)
    if problem is None:
        return crs
    suggestion = ""
    if data is not None:
        try:
            pick = metric_crs(data if data.crs is None or not data.crs.is_projected else data.to_crs(WGS84))
            suggestion = f" ({crs_label(pick)}, {pick.name}, is what ecogis picks for this data)"
        except Exception:  # no coordinates to pick from: say what is expected without a code
            suggestion = ""
    given = repr(metric) if isinstance(metric, (str, int)) else crs_label(crs)
    if not isinstance(crs, str) and crs.name not in given:
        given += f" ({crs.name})"
    raise CRSError(
        f"{name} was {given} but {problem}; expected a conformal projected CRS whose area of use contains the "
        f"data, such as the Gauss-Kruger zone of the data, or an equal-area one that keeps distances within 1 % "
        f"over it{suggestion}; leave {name} out to let ecogis pick it"
    )


def _transform_geoms_lonlat(geoms: np.ndarray, src: str, dst: str) -> np.ndarray:
    def fn(coords: np.ndarray) -> np.ndarray:
        x, y = transform_lonlat(coords[:, 0], coords[:, 1], src, dst)
        return np.column_stack([x, y])

    return shapely.transform(geoms, fn)


def _web_kind(crs: CRS | str) -> str | None:
    return crs if isinstance(crs, str) else None


def to_crs(gdf: gpd.GeoDataFrame, crs: CRSLike, *, src_crs: CRSLike | None = None) -> gpd.GeoDataFrame:
    """Reproject a GeoDataFrame to any CRS, ``'gcj02'`` and ``'bd09'`` included.

    Parameters
    ----------
    gdf : GeoDataFrame
        Input; never modified.
    crs : CRS-like
        Target: EPSG code, WKT, ``'gcj02'`` or ``'bd09'``.
    src_crs : CRS-like, optional
        What the coordinates really are when ``gdf.crs`` does not say it, e.g.
        ``'gcj02'`` for points scraped from Amap that were labelled EPSG:4326.

    Returns
    -------
    GeoDataFrame
        A copy.  Data in GCJ-02/BD-09 is labelled EPSG:4326 (geographic degrees) and
        carries ``attrs['coordinate_system'] = 'gcj02'`` or ``'bd09'``.

    Examples
    --------
    >>> import geopandas as gpd, shapely
    >>> amap = gpd.GeoDataFrame(geometry=[shapely.Point(114.0225, 33.5798)], crs=4326)
    >>> wgs = to_crs(amap, "EPSG:4490", src_crs="gcj02")
    >>> round(float(wgs.geometry.x.iloc[0]), 3)
    114.017
    """
    src = parse_crs(src_crs) if src_crs is not None else (gdf.attrs.get("coordinate_system") or gdf.crs)
    if src is None:
        raise CRSError("the layer has no CRS; state it with src_crs='EPSG:4490' (or 'gcj02', 'bd09')")
    src = parse_crs(src)
    dst = parse_crs(crs)
    out = gdf.copy()
    src_web, dst_web = _web_kind(src), _web_kind(dst)
    geoms = out.geometry.values
    if src_web:
        out = out.set_geometry(gpd.GeoSeries(_transform_geoms_lonlat(np.asarray(geoms), src_web, "wgs84"),
                                             index=out.index), crs=WGS84)
        out = out.rename_geometry(gdf.geometry.name) if out.geometry.name != gdf.geometry.name else out
        src = WGS84
    elif out.crs is None or not out.crs.equals(src):
        out = out.set_crs(src, allow_override=True)
    out.attrs.pop("coordinate_system", None)
    if dst_web:
        out = out.to_crs(WGS84)
        new = _transform_geoms_lonlat(np.asarray(out.geometry.values), "wgs84", dst_web)
        out[out.geometry.name] = gpd.GeoSeries(new, index=out.index, crs=WGS84)
        out.attrs["coordinate_system"] = dst_web
        return out
    return out.to_crs(dst)


def to_metric(gdf: gpd.GeoDataFrame, metric: CRSLike | None = None) -> gpd.GeoDataFrame:
    """Reproject to the metric CRS (:func:`metric_crs` unless ``metric`` is given)."""
    # the kind of CRS is checked here; whether it suits the data is checked where a caller's option
    # enters a public function (check_metric_crs(metric_crs, data)), since layers are aligned through here
    target = check_metric_crs(metric) if metric is not None else metric_crs(gdf)
    if gdf.crs is not None and gdf.crs.equals(target) and "coordinate_system" not in gdf.attrs:
        return gdf
    return to_crs(gdf, target)


def same_crs(a: Any, b: Any) -> bool:
    """True when two CRS-likes are the same system (axis order ignored)."""
    if a is None or b is None:
        return a is b
    pa, pb = parse_crs(a), parse_crs(b)
    if isinstance(pa, str) or isinstance(pb, str):
        return pa == pb
    return pa.equals(pb, ignore_axis_order=True)


def require_same_crs(named: dict[str, gpd.GeoDataFrame]) -> None:
    """Raise :class:`CRSMismatchError` naming both CRSs when layers disagree."""
    items = [(name, g.crs) for name, g in named.items() if g is not None]
    for (n1, c1), (n2, c2) in zip(items, items[1:]):
        if not same_crs(c1, c2):
            raise CRSMismatchError(
                f"layer {n1!r} is in {crs_label(c1) if c1 else 'no CRS'} but {n2!r} is in "
                f"{crs_label(c2) if c2 else 'no CRS'}; reproject one with ecogis.crs.to_crs(layer, ...) "
                f"or `ecogis convert`"
            )


def area_of_use_problems(gdf: gpd.GeoDataFrame) -> np.ndarray:
    """Mask of features whose coordinates fall outside the CRS's area of use.

    For geographic CRSs this catches swapped longitude/latitude (a point at
    lon 33.6, lat 114.0 is not in China and not even a latitude).
    """
    if gdf.crs is None or gdf.empty:
        return np.zeros(len(gdf), dtype=bool)
    aou = gdf.crs.area_of_use
    geoms = gdf.geometry.values
    b = shapely.bounds(np.asarray(geoms))
    if gdf.crs.is_geographic:
        west, south, east, north = aou.bounds if aou else (-180.0, -90.0, 180.0, 90.0)
        if aou is not None and aou.name.startswith("China"):  # the whole territory (EPSG's stops at 16.7° N)
            west, south, east, north = (min(west, _CHINA_LONLAT[0]), min(south, _CHINA_LONLAT[1]),
                                        max(east, _CHINA_LONLAT[2]), max(north, _CHINA_LONLAT[3]))
        pad = 0.5
        bad = (b[:, 0] < west - pad) | (b[:, 2] > east + pad) | (b[:, 1] < south - pad) | (b[:, 3] > north + pad)
        bad |= (np.abs(b[:, 1]) > 90) | (np.abs(b[:, 3]) > 90)
        return bad & ~np.isnan(b[:, 0])
    if aou is None:
        return np.zeros(len(gdf), dtype=bool)
    minx, miny, maxx, maxy = _projected_area_box(gdf.crs)
    bad = (b[:, 0] < minx) | (b[:, 2] > maxx) | (b[:, 1] < miny) | (b[:, 3] > maxy)
    return bad & ~np.isnan(b[:, 0])


#: China's territory in longitude/latitude, the South China Sea islands of 三沙市 included (曾母暗沙 3°58' N):
#: EPSG's area of use of CGCS2000 (EPSG:4490) and the other Chinese datums, "China - onshore and offshore",
#: stops at 16.7° N, so a layer of the Nansha or Zhongsha islands was refused as outside it
_CHINA_LONLAT = (73.4, 3.5, 135.1, 53.6)

#: projected CRS (by its definition) -> its area of use in its own coordinates, with the margin
_AREA_BOXES: dict[str, tuple[float, float, float, float]] = {}


def _projected_area_box(crs: CRS) -> tuple[float, float, float, float]:
    """A projected CRS's area of use in its own x/y, 200 km wider all round; cached, since building
    the transformer costs about 0.1 s and every layer a check takes passes through here."""
    key = crs.srs or crs.to_wkt()
    box = _AREA_BOXES.get(key)
    if box is None:
        aou = crs.area_of_use
        t = Transformer.from_crs(WGS84, crs, always_xy=True)
        xs, ys = t.transform([aou.west, aou.east, aou.west, aou.east], [aou.south, aou.south, aou.north, aou.north])
        # generous margin: GK zones are usable somewhat beyond their official 3-degree strip
        margin = 200_000.0
        box = (min(xs) - margin, min(ys) - margin, max(xs) + margin, max(ys) + margin)
        _AREA_BOXES[key] = box
    return box
