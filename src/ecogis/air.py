"""Air quality: station annual means as a surface, district means against the plan.

The plans set annual-mean targets for PM2.5 and PM10 by year (Luohe: 漯政办〔2023〕24号
二(一), 漯政〔2024〕6号 一(二)).  :func:`air_quality` compares the monitoring stations
with the year's target, interpolates the station means to a grid by inverse
distance weighting (:func:`idw_surface`), averages the surface per district, and
flags stations and districts that are not below the target.

Inverse distance weighting (Shepard 1968)
-----------------------------------------
The value of a grid cell centred at ``x`` is

.. math::  \\hat z(x) = \\sum_i w_i z_i / \\sum_i w_i,\\qquad w_i = d(x, x_i)^{-p}

over **all** stations ``i`` with a value (no search radius), ``d`` the Euclidean
distance in the metric CRS (CGCS2000 Gauss-Kruger), ``p`` the power (default 2).
The interpolator is exact: where a cell centre coincides with a station
(``d < 1e-9`` m) the cell takes the station's value.  The surface never leaves
the range of the station values and has no notion of sources, wind or terrain;
it is a display and a zonal-averaging aid, not a dispersion model.

Examples
--------
>>> import geopandas as gpd, shapely
>>> st = gpd.GeoDataFrame({"id": ["a", "b"], "pm25_ugm3": [30.0, 50.0]},
...                       geometry=[shapely.Point(500000, 3700000), shapely.Point(501000, 3700000)], crs=4547)
>>> r = air_quality(st, year=2025)
>>> r.metrics["pm25_mean_ugm3"], r.metrics["stations_over_target"]
(40.0, 1)
"""

from __future__ import annotations

import logging
import math
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from affine import Affine
from pyproj import CRS

from ecogis.crs import CRSLike, to_metric
from ecogis.crs import check_metric_crs as _check_metric_crs
from ecogis.errors import InputError, NotMeasurableError, OutputExistsError
from ecogis.gate import check_number as _check_number
from ecogis.gate import gated as _gated
from ecogis.io import atomic_output
from ecogis.result import CheckResult, RasterLayer, violations_frame

__all__ = [
    "LUOHE_PM_TARGETS",
    "LUOHE_PM_TARGET_SOURCES",
    "POLLUTANTS",
    "NODATA",
    "idw",
    "idw_surface",
    "write_surface_tif",
    "air_quality",
]

log = logging.getLogger(__name__)

#: pollutant field -> display name
POLLUTANTS = {"pm25_ugm3": "PM2.5", "pm10_ugm3": "PM10"}
#: nodata value of written surfaces
NODATA = -9999.0

#: Luohe's annual-mean targets (µg/m3), "低于" (strictly below) the figure.
#: 2023-2025: 漯政办〔2023〕24号《漯河市推动生态环境质量稳定向好三年行动计划(2023—2025年)》
#: 二(一) 空气环境质量方面; 2025 PM2.5 confirmed by 漯政〔2024〕6号《漯河市空气质量持续改善
#: 行动实施方案》一(二) 主要目标 ("到2025年，全市PM2.5浓度低于38.5微克/立方米").
LUOHE_PM_TARGETS: dict[int, dict[str, float]] = {
    2023: {"pm25_ugm3": 47.0, "pm10_ugm3": 81.0},
    2024: {"pm25_ugm3": 42.5, "pm10_ugm3": 74.0},
    2025: {"pm25_ugm3": 38.5, "pm10_ugm3": 68.0},
}
LUOHE_PM_TARGET_SOURCES: dict[int, str] = {
    2023: "漯政办〔2023〕24号 二(一): 2023年PM2.5年均浓度低于47、PM10低于81微克/立方米",
    2024: "漯政办〔2023〕24号 二(一): 2024年PM2.5年均浓度低于42.5、PM10低于74微克/立方米",
    2025: ("漯政办〔2023〕24号 二(一): 2025年PM2.5年均浓度低于38.5、PM10低于68微克/立方米; "
           "漯政〔2024〕6号 一(二): 到2025年全市PM2.5浓度低于38.5微克/立方米"),
}


