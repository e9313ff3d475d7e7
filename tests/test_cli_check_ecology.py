"""``ecogis check redlines | redline-change | river-buffers | control-zones`` through click's CliRunner,
on small EPSG:4547 files whose answers are known by hand."""

from __future__ import annotations

import json
from pathlib import Path

import geopandas as gpd
import numpy as np
import pyogrio
import pytest
import shapely
from click.testing import CliRunner

from ecogis.cli.main import cli

X0, Y0 = 500_000.0, 3_700_000.0
CRS = "EPSG:4547"
SAMPLE = Path(__file__).resolve().parents[1] / "layers" / "luohe.gpkg"


def box(x, y, w, h):
    return shapely.box(X0 + x, Y0 + y, X0 + x + w, Y0 + y + h)


def pt(x, y):
    return shapely.Point(X0 + x, Y0 + y)


def write(path: Path, rows: dict, geoms: list, layer: str | None = None) -> Path:
    gpd.GeoDataFrame(rows, geometry=geoms, crs=CRS).to_file(path, layer=layer or path.stem, driver="GPKG")
    return path


@pytest.fixture
def files(tmp_path):
    f = {}
    f["old"] = write(tmp_path / "red_old.gpkg", {"id": ["A", "B"], "name": ["甲", "乙"]},
                     [box(0, 0, 1000, 1000), box(2000, 0, 1000, 1000)])
    f["new"] = write(tmp_path / "red_new.gpkg", {"id": ["A", "B", "C"], "name": ["甲", "乙", "丙"]},
                     [box(0, 0, 1000, 1000), box(2000, 0, 500, 1000), box(5000, 0, 200, 200)])
    f["projects"] = write(tmp_path / "projects.gpkg", {"id": ["P1", "P2"], "name": ["半入", "在外"]},
                          [box(950, 100, 100, 100), box(1500, 100, 100, 100)])
    f["facilities"] = write(
        tmp_path / "facilities.gpkg",
        {"id": ["F99", "F101", "JY_IN", "SITE"], "name": ["近河场", "远河场", "禁养区内", "工地"],
         "kind": ["livestock_farm", "livestock_farm", "livestock_farm", "construction_site"],
         "area_m2": [None, None, None, 5000.0]},
        [pt(1000, 99), pt(1000, -101), pt(7999, 500), pt(9000, 0)])
    f["rivers"] = write(tmp_path / "rivers.gpkg", {"id": ["H1"], "name": ["沙河"]},
                        [shapely.LineString([(X0, Y0), (X0 + 2000, Y0)])])
    f["zones"] = write(tmp_path / "zones.gpkg", {"id": ["Z1"], "name": ["禁养区一"], "zone_type": ["禁养区"]},
                       [box(7000, 0, 1000, 1000)])
    return f


def run(args):
    result = CliRunner().invoke(cli, ["-q", *[str(a) for a in args]], catch_exceptions=False)
    return result


def load(path):
    return json.loads(Path(path).read_text(encoding="utf-8"))


def check_items(data):
    assert isinstance(data["violations"], int)
    assert isinstance(data["items"], list)
    for item in data["items"]:
        assert {"id", "rule", "detail"} <= set(item)


def test_redline_change_json_and_gpkg(files, tmp_path):
    out_json, out_gpkg = tmp_path / "change.json", tmp_path / "change.gpkg"
    r = run(["check", "redline-change", "--old", files["old"], "--new", files["new"],
             "--json", out_json, "--out", out_gpkg])
    assert r.exit_code == 0, r.output
    d = load(out_json)
    check_items(d)
    assert d["lost_m2"] == pytest.approx(500_000.0)
    assert d["gained_m2"] == pytest.approx(40_000.0)
    assert d["net_m2"] == pytest.approx(-460_000.0)
    assert d["violations"] == 1 and d["items"][0]["id"] == "B"
    assert {"violations", "lost", "gained"} <= {n for n, _ in pyogrio.list_layers(out_gpkg)}
    assert "net_m2" in r.output
    # refuses to overwrite, --strict exits 1
    r2 = run(["check", "redline-change", "--old", files["old"], "--new", files["new"], "--json", out_json])
    assert r2.exit_code == 2
    r3 = run(["check", "redline-change", "--old", files["old"], "--new", files["new"], "--strict"])
    assert r3.exit_code == 1


def test_redlines_json(files, tmp_path):
    out = tmp_path / "red.json"
    r = run(["check", "redlines", "--redlines", files["old"], "--projects", files["projects"], "--json", out])
    assert r.exit_code == 0, r.output
    d = load(out)
    check_items(d)
    assert d["violations"] == 1
    assert d["items"][0]["id"] == "P1" and d["items"][0]["redline_id"] == "A"
    assert d["items"][0]["overlap_m2"] == pytest.approx(5_000.0)
    assert d["items"][0]["share_of_feature"] == pytest.approx(0.5)


