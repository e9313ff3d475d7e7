"""report.json: its JSON Schema (shipped in the package), schema_version, and reading it back (--previous)."""

from __future__ import annotations

import json
import math

import geopandas as gpd
import pytest
import shapely
from tests.test_audit import FakeTarget, _one_stop_layers

from ecogis.audit import run_audit
from ecogis.errors import InputError
from ecogis.layerset import LayerSet
from ecogis.report import write_report
from ecogis.report_schema import SCHEMA_VERSION, read_previous, report_problems, report_schema

SHARE = math.pi * 500**2 / 1e8  # one stop's 500 m disc in a 10 km square


def _targets():
    return [FakeTarget("p/cov", "coverage", "area_share", ">=", 0.012),
            FakeTarget("p/sat", None, None, ">=", 0.96, spatial=False, indicator="satisfaction"),
            FakeTarget("p/none", None, None, ">=", 0.5, spatial=False, indicator="other")]


def _two_stop_layers() -> LayerSet:
    ls = _one_stop_layers()
    stops = gpd.GeoDataFrame({"id": ["s", "t"], "name": ["站", "站2"]},
                             geometry=[shapely.Point(500_000, 3_716_000), shapely.Point(497_000, 3_716_000)], crs=4547)
    return LayerSet({"study_area": ls.get("study_area"), "bus_stops": stops}, name="two stops")


def _indicators(tmp_path, value):
    p = tmp_path / f"ind-{value}.csv"
    p.write_text(f"target,value,source\np/sat,{value},survey\n", encoding="utf-8")
    return p


def test_report_json_validates_against_the_shipped_schema(tmp_path):
    audit = run_audit(_one_stop_layers(), targets=_targets(), indicators=_indicators(tmp_path, "0.9"))
    doc = json.loads(write_report(audit, tmp_path / "r", maps=False)["json"].read_text(encoding="utf-8"))
    assert doc["schema_version"] == SCHEMA_VERSION == report_schema()["properties"]["schema_version"]["const"]
    assert report_problems(doc) == []
    by = {t["id"]: t for t in doc["targets"]}
    assert by["p/cov"]["source"] == "check" and by["p/sat"]["source"] == "reported"
    assert by["p/none"]["source"] is None and by["p/none"]["needs"] == ["indicators"]
    assert doc["by_source"] == {"check": 1, "records": 0, "reported": 1}
    # the schema can fail: a wrong status, a missing key, a string for a number
    bad = json.loads(json.dumps(doc))
    bad["targets"][0]["status"] = "ok"
    del bad["targets"][1]["source"]
    bad["targets"][2]["measured"] = "0.5"
    problems = report_problems(bad)
    assert len(problems) == 3 and any("'ok' is not one of" in p for p in problems)


@pytest.mark.sample
def test_the_sample_report_validates(tmp_path):
    from ecogis.layerset import load_sample

    doc = json.loads(write_report(run_audit(load_sample()), tmp_path / "r", maps=False)["json"].read_text("utf-8"))
    assert report_problems(doc) == []
    assert len(doc["targets"]) >= 150


def test_previous_diff_on_two_constructed_audits(tmp_path):
    first = run_audit(_one_stop_layers(), targets=_targets(), indicators=_indicators(tmp_path, "0.9"))
    old = write_report(first, tmp_path / "2024", maps=False)["json"]
    second = run_audit(_two_stop_layers(), targets=_targets(), indicators=_indicators(tmp_path, "0.97"), previous=old)
    by = {o.target.id: o for o in second.outcomes}
    assert by["p/cov"].previous == pytest.approx(SHARE, rel=1e-3)
    assert by["p/cov"].measured == pytest.approx(2 * SHARE, rel=1e-3)  # two discs 3 km apart do not overlap
    assert by["p/cov"].change == pytest.approx(SHARE, rel=1e-3)
    assert by["p/cov"].status == "met" and first.outcomes[0].status == "not_met"  # 0.0079 -> 0.0157 vs 0.012
    assert (by["p/sat"].previous, by["p/sat"].change) == (0.9, pytest.approx(0.07))
    assert by["p/none"].previous is None and by["p/none"].change is None
    doc = json.loads(write_report(second, tmp_path / "2025", maps=False)["json"].read_text(encoding="utf-8"))
    assert report_problems(doc) == [] and doc["previous_report"] == str(old)
    assert "--previous" in doc["repeat"]
    assert {t["id"]: t["change"] for t in doc["targets"]}["p/sat"] == pytest.approx(0.07)


def test_previous_refuses_what_is_not_an_ecogis_report(tmp_path):
    old = write_report(run_audit(_one_stop_layers(), targets=_targets(), indicators=False), tmp_path / "r",
                       maps=False)["json"]
    doc = json.loads(old.read_text(encoding="utf-8"))
    cases = {
        "geo.json": ('{"type": "FeatureCollection", "features": []}', "not an ecogis report"),
        "broken.json": ("{not json", "not a JSON file"),
        "future.json": (json.dumps({**doc, "schema_version": 99}), "schema_version 99"),
        "old.json": (json.dumps({k: v for k, v in doc.items() if k != "schema_version"}), "has no schema_version"),
        "bad.json": (json.dumps({**doc, "targets": [{"id": "x"}]}), "not a valid ecogis report"),
    }
    for name, (text, words) in cases.items():
        p = tmp_path / name
        p.write_text(text, encoding="utf-8")
        with pytest.raises(InputError, match=words):
            read_previous(p)
    with pytest.raises(InputError, match="no such file"):
        read_previous(tmp_path / "missing.json")
    assert read_previous(tmp_path / "r") == {"p/cov": pytest.approx(SHARE, rel=1e-3)}  # a directory: its report.json
