"""Facilities of given kinds inside given zones.

The plans forbid or clear some facilities from some places: environmental risk
sources (环境风险源) inside the South-to-North canal's protection zones (Pingdingshan),
industrial gas producers (工业煤气发生炉) in the built-up area and coal kilns (窑炉)
within the heating network (Sanmenxia); the water-source conflicts
(:func:`ecogis.water.protection_conflicts`) are the drinking-water case of the same
question.  :func:`facilities_in_zones` answers it for any facility kinds and any
polygon zones; :func:`select_zones` picks the zones (a study-area scope, the zones of
one canal, one control-zone type).

A facility is inside a zone when it shares a point with it (a point on the boundary
counts as inside, as for the water sources); a facility footprint that only touches
a zone's edge is not inside.

Examples
--------
>>> import geopandas as gpd, shapely
>>> zone = gpd.GeoDataFrame({"id": ["Z"], "name": ["总干渠二级保护区"]},
...                         geometry=[shapely.box(500000, 3700000, 501000, 3701000)], crs=4547)
>>> fac = gpd.GeoDataFrame({"id": ["R1", "R2", "K1"], "kind": ["risk_source", "risk_source", "kiln"]},
...                        geometry=[shapely.Point(500500, 3700500), shapely.Point(502000, 3700500),
...                                  shapely.Point(500200, 3700200)], crs=4547)
>>> r = facilities_in_zones(fac, zone, kinds=["risk_source"])
>>> r.metrics["facilities_inside"], r.violations["id"].tolist()
(1, ['R1'])
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from ecogis.catalogue import CATALOGUE, FACILITY_KINDS
from ecogis.crs import CRSLike, to_metric
from ecogis.crs import check_metric_crs as _check_metric_crs
from ecogis.errors import InputError, NotMeasurableError
from ecogis.gate import gated as _gated
from ecogis.result import CheckResult, violations_frame

__all__ = ["ZONE_KINDS", "facilities_in_zones", "select_zones", "split_values"]

log = logging.getLogger(__name__)

#: catalogue kinds that may serve as zones (their geometry is polygonal)
ZONE_KINDS = tuple(k for k, s in CATALOGUE.items() if s.geometry == ("polygon",))

_POLYGONAL = ("Polygon", "MultiPolygon")
_DEFAULT_RULE = "设施不得位于该区域内（依据规划相应条款）"


def split_values(text: str | Sequence[str] | None) -> list[str]:
    """A comma- or 、-separated text (or a list) as a list of stripped, non-empty values.

    >>> split_values("risk_source, kiln、coal_boiler")
    ['risk_source', 'kiln', 'coal_boiler']
    """
    if text is None:
        return []
    items = text.replace("、", ",").replace("，", ",").split(",") if isinstance(text, str) else list(text)
    return [str(v).strip() for v in items if str(v).strip()]


def select_zones(zones: gpd.GeoDataFrame, field: str | None, values: Sequence[str] | str | None, *,
                 what: str = "zones") -> gpd.GeoDataFrame:
    """The zones whose ``field`` equals one of ``values`` (all zones when ``field`` is empty).

    A value matches the field exactly, or as a part of a name (``"南水北调"`` picks
    ``"南水北调中线总干渠一级保护区"``) when ``field`` is ``name``.

    Raises
    ------
    NotMeasurableError
        When the field is missing or no zone matches (the message lists the values there are).

    Examples
    --------
    >>> import geopandas as gpd, shapely
    >>> z = gpd.GeoDataFrame({"scope": ["城市建成区", "中心城区"]}, geometry=[shapely.box(0, 0, 1, 1)] * 2)
    >>> len(select_zones(z, "scope", "城市建成区"))
    1
    """
    vals = split_values(values)
    if not field:
        return zones
    if field not in zones.columns:
        raise NotMeasurableError(f"{what} has no field {field!r} to pick zones by (has "
                                 f"{[c for c in zones.columns if c != zones.geometry.name]}); give another zone_field")
    if not vals:
        raise InputError(f"zone_field {field!r} was given without zone_values; give the values to pick, e.g. "
                         f"zone_values = \"城市建成区\"")
    col = zones[field].astype(object)
    text = col.map(lambda v: None if v is None or (isinstance(v, float) and np.isnan(v)) else str(v))
    keep = text.isin(vals)
    if field == "name":
        keep |= text.map(lambda t: t is not None and any(v in t for v in vals))
    out = zones[keep.to_numpy(dtype=bool)]
    if out.empty:
        have = sorted({t for t in text if t is not None})[:20]
        raise NotMeasurableError(f"{what} has no zone whose {field!r} is {' or '.join(map(repr, vals))} (has {have})")
    return out


def facilities_in_zones(
    facilities: gpd.GeoDataFrame,
    zones: gpd.GeoDataFrame,
    *,
    kinds: Sequence[str] | str | None = None,
    zone_kind: str | None = None,
    rule: str | None = None,
    metric: CRSLike | None = None,
    name: str = "facilities-in-zones",
) -> CheckResult:
    """Facilities of the given kinds that lie inside any of the zones; each is an error.

    Parameters
    ----------
    facilities : GeoDataFrame
        ``facilities`` layer (points or footprints) with ``id``, ``name``, ``kind``.  Not modified.
    zones : GeoDataFrame
        Polygons (already picked, see :func:`select_zones`), with ``id`` and ``name`` when there are.  Not modified.
    kinds : sequence of str or str, optional
        Facility kinds (:data:`ecogis.catalogue.FACILITY_KINDS`; a comma-separated text is split); default every kind.
    zone_kind : str, optional
        Catalogue kind of ``zones`` for the input gate (one of :data:`ZONE_KINDS`); None gates without a kind.
    rule : str, optional
        The clause a facility inside breaks (for the findings).
    metric : CRS-like, optional
        Metric CRS; default the Gauss-Kruger zone of ``zones``.
    name : str
        Name of the result.

    Returns
    -------
    CheckResult
        Metrics ``facilities_inside`` (facilities inside any zone), ``facilities_checked`` (of the kinds),
        ``zones_checked``; violations one row per facility inside, with ``kind``, ``zone_ids``,
        ``zone_names`` and ``distance_inside_m`` (points: how far from the zone's edge); layer ``zones_checked``.

    Raises
    ------
    InputError
        When a kind is not a facility kind, or ``zone_kind`` is not a zone kind.
    NotMeasurableError
        When the layer has no facility of the kinds (a count of 0 would say nothing), or no zone.
    """
    # entry checks: layers through the input gate, the options and the metric CRS (ecogis.gate, ecogis.crs)
    warnings: list[str] = []
    want = split_values(kinds)
    unknown = sorted(set(want) - set(FACILITY_KINDS))
    if unknown:
        raise InputError(f"kinds {unknown} are not facility kinds; expected some of {list(FACILITY_KINDS)}")
    if zone_kind is not None and zone_kind not in ZONE_KINDS:
        raise InputError(f"zone_kind was {zone_kind!r} but is expected to be one of {list(ZONE_KINDS)}")
    facilities = _gated(facilities, "facilities", "facilities", warnings)
    zones = _gated(zones, zone_kind, zone_kind or "zones", warnings)
    for what, g in (("facilities", facilities), ("zones", zones)):
        if not isinstance(g, gpd.GeoDataFrame):
            raise InputError(f"{what} was {type(g).__name__} but is expected to be a GeoDataFrame")
        if g.crs is None:
            raise InputError(f"{what} has no CRS; set one (e.g. gdf.set_crs('EPSG:4490')) before checking")
    if metric is not None:
        metric = _check_metric_crs(metric, zones, name="metric")
    if "kind" not in facilities.columns:
        raise NotMeasurableError(f"facilities has no field 'kind' (has "
                                 f"{[c for c in facilities.columns if c != facilities.geometry.name]}); add it")
    zm = to_metric(zones, metric)
    fm = to_metric(facilities, zm.crs)
    zgeom = np.asarray(zm.geometry.values, dtype=object)
    keepz = ~shapely.is_missing(zgeom) & ~shapely.is_empty(zgeom)
    zm, zgeom = zm[keepz], zgeom[keepz]
    bad = ~shapely.is_valid(zgeom)
    if bad.any():
        zgeom = zgeom.copy()
        zgeom[bad] = shapely.make_valid(zgeom[bad])
    if len(zm) == 0:
        raise NotMeasurableError(f"no zone to check ({zone_kind or 'zones'} is empty after picking)")
    fkind = fm["kind"].astype(object).to_numpy()
    sel = np.isin(fkind, want) if want else np.ones(len(fm), dtype=bool)
    fgeom = np.asarray(fm.geometry.values, dtype=object)
    sel &= ~shapely.is_missing(fgeom) & ~shapely.is_empty(fgeom)
    idx = np.flatnonzero(sel)
    if idx.size == 0:
        why = (f"layer 'facilities' has no facility of kind(s) {want}: a count of 0 inside would say nothing; "
               f"add them (kinds there are {sorted({str(k) for k in fkind if k is not None})})")
        raise NotMeasurableError(why, reasons={"facilities_inside": why})
    zids = _col(zm, "id", [str(i) for i in range(len(zm))])
    znames = _col(zm, "name", [None] * len(zm))
    fids = _col(fm, "id", [str(i) for i in fm.index])
    fnames = _col(fm, "name", [None] * len(fm))
    tree = shapely.STRtree(zgeom)
    fi, zi = tree.query(fgeom[idx], predicate="intersects")
    hits: dict[int, list[int]] = {}
    for a, b in zip(fi, zi):
        f = int(idx[a])
        g = fgeom[f]
        if g.geom_type in _POLYGONAL and float(shapely.intersection(g, zgeom[b]).area) <= 0.0:
            continue  # a footprint touching the edge only
        hits.setdefault(f, []).append(int(b))
    rule = rule or _DEFAULT_RULE
    records: list[dict[str, Any]] = []
    geoms: list[Any] = []
    by_kind: dict[str, int] = {}
    for f in sorted(hits):
        zs = sorted(hits[f])
        g = fgeom[f]
        depth = (float(min(shapely.distance(zgeom[z].boundary, g) for z in zs))
                 if g.geom_type == "Point" else None)
        zdesc = ", ".join(f"{zids[z]} ({znames[z] or '-'})" for z in zs)
        by_kind[str(fkind[f])] = by_kind.get(str(fkind[f]), 0) + 1
        records.append({
            "id": fids[f], "name": fnames[f], "rule": rule, "kind": fkind[f],
            "detail": (f"{fkind[f]} {fids[f]} ({fnames[f] or '-'}) lies inside zone {zdesc}"
                       + (f", {depth:,.1f} m from its edge" if depth is not None else "")),
            "severity": "error", "zone_ids": ", ".join(str(zids[z]) for z in zs),
            "zone_names": ", ".join(str(znames[z] or "-") for z in zs), "distance_inside_m": depth,
        })
        geoms.append(g)
    violations = violations_frame(records, crs=zm.crs, geometry=geoms)
    zlayer = gpd.GeoDataFrame({"id": zids, "name": znames}, geometry=gpd.GeoSeries(list(zgeom), crs=zm.crs),
                              crs=zm.crs)
    metrics = {"facilities_inside": len(records), "facilities_checked": int(idx.size), "zones_checked": int(len(zm))}
    log.info("%s: %d of %d facilities inside %d zones", name, len(records), idx.size, len(zm))
    return CheckResult(
        name, metrics=metrics, violations=violations, layers={"zones_checked": zlayer},
        parameters={"kinds": want or "all", "zone_kind": zone_kind, "inside_by_kind": by_kind, "rule": rule,
                    "metric_crs": zm.crs.to_string(),
                    "inside": "shares a point with the zone (footprints: area), boundary counts"},
        warnings=warnings,
    )


def _col(gdf: gpd.GeoDataFrame, col: str, default: list[Any]) -> np.ndarray:
    if col not in gdf.columns:
        return np.asarray(default, dtype=object)
    vals = gdf[col].astype(object).to_numpy()
    return np.array([None if v is None or (isinstance(v, float) and np.isnan(v)) or v is pd.NA else v for v in vals],
                    dtype=object)
