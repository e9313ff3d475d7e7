"""The checks: one module per check, each ending in ``SPEC = CheckSpec(...)``, and their registry.

:data:`CHECKS` (check name -> :class:`~ecogis.checks.spec.CheckSpec`, in the order
``ecogis check`` lists them) is the one list that :mod:`ecogis.audit`,
:mod:`ecogis.targets`, the CLI, the maps, the report and the export read.  The
mappings below (:data:`CHECK_TITLES`, :data:`CHECK_METRICS`, :data:`CHECK_PARAMS`,
:data:`CHECK_CONTEXT`, :data:`METRIC_LABELS`) are live read-only views of it.

The built-in checks are found, not listed: every module of this package but
:mod:`~ecogis.checks.spec` and the private helpers (``_areas.py`` ...) is a check, and
:func:`discover` registers their ``SPEC`` in ``CheckSpec.order``.  Another package adds
checks with an entry point in the group ``ecogis.checks`` whose object is a
``CheckSpec`` (or a module with a ``SPEC``); a script or a test adds one with
:func:`register`.  Metric labels are looked up per check (:mod:`ecogis.maps.labels`);
:data:`METRIC_LABELS` is the fallback where no check is known.

Examples
--------
>>> from ecogis.checks import CHECKS, get_check
>>> list(CHECKS)[:3]
['coverage', 'bus-indicators', 'water-sources']
>>> spec = get_check("boilers")
>>> spec.title[1], spec.target_metrics, [(p.name, p.default) for p in spec.params]
('Coal boilers near CHP plants', ('coal_boilers_near_chp',), [('radius_m', 30000.0), ('min_chp_mw', 300.0)])
"""

from __future__ import annotations

import difflib
import importlib
import logging
import pkgutil
from collections.abc import Callable, Iterator, Mapping
from importlib import metadata
from typing import Any, TypeVar

from ecogis.checks._fields import SHARED_FIELDS
from ecogis.checks.spec import CheckSpec, Field, Metric, Param, metric_value
from ecogis.errors import CatalogueError, CheckError, InputError
from ecogis.styles import add_styles, remove_styles

__all__ = [
    "CHECKS",
    "CHECK_CONTEXT",
    "CHECK_METRICS",
    "CHECK_PARAMS",
    "CHECK_TITLES",
    "ENTRY_POINT_GROUP",
    "METRIC_LABELS",
    "SHARED_FIELDS",
    "CheckSpec",
    "Field",
    "Metric",
    "Param",
    "SpecView",
    "discover",
    "get_check",
    "load_entry_points",
    "metric_value",
    "register",
    "result_fields",
    "unregister",
]

log = logging.getLogger(__name__)

#: entry-point group of checks from other packages
ENTRY_POINT_GROUP = "ecogis.checks"

#: check name -> spec, in the order ``ecogis check`` and ``run_checks`` use
CHECKS: dict[str, CheckSpec] = {}
#: check name -> the style kinds its registration added to ecogis.styles.STYLES
_ADDED_STYLES: dict[str, tuple[str, ...]] = {}

def register(spec: CheckSpec, *, replace: bool = False) -> CheckSpec:
    """Add a check to :data:`CHECKS` (at the end).

    Parameters
    ----------
    spec : CheckSpec
    replace : bool, default False
        Replace a check of the same name instead of refusing.

    Raises
    ------
    InputError
        When ``spec`` is not a CheckSpec, or a check of that name exists and ``replace`` is False.
    CatalogueError
        When one of its ``styles`` conflicts with a style there is, or one of its ``fields`` is named
        differently (label or unit) by :data:`SHARED_FIELDS` or another check.
    """
    if not isinstance(spec, CheckSpec):
        raise InputError(f"check was {type(spec).__name__} but is expected to be an ecogis.checks.CheckSpec")
    if spec.name in CHECKS and not replace:
        raise InputError(f"check {spec.name!r} is registered already; pass replace=True to replace it, or "
                         "choose another name")
    _check_fields(spec)
    old = unregister(spec.name)
    try:
        _ADDED_STYLES[spec.name] = add_styles(spec.styles, owner=spec.name)
    except Exception:
        if old is not None:
            register(old)
        raise
    CHECKS[spec.name] = spec
    return spec


