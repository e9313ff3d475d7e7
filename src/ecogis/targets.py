"""The plans' targets as data: a registry read from the TOML files in ``ecogis/data/targets``.

Each TOML file holds one plan (a ``[plan]`` table) and its targets (``[[targets]]``):
city, document number and clause, a short verbatim quote of the original text, the
indicator, scope, year, comparator, value and unit, whether a map layer can measure it
(``spatial``), and the ecogis check and metric that measure it.  Every file is
validated against ``schema.json`` (shipped beside the TOML files) and against the
rules below; all problems of all files are gathered and raised once as a
:class:`~ecogis.errors.TargetsError`.

Rules beyond the schema:

* target ids are unique across files and start with their plan id (``plan/slug``);
* ``check`` is one of :data:`ecogis.checks.CHECKS` and ``metric`` one of that check's target metrics;
  ``check`` and ``metric`` are given together or not at all; a non-spatial target has no check;
* ``no_check`` (why no check or layer measures a spatial target) goes only on a spatial target
  without a check;
* ``zero`` and ``not_decrease`` have no value; any other comparator without a value
  (the plan gives no figure, e.g. "完成省定目标") must say so in ``notes`` and has no check;
* a ``share`` value lies in 0-1.

Examples
--------
>>> from ecogis.targets import load_targets, select, get
>>> targets = load_targets()
>>> t = get("luohe-transit-2023/stop-coverage-500m-2025")
>>> t.document, t.clause, t.comparator, t.value, t.check, t.metric
('漯政办〔2023〕22号', '二、(二)2', '>=', 1.0, 'coverage', 'area_share')
>>> t.meets(0.93)
False
>>> [x.value for x in select(targets, plan="luohe-eco-2023", check="air") if x.indicator == "pm25_annual_mean"]
[47.0, 42.5, 38.5]
"""

from __future__ import annotations

import difflib
import json
import logging
import math
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass, field
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Any

try:  # Python >= 3.11
    import tomllib
except ModuleNotFoundError:  # pragma: no cover - Python 3.10
    import tomli as tomllib  # type: ignore[no-redef]

import jsonschema

from ecogis.checks import CHECK_METRICS, CHECKS
from ecogis.errors import InputError, TargetsError

__all__ = [
    "CHECK_METRICS",
    "COMPARATORS",
    "PlanInfo",
    "Target",
    "TargetProblem",
    "get",
    "load_targets",
    "packaged_target_files",
    "plans",
    "select",
    "spatial_gaps",
    "spatial_gaps_table",
    "targets_schema",
]

log = logging.getLogger(__name__)

#: comparators a target may use; ``zero`` and ``not_decrease`` take no value
COMPARATORS: tuple[str, ...] = (">=", "<=", "<", ">", "==", "not_decrease", "zero")
_VALUELESS = frozenset({"zero", "not_decrease"})

_TARGETS_DIR = ("data", "targets")
_SCHEMA_NAME = "schema.json"
#: tolerance of ``==`` and ``zero`` (absolute, in the target's unit)
_EQ_ABS_TOL = 1e-9


