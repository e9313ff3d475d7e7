"""ecogis.area_change on hand-made squares (analytic lost / gained / net), the red-line change cases
run again for farmland, the red-line check's figures through the new engine, and the CLI."""

from __future__ import annotations

import json
from pathlib import Path

import geopandas as gpd
import pandas as pd
import pytest
import shapely
from click.testing import CliRunner

from ecogis.area_change import area_change, find_previous_version, read_previous_version
from ecogis.cli.main import cli
from ecogis.ecology import redline_change
from ecogis.errors import InputError, NotMeasurableError

X0, Y0 = 500_000.0, 3_700_000.0
CRS = "EPSG:4547"
FARM = "永久基本农田"


def box(x, y, w, h):
    return shapely.box(X0 + x, Y0 + y, X0 + x + w, Y0 + y + h)


def gdf(rows, geoms, crs=CRS):
    return gpd.GeoDataFrame(rows, geometry=geoms, crs=crs)


@pytest.fixture
def pair():
    """The red-line test pair (tests/test_ecology.py), as farmland, plus a wetland unit that does not change."""
    old = gdf({"id": ["A", "B", "W"], "name": ["农田A", "农田B", "湿地W"], "category": [FARM, FARM, "湿地"],
               "version": ["2018"] * 3},
              [box(0, 0, 1000, 1000), box(2000, 0, 1000, 1000), box(0, 3000, 700, 700)])
    new = gdf({"id": ["A", "B", "C", "W"], "name": ["农田A", "农田B", "新增C", "湿地W"],
               "category": [FARM, FARM, FARM, "湿地"], "version": ["2023"] * 4},
              [box(0, 0, 1000, 1000), box(2000, 0, 500, 1000), box(5000, 0, 200, 200), box(0, 3000, 700, 700)])
    return old, new


# --- the red-line change cases, for farmland --------------------------------------------------
def farmland(old, new, **kw):
    return area_change(old, new, category=FARM, **kw)


def redlines(old, new, **kw):
    keep = ["id", "name", "version", "geometry"]
    return redline_change(old[old["category"] == FARM][keep], new[new["category"] == FARM][keep], **kw)


@pytest.mark.parametrize("engine", [farmland, redlines], ids=["farmland", "redline_change"])
def test_known_areas(pair, engine):
    r = engine(*pair)
    m = r.metrics
    assert m["old_area_m2"] == pytest.approx(2_000_000.0)
    assert m["new_area_m2"] == pytest.approx(1_540_000.0)
    assert m["lost_m2"] == pytest.approx(500_000.0)
    assert m["gained_m2"] == pytest.approx(40_000.0)
    assert m["net_m2"] == pytest.approx(-460_000.0)
    assert m["area_not_decreased"] is False
    v = r.violations
    assert v["id"].tolist() == ["B"] and v["severity"].tolist() == ["error"]
    assert v["share_of_unit"].iloc[0] == pytest.approx(0.5)
    assert v.geometry.iloc[0].symmetric_difference(box(2500, 0, 500, 1000)).area < 1e-6
    assert r.layers["gained"]["unit_id"].tolist() == ["C"]


@pytest.mark.parametrize("engine", [farmland, redlines], ids=["farmland", "redline_change"])
def test_compensated_loss_is_a_warning(pair, engine):
    old, new = pair
    big = gdf({"id": ["D"], "name": ["新增D"], "category": [FARM]}, [box(8000, 0, 1000, 1000)])
    new2 = gpd.GeoDataFrame(pd.concat([new, big], ignore_index=True), crs=CRS)
    r = engine(old, new2)
    assert r.metrics["net_m2"] == pytest.approx(540_000.0)
    assert r.n_violations == 0 and r.violations["severity"].tolist() == ["warning"]


@pytest.mark.parametrize("engine", [farmland, redlines], ids=["farmland", "redline_change"])
def test_geographic_crs_matches_projected(pair, engine):
    old, new = pair
    r = engine(old.to_crs(4490), new.to_crs(4490))
    assert r.metrics["lost_m2"] == pytest.approx(500_000.0, rel=1e-6)
    assert r.metrics["net_m2"] == pytest.approx(-460_000.0, rel=1e-6)


def test_overlapping_units_count_once():
    old = gdf({"id": ["A", "B"], "category": [FARM, FARM]}, [box(0, 0, 1000, 1000), box(0, 500, 1000, 1000)])
    new = gdf({"id": ["AB"], "category": [FARM]}, [box(0, 0, 1000, 1500)])
    m = farmland(old, new).metrics
    assert m["old_area_m2"] == pytest.approx(1_500_000.0)
    assert m["lost_m2"] == pytest.approx(0.0, abs=1e-6) and m["net_m2"] == pytest.approx(0.0, abs=1e-6)


