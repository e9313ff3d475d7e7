"""Every speed target of issue 17 in one run, each figure as a ratio against its peer measured in the same run.

One table: figure, ecogis, peer, ratio, target, met / not met, peak memory; above it the date, the machine
(cores, RAM, load average at the start and the end) and the versions.  Every case runs in a fresh child
process (so peak memories do not mix) through the functions of the other scripts in ``benchmarks/`` (none
is copied here): ``coverage.py`` (buffer method against naive geopandas; gap polygons at 40,000 and
200,000 stops; 1 against 2 dask workers; the national run), ``population.py`` (against exactextract) and
``network.py`` (against scipy csgraph shortest paths); and the Delaunay triangulation under every buffer
figure (against scipy's Qhull).  PostGIS and DuckDB spatial are peers only where
they are installed; otherwise a line says why they were skipped.

The exit code is 1 when a target is not met (or an answer disagrees with its peer), else 0.  ``--quick``
runs small sizes as a smoke test: their times are printed, but the targets (set for the full sizes) are
not judged, only the answers' agreement.  ``--update-docs`` writes the table into the summary block at
the top of ``docs/performance.md``.

Run:  python benchmarks/all.py                  (15-25 minutes on 2 shared cores)
      python benchmarks/all.py --quick          (about 2 minutes)
      python benchmarks/all.py --update-docs    (the full run, then the table into docs/performance.md)
"""

from __future__ import annotations

import datetime as _dt
import importlib.util
import shutil
import statistics
import sys
from dataclasses import dataclass, field
from pathlib import Path

import coverage as cov_bench
import network as net_bench
import numpy as np
import population as pop_bench
from common import bench_parser, machine, run_in_child, versions

DOCS = Path(__file__).resolve().parent.parent / "docs" / "performance.md"
START, END = "<!-- summary:start (written by python benchmarks/all.py --update-docs) -->", "<!-- summary:end -->"


@dataclass
class Row:
    """One line of the table; ``met`` is None where no target is set (the figure is for reading);
    ``agrees`` is False when ecogis's answer disagrees with its peer's (judged in ``--quick`` too)."""

    figure: str
    ecogis: str
    peer: str
    ratio: str
    target: str
    met: bool | None
    peak: str
    notes: list[str] = field(default_factory=list)
    agrees: bool = True


def _s(seconds: float) -> str:
    return f"{seconds:.2f} s" if seconds < 100 else f"{seconds:.0f} s"


def _mb(mb: float) -> str:
    return f"{mb:,.0f} MB"


# --- the cases (each through the other scripts' functions, in a fresh process) ----------------------
def buffer_rows(quick: bool) -> list[Row]:
    """covered_area against naive geopandas (buffer, union_all, intersect), 20,000 stops over 1,500 km2."""
    n, km2, reps = (2_000, 150.0, 3) if quick else (20_000, 1500.0, 5)
    rows = []
    for layout in ("uniform", "clustered"):
        res = run_in_child(cov_bench.case_buffer, layout, n, km2, reps)
        t = res["seconds"]
        peak_e = run_in_child(cov_bench.case_buffer_memory, layout, n, km2, "ecogis")
        peak_n = run_in_child(cov_bench.case_buffer_memory, layout, n, km2, "naive")
        ratio = t["naive"] / t["ecogis"]
        agree = res["ecogis_m2"] / res["naive_m2"] - 1.0
        row = Row(f"`covered_area`, {n:,} {layout} stops / {km2:,.0f} km²", _s(t["ecogis"]),
                  f"naive geopandas {_s(t['naive'])}", f"{ratio:.2f}× faster", "≥ 10× faster (kept)",
                  ratio >= 10.0, f"{_mb(peak_e)} (naive {_mb(peak_n)})")
        if abs(agree) >= 1e-3:
            row.agrees = False
            row.notes.append(f"covered area {agree:+.2e} from the naive way's (more than 1e-3)")
        rows.append(row)
    return rows