# --- data classes ------------------------------------------------------------------------
@dataclass(frozen=True)
class Target:
    """One target of one plan.

    Attributes
    ----------
    id : str
        ``"<plan>/<slug>"``, unique in the registry.
    plan, city, city_en, document, clause : str
        Plan id; city in Chinese and English; document number as printed (brackets
        normalised to 〔〕); clause numbering in the document (e.g. ``"二、(二)2"``).
    quote : str
        A short verbatim excerpt of the original text (OCR oddities kept).
    indicator, indicator_zh : str
        English snake_case and Chinese names of the indicator.
    scope : str
        Area the target applies to (中心城区, 城市建成区, 全市, a river ...).
    year : int
        Year by which (or in which) the target applies.
    comparator : str
        One of :data:`COMPARATORS`.
    value : float or None
        Target value in ``unit``; None for ``zero`` / ``not_decrease`` and where the
        plan gives no figure (``notes`` says why).
    unit : str
        ``"share"`` (0-1) for percentages, ``"ug/m3"``, ``"days"``, ``"km"``, ``"m2"``,
        ``"count"`` ... (the schema lists them).
    spatial : bool
        True when a check or map on ecogis layers can measure or show the target.
    check, metric : str or None
        The ecogis check (``ecogis check <name>``) and its metric key that measure it.
    select : tuple of (field, values) pairs
        For targets on some features only (``"沙河、澧河国控断面"``): the features whose
        field equals one of the values, e.g. ``(("river", ("沙河", "澧河")), ("level", ("国控",)))``.
    water_class : str or None
        For ``metric = "share_meeting_class"``: the water-quality class the selected
        sections must reach (``"III"``).
    params : tuple of (name, number or text) pairs
        Parameters of the check this target needs, e.g. ``(("radius_m", 15000.0),)``
        for a 15 km heating radius (see the check's ``CheckSpec.params`` in :mod:`ecogis.checks`).
    no_check : str or None
        For a spatial target that no check measures: why (which layer or field is missing,
        or why the plan's figure cannot be computed). None on every other target; a
        spatial target without a check and without this reason is a gap of the registry
        (``tests/test_registry_coverage.py`` lists them).
    notes : str or None
        How the target is read, caveats, related clauses.
    """

    id: str
    plan: str
    city: str
    city_en: str
    document: str
    clause: str
    quote: str
    indicator: str
    indicator_zh: str
    scope: str
    year: int
    comparator: str
    value: float | None
    unit: str
    spatial: bool
    check: str | None = None
    metric: str | None = None
    notes: str | None = None
    select: tuple[tuple[str, tuple[str, ...]], ...] = ()
    water_class: str | None = None
    params: tuple[tuple[str, float | str], ...] = ()
    no_check: str | None = None

    def meets(self, measured: float | None) -> bool | None:
        """Whether a measured value meets the target.

        Parameters
        ----------
        measured : float or None
            The measured value in the target's unit; for ``not_decrease`` the
            *change* (e.g. ``net_m2`` of the red-line area), for ``zero`` a count or
            an amount.

        Returns
        -------
        bool or None
            None when nothing was measured, the measurement is not a number, or the
            plan gives no figure to compare with.

        Examples
        --------
        >>> from ecogis.targets import get
        >>> get("luohe-eco-2023/pm25-2025").meets(38.5)  # "低于38.5": strictly below
        False
        >>> get("pingdingshan-eco-14fyp/eco-redline-area-2025").meets(0.0)  # net change 0 m2
        True
        """
        if measured is None:
            return None
        try:
            m = float(measured)
        except (TypeError, ValueError):
            return None
        if math.isnan(m):
            return None
        if self.comparator == "zero":
            return abs(m) <= _EQ_ABS_TOL
        if self.comparator == "not_decrease":
            return m >= 0.0
        if self.value is None:
            return None
        v = float(self.value)
        if self.comparator == ">=":
            return m >= v
        if self.comparator == "<=":
            return m <= v
        if self.comparator == "<":
            return m < v
        if self.comparator == ">":
            return m > v
        if self.comparator == "==":
            return math.isclose(m, v, rel_tol=1e-9, abs_tol=_EQ_ABS_TOL)
        raise TargetsError(f"target {self.id}: comparator was {self.comparator!r} but is expected to be one of "
                           f"{list(COMPARATORS)}")

    def to_dict(self) -> dict[str, Any]:
        """The target as a plain dict (JSON-ready)."""
        return asdict(self)


@dataclass(frozen=True)
class PlanInfo:
    """One plan of the registry (the ``[plan]`` table of its TOML file plus counts)."""

    id: str
    city: str
    city_en: str
    document: str
    title: str
    issuer: str | None = None
    issued: str | None = None
    documents: tuple[str, ...] = ()
    n_targets: int = 0
    n_spatial: int = 0
    n_checked: int = 0
    years: tuple[int, ...] = ()
    notes: str | None = None
    path: str | None = field(default=None, compare=False)

    def __str__(self) -> str:
        return f"{self.city} {self.document} {self.title}"

    def to_dict(self) -> dict[str, Any]:
        """The plan as a plain dict (JSON-ready)."""
        d = asdict(self)
        d["documents"] = list(self.documents)
        d["years"] = list(self.years)
        return d