# --- per category ------------------------------------------------------------------------------
def test_category_picks_its_features_and_all_features_together(pair):
    old, new = pair
    w = area_change(old, new, category="湿地").metrics
    assert (w["old_area_m2"], w["lost_m2"], w["gained_m2"], w["net_m2"]) == pytest.approx((490_000.0, 0, 0, 0))
    every = area_change(old, new).metrics  # all categories dissolved together
    assert every["old_area_m2"] == pytest.approx(2_490_000.0)
    assert every["net_m2"] == pytest.approx(-460_000.0)


def test_a_unit_moving_between_categories_is_lost_and_gained():
    """Analytic: unit X (1 km2) is farmland in the old version and wetland in the new one."""
    old = gdf({"id": ["X"], "category": [FARM]}, [box(0, 0, 1000, 1000)])
    new = gdf({"id": ["X"], "category": ["湿地"]}, [box(0, 0, 1000, 1000)])
    f = area_change(old, new, category=FARM)
    assert f.metrics["lost_m2"] == pytest.approx(1e6) and f.metrics["new_area_m2"] == 0.0
    assert any("no feature of category" in w for w in f.warnings)
    assert area_change(old, new).metrics["net_m2"] == pytest.approx(0.0)


def test_missing_category_field_and_empty_old_version_are_not_measurable(pair):
    old, new = pair
    with pytest.raises(NotMeasurableError, match="no field 'category'"):
        area_change(old.drop(columns="category"), new, category=FARM)
    with pytest.raises(NotMeasurableError, match="公益林"):
        area_change(old, new, category="公益林")
    with pytest.raises(InputError):
        area_change(old, new, category="  ")


def test_inputs_not_modified(pair):
    old, new = pair
    before = old.copy(), new.copy()
    area_change(old, new, category=FARM)
    assert old.equals(before[0]) and new.equals(before[1])


# --- the red-line check runs on the engine with the same figures ---------------------------
@pytest.mark.sample
def test_redline_check_figures_equal_ecology_redline_change():
    from ecogis.audit import run_check
    from ecogis.checks.redline_change import previous_redlines
    from ecogis.layerset import load_sample

    sample = load_sample()
    via_check = run_check("redline-change", sample)
    direct = redline_change(previous_redlines(sample), sample.get("eco_redlines"))
    assert via_check.metrics == direct.metrics
    assert via_check.parameters == direct.parameters
    cols = ["id", "name", "rule", "detail", "severity", "lost_m2", "share_of_unit"]
    assert via_check.violations[cols].equals(direct.violations[cols])
    assert via_check.layers["lost"].drop(columns="geometry").equals(direct.layers["lost"].drop(columns="geometry"))


# --- earlier versions beside the layers ---------------------------------------------------------
def test_find_previous_version_file_then_layer(tmp_path, pair):
    old, new = pair
    assert find_previous_version(tmp_path, "protected_areas") is None
    new.to_file(tmp_path / "city.gpkg", layer="protected_areas", driver="GPKG")
    old.to_file(tmp_path / "city.gpkg", layer="protected_areas_2018", driver="GPKG")
    assert find_previous_version(tmp_path, "protected_areas") == (tmp_path / "city.gpkg", "protected_areas_2018")
    old.to_file(tmp_path / "protected_areas_2015.gpkg", driver="GPKG")
    assert find_previous_version(tmp_path, "protected_areas") == (tmp_path / "protected_areas_2015.gpkg", None)
    assert find_previous_version(tmp_path, "eco_redlines") is None
    with pytest.raises(NotMeasurableError, match="eco_redlines"):
        read_previous_version(tmp_path, "eco_redlines")


def test_cli_area_change_json(tmp_path, pair):
    old, new = pair
    d = tmp_path / "set"
    d.mkdir()
    # Chinese column headers, as analysts' files have them
    ren = {"name": "图斑名称", "category": "保护类型", "version": "版本"}
    new.rename(columns=ren).to_file(d / "city.gpkg", layer="protected_areas", driver="GPKG")
    old.rename(columns=ren).to_file(d / "city.gpkg", layer="protected_areas_2018", driver="GPKG")
    out = tmp_path / "farm.json"
    r = CliRunner().invoke(cli, ["-q", "check", "area-change", "--layers", str(d), "--category", "farmland",
                                 "--json", str(out)], catch_exceptions=False)
    assert r.exit_code == 0, r.output
    data = json.loads(Path(out).read_text(encoding="utf-8"))
    assert data["lost_m2"] == pytest.approx(500_000.0) and data["net_m2"] == pytest.approx(-460_000.0)
    assert data["parameters"]["category"] == FARM and data["violations"] == 1
    # no earlier version: not measurable (exit 4)
    (d2 := tmp_path / "only_new").mkdir()
    new.to_file(d2 / "protected_areas.gpkg", layer="protected_areas", driver="GPKG")
    r = CliRunner().invoke(cli, ["-q", "check", "area-change", "--layers", str(d2)], catch_exceptions=False)
    assert r.exit_code == 4
