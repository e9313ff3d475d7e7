"""The check registry: one CheckSpec per check, read by audit, targets, CLI, maps and export.

A toy check registered from this module (no ecogis file touched) runs through
``run_audit``, ``ecogis check`` and ``ecogis map --check``: that is what "adding a
check is one module" means.
"""

from __future__ import annotations

import ast
import dataclasses
import json
import subprocess
import sys
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import click
import geopandas as gpd
import numpy as np
import pytest
import shapely
from click.testing import CliRunner

from ecogis import checks
from ecogis.audit import run_audit, run_check, run_checks
from ecogis.catalogue import CATALOGUE, RASTERS
from ecogis.checks import CHECKS, CheckSpec, Field, Metric, Param, get_check, register, unregister
from ecogis.cli.main import cli
from ecogis.errors import CatalogueError, CheckError, InputError
from ecogis.layerset import LayerSet, load_layers, load_sample
from ecogis.result import CheckResult
from ecogis.styles import LayerStyle, Symbol, style_for
from ecogis.tables import TABLES
from ecogis.targets import _rule_problems

SRC = Path(__file__).resolve().parents[1] / "src"
CRS = "EPSG:4547"

#: the checks ecogis shipped before registration by discovery, in the order they had (ecogis check, run, report)
HISTORIC = ["coverage", "bus-indicators", "water-sources", "sections", "redlines", "redline-change", "river-buffers",
            "control-zones", "air", "boilers", "parks", "greenways", "land-cover",
            "area-change", "facilities-in-zones", "black-odorous-water", "sewers", "mines", "air-records",
            "coverage-network"]


def _spec_modules() -> dict[str, str]:
    """Check name -> module file of every module of src/ecogis/checks that assigns SPEC at module level (by ast,
    not through the registry)."""
    out = {}
    for p in sorted((SRC / "ecogis" / "checks").glob("*.py")):
        tree = ast.parse(p.read_text(encoding="utf-8"))
        for node in tree.body:
            if isinstance(node, ast.Assign) and any(getattr(t, "id", None) == "SPEC" for t in node.targets):
                name = next(k.value.value for k in node.value.keywords if k.arg == "name")
                out[name] = p.name
    return out


def test_registry_holds_every_check_module_once_by_its_name_in_their_order():
    found = _spec_modules()
    assert len(found) >= len(HISTORIC) and set(HISTORIC) <= set(found)
    assert sorted(CHECKS) == sorted(found)  # every file with a SPEC is registered, nothing else
    assert [n for n in CHECKS if n in HISTORIC] == HISTORIC  # the order of before is kept
    orders = [s.order for s in CHECKS.values()]
    assert orders == sorted(orders) and len(set(orders)) == len(orders)  # by `order`, no two alike
    for name, spec in CHECKS.items():
        assert spec.name == name
        assert all(spec.title) and spec.title[0] != spec.title[1]
        assert spec.target_metrics, name
        assert set(spec.headline) and len(set(spec.headline)) == len(spec.headline)


def _fake_package(root: Path, name: str, modules: dict[str, str]) -> str:
    pkg = root / name
    pkg.mkdir()
    (pkg / "__init__.py").write_text("", encoding="utf-8")
    for mod, body in modules.items():
        (pkg / f"{mod}.py").write_text(body, encoding="utf-8")
    return name


_FAKE_SPEC = ("from ecogis.checks.spec import CheckSpec, Metric\n"
              "SPEC = CheckSpec(name={name!r}, title=('甲', 'A'), runner=lambda *a, **k: None, order={order},\n"
              "                 metrics=(Metric('n', 'count', ('数', 'N'), target=True),))\n")


def test_discovery_orders_by_spec_order_and_skips_private_modules(tmp_path, monkeypatch):
    monkeypatch.syspath_prepend(str(tmp_path))
    pkg = _fake_package(tmp_path, "fake_checks_ok", {
        "alpha": _FAKE_SPEC.format(name="alpha", order=20), "beta": _FAKE_SPEC.format(name="beta", order=10),
        "_helper": "X = 1\n"})
    assert [s.name for s in checks.discover(pkg)] == ["beta", "alpha"]


