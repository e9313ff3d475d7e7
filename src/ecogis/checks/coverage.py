"""Check ``coverage``: share of the study area (and population) within 500 m of a bus stop."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ecogis.checks._areas import scope_area
from ecogis.checks.spec import CheckSpec, Metric
from ecogis.coverage import stop_coverage
from ecogis.layerset import LayerSet
from ecogis.result import CheckResult

__all__ = ["SPEC", "run"]


def run(layers: LayerSet, params: Mapping[str, Any], *, scope: str | None = None,
        year: int | None = None) -> CheckResult:
    """Coverage of the target's study area (default 中心城区) by the layer set's bus stops."""
    return stop_coverage(layers.get("bus_stops"), scope_area(layers, scope or "中心城区"),
                         population=layers.rasters.get("population", layers.vectors.get("population")),
                         districts=layers.districts())


SPEC = CheckSpec(
    name="coverage",
    order=10,
    title=("公交站点覆盖", "Bus-stop coverage"),
    runner=run,
    inputs=("bus_stops", "study_area", "population"),
    metrics=(
        Metric("method", "", ("方法", "Method")),
        Metric("radius_m", "m", ("半径", "Radius")),
        Metric("area_m2", "m2", ("面积", "Area")),
        Metric("covered_area_m2", "m2", ("覆盖面积", "Covered area")),
        Metric("area_share", "share", ("面积覆盖率", "Area share"), target=True),
        Metric("population_total", "count", ("总人口", "Population")),
        Metric("population_covered", "count", ("覆盖人口", "Population covered")),
        Metric("population_share", "share", ("人口覆盖率", "Population share"), target=True),
        Metric("uncovered", "count", ("覆盖空白数", "Gaps")),
        Metric("gap_area_m2", "m2", ("空白面积", "Gap area")),
        Metric("largest_gap_m2", "m2", ("最大空白面积", "Largest gap")),
        Metric("stops_total", "count", ("站点数", "Stops")),
        Metric("stops_outside_area", "count", ("区外站点数", "Stops outside the area")),
        Metric("stops_serving_area", "count", ("服务本区站点数", "Stops serving the area")),
        Metric("buffer_area_share", "share", ("直线距离覆盖率", "Straight-line area share")),
        Metric("network_to_buffer_ratio", "", ("路网/直线覆盖比", "Network / straight-line")),
        Metric("reached_street_km", "km", ("可达街道长度", "Streets reached")),
        Metric("population_raster_share", "share",
               ("人口栅格覆盖本区比例", "Share of the area the population raster covers")),
        Metric("population_invalid_cells", "count", ("人口无效像元数", "Population cells with no valid count")),
        Metric("buffer_population_share", "share", ("直线距离人口覆盖率", "Straight-line population share")),
        Metric("network_to_buffer_population_ratio", "", ("路网/直线人口覆盖比", "Network / straight-line population")),
        Metric("graph_edges", "count", ("路网边数", "Street graph edges")),
        Metric("graph_street_km", "km", ("路网长度", "Street graph length")),
        Metric("graph_components", "count", ("路网连通分量数", "Street graph pieces")),
        Metric("graph_largest_component_share", "share", ("最大连通分量长度占比", "Length share of the largest piece")),
        Metric("graph_crossings_joined", "count", ("平面交叉数", "Crossings joined")),
        Metric("graph_crossings_kept_apart", "count", ("立体交叉数", "Crossings kept apart (bridges, tunnels)")),
        Metric("stops_snapped_beyond_access", "count",
               ("距街道超出接入宽度的站点数", "Stops farther than the access width from a street")),
        Metric("stops_max_snap_m", "m", ("站点距街道最大距离", "Largest stop-to-street distance")),
    ),
    scoped=True,
    context=("study_area", "bus_stops"),
    headline=("method", "radius_m", "area_m2", "covered_area_m2", "area_share", "population_total",
              "population_share", "uncovered", "stops_total", "stops_outside_area", "network_to_buffer_ratio"),
    result_layers=("gaps", "catchments", "districts_coverage", "proposals", "reached_streets"),
    command="ecogis.cli.coverage:coverage",
)
