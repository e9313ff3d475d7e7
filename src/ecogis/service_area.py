"""Service coverage: the share of an area (and of its people) within a distance of the nearest facility.

The coverage engine behind :func:`ecogis.coverage.stop_coverage`, free of any
plan, layer kind or bus wording, so that coverage of schools, clinics or any
other point facilities calls the same code with its own facilities and radius:

* ``method="buffer"``: the area within ``radius_m`` straight-line distance of the
  nearest facility, exact (the union of discs through Voronoi cells,
  :mod:`ecogis.disc_union` and :mod:`ecogis.discs`), and its gaps.
* ``method="network"``: the street length within ``radius_m`` walking distance
  (:mod:`ecogis.network`) buffered by ``access_width_m``; the ratio to the
  straight-line coverage is reported.
* with a population raster or polygons (:mod:`ecogis.population`,
  :mod:`ecogis.population_polygons`): persons covered.
* per district, when districts are given.

Facilities outside the area count: they serve people inside it (no clipping).

Examples
--------
>>> import geopandas as gpd, shapely
>>> area = gpd.GeoDataFrame(geometry=[shapely.box(500000, 3700000, 510000, 3710000)], crs=4547)
>>> schools = gpd.GeoDataFrame(geometry=[shapely.Point(502000, 3705000), shapely.Point(508000, 3705000)], crs=4547)
>>> r = service_coverage(schools, area, radius_m=300, facility_kind="schools")
>>> round(r.metrics["covered_area_m2"]) == round(2 * 3.141592653589793 * 300 ** 2)
True
"""

from __future__ import annotations

import functools
import logging
import os
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import shapely
from pyproj import Transformer

from ecogis.catchment import covered_part
from ecogis.crs import CRSLike, check_metric_crs, crs_label, metric_crs_note, same_crs, to_metric
from ecogis.crs import metric_crs as _metric_crs
from ecogis.disc_union import (
    DEFAULT_ARC_STEP_DEG,
    _buffer_coverage,
    _distinct,
    within_distance,
    zone_covered_area,
)
from ecogis.errors import InputError, NotMeasurableError
from ecogis.gate import check_layer, check_number
from ecogis.io import read_layer
from ecogis.network import (
    ACCESS_QUAD_SEGS,
    WalkGraph,
    graph_from_pbf,
    graph_report,
    network_gaps,
    reached_streets,
    snap_points,
    walk_graph,
)
from ecogis.population import RasterPopulation
from ecogis.population_polygons import as_polygon_population
from ecogis.progress import Steps
from ecogis.result import CheckResult, violations_frame
from ecogis.street_graph import _gc_paused
from ecogis.touching_discs import part_where_discs_touch

__all__ = [
    "DEFAULT_ARC_STEP_DEG",
    "DEFAULT_MIN_GAP_M2",
    "METHODS",
    "covered_area_of",
    "service_coverage",
]

log = logging.getLogger(__name__)

#: gap polygons smaller than this are slivers and are not reported (they still count in the shares)
DEFAULT_MIN_GAP_M2 = 2500.0
METHODS = ("buffer", "network")
_POLY = 3  # shapely type id of Polygon
_POINT, _MULTIPOINT = 0, 4  # shapely type ids


# --- inputs ------------------------------------------------------------------------------------
def _named(what: str, gdf: Any) -> str:
    """``"area (city.shp)"``: a layer named with the file it came from, when known."""
    source = getattr(gdf, "attrs", {}).get("source") if gdf is not None else None
    return f"{what} ({source})" if source else what


def _area_geometry(area: Any, crs: Any, warnings: list[str] | None = None) -> shapely.Geometry:
    """One valid polygonal geometry in the metric CRS; invalid polygons are repaired and said so."""
    if isinstance(area, (gpd.GeoDataFrame, gpd.GeoSeries)):
        if area.crs is None:
            raise InputError(f"{_named('area', area)} has no CRS; set one (e.g. area.set_crs('EPSG:4490')) first")
        g = area.to_crs(crs) if not area.crs.equals(crs) else area
        geoms = np.asarray(g.geometry.values if isinstance(g, gpd.GeoDataFrame) else g.values, dtype=object)
    elif isinstance(area, shapely.Geometry):
        geoms = np.array([area], dtype=object)
    else:
        raise InputError(f"area was {type(area).__name__} but is expected to be a GeoDataFrame of polygons")
    geoms = geoms[~(shapely.is_missing(geoms) | shapely.is_empty(geoms))]
    if geoms.size == 0:
        raise InputError(f"{_named('area', area)} is empty; expected at least one polygon (e.g. the 中心城区 of "
                         f"study_area)")
    bad = ~shapely.is_valid(geoms)
    if bad.any():
        reasons = sorted(set(shapely.is_valid_reason(geoms[bad])))
        geoms = geoms.copy()
        geoms[bad] = shapely.make_valid(geoms[bad])
        msg = (f"{_named('area', area)}: {int(bad.sum())} invalid polygon(s) repaired with make_valid before "
               f"measuring ({'; '.join(reasons[:3])}, coordinates in {crs_label(crs)}); check the result, or fix "
               f"them with ecogis validate --fix")
        log.info(msg)
        if warnings is not None:
            warnings.append(msg)
    parts = shapely.get_parts(geoms)
    parts = parts[shapely.get_type_id(parts) == _POLY]
    if parts.size == 0:
        types = sorted(set(shapely.get_type_id(shapely.get_parts(geoms)).tolist()))
        names = [shapely.GeometryType(t).name.title().replace("string", "String") for t in types]
        raise InputError(f"{_named('area', area)} holds no polygons (it has {', '.join(names)}); expected the "
                         f"polygon of the area to audit")
    return shapely.union_all(parts)


