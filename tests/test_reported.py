"""Reported figures (the indicators table) and their place in the audit: truth from the rows and targets."""

from __future__ import annotations

import math

import pytest
from tests.test_audit import FakeTarget, _one_stop_layers

from ecogis.audit import run_audit
from ecogis.errors import InputError
from ecogis.reported import find_indicators, read_indicators

SAT = "luohe-transit-2023/passenger-satisfaction-2025"  # >= 0.96 share
RANK = "air_quality_rank_168_cities"  # 2024: <= 120 in luohe-eco-2023 and luohe-air-2024


def _csv(tmp_path, text, name="indicators.csv", encoding="utf-8"):
    p = tmp_path / name
    p.write_bytes(text.encode(encoding))
    return p


def test_chinese_headers_percent_and_indicator_year(tmp_path):
    p = _csv(tmp_path, "目标,指标,年份,数值,来源,日期\n"
                       f"{SAT},,,97.5%,市交通运输局满意度调查,2025-12-01\n"
                       f",{RANK},2024,118,生态环境部通报,2025-01\n")
    figures = read_indicators(p)
    assert figures[SAT].value == 0.975 and figures[SAT].row == 2 and figures[SAT].date == "2025-12-01"
    # one indicator + year row measures the same figure in both plans that set it
    assert figures["luohe-eco-2023/air-rank-168-cities-2024"].value == 118
    assert figures["luohe-air-2024/air-rank-168-cities-2024"].value == 118
    assert not figures.warnings


def test_share_written_as_bare_percent_is_converted_with_a_warning(tmp_path):
    p = _csv(tmp_path, f"target,value,source\n{SAT},68.5,x\n")
    figures = read_indicators(p)
    assert figures[SAT].value == pytest.approx(0.685)
    assert "68.5 %" in figures.warnings[0] and "row 2" in figures.warnings[0]
    p = _csv(tmp_path, f"target,value,unit,source\n{SAT},0.685,share,x\n")
    assert read_indicators(p)[SAT].value == 0.685 and not read_indicators(p).warnings


@pytest.mark.parametrize("row, column, words", [
    ("luohe-eco-2023/nope-2025,1,x", "target", "no target of the registry"),
    (f"{SAT},abc,x", "value", "is expected to be a number"),
    (f"{SAT},150%,x", "value", "expected 0-1"),
    (f"{SAT},,x", "value", "empty"),
    (f"{SAT},0.9,", "source", "empty"),
    ("luohe-eco-2023/ozone-exceedance-days-2024,40%,x", "value", "unit mismatch"),
    ("luohe-eco-2023/air-rank-province-2024,0,x", "value", "rank starts at 1"),
])
def test_bad_rows_name_file_row_and_column(tmp_path, row, column, words):
    p = _csv(tmp_path, "target,value,source\n" + f"{SAT},0.97,ok\n" * (column != "target" and SAT not in row)
             + row + "\n")
    with pytest.raises(InputError) as e:
        read_indicators(p)
    msg = str(e.value)
    assert str(p) in msg and f"column '{column}'" in msg and words in msg
    assert "row 2" in msg or "row 3" in msg


def test_unit_column_mismatch_and_conversion(tmp_path):
    p = _csv(tmp_path, "target,value,unit,source\nluohe-eco-2023/ozone-exceedance-days-2024,40,%,x\n")
    with pytest.raises(InputError, match=r"row 2, column 'unit': unit mismatch.*'days'"):
        read_indicators(p)
    p = _csv(tmp_path, "target,value,unit,source\nluohe-eco-2023/rail-freight-increase-2025,2500000,吨,x\n")
    figures = read_indicators(p)
    assert figures["luohe-eco-2023/rail-freight-increase-2025"].value == 250.0  # 1e4 t
    assert "converted" in figures.warnings[0]


