"""Audit a city's layers against its plans' targets.

:func:`run_audit` takes the targets of one or more plans (from the registry in
:mod:`ecogis.targets`), runs every check they need once per scope on a
:class:`~ecogis.layerset.LayerSet`, and joins each target with the measured value:

* ``met`` / ``not_met``: the check ran and produced the target's metric;
* ``not_measurable``: a layer or field the check needs is missing (the reason
  names it), or the target is not spatial (measured by monitoring, surveys or
  accounts, not by layers).

A check that fails for lack of data never stops the others.

Examples
--------
>>> from ecogis.audit import run_audit
>>> audit = run_audit()  # the sample against the Luohe plans  # doctest: +SKIP
>>> audit.counts()  # doctest: +SKIP
{'met': 5, 'not_met': 9, 'not_measurable': 30}
"""

from __future__ import annotations

import copy
import dataclasses
import datetime as _dt
import logging
import shlex
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from ecogis import __version__
from ecogis import targets as registry
from ecogis.checks import CHECK_PARAMS, CHECKS, SpecView, get_check
from ecogis.errors import EcogisError, InputError, NotMeasurableError
from ecogis.layerset import LayerSet, load_sample
from ecogis.progress import progress_bar
from ecogis.report_schema import SCHEMA_VERSION, read_previous
from ecogis.reported import ReportedFigures, find_indicators, read_indicators
from ecogis.result import CheckResult

__all__ = ["TargetOutcome", "AuditResult", "CHECK_RUNNERS", "CHECK_PARAMS", "run_check", "run_checks", "measure",
           "target_key", "run_audit", "DEFAULT_PLANS", "SOURCES", "indicator_check"]

log = logging.getLogger(__name__)

#: plans audited when none are named: the sample is central Luohe
DEFAULT_PLAN_PREFIX = "luohe"
DEFAULT_PLANS: tuple[str, ...] = ()
#: where a measured value comes from
SOURCES: tuple[str, ...] = ("check", "records", "reported")

@dataclass
class TargetOutcome:
    """One target and what the audit measured for it."""

    target: Any
    status: str
    measured: float | None = None
    reason: str | None = None
    map: str | None = None
    #: where ``measured`` comes from: "check" (layers), "records" (record tables), "reported" (a reported figure)
    source: str | None = None
    #: a reported figure for the target (:mod:`ecogis.reported`), shown beside a measured one
    reported: Any = None
    #: the previous audit's value (``--previous``) and ``measured - previous``
    previous: float | None = None
    change: float | None = None
    #: what data would make a not-measurable target measurable: layer kinds or tables
    needs: tuple[str, ...] = ()

    @property
    def difference(self) -> float | None:
        """``measured - reported`` when a check or records measured it and a figure was also reported."""
        if self.source in (None, "reported") or self.measured is None or self.reported is None:
            return None
        return float(self.measured) - float(self.reported.value)

    def to_dict(self) -> dict[str, Any]:
        t = self.target
        r = self.reported
        return {
            "id": t.id, "plan": t.plan, "city": t.city, "document": t.document, "clause": t.clause,
            "quote": t.quote, "indicator": t.indicator, "indicator_zh": t.indicator_zh, "scope": t.scope,
            "year": t.year, "comparator": t.comparator, "target": t.value, "unit": t.unit,
            "spatial": t.spatial, "check": t.check, "metric": t.metric,
            "measured": self.measured, "status": self.status, "reason": self.reason, "map": self.map,
            "source": self.source,
            "reported": None if r is None else r.value,
            "reported_source": None if r is None else r.source,
            "reported_date": None if r is None else r.date,
            "reported_given": None if r is None else r.given,
            "reported_row": None if r is None else f"{r.file}:{r.row}",
            "reported_warnings": [] if r is None else list(r.warnings),
            "difference": self.difference, "previous": self.previous, "change": self.change,
            "needs": list(self.needs),
        }


