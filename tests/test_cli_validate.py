"""`ecogis validate` on the command line: exit codes, messages, --fix."""

from __future__ import annotations

import geopandas as gpd
import pyogrio
import pytest
import shapely
from click.testing import CliRunner

from ecogis.cli.main import cli
from tests.conftest import REPO, file_digest


@pytest.mark.sample
def test_sample_validates_clean():
    result = CliRunner().invoke(cli, ["validate", str(REPO / "layers")])
    assert result.exit_code == 0, result.output
    assert "0 error(s)" in result.output


def test_errors_exit_3_and_fix(tmp_path):
    src = tmp_path / "protection_zones.gpkg"
    pyogrio.write_dataframe(gpd.GeoDataFrame(
        {"id": ["z1"], "name": ["a"], "level": ["一级"]},
        geometry=[shapely.Polygon([(5e5, 3.716e6), (5e5 + 10, 3.716e6 + 10), (5e5 + 10, 3.716e6), (5e5, 3.716e6 + 10)])],
        crs=4547), src, layer="protection_zones")
    before = file_digest(tmp_path)
    result = CliRunner().invoke(cli, ["validate", str(src)])
    assert result.exit_code == 3
    assert "feature id=z1 (row 0): invalid-geometry: Self-intersection" in result.output
    assert file_digest(tmp_path) == before
    out = tmp_path / "fixed.gpkg"
    result = CliRunner().invoke(cli, ["validate", str(src), "--fix", str(out)])
    assert out.exists() and (tmp_path / "fixed.gpkg.changes.csv").exists()
    assert "1 change(s)" in result.output
    assert CliRunner().invoke(cli, ["validate", str(out)]).exit_code == 0
    # refuses to overwrite the repaired copy without --overwrite
    again = CliRunner().invoke(cli, ["validate", str(src), "--fix", str(out)])
    assert again.exit_code == 2 and "--overwrite" in again.output


def test_unknown_kind_option_exit_2(tmp_path):
    f = tmp_path / "x.geojson"
    pyogrio.write_dataframe(gpd.GeoDataFrame(geometry=[shapely.Point(5e5, 3.716e6)], crs=4547), f)
    result = CliRunner().invoke(cli, ["validate", str(f), "--kind", "stops"])
    assert result.exit_code == 2 and "expected to be one of" in result.output
