"""Black-odorous water bodies (黑臭水体): how many in an area are eliminated, by count and by size.

Xingyang (荥政办〔2024〕1号) promises "城市建成区黑臭水体基本消除", Pingdingshan's
indicator table "县级城市建成区黑臭水体比例 基本消除", Luohe and Sanmenxia name bodies
to treat.  :func:`black_odorous_water` takes the bodies (lines or water surfaces with
``status`` 未消除 / 已消除 and the ``year`` eliminated) and a scope area (the built-up
area) and gives the share eliminated by count, by length (lines) and by area
(polygons), each body clipped to the area.

A body counts as eliminated for a year when its status is 已消除 and its ``year`` is
not after that year (a body eliminated without a year counts, with a warning).

Examples
--------
>>> import geopandas as gpd, shapely
>>> area = gpd.GeoDataFrame({"name": ["建成区"]}, geometry=[shapely.box(500000, 3700000, 510000, 3710000)],
...                         crs=4547)
>>> bodies = gpd.GeoDataFrame({"id": ["B1", "B2"], "status": ["已消除", "未消除"], "year": [2022, None]},
...                           geometry=[shapely.LineString([(501000, 3701000), (504000, 3701000)]),
...                                     shapely.LineString([(501000, 3705000), (502000, 3705000)])], crs=4547)
>>> m = black_odorous_water(bodies, area).metrics
>>> m["bodies_total"], m["share_eliminated"], m["share_eliminated_length"]
(2, 0.5, 0.75)
"""

from __future__ import annotations

import logging
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from ecogis.crs import CRSLike, to_metric
from ecogis.crs import check_metric_crs as _check_metric_crs
from ecogis.errors import InputError, NotMeasurableError
from ecogis.gate import gated as _gated
from ecogis.result import CheckResult, violations_frame

__all__ = ["BLACK_ODOROUS_RULE", "black_odorous_water", "clip_to_area"]

log = logging.getLogger(__name__)

BLACK_ODOROUS_RULE = (
    "荥政办〔2024〕1号 二、主要目标: 城市建成区黑臭水体基本消除; 平顶山市“十四五”生态环境保护和生态经济发展规划 表1 指标6: "
    "县级城市建成区黑臭水体比例 基本消除"
)

_LINES = ("LineString", "MultiLineString")
_POLYS = ("Polygon", "MultiPolygon")


def clip_to_area(gdf: gpd.GeoDataFrame, area: gpd.GeoDataFrame | None) -> tuple[gpd.GeoDataFrame, np.ndarray]:
    """The features that share a point with the area's union, and their geometries clipped to it.

    Both must be in the same (metric) CRS; ``area`` None keeps every feature whole.
    """
    geoms = np.asarray(gdf.geometry.values, dtype=object)
    ok = ~shapely.is_missing(geoms) & ~shapely.is_empty(geoms)
    bad = ok & ~shapely.is_valid(geoms)
    if bad.any():
        geoms = geoms.copy()
        geoms[bad] = shapely.make_valid(geoms[bad])
    if area is None:
        return gdf[ok], geoms[ok]
    region = shapely.union_all(shapely.make_valid(np.asarray(area.geometry.values, dtype=object)))
    inside = ok & shapely.intersects(geoms, region)
    return gdf[inside], shapely.intersection(geoms[inside], region)


def _check_year(year: Any) -> None:
    if year is not None and (isinstance(year, bool) or not isinstance(year, (int, np.integer))):
        raise InputError(f"year was {year!r} but is expected to be an integer year such as 2025, or None")


def _year_values(gdf: gpd.GeoDataFrame) -> np.ndarray:
    """The ``year`` field as floats (NaN where absent or not a number)."""
    if "year" not in gdf.columns:
        return np.full(len(gdf), np.nan)
    return pd.to_numeric(gdf["year"], errors="coerce").to_numpy(dtype=float)


