"""A small inline SVG chart of one indicator's yearly targets and measured values (no script, no CDN).

Every text in the SVG is escaped; the chart is a plain ``<svg>`` element the HTML report inlines.

Examples
--------
>>> from ecogis.report_summary import Trajectory
>>> t = Trajectory("p", "pm25", "PM2.5", "市区", "ug/m3",
...                ((2023, 47.0, "<", 44.9, "met", None), (2025, 38.5, "<", 44.9, "not_met", None)))
>>> svg = trajectory_svg(t)
>>> svg.startswith("<svg") and svg.count("<circle") == 2 and "<script" not in svg
True
"""

from __future__ import annotations

import html
from typing import Any

from ecogis.report_text import fmt_number, fmt_value, tr

__all__ = ["trajectory_svg", "STATUS_COLOURS"]

#: colours of the measured points by status (and of the report's badges)
STATUS_COLOURS = {"met": "#1a7f37", "not_met": "#cf222e", "not_measurable": "#6e7781"}

_W, _H = 320, 150
_LEFT, _RIGHT, _TOP, _BOTTOM = 64, 14, 12, 24


def _scale(lo: float, hi: float, a: float, b: float):
    span = (hi - lo) or 1.0
    return lambda v: a + (v - lo) / span * (b - a)


def trajectory_svg(traj: Any, lang: str = "zh") -> str:
    """The chart of a :class:`~ecogis.report_summary.Trajectory`: the targets as a dashed line with squares,
    measured values as dots coloured by status, previous values as rings."""
    e = html.escape
    points = traj.points
    years = [p[0] for p in points]
    values = [v for p in points for v in (p[1], p[3], p[5]) if v is not None]
    if not values:
        values = [0.0, 1.0]
    lo, hi = min(values), max(values)
    pad = (hi - lo) * 0.15 or abs(hi) * 0.1 or 1.0
    lo, hi = lo - pad, hi + pad
    if traj.unit == "share":
        lo, hi = max(0.0, lo), min(1.0, hi) if hi <= 1.0 + pad else hi
    y0, y1 = min(years) - 0.5, max(years) + 0.5
    sx = _scale(y0, y1, _LEFT, _W - _RIGHT)
    sy = _scale(lo, hi, _H - _BOTTOM, _TOP)
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{_W}" height="{_H}" viewBox="0 0 {_W} {_H}" '
             f'role="img" class="trajectory"><title>{e(str(traj.indicator_zh))}</title>',
             f'<line x1="{_LEFT}" y1="{_TOP}" x2="{_LEFT}" y2="{_H - _BOTTOM}" stroke="#8c959f"/>',
             f'<line x1="{_LEFT}" y1="{_H - _BOTTOM}" x2="{_W - _RIGHT}" y2="{_H - _BOTTOM}" stroke="#8c959f"/>']
    for v in (lo, hi):
        tick = fmt_value(v, traj.unit, lang) if traj.unit == "share" else fmt_number(float(f"{v:.3g}"))
        parts.append(f'<text x="{_LEFT - 4}" y="{sy(v) + 4:.1f}" font-size="10" text-anchor="end" fill="#57606a">'
                     f'{e(tick)}</text>')
    for y in sorted(set(years)):
        parts.append(f'<text x="{sx(y):.1f}" y="{_H - 8}" font-size="10" text-anchor="middle" fill="#57606a">'
                     f'{e(str(y))}</text>')
    targets = [(sx(p[0]), sy(p[1])) for p in points if p[1] is not None]
    if len(targets) > 1:
        line = " ".join(f"{x:.1f},{y:.1f}" for x, y in targets)
        parts.append(f'<polyline points="{line}" fill="none" stroke="#57606a" stroke-dasharray="4 3"/>')
    for (year, target, _cmp, measured, status, previous) in points:
        if target is not None:
            label = f"{tr('chart.target', lang)} {year}: {fmt_value(target, traj.unit, lang)}"
            parts.append(f'<rect x="{sx(year) - 3:.1f}" y="{sy(target) - 3:.1f}" width="6" height="6" fill="#57606a">'
                         f'<title>{e(label)}</title></rect>')
        if previous is not None:
            label = f"{tr('chart.previous', lang)}: {fmt_value(previous, traj.unit, lang)}"
            parts.append(f'<circle cx="{sx(year) + 6:.1f}" cy="{sy(previous):.1f}" r="4" fill="none" '
                         f'stroke="#57606a"><title>{e(label)}</title></circle>')
        if measured is not None:
            label = f"{tr('chart.measured', lang)} {year}: {fmt_value(measured, traj.unit, lang)}"
            colour = STATUS_COLOURS.get(status, "#6e7781")
            parts.append(f'<circle cx="{sx(year):.1f}" cy="{sy(measured):.1f}" r="4.5" fill="{colour}">'
                         f'<title>{e(label)}</title></circle>')
    parts.append("</svg>")
    return "".join(parts)
