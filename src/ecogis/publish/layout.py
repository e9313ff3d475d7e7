"""Print layouts of a QGIS project, written as the XML QGIS itself saves (no PyQGIS needed).

One A4 landscape :class:`LayoutPage` per check map (the check's layers over the layers its
map draws under them, :attr:`ecogis.checks.spec.CheckSpec.context`), or one overview of
every layer when the export has no check results.  Each page holds

* the **title** (the check's title and the area), top left;
* the **map** (its own layer set, in the project's drawing order, in the project CRS: the
  Gauss-Kruger zone of the data, so the map is drawn in metres with true shapes), framed;
* the **legend** of exactly the map's layers, filtered to what the map shows, to the right;
* a **scale bar** in km (segments of 1, 2 or 5 x 10^n km) and a **north arrow** (true
  north), inside the map;
* the **source text**: the data files and their dates, the CRS, ecogis's version and the day
  the project was made.

Texts are in the project's language (``lang``), in a CJK font (WenQuanYi Micro Hei; QGIS
substitutes a system font that has the glyphs when it is missing).  Open the project in QGIS
(Project > Layouts) to edit or print a page; :func:`ecogis.publish.render.export_layouts`
exports every page to PDF or PNG through PyQGIS.

Examples
--------
>>> page = LayoutPage(name="01 demo", title="Demo", bounds=(113.7, 33.4, 114.3, 33.8),
...                   layers=[LayoutLayer("roads_1", "道路", "./a.gpkg|layername=roads", "ogr")])
>>> el = layout_element(page, crs=4547, lang="zh", source_text="数据：a.gpkg")
>>> el.tag, el.get("name"), sorted({i.get("id") for i in el.iter("LayoutItem")} - {""})
('Layout', '01 demo', ['legend', 'map', 'north_arrow', 'scale_bar', 'source', 'title'])
"""

from __future__ import annotations

import datetime as _dt
import math
import os
import uuid
import xml.etree.ElementTree as ET
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from pyproj import CRS

from ecogis import __version__
from ecogis.catalogue import CATALOGUE
from ecogis.checks import CHECK_TITLES, CHECKS
from ecogis.publish.project import _spatialrefsys, project_bounds

__all__ = ["PAGE_MM", "LayoutLayer", "LayoutPage", "layout_element", "scale_bar_segment_km"]

#: A4 landscape, millimetres
PAGE_MM = (297.0, 210.0)
_MARGIN = 10.0
_MAP = (10.0, 20.0, 205.0, 165.0)  # x, y, width, height of the map with a one-column legend
_LEGEND = (220.0, 20.0, 67.0, 165.0)
_LEGEND_COLUMN_MM = 48.0
#: legend lines one column holds (7.5 pt text, 3.5 mm symbols: about 4.7 mm a line, under an 11 pt title)
_LINES_PER_COLUMN = 32
_FONT = "WenQuanYi Micro Hei"

#: item type codes of QgsLayoutItemRegistry
_TYPE = {"page": "65638", "map": "65639", "picture": "65640", "label": "65641", "legend": "65642",
         "scalebar": "65646"}
_TEXT = {
    "zh": {"legend": "图例"},
    "en": {"legend": "Legend"},
}


@dataclass(frozen=True)
class LayoutLayer:
    """A project layer as a layout names it: id, name, data source, provider (``ogr`` / ``gdal``),
    for a raster the text of its legend's band line (its units; None hides the line), and how
    many lines it takes in the legend at most (its title and one per category)."""

    layer_id: str
    name: str
    source: str
    provider: str
    band_label: str | None = None
    legend_lines: int = 1


@dataclass
class LayoutPage:
    """One print layout.

    Attributes
    ----------
    name : str
        Layout name (unique in the project; QGIS lists layouts by name).
    title : str
        The title printed on the page.
    bounds : tuple of float
        (west, south, east, north) in EPSG:4490 that the map must show.
    layers : list of LayoutLayer
        The map's layers, top first (the project's drawing order); the legend's too.
    """

    name: str
    title: str
    bounds: tuple[float, float, float, float]
    layers: list[LayoutLayer] = field(default_factory=list)


