"""The input gate (ecogis.gate): every command and public function checks its layers and options.

Each case is one of issue 11's: it gave exit 0 with a wrong figure (or a traceback) before the gate.
The truths are independent of the gate: the figure measured on the correctly stored layer, the
coordinates the sample was built with, geodesic areas from pyproj.Geod.
"""

from __future__ import annotations

import json
import math

import geopandas as gpd
import numpy as np
import pyogrio
import pytest
import shapely
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pyproj import Geod

from ecogis.cli.main import cli
from ecogis.coverage import bus_indicators, covered_area, propose_stops, stop_coverage
from ecogis.crs import metric_crs
from ecogis.errors import CRSError, InputError, ValidationError
from ecogis.layerset import load_layers, load_sample

GK114 = "EPSG:4547"
X0, Y0 = 500_000.0, 3_716_000.0  # near Luohe, in its Gauss-Kruger zone


def run(args):
    return CliRunner().invoke(cli, ["-q", *[str(a) for a in args]], catch_exceptions=False)


def _swap(gdf: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    out = gdf.copy()
    out.geometry = shapely.transform(np.asarray(gdf.geometry.values), lambda c: c[:, ::-1])
    return out


@pytest.fixture(scope="module")
def sample():
    return load_sample()


# --- swapped axes: repaired with a warning, the right figure ------------------------------------
@pytest.mark.sample
@pytest.mark.parametrize("crs", [GK114, "EPSG:4490"])
def test_swapped_stops_are_swapped_back_and_give_the_true_share(sample, crs):
    stops = sample.get("bus_stops").to_crs(crs)
    area = sample.study_area("中心城区")
    truth = covered_area(stops, area)["area_share"]
    swapped = _swap(stops)
    swapped.attrs["source"] = "northing_first.gpkg"
    res = covered_area(swapped, area)
    assert res["area_share"] == pytest.approx(truth, rel=1e-12) and truth > 0.5
    assert any(f"{len(stops)} feature(s) had x and y swapped" in w and "northing_first.gpkg" in w
               for w in res["warnings"])
    full = stop_coverage(swapped, area)
    assert full.metrics["area_share"] == pytest.approx(truth, rel=1e-9)
    assert any("swapped back" in w for w in full.warnings)


@pytest.mark.sample
def test_cli_coverage_on_northing_first_stops_reports_the_repair_and_the_true_share(sample, tmp_path):
    stops = sample.get("bus_stops").to_crs(GK114)
    path = tmp_path / "stops_gk.gpkg"
    _swap(stops).to_file(path, layer="bus_stops")
    ok, bad = tmp_path / "ok.json", tmp_path / "bad.json"
    stops.to_file(tmp_path / "right.gpkg", layer="bus_stops")
    here = ["--layers", sample.root]  # the sample's area, named: files are never mixed with it silently
    assert run(["coverage", "--stops", tmp_path / "right.gpkg", "--json", ok, *here]).exit_code == 0
    r = run(["coverage", "--stops", path, "--json", bad, *here])
    assert r.exit_code == 0, r.output
    truth = json.loads(ok.read_text())["area_share"]
    assert json.loads(bad.read_text())["area_share"] == pytest.approx(truth, rel=1e-9) and truth > 0.5
    assert "365 feature(s) had x and y swapped" in r.output and "stops_gk.gpkg" in r.output


@pytest.mark.sample
def test_convert_puts_northing_first_points_back_where_they_are(sample, tmp_path):
    stops = sample.get("bus_stops")
    src = tmp_path / "stops_gk.gpkg"
    _swap(stops.to_crs(GK114)).to_file(src, layer="bus_stops")
    out = tmp_path / "stops_4490.gpkg"
    r = run(["convert", src, out, "--to", "EPSG:4490"])
    assert r.exit_code == 0, r.output
    got = gpd.read_file(out)
    # where the sample's stops are (113.9-114.2 E, 33.5-33.7 N), not 141.8 E 4 N
    assert np.abs(shapely.get_coordinates(got.geometry.values) -
                  shapely.get_coordinates(stops.geometry.values)).max() < 1e-7
    assert "swapped" in r.output


def test_convert_refuses_coordinates_that_fit_no_reading_of_the_crs(tmp_path):
    src = tmp_path / "far.gpkg"
    gpd.GeoDataFrame({"id": ["a", "b"]}, geometry=[shapely.Point(X0, Y0), shapely.Point(X0, 9.9e7)],
                     crs=GK114).to_file(src)
    r = run(["convert", src, tmp_path / "out.gpkg", "--to", "EPSG:4490"])
    assert r.exit_code == 3 and "outside-crs-area" in r.output and "id=b (row 1)" in r.output
    assert not (tmp_path / "out.gpkg").exists()


# --- geometry type: line "stops" are refused everywhere --------------------------------------------
def _lines_as_stops() -> gpd.GeoDataFrame:
    g = gpd.GeoDataFrame({"id": ["s1", "s2"], "harbour": [True, False], "accessible": [True, True]},
                         geometry=[shapely.LineString([(X0, Y0), (X0 + 50, Y0)]), shapely.Point(X0 + 900, Y0)],
                         crs=GK114)
    g.attrs["source"] = "stops_as_lines.gpkg"
    return g


def test_bus_indicators_refuse_line_stops_naming_file_and_feature():
    with pytest.raises(ValidationError, match=r"(?s)stops_as_lines.gpkg feature id=s1 \(row 0\): geometry-type: "
                                              r"LineString but bus_stops expects point \(fix: "):
        bus_indicators(stops=_lines_as_stops())


@pytest.mark.sample
def test_audit_does_not_measure_bus_shares_on_line_stops(sample, tmp_path):
    from ecogis.audit import run_audit

    ls = load_sample()
    ls.vectors["bus_stops"] = _lines_as_stops()
    res = run_audit(ls)
    shares = [o for o in res.outcomes if o.target.metric in ("harbour_stop_share", "accessible_platform_share")]
    assert shares and all(o.status == "not_measurable" and "geometry-type" in (o.reason or "") for o in shares)


def test_validation_errors_are_summarised_not_listed_by_the_thousand():
    from ecogis.gate import (
        check_layer,  # new in the gate: imported here so the other tests run on older code
    )

    many = gpd.GeoDataFrame(geometry=[shapely.LineString([(X0 + i, Y0), (X0 + i, Y0 + 5)]) for i in range(400)],
                            crs=GK114)
    with pytest.raises(ValidationError) as info:
        check_layer(many, "bus_stops", what="stops")
    assert len(info.value.problems) == 400 and "400 geometry-type" in str(info.value)
    assert str(info.value).count("\n") < 10


def test_gate_repairs_empty_and_invalid_and_refuses_non_finite():
    from ecogis.gate import (
        check_layer,  # new in the gate: imported here so the other tests run on older code
    )

    area = gpd.GeoDataFrame(geometry=[shapely.Polygon([(X0, Y0), (X0 + 2000, Y0 + 2000), (X0 + 2000, Y0),
                                                        (X0, Y0 + 2000)]), shapely.Polygon()], crs=GK114)
    fixed, said = check_layer(area, "study_area", what="area")
    assert len(fixed) == 1 and fixed.geometry.iloc[0].is_valid
    assert fixed.area.iloc[0] == pytest.approx(2000 * 2000 / 2)
    assert any("had no geometry; dropped" in w for w in said) and any("make_valid" in w for w in said)
    assert len(area) == 2 and not area.geometry.iloc[0].is_valid  # the input is untouched
    nan = gpd.GeoDataFrame(geometry=[shapely.Point(X0, Y0), shapely.Point(np.nan, Y0)], crs=GK114)
    with pytest.raises(ValidationError, match="bad-coordinates"):
        stop_coverage(nan, area)


def test_repairs_made_when_a_layer_set_is_read_reach_the_result(tmp_path):
    stops = gpd.GeoDataFrame({"id": ["a"], "name": ["甲"]}, geometry=[shapely.Point(Y0, X0)], crs=GK114)
    area = gpd.GeoDataFrame({"id": ["c"], "name": ["城"], "scope": ["中心城区"]},
                            geometry=[shapely.box(X0 - 3000, Y0 - 3000, X0 + 3000, Y0 + 3000)], crs=GK114)
    stops.to_file(tmp_path / "bus_stops.gpkg")
    area.to_file(tmp_path / "study_area.gpkg")
    ls = load_layers(tmp_path)
    r = stop_coverage(ls.get("bus_stops"), ls.study_area())
    assert r.metrics["covered_area_m2"] == pytest.approx(math.pi * 500 ** 2, rel=1e-9)
    assert any("swapped back" in w for w in r.warnings)


# --- metric_crs -------------------------------------------------------------------------------------
@pytest.mark.sample
@pytest.mark.parametrize("bad", ["EPSG:3857", "EPSG:4534", "EPSG:4499", "EPSG:4490", "ESRI:102025"])
def test_metric_crs_that_would_give_wrong_metres_is_refused_naming_the_right_one(sample, bad):
    stops, area = sample.get("bus_stops"), sample.study_area("中心城区")
    with pytest.raises(CRSError, match=r"metric_crs was .*EPSG:4547.* is what ecogis picks"):
        stop_coverage(stops, area, metric_crs=bad)
    with pytest.raises(CRSError, match="metric_crs was"):
        covered_area(stops, area, metric_crs=bad)


@pytest.mark.sample
def test_a_good_metric_crs_is_taken_and_gives_the_geodesic_area(sample):
    area = sample.study_area("中心城区")
    geod = Geod(ellps="GRS80")
    truth = sum(abs(geod.geometry_area_perimeter(g)[0]) for g in area.to_crs(4490).geometry)
    for good in ("EPSG:4547", "EPSG:32649", "EPSG:4509"):
        r = covered_area(sample.get("bus_stops"), area, metric_crs=good)
        assert r["area_m2"] == pytest.approx(truth, rel=3e-3)
    # data stored in Web Mercator is measured in its Gauss-Kruger zone, not in 3857 (about 1.44x too large)
    assert metric_crs(area.to_crs(3857)).to_epsg() == 4547
    r = covered_area(sample.get("bus_stops").to_crs(3857), area.to_crs(3857))
    assert r["area_m2"] == pytest.approx(truth, rel=1e-3)


def test_check_metric_crs_refuses_web_systems_and_passes_the_data_own_crs():
    from ecogis.crs import (
        check_metric_crs,  # new in the gate: imported here so the other tests run on older code
    )

    data = gpd.GeoDataFrame(geometry=[shapely.Point(X0, Y0)], crs=GK114)
    assert check_metric_crs(GK114, data).to_epsg() == 4547
    with pytest.raises(CRSError, match="web-map"):
        check_metric_crs("gcj02", data)


# --- numeric options --------------------------------------------------------------------------------
@pytest.mark.parametrize("value", [True, False, math.inf, -math.inf, math.nan, "500", None, np.bool_(True)])
def test_check_number_refuses_booleans_non_finite_and_non_numbers(value):
    from ecogis.gate import (
        check_number,  # new in the gate: imported here so the other tests run on older code
    )

    with pytest.raises(InputError, match="radius_m was"):
        check_number("radius_m", value, minimum=0, exclusive_minimum=True)


def test_check_number_ranges_and_integers():
    from ecogis.gate import (
        check_number,  # new in the gate: imported here so the other tests run on older code
    )

    assert check_number("k", np.int64(3), minimum=0, integer=True) == 3
    assert check_number("x", None, optional=True) is None
    with pytest.raises(InputError, match=r"k was 2.5 but is expected to be a whole number"):
        check_number("k", 2.5, integer=True)
    with pytest.raises(InputError, match=r"share was 1.5 but is expected to be <= 1"):
        check_number("share", 1.5, maximum=1)


def _square(x0=X0, y0=Y0, side=1000.0):
    return gpd.GeoDataFrame({"id": ["a"]}, geometry=[shapely.box(x0, y0, x0 + side, y0 + side)], crs=GK114)


def _points(*xy, **cols):
    return gpd.GeoDataFrame({"id": [f"p{i}" for i in range(len(xy))], **cols},
                            geometry=[shapely.Point(x, y) for x, y in xy], crs=GK114)


def _calls():
    from ecogis import air, ecology, water

    stops, area = _points((X0 + 500, Y0 + 500)), _square()
    lines = gpd.GeoDataFrame({"id": ["r"]}, geometry=[shapely.LineString([(X0, Y0), (X0 + 900, Y0)])], crs=GK114)
    fac = _points((X0 + 10, Y0 + 10), kind=["livestock_farm"])
    stations = _points((X0, Y0), (X0 + 900, Y0), pm25_ugm3=[30.0, 50.0])
    return [
        ("radius_m", lambda v: stop_coverage(stops, area, radius_m=v)),
        ("radius_m", lambda v: covered_area(stops, area, radius_m=v)),
        ("min_gap_m2", lambda v: stop_coverage(stops, area, min_gap_m2=v)),
        ("target_share", lambda v: stop_coverage(stops, area, target_share=v)),
        ("radius_m", lambda v: propose_stops(stops, area, k=1, radius_m=v)),
        ("k", lambda v: propose_stops(stops, area, k=v)),
        ("buffer_m", lambda v: ecology.river_buffers(fac, lines, buffer_m=v)),
        ("radius_m", lambda v: ecology.coal_boilers_near_chp(fac, radius_m=v)),
        ("min_piece_m2", lambda v: ecology.redline_change(area, area, min_piece_m2=v)),
        ("large_site_m2", lambda v: ecology.control_zones(fac, area, large_site_m2=v)),
        ("warn_distance_m", lambda v: water.protection_conflicts(fac, area, warn_distance_m=v)),
        ("river_half_width_m", lambda v: water.delineate_protection_zones(stops, river_half_width_m=v)),
        ("upstream_km", lambda v: water.section_compliance(stops, upstream_km=v)),
        ("cell_m", lambda v: air.air_quality(stations, cell_m=v)),
        ("power", lambda v: air.idw_surface(stations, power=v)),
    ]


@pytest.mark.parametrize("value", [True, math.inf, math.nan])
@pytest.mark.parametrize("case", range(len(_calls())))
def test_every_public_numeric_option_refuses_booleans_and_non_finite_values_by_name(case, value):
    name, call = _calls()[case]
    with pytest.raises(InputError, match=f"{name} was {value!r}"):
        call(value)


def test_cli_radius_inf_is_an_error_not_a_traceback(tmp_path):
    stops, area = tmp_path / "s.gpkg", tmp_path / "a.gpkg"
    _points((X0 + 500, Y0 + 500)).to_file(stops)
    _square().to_file(area)
    r = run(["coverage", "--stops", stops, "--area", area, "--radius-m", "inf"])
    assert r.exit_code == 2 and "radius_m was inf" in r.output


# --- --layers ---------------------------------------------------------------------------------------
COMMANDS = [["coverage"], ["audit", "--out", "{tmp}/audit"], ["check", "bus-indicators"], ["check", "air"],
            ["check", "water-sources"], ["check", "redlines"], ["map", "--out-dir", "{tmp}/maps"],
            ["export", "qgis", "{tmp}/x.gpkg"], ["layers"]]


@pytest.mark.parametrize("cmd", COMMANDS, ids=lambda c: " ".join(c[:2]))
def test_layers_must_be_a_directory_or_a_geopackage(tmp_path, cmd):
    notes = tmp_path / "notes.txt"
    notes.write_text("my notes on the layers\n")
    args = [a.replace("{tmp}", str(tmp_path)) for a in cmd]
    r = run([*args, "--layers", notes])
    assert r.exit_code == 2 and "notes.txt" in r.output and "GeoPackage" in r.output, r.output
    empty = tmp_path / "empty"
    empty.mkdir()
    r = run([*args, "--layers", empty])
    assert r.exit_code == 2 and "no layers found" in r.output, r.output


def test_validate_on_a_directory_without_layers_is_an_error(tmp_path):
    empty = tmp_path / "empty"
    empty.mkdir()
    r = run(["validate", empty])
    assert r.exit_code == 3 and "no-layers" in r.output and "1 error(s)" in r.output
    (empty / "readme.md").write_text("nothing here")
    (empty / "points.csv").write_text("lon,lat\n114.0,33.6\n")
    r = run(["validate", empty])
    assert r.exit_code == 3 and "no-layers" in r.output


def test_a_geopackage_without_any_kind_is_refused(tmp_path):
    gpkg = tmp_path / "misc.gpkg"
    _points((X0, Y0)).to_file(gpkg, layer="things")
    with pytest.raises(InputError, match=r"no layer named by a kind \(layers are \['things'\]\)"):
        load_layers(gpkg)


# --- property tests ---------------------------------------------------------------------------------
#: CRSs to convert through, with the longitudes their areas of use cover (latitudes 22-45 N fit all)
_VIA = {"EPSG:4547": (112.6, 115.4), "EPSG:4326": (75.0, 134.0), "EPSG:32650": (114.1, 119.9),
        "EPSG:4509": (114.1, 119.9)}
_names = st.text(alphabet="abc甲乙丙 -_", min_size=0, max_size=8)


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data(), via=st.sampled_from(sorted(_VIA)))
def test_valid_layers_round_trip_through_convert_unchanged(tmp_path_factory, data, via):
    west, east = _VIA[via]
    points = data.draw(st.lists(st.tuples(st.floats(west, east), st.floats(22.0, 45.0), _names,
                                          st.integers(-10**6, 10**6)), min_size=1, max_size=30))
    tmp = tmp_path_factory.mktemp("rt")
    lon, lat, names, counts = (list(v) for v in zip(*points))
    src = gpd.GeoDataFrame({"name": names, "count": counts}, geometry=gpd.points_from_xy(lon, lat), crs=4490)
    src.to_file(tmp / "a.gpkg", layer="a")
    r = run(["convert", tmp / "a.gpkg", tmp / "b.gpkg", "--to", via])
    assert r.exit_code == 0 and "swapped" not in r.output, r.output
    r = run(["convert", tmp / "b.gpkg", tmp / "c.gpkg", "--to", "EPSG:4490"])
    assert r.exit_code == 0 and "swapped" not in r.output, r.output
    back = pyogrio.read_dataframe(tmp / "c.gpkg", layer="a")
    assert back["name"].tolist() == names and back["count"].tolist() == counts
    assert np.abs(shapely.get_coordinates(back.geometry.values) - np.column_stack([lon, lat])).max() < 1e-8


