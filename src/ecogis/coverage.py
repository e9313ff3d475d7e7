"""Transit audit: 500 m stop coverage by area and population, gaps, new-stop proposals, bus indicators.

Luohe's 漯政办〔2023〕22号 (urban public-transport priority plan) promises for 2025
that 中心城区公共交通站点500米覆盖率 reaches 100 % (二、(二)2 "500米上车、5分钟换乘"),
with at least 30 km of new bus lanes, harbour-style stops at 32 % or more,
accessible platforms at 20 % or more and bus priority at 20 % or more of arterial
intersections (二、(二)3).  UN-Habitat's SDG 11.2.1 measures the share of people
within 500 m walking distance of a stop.  This module measures both ways:

* :func:`stop_coverage` (the bus-stop use of :func:`ecogis.service_area.service_coverage`)
  with ``method="buffer"``: the area within ``radius_m`` straight-line distance of the
  nearest stop.  The area is **exact** (no polygon approximation of the circles):
  the stops' Voronoi diagram splits the union of discs into disjoint pieces (disc
  *i* clipped to the cell of stop *i*), and the area of each piece is summed in
  closed form over the Voronoi edges (:mod:`ecogis.discs`, :mod:`ecogis.disc_union`).  The gaps
  are walked along the edges of the cells that reach beyond their disc.  :func:`covered_area` gives the figures alone.
* ``method="network"``: the street length within ``radius_m`` walking distance
  (:mod:`ecogis.network`) buffered by ``access_width_m``; the ratio to the
  straight-line coverage is reported.
* with a population raster (:mod:`ecogis.population`): persons covered, weighted
  by the covered fraction of every cell.
* :func:`propose_stops` (:mod:`ecogis.proposals`): greedy siting of new stops that
  each add the most newly covered population (or area).
* :func:`bus_indicators` (:mod:`ecogis.bus_indicators`): bus-lane km and the shares of
  harbour-style stops, accessible platforms and priority intersections, from layer attributes only.

The plan's rules and targets are in :mod:`ecogis.transit_plan`; the engine, free of
buses, in :mod:`ecogis.service_area` (and :mod:`ecogis.disc_union`), so that
coverage of schools or clinics calls the same code.

Stops outside the area count: they serve residents inside it (no clipping).

Examples
--------
>>> import geopandas as gpd, shapely
>>> area = gpd.GeoDataFrame(geometry=[shapely.box(500000, 3700000, 510000, 3710000)], crs=4547)
>>> stops = gpd.GeoDataFrame(geometry=[shapely.Point(505000, 3705000)], crs=4547)
>>> r = stop_coverage(stops, area, radius_m=500)
>>> round(r.metrics["covered_area_m2"], 3) == round(3.141592653589793 * 500 ** 2, 3)
True
"""

from __future__ import annotations

import os
from typing import Any

import geopandas as gpd

from ecogis.bus_indicators import bus_indicators
from ecogis.crs import CRSLike
from ecogis.disc_union import DEFAULT_ARC_STEP_DEG, within_distance
from ecogis.discs import disc_polygon_area
from ecogis.gate import check_number
from ecogis.proposals import propose_stops
from ecogis.result import CheckResult
from ecogis.service_area import (
    DEFAULT_MIN_GAP_M2,
    METHODS,
    _population_source,
    _radius,
    _service_coverage,
    covered_area_of,
    service_coverage,
)
from ecogis.transit_plan import BUS_LANE_RULE, COVERAGE_RULE, DEFAULT_RADIUS_M, FACILITY_RULE, TARGETS_2025

__all__ = [
    "BUS_LANE_RULE",
    "COVERAGE_RULE",
    "DEFAULT_ARC_STEP_DEG",
    "DEFAULT_MIN_GAP_M2",
    "DEFAULT_RADIUS_M",
    "FACILITY_RULE",
    "METHODS",
    "TARGETS_2025",
    "bus_indicators",
    "covered_area",
    "disc_polygon_area",
    "propose_stops",
    "service_coverage",
    "stop_coverage",
    "within_distance",
]


