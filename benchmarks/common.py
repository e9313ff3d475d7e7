"""The harness the scripts in ``benchmarks/`` share: peak memory, fresh child processes, ways timed in turns,
the synthetic area, stops, street grid and population raster, the version header and the argument parser.

Peak memory is the high-water mark of the process's *own* address space (``VmHWM`` in
``/proc/self/status`` on Linux), not ``getrusage().ru_maxrss``: Linux carries a parent's
``ru_maxrss`` across fork and exec, so a child spawned by a 800 MB parent reports at least
800 MB however little it uses itself.  ``VmHWM`` belongs to the memory map that ``exec``
creates, so it starts from zero in every spawned child.  Elsewhere ``ru_maxrss`` is the
fallback (kilobytes, bytes on macOS).
"""

from __future__ import annotations

import argparse
import concurrent.futures as cf
import gc
import multiprocessing as mp
import resource
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

__all__ = [
    "CRS",
    "LAYOUT_CRS",
    "X0",
    "Y0",
    "bench_parser",
    "as_lonlat",
    "grid_roads",
    "machine",
    "peak_during",
    "peak_mb",
    "run_in_child",
    "synthetic_area",
    "synthetic_stops",
    "times_in_turns",
    "verdict",
    "versions",
    "write_population_raster",
]

#: the projected CRS of every synthetic layer (CGCS2000 / 3-degree Gauss-Kruger CM 114E)
CRS = "EPSG:4547"
#: the centre of the synthetic layers, in ``CRS`` metres
X0, Y0 = 500_000.0, 3_700_000.0

#: the synthetic layouts in metres read as a Lambert azimuthal equal-area projection centred on (X0, Y0)
#: (114E, 33.43N, near EPSG:4547's origin): where a national layer is laid out before it is stored in
#: longitude/latitude, as a national user has it; areas in it are true, so 750,000 km2 stay 750,000 km2
LAYOUT_CRS = "+proj=laea +lat_0=33.43 +lon_0=114 +x_0=500000 +y_0=3700000 +ellps=GRS80 +units=m +no_defs"

_STATUS = Path("/proc/self/status")


def _hwm_kb() -> float | None:
    """``VmHWM`` of this process in kB, or None where /proc does not give it."""
    try:
        for line in _STATUS.read_text().splitlines():
            if line.startswith("VmHWM:"):
                return float(line.split()[1])
    except OSError:
        pass
    return None


def peak_mb() -> float:
    """Peak resident memory of this process so far, in MB (its own, not inherited from its parent)."""
    kb = _hwm_kb()
    if kb is not None:
        return kb / 1024.0
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return rss / 1024.0 / (1024.0 if sys.platform == "darwin" else 1.0)


def _reset_peak() -> bool:
    """Set this process's peak back to its current resident memory (Linux); False where that is not possible."""
    try:
        with open("/proc/self/clear_refs", "w") as f:
            f.write("5")
        return True
    except OSError:
        return False


def peak_during(fn: Callable[[], Any]) -> tuple[float, float]:
    """Run ``fn()`` once; return (MB its peak rose above the memory resident when it started, process peak MB).

    Where the peak cannot be reset, the first figure is the rise of the process's peak (a lower bound).
    """
    before = peak_mb()
    if _reset_peak():
        before = peak_mb()  # now the resident memory at the start
    fn()
    after = peak_mb()
    return max(after - before, 0.0), after


def run_in_child(fn: Callable[..., Any], *args: Any) -> Any:
    """``fn(*args)`` in a fresh spawned process (so its peak memory is its own); returns its result."""
    with cf.ProcessPoolExecutor(max_workers=1, mp_context=mp.get_context("spawn")) as ex:
        return ex.submit(fn, *args).result()


def times_in_turns(ways: dict[str, Callable[[], Any]], repeats: int, *,
                   max_runs: dict[str, int] | None = None,
                   collect: bool = False) -> tuple[dict[str, list[float]], dict[str, Any]]:
    """Run every way once per round, ``repeats`` rounds, in one process (a slow spell slows all alike).

    ``max_runs`` caps the timed runs of a slow way.  ``collect``: a full garbage collection (not timed)
    before each run, so that no way pays for the collector's passes over what another left.  Returns the
    wall times of each way (seconds, in order) and the result of each way's last run.
    """
    cap = max_runs or {}
    times: dict[str, list[float]] = {k: [] for k in ways}
    values: dict[str, Any] = {}
    for _ in range(repeats):
        for k, fn in ways.items():
            if len(times[k]) >= cap.get(k, repeats):
                continue
            if collect:
                values.pop(k, None)  # the last run's result goes first
                gc.collect()
            t0 = time.perf_counter()
            values[k] = fn()
            times[k].append(time.perf_counter() - t0)
    return times, values


def synthetic_area(target_km2: float):
    """A wavy 720-vertex polygon of ``target_km2`` around (X0, Y0) (a shapely Polygon in CRS)."""
    import shapely

    t = np.linspace(0, 2 * np.pi, 720, endpoint=False)
    shape = 1 + 0.15 * np.sin(3 * t) + 0.08 * np.cos(7 * t)
    poly = shapely.Polygon(np.column_stack([np.cos(t) * shape, np.sin(t) * shape]))
    scale = np.sqrt(target_km2 * 1e6 / poly.area)
    return shapely.Polygon(np.column_stack([X0 + scale * np.cos(t) * shape, Y0 + scale * np.sin(t) * shape]))


