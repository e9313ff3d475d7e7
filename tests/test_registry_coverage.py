"""Registry coverage: every spatial target of the five plans has a check, or says why none measures it.

Targets that a check will measure once it exists stay ``spatial = false`` until the check is
written (then they get ``spatial``, ``check`` and ``metric`` together), so neither test below
changes when a branch flags its targets: a spatial target with a check is never a gap.
"""

from __future__ import annotations

import re
import unicodedata

import pytest
from tests.conftest import REPO

from ecogis.errors import TargetsError
from ecogis.targets import Target, get, load_targets, plans, spatial_gaps, spatial_gaps_table

DOC = REPO / "docs" / "targets.md"
BLOCK = re.compile(r"<!-- spatial-gaps-table:[^\n]*-->\n(.*?)\n<!-- /spatial-gaps-table -->", re.S)


@pytest.fixture(scope="module")
def registry() -> list[Target]:
    return load_targets()


def _gaps_by_hand(registry: list[Target]) -> dict[str, list[str]]:
    """Brute force, independent of ecogis.targets.spatial_gaps: spatial, no check, no reason."""
    out: dict[str, list[str]] = {p: [] for p in plans()}
    for t in registry:
        if t.spatial and not t.check and not (t.no_check or "").strip():
            out[t.plan].append(t.id)
    return out


def test_no_spatial_target_lacks_both_a_check_and_a_reason(registry):
    gaps = {plan: ids for plan, ids in _gaps_by_hand(registry).items() if ids}
    assert not gaps, ("spatial targets without a check and without `no_check` (give the check and metric, or "
                      f"say in no_check why no layer measures it): {gaps}")


def test_spatial_gaps_agrees_with_brute_force(registry):
    by_hand = _gaps_by_hand(registry)
    got = spatial_gaps(registry)
    assert set(got) == set(by_hand) == set(plans())
    for plan, g in got.items():
        assert g["without_reason"] == by_hand[plan]
        assert g["with_reason"] == [t.id for t in registry if t.plan == plan and t.spatial and not t.check
                                    and t.no_check]


def test_spatial_gaps_finds_a_target_without_a_reason(tmp_path):
    """The test above can fail: a spatial target with neither check nor reason is reported."""
    f = tmp_path / "x-2025.toml"
    f.write_text('''[plan]
id = "x-2025"
city = "某市"
city_en = "X"
document = "某政〔2025〕1号"
title = "t"

[[targets]]
id = "x-2025/a"
clause = "一"
quote = "新增公交线路7条"
indicator = "new_bus_lines"
indicator_zh = "新增公交线路"
scope = "全市"
year = 2025
comparator = ">="
value = 7
unit = "count"
spatial = true

[[targets]]
id = "x-2025/b"
clause = "一"
quote = "新增公交线路7条"
indicator = "new_bus_lines"
indicator_zh = "新增公交线路"
scope = "全市"
year = 2025
comparator = ">="
value = 7
unit = "count"
spatial = true
no_check = "bus_routes carries no opening date"
''', encoding="utf-8")
    ts = load_targets([f])
    assert spatial_gaps(ts) == {"x-2025": {"without_reason": ["x-2025/a"], "with_reason": ["x-2025/b"]}}
    assert "| `x-2025` | 1 | 1 |" in spatial_gaps_table(ts)


def test_no_check_only_on_spatial_targets_without_a_check(tmp_path):
    f = tmp_path / "y-2025.toml"
    f.write_text('''[plan]
id = "y-2025"
city = "某市"
city_en = "Y"
document = "某政〔2025〕2号"
title = "t"

[[targets]]
id = "y-2025/a"
clause = "一"
quote = "PM2.5浓度达到39微克/立方米"
indicator = "pm25_annual_mean"
indicator_zh = "PM2.5"
scope = "全市"
year = 2025
comparator = "<="
value = 39
unit = "ug/m3"
spatial = true
check = "air"
metric = "pm25_mean_ugm3"
no_check = "the air stations are not in any layer"

[[targets]]
id = "y-2025/b"
clause = "一"
quote = "优良天数达到248天"
indicator = "good_air_days"
indicator_zh = "优良天数"
scope = "全市"
year = 2025
comparator = ">="
value = 248
unit = "days"
spatial = false
no_check = "counted by the monitoring network"

[[targets]]
id = "y-2025/c"
clause = "一"
quote = "优良天数达到248天"
indicator = "good_air_days"
indicator_zh = "优良天数"
scope = "全市"
year = 2025
comparator = ">="
value = 248
unit = "days"
spatial = true
no_check = "x"
''', encoding="utf-8")
    with pytest.raises(TargetsError) as e:
        load_targets([f])
    text = str(e.value)
    assert "y-2025/a: no_check" in text and "`check` is 'air'" in text
    assert "y-2025/b: no_check" in text and "spatial = false" in text
    assert "y-2025/c: no_check" in text  # too short to say why (schema minLength)


def test_the_docs_gap_table_is_the_registrys():
    """docs/targets.md shows the table spatial_gaps_table() generates, so it cannot go stale."""
    m = BLOCK.search(DOC.read_text(encoding="utf-8"))
    assert m, f"{DOC} has no <!-- spatial-gaps-table --> block"
    assert m.group(1).strip() == spatial_gaps_table().strip(), (
        "docs/targets.md's gap table is stale: regenerate it with "
        "python -c 'from ecogis.targets import spatial_gaps_table; print(spatial_gaps_table())'")
    total = re.search(r"^\| \*\*total\*\* \| \*\*(\d+)\*\* \| \*\*(\d+)\*\* \|$", m.group(1), re.M)
    assert total and int(total.group(1)) == 0


