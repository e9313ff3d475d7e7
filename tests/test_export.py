"""The QGIS export without QGIS: the GeoPackage through sqlite3 and GDAL, the QML and the
project as XML, the command line through click's CliRunner.

Expected values come from the inputs built here (counts by hand, coordinates through
pyproj) and from the style table, never from the export itself.  What QGIS makes of
the files is tested in test_export_qgis.py with real PyQGIS.
"""

from __future__ import annotations

import re
import sqlite3
import xml.etree.ElementTree as ET
import zipfile

import geopandas as gpd
import pandas as pd
import pyogrio
import pytest
import shapely
from pyproj import Transformer

from ecogis.catalogue import CATALOGUE
from ecogis.errors import CRSError, InputError, OutputExistsError
from ecogis.export import CHECK_TITLES, export_qgis
from ecogis.io import write_layers
from ecogis.layerset import load_layers
from ecogis.result import CheckResult, violations_frame
from ecogis.styles import (
    STYLES,
    WATER_CLASS_COLORS,
    style_for,
)
from tests.conftest import GK114, file_digest

X0, Y0 = 501_500.0, 3_716_000.0  # EPSG:4547 near Luohe
XSS = "<img src=x onerror=alert(1)>"
QUOTE = "O'Brien \"河\""

#: the layer_styles columns and declared types QGIS creates (GDAL's GPKG driver, QGIS 3.22 saveStyleToDatabase)
QGIS_LAYER_STYLES = [
    ("id", "INTEGER"), ("f_table_catalog", "TEXT(256)"), ("f_table_schema", "TEXT(256)"),
    ("f_table_name", "TEXT(256)"), ("f_geometry_column", "TEXT(256)"), ("styleName", "TEXT(30)"),
    ("styleQML", "TEXT"), ("styleSLD", "TEXT"), ("useAsDefault", "BOOLEAN"), ("description", "TEXT"),
    ("owner", "TEXT(30)"), ("ui", "TEXT(30)"), ("update_time", "DATETIME"),
]


def _pt(dx: float, dy: float) -> shapely.Point:
    return shapely.Point(X0 + dx, Y0 + dy)


def _box(dx: float, dy: float, w: float = 500.0) -> shapely.Polygon:
    return shapely.box(X0 + dx, Y0 + dy, X0 + dx + w, Y0 + dy + w)


def city_layers() -> dict[str, gpd.GeoDataFrame]:
    """Small real layers in EPSG:4547: every geometry family, a boolean style field,
    values outside the style's categories, NULLs, a layer mixing points and polygons."""
    return {
        "study_area": gpd.GeoDataFrame({"id": ["a"], "name": [XSS], "scope": ["中心城区"]},
                                       geometry=[shapely.box(X0, Y0, X0 + 6000, Y0 + 5000)], crs=GK114),
        "protection_zones": gpd.GeoDataFrame(
            {"id": ["z1", "z2", "z3", "z4", "z5"], "name": ["一级a", "一级b", "二级", "准", "无级别"],
             "level": ["一级", "一级", "二级", "准保护区", None]},
            geometry=[_box(0, 0), _box(600, 0), _box(1200, 0), _box(1800, 0), _box(2400, 0)], crs=GK114),
        "bus_routes": gpd.GeoDataFrame(
            {"id": ["r1", "r2", "r3"], "name": ["1路", "2路", "3路"], "bus_lane": [True, True, False]},
            geometry=[shapely.LineString([(X0, Y0 + 100 * i), (X0 + 3000, Y0 + 100 * i)]) for i in range(3)],
            crs=GK114),
        "facilities": gpd.GeoDataFrame(
            {"id": ["f1", "f2", "f3", "f4", "f5"], "name": ["厂", "排口", QUOTE, "工地1", "工地2"],
             "kind": ["enterprise", "outfall", "unknown_kind", "construction_site", "construction_site"]},
            geometry=[_pt(100, 2000), _pt(200, 2000), _pt(300, 2000), _box(3000, 3000, 100), _box(3200, 3000, 100)],
            crs=GK114),
        "rivers": gpd.GeoDataFrame({"id": ["h1"], "name": ["澧河"], "target_class": ["III"]},
                                   geometry=[shapely.LineString([(X0, Y0 + 4000), (X0 + 6000, Y0 + 4500)])],
                                   crs=GK114),
        "bus_stops": gpd.GeoDataFrame({"id": ["s1", "s2", "s3", "s4"], "name": [XSS, QUOTE, "站3", "站4"]},
                                      geometry=[_pt(500 * i, 1000) for i in range(4)], crs=GK114),
    }


