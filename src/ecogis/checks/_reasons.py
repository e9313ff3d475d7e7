"""A runner's NotMeasurableError carries a reason for every target metric of its check."""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

from ecogis.errors import NotMeasurableError

__all__ = ["with_reasons"]


def with_reasons(check: str) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Decorate a runner so that a NotMeasurableError it raises (a layer or study area missing) names,
    for each target metric of ``check`` it gives no reason for, the error's own message."""

    def wrap(fn: Callable[..., Any]) -> Callable[..., Any]:
        @functools.wraps(fn)
        def run(layers: Any, params: Any, *, scope: str | None = None, year: int | None = None) -> Any:
            try:
                return fn(layers, params, scope=scope, year=year)
            except NotMeasurableError as exc:
                from ecogis.checks import CHECKS

                metrics = CHECKS[check].target_metrics if check in CHECKS else ()
                missing = [m for m in metrics if m not in exc.reasons]
                if not missing:
                    raise
                raise NotMeasurableError(str(exc), reasons={**{m: str(exc) for m in missing},
                                                            **exc.reasons}) from exc

        return run

    return wrap
