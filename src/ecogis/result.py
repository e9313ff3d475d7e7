"""The result every check returns, and how it is written out.

A :class:`CheckResult` carries the check's name, its metrics (units in the key
names: ``area_m2``, ``pm25_mean_ugm3``; shares as 0-1 floats), a violations
GeoDataFrame with one row per offending feature and the rule it breaks, extra
layers for maps (gaps, catchments, buffers), rasters it computed
(:class:`RasterLayer`: the air check's interpolated surface), the parameters it was
computed with, and warnings.  The same object feeds the maps, the report and the QGIS export.

Examples
--------
>>> import geopandas as gpd
>>> r = CheckResult("demo", metrics={"area_m2": 10.0}, violations=violations_frame([], crs=4490))
>>> r.to_dict()["violations"], r.to_dict()["area_m2"]
(0, 10.0)
"""

from __future__ import annotations

import json
import math
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
from pyproj import CRS

from ecogis.errors import InputError
from ecogis.io import atomic_output, write_layers

__all__ = ["CheckResult", "RasterLayer", "VIOLATION_COLUMNS", "violations_frame", "write_json"]

#: columns every violations frame has (besides geometry)
VIOLATION_COLUMNS = ("id", "name", "rule", "detail", "severity")


def violations_frame(records: list[dict[str, Any]], *, crs: Any, geometry: list | None = None) -> gpd.GeoDataFrame:
    """Build a violations GeoDataFrame with the standard columns.

    Parameters
    ----------
    records : list of dict
        Each with at least ``id``, ``rule`` and ``detail``; ``name`` and
        ``severity`` (``'error'`` default, or ``'warning'``) are optional; more keys
        become more columns.
    crs : CRS-like
        CRS of the geometries.
    geometry : list of shapely geometries, optional
        One per record; else taken from each record's ``geometry`` key.
    """
    rows = [dict(r) for r in records]
    geoms = geometry if geometry is not None else [r.pop("geometry", None) for r in rows]
    for r in rows:
        r.setdefault("severity", "error")
        r.setdefault("name", None)
    df = pd.DataFrame(rows, columns=list(dict.fromkeys([*VIOLATION_COLUMNS, *(k for r in rows for k in r)])))
    return gpd.GeoDataFrame(df, geometry=gpd.GeoSeries(list(geoms), crs=crs) if len(rows) else
                            gpd.GeoSeries([], crs=crs), crs=crs)


def _jsonable(value: Any) -> Any:
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_jsonable(v) for v in value]
    if isinstance(value, (np.integer,)):
        return int(value)
    if isinstance(value, (np.floating, float)):
        f = float(value)
        return None if math.isnan(f) or math.isinf(f) else f
    if isinstance(value, (np.bool_,)):
        return bool(value)
    if value is pd.NA or value is None:
        return None
    if isinstance(value, (str, int, bool)):
        return value
    if hasattr(value, "wkt"):
        return value.wkt
    return str(value)


def write_json(data: dict[str, Any], path: str | os.PathLike, *, overwrite: bool = False) -> Path:
    """Write a dict as UTF-8 JSON (Chinese kept readable), atomically."""
    with atomic_output(path, overwrite=overwrite) as tmp:
        tmp.write_text(json.dumps(_jsonable(data), ensure_ascii=False, indent=2), encoding="utf-8")
    return Path(path)


