"""ecogis.maps and ecogis.styles without a browser: the written HTML, read back.

The page's configuration and data are one JSON document in a
``<script type="application/json">`` element; the tests parse it and compare it
with the input layers (counts, coordinates, categories) worked out independently.
"""

from __future__ import annotations

import base64
import hashlib
import io
import json
import re
import tarfile

import folium
import geopandas as gpd
import numpy as np
import pytest
import shapely
from pyproj import Geod

from ecogis.catalogue import CATALOGUE
from ecogis.errors import CatalogueError, InputError, OutputExistsError
from ecogis.maps import (
    external_references,
    layer_map,
    result_map,
    write_index,
    write_map,
)
from ecogis.maps.assets import ASSET_PACKAGES, AssetError, NpmAsset, _unpack, inline_css
from ecogis.maps.render import display_tolerance_m, format_metric
from ecogis.result import CheckResult, violations_frame
from ecogis.styles import GROUP_ORDER, STYLES, WATER_CLASS_COLORS, style_for

XSS = "<img src=x onerror=alert(1)>"
QUOTE = "O'Brien \"河\""
GEOD = Geod(ellps="WGS84")


def page_of(m) -> str:
    return m.get_root().render()


def config_of(page: str) -> dict:
    found = re.findall(r'<script type="application/json" id="ecogis-config-[0-9a-f]+">(.*?)</script>', page, re.DOTALL)
    assert len(found) == 1
    return json.loads(found[0])


@pytest.fixture
def layers():
    """Small layers in EPSG:4547 (CGCS2000 GK zone 38, Luohe), answers known by construction."""
    # five sections 1 km apart on a line; classes I, III, III, 劣V and one unknown value
    x0, y0 = 501_500.0, 3_716_000.0
    sections = gpd.GeoDataFrame(
        {"id": [f"s{i}" for i in range(5)], "name": [XSS, QUOTE, "{{ 7*7 }}", "</script><script>alert(2)</script>", "五"],
         "level": ["国控"] * 5, "target_class": ["III"] * 5, "measured_class": ["I", "III", "III", "劣V", "nonsense"]},
        geometry=[shapely.Point(x0 + 1000 * i, y0) for i in range(5)], crs=4547,
    )
    zones = gpd.GeoDataFrame(
        {"id": ["z1", "z2", "z3"], "name": ["一级", "二级", "准"], "level": ["一级", "二级", "准保护区"]},
        geometry=[shapely.box(x0, y0 + 500, x0 + 1000, y0 + 1500), shapely.box(x0 + 1000, y0 + 500, x0 + 2000, y0 + 1500),
                  shapely.box(x0 + 2000, y0 + 500, x0 + 3000, y0 + 1500)], crs=4547,
    )
    return {"sections": sections, "protection_zones": zones}


# --- styles --------------------------------------------------------------------------
def test_every_catalogue_kind_and_result_layer_has_a_style():
    needed = set(CATALOGUE) | {"gaps", "catchments", "proposals", "violations", "warnings", "rivers_classified",
                               "redline_lost", "redline_gained", "river_buffer", "upstream_facilities",
                               "districts_coverage", "pollutant_surface"}
    assert needed <= set(STYLES)
    for s in STYLES.values():
        assert s.group in GROUP_ORDER
        for sym in [s.default, *(c.symbol for c in s.categories)]:
            assert re.fullmatch(r"#[0-9a-f]{6}", sym.color)
            assert sym.fill_color is None or re.fullmatch(r"#[0-9a-f]{6}", sym.fill_color)
            assert 0 <= sym.fill_opacity <= 1


