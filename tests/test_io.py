"""Reading and writing through GDAL: GBK Shapefiles, CSV lon/lat, CRS rules, atomic writes."""

from __future__ import annotations

import os

import geopandas as gpd
import numpy as np
import pandas as pd
import pyogrio
import pytest
import shapely

from ecogis.errors import CRSError, InputError, LayerReadError, OutputExistsError
from ecogis.io import detect_dbf_encoding, read_layer, write_layers
from tests.conftest import file_digest

NAMES = ["漯河大陈", "沙澧河交汇处", "O'Brien \"河\""]


def _gbk_shapefile(tmp_path):
    """A real Shapefile with GBK attributes and no .cpg (as Chinese desktop GIS writes them)."""
    path = tmp_path / "断面.shp"
    gdf = gpd.GeoDataFrame({"断面名称": NAMES, "水质目标": ["Ⅲ类", "3", "IV类"], "级别": ["国控", "省控", "市控"]},
                           geometry=[shapely.Point(114.0 + i / 100, 33.58) for i in range(3)], crs=4490)
    pyogrio.write_dataframe(gdf, path, encoding="GBK")
    path.with_suffix(".cpg").unlink(missing_ok=True)
    dbf = path.with_suffix(".dbf")
    raw = bytearray(dbf.read_bytes())
    raw[29] = 0  # no language-driver id either: only the bytes can tell
    dbf.write_bytes(bytes(raw))
    assert "漯河".encode("gbk") in raw  # really GBK bytes on disk
    return path


def test_gbk_shapefile_without_cpg_reads_chinese(tmp_path):
    path = _gbk_shapefile(tmp_path)
    # GDAL alone gets it wrong (proves the test can fail)
    naive = pyogrio.read_dataframe(path)
    assert "漯河大陈" not in set(naive.iloc[:, 0].astype(str))
    assert detect_dbf_encoding(path) == "GB18030"
    layer = read_layer(path, "sections")
    assert layer["name"].tolist() == NAMES
    assert layer["target_class"].tolist() == ["III", "III", "IV"]
    assert layer.attrs["field_mapping"] == {"断面名称": "name", "水质目标": "target_class", "级别": "level"}


def test_reading_never_modifies_input(tmp_path):
    path = _gbk_shapefile(tmp_path)
    before = file_digest(tmp_path)
    read_layer(path, "sections")
    assert file_digest(tmp_path) == before
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(
        ["断面.shp", "断面.shx", "断面.dbf", "断面.prj"])


def test_csv_lonlat_gbk_encoded_needs_a_crs(tmp_path):
    csv = tmp_path / "stops.csv"
    csv.write_bytes("站点名称,经度,纬度\n人民路站,114.02,33.58\n黄河路站,114.03,33.59\n".encode("gbk"))
    with pytest.raises(CRSError, match=r"stops\.csv.*has no CRS.*crs='EPSG:4490'"):
        read_layer(csv, "bus_stops")
    stops = read_layer(csv, "bus_stops", crs="EPSG:4326")
    assert stops["name"].tolist() == ["人民路站", "黄河路站"]
    assert stops.geometry.x.tolist() == [114.02, 114.03]


def test_csv_in_gcj02_is_converted_to_cgcs2000(tmp_path):
    from tests.test_crs import ref_wgs_to_gcj

    true_lon, true_lat = 114.0165, 33.5815
    gx, gy = ref_wgs_to_gcj(true_lon, true_lat)
    csv = tmp_path / "amap.csv"
    csv.write_text(f"name,lng,lat\nintake,{gx!r},{gy!r}\n", encoding="utf-8")
    layer = read_layer(csv, "water_sources", crs="gcj02")
    assert layer.crs.to_epsg() == 4490
    assert abs(layer.geometry.x.iloc[0] - true_lon) < 1e-9 and abs(layer.geometry.y.iloc[0] - true_lat) < 1e-9


def test_csv_bad_rows_named(tmp_path):
    csv = tmp_path / "bad.csv"
    csv.write_text("name,lon,lat\na,114,33\nb,,33\n", encoding="utf-8")
    with pytest.raises(LayerReadError, match=r"bad\.csv: 1 row\(s\).*file lines 3"):
        read_layer(csv, crs=4326)


