"""Green-space service radii: park and greenway coverage of residential land.

The national annual city health check (城市体检, 住房和城乡建设部 城市体检指标体系) reports
the **park green-space service-radius coverage** (公园绿地服务半径覆盖率): the share of
the residential land of the built-up area that lies within the service radius of a
park, the radius depending on the park's size (parks of 5,000 m2 or more serve 500 m,
parks of 2,000-5,000 m2 serve 300 m, smaller ones are not counted; the thresholds are
parameters, :data:`DEFAULT_PARK_TIERS`).  The radius is measured from the park's
boundary, so a park's service area is the park grown by its radius (its Minkowski
sum with a disc).  :func:`greenway_coverage` does the same for greenways (1 km) and
gives their length.

How exact the areas are
-----------------------
A service area is built as the park itself, one rectangle per boundary segment (the
segment grown sideways by the radius) and one wedge per vertex (between the two
segments' normals on the outer side of the turn; a half disc at each end of a line):
every point within the radius of the boundary is nearest to a segment or to a vertex,
so that union is exactly the park grown by its radius.  The wedges' arcs are drawn as
chords of at most ``pi / (2 quad_segs)`` radians with their vertices on the circle,
so the drawn shape lies *inside* the true one; the same construction with the radius
enlarged to ``r / cos(pi / (4 quad_segs))`` puts every chord outside the circle, so it
lies *outside* the true one.  A covered area is therefore bracketed: the figure
reported is the midpoint of the two, and ``covered_residential_bound_m2`` is half
their difference, a proven bound on its error (with the default ``quad_segs=128``
about 2e-5 of the covered area; the result's warnings say so when it is above 1e-4).
(The polygon buffer of GEOS is not used: it first removes shallow concavities of the
boundary, up to 1 % of the radius deep, which adds area, and it rounds the number of
chords per arc.)
Areas are planar areas in the metric CRS (:func:`ecogis.crs.to_metric`, the
CGCS2000 3-degree Gauss-Kruger zone of the data), as desktop GIS gives them.

Examples
--------
>>> import geopandas as gpd, shapely
>>> park = gpd.GeoDataFrame({"id": ["P1"], "name": ["公园"]},
...                         geometry=[shapely.box(500000, 3700000, 500100, 3700100)], crs=4547)
>>> homes = gpd.GeoDataFrame({"id": ["L1"], "land_class": ["居住用地"]},
...                          geometry=[shapely.box(499000, 3699000, 501100, 3701100)], crs=4547)
>>> r = park_coverage(park, homes, homes)
>>> truth = 100**2 + 4 * 100 * 500 + 3.14159265 * 500**2  # a^2 + 4ar + pi r^2
>>> m = r.metrics
>>> abs(m["covered_residential_m2"] - truth) <= m["covered_residential_bound_m2"] < 1e-4 * truth
True
"""

from __future__ import annotations

import math
import os
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from ecogis.crs import CRSLike, to_metric
from ecogis.crs import check_metric_crs as _check_metric_crs
from ecogis.errors import InputError, NotMeasurableError
from ecogis.feature_geometry import _polygonal_part as _polygonal
from ecogis.feature_geometry import _union, _valid
from ecogis.gate import check_number as _check_number
from ecogis.gate import gated as _gated
from ecogis.population import RasterPopulation
from ecogis.population_polygons import as_polygon_population
from ecogis.result import CheckResult, violations_frame

__all__ = [
    "DEFAULT_PARK_TIERS",
    "DEFAULT_QUAD_SEGS",
    "GREENWAY_RADIUS_M",
    "PARK_RULE",
    "RESIDENTIAL_CLASSES",
    "greenway_coverage",
    "park_coverage",
    "park_radii",
    "service_area",
]

#: (smallest park area m2, service radius m), largest first: the city health check's rule
DEFAULT_PARK_TIERS: tuple[tuple[float, float], ...] = ((5000.0, 500.0), (2000.0, 300.0))
#: where the default tiers come from
PARK_RULE = ("城市体检 公园绿地服务半径覆盖率 (住房和城乡建设部 城市体检指标体系): 5000 m2 及以上公园绿地按 500 m、"
             "2000-5000 m2 按 300 m 服务半径, 覆盖建成区居住用地")