@dataclass(frozen=True)
class TargetProblem:
    """One problem found in a targets file."""

    file: str
    target: str | None
    field: str | None
    message: str

    def __str__(self) -> str:
        where = self.file
        if self.target:
            where += f": target {self.target}"
        if self.field:
            where += f": {self.field}"
        return f"{where}: {self.message}"


# --- files -------------------------------------------------------------------------------
def _data_dir() -> Any:
    return resources.files("ecogis").joinpath(*_TARGETS_DIR)


def packaged_target_files() -> list[Any]:
    """The TOML files shipped in ``ecogis/data/targets`` (sorted by name).

    Returns
    -------
    list of importlib.resources Traversable
        One per plan.

    Examples
    --------
    >>> from ecogis.targets import packaged_target_files
    >>> sorted(p.name for p in packaged_target_files())[0]
    'luohe-air-2024.toml'
    """
    return sorted((p for p in _data_dir().iterdir() if p.name.endswith(".toml")), key=lambda p: p.name)


@lru_cache(maxsize=1)
def targets_schema() -> dict[str, Any]:
    """The JSON schema every targets file is validated against (``data/targets/schema.json``).

    Examples
    --------
    >>> from ecogis.targets import targets_schema
    >>> targets_schema()["required"]
    ['plan', 'targets']
    """
    return json.loads(_data_dir().joinpath(_SCHEMA_NAME).read_text(encoding="utf-8"))


def _display(path: Any) -> str:
    name = getattr(path, "name", None)
    return str(path) if isinstance(path, (str, Path)) else (name or str(path))


def _target_label(doc: Any, index: int) -> str:
    try:
        tid = doc["targets"][index].get("id")
    except (KeyError, IndexError, TypeError, AttributeError):
        tid = None
    return tid if isinstance(tid, str) and tid else f"targets[{index}]"


def _schema_problems(doc: Any, file: str) -> list[TargetProblem]:
    validator_cls = jsonschema.validators.validator_for(targets_schema())
    validator = validator_cls(targets_schema())
    out: list[TargetProblem] = []
    for err in sorted(validator.iter_errors(doc), key=lambda e: [str(p) for p in e.absolute_path]):
        path = list(err.absolute_path)
        target = None
        fld: str | None = None
        if len(path) >= 2 and path[0] == "targets" and isinstance(path[1], int):
            target = _target_label(doc, path[1])
            fld = ".".join(str(p) for p in path[2:]) or None
        elif path:
            fld = ".".join(str(p) for p in path)
        inst = err.instance
        if err.validator == "required":
            missing = [k for k in err.validator_value if isinstance(inst, dict) and k not in inst]
            name = missing[0] if missing else None
            fld = f"{fld}.{name}" if fld and name else (name or fld)
            msg = f"`{name}` is missing; every {'target' if target else 'file'} needs {list(err.validator_value)}"
        elif err.validator == "enum":
            msg = f"`{fld}` was {inst!r} but is expected to be one of {list(err.validator_value)}"
        elif err.validator == "type":
            msg = f"`{fld}` was {inst!r} but is expected to be of type {err.validator_value!r}"
        elif err.validator == "pattern":
            msg = f"`{fld}` was {inst!r} but is expected to match {err.validator_value!r}"
        elif err.validator in ("minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum"):
            msg = f"`{fld}` was {inst!r} but {err.message.split(' is ', 1)[-1]}"
        else:
            msg = err.message
        out.append(TargetProblem(file, target, fld, msg))
    return out


def _rule_problems(doc: Any, file: str) -> list[TargetProblem]:
    """Cross-field rules the schema does not express (tolerant of a document that fails the schema)."""
    out: list[TargetProblem] = []
    if not isinstance(doc, dict):
        return out
    plan = doc.get("plan")
    plan_id = plan.get("id") if isinstance(plan, dict) else None
    items = doc.get("targets")
    if not isinstance(items, list):
        return out
    for i, t in enumerate(items):
        if not isinstance(t, dict):
            continue
        tid = t["id"] if isinstance(t.get("id"), str) and t["id"] else f"targets[{i}]"
        found: list[tuple[str, str]] = []
        if isinstance(plan_id, str) and isinstance(t.get("id"), str) and not tid.startswith(plan_id + "/"):
            found.append(("id", f"`id` was {tid!r} but is expected to start with the plan id {plan_id + '/'!r}"))
        found += _check_rule_problems(t) + _value_rule_problems(t) + _field_rule_problems(t)
        out += [TargetProblem(file, tid, fld, msg) for fld, msg in found]
    return out