def test_duplicates_and_ambiguous_indicator_refused(tmp_path):
    p = _csv(tmp_path, f"target,indicator,year,value,source\n{SAT},,,0.97,a\n,passenger_satisfaction,2025,0.9,b\n")
    with pytest.raises(InputError, match="also given on row 2"):
        read_indicators(p)
    # two targets of one plan share the indicator and year (a national and a provincial count)
    two = [FakeTarget("p/national", None, None, ">=", 24, indicator="remediated", unit="count", year=2023),
           FakeTarget("p/provincial", None, None, ">=", 80, indicator="remediated", unit="count", year=2023)]
    p = _csv(tmp_path, "indicator,year,value,source\nremediated,2023,30,a\n")
    with pytest.raises(InputError, match=r"names 2 different targets \['p/national', 'p/provincial'\]; give `target`"):
        read_indicators(p, targets=two)


def test_missing_columns_named(tmp_path):
    p = _csv(tmp_path, f"target,value\n{SAT},0.9\n")
    with pytest.raises(InputError, match=r"lacks \['source'\]"):
        read_indicators(p)


def test_gbk_csv_and_excel_through_gdal(tmp_path):
    openpyxl = pytest.importorskip("openpyxl")
    p = _csv(tmp_path, f"目标,数值,来源\n{SAT},96.1%,满意度调查\n", encoding="gb18030")
    assert read_indicators(p)[SAT].source == "满意度调查"
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["目标", "数值", "来源"])
    ws.append([SAT, 0.961, "满意度调查"])
    ws.append(["luohe-eco-2023/air-rank-province-2023", 7, "省厅通报"])
    wb.save(tmp_path / "indicators.xlsx")
    figures = read_indicators(tmp_path / "indicators.xlsx")
    assert figures[SAT].value == 0.961 and figures["luohe-eco-2023/air-rank-province-2023"].row == 3
    assert find_indicators(tmp_path).name == "indicators.csv"
    (tmp_path / "old.xls").write_bytes(b"\xd0\xcf\x11\xe0 not really a workbook")
    with pytest.raises(InputError, match=r"old.xls: (this GDAL has no driver|cannot be read)"):
        read_indicators(tmp_path / "old.xls")
    (tmp_path / "indicators.geojson").write_text("{}", encoding="utf-8")
    with pytest.raises(InputError, match="expected as .csv, .xlsx or .xls"):
        read_indicators(tmp_path / "indicators.geojson")


# --- in the audit ---------------------------------------------------------------------------
def test_reported_value_that_meets_and_one_that_fails(tmp_path):
    targets = [FakeTarget("sat-a", None, None, ">=", 0.96, spatial=False, indicator="satisfaction_a"),
               FakeTarget("sat-b", None, None, ">=", 0.96, spatial=False, indicator="satisfaction_b"),
               FakeTarget("days", None, None, "<=", 40, spatial=False, indicator="ozone_days", unit="days")]
    p = _csv(tmp_path, "target,value,source\nsat-a,97%,调查 A\nsat-b,0.955,调查 B\ndays,41,监测站\n")
    audit = run_audit(_one_stop_layers(), targets=targets, indicators=p)
    by = {o.target.id: o for o in audit.outcomes}
    assert (by["sat-a"].status, by["sat-a"].source, by["sat-a"].measured) == ("met", "reported", 0.97)
    assert (by["sat-b"].status, by["sat-b"].measured) == ("not_met", 0.955)
    assert by["days"].status == "not_met" and by["days"].reported.source == "监测站"
    assert audit.counts_by_source() == {"check": 0, "records": 0, "reported": 3}
    d = by["sat-b"].to_dict()
    assert d["source"] == "reported" and d["reported_source"] == "调查 B" and d["difference"] is None