def test_water_classes_use_bulletin_colours_and_unknown_kind_raises():
    s = style_for("sections")
    assert [c.value for c in s.categories] == ["I", "II", "III", "IV", "V", "劣V"]
    assert {c.value: c.symbol.fill_color for c in s.categories} == {
        "I": "#00b0f0", "II": "#0070c0", "III": "#00b050", "IV": "#ffff00", "V": "#ffc000", "劣V": "#ff0000"}
    assert style_for("rivers_classified").symbol_for("IV").color == WATER_CLASS_COLORS["IV"]
    # protection weakens from 一级 to 准保护区: fill gets lighter (sum of RGB rises)
    z = style_for("protection_zones")
    light = [sum(int(c.symbol.fill_color[i:i + 2], 16) for i in (1, 3, 5)) for c in z.categories]
    assert [c.value for c in z.categories] == ["一级", "二级", "准保护区"] and light == sorted(light)
    assert style_for("lost").kind == "redline_lost"
    with pytest.raises(CatalogueError, match="sections"):
        style_for("no_such_layer")


# --- offline page -------------------------------------------------------------------------
def test_page_loads_nothing_from_the_network(layers):
    page = page_of(layer_map(layers, title="t"))
    assert external_references(page) == []
    assert not re.search(r"<script[^>]+\bsrc=", page, re.IGNORECASE)
    assert not re.search(r"<link[^>]+\bhref=", page, re.IGNORECASE)
    assert not re.search(r"url\(\s*(?!['\"]?(?:data:|#))", page)  # every CSS url() is inline
    assert "Leaflet 1.9.4" in page and "L.MarkerClusterGroup" in page and "sourceMappingURL" not in page


def test_detector_sees_a_plain_folium_map():
    refs = external_references(page_of(folium.Map()))
    assert any("leaflet" in r and r.startswith("https://") for r in refs)


def test_asset_integrity_is_enforced(tmp_path):
    def tgz(files: dict[str, bytes]) -> bytes:
        buf = io.BytesIO()
        with tarfile.open(fileobj=buf, mode="w:gz") as tar:
            for name, data in files.items():
                info = tarfile.TarInfo(f"package/{name}")
                info.size = len(data)
                tar.addfile(info, io.BytesIO(data))
        return buf.getvalue()

    data = tgz({"a.js": b"ok", "evil.js": b"x"})
    good = "sha512-" + base64.b64encode(hashlib.sha512(data).digest()).decode()
    _unpack(data, NpmAsset("demo", "1.0.0", good, ("a.js",)), tmp_path / "demo-1.0.0")
    assert (tmp_path / "demo-1.0.0" / "a.js").read_bytes() == b"ok"
    assert not (tmp_path / "demo-1.0.0" / "evil.js").exists()
    with pytest.raises(AssetError, match="integrity"):
        _unpack(data + b"\0", NpmAsset("demo", "1.0.0", good, ("a.js",)), tmp_path / "demo-2")
    assert all(a.integrity.startswith("sha512-") for a in ASSET_PACKAGES.values())


def test_css_images_become_data_uris():
    css = inline_css("leaflet", "dist/leaflet.css")
    assert "images/layers.png" not in css
    assert css.count("data:image/png;base64,") == 3


# --- escaping ----------------------------------------------------------------------------
def test_hostile_values_stay_data(layers):
    page = page_of(layer_map(layers, title=XSS))
    assert XSS not in page and "alert(2)" in page  # present, but only inside escaped JSON
    assert "<script><script>alert(2)" not in page and page.count("</script>") == page.count("<script")
    assert f"<title>{'&lt;img src=x onerror=alert(1)&gt;'}</title>" in page
    cfg = config_of(page)
    names = [f["properties"]["name"] for f in cfg["layers"][1]["data"]["features"]]
    assert XSS in names and QUOTE in names and "{{ 7*7 }}" in names and "49" not in names
    assert cfg["panel"]["title"] == XSS
    # the runtime never hands data to innerHTML: text nodes only, and escaped layer-control labels
    from ecogis.maps.runtime import RUNTIME_JS

    assert "innerHTML" not in RUNTIME_JS and "textContent" in RUNTIME_JS
    assert "escapeHtml(spec.title)" in RUNTIME_JS


