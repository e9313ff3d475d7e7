"""Population polygons (a vector grid, 街道 polygons, a table joined by key) against exact area-weighted sums:
interval arithmetic for rectangles, one GEOS intersection per cell (brute force) for any zone."""

from __future__ import annotations

import json

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import rasterio
import shapely
from click.testing import CliRunner
from rasterio.transform import from_origin

from ecogis.cli.main import cli
from ecogis.coverage import stop_coverage
from ecogis.errors import InputError
from ecogis.population_polygons import (
    PolygonPopulation,
    population_from_table,
    population_source,
)

X0, Y0 = 500_000.0, 3_700_000.0
CELL = 100.0
N = 30
CRS = "EPSG:4547"


@pytest.fixture(scope="module")
def grid():
    rng = np.random.default_rng(7)
    counts = rng.uniform(0, 200, size=(N, N)).round(1)
    cells, vals, rows, cols = [], [], [], []
    for r in range(N):
        for c in range(N):
            x = X0 + c * CELL
            y = Y0 - (r + 1) * CELL
            cells.append(shapely.box(x, y, x + CELL, y + CELL))
            vals.append(counts[r, c])
            rows.append(r)
            cols.append(c)
    gdf = gpd.GeoDataFrame({"cell": [f"c{r}_{c}" for r, c in zip(rows, cols)], "pop": vals}, geometry=cells,
                           crs=CRS)
    return gdf, counts


def brute_force(cells: gpd.GeoDataFrame, zone: shapely.Geometry, field: str = "pop") -> float:
    """One GEOS intersection per cell, in a plain loop."""
    total = 0.0
    for geom, v in zip(cells.geometry, cells[field]):
        total += v * shapely.intersection(geom, zone).area / geom.area
    return total


def rect_truth(counts: np.ndarray, x0: float, y0: float, x1: float, y1: float) -> float:
    """Exact people in an axis-aligned rectangle: cell value x overlap lengths / cell area."""
    total = 0.0
    for r in range(N):
        cy0, cy1 = Y0 - (r + 1) * CELL, Y0 - r * CELL
        oy = max(0.0, min(y1, cy1) - max(y0, cy0))
        for c in range(N):
            cx0, cx1 = X0 + c * CELL, X0 + (c + 1) * CELL
            ox = max(0.0, min(x1, cx1) - max(x0, cx0))
            total += counts[r, c] * ox * oy / CELL**2
    return total


def test_rectangle_is_exact(grid):
    cells, counts = grid
    pop = PolygonPopulation(cells)
    assert pop.count_field == "pop"
    box = (X0 + 123.4, Y0 - 2345.6, X0 + 1987.1, Y0 - 111.1)
    got = pop.zonal_population(gpd.GeoSeries([shapely.box(*box)], crs=CRS))[0]
    assert got == pytest.approx(rect_truth(counts, *box), rel=1e-12)


def test_discs_match_brute_force(grid):
    cells, _ = grid
    pop = PolygonPopulation(cells)
    rng = np.random.default_rng(3)
    zones = [shapely.Point(X0 + rng.uniform(300, 2700), Y0 - rng.uniform(300, 2700)).buffer(rng.uniform(150, 900))
             for _ in range(8)]
    zones.append(shapely.Polygon())  # empty zones hold nobody
    got = pop.zonal_population(gpd.GeoSeries(zones, crs=CRS))
    for g, z in zip(got, zones):
        assert g == pytest.approx(brute_force(cells, z), rel=1e-10, abs=1e-9)


def test_geographic_grid_is_weighted_in_the_metric_crs(grid):
    cells, _ = grid
    geo = cells.to_crs(4490)
    pop = PolygonPopulation(geo)
    zone = shapely.Point(X0 + 1500, Y0 - 1500).buffer(700)
    got = pop.zonal_population(gpd.GeoSeries([zone], crs=CRS))[0]
    truth = brute_force(geo.to_crs(CRS), zone)
    assert got == pytest.approx(truth, rel=1e-10)
    everything = pop.zonal_population(gpd.GeoSeries([shapely.box(X0 - 10, Y0 - 3100, X0 + 3100, Y0 + 10)], crs=CRS))
    assert everything[0] == pytest.approx(cells["pop"].sum(), rel=1e-12)


def write_raster(path, counts):
    with rasterio.open(path, "w", driver="GTiff", width=N, height=N, count=1, dtype="float64", crs=CRS,
                       transform=from_origin(X0, Y0, CELL, CELL)) as dst:
        dst.write(counts[None, :, :])


