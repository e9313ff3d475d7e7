"""Rasters of a QGIS export: which to write (:func:`plan_rasters`: a layer set's rasters, result
layers that are GeoTIFF paths, and every :class:`ecogis.result.RasterLayer` of a result, written as
the check computed it), how (:data:`RASTER_KINDS`: counts keep their grid, surfaces are warped
bilinear to EPSG:4490), and the writing and reading back of the GeoTIFFs."""

from __future__ import annotations

import contextlib
import logging
import math
import os
import tempfile
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import numpy as np
from pyproj import CRS

from ecogis.catalogue import RASTERS
from ecogis.errors import CatalogueError, EcogisError, InputError
from ecogis.layerset import RASTER_SUFFIXES, LayerSet
from ecogis.publish.qml import (
    raster_qml,
)
from ecogis.publish.tree import (
    GROUP_TITLES,
    _check_groups,
    _slug,
)
from ecogis.result import RasterLayer
from ecogis.styles import LayerStyle, Symbol, style_for

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class RasterKind:
    """How one kind of raster is exported.

    Attributes
    ----------
    resampling : str or None
        ``None``: the source grid and CRS are kept cell for cell (counts);
        ``'bilinear'``: warped to EPSG:4490 (continuous surfaces).
    ramp : str
        Colour ramp (:data:`ecogis.qml.RASTER_RAMPS`).
    decimals : int
        Decimals of legend labels.
    group : str
        Top-level group (a :data:`ecogis.styles.GROUP_ORDER` name) of a layer-set raster.
    order : int
        Draw order among rasters (high on top); every raster is drawn under the vectors.
    title_zh, title_en : str
        Layer names.
    transparent : tuple of float
        Cell values drawn transparent besides nodata (``(0.0,)`` for population: a
        cell without people shows the map under it instead of the ramp's palest colour).
    """

    resampling: str | None
    ramp: str
    decimals: int
    group: str
    order: int
    title_zh: str
    title_en: str
    transparent: tuple[float, ...] = ()

    def title(self, lang: str = "zh") -> str:
        return self.title_zh if lang == "zh" else self.title_en


#: raster kind -> how it is exported (see the module docstring for why counts keep their grid)
RASTER_KINDS: dict[str, RasterKind] = {
    "population": RasterKind(None, "YlOrRd", 0, "基础", 1, RASTERS["population"].name_zh,
                             RASTERS["population"].name_en, transparent=(0.0,)),
    "pollutant_surface": RasterKind("bilinear", "GnYlRd", 1, "大气", 5, RASTERS["pollutant_surface"].name_zh,
                                    RASTERS["pollutant_surface"].name_en),
}


#: a raster of unknown meaning: kept cell for cell (never resampled), yellow-orange-red
_GENERIC_RASTER = RasterKind(None, "YlOrRd", 2, "基础", 2, "", "")


_DST_CRS = "EPSG:4490"


_DEFAULT_NODATA = -9999.0


@dataclass
class _RasterEntry:
    """A raster to write: where from, where to, how; filled in by :func:`_prepare_raster`."""

    table: str  # file stem, unique among the rasters
    source: str
    title: str
    group: tuple[str, ...]
    check: str | None
    spec: RasterKind
    path: Path
    style_path: Path
    src: Path | None = None
    make: Callable[[Path], Path] | None = None  # writes the source into a scratch folder (a RasterLayer)
    array: np.ndarray | None = None
    profile: dict[str, Any] = field(default_factory=dict)
    tags: dict[str, Any] = field(default_factory=dict)
    band_tags: dict[str, Any] = field(default_factory=dict)
    description: str | None = None
    stats: dict[str, Any] = field(default_factory=dict)
    raster = True

    @property
    def key(self) -> str:
        return "raster:" + self.table

    @property
    def style(self) -> LayerStyle:  # what the layer tree and the drawing order need
        return LayerStyle(self.table, self.spec.title_zh, self.spec.title_en, None, (),
                          Symbol("#555555", None, 0.0, 1.0), self.spec.group, self.spec.order)


def _raster_path(value: Any) -> Path | None:
    """A result layer that names a raster file (``.tif`` ...), else None."""
    if isinstance(value, (str, os.PathLike)) and Path(value).suffix.lower() in RASTER_SUFFIXES:
        return Path(value)
    return None


def raster_dir(path: str | os.PathLike) -> Path:
    """The folder of an export's rasters: ``OUT_rasters`` beside ``OUT.gpkg``.

    Examples
    --------
    >>> raster_dir("out/luohe.gpkg").as_posix()
    'out/luohe_rasters'
    """
    gpkg = Path(path)
    return gpkg.with_name(f"{gpkg.stem}_rasters")


def _raster_kind(name: str) -> RasterKind:
    if name in RASTER_KINDS:
        return RASTER_KINDS[name]
    with contextlib.suppress(CatalogueError):
        kind = style_for(name).kind
        if kind in RASTER_KINDS:
            return RASTER_KINDS[kind]
    return replace(_GENERIC_RASTER, title_zh=name, title_en=name)


