"""Speed of ecogis stop coverage at city-to-province scale, measured in one run.

Prints, for each case, the wall time, the ratio to its budget or to the naive way,
and the peak resident memory of the process that ran it (each case runs in a fresh
child process, so the peaks do not mix):

1. buffer method, 20,000 stops over a ~1,500 km2 area, against the naive geopandas
   way (buffer each stop, union_all, intersect with the area), for two stop layouts
   (uniform "dense city" and 60 clustered centres); area agreement in %.  The
   figures (``covered_area``) are what the naive way computes; ``stop_coverage``
   also builds the gap polygons, timed against the naive way plus
   ``area.difference(union)``.  All ways run in turns in one process (so a slow
   spell of the machine slows them alike), each keeping its best of several runs;
2. population share on a 10-million-cell population raster (< 30 s);
3. network method on a 100,000-edge street graph (< 20 s);
4. (``--scale``) the gap polygons at province and national scale: 40,000 stops over
   30,000 km2 against ``covered_area`` and the naive way (target: at most 3x
   ``covered_area``), 200,000 stops over 150,000 km2 (< 30 s) on a dask LocalCluster of 1
   and 2 worker processes (>= 1.6x), 1,000,000 stops over 750,000 km2 with 16 districts
   (< 5 minutes, < 4 GB peak; with the default arcs and with ``arc_step_deg=11.25``), each
   with its peer measured in the same run.

Run:  python benchmarks/coverage.py            (about a minute on 2 cores)
      python benchmarks/coverage.py --quick    (smaller sizes, a smoke test)
      python benchmarks/coverage.py --scale    (section 4 only, 10-15 minutes)
"""

from __future__ import annotations

import functools
import resource
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
from common import (
    CRS,
    as_lonlat,
    bench_parser,
    grid_roads,
    peak_mb,
    run_in_child,
    synthetic_area,
    synthetic_stops,
    times_in_turns,
    verdict,
    versions,
    write_population_raster,
)


def _buffer_inputs(layout: str, n: int, km2: float):
    import geopandas as gpd
    import shapely

    area = gpd.GeoDataFrame(geometry=[synthetic_area(km2)], crs=CRS)
    xy = synthetic_stops(layout, n, np.sqrt(km2 * 1e6) * 0.68)
    return gpd.GeoDataFrame(geometry=shapely.points(xy), crs=CRS), area


def _buffer_ways(stops, area) -> dict:
    """The four ways timed: the naive way (covered area; and with its gaps) and ecogis's two functions."""
    import shapely

    from ecogis.coverage import covered_area, stop_coverage

    A = area.geometry.iloc[0]

    def naive(quad_segs: int = 16) -> float:
        return stops.buffer(500.0, quad_segs=quad_segs).union_all().intersection(A).area

    def naive_gaps() -> tuple[float, int]:
        union = stops.buffer(500.0, quad_segs=16).union_all()
        return union.intersection(A).area, len(shapely.get_parts(A.difference(union)))

    return {"naive": naive, "naive_gaps": naive_gaps, "naive64": lambda: naive(64),
            "ecogis": lambda: covered_area(stops, area, radius_m=500.0),
            "ecogis_gaps": lambda: stop_coverage(stops, area, radius_m=500.0)}


def case_buffer(layout: str, n: int, km2: float, repeats: int) -> dict:
    """Time the naive way and ecogis in turns, in one process, so both see the same machine state.

    Each way runs once untimed, then ``repeats`` rounds run every way once (the slow
    64-segment naive way twice in all); the best time of each way is kept.
    """
    stops, area = _buffer_inputs(layout, n, km2)
    ways = _buffer_ways(stops, area)
    out = {name: fn() for name, fn in ways.items()}  # warm-up, and the results
    times, _ = times_in_turns(ways, repeats, max_runs={"naive64": 2})
    best = {name: min(t) for name, t in times.items()}
    full = out["ecogis_gaps"]
    return {"seconds": best, "naive_m2": out["naive"], "naive64_m2": out["naive64"],
            "naive_gaps": out["naive_gaps"][1], "ecogis_m2": out["ecogis"]["covered_area_m2"],
            "area_share": out["ecogis"]["area_share"], "full_m2": full.metrics["covered_area_m2"],
            "gaps": full.metrics["uncovered"]}


