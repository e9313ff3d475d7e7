"""Tests of ecogis.water on small hand-computed cases in EPSG:4547 (metres)."""

from __future__ import annotations

import math

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely

from ecogis.errors import InputError, NotMeasurableError
from ecogis.water import (
    LAW_RULES,
    RiverNetwork,
    classify_water_quality,
    delineate_protection_zones,
    load_gb3838_rules,
    load_hj338_rules,
    protection_conflicts,
    section_compliance,
    water_sources_check,
)

GK = "EPSG:4547"
X0, Y0 = 500_000.0, 3_700_000.0


def gdf(rows: list[dict], geoms: list) -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame(pd.DataFrame(rows), geometry=geoms, crs=GK)


def facility(fid: str, kind: str, geom, **kw) -> tuple[dict, object]:
    return {"id": fid, "name": f"设施{fid}", "kind": kind, **kw}, geom


def facilities(*items: tuple[dict, object]) -> gpd.GeoDataFrame:
    return gdf([r for r, _ in items], [g for _, g in items])


# --- protection conflicts -------------------------------------------------------------
def test_facility_one_metre_inside_is_a_violation_one_metre_outside_a_warning(square_zone):
    fac = facilities(
        facility("in", "enterprise", shapely.Point(500_500, 3_716_999)),   # 1 m below the north edge
        facility("out", "enterprise", shapely.Point(500_500, 3_717_001)),  # 1 m above it
    )
    r = protection_conflicts(fac, square_zone, warn_distance_m=100.0)
    v = r.violations.set_index("id")
    assert r.n_violations == 1 and r.metrics["violations"] == 1 and r.metrics["near_zone_warnings"] == 1
    assert v.loc["in", "rule"] == "WPPCL-65-first-level" and v.loc["in", "severity"] == "error"
    assert v.loc["in", "distance_inside_m"] == pytest.approx(1.0)
    assert "第六十五条" in v.loc["in", "citation"]
    assert v.loc["out", "rule"] == "near-zone-edge" and v.loc["out", "severity"] == "warning"
    assert v.loc["out", "distance_outside_m"] == pytest.approx(1.0)
    assert r.metrics["facilities_in_first_level"] == 1
    assert r.name == "water-sources"


def test_warning_distance_is_respected(square_zone):
    fac = facilities(facility("f", "enterprise", shapely.Point(500_500, 3_717_150)))  # 150 m outside
    assert protection_conflicts(fac, square_zone, warn_distance_m=100.0).violations.empty
    r = protection_conflicts(fac, square_zone, warn_distance_m=200.0)
    assert r.violations["distance_outside_m"].tolist() == [pytest.approx(150.0)]
    assert r.n_violations == 0


def test_water_works_allowed_in_first_level_enterprise_not(square_zone):
    fac = facilities(
        facility("ww", "water_works", shapely.Point(500_100, 3_716_100)),
        facility("pump", "other", shapely.Point(500_200, 3_716_100), water_supply_related=True),
        facility("ent", "enterprise", shapely.Point(500_300, 3_716_100), water_supply_related=False),
    )
    r = protection_conflicts(fac, square_zone)
    assert r.violations["id"].tolist() == ["ent"]
    assert r.metrics["facilities_in_first_level"] == 3


def _two_level_zones() -> gpd.GeoDataFrame:
    first = shapely.box(X0, Y0, X0 + 100, Y0 + 100)
    second = shapely.box(X0 - 500, Y0 - 500, X0 + 600, Y0 + 600).difference(first)
    quasi = shapely.box(X0 + 2000, Y0, X0 + 3000, Y0 + 1000)
    return gdf([{"id": "z1", "level": "一级", "source_id": "W1"}, {"id": "z2", "level": "二级", "source_id": "W1"},
                {"id": "zq", "level": "准保护区", "source_id": "W1"}], [first, second, quasi])


