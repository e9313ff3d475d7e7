"""QGIS styles (QML, and SLD for other programs) from ecogis's style table.

The symbology comes from :func:`ecogis.styles.style_for`, the same table the folium
maps use, so a layer looks the same in the browser and in QGIS:

* a style with a ``field`` and categories becomes a *categorized* renderer on that
  field, one category per value (its colours and its Chinese, or English, label)
  and a last catch-all category (value ``''``: QGIS draws every other value and
  NULL with it) labelled 其他 / Other;
* a style without a field becomes a *single symbol* renderer;
* the symbol type follows the geometry: simple markers for points, simple lines
  for lines, a simple fill plus a simple-line outline (which keeps the dash
  pattern of red lines and zones) for polygons;
* a single-band raster (population, a pollutant surface) gets a *singleband
  pseudocolor* renderer (:func:`raster_qml`): an interpolated colour ramp
  (:data:`RASTER_RAMPS`) stretched from the raster's minimum to its maximum, with
  "user defined" min/max limits so QGIS keeps those values instead of estimating
  its own.

Sizes are the maps' screen pixels written in millimetres at 96 dpi (1 px = 25.4 / 96 =
0.2646 mm, :func:`px_to_mm`): on a standard screen QGIS draws a marker of radius 5 px
10 px across, as the maps do, and a print layout exported at any resolution keeps that
size on paper (QGIS's ``Pixel`` units would shrink to a third at 300 dpi); line widths
and dashes are the maps' stroke weights and dash patterns, converted the same way.  Colours
keep their opacity (the fill opacity becomes the alpha of the fill colour).

Text from a style (labels, titles, field aliases) is written through
:mod:`xml.etree.ElementTree`, which escapes ``<``, ``&`` and ``"``; nothing is
pasted into markup by hand.

Examples
--------
>>> from ecogis.styles import style_for
>>> from ecogis.publish.qml import layer_qml
>>> qml = layer_qml(style_for("protection_zones"), "polygon")
>>> 'type="categorizedSymbol"' in qml and 'label="一级保护区"' in qml
True
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from collections.abc import Mapping, Sequence
from typing import Any

import geopandas as gpd
import numpy as np

from ecogis.errors import CatalogueError, InputError
from ecogis.styles import Category, LayerStyle, Symbol

__all__ = [
    "DOCTYPE",
    "GEOMETRIES",
    "MM_PER_PX",
    "OTHER_LABEL",
    "QGIS_VERSION",
    "RASTER_RAMPS",
    "aliases_element",
    "category_value",
    "geometry_class",
    "labeling_element",
    "layer_qml",
    "layer_sld",
    "px_to_mm",
    "qgis_color",
    "raster_pipe_element",
    "raster_qml",
    "raster_style_elements",
    "renderer_element",
    "style_elements",
    "symbol_element",
]

#: geometry classes a style is drawn for
GEOMETRIES = ("point", "line", "polygon")

#: QGIS version written into QML and project files (the format of QGIS 3.22 LTR; later 3.x read it)
QGIS_VERSION = "3.22.0"

#: label of the catch-all category
OTHER_LABEL = {"zh": "其他", "en": "Other"}

#: the doctype QGIS writes at the top of .qml and .qgs files
DOCTYPE = "<!DOCTYPE qgis PUBLIC 'http://mrcc.com/qgis.dtd' 'SYSTEM'>"

#: font of feature labels (labels are off by default; Qt substitutes a CJK font when it is absent)
LABEL_FONT = "Microsoft YaHei"

#: colour ramps of raster layers, low to high (ColorBrewer 5-class): population in
#: yellow-orange-red (YlOrRd), pollutant concentrations green-yellow-red (RdYlGn reversed)
RASTER_RAMPS: dict[str, tuple[str, ...]] = {
    "YlOrRd": ("#ffffb2", "#fecc5c", "#fd8d3c", "#f03b20", "#bd0026"),
    "GnYlRd": ("#1a9641", "#a6d96a", "#ffffbf", "#fdae61", "#d7191c"),
}

_HEX = re.compile(r"^#[0-9a-fA-F]{6}$")
_DASH = re.compile(r"^\s*\d+(\.\d+)?(\s*[ ,]\s*\d+(\.\d+)?)*\s*$")
_SYMBOL_TYPE = {"point": "marker", "line": "line", "polygon": "fill"}
_LAYER_GEOMETRY_TYPE = {"point": "0", "line": "1", "polygon": "2"}


def _check_lang(lang: str) -> None:
    if lang not in OTHER_LABEL:
        raise InputError(f"lang was {lang!r} but is expected to be one of {sorted(OTHER_LABEL)}")


def _check_geometry(geometry: str) -> None:
    if geometry not in GEOMETRIES:
        raise InputError(f"geometry was {geometry!r} but is expected to be one of {list(GEOMETRIES)}")


def geometry_class(gdf: gpd.GeoDataFrame | gpd.GeoSeries) -> str | None:
    """``'point'``, ``'line'`` or ``'polygon'`` when every geometry is of that family.

    Returns None for an empty layer (or one of null geometries only), and
    ``'mixed'`` when families mix (points and polygons in one layer).

    Examples
    --------
    >>> import geopandas as gpd, shapely
    >>> geometry_class(gpd.GeoSeries([shapely.Point(0, 0), shapely.MultiPoint([(1, 1)])]))
    'point'
    """
    geoms = gdf.geometry if isinstance(gdf, gpd.GeoDataFrame) else gdf
    families = {_family(t) for t in geoms.geom_type.dropna().unique()}
    families.discard(None)
    if not families:
        return None
    if len(families) > 1:
        return "mixed"
    return families.pop()


def _family(geom_type: str) -> str | None:
    if geom_type in ("Point", "MultiPoint"):
        return "point"
    if geom_type in ("LineString", "MultiLineString", "LinearRing"):
        return "line"
    if geom_type in ("Polygon", "MultiPolygon"):
        return "polygon"
    return None


def qgis_color(hex_color: str | None, opacity: float = 1.0) -> str:
    """A ``'#rrggbb'`` colour as QGIS writes it: ``'r,g,b,a'`` (0-255).

    ``None`` (no fill) becomes fully transparent black.

    Examples
    --------
    >>> qgis_color("#ff8000", 0.5)
    '255,128,0,128'
    """
    if hex_color is None:
        return "0,0,0,0"
    if not _HEX.match(hex_color):
        raise CatalogueError(f"style colour {hex_color!r} is not '#rrggbb'")
    if not 0.0 <= float(opacity) <= 1.0:
        raise CatalogueError(f"style opacity {opacity!r} is not between 0 and 1")
    r, g, b = (int(hex_color[i:i + 2], 16) for i in (1, 3, 5))
    return f"{r},{g},{b},{round(float(opacity) * 255)}"


def _num(x: float) -> str:
    return f"{float(x):g}"


#: millimetres per screen pixel at 96 dpi (CSS's reference pixel)
MM_PER_PX = 25.4 / 96.0


def px_to_mm(px: float) -> float:
    """A size in the maps' screen pixels as millimetres at 96 dpi, rounded to 0.001 mm.

    Examples
    --------
    >>> px_to_mm(10), px_to_mm(1.5)
    (2.646, 0.397)
    """
    return round(float(px) * MM_PER_PX, 3)


def _mm(px: float) -> str:
    return _num(px_to_mm(px))


def _dash(dash: str | None, *, mm: bool = True) -> str | None:
    """A dash pattern as QGIS writes it (``;``-separated), in mm (QML) or in pixels (SLD)."""
    if dash is None:
        return None
    if not _DASH.match(dash):
        raise CatalogueError(f"style dash {dash!r} is not a list of numbers")
    return ";".join((_mm if mm else _num)(float(p)) for p in re.split(r"[\s,]+", dash.strip()))


def _props(layer: ET.Element, props: Mapping[str, str]) -> None:
    """Symbol-layer properties both as an ``<Option>`` map (QGIS >= 3.16) and ``<prop>`` (older)."""
    opt = ET.SubElement(layer, "Option", type="Map")
    for k, v in props.items():
        ET.SubElement(opt, "Option", name=k, value=str(v), type="QString")
    for k, v in props.items():
        ET.SubElement(layer, "prop", k=k, v=str(v))


def _line_props(color: str, width: float, dash: str | None) -> dict[str, str]:
    custom = _dash(dash)
    return {
        "capstyle": "round", "joinstyle": "round",
        "line_color": qgis_color(color), "line_style": "solid",
        "line_width": _mm(width), "line_width_unit": "MM",
        "use_custom_dash": "1" if custom else "0",
        "customdash": custom or "5;2", "customdash_unit": "MM",
        "offset": "0", "offset_unit": "MM",
        "draw_inside_polygon": "0", "ring_filter": "0",
    }


def symbol_element(symbol: Symbol, geometry: str, name: str) -> ET.Element:
    """One ``<symbol>`` of a QGIS renderer.

    Parameters
    ----------
    symbol : Symbol
        Colours, widths (screen pixels), marker radius, dash.
    geometry : {'point', 'line', 'polygon'}
        Marker, line or fill symbol.
    name : str
        The symbol's key in the renderer (``'0'``, ``'1'`` ...).

    Returns
    -------
    xml.etree.ElementTree.Element

    Examples
    --------
    >>> from ecogis.styles import style_for
    >>> el = symbol_element(style_for("bus_stops").default, "point", "0")
    >>> el.get("type"), el.find("layer").get("class")
    ('marker', 'SimpleMarker')
    """
    _check_geometry(geometry)
    sym = ET.Element("symbol", type=_SYMBOL_TYPE[geometry], name=name, alpha="1", clip_to_extent="1",
                     force_rhr="0")
    if geometry == "point":
        layer = ET.SubElement(sym, "layer", {"class": "SimpleMarker", "enabled": "1", "locked": "0", "pass": "0"})
        _props(layer, {
            "name": "circle",
            "color": qgis_color(symbol.fill_color or symbol.color,
                                symbol.fill_opacity if symbol.fill_color else 0.0),
            "outline_color": qgis_color(symbol.color), "outline_style": "solid",
            "outline_width": _mm(symbol.weight), "outline_width_unit": "MM",
            "size": _mm(2 * symbol.radius), "size_unit": "MM", "scale_method": "diameter",
            "angle": "0", "offset": "0,0", "offset_unit": "MM",
            "horizontal_anchor_point": "1", "vertical_anchor_point": "1", "joinstyle": "bevel",
        })
    elif geometry == "line":
        layer = ET.SubElement(sym, "layer", {"class": "SimpleLine", "enabled": "1", "locked": "0", "pass": "0"})
        _props(layer, _line_props(symbol.color, symbol.weight, symbol.dash))
    elif symbol.hatch and symbol.fill_color:
        sym.append(_hatch_layer(symbol))
        outline = ET.SubElement(sym, "layer", {"class": "SimpleLine", "enabled": "1", "locked": "0", "pass": "0"})
        _props(outline, _line_props(symbol.color, symbol.weight, symbol.dash))
    else:
        fill = ET.SubElement(sym, "layer", {"class": "SimpleFill", "enabled": "1", "locked": "0", "pass": "0"})
        _props(fill, {
            "color": qgis_color(symbol.fill_color or symbol.color,
                                symbol.fill_opacity if symbol.fill_color else 0.0),
            "style": "solid" if symbol.fill_color else "no",
            "outline_style": "no", "outline_color": qgis_color(symbol.color),
            "outline_width": "0", "outline_width_unit": "MM",
            "offset": "0,0", "offset_unit": "MM", "joinstyle": "bevel",
        })
        outline = ET.SubElement(sym, "layer", {"class": "SimpleLine", "enabled": "1", "locked": "0", "pass": "0"})
        _props(outline, _line_props(symbol.color, symbol.weight, symbol.dash))
    return sym


#: the maps' hatch (runtime.py): lines 2.5 px wide every 7 px at 45 degrees, at least half opaque
_HATCH_SPACING_PX, _HATCH_WIDTH_PX, _HATCH_MIN_OPACITY = 7.0, 2.5, 0.5


def _hatch_layer(symbol: Symbol) -> ET.Element:
    """A ``LinePatternFill`` of diagonal lines of the fill colour: what lies under it stays visible,
    as on the HTML maps (violations drawn over gaps or a pollutant surface)."""
    layer = ET.Element("layer", {"class": "LinePatternFill", "enabled": "1", "locked": "0", "pass": "0"})
    color = qgis_color(symbol.fill_color, max(symbol.fill_opacity, _HATCH_MIN_OPACITY))
    _props(layer, {
        "angle": "45", "color": color,
        "distance": _mm(_HATCH_SPACING_PX), "distance_unit": "MM",
        "line_width": _mm(_HATCH_WIDTH_PX), "line_width_unit": "MM",
        "offset": "0", "offset_unit": "MM", "coordinate_reference": "feature",
    })
    line = ET.SubElement(layer, "symbol", type="line", name="@0@0", alpha="1", clip_to_extent="1",
                         force_rhr="0")
    stroke = ET.SubElement(line, "layer", {"class": "SimpleLine", "enabled": "1", "locked": "0", "pass": "0"})
    props = _line_props(symbol.fill_color, _HATCH_WIDTH_PX, None)
    props["line_color"] = color
    props["capstyle"] = "flat"
    _props(stroke, props)
    return layer


def category_value(category: Category, field_type: str | None = None) -> str:
    """The value QGIS matches a category against.

    QGIS compares the text of an attribute value: a GeoPackage boolean reads as
    ``'true'`` / ``'false'``, so the style table's ``'True'`` / ``'False'`` are
    written in lower case for boolean fields.
    """
    if field_type == "bool" and category.value in ("True", "False"):
        return category.value.lower()
    return category.value


def renderer_element(style: LayerStyle, geometry: str, *, lang: str = "zh",
                     field_type: str | None = None, categorized: bool = True) -> ET.Element:
    """The ``<renderer-v2>`` of a style.

    Parameters
    ----------
    style : LayerStyle
        From :func:`ecogis.styles.style_for`.
    geometry : {'point', 'line', 'polygon'}
        Symbol type.
    lang : {'zh', 'en'}
        Language of category labels.
    field_type : str, optional
        ``'bool'`` when the style field is a boolean column (see :func:`category_value`).
    categorized : bool, default True
        False draws every feature with the default symbol (for a layer lacking the field).

    Returns
    -------
    xml.etree.ElementTree.Element
    """
    _check_lang(lang)
    _check_geometry(geometry)
    common = {"symbollevels": "0", "forceraster": "0", "enableorderby": "0", "referencescale": "-1"}
    if style.field and style.categories and categorized:
        r = ET.Element("renderer-v2", type="categorizedSymbol", attr=style.field, **common)
        cats = ET.SubElement(r, "categories")
        syms = ET.SubElement(r, "symbols")
        for i, c in enumerate(style.categories):
            ET.SubElement(cats, "category", render="true", value=category_value(c, field_type),
                          label=c.label(lang), symbol=str(i))
            syms.append(symbol_element(c.symbol, geometry, str(i)))
        n = len(style.categories)
        ET.SubElement(cats, "category", render="true", value="", label=OTHER_LABEL[lang], symbol=str(n))
        syms.append(symbol_element(style.default, geometry, str(n)))
        src = ET.SubElement(r, "source-symbol")
        src.append(symbol_element(style.default, geometry, "0"))
    else:
        r = ET.Element("renderer-v2", type="singleSymbol", **common)
        syms = ET.SubElement(r, "symbols")
        syms.append(symbol_element(style.default, geometry, "0"))
    ET.SubElement(r, "rotation")
    ET.SubElement(r, "sizescale")
    return r


def labeling_element(field: str, geometry: str) -> ET.Element:
    """Feature labels from ``field`` (a CJK-capable font, white halo); switched on in QGIS's label panel."""
    _check_geometry(geometry)
    lab = ET.Element("labeling", type="simple")
    settings = ET.SubElement(lab, "settings", calloutType="simple")
    ET.SubElement(settings, "text-style", fieldName=field, isExpression="0", fontFamily=LABEL_FONT,
                  fontSize="9", fontSizeUnit="Point", fontWeight="50", fontItalic="0",
                  textColor="50,50,50,255", textOpacity="1", namedStyle="Regular", multilineHeight="1",
                  previewBkgrdColor="255,255,255,255")
    ET.SubElement(settings, "text-format", wrapChar="", multilineAlign="3", autoWrapLength="0",
                  formatNumbers="0", plussign="0", decimals="3")
    ET.SubElement(settings, "text-buffer", bufferDraw="1", bufferSize="1", bufferSizeUnits="MM",
                  bufferColor="255,255,255,255", bufferOpacity="1", bufferNoFill="1", bufferJoinStyle="128")
    placement = {"point": "6", "line": "2", "polygon": "1"}[geometry]  # OrderedPositionsAroundPoint, Line, OverPoint
    ET.SubElement(settings, "placement", placement=placement, dist="1", distUnits="MM", placementFlags="10",
                  priority="5", overlapHandling="PreventOverlap")
    ET.SubElement(settings, "rendering", obstacle="1", scaleVisibility="0", fontLimitPixelSize="0",
                  drawLabels="1", upsidedownLabels="0", mergeLines="1" if geometry == "line" else "0")
    return lab


