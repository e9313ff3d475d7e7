"""Mine restoration (矿山生态修复): restored hectares and the share restored.

Xingyang (荥政办〔2024〕1号 三(六)13) promises "到2025年，完成265公顷历史遗留矿山生态修复治理".
:func:`mine_restoration` adds up the area of the mines whose ``restoration`` is 已修复
(修复中 and 未修复 are not restored): a polygon's area is measured from its geometry in
a metric CRS, a point's is read from ``area_ha`` or ``area_m2``.  A mine restored
after the year asked does not count for that year.

Examples
--------
>>> import geopandas as gpd, shapely
>>> mines = gpd.GeoDataFrame({"id": ["M1", "M2"], "restoration": ["已修复", "未修复"], "area_ha": [None, 30.0]},
...                          geometry=[shapely.box(500000, 3700000, 501000, 3701000),
...                                    shapely.Point(505000, 3705000)], crs=4547)
>>> m = mine_restoration(mines).metrics
>>> m["restored_ha"], m["total_ha"], m["share_restored"]
(100.0, 130.0, 0.7692307692307693)
"""

from __future__ import annotations

import logging
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from ecogis.black_odorous import _check_year, _year_values, clip_to_area
from ecogis.crs import CRSLike, to_metric
from ecogis.crs import check_metric_crs as _check_metric_crs
from ecogis.errors import InputError, NotMeasurableError
from ecogis.gate import gated as _gated
from ecogis.result import CheckResult, violations_frame

__all__ = ["MINE_RULE", "mine_restoration"]

log = logging.getLogger(__name__)

MINE_RULE = "荥政办〔2024〕1号 三(六)13: 到2025年，完成265公顷历史遗留矿山生态修复治理"
_STATES = ("已修复", "修复中", "未修复")


def _hectares(inside: gpd.GeoDataFrame, clipped: Any, *, check_stated: bool, warnings: list[str]) -> np.ndarray:
    """Each mine's hectares: polygons from their (clipped) geometry, points from ``area_ha`` / ``area_m2``;
    a stated area more than 5 % off a polygon's geometry is warned about (when nothing was clipped)."""
    n = len(inside)
    polygonal = np.array([g.geom_type in ("Polygon", "MultiPolygon") for g in inside.geometry.values], dtype=bool)
    ha = np.full(n, np.nan)
    if n:
        ha[polygonal] = shapely.area(clipped[polygonal]) / 10_000.0
    attr = np.full(n, np.nan)
    if "area_ha" in inside.columns:
        attr = pd.to_numeric(inside["area_ha"], errors="coerce").to_numpy(dtype=float)
    if "area_m2" in inside.columns:
        m2 = pd.to_numeric(inside["area_m2"], errors="coerce").to_numpy(dtype=float) / 10_000.0
        attr = np.where(np.isfinite(attr), attr, m2)
    ha[~polygonal] = attr[~polygonal]
    stated = polygonal & np.isfinite(attr) & (attr > 0)
    if check_stated and stated.any():
        off = stated & (np.abs(ha - attr) > 0.05 * attr)
        if off.any():
            warnings.append(f"{int(off.sum())} mine polygon(s) state an area more than 5 % off their geometry's "
                            "(the geometry's is used): check the polygons or the stated area")
    return ha