def _metric_for(area: Any, metric_crs: CRSLike | None) -> Any:
    if metric_crs is not None:

        return check_metric_crs(metric_crs, area if isinstance(area, (gpd.GeoDataFrame, gpd.GeoSeries)) else None)
    if isinstance(area, (gpd.GeoDataFrame, gpd.GeoSeries)):
        if area.crs is None:
            raise InputError("area has no CRS; set one (e.g. area.set_crs('EPSG:4490')) first")
        return _metric_crs(area)
    raise InputError("metric_crs is needed when area is a bare shapely geometry")


def _points(points: gpd.GeoDataFrame, crs: Any, what: str = "facilities") -> tuple[np.ndarray, gpd.GeoDataFrame]:
    """The points' coordinates in ``crs`` (multipoints exploded, empty geometries dropped) and the metric layer."""
    if not isinstance(points, gpd.GeoDataFrame):
        raise InputError(f"{what} was {type(points).__name__} but is expected to be a GeoDataFrame of points")
    if points.crs is None:
        raise InputError(f"{_named(what, points)} have no CRS; set one (e.g. {what}.set_crs('EPSG:4490')) first")
    s = to_metric(points, crs)
    geoms = np.asarray(s.geometry.values, dtype=object)
    present = ~(shapely.is_missing(geoms) | shapely.is_empty(geoms))
    if not present.all():
        s, geoms = s[present], geoms[present]
    types = shapely.get_type_id(geoms)
    if not np.isin(types, (_POINT, _MULTIPOINT)).all():
        found = sorted(set(s.geom_type.unique()))
        raise InputError(f"{_named(what, points)} have geometry types {found} but are expected to be points")
    if (types == _MULTIPOINT).any():
        s = s.explode(index_parts=False)
        geoms = np.asarray(s.geometry.values, dtype=object)
    return shapely.get_coordinates(geoms), s


def _population_source(population: Any) -> Any:
    """``population=`` as a source with one interface: a :class:`~ecogis.population.RasterPopulation` (a
    GeoTIFF) or a :class:`~ecogis.population_polygons.PolygonPopulation`; None without one."""

    if population is None or isinstance(population, RasterPopulation):
        return population
    polygons = as_polygon_population(population)  # polygons with counts (a grid, 街道 / 社区, a joined table)
    if polygons is not None:
        return polygons
    if isinstance(population, (str, os.PathLike)):
        return RasterPopulation(Path(population))
    raise InputError(f"population was {type(population).__name__} but is expected to be the path of a GeoTIFF")


# --- population -------------------------------------------------------------------------------
def _population_of(population: Any, geoms: np.ndarray, crs: Any, progress: bool | None) -> np.ndarray:
    geoms = np.asarray(geoms, dtype=object)
    if population is None or geoms.size == 0:
        return np.full(geoms.size, np.nan)
    return population.zonal_population(gpd.GeoSeries(geoms, crs=crs), progress=progress)


# --- the check --------------------------------------------------------------------------------
def _radius(radius_m: float | None, radius: float | None, default_m: float | None = None) -> float:
    check_number("radius_m", radius_m, minimum=0, exclusive_minimum=True, optional=True, unit="metres")
    check_number("radius", radius, minimum=0, exclusive_minimum=True, optional=True, unit="metres")
    if radius is not None and radius_m is not None and float(radius) != float(radius_m):
        raise InputError(f"radius ({radius}) and radius_m ({radius_m}) disagree; give one of them")
    if radius_m is None and radius is None and default_m is None:
        raise InputError("radius_m was not given but is expected to be a distance in metres (e.g. radius_m=300)")
    return float(radius_m if radius_m is not None else (radius if radius is not None else default_m))


def _gated(points: Any, area: Any, warnings: list[str], *, kind: str | None = None,
           what: str = "facilities") -> tuple[Any, Any]:
    """Points (catalogue ``kind``) and area through the input gate (:func:`ecogis.gate.check_layer`).

    Repairs are said in ``warnings``.
    """
    if isinstance(points, gpd.GeoDataFrame):
        points, said = check_layer(points, kind, what=what)
        warnings += said
    if isinstance(area, (gpd.GeoDataFrame, gpd.GeoSeries)):
        area, said = check_layer(area, "study_area", what="area")
        warnings += said
    return points, area