def test_stop_coverage_with_polygons_equals_brute_force_and_raster(grid, tmp_path):
    cells, counts = grid
    area = gpd.GeoDataFrame(geometry=[shapely.Point(X0 + 1500, Y0 - 1500).buffer(1300)], crs=CRS)
    xy = [(X0 + 900, Y0 - 900), (X0 + 2100, Y0 - 1700), (X0 + 1200, Y0 - 2300)]
    stops = gpd.GeoDataFrame(geometry=[shapely.Point(p) for p in xy], crs=CRS)
    r = stop_coverage(stops, area, population=cells)
    A = area.geometry[0]
    covered = shapely.intersection(A, shapely.union_all([shapely.Point(p).buffer(500, quad_segs=1024) for p in xy]))
    total = brute_force(cells, A)
    cov = brute_force(cells, covered)
    assert r.metrics["population_total"] == pytest.approx(total, rel=1e-9)
    assert r.metrics["population_covered"] == pytest.approx(cov, rel=2e-6)
    assert r.metrics["population_share"] == pytest.approx(cov / total, rel=2e-6)
    # the same cells as a GeoTIFF: the raster path (sub-cell sampling) agrees within its documented 0.3 %
    tif = tmp_path / "pop.tif"
    write_raster(tif, counts)
    rr = stop_coverage(stops, area, population=tif)
    assert rr.metrics["population_share"] == pytest.approx(r.metrics["population_share"], rel=3e-3)
    assert not any("cover" in w for w in r.warnings)


def test_polygon_file_through_the_cli(grid, tmp_path):
    cells, _ = grid
    gpkg = tmp_path / "grid_100m.gpkg"
    cells.to_file(gpkg, layer="grid")
    area = tmp_path / "area.gpkg"
    A = shapely.box(X0 + 200, Y0 - 2800, X0 + 2800, Y0 - 200)
    gpd.GeoDataFrame({"name": ["区"]}, geometry=[A], crs=CRS).to_file(area)
    stops = tmp_path / "stops.gpkg"
    gpd.GeoDataFrame({"name": ["甲"]}, geometry=[shapely.Point(X0 + 1500, Y0 - 1500)], crs=CRS).to_file(stops)
    out = tmp_path / "c.json"
    res = CliRunner().invoke(cli, ["-q", "coverage", "--stops", str(stops), "--area", str(area), "--population",
                                   str(gpkg), "--no-districts", "--json", str(out)], catch_exceptions=False)
    assert res.exit_code == 0, res.output
    got = json.loads(out.read_text())
    covered = shapely.intersection(A, shapely.Point(X0 + 1500, Y0 - 1500).buffer(500, quad_segs=1024))
    assert got["population_total"] == pytest.approx(brute_force(cells, A), rel=1e-9)
    assert got["population_share"] == pytest.approx(brute_force(cells, covered) / brute_force(cells, A), rel=2e-6)


def test_layers_dir_with_population_polygons(grid, tmp_path):
    cells, _ = grid
    d = tmp_path / "layers"
    d.mkdir()
    A = shapely.box(X0 + 200, Y0 - 2800, X0 + 2800, Y0 - 200)
    gpd.GeoDataFrame({"id": ["a"], "name": ["区"], "scope": ["中心城区"]}, geometry=[A], crs=CRS).to_file(
        d / "study_area.gpkg", layer="study_area")
    gpd.GeoDataFrame({"id": ["s"], "name": ["甲"]}, geometry=[shapely.Point(X0 + 1500, Y0 - 1500)], crs=CRS).to_file(
        d / "bus_stops.shp")
    cells.to_file(d / "population.shp")
    out = tmp_path / "c.json"
    res = CliRunner().invoke(cli, ["-q", "coverage", "--layers", str(d), "--no-districts", "--json", str(out)],
                             catch_exceptions=False)
    assert res.exit_code == 0, res.output
    assert json.loads(out.read_text())["population_total"] == pytest.approx(brute_force(cells, A), rel=1e-9)


def test_partial_cover_negative_blank_and_overlap(grid):
    cells, _ = grid
    area = gpd.GeoDataFrame(geometry=[shapely.box(X0 + 1500, Y0 - 3000, X0 + 4500, Y0)], crs=CRS)  # half outside
    stops = gpd.GeoDataFrame(geometry=[shapely.Point(X0 + 2000, Y0 - 1000)], crs=CRS)
    r = stop_coverage(stops, area, population=cells)
    assert any("cover 50.0% of the area audited" in w for w in r.warnings), r.warnings
    bad = cells.copy()
    bad.loc[[3, 7], "pop"] = [-5.0, -1.0]
    with pytest.raises(InputError, match="2 feature\\(s\\) have a negative"):
        PolygonPopulation(bad)
    blank = cells.copy()
    blank.loc[[1, 2, 4], "pop"] = np.nan
    p = PolygonPopulation(blank)
    assert any("3 feature(s) have no 'pop'; counted as 0" in w for w in p.warnings)
    over = pd.concat([cells, cells.iloc[:100]], ignore_index=True)
    with pytest.raises(InputError, match="overlap"):
        stop_coverage(stops, area, population=over)
    with pytest.raises(InputError, match="several columns"):
        PolygonPopulation(cells.assign(人口=cells["pop"]))