@dataclass
class AuditResult:
    """All targets with their outcomes, and the check results behind them."""

    outcomes: list[TargetOutcome]
    results: dict[str, CheckResult] = field(default_factory=dict)
    failures: dict[str, str] = field(default_factory=dict)
    layerset_name: str = ""
    plans: list[str] = field(default_factory=list)
    year: int | None = None
    layers_root: str | None = None
    generated_at: str = field(default_factory=lambda: _dt.datetime.now().astimezone().isoformat(timespec="seconds"))
    indicators_file: str | None = None
    indicators_warnings: tuple[str, ...] = ()
    previous_report: str | None = None

    def repeat_command(self) -> str:
        """The command line that runs this audit again."""
        parts = ["ecogis", "audit"]
        if self.layers_root:
            parts += ["--layers", shlex.quote(self.layers_root)]
        for p in self.plans:
            parts += ["--plan", shlex.quote(p)]
        if self.year is not None:
            parts += ["--year", str(self.year)]
        if self.indicators_file:
            parts += ["--indicators", shlex.quote(self.indicators_file)]
        if self.previous_report:
            parts += ["--previous", shlex.quote(self.previous_report)]
        return " ".join(parts)

    def counts(self) -> dict[str, int]:
        out = {"met": 0, "not_met": 0, "not_measurable": 0}
        for o in self.outcomes:
            out[o.status] += 1
        return out

    def counts_by_source(self) -> dict[str, int]:
        """Targets measured (met or not met) by each source: a check, record tables, a reported figure."""
        out = {"check": 0, "records": 0, "reported": 0}
        for o in self.outcomes:
            if o.status != "not_measurable" and o.source:
                out[o.source] = out.get(o.source, 0) + 1
        return out

    def to_dict(self) -> dict[str, Any]:
        return {
            "schema_version": SCHEMA_VERSION,
            "ecogis_version": __version__,
            "generated_at": self.generated_at,
            "repeat": self.repeat_command(),
            "layers": self.layerset_name,
            "layers_root": self.layers_root,
            "plans": self.plans,
            "year": self.year,
            "summary": self.counts(),
            "by_source": self.counts_by_source(),
            "indicators_file": self.indicators_file,
            "indicators_warnings": list(self.indicators_warnings),
            "previous_report": self.previous_report,
            "targets": [o.to_dict() for o in self.outcomes],
            "checks": {k: {"metrics": r.metrics, "violations": r.n_violations, "parameters": r.parameters,
                           "warnings": r.warnings, "not_measurable": r.not_measurable}
                       for k, r in self.results.items()},
            "checks_not_run": self.failures,
        }


#: check name -> runner, read off :data:`ecogis.checks.CHECKS` (kept for callers of earlier versions)
CHECK_RUNNERS: Mapping[str, Callable[..., CheckResult]] = SpecView(lambda s: s.runner)


def run_check(name: str, layers: LayerSet, *, scope: str | None = None, year: int | None = None,
              params: Mapping[str, float] | None = None) -> CheckResult:
    """Run one check by name on a LayerSet.

    Parameters
    ----------
    name : str
        A key of :data:`ecogis.checks.CHECKS`.
    layers : LayerSet
    scope, year
        The target's study-area scope and year, for checks that depend on them.
    params : mapping, optional
        Check parameters a target gives (the check's ``CheckSpec.params``), e.g. ``{"radius_m": 15000}``.

    Raises
    ------
    NotMeasurableError
        When a layer or field the check needs is missing.
    """
    spec = get_check(name)
    params = dict(params or {})
    unknown = sorted(set(params) - set(spec.param_names))
    if unknown:
        raise InputError(f"params {unknown} are not parameters of check {name!r}; expected some of "
                         f"{list(spec.param_names)}")
    bad = [why for why in spec.param_problems(params) if why]
    if bad:
        raise InputError(f"check {name!r}: " + "; ".join(bad))
    return spec.run(layers, params, scope=scope, year=year)


