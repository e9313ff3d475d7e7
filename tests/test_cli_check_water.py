"""`ecogis check water-sources` and `ecogis check sections` through click's CliRunner on small files."""

from __future__ import annotations

import json

import geopandas as gpd
import pandas as pd
import pyogrio
import pytest
import shapely
from click.testing import CliRunner

from ecogis.cli.main import cli
from ecogis.io import write_layers

from tests.conftest import GK114, file_digest

X0, Y0 = 500_000.0, 3_716_000.0


@pytest.fixture
def water_files(tmp_path, square_zone):
    fac = gpd.GeoDataFrame(
        {"id": ["in", "out", "ww"], "name": ["厂内", "厂外", "水厂"], "kind": ["enterprise", "enterprise", "water_works"]},
        geometry=[shapely.Point(500_500, 3_716_999), shapely.Point(500_500, 3_717_001),
                  shapely.Point(500_500, 3_716_500)],
        crs=GK114,
    )
    zones = tmp_path / "zones.gpkg"
    facs = tmp_path / "facilities.gpkg"
    write_layers({"protection_zones": square_zone}, zones)
    write_layers({"facilities": fac}, facs)
    return zones, facs


def test_water_sources_json_and_gpkg(tmp_path, water_files):
    zones, facs = water_files
    digests = (file_digest(zones), file_digest(facs))
    out_json, out_gpkg = tmp_path / "ws.json", tmp_path / "ws.gpkg"
    res = CliRunner().invoke(cli, ["-q", "check", "water-sources", "--zones", str(zones), "--facilities", str(facs),
                                   "--json", str(out_json), "--out", str(out_gpkg)])
    assert res.exit_code == 0, res.output
    assert "violations: 1" in res.output
    data = json.loads(out_json.read_text(encoding="utf-8"))
    assert isinstance(data["violations"], int) and data["violations"] == 1
    items = {i["id"]: i for i in data["items"]}
    assert set(items) == {"in", "out"}
    for item in items.values():
        assert {"id", "rule", "detail"} <= set(item)
    assert items["in"]["rule"] == "WPPCL-65-first-level" and items["out"]["severity"] == "warning"
    assert "1.0 m inside" in items["in"]["detail"]
    layers = {name for name, _ in pyogrio.list_layers(out_gpkg)}
    assert {"violations", "protection_zones"} <= layers
    assert (file_digest(zones), file_digest(facs)) == digests  # inputs untouched


def test_water_sources_refuses_to_overwrite_and_strict(tmp_path, water_files):
    zones, facs = water_files
    out_json = tmp_path / "ws.json"
    out_json.write_text("{}")
    args = ["-q", "check", "water-sources", "--zones", str(zones), "--facilities", str(facs), "--json", str(out_json)]
    res = CliRunner().invoke(cli, args)
    assert res.exit_code == 2 and "exists" in res.output
    assert out_json.read_text() == "{}"
    res = CliRunner().invoke(cli, [*args, "--overwrite", "--strict"])
    assert res.exit_code == 1
    assert json.loads(out_json.read_text(encoding="utf-8"))["violations"] == 1


def test_water_sources_warn_distance_option(tmp_path, water_files):
    zones, facs = water_files
    out_json = tmp_path / "ws.json"
    res = CliRunner().invoke(cli, ["-q", "check", "water-sources", "--zones", str(zones), "--facilities", str(facs),
                                   "--warn-distance", "0.5", "--json", str(out_json)])
    assert res.exit_code == 0, res.output
    data = json.loads(out_json.read_text(encoding="utf-8"))
    assert [i["id"] for i in data["items"]] == ["in"]  # the 1 m-outside facility is beyond 0.5 m
    assert data["parameters"]["warn_distance_m"] == 0.5


