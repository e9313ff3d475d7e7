"""The QGIS project XML of an export (``.qgs``): layer tree, custom drawing order, vector and
raster map layers with their embedded styles, CRS and canvas extent."""

from __future__ import annotations

import logging
import re
import uuid
import warnings
import xml.etree.ElementTree as ET
from collections.abc import Mapping, Sequence
from typing import Any

import geopandas as gpd
import numpy as np
from pyproj import CRS

from ecogis.publish.qml import (
    DOCTYPE,
    QGIS_VERSION,
    raster_style_elements,
    style_elements,
)
from ecogis.publish.rasters import (
    _raster_bounds_4490,
    _RasterEntry,
)

log = logging.getLogger(__name__)


_WKB = {"POINT": "Point", "MULTIPOINT": "MultiPoint", "LINESTRING": "LineString",
        "MULTILINESTRING": "MultiLineString", "POLYGON": "Polygon", "MULTIPOLYGON": "MultiPolygon"}


_QGIS_GEOMETRY = {"point": "Point", "line": "Line", "polygon": "Polygon"}


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

