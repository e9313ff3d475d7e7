"""The QGIS export without QGIS: the GeoPackage through sqlite3 and GDAL, the GeoTIFFs
through rasterio, the QML and the project as XML.

Expected values come from the inputs built here (counts by hand, coordinates through
pyproj, a linear surface evaluated analytically, inverse distance weighting by brute
force and bilinear interpolation by scipy) and from the style table, never from the
export itself.  What QGIS makes of the files is tested in test_export_qgis.py with
real PyQGIS.
"""

from __future__ import annotations

import math
import re
import sqlite3
import xml.etree.ElementTree as ET
import zipfile

import geopandas as gpd
import numpy as np
import pandas as pd
import pyogrio
import pytest
import rasterio
import shapely
from affine import Affine
from pyproj import Transformer
from scipy.interpolate import RegularGridInterpolator

from ecogis.catalogue import CATALOGUE
from ecogis.errors import CRSError, InputError, OutputExistsError
from ecogis.export import CHECK_TITLES, export_qgis, output_paths, project_tree
from ecogis.io import write_layers
from ecogis.layerset import LayerSet, load_layers
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
        assert line["line_color"] == rgba(sym.color, 1.0) and float(line["line_width"]) == pytest.approx(sym.weight * 25.4 / 96, abs=5e-4)
    # rivers: categorized lines on the target class, GB 3838 colours
    rivers = _parse(qml["rivers"]).find("renderer-v2")
    assert [c.get("value") for c in rivers.findall("categories/category")] == ["I", "II", "III", "IV", "V", "劣V", ""]
    line = {o.get("name"): o.get("value") for o in rivers.find("symbols/symbol[@name='2']/layer/Option")}
    assert line["line_color"] == rgba(WATER_CLASS_COLORS["III"], 1.0)
    # booleans: QGIS matches the text of the value, 'true' / 'false'
    routes = _parse(qml["bus_routes"]).find("renderer-v2")
    assert [c.get("value") for c in routes.findall("categories/category")] == ["true", "false", ""]
    # single symbol where the style has no field; marker sizes are the maps' radius x 2 px, in mm at 96 dpi
    stops = _parse(qml["bus_stops"]).find("renderer-v2")
    assert stops.get("type") == "singleSymbol"
    marker = {o.get("name"): o.get("value") for o in stops.find("symbols/symbol/layer/Option")}
    px = 2 * style_for("bus_stops").default.radius
    assert float(marker["size"]) == pytest.approx(px * 25.4 / 96, abs=5e-4) and marker["size_unit"] == "MM"
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
    assert sorted(e.get("source") for e in root.find("layer-tree-group").iter("layer-tree-layer")) == sorted(sources)
    assert root.find("properties/Paths/Absolute").text == "false"
    # the project (and its canvas) in the Gauss-Kruger zone of the data, every layer in EPSG:4490
    assert root.find("projectCrs/spatialrefsys/authid").text == "EPSG:4547"
    assert root.find("mapcanvas/destinationsrs/spatialrefsys/authid").text == "EPSG:4547"
    assert root.find("mapcanvas/units").text == "meters"
    assert {e.text for e in root.iter("authid")} == {"EPSG:4490", "EPSG:4547"}  # nothing else
    assert {m.text for m in root.findall("Layouts/Layout/LayoutItem/crs/spatialrefsys/authid")} == {"EPSG:4547"}
    assert {ml.find("srs/spatialrefsys/authid").text for ml in root.iter("maplayer")} == {"EPSG:4490"}
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


# --- rasters ----------------------------------------------------------------------------------
NODATA = -9999.0
#: the ColorBrewer ramps the rasters must be drawn with (YlOrRd; RdYlGn reversed), low to high
YLORRD = ["#ffffb2", "#fecc5c", "#fd8d3c", "#f03b20", "#bd0026"]
GNYLRD = ["#1a9641", "#a6d96a", "#ffffbf", "#fdae61", "#d7191c"]
#: the linear pollutant surface: z = A + BX * (x - X0) + BY * (y - Y0), µg/m3 (x, y in EPSG:4547 metres)
A, BX, BY = 20.0, 0.004, 0.002
SURFACE_ORIGIN = (X0 - 1000.0, Y0 + 6000.0)  # top-left corner, 70 x 80 cells of 100 m
STATIONS = [(1200.0, 900.0, 31.0), (4700.0, 1600.0, 47.5), (2600.0, 4100.0, 39.0)]  # dx, dy, PM2.5


