"""ecogis.parks and the checks ``parks`` / ``greenways``, against analytic areas and brute force."""

from __future__ import annotations

import json
import math

import geopandas as gpd
import numpy as np
import pytest
import rasterio
import shapely
from click.testing import CliRunner
from rasterio.transform import from_origin
from scipy.integrate import quad

from ecogis.audit import run_check
from ecogis.cli.main import cli
from ecogis.errors import InputError, NotMeasurableError
from ecogis.layerset import load_layers, load_sample
from ecogis.parks import greenway_coverage, park_coverage, park_radii, service_area

X0, Y0 = 500_000.0, 3_700_000.0  # a point of Gauss-Kruger zone EPSG:4547 (CM 114E)
CRS = "EPSG:4547"


def box(x0: float, y0: float, x1: float, y1: float) -> shapely.Polygon:
    return shapely.box(X0 + x0, Y0 + y0, X0 + x1, Y0 + y1)


def frame(geoms: list, crs: str = CRS, **cols) -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame(cols, geometry=list(geoms), crs=crs)


def residential(*geoms) -> gpd.GeoDataFrame:
    return frame(geoms, land_class=["居住用地"] * len(geoms))


BIG = box(-5000, -5000, 5000, 5000)


def square_truth(a: float, r: float) -> float:
    """Area of a square of side a grown by r: a^2 + 4ar + pi r^2."""
    return a * a + 4 * a * r + math.pi * r * r


def assert_within_bound(metrics: dict, truth: float) -> None:
    got, bound = metrics["covered_residential_m2"], metrics["covered_residential_bound_m2"]
    assert abs(got - truth) <= bound, (got, truth, bound)
    assert bound < 1e-4 * truth  # the stated accuracy


# --- analytic areas -----------------------------------------------------------------------------
@pytest.mark.parametrize("a", [100.0, 71.0, 400.0])
def test_a_square_park_covers_its_analytic_area(a):
    r = park_coverage(frame([box(0, 0, a, a)], id=["P"]), residential(BIG), frame([BIG]))
    assert_within_bound(r.metrics, square_truth(a, 500.0))
    assert r.metrics["share"] == pytest.approx(square_truth(a, 500.0) / BIG.area, abs=r.metrics["share_bound"])
    assert r.metrics["parks_counted"] == 1 and r.metrics["parks_too_small"] == 0


def test_the_brackets_hold_the_true_area_for_any_quad_segs():
    sq = box(0, 0, 100, 100)
    for q in (2, 8, 32, 128):
        assert service_area(sq, 500, quad_segs=q).area < square_truth(100, 500) < \
            service_area(sq, 500, quad_segs=q, outer=True).area


@pytest.mark.parametrize("side, radius", [((50.0, 80.0), 300.0), ((100.0, 50.0), 500.0), ((40.0, 50.0), 300.0)])
def test_radius_by_park_size(side, radius):
    """4,000 m2 serves 300 m; exactly 5,000 m2 serves 500 m; exactly 2,000 m2 serves 300 m."""
    w, h = side
    r = park_coverage(frame([box(0, 0, w, h)]), residential(BIG), frame([BIG]))
    truth = w * h + 2 * (w + h) * radius + math.pi * radius ** 2
    assert_within_bound(r.metrics, truth)
    assert list(r.layers["park_service_areas"]["radius_m"]) == [radius]


def test_a_park_under_2000_m2_is_not_counted():
    r = park_coverage(frame([box(0, 0, 25, 40)]), residential(BIG), frame([BIG]))  # 1,000 m2
    assert r.metrics["parks_counted"] == 0 and r.metrics["parks_too_small"] == 1
    assert r.metrics["covered_residential_m2"] == 0.0 and r.metrics["share"] == 0.0
    assert any("nothing is covered" in w for w in r.warnings)
    assert r.layers["park_service_areas"].empty
    r = park_coverage(frame([box(0, 0, 25, 40)]).iloc[0:0], residential(BIG), frame([BIG]))
    assert r.metrics["share"] == 0.0 and any("no features" in w for w in r.warnings)


