"""Drinking-water protection zones (一级 / 二级 / 准保护区) by the empirical method of HJ 338-2018.

Part of :mod:`ecogis.water`, which re-exports the public names.
"""

from __future__ import annotations

from typing import Any

import geopandas as gpd
import pandas as pd
import shapely
import shapely.ops
from shapely.geometry import Point

from ecogis.crs import check_metric_crs as _check_metric_crs
from ecogis.crs import metric_crs as _metric_crs
from ecogis.crs import to_metric
from ecogis.errors import InputError, NotMeasurableError
from ecogis.gate import check_number as _check_number
from ecogis.gate import gated as _gated
from ecogis.river_network import RiverNetwork
from ecogis.water_rules import load_hj338_rules

__all__ = [
    "delineate_protection_zones",
]


_LAKE_WORDS = {"lake", "reservoir", "湖库", "湖泊", "水库", "湖、库", "湖库型", "湖泊型", "水库型"}


def _flat_buffer(geom: Any, distance_m: float) -> Any:
    if geom is None or geom.is_empty:
        return shapely.Polygon()
    return shapely.buffer(geom, distance_m, cap_style="flat", join_style="mitre", mitre_limit=3.0)


def _zone_row(source: pd.Series, level: str, part: str | None, geom: Any, rule: str, basis: str,
              **extra: Any) -> dict[str, Any]:
    sid = str(source.get("id"))
    suffix = {"一级": "1", "二级": "2", "准保护区": "Q"}[level] + ({"水域": "W", "陆域": "L"}.get(part, "") if part else "")
    name = source.get("name")
    return {
        "id": f"{sid}-{suffix}",
        "name": f"{name or sid} {level}保护区" + (f"({part})" if part else ""),
        "source_id": sid,
        "level": level,
        "zone_part": part,
        "source_type": source.get("source_type"),
        "rule": rule,
        "basis": basis,
        "geometry": geom,
        **extra,
    }


