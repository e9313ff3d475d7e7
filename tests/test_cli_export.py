"""``ecogis export qgis`` through click's CliRunner."""

from __future__ import annotations

import re
import zipfile

import numpy as np
import pytest
import rasterio
from click.testing import CliRunner

from ecogis.io import write_layers
from tests.test_export import _project, _tables, city_layers, population_tif


def _cli():
    from ecogis.cli.main import cli

    return cli


def test_main_registers_the_export_group():
    from ecogis.cli.export import export
    from ecogis.cli.main import COMMANDS

    assert COMMANDS["export"] == "ecogis.cli.export:export"
    assert "qgis" in export.commands


def test_cli_export_qgis_writes_both_files_and_reports_sizes(tmp_path):
    layers_dir = tmp_path / "layers"
    layers_dir.mkdir()
    write_layers(city_layers(), layers_dir / "city.gpkg")
    population_tif(layers_dir / "population.tif")  # found by its name, as load_layers does
    out = tmp_path / "qgis" / "city.gpkg"
    r = CliRunner().invoke(_cli(), ["export", "qgis", str(out), "--layers", str(layers_dir)])
    assert r.exit_code == 0, r.output
    rdir = tmp_path / "qgis" / "city_rasters"
    for p in (out, out.with_suffix(".qgs"), rdir / "population.tif", rdir / "population.qml"):
        size = p.stat().st_size
        shown = re.search(rf"{re.escape(str(p))}\s+([\d.]+) (kB|MB)", r.output)
        assert shown, r.output
        value = float(shown.group(1)) * (1e3 if shown.group(2) == "kB" else 1e6)
        assert abs(value - size) <= 0.06 * size + 500
    assert "layers: 7 (19 features), rasters: 1" in r.output  # facilities split in two
    again = CliRunner().invoke(_cli(), ["export", "qgis", str(out), "--layers", str(layers_dir)])
    assert again.exit_code == 2 and "--overwrite" in again.output
    # only the raster's files left: still refused, before anything is written
    out.unlink()
    out.with_suffix(".qgs").unlink()
    again = CliRunner().invoke(_cli(), ["export", "qgis", str(out), "--layers", str(layers_dir)])
    assert again.exit_code == 2 and "population.tif" in again.output and not out.exists()
    qgz = CliRunner().invoke(_cli(), ["export", "qgis", str(out), "--layers", str(layers_dir), "--qgz",
                                      "--lang", "en", "--overwrite"])
    assert qgz.exit_code == 0, qgz.output
    assert zipfile.is_zipfile(out.with_suffix(".qgz"))
    bad = CliRunner().invoke(_cli(), ["export", "qgis", str(tmp_path / "x.shp"), "--layers", str(layers_dir)])
    assert bad.exit_code == 2 and ".gpkg" in bad.output


@pytest.mark.sample
def test_cli_export_sample_with_checks(tmp_path):
    out = tmp_path / "luohe.gpkg"
    r = CliRunner().invoke(_cli(), ["export", "qgis", str(out), "--with-checks", "--qgz"])
    assert r.exit_code == 0, r.output
    assert "checks:" in r.output and "water-sources" in r.output and "rasters: 2" in r.output
    rdir = tmp_path / "luohe_rasters"
    for name in ("population.tif", "population.qml", "air__pm25_surface.tif", "air__pm25_surface.qml"):
        assert re.search(rf"{re.escape(str(rdir / name))}\s+[\d.]+ (kB|MB)", r.output), name
    # the population keeps every person of the sample's grid
    from ecogis.layerset import sample_dir

    with rasterio.open(sample_dir() / "population.tif") as src, rasterio.open(rdir / "population.tif") as got:
        a, b = src.read(1, masked=True), got.read(1, masked=True)
        assert got.crs == src.crs and got.transform == src.transform
    assert float(b.sum(dtype=np.float64)) == float(a.sum(dtype=np.float64)) and b.count() == a.count()
    tables = _tables(out)
    assert "water_sources__violations" in tables and "sections__rivers_classified" in tables
    with zipfile.ZipFile(out.with_suffix(".qgz")) as zf:
        root = _project(zf.read("luohe.qgs").decode("utf-8"))
    results_group = root.find("layer-tree-group").find("layer-tree-group")
    assert results_group.get("name") == "核查结果"
    assert len(results_group.findall("layer-tree-group")) >= 5