def test_missing_file_and_unreadable_named(tmp_path):
    with pytest.raises(LayerReadError, match="nope.gpkg: no such file"):
        read_layer(tmp_path / "nope.gpkg")
    junk = tmp_path / "junk.geojson"
    junk.write_text("not json", encoding="utf-8")
    with pytest.raises(LayerReadError, match="junk.geojson"):
        read_layer(junk)


def test_shapefile_without_prj_is_an_error_naming_the_file(tmp_path):
    path = tmp_path / "roads.shp"
    gpd.GeoDataFrame({"name": ["a"]}, geometry=[shapely.LineString([(0, 0), (1, 1)])]).to_file(path)
    with pytest.raises(CRSError, match=r"roads\.shp.*has no CRS"):
        read_layer(path)


@pytest.mark.parametrize("suffix", [".gpkg", ".geojson", ".fgb"])
def test_write_formats_round_trip(tmp_path, suffix):
    gdf = gpd.GeoDataFrame({"id": ["1", "2"], "name": ["甲", "乙"], "harbour": [True, False]},
                           geometry=[shapely.Point(1, 2), shapely.Point(3, 4)], crs=4547)
    out = write_layers({"bus_stops": gdf}, tmp_path / f"out{suffix}")
    back = read_layer(out)
    assert back["name"].tolist() == ["甲", "乙"] and back.crs.to_epsg() == 4547
    assert [p.name for p in tmp_path.iterdir()] == [f"out{suffix}"]  # no temp files left


def test_gpkg_several_layers_and_no_overwrite(tmp_path):
    a = gpd.GeoDataFrame({"id": ["1"]}, geometry=[shapely.Point(0, 0)], crs=4490)
    b = gpd.GeoDataFrame({"id": ["2"]}, geometry=[shapely.box(0, 0, 1, 1)], crs=4490)
    out = write_layers({"bus_stops": a, "study_area": b}, tmp_path / "x.gpkg")
    assert [n for n, _ in pyogrio.list_layers(out)] == ["bus_stops", "study_area"]
    before = file_digest(out)
    with pytest.raises(OutputExistsError, match="overwrite"):
        write_layers({"bus_stops": a}, out)
    assert file_digest(out) == before


def test_failed_write_leaves_nothing(tmp_path):
    bad = gpd.GeoDataFrame({"id": ["1"]}, geometry=[shapely.Point(0, 0)])  # no CRS
    with pytest.raises(CRSError):
        write_layers({"bus_stops": bad}, tmp_path / "x.gpkg")
    assert list(tmp_path.iterdir()) == []


def test_assume_crs_applies_only_to_files_that_state_none(tmp_path):
    """One --crs for several inputs: the CSV without a CRS takes it, the GeoJSON keeps its WGS84."""
    import pyproj

    from ecogis.crs import wgs84_to_gcj02

    lon, lat = 114.02, 33.58
    glon, glat = wgs84_to_gcj02(np.array([lon]), np.array([lat]))
    (tmp_path / "stops.csv").write_text(f"name,lon,lat\n站,{glon[0]:.9f},{glat[0]:.9f}\n", encoding="utf-8")
    gpd.GeoDataFrame({"name": ["区"]}, geometry=[shapely.Point(lon, lat)], crs=4326).to_file(tmp_path / "a.geojson")
    stops = read_layer(tmp_path / "stops.csv", "bus_stops", assume_crs="gcj02")
    area = read_layer(tmp_path / "a.geojson", "study_area", assume_crs="gcj02")
    geod = pyproj.Geod(ellps="GRS80")
    # the stop came back from GCJ-02 to where it is (< 1 cm), the area point was not shifted at all
    assert geod.inv(lon, lat, stops.geometry.x[0], stops.geometry.y[0])[2] < 0.01
    assert (area.geometry.x[0], area.geometry.y[0]) == (lon, lat)
    # crs= still overrides what a file says (GCJ-02 saved as WGS84)
    shifted = gpd.GeoDataFrame({"name": ["站"]}, geometry=[shapely.Point(glon[0], glat[0])], crs=4326)
    shifted.to_file(tmp_path / "scraped.geojson")
    fixed = read_layer(tmp_path / "scraped.geojson", "bus_stops", crs="gcj02")
    assert geod.inv(lon, lat, fixed.geometry.x[0], fixed.geometry.y[0])[2] < 0.01
    with pytest.raises(InputError, match="not both"):
        read_layer(tmp_path / "a.geojson", crs="gcj02", assume_crs="gcj02")


