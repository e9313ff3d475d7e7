"""Publishing apart from checking: what goes to QGIS, read only from layers, ``CheckResult`` s and ``CheckSpec`` s.

Nothing here runs a check: a result's layers, violations and rasters
(:class:`ecogis.result.RasterLayer`) are written as the check made them.

===================  ============================================================
module               owns
===================  ============================================================
``publish.qgis``     :func:`export_qgis`, :func:`output_paths`, :class:`ExportResult`
``publish.gpkg``     tables of the GeoPackage and its ``layer_styles`` table
``publish.rasters``  which rasters, how (:data:`RASTER_KINDS`), GeoTIFF writing
``publish.project``  the QGIS project XML, its CRS (:func:`project_crs`)
``publish.layout``   print layouts (one per check map) as QGIS layout XML
``publish.render``   :func:`export_layouts` / :func:`render_layout_png`: PDF, PNG via PyQGIS
``publish.tree``     check groups, layer-tree and drawing order
``publish.qml``      QML / SLD styles from the style table
===================  ============================================================

Examples
--------
>>> from ecogis.publish import export_qgis, raster_dir
>>> raster_dir("out/luohe.gpkg").as_posix()
'out/luohe_rasters'
"""

from ecogis.checks import CHECK_TITLES
from ecogis.publish.gpkg import LAYER_STYLES_DDL
from ecogis.publish.project import project_crs
from ecogis.publish.qgis import (
    ExportedLayer,
    ExportedLayout,
    ExportedRaster,
    ExportResult,
    export_qgis,
    output_paths,
    project_tree,
)
from ecogis.publish.rasters import RASTER_KINDS, RasterKind, raster_dir
from ecogis.publish.render import export_layouts, layout_dir, layout_names, qgis_python, render_layout_png
from ecogis.publish.tree import GROUP_TITLES, RESULTS_GROUP

__all__ = [
    "CHECK_TITLES",
    "GROUP_TITLES",
    "LAYER_STYLES_DDL",
    "RASTER_KINDS",
    "RESULTS_GROUP",
    "ExportResult",
    "ExportedLayer",
    "ExportedLayout",
    "ExportedRaster",
    "RasterKind",
    "export_layouts",
    "export_qgis",
    "layout_dir",
    "layout_names",
    "output_paths",
    "project_crs",
    "project_tree",
    "qgis_python",
    "raster_dir",
    "render_layout_png",
]