def run_checks(layers: LayerSet, names: Sequence[str] | None = None, *,
               progress: bool | None = None) -> tuple[dict[str, CheckResult], dict[str, str]]:
    """Run several checks (default: every check in :data:`ecogis.checks.CHECKS`) on a LayerSet.

    A check whose layers are missing, or that fails on its input, does not stop the others.

    Returns
    -------
    results : dict of str to CheckResult
        The checks that ran, by name.
    skipped : dict of str to str
        The checks that did not, with the reason (the missing layer or field, or the error).

    Examples
    --------
    >>> results, skipped = run_checks(load_sample(), ["coverage", "air"])  # doctest: +SKIP
    >>> sorted(results), skipped  # doctest: +SKIP
    (['air', 'coverage'], {})
    """
    names = list(names or CHECKS)
    unknown = [n for n in names if n not in CHECKS]
    if unknown:
        raise InputError(f"check was {unknown} but is expected to be one of {sorted(CHECKS)}")
    results: dict[str, CheckResult] = {}
    skipped: dict[str, str] = {}
    for name in progress_bar(names, desc="checks", unit="check", progress=progress):
        try:
            results[name] = run_check(name, layers)
        except NotMeasurableError as exc:
            skipped[name] = f"not measurable: {exc}"
        except EcogisError as exc:
            skipped[name] = f"check failed: {exc}"
            log.warning("%s failed: %s", name, exc)
    return results, skipped


def _result_key(check: str, scope: str | None, year: int | None, params: Any = ()) -> str:
    """``coverage/中心城区``, ``air``, ``boilers@radius_m=15000``: one check run per distinct key."""
    spec = CHECKS.get(check)
    if spec is not None and not spec.scoped:
        key = check
    else:
        key = f"{check}/{scope}" if scope else check
    items = sorted(dict(params or ()).items())
    if items:
        key += "@" + ",".join(f"{k}={v}" if isinstance(v, str) else f"{k}={v:g}" for k, v in items)
    return key


def target_key(target: Any) -> str:
    """The key of the check run that measures a target (in ``AuditResult.results``)."""
    return _result_key(target.check, target.scope, target.year, getattr(target, "params", ()))


def measure(target: Any, result: CheckResult) -> tuple[float | None, str | None]:
    """The value of a target's metric in a check result, or None and the reason.

    The check's spec says how (:meth:`~ecogis.checks.spec.CheckSpec.measure_target`): most
    metrics are read off ``result.metrics``; ``share_meeting_class`` is computed for the
    target's own selection of sections (its ``select`` and ``water_class``).
    """
    return get_check(target.check).measure_target(target, result)


# --- targets measured through a check's ``indicators`` (record tables) ---------------------------------
def indicator_check(target: Any, layers: LayerSet) -> tuple[str, str] | None:
    """The (check, metric) that measures a target naming no ``check``, through its ``indicator``.

    A check whose spec lists the target's indicator in ``indicators`` (e.g. ``air-records``:
    ``good_air_day_ratio`` -> ``good_day_ratio``) measures it when the layer set has every
    kind of the check's ``inputs`` (the ``air_daily`` table); None when none does.

    Examples
    --------
    >>> from types import SimpleNamespace
    >>> from ecogis.layerset import LayerSet
    >>> t = SimpleNamespace(check=None, indicator="good_air_day_ratio")
    >>> indicator_check(t, LayerSet()) is None
    True
    >>> indicator_check(t, LayerSet(tables={"air_daily": "air_daily.csv"}))
    ('air-records', 'good_day_ratio')
    """
    if target.check:
        return None
    for name, spec in CHECKS.items():
        metric = spec.indicators.get(target.indicator)
        if metric and spec.inputs and all(layers.has(kind) for kind in spec.inputs):
            return name, metric
    return None


def _with_indicator_check(target: Any, layers: LayerSet) -> Any:
    """The target with the check and metric :func:`indicator_check` finds (a copy), or the target."""
    found = indicator_check(target, layers)
    if found is None:
        return target
    if dataclasses.is_dataclass(target):
        return dataclasses.replace(target, check=found[0], metric=found[1])
    copied = copy.copy(target)  # a target-like object of a script or a test
    copied.check, copied.metric = found
    return copied


def _by_indicator(t: Any) -> bool:
    """True when the target's check measures its indicator (so a non-spatial target is measured by it)."""
    spec = CHECKS.get(t.check) if t.check else None
    return spec is not None and t.indicator in spec.indicators and spec.indicators[t.indicator] == t.metric


