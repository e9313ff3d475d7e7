"""ecogis.land_cover, the check ``land-cover`` and the land_use kind, on hand-made polygons."""

from __future__ import annotations

import geopandas as gpd
import pandas as pd
import pytest
import shapely

from ecogis.audit import run_audit, run_check
from ecogis.catalogue import canonicalize, guess_kind
from ecogis.errors import NotMeasurableError
from ecogis.io import read_layer
from ecogis.land_cover import land_cover
from ecogis.layerset import LayerSet, load_sample

X0, Y0 = 500_000.0, 3_700_000.0
CRS = "EPSG:4547"


def box(x0: float, y0: float, x1: float, y1: float) -> shapely.Polygon:
    return shapely.box(X0 + x0, Y0 + y0, X0 + x1, Y0 + y1)


def lu(*items) -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame({"land_class": [c for c, _ in items]}, geometry=[g for _, g in items], crs=CRS)


BUILT = box(0, 0, 1000, 1000)
CITY = box(0, 0, 4000, 2500)  # 10 km2


def one(geom) -> gpd.GeoSeries:
    return gpd.GeoSeries([geom], crs=CRS)


LAYER = lu(("公园绿地", box(0, 0, 200, 1000)), ("防护绿地", box(200, 0, 250, 1000)),
           ("居住用地", box(250, 0, 1000, 900)), ("裸地", box(250, 900, 1000, 1000)),
           ("林地", box(1000, 0, 4000, 1000)), ("耕地", box(0, 1000, 4000, 2500)))


def test_ratios_of_hand_made_polygons():
    m = land_cover(LAYER, one(BUILT), one(CITY)).metrics
    assert m["green_area_m2"] == pytest.approx(250_000) and m["green_space_ratio"] == pytest.approx(0.25)
    assert m["bare_area_m2"] == pytest.approx(75_000) and m["bare_share"] == pytest.approx(0.075)
    assert m["forest_area_m2"] == pytest.approx(3_000_000) and m["forest_cover"] == pytest.approx(0.3)
    assert m["land_use_share_built_up"] == pytest.approx(1.0) and m["land_use_share_city"] == pytest.approx(1.0)


def test_the_green_classes_are_a_parameter_and_named_in_the_result():
    r = land_cover(LAYER, one(BUILT), one(CITY), green_classes=("公园绿地",))
    assert r.metrics["green_space_ratio"] == pytest.approx(0.2)
    assert r.parameters["green_classes"] == ["公园绿地"]
    assert any("附属绿地" in w for w in r.warnings)  # the official 绿地率 counts more: a lower bound


def test_gaps_and_overlaps_are_said():
    layer = lu(("公园绿地", box(0, 0, 500, 500)), ("公园绿地", box(0, 0, 500, 500)),  # the same park twice
               ("居住用地", box(400, 0, 600, 500)))  # overlapping the park by 100 x 500
    r = land_cover(layer, one(BUILT))
    assert r.metrics["green_area_m2"] == pytest.approx(250_000)  # counted once
    assert r.metrics["land_use_share_built_up"] == pytest.approx(0.3)
    assert any("lower bounds" in w for w in r.warnings) and any("overlap" in w for w in r.warnings)
    assert sorted(r.not_measurable) == ["forest_cover"]


def test_no_area_and_no_land_class():
    with pytest.raises(NotMeasurableError, match="neither"):
        land_cover(LAYER)
    with pytest.raises(NotMeasurableError, match="land_class"):
        land_cover(LAYER.rename(columns={"land_class": "x"}), one(BUILT))


def test_the_check_picks_built_up_and_city_from_the_study_area():
    areas = gpd.GeoDataFrame({"id": ["B", "C"], "name": ["建成区", "市"], "scope": ["城市建成区", "市域"]},
                             geometry=[BUILT, CITY], crs=CRS)
    layers = LayerSet({"land_use": LAYER, "study_area": areas})
    m = run_check("land-cover", layers).metrics
    assert (m["green_space_ratio"], m["forest_cover"]) == (pytest.approx(0.25), pytest.approx(0.3))
    m = run_check("land-cover", layers, scope="全市").metrics  # a target's scope: every figure over it
    assert m["forest_cover"] == pytest.approx(0.3) and m["green_space_ratio"] == pytest.approx(0.025)


def test_land_use_codes_and_chinese_headers_are_read(tmp_path):
    df = pd.DataFrame({"地类名称": ["0701 城镇住宅用地", "0301乔木林地", "1206 裸土地", "G1", "1001", "1001 工业用地",
                                "1402", "0305 灌木林地"]})
    out, mapping = canonicalize(df, "land_use")
    assert mapping == {"地类名称": "land_class"}
    # "1001" is railway land in GB/T 21010-2017 and industrial land in the 2023 classification: left as given
    assert out["land_class"].tolist() == ["居住用地", "林地", "裸地", "公园绿地", "1001", "工业用地", "防护绿地", "林地"]
    gdf = gpd.GeoDataFrame({"DLMC": ["城镇住宅用地"]}, geometry=[BUILT], crs=CRS)
    gdf.to_file(tmp_path / "DLTB.shp", encoding="utf-8")
    assert guess_kind("DLTB.shp") == "land_use" and guess_kind("parks.gpkg") == "parks"
    assert guess_kind("绿道.shp") == "greenways"
    assert read_layer(tmp_path / "DLTB.shp", kind="land_use")["land_class"].tolist() == ["居住用地"]


@pytest.mark.sample
def test_land_cover_on_the_sample():
    m = run_check("land-cover", load_sample()).metrics
    assert 0.05 < m["green_space_ratio"] < 0.353  # below Sanmenxia's 2018 target: a target not met
    assert 0 < m["bare_share"] < 0.1 and 0 < m["forest_cover"] < 0.5


@pytest.mark.sample
def test_the_sample_audit_measures_the_new_targets():
    audit = run_audit(load_sample(), plans=["sanmenxia-pollution-2018"])
    green = [o for o in audit.outcomes if o.target.check == "land-cover"]
    assert len(green) >= 4
    assert all(o.status in ("met", "not_met") for o in green), [(o.target.id, o.status, o.reason) for o in green]
    assert {o.target.metric for o in green} == {"green_space_ratio"}