def test_outfall_in_second_level_breaks_article_64_and_polluting_rules():
    zones = _two_level_zones()
    fac = facilities(
        facility("o", "outfall", shapely.Point(X0 + 300, Y0 + 300)),
        facility("clean", "enterprise", shapely.Point(X0 + 300, Y0 - 300), polluting=False),
        facility("dirty", "enterprise", shapely.Point(X0 - 300, Y0 + 300), polluting=True),
        facility("q", "livestock_farm", shapely.Point(X0 + 2500, Y0 + 500)),
    )
    r = protection_conflicts(fac, zones, warn_distance_m=0.0)
    rules = dict(zip(r.violations["id"], r.violations["rule"]))
    assert rules == {"o": "WPPCL-64-outfall", "dirty": "WPPCL-66-second-level", "q": "WPPCL-67-quasi"}
    sev = dict(zip(r.violations["id"], r.violations["severity"]))
    assert sev["q"] == "warning" and sev["o"] == sev["dirty"] == "error"
    assert r.metrics["outfalls_in_zones"] == 1
    assert r.metrics["facilities_in_second_level"] == 3
    assert r.metrics["facilities_in_quasi_zone"] == 1
    assert "第六十四条" in LAW_RULES["WPPCL-64-outfall"] and "排污口" in LAW_RULES["WPPCL-64-outfall"]


def test_strictest_zone_decides_and_polygon_depth():
    # 二级 drawn as a full square that also covers the 一级 square
    zones = gdf([{"id": "z2", "level": "二级"}, {"id": "z1", "level": "一级"}],
                [shapely.box(X0, Y0, X0 + 1000, Y0 + 1000), shapely.box(X0, Y0, X0 + 200, Y0 + 200)])
    # a polygon reaching 30 m into the 一级 square across its east edge (x = X0+200)
    poly = shapely.box(X0 + 170, Y0 + 50, X0 + 260, Y0 + 80)
    fac = facilities(facility("p", "enterprise", poly, polluting=False))
    r = protection_conflicts(fac, zones)
    assert r.violations["rule"].tolist() == ["WPPCL-65-first-level"]
    assert r.violations["zone_id"].tolist() == ["z1"]
    assert r.violations["distance_inside_m"].iloc[0] == pytest.approx(30.0)


def test_conflicts_do_not_mutate_inputs_and_reproject(square_zone):
    fac = facilities(facility("in", "enterprise", shapely.Point(500_500, 3_716_999)))
    fac_wgs = fac.to_crs(4490)
    before = fac_wgs.copy()
    r = protection_conflicts(fac_wgs, square_zone)
    assert r.violations["distance_inside_m"].iloc[0] == pytest.approx(1.0, abs=1e-3)
    pd.testing.assert_frame_equal(pd.DataFrame(fac_wgs), pd.DataFrame(before))


def test_conflicts_missing_fields_raise(square_zone):
    fac = gdf([{"id": "a"}], [shapely.Point(X0, Y0)])
    with pytest.raises(NotMeasurableError, match="kind"):
        protection_conflicts(fac, square_zone)
    bad = square_zone.assign(level="三级")
    with pytest.raises(InputError, match="三级"):
        protection_conflicts(facilities(facility("a", "enterprise", shapely.Point(X0, Y0))), bad)


# --- delineation ----------------------------------------------------------------------
def _straight_river() -> gpd.GeoDataFrame:
    return gdf([{"id": "r1", "name": "直河"}], [shapely.LineString([(X0, Y0), (X0 + 10_000, Y0)])])


def _intake(x: float, y: float, kind: str = "河流型", **kw) -> gpd.GeoDataFrame:
    return gdf([{"id": "W1", "name": "取水口", "source_type": kind, **kw}], [shapely.Point(x, y)])