def _uuid(*parts: str) -> str:
    return "{" + str(uuid.uuid5(uuid.NAMESPACE_URL, "ecogis:layout:" + ":".join(parts))) + "}"


def _font(size: float, *, bold: bool = False) -> str:
    """A QFont description (QFont::toString) of the layout font."""
    return f"{_FONT},{size:g},-1,5,{75 if bold else 50},0,0,0,0,0"


def _color(parent: ET.Element, tag: str, rgba: tuple[int, int, int, int]) -> None:
    ET.SubElement(parent, tag, red=str(rgba[0]), green=str(rgba[1]), blue=str(rgba[2]), alpha=str(rgba[3]))


def _item(parent: ET.Element, kind: str, item_id: str, key: str,  # noqa: PLR0913
          x: float, y: float, w: float, h: float, *, z: int, frame: bool = False, background: bool = False,
          **attrs: str) -> ET.Element:
    u = _uuid(key, item_id)
    el = ET.SubElement(parent, "LayoutItem", type=_TYPE[kind], uuid=u, templateUuid=u, id=item_id,
                       position=f"{x:g},{y:g},mm", positionOnPage=f"{x:g},{y:g},mm", size=f"{w:g},{h:g},mm",
                       zValue=str(z), frame="true" if frame else "false",
                       background="true" if background else "false", visibility="1", opacity="1",
                       referencePoint="0", itemRotation="0", positionLock="false", excludeFromExports="0",
                       blendMode="0", outlineWidthM="0.3,mm", frameJoinStyle="miter", groupUuid="", **attrs)
    _color(el, "FrameColor", (0, 0, 0, 255))
    _color(el, "BackgroundColor", (255, 255, 255, 255))
    return el


def _fill_symbol(parent: ET.Element, rgba: str) -> None:
    sym = ET.SubElement(parent, "symbol", name="", type="fill", alpha="1", clip_to_extent="1", force_rhr="0")
    layer = ET.SubElement(sym, "layer", {"class": "SimpleFill", "pass": "0", "locked": "0", "enabled": "1"})
    opts = ET.SubElement(layer, "Option", type="Map")
    for k, v in (("color", rgba), ("outline_style", "no"), ("style", "solid")):
        ET.SubElement(opts, "Option", name=k, value=v, type="QString")


def _bbox_in(bounds: Sequence[float], crs: CRS) -> tuple[float, float, float, float]:
    return project_bounds(bounds, crs)


def _fit(b: Sequence[float], width_mm: float, height_mm: float, pad: float = 0.05) -> tuple[float, ...]:
    """``b`` padded and widened (or heightened) to the map item's aspect ratio, centred."""
    x0, y0, x1, y1 = b
    w, h = max(x1 - x0, 1e-9), max(y1 - y0, 1e-9)
    w, h = w * (1 + 2 * pad), h * (1 + 2 * pad)
    ratio = width_mm / height_mm
    if w / h < ratio:
        w = h * ratio
    else:
        h = w / ratio
    cx, cy = (x0 + x1) / 2, (y0 + y1) / 2
    return cx - w / 2, cy - h / 2, cx + w / 2, cy + h / 2


def scale_bar_segment_km(ground_width_m: float, map_width_mm: float, *, target_mm: float = 20.0) -> float:
    """The length of one scale-bar segment, km: the largest 1, 2 or 5 x 10^n km that is at most
    ``target_mm`` long on the page.

    Examples
    --------
    >>> scale_bar_segment_km(60_000.0, 205.0)   # 60 km across 205 mm: 20 mm is 5.85 km
    5.0
    >>> scale_bar_segment_km(900.0, 205.0)      # 20 mm is 88 m
    0.05
    """
    km_per_mm = ground_width_m / 1000.0 / map_width_mm
    want = km_per_mm * target_mm
    exp = math.floor(math.log10(want))
    best = 10.0 ** exp
    for m in (1.0, 2.0, 5.0, 10.0):
        if m * 10.0 ** exp <= want * (1 + 1e-9):
            best = m * 10.0 ** exp
    return float(f"{best:.6g}")


