"""Check ``coverage-network``: bus-stop coverage by walking distance along the streets.

The same engine and figures as ``coverage`` (``method="network"``), with the
streets each stop reaches (``reached_streets``) and the network catchment as
result layers, so ``ecogis map`` draws them (they used to reach the user only
through ``ecogis coverage --method network --out``).  No plan target uses it
yet; the audit runs it only when a target names it.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ecogis.checks._areas import scope_area
from ecogis.checks.coverage import SPEC as _BUFFER
from ecogis.checks.spec import CheckSpec
from ecogis.coverage import stop_coverage
from ecogis.layerset import LayerSet
from ecogis.result import CheckResult

__all__ = ["SPEC", "run"]


def run(layers: LayerSet, params: Mapping[str, Any], *, scope: str | None = None,
        year: int | None = None) -> CheckResult:
    """Walking-distance coverage of the target's study area (default 中心城区) along the layer set's roads."""
    result = stop_coverage(layers.get("bus_stops"), scope_area(layers, scope or "中心城区"), method="network",
                           roads=layers.get("roads"),
                           population=layers.rasters.get("population", layers.vectors.get("population")),
                           districts=layers.districts())
    result.name = "coverage-network"
    return result


SPEC = CheckSpec(
    name="coverage-network",
    order=200,
    title=("公交站点覆盖（步行路网）", "Bus-stop coverage (walking network)"),
    runner=run,
    inputs=("bus_stops", "study_area", "roads", "population"),
    metrics=_BUFFER.metrics,
    scoped=True,
    context=("study_area", "bus_stops"),  # the streets reached are drawn; all roads would hide the gaps
    headline=("method", "radius_m", "area_m2", "covered_area_m2", "area_share", "population_share",
              "buffer_area_share", "network_to_buffer_ratio", "reached_street_km"),
    result_layers=("gaps", "catchments", "districts_coverage", "reached_streets"),
)
