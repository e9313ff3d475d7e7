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

import statistics
import sys
import tempfile
from pathlib import Path

import numpy as np
from common import (
    CRS,
    bench_parser,
    peak_during,
    run_in_child,
    synthetic_area,
    synthetic_stops,
    times_in_turns,
    verdict,
    versions,
    write_population_raster,
)


def _inputs(tmp: str, km2: float, cells: int, n_stops: int):
    import geopandas as gpd
    import shapely

    from ecogis.coverage import stop_coverage

    path = Path(tmp) / "pop.tif"
    info = write_population_raster(path, km2, cells)
    area = gpd.GeoDataFrame(geometry=[synthetic_area(km2)], crs=CRS)
    xy = synthetic_stops("clustered", n_stops, np.sqrt(km2 * 1e6) * 0.68, seed=0)
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
        times, values = times_in_turns(_ways(path, area, gaps), repeats)
        return {"times": times, "values": values, "cells": info["width"] * info["height"], "cell_m": info["cell_m"],
                "gaps": len(gaps)}


def case_memory(km2: float, cells: int, n_stops: int, way: str) -> tuple[float, float]:
    """(MB the way adds, peak MB of its process), in a fresh process."""
    with tempfile.TemporaryDirectory() as tmp:
        path, _info, area, gaps = _inputs(tmp, km2, cells, n_stops)
        return peak_during(lambda: _ways(path, area, gaps)[way]())


def main(argv: list[str] | None = None) -> int:
    ap = bench_parser(__doc__, "a 1-million-cell raster (smoke test)")
    ap.add_argument("--repeats", type=int, default=None)
    args = ap.parse_args(argv)
    km2, cells, n_stops = (1500.0, 10_001_406, 20_000) if not args.quick else (150.0, 1_000_000, 2_000)
    reps = args.repeats or (5 if not args.quick else 3)
    print(f"ecogis population benchmark: {versions('exactextract', 'rasterio', 'shapely')}")
    res = run_in_child(case_times, km2, cells, n_stops, reps)
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
        peak_e = run_in_child(case_memory, km2, cells, n_stops, f"ecogis_{what}")
        peak_x = run_in_child(case_memory, km2, cells, n_stops, f"exactextract_{what}")
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
    return verdict(ok)


if __name__ == "__main__":
    sys.exit(main())
