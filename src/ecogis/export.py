"""Hand layers to QGIS: one styled GeoPackage and a project beside it.

:func:`export_qgis` writes

* ``OUT.gpkg``: every layer reprojected to CGCS2000 (EPSG:4490), plus the
  ``layer_styles`` table QGIS reads default styles from (its own schema:
  ``f_table_schema`` ``''``, the exact geometry column name, ``useAsDefault`` 1,
  the style as QML in ``styleQML`` and as SLD in ``styleSLD``).  Opening any layer
  of the GeoPackage in QGIS (drag and drop, the browser, ``QgsVectorLayer``)
  draws it styled;
* ``OUT.qgs`` (or ``OUT.qgz``): a project whose layers point at
  ``./OUT.gpkg|layername=...`` (relative paths: move the two files together),
  project CRS EPSG:4490, the same styles embedded, layer-tree groups in the maps'
  legend order (:data:`ecogis.styles.GROUP_ORDER`, then ``style.order`` from the
  top) and the maps' drawing order (``style.order``) as the project's layer order.

* ``OUT_rasters/``: every raster, as a compressed tiled GeoTIFF ``x.tif`` with a
  sidecar style ``x.qml`` beside it (QGIS applies a same-name ``.qml`` as the
  default style whenever the GeoTIFF is opened alone).  Rasters of the layer set
  (:attr:`ecogis.layerset.LayerSet.rasters`: ``population``, ``pollutant_surface``)
  and raster outputs of checks (their ``CheckResult.rasters``, such as the air
  check's PM2.5 IDW surface, and any result layer that is a path to a GeoTIFF).  In the project they are raster layers
  (provider ``gdal``, ``./OUT_rasters/x.tif``) with a singleband pseudocolor
  renderer, at the bottom of their group and drawn under every vector layer.

How a raster is written depends on what its cells hold (:data:`RASTER_KINDS`):

* **counts** (``population``: persons per cell) keep their source grid and CRS,
  cell for cell.  Resampling a count to another grid changes the total (bilinear
  interpolates densities, not sums) and cells in degrees have unequal areas, so the
  values are not reprojected; QGIS reprojects the layer on the fly into the
  project's EPSG:4490 for display;
* **continuous surfaces** (``pollutant_surface``, the PM2.5 surface: µg/m³ at a
  point) are warped to EPSG:4490 with :func:`rasterio.warp.reproject`, bilinear,
  into cells of the source's ground size (about 100 m x 100 m, not square in
  degrees); GDAL places each source position within 1/8 cell (its approximate
  transformer).

Check results (:class:`ecogis.result.CheckResult`) passed as ``results`` are
exported too: their violations and extra layers go into a group per check inside
the 核查结果 group, as tables ``<check>__<layer>`` (rasters as
``OUT_rasters/<check>__<layer>.tif``).

A layer that mixes geometry families (points and polygons, as facilities and the
violations of some checks do) is split into ``<table>_point`` / ``_line`` /
``_polygon``, because a QGIS layer has one geometry type; single and multi parts
of one family are written as multi.  An empty layer is kept, with the geometry
type its kind has (points for violations), so that "no violations" shows too.

Examples
--------
>>> from ecogis.export import export_qgis
>>> from ecogis.layerset import load_sample
>>> out = export_qgis(load_sample(), "luohe_qgis.gpkg", overwrite=True)  # doctest: +SKIP
>>> out.project.name  # doctest: +SKIP
'luohe_qgis.qgs'
"""

from __future__ import annotations

import contextlib
import logging
import math
import os
import re
import sqlite3
import tempfile
import uuid
import warnings
import xml.etree.ElementTree as ET
import zipfile
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pyogrio
import shapely
from pyproj import CRS

from ecogis.catalogue import CATALOGUE, RASTERS
from ecogis.checks import CHECK_TITLES
from ecogis.crs import CGCS2000, to_crs
from ecogis.errors import (
    CatalogueError,
    CRSError,
    EcogisError,
    InputError,
    OutputExistsError,
)
from ecogis.io import atomic_output, write_layers
from ecogis.layerset import RASTER_SUFFIXES, LayerSet
from ecogis.qml import (
    DOCTYPE,
    QGIS_VERSION,
    layer_qml,
    layer_sld,
    raster_qml,
    raster_style_elements,
    style_elements,
)
from ecogis.result import RasterLayer
from ecogis.styles import GROUP_ORDER, LayerStyle, Symbol, style_for

__all__ = [
    "CHECK_TITLES",
    "GROUP_TITLES",
    "LAYER_STYLES_DDL",
    "RASTER_KINDS",
    "RESULTS_GROUP",
    "ExportResult",
    "ExportedLayer",
    "ExportedRaster",
    "RasterKind",
    "export_qgis",
    "output_paths",
    "project_tree",
    "raster_dir",
]

log = logging.getLogger(__name__)

#: top-level group of check results (the first of GROUP_ORDER)
RESULTS_GROUP = "核查结果"

#: group names by language (the style table names groups in Chinese)
GROUP_TITLES: dict[str, dict[str, str]] = {
    "zh": {g: g for g in GROUP_ORDER},
    "en": {"核查结果": "Check results", "水环境": "Water", "生态": "Ecology", "大气": "Air", "交通": "Transport",
           "基础": "Base layers"},
}


#: the ``layer_styles`` table exactly as QGIS (through GDAL) creates it in a GeoPackage
LAYER_STYLES_DDL = (
    'CREATE TABLE "layer_styles" ( "id" INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL, '
    '"f_table_catalog" TEXT(256), "f_table_schema" TEXT(256), "f_table_name" TEXT(256), '
    '"f_geometry_column" TEXT(256), "styleName" TEXT(30), "styleQML" TEXT, "styleSLD" TEXT, '
    '"useAsDefault" BOOLEAN, "description" TEXT, "owner" TEXT(30), "ui" TEXT(30), '
    "\"update_time\" DATETIME DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now')))"
)

_SPLIT_SUFFIX = {"zh": {"point": "点", "line": "线", "polygon": "面"},
                 "en": {"point": "points", "line": "lines", "polygon": "polygons"}}
_WKB = {"POINT": "Point", "MULTIPOINT": "MultiPoint", "LINESTRING": "LineString",
        "MULTILINESTRING": "MultiLineString", "POLYGON": "Polygon", "MULTIPOLYGON": "MultiPolygon"}
_QGIS_GEOMETRY = {"point": "Point", "line": "Line", "polygon": "Polygon"}
_GPKG_TYPE = {"point": ("POINT", "MULTIPOINT"), "line": ("LINESTRING", "MULTILINESTRING"),
              "polygon": ("POLYGON", "MULTIPOLYGON")}
#: geometry class of result layers when they are empty (catalogue kinds use their spec)
_EMPTY_GEOMETRY = {
    "violations": "point", "warnings": "point", "proposals": "point", "sections_classified": "point",
    "upstream_facilities": "point", "rivers_classified": "line", "upstream_reaches": "line",
    "gaps": "polygon", "catchments": "polygon", "districts_coverage": "polygon", "districts": "polygon",
    "overlaps": "polygon", "redline_lost": "polygon", "redline_gained": "polygon", "river_buffer": "polygon",
    "pollutant_surface": "polygon",
}
_FIELD_LABELS = {
    "id": ("编号", "ID"), "name": ("名称", "Name"), "rule": ("规则", "Rule"), "detail": ("说明", "Detail"),
    "severity": ("级别", "Severity"),
}
_RESERVED = ("gpkg_", "rtree_", "sqlite_", "layer_styles")
_GPKG_APPLICATION_ID = 0x47504B47  # 'GPKG'


@dataclass(frozen=True)
class RasterKind:
    """How one kind of raster is exported.

    Attributes
    ----------
    resampling : str or None
        ``None``: the source grid and CRS are kept cell for cell (counts);
        ``'bilinear'``: warped to EPSG:4490 (continuous surfaces).
    ramp : str
        Colour ramp (:data:`ecogis.qml.RASTER_RAMPS`).
    decimals : int
        Decimals of legend labels.
    group : str
        Top-level group (a :data:`ecogis.styles.GROUP_ORDER` name) of a layer-set raster.
    order : int
        Draw order among rasters (high on top); every raster is drawn under the vectors.
    title_zh, title_en : str
        Layer names.
    """

    resampling: str | None
    ramp: str
    decimals: int
    group: str
    order: int
    title_zh: str
    title_en: str

    def title(self, lang: str = "zh") -> str:
        return self.title_zh if lang == "zh" else self.title_en


