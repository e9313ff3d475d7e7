"""Voronoi cells from the Delaunay triangulation against GEOS's Voronoi diagram and GEOS unions of fine polygons."""

from __future__ import annotations

import math

import numpy as np
import pytest
import shapely
from tests.conftest import voronoi_coverage

from ecogis.discs import VoronoiCells, disc_polygon_area, segment_disc_area

X0, Y0 = 500_000.0, 3_700_000.0


def _geos_cells(xy: np.ndarray) -> np.ndarray:
    """GEOS Voronoi cells of the points, in input order, clipped far (100 km) beyond them."""
    extent = shapely.box(*(xy.min(axis=0) - 1e5), *(xy.max(axis=0) + 1e5))
    cells = shapely.get_parts(shapely.voronoi_polygons(shapely.multipoints(xy), extend_to=extent, ordered=True))
    assert shapely.contains_xy(cells, xy[:, 0], xy[:, 1]).all()
    return cells


def _fine_union(xy: np.ndarray, r: float, quad_segs: int = 1024) -> float:
    """Area of the union of discs drawn as 4 096-gons, corrected for the polygons' area deficit."""
    n = 4 * quad_segs
    deficit = (n / (2 * math.pi)) * math.sin(2 * math.pi / n)  # polygon area / circle area
    return shapely.union_all(shapely.buffer(shapely.points(xy), r / math.sqrt(deficit), quad_segs=quad_segs)).area


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_disc_areas_match_geos_voronoi_cells(seed):
    rng = np.random.default_rng(seed)
    xy = rng.uniform(0, 4000, (80, 2)) + [X0, Y0]
    cells = VoronoiCells(xy)
    for r in (150.0, 400.0, 900.0):
        got = cells.disc_areas(r)
        truth = disc_polygon_area(_geos_cells(xy), xy, r)
        np.testing.assert_allclose(got, truth, rtol=0, atol=1e-5)  # m², hull cells included
        assert got.sum() == pytest.approx(_fine_union(xy, r), rel=2e-6)


def test_bounded_cells_are_the_geos_cells_and_hull_cells_are_unbounded():
    rng = np.random.default_rng(7)
    xy = rng.uniform(0, 3000, (60, 2)) + [X0, Y0]
    cells = VoronoiCells(xy)
    geos = _geos_cells(xy)
    mine = cells.polygons(np.arange(len(xy)), radius_m=500.0)
    assert shapely.is_valid(mine).all()
    bounded = np.isfinite(cells.farthest)
    # GEOS clips its cells at the extent; compare only cells well inside it
    inside = bounded & (cells.farthest < 5e4)
    assert inside.sum() > 30
    diff = shapely.area(shapely.symmetric_difference(mine[inside], geos[inside]))
    assert diff.max() < 1e-3
    # farthest vertex = what GEOS's cell says
    coords, idx = shapely.get_coordinates(geos[inside], return_index=True)
    far = np.zeros(inside.sum())
    np.maximum.at(far, idx, np.hypot(*(coords - xy[inside][idx]).T))
    np.testing.assert_allclose(cells.farthest[inside], far, rtol=1e-9)
    # the hull is the convex hull's vertices (and only they have unbounded cells)
    hull = shapely.get_coordinates(shapely.convex_hull(shapely.multipoints(xy)))[:-1]
    assert set(map(tuple, xy[cells.hull])) == set(map(tuple, hull))
    assert np.isinf(cells.farthest[cells.hull]).all() and bounded.sum() == len(xy) - len(cells.hull)


def test_lattice_with_cocircular_points_is_exact():
    # every lattice square has four cocircular corners: Qhull splits it into two triangles with one
    # circumcentre, so half the Voronoi edges have length zero
    s, r = 600.0, 400.0
    g = np.array([[i * s, j * s] for i in range(9) for j in range(9)]) + [X0, Y0]
    cells = VoronoiCells(g)
    areas = cells.disc_areas(r)
    interior = np.array([0 < i < 8 and 0 < j < 8 for i in range(9) for j in range(9)])
    # an interior cell is the s x s square around its stop; s/2 < r < s/sqrt(2), so disc ∩ square
    # is pi r^2 minus four circular segments beyond the square's sides at s/2
    h = s / 2
    segment = r * r * math.acos(h / r) - h * math.sqrt(r * r - h * h)
    np.testing.assert_allclose(areas[interior], math.pi * r * r - 4 * segment, rtol=1e-12)
    assert areas.sum() == pytest.approx(_fine_union(g, r), rel=2e-6)