def test_discovery_refuses_a_public_module_without_spec_and_a_name_twice(tmp_path, monkeypatch):
    monkeypatch.syspath_prepend(str(tmp_path))
    pkg = _fake_package(tmp_path, "fake_checks_bad", {"alpha": _FAKE_SPEC.format(name="alpha", order=1),
                                                      "helpers": "X = 1\n"})
    with pytest.raises(CheckError, match=r"fake_checks_bad\.helpers .*has no SPEC.*_helpers\.py"):
        checks.discover(pkg)
    pkg = _fake_package(tmp_path, "fake_checks_twice", {"a": _FAKE_SPEC.format(name="same", order=1),
                                                        "b": _FAKE_SPEC.format(name="same", order=2)})
    with pytest.raises(CheckError, match="both declare check 'same'"):
        checks.discover(pkg)


def test_every_context_and_input_kind_is_a_catalogue_kind_and_every_result_layer_has_a_style():
    for spec in CHECKS.values():
        assert set(spec.context) <= set(CATALOGUE), spec.name
        assert set(spec.inputs) <= set(CATALOGUE) | set(RASTERS) | set(TABLES), spec.name
        for layer in spec.result_layers:
            style_for(layer)  # raises CatalogueError when there is none


@pytest.mark.sample
def test_sample_results_match_their_specs():
    """What each check returns on the sample (the truth) is what its spec declares."""
    results, skipped = run_checks(load_sample(), progress=False)
    assert skipped == {} and list(results) == list(CHECKS)
    for name, r in results.items():
        spec = CHECKS[name]
        assert r.name == name
        assert set(r.layers) <= set(spec.result_layers), (name, set(r.layers) - set(spec.result_layers))
        computed = set(spec.target_metrics) - {"share_meeting_class"}  # computed per target, see sections.measure
        assert computed <= set(r.metrics) | set(r.not_measurable), name
        assert set(spec.headline) & set(r.to_dict()), name


def test_every_registered_check_is_offered_by_ecogis_check_and_map_check():
    runner = CliRunner()
    check_help = runner.invoke(cli, ["check", "--help"]).output
    map_help = " ".join(runner.invoke(cli, ["map", "--help"]).output.split()).replace("- ", "-")
    for name in CHECKS:
        assert f"  {name} " in check_help, name
        assert name in map_help, name  # boilers was missing from this help before the registry
    map_check = next(p for p in click.Context(cli).command.get_command(click.Context(cli), "map").params
                     if p.name == "checks")
    assert list(map_check.type.choices) == list(CHECKS)


def test_the_import_graph_of_the_library_has_no_cycle():
    """Every ``import ecogis.x`` in src (function-level ones too); audit <-> targets was a cycle."""
    mods = {}
    for p in (SRC / "ecogis").rglob("*.py"):
        name = ".".join(p.relative_to(SRC).with_suffix("").parts).removesuffix(".__init__")
        mods[name] = p
    graph: dict[str, set[str]] = {}
    for name, p in mods.items():
        out = set()
        for n in ast.walk(ast.parse(p.read_text(encoding="utf-8"))):
            if isinstance(n, ast.ImportFrom) and n.level == 0 and (n.module or "").startswith("ecogis"):
                out |= {f"{n.module}.{a.name}" if f"{n.module}.{a.name}" in mods else n.module for a in n.names}
            elif isinstance(n, ast.Import):
                out |= {a.name for a in n.names if a.name.startswith("ecogis")}
        if name == "ecogis.checks":  # the registry imports every check module it discovers (importlib)
            out |= {f"ecogis.checks.{f.removesuffix('.py')}" for f in _spec_modules().values()}
        # a package's own submodules import it first: not a cycle of this package's making
        graph[name] = {d for d in out if d in mods and d != name and not name.startswith(d + ".")}

    def cycle_from(start: str) -> list[str] | None:
        stack = [(start, [start])]
        seen = set()
        while stack:
            node, path = stack.pop()
            for nxt in graph[node]:
                if nxt == start:
                    return path + [start]
                if nxt not in seen:
                    seen.add(nxt)
                    stack.append((nxt, path + [nxt]))
        return None

    cycles = [c for m in sorted(graph) if (c := cycle_from(m))]
    assert cycles == []