def population_array() -> np.ndarray:
    """30 x 40 cells of persons, a 3 x 5 block of nodata, float32 as WorldPop writes them."""
    rows, cols = np.mgrid[0:30, 0:40]
    counts = ((rows * 7 + cols * 3) % 50 + 0.25 * (rows % 4)).astype("float32")
    counts[0:3, 0:5] = NODATA
    return counts


def write_tif(path, array, transform, crs="EPSG:4547", nodata=NODATA, count=1):
    path.parent.mkdir(parents=True, exist_ok=True)
    with rasterio.open(path, "w", driver="GTiff", width=array.shape[1], height=array.shape[0], count=count,
                       dtype=array.dtype.name, crs=crs, transform=transform, nodata=nodata) as dst:
        for b in range(1, count + 1):
            dst.write(array, b)
    return path


def population_tif(path):
    return write_tif(path, population_array(), Affine(100.0, 0, X0 - 500.0, 0, -100.0, Y0 + 5500.0))


def surface_tif(path):
    x0, y1 = SURFACE_ORIGIN
    rows, cols = np.mgrid[0:80, 0:70]
    x, y = x0 + (cols + 0.5) * 100.0, y1 - (rows + 0.5) * 100.0
    z = (A + BX * (x - X0) + BY * (y - Y0)).astype("float32")
    z[60:, 50:] = NODATA  # a 20 x 20 hole in the south-east corner
    return write_tif(path, z, Affine(100.0, 0, x0, 0, -100.0, y1))


def stations() -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame({"id": ["a", "b", "c"], "name": ["站a", "站b", "站c"],
                             "pm25_ugm3": [v for _, _, v in STATIONS]},
                            geometry=[_pt(dx, dy) for dx, dy, _ in STATIONS], crs=GK114)


def air_result(**kwargs) -> CheckResult:
    from ecogis.air import air_quality

    area = city_layers()["study_area"]  # the 中心城区 of the layer set, as the audit passes it
    return air_quality(stations(), area=kwargs.pop("area", area), targets={"pm25_ugm3": 40.0}, **kwargs)


