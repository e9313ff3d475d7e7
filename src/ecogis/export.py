"""``ecogis.export``: the stable import path of the QGIS export, a facade over :mod:`ecogis.publish`.

The code lives in the :mod:`ecogis.publish` package, split by concern (GeoPackage and
``layer_styles``, rasters, project XML, layer tree, QML).  This module re-exports its
public names unchanged, so scripts, the CLI and the docs keep importing
``from ecogis.export import export_qgis``; new code may import from either.

Examples
--------
>>> from ecogis.export import export_qgis, raster_dir
>>> import ecogis.publish
>>> export_qgis is ecogis.publish.export_qgis
True
"""

from ecogis.publish import (
    CHECK_TITLES,
    GROUP_TITLES,
    LAYER_STYLES_DDL,
    RASTER_KINDS,
    RESULTS_GROUP,
    ExportedLayer,
    ExportedLayout,
    ExportedRaster,
    ExportResult,
    RasterKind,
    export_layouts,
    export_qgis,
    layout_dir,
    layout_names,
    output_paths,
    project_crs,
    project_tree,
    qgis_python,
    raster_dir,
    render_layout_png,
)

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