def test_river_first_level_is_1100_m_of_channel_and_50_m_land():
    z = delineate_protection_zones(_intake(X0 + 5000, Y0 + 20), rivers=_straight_river(), river_half_width_m=15.0)
    z = z.set_index(["level", "zone_part"])
    w1, l1 = z.loc[("一级", "水域")], z.loc[("一级", "陆域")]
    # measured along the channel: 1000 m upstream (west: the line runs west to east) + 100 m downstream
    assert w1["channel_length_m"] == pytest.approx(1100.0)
    minx, miny, maxx, maxy = w1.geometry.bounds
    assert (minx, maxx) == (pytest.approx(X0 + 4000), pytest.approx(X0 + 5100))
    assert w1.geometry.area == pytest.approx(1100 * 2 * 15)
    assert l1.geometry.area == pytest.approx(1100 * 2 * 50)  # a 50 m strip on each bank
    assert l1.geometry.bounds[3] - Y0 == pytest.approx(65.0)
    w2, l2 = z.loc[("二级", "水域")], z.loc[("二级", "陆域")]
    # 二级 water: from 3000 m upstream to 300 m downstream, less the 一级 stretch
    assert w2.geometry.area == pytest.approx((3300 - 1100) * 30)
    assert w2.geometry.bounds[0] == pytest.approx(X0 + 2000) and w2.geometry.bounds[2] == pytest.approx(X0 + 5300)
    assert l2.geometry.area == pytest.approx(3300 * (2 * 1015) - 3300 * 30 - 1100 * 100)
    assert "HJ 338-2018" in w1["rule"]
    assert not shapely.intersection(w1.geometry, l2.geometry).area > 1e-6


def test_river_rules_are_parameters_and_short_networks_warn():
    rules = load_hj338_rules(overrides={"river": {"first_level_upstream_m": 1500.0}})
    z = delineate_protection_zones(_intake(X0 + 5000, Y0), rivers=_straight_river(), rules=rules)
    assert z.loc[z["id"] == "W1-1W", "channel_length_m"].iloc[0] == pytest.approx(1600.0)
    warns: list[str] = []
    z = delineate_protection_zones(_intake(X0 + 400, Y0), rivers=_straight_river(), warnings=warns)
    assert z.loc[z["id"] == "W1-1W", "channel_length_m"].iloc[0] == pytest.approx(500.0)
    assert any("ends before" in w for w in warns)
    warns = []
    z = delineate_protection_zones(_intake(X0 + 400, Y0 + 5000), rivers=_straight_river(), warnings=warns)
    assert z.empty and any("more than" in w for w in warns)


def test_groundwater_radius_by_formula_and_by_medium():
    # R = 1.5 * 20 m/d * 0.002 * 100 d / 0.2 = 30 m ; with T = 1000 d: 300 m
    src = _intake(X0, Y0, "地下水型", hydraulic_conductivity_md=20.0, hydraulic_gradient=0.002,
                  effective_porosity=0.2)
    z = delineate_protection_zones(src)
    assert z["radius_m"].tolist() == [pytest.approx(30.0), pytest.approx(300.0)]
    assert z.geometry.iloc[0].area == pytest.approx(math.pi * 30**2, rel=1e-3)
    assert z.geometry.iloc[1].area == pytest.approx(math.pi * (300**2 - 30**2), rel=1e-3)
    z = delineate_protection_zones(_intake(X0, Y0, "地下水型", aquifer_medium="粗砂"))
    assert z["radius_m"].tolist() == [100.0, 1000.0]
    with pytest.raises(InputError, match="泥岩"):
        delineate_protection_zones(_intake(X0, Y0, "地下水型", aquifer_medium="泥岩"))


def test_lake_zones_by_size_class():
    z = delineate_protection_zones(_intake(X0, Y0, "湖库型", size_class="大型水库"))
    assert z["radius_m"].tolist() == [500.0, 700.0, 3700.0]
    assert z.geometry.iloc[1].area == pytest.approx(math.pi * (700**2 - 500**2), rel=1e-3)