# --- interpolation ----------------------------------------------------------------------------
def idw(xy_stations: np.ndarray, values: np.ndarray, xy_targets: np.ndarray, *, power: float = 2.0,
        chunk: int = 65536) -> np.ndarray:
    """Shepard inverse-distance-weighted values at target points.

    Parameters
    ----------
    xy_stations : (n, 2) array
        Station coordinates, metres.
    values : (n,) array
        Station values (finite).
    xy_targets : (m, 2) array
        Where to estimate, same CRS.
    power : float, default 2.0
        Distance exponent ``p`` (> 0).
    chunk : int
        Targets processed per block (bounds memory at ``chunk * n`` floats).

    Returns
    -------
    (m,) float array
        Exact at stations (distance < 1e-9 m).

    Examples
    --------
    >>> idw(np.array([[0., 0.], [10., 0.]]), np.array([1., 3.]), np.array([[5., 0.], [0., 0.]])).tolist()
    [2.0, 1.0]
    """
    xs = np.asarray(xy_stations, dtype=float).reshape(-1, 2)
    z = np.asarray(values, dtype=float).ravel()
    xt = np.asarray(xy_targets, dtype=float).reshape(-1, 2)
    if len(xs) != len(z):
        raise InputError(f"{len(xs)} station coordinates but {len(z)} values; expected one value per station")
    if len(xs) == 0:
        raise NotMeasurableError("no station with a value to interpolate")
    if not np.all(np.isfinite(z)):
        raise InputError("station values contain NaN or infinity; drop those stations first")
    if not power > 0:
        raise InputError(f"power was {power} but is expected to be > 0")
    out = np.empty(len(xt))
    for start in range(0, len(xt), chunk):
        block = xt[start:start + chunk]
        d = np.hypot(block[:, None, 0] - xs[None, :, 0], block[:, None, 1] - xs[None, :, 1])
        exact = d < 1e-9
        with np.errstate(divide="ignore"):
            w = 1.0 / d ** power
        w[exact] = 0.0
        est = (w @ z) / w.sum(axis=1)
        hit = exact.any(axis=1)
        if hit.any():
            est[hit] = z[exact[hit].argmax(axis=1)]
        out[start:start + chunk] = est
    return out


def _station_values(stations: gpd.GeoDataFrame, value: str) -> tuple[gpd.GeoDataFrame, np.ndarray]:
    if value not in stations.columns:
        raise NotMeasurableError(
            f"air stations have no field {value!r} "
            f"(fields: {[c for c in stations.columns if c != stations.geometry.name]});"
            f" expected annual means in µg/m3 ({', '.join(POLLUTANTS)})"
        )
    vals = pd.to_numeric(stations[value], errors="coerce").to_numpy(dtype=float)
    ok = np.isfinite(vals) & ~stations.geometry.is_empty.to_numpy() & stations.geometry.notna().to_numpy()
    if not ok.any():
        raise NotMeasurableError(f"no air station has a value in {value!r}")
    return stations[ok], vals[ok]


def _grid(bounds: tuple[float, float, float, float], cell_m: float) -> tuple[Affine, int, int]:
    minx, miny, maxx, maxy = bounds
    if not (maxx > minx and maxy > miny):
        raise InputError(f"bounds {bounds} are empty; expected (minx, miny, maxx, maxy) with max > min")
    x0 = math.floor(minx / cell_m) * cell_m
    y1 = math.ceil(maxy / cell_m) * cell_m
    width = max(1, int(math.ceil((maxx - x0) / cell_m - 1e-9)))
    height = max(1, int(math.ceil((y1 - miny) / cell_m - 1e-9)))
    return Affine(cell_m, 0.0, x0, 0.0, -cell_m, y1), width, height


def _cell_centres(transform: Affine, width: int, height: int) -> tuple[np.ndarray, np.ndarray]:
    cols, rows = np.meshgrid(np.arange(width) + 0.5, np.arange(height) + 0.5)
    x = transform.c + cols * transform.a
    y = transform.f + rows * transform.e
    return x, y