def brute_force_idw(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """Shepard's IDW, power 2, over the three stations (the formula of ecogis.air's docstring)."""
    num = np.zeros_like(x)
    den = np.zeros_like(x)
    for dx, dy, v in STATIONS:
        w = 1.0 / ((x - X0 - dx) ** 2 + (y - Y0 - dy) ** 2)
        num += w * v
        den += w
    return num / den


def raster_layerset(root) -> LayerSet:
    return LayerSet(vectors=city_layers(), root=root, name="city",
                    rasters={"population": population_tif(root / "population.tif"),
                             "pollutant_surface": surface_tif(root / "pollutant_surface.tif")})


@pytest.fixture(scope="module")
def raster_export(tmp_path_factory):
    d = tmp_path_factory.mktemp("rasters")
    ls = raster_layerset(d / "in")
    from_file = air_result(surface_path=d / "check" / "pm25.tif")  # the check wrote its surface
    results = {"water-sources": check_result(), "air": air_result(), "air_file": from_file}
    digest = file_digest(d / "in")
    out = export_qgis(ls, d / "out" / "city.gpkg", results=results)
    assert file_digest(d / "in") == digest  # inputs untouched
    return d, out


def read_valid(path) -> tuple[np.ndarray, np.ndarray, dict]:
    """Values, validity mask (not nodata, finite) and profile of a single-band GeoTIFF."""
    with rasterio.open(path) as src:
        a = src.read(1).astype(float)
        profile = dict(src.profile) | {"crs_epsg": src.crs.to_epsg(), "bounds": src.bounds}
    valid = np.isfinite(a) & (a != profile["nodata"])
    return a, valid, profile


def centres(profile) -> tuple[np.ndarray, np.ndarray]:
    t = profile["transform"]
    rows, cols = np.mgrid[0:profile["height"], 0:profile["width"]]
    return t.c + (cols + 0.5) * t.a, t.f + (rows + 0.5) * t.e


def test_rasters_are_compressed_tiled_geotiffs_beside_the_gpkg(raster_export):
    d, out = raster_export
    rdir = d / "out" / "city_rasters"
    names = ["population", "pollutant_surface", "air__pm25_surface", "air_file__pm25_surface"]
    assert sorted(p.name for p in rdir.iterdir()) == sorted(f"{n}.{ext}" for n in names for ext in ("tif", "qml"))
    assert sorted(r.name for r in out.rasters) == sorted(names)
    assert {r.path for r in out.rasters} == {rdir / f"{n}.tif" for n in names}
    for n in names:
        with rasterio.open(rdir / f"{n}.tif") as src:
            assert src.driver == "GTiff" and src.count == 1
            assert src.profile["compress"] == "deflate" and src.profile["tiled"]
            assert src.block_shapes == [(256, 256)]
    assert not [p for p in (d / "out").rglob(".*")]  # no temporary files left
    sizes = out.sizes()
    assert sizes["city_rasters/population.tif"] == (rdir / "population.tif").stat().st_size
    assert set(sizes) == {"city.gpkg", "city.qgs"} | {f"city_rasters/{n}.{e}" for n in names for e in ("tif", "qml")}


def test_population_keeps_its_grid_crs_and_every_count(raster_export):
    d, out = raster_export
    src = population_array()
    a, valid, profile = read_valid(d / "out" / "city_rasters" / "population.tif")
    assert profile["crs_epsg"] == 4547
    assert profile["transform"] == Affine(100.0, 0, X0 - 500.0, 0, -100.0, Y0 + 5500.0)
    assert (profile["width"], profile["height"]) == (40, 30) and profile["nodata"] == NODATA
    assert np.array_equal(a, src.astype(float))  # cell for cell
    expected_total = float(np.sum(src[src != NODATA], dtype=np.float64))
    assert valid.sum() == 30 * 40 - 15
    assert a[valid].sum() == pytest.approx(expected_total, rel=1e-12)
    pop = next(r for r in out.rasters if r.name == "population")
    assert pop.total == pytest.approx(expected_total, rel=1e-12) and pop.valid_cells == 1185
    assert (pop.crs, pop.resampling, pop.group) == ("EPSG:4547", "none", ("基础",))


def test_pollutant_surface_is_bilinear_in_cgcs2000(raster_export):
    d, out = raster_export
    a, valid, profile = read_valid(d / "out" / "city_rasters" / "pollutant_surface.tif")
    assert profile["crs_epsg"] == 4490 and profile["dtype"] == "float32"
    lon, lat = centres(profile)
    x, y = Transformer.from_crs("EPSG:4490", GK114, always_xy=True).transform(lon, lat)
    x0, y1 = SURFACE_ORIGIN
    # a linear function is reproduced exactly by bilinear interpolation between source cell centres,
    # away from the edge and from the nodata hole (whose rim GDAL renormalises)
    hole_x, hole_y = x0 + 5000.0, y1 - 6000.0
    inner = (x > x0 + 50) & (x < x0 + 6950) & (y > y1 - 7950) & (y < y1 - 50) & \
        ~((x > hole_x - 150) & (y < hole_y + 150))
    assert inner.sum() > 0.8 * valid.sum() > 3000
    assert valid[inner].all()
    expected = A + BX * (x - X0) + BY * (y - Y0)
    # GDAL warps through its approximate transformer (source positions within 1/8 cell, 12.5 m)
    assert np.abs(a[inner] - expected[inner]).max() < 12.5 * np.hypot(BX, BY)
    assert np.abs(a[inner] - expected[inner]).mean() < 0.1 * 12.5 * np.hypot(BX, BY)
    # cells of about the source's 100 m on the ground both ways (not square in degrees)
    t = profile["transform"]
    geod_x, geod_y = Transformer.from_crs("EPSG:4490", GK114, always_xy=True).transform(
        [t.c, t.c + t.a, t.c], [t.f, t.f, t.f + t.e])
    assert np.hypot(geod_x[1] - geod_x[0], geod_y[1] - geod_y[0]) == pytest.approx(100.0, abs=1.0)
    assert np.hypot(geod_x[2] - geod_x[0], geod_y[2] - geod_y[0]) == pytest.approx(100.0, abs=1.0)
    # nothing beyond the source, nothing inside the hole
    assert ((x[valid] > x0 - 100) & (x[valid] < x0 + 7100) & (y[valid] > y1 - 8100) & (y[valid] < y1 + 100)).all()
    deep_hole = (x > hole_x + 150) & (x < x0 + 6900) & (y < hole_y - 150) & (y > y1 - 7900)
    assert deep_hole.sum() > 100 and not valid[deep_hole].any()
    r = next(r for r in out.rasters if r.name == "pollutant_surface")
    assert (r.crs, r.resampling, r.group) == ("EPSG:4490", "bilinear", ("大气",))


def test_air_surface_is_the_checks_idw_surface_in_cgcs2000(raster_export):
    d, out = raster_export
    a, valid, profile = read_valid(d / "out" / "city_rasters" / "air__pm25_surface.tif")
    assert profile["crs_epsg"] == 4490
    # the check's grid: 100 m cells snapped to the study area (X0..X0+6000, Y0..Y0+5000), IDW at centres
    xs = X0 + 50.0 + 100.0 * np.arange(60)
    ys = Y0 + 50.0 + 100.0 * np.arange(50)
    gx, gy = np.meshgrid(xs, ys)
    grid = brute_force_idw(gx, gy)
    lon, lat = centres(profile)
    x, y = Transformer.from_crs("EPSG:4490", GK114, always_xy=True).transform(lon, lat)
    inner = (x > xs[0]) & (x < xs[-1]) & (y > ys[0]) & (y < ys[-1])
    assert inner.sum() > 0.9 * valid.sum() > 2500 and valid[inner].all()
    expected = RegularGridInterpolator((ys, xs), grid, method="linear")(np.column_stack([y[inner], x[inner]]))
    # within what GDAL's approximate transformer allows (1/8 cell, 12.5 m) on the steepest slope
    slope = np.hypot(*np.gradient(grid, 100.0)).max()
    assert np.abs(a[inner] - expected).max() < 12.5 * slope
    assert np.median(np.abs(a[inner] - expected)) < 0.1 * 12.5 * slope
    values = [v for _, _, v in STATIONS]
    assert min(values) <= a[valid].min() and a[valid].max() <= max(values)
    # with or without surface_path=, the export writes the grid the result carries: the same surface
    b, bvalid, _ = read_valid(d / "out" / "city_rasters" / "air_file__pm25_surface.tif")
    assert np.array_equal(valid, bvalid) and np.array_equal(a[valid], b[bvalid])
    air = next(r for r in out.rasters if r.name == "air__pm25_surface")
    assert air.group == ("核查结果", f"{CHECK_TITLES['air'][0]} (air)") and air.check == "air"
    assert not out.skipped


def _ramp(qml_root: ET.Element) -> tuple[ET.Element, ET.Element, list[ET.Element]]:
    rr = qml_root.find("pipe/rasterrenderer")
    shader = rr.find("rastershader/colorrampshader")
    return rr, shader, shader.findall("item")


def test_sidecar_qml_ramp_spans_the_valid_cells(raster_export):
    d, _out = raster_export
    rdir = d / "out" / "city_rasters"
    project = _project((d / "out" / "city.qgs").read_text(encoding="utf-8"))
    pipes = {ml.find("datasource").text: ml.find("pipe") for ml in project.iter("maplayer")
             if ml.get("type") == "raster"}
    ramps = {"population": YLORRD, "pollutant_surface": GNYLRD, "air__pm25_surface": GNYLRD,
             "air_file__pm25_surface": GNYLRD}
    for name, colors in ramps.items():
        a, valid, _ = read_valid(rdir / f"{name}.tif")
        lo, hi = float(np.nanmin(a[valid])), float(np.nanmax(a[valid]))
        root = _parse((rdir / f"{name}.qml").read_text(encoding="utf-8"))
        assert root.tag == "qgis"
        rr, shader, items = _ramp(root)
        assert rr.get("type") == "singlebandpseudocolor" and rr.get("band") == "1"
        assert float(rr.get("classificationMin")) == lo and float(rr.get("classificationMax")) == hi, name
        assert float(shader.get("minimumValue")) == lo and float(shader.get("maximumValue")) == hi
        assert shader.get("colorRampType") == "INTERPOLATED"
        assert rr.find("minMaxOrigin/limits").text == "None"  # user-defined: QGIS keeps these values
        assert [i.get("color") for i in items] == colors
        values = [float(i.get("value")) for i in items]
        assert values[0] == lo and values[-1] == hi and values == sorted(values)
        # the project draws the layer with the same pipe as the sidecar
        assert re.sub(r"\s+", " ", ET.tostring(pipes[f"./city_rasters/{name}.tif"], encoding="unicode")) == \
            re.sub(r"\s+", " ", ET.tostring(root.find("pipe"), encoding="unicode"))
    # green (low) to red (high) for PM2.5; yellow to red for population
    rgb = [tuple(int(c[i:i + 2], 16) for i in (1, 3, 5)) for c in (GNYLRD[0], GNYLRD[-1])]
    assert rgb[0][1] > rgb[0][0] and rgb[1][0] > rgb[1][1]


def test_project_holds_rasters_with_relative_paths_under_the_vectors(raster_export):
    d, out = raster_export
    text = (d / "out" / "city.qgs").read_text(encoding="utf-8")
    assert str(d) not in text
    root = _project(text)
    rasters = {ml.find("datasource").text: ml for ml in root.iter("maplayer") if ml.get("type") == "raster"}
    expected_crs = {"population": "EPSG:4547", "pollutant_surface": "EPSG:4490", "air__pm25_surface": "EPSG:4490",
                    "air_file__pm25_surface": "EPSG:4490"}
    assert set(rasters) == {f"./city_rasters/{n}.tif" for n in expected_crs}
    for n, crs in expected_crs.items():
        ml = rasters[f"./city_rasters/{n}.tif"]
        assert ml.find("provider").text == "gdal"
        assert ml.find("srs/spatialrefsys/authid").text == crs
    tree = root.find("layer-tree-group")
    groups = {g.get("name"): g for g in tree.findall("layer-tree-group")}
    assert list(groups) == ["核查结果", "水环境", "大气", "交通", "基础"]

    def sources(group):
        return [e.get("source") for e in group.findall("layer-tree-layer")]

    assert sources(groups["基础"])[-1] == "./city_rasters/population.tif"  # under the study area
    assert sources(groups["大气"]) == ["./city_rasters/pollutant_surface.tif"]
    air_group = groups["核查结果"].find(f"layer-tree-group[@name='{CHECK_TITLES['air'][0]} (air)']")
    assert sources(air_group)[-1] == "./city_rasters/air__pm25_surface.tif"
    assert all(e.get("providerKey") == "gdal" for e in tree.iter("layer-tree-layer") if "city_rasters" in
               e.get("source"))
    # drawing order: every vector above every raster; population at the very bottom
    raster_ids = {r.layer_id for r in out.rasters}
    drawn = [i.text for i in tree.find("custom-order").findall("item")]
    assert set(drawn[-4:]) == raster_ids and drawn[-1] == next(r.layer_id for r in out.rasters
                                                               if r.name == "population")
    assert [l.get("id") for l in root.find("layerorder")] == drawn
    assert out.draw_order[-1] == "city_rasters/population.tif"
    nodes = [c for g in project_tree(out) if g["group"] == "基础" for c in g["children"]]
    assert nodes[-1] == {"layer": "人口栅格", "raster": "city_rasters/population.tif"}


def test_air_surface_masked_by_an_area_the_export_does_not_know_is_exported_as_computed(tmp_path):
    # masked with an area that is neither the layer set's study area nor the stations' extent: the export
    # used to re-run the interpolation, guess the mask and skip it; now it writes the result's own grid
    r = air_result(area=gpd.GeoDataFrame(geometry=[_box(1000, 500, 3000)], crs=GK114))
    surface = r.rasters["pm25_surface"]
    out = export_qgis(city_layers(), tmp_path / "x.gpkg", results=[r])
    assert not out.skipped and [p.name for p in out.paths[2:]] == ["air__pm25_surface.tif", "air__pm25_surface.qml"]
    air = out.rasters[0]
    assert air.title == "PM2.5 年均浓度面 (IDW)" and air.resampling == "bilinear" and air.crs == "EPSG:4490"
    # the grid the check computed: 30 x 30 cells of 100 m over the box, IDW at the centres (brute force)
    xs = X0 + 1000.0 + 50.0 + 100.0 * np.arange(30)
    ys = Y0 + 500.0 + 3000.0 - 50.0 - 100.0 * np.arange(30)
    gx, gy = np.meshgrid(xs, ys)
    assert surface.shape == (30, 30) and surface.crs.to_epsg() == 4547
    np.testing.assert_allclose(surface.array, brute_force_idw(gx, gy), rtol=1e-12)
    a, valid, _ = read_valid(tmp_path / "x_rasters" / "air__pm25_surface.tif")
    inside = surface.array[np.isfinite(surface.array)]
    assert inside.min() - 1e-4 <= a[valid].min() and a[valid].max() <= inside.max() + 1e-4


def test_raster_outputs_refuse_to_overwrite_before_anything_is_written(tmp_path):
    ls = LayerSet(vectors={"bus_stops": city_layers()["bus_stops"]},
                  rasters={"population": population_tif(tmp_path / "in" / "population.tif")})
    out = tmp_path / "out" / "p.gpkg"
    assert output_paths(ls, out) == [out, out.with_suffix(".qgs"), tmp_path / "out" / "p_rasters" / "population.tif",
                                     tmp_path / "out" / "p_rasters" / "population.qml"]
    export_qgis(ls, out)
    out.unlink()
    out.with_suffix(".qgs").unlink()
    before = file_digest(tmp_path)
    with pytest.raises(OutputExistsError, match="population.tif"):
        export_qgis(ls, out)
    assert file_digest(tmp_path) == before and not out.exists()  # refused before the GeoPackage was written
    (tmp_path / "out" / "p_rasters" / "population.tif").unlink()  # the style alone blocks too
    with pytest.raises(OutputExistsError, match="population.qml"):
        export_qgis(ls, out)
    r = export_qgis(ls, out, overwrite=True)
    assert [p.name for p in r.paths] == ["p.gpkg", "p.qgs", "population.tif", "population.qml"]
    assert not [p for p in (tmp_path / "out").rglob(".*")]


def test_bad_rasters_are_refused_before_anything_is_written(tmp_path):
    stops = {"bus_stops": city_layers()["bus_stops"]}
    no_crs = write_tif(tmp_path / "in" / "a.tif", population_array(), Affine(100.0, 0, X0, 0, -100.0, Y0), crs=None)
    with pytest.raises(CRSError, match="no CRS"):
        export_qgis(LayerSet(vectors=stops, rasters={"population": no_crs}), tmp_path / "o" / "a.gpkg")
    two = write_tif(tmp_path / "in" / "b.tif", population_array(), Affine(100.0, 0, X0, 0, -100.0, Y0), count=2)
    with pytest.raises(InputError, match="2 bands"):
        export_qgis(LayerSet(vectors=stops, rasters={"population": two}), tmp_path / "o" / "b.gpkg")
    assert not (tmp_path / "o").exists()
    # a raster that would be overwritten by its own export
    own = population_tif(tmp_path / "o" / "c_rasters" / "population.tif")
    with pytest.raises(InputError, match="one of the inputs"):
        export_qgis(LayerSet(vectors=stops, rasters={"population": own}), tmp_path / "o" / "c.gpkg", overwrite=True)
    assert sorted(p.name for p in (tmp_path / "o").rglob("*")) == ["c_rasters", "population.tif"]


def test_publishing_reads_results_and_specs_and_runs_no_check():
    # ecogis.publish imports no check engine nor the audit: it can only write what a CheckResult holds
    import ast
    import pathlib

    import ecogis.export
    import ecogis.publish

    engines = {"ecogis.air", "ecogis.audit", "ecogis.coverage", "ecogis.discs", "ecogis.ecology", "ecogis.network",
               "ecogis.population", "ecogis.water", "ecogis.maps", "ecogis.report"}
    found = {}
    for f in pathlib.Path(ecogis.publish.__file__).parent.glob("*.py"):
        for node in ast.walk(ast.parse(f.read_text(encoding="utf-8"))):
            mods = [a.name for a in node.names] if isinstance(node, ast.Import) else \
                [node.module] if isinstance(node, ast.ImportFrom) and node.module else []
            for m in mods:
                if any(m == e or m.startswith(e + ".") for e in engines):
                    found.setdefault(f.name, []).append(m)
    assert found == {}
    # the facade re-exports the same objects
    assert ecogis.export.__all__ == ecogis.publish.__all__
    assert all(getattr(ecogis.export, n) is getattr(ecogis.publish, n) for n in ecogis.export.__all__)


# --- project CRS, layouts without QGIS ------------------------------------------------------
@pytest.mark.parametrize("bounds,epsg", [
    ((113.7, 33.4, 114.3, 33.8), 4547),   # Luohe: CM 114E
    ((87.3, 43.6, 87.9, 44.0), 4538),     # Urumqi: CM 87E
    ((75.8, 39.3, 76.1, 39.6), 4534),     # Kashgar: CM 75E, the westernmost zone
    ((134.2, 47.5, 134.8, 48.0), 4554),   # Fuyuan: CM 135E, the easternmost
    ((116.2, 39.8, 116.6, 40.1), 4548),   # Beijing: 116.4E is nearer CM 117E than 114E
])
def test_project_crs_is_the_zone_of_the_centre(bounds, epsg):
    from pyproj import CRS

    from ecogis.publish import project_crs

    lon = (bounds[0] + bounds[2]) / 2
    crs, notes = project_crs(bounds)
    cm = int(re.search(r"CM (\d+)E", CRS.from_epsg(epsg).name).group(1))  # from PROJ's database
    assert crs.to_epsg() == epsg
    assert abs(lon - cm) <= 1.5 + 1e-9  # within its zone
    assert notes == []


def test_project_crs_notes_data_beyond_the_zone_and_outside_china():
    from ecogis.publish import project_crs

    crs, notes = project_crs((112.0, 33.0, 116.2, 34.0))  # centre 114.1E: CM 114E, reaching 2.2 degrees
    assert crs.to_epsg() == 4547 and len(notes) == 1
    k = 1 + (math.radians(2.2) * math.cos(math.radians(33.0))) ** 2 / 2  # TM scale at 2.2 degrees, 33N
    assert f"{(k - 1) * 100:.2f}% too long" in notes[0]
    crs, notes = project_crs((2.2, 48.8, 2.5, 48.9))  # Paris
    assert crs.to_epsg() == 4490 and "outside China's 3-degree Gauss-Kruger zones" in notes[0]


def test_pdf_without_pyqgis_is_a_clear_error_before_any_work(tmp_path, monkeypatch):
    from click.testing import CliRunner

    from ecogis.cli.main import cli
    from ecogis.errors import QGISUnavailableError

    monkeypatch.setenv("ECOGIS_QGIS_PYTHON", str(tmp_path / "no-python"))
    out = tmp_path / "out" / "luohe.gpkg"
    r = CliRunner().invoke(cli, ["-q", "export", "qgis", str(out), "--pdf"])
    assert r.exit_code == QGISUnavailableError.exit_code == 5, r.output
    assert "PyQGIS" in r.output and "apt install python3-qgis" in r.output and "ECOGIS_QGIS_PYTHON" in r.output
    assert not (tmp_path / "out").exists()  # nothing written
    r = CliRunner().invoke(cli, ["-q", "audit", "--qgis", "--pdf", "--no-maps", "--out", str(tmp_path / "rep")])
    assert r.exit_code == 5 and not (tmp_path / "rep").exists()
    r = CliRunner().invoke(cli, ["-q", "audit", "--pdf", "--no-maps", "--out", str(tmp_path / "rep")])
    assert r.exit_code == 2 and "--qgis" in r.output


def test_layouts_are_in_the_project_xml_without_qgis(exported):
    from ecogis.checks import CHECK_TITLES

    d, _, result = exported
    root = _project((d / "out.qgs").read_text(encoding="utf-8"))
    layouts = root.findall("Layouts/Layout")
    assert [lo.get("name") for lo in layouts] == [lo.name for lo in result.layouts]
    checks = [lo.check for lo in result.layouts]
    assert checks and all(c is not None for c in checks)
    for lo, el in zip(result.layouts, layouts):
        ids = {i.get("id") for i in el.iter("LayoutItem")}
        assert {"map", "legend", "scale_bar", "north_arrow", "title", "source"} <= ids
        title = next(i for i in el.iter("LayoutItem") if i.get("id") == "title").get("labelText")
        assert title.startswith(CHECK_TITLES[lo.check.split("/")[0]][0])