def _check_rule_problems(t: dict[str, Any]) -> list[tuple[str, str]]:
    """A target's ``check`` and ``metric``: known, together, and consistent with ``no_check`` and ``spatial``."""
    out: list[tuple[str, str]] = []

    def bad(fld: str, msg: str) -> None:
        out.append((fld, msg))

    check, metric = t.get("check"), t.get("metric")
    if isinstance(check, str) and check not in CHECK_METRICS:
        close = difflib.get_close_matches(check, CHECK_METRICS, n=1)
        hint = f" (did you mean {close[0]!r}?)" if close else ""
        bad("check", f"`check` was {check!r} but is expected to be one of {sorted(CHECK_METRICS)}{hint}")
    elif isinstance(check, str) and isinstance(metric, str) and metric not in CHECK_METRICS[check]:
        bad("metric", f"`metric` was {metric!r} but is expected to be one of {list(CHECK_METRICS[check])} "
                      f"(the metrics of check {check!r})")
    if (check is None) != (metric is None):
        bad("metric" if metric is None else "check",
            "`check` and `metric` go together: give both (the check that measures the target and its "
            "metric key) or neither")
    if t.get("no_check") is not None and check is not None:
        bad("no_check", f"`no_check` says no check measures the target but `check` is {check!r}; remove "
                        "no_check (or the check)")
    if t.get("no_check") is not None and t.get("spatial") is False:
        bad("no_check", "`no_check` goes on a spatial target (spatial = true) that no check measures; a "
                        "target with spatial = false needs no reason")
    if t.get("spatial") is False and check is not None:
        bad("check", f"`check` was {check!r} but a target with spatial = false has no check; set spatial = "
                     "true if a layer can measure it")
    return out


def _value_rule_problems(t: dict[str, Any]) -> list[tuple[str, str]]:
    """A target's ``value`` as its comparator needs it (none, or a figure or notes saying why there is none)."""
    out: list[tuple[str, str]] = []
    check = t.get("check")

    def bad(fld: str, msg: str) -> None:
        out.append((fld, msg))

    comparator = t.get("comparator")
    has_value = "value" in t
    if comparator in _VALUELESS and has_value:
        bad("value", f"`value` was {t['value']!r} but comparator {comparator!r} takes no value; remove it")
    if comparator in COMPARATORS and comparator not in _VALUELESS and not has_value and not t.get("notes"):
        bad("value", f"`value` is missing for comparator {comparator!r}; give the figure, or explain in "
                     "`notes` why the plan gives none")
    if (isinstance(check, str) and comparator in COMPARATORS and comparator not in _VALUELESS
            and not has_value):
        bad("check", f"`check` was {check!r} but the target has no value to compare with; leave out check and "
                     "metric until the figure is known")
    return out


def _field_rule_problems(t: dict[str, Any]) -> list[tuple[str, str]]:
    """The fields that go with one check or metric (``water_class``, ``params``, ``select``) and share values."""
    out: list[tuple[str, str]] = []
    check, metric = t.get("check"), t.get("metric")

    def bad(fld: str, msg: str) -> None:
        out.append((fld, msg))

    if metric == "share_meeting_class" and not t.get("water_class"):
        bad("water_class", "`water_class` is missing: metric 'share_meeting_class' needs the class the "
                           "sections must reach (I, II, III, IV or V)")
    if t.get("water_class") and metric != "share_meeting_class":
        bad("water_class", f"`water_class` goes with metric 'share_meeting_class', not {metric!r}")
    if t.get("params") and isinstance(check, str) and check in CHECKS and isinstance(t["params"], dict):
        for why in CHECKS[check].param_problems(t["params"]):  # the check's own spec says what it takes
            bad("params", why)
    if t.get("params") and check is None:
        bad("params", "`params` go with a check; give check and metric too")
    if t.get("select") and "select" not in getattr(CHECKS.get(check) if isinstance(check, str) else None,
                                                   "target_keys", ()):  # the checks whose spec reads it
        takers = [n for n, s in CHECKS.items() if "select" in s.target_keys]
        bad("select", f"`select` picks features and goes with check {' or '.join(map(repr, takers))}, "
                      f"not {check!r}")
    value = t.get("value")
    if (t.get("unit") == "share" and isinstance(value, (int, float)) and not isinstance(value, bool)
            and not 0.0 <= float(value) <= 1.0):
        bad("value", f"`value` was {value!r} but a share is expected in 0-1 (write 75 % as 0.75)")
    return out