def test_excel_with_chinese_coordinate_columns_in_bd09(tmp_path):
    """An .xlsx export from Baidu Maps: 站点名称 / 经度 / 纬度 in BD-09, read into CGCS2000 within 1 cm."""
    import pandas as pd
    import pyproj

    pytest.importorskip("openpyxl")
    from ecogis.crs import wgs84_to_bd09

    lon = np.array([114.01, 114.03, 114.05])
    lat = np.array([33.57, 33.58, 33.59])
    blon, blat = wgs84_to_bd09(lon, lat)
    path = tmp_path / "stops.xlsx"
    pd.DataFrame({"站点名称": ["甲", "乙", "丙"], "经度": blon, "纬度": blat}).to_excel(path, index=False)
    before = file_digest(path)
    stops = read_layer(path, "bus_stops", crs="bd09")
    assert stops.crs.to_epsg() == 4490 and stops["name"].tolist() == ["甲", "乙", "丙"]
    geod = pyproj.Geod(ellps="GRS80")
    _, _, d = geod.inv(lon, lat, stops.geometry.x.to_numpy(), stops.geometry.y.to_numpy())
    assert d.max() < 0.01
    assert file_digest(path) == before  # the input is never modified


# --- atomic writes (issue 11 item 4) -----------------------------------------------------------------
def test_atomic_output_leaves_nothing_when_interrupted(tmp_path):
    from ecogis.io import atomic_output

    target = tmp_path / "report.json"
    target.write_text("old")
    with pytest.raises(KeyboardInterrupt), atomic_output(target, overwrite=True) as tmp:
        tmp.write_text("half")
        assert tmp.name.startswith(f".ecogis-tmp-{os.getpid()}-") and tmp.name.endswith("-report.json")
        raise KeyboardInterrupt
    assert target.read_text() == "old" and sorted(p.name for p in tmp_path.iterdir()) == ["report.json"]


def test_atomic_output_error_on_a_file_in_the_way_names_it(tmp_path):
    from ecogis.errors import OutputError
    from ecogis.io import atomic_output

    (tmp_path / "f").write_text("x")
    with pytest.raises(OutputError, match="cannot write"), atomic_output(tmp_path / "f" / "x.json") as tmp:
        tmp.write_text("never")


def test_write_layers_shapefile_moves_every_part_together(tmp_path):
    gdf = gpd.GeoDataFrame({"name": NAMES, "n": [1, 2, 3]},
                           geometry=[shapely.Point(114.0 + i / 100, 33.58) for i in range(3)], crs=4490)
    write_layers({"s": gdf}, tmp_path / "s.shp")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["s.cpg", "s.dbf", "s.prj", "s.shp", "s.shx"]
    back = read_layer(tmp_path / "s.shp")
    assert back["name"].tolist() == NAMES and back.crs.to_epsg() == 4490  # UTF-8 with its .cpg
    with pytest.raises(OutputExistsError):
        write_layers({"s": gdf}, tmp_path / "s.shp")


def test_write_layers_refuses_a_shapefile_that_would_rename_fields(tmp_path):
    from ecogis.errors import OutputError

    gdf = gpd.GeoDataFrame({"harbour_stop_share": [0.5]}, geometry=[shapely.Point(114, 33.6)], crs=4490)
    with pytest.raises(OutputError, match="use .gpkg"):
        write_layers({"s": gdf}, tmp_path / "s.shp")
    assert list(tmp_path.iterdir()) == []


# --- property: a written layer reads back as given, or the write is refused ------------------------------
hypothesis = pytest.importorskip("hypothesis")
from hypothesis import given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

