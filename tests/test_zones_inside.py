"""ecogis.zones_inside against brute-force shapely predicates, zone picking, refusals, and the CLI."""

from __future__ import annotations

import json
from pathlib import Path

import geopandas as gpd
import numpy as np
import pytest
import shapely
from click.testing import CliRunner

from ecogis.cli.main import cli
from ecogis.errors import InputError, NotMeasurableError
from ecogis.zones_inside import facilities_in_zones, select_zones, split_values

X0, Y0 = 500_000.0, 3_700_000.0
CRS = "EPSG:4547"
KINDS = ["risk_source", "kiln", "gas_producer", "enterprise"]


def gdf(rows, geoms, crs=CRS):
    return gpd.GeoDataFrame(rows, geometry=geoms, crs=crs)


@pytest.fixture(scope="module")
def random_case():
    rng = np.random.default_rng(14)
    zones = [shapely.Point(X0 + x, Y0 + y).buffer(r, quad_segs=8)
             for x, y, r in zip(rng.uniform(0, 10_000, 12), rng.uniform(0, 10_000, 12), rng.uniform(300, 1500, 12))]
    zones.append(shapely.box(X0 + 2000, Y0 + 2000, X0 + 3000, Y0 + 3000))
    z = gdf({"id": [f"Z{i}" for i in range(len(zones))], "name": [f"区{i}" for i in range(len(zones))]}, zones)
    pts = [shapely.Point(X0 + x, Y0 + y) for x, y in zip(rng.uniform(0, 10_000, 300), rng.uniform(0, 10_000, 300))]
    pts += [shapely.Point(X0 + 3000, Y0 + 2500), shapely.Point(X0 + 2000, Y0 + 2000)]  # on an edge, on a corner
    polys = [shapely.box(X0 + x, Y0 + y, X0 + x + 150, Y0 + y + 100)
             for x, y in zip(rng.uniform(0, 10_000, 60), rng.uniform(0, 10_000, 60))]
    polys.append(shapely.box(X0 + 3000, Y0 + 2200, X0 + 3100, Y0 + 2300))  # touches the square's edge only
    geoms = pts + polys
    f = gdf({"id": [f"F{i}" for i in range(len(geoms))], "name": [None] * len(geoms),
             "kind": [KINDS[i % 4] for i in range(len(geoms))]}, geoms)
    return f, z


def brute_force(f, z, kinds):
    union_parts = list(z.geometry)
    out = set()
    for fid, kind, g in zip(f["id"], f["kind"], f.geometry):
        if kind not in kinds:
            continue
        for zg in union_parts:
            if g.geom_type == "Point" and zg.intersects(g):
                out.add(fid)
            elif g.geom_type != "Point" and zg.intersects(g) and zg.intersection(g).area > 0:
                out.add(fid)
    return out


@pytest.mark.parametrize("kinds", [["risk_source"], ["kiln", "gas_producer"], KINDS])
def test_inside_equals_brute_force(random_case, kinds):
    f, z = random_case
    r = facilities_in_zones(f, z, kinds=kinds)
    truth = brute_force(f, z, kinds)
    assert set(r.violations["id"]) == truth
    assert r.metrics["facilities_inside"] == len(truth) > 0
    assert r.metrics["facilities_checked"] == int(f["kind"].isin(kinds).sum())
    assert r.metrics["zones_checked"] == len(z)


def test_edges_count_for_points_not_for_touching_footprints(random_case):
    f, z = random_case
    r = facilities_in_zones(f, z)
    ids = set(r.violations["id"])
    n_pts = 302
    assert {f"F{n_pts - 2}", f"F{n_pts - 1}"} <= ids  # the edge and the corner point
    assert f"F{len(f) - 1}" not in ids  # the footprint touching the edge only