def test_sections_json(tmp_path):
    sections = gpd.GeoDataFrame(
        pd.DataFrame({"id": ["S1", "S2"], "name": ["下游", "上游"], "level": ["国控", "省控"],
                      "target_class": ["III", "III"], "nh3n_mgl": [1.32, 0.3], "do_mgl": [6.2, 7.0]}),
        geometry=[shapely.Point(X0 + 2000, Y0), shapely.Point(X0 + 500, Y0)], crs=GK114)
    rivers = gpd.GeoDataFrame({"id": ["R"], "name": ["河"]},
                              geometry=[shapely.LineString([(X0, Y0), (X0 + 3000, Y0)])], crs=GK114)
    fac = gpd.GeoDataFrame({"id": ["F"], "name": ["厂"], "kind": ["enterprise"]},
                           geometry=[shapely.Point(X0 + 1200, Y0 + 100)], crs=GK114)
    paths = {}
    for kind, g in (("sections", sections), ("rivers", rivers), ("facilities", fac)):
        paths[kind] = tmp_path / f"{kind}.gpkg"
        write_layers({kind: g}, paths[kind])
    out_json, out_gpkg = tmp_path / "s.json", tmp_path / "s.gpkg"
    res = CliRunner().invoke(cli, ["-q", "check", "sections", "--sections", str(paths["sections"]),
                                   "--rivers", str(paths["rivers"]), "--facilities", str(paths["facilities"]),
                                   "--upstream-km", "1", "--river-distance", "200",
                                   "--json", str(out_json), "--out", str(out_gpkg)])
    assert res.exit_code == 0, res.output
    data = json.loads(out_json.read_text(encoding="utf-8"))
    assert data["violations"] == 1
    item = data["items"][0]
    assert item["id"] == "S1" and item["rule"] == "GB3838-target"
    assert item["detail"] == "measured IV (decided by 氨氮 1.32 mg/L) vs target III"
    assert data["compliance_rate"] == pytest.approx(0.5)
    assert data["compliance_rate_national"] == pytest.approx(0.0)
    assert data["compliance_rate_provincial"] == pytest.approx(1.0)
    assert data["upstream_facilities"] == 1  # F is 800 m upstream of S1 and 100 m off the river
    layers = {name for name, _ in pyogrio.list_layers(out_gpkg)}
    assert {"violations", "rivers_classified", "upstream_facilities"} <= layers


def test_missing_field_exits_4(tmp_path, water_files):
    _, facs = water_files
    zones = gpd.GeoDataFrame({"id": ["z"]}, geometry=[shapely.box(X0, Y0, X0 + 10, Y0 + 10)], crs=GK114)
    zpath = tmp_path / "nolevel.gpkg"
    zones.to_file(zpath)
    res = CliRunner().invoke(cli, ["-q", "check", "water-sources", "--zones", str(zpath), "--facilities", str(facs)])
    assert res.exit_code == 4, res.output
    assert "level" in res.output


def test_sample_defaults(tmp_path, sample_available):
    if not sample_available:
        pytest.skip("layers/luohe.gpkg not built")
    for name in ("water-sources", "sections"):
        out_json = tmp_path / f"{name}.json"
        res = CliRunner().invoke(cli, ["-q", "check", name, "--json", str(out_json)])
        assert res.exit_code == 0, res.output
        data = json.loads(out_json.read_text(encoding="utf-8"))
        assert isinstance(data["violations"], int)
        assert all({"id", "rule", "detail"} <= set(i) for i in data["items"])


def test_own_sources_are_never_measured_against_the_samples_zones(tmp_path):
    """--sources and --facilities of another city, no --layers: the zones are delineated from those
    sources (a facility 20 m from the well is inside its 一级 zone), not taken from the embedded sample's
    protection zones, which lie 100 km away (before: 0 violations, zones_origin 'layer')."""
    crs = "EPSG:4490"
    well = shapely.Point(113.40, 34.80)  # Xingyang, far from the Luohe sample
    src = gpd.GeoDataFrame({"id": ["W1"], "name": ["示例水源井"], "source_type": ["地下水型"],
                            "aquifer_medium": ["细砂"]}, geometry=[well], crs=crs)
    near = gpd.GeoSeries([well], crs=crs).to_crs(GK114).translate(20, 0).to_crs(crs).iloc[0]
    fac = gpd.GeoDataFrame({"id": ["F1"], "name": ["示例企业"], "kind": ["enterprise"]}, geometry=[near], crs=crs)
    write_layers({"water_sources": src}, tmp_path / "sources.gpkg")
    write_layers({"facilities": fac}, tmp_path / "facilities.gpkg")
    out = tmp_path / "r.json"
    r = CliRunner().invoke(cli, ["-q", "check", "water-sources", "--sources", str(tmp_path / "sources.gpkg"),
                                 "--facilities", str(tmp_path / "facilities.gpkg"), "--json", str(out)])
    assert r.exit_code == 0, r.output
    doc = json.loads(out.read_text(encoding="utf-8"))
    assert doc["parameters"]["zones_origin"] == "delineated", doc["parameters"]
    assert doc["metrics"]["violations"] == 1 and doc["metrics"]["facilities_in_first_level"] == 1, doc["metrics"]