def mine_restoration(
    mines: gpd.GeoDataFrame,
    area: gpd.GeoDataFrame | None = None,
    *,
    year: int | None = None,
    metric: CRSLike | None = None,
) -> CheckResult:
    """Restored area (ha) of the mines and the share of their area restored.

    Parameters
    ----------
    mines : GeoDataFrame
        ``mines`` layer: polygons or points with ``restoration`` (已修复 / 修复中 / 未修复), points with
        ``area_ha`` or ``area_m2``; optional ``year`` (restored).  Not modified.
    area : GeoDataFrame, optional
        The scope; mines sharing a point with it count, polygons clipped to it.  Default every mine, whole.
    year : int, optional
        A mine restored after this year counts as not restored.
    metric : CRS-like, optional
        Metric CRS; default the Gauss-Kruger zone of ``mines``.

    Returns
    -------
    CheckResult
        Name ``"mines"``; metrics ``mines_total``, ``mines_restored``, ``mines_in_progress``,
        ``mines_unrestored``, ``restored_ha``, ``total_ha``, ``share_restored`` (by area),
        ``share_restored_count``; mines not restored are warnings; layer ``mines``.

    Raises
    ------
    NotMeasurableError
        When a point mine has no area (the hectares would be too small, silently).
    """
    # entry checks: layers through the input gate, the options and the metric CRS (ecogis.gate, ecogis.crs)
    warnings: list[str] = []
    mines = _gated(mines, "mines", "mines", warnings)
    area = _gated(area, None, "area", warnings) if area is not None else None
    if not isinstance(mines, gpd.GeoDataFrame) or mines.crs is None:
        raise InputError("mines was not a GeoDataFrame with a CRS; read it with read_layer(path, 'mines')")
    _check_year(year)
    if metric is not None:
        metric = _check_metric_crs(metric, mines, name="metric")
    if "restoration" not in mines.columns:
        raise NotMeasurableError("mines has no field 'restoration' (已修复 / 修复中 / 未修复); add it "
                                 "(aliases 修复状态, 治理状态)")
    mm = to_metric(mines, metric)
    am = to_metric(area, mm.crs) if area is not None else None
    inside, clipped = clip_to_area(mm, am)
    state = inside["restoration"].astype(object).to_numpy()
    odd = sorted({str(s) for s in state if s not in _STATES})
    if odd:
        raise InputError(f"mines restoration has value(s) {odd}; expected one of {list(_STATES)}")
    n = len(inside)
    ha = _hectares(inside, clipped, check_stated=area is None, warnings=warnings)
    ids = inside["id"].astype(str).to_numpy() if "id" in inside.columns else np.array([str(i) for i in inside.index])
    names = inside["name"].astype(object).to_numpy() if "name" in inside.columns else np.full(n, None, object)
    missing = ~np.isfinite(ha) | (ha < 0)
    if missing.any():
        why = (f"{int(missing.sum())} point mine(s) have no area (area_ha or area_m2): "
               f"{', '.join(ids[missing][:10])}; give their area or map them as polygons")
        raise NotMeasurableError(why, reasons={"restored_ha": why, "share_restored": why})
    years = _year_values(inside)
    done = state == "已修复"
    if year is not None:
        late = done & np.isfinite(years) & (years > year)
        if late.any():
            warnings.append(f"{int(late.sum())} mine(s) restored after {year} count as not restored in {year}")
        done &= ~late
    total = float(ha.sum())
    not_measurable: dict[str, str] = {}
    if n == 0:
        not_measurable["share_restored"] = "no mine in the area"
        warnings.append("no mine lies in the area")
    records = [{"id": ids[i], "name": names[i], "rule": MINE_RULE, "severity": "warning",
                "detail": f"mine {ids[i]} ({names[i] or '-'}), {ha[i]:,.2f} ha, is {state[i]}"
                          + (f" (restored only in {int(years[i])})" if state[i] == "已修复" else ""),
                "restoration": state[i], "area_ha": float(ha[i])} for i in np.flatnonzero(~done)]
    violations = violations_frame(records, crs=mm.crs, geometry=list(clipped[~done]))
    metrics: dict[str, Any] = {
        "mines_total": n, "mines_restored": int(done.sum()),
        "mines_in_progress": int((state == "修复中").sum()), "mines_unrestored": int((state == "未修复").sum()),
        "restored_ha": float(ha[done].sum()), "total_ha": total,
        "share_restored": float(ha[done].sum()) / total if total > 0 else None,
        "share_restored_count": float(done.sum()) / n if n else None,
    }
    layer = gpd.GeoDataFrame({"id": ids, "name": names, "restoration": state, "area_ha": ha, "restored": done},
                             geometry=gpd.GeoSeries(list(clipped), crs=mm.crs), crs=mm.crs)
    return CheckResult(
        "mines", metrics=metrics, violations=violations, layers={"mines": layer},
        parameters={"year": year, "rule": MINE_RULE, "metric_crs": mm.crs.to_string(),
                    "area": "polygons from their geometry (clipped to the area), points from area_ha / area_m2"},
        warnings=warnings, not_measurable=not_measurable,
    )