class _Unavailable(Exception):
    """A raster that cannot be exported (recorded in ``skipped``, not an error)."""


def _plan_rasters(layers: Any, gpkg: Path, results: Sequence[Any] | Mapping[str, Any] | None,
                  lang: str, skipped: dict[str, str]) -> list[_RasterEntry]:
    """The rasters to write and their file names; nothing is read or computed yet."""
    rdir = raster_dir(gpkg)
    used: set[str] = set()
    entries: list[_RasterEntry] = []

    def add(base: str, source: str, title: str, group: tuple[str, ...], check: str | None, spec: RasterKind,
            src: Path | None = None, make: Callable[[Path], Path] | None = None) -> None:
        name, i = base, 2
        while name in used:
            name, i = f"{base}_{i}", i + 1
        used.add(name)
        entries.append(_RasterEntry(table=name, source=source, title=title, group=group, check=check, spec=spec,
                                    path=rdir / f"{name}.tif", style_path=rdir / f"{name}.qml", src=src, make=make))

    if isinstance(layers, LayerSet):
        for kind, p in layers.rasters.items():
            spec = _raster_kind(str(kind))
            add(_slug(kind), str(kind), spec.title(lang), (GROUP_TITLES[lang].get(spec.group, spec.group),), None,
                spec, src=Path(p))
    for key, r, group in _check_groups(results, lang):
        for lname, value in (r.layers or {}).items():
            p = _raster_path(value)
            if p is None:
                continue
            spec = _raster_kind(str(lname))
            add(f"{_slug(key)}__{_slug(lname)}", f"{key}/{lname}", spec.title(lang), group, key, spec, src=p)
        for rname, layer in (r.rasters or {}).items():  # grids the check computed: written as they are
            spec = _raster_kind(layer.kind or str(rname))
            if layer.title:
                spec = replace(spec, title_zh=layer.title[0], title_en=layer.title[1])
            add(f"{_slug(key)}__{_slug(rname)}", f"{key}/{rname}", spec.title(lang), group, key, spec,
                make=_raster_layer_writer(layer))
    return entries


def _raster_layer_writer(layer: RasterLayer) -> Callable[[Path], Path]:
    """Write a check's :class:`ecogis.result.RasterLayer` into the scratch folder as a
    single-band float32 GeoTIFF (NaN cells as its nodata), the source of its export."""

    def make(scratch: Path) -> Path:
        import rasterio

        fd, name = tempfile.mkstemp(suffix=".tif", dir=scratch)
        os.close(fd)
        path = Path(name)
        nodata = _DEFAULT_NODATA if layer.nodata is None or not np.isfinite(layer.nodata) else float(layer.nodata)
        arr = np.asarray(layer.array, dtype=float)
        epsg = layer.crs.to_epsg()
        profile = {"driver": "GTiff", "width": arr.shape[1], "height": arr.shape[0], "count": 1,
                   "dtype": "float32", "crs": f"EPSG:{epsg}" if epsg else layer.crs.to_wkt(),
                   "transform": layer.transform, "nodata": nodata, "compress": "DEFLATE", "predictor": 3}
        with rasterio.open(path, "w", **profile) as dst:
            dst.write(np.where(np.isfinite(arr), arr, nodata).astype("float32"), 1)
            if layer.description:
                dst.set_band_description(1, layer.description)
            if layer.units:
                dst.update_tags(1, units=layer.units)
        return path

    return make


def _open_problems(e: _RasterEntry) -> str | None:
    """Why a raster source cannot be exported (an input error), or None."""
    import rasterio

    try:
        with rasterio.open(e.src) as src:
            if src.crs is None:
                return f"raster {e.source!r} ({e.src}) has no CRS; assign one (gdal_edit.py -a_srs EPSG:...)"
            if src.count != 1:
                return f"raster {e.source!r} ({e.src}) has {src.count} bands; expected a single-band raster"
    except rasterio.errors.RasterioIOError as exc:
        return f"raster {e.source!r} cannot be read: {exc}"
    return None


def _valid(arr: np.ndarray, nodata: float | None) -> np.ndarray:
    valid = np.isfinite(arr) if np.issubdtype(arr.dtype, np.floating) else np.ones(arr.shape, bool)
    if nodata is not None and not math.isnan(nodata):
        valid &= arr != nodata
    return valid