_BAD = ["line", "outside", "nan", "polygon_area_as_stops", "no_crs"]


@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(n=st.integers(1, 20), bad=st.sampled_from(_BAD), where=st.integers(0, 19),
       dx=st.floats(-4000, 4000), dy=st.floats(-4000, 4000))
def test_bad_stops_never_give_exit_0_with_a_figure(tmp_path_factory, n, bad, where, dx, dy):
    tmp = tmp_path_factory.mktemp("bad")
    geoms = [shapely.Point(X0 + 5000 + dx * (i + 1) / n, Y0 + 5000 + dy * (i + 1) / n) for i in range(n)]
    i = where % n
    crs = GK114
    if bad == "line":
        geoms[i] = shapely.LineString([geoms[i].coords[0], (geoms[i].x + 10, geoms[i].y)])
    elif bad == "outside":
        geoms[i] = shapely.Point(geoms[i].x + 5e7, geoms[i].y)
    elif bad == "nan":
        geoms[i] = shapely.Point(np.nan, geoms[i].y)
    elif bad == "polygon_area_as_stops":
        geoms[i] = geoms[i].buffer(20)
    elif bad == "no_crs":
        crs = None
    stops = tmp / "stops.gpkg"
    gpd.GeoDataFrame({"id": [f"s{k}" for k in range(n)]}, geometry=geoms, crs=crs).to_file(stops)
    area = tmp / "area.gpkg"
    _square(X0, Y0, 10_000).to_file(area)
    out = tmp / "c.json"
    r = run(["coverage", "--stops", stops, "--area", area, "--json", out])
    assert r.exit_code in (2, 3), r.output
    assert not out.exists() and "area_share" not in r.output and "Traceback" not in r.output
    if bad in ("outside", "nan", "no_crs"):  # what convert cannot carry over either
        r = run(["convert", stops, tmp / "converted.gpkg", "--to", "EPSG:4490"])
        assert r.exit_code in (2, 3) and not (tmp / "converted.gpkg").exists(), r.output