#: greenway service radius of the city health check's greenway coverage (绿道服务半径覆盖率), m
GREENWAY_RADIUS_M = 1000.0
#: land_use classes that count as residential land
RESIDENTIAL_CLASSES: tuple[str, ...] = ("居住用地",)
#: chords per quarter circle of the drawn service areas (relative area error about 2e-5)
DEFAULT_QUAD_SEGS = 128
#: relative bound above which the result warns
_BOUND_WARN = 1e-4
#: relative difference between a park's stated and drawn area that gets a warning
_AREA_MISMATCH = 0.10


# --- geometry -------------------------------------------------------------------------------
def _chains(geom: shapely.Geometry) -> list[tuple[np.ndarray, bool]]:
    """(xy, closed) of every ring and line of a geometry, repeated consecutive points dropped."""
    out = []
    for part in shapely.get_parts(geom):
        if part.geom_type == "Polygon":
            rings, closed = [part.exterior, *part.interiors], True
        else:
            rings, closed = [part], part.geom_type in ("LineString", "LinearRing") and part.is_closed
        for ring in rings:
            xy = np.asarray(ring.coords, dtype=float)[:, :2]
            if len(xy) == 0:
                continue
            xy = xy[np.r_[True, np.any(np.diff(xy, axis=0) != 0, axis=1)]]
            if closed and len(xy) > 1 and np.all(xy[0] == xy[-1]):
                xy = xy[:-1]
            out.append((xy, closed and len(xy) > 2))
    return out


def _fan(v: np.ndarray, start: float, sweep: float, radius: float, step: float) -> np.ndarray:
    """Ring of a wedge: the vertex, then points on the circle from angle ``start`` over ``sweep`` (chords <= step)."""
    n = max(1, math.ceil(abs(sweep) / step - 1e-9))
    a = start + sweep * np.arange(n + 1) / n
    return np.vstack([v, np.c_[v[0] + radius * np.cos(a), v[1] + radius * np.sin(a)], v])


def _grown(geom: shapely.Geometry, radius: float, step: float) -> shapely.Geometry:
    """``geom`` grown by ``radius``: the geometry, one rectangle per segment and one wedge per turn.

    Every point within ``radius`` of the geometry is nearest to a segment (its rectangle) or
    to a vertex, and then lies in the wedge between the two segments' normals on the outer
    side of the turn (or the half disc at a line's end); the wedges' arcs are chords of at
    most ``step`` radians with their vertices on the circle.
    """
    rects, fans = [], []
    for xy, closed in _chains(geom):
        if len(xy) == 1:
            fans.append(_fan(xy[0], 0.0, 2 * math.pi, radius, step))
            continue
        a = xy if closed else xy[:-1]
        b = np.roll(xy, -1, axis=0) if closed else xy[1:]
        d = (b - a) / np.hypot(*(b - a).T)[:, None]
        n = np.c_[-d[:, 1], d[:, 0]] * radius
        rects.append(np.stack([a + n, b + n, b - n, a - n, a + n], axis=1))
        ang = np.arctan2(d[:, 1], d[:, 0])
        if closed:
            d1, d2, ang1, verts = np.roll(d, 1, axis=0), d, np.roll(ang, 1), xy
        else:
            d1, d2, ang1, verts = d[:-1], d[1:], ang[:-1], xy[1:-1]
            fans.append(_fan(xy[0], ang[0] + math.pi / 2, math.pi, radius, step))
            fans.append(_fan(xy[-1], ang[-1] - math.pi / 2, math.pi, radius, step))
        turn = np.arctan2(d1[:, 0] * d2[:, 1] - d1[:, 1] * d2[:, 0], np.sum(d1 * d2, axis=1))
        for v, phi, a1 in zip(verts, turn, ang1):
            if abs(phi) > 1e-12:
                fans.append(_fan(v, a1 - math.copysign(math.pi / 2, phi), phi, radius, step))
    pieces = list(shapely.polygons(np.concatenate(rects))) if rects else []
    pieces += [shapely.Polygon(f) for f in fans]
    pieces += [g for g in shapely.get_parts(geom) if g.geom_type == "Polygon"]
    return shapely.union_all(pieces) if pieces else shapely.Polygon()