def test_measured_and_reported_disagree_measured_decides(tmp_path):
    share = math.pi * 500**2 / 1e8  # one stop in a 10 km square
    targets = [FakeTarget("cov", "coverage", "area_share", ">=", 0.005)]
    p = _csv(tmp_path, "target,value,source\ncov,0.001,公交公司报表\n")  # reported would fail the target
    o = run_audit(_one_stop_layers(), targets=targets, indicators=p).outcomes[0]
    assert o.status == "met" and o.source == "check"
    assert o.measured == pytest.approx(share, rel=1e-3) and o.reported.value == 0.001
    assert o.difference == pytest.approx(share - 0.001, rel=1e-3)
    assert o.to_dict()["difference"] == pytest.approx(share - 0.001, rel=1e-3)


def test_not_measurable_targets_say_what_data_they_need():
    targets = [FakeTarget("pop", "coverage", "population_share", ">=", 0.5),
               FakeTarget("sect", "sections", "compliance_rate", ">=", 1.0),
               FakeTarget("survey", None, None, ">=", 0.9, spatial=False)]
    by = {o.target.id: o for o in run_audit(_one_stop_layers(), targets=targets, indicators=False).outcomes}
    assert by["sect"].needs == ("sections",)
    assert by["survey"].needs == ("indicators",)
    assert by["pop"].needs  # the population raster is an optional input: the check names it


# --- the sample ------------------------------------------------------------------------------
@pytest.mark.sample
def test_sample_audit_measures_most_luohe_targets_from_the_right_source(tmp_path):
    import json

    from click.testing import CliRunner

    from ecogis.cli.main import cli
    from ecogis.layerset import sample_dir
    from ecogis.targets import load_targets

    r = CliRunner().invoke(cli, ["audit", "--no-maps", "--out", str(tmp_path / "r")])
    assert r.exit_code == 0, r.output
    doc = json.loads((tmp_path / "r" / "report.json").read_text(encoding="utf-8"))
    luohe = [t for t in load_targets() if t.plan.startswith("luohe")]
    by = {t["id"]: t for t in doc["targets"]}
    assert set(by) == {t.id for t in luohe}
    measured = [t for t in by.values() if t["status"] != "not_measurable"]
    assert len(measured) >= 0.85 * len(luohe), (len(measured), len(luohe))
    assert {t["status"] for t in measured if t["source"] == "reported"} == {"met", "not_met"}
    for t in luohe:  # a target a check on layers measures is never taken from a reported figure
        if t.check and t.spatial:
            assert by[t.id]["source"] in ("check", None), t.id
        if by[t.id]["source"] == "reported":
            assert by[t.id]["reported_source"].endswith("（示意）")  # labelled illustrative
    rows = (sample_dir() / "indicators.csv").read_text(encoding="utf-8")
    assert "good_air_day_ratio" not in rows and "good-air-days" not in rows  # records give it, not a report
    assert doc["by_source"]["reported"] == sum(t["source"] == "reported" for t in measured)


def test_cli_indicators_and_previous_errors_exit_2(tmp_path):
    from click.testing import CliRunner

    from ecogis.cli.main import cli

    bad = _csv(tmp_path, "target,value,source\nluohe-eco-2023/nope,1,x\n", name="bad.csv")
    r = CliRunner().invoke(cli, ["audit", "--no-maps", "--indicators", str(bad), "--out", str(tmp_path / "r")])
    assert r.exit_code == 2 and "bad.csv: row 2, column 'target'" in r.output
    geo = tmp_path / "old.json"
    geo.write_text('{"type": "FeatureCollection", "features": []}', encoding="utf-8")
    r = CliRunner().invoke(cli, ["audit", "--no-maps", "--previous", str(geo), "--out", str(tmp_path / "r2")])
    assert r.exit_code == 2 and "not an ecogis report" in r.output
    assert not (tmp_path / "r" / "report.json").exists() and not (tmp_path / "r2" / "report.json").exists()


def test_validate_skips_exactly_the_indicators_tables():
    from ecogis import validate
    from ecogis.reported import INDICATORS_FILENAMES

    assert set(validate._NOT_LAYERS) == set(INDICATORS_FILENAMES)
