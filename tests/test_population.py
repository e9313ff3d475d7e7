"""Population per polygon against the exact polygon-cell intersection (shapely), in any CRS, by windows."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pytest
import rasterio
import shapely
from rasterio.transform import from_origin

from ecogis.errors import InputError, LayerReadError
from ecogis.population import (
    cell_fractions,
    coverage_fractions,
    demand_points,
    raster_info,
    zonal_population,
    zonal_population_checked,
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


def _random_zones(n: int, seed: int) -> list:
    """Discs (some with holes, some digitised clockwise, some with a second part) over and beyond the raster."""
    rng = np.random.default_rng(seed)
    out = []
    for i in range(n):
        c = rng.uniform(500, 5500, 2) + [X0, Y0]
        g = shapely.Point(c).buffer(rng.uniform(60, 1500), quad_segs=int(rng.integers(1, 24)))
        if i % 3 == 0:
            g = g.difference(shapely.Point(c).buffer(rng.uniform(10, 50)))
        if i % 4 == 0:
            g = shapely.Polygon(g.exterior.coords[::-1], [r.coords for r in g.interiors])
        if i % 5 == 0:
            g = shapely.MultiPolygon([g, shapely.box(X0 + 123.4, Y0 + 5.5, X0 + 250.5, Y0 + 333.3)])
        out.append(g)
    return out


def test_fractions_are_the_exact_intersection_areas(raster):
    """Brute force: every cell's shapely (GEOS) intersection with the polygon, cell by cell."""
    path, _ = raster
    cells = _cells()
    for g in _random_zones(12, 1):
        got = coverage_fractions(path, gpd.GeoSeries([g], crs=CRS))
        truth = shapely.area(shapely.intersection(cells, g)) / CELL ** 2
        np.testing.assert_allclose(got, truth, rtol=0, atol=1e-9)


def test_sums_equal_brute_force_and_exactextract(raster):
    path, vals = raster
    zones = gpd.GeoSeries(_random_zones(30, 2), crs=CRS)
    got = zonal_population(path, zones, window_cells=16)  # many windows, zones across their edges
    truth = np.array([exact(vals, g) for g in zones])
    np.testing.assert_allclose(got, truth, rtol=1e-9)
    exactextract = pytest.importorskip("exactextract")
    ee = exactextract.exact_extract(str(path), gpd.GeoDataFrame(geometry=zones), "sum", output="pandas")["sum"]
    np.testing.assert_allclose(got, ee.to_numpy(dtype=float), rtol=1e-6)


def test_several_zones_at_once_and_small_windows(raster):
    path, vals = raster
    zones = gpd.GeoSeries([shapely.box(X0 + 110, Y0 + 130, X0 + 2030, Y0 + 1770),
                           shapely.Point(X0 + 4000, Y0 + 4000).buffer(700),
                           shapely.Polygon()], crs=CRS)
    a = zonal_population(path, zones)
    b = zonal_population(path, zones, window_cells=7)  # many windows: the same sums
    np.testing.assert_allclose(a, b, rtol=1e-12)
    assert a[2] == 0.0
    # an edge parallel to the grid was the worst case of the old supersampling: now exact
    for i in (0, 1):
        assert a[i] == pytest.approx(exact(vals, zones.iloc[i]), rel=1e-12)


def test_overlapping_zones_each_get_their_share(raster):
    path, vals = raster
    a = shapely.box(X0 + 1000, Y0 + 1000, X0 + 2050, Y0 + 2050)
    b = shapely.box(X0 + 1500, Y0 + 1500, X0 + 2550, Y0 + 2550)
    got = zonal_population(path, gpd.GeoSeries([a, b], crs=CRS))
    np.testing.assert_allclose(got, [exact(vals, a), exact(vals, b)], rtol=1e-12)


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
    assert got == pytest.approx(truth, rel=1e-9)


def test_nodata_counts_zero(tmp_path):
    path = tmp_path / "nd.tif"
    vals = np.array([[5.0, -9999.0], [-9999.0, 2.0]], dtype="float32")
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