# --- content --------------------------------------------------------------------------
def test_counts_legend_and_categories(layers):
    cfg = config_of(page_of(layer_map(layers, title="t")))
    by_id = {l["id"]: l for l in cfg["layers"]}
    assert [l["id"] for l in cfg["layers"]] == ["protection_zones", "sections"]  # zones drawn under points
    assert len(by_id["sections"]["data"]["features"]) == by_id["sections"]["count"] == 5
    assert len(by_id["protection_zones"]["data"]["features"]) == 3
    # categories: I, III, III, 劣V and an unknown value -> indices into I..劣V, -1 for the unknown
    assert by_id["sections"]["cat"] == [0, 2, 2, 5, -1]
    legend = {e["id"]: e for e in cfg["legend"]}
    assert set(legend) == {"sections", "protection_zones"}
    assert [(r["label"], r["count"]) for r in legend["sections"]["rows"]] == [("I类", 1), ("III类", 2), ("劣V类", 1),
                                                                               ("其他", 1)]
    assert [r["label"] for r in legend["protection_zones"]["rows"]] == ["一级保护区", "二级保护区", "准保护区"]
    assert legend["sections"]["group"] == "水环境"
    en = config_of(page_of(layer_map(layers, title="t", lang="en")))
    assert {e["title"] for e in en["legend"]} == {"Monitored sections", "Drinking-water protection zones"}


def test_coordinates_are_lonlat_rounded_to_6_decimals(layers):
    cfg = config_of(page_of(layer_map(layers, title="t")))
    pts = cfg["layers"][1]["data"]["features"]
    truth = layers["sections"].to_crs(4326)
    for f, g in zip(pts, truth.geometry):
        lon, lat = f["geometry"]["coordinates"]
        assert (lon, lat) == (round(g.x, 6), round(g.y, 6))
    assert 113 < lon < 115 and 33 < lat < 34


def test_amap_shifts_data_to_gcj02_and_says_so(layers):
    plain = config_of(page_of(layer_map(layers, title="t")))
    amap = config_of(page_of(layer_map(layers, title="t", basemap="amap")))
    a = plain["layers"][1]["data"]["features"][0]["geometry"]["coordinates"]
    b = amap["layers"][1]["data"]["features"][0]["geometry"]["coordinates"]
    _, _, dist = GEOD.inv(a[0], a[1], b[0], b[1])
    assert 300 < dist < 700, dist  # the GCJ-02 offset in central China
    assert any("GCJ-02" in n for n in amap["panel"]["notes"]) and not plain["panel"]["notes"]
    assert amap["basemap"]["tiles"][0]["url"].startswith("https://webrd0{s}.is.autonavi.com/")


def test_tianditu_needs_a_key(layers, monkeypatch):
    monkeypatch.delenv("TIANDITU_KEY", raising=False)
    with pytest.raises(InputError, match="TIANDITU_KEY"):
        layer_map(layers, title="t", basemap="tianditu-vec")
    with pytest.raises(InputError, match="malformed"):
        layer_map(layers, title="t", basemap="tianditu-img", tianditu_key="x'><script>")
    monkeypatch.setenv("TIANDITU_KEY", "0123456789abcdef0123456789abcdef")
    cfg = config_of(page_of(layer_map(layers, title="t", basemap="tianditu-img")))
    urls = [t["url"] for t in cfg["basemap"]["tiles"]]
    assert len(urls) == 2 and all(u.endswith("tk=0123456789abcdef0123456789abcdef") for u in urls)
    assert "LAYER=img" in urls[0] and "LAYER=cia" in urls[1]
    # Tianditu web-Mercator tiles are CGCS2000: no shift
    plain = config_of(page_of(layer_map(layers, title="t")))
    assert cfg["layers"][1]["data"] == plain["layers"][1]["data"]
    with pytest.raises(InputError, match="basemap"):
        layer_map(layers, title="t", basemap="google")


