"""The targets registry: it validates, its quotes are in the plans' text, and its loader reports every problem."""

from __future__ import annotations

import math
import re
import unicodedata
from pathlib import Path

import pytest

from ecogis.errors import InputError, TargetsError
from ecogis.targets import (
    CHECK_METRICS,
    COMPARATORS,
    Target,
    get,
    load_targets,
    packaged_target_files,
    plans,
    select,
)
from tests.conftest import REPO

SEEDS = REPO.parent / "shared" / "seeds"
#: plan id -> the OCR'd source text it was read from (see ../shared/seeds/README.md)
SEED_OF_PLAN = {
    "luohe-transit-2023": "000_0ad2dffa9f8c5620.txt",
    "luohe-eco-2023": "000_0ad2dffa9f8c5620.txt",
    "luohe-air-2024": "001_0a4562a8ae54747d.txt",
    "xingyang-eco-2024": "002_2c1a20807c4047f0.txt",
    "sanmenxia-pollution-2018": "003_347aadccea15ec2f.txt",
    "pingdingshan-eco-14fyp": "004_1a386cf513562057.txt",
}
#: the private-use glyph the OCR of 漯政〔2024〕6号 prints for the decimal point
OCR_DOT = "\U001001b0"
#: words standing for "all" where a share of 1.0 is not printed as 100 %
ALL_WORDS = ("全部", "全覆盖", "所有", "全面")


def _no_space(text: str) -> str:
    return re.sub(r"\s+", "", text)


def _normalised(text: str) -> str:
    """Whitespace removed, full-width digits and letters folded (NFKC), the OCR dot read as '.'."""
    return _no_space(unicodedata.normalize("NFKC", text)).replace(OCR_DOT, ".")


@pytest.fixture(scope="module")
def registry() -> list[Target]:
    return load_targets()


def _seed_text(name: str) -> str:
    if not SEEDS.is_dir():
        pytest.skip(f"{SEEDS} absent: the source texts are not shipped with the package")
    return (SEEDS / name).read_text(encoding="utf-8")


# --- the registry as shipped ---------------------------------------------------------------
def test_registry_validates_and_has_every_plan(registry):
    assert {t.plan for t in registry} == set(SEED_OF_PLAN)
    assert len(registry) > 300
    info = plans()
    assert set(info) == set(SEED_OF_PLAN)
    for pid, p in info.items():
        assert p.n_targets == len(select(registry, plan=pid)) > 0
        assert p.n_checked == sum(t.check is not None for t in registry if t.plan == pid)
        assert str(p).startswith(p.city)
    assert sorted(p.name for p in packaged_target_files()) == sorted(f"{pid}.toml" for pid in SEED_OF_PLAN)


def test_ids_unique_and_prefixed(registry):
    ids = [t.id for t in registry]
    assert len(ids) == len(set(ids))
    assert all(t.id.startswith(t.plan + "/") for t in registry)


def test_fields_are_consistent(registry):
    for t in registry:
        assert t.comparator in COMPARATORS, t.id
        assert 2015 <= t.year <= 2035, t.id
        if t.comparator in ("zero", "not_decrease"):
            assert t.value is None, t.id
        elif t.value is None:
            assert "no figure" in (t.notes or "").lower(), t.id
        if t.unit == "share" and t.value is not None:
            assert 0.0 <= t.value <= 1.0, t.id
        if not t.spatial:
            assert t.check is None and t.metric is None, t.id
        if t.check is not None:
            assert t.metric in CHECK_METRICS[t.check], t.id
        assert "〔" in t.document or "规划" in t.document, t.id
        assert not re.search(r"[\[\]【】]", t.document), t.id


def test_check_names_are_the_audits():
    from ecogis.audit import CHECK_RUNNERS
    from ecogis.checks import CHECKS

    assert list(CHECK_METRICS) == list(CHECK_RUNNERS) == list(CHECKS)


@pytest.mark.parametrize("plan", sorted(SEED_OF_PLAN))
def test_every_quote_is_in_its_seed(registry, plan):
    seed = _no_space(_seed_text(SEED_OF_PLAN[plan]))
    missing = [(t.id, t.quote) for t in registry if t.plan == plan and _no_space(t.quote) not in seed]
    assert not missing


