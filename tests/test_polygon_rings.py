"""Rings dissolved, cut and nested in numpy, against GEOS and brute force."""

from __future__ import annotations

import numpy as np
import pytest
import shapely
from tests.conftest import voronoi_coverage

from ecogis.polygon_rings import _near_segments, boxes_near_segments, dissolve_rings, hole_owners, place_holes


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_runs_of_vertices_no_one_shares_are_carried_whole(seed):
    """Only the vertices two cells have marked shareable (the rest in runs): the same polygons, vertex for vertex,
    as with every vertex shareable, and GEOS's union."""
    items = voronoi_coverage(seed)
    edges = {}
    for i, poly in enumerate(items):
        for r in shapely.get_rings(poly):
            c = shapely.get_coordinates(r)
            for a, b in zip(map(tuple, c[:-1]), map(tuple, c[1:])):
                edges.setdefault(frozenset((a, b)), set()).add(i)
    # every edge only one cell has gets points of its own (runs no other cell has); shared edges stay as they are
    xy, ring, item = [], [], []
    for i, poly in enumerate(items):
        for r in shapely.get_rings(poly):
            c = shapely.get_coordinates(r)
            out = [c[0]]
            for a, b in zip(c[:-1], c[1:]):
                if len(edges[frozenset((tuple(a), tuple(b)))]) == 1:
                    out.extend(a + (b - a) * f for f in (0.25, 0.5, 0.75))
                out.append(b)
            xy.extend(out)
            ring.extend([len(set(ring))] * len(out))
            item.extend([i] * len(out))
    xy, ring, item = np.array(xy), np.array(ring), np.array(item)
    key = xy.view(np.complex128).ravel()
    owners = {}
    for k, i in zip(key, item):
        owners.setdefault(k, set()).add(int(i))
    shared = np.array([len(owners[k]) > 1 for k in key])
    assert 0.05 < shared.mean() < 0.9
    all_, _ = dissolve_rings(xy, ring, np.ones(len(xy), dtype=bool), item=item)
    runs, _ = dissolve_rings(xy, ring, shared, item=item)
    assert all_ is not None and runs is not None
    a, b = shapely.normalize(runs), shapely.normalize(all_)  # (rings may start elsewhere, holes come in another order)
    assert sorted(shapely.to_wkb(a)) == sorted(shapely.to_wkb(b))
    assert shapely.union_all(runs).symmetric_difference(shapely.union_all(items)).area < 1e-6


def test_boxes_near_segments_hold_every_box_that_meets_a_segment():
    rng = np.random.default_rng(7)
    s0 = rng.uniform(0, 10_000, (60, 2))
    s1 = s0 + rng.normal(0, 800, (60, 2))
    s1[:5] = s0[:5] + [500.0, 0.0]  # horizontal ones, some boxes' edges on them
    lo = rng.uniform(-500, 10_500, (4000, 2))
    hi = lo + rng.uniform(0, 300, (4000, 2))
    lo[:5], hi[:5] = s0[:5] - [0, 50], s0[:5] + [100, 0]  # the box's top edge on the segment
    got = boxes_near_segments(lo, hi, s0, s1)
    truth = shapely.STRtree(shapely.linestrings(np.stack([s0, s1], axis=1))).query(
        shapely.box(lo[:, 0], lo[:, 1], hi[:, 0], hi[:, 1]), predicate="intersects")[0]
    meets = np.zeros(len(lo), dtype=bool)
    meets[truth] = True
    assert meets[:5].all() and meets.sum() > 100
    assert (got | ~meets).all()  # every box that meets one
    assert got.sum() < 3 * meets.sum()  # and not every box


def test_near_segments_pair_every_point_with_every_segment_within_reach():
    rng = np.random.default_rng(8)
    s0 = rng.uniform(0, 1000, (40, 2))
    s1 = s0 + rng.normal(0, 100, (40, 2))
    t = rng.random(3000)
    which = rng.integers(0, 40, 3000)
    xy = s0[which] + t[:, None] * (s1 - s0)[which] + rng.normal(0, 1e-6, (3000, 2))  # on (or a hair off) a segment
    xy = np.vstack([xy, rng.uniform(0, 1000, (3000, 2))])
    near, pi, si = _near_segments(xy, s0, s1, 1e-5)
    pairs = set(zip(near[pi].tolist(), si.tolist()))
    d = shapely.distance(shapely.points(xy)[:, None], shapely.linestrings(np.stack([s0, s1], axis=1))[None, :])
    close = set(zip(*np.nonzero(d <= 1e-5)))
    assert len(close) >= 3000 and close <= pairs


def test_hole_owners_nests_holes_at_every_depth():
    """Nested squares (islands in gaps in islands) and a gap in the innermost: each in the smallest shell around it."""
    rng = np.random.default_rng(9)
    shells, holes, truth = [], [], []
    for c in np.array([[x, y] for x in range(6) for y in range(5)]) * 1000.0 + rng.uniform(0, 100, (30, 2)):
        size = 400.0
        for d in range(3):  # shell, hole inside it (a gap), shell inside that (an island)
            box = shapely.box(*(c - size), *(c + size))
            (shells if d % 2 == 0 else holes).append(box.exterior)
            if d % 2 == 1:
                truth.append(len(shells) - 1)
            size *= 0.6
        holes.append(shapely.box(*(c - size), *(c + size)).exterior)  # a gap in the innermost island
        truth.append(len(shells) - 1)
    shells.append(shapely.box(-1000, -1000, 11_000, 11_000).exterior)  # the area around them all
    assert hole_owners(np.array(shells), np.array(holes)).tolist() == truth
    assert shapely.is_valid(place_holes(np.array(shells), np.array(holes))).all()


def test_repeated_vertices_next_to_runs_give_the_clean_rings():
    """Two squares sharing an edge, their outer edges densified (runs no one shares), each ring's first vertex and a
    run vertex written twice in a row: the same merged polygon as without the repeats (the repeat at a ring's
    start must not take the ring's first vertex away)."""
    def ring(points):
        return np.array(points + [points[0]], dtype=float)

    a = ring([(0, 0), (1, 0), (1, 1), (0.5, 1), (0, 1), (0, 0.5)])  # shares (1, 0)-(1, 1) with b
    b = ring([(1, 0), (2, 0), (2, 0.5), (2, 1), (1.5, 1), (1, 1)])
    def dissolved(a, b):
        xy = np.vstack([a, b])
        r = np.repeat([0, 1], [len(a), len(b)])
        shared = (np.isin(xy[:, 0], [1.0]) & np.isin(xy[:, 1], [0.0, 1.0]))
        polys, bad = dissolve_rings(xy, r, shared, item=r)
        assert polys is not None, bad
        return polys
    clean = dissolved(a, b)
    messy = dissolved(np.insert(a, [1, 4], [a[0], a[3]], axis=0), np.insert(b, 3, b[2], axis=0))
    assert len(clean) == len(messy) == 1
    assert shapely.equals_exact(shapely.normalize(clean[0]), shapely.normalize(messy[0]), 0.0)
    assert clean[0].area == 2.0
