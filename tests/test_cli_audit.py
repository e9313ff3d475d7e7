"""``ecogis audit`` through click's CliRunner: the README's main job, on the sample and on a small layer set."""

from __future__ import annotations

import json
import math

import geopandas as gpd
import pytest
import shapely
from click.testing import CliRunner

from ecogis.cli.main import cli
from ecogis.io import write_layers

KEYS = {"document", "clause", "indicator", "year", "target", "measured", "status"}


@pytest.mark.sample
def test_sample_audit_writes_report_and_linked_maps(tmp_path):
    out = tmp_path / "report"
    r = CliRunner().invoke(cli, ["-q", "audit", "--out", str(out)])
    assert r.exit_code == 0, r.output
    data = json.loads((out / "report.json").read_text(encoding="utf-8"))
    assert data["plans"] == ["luohe-air-2024", "luohe-eco-2023", "luohe-transit-2023"]
    assert data["targets"] and all(KEYS <= set(t) for t in data["targets"])
    counts = {s: sum(t["status"] == s for t in data["targets"]) for s in ("met", "not_met", "not_measurable")}
    assert data["summary"] == counts
    assert f"{len(data['targets'])} targets: {counts['met']} met, {counts['not_met']} not met" in r.output
    for t in data["targets"]:
        if t["status"] == "not_measurable":
            assert t["reason"], t["id"]
        elif t["source"] in ("check", "records"):  # measured by a check; a spatial one links to a map that exists
            assert t["measured"] is not None and (not t["spatial"] or (out / t["map"]).is_file()), t["id"]
        else:  # a reported figure has its source and no map
            assert t["source"] == "reported" and t["reported_source"] and t["map"] is None, t["id"]
    index = (out / "maps" / "index.html").read_text(encoding="utf-8")
    assert all(f'href="{(out / t["map"]).name}"' in index for t in data["targets"] if t["map"])
    assert {"report.html", "report.md", "report.json"} <= {p.name for p in out.iterdir()}
    # a second run refuses to overwrite, and --overwrite replaces
    again = CliRunner().invoke(cli, ["-q", "audit", "--out", str(out), "--no-maps"])
    assert again.exit_code == 2 and "--overwrite" in again.output
    assert CliRunner().invoke(cli, ["-q", "audit", "--out", str(out), "--no-maps", "--overwrite"]).exit_code == 0


@pytest.mark.sample
def test_plan_and_year_select_targets(tmp_path):
    out = tmp_path / "r"
    r = CliRunner().invoke(cli, ["-q", "audit", "--plan", "luohe-transit-2023", "--year", "2025", "--no-maps",
                                 "--out", str(out)])
    assert r.exit_code == 0, r.output
    data = json.loads((out / "report.json").read_text(encoding="utf-8"))
    assert {t["document"] for t in data["targets"]} == {"漯政办〔2023〕22号"}
    assert {t["year"] for t in data["targets"]} == {2025}
    coverage = next(t for t in data["targets"] if t["metric"] == "area_share")
    assert coverage["status"] == "not_met" and 0 < coverage["measured"] < 1
    assert not (out / "maps").exists()


def test_unknown_plan_is_named_with_the_known_ones(tmp_path):
    r = CliRunner().invoke(cli, ["-q", "audit", "--plan", "atlantis-2030", "--out", str(tmp_path / "r")])
    assert r.exit_code == 2
    assert "atlantis-2030" in r.output and "luohe-transit-2023" in r.output
    assert not (tmp_path / "r").exists()


def test_list_plans():
    r = CliRunner().invoke(cli, ["audit", "--list-plans"])
    assert r.exit_code == 0
    for plan in ("luohe-transit-2023", "luohe-eco-2023", "luohe-air-2024", "xingyang-eco-2024",
                 "sanmenxia-pollution-2018", "pingdingshan-eco-14fyp"):
        assert plan in r.output


