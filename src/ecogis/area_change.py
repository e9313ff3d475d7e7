"""Area lost, gained and net between two versions of a polygon layer (面积不减少).

Plans bind several areas never to shrink: ecological red lines (生态保护红线),
permanent basic farmland (永久基本农田), wetlands (湿地), public-welfare forest
(公益林).  :func:`area_change` compares two versions of any such polygon kind, for
one category or for all features: the units of each version are dissolved
(overlaps count once), ``lost`` is old minus new, ``gained`` new minus old, and
``net_m2 = new_area_m2 - old_area_m2``.  The red-line check is one use of it
(``kind="eco_redlines"``); :func:`ecogis.ecology.redline_change` gives the same figures.

Earlier versions lie beside the layers as ``<kind>_<version>`` (a file
``protected_areas_2020.gpkg`` or a GeoPackage layer of that name), found by
:func:`find_previous_version`.

All metric work is done in the CGCS2000 Gauss-Kruger zone of the data.

Examples
--------
>>> import geopandas as gpd, shapely
>>> old = gpd.GeoDataFrame({"id": ["F1"], "category": ["永久基本农田"]},
...                        geometry=[shapely.box(500000, 3700000, 500100, 3700100)], crs=4547)
>>> new = gpd.GeoDataFrame({"id": ["F1"], "category": ["永久基本农田"]},
...                        geometry=[shapely.box(500020, 3700000, 500120, 3700100)], crs=4547)
>>> m = area_change(old, new, category="永久基本农田").metrics
>>> m["lost_m2"], m["gained_m2"], m["net_m2"]
(2000.0, 2000.0, 0.0)
"""

from __future__ import annotations

import logging
import os
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from ecogis.crs import CRSLike
from ecogis.crs import check_metric_crs as _check_metric_crs
from ecogis.errors import InputError, NotMeasurableError
from ecogis.feature_geometry import _ids, _metric_pair, _names, _polygonal_part, _union, _valid
from ecogis.gate import check_number as _check_number
from ecogis.gate import gated as _gated
from ecogis.io import list_layers, read_layer
from ecogis.result import CheckResult, violations_frame

__all__ = [
    "AREA_RULES",
    "VERSIONED_KINDS",
    "area_change",
    "find_previous_version",
    "read_previous_version",
]

log = logging.getLogger(__name__)

#: Pingdingshan's binding indicator on red-line area
REDLINE_AREA_RULE = (
    "平顶山市“十四五”生态环境保护和生态经济发展规划 表1 指标25 “生态保护红线面积 不减少”(约束性); "
    "第七章第四节: 确保到2025年，生态保护红线面积不减少"
)

#: polygon kinds whose earlier versions :func:`find_previous_version` looks for
VERSIONED_KINDS = ("eco_redlines", "protected_areas")

#: the plans' "must not decrease" clauses, by kind or by category of ``protected_areas``
AREA_RULES: dict[str, str] = {
    "eco_redlines": REDLINE_AREA_RULE,
    "永久基本农田": (
        "三政办〔2018〕35号《三门峡市污染防治攻坚战三年行动计划(2018—2020年)》四(一)2: 将符合条件的优先保护类耕地划为"
        "永久基本农田……确保其面积不减少、土壤环境质量不下降; 平顶山市“十四五”生态环境保护和生态经济发展规划 第六章第二节: "
        "严格保护优先保护类农用地，确保其面积不减少、土壤环境质量不下降"
    ),
    "湿地": "平顶山市“十四五”生态环境保护和生态经济发展规划 第七章第二节: 全面保护重要湿地、湿地公园等……稳定和扩大湿地面积",
    "公益林": "平顶山市“十四五”生态环境保护和生态经济发展规划 第七章第二节: 全面加强天然林和公益林保护……扩大国家级和省级公益林面积",
}
_DEFAULT_RULE = "保护面积不减少（依据规划相应条款）"

#: how a lost piece is named in the findings, by kind
#: kind -> (a unit, all of them, the layer) in messages
_NOUNS = {"eco_redlines": ("red-line unit", "all red lines", "red lines")}


def _nouns(kind: str, category: str | None) -> tuple[str, str]:
    if kind in _NOUNS and category is None:
        return _NOUNS[kind][:2]
    label = category or kind.replace("_", " ")
    return f"{label} unit", f"all {label}"


def _of_category(gdf: gpd.GeoDataFrame, category: str | None, what: str) -> gpd.GeoDataFrame:
    if category is None:
        return gdf
    if "category" not in gdf.columns:
        raise NotMeasurableError(
            f"{what} has no field 'category' (has {[c for c in gdf.columns if c != gdf.geometry.name]}); "
            f"category {category!r} cannot be picked: add the field (保护类型: 永久基本农田 / 湿地 / 公益林) or read "
            "the layer with read_layer(path, kind='protected_areas') so an alias column is mapped")
    return gdf[gdf["category"].astype(object) == category]