def service_area(geom: shapely.Geometry, radius_m: float, *, quad_segs: int = DEFAULT_QUAD_SEGS,
                 outer: bool = False) -> shapely.Geometry:
    """A geometry grown by a distance, drawn inside (default) or outside the true shape.

    Parameters
    ----------
    geom : shapely geometry
        Polygon(s), line(s) or point(s) in a metric CRS.
    radius_m : float
        Distance from the geometry (from a polygon's boundary outwards; the polygon is included).
    quad_segs : int, default 128
        Chords per quarter circle of the round parts.
    outer : bool, default False
        False: every vertex on the true boundary, the shape lies inside the true one;
        True: every chord outside the true circle, the shape contains the true one.

    Returns
    -------
    shapely geometry

    Examples
    --------
    >>> import math, shapely
    >>> sq = shapely.box(0, 0, 100, 100)
    >>> true = 100**2 + 4 * 100 * 50 + math.pi * 50**2
    >>> service_area(sq, 50).area < true < service_area(sq, 50, outer=True).area
    True
    """
    step = math.pi / (2 * quad_segs)
    return _grown(geom, radius_m / math.cos(step / 2) if outer else radius_m, step)


# --- inputs ---------------------------------------------------------------------------------
def _check_frame(gdf: Any, what: str) -> None:
    if not isinstance(gdf, gpd.GeoDataFrame):
        raise InputError(f"{what} was {type(gdf).__name__} but is expected to be a GeoDataFrame")
    if gdf.crs is None:
        raise InputError(f"{what} has no CRS; set one (e.g. gdf.set_crs('EPSG:4490')) before checking")


def _area_geom(area: Any, crs: Any, what: str = "area") -> shapely.Geometry:
    """The scope as one polygonal geometry in ``crs``."""
    if isinstance(area, gpd.GeoSeries):
        area = gpd.GeoDataFrame(geometry=area)
    _check_frame(area, what)
    geom = _polygonal(_union(_valid(to_metric(area, crs).geometry.values)))
    if geom.is_empty or geom.area <= 0:
        raise NotMeasurableError(f"{what} has no polygon area; give the study-area polygon(s) of the scope")
    return geom


def _residential(land_use: gpd.GeoDataFrame, crs: Any, scope: shapely.Geometry, classes: Sequence[str],
                 warnings: list[str]) -> shapely.Geometry:
    """Residential land (``land_class`` in ``classes``) inside the scope, overlaps merged."""
    if "land_class" not in land_use.columns:
        raise NotMeasurableError(
            f"land_use has no field 'land_class' (has {[c for c in land_use.columns if c != land_use.geometry.name]}); "
            f"add it or read the layer with read_layer(path, kind='land_use') so 地类 / 用地类型 columns are mapped")
    sel = land_use[land_use["land_class"].isin(list(classes))]
    if sel.empty:
        have = sorted(map(str, land_use["land_class"].dropna().unique()))
        raise NotMeasurableError(f"land_use has no feature of class {list(classes)} (has {have}); the coverage of "
                                 f"residential land needs the residential parcels")
    geoms = _valid(to_metric(sel, crs).geometry.values)
    clipped = shapely.intersection(geoms, scope)
    union = _polygonal(_union(clipped))
    summed = float(shapely.area(clipped).sum())
    if union.area > 0 and summed > union.area * (1 + 1e-6):
        warnings.append(f"residential land_use features overlap ({summed - union.area:,.0f} m2 counted twice in the "
                        f"features); the overlaps are counted once")
    return union


def _population_source(population: Any) -> Any:
    """``population=`` as a source with the interface of :class:`ecogis.population.RasterPopulation`."""
    if population is None or hasattr(population, "zonal_population"):
        return population

    polygons = as_polygon_population(population)
    if polygons is not None:
        return polygons
    if isinstance(population, (str, os.PathLike)):
        return RasterPopulation(Path(population))
    raise InputError(f"population was {type(population).__name__} but is expected to be the path of a GeoTIFF "
                     f"(persons per cell) or polygons with a count")


