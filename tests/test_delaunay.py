"""GEOS's Delaunay triangulation, checked, against Qhull's and against brute-force empty circles."""

from __future__ import annotations

import logging

import numpy as np
import pytest
import shapely
from scipy.spatial import Delaunay, QhullError, cKDTree

from ecogis import delaunay as dl
from ecogis.delaunay import delaunay
from ecogis.discs import VoronoiCells


@pytest.fixture(autouse=True)
def _geos_for_few_points(monkeypatch):
    """GEOS's triangulation for the small layouts here (it is taken from 100,000 points on)."""
    monkeypatch.setattr(dl, "GEOS_FEWEST_POINTS", 3)


def test_qhull_below_and_above_the_range_geos_within(monkeypatch):
    monkeypatch.undo()
    pts = np.random.default_rng(2).uniform(-1000, 1000, (500, 2))
    assert delaunay(pts).source == "qhull"
    monkeypatch.setattr(dl, "GEOS_FEWEST_POINTS", 500)
    assert delaunay(pts).source == "geos"


def _triangles(s: np.ndarray) -> set[tuple[int, ...]]:
    return {tuple(sorted(t)) for t in s.tolist()}


def _is_delaunay(pts: np.ndarray, s: np.ndarray, nb: np.ndarray) -> None:
    """Brute force: every triangle counter-clockwise, its circumcircle empty of the other points (up to 1e-9 m),
    every point used, the neighbours across the edges opposite each corner."""
    a, b, c = pts[s[:, 0]], pts[s[:, 1]], pts[s[:, 2]]
    cross = (b[:, 0] - a[:, 0]) * (c[:, 1] - a[:, 1]) - (b[:, 1] - a[:, 1]) * (c[:, 0] - a[:, 0])
    assert (cross > 0).all()
    bb, cc = b - a, c - a
    d = 2.0 * (bb[:, 0] * cc[:, 1] - bb[:, 1] * cc[:, 0])
    ux = (cc[:, 1] * (bb ** 2).sum(1) - bb[:, 1] * (cc ** 2).sum(1)) / d
    uy = (bb[:, 0] * (cc ** 2).sum(1) - cc[:, 0] * (bb ** 2).sum(1)) / d
    centre, radius = a + np.column_stack([ux, uy]), np.hypot(ux, uy)
    tree = cKDTree(pts)
    inside = tree.query_ball_point(centre, radius * (1 - 1e-9) - 1e-9)
    assert all(len(i) == 0 for i in inside)
    assert np.unique(s).size == len(pts)
    for t, k in zip(*np.nonzero(nb >= 0)):
        edge = {s[t, (k + 1) % 3], s[t, (k + 2) % 3]}
        assert edge <= set(s[nb[t, k]].tolist())


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_same_triangles_as_qhull_for_points_in_general_position(seed):
    rng = np.random.default_rng(seed)
    pts = np.vstack([rng.uniform(-5000, 5000, (3000, 2)), rng.normal(0, 300, (2000, 2))])
    tri = delaunay(pts)
    assert tri.source == "geos"
    assert _triangles(tri.simplices) == _triangles(Delaunay(pts).simplices)
    _is_delaunay(pts, tri.simplices, tri.neighbors)
    # the neighbour across the edge opposite corner k, as Qhull numbers them
    q = Delaunay(pts)
    qmap = {tuple(sorted(t)): i for i, t in enumerate(q.simplices.tolist())}
    for t in range(0, len(tri.simplices), 97):
        for k in range(3):
            mine = tri.neighbors[t, k]
            qt = qmap[tuple(sorted(tri.simplices[t].tolist()))]
            kq = int(np.flatnonzero(q.simplices[qt] == tri.simplices[t, k])[0])
            theirs = q.neighbors[qt, kq]
            assert (mine < 0) == (theirs < 0)
            if mine >= 0:
                assert _triangles(tri.simplices[[mine]]) == _triangles(q.simplices[[theirs]])


def test_cocircular_lattice_and_collinear_hull_points_give_a_delaunay_triangulation():
    lattice = np.array([[x, y] for x in range(25) for y in range(20)], dtype=float) * 100.0 - [1200.0, 950.0]
    tri = delaunay(lattice)
    assert tri.source == "geos"
    _is_delaunay(lattice, tri.simplices, tri.neighbors)
    assert len(tri.simplices) == 2 * 24 * 19
    # points along the sides of a rectangle (collinear on the hull) and inside it
    rng = np.random.default_rng(4)
    side = np.linspace(-1000.0, 1000.0, 21)
    frame = np.vstack([np.column_stack([side, np.full(21, -500.0)]), np.column_stack([side, np.full(21, 500.0)]),
                       np.column_stack([np.full(9, -1000.0), np.linspace(-400, 400, 9)]),
                       np.column_stack([np.full(9, 1000.0), np.linspace(-400, 400, 9)])])
    pts = np.vstack([frame, rng.uniform([-990, -490], [990, 490], (300, 2))])
    tri = delaunay(pts)
    assert tri.source == "geos"
    _is_delaunay(pts, tri.simplices, tri.neighbors)


