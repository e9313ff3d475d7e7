"""``ecogis.qml``: the stable import path of the QML / SLD styles, a facade over :mod:`ecogis.publish.qml`.

Examples
--------
>>> from ecogis.qml import layer_qml
>>> import ecogis.publish.qml
>>> layer_qml is ecogis.publish.qml.layer_qml
True
"""

from ecogis.publish.qml import (
    DOCTYPE,
    GEOMETRIES,
    OTHER_LABEL,
    QGIS_VERSION,
    RASTER_RAMPS,
    aliases_element,
    category_value,
    geometry_class,
    labeling_element,
    layer_qml,
    layer_sld,
    qgis_color,
    raster_pipe_element,
    raster_qml,
    raster_style_elements,
    renderer_element,
    style_elements,
    symbol_element,
)

__all__ = [
    "DOCTYPE",
    "GEOMETRIES",
    "OTHER_LABEL",
    "QGIS_VERSION",
    "RASTER_RAMPS",
    "aliases_element",
    "category_value",
    "geometry_class",
    "labeling_element",
    "layer_qml",
    "layer_sld",
    "qgis_color",
    "raster_pipe_element",
    "raster_qml",
    "raster_style_elements",
    "renderer_element",
    "style_elements",
    "symbol_element",
]