def _check_tiers(tiers: Sequence[tuple[float, float]]) -> tuple[tuple[float, float], ...]:
    try:
        pairs = [(float(a), float(r)) for a, r in tiers]
    except (TypeError, ValueError):
        raise InputError(f"tiers was {tiers!r} but is expected to be pairs (smallest park area m2, radius m), "
                         f"e.g. {DEFAULT_PARK_TIERS}") from None
    if not pairs:
        raise InputError("tiers is empty; give at least one (smallest park area m2, radius m) pair")
    for a, r in pairs:
        _check_number("tier area_m2", a, minimum=0, unit="m2")
        _check_number("tier radius_m", r, minimum=0, exclusive_minimum=True, unit="m")
    pairs = sorted(pairs, reverse=True)
    for (a_big, r_big), (a_small, r_small) in zip(pairs, pairs[1:]):
        if r_big < r_small:
            raise InputError(f"tiers give parks of {a_big:g} m2 or more a radius of {r_big:g} m but smaller parks "
                             f"(from {a_small:g} m2) {r_small:g} m; a larger park is expected to serve at least as "
                             f"far: swap the areas or the radii")
    return tuple(pairs)


def park_radii(areas_m2: Any, *, tiers: Sequence[tuple[float, float]] = DEFAULT_PARK_TIERS) -> np.ndarray:
    """Service radius of each park by its area (NaN: too small to count).

    Parameters
    ----------
    areas_m2 : array-like of float
        Park areas, m2.
    tiers : sequence of (float, float), default ((5000, 500), (2000, 300))
        (smallest park area m2, radius m): a park of at least that area serves that
        radius (the largest tier it reaches).

    Returns
    -------
    ndarray of float

    Examples
    --------
    >>> park_radii([6000, 5000, 4000, 2000, 1999])
    array([500., 500., 300., 300.,  nan])
    """
    pairs = _check_tiers(tiers)
    a = np.asarray(areas_m2, dtype=float)
    out = np.full(a.shape, np.nan)
    for min_area, radius in reversed(pairs):  # smallest tier first, larger ones overwrite
        out[a >= min_area] = radius
    return out


def _park_areas(parks_m: gpd.GeoDataFrame, names: pd.Series, warnings: list[str]) -> np.ndarray:
    """Each park's area: ``area_m2`` when given and positive, else its drawn area (mismatches warned)."""
    drawn = shapely.area(parks_m.geometry.values)
    stated = (pd.to_numeric(parks_m["area_m2"], errors="coerce").to_numpy(float) if "area_m2" in parks_m.columns
              else np.full(len(parks_m), np.nan))
    use = np.isfinite(stated) & (stated > 0)
    bad = np.isfinite(stated) & (stated <= 0)
    if bad.any():
        warnings.append(f"{int(bad.sum())} park(s) have area_m2 <= 0 ({', '.join(names[bad][:5])}); their drawn area "
                        f"is used")
    off = use & (np.abs(stated - drawn) > _AREA_MISMATCH * np.maximum(drawn, 1e-9))
    if off.any():
        listed = ", ".join(f"{n} ({s:,.0f} vs {d:,.0f} m2)" for n, s, d in
                           zip(names[off][:5], stated[off][:5], drawn[off][:5]))
        warnings.append(f"{int(off.sum())} park(s) have an area_m2 that differs from their drawn area by more than "
                        f"{_AREA_MISMATCH:.0%}: {listed}; the stated area_m2 picks the service radius")
    return np.where(use, stated, drawn)


def _labels(gdf: gpd.GeoDataFrame, prefix: str) -> tuple[pd.Series, pd.Series]:
    ids = (gdf["id"].astype(object).where(gdf["id"].notna(), None) if "id" in gdf.columns
           else pd.Series([None] * len(gdf), index=gdf.index, dtype=object))
    ids = pd.Series([str(v) if v is not None else f"{prefix}{i}" for i, v in enumerate(ids)], index=gdf.index)
    names = (gdf["name"].astype(object).where(gdf["name"].notna(), None) if "name" in gdf.columns
             else pd.Series([None] * len(gdf), index=gdf.index, dtype=object))
    shown = pd.Series([str(n) if n is not None else i for n, i in zip(names, ids)], index=gdf.index)
    return ids, shown


