"""What one check is: :class:`CheckSpec`, its :class:`Param` and :class:`Metric`.

Every check of ecogis is one module of :mod:`ecogis.checks` ending in a declaration
``SPEC = CheckSpec(...)``; audit, targets, the CLI, maps, report and export read the
check's facts from it (through the registry :data:`ecogis.checks.CHECKS`).

Examples
--------
>>> from ecogis.checks.spec import CheckSpec, Metric, Param
>>> spec = CheckSpec("toy", ("玩具", "Toy"), runner=lambda layers, params, **kw: None,
...                  params=(Param("radius_m", 500.0, unit="m", minimum=0.0, min_open=True),),
...                  metrics=(Metric("toy_count", "count", ("玩具数", "Toys"), target=True),))
>>> spec.target_metrics, spec.param_names
(('toy_count',), ('radius_m',))
>>> for why in spec.param_problems({"radius_m": -1, "depth_m": 2}):
...     print(why)
`params` ['depth_m'] are not parameters of check 'toy'; expected some of ['radius_m']
`params.radius_m` was -1 but is expected to be > 0 (m)
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from ecogis.styles import LayerStyle

__all__ = ["CheckSpec", "Field", "Metric", "Param", "Runner", "Measure", "metric_value"]

#: ``runner(layers, params, *, scope, year) -> CheckResult``
Runner = Callable[..., Any]
#: ``measure(target, result) -> (value or None, reason or None)``
Measure = Callable[[Any, Any], "tuple[float | None, str | None]"]


@dataclass(frozen=True)
class Param:
    """A parameter a target may give its check (``params`` in the targets' TOML).

    Attributes
    ----------
    name : str
        Keyword of the check function, unit in the name (``radius_m``).
    default : float or str
        The value the check uses when a target gives none; a str default makes a text
        parameter (a category, a comma-separated list of kinds; ``""`` for none).
    unit : str
        Unit, for messages (``"m"``, ``"MW"``).
    minimum : float or None
        Smallest allowed value; ``min_open`` makes it exclusive.
    doc : str
        One line for docs and help.
    label : tuple of (str, str), optional
        Display name (Chinese, English) for map titles and panels.
    """

    name: str
    default: float | str
    unit: str = ""
    minimum: float | None = None
    min_open: bool = False
    doc: str = ""
    label: tuple[str, str] | None = None

    @property
    def is_text(self) -> bool:
        """True for a text parameter (its default is a str)."""
        return isinstance(self.default, str)

    def problem(self, value: Any) -> str | None:
        """Why ``value`` is not valid for this parameter, or None."""
        unit = f" ({self.unit})" if self.unit else ""
        if self.is_text:
            if not isinstance(value, str):
                return f"`params.{self.name}` was {value!r} but is expected to be text (a string)"
            return None
        if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(float(value)):
            return f"`params.{self.name}` was {value!r} but is expected to be a finite number{unit}"
        if self.minimum is not None:
            low = float(value) <= self.minimum if self.min_open else float(value) < self.minimum
            if low:
                op = ">" if self.min_open else ">="
                return f"`params.{self.name}` was {value!r} but is expected to be {op} {self.minimum:g}{unit}"
        return None


@dataclass(frozen=True)
class Metric:
    """One metric of a check's result.

    Attributes
    ----------
    key : str
        Key in ``CheckResult.metrics`` (unit suffix in the name: ``_m2``, ``_km``, ``_ugm3``).
    unit : str
        ``"share"`` (0-1), ``"count"``, ``"m2"``, ``"km"``, ``"ug/m3"`` ... (as the targets' units).
    label : tuple of (str, str)
        Display name (Chinese, English) for map panels and reports; the unit is added from the key.
    target : bool
        True when a plan's target may name it (``metric`` in the targets' TOML).
    """

    key: str
    unit: str = ""
    label: tuple[str, str] | None = None
    target: bool = False


@dataclass(frozen=True)
class Field:
    """A field a check's result layers or violations add, as maps and popups name it.

    Attributes
    ----------
    name : str
        Column name (unit suffix in the name: ``_m``, ``_m2``, ``_ugm3``).
    unit : str
        Unit word (``"m"``, ``"m2"``, ``"share"``, ``"count"``, ``"ug/m3"``; ``""`` for none).
    label : tuple of (str, str)
        Display name (Chinese, English), no unit.
    values : mapping of str to (str, str)
        Engine words the field holds -> their display (Chinese, English) (``"concentrations"`` -> 实测浓度).
    hidden : tuple of str
        Languages whose map popups leave the field out (an engine code with no Chinese: ``("zh",)``).
    data : bool
        True when its values are the input data's own words (names, ids, a law's words copied from a
        rules table), shown as they are in either language (the language tests do not judge them).

    Examples
    --------
    >>> Field("chp_id", label=("热电厂编号", "CHP plant id")).unit
    ''
    """

    name: str
    unit: str = ""
    label: tuple[str, str] = ("", "")
    values: Mapping[str, tuple[str, str]] = field(default_factory=dict)
    hidden: tuple[str, ...] = ()
    data: bool = False


@dataclass(frozen=True)
class CheckSpec:
    """Everything about one check, in one place.

    Attributes
    ----------
    name : str
        As in ``ecogis check NAME``, the targets' ``check`` and ``CheckResult.name``.
    title : tuple of (str, str)
        Chinese and English title of its map, report section and QGIS group.
    runner : callable
        ``runner(layers, params, *, scope, year) -> CheckResult``: runs the check on a
        :class:`~ecogis.layerset.LayerSet` with a target's parameters (defaults filled in).
    inputs : tuple of str
        Layer kinds (catalogue) it reads; the first ones it cannot do without.
    params : tuple of Param
        Parameters a target may give it.
    metrics : tuple of Metric
        Metrics of its result with units and labels; those with ``target=True`` may be
        named by targets.
    scoped : bool
        True when its result depends on the target's scope (a study area), so the audit
        runs it once per scope; False when one run serves every target.
    context : tuple of str
        Layer kinds its map shows under the result.
    headline : tuple of str
        Metric keys ``ecogis check NAME`` prints.
    result_layers : tuple of str
        Names of the layers its result holds (styled by :func:`ecogis.styles.style_for`).
    fields : tuple of Field
        Display names and units of the fields only this check's results add (their popups, the language
        tests); fields many checks add (``rule``, ``area_m2``, ``distance_m`` ...) are in
        :data:`ecogis.checks.SHARED_FIELDS`.  A name may be given once: by the shared table or by one check
        (:func:`ecogis.checks.register` refuses another label for it).
    styles : tuple of LayerStyle
        Styles of result layers only this check makes (added to :data:`ecogis.styles.STYLES` when the
        check is registered); the shared ones (violations, warnings, gaps ...) live in :mod:`ecogis.styles`.
    measure : callable, optional
        ``measure(target, result) -> (value, reason)`` for metrics not read off
        ``result.metrics``; default :func:`metric_value`.
    command : str, optional
        ``"module:attribute"`` of its click command; None builds a generic
        ``ecogis check NAME`` from the runner and the headline.
    indicators : mapping of str to str
        Target ``indicator`` name -> one of its target metrics: a target that names no
        ``check`` is measured by this one when its indicator is here and the layer set
        has every kind of ``inputs`` (:func:`ecogis.audit.indicator_check`).
    target_keys : tuple of str
        Keys of a target (the plan's TOML) that only this check reads, besides ``params``
        (``sections``: ``select``, the sections a target is about); a target giving one to another
        check is refused when the targets are loaded.
    order : int
        Place of a built-in check (a module of :mod:`ecogis.checks`) in :data:`ecogis.checks.CHECKS`:
        built-ins are registered by ascending ``order`` (then name), which is the order ``ecogis check``
        lists them, the audit runs them and the report and maps show them.  A new check takes the next
        free number (the largest today plus 10); checks added by :func:`~ecogis.checks.register` or an
        entry point come after the built-ins, in the order they are added.
    """

    name: str
    title: tuple[str, str]
    runner: Runner
    inputs: tuple[str, ...] = ()
    params: tuple[Param, ...] = ()
    metrics: tuple[Metric, ...] = ()
    scoped: bool = False
    context: tuple[str, ...] = ("study_area",)
    headline: tuple[str, ...] = ()
    result_layers: tuple[str, ...] = ()
    fields: tuple[Field, ...] = ()
    styles: tuple[LayerStyle, ...] = ()
    measure: Measure | None = None
    command: str | None = None
    indicators: Mapping[str, str] = field(default_factory=dict)
    target_keys: tuple[str, ...] = ()
    order: int = 1000

    def __post_init__(self) -> None:
        wrong = {i: m for i, m in self.indicators.items() if m not in self.target_metrics}
        if wrong:
            raise ValueError(f"check {self.name!r}: indicators {wrong} map to metrics that are not target metrics "
                             f"{list(self.target_metrics)}")

    @property
    def target_metrics(self) -> tuple[str, ...]:
        """The metric keys a target may name."""
        return tuple(m.key for m in self.metrics if m.target)

    @property
    def param_names(self) -> tuple[str, ...]:
        return tuple(p.name for p in self.params)

    def param_problems(self, params: Mapping[str, Any]) -> list[str]:
        """What is wrong with a target's ``params`` for this check (empty when nothing)."""
        out: list[str] = []
        unknown = sorted(set(params) - set(self.param_names))
        if unknown:
            out.append(f"`params` {unknown} are not parameters of check {self.name!r}; expected some of "
                       f"{list(self.param_names)}")
        for p in self.params:
            if p.name in params:
                why = p.problem(params[p.name])
                if why:
                    out.append(why)
        return out

    def with_defaults(self, params: Mapping[str, Any]) -> dict[str, Any]:
        """``params`` with the defaults of the parameters not given."""
        return {**{p.name: p.default for p in self.params}, **dict(params)}

    def run(self, layers: Any, params: Mapping[str, Any] | None = None, *, scope: str | None = None,
            year: int | None = None) -> Any:
        """Run the check (parameters as given; the check function's defaults for the others)."""
        return self.runner(layers, dict(params or {}), scope=scope, year=year)

    def measure_target(self, target: Any, result: Any) -> tuple[float | None, str | None]:
        """The value of ``target``'s metric in ``result``, or None and the reason."""
        return (self.measure or metric_value)(target, result)


def metric_value(target: Any, result: Any) -> tuple[float | None, str | None]:
    """A target's metric read off ``result.metrics``, or None and the reason (``result.not_measurable``)."""
    value = result.metrics.get(target.metric)
    if value is None:
        why = result.not_measurable.get(target.metric)
        return None, why or f"check {target.check!r} produced no {target.metric!r}"
    return float(value), None
