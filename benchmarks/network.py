"""Network coverage on a 100,000-edge street grid: ecogis's steps against scipy csgraph shortest paths, one run.

A jittered 225 x 224 grid of 100 m blocks (100,351 edges, the grid of ``benchmarks/coverage.py``) over
which 3,000 stops walk 500 m; access width 50 m.  Timed in turns in one process (so a slow spell of the
shared machine slows all alike), best and median of several runs:

* ``csgraph``: scipy's multi-source ``dijkstra`` alone on the same CSR graph (the peer: the floor of any
  routing);
* ``routing``: ecogis's shortest-path step (snap the stops, one Dijkstra from a virtual source);
* ``reached``: routing plus cutting the partly reached edges (``reached_streets``);
* ``gaps``: ``network_gaps``, the uncovered parts from the street faces (built in numpy), told as
  ``stop_coverage`` tells it that the graph's edges meet only at shared ends (``noded=graph.simple``);
* ``catchment``: reached streets and their gaps together, the covered area and its polygon's parts
  from routing on (what the issue calls the catchment step);
* ``graph``: ``walk_graph`` alone (noding the streets, the CSR matrix), which ``stop_coverage`` does first;
* ``coverage``: the whole ``stop_coverage(method="network")`` on the street layer (graph
  building, routing, gaps, area, catchment polygon, buffer comparison): the target's figure;
* ``prebuilt``: the same with the graph built once beforehand and passed as ``roads=`` (a
  ``WalkGraph``: several audits of one street layer build it once); reported beside the target,
  not instead of it.

The old way (a GEOS union of every street buffer, ``network_catchment``) runs once for the area
agreement.  Peak resident memory of the whole coverage is measured in a fresh child process.

Run:  python benchmarks/network.py            (about a minute on 2 cores)
      python benchmarks/network.py --quick    (a 71 x 71 grid, a smoke test)
"""

from __future__ import annotations

import statistics
import sys
import time

import numpy as np
from common import (
    CRS,
    bench_parser,
    grid_roads,
    peak_during,
    run_in_child,
    times_in_turns,
    verdict,
    versions,
)


def _inputs(nx: int, ny: int, n_stops: int):
    import geopandas as gpd
    import shapely

    roads, (minx, miny, maxx, maxy) = grid_roads(nx, ny, 100.0)
    area = gpd.GeoDataFrame(geometry=[shapely.box(minx, miny, maxx, maxy)], crs=CRS)
    rng = np.random.default_rng(5)
    xy = np.column_stack([rng.uniform(minx, maxx, n_stops), rng.uniform(miny, maxy, n_stops)])
    stops = gpd.GeoDataFrame(geometry=shapely.points(xy), crs=CRS)
    return roads, area, stops, xy


def _ways(roads, area, stops, xy) -> dict:
    from scipy.sparse.csgraph import dijkstra

    from ecogis.coverage import stop_coverage
    from ecogis.network import (
        network_gaps,
        node_distances,
        reached_streets,
        snap_points,
        walk_graph,
    )

    g = walk_graph(roads)
    csr = g.csr()
    snaps = snap_points(g, xy)
    src = np.unique(g.edges["u"].to_numpy()[snaps["edge"].to_numpy()])
    A = area.geometry.iloc[0]
    reached = reached_streets(g, xy, radius_m=500.0)
    return {
        "csgraph": lambda: dijkstra(csr, directed=False, indices=src, limit=500.0, min_only=True),
        "routing": lambda: node_distances(g, snap_points(g, xy), limit_m=500.0),
        "reached": lambda: reached_streets(g, xy, radius_m=500.0),
        "gaps": lambda: network_gaps(reached, A, access_width_m=50.0, noded=g.simple),
        "catchment": lambda: network_gaps(reached_streets(g, xy, radius_m=500.0), A, access_width_m=50.0,
                                          noded=g.simple),
        "graph": lambda: walk_graph(roads),
        "coverage": lambda: stop_coverage(stops, area, radius_m=500.0, method="network", roads=roads),
        "prebuilt": lambda: stop_coverage(stops, area, radius_m=500.0, method="network", roads=g),
    }, g, reached, A


def case_times(nx: int, ny: int, n_stops: int, repeats: int) -> dict:
    import shapely

    from ecogis.network import network_catchment

    roads, area, stops, xy = _inputs(nx, ny, n_stops)
    ways, g, reached, A = _ways(roads, area, stops, xy)
    times, values = times_in_turns(ways, repeats, collect=True)
    gaps = values["gaps"]
    new_area = A.area - float(shapely.area(gaps).sum())
    t0 = time.perf_counter()
    union = network_catchment(reached, access_width_m=50.0)
    old_area = float(shapely.intersection(A, union).area)
    t_union = time.perf_counter() - t0
    res = values["coverage"]
    pre = values["prebuilt"]
    same = (pre.metrics["covered_area_m2"] == res.metrics["covered_area_m2"]
            and pre.metrics["uncovered"] == res.metrics["uncovered"])
    return {"times": times, "edges": g.n_edges, "reached": len(reached), "gaps": len(gaps), "new_area": new_area,
            "old_area": old_area, "union_s": t_union, "coverage_area": res.metrics["covered_area_m2"],
            "area_share": res.metrics["area_share"], "prebuilt_same": same}


