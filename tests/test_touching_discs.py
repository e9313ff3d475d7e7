"""Gaps parted where two discs touch (ecogis.touching_discs): lattices of stops exactly 2 r apart.

Truths: the analytic area of the curved square between four touching discs, (2r)² − πr², and a
GEOS union of 4,096-gons enlarged by 1e-6 of the radius (so that every contact becomes an
overlap and GEOS parts the gaps there: what the closed discs do).  Before the fix a 6 × 6
lattice gave one gap where there are 25, and a hexagonal one 7 (or 67) where there are 72.
"""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pytest
import shapely

from ecogis.coverage import stop_coverage
from ecogis.disc_union import _buffer_coverage
from ecogis.touching_discs import part_where_discs_touch

R = 500.0
ORIGIN = np.array([500_000.0, 3_000_000.0])  # metres in EPSG:4547, where a kilometre lattice is exact


def _coverage(xy: np.ndarray, area: shapely.Geometry):
    stops = gpd.GeoDataFrame(geometry=shapely.points(xy), crs=4547)
    return stop_coverage(stops, gpd.GeoDataFrame(geometry=[area], crs=4547), radius_m=R, min_gap_m2=0)


def _geos_gaps(xy: np.ndarray, area: shapely.Geometry, grow: float) -> np.ndarray:
    union = shapely.union_all(shapely.buffer(shapely.points(xy), R * (1.0 + grow), quad_segs=1024))
    parts = shapely.get_parts(area.difference(union))
    return parts[shapely.area(parts) > 1e-3]


def _square(n: int, spacing: float) -> np.ndarray:
    g = np.arange(n) * spacing
    x, y = np.meshgrid(g, g)
    return np.column_stack([x.ravel(), y.ravel()]) + ORIGIN


def test_a_square_lattice_of_touching_discs_has_one_gap_between_each_four():
    xy = _square(6, 2 * R)
    area = shapely.box(*xy.min(axis=0), *xy.max(axis=0))
    res = _coverage(xy, area)
    gaps = res.layers["gaps"]
    assert len(gaps) == 25 == len(_geos_gaps(xy, area, 1e-6))
    # each the curved square between four discs (each disc's outline, held short of its four contacts and raised
    # elsewhere to keep its area, borders four gaps: 1.5e-6)
    np.testing.assert_allclose(gaps["area_m2"], (2 * R) ** 2 - np.pi * R**2, rtol=1e-5)
    assert shapely.is_valid(gaps.geometry.values).all()
    catchment = res.layers["catchments"].geometry.iloc[0]
    assert catchment.is_valid
    assert abs(catchment.area - res.metrics["covered_area_m2"]) < 1e-5 * catchment.area


@pytest.mark.parametrize("inset", [(700, 300), (500, 0)], ids=["inside", "contacts-on-the-edge"])
def test_a_hexagonal_lattice_of_touching_discs_against_geos(inset):
    """Contacts in three directions, none at a drawn vertex: the necks there are centimetres wide.

    With the area's left and right edges at x = 500 m past the outer stops, two discs touch on
    the edge (one inside, one outside): the gaps either side part there too (67 before).
    """
    xy = np.array([(i * 2 * R + (j % 2) * R, j * 2 * R * np.sqrt(3) / 2) for j in range(7) for i in range(7)]) + ORIGIN
    area = shapely.box(*(xy.min(axis=0) + inset), *(xy.max(axis=0) - inset))
    gaps = _coverage(xy, area).layers["gaps"]
    truth = _geos_gaps(xy, area, 1e-6)
    assert len(gaps) == len(truth) == 72
    assert shapely.is_valid(gaps.geometry.values).all()
    inner = gaps["area_m2"] > 0.99 * (np.sqrt(3) * R**2 - np.pi * R**2 / 2)  # the whole curved triangles
    np.testing.assert_allclose(gaps.loc[inner, "area_m2"], np.sqrt(3) * R**2 - np.pi * R**2 / 2, rtol=2e-5)
    assert abs(gaps["area_m2"].sum() / shapely.area(truth).sum() - 1) < 1e-4  # (GEOS's discs 1e-6 larger)


def test_discs_a_millimetre_apart_leave_one_gap():
    """Not touching: the gaps run into each other through 1 mm necks, and GEOS agrees (discs not grown)."""
    xy = _square(4, 2 * R + 1e-3)
    area = shapely.box(*xy.min(axis=0), *xy.max(axis=0))
    assert len(_coverage(xy, area).layers["gaps"]) == 1 == len(_geos_gaps(xy, area, 0.0))


def test_a_contact_a_third_disc_covers_is_left_alone():
    """(0, 0) and (1000, 0) touch at (500, 0), under the disc of (500, 300): nothing to part there."""
    xy = np.array([[0.0, 0.0], [1000.0, 0.0], [500.0, 300.0], [500.0, -2000.0]]) + ORIGIN
    area = shapely.box(*(ORIGIN + [-600, -2600]), *(ORIGIN + [1600, 900]))
    run = _buffer_coverage(xy, area, R, partitions=None, crs=None)
    a, b = run.cells.voronoi.touching(R)
    assert (a.tolist(), b.tolist()) == ([0], [1])
    assert len(part_where_discs_touch(run.gaps, run.cells)) == len(run.gaps) == len(_geos_gaps(xy, area, 1e-6))


def test_nothing_touches_in_random_stops():
    rng = np.random.default_rng(7)
    xy = rng.uniform(0, 20_000, (2_000, 2)) + ORIGIN
    area = shapely.box(*(ORIGIN + 1_000), *(ORIGIN + 19_000))
    run = _buffer_coverage(xy, area, R, partitions=None, crs=None)
    assert run.cells.voronoi.touching(R)[0].size == 0
    assert part_where_discs_touch(run.gaps, run.cells) is run.gaps