@pytest.mark.parametrize("plan", sorted(SEED_OF_PLAN))
def test_every_document_number_is_in_its_seed(registry, plan):
    seed = _normalised(_seed_text(SEED_OF_PLAN[plan])).replace("[", "〔").replace("]", "〕")
    for doc in {t.document for t in registry if t.plan == plan}:
        assert _normalised(doc) in seed, doc


def test_each_value_appears_in_its_quote(registry):
    unchecked = []
    for t in registry:
        if t.value is None:
            continue
        if t.notes and "Value implied" in t.notes:  # a figure the text implies but does not print ("实现", "确保")
            unchecked.append(t.id)
            continue
        quote = _normalised(t.quote)
        shown = t.value * 100 if t.unit == "share" else t.value
        text = f"{shown:.6g}"
        if t.unit == "share" and t.value == 1.0 and any(w in quote for w in ALL_WORDS):
            continue
        assert text in quote, (t.id, text, t.quote)
    # implied values stay the exception (most are "面积不减少": net change >= 0)
    assert len(unchecked) < 30, unchecked


# --- what the issue requires ---------------------------------------------------------------
def test_luohe_22_stop_coverage_2025():
    t = get("luohe-transit-2023/stop-coverage-500m-2025")
    assert (t.document, t.clause, t.scope, t.year) == ("漯政办〔2023〕22号", "二、(二)2", "中心城区", 2025)
    assert (t.comparator, t.value, t.unit, t.check, t.metric) == (">=", 1.0, "share", "coverage", "area_share")
    assert "500米覆盖率达到100%" in t.quote
    bus = {x.metric: x.value for x in select(plan="luohe-transit-2023", check="bus-indicators")}
    assert bus == {"harbour_stop_share": 0.32, "bus_lane_km": 30.0, "priority_intersection_share": 0.2,
                   "accessible_platform_share": 0.2, "bus_lines": 35.0}
    assert {x.indicator for x in select(plan="luohe-transit-2023", spatial=False)} >= {
        "passenger_satisfaction", "departure_punctuality"}


# read off 漯政办〔2023〕24号 二(一) by hand
LUOHE_24_AIR = {2023: (47.0, 81.0, 0.685), 2024: (42.5, 74.0, 0.72), 2025: (38.5, 68.0, 0.75)}


@pytest.mark.parametrize("year", sorted(LUOHE_24_AIR))
def test_luohe_24_air_targets_by_year(year):
    pm25, pm10, good = LUOHE_24_AIR[year]
    got = {t.indicator: t for t in select(plan="luohe-eco-2023", year=year) if t.clause == "二、(一)"}
    assert (got["pm25_annual_mean"].comparator, got["pm25_annual_mean"].value) == ("<", pm25)
    assert (got["pm10_annual_mean"].comparator, got["pm10_annual_mean"].value) == ("<", pm10)
    assert got["good_air_day_ratio"].value == good and not got["good_air_day_ratio"].spatial
    assert got["pm25_annual_mean"].document == "漯政办〔2023〕24号"


def test_luohe_24_agrees_with_the_air_module():
    """A second, independent transcription of the same clause (ecogis.air) must agree."""
    from ecogis.air import LUOHE_PM_TARGETS

    for year, pm in LUOHE_PM_TARGETS.items():
        got = {t.metric: t.value for t in select(plan="luohe-eco-2023", year=year, check="air")}
        assert got == {"pm25_mean_ugm3": pm["pm25_ugm3"], "pm10_mean_ugm3": pm["pm10_ugm3"]}


def test_luohe_24_water_and_6_air():
    water = {t.metric: t for t in select(plan="luohe-eco-2023", check="sections")}
    assert water["compliance_rate_national"].year == 2023 and water["share_worse_than_v"].comparator == "zero"
    assert get("luohe-eco-2023/water-source-zone-conflicts-2023").metric == "violations"
    t = get("luohe-air-2024/pm25-2025")
    assert (t.document, t.clause, t.comparator, t.value) == ("漯政〔2024〕6号", "一、(二)", "<", 38.5)
    assert get("luohe-air-2024/good-air-days-2025").value == 0.75


def test_xingyang_2025():
    t = get("xingyang-eco-2024/pm25-2025")
    assert (t.document, t.year, t.comparator, t.value, t.metric) == ("荥政办〔2024〕1号", 2025, "<=", 39.0,
                                                                     "pm25_mean_ugm3")
    assert get("xingyang-eco-2024/good-air-days-2025").value == 248
    assert {t.year for t in select(plan="xingyang-eco-2024")} == {2025}