@dataclass(frozen=True, eq=False)
class RasterLayer:
    """A grid a check computed: its cells and where they sit.

    Attributes
    ----------
    array : 2-D ndarray
        Cell values, rows north to south; NaN (or ``nodata``) where there is none.
    transform : affine.Affine
        Grid transform (cell size and upper-left corner) in ``crs``.
    crs : pyproj.CRS
        CRS of the grid.
    nodata : float or None
        Value of empty cells when the array is written (NaN cells become it).
    units : str
        Units of the values (``'ug/m3'``).
    description : str
        What the values are, e.g. ``'PM2.5 annual mean, ug/m3, IDW p=2'`` (the band description).
    kind : str or None
        Raster kind it is (``'pollutant_surface'``): how the export treats its cells
        (:data:`ecogis.export.RASTER_KINDS`: a surface is warped, a count keeps its grid).
    title : (str, str) or None
        Layer name (Chinese, English); default the kind's.

    Examples
    --------
    >>> from affine import Affine
    >>> r = RasterLayer(np.array([[30.0, np.nan]]), Affine(100, 0, 0, 0, -100, 100), 4547, units="ug/m3")
    >>> r.shape, r.crs.to_epsg(), r.summary()
    ((1, 2), 4547, '1x2 cells of 100 m, 1 with a value, 30-30 ug/m3, EPSG:4547')
    """

    array: np.ndarray
    transform: Any
    crs: Any
    nodata: float | None = -9999.0
    units: str = ""
    description: str = ""
    kind: str | None = None
    title: tuple[str, str] | None = None

    def __post_init__(self) -> None:
        arr = np.asarray(self.array)
        if arr.ndim != 2:
            raise InputError(f"a RasterLayer array has {arr.ndim} dimensions but is expected to be 2-D (rows, cols)")
        object.__setattr__(self, "array", arr)
        object.__setattr__(self, "crs", CRS.from_user_input(self.crs))

    @property
    def shape(self) -> tuple[int, int]:
        return (int(self.array.shape[0]), int(self.array.shape[1]))

    def summary(self) -> str:
        """One line: size, cell size, valid cells, value range, CRS (what JSON output may show)."""
        arr = np.asarray(self.array, dtype=float)
        valid = np.isfinite(arr)
        if self.nodata is not None and np.isfinite(self.nodata):
            valid &= arr != self.nodata
        cells = arr[valid]
        span = f"{cells.min():.4g}-{cells.max():.4g}" if cells.size else "no values"
        epsg = self.crs.to_epsg()
        return (f"{self.shape[0]}x{self.shape[1]} cells of {abs(self.transform.a):g} m, {int(valid.sum())} with a "
                f"value, {span}{' ' + self.units if self.units and cells.size else ''}, "
                f"{f'EPSG:{epsg}' if epsg else self.crs.name}")


@dataclass
class CheckResult:
    """What a check found.

    Attributes
    ----------
    name : str
        Check name as on the command line (``'water-sources'``).
    metrics : dict
        Measured values; keys carry units; shares are 0-1.
    violations : GeoDataFrame
        One row per finding, columns :data:`VIOLATION_COLUMNS` and geometry.
    layers : dict of GeoDataFrame
        Extra layers for maps and export (gaps, catchments, buffers ...).
    parameters : dict
        The parameters used, so a report can say how.
    warnings : list of str
        Things the user should know (data gaps, assumptions).
    not_measurable : dict
        Metric name -> reason it could not be measured (which layer or field is missing).
    rasters : dict of RasterLayer
        Grids the check computed (the air check's ``pm25_surface``), exported as
        they are (:func:`ecogis.export.export_qgis`); not part of :meth:`to_dict`.
    """

    name: str
    metrics: dict[str, Any] = field(default_factory=dict)
    violations: gpd.GeoDataFrame | None = None
    layers: dict[str, gpd.GeoDataFrame] = field(default_factory=dict)
    parameters: dict[str, Any] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)
    not_measurable: dict[str, str] = field(default_factory=dict)
    rasters: dict[str, RasterLayer] = field(default_factory=dict)

    @property
    def n_violations(self) -> int:
        if self.violations is None:
            return 0
        return int((self.violations.get("severity", pd.Series(dtype=str)) != "warning").sum())

    def items(self) -> list[dict[str, Any]]:
        """The violations as plain dicts (geometry as a representative lon/lat point)."""
        if self.violations is None or self.violations.empty:
            return []
        v = self.violations
        pts = v.geometry
        if v.crs is not None and not v.crs.is_geographic:
            pts = pts.to_crs(4490)
        reps = pts.representative_point()
        out = []
        for (_, row), rp in zip(v.drop(columns=v.geometry.name).iterrows(), reps):
            d = {k: _jsonable(val) for k, val in row.items()}
            if rp is not None and not rp.is_empty:
                d["lon"], d["lat"] = round(rp.x, 7), round(rp.y, 7)
            out.append(d)
        return out

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready dict: the metrics at top level and under ``metrics``, then
        ``violations`` (count of errors), ``warnings_count``, ``items`` (every finding)."""
        items = self.items()
        return _jsonable({
            "check": self.name,
            **self.metrics,
            "metrics": self.metrics,
            "violations": self.n_violations,
            "warnings_count": sum(1 for i in items if i.get("severity") == "warning"),
            "items": items,
            "parameters": self.parameters,
            "warnings": self.warnings,
            "not_measurable": self.not_measurable,
        })

    def write_json(self, path: str | os.PathLike, *, overwrite: bool = False) -> Path:
        """Write :meth:`to_dict` as JSON."""
        return write_json(self.to_dict(), path, overwrite=overwrite)

    def write_gpkg(self, path: str | os.PathLike, *, overwrite: bool = False) -> Path:
        """Write violations and extra layers as one GeoPackage."""
        layers: dict[str, gpd.GeoDataFrame] = {}
        if self.violations is not None:
            layers["violations"] = self.violations
        layers.update({k: v for k, v in self.layers.items() if isinstance(v, gpd.GeoDataFrame)})
        return write_layers(layers, path, overwrite=overwrite)
