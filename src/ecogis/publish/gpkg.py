"""The GeoPackage of a QGIS export: input and result layers as tables (split by geometry family,
reprojected to EPSG:4490), the ``layer_styles`` table QGIS reads default styles from, and the
read-back checks of the written file."""

from __future__ import annotations

import logging
import sqlite3
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pyogrio
import shapely
from pyproj import CRS

from ecogis.catalogue import CATALOGUE
from ecogis.crs import CGCS2000, to_crs
from ecogis.errors import CatalogueError, CRSError, EcogisError, InputError
from ecogis.publish.qml import (
    layer_qml,
    layer_sld,
)
from ecogis.publish.rasters import (
    _raster_path,
)
from ecogis.publish.tree import (
    GROUP_TITLES,
    _check_groups,
    _slug,
)
from ecogis.styles import LayerStyle, Symbol, style_for

log = logging.getLogger(__name__)


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




_GPKG_APPLICATION_ID = 0x47504B47  # 'GPKG'


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


def _style_or_generic(name: str) -> LayerStyle:
    try:
        return style_for(name)
    except CatalogueError:
        return LayerStyle(name, name, name, None, (), Symbol("#555555", "#999999", 0.35, 1.5, 5.0), "基础", 50)


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
    no_geometry = np.array([f is None for f in fams], dtype=bool)
    biggest = max(present, key=lambda f: int((fams == f).sum()))
    parts = {}
    for fam in present:
        mask = (fams == fam) | (no_geometry & (fam == biggest))
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
    for key, r, group in _check_groups(results, lang):
        for lname, gdf in _result_vectors(key, r, skipped).items():
            add(str(lname), gdf, group, key, key, f"check {key!r} layer {lname!r}")
    if problems:
        kind = CRSError if all(isinstance(p, CRSError) for p in problems) else InputError
        raise kind(f"{len(problems)} layer(s) cannot be exported: " + "; ".join(str(p) for p in problems))
    _tell_titles_apart(entries)
    return entries


def _result_vectors(key: str, r: Any, skipped: dict[str, str]) -> dict[str, gpd.GeoDataFrame]:
    """A result's violations and layers that go into the GeoPackage (rasters go with the rasters;
    a layer that is neither, a table or a number, is recorded in ``skipped``)."""
    layers: dict[str, Any] = {}
    if r.violations is not None:
        layers["violations"] = r.violations
    layers.update(r.layers or {})
    out: dict[str, gpd.GeoDataFrame] = {}
    for lname, gdf in layers.items():
        if _raster_path(gdf) is not None:  # exported with the rasters
            continue
        if not isinstance(gdf, gpd.GeoDataFrame):  # a table, a number: nothing QGIS can draw
            skipped[f"{key}/{lname}"] = f"a {type(gdf).__name__}, not a GeoDataFrame"
            log.info("check %r layer %r is a %s; not exported", key, lname, type(gdf).__name__)
            continue
        out[lname] = gdf
    return out


def _tell_titles_apart(entries: list[_Entry]) -> None:
    """The same title twice in one group: tell them apart as the maps do (``title · source``)."""
    seen: dict[tuple[tuple[str, ...], str], int] = {}
    for e in entries:
        seen[(e.group, e.title)] = seen.get((e.group, e.title), 0) + 1
    for e in entries:
        if seen[(e.group, e.title)] > 1:
            e.title = f"{e.title} · {e.source}"


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
    problems = _sqlite_problems(path, entries, facts) + _gdal_problems(path, entries)
    if problems:
        raise EcogisError(f"{path}: the written GeoPackage failed its checks: " + "; ".join(problems))


def _sqlite_problems(path: Path, entries: list[_Entry], facts: Mapping[str, Mapping[str, Any]]) -> list[str]:
    """What sqlite3 finds wrong with the written file (integrity, GeoPackage tables, default styles)."""
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
    return problems


def _gdal_problems(path: Path, entries: list[_Entry]) -> list[str]:
    """What GDAL finds wrong with the written file (listed layers, feature counts, CRS)."""
    problems: list[str] = []
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
    return problems

