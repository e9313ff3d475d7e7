"""Speed and agreement of the input readers against their peers, measured in one run.

1. GTFS: ``ecogis.read_gtfs_stops`` on a synthetic city feed (zipped) against gtfs-kit
   (``read_feed`` + ``get_stop_times(date)`` filtered to the window, the last stop of
   each trip dropped): departures per stop must agree exactly; wall times (best of
   several runs, the two taken in turns in one process) and their ratio; the peak
   memory of each in a fresh child process.
2. Population polygons: ``stop_coverage(population=<100 m polygon grid>)`` against the
   same grid as a GeoTIFF (``population=<tif>``) and against one GEOS intersection per
   cell (brute force): population share agreement and wall times.

Run:  python benchmarks/inputs.py            (about a minute on 2 cores; needs gtfs-kit)
      python benchmarks/inputs.py --quick    (smaller sizes, a smoke test)
"""

from __future__ import annotations

import sys
import tempfile
import time
import zipfile
from pathlib import Path

import numpy as np
from common import CRS, X0, Y0, bench_parser, peak_mb, run_in_child, times_in_turns

DATE = "2026-03-03"


def _hms(s: np.ndarray) -> np.ndarray:
    s = s.astype(int)
    return np.char.add(np.char.add(np.char.add(np.char.zfill((s // 3600).astype(str), 2), ":"),
                                   np.char.add(np.char.zfill((s % 3600 // 60).astype(str), 2), ":")),
                       np.char.zfill((s % 60).astype(str), 2))


def write_feed(path: Path, n_stops: int, n_routes: int, seed: int = 0) -> int:
    """A zipped feed: routes of 20-40 stops, trips every 5-30 min 05:00-25:00; returns the stop_times rows."""
    import pandas as pd

    rng = np.random.default_rng(seed)
    stops = pd.DataFrame({"stop_id": [f"S{i}" for i in range(n_stops)], "stop_name": [f"站{i}" for i in range(n_stops)],
                          "stop_lat": 33.5 + rng.uniform(0, 0.2, n_stops),
                          "stop_lon": 113.9 + rng.uniform(0, 0.3, n_stops)})
    trips, st = [], []
    for r in range(n_routes):
        seq = rng.choice(n_stops, size=int(rng.integers(20, 41)), replace=False)
        every = int(rng.choice([300, 600, 900, 1200, 1800]))
        starts = np.arange(5 * 3600 + int(rng.integers(0, every)), 25 * 3600, every)
        for k, t0 in enumerate(starts):
            tid = f"R{r}_{k}"
            trips.append((f"R{r}", "WK", tid))
            times = _hms(t0 + np.arange(len(seq)) * 90)
            st.append(pd.DataFrame({"trip_id": tid, "arrival_time": times, "departure_time": times,
                                    "stop_id": [f"S{i}" for i in seq], "stop_sequence": np.arange(1, len(seq) + 1)}))
    stop_times = pd.concat(st, ignore_index=True)
    tables = {
        "agency.txt": "agency_id,agency_name,agency_url,agency_timezone\nA,公交,http://x,Asia/Shanghai\n",
        "stops.txt": stops.to_csv(index=False),
        "routes.txt": pd.DataFrame({"route_id": [f"R{r}" for r in range(n_routes)],
                                    "route_short_name": [f"{r}路" for r in range(n_routes)],
                                    "route_type": 3}).to_csv(index=False),
        "trips.txt": pd.DataFrame(trips, columns=["route_id", "service_id", "trip_id"]).to_csv(index=False),
        "stop_times.txt": stop_times.to_csv(index=False),
        "calendar.txt": "service_id,monday,tuesday,wednesday,thursday,friday,saturday,sunday,start_date,end_date\n"
                        "WK,1,1,1,1,1,0,0,20260101,20261231\n",
    }
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, text in tables.items():
            zf.writestr(name, text)
    return len(stop_times)


def way_ecogis(feed: str) -> dict[str, int]:
    from ecogis.gtfs import read_gtfs_stops

    s = read_gtfs_stops(feed, date=DATE, start="07:00", end="19:00")
    return dict(zip(s["stop_id"], s["departures"].astype(int)))


def way_gtfs_kit(feed: str) -> dict[str, int]:
    import gtfs_kit as gk

    f = gk.read_feed(feed, dist_units="km")
    st = f.get_stop_times(DATE.replace("-", ""))
    st = st.sort_values(["trip_id", "stop_sequence"])
    st = st[st["trip_id"].duplicated(keep="last")]  # the last stop of a trip is no departure
    t = st["departure_time"].str.zfill(8)
    st = st[(t >= "07:00:00") & (t < "19:00:00")]
    counts = st["stop_id"].value_counts()
    return {sid: int(counts.get(sid, 0)) for sid in f.stops["stop_id"]}


def case_gtfs(feed: str, repeats: int) -> dict:
    times, out = times_in_turns({"ecogis": lambda: way_ecogis(feed), "gtfs_kit": lambda: way_gtfs_kit(feed)}, repeats)
    best = {k: min(t) for k, t in times.items()}
    differ = sum(1 for k in out["gtfs_kit"] if out["gtfs_kit"][k] != out["ecogis"].get(k, 0))
    return {"seconds": best, "stops": len(out["ecogis"]), "departures": sum(out["ecogis"].values()),
            "differ": differ}


def case_gtfs_memory(feed: str, way: str) -> float:
    {"ecogis": way_ecogis, "gtfs_kit": way_gtfs_kit}[way](feed)
    return peak_mb()


def case_polygons(n: int, tif: str, repeats: int) -> dict:
    import geopandas as gpd
    import rasterio
    import shapely
    from rasterio.transform import from_origin

    from ecogis.coverage import stop_coverage

    rng = np.random.default_rng(5)
    counts = rng.uniform(0, 300, (n, n))
    cell = 100.0
    xs, ys = np.meshgrid(X0 + np.arange(n) * cell, Y0 - (np.arange(n) + 1) * cell)
    cells = gpd.GeoDataFrame({"pop": counts.ravel()},
                             geometry=shapely.box(xs.ravel(), ys.ravel(), xs.ravel() + cell, ys.ravel() + cell),
                             crs=CRS)
    with rasterio.open(tif, "w", driver="GTiff", width=n, height=n, count=1, dtype="float64", crs=CRS,
                       transform=from_origin(X0, Y0, cell, cell)) as dst:
        dst.write(counts[None])
    half = n * cell / 2
    area = gpd.GeoDataFrame(geometry=[shapely.Point(X0 + half, Y0 - half).buffer(0.9 * half)], crs=CRS)
    pts = rng.uniform(-0.9 * half, 0.9 * half, (max(n * n // 400, 10), 2)) + [X0 + half, Y0 - half]
    stops = gpd.GeoDataFrame(geometry=gpd.points_from_xy(pts[:, 0], pts[:, 1]), crs=CRS)
    times, res = times_in_turns({name: lambda pop=pop: stop_coverage(stops, area, population=pop, min_gap_m2=1e12)
                                 for name, pop in (("polygons", cells), ("raster", tif))}, repeats)
    best = {k: min(t) for k, t in times.items()}
    covered = res["polygons"].layers["catchments"].geometry.iloc[0]
    t0 = time.perf_counter()
    A = area.geometry.iloc[0]
    tot = cov = 0.0
    for g, v in zip(cells.geometry.values, cells["pop"].to_numpy()):
        if g.intersects(A):
            tot += v * shapely.intersection(g, A).area / g.area
            cov += v * shapely.intersection(g, covered).area / g.area
    brute_s = time.perf_counter() - t0
    return {"cells": n * n, "stops": len(stops), "seconds": best, "brute_s": brute_s,
            "share_poly": res["polygons"].metrics["population_share"],
            "share_raster": res["raster"].metrics["population_share"], "share_brute": cov / tot,
            "total_poly": res["polygons"].metrics["population_total"], "total_brute": tot}


def main(argv: list[str] | None = None) -> int:
    ap = bench_parser(__doc__, "small sizes (smoke test)")
    args = ap.parse_args(argv)
    n_stops, n_routes, n_grid, reps = (3000, 400, 200, 3) if not args.quick else (300, 40, 60, 1)
    ok = True
    with tempfile.TemporaryDirectory() as tmp:
        feed = str(Path(tmp) / "feed.zip")
        # the feed is written in a child too, so the parent stays small (peak_mb reads the child's own
        # VmHWM, which Linux does not carry over from the parent as it does ru_maxrss)
        rows = run_in_child(write_feed, Path(feed), n_stops, n_routes)
        base = run_in_child(peak_mb)
        print(f"1. GTFS: {n_stops:,} stops, {n_routes} routes, {rows:,} stop times (zipped); departures "
              f"07:00-19:00 on {DATE}, best of {reps} runs each, in turns")
        try:
            import gtfs_kit  # noqa: F401
        except ImportError:
            print("  gtfs-kit is not installed (pip install gtfs-kit): skipped")
        else:
            g = run_in_child(case_gtfs, feed, reps)
            peak = {w: run_in_child(case_gtfs_memory, feed, w) for w in ("ecogis", "gtfs_kit")}
            t = g["seconds"]
            print(f"  ecogis read_gtfs_stops {t['ecogis']:.2f} s (peak {peak['ecogis']:.0f} MB), gtfs-kit "
                  f"{t['gtfs_kit']:.2f} s (peak {peak['gtfs_kit']:.0f} MB; an idle child {base:.0f} MB): "
                  f"ratio gtfs-kit/ecogis "
                  f"{t['gtfs_kit'] / t['ecogis']:.2f}; {g['departures']:,} departures at {g['stops']:,} stops, "
                  f"{g['differ']} stop(s) differ")
            ok &= g["differ"] == 0
        p = run_in_child(case_polygons, n_grid, str(Path(tmp) / "pop.tif"), reps)
        t = p["seconds"]
        print(f"\n2. population polygons: {p['cells']:,} cells of 100 m, {p['stops']:,} stops")
        print(f"  stop_coverage with the polygon grid {t['polygons']:.2f} s, with the same grid as a GeoTIFF "
              f"{t['raster']:.2f} s (ratio {t['polygons'] / t['raster']:.2f}), brute force (one GEOS "
              f"intersection per cell) {p['brute_s']:.2f} s")
        print(f"  population share: polygons {p['share_poly']:.6f}, brute force {p['share_brute']:.6f} "
              f"({p['share_poly'] / p['share_brute'] - 1:+.1e}), raster {p['share_raster']:.6f} "
              f"({p['share_raster'] / p['share_brute'] - 1:+.1e}); total differs "
              f"{p['total_poly'] / p['total_brute'] - 1:+.1e}")
        ok &= abs(p["share_poly"] / p["share_brute"] - 1) < 1e-9
    print("\nall agree" if ok else "\nsome figure disagrees (see above)")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
