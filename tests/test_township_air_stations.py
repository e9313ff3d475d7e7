"""Check ``township-air-stations``: townships with an air-quality station inside (三政办〔2018〕35号 二、(五)37(1)).

The truth is counted by hand for built layers and by brute force (every station against every township
through GEOS ``intersects``) on the sample.
"""

from __future__ import annotations

import json

import geopandas as gpd
import pytest
import shapely
from click.testing import CliRunner

from ecogis.audit import run_audit, run_check
from ecogis.checks import CHECKS
from ecogis.cli.main import cli
from ecogis.errors import NotMeasurableError
from ecogis.layerset import LayerSet, load_sample
from ecogis.targets import get

CRS = 4547


def _towns() -> gpd.GeoDataFrame:
    """Three 1 km townships side by side (T1 | T2 | T3) and the city around them (not a township)."""
    boxes = [shapely.box(500_000 + 1000 * i, 3_700_000, 501_000 + 1000 * i, 3_701_000) for i in range(3)]
    return gpd.GeoDataFrame({"id": ["T1", "T2", "T3", "C"], "name": ["甲镇", "乙乡", "丙镇", "市域"],
                             "scope": ["乡镇", "乡镇", "乡镇", "市域"]},
                            geometry=boxes + [shapely.box(490_000, 3_690_000, 520_000, 3_710_000)], crs=CRS)


def _stations(points: list[tuple[float, float]], crs=CRS) -> gpd.GeoDataFrame:
    n = len(points)
    return gpd.GeoDataFrame({"id": [f"A{i}" for i in range(n)], "name": [f"站{i}" for i in range(n)],
                             "pm25_ugm3": [40.0] * n},
                            geometry=[shapely.Point(p) for p in points], crs=crs)


def test_counts_the_townships_with_a_station_by_hand():
    # A0 inside T1, A1 on the T2 | T3 edge (both count), A2 in the city outside every township
    st = _stations([(500_500, 3_700_500), (502_000, 3_700_500), (510_000, 3_705_000)])
    r = run_check("township-air-stations", LayerSet({"study_area": _towns(), "air_stations": st}))
    assert r.metrics == {"townships_total": 3, "townships_with_station": 3, "townships_without_station": 0,
                         "share_townships_with_station": 1.0, "stations_in_townships": 3}
    assert r.violations.empty
    st = _stations([(500_500, 3_700_500), (500_600, 3_700_600)])  # two in T1, none in T2 and T3
    r = run_check("township-air-stations", LayerSet({"study_area": _towns(), "air_stations": st}))
    assert (r.metrics["townships_with_station"], r.metrics["share_townships_with_station"]) == (1, pytest.approx(1 / 3))
    assert sorted(r.violations["id"]) == ["T2", "T3"] and set(r.violations["severity"]) == {"error"}
    layer = r.layers["station_townships"].set_index("id")
    assert layer.loc["T1", "stations_inside"] == 2 and not layer.loc["T2", "has_station"]


def test_stations_in_another_crs_are_counted_where_they_are():
    st = _stations([(500_500, 3_700_500)]).to_crs(4490)  # geographic, as a CSV of stations would be
    r = run_check("township-air-stations", LayerSet({"study_area": _towns(), "air_stations": st}))
    assert r.metrics["townships_with_station"] == 1 and sorted(r.violations["id"]) == ["T2", "T3"]


def test_a_study_area_without_townships_is_not_measurable():
    no_towns = _towns().assign(scope="区")
    with pytest.raises(NotMeasurableError, match="乡镇"):
        run_check("township-air-stations",
                  LayerSet({"study_area": no_towns, "air_stations": _stations([(500_500, 3_700_500)])}))


def test_a_stations_layer_without_a_located_station_is_not_measurable_not_zero():
    empty = _stations([]).set_crs(CRS, allow_override=True)
    nowhere = _stations([(500_500, 3_700_500)]).assign(geometry=[shapely.Point()])  # rows without a point
    for st in (empty, nowhere):
        with pytest.raises(NotMeasurableError, match="air_stations"):
            run_check("township-air-stations", LayerSet({"study_area": _towns(), "air_stations": st}))


@pytest.mark.sample
def test_the_sample_agrees_with_brute_force_and_the_sanmenxia_target_is_measured():
    sample = load_sample()
    r = run_check("township-air-stations", sample)
    sa = sample.get("study_area")
    towns = sa[sa["scope"] == "乡镇"]
    st = sample.get("air_stations").to_crs(towns.crs)
    truth = [any(shapely.intersects(t, s) for s in st.geometry) for t in towns.geometry]
    assert r.metrics["townships_total"] == len(towns) == 5
    assert r.metrics["townships_with_station"] == sum(truth)
    assert sorted(r.violations["id"]) == sorted(towns["id"][[not x for x in truth]])
    audit = run_audit(sample, plans=["sanmenxia-pollution-2018"], progress=False)
    target = get("sanmenxia-pollution-2018/township-air-stations-2018")
    outcome = next(o for o in audit.outcomes if o.target.id == target.id)
    assert outcome.measured == pytest.approx(sum(truth) / len(towns))
    assert outcome.status == ("met" if all(truth) else "not_met")


def test_the_generic_command_prints_the_headline(tmp_path):
    st = _stations([(500_500, 3_700_500)])
    _towns().to_file(tmp_path / "study_area.gpkg", layer="study_area", driver="GPKG")
    st.to_file(tmp_path / "air_stations.gpkg", layer="air_stations", driver="GPKG")
    out = tmp_path / "r.json"
    res = CliRunner().invoke(cli, ["check", "township-air-stations", "--layers", str(tmp_path), "--json", str(out)])
    assert res.exit_code == 0, res.output
    assert "townships_with_station: 1" in res.output and "townships_total: 3" in res.output
    assert json.loads(out.read_text(encoding="utf-8"))["metrics"]["townships_without_station"] == 2
    assert CHECKS["township-air-stations"].command is None  # no click module of its own