def _prepare_raster(e: _RasterEntry) -> None:
    """Read the source, keep its grid or warp it to EPSG:4490, compute min / max of the valid cells."""
    import rasterio
    from rasterio.warp import Resampling, calculate_default_transform, reproject

    with rasterio.open(e.src) as src:
        data = src.read(1)
        nodata = src.nodata
        # a kept grid keeps AREA_OR_POINT (where the values sit in a cell); a warped one is Area
        e.tags = {k: v for k, v in src.tags().items() if k != "AREA_OR_POINT" or e.spec.resampling is None}
        e.band_tags = dict(src.tags(1))
        e.description = src.descriptions[0]
        base = {"driver": "GTiff", "count": 1, "tiled": True, "blockxsize": 256, "blockysize": 256,
                "compress": "deflate", "interleave": "band"}
        if e.spec.resampling is None:
            out, out_nodata = data, nodata
            e.profile = {**base, "width": src.width, "height": src.height, "dtype": data.dtype.name,
                         "crs": src.crs, "transform": src.transform, "nodata": nodata}
        else:
            dtype = np.float64 if data.dtype == np.float64 else np.float32
            out_nodata = float(nodata) if nodata is not None and np.isfinite(nodata) else _DEFAULT_NODATA
            source = data.astype(np.float64)
            source[~_valid(data, nodata)] = out_nodata
            transform, width, height = calculate_default_transform(src.crs, _DST_CRS, src.width, src.height,
                                                                   *src.bounds, resolution=_degree_cells(src))
            out = np.full((height, width), out_nodata, dtype=np.float64)
            reproject(source, out, src_transform=src.transform, src_crs=src.crs, src_nodata=out_nodata,
                      dst_transform=transform, dst_crs=_DST_CRS, dst_nodata=out_nodata,
                      resampling=Resampling[e.spec.resampling])
            out = out.astype(dtype)
            e.profile = {**base, "width": width, "height": height, "dtype": np.dtype(dtype).name, "crs": _DST_CRS,
                         "transform": transform, "nodata": out_nodata}
    e.profile["predictor"] = 3 if np.issubdtype(out.dtype, np.floating) else 2
    valid = _valid(out, out_nodata)
    if not valid.any():
        raise _Unavailable(f"raster {e.source!r} has no cell with a value")
    cells = out[valid].astype(np.float64)
    e.array = out
    e.stats = {"minimum": float(cells.min()), "maximum": float(cells.max()), "valid_cells": int(valid.sum()),
               "total": float(cells.sum())}


def _degree_cells(src: Any) -> tuple[float, float]:
    """Cell size in degrees (longitude, latitude) matching the source's ground cell size at its centre.

    Square cells in degrees would be about 1.2 times taller than wide on the ground at
    Luohe's latitude; GDAL then widens its bilinear kernel (it antialiases when a
    destination cell is larger than a source cell), which smooths the surface.  Keeping
    the ground size in both directions keeps plain 4-point bilinear interpolation.
    """
    from rasterio.warp import transform

    left, bottom, right, top = src.bounds
    cx, cy = (left + right) / 2, (bottom + top) / 2
    dx, dy = abs(src.transform.a), abs(src.transform.e)
    lons, lats = transform(src.crs, _DST_CRS, [cx, cx + dx, cx], [cy, cy, cy + dy])
    xres = math.hypot(lons[1] - lons[0], lats[1] - lats[0])
    yres = math.hypot(lons[2] - lons[0], lats[2] - lats[0])
    if not (xres > 0 and yres > 0 and math.isfinite(xres) and math.isfinite(yres)):
        raise InputError(f"{src.name}: cannot work out a cell size in degrees from its CRS {src.crs}")
    if src.crs.is_geographic:  # already in degrees: keep its cell size
        return dx, dy
    return xres, yres


def _write_raster(e: _RasterEntry, tmp: Path) -> None:
    import rasterio

    with rasterio.open(tmp, "w", **e.profile) as dst:
        dst.write(e.array, 1)
        dst.update_tags(**e.tags, ecogis_export=("source grid and CRS kept" if e.spec.resampling is None
                                                 else f"{e.spec.resampling} to {_DST_CRS}"))
        if e.band_tags:
            dst.update_tags(1, **e.band_tags)
        if e.description:
            dst.set_band_description(1, e.description)
    with rasterio.open(tmp) as check:  # read back before it is renamed into place
        if check.crs != rasterio.crs.CRS.from_user_input(e.profile["crs"]) or \
                (check.width, check.height) != (e.profile["width"], e.profile["height"]):
            raise EcogisError(f"{e.path}: the written GeoTIFF does not read back as written")


def _raster_qml(e: _RasterEntry) -> str:
    return raster_qml(e.stats["minimum"], e.stats["maximum"], ramp=e.spec.ramp, decimals=e.spec.decimals,
                      transparent_values=e.spec.transparent)


def _raster_bounds_4490(e: _RasterEntry) -> tuple[float, float, float, float]:
    from rasterio.transform import array_bounds
    from rasterio.warp import transform_bounds

    h, w = e.profile["height"], e.profile["width"]
    west, south, east, north = array_bounds(h, w, e.profile["transform"])
    return transform_bounds(e.profile["crs"], _DST_CRS, west, south, east, north)


def _crs_name(crs: Any) -> str:
    c = CRS.from_user_input(crs)
    epsg = c.to_epsg()
    return f"EPSG:{epsg}" if epsg else c.to_wkt()

