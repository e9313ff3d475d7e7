"""What the report's first screen says per plan, and the yearly trajectories its charts draw.

:func:`plan_summaries`: per plan, the counts of met / not met / not measurable targets and by source,
the worst gaps to target (relative to the target value), and the data that would make the
not-measurable targets measurable, grouped by what is missing (a layer kind, a record table, the
indicators table).  :func:`trajectories`: per indicator with targets for more than one year, the
yearly targets with the measured (and previous) values.  Both read an
:class:`~ecogis.audit.AuditResult` only.

Examples
--------
>>> from ecogis.report_summary import relative_gap
>>> relative_gap(">=", 0.75, 0.6), relative_gap("<=", 40, 50), relative_gap(">=", 0.75, 0.8)
(0.2, 0.25, 0.0)
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

__all__ = ["PlanSummary", "Gap", "NeedGroup", "Trajectory", "plan_summaries", "trajectories", "relative_gap"]


@dataclass(frozen=True)
class Gap:
    """A missed target: how far off, relative to the target value (None for a target of 0)."""

    outcome: Any
    relative: float | None
    absolute: float


@dataclass(frozen=True)
class NeedGroup:
    """Not-measurable targets that the same missing data would make measurable."""

    needs: tuple[str, ...]
    outcomes: tuple[Any, ...]


@dataclass(frozen=True)
class PlanSummary:
    """One plan's first screen."""

    plan: str
    title: str
    document: str
    counts: dict[str, int]
    by_source: dict[str, int]
    gaps: tuple[Gap, ...] = ()
    needs: tuple[NeedGroup, ...] = ()

    @property
    def total(self) -> int:
        return sum(self.counts.values())


@dataclass(frozen=True)
class Trajectory:
    """One indicator of one plan over its target years."""

    plan: str
    indicator: str
    indicator_zh: str
    scope: str | None
    unit: str
    #: (year, target value, comparator, measured or None, status, previous or None), by year
    points: tuple[tuple[int, float | None, str, float | None, str, float | None], ...] = field(default=())


def relative_gap(comparator: str, target: float | None, measured: float | None) -> float | None:
    """How far ``measured`` falls short of ``target``, as a share of ``|target|`` (0 when it meets it).

    None when there is no target value, it is 0 (``zero``: use the absolute value), or nothing was measured.
    """
    if target is None or measured is None or target == 0 or comparator not in (">=", ">", "<=", "<", "=="):
        return None
    if comparator in (">=", ">"):
        short = target - measured
    elif comparator in ("<=", "<"):
        short = measured - target
    else:
        short = abs(measured - target)
    return round(max(0.0, short) / abs(target), 12)


def _gap(o: Any) -> Gap:
    t = o.target
    rel = relative_gap(t.comparator, t.value, o.measured)
    target = 0.0 if t.comparator in ("zero", "not_decrease") else float(t.value or 0.0)
    return Gap(o, rel, abs(float(o.measured) - target))


def _plan_titles(plans: Sequence[str]) -> dict[str, tuple[str, str]]:
    try:
        from ecogis.targets import plans as registry_plans  # heavy: the registry loads every engine

        info = registry_plans()
    except Exception:  # a custom registry may not load; the plan id is title enough  # noqa: BLE001
        info = {}
    return {p: ((info[p].title, info[p].document) if p in info else (p, "")) for p in plans}


def plan_summaries(audit: Any, *, worst: int = 5, sources: Sequence[str] = ("check", "records", "reported")
                   ) -> list[PlanSummary]:
    """Per plan of the audit: counts, counts by source, the ``worst`` gaps, the data that is missing.

    Gaps are ordered by relative gap (largest first); targets of 0 (``zero``), which have no
    relative gap, follow by absolute amount.

    Examples
    --------
    >>> from ecogis.audit import run_audit
    >>> s = plan_summaries(run_audit())[0]  # doctest: +SKIP
    >>> s.plan, s.counts, s.by_source["reported"]  # doctest: +SKIP
    ('luohe-air-2024', {'met': 8, 'not_met': 12, 'not_measurable': 4}, 18)
    """
    by_plan: dict[str, list[Any]] = {}
    for o in audit.outcomes:
        by_plan.setdefault(o.target.plan, []).append(o)
    titles = _plan_titles(list(by_plan))
    out = []
    for plan, outcomes in by_plan.items():
        counts = {"met": 0, "not_met": 0, "not_measurable": 0}
        by_source = {s: 0 for s in sources}
        for o in outcomes:
            counts[o.status] += 1
            if o.status != "not_measurable" and o.source:
                by_source[o.source] = by_source.get(o.source, 0) + 1
        gaps = [_gap(o) for o in outcomes if o.status == "not_met" and o.measured is not None]
        gaps.sort(key=lambda g: (g.relative is None, -(g.relative if g.relative is not None else g.absolute)))
        groups: dict[tuple[str, ...], list[Any]] = {}
        for o in outcomes:
            if o.status == "not_measurable" and o.needs:
                groups.setdefault(tuple(o.needs), []).append(o)
        needs = sorted((NeedGroup(k, tuple(v)) for k, v in groups.items()), key=lambda g: (-len(g.outcomes), g.needs))
        title, document = titles[plan]
        out.append(PlanSummary(plan, title, document, counts, by_source, tuple(gaps[:worst]), tuple(needs)))
    return out


def trajectories(audit: Any) -> list[Trajectory]:
    """Per (plan, indicator, scope, unit) with target values for more than one year: the yearly points.

    Examples
    --------
    >>> from ecogis.audit import run_audit
    >>> [(t.indicator, [p[0] for p in t.points]) for t in trajectories(run_audit())][3]  # doctest: +SKIP
    ('air_quality_rank_168_cities', [2023, 2024, 2025])
    """
    groups: dict[tuple[str, str, Any, str], list[Any]] = {}
    for o in audit.outcomes:
        t = o.target
        groups.setdefault((t.plan, t.indicator, t.scope, t.unit), []).append(o)
    out = []
    for (plan, indicator, scope, unit), outcomes in groups.items():
        years = {o.target.year for o in outcomes if o.target.value is not None}
        if len(years) < 2:
            continue
        points = []
        for o in sorted(outcomes, key=lambda o: o.target.year):
            t = o.target
            value = None if t.value is None or (isinstance(t.value, float) and math.isnan(t.value)) else float(t.value)
            points.append((int(t.year), value, t.comparator, o.measured, o.status, o.previous))
        out.append(Trajectory(plan, indicator, outcomes[0].target.indicator_zh, scope, unit, tuple(points)))
    return out