_TEXT = st.text(st.characters(codec="utf-8", exclude_categories=["Cs", "Cc"]), max_size=90)
_COLUMN = st.one_of(
    st.lists(st.integers(-(2**53), 2**53), min_size=6, max_size=6),
    st.lists(st.floats(allow_infinity=False, width=64), min_size=6, max_size=6),
    st.lists(st.one_of(st.none(), _TEXT, st.sampled_from(["漯河大陈", "沙澧河 ", "  ", "O'Brien \"河\""])),
             min_size=6, max_size=6),
)
_NAMES = ["id", "name", "n", "share", "名称", "备注说明", "population_share", "harbour_st"]


def _equal(given_col: pd.Series, back_col: pd.Series, *, rtol: float) -> bool:
    """Independent of ecogis: numbers equal (NaN == NaN, relative rtol), texts equal ('' == missing)."""
    if pd.api.types.is_numeric_dtype(given_col):
        return bool(np.all(np.isclose(given_col.to_numpy(float), back_col.to_numpy(float), rtol=rtol, atol=0,
                                      equal_nan=True)))
    norm = [None if v is None or (isinstance(v, float) and np.isnan(v)) or v == "" else v for v in back_col]
    return [None if v in (None, "") else v for v in given_col] == norm


@settings(max_examples=40, deadline=None)
@given(columns=st.dictionaries(st.sampled_from(_NAMES), _COLUMN, min_size=1, max_size=3),
       xs=st.lists(st.floats(73.5, 134.7), min_size=6, max_size=6))
def test_written_layers_read_back_unchanged_or_are_refused(tmp_path_factory, columns, xs):
    from ecogis.errors import OutputError

    gdf = gpd.GeoDataFrame({k: pd.Series(v, dtype=object if any(isinstance(x, str) or x is None for x in v)
                                         else None) for k, v in columns.items()},
                           geometry=[shapely.Point(x, 33.6) for x in xs], crs="EPSG:4490")
    d = tmp_path_factory.mktemp("rt")
    write_layers({"l": gdf}, d / "l.gpkg")  # a GeoPackage takes anything
    back = pyogrio.read_dataframe(d / "l.gpkg")
    for k in columns:
        assert _equal(gdf[k], back[k], rtol=0), k
    try:
        write_layers({"l": gdf}, d / "l.shp")
    except OutputError as exc:
        hypothesis.event("Shapefile refused")
        assert "use .gpkg" in str(exc)
        assert sorted(p.name for p in d.iterdir()) == ["l.gpkg"]  # nothing of the refused Shapefile
        return
    hypothesis.event("Shapefile written")
    back = pyogrio.read_dataframe(d / "l.shp", encoding="UTF-8")
    assert list(back.columns[:-1]) == list(columns)
    for k in columns:  # a DBF keeps 15 significant digits
        assert _equal(gdf[k], back[k], rtol=1e-12), (k, gdf[k].tolist(), back[k].tolist())
    assert shapely.equals_exact(back.geometry.values, gdf.geometry.values, tolerance=0).all()


@pytest.mark.parametrize("text, columns, first", [
    ("name\nA\nB\n", ["name"], ["A"]),  # before: pandas' guess split at the letter 'n': ['Unnamed: 0', 'ame']
    ("名称;lon;lat\n甲;114.0;33.5\n", ["名称", "lon", "lat"], ["甲", 114.0, 33.5]),
    ("name\tlocation\nA\t\"114.0,33.5\"\n", ["name", "location"], ["A", "114.0,33.5"]),
    ('name,location\nA,"114.0,33.5"\n', ["name", "location"], ["A", "114.0,33.5"]),
    ("a|b\n1|2\n", ["a", "b"], [1, 2]),
])
def test_csv_delimiters_are_only_the_usual_ones(tmp_path, text, columns, first):
    from ecogis.io import _read_text_table

    p = tmp_path / "t.csv"
    p.write_text(text, encoding="utf-8")
    df = _read_text_table(p, None)
    assert list(df.columns) == columns and df.iloc[0].tolist() == first