def case_triangulation(n: int, km2: float, repeats: int) -> dict:
    """The Delaunay triangulation of ``n`` clustered stops: ecogis's (GEOS's, checked) against scipy's Qhull.

    In turns in one process, the points centred as :class:`ecogis.discs.VoronoiCells` centres them;
    the two must give the same triangles.
    """
    from scipy.spatial import Delaunay

    from ecogis.delaunay import GEOS_FEWEST_POINTS, GEOS_MOST_POINTS, delaunay

    xy = synthetic_stops("clustered", n, np.sqrt(km2 * 1e6) * 0.68)
    pts = xy - xy.mean(axis=0)
    ways = {"ecogis": lambda: delaunay(pts), "qhull": lambda: Delaunay(pts)}
    times, out = times_in_turns(ways, repeats, collect=True)
    mine = np.sort(out["ecogis"].simplices, axis=1)
    theirs = np.sort(out["qhull"].simplices, axis=1)
    same = mine.shape == theirs.shape and np.array_equal(mine[np.lexsort(mine.T[::-1])],
                                                         theirs[np.lexsort(theirs.T[::-1])])
    return {"seconds": {k: min(v) for k, v in times.items()}, "source": out["ecogis"].source,
            "geos_fewest": GEOS_FEWEST_POINTS, "geos_most": GEOS_MOST_POINTS,
            "triangles": len(mine), "same": bool(same), "peak_mb": peak_mb()}


def case_buffer_memory(layout: str, n: int, km2: float, way: str) -> float:
    """Peak resident memory (MB) of a fresh process that runs one way once."""
    stops, area = _buffer_inputs(layout, n, km2)
    _buffer_ways(stops, area)[way]()
    return peak_mb()


def case_population(n: int, km2: float, cells: int) -> dict:
    import geopandas as gpd
    import shapely

    from ecogis.coverage import stop_coverage
    from ecogis.population import zonal_population

    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "pop.tif"
        info = write_population_raster(path, km2, cells)
        area = gpd.GeoDataFrame(geometry=[synthetic_area(km2)], crs=CRS)
        xy = synthetic_stops("clustered", n, np.sqrt(km2 * 1e6) * 0.68)
        stops = gpd.GeoDataFrame(geometry=shapely.points(xy), crs=CRS)
        t0 = time.perf_counter()
        total = float(zonal_population(path, area)[0])
        t_zonal = time.perf_counter() - t0
        t0 = time.perf_counter()
        r = stop_coverage(stops, area, radius_m=500.0, population=path)
        dt = time.perf_counter() - t0
    return {"seconds": dt, "zonal_seconds": t_zonal, "cells": info["width"] * info["height"],
            "cell_m": info["cell_m"], "population_total": total, "population_share": r.metrics["population_share"],
            "area_share": r.metrics["area_share"], "peak_mb": peak_mb()}


def case_network(nx: int, ny: int, n_stops: int) -> dict:
    import geopandas as gpd
    import shapely

    from ecogis.coverage import stop_coverage
    from ecogis.network import network_catchment, reached_streets, walk_graph

    roads, (minx, miny, maxx, maxy) = grid_roads(nx, ny, 100.0)
    area = gpd.GeoDataFrame(geometry=[shapely.box(minx, miny, maxx, maxy)], crs=CRS)
    rng = np.random.default_rng(5)
    xy = np.column_stack([rng.uniform(minx, maxx, n_stops), rng.uniform(miny, maxy, n_stops)])
    stops = gpd.GeoDataFrame(geometry=shapely.points(xy), crs=CRS)
    t0 = time.perf_counter()
    r = stop_coverage(stops, area, radius_m=500.0, method="network", roads=roads)
    dt = time.perf_counter() - t0
    # breakdown (a second run of the steps)
    t1 = time.perf_counter()
    g = walk_graph(roads)
    t2 = time.perf_counter()
    reached = reached_streets(g, xy, radius_m=500.0)
    t3 = time.perf_counter()
    network_catchment(reached, access_width_m=50.0)
    t4 = time.perf_counter()
    return {"seconds": dt, "edges": len(roads), "stops": n_stops, "area_share": r.metrics["area_share"],
            "network_to_buffer_ratio": r.metrics["network_to_buffer_ratio"], "graph_s": t2 - t1,
            "dijkstra_cut_s": t3 - t2, "buffer_union_s": t4 - t3, "peak_mb": peak_mb()}


