"""Check ``bus-indicators``: bus lanes, harbour-style and accessible stops, priority intersections, lines."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ecogis.checks.spec import CheckSpec, Metric
from ecogis.coverage import bus_indicators
from ecogis.layerset import LayerSet
from ecogis.result import CheckResult

__all__ = ["SPEC", "run"]


def run(layers: LayerSet, params: Mapping[str, Any], *, scope: str | None = None,
        year: int | None = None) -> CheckResult:
    """The attribute-only bus indicators of the layer set's stops, routes, roads and intersections."""
    # through the input gate (LayerSet.optional), as every check's layers
    return bus_indicators(stops=layers.optional("bus_stops"), routes=layers.optional("bus_routes"),
                          roads=layers.optional("roads"), intersections=layers.optional("intersections"))


SPEC = CheckSpec(
    name="bus-indicators",
    order=20,
    title=("公交指标", "Bus indicators"),
    runner=run,
    inputs=("bus_stops", "bus_routes", "roads", "intersections"),
    metrics=(
        Metric("bus_lane_km", "km", ("公交专用道长度", "Bus lanes"), target=True),
        Metric("harbour_stop_share", "share", ("港湾式停靠站比例", "Harbour-style stops"), target=True),
        Metric("accessible_platform_share", "share", ("无障碍站台比例", "Accessible platforms"), target=True),
        Metric("priority_intersection_share", "share", ("公交优先交叉口比例", "Intersections with bus priority"),
               target=True),
        Metric("bus_lines", "count", ("公交线路数", "Bus lines"), target=True),
        Metric("stops_total", "count", ("站点数", "Stops")),
        Metric("arterial_intersections", "count", ("主干道交叉口数", "Arterial intersections")),
        Metric("new_bus_lane_km", "km", ("新增公交专用道长度", "New bus lanes")),
    ),
    context=("study_area", "roads", "bus_routes", "intersections", "bus_stops"),
    headline=("bus_lane_km", "harbour_stop_share", "accessible_platform_share", "priority_intersection_share",
              "stops_total", "arterial_intersections"),
    result_layers=("bus_lanes",),
    command="ecogis.cli.coverage:bus_indicators_command",
)
