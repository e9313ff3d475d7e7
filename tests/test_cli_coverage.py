"""``ecogis coverage`` and ``ecogis check bus-indicators`` through click's CliRunner."""

from __future__ import annotations

import json
import math

import geopandas as gpd
import pyogrio
import pytest
import shapely
from click.testing import CliRunner

from ecogis.cli.coverage import JSON_KEYS
from ecogis.cli.main import cli

X0, Y0 = 500_000.0, 3_700_000.0
CRS = "EPSG:4547"


def run(args):
    return CliRunner().invoke(cli, ["-q", *[str(a) for a in args]], catch_exceptions=False)


@pytest.fixture
def user_files(tmp_path):
    stops = tmp_path / "my_stops.gpkg"
    gpd.GeoDataFrame({"站名": ["甲站", "乙站"]},
                     geometry=[shapely.Point(X0, Y0), shapely.Point(X0 + 3000, Y0 + 3000)], crs=CRS).to_file(stops)
    area = tmp_path / "my_area.gpkg"
    gpd.GeoDataFrame({"名称": ["测试区"], "范围": ["中心城区"]},
                     geometry=[shapely.box(X0 - 5000, Y0 - 5000, X0 + 5000, Y0 + 5000)], crs=CRS).to_file(area)
    roads = tmp_path / "my_roads.gpkg"
    gpd.GeoDataFrame({"路名": ["东西路"]}, geometry=[shapely.LineString([(X0 - 4000, Y0), (X0 + 4000, Y0)])],
                     crs=CRS).to_file(roads)
    return stops, area, roads


@pytest.mark.sample
def test_sample_json_keys_and_layers(tmp_path):
    out, gpkg = tmp_path / "cov.json", tmp_path / "cov.gpkg"
    r = run(["coverage", "--json", out, "--out", gpkg, "--propose", "3"])
    assert r.exit_code == 0, r.output
    d = json.loads(out.read_text(encoding="utf-8"))
    assert set(JSON_KEYS) <= set(d)
    assert d["method"] == "buffer" and d["radius_m"] == 500.0
    assert 0.80 < d["area_share"] < 0.87 and d["area_share"] == pytest.approx(d["covered_area_m2"] / d["area_m2"])
    assert 0 < d["population_share"] <= 1 and d["uncovered"] >= 2
    assert d["violations"] == d["uncovered"]  # every listed gap misses the 100 % target
    layers = {name for name, _ in pyogrio.list_layers(gpkg)}
    assert {"gaps", "catchments", "proposals", "districts_coverage"} <= layers
    assert len(gpd.read_file(gpkg, layer="proposals")) == 3
    assert "area_share: 0.8" in r.output


def test_user_files_without_population(user_files, tmp_path):
    stops, area, _ = user_files
    out = tmp_path / "u.json"
    r = run(["coverage", "--stops", stops, "--area", area, "--json", out])
    assert r.exit_code == 0, r.output
    d = json.loads(out.read_text(encoding="utf-8"))
    assert set(JSON_KEYS) <= set(d)
    assert d["area_share"] == pytest.approx(2 * math.pi * 500 ** 2 / 1e8, rel=1e-9)
    assert d["population_share"] is None and d["not_measurable"]["population_share"] == "raster 'population' missing"
    assert d["uncovered"] == 1 and d["stops_total"] == 2


def test_user_files_network_method_and_gpkg(user_files, tmp_path):
    stops, area, roads = user_files
    out, gpkg = tmp_path / "n.json", tmp_path / "n.gpkg"
    r = run(["coverage", "--stops", stops, "--area", area, "--method", "network", "--roads", roads,
             "--access-width-m", "25", "--radius-m", "400", "--json", out, "--out", gpkg, "--propose", "1"])
    assert r.exit_code == 0, r.output
    d = json.loads(out.read_text(encoding="utf-8"))
    # one stop on the street: 800 m of street buffered 25 m (caps are 32-gons); the other reaches nothing
    cap = 0.5 * 32 * 25 ** 2 * math.sin(2 * math.pi / 32)
    assert d["method"] == "network" and d["radius_m"] == 400.0
    assert d["covered_area_m2"] == pytest.approx(800 * 50 + cap, rel=1e-9)
    assert d["network_to_buffer_ratio"] == pytest.approx(d["covered_area_m2"] / (2 * math.pi * 400 ** 2), rel=1e-9)
    layers = {name for name, _ in pyogrio.list_layers(gpkg)}
    assert {"gaps", "catchments", "proposals", "reached_streets"} <= layers
    # proposals are placed on the given roads
    prop = gpd.read_file(gpkg, layer="proposals")
    assert len(prop) == 1 and prop["source"].iloc[0] == "road" and abs(prop.geometry.y.iloc[0] - Y0) < 1e-6


def test_refuses_to_overwrite(user_files, tmp_path):
    stops, area, _ = user_files
    out = tmp_path / "exists.json"
    out.write_text("keep me", encoding="utf-8")
    r = run(["coverage", "--stops", stops, "--area", area, "--json", out])
    assert r.exit_code == 2 and "--overwrite" in r.output
    assert out.read_text(encoding="utf-8") == "keep me"
    r = run(["coverage", "--stops", stops, "--area", area, "--json", out, "--overwrite"])
    assert r.exit_code == 0 and json.loads(out.read_text(encoding="utf-8"))["uncovered"] == 1