def test_own_layers_one_stop_gives_pi_r_squared(tmp_path):
    """A user's layer directory: one stop in a 10 km square central city covers pi * 500^2 of it."""
    x0, y0 = 495_000.0, 3_711_000.0
    area = gpd.GeoDataFrame({"id": ["a"], "name": ["中心城区"], "scope": ["中心城区"]},
                            geometry=[shapely.box(x0, y0, x0 + 10_000, y0 + 10_000)], crs=4547)
    stops = gpd.GeoDataFrame({"id": ["s"], "name": ["站"]}, geometry=[shapely.Point(x0 + 5_000, y0 + 5_000)],
                             crs=4547)
    layers = tmp_path / "city"
    layers.mkdir()
    write_layers({"study_area": area, "bus_stops": stops}, layers / "city.gpkg")
    before = (layers / "city.gpkg").read_bytes()
    out = tmp_path / "r"
    r = CliRunner().invoke(cli, ["-q", "audit", "--layers", str(layers), "--plan", "luohe-transit-2023",
                                 "--out", str(out)])
    assert r.exit_code == 0, r.output
    data = json.loads((out / "report.json").read_text(encoding="utf-8"))
    by_metric = {t["metric"]: t for t in data["targets"] if t["check"] == "coverage" and t["scope"] == "中心城区"}
    assert by_metric["area_share"]["measured"] == pytest.approx(math.pi * 500**2 / 1e8, rel=1e-6)
    assert by_metric["area_share"]["status"] == "not_met"
    # the stops carry no harbour field: the target is named not measurable, never invented
    harbour = next(t for t in data["targets"] if t["metric"] == "harbour_stop_share")
    assert harbour["status"] == "not_measurable" and "harbour" in harbour["reason"]
    assert (layers / "city.gpkg").read_bytes() == before  # input untouched


def test_crs_for_files_that_state_none(tmp_path):
    """Stops from a web map (GCJ-02 CSV, no CRS) beside an area that states its CRS: --crs gcj02 reads both right."""
    from ecogis.crs import wgs84_to_gcj02

    x0, y0 = 495_000.0, 3_711_000.0
    area = gpd.GeoDataFrame({"id": ["a"], "name": ["中心城区"], "scope": ["中心城区"]},
                            geometry=[shapely.box(x0, y0, x0 + 10_000, y0 + 10_000)], crs=4547)
    layers = tmp_path / "city"
    layers.mkdir()
    write_layers({"study_area": area}, layers / "study_area.gpkg")
    centre = gpd.GeoSeries([shapely.Point(x0 + 5_000, y0 + 5_000)], crs=4547).to_crs(4326)
    glon, glat = wgs84_to_gcj02(centre.x.to_numpy(), centre.y.to_numpy())
    (layers / "bus_stops.csv").write_text(f"name,lng,lat\n中心站,{glon[0]:.10f},{glat[0]:.10f}\n", encoding="utf-8")
    out = tmp_path / "r"
    args = ["-q", "audit", "--layers", str(layers), "--plan", "luohe-transit-2023", "--no-maps", "--out", str(out)]
    r = CliRunner().invoke(cli, args)
    assert r.exit_code == 2 and "bus_stops.csv" in r.output and "--crs" in r.output
    r = CliRunner().invoke(cli, args + ["--crs", "gcj02"])
    assert r.exit_code == 0, r.output
    data = json.loads((out / "report.json").read_text(encoding="utf-8"))
    share = next(t for t in data["targets"] if t["metric"] == "area_share" and t["scope"] == "中心城区")["measured"]
    # the stop is back at the centre (a 300-600 m GCJ shift would not change pi r^2, so check the stop too)
    assert share == pytest.approx(math.pi * 500**2 / 1e8, rel=1e-6)
    from ecogis.layerset import load_layers

    stop = load_layers(layers, crs="gcj02").get("bus_stops").to_crs(4547).geometry.iloc[0]
    assert stop.distance(shapely.Point(x0 + 5_000, y0 + 5_000)) < 0.01
    assert load_layers(layers, crs="gcj02").get("study_area").to_crs(4547).geometry.iloc[0].equals_exact(
        area.geometry.iloc[0], 1e-6)


@pytest.mark.sample
def test_the_repeat_command_reproduces_the_audit(tmp_path):
    import shlex

    first = tmp_path / "first"
    assert CliRunner().invoke(cli, ["-q", "audit", "--plan", "luohe-eco-2023", "--year", "2024", "--no-maps",
                                    "--out", str(first)]).exit_code == 0
    data = json.loads((first / "report.json").read_text(encoding="utf-8"))
    argv = shlex.split(data["repeat"])
    assert argv[:2] == ["ecogis", "audit"]
    second = tmp_path / "second"
    r = CliRunner().invoke(cli, ["-q", *argv[1:], "--no-maps", "--out", str(second)])
    assert r.exit_code == 0, r.output
    again = json.loads((second / "report.json").read_text(encoding="utf-8"))
    assert [(t["id"], t["status"], t["measured"]) for t in again["targets"]] == \
        [(t["id"], t["status"], t["measured"]) for t in data["targets"]]