def test_targets_module_does_not_load_the_audit():
    code = "import sys, ecogis.targets; print('ecogis.audit' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "False"


# --- parameters validated by the spec -------------------------------------------------------
def _toml_target(**kw: Any) -> dict[str, Any]:
    t = {"id": "p/t", "check": "boilers", "metric": "coal_boilers_near_chp", "comparator": "zero", "spatial": True}
    t.update(kw)
    return t


@pytest.mark.parametrize(("params", "expected"), [
    ({"radius_m": 15000}, []),
    ({"radius": 15000}, ["`params` ['radius'] are not parameters of check 'boilers'"]),
    ({"radius_m": 0}, ["`params.radius_m` was 0 but is expected to be > 0 (m)"]),
    ({"min_chp_mw": -1}, ["`params.min_chp_mw` was -1 but is expected to be >= 0 (MW)"]),
    ({"radius_m": "30km"}, ["`params.radius_m` was '30km' but is expected to be a finite number (m)"]),
])
def test_targets_validate_params_through_the_checks_spec(params, expected):
    problems = _rule_problems({"plan": {"id": "p"}, "targets": [_toml_target(params=params)]}, "x.toml")
    msgs = [p.message for p in problems if p.field == "params"]
    assert len(msgs) == len(expected)
    for m, e in zip(msgs, expected):
        assert m.startswith(e)


def test_run_check_refuses_a_parameter_out_of_range_before_running():
    layers = LayerSet({}, name="empty")  # no facilities: would be not measurable if it ran
    with pytest.raises(InputError, match=r"radius_m.* was -5 but is expected to be > 0"):
        run_check("boilers", layers, params={"radius_m": -5})


def test_get_check_names_the_choices_and_the_closest():
    with pytest.raises(InputError, match=r"did you mean 'boilers'\?"):
        get_check("boiler")


# --- a toy check added from outside ecogis -------------------------------------------------
def _count_big(layers: LayerSet, params: Mapping[str, Any], *, scope: str | None = None,
               year: int | None = None) -> CheckResult:
    f = layers.get("facilities")
    cap = np.asarray(f["capacity_mw"], dtype=float)
    big = f[cap >= params.get("min_mw", 100.0)]
    return CheckResult("toy-big-plants", metrics={"big_plants": int(len(big)), "plants_total": int(len(f))},
                       layers={"big_plants": big}, parameters={"min_mw": params.get("min_mw", 100.0)})


TOY = CheckSpec(
    name="toy-big-plants",
    title=("大电厂", "Big plants"),
    runner=_count_big,
    inputs=("facilities",),
    params=(Param("min_mw", 100.0, unit="MW", minimum=0.0, doc="smallest plant that counts"),),
    metrics=(Metric("big_plants", "count", ("大电厂数", "Big plants"), target=True),
             Metric("plants_total", "count", ("电厂数", "Plants"))),
    context=("facilities",),
    headline=("big_plants", "plants_total"),
    result_layers=("big_plants",),
    styles=(LayerStyle("big_plants", "大电厂图层", "Big-plant layer", None, (),
                       Symbol("#000000", "#ff00ff", 0.8, 1.0, 6.0), "核查结果", 50),),
)


@pytest.fixture
def toy():
    register(TOY)
    yield TOY
    unregister(TOY.name)


@pytest.fixture
def plants() -> gpd.GeoDataFrame:
    """Four plants of 50, 100, 300 and 600 MW: 3 of >= 100 MW, 2 of >= 300 MW (counted by hand)."""
    return gpd.GeoDataFrame({"id": list("abcd"), "name": list("甲乙丙丁"), "kind": ["chp_plant"] * 4,
                             "capacity_mw": [50.0, 100.0, 300.0, 600.0]},
                            geometry=[shapely.Point(500_000 + 1000 * i, 3_716_000) for i in range(4)], crs=CRS)


@dataclass(frozen=True)
class _Target:
    id: str
    value: float
    params: tuple = ()
    check: str = "toy-big-plants"
    metric: str = "big_plants"
    comparator: str = "<="
    spatial: bool = True
    plan: str = "toy-plan"
    city: str = "测试市"
    document: str = "测试〔2026〕1号"
    clause: str = "一"
    quote: str = "大电厂不超过两座"
    indicator: str = "big_plants"
    indicator_zh: str = "大电厂数"
    scope: str | None = None
    year: int = 2026
    unit: str = "count"

    def meets(self, measured: float) -> bool:
        return measured <= self.value


