"""``ecogis export qgis`` through click's CliRunner."""

from __future__ import annotations

import re
import zipfile

import pytest
from click.testing import CliRunner

from ecogis.io import write_layers
from tests.test_export import _project, _tables, city_layers


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
    out = tmp_path / "qgis" / "city.gpkg"
    r = CliRunner().invoke(_cli(), ["export", "qgis", str(out), "--layers", str(layers_dir)])
    assert r.exit_code == 0, r.output
    for p in (out, out.with_suffix(".qgs")):
        size = p.stat().st_size
        shown = re.search(rf"{re.escape(p.name)}\s+([\d.]+) (kB|MB)", r.output)
        assert shown, r.output
        value = float(shown.group(1)) * (1e3 if shown.group(2) == "kB" else 1e6)
        assert abs(value - size) <= 0.06 * size + 500
    assert "layers: 7 (19 features)" in r.output  # facilities split in two
    again = CliRunner().invoke(_cli(), ["export", "qgis", str(out), "--layers", str(layers_dir)])
    assert again.exit_code == 2 and "--overwrite" in again.output
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
    assert "checks:" in r.output and "water-sources" in r.output
    tables = _tables(out)
    assert "water_sources__violations" in tables and "sections__rivers_classified" in tables
    with zipfile.ZipFile(out.with_suffix(".qgz")) as zf:
        root = _project(zf.read("luohe.qgs").decode("utf-8"))
    results_group = root.find("layer-tree-group").find("layer-tree-group")
    assert results_group.get("name") == "核查结果"
    assert len(results_group.findall("layer-tree-group")) >= 5