def aliases_element(aliases: Mapping[str, str], fields: Sequence[str] | None = None) -> ET.Element:
    """``<aliases>``: display names (Chinese by default) for field names.

    ``fields`` is the layer's field order (QGIS matches by name; the index is informative).
    """
    el = ET.Element("aliases")
    order = list(fields) if fields is not None else list(aliases)
    for i, f in enumerate(order):
        if f in aliases:
            ET.SubElement(el, "alias", field=f, index=str(i), name=str(aliases[f]))
    return el


def style_elements(style: LayerStyle, geometry: str, *, lang: str = "zh", field_type: str | None = None,
                   fields: Sequence[str] | None = None, aliases: Mapping[str, str] | None = None,
                   label_field: str | None = "name") -> tuple[list[ET.Element], dict[str, str]]:
    """The style children shared by a ``.qml`` document and a project's ``<maplayer>``.

    Returns
    -------
    elements : list of Element
        ``renderer-v2``, ``labeling`` (when ``label_field`` is among ``fields``),
        blend modes, opacity, ``aliases``, ``previewExpression``, ``layerGeometryType``.
    attributes : dict
        Attributes of the enclosing element (``labelsEnabled``, scale visibility).
    """
    categorized = fields is None or style.field in fields
    out = [renderer_element(style, geometry, lang=lang, field_type=field_type, categorized=categorized)]
    has_label = label_field is not None and (fields is None or label_field in fields)
    if has_label:
        out.append(labeling_element(label_field, geometry))
    for tag, text in (("blendMode", "0"), ("featureBlendMode", "0"), ("layerOpacity", "1")):
        e = ET.Element(tag)
        e.text = text
        out.append(e)
    if aliases:
        out.append(aliases_element(aliases, fields))
    if has_label:
        e = ET.Element("previewExpression")
        e.text = f'"{label_field}"'
        out.append(e)
    e = ET.Element("layerGeometryType")
    e.text = _LAYER_GEOMETRY_TYPE[geometry]
    out.append(e)
    attrs = {"labelsEnabled": "0", "hasScaleBasedVisibilityFlag": "0", "minScale": "100000000", "maxScale": "0",
             "styleCategories": "AllStyleCategories"}
    return out, attrs