def test_sanmenxia_2018_2019_2020():
    pm = {t.year: t.value for t in select(plan="sanmenxia-pollution-2018", check="air")
          if t.indicator == "pm25_annual_mean"}
    assert pm == {2018: 57.0, 2019: 54.0, 2020: 50.0}
    pm10 = {t.year: t.value for t in select(city="三门峡市", check="air") if t.indicator == "pm10_annual_mean"}
    assert pm10 == {2018: 97.0, 2019: 95.0, 2020: 92.0}
    days = {t.year: t.value for t in select(city="Sanmenxia") if t.indicator == "good_air_days"}
    assert days == {2018: 227, 2019: 241, 2020: 256}
    shares = {t.year: t.value for t in select(plan="sanmenxia-pollution-2018", check="sections")
              if t.metric == "share_class_iii_or_better"}
    assert shares == {2018: 0.532, 2019: 0.574, 2020: 0.70}
    farms = get("sanmenxia-pollution-2018/livestock-in-forbidden-zones-2020")
    assert (farms.check, farms.metric, farms.comparator) == ("control-zones", "livestock_in_forbidden_zone", "zero")


def test_pingdingshan_indicator_table():
    rows = [t for t in select(plan="pingdingshan-eco-14fyp") if t.clause.startswith("表1 指标")]
    assert sorted(int(t.clause.split("指标")[1]) for t in rows) == list(range(1, 26))
    assert all(t.year == 2025 for t in rows)
    red = get("pingdingshan-eco-14fyp/eco-redline-area-2025")
    assert (red.clause, red.comparator, red.value, red.check, red.metric) == (
        "表1 指标25", "not_decrease", None, "redline-change", "net_m2")
    assert red.meets(0.0) and red.meets(12.5) and not red.meets(-0.01)


# --- Target.meets --------------------------------------------------------------------------
def _t(comparator: str, value: float | None, unit: str = "share") -> Target:
    return Target(id="p/x", plan="p", city="测试市", city_en="Test", document="测〔2025〕1号", clause="一", quote="测试",
                  indicator="x", indicator_zh="测", scope="全市", year=2025, comparator=comparator, value=value,
                  unit=unit, spatial=True)


@pytest.mark.parametrize("comparator,value,measured,expected", [
    (">=", 0.32, 0.32, True), (">=", 0.32, 0.3199, False),
    ("<=", 39.0, 39.0, True), ("<=", 39.0, 39.01, False),
    ("<", 38.5, 38.5, False), ("<", 38.5, 38.49, True),
    (">", 500.0, 500.0, False), (">", 500.0, 500.1, True),
    ("==", 0.1 + 0.2, 0.3, True), ("==", 1.0, 0.99, False),
    ("zero", None, 0, True), ("zero", None, 1, False), ("zero", None, 0.0, True),
    ("not_decrease", None, 0.0, True), ("not_decrease", None, 1e6, True), ("not_decrease", None, -1.0, False),
])
def test_meets_per_comparator(comparator, value, measured, expected):
    assert _t(comparator, value).meets(measured) is expected


def test_meets_without_measurement_or_figure():
    assert _t(">=", 1.0).meets(None) is None
    assert _t(">=", 1.0).meets(math.nan) is None
    assert _t(">=", None).meets(0.5) is None  # the plan gives no figure
    assert get("pingdingshan-eco-14fyp/pm25-2025").meets(30.0) is None


# --- select / get / plans ------------------------------------------------------------------
def test_select_and_get(registry):
    luohe = select(registry, city="Luohe")
    assert {t.plan for t in luohe} == {"luohe-transit-2023", "luohe-eco-2023", "luohe-air-2024"}
    assert select(registry, city="漯河市") == luohe
    both = select(registry, year=[2018, 2019])
    assert {t.year for t in both} == {2018, 2019} and {t.plan for t in both} == {"sanmenxia-pollution-2018"}
    spatial = select(registry, spatial=True)
    assert spatial and all(t.spatial for t in spatial)
    assert all(t.check == "air" for t in select(registry, check="air"))
    with pytest.raises(InputError, match="closest") as exc:
        get("luohe-transit-2023/stop-coverage-2025")
    assert "stop-coverage-500m-2025" in str(exc.value)