def test_possible_refuses_too_few_and_collinear_points():
    assert not VoronoiCells.possible(np.zeros((0, 2)))
    assert not VoronoiCells.possible(np.array([[0.0, 0.0], [1.0, 1.0]]))
    assert not VoronoiCells.possible(np.array([[0.0, 0.0], [1.0, 1.0], [2.0, 2.0], [5.0, 5.0]]) + [X0, Y0])
    assert VoronoiCells.possible(np.array([[0.0, 0.0], [1.0, 0.0], [0.0, 1.0]]) + [X0, Y0])


def test_segment_disc_area_pieces():
    r = 10.0
    # inside: a triangle; far outside: a sector; crossing: both
    p, q = np.array([[1.0, 0.0]]), np.array([[0.0, 1.0]])
    assert segment_disc_area(p, q, r)[0] == pytest.approx(0.5)
    assert segment_disc_area(p * 1e3, q * 1e3, r)[0] == pytest.approx(math.pi * r * r / 4)
    assert segment_disc_area(q, p, r)[0] == pytest.approx(-0.5)  # clockwise is negative
    # a square of side 2h centred on the disc, h < r < h sqrt(2): disc minus four segments, edge by edge
    h = 8.0
    sq = np.array([[h, -h], [h, h], [-h, h], [-h, -h]])
    total = segment_disc_area(sq, np.roll(sq, -1, axis=0), r).sum()
    segment = r * r * math.acos(h / r) - h * math.sqrt(r * r - h * h)
    assert total == pytest.approx(math.pi * r * r - 4 * segment, rel=1e-12)


@pytest.mark.parametrize("far", [1e6, 1e9, 1e12, 1e14])
def test_segment_disc_area_of_a_segment_far_longer_than_the_radius(far):
    # from a point inside the disc to one far away: the triangle to where it leaves the disc plus the
    # (thin) sector beyond; the old quadratic lost the crossing (|d|^2 r^2 against |p|^2 |d|^2 rounding)
    r = 500.0
    q = np.array([[-25.0, 25.0]])
    for direction in ((0.0, -1.0), (0.6, -0.8), (-1.0, 1e-3)):
        u = np.array(direction) / np.hypot(*direction)
        p = q + far * u
        # truth: where the line from q along u leaves the circle, then the sector from there to p
        t = -(q @ u) + np.sqrt(r * r - (q @ np.array([-u[1], u[0]])) ** 2)
        exit_ = q + t * u
        tri = 0.5 * (exit_[0, 0] * q[0, 1] - exit_[0, 1] * q[0, 0])
        sector = 0.5 * r * r * math.atan2(p[0, 0] * exit_[0, 1] - p[0, 1] * exit_[0, 0], (p @ exit_.T)[0, 0])
        got = segment_disc_area(p, q, r)[0]
        assert got == pytest.approx(sector + tri, rel=1e-9, abs=1e-6)
        assert segment_disc_area(q, p, r)[0] == pytest.approx(-(sector + tri), rel=1e-9, abs=1e-6)


@pytest.mark.parametrize("geos", [False, True])
@pytest.mark.parametrize("jitter", [1e-9, 1e-7, 1e-5])
def test_nearly_collinear_stops_on_the_hull_give_true_disc_areas(monkeypatch, jitter, geos):
    import ecogis.delaunay as dl

    if geos:  # (GEOS's triangulation is taken from 100,000 points on: here for 2,400)
        monkeypatch.setattr(dl, "GEOS_FEWEST_POINTS", 3)
    # a 50 m lattice whose rows are straight to within a jitter: the boundary rows' stops between the hull's
    # corners get Voronoi vertices 1e10-1e14 m away; their disc areas came out up to 37 times the truth
    rng = np.random.default_rng(5)
    g = np.array(np.meshgrid(np.arange(60), np.arange(40))).reshape(2, -1).T * 50.0 + [X0, Y0]
    xy = g + rng.normal(0.0, jitter, g.shape)
    cells = VoronoiCells(xy)
    got = cells.disc_areas(500.0)
    truth = disc_polygon_area(_geos_cells(xy), xy, 500.0)
    np.testing.assert_allclose(got, truth, rtol=1e-9, atol=1e-3)
    assert got.sum() == pytest.approx(_fine_union(xy, 500.0), rel=2e-6)