def test_park_radii_thresholds_and_custom_tiers():
    np.testing.assert_array_equal(park_radii([5000, 4999.9, 2000, 1999.9]), [500, 300, 300, np.nan])
    np.testing.assert_array_equal(park_radii([900, 20_000], tiers=[(10_000, 800), (500, 200)]), [200, 800])
    with pytest.raises(InputError, match="larger park is expected to serve at least as far"):
        park_radii([1], tiers=[(5000, 300), (2000, 500)])


def test_custom_tiers_through_the_check_params(tmp_path):
    layers = load_layers(_write_case(tmp_path, park=box(0, 0, 50, 80)))
    r = run_check("parks", layers, params={"small_park_m2": 5000.0})  # the 4,000 m2 park no longer counts
    assert r.metrics["parks_counted"] == 0
    r = run_check("parks", layers, params={"small_radius_m": 400.0})
    assert_within_bound(r.metrics, 4000 + 2 * 130 * 400 + math.pi * 400 ** 2)


def test_a_shallow_concavity_is_not_filled_in():
    """GEOS's polygon buffer removes concavities under 1 % of the radius deep before buffering (here it
    over-states the area by about 80 m2, beyond its own chord error); the stadium construction does not."""
    r_m = 500.0
    park = box(0, 0, 200, 200).difference(box(25, 197, 175, 201))  # a 3 m deep, 150 m wide notch
    u_c = math.sqrt(r_m ** 2 - (r_m - 3) ** 2)  # where the rim corners stop shaping the boundary above the notch
    loss = 2 * (quad(lambda u: r_m - math.sqrt(r_m ** 2 - u * u), 0, u_c)[0] + 3 * (75 - u_c))
    truth = square_truth(200, r_m) - loss
    r = park_coverage(frame([park]), residential(BIG), frame([BIG]))
    assert_within_bound(r.metrics, truth)
    geos = shapely.intersection(park.buffer(r_m, quad_segs=128), BIG).area
    assert geos - truth > 2 * r.metrics["covered_residential_bound_m2"]  # what the plain buffer would have said


def test_brute_force_on_a_small_random_case():
    rng = np.random.default_rng(14)
    parks = []
    for _ in range(4):  # random star-shaped (often concave) parks
        c = rng.uniform(-800, 800, 2)
        t = np.sort(rng.uniform(0, 2 * np.pi, 9))
        rad = rng.uniform(30, 90, 9)
        parks.append(shapely.Polygon(np.c_[X0 + c[0] + rad * np.cos(t), Y0 + c[1] + rad * np.sin(t)]).buffer(0))
    homes = [box(-1200, -1200, 300, 200), box(-200, -500, 1300, 1300)]  # they overlap: counted once
    scope = box(-1000, -1000, 1000, 1000)
    res = park_coverage(frame(parks), residential(*homes), frame([scope]))
    assert any("overlap" in w for w in res.warnings)
    radii = park_radii(shapely.area(np.array(parks)))
    # brute force: a jittered grid of points, each covered when within its park's radius of the park
    n = 500
    ix, iy = np.meshgrid(np.arange(n), np.arange(n))
    gx = (ix + rng.uniform(0, 1, (n, n))) * 2000 / n - 1000
    gy = (iy + rng.uniform(0, 1, (n, n))) * 2000 / n - 1000
    pts = shapely.points(X0 + gx.ravel(), Y0 + gy.ravel())
    home = shapely.union_all(homes).intersection(scope)
    is_home = shapely.contains_xy(home, X0 + gx.ravel(), Y0 + gy.ravel())
    covered = np.zeros(pts.shape, bool)
    for park, radius in zip(parks, radii):
        if np.isfinite(radius):
            covered |= shapely.distance(pts, park) <= radius
    cell = (2000 / n) ** 2
    brute = float((covered & is_home).sum() * cell)
    assert res.metrics["residential_area_m2"] == pytest.approx(home.area, rel=1e-9)
    # the sampling error of a jittered grid of 250,000 points: well under 0.1 % of the area here
    assert res.metrics["covered_residential_m2"] == pytest.approx(brute, rel=1e-3)
    assert res.metrics["share"] == pytest.approx(brute / home.area, abs=1e-3)