def layer_qml(style: LayerStyle, geometry: str, *, lang: str = "zh", field_type: str | None = None,
              fields: Sequence[str] | None = None, aliases: Mapping[str, str] | None = None,
              label_field: str | None = "name") -> str:
    """A complete QML document (what QGIS stores in ``layer_styles.styleQML``).

    Parameters
    ----------
    style : LayerStyle
        From :func:`ecogis.styles.style_for`.
    geometry : {'point', 'line', 'polygon'}
        The layer's geometry class.
    lang : {'zh', 'en'}
        Language of category labels and aliases.
    field_type : str, optional
        ``'bool'`` when the style field is boolean.
    fields : sequence of str, optional
        The layer's field names; when given and the style field is not among them
        the renderer falls back to a single symbol, and labels need ``label_field``.
    aliases : mapping, optional
        Field name -> display name.
    label_field : str or None, default 'name'
        Field of the (switched-off) feature labels.

    Returns
    -------
    str

    Examples
    --------
    >>> from ecogis.styles import style_for
    >>> qml = layer_qml(style_for("sections"), "point", lang="en")
    >>> 'value="劣V"' in qml and 'label="Worse than V"' in qml
    True
    """
    children, attrs = style_elements(style, geometry, lang=lang, field_type=field_type, fields=fields,
                                     aliases=aliases, label_field=label_field)
    root = ET.Element("qgis", version=QGIS_VERSION, **attrs)
    root.extend(children)
    ET.indent(root)
    return DOCTYPE + "\n" + ET.tostring(root, encoding="unicode") + "\n"