def check_result() -> CheckResult:
    """A check result: violations mixing points and a polygon, and an empty layer."""
    v = violations_frame([
        {"id": "f1", "name": "厂", "rule": "HJ 338-2018 4", "detail": "in 一级", "geometry": _pt(100, 100)},
        {"id": "f2", "name": QUOTE, "rule": "r", "detail": "<b>&", "severity": "warning",
         "geometry": _pt(700, 100)},
        {"id": "z9", "name": "区", "rule": "r", "detail": "d", "geometry": _box(0, 0, 50)},
    ], crs=GK114)
    empty = gpd.GeoDataFrame({"id": pd.Series([], dtype=str)}, geometry=gpd.GeoSeries([], crs=GK114), crs=GK114)
    return CheckResult("water-sources", metrics={"n": 3}, violations=v, layers={"gaps": empty})


@pytest.fixture(scope="module")
def exported(tmp_path_factory):
    d = tmp_path_factory.mktemp("export")
    layers = city_layers()
    result = export_qgis(layers, d / "out.gpkg", results=[check_result()])
    return d, layers, result


def _tables(gpkg) -> dict[str, str]:
    with sqlite3.connect(gpkg) as con:
        return dict(con.execute("SELECT table_name, data_type FROM gpkg_contents"))


def _parse(text: str) -> ET.Element:
    assert text.startswith("<!DOCTYPE qgis PUBLIC 'http://mrcc.com/qgis.dtd' 'SYSTEM'>")
    return ET.fromstring(text)


# --- the GeoPackage ----------------------------------------------------------------------
def test_layer_styles_has_the_qgis_schema_and_one_default_style_per_layer(exported):
    d, _, result = exported
    gpkg = d / "out.gpkg"
    with sqlite3.connect(gpkg) as con:
        cols = [(r[1], r[2]) for r in con.execute("PRAGMA table_info(layer_styles)")]
        assert cols == QGIS_LAYER_STYLES
        geom_cols = dict(con.execute("SELECT table_name, column_name FROM gpkg_geometry_columns"))
        rows = con.execute(
            "SELECT f_table_catalog, f_table_schema, typeof(f_table_schema), f_table_name, f_geometry_column, "
            "styleName, styleQML, styleSLD, useAsDefault, update_time FROM layer_styles").fetchall()
        assert con.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        assert con.execute("PRAGMA application_id").fetchone()[0] == 0x47504B47
        ogr_count = dict(con.execute("SELECT table_name, feature_count FROM gpkg_ogr_contents"))
    features = {t for t, kind in _tables(gpkg).items() if kind == "features"}
    assert _tables(gpkg)["layer_styles"] == "attributes"
    # facilities and the violations are split by geometry family; the empty gaps layer stays
    assert features == {"study_area", "protection_zones", "bus_routes", "facilities_point", "facilities_polygon",
                        "rivers", "bus_stops", "water_sources__violations_point",
                        "water_sources__violations_polygon", "water_sources__gaps"}
    assert {r[3] for r in rows} == features and len(rows) == len(features)
    assert ogr_count["layer_styles"] == len(rows)
    for catalog, schema, schema_type, table, column, name, qml, sld, default, when in rows:
        assert (catalog, schema, schema_type) == ("", "", "text")  # QGIS looks up f_table_schema = ''
        assert column == geom_cols[table] == "geom"
        assert default == 1 and name == table
        assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z", when)
        root = _parse(qml)
        assert root.tag == "qgis" and root.find("renderer-v2") is not None
        assert ET.fromstring(sld.split("\n", 1)[1]).tag.endswith("StyledLayerDescriptor")
    # GDAL still reads it all
    listed = {str(n) for n, _ in pyogrio.list_layers(gpkg)}
    assert listed == features | {"layer_styles"}
    assert len(pyogrio.read_dataframe(gpkg, layer="layer_styles")) == len(rows)
    assert {l.table for l in result.layers} == features


