"""The QGIS project XML of an export (``.qgs``): layer tree, custom drawing order, vector and
raster map layers with their embedded styles, CRS and canvas extent.

The project CRS is the CGCS2000 3-degree Gauss-Kruger zone of the data (:func:`project_crs`),
numbered by central meridian without a zone prefix (EPSG:4534, CM 75E ... EPSG:4554, CM 135E;
the convention of :func:`ecogis.crs.gk_zone_crs` and of :func:`ecogis.crs.metric_crs`), so the
canvas and every print layout draw in metres with true shapes; the data stay in EPSG:4490 in the
GeoPackage and QGIS reprojects them on the fly."""

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
from pyproj import CRS, Transformer

from ecogis.crs import gk_zone_crs
from ecogis.errors import CRSError
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


#: half the width of a 3-degree zone, degrees of longitude
_HALF_ZONE_DEG = 1.5


def project_crs(bounds: Sequence[float] | None) -> tuple[CRS, list[str]]:
    """The project CRS for data within ``bounds`` (west, south, east, north in EPSG:4490) and notes.

    The CGCS2000 3-degree Gauss-Kruger zone whose central meridian is nearest the centre
    of the bounds (EPSG:4534 ... 4554, central meridian only, false easting 500 000 m).
    Data reaching beyond the zone (more than 1.5 degrees of longitude from its central
    meridian) keep the zone of their centre, with a note giving how much longer lengths
    are drawn at the far edge.  Data without coordinates or outside China's zones leave
    the project in EPSG:4490, with a note.

    Parameters
    ----------
    bounds : sequence of 4 float or None
        (west, south, east, north) in degrees.

    Returns
    -------
    crs : pyproj.CRS
    notes : list of str
        Empty when the data lie within one zone.

    Examples
    --------
    >>> crs, notes = project_crs((113.7, 33.4, 114.3, 33.8))   # Luohe
    >>> crs.to_epsg(), notes
    (4547, [])
    >>> project_crs((86.0, 43.5, 88.3, 44.2))[0].to_epsg()      # Urumqi, CM 87E
    4538
    """
    if bounds is None or not np.all(np.isfinite(np.asarray(bounds, dtype=float))):
        return CRS.from_epsg(4490), ["no coordinates to choose a Gauss-Kruger zone from; project CRS EPSG:4490"]
    west, south, east, north = (float(v) for v in bounds)
    lon = (west + east) / 2.0
    try:
        crs = gk_zone_crs(lon)
    except CRSError:
        return CRS.from_epsg(4490), [f"the data's centre ({lon:.2f}E) is outside China's 3-degree Gauss-Kruger "
                                     f"zones (CM 75E-135E); project CRS EPSG:4490 (geographic)"]
    cm = int(round(lon / 3.0) * 3)
    notes = []
    reach = max(cm - west, east - cm)
    if reach > _HALF_ZONE_DEG + 1e-9:
        lat = 0.0 if south <= 0.0 <= north else min(abs(south), abs(north))
        k = 1.0 + (np.radians(reach) * np.cos(np.radians(lat))) ** 2 / 2.0
        notes.append(f"the data span {west:.2f}E-{east:.2f}E, beyond the 3-degree zone of CM {cm}E "
                     f"({cm - _HALF_ZONE_DEG:g}E-{cm + _HALF_ZONE_DEG:g}E); the project uses the zone of the "
                     f"data's centre, EPSG:{crs.to_epsg()}, where lengths at the far edge are drawn "
                     f"{(k - 1.0) * 100:.2f}% too long")
    return crs, notes


def project_bounds(bounds: Sequence[float], crs: Any) -> tuple[float, float, float, float]:
    """``bounds`` in EPSG:4490 (west, south, east, north) as bounds in ``crs`` (edges densified).

    Examples
    --------
    >>> x0, y0, x1, y1 = project_bounds((113.7, 33.4, 114.3, 33.8), 4547)
    >>> round(x1 - x0), round(y1 - y0)
    (55818, 44407)
    """
    c = CRS.from_user_input(crs)
    if c.to_epsg() == 4490:
        return tuple(float(v) for v in bounds)  # type: ignore[return-value]
    t = Transformer.from_crs(4490, c, always_xy=True)
    return tuple(float(v) for v in t.transform_bounds(*bounds, densify_pts=21))  # type: ignore[return-value]


def data_bounds(ordered: Sequence[Any]) -> tuple[float, float, float, float] | None:
    """(west, south, east, north) in EPSG:4490 of every vector layer and raster of an export."""
    b = _bounds([e.gdf for e in ordered if not e.raster])
    rb = [_raster_bounds_4490(e) for e in ordered if e.raster]
    if rb:
        a = np.array(rb + ([b] if b is not None else []), dtype=float)
        b = float(a[:, 0].min()), float(a[:, 1].min()), float(a[:, 2].max()), float(a[:, 3].max())
    return b


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
                                            decimals=e.spec.decimals, transparent_values=e.spec.transparent)
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


def _project_xml(ordered: list[Any], drawn: list[Any], groups: list[str], gpkg_name: str,  # noqa: PLR0913
                 facts: Mapping[str, Mapping[str, Any]], ids: Mapping[str, str], *, title: str, lang: str,
                 crs: Any = None, layouts: Sequence[ET.Element] = ()) -> str:
    crs = CRS.from_epsg(4490) if crs is None else CRS.from_user_input(crs)
    root = ET.Element("qgis", projectname=title, version=QGIS_VERSION)
    ET.SubElement(root, "homePath", path="")
    ET.SubElement(root, "title").text = title
    ET.SubElement(root, "autotransaction", active="0")
    ET.SubElement(root, "evaluateDefaultValues", active="0")
    ET.SubElement(root, "trust", active="0")
    _spatialrefsys(ET.SubElement(root, "projectCrs"), crs)

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
    ET.SubElement(canvas, "units").text = "degrees" if crs.is_geographic else "meters"
    b = data_bounds(ordered)
    if b is not None:
        b = project_bounds(b, crs)
        pad_min = 0.01 if crs.is_geographic else 1000.0
        pad_x, pad_y = (b[2] - b[0]) * 0.05 or pad_min, (b[3] - b[1]) * 0.05 or pad_min
        _extent(canvas, "extent", (b[0] - pad_x, b[1] - pad_y, b[2] + pad_x, b[3] + pad_y))
    ET.SubElement(canvas, "rotation").text = "0"
    _spatialrefsys(ET.SubElement(canvas, "destinationsrs"), crs)
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
    if layouts:
        layouts_el = ET.SubElement(root, "Layouts")
        layouts_el.extend(layouts)
    ET.indent(root)
    return DOCTYPE + "\n" + ET.tostring(root, encoding="unicode") + "\n"