def black_odorous_water(
    bodies: gpd.GeoDataFrame,
    area: gpd.GeoDataFrame | None = None,
    *,
    year: int | None = None,
    metric: CRSLike | None = None,
) -> CheckResult:
    """Black-odorous water bodies in an area, their status and the share eliminated.

    Parameters
    ----------
    bodies : GeoDataFrame
        ``black_odorous_waters`` layer: lines or polygons with ``id``, ``name``, ``status``
        (未消除 / 已消除) and optional ``year`` (eliminated).  Not modified.
    area : GeoDataFrame, optional
        The scope (the built-up area's study-area feature); default every body, whole.
    year : int, optional
        Count a body as eliminated only when its ``year`` is not after this one.
    metric : CRS-like, optional
        Metric CRS; default the Gauss-Kruger zone of ``bodies``.

    Returns
    -------
    CheckResult
        Name ``"black-odorous-water"``; metrics ``bodies_total``, ``bodies_eliminated``,
        ``bodies_remaining``, ``share_eliminated`` and ``share_remaining`` (by count), ``length_km`` and
        ``share_eliminated_length`` (line bodies), ``area_m2`` and ``share_eliminated_area``
        (polygon bodies), ``last_year_eliminated``; a remaining body is an error; layer
        ``black_odorous_waters`` (clipped to the area).

    Raises
    ------
    NotMeasurableError
        When the layer has no ``status``.
    """
    # entry checks: layers through the input gate, the options and the metric CRS (ecogis.gate, ecogis.crs)
    warnings: list[str] = []
    bodies = _gated(bodies, "black_odorous_waters", "black_odorous_waters", warnings)
    area = _gated(area, None, "area", warnings) if area is not None else None
    if not isinstance(bodies, gpd.GeoDataFrame) or bodies.crs is None:
        raise InputError("black_odorous_waters was not a GeoDataFrame with a CRS; read it with "
                         "read_layer(path, 'black_odorous_waters')")
    _check_year(year)
    if metric is not None:
        metric = _check_metric_crs(metric, bodies, name="metric")
    if "status" not in bodies.columns:
        raise NotMeasurableError("black_odorous_waters has no field 'status' (未消除 / 已消除); add it "
                                 "(aliases 治理状态, 整治状态, 状态)")
    bm = to_metric(bodies, metric)
    am = to_metric(area, bm.crs) if area is not None else None
    inside, clipped = clip_to_area(bm, am)
    status = inside["status"].astype(object).to_numpy()
    unknown = sorted({str(s) for s in status if s not in ("未消除", "已消除")})
    if unknown:
        raise InputError(f"black_odorous_waters status has value(s) {unknown}; expected 未消除 or 已消除 "
                         "(治理中 counts as 未消除)")
    years = _year_values(inside)
    done = status == "已消除"
    if year is not None:
        late = done & np.isfinite(years) & (years > year)
        if late.any():
            warnings.append(f"{int(late.sum())} body(ies) eliminated after {year} count as not eliminated in {year}")
        done = done & ~late
        undated = done & ~np.isfinite(years)
        if undated.any():
            warnings.append(f"{int(undated.sum())} eliminated body(ies) without a year counted as eliminated by {year}")
    # measured by the body's own type (a clipped line may come back as a collection with a point on the edge)
    gtype = np.array([g.geom_type for g in inside.geometry.values], dtype=object)
    is_line = np.isin(gtype, _LINES)
    is_poly = np.isin(gtype, _POLYS)
    length = np.where(is_line, shapely.length(clipped), 0.0) if len(clipped) else np.zeros(0)
    surface = np.where(is_poly, shapely.area(clipped), 0.0) if len(clipped) else np.zeros(0)
    n = int(len(inside))
    not_measurable: dict[str, str] = {}

    def share(num: float, den: float, key: str, what: str) -> float | None:
        if den > 0:
            return float(num / den)
        not_measurable[key] = f"no {what} black-odorous water body in the area"
        return None

    if n == 0:
        warnings.append("no black-odorous water body lies in the area: the shares are undefined (an empty register "
                        "and missing data look the same here)")
    ids = inside["id"].astype(str).to_numpy() if "id" in inside.columns else np.array([str(i) for i in inside.index])
    names = inside["name"].astype(object).to_numpy() if "name" in inside.columns else np.full(n, None, object)
    records = []
    geoms = []
    for i in np.flatnonzero(~done):
        size = (f"{length[i] / 1000:,.2f} km" if is_line[i] else f"{surface[i]:,.0f} m2" if is_poly[i] else "")
        records.append({"id": ids[i], "name": names[i], "rule": BLACK_ODOROUS_RULE,
                        "detail": f"black-odorous water body {ids[i]} ({names[i] or '-'}) {size} in the area is not "
                                  f"eliminated (status {status[i]}"
                                  + (f", eliminated only in {int(years[i])}" if status[i] == "已消除" else "") + ")",
                        "severity": "error", "status": status[i]})
        geoms.append(clipped[i])
    violations = violations_frame(records, crs=bm.crs, geometry=geoms)
    done_years = years[done & np.isfinite(years)]
    metrics: dict[str, Any] = {
        "bodies_total": n, "bodies_eliminated": int(done.sum()), "bodies_remaining": int(n - done.sum()),
        "share_eliminated": share(float(done.sum()), float(n), "share_eliminated", "any"),
        "share_remaining": share(float(n - done.sum()), float(n), "share_remaining", "any"),
        "length_km": float(length.sum() / 1000.0),
        "share_eliminated_length": share(float(length[done].sum()), float(length.sum()), "share_eliminated_length",
                                         "line (river reach)"),
        "area_m2": float(surface.sum()),
        "share_eliminated_area": share(float(surface[done].sum()), float(surface.sum()), "share_eliminated_area",
                                       "polygon (water surface)"),
        "last_year_eliminated": int(done_years.max()) if done_years.size else None,
    }
    layer = gpd.GeoDataFrame({"id": ids, "name": names, "status": status, "year": years,
                              "eliminated": done, "length_m": length, "area_m2": surface},
                             geometry=gpd.GeoSeries(list(clipped), crs=bm.crs), crs=bm.crs)
    log.info("black-odorous-water: %d of %d bodies eliminated", int(done.sum()), n)
    return CheckResult(
        "black-odorous-water", metrics=metrics, violations=violations, layers={"black_odorous_waters": layer},
        parameters={"year": year, "rule": BLACK_ODOROUS_RULE, "metric_crs": bm.crs.to_string(),
                    "clip": "each body measured inside the area"},
        warnings=warnings, not_measurable=not_measurable,
    )