def _read_doc(path: Any) -> tuple[str, Any, list[TargetProblem]]:
    file = _display(path)
    try:
        text = path.read_text(encoding="utf-8") if hasattr(path, "read_text") else Path(path).read_text(
            encoding="utf-8")
    except FileNotFoundError:
        return file, None, [TargetProblem(file, None, None, "file not found; expected a TOML targets file")]
    except (OSError, UnicodeDecodeError) as exc:
        return file, None, [TargetProblem(file, None, None, f"cannot be read as UTF-8 text: {exc}")]
    try:
        return file, tomllib.loads(text), []
    except tomllib.TOMLDecodeError as exc:
        return file, None, [TargetProblem(file, None, None, f"is not valid TOML: {exc}")]


def _build(doc: dict[str, Any]) -> list[Target]:
    plan = doc["plan"]
    out = []
    for t in doc["targets"]:
        value = t.get("value")
        out.append(Target(
            id=t["id"], plan=plan["id"], city=plan["city"], city_en=plan["city_en"],
            document=t.get("document", plan["document"]), clause=t["clause"], quote=t["quote"],
            indicator=t["indicator"], indicator_zh=t["indicator_zh"], scope=t["scope"], year=int(t["year"]),
            comparator=t["comparator"], value=None if value is None else float(value), unit=t["unit"],
            spatial=bool(t["spatial"]), check=t.get("check"), metric=t.get("metric"), notes=t.get("notes"),
            select=tuple((f, tuple([v] if isinstance(v, str) else v)) for f, v in (t.get("select") or {}).items()),
            water_class=t.get("water_class"),
            params=tuple(sorted((k, v if isinstance(v, str) else float(v))
                                for k, v in (t.get("params") or {}).items())),
            no_check=t.get("no_check"),
        ))
    return out


def _load(paths: Sequence[Any]) -> tuple[list[Target], dict[str, PlanInfo]]:
    problems: list[TargetProblem] = []
    docs: list[tuple[str, dict[str, Any]]] = []
    seen_ids: dict[str, str] = {}
    seen_plans: dict[str, str] = {}
    for path in paths:
        file, doc, probs = _read_doc(path)
        problems += probs
        if doc is None:
            continue
        problems += _schema_problems(doc, file)
        problems += _rule_problems(doc, file)
        docs.append((file, doc))
        plan = doc.get("plan")
        plan_id = plan.get("id") if isinstance(plan, dict) else None
        if isinstance(plan_id, str):
            if plan_id in seen_plans:
                problems.append(TargetProblem(file, None, "plan.id", f"plan id {plan_id!r} is also used by "
                                                                     f"{seen_plans[plan_id]}; plan ids must be unique"))
            seen_plans.setdefault(plan_id, file)
        items = doc.get("targets")
        for t in items if isinstance(items, list) else []:
            tid = t.get("id") if isinstance(t, dict) else None
            if not isinstance(tid, str):
                continue
            if tid in seen_ids:
                problems.append(TargetProblem(file, tid, "id", f"duplicate target id (also in {seen_ids[tid]}); "
                                                               "ids must be unique"))
            seen_ids.setdefault(tid, file)
    if problems:
        head = f"{len(problems)} problem(s) in the targets registry ({len(paths)} file(s))"
        err = TargetsError(head + "\n  " + "\n  ".join(str(p) for p in problems))
        err.problems = problems  # type: ignore[attr-defined]
        raise err
    targets: list[Target] = []
    infos: dict[str, PlanInfo] = {}
    for file, doc in docs:
        built = _build(doc)
        targets += built
        p = doc["plan"]
        documents = tuple(dict.fromkeys([p["document"], *(t.document for t in built)]))
        infos[p["id"]] = PlanInfo(
            id=p["id"], city=p["city"], city_en=p["city_en"], document=p["document"], title=p["title"],
            issuer=p.get("issuer"), issued=p.get("issued"), documents=documents, n_targets=len(built),
            n_spatial=sum(t.spatial for t in built), n_checked=sum(t.check is not None for t in built),
            years=tuple(sorted({t.year for t in built})), notes=p.get("notes"), path=file,
        )
    log.debug("targets registry: %d targets in %d plans", len(targets), len(infos))
    return targets, infos