def area_change(
    old: gpd.GeoDataFrame,
    new: gpd.GeoDataFrame,
    *,
    kind: str = "protected_areas",
    category: str | None = None,
    min_piece_m2: float = 1.0,
    metric: CRSLike | None = None,
    rule: str | None = None,
    name: str = "area-change",
) -> CheckResult:
    """Area lost, gained and the net change between two versions of a polygon layer.

    A net decrease breaks the "面积不减少" rule: then every lost piece is an error
    naming the old unit it came from.  When gains make up for losses the lost
    pieces are listed as warnings (what was lost may matter more than what was gained).

    Parameters
    ----------
    old, new : GeoDataFrame
        The two versions (``id``, ``name``, optional ``category`` and ``version``).  Not modified.
    kind : str, default ``"protected_areas"``
        Catalogue kind of both versions (``"eco_redlines"`` for red lines), for the input gate.
    category : str, optional
        Only the features of this ``category`` (``"永久基本农田"``); default all features.
    min_piece_m2 : float, default 1.0
        Lost pieces smaller than this (digitising slivers) are not listed; the metrics include them.
    metric : CRS-like, optional
        Metric CRS; default the Gauss-Kruger zone of ``old``.
    rule : str, optional
        The clause a decrease breaks; default from :data:`AREA_RULES` by category, then kind.
    name : str, default ``"area-change"``
        Name of the result.

    Returns
    -------
    CheckResult
        Metrics ``lost_m2``, ``gained_m2``, ``net_m2``, ``old_area_m2``, ``new_area_m2``,
        ``net_share``, ``lost_pieces``, ``area_not_decreased``; layers ``lost`` (per old
        unit) and ``gained`` (per new unit).

    Raises
    ------
    NotMeasurableError
        When ``category`` is given and a version has no ``category`` field, or the old
        version has no feature of that category.

    Examples
    --------
    >>> import geopandas as gpd, shapely
    >>> old = gpd.GeoDataFrame({"id": ["W"], "category": ["湿地"]},
    ...                        geometry=[shapely.box(500000, 3700000, 500100, 3700100)], crs=4547)
    >>> new = gpd.GeoDataFrame({"id": ["W"], "category": ["湿地"]},
    ...                        geometry=[shapely.box(500000, 3700000, 500100, 3700050)], crs=4547)
    >>> r = area_change(old, new, category="湿地")
    >>> r.metrics["net_m2"], r.violations["severity"].tolist()
    (-5000.0, ['error'])
    """
    # entry checks: layers through the input gate, numeric options and the metric CRS (ecogis.gate, ecogis.crs)
    warnings: list[str] = []
    old = _gated(old, kind, "old", warnings)
    new = _gated(new, kind, "new", warnings)
    _check_number("min_piece_m2", min_piece_m2, minimum=0, unit="m2")
    if category is not None and (not isinstance(category, str) or not category.strip()):
        raise InputError(f"category was {category!r} but is expected to be a category name such as '永久基本农田', "
                         "or None for all features")
    if metric is not None:
        metric = _check_metric_crs(metric, new if isinstance(new, gpd.GeoDataFrame) else None, name="metric")
    layer = _NOUNS[kind][2] if kind in _NOUNS else kind
    om, nm = _metric_pair(old, new, metric, (f"old {layer}", f"new {layer}"))
    om = _of_category(om, category, f"old {kind}")
    nm = _of_category(nm, category, f"new {kind}")
    if category is not None:
        if om.empty:
            why = f"the old version of {kind} has no feature of category {category!r}: nothing to compare"
            raise NotMeasurableError(why, reasons={"net_m2": why, "lost_m2": why})
        if nm.empty:
            warnings.append(f"the new version of {kind} has no feature of category {category!r}: all of it counts "
                            "as lost; check the new layer's category values")
    rule = rule or AREA_RULES.get(category or "", AREA_RULES.get(kind, _DEFAULT_RULE))
    unit_noun, all_noun = _nouns(kind, category)
    ogeom = np.array([_polygonal_part(g) for g in _valid(om.geometry.values)], dtype=object)
    ngeom = np.array([_polygonal_part(g) for g in _valid(nm.geometry.values)], dtype=object)
    old_union, new_union = _union(ogeom), _union(ngeom)
    lost = _polygonal_part(shapely.difference(old_union, new_union))
    gained = _polygonal_part(shapely.difference(new_union, old_union))
    old_area, new_area = float(old_union.area), float(new_union.area)
    net = new_area - old_area
    decrease = net < 0

    def pieces(source: gpd.GeoDataFrame, geoms: np.ndarray, change: shapely.Geometry) -> list[dict[str, Any]]:
        out: list[dict[str, Any]] = []
        if change.is_empty or len(geoms) == 0:
            return out
        ids, names = _ids(source).to_numpy(), _names(source).to_numpy()
        ver = source["version"].to_numpy() if "version" in source.columns else np.full(len(source), None, object)
        cand = shapely.STRtree(geoms).query(change, predicate="intersects")
        for i in sorted(int(c) for c in cand):
            piece = _polygonal_part(shapely.intersection(geoms[i], change))
            if piece.is_empty or piece.area <= 0:
                continue
            unit_area = float(geoms[i].area)
            out.append({"unit_id": ids[i], "unit_name": names[i], "version": ver[i], "area_m2": float(piece.area),
                        "share_of_unit": float(piece.area) / unit_area if unit_area > 0 else float("nan"),
                        "geometry": piece})
        return out

    lost_pieces = pieces(om, ogeom, lost)
    gained_pieces = pieces(nm, ngeom, gained)
    records = []
    for p in lost_pieces:
        if p["area_m2"] < min_piece_m2:
            continue
        records.append({
            "id": p["unit_id"], "name": p["unit_name"], "rule": rule,
            "detail": (f"{unit_noun} {p['unit_id']} ({p['unit_name'] or '-'}) lost {p['area_m2']:,.1f} m2 "
                       f"({p['share_of_unit']:.1%} of the unit); net change of {all_noun} {net:,.1f} m2"
                       + ("" if decrease else " (made up by gains elsewhere; check function and nature)")),
            "severity": "error" if decrease else "warning",
            "lost_m2": p["area_m2"], "share_of_unit": p["share_of_unit"],
            "geometry": p["geometry"],
        })
    violations = violations_frame(records, crs=om.crs)

    def layer(rows: list[dict[str, Any]]) -> gpd.GeoDataFrame:
        cols = ["unit_id", "unit_name", "version", "area_m2", "share_of_unit"]
        df = pd.DataFrame([{k: r[k] for k in cols} for r in rows], columns=cols)
        return gpd.GeoDataFrame(df, geometry=gpd.GeoSeries([r["geometry"] for r in rows], crs=om.crs), crs=om.crs)

    versions = {"old_version": _single_version(om), "new_version": _single_version(nm)}
    metrics = {
        "lost_m2": float(lost.area), "gained_m2": float(gained.area), "net_m2": net,
        "old_area_m2": old_area, "new_area_m2": new_area,
        "net_share": net / old_area if old_area > 0 else None,
        "lost_pieces": len(records), "area_not_decreased": not decrease,
    }
    log.info("%s: lost %.1f m2, gained %.1f m2, net %.1f m2", name, metrics["lost_m2"], metrics["gained_m2"], net)
    parameters: dict[str, Any] = {"min_piece_m2": min_piece_m2, "metric_crs": om.crs.to_string(), "rule": rule,
                                  **versions}
    if kind != "eco_redlines" or category is not None:
        parameters = {"kind": kind, "category": category, **parameters}
    return CheckResult(
        name, metrics=metrics, violations=violations,
        layers={"lost": layer(lost_pieces), "gained": layer(gained_pieces)},
        parameters=parameters, warnings=warnings,
    )


