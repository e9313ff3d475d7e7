"""Cost of the input gate (ecogis.gate.check_layer) on a coverage run, measured in one run.

``stop_coverage`` and ``covered_area`` on 20,000 stops over a ~1,500 km2 area (the
layout of benchmarks/coverage.py), with the gate and with it switched off
(``ecogis.service_area.check_layer`` replaced by a pass-through), in turns in one
process so a slow spell of the machine slows both alike, each keeping its best of
several runs.  Prints the times, the ratio with / without, and the gate's own time
(stops and area through ``check_layer``, timed in the same turns) as a share of the
run without it, the steadier figure on a busy machine (the budget is 10 %), and
the peak resident memory; also the gate alone on the stops, in the Gauss-Kruger zone
and in CGCS2000 degrees, and repairing 20,000 stops stored northing-first.

Run:  python benchmarks/gate.py            (about a minute on 2 cores)
      python benchmarks/gate.py --quick    (2,000 stops, a smoke test)
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import bench_parser, peak_mb, times_in_turns
from coverage import _buffer_inputs  # the same stops and area as the coverage benchmark

BUDGET = 1.10


def _pass_through(gdf, kind=None, **kwargs):
    return gdf, []


def _best_in_turns(ways: dict, repeats: int) -> dict:
    times, _ = times_in_turns(ways, repeats)
    return {name: min(t) for name, t in times.items()}


def main(argv: list[str] | None = None) -> int:
    ap = bench_parser(__doc__, "2,000 stops over 150 km2")
    ap.add_argument("--repeats", type=int, default=5)
    args = ap.parse_args(argv)
    n, km2 = (2_000, 150.0) if args.quick else (20_000, 1_500.0)

    import shapely

    import ecogis.service_area as engine
    from ecogis.coverage import covered_area, stop_coverage
    from ecogis.gate import check_layer

    stops, area = _buffer_inputs("uniform", n, km2)
    gated = engine.check_layer  # the gate as the coverage engine calls it

    def without(fn):
        def run():
            engine.check_layer = _pass_through
            try:
                return fn()
            finally:
                engine.check_layer = gated
        return run

    figures = {
        "stop_coverage": lambda: stop_coverage(stops, area).metrics["area_share"],
        "covered_area": lambda: covered_area(stops, area)["area_share"],
    }
    ok = True
    print(f"{n:,} stops, {km2:,.0f} km2, best of {args.repeats} in turns")
    # what the gate adds to one run: the stops and the area through check_layer
    gate_only = {"gate": lambda: (check_layer(stops, "bus_stops"), check_layer(area, "study_area"))}
    for name, fn in figures.items():
        assert fn() == without(fn)(), "the gate changed a figure on clean input"
        best = _best_in_turns({"gate": fn, "no gate": without(fn), "gate alone": gate_only["gate"]}, args.repeats)
        ratio = best["gate"] / best["no gate"]
        added = best["gate alone"] / best["no gate"]
        ok &= 1.0 + added <= BUDGET
        print(f"  {name:14s} with gate {best['gate']:7.3f} s   without {best['no gate']:7.3f} s   "
              f"ratio {ratio:5.3f}; the gate's own {best['gate alone'] * 1e3:5.1f} ms = {added:5.1%} of the run "
              f"(budget {BUDGET - 1:.0%}) {'ok' if 1.0 + added <= BUDGET else 'OVER'}")

    stops_deg = stops.to_crs(4490)
    swapped = stops.copy()
    swapped.geometry = shapely.transform(np.asarray(stops.geometry.values), lambda c: c[:, ::-1])
    alone = _best_in_turns({
        "gate alone, EPSG:4547": lambda: check_layer(stops, "bus_stops"),
        "gate alone, EPSG:4490": lambda: check_layer(stops_deg, "bus_stops"),
        "gate repairing all swapped": lambda: check_layer(swapped, "bus_stops"),
    }, args.repeats)
    for name, t in alone.items():
        print(f"  {name:28s} {t:7.3f} s")
    print(f"peak memory {peak_mb():,.0f} MB")
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
