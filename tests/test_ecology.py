"""Tests of ecogis.ecology on small hand-computed cases in EPSG:4547 (metres)."""

from __future__ import annotations

import geopandas as gpd
import pandas as pd
import pytest
import shapely

from ecogis.ecology import (
    DEFAULT_RIVER_BUFFER_M,
    REDLINE_AREA_RULE,
    coal_boilers_near_chp,
    control_zones,
    redline_change,
    redline_overlap,
    river_buffers,
)
from ecogis.errors import InputError, NotMeasurableError

X0, Y0 = 500_000.0, 3_700_000.0  # somewhere in the GK zone of Luohe
CRS = "EPSG:4547"


def box(x, y, w, h):
    return shapely.box(X0 + x, Y0 + y, X0 + x + w, Y0 + y + h)


def pt(x, y):
    return shapely.Point(X0 + x, Y0 + y)


def gdf(rows, geoms, crs=CRS):
    return gpd.GeoDataFrame(rows, geometry=geoms, crs=crs)


# --- red-line change -------------------------------------------------------------------------
@pytest.fixture
def redline_pair():
    # old: two 1000 x 1000 squares, 2 km apart
    old = gdf({"id": ["A", "B"], "name": ["湿地A", "林地B"], "version": ["2018", "2018"]},
              [box(0, 0, 1000, 1000), box(2000, 0, 1000, 1000)])
    # new: A kept, B halved (east half lost), plus a new 200 x 200 unit C
    new = gdf({"id": ["A", "B", "C"], "name": ["湿地A", "林地B", "新增C"], "version": ["2023"] * 3},
              [box(0, 0, 1000, 1000), box(2000, 0, 500, 1000), box(5000, 0, 200, 200)])
    return old, new


def test_redline_change_known_areas(redline_pair):
    old, new = redline_pair
    r = redline_change(old, new)
    m = r.metrics
    assert r.name == "redline-change"
    assert m["old_area_m2"] == pytest.approx(2_000_000.0)
    assert m["new_area_m2"] == pytest.approx(1_540_000.0)
    assert m["lost_m2"] == pytest.approx(500_000.0)
    assert m["gained_m2"] == pytest.approx(40_000.0)
    assert m["net_m2"] == pytest.approx(-460_000.0)
    assert m["area_not_decreased"] is False
    # the lost piece is named by the unit it came from, as an error citing Pingdingshan
    v = r.violations
    assert v["id"].tolist() == ["B"]
    assert v["severity"].tolist() == ["error"]
    assert v["lost_m2"].iloc[0] == pytest.approx(500_000.0)
    assert v["share_of_unit"].iloc[0] == pytest.approx(0.5)
    assert "不减少" in v["rule"].iloc[0] and v["rule"].iloc[0] == REDLINE_AREA_RULE
    assert v.geometry.iloc[0].equals_exact(box(2500, 0, 500, 1000).normalize(), 1e-6) or \
        v.geometry.iloc[0].symmetric_difference(box(2500, 0, 500, 1000)).area < 1e-6
    assert r.layers["gained"]["unit_id"].tolist() == ["C"]
    assert r.layers["gained"]["area_m2"].iloc[0] == pytest.approx(40_000.0)
    d = r.to_dict()
    assert d["violations"] == 1 and d["net_m2"] == pytest.approx(-460_000.0)


def test_redline_change_compensated_loss_is_a_warning(redline_pair):
    old, new = redline_pair
    big = gdf({"id": ["D"], "name": ["新增D"]}, [box(8000, 0, 1000, 1000)])
    new2 = gpd.GeoDataFrame(pd.concat([new[["id", "name", "geometry"]], big], ignore_index=True), crs=CRS)
    r = redline_change(old, new2)
    assert r.metrics["net_m2"] == pytest.approx(540_000.0)
    assert r.n_violations == 0
    assert r.violations["severity"].tolist() == ["warning"]


