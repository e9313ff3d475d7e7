"""``ecogis map`` through click's CliRunner on a small layer directory built here."""

from __future__ import annotations

import json
import re

import geopandas as gpd
import pytest
import shapely
from click.testing import CliRunner

from ecogis.cli.main import cli
from ecogis.io import write_layers


@pytest.fixture
def layer_dir(tmp_path):
    x0, y0 = 501_500.0, 3_716_000.0  # EPSG:4547, Luohe
    area = gpd.GeoDataFrame({"id": ["a"], "name": ["中心城区"], "scope": ["中心城区"]},
                            geometry=[shapely.box(x0, y0, x0 + 4000, y0 + 3000)], crs=4547)
    stops = gpd.GeoDataFrame({"id": ["1", "2"], "name": ["<img src=x onerror=alert(1)>", "O'Brien \"河\""]},
                             geometry=[shapely.Point(x0 + 1000, y0 + 1000), shapely.Point(x0 + 3000, y0 + 2000)],
                             crs=4547)
    d = tmp_path / "layers"
    d.mkdir()
    write_layers({"study_area": area, "bus_stops": stops}, d / "city.gpkg")
    return d


def _config(page: str) -> dict:
    return json.loads(re.search(r'<script type="application/json" id="ecogis-config-[0-9a-f]+">(.*?)</script>',
                                page, re.DOTALL).group(1))


def test_map_writes_overview_and_index_and_sizes(layer_dir, tmp_path):
    out = tmp_path / "maps"
    r = CliRunner().invoke(cli, ["map", "--layers", str(layer_dir), "--out-dir", str(out)])
    assert r.exit_code == 0, r.output
    # every check the two layers allow gets its map: coverage needs only stops and the central city
    assert sorted(p.name for p in out.iterdir()) == ["coverage.html", "index.html", "overview.html"]
    assert "no map for air: not measurable: layer 'air_stations' missing" in r.output
    for name in ("overview.html", "index.html"):
        size = (out / name).stat().st_size
        shown = re.search(rf"{re.escape(name)}\s+([\d.]+) (kB|MB)", r.output)
        assert shown, r.output
        value = float(shown.group(1)) * (1e3 if shown.group(2) == "kB" else 1e6)
        assert abs(value - size) <= 0.06 * size + 500
    cfg = _config((out / "overview.html").read_text(encoding="utf-8"))
    assert {l["id"]: l["count"] for l in cfg["layers"]} == {"study_area": 1, "bus_stops": 2}
    assert 'href="overview.html"' in (out / "index.html").read_text(encoding="utf-8")


def test_map_refuses_to_overwrite_without_flag(layer_dir, tmp_path):
    out = tmp_path / "maps"
    args = ["map", "--layers", str(layer_dir), "--out-dir", str(out)]
    assert CliRunner().invoke(cli, args).exit_code == 0
    r = CliRunner().invoke(cli, args)
    assert r.exit_code == 2 and "--overwrite" in r.output
    assert CliRunner().invoke(cli, args + ["--overwrite", "--lang", "en"]).exit_code == 0
    cfg = _config((out / "overview.html").read_text(encoding="utf-8"))
    assert {l["title"] for l in cfg["layers"]} == {"Study area", "Bus stops"}


def test_map_tianditu_without_key_and_amap(layer_dir, tmp_path, monkeypatch):
    monkeypatch.delenv("TIANDITU_KEY", raising=False)
    r = CliRunner().invoke(cli, ["map", "--layers", str(layer_dir), "--out-dir", str(tmp_path / "m"),
                                 "--basemap", "tianditu-vec"])
    assert r.exit_code == 2 and "TIANDITU_KEY" in r.output
    assert not (tmp_path / "m" / "overview.html").exists()
    r = CliRunner().invoke(cli, ["map", "--layers", str(layer_dir), "--out-dir", str(tmp_path / "a"),
                                 "--basemap", "amap"])
    assert r.exit_code == 0, r.output
    cfg = _config((tmp_path / "a" / "overview.html").read_text(encoding="utf-8"))
    assert any("GCJ-02" in n for n in cfg["panel"]["notes"])
    r = CliRunner().invoke(cli, ["map", "--layers", str(layer_dir), "--basemap", "google"])
    assert r.exit_code == 2
