"""Reports: JSON keys, Markdown and HTML (escaped), refusal to overwrite."""

from __future__ import annotations

import json

import pytest

from ecogis.audit import run_audit
from ecogis.errors import OutputExistsError
from ecogis.report import write_report
from tests.test_audit import FakeTarget, _one_stop_layers

KEYS = {"document", "clause", "indicator", "year", "target", "measured", "status"}


def _audit():
    return run_audit(_one_stop_layers(), targets=[
        FakeTarget("t1", "coverage", "area_share", ">=", 1.0),
        FakeTarget("t2", None, None, ">=", 0.9, spatial=False, indicator_zh="乘客满意度 <b>bold</b>"),
    ])


def test_report_files_and_json_keys(tmp_path):
    paths = write_report(_audit(), tmp_path / "r", maps=False)
    data = json.loads(paths["json"].read_text(encoding="utf-8"))
    assert len(data["targets"]) == 2
    for item in data["targets"]:
        assert KEYS <= set(item)
    assert [t["status"] for t in data["targets"]] == ["not_met", "not_measurable"]
    md = paths["md"].read_text(encoding="utf-8")
    assert "测试〔2025〕1号" in md and "未达标" in md


def test_html_escapes_everything(tmp_path):
    paths = write_report(_audit(), tmp_path / "r", maps=False)
    page = paths["html"].read_text(encoding="utf-8")
    assert "<script>" not in page and "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert "<b>bold</b>" not in page and "&lt;b&gt;bold&lt;/b&gt;" in page


def test_refuses_to_overwrite(tmp_path):
    write_report(_audit(), tmp_path / "r", maps=False)
    with pytest.raises(OutputExistsError, match="--overwrite"):
        write_report(_audit(), tmp_path / "r", maps=False)
    write_report(_audit(), tmp_path / "r", maps=False, overwrite=True)


def test_methods_section_and_repeat_line_are_escaped(tmp_path):
    audit = _audit()
    result = next(iter(audit.results.values()))
    result.parameters["note"] = "<script>alert(3)</script>"
    result.warnings.append("<img src=x onerror=alert(4)>")
    paths = write_report(audit, tmp_path / "r", maps=False, lang="en")  # the checks' notes are in English
    page = paths["html"].read_text(encoding="utf-8")
    assert "How the checks were run" in page and "radius_m" in page
    assert "<script>alert(3)" not in page and "&lt;script&gt;alert(3)" in page
    assert "<img src=x" not in page and "&lt;img src=x onerror=alert(4)&gt;" in page
    data = json.loads(paths["json"].read_text(encoding="utf-8"))
    assert data["repeat"].startswith("ecogis audit") and "--plan test-plan" in data["repeat"]
    assert data["ecogis_version"] and data["generated_at"][:4].isdigit()
    assert data["repeat"] in page.replace("&#x27;", "'") and data["repeat"] in paths["md"].read_text(encoding="utf-8")