def _write(path, vals, nodata=-9999.0):
    h, w = vals.shape
    with rasterio.open(path, "w", driver="GTiff", width=w, height=h, count=1, dtype="float32", crs=CRS,
                       transform=from_origin(X0, Y0 + h * CELL, CELL, CELL), nodata=nodata) as dst:
        dst.write(vals.astype("float32")[None])
    return path


def test_negative_and_non_finite_cells_count_as_nodata_with_a_warning(tmp_path, caplog):
    """Issue 11: 5 % of the cells at -300 (and a NaN, an inf) used to be summed silently."""
    rng = np.random.default_rng(4)
    vals = rng.uniform(1, 10, (40, 40))
    bad = rng.random((40, 40)) < 0.05
    dirty = vals.copy()
    dirty[bad] = -300.0
    dirty[0, 0], dirty[0, 1] = np.nan, np.inf
    bad[0, :2] = True
    clean = np.where(bad, -9999.0, vals)  # the same raster with those cells declared nodata
    zone = gpd.GeoSeries([shapely.box(X0, Y0, X0 + 4000, Y0 + 4000).buffer(-150)], crs=CRS)
    got = zonal_population_checked(_write(tmp_path / "dirty.tif", dirty), zone)
    want = zonal_population(_write(tmp_path / "clean.tif", clean), zone)[0]
    assert got.population[0] == pytest.approx(want, rel=1e-12)
    inside = (coverage_fractions(tmp_path / "clean.tif", zone) > 0) & bad
    assert got.invalid_cells[0] == inside.sum() > 50
    assert len(got.warnings) == 1 and f"{inside.sum():,} cell(s)" in got.warnings[0]
    assert "negative or non-finite" in got.warnings[0]
    assert "negative or non-finite" in caplog.text
    # NaN declared as the nodata is nodata, not a problem
    nan_nd = np.where(bad, np.nan, vals)
    ok = zonal_population_checked(_write(tmp_path / "nan.tif", nan_nd, nodata=float("nan")), zone)
    assert ok.warnings == [] and ok.population[0] == pytest.approx(want, rel=1e-12)


def test_raster_covering_part_of_the_zone_warns_with_the_share(tmp_path):
    """Issue 11: a raster covering a quarter of the area used to report a share without a word."""
    path = _write(tmp_path / "quarter.tif", np.ones((20, 20)))  # 2 km x 2 km
    zone = gpd.GeoSeries([shapely.box(X0, Y0 - 2000, X0 + 4000, Y0 + 2000)], crs=CRS)  # 4 km x 4 km
    got = zonal_population_checked(path, zone, label="the audited area")
    assert got.raster_share[0] == pytest.approx(0.25, rel=1e-12)
    assert got.population[0] == pytest.approx(400.0)
    assert len(got.warnings) == 1 and "covers only 25.0% of the audited area" in got.warnings[0]
    inside = zonal_population_checked(path, gpd.GeoSeries([shapely.box(X0 + 10, Y0 + 10, X0 + 990, Y0 + 990)],
                                                          crs=CRS))
    assert inside.raster_share[0] == 1.0 and inside.warnings == []


def test_stop_coverage_carries_the_raster_checks(tmp_path):
    """Issue 11 through the audit: the warning reaches CheckResult (JSON, report) and the share is flagged."""
    from ecogis.coverage import stop_coverage

    rng = np.random.default_rng(5)
    vals = rng.uniform(1, 10, (40, 40))
    bad = rng.random((40, 40)) < 0.05
    area = gpd.GeoDataFrame(geometry=[shapely.box(X0, Y0, X0 + 4000, Y0 + 4000)], crs=CRS)
    stops = gpd.GeoDataFrame(geometry=[shapely.Point(X0 + 1000, Y0 + 1000)], crs=CRS)
    dirty = stop_coverage(stops, area, radius_m=800, population=_write(tmp_path / "d.tif", np.where(bad, -300, vals)))
    clean = stop_coverage(stops, area, radius_m=800, population=_write(tmp_path / "c.tif", np.where(bad, -9999, vals)))
    assert dirty.metrics["population_share"] == pytest.approx(clean.metrics["population_share"], rel=1e-12)
    assert dirty.metrics["population_invalid_cells"] == int(bad.sum())
    assert any("negative or non-finite" in w for w in dirty.warnings)
    assert clean.metrics["population_invalid_cells"] == 0 and clean.warnings == []
    # a raster over a quarter of the area
    part = _write(tmp_path / "q.tif", vals[20:, :20])
    res = stop_coverage(stops, area, radius_m=800, population=part)
    assert res.metrics["population_raster_share"] == pytest.approx(0.25, rel=1e-12)
    assert any("covers only 25.0% of the audited area" in w for w in res.warnings)
    assert res.to_dict()["metrics"]["population_raster_share"] == pytest.approx(0.25)


