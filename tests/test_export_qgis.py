"""The QGIS export opened by real PyQGIS.

python3-qgis lives in Debian's system Python (``/usr/bin/python3``), not in the
project's virtual environment, so QGIS runs in a subprocess
(``tests/qgis_probe.py``, headless with ``QT_QPA_PLATFORM=offscreen``) that
prints what QGIS sees as JSON.  Everything is probed in one QGIS start per module.

Expected values are computed here independently of the export: feature counts by
GDAL (pyogrio) and by hand, categories, labels and colours from the style table,
which symbol each feature must get from its attribute value (QGIS matches the
value's text; anything else falls to the catch-all category).  A control copy
whose ``layer_styles`` rows are deleted shows that the GeoPackage's styling comes
from ``layer_styles`` and that the project carries its own copy of the styles.

Rasters: the ramp's ends are numpy's min and max of the valid cells read with
rasterio, and QGIS's own band statistics must agree; a control copy of a GeoTIFF
without its ``.qml`` shows that the styling of a GeoTIFF opened alone comes from
the sidecar.
"""

from __future__ import annotations

import json
import math
import os
import shutil
import sqlite3
import subprocess
from pathlib import Path

import numpy as np
import pyogrio
import pytest
import rasterio

from ecogis.catalogue import CATALOGUE
from ecogis.export import export_qgis
from ecogis.layerset import load_sample
from ecogis.publish.render import layout_file_stem
from ecogis.styles import GROUP_ORDER, STYLES, style_for
from tests.test_export import (
    GNYLRD,
    YLORRD,
    air_result,
    check_result,
    city_layers,
    raster_layerset,
)

QGIS_PYTHON = "/usr/bin/python3"
PROBE = Path(__file__).with_name("qgis_probe.py")


def _env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "PYTHONHOME", "VIRTUAL_ENV")}
    env["QT_QPA_PLATFORM"] = "offscreen"
    return env


def _qgis_status() -> tuple[bool, str]:
    if not os.path.exists(QGIS_PYTHON):
        return False, f"{QGIS_PYTHON} does not exist"
    try:
        r = subprocess.run([QGIS_PYTHON, "-c", "import qgis.core"], check=False, capture_output=True, text=True,
                           env=_env(), timeout=120)
    except (OSError, subprocess.TimeoutExpired) as exc:
        return False, str(exc)
    return r.returncode == 0, (r.stderr.strip().splitlines() or [""])[-1]


_QGIS_OK, _QGIS_WHY = _qgis_status()
pytestmark = [
    pytest.mark.qgis,
    pytest.mark.skipif(not _QGIS_OK, reason=f"{QGIS_PYTHON} cannot import qgis.core (apt install python3-qgis; "
                                            f"it lives in Debian's system Python, not the venv): {_QGIS_WHY}"),
]


def run_probe(*paths: Path, runtime_dir: Path) -> dict:
    runtime_dir.mkdir(mode=0o700, exist_ok=True)
    env = {**_env(), "XDG_RUNTIME_DIR": str(runtime_dir)}
    r = subprocess.run([QGIS_PYTHON, str(PROBE), *map(str, paths)], check=False, capture_output=True, text=True,
                       env=env, timeout=600)
    assert r.returncode == 0, r.stderr[-3000:]
    return json.loads(r.stdout.strip().splitlines()[-1])


# --- what QGIS must show, computed from the inputs and the style table ----------------------
def gdal_counts(gpkg: Path) -> dict[str, int]:
    return {str(n): pyogrio.read_info(gpkg, layer=str(n), force_feature_count=True)["features"]
            for n, _ in pyogrio.list_layers(gpkg) if str(n) != "layer_styles"}


def expected_color(symbol, geometry: str) -> str:
    """The colour QGIS reports for a symbol: the fill of markers and polygons (the stroke when unfilled),
    the stroke of lines."""
    return (symbol.color if geometry == "line" else (symbol.fill_color or symbol.color)).lower()