# --- rasters ------------------------------------------------------------------------------
def _ramp_colors(ramp: str | Sequence[str]) -> tuple[str, ...]:
    colors = RASTER_RAMPS.get(ramp) if isinstance(ramp, str) else tuple(ramp)
    if colors is None:
        raise InputError(f"ramp was {ramp!r} but is expected to be one of {sorted(RASTER_RAMPS)} "
                         f"or a sequence of '#rrggbb' colours")
    if len(colors) < 2:
        raise InputError(f"a colour ramp needs at least two colours, got {list(colors)}")
    for c in colors:
        qgis_color(c)  # validates
    return tuple(colors)


def _value(x: float) -> str:
    """A float written so that it reads back to the same double (``repr``)."""
    return repr(float(x))


def raster_pipe_element(minimum: float, maximum: float, *, ramp: str | Sequence[str] = "YlOrRd", band: int = 1,
                        decimals: int = 1, opacity: float = 1.0,
                        transparent_values: Sequence[float] = ()) -> ET.Element:
    """The ``<pipe>`` of a single-band pseudocolor raster layer.

    Parameters
    ----------
    minimum, maximum : float
        Values at the two ends of the ramp (``classificationMin`` / ``Max`` and
        the shader's ``minimumValue`` / ``maximumValue``); the limits are "user
        defined" (``<limits>None</limits>``), so QGIS does not replace them.
    ramp : str or sequence of '#rrggbb', default 'YlOrRd'
        A key of :data:`RASTER_RAMPS`, or colours low to high.  One ramp item per
        colour, at equal steps from ``minimum`` to ``maximum``, interpolated.
    band : int, default 1
    decimals : int, default 1
        Decimals of the legend labels.
    opacity : float, default 1.0
    transparent_values : sequence of float, default ()
        Cell values drawn fully transparent (QGIS's transparent single-value pixel
        list), on top of the GeoTIFF's nodata, which QGIS never paints: ``(0.0,)``
        for a population count, so that cells without people show the map below.

    Returns
    -------
    xml.etree.ElementTree.Element

    Examples
    --------
    >>> pipe = raster_pipe_element(0.0, 500.0, ramp="YlOrRd", decimals=0, transparent_values=(0.0,))
    >>> pipe.find("rasterrenderer").get("type"), [i.get("label") for i in pipe.iter("item")][:2]
    ('singlebandpseudocolor', ['0', '125'])
    >>> pipe.find(".//pixelListEntry").attrib
    {'min': '0.0', 'max': '0.0', 'percentTransparent': '100'}
    """
    colors = _ramp_colors(ramp)
    lo, hi = float(minimum), float(maximum)
    if not (np.isfinite(lo) and np.isfinite(hi) and hi >= lo):
        raise InputError(f"raster ramp limits ({lo}, {hi}) are not finite with maximum >= minimum")
    if not 0.0 <= float(opacity) <= 1.0:
        raise InputError(f"opacity was {opacity} but is expected to be between 0 and 1")
    pipe = ET.Element("pipe")
    provider = ET.SubElement(pipe, "provider")
    ET.SubElement(provider, "resampling", enabled="false", zoomedInResamplingMethod="nearestNeighbour",
                  zoomedOutResamplingMethod="nearestNeighbour", maxOversampling="2")
    rr = ET.SubElement(pipe, "rasterrenderer", type="singlebandpseudocolor", band=str(int(band)),
                       opacity=_num(opacity), alphaBand="-1", classificationMin=_value(lo),
                       classificationMax=_value(hi), nodataColor="")
    transparency = ET.SubElement(rr, "rasterTransparency")
    if transparent_values:
        pixels = ET.SubElement(transparency, "singleValuePixelList")
        for v in transparent_values:
            ET.SubElement(pixels, "pixelListEntry", min=_value(float(v)), max=_value(float(v)),
                          percentTransparent="100")
    mmo = ET.SubElement(rr, "minMaxOrigin")
    for tag, text in (("limits", "None"), ("extent", "WholeRaster"), ("statAccuracy", "Exact"),
                      ("cumulativeCutLower", "0.02"), ("cumulativeCutUpper", "0.98"), ("stdDevFactor", "2")):
        ET.SubElement(mmo, tag).text = text
    shader = ET.SubElement(ET.SubElement(rr, "rastershader"), "colorrampshader", colorRampType="INTERPOLATED",
                           classificationMode="1", clip="0", minimumValue=_value(lo), maximumValue=_value(hi),
                           labelPrecision=str(int(decimals)))
    cr = ET.SubElement(shader, "colorramp", type="gradient", name="[source]")
    n = len(colors)
    stops = ":".join(f"{i / (n - 1):g};{qgis_color(c)}" for i, c in enumerate(colors[1:-1], start=1))
    props = {"color1": qgis_color(colors[0]), "color2": qgis_color(colors[-1]), "discrete": "0",
             "rampType": "gradient"}
    if stops:
        props["stops"] = stops
    _props(cr, props)
    for i, c in enumerate(colors):
        v = hi if i == n - 1 else lo + (hi - lo) * i / (n - 1)
        ET.SubElement(shader, "item", alpha="255", value=_value(v), color=c.lower(), label=f"{v:.{int(decimals)}f}")
    legend = ET.SubElement(shader, "rampLegendSettings", prefix="", suffix="", minimumLabel="", maximumLabel="",
                           orientation="2", direction="0", useContinuousLegend="1")
    fmt = ET.SubElement(ET.SubElement(legend, "numericFormat", id="basic"), "Option", type="Map")
    for name, value, typ in (("decimal_separator", "", "QChar"), ("decimals", str(int(decimals)), "int"),
                             ("rounding_type", "0", "int"), ("show_plus", "false", "bool"),
                             ("show_thousand_separator", "true", "bool"), ("show_trailing_zeros", "false", "bool"),
                             ("thousand_separator", "", "QChar")):
        ET.SubElement(fmt, "Option", name=name, value=value, type=typ)
    ET.SubElement(pipe, "brightnesscontrast", brightness="0", contrast="0", gamma="1")
    ET.SubElement(pipe, "huesaturation", saturation="0", grayscaleMode="0", invertColors="0", colorizeOn="0",
                  colorizeRed="255", colorizeGreen="128", colorizeBlue="128", colorizeStrength="100")
    ET.SubElement(pipe, "rasterresampler", maxOversampling="2")
    ET.SubElement(pipe, "resamplingStage").text = "resamplingFilter"
    return pipe