@pytest.mark.parametrize(("seed", "n", "r"), [(3, 40, 400.0), (4, 300, 300.0), (5, 800, 200.0)])
def test_gap_pieces_form_a_coverage_of_cells_minus_discs(seed, n, r):
    rng = np.random.default_rng(seed)
    xy = rng.uniform(0, 8000, (n, 2)) + [X0, Y0]
    cells = VoronoiCells(xy)
    open_ = np.flatnonzero(cells.farthest > r)
    pieces, owner = cells.gap_pieces(open_, r)
    assert shapely.is_valid(pieces).all() and set(owner) <= set(open_)
    assert shapely.coverage_is_valid(pieces)  # neighbours share exact vertices, no overlaps
    # each piece lies in its own cell, outside its disc (but for the chords of the arc, at most
    # r (1 - cos(step / 2)) inside: 3 cm at r = 400 m)
    polys = cells.polygons(np.arange(n), radius_m=r)
    assert (shapely.area(shapely.intersection(pieces, polys[owner])) >= shapely.area(pieces) * (1 - 1e-6)).all()
    chord = 1.0 - math.cos(math.pi / 256) + 1e-9
    assert (shapely.distance(shapely.points(xy[owner]), shapely.boundary(pieces)) >= r * (1 - chord)).all()
    # within the points' box, the union is what the cells leave uncovered: box minus the exact disc areas
    box = shapely.box(*xy.min(axis=0), *xy.max(axis=0))
    got = shapely.intersection(shapely.coverage_union_all(pieces), box).area
    r_eq = r / math.sqrt((4096 / (2 * math.pi)) * math.sin(2 * math.pi / 4096))
    union = shapely.union_all(shapely.buffer(shapely.points(xy), r_eq, quad_segs=1024))
    truth = box.area - shapely.intersection(union, box).area
    assert got == pytest.approx(truth, rel=1e-6)


def test_gap_pieces_of_a_lone_disc_have_it_as_a_hole():
    xy = np.array([[0.0, 0.0], [5000.0, 0.0], [0.0, 5000.0], [5000.0, 5000.0], [2500.0, 2500.0]]) + [X0, Y0]
    cells = VoronoiCells(xy)
    pieces, owner = cells.gap_pieces(np.array([4]), 500.0)
    assert owner.tolist() == [4] and len(pieces[0].interiors) == 1
    square = cells.polygons(np.array([4]))[0]  # the centre's cell: a diamond of area 2500^2 * 2
    assert pieces[0].area == pytest.approx(square.area - math.pi * 500**2, rel=1e-9)


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_convex_cells_in_area_match_geos(seed):
    """Green's theorem in numpy against GEOS's intersection, on stars with holes, either orientation."""
    from ecogis.discs import area_segments, convex_cells_in_area

    rng = np.random.default_rng(seed)
    parts = []
    for _ in range(2):
        c = rng.uniform(-3000, 3000, 2)
        k = rng.integers(6, 50)
        t = np.sort(rng.uniform(0, 2 * np.pi, k))
        rad = rng.uniform(500, 3000, k)
        star = shapely.make_valid(shapely.Polygon(np.column_stack([c[0] + rad * np.cos(t), c[1] + rad * np.sin(t)])))
        parts.append(star.difference(shapely.Point(c).buffer(rng.uniform(50, 400))))
    area = shapely.union_all(parts)
    if seed == 2:
        area = shapely.reverse(area)
    xy = rng.uniform(-5000, 5000, (300, 2))
    cells = VoronoiCells(xy)
    bounded = np.flatnonzero(np.isfinite(cells.farthest))
    polys = cells.polygons(bounded)
    if seed == 3:
        polys = shapely.reverse(polys)  # clockwise cells (as GEOS gives them) work too
    for r in (100.0, 600.0):
        got, ok = convex_cells_in_area(xy[bounded], polys, area_segments(area),
                                       lambda x, y: shapely.contains_xy(area, x, y), r)
        truth = disc_polygon_area(shapely.intersection(polys, area), xy[bounded], r)
        assert ok.all()
        np.testing.assert_allclose(got, truth, rtol=0, atol=1e-6)