def test_voronoi_figures_are_those_of_qhull_within_rounding(monkeypatch):
    rng = np.random.default_rng(7)
    xy = rng.uniform(0, 20_000, (4000, 2)) + [500_000.0, 3_700_000.0]
    geos = VoronoiCells(xy)
    monkeypatch.setattr(dl, "_geos", lambda pts: None)  # Qhull's triangulation, as before
    qhull = VoronoiCells(xy)
    for r in (200.0, 500.0):
        np.testing.assert_allclose(geos.disc_areas(r), qhull.disc_areas(r), rtol=1e-12, atol=1e-6)
    np.testing.assert_array_equal(np.isinf(geos.farthest), np.isinf(qhull.farthest))
    fin = np.isfinite(qhull.farthest)
    np.testing.assert_allclose(geos.farthest[fin], qhull.farthest[fin], rtol=1e-12)
    a, b = geos.gap_rings(np.arange(len(xy)), 150.0), qhull.gap_rings(np.arange(len(xy)), 150.0)
    pa = shapely.area(a.polygons(np.arange(a.owner.size)))
    pb = shapely.area(b.polygons(np.arange(b.owner.size)))
    assert a.owner.size == b.owner.size
    assert pa.sum() == pytest.approx(pb.sum(), rel=1e-12)


def _wrong(pts, triangulate):
    """GEOS's triangles with one interior edge flipped: still a triangulation, no longer Delaunay."""
    tris = triangulate(dl._multipoint(pts))
    c = shapely.get_coordinates(tris).reshape(-1, 4, 2)[:, :3]
    s = dl._indices(pts, c.reshape(-1, 2)).reshape(-1, 3)
    s, _ = dl._counter_clockwise(pts, s)
    e = dl._edges(s, len(pts))

    def area2(t):
        (ax, ay), (bx, by), (cx, cy) = pts[t[0]], pts[t[1]], pts[t[2]]
        return (bx - ax) * (cy - ay) - (by - ay) * (cx - ax)

    for t, k, o, ko in e.pairs:
        p, q, r, u = s[t, k], s[t, (k + 1) % 3], s[t, (k + 2) % 3], s[o, ko]
        # flip only where the four corners make a convex quadrilateral (both new triangles keep an area)
        new = np.array([[p, q, u], [p, u, r]])
        if all(area2(t2) > 0 for t2 in new):
            s[t], s[o] = new
            break
    else:
        raise AssertionError("no edge to flip")
    return shapely.multipolygons([shapely.Polygon(pts[t]) for t in s])


@pytest.mark.parametrize("broken", ["flipped", "missing", "moved", "raises", "duplicated"])
def test_a_wrong_geos_result_is_refused_and_qhull_used(monkeypatch, caplog, broken):
    rng = np.random.default_rng(11)
    pts = rng.uniform(-1000, 1000, (400, 2))
    real = shapely.delaunay_triangles

    def fake(geom, *a, **k):
        if broken == "flipped":
            return _wrong(pts, real)
        if broken == "raises":
            raise shapely.errors.GEOSException("TopologyException: side location conflict")
        parts = shapely.get_parts(real(geom, *a, **k))
        if broken == "missing":
            return shapely.multipolygons(parts[1:])
        if broken == "duplicated":
            return shapely.multipolygons(np.concatenate([parts, parts[:1]]))
        moved = shapely.transform(parts[:1], lambda c: c + 1e-3)
        return shapely.multipolygons(np.concatenate([moved, parts[1:]]))

    monkeypatch.setattr(dl.shapely, "delaunay_triangles", fake)
    with caplog.at_level(logging.DEBUG, logger="ecogis.delaunay"):
        tri = delaunay(pts)
    assert tri.source == "qhull"
    assert "using Qhull" in caplog.text
    assert _triangles(tri.simplices) == _triangles(Delaunay(pts).simplices)


def test_flat_input_still_raises_qhulls_error():
    pts = np.column_stack([np.linspace(0, 1000, 50), np.zeros(50)])
    with pytest.raises(QhullError):
        delaunay(pts)


def test_many_points_go_to_qhull_from_the_start(monkeypatch):
    pts = np.random.default_rng(3).uniform(-1000, 1000, (300, 2))
    monkeypatch.setattr(dl, "GEOS_MOST_POINTS", 299)
    monkeypatch.setattr(dl, "_geos", lambda p: pytest.fail("GEOS tried past GEOS_MOST_POINTS"))
    tri = delaunay(pts)
    assert tri.source == "qhull"
    assert _triangles(tri.simplices) == _triangles(Delaunay(pts).simplices)


def test_qhull_is_checked_where_points_lie_within_a_centimetre():
    """Stops 1 mm apart (two sources of one stop): Qhull merges their facets and may split them anyhow, so its
    triangulation is checked (and GEOS's taken where it is not Delaunay); well spread points are not checked."""
    from scipy.spatial import Delaunay

    from ecogis.delaunay import _suspect

    pts = np.random.default_rng(4).uniform(-5000, 5000, (3000, 2))
    assert not _suspect(pts, Delaunay(pts).simplices)
    twins = np.vstack([pts, pts[:5] + [0.001, 0.0]])
    assert _suspect(twins, Delaunay(twins).simplices)
