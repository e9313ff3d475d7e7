"""A runner's NotMeasurableError carries a reason for every target metric of its check."""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

from ecogis import checks as _registry  # the package (its CHECKS), initialising when this module is first loaded
from ecogis.catalogue import CATALOGUE, SCOPES
from ecogis.checks._areas import WHOLE_CITY
from ecogis.errors import NotMeasurableError

__all__ = ["canonical_values", "strict_scope_area", "with_reasons"]


def with_reasons(check: str) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Decorate a runner so that a NotMeasurableError it raises (a layer or study area missing) names,
    for each target metric of ``check`` it gives no reason for, the error's own message."""

    def wrap(fn: Callable[..., Any]) -> Callable[..., Any]:
        @functools.wraps(fn)
        def run(layers: Any, params: Any, *, scope: str | None = None, year: int | None = None) -> Any:
            try:
                return fn(layers, params, scope=scope, year=year)
            except NotMeasurableError as exc:
                registered = _registry.CHECKS
                metrics = registered[check].target_metrics if check in registered else ()
                missing = [m for m in metrics if m not in exc.reasons]
                if not missing:
                    raise
                raise NotMeasurableError(str(exc), reasons={**{m: str(exc) for m in missing},
                                                            **exc.reasons}) from exc

        return run

    return wrap


def strict_scope_area(layers: Any, scope: str | None, default: str = "城市建成区") -> Any:
    """The study area of a target's scope, or NotMeasurableError: a scope that is no study_area scope
    (``县城建成区``, ``临颍县、舞阳县``) is not replaced by another area.

    ``None`` is ``default``; the whole-city words (全市, 市区 ...) are the 市域.
    """
    wanted = scope or default
    if wanted in WHOLE_CITY:
        return layers.study_area("市域")
    if wanted in SCOPES:
        return layers.study_area(wanted)
    raise NotMeasurableError(f"scope {wanted!r} is not a study_area scope (one of {list(SCOPES)}): ecogis does not "
                             "guess its area; measure it on a layer set whose study_area holds it as one of those "
                             "scopes (e.g. 城市建成区 of that county's layers)")


def canonical_values(kind: str, field: str, values: list[str]) -> list[str]:
    """Values of a catalogue field in their canonical spelling (``"farmland"`` -> ``"永久基本农田"``), so a
    target may name them in ASCII (audit keys, map and QGIS layer names keep only ASCII)."""
    spec = CATALOGUE.get(kind)
    fields = {f.name: f for f in spec.fields} if spec is not None else {}
    if field not in fields or not fields[field].value_aliases:
        return values
    aliases = {k.lower(): v for k, v in fields[field].value_aliases.items()}
    return [aliases.get(v.strip().lower(), v) for v in values]