def _label(parent: ET.Element, key: str, item_id: str, box: Sequence[float],  # noqa: PLR0913
           text: str, size: float, *, bold: bool = False, z: int, valign: str = "32") -> None:
    el = _item(parent, "label", item_id, key, *box, z=z, labelText=text, htmlState="0", marginX="0", marginY="0",
               halign="1", valign=valign)
    ET.SubElement(el, "LabelFont", description=_font(size, bold=bold), style="")
    _color(el, "FontColor", (0, 0, 0, 255))


def _map_layer_set(parent: ET.Element, layers: Sequence[LayoutLayer]) -> None:
    ls = ET.SubElement(parent, "LayerSet")
    for lyr in layers:
        ET.SubElement(ls, "Layer", source=lyr.source, provider=lyr.provider, name=lyr.name).text = lyr.layer_id


def _legend_styles(parent: ET.Element) -> None:
    styles = ET.SubElement(parent, "styles")
    for name, size, bold, extra in (("title", 11, True, {"marginBottom": "3"}),
                                    ("group", 9, True, {"marginTop": "2"}),
                                    ("subgroup", 8, True, {"marginTop": "2"}),
                                    ("symbol", 7.5, False, {"marginTop": "1.2"}),
                                    ("symbolLabel", 7.5, False, {"marginTop": "1.2", "marginLeft": "2"})):
        st = ET.SubElement(styles, "style", name=name, alignment="1", indent="0", **extra)
        ET.SubElement(st, "styleFont", description=_font(size, bold=bold), style="")


def _frames(page: LayoutPage) -> tuple[int, tuple[float, ...], tuple[float, ...]]:
    """Legend columns, the map's and the legend's (x, y, width, height): a legend longer than one
    column gets more columns, taken from the map's width."""
    names: set[str] = set()
    lines = 0
    for lyr in page.layers:
        if lyr.name not in names:
            names.add(lyr.name)
            lines += lyr.legend_lines
    columns = min(3, max(1, math.ceil(lines / _LINES_PER_COLUMN)))
    if columns == 1:
        return 1, _MAP, _LEGEND
    lw = _LEGEND_COLUMN_MM * columns
    right = PAGE_MM[0] - _MARGIN
    mx, my, _mw, mh = _MAP
    return columns, (mx, my, right - lw - 5.0 - mx, mh), (right - lw, _LEGEND[1], lw, _LEGEND[3])