def gaps_rows(quick: bool) -> list[Row]:
    """stop_coverage with gaps at 40,000 stops (<= 3x covered_area) and 200,000 (< 30 s, 2 workers >= 1.6x)."""
    n40, km40, n200, km200 = (4_000, 3_000.0, 20_000, 15_000.0) if quick else (40_000, 30_000.0, 200_000, 150_000.0)
    res = run_in_child(cov_bench.case_scale, n40, km40, 3, True, False, True)
    t = res["seconds"]
    peak = run_in_child(cov_bench.case_buffer_memory, "clustered", n40, km40, "ecogis_gaps")
    ratio = t["stop_coverage"] / t["covered_area"]
    coarse = Row(f"the same with arcs of {cov_bench.COARSE_STEP_DEG}° (32 vertices a circle, an eighth of the drawing)",
                 _s(t["stop_coverage_coarse"]), f"`covered_area` {_s(t['covered_area'])}",
                 f"{t['stop_coverage_coarse'] / t['covered_area']:.1f}× `covered_area`", "(none)", None, "")
    coarse.notes.append(f"gaps with arcs of {cov_bench.COARSE_STEP_DEG}°: each gap's area within "
                        f"{res['coarse_gap_rel']:.1e} of the default arcs'; what is left beyond `covered_area` is "
                        "the walk along the Voronoi edges, the merge and the catchment polygon, not the drawing")
    rows = [Row(f"`stop_coverage` with gaps, {n40:,} stops / {km40:,.0f} km² ({res['gaps']:,} gaps)",
                _s(t["stop_coverage"]), f"`covered_area` {_s(t['covered_area'])}", f"{ratio:.1f}× `covered_area`",
                "≤ 3× `covered_area`", ratio <= 3.0, _mb(peak)),
            coarse,
            Row("the same against naive geopandas with its gaps (buffer, `union_all`, `difference`)",
                _s(t["stop_coverage"]), f"naive {_s(t['naive'])}", f"{t['naive'] / t['stop_coverage']:.1f}× faster",
                "(none)", None, "")]
    agree = res["covered_m2"] / res["naive_m2"] - 1.0
    if abs(agree) >= 1e-3:
        rows[2].agrees = False
        rows[2].notes.append(f"covered area {agree:+.2e} from the naive way's")
    res = run_in_child(cov_bench.case_scale, n200, km200, 1, False, True)
    t = res["seconds"]
    peak = run_in_child(cov_bench.case_buffer_memory, "clustered", n200, km200, "ecogis_gaps")
    rows.append(Row(f"`stop_coverage` with gaps, {n200:,} stops / {km200:,.0f} km² ({res['gaps']:,} gaps)",
                    _s(t["stop_coverage"]), f"`covered_area` {_s(t['covered_area'])}",
                    f"{t['stop_coverage'] / t['covered_area']:.1f}× `covered_area`", "< 30 s",
                    t["stop_coverage"] < 30.0, _mb(peak)))
    speedup = t["workers1"] / t["workers2"]
    row = Row("the same on a dask `LocalCluster`, 2 workers against 1", _s(t["workers2"]),
              f"1 worker {_s(t['workers1'])}", f"{speedup:.2f}×", "≥ 1.6×", speedup >= 1.6,
              "(worker processes)")
    serial, tiles = cov_bench.serial_and_parallel(t["workers1"], t["workers2"])
    row.notes.append(f"dask, 2 workers against 1: the part of the run that did not get faster {serial:.2f} s, the "
                     f"part that halved {tiles:.2f} s on one worker (Amdahl, from the two times); 1.6× needs the "
                     f"first at most a third of the second, {tiles / 3:.2f} s" if tiles > 0 else
                     "dask, 2 workers against 1: no part of the run got faster")
    if not res["same_on_workers"]:
        row.agrees = False
        row.notes.append("the numbers on 1 and 2 workers differ")
    rows.append(row)
    return rows


