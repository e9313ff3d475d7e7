"""The street graph's numpy parts against independent truths (the KD-tree over all points, a dense brute force)."""

from __future__ import annotations

import numpy as np
import shapely
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import connected_components
from scipy.spatial import cKDTree

from ecogis.street_graph import _cluster_ends


def test_cluster_ends_numbers_nodes_as_a_search_over_all_points() -> None:
    # truth: the KD-tree pairs of all the points and connected components over them (the earlier way)
    rng = np.random.default_rng(7)
    base = np.round(rng.uniform(0, 200, (800, 2)), 1)
    pts = np.vstack([base, base[rng.integers(0, 800, 900)] + rng.choice([0.0, 0.2, 0.45, 0.7], (900, 1))])
    pairs = cKDTree(pts).query_pairs(0.5, output_type="ndarray")
    n = len(pts)
    _, truth = connected_components(coo_matrix((np.ones(len(pairs)), (pairs[:, 0], pairs[:, 1])), shape=(n, n)),
                                    directed=False)
    assert np.array_equal(_cluster_ends(pts, 0.5), truth)


def test_csr_keeps_the_shortest_parallel_edge_and_drops_loops() -> None:
    import geopandas as gpd
    import pandas as pd

    from ecogis.street_graph import walk_graph

    rng = np.random.default_rng(9)
    pts = rng.uniform(0, 1000, (40, 2))
    lines = [shapely.LineString([pts[i], pts[j]]) for i, j in rng.integers(0, 40, (120, 2)) if i != j]
    g = walk_graph(gpd.GeoDataFrame(geometry=lines, crs=4547), node=False)
    e = g.edges
    longer = e.iloc[:30].copy()
    longer["length_m"] *= 1.5  # parallel edges, longer: the shorter one stays
    shorter = e.iloc[30:40].copy()
    shorter["length_m"] *= 0.25  # parallel edges, shorter: they replace the first
    loops = e.iloc[40:45].copy()
    loops["v"] = loops["u"]
    g.edges = pd.concat([e, longer, shorter, loops], ignore_index=True)
    g._csr = None
    n = g.n_nodes
    truth = np.zeros((n, n))
    for u, v, w in zip(g.edges["u"], g.edges["v"], g.edges["length_m"]):
        if u != v:
            for a, b in ((u, v), (v, u)):
                truth[a, b] = w if truth[a, b] == 0 else min(truth[a, b], w)
    m = g.csr()
    assert m.has_canonical_format
    assert np.array_equal(m.toarray(), truth)


# --- the graph knows when its edges meet only at shared end points (WalkGraph.simple) ----------------------
def _layer(lines, **cols):
    import geopandas as gpd

    return gpd.GeoDataFrame(cols, geometry=[shapely.LineString(c) for c in lines], crs=4547)


def _segment_set(geoms) -> tuple[set, int]:
    c, i = shapely.get_coordinates(np.asarray(geoms, dtype=object), return_index=True)
    same = i[1:] == i[:-1]
    segs = [tuple(sorted((tuple(p), tuple(q)))) for p, q in zip(c[:-1][same], c[1:][same]) if tuple(p) != tuple(q)]
    return set(segs), len(segs)


def _noded_as_is(g) -> bool:
    """GEOS's noding of the edges (shapely.node) gives back their segments, each once: nothing to split."""
    geoms = np.asarray(g.edges.geometry.values, dtype=object)
    have, n = _segment_set(geoms)
    noded, _ = _segment_set(shapely.get_parts(shapely.node(shapely.multilinestrings(geoms))))
    return n == len(have) and noded == have