def layout_element(page: LayoutPage, *, crs: Any, lang: str, source_text: str) -> ET.Element:
    """The ``<Layout>`` element of one page (an A4 landscape print layout, QGIS 3.22 format).

    Parameters
    ----------
    page : LayoutPage
    crs : CRS-like
        The project CRS; the map item is drawn in it (its extent is ``page.bounds``
        projected, padded by 5 % and fitted to the map's shape).
    lang : {'zh', 'en'}
        Language of the legend title.
    source_text : str
        The line(s) at the foot of the page: data sources, CRS, ecogis version, date.

    Returns
    -------
    xml.etree.ElementTree.Element
    """
    crs = CRS.from_user_input(crs)
    key = page.name
    columns, (mx, my, mw, mh), (lx, ly, lw, lh) = _frames(page)
    layout = ET.Element("Layout", name=page.name, units="mm", printResolution="300", worldFileMap="")
    ET.SubElement(layout, "Snapper", snapToGrid="0", snapToGuides="1", snapToItems="1", tolerance="5")
    ET.SubElement(layout, "Grid", resolution="10", resUnits="mm", offsetX="0", offsetY="0", offsetUnits="mm")
    pages = ET.SubElement(layout, "PageCollection")
    _fill_symbol(pages, "255,255,255,255")
    page_el = _item(pages, "page", "", key + ":page", 0, 0, *PAGE_MM, z=0, background=True)
    _fill_symbol(page_el, "255,255,255,255")
    ET.SubElement(pages, "GuideCollection", visible="1")

    # map
    extent = _fit(_bbox_in(page.bounds, crs), mw, mh)
    map_uuid = _uuid(key, "map")
    m = _item(layout, "map", "map", key, mx, my, mw, mh, z=1, frame=True, background=True,
              keepLayerSet="true", followPreset="false", followPresetName="", drawCanvasItems="true",
              mapRotation="0", mapFlags="0", isTemporal="0", labelMargin="0,mm")
    ET.SubElement(m, "Extent", xmin=repr(extent[0]), ymin=repr(extent[1]), xmax=repr(extent[2]),
                  ymax=repr(extent[3]))

    _spatialrefsys(ET.SubElement(m, "crs"), crs)
    _map_layer_set(m, page.layers)

    # title and source text
    _label(layout, key, "title", (_MARGIN, 6.0, PAGE_MM[0] - 2 * _MARGIN, 12.0), page.title, 16, bold=True, z=2,
           valign="128")
    _label(layout, key, "source", (_MARGIN, my + mh + 2.0, PAGE_MM[0] - 2 * _MARGIN, 20.0), source_text, 7, z=2)

    # legend: the map's layers, filtered to what the map shows
    lg = _item(layout, "legend", "legend", key, lx, ly, lw, lh, z=3, frame=True, background=True,
               title=_TEXT[lang]["legend"], map_uuid=map_uuid, legendFilterByMap="1", legendFilterByAtlas="0",
               resizeToContents="0", columnCount=str(columns), splitLayer="1", equalColumnWidth="0", columnSpace="2",
               boxSpace="2", symbolWidth="6", symbolHeight="3.5", maxSymbolSize="5", minSymbolSize="0",
               wmsLegendWidth="50", wmsLegendHeight="25",
               lineSpacing="1", wrapChar="", titleAlignment="1", fontColor="#000000", rasterBorder="1",
               rasterBorderColor="0,0,0,255", rasterBorderWidth="0", symbolAlignment="1")
    _legend_styles(lg)
    tree = ET.SubElement(lg, "layer-tree-group")
    ET.SubElement(ET.SubElement(tree, "customproperties"), "Option")
    shown: set[str] = set()
    for lyr in page.layers:
        if lyr.name in shown:  # a check's copy of an input layer (same style, same name): once
            continue
        shown.add(lyr.name)
        node = ET.SubElement(tree, "layer-tree-layer", id=lyr.layer_id, name=lyr.name, source=lyr.source,
                             providerKey=lyr.provider, checked="Qt::Checked", expanded="1", legend_exp="",
                             patch_size="-1,-1", legend_split_behavior="0")
        props = ET.SubElement(ET.SubElement(node, "customproperties"), "Option", type="Map")
        if lyr.provider == "gdal":  # QGIS's first raster legend line is "Band 1: <description> (Gray)"
            if lyr.band_label:
                ET.SubElement(props, "Option", name="legend/label-0", value=lyr.band_label, type="QString")
            else:
                ET.SubElement(props, "Option", name="legend/node-order", value="1", type="QString")

    # scale bar in km, inside the map's lower left corner
    seg_km = scale_bar_segment_km(extent[2] - extent[0], mw) if crs.is_projected else 0.0
    sb = _item(layout, "scalebar", "scale_bar", key, mx + 3.0, my + mh - 13.0, 60.0, 10.0, z=4,
               background=True, style="Single Box", unitType="km", unitLabel="km", mapUuid=map_uuid,
               numSegments="2", numSegmentsLeft="0", numSubdivisions="1", subdivisionsHeight="1.5",
               numUnitsPerSegment=f"{seg_km:g}", segmentSizeMode="0", minBarWidth="20", maxBarWidth="80",
               numMapUnitsPerScaleBarUnit="1", height="2.5", labelBarSpace="1.5", boxContentSpace="1.5",
               alignment="0", labelVerticalPlacement="0", labelHorizontalPlacement="0", outlineWidth="0.3",
               lineJoinStyle="miter", lineCapStyle="square", segmentMillimeters="0")
    ts = ET.SubElement(sb, "text-style", fontFamily=_FONT, fontSize="7", fontSizeUnit="Point", fontWeight="50",
                       textColor="0,0,0,255", textOpacity="1", namedStyle="", fontItalic="0", fontUnderline="0",
                       fontStrikeout="0", fontKerning="1", fontWordSpacing="0", fontLetterSpacing="0",
                       multilineHeight="1", capitalization="0", allowHtml="0", textOrientation="horizontal",
                       blendMode="0", previewBkgrdColor="255,255,255,255", fontSizeMapUnitScale="3x:0,0,0,0,0,0")
    ET.SubElement(ts, "families")
    ET.SubElement(ts, "text-buffer", bufferDraw="0", bufferSize="1", bufferSizeUnits="MM",
                  bufferColor="255,255,255,255", bufferOpacity="1", bufferNoFill="1", bufferJoinStyle="128",
                  bufferBlendMode="0", bufferSizeMapUnitScale="3x:0,0,0,0,0,0")
    _color(sb, "fillColor", (0, 0, 0, 255))
    _color(sb, "fillColor2", (255, 255, 255, 255))
    _color(sb, "strokeColor", (0, 0, 0, 255))

    # north arrow (true north), inside the map's upper right corner
    _item(layout, "picture", "north_arrow", key, mx + mw - 13.0, my + 3.0, 10.0, 16.0, z=5,
          file=":/images/north_arrows/layout_default_north_arrow.svg", mapUuid=map_uuid, northMode="1",
          northOffset="0", pictureRotation="0", resizeMode="0", anchorPoint="0", mode="1",
          svgFillColor="0,0,0,255", svgBorderColor="255,255,255,255", svgBorderWidth="0.2",
          pictureWidth="10", pictureHeight="16")
    return layout