def test_a_registered_check_runs_through_the_audit_with_its_params(toy, plants):
    layers = LayerSet({"facilities": plants}, name="plants")
    audit = run_audit(layers, targets=[_Target("toy-plan/a", 2), _Target("toy-plan/b", 2, (("min_mw", 300.0),))])
    by_id = {o.target.id: o for o in audit.outcomes}
    assert (by_id["toy-plan/a"].status, by_id["toy-plan/a"].measured) == ("not_met", 3.0)
    assert (by_id["toy-plan/b"].status, by_id["toy-plan/b"].measured) == ("met", 2.0)
    assert sorted(audit.results) == ["toy-big-plants", "toy-big-plants@min_mw=300"]


def test_a_registered_check_is_a_target_check_and_refuses_bad_params(toy):
    doc = {"plan": {"id": "p"}, "targets": [
        _toml_target(check="toy-big-plants", metric="big_plants", comparator="<=", value=2, params={"min_mw": -1}),
        _toml_target(id="p/u", check="toy-big-plants", metric="plants_total", comparator="<=", value=2)]}
    problems = {(p.target, p.field) for p in _rule_problems(doc, "x.toml")}
    assert problems == {("p/t", "params"), ("p/u", "metric")}  # plants_total is not a target metric


def test_a_registered_check_gets_a_generic_cli_command(toy, plants, tmp_path):
    plants.to_file(tmp_path / "facilities.gpkg", layer="facilities", driver="GPKG")
    assert load_layers(tmp_path).has("facilities")
    out = tmp_path / "toy.json"
    res = CliRunner().invoke(cli, ["check", "toy-big-plants", "--layers", str(tmp_path), "--min-mw", "300",
                                   "--json", str(out)])
    assert res.exit_code == 0, res.output
    assert "big_plants: 2" in res.output and "plants_total: 4" in res.output
    assert json.loads(out.read_text(encoding="utf-8"))["metrics"]["big_plants"] == 2
    res = CliRunner().invoke(cli, ["check", "toy-big-plants", "--layers", str(tmp_path), "--min-mw", "-3"])
    assert res.exit_code == 2 and "was -3.0 but is expected to be >= 0" in res.output


def test_map_check_accepts_a_registered_check_and_refuses_an_unknown(toy):
    map_cmd = cli.get_command(click.Context(cli), "map")
    opt = next(p for p in map_cmd.params if p.name == "checks")
    assert opt.type.convert("toy-big-plants", opt, None) == "toy-big-plants"
    with pytest.raises(click.BadParameter):
        opt.type.convert("toy-big", opt, None)


def test_register_refuses_a_duplicate_and_a_non_spec(toy):
    with pytest.raises(InputError, match="registered already"):
        register(TOY)
    with pytest.raises(InputError, match="CheckSpec"):
        register({"name": "x"})  # type: ignore[arg-type]
    assert checks.CHECK_TITLES["toy-big-plants"] == ("大电厂", "Big plants")


def _toy_sharing(name: str, label: tuple[str, str], unit: str) -> CheckSpec:
    def run(layers, params, *, scope=None, year=None):
        return CheckResult(name, metrics={"plants_counted": 4}, not_measurable={"plants_counted_twice": "x"})

    return CheckSpec(name=name, title=(f"{label[0]}核查", f"{label[1]} check"), runner=run, inputs=("facilities",),
                     metrics=(Metric("plants_counted", unit, label, target=True),
                              Metric("plants_counted_twice", "count", (label[0] + "二", label[1] + " 2"))))


