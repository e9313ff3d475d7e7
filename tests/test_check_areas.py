"""checks/_areas.py: the study area of a target's scope is that scope's, never another's."""

from __future__ import annotations

import geopandas as gpd
import pytest
from shapely.geometry import box

from ecogis.checks._areas import optional_area, scope_area
from ecogis.errors import NotMeasurableError
from ecogis.layerset import LayerSet


def _layers(*scopes: str) -> LayerSet:
    areas = gpd.GeoDataFrame({"scope": list(scopes)},
                             geometry=[box(114 + i * 0.1, 33.5, 114.05 + i * 0.1, 33.55) for i in range(len(scopes))],
                             crs="EPSG:4490")
    return LayerSet({"study_area": areas})


def test_an_unknown_scope_is_not_measured_on_the_central_city():
    layers = _layers("中心城区", "市域")
    with pytest.raises(NotMeasurableError, match="县城建成区"):
        scope_area(layers, "县城建成区")
    assert optional_area(layers, "县城建成区") is None


def test_a_scope_the_layers_have_is_that_scope():
    layers = _layers("中心城区", "县城建成区", "城市建成区", "主城区")
    for scope in ("中心城区", "县城建成区", "城市建成区", "主城区"):
        got = scope_area(layers, scope)
        assert list(got["scope"]) == [scope]


def test_whole_city_scopes_take_the_city_and_no_scope_falls_back_to_the_central_city():
    layers = _layers("中心城区", "市域")
    assert list(scope_area(layers, "全市")["scope"]) == ["市域"]
    assert list(scope_area(layers, None)["scope"]) == ["市域"]
    only_centre = _layers("中心城区")
    assert list(scope_area(only_centre, None)["scope"]) == ["中心城区"]
    with pytest.raises(NotMeasurableError):
        scope_area(only_centre, "全市")
