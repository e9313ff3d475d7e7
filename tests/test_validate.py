"""Validation: every problem gathered, named by file, layer and feature; --fix writes a new file."""

from __future__ import annotations

import geopandas as gpd
import pandas as pd
import pyogrio
import pytest
import shapely

from ecogis.errors import InputError, ValidationError
from ecogis.validate import fix_layer, fix_paths, validate_layer, validate_paths
from tests.conftest import file_digest

X0, Y0 = 500_000, 3_716_000  # central Luohe in EPSG:4547
BOWTIE = shapely.Polygon([(X0, Y0), (X0 + 10, Y0 + 10), (X0 + 10, Y0), (X0, Y0 + 10)])


def _write(gdf, path, **kw):
    pyogrio.write_dataframe(gdf, path, **kw)
    return path


def test_all_problems_of_one_layer_are_gathered():
    g = gpd.GeoDataFrame(
        {"id": ["a", "a", "c", "d"], "name": ["x", "y", None, "w"], "level": ["一级", "三级", "二级", "二级"]},
        geometry=[BOWTIE, shapely.box(X0, Y0, X0 + 1, Y0 + 1), shapely.Point(X0 + 5, Y0 + 5), shapely.Polygon()],
        crs=4547,
    )
    codes = sorted((p.code, p.feature) for p in validate_layer(g, "protection_zones", source="z.gpkg"))
    assert codes == [
        ("bad-value", "id=a (row 1)"),
        ("duplicate-id", "id=a (row 0)"),
        ("duplicate-id", "id=a (row 1)"),
        ("empty-geometry", "id=d (row 3)"),
        ("empty-value", "id=c (row 2)"),
        ("geometry-type", "id=c (row 2)"),
        ("invalid-geometry", "id=a (row 0)"),
    ]
    invalid = next(p for p in validate_layer(g, "protection_zones") if p.code == "invalid-geometry")
    assert "Self-intersection" in invalid.message


def test_missing_required_field_names_aliases():
    g = gpd.GeoDataFrame({"id": ["1"], "name": ["n"]}, geometry=[shapely.box(X0, Y0, X0 + 1, Y0 + 1)], crs=4547)
    (p,) = validate_layer(g, "protection_zones")
    assert p.code == "missing-field" and "level" in p.message and "级别" in p.fix


def test_self_intersection_swapped_axes_and_no_crs_named_by_file_and_feature(tmp_path):
    _write(gpd.GeoDataFrame({"id": ["z9"], "name": ["n"], "level": ["一级"]}, geometry=[
        shapely.Polygon([(114.0, 33.5), (114.1, 33.6), (114.1, 33.5), (114.0, 33.6)])], crs=4490),
        tmp_path / "protection_zones.gpkg", layer="protection_zones")
    _write(gpd.GeoDataFrame({"id": ["s1", "s2"], "name": ["ok", "swapped"]},
                                    geometry=[shapely.Point(114.02, 33.58), shapely.Point(33.58, 114.02)], crs=4490),
                   tmp_path / "bus_stops.geojson")
    roads = tmp_path / "roads.shp"
    gpd.GeoDataFrame({"id": ["r1"], "name": ["a"]}, geometry=[shapely.LineString([(0, 0), (1, 1)])]).to_file(roads)
    before = file_digest(tmp_path)
    report = validate_paths([tmp_path])
    msgs = [str(p) for p in report.errors]
    assert any("protection_zones.gpkg [layer protection_zones] feature id=z9" in m and "Self-intersection" in m
               for m in msgs)
    assert any("bus_stops.geojson feature id=s2 (row 1): swapped-axes" in m for m in msgs)
    assert any("roads.shp" in m and "no-crs" in m for m in msgs)
    assert len(report.errors) == 3 and not report.ok
    with pytest.raises(ValidationError, match="3 validation problem"):
        report.raise_for_errors()
    assert file_digest(tmp_path) == before  # nothing written beside the inputs


def test_fix_writes_new_file_and_log_input_untouched(tmp_path):
    src = _write(gpd.GeoDataFrame({"id": ["z1", "z2"], "name": ["a", "b"], "level": ["一级", "二级"]},
                                  geometry=[BOWTIE, shapely.box(X0, Y0, X0 + 1, Y0 + 1)], crs=4547),
                 tmp_path / "protection_zones.gpkg", layer="protection_zones")
    before = file_digest(src)
    out = tmp_path / "out" / "fixed.gpkg"
    gpkg, log_path, changes = fix_paths([src], out)
    assert file_digest(src) == before
    fixed = gpd.read_file(gpkg, layer="protection_zones")
    assert fixed.is_valid.all()
    # the bow-tie's two triangles: area 2 * (10 * 5 / 2) = 50
    assert abs(fixed.geometry.iloc[0].area - 50.0) < 1e-9
    log = pd.read_csv(log_path)
    assert log["change"].tolist() == ["make_valid"] and "id=z1" in log["feature"].iloc[0]
    assert validate_paths([gpkg]).ok
    with pytest.raises(InputError, match="is one of the inputs"):
        fix_paths([src], src, overwrite=True)


def test_fix_swaps_axes_back():
    g = gpd.GeoDataFrame({"id": ["s"], "name": ["n"]}, geometry=[shapely.Point(33.58, 114.02)], crs=4490)
    fixed, log = fix_layer(g, "bus_stops")
    assert (fixed.geometry.x.iloc[0], fixed.geometry.y.iloc[0]) == (114.02, 33.58)
    assert log[0]["change"] == "swap_axes"


def test_crs_differs_is_reported(tmp_path):
    a = _write(gpd.GeoDataFrame({"id": ["1"], "name": ["a"]}, geometry=[shapely.Point(114, 33.6)], crs=4490),
               tmp_path / "bus_stops.gpkg", layer="bus_stops")
    b = _write(gpd.GeoDataFrame({"id": ["1"], "name": ["a"], "zone_type": ["禁燃区"]},
                                geometry=[shapely.box(500000, 3716000, 501000, 3717000)], crs=4547),
               tmp_path / "control_zones.gpkg", layer="control_zones")
    report = validate_paths([a, b])
    assert report.ok
    (w,) = [p for p in report.warnings if p.code == "crs-differs"]
    assert "EPSG:4490" in w.message and "EPSG:4547" in w.message