def test_layers_are_in_cgcs2000_with_every_feature(exported):
    d, layers, _ = exported
    gpkg = d / "out.gpkg"
    to4490 = Transformer.from_crs(GK114, "EPSG:4490", always_xy=True)
    expected_counts = {"study_area": 1, "protection_zones": 5, "bus_routes": 3, "facilities_point": 3,
                       "facilities_polygon": 2, "rivers": 1, "bus_stops": 4, "water_sources__violations_point": 2,
                       "water_sources__violations_polygon": 1, "water_sources__gaps": 0}
    for table, n in expected_counts.items():
        info = pyogrio.read_info(gpkg, layer=table, force_feature_count=True)
        assert info["features"] == n, table
        assert info["crs"] == "EPSG:4490", table
    stops = pyogrio.read_dataframe(gpkg, layer="bus_stops")
    for (_, row), src in zip(stops.iterrows(), layers["bus_stops"].geometry):
        lon, lat = to4490.transform(src.x, src.y)
        assert row.geometry.x == pytest.approx(lon, abs=1e-9) and row.geometry.y == pytest.approx(lat, abs=1e-9)
    assert list(stops["name"]) == [XSS, QUOTE, "站3", "站4"]  # values are data, kept as they are
    # the empty layer declares the geometry its kind has, so QGIS opens it as a polygon layer
    assert pyogrio.read_info(gpkg, layer="water_sources__gaps")["geometry_type"] == "Polygon"
    with sqlite3.connect(gpkg) as con:
        assert con.execute("SELECT geometry_type_name FROM gpkg_geometry_columns WHERE table_name = "
                           "'water_sources__gaps'").fetchone()[0] == "POLYGON"
    # booleans stay booleans (QGIS reads them as true/false)
    routes = pyogrio.read_info(gpkg, layer="bus_routes")
    assert dict(zip(routes["fields"], routes["dtypes"]))["bus_lane"] == "bool"


def test_layer_styles_qml_follows_the_style_table(exported):
    d, _, _ = exported
    with sqlite3.connect(d / "out.gpkg") as con:
        qml = dict(con.execute("SELECT f_table_name, styleQML FROM layer_styles"))

    def rgba(hex_color: str, alpha: float) -> str:
        return ",".join(str(int(hex_color[i:i + 2], 16)) for i in (1, 3, 5)) + f",{round(alpha * 255)}"

    zones = _parse(qml["protection_zones"]).find("renderer-v2")
    assert zones.get("type") == "categorizedSymbol" and zones.get("attr") == "level"
    cats = zones.findall("categories/category")
    assert [(c.get("value"), c.get("label")) for c in cats] == [
        ("一级", "一级保护区"), ("二级", "二级保护区"), ("准保护区", "准保护区"), ("", "其他")]
    symbols = {s.get("name"): s for s in zones.findall("symbols/symbol")}
    for c, expected in zip(cats, [*style_for("protection_zones").categories, None]):
        sym = expected.symbol if expected else style_for("protection_zones").default
        s = symbols[c.get("symbol")]
        assert s.get("type") == "fill"
        fill, outline = s.findall("layer")
        assert fill.get("class") == "SimpleFill" and outline.get("class") == "SimpleLine"
        opts = {o.get("name"): o.get("value") for o in fill.find("Option")}
        assert opts["color"] == rgba(sym.fill_color, sym.fill_opacity)
        line = {o.get("name"): o.get("value") for o in outline.find("Option")}
        assert line["line_color"] == rgba(sym.color, 1.0) and float(line["line_width"]) == sym.weight
    # rivers: categorized lines on the target class, GB 3838 colours
    rivers = _parse(qml["rivers"]).find("renderer-v2")
    assert [c.get("value") for c in rivers.findall("categories/category")] == ["I", "II", "III", "IV", "V", "劣V", ""]
    line = {o.get("name"): o.get("value") for o in rivers.find("symbols/symbol[@name='2']/layer/Option")}
    assert line["line_color"] == rgba(WATER_CLASS_COLORS["III"], 1.0)
    # booleans: QGIS matches the text of the value, 'true' / 'false'
    routes = _parse(qml["bus_routes"]).find("renderer-v2")
    assert [c.get("value") for c in routes.findall("categories/category")] == ["true", "false", ""]
    # single symbol where the style has no field; marker sizes are the maps' radius x 2 px
    stops = _parse(qml["bus_stops"]).find("renderer-v2")
    assert stops.get("type") == "singleSymbol"
    marker = {o.get("name"): o.get("value") for o in stops.find("symbols/symbol/layer/Option")}
    assert float(marker["size"]) == 2 * style_for("bus_stops").default.radius and marker["size_unit"] == "Pixel"
    # Chinese field aliases and the label field
    root = _parse(qml["protection_zones"])
    aliases = {a.get("field"): a.get("name") for a in root.findall("aliases/alias")}
    assert aliases["level"] == CATALOGUE["protection_zones"].field("level").label("zh")
    assert aliases["name"] == "名称"
    assert root.find("labeling/settings/text-style").get("fieldName") == "name"
    assert root.get("labelsEnabled") == "0"