def covered_area(
    stops: gpd.GeoDataFrame,
    area: gpd.GeoDataFrame | gpd.GeoSeries,
    *,
    radius_m: float = DEFAULT_RADIUS_M,
    metric_crs: CRSLike | None = None,
) -> dict[str, Any]:
    """The covered area and its share only: :func:`stop_coverage`'s buffer figures without the gap polygons.

    The same exact computation (Voronoi cells in closed form, the cells crossing
    the area's boundary cut to it), minus the geometry of the gaps, the
    population and the tables.  For scenarios and screening many areas or radii;
    use :func:`stop_coverage` for the audit.

    Parameters
    ----------
    stops : GeoDataFrame
        Stop points, any CRS.  Stops outside the area count.
    area : GeoDataFrame or GeoSeries
        The area audited; its features are unioned.
    radius_m : float, default 500
        Straight-line distance to the nearest stop, metres.
    metric_crs : CRS-like, optional
        Metric CRS (default: the Gauss-Kruger zone of the area).

    Returns
    -------
    dict
        ``radius_m``, ``area_m2``, ``covered_area_m2``, ``area_share`` (0-1),
        ``stops_serving_area`` and ``warnings``.

    Examples
    --------
    >>> import geopandas as gpd, shapely
    >>> area = gpd.GeoDataFrame(geometry=[shapely.box(500000, 3700000, 510000, 3710000)], crs=4547)
    >>> stops = gpd.GeoDataFrame(geometry=[shapely.Point(505000, 3705000), shapely.Point(505600, 3705000)], crs=4547)
    >>> round(covered_area(stops, area, radius_m=500)["covered_area_m2"])  # 2 pi r^2 minus the lens
    1347149
    """
    return covered_area_of(stops, area, radius_m=_radius(radius_m, None), metric_crs=metric_crs,
                           layer_kind="bus_stops", facility_kind="stops")


