"""Open an ecogis QGIS export in real PyQGIS and print what QGIS sees, as JSON.

Run with Debian's system Python, where python3-qgis lives (not the project's
virtual environment), headless::

    QT_QPA_PLATFORM=offscreen /usr/bin/python3 tests/qgis_probe.py OUT.gpkg [OUT.qgs|OUT.qgz ...] [x.tif ...]

Arguments ending in ``.gpkg`` are GeoPackages, in ``.tif`` GeoTIFFs, the others
projects; any number of each.  Prints one JSON object:

* ``gpkgs[path].layers``: for every vector table QGIS lists in the GeoPackage, the
  layer as ``QgsVectorLayer("OUT.gpkg|layername=T", T, "ogr")`` opens it, which
  applies the default style from ``layer_styles`` (loadDefaultStyle): validity,
  feature count, CRS, geometry type, renderer type, classification field,
  categories (value, label, colour, symbol), the symbol QGIS draws each feature
  with (counted by the first category with an identical symbol), field aliases,
  label field, and the styles QGIS finds in the database;
* ``projects``: for every project, whether QGIS read it, its CRS, ellipsoid and
  path mode, every layer (valid, count, CRS, renderer and categories, the file
  its source resolves to), the layer tree (groups and layers, top first) and the
  rendering order; raster layers with what ``rasters`` reports;
* ``rasters[path]``: the GeoTIFF opened alone, ``QgsRasterLayer(path, name, "gdal")``
  (which applies a same-name ``.qml`` beside it as the default style): validity,
  CRS, size, renderer type, classification min / max, the colour-ramp shader's
  min / max, limits and items, QGIS's own band statistics (min, max, mean of the
  valid cells, computed by QGIS over every cell), and the colours the renderer
  actually paints at the cells holding the minimum and the maximum.

Only the standard library and qgis.core are imported: this runs outside the venv.
"""

from __future__ import annotations

import json
import os
import sys

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from qgis.core import (
    Qgis,
    QgsApplication,
    QgsLayerTreeGroup,
    QgsLayerTreeLayer,
    QgsLayoutItem,
    QgsLayoutItemLabel,
    QgsLayoutItemLegend,
    QgsLayoutItemMap,
    QgsLayoutItemPage,
    QgsLayoutItemPicture,
    QgsLayoutItemScaleBar,
    QgsProject,
    QgsProviderRegistry,
    QgsRasterBandStats,
    QgsRasterLayer,
    QgsRenderContext,
    QgsUnitTypes,
    QgsVectorLayer,
    QgsWkbTypes,
)
from qgis.PyQt.QtGui import QColor


def symbol_info(sym) -> dict | None:
    if sym is None:
        return None
    layers = []
    for i in range(sym.symbolLayerCount()):
        sl = sym.symbolLayer(i)
        props = {str(k): str(v) for k, v in sl.properties().items()}
        layers.append({"class": sl.layerType(), "color": sl.color().name(), "alpha": sl.color().alpha(),
                       "props": props})
    return {"type": ["marker", "line", "fill", "hybrid"][int(sym.type())], "color": sym.color().name(),
            "layers": layers, "dump": sym.dump()}


def renderer_info(vl, per_feature: bool) -> dict:
    r = vl.renderer()
    out: dict = {"renderer": r.type() if r is not None else None}
    if r is None:
        return out
    if r.type() == "categorizedSymbol":
        out["attr"] = r.classAttribute()
        out["categories"] = [{"value": c.value() if not isinstance(c.value(), bool) else str(c.value()).lower(),
                              "label": c.label(), "render": c.renderState(), "color": c.symbol().color().name(),
                              "symbol": symbol_info(c.symbol())} for c in r.categories()]
        dumps = [c.symbol().dump() for c in r.categories()]
    elif r.type() == "singleSymbol":
        out["symbol"] = symbol_info(r.symbol())
        dumps = [r.symbol().dump()]
    else:
        dumps = []
    if per_feature:
        ctx = QgsRenderContext()
        rr = r.clone()
        rr.startRender(ctx, vl.fields())
        counts: dict[str, int] = {}
        for f in vl.getFeatures():
            ctx.expressionContext().setFeature(f)
            s = rr.symbolForFeature(f, ctx)
            if s is None:
                key = "none"
            else:
                d = s.dump()
                key = str(dumps.index(d)) if d in dumps else "unmatched:" + d
            counts[key] = counts.get(key, 0) + 1
        rr.stopRender(ctx)
        out["drawn_with"] = counts
    return out


