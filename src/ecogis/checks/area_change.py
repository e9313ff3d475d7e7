"""Check ``area-change``: area lost, gained and net between two versions of a versioned polygon kind.

Permanent basic farmland, wetlands and public-welfare forest (``protected_areas`` with a
``category``) or red lines: the earlier version lies beside the layers as
``<kind>_<version>`` (:func:`ecogis.area_change.find_previous_version`).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ecogis.area_change import VERSIONED_KINDS, area_change, read_previous_version
from ecogis.checks._reasons import canonical_values, with_reasons
from ecogis.checks.spec import CheckSpec, Metric, Param
from ecogis.errors import InputError
from ecogis.layerset import LayerSet
from ecogis.result import CheckResult

__all__ = ["SPEC", "run"]


@with_reasons("area-change")
def run(layers: LayerSet, params: Mapping[str, Any], *, scope: str | None = None,
        year: int | None = None) -> CheckResult:
    """:func:`ecogis.area_change.area_change` from the earlier version of ``params["kind"]`` to the current one."""
    kind = str(params.get("kind") or "protected_areas")
    if kind not in VERSIONED_KINDS:
        raise InputError(f"`params.kind` was {kind!r} but is expected to be one of {list(VERSIONED_KINDS)}")
    category = str(params.get("category") or "").strip() or None
    if category is not None:
        category = canonical_values(kind, "category", [category])[0]
    current = layers.get(kind)
    previous = read_previous_version(layers.root, kind)
    result = area_change(previous, current, kind=kind, category=category,
                         min_piece_m2=float(params.get("min_piece_m2", 1.0)))
    result.layers = {"area_lost": result.layers["lost"], "area_gained": result.layers["gained"]}
    return result


SPEC = CheckSpec(
    name="area-change",
    order=140,
    title=("保护面积变化", "Protected-area change"),
    runner=run,
    inputs=("protected_areas",),
    params=(
        Param("kind", "protected_areas",
              label=("图层类型", "Layer kind"),
              doc="versioned polygon kind: protected_areas or eco_redlines"),
        Param("category", "",
              label=("类别", "Category"),
              doc="only this category (永久基本农田, 湿地, 公益林, 其他, or their aliases farmland, wetland, "
                  "public_forest); empty: all features"),
        Param("min_piece_m2", 1.0, unit="m2", minimum=0.0,
              label=("列出的最小图斑", "Smallest piece listed"),
              doc="lost pieces smaller than this are not listed"),
    ),
    metrics=(
        Metric("net_m2", "m2", ("面积净变化", "Net area change"), target=True),
        Metric("lost_m2", "m2", ("减少面积", "Area lost"), target=True),
        Metric("gained_m2", "m2", ("增加面积", "Area gained")),
        Metric("old_area_m2", "m2", ("原面积", "Earlier area")),
        Metric("new_area_m2", "m2", ("现面积", "Current area"), target=True),
    ),
    context=("study_area", "protected_areas"),
    headline=("old_area_m2", "new_area_m2", "lost_m2", "gained_m2", "net_m2"),
    result_layers=("area_lost", "area_gained"),
)
