"""Population counts from a gridded population raster, polygon by polygon.

Any population GeoTIFF (WorldPop, GHSL, a census grid: persons per cell) in any
CRS is read **window by window** with rasterio, so a raster larger than memory
works: only the windows that the polygons touch are read, ``window_cells`` x
``window_cells`` cells at a time.

How a cell that a polygon only partly covers is counted
--------------------------------------------------------
A cell adds ``value * fraction`` to a polygon's sum, where ``fraction`` is the
**exact** share of the cell's area inside the polygon (the area of the
polygon-cell intersection divided by the cell area), the quantity exactextract
computes.  People are assumed evenly spread inside a cell (the only assumption
possible without finer data).

The fractions of a whole window come from the polygon's boundary alone (Green's
theorem, no rasterising): every ring segment is cut where it crosses a grid
line, each piece adds the signed area between it and the top of its cell to
that cell, and its width to every cell above it in its column (a cumulative sum
down the columns).  The cost is the cells of the window plus the pieces of the
boundary; a window wholly inside one polygon is summed without it.  Against the
brute-force ``shapely.intersection(cell, polygon).area`` the fractions agree to
about 1e-12 and the sums to exactextract's within 1e-6 relative
(``tests/test_population.py`` checks both).

Overlapping zones each get their own exact share (a cell covered by two zones
counts for both).

What is checked
---------------
* Cells with a **negative or non-finite** value (other than the declared
  nodata) are not people: they count as nodata (0) and a warning gives their
  number (:class:`ZonalPopulation` ``invalid_cells``).
* A zone the raster's extent does **not wholly cover** gets a warning with the
  share of its area inside the raster (``raster_share``): its people outside the
  raster are unknown, so its figure is a lower bound.

Polygons are reprojected to the raster's CRS, so the fractions are those of the
raster's own cells (a geographic WorldPop grid is handled in degrees, exactly as
it was made).

Examples
--------
>>> import numpy as np, rasterio, shapely, geopandas as gpd
>>> from rasterio.transform import from_origin
>>> import tempfile, os
>>> path = os.path.join(tempfile.mkdtemp(), "pop.tif")
>>> with rasterio.open(path, "w", driver="GTiff", width=10, height=10, count=1, dtype="float32",
...                    crs="EPSG:4547", transform=from_origin(500000, 3700000, 100, 100)) as dst:
...     dst.write(np.full((1, 10, 10), 2.0, dtype="float32"))
>>> half = gpd.GeoSeries([shapely.box(500000, 3699000, 500500, 3700000)], crs=4547)
>>> float(zonal_population(path, half)[0])
100.0
"""

from __future__ import annotations

import logging
import math
import os
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import shapely

from ecogis.errors import InputError, LayerReadError
from ecogis.progress import progress_bar

__all__ = [
    "DEFAULT_WINDOW_CELLS",
    "RasterInfo",
    "RasterPopulation",
    "ZonalPopulation",
    "cell_fractions",
    "coverage_fractions",
    "demand_points",
    "raster_info",
    "zonal_population",
    "zonal_population_checked",
]

log = logging.getLogger(__name__)

#: cells per window side read at a time (a 512 x 512 window of float64 is 2 MiB)
DEFAULT_WINDOW_CELLS = 512
_POLY = 3
_SNAP = 1e-12


@dataclass(frozen=True)
class RasterInfo:
    """What a population raster is: path, CRS, size, cell size, nodata."""

    path: Path
    crs: Any
    width: int
    height: int
    transform: Any
    nodata: float | None

    @property
    def cells(self) -> int:
        return self.width * self.height


def _open(path: str | os.PathLike):
    import rasterio

    p = Path(path)
    if not p.exists():
        raise LayerReadError(f"population raster {str(p)!r} does not exist; give a GeoTIFF of persons per cell")
    from rasterio.errors import RasterioError

    try:
        return rasterio.open(p)
    except RasterioError as exc:
        raise LayerReadError(f"population raster {str(p)!r} cannot be read by GDAL ({exc})") from None