def triangulation_rows(quick: bool) -> list[Row]:
    """The Delaunay triangulation under every buffer figure: ecogis's (GEOS's, checked) against scipy's Qhull."""
    sizes = ((4_000, 3_000.0), (20_000, 15_000.0)) if quick else \
        ((40_000, 30_000.0), (200_000, 150_000.0), (1_000_000, 750_000.0))
    rows = []
    for n, km2 in sizes:
        res = run_in_child(cov_bench.case_triangulation, n, km2, 3)
        t = res["seconds"]
        row = Row(f"Delaunay triangulation of {n:,} clustered stops ({res['triangles']:,} triangles)",
                  _s(t["ecogis"]), f"scipy Qhull {_s(t['qhull'])}", f"{t['qhull'] / t['ecogis']:.2f}× as fast",
                  "(none)", None, _mb(res["peak_mb"]))
        row.agrees = res["same"]
        if not res["same"]:
            row.notes.append(f"triangulation of {n:,} stops: not the same triangles as Qhull's")
        if res["source"] != "geos":
            row.notes.append(f"triangulation of {n:,} stops: built by {res['source']} (ecogis takes Qhull's below "
                             f"{res['geos_fewest']:,} points, where checking GEOS's costs more than it saves, and "
                             f"past {res['geos_most']:,}, where GEOS is no faster and takes 2.4x the memory)")
        rows.append(row)
    return rows


def national_rows(quick: bool) -> list[Row]:
    """1,000,000 stops over 750,000 km2 in longitude/latitude, gaps and 16 districts: < 5 minutes, < 4 GB."""
    n, km2 = (100_000, 75_000.0) if quick else (1_000_000, 750_000.0)
    cov = run_in_child(cov_bench.case_national, n, km2, "covered_area")
    nat = run_in_child(cov_bench.case_national, n, km2, "stop_coverage")
    figure = f"national: {n:,} stops / {km2:,.0f} km² in EPSG:4490, gaps and 16 districts"
    if nat.get("memory_error"):
        return [Row(figure, f"MemoryError after {_s(nat['seconds'])}", f"`covered_area` {_s(cov['seconds'])}", "",
                    "< 300 s, < 4,096 MB", False, f"{_mb(nat['peak_mb'])} when stopped")]
    row = Row(figure, _s(nat["seconds"]), f"`covered_area` {_s(cov['seconds'])} ({_mb(cov['peak_mb'])})",
              f"{nat['seconds'] / cov['seconds']:.1f}× `covered_area`", "< 300 s, < 4,096 MB",
              nat["seconds"] < 300.0 and nat["peak_mb"] < 4096.0, _mb(nat["peak_mb"]))
    area = nat["covered_m2"] / nat["area_share"]
    rel = area / nat["geodesic_area_m2"] - 1.0
    # in an equal-area CRS the area is exact; in a Gauss-Kruger zone ecogis's pick keeps it within 0.1 %
    equal_area = any("metric work in" in w for w in nat["warnings"])
    tol = 1e-6 if equal_area else 1e-3
    row.notes.append(f"national: {nat['gaps']:,} gaps; area {area / 1e6:,.1f} km² against the geodesic area "
                     f"{rel:+.1e} (at most {tol:g} in {'an equal-area CRS' if equal_area else 'a Gauss-Kruger zone'});"
                     f" covered area {nat['covered_m2'] / cov['covered_m2'] - 1:+.1e} from `covered_area`'s")
    row.notes += [f"national: {w}" for w in nat["warnings"] if "metric work in" in w or "arcs of" in w]
    if abs(rel) > tol or nat["covered_m2"] != cov["covered_m2"]:
        row.agrees = False
        row.notes.append("the area or the covered area is off (see above)")
    return [row]


