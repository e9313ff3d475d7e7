"""Validation of layers against the catalogue, feature by feature.

:func:`validate_layer` checks one GeoDataFrame; :func:`validate_paths` reads files
or directories and checks every layer in them, gathering every problem (unreadable
files and missing CRSs included) into one :class:`ValidationReport` instead of
stopping at the first.  :func:`fix_layer` repairs what can be repaired safely
(``make_valid``, swapped longitude/latitude, empty geometries dropped) and logs
every change; :func:`fix_paths` writes the repaired copies to a new file and
never touches the input.

Problems found (codes):

=====================  ========  ====================================================
code                   severity  meaning
=====================  ========  ====================================================
``unreadable``         error     GDAL cannot read the file or layer
``no-crs``             error     the layer states no CRS
``missing-geometry``   error     a feature has no geometry
``empty-geometry``     error     a feature's geometry is empty
``invalid-geometry``   error     not OGC-valid (the reason, e.g. Self-intersection)
``bad-coordinates``    error     a coordinate is NaN or infinite
``geometry-type``      error     e.g. a line in a point layer
``outside-crs-area``   error     coordinates outside the CRS's area of use
                                 (``swapped-axes`` when swapping x/y would fix it)
``missing-field``      error     a required field is absent
``empty-value``        error     a required field is empty for a feature
``bad-value``          error     a value outside the allowed domain
``duplicate-id``       error     two features share an ``id``
``no-layers``          error     a directory holds no layer of any kind
``bad-table``          error     a record table (``air_daily``, ``section_samples``) has bad cells
``unknown-kind``       warning   the layer's kind could not be told from its name
``crs-differs``        warning   layers of one run are in different CRSs
=====================  ========  ====================================================

Examples
--------
>>> report = validate_paths(["layers/"])  # doctest: +SKIP
>>> report.ok  # doctest: +SKIP
True
"""

from __future__ import annotations

import logging
import os
from collections.abc import Callable, Collection, Iterable, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from ecogis.catalogue import CATALOGUE, FieldSpec, get_spec, guess_kind
from ecogis.crs import CRSLike, area_of_use_problems, crs_label
from ecogis.errors import EcogisError, InputError, ValidationError
from ecogis.io import (
    TABLE_SUFFIXES,
    VECTOR_SUFFIXES,
    atomic_output,
    list_layers,
    read_layer,
    write_layers,
)
from ecogis.progress import progress_bar
from ecogis.tables import TABLES, read_table

__all__ = [
    "Problem",
    "ValidationReport",
    "validate_layer",
    "geometry_problems",
    "validate_paths",
    "fix_layer",
    "fix_paths",
]

log = logging.getLogger(__name__)

#: shapely type id -> geometry family (7, GeometryCollection, has none)
_FAMILY_BY_TYPE_ID = {0: "point", 4: "point", 1: "line", 2: "line", 5: "line", 3: "polygon", 6: "polygon"}

#: the same, indexed by type id + 1 (-1, missing, and 7 have none)
_FAMILY_OF_TYPE_ID = np.array([None] + [_FAMILY_BY_TYPE_ID.get(t) for t in range(8)], dtype=object)

_GEOM_FAMILY = {
    "Point": "point", "MultiPoint": "point",
    "LineString": "line", "MultiLineString": "line", "LinearRing": "line",
    "Polygon": "polygon", "MultiPolygon": "polygon",
}


@dataclass(frozen=True)
class Problem:
    """One problem with one feature (or one layer, when ``feature`` is None)."""

    severity: str
    code: str
    message: str
    file: str | None = None
    layer: str | None = None
    feature: str | None = None
    fix: str | None = None

    def __str__(self) -> str:
        where = self.file or "<data>"
        if self.layer:
            where += f" [layer {self.layer}]"
        if self.feature is not None:
            where += f" feature {self.feature}"
        tail = f" (fix: {self.fix})" if self.fix else ""
        return f"{self.severity.upper()} {where}: {self.code}: {self.message}{tail}"