def _outcome(t: Any, results: Mapping[str, CheckResult], failures: Mapping[str, str],
             failure_reasons: Mapping[str, Mapping[str, str]]) -> TargetOutcome:
    """One target joined with the check run that measures it."""
    if not t.spatial and not _by_indicator(t):
        return TargetOutcome(t, "not_measurable", reason="not spatial: measured by monitoring, "
                             "surveys or accounts, not by map layers")
    if not t.check or not t.metric:
        why = getattr(t, "no_check", None)  # the registry says which layer, field or figure is missing
        return TargetOutcome(t, "not_measurable", reason=f"no check measures it yet: {why}" if why else
                             "no check measures it yet (a map can show its layers; the figure comes from the "
                             "bureau's own accounts)")
    key = target_key(t)
    if key in failures:
        return TargetOutcome(t, "not_measurable", reason=failure_reasons.get(key, {}).get(t.metric) or failures[key])
    measured, reason = measure(t, results[key])
    if measured is None:
        return TargetOutcome(t, "not_measurable", reason=reason)
    ok = t.meets(float(measured))
    if ok is None:
        return TargetOutcome(t, "not_measurable", measured=float(measured),
                             reason=f"target has no value to compare with ({t.comparator})")
    return TargetOutcome(t, "met" if ok else "not_met", measured=float(measured))


def run_audit(
    layers: LayerSet | None = None,
    *,
    plans: Sequence[str] | None = None,
    year: int | None = None,
    targets: Sequence[Any] | None = None,
    progress: bool | None = None,
    indicators: Any = None,
    previous: Any = None,
) -> AuditResult:
    """Audit layers against the targets of some plans.

    Parameters
    ----------
    layers : LayerSet, optional
        Default: the embedded central-Luohe sample.
    plans : sequence of str, optional
        Plan ids from the registry (``ecogis.targets.plans()``); default: every Luohe plan.
    year : int, optional
        Only the targets of this year; default: every year.
    targets : sequence of Target, optional
        Use these instead of the registry (tests, custom plans).
    progress : bool, optional
        Show a progress bar over the checks.
    indicators : path-like or ReportedFigures or False, optional
        Reported figures (:func:`ecogis.reported.read_indicators`); default the ``indicators.csv`` /
        ``.xlsx`` of the layers directory, if any; False: none.  A target no check or record table
        measures is measured by its reported figure (source "reported"); one that is measured shows the
        reported figure beside it, with the difference (the measured value decides the status).
    previous : path-like or mapping, optional
        An earlier ``report.json`` (:func:`ecogis.report_schema.read_previous`): each target gets the
        previous value and the change.

    Returns
    -------
    AuditResult
    """
    layers = layers if layers is not None else load_sample()
    if targets is None:
        all_targets = registry.load_targets()
        known = sorted({t.plan for t in all_targets})
        chosen = list(plans) if plans else [p for p in known if p.startswith(DEFAULT_PLAN_PREFIX)]
        unknown = [p for p in chosen if p not in known]
        if unknown:
            raise InputError(f"plan was {unknown} but is expected to be one of {known}")
        selected = [t for t in all_targets if t.plan in chosen]
    else:
        selected = list(targets)
        chosen = sorted({t.plan for t in selected})
    if year is not None:
        selected = [t for t in selected if t.year == year]
    selected.sort(key=lambda t: (t.plan, t.year or 0, t.id))
    selected = [_with_indicator_check(t, layers) for t in selected]

    figures = _reported_figures(indicators, layers, targets)  # read before the checks run: a bad table fails fast
    previous_values, previous_path = _read_previous(previous)
    needed: dict[str, tuple[str, str | None, int | None, Any]] = {}
    for t in selected:
        if t.check and (t.spatial or _by_indicator(t)):
            needed.setdefault(target_key(t), (t.check, t.scope, t.year, getattr(t, "params", ())))
    results: dict[str, CheckResult] = {}
    failure_reasons: dict[str, dict[str, str]] = {}
    failures: dict[str, str] = {}
    for key in progress_bar(list(needed), desc="checks", unit="check", progress=progress):
        check, scope, t_year, params = needed[key]
        try:
            results[key] = run_check(check, layers, scope=scope, year=t_year, params=dict(params))
        except NotMeasurableError as exc:
            failures[key] = str(exc)
            failure_reasons[key] = exc.reasons
            log.info("%s: not measurable: %s", key, exc)
        except EcogisError as exc:
            failures[key] = f"check failed: {exc}"
            log.warning("%s failed: %s", key, exc)

    outcomes = [_outcome(t, results, failures, failure_reasons) for t in selected]
    _fill_sources(outcomes)
    _apply_reported(outcomes, figures)
    _fill_needs(outcomes, layers)
    _apply_previous(outcomes, previous_values)
    return AuditResult(outcomes, results, failures, layers.name or str(layers.root or ""), list(chosen), year,
                       layers_root=str(layers.root) if layers.root is not None else None,
                       indicators_file=figures.path if figures is not None else None,
                       indicators_warnings=figures.warnings if figures is not None else (),
                       previous_report=previous_path)