def test_redline_change_overlapping_units_count_once():
    # two overlapping old units (union 1000 x 1500): a version that merges them loses nothing
    old = gdf({"id": ["A", "B"]}, [box(0, 0, 1000, 1000), box(0, 500, 1000, 1000)])
    new = gdf({"id": ["AB"]}, [box(0, 0, 1000, 1500)])
    m = redline_change(old, new).metrics
    assert m["old_area_m2"] == pytest.approx(1_500_000.0)
    assert m["lost_m2"] == pytest.approx(0.0, abs=1e-6)
    assert m["net_m2"] == pytest.approx(0.0, abs=1e-6)


def test_redline_change_in_geographic_crs_matches_projected(redline_pair):
    old, new = redline_pair
    r = redline_change(old.to_crs(4490), new.to_crs(4490))
    assert r.metrics["lost_m2"] == pytest.approx(500_000.0, rel=1e-6)
    assert r.metrics["net_m2"] == pytest.approx(-460_000.0, rel=1e-6)


def test_redline_change_does_not_modify_inputs(redline_pair):
    old, new = redline_pair
    before = old.copy()
    redline_change(old, new)
    assert old.equals(before)


# --- red-line overlap ------------------------------------------------------------------------
def test_redline_overlap_half_inside():
    red = gdf({"id": ["R1"], "name": ["沙澧河湿地"], "category": ["湿地"]}, [box(0, 0, 1000, 1000)])
    projects = gdf({"id": ["P1", "P2"], "name": ["半入红线", "红线外"]},
                   [box(950, 100, 100, 100), box(1500, 100, 100, 100)])
    r = redline_overlap(projects, red)
    assert r.name == "redlines"
    v = r.violations
    assert v["id"].tolist() == ["P1"]
    assert v["redline_id"].tolist() == ["R1"] and v["redline_name"].tolist() == ["沙澧河湿地"]
    assert v["overlap_m2"].iloc[0] == pytest.approx(5_000.0)
    assert v["share_of_feature"].iloc[0] == pytest.approx(0.5)
    assert r.metrics["overlap_m2"] == pytest.approx(5_000.0)
    assert r.metrics["features_overlapping"] == 1
    assert r.metrics["features_checked"] == 2
    assert "三条控制线" in v["rule"].iloc[0]


def test_redline_overlap_two_units_and_layers_mapping():
    # a project straddling two adjacent units: 30 % in R1, 20 % in R2; a facility point inside R2;
    # a project touching R1 only along an edge is not an overlap
    red = gdf({"id": ["R1", "R2"], "name": ["一", "二"]}, [box(0, 0, 1000, 1000), box(1000, 0, 1000, 1000)])
    projects = gdf({"id": ["P"], "name": ["跨界"]}, [box(700, 0, 500, 100)])  # 300x100 in R1, 200x100 in R2
    touching = gdf({"id": ["T"], "name": ["贴边"]}, [box(-100, 0, 100, 100)])
    facilities = gdf({"id": ["F"], "name": ["泵站"], "kind": ["other"]}, [pt(1500, 500)])
    r = redline_overlap({"projects": pd.concat([projects, touching]), "facilities": facilities}, red)
    v = r.violations.sort_values(["id", "redline_id"])
    assert list(zip(v["id"], v["redline_id"])) == [("F", "R2"), ("P", "R1"), ("P", "R2")]
    p = v[v["id"] == "P"]
    assert p["overlap_m2"].tolist() == pytest.approx([30_000.0, 20_000.0])
    assert p["share_of_feature"].tolist() == pytest.approx([0.6, 0.4])
    assert set(v["source_layer"]) == {"projects", "facilities"}
    assert v.set_index("id")["severity"].to_dict() == {"F": "warning", "P": "error"}
    assert r.n_violations == 2 and r.metrics["points_inside"] == 1
    assert r.metrics["overlap_m2"] == pytest.approx(50_000.0)
    assert r.metrics["features_overlapping"] == 2
    assert r.metrics["features_checked"] == 3