@pytest.mark.parametrize("method", ["buffer", "network"])
def test_covered_population_is_the_population_of_the_catchment(raster, method):
    """population_covered (area minus gap pieces) = the people in the covered polygon, by exactextract too."""
    from ecogis.coverage import stop_coverage

    path, vals = raster
    rng = np.random.default_rng(6)
    xy = rng.uniform(500, 5500, (12, 2)) + [X0, Y0]
    stops = gpd.GeoDataFrame(geometry=shapely.points(xy), crs=CRS)
    area = gpd.GeoDataFrame(geometry=[shapely.Point(X0 + 3000, Y0 + 3000).buffer(2600)], crs=CRS)
    lines = [shapely.LineString([(X0 + x, Y0 + 100), (X0 + x, Y0 + 5900)]) for x in range(100, 6000, 400)]
    lines += [shapely.LineString([(X0 + 100, Y0 + y), (X0 + 5900, Y0 + y)]) for y in range(100, 6000, 400)]
    roads = gpd.GeoDataFrame(geometry=lines, crs=CRS)
    res = stop_coverage(stops, area, radius_m=700, population=path, method=method, roads=roads if method == "network"
                        else None, min_gap_m2=0)
    catch = res.layers["catchments"].geometry
    covered = res.metrics["population_covered"]
    assert covered == pytest.approx(exact(vals, catch.iloc[0]), rel=1e-9)
    assert 0 < res.metrics["population_share"] < 1
    exactextract = pytest.importorskip("exactextract")
    ee = exactextract.exact_extract(str(path), gpd.GeoDataFrame(geometry=catch), "sum", output="pandas")["sum"]
    assert covered == pytest.approx(float(ee.iloc[0]), rel=1e-6)


def test_invalid_zones_are_made_valid_first(raster):
    """A bow-tie (make_valid: two triangles) and a polygon with a spike (a polygon and a line)."""
    path, vals = raster
    bowtie = shapely.Polygon([(X0 + 1000, Y0 + 1000), (X0 + 3000, Y0 + 3000), (X0 + 3000, Y0 + 1000),
                              (X0 + 1000, Y0 + 3000)])
    spike = shapely.Polygon([(X0 + 3500, Y0 + 3500), (X0 + 4500, Y0 + 3500), (X0 + 4500, Y0 + 4500),
                             (X0 + 4500, Y0 + 5500), (X0 + 4500, Y0 + 4500), (X0 + 3500, Y0 + 4500)])
    assert not bowtie.is_valid and not spike.is_valid
    got = zonal_population(path, gpd.GeoSeries([bowtie, spike], crs=CRS), window_cells=9)
    truth = [exact(vals, shapely.make_valid(g)) for g in (bowtie, spike)]
    np.testing.assert_allclose(got, truth, rtol=1e-9)
    assert got[0] > 0 and got[1] > 0


def test_zones_that_do_not_project_into_the_raster_crs(raster):
    path, _ = raster
    polar = gpd.GeoSeries([shapely.box(0, 89, 10, 90.5)], crs=4326)  # beyond the pole: PROJ gives inf
    with pytest.raises(InputError, match="does not project into the raster's CRS"):
        zonal_population(path, polar)
