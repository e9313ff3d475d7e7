"""HJ 338-2018 figures as data: clause numbers, confirmation status, overrides (dict, TOML, --rules)."""

from __future__ import annotations

import json
import math
import re

import geopandas as gpd
import pytest
import shapely
from click.testing import CliRunner
from tests.conftest import GK114, REPO

from ecogis.cli.main import cli
from ecogis.errors import InputError
from ecogis.io import write_layers
from ecogis.water import (
    delineate_protection_zones,
    hj338_figures,
    hj338_unconfirmed_warnings,
    load_hj338_rules,
    water_sources_check,
)

X0, Y0 = 500_000.0, 3_716_000.0
BIG = "lake_reservoir.sizes.大型水库.second_level_radius_m"


def _reservoir(size: str = "大型水库") -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame({"id": ["R1"], "name": ["某水库"], "source_type": ["湖库型"], "size_class": [size]},
                            geometry=[shapely.Point(X0, Y0)], crs=GK114)


def _factory_at(distance_m: float) -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame({"id": ["F1"], "name": ["某厂"], "kind": ["enterprise"]},
                            geometry=[shapely.Point(X0 + distance_m, Y0)], crs=GK114)


def _second_level_area(zones: gpd.GeoDataFrame) -> float:
    return float(zones.loc[zones["level"] == "二级"].area.sum())


# --- the packaged file ----------------------------------------------------------------------
def test_every_figure_has_a_clause_number_and_a_status():
    rows = hj338_figures()
    assert len(rows) == 34  # 6 river, 5 x 3 lake/reservoir, 3 groundwater constants, 5 x 2 media
    for r in rows:
        assert re.match(r"^[678]\.\d+(\.\d+)*", r["clause"]), r
        assert r["confirmed"] is False and r["note"], r  # nothing was read from the standard's own text
        assert r["overridden"] is None
    assert {r["path"].split(".")[0] for r in rows} == {"river", "lake_reservoir", "groundwater"}
    big = next(r for r in rows if r["path"] == BIG)
    assert big["value"] == 3000.0 and big["note"].startswith("DOUBTFUL")


def test_a_rules_file_without_clause_or_status_is_refused(tmp_path):
    text = (REPO / "src" / "ecogis" / "data" / "rules" / "hj338.toml").read_text(encoding="utf-8")
    f = tmp_path / "hj338.toml"
    f.write_text(text.replace('[figures."river.first_level_land_m"]\nclause = "6.1.2.2"\nconfirmed = false\n',
                              '[figures."river.first_level_land_m"]\n'), encoding="utf-8")
    with pytest.raises(InputError, match=r"river\.first_level_land_m.*clause"):
        load_hj338_rules(f)


def test_docs_list_every_clause_and_say_unconfirmed():
    doc = (REPO / "docs" / "water.md").read_text(encoding="utf-8")
    for r in hj338_figures():
        assert r["clause"].split(" ")[0] in doc, r["clause"]
    assert "unconfirmed" in doc and "3000" in doc


# --- overrides -------------------------------------------------------------------------------
def test_override_dict_changes_the_ring_by_the_analytic_area():
    """大型水库: 一级 disc 500 m + land 200 m, 二级 ring of r2 beyond: area pi((700 + r2)^2 - 700^2)."""
    packaged = delineate_protection_zones(_reservoir())
    over = delineate_protection_zones(_reservoir(), rules=load_hj338_rules(
        overrides={"lake_reservoir": {"sizes": {"大型水库": {"second_level_radius_m": 2000}}}}))
    for zones, r2 in ((packaged, 3000.0), (over, 2000.0)):
        exact = math.pi * ((700.0 + r2) ** 2 - 700.0 ** 2)
        assert _second_level_area(zones) == pytest.approx(exact, rel=2e-4)  # 128-segment circles


def test_override_toml_file_and_its_status(tmp_path):
    f = tmp_path / "mine.toml"
    f.write_text('[lake_reservoir.sizes."大型水库"]\nsecond_level_radius_m = 2000.0\n\n'
                 f'[figures."{BIG}"]\nconfirmed = true\nnote = "read from the published text"\n', encoding="utf-8")
    rules = load_hj338_rules(overrides=f)
    assert rules["lake_reservoir"]["sizes"]["大型水库"]["second_level_radius_m"] == 2000.0
    assert rules["figures"][BIG] == {"clause": "7.3.1 (water) / 7.3.2 (land)", "confirmed": True,
                                     "note": "read from the published text", "overridden": str(f)}
    # everything else is the packaged file's
    assert rules["lake_reservoir"]["sizes"]["大型水库"]["first_level_radius_m"] == 500.0
    assert load_hj338_rules()["lake_reservoir"]["sizes"]["大型水库"]["second_level_radius_m"] == 3000.0