def test_simplification_stays_within_tolerance():
    centre = shapely.Point(501_500.0, 3_716_000.0)
    circle = centre.buffer(500, quad_segs=256)  # 1024 vertices
    gdf = gpd.GeoDataFrame({"id": ["c"], "name": ["圆"]}, geometry=[circle], crs=4547)
    tol = 5.0
    cfg = config_of(page_of(layer_map({"eco_redlines": gdf}, title="t", simplify_tolerance_m=tol)))
    shown = shapely.geometry.shape(cfg["layers"][0]["data"]["features"][0]["geometry"])
    back = gpd.GeoSeries([shown], crs=4326).to_crs(4547).iloc[0]
    n_in, n_out = len(circle.exterior.coords), len(back.exterior.coords)
    assert n_out < n_in / 4, (n_in, n_out)
    assert back.hausdorff_distance(circle) <= tol + 0.2  # + 6-decimal rounding (~0.1 m)
    # default tolerance: 1 px three zoom levels beyond the fitted view; a ~1 km extent -> well under 1 m px
    assert 0.5 <= display_tolerance_m((113.99, 33.57, 114.0, 33.58)) < 1.0


def test_clustering_threshold():
    def pts(n):
        return gpd.GeoDataFrame({"id": [str(i) for i in range(n)]},
                                geometry=gpd.points_from_xy(np.linspace(114, 114.1, n), np.full(n, 33.6)), crs=4490)

    assert config_of(page_of(layer_map({"bus_stops": pts(2000)}, title="t")))["layers"][0]["cluster"] is False
    assert config_of(page_of(layer_map({"bus_stops": pts(2001)}, title="t")))["layers"][0]["cluster"] is True


def test_result_map_panel_and_violations(layers):
    v = violations_frame([{"id": "s3", "name": XSS, "rule": "GB 3838-2002 Table 1", "detail": "劣V vs III",
                           "geometry": layers["sections"].geometry.iloc[3]}], crs=4547)
    r = CheckResult("sections", metrics={"compliance_rate": 0.75, "sections_total": 5},
                    violations=v, not_measurable={"upstream": "no rivers layer"})
    cfg = config_of(page_of(result_map(r, {"sections": layers["sections"]})))
    assert cfg["panel"]["title"] == "水质断面"
    assert ["违规数", "1"] in cfg["panel"]["rows"] and ["断面达标率", "75.0%"] in cfg["panel"]["rows"]
    # an English reason stays off a Chinese map, which says where it is; the English map shows it
    assert not any("no rivers layer" in n for n in cfg["panel"]["notes"])
    assert any("原因见核查报告" in n for n in cfg["panel"]["notes"])
    en = config_of(page_of(result_map(r, {"sections": layers["sections"]}, lang="en")))
    assert any("no rivers layer" in n for n in en["panel"]["notes"])
    viol = next(l for l in cfg["layers"] if l["id"] == "violations")
    assert viol["count"] == 1 and viol["data"]["features"][0]["properties"]["name"] == XSS
    assert cfg["layers"][-1]["id"] == "violations"  # drawn on top
    # the map opens on the finding (one point), not on the five context sections 4 km wide
    lon, lat = gpd.GeoSeries([layers["sections"].geometry.iloc[3]], crs=4547).to_crs(4326).iloc[0].coords[0]
    (south, west), (north, east) = cfg["bounds"]
    assert (south, west, north, east) == pytest.approx((lat, lon, lat, lon), abs=1e-9)
    # without findings, it opens on everything
    empty = CheckResult("sections", violations=violations_frame([], crs=4547))
    (s2, w2), (n2, e2) = config_of(page_of(result_map(empty, {"sections": layers["sections"]})))["bounds"]
    assert (e2 - w2) > 0.03