def population_rows(quick: bool) -> list[Row]:
    """zonal_population against exactextract: at least as fast (medians), the same within 1e-6."""
    km2, cells, n_stops, reps = (150.0, 1_000_000, 2_000, 3) if quick else (1500.0, 10_001_406, 20_000, 5)
    res = run_in_child(pop_bench.case_times, km2, cells, n_stops, reps)
    t, v = res["times"], res["values"]
    rows = []
    for what, label in (("area", "the audited area (1 polygon)"), ("gaps", f"{res['gaps']:,} gap polygons")):
        e, x = t[f"ecogis_{what}"], t[f"exactextract_{what}"]
        ve, vx = (np.asarray(v[f"{k}_{what}"], dtype=float) for k in ("ecogis", "exactextract"))
        nz = np.abs(vx) > 0
        worst = float((np.abs(ve - vx)[nz] / np.abs(vx[nz])).max()) if nz.any() else 0.0
        peak_e = run_in_child(pop_bench.case_memory, km2, cells, n_stops, f"ecogis_{what}")
        peak_x = run_in_child(pop_bench.case_memory, km2, cells, n_stops, f"exactextract_{what}")
        ratio = statistics.median(x) / statistics.median(e)
        row = Row(f"population on a {res['cells']:,}-cell raster: {label}", _s(statistics.median(e)),
                  f"exactextract {_s(statistics.median(x))}", f"{ratio:.2f}× as fast", "≥ 1× (as fast), same "
                  "within 1e-6", ratio >= 1.0, f"+{_mb(peak_e[0])} (exactextract +{_mb(peak_x[0])})",
                  agrees=worst <= 1e-6)
        row.notes.append(f"population, {label}: at most {worst:.1e} apart from exactextract's (relative)")
        rows.append(row)
    return rows


def network_rows(quick: bool) -> list[Row]:
    """stop_coverage(method="network") within 5x of its shortest-path step; scipy csgraph alone as the floor."""
    nx, ny, n_stops, reps = (71, 71, 300, 3) if quick else (225, 224, 3000, 5)
    res = run_in_child(net_bench.case_times, nx, ny, n_stops, reps)
    mem = run_in_child(net_bench.case_memory, nx, ny, n_stops)
    med = {k: statistics.median(v) for k, v in res["times"].items()}
    ratio = med["coverage"] / med["routing"]
    rel = res["new_area"] / res["old_area"] - 1.0
    figure = f"network coverage, {res['edges']:,}-edge grid, {n_stops:,} stops"
    rows = [Row(f"{figure}: whole `stop_coverage(method='network')`", _s(med["coverage"]),
                f"ecogis shortest-path step {_s(med['routing'])}", f"{ratio:.1f}× the shortest paths",
                "≤ 5× the shortest-path step", ratio <= 5.0, f"+{_mb(mem[0])}", agrees=abs(rel) < 1e-7),
            Row(f"{figure}: the catchment step (reached streets + gaps)", _s(med["catchment"]),
                f"ecogis shortest-path step {_s(med['routing'])}",
                f"{med['catchment'] / med['routing']:.1f}× the shortest paths", "(step of the above)", None, ""),
            Row(f"{figure}: ecogis shortest-path step", _s(med["routing"]),
                f"scipy csgraph `dijkstra` {_s(med['csgraph'])}", f"{med['routing'] / med['csgraph']:.1f}× csgraph",
                "(none)", None, "")]
    rows[0].notes.append(f"network coverage: covered area {rel:+.1e} from a GEOS union of every street buffer")
    return rows


def database_rows() -> list[Row]:
    """PostGIS and DuckDB spatial, where installed: only stated here when they are not."""
    lines = []
    if importlib.util.find_spec("duckdb") is None:
        lines.append("DuckDB spatial: skipped (the duckdb Python package is not installed)")
    else:
        lines.append("DuckDB spatial: skipped (installed, but this script has no DuckDB way yet)")
    pg = shutil.which("postgres") or shutil.which("pg_ctl")
    postgis = any(any(Path(d).glob("*/extension/postgis.control"))
                  for d in ("/usr/share/postgresql", "/usr/local/share/postgresql"))
    if not pg:
        lines.append("PostGIS: skipped (no PostgreSQL server installed)")
    elif not postgis:
        lines.append(f"PostGIS: skipped (PostgreSQL found at {pg}, but no PostGIS extension installed)")
    else:
        lines.append("PostGIS: skipped (installed, but this script has no PostGIS way yet)")
    return [Row(line, "", "", "", "", None, "") for line in lines]


