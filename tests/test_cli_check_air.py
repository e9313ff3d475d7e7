"""``ecogis check air`` through click's CliRunner on small EPSG:4547 files."""

from __future__ import annotations

import json
from pathlib import Path

import geopandas as gpd
import pytest
import rasterio
import shapely
from click.testing import CliRunner

from ecogis.cli.main import cli

X0, Y0 = 500_000.0, 3_700_000.0
SAMPLE = Path(__file__).resolve().parents[1] / "layers" / "luohe.gpkg"


@pytest.fixture
def station_file(tmp_path):
    path = tmp_path / "air_stations.gpkg"
    gpd.GeoDataFrame(
        {"id": ["S1", "S2"], "name": ["市监测站", "开发区"], "pm25_ugm3": [36.0, 44.0], "pm10_ugm3": [60.0, 72.0],
         "year": [2025, 2025]},
        geometry=[shapely.Point(X0, Y0), shapely.Point(X0 + 1000, Y0)], crs="EPSG:4547",
    ).to_file(path, layer="air_stations", driver="GPKG")
    return path


def run(args):
    return CliRunner().invoke(cli, ["-q", *[str(a) for a in args]], catch_exceptions=False)


def test_air_json_surface_and_gpkg(station_file, tmp_path):
    out, tif, gpkg = tmp_path / "air.json", tmp_path / "pm25.tif", tmp_path / "air.gpkg"
    r = run(["check", "air", "--stations", station_file, "--surface", tif, "--cell", "50", "--json", out,
             "--out", gpkg])
    assert r.exit_code == 0, r.output
    d = json.loads(out.read_text(encoding="utf-8"))
    assert isinstance(d["violations"], int)
    for item in d["items"]:
        assert {"id", "rule", "detail"} <= set(item)
    # 2025 (from the year field): PM2.5 < 38.5 -> S2 over; PM10 < 68 -> S2 over; city PM2.5 mean 40 over
    assert d["year"] == 2025 and d["target_pm25_ugm3"] == 38.5
    assert d["pm25_mean_ugm3"] == pytest.approx(40.0)
    assert d["stations_over_target"] == 1
    assert sorted((i["id"], i["pollutant"]) for i in d["items"]) == [("S2", "PM10"), ("S2", "PM2.5"),
                                                                      ("city", "PM2.5")]
    with rasterio.open(tif) as src:
        assert src.crs.to_epsg() == 4547 and src.res == (50.0, 50.0)
        v = src.read(1)
    assert 36.0 <= v.min() and v.max() <= 44.0
    assert gpkg.exists()


def test_air_given_target_and_strict(station_file):
    r = run(["check", "air", "--stations", station_file, "--pm25-target", "45"])
    assert r.exit_code == 0, r.output
    assert "violations: 0" in r.output
    r = run(["check", "air", "--stations", station_file, "--pm25-target", "40", "--strict"])
    assert r.exit_code == 1  # S2 44 and the city mean 40 are not below 40


def test_air_refuses_existing_surface(station_file, tmp_path):
    tif = tmp_path / "s.tif"
    tif.write_bytes(b"keep")
    r = run(["check", "air", "--stations", station_file, "--surface", tif])
    assert r.exit_code == 2 and tif.read_bytes() == b"keep"


@pytest.mark.skipif(not SAMPLE.exists(), reason="sample layers/luohe.gpkg not built yet")
def test_air_sample(tmp_path):
    out = tmp_path / "air.json"
    r = run(["check", "air", "--year", "2025", "--json", out, "--surface", tmp_path / "pm25.tif"])
    assert r.exit_code in (0, 4), r.output
    if r.exit_code == 0:
        d = json.loads(out.read_text(encoding="utf-8"))
        assert isinstance(d["violations"], int) and d["target_pm25_ugm3"] == 38.5