def synthetic_stops(layout: str, n: int, half: float, seed: int = 0) -> np.ndarray:
    """``n`` stop coordinates (n x 2) within ``half`` m of (X0, Y0): ``"uniform"`` or else 60 clustered centres."""
    rng = np.random.default_rng(seed)
    if layout == "uniform":
        xy = rng.uniform(-half, half, (n, 2))
    else:
        centres = rng.uniform(-0.8 * half, 0.8 * half, (60, 2))
        xy = centres[rng.integers(0, 60, n)] + rng.normal(0, 0.1 * half, (n, 2))
    return xy + [X0, Y0]


def grid_roads(nx: int, ny: int, spacing: float, seed: int = 1):
    """A jittered ``nx`` x ``ny`` street grid of ``spacing`` m blocks: (GeoDataFrame of segments, its bounds)."""
    import geopandas as gpd
    import shapely

    rng = np.random.default_rng(seed)
    gx, gy = np.meshgrid(np.arange(nx) * spacing, np.arange(ny) * spacing)
    gx = gx + rng.normal(0, spacing * 0.08, gx.shape) + X0 - nx * spacing / 2
    gy = gy + rng.normal(0, spacing * 0.08, gy.shape) + Y0 - ny * spacing / 2
    a = np.column_stack([gx[:, :-1].ravel(), gy[:, :-1].ravel()])
    b = np.column_stack([gx[:, 1:].ravel(), gy[:, 1:].ravel()])
    c = np.column_stack([gx[:-1, :].ravel(), gy[:-1, :].ravel()])
    d = np.column_stack([gx[1:, :].ravel(), gy[1:, :].ravel()])
    lines = shapely.linestrings(np.stack([np.vstack([a, c]), np.vstack([b, d])], axis=1))
    return gpd.GeoDataFrame(geometry=lines, crs=CRS), (gx.min(), gy.min(), gx.max(), gy.max())


def write_population_raster(path: Path, km2: float, cells: int) -> dict:
    """Write a tiled, deflated float32 GeoTIFF of about ``cells`` cells of people per cell over a square a
    little beyond ``synthetic_area(km2)``; returns its ``width``, ``height`` and ``cell_m``."""
    import rasterio
    from rasterio.transform import from_origin
    from rasterio.windows import Window

    side = np.sqrt(km2 * 1e6) * 1.02  # a little beyond the area
    width = int(np.sqrt(cells))
    height = int(np.ceil(cells / width))
    cell = side / width
    x0, y0 = X0 - side / 2, Y0 + side / 2
    profile = {"driver": "GTiff", "width": width, "height": height, "count": 1, "dtype": "float32", "crs": CRS,
               "transform": from_origin(x0, y0, cell, cell), "nodata": -9999.0, "tiled": True, "blockxsize": 512,
               "blockysize": 512, "compress": "deflate"}
    rng = np.random.default_rng(3)
    with rasterio.open(path, "w", **profile) as dst:
        for r in range(0, height, 512):
            h = min(512, height - r)
            yy = y0 - (r + np.arange(h) + 0.5)[:, None] * cell
            xx = x0 + (np.arange(width) + 0.5)[None, :] * cell
            dens = 40.0 * np.exp(-np.hypot(xx - X0, yy - Y0) / 8000.0) + rng.random((h, width)) * 2.0
            dst.write(dens.astype("float32")[None], window=Window(0, r, width, h))
    return {"width": width, "height": height, "cell_m": cell}


def as_lonlat(gdf):
    """A synthetic layer (coordinates in metres about (X0, Y0)) as a national user has it: the metres read
    in :data:`LAYOUT_CRS`, stored in EPSG:4490 longitude/latitude (CGCS2000)."""
    return gdf.set_crs(LAYOUT_CRS, allow_override=True).to_crs("EPSG:4490")


def machine() -> str:
    """``"2 cores, 23.5 GiB RAM, load average 3.1 2.9 2.7"`` (Linux; what it can tell elsewhere)."""
    import os

    cores = os.cpu_count() or 0
    ram = "RAM unknown"
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                ram = f"{float(line.split()[1]) / 1024 ** 2:.1f} GiB RAM"
    except OSError:
        pass
    try:
        load = " ".join(f"{v:.2f}" for v in os.getloadavg())
    except OSError:
        load = "unknown"
    return f"{cores} cores, {ram}, load average {load}"


def versions(*names: str) -> str:
    """``"shapely 2.1 (GEOS 3.13), rasterio 1.4 (GDAL 3.10), ..., python 3.11"`` for the named modules."""
    import importlib

    parts = []
    for name in names:
        mod = importlib.import_module(name)
        extra = {"shapely": lambda m: f" (GEOS {m.geos_version_string})",
                 "rasterio": lambda m: f" (GDAL {m.__gdal_version__})"}.get(name, lambda m: "")(mod)
        parts.append(f"{name} {mod.__version__}{extra}")
    return ", ".join([*parts, f"python {sys.version.split()[0]}"])


def bench_parser(doc: str | None, quick_help: str | None = None) -> argparse.ArgumentParser:
    """The parser every script starts from: the first line of ``doc`` and ``--quick`` (a smoke test)."""
    ap = argparse.ArgumentParser(description=doc.splitlines()[0] if doc else None)
    ap.add_argument("--quick", action="store_true", help=quick_help)
    return ap


def verdict(ok: bool) -> int:
    """Print whether every target was met; the exit code (0 when met)."""
    print("\nall targets met" if ok else "\nsome target NOT met (see above)")
    return 0 if ok else 1