def _measured_inputs(points: gpd.GeoDataFrame, area: Any, r: float, metric_crs: CRSLike | None,
                     warnings: list[str], *, kind: str | None = None, what: str = "facilities",
                     ) -> tuple[Any, shapely.Geometry, np.ndarray, gpd.GeoDataFrame, np.ndarray, np.ndarray]:
    """Metric CRS, the area (one prepared polygon), the points (all, and the distinct ones within r of the area)."""
    points, area = _gated(points, area, warnings, kind=kind, what=what)
    crs = _metric_for(area, metric_crs)
    note = metric_crs_note(crs, area if isinstance(area, (gpd.GeoDataFrame, gpd.GeoSeries)) else None)
    if note is not None:  # an equal-area CRS for data wider than a zone: say what it keeps exact
        warnings.append(note)
    A = _area_geometry(area, crs, warnings)
    shapely.prepare(A)
    xy, points_m = _points(points, crs, what)
    serving = within_distance(A, xy, r)
    if len(xy) == 0:
        warnings.append(f"no {what}: nothing is covered")
    elif not serving.any():
        warnings.append(_none_serve(A, xy, r, what))
    if r < _SHORTEST_PLAUSIBLE_M:
        warnings.append(f"radius_m is {r:g}: metres, not kilometres (a 500 m catchment is radius_m=500, "
                        f"--radius-m 500)")
    return crs, A, xy, points_m, serving, _distinct(xy[serving])


#: a catchment radius below this (metres) is more likely kilometres typed as metres than meant: said
_SHORTEST_PLAUSIBLE_M = 10.0


def _none_serve(A: shapely.Geometry, xy: np.ndarray, r: float, what: str) -> str:
    """The warning for points none of which lies within ``r`` of the area: how far off they are, and where."""
    near = float(shapely.distance(A, shapely.convex_hull(shapely.multipoints(xy))))
    (x0, y0), (x1, y1) = xy.min(axis=0), xy.max(axis=0)
    a = shapely.bounds(A)
    return (f"none of the {len(xy):,} {what} lies within {r:g} m of the area (the nearest about {near / 1000:,.1f} km "
            f"away): nothing is covered. Check that both layers are of the same place and in the CRS they say "
            f"({what} {x0:,.0f}..{x1:,.0f} x {y0:,.0f}..{y1:,.0f}, area {a[0]:,.0f}..{a[2]:,.0f} x "
            f"{a[1]:,.0f}..{a[3]:,.0f}, metres in the metric CRS)")


# --- the engine -------------------------------------------------------------------------------
@dataclass
class _Names:
    """How the messages call one facility and several (``("stop", "stops")``, ``("school", "schools")``)."""

    one: str
    many: str

    def count(self, n: int) -> str:
        """``"3 stop(s)"``; ``"1 facility"`` / ``"3 facilities"`` where adding ``s`` gives no plural."""
        if self.one + "s" == self.many:
            return f"{n} {self.one}(s)"
        return f"{n} {self.one if n == 1 else self.many}"


def _names(facility_kind: str, facility: str | None) -> _Names:
    if facility is None:
        kind = facility_kind
        facility = kind[:-3] + "y" if kind.endswith("ies") else (kind[:-1] if kind.endswith("s") else kind)
    return _Names(facility, facility_kind)


@dataclass
class _Run:
    """What one coverage run worked on, for the callers that go on from it (proposals)."""

    crs: Any
    area: shapely.Geometry
    facilities: gpd.GeoDataFrame
    graph: Any


def _check_options(method: str, roads: Any, min_gap_m2: float, access_width_m: float, partitions: int | None,
                   target_share: float, arc_step_deg: float | None) -> float | None:
    """Refuse bad options before any work; the arc step in degrees (None: chosen by :func:`_arc_step`)."""
    if method not in METHODS:
        raise InputError(f"method was {method!r} but is expected to be one of {list(METHODS)}")
    check_number("min_gap_m2", min_gap_m2, minimum=0, unit="m2")
    check_number("access_width_m", access_width_m, minimum=0, exclusive_minimum=True, unit="metres")
    check_number("partitions", partitions, minimum=1, integer=True, optional=True)
    check_number("target_share", target_share, minimum=0, maximum=1)
    if method == "network" and roads is None:
        raise NotMeasurableError("layer 'roads' missing: the network method walks along streets; "
                                 "give roads (a line layer or an .osm.pbf) or use method='buffer'")
    step = check_number("arc_step_deg", arc_step_deg, minimum=0, exclusive_minimum=True, maximum=45,
                        optional=True, unit="degrees")
    return step


#: vertices of every circle in the gap polygons together, at most, when ``arc_step_deg`` is not given: 20 million
#: (the national run of benchmarks/coverage.py, 696,812 of 1,000,000 stops serving the area: 29 vertices a circle,
#: about 3.2 GB; 32 million took 4.25 GB, past the 4 GB target); below 78,125 facilities the default step stays
_CIRCLE_VERTEX_BUDGET = 20_000_000