@dataclass
class ValidationReport:
    """Every problem found in one validation run."""

    problems: list[Problem] = field(default_factory=list)
    layers: list[dict[str, Any]] = field(default_factory=list)

    @property
    def errors(self) -> list[Problem]:
        return [p for p in self.problems if p.severity == "error"]

    @property
    def warnings(self) -> list[Problem]:
        return [p for p in self.problems if p.severity == "warning"]

    @property
    def ok(self) -> bool:
        return not self.errors

    def to_frame(self) -> pd.DataFrame:
        return pd.DataFrame([asdict(p) for p in self.problems],
                            columns=["severity", "code", "message", "file", "layer", "feature", "fix"])

    def raise_for_errors(self) -> None:
        """Raise :class:`ecogis.errors.ValidationError` with every error, if any."""
        if self.errors:
            raise ValidationError(self.errors)


def _labeller(gdf: gpd.GeoDataFrame):
    """``pos -> "id=... (row pos)"`` with the id column read once (thousands of problems stay cheap)."""
    ids = gdf["id"].to_numpy(dtype=object) if "id" in gdf.columns else None

    def label(pos: int) -> str:
        if ids is not None:
            value = ids[pos]
            if value is not None and value is not pd.NA and not (isinstance(value, float) and np.isnan(value)):
                return f"id={value} (row {pos})"
        return f"row {pos}"

    return label