def _project(text: str) -> ET.Element:
    return _parse(text)


def test_qgs_uses_relative_paths_and_cgcs2000(exported):
    d, _, result = exported
    text = (d / "out.qgs").read_text(encoding="utf-8")
    assert str(d) not in text  # nothing absolute
    root = _project(text)
    tables = {l.table for l in result.layers}
    sources = [e.text for e in root.iter("datasource")]
    assert sorted(sources) == sorted(f"./out.gpkg|layername={t}" for t in tables)
    assert sorted(e.get("source") for e in root.iter("layer-tree-layer")) == sorted(sources)
    assert root.find("properties/Paths/Absolute").text == "false"
    assert root.find("projectCrs/spatialrefsys/authid").text == "EPSG:4490"
    assert {e.text for e in root.iter("authid")} == {"EPSG:4490"}
    assert root.find("properties/SpatialRefSys/ProjectionsEnabled").text == "1"
    assert root.find("properties/Measure/Ellipsoid").text == "EPSG:1024"


def test_project_embeds_the_same_style_as_layer_styles(exported):
    d, _, _result = exported
    root = _project((d / "out.qgs").read_text(encoding="utf-8"))
    with sqlite3.connect(d / "out.gpkg") as con:
        qml = dict(con.execute("SELECT f_table_name, styleQML FROM layer_styles"))
    for ml in root.iter("maplayer"):
        table = ml.find("datasource").text.split("layername=")[1]
        in_project = ET.tostring(ml.find("renderer-v2"))
        in_gpkg = ET.tostring(_parse(qml[table]).find("renderer-v2"))
        assert re.sub(rb"\s+", b" ", in_project) == re.sub(rb"\s+", b" ", in_gpkg), table


def test_layer_tree_and_draw_order_follow_the_maps(exported):
    d, _, result = exported
    root = _project((d / "out.qgs").read_text(encoding="utf-8"))
    tree = root.find("layer-tree-group")
    top = [g.get("name") for g in tree.findall("layer-tree-group")]
    # groups present, in GROUP_ORDER; the check results first, one group per check
    assert top == ["核查结果", "水环境", "交通", "基础"]
    assert [g.get("name") for g in tree.find("layer-tree-group").findall("layer-tree-group")] == \
        [f"{CHECK_TITLES['water-sources'][0]} (water-sources)"]
    # inside a group: the maps' legend order, highest style.order on top
    water = [e.get("source").split("=")[1] for e in tree.findall("layer-tree-group")[1].findall("layer-tree-layer")]
    assert water == ["facilities_point", "facilities_polygon", "rivers", "protection_zones"]  # 70, 70, 50, 45
    transport = [e.get("source").split("=")[1] for e in tree.findall("layer-tree-group")[2].findall("layer-tree-layer")]
    assert transport == ["bus_stops", "bus_routes"]  # 90, 30
    # drawing order: style.order from the top across groups, as the maps draw
    order = {l.table: STYLES[l.style].order for l in result.layers}
    ids = {l.layer_id: l.table for l in result.layers}
    custom = tree.find("custom-order")
    assert custom.get("enabled") == "1"
    drawn = [ids[i.text] for i in custom.findall("item")]
    assert [order[t] for t in drawn] == sorted(order.values(), reverse=True)
    assert drawn[:2] == ["water_sources__violations_point", "water_sources__violations_polygon"]  # 99
    assert drawn[-1] == "study_area"  # 10
    assert drawn == result.draw_order
    # the layer names are the Chinese titles
    names = {ml.find("datasource").text.split("=")[1]: ml.find("layername").text for ml in root.iter("maplayer")}
    assert names["protection_zones"] == "饮用水水源保护区"
    assert names["facilities_polygon"] == "设施与污染源 (面)"
    assert names["water_sources__violations_point"] == "违规 (点)"


