"""Report language: --lang zh is Chinese-only outside values, ids and units; --lang en has no Chinese fixed text.

The scan is independent of the translation table: it renders the sample's report and looks for ASCII words
(or, in English, CJK characters) that are not in any value the audit holds (documents, quotes, indicator
names, sources, layer names), not in an id (``<code>``), not a number and not a unit.
"""

from __future__ import annotations

import html
import re

import pytest
from click.testing import CliRunner

from ecogis import report_text
from ecogis.audit import run_audit
from ecogis.cli.main import cli
from ecogis.layerset import load_sample
from ecogis.report import render_html, render_markdown

#: unit spellings a report may print (symbols, not words to translate) and the tool's own name / files
UNITS_AND_NAMES = {"μg/m³", "g/m³", "km²", "km", "ecogis", "indicators.csv", "report.json"}
ASCII_WORD = re.compile(r"[A-Za-z][A-Za-z0-9_./²³-]*")
CJK = re.compile(r"[\u3400-\u9fff\uff01-\uff5e\u3000-\u303f]+")


@pytest.fixture(scope="module")
def audit():
    from ecogis.targets import load_targets

    luohe = [t.id for t in load_targets() if t.plan.startswith("luohe")]
    previous = {tid: 0.5 for tid in luohe[::3]}  # a previous value for every third target: the column and rings
    return run_audit(load_sample(), previous=previous)


def _values(audit, *, reasons: bool = False) -> str:
    """Every value the audit carries that the report may print verbatim (the English report: also the reasons,
    which the checks give in English and which name features)."""
    parts = [audit.layerset_name, audit.generated_at, audit.repeat_command(), audit.indicators_file or "",
             *audit.plans, *audit.results, *audit.failures]
    for o in audit.outcomes:
        d = o.to_dict()
        parts += [str(d[k]) for k in ("id", "plan", "document", "clause", "quote", "indicator", "indicator_zh",
                                      "scope", "reported_source", "reported_date", "map", "check", "metric")]
        parts += [str(n) for n in d["needs"]] + ([str(d["reason"])] if reasons else [])
    for r in audit.results.values():
        parts += [f"{k} {v}" for k, v in r.parameters.items()]
        parts += [str(w) for w in r.warnings] + [f"{k} {v}" for k, v in r.not_measurable.items()]
    from ecogis.targets import plans

    parts += [f"{p.title} {p.document}" for p in plans().values()]
    return " ".join(parts)


def _words(text: str, pattern: re.Pattern) -> set[str]:
    return set(pattern.findall(text))


def _html_text(page: str) -> str:
    """The page's text without styles, ids (<code>) and SVG titles; tags stripped, entities unescaped."""
    page = re.sub(r"<(style|code|title)\b[^>]*>.*?</\1>", " ", page, flags=re.S)
    return html.unescape(re.sub(r"<[^>]+>", " ", page))


def _md_text(text: str) -> str:
    text = re.sub(r"(`+)(.+?)\1", " ", text)  # code spans: ids, paths, the repeat command
    text = re.sub(r"\]\(<[^>]*>\)", "]", text).replace("<br>", " ")  # link targets, line breaks in cells
    return html.unescape(text.replace("\\", ""))


def _untranslated_ascii(text: str, values: str) -> set[str]:
    allowed = _words(values, ASCII_WORD) | UNITS_AND_NAMES
    return {w for w in _words(text, ASCII_WORD) if w not in allowed and w.strip("./-") not in allowed}


def test_zh_html_and_markdown_have_no_untranslated_word(audit):
    values = _values(audit)
    assert _untranslated_ascii(_html_text(render_html(audit, lang="zh")), values) == set()
    assert _untranslated_ascii(_md_text(render_markdown(audit, lang="zh")), values) == set()


def test_the_scan_catches_an_untranslated_string(audit, monkeypatch):
    monkeypatch.setitem(report_text.TEXT, "summary.gaps", ("Worst gaps", "Worst gaps"))
    monkeypatch.setitem(report_text.TEXT, "reason.not_spatial", ("not spatial", "not spatial"))
    values = _values(audit)
    assert {"Worst", "gaps"} <= _untranslated_ascii(_html_text(render_html(audit, lang="zh")), values)
    assert {"spatial"} <= _untranslated_ascii(_md_text(render_markdown(audit, lang="zh")), values)


def test_en_report_has_no_chinese_outside_values(audit):
    allowed = _words(_values(audit, reasons=True), CJK)
    for text in (_html_text(render_html(audit, lang="en")), _md_text(render_markdown(audit, lang="en"))):
        stray = {w for w in _words(text, CJK) if w not in allowed and not any(w in a for a in allowed)}
        assert stray == set()


def test_translation_table_is_complete_and_reasons_have_chinese_forms():
    for key, (zh, en) in report_text.TEXT.items():
        assert set(re.findall(r"{(\w+)}", zh)) == set(re.findall(r"{(\w+)}", en)), key
        if not key.startswith("unit."):
            assert zh and en, key
    d = {"reason": "no check measures it yet (a map can show its layers; ...)", "needs": ["indicators"]}
    assert report_text.reason_text(d, "zh").startswith("尚无核查方法")
    assert report_text.reason_text({"reason": "no `sections` layer", "needs": ["sections"]}, "zh") == \
        "缺少数据：图层「水质监测断面 (sections)」"
    assert report_text.reason_text({"reason": "anything new", "needs": []}, "zh") == "无法核查（详见 report.json）"


def test_number_formatting():
    f = report_text.fmt_value
    assert f(0.68549, "share") == "68.5%" and f(1.0, "share") == "100.0%"
    assert f(166_200_000.0, "m2", "zh") == "166.20 km²" and f(52_000.0, "m2", "zh") == "5.2 公顷"
    assert f(52_000.0, "m2", "en") == "5.2 ha" and f(34_000.0, "count") == "34,000"
    assert f(44.95, "ug/m3") == "44.95 μg/m³" and f(12, "days", "zh") == "12 天" and f(12, "days", "en") == "12 days"
    assert report_text.fmt_change(-0.0123, "share") == "−1.2%" and report_text.fmt_change(3.0, "rank", "en") == "+rank 3"


@pytest.mark.sample
def test_cli_lang_en_and_zh(tmp_path):
    for lang, title in (("zh", "规划目标核查报告"), ("en", "Plan targets audit report")):
        r = CliRunner().invoke(cli, ["audit", "--no-maps", "--lang", lang, "--out", str(tmp_path / lang)])
        assert r.exit_code == 0, r.output
        page = (tmp_path / lang / "report.html").read_text(encoding="utf-8")
        assert f"<h1>{title}</h1>" in page and f"# {title}" in (tmp_path / lang / "report.md").read_text("utf-8")