def test_depth_inside_of_a_point_is_its_distance_to_the_edge():
    z = gdf({"id": ["Z"]}, [shapely.box(X0, Y0, X0 + 1000, Y0 + 1000)])
    f = gdf({"id": ["R"], "kind": ["risk_source"]}, [shapely.Point(X0 + 100, Y0 + 500)])
    r = facilities_in_zones(f, z, kinds="risk_source")
    assert r.violations["distance_inside_m"].iloc[0] == pytest.approx(100.0)
    # the same in lon/lat in, metres out
    r2 = facilities_in_zones(f.to_crs(4490), z.to_crs(4490), kinds="risk_source")
    assert r2.violations["distance_inside_m"].iloc[0] == pytest.approx(100.0, abs=0.01)


def test_refusals():
    z = gdf({"id": ["Z"]}, [shapely.box(X0, Y0, X0 + 1000, Y0 + 1000)])
    f = gdf({"id": ["E"], "kind": ["enterprise"]}, [shapely.Point(X0 + 10, Y0 + 10)])
    with pytest.raises(InputError, match="not facility kinds"):
        facilities_in_zones(f, z, kinds=["chimney"])
    with pytest.raises(NotMeasurableError, match="no facility of kind"):  # 0 inside would say nothing
        facilities_in_zones(f, z, kinds=["kiln"])
    with pytest.raises(InputError, match="zone_kind"):
        facilities_in_zones(f, z, zone_kind="rivers")


def test_select_zones_by_value_and_by_part_of_the_name():
    z = gdf({"id": ["A", "B", "C"], "name": ["南水北调中线总干渠一级保护区", "澧河水源地二级保护区", "南水北调中线总干渠二级保护区"],
             "level": ["一级", "二级", "二级"]}, [shapely.box(X0 + i, Y0, X0 + i + 1, Y0 + 1) for i in range(3)])
    assert select_zones(z, "name", "南水北调")["id"].tolist() == ["A", "C"]
    assert select_zones(z, "level", "一级、二级")["id"].tolist() == ["A", "B", "C"]
    assert select_zones(z, None, None)["id"].tolist() == ["A", "B", "C"]
    with pytest.raises(NotMeasurableError, match="has no zone"):
        select_zones(z, "level", "准保护区")
    with pytest.raises(NotMeasurableError, match="no field"):
        select_zones(z, "zone_type", "禁燃区")
    assert split_values("a, b，c、") == ["a", "b", "c"]


def test_cli_facilities_in_zones_json(tmp_path):
    d = tmp_path / "set"
    d.mkdir()
    gpkg = d / "city.gpkg"
    gdf({"id": ["CZ1", "CZ2"], "name": ["供热", "禁燃"], "zone_type": ["集中供热区", "禁燃区"]},
        [shapely.box(X0, Y0, X0 + 1000, Y0 + 1000), shapely.box(X0 + 5000, Y0, X0 + 6000, Y0 + 1000)]
        ).to_file(gpkg, layer="control_zones", driver="GPKG")
    gdf({"id": ["K1", "K2", "K3"], "名称": ["窑一", "窑二", "窑三"], "类型": ["窑炉", "kiln", "工业窑炉"]},
        [shapely.Point(X0 + 500, Y0 + 500), shapely.Point(X0 + 5500, Y0 + 500), shapely.Point(X0 + 9000, Y0)]
        ).to_file(gpkg, layer="facilities", driver="GPKG")
    out = tmp_path / "k.json"
    r = CliRunner().invoke(cli, ["-q", "check", "facilities-in-zones", "--layers", str(d), "--kinds", "kiln",
                                 "--zone-kind", "control_zones", "--zone-field", "zone_type",
                                 "--zone-values", "heating_network", "--json", str(out)], catch_exceptions=False)
    assert r.exit_code == 0, r.output
    data = json.loads(Path(out).read_text(encoding="utf-8"))
    assert data["facilities_inside"] == 1 and data["facilities_checked"] == 3
    assert [i["id"] for i in data["items"]] == ["K1"]
