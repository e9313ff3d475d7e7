"""Land-cover shares: green space of the built-up area, forest cover of the city, bare soil.

From a ``land_use`` layer (one ``land_class`` per polygon) and the study areas:

* **green-space ratio** (绿地率) of the built-up area: the area of the green classes
  (default 公园绿地 + 防护绿地, :data:`GREEN_CLASSES`) inside the ``城市建成区`` divided by its
  area.  The official 绿地率 (GB/T 51346-2019) also counts the green inside other
  parcels (附属绿地: residential courtyards, campuses ...) and the plans add roof
  greening; a land-use map has no such class, so this figure is the green *land-use*
  share, a lower bound of the official one (the result says so);
* **forest cover** (森林覆盖率) of the city: the 林地 area inside ``市域`` over its area.
  The official figure counts forest with canopy closure of 0.2 or more, the shrubland
  the state designates and trees outside forest land, not every 林地 parcel, so the two
  differ; the result says so;
* **bare soil** (裸地, 裸露地面): its area and share of the built-up area.

Class areas are of the union of each class's polygons clipped to the area (a polygon
counted once however often it is repeated); polygons of different classes that overlap
get a warning, and so does a land-use layer that covers less of the area than all of it
(the shares are then lower bounds).  Areas are planar in the metric CRS
(:func:`ecogis.crs.to_metric`).

Examples
--------
>>> import geopandas as gpd, shapely
>>> def box(x0, y0, x1, y1):  # metres from a point in Gauss-Kruger zone EPSG:4547
...     return shapely.box(500000 + x0, 3700000 + y0, 500000 + x1, 3700000 + y1)
>>> lu = gpd.GeoDataFrame({"land_class": ["公园绿地", "防护绿地", "居住用地", "林地", "裸地"]}, geometry=[
...     box(0, 0, 300, 1000), box(300, 0, 400, 1000), box(400, 0, 1000, 900), box(0, 1000, 1000, 3000),
...     box(400, 900, 1000, 1000)], crs=4547)
>>> built = gpd.GeoSeries([box(0, 0, 1000, 1000)], crs=4547)
>>> city = gpd.GeoSeries([box(0, 0, 1000, 4000)], crs=4547)
>>> m = land_cover(lu, built_up=built, city=city).metrics
>>> m["green_space_ratio"], m["forest_cover"], m["bare_area_m2"]
(0.4, 0.5, 60000.0)
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from ecogis.crs import CRSLike, to_metric
from ecogis.crs import check_metric_crs as _check_metric_crs
from ecogis.errors import InputError, NotMeasurableError
from ecogis.feature_geometry import _polygonal_part as _polygonal
from ecogis.feature_geometry import _union as _union_all
from ecogis.feature_geometry import _valid
from ecogis.gate import gated as _gated
from ecogis.result import CheckResult, violations_frame

__all__ = ["BARE_CLASSES", "FOREST_CLASSES", "GREEN_CLASSES", "land_cover"]

#: land_use classes counted as green space in the green-space ratio
GREEN_CLASSES: tuple[str, ...] = ("公园绿地", "防护绿地")
#: land_use classes counted as forest in the forest cover
FOREST_CLASSES: tuple[str, ...] = ("林地",)
#: land_use classes counted as bare soil
BARE_CLASSES: tuple[str, ...] = ("裸地",)
#: share of an area the land-use layer must cover before the shares are called lower bounds
_FULL = 0.999


def _union(geoms: Any) -> shapely.Geometry:
    """The polygons of the union of the non-empty geometries."""
    return _polygonal(_union_all(geoms))


def _scope(area: Any, crs: Any, what: str) -> shapely.Geometry | None:
    if area is None:
        return None
    if isinstance(area, gpd.GeoSeries):
        area = gpd.GeoDataFrame(geometry=area)
    if not isinstance(area, gpd.GeoDataFrame):
        raise InputError(f"{what} was {type(area).__name__} but is expected to be a GeoDataFrame or GeoSeries")
    if area.crs is None:
        raise InputError(f"{what} has no CRS; set one (e.g. gdf.set_crs('EPSG:4490')) before checking")
    geom = _union(_valid(to_metric(area, crs).geometry.values))
    if geom.is_empty or geom.area <= 0:
        raise NotMeasurableError(f"{what} has no polygon area; give the study-area polygon(s)")
    return geom


def _pieces(geom: shapely.Geometry, crs: Any, land_class: str) -> gpd.GeoDataFrame:
    parts = [g for g in shapely.get_parts(geom) if g.area > 0]
    return gpd.GeoDataFrame({"land_class": [land_class] * len(parts), "area_m2": [g.area for g in parts]},
                            geometry=gpd.GeoSeries(parts, crs=crs), crs=crs)


def _class_union(geoms: np.ndarray, classes: np.ndarray, wanted: Sequence[str], scope: shapely.Geometry
                 ) -> shapely.Geometry:
    sel = geoms[np.isin(classes, list(wanted))]
    return _polygonal(shapely.intersection(_union(sel), scope)) if len(sel) else shapely.Polygon()


def _coverage_notes(geoms: np.ndarray, scope: shapely.Geometry, what: str, warnings: list[str]) -> float:
    """Share of ``scope`` the land-use polygons cover; warns about gaps and overlapping polygons."""
    clipped = shapely.intersection(geoms, scope)
    union = _union(clipped)
    share = float(union.area / scope.area)
    summed = float(shapely.area(clipped).sum())
    if union.area > 0 and summed > union.area * (1 + 1e-6):
        warnings.append(f"land_use polygons overlap inside the {what} ({summed - union.area:,.0f} m2 counted by "
                        f"more than one polygon); a class's area counts its overlaps once, but a place in two "
                        f"classes counts for both")
    if share < _FULL:
        warnings.append(f"land_use covers {share:.1%} of the {what}; the rest has no class, so its shares are "
                        f"lower bounds")
    return share


def land_cover(  # noqa: PLR0913 - one keyword per setting
    land_use: gpd.GeoDataFrame,
    built_up: gpd.GeoDataFrame | gpd.GeoSeries | None = None,
    city: gpd.GeoDataFrame | gpd.GeoSeries | None = None,
    *,
    green_classes: Sequence[str] = GREEN_CLASSES,
    forest_classes: Sequence[str] = FOREST_CLASSES,
    bare_classes: Sequence[str] = BARE_CLASSES,
    metric: CRSLike | None = None,
) -> CheckResult:
    """Green-space ratio and bare soil of the built-up area, forest cover of the city.

    Parameters
    ----------
    land_use : GeoDataFrame
        ``land_use`` layer (polygons with ``land_class``).  Not modified.
    built_up : GeoDataFrame or GeoSeries, optional
        The built-up area (``城市建成区``): green-space ratio and bare soil.
    city : GeoDataFrame or GeoSeries, optional
        The city (``市域``): forest cover.
    green_classes : sequence of str, default ("公园绿地", "防护绿地")
        Classes counted as green space.
    forest_classes : sequence of str, default ("林地",)
        Classes counted as forest.
    bare_classes : sequence of str, default ("裸地",)
        Classes counted as bare soil.
    metric : CRS-like, optional
        Metric CRS; default the Gauss-Kruger zone of ``land_use``.

    Returns
    -------
    CheckResult
        Name ``"land-cover"``; metrics ``built_up_area_m2``, ``green_area_m2``,
        ``green_space_ratio``, ``bare_area_m2``, ``bare_share``, ``city_area_m2``,
        ``forest_area_m2``, ``forest_cover``, ``land_use_share_built_up``,
        ``land_use_share_city``; layers ``green_space``, ``bare_soil``, ``forest``.
        A figure whose area is not given is in ``not_measurable``.

    Examples
    --------
    >>> import geopandas as gpd, shapely
    >>> lu = gpd.GeoDataFrame({"land_class": ["林地"]}, geometry=[shapely.box(500000, 3700000, 500010, 3700010)],
    ...                       crs=4547)
    >>> r = land_cover(lu, city=gpd.GeoSeries([shapely.box(500000, 3700000, 500010, 3700040)], crs=4547))
    >>> r.metrics["forest_cover"], sorted(r.not_measurable)
    (0.25, ['bare_share', 'green_space_ratio'])
    """
    warnings: list[str] = []
    land_use = _gated(land_use, "land_use", "land_use", warnings)
    if not isinstance(land_use, gpd.GeoDataFrame):
        raise InputError(f"land_use was {type(land_use).__name__} but is expected to be a GeoDataFrame")
    if land_use.crs is None:
        raise InputError("land_use has no CRS; set one (e.g. gdf.set_crs('EPSG:4490')) before checking")
    if "land_class" not in land_use.columns:
        raise NotMeasurableError(
            f"land_use has no field 'land_class' (has {[c for c in land_use.columns if c != land_use.geometry.name]});"
            f" add it or read the layer with read_layer(path, kind='land_use') so 地类 / 用地类型 columns are mapped")
    if built_up is None and city is None:
        raise NotMeasurableError("land-cover needs the built-up area (城市建成区) or the city (市域); neither was "
                                 "given")
    crs = _check_metric_crs(metric, land_use, name="metric") if metric is not None else to_metric(land_use).crs
    lu = to_metric(land_use, crs)
    geoms = _valid(lu.geometry.values)
    classes = lu["land_class"].astype(object).to_numpy()
    metrics: dict[str, Any] = {}
    not_measurable: dict[str, str] = {}
    layers: dict[str, gpd.GeoDataFrame] = {}
    built = _scope(built_up, crs, "built-up area")
    if built is None:
        for key in ("green_space_ratio", "bare_share"):
            not_measurable[key] = "study_area has no built-up area (城市建成区)"
    else:
        green = _class_union(geoms, classes, green_classes, built)
        bare = _class_union(geoms, classes, bare_classes, built)
        metrics.update({
            "built_up_area_m2": float(built.area),
            "green_area_m2": float(green.area),
            "green_space_ratio": float(green.area / built.area),
            "bare_area_m2": float(bare.area),
            "bare_share": float(bare.area / built.area),
            "land_use_share_built_up": _coverage_notes(geoms, built, "built-up area", warnings),
        })
        layers["green_space"] = _pieces(green, crs, "+".join(green_classes))
        layers["bare_soil"] = _pieces(bare, crs, "+".join(bare_classes))
        warnings.append(f"green_space_ratio counts the land-use classes {list(green_classes)}; the official 绿地率 "
                        f"also counts green inside other parcels (附属绿地) and roof greening, which a land-use map "
                        f"does not show, so it is a lower bound of that figure")
    town = _scope(city, crs, "city")
    if town is None:
        not_measurable["forest_cover"] = "study_area has no city area (市域)"
    else:
        forest = _class_union(geoms, classes, forest_classes, town)
        metrics.update({
            "city_area_m2": float(town.area),
            "forest_area_m2": float(forest.area),
            "forest_cover": float(forest.area / town.area),
            "land_use_share_city": _coverage_notes(geoms, town, "city", warnings),
        })
        layers["forest"] = _pieces(forest, crs, "+".join(forest_classes))
        warnings.append(f"forest_cover is the share of the classes {list(forest_classes)}; the official 森林覆盖率 "
                        f"counts canopy (郁闭度 >= 0.2), designated shrubland and trees outside forest land instead, "
                        f"so the two can differ either way")
    unknown = sorted({str(c) for c in pd.unique(classes) if c is not None and not pd.isna(c)}
                     - set(green_classes) - set(forest_classes) - set(bare_classes))
    params = {"green_classes": list(green_classes), "forest_classes": list(forest_classes),
              "bare_classes": list(bare_classes), "other_classes": unknown, "metric_crs": crs.to_string()}
    return CheckResult("land-cover", metrics=metrics, violations=violations_frame([], crs=crs), layers=layers,
                       parameters=params, warnings=warnings, not_measurable=not_measurable)