def _wrong_type_calls():
    from ecogis import air, ecology, water

    line = gpd.GeoDataFrame({"id": ["l"], "kind": ["livestock_farm"], "pm25_ugm3": [40.0]},
                            geometry=[shapely.LineString([(X0, Y0), (X0 + 500, Y0)])], crs=GK114)
    river = gpd.GeoDataFrame({"id": ["r"]}, geometry=[shapely.LineString([(X0, Y0 + 50), (X0 + 900, Y0 + 50)])],
                             crs=GK114)
    return [
        ("facilities", "LineString but facilities expects point or polygon",
         lambda: ecology.river_buffers(line, river, buffer_m=100)),
        ("stations", "LineString but air_stations expects point", lambda: air.air_quality(line, year=2025)),
        ("sections", "LineString but sections expects point", lambda: water.section_compliance(line)),
        ("zones", "LineString but control_zones expects polygon",
         lambda: ecology.control_zones(_points((X0, Y0), kind=["livestock_farm"]), river)),
    ]


@pytest.mark.parametrize("case", range(len(_wrong_type_calls())))
def test_water_ecology_air_functions_refuse_the_wrong_geometry_type(case):
    what, message, call = _wrong_type_calls()[case]
    with pytest.raises(ValidationError, match=f"(?s){what}: 1 problem.*{message}"):
        call()


