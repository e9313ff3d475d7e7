"""Population per polygon against the exact polygon-cell intersection (shapely), in any CRS, by windows."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pytest
import rasterio
import shapely
from rasterio.transform import from_origin

from ecogis.errors import LayerReadError
from ecogis.population import (
    cell_fractions,
    demand_points,
    raster_info,
    zonal_population,
)

CRS = "EPSG:4547"
X0, Y0 = 500_000.0, 3_700_000.0
N, CELL = 60, 100.0


@pytest.fixture(scope="module")
def raster(tmp_path_factory):
    path = tmp_path_factory.mktemp("pop") / "pop.tif"
    vals = np.random.default_rng(0).uniform(0, 10, (N, N)).astype("float32")
    with rasterio.open(path, "w", driver="GTiff", width=N, height=N, count=1, dtype="float32", crs=CRS,
                       transform=from_origin(X0, Y0 + N * CELL, CELL, CELL), nodata=-9999.0) as dst:
        dst.write(vals[None])
    return path, vals.astype(float)


def _cells():
    xs = X0 + np.arange(N) * CELL
    ys = Y0 + N * CELL - np.arange(N) * CELL
    return np.array([[shapely.box(x, y - CELL, x + CELL, y) for x in xs] for y in ys], dtype=object)


def exact(vals, geom):
    """Independent truth: each cell's value times the exact area of its intersection with the polygon."""
    return float((shapely.area(shapely.intersection(_cells(), geom)) / CELL ** 2 * vals).sum())


def test_aligned_polygon_is_exact(raster):
    path, vals = raster
    block = shapely.box(X0 + 1000, Y0 + 2000, X0 + 3000, Y0 + 2500)  # 20 x 5 whole cells
    got = zonal_population(path, gpd.GeoSeries([block], crs=CRS))
    assert got[0] == pytest.approx(exact(vals, block), rel=1e-12)
    assert raster_info(path).cells == N * N


def test_supersampling_error_against_exact_intersection(raster):
    """The figures quoted in ecogis.population and docs/coverage.md."""
    path, vals = raster
    rng = np.random.default_rng(1)
    discs = [shapely.Point(rng.uniform(1500, 4500, 2) + [X0, Y0]).buffer(rng.uniform(300, 1200), quad_segs=64)
             for _ in range(30)]
    truth = np.array([exact(vals, d) for d in discs])
    cells = _cells()
    boundary_pop = np.array([(vals * shapely.intersects(cells, d.boundary)).sum() for d in discs])
    errors = {}
    for k in (1, 4, 8):
        got = np.array([zonal_population(path, gpd.GeoSeries([d], crs=CRS), supersample=k)[0] for d in discs])
        errors[k] = (np.abs(got / truth - 1), np.abs(got - truth) / boundary_pop)
    # the error falls with finer sub-cells, and with the default (8) it is small
    assert errors[8][0].mean() < errors[4][0].mean() < errors[1][0].mean()
    assert errors[8][0].mean() < 1e-3 and errors[8][0].max() < 4e-3
    assert errors[8][1].max() < 5e-3


def test_several_zones_at_once_and_small_windows(raster):
    path, vals = raster
    zones = gpd.GeoSeries([shapely.box(X0 + 110, Y0 + 130, X0 + 2030, Y0 + 1770),
                           shapely.Point(X0 + 4000, Y0 + 4000).buffer(700),
                           shapely.Polygon()], crs=CRS)
    a = zonal_population(path, zones)
    b = zonal_population(path, zones, window_cells=7)  # many windows: the same sums
    np.testing.assert_allclose(a, b, rtol=1e-12)
    assert a[2] == 0.0
    # an edge parallel to the grid is the worst case (its errors do not cancel): each boundary cell
    # is off by at most half a sub-cell row, 1 / (2 * 8) of its people
    for i in (0, 1):
        z = zones.iloc[i]
        boundary_pop = (vals * shapely.intersects(_cells(), z.boundary)).sum()
        assert abs(a[i] - exact(vals, z)) <= boundary_pop / 16
    assert a[1] == pytest.approx(exact(vals, zones.iloc[1]), rel=3e-3)


def test_raster_in_another_crs(raster, tmp_path):
    """A geographic (EPSG:4326) raster with polygons in EPSG:4547: fractions are the raster's own cells."""
    _, vals = raster
    geo = tmp_path / "geo.tif"
    lon0, lat0, step = 113.99, 33.45, 0.001
    with rasterio.open(geo, "w", driver="GTiff", width=N, height=N, count=1, dtype="float32", crs="EPSG:4326",
                       transform=from_origin(lon0, lat0 + N * step, step, step)) as dst:
        dst.write(vals.astype("float32")[None])
    disc_geo = shapely.Point(lon0 + 0.03, lat0 + 0.03).buffer(0.012, quad_segs=64)
    disc_m = gpd.GeoSeries([disc_geo], crs=4326).to_crs(CRS)
    xs = lon0 + np.arange(N) * step
    ys = lat0 + N * step - np.arange(N) * step
    cells = np.array([[shapely.box(x, y - step, x + step, y) for x in xs] for y in ys], dtype=object)
    disc_back = disc_m.to_crs(4326).iloc[0]
    truth = float((shapely.area(shapely.intersection(cells, disc_back)) / step ** 2 * vals).sum())
    got = zonal_population(geo, disc_m)[0]
    assert got == pytest.approx(truth, rel=3e-3)


def test_nodata_and_nan_count_zero(tmp_path):
    path = tmp_path / "nd.tif"
    vals = np.array([[5.0, -9999.0], [np.nan, 2.0]], dtype="float32")
    with rasterio.open(path, "w", driver="GTiff", width=2, height=2, count=1, dtype="float32", crs=CRS,
                       transform=from_origin(X0, Y0 + 200, 100, 100), nodata=-9999.0) as dst:
        dst.write(vals[None])
    got = zonal_population(path, gpd.GeoSeries([shapely.box(X0, Y0, X0 + 200, Y0 + 200)], crs=CRS))
    assert got[0] == pytest.approx(7.0)
    outside = zonal_population(path, gpd.GeoSeries([shapely.box(X0 + 1000, Y0, X0 + 1200, Y0 + 200)], crs=CRS))
    assert outside[0] == 0.0


def test_demand_points_and_fractions_sum_to_the_zonal_total(raster):
    path, _ = raster
    zone = gpd.GeoSeries([shapely.Point(X0 + 3000, Y0 + 3000).buffer(900)], crs=CRS)
    total = zonal_population(path, zone)[0]
    pts = demand_points(path, zone, metric_crs=CRS)
    assert pts["population"].sum() == pytest.approx(total, rel=1e-12)
    frac = np.concatenate([f for *_, f in cell_fractions(path, zone)])
    assert 0 < frac.min() and frac.max() == 1.0


def test_missing_or_unusable_raster(tmp_path):
    with pytest.raises(LayerReadError, match="does not exist"):
        zonal_population(tmp_path / "none.tif", gpd.GeoSeries([shapely.box(0, 0, 1, 1)], crs=CRS))
    bad = tmp_path / "bad.tif"
    bad.write_text("not a raster")
    with pytest.raises(LayerReadError, match="cannot be read"):
        raster_info(bad)
    nocrs = tmp_path / "nocrs.tif"
    with rasterio.open(nocrs, "w", driver="GTiff", width=2, height=2, count=1, dtype="float32",
                       transform=from_origin(0, 2, 1, 1)) as dst:
        dst.write(np.ones((1, 2, 2), dtype="float32"))
    with pytest.raises(LayerReadError, match="states no CRS"):
        raster_info(nocrs)
