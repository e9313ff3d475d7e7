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
    ExportedRaster,
    ExportResult,
    RasterKind,
    export_qgis,
    output_paths,
    project_tree,
    raster_dir,
)

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