#: units written the way a map shows them
_PRETTY_UNITS = {"ug/m3": "µg/m³", "mg/m3": "mg/m³", "m2": "m²", "km2": "km²"}
#: units of a raster kind whose GeoTIFF carries none
_RASTER_UNITS = {"population": {"zh": "人/格", "en": "persons per cell"}}

_FOOT = {
    "zh": {"unit": "单位", "data": "数据", "crs": "坐标系", "made": "制图", "check": "核查", "sep": "；",
           "none": "内存中的图层", "overview": "全部图层", "by": "ecogis {version}，{date}"},
    "en": {"unit": "Unit", "data": "Data", "crs": "CRS", "made": "Made with", "check": "Check", "sep": "; ",
           "none": "layers given in memory", "overview": "all layers", "by": "ecogis {version} on {date}"},
}


def _file_date(path: str) -> str | None:
    try:
        return _dt.date.fromtimestamp(os.path.getmtime(path)).isoformat()
    except OSError:
        return None


def source_text(sources: Sequence[str], *, crs: Any, lang: str, check: str | None = None,
                made: str | None = None) -> str:
    """The foot line of a page: data files (with their dates), check, CRS, ecogis version and date made.

    Examples
    --------
    >>> text = source_text([], crs=4547, lang="en", check="sections", made="2026-12-02")
    >>> text.split("; ")[:2]
    ['Data: layers given in memory', 'Check: ecogis check sections']
    >>> text.split("; ")[2]
    'CRS: CGCS2000 / 3-degree Gauss-Kruger CM 114E (EPSG:4547)'
    >>> text.endswith("on 2026-12-02")
    True
    """
    t = _FOOT[lang]
    files = []
    for s in dict.fromkeys(sources):
        d = _file_date(s)
        files.append(f"{os.path.basename(s)} ({d})" if d else os.path.basename(s))
    c = CRS.from_user_input(crs)
    epsg = c.to_epsg()
    parts = [f"{t['data']}: {', '.join(files) if files else t['none']}"]
    if check:
        parts.append(f"{t['check']}: ecogis check {check}")
    parts.append(f"{t['crs']}: {c.name}" + (f" (EPSG:{epsg})" if epsg else ""))
    made = made or _dt.date.today().isoformat()
    parts.append(f"{t['made']} {t['by'].format(version=__version__, date=made)}" if lang == "en"
                 else f"{t['made']}: {t['by'].format(version=__version__, date=made)}")
    text = t["sep"].join(parts)
    return text.replace(": ", "：") if lang == "zh" else text