#: raster kind -> how it is exported (see the module docstring for why counts keep their grid)
RASTER_KINDS: dict[str, RasterKind] = {
    "population": RasterKind(None, "YlOrRd", 0, "基础", 1, RASTERS["population"].name_zh,
                             RASTERS["population"].name_en),
    "pollutant_surface": RasterKind("bilinear", "GnYlRd", 1, "大气", 5, RASTERS["pollutant_surface"].name_zh,
                                    RASTERS["pollutant_surface"].name_en),
}
#: a raster of unknown meaning: kept cell for cell (never resampled), yellow-orange-red
_GENERIC_RASTER = RasterKind(None, "YlOrRd", 2, "基础", 2, "", "")
_DST_CRS = "EPSG:4490"
_DEFAULT_NODATA = -9999.0


@dataclass(frozen=True)
class ExportedLayer:
    """One layer of the export.

    Attributes
    ----------
    table : str
        GeoPackage table (QGIS ``layername``).
    title : str
        Layer name in the QGIS project.
    source : str
        The layer's name in the input (kind, or the result layer's key).
    style : str
        Style kind used (:func:`ecogis.styles.style_for`).
    group : tuple of str
        Path of its group in the layer tree, top level first.
    geometry : str
        ``'point'``, ``'line'`` or ``'polygon'``.
    geometry_type : str
        GeoPackage geometry type (``'MULTIPOLYGON'`` ...).
    features : int
        Feature count.
    order : int
        Draw order (``style.order``; high is on top).
    check : str or None
        The check it comes from.
    layer_id : str
        Its id in the project.
    """

    table: str
    title: str
    source: str
    style: str
    group: tuple[str, ...]
    geometry: str
    geometry_type: str
    features: int
    order: int
    check: str | None
    layer_id: str


@dataclass(frozen=True)
class ExportedRaster:
    """One raster of the export.

    Attributes
    ----------
    name : str
        File stem (``population``, ``air__pm25_surface``).
    title : str
        Layer name in the QGIS project.
    source : str
        The raster's name in the input (kind, or ``<check>/<layer>``).
    path : Path
        The GeoTIFF, ``OUT_rasters/<name>.tif``.
    style_path : Path
        Its sidecar style, ``OUT_rasters/<name>.qml``.
    datasource : str
        Its path in the project, relative (``./OUT_rasters/<name>.tif``).
    group : tuple of str
        Path of its group in the layer tree, top level first.
    crs : str
        CRS of the written GeoTIFF (``'EPSG:4547'`` when a count keeps its grid).
    resampling : str
        ``'none'`` (source grid kept) or ``'bilinear'`` (warped to EPSG:4490).
    width, height : int
        Size in cells.
    nodata : float or None
        Nodata value of the GeoTIFF.
    minimum, maximum : float
        Smallest and largest valid cell value: the ends of the colour ramp.
    valid_cells : int
        Cells holding a value.
    total : float
        Sum of the valid cells (a population count's total).
    ramp : str
        Colour ramp (:data:`ecogis.qml.RASTER_RAMPS`).
    order : int
        Draw order among rasters (high on top).
    check : str or None
        The check it comes from.
    layer_id : str
        Its id in the project.
    """

    name: str
    title: str
    source: str
    path: Path
    style_path: Path
    datasource: str
    group: tuple[str, ...]
    crs: str
    resampling: str
    width: int
    height: int
    nodata: float | None
    minimum: float
    maximum: float
    valid_cells: int
    total: float
    ramp: str
    order: int
    check: str | None
    layer_id: str


@dataclass
class ExportResult:
    """What :func:`export_qgis` wrote.

    Attributes
    ----------
    gpkg : Path
        The GeoPackage.
    project : Path
        The ``.qgs`` / ``.qgz`` project.
    layers : list of ExportedLayer
        Vector layers in layer-tree order (top first).
    draw_order : list of str
        Tables (and raster files, ``OUT_rasters/x.tif``) in the project's drawing
        order, top first: every raster under every vector layer.
    skipped : dict
        Input name -> why it was not exported.
    rasters : list of ExportedRaster
        Rasters in layer-tree order (top first).
    tree : list of str
        Layer ids of vectors and rasters in layer-tree order (top first).
    """

    gpkg: Path
    project: Path
    layers: list[ExportedLayer] = field(default_factory=list)
    draw_order: list[str] = field(default_factory=list)
    skipped: dict[str, str] = field(default_factory=dict)
    rasters: list[ExportedRaster] = field(default_factory=list)
    tree: list[str] = field(default_factory=list)

    @property
    def paths(self) -> list[Path]:
        """Every file written: the GeoPackage, the project, each GeoTIFF and its ``.qml``."""
        return [self.gpkg, self.project, *(p for r in self.rasters for p in (r.path, r.style_path))]

    def sizes(self) -> dict[str, int]:
        """File (relative to the GeoPackage's folder: ``luohe.gpkg``, ``luohe_rasters/population.tif``)
        -> size in bytes."""
        return {_relative(p, self.gpkg.parent): os.path.getsize(p) for p in self.paths}

    def to_dict(self) -> dict[str, Any]:
        def plain(v: Any) -> Any:
            return list(v) if isinstance(v, tuple) else str(v) if isinstance(v, Path) else v

        return {
            "gpkg": str(self.gpkg), "project": str(self.project), "sizes": self.sizes(),
            "layers": [{k: plain(v) for k, v in vars(l).items()} for l in self.layers],
            "rasters": [{k: plain(v) for k, v in vars(r).items()} for r in self.rasters],
            "draw_order": self.draw_order, "skipped": self.skipped,
        }


def _relative(p: Path, base: Path) -> str:
    try:
        return Path(p).relative_to(base).as_posix()
    except ValueError:
        return Path(p).name


@dataclass
class _Entry:
    table: str
    source: str
    style: LayerStyle
    title: str
    geometry: str
    gdf: gpd.GeoDataFrame
    group: tuple[str, ...]
    check: str | None
    raster = False

    @property
    def key(self) -> str:
        return self.table


@dataclass
class _RasterEntry:
    """A raster to write: where from, where to, how; filled in by :func:`_prepare_raster`."""

    table: str  # file stem, unique among the rasters
    source: str
    title: str
    group: tuple[str, ...]
    check: str | None
    spec: RasterKind
    path: Path
    style_path: Path
    src: Path | None = None
    make: Callable[[Path], Path] | None = None  # writes the source into a scratch folder (a RasterLayer)
    array: np.ndarray | None = None
    profile: dict[str, Any] = field(default_factory=dict)
    tags: dict[str, Any] = field(default_factory=dict)
    band_tags: dict[str, Any] = field(default_factory=dict)
    description: str | None = None
    stats: dict[str, Any] = field(default_factory=dict)
    raster = True

    @property
    def key(self) -> str:
        return "raster:" + self.table

    @property
    def style(self) -> LayerStyle:  # what the layer tree and the drawing order need
        return LayerStyle(self.table, self.spec.title_zh, self.spec.title_en, None, (),
                          Symbol("#555555", None, 0.0, 1.0), self.spec.group, self.spec.order)


# --- preparing the layers ----------------------------------------------------------------
def _style_or_generic(name: str) -> LayerStyle:
    try:
        return style_for(name)
    except CatalogueError:
        return LayerStyle(name, name, name, None, (), Symbol("#555555", "#999999", 0.35, 1.5, 5.0), "基础", 50)


def _slug(name: str) -> str:
    s = re.sub(r"[^0-9A-Za-z_]+", "_", str(name)).strip("_").lower()
    if not s or s[0].isdigit() or s.startswith(_RESERVED):
        s = f"l_{s}"
    return s