# --- the river network ----------------------------------------------------------------
def _y_network() -> gpd.GeoDataFrame:
    """M1 (0,0)->(1000,0) and tributary T (1000,1000)->(1000,0) join M2 (1000,0)->(3000,0)."""
    lines = [[(0, 0), (1000, 0)], [(1000, 1000), (1000, 0)], [(1000, 0), (3000, 0)]]
    return gdf([{"id": "M1", "name": "干流上"}, {"id": "T", "name": "支流"}, {"id": "M2", "name": "干流下"}],
               [shapely.LineString([(X0 + x, Y0 + y) for x, y in ln]) for ln in lines])


def test_upstream_trace_on_a_y_network():
    net = RiverNetwork.from_rivers(_y_network())
    e, s, d = net.locate(shapely.Point(X0 + 2000, Y0 + 5), max_distance_m=50)
    assert d == pytest.approx(5.0) and s == pytest.approx(1000.0)
    pieces = net.trace(e, s, 1500.0, "up")
    got = shapely.union_all([net.piece_geometry(p) for p in pieces])
    # 1000 m of M2 back to the confluence, then 500 m up each of M1 and T
    want = shapely.MultiLineString([[(X0 + 1000, Y0), (X0 + 2000, Y0)], [(X0 + 500, Y0), (X0 + 1000, Y0)],
                                    [(X0 + 1000, Y0 + 500), (X0 + 1000, Y0)]])
    assert got.length == pytest.approx(2000.0)
    assert got.symmetric_difference(want).length == pytest.approx(0.0, abs=1e-6)
    down = net.trace(e, s, 5000.0, "down")
    assert sum(p.b - p.a for p in down) == pytest.approx(1000.0)  # the network ends 1000 m below


def test_tributary_touching_a_line_interior_is_a_confluence():
    rivers = pd.concat([_y_network(), gdf([{"id": "T2"}], [shapely.LineString([(X0 + 2500, Y0 + 800),
                                                                                (X0 + 2500, Y0)])])])
    net = RiverNetwork.from_rivers(rivers)
    e, s, _ = net.locate(shapely.Point(X0 + 2800, Y0), max_distance_m=1)
    pieces = net.trace(e, s, 1000.0, "up")
    # 300 m to the junction at x=2500, then 700 m up T2 and 700 m up M2
    assert sum(p.b - p.a for p in pieces) == pytest.approx(300 + 700 + 700)


def test_river_network_needs_lines():
    polys = gdf([{"id": "lake"}], [shapely.box(X0, Y0, X0 + 10, Y0 + 10)])
    with pytest.raises(NotMeasurableError, match="line"):
        RiverNetwork.from_rivers(polys)


# --- GB 3838 classes ------------------------------------------------------------------
def test_worst_indicator_decides():
    # every indicator class II except ammonia nitrogen, which is class IV (1.0 < 1.2 <= 1.5)
    d = pd.DataFrame({"do_mgl": [6.5], "codmn_mgl": [3.5], "bod5_mgl": [3.0], "nh3n_mgl": [1.2], "tp_mgl": [0.08]})
    out = classify_water_quality(d)
    assert out["measured_class"].iloc[0] == "IV"
    assert out["deciding_indicator"].iloc[0] == "nh3n_mgl" and out["deciding_indicator_zh"].iloc[0] == "氨氮"
    assert out["deciding_value_mgl"].iloc[0] == pytest.approx(1.2)


@pytest.mark.parametrize("do, cls", [(7.5, "I"), (7.4, "II"), (6.0, "II"), (5.0, "III"), (2.5, "V"),
                                     (2.0, "V"), (1.9, "劣V")])
def test_dissolved_oxygen_lower_is_worse(do, cls):
    assert classify_water_quality(pd.DataFrame({"do_mgl": [do]}))["measured_class"].iloc[0] == cls


