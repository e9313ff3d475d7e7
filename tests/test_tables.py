"""Record tables (ecogis.tables): headers, dates, numbers, bad files, discovery in a layers directory."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest

from ecogis.errors import LayerReadError, NotMeasurableError
from ecogis.layerset import LayerSet, load_layers
from ecogis.tables import canonicalize_table, find_tables, read_table


def _write(path, text, encoding="utf-8"):
    path.write_bytes(text.encode(encoding))
    return path


def test_chinese_headers_and_units_in_brackets(tmp_path):
    p = _write(tmp_path / "air_daily.csv",
               "监测日期,站点名称,PM2.5(μg/m³),PM10（微克/立方米）,臭氧8小时,CO(mg/m3),质量等级\n"
               "2024/1/2,市监测站,35,50,100,0.8,优\n2024年1月3日,市监测站,—,60,,1.1,良\n")
    t = read_table(p, "air_daily")
    assert list(t.columns) == ["date", "station", "pm25", "pm10", "o3_8h", "co"]
    assert t["date"].dt.date.tolist() == [dt.date(2024, 1, 2), dt.date(2024, 1, 3)]
    assert t["pm25"].tolist()[0] == 35.0 and pd.isna(t["pm25"].iloc[1])  # "—" is no value
    assert pd.isna(t["o3_8h"].iloc[1])
    assert t.attrs["rows"] == [2, 3]


def test_gbk_csv(tmp_path):
    p = _write(tmp_path / "air_daily.csv", "日期,站点,AQI\n2024-01-01,郾城区,88\n", encoding="gbk")
    t = read_table(p, "air_daily")
    assert t["station"].tolist() == ["郾城区"] and t["aqi"].tolist() == [88.0]


def test_xlsx_through_gdal_with_excel_dates_and_text_first_row(tmp_path):
    p = tmp_path / "section_samples.xlsx"
    # first data row all text: GDAL's own header guess would take the header for data
    pd.DataFrame({"断面名称": ["马湾", "马湾"], "采样日期": ["2024-01-15", pd.Timestamp("2024-02-15")],
                  "氨氮": ["0.42", 0.5], "总磷": ["<0.02", 0.1]}).to_excel(p, index=False)
    t = read_table(p, "section_samples")
    assert t["section"].tolist() == ["马湾", "马湾"]
    assert t["date"].dt.date.tolist() == [dt.date(2024, 1, 15), dt.date(2024, 2, 15)]
    assert t["nh3n_mgl"].tolist() == [0.42, 0.5]
    assert t["tp_mgl"].tolist() == [0.01, 0.1]  # '<0.02' is half the detection limit
    assert any("detection limit" in w for w in t.attrs["warnings"])


def test_bad_dates_and_text_in_numbers_named_by_row_and_column(tmp_path):
    p = _write(tmp_path / "air_daily.csv",
               "日期,站点,PM2.5\n2024-01-01,A,35\n2024-13-01,A,36\n2024-01-03,A,abc\nyesterday,A,-4\n")
    with pytest.raises(LayerReadError) as e:
        read_table(p, "air_daily")
    msg = str(e.value)
    assert str(p) in msg
    assert "row 3, column '日期': '2024-13-01' is not a date" in msg
    assert "row 4, column 'PM2.5': 'abc' is not a number" in msg
    assert "row 5, column '日期': 'yesterday' is not a date" in msg
    assert "row 5, column 'PM2.5': -4 is negative" in msg


def test_duplicate_station_days_refused(tmp_path):
    p = _write(tmp_path / "air_daily.csv", "date,station,pm25\n2024-01-01,A,35\n2024-01-02,A,3\n2024/1/1,A,40\n")
    with pytest.raises(LayerReadError, match=r"rows 2, 4: the same station and date \(A, 2024-01-01\)"):
        read_table(p, "air_daily")


def test_missing_required_and_value_columns_and_ambiguous_o3(tmp_path):
    with pytest.raises(LayerReadError, match="needs column"):
        canonicalize_table(pd.DataFrame({"站点": ["A"], "PM2.5": [1]}), "air_daily")
    with pytest.raises(LayerReadError, match="none of the value columns"):
        canonicalize_table(pd.DataFrame({"日期": ["2024-01-01"], "站点": ["A"]}), "air_daily")
    with pytest.raises(LayerReadError, match="ambiguous"):
        canonicalize_table(pd.DataFrame({"日期": ["2024-01-01"], "O3": [100]}), "air_daily")
    with pytest.raises(LayerReadError, match="both taken for 'pm25'"):
        canonicalize_table(pd.DataFrame({"日期": ["2024-01-01"], "PM2.5": [1], "pm25": [2]}), "air_daily")


def test_bare_not_detected_needs_the_limit():
    with pytest.raises(LayerReadError, match="'未检出' is not a number .*'<limit'"):
        canonicalize_table(pd.DataFrame({"断面": ["A"], "日期": ["2024-01"], "总磷": ["未检出"]}),
                           "section_samples")


def test_legacy_xls_refused_with_fix(tmp_path):
    p = _write(tmp_path / "air_daily.xls", "not really")
    with pytest.raises(LayerReadError, match="save as .xlsx"):
        read_table(p, "air_daily")


def test_input_file_unchanged(tmp_path):
    p = _write(tmp_path / "air_daily.csv", "日期,PM2.5\n2024-01-01,35\n")
    before = p.read_bytes()
    read_table(p, "air_daily")
    assert p.read_bytes() == before


def test_discovery_in_layers_directory(tmp_path):
    _write(tmp_path / "air_daily.csv", "日期,PM2.5\n2024-01-01,35\n")
    _write(tmp_path / "section_samples.csv", "断面,日期,氨氮\nA,2024-01,0.3\n")
    _write(tmp_path / "notes.csv", "a,b\n1,2\n")
    assert sorted(find_tables(tmp_path)) == ["air_daily", "section_samples"]
    ls = load_layers(tmp_path)  # the tables alone make a layer set; notes.csv is no kind
    assert ls.has("air_daily") and ls.table("air_daily")["pm25"].tolist() == [35.0]
    assert "air_daily" not in ls.vectors


def test_bad_table_fails_only_when_taken(tmp_path):
    _write(tmp_path / "air_daily.csv", "日期,PM2.5\nnot a date,35\n")
    ls = load_layers(tmp_path)  # reading the directory does not fail
    with pytest.raises(LayerReadError, match="not a date"):
        ls.table("air_daily")
    with pytest.raises(NotMeasurableError, match="section_samples"):
        ls.table("section_samples")


def test_dataframe_given_is_canonicalized_not_modified():
    df = pd.DataFrame({"日期": ["2024-01-01"], "PM2.5": ["35"]})
    ls = LayerSet(tables={"air_daily": df})
    assert ls.table("air_daily")["pm25"].tolist() == [35.0]
    assert list(df.columns) == ["日期", "PM2.5"] and ls.tables["air_daily"] is df
    assert "air_daily" not in ls.without("air_daily").tables


def test_unit_in_header_must_be_the_columns_unit():
    with pytest.raises(LayerReadError, match="CO.*is in ug/m3 but air_daily expects co in mg/m3; divide"):
        canonicalize_table(pd.DataFrame({"日期": ["2024-01-01"], "CO(μg/m³)": [800]}), "air_daily")
    t = canonicalize_table(pd.DataFrame({"日期": ["2024-01-01"], "CO(mg/m³)": [0.8], "PM2.5(μg/m³)": [30]}),
                           "air_daily")
    assert t["co"].tolist() == [0.8] and t["pm25"].tolist() == [30.0]
    # names with the unit spelled in them (pm25_ugm3, co_mgm3, nh3n_mgl) write no unit to compare
    t = canonicalize_table(pd.DataFrame({"date": ["2024-01-01"], "co_mgm3": [0.8], "pm25_ugm3": [30]}), "air_daily")
    assert t["co"].tolist() == [0.8]
    assert canonicalize_table(pd.DataFrame({"section": ["A"], "date": ["2024-01"], "nh3n_mgl": [0.3]}),
                              "section_samples")["nh3n_mgl"].tolist() == [0.3]


def test_title_row_above_the_header_named_in_the_error(tmp_path):
    p = tmp_path / "air_daily.xlsx"
    pd.DataFrame([["日期", "PM2.5"], ["2024-01-01", 35]], columns=["漯河市空气质量日报（2024年）", None]).to_excel(
        p, index=False)
    with pytest.raises(LayerReadError, match="looks like a title"):
        read_table(p, "air_daily")


def test_validate_reads_record_tables_and_reports_bad_cells(tmp_path):
    from ecogis.validate import fix_paths, validate_paths

    _write(tmp_path / "air_daily.csv", "日期,PM2.5\n2024-01-01,35\n")
    _write(tmp_path / "section_samples.csv", "断面,日期,氨氮\nA,2024-01,abc\n")
    report = validate_paths([tmp_path])
    assert [p.code for p in report.problems] == ["bad-table"]
    assert "row 2, column '氨氮': 'abc' is not a number" in report.problems[0].message
    assert {r["kind"]: r["features"] for r in report.layers} == {"air_daily": 1}
    (tmp_path / "section_samples.csv").unlink()
    import geopandas as gpd
    import shapely

    from ecogis.io import write_layers

    write_layers({"sections": gpd.GeoDataFrame({"id": ["S1"], "name": ["a"], "level": ["国控"],
                                                "target_class": ["III"]},
                                               geometry=[shapely.Point(114.0, 33.6)], crs=4490)},
                 tmp_path / "sections.gpkg")
    gpkg, _, _ = fix_paths([tmp_path], tmp_path / "out" / "fixed.gpkg")  # the table is not a layer to repair
    assert gpkg.is_file()