def test_parks_outside_the_scope_serve_it_and_land_outside_is_not_counted():
    scope = box(0, 0, 1000, 1000)
    park = box(-300, 400, -200, 500)  # 10,000 m2, 200 m west of the scope
    r = park_coverage(frame([park]), residential(BIG), frame([scope]))
    truth = shapely.intersection(service_area(park, 500, quad_segs=512), scope).area
    assert r.metrics["residential_area_m2"] == pytest.approx(1e6)
    assert r.metrics["covered_residential_m2"] == pytest.approx(truth, abs=r.metrics["covered_residential_bound_m2"]
                                                                + 1e-3 * truth)


def test_a_stated_area_picks_the_radius_with_a_warning_when_it_disagrees():
    r = park_coverage(frame([box(0, 0, 40, 25)], area_m2=[6000.0], name=["小公园"]), residential(BIG),
                      frame([BIG]))
    assert list(r.layers["park_service_areas"]["radius_m"]) == [500.0]
    assert any("小公园" in w and "differs" in w for w in r.warnings)


def test_layers_and_no_residential_land():
    r = park_coverage(frame([box(0, 0, 100, 100)]), residential(box(-1000, -1000, 1000, 1000)), frame([BIG]))
    covered = r.layers["covered_residential"].geometry.area.sum()
    gaps = r.layers["residential_gaps"].geometry.area.sum()
    assert covered + gaps == pytest.approx(r.metrics["residential_area_m2"], rel=1e-9)
    lu = frame([box(0, 0, 10, 10)], land_class=["工业用地"])
    with pytest.raises(NotMeasurableError, match="居住用地"):
        park_coverage(frame([box(0, 0, 100, 100)]), lu, frame([BIG]))


def test_population_share_of_an_even_raster_is_the_area_share(tmp_path):
    path = tmp_path / "pop.tif"
    with rasterio.open(path, "w", driver="GTiff", width=100, height=100, count=1, dtype="float32", crs=CRS,
                       transform=from_origin(X0 - 5000, Y0 + 5000, 100, 100)) as dst:
        dst.write(np.full((1, 100, 100), 7.0, dtype="float32"))
    homes = box(-1000, -1000, 1000, 1000)
    r = park_coverage(frame([box(0, 0, 100, 100)]), residential(homes), frame([BIG]), population=path)
    assert r.metrics["population_total"] == pytest.approx(7.0 * homes.area / 1e4, rel=1e-9)
    assert r.metrics["population_share"] == pytest.approx(r.metrics["share"], abs=r.metrics["share_bound"] + 1e-9)


# --- the CLI ------------------------------------------------------------------------------------
def _write_case(root, *, park=None):
    """parks.gpkg, land_use.gpkg and study_area.gpkg with Chinese headers and a 三调 code, in EPSG:4490."""
    park = park if park is not None else box(0, 0, 100, 100)
    frame([park], 名称=["人民公园"]).to_crs(4490).to_file(root / "parks.gpkg")
    frame([BIG], 地类名称=["0701 城镇住宅用地"]).to_crs(4490).to_file(root / "land_use.gpkg")
    frame([box(-6000, -6000, 6000, 6000)], 名称=["建成区"], 范围=["建成区"]).to_crs(4490).to_file(
        root / "study_area.gpkg")
    return root


def test_ecogis_check_parks_json_gives_the_analytic_answer(tmp_path):
    _write_case(tmp_path)
    out = tmp_path / "out.json"
    result = CliRunner().invoke(cli, ["check", "parks", "--layers", str(tmp_path), "--json", str(out)])
    assert result.exit_code == 0, result.output
    d = json.loads(out.read_text(encoding="utf-8"))
    truth = square_truth(100, 500)
    # the layers went through EPSG:4490 and back: the square is a square to well under a millimetre
    assert abs(d["covered_residential_m2"] - truth) <= d["covered_residential_bound_m2"] + 1.0
    assert d["residential_area_m2"] == pytest.approx(BIG.area, rel=1e-6)
    assert d["share"] == pytest.approx(truth / BIG.area, rel=1e-4)
    assert "covered_residential_m2" in result.output
    out2 = tmp_path / "out2.json"
    result = CliRunner().invoke(cli, ["check", "parks", "--layers", str(tmp_path), "--json", str(out2),
                                      "--large-radius-m", "400"])
    assert result.exit_code == 0, result.output
    d2 = json.loads(out2.read_text(encoding="utf-8"))
    assert abs(d2["covered_residential_m2"] - square_truth(100, 400)) <= d2["covered_residential_bound_m2"] + 1.0


