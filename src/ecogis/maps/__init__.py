"""Self-contained HTML maps: layers, check results, an index.

The maps open with no network: Leaflet and its plugins are inlined from pinned
npm packages (:mod:`ecogis.maps.assets`), the data are drawn on a canvas, and
every value from the data is shown as text.  See :mod:`ecogis.maps.render`.

Examples
--------
>>> from ecogis.maps import overview_map, write_map
>>> from ecogis.layerset import load_sample
>>> m = overview_map(load_sample())  # doctest: +SKIP
>>> write_map(m, "maps/overview.html", overwrite=True)  # doctest: +SKIP
PosixPath('maps/overview.html')
"""

from __future__ import annotations

from ecogis.maps.assets import AssetError, ensure_assets, fetch_assets
from ecogis.maps.basemaps import BASEMAPS, basemap_spec
from ecogis.maps.render import (
    CHECK_CONTEXT,
    LANGS,
    context_layers_for,
    display_tolerance_m,
    external_references,
    layer_map,
    overview_map,
    result_map,
    write_index,
    write_map,
    write_maps,
)

__all__ = [
    "BASEMAPS",
    "CHECK_CONTEXT",
    "LANGS",
    "AssetError",
    "basemap_spec",
    "context_layers_for",
    "display_tolerance_m",
    "ensure_assets",
    "external_references",
    "fetch_assets",
    "layer_map",
    "overview_map",
    "result_map",
    "write_index",
    "write_map",
    "write_maps",
]