@pytest.mark.parametrize("col, value, cls", [("nh3n_mgl", 1.0, "III"), ("nh3n_mgl", 1.0001, "IV"),
                                             ("cod_mgl", 15.0, "I"), ("cod_mgl", 40.5, "劣V"),
                                             ("tp_mgl", 0.5, "劣V"), ("tp_mgl", 0.15, "III")])
def test_limits_and_worse_than_v(col, value, cls):
    assert classify_water_quality(pd.DataFrame({col: [value]}))["measured_class"].iloc[0] == cls


def test_lakes_use_lake_phosphorus_and_nitrogen():
    d = pd.DataFrame({"tp_mgl": [0.15, 0.15], "tn_mgl": [2.5, 2.5], "water_body": ["river", "水库"]})
    out = classify_water_quality(d)
    # river: TP 0.15 is III, TN not judged; lake: TP 0.15 is V (<= 0.2) but TN 2.5 > 2.0 is 劣V
    assert out["measured_class"].tolist() == ["III", "劣V"]
    assert out["deciding_indicator"].tolist() == ["tp_mgl", "tn_mgl"]
    assert classify_water_quality(pd.DataFrame({"tp_mgl": [0.15]}), water_body="lake")["measured_class"].iloc[0] == "V"


def test_no_values_no_class():
    out = classify_water_quality(pd.DataFrame({"do_mgl": [np.nan], "name": ["x"]}))
    assert out["measured_class"].isna().all()


# Independent reference: 表1 typed out again here and applied with plain comparisons.
_TABLE = {  # field: (at_least?, [I, II, III, IV, V])
    "do_mgl": (True, [7.5, 6, 5, 3, 2]),
    "codmn_mgl": (False, [2, 4, 6, 10, 15]),
    "cod_mgl": (False, [15, 15, 20, 30, 40]),
    "bod5_mgl": (False, [3, 3, 4, 6, 10]),
    "nh3n_mgl": (False, [0.15, 0.5, 1.0, 1.5, 2.0]),
    "tp_mgl": (False, [0.02, 0.1, 0.2, 0.3, 0.4]),
}
_NAMES = ["I", "II", "III", "IV", "V", "劣V"]


def _reference_class(row: dict) -> str:
    worst = 0
    for col, (at_least, lim) in _TABLE.items():
        k = next((i for i, L in enumerate(lim) if (row[col] >= L if at_least else row[col] <= L)), 5)
        worst = max(worst, k)
    return _NAMES[worst]


def test_classes_match_a_brute_force_reference():
    rng = np.random.default_rng(3838)
    n = 600
    u = rng.uniform(0, 1, n)  # a shared "pollution level" per row, so rows span every class

    def draw(lo: float, hi: float) -> np.ndarray:
        return lo + (hi - lo) * np.clip(u + rng.normal(0, 0.05, n), 0, 1)

    d = pd.DataFrame({"do_mgl": draw(8.5, 0.5), "codmn_mgl": draw(0.5, 18), "cod_mgl": draw(5, 45),
                      "bod5_mgl": draw(1, 12), "nh3n_mgl": draw(0.05, 2.5), "tp_mgl": draw(0.005, 0.5)})
    # include exact limits
    for col, (_, lim) in _TABLE.items():
        d.loc[len(d)] = {**d.iloc[0].to_dict(), col: lim[2]}
    got = classify_water_quality(d)["measured_class"].tolist()
    want = [_reference_class(r) for r in d.to_dict("records")]
    assert got == want
    assert set(want) == set(_NAMES)  # the sample spans every class


def test_gb3838_rules_file_has_table_1():
    rules = load_gb3838_rules()
    lim = {i["field"]: i["limits"] for i in rules["indicator"]}
    assert lim["nh3n_mgl"] == [0.15, 0.5, 1.0, 1.5, 2.0] and lim["do_mgl"] == [7.5, 6.0, 5.0, 3.0, 2.0]
    assert "GB 3838-2002" in rules["clause"]