def raster_style_elements(minimum: float, maximum: float, *, ramp: str | Sequence[str] = "YlOrRd",
                          decimals: int = 1, opacity: float = 1.0,
                          transparent_values: Sequence[float] = ()) -> tuple[list[ET.Element], dict[str, str]]:
    """The style children shared by a raster ``.qml`` and a project's raster ``<maplayer>``.

    Returns
    -------
    elements : list of Element
        ``pipe`` (:func:`raster_pipe_element`) and ``blendMode``.
    attributes : dict
        Attributes of the enclosing element (scale visibility, style categories).
    """
    blend = ET.Element("blendMode")
    blend.text = "0"
    pipe = raster_pipe_element(minimum, maximum, ramp=ramp, decimals=decimals, opacity=opacity,
                               transparent_values=transparent_values)
    attrs = {"hasScaleBasedVisibilityFlag": "0", "minScale": "1e+08", "maxScale": "0",
             "styleCategories": "AllStyleCategories"}
    return [pipe, blend], attrs


def raster_qml(minimum: float, maximum: float, *, ramp: str | Sequence[str] = "YlOrRd", decimals: int = 1,
               opacity: float = 1.0, transparent_values: Sequence[float] = ()) -> str:
    """A complete raster QML document: a singleband pseudocolor renderer on band 1.

    Saved as ``x.qml`` beside ``x.tif``, QGIS applies it as the layer's default
    style whenever the GeoTIFF is opened (drag and drop, the Browser,
    ``QgsRasterLayer``).

    Parameters
    ----------
    minimum, maximum : float
        Ends of the ramp (the raster's minimum and maximum valid value).
    ramp : str or sequence of '#rrggbb', default 'YlOrRd'
        A key of :data:`RASTER_RAMPS` or colours low to high.
    decimals : int, default 1
        Decimals of legend labels.
    opacity : float, default 1.0
    transparent_values : sequence of float, default ()
        Cell values drawn transparent (:func:`raster_pipe_element`).

    Returns
    -------
    str

    Examples
    --------
    >>> qml = raster_qml(12.5, 61.0, ramp="GnYlRd")
    >>> 'type="singlebandpseudocolor"' in qml and 'classificationMax="61.0"' in qml
    True
    """
    children, attrs = raster_style_elements(minimum, maximum, ramp=ramp, decimals=decimals, opacity=opacity,
                                            transparent_values=transparent_values)
    root = ET.Element("qgis", version=QGIS_VERSION, **attrs)
    root.extend(children)
    ET.indent(root)
    return DOCTYPE + "\n" + ET.tostring(root, encoding="unicode") + "\n"