def _arc_step(step: float | None, n: int, names: _Names, warnings: list[str]) -> float:
    """The arc step: as given, else the default unless ``n`` circles would pass the vertex budget (then said)."""
    if step is not None:
        return step
    fit = 360.0 * n / _CIRCLE_VERTEX_BUDGET
    if fit <= DEFAULT_ARC_STEP_DEG:
        return DEFAULT_ARC_STEP_DEG
    fit = min(fit, 45.0)
    warnings.append(f"{names.count(n)} serve the area: the gap polygons draw each circle with arcs of {fit:.4g} "
                    f"degrees ({360.0 / fit:.0f} vertices a circle, so that they fit in memory; every arc keeps "
                    f"its sector's exact area, so the covered area and shares are unchanged, and each gap's area "
                    f"within 1e-6); pass arc_step_deg={DEFAULT_ARC_STEP_DEG:g} for finer outlines")
    return fit


def _network_coverage(roads: Any, A: shapely.Geometry, reach_xy: np.ndarray, r: float, crs: Any,
                      access_width_m: float, names: _Names, out: dict[str, Any]) -> tuple[Any, float, np.ndarray,
                                                                                          shapely.Geometry]:
    """The network method: graph, covered area, gaps and catchment; metrics, layers and warnings into ``out``."""

    graph = _network_graph(roads, A, r, crs)  # (reading a .osm.pbf with the garbage collector on, as always)
    return _network_coverage_of(graph, A, reach_xy, r, access_width_m, names, out)


@_gc_paused  # a street layer's worth of short-lived geometries: no full collector passes meanwhile
def _network_coverage_of(graph: WalkGraph, A: shapely.Geometry, reach_xy: np.ndarray, r: float,
                         access_width_m: float, names: _Names, out: dict[str, Any]) -> tuple[Any, float, np.ndarray,
                                                                                             shapely.Geometry]:
    """:func:`_network_coverage` once the graph is built."""
    out["parameters"]["access_width_m"] = float(access_width_m)
    out["parameters"]["access_quad_segs"] = ACCESS_QUAD_SEGS  # the buffers' arcs: the area is theirs
    out["parameters"]["graph_edges"] = graph.n_edges
    snaps = snap_points(graph, reach_xy)  # once, for the report, the walk and the warning
    graph_metrics, graph_warnings = graph_report(graph, reach_xy, access_width_m=access_width_m,
                                                 point_names=(names.one, names.many), snaps=snaps)
    out["metrics"].update(graph_metrics)
    out["warnings"].extend(graph_warnings)
    reached = reached_streets(graph, reach_xy, radius_m=r, snaps=snaps)
    snapped_far = int((snaps["snap_m"].to_numpy() >= r).sum()) if len(reach_xy) else 0
    # the gaps straight from the street faces (no union of the street buffers; issue 17): they are
    # disjoint and never touch, so their MultiPolygon is valid as it is
    gaps_all = network_gaps(reached, A, access_width_m=access_width_m, quad_segs=ACCESS_QUAD_SEGS, noded=graph.simple)
    covered = max(float(A.area) - float(shapely.area(gaps_all).sum()), 0.0)
    catch = covered_part(A, gaps_all)  # the gaps inside the area become holes, no overlay places them
    out["layers"]["reached_streets"] = reached
    out["metrics"]["reached_street_km"] = float(reached.loc[reached["edge"] >= 0].length.sum() / 1000.0)
    if snapped_far > 0:
        out["warnings"].append(f"{names.count(snapped_far)} within {r:g} m of the area are {r:g} m or more from "
                               f"any street and reach nothing along the network")
    return graph, covered, gaps_all, catch


def _population_figures(raster: Any, A: shapely.Geometry, gaps_all: np.ndarray, crs: Any, progress: bool | None,
                        out: dict[str, Any]) -> np.ndarray:
    """Population total, covered and share into ``out``; the population of each gap."""
    metrics, not_measurable = out["metrics"], out["not_measurable"]
    if raster is None:
        metrics["population_total"] = None
        metrics["population_covered"] = None
        metrics["population_share"] = None
        not_measurable["population_share"] = "raster 'population' missing"
        not_measurable["population_covered"] = "raster 'population' missing"
        return np.full(gaps_all.size, np.nan)
    total, said, checks = raster.area_figures(A, crs, progress=progress)  # a raster's checks (issue 11)
    out["warnings"].extend(said)
    metrics.update(checks)
    gap_pop = _population_of(raster, gaps_all, crs, progress)
    covered_pop = max(total - float(gap_pop.sum()), 0.0)
    metrics["population_total"] = total
    metrics["population_covered"] = covered_pop
    metrics["population_share"] = covered_pop / total if total > 0 else None
    if total <= 0:
        not_measurable["population_share"] = f"{raster.label} holds no people in the area"
    return gap_pop


