"""Tests of ecogis.air: IDW against hand values and a brute-force reference, GeoTIFF round trip,
targets and district means on small EPSG:4547 cases."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pytest
import rasterio
import shapely

from ecogis.air import LUOHE_PM_TARGETS, NODATA, air_quality, idw, idw_surface, write_surface_tif
from ecogis.errors import InputError, NotMeasurableError, OutputExistsError

X0, Y0 = 500_000.0, 3_700_000.0
CRS = "EPSG:4547"


def stations(xy, pm25, pm10=None, **extra):
    cols = {"id": [f"S{i}" for i in range(len(xy))], "name": [f"站{i}" for i in range(len(xy))],
            "pm25_ugm3": pm25, **extra}
    if pm10 is not None:
        cols["pm10_ugm3"] = pm10
    return gpd.GeoDataFrame(cols, geometry=[shapely.Point(X0 + x, Y0 + y) for x, y in xy], crs=CRS)


def brute_idw(sx, sy, z, tx, ty, p):
    """Textbook Shepard IDW, one target at a time."""
    out = []
    for x, y in zip(tx, ty):
        num = den = 0.0
        exact = None
        for xi, yi, zi in zip(sx, sy, z):
            d = ((x - xi) ** 2 + (y - yi) ** 2) ** 0.5
            if d == 0:
                exact = zi
                break
            num += zi / d ** p
            den += 1 / d ** p
        out.append(exact if exact is not None else num / den)
    return np.array(out)


def test_idw_exact_at_station_and_midpoint_mean():
    xy = np.array([[0.0, 0.0], [100.0, 0.0]])
    z = np.array([20.0, 60.0])
    got = idw(xy, z, np.array([[0.0, 0.0], [100.0, 0.0], [50.0, 0.0], [50.0, 300.0]]), power=2.0)
    assert got[0] == 20.0 and got[1] == 60.0
    assert got[2] == pytest.approx(40.0)  # equal distances, equal weights
    assert got[3] == pytest.approx(40.0)  # on the perpendicular bisector too
    # power 1 at 25 m: weights 1/25 and 1/75 -> (20*3 + 60*1) / 4 = 30
    assert idw(xy, z, np.array([[25.0, 0.0]]), power=1.0)[0] == pytest.approx(30.0)


def test_idw_surface_matches_brute_force_on_tiny_grid():
    xy = [(30, 40), (170, 260), (260, 90), (90, 210)]
    z = [35.0, 52.0, 41.0, 47.5]
    st = stations(xy, z)
    arr, transform, crs = idw_surface(st, cell_m=50.0, power=2.5, bounds=(X0, Y0, X0 + 300, Y0 + 300))
    assert arr.shape == (6, 6)
    assert crs.to_epsg() == 4547
    assert (transform.a, transform.e, transform.c, transform.f) == (50.0, -50.0, X0, Y0 + 300)
    rows, cols = np.mgrid[0:6, 0:6]
    tx = X0 + (cols.ravel() + 0.5) * 50
    ty = Y0 + 300 - (rows.ravel() + 0.5) * 50
    ref = brute_idw([X0 + a for a, _ in xy], [Y0 + b for _, b in xy], z, tx, ty, 2.5).reshape(6, 6)
    np.testing.assert_allclose(arr, ref, rtol=1e-12)
    assert arr.min() >= min(z) and arr.max() <= max(z)


def test_idw_surface_exact_where_cell_centre_is_station_and_area_mask():
    st = stations([(25, 25), (175, 25)], [30.0, 90.0])
    area = gpd.GeoDataFrame(geometry=[shapely.box(X0, Y0, X0 + 100, Y0 + 50)], crs=CRS)
    arr, transform, _ = idw_surface(st, cell_m=50.0, bounds=(X0, Y0, X0 + 200, Y0 + 50))
    assert arr[0, 0] == 30.0 and arr[0, 3] == 90.0
    # centre x=75: 50 m and 100 m away -> (30/50² + 90/100²) / (1/50² + 1/100²) = 42
    assert arr[0, 1] == pytest.approx(42.0)
    masked, t2, _ = idw_surface(st, cell_m=50.0, area=area)
    assert masked.shape == (1, 2) and (t2.c, t2.f) == (X0, Y0 + 50)
    np.testing.assert_allclose(masked, arr[:, :2])
    masked2, _, _ = idw_surface(st, cell_m=50.0, area=area, bounds=(X0, Y0, X0 + 200, Y0 + 50))
    assert np.isnan(masked2[0, 2:]).all() and np.isfinite(masked2[0, :2]).all()


def test_geotiff_round_trip(tmp_path):
    st = stations([(25, 25), (175, 75)], [30.0, 90.0])
    arr, transform, crs = idw_surface(st, cell_m=50.0, bounds=(X0, Y0, X0 + 200, Y0 + 100))
    arr[1, 3] = np.nan
    path = write_surface_tif(arr, transform, crs, tmp_path / "pm25.tif", description="PM2.5")
    with rasterio.open(path) as src:
        assert src.crs.to_epsg() == 4547
        assert src.transform == transform
        assert src.dtypes[0] == "float32" and src.nodata == NODATA
        assert src.compression is not None and src.compression.name.upper() == "DEFLATE"
        data = src.read(1, masked=True)
    assert data.mask[1, 3] and data.mask.sum() == 1
    np.testing.assert_allclose(data.filled(np.nan)[~data.mask], arr[np.isfinite(arr)].astype("float32"))
    with pytest.raises(OutputExistsError):
        write_surface_tif(arr, transform, crs, path)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["pm25.tif"]  # no temporary left behind


def test_air_quality_targets_stations_and_districts():
    # three stations; 2025 Luohe targets: PM2.5 < 38.5, PM10 < 68
    st = stations([(100, 500), (900, 500), (1900, 500)], [30.0, 38.5, 50.0], pm10=[60.0, 70.0, 66.0], year=[2025] * 3)
    west = shapely.box(X0, Y0, X0 + 1000, Y0 + 1000)
    east = shapely.box(X0 + 1000, Y0, X0 + 2000, Y0 + 1000)
    districts = gpd.GeoDataFrame({"id": ["W", "E"], "name": ["源汇区", "郾城区"]}, geometry=[west, east], crs=CRS)
    r = air_quality(st, districts=districts, cell_m=50.0)
    m = r.metrics
    assert r.name == "air" and m["year"] == 2025
    assert m["target_pm25_ugm3"] == LUOHE_PM_TARGETS[2025]["pm25_ugm3"] == 38.5
    assert m["pm25_mean_ugm3"] == pytest.approx(118.5 / 3)
    assert m["pm10_mean_ugm3"] == pytest.approx(196.0 / 3)
    # 38.5 is not below 38.5 ("低于"): S1 and S2 over for PM2.5, S1 over for PM10
    st_rows = r.violations[r.violations["level"] == "station"]
    assert sorted(zip(st_rows["id"], st_rows["pollutant"])) == [("S1", "PM10"), ("S1", "PM2.5"), ("S2", "PM2.5")]
    assert m["stations_over_target"] == 2
    # city mean PM2.5 39.5 >= 38.5 -> city row; PM10 65.3 < 68 -> none
    city = r.violations[r.violations["level"] == "city"]
    assert city["pollutant"].tolist() == ["PM2.5"]
    # district means equal the mean of a brute-force IDW over the cell centres inside each district
    d = r.layers["districts"].set_index("id")
    sx = X0 + np.array([100.0, 900.0, 1900.0])
    sy = Y0 + np.array([500.0, 500.0, 500.0])
    for did, x_lo in (("W", 0), ("E", 1000)):
        cx, cy = np.meshgrid(X0 + x_lo + 25 + 50 * np.arange(20), Y0 + 25 + 50 * np.arange(20))
        ref = brute_idw(sx, sy, [30.0, 38.5, 50.0], cx.ravel(), cy.ravel(), 2.0).mean()
        assert d.loc[did, "pm25_mean_ugm3"] == pytest.approx(ref, rel=1e-9)
        assert d.loc[did, "pm25_cells"] == 400
    d_rows = r.violations[r.violations["level"] == "district"]
    expected = {i for i in ("W", "E") if d.loc[i, "pm25_mean_ugm3"] >= 38.5}
    assert set(d_rows[d_rows["pollutant"] == "PM2.5"]["id"]) == expected and "E" in expected
    assert m["districts_over_target"] == len(set(d_rows["id"]))
    # the surface mean over the districts is the cell-weighted mean of the two district means
    assert m["pm25_surface_mean_ugm3"] == pytest.approx(d["pm25_mean_ugm3"].mean(), rel=1e-9)
    assert "漯政办〔2023〕24号" in r.violations["rule"].iloc[0]


def test_air_quality_given_target_and_no_year():
    st = stations([(0, 0), (1000, 0)], [30.0, 50.0])
    r = air_quality(st)
    assert "target" in r.not_measurable and r.n_violations == 0
    r = air_quality(st, targets={"pm25_ugm3": 45.0})
    assert r.metrics["stations_over_target"] == 1 and r.n_violations == 1  # city mean 40 < 45
    with pytest.raises(InputError):
        air_quality(st, targets={"so2": 10.0})
    with pytest.raises(NotMeasurableError):
        air_quality(st.drop(columns="pm25_ugm3"))


def test_air_quality_returns_its_surface_as_a_raster_layer():
    st = stations([(0, 0), (1000, 0), (300, 800)], [30.0, 50.0, 42.0])
    area = gpd.GeoDataFrame(geometry=[shapely.box(X0 - 200, Y0 - 200, X0 + 1200, Y0 + 1000)], crs=CRS)
    r = air_quality(st, year=2024, area=area, cell_m=100.0, power=2.0)
    layer = r.rasters["pm25_surface"]
    assert layer.crs.to_epsg() == 4547 and layer.units == "ug/m3" and layer.kind == "pollutant_surface"
    assert layer.shape == (12, 14) and layer.transform.a == 100.0
    assert (layer.transform.c, layer.transform.f) == (X0 - 200, Y0 + 1000)
    cx = X0 - 200 + 50.0 + 100.0 * np.arange(14)
    cy = Y0 + 1000 - 50.0 - 100.0 * np.arange(12)
    gx, gy = np.meshgrid(cx, cy)
    truth = brute_idw([X0, X0 + 1000, X0 + 300], [Y0, Y0, Y0 + 800], [30.0, 50.0, 42.0], gx.ravel(), gy.ravel(), 2.0)
    np.testing.assert_allclose(layer.array.ravel(), truth, rtol=1e-12)
    # the surface mean the check reports is the mean of that very grid
    assert r.metrics["pm25_surface_mean_ugm3"] == pytest.approx(truth.mean(), rel=1e-12)
    # the grid is not JSON: the result's dict is what it was
    assert "rasters" not in r.to_dict() and "pm25_surface" not in r.to_dict()


def test_air_quality_writes_surface(tmp_path):
    st = stations([(0, 0), (1000, 0)], [30.0, 50.0])
    out = tmp_path / "s.tif"
    r = air_quality(st, year=2024, surface_path=out, cell_m=100.0)
    assert r.metrics["surface_path"] == str(out)
    with rasterio.open(out) as src:
        data = src.read(1)
        assert src.crs.to_epsg() == 4547 and src.res == (100.0, 100.0)
    assert 30.0 <= data.min() and data.max() <= 50.0
    with pytest.raises(OutputExistsError):
        air_quality(st, year=2024, surface_path=out)