def case_memory(nx: int, ny: int, n_stops: int) -> tuple[float, float]:
    """(MB the whole coverage adds, peak MB of its process), in a fresh process."""
    from ecogis.coverage import stop_coverage

    roads, area, stops, _xy = _inputs(nx, ny, n_stops)
    return peak_during(lambda: stop_coverage(stops, area, radius_m=500.0, method="network", roads=roads))


def _load() -> str:
    try:
        with open("/proc/loadavg") as f:
            return " ".join(f.read().split()[:3])
    except OSError:
        return "unknown"


def main(argv: list[str] | None = None) -> int:
    ap = bench_parser(__doc__, "a 71 x 71 grid (smoke test)")
    ap.add_argument("--repeats", type=int, default=None)
    args = ap.parse_args(argv)
    nx, ny, n_stops = (225, 224, 3000) if not args.quick else (71, 71, 300)
    reps = args.repeats or (5 if not args.quick else 3)
    print(f"ecogis network benchmark: {versions('shapely', 'scipy')}")
    r = run_in_child(case_times, nx, ny, n_stops, reps)
    mem = run_in_child(case_memory, nx, ny, n_stops)
    t = r["times"]
    best = {k: min(v) for k, v in t.items()}
    med = {k: statistics.median(v) for k, v in t.items()}
    print(f"{nx} x {ny} grid: {r['edges']:,} edges, {n_stops:,} stops, 500 m walk, 50 m access width; "
          f"{r['reached']:,} reached pieces, {r['gaps']:,} gaps; {reps} runs of each in turns (best / median)")
    for k, label in (("csgraph", "scipy csgraph dijkstra alone (peer)"), ("routing", "ecogis shortest-path step"),
                     ("reached", "ecogis reached streets (routing + cut edges)"), ("gaps", "ecogis network_gaps"),
                     ("catchment", "ecogis catchment (reached streets + gaps)"),
                     ("graph", "ecogis walk_graph (graph building) alone"),
                     ("coverage", "ecogis stop_coverage(method='network'), whole"),
                     ("prebuilt", "  the same, graph built beforehand (roads=graph)")):
        print(f"  {label:48s} {best[k]:6.2f} / {med[k]:6.2f} s   {best[k] / best['routing']:5.1f}x / "
              f"{med[k] / med['routing']:5.1f}x the shortest-path step, {best[k] / best['csgraph']:6.1f}x / "
              f"{med[k] / med['csgraph']:6.1f}x csgraph")
    rel = r["new_area"] / r["old_area"] - 1.0
    print(f"  old way (GEOS union of every buffer, network_catchment, once): {r['union_s']:.2f} s = "
          f"{r['union_s'] / best['gaps']:.1f}x network_gaps; covered area {r['old_area']:,.1f} m2, "
          f"network_gaps gives {r['new_area']:,.1f} m2 ({rel:+.1e} relative); stop_coverage "
          f"{r['coverage_area']:,.1f} m2, area share {r['area_share']:.4f}")
    print(f"  peak RSS of the whole coverage: +{mem[0]:.0f} MB (process {mem[1]:.0f} MB)")
    ratio = med["coverage"] / med["routing"]
    ok = abs(rel) < 1e-9 and r["prebuilt_same"]
    if abs(rel) >= 1e-9:
        print(f"  the covered area is {rel:+.1e} from the union way's: more than 1e-9")
    if not r["prebuilt_same"]:
        print("  the coverage with the prebuilt graph differs from the one that builds it")
    print(f"  not the target (graph building left out): the whole coverage with the graph built beforehand is "
          f"{med['prebuilt'] / med['routing']:.1f}x its shortest-path step")
    print(f"  uptime load average at the end: {_load()}")
    for what, r5 in (("the catchment step (reached streets + gaps)", med["catchment"] / med["routing"]),
                     ("the whole network coverage (stop_coverage, graph building included)", ratio)):
        met = r5 <= 5.0
        print(f"  target: {what} within 5x of its shortest-path step: {'met' if met else 'NOT met'} ({r5:.1f}x)")
        ok = ok and met
    return verdict(ok)


if __name__ == "__main__":
    sys.exit(main())