def test_two_checks_sharing_a_metric_key_show_each_its_own_label(plants):
    """Labels are per (check, metric): two checks may name one key differently (area-change / redline-change
    share their keys); a panel, a not-measurable note and format_metric each say the label of their check."""
    from ecogis.maps import result_map
    from ecogis.maps.format import format_metric, result_panel
    from ecogis.maps.labels import metric_label

    a = register(_toy_sharing("toy-share-a", ("甲厂数", "Plants of A"), "count"))
    b = register(_toy_sharing("toy-share-b", ("乙厂数", "Plants of B"), "share"))
    try:
        layers = LayerSet({"facilities": plants}, name="plants")
        for spec, zh, en, text in ((a, "甲厂数", "Plants of A", "4"), (b, "乙厂数", "Plants of B", "400.0%")):
            result = run_check(spec.name, layers)
            for lang, label in (("zh", zh), ("en", en)):
                rows, notes = result_panel(result, lang=lang)
                assert rows[label] == text, (spec.name, lang, rows)
                assert not {"甲厂数", "乙厂数", "Plants of A", "Plants of B"} - {label} & set(rows)
                assert any(label in n for n in notes), notes  # plants_counted_twice: "甲厂数二"
            assert format_metric("plants_counted", 4, check=spec.name, lang="en") == (en, text)
            html = result_map(result).get_root().render()
            assert zh in html and ({"甲厂数", "乙厂数"} - {zh}).pop() not in html
        # where no check is known, the first registered check that labels the key speaks
        assert metric_label("plants_counted", lang="en") == ("Plants of A", "count")
    finally:
        unregister(a.name)
        unregister(b.name)


def test_a_check_names_its_own_result_fields_and_may_not_rename_a_known_one(plants):
    """A field only one check adds is named in its spec (no table elsewhere to edit); its popups, the map's
    hidden fields and value words follow; another label for a field named already is refused."""
    from ecogis.checks import result_fields
    from ecogis.maps.format import popup_fields, popup_records
    from ecogis.maps.labels import RESULT_FIELDS, field_label, hidden_fields, value_text

    spec = dataclasses.replace(TOY, name="toy-fields", styles=(), fields=(
        Field("heat_gw", "MW", label=("热功率", "Heat output")),
        Field("fuel", label=("燃料", "Fuel"), values={"coal": ("燃煤", "coal")}),
        Field("fuel_code", label=("燃料代码", "Fuel code"), hidden=("zh",))))
    assert field_label("heat_gw", kind="big_plants") == ("heat_gw", "")  # nothing names it before
    register(spec)
    try:
        assert field_label("heat_gw", kind="big_plants", lang="en") == ("Heat output", "MW")
        assert RESULT_FIELDS["fuel"] == ("燃料", "Fuel", "") and "fuel" in result_fields()
        assert value_text("fuel", "coal", lang="zh") == "燃煤" and "fuel_code" in hidden_fields("zh")
        frame = plants.assign(heat_gw=[1.0] * 4, fuel="coal", fuel_code="C1")
        fields = popup_fields("big_plants", list(frame.columns.drop("geometry")), lang="zh")
        assert ("heat_gw", "热功率", "MW") in fields and not any(f[0] == "fuel_code" for f in fields)
        assert popup_records(frame, fields, lang="zh")[0]["fuel"] == "燃煤"
        for clash in (Field("heat_gw", "MW", label=("热输出", "Heat")),
                      Field("distance_m", "km", label=("距离", "Distance"))):
            with pytest.raises(CatalogueError, match=f"field {clash.name!r}"):
                register(dataclasses.replace(TOY, name="toy-clash-field", styles=(), fields=(clash,)))
        assert "toy-clash-field" not in CHECKS
    finally:
        unregister(spec.name)
    assert "heat_gw" not in RESULT_FIELDS


def test_an_entry_point_check_is_registered(monkeypatch):
    class EP:
        name = "toy"

        def load(self):
            return TOY

    class Broken:
        name = "broken"

        def load(self):
            raise ImportError("no module named toy_pkg")

    monkeypatch.setattr(checks.metadata, "entry_points", lambda group: [EP(), Broken()])
    try:
        assert checks.load_entry_points() == ["toy-big-plants"]
        assert CHECKS["toy-big-plants"] is TOY
    finally:
        unregister("toy-big-plants")