def raster_info(path: str | os.PathLike) -> RasterInfo:
    """CRS, size and nodata of a raster, checked to be usable.

    Raises
    ------
    ecogis.errors.LayerReadError
        When the file is missing or unreadable, or states no CRS.
    """
    with _open(path) as src:
        if src.crs is None:
            raise LayerReadError(f"population raster {str(path)!r} states no CRS; assign one with "
                                 f"gdal_edit.py -a_srs EPSG:4547 {path}")
        if src.transform.b != 0 or src.transform.d != 0:
            raise LayerReadError(f"population raster {str(path)!r} is rotated; warp it to a north-up grid first "
                                 f"(gdalwarp)")
        return RasterInfo(Path(path), src.crs, src.width, src.height, src.transform, src.nodata)


def _as_geoms(zones: Any, raster_crs: Any) -> np.ndarray:
    """Zones as a numpy array of shapely geometries in the raster's CRS."""
    if isinstance(zones, gpd.GeoDataFrame):
        zones = zones.geometry
    if isinstance(zones, gpd.GeoSeries):
        if zones.crs is None:
            raise InputError("zones have no CRS; set one before counting population")
        out = np.asarray(zones.to_crs(raster_crs).values, dtype=object)
        xy, idx = shapely.get_coordinates(out, return_index=True)
        bad = ~np.isfinite(xy).all(axis=1)
        if bad.any():
            raise InputError(f"zone {int(idx[bad][0])} does not project into the raster's CRS ({raster_crs}): "
                             f"its coordinates become infinite; check the zones' CRS (given {zones.crs}) and that "
                             f"they lie where the raster's CRS is defined")
        return out
    raise InputError(f"zones was {type(zones).__name__} but is expected to be a GeoSeries or GeoDataFrame")


def _read_values(src, window) -> tuple[np.ndarray, np.ndarray]:
    """The window's values as float64 with nodata set to 0, and the mask of the cells that hold no
    count of people (negative or non-finite, other than the declared nodata), also set to 0."""
    vals = src.read(1, window=window, out_dtype="float64")
    nd = src.nodata
    if nd is None:
        nodata = np.zeros(vals.shape, dtype=bool)
    elif math.isnan(nd):
        nodata = np.isnan(vals)
    else:
        nodata = vals == nd
    with np.errstate(invalid="ignore"):
        invalid = ~nodata & ~(np.isfinite(vals) & (vals >= 0.0))
    vals[nodata | invalid] = 0.0
    return vals, invalid


# --- exact cell fractions -----------------------------------------------------------------------
def _zone_segments(geoms: np.ndarray, transform: Any) -> list[np.ndarray]:
    """Every ring segment of each (multi)polygon in cell units: per zone ``(m, 5)`` rows ``u0, v0, u1, v1, w``.

    ``u`` is the column and ``v`` the row coordinate from the raster's top-left corner (cell ``(r, c)``
    is ``[c, c + 1] x [r, r + 1]``); ``w`` (+1 or -1) orients each ring so that shells add area and holes
    take it away, whatever their digitising direction.  All zones at once (vectorised); non-polygon parts
    (lines or points that ``make_valid`` may leave) are dropped.
    """
    geoms = np.asarray(geoms, dtype=object)
    n = len(geoms)
    parts, zi = shapely.get_parts(geoms, return_index=True)
    parts2, pi = shapely.get_parts(parts, return_index=True)  # a collection's multipolygons, one level down
    zi = zi[pi]
    poly = shapely.get_type_id(parts2) == _POLY
    parts2, zi = parts2[poly], zi[poly]
    empty = [np.zeros((0, 5)) for _ in range(n)]
    if parts2.size == 0:
        return empty
    rings, ri = shapely.get_rings(parts2, return_index=True)
    shell = np.ones(len(rings), dtype=bool)
    shell[1:] = ri[1:] != ri[:-1]
    ring_zone = zi[ri]
    xy, cidx = shapely.get_coordinates(rings, return_index=True)
    u = (xy[:, 0] - transform.c) / transform.a
    v = (xy[:, 1] - transform.f) / transform.e
    same = cidx[1:] == cidx[:-1]
    u0, v0, u1, v1 = u[:-1][same], v[:-1][same], u[1:][same], v[1:][same]
    rs = cidx[:-1][same]
    signed = np.bincount(rs, weights=u0 * v1 - u1 * v0, minlength=len(rings))  # twice the (u, v) area
    w_ring = np.where(shell, -np.sign(signed), np.sign(signed))
    seg = np.column_stack([u0, v0, u1, v1, w_ring[rs]])
    sz = ring_zone[rs]  # non-decreasing: get_parts / get_rings / get_coordinates keep the order
    cuts = np.searchsorted(sz, np.arange(n + 1))
    return [seg[cuts[i]:cuts[i + 1]] for i in range(n)]