def test_ecogis_check_parks_without_a_built_up_area_says_so(tmp_path):
    frame([box(0, 0, 100, 100)], 名称=["人民公园"]).to_file(tmp_path / "parks.gpkg")
    frame([BIG], 地类名称=["居住用地"]).to_file(tmp_path / "land_use.gpkg")
    frame([BIG], 名称=["中心城区"], 范围=["中心城区"]).to_file(tmp_path / "study_area.gpkg")
    result = CliRunner().invoke(cli, ["check", "parks", "--layers", str(tmp_path)])
    assert result.exit_code != 0
    assert "城市建成区" in result.output


# --- greenways ----------------------------------------------------------------------------------
def test_greenway_length_and_coverage_are_analytic():
    L, r_m = 3000.0, 1000.0
    line = shapely.LineString([(X0, Y0), (X0 + L, Y0)])
    scope = box(-9000, -9000, 2000, 9000)  # 2 km of the 3 km inside
    way = frame([line], id=["G1"]).to_crs(4490)  # lengths are measured in the metric CRS, not degrees
    res = greenway_coverage(way, residential(box(-9000, -9000, 9000, 9000)), frame([scope]))
    assert res.metrics["greenway_km"] == pytest.approx(2.0, rel=1e-7)
    assert res.metrics["greenway_total_km"] == pytest.approx(3.0, rel=1e-7)
    inside = 2 * r_m * 2000 + math.pi * r_m ** 2 / 2  # the stadium clipped at x = 2000: its west half-disc and 2 km
    assert abs(res.metrics["covered_residential_m2"] - inside) <= res.metrics["covered_residential_bound_m2"] + 1.0
    assert res.metrics["covered_residential_bound_m2"] < 1e-4 * inside


def test_an_l_shaped_greenway_covers_its_analytic_area():
    """Legs of 1,000 m at a right angle, r = 100 m: 2r(L1 + L2) - r^2 (inner overlap) + pi r^2 / 4 (outer
    wedge) + pi r^2 (the two end caps)."""
    r_m = 100.0
    way = frame([shapely.LineString([(X0, Y0), (X0 + 1000, Y0), (X0 + 1000, Y0 + 1000)])])
    res = greenway_coverage(way, residential(BIG), frame([BIG]), radius_m=r_m)
    truth = 2 * r_m * 2000 - r_m ** 2 + math.pi * r_m ** 2 / 4 + math.pi * r_m ** 2
    assert abs(res.metrics["covered_residential_m2"] - truth) <= res.metrics["covered_residential_bound_m2"]
    assert res.metrics["greenway_km"] == pytest.approx(2.0)


def test_a_park_with_a_lake_covers_the_lake():
    park = box(0, 0, 200, 200).difference(box(90, 90, 110, 110))  # a hole: within 500 m of the park's boundary
    r = park_coverage(frame([park]), residential(BIG), frame([BIG]))
    assert_within_bound(r.metrics, square_truth(200, 500))


def test_a_greenway_drawn_twice_counts_once():
    a = shapely.LineString([(X0, Y0), (X0 + 2000, Y0)])
    b = shapely.LineString([(X0 + 1000, Y0), (X0 + 3000, Y0)])  # overlaps a by 1 km
    res = greenway_coverage(frame([a, b]), None, frame([BIG]))
    assert res.metrics["greenway_km"] == pytest.approx(3.0) and res.metrics["greenways_total"] == 2
    assert any("overlap" in w for w in res.warnings)
    assert "share" in res.not_measurable


def test_greenways_check_on_the_sample():
    r = run_check("greenways", load_sample())
    assert 0 < r.metrics["greenway_km"] <= r.metrics["greenway_total_km"]
    assert 0 < r.metrics["share"] < 1
    assert set(r.layers) == {"greenways_in_scope", "greenway_service_area", "covered_residential",
                             "residential_gaps"}


@pytest.mark.sample
def test_parks_check_on_the_sample_is_a_mix():
    r = run_check("parks", load_sample())
    assert 0.3 < r.metrics["share"] < 0.95  # some residential land uncovered
    assert r.metrics["parks_too_small"] == 12 and r.metrics["parks_counted"] == 92
    assert r.metrics["population_share"] is not None
    assert not r.layers["residential_gaps"].empty