# --- the figures ----------------------------------------------------------------------------
def _pieces(geom: shapely.Geometry, crs: Any, **columns: Any) -> gpd.GeoDataFrame:
    parts = [g for g in shapely.get_parts(_polygonal(geom)) if g.area > 0]
    df = pd.DataFrame({"area_m2": [g.area for g in parts]})
    for k, v in columns.items():
        df[k] = v
    return gpd.GeoDataFrame(df, geometry=gpd.GeoSeries(parts, crs=crs), crs=crs)


def _coverage_figures(residential: shapely.Geometry, inner: shapely.Geometry, outer: shapely.Geometry,
                      population: Any, crs: Any, warnings: list[str], quad_segs: int
                      ) -> tuple[dict[str, Any], dict[str, str], shapely.Geometry, shapely.Geometry]:
    """Covered residential land (bracketed), its share, and people; the covered and gap geometries."""
    metrics: dict[str, Any] = {}
    not_measurable: dict[str, str] = {}
    res_area = float(residential.area)
    covered_in = _polygonal(shapely.intersection(residential, inner))
    lo = float(covered_in.area)
    hi = float(shapely.intersection(residential, outer).area)
    hi = max(hi, lo)
    covered = 0.5 * (lo + hi)
    bound = 0.5 * (hi - lo)
    metrics["residential_area_m2"] = res_area
    metrics["covered_residential_m2"] = covered
    metrics["covered_residential_bound_m2"] = bound
    metrics["uncovered_residential_m2"] = max(res_area - covered, 0.0)
    if res_area > 0:
        metrics["share"] = min(covered / res_area, 1.0)
        metrics["share_bound"] = bound / res_area
    else:
        metrics["share"] = None
        not_measurable["share"] = "no residential land in the scope"
    if covered > 0 and bound > _BOUND_WARN * covered:
        warnings.append(f"the covered area is known to within {bound:,.1f} m2 ({bound / covered:.1e} of it), more "
                        f"than {_BOUND_WARN:g}; raise quad_segs (now {quad_segs}) for a tighter figure")
    gaps = _polygonal(shapely.difference(residential, covered_in))
    pop = _population_source(population)
    if pop is None:
        for key in ("population_share", "population_covered"):
            not_measurable[key] = "no population layer or raster given"
        return metrics, not_measurable, covered_in, gaps
    warnings += [w for w in pop.audit_warnings(residential, crs) if w not in warnings]
    total, said, extra = pop.area_figures(residential, crs)
    warnings += [w for w in said if w not in warnings]
    people = pop.zonal_population(gpd.GeoSeries([covered_in], crs=crs)) if not covered_in.is_empty else [0.0]
    metrics.update(extra)
    metrics["population_total"] = float(total)
    metrics["population_covered"] = float(people[0])
    if total > 0:
        metrics["population_share"] = min(float(people[0]) / float(total), 1.0)
    else:
        metrics["population_share"] = None
        not_measurable["population_share"] = f"{pop.label} holds no people on the residential land"
    warnings.append("population figures are the people on residential land (population spread evenly within each "
                    "cell or polygon), counted on the service area drawn inside the true one")
    return metrics, not_measurable, covered_in, gaps


#: the ``method`` metric: service areas grown from the boundary, bracketed (see the module docstring)
METHOD = "buffer (bracketed)"


def _accuracy(quad_segs: int, crs: Any) -> str:
    epsg = getattr(crs, "to_epsg", lambda: None)()
    return (f"service areas = the features grown by their radius (Minkowski sums), drawn with inscribed and "
            f"circumscribed chords ({quad_segs} per quarter circle); each covered area is the midpoint of the two and "
            f"its error is at most covered_residential_bound_m2; planar areas in {f'EPSG:{epsg}' if epsg else crs}")