def _cuts(lo: np.ndarray, hi: np.ndarray, top: int) -> tuple[np.ndarray, np.ndarray]:
    """Integer grid lines ``k`` with ``lo < k < hi`` and ``0 <= k <= top``: (segment index, k)."""
    first = np.maximum(np.floor(lo) + 1.0, 0.0)
    last = np.minimum(np.ceil(hi) - 1.0, float(top))
    count = np.maximum(last - first + 1.0, 0.0).astype(np.int64)
    seg = np.repeat(np.arange(lo.size), count)
    if seg.size == 0:
        return seg, np.zeros(0)
    start = np.cumsum(count) - count
    k = first[seg] + (np.arange(seg.size) - start[seg])
    return seg, k


def _window_fractions(segs: np.ndarray, col_off: int, row_off: int, width: int, height: int) -> np.ndarray:
    """Exact covered fraction of every cell of a ``height`` x ``width`` block at (``row_off``, ``col_off``).

    Green's theorem column by column: the area of a polygon within a column strip is the sum, over the
    pieces of its boundary in the strip, of ``du * (v - v_top)`` (the vertical sides add nothing).  Each
    piece (a segment cut at every grid line) adds ``du * (v_mid - row)`` to its own cell and ``du`` to
    every cell above it; pieces below the block add ``du`` to its whole column.
    """
    W, H = int(width), int(height)
    if segs.size == 0:
        return np.zeros((H, W))
    u0 = segs[:, 0] - col_off
    v0 = segs[:, 1] - row_off
    u1 = segs[:, 2] - col_off
    v1 = segs[:, 3] - row_off
    umin, umax = np.minimum(u0, u1), np.maximum(u0, u1)
    keep = (umax > 0) & (umin < W) & (np.maximum(v0, v1) > 0) & (u0 != u1)
    if not keep.any():
        return np.zeros((H, W))
    u0, v0, u1, v1, w = u0[keep], v0[keep], u1[keep], v1[keep], segs[keep, 4]
    umin, umax = umin[keep], umax[keep]
    du, dv = u1 - u0, v1 - v0
    m = u0.size
    su, ku = _cuts(umin, umax, W)
    sv, kv = _cuts(np.minimum(v0, v1), np.maximum(v0, v1), H)
    seg = np.concatenate([np.arange(m), np.arange(m), su, sv])
    with np.errstate(divide="ignore", invalid="ignore"):
        t = np.concatenate([np.zeros(m), np.ones(m), (ku - u0[su]) / du[su], (kv - v0[sv]) / dv[sv]])
    order = np.lexsort((t, seg))
    seg, t = seg[order], t[order]
    inner = seg[1:] == seg[:-1]
    s = seg[:-1][inner]
    ta, tb = t[:-1][inner], t[1:][inner]
    tm = 0.5 * (ta + tb)
    um = u0[s] + tm * du[s]
    vm = v0[s] + tm * dv[s]
    col = np.floor(um).astype(np.int64)
    row = np.floor(vm)
    pdu = (tb - ta) * du[s] * w[s]
    ok = (col >= 0) & (col < W) & (row >= 0)
    col, row, pdu, vm = col[ok], row[ok], pdu[ok], vm[ok]
    row = np.minimum(row, H).astype(np.int64)
    within = row < H
    part = np.bincount(row[within] * W + col[within], weights=pdu[within] * (vm[within] - row[within]),
                       minlength=H * W).reshape(H, W)
    full = np.bincount(row * W + col, weights=pdu, minlength=(H + 1) * W).reshape(H + 1, W)
    below = np.cumsum(full[::-1], axis=0)[::-1]  # below[r] = sum of full[r:]
    frac = part + below[1:]
    # rounding of the sums leaves ~1e-15 where a cell is wholly in or out: snap it, so that a cell no
    # polygon touches counts exactly 0 and a covered one exactly 1 (1e-12 of a 100 m cell is 0.01 mm2)
    frac[frac < _SNAP] = 0.0
    frac[frac > 1.0 - _SNAP] = 1.0
    return frac