def _districts(area, k: int = 4):
    """``k`` x ``k`` rectangular districts over the area's box."""
    import geopandas as gpd
    import shapely

    minx, miny, maxx, maxy = area.total_bounds
    xs, ys = np.linspace(minx, maxx, k + 1), np.linspace(miny, maxy, k + 1)
    boxes = [shapely.box(xs[i], ys[j], xs[i + 1], ys[j + 1]) for i in range(k) for j in range(k)]
    return gpd.GeoDataFrame({"name": [f"D{i:02d}" for i in range(len(boxes))]}, geometry=boxes, crs=area.crs)


#: arcs of this many degrees (32 vertices a circle) leave little drawing: the time left is the walk, merge and catchment
COARSE_STEP_DEG = 11.25


def case_scale(n: int, km2: float, repeats: int, naive: bool, workers: bool, coarse: bool = False) -> dict:
    """Gaps at province scale: stop_coverage against covered_area (and the naive way), in turns in one process.

    With ``workers``, also stop_coverage on a dask LocalCluster of 1 and of 2 worker processes
    (one thread each), in turns; the numbers must be the same bit for bit.  With ``coarse``, also
    stop_coverage with arcs of :data:`COARSE_STEP_DEG` (the same gaps, an eighth of the vertices):
    what the gaps cost beyond drawing their outlines, and how far each gap's area moves (``coarse_gap_rel``).
    """
    from ecogis.coverage import covered_area, stop_coverage

    stops, area = _buffer_inputs("clustered", n, km2)
    ways = {"covered_area": lambda: covered_area(stops, area, radius_m=500.0),
            "stop_coverage": lambda: stop_coverage(stops, area, radius_m=500.0)}
    if coarse:
        ways["stop_coverage_coarse"] = functools.partial(stop_coverage, stops, area, radius_m=500.0,
                                                         arc_step_deg=COARSE_STEP_DEG)
    if naive:
        A = area.geometry.iloc[0]

        def naive_gaps():
            union = stops.buffer(500.0, quad_segs=16).union_all()
            return union.intersection(A).area, A.difference(union)
        ways["naive"] = naive_gaps
    clusters = {}
    if workers:
        import dask
        from distributed import LocalCluster

        for k in (1, 2):
            with dask.config.set({"distributed.nanny.pre-spawn-environ": _worker_environ()}):
                clusters[k] = LocalCluster(n_workers=k, threads_per_worker=1, processes=True, dashboard_address=":0",
                                           silence_logs=40)
            ways[f"workers{k}"] = functools.partial(stop_coverage, stops, area, radius_m=500.0,
                                                    scheduler=clusters[k].scheduler_address)
    try:
        out = {name: fn() for name, fn in ways.items()}  # warm-up, and the results
        times, _ = times_in_turns(ways, repeats, max_runs={"naive": 1})  # once is enough: it is the slow one
        best = {name: min(t) for name, t in times.items()}
    finally:
        for c in clusters.values():
            c.close()
    full = out["stop_coverage"]
    res = {"seconds": best, "covered_m2": out["covered_area"]["covered_area_m2"],
           "full_m2": full.metrics["covered_area_m2"], "gaps": full.metrics["uncovered"],
           "gap_m2": full.metrics["gap_area_m2"], "serving": full.metrics["stops_serving_area"],
           "peak_mb": peak_mb()}
    if naive:
        res["naive_m2"] = out["naive"][0]
    if workers:
        res["same_on_workers"] = all(out[f"workers{k}"].metrics == full.metrics for k in (1, 2))
    if coarse:
        res["coarse_gap_rel"] = _gap_area_rel(full, out["stop_coverage_coarse"])
    return res


def _gap_area_rel(a, b) -> float:
    """Largest relative difference of the sorted gap areas of two ``stop_coverage`` results (inf: not as many gaps)."""
    import shapely

    x, y = (np.sort(shapely.area(np.asarray(r.layers["gaps"].geometry.values))) for r in (a, b))
    return float(np.max(np.abs(x - y) / x)) if x.size == y.size and x.size else (0.0 if x.size == y.size else np.inf)


