"""A check's rasters on its HTML map: warped to Web Mercator, coloured, inlined as a PNG.

A :class:`~ecogis.result.RasterLayer` (the ``air`` check's PM2.5 surface) is

1. warped to EPSG:3857, the grid Leaflet draws in, so the picture lies on the
   vector layers cell for cell (bilinear for continuous values, nearest for
   counts and classes);
2. coloured with a fixed 7-step sequential ramp (:data:`RAMP`, ColorBrewer
   YlOrRd) over equal-interval breaks of its values; NaN and nodata cells are
   transparent;
3. written as an RGBA PNG in memory by GDAL's PNG driver (no imaging library)
   and placed on the page as a ``data:`` URI in a :class:`folium.raster_layers.ImageOverlay`,
   in its own pane under the vector layers.

The warped grid is capped at :data:`MAX_PX` pixels on its longer side: the PNG
travels base64-encoded inside the page, and a city-wide 100 m surface warped at
full resolution of a zoomed-in screen could add tens of megabytes; 1200 px is
finer than the screen the map opens on (1000 x 650 px) and keeps the image
to a few hundred kilobytes at most.

Examples
--------
>>> import numpy as np
>>> from affine import Affine
>>> from ecogis.result import RasterLayer
>>> from ecogis.maps.rasters import raster_overlay
>>> r = RasterLayer(np.array([[10.0, 20.0], [30.0, np.nan]]),
...                 Affine(1000, 0, 500000, 0, -1000, 3720000), 4547, units="ug/m3")
>>> ov = raster_overlay("pm25_surface", r, lang="en")
>>> ov.legend["rows"][0]["label"], ov.legend["rows"][-1]["label"]
('10.0–12.9 µg/m³', '27.1–30.0 µg/m³')
"""

from __future__ import annotations

import base64
import re
import warnings
from dataclasses import dataclass
from typing import Any

import geopandas as gpd
import numpy as np
import shapely
from affine import Affine
from pyproj import Transformer

from ecogis.catalogue import RASTERS
from ecogis.crs import to_crs
from ecogis.errors import InputError
from ecogis.styles import STYLES
from ecogis.units import format_value, normalize_unit

__all__ = ["MAX_PX", "RAMP", "RasterOverlay", "classify", "raster_overlay", "raster_png", "warp_to_web_mercator"]

#: longer side of the warped grid, in pixels (see the module text)
MAX_PX = 1200

#: ColorBrewer YlOrRd, 7 classes: low values pale yellow, high values dark red
RAMP: tuple[str, ...] = ("#ffffb2", "#fed976", "#feb24c", "#fd8d3c", "#fc4e2a", "#e31a1c", "#b10026")

#: opacity of the image on the map (the vector layers stay readable through it)
OPACITY = 0.7

#: kinds whose cells are counts or classes: warped with nearest neighbour
_DISCRETE_KINDS = {"population"}


@dataclass(frozen=True)
class RasterOverlay:
    """One raster ready for a map page.

    Attributes
    ----------
    id : str
        Layer id (safe for HTML ids).
    title : str
        Name in the layer switcher and the legend.
    png : bytes
        The RGBA PNG (EPSG:3857 grid).
    bounds : list
        ``[[south, west], [north, east]]`` in degrees (lon/lat, or GCJ-02 on an Amap basemap).
    legend : dict
        Legend entry (same shape as a vector layer's: ``rows`` of symbol, label, count).
    cells : int
        Cells of the source raster with a value.
    """

    id: str
    title: str
    png: bytes
    bounds: list[list[float]]
    legend: dict[str, Any]
    cells: int

    @property
    def data_uri(self) -> str:
        return "data:image/png;base64," + base64.b64encode(self.png).decode("ascii")


def _values(raster) -> np.ndarray:
    arr = np.asarray(raster.array, dtype="float64").copy()
    if raster.nodata is not None and np.isfinite(raster.nodata):
        arr[arr == raster.nodata] = np.nan
    arr[~np.isfinite(arr)] = np.nan
    return arr