def test_bad_options_exit_codes(user_files, tmp_path):
    stops, area, _ = user_files
    r = run(["coverage", "--stops", stops, "--area", area, "--method", "network"])
    assert r.exit_code == 4 and "roads" in r.output  # not measurable: no streets given
    r = run(["coverage", "--stops", stops, "--area", area, "--radius-m", "-5"])
    assert r.exit_code == 2 and "radius_m" in r.output


def test_partitions_option_gives_the_same_json(user_files, tmp_path):
    stops, area, _ = user_files
    a, b = tmp_path / "a.json", tmp_path / "b.json"
    assert run(["coverage", "--stops", stops, "--area", area, "--json", a]).exit_code == 0
    assert run(["coverage", "--stops", stops, "--area", area, "--json", b, "--partitions", "2"]).exit_code == 0
    da, db = (json.loads(p.read_text(encoding="utf-8")) for p in (a, b))
    assert {k: da[k] for k in JSON_KEYS} == {k: db[k] for k in JSON_KEYS}


@pytest.mark.sample
def test_check_bus_indicators_on_the_sample(tmp_path):
    out = tmp_path / "bus.json"
    r = run(["check", "bus-indicators", "--json", out])
    assert r.exit_code == 0, r.output
    d = json.loads(out.read_text(encoding="utf-8"))
    for k in ("bus_lane_km", "harbour_stop_share", "accessible_platform_share", "priority_intersection_share"):
        assert d[k] is not None and d[k] > 0
    assert {i["id"] for i in d["items"]} == {"bus_lane_km", "harbour_stop_share"}
    assert "new_bus_lane_km" in d["not_measurable"]


def test_check_bus_indicators_user_file_only(tmp_path):
    stops = tmp_path / "stops.gpkg"
    gpd.GeoDataFrame({"港湾式": ["是", "否", "否"]}, geometry=[shapely.Point(X0 + i, Y0) for i in range(3)],
                     crs=CRS).to_file(stops)
    out = tmp_path / "b.json"
    r = run(["check", "bus-indicators", "--stops", stops, "--json", out])
    assert r.exit_code == 0, r.output
    d = json.loads(out.read_text(encoding="utf-8"))
    assert d["harbour_stop_share"] == pytest.approx(1 / 3)
    assert d["not_measurable"]["priority_intersection_share"] == "layer 'intersections' missing"
    assert d["not_measurable"]["accessible_platform_share"] == "field 'accessible' missing in layer 'bus_stops'"


def test_arc_step_option_keeps_the_figures(user_files, tmp_path):
    stops, area, _ = user_files
    a, b = tmp_path / "a.json", tmp_path / "b.json"
    assert run(["coverage", "--stops", stops, "--area", area, "--json", a]).exit_code == 0
    assert run(["coverage", "--stops", stops, "--area", area, "--json", b, "--arc-step-deg", "11.25"]).exit_code == 0
    da, db = (json.loads(p.read_text(encoding="utf-8")) for p in (a, b))
    for k in ("covered_area_m2", "area_share", "uncovered"):
        assert da[k] == db[k]
    r = run(["coverage", "--stops", stops, "--area", area, "--arc-step-deg", "90"])
    assert r.exit_code != 0 and "arc_step_deg was 90.0" in r.output


def test_own_stops_are_never_measured_against_the_samples_area(tmp_path):
    """--stops of another city and no --area / --layers: a clear error (exit 2), not the coverage of the
    embedded sample's 中心城区 by stops 100 km away (before: exit 0 and a confident area_share of 0)."""
    import geopandas as gpd
    import shapely
    from click.testing import CliRunner

    from ecogis.cli.main import cli

    stops = gpd.GeoDataFrame({"id": ["S1", "S2"]}, geometry=[shapely.Point(113.40, 34.80), shapely.Point(113.41, 34.80)],
                             crs="EPSG:4490")
    stops.to_file(tmp_path / "stops.gpkg", layer="bus_stops")
    r = CliRunner().invoke(cli, ["-q", "coverage", "--stops", str(tmp_path / "stops.gpkg"), "--json",
                                 str(tmp_path / "c.json")])
    assert r.exit_code == 2 and "study_area" in r.output and "--layers" in r.output, r.output
    assert not (tmp_path / "c.json").exists()


def test_stops_file_with_layers_dir_takes_the_dirs_population(user_files, tmp_path):
    """--layers DIR --stops FILE: DIR's population raster is used (before: dropped because a file was
    given, population_share null). A uniform raster over the area makes the share the area share."""
    import numpy as np
    import rasterio
    from rasterio.transform import from_origin

    stops, _, _ = user_files
    layers = tmp_path / "city"
    layers.mkdir()
    gpd.GeoDataFrame({"名称": ["测试区"], "scope": ["中心城区"]},
                     geometry=[shapely.box(X0 - 5000, Y0 - 5000, X0 + 5000, Y0 + 5000)], crs=CRS
                     ).to_file(layers / "study_area.gpkg")
    with rasterio.open(layers / "population.tif", "w", driver="GTiff", width=100, height=100, count=1,
                       dtype="float32", crs=CRS, transform=from_origin(X0 - 5000, Y0 + 5000, 100, 100)) as dst:
        dst.write(np.full((1, 100, 100), 3.0, dtype="float32"))
    out = tmp_path / "p.json"
    r = run(["coverage", "--layers", layers, "--stops", stops, "--json", out])
    assert r.exit_code == 0, r.output
    d = json.loads(out.read_text(encoding="utf-8"))
    share = 2 * math.pi * 500 ** 2 / 1e8
    assert d["area_share"] == pytest.approx(share, rel=1e-9)
    assert d["population_share"] == pytest.approx(share, rel=1e-6)