def layer_info(vl, per_feature: bool = True) -> dict:
    d = {
        "valid": vl.isValid(),
        "name": vl.name(),
        "source": vl.source(),
        "featureCount": vl.featureCount() if vl.isValid() else None,
        "crs": vl.crs().authid(),
        "geometryType": QgsWkbTypes.geometryDisplayString(vl.geometryType()),
        "wkbType": QgsWkbTypes.displayString(vl.wkbType()),
        "fields": [f.name() for f in vl.fields()],
        "aliases": {f.name(): vl.attributeAlias(i) for i, f in enumerate(vl.fields()) if vl.attributeAlias(i)},
    }
    if not vl.isValid():
        return d
    d.update(renderer_info(vl, per_feature))
    lab = vl.labeling()
    d["labelsEnabled"] = bool(vl.labelsEnabled())
    d["labelField"] = lab.settings().fieldName if lab is not None and lab.type() == "simple" else None
    return d


def raster_info(rl) -> dict:
    d = {"valid": rl.isValid(), "name": rl.name(), "source": rl.source(), "file": source_file(rl.source()),
         "crs": rl.crs().authid(), "provider": rl.providerType()}
    if not rl.isValid():
        return d
    prov = rl.dataProvider()
    d.update(width=rl.width(), height=rl.height(), bandCount=rl.bandCount())
    r = rl.renderer()
    d["renderer"] = r.type() if r is not None else None
    if r is not None and r.type() == "singlebandpseudocolor":
        d["band"] = r.band()
        d["classificationMin"] = r.classificationMin()
        d["classificationMax"] = r.classificationMax()
        d["limits"] = int(r.minMaxOrigin().limits())
        fn = r.shader().rasterShaderFunction()
        d["shaderMin"] = fn.minimumValue()
        d["shaderMax"] = fn.maximumValue()
        d["rampType"] = int(fn.colorRampType())
        d["items"] = [{"value": i.value, "color": i.color.name(), "label": i.label} for i in fn.colorRampItemList()]
    stats = prov.bandStatistics(1, QgsRasterBandStats.Min | QgsRasterBandStats.Max | QgsRasterBandStats.Mean,
                                prov.extent(), 0)
    d["stats"] = {"min": stats.minimumValue, "max": stats.maximumValue, "mean": stats.mean}
    # what the renderer paints at the cells holding the minimum and the maximum
    w, h = rl.width(), rl.height()
    values = prov.block(1, prov.extent(), w, h)
    painted = r.block(1, prov.extent(), w, h) if r is not None else None
    lo = hi = None
    for row in range(h):
        for col in range(w):
            if values.isNoData(row, col):
                continue
            v = values.value(row, col)
            if lo is None or v < lo[0]:
                lo = (v, row, col)
            if hi is None or v > hi[0]:
                hi = (v, row, col)
    if painted is not None and lo is not None:
        d["paintedAtMin"] = QColor.fromRgba(painted.color(lo[1], lo[2])).name()
        d["paintedAtMax"] = QColor.fromRgba(painted.color(hi[1], hi[2])).name()
        d["alphaAtMin"] = QColor.fromRgba(painted.color(lo[1], lo[2])).alpha()
        d["alphaAtMax"] = QColor.fromRgba(painted.color(hi[1], hi[2])).alpha()
    if r is not None and r.rasterTransparency() is not None:
        d["transparentValues"] = [(p.min, p.max, p.percentTransparent)
                                  for p in r.rasterTransparency().transparentSingleValuePixelList()]
    return d


def source_file(source: str) -> str:
    return os.path.realpath(source.split("|")[0])


def table_of(source: str) -> str | None:
    for part in source.split("|")[1:]:
        if part.startswith("layername="):
            return part[len("layername="):]
    return None


def probe_gpkg(path: str) -> dict:
    subs = QgsProviderRegistry.instance().querySublayers(path)
    tables = []
    for s in subs:
        tables.append((s.name(), QgsWkbTypes.displayString(s.wkbType())))
    layers = {}
    for name, wkb in tables:
        if name == "layer_styles":
            continue
        vl = QgsVectorLayer(f"{path}|layername={name}", name, "ogr")
        info = layer_info(vl)
        n, _ids, names, descs, err = vl.listStylesInDatabase()
        info["dbStyles"] = {"count": n, "names": list(names), "descriptions": list(descs), "error": err}
        info["sublayerWkb"] = wkb
        layers[name] = info
    return {"sublayers": [n for n, _ in tables], "layers": layers}


def tree(node) -> list:
    out = []
    for child in node.children():
        if isinstance(child, QgsLayerTreeGroup):
            out.append({"group": child.name(), "children": tree(child)})
        elif isinstance(child, QgsLayerTreeLayer):
            lyr = child.layer()
            node = {"layer": child.name(), "table": table_of(lyr.source()) if lyr else None, "id": child.layerId()}
            if isinstance(lyr, QgsRasterLayer):
                node["raster"] = os.path.basename(lyr.source())
            out.append(node)
    return out