def idw_surface(
    stations: gpd.GeoDataFrame,
    *,
    value: str = "pm25_ugm3",
    cell_m: float = 100.0,
    power: float = 2.0,
    bounds: tuple[float, float, float, float] | None = None,
    area: gpd.GeoDataFrame | None = None,
    metric: CRSLike | None = None,
) -> tuple[np.ndarray, Affine, CRS]:
    """Interpolate station annual means to a grid by inverse distance weighting.

    Shepard's method with power ``p`` over all stations, exact at stations (see
    the module docstring).  Cells are evaluated at their centres.

    Parameters
    ----------
    stations : GeoDataFrame
        ``air_stations`` points; stations without a value are skipped.  Not modified.
    value : str, default "pm25_ugm3"
        Field to interpolate.
    cell_m : float, default 100.0
        Cell size, metres.
    power : float, default 2.0
        IDW power ``p``.
    bounds : (minx, miny, maxx, maxy), optional
        Grid extent in the metric CRS; snapped outwards to multiples of ``cell_m``.
    area : GeoDataFrame, optional
        Polygons: the extent when ``bounds`` is not given, and cells whose centre
        falls outside them are set to NaN.
    metric : CRS-like, optional
        Metric CRS; default the Gauss-Kruger zone of ``stations``.

    Returns
    -------
    (array, transform, crs)
        ``float64`` array (rows north to south, NaN outside ``area``), its affine
        transform and the metric CRS.  Without ``bounds`` or ``area`` the grid is
        the stations' extent padded by 10 % (at least one cell).

    Examples
    --------
    >>> import geopandas as gpd, shapely
    >>> st = gpd.GeoDataFrame({"pm25_ugm3": [30.0, 50.0]},
    ...                       geometry=[shapely.Point(500050, 3700050), shapely.Point(500150, 3700050)], crs=4547)
    >>> arr, transform, crs = idw_surface(st, cell_m=100, bounds=(500000, 3700000, 500200, 3700100))
    >>> arr.tolist(), crs.to_epsg()
    ([[30.0, 50.0]], 4547)
    """
    # entry checks: layers through the input gate, numeric options and the metric CRS (ecogis.gate, ecogis.crs)
    repairs: list[str] = []
    stations = _gated(stations, "air_stations", "stations", repairs)
    area = _gated(area, "study_area", "area", repairs)
    for message in repairs:  # no result to carry them: logged, as the layer loader does
        log.warning("%s", message)
    _check_number("cell_m", cell_m, minimum=0, exclusive_minimum=True, unit="metres")
    _check_number("power", power, minimum=0, exclusive_minimum=True)
    if metric is not None:
        metric = _check_metric_crs(metric, stations if isinstance(stations, gpd.GeoDataFrame) else None,
                                   name="metric")
    if stations.crs is None:
        raise InputError("air stations have no CRS; set one before interpolating")
    sm = to_metric(stations, metric)
    sm, vals = _station_values(sm, value)
    xy = np.column_stack([sm.geometry.x.to_numpy(), sm.geometry.y.to_numpy()])
    area_geom = None
    if area is not None:
        if area.crs is None:
            raise InputError("area has no CRS; set one before interpolating")
        am = to_metric(area, sm.crs)
        area_geom = shapely.union_all(shapely.make_valid(np.asarray(am.geometry.values)))
        if bounds is None:
            bounds = tuple(float(b) for b in area_geom.bounds)
    if bounds is None:
        minx, miny = xy.min(axis=0)
        maxx, maxy = xy.max(axis=0)
        pad = max(cell_m, 0.1 * max(maxx - minx, maxy - miny))
        bounds = (minx - pad, miny - pad, maxx + pad, maxy + pad)
    transform, width, height = _grid(tuple(bounds), cell_m)
    cx, cy = _cell_centres(transform, width, height)
    est = idw(xy, vals, np.column_stack([cx.ravel(), cy.ravel()]), power=power).reshape(height, width)
    if area_geom is not None:
        inside = shapely.contains_xy(area_geom, cx, cy)
        est = np.where(inside, est, np.nan)
    log.debug("idw_surface: %s from %d stations on %dx%d cells of %g m", value, len(vals), width, height, cell_m)
    return est, transform, sm.crs


