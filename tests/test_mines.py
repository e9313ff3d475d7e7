"""ecogis.mines: restored hectares of polygons and points (areas by hand), years, refusals, CLI."""

from __future__ import annotations

import json
from pathlib import Path

import geopandas as gpd
import pytest
import shapely
from click.testing import CliRunner

from ecogis.cli.main import cli
from ecogis.errors import InputError, NotMeasurableError
from ecogis.mines import mine_restoration

X0, Y0 = 500_000.0, 3_700_000.0
CRS = "EPSG:4547"


def gdf(rows, geoms, crs=CRS):
    return gpd.GeoDataFrame(rows, geometry=geoms, crs=crs)


@pytest.fixture
def mines():
    return gdf({"id": ["A", "B", "C", "D"], "restoration": ["已修复", "修复中", "已修复", "未修复"],
                "area_ha": [None, None, None, 7.5], "area_m2": [None, None, 30_000.0, None],
                "year": [2022, None, 2024, None]},
               [shapely.box(X0, Y0, X0 + 1000, Y0 + 500),          # 50 ha
                shapely.box(X0 + 2000, Y0, X0 + 2200, Y0 + 500),   # 10 ha
                shapely.Point(X0 + 5000, Y0),                      # 3 ha from area_m2
                shapely.Point(X0 + 6000, Y0)])                     # 7.5 ha


def test_restored_hectares_and_share(mines):
    m = mine_restoration(mines).metrics
    assert m["restored_ha"] == pytest.approx(53.0) and m["total_ha"] == pytest.approx(70.5)
    assert m["share_restored"] == pytest.approx(53.0 / 70.5)
    assert (m["mines_total"], m["mines_restored"], m["mines_in_progress"], m["mines_unrestored"]) == (4, 2, 1, 1)


def test_year_and_area_clip(mines):
    assert mine_restoration(mines, year=2023).metrics["restored_ha"] == pytest.approx(50.0)
    half = gdf({"name": ["西半"]}, [shapely.box(X0 - 100, Y0 - 100, X0 + 500, Y0 + 600)])
    m = mine_restoration(mines, half).metrics
    assert m["mines_total"] == 1 and m["restored_ha"] == pytest.approx(25.0)


def test_geographic_input_measured_in_metres(mines):
    assert mine_restoration(mines.to_crs(4490)).metrics["restored_ha"] == pytest.approx(53.0, rel=1e-6)


def test_a_point_without_area_is_not_measurable_and_bad_status_refused(mines):
    with pytest.raises(NotMeasurableError, match="no area"):
        mine_restoration(mines.assign(area_ha=None, area_m2=None))
    with pytest.raises(InputError, match="废弃"):
        mine_restoration(mines.assign(restoration=["废弃"] * 4))


def test_cli_mines_json(tmp_path, mines):
    d = tmp_path / "set"
    d.mkdir()
    mines.rename(columns={"restoration": "修复状态", "area_ha": "面积(公顷)"}).assign(
        修复状态=["已治理", "治理中", "已完成", "未治理"]).to_file(d / "mines.gpkg", layer="mines", driver="GPKG")
    out = tmp_path / "m.json"
    r = CliRunner().invoke(cli, ["-q", "check", "mines", "--layers", str(d), "--json", str(out)],
                           catch_exceptions=False)
    assert r.exit_code == 0, r.output
    data = json.loads(Path(out).read_text(encoding="utf-8"))
    assert data["restored_ha"] == pytest.approx(53.0) and data["mines_total"] == 4


def test_a_stated_area_far_from_the_polygon_is_warned(mines):
    r = mine_restoration(mines.assign(area_ha=[80.0, None, None, 7.5]))
    assert r.metrics["restored_ha"] == pytest.approx(53.0)  # the geometry's 50 ha, not the stated 80
    assert any("5 %" in w for w in r.warnings)