def serial_and_parallel(one: float, two: float) -> tuple[float, float]:
    """Amdahl's split of a run of ``one`` s on 1 worker, ``two`` s on 2: (the part not faster, the part halved).

    With ``one = S + P`` and ``two = S + P / 2``: ``P = 2 (one - two)``, ``S = 2 two - one``.
    2 workers are 1.6x faster than 1 only when ``P >= 3 S``.

    >>> serial_and_parallel(6.0, 4.0)
    (2.0, 4.0)
    """
    return 2.0 * two - one, 2.0 * (one - two)


def _worker_environ() -> dict:
    """dask's environment for worker processes without ``MALLOC_TRIM_THRESHOLD_``.

    dask sets it (65536) to hand memory back to the system sooner; setting it turns off
    glibc's adaptive mmap threshold, so every large numpy temporary is a fresh mmap and
    its pages fault in again (one process with it set: 30 % more CPU at 40,000 stops; the
    tiles on a worker took 13-16 s with it, 7-14 s without, under the same load).
    """
    import dask

    env = dict(dask.config.get("distributed.nanny.pre-spawn-environ", {}))
    env.pop("MALLOC_TRIM_THRESHOLD_", None)
    return env


def case_national(n: int, km2: float, way: str) -> dict:
    """One way, once, in a fresh process: seconds and peak resident memory.

    The process may use at most ``_NATIONAL_CAP_MB`` of address space (the machine is
    shared): beyond that the run stops with MemoryError, reported as such.
    """
    cap = _NATIONAL_CAP_MB * 1024 * 1024
    resource.setrlimit(resource.RLIMIT_AS, (cap, cap))
    # as a national user has them: longitude/latitude (EPSG:4490); ecogis picks the metric CRS (an
    # equal-area conic fitted to the area: 750,000 km2 span 14 degrees, several Gauss-Kruger zones)
    stops, area = (as_lonlat(g) for g in _buffer_inputs("clustered", n, km2))
    t0 = time.perf_counter()
    try:
        return _national(stops, area, way, t0)
    except MemoryError:
        return {"seconds": time.perf_counter() - t0, "peak_mb": peak_mb(), "memory_error": True}


#: address-space cap of the national run's process (MB)
_NATIONAL_CAP_MB = 9000


def _national(stops, area, way: str, t0: float) -> dict:
    from ecogis.coverage import covered_area, stop_coverage

    if way == "covered_area":
        r = covered_area(stops, area, radius_m=500.0)
        figures = {"covered_m2": r["covered_area_m2"]}
    else:
        step = {"stop_coverage": None, "stop_coverage_coarse": 11.25}[way]
        res = stop_coverage(stops, area, radius_m=500.0, districts=_districts(area), arc_step_deg=step)
        figures = {"covered_m2": res.metrics["covered_area_m2"], "gaps": res.metrics["uncovered"],
                   "districts": len(res.layers["districts_coverage"]), "area_share": res.metrics["area_share"],
                   "metric_crs": res.parameters.get("metric_crs", ""), "warnings": list(res.warnings)}
    seconds = time.perf_counter() - t0
    from pyproj import Geod

    figures["geodesic_area_m2"] = abs(Geod(ellps="GRS80").geometry_area_perimeter(area.geometry.iloc[0])[0])
    return {"seconds": seconds, "peak_mb": peak_mb(), **figures}