def _gap_layer(gaps_all: np.ndarray, gap_pop: np.ndarray, min_gap_m2: float, crs: Any) -> gpd.GeoDataFrame:
    """The listed gaps (``min_gap_m2`` and larger), largest first: ``id``, ``area_m2``, ``population``."""
    gap_areas = shapely.area(gaps_all) if gaps_all.size else np.zeros(0)
    listed = gap_areas >= min_gap_m2
    order = np.argsort(-gap_areas[listed], kind="stable")
    g_geoms = gaps_all[listed][order]
    return gpd.GeoDataFrame({"id": [f"GAP{i + 1:03d}" for i in range(len(g_geoms))],
                             "area_m2": gap_areas[listed][order],
                             "population": gap_pop[listed][order]},
                            geometry=gpd.GeoSeries(list(g_geoms), crs=crs), crs=crs)


def _buffer_population_share(raster: Any, buffer_gaps: np.ndarray, crs: Any, progress: bool | None,
                             metrics: dict[str, Any]) -> None:
    """Network method: the straight-line population share beside the network's, and their ratio."""
    b_gap = _population_of(raster, buffer_gaps, crs, progress)
    b_cov = max(metrics["population_total"] - float(b_gap.sum()), 0.0)
    metrics["buffer_population_share"] = b_cov / metrics["population_total"]
    metrics["network_to_buffer_population_ratio"] = (metrics["population_covered"] / b_cov) if b_cov else None


def _gap_violations(gaps: gpd.GeoDataFrame, share: float | None, target_share: float, r: float, method: str,
                    with_population: bool, rule: str | None, names: _Names) -> gpd.GeoDataFrame:
    """Below the target share, every listed gap is a violation."""
    records = []
    if share is not None and share < target_share - 1e-12:
        for row in gaps.itertuples(index=False):
            pop_txt = f", {row.population:,.0f} people" if with_population else ""
            records.append({"id": row.id, "name": None, "rule": rule,
                            "detail": (f"{row.area_m2 / 1e4:,.2f} ha{pop_txt} farther than {r:g} m from any "
                                       f"{names.one} ({method}); area share {share:.1%} < target {target_share:.0%}"),
                            "area_m2": float(row.area_m2), "geometry": row.geometry})
    return violations_frame(records, crs=gaps.crs)


def service_coverage(  # noqa: PLR0913 -- one keyword-only option per setting, like stop_coverage
    facilities: gpd.GeoDataFrame,
    area: gpd.GeoDataFrame | gpd.GeoSeries,
    *,
    radius_m: float,
    method: str = "buffer",
    roads: gpd.GeoDataFrame | str | os.PathLike | Any | None = None,
    population: str | os.PathLike | None = None,
    access_width_m: float = 50.0,
    min_gap_m2: float = DEFAULT_MIN_GAP_M2,
    districts: gpd.GeoDataFrame | None = None,
    metric_crs: CRSLike | None = None,
    partitions: int | None = None,
    scheduler: str | None = None,
    arc_step_deg: float | None = None,
    target_share: float = 1.0,
    facility_kind: str = "facilities",
    facility: str | None = None,
    layer_kind: str | None = None,
    rule: str | None = None,
    name: str = "coverage",
    progress: bool | None = None,
) -> CheckResult:
    """Share of an area (and of its people) within ``radius_m`` of a facility; the gaps; per district.

    The coverage engine for any kind of point facility (bus stops, schools,
    clinics ...): nothing here knows what the facilities are, the caller names
    them (``facility_kind``) and the rule they are measured against.
    :func:`ecogis.coverage.stop_coverage` is its use for bus stops.

    Parameters
    ----------
    facilities : GeoDataFrame
        Facility points, any CRS.  Those outside the area count: they serve people inside it.
    area : GeoDataFrame or GeoSeries
        The area audited; its features are unioned.
    radius_m : float
        Distance to the nearest facility, metres.
    method : {"buffer", "network"}, default "buffer"
        Straight-line distance (exact area of the union of discs), or walking
        distance along ``roads``.
    roads : GeoDataFrame, path or WalkGraph, optional
        Street centre lines (GeoDataFrame, any vector file, or an OpenStreetMap
        ``.osm.pbf``); needed by ``method="network"``.  A graph built once with
        :func:`ecogis.street_graph.walk_graph` (in the metric CRS) is used as it is,
        so several runs on one street layer build it only once.
    population : path, GeoDataFrame or PolygonPopulation, optional
        Population GeoTIFF (persons per cell) or polygons with a count
        (:mod:`ecogis.population_polygons`).  Without it the population metrics
        are reported as not measurable.
    access_width_m : float, default 50
        Network method: covered depth either side of a reached street.
    min_gap_m2 : float, default 2500
        Gap polygons smaller than this are not listed (they still count in the shares).
    districts : GeoDataFrame, optional
        Sub-areas (with ``name``) for the per-district table.
    metric_crs : CRS-like, optional
        Metric CRS (default: the Gauss-Kruger zone of the area).
    partitions : int, optional
        Run the per-facility (buffer) or per-street (network) geometry in this many
        dask-geopandas partitions, and the gap polygons as tiles on this many threads.
    scheduler : str, optional
        Address of a ``dask.distributed`` scheduler for the gap tiles.
    arc_step_deg : float, optional
        Largest angle between two vertices of a circle in the gap polygons; default 1.40625
        (360 / 256), coarser (and said in the warnings) when more than 78,125 facilities
        serve the area (20 million circle vertices in all; every arc keeps its sector's exact area).
    target_share : float, default 1.0
        Area share required; below it every listed gap is a violation.
    facility_kind : str, default "facilities"
        What the facilities are, plural (``"schools"``), for the messages.
    facility : str, optional
        One of them (``"school"``); default: ``facility_kind`` without its plural ending.
    layer_kind : str, optional
        Catalogue kind of the facilities for the input gate (:func:`ecogis.gate.check_layer`).
    rule : str, optional
        The rule measured, carried in the parameters and the violations.
    name : str, default "coverage"
        Name of the result.
    progress : bool, optional
        Progress bars for the long steps.

    Returns
    -------
    CheckResult
        Metrics: ``method``, ``radius_m``, ``area_m2``, ``covered_area_m2``,
        ``area_share``, ``population_total``, ``population_covered``,
        ``population_share``, ``uncovered`` (gap polygons listed),
        ``gap_area_m2``, ``largest_gap_m2``, ``stops_total``,
        ``stops_outside_area``, ``stops_serving_area`` (the facilities, under the
        names the coverage check has always used) and for the network method
        ``buffer_area_share`` and ``network_to_buffer_ratio``.  Layers: ``gaps``,
        ``catchments``, ``districts_coverage``, ``reached_streets`` (network).

    Examples
    --------
    >>> import geopandas as gpd, shapely
    >>> area = gpd.GeoDataFrame(geometry=[shapely.box(500000, 3700000, 510000, 3710000)], crs=4547)
    >>> schools = gpd.GeoDataFrame(geometry=[shapely.Point(505000, 3705000)], crs=4547)
    >>> r = service_coverage(schools, area, radius_m=300, facility_kind="schools")
    >>> round(r.metrics["covered_area_m2"], 3) == round(3.141592653589793 * 300 ** 2, 3)
    True
    """
    return _service_coverage(**locals())[0]