def _categories_drawn(style: Any, gdf: Any) -> int:
    """How many legend lines of a categorized style the layer's features use (the catch-all 其他
    included when a value matches no category); 0 for a single symbol."""
    if not (style.field and style.categories and style.field in gdf.columns):
        return 0
    values = {str(v) for v in gdf[style.field].dropna()}
    known = {str(c.value) for c in style.categories}
    other = gdf[style.field].isna().any() or bool(values - known)
    return len(values & known) + int(other)


def layout_pages(ordered: Sequence[Any], drawn: Sequence[Any], ids: dict[str, str],  # noqa: PLR0913
                 checks: Sequence[tuple[str, str]], *, sources: dict[str, str], datasource: Any, area: str, lang: str,
                 bounds_of: Any) -> list[tuple[LayoutPage, str | None, list[str]]]:
    """The pages of an export: one per check (its layers over its spec's context), or one overview.

    ``checks`` is (result key, check name) in the export's order; ``sources`` maps an input
    layer name to its file; ``datasource(e)`` gives an entry's project data source and
    ``bounds_of(entries)`` their EPSG:4490 bounds.  Returns (page, check key, source files).
    """
    def layer(e: Any) -> LayoutLayer:
        if not e.raster:
            lines = 1 + _categories_drawn(e.style, e.gdf)  # its title, then a line per category drawn
            return LayoutLayer(ids[e.key], e.title, datasource(e), "ogr", legend_lines=lines)
        units = e.band_tags.get("units") or _RASTER_UNITS.get(e.source.split("/")[-1], {}).get(lang)
        units = _PRETTY_UNITS.get(units, units)
        label = f"{_FOOT[lang]['unit']}: {units}" if units else None
        return LayoutLayer(ids[e.key], e.title, datasource(e), "gdal",
                           label.replace(": ", "：") if label and lang == "zh" else label, legend_lines=4)

    pages: list[tuple[LayoutPage, str | None, list[str]]] = []
    for i, (key, name) in enumerate(checks, start=1):
        spec = CHECKS.get(name)
        if spec is not None and spec.inputs and not any(k in CATALOGUE for k in spec.inputs):
            continue  # a check of record tables only (air-records): nothing of its own to print on a map
        context = set(spec.context) if spec is not None else set()
        chosen = [e for e in drawn if e.check == key or (e.check is None and e.source in context)]
        if not chosen:
            continue
        # the map shows what the check found (its own layers), the context around it
        bounds = bounds_of([e for e in chosen if e.check == key]) or bounds_of(chosen)
        if bounds is None:
            continue
        base = CHECK_TITLES.get(name, (name, name))[0 if lang == "zh" else 1]
        scope = key.split("/", 1)[1] if "/" in key else ""
        title = f"{base} ({scope})" if scope else base
        files = [sources[e.source] for e in chosen if e.check is None and e.source in sources]
        pages.append((LayoutPage(name=f"{i:02d} {title}", title=f"{title} · {area}" if area else title,
                                 bounds=bounds, layers=[layer(e) for e in chosen]), key, files))
    if not pages:
        bounds = bounds_of(list(ordered))
        if bounds is not None:
            t = _FOOT[lang]["overview"]
            files = [sources[e.source] for e in ordered if e.source in sources]
            pages.append((LayoutPage(name=f"01 {area or t}", title=area or t, bounds=bounds,
                                     layers=[layer(e) for e in drawn]), None, files))
    return pages