def scale_section(quick: bool, national_only: bool = False) -> bool:
    """4. gaps at province and national scale; True when every target is met."""
    ok = True
    n40, km40, n200, km200, n1m, km1m = (40_000, 30_000.0, 200_000, 150_000.0, 1_000_000, 750_000.0)
    if quick:
        n40, km40, n200, km200, n1m, km1m = (4_000, 3_000.0, 20_000, 15_000.0, 100_000, 75_000.0)
    print("\n4. gaps at scale (clustered stops, r = 500 m; ways in turns in one process after a warm-up: best of "
          "3 at 40,000, 1 at 200,000)")
    if national_only:
        return _national_cases(n1m, km1m, quick)
    res = run_in_child(case_scale, n40, km40, 3, True, False, True)
    t = res["seconds"]
    ratio = t["stop_coverage"] / t["covered_area"]
    print(f"  {n40:,} stops over {km40:,.0f} km2: stop_coverage with gaps {t['stop_coverage']:.2f} s = "
          f"{ratio:.1f}x covered_area ({t['covered_area']:.2f} s; target <= 3x); naive geopandas with its gaps "
          f"{t['naive']:.2f} s = {t['naive'] / t['stop_coverage']:.1f}x slower than stop_coverage; "
          f"{res['gaps']} gaps >= 2,500 m2; area vs naive {res['covered_m2'] / res['naive_m2'] - 1:+.4%}; "
          f"peak {res['peak_mb']:,.0f} MB (the process, all ways)")
    print(f"  {'':9s} with arcs of {COARSE_STEP_DEG} deg (an eighth of the vertices): "
          f"{t['stop_coverage_coarse']:.2f} s = {t['stop_coverage_coarse'] / t['covered_area']:.1f}x covered_area; "
          f"each gap's area within {res['coarse_gap_rel']:.1e} of the default arcs'")
    ok &= ratio <= 3.0 or quick
    res = run_in_child(case_scale, n200, km200, 1, False, True)
    t = res["seconds"]
    speedup = t["workers1"] / t["workers2"]
    print(f"  {n200:,} stops over {km200:,.0f} km2: stop_coverage with gaps {t['stop_coverage']:.2f} s "
          f"(target < 30 s) = {t['stop_coverage'] / t['covered_area']:.1f}x covered_area ({t['covered_area']:.2f} s); "
          f"{res['gaps']} gaps >= 2,500 m2; peak {res['peak_mb']:,.0f} MB (the client process)")
    serial, tiles = serial_and_parallel(t["workers1"], t["workers2"])
    print(f"  {'':9s} on a dask LocalCluster: 1 worker {t['workers1']:.2f} s, 2 workers {t['workers2']:.2f} s: "
          f"{speedup:.2f}x (target >= 1.6x); same numbers bit for bit: {res['same_on_workers']}; the part that "
          f"did not get faster {serial:.2f} s, the part that halved {tiles:.2f} s (1.6x needs the first at most a "
          f"third of the second)")
    ok &= (t["stop_coverage"] < 30.0 and speedup >= 1.6 and res["same_on_workers"]) or quick
    return ok & _national_cases(n1m, km1m, quick)


def _national_cases(n1m: int, km1m: float, quick: bool) -> bool:
    ok = True
    cov = run_in_child(case_national, n1m, km1m, "covered_area")
    # the default settings: past 20 million circle vertices the arcs get coarser (said in the warnings)
    for way in ("stop_coverage",):
        nat = run_in_child(case_national, n1m, km1m, way)
        arcs = [w.split("arcs of ")[1].split(" degrees")[0] for w in nat.get("warnings", []) if "arcs of " in w]
        label = "default settings" + (f", arcs of {arcs[0]} deg chosen" if arcs else ", default arcs")
        ok &= _national_line(n1m, km1m, label, nat, cov) or quick
        for w in nat.get("warnings", []):
            if "metric work in" in w:
                print(f"  {'':9s} {w}")
    return ok


def _national_line(n1m: int, km1m: float, label: str, nat: dict, cov: dict) -> bool:
    if nat.get("memory_error"):
        print(f"  {n1m:,} stops over {km1m:,.0f} km2 with gaps ({label}) and 16 districts: stopped by MemoryError "
              f"after {nat['seconds']:.1f} s at the {_NATIONAL_CAP_MB:,} MB address-space cap (peak resident "
              f"{nat['peak_mb']:,.0f} MB; target < 4,096 MB): NOT met; covered_area alone {cov['seconds']:.1f} s, "
              f"peak {cov['peak_mb']:,.0f} MB")
        return False
    print(f"  {n1m:,} stops over {km1m:,.0f} km2 with gaps ({label}) and 16 districts: {nat['seconds']:.1f} s "
          f"(target < 300 s), "
          f"peak {nat['peak_mb']:,.0f} MB (target < 4,096 MB); covered_area alone {cov['seconds']:.1f} s, peak "
          f"{cov['peak_mb']:,.0f} MB: {nat['seconds'] / cov['seconds']:.1f}x; {nat['gaps']:,} gaps >= 2,500 m2; "
          f"same covered area {nat['covered_m2'] / cov['covered_m2'] - 1:+.1e}")
    return nat["seconds"] < 300.0 and nat["peak_mb"] < 4096.0