def test_qgz_is_a_zip_holding_the_project(tmp_path):
    result = export_qgis(city_layers(), tmp_path / "城市.gpkg", project="qgz", lang="en")
    assert result.project == tmp_path / "城市.qgz"
    with zipfile.ZipFile(result.project) as zf:
        assert zf.namelist() == ["城市.qgs"]
        text = zf.read("城市.qgs").decode("utf-8")
    root = _project(text)
    assert {e.text.split("|")[0] for e in root.iter("datasource")} == {"./城市.gpkg"}
    assert [g.get("name") for g in root.find("layer-tree-group").findall("layer-tree-group")] == \
        ["Water", "Transport", "Base layers"]
    titles = {e.text for e in root.iter("layername")}
    assert {"Drinking-water protection zones", "Facilities (points)", "Bus stops"} <= titles
    labels = [c.get("label") for c in root.iter("category")]
    assert "Grade I zone" in labels and "Other" in labels


# --- safety ---------------------------------------------------------------------------------
def test_refuses_to_overwrite_and_leaves_the_files_alone(tmp_path):
    layers = city_layers()
    out = tmp_path / "out.gpkg"
    export_qgis(layers, out)
    before = file_digest(tmp_path)
    with pytest.raises(OutputExistsError, match="overwrite"):
        export_qgis(layers, out)
    assert file_digest(tmp_path) == before
    # only the project exists: refused before the GeoPackage is written
    (tmp_path / "p").mkdir()
    (tmp_path / "p" / "x.qgs").write_text("mine")
    with pytest.raises(OutputExistsError, match="x.qgs"):
        export_qgis(layers, tmp_path / "p" / "x.gpkg")
    assert sorted(p.name for p in (tmp_path / "p").iterdir()) == ["x.qgs"]
    # overwrite=True replaces both
    r = export_qgis({"bus_stops": layers["bus_stops"]}, out, overwrite=True)
    assert [l.table for l in r.layers] == ["bus_stops"]
    assert set(_tables(out)) == {"bus_stops", "layer_styles"}
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".")]  # no temporary files left


def test_inputs_are_not_modified(tmp_path):
    src_dir = tmp_path / "in"
    src_dir.mkdir()
    write_layers(city_layers(), src_dir / "city.gpkg")
    digest = file_digest(src_dir)
    ls = load_layers(src_dir)
    frames = {k: v.copy() for k, v in ls.vectors.items()}
    result = check_result()
    viol = result.violations.copy()
    export_qgis(ls, tmp_path / "out" / "city_qgis.gpkg", results=[result])
    assert file_digest(src_dir) == digest
    for k, v in ls.vectors.items():
        pd.testing.assert_frame_equal(pd.DataFrame(v), pd.DataFrame(frames[k]))
        assert v.crs == frames[k].crs
    pd.testing.assert_frame_equal(pd.DataFrame(result.violations), pd.DataFrame(viol))
    assert result.violations.crs.to_epsg() == 4547
    with pytest.raises(InputError, match="one of the inputs"):
        export_qgis(ls, src_dir / "city.gpkg", overwrite=True)
    assert file_digest(src_dir) == digest


def test_bad_arguments_are_refused_with_every_problem(tmp_path):
    layers = city_layers()
    with pytest.raises(InputError, match=r"'\.gpkg'"):
        export_qgis(layers, tmp_path / "out.shp")
    with pytest.raises(InputError, match="'qgs', 'qgz'"):
        export_qgis(layers, tmp_path / "out.gpkg", project="qgd")
    with pytest.raises(InputError, match="lang"):
        export_qgis(layers, tmp_path / "out.gpkg", lang="fr")
    no_crs = {k: v.set_crs(None, allow_override=True) for k, v in list(layers.items())[:2]}
    with pytest.raises(CRSError) as err:
        export_qgis(no_crs, tmp_path / "out.gpkg")
    assert "study_area" in str(err.value) and "protection_zones" in str(err.value)
    with pytest.raises(InputError, match="GeoDataFrame"):
        export_qgis({"bus_stops": "stops.shp"}, tmp_path / "out.gpkg")
    assert not list(tmp_path.iterdir())


# --- the command line -------------------------------------------------------------------------