def test_format_metric():
    assert format_metric("area_share", 0.8234) == ("面积覆盖率", "82.3%")
    assert format_metric("area_share", 0.8234, lang="en") == ("Area share", "82.3%")
    # 1,234,567.8 m2 = 1.2345678 km2; 452,521,942.607 m2 (the district) = 452.52 km2
    assert format_metric("gap_area_m2", 1234567.8) == ("空白面积", "1.23 km²")
    assert format_metric("area_m2", 452521942.607) == ("面积", "452.52 km²")
    assert format_metric("area_m2", 452521942.607, area_unit="ha") == ("面积", "45,252.2 公顷")
    assert format_metric("gap_area_m2", 96447.9, lang="en") == ("Gap area", "9.64 ha")
    assert format_metric("year", 2024) == ("年份", "2024")
    assert format_metric("pm25_mean_ugm3", 44.951) == ("PM2.5年均浓度", "44.95 µg/m³")
    assert format_metric("unknown_rate", 0.5) == ("unknown_rate", "50.0%")
    assert format_metric("other_len_km", 3.25, lang="en") == ("other_len_km", "3.25 km")
    assert format_metric("ok", True, lang="en") == ("ok", "yes")
    assert format_metric("x", float("nan"))[1] == "\u2014"
    assert format_metric("method", "buffer") == ("方法", "缓冲区法")
    assert format_metric("method", "network", lang="en") == ("Method", "walking network")
    assert format_metric("stops_total", 12345) == ("站点数", "12,345")


def test_write_index_escapes_and_links(tmp_path):
    (tmp_path / "a b.html").write_text("x")
    (tmp_path / "c.html").write_text("y")
    p = write_index(tmp_path, [(XSS, tmp_path / "a b.html"), {"title": QUOTE, "path": "c.html", "description": "<b>"}])
    page = p.read_text(encoding="utf-8")
    assert XSS not in page and "&lt;img src=x onerror=alert(1)&gt;" in page
    assert 'href="a%20b.html"' in page and 'href="c.html"' in page
    assert "O&#x27;Brien &quot;河&quot;" in page and "&lt;b&gt;" in page
    assert external_references(page) == [] and "<script" not in page
    with pytest.raises(InputError, match="not inside"):
        write_index(tmp_path / "sub", [("x", tmp_path / "c.html")])
    with pytest.raises(OutputExistsError):
        write_index(tmp_path, [])


def test_layers_sharing_a_style_keep_distinct_titles(layers):
    z = layers["protection_zones"].assign(zone_type="禁燃区")
    cfg = config_of(page_of(layer_map({"control_zones": z, "zones": z}, title="t")))
    titles = [l["title"] for l in cfg["layers"]]
    assert len(set(titles)) == 2 and "管控区" in titles


def test_every_registry_metric_has_a_display_name():
    from ecogis.checks import METRIC_LABELS
    from ecogis.targets import CHECK_METRICS

    missing = {m for ms in CHECK_METRICS.values() for m in ms} - set(METRIC_LABELS) - {"share_meeting_class"}
    assert not missing


def test_lines_are_never_filled():
    """A curved river with a fill colour in its style must not be drawn as a filled polygon."""
    river = gpd.GeoDataFrame({"id": ["r"], "name": ["沙河"], "target_class": ["III"]},
                             geometry=[shapely.LineString([(501_000, 3_716_000), (502_000, 3_716_800),
                                                           (503_000, 3_716_000)])], crs=4547)
    assert style_for("rivers").categories[0].symbol.fill_color is not None  # the style itself has one
    cfg = config_of(page_of(layer_map({"rivers": river}, title="t")))
    layer = cfg["layers"][0]
    assert layer["geometry"] == "line"
    assert not layer["default"]["fill"] and all(not c["symbol"]["fill"] for c in layer["categories"])


def test_unrated_layer_gets_one_legend_row_not_other(layers):
    unrated = layers["sections"].assign(measured_class=None)
    cfg = config_of(page_of(layer_map({"sections": unrated}, title="t")))
    (legend,) = cfg["legend"]
    assert [r["label"] for r in legend["rows"]] == [style_for("sections").title("zh")]
    assert legend["rows"][0]["count"] == 5