def warp_to_web_mercator(raster, *, max_px: int = MAX_PX, resampling: str = "bilinear"):
    """The raster's values on an EPSG:3857 grid of at most ``max_px`` pixels a side (NaN where empty).

    Returns
    -------
    (ndarray, affine.Affine)
        Values (float64) and the grid's transform in EPSG:3857 metres.

    Examples
    --------
    >>> import numpy as np
    >>> from affine import Affine
    >>> from ecogis.result import RasterLayer
    >>> r = RasterLayer(np.ones((3000, 10)), Affine(10, 0, 500000, 0, -10, 3720000), 4547)
    >>> arr, t = warp_to_web_mercator(r)
    >>> max(arr.shape) <= 1200
    True
    """
    from rasterio.enums import Resampling
    from rasterio.warp import calculate_default_transform, reproject

    src = _values(raster)
    h, w = src.shape
    left, top = raster.transform * (0, 0)
    right, bottom = raster.transform * (w, h)
    dst_t, dst_w, dst_h = calculate_default_transform(
        raster.crs, "EPSG:3857", w, h, left=min(left, right), bottom=min(top, bottom),
        right=max(left, right), top=max(top, bottom))
    scale = max(dst_w, dst_h) / max_px
    if scale > 1:  # same extent, coarser cells

        new_w, new_h = max(1, round(dst_w / scale)), max(1, round(dst_h / scale))
        dst_t = Affine(dst_t.a * dst_w / new_w, 0, dst_t.c, 0, dst_t.e * dst_h / new_h, dst_t.f)
        dst_w, dst_h = new_w, new_h
    dst = np.full((dst_h, dst_w), np.nan, dtype="float64")
    reproject(src, dst, src_transform=raster.transform, src_crs=raster.crs, src_nodata=np.nan,
              dst_transform=dst_t, dst_crs="EPSG:3857", dst_nodata=np.nan,
              resampling=getattr(Resampling, resampling))
    return dst, dst_t


def classify(values: np.ndarray, breaks: np.ndarray) -> np.ndarray:
    """Class index (0 .. len(breaks) - 2) of each value over ascending ``breaks``; -1 for NaN.

    Examples
    --------
    >>> classify(np.array([10.0, 15.0, 20.0, np.nan]), np.array([10.0, 15.0, 20.0])).tolist()
    [0, 1, 1, -1]
    """
    n = len(breaks) - 1
    idx = np.clip(np.searchsorted(breaks, values, side="right") - 1, 0, n - 1)
    return np.where(np.isfinite(values), idx, -1)


def _hex_rgb(c: str) -> tuple[int, int, int]:
    return int(c[1:3], 16), int(c[3:5], 16), int(c[5:7], 16)


def raster_png(classes: np.ndarray, ramp: tuple[str, ...] = RAMP) -> bytes:
    """RGBA PNG of class indices (-1 transparent), written by GDAL's PNG driver in memory."""
    from rasterio.errors import NotGeoreferencedWarning
    from rasterio.io import MemoryFile

    h, w = classes.shape
    rgba = np.zeros((4, h, w), dtype="uint8")
    for i, c in enumerate(ramp):
        sel = classes == i
        for b, v in enumerate(_hex_rgb(c)):
            rgba[b][sel] = v
    rgba[3][classes >= 0] = 255
    with warnings.catch_warnings():  # a picture, not a georeferenced file: GDAL's note about that is expected
        warnings.simplefilter("ignore", NotGeoreferencedWarning)
        with MemoryFile() as mem:
            with mem.open(driver="PNG", width=w, height=h, count=4, dtype="uint8") as dst:
                dst.write(rgba)
            return bytes(mem.read())