def _check_fields(spec: CheckSpec) -> None:
    """Refuse a field of ``spec`` that the shared table or another check names otherwise (one name, one label)."""
    known = result_fields(exclude=spec.name)
    for f in spec.fields:
        other = known.get(f.name)
        if other is not None and (other.label, other.unit) != (f.label, f.unit):
            raise CatalogueError(
                f"check {spec.name!r} names field {f.name!r} {f.label} ({f.unit or 'no unit'}), which is named "
                f"{other.label} ({other.unit or 'no unit'}) already; give it the same label and unit, or another name")


def result_fields(*, exclude: str | None = None) -> dict[str, Field]:
    """Field name -> :class:`Field` of the fields check results add: :data:`SHARED_FIELDS`, then every
    registered check's ``fields`` (those of check ``exclude`` left out).

    Examples
    --------
    >>> result_fields()["chp_id"].label, result_fields()["distance_m"].unit
    (('热电厂编号', 'CHP plant id'), 'm')
    """
    out = {f.name: f for f in SHARED_FIELDS}
    for name, spec in CHECKS.items():
        if name != exclude:
            for f in spec.fields:
                out.setdefault(f.name, f)
    return out


def unregister(name: str) -> CheckSpec | None:
    """Remove a check from :data:`CHECKS` (and the styles it added); returns its spec (None when there was none)."""
    remove_styles(_ADDED_STYLES.pop(name, ()))
    return CHECKS.pop(name, None)


def get_check(name: str) -> CheckSpec:
    """The spec of a registered check.

    Raises
    ------
    InputError
        When no check has that name; the message lists them (and the closest one).
    """
    try:
        return CHECKS[name]
    except (KeyError, TypeError):
        close = difflib.get_close_matches(str(name), list(CHECKS), n=1)
        hint = f" (did you mean {close[0]!r}?)" if close else ""
        raise InputError(f"check was {name!r} but is expected to be one of {sorted(CHECKS)}{hint}") from None


def load_entry_points(group: str = ENTRY_POINT_GROUP) -> list[str]:
    """Register the checks other packages declare in the entry-point group; returns their names.

    A broken entry point does not stop the others: it is logged as a warning.
    """
    added: list[str] = []
    for ep in metadata.entry_points(group=group):
        try:
            obj = ep.load()
            spec = getattr(obj, "SPEC", obj)
            if spec.name in CHECKS and CHECKS[spec.name] is spec:
                continue
            register(spec)
            added.append(spec.name)
        except Exception as exc:  # noqa: BLE001 - a plug-in must not break ecogis
            log.warning("entry point %r of group %r not loaded: %s", ep.name, group, exc)
    return added


_V = TypeVar("_V")


class SpecView(Mapping[str, _V]):
    """A read-only mapping check name -> one fact of its spec, following :data:`CHECKS`."""

    def __init__(self, fact: Callable[[CheckSpec], _V], keep: Callable[[CheckSpec], bool] = lambda s: True) -> None:
        self._fact, self._keep = fact, keep

    def __getitem__(self, name: str) -> _V:
        spec = CHECKS[name]
        if not self._keep(spec):
            raise KeyError(name)
        return self._fact(spec)

    def __iter__(self) -> Iterator[str]:
        return (n for n, s in CHECKS.items() if self._keep(s))

    def __len__(self) -> int:
        return sum(1 for _ in self)

    def __repr__(self) -> str:
        return repr(dict(self))