def test_popups_show_display_names_and_formatted_values():
    """The issue's district popup: `area_m2 452521942.607`, `area_share 0.1412` -> 面积 452.52 km², 14.1%."""
    d = gpd.GeoDataFrame({"id": ["D1", "D2"], "name": ["源汇区", "郾城区"], "area_m2": [452521942.607, 3.2e8],
                          "area_share": [0.1412, 0.5], "population_total": [1234567, 20]},
                         geometry=[shapely.box(501_000, 3_716_000, 502_000, 3_717_000),
                                   shapely.box(502_000, 3_716_000, 503_000, 3_717_000)], crs=4547)
    for lang, want in (("zh", {"area_m2": "面积", "area_share": "面积覆盖率", "population_total": "总人口"}),
                       ("en", {"area_m2": "Area", "area_share": "Area share", "population_total": "Population"})):
        layer = config_of(page_of(layer_map({"districts_coverage": d}, title="t", lang=lang)))["layers"][0]
        assert dict(map(tuple, layer["fields"])) | want == dict(map(tuple, layer["fields"]))
        props = layer["data"]["features"][0]["properties"]
        assert props == {"id": "D1", "name": "源汇区", "area_m2": "452.52 km²", "area_share": "14.1%",
                         "population_total": "1,234,567"}
    ha = config_of(page_of(layer_map({"districts_coverage": d}, title="t", area_unit="ha")))["layers"][0]
    assert ha["data"]["features"][1]["properties"]["area_m2"] == "32,000.0 公顷"


def test_title_block_names_the_area_files_dates_and_version(tmp_path):
    """Sources are the files the input layers were read from, dated by their modification time."""
    import datetime as dt
    import os

    import ecogis
    from ecogis.io import read_layer, write_layers
    from ecogis.maps import result_map

    stops = gpd.GeoDataFrame({"id": ["1", "2"], "name": ["人民路站", "黄河路站"]},
                             geometry=[shapely.Point(114.01, 33.58), shapely.Point(114.02, 33.59)], crs=4490)
    path = tmp_path / "stops.gpkg"
    write_layers({"bus_stops": stops}, path)
    os.utime(path, (1_700_000_000, 1_700_000_000))  # 2023-11-14 22:13:20 UTC
    stops = read_layer(path, kind="bus_stops")
    districts = gpd.GeoDataFrame({"name": ["源汇区", "郾城区"], "scope": ["区", "区"]},
                                 geometry=[shapely.box(113.9, 33.5, 114.0, 33.6), shapely.box(114.0, 33.5, 114.1, 33.6)],
                                 crs=4490)
    cfg = config_of(page_of(layer_map({"bus_stops": stops, "study_area": districts}, title="t")))
    tb = cfg["titleBlock"]
    assert tb["sources"] == [{"file": "stops.gpkg", "date": "2023-11-14", "layers": ["公交站点"]}]
    assert tb["made"] == f"ecogis {ecogis.__version__} · {dt.datetime.now(dt.timezone.utc).date().isoformat()}"
    labels = {lab[2]: lab for lab in cfg["featureLabels"]}
    assert set(labels) == {"源汇区", "郾城区"}  # the districts by name; bus stops are not labelled
    assert shapely.box(113.9, 33.5, 114.0, 33.6).contains(shapely.Point(labels["源汇区"][1], labels["源汇区"][0]))
    r = CheckResult("coverage", metrics={"area_share": 0.5})
    tb = config_of(page_of(result_map(r, {"bus_stops": stops}, area="漯河市 · 中心城区", lang="en")))["titleBlock"]
    assert tb["area"] == "漯河市 · 中心城区" and tb["labels"]["sources"] == "Data"