def coverage_fractions(raster: str | os.PathLike, zone: Any) -> np.ndarray:
    """The exact covered fraction of every cell of a (small) raster for one zone, as a full array.

    For tests and inspection: it allocates the whole grid.  Use :func:`cell_fractions` for large rasters.

    Examples
    --------
    >>> import numpy as np, rasterio, shapely, geopandas as gpd
    >>> from rasterio.transform import from_origin
    >>> import tempfile, os
    >>> path = os.path.join(tempfile.mkdtemp(), "pop.tif")
    >>> with rasterio.open(path, "w", driver="GTiff", width=2, height=1, count=1, dtype="float32",
    ...                    crs="EPSG:4547", transform=from_origin(500000, 3700100, 100, 100)) as dst:
    ...     dst.write(np.ones((1, 1, 2), dtype="float32"))
    >>> tri = gpd.GeoSeries([shapely.Polygon([(500000, 3700000), (500200, 3700000), (500000, 3700100)])], crs=4547)
    >>> coverage_fractions(path, tri).round(6).tolist()
    [[0.75, 0.25]]
    """
    info = raster_info(raster)
    geoms = _valid_zones(_as_geoms(zone, info.crs))[0]
    geoms = geoms[~(shapely.is_missing(geoms) | shapely.is_empty(geoms))]
    if geoms.size == 0:
        return np.zeros((info.height, info.width))
    one = shapely.make_valid(shapely.union_all(geoms))
    return _window_fractions(_zone_segments(np.array([one], dtype=object), info.transform)[0], 0, 0, info.width,
                             info.height)


# --- zonal sums -----------------------------------------------------------------------------------
@dataclass(frozen=True)
class ZonalPopulation:
    """Persons per zone with what was checked on the way.

    Attributes
    ----------
    population : numpy.ndarray
        Persons per zone (partly covered cells weighted by their exact covered fraction).
    raster_share : numpy.ndarray
        Share of each zone's area that lies on the raster (1.0 when wholly covered; 1.0 for a zone
        without area).  Below 1 the zone's figure is a lower bound: people off the raster are unknown.
    invalid_cells : numpy.ndarray
        Per zone, the cells it touches whose value is negative or non-finite (other than the declared
        nodata); they counted as nodata (0).
    warnings : list of str
        One sentence per problem found (also logged).
    """

    population: np.ndarray
    raster_share: np.ndarray
    invalid_cells: np.ndarray
    warnings: list[str] = field(default_factory=list)