# --- SLD (for GeoServer and other OGC clients; QGIS itself reads the QML) ---------------
_SLD = "http://www.opengis.net/sld"
_SE = "http://www.opengis.net/se"
_OGC = "http://www.opengis.net/ogc"
_XLINK = "http://www.w3.org/1999/xlink"
_XSI = "http://www.w3.org/2001/XMLSchema-instance"


def _css(parent: ET.Element, tag: str, params: Mapping[str, Any]) -> None:
    el = ET.SubElement(parent, f"{{{_SE}}}{tag}")
    for k, v in params.items():
        p = ET.SubElement(el, f"{{{_SE}}}SvgParameter", name=k)
        p.text = str(v)


def _sld_symbolizer(rule: ET.Element, symbol: Symbol, geometry: str) -> None:
    stroke = {"stroke": symbol.color, "stroke-width": _num(symbol.weight)}
    if symbol.dash:
        stroke["stroke-dasharray"] = " ".join(_dash(symbol.dash, mm=False).split(";"))
    if geometry == "point":
        ps = ET.SubElement(rule, f"{{{_SE}}}PointSymbolizer")
        g = ET.SubElement(ps, f"{{{_SE}}}Graphic")
        mark = ET.SubElement(g, f"{{{_SE}}}Mark")
        ET.SubElement(mark, f"{{{_SE}}}WellKnownName").text = "circle"
        if symbol.fill_color:
            _css(mark, "Fill", {"fill": symbol.fill_color, "fill-opacity": _num(symbol.fill_opacity)})
        _css(mark, "Stroke", stroke)
        ET.SubElement(g, f"{{{_SE}}}Size").text = _num(2 * symbol.radius)
    elif geometry == "line":
        ls = ET.SubElement(rule, f"{{{_SE}}}LineSymbolizer")
        _css(ls, "Stroke", stroke)
    else:
        poly = ET.SubElement(rule, f"{{{_SE}}}PolygonSymbolizer")
        if symbol.fill_color:
            _css(poly, "Fill", {"fill": symbol.fill_color, "fill-opacity": _num(symbol.fill_opacity)})
        _css(poly, "Stroke", stroke)


