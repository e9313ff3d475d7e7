"""The plan-aware audit: targets joined with check results; missing layers are named, not fatal."""

from __future__ import annotations

from dataclasses import dataclass

import geopandas as gpd
import pytest
import shapely

from ecogis.audit import run_audit, run_check
from ecogis.errors import InputError
from ecogis.layerset import LayerSet, load_sample

#: which metrics need which layer (independent of the code: read off the checks' definitions)
NEEDS_BUS_STOPS = {"area_share", "population_share", "harbour_stop_share", "accessible_platform_share"}
NEEDS_AIR_STATIONS = {"pm25_mean_ugm3", "pm10_mean_ugm3", "stations_over_target"}


@dataclass(frozen=True)
class FakeTarget:
    id: str
    check: str | None
    metric: str | None
    comparator: str
    value: float | None
    spatial: bool = True
    plan: str = "test-plan"
    city: str = "测试市"
    document: str = "测试〔2025〕1号"
    clause: str = "一、(一)"
    quote: str = "<script>alert(1)</script> 覆盖率达到100%"
    indicator: str = "stop_coverage"
    indicator_zh: str = "公交站点500米覆盖率"
    scope: str | None = "中心城区"
    year: int = 2025
    unit: str = "share"
    params: tuple = ()

    def meets(self, measured):
        if measured is None:
            return None
        return {">=": lambda: measured >= self.value, "<=": lambda: measured <= self.value,
                "<": lambda: measured < self.value, "zero": lambda: measured == 0,
                "not_decrease": lambda: measured >= 0}[self.comparator]()


def _one_stop_layers() -> LayerSet:
    """A 10 km x 10 km central city with one stop at its centre: coverage = pi 500^2 / 1e8."""
    area = gpd.GeoDataFrame({"id": ["a"], "name": ["中心城区"], "scope": ["中心城区"]},
                            geometry=[shapely.box(495_000, 3_711_000, 505_000, 3_721_000)], crs=4547)
    stops = gpd.GeoDataFrame({"id": ["s"], "name": ["站"]}, geometry=[shapely.Point(500_000, 3_716_000)], crs=4547)
    return LayerSet({"study_area": area, "bus_stops": stops}, name="one stop")


def test_met_not_met_and_not_measurable_from_independent_truth():
    import math

    share = math.pi * 500**2 / 1e8  # 0.00785...
    targets = [
        FakeTarget("low", "coverage", "area_share", ">=", 0.0078),
        FakeTarget("high", "coverage", "area_share", ">=", 0.0079),
        FakeTarget("pop", "coverage", "population_share", ">=", 0.5),
        FakeTarget("survey", None, None, ">=", 0.9, spatial=False),
        FakeTarget("no-check", None, None, ">=", 0.9),
        FakeTarget("water", "sections", "compliance_rate", ">=", 1.0),
    ]
    audit = run_audit(_one_stop_layers(), targets=targets)
    by_id = {o.target.id: o for o in audit.outcomes}
    assert by_id["low"].status == "met" and by_id["high"].status == "not_met"
    assert by_id["low"].measured == pytest.approx(share, rel=1e-3)
    assert by_id["pop"].status == "not_measurable" and "population" in by_id["pop"].reason
    assert by_id["survey"].status == "not_measurable" and "not spatial" in by_id["survey"].reason
    assert by_id["no-check"].status == "not_measurable" and "no check" in by_id["no-check"].reason
    assert by_id["water"].status == "not_measurable" and "sections" in by_id["water"].reason
    assert audit.counts() == {"met": 1, "not_met": 1, "not_measurable": 4}


def test_unknown_check_and_plan_named():
    with pytest.raises(InputError, match="check was 'nope' but is expected to be one of"):
        run_check("nope", _one_stop_layers())


@pytest.mark.sample
@pytest.mark.parametrize("missing,dependent", [("bus_stops", NEEDS_BUS_STOPS), ("air_stations", NEEDS_AIR_STATIONS)])
def test_missing_layer_marks_exactly_the_targets_that_need_it(missing, dependent):
    sample = load_sample().without("air_daily")  # the daily records would stand in for the air stations
    full = {o.target.id: o for o in run_audit(sample).outcomes}
    partial = {o.target.id: o for o in run_audit(sample.without(missing)).outcomes}
    assert full.keys() == partial.keys() and len(full) > 10
    changed = 0
    for tid, before in full.items():
        after = partial[tid]
        if before.target.metric in dependent and before.status != "not_measurable":
            assert after.status == "not_measurable", tid
            assert missing in after.reason, (tid, after.reason)
            changed += 1
        else:
            assert after.status == before.status, (tid, before.status, after.status, after.reason)
            assert after.measured == before.measured
    assert changed >= 1