def test_load_from_a_directory_and_plans_of_paths(tmp_path):
    src = next(p for p in packaged_target_files() if p.name == "xingyang-eco-2024.toml")
    (tmp_path / "x.toml").write_text(src.read_text(encoding="utf-8"), encoding="utf-8")
    got = load_targets(tmp_path)
    assert [t.id for t in got] == [t.id for t in select(plan="xingyang-eco-2024")]
    assert plans(tmp_path)["xingyang-eco-2024"].n_targets == len(got)
    (tmp_path / "empty").mkdir()
    with pytest.raises(InputError, match="no TOML targets file"):
        load_targets(tmp_path / "empty")
    with pytest.raises(InputError, match="do not exist"):
        load_targets(tmp_path / "missing.toml")


# --- malformed files: one error listing every problem -------------------------------------
GOOD_PLAN = """
[plan]
id = "test-plan"
city = "测试市"
city_en = "Test"
document = "测政〔2025〕1号"
title = "测试规划"
"""

BAD_TARGETS = """
[[targets]]
id = "test-plan/ok"
clause = "一、(一)"
quote = "覆盖率达到100%"
indicator = "stop_coverage_500m"
indicator_zh = "覆盖率"
scope = "中心城区"
year = 2025
comparator = ">="
value = 1.0
unit = "share"
spatial = true
check = "coverage"
metric = "area_share"

[[targets]]
id = "test-plan/no-clause"
quote = "xx"
indicator = "a"
indicator_zh = "甲"
scope = "全市"
year = 2025
comparator = "=>"
value = 1.0
unit = "share"
spatial = false

[[targets]]
id = "test-plan/bad-check"
clause = "一"
quote = "xx"
indicator = "b"
indicator_zh = "乙"
scope = "全市"
year = 2025
comparator = ">="
value = 75
unit = "share"
spatial = true
check = "coverag"
metric = "area_share"

[[targets]]
id = "test-plan/bad-metric"
clause = "一"
quote = "xx"
indicator = "c"
indicator_zh = "丙"
scope = "全市"
year = 2025
comparator = "zero"
value = 0
unit = "count"
spatial = false
check = "air"
metric = "pm25"

[[targets]]
id = "other-plan/ok"
clause = "一"
quote = "xx"
indicator = "d"
indicator_zh = "丁"
scope = "全市"
year = 2025
comparator = ">="
unit = "km"
spatial = true

[[targets]]
id = "test-plan/check-without-value"
clause = "一"
quote = "xx"
indicator = "e"
indicator_zh = "戊"
scope = "全市"
year = 2025
comparator = "<="
unit = "ug/m3"
spatial = true
check = "air"
metric = "pm25_mean_ugm3"
notes = "No figure: 完成省定目标."
"""


def test_malformed_files_raise_one_error_listing_every_problem(tmp_path):
    (tmp_path / "a_broken.toml").write_text('[plan\nid = "x"\n', encoding="utf-8")
    (tmp_path / "b_bad.toml").write_text(GOOD_PLAN + BAD_TARGETS, encoding="utf-8")
    dup = GOOD_PLAN.replace('"test-plan"', '"test-plan-2"') + BAD_TARGETS.split("\n[[targets]]\nid = \"test-plan/no")[0]
    (tmp_path / "c_dup.toml").write_text(dup, encoding="utf-8")
    with pytest.raises(TargetsError) as exc:
        load_targets(tmp_path)
    problems = {(Path(p.file).name, p.target, p.field) for p in exc.value.problems}
    expected = {
        ("a_broken.toml", None, None),                          # TOML syntax
        ("b_bad.toml", "test-plan/no-clause", "clause"),         # missing required field
        ("b_bad.toml", "test-plan/no-clause", "comparator"),     # unknown comparator
        ("b_bad.toml", "test-plan/bad-check", "check"),          # unknown check (with a hint)
        ("b_bad.toml", "test-plan/bad-check", "value"),          # share given as 75
        ("b_bad.toml", "test-plan/bad-metric", "metric"),        # metric not of the check
        ("b_bad.toml", "test-plan/bad-metric", "value"),         # zero takes no value
        ("b_bad.toml", "test-plan/bad-metric", "check"),         # spatial = false with a check
        ("b_bad.toml", "other-plan/ok", "id"),                   # id not prefixed by the plan id
        ("b_bad.toml", "other-plan/ok", "value"),                # no value and no notes
        ("b_bad.toml", "test-plan/check-without-value", "check"),  # a check with nothing to compare
        ("c_dup.toml", "test-plan/ok", "id"),                    # duplicate id across files
    }
    assert expected <= problems, expected - problems
    text = str(exc.value)
    assert text.count("\n") == len(exc.value.problems)  # one line per problem under the heading
    assert "did you mean 'coverage'" in text
    assert "`comparator` was '=>' but is expected to be one of" in text
    assert "a_broken.toml" in text and "is not valid TOML" in text


