"""Gap pieces kept as crossings and arcs to draw: drawn, boxed and merged as the pieces drawn in full."""

from __future__ import annotations

import numpy as np
import pytest
import shapely

from ecogis.arc_rings import ArcRings
from ecogis.discs import VoronoiCells

X0, Y0 = 500_000.0, 3_700_000.0


def _layout(seed: int, n: int = 400, side: float = 12_000.0) -> np.ndarray:
    """Random stops, with a few pairs almost exactly two radii (300 m) apart (circles nearly touching: necks)."""
    rng = np.random.default_rng(seed)
    xy = rng.uniform(0, side, (n, 2))
    angle = rng.uniform(0, 2 * np.pi, 10)
    apart = 600.0 * (1 + rng.uniform(-1e-7, 1e-7, 10))
    twins = xy[:10] + apart[:, None] * np.column_stack([np.cos(angle), np.sin(angle)])
    return np.vstack([xy, twins]) + [X0, Y0]


def _star(side: float = 12_000.0) -> shapely.Polygon:
    """A star-shaped area with a square hole over the layout: many pieces cross its edges."""
    angle = np.linspace(0, 2 * np.pi, 25)[:-1]
    radius = np.where(np.arange(24) % 2 == 0, 0.48 * side, 0.3 * side)
    centre = np.array([X0, Y0]) + side / 2
    hole = shapely.box(*(centre - 600), *(centre + 600))
    return shapely.Polygon(np.column_stack([radius * np.cos(angle), radius * np.sin(angle)]) + centre,
                           [hole.exterior.coords])