def main(argv: list[str] | None = None) -> int:
    ap = bench_parser(__doc__, "small sizes (smoke test)")
    ap.add_argument("--scale", action="store_true", help="only section 4: gaps at province and national scale")
    ap.add_argument("--national", action="store_true", help="with --scale: only the 1,000,000-stop runs")
    args = ap.parse_args(argv)
    if args.scale:
        return verdict(scale_section(args.quick, args.national))
    n_stops, km2, cells, grid = (20_000, 1500.0, 10_000_000, (225, 224)) if not args.quick else \
        (2_000, 150.0, 1_000_000, (71, 71))
    print(f"ecogis coverage benchmark: {versions('shapely', 'geopandas')}")
    ok = True
    reps = 7 if not args.quick else 3
    print(f"\n1. buffer method: {n_stops:,} stops, {km2:,.0f} km2 area, r = 500 m (each way: best of {reps} "
          f"runs, taken in turns in one process)")
    for layout in ("uniform", "clustered"):
        res = run_in_child(case_buffer, layout, n_stops, km2, reps)
        t = res["seconds"]
        peak = {way: run_in_child(case_buffer_memory, layout, n_stops, km2, way)
                for way in ("naive", "ecogis", "ecogis_gaps")}
        agree = res["ecogis_m2"] / res["naive_m2"] - 1.0
        agree64 = res["ecogis_m2"] / res["naive64_m2"] - 1.0
        same = res["full_m2"] / res["ecogis_m2"] - 1.0
        ratio = t["naive"] / t["ecogis"]
        print(f"  {layout:9s} area figures: ecogis covered_area {t['ecogis'] * 1e3:.1f} ms, naive (buffer "
              f"16 segs/quarter, union_all, intersect) {t['naive'] * 1e3:.0f} ms: {ratio:.1f}x faster; "
              f"area share {res['area_share']:.4f}, area differs {agree:+.4%}; peak {peak['ecogis']:.0f} MB "
              f"(naive {peak['naive']:.0f} MB)")
        print(f"  {'':9s} naive at 64 segs/quarter (near ecogis's exact area) {t['naive64'] * 1e3:.0f} ms: "
              f"{t['naive64'] / t['ecogis']:.1f}x; area differs {agree64:+.4%}")
        print(f"  {'':9s} with the gap polygons: ecogis stop_coverage {t['ecogis_gaps'] * 1e3:.0f} ms "
              f"({res['gaps']} gaps of 2,500 m2 or more), naive + area.difference(union) "
              f"{t['naive_gaps'] * 1e3:.0f} ms ({res['naive_gaps']} pieces): "
              f"{t['naive_gaps'] / t['ecogis_gaps']:.1f}x; "
              f"same covered area as covered_area ({same:+.1e}); peak {peak['ecogis_gaps']:.0f} MB")
        ok &= abs(agree) < 1e-3
        if ratio < 10.0 and not args.quick:  # the target is set for the full size; --quick is a smoke test
            ok = False
            print(f"  {'':9s} target >= 10x faster than the naive way: NOT met ({ratio:.1f}x)")
    print(f"\n2. population: {cells:,}-cell raster, {n_stops:,} stops, buffer method")
    pop = run_in_child(case_population, n_stops, km2, cells)
    print(f"  raster {pop['cells']:,} cells of {pop['cell_m']:.1f} m; zonal total alone {pop['zonal_seconds']:.2f} s; "
          f"stop_coverage with population {pop['seconds']:.2f} s = {pop['seconds'] / 30.0:.0%} of the 30 s budget "
          f"(peak {pop['peak_mb']:.0f} MB); population share {pop['population_share']:.4f}, "
          f"area share {pop['area_share']:.4f}")
    ok &= pop["seconds"] < 30.0
    print(f"\n3. network method: {grid[0]}x{grid[1]} street grid")
    net = run_in_child(case_network, grid[0], grid[1], 3000 if not args.quick else 300)
    print(f"  {net['edges']:,} edges, {net['stops']:,} stops: stop_coverage(method='network') {net['seconds']:.2f} s "
          f"= {net['seconds'] / 20.0:.0%} of the 20 s budget (peak {net['peak_mb']:.0f} MB)")
    print(f"  steps: graph {net['graph_s']:.2f} s, multi-source Dijkstra + cut edges {net['dijkstra_cut_s']:.2f} s, "
          f"buffer + union {net['buffer_union_s']:.2f} s; area share {net['area_share']:.4f}, "
          f"network/buffer {net['network_to_buffer_ratio']:.3f}")
    ok &= net["seconds"] < 20.0
    return verdict(ok)


if __name__ == "__main__":
    sys.exit(main())