class _MetricLabels(Mapping[str, "tuple[str, str]"]):
    """Metric key -> (Chinese, English) display name, from every check's metrics (first one wins)."""

    def _table(self) -> dict[str, tuple[str, str]]:
        out: dict[str, tuple[str, str]] = {}
        for spec in CHECKS.values():
            for m in spec.metrics:
                if m.label is not None:
                    out.setdefault(m.key, m.label)
        return out

    def __getitem__(self, key: str) -> tuple[str, str]:
        return self._table()[key]

    def __iter__(self) -> Iterator[str]:
        return iter(self._table())

    def __len__(self) -> int:
        return len(self._table())

    def __repr__(self) -> str:
        return repr(self._table())


#: check name -> (Chinese, English) title of its map, report section and QGIS group
CHECK_TITLES: Mapping[str, tuple[str, str]] = SpecView(lambda s: s.title)
#: check name -> the metric keys of its result that a target may name
CHECK_METRICS: Mapping[str, tuple[str, ...]] = SpecView(lambda s: s.target_metrics)
#: check name -> the parameters a target may give it (checks that take any)
CHECK_PARAMS: Mapping[str, tuple[str, ...]] = SpecView(lambda s: s.param_names, lambda s: bool(s.params))
#: check name -> the context layers its map shows besides its own layers
CHECK_CONTEXT: Mapping[str, tuple[str, ...]] = SpecView(lambda s: s.context)
#: metric key -> (Chinese, English) display name; the unit comes from the key's suffix
METRIC_LABELS: Mapping[str, tuple[str, str]] = _MetricLabels()


#: modules of this package that are not checks (private helpers ``_*.py`` are skipped too)
_NOT_CHECKS = frozenset({"spec"})


def discover(package: str = __name__) -> list[CheckSpec]:
    """The ``SPEC`` of every check module of a package, in their ``order`` (then name).

    Every module of ``package`` is a check, except private ones (``_areas.py``) and
    :mod:`ecogis.checks.spec`: adding a module ``checks/<name>.py`` that ends in
    ``SPEC = CheckSpec(...)`` is all it takes to register a built-in check.

    Parameters
    ----------
    package : str
        Dotted name of an importable package (default ``ecogis.checks``).

    Returns
    -------
    list of CheckSpec

    Raises
    ------
    CheckError
        When a public module has no ``SPEC`` that is a CheckSpec, or two modules declare the same check name.

    Examples
    --------
    >>> [s.name for s in discover()][:4]
    ['coverage', 'bus-indicators', 'water-sources', 'sections']
    """
    pkg = importlib.import_module(package)
    found: dict[str, tuple[str, CheckSpec]] = {}
    for info in pkgutil.iter_modules(getattr(pkg, "__path__", [])):
        if info.name.startswith("_") or (package == __name__ and info.name in _NOT_CHECKS):
            continue
        module = importlib.import_module(f"{package}.{info.name}")
        spec = getattr(module, "SPEC", None)
        if not isinstance(spec, CheckSpec):
            what = "has no SPEC" if spec is None else f"has a SPEC that is a {type(spec).__name__}"
            raise CheckError(
                f"module {module.__name__} ({getattr(module, '__file__', '?')}) {what}, but every public module of "
                f"{package} is expected to be a check ending in SPEC = CheckSpec(...); add one, or make the module "
                f"private (rename it _{info.name}.py) if it is a helper")
        if spec.name in found:
            raise CheckError(f"modules {found[spec.name][0]} and {module.__name__} both declare check {spec.name!r}; "
                             "expected one module per check name: rename one")
        found[spec.name] = (module.__name__, spec)
    return sorted((s for _m, s in found.values()), key=lambda s: (s.order, s.name))


def _register_builtin() -> None:
    for spec in discover():
        register(spec)


_register_builtin()
load_entry_points()


def __getattr__(name: str) -> Any:  # pragma: no cover - helpful message only
    raise AttributeError(f"module 'ecogis.checks' has no attribute {name!r}")