def _empty_geometry(name: str, style: LayerStyle) -> str:
    spec = CATALOGUE.get(style.kind) or CATALOGUE.get(name)
    if spec is not None and spec.geometry and spec.geometry[0] in ("point", "line", "polygon"):
        return spec.geometry[0]
    return _EMPTY_GEOMETRY.get(style.kind, _EMPTY_GEOMETRY.get(name, "point"))


def _to_multi(geoms: np.ndarray) -> np.ndarray:
    out = geoms.copy()
    for i, g in enumerate(geoms):
        if g is None:
            continue
        t = g.geom_type
        if t == "Point":
            out[i] = shapely.MultiPoint([g])
        elif t == "LineString":
            out[i] = shapely.MultiLineString([g])
        elif t == "Polygon":
            out[i] = shapely.MultiPolygon([g])
    return out


def _family_of(geom: Any) -> str | None:
    if geom is None or geom.is_empty:
        return None
    t = geom.geom_type
    return {"Point": "point", "MultiPoint": "point", "LineString": "line", "MultiLineString": "line",
            "LinearRing": "line", "Polygon": "polygon", "MultiPolygon": "polygon"}.get(t, "other")


def _split(gdf: gpd.GeoDataFrame, where: str) -> dict[str, gpd.GeoDataFrame]:
    """Parts of one geometry family each; single and multi mixed become multi."""
    geoms = gdf.geometry.to_numpy()
    fams = np.array([_family_of(g) for g in geoms], dtype=object)
    if (fams == "other").any():
        bad = sorted({g.geom_type for g, f in zip(geoms, fams) if f == "other"})
        raise InputError(f"{where}: geometry type(s) {bad} cannot be styled; expected points, lines or polygons "
                         f"(explode geometry collections first: gdf.explode())")
    present = [f for f in ("point", "line", "polygon") if (fams == f).any()]
    if not present:
        return {}
    # features without geometry go with the largest part
    biggest = max(present, key=lambda f: int((fams == f).sum()))
    parts = {}
    for fam in present:
        mask = (fams == fam) | ((fams == None) & (fam == biggest))
        part = gdf[mask]
        types = set(part.geom_type.dropna())
        if len(types) > 1:
            part = part.set_geometry(gpd.GeoSeries(_to_multi(part.geometry.to_numpy()), index=part.index,
                                                   crs=part.crs))
        parts[fam] = part
    return parts


def _reproject(gdf: Any, where: str) -> gpd.GeoDataFrame:
    if not isinstance(gdf, gpd.GeoDataFrame):
        raise InputError(f"{where} is a {type(gdf).__name__}; expected a GeoDataFrame")
    if gdf.crs is None and "coordinate_system" not in gdf.attrs:
        raise CRSError(f"{where} has no CRS; set one (gdf.set_crs(...)) before exporting it")
    return to_crs(gdf, CGCS2000)


def _check_groups(results: Sequence[Any] | Mapping[str, Any] | None,
                  lang: str) -> list[tuple[str, Any, tuple[str, ...]]]:
    """(key, result, group path) per check result: a group per check under 核查结果."""
    if isinstance(results, Mapping):
        keyed = [(str(k), r) for k, r in results.items()]
    else:
        keyed = [(r.name, r) for r in (results or [])]
    out = []
    seen_groups: set[str] = set()
    for key, r in keyed:
        base_title = CHECK_TITLES.get(r.name, (r.name, r.name))[0 if lang == "zh" else 1]
        group_title = f"{base_title} ({key})"
        n = 2
        while group_title in seen_groups:
            group_title, n = f"{base_title} ({key} {n})", n + 1
        seen_groups.add(group_title)
        out.append((key, r, (GROUP_TITLES[lang][RESULTS_GROUP], group_title)))
    return out


def _raster_path(value: Any) -> Path | None:
    """A result layer that names a raster file (``.tif`` ...), else None."""
    if isinstance(value, (str, os.PathLike)) and Path(value).suffix.lower() in RASTER_SUFFIXES:
        return Path(value)
    return None


def _collect(vectors: Mapping[str, Any], results: Sequence[Any] | Mapping[str, Any] | None,
             lang: str, skipped: dict[str, str]) -> list[_Entry]:
    entries: list[_Entry] = []
    used: set[str] = set()
    problems: list[InputError] = []

    def table_name(base: str) -> str:
        t, i = base, 2
        while t in used:
            t, i = f"{base}_{i}", i + 1
        used.add(t)
        return t

    def add(name: str, gdf: Any, group: tuple[str, ...] | None, check: str | None, prefix: str, where: str) -> None:
        style = _style_or_generic(name)
        try:
            frame = _reproject(gdf, where)
            parts = _split(frame, where)
        except InputError as exc:  # gathered: one run shows every layer to fix
            problems.append(exc)
            return
        if not parts:
            parts = {_empty_geometry(name, style): frame}
        # check layers are <check>__<layer>: never the name of an input kind
        base = f"{_slug(prefix)}__{_slug(name)}" if prefix else _slug(name)
        title = style.title(lang)
        for fam, part in parts.items():
            split = len(parts) > 1
            if split:
                log.info("%s mixes geometry families: %d %s feature(s) go to table %s_%s", where, len(part),
                         fam, base, fam)
            entries.append(_Entry(
                table=table_name(f"{base}_{fam}" if split else base), source=name, style=style,
                title=f"{title} ({_SPLIT_SUFFIX[lang][fam]})" if split else title, geometry=fam, gdf=part,
                group=group if group is not None else (GROUP_TITLES[lang].get(style.group, style.group),),
                check=check))

    for name, gdf in vectors.items():
        add(str(name), gdf, None, None, "", f"layer {name!r}")
    for key, r, group in _check_groups(results, lang):
        layers: dict[str, Any] = {}
        if r.violations is not None:
            layers["violations"] = r.violations
        layers.update(r.layers or {})
        for lname, gdf in layers.items():
            if _raster_path(gdf) is not None:  # exported with the rasters
                continue
            if not isinstance(gdf, gpd.GeoDataFrame):  # a table, a number: nothing QGIS can draw
                skipped[f"{key}/{lname}"] = f"a {type(gdf).__name__}, not a GeoDataFrame"
                log.info("check %r layer %r is a %s; not exported", key, lname, type(gdf).__name__)
                continue
            add(str(lname), gdf, group, key, key, f"check {key!r} layer {lname!r}")
    if problems:
        kind = CRSError if all(isinstance(p, CRSError) for p in problems) else InputError
        raise kind(f"{len(problems)} layer(s) cannot be exported: " + "; ".join(str(p) for p in problems))
    # the same title twice in one group: tell them apart as the maps do
    seen: dict[tuple[tuple[str, ...], str], int] = {}
    for e in entries:
        seen[(e.group, e.title)] = seen.get((e.group, e.title), 0) + 1
    for e in entries:
        if seen[(e.group, e.title)] > 1:
            e.title = f"{e.title} · {e.source}"
    return entries


# --- layer tree and drawing order ------------------------------------------------------------
def _tree_order(entries: Sequence[_Entry | _RasterEntry], lang: str) -> tuple[list[str], list[Any]]:
    """Top-level group names in order, and the entries in layer-tree order (top first)."""
    titles = GROUP_TITLES[lang]
    rank = {titles[g]: i for i, g in enumerate(GROUP_ORDER)}
    check_groups: list[str] = []
    for e in entries:
        if len(e.group) > 1 and e.group[1] not in check_groups:
            check_groups.append(e.group[1])

    def key(e: _Entry) -> tuple:
        top = rank.get(e.group[0], len(GROUP_ORDER))
        # check groups first inside 核查结果, in the order given; then loose layers by draw order
        sub = check_groups.index(e.group[1]) if len(e.group) > 1 else len(check_groups)
        # rasters at the bottom of their group, under the group's vectors
        return (top, e.group[0], sub, e.raster, -e.style.order, e.table)

    ordered = sorted(entries, key=key)
    groups = list(dict.fromkeys(e.group[0] for e in ordered))
    return groups, ordered