def layout_info(layout) -> dict:
    """A print layout: its pages and items as QGIS loaded them."""
    items = []
    for it in layout.items():
        if not isinstance(it, QgsLayoutItem) or isinstance(it, QgsLayoutItemPage):
            continue
        pos, size = it.positionWithUnits(), it.sizeWithUnits()
        d = {"type": type(it).__name__, "id": it.id(), "x": pos.x(), "y": pos.y(), "width": size.width(),
             "height": size.height()}
        if isinstance(it, QgsLayoutItemMap):
            e = it.extent()
            d.update(crs=it.crs().authid(), extent=[e.xMinimum(), e.yMinimum(), e.xMaximum(), e.yMaximum()],
                     scale=it.scale(), layers=[l.id() for l in it.layers()], keepLayerSet=it.keepLayerSet())
        elif isinstance(it, QgsLayoutItemLabel):
            d.update(text=it.text(), font=it.font().family(), fontSize=it.font().pointSizeF())
        elif isinstance(it, QgsLayoutItemLegend):
            model = it.model()
            root = model.rootGroup()
            d.update(title=it.title(), linkedMap=it.linkedMap().uuid() if it.linkedMap() else None,
                     layers=[l.name() for l in root.findLayers()], columns=it.columnCount(),
                     autoUpdate=it.autoUpdateModel())
        elif isinstance(it, QgsLayoutItemScaleBar):
            d.update(units=QgsUnitTypes.toString(it.units()), unitLabel=it.unitLabel(),
                     unitsPerSegment=it.unitsPerSegment(), segments=it.numberOfSegments(),
                     linkedMap=it.linkedMap().uuid() if it.linkedMap() else None, style=it.style())
        elif isinstance(it, QgsLayoutItemPicture):
            d.update(file=it.picturePath(), northMode=int(it.northMode()),
                     linkedMap=it.linkedMap().uuid() if it.linkedMap() else None)
        if hasattr(it, "uuid"):
            d["uuid"] = it.uuid()
        items.append(d)
    pages = layout.pageCollection()
    page = pages.page(0) if pages.pageCount() else None
    return {"name": layout.name(), "pages": pages.pageCount(),
            "pageSize": [page.pageSize().width(), page.pageSize().height()] if page else None, "items": items}


def probe_project(path: str) -> dict:
    project = QgsProject.instance()
    project.clear()
    ok = project.read(path)
    root = project.layerTreeRoot()
    layers = []
    for tl in root.findLayers():
        lyr = tl.layer()
        if isinstance(lyr, QgsRasterLayer):
            info = raster_info(lyr)
        else:
            info = layer_info(lyr, per_feature=False) if lyr is not None else {"valid": False}
        info["id"] = tl.layerId()
        info["table"] = table_of(lyr.source()) if lyr is not None else None
        info["file"] = source_file(lyr.source()) if lyr is not None else None
        layers.append(info)
    absolute, _ = project.readBoolEntry("Paths", "/Absolute", True)
    return {
        "read": bool(ok),
        "error": project.error() if not ok else "",
        "crs": project.crs().authid(),
        "crsDescription": project.crs().description(),
        "crsIsGeographic": project.crs().isGeographic(),
        "mapUnits": QgsUnitTypes.toString(project.crs().mapUnits()),
        "layouts": [layout_info(l) for l in project.layoutManager().printLayouts()],
        "ellipsoid": project.ellipsoid(),
        "title": project.title(),
        "absolutePaths": bool(absolute),
        "layers": layers,
        "tree": tree(root),
        "hasCustomLayerOrder": bool(root.hasCustomLayerOrder()),
        "renderOrder": [table_of(l.source()) if not isinstance(l, QgsRasterLayer)
                        else "raster:" + os.path.basename(l.source()) for l in root.layerOrder()],
    }


def main(argv: list[str]) -> int:
    if len(argv) < 2:
        print(__doc__, file=sys.stderr)
        return 2
    app = QgsApplication([], False)
    app.initQgis()
    try:
        out = {"qgis": Qgis.QGIS_VERSION, "gpkgs": {}, "projects": {}, "rasters": {}}
        for p in argv[1:]:
            if p.lower().endswith(".gpkg"):
                out["gpkgs"][p] = probe_gpkg(p)
            elif p.lower().endswith((".tif", ".tiff")):
                out["rasters"][p] = raster_info(QgsRasterLayer(p, os.path.basename(p), "gdal"))
            else:
                out["projects"][p] = probe_project(p)
        QgsProject.instance().clear()
        print(json.dumps(out, ensure_ascii=False))
    finally:
        app.exitQgis()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