def _service_coverage(facilities: gpd.GeoDataFrame, area: Any, **o: Any) -> tuple[CheckResult, _Run]:
    """:func:`service_coverage`, and what it worked on (a progress bar over its steps when progress is on)."""
    with Steps("coverage", progress=o["progress"]) as steps:
        return _service_coverage_steps(facilities, area, steps, **o)


def _service_coverage_steps(facilities: gpd.GeoDataFrame, area: Any, steps: Steps,
                            **o: Any) -> tuple[CheckResult, _Run]:
    """:func:`_service_coverage`, counting its steps on ``steps``."""
    r = _radius(o["radius_m"], None)
    method, min_gap_m2, target_share = o["method"], o["min_gap_m2"], o["target_share"]
    step = _check_options(method, o["roads"], min_gap_m2, o["access_width_m"], o["partitions"], target_share,
                          o["arc_step_deg"])
    names = _names(o["facility_kind"], o["facility"])
    raster = _population_source(o["population"])  # a bad raster fails here, before any work
    warnings: list[str] = []
    crs, A, xy, points_m, serving, serving_xy = _measured_inputs(facilities, area, r, o["metric_crs"], warnings,
                                                                 kind=o["layer_kind"], what=names.many)
    if raster is not None:
        warnings += raster.audit_warnings(A, crs)
    step = _arc_step(step, len(serving_xy), names, warnings)
    area_m2 = float(A.area)
    inside = shapely.intersects_xy(A, xy[:, 0], xy[:, 1]) if len(xy) else np.zeros(0, dtype=bool)
    out: dict[str, Any] = {
        "parameters": {"method": method, "radius_m": r, "min_gap_m2": float(min_gap_m2),
                       "metric_crs": crs.to_string(), "target_share": target_share,
                       "population": str(raster) if raster else None, "partitions": o["partitions"],
                       "rule": o["rule"]},
        "layers": {}, "metrics": {"method": method, "radius_m": r, "area_m2": area_m2},
        "warnings": warnings, "not_measurable": {}}
    metrics, layers = out["metrics"], out["layers"]

    steps.add(1 + (method != "buffer") + (raster is not None) + (o["districts"] is not None))
    buffer_covered, buffer_gaps, cells = _buffer_coverage(serving_xy, A, r, partitions=o["partitions"], crs=crs,
                                                   scheduler=o["scheduler"], arc_step_deg=step, steps=steps)
    graph = None
    if method == "buffer":
        steps.start("the covered part")
        covered, catch = buffer_covered, covered_part(A, buffer_gaps)
        gaps_all = part_where_discs_touch(buffer_gaps, cells)  # (the catchment from the gaps before: one point set)
    else:
        steps.start("along the streets")
        graph, covered, gaps_all, catch = _network_coverage(o["roads"], A, serving_xy, r, crs, o["access_width_m"],
                                                            names, out)
        steps.done()
    steps.done()
    if raster is not None:
        steps.start("population")
    metrics["covered_area_m2"] = covered
    metrics["area_share"] = covered / area_m2 if area_m2 > 0 else None
    gap_pop = _population_figures(raster, A, gaps_all, crs, o["progress"], out)

    gaps = _gap_layer(gaps_all, gap_pop, min_gap_m2, crs)
    layers["gaps"] = gaps
    metrics["uncovered"] = len(gaps)
    metrics["gap_area_m2"] = float(gaps["area_m2"].sum())
    metrics["largest_gap_m2"] = float(gaps["area_m2"].max()) if len(gaps) else 0.0
    metrics["stops_total"] = len(facilities)
    metrics["stops_outside_area"] = int((~inside).sum())
    metrics["stops_serving_area"] = int(serving.sum())
    if method == "network":
        metrics["buffer_area_share"] = buffer_covered / area_m2 if area_m2 > 0 else None
        metrics["network_to_buffer_ratio"] = covered / buffer_covered if buffer_covered > 0 else None
        if raster is not None and metrics["population_total"]:
            _buffer_population_share(raster, buffer_gaps, crs, o["progress"], metrics)
    if raster is not None:
        steps.done()

    catch_pop = metrics["population_covered"] if raster is not None else np.nan
    layers["catchments"] = gpd.GeoDataFrame({"method": [method], "area_m2": [covered], "population": [catch_pop]},
                                            geometry=gpd.GeoSeries([catch], crs=crs), crs=crs)
    if o["districts"] is not None:
        steps.start("districts")
        exact = None if method != "buffer" or cells is None else functools.partial(zone_covered_area, cells)
        layers["districts_coverage"] = _district_table(o["districts"], A, gaps_all, crs, raster, o["progress"],
                                                       covered_in=exact)
        steps.done()
    violations = _gap_violations(gaps, metrics["area_share"], target_share, r, method, raster is not None,
                                 o["rule"], names)
    result = CheckResult(o["name"], metrics=metrics, violations=violations, layers=layers,
                         parameters=out["parameters"], warnings=warnings, not_measurable=out["not_measurable"])
    return result, _Run(crs=crs, area=A, facilities=points_m, graph=graph)