def test_convex_cells_in_area_flag_an_edge_along_the_boundary():
    """A lattice with stops at x = ±300: cells meet on x = 0, which is also the area's edge (ambiguous there)."""
    from ecogis.discs import area_segments, convex_cells_in_area

    xy = np.array([[x, y] for x in (-900.0, -300.0, 300.0, 900.0) for y in (-2000.0, 0.0, 2000.0, 4000.0)])
    cells = VoronoiCells(xy)
    idx = np.flatnonzero((xy[:, 0] == 300.0) & np.isin(xy[:, 1], (0.0, 2000.0)))
    assert np.isfinite(cells.farthest[idx]).all()
    area = shapely.box(0, -1000, 1000, 3000)
    _, ok = convex_cells_in_area(xy[idx], cells.polygons(idx), area_segments(area),
                                 lambda x, y: shapely.contains_xy(area, x, y), 500.0)
    assert not ok.any()
    # stop_coverage measures those cells with GEOS instead, and gets the union of fine discs
    import geopandas as gpd

    from ecogis.coverage import covered_area

    stops = gpd.GeoDataFrame(geometry=shapely.points(xy + [X0, Y0]), crs="EPSG:4547")
    got = covered_area(stops, gpd.GeoDataFrame(geometry=[shapely.box(X0, Y0 - 1000, X0 + 1000, Y0 + 3000)],
                                               crs="EPSG:4547"), radius_m=500.0)["covered_area_m2"]
    r_eq = 500.0 / math.sqrt((4096 / (2 * math.pi)) * math.sin(2 * math.pi / 4096))
    union = shapely.union_all(shapely.buffer(shapely.points(xy), r_eq, quad_segs=1024))
    assert got == pytest.approx(union.intersection(area).area, rel=1e-7)


# --- merging exact pieces without an overlay ------------------------------------------------------------
def test_dissolve_rings_merges_a_coverage_like_geos():
    """Voronoi cells of random points, a random half of them with a hole, merged: the same set as GEOS's union."""
    from ecogis.discs import dissolve_rings

    rng = np.random.default_rng(4)
    pts = rng.uniform(0, 1000, (300, 2))
    cells = shapely.get_parts(shapely.voronoi_polygons(shapely.multipoints(pts), extend_to=shapely.box(-1, -1, 1001, 1001)))
    cells = shapely.intersection(cells, shapely.box(0, 0, 1000, 1000))
    keep = rng.random(cells.size) < 0.6  # groups of cells, some with holes, and holes between them
    items = cells[keep]
    holed = rng.random(items.size) < 0.3
    inner = shapely.buffer(shapely.centroid(items[holed]), 2.0, quad_segs=4)
    items[holed] = shapely.difference(items[holed], inner)
    items = shapely.orient_polygons(items, exterior_cw=False)
    xy, ring = shapely.get_coordinates(shapely.get_rings(items), return_index=True)
    merged, bad = dissolve_rings(xy, ring, np.ones(len(xy), dtype=bool))
    geos = shapely.union_all(items)
    assert merged is not None, bad  # three Voronoi cells meet at each vertex: none touch at a corner only
    assert shapely.is_valid(merged).all()
    assert shapely.union_all(merged).symmetric_difference(geos).area < 1e-6
    assert len(merged) == shapely.get_num_geometries(geos)


@pytest.mark.parametrize("seed", [4, 5, 6])
def test_dissolve_rings_places_holes_by_groups_as_place_holes_does(seed):
    """With ``item`` the holes go to their group's outer ring (no point-in-polygon): the same polygons, bit for bit.

    Voronoi cells, some with a hole, and some cells dropped so that the merged groups have
    holes between cells (islands) and holes of their own; checked against place_holes and GEOS.
    """
    from ecogis.discs import dissolve_rings

    items = voronoi_coverage(seed, n=400, hole_m=2.0, quad_segs=4)
    rings, ring_item = shapely.get_rings(items, return_index=True)
    xy, ring = shapely.get_coordinates(rings, return_index=True)
    # the holes of the cells share nothing (as a lone disc's circle): they are passed whole
    exterior = np.r_[True, ring_item[1:] != ring_item[:-1]]
    shareable = np.repeat(exterior, shapely.get_num_coordinates(rings))
    plain, _, out_plain = dissolve_rings(xy, ring, shareable, outline=True)
    grouped, _, out_grouped = dissolve_rings(xy, ring, shareable, outline=True, item=ring_item[ring])
    assert plain is not None and grouped is not None
    assert shapely.get_num_interior_rings(grouped).sum() > shapely.get_num_interior_rings(items).sum() > 0
    assert (shapely.to_wkb(grouped) == shapely.to_wkb(plain)).all()
    assert np.array_equal(out_plain[0], out_grouped[0]) and np.array_equal(out_plain[1], out_grouped[1])
    assert shapely.union_all(grouped).symmetric_difference(shapely.union_all(items)).area < 1e-6