def test_river_buffers_json(files, tmp_path):
    out = tmp_path / "rb.json"
    r = run(["check", "river-buffers", "--facilities", files["facilities"], "--rivers", files["rivers"],
             "--buffer", "100", "--json", out])
    assert r.exit_code == 0, r.output
    d = load(out)
    check_items(d)
    assert [i["id"] for i in d["items"]] == ["F99"] and d["violations"] == 1
    assert d["items"][0]["distance_m"] == pytest.approx(99.0)


def test_control_zones_json(files, tmp_path):
    out = tmp_path / "cz.json"
    r = run(["check", "control-zones", "--zones", files["zones"], "--facilities", files["facilities"],
             "--json", out, "--out", tmp_path / "cz.gpkg"])
    assert r.exit_code == 0, r.output
    d = load(out)
    check_items(d)
    assert d["violations"] == 1 and d["livestock_in_forbidden_zone"] == 1
    assert d["large_construction_sites"] == 1
    assert {i["id"] for i in d["items"]} == {"JY_IN", "SITE"}
    r2 = run(["check", "control-zones", "--zones", files["zones"], "--facilities", files["facilities"],
              "--large-site", "5001"])
    assert "large_construction_sites: 0" in r2.output


def test_defaults_from_layers_dir_and_sibling_old_version(files, tmp_path):
    # a layer set directory: current red lines named by kind, the 2018 version as an extra layer
    d = tmp_path / "set"
    d.mkdir()
    gpkg = d / "city.gpkg"
    for kind, src in (("eco_redlines", "new"), ("eco_redlines_2018", "old"), ("projects", "projects")):
        gpd.read_file(files[src]).to_file(gpkg, layer=kind, driver="GPKG")
    out = tmp_path / "chg.json"
    r = run(["check", "redline-change", "--layers", d, "--json", out])
    assert r.exit_code == 0, r.output
    assert load(out)["net_m2"] == pytest.approx(-460_000.0)
    r = run(["check", "redlines", "--layers", d, "--json", tmp_path / "rl.json"])
    assert r.exit_code == 0, r.output
    assert load(tmp_path / "rl.json")["overlap_m2"] == pytest.approx(5_000.0)
    # a missing layer is "not measurable" (exit 4)
    r = run(["check", "river-buffers", "--layers", d])
    assert r.exit_code == 4


@pytest.mark.skipif(not SAMPLE.exists(), reason="sample layers/luohe.gpkg not built yet")
@pytest.mark.parametrize("name", ["redlines", "river-buffers", "control-zones", "redline-change"])
def test_sample_runs(name, tmp_path):
    out = tmp_path / f"{name}.json"
    r = run(["check", name, "--json", out])
    assert r.exit_code in (0, 4), r.output  # 4 when the sample lacks a layer this check needs
    if r.exit_code == 0:
        check_items(load(out))


def test_boilers_json_and_exit_codes(tmp_path):
    f = tmp_path / "facilities.gpkg"
    gpd.GeoDataFrame({"id": ["P", "B1", "B2"], "name": ["电厂", "锅炉一", "锅炉二"],
                      "类型": ["热电联产电厂", "燃煤锅炉", "燃煤锅炉"], "装机容量": [600.0, None, None]},
                     geometry=[shapely.Point(X0, Y0), shapely.Point(X0 + 10_000, Y0),
                               shapely.Point(X0 + 20_000, Y0)], crs=4547).to_file(f)
    out = tmp_path / "b.json"
    r = run(["check", "boilers", "--facilities", f, "--radius-km", 15, "--json", out])
    assert r.exit_code == 0, r.output
    data = load(out)
    check_items(data)
    assert data["coal_boilers_near_chp"] == 1 and data["items"][0]["id"] == "B1"
    assert run(["check", "boilers", "--facilities", f, "--radius-km", 15, "--strict"]).exit_code == 1
    # a layer without a plant of the size: not measurable (exit 4), saying why
    r = run(["check", "boilers", "--facilities", f, "--min-chp-mw", 700])
    assert r.exit_code == 4 and "no CHP plant" in r.output


@pytest.mark.skipif(not SAMPLE.exists(), reason="sample layers/luohe.gpkg not built yet")
def test_boilers_on_the_sample_against_geodesic_distances(tmp_path):
    """The sample's boilers within 30 km / 15 km of its CHP plant, counted with pyproj's geodesic distances."""
    import pyproj

    fac = gpd.read_file(SAMPLE, layer="facilities")
    plant = fac[fac["kind"] == "chp_plant"].geometry.iloc[0]
    boilers = fac[fac["kind"] == "coal_boiler"]
    _, _, d = pyproj.Geod(ellps="GRS80").inv([plant.x] * len(boilers), [plant.y] * len(boilers),
                                              boilers.geometry.x.to_list(), boilers.geometry.y.to_list())
    for km in (30, 15):
        out = tmp_path / f"b{km}.json"
        assert run(["check", "boilers", "--radius-km", km, "--json", out]).exit_code == 0
        assert load(out)["coal_boilers_near_chp"] == int((np.asarray(d) <= km * 1000).sum()) > 0