def _valid_zones(geoms: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    ok = ~(shapely.is_missing(geoms) | shapely.is_empty(geoms))
    g = geoms.copy()
    bad = ok & ~shapely.is_valid(np.where(ok, geoms, None))
    if bad.any():
        g[bad] = shapely.make_valid(g[bad])
    return g, ok


def _cell_bounds(segs: np.ndarray, info: RasterInfo) -> tuple[int, int, int, int] | None:
    """Cell range ``(c0, r0, c1, r1)`` (end exclusive) of a zone's segments within the raster."""
    if segs.size == 0:
        return None
    u = segs[:, [0, 2]]
    v = segs[:, [1, 3]]
    c0 = max(math.floor(u.min()), 0)
    c1 = min(math.ceil(u.max()), info.width)
    r0 = max(math.floor(v.min()), 0)
    r1 = min(math.ceil(v.max()), info.height)
    if c0 >= c1 or r0 >= r1:
        return None
    return c0, r0, c1, r1


def _fraction_blocks(raster: str | os.PathLike, info: RasterInfo, geoms: np.ndarray, window_cells: int,
                     progress: bool | None = None) -> Iterator[tuple[int, int, int, int, int, np.ndarray, np.ndarray,
                                                                      np.ndarray | None]]:
    """Per window and zone touching it: ``(zone, row, col, height, width, values, invalid, fraction)`` of the
    block where they meet (``fraction`` None when the whole block lies inside the zone)."""
    from rasterio.windows import Window
    from rasterio.windows import bounds as window_bounds

    segs = _zone_segments(geoms, info.transform)
    ranges = [_cell_bounds(s, info) for s in segs]
    have = [i for i, rg in enumerate(ranges) if rg is not None]
    if not have:
        return
    shapely.prepare(geoms[have])
    box = np.array([ranges[i] for i in have])
    c0, r0 = int(box[:, 0].min()), int(box[:, 1].min())
    c1, r1 = int(box[:, 2].max()), int(box[:, 3].max())
    size = max(int(window_cells), 1)
    windows = [Window(c, r, min(size, c1 - c), min(size, r1 - r))
               for r in range(r0, r1, size) for c in range(c0, c1, size)]
    strips: dict[tuple[int, int], np.ndarray] = {}  # a zone's segments within one column of windows

    def strip(z: int, c0: int, c1: int) -> np.ndarray:
        key = (z, c0)
        if key not in strips:
            sg = segs[z]
            umin = np.minimum(sg[:, 0], sg[:, 2])
            umax = np.maximum(sg[:, 0], sg[:, 2])
            strips[key] = sg[(umax > c0) & (umin < c1)]
        return strips[key]

    with _open(raster) as src:
        for win in progress_bar(windows, total=len(windows), desc="population", unit="window", progress=progress):
            wc0, wr0 = int(win.col_off), int(win.row_off)
            wc1, wr1 = wc0 + int(win.width), wr0 + int(win.height)
            hit = (box[:, 0] < wc1) & (box[:, 2] > wc0) & (box[:, 1] < wr1) & (box[:, 3] > wr0)
            if not hit.any():
                continue
            wbox = shapely.box(*window_bounds(win, info.transform))
            vals, invalid = _read_values(src, win)
            for j in np.flatnonzero(hit):
                z = have[j]
                bc0, br0 = max(box[j, 0], wc0), max(box[j, 1], wr0)
                bc1, br1 = min(box[j, 2], wc1), min(box[j, 3], wr1)
                sl = (slice(br0 - wr0, br1 - wr0), slice(bc0 - wc0, bc1 - wc0))
                if (bc0, br0, bc1, br1) == (wc0, wr0, wc1, wr1) and shapely.contains_properly(geoms[z], wbox):
                    yield z, br0, bc0, br1 - br0, bc1 - bc0, vals[sl], invalid[sl], None
                    continue
                frac = _window_fractions(strip(z, wc0, wc1), bc0, br0, bc1 - bc0, br1 - br0)
                yield z, br0, bc0, br1 - br0, bc1 - bc0, vals[sl], invalid[sl], frac


def zonal_population_checked(raster: str | os.PathLike, zones: gpd.GeoSeries | gpd.GeoDataFrame, *,
                             window_cells: int = DEFAULT_WINDOW_CELLS, progress: bool | None = None,
                             label: str = "zone") -> ZonalPopulation:
    """Persons inside each zone, with the share of each zone on the raster and the invalid cells found.

    Parameters
    ----------
    raster : path-like
        Population GeoTIFF (persons per cell), any CRS; nodata counts as 0.
    zones : GeoSeries or GeoDataFrame
        Polygons with a CRS (overlapping zones each get their own exact share).
    window_cells : int, default 512
        Cells per side of the windows read at a time.
    progress : bool, optional
        Show a progress bar over the windows.
    label : str, default "zone"
        What a zone is called in the warnings (e.g. "the audited area").

    Returns
    -------
    ZonalPopulation

    Examples
    --------
    >>> import numpy as np, rasterio, shapely, geopandas as gpd
    >>> from rasterio.transform import from_origin
    >>> import tempfile, os
    >>> path = os.path.join(tempfile.mkdtemp(), "pop.tif")
    >>> with rasterio.open(path, "w", driver="GTiff", width=10, height=10, count=1, dtype="float32",
    ...                    crs="EPSG:4547", transform=from_origin(500000, 3700000, 100, 100)) as dst:
    ...     dst.write(np.full((1, 10, 10), 2.0, dtype="float32"))
    >>> wider = gpd.GeoSeries([shapely.box(499000, 3699000, 501000, 3700000)], crs=4547)  # half off the raster
    >>> got = zonal_population_checked(path, wider)
    >>> float(got.population[0]), float(got.raster_share[0])
    (200.0, 0.5)
    """
    if isinstance(window_cells, bool) or int(window_cells) < 1:
        raise InputError(f"window_cells was {window_cells!r} but is expected to be a positive integer")
    info = raster_info(raster)
    geoms, ok = _valid_zones(_as_geoms(zones, info.crs))
    n = len(geoms)
    sums = np.zeros(n)
    frac_sum = np.zeros(n)
    invalid = np.zeros(n, dtype=np.int64)
    idx = np.flatnonzero(ok)
    if idx.size:
        for z, _r, _c, h, w, vals, inv, frac in _fraction_blocks(raster, info, geoms[idx], window_cells, progress):
            zi = idx[z]
            if frac is None:
                sums[zi] += float(vals.sum())
                frac_sum[zi] += float(h * w)
                invalid[zi] += int(inv.sum())
            else:
                sums[zi] += float((vals * frac).sum())
                frac_sum[zi] += float(frac.sum())
                invalid[zi] += int((inv & (frac > 0)).sum())
    area = np.zeros(n)
    if idx.size:
        area[idx] = shapely.area(geoms[idx]) / abs(info.transform.a * info.transform.e)
    with np.errstate(invalid="ignore", divide="ignore"):
        share = np.where(area > 0, np.minimum(frac_sum / np.where(area > 0, area, 1.0), 1.0), 1.0)
    share = np.where(share > 1.0 - 1e-9, 1.0, share)
    msgs: list[str] = []
    name = Path(raster).name
    if invalid.sum() > 0:
        bad = int(invalid.sum())
        where = label if n == 1 else f"{int((invalid > 0).sum())} {label}(s)"
        msgs.append(f"population raster {name!r}: {bad:,} cell(s) under {where} hold negative or non-finite "
                    f"values (not the declared nodata {info.nodata!r}); they count as nodata (0 people). "
                    f"Fix the raster or declare its nodata (gdal_edit.py -a_nodata VALUE {name})")
    short = share < 1.0
    if short.any():
        if n == 1:
            msgs.append(f"population raster {name!r} covers only {share[0]:.1%} of {label}: the people in the "
                        f"other {1 - share[0]:.1%} are unknown, so the population figures are lower bounds; "
                        f"give a raster covering all of {label}")
        else:
            msgs.append(f"population raster {name!r} covers only part of {int(short.sum())} {label}(s) "
                        f"(down to {share.min():.1%} of one): their population figures are lower bounds")
    for m in msgs:
        log.warning("%s", m)
    return ZonalPopulation(sums, share, invalid, msgs)


def zonal_population(raster: str | os.PathLike, zones: gpd.GeoSeries | gpd.GeoDataFrame, *,
                     window_cells: int = DEFAULT_WINDOW_CELLS, progress: bool | None = None) -> np.ndarray:
    """Persons inside each zone, partly covered cells weighted by their exact covered fraction.

    The figures of :func:`zonal_population_checked` without its checks' details (its warnings are
    logged).

    Parameters
    ----------
    raster : path-like
        Population GeoTIFF (persons per cell), any CRS; nodata counts as 0; negative and non-finite
        values count as 0 with a warning.
    zones : GeoSeries or GeoDataFrame
        Polygons with a CRS.  Overlapping zones each get their own exact share.
    window_cells : int, default 512
        Cells per side of the windows read at a time.
    progress : bool, optional
        Show a progress bar over the windows.

    Returns
    -------
    numpy.ndarray
        One float per zone, in the order of ``zones``.

    Examples
    --------
    >>> zonal_population("layers/population.tif", sample.study_area("中心城区"))  # doctest: +SKIP
    array([1050000.])
    """
    return zonal_population_checked(raster, zones, window_cells=window_cells, progress=progress).population


def cell_fractions(raster: str | os.PathLike, zone: Any, *, window_cells: int = DEFAULT_WINDOW_CELLS
                   ) -> Iterator[tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]]:
    """Per window: cell centre x, y (raster CRS), value and exact covered fraction of the cells a zone touches.

    Parameters
    ----------
    raster : path-like
        Population GeoTIFF.
    zone : GeoSeries or GeoDataFrame
        One or more polygons (treated as one zone) with a CRS.
    window_cells : int
        As in :func:`zonal_population`.

    Yields
    ------
    (x, y, value, fraction) : numpy arrays of the cells with ``fraction > 0``.
    """
    info = raster_info(raster)
    geoms, ok = _valid_zones(_as_geoms(zone, info.crs))
    geoms = geoms[ok]
    if geoms.size == 0:
        return
    one = np.array([shapely.make_valid(shapely.union_all(geoms))], dtype=object)
    t = info.transform
    for _z, r0, c0, h, w, vals, _inv, frac in _fraction_blocks(raster, info, one, window_cells):
        if frac is None:
            frac = np.ones((h, w))
        rr, cc = np.nonzero(frac > 0)
        cx = t.c + (c0 + cc + 0.5) * t.a
        cy = t.f + (r0 + rr + 0.5) * t.e
        yield cx, cy, vals[rr, cc], frac[rr, cc]


