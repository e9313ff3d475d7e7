"""Population per polygon: ecogis against exactextract (the field's exact fractional-coverage tool), one run.

On a 10,001,406-cell population raster (the raster of ``benchmarks/coverage.py``: 3,162 x 3,163 cells of
12.5 m over a 1,500 km2 area, tiled, deflate) the two ways count

1. the people in the audited area (one polygon of 720 vertices), and
2. the people in each gap polygon of a 20,000-stop buffer coverage (what ``stop_coverage`` counts),

in turns in one process (so a slow spell of the shared machine slows both alike), each keeping its best
and median of several runs; plus reading the raster and summing it (the floor of any method).  The peak
resident memory of each way is measured in a fresh child process.  The populations must agree within
1e-6 relative (the target of issue 17).

Run:  python benchmarks/population.py            (about a minute on 2 cores)
      python benchmarks/population.py --quick    (a 1-million-cell raster, a smoke test)
"""

from __future__ import annotations

import argparse
import concurrent.futures as cf
import multiprocessing as mp
import resource
import statistics
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

CRS = "EPSG:4547"
X0, Y0 = 500_000.0, 3_700_000.0


def _peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0


def _area(target_km2: float):
    import shapely

    t = np.linspace(0, 2 * np.pi, 720, endpoint=False)
    shape = 1 + 0.15 * np.sin(3 * t) + 0.08 * np.cos(7 * t)
    poly = shapely.Polygon(np.column_stack([np.cos(t) * shape, np.sin(t) * shape]))
    scale = np.sqrt(target_km2 * 1e6 / poly.area)
    return shapely.Polygon(np.column_stack([X0 + scale * np.cos(t) * shape, Y0 + scale * np.sin(t) * shape]))


def _write_raster(path: Path, km2: float, cells: int) -> dict:
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


def _inputs(tmp: str, km2: float, cells: int, n_stops: int):
    import geopandas as gpd
    import shapely

    from ecogis.coverage import stop_coverage

    path = Path(tmp) / "pop.tif"
    info = _write_raster(path, km2, cells)
    area = gpd.GeoDataFrame(geometry=[_area(km2)], crs=CRS)
    rng = np.random.default_rng(0)
    half = np.sqrt(km2 * 1e6) * 0.68
    centres = rng.uniform(-0.8 * half, 0.8 * half, (60, 2))
    xy = centres[rng.integers(0, 60, n_stops)] + rng.normal(0, 0.1 * half, (n_stops, 2)) + [X0, Y0]
    stops = gpd.GeoDataFrame(geometry=shapely.points(xy), crs=CRS)
    gaps = stop_coverage(stops, area, radius_m=500.0).layers["gaps"][["geometry"]].reset_index(drop=True)
    return path, info, area, gaps


def _ways(path: Path, area, gaps) -> dict:
    import rasterio
    from exactextract import exact_extract

    from ecogis.population import zonal_population

    def ee(zones) -> np.ndarray:
        got = exact_extract(str(path), zones, "sum", output="pandas")
        return got["sum"].to_numpy(dtype=float)

    def read_sum() -> float:
        with rasterio.open(path) as src:
            total = 0.0
            for _, win in src.block_windows(1):
                v = src.read(1, window=win, masked=True)
                total += float(v.sum())
            return total

    return {
        "ecogis_area": lambda: zonal_population(path, area),
        "exactextract_area": lambda: ee(area),
        "ecogis_gaps": lambda: zonal_population(path, gaps),
        "exactextract_gaps": lambda: ee(gaps),
        "read_sum": read_sum,
    }


def case_times(km2: float, cells: int, n_stops: int, repeats: int) -> dict:
    with tempfile.TemporaryDirectory() as tmp:
        path, info, area, gaps = _inputs(tmp, km2, cells, n_stops)
        ways = _ways(path, area, gaps)
        times: dict[str, list[float]] = {k: [] for k in ways}
        values: dict[str, object] = {}
        for _ in range(repeats):
            for k, fn in ways.items():  # in turns
                t0 = time.perf_counter()
                values[k] = fn()
                times[k].append(time.perf_counter() - t0)
        return {"times": times, "values": values, "cells": info["width"] * info["height"], "cell_m": info["cell_m"],
                "gaps": len(gaps)}