def park_coverage(  # noqa: PLR0913 - one keyword per setting, as service_coverage
    parks: gpd.GeoDataFrame,
    land_use: gpd.GeoDataFrame,
    area: gpd.GeoDataFrame | gpd.GeoSeries,
    *,
    tiers: Sequence[tuple[float, float]] = DEFAULT_PARK_TIERS,
    residential_classes: Sequence[str] = RESIDENTIAL_CLASSES,
    population: Any = None,
    quad_segs: int = DEFAULT_QUAD_SEGS,
    metric: CRSLike | None = None,
) -> CheckResult:
    """Park green-space service-radius coverage of the residential land in an area (公园绿地服务半径覆盖率).

    Parameters
    ----------
    parks : GeoDataFrame
        ``parks`` layer (polygons; ``id``, ``name``, optional ``area_m2``, ``park_type``).
        Parks outside the area count when their service area reaches it.  Not modified.
    land_use : GeoDataFrame
        ``land_use`` layer with ``land_class``; the residential land is its features of
        ``residential_classes``.
    area : GeoDataFrame or GeoSeries
        The scope (e.g. the ``城市建成区`` feature of ``study_area``); residential land
        outside it is not counted.
    tiers : sequence of (float, float), default ((5000, 500), (2000, 300))
        (smallest park area m2, service radius m) pairs (:data:`PARK_RULE`); smaller parks
        are not counted.
    residential_classes : sequence of str, default ("居住用地",)
        ``land_class`` values that are residential land.
    population : path, GeoDataFrame or population source, optional
        Population raster (GeoTIFF, persons per cell) or polygons with a count
        (:mod:`ecogis.population`, :mod:`ecogis.population_polygons`): adds the people on
        residential land within reach.
    quad_segs : int, default 128
        Chords per quarter circle of the drawn service areas (the bound shrinks as its square).
    metric : CRS-like, optional
        Metric CRS; default the Gauss-Kruger zone of ``area``.

    Returns
    -------
    CheckResult
        Name ``"parks"``; metrics ``residential_area_m2``, ``covered_residential_m2``,
        ``covered_residential_bound_m2`` (proven bound on its error), ``share``,
        ``share_bound``, ``uncovered_residential_m2``, ``parks_total``, ``parks_counted``,
        ``parks_too_small``, ``service_area_m2``, population figures when ``population``
        is given; layers ``park_service_areas`` (one per counted park), ``covered_residential``,
        ``residential_gaps``.

    Examples
    --------
    >>> import geopandas as gpd, shapely
    >>> parks = gpd.GeoDataFrame({"id": ["big", "mid", "tiny"]}, geometry=[
    ...     shapely.box(500000, 3700000, 500100, 3700100), shapely.box(503000, 3700000, 503040, 3700100),
    ...     shapely.box(506000, 3700000, 506010, 3700100)], crs=4547)
    >>> homes = gpd.GeoDataFrame({"land_class": ["居住用地"]},
    ...                          geometry=[shapely.box(498000, 3698000, 509000, 3702000)], crs=4547)
    >>> r = park_coverage(parks, homes, homes)
    >>> r.metrics["parks_counted"], r.metrics["parks_too_small"], list(r.layers["park_service_areas"]["radius_m"])
    (2, 1, [500.0, 300.0])
    """
    warnings: list[str] = []
    parks = _gated(parks, "parks", "parks", warnings)
    land_use = _gated(land_use, "land_use", "land_use", warnings)
    for gdf, what in ((parks, "parks"), (land_use, "land_use")):
        _check_frame(gdf, what)
    quad_segs = _check_number("quad_segs", quad_segs, minimum=1, integer=True)
    pairs = _check_tiers(tiers)
    area_frame = area if isinstance(area, gpd.GeoDataFrame) else gpd.GeoDataFrame(geometry=area)
    _check_frame(area_frame, "area")
    crs = (_check_metric_crs(metric, area_frame, name="metric") if metric is not None
           else to_metric(area_frame).crs)
    scope = _area_geom(area_frame, crs)
    residential = _residential(land_use, crs, scope, residential_classes, warnings)

    parks_m = to_metric(parks, crs)
    parks_m = parks_m.assign(geometry=_valid(parks_m.geometry.values))
    ids, names = _labels(parks_m, "park")
    park_area = _park_areas(parks_m, names, warnings)
    radii = park_radii(park_area, tiers=pairs)
    counted = np.isfinite(radii) & ~shapely.is_empty(parks_m.geometry.values)
    rows, inner_parts, outer_parts = [], [], []
    for i in np.flatnonzero(counted):
        geom = _polygonal(parks_m.geometry.values[i])
        inner = service_area(geom, radii[i], quad_segs=quad_segs)
        inner_parts.append(inner)
        outer_parts.append(service_area(geom, radii[i], quad_segs=quad_segs, outer=True))
        rows.append({"id": ids.iloc[i], "name": names.iloc[i], "park_area_m2": float(park_area[i]),
                     "radius_m": float(radii[i]), "geometry": inner})
    inner_all, outer_all = _union(inner_parts), _union(outer_parts)
    metrics, not_measurable, covered_geom, gaps_geom = _coverage_figures(
        residential, inner_all, outer_all, population, crs, warnings, quad_segs)
    too_small = int((~np.isfinite(radii)).sum())
    metrics.update({
        "method": METHOD,
        "parks_total": int(len(parks_m)),
        "parks_counted": int(counted.sum()),
        "parks_too_small": too_small,
        "service_area_m2": float(inner_all.area),
    })
    if len(parks_m) == 0:
        warnings.append("the parks layer has no features; nothing is covered")
    elif counted.sum() == 0:
        warnings.append(f"no park reaches the smallest counted size ({pairs[-1][0]:,.0f} m2); nothing is covered")
    service = gpd.GeoDataFrame(pd.DataFrame([{k: v for k, v in r.items() if k != "geometry"} for r in rows],
                                            columns=["id", "name", "park_area_m2", "radius_m"]),
                               geometry=gpd.GeoSeries([r["geometry"] for r in rows], crs=crs), crs=crs)
    layers = {
        "park_service_areas": service,
        "covered_residential": _pieces(covered_geom, crs),
        "residential_gaps": _pieces(gaps_geom, crs),
    }
    params = {"tiers": [list(p) for p in pairs], "residential_classes": list(residential_classes),
              "quad_segs": quad_segs, "rule": PARK_RULE, "accuracy": _accuracy(quad_segs, crs),
              "metric_crs": crs.to_string()}
    return CheckResult("parks", metrics=metrics, violations=violations_frame([], crs=crs), layers=layers,
                       parameters=params, warnings=warnings, not_measurable=not_measurable)


