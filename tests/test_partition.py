"""Gap tiles as dask tasks: on a real dask.distributed cluster (LocalCluster, 2 worker processes), the same bit for bit."""

from __future__ import annotations

import json

import geopandas as gpd
import numpy as np
import pytest
import shapely
from click.testing import CliRunner

from ecogis.coverage import stop_coverage
from ecogis.errors import InputError
from ecogis.partition import map_tasks, scheduler_address

distributed = pytest.importorskip("distributed")

CRS = "EPSG:4547"
X0, Y0 = 500_000.0, 3_700_000.0


@pytest.fixture(scope="module")
def cluster():
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None,
                                  silence_logs=40) as c:
        yield c


def _inputs(n: int = 1200, seed: int = 3) -> tuple[gpd.GeoDataFrame, gpd.GeoDataFrame]:
    rng = np.random.default_rng(seed)
    xy = rng.uniform(-9000, 9000, (12, 2))[rng.integers(0, 12, n)] + rng.normal(0, 1500, (n, 2))
    t = np.linspace(0, 2 * np.pi, 90, endpoint=False)
    rad = 8000 * (1 + 0.15 * np.sin(3 * t))
    area = gpd.GeoDataFrame(geometry=[shapely.Polygon(np.column_stack([X0 + rad * np.cos(t), Y0 + rad * np.sin(t)]))],
                            crs=CRS)
    return gpd.GeoDataFrame(geometry=shapely.points(xy + [X0, Y0]), crs=CRS), area


def _same(a, b) -> None:
    assert a.metrics == b.metrics
    ga, gb = a.layers["gaps"], b.layers["gaps"]
    assert ga["area_m2"].tolist() == gb["area_m2"].tolist()
    assert shapely.to_wkb(ga.geometry.values).tolist() == shapely.to_wkb(gb.geometry.values).tolist()


def test_map_tasks_keeps_the_order_on_a_cluster(cluster):
    assert map_tasks(pow, [(2, k) for k in range(6)], scheduler=cluster.scheduler_address) == [2 ** k for k in range(6)]
    assert map_tasks(pow, [(2, 3)], partitions=2, shared=()) == [8]


def test_gap_tiles_on_a_local_cluster_give_the_same_numbers_bit_for_bit(cluster, monkeypatch):
    import ecogis.disc_union as cov

    monkeypatch.setattr(cov, "_TILE_CELLS", 150)  # several tiles: the gaps run across them
    stops, area = _inputs()
    here = stop_coverage(stops, area, radius_m=500.0, min_gap_m2=0)
    threads = stop_coverage(stops, area, radius_m=500.0, min_gap_m2=0, partitions=2)
    with distributed.Client(cluster) as client, distributed.get_task_stream(client=client) as stream:
        remote = stop_coverage(stops, area, radius_m=500.0, min_gap_m2=0, scheduler=cluster.scheduler_address)
    _same(here, threads)
    _same(here, remote)
    assert here.metrics["uncovered"] > 10
    # the cluster did the work: both workers ran tiles
    tiles = [t for t in stream.data if "_tile_gaps" in str(t["key"])]
    assert len(tiles) >= 2
    assert len({t["worker"] for t in tiles}) == 2
    # and one tile gives the same gaps (to the last bits of their areas)
    monkeypatch.setattr(cov, "_TILE_CELLS", 25_000)
    one = stop_coverage(stops, area, radius_m=500.0, min_gap_m2=0)
    np.testing.assert_allclose(np.sort(one.layers["gaps"]["area_m2"]), np.sort(here.layers["gaps"]["area_m2"]),
                               rtol=1e-12)


def test_the_environment_names_the_scheduler(cluster, monkeypatch):
    monkeypatch.setenv("DASK_SCHEDULER_ADDRESS", cluster.scheduler_address)
    assert scheduler_address() == cluster.scheduler_address
    stops, area = _inputs(400)
    with_env = stop_coverage(stops, area, radius_m=500.0)
    monkeypatch.delenv("DASK_SCHEDULER_ADDRESS")
    _same(with_env, stop_coverage(stops, area, radius_m=500.0))


def test_no_scheduler_at_the_address_is_a_clear_error():
    stops, area = _inputs(300)
    with pytest.raises(InputError, match="no dask scheduler answers at 'tcp://127.0.0.1:9'"):
        stop_coverage(stops, area, radius_m=500.0, scheduler="tcp://127.0.0.1:9")


def test_cli_scheduler_option_gives_the_same_json(cluster, tmp_path):
    from ecogis.cli.coverage import JSON_KEYS
    from ecogis.cli.main import cli

    stops, area = _inputs(600)
    sp, ap = tmp_path / "stops.gpkg", tmp_path / "area.gpkg"
    stops.to_file(sp)
    area.to_file(ap)
    a, b = tmp_path / "a.json", tmp_path / "b.json"
    runner = CliRunner()
    for out, extra in ((a, []), (b, ["--scheduler", cluster.scheduler_address])):
        r = runner.invoke(cli, ["-q", "coverage", "--stops", str(sp), "--area", str(ap), "--json", str(out), *extra],
                          catch_exceptions=False)
        assert r.exit_code == 0, r.output
    da, db = (json.loads(p.read_text(encoding="utf-8")) for p in (a, b))
    assert {k: da[k] for k in JSON_KEYS} == {k: db[k] for k in JSON_KEYS}


def test_map_tasks_reports_each_task_as_it_ends_on_a_cluster(cluster):
    ended = []
    out = map_tasks(pow, [(3, k) for k in range(4)], scheduler=cluster.scheduler_address,
                    on_done=lambda: ended.append(1))
    assert out == [1, 3, 9, 27]
    assert len(ended) == 4


def test_polygons_come_back_from_a_cluster_vertex_for_vertex():
    """What a task sends back (``polygons_first``): its polygons as coordinate arrays, made again in the caller
    with the same vertices in the same order (holes, ring orientation, several tiles' worth), nothing but
    the polygons changed; an empty tile and a failed tile (None) too."""
    from ecogis.partition import _packed, _unpacked

    ring = shapely.Point(0, 0).buffer(10, quad_segs=7)
    polys = np.array([shapely.Polygon(ring.exterior.coords[::-1], [shapely.box(-2, -2, 2, 2).exterior.coords]),
                      shapely.box(20, 0, 30.123456789012345, 1e-9), shapely.Polygon(ring.exterior)], dtype=object)
    extra = np.arange(5.0)

    def task(p, x):
        return (p, x, "tile 3")

    back = _unpacked(_packed(task, polys, extra))
    assert shapely.to_wkb(back[0]).tolist() == shapely.to_wkb(polys).tolist()
    assert back[1] is extra and back[2] == "tile 3"
    empty = _unpacked(_packed(task, np.zeros(0, dtype=object), extra))
    assert empty[0].size == 0 and empty[0].dtype == object
    assert _unpacked(_packed(lambda: None)) is None


def test_map_tasks_names_packed_tasks_after_their_function(cluster):
    from ecogis.partition import _packed

    def tile(k):
        return (np.array([shapely.box(0, 0, k, k)], dtype=object), k)

    with distributed.Client(cluster) as client, distributed.get_task_stream(client=client) as stream:
        out = map_tasks(tile, [(1,), (2,)], scheduler=cluster.scheduler_address, polygons_first=True)
    assert [o[1] for o in out] == [1, 2] and [o[0][0].area for o in out] == [1.0, 4.0]
    assert sum("tile" in str(t["key"]) for t in stream.data) == 2
    assert _packed.__name__ not in " ".join(str(t["key"]) for t in stream.data)
