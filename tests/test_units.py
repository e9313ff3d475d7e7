"""ecogis.units: values as people read them, checked against hand-computed figures."""

from __future__ import annotations

import math

import numpy as np
import pytest

from ecogis.errors import InputError
from ecogis.units import area_unit_for, format_number, format_value, normalize_unit, unit_of_key


@pytest.mark.parametrize("m2, zh, en", [
    (1_120_118_453.0, "1,120.12 km²", "1,120.12 km²"),  # 1.120118453e9 / 1e6
    (1_000_000.0, "1.00 km²", "1.00 km²"),              # the km² threshold itself
    (999_999.0, "100.0 公顷", "100.0 ha"),               # just below it: 99.9999 ha -> 100.0
    (54_321.0, "5.43 公顷", "5.43 ha"),
    (100.0, "0.01 公顷", "0.01 ha"),
    (99.0, "99 m²", "99 m²"),
])
def test_areas_by_size(m2, zh, en):
    assert format_value(m2, "m2", lang="zh") == zh
    assert format_value(m2, "m²", lang="en") == en


def test_area_unit_configurable_and_other_input_units():
    assert format_value(2_500_000.0, "m2", lang="zh", area_unit="ha") == "250.0 公顷"
    assert format_value(2_500_000.0, "m2", lang="en", area_unit="m2") == "2,500,000 m²"
    assert format_value(3.0, "km2", lang="zh", area_unit="ha") == "300.0 公顷"
    assert format_value(12.0, "ha", lang="en") == "12.0 ha"
    with pytest.raises(InputError, match="area_unit"):
        format_value(1.0, "m2", area_unit="acres")


def test_lengths_shares_counts():
    assert format_value(12_345.0, "m", lang="zh") == "12.35 km"
    assert format_value(999.4, "m", lang="zh") == "999 m"
    assert format_value(0.35, "km", lang="en") == "350 m"
    assert format_value(0.14125, "share", lang="zh") == "14.1%"
    assert format_value(1.0, "share", lang="zh") == "100.0%"
    assert format_value(1_049_551, "count", lang="en") == "1,049,551"
    assert format_value(np.int64(7), "count") == "7"
    assert format_value(2024, "", lang="zh") == "2024"
    assert format_value(44.951, "ug/m3") == "44.95 µg/m³"


@pytest.mark.parametrize("v", [None, float("nan"), math.inf, np.float64("nan")])
def test_missing_is_a_dash(v):
    assert format_value(v, "m2") == "\u2014"


def test_bools_and_text():
    assert format_value(np.bool_(True), "", lang="zh") == "是"
    assert format_value(False, "", lang="en") == "no"
    assert format_value("沙河", "m") == "沙河"


def test_column_area_unit_by_median():
    assert area_unit_for([4.5e8, 2e6, 8e5]) == "km2"
    assert area_unit_for([4.5e8, 2e4, 8e3]) == "ha"  # one big district does not turn small gaps into km²
    assert area_unit_for([]) == "km2"
    assert area_unit_for([None, float("nan"), 50.0]) == "m2"


def test_units_from_keys_and_spellings():
    assert [unit_of_key(k) for k in ("area_m2", "gap_area_km2", "reached_street_km", "radius_m", "pm25_ugm3",
                                     "population_share", "population_total", "method")] == \
        ["m2", "km2", "km", "m", "ug/m3", "share", "count", ""]
    assert normalize_unit("µg/m³") == "ug/m3" and normalize_unit("公顷") == "ha"


def test_format_number_against_python():
    for x in (1234567.8, 12.3456, 0.5, 1500.25):
        assert float(format_number(x).replace(",", "")) == pytest.approx(x, rel=5e-4)