@pytest.mark.parametrize("seed", [1, 2])
def test_some_pieces_drawn_are_those_pieces_of_all_drawn(seed):
    cells = VoronoiCells(_layout(seed))
    arcs = cells.gap_arc_rings(np.arange(len(cells.xy)), 300.0)
    every = arcs.polygons()
    some = np.sort(np.random.default_rng(seed).choice(every.size, every.size // 3, replace=False))
    assert arcs.n_whole > 5 and arcs.cut_point.size > 50
    assert (shapely.to_wkb(arcs.polygons(some)) == shapely.to_wkb(every[some])).all()
    assert np.array_equal(arcs.owner, arcs.expanded().owner)


@pytest.mark.parametrize("step_deg", [360 / 256, 11.25, 30.0])
def test_boxes_hold_every_vertex_drawn(step_deg):
    """Each piece's box (its annular sectors for the arcs) holds all its vertices; the drawn bounds are GEOS's."""
    cells = VoronoiCells(_layout(3))
    arcs = cells.gap_arc_rings(np.arange(len(cells.xy)), 300.0, arc_step_rad=np.deg2rad(step_deg))
    lo, hi = arcs.boxes()
    b = shapely.bounds(arcs.polygons())
    assert (lo <= b[:, :2]).all() and (hi >= b[:, 2:]).all()
    assert np.abs(np.hstack([lo, hi]) - b).max() < 300.0  # a box, not the plane


@pytest.mark.parametrize("seed", [1, 2, 4])
def test_gaps_merged_before_the_arcs_are_drawn_are_those_of_the_pieces_drawn(seed):
    """The merge on crossings alone, arcs drawn into the merged rings: the same polygons and outlines, bit for bit."""
    from ecogis.disc_union import _merge_arc_pieces, _merge_gap_pieces

    cells = VoronoiCells(_layout(seed))
    arcs = cells.gap_arc_rings(np.arange(len(cells.xy)), 300.0, extent=_star().bounds)
    fast = _merge_arc_pieces(arcs, _star(), keys=True)
    drawn = _merge_gap_pieces(arcs.expanded(), _star(), keys=True)
    assert fast is not None
    assert len(fast[0]) == len(drawn[0]) > 20
    assert (shapely.to_wkb(fast[0]) == shapely.to_wkb(drawn[0])).all()
    for a, b in zip(fast[1:], drawn[1:]):
        assert np.array_equal(a, b)
    # and against the closed form: the gaps are the area less the covered area (the arcs keep each sector's area)
    from ecogis.disc_union import _buffer_coverage

    covered = _buffer_coverage(cells.xy, _star(), 300.0, partitions=None, crs=None, gaps=False).covered
    assert shapely.is_valid(fast[0]).all()
    assert shapely.area(fast[0]).sum() == pytest.approx(_star().area - covered, rel=1e-6)


def test_an_arc_too_short_to_draw_the_same_way_is_merged_drawn():
    """An arc whose ends are a hair apart: the merge draws every piece first (and gives what that gives)."""
    from ecogis import disc_union

    cells = VoronoiCells(_layout(5))
    arcs = cells.gap_arc_rings(np.arange(len(cells.xy)), 300.0)
    assert arcs.plain()
    entry = arcs.arc_entry.copy()
    entry[0] = arcs.arc_exit[0] + [0.0, 1e-9]  # (a tangent crossing)
    short = arcs._replace(arc_entry=entry)
    assert not short.plain()
    area = shapely.box(*(np.array([X0, Y0]) + 1000), *(np.array([X0, Y0]) + 11_000))
    assert disc_union._merge_arc_pieces(short, area, keys=False) is None
    got = disc_union._merge_gap_pieces(short, area)
    want = disc_union._merge_gap_pieces(short.expanded(), area)
    assert (shapely.to_wkb(got) == shapely.to_wkb(want)).all()


def test_an_empty_set_of_pieces():
    cells = VoronoiCells(_layout(1, n=30))
    arcs = cells.gap_arc_rings(np.arange(30), 300.0)
    none = arcs._replace(whole_xy=arcs.whole_xy[:0], whole_ring=arcs.whole_ring[:0], whole_centre=arcs.whole_centre[:0],
                         whole_point=arcs.whole_point[:0], cut_xy=arcs.cut_xy[:0], cut_piece=arcs.cut_piece[:0],
                         arc_centre=arcs.arc_centre[:0], arc_entry=arcs.arc_entry[:0], arc_exit=arcs.arc_exit[:0],
                         cut_point=arcs.cut_point[:0])
    assert isinstance(none, ArcRings) and none.owner.size == 0
    assert none.polygons().size == 0 and none.plain()


def test_the_pieces_the_edge_cuts_are_drawn_finely_within_a_budget():
    """Coarse gaps' arcs (11.25 degrees): the pieces the area's edge cuts are drawn at the default step, or as
    fine as the budget of their vertices allows; at the default step, as the rest."""
    import ecogis.disc_union as du

    cells = VoronoiCells(np.array([[0, 0], [800, 0], [0, 800], [800, 800]], dtype=float))
    coarse = cells.gap_arc_rings(np.arange(4), 500.0, arc_step_rad=np.radians(11.25))
    pieces = np.arange(coarse.owner.size)
    n_coarse = shapely.get_num_coordinates(coarse.polygons(pieces)).sum()
    n_default = shapely.get_num_coordinates(cells.gap_arc_rings(np.arange(4), 500.0).polygons(pieces)).sum()
    draw = coarse.finer(du._DEFAULT_ARC_STEP_RAD, vertex_budget=du._EDGE_VERTEX_BUDGET)
    assert shapely.get_num_coordinates(draw(pieces)).sum() == n_default > 4 * n_coarse
    draw = coarse.finer(du._DEFAULT_ARC_STEP_RAD, vertex_budget=64 * pieces.size)  # 64 vertices a circle at most
    n_budget = shapely.get_num_coordinates(draw(pieces)).sum()
    assert n_coarse < n_budget < n_default
    fine = cells.gap_arc_rings(np.arange(4), 500.0)
    assert fine.finer(du._DEFAULT_ARC_STEP_RAD, vertex_budget=du._EDGE_VERTEX_BUDGET) is None


@pytest.mark.parametrize("step_deg", [360 / 256, 11.25])
def test_circles_pulled_in_at_a_neck_keep_their_area(step_deg):
    """Two circles 1 cm apart: the vertices near the bisector are pulled in (so they do not cross it), and the
    others raised so that each disc keeps pi r^2 (before: 3.1e-7 short at the default step, 2.0e-4 at 11.25°)."""
    xy = np.array([[0.0, 0.0], [1000.01, 0.0], [0.0, 5000.0], [3000.0, -4000.0]])
    cells = VoronoiCells(xy)
    arcs = cells.gap_arc_rings(np.arange(4), 500.0, arc_step_rad=np.radians(step_deg))
    pieces = arcs.polygons()
    assert shapely.is_valid(pieces).all()
    holes = np.array([shapely.Polygon(r) for g in pieces for r in g.interiors])
    np.testing.assert_allclose(shapely.area(holes), np.pi * 500.0**2, rtol=1e-12)
    near = holes[np.argsort(shapely.distance(holes, shapely.Point(500.005, 0.0)))[:2]]
    assert shapely.get_coordinates(near[0])[:, 0].max() < 500.005  # each on its side of the bisector
    assert shapely.get_coordinates(near[1])[:, 0].min() > 500.005
    lo, hi = arcs.boxes()  # every piece in its box
    b = shapely.bounds(pieces)
    assert (b[:, :2] >= lo - 1e-9).all() and (b[:, 2:] <= hi + 1e-9).all()


def test_arcs_pulled_in_at_a_neck_keep_their_sectors():
    """A cell whose circle crosses two of its edges and passes 5 mm from two others: its gap pieces (arcs from an
    entry to an exit) add up to the cell less the exact disc ∩ cell area, at the default step and at 11.25°."""
    xy = np.array([[0.0, 0.0], [1000.01, 0.0], [-800.0, 0.0], [0.0, 900.0], [0.0, -1000.01],
                   [1200.0, 1200.0], [-1200.0, 1200.0], [1200.0, -1200.0], [-1200.0, -1200.0]])
    cells = VoronoiCells(xy)
    cell = cells.polygons(np.array([0]))[0]
    exact = cell.area - cells.disc_areas(500.0)[0]
    for step in (2 * np.pi / 256, np.radians(11.25)):
        arcs = cells.gap_arc_rings(np.array([0]), 500.0, arc_step_rad=step)
        assert arcs.cut_point.size >= 2 and (arcs.cut_point == 0).all()
        pieces = arcs.polygons()
        assert shapely.is_valid(pieces).all() and shapely.within(pieces, cell.buffer(1e-9)).all()
        assert shapely.area(pieces).sum() == pytest.approx(exact, rel=1e-12)
