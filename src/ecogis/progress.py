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

__all__ = ["progress_bar", "set_default", "enabled"]

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
