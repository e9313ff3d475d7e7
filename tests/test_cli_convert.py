"""`ecogis convert`: GCJ-02 and BD-09 whole files back to WGS84 within 1 cm."""

from __future__ import annotations

import numpy as np
import pyogrio
from click.testing import CliRunner
from pyproj import Geod

from ecogis.cli.main import cli
from tests.conftest import file_digest
from tests.test_crs import _mainland_points, ref_gcj_to_bd, ref_wgs_to_gcj

GEOD = Geod(ellps="WGS84")


def _csv(path, pts):
    lines = ["id,lon,lat"] + [f"{i},{float(x)!r},{float(y)!r}" for i, (x, y) in enumerate(pts)]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def _round_trip(tmp_path, forward, src):
    lon, lat = _mainland_points(300, seed=11)
    shifted = [forward(a, b) for a, b in zip(lon, lat)]
    csv = _csv(tmp_path / f"{src}.csv", shifted)
    before = file_digest(csv)
    out = tmp_path / f"{src}_wgs84.gpkg"
    result = CliRunner().invoke(cli, ["convert", str(csv), str(out), "--from", src, "--to", "EPSG:4326"])
    assert result.exit_code == 0, result.output
    assert file_digest(csv) == before
    back = pyogrio.read_dataframe(out)
    assert back.crs.to_epsg() == 4326
    order = back["id"].astype(int).to_numpy()
    err = np.asarray(GEOD.inv(lon[order], lat[order], back.geometry.x.to_numpy(), back.geometry.y.to_numpy())[2])
    assert err.max() < 0.01, f"max error {err.max():.4f} m"


def test_gcj02_file_back_to_wgs84(tmp_path):
    _round_trip(tmp_path, ref_wgs_to_gcj, "gcj02")


def test_bd09_file_back_to_wgs84(tmp_path):
    _round_trip(tmp_path, lambda a, b: ref_gcj_to_bd(*ref_wgs_to_gcj(a, b)), "bd09")


def test_outside_china_reported(tmp_path):
    csv = _csv(tmp_path / "hk.csv", [(114.17, 22.30), (114.02, 33.58)])
    result = CliRunner().invoke(cli, ["convert", str(csv), str(tmp_path / "o.gpkg"), "--from", "gcj02",
                                      "--to", "EPSG:4490"])
    assert result.exit_code == 0, result.output
    assert "1 feature(s) outside mainland China left untouched" in result.output
    back = pyogrio.read_dataframe(tmp_path / "o.gpkg")
    assert (back.geometry.x.iloc[0], back.geometry.y.iloc[0]) == (114.17, 22.30)


def test_to_gauss_kruger_and_refuses_overwrite(tmp_path):
    csv = _csv(tmp_path / "p.csv", [(114.0, 33.58)])
    out = tmp_path / "gk.gpkg"
    r1 = CliRunner().invoke(cli, ["convert", str(csv), str(out), "--from", "EPSG:4490", "--to", "EPSG:4547"])
    assert r1.exit_code == 0, r1.output
    g = pyogrio.read_dataframe(out)
    assert abs(g.geometry.x.iloc[0] - 500_000) < 0.01  # on the central meridian
    r2 = CliRunner().invoke(cli, ["convert", str(csv), str(out), "--to", "EPSG:4547", "--from", "EPSG:4490"])
    assert r2.exit_code == 2 and "--overwrite" in r2.output


def test_missing_crs_on_csv_exit_2(tmp_path):
    csv = _csv(tmp_path / "p.csv", [(114.0, 33.58)])
    r = CliRunner().invoke(cli, ["convert", str(csv), str(tmp_path / "x.gpkg"), "--to", "EPSG:4547"])
    assert r.exit_code == 2 and "p.csv" in r.output and "no CRS" in r.output