def test_valid_custom_file_loads(tmp_path):
    good = GOOD_PLAN + BAD_TARGETS.split("\n[[targets]]\nid = \"test-plan/no")[0]
    (tmp_path / "t.toml").write_text(good, encoding="utf-8")
    (t,) = load_targets(tmp_path / "t.toml")
    assert (t.city, t.document, t.value, t.meets(1.0), t.meets(0.99)) == ("测试市", "测政〔2025〕1号", 1.0, True, False)


# --- the checks really produce the metrics the registry names -----------------------------
@pytest.mark.sample
def test_every_metric_is_produced_by_its_check_on_the_sample():
    from ecogis.audit import run_check
    from ecogis.layerset import load_sample

    from ecogis.errors import NotMeasurableError

    sample = load_sample()
    for check, metrics in CHECK_METRICS.items():
        try:
            result = run_check(check, sample, scope="中心城区")
        except NotMeasurableError as exc:  # the sample lacks what the check needs: every metric says why
            assert set(metrics) <= set(exc.reasons), (check, exc.reasons)
            continue
        for metric in metrics:
            if metric == "share_meeting_class":  # computed per target from the classified sections
                assert "measured_class" in result.layers["sections_classified"]
                continue
            assert metric in result.metrics or metric in result.not_measurable, (check, metric)


def test_section_targets_name_their_sections_and_class():
    t = get("luohe-eco-2023/sha-li-national-sections-class-iii-2023")
    assert (t.check, t.metric, t.water_class) == ("sections", "share_meeting_class", "III")
    assert dict(t.select) == {"river": ("沙河", "澧河"), "level": ("国控",)}
    for fld in ("river", "level"):
        assert all(v in t.quote for v in dict(t.select)[fld])  # the selection is read off the quote


def test_water_class_and_select_rules(tmp_path):
    bad = tmp_path / "bad.toml"
    bad.write_text('''[plan]
id = "x-2025"
city = "某市"
city_en = "X"
document = "某〔2025〕1号"
title = "t"

[[targets]]
id = "x-2025/a"
clause = "一"
quote = "确保某河水质达到Ⅲ类"
indicator = "a"
indicator_zh = "甲"
scope = "某河"
year = 2025
comparator = ">="
value = 1.0
unit = "share"
spatial = true
check = "sections"
metric = "share_meeting_class"

[[targets]]
id = "x-2025/b"
clause = "一"
quote = "确保某河水质达到Ⅲ类"
indicator = "b"
indicator_zh = "乙"
scope = "某河"
year = 2025
comparator = ">="
value = 0.5
unit = "share"
spatial = true
check = "air"
metric = "pm25_mean_ugm3"
water_class = "VI"
select = { river = ["某河"] }
''', encoding="utf-8")
    with pytest.raises(TargetsError) as e:
        load_targets([bad])
    text = str(e.value)
    assert "x-2025/a" in text and "`water_class` is missing" in text
    assert "x-2025/b" in text and "goes with check 'sections'" in text and "'VI'" in text



def test_the_docs_table_counts_the_registry():
    """docs/targets.md's table of plans says what the registry holds (targets, spatial, with a check)."""
    import re

    from tests.conftest import REPO

    text = (REPO / "docs" / "targets.md").read_text(encoding="utf-8")
    rows = re.findall(r"^\| `([a-z0-9-]+)` \|.*\| (\d+) \| (\d+) \| (\d+) \|$", text, re.M)
    assert len(rows) == len(plans())
    targets = load_targets()
    for plan, n, spatial, checked in rows:
        mine = [t for t in targets if t.plan == plan]
        assert (int(n), int(spatial), int(checked)) == (
            len(mine), sum(t.spatial for t in mine), sum(t.check is not None for t in mine)), plan
