"""Shared fixtures: small real layers in a projected CRS whose answers can be worked out by hand."""

from __future__ import annotations

import hashlib
from pathlib import Path

import geopandas as gpd
import pytest
import shapely

REPO = Path(__file__).resolve().parents[1]
GK114 = "EPSG:4547"  # CGCS2000 / 3-degree Gauss-Kruger CM 114E (Luohe's zone)


def voronoi_coverage(seed: int, n: int = 200, hole_m: float = 3.0, quad_segs: int = 8):
    """Voronoi cells of random points cut to a 1 km box, 70 % of them kept, 40 % of those with a round hole
    (vertices no other cell has), oriented as GEOS orients (exteriors counter-clockwise)."""
    import numpy as np

    rng = np.random.default_rng(seed)
    pts = rng.uniform(0, 1000, (n, 2))
    extent = shapely.box(-1, -1, 1001, 1001)
    cells = shapely.get_parts(shapely.voronoi_polygons(shapely.multipoints(pts), extend_to=extent))
    cells = shapely.intersection(cells, shapely.box(0, 0, 1000, 1000))
    items = cells[rng.random(cells.size) < 0.7]
    holed = rng.random(items.size) < 0.4
    items[holed] = shapely.difference(items[holed], shapely.buffer(shapely.centroid(items[holed]), hole_m,
                                                                   quad_segs=quad_segs))
    return shapely.orient_polygons(items, exterior_cw=False)


def file_digest(path: Path) -> str:
    """SHA-256 of a file or of every file in a directory (to prove inputs stay untouched)."""
    h = hashlib.sha256()
    paths = sorted(p for p in Path(path).rglob("*") if p.is_file()) if Path(path).is_dir() else [Path(path)]
    for p in paths:
        h.update(p.name.encode())
        h.update(p.read_bytes())
    return h.hexdigest()


@pytest.fixture
def square_zone() -> gpd.GeoDataFrame:
    """A 1 km x 1 km 一级 protection zone in EPSG:4547 near Luohe."""
    return gpd.GeoDataFrame(
        {"id": ["z1"], "name": ["测试一级区"], "level": ["一级"]},
        geometry=[shapely.box(500_000, 3_716_000, 501_000, 3_717_000)],
        crs=GK114,
    )


@pytest.fixture
def sample_available() -> bool:
    return (REPO / "layers" / "luohe.gpkg").exists()


def pytest_collection_modifyitems(config, items):
    """Skip the sample-dependent tests cleanly when the sample has not been built."""
    if (REPO / "layers" / "luohe.gpkg").exists():
        return
    skip = pytest.mark.skip(reason="layers/luohe.gpkg not built (python scripts/build_sample.py)")
    for item in items:
        if "sample" in item.keywords:
            item.add_marker(skip)
