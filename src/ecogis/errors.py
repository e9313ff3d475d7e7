"""Public exception hierarchy of ecogis.

Every error the library raises on purpose inherits from :class:`EcogisError`, so a
script can catch them all with one ``except`` clause, and the command line turns
them into a message and a documented exit code.

Examples
--------
>>> from ecogis.errors import EcogisError, CRSError
>>> issubclass(CRSError, EcogisError)
True
"""

from __future__ import annotations

from collections.abc import Iterable

__all__ = [
    "EcogisError",
    "InputError",
    "LayerReadError",
    "CRSError",
    "CRSMismatchError",
    "ValidationError",
    "CatalogueError",
    "CheckError",
    "NotMeasurableError",
    "OutputError",
    "OutputExistsError",
    "OutputLockedError",
    "QGISUnavailableError",
    "TargetsError",
]


class EcogisError(Exception):
    """Root of every error ecogis raises on purpose.

    Every error of the tree pickles as itself (its message and attributes), so one raised
    in a dask worker or another process comes back as it was raised.

    Examples
    --------
    >>> import pickle
    >>> err = ValidationError(["WARNING a.gpkg: empty: no features"], "1 problem")
    >>> again = pickle.loads(pickle.dumps(err))
    >>> str(again) == str(err), again.problems
    (True, ['WARNING a.gpkg: empty: no features'])
    """

    #: exit code the command line uses for this kind of error
    exit_code = 1

    def __reduce__(self) -> tuple[object, ...]:
        # Exception pickles as ``cls(*self.args)``: wrong for subclasses whose __init__ takes other
        # arguments (ValidationError took its whole message as the problems, one per character)
        return _restore, (type(self), self.args, self.__dict__)


def _restore(cls: type[EcogisError], args: tuple[object, ...], state: dict[str, object]) -> EcogisError:
    """An error of class ``cls`` with ``args`` and attributes ``state``, without calling its ``__init__``."""
    err = cls.__new__(cls)
    err.args = args
    err.__dict__.update(state)
    return err


class InputError(EcogisError):
    """An argument or an input file is not what the function expects."""

    exit_code = 2


class LayerReadError(InputError):
    """A layer file cannot be read (missing, unreadable, wrong format, no geometry)."""


class CRSError(InputError):
    """A coordinate reference system is missing, unknown or unusable."""


class CRSMismatchError(CRSError):
    """Two layers that must share a CRS do not."""


class CatalogueError(InputError):
    """An unknown layer kind or a layer that does not fit its kind's spec."""


class NotMeasurableError(EcogisError):
    """A check cannot be computed because a layer or field it needs is absent.

    Parameters
    ----------
    message : str
        What is missing and how to supply it.
    reasons : dict of str to str, optional
        For a check with several metrics: why each one is not measurable.
    """

    exit_code = 4

    def __init__(self, message: str, reasons: dict[str, str] | None = None) -> None:
        super().__init__(message)
        self.reasons = dict(reasons or {})


class CheckError(EcogisError):
    """A check failed for a reason other than its input."""


class OutputError(EcogisError):
    """An output cannot be written where it was asked for.

    The directory is not writable (read-only disk, a file where a directory is
    expected, no permission), or the format cannot hold the data as given (a
    Shapefile's 10-byte field names); the message names the path and the fix.
    Raised before any work starts whenever it can be told in advance.
    """

    exit_code = 2


class OutputExistsError(OutputError):
    """Refusing to overwrite an existing output without ``overwrite=True``."""


class OutputLockedError(OutputError):
    """Another ecogis run is writing the same output (file or directory) right now."""


class TargetsError(EcogisError):
    """The plans' targets registry is malformed."""


class QGISUnavailableError(EcogisError):
    """PyQGIS (``qgis.core``) is needed (PDF / PNG of a print layout) but no Python here imports it.

    The message names where ecogis looked and the fix (install QGIS / python3-qgis, or set
    ``ECOGIS_QGIS_PYTHON`` to a Python that imports ``qgis.core``).
    """

    exit_code = 5


class ValidationError(EcogisError):
    """One or more layers failed validation.

    All problems are gathered before raising, so one run shows every fix needed.

    Parameters
    ----------
    problems : iterable of objects with a ``__str__``
        The individual problems (``ecogis.validate.Problem`` instances).
    """

    exit_code = 3

    def __init__(self, problems: Iterable[object], message: str | None = None) -> None:
        self.problems = list(problems)
        lines = [str(p) for p in self.problems]
        head = message or f"{len(self.problems)} validation problem(s)"
        shown = lines[:50]
        more = f"\n  ... and {len(lines) - 50} more" if len(lines) > 50 else ""
        super().__init__(head + ("\n  " + "\n  ".join(shown) if shown else "") + more)