# --- sections -------------------------------------------------------------------------
def _four_sections() -> gpd.GeoDataFrame:
    rows = [
        {"id": "A", "name": "甲", "level": "国控", "target_class": "III", "measured_class": "II", "drinking_source": True},
        {"id": "B", "name": "乙", "level": "国控", "target_class": "III", "measured_class": "III",
         "drinking_source": False},
        {"id": "C", "name": "丙", "level": "省控", "target_class": "III", "measured_class": None, "nh3n_mgl": 2.5,
         "drinking_source": True},
        {"id": "D", "name": "丁", "level": "省控", "target_class": "IV", "measured_class": "IV",
         "drinking_source": False},
    ]
    return gdf(rows, [shapely.Point(X0 + 100 * i, Y0) for i in range(4)])


def test_compliance_rates_by_level():
    r = section_compliance(_four_sections())
    m = r.metrics
    assert r.name == "sections"
    assert m["sections_total"] == 4 and m["sections_failing"] == 1
    assert m["compliance_rate"] == pytest.approx(3 / 4)
    assert m["compliance_rate_national"] == pytest.approx(1.0)
    assert m["compliance_rate_provincial"] == pytest.approx(1 / 2)
    assert m["share_class_iii_or_better"] == pytest.approx(2 / 4)
    assert m["share_worse_than_v"] == pytest.approx(1 / 4)
    assert m["drinking_source_compliance_rate"] == pytest.approx(1 / 2)
    v = r.violations
    assert v["id"].tolist() == ["C"] and v["rule"].tolist() == ["GB3838-target"]
    assert v["detail"].iloc[0] == "measured 劣V (decided by 氨氮 2.5 mg/L) vs target III"
    assert "rivers_classified" in r.not_measurable


def test_no_drinking_sections_gives_none():
    r = section_compliance(_four_sections().drop(columns="drinking_source"))
    assert r.metrics["drinking_source_compliance_rate"] is None


def test_concentrations_and_given_class_disagreeing_warns():
    s = _four_sections().iloc[[0]].assign(nh3n_mgl=1.2)
    r = section_compliance(s)
    assert r.layers["sections_classified"]["measured_class"].iloc[0] == "IV"
    assert any("differs" in w for w in r.warnings)
    r = section_compliance(s, prefer="given")
    assert r.layers["sections_classified"]["measured_class"].iloc[0] == "II"


def test_rivers_coloured_by_nearest_section_downstream_and_upstream_facilities():
    secs = gdf([{"id": "S1", "name": "下", "level": "国控", "target_class": "III", "measured_class": "V"},
                {"id": "S2", "name": "支", "level": "省控", "target_class": "II", "measured_class": "II"}],
               [shapely.Point(X0 + 2000, Y0 + 10), shapely.Point(X0 + 1000, Y0 + 500)])
    fac = facilities(
        facility("F1", "enterprise", shapely.Point(X0 + 600, Y0 + 100)),    # 1000 + 400 m upstream, 100 m off
        facility("F2", "enterprise", shapely.Point(X0 + 300, Y0 + 100)),    # beyond 1.5 km
        facility("F3", "enterprise", shapely.Point(X0 + 1100, Y0 + 400)),   # on the tributary, 1000 + 400 m
        facility("F4", "enterprise", shapely.Point(X0 + 2500, Y0 + 50)),    # downstream of S1
    )
    r = section_compliance(secs, rivers=_y_network(), facilities=fac, upstream_km=1.5, river_distance_m=150.0)
    ups = r.layers["upstream_facilities"].set_index("facility_id")
    assert sorted(ups.index) == ["F1", "F3"]
    assert ups.loc["F1", "upstream_distance_m"] == pytest.approx(1400.0)
    assert ups.loc["F3", "upstream_distance_m"] == pytest.approx(1400.0)
    assert ups.loc["F1", "distance_to_river_m"] == pytest.approx(100.0)
    assert r.metrics["upstream_facilities"] == 2
    assert r.layers["upstream_reaches"].length.sum() == pytest.approx(2000.0)

    rc = r.layers["rivers_classified"]
    by_section = rc.assign(len=rc.length).groupby(rc["section_id"].fillna("none"))["len"].sum()
    # S1 drains M1 (1000), the lower tributary (500) and M2 above it (1000); S2 the upper tributary (500)
    assert by_section.to_dict() == {"S1": pytest.approx(2500.0), "S2": pytest.approx(500.0),
                                    "none": pytest.approx(1000.0)}
    assert set(rc.loc[rc["section_id"] == "S1", "water_class"]) == {"V"}


