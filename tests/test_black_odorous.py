"""ecogis.black_odorous on hand-made lines and ponds (lengths and areas by hand), years, refusals, CLI."""

from __future__ import annotations

import json
from pathlib import Path

import geopandas as gpd
import pytest
import shapely
from click.testing import CliRunner

from ecogis.black_odorous import black_odorous_water
from ecogis.cli.main import cli
from ecogis.errors import InputError, NotMeasurableError

X0, Y0 = 500_000.0, 3_700_000.0
CRS = "EPSG:4547"


def gdf(rows, geoms, crs=CRS):
    return gpd.GeoDataFrame(rows, geometry=geoms, crs=crs)


def line(x0, x1, y):
    return shapely.LineString([(X0 + x0, Y0 + y), (X0 + x1, Y0 + y)])


AREA = gdf({"name": ["建成区"]}, [shapely.box(X0, Y0, X0 + 10_000, Y0 + 10_000)])


@pytest.fixture
def bodies():
    return gdf({"id": ["L1", "L2", "L3", "P1", "OUT"], "name": ["甲沟", "乙沟", "丙河", "坑塘", "城外沟"],
                "status": ["已消除", "未消除", "已消除", "已消除", "未消除"], "year": [2021, None, 2024, 2020, None]},
               [line(1000, 3000, 1000),      # 2 km, inside
                line(1000, 2000, 2000),      # 1 km, inside
                line(9000, 12_000, 3000),    # 3 km, 1 km inside
                shapely.box(X0 + 5000, Y0 + 5000, X0 + 5100, Y0 + 5200),  # 20 000 m2 pond
                line(20_000, 21_000, 0)])    # outside


def test_counts_lengths_and_areas_clipped_to_the_area(bodies):
    m = black_odorous_water(bodies, AREA).metrics
    assert (m["bodies_total"], m["bodies_eliminated"], m["bodies_remaining"]) == (4, 3, 1)
    assert m["share_eliminated"] == pytest.approx(3 / 4) and m["share_remaining"] == pytest.approx(1 / 4)
    assert m["length_km"] == pytest.approx(4.0)  # 2 + 1 + 1 inside
    assert m["share_eliminated_length"] == pytest.approx(3 / 4)
    assert m["area_m2"] == pytest.approx(20_000.0) and m["share_eliminated_area"] == 1.0
    assert m["last_year_eliminated"] == 2024


def test_a_body_eliminated_after_the_year_is_not_eliminated_then(bodies):
    r = black_odorous_water(bodies, AREA, year=2023)
    assert r.metrics["bodies_eliminated"] == 2
    assert sorted(r.violations["id"]) == ["L2", "L3"]
    assert any("after 2023" in w for w in r.warnings)


def test_no_area_counts_every_body_and_no_lines_leaves_length_share_unmeasured(bodies):
    assert black_odorous_water(bodies).metrics["bodies_total"] == 5
    ponds = bodies[bodies["id"] == "P1"]
    r = black_odorous_water(ponds, AREA)
    assert r.metrics["share_eliminated_length"] is None and "share_eliminated_length" in r.not_measurable


def test_refusals(bodies):
    with pytest.raises(NotMeasurableError, match="status"):
        black_odorous_water(bodies.drop(columns="status"), AREA)
    with pytest.raises(InputError, match="不明"):
        black_odorous_water(bodies.assign(status=["不明"] * 5), AREA)
    with pytest.raises(InputError, match="year"):
        black_odorous_water(bodies, AREA, year="2023")


def test_status_aliases_from_a_chinese_file(tmp_path, bodies):
    from ecogis.io import read_layer

    raw = bodies.rename(columns={"name": "水体名称", "status": "治理状态", "year": "消除年份"})
    raw["治理状态"] = ["已治理", "治理中", "完成治理", "已完成", "返黑返臭"]
    raw.to_file(tmp_path / "hc.gpkg", driver="GPKG")
    got = read_layer(tmp_path / "hc.gpkg", "black_odorous_waters")
    assert got["status"].tolist() == ["已消除", "未消除", "已消除", "已消除", "未消除"]


def test_cli_black_odorous_water_json(tmp_path, bodies):
    d = tmp_path / "set"
    d.mkdir()
    gpkg = d / "city.gpkg"
    AREA.assign(id=["B"], scope=["城市建成区"]).to_file(gpkg, layer="study_area", driver="GPKG")
    bodies.to_file(gpkg, layer="black_odorous_waters", driver="GPKG")
    out = tmp_path / "b.json"
    r = CliRunner().invoke(cli, ["-q", "check", "black-odorous-water", "--layers", str(d), "--json", str(out)],
                           catch_exceptions=False)
    assert r.exit_code == 0, r.output
    data = json.loads(Path(out).read_text(encoding="utf-8"))
    assert data["bodies_total"] == 4 and data["share_eliminated"] == pytest.approx(0.75)
    assert [i["id"] for i in data["items"]] == ["L2"]