def test_table_joined_to_streets(tmp_path):
    streets = gpd.GeoDataFrame({"街道代码": ["411102001", "411102002", "411102003"], "名称": ["甲", "乙", "丙"]},
                               geometry=[shapely.box(X0, Y0, X0 + 1000, Y0 + 1000),
                                         shapely.box(X0 + 1000, Y0, X0 + 3000, Y0 + 1000),
                                         shapely.box(X0, Y0 + 1000, X0 + 3000, Y0 + 2000)], crs=CRS)
    shp = tmp_path / "streets.gpkg"
    streets.to_file(shp)
    # codes as numbers in the table (as Excel stores them), one row for a street the layer lacks
    table = tmp_path / "census.csv"
    pd.DataFrame({"街道代码": [411102001, 411102002, 411102003, 411102099],
                  "常住人口": [10000, 30000, 60000, 5000]}).to_csv(table, index=False)
    pop = population_source(shp, table=table, key="街道代码")
    assert pop.total == 100000
    assert any("1 row(s) match no boundary" in w and "5,000 people" in w for w in pop.warnings)
    # half of street 002 (x 2000-3000 of 1000-3000) and a third of street 003 (x 2000-3000 of 0-3000)
    zone = gpd.GeoSeries([shapely.box(X0 + 2000, Y0, X0 + 3000, Y0 + 2000)], crs=CRS)
    assert pop.zonal_population(zone)[0] == pytest.approx(15000 + 20000)
    dup = pd.DataFrame({"code": ["411102001", "411102001"], "常住人口": [1, 2]})
    with pytest.raises(InputError, match="appears 2 times"):
        population_from_table(dup, streets, key="code", boundary_key="街道代码")
    with pytest.raises(InputError, match="no key"):
        population_from_table(pd.DataFrame({"街道代码": ["x"], "常住人口": [1]}), streets, key="街道代码")


def test_proposals_follow_the_people_of_polygons():
    # everybody lives in one 街道 in the far corner; the one proposed stop goes there
    streets = gpd.GeoDataFrame({"常住人口": [0.0, 0.0, 9000.0]},
                               geometry=[shapely.box(X0, Y0, X0 + 2000, Y0 + 4000),
                                         shapely.box(X0 + 2000, Y0 + 2000, X0 + 4000, Y0 + 4000),
                                         shapely.box(X0 + 3000, Y0, X0 + 4000, Y0 + 1000)], crs=CRS)
    area = gpd.GeoDataFrame(geometry=[shapely.box(X0, Y0, X0 + 4000, Y0 + 4000)], crs=CRS)
    stops = gpd.GeoDataFrame(geometry=[shapely.Point(X0 + 500, Y0 + 3500)], crs=CRS)
    r = stop_coverage(stops, area, population=streets, propose=1)
    assert any("cover 81.2% of the area audited" in w for w in r.warnings)
    p = r.layers["proposals"].iloc[0]
    assert shapely.box(X0 + 3000, Y0, X0 + 4000, Y0 + 1000).distance(p.geometry) < 500
    # at best a 500 m disc holds pi/4 of the 1 km square's people (7,069): an estimate on demand points near it
    assert 0.9 * 9000 * np.pi / 4 < p["added_population"] <= 1.02 * 9000 * np.pi / 4


def test_cli_table_joined_by_key(tmp_path):
    streets = gpd.GeoDataFrame({"code": ["A", "B"]}, geometry=[shapely.box(X0, Y0, X0 + 2000, Y0 + 2000),
                                                               shapely.box(X0 + 2000, Y0, X0 + 4000, Y0 + 2000)],
                               crs=CRS)
    shp = tmp_path / "streets.shp"
    streets.to_file(shp)
    table = tmp_path / "census.csv"
    pd.DataFrame({"街道代码": ["A", "B"], "常住人口": [40000, 10000]}).to_csv(table, index=False)
    area = tmp_path / "area.gpkg"
    gpd.GeoDataFrame(geometry=[shapely.box(X0, Y0, X0 + 4000, Y0 + 2000)], crs=CRS).to_file(area)
    stops = tmp_path / "stops.gpkg"
    gpd.GeoDataFrame(geometry=[shapely.Point(X0 + 1000, Y0 + 1000)], crs=CRS).to_file(stops)
    out = tmp_path / "c.json"
    res = CliRunner().invoke(cli, ["-q", "coverage", "--stops", str(stops), "--area", str(area), "--population",
                                   str(shp), "--population-table", str(table), "--population-key", "街道代码=code",
                                   "--no-districts", "--json", str(out)], catch_exceptions=False)
    assert res.exit_code == 0, res.output
    got = json.loads(out.read_text())
    # the disc (r 500 m) lies inside street A: pi r^2 / 4 km2 of its 40,000 people
    assert got["population_total"] == pytest.approx(50000)
    assert got["population_share"] == pytest.approx(40000 * np.pi * 500**2 / 4e6 / 50000, rel=1e-5)
    res = CliRunner().invoke(cli, ["-q", "coverage", "--stops", str(stops), "--area", str(area), "--population",
                                   str(shp), "--population-table", str(table), "--no-districts"])
    assert res.exit_code == 2 and "--population-key" in res.output