def test_network_coverage_map_draws_the_streets_reached_and_the_catchment():
    """A cross of two 4 km streets, one stop at the crossing, 500 m on foot: 4 x 500 m = 2 km of street reached."""
    from ecogis.checks import CHECKS
    from ecogis.layerset import LayerSet
    from ecogis.maps import context_layers_for, result_map

    x0, y0 = 502_000.0, 3_716_000.0
    roads = gpd.GeoDataFrame({"id": ["ew", "ns"], "name": ["东西路", "南北路"], "road_class": ["主干路", "主干路"],
                              "walkable": [True, True]},
                             geometry=[shapely.LineString([(x0 - 2000, y0), (x0 + 2000, y0)]),
                                       shapely.LineString([(x0, y0 - 2000), (x0, y0 + 2000)])], crs=4547)
    stops = gpd.GeoDataFrame({"id": ["s"], "name": ["十字路口站"]}, geometry=[shapely.Point(x0, y0)], crs=4547)
    area = gpd.GeoDataFrame({"id": ["c"], "name": ["中心城区"], "scope": ["中心城区"]},
                            geometry=[shapely.box(x0 - 2000, y0 - 2000, x0 + 2000, y0 + 2000)], crs=4547)
    ls = LayerSet({"roads": roads, "bus_stops": stops, "study_area": area}, name="测试")
    r = CHECKS["coverage-network"].run(ls)
    assert r.name == "coverage-network" and r.metrics["method"] == "network"
    assert r.metrics["reached_street_km"] == pytest.approx(2.0, abs=0.01)
    cfg = config_of(page_of(result_map(r, context_layers_for(r.name, ls), layerset=ls)))
    by_kind = {layer["kind"]: layer for layer in cfg["layers"]}
    assert {"reached_streets", "catchments", "gaps", "violations"} <= set(by_kind)
    lines = [shapely.geometry.shape(f["geometry"]) for f in by_kind["reached_streets"]["data"]["features"]]
    drawn_m = gpd.GeoSeries(lines, crs=4326).to_crs(4547).length.sum()
    assert drawn_m == pytest.approx(2000.0, rel=0.01)
    assert ["方法", "路网法"] in cfg["panel"]["rows"] and ["可达街道长度", "2 km"] in cfg["panel"]["rows"]
    assert [s["layers"] for s in cfg["titleBlock"]["sources"]] == []  # layers made in memory have no file


def test_violations_are_hatched_and_unlike_the_gaps_they_mark():
    v, g = style_for("violations"), style_for("gaps")
    for sym in [v.default, *(c.symbol for c in v.categories)]:
        assert sym.hatch and sym.fill_color not in (g.default.fill_color, g.default.color)
    assert not g.default.hatch
    # the page keeps the flag: the runtime fills those polygons with an SVG pattern
    gaps = gpd.GeoDataFrame({"id": ["g1"]}, geometry=[shapely.box(501_000, 3_716_000, 501_500, 3_716_500)], crs=4547)
    cfg = config_of(page_of(result_map(CheckResult("coverage", violations=violations_frame(
        [{"id": "g1", "rule": "r", "detail": "d", "geometry": gaps.geometry.iloc[0]}], crs=4547),
        layers={"gaps": gaps}))))
    by_kind = {layer["kind"]: layer for layer in cfg["layers"]}
    assert by_kind["violations"]["categories"][0]["symbol"]["hatch"] is True
    assert by_kind["gaps"]["default"]["hatch"] is False


def test_scopes_differing_only_in_chinese_write_two_maps(layers, tmp_path):
    """Audit keys "check/<scope>" for two scopes with no English slug used to collide on one file name."""
    from urllib.parse import unquote

    from ecogis.layerset import LayerSet
    from ecogis.maps.render import write_maps

    r = CheckResult("black-odorous-water", metrics={"share_eliminated": 1.0}, violations=violations_frame([], crs=4547))
    keys = ["black-odorous-water/县城建成区", "black-odorous-water/县级城市建成区", "black-odorous-water/中心城区"]
    written = write_maps(LayerSet(dict(layers)), {k: r for k in keys}, tmp_path / "maps")
    names = sorted(p.name for p in written)
    assert names == sorted(["overview.html", "index.html", "black-odorous-water-县城建成区.html",
                            "black-odorous-water-县级城市建成区.html", "black-odorous-water-central-city.html"])
    index = (tmp_path / "maps" / "index.html").read_text(encoding="utf-8")
    links = [unquote(h) for h in re.findall(r'href="([^"]+)"', index)]
    for p in written[:-1]:
        assert p.name in links and p.exists()