# --- the targets this branch added or flagged (read off the seeds by hand) --------------------
def test_pingdingshan_note_section_target():
    t = get("pingdingshan-eco-14fyp/huihe-shuizhai-quzhuang-class-iv-2025")
    assert (t.document, t.clause, t.year, t.comparator, t.value, t.unit) == (
        "平顶山市“十四五”生态环境保护和生态经济发展规划", "表1 注1", 2025, ">=", 1.0, "share")
    assert (t.check, t.metric, t.water_class) == ("sections", "share_meeting_class", "IV")
    assert dict(t.select) == {"river": ("灰河",), "name": ("叶县水寨屈庄", "水寨屈庄")}
    assert "由Ⅴ类提升至Ⅳ类" in t.quote


def test_sanmenxia_industrial_park_stations():
    t = get("sanmenxia-pollution-2018/industrial-park-air-stations-2019")
    assert (t.document, t.clause, t.year, t.comparator, t.value, t.unit, t.spatial, t.check) == (
        "三政办〔2018〕35号", "二、(五)37(1)", 2019, ">=", 1.0, "share", True, None)
    assert t.no_check and "产业集聚区" in t.no_check


@pytest.mark.parametrize("tid, clause", [
    ("luohe-air-2024/small-coal-boilers-2025", "三、(三)"),
    ("sanmenxia-pollution-2018/coal-boilers-35t-2020", "二、(一)4"),
])
def test_small_coal_boilers_are_spatial_with_a_reason(tid, clause):
    t = get(tid)
    assert (t.clause, t.spatial, t.check, t.comparator) == (clause, True, None, "zero")
    assert "35" in unicodedata.normalize("NFKC", t.quote) and "蒸吨" in t.no_check


def test_flagging_targets_with_a_check_leaves_the_gap_table_unchanged(registry):
    """What another branch does (spatial = false -> spatial = true with a check) changes no gap count."""
    from dataclasses import replace

    flagged = [replace(t, spatial=True, check="sections", metric="compliance_rate") if not t.spatial else t
               for t in registry]
    assert sum(t.spatial for t in flagged) > sum(t.spatial for t in registry)
    assert spatial_gaps_table(flagged) == spatial_gaps_table(registry)


# --- the clauses of the added and flagged targets, read off the seed's headings ------------------
def _seed(name: str) -> str:
    from tests.test_targets import SEEDS

    if not SEEDS.is_dir():
        pytest.skip(f"{SEEDS} absent: the source texts are not shipped with the package")
    return re.sub(r"[ \t\u3000]+", "", (SEEDS / name).read_text(encoding="utf-8"))


def _last(pattern: str, text: str) -> str:
    found = re.findall(pattern, text)
    return found[-1] if found else ""


@pytest.mark.parametrize("tid", ["sanmenxia-pollution-2018/industrial-park-air-stations-2019",
                                 "sanmenxia-pollution-2018/coal-boilers-35t-2020",
                                 "sanmenxia-pollution-2018/township-air-stations-2018"])
def test_sanmenxia_clause_is_the_headings_above_the_quote(tid):
    """三政办〔2018〕35号 numbers 二、 / （一） / 37. / (1): the last of each before the quote make the clause."""
    t = get(tid)
    seed = _seed("003_347aadccea15ec2f.txt")
    at = seed.find(re.sub(r"\s+", "", t.quote))
    assert at > 0, t.quote
    before = seed[:at]
    part = _last(r"\n([一二三四五六七八])、", before)
    section = _last(r"（([一二三四五六七八九十])）", before)
    item = _last(r"\n(\d+)\.", before)
    sub = ""
    after_item = before[before.rfind(f"\n{item}."):]
    m = re.findall(r"[(（](\d)[)）]", after_item)
    if m:
        sub = f"({m[-1]})"
    assert t.clause == f"{part}、({section}){item}{sub}"


def test_pingdingshan_note_is_note_1_under_table_1():
    t = get("pingdingshan-eco-14fyp/huihe-shuizhai-quzhuang-class-iv-2025")
    seed = _seed("004_1a386cf513562057.txt")
    at = seed.find(re.sub(r"\s+", "", t.quote))
    assert at > 0
    note = seed.rfind("注：1.", 0, at)
    assert note > 0 and "2.“—”" not in seed[note:at]  # inside note 1
    last_row = seed.rfind("生态保护红线面积", 0, note)  # row 25, the last of table 1 (表1 指标25)
    assert 0 < note - last_row < 60


@pytest.mark.parametrize("name, measured, met", [
    ("水寨屈庄断面", "IV", True),      # a trailing 断面 is ignored, the county may be left out
    ("叶县水寨屈庄", "III", True),
    ("叶县水寨屈庄", "V", False),      # the 2020 class: not yet raised
])
def test_pingdingshan_note_target_measured_on_a_hand_made_layer(name, measured, met):
    import geopandas as gpd
    import shapely

    from ecogis.water import share_meeting_class

    t = get("pingdingshan-eco-14fyp/huihe-shuizhai-quzhuang-class-iv-2025")
    sections = gpd.GeoDataFrame({"river": ["灰河", "沙河", "灰河"], "name": [name, "叶县水寨屈庄", "别的断面"],
                                 "measured_class": [measured, "劣V", "劣V"]},
                                geometry=[shapely.Point(0, 0)] * 3, crs=4547)
    share, reason = share_meeting_class(sections, water_class=t.water_class,
                                        select={f: list(v) for f, v in t.select})
    assert reason is None and share == (1.0 if met else 0.0)
    assert t.meets(share) is met
