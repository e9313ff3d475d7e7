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

from ecogis import publish as _publish
from ecogis.publish import *  # noqa: F403 -- the facade re-exports the public names, whatever they become

__all__ = list(_publish.__all__)