def _length_in(lines: np.ndarray, scope: shapely.Geometry) -> float:
    return float(shapely.length(shapely.intersection(lines, scope)).sum())


def greenway_coverage(  # noqa: PLR0913 - one keyword per setting
    greenways: gpd.GeoDataFrame,
    land_use: gpd.GeoDataFrame | None,
    area: gpd.GeoDataFrame | gpd.GeoSeries,
    *,
    radius_m: float = GREENWAY_RADIUS_M,
    residential_classes: Sequence[str] = RESIDENTIAL_CLASSES,
    population: Any = None,
    quad_segs: int = DEFAULT_QUAD_SEGS,
    metric: CRSLike | None = None,
) -> CheckResult:
    """Greenway length in an area and the share of its residential land within ``radius_m`` of a greenway.

    Parameters
    ----------
    greenways : GeoDataFrame
        ``greenways`` layer (lines).  Not modified.
    land_use : GeoDataFrame or None
        ``land_use`` layer with ``land_class``; None: the length alone (the coverage
        metrics are then ``not_measurable``).
    area : GeoDataFrame or GeoSeries
        The scope; length is counted inside it.
    radius_m : float, default 1000
        Service radius of a greenway (绿道服务半径 1 km), m.
    residential_classes, population, quad_segs, metric
        As :func:`park_coverage`.

    Returns
    -------
    CheckResult
        Name ``"greenways"``; metrics ``greenway_km`` (inside the area; a stretch drawn twice counts
        once), ``greenway_total_km``,
        ``greenways_total``, and the coverage figures of :func:`park_coverage`
        (``residential_area_m2``, ``covered_residential_m2``, ``share`` ...); layers
        ``greenways_in_scope``, ``greenway_service_area``, ``covered_residential``, ``residential_gaps``.

    Examples
    --------
    >>> import geopandas as gpd, shapely
    >>> way = gpd.GeoDataFrame({"id": ["G1"]}, geometry=[shapely.LineString([(500000, 3700000), (503000, 3700000)])],
    ...                        crs=4547)
    >>> scope = gpd.GeoSeries([shapely.box(499000, 3690000, 502000, 3710000)], crs=4547)
    >>> greenway_coverage(way, None, scope).metrics["greenway_km"]
    2.0
    """
    warnings: list[str] = []
    greenways = _gated(greenways, "greenways", "greenways", warnings)
    _check_frame(greenways, "greenways")
    if land_use is not None:
        land_use = _gated(land_use, "land_use", "land_use", warnings)
        _check_frame(land_use, "land_use")
    radius_m = _check_number("radius_m", radius_m, minimum=0, exclusive_minimum=True, unit="m")
    quad_segs = _check_number("quad_segs", quad_segs, minimum=1, integer=True)
    area_frame = area if isinstance(area, gpd.GeoDataFrame) else gpd.GeoDataFrame(geometry=area)
    _check_frame(area_frame, "area")
    crs = (_check_metric_crs(metric, area_frame, name="metric") if metric is not None
           else to_metric(area_frame).crs)
    scope = _area_geom(area_frame, crs)
    ways = to_metric(greenways, crs)
    lines = np.asarray(ways.geometry.values, dtype=object)
    inside = shapely.intersection(lines, scope)
    drawn = _union([g for g in lines if g is not None and not g.is_empty])  # a stretch drawn twice counts once
    summed = float(shapely.length(lines).sum())
    if summed > drawn.length * (1 + 1e-9) + 1e-6:
        warnings.append(f"greenway lines overlap ({(summed - drawn.length) / 1000:,.3f} km drawn more than once); "
                        f"each stretch is counted once")
    metrics: dict[str, Any] = {
        "greenway_km": _length_in(np.array([drawn], dtype=object), scope) / 1000.0,
        "greenway_total_km": float(drawn.length) / 1000.0,
        "greenways_total": int(len(ways)),
        "radius_m": radius_m,
        "method": METHOD,
    }
    ids, names = _labels(ways, "greenway")
    in_scope = gpd.GeoDataFrame({"id": ids.to_numpy(), "name": names.to_numpy(),
                                 "length_m": shapely.length(inside)},
                                geometry=gpd.GeoSeries(inside, crs=crs), crs=crs)
    in_scope = in_scope[~shapely.is_empty(in_scope.geometry.values)]
    layers: dict[str, gpd.GeoDataFrame] = {"greenways_in_scope": in_scope}
    not_measurable: dict[str, str] = {}
    inner = service_area(drawn, radius_m, quad_segs=quad_segs) if not drawn.is_empty else shapely.Polygon()
    layers["greenway_service_area"] = _pieces(inner, crs, radius_m=radius_m)
    if land_use is None:
        for key in ("residential_area_m2", "covered_residential_m2", "share", "population_share"):
            not_measurable[key] = "layer 'land_use' missing (residential land is its class 居住用地)"
    else:
        outer = service_area(drawn, radius_m, quad_segs=quad_segs, outer=True) if not drawn.is_empty else inner
        residential = _residential(land_use, crs, scope, residential_classes, warnings)
        figures, nm, covered_geom, gaps_geom = _coverage_figures(residential, inner, outer, population, crs,
                                                                 warnings, quad_segs)
        metrics.update(figures)
        not_measurable.update(nm)
        layers["covered_residential"] = _pieces(covered_geom, crs)
        layers["residential_gaps"] = _pieces(gaps_geom, crs)
    params = {"radius_m": radius_m, "residential_classes": list(residential_classes), "quad_segs": quad_segs,
              "accuracy": _accuracy(quad_segs, crs), "metric_crs": crs.to_string()}
    return CheckResult("greenways", metrics=metrics, violations=violations_frame([], crs=crs), layers=layers,
                       parameters=params, warnings=warnings, not_measurable=not_measurable)