def test_a_layer_set_given_to_a_check_is_not_changed_by_the_gate():
    from ecogis.layerset import LayerSet

    swapped = gpd.GeoDataFrame({"id": ["a"]}, geometry=[shapely.Point(Y0, X0)], crs=GK114)
    ls = LayerSet({"bus_stops": swapped})
    fixed = ls.get("bus_stops")
    assert ls.vectors["bus_stops"] is swapped and swapped.geometry.iloc[0].x == Y0
    assert fixed.geometry.iloc[0].x == X0 and ls.get("bus_stops") is fixed


def test_an_easting_with_a_zone_prefix_is_refused_naming_the_prefixed_crs():
    from pyproj import Transformer

    # a stop at 114.02 E 33.58 N in CGCS2000 3-degree zone 38 with its prefix, but labelled EPSG:4547
    x, y = Transformer.from_crs(4490, 4526, always_xy=True).transform(114.02, 33.58)
    assert 38_000_000 < x < 39_000_000
    stops = gpd.GeoDataFrame({"id": ["a"]}, geometry=[shapely.Point(x, y)], crs=GK114)
    with pytest.raises(ValidationError, match=r"outside-crs-area.*probably in EPSG:4526 \(CGCS2000 / 3-degree "
                                              r"Gauss-Kruger zone 38"):
        stop_coverage(stops, _square())
    # stated right, it measures: the stop is inside the square around it
    ok = gpd.GeoDataFrame({"id": ["a"]}, geometry=[shapely.Point(x, y)], crs="EPSG:4526").to_crs(GK114)
    assert covered_area(ok, _square(ok.geometry.x.iloc[0] - 600, ok.geometry.y.iloc[0] - 600, 1200))[
        "covered_area_m2"] == pytest.approx(math.pi * 500 ** 2, rel=1e-9)


def test_a_layer_beyond_its_gauss_kruger_zone_is_refused_with_the_way_to_store_it():
    """Issue 17: 1,000,000 synthetic stops over 750,000 km2 in EPSG:4547 reach 7 degrees past CM 114E.
    The gate is right to refuse them (a zone far off its meridian inflates areas); the fix says how a
    national layer is stored so that ecogis measures it right."""
    import geopandas as gpd
    import shapely

    from ecogis.errors import ValidationError
    from ecogis.gate import check_layer

    far = gpd.GeoDataFrame(geometry=[shapely.Point(500_000, 3_700_000), shapely.Point(1_100_000, 3_700_000)],
                           crs=4547)
    with pytest.raises(ValidationError, match=r"row 1: outside-crs-area.*EPSG:4547's area of use \(112\.5\.\.115\.5 E"
                                              r".*EPSG:4490 longitude/latitude or an equal-area CRS"):
        check_layer(far, "bus_stops", what="stops")
    # stored in longitude/latitude, the same stops pass and are measured in an equal-area projection
    lonlat, _ = check_layer(far.to_crs(4490), "bus_stops", what="stops")
    from ecogis.crs import metric_crs

    assert "Albers equal-area" in metric_crs(lonlat).name
