"""Progress bars for long work (tqdm), off unless the caller or the CLI turns them on.

The library never prints on its own: functions take ``progress: bool | None``;
``None`` means "whatever :func:`set_default` said" (the CLI turns it on unless
``--quiet``).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from contextvars import ContextVar
from typing import Any, TypeVar

from tqdm.auto import tqdm

__all__ = ["Steps", "progress_bar", "set_default", "enabled"]

T = TypeVar("T")
_DEFAULT: ContextVar[bool] = ContextVar("ecogis_progress", default=False)


def set_default(on: bool) -> None:
    """Turn progress bars on or off for calls that pass ``progress=None``."""
    _DEFAULT.set(on)


def enabled(progress: bool | None = None) -> bool:
    return _DEFAULT.get() if progress is None else progress


def progress_bar(iterable: Iterable[T] | None = None, *, total: int | None = None, desc: str = "",
                 unit: str = "it", progress: bool | None = None, **kwargs: Any) -> Iterator[T] | tqdm:
    """A tqdm bar on stderr when progress is enabled, a silent pass-through otherwise."""
    # on: a bar when stderr is a terminal (tqdm's disable=None), silent in logs and pipes
    return tqdm(iterable, total=total, desc=desc, unit=unit, disable=True if not enabled(progress) else None,
                leave=False,
                dynamic_ncols=True, **kwargs)


class Steps:
    """One bar over the steps of a long computation, each named as it runs; silent when progress is off.

    Steps are counted as they become known (:meth:`add`: e.g. the gap tiles, once the cells
    are built), so the bar's total can grow; :meth:`start` names the step running and
    :meth:`done` ends one.  A context manager: the bar goes when the work ends, also on an error.

    Examples
    --------
    >>> with Steps("coverage", progress=False) as steps:
    ...     steps.add(2)
    ...     steps.start("triangulation")
    ...     steps.done()
    ...     steps.start("gaps")
    ...     steps.done()
    ...     steps.count
    2
    """

    def __init__(self, desc: str, *, progress: bool | None = None) -> None:
        self.count = 0
        self._bar = tqdm(total=0, desc=desc, unit="step", disable=True if not enabled(progress) else None,
                         leave=False, dynamic_ncols=True)

    @property
    def total(self) -> int:
        """The steps counted so far (done or to come)."""
        return int(self._bar.total or 0)

    def add(self, n: int = 1) -> None:
        """``n`` more steps to come."""
        self._bar.total = (self._bar.total or 0) + int(n)
        self._bar.refresh()

    def start(self, name: str) -> None:
        """Name the step that runs now."""
        self._bar.set_postfix_str(name, refresh=True)

    def done(self, n: int = 1) -> None:
        """``n`` steps ended."""
        self.count += int(n)
        self._bar.update(int(n))

    def close(self) -> None:
        self._bar.close()

    def __enter__(self) -> Steps:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