def test_simple_flag_only_where_geos_noding_changes_nothing() -> None:
    """Truth: GEOS's noding of the edges changes nothing (no crossing, touch or overlap but at shared vertices).
    The flag may be False where that holds (the faces' code then asks GEOS), never True where it does not."""
    from ecogis.street_graph import walk_graph

    rng = np.random.default_rng(17)
    set_true = 0
    for trial in range(300):
        kind = trial % 6
        if kind == 0:  # random segments over a few shared points: crossings, shared ends, duplicates
            pts = np.round(rng.uniform(0, 100, (8, 2)), 0)
            ij = rng.integers(0, 8, (6, 2))
            lines = [[tuple(pts[i]), tuple(pts[j])] for i, j in ij if i != j]
        elif kind == 1:  # random polylines (self-crossings, folds)
            lines = [[tuple(p) for p in np.round(rng.uniform(0, 100, (rng.integers(2, 6), 2)), 1)]
                     for _ in range(rng.integers(1, 4))]
        elif kind == 2:  # a star of streets from one point, some collinear or folded back
            c = (50.0, 50.0)
            ang = rng.choice([0.0, np.pi / 2, np.pi, 1.0, 1.0 + 1e-13], rng.integers(2, 5))
            lines = [[c, (50 + 40 * np.cos(a), 50 + 40 * np.sin(a))] for a in ang]
        elif kind == 3:  # closed lines and lines touching themselves
            k = rng.integers(3, 7)
            ring = [tuple(p) for p in np.round(rng.uniform(0, 100, (k, 2)), 0)]
            lines = [ring + [ring[0]]] if rng.random() < 0.5 else [ring + [ring[rng.integers(1, k - 1)]]]
        elif kind == 4:  # a noded jittered grid, with a duplicate or a folded piece now and then
            n = 4
            xy = np.round(rng.normal(0, 3, (n, n, 2)), 2) + np.stack(np.meshgrid(np.arange(n), np.arange(n)), -1) * 50
            lines = [[tuple(xy[a, b]), tuple(xy[a, b + 1])] for a in range(n) for b in range(n - 1)]
            lines += [[tuple(xy[a, b]), tuple(xy[a + 1, b])] for a in range(n - 1) for b in range(n)]
            r = rng.random()
            if r < 0.3:
                lines.append(list(lines[rng.integers(len(lines))]))
            elif r < 0.5:
                p, q = lines[0]
                lines[0] = [p, q, tuple(0.5 * (np.array(p) + np.array(q)))]
        else:  # a bridge over a street (kept apart) or a street ending on another's vertex
            lines = [[(0, 0), (50, 0), (100, 0)], [(50, -50), (50, 50)] if rng.random() < 0.5 else [(50, 0), (50, 50)]]
            g = walk_graph(_layer(lines, bridge=[None, "yes"]))
            assert not g.simple or _noded_as_is(g)
            continue
        g = walk_graph(_layer(lines))
        if g.simple:
            set_true += 1
            assert _noded_as_is(g), lines
    assert set_true > 30  # the flag is found on noded layers, not only refused


def test_simple_flag_on_noded_layers_and_not_where_lines_were_cut_or_cross() -> None:
    from ecogis.street_graph import walk_graph

    grid = [[(0, 0), (100, 0)], [(100, 0), (200, 0)], [(100, 0), (100, 100)], [(0, 0), (0, 100)],
            [(0, 100), (100, 100)]]
    assert walk_graph(_layer(grid)).simple  # collinear pieces end to end at an exactly shared point
    loop = walk_graph(_layer([[(0, 0), (50, 50), (100, 0), (0, 0)], [(0, 0), (-100, 0)]]))
    assert loop.simple and _noded_as_is(loop)  # a closed street, and one from its end point
    assert not walk_graph(_layer(grid), node=False).simple  # not checked: not known
    assert not walk_graph(_layer([[(0, 0), (100, 0)], [(50, -50), (50, 50)]])).simple  # cut where they cross
    bridge = walk_graph(_layer([[(0, 0), (100, 0)], [(50, -50), (50, 50)]], bridge=[None, "yes"]))
    assert bridge.noding["crossings_kept_apart"] == 1 and not bridge.simple
    assert not walk_graph(_layer([[(0, 0), (100, 0)], [(0, 0), (100, 0)]])).simple  # a duplicate
    assert not walk_graph(_layer([[(0, 0), (100, 0)], [(0, 0), (60, 0)]])).simple  # overlapping, cut
    assert not walk_graph(_layer([[(0, 0), (100, 0), (50, 0)]])).simple  # folds back on itself
    assert not walk_graph(_layer([[(0, 0), (100, 0), (100, 100), (50, -50)]])).simple  # crosses itself
    assert "_lines_simple" not in walk_graph(_layer(grid)).noding  # not reported
    from ecogis.street_graph import node_lines

    assert not any(str(k).startswith("_") for k in node_lines(_layer(grid))[1])  # nor by the public noding


def test_gc_is_paused_inside_the_heavy_steps_and_restored_after() -> None:
    import gc
    import inspect

    import pytest

    from ecogis.network import network_gaps, reached_streets, walk_graph
    from ecogis.street_graph import _gc_paused

    seen = []

    @_gc_paused
    def inner(fail: bool = False) -> int:
        seen.append(gc.isenabled())
        if fail:
            raise ValueError("boom")
        return 3

    assert gc.isenabled()
    assert inner() == 3 and seen == [False] and gc.isenabled()
    with pytest.raises(ValueError, match="boom"):
        inner(fail=True)
    assert gc.isenabled()
    gc.disable()
    try:  # paused by the caller: left paused
        inner()
        assert not gc.isenabled()
    finally:
        gc.enable()
    outer = _gc_paused(lambda: (inner(), gc.isenabled())[1])
    assert outer() is False and gc.isenabled()  # nested: restored by the outer one only
    for fn, first in ((walk_graph, "roads"), (reached_streets, "graph"), (network_gaps, "reached")):
        assert "Examples" in (fn.__doc__ or "")  # the signature and docs are the function's
        assert next(iter(inspect.signature(fn).parameters)) == first
