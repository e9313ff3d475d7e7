"""Plane indexing in numpy against independent truths (GEOS's STRtree, brute force, np.unique)."""

from __future__ import annotations

import numpy as np
import pytest
import shapely

from ecogis.plane_index import box_pairs, unique_points


def _boxes(rng: np.random.Generator, n: int) -> np.ndarray:
    """Random boxes: many small, some long, some degenerate (points, horizontal and vertical segments), repeats."""
    lo = rng.uniform(-500, 500, (n, 2))
    size = rng.exponential(10.0, (n, 2))
    size[rng.random(n) < 0.05] *= 60.0  # long streets
    size[rng.random(n) < 0.1, 0] = 0.0  # vertical
    size[rng.random(n) < 0.1, 1] = 0.0  # horizontal
    b = np.column_stack([lo, lo + size])
    b[rng.random(n) < 0.05] = b[0]  # the same box again
    b[1] = [-2000, -2000, 2000, 2000]  # one box over everything
    return b


def _strtree_pairs(qb: np.ndarray, tb: np.ndarray) -> set[tuple[int, int]]:
    q, t = shapely.STRtree(shapely.box(*tb.T)).query(shapely.box(*qb.T))
    return set(zip(q.tolist(), t.tolist()))


def _brute_pairs(qb: np.ndarray, tb: np.ndarray) -> set[tuple[int, int]]:
    ok = ((qb[:, None, 0] <= tb[None, :, 2]) & (tb[None, :, 0] <= qb[:, None, 2])
          & (qb[:, None, 1] <= tb[None, :, 3]) & (tb[None, :, 1] <= qb[:, None, 3]))
    q, t = np.nonzero(ok)
    return set(zip(q.tolist(), t.tolist()))


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_box_pairs_are_the_strtree_pairs(seed: int) -> None:
    rng = np.random.default_rng(seed)
    qb, tb = _boxes(rng, 700), _boxes(rng, 900)
    q, t = box_pairs(qb, tb)
    got = list(zip(q.tolist(), t.tolist()))
    assert len(got) == len(set(got))  # each pair once
    assert set(got) == _strtree_pairs(qb, tb) == _brute_pairs(qb, tb)


@pytest.mark.parametrize("seed", [3, 4])
def test_box_pairs_self_join_gives_each_overlapping_pair_once(seed: int) -> None:
    b = _boxes(np.random.default_rng(seed), 1200)
    q, t = box_pairs(b)
    got = list(zip(q.tolist(), t.tolist()))
    assert len(got) == len(set(got)) and (q < t).all()
    truth = {(i, j) for i, j in _brute_pairs(b, b) if i < j}
    assert set(got) == truth == {(i, j) for i, j in _strtree_pairs(b, b) if i < j}


def test_box_pairs_with_a_few_very_long_boxes_stays_small() -> None:
    # 2,000 tiny boxes and 3 boxes thousands of cells long: the cell grows instead of listing millions of cells
    rng = np.random.default_rng(5)
    lo = rng.uniform(0, 1e5, (2000, 2))
    b = np.vstack([np.column_stack([lo, lo + 1.0]), [[0, 0, 1e5, 1e5], [0, 5e4, 1e5, 5e4], [3e4, 0, 3e4, 1e5]]])
    q, t = box_pairs(b)
    assert {(i, j) for i, j in zip(q.tolist(), t.tolist())} == {(i, j) for i, j in _brute_pairs(b, b) if i < j}


def test_box_pairs_leave_out_boxes_with_nan_or_infinite_sides() -> None:
    b = _boxes(np.random.default_rng(10), 300)
    b[5, 0] = np.nan
    b[9, 2] = np.inf
    q, t = box_pairs(b)
    ok = np.isfinite(b).all(axis=1)
    truth = {(i, j) for i, j in _brute_pairs(b, b) if i < j and ok[i] and ok[j]}
    assert set(zip(q.tolist(), t.tolist())) == truth
    q, t = box_pairs(b[:100], b)
    assert set(zip(q.tolist(), t.tolist())) == {(i, j) for i, j in _brute_pairs(b[:100], b) if ok[i] and ok[j]}


def test_box_pairs_empty() -> None:
    q, t = box_pairs(np.zeros((0, 4)), np.ones((3, 4)))
    assert q.size == 0 and t.size == 0


def _check_unique(pts: np.ndarray) -> None:
    uniq, inv = unique_points(pts)
    assert np.array_equal(uniq[inv], pts)
    truth = np.unique(pts, axis=0)
    assert len(uniq) == len(truth)
    assert np.array_equal(uniq[np.lexsort((uniq[:, 1], uniq[:, 0]))], truth)


def test_unique_points_is_numpy_unique() -> None:
    rng = np.random.default_rng(6)
    _check_unique(np.round(rng.uniform(0, 50, (5000, 2))))  # whole metres, many repeats
    _check_unique(rng.uniform(0, 1, (3000, 2))[rng.integers(0, 3000, 9000)])
    _check_unique(np.array([[0.0, 1.0], [-0.0, 1.0], [0.0, -0.0]]))  # -0.0 is 0.0


def test_unique_points_when_hashes_collide(monkeypatch: pytest.MonkeyPatch) -> None:
    # a hash that collides all the time (only the x coordinate, coarsely): equal points must still form one run
    import ecogis.plane_index as pi

    monkeypatch.setattr(pi, "_point_hash", lambda xy: np.floor(xy[:, 0] / 10.0).astype(np.uint64))
    rng = np.random.default_rng(8)
    _check_unique(np.round(rng.uniform(0, 100, (4000, 2))))
    order, new = pi.same_points(np.array([[1.0, 2.0], [1.0, 3.0], [1.0, 2.0], [1.0, 3.0]]))
    assert int(new.sum()) == 2