def _draw_order(ordered: Sequence[_Entry | _RasterEntry]) -> list[Any]:
    """Drawing order of the maps (``style.order``, high on top); check layers above inputs on ties;
    every raster under every vector layer."""
    pos = {id(e): i for i, e in enumerate(ordered)}
    return sorted(ordered, key=lambda e: (e.raster, -e.style.order, 0 if e.check else 1, pos[id(e)]))


def project_tree(result: ExportResult) -> list[dict[str, Any]]:
    """The layer tree of an export as nested dicts (``{'group': name, 'children': [...]}``,
    ``{'layer': title, 'table': table}`` and ``{'layer': title, 'raster': 'OUT_rasters/x.tif'}``),
    top first: what QGIS shows in its Layers panel."""
    root: list[dict[str, Any]] = []
    nodes: dict[str, tuple[tuple[str, ...], dict[str, Any]]] = {
        l.layer_id: (l.group, {"layer": l.title, "table": l.table}) for l in result.layers}
    nodes.update({r.layer_id: (r.group, {"layer": r.title, "raster": _relative(r.path, result.gpkg.parent)})
                  for r in result.rasters})
    order = result.tree or [*(l.layer_id for l in result.layers), *(r.layer_id for r in result.rasters)]

    def group_node(children: list[dict[str, Any]], name: str) -> list[dict[str, Any]]:
        for c in children:
            if c.get("group") == name:
                return c["children"]
        node = {"group": name, "children": []}
        children.append(node)
        return node["children"]

    for layer_id in order:
        group, node = nodes[layer_id]
        children = root
        for g in group:
            children = group_node(children, g)
        children.append(node)
    return root


# --- the GeoPackage ----------------------------------------------------------------------
def _aliases(entry: _Entry, lang: str) -> dict[str, str]:
    spec = CATALOGUE.get(entry.style.kind) or CATALOGUE.get(entry.source)
    out = {f.name: f.label(lang) for f in spec.fields} if spec else {}
    for k, (zh, en) in _FIELD_LABELS.items():
        out.setdefault(k, zh if lang == "zh" else en)
    return out


def _layer_info(path: Path, table: str) -> tuple[list[str], dict[str, str]]:
    info = pyogrio.read_info(path, layer=table)
    fields = [str(f) for f in info["fields"]]
    types = {str(f): str(t) for f, t in zip(info["fields"], info["dtypes"])}
    return fields, types


def _finish_gpkg(path: Path, entries: list[_Entry], lang: str) -> dict[str, dict[str, Any]]:
    """Declare empty layers' geometry types, add ``layer_styles``, verify.  Returns per-table facts."""
    facts: dict[str, dict[str, Any]] = {}
    con = sqlite3.connect(path)
    try:
        cols = {t: (c, g) for t, c, g in con.execute(
            "SELECT table_name, column_name, geometry_type_name FROM gpkg_geometry_columns")}
        for e in entries:
            if e.table not in cols:
                raise EcogisError(f"{path}: table {e.table!r} is missing from gpkg_geometry_columns after writing")
            column, gtype = cols[e.table]
            gtype = gtype.upper()
            if gtype not in _GPKG_TYPE[e.geometry]:
                if len(e.gdf) and e.gdf.geometry.notna().any():
                    raise EcogisError(f"{path}: table {e.table!r} was written as {gtype}, expected one of "
                                      f"{_GPKG_TYPE[e.geometry]}")
                # an empty layer: GDAL wrote GEOMETRY; QGIS would open it as a table without geometry
                gtype = _GPKG_TYPE[e.geometry][0]
                con.execute("UPDATE gpkg_geometry_columns SET geometry_type_name = ? WHERE table_name = ?",
                            (gtype, e.table))
            facts[e.table] = {"column": column, "geometry_type": gtype}
        con.commit()
    finally:
        con.close()

    rows = []
    for e in entries:
        fields, types = _layer_info(path, e.table)
        field_type = "bool" if e.style.field and types.get(e.style.field) == "bool" else None
        aliases = _aliases(e, lang)
        qml = layer_qml(e.style, e.geometry, lang=lang, field_type=field_type, fields=["fid", *fields],
                        aliases=aliases)
        sld = layer_sld(e.style, e.geometry, layer_name=e.table, lang=lang, field_type=field_type, fields=fields)
        facts[e.table].update(fields=fields, field_type=field_type, aliases=aliases)
        rows.append(("", "", e.table, facts[e.table]["column"], e.table, qml, sld, 1,
                     f"ecogis: {e.title} (style {e.style.kind})", "", None))

    con = sqlite3.connect(path)
    try:
        with con:
            exists = con.execute("SELECT count(*) FROM sqlite_master WHERE name = 'layer_styles'").fetchone()[0]
            if exists:
                raise EcogisError(f"{path}: a layer_styles table exists already")
            con.execute(LAYER_STYLES_DDL)
            con.executemany(
                "INSERT INTO layer_styles (f_table_catalog, f_table_schema, f_table_name, f_geometry_column, "
                "styleName, styleQML, styleSLD, useAsDefault, description, owner, ui) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", rows)
            con.execute(
                "INSERT INTO gpkg_contents (table_name, data_type, identifier, description, last_change, srs_id) "
                "VALUES ('layer_styles', 'attributes', 'layer_styles', '', "
                "strftime('%Y-%m-%dT%H:%M:%fZ','now'), 0)")
            has_ogr = con.execute(
                "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = 'gpkg_ogr_contents'").fetchone()[0]
            if has_ogr:
                con.execute("INSERT INTO gpkg_ogr_contents (table_name, feature_count) VALUES ('layer_styles', ?)",
                            (len(rows),))
                # GDAL keeps the count with these triggers (as when QGIS saves a style itself)
                con.execute(
                    'CREATE TRIGGER "trigger_insert_feature_count_layer_styles" AFTER INSERT ON "layer_styles" '
                    "BEGIN UPDATE gpkg_ogr_contents SET feature_count = feature_count + 1 "
                    "WHERE lower(table_name) = lower('layer_styles'); END")
                con.execute(
                    'CREATE TRIGGER "trigger_delete_feature_count_layer_styles" AFTER DELETE ON "layer_styles" '
                    "BEGIN UPDATE gpkg_ogr_contents SET feature_count = feature_count - 1 "
                    "WHERE lower(table_name) = lower('layer_styles'); END")
    finally:
        con.close()
    _verify_gpkg(path, entries, facts)
    return facts