def demand_points(raster: str | os.PathLike, zone: Any, *, metric_crs: Any) -> gpd.GeoDataFrame:
    """The population of a zone as weighted points (cell centres), for siting new stops.

    Parameters
    ----------
    raster : path-like
        Population GeoTIFF.
    zone : GeoSeries or GeoDataFrame
        Where demand counts.
    metric_crs : CRS-like
        CRS of the returned points.

    Returns
    -------
    GeoDataFrame
        Points with ``population`` (value times exact covered fraction), only where above 0.
    """
    info = raster_info(raster)
    xs, ys, ws = [], [], []
    for cx, cy, v, f in cell_fractions(raster, zone):
        w = v * f
        keep = w > 0
        xs.append(cx[keep])
        ys.append(cy[keep])
        ws.append(w[keep])
    x = np.concatenate(xs) if xs else np.zeros(0)
    y = np.concatenate(ys) if ys else np.zeros(0)
    w = np.concatenate(ws) if ws else np.zeros(0)
    pts = gpd.GeoDataFrame({"population": w}, geometry=gpd.points_from_xy(x, y), crs=info.crs)
    return pts.to_crs(metric_crs)


@dataclass(frozen=True)
class RasterPopulation:
    """A population GeoTIFF (persons per cell) as the population of a coverage run.

    The same calls as :class:`ecogis.population_polygons.PolygonPopulation`, so the
    coverage engine and the proposals take either without asking which: people per
    zone, the audited area's figures with their checks, the notes to carry, and
    demand points.  Opening it reads the header, so a bad raster fails before any work.

    Examples
    --------
    >>> import numpy as np, rasterio, shapely, geopandas as gpd
    >>> from rasterio.transform import from_origin
    >>> import tempfile, os
    >>> path = os.path.join(tempfile.mkdtemp(), "pop.tif")
    >>> with rasterio.open(path, "w", driver="GTiff", width=10, height=10, count=1, dtype="float32",
    ...                    crs="EPSG:4547", transform=from_origin(500000, 3700000, 100, 100)) as dst:
    ...     dst.write(np.full((1, 10, 10), 2.0, dtype="float32"))
    >>> pop = RasterPopulation(path)
    >>> half = shapely.box(500000, 3699000, 500500, 3700000)
    >>> float(pop.zonal_population(gpd.GeoSeries([half], crs=4547))[0])
    100.0
    """

    path: Path

    def __post_init__(self) -> None:
        object.__setattr__(self, "path", Path(self.path))
        raster_info(self.path)  # fail early on a bad raster

    def __str__(self) -> str:
        return str(self.path)

    @property
    def label(self) -> str:
        """How messages name it."""
        return f"raster 'population' ({self.path.name})"

    def zonal_population(self, zones: gpd.GeoSeries, *, progress: bool | None = None) -> np.ndarray:
        """People inside each zone (:func:`zonal_population`)."""
        return zonal_population(self.path, zones, progress=progress)

    def audit_warnings(self, area: shapely.Geometry, crs: Any) -> list[str]:
        """Notes a result must carry before measuring: none for a raster (its checks are in :meth:`area_figures`)."""
        return []

    def area_figures(self, area: shapely.Geometry, crs: Any, *,
                     progress: bool | None = None) -> tuple[float, list[str], dict[str, Any]]:
        """The audited area's people, the warnings of the raster checks, and their metrics.

        ``population_raster_share`` is the share of the area the raster covers (< 1: the
        figures are lower bounds, see the warning); ``population_invalid_cells`` the cells
        that hold no count of people (counted as 0).
        """
        checked = zonal_population_checked(self.path, gpd.GeoSeries([area], crs=crs), progress=progress,
                                           label="the audited area")
        return (float(checked.population[0]), list(checked.warnings),
                {"population_raster_share": float(checked.raster_share[0]),
                 "population_invalid_cells": int(checked.invalid_cells[0])})

    def demand_points(self, zone: shapely.Geometry, crs: Any, *, spacing_m: float) -> gpd.GeoDataFrame:
        """The people of ``zone`` as weighted cell centres (:func:`demand_points`; ``spacing_m`` is the raster's)."""
        return demand_points(self.path, gpd.GeoSeries([zone], crs=crs), metric_crs=crs)