def _title(name: str, raster, lang: str) -> str:
    i = 0 if lang == "zh" else 1
    if raster.title:
        return str(raster.title[i])

    spec = RASTERS.get(raster.kind or name)
    if spec is not None:
        return spec.name_zh if lang == "zh" else spec.name_en
    return str(name)


def raster_overlay(name: str, raster, *, lang: str = "zh", data_crs: str = "wgs84",
                   max_px: int = MAX_PX, ramp: tuple[str, ...] = RAMP) -> RasterOverlay:
    """Warp, colour and encode one raster for a map (see the module text).

    Parameters
    ----------
    name : str
        Its key in ``CheckResult.rasters``.
    raster : RasterLayer
        The grid (any CRS).
    lang : {'zh', 'en'}
        Language of its title and legend.
    data_crs : {'wgs84', 'gcj02'}
        Coordinates of the page (``'gcj02'`` on an Amap basemap: the bounds are shifted).
    max_px : int
        Cap of the warped grid's longer side.
    ramp : tuple of '#rrggbb'
        Colours, low to high; one class each.

    Raises
    ------
    InputError
        The raster has no CRS.
    """
    if raster.crs is None:
        raise InputError(f"raster {name!r} has no CRS; give the RasterLayer one before mapping it")
    src = _values(raster)
    valid = src[np.isfinite(src)]
    resampling = "nearest" if (raster.kind or name) in _DISCRETE_KINDS else "bilinear"
    warped, t = warp_to_web_mercator(raster, max_px=max_px, resampling=resampling)
    if valid.size:
        lo, hi = float(valid.min()), float(valid.max())
        if hi <= lo:
            hi = lo + 1e-9
        breaks = np.linspace(lo, hi, len(ramp) + 1)
    else:
        breaks = np.linspace(0.0, 1.0, len(ramp) + 1)
    classes = classify(warped, breaks)
    png = raster_png(classes, ramp)
    # bounds of the warped grid in degrees

    h, w = warped.shape
    west, north = t * (0, 0)
    east, south = t * (w, h)
    tr = Transformer.from_crs("EPSG:3857", "EPSG:4326", always_xy=True)
    (lon0, lon1), (lat0, lat1) = tr.transform([west, east], [south, north])
    if data_crs == "gcj02":
        pts = to_crs(gpd.GeoDataFrame(geometry=[shapely.Point(lon0, lat0), shapely.Point(lon1, lat1)], crs=4326),
                     "gcj02")
        (lon0, lat0), (lon1, lat1) = [(p.x, p.y) for p in pts.geometry]
    bounds = [[float(lat0), float(lon0)], [float(lat1), float(lon1)]]
    unit = normalize_unit(raster.units or "") or ""
    counts = np.bincount(classify(valid, breaks), minlength=len(ramp)) if valid.size else np.zeros(len(ramp), int)
    rows = []
    for i, c in enumerate(ramp):
        a = format_value(float(breaks[i]), unit, lang=lang, digits=1)
        b = format_value(float(breaks[i + 1]), unit, lang=lang, digits=1)
        if unit:  # '10.0 µg/m³–12.9 µg/m³' -> '10.0–12.9 µg/m³'
            a = a.rsplit(" ", 1)[0] if " " in a else a
        rows.append({"label": f"{a}\u2013{b}", "count": int(counts[i]),
                     "symbol": {"color": c, "weight": 1.0, "opacity": 1.0, "fill": True, "fillColor": c,
                                "fillOpacity": 1.0, "dashArray": None, "radius": None, "hatch": False}})
    layer_id = "raster_" + re.sub(r"[^A-Za-z0-9_-]+", "_", name)
    title = _title(name, raster, lang)

    style = STYLES.get(raster.kind or name)
    legend = {"id": layer_id, "title": title, "group": style.group if style is not None else "基础",
              "geometry": "polygon", "rows": rows}
    return RasterOverlay(layer_id, title, png, bounds, legend, int(valid.size))
