"""Check ``boilers``: coal boilers within the heating radius of CHP plants of 300 MW or more."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ecogis.checks.spec import CheckSpec, Field, Metric, Param
from ecogis.ecology import coal_boilers_near_chp
from ecogis.layerset import LayerSet
from ecogis.result import CheckResult

__all__ = ["SPEC", "run"]


def run(layers: LayerSet, params: Mapping[str, Any], *, scope: str | None = None,
        year: int | None = None) -> CheckResult:
    """:func:`ecogis.ecology.coal_boilers_near_chp` of the layer set's facilities with a target's params."""
    return coal_boilers_near_chp(layers.get("facilities"), **params)


SPEC = CheckSpec(
    name="boilers",
    order=100,
    title=("热电联产供热半径内燃煤锅炉", "Coal boilers near CHP plants"),
    runner=run,
    inputs=("facilities",),
    params=(
        Param("radius_m", 30_000.0, unit="m", minimum=0.0, min_open=True,
              doc="heating radius around each plant (漯政〔2024〕6号 三(三): 30 km; "
                  "三政办〔2018〕35号 二(一)6: 15 km)", label=("供热半径", "Heating radius")),
        Param("min_chp_mw", 300.0, unit="MW", minimum=0.0, doc="smallest CHP plant that counts (30万千瓦)",
              label=("热电厂最小装机容量", "Smallest CHP plant")),
    ),
    metrics=(
        Metric("coal_boilers_near_chp", "count", ("供热半径内燃煤锅炉", "Coal boilers within the heating radius"),
               target=True),
        Metric("chp_plants", "count", ("热电联产电厂数", "CHP plants")),
        Metric("coal_boilers_total", "count", ("燃煤锅炉数", "Coal boilers")),
    ),
    context=("study_area", "facilities"),
    headline=("chp_plants", "coal_boilers_total", "coal_boilers_near_chp"),
    result_layers=("chp_radius",),
    fields=(
        Field("chp_id", label=("热电厂编号", "CHP plant id"), data=True),
    ),
    command="ecogis.cli.check_ecology:boilers",
)
