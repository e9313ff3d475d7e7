"""CheckResult: the JSON every check writes, its items, its GeoPackage."""

from __future__ import annotations

import json

import geopandas as gpd
import numpy as np
import pyogrio
import pytest
import shapely
from pyproj import Transformer

from ecogis.errors import InputError, OutputExistsError
from ecogis.result import VIOLATION_COLUMNS, CheckResult, RasterLayer, violations_frame

X0, Y0 = 501_500.0, 3_716_000.0  # EPSG:4547 near Luohe


def _result() -> CheckResult:
    v = violations_frame([
        {"id": "f1", "name": "排口", "rule": "水污染防治法 第六十五条", "detail": "inside 一级", "geometry": shapely.Point(X0, Y0)},
        {"id": "f2", "rule": "near", "detail": "80 m outside", "severity": "warning", "distance_m": 80.0,
         "geometry": shapely.box(X0 + 100, Y0, X0 + 300, Y0 + 200)},
    ], crs=4547)
    gaps = gpd.GeoDataFrame({"area_m2": [100.0]}, geometry=[shapely.box(X0, Y0, X0 + 10, Y0 + 10)], crs=4547)
    return CheckResult("demo", metrics={"area_m2": 1e6, "share": np.float64(0.5), "n": np.int64(3),
                                        "missing": float("nan"), "ok": np.bool_(True)},
                       violations=v, layers={"gaps": gaps}, parameters={"radius_m": 500},
                       warnings=["assumed 500 m"], not_measurable={"population_share": "raster missing"})


def test_violations_frame_has_the_standard_columns_and_defaults():
    v = _result().violations
    assert list(v.columns[: len(VIOLATION_COLUMNS)]) == list(VIOLATION_COLUMNS)
    assert v["severity"].tolist() == ["error", "warning"] and v["name"].isna().tolist() == [False, True]
    assert "distance_m" in v.columns and v.crs.to_epsg() == 4547
    empty = violations_frame([], crs=4490)
    assert len(empty) == 0 and empty.crs.to_epsg() == 4490


def test_to_dict_is_plain_json_with_metrics_on_top():
    d = _result().to_dict()
    text = json.dumps(d, allow_nan=False)  # no NaN, no numpy types
    back = json.loads(text)
    assert back["check"] == "demo" and back["area_m2"] == 1e6 and back["metrics"]["share"] == 0.5
    assert back["n"] == 3 and back["ok"] is True and back["missing"] is None
    assert back["violations"] == 1 and back["warnings_count"] == 1  # warnings are not violations
    assert back["warnings"] == ["assumed 500 m"] and back["not_measurable"] == {"population_share": "raster missing"}
    assert [i["id"] for i in back["items"]] == ["f1", "f2"]


def test_items_carry_lonlat_of_a_point_on_each_feature():
    items = _result().items()
    to_ll = Transformer.from_crs(4547, 4490, always_xy=True)
    lon, lat = to_ll.transform(X0, Y0)
    assert items[0]["lon"] == pytest.approx(lon, abs=1e-7) and items[0]["lat"] == pytest.approx(lat, abs=1e-7)
    # the polygon's representative point lies inside it
    box_ll = shapely.box(*to_ll.transform(X0 + 100, Y0), *to_ll.transform(X0 + 300, Y0 + 200))
    assert box_ll.contains(shapely.Point(items[1]["lon"], items[1]["lat"]))


def test_write_json_and_gpkg_refuse_to_overwrite(tmp_path):
    r = _result()
    path = r.write_json(tmp_path / "r.json")
    assert json.loads(path.read_text(encoding="utf-8"))["check"] == "demo"
    with pytest.raises(OutputExistsError):
        r.write_json(tmp_path / "r.json")
    gpkg = r.write_gpkg(tmp_path / "r.gpkg")
    assert sorted(name for name, _ in pyogrio.list_layers(gpkg)) == ["gaps", "violations"]
    assert len(gpd.read_file(gpkg, layer="violations")) == 2
    with pytest.raises(OutputExistsError):
        r.write_gpkg(gpkg)
    r.write_gpkg(gpkg, overwrite=True)


def test_raster_layer_holds_a_grid_and_stays_out_of_json():
    from affine import Affine

    arr = np.array([[1.0, np.nan, 3.0], [-9999.0, 5.0, 6.0]])
    layer = RasterLayer(arr, Affine(250.0, 0, 0, 0, -250.0, 500.0), "EPSG:4547", units="ug/m3")
    assert layer.shape == (2, 3) and layer.crs.to_epsg() == 4547
    # NaN and the nodata value are both empty: 4 cells with a value, 1 to 6
    assert layer.summary() == "2x3 cells of 250 m, 4 with a value, 1-6 ug/m3, EPSG:4547"
    r = CheckResult("demo", metrics={"x": 1.0}, rasters={"surface": layer})
    assert r.to_dict() == CheckResult("demo", metrics={"x": 1.0}).to_dict()
    json.dumps(r.to_dict())
    with pytest.raises(InputError, match="2-D"):
        RasterLayer(np.zeros(3), Affine.identity(), 4547)