# --- river buffers ---------------------------------------------------------------------------
@pytest.fixture
def river():
    return gdf({"id": ["H1"], "name": ["沙河"]}, [shapely.LineString([(X0, Y0), (X0 + 2000, Y0)])])


def test_river_buffer_99_in_101_out(river):
    fac = gdf({"id": ["F99", "F101", "E50", "S10"], "name": ["近", "远", "企业", "水厂"],
               "kind": ["livestock_farm", "livestock_farm", "enterprise", "water_works"]},
              [pt(1000, 99), pt(1000, -101), pt(500, 50), pt(500, 10)])
    r = river_buffers(fac, river, buffer_m=100)
    assert r.name == "river-buffers"
    v = r.violations
    assert sorted(v["id"]) == ["E50", "F99"]  # the water works is not a checked kind
    assert v.set_index("id")["distance_m"].to_dict() == pytest.approx({"F99": 99.0, "E50": 50.0})
    assert set(v["river_name"]) == {"沙河"}
    assert r.metrics["facilities_checked"] == 3
    assert r.metrics["livestock_farm_within_buffer"] == 1
    assert r.metrics["enterprise_within_buffer"] == 1
    # a wider strip catches the 101 m farm
    assert river_buffers(fac, river, buffer_m=102).metrics["livestock_farm_within_buffer"] == 2
    # all kinds
    assert river_buffers(fac, river, buffer_m=100, kinds=None).metrics["facilities_within_buffer"] == 3


def test_river_buffer_polygon_footprint_and_river_polygon():
    water = gdf({"id": ["W"], "name": ["水面"]}, [box(0, 0, 2000, 100)])
    farm = gdf({"id": ["F"], "name": ["场"], "kind": ["livestock_farm"]}, [box(0, 160, 50, 50)])  # 60 m away
    assert river_buffers(farm, water, buffer_m=59.9).metrics["facilities_within_buffer"] == 0
    r = river_buffers(farm, water, buffer_m=60.0)
    assert r.violations["distance_m"].iloc[0] == pytest.approx(60.0)


def test_river_buffer_default_width_and_errors(river):
    fac = gdf({"id": ["F"], "kind": ["livestock_farm"]}, [pt(0, 499)])
    r = river_buffers(fac, river)
    assert r.parameters["buffer_m"] == DEFAULT_RIVER_BUFFER_M == 500.0
    assert r.n_violations == 1
    with pytest.raises(InputError):
        river_buffers(fac, river, buffer_m=-1)
    with pytest.raises(NotMeasurableError):
        river_buffers(fac.drop(columns="kind"), river)


# --- control zones ---------------------------------------------------------------------------
@pytest.fixture
def zones():
    return gdf({"id": ["JY", "JR"], "name": ["禁养区一", "禁燃区一"], "zone_type": ["禁养区", "禁燃区"]},
               [box(0, 0, 1000, 1000), box(2000, 0, 1000, 1000)])


def test_control_zones_forbidden_livestock_one_metre(zones):
    fac = gdf({"id": ["IN", "OUT", "ENT"], "name": ["内", "外", "企业"],
               "kind": ["livestock_farm", "livestock_farm", "enterprise"]},
              [pt(999, 500), pt(1001, 500), pt(500, 500)])
    r = control_zones(fac, zones)
    assert r.name == "control-zones"
    assert r.metrics["livestock_in_forbidden_zone"] == 1
    err = r.violations[r.violations["severity"] == "error"]
    assert err["id"].tolist() == ["IN"] and err["zone_id"].tolist() == ["JY"]
    assert r.metrics["violations"] == 1 == r.n_violations
    assert "livestock_in_restricted_zone" in r.not_measurable  # no 限养区 in the layer