def test_dissolve_rings_falls_back_to_place_holes_when_a_group_has_two_outer_rings():
    """Items wrongly given as one group (two apart squares as item 0): the holes are still placed right."""
    from ecogis.discs import dissolve_rings

    a = shapely.Polygon(shapely.box(0, 0, 10, 10).exterior, [shapely.box(2, 2, 3, 3).exterior.coords[::-1]])
    b = shapely.Polygon(shapely.box(20, 0, 30, 10).exterior, [shapely.box(22, 2, 23, 3).exterior.coords[::-1]])
    rings = shapely.get_rings([a, b])
    xy, ring = shapely.get_coordinates(rings, return_index=True)
    shareable = np.isin(ring, [0, 2])
    merged, _ = dissolve_rings(xy, ring, shareable, item=np.zeros(len(xy), dtype=np.intp))
    assert sorted(shapely.area(merged).tolist()) == [99.0, 99.0]
    assert shapely.contains(merged, shapely.points([[5, 5], [25, 5]])).any()


def test_gap_rings_are_the_gap_pieces():
    """The pieces as arrays (closed rings, shared vertices) build exactly the polygons gap_pieces returns."""
    rng = np.random.default_rng(9)
    xy = np.vstack([rng.uniform(0, 8000, (300, 2)), [[20_000.0, 20_000.0]]]) + [X0, Y0]  # and a lone disc
    cells = VoronoiCells(xy)
    open_ = np.flatnonzero(cells.farthest > 300.0)
    rings = cells.gap_rings(open_, 300.0)
    pieces, owner, vxy, vpiece = cells.gap_pieces(open_, 300.0, vertices=True)
    assert (shapely.to_wkb(rings.polygons()) == shapely.to_wkb(pieces)).all() and np.array_equal(rings.owner, owner)
    assert shapely.get_num_interior_rings(pieces).sum() >= 1
    # every ring closed, exteriors first; the shared vertices are those gap_pieces reports
    start = np.flatnonzero(np.r_[True, rings.ring[1:] != rings.ring[:-1]])
    end = np.r_[start[1:], rings.ring.size] - 1
    assert (rings.xy[start] == rings.xy[end]).all()
    assert np.array_equal(rings.xy[rings.shared], vxy)
    some = np.array([5, 0, 17])
    assert (shapely.to_wkb(rings.polygons(some)) == shapely.to_wkb(pieces[some])).all()


def test_dissolve_rings_says_where_pieces_touch_at_a_point():
    from ecogis.discs import dissolve_rings

    a, b = shapely.box(0, 0, 1, 1), shapely.box(1, 1, 2, 2)  # one corner in common
    xy, ring = shapely.get_coordinates(shapely.get_rings([a, b]), return_index=True)
    merged, bad = dissolve_rings(xy, ring, np.ones(len(xy), dtype=bool))
    assert merged is None and bad.tolist() == [[1.0, 1.0]]


def test_place_holes_nests_islands_and_gaps():
    """A gap with an island holding a smaller gap: each hole goes to the smallest shell around it."""
    from ecogis.discs import place_holes

    outer, island, inner_gap = shapely.box(0, 0, 100, 100), shapely.box(20, 20, 80, 80), shapely.box(40, 40, 60, 60)
    hole_in_inner = shapely.box(45, 45, 50, 50)
    polys = place_holes(np.array([outer.exterior, inner_gap.exterior]),
                        np.array([island.exterior, hole_in_inner.exterior]))
    assert [round(p.area) for p in polys] == [100 * 100 - 60 * 60, 20 * 20 - 25]
    assert place_holes(np.array([inner_gap.exterior]), np.array([outer.exterior])) is None  # a hole in no shell


