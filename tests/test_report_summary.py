"""The report's first screen (per-plan summary), its trajectory charts, and escaping of hostile reported text."""

from __future__ import annotations

import re
from html.parser import HTMLParser

import pytest
from tests.test_audit import FakeTarget, _one_stop_layers

from ecogis.audit import run_audit
from ecogis.report import render_html, render_markdown, write_report
from ecogis.report_chart import trajectory_svg
from ecogis.report_summary import plan_summaries, relative_gap, trajectories

HOSTILE = '<img src=x onerror=alert(1)> [x](javascript:alert(2)) | *b* </svg><script>alert(3)</script>'


def _targets():
    return [
        FakeTarget("p/a-2023", None, None, ">=", 0.50, spatial=False, indicator="rate", year=2023),
        FakeTarget("p/a-2024", None, None, ">=", 0.60, spatial=False, indicator="rate", year=2024),
        FakeTarget("p/a-2025", None, None, ">=", 0.80, spatial=False, indicator="rate", year=2025),
        FakeTarget("p/rank", None, None, "<=", 10, spatial=False, indicator="rank", unit="rank"),
        FakeTarget("p/zero", None, None, "zero", None, spatial=False, indicator="spills", unit="count"),
        FakeTarget("p/sect", "sections", "compliance_rate", ">=", 1.0),
        FakeTarget("p/survey", None, None, ">=", 0.9, spatial=False, indicator="survey"),
        FakeTarget("q/cov", "coverage", "area_share", ">=", 0.5, plan="other-plan"),
    ]


@pytest.fixture
def audit(tmp_path):
    p = tmp_path / "indicators.csv"
    p.write_text("target,value,source\n"
                 "p/a-2023,0.55,年报 2023\n"  # met
                 "p/a-2024,0.45,年报 2024\n"  # short by 0.15 / 0.60 = 25 %
                 "p/a-2025,0.60,年报 2025\n"  # short by 0.20 / 0.80 = 25 %
                 "p/rank,14,排名通报\n"  # 4 places over 10: 40 %
                 f"p/zero,3,\"{HOSTILE.replace(chr(34), '')}\"\n",  # not 0: no relative gap
                 encoding="utf-8")
    return run_audit(_one_stop_layers(), targets=_targets(), indicators=p)


def test_relative_gap_by_hand():
    assert relative_gap(">=", 0.8, 0.6) == pytest.approx(0.25)
    assert relative_gap("<", 38.5, 44.95) == pytest.approx(6.45 / 38.5)
    assert relative_gap(">=", 0.8, 0.9) == 0.0 and relative_gap("zero", None, 3) is None


def test_plan_summary_counts_gaps_and_missing_data(audit):
    by = {s.plan: s for s in plan_summaries(audit)}
    s = by["test-plan"]
    assert s.counts == {"met": 1, "not_met": 4, "not_measurable": 2} and s.total == 7
    assert s.by_source == {"check": 0, "records": 0, "reported": 5}
    # worst relative gap first (rank 40 %, then the two 25 % shares), the zero target after them
    assert [g.outcome.target.id for g in s.gaps] == ["p/rank", "p/a-2024", "p/a-2025", "p/zero"]
    assert [round(g.relative, 3) if g.relative is not None else None for g in s.gaps] == [0.4, 0.25, 0.25, None]
    assert s.gaps[-1].absolute == 3
    needs = {g.needs: [o.target.id for o in g.outcomes] for g in s.needs}
    assert needs == {("sections",): ["p/sect"], ("indicators",): ["p/survey"]}
    other = by["other-plan"]
    assert other.counts["not_met"] == 1 and other.by_source["check"] == 1  # pi 500^2 / 1e8 < 0.5


def test_first_screen_comes_first_in_html_and_markdown(audit):
    page = render_html(audit, lang="zh")
    assert page.index('class="plan"') < page.index("<table")
    assert "差 40.0%" in page and "图层「水质监测断面 (sections)」" in page
    md = render_markdown(audit, lang="en")
    assert md.index("Worst gaps to target") < md.index("| Status |")
    assert "off by 40.0%" in md and "measured rank 14, target ≤ rank 10" in md


def test_trajectory_chart_points_and_positions(audit):
    (tj,) = [t for t in trajectories(audit) if t.indicator == "rate"]
    assert [(y, v, m) for y, v, _c, m, _s, _p in tj.points] == [(2023, 0.5, 0.55), (2024, 0.6, 0.45), (2025, 0.8, 0.6)]
    svg = trajectory_svg(tj, "zh")
    assert svg.count("<rect") == 3 and svg.count("<circle") == 3 and "<script" not in svg
    # y grows downwards: the 2025 target (0.80) is drawn above the 2024 measured point (0.45)
    ys = {float(y) for y in re.findall(r'<rect x="[\d.]+" y="([\d.]+)"', svg)}
    cy = [float(y) for y in re.findall(r'cy="([\d.]+)"', svg)]
    assert min(ys) + 3 < cy[1]
    xs = [float(x) for x in re.findall(r'cx="([\d.]+)"', svg)]
    assert xs[0] < xs[1] < xs[2] and xs[1] - xs[0] == pytest.approx(xs[2] - xs[1])  # years evenly spaced
    assert "<svg" in render_html(audit) and len(trajectories(audit)) == 1  # one indicator has several years


class _Tags(HTMLParser):
    def __init__(self):
        super().__init__()
        self.tags, self.text = [], []

    def handle_starttag(self, tag, attrs):
        self.tags.append(tag)

    def handle_data(self, data):
        self.text.append(data)


def test_hostile_source_text_is_escaped_in_html_and_markdown(audit, tmp_path):
    hostile = HOSTILE.replace('"', "")
    for lang in ("zh", "en"):
        paths = write_report(audit, tmp_path / lang, maps=False, lang=lang)
        page = paths["html"].read_text(encoding="utf-8")
        parsed = _Tags()
        parsed.feed(page)
        assert not {"img", "script"} & set(parsed.tags)
        assert hostile in "".join(parsed.text)  # shown, as text
        md = paths["md"].read_text(encoding="utf-8")
        assert "<img" not in md and "<script" not in md and not re.search(r"(?<!\\)\]\(javascript", md)
        assert "&lt;img src=x onerror=alert(1)&gt; \\[x\\](javascript:alert(2)) \\| \\*b\\*" in md


def test_chart_escapes_its_texts():
    from ecogis.report_summary import Trajectory

    tj = Trajectory("p", "x", HOSTILE, "s", "share", ((2023, 0.5, ">=", 0.4, "not_met", 0.3),
                                                    (2024, 0.6, ">=", None, "not_measurable", None)))
    svg = trajectory_svg(tj, "en")
    parsed = _Tags()
    parsed.feed(svg)
    assert not {"img", "script"} & set(parsed.tags) and HOSTILE in "".join(parsed.text)
    assert svg.count("<circle") == 2  # one measured point, one previous ring; the 2024 target has no measure