def stop_coverage(  # noqa: PLR0913 -- one keyword-only option per documented parameter (public API)
    stops: gpd.GeoDataFrame,
    area: gpd.GeoDataFrame | gpd.GeoSeries,
    *,
    radius_m: float | None = None,
    radius: float | None = None,
    method: str = "buffer",
    roads: gpd.GeoDataFrame | str | os.PathLike | None = None,
    population: str | os.PathLike | None = None,
    access_width_m: float = 50.0,
    min_gap_m2: float = DEFAULT_MIN_GAP_M2,
    districts: gpd.GeoDataFrame | None = None,
    metric_crs: CRSLike | None = None,
    partitions: int | None = None,
    scheduler: str | None = None,
    arc_step_deg: float | None = None,
    propose: int = 0,
    candidates: gpd.GeoDataFrame | None = None,
    target_share: float = TARGETS_2025["area_share"],
    progress: bool | None = None,
) -> CheckResult:
    """Share of an area (and of its people) within ``radius_m`` of a stop; the gaps; per district.

    Parameters
    ----------
    stops : GeoDataFrame
        Stop points, any CRS.  Stops outside the area count: they serve people inside it.
    area : GeoDataFrame or GeoSeries
        The area audited (e.g. ``sample.study_area("中心城区")``); its features are unioned.
    radius_m : float, default 500
        Distance to the nearest stop, metres (``radius`` is accepted as an alias).
    method : {"buffer", "network"}, default "buffer"
        Straight-line distance, or walking distance along ``roads``.
    roads : GeoDataFrame, path or WalkGraph, optional
        Street centre lines (GeoDataFrame, any vector file, or an OpenStreetMap
        ``.osm.pbf``), or a graph built once with :func:`ecogis.network.walk_graph`
        in the metric CRS (reused as it is); needed by ``method="network"``.
    population : path, GeoDataFrame or PolygonPopulation, optional
        Population GeoTIFF (persons per cell), any CRS; or polygons with a
        count (a vector grid, 街道 / 社区, a table joined to boundaries:
        :mod:`ecogis.population_polygons`), people spread evenly over each.
        Without it the population metrics are reported as not measurable.
    access_width_m : float, default 50
        Network method: covered depth either side of a reached street.
    min_gap_m2 : float, default 2500
        Gap polygons smaller than this are not listed (they still count in the shares).
    districts : GeoDataFrame, optional
        Sub-areas (with ``name``) for the per-district table.
    metric_crs : CRS-like, optional
        Metric CRS (default: the Gauss-Kruger zone of the area).
    partitions : int, optional
        Run the per-stop (buffer) or per-street (network) geometry in this many
        dask-geopandas partitions, and the gap polygons as tiles on this many threads;
        the numbers are the same bit for bit.
    scheduler : str, optional
        Address of a ``dask.distributed`` scheduler (e.g. ``"tcp://10.0.0.5:8786"``; default:
        the environment variable ``DASK_SCHEDULER_ADDRESS`` when set): the gap tiles run
        on its workers, with the same numbers.
    arc_step_deg : float, optional
        Largest angle between two vertices of a circle in the gap polygons (default 360 / 256: 4 cm
        from the circle at 500 m; coarser, with a warning, when more than 78,125 stops serve the
        area, so that a national run fits in memory).  Each arc keeps its sector's exact area whatever the step;
        a coarser step (e.g. 11.25, 32 vertices a circle) makes national runs, where most
        discs stand alone as holes in one large gap, several times lighter in memory.
    propose : int, default 0
        Also propose this many new stops (:func:`propose_stops`), layer ``proposals``.
    candidates : GeoDataFrame, optional
        Candidate sites or lines for the proposals (default: ``roads`` when given, else a grid).
    target_share : float, default 1.0
        Area share the plan requires (漯政办〔2023〕22号 二、(二)2: 100 %); below it every
        listed gap is a violation.
    progress : bool, optional
        Progress bars for the long steps.

    Returns
    -------
    CheckResult
        Named ``"coverage"``.  Metrics: ``method``, ``radius_m``, ``area_m2``,
        ``covered_area_m2``, ``area_share``, ``population_total``,
        ``population_covered``, ``population_share``, ``uncovered`` (gap polygons
        listed), ``gap_area_m2``, ``stops_total``, ``stops_outside_area``,
        ``stops_serving_area`` and for the network method ``buffer_area_share`` and
        ``network_to_buffer_ratio``.  Layers: ``gaps`` (``area_m2``,
        ``population``), ``catchments`` (the covered part of the area),
        ``districts_coverage``, ``reached_streets`` (network), ``proposals`` (when asked).

    Examples
    --------
    >>> import ecogis
    >>> sample = ecogis.load_sample()  # doctest: +SKIP
    >>> r = stop_coverage(sample.get("bus_stops"), sample.study_area("中心城区"),
    ...                   population="layers/population.tif")  # doctest: +SKIP
    >>> round(r.metrics["area_share"], 3)  # doctest: +SKIP
    0.833
    """
    r = _radius(radius_m, radius, DEFAULT_RADIUS_M)
    check_number("propose", propose, minimum=0, integer=True)
    result, run = _service_coverage(stops, area, radius_m=r, method=method, roads=roads, population=population,
                                    access_width_m=access_width_m, min_gap_m2=min_gap_m2, districts=districts,
                                    metric_crs=metric_crs, partitions=partitions, scheduler=scheduler,
                                    arc_step_deg=arc_step_deg, target_share=target_share, facility_kind="stops",
                                    facility="stop", layer_kind="bus_stops", rule=COVERAGE_RULE, name="coverage",
                                    progress=progress)
    if propose and propose > 0:
        cand = candidates
        if cand is None and isinstance(roads, gpd.GeoDataFrame):
            cand = roads
        result.layers["proposals"] = propose_stops(run.facilities, run.area, k=int(propose), candidates=cand,
                                                   population=_population_source(population), radius_m=r,
                                                   target_share=target_share, metric_crs=run.crs, method=method,
                                                   roads=run.graph, access_width_m=access_width_m)
    return result