CASES = {"buffer": buffer_rows, "triangulation": triangulation_rows, "gaps": gaps_rows, "national": national_rows,
         "population": population_rows, "network": network_rows}


# --- the table ---------------------------------------------------------------------------------------
def _cell(text: str) -> str:
    return text.replace("|", "\\|")


def table(rows: list[Row], quick: bool) -> str:
    lines = ["| figure | ecogis | peer (same run) | ratio | target | met | peak memory |",
             "|---|---:|---:|---|---|---|---:|"]
    for r in rows:
        if not r.ecogis and not r.peer:
            continue
        met = "—" if r.met is None else ("met" if r.met else "**not met**")
        if quick and r.met is not None:
            met = ("met" if r.met else "not met") + " (quick: not judged)"
        if not r.agrees:
            met += "; **the answer disagrees with its peer**"
        lines.append("| " + " | ".join(_cell(c) for c in (r.figure, r.ecogis, r.peer, r.ratio, r.target, met,
                                                            r.peak)) + " |")
    return "\n".join(lines)


def header(started: _dt.datetime, at_start: str, quick: bool) -> str:
    """Date, machine (cores, RAM, load average at the start and now) and versions."""
    now = _dt.datetime.now(_dt.timezone.utc)
    load_end = machine().split("load average ")[1]
    return (f"Measured {started:%Y-%m-%d %H:%M}-{now:%H:%M} UTC by `python benchmarks/all.py"
            f"{' --quick' if quick else ''}` on {at_start} at the start, {load_end} at the end; "
            + versions("shapely", "geopandas", "pyproj", "numpy", "scipy", "exactextract", "rasterio", "distributed"))


def update_docs(text: str, path: Path = DOCS) -> None:
    """Replace the summary block of ``docs/performance.md`` with ``text`` (the block must exist)."""
    doc = path.read_text(encoding="utf-8")
    if START not in doc or END not in doc:
        raise SystemExit(f"{path} has no summary block ({START} ... {END}); add one where the table goes")
    before, rest = doc.split(START, 1)
    after = rest.split(END, 1)[1]
    tmp = path.with_suffix(".md.tmp")
    tmp.write_text(f"{before}{START}\n{text}\n{END}{after}", encoding="utf-8")
    tmp.replace(path)


def main(argv: list[str] | None = None) -> int:
    ap = bench_parser(__doc__, "small sizes (a smoke test; the targets are not judged)")
    ap.add_argument("--only", action="append", choices=sorted(CASES), help="run only these cases (repeatable)")
    ap.add_argument("--update-docs", action="store_true", help="write the table into docs/performance.md")
    args = ap.parse_args(argv)
    started, at_start = _dt.datetime.now(_dt.timezone.utc), machine()
    print(f"ecogis benchmarks, every target of issue 17 in one run{' (--quick)' if args.quick else ''}")
    print(f"machine: {at_start}", flush=True)
    rows: list[Row] = []
    for name in args.only or list(CASES):
        print(f"  running {name} ...", flush=True)
        got = CASES[name](args.quick)
        for r in got:
            print(f"    {r.figure}: {r.ecogis} against {r.peer}: {r.ratio}", flush=True)
        rows += got
    rows += database_rows()
    text = "\n".join([header(started, at_start, args.quick), "", table(rows, args.quick), ""]
                     + [f"* {n}" for r in rows for n in r.notes]
                     + [f"* {r.figure}" for r in rows if not r.ecogis and not r.peer])
    print()
    print(text)
    bad = [r for r in rows if not r.agrees or (r.met is False and not args.quick)]
    if args.update_docs:
        update_docs(text)
        print(f"\nwritten into {DOCS}")
    print("\nall targets met" if not bad else f"\n{len(bad)} target(s) NOT met: " + "; ".join(r.figure for r in bad))
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
