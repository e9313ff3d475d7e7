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
