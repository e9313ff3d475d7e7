"""ecogis.sewers: the share of a rectangle within d of a straight sewer main (analytic), combined and
unknown mains, townships with a plant (counted by hand), and ``ecogis check sewers`` on a tmp dir."""

from __future__ import annotations

import json
from pathlib import Path

import geopandas as gpd
import pytest
import shapely
from click.testing import CliRunner

from ecogis.cli.main import cli
from ecogis.errors import InputError
from ecogis.sewers import sewer_reach, townships_with_facility

X0, Y0 = 500_000.0, 3_700_000.0
CRS = "EPSG:4547"
W, H = 4000.0, 2000.0


def gdf(rows, geoms, crs=CRS):
    return gpd.GeoDataFrame(rows, geometry=geoms, crs=crs)


def area():
    return gdf({"name": ["建成区"]}, [shapely.box(X0, Y0, X0 + W, Y0 + H)])


def main_at(y, separated=True):
    """A straight main across the rectangle at height y, reaching 2 km beyond both sides."""
    return gdf({"id": ["M"], "separated": [separated]},
               [shapely.LineString([(X0 - 2000, Y0 + y), (X0 + W + 2000, Y0 + y)])])


@pytest.mark.parametrize("y, d, share", [
    (1000.0, 500.0, 2 * 500 * W / (W * H)),      # the band of width 2d, wholly inside
    (1000.0, 300.0, 2 * 300 * W / (W * H)),
    (200.0, 500.0, (200 + 500) * W / (W * H)),    # clipped by the lower edge
    (1000.0, 1500.0, 1.0),                          # the whole rectangle
])
def test_straight_main_across_a_rectangle(y, d, share):
    r = sewer_reach(main_at(y), area(), distance_m=d)
    assert r.metrics["share_within"] == pytest.approx(share, rel=1e-9)
    assert r.metrics["area_m2"] == pytest.approx(W * H)
    assert r.metrics["separated_km"] == pytest.approx((W + 4000) / 1000)


def test_combined_and_unknown_mains_do_not_count_as_separated():
    mains = gdf({"id": ["S", "C", "U"], "separated": [True, False, None]},
                [shapely.LineString([(X0 - 2000, Y0 + 500), (X0 + W + 2000, Y0 + 500)]),
                 shapely.LineString([(X0 - 2000, Y0 + 1500), (X0 + W + 2000, Y0 + 1500)]),
                 shapely.LineString([(X0 + 2000, Y0 - 100), (X0 + 2000, Y0 + H + 100)])])
    r = sewer_reach(mains, area(), distance_m=200)
    assert r.metrics["share_within"] == pytest.approx(400 * W / (W * H))
    # any main: two bands of 400 m and the vertical band of 400 m minus the two crossings
    assert r.metrics["share_within_any"] == pytest.approx((2 * 400 * W + 400 * H - 2 * 400 * 400) / (W * H))
    assert r.metrics["unknown_km"] == pytest.approx((H + 200) / 1000)
    assert any("no 雨污分流 status" in w for w in r.warnings)


def test_separated_read_from_分流_合流_and_bad_values_refused():
    from ecogis.catalogue import canonicalize

    raw = gdf({"管段编号": ["A", "B", "C"], "排水体制": ["分流制", "合流", "雨污分流"]},
              [shapely.LineString([(X0, Y0 + y), (X0 + W, Y0 + y)]) for y in (500, 1000, 1500)])
    mains, mapping = canonicalize(raw, "sewers")
    assert mapping == {"管段编号": "id", "排水体制": "separated"}
    assert mains["separated"].tolist() == [True, False, True]
    bad = mains.assign(separated=["分流", "maybe", True])
    with pytest.raises(InputError, match="maybe"):
        sewer_reach(bad, area())


def test_townships_with_a_plant_counted_by_hand():
    towns = gdf({"id": ["T1", "T2", "T3"], "name": ["甲镇", "乙镇", "丙乡"]},
                [shapely.box(X0, Y0, X0 + 1000, Y0 + 1000), shapely.box(X0 + 1000, Y0, X0 + 2000, Y0 + 1000),
                 shapely.box(X0 + 2000, Y0, X0 + 3000, Y0 + 1000)])
    fac = gdf({"id": ["P1", "P2", "E1"], "kind": ["sewage_plant", "sewage_plant", "enterprise"]},
              [shapely.Point(X0 + 500, Y0 + 500), shapely.Point(X0 + 1500, Y0 + 999.0),
               shapely.Point(X0 + 2500, Y0 + 500)])
    r = townships_with_facility(towns, fac)
    assert r.metrics == {"townships_total": 3, "townships_with_plant": 2, "townships_without_plant": 1,
                         "share_townships_with_plant": pytest.approx(2 / 3)}
    assert r.violations["id"].tolist() == ["T3"]
    assert r.layers["townships"]["has_plant"].tolist() == [True, True, False]


def test_cli_sewers_json(tmp_path):
    d = tmp_path / "set"
    d.mkdir()
    gpkg = d / "city.gpkg"
    towns = [shapely.box(X0 + 10_000, Y0, X0 + 11_000, Y0 + 1000), shapely.box(X0 + 12_000, Y0, X0 + 13_000, Y0 + 1000)]
    gdf({"id": ["B", "T1", "T2"], "name": ["建成区", "甲镇", "乙镇"], "scope": ["城市建成区", "乡镇", "乡镇"]},
        [shapely.box(X0, Y0, X0 + W, Y0 + H), *towns]).to_file(gpkg, layer="study_area", driver="GPKG")
    main_at(1000.0).to_file(gpkg, layer="sewers", driver="GPKG")
    gdf({"id": ["P"], "kind": ["污水处理设施"]}, [shapely.Point(X0 + 10_500, Y0 + 500)]).to_file(
        gpkg, layer="facilities", driver="GPKG")
    out = tmp_path / "s.json"
    r = CliRunner().invoke(cli, ["-q", "check", "sewers", "--layers", str(d), "--distance-m", "250",
                                 "--json", str(out)], catch_exceptions=False)
    assert r.exit_code == 0, r.output
    data = json.loads(Path(out).read_text(encoding="utf-8"))
    assert data["share_within"] == pytest.approx(2 * 250 * W / (W * H))
    assert (data["townships_total"], data["townships_with_plant"]) == (2, 1)
    assert [i["id"] for i in data["items"]] == ["T2"]


def test_mains_without_any_status_are_not_measurable_not_zero():
    from ecogis.errors import NotMeasurableError

    with pytest.raises(NotMeasurableError, match="unknown, not 0"):
        sewer_reach(main_at(1000.0, separated=None), area())