def _zone_prefix_hint(crs: Any, x: float) -> str | None:
    """For an easting that carries a Gauss-Kruger zone number in front (38 500 000 m for zone 38), the
    CGCS2000 CRS whose false easting has that prefix, when the stated CRS has none."""
    if not (1e7 <= x < 1e8) or not getattr(crs, "is_projected", False):
        return None
    zone = int(x // 1e6)
    if 25 <= zone <= 45:
        code, what = 4513 + zone - 25, "3-degree"
    elif 13 <= zone <= 23:
        code, what = 4491 + zone - 13, "6-degree"
    else:
        return None
    return (f"the easting starts with the zone number {zone}: the data is probably in EPSG:{code} (CGCS2000 / "
            f"{what} Gauss-Kruger zone {zone}, false easting {zone}500000), not {crs_label(crs)}; state that CRS")


def _wider_than_crs_hint(crs: Any) -> str | None:
    """For a projected CRS (a Gauss-Kruger or UTM zone ...): data that really spans more than its area of use
    is stored in longitude/latitude or an equal-area CRS, and ecogis picks the metric CRS that holds it."""
    if not getattr(crs, "is_projected", False) or crs.area_of_use is None:
        return None
    w, s, e, n = crs.area_of_use.bounds
    return (f"check the CRS the data was stated in; if it is right, the data reaches beyond {crs_label(crs)}'s "
            f"area of use ({w:.1f}..{e:.1f} E, {s:.1f}..{n:.1f} N), where it distorts areas: store data that "
            f"spans several zones (a province, a national layer) in EPSG:4490 longitude/latitude or an "
            f"equal-area CRS, and ecogis measures it in an equal-area projection fitted to it")


def geometry_problems(
    gdf: gpd.GeoDataFrame,
    kind: str | None = None,
    *,
    source: str | None = None,
    layer: str | None = None,
    coordinates: bool = True,
) -> list[Problem]:
    """The checks of :func:`validate_layer` that make a measured figure wrong.

    CRS stated, geometry present, not empty, finite and valid, of the kind's
    geometry type, coordinates inside the CRS's area of use (``swapped-axes`` when
    swapping x and y would fit).  The fields are not looked at.  This is what the
    input gate (:func:`ecogis.gate.check_layer`) runs on every layer a check takes.

    Parameters
    ----------
    gdf : GeoDataFrame
        The layer.
    kind : str, optional
        Catalogue kind; without it the geometry type is not checked.
    source, layer : str, optional
        File and layer names, for the messages.
    coordinates : bool, default True
        Check the CRS and the coordinates; without it only the geometry type of
        the features that have a geometry (for checks that count attributes).

    Returns
    -------
    list of Problem

    Examples
    --------
    >>> import geopandas as gpd, shapely
    >>> g = gpd.GeoDataFrame(geometry=[shapely.Point(33.58, 114.02)], crs=4490)  # latitude first
    >>> [p.code for p in geometry_problems(g, "bus_stops")]
    ['swapped-axes']
    """
    problems: list[Problem] = []
    label = _labeller(gdf)

    def add(code: str, message: str, pos: int | None = None, fix: str | None = None, severity: str = "error"):
        problems.append(Problem(severity, code, message, source, layer, None if pos is None else label(pos), fix))

    geoms = np.asarray(gdf.geometry.values)
    missing = shapely.is_missing(geoms)
    empty = ~missing & shapely.is_empty(geoms)
    present = ~missing & ~empty
    if coordinates:
        if gdf.crs is None:
            add("no-crs", "the layer states no CRS",
                fix="state it (read_layer(..., crs='EPSG:4490') or --crs) or add a .prj")
        for pos in np.flatnonzero(missing):
            add("missing-geometry", "no geometry", int(pos), "remove the feature or digitise it")
        for pos in np.flatnonzero(empty):
            add("empty-geometry", "empty geometry", int(pos), "remove the feature or digitise it (--fix drops it)")
        bounds = shapely.bounds(geoms)
        nonfinite = _nonfinite(geoms, present, bounds)
        for pos in np.flatnonzero(nonfinite):
            add("bad-coordinates", "a coordinate is NaN or infinite", int(pos), "correct or remove the feature")
        present = present & ~nonfinite
        invalid = present & ~shapely.is_valid(geoms)
        for pos in np.flatnonzero(invalid):
            add("invalid-geometry", shapely.is_valid_reason(geoms[pos]), int(pos), "--fix applies make_valid")
        if gdf.crs is not None:
            _outside_crs_area(gdf, present, bounds, add)
    if kind is None:
        return problems
    spec = get_spec(kind)
    families = _FAMILY_OF_TYPE_ID[np.clip(shapely.get_type_id(geoms), -1, 7) + 1]
    for pos in np.flatnonzero(present & ~np.isin(families, list(spec.geometry))):
        add("geometry-type", f"{gdf.geometry.iloc[pos].geom_type} but {kind} expects {' or '.join(spec.geometry)}",
            int(pos), "move it to the right layer")
    return problems


def _nonfinite(geoms: np.ndarray, present: np.ndarray, bounds: np.ndarray) -> np.ndarray:
    """Present geometries with a NaN or infinite coordinate (their bounds alone may hide or invent one)."""
    nonfinite = present & ~np.isfinite(bounds).all(axis=1)
    if nonfinite.any():
        coords, index = shapely.get_coordinates(geoms[nonfinite], return_index=True)
        has_bad = np.zeros(int(nonfinite.sum()), dtype=bool)
        has_bad[np.unique(index[~np.isfinite(coords).all(axis=1)])] = True
        nonfinite[np.flatnonzero(nonfinite)[~has_bad]] = False
    return nonfinite


def _outside_crs_area(gdf: gpd.GeoDataFrame, present: np.ndarray, bounds: np.ndarray,
                      add: Callable[..., None]) -> None:
    """``swapped-axes`` / ``outside-crs-area`` for the features outside the CRS's area of use."""
    outside = present & area_of_use_problems(gdf)
    if not outside.any():
        return
    swapped = gdf.iloc[np.flatnonzero(outside)].copy()
    swapped.geometry = shapely.transform(np.asarray(swapped.geometry.values), lambda c: c[:, ::-1])
    fixed_by_swap = ~area_of_use_problems(swapped)
    name = crs_label(gdf.crs)
    for pos, ok_swapped in zip(np.flatnonzero(outside), fixed_by_swap):
        b = bounds[pos]
        if ok_swapped:
            add("swapped-axes", f"coordinates ({b[0]:.6g}, {b[1]:.6g}) are outside "
                f"{name}'s area of use but fit with x and y swapped", int(pos), "--fix swaps them back")
        else:
            add("outside-crs-area", f"coordinates ({b[0]:.6g}, {b[1]:.6g}) are outside "
                f"{name}'s area of use", int(pos), _zone_prefix_hint(gdf.crs, b[0]) or
                _wider_than_crs_hint(gdf.crs) or "check the CRS the data was stated in")


def validate_layer(
    gdf: gpd.GeoDataFrame,
    kind: str | None = None,
    *,
    source: str | None = None,
    layer: str | None = None,
) -> list[Problem]:
    """Check one layer against its kind's spec; return every problem.

    Parameters
    ----------
    gdf : GeoDataFrame
        The layer, with canonical field names (as :func:`ecogis.io.read_layer` gives).
    kind : str, optional
        Catalogue kind; without it only geometry and CRS are checked.
    source, layer : str, optional
        File and layer names, for the messages.

    Returns
    -------
    list of Problem

    Examples
    --------
    >>> import geopandas as gpd, shapely
    >>> bowtie = shapely.Polygon([(500000, 3700000), (500010, 3700010), (500010, 3700000), (500000, 3700010)])
    >>> g = gpd.GeoDataFrame({"id": ["a"], "name": ["x"]}, geometry=[bowtie], crs=4547)
    >>> [p.code for p in validate_layer(g)]
    ['invalid-geometry']
    """
    problems = geometry_problems(gdf, kind, source=source, layer=layer)
    if kind is None:
        return problems
    spec = get_spec(kind)
    label = _labeller(gdf)

    def add(code: str, message: str, pos: int | None = None, fix: str | None = None, severity: str = "error"):
        problems.append(Problem(severity, code, message, source, layer, None if pos is None else label(pos), fix))

    for f in spec.fields:
        _field_problems(gdf, f, add)
    if "id" in gdf.columns:
        ids = gdf["id"]
        dup = ids.notna().to_numpy() & ids.duplicated(keep=False).to_numpy()
        for pos in np.flatnonzero(dup):
            add("duplicate-id", f"id {ids.iloc[pos]!r} is used by {int((ids == ids.iloc[pos]).sum())} features",
                int(pos), "give every feature its own id")
    return problems


def _field_problems(gdf: gpd.GeoDataFrame, f: FieldSpec, add: Callable[..., None]) -> None:
    """One field of the kind's spec: present when required, filled when required, values of its type."""
    if f.name not in gdf.columns:
        if f.required:
            aliases = ", ".join(f.aliases[:6])
            add("missing-field", f"required field {f.name!r} ({f.name_zh}) is missing; columns are "
                f"{[c for c in gdf.columns if c != gdf.geometry.name]}", None,
                f"add it, or name an existing column one of: {f.name}, {aliases}")
        return
    col = gdf[f.name]
    isnull = col.isna().to_numpy() | col.map(lambda v: isinstance(v, str) and not v.strip()).to_numpy()
    if f.required:
        for pos in np.flatnonzero(isnull):
            add("empty-value", f"required field {f.name!r} is empty", int(pos), f"fill in {f.name}")
    if f.allowed:
        bad = ~isnull & ~col.isin(f.allowed).to_numpy()
        for pos in np.flatnonzero(bad):
            add("bad-value", f"{f.name}={col.iloc[pos]!r} but is expected to be one of {list(f.allowed)}",
                int(pos), f"use one of {list(f.allowed)}")
    elif f.dtype == "bool":
        bad = ~isnull & ~col.map(lambda v: isinstance(v, (bool, np.bool_))).to_numpy()
        for pos in np.flatnonzero(bad):
            add("bad-value", f"{f.name}={col.iloc[pos]!r} is not a yes/no value", int(pos),
                "use 1/0, true/false or 是/否")
    elif f.dtype in ("int", "float"):
        bad = ~isnull & pd.to_numeric(col, errors="coerce").isna().to_numpy()
        for pos in np.flatnonzero(bad):
            add("bad-value", f"{f.name}={col.iloc[pos]!r} is not a number", int(pos), f"give {f.name} in {f.unit or 'numbers'}")


#: tables of a layers directory that are no layer: the reported figures (``ecogis.reported.INDICATORS_FILENAMES``;
#: not imported, ecogis.reported reads the targets registry, which reads the checks, which use this module)
_NOT_LAYERS = ("indicators.csv", "indicators.xlsx", "indicators.xls")


def _expand(paths: Iterable[str | os.PathLike]) -> list[Path]:
    files: list[Path] = []
    for raw in paths:
        p = Path(raw)
        if p.is_dir():
            files += sorted(q for q in p.iterdir() if not q.name.startswith(".")
                            and q.name.lower() not in _NOT_LAYERS
                            and (q.suffix.lower() in VECTOR_SUFFIXES + TABLE_SUFFIXES and q.suffix.lower() != ".json"
                                 or q.suffix.lower() == ".geojson"))
        else:
            files.append(p)
    return files


def _has_kind(files: list[Path]) -> bool:
    """Whether any of the files holds a layer whose kind can be told from its name."""
    for path in files:
        if guess_kind(path.name) in CATALOGUE or path.stem.lower() in TABLES:
            return True
        try:
            if any(name in CATALOGUE for name in list_layers(path)):
                return True
        except EcogisError:
            continue
    return False


def _validate_table(path: Path, report: ValidationReport) -> None:
    """A record table (:mod:`ecogis.tables`) read and checked: every bad cell as one ``bad-table`` error."""
    try:
        table = read_table(path, path.stem.lower())
    except EcogisError as exc:
        report.problems.append(Problem("error", "bad-table", str(exc), str(path), None, None,
                                       "fix the cells named (docs/records.md)"))
        return
    report.layers.append({"file": str(path), "layer": None, "kind": path.stem.lower(), "features": len(table),
                          "crs": None, "errors": 0, "field_mapping": table.attrs.get("columns", {}),
                          "encoding": None})


def validate_paths(
    paths: Sequence[str | os.PathLike],
    *,
    kind: str | None = None,
    crs: CRSLike | None = None,
    progress: bool | None = None,
) -> ValidationReport:
    """Validate every layer of some files and directories.

    Parameters
    ----------
    paths : sequence of path-like
        Files (any vector format, CSV) and directories (every vector file in them).
    kind : str, optional
        Kind for every layer; otherwise told from each layer's or file's name.
    crs : CRS-like, optional
        CRS to assume for files that state none.
    progress : bool, optional
        Show a progress bar.

    Returns
    -------
    ValidationReport
    """
    if kind is not None:
        get_spec(kind)
    report = ValidationReport()
    targets: list[tuple[Path, str | None]] = []
    for raw in paths:
        # a directory with no layer of any kind validates nothing: say so instead of "0 error(s)"
        p = Path(raw)
        if p.is_dir() and kind is None and not _has_kind(_expand([p])):
            report.problems.append(Problem(
                "error", "no-layers", f"no layer of any kind in the directory (files: "
                f"{sorted(q.name for q in p.iterdir() if not q.name.startswith('.'))[:10]})", str(p), None, None,
                f"name files or GeoPackage layers by kind ({', '.join(sorted(CATALOGUE))}), or pass --kind"))
    for path in _expand(paths):
        if not path.exists():
            report.problems.append(Problem("error", "unreadable", "no such file", str(path)))
            continue
        if path.stem.lower() in TABLES and kind is None:  # a record table (air_daily.csv ...): its own checks
            _validate_table(path, report)
            continue
        try:
            layers = list_layers(path)
        except EcogisError as exc:
            report.problems.append(Problem("error", "unreadable", str(exc), str(path)))
            continue
        multi = path.suffix.lower() == ".gpkg" or len(layers) > 1
        targets += [(path, name if multi else None) for name in layers]
    crs_seen: dict[str, str] = {}
    for path, layer in progress_bar(targets, desc="validating", unit="layer", progress=progress):
        layer_kind = kind or (layer if layer in CATALOGUE else guess_kind(layer or path.name))
        if layer_kind is None or layer_kind not in CATALOGUE:
            report.problems.append(Problem("warning", "unknown-kind",
                                           f"kind not told from the name; only geometry checked (pass --kind, "
                                           f"one of {sorted(CATALOGUE)})", str(path), layer))
            layer_kind = None
        try:
            gdf = read_layer(path, layer_kind, layer=layer, assume_crs=crs)
        except EcogisError as exc:
            code = "no-crs" if "no CRS" in str(exc) else "unreadable"
            report.problems.append(Problem("error", code, str(exc), str(path), layer))
            continue
        found = validate_layer(gdf, layer_kind, source=str(path), layer=layer)
        report.problems += found
        report.layers.append({"file": str(path), "layer": layer, "kind": layer_kind, "features": len(gdf),
                              "crs": crs_label(gdf.crs) if gdf.crs else None,
                              "errors": sum(p.severity == "error" for p in found),
                              "field_mapping": gdf.attrs.get("field_mapping", {}),
                              "encoding": gdf.attrs.get("encoding")})
        if gdf.crs is not None:
            crs_seen[f"{path}" + (f"|{layer}" if layer else "")] = crs_label(gdf.crs)
    if len(set(crs_seen.values())) > 1:
        listing = ", ".join(f"{k}: {v}" for k, v in crs_seen.items())
        report.problems.append(Problem("warning", "crs-differs",
                                       f"layers are in different CRSs ({listing}); ecogis reprojects them, but "
                                       f"other tools may not", None, None, None,
                                       "ecogis convert each to one CRS, e.g. --to EPSG:4490"))
    return report


def fix_layer(gdf: gpd.GeoDataFrame, kind: str | None = None, *,
              repairs: Collection[str] | None = None) -> tuple[gpd.GeoDataFrame, list[dict[str, Any]]]:
    """Repair what can be repaired safely; return the copy and a log of every change.

    Repairs: empty or missing geometries dropped; swapped x/y swapped back (when the
    swapped coordinates fit the CRS's area of use); invalid geometries made valid
    (``shapely.make_valid``, keeping only parts of the layer's geometry family).
    ``repairs`` limits them to some of ``"dropped"``, ``"swap_axes"``, ``"make_valid"``.

    Examples
    --------
    >>> import geopandas as gpd, shapely
    >>> bowtie = shapely.Polygon([(500000, 3700000), (500010, 3700010), (500010, 3700000), (500000, 3700010)])
    >>> fixed, log_ = fix_layer(gpd.GeoDataFrame({"id": ["a"]}, geometry=[bowtie], crs=4547))
    >>> fixed.geometry.iloc[0].is_valid, log_[0]["change"]
    (True, 'make_valid')
    """
    do = set(repairs) if repairs is not None else {"dropped", "swap_axes", "make_valid"}
    label = _labeller(gdf)
    out = gdf.copy()
    changes: list[dict[str, Any]] = []
    geoms = np.asarray(out.geometry.values)
    absent = shapely.is_missing(geoms) | shapely.is_empty(geoms)
    drop = absent if "dropped" in do else np.zeros(len(geoms), dtype=bool)
    for pos in np.flatnonzero(drop):
        changes.append({"feature": label(int(pos)), "change": "dropped", "reason": "empty geometry",
                        "before": None, "after": None})
    if out.crs is not None and "swap_axes" in do:
        outside = np.flatnonzero(~absent & area_of_use_problems(out))
        if outside.size:
            swapped = shapely.transform(geoms[outside], lambda c: c[:, ::-1])
            fits = ~area_of_use_problems(gpd.GeoDataFrame(geometry=swapped, crs=out.crs))
            before = shapely.to_wkt(geoms[outside[fits]])
            after = shapely.to_wkt(swapped[fits])
            for pos, new_geom, b, a in zip(outside[fits], swapped[fits], before, after):
                changes.append({"feature": label(int(pos)), "change": "swap_axes",
                                "reason": "coordinates fit the CRS only with x and y swapped",
                                "before": b[:200], "after": a[:200]})
                geoms[pos] = new_geom
    family = None
    if kind is not None:
        family = get_spec(kind).geometry
    invalid = ~absent & ~shapely.is_valid(geoms) if "make_valid" in do else np.zeros(len(geoms), dtype=bool)
    for pos in np.flatnonzero(invalid):
        reason = shapely.is_valid_reason(geoms[pos])
        repaired = shapely.make_valid(geoms[pos])
        fam = family or (_GEOM_FAMILY.get(geoms[pos].geom_type),)
        if repaired.geom_type == "GeometryCollection":
            parts = [g for g in shapely.get_parts(repaired) if _GEOM_FAMILY.get(g.geom_type) in fam]
            repaired = shapely.union_all(parts) if parts else repaired
        changes.append({"feature": label(int(pos)), "change": "make_valid", "reason": reason,
                        "before": geoms[pos].wkt[:200], "after": repaired.wkt[:200]})
        geoms[pos] = repaired
    out = out.set_geometry(gpd.GeoSeries(geoms, index=out.index, crs=out.crs))
    out = out.rename_geometry(gdf.geometry.name) if out.geometry.name != gdf.geometry.name else out
    return out.loc[~drop].copy(), changes


def fix_paths(
    paths: Sequence[str | os.PathLike],
    out: str | os.PathLike,
    *,
    kind: str | None = None,
    crs: CRSLike | None = None,
    overwrite: bool = False,
) -> tuple[Path, Path, list[dict[str, Any]]]:
    """Write repaired copies of every layer to ``out`` (a GeoPackage) and a change log.

    The inputs are read only.  The change log is ``out`` with ``.changes.csv``
    appended, one row per change.

    Returns
    -------
    (Path, Path, list of dict)
        The GeoPackage, the log, and the changes.
    """
    out = Path(out)
    if out.suffix.lower() != ".gpkg":
        raise InputError(f"--fix output was {str(out)!r} but is expected to be a .gpkg file")
    inputs = {p.resolve() for p in _expand(paths)}
    if out.resolve() in inputs:
        raise InputError(f"--fix output {out} is one of the inputs; write the repaired copy to a new file")
    fixed_layers: dict[str, gpd.GeoDataFrame] = {}
    all_changes: list[dict[str, Any]] = []
    for path in _expand(paths):
        if path.stem.lower() in TABLES and kind is None:  # record tables have no geometry to repair
            continue
        layers = list_layers(path)
        multi = path.suffix.lower() == ".gpkg" or len(layers) > 1
        for name in layers:
            layer = name if multi else None
            layer_kind = kind or (name if name in CATALOGUE else guess_kind(name if multi else path.name))
            gdf = read_layer(path, layer_kind if layer_kind in CATALOGUE else None, layer=layer, assume_crs=crs)
            fixed, changes = fix_layer(gdf, layer_kind if layer_kind in CATALOGUE else None)
            out_name = name if multi else path.stem
            if out_name in fixed_layers:
                out_name = f"{path.stem}_{name}"
            fixed_layers[out_name] = fixed
            all_changes += [{"file": str(path), "layer": out_name, **c} for c in changes]
    gpkg = write_layers(fixed_layers, out, overwrite=overwrite)
    log_path = out.with_name(out.name + ".changes.csv")

    with atomic_output(log_path, overwrite=True) as tmp:
        pd.DataFrame(all_changes, columns=["file", "layer", "feature", "change", "reason", "before", "after"]
                     ).to_csv(tmp, index=False, encoding="utf-8-sig")
    return gpkg, log_path, all_changes
