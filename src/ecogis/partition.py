"""Run independent pieces of work (spatial tiles) as dask tasks: local threads, or a dask cluster.

The tiles are fixed by the data alone, never by the number of workers, and each
task's result is combined in the same order whatever ran it, so the numbers are the
same bit for bit with one worker, with ``partitions=N`` threads, or on a
``dask.distributed`` cluster (``scheduler="tcp://host:8786"`` or the environment
variable ``DASK_SCHEDULER_ADDRESS``).

Examples
--------
>>> map_tasks(pow, [(2, 3), (3, 2)], partitions=2)
[8, 9]
"""

from __future__ import annotations

import functools
import os
import uuid
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
import shapely

from ecogis.errors import InputError

__all__ = ["map_tasks", "scheduler_address"]


def scheduler_address(scheduler: str | None = None) -> str | None:
    """The dask scheduler to use: ``scheduler``, else ``DASK_SCHEDULER_ADDRESS``, else None (this process).

    Examples
    --------
    >>> scheduler_address("tcp://10.0.0.5:8786")
    'tcp://10.0.0.5:8786'
    """
    address = scheduler if scheduler else os.environ.get("DASK_SCHEDULER_ADDRESS") or None
    if address is not None and not isinstance(address, str):
        raise InputError(f"scheduler was {address!r} but is expected to be an address such as 'tcp://host:8786'")
    return address


def map_tasks(fn: Callable[..., Any], args: Sequence[tuple[Any, ...]], *, partitions: int | None = None,
              scheduler: str | None = None, shared: tuple[Any, ...] = (), scatter: bool = False,
              on_done: Callable[[], None] | None = None, polygons_first: bool = False) -> list[Any]:
    """``[fn(*shared, *a) for a in args]``, as dask tasks when asked; results in the order of ``args``.

    Parameters
    ----------
    fn : callable
        A module-level function (it is pickled for a cluster).
    args : sequence of tuples
        The arguments of each task.
    partitions : int, optional
        Run the tasks on this many local threads (dask's threaded scheduler); None or 1:
        one after the other in this process.
    scheduler : str, optional
        Address of a ``dask.distributed`` scheduler (default: ``DASK_SCHEDULER_ADDRESS``
        when set); the tasks then run on its workers.
    shared : tuple, optional
        Arguments every task gets first (sent to each worker once, not once per task).
    scatter : bool, default False
        On a cluster, send the first argument of each task (its own data) straight to one
        worker (``Client.scatter``, spread over the workers), where the task then runs,
        instead of through the scheduler with the task.
    on_done : callable, optional
        Called (with no argument, in this process) each time a task ends, in the order
        they end: e.g. :meth:`ecogis.progress.Steps.done`.
    polygons_first : bool, default False
        The tasks' results are tuples (or None) whose first item is an array of polygons: on a
        cluster they come back as coordinate arrays (:func:`_packed`), made into polygons again
        here vertex for vertex, which costs the caller less than unpickling the geometries.

    Returns
    -------
    list
        The results, in the order of ``args``.
    """
    address = scheduler_address(scheduler)
    tick = on_done if on_done is not None else _nothing
    if address is None and (not partitions or partitions <= 1 or len(args) <= 1):
        out = []
        for a in args:
            out.append(fn(*shared, *a))
            tick()
        return out
    try:
        import dask
    except ImportError:
        raise InputError("partitions and --scheduler need dask: pip install 'ecogis[scale]'") from None
    if address is None:
        from dask.callbacks import Callback

        common = [dask.delayed(x, pure=True) for x in shared]
        tasks = [dask.delayed(fn, pure=True)(*common, *a) for a in args]
        keys = {t.key for t in tasks}

        def posttask(key: Any, *_: Any) -> None:
            if key in keys:
                tick()

        with Callback(posttask=posttask):
            return list(dask.compute(*tasks, scheduler="threads", num_workers=int(partitions)))
    try:
        from distributed import Client
    except ImportError:
        raise InputError("--scheduler needs dask.distributed: pip install 'ecogis[scale]'") from None
    try:
        client = Client(address, timeout="10s", set_as_default=False)
    except OSError as exc:
        raise InputError(f"no dask scheduler answers at {address!r} ({exc}); start one (dask scheduler) or "
                         f"leave --scheduler and DASK_SCHEDULER_ADDRESS unset to run here") from None
    with client:
        common = [client.scatter(x, broadcast=True) for x in shared]  # once to each worker, not in every task
        if scatter and args:
            own = client.scatter([a[0] for a in args], hash=False)  # each task's data to one worker
            args = [(d, *a[1:]) for d, a in zip(own, args)]
        task = functools.partial(_packed, fn) if polygons_first else fn
        name = getattr(fn, "__name__", "task")  # (the tasks keep fn's name on the dashboard, packed or not)
        futures = [client.submit(task, *common, *a, key=f"{name}-{uuid.uuid4().hex}") for a in args]
        if on_done is not None:
            from distributed import as_completed

            for _ in as_completed(futures, loop=client.loop):
                tick()
        out = list(client.gather(futures))
        return [_unpacked(r) for r in out] if polygons_first else out


def _packed(fn: Callable[..., Any], *args: Any) -> Any:
    """``fn(*args)`` (a tuple whose first item is polygons, or None) with the polygons as coordinate arrays."""
    result = fn(*args)
    if result is None:
        return None
    polys = np.asarray(result[0], dtype=object)
    coords, offsets = shapely.to_ragged_array(polys)[1:] if polys.size else (np.zeros((0, 2)), None)
    return ((coords, offsets), *result[1:])


def _unpacked(result: Any) -> Any:
    """:func:`_packed`'s result with its polygons made again (the same vertices, in the same order)."""
    if result is None:
        return None
    coords, offsets = result[0]
    polys = np.zeros(0, dtype=object) if offsets is None else \
        np.asarray(shapely.from_ragged_array(shapely.GeometryType.POLYGON, coords, offsets), dtype=object)
    return (polys, *result[1:])


def _nothing() -> None:
    """No progress to report."""