def layer_sld(style: LayerStyle, geometry: str, *, layer_name: str, lang: str = "zh",
              field_type: str | None = None, fields: Sequence[str] | None = None) -> str:
    """An SLD 1.1 document of the same symbology (``layer_styles.styleSLD``).

    Categories become rules filtered on the style field (``PropertyIsEqualTo``);
    the catch-all becomes an ``ElseFilter`` rule.

    Examples
    --------
    >>> from ecogis.styles import style_for
    >>> 'PropertyIsEqualTo' in layer_sld(style_for("protection_zones"), "polygon", layer_name="protection_zones")
    True
    """
    _check_lang(lang)
    _check_geometry(geometry)
    ET.register_namespace("", _SLD)
    for prefix, uri in (("se", _SE), ("ogc", _OGC), ("xlink", _XLINK), ("xsi", _XSI)):
        ET.register_namespace(prefix, uri)
    root = ET.Element(f"{{{_SLD}}}StyledLayerDescriptor", {
        "version": "1.1.0", f"{{{_XSI}}}schemaLocation":
            "http://www.opengis.net/sld http://schemas.opengis.net/sld/1.1.0/StyledLayerDescriptor.xsd"})
    nl = ET.SubElement(root, f"{{{_SLD}}}NamedLayer")
    ET.SubElement(nl, f"{{{_SE}}}Name").text = layer_name
    us = ET.SubElement(nl, f"{{{_SLD}}}UserStyle")
    ET.SubElement(us, f"{{{_SE}}}Name").text = layer_name
    fts = ET.SubElement(us, f"{{{_SE}}}FeatureTypeStyle")
    categorized = bool(style.field and style.categories and (fields is None or style.field in fields))
    if categorized:
        for c in style.categories:
            rule = ET.SubElement(fts, f"{{{_SE}}}Rule")
            ET.SubElement(rule, f"{{{_SE}}}Name").text = c.label(lang)
            ET.SubElement(ET.SubElement(rule, f"{{{_SE}}}Description"), f"{{{_SE}}}Title").text = c.label(lang)
            flt = ET.SubElement(rule, f"{{{_OGC}}}Filter")
            eq = ET.SubElement(flt, f"{{{_OGC}}}PropertyIsEqualTo")
            ET.SubElement(eq, f"{{{_OGC}}}PropertyName").text = style.field
            ET.SubElement(eq, f"{{{_OGC}}}Literal").text = category_value(c, field_type)
            _sld_symbolizer(rule, c.symbol, geometry)
    rule = ET.SubElement(fts, f"{{{_SE}}}Rule")
    title = OTHER_LABEL[lang] if categorized else style.title(lang)
    ET.SubElement(rule, f"{{{_SE}}}Name").text = title
    ET.SubElement(ET.SubElement(rule, f"{{{_SE}}}Description"), f"{{{_SE}}}Title").text = title
    if categorized:
        ET.SubElement(rule, f"{{{_SE}}}ElseFilter")
    _sld_symbolizer(rule, style.default, geometry)
    ET.indent(root)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, encoding="unicode") + "\n"
