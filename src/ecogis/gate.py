"""The input gate: every layer and numeric option a check takes passes through here.

:func:`check_layer` runs the checks of :mod:`ecogis.validate` that make a
measured figure wrong (:func:`ecogis.validate.geometry_problems`: CRS stated,
coordinates inside the CRS's area of use, axis order, geometry type for the
kind, missing / empty / non-finite / invalid geometry) and the fields the caller
needs.  What can be repaired without doubt is repaired, and the repair is said
in a warning: x and y swapped back when only the swapped coordinates fit the
CRS, features without geometry dropped, invalid polygons made valid.  Anything
else raises :class:`ecogis.errors.ValidationError` naming the file, layer,
feature and fix.  The warnings travel with the repaired copy
(``attrs['repairs']``) so a check that takes it later still reports them.

:func:`check_number` is the one validator of numeric options (``radius_m``,
``buffer_m`` ...): booleans, NaN, infinities and out-of-range values are refused
with the option's name.

Examples
--------
>>> import geopandas as gpd, shapely
>>> stops = gpd.GeoDataFrame(geometry=[shapely.Point(33.58, 114.02)], crs=4490)  # latitude first
>>> fixed, warnings = check_layer(stops, "bus_stops", what="stops")
>>> fixed.geometry.iloc[0].x, warnings[0][:40]
(114.02, 'stops: 1 feature(s) had x and y swapped ')
>>> check_number("radius_m", 500)
500.0
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Collection, Sequence
from typing import Any

import geopandas as gpd
import numpy as np

from ecogis.crs import crs_label
from ecogis.errors import InputError, ValidationError
from ecogis.validate import Problem, fix_layer, geometry_problems

__all__ = ["REPAIRABLE", "check_geometry_type", "check_layer", "check_number", "gated"]

#: problem codes the gate repairs (with a warning) instead of refusing
REPAIRABLE = frozenset({"missing-geometry", "empty-geometry", "swapped-axes", "invalid-geometry"})

#: problems listed in the message per code (all are in the error's ``problems``)
_SHOWN_PER_CODE = 3

#: the fix_layer change that repairs each code
_CHANGE_OF = {"missing-geometry": "dropped", "empty-geometry": "dropped", "swapped-axes": "swap_axes",
              "invalid-geometry": "make_valid"}

_CHANGE_TEXT = {
    "swap_axes": "had x and y swapped (their coordinates fit {crs} only that way); swapped back",
    "dropped": "had no geometry; dropped",
    "make_valid": "had invalid geometry ({reasons}); repaired with make_valid",
}


def _where(gdf: gpd.GeoDataFrame, what: str | None) -> str:
    source, layer = gdf.attrs.get("source"), gdf.attrs.get("layer")
    label = what or gdf.attrs.get("kind") or "layer"
    if source:
        label += f" ({source}" + (f" [layer {layer}]" if layer else "") + ")"
    return label


def _summaries(where: str, changes: list[dict[str, Any]], crs: Any) -> list[str]:
    out = []
    for change in ("swap_axes", "dropped", "make_valid"):
        rows = [c for c in changes if c["change"] == change]
        if not rows:
            continue
        feats = ", ".join(str(c["feature"]) for c in rows[:5]) + (" ..." if len(rows) > 5 else "")
        reasons = "; ".join(sorted({str(c["reason"]) for c in rows})[:3])
        text = _CHANGE_TEXT[change].format(crs=crs_label(crs) if crs is not None else "its CRS", reasons=reasons)
        out.append(f"{where}: {len(rows)} feature(s) {text} ({feats}); ecogis validate --fix writes the repaired copy")
    return out


def check_layer(
    gdf: gpd.GeoDataFrame | gpd.GeoSeries,
    kind: str | None = None,
    *,
    what: str | None = None,
    fields: Sequence[str] = (),
    coordinates: bool = True,
    leave: Collection[str] = (),
) -> tuple[gpd.GeoDataFrame, list[str]]:
    """Pass one layer through the input gate: repair what is sure, refuse the rest.

    Parameters
    ----------
    gdf : GeoDataFrame or GeoSeries
        The layer; never modified.
    kind : str, optional
        Catalogue kind, for the geometry type (points for ``bus_stops`` ...).
    what : str, optional
        What the caller calls it (``"stops"``), for the messages.
    fields : sequence of str
        Fields the caller cannot do without.
    coordinates : bool, default True
        Check the CRS and coordinates (and repair them); ``False`` for checks that
        only count attributes, where only the geometry type is checked.
    leave : collection of str
        Problem codes of :data:`REPAIRABLE` to leave as they are (``convert``
        keeps empty and invalid geometries, which do not change where a feature is).

    Returns
    -------
    (GeoDataFrame, list of str)
        The layer (the same object when nothing was repaired, else a repaired
        copy) and the warnings saying what was repaired, including repairs made
        when it was read.

    Raises
    ------
    ecogis.errors.ValidationError
        Every problem that would make a figure wrong and cannot be repaired
        without doubt, each naming file, layer, feature and fix.
    ecogis.errors.InputError
        When ``gdf`` is not a GeoDataFrame.

    Examples
    --------
    >>> import geopandas as gpd, shapely
    >>> lines = gpd.GeoDataFrame(geometry=[shapely.LineString([(114.0, 33.5), (114.1, 33.6)])], crs=4490)
    >>> check_layer(lines, "bus_stops", what="stops")
    Traceback (most recent call last):
    ...
    ecogis.errors.ValidationError: stops: 1 problem(s) that would make the result wrong ...
    """
    if isinstance(gdf, gpd.GeoSeries):
        attrs = dict(gdf.attrs)
        gdf = gpd.GeoDataFrame(geometry=gdf)
        gdf.attrs.update(attrs)
    if not isinstance(gdf, gpd.GeoDataFrame):
        raise InputError(f"{what or 'layer'} was {type(gdf).__name__} but is expected to be a GeoDataFrame")
    where = _where(gdf, what)
    source, layer = gdf.attrs.get("source"), gdf.attrs.get("layer")
    problems = geometry_problems(gdf, kind, source=source, layer=layer, coordinates=coordinates)
    for name in fields:
        if name not in gdf.columns:
            problems.append(Problem("error", "missing-field", f"field {name!r} is missing; columns are "
                                    f"{[c for c in gdf.columns if c != gdf.geometry.name]}", source, layer, None,
                                    f"add {name!r} or rename the column that holds it"))
    warnings = list(gdf.attrs.get("repairs", []))
    refused = [p for p in problems if p.severity == "error" and p.code not in REPAIRABLE]
    if refused:
        raise _refusal(where, refused)
    to_repair = {p.code for p in problems if p.code in REPAIRABLE and p.code not in leave}
    if not to_repair:
        return gdf, warnings
    fixed, changes = fix_layer(gdf, kind, repairs={_CHANGE_OF[c] for c in to_repair})
    # a repair that leaves a problem (make_valid giving a line in a polygon layer ...) was not sure
    left = [p for p in geometry_problems(fixed, kind, source=source, layer=layer, coordinates=coordinates)
            if p.severity == "error" and p.code not in leave]
    if left:
        raise _refusal(where, left, after_repair=True)
    new = _summaries(where, changes, gdf.crs)
    fixed.attrs = {**gdf.attrs, "repairs": warnings + new}
    return fixed, warnings + new


def gated(layer: Any, kind: str | None, what: str, warnings: list[str]) -> Any:
    """``layer`` through :func:`check_layer` with its catalogue ``kind``, the repairs added to ``warnings``.

    What a function that takes layers calls on entry: the repairs (axes swapped back ...)
    go into the ``CheckResult.warnings`` it returns, each said once.  Anything but a
    GeoDataFrame is returned as given.

    Examples
    --------
    >>> import geopandas as gpd, shapely
    >>> stops = gpd.GeoDataFrame({"id": ["S1"]}, geometry=[shapely.Point(33.6, 114.0)], crs="EPSG:4490")
    >>> said = []
    >>> fixed = gated(stops, "bus_stops", "stops", said)
    >>> fixed.geometry.iloc[0].x, len(said)
    (114.0, 1)
    """
    if not isinstance(layer, gpd.GeoDataFrame):
        return layer
    layer, said = check_layer(layer, kind, what=what)
    warnings += [w for w in said if w not in warnings]
    return layer


def check_geometry_type(gdf: Any, kind: str, *, what: str | None = None) -> None:
    """Refuse features of the wrong geometry type for ``kind`` (a GeoDataFrame; anything else is left alone).

    The part of :func:`check_layer` that needs no repair and no CRS, for functions
    whose layers are gated in full when they come from a :class:`ecogis.layerset.LayerSet`.

    Examples
    --------
    >>> import geopandas as gpd, shapely
    >>> check_geometry_type(gpd.GeoDataFrame(geometry=[shapely.Point(0, 0)]), "sections")
    """
    if isinstance(gdf, gpd.GeoDataFrame):
        check_layer(gdf, kind, what=what, coordinates=False)


def _refusal(where: str, problems: list[Any], after_repair: bool = False) -> ValidationError:
    source = next((p.file for p in problems if p.file), None)
    hint = f"; `ecogis validate {source}` lists every problem" if source else ""
    when = " (after repairing what was sure)" if after_repair else ""
    counts: dict[str, int] = {}
    shown = []
    for p in problems:
        counts[p.code] = counts.get(p.code, 0) + 1
        if counts[p.code] <= _SHOWN_PER_CODE:
            shown.append(p)
    tally = ", ".join(f"{n} {code}" for code, n in counts.items())
    err = ValidationError(shown, message=f"{where}: {len(problems)} problem(s) that would make the result "
                                         f"wrong ({tally}){when}{hint}")
    if len(shown) < len(problems):
        err.args = (f"{err.args[0]}\n  ... and {len(problems) - len(shown)} more of the same kind(s)",)
    err.problems = list(problems)
    return err


def check_number(
    name: str,
    value: Any,
    *,
    minimum: float | None = None,
    maximum: float | None = None,
    exclusive_minimum: bool = False,
    integer: bool = False,
    optional: bool = False,
    unit: str = "",
) -> Any:
    """Check one numeric option; return it as a float (an int when ``integer``).

    Parameters
    ----------
    name : str
        The option's name, for the message (``"radius_m"``).
    value : object
        What the caller gave.
    minimum, maximum : float, optional
        Allowed range (inclusive, unless ``exclusive_minimum``).
    exclusive_minimum : bool, default False
        ``value`` must be greater than ``minimum``.
    integer : bool, default False
        ``value`` must be a whole number.
    optional : bool, default False
        ``None`` is allowed (and returned).
    unit : str
        Unit, for the message (``"metres"``).

    Returns
    -------
    float, int or None

    Raises
    ------
    ecogis.errors.InputError
        For booleans, non-numbers, NaN, infinities and values out of range.

    Examples
    --------
    >>> check_number("radius_m", True)
    Traceback (most recent call last):
    ...
    ecogis.errors.InputError: radius_m was True but is expected to be a finite number (a boolean is not a number)
    >>> check_number("partitions", 4, minimum=1, integer=True)
    4
    """
    unit_text = f" of {unit}" if unit else ""
    if value is None and optional:
        return None
    if isinstance(value, (bool, np.bool_)):
        raise InputError(f"{name} was {value!r} but is expected to be a finite number{unit_text} "
                         f"(a boolean is not a number)")
    if not isinstance(value, numbers.Real):
        raise InputError(f"{name} was {value!r} ({type(value).__name__}) but is expected to be a finite "
                         f"number{unit_text}")
    number = float(value)
    if not math.isfinite(number):
        raise InputError(f"{name} was {value!r} but is expected to be a finite number{unit_text}")
    if integer and not number.is_integer():
        raise InputError(f"{name} was {value!r} but is expected to be a whole number")
    if minimum is not None and (number < minimum or (exclusive_minimum and number == minimum)):
        op = ">" if exclusive_minimum else ">="
        raise InputError(f"{name} was {value!r} but is expected to be {op} {minimum:g}{' ' + unit if unit else ''}")
    if maximum is not None and number > maximum:
        raise InputError(f"{name} was {value!r} but is expected to be <= {maximum:g}{' ' + unit if unit else ''}")
    return int(number) if integer else number

