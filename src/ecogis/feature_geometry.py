"""Helpers shared by the ecology checks: the feature-layer gate, column checks, metric pairs, ids, names.

Part of :mod:`ecogis.ecology`, which re-exports the public names.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from ecogis.crs import CRSLike, to_metric
from ecogis.errors import InputError, NotMeasurableError
from ecogis.gate import gated as _gated

__all__ = [
]


_POLYGONAL = ("Polygon", "MultiPolygon")


#: catalogue kinds a red-line overlap's features may be (a features layer of another name is gated without a type)
_FEATURE_KINDS = ("projects", "facilities")


def _gated_features(features: Any, warnings: list[str]) -> Any:
    """:func:`redline_overlap`'s features (one layer or a mapping of them) through the input gate."""
    if isinstance(features, gpd.GeoDataFrame):
        kind = features.attrs.get("kind")
        return _gated(features, kind if kind in _FEATURE_KINDS else None, "features", warnings)
    if isinstance(features, Mapping):
        return {name: _gated(g, name if name in _FEATURE_KINDS else None, str(name), warnings)
                for name, g in features.items()}
    return features


def _require_columns(gdf: gpd.GeoDataFrame, columns: Iterable[str], what: str) -> None:
    missing = [c for c in columns if c not in gdf.columns]
    if missing:
        raise NotMeasurableError(
            f"{what} has no field(s) {missing} (has {[c for c in gdf.columns if c != gdf.geometry.name]}); "
            f"add them or read the layer with read_layer(path, kind=...) so columns are mapped"
        )


def _valid(geoms: Any) -> np.ndarray:
    """Valid copies of the geometries (make_valid only where needed)."""
    arr = np.asarray(geoms, dtype=object)
    bad = ~shapely.is_valid(arr) & ~shapely.is_missing(arr)
    if bad.any():
        arr = arr.copy()
        arr[bad] = shapely.make_valid(arr[bad])
    return arr


def _metric_pair(a: gpd.GeoDataFrame, b: gpd.GeoDataFrame, metric: CRSLike | None,
                 names: tuple[str, str]) -> tuple[gpd.GeoDataFrame, gpd.GeoDataFrame]:
    for name, g in zip(names, (a, b)):
        if not isinstance(g, gpd.GeoDataFrame):
            raise InputError(f"{name} was {type(g).__name__} but is expected to be a GeoDataFrame")
        if g.crs is None:
            raise InputError(f"{name} has no CRS; set one (e.g. gdf.set_crs('EPSG:4490')) before checking")
    am = to_metric(a, metric)
    bm = to_metric(b, am.crs)
    return am, bm


def _ids(gdf: gpd.GeoDataFrame) -> pd.Series:
    if "id" in gdf.columns:
        return gdf["id"].astype(object).where(gdf["id"].notna(), None).map(lambda v: None if v is None else str(v))
    return pd.Series([str(i) for i in gdf.index], index=gdf.index, dtype=object)


def _names(gdf: gpd.GeoDataFrame) -> pd.Series:
    if "name" in gdf.columns:
        return gdf["name"].astype(object).where(gdf["name"].notna(), None)
    return pd.Series([None] * len(gdf), index=gdf.index, dtype=object)


def _union(geoms: np.ndarray) -> shapely.Geometry:
    polys = [g for g in geoms if g is not None and not g.is_empty]
    return shapely.union_all(polys) if polys else shapely.Polygon()


def _polygonal_part(geom: shapely.Geometry) -> shapely.Geometry:
    """Polygons of a geometry (drops lines/points that intersections leave on shared edges)."""
    if geom is None or geom.is_empty:
        return shapely.Polygon()
    if geom.geom_type in _POLYGONAL:
        return geom
    parts = [g for g in shapely.get_parts(geom) if g.geom_type in _POLYGONAL]
    return shapely.union_all(parts) if parts else shapely.Polygon()


def _combine_features(features: gpd.GeoDataFrame | Mapping[str, gpd.GeoDataFrame]) -> gpd.GeoDataFrame:
    if isinstance(features, gpd.GeoDataFrame):
        out = features.copy()
        if "source_layer" not in out.columns:
            out["source_layer"] = out.attrs.get("kind") or "features"
        return out
    if not isinstance(features, Mapping) or not features:
        raise InputError("features was empty; expected a GeoDataFrame or a mapping {layer name: GeoDataFrame}")
    frames = []
    for name, g in features.items():
        if g is None:
            continue
        if not isinstance(g, gpd.GeoDataFrame):
            raise InputError(f"features layer {name!r} was {type(g).__name__} but is expected to be a GeoDataFrame")
        if g.crs is None:
            raise InputError(f"features layer {name!r} has no CRS; set one before checking")
        part = pd.DataFrame(g[[c for c in ("id", "name", "kind") if c in g.columns]])
        part["source_layer"] = name
        gg = gpd.GeoDataFrame(part, geometry=g.geometry.values, crs=g.crs)
        frames.append(gg if not frames or gg.crs.equals(frames[0].crs) else gg.to_crs(frames[0].crs))
    if not frames:
        raise InputError("features holds no layers; expected at least one GeoDataFrame")
    first_crs = frames[0].crs
    return gpd.GeoDataFrame(pd.concat(frames, ignore_index=True), geometry="geometry", crs=first_crs)