@pytest.mark.sample
def test_the_how_to_in_docs_architecture_works_as_written():
    """The "How to add a check" example of docs/architecture.md, run as written, through run_audit and the CLI."""
    import re

    text = (SRC.parent / "docs" / "architecture.md").read_text(encoding="utf-8")
    how_to = text[text.index("## How to add a check"):]
    code = re.search(r"```python\n(.*?)```", how_to, re.S).group(1)
    code = "\n".join(line[3:] if line.startswith("   ") else line for line in code.splitlines())
    namespace: dict[str, Any] = {}
    exec(compile(code, "docs/architecture.md", "exec"), namespace)  # noqa: S102 - the docs' own example
    spec = register(namespace["SPEC"])
    try:
        sample = load_sample()
        from ecogis.ecology import river_buffers

        truth = river_buffers(sample.get("facilities"), sample.get("rivers"), buffer_m=200.0)
        target = _Target("toy-plan/farms", 0, (("buffer_m", 200.0),), check=spec.name,
                         metric="facilities_within_buffer")
        audit = run_audit(sample, targets=[target])
        assert audit.outcomes[0].measured == truth.metrics["facilities_within_buffer"]
        res = CliRunner().invoke(cli, ["check", spec.name, "--buffer-m", "200"])
        assert res.exit_code == 0, res.output
        assert f"facilities_within_buffer: {truth.metrics['facilities_within_buffer']}" in res.output
    finally:
        unregister(spec.name)


def test_a_registered_check_brings_the_style_of_its_own_result_layer(toy, plants):
    from ecogis.maps import result_map

    assert style_for("big_plants").title_zh == "大电厂图层"
    result = run_check(toy.name, LayerSet({"facilities": plants}, name="plants"))
    html = result_map(result).get_root().render()
    assert "大电厂图层" in html and "#ff00ff" in html and '"title":"大电厂"' in html  # legend, symbol, title
    unregister(toy.name)
    with pytest.raises(CatalogueError):
        style_for("big_plants")
    register(toy)


def test_a_check_whose_style_conflicts_is_refused_and_leaves_the_registry_as_it_was():
    clash = dataclasses.replace(TOY, name="toy-clash",
                                styles=(dataclasses.replace(TOY.styles[0], kind="violations"),))
    before = (list(CHECKS), style_for("violations"))
    with pytest.raises(CatalogueError, match="different style"):
        register(clash)
    assert (list(CHECKS), style_for("violations")) == before


def test_ecogis_help_stays_quick_it_does_not_load_the_checks():
    """``ecogis --help`` imports no check (the registry imports every engine: geopandas, scipy ...)."""
    code = ("import sys; from click.testing import CliRunner; from ecogis.cli.main import cli; "
            "CliRunner().invoke(cli, ['--help']); print('ecogis.checks' in sys.modules, 'geopandas' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.split() == ["False", "False"]


def test_every_coverage_metric_has_a_label():
    """What the coverage check reports (buffer and network, with a population raster) is labelled in its spec, so
    map panels and reports show a display name, never a raw key (population_raster_share once showed raw)."""
    import ecogis
    from ecogis.coverage import stop_coverage

    ls = ecogis.load_sample()
    labelled = {m.key for m in CHECKS["coverage"].metrics if m.label}
    for method in ("buffer", "network"):
        res = stop_coverage(ls.get("bus_stops"), ls.study_area("中心城区"), radius_m=500, method=method,
                            roads=ls.get("roads"), population=ls.raster("population"))
        assert set(res.metrics) <= labelled, (method, sorted(set(res.metrics) - labelled))


def test_a_text_parameter_takes_text_only():
    from ecogis.checks.spec import Param

    p = Param("category", "", doc="a category")
    assert p.is_text and p.problem("永久基本农田") is None
    assert "expected to be text" in p.problem(3)
    assert not Param("radius_m", 1.0).is_text
    assert get_check("area-change").param_problems({"category": 5}) == [
        "`params.category` was 5 but is expected to be text (a string)"]


def test_no_library_module_is_over_800_lines():
    """One module per concern (issue 13): none of ecogis's modules grows past ~800 lines."""
    from pathlib import Path

    import ecogis

    root = Path(ecogis.__file__).parent
    long = {str(p.relative_to(root)): n for p in root.rglob("*.py")
            if (n := len(p.read_text(encoding="utf-8").splitlines())) > 800}
    assert not long, long