@lru_cache(maxsize=1)
def _packaged() -> tuple[tuple[Target, ...], tuple[tuple[str, PlanInfo], ...]]:
    targets, infos = _load(packaged_target_files())
    return tuple(targets), tuple(infos.items())


def _as_paths(paths: str | Path | Iterable[str | Path]) -> list[Path]:
    if isinstance(paths, (str, Path)):
        paths = [paths]
    out: list[Path] = []
    missing = []
    for p in paths:
        p = Path(p)
        if not p.exists():
            missing.append(str(p))
        out += sorted(p.glob("*.toml")) if p.is_dir() else [p]
    if missing:
        raise InputError(f"targets path(s) {missing} do not exist; give TOML files or directories of them")
    return out


# --- public API -----------------------------------------------------------------------------
def load_targets(paths: str | Path | Iterable[str | Path] | None = None) -> list[Target]:
    """Read and validate the targets registry.

    Parameters
    ----------
    paths : path-like or iterable of path-like, optional
        TOML files (or directories of them) to read instead of the packaged registry.

    Returns
    -------
    list of Target
        In file order, then in the order of each file.

    Raises
    ------
    TargetsError
        Listing every problem of every file (file, target id, field, message): TOML
        syntax, schema violations, unknown checks or metrics, duplicate ids ...  The
        problems are also in the exception's ``problems`` attribute.

    Examples
    --------
    >>> from ecogis.targets import load_targets
    >>> targets = load_targets()
    >>> len({t.id for t in targets}) == len(targets)
    True
    >>> sorted({t.plan for t in targets})[:3]
    ['luohe-air-2024', 'luohe-eco-2023', 'luohe-transit-2023']
    """
    return list(_registry(paths)[0])


def plans(paths: str | Path | Iterable[str | Path] | None = None) -> dict[str, PlanInfo]:
    """The plans of the registry, by plan id.

    Parameters
    ----------
    paths : path-like or iterable of path-like, optional
        As in :func:`load_targets`; default the packaged registry.

    Returns
    -------
    dict of str to PlanInfo
        ``str(info)`` is "city document title"; ``info.n_targets`` counts its targets.

    Examples
    --------
    >>> from ecogis.targets import plans
    >>> info = plans()["luohe-transit-2023"]
    >>> info.document, info.city_en
    ('漯政办〔2023〕22号', 'Luohe')
    """
    return dict(_registry(paths)[1])


def _registry(paths: str | Path | Iterable[str | Path] | None) -> tuple[Any, Any]:
    """(targets, plans) of the packaged registry, or of the TOML files at ``paths``."""
    if paths is None:
        return _packaged()
    files = _as_paths(paths)
    if not files:
        raise InputError(f"paths was {paths!r} but no TOML targets file was found there")
    return _load(files)


def _match(value: Any, wanted: str | Sequence[Any] | None) -> bool:
    if wanted is None:
        return True
    if isinstance(wanted, (str, int, bool)):
        return value == wanted
    return value in set(wanted)