def delineate_protection_zones(  # noqa: PLR0913 -- one keyword-only option per documented parameter (public API)
    water_sources: gpd.GeoDataFrame,
    *,
    rivers: gpd.GeoDataFrame | None = None,
    rules: dict[str, Any] | None = None,
    river_half_width_m: float = 15.0,
    intake_snap_m: float = 200.0,
    lake_size_class: str = "中型水库",
    aquifer_medium: str = "中砂",
    metric_crs: Any = None,
    warnings: list[str] | None = None,
) -> gpd.GeoDataFrame:
    """Delineate 一级 and 二级 protection zones around intakes per HJ 338-2018 (empirical method).

    * 河流型: along the river network from the intake, the first level's water area
      runs ``first_level_upstream_m`` upstream (every tributary included) and
      ``first_level_downstream_m`` downstream, ``river_half_width_m`` either side of
      the centre line; its land area is a strip ``first_level_land_m`` beyond the
      bank along the same length.  The second level extends the channel by
      ``second_level_upstream_m`` / ``second_level_downstream_m`` and its land to
      ``second_level_land_m`` from the bank, less the first level.
    * 湖库型: a disc of the size class's first-level radius (water), a ring of its
      land depth, and the second level to its second-level radius beyond that.
      Size class from a ``size_class`` column (小型水库, 中型水库, 大型水库, 小型湖泊,
      大中型湖泊) or ``lake_size_class``.
    * 地下水型: discs of R = α·K·I·T/n when the source has ``hydraulic_conductivity_md``,
      ``hydraulic_gradient`` and ``effective_porosity``; else the minimum empirical
      radius of its ``aquifer_medium`` column (or ``aquifer_medium``).

    Parameters
    ----------
    water_sources : GeoDataFrame
        Intake points with ``id``, ``name``, ``source_type`` (河流型/湖库型/地下水型).
    rivers : GeoDataFrame, optional
        River centre lines digitised downstream; needed for 河流型 sources.
    rules : dict, optional
        :func:`load_hj338_rules` output (default: the packaged figures).
    river_half_width_m : float, default 15.0
        Half the channel width: river lines carry no width, so the water area is the
        centre line buffered by this much (an assumption; set it per river).
    intake_snap_m : float, default 200.0
        An intake farther than this from every river line is reported and skipped.
    lake_size_class, aquifer_medium : str
        Defaults where the source does not say.
    metric_crs : CRS-like, optional
        Metric CRS to work in (default :func:`ecogis.crs.metric_crs`).
    warnings : list, optional
        Appended with what was assumed or skipped.

    Returns
    -------
    GeoDataFrame
        Kind ``protection_zones``: id, name, source_id, level (一级/二级), zone_part
        (水域/陆域 or None), source_type, rule (the HJ 338-2018 clause), basis (the
        figures used), channel_length_m (河流型 水域), radius_m (discs); metric CRS.

    Examples
    --------
    >>> import geopandas as gpd, shapely
    >>> src = gpd.GeoDataFrame({"id": ["g1"], "name": ["井群"], "source_type": ["地下水型"],
    ...                         "aquifer_medium": ["细砂"]}, geometry=[shapely.Point(500000, 3700000)], crs=4547)
    >>> z = delineate_protection_zones(src)
    >>> z[["level", "radius_m"]].values.tolist()
    [['一级', 30.0], ['二级', 300.0]]
    """
    # entry checks: layers through the input gate, numeric options and the metric CRS (ecogis.gate, ecogis.crs)
    warn = warnings if warnings is not None else []
    water_sources = _gated(water_sources, "water_sources", "water_sources", warn)
    rivers = _gated(rivers, "rivers", "rivers", warn)
    _check_number("river_half_width_m", river_half_width_m, minimum=0, unit="metres")
    _check_number("intake_snap_m", intake_snap_m, minimum=0, unit="metres")
    if metric_crs is not None:
        metric_crs = _check_metric_crs(metric_crs, water_sources if isinstance(water_sources, gpd.GeoDataFrame) else None,
                                       name="metric_crs")
    rules = rules or load_hj338_rules()
    if water_sources is None or water_sources.empty:
        raise NotMeasurableError("no water sources to delineate protection zones from (layer water_sources is empty)")
    if "source_type" not in water_sources.columns:
        raise NotMeasurableError("water_sources has no 'source_type' field (河流型/湖库型/地下水型); "
                                 "add it (aliases: 水源类型, 类型) to delineate zones")
    crs = metric_crs if metric_crs is not None else _metric_crs(water_sources)
    src = to_metric(water_sources, crs)
    network = None
    rows: list[dict[str, Any]] = []
    for _, s in src.iterrows():
        geom = s.geometry
        if geom is None or geom.is_empty:
            warn.append(f"water source {s.get('id')!r} has no geometry; skipped")
            continue
        point = geom if geom.geom_type == "Point" else geom.centroid
        kind = s.get("source_type")
        if kind == "河流型":
            if network is None:
                if rivers is None or rivers.empty:
                    warn.append(f"water source {s.get('id')!r} is 河流型 but no rivers layer was given; skipped")
                    continue
                network = RiverNetwork.from_rivers(rivers, metric_crs=crs)
            rows += _river_zones(s, point, network, rules["river"], river_half_width_m, intake_snap_m, warn)
        elif kind == "湖库型":
            size = s.get("size_class") if isinstance(s.get("size_class"), str) else lake_size_class
            sizes = rules["lake_reservoir"]["sizes"]
            if size not in sizes:
                raise InputError(f"water source {s.get('id')!r}: size_class {size!r} is not one of {list(sizes)}")
            if not isinstance(s.get("size_class"), str):
                warn.append(f"water source {s.get('id')!r}: size class not given; assumed {size}")
            rows += _lake_zones(s, point, sizes[size], rules["lake_reservoir"], size)
        elif kind == "地下水型":
            rows += _groundwater_zones(s, point, rules["groundwater"], aquifer_medium, warn)
        else:
            warn.append(f"water source {s.get('id')!r} has source_type {kind!r}; expected 河流型, 湖库型 or 地下水型; "
                        f"skipped")
    cols = ["id", "name", "source_id", "level", "zone_part", "source_type", "rule", "basis", "channel_length_m",
            "radius_m", "geometry"]
    out = gpd.GeoDataFrame(pd.DataFrame(rows, columns=cols), geometry="geometry", crs=crs)
    out = out[~out.geometry.is_empty].reset_index(drop=True)
    out.attrs["kind"] = "protection_zones"
    return out