def write_surface_tif(
    array: np.ndarray,
    transform: Affine,
    crs: CRSLike,
    path: str | os.PathLike,
    *,
    overwrite: bool = False,
    nodata: float = NODATA,
    description: str | None = None,
) -> Path:
    """Write a surface as a single-band float32 GeoTIFF (DEFLATE), atomically.

    NaN cells become ``nodata``.  The CRS is written as its EPSG code when it has
    one (the Gauss-Kruger zones do).

    Parameters
    ----------
    array : 2-D array
        Values, rows north to south.
    transform : affine.Affine
        Grid transform.
    crs : CRS-like
        CRS of the grid.
    path : path-like
        Output ``.tif``.
    overwrite : bool, default False
        Replace an existing file.
    nodata : float, default -9999.0
    description : str, optional
        Band description (e.g. ``"PM2.5 annual mean, µg/m3"``).

    Examples
    --------
    >>> write_surface_tif(arr, transform, crs, "pm25.tif")  # doctest: +SKIP
    """
    import rasterio

    arr = np.asarray(array, dtype=float)
    if arr.ndim != 2:
        raise InputError(f"array has {arr.ndim} dimensions but is expected to be 2-D (rows, cols)")
    out = np.where(np.isfinite(arr), arr, nodata).astype("float32")
    rcrs = CRS.from_user_input(crs)
    epsg = rcrs.to_epsg()
    profile = {
        "driver": "GTiff", "width": arr.shape[1], "height": arr.shape[0], "count": 1, "dtype": "float32",
        "crs": f"EPSG:{epsg}" if epsg else rcrs.to_wkt(), "transform": transform, "nodata": nodata,
        "compress": "DEFLATE", "predictor": 3,
    }
    with atomic_output(path, overwrite=overwrite) as tmp:
        with rasterio.open(tmp, "w", **profile) as dst:
            dst.write(out, 1)
            if description:
                dst.set_band_description(1, description)
                dst.update_tags(1, units="ug/m3")
    log.info("wrote surface %s (%dx%d)", path, arr.shape[1], arr.shape[0])
    return Path(path)


# --- the check -----------------------------------------------------------------------------------
def _resolve_year(stations: gpd.GeoDataFrame, year: int | None, warnings: list[str]) -> int | None:
    if year is not None:
        return int(year)
    if "year" in stations.columns:
        years = sorted({int(y) for y in pd.to_numeric(stations["year"], errors="coerce").dropna()})
        if len(years) == 1:
            return years[0]
        if len(years) > 1:
            warnings.append(f"stations hold several years {years}; pass year= to choose the target")
    return None