def covered_area_of(points: gpd.GeoDataFrame, area: Any, *, radius_m: float, metric_crs: CRSLike | None = None,
                    layer_kind: str | None = None, facility_kind: str = "facilities") -> dict[str, Any]:
    """The covered area and its share only: :func:`service_coverage`'s buffer figures without the gap polygons.

    Parameters
    ----------
    points : GeoDataFrame
        Facility points, any CRS.  Those outside the area count.
    area : GeoDataFrame or GeoSeries
        The area; its features are unioned.
    radius_m : float
        Straight-line distance to the nearest facility, metres.
    metric_crs : CRS-like, optional
        Metric CRS (default: the Gauss-Kruger zone of the area).
    layer_kind : str, optional
        Catalogue kind of the points for the input gate.
    facility_kind : str, default "facilities"
        What the points are, plural, for the messages.

    Returns
    -------
    dict
        ``radius_m``, ``area_m2``, ``covered_area_m2``, ``area_share`` (0-1),
        ``stops_serving_area`` (the points within ``radius_m`` of the area) and ``warnings``.

    Examples
    --------
    >>> import geopandas as gpd, shapely
    >>> area = gpd.GeoDataFrame(geometry=[shapely.box(500000, 3700000, 510000, 3710000)], crs=4547)
    >>> schools = gpd.GeoDataFrame(geometry=[shapely.Point(505000, 3705000)], crs=4547)
    >>> round(covered_area_of(schools, area, radius_m=300)["covered_area_m2"])  # pi r^2
    282743
    """
    r = _radius(radius_m, None)
    warnings: list[str] = []
    _, A, _, _, serving, serving_xy = _measured_inputs(points, area, r, metric_crs, warnings, kind=layer_kind,
                                                       what=facility_kind)
    covered = _buffer_coverage(serving_xy, A, r, partitions=None, crs=None, gaps=False).covered
    area_m2 = float(A.area)
    return {"radius_m": r, "area_m2": area_m2, "covered_area_m2": covered,
            "area_share": covered / area_m2 if area_m2 > 0 else None, "stops_serving_area": int(serving.sum()),
            "warnings": warnings}


