"""Progress bars: the steps of a long coverage counted as they end (silent unless progress is on)."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pytest
import shapely

from ecogis import disc_union, service_area
from ecogis.coverage import stop_coverage
from ecogis.partition import map_tasks
from ecogis.progress import Steps

CRS = "EPSG:4547"


def test_steps_count_what_is_added_and_done():
    with Steps("work", progress=True) as steps:
        steps.add(2)
        steps.start("one")
        steps.done()
        steps.add()
        steps.done(2)
        assert (steps.count, steps.total) == (3, 3)


@pytest.mark.parametrize("partitions", [None, 2])
def test_map_tasks_reports_each_task_as_it_ends(partitions):
    ended = []
    out = map_tasks(pow, [(2, k) for k in range(5)], partitions=partitions, on_done=lambda: ended.append(1))
    assert out == [1, 2, 4, 8, 16]
    assert len(ended) == 5


class _Recorded(Steps):
    made: list[_Recorded] = []

    def __init__(self, desc, *, progress=None):
        super().__init__(desc, progress=progress)
        self.names: list[str] = []
        _Recorded.made.append(self)

    def start(self, name):
        self.names.append(name)
        super().start(name)


def test_stop_coverage_ends_every_step_it_counts(monkeypatch, tmp_path):
    """Tiles of 60 cells: the cells, each tile, the join, the covered part, the population and the districts."""
    import rasterio
    from rasterio.transform import from_origin

    monkeypatch.setattr(service_area, "Steps", _Recorded)
    monkeypatch.setattr(disc_union, "_TILE_CELLS", 60)
    _Recorded.made.clear()
    rng = np.random.default_rng(5)
    x0, y0 = 500_000.0, 3_700_000.0
    stops = gpd.GeoDataFrame(geometry=shapely.points(rng.uniform(0, 8000, (300, 2)) + [x0, y0]), crs=CRS)
    area = gpd.GeoDataFrame(geometry=[shapely.box(x0, y0, x0 + 8000, y0 + 8000)], crs=CRS)
    districts = gpd.GeoDataFrame({"name": ["W", "E"]}, geometry=[shapely.box(x0, y0, x0 + 4000, y0 + 8000),
                                                                 shapely.box(x0 + 4000, y0, x0 + 8000, y0 + 8000)],
                                 crs=CRS)
    tif = tmp_path / "pop.tif"
    with rasterio.open(tif, "w", driver="GTiff", width=80, height=80, count=1, dtype="float32", crs=CRS,
                       transform=from_origin(x0, y0 + 8000, 100, 100)) as dst:
        dst.write(np.ones((1, 80, 80), dtype="float32"))
    r = stop_coverage(stops, area, radius_m=300.0, districts=districts, population=tif, progress=True)
    assert r.metrics["uncovered"] > 0
    (steps,) = _Recorded.made
    tiles = [n for n in steps.names if n.startswith("gap tiles")]
    assert len(tiles) == 1
    k = int(tiles[0].split("(")[1].rstrip(")"))
    assert k >= 4
    assert steps.count == steps.total == 1 + k + 1 + 1 + 1 + 1  # cells, tiles, join, covered part, people, districts
    assert steps.names[0].startswith("cells of ") and steps.names[-1] == "districts"
    assert {"joining the tiles", "the covered part", "population"} <= set(steps.names)


def test_the_network_method_ends_every_step_it_counts(monkeypatch):
    from shapely.geometry import LineString

    monkeypatch.setattr(service_area, "Steps", _Recorded)
    _Recorded.made.clear()
    x0, y0 = 500_000.0, 3_700_000.0
    lines = [LineString([(x0, y0 + k * 200.0), (x0 + 2000, y0 + k * 200.0)]) for k in range(11)]
    lines += [LineString([(x0 + k * 200.0, y0), (x0 + k * 200.0, y0 + 2000)]) for k in range(11)]
    roads = gpd.GeoDataFrame(geometry=lines, crs=CRS)
    stops = gpd.GeoDataFrame(geometry=shapely.points([(x0 + 500, y0 + 500), (x0 + 1500, y0 + 1400),
                                                      (x0 + 300, y0 + 1700), (x0 + 1800, y0 + 300)]), crs=CRS)
    area = gpd.GeoDataFrame(geometry=[shapely.box(x0, y0, x0 + 2000, y0 + 2000)], crs=CRS)
    stop_coverage(stops, area, radius_m=400.0, method="network", roads=roads, progress=True)
    (steps,) = _Recorded.made
    assert steps.count == steps.total == 1 + 1 + 1 + 1  # cells, (one tile of) gaps, along the streets, the rest
    assert "along the streets" in steps.names
