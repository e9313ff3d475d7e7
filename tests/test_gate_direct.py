"""The input gate on the public functions of water, ecology and air called directly with GeoDataFrames.

Through a LayerSet every layer is gated; these calls bypass it.  A layer stored northing-first
(x and y swapped) must give the figure of the correctly stored layer, with a warning saying it
was swapped back; a layer without a CRS must give a clear error naming the layer.  The truths
are analytic (hand-computed distances, areas and IDW values on small Luohe-zone layouts in
EPSG:4547, metres), checked on the correctly stored layers too, so they do not rest on the gate.
"""

from __future__ import annotations

import logging

import geopandas as gpd
import numpy as np
import pytest
import shapely

from ecogis.errors import ValidationError

GK114 = "EPSG:4547"
X0, Y0 = 500_000.0, 3_716_000.0  # near Luohe, in its Gauss-Kruger zone


def _layer(cols: dict, geoms: list, crs=GK114) -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame(cols, geometry=geoms, crs=crs)


def _swap(gdf: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    out = gdf.copy()
    out.geometry = shapely.transform(np.asarray(gdf.geometry.values), lambda c: c[:, ::-1])
    return out


def _no_crs(gdf: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    return gdf.set_crs(None, allow_override=True)


def _box(x, y, w, h):
    return shapely.box(X0 + x, Y0 + y, X0 + x + w, Y0 + y + h)


def _pt(x, y):
    return shapely.Point(X0 + x, Y0 + y)


# --- the cases: (layers, names the function calls them, call -> (figure, warnings), analytic truth) ---------
def _protection_conflicts():
    from ecogis.water import protection_conflicts

    fac = _layer({"id": ["in", "near"], "name": ["甲", "乙"], "kind": ["enterprise", "enterprise"]},
                 [_pt(500, 999), _pt(500, 1050)])
    zone = _layer({"id": ["z"], "level": ["一级"]}, [_box(0, 0, 1000, 1000)])

    def call(f, z):
        r = protection_conflicts(f, z, warn_distance_m=100.0)
        v = r.violations
        return sorted(zip(v["id"], v["rule"], v["distance_inside_m"].fillna(v["distance_outside_m"]).round(6))), \
            r.warnings

    # 1 m inside the north edge of the 一级 zone; 50 m outside it
    return [fac, zone], ["facilities", "zones"], call, [("in", "WPPCL-65-first-level", 1.0),
                                                       ("near", "near-zone-edge", 50.0)]


def _delineate_protection_zones():
    from ecogis.water import delineate_protection_zones

    src = _layer({"id": ["g1"], "name": ["井群"], "source_type": ["地下水型"], "aquifer_medium": ["细砂"]},
                 [_pt(300, 400)])

    def call(s):
        warnings: list[str] = []
        z = delineate_protection_zones(s, warnings=warnings)
        first = z[z["level"] == "一级"].geometry.iloc[0]
        # 细砂: 一级 30 m disc around the intake (HJ 338-2018 表); its centre is where the well is
        return (round(first.centroid.x - X0, 3), round(first.centroid.y - Y0, 3), z["radius_m"].tolist()), warnings

    return [src], ["water_sources"], call, (300.0, 400.0, [30.0, 300.0])


def _water_sources_check():
    from ecogis.water import water_sources_check

    src = _layer({"id": ["g1"], "name": ["井群"], "source_type": ["地下水型"], "aquifer_medium": ["细砂"]},
                 [_pt(0, 0)])
    fac = _layer({"id": ["f"], "name": ["厂"], "kind": ["enterprise"]}, [_pt(0, 20)])

    def call(s, f):
        r = water_sources_check(sources=s, facilities=f)
        v = r.violations
        return list(zip(v["id"], v["rule"], v["distance_inside_m"].round(1))), r.warnings

    # 20 m due north of the well, 10 m inside its 30 m 一级 disc (to 0.1 m: the disc polygon has a vertex due north)
    return [src, fac], ["water_sources", "facilities"], call, [("f", "WPPCL-65-first-level", 10.0)]


def _section_compliance():
    from ecogis.water import section_compliance

    sec = _layer({"id": ["s1"], "name": ["大陈"], "level": ["国控"], "target_class": ["III"],
                  "measured_class": ["IV"]}, [_pt(1000, 0)])
    river = _layer({"id": ["r"], "name": ["沙河"]}, [shapely.LineString([(X0, Y0), (X0 + 3000, Y0)])])
    fac = _layer({"id": ["up", "down"], "name": ["上", "下"], "kind": ["enterprise", "enterprise"]},
                 [_pt(500, 200), _pt(2000, 200)])

    def call(s, r, f):
        res = section_compliance(s, rivers=r, facilities=f, upstream_km=5.0, river_distance_m=300.0)
        return (res.metrics["sections_failing"], sorted(res.layers["upstream_facilities"]["id"])), res.warnings

    # the river runs west to east: only the facility 500 m west (upstream) of the failing section is traced
    return [sec, river, fac], ["sections", "rivers", "facilities"], call, (1, ["s1:up"])


def _redline_overlap():
    from ecogis.ecology import redline_overlap

    proj = _layer({"id": ["P"], "name": ["厂房"]}, [_box(50, 0, 100, 100)])
    red = _layer({"id": ["R"], "name": ["湿地"]}, [_box(0, 0, 100, 100)])

    def call(p, r):
        res = redline_overlap({"projects": p}, r)
        return (round(res.metrics["overlap_m2"], 6), res.violations["id"].tolist()), res.warnings

    return [proj, red], ["projects", "redlines"], call, (5000.0, ["P"])


def _redline_change():
    from ecogis.ecology import redline_change

    old = _layer({"id": ["A"]}, [_box(0, 0, 100, 100)])
    new = _layer({"id": ["A"]}, [_box(0, 0, 100, 50)])

    def call(o, n):
        m = redline_change(o, n)
        return (round(m.metrics["lost_m2"], 6), round(m.metrics["net_m2"], 6)), m.warnings

    return [old, new], ["old", "new"], call, (5000.0, -5000.0)


def _river_buffers():
    from ecogis.ecology import river_buffers

    fac = _layer({"id": ["F1", "F2"], "kind": ["livestock_farm"] * 2}, [_pt(500, 99), _pt(500, 101)])
    river = _layer({"id": ["H"], "name": ["沙河"]}, [shapely.LineString([(X0, Y0), (X0 + 1000, Y0)])])

    def call(f, r):
        res = river_buffers(f, r, buffer_m=100.0)
        return list(zip(res.violations["id"], res.violations["distance_m"].round(6))), res.warnings

    return [fac, river], ["facilities", "rivers"], call, [("F1", 99.0)]


def _control_zones():
    from ecogis.ecology import control_zones

    fac = _layer({"id": ["F1", "F2"], "kind": ["livestock_farm"] * 2}, [_pt(99, 50), _pt(101, 50)])
    zone = _layer({"id": ["Z"], "name": ["禁养区"], "zone_type": ["禁养区"]}, [_box(0, 0, 100, 100)])

    def call(f, z):
        res = control_zones(f, z)
        return res.violations["id"].tolist(), res.warnings

    return [fac, zone], ["facilities", "zones"], call, ["F1"]


def _coal_boilers():
    from ecogis.ecology import coal_boilers_near_chp

    fac = _layer({"id": ["P", "B1", "B2"], "kind": ["chp_plant", "coal_boiler", "coal_boiler"],
                  "capacity_mw": [350.0, None, None]}, [_pt(0, 0), _pt(0, 29_000), _pt(0, 31_000)])

    def call(f):
        res = coal_boilers_near_chp(f)
        return list(zip(res.violations["id"], res.violations["distance_m"].round(6))), res.warnings

    return [fac], ["facilities"], call, [("B1", 29_000.0)]


def _air_quality():
    from ecogis.air import air_quality

    st = _layer({"id": ["a", "b"], "pm25_ugm3": [30.0, 50.0]}, [_pt(50, 50), _pt(150, 50)])
    districts = _layer({"id": ["w", "e"], "name": ["西", "东"]}, [_box(0, 0, 100, 100), _box(100, 0, 100, 100)])

    def call(s, d):
        res = air_quality(s, districts=d, targets={"pm25_ugm3": 40.0}, cell_m=100.0)
        dl = res.layers["districts"]
        return (dict(zip(dl["id"], dl["pm25_mean_ugm3"])), res.metrics["districts_over_target"]), res.warnings

    # one 100 m cell per district, centred on its station: IDW is exact there
    return [st, districts], ["stations", "districts"], call, ({"w": 30.0, "e": 50.0}, 1)


def _idw_surface(caplog_records):
    from ecogis.air import idw_surface

    st = _layer({"pm25_ugm3": [30.0, 50.0]}, [_pt(50, 50), _pt(150, 50)])
    area = _layer({"id": ["a"]}, [_box(0, 0, 200, 100)])

    def call(s, a):
        arr, _, crs = idw_surface(s, cell_m=100.0, area=a)
        return (arr.tolist(), crs.to_epsg()), [r.getMessage() for r in caplog_records()]

    return [st, area], ["stations", "area"], call, ([[30.0, 50.0]], 4547)


CASES = {
    "water.protection_conflicts": _protection_conflicts,
    "water.delineate_protection_zones": _delineate_protection_zones,
    "water.water_sources_check": _water_sources_check,
    "water.section_compliance": _section_compliance,
    "ecology.redline_overlap": _redline_overlap,
    "ecology.redline_change": _redline_change,
    "ecology.river_buffers": _river_buffers,
    "ecology.control_zones": _control_zones,
    "ecology.coal_boilers_near_chp": _coal_boilers,
    "air.air_quality": _air_quality,
    "air.idw_surface": _idw_surface,
}
PER_LAYER = [(name, i) for name, make in CASES.items()
             for i in range(len((make(list) if name == "air.idw_surface" else make())[0]))]


def _case(name, caplog):
    make = CASES[name]
    return make(lambda: caplog.records) if name == "air.idw_surface" else make()


@pytest.mark.parametrize("name", list(CASES))
def test_the_analytic_truths_hold_on_the_correctly_stored_layers(name, caplog):
    layers, _, call, truth = _case(name, caplog)
    figure, warnings = call(*layers)
    assert figure == truth
    assert not any("swapped" in w for w in warnings)


@pytest.mark.parametrize(("name", "which"), PER_LAYER)
@pytest.mark.parametrize("crs", [GK114, "EPSG:4490"])
def test_a_layer_stored_northing_first_gives_the_true_figure_and_says_it_was_swapped_back(name, which, crs, caplog):
    caplog.set_level(logging.WARNING, logger="ecogis")
    layers, names, call, truth = _case(name, caplog)
    layers = [g.to_crs(crs) for g in layers]
    swapped = list(layers)
    swapped[which] = _swap(layers[which])
    swapped[which].attrs["source"] = "northing_first.gpkg"
    figure, warnings = call(*swapped)
    if crs == GK114:
        assert figure == truth
    else:  # through degrees and back: the same figure to a millimetre
        want, _ = call(*layers)
        assert figure == want or _close(figure, want)
    n = len(layers[which])
    assert any(w.startswith(f"{names[which]} (northing_first.gpkg): {n} feature(s) had x and y swapped")
               for w in warnings), warnings


def _close(a, b) -> bool:
    if isinstance(a, (list, tuple)) and isinstance(b, (list, tuple)):
        return len(a) == len(b) and all(_close(x, y) for x, y in zip(a, b))
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(_close(a[k], b[k]) for k in a)
    if isinstance(a, float) and isinstance(b, float):
        return (np.isnan(a) and np.isnan(b)) or abs(a - b) <= 1e-3 + 1e-9 * abs(b)
    return a == b


@pytest.mark.parametrize(("name", "which"), PER_LAYER)
def test_a_layer_without_crs_is_refused_naming_it_and_the_fix(name, which, caplog):
    layers, names, call, _ = _case(name, caplog)
    layers = list(layers)
    layers[which] = _no_crs(layers[which])
    with pytest.raises(ValidationError, match=rf"(?s)^{names[which]}: 1 problem\(s\).*no-crs.*states no CRS.*"
                                              r"state it"):
        call(*layers)


def test_repairs_of_a_layer_set_reach_the_result_of_a_check_taking_its_layers():
    from ecogis.ecology import river_buffers
    from ecogis.layerset import LayerSet

    fac, river = _river_buffers()[0]
    ls = LayerSet({"facilities": _swap(fac), "rivers": river})
    r = river_buffers(ls.get("facilities"), ls.get("rivers"), buffer_m=100.0)
    assert r.violations["id"].tolist() == ["F1"]
    assert sum("had x and y swapped" in w for w in r.warnings) == 1
