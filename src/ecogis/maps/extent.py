"""Where a map opens and how finely it draws: the fitted zoom of an extent, the display tolerance, the opening bounds.

Part of :mod:`ecogis.maps.render`, which re-exports the public names.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any

import geopandas as gpd
import numpy as np

from ecogis.crs import to_crs

__all__ = [
    "display_tolerance_m",
    "fitted_zoom",
]


_VIEWPORT_PX = (1000, 650)


def _merc_y(lat: float) -> float:
    lat = max(min(lat, 85.05), -85.05)
    return math.log(math.tan(math.pi / 4 + math.radians(lat) / 2))


def fitted_zoom(bounds: Sequence[float], *, viewport_px: tuple[int, int] = _VIEWPORT_PX) -> int:
    """Web-Mercator zoom at which lon/lat ``bounds`` (minx, miny, maxx, maxy) fill a viewport.

    Examples
    --------
    >>> fitted_zoom((113.95, 33.52, 114.10, 33.65))
    12
    """
    minx, miny, maxx, maxy = bounds
    dx = max(maxx - minx, 1e-9) / 360.0
    dy = max(_merc_y(maxy) - _merc_y(miny), 1e-9) / (2 * math.pi)
    z = min(math.log2(viewport_px[0] / (256 * dx)), math.log2(viewport_px[1] / (256 * dy)))
    return int(max(0, min(18, math.floor(z))))


def display_tolerance_m(bounds: Sequence[float], *, zoom_headroom: int = 3, min_m: float = 0.5,
                        max_m: float = 25.0) -> float:
    """Simplification tolerance (m) for data shown at their fitted zoom.

    One screen pixel at ``zoom_headroom`` levels beyond the fitted zoom (so the
    simplification stays invisible when the user zooms in that far), clamped to
    ``[min_m, max_m]``.  For a 15 km wide city centre this is about 4 m.

    Examples
    --------
    >>> round(display_tolerance_m((113.95, 33.52, 114.10, 33.65)), 1)
    4.0
    """
    z = fitted_zoom(bounds) + zoom_headroom
    lat = (bounds[1] + bounds[3]) / 2
    m_per_px = 156543.03392 * math.cos(math.radians(lat)) / 2 ** z
    return float(min(max(m_per_px, min_m), max_m))


def _opening_bounds(frames: Mapping[str, gpd.GeoDataFrame], focus: Sequence[str] | None, data_crs: str,
                    overlays: Sequence[Any], bounds: Any) -> tuple[Any, Any]:
    """Where the map opens ([[south, west], [north, east]] in the basemap's lon/lat) and the lon/lat
    extent: the focused layers' (else every layer's); a page of rasters only opens on them."""
    all_bounds = None
    if bounds is not None:
        focused = [v for k, v in frames.items() if focus is not None and k in focus and v.crs is not None and len(v)]
        shifted = [to_crs(v, "gcj02" if data_crs == "gcj02" else 4326).total_bounds
                   for v in (focused or [v for v in frames.values() if v.crs is not None and len(v)])]
        sb = np.array([b for b in shifted if np.all(np.isfinite(b))])
        all_bounds = [[float(sb[:, 1].min()), float(sb[:, 0].min())], [float(sb[:, 3].max()), float(sb[:, 2].max())]]
    if all_bounds is None and overlays:  # rasters only: open on them
        all_bounds = [[min(o.bounds[0][0] for o in overlays), min(o.bounds[0][1] for o in overlays)],
                      [max(o.bounds[1][0] for o in overlays), max(o.bounds[1][1] for o in overlays)]]
        bounds = (all_bounds[0][1], all_bounds[0][0], all_bounds[1][1], all_bounds[1][0])
    return all_bounds, bounds
