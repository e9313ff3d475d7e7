"""Monthly section samples (ecogis.section_samples): GB 3838-2002 annual class on constructed samples, the
sections check on the annual means, completeness and matching warnings."""

from __future__ import annotations

import geopandas as gpd
import pandas as pd
import pytest
import shapely

from ecogis.audit import run_check
from ecogis.layerset import LayerSet
from ecogis.section_samples import annual_section_means, sections_with_annual_means

MONTHS = pd.date_range("2024-01-01", periods=12, freq="MS") + pd.Timedelta(days=9)


def _samples(section, **params):
    return pd.DataFrame({"section": [section] * len(MONTHS), "date": MONTHS, **params})


def test_annual_class_from_annual_means_by_hand():
    # NH3-N alternating 0.4 / 0.8: mean 0.6, class III (0.5 < 0.6 <= 1.0; 表1 第7项), although half the months are II;
    # TP 0.05 for 11 months and 1.0 once: mean 0.129, class III (0.1 < 0.129 <= 0.2), although one month is 劣V;
    # DO 4.5 every month: class IV (3 <= 4.5 < 5; 表1 第3项, at least the limit)
    a = _samples("A", nh3n_mgl=[0.4, 0.8] * 6, tp_mgl=[0.05] * 11 + [1.0])
    b = _samples("B", do_mgl=[4.5] * 12, nh3n_mgl=[0.1] * 12)
    out = annual_section_means(pd.concat([a, b], ignore_index=True))
    assert out.loc["A", "nh3n_mgl"] == pytest.approx(0.6)
    assert out.loc["A", "tp_mgl"] == pytest.approx((11 * 0.05 + 1.0) / 12)
    assert out.loc["A", "annual_class"] == "III"
    assert out.loc["B", "annual_class"] == "IV" and out.loc["B", "deciding_indicator_zh"] == "溶解氧"
    assert out.attrs["year"] == 2024 and not [w for w in out.attrs["warnings"] if "fewer than" in w]


def test_lake_limits_for_phosphorus():
    # TP 0.08 is class II in a river (<= 0.1) but IV in a lake (0.05 < 0.08 <= 0.1)
    s = _samples("L", tp_mgl=[0.08] * 12)
    assert annual_section_means(s).loc["L", "annual_class"] == "II"
    lake = annual_section_means(s, water_body=pd.Series({"L": "水库"}))
    assert lake.loc["L", "annual_class"] == "IV"


def test_fewer_months_carried_with_a_warning():
    s = _samples("A", nh3n_mgl=[0.3] * 12).iloc[:9]
    out = annual_section_means(s)
    assert out.loc["A", "months"] == 9 and out.loc["A", "annual_class"] == "II"
    assert any("fewer than 12 months" in w and "A (9)" in w for w in out.attrs["warnings"])


def _sections():
    return gpd.GeoDataFrame(
        {"id": ["S1", "S2"], "name": ["马湾", "大陈"], "level": ["国控", "国控"], "target_class": ["III", "III"],
         "nh3n_mgl": [0.3, 0.3], "do_mgl": [7.0, 7.0]},
        geometry=[shapely.Point(500000, 3700000), shapely.Point(501000, 3700000)], crs=4547)


def test_sections_check_uses_the_annual_means_and_says_so():
    samples = pd.concat([_samples("马湾", nh3n_mgl=[1.2, 1.4] * 6),   # mean 1.3: IV, fails III
                         _samples("S2", nh3n_mgl=[0.2] * 12),          # matched by id: II
                         _samples("不存在", nh3n_mgl=[0.2] * 12)], ignore_index=True)
    layers = LayerSet({"sections": _sections()}, tables={"section_samples": samples})
    r = run_check("sections", layers)
    cls = r.layers["sections_classified"].set_index("id")["measured_class"]
    assert cls["S1"] == "IV" and cls["S2"] == "II"
    assert r.metrics["compliance_rate"] == 0.5
    assert "section_samples annual means (2024) for 2 of 2" in r.parameters["concentrations_from"]
    assert any("不存在" in w for w in r.warnings)
    # the samples replace every concentration of a matched section: DO (not sampled) is not taken from the layer
    assert r.layers["sections_classified"]["do_mgl"].isna().all()
    # without samples: one value per section, both class II
    plain = run_check("sections", LayerSet({"sections": _sections()}))
    assert plain.metrics["compliance_rate"] == 1.0 and "concentrations_from" not in plain.parameters


def test_sections_without_samples_keep_their_value_with_a_warning():
    sec, warnings, used = sections_with_annual_means(_sections(), _samples("马湾", nh3n_mgl=[1.3] * 12))
    by_id = sec.set_index("id")["nh3n_mgl"]
    assert by_id["S2"] == 0.3 and by_id["S1"] == pytest.approx(1.3)
    assert any("S2 (大陈)" in w for w in warnings) and "1 of 2" in used
    assert _sections()["nh3n_mgl"].tolist() == [0.3, 0.3]  # input not modified


def test_bad_samples_file_leaves_the_layer_values_with_a_warning(tmp_path):
    p = tmp_path / "section_samples.csv"
    p.write_text("断面名称,采样日期,氨氮\n马湾,2024-01-10,abc\n", encoding="utf-8")
    r = run_check("sections", LayerSet({"sections": _sections()}, tables={"section_samples": p}))
    assert r.metrics["compliance_rate"] == 1.0
    assert any("section_samples not used" in w and "'abc' is not a number" in w for w in r.warnings)


def test_cli_check_sections_uses_the_samples_of_a_layers_directory(tmp_path):
    from click.testing import CliRunner

    from ecogis.cli.main import cli
    from ecogis.io import write_layers

    write_layers({"sections": _sections()}, tmp_path / "layers.gpkg")
    (tmp_path / "layers.gpkg").rename(tmp_path / "sections.gpkg")
    _samples("马湾", nh3n_mgl=[1.3] * 12).to_csv(tmp_path / "section_samples.csv", index=False)
    r = CliRunner().invoke(cli, ["check", "sections", "--layers", str(tmp_path)])
    assert r.exit_code == 0, r.output
    assert "compliance_rate: 0.5000" in r.output and "section_samples annual means (2024)" in r.output