def _river_zones(s: pd.Series, point: Point, net: RiverNetwork, r: dict[str, Any], half_width: float,
                 snap_m: float, warn: list[str]) -> list[dict[str, Any]]:
    where = net.locate(point, max_distance_m=snap_m)
    if where is None:
        warn.append(f"water source {s.get('id')!r} (河流型) is more than {snap_m:g} m from every river line; skipped")
        return []
    e, pos, _ = where
    up1, down1 = r["first_level_upstream_m"], r["first_level_downstream_m"]
    up2, down2 = up1 + r["second_level_upstream_m"], down1 + r["second_level_downstream_m"]
    ch1 = net.pieces_union(net.trace(e, pos, up1, "up") + net.trace(e, pos, down1, "down"))
    ch2 = net.pieces_union(net.trace(e, pos, up2, "up") + net.trace(e, pos, down2, "down"))
    water1 = _flat_buffer(ch1, half_width)
    land1 = _flat_buffer(ch1, half_width + r["first_level_land_m"]).difference(water1)
    water2 = _flat_buffer(ch2, half_width).difference(water1)
    land2 = _flat_buffer(ch2, half_width + r["second_level_land_m"]).difference(
        shapely.union_all([water1, land1, water2]))
    len1, len2 = ch1.length, ch2.length
    basis1 = (f"水域 上游 {up1:g} m / 下游 {down1:g} m along the channel, half-width {half_width:g} m; "
              f"陆域 {r['first_level_land_m']:g} m from the bank")
    basis2 = (f"水域 to {up2:g} m upstream / {down2:g} m downstream; 陆域 {r['second_level_land_m']:g} m from the bank")
    if len1 < up1 + down1 - 1e-6:
        warn.append(f"water source {s.get('id')!r}: the river network ends before the first level's full length "
                    f"({len1:.0f} m of {up1 + down1:g} m)")
    return [
        _zone_row(s, "一级", "水域", water1, r["first_level_clause"], basis1, channel_length_m=len1),
        _zone_row(s, "一级", "陆域", land1, r["first_level_clause"], basis1, channel_length_m=len1),
        _zone_row(s, "二级", "水域", water2, r["second_level_clause"], basis2, channel_length_m=len2 - len1),
        _zone_row(s, "二级", "陆域", land2, r["second_level_clause"], basis2, channel_length_m=len2 - len1),
    ]


def _lake_zones(s: pd.Series, point: Point, size: dict[str, Any], r: dict[str, Any],
                size_name: str) -> list[dict[str, Any]]:
    r1, land, r2 = size["first_level_radius_m"], size["first_level_land_m"], size["second_level_radius_m"]
    water1 = point.buffer(r1, 128)
    land1 = point.buffer(r1 + land, 128).difference(water1)
    second = point.buffer(r1 + land + r2, 128).difference(point.buffer(r1 + land, 128))
    basis = f"{size_name}: 一级 disc {r1:g} m + land {land:g} m; 二级 {r2:g} m beyond (no shoreline used)"
    return [
        _zone_row(s, "一级", "水域", water1, r["clause"], basis, radius_m=r1),
        _zone_row(s, "一级", "陆域", land1, r["clause"], basis, radius_m=r1 + land),
        _zone_row(s, "二级", None, second, r["clause"], basis, radius_m=r1 + land + r2),
    ]


def _groundwater_zones(s: pd.Series, point: Point, r: dict[str, Any], default_medium: str,
                       warn: list[str]) -> list[dict[str, Any]]:
    k, i, n = (pd.to_numeric(pd.Series([s.get(c)]), errors="coerce").iloc[0]
               for c in ("hydraulic_conductivity_md", "hydraulic_gradient", "effective_porosity"))
    if all(pd.notna(v) for v in (k, i, n)) and n > 0:
        a = r["alpha"]
        r1 = a * k * i * r["first_level_travel_time_d"] / n
        r2 = a * k * i * r["second_level_travel_time_d"] / n
        basis = (f"R = α·K·I·T/n, α={a:g}, K={k:g} m/d, I={i:g}, n={n:g}, "
                 f"T={r['first_level_travel_time_d']:g}/{r['second_level_travel_time_d']:g} d")
        clause = r["formula_clause"]
    else:
        medium = s.get("aquifer_medium") if isinstance(s.get("aquifer_medium"), str) else default_medium
        if medium not in r["media"]:
            raise InputError(f"water source {s.get('id')!r}: aquifer_medium {medium!r} is not one of {list(r['media'])}")
        if not isinstance(s.get("aquifer_medium"), str):
            warn.append(f"water source {s.get('id')!r}: aquifer medium not given; assumed {medium}")
        r1 = float(r["media"][medium]["first_level_radius_m"][0])
        r2 = float(r["media"][medium]["second_level_radius_m"][0])
        basis = f"{medium}: minimum empirical radii {r1:g} m / {r2:g} m"
        clause = r["clause"]
    first = point.buffer(r1, 128)
    return [
        _zone_row(s, "一级", None, first, clause, basis, radius_m=r1),
        _zone_row(s, "二级", None, point.buffer(r2, 128).difference(first), clause, basis, radius_m=r2),
    ]


def _is_lake(value: Any) -> bool:
    return isinstance(value, str) and value.strip().lower() in _LAKE_WORDS