@pytest.mark.sample
def test_sample_audit_has_every_status():
    audit = run_audit(load_sample())
    counts = audit.counts()
    assert counts["met"] >= 1 and counts["not_met"] >= 1 and counts["not_measurable"] >= 1
    statuses = {o.target.metric: o.status for o in audit.outcomes if o.target.check == "coverage"}
    # the sample's central city is deliberately not fully covered
    assert statuses.get("area_share") == "not_met"


@pytest.mark.sample
def test_named_section_targets_are_measured_on_their_own_sections():
    """'沙河、澧河国控断面 ≥ III' is rated on exactly those sections, against III, not the layer's targets."""
    sample = load_sample()
    audit = run_audit(sample, plans=["luohe-eco-2023"])
    by_id = {o.target.id: o for o in audit.outcomes}
    classified = audit.results["sections"].layers["sections_classified"]
    rank = {"I": 1, "II": 2, "III": 3, "IV": 4, "V": 5, "劣V": 6}
    picked = classified[classified["river"].isin(["沙河", "澧河"]) & (classified["level"] == "国控")]
    expected = sum(rank[c] <= 3 for c in picked["measured_class"]) / len(picked)
    sha_li = by_id["luohe-eco-2023/sha-li-national-sections-class-iii-2023"]
    assert sha_li.measured == pytest.approx(expected) and len(picked) == 3
    assert sha_li.status == ("met" if expected == 1.0 else "not_met")
    # a river the layers do not have is named, with the rivers they do have
    sanli = by_id["luohe-eco-2023/sanlihe-class-iv-2023"]
    assert sanli.status == "not_measurable" and "三里河" in sanli.reason and "沙河" in sanli.reason


def test_each_target_of_an_unmeasurable_check_gets_its_own_reason():
    """Stops without harbour / accessible fields and no routes: every bus target names what it lacks."""
    targets = [FakeTarget("h", "bus-indicators", "harbour_stop_share", ">=", 0.32),
               FakeTarget("a", "bus-indicators", "accessible_platform_share", ">=", 0.2),
               FakeTarget("l", "bus-indicators", "bus_lines", ">=", 35)]
    by_id = {o.target.id: o for o in run_audit(_one_stop_layers(), targets=targets).outcomes}
    assert by_id["h"].reason == "field 'harbour' missing in layer 'bus_stops'"
    assert by_id["a"].reason == "field 'accessible' missing in layer 'bus_stops'"
    assert by_id["l"].reason == "layer 'bus_routes' missing"
    assert {o.status for o in by_id.values()} == {"not_measurable"}


def test_targets_with_different_check_params_get_their_own_runs():
    """Luohe counts boilers within 30 km of a CHP plant, Sanmenxia within 15 km: one layer set, two answers."""
    plant = shapely.Point(500_000, 3_716_000)
    facilities = gpd.GeoDataFrame({"id": ["P", "B"], "kind": ["chp_plant", "coal_boiler"], "capacity_mw": [600, None]},
                                  geometry=[plant, shapely.Point(500_000, 3_736_000)], crs=4547)  # 20 km apart
    layers = LayerSet({"facilities": facilities}, name="boilers")
    targets = [FakeTarget("r30", "boilers", "coal_boilers_near_chp", "zero", None, params=(("radius_m", 30000.0),)),
               FakeTarget("r15", "boilers", "coal_boilers_near_chp", "zero", None, params=(("radius_m", 15000.0),))]
    audit = run_audit(layers, targets=targets)
    by_id = {o.target.id: o for o in audit.outcomes}
    assert (by_id["r30"].status, by_id["r30"].measured) == ("not_met", 1.0)
    assert (by_id["r15"].status, by_id["r15"].measured) == ("met", 0.0)
    assert sorted(audit.results) == ["boilers@radius_m=15000", "boilers@radius_m=30000"]
    with pytest.raises(InputError, match="not parameters of check 'coverage'"):
        run_check("coverage", layers, params={"radius_m": 1})


def test_a_target_without_a_check_gives_the_registrys_reason():
    """A spatial target the registry says no check measures carries that reason (``no_check``), not
    the generic one."""
    from ecogis.audit import _outcome
    from ecogis.targets import load_targets

    t = next(t for t in load_targets() if t.spatial and t.check is None and t.no_check)
    o = _outcome(t, {}, {}, {})
    assert o.status == "not_measurable" and o.reason.endswith(t.no_check), o.reason