def _zonal_means(zones: gpd.GeoDataFrame, surface: np.ndarray, transform: Affine, xy: np.ndarray,
                 vals: np.ndarray, power: float) -> tuple[np.ndarray, np.ndarray]:
    """Mean of the cells whose centres fall in each zone; IDW at the zone's
    representative point when no cell centre does."""
    height, width = surface.shape
    cx, cy = _cell_centres(transform, width, height)
    means = np.full(len(zones), np.nan)
    cells = np.zeros(len(zones), dtype=int)
    for i, geom in enumerate(zones.geometry.values):
        if geom is None or geom.is_empty:
            continue
        minx, miny, maxx, maxy = geom.bounds
        c0 = max(0, int((minx - transform.c) // transform.a))
        c1 = min(width, int((maxx - transform.c) // transform.a) + 1)
        r0 = max(0, int((transform.f - maxy) // -transform.e))
        r1 = min(height, int((transform.f - miny) // -transform.e) + 1)
        if c1 > c0 and r1 > r0:
            sub = surface[r0:r1, c0:c1]
            inside = shapely.contains_xy(geom, cx[r0:r1, c0:c1], cy[r0:r1, c0:c1]) & np.isfinite(sub)
            cells[i] = int(inside.sum())
            if cells[i]:
                means[i] = float(sub[inside].mean())
                continue
        rp = geom.representative_point()
        means[i] = float(idw(xy, vals, np.array([[rp.x, rp.y]]), power=power)[0])
    return means, cells


def air_quality(  # noqa: PLR0913 -- one keyword-only option per documented parameter (public API)
    stations: gpd.GeoDataFrame,
    *,
    districts: gpd.GeoDataFrame | None = None,
    area: gpd.GeoDataFrame | None = None,
    year: int | None = None,
    targets: dict[str, float] | None = None,
    cell_m: float = 100.0,
    power: float = 2.0,
    surface_path: str | os.PathLike | None = None,
    overwrite: bool = False,
    metric: CRSLike | None = None,
) -> CheckResult:
    """Station annual means against the plan's target, surface and district means.

    For each pollutant with data (PM2.5 ``pm25_ugm3``, PM10 ``pm10_ugm3``):

    * ``<p>_mean_ugm3``: mean of the station annual means (the way a city's
      annual mean is reported, from its stations);
    * ``<p>_surface_mean_ugm3``: mean of the IDW surface (:func:`idw_surface`)
      over ``area`` (or the districts, or the stations' extent);
    * stations and districts whose mean is not below the target are errors (the
      plans say "低于", strictly below), as is the city when its station mean is not.

    Parameters
    ----------
    stations : GeoDataFrame
        ``air_stations`` (``id``, ``name``, ``pm25_ugm3``, optional ``pm10_ugm3``,
        ``year``).  Not modified.
    districts : GeoDataFrame, optional
        District polygons (``id``, ``name``); adds the ``districts`` layer with
        the surface mean per district (cells whose centre is inside; IDW at the
        representative point when a district is smaller than a cell).
    area : GeoDataFrame, optional
        Study area: extent and mask of the surface.
    year : int, optional
        Target year; default the stations' single ``year`` value.
    targets : dict, optional
        Pollutant field -> target µg/m3, e.g. ``{"pm25_ugm3": 38.5}``; default
        :data:`LUOHE_PM_TARGETS` for ``year`` (the audit passes the registry's).
    cell_m, power : float
        Surface cell size (m) and IDW power.
    surface_path : path-like, optional
        Write the PM2.5 surface here as a GeoTIFF (:func:`write_surface_tif`).
    overwrite : bool, default False
        Replace an existing ``surface_path``.
    metric : CRS-like, optional
        Metric CRS; default the Gauss-Kruger zone of ``stations``.

    Returns
    -------
    CheckResult
        Name ``"air"``; layers ``stations`` (with ``over_target_*`` flags) and,
        with ``districts``, ``districts``.  Rasters: ``pm25_surface``, the PM2.5 IDW surface
        (:class:`ecogis.result.RasterLayer`, in the metric CRS, NaN outside the area),
        which the QGIS export writes as it is.

    Examples
    --------
    >>> import geopandas as gpd, shapely
    >>> st = gpd.GeoDataFrame({"id": ["a", "b"], "pm25_ugm3": [30.0, 50.0]},
    ...                       geometry=[shapely.Point(500000, 3700000), shapely.Point(501000, 3700000)], crs=4547)
    >>> air_quality(st, targets={"pm25_ugm3": 60.0}).n_violations
    0
    """
    # entry checks: layers through the input gate, numeric options and the metric CRS (ecogis.gate, ecogis.crs)
    warnings: list[str] = []
    stations = _gated(stations, "air_stations", "stations", warnings)
    districts = _gated(districts, "study_area", "districts", warnings)
    area = _gated(area, "study_area", "area", warnings)
    _check_air_options(cell_m=cell_m, power=power, year=year, surface_path=surface_path, overwrite=overwrite)
    if metric is not None:
        metric = _check_metric_crs(metric, stations if isinstance(stations, gpd.GeoDataFrame) else None,
                                   name="metric")
    if stations.crs is None:
        raise InputError("air stations have no CRS; set one before checking")
    not_measurable: dict[str, str] = {}
    sm = to_metric(stations, metric)
    crs = sm.crs
    yr = _resolve_year(sm, year, warnings)
    targets, target_source = _targets_for(yr, targets, not_measurable)
    dm = to_metric(districts, crs) if districts is not None else None
    am = to_metric(area, crs) if area is not None else dm  # the surface's extent and mask

    ids, names = _ids_names(sm)
    metrics: dict[str, Any] = {"year": yr, "stations": int(len(sm))}
    records: list[dict[str, Any]] = []
    geoms: list[Any] = []
    station_layer = gpd.GeoDataFrame({"id": ids, "name": names}, geometry=sm.geometry.values, crs=crs)
    district_layer = None
    if dm is not None:
        d_ids, d_names = _ids_names(dm)
        district_layer = gpd.GeoDataFrame({"id": d_ids, "name": d_names}, geometry=dm.geometry.values, crs=crs)
    over_stations: set[str] = set()
    over_districts: set[str] = set()
    rasters: dict[str, RasterLayer] = {}
    for field, label in POLLUTANTS.items():
        stem = field.replace("_ugm3", "")
        raw = _pollutant_values(sm, field)
        if raw is None:
            not_measurable[f"{stem}_mean_ugm3"] = f"air stations have no {label} values ({field})"
            continue
        valid = np.isfinite(raw)
        station_mean = float(raw[valid].mean())
        metrics[f"{stem}_mean_ugm3"] = station_mean
        surface, transform, _ = idw_surface(sm, value=field, cell_m=cell_m, power=power, area=am, metric=crs)
        metrics[f"{stem}_surface_mean_ugm3"] = float(np.nanmean(surface)) if np.isfinite(surface).any() else None
        if field == "pm25_ugm3":
            rasters["pm25_surface"] = _pm25_surface(surface, transform, crs, label=label, power=power,
                                                    surface_path=surface_path, overwrite=overwrite, metrics=metrics)
        station_layer[field] = raw
        target = targets.get(field)
        metrics[f"target_{field}"] = target
        if district_layer is not None:
            xy = np.column_stack([sm.geometry.x.to_numpy()[valid], sm.geometry.y.to_numpy()[valid]])
            means, cells = _zonal_means(dm, surface, transform, xy, raw[valid], power)
            district_layer[f"{stem}_mean_ugm3"] = means
            district_layer[f"{stem}_cells"] = cells
        if target is None:
            continue
        judged = _Target(label, float(target), yr, target_source)
        over = valid & (raw >= target)
        station_layer[f"over_target_{stem}"] = over
        over_stations.update(ids[np.flatnonzero(over)])
        _judge_stations(judged, over, ids, names, raw, sm.geometry.values, records, geoms)
        metrics[f"{stem}_city_over_target"] = _judge_city(judged, station_mean, sm.geometry.values[valid],
                                                          records, geoms)
        if district_layer is not None:
            d_over = np.isfinite(means) & (means >= target)
            district_layer[f"over_target_{stem}"] = d_over
            over_districts.update(d_ids[np.flatnonzero(d_over)])
            _judge_districts(judged, d_over, d_ids, d_names, means, dm.geometry.values, records, geoms)
    if "pm25_mean_ugm3" not in metrics:
        raise NotMeasurableError("air stations have no PM2.5 annual means (pm25_ugm3); the air check needs them")
    if targets:
        metrics["stations_over_target"] = len(over_stations)
        if district_layer is not None:
            metrics["districts_over_target"] = len(over_districts)
    else:
        not_measurable["stations_over_target"] = not_measurable.get("target", "no target")
    layers = {"stations": station_layer}
    if district_layer is not None:
        layers["districts"] = district_layer
    return CheckResult(
        "air", metrics=metrics, violations=violations_frame(records, crs=crs, geometry=geoms), layers=layers,
        parameters={"year": yr, "targets": targets, "target_source": target_source, "cell_m": float(cell_m),
                    "power": float(power), "interpolation": "IDW (Shepard), all stations, exact at stations",
                    "metric_crs": crs.to_string(), "comparison": "violation when value >= target (plans: 低于)"},
        warnings=warnings, not_measurable=not_measurable, rasters=rasters,
    )


def _check_air_options(*, cell_m: float, power: float, year: int | None, surface_path: str | os.PathLike | None,
                       overwrite: bool) -> None:
    """The numeric options in range, and no existing surface file unless it may be replaced."""
    _check_number("cell_m", cell_m, minimum=0, exclusive_minimum=True, unit="metres")
    _check_number("power", power, minimum=0, exclusive_minimum=True)
    _check_number("year", year, integer=True, optional=True)
    if surface_path is not None and Path(surface_path).exists() and not overwrite:
        raise OutputExistsError(f"{surface_path} exists; pass overwrite=True (--overwrite) to replace it")


def _targets_for(year: int | None, targets: dict[str, float] | None,
                 not_measurable: dict[str, str]) -> tuple[dict[str, float], str]:
    """The targets (given, or Luohe's for ``year``) and where they come from; unknown pollutants refused."""
    source = "given"
    if targets is None:
        if year in LUOHE_PM_TARGETS:
            targets = dict(LUOHE_PM_TARGETS[year])
            source = LUOHE_PM_TARGET_SOURCES[year]
        else:
            targets = {}
            not_measurable["target"] = (f"no target for year {year}: pass targets= (LUOHE_PM_TARGETS covers "
                                        f"{sorted(LUOHE_PM_TARGETS)})")
    unknown = set(targets) - set(POLLUTANTS)
    if unknown:
        raise InputError(f"targets has unknown pollutant(s) {sorted(unknown)}; expected keys {list(POLLUTANTS)}")
    return targets, source


def _ids_names(gdf: gpd.GeoDataFrame) -> tuple[np.ndarray, np.ndarray]:
    """The features' ``id`` (as text; the index without one) and ``name`` (None without one)."""
    ids = gdf["id"].astype(str).to_numpy() if "id" in gdf.columns else np.array([str(i) for i in gdf.index])
    names = gdf["name"].to_numpy() if "name" in gdf.columns else np.full(len(gdf), None, dtype=object)
    return ids, names


def _pollutant_values(stations: gpd.GeoDataFrame, field: str) -> np.ndarray | None:
    """The stations' values of ``field`` as floats (NaN where missing); None when no station has one."""
    if field not in stations.columns:
        return None
    values = pd.to_numeric(stations[field], errors="coerce")
    return values.to_numpy(dtype=float) if values.notna().any() else None


def _pm25_surface(surface: np.ndarray, transform: Affine, crs: CRS, *, label: str, power: float,
                  surface_path: str | os.PathLike | None, overwrite: bool, metrics: dict[str, Any]) -> RasterLayer:
    """The PM2.5 surface as the result's raster, written to ``surface_path`` when given."""
    raster = RasterLayer(
        surface, transform, crs, nodata=NODATA, units="ug/m3",
        description=f"{label} annual mean, ug/m3, IDW p={power:g}", kind="pollutant_surface",
        title=("PM2.5 年均浓度面 (IDW)", "PM2.5 annual mean (IDW)"))
    if surface_path is not None:
        write_surface_tif(surface, transform, crs, surface_path, overwrite=overwrite, description=raster.description)
        metrics["surface_path"] = str(surface_path)
    return raster


@dataclass(frozen=True)
class _Target:
    """One pollutant's target, as a violation states it."""

    label: str
    value_ugm3: float
    year: int | None
    source: str

    def record(self, fid: str, name: Any, level: str, value: float, what: str) -> dict[str, Any]:
        """The violation record of ``what`` (e.g. ``"station a (-) PM2.5 annual mean 50.0 µg/m3"``)."""
        return {
            "id": fid, "name": name, "rule": _rule(self.label, self.value_ugm3, self.year, self.source),
            "detail": f"{what} is not below the {self.year or ''} target {self.value_ugm3:g} µg/m3",
            "level": level, "pollutant": self.label, "value_ugm3": float(value), "target_ugm3": self.value_ugm3,
        }


def _judge_stations(target: _Target, over: np.ndarray, ids: np.ndarray, names: np.ndarray, values: np.ndarray,
                    points: Any, records: list[dict[str, Any]], geoms: list[Any]) -> None:
    """A violation per station whose annual mean is not below the target."""
    for i in np.flatnonzero(over):
        records.append(target.record(ids[i], names[i], "station", values[i],
                                     f"station {ids[i]} ({names[i] or '-'}) {target.label} annual mean "
                                     f"{values[i]:.1f} µg/m3"))
        geoms.append(points[i])


def _judge_city(target: _Target, station_mean: float, points: Any, records: list[dict[str, Any]],
                geoms: list[Any]) -> bool:
    """A violation when the mean of the stations' annual means is not below the target; whether it is."""
    over = station_mean >= target.value_ugm3
    if over:
        records.append(target.record("city", "stations mean", "city", station_mean,
                                     f"mean of {len(points)} stations {target.label} {station_mean:.1f} µg/m3"))
        geoms.append(shapely.MultiPoint(list(points)))
    return bool(over)


def _judge_districts(target: _Target, over: np.ndarray, ids: np.ndarray, names: np.ndarray, means: np.ndarray,
                     polygons: Any, records: list[dict[str, Any]], geoms: list[Any]) -> None:
    """A violation per district whose surface mean is not below the target."""
    for i in np.flatnonzero(over):
        records.append(target.record(ids[i], names[i], "district", means[i],
                                     f"district {ids[i]} ({names[i] or '-'}) surface mean {target.label} "
                                     f"{means[i]:.1f} µg/m3"))
        geoms.append(polygons[i])


def _rule(label: str, target: float, year: int | None, source: str) -> str:
    when = f"{year}年" if year else ""
    return f"{when}{label}年均浓度低于{target:g}微克/立方米 ({source})"
