"""The layer catalogue: kinds, fields, aliases and value normalisation."""

from __future__ import annotations

import pandas as pd
import pytest

from ecogis.catalogue import CATALOGUE, canonicalize, get_spec, guess_kind, kinds, normalize_water_class
from ecogis.errors import CatalogueError

REQUIRED_KINDS = {"study_area", "rivers", "sections", "water_sources", "protection_zones", "bus_stops",
                  "bus_routes", "roads", "eco_redlines", "control_zones", "facilities", "air_stations",
                  "population", "pollutant_surface"}


def test_all_kinds_of_the_issue_exist():
    assert REQUIRED_KINDS <= set(kinds())


def test_every_spec_has_id_and_name_and_display_names():
    for kind, spec in CATALOGUE.items():
        names = [f.name for f in spec.fields]
        assert names[:2] == ["id", "name"], kind
        assert spec.name_zh and spec.name_en
        assert len(set(names)) == len(names), f"duplicate field in {kind}"


@pytest.mark.parametrize("raw,expected", [("Ⅲ类", "III"), ("3类", "III"), (2, "II"), ("劣Ⅴ类", "劣V"),
                                          ("劣五类", "劣V"), ("iv", "IV"), ("V", "V"), (None, None), ("x", None)])
def test_water_class_normalisation(raw, expected):
    assert normalize_water_class(raw) == expected


def test_canonicalize_maps_chinese_columns_and_values():
    df = pd.DataFrame({"站点名称": ["a"], "编号": [7.0], "港湾式": ["是"], "无障碍": [0]})
    out, mapping = canonicalize(df, "bus_stops")
    assert mapping == {"站点名称": "name", "编号": "id", "港湾式": "harbour", "无障碍": "accessible"}
    assert out["id"].tolist() == ["7"] and out["harbour"].tolist() == [True] and out["accessible"].tolist() == [False]
    assert list(df.columns) == ["站点名称", "编号", "港湾式", "无障碍"]  # input untouched


def test_canonicalize_levels():
    out, _ = canonicalize(pd.DataFrame({"级别": ["一级保护区", "2", "准保护"]}), "protection_zones")
    assert out["level"].tolist() == ["一级", "二级", "准保护区"]


def test_unknown_kind_error_lists_choices():
    with pytest.raises(CatalogueError, match=r"kind was 'stops' but is expected to be one of \[.*'bus_stops'"):
        get_spec("stops")


@pytest.mark.parametrize("name,kind", [("bus_stops.shp", "bus_stops"), ("漯河公交站点.csv", "bus_stops"),
                                       ("sections.gpkg", "sections"), ("misc.gpkg", None)])
def test_guess_kind(name, kind):
    assert guess_kind(name) == kind


def test_a_versioned_file_name_is_its_kind_not_study_area():
    """``protected_areas_2020.shp`` holds 'area', a word of study_area: the kind it starts with wins."""
    from ecogis.catalogue import guess_kind

    assert guess_kind("protected_areas_2020.shp") == "protected_areas"
    assert guess_kind("black_odorous_waters_2024.geojson") == "black_odorous_waters"
    assert guess_kind("黑臭水体清单.shp") == "black_odorous_waters"
    assert guess_kind("district_boundaries.shp") == "study_area"


def test_zone_kinds_read_chinese_values():
    import pandas as pd

    from ecogis.catalogue import canonicalize

    pa, _ = canonicalize(pd.DataFrame({"保护类型": ["基本农田", "生态公益林", "湿地保护区", "其他"]}), "protected_areas")
    assert pa["category"].tolist() == ["永久基本农田", "公益林", "湿地", "其他"]
    mn, _ = canonicalize(pd.DataFrame({"修复状态": ["已治理", "在建", "未恢复"]}), "mines")
    assert mn["restoration"].tolist() == ["已修复", "修复中", "未修复"]
    fac, _ = canonicalize(pd.DataFrame({"类型": ["环境风险源", "煤气发生炉", "窑炉", "污水处理设施"]}), "facilities")
    assert fac["kind"].tolist() == ["risk_source", "gas_producer", "kiln", "sewage_plant"]