# --- network, districts, the covered part ----------------------------------------------------
def _network_graph(roads: Any, A: shapely.Geometry, r: float, crs: Any):

    if isinstance(roads, WalkGraph):  # built once by the caller (walk_graph), reused as it is
        if not same_crs(roads.crs, crs):
            raise InputError(f"roads is a WalkGraph in {crs_label(roads.crs)} but the coverage is "
                             f"measured in {crs_label(crs)}: build it with walk_graph(roads, "
                             f"metric_crs=...) in that CRS, or pass metric_crs= the graph's CRS")
        return roads
    reach = A.buffer(r * 1.5 + 100.0)
    if isinstance(roads, (str, os.PathLike)):
        p = Path(roads)
        if p.name.lower().endswith(".pbf"):

            t = Transformer.from_crs(crs, 4326, always_xy=True)
            minx, miny, maxx, maxy = reach.bounds
            xs, ys = t.transform([minx, maxx, minx, maxx], [miny, miny, maxy, maxy])
            return graph_from_pbf(p, metric_crs=crs, bounding_box=[min(xs), min(ys), max(xs), max(ys)])

        roads = read_layer(p, "roads")
    if not isinstance(roads, gpd.GeoDataFrame):
        raise InputError(f"roads was {type(roads).__name__} but is expected to be a GeoDataFrame or a file path")
    return walk_graph(roads, metric_crs=crs, clip_to=reach)


def _district_table(districts: gpd.GeoDataFrame, A: shapely.Geometry, gaps: np.ndarray, crs: Any,
                    raster: Any, progress: bool | None, *,
                    covered_in: Callable[[shapely.Geometry], float] | None = None) -> gpd.GeoDataFrame:
    """Each district's area in ``A``, covered area and population figures.

    The covered area is ``covered_in(district ∩ A)`` where given (the buffer method: exact,
    :func:`ecogis.disc_union.zone_covered_area`), else the district's area less its gaps'
    (whose drawn arcs move it by up to ~1e-6 at the default arcs, ~1e-3 at 12.5°).
    """
    if not isinstance(districts, (gpd.GeoDataFrame, gpd.GeoSeries)) or districts.crs is None:
        raise InputError("districts is expected to be a GeoDataFrame with a CRS")
    d = districts.to_crs(crs)
    names = d["name"].astype(object).tolist() if "name" in d.columns else [str(i) for i in d.index]
    ids = d["id"].astype(object).tolist() if "id" in d.columns else [str(i) for i in d.index]
    geoms = np.asarray(d.geometry.values, dtype=object)
    bad = ~shapely.is_valid(geoms)
    if bad.any():
        geoms = geoms.copy()
        geoms[bad] = shapely.make_valid(geoms[bad])
    in_area = shapely.intersection(geoms, A)
    gaps_d = _gaps_in(geoms, gaps)
    a = shapely.area(in_area)
    ga = shapely.area(gaps_d)
    keep = a > 0
    pop_total = _population_of(raster, in_area[keep], crs, progress)
    pop_gap = _population_of(raster, gaps_d[keep], crs, progress)
    cov = a[keep] - ga[keep] if covered_in is None else np.array([covered_in(z) for z in in_area[keep]], dtype=float)
    with np.errstate(invalid="ignore", divide="ignore"):
        out = gpd.GeoDataFrame({
            "id": np.asarray(ids, dtype=object)[keep], "name": np.asarray(names, dtype=object)[keep],
            "area_m2": a[keep], "covered_area_m2": cov, "area_share": cov / a[keep],
            "population_total": pop_total, "population_covered": pop_total - pop_gap,
            "population_share": np.where(pop_total > 0, (pop_total - pop_gap) / pop_total, np.nan),
        }, geometry=gpd.GeoSeries(list(in_area[keep]), crs=crs), crs=crs)
    return out.reset_index(drop=True)


def _gaps_in(zones: np.ndarray, gaps: np.ndarray) -> np.ndarray:
    """The part of the gaps (disjoint polygons) in each zone, as one (multi)polygon per zone.

    Each zone meets only the gaps near it (an STRtree); gaps wholly inside count whole,
    only those crossing its edge are cut to it.
    """
    out = np.array([shapely.Polygon()] * len(zones), dtype=object)
    gaps = np.asarray(gaps, dtype=object)
    if gaps.size == 0 or len(zones) == 0:
        return out
    zi, gi = shapely.STRtree(gaps).query(zones)
    if zi.size == 0:
        return out
    shapely.prepare(zones)
    whole = shapely.contains(zones[zi], gaps[gi])
    parts = np.empty(zi.size, dtype=object)
    parts[whole] = gaps[gi[whole]]
    parts[~whole] = shapely.intersection(zones[zi[~whole]], gaps[gi[~whole]])
    pieces, which = shapely.get_parts(parts, return_index=True)
    poly = (shapely.get_type_id(pieces) == _POLY) & ~shapely.is_empty(pieces)
    pieces, owner = pieces[poly], zi[which[poly]]
    if pieces.size:
        o = np.argsort(owner, kind="stable")
        zone_ids = np.unique(owner)
        out[zone_ids] = shapely.multipolygons(pieces[o], indices=np.searchsorted(zone_ids, owner[o]))
    return out