# --- reported figures, sources, missing data, the previous audit (issue 15) ----------------------------
def _reported_figures(indicators: Any, layers: LayerSet, targets: Sequence[Any] | None) -> Any:
    """The reported figures to use: given, or the ``indicators`` table of the layers directory, or None."""
    if indicators is False:
        return None
    if isinstance(indicators, ReportedFigures):
        return indicators
    path = indicators if indicators is not None else find_indicators(layers.root)
    if path is None:
        return None
    pool: dict[str, Any] = {t.id: t for t in registry.load_targets()}
    pool.update({t.id: t for t in targets or ()})
    return read_indicators(path, targets=list(pool.values()))


def _fill_sources(outcomes: Sequence[TargetOutcome]) -> None:
    """Every measured outcome says where its value comes from: the record tables when a check measured
    the target through its ``indicators``, else the check (unless another step said so)."""
    for o in outcomes:
        if o.source is None and o.measured is not None:
            o.source = "records" if _by_indicator(o.target) else "check"


def _apply_reported(outcomes: Sequence[TargetOutcome], figures: Any) -> None:
    """A reported figure measures a target nothing else measured; beside a measured one it is shown only."""
    if not figures:
        return
    for o in outcomes:
        r = figures.get(o.target.id)
        if r is None:
            continue
        o.reported = r
        if o.measured is not None:  # a check or a record table measured it: that decides the status
            continue
        ok = o.target.meets(float(r.value))
        o.measured, o.source = float(r.value), "reported"
        if ok is None:
            o.status, o.reason = "not_measurable", f"target has no value to compare with ({o.target.comparator})"
        else:
            o.status, o.reason = ("met" if ok else "not_met"), None


def _fill_needs(outcomes: Sequence[TargetOutcome], layers: LayerSet) -> None:
    """For each not-measurable target: the layers (of its check's ``inputs``) or tables that would measure it."""
    for o in outcomes:
        if o.status != "not_measurable" or o.measured is not None:
            continue
        t = o.target
        if t.value is None and t.comparator not in ("zero", "not_decrease"):
            o.needs = ("target_value",)  # the plan gives no figure: no data can measure it against one
            continue
        spec = CHECKS.get(t.check) if t.check else None
        if spec is None:  # a record table's check that measures the indicator (CheckSpec.indicators), if any
            spec = next((s for s in CHECKS.values() if t.indicator in (getattr(s, "indicators", None) or ())), None)
        if spec is not None:
            missing = tuple(k for k in spec.inputs if not layers.has(k))
            named = tuple(k for k in missing if k in (o.reason or ""))  # the inputs the reason names
            o.needs = named or missing or (f"check:{spec.name}",)
        else:
            o.needs = ("indicators",)


def _read_previous(previous: Any) -> tuple[dict[str, float], str | None]:
    """An earlier report's values by target id (a path to its report.json, or a mapping), and its path."""
    if previous is None:
        return {}, None

    if isinstance(previous, Mapping):
        return dict(previous), None
    return read_previous(previous), str(previous)


def _apply_previous(outcomes: Sequence[TargetOutcome], values: Mapping[str, float]) -> None:
    """Each target's value in an earlier report and the change."""
    for o in outcomes:
        before = values.get(o.target.id)
        if before is None:
            continue
        o.previous = float(before)
        if o.measured is not None:
            o.change = float(o.measured) - o.previous