def test_touching_groups_against_geos_touches():
    from ecogis.discs import touching_groups

    rng = np.random.default_rng(2)
    boxes = shapely.box(*(np.round(rng.uniform(0, 20, (40, 2)))).T, *(np.round(rng.uniform(0, 20, (40, 2))) + 1).T)
    xy, owner = shapely.get_coordinates(boxes, return_index=True)
    label = touching_groups(xy, owner, len(boxes))
    for i in range(len(boxes)):
        for j in range(len(boxes)):
            shares = bool(set(map(tuple, shapely.get_coordinates(boxes[i]))) & set(map(tuple, shapely.get_coordinates(boxes[j]))))
            if shares:
                assert label[i] == label[j]


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_cut_outlines_is_geos_difference_of_the_outlines(seed):
    """Polygons cut to a star-shaped area with a hole (as the gaps are): the area minus their outlines, as GEOS has it."""
    from ecogis.polygon_rings import cut_outlines

    angle = np.linspace(0, 2 * np.pi, 41)[:-1]
    radius = np.where(np.arange(40) % 2 == 0, 5000.0, 3000.0)
    star = shapely.Polygon(np.column_stack([radius * np.cos(angle), radius * np.sin(angle)]) + [X0, Y0],
                           [shapely.box(X0 - 500, Y0 - 500, X0 + 500, Y0 + 500).exterior.coords])
    rng = np.random.default_rng(seed)
    blobs = shapely.get_parts(shapely.union_all(shapely.buffer(shapely.points(rng.uniform(-5500, 5500, (60, 2)) +
                                                                              [X0, Y0]), 400.0)))
    polys = shapely.get_parts(shapely.intersection(blobs, star))
    polys = polys[shapely.get_type_id(polys) == 3]
    polys = polys[~shapely.contains_properly(star, polys)]  # those reaching the area's edge
    assert polys.size > 3
    got = cut_outlines(star, polys)  # GEOS's output: clockwise exteriors, oriented inside
    assert got is not None and shapely.is_valid(got).all()
    truth = shapely.difference(star, shapely.union_all(shapely.polygons(shapely.get_exterior_ring(polys))))
    assert shapely.union_all(got).symmetric_difference(truth).area < 1e-4  # (GEOS's own overlay slivers: 2e-6 m2)
    assert shapely.area(got).sum() == pytest.approx(truth.area, rel=1e-12)


def test_cut_outlines_declines_what_it_cannot_trust():
    """A polygon touching the area's edge at one point only: no simple rings, so None (GEOS does it)."""
    from ecogis.polygon_rings import cut_outlines

    area = shapely.box(0, 0, 10, 10)
    corner = shapely.Polygon([(0, 5), (2, 4), (2, 6)])  # on the edge x = 0 at (0, 5) only
    assert cut_outlines(area, np.array([corner])) is None


def test_a_tile_of_the_diagram_gives_the_same_gap_rings_bit_for_bit():
    """What a worker gets (its cells' edges, rays, triangles and points) builds the same pieces as the whole diagram."""
    rng = np.random.default_rng(11)
    xy = np.vstack([rng.uniform(0, 12_000, (900, 2)), [[30_000.0, 30_000.0]]]) + [X0, Y0]  # and a lone disc
    cells = VoronoiCells(xy)
    open_ = np.flatnonzero(cells.farthest > 350.0)
    order = open_[np.argsort(xy[open_, 0], kind="stable")]
    hull_seen = False
    for t in np.array_split(order, 3):
        t = np.sort(t)
        part, local = cells.tile(t)
        assert len(part.xy) < len(xy)
        a, b = cells.gap_rings(t, 350.0, extent=(X0, Y0, X0 + 12_000, Y0 + 12_000)), \
            part.gap_rings(local, 350.0, extent=(X0, Y0, X0 + 12_000, Y0 + 12_000))
        for name in ("xy", "ring", "ring_piece", "exterior", "shared"):
            assert np.array_equal(getattr(a, name), getattr(b, name)), name
        assert np.array_equal(part.xy[local], xy[t])
        hull_seen |= bool(np.isin(t, cells.hull).any())
    assert hull_seen  # the unbounded cells of the hull went through a tile too


def test_convex_cells_in_area_ignore_a_speck_of_an_edge():
    # a square cell whose corner is two vertices 5e-10 m apart in a direction of their own (cocircular stops):
    # clipping by that speck's line cut the cell; the truth is GEOS's cut of the same polygon
    from ecogis.discs import area_segments, convex_cells_in_area

    c = np.array([X0, Y0])
    corner = c + [200.0, -200.0]
    for angle in np.linspace(0.0, 2 * np.pi, 12, endpoint=False):
        speck = corner + 5e-10 * np.array([math.cos(angle), math.sin(angle)])
        cell = shapely.Polygon([corner, speck, c + [200.0, 200.0], c + [-200.0, 200.0], c + [-200.0, -200.0]])
        area = shapely.box(X0 + 150.0, Y0 - 1000.0, X0 + 1000.0, Y0 + 1000.0)
        got, ok = convex_cells_in_area(c[None], np.array([cell]), area_segments(area),
                                       lambda x, y: shapely.contains_xy(area, x, y), 300.0)
        truth = disc_polygon_area(shapely.intersection(np.array([cell]), area), c[None], 300.0)
        assert ok[0]
        assert got[0] == pytest.approx(truth[0], rel=1e-9)