def test_control_zones_no_burn_and_large_sites(zones):
    fac = gdf({"id": ["E", "S5000", "S4999", "SP", "SPT"], "name": list("abcde"),
               "kind": ["enterprise", "construction_site", "construction_site", "construction_site",
                        "construction_site"],
               "area_m2": [None, 5000.0, 4999.0, None, None]},
              [pt(2500, 500), pt(5000, 0), pt(6000, 0), box(7000, 0, 100, 50), pt(8000, 0)])
    r = control_zones(fac, zones)
    w = r.violations
    assert r.metrics["facilities_in_no_burn_zone"] == 1
    assert w[w["zone_type"] == "禁燃区"]["id"].tolist() == ["E"]
    # 5,000 m2 listed (5000平方米以上 includes 5000), 4,999 not; the 100x50 footprint is 5,000 m2
    large = w[w["rule"].str.contains("5000平方米")]
    assert sorted(large["id"]) == ["S5000", "SP"]
    assert r.metrics["large_construction_sites"] == 2
    assert r.metrics["construction_sites_without_area"] == 1
    assert (w["severity"] == "warning").all() and r.n_violations == 0
    assert control_zones(fac, zones, large_site_m2=4999.0).metrics["large_construction_sites"] == 3


def test_control_zones_reprojects_zones(zones):
    fac = gdf({"id": ["IN"], "kind": ["livestock_farm"]}, [pt(999, 500)])
    r = control_zones(fac, zones.to_crs(4490))
    assert r.metrics["livestock_in_forbidden_zone"] == 1


def test_coal_boilers_within_the_heating_radius_of_large_chp_plants():
    """Plant P (350 MW) at the origin, a small plant S (200 MW) 60 km east; boilers at 14.9, 15.1, 29.9, 30.1 km
    north of P and one 1 km from S.  Distances are exact by construction (straight north)."""
    pts = {"P": (0, 0), "S": (60_000, 0), "B149": (0, 14_900), "B151": (0, 15_100), "B299": (0, 29_900),
           "B301": (0, 30_100), "BS": (60_000, 1_000)}
    kinds = {"P": "chp_plant", "S": "chp_plant"}
    f = gpd.GeoDataFrame({"id": list(pts), "name": list(pts), "kind": [kinds.get(k, "coal_boiler") for k in pts],
                          "capacity_mw": [350.0 if k == "P" else 200.0 if k == "S" else None for k in pts]},
                         geometry=[shapely.Point(X0 + x, Y0 + y) for x, y in pts.values()], crs=4547)
    r30 = coal_boilers_near_chp(f, radius_m=30_000)
    assert r30.metrics == {"coal_boilers_near_chp": 3, "coal_boilers_total": 5, "chp_plants": 1}
    assert sorted(r30.violations["id"]) == ["B149", "B151", "B299"]
    assert r30.violations.set_index("id").loc["B299", "distance_m"] == pytest.approx(29_900)
    assert "30公里" in r30.violations["rule"].iloc[0]
    r15 = coal_boilers_near_chp(f, radius_m=15_000)
    assert sorted(r15.violations["id"]) == ["B149"]
    # the small plant counts once its threshold is lowered
    assert sorted(coal_boilers_near_chp(f, radius_m=15_000, min_chp_mw=150)
                  .violations["id"]) == ["B149", "BS"]
    # a plant without capacity counts, with a warning; no plant at all is not measurable, named
    r = coal_boilers_near_chp(f.assign(capacity_mw=None), radius_m=15_000)
    assert r.metrics["chp_plants"] == 2 and any("without capacity_mw" in w for w in r.warnings)
    with pytest.raises(NotMeasurableError, match="no CHP plant") as e:
        coal_boilers_near_chp(f[f["kind"] == "coal_boiler"])
    assert "coal_boilers_near_chp" in e.value.reasons
    assert f["capacity_mw"].notna().sum() == 2  # input untouched