def test_sections_need_target_class():
    with pytest.raises(NotMeasurableError, match="target_class"):
        section_compliance(_four_sections().drop(columns="target_class"))


# --- the layer-set wrapper ------------------------------------------------------------
def test_water_sources_check_delineates_when_no_zones():
    from ecogis.layerset import LayerSet

    ls = LayerSet({"water_sources": _intake(X0 + 5000, Y0), "rivers": _straight_river(),
                   "facilities": facilities(facility("o", "outfall", shapely.Point(X0 + 4500, Y0 + 30)))})
    r = water_sources_check(ls)
    assert r.parameters["zones_origin"] == "delineated"
    assert r.violations["rule"].tolist() == ["WPPCL-64-outfall"]
    assert r.violations["zone_id"].tolist() == ["W1-1L"]  # 30 m from the centre line: 15 m into the land strip
    assert r.violations["distance_inside_m"].iloc[0] == pytest.approx(15.0)
    assert any("delineated" in w for w in r.warnings)


def test_sample_runs(sample_available):
    if not sample_available:
        pytest.skip("layers/luohe.gpkg not built")
    from ecogis.layerset import load_sample
    from ecogis.water import sections_check

    ls = load_sample()
    r = water_sources_check(ls)
    assert r.metrics["zones_total"] > 0 and set(r.violations["rule"]) <= set(LAW_RULES)
    s = sections_check(ls)
    assert 0.0 <= s.metrics["compliance_rate"] <= 1.0
    assert "rivers_classified" in s.layers


def test_share_meeting_class_picks_sections_by_field_and_ignores_layer_targets():
    from ecogis.water import share_meeting_class

    pts = [shapely.Point(500_000 + 100 * i, 3_716_000) for i in range(5)]
    s = gpd.GeoDataFrame({"name": ["坡头桥断面", "张村桥", "东七里", "塔尼", "石佛"],
                          "river": ["宏农涧河", "阳平河", "涧河", "涧河", "涧河"],
                          "target_class": ["I"] * 5,  # the layer's own targets do not matter here
                          "measured_class": ["III", "IV", "劣V", "Ⅱ", None]}, geometry=pts, crs=4547)
    # 坡头桥 matches with or without 断面; III meets III
    assert share_meeting_class(s, water_class="III", select={"name": ["坡头桥"]}) == (1.0, None)
    # four named sections, one unrated: IV, 劣V, II -> 2 of 3 at IV or better
    share, why = share_meeting_class(s, water_class="Ⅳ", select={"name": ["张村桥", "东七里", "塔尼", "石佛"]})
    assert share == pytest.approx(2 / 3) and why is None
    # two fields must both match
    assert share_meeting_class(s, water_class="II", select={"river": ["涧河"], "name": ["塔尼"]}) == (1.0, None)
    # nothing selected, no such field, no layer: None and the reason
    share, why = share_meeting_class(s, water_class="III", select={"river": ["三里河"]})
    assert share is None and "三里河" in why and "宏农涧河" in why
    share, why = share_meeting_class(s, water_class="III", select={"level": ["国控"]})
    assert share is None and "field 'level' missing" in why
    assert share_meeting_class(None, water_class="III")[1] == "layer 'sections' missing"
    with pytest.raises(InputError, match="water_class was 'VI'"):
        share_meeting_class(s, water_class="VI")