@pytest.mark.parametrize("overrides, message", [
    ({"river": {"first_level_upstrem_m": 1500}}, "did you mean 'first_level_upstream_m'"),
    ({"river": {"first_level_upstream_m": -5}}, ">= 0"),
    ({"river": {"first_level_upstream_m": "1000 m"}}, "expected to be a number"),
    ({"groundwater": {"media": {"细砂": {"first_level_radius_m": 40}}}}, "[min, max] pair"),
    ({"lake_reservoir": {"sizes": {"特大型水库": {"second_level_radius_m": 1}}}}, "'lake_reservoir.sizes.特大型水库'"),
    ({"figures": {"river.nope": {"confirmed": True}}}, "not a figure"),
    ({"figures": {BIG: {"confirmed": "yes"}}}, "expected true or false"),
    ({"river": {"first_level_clause": 6}}, "expected to be text"),
])
def test_bad_overrides_are_refused_with_the_key(overrides, message):
    with pytest.raises(InputError) as e:
        load_hj338_rules(overrides=overrides)
    assert message in str(e.value)


def test_bad_override_file(tmp_path):
    f = tmp_path / "bad.toml"
    f.write_text("[river\nfirst_level_upstream_m = 1", encoding="utf-8")
    with pytest.raises(InputError, match="not valid TOML"):
        load_hj338_rules(overrides=f)
    with pytest.raises(InputError, match="not found"):
        load_hj338_rules(overrides=tmp_path / "missing.toml")


# --- warnings ----------------------------------------------------------------------------------
def test_water_sources_warns_of_the_unconfirmed_figures_it_used():
    r = water_sources_check(None, facilities=_factory_at(3000.0), sources=_reservoir())
    assert r.parameters["zones_origin"] == "delineated"
    text = " | ".join(r.warnings)
    assert f"{BIG} = 3000 (7.3.1" in text and "doubtful" in text
    assert "river." not in text and "groundwater." not in text  # only the figures this delineation used
    assert r.metrics["facilities_in_second_level"] == 1  # 3000 m < 500 + 200 + 3000


def test_overridden_figure_is_not_reported_and_moves_the_verdict():
    rules = load_hj338_rules(overrides={"lake_reservoir": {"sizes": {"大型水库": {"second_level_radius_m": 2000}}}})
    r = water_sources_check(None, facilities=_factory_at(3000.0), sources=_reservoir(), rules=rules)
    text = " | ".join(r.warnings)
    assert BIG not in text and "doubtful" not in text
    assert "first_level_radius_m = 500 (7.2.1.3)" in text  # the others still unconfirmed
    assert r.metrics["facilities_in_second_level"] == 0  # 3000 m > 500 + 200 + 2000


def test_given_zones_need_no_hj338_warning():
    zones = delineate_protection_zones(_reservoir())
    r = water_sources_check(None, facilities=_factory_at(3000.0), zones=zones)
    assert not any("HJ 338-2018 figures" in w for w in r.warnings)
    assert hj338_unconfirmed_warnings(zones)  # but the function itself reports them


def test_cli_rules_option(tmp_path):
    layers = tmp_path / "layers"
    layers.mkdir()
    over = tmp_path / "hj338.toml"
    # a layer directory of its own: with --sources alone the command would fill the optional layers (and
    # their protection_zones) from the embedded sample
    write_layers({"water_sources": _reservoir()}, layers / "water_sources.gpkg")
    write_layers({"facilities": _factory_at(3000.0)}, layers / "facilities.gpkg")
    over.write_text('[lake_reservoir.sizes."大型水库"]\nsecond_level_radius_m = 2000.0\n', encoding="utf-8")
    out = {}
    for name, extra in (("packaged", []), ("override", ["--rules", str(over)])):
        path = tmp_path / f"{name}.json"
        res = CliRunner().invoke(cli, ["-q", "check", "water-sources", "--layers", str(layers), "--json", str(path),
                                       *extra])
        assert res.exit_code == 0, res.output
        out[name] = json.loads(path.read_text(encoding="utf-8"))
    assert out["packaged"]["metrics"]["facilities_in_second_level"] == 1
    assert out["override"]["metrics"]["facilities_in_second_level"] == 0
    assert any(BIG in w for w in out["packaged"]["warnings"])
    assert not any(BIG in w for w in out["override"]["warnings"])
    bad = tmp_path / "bad.toml"
    bad.write_text("[river]\nfirst_level_upstrem_m = 1\n", encoding="utf-8")
    res = CliRunner().invoke(cli, ["-q", "check", "water-sources", "--layers", str(layers), "--rules", str(bad)])
    assert res.exit_code != 0 and "first_level_upstream_m" in res.output