def _single_version(gdf: gpd.GeoDataFrame) -> str | None:
    if "version" not in gdf.columns:
        return gdf.attrs.get("layer")
    vals = sorted({str(v) for v in gdf["version"].dropna()})
    return ", ".join(vals) if vals else gdf.attrs.get("layer")


def find_previous_version(directory: str | os.PathLike, kind: str) -> tuple[Path, str | None] | None:
    """Where an earlier version of a kind lies beside a layer set, or None.

    ``<kind>_<version>.gpkg`` files first (the earliest version by name), then a layer
    ``<kind>_<version>`` inside one of the directory's GeoPackages.

    Returns
    -------
    (Path, str or None) or None
        The file and the layer inside it (None: the file's only layer).

    Examples
    --------
    >>> import tempfile
    >>> find_previous_version(tempfile.mkdtemp(), "protected_areas") is None
    True
    """
    root = Path(directory)
    if not root.is_dir():
        return None
    files = sorted(root.glob(f"{kind}_*.gpkg"))
    if files:
        return files[0], None
    for gpkg in sorted(root.glob("*.gpkg")):
        olds = sorted(n for n in list_layers(gpkg) if n.startswith(f"{kind}_"))
        if olds:
            return gpkg, olds[0]
    return None


def read_previous_version(root: str | os.PathLike | None, kind: str) -> gpd.GeoDataFrame:
    """The earlier version of ``kind`` beside a layer set's root (a directory, or a GeoPackage in one).

    Raises
    ------
    NotMeasurableError
        When there is none.
    """
    base = None if root is None else Path(root)
    if base is not None and base.is_file():
        base = base.parent
    found = find_previous_version(base, kind) if base is not None else None
    if found is None:
        raise NotMeasurableError(f"no earlier {kind} version ({kind}_<version>.gpkg or a GeoPackage layer "
                                 f"{kind}_<version> beside the layers)")
    path, layer = found
    return read_layer(path, kind, layer=layer)