def case_memory(km2: float, cells: int, n_stops: int, way: str) -> float:
    with tempfile.TemporaryDirectory() as tmp:
        path, _info, area, gaps = _inputs(tmp, km2, cells, n_stops)
        before = _peak_mb()
        _ways(path, area, gaps)[way]()
        return max(_peak_mb() - before, 0.0), _peak_mb()


def _run(fn, *args):
    with cf.ProcessPoolExecutor(max_workers=1, mp_context=mp.get_context("spawn")) as ex:
        return ex.submit(fn, *args).result()


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="a 1-million-cell raster (smoke test)")
    ap.add_argument("--repeats", type=int, default=None)
    args = ap.parse_args(argv)
    km2, cells, n_stops = (1500.0, 10_001_406, 20_000) if not args.quick else (150.0, 1_000_000, 2_000)
    reps = args.repeats or (5 if not args.quick else 3)
    import exactextract
    import rasterio
    import shapely

    print(f"ecogis population benchmark: exactextract {exactextract.__version__}, rasterio {rasterio.__version__} "
          f"(GDAL {rasterio.__gdal_version__}), shapely {shapely.__version__}, python {sys.version.split()[0]}")
    res = _run(case_times, km2, cells, n_stops, reps)
    t, v = res["times"], res["values"]
    print(f"raster {res['cells']:,} cells of {res['cell_m']:.2f} m; {res['gaps']:,} gap polygons; each way "
          f"{reps} runs in turns in one process (best / median)")
    ok = True
    for what, label in (("area", "audited area (1 polygon)"), ("gaps", f"{res['gaps']:,} gap polygons")):
        e, x = t[f"ecogis_{what}"], t[f"exactextract_{what}"]
        ve = np.asarray(v[f"ecogis_{what}"], dtype=float)
        vx = np.asarray(v[f"exactextract_{what}"], dtype=float)
        with np.errstate(invalid="ignore", divide="ignore"):
            rel = np.abs(ve - vx) / np.maximum(np.abs(vx), 1e-300)
        rel = rel[np.abs(vx) > 0]
        worst = float(rel.max()) if rel.size else 0.0
        total_rel = abs(ve.sum() / vx.sum() - 1.0) if vx.sum() else 0.0
        peak_e = _run(case_memory, km2, cells, n_stops, f"ecogis_{what}")
        peak_x = _run(case_memory, km2, cells, n_stops, f"exactextract_{what}")
        ratio_best = min(x) / min(e)
        ratio_med = statistics.median(x) / statistics.median(e)
        print(f"  {label}: ecogis {min(e):.2f} / {statistics.median(e):.2f} s, exactextract {min(x):.2f} / "
              f"{statistics.median(x):.2f} s: ecogis {ratio_best:.2f}x / {ratio_med:.2f}x as fast "
              f"(>1 = faster); populations differ by at most {worst:.1e} relative (total {total_rel:.1e}); "
              f"peak RSS ecogis +{peak_e[0]:.0f} MB (process {peak_e[1]:.0f} MB), exactextract +{peak_x[0]:.0f} MB "
              f"(process {peak_x[1]:.0f} MB)")
        ok &= worst <= 1e-6
        if ratio_med < 1.0 and not args.quick:
            ok = False
            print(f"    target: at least as fast as exactextract: NOT met ({ratio_med:.2f}x)")
    r = t["read_sum"]
    print(f"  reading and summing the whole raster (the floor): {min(r):.2f} / {statistics.median(r):.2f} s; "
          f"ecogis area / read = {min(t['ecogis_area']) / min(r):.1f}x")
    print("\nall targets met" if ok else "\nsome target NOT met (see above)")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
