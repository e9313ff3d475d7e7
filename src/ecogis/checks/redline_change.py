"""Check ``redline-change``: red-line area lost, gained and net between two versions (面积不减少)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import geopandas as gpd

from ecogis.area_change import area_change, find_previous_version
from ecogis.checks.spec import CheckSpec, Metric
from ecogis.ecology import REDLINE_AREA_RULE
from ecogis.errors import NotMeasurableError
from ecogis.io import read_layer
from ecogis.layerset import LayerSet
from ecogis.result import CheckResult

__all__ = ["SPEC", "previous_redlines", "run"]


def previous_redlines(layers: LayerSet) -> gpd.GeoDataFrame:
    """The earlier red-line version beside the layer set (``eco_redlines_<version>``).

    Raises
    ------
    NotMeasurableError
        When there is none.
    """
    root = layers.root.parent if layers.root is not None and layers.root.is_file() else layers.root
    found = find_previous_version(root, "eco_redlines") if root is not None else None
    if found is None:
        raise NotMeasurableError("no earlier red-line version (eco_redlines_<version>.gpkg or a GeoPackage layer "
                                 "eco_redlines_<version> beside the layers)")
    path, layer = found
    return read_layer(path, "eco_redlines", layer=layer)


def run(layers: LayerSet, params: Mapping[str, Any], *, scope: str | None = None,
        year: int | None = None) -> CheckResult:
    """:func:`ecogis.area_change.area_change` of red lines from the earlier version to the layer set's
    ``eco_redlines`` (the figures of :func:`ecogis.ecology.redline_change`)."""
    return area_change(previous_redlines(layers), layers.get("eco_redlines"), kind="eco_redlines",
                       rule=REDLINE_AREA_RULE, name="redline-change")


SPEC = CheckSpec(
    name="redline-change",
    order=60,
    title=("生态保护红线变化", "Red-line change"),
    runner=run,
    inputs=("eco_redlines",),
    metrics=(
        Metric("net_m2", "m2", ("面积净变化", "Net area change"), target=True),
        Metric("lost_m2", "m2", ("减少面积", "Area lost"), target=True),
        Metric("gained_m2", "m2", ("增加面积", "Area gained")),
        Metric("old_area_m2", "m2", ("原面积", "Earlier area")),
        Metric("new_area_m2", "m2", ("现面积", "Current area")),
        Metric("net_share", "share", ("净变化比例", "Net change share")),
        Metric("lost_pieces", "count", ("减少图斑数", "Pieces lost")),
        Metric("area_not_decreased", "", ("面积未减少", "Area not decreased")),
    ),
    context=("study_area", "eco_redlines"),
    headline=("old_area_m2", "new_area_m2", "lost_m2", "gained_m2", "net_m2"),
    result_layers=("lost", "gained"),
    command="ecogis.cli.check_ecology:redline_change",
)
