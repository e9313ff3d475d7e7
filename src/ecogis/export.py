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

Check results (:class:`ecogis.result.CheckResult`) passed as ``results`` are
exported too: their violations and extra layers go into a group per check inside
the 核查结果 group, as tables ``<check>__<layer>``.

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
import os
import re
import sqlite3
import uuid
import xml.etree.ElementTree as ET
import zipfile
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pyogrio
import shapely
from pyproj import CRS

from ecogis.catalogue import CATALOGUE
from ecogis.crs import CGCS2000, to_crs
from ecogis.errors import (
    CatalogueError,
    CRSError,
    EcogisError,
    InputError,
    OutputExistsError,
)
from ecogis.io import atomic_output, write_layers
from ecogis.layerset import LayerSet
from ecogis.qml import (
    DOCTYPE,
    QGIS_VERSION,
    layer_qml,
    layer_sld,
    style_elements,
)
from ecogis.styles import CHECK_TITLES, GROUP_ORDER, LayerStyle, Symbol, style_for

__all__ = [
    "CHECK_TITLES",
    "GROUP_TITLES",
    "LAYER_STYLES_DDL",
    "RESULTS_GROUP",
    "ExportResult",
    "ExportedLayer",
    "export_qgis",
    "project_tree",
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
        In layer-tree order (top first).
    draw_order : list of str
        Tables in the project's drawing order, top first.
    skipped : dict
        Input name -> why it was not exported.
    """

    gpkg: Path
    project: Path
    layers: list[ExportedLayer] = field(default_factory=list)
    draw_order: list[str] = field(default_factory=list)
    skipped: dict[str, str] = field(default_factory=dict)

    @property
    def paths(self) -> list[Path]:
        return [self.gpkg, self.project]

    def sizes(self) -> dict[str, int]:
        """File name -> size in bytes."""
        return {p.name: os.path.getsize(p) for p in self.paths}

    def to_dict(self) -> dict[str, Any]:
        return {
            "gpkg": str(self.gpkg), "project": str(self.project), "sizes": self.sizes(),
            "layers": [{k: (list(v) if isinstance(v, tuple) else v) for k, v in vars(l).items()}
                       for l in self.layers],
            "draw_order": self.draw_order, "skipped": self.skipped,
        }


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
    if isinstance(results, Mapping):
        keyed = [(str(k), r) for k, r in results.items()]
    else:
        keyed = [(r.name, r) for r in (results or [])]
    seen_groups: set[str] = set()
    for key, r in keyed:
        base_title = CHECK_TITLES.get(r.name, (r.name, r.name))[0 if lang == "zh" else 1]
        group_title = f"{base_title} ({key})"
        n = 2
        while group_title in seen_groups:
            group_title, n = f"{base_title} ({key} {n})", n + 1
        seen_groups.add(group_title)
        group = (GROUP_TITLES[lang][RESULTS_GROUP], group_title)
        layers: dict[str, Any] = {}
        if r.violations is not None:
            layers["violations"] = r.violations
        layers.update(r.layers or {})
        for lname, gdf in layers.items():
            if not isinstance(gdf, gpd.GeoDataFrame):  # a raster path, a table: nothing QGIS can style here
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
def _tree_order(entries: list[_Entry], lang: str) -> tuple[list[str], list[_Entry]]:
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
        return (top, e.group[0], sub, -e.style.order, e.table)

    ordered = sorted(entries, key=key)
    groups = list(dict.fromkeys(e.group[0] for e in ordered))
    return groups, ordered


def _draw_order(ordered: list[_Entry]) -> list[_Entry]:
    """Drawing order of the maps (``style.order``, high on top); check layers above inputs on ties."""
    pos = {id(e): i for i, e in enumerate(ordered)}
    return sorted(ordered, key=lambda e: (-e.style.order, 0 if e.check else 1, pos[id(e)]))


def project_tree(result: ExportResult) -> list[dict[str, Any]]:
    """The layer tree of an export as nested dicts (``{'group': name, 'children': [...]}`` and
    ``{'layer': title, 'table': table}``), top first: what QGIS shows in its Layers panel."""
    root: list[dict[str, Any]] = []

    def group_node(children: list[dict[str, Any]], name: str) -> list[dict[str, Any]]:
        for c in children:
            if c.get("group") == name:
                return c["children"]
        node = {"group": name, "children": []}
        children.append(node)
        return node["children"]

    for l in result.layers:
        children = root
        for g in l.group:
            children = group_node(children, g)
        children.append({"layer": l.title, "table": l.table})
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


# --- the project -------------------------------------------------------------------------
def _spatialrefsys(parent: ET.Element) -> None:
    srs = ET.SubElement(parent, "spatialrefsys")
    crs = CRS.from_epsg(4490)
    for tag, text in (("wkt", crs.to_wkt("WKT2_2019")), ("proj4", "+proj=longlat +ellps=GRS80 +no_defs"),
                      ("srid", "4490"), ("authid", "EPSG:4490"),
                      ("description", "China Geodetic Coordinate System 2000"),
                      ("projectionacronym", "longlat"), ("ellipsoidacronym", "EPSG:1024"),
                      ("geographicflag", "true")):
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


def _layer_id(gpkg_name: str, table: str) -> str:
    return f"{table}_" + uuid.uuid5(uuid.NAMESPACE_URL, f"ecogis:{gpkg_name}:{table}").hex


def _project_xml(ordered: list[_Entry], drawn: list[_Entry], groups: list[str], gpkg_name: str,
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
        ET.SubElement(group_el(e.group), "layer-tree-layer", id=ids[e.table], name=e.title,
                      source=f"./{gpkg_name}|layername={e.table}", providerKey="ogr", checked="Qt::Checked",
                      expanded="1" if e.style.categories else "0")
    custom = ET.SubElement(tree, "custom-order", enabled="1")
    for e in drawn:
        ET.SubElement(custom, "item").text = ids[e.table]

    layers_el = ET.SubElement(root, "projectlayers")
    for e in ordered:
        f = facts[e.table]
        children, attrs = style_elements(e.style, e.geometry, lang=lang, field_type=f["field_type"],
                                         fields=["fid", *f["fields"]], aliases=f["aliases"])
        ml = ET.SubElement(layers_el, "maplayer", type="vector", geometry=_QGIS_GEOMETRY[e.geometry],
                           wkbType=_WKB[f["geometry_type"]], **attrs)
        b = _bounds([e.gdf])
        if b is not None:
            _extent(ml, "extent", b)
        ET.SubElement(ml, "id").text = ids[e.table]
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
        ET.SubElement(order_el, "layer", id=ids[e.table])

    canvas = ET.SubElement(root, "mapcanvas", name="theMapCanvas", annotationsVisible="1")
    ET.SubElement(canvas, "units").text = "degrees"
    b = _bounds([e.gdf for e in ordered])
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
    """Write a styled GeoPackage and a QGIS project beside it.

    Parameters
    ----------
    layers : LayerSet or mapping of str to GeoDataFrame
        The layers, named by kind (``'sections'``) or by any name a style exists
        for (others get a grey generic style).  Any CRS; written in EPSG:4490.
    path : path-like
        The GeoPackage, ``OUT.gpkg``; the project is ``OUT.qgs`` / ``OUT.qgz`` beside it.
    results : sequence of CheckResult, or mapping of key to CheckResult, optional
        Check results whose violations and layers are exported too, in a group per
        check under 核查结果 (tables ``<check>__<layer>``).
    project : {'qgs', 'qgz'}, default 'qgs'
        Plain XML project, or the zipped form QGIS saves by default.
    lang : {'zh', 'en'}, default 'zh'
        Language of layer names, group names, legend labels and field aliases.
    overwrite : bool, default False
        Replace existing outputs (both files are checked before anything is written).
    title : str, optional
        Project title; default: the layer set's name or the file name.

    Returns
    -------
    ExportResult
        Paths, the layers in layer-tree order with their tables, groups and counts,
        the drawing order, and what was skipped.

    Raises
    ------
    OutputExistsError
        ``OUT.gpkg`` or the project exists and ``overwrite`` is False.
    InputError
        Wrong suffix, project kind or language; a layer that is not a
        GeoDataFrame; nothing to export; the output is one of the inputs.
    CRSError
        A layer without a CRS.

    Examples
    --------
    >>> from ecogis.layerset import load_sample
    >>> from ecogis.audit import run_check
    >>> sample = load_sample()  # doctest: +SKIP
    >>> out = export_qgis(sample, "out/luohe.gpkg", results=[run_check("sections", sample)],
    ...                   project="qgz")  # doctest: +SKIP
    >>> [l.table for l in out.layers][:3]  # doctest: +SKIP
    ['sections__violations', 'sections__sections_classified', 'sections__upstream_facilities']
    """
    gpkg = Path(path)
    if gpkg.suffix.lower() != ".gpkg":
        raise InputError(f"output {str(gpkg)!r} has suffix {gpkg.suffix!r} but is expected to end in '.gpkg'")
    if "|" in gpkg.name:
        raise InputError(f"output name {gpkg.name!r} contains '|', which QGIS data sources cannot hold")
    if project not in ("qgs", "qgz"):
        raise InputError(f"project was {project!r} but is expected to be one of ['qgs', 'qgz']")
    if lang not in GROUP_TITLES:
        raise InputError(f"lang was {lang!r} but is expected to be one of {sorted(GROUP_TITLES)}")
    proj_path = gpkg.with_suffix("." + project)
    if not overwrite:
        existing = [str(p) for p in (gpkg, proj_path) if p.exists()]
        if existing:
            raise OutputExistsError(f"{', '.join(existing)} exist(s); pass overwrite=True (--overwrite) to replace")
    if isinstance(layers, LayerSet):
        vectors: Mapping[str, Any] = layers.vectors
        default_title = layers.name
    elif isinstance(layers, Mapping):
        vectors, default_title = layers, ""
    else:
        raise InputError(f"layers is a {type(layers).__name__}; expected a LayerSet or a dict of GeoDataFrames")
    target = gpkg.resolve()
    frames = list(vectors.values())
    if isinstance(results, Mapping):
        rs = list(results.values())
    else:
        rs = list(results or [])
    for r in rs:
        frames += [r.violations] if r.violations is not None else []
        frames += list((r.layers or {}).values())
    if any(target == s for f in frames for s in _sources(f)):
        raise InputError(f"{gpkg} is one of the inputs; write the export to another file")

    bad = [f"{k!r} is a {type(v).__name__}" for k, v in vectors.items() if not isinstance(v, gpd.GeoDataFrame)]
    if bad:
        raise InputError(f"layers must be GeoDataFrames: {', '.join(bad)}")
    skipped: dict[str, str] = {}
    entries = _collect(vectors, results, lang, skipped)
    if not entries:
        raise InputError("nothing to export: no vector layers given")
    groups, ordered = _tree_order(entries, lang)
    drawn = _draw_order(ordered)
    ids = {e.table: _layer_id(gpkg.name, e.table) for e in ordered}
    proj_title = title or default_title or gpkg.stem

    with atomic_output(gpkg, overwrite=overwrite) as tmp:
        write_layers({e.table: e.gdf for e in ordered}, tmp)
        facts = _finish_gpkg(tmp, ordered, lang)
        text = _project_xml(ordered, drawn, groups, gpkg.name, facts, ids, title=proj_title, lang=lang)
        with atomic_output(proj_path, overwrite=overwrite) as ptmp:
            if project == "qgs":
                ptmp.write_text(text, encoding="utf-8")
            else:
                with zipfile.ZipFile(ptmp, "w", compression=zipfile.ZIP_DEFLATED) as zf:
                    zf.writestr(gpkg.with_suffix(".qgs").name, text.encode("utf-8"))
    exported = [
        ExportedLayer(table=e.table, title=e.title, source=e.source, style=e.style.kind, group=e.group,
                      geometry=e.geometry, geometry_type=facts[e.table]["geometry_type"], features=len(e.gdf),
                      order=e.style.order, check=e.check, layer_id=ids[e.table])
        for e in ordered
    ]
    other = gpkg.with_suffix(".qgz" if project == "qgs" else ".qgs")
    if other.exists():
        log.warning("%s exists too and was not updated; open %s", other, proj_path)
    result = ExportResult(gpkg, proj_path, exported, [e.table for e in drawn], skipped)
    log.info("exported %d layer(s) to %s (%d bytes) and %s (%d bytes)", len(exported), gpkg,
             os.path.getsize(gpkg), proj_path, os.path.getsize(proj_path))
    return result
