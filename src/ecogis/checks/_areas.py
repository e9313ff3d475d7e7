"""Study areas of a target's scope, shared by the checks that need one."""

from __future__ import annotations

import geopandas as gpd

from ecogis.errors import NotMeasurableError
from ecogis.layerset import LayerSet

__all__ = ["WHOLE_CITY", "scope_area", "optional_area"]

#: study-area scope used for targets whose scope is the whole city
WHOLE_CITY = frozenset({"全市", "市域", "市区", "城市", "全域"})


def scope_area(layers: LayerSet, scope: str | None) -> gpd.GeoDataFrame:
    """The study area of a target's scope (``全市`` -> 市域, else the study-area features of that scope).

    A scope the layer set has no study area for is not measurable: it is never replaced by another
    scope (a target of ``县城建成区`` measured on the 中心城区 would be a confident wrong figure).

    Raises
    ------
    NotMeasurableError
        When the layer set has no study area of that scope.
    """
    if scope is None or scope in WHOLE_CITY:
        try:
            return layers.study_area("市域")
        except NotMeasurableError:
            if scope is None:
                return layers.study_area("中心城区")
            raise
    return layers.study_area(scope)


def optional_area(layers: LayerSet, scope: str) -> gpd.GeoDataFrame | None:
    """:func:`scope_area`, or None when the layer set has no such study area."""
    try:
        return scope_area(layers, scope)
    except NotMeasurableError:
        return None