def select(
    targets: Iterable[Target] | None = None,
    *,
    plan: str | Sequence[str] | None = None,
    city: str | Sequence[str] | None = None,
    year: int | Sequence[int] | None = None,
    check: str | Sequence[str] | None = None,
    spatial: bool | None = None,
) -> list[Target]:
    """Filter targets; every criterion given must hold.

    Parameters
    ----------
    targets : iterable of Target, optional
        Default: the packaged registry.
    plan, city, year, check : value or sequence of values, optional
        Plan id(s); city in Chinese (``"漯河市"``) or English (``"Luohe"``, any case);
        year(s); check name(s).
    spatial : bool, optional
        Only spatial (True) or only non-spatial (False) targets.

    Returns
    -------
    list of Target

    Examples
    --------
    >>> from ecogis.targets import select
    >>> [t.value for t in select(city="Sanmenxia", check="air") if t.indicator == "pm25_annual_mean"]
    [57.0, 54.0, 50.0]
    """
    pool = load_targets() if targets is None else list(targets)
    cities: set[str] | None = None
    if city is not None:
        cities = {c.lower() for c in ([city] if isinstance(city, str) else city)}
    out = []
    for t in pool:
        if not (_match(t.plan, plan) and _match(t.year, year) and _match(t.check, check)):
            continue
        if spatial is not None and t.spatial != spatial:
            continue
        if cities is not None and t.city.lower() not in cities and t.city_en.lower() not in cities:
            continue
        out.append(t)
    return out


def get(target_id: str, targets: Iterable[Target] | None = None) -> Target:
    """One target by id.

    Parameters
    ----------
    target_id : str
        ``"<plan>/<slug>"``.
    targets : iterable of Target, optional
        Default: the packaged registry.

    Raises
    ------
    InputError
        When no target has that id (the message names the closest ids).

    Examples
    --------
    >>> from ecogis.targets import get
    >>> get("xingyang-eco-2024/pm25-2025").value
    39.0
    """
    pool = load_targets() if targets is None else list(targets)
    for t in pool:
        if t.id == target_id:
            return t
    close = difflib.get_close_matches(target_id, [t.id for t in pool], n=3, cutoff=0.5)
    hint = f"; closest: {close}" if close else "; see ecogis.targets.load_targets()"
    raise InputError(f"target id was {target_id!r} but no target of the registry has it{hint}")


def spatial_gaps(targets: Iterable[Target] | None = None) -> dict[str, dict[str, list[str]]]:
    """Per plan, the spatial targets that no check measures: without and with a stated reason.

    A spatial target without a check should say why in ``no_check``; the ones that do not
    are gaps of the registry (goal: none).

    Parameters
    ----------
    targets : iterable of Target, optional
        Default: the packaged registry.

    Returns
    -------
    dict of str to dict
        ``{plan id: {"without_reason": [ids], "with_reason": [ids]}}`` for every plan of
        ``targets``, in plan-id order; ids in registry order.

    Examples
    --------
    >>> from ecogis.targets import spatial_gaps
    >>> gaps = spatial_gaps()
    >>> sum(len(g["without_reason"]) for g in gaps.values())
    0
    >>> "luohe-transit-2023/new-bus-lines" in gaps["luohe-transit-2023"]["with_reason"]
    True
    """
    pool = load_targets() if targets is None else list(targets)
    out: dict[str, dict[str, list[str]]] = {}
    for plan in sorted({t.plan for t in pool}):
        out[plan] = {"without_reason": [], "with_reason": []}
    for t in pool:
        if t.spatial and t.check is None:
            out[t.plan]["with_reason" if t.no_check else "without_reason"].append(t.id)
    return out


def spatial_gaps_table(targets: Iterable[Target] | None = None) -> str:
    """The Markdown table of :func:`spatial_gaps` counts that ``docs/targets.md`` shows.

    Parameters
    ----------
    targets : iterable of Target, optional
        Default: the packaged registry.

    Returns
    -------
    str
        One row per plan and a total row: spatial targets without a check and without a
        reason (goal 0), and those whose ``no_check`` says why.

    Examples
    --------
    >>> from ecogis.targets import spatial_gaps_table
    >>> print(spatial_gaps_table().splitlines()[0])
    | plan id | spatial targets without a check, no reason (goal 0) | without a check, reason in `no_check` |
    """
    gaps = spatial_gaps(targets)
    lines = ["| plan id | spatial targets without a check, no reason (goal 0) "
             "| without a check, reason in `no_check` |", "|---|---:|---:|"]
    for plan, g in gaps.items():
        lines.append(f"| `{plan}` | {len(g['without_reason'])} | {len(g['with_reason'])} |")
    lines.append(f"| **total** | **{sum(len(g['without_reason']) for g in gaps.values())}** | "
                 f"**{sum(len(g['with_reason']) for g in gaps.values())}** |")
    return "\n".join(lines)