def qgis_text(value) -> str | None:
    """An attribute value as QGIS's categorized renderer compares it (QVariant::toString)."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return None
    if isinstance(value, bool) or type(value).__name__ == "bool_":
        return "true" if value else "false"
    return str(value)


def expected_drawing(gpkg: Path, table: str, kind: str) -> tuple[str, dict[str, int]]:
    """Renderer type and, per symbol (first category with an identical Symbol), the feature count."""
    style = style_for(kind)
    df = pyogrio.read_dataframe(gpkg, layer=table)
    if not (style.field and style.categories and style.field in df.columns):
        return "singleSymbol", ({"0": len(df)} if len(df) else {})
    cats = list(style.categories)
    values = [qgis_text(v) for v in df[style.field]]
    symbols = [c.symbol for c in cats] + [style.default]
    lookup = {("true" if c.value == "True" else "false" if c.value == "False" else c.value)
              if df[style.field].dtype == bool else c.value: i for i, c in enumerate(cats)}
    counts: dict[str, int] = {}
    for v in values:
        i = lookup.get(v, len(cats))  # no match, or NULL: the catch-all
        first = symbols.index(symbols[i])
        counts[str(first)] = counts.get(str(first), 0) + 1
    return "categorizedSymbol", counts


KINDS = {
    "study_area": "study_area", "protection_zones": "protection_zones", "bus_routes": "bus_routes",
    "facilities_point": "facilities", "facilities_polygon": "facilities", "rivers": "rivers",
    "bus_stops": "bus_stops", "water_sources__violations_point": "violations",
    "water_sources__violations_polygon": "violations", "water_sources__gaps": "gaps",
}
GEOMETRY = {"study_area": "polygon", "protection_zones": "polygon", "bus_routes": "line",
            "facilities_point": "point", "facilities_polygon": "polygon", "rivers": "line", "bus_stops": "point",
            "water_sources__violations_point": "point", "water_sources__violations_polygon": "polygon",
            "water_sources__gaps": "polygon"}
HAND_COUNTS = {"study_area": 1, "protection_zones": 5, "bus_routes": 3, "facilities_point": 3,
               "facilities_polygon": 2, "rivers": 1, "bus_stops": 4, "water_sources__violations_point": 2,
               "water_sources__violations_polygon": 1, "water_sources__gaps": 0}
QGIS_GEOMETRY = {"point": "Point", "line": "Line", "polygon": "Polygon"}
#: rasters of the raster export: the CRS each is written in, its ramp, its group
RASTER_CRS = {"population": "EPSG:4547", "pollutant_surface": "EPSG:4490", "air__pm25_surface": "EPSG:4490"}
RASTER_RAMP = {"population": YLORRD, "pollutant_surface": GNYLRD, "air__pm25_surface": GNYLRD}


@pytest.fixture(scope="module")
def probed(tmp_path_factory):
    d = tmp_path_factory.mktemp("qgis")
    export_qgis(city_layers(), d / "a" / "city.gpkg", results=[check_result()])
    export_qgis(city_layers(), d / "b" / "city.gpkg", results=[check_result()], project="qgz", lang="en")
    # move both exports: the projects' relative paths must follow
    (d / "a").rename(d / "moved")
    (d / "b").rename(d / "moved_qgz")
    # control: the same files without layer_styles rows
    shutil.copytree(d / "moved", d / "nostyle")
    with sqlite3.connect(d / "nostyle" / "city.gpkg") as con:
        con.execute("DELETE FROM layer_styles")
    # rasters: the layer set's population and pollutant surface, the air check's PM2.5 surface; moved too
    ls = raster_layerset(d / "raster_in")
    export_qgis(ls, d / "r" / "city.gpkg", results={"water-sources": check_result(), "air": air_result()})
    (d / "r").rename(d / "moved_r")
    (d / "bare").mkdir()  # control: a GeoTIFF without its sidecar .qml
    shutil.copy(d / "moved_r" / "city_rasters" / "population.tif", d / "bare" / "population.tif")
    rdir = d / "moved_r" / "city_rasters"
    paths = {
        "gpkg": d / "moved" / "city.gpkg", "qgs": d / "moved" / "city.qgs", "qgz": d / "moved_qgz" / "city.qgz",
        "nostyle_gpkg": d / "nostyle" / "city.gpkg", "nostyle_qgs": d / "nostyle" / "city.qgs",
        "raster_qgs": d / "moved_r" / "city.qgs",
        **{f"tif_{n}": rdir / f"{n}.tif" for n in RASTER_CRS},
        "bare_tif": d / "bare" / "population.tif",
    }
    out = run_probe(*paths.values(), runtime_dir=d / "xdg")

    def part(key: str) -> str:
        return "gpkgs" if key.endswith("gpkg") else "rasters" if key.endswith("tif") or key.startswith("tif_") \
            else "projects"

    return {k: out[part(k)][str(p)] for k, p in paths.items()} | {"paths": paths, "qgis": out["qgis"]}


def test_geopackage_layers_open_valid_with_their_counts_and_cgcs2000(probed):
    gpkg = probed["paths"]["gpkg"]
    counts = gdal_counts(gpkg)
    assert counts == HAND_COUNTS
    layers = probed["gpkg"]["layers"]
    assert set(layers) == set(HAND_COUNTS)
    for table, n in HAND_COUNTS.items():
        info = layers[table]
        assert info["valid"], table
        assert info["featureCount"] == n, table
        assert info["crs"] == "EPSG:4490", table
        assert info["geometryType"] == QGIS_GEOMETRY[GEOMETRY[table]], table


def test_geopackage_layers_draw_with_their_default_style_from_layer_styles(probed):
    gpkg = probed["paths"]["gpkg"]
    layers = probed["gpkg"]["layers"]
    for table, kind in KINDS.items():
        info = layers[table]
        style = style_for(kind)
        renderer, drawn = expected_drawing(gpkg, table, kind)
        assert info["dbStyles"]["count"] == 1, table
        assert info["renderer"] == renderer, table
        assert info["drawn_with"] == drawn, (table, info["drawn_with"], drawn)
        if renderer == "categorizedSymbol":
            assert info["attr"] == style.field
            is_bool = style.field == "bus_lane"
            expected = [((c.value.lower() if is_bool else c.value), c.label("zh"),
                         expected_color(c.symbol, GEOMETRY[table])) for c in style.categories]
            expected.append(("", "其他", expected_color(style.default, GEOMETRY[table])))
            assert [(c["value"], c["label"], c["color"]) for c in info["categories"]] == expected, table
            assert all(c["render"] for c in info["categories"])
        else:
            assert info["symbol"]["color"] == expected_color(style.default, GEOMETRY[table]), table
        sym_type = {"point": "marker", "line": "line", "polygon": "fill"}[GEOMETRY[table]]
        symbols = [c["symbol"] for c in info.get("categories", [])] or [info["symbol"]]
        assert {s["type"] for s in symbols} == {sym_type}, table
    # opacity and dash survive: a grade I zone's fill, the outline of a protection zone
    zone = layers["protection_zones"]["categories"][0]["symbol"]["layers"]
    grade1 = style_for("protection_zones").categories[0].symbol
    assert zone[0]["class"] == "SimpleFill" and zone[0]["alpha"] == round(grade1.fill_opacity * 255)
    assert zone[1]["class"] == "SimpleLine" and zone[1]["color"] == grade1.color
    # QGIS reads the Chinese field aliases and the (switched-off) label field
    pz = layers["protection_zones"]
    assert pz["aliases"]["level"] == CATALOGUE["protection_zones"].field("level").label("zh")
    assert pz["labelField"] == "name" and pz["labelsEnabled"] is False


def test_control_without_layer_styles_rows_qgis_falls_back_to_its_own_default(probed):
    layers = probed["nostyle_gpkg"]["layers"]
    assert layers["protection_zones"]["dbStyles"]["count"] == 0
    assert layers["protection_zones"]["renderer"] == "singleSymbol"
    assert layers["bus_routes"]["renderer"] == "singleSymbol"


def _expected_tree(lang: str) -> list:
    """Groups and layers top first, from the style table alone."""
    titles = {"zh": {g: g for g in GROUP_ORDER},
              "en": {"核查结果": "Check results", "水环境": "Water", "生态": "Ecology", "大气": "Air",
                     "交通": "Transport", "基础": "Base layers"}}[lang]
    inputs = [t for t in KINDS if "__" not in t]
    checks = [t for t in KINDS if "__" in t]

    def by_order(tables):
        return sorted(tables, key=lambda t: (-STYLES[style_for(KINDS[t]).kind].order, t))

    check_title = {"zh": "饮用水水源地 (water-sources)", "en": "Drinking-water sources (water-sources)"}[lang]
    tree = [(titles["核查结果"], [(check_title, by_order(checks))])]
    for g in GROUP_ORDER:
        members = [t for t in inputs if style_for(KINDS[t]).group == g]
        if members:
            tree.append((titles[g], by_order(members)))
    return tree


def _shape(tree: list) -> list:
    out = []
    for node in tree:
        if "group" in node:
            out.append((node["group"], _shape(node["children"])))
        else:
            out.append(node["table"] or "raster:" + node["raster"])
    return out


def numpy_range(path: Path) -> tuple[float, float, float]:
    """Min, max and mean of the valid cells (not nodata, finite), by numpy."""
    with rasterio.open(path) as src:
        a = src.read(1).astype(float)
        valid = np.isfinite(a) & (a != src.nodata)
    return float(np.nanmin(a[valid])), float(np.nanmax(a[valid])), float(a[valid].mean())


def assert_styled(info: dict, path: Path, name: str) -> None:
    lo, hi, mean = numpy_range(path)
    assert info["valid"], name
    assert info["crs"] == RASTER_CRS[name], name
    assert info["renderer"] == "singlebandpseudocolor" and info["band"] == 1, name
    assert info["classificationMin"] == pytest.approx(lo, rel=1e-12, abs=1e-12), name
    assert info["classificationMax"] == pytest.approx(hi, rel=1e-12), name
    assert (info["shaderMin"], info["shaderMax"]) == (info["classificationMin"], info["classificationMax"])
    assert info["limits"] == 0  # user defined: QGIS did not replace the ramp's ends with an estimate
    assert [i["color"] for i in info["items"]] == RASTER_RAMP[name]
    assert info["items"][0]["value"] == info["classificationMin"] and info["items"][-1]["value"] == hi
    # QGIS's own statistics over every cell agree with numpy's
    assert info["stats"]["min"] == pytest.approx(lo, abs=1e-9) and info["stats"]["max"] == pytest.approx(hi)
    assert info["stats"]["mean"] == pytest.approx(mean, rel=1e-9)
    # and the renderer paints the ramp's ends at the cells holding the minimum and the maximum,
    # except a population's zero cells (no people), which are transparent: the map shows through
    assert info["paintedAtMax"] == RASTER_RAMP[name][-1] and info["alphaAtMax"] == 255, name
    if name == "population":
        assert lo == 0.0  # the fixture has cells without people
        assert info["transparentValues"] == [[0.0, 0.0, 100.0]]
        assert info["alphaAtMin"] == 0, name
    else:
        assert info["transparentValues"] == []
        assert (info["paintedAtMin"], info["alphaAtMin"]) == (RASTER_RAMP[name][0], 255), name


@pytest.mark.parametrize("which,lang", [("qgs", "zh"), ("qgz", "en")])
def test_project_opens_with_every_layer_valid_relative_paths_cgcs2000(probed, which, lang):
    project = probed[which]
    moved = probed["paths"]["gpkg" if which == "qgs" else "qgz"].parent / "city.gpkg"
    assert project["read"], project["error"]
    # the project in the 3-degree Gauss-Kruger zone of the data (CM 114E), the layers in EPSG:4490
    assert project["crs"] == "EPSG:4547"
    assert project["crsDescription"] == "CGCS2000 / 3-degree Gauss-Kruger CM 114E"
    assert project["crsIsGeographic"] is False and project["mapUnits"] == "meters"
    assert project["ellipsoid"] == "EPSG:1024"
    assert project["absolutePaths"] is False
    counts = gdal_counts(moved)
    assert {l["table"] for l in project["layers"]} == set(counts)
    for layer in project["layers"]:
        assert layer["valid"], layer["table"]
        assert layer["file"] == os.path.realpath(moved)  # resolved beside the moved project
        assert layer["featureCount"] == counts[layer["table"]], layer["table"]
        assert layer["crs"] == "EPSG:4490"
        assert layer["renderer"] == expected_drawing(moved, layer["table"], KINDS[layer["table"]])[0]
    # layer tree: the maps' legend (groups in GROUP_ORDER, style.order from the top)
    assert _shape(project["tree"]) == _expected_tree(lang)
    # rendering order: style.order from the top, as the maps draw
    assert project["hasCustomLayerOrder"] is True
    orders = [STYLES[style_for(KINDS[t]).kind].order for t in project["renderOrder"]]
    assert orders == sorted(orders, reverse=True) and len(orders) == len(KINDS)
    names = {l["table"]: l["name"] for l in project["layers"]}
    assert names["protection_zones"] == style_for("protection_zones").title(lang)
    labels = [c["label"] for l in project["layers"] if l["table"] == "protection_zones" for c in l["categories"]]
    assert labels == [c.label(lang) for c in style_for("protection_zones").categories] + \
        [{"zh": "其他", "en": "Other"}[lang]]


def test_project_carries_its_own_styles(probed):
    """With layer_styles emptied the GeoPackage opens unstyled, the project still styled."""
    project = probed["nostyle_qgs"]
    assert project["read"]
    by_table = {l["table"]: l for l in project["layers"]}
    assert all(l["valid"] for l in project["layers"])
    assert by_table["protection_zones"]["renderer"] == "categorizedSymbol"
    assert [c["value"] for c in by_table["bus_routes"]["categories"]] == ["true", "false", ""]


def test_raster_layers_open_from_the_moved_project_styled(probed):
    project = probed["raster_qgs"]
    folder = probed["paths"]["raster_qgs"].parent
    assert project["read"], project["error"]
    assert all(l["valid"] for l in project["layers"])
    rasters = {os.path.basename(l["file"])[:-4]: l for l in project["layers"] if l.get("provider") == "gdal"}
    assert set(rasters) == set(RASTER_CRS)
    for name, info in rasters.items():
        path = folder / "city_rasters" / f"{name}.tif"
        assert info["file"] == os.path.realpath(path)  # the relative path followed the move
        assert_styled(info, path, name)
    assert rasters["population"]["name"] == "人口栅格"
    # at the bottom of their groups, drawn under every vector layer
    tree = {n["group"]: n["children"] for n in project["tree"]}
    assert _shape(tree["基础"])[-1] == "raster:population.tif"
    assert _shape(tree["大气"]) == ["raster:pollutant_surface.tif"]
    air = next(c for c in tree["核查结果"] if c["group"].endswith("(air)"))
    assert _shape(air["children"])[-1] == "raster:air__pm25_surface.tif"
    assert project["hasCustomLayerOrder"] is True
    order = project["renderOrder"]
    # surfaces (order 5, the check's above the input's as for vectors) over population (1)
    assert order[-3:] == ["raster:air__pm25_surface.tif", "raster:pollutant_surface.tif", "raster:population.tif"]
    assert not any(o.startswith("raster:") for o in order[:-3])


def test_geotiff_opened_alone_picks_up_its_sidecar_style(probed):
    for name in RASTER_CRS:
        info = probed[f"tif_{name}"]
        assert info["file"] == os.path.realpath(probed["paths"][f"tif_{name}"])
        assert_styled(info, probed["paths"][f"tif_{name}"], name)
    # control: the same GeoTIFF without its .qml opens with QGIS's own grey default
    bare = probed["bare_tif"]
    assert bare["valid"] and bare["crs"] == "EPSG:4547"
    assert bare["renderer"] == "singlebandgray"


@pytest.mark.sample
def test_sample_export_with_checks_opens_in_qgis(tmp_path):
    from ecogis.audit import run_check
    from ecogis.checks import CHECKS
    from ecogis.errors import EcogisError
    from ecogis.layerset import load_sample, sample_dir

    sample = load_sample()
    results = []
    for name in CHECKS:
        try:
            results.append(run_check(name, sample))
        except (ImportError, EcogisError):
            continue
    out = export_qgis(sample, tmp_path / "luohe.gpkg", results=results)
    assert [r.name for r in out.rasters] == ["air__pm25_surface", "population"]
    probe = run_probe(out.gpkg, out.project, *(r.path for r in out.rasters), runtime_dir=tmp_path / "xdg")
    layers = probe["gpkgs"][str(out.gpkg)]["layers"]
    # every input kind, counted by GDAL in the sample itself (split layers summed)
    source = sample_dir() / "luohe.gpkg"
    for kind in sample.vectors:
        n = pyogrio.read_info(source, layer=kind, force_feature_count=True)["features"]
        tables = [t for t in layers if t == kind or (t.startswith(kind + "_") and "__" not in t
                                                     and t[len(kind) + 1:] in ("point", "line", "polygon"))]
        assert tables, kind
        assert sum(layers[t]["featureCount"] for t in tables) == n, kind
    assert all(l["valid"] and l["crs"] == "EPSG:4490" for l in layers.values())
    assert all("none" not in l["drawn_with"] for l in layers.values())  # every feature gets a symbol
    assert len(layers) == len(out.layers)
    project = probe["projects"][str(out.project)]
    assert project["read"] and project["crs"] == "EPSG:4547" and not project["crsIsGeographic"]
    assert len(project["layers"]) == len(out.layers) + len(out.rasters)
    assert all(l["valid"] for l in project["layers"])
    assert [n["group"] for n in project["tree"]] == [g for g in GROUP_ORDER
                                                     if g in {l.group[0] for l in [*out.layers, *out.rasters]}]
    for r in out.rasters:
        for info in (probe["rasters"][str(r.path)],
                     next(l for l in project["layers"] if l.get("file") == os.path.realpath(r.path))):
            lo, hi, _ = numpy_range(r.path)
            assert info["valid"] and info["renderer"] == "singlebandpseudocolor"
            assert info["crs"] == {"population": "EPSG:4547", "air__pm25_surface": "EPSG:4490"}[r.name]
            assert (info["classificationMin"], info["classificationMax"]) == pytest.approx((lo, hi), rel=1e-12)
            assert info["stats"]["max"] == pytest.approx(hi)


@pytest.mark.sample
def test_audit_writes_a_qgis_project_that_opens_with_its_check_results(tmp_path):
    from click.testing import CliRunner

    from ecogis.cli.main import cli

    out = tmp_path / "report"
    r = CliRunner().invoke(cli, ["-q", "audit", "--plan", "luohe-transit-2023", "--no-maps", "--qgis", "--pdf",
                                 "--out", str(out)])
    assert r.exit_code == 0, r.output
    # --pdf: one PDF per layout of the audit's project, each a drawn page
    from ecogis.publish import layout_names
    from ecogis.publish.render import layout_file_stem

    names = layout_names(out / "qgis" / "audit.qgs")
    assert any(n.endswith("公交站点覆盖 (中心城区)") for n in names), names  # a scoped check names its scope
    pdfs = sorted((out / "qgis" / "audit_layouts").glob("*.pdf"))
    assert [p.name for p in pdfs] == sorted(f"{layout_file_stem(n)}.pdf" for n in names)
    assert all(p.read_bytes().startswith(b"%PDF") for p in pdfs)
    gpkg, project = out / "qgis" / "audit.gpkg", out / "qgis" / "audit.qgs"
    tables = set(gdal_counts(gpkg))
    assert any("coverage" in t and t.endswith("__gaps") for t in tables), tables
    probe = run_probe(gpkg, project, runtime_dir=tmp_path / "xdg")
    opened = probe["projects"][str(project)]
    assert opened["read"] and opened["crs"] == "EPSG:4547" and not opened["crsIsGeographic"]
    assert opened["layers"] and all(l["valid"] for l in opened["layers"])
    # each page is titled with its check and the audited area (not the project's bilingual title)
    titles = [_items(lo)["title"]["text"] for lo in opened["layouts"]]
    assert len(titles) == len(names) and all(t.endswith(" · " + load_sample().name) for t in titles), titles
    in_project = {l["table"] for l in opened["layers"]}
    assert {t for t in tables if "__gaps" in t} <= in_project  # the coverage gaps are in the project
    gaps = next(l for l in opened["layers"] if l["table"] and l["table"].endswith("__gaps"))
    assert gaps["featureCount"] == gdal_counts(gpkg)[gaps["table"]] > 0


# --- the project CRS: the Gauss-Kruger zone of the data --------------------------------------
def _city_at(lon: float, lat: float, *, width_deg: float = 0.4) -> dict:
    """A study area and a few stops around (lon, lat), in EPSG:4490."""
    import geopandas as gpd
    import shapely

    area = shapely.box(lon - width_deg / 2, lat - 0.15, lon + width_deg / 2, lat + 0.15)
    return {
        "study_area": gpd.GeoDataFrame({"id": ["a"], "name": ["区"], "scope": ["中心城区"]}, geometry=[area],
                                       crs=4490),
        "bus_stops": gpd.GeoDataFrame({"id": ["s1", "s2"], "name": ["站1", "站2"]},
                                      geometry=[shapely.Point(lon, lat), shapely.Point(lon + 0.05, lat)], crs=4490),
    }


#: (name, centre lon, lat, width in degrees) -> the zone's central meridian, worked out by hand
ZONE_CASES = {
    "urumqi": (87.62, 43.83, 0.5, 87),    # north-west: CM 87E, EPSG:4538
    "harbin": (126.63, 45.75, 0.5, 126),  # north-east: CM 126E, EPSG:4551
    "span": (114.1, 33.6, 3.8, 114),      # 112.2E-116.0E: reaches past 112.5E and 115.5E, zone of the centre
}


def test_project_crs_is_the_gauss_kruger_zone_of_the_data_in_qgis(tmp_path):
    from pyproj import CRS, Transformer

    outs = {}
    for name, (lon, lat, w, _cm) in ZONE_CASES.items():
        outs[name] = export_qgis(_city_at(lon, lat, width_deg=w), tmp_path / name / "city.gpkg")
    probe = run_probe(*(o.project for o in outs.values()), runtime_dir=tmp_path / "xdg")
    for name, (lon, lat, w, cm) in ZONE_CASES.items():
        out = outs[name]
        epsg = 4534 + (cm - 75) // 3  # CM-only codes: EPSG:4534 is CM 75E
        project = probe["projects"][str(out.project)]
        assert project["read"], project["error"]
        assert project["crs"] == f"EPSG:{epsg}" == out.crs, name
        assert project["crsDescription"] == f"CGCS2000 / 3-degree Gauss-Kruger CM {cm}E", name
        assert project["crsIsGeographic"] is False and project["mapUnits"] == "meters", name
        assert all(x["valid"] and x["crs"] == "EPSG:4490" for x in project["layers"])  # data stay in 4490
        # the central meridian maps to the false easting (500 km): the zone is the data's
        x, _ = Transformer.from_crs(4490, CRS.from_epsg(epsg), always_xy=True).transform(cm, lat)
        assert x == pytest.approx(500_000.0, abs=1e-6)
        # the canvas extent is in metres of that zone and holds every feature
        import xml.etree.ElementTree as ET

        root = ET.parse(out.project).getroot()
        ext = [float(root.find(f"mapcanvas/extent/{k}").text) for k in ("xmin", "ymin", "xmax", "ymax")]
        to_deg = Transformer.from_crs(CRS.from_epsg(epsg), 4490, always_xy=True)
        west, south, east, north = to_deg.transform_bounds(*ext)
        assert west < lon - w / 2 and east > lon + w / 2 and south < lat - 0.15 and north > lat + 0.15, name
        assert east - west < w * 1.3, name  # padded, not a whole-country view
        if name == "span":
            assert len(out.notes) == 1 and "beyond the 3-degree zone of CM 114E" in out.notes[0]
        else:
            assert out.notes == []


# --- print layouts: loaded by QGIS, exported to PDF, looked at ----------------------------------
def _items(layout: dict) -> dict[str, dict]:
    return {it["id"]: it for it in layout["items"] if it["id"]}


@pytest.mark.parametrize("which,lang", [("qgs", "zh"), ("qgz", "en")])
def test_one_print_layout_per_check_with_its_items_as_qgis_loads_them(probed, which, lang):
    import datetime

    import geopandas as gpd
    from pyproj import Transformer

    from ecogis import __version__
    from ecogis.checks import CHECK_TITLES, CHECKS

    project = probed[which]
    moved = probed["paths"]["gpkg" if which == "qgs" else "qgz"].parent / "city.gpkg"
    assert len(project["layouts"]) == 1  # one check result, one map
    layout = project["layouts"][0]
    title = CHECK_TITLES["water-sources"][0 if lang == "zh" else 1]
    assert layout["name"] == f"01 {title}" and layout["pages"] == 1
    assert layout["pageSize"] == [297.0, 210.0]  # A4 landscape, mm
    items = _items(layout)
    assert {"map", "legend", "scale_bar", "north_arrow", "title", "source"} <= set(items)
    types = {k: it["type"] for k, it in items.items()}
    assert types == {"map": "QgsLayoutItemMap", "legend": "QgsLayoutItemLegend", "scale_bar": "QgsLayoutItemScaleBar",
                     "north_arrow": "QgsLayoutItemPicture", "title": "QgsLayoutItemLabel",
                     "source": "QgsLayoutItemLabel"}
    # the map: in the project's Gauss-Kruger zone, the check's layers over its spec's context, and nothing else
    m = items["map"]
    assert m["crs"] == "EPSG:4547" and m["keepLayerSet"] is True
    by_id = {l["id"]: l["table"] for l in project["layers"]}
    context = set(CHECKS["water-sources"].context)
    expected = {t for t in KINDS if t.startswith("water_sources__") or KINDS[t] in context}
    assert {by_id[i] for i in m["layers"]} == expected
    assert [by_id[i] for i in m["layers"]] == [t for t in project["renderOrder"] if t in expected]  # drawing order
    # ... whose extent holds every feature the check found (pyproj, from the GeoPackage)
    found = [gpd.read_file(moved, layer=t) for t in expected if t.startswith("water_sources__")]
    x0, y0, x1, y1 = gpd.GeoSeries(pd_concat(found), crs=4490).to_crs(4547).total_bounds
    ex = m["extent"]
    assert ex[0] < x0 and ex[1] < y0 and ex[2] > x1 and ex[3] > y1
    assert (ex[2] - ex[0]) / (ex[3] - ex[1]) == pytest.approx(m["width"] / m["height"], rel=1e-6)  # not stretched
    # legend: the map's layers (one entry per name), linked to the map
    lg = items["legend"]
    names = {l["id"]: l["name"] for l in project["layers"]}
    assert lg["linkedMap"] == m["uuid"] and lg["title"] == {"zh": "图例", "en": "Legend"}[lang]
    assert lg["layers"] == list(dict.fromkeys(names[i] for i in m["layers"]))
    # scale bar in km, linked to the map; a segment is 1, 2 or 5 x 10^n km and 8-20 mm long at the map's scale
    sb = items["scale_bar"]
    assert sb["linkedMap"] == m["uuid"] and sb["units"] == "kilometers" and sb["unitLabel"] == "km"
    seg_mm = sb["unitsPerSegment"] * 1e6 / m["scale"]
    assert 8.0 <= seg_mm <= 20.0 + 1e-6, seg_mm
    mantissa = sb["unitsPerSegment"] / 10 ** math.floor(math.log10(sb["unitsPerSegment"]))
    assert round(mantissa, 9) in (1.0, 2.0, 5.0)
    # north arrow on the map, true north
    na = items["north_arrow"]
    assert na["linkedMap"] == m["uuid"] and na["file"].endswith("north_arrow.svg") and na["northMode"] == 1
    # texts: the check's title and the area, sources, CRS, version and date, in the project's language
    assert items["title"]["text"] == f"{title} · city"
    assert items["title"]["font"] == "WenQuanYi Micro Hei"
    foot = items["source"]["text"]
    today = datetime.date.today().isoformat()
    assert "EPSG:4547" in foot and f"ecogis {__version__}" in foot and today in foot
    assert "ecogis check water-sources" in foot
    assert ({"zh": "数据：", "en": "Data: "}[lang]) in foot
    # every item on the page
    for it in layout["items"]:
        assert 0 <= it["x"] and it["x"] + it["width"] <= 297.0 + 1e-6, it["id"]
        assert 0 <= it["y"] and it["y"] + it["height"] <= 210.0 + 1e-6, it["id"]


def pd_concat(frames):
    import pandas as pd

    return pd.concat([f.geometry for f in frames if len(f)], ignore_index=True)


def page_picture(pdf: Path, tmp: Path, dpi: int = 50) -> np.ndarray:
    """Page 1 of a PDF as pixels: pdftoppm writes a PNG, GDAL (rasterio) reads it back."""
    import warnings

    stem = tmp / pdf.stem
    subprocess.run(["pdftoppm", "-png", "-r", str(dpi), "-f", "1", "-l", "1", "-singlefile", str(pdf), str(stem)],
                   check=True, capture_output=True, timeout=120)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # a PNG has no georeferencing
        with rasterio.open(stem.with_suffix(".png")) as src:
            return src.read()


def assert_a_drawn_page(pixels: np.ndarray, dpi: int, what: str) -> None:
    """An A4 landscape page with a map on it: right size, not blank, colour inside the map frame."""
    bands, h, w = pixels.shape
    assert (w, h) == pytest.approx((297 / 25.4 * dpi, 210 / 25.4 * dpi), abs=1.5), what
    grey = pixels[:3].astype(float).mean(axis=0)
    assert grey.var() > 200.0, what  # a blank page has variance 0
    x0, x1, y0, y1 = (int(v / 25.4 * dpi) for v in (12, 213, 22, 183))  # inside the map frame
    inside = pixels[:3, y0:y1, x0:x1].astype(int)
    drawn = (inside < 245).any(axis=0).mean()
    assert drawn > 0.02, (what, drawn)  # features drawn, not an empty frame
    colourful = (inside.max(axis=0) - inside.min(axis=0) > 40).mean()
    assert colourful > 0.001, (what, colourful)  # styled colours, not only black outlines (a sparse page, e.g. six mines over the city, has ~0.0016)


@pytest.fixture(scope="module")
def sample_export(tmp_path_factory):
    from ecogis.audit import run_check
    from ecogis.checks import CHECKS
    from ecogis.errors import EcogisError
    from ecogis.layerset import load_sample

    sample = load_sample()
    results = []
    for name in CHECKS:
        try:
            results.append(run_check(name, sample))
        except (ImportError, EcogisError):
            continue
    d = tmp_path_factory.mktemp("sample_qgis")
    return sample, results, export_qgis(sample, d / "luohe.gpkg", results=results)


@pytest.mark.sample
@pytest.mark.slow
@pytest.mark.skipif(shutil.which("pdftoppm") is None, reason="pdftoppm not installed (apt install poppler-utils)")
def test_every_layout_of_the_sample_exports_to_a_drawn_pdf(sample_export, tmp_path):
    from ecogis.publish import export_layouts

    from ecogis.checks import CHECKS

    _sample, results, out = sample_export
    checks = {r.name for r in results}
    mapped = [r.name for r in results if any(k in CATALOGUE for k in CHECKS[r.name].inputs)]
    assert [lo.check for lo in out.layouts] == mapped  # one layout per check map (record-table checks have none)
    pdfs = export_layouts(out.project)
    assert [p.name for p in pdfs] == [layout_file_stem(lo.name) + ".pdf" for lo in out.layouts]
    assert len(pdfs) == len(mapped)
    for pdf in pdfs:
        data = pdf.read_bytes()
        assert data.startswith(b"%PDF") and len(data) > 10_000, pdf.name
        fonts = subprocess.run(["pdffonts", str(pdf)], check=True, capture_output=True, text=True).stdout
        assert "WenQuanYi" in fonts, (pdf.name, fonts)  # the Chinese text is set in a CJK font, embedded
        assert_a_drawn_page(page_picture(pdf, tmp_path), 50, pdf.name)
    # PyQGIS read the same project with a projected CRS
    probe = run_probe(out.project, runtime_dir=tmp_path / "xdg")
    project = probe["projects"][str(out.project)]
    assert project["crs"] == "EPSG:4547" and project["crsIsGeographic"] is False
    assert [lo["name"] for lo in project["layouts"]] == [lo.name for lo in out.layouts]
    # the population's zero cells are transparent in the project QGIS reads
    pop = next(l for l in project["layers"] if l.get("provider") == "gdal" and l["file"].endswith("population.tif"))
    assert pop["transparentValues"] == [[0.0, 0.0, 100.0]]
    with rasterio.open(pop["file"]) as src:
        zero_cells = int((src.read(1) == 0).sum())
    assert zero_cells > 0 and pop["alphaAtMin"] == 0


@pytest.mark.sample
@pytest.mark.skipif(shutil.which("pdftoppm") is None, reason="pdftoppm not installed (apt install poppler-utils)")
def test_export_qgis_pdf_command_writes_the_overview_layout(tmp_path):
    from click.testing import CliRunner

    from ecogis.cli.main import cli

    out = tmp_path / "luohe.gpkg"
    r = CliRunner().invoke(cli, ["-q", "export", "qgis", str(out), "--pdf", "--lang", "en"])
    assert r.exit_code == 0, r.output
    pdfs = sorted((tmp_path / "luohe_layouts").glob("*.pdf"))
    assert [p.name for p in pdfs] == [layout_file_stem("01 " + load_sample().name) + ".pdf"]  # no checks: one overview of every layer
    assert "project CRS: EPSG:4547" in r.output and pdfs[0].name in r.output
    assert_a_drawn_page(page_picture(pdfs[0], tmp_path), 50, "overview")
    assert not list(tmp_path.rglob(".ecogis-tmp-*"))  # nothing left of the atomic writes
    # again without --overwrite: refused before any work, the PDF untouched
    before = pdfs[0].stat().st_mtime_ns
    r2 = CliRunner().invoke(cli, ["-q", "export", "qgis", str(tmp_path / "other.gpkg"), "--pdf"])
    assert r2.exit_code == 0, r2.output  # another project, another folder
    r3 = CliRunner().invoke(cli, ["-q", "export", "qgis", str(out), "--pdf"])
    assert r3.exit_code == 2 and "--overwrite" in r3.output
    assert pdfs[0].stat().st_mtime_ns == before


def test_render_layout_png_draws_one_layout(probed, tmp_path):
    from ecogis.publish import layout_names, render_layout_png

    project = probed["paths"]["qgs"]
    name = layout_names(project)[0]
    png = render_layout_png(project, name, tmp_path / "page.png", dpi=40)
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        with rasterio.open(png) as src:
            pixels = src.read()
    assert_a_drawn_page(pixels, 40, name)
    with pytest.raises(Exception, match="exist"):
        render_layout_png(project, name, png, dpi=40)  # no overwrite


def test_a_project_whose_layers_are_missing_exports_no_pdf(probed, tmp_path):
    """A layout drawn without its layers would be a confident wrong map: an error, and nothing written."""
    from ecogis.errors import EcogisError
    from ecogis.publish import export_layouts

    alone = tmp_path / "alone" / "city.qgs"
    alone.parent.mkdir()
    shutil.copy(probed["paths"]["qgs"], alone)  # the project without its GeoPackage
    with pytest.raises(EcogisError, match="could not load"):
        export_layouts(alone)
    assert sorted(p.name for p in alone.parent.iterdir()) == ["city.qgs"]  # no PDF, no temporary file