def _verify_gpkg(path: Path, entries: list[_Entry], facts: Mapping[str, Mapping[str, Any]]) -> None:
    """Read the file back (sqlite3 and GDAL) and fail loudly when anything is off."""
    problems: list[str] = []
    con = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        if con.execute("PRAGMA integrity_check").fetchone()[0] != "ok":
            problems.append("sqlite integrity_check failed")
        if con.execute("PRAGMA application_id").fetchone()[0] != _GPKG_APPLICATION_ID:
            problems.append("application_id is not 'GPKG'")
        if con.execute("PRAGMA foreign_key_check").fetchall():
            problems.append("foreign_key_check found rows")
        contents = {t: (d, s) for t, d, s in con.execute("SELECT table_name, data_type, srs_id FROM gpkg_contents")}
        tables = {t for (t,) in con.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
        for t in contents:
            if t not in tables:
                problems.append(f"gpkg_contents lists {t!r} but there is no such table")
        for e in entries:
            d, srs = contents.get(e.table, (None, None))
            if d != "features" or srs != 4490:
                problems.append(f"{e.table}: gpkg_contents has data_type {d!r}, srs_id {srs!r}; "
                                f"expected 'features', 4490")
        if contents.get("layer_styles", (None,))[0] != "attributes":
            problems.append("layer_styles is not registered in gpkg_contents as 'attributes'")
        styled = {(t, c) for t, c in con.execute(
            "SELECT f_table_name, f_geometry_column FROM layer_styles WHERE f_table_schema = '' AND useAsDefault")}
        for e in entries:
            if (e.table, facts[e.table]["column"]) not in styled:
                problems.append(f"{e.table}: no default style row in layer_styles")
    finally:
        con.close()
    listed = {str(n) for n, _ in pyogrio.list_layers(path)}
    for e in entries:
        if e.table not in listed:
            problems.append(f"GDAL does not list {e.table!r}")
            continue
        info = pyogrio.read_info(path, layer=e.table, force_feature_count=True)
        if info["features"] != len(e.gdf):
            problems.append(f"{e.table}: GDAL reads {info['features']} features, {len(e.gdf)} were written")
        if CRS.from_user_input(info["crs"]).to_epsg() != 4490:
            problems.append(f"{e.table}: CRS {info['crs']} is not EPSG:4490")
    if "layer_styles" not in listed:
        problems.append("GDAL does not list layer_styles")
    if problems:
        raise EcogisError(f"{path}: the written GeoPackage failed its checks: " + "; ".join(problems))


# --- rasters -------------------------------------------------------------------------------
def raster_dir(path: str | os.PathLike) -> Path:
    """The folder of an export's rasters: ``OUT_rasters`` beside ``OUT.gpkg``.

    Examples
    --------
    >>> raster_dir("out/luohe.gpkg").as_posix()
    'out/luohe_rasters'
    """
    gpkg = Path(path)
    return gpkg.with_name(f"{gpkg.stem}_rasters")


def _raster_kind(name: str) -> RasterKind:
    if name in RASTER_KINDS:
        return RASTER_KINDS[name]
    with contextlib.suppress(CatalogueError):
        kind = style_for(name).kind
        if kind in RASTER_KINDS:
            return RASTER_KINDS[kind]
    return replace(_GENERIC_RASTER, title_zh=name, title_en=name)


class _Unavailable(Exception):
    """A raster that cannot be exported (recorded in ``skipped``, not an error)."""


def _plan_rasters(layers: Any, gpkg: Path, results: Sequence[Any] | Mapping[str, Any] | None,
                  lang: str, skipped: dict[str, str]) -> list[_RasterEntry]:
    """The rasters to write and their file names; nothing is read or computed yet."""
    rdir = raster_dir(gpkg)
    used: set[str] = set()
    entries: list[_RasterEntry] = []

    def add(base: str, source: str, title: str, group: tuple[str, ...], check: str | None, spec: RasterKind,
            src: Path | None = None, make: Callable[[Path], Path] | None = None) -> None:
        name, i = base, 2
        while name in used:
            name, i = f"{base}_{i}", i + 1
        used.add(name)
        entries.append(_RasterEntry(table=name, source=source, title=title, group=group, check=check, spec=spec,
                                    path=rdir / f"{name}.tif", style_path=rdir / f"{name}.qml", src=src, make=make))

    if isinstance(layers, LayerSet):
        for kind, p in layers.rasters.items():
            spec = _raster_kind(str(kind))
            add(_slug(kind), str(kind), spec.title(lang), (GROUP_TITLES[lang].get(spec.group, spec.group),), None,
                spec, src=Path(p))
    for key, r, group in _check_groups(results, lang):
        for lname, value in (r.layers or {}).items():
            p = _raster_path(value)
            if p is None:
                continue
            spec = _raster_kind(str(lname))
            add(f"{_slug(key)}__{_slug(lname)}", f"{key}/{lname}", spec.title(lang), group, key, spec, src=p)
        for rname, layer in (r.rasters or {}).items():  # grids the check computed: written as they are
            spec = _raster_kind(layer.kind or str(rname))
            if layer.title:
                spec = replace(spec, title_zh=layer.title[0], title_en=layer.title[1])
            add(f"{_slug(key)}__{_slug(rname)}", f"{key}/{rname}", spec.title(lang), group, key, spec,
                make=_raster_layer_writer(layer))
    return entries


def _raster_layer_writer(layer: RasterLayer) -> Callable[[Path], Path]:
    """Write a check's :class:`ecogis.result.RasterLayer` into the scratch folder as a
    single-band float32 GeoTIFF (NaN cells as its nodata), the source of its export."""

    def make(scratch: Path) -> Path:
        import rasterio

        fd, name = tempfile.mkstemp(suffix=".tif", dir=scratch)
        os.close(fd)
        path = Path(name)
        nodata = _DEFAULT_NODATA if layer.nodata is None or not np.isfinite(layer.nodata) else float(layer.nodata)
        arr = np.asarray(layer.array, dtype=float)
        epsg = layer.crs.to_epsg()
        profile = {"driver": "GTiff", "width": arr.shape[1], "height": arr.shape[0], "count": 1,
                   "dtype": "float32", "crs": f"EPSG:{epsg}" if epsg else layer.crs.to_wkt(),
                   "transform": layer.transform, "nodata": nodata, "compress": "DEFLATE", "predictor": 3}
        with rasterio.open(path, "w", **profile) as dst:
            dst.write(np.where(np.isfinite(arr), arr, nodata).astype("float32"), 1)
            if layer.description:
                dst.set_band_description(1, layer.description)
            if layer.units:
                dst.update_tags(1, units=layer.units)
        return path

    return make


def _open_problems(e: _RasterEntry) -> str | None:
    """Why a raster source cannot be exported (an input error), or None."""
    import rasterio

    try:
        with rasterio.open(e.src) as src:
            if src.crs is None:
                return f"raster {e.source!r} ({e.src}) has no CRS; assign one (gdal_edit.py -a_srs EPSG:...)"
            if src.count != 1:
                return f"raster {e.source!r} ({e.src}) has {src.count} bands; expected a single-band raster"
    except rasterio.errors.RasterioIOError as exc:
        return f"raster {e.source!r} cannot be read: {exc}"
    return None


def _valid(arr: np.ndarray, nodata: float | None) -> np.ndarray:
    valid = np.isfinite(arr) if np.issubdtype(arr.dtype, np.floating) else np.ones(arr.shape, bool)
    if nodata is not None and not math.isnan(nodata):
        valid &= arr != nodata
    return valid


def _prepare_raster(e: _RasterEntry) -> None:
    """Read the source, keep its grid or warp it to EPSG:4490, compute min / max of the valid cells."""
    import rasterio
    from rasterio.warp import Resampling, calculate_default_transform, reproject

    with rasterio.open(e.src) as src:
        data = src.read(1)
        nodata = src.nodata
        # a kept grid keeps AREA_OR_POINT (where the values sit in a cell); a warped one is Area
        e.tags = {k: v for k, v in src.tags().items() if k != "AREA_OR_POINT" or e.spec.resampling is None}
        e.band_tags = dict(src.tags(1))
        e.description = src.descriptions[0]
        base = {"driver": "GTiff", "count": 1, "tiled": True, "blockxsize": 256, "blockysize": 256,
                "compress": "deflate", "interleave": "band"}
        if e.spec.resampling is None:
            out, out_nodata = data, nodata
            e.profile = {**base, "width": src.width, "height": src.height, "dtype": data.dtype.name,
                         "crs": src.crs, "transform": src.transform, "nodata": nodata}
        else:
            dtype = np.float64 if data.dtype == np.float64 else np.float32
            out_nodata = float(nodata) if nodata is not None and np.isfinite(nodata) else _DEFAULT_NODATA
            source = data.astype(np.float64)
            source[~_valid(data, nodata)] = out_nodata
            transform, width, height = calculate_default_transform(src.crs, _DST_CRS, src.width, src.height,
                                                                   *src.bounds, resolution=_degree_cells(src))
            out = np.full((height, width), out_nodata, dtype=np.float64)
            reproject(source, out, src_transform=src.transform, src_crs=src.crs, src_nodata=out_nodata,
                      dst_transform=transform, dst_crs=_DST_CRS, dst_nodata=out_nodata,
                      resampling=Resampling[e.spec.resampling])
            out = out.astype(dtype)
            e.profile = {**base, "width": width, "height": height, "dtype": np.dtype(dtype).name, "crs": _DST_CRS,
                         "transform": transform, "nodata": out_nodata}
    e.profile["predictor"] = 3 if np.issubdtype(out.dtype, np.floating) else 2
    valid = _valid(out, out_nodata)
    if not valid.any():
        raise _Unavailable(f"raster {e.source!r} has no cell with a value")
    cells = out[valid].astype(np.float64)
    e.array = out
    e.stats = {"minimum": float(cells.min()), "maximum": float(cells.max()), "valid_cells": int(valid.sum()),
               "total": float(cells.sum())}


def _degree_cells(src: Any) -> tuple[float, float]:
    """Cell size in degrees (longitude, latitude) matching the source's ground cell size at its centre.

    Square cells in degrees would be about 1.2 times taller than wide on the ground at
    Luohe's latitude; GDAL then widens its bilinear kernel (it antialiases when a
    destination cell is larger than a source cell), which smooths the surface.  Keeping
    the ground size in both directions keeps plain 4-point bilinear interpolation.
    """
    from rasterio.warp import transform

    left, bottom, right, top = src.bounds
    cx, cy = (left + right) / 2, (bottom + top) / 2
    dx, dy = abs(src.transform.a), abs(src.transform.e)
    lons, lats = transform(src.crs, _DST_CRS, [cx, cx + dx, cx], [cy, cy, cy + dy])
    xres = math.hypot(lons[1] - lons[0], lats[1] - lats[0])
    yres = math.hypot(lons[2] - lons[0], lats[2] - lats[0])
    if not (xres > 0 and yres > 0 and math.isfinite(xres) and math.isfinite(yres)):
        raise InputError(f"{src.name}: cannot work out a cell size in degrees from its CRS {src.crs}")
    if src.crs.is_geographic:  # already in degrees: keep its cell size
        return dx, dy
    return xres, yres


def _write_raster(e: _RasterEntry, tmp: Path) -> None:
    import rasterio

    with rasterio.open(tmp, "w", **e.profile) as dst:
        dst.write(e.array, 1)
        dst.update_tags(**e.tags, ecogis_export=("source grid and CRS kept" if e.spec.resampling is None
                                                 else f"{e.spec.resampling} to {_DST_CRS}"))
        if e.band_tags:
            dst.update_tags(1, **e.band_tags)
        if e.description:
            dst.set_band_description(1, e.description)
    with rasterio.open(tmp) as check:  # read back before it is renamed into place
        if check.crs != rasterio.crs.CRS.from_user_input(e.profile["crs"]) or \
                (check.width, check.height) != (e.profile["width"], e.profile["height"]):
            raise EcogisError(f"{e.path}: the written GeoTIFF does not read back as written")


def _raster_qml(e: _RasterEntry) -> str:
    return raster_qml(e.stats["minimum"], e.stats["maximum"], ramp=e.spec.ramp, decimals=e.spec.decimals)


def _raster_bounds_4490(e: _RasterEntry) -> tuple[float, float, float, float]:
    from rasterio.transform import array_bounds
    from rasterio.warp import transform_bounds

    h, w = e.profile["height"], e.profile["width"]
    west, south, east, north = array_bounds(h, w, e.profile["transform"])
    return transform_bounds(e.profile["crs"], _DST_CRS, west, south, east, north)


# --- the project -------------------------------------------------------------------------
def _spatialrefsys(parent: ET.Element, crs: Any = None) -> None:
    """``<spatialrefsys>`` of a CRS (default EPSG:4490) as QGIS writes it."""
    srs = ET.SubElement(parent, "spatialrefsys")
    if crs is None or CRS.from_user_input(crs).to_epsg() == 4490:
        items: tuple[tuple[str, str], ...] = (
            ("wkt", CRS.from_epsg(4490).to_wkt("WKT2_2019")), ("proj4", "+proj=longlat +ellps=GRS80 +no_defs"),
            ("srid", "4490"), ("authid", "EPSG:4490"), ("description", "China Geodetic Coordinate System 2000"),
            ("projectionacronym", "longlat"), ("ellipsoidacronym", "EPSG:1024"), ("geographicflag", "true"))
    else:
        c = CRS.from_user_input(crs)
        epsg = c.to_epsg()
        if epsg:
            c = CRS.from_epsg(epsg)
        with warnings.catch_warnings():  # "you will likely lose important projection information"
            warnings.simplefilter("ignore")
            proj4 = c.to_proj4() or ""
        acronym = re.search(r"\+proj=(\S+)", proj4)
        ell = (c.ellipsoid.to_json_dict().get("id") or {}) if c.ellipsoid is not None else {}
        items = (("wkt", c.to_wkt("WKT2_2019")), ("proj4", proj4), ("srid", str(epsg or "")),
                 ("authid", f"EPSG:{epsg}" if epsg else ""), ("description", c.name),
                 ("projectionacronym", acronym.group(1) if acronym else ""),
                 ("ellipsoidacronym", f"{ell['authority']}:{ell['code']}" if ell.get("code") else ""),
                 ("geographicflag", "true" if c.is_geographic else "false"))
    for tag, text in items:
        ET.SubElement(srs, tag).text = text


def _extent(parent: ET.Element, tag: str, bounds: Sequence[float]) -> None:
    el = ET.SubElement(parent, tag)
    for k, v in zip(("xmin", "ymin", "xmax", "ymax"), bounds):
        ET.SubElement(el, k).text = repr(float(v))


def _bounds(frames: Sequence[gpd.GeoDataFrame]) -> tuple[float, float, float, float] | None:
    bs = [f.total_bounds for f in frames if len(f) and f.geometry.notna().any()]
    bs = [b for b in bs if np.all(np.isfinite(b))]
    if not bs:
        return None
    a = np.array(bs)
    return float(a[:, 0].min()), float(a[:, 1].min()), float(a[:, 2].max()), float(a[:, 3].max())


def _layer_id(gpkg_name: str, table: str, *, raster: bool = False) -> str:
    if raster:
        return f"{table}_" + uuid.uuid5(uuid.NAMESPACE_URL, f"ecogis:{gpkg_name}:raster:{table}").hex
    return f"{table}_" + uuid.uuid5(uuid.NAMESPACE_URL, f"ecogis:{gpkg_name}:{table}").hex


def _raster_datasource(e: _RasterEntry) -> str:
    return f"./{e.path.parent.name}/{e.path.name}"


def _raster_maplayer(parent: ET.Element, e: _RasterEntry, layer_id: str) -> None:
    children, attrs = raster_style_elements(e.stats["minimum"], e.stats["maximum"], ramp=e.spec.ramp,
                                            decimals=e.spec.decimals)
    ml = ET.SubElement(parent, "maplayer", type="raster", refreshOnNotifyEnabled="0", autoRefreshEnabled="0",
                       autoRefreshTime="0", **attrs)
    from rasterio.transform import array_bounds

    west, south, east, north = array_bounds(e.profile["height"], e.profile["width"], e.profile["transform"])
    _extent(ml, "extent", (west, south, east, north))
    ET.SubElement(ml, "id").text = layer_id
    ET.SubElement(ml, "datasource").text = _raster_datasource(e)
    ET.SubElement(ml, "layername").text = e.title
    _spatialrefsys(ET.SubElement(ml, "srs"), e.profile["crs"])
    ET.SubElement(ml, "provider").text = "gdal"
    nd = ET.SubElement(ml, "noData")
    ET.SubElement(nd, "noDataList", bandNo="1", useSrcNoData="1")
    msm = ET.SubElement(ml, "map-layer-style-manager", current="default")
    ET.SubElement(msm, "map-layer-style", name="default")
    flags = ET.SubElement(ml, "flags")
    for k, v in (("Identifiable", "1"), ("Removable", "1"), ("Searchable", "1"), ("Private", "0")):
        ET.SubElement(flags, k).text = v
    custom = ET.SubElement(ET.SubElement(ml, "customproperties"), "Option", type="Map")
    ET.SubElement(custom, "Option", name="identify/format", value="Value", type="QString")
    ml.extend(children)


def _project_xml(ordered: list[Any], drawn: list[Any], groups: list[str], gpkg_name: str,
                 facts: Mapping[str, Mapping[str, Any]], ids: Mapping[str, str], *, title: str, lang: str) -> str:
    root = ET.Element("qgis", projectname=title, version=QGIS_VERSION)
    ET.SubElement(root, "homePath", path="")
    ET.SubElement(root, "title").text = title
    ET.SubElement(root, "autotransaction", active="0")
    ET.SubElement(root, "evaluateDefaultValues", active="0")
    ET.SubElement(root, "trust", active="0")
    _spatialrefsys(ET.SubElement(root, "projectCrs"))

    tree = ET.SubElement(root, "layer-tree-group")
    ET.SubElement(tree, "customproperties")
    nodes: dict[tuple[str, ...], ET.Element] = {(): tree}

    def group_el(path: tuple[str, ...]) -> ET.Element:
        if path not in nodes:
            parent = group_el(path[:-1])
            g = ET.SubElement(parent, "layer-tree-group", name=path[-1], checked="Qt::Checked", expanded="1")
            ET.SubElement(g, "customproperties")
            nodes[path] = g
        return nodes[path]

    for g in groups:
        group_el((g,))
    for e in ordered:
        if e.raster:
            ET.SubElement(group_el(e.group), "layer-tree-layer", id=ids[e.key], name=e.title,
                          source=_raster_datasource(e), providerKey="gdal", checked="Qt::Checked", expanded="1")
            continue
        ET.SubElement(group_el(e.group), "layer-tree-layer", id=ids[e.key], name=e.title,
                      source=f"./{gpkg_name}|layername={e.table}", providerKey="ogr", checked="Qt::Checked",
                      expanded="1" if e.style.categories else "0")
    custom = ET.SubElement(tree, "custom-order", enabled="1")
    for e in drawn:
        ET.SubElement(custom, "item").text = ids[e.key]

    layers_el = ET.SubElement(root, "projectlayers")
    for e in ordered:
        if e.raster:
            _raster_maplayer(layers_el, e, ids[e.key])
            continue
        f = facts[e.table]
        children, attrs = style_elements(e.style, e.geometry, lang=lang, field_type=f["field_type"],
                                         fields=["fid", *f["fields"]], aliases=f["aliases"])
        ml = ET.SubElement(layers_el, "maplayer", type="vector", geometry=_QGIS_GEOMETRY[e.geometry],
                           wkbType=_WKB[f["geometry_type"]], **attrs)
        b = _bounds([e.gdf])
        if b is not None:
            _extent(ml, "extent", b)
        ET.SubElement(ml, "id").text = ids[e.key]
        ET.SubElement(ml, "datasource").text = f"./{gpkg_name}|layername={e.table}"
        ET.SubElement(ml, "layername").text = e.title
        _spatialrefsys(ET.SubElement(ml, "srs"))
        ET.SubElement(ml, "provider", encoding="UTF-8").text = "ogr"
        msm = ET.SubElement(ml, "map-layer-style-manager", current="default")
        ET.SubElement(msm, "map-layer-style", name="default")
        flags = ET.SubElement(ml, "flags")
        for k, v in (("Identifiable", "1"), ("Removable", "1"), ("Searchable", "1"), ("Private", "0")):
            ET.SubElement(flags, k).text = v
        ml.extend(children)
        ET.SubElement(ml, "legend", type="default-vector", showLabelLegend="0")

    order_el = ET.SubElement(root, "layerorder")
    for e in drawn:
        ET.SubElement(order_el, "layer", id=ids[e.key])

    canvas = ET.SubElement(root, "mapcanvas", name="theMapCanvas", annotationsVisible="1")
    ET.SubElement(canvas, "units").text = "degrees"
    b = _bounds([e.gdf for e in ordered if not e.raster])
    rb = [_raster_bounds_4490(e) for e in ordered if e.raster]
    if rb:
        a = np.array(rb + ([b] if b is not None else []), dtype=float)
        b = float(a[:, 0].min()), float(a[:, 1].min()), float(a[:, 2].max()), float(a[:, 3].max())
    if b is not None:
        pad_x, pad_y = (b[2] - b[0]) * 0.05 or 0.01, (b[3] - b[1]) * 0.05 or 0.01
        _extent(canvas, "extent", (b[0] - pad_x, b[1] - pad_y, b[2] + pad_x, b[3] + pad_y))
    ET.SubElement(canvas, "rotation").text = "0"
    _spatialrefsys(ET.SubElement(canvas, "destinationsrs"))
    ET.SubElement(canvas, "rendermaptile").text = "0"

    props = ET.SubElement(root, "properties")
    paths = ET.SubElement(props, "Paths")
    ET.SubElement(paths, "Absolute", type="bool").text = "false"
    srs_props = ET.SubElement(props, "SpatialRefSys")
    ET.SubElement(srs_props, "ProjectionsEnabled", type="int").text = "1"  # else QGIS ignores <projectCrs>
    measure = ET.SubElement(props, "Measure")
    ET.SubElement(measure, "Ellipsoid", type="QString").text = "EPSG:1024"  # CGCS2000
    units = ET.SubElement(props, "Measurement")
    ET.SubElement(units, "DistanceUnits", type="QString").text = "meters"
    ET.SubElement(units, "AreaUnits", type="QString").text = "m2"
    ET.indent(root)
    return DOCTYPE + "\n" + ET.tostring(root, encoding="unicode") + "\n"


# --- the entry point ---------------------------------------------------------------------
def _sources(gdf: Any) -> list[Path]:
    src = getattr(gdf, "attrs", {}).get("source") if isinstance(gdf, gpd.GeoDataFrame) else None
    if not src:
        return []
    with contextlib.suppress(OSError):
        return [Path(src).resolve()]
    return []


def _check_arguments(gpkg: Path, project: str, lang: str) -> Path:
    if gpkg.suffix.lower() != ".gpkg":
        raise InputError(f"output {str(gpkg)!r} has suffix {gpkg.suffix!r} but is expected to end in '.gpkg'")
    if "|" in gpkg.name:
        raise InputError(f"output name {gpkg.name!r} contains '|', which QGIS data sources cannot hold")
    if project not in ("qgs", "qgz"):
        raise InputError(f"project was {project!r} but is expected to be one of ['qgs', 'qgz']")
    if lang not in GROUP_TITLES:
        raise InputError(f"lang was {lang!r} but is expected to be one of {sorted(GROUP_TITLES)}")
    return gpkg.with_suffix("." + project)


def output_paths(
    layers: LayerSet | Mapping[str, gpd.GeoDataFrame],
    path: str | os.PathLike,
    *,
    results: Sequence[Any] | Mapping[str, Any] | None = None,
    project: str = "qgs",
) -> list[Path]:
    """Every file :func:`export_qgis` would write, without writing or computing anything.

    ``OUT.gpkg``, the project, then ``OUT_rasters/x.tif`` and ``x.qml`` for each
    raster (a raster that turns out to be empty or not reproducible is skipped at
    export time, so the export may write fewer).  Lets a caller refuse existing
    outputs before expensive work.

    Examples
    --------
    >>> from ecogis.layerset import load_sample
    >>> [p.as_posix() for p in output_paths(load_sample(), "out/luohe.gpkg")]  # doctest: +SKIP
    ['out/luohe.gpkg', 'out/luohe.qgs', 'out/luohe_rasters/population.tif', 'out/luohe_rasters/population.qml']
    """
    gpkg = Path(path)
    proj_path = _check_arguments(gpkg, project, "zh")
    rasters = _plan_rasters(layers, gpkg, results, "zh", {})
    return [gpkg, proj_path, *(p for e in rasters for p in (e.path, e.style_path))]


def export_qgis(
    layers: LayerSet | Mapping[str, gpd.GeoDataFrame],
    path: str | os.PathLike,
    *,
    results: Sequence[Any] | Mapping[str, Any] | None = None,
    project: str = "qgs",
    lang: str = "zh",
    overwrite: bool = False,
    title: str | None = None,
) -> ExportResult:
    """Write a styled GeoPackage, styled GeoTIFFs and a QGIS project beside them.

    Parameters
    ----------
    layers : LayerSet or mapping of str to GeoDataFrame
        The layers, named by kind (``'sections'``) or by any name a style exists
        for (others get a grey generic style).  Any CRS; written in EPSG:4490.
        A LayerSet's rasters (``population`` ...) are written to ``OUT_rasters/``.
    path : path-like
        The GeoPackage, ``OUT.gpkg``; the project is ``OUT.qgs`` / ``OUT.qgz`` beside
        it, the rasters ``OUT_rasters/<name>.tif`` with ``<name>.qml`` styles.
    results : sequence of CheckResult, or mapping of key to CheckResult, optional
        Check results whose violations and layers are exported too, in a group per
        check under 核查结果 (tables ``<check>__<layer>``).  Rasters of a result:
        a layer that is a path to a GeoTIFF, and every grid in its ``rasters``
        (:class:`ecogis.result.RasterLayer`: the air check's PM2.5 surface), written
        as the check computed it.
    project : {'qgs', 'qgz'}, default 'qgs'
        Plain XML project, or the zipped form QGIS saves by default.
    lang : {'zh', 'en'}, default 'zh'
        Language of layer names, group names, legend labels and field aliases.
    overwrite : bool, default False
        Replace existing outputs (every file, :func:`output_paths`, is checked
        before anything is written).
    title : str, optional
        Project title; default: the layer set's name or the file name.

    Returns
    -------
    ExportResult
        Paths, the layers and rasters in layer-tree order with their tables, files,
        groups and counts, the drawing order, and what was skipped.

    Raises
    ------
    OutputExistsError
        ``OUT.gpkg``, the project or a raster file exists and ``overwrite`` is False.
    InputError
        Wrong suffix, project kind or language; a layer that is not a
        GeoDataFrame; a raster that cannot be read or has several bands; nothing to
        export; the output is one of the inputs.
    CRSError
        A layer or raster without a CRS.

    Examples
    --------
    >>> from ecogis.layerset import load_sample
    >>> from ecogis.audit import run_check
    >>> sample = load_sample()  # doctest: +SKIP
    >>> out = export_qgis(sample, "out/luohe.gpkg", results=[run_check("air", sample)],
    ...                   project="qgz")  # doctest: +SKIP
    >>> [r.path.name for r in out.rasters]  # doctest: +SKIP
    ['air__pm25_surface.tif', 'population.tif']
    """
    gpkg = Path(path)
    proj_path = _check_arguments(gpkg, project, lang)
    skipped: dict[str, str] = {}
    rasters = _plan_rasters(layers, gpkg, results, lang, skipped)
    outputs = [gpkg, proj_path, *(p for e in rasters for p in (e.path, e.style_path))]
    if not overwrite:
        existing = [str(p) for p in outputs if p.exists()]
        if existing:
            raise OutputExistsError(f"{', '.join(existing)} exist(s); pass overwrite=True (--overwrite) to replace")
    if isinstance(layers, LayerSet):
        vectors: Mapping[str, Any] = layers.vectors
        default_title = layers.name
    elif isinstance(layers, Mapping):
        vectors, default_title = layers, ""
    else:
        raise InputError(f"layers is a {type(layers).__name__}; expected a LayerSet or a dict of GeoDataFrames")
    targets = {p.resolve() for p in outputs}
    frames = list(vectors.values())
    if isinstance(results, Mapping):
        rs = list(results.values())
    else:
        rs = list(results or [])
    for r in rs:
        frames += [r.violations] if r.violations is not None else []
        frames += list((r.layers or {}).values())
    inputs = [s for f in frames for s in _sources(f)] + [e.src.resolve() for e in rasters if e.src is not None]
    clash = sorted({str(s) for s in inputs if s in targets})
    if clash:
        raise InputError(f"{', '.join(clash)} is one of the inputs; write the export to another file")

    bad = [f"{k!r} is a {type(v).__name__}" for k, v in vectors.items() if not isinstance(v, gpd.GeoDataFrame)]
    if bad:
        raise InputError(f"layers must be GeoDataFrames: {', '.join(bad)}")
    entries = _collect(vectors, results, lang, skipped)
    if not entries:
        raise InputError("nothing to export: no vector layers given (the GeoPackage needs at least one)")
    problems = [p for p in (_open_problems(e) for e in rasters if e.src is not None) if p]
    if problems:
        kind = CRSError if all("no CRS" in p for p in problems) else InputError
        raise kind(f"{len(problems)} raster(s) cannot be exported: " + "; ".join(problems))

    rdir = raster_dir(gpkg)
    rdir_existed = rdir.exists()
    with tempfile.TemporaryDirectory(prefix="ecogis-export-") as scratch:
        ready: list[_RasterEntry] = []
        for e in rasters:
            try:
                if e.src is None and e.make is not None:
                    e.src = e.make(Path(scratch))
                _prepare_raster(e)
            except _Unavailable as exc:
                skipped[e.source] = str(exc)
                log.warning("raster %s not exported: %s", e.source, exc)
                continue
            ready.append(e)
        rasters = ready

        groups, ordered = _tree_order([*entries, *rasters], lang)
        vector_order = [e for e in ordered if not e.raster]
        raster_order = [e for e in ordered if e.raster]
        drawn = _draw_order(ordered)
        ids = {e.key: _layer_id(gpkg.name, e.table, raster=e.raster) for e in ordered}
        proj_title = title or default_title or gpkg.stem

        try:
            with atomic_output(gpkg, overwrite=overwrite) as tmp:
                write_layers({e.table: e.gdf for e in vector_order}, tmp)
                facts = _finish_gpkg(tmp, vector_order, lang)
                with contextlib.ExitStack() as stack:  # every file is renamed into place only when all are written
                    for e in raster_order:
                        _write_raster(e, stack.enter_context(atomic_output(e.path, overwrite=overwrite)))
                        stack.enter_context(atomic_output(e.style_path, overwrite=overwrite)).write_text(
                            _raster_qml(e), encoding="utf-8")
                    text = _project_xml(ordered, drawn, groups, gpkg.name, facts, ids, title=proj_title, lang=lang)
                    ptmp = stack.enter_context(atomic_output(proj_path, overwrite=overwrite))
                    if project == "qgs":
                        ptmp.write_text(text, encoding="utf-8")
                    else:
                        with zipfile.ZipFile(ptmp, "w", compression=zipfile.ZIP_DEFLATED) as zf:
                            zf.writestr(gpkg.with_suffix(".qgs").name, text.encode("utf-8"))
        except BaseException:
            if not rdir_existed and rdir.is_dir() and not any(rdir.iterdir()):
                rdir.rmdir()
            raise
    exported = [
        ExportedLayer(table=e.table, title=e.title, source=e.source, style=e.style.kind, group=e.group,
                      geometry=e.geometry, geometry_type=facts[e.table]["geometry_type"], features=len(e.gdf),
                      order=e.style.order, check=e.check, layer_id=ids[e.key])
        for e in vector_order
    ]
    exported_rasters = [
        ExportedRaster(name=e.table, title=e.title, source=e.source, path=e.path, style_path=e.style_path,
                       datasource=_raster_datasource(e), group=e.group, crs=_crs_name(e.profile["crs"]),
                       resampling=e.spec.resampling or "none", width=e.profile["width"], height=e.profile["height"],
                       nodata=e.profile["nodata"], minimum=e.stats["minimum"], maximum=e.stats["maximum"],
                       valid_cells=e.stats["valid_cells"], total=e.stats["total"], ramp=e.spec.ramp,
                       order=e.spec.order, check=e.check, layer_id=ids[e.key])
        for e in raster_order
    ]
    other = gpkg.with_suffix(".qgz" if project == "qgs" else ".qgs")
    if other.exists():
        log.warning("%s exists too and was not updated; open %s", other, proj_path)
    draw_names = [_relative(e.path, gpkg.parent) if e.raster else e.table for e in drawn]
    result = ExportResult(gpkg, proj_path, exported, draw_names, skipped, exported_rasters,
                          [ids[e.key] for e in ordered])
    log.info("exported %d layer(s) to %s (%d bytes), %d raster(s) to %s and %s (%d bytes)", len(exported), gpkg,
             os.path.getsize(gpkg), len(exported_rasters), rdir, proj_path, os.path.getsize(proj_path))
    return result


def _crs_name(crs: Any) -> str:
    c = CRS.from_user_input(crs)
    epsg = c.to_epsg()
    return f"EPSG:{epsg}" if epsg else c.to_wkt()
