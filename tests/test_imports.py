"""Imports at module level wherever nothing forces them into a function (issue 13).

A function-level import hides a dependency from the reader and from the import-graph test
(tests/test_checks.py); it is kept only for a reason written here: an optional or heavy
dependency, the command-line start-up, or a cycle.  A new one fails
:func:`test_every_function_level_import_has_a_reason` until it moves to the top of its module
or gets its reason below.
"""

from __future__ import annotations

import ast
import json
import subprocess
import sys
from pathlib import Path

SRC = Path(__file__).resolve().parents[1] / "src"

#: packages any function may import lazily, and why
LAZY_PACKAGES = {
    "scipy": "heavy core dependency (0.15-0.2 s on top of geopandas): loaded by the steps that use it, "
             "not by importing ecogis.io, ecogis.checks or the publishing modules",
    "rasterio": "heavy core dependency (~0.1 s): loaded by the raster steps only",
    "pyrosm": "optional (extra osm): only an .osm.pbf needs it",
    "dask": "optional (extra parallel)",
    "dask_geopandas": "optional (extra parallel)",
    "distributed": "optional (extra parallel): only a scheduler address needs it",
    "qgis": "PyQGIS: the system Python's, imported by the worker process only",
    "msvcrt": "platform: Windows only",
    "fcntl": "platform: POSIX only",
}

#: the command modules import the library inside their command, so that ``ecogis --help`` and
#: ``ecogis CMD --help`` load neither geopandas nor the check registry (see
#: test_checks.test_ecogis_help_imports_no_check)
CLI_PACKAGE = "ecogis/cli/"

_REGISTRY = "heavy: the check registry loads every engine (about 1 s); this module loads without it"

#: single sites, (file under src, imported module) -> reason.  "cycle" and "heavy" are checked below:
#: at module level a "cycle" import would close a cycle (none is left); importing the importer does not
#: load a "heavy" one.  A site no cycle or weight forces moves to module level.
SITES = {
    ("ecogis/report.py", "ecogis.maps.render"): "heavy: folium, for the maps and their titles only",
    ("ecogis/report.py", "ecogis.export"): "heavy: the publishing package, for --qgis only",
    ("ecogis/report_summary.py", "ecogis.targets"): _REGISTRY,
    ("ecogis/report_text.py", "ecogis.checks"): _REGISTRY,
    ("ecogis/report_text.py", "ecogis.catalogue"): "heavy: numpy; this text module loads without it",
    ("ecogis/reported.py", "ecogis.targets"): _REGISTRY,
    ("ecogis/reported.py", "pyogrio"): "heavy: pyogrio loads geopandas; this module loads without it",
    ("ecogis/tables.py", "pyogrio"): "heavy: pyogrio loads geopandas; the record tables load without it",
}


def function_level_imports(src: Path = SRC) -> list[tuple[str, int, str]]:
    """(file under ``src``, line, module) of every import inside a function of the package."""
    found = []
    for path in sorted((src / "ecogis").rglob("*.py")):
        rel = path.relative_to(src).as_posix()

        def walk(node: ast.AST, in_function: bool) -> None:
            for child in ast.iter_child_nodes(node):
                if isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef)):
                    walk(child, True)
                elif isinstance(child, (ast.Import, ast.ImportFrom)):
                    if in_function:
                        names = ([a.name for a in child.names] if isinstance(child, ast.Import)
                                 else ["." * child.level + (child.module or "")])
                        found.extend((rel, child.lineno, name) for name in names)
                else:
                    walk(child, in_function)

        walk(ast.parse(path.read_text(encoding="utf-8")), False)
    return found


def reason(rel: str, module: str) -> str | None:
    """Why ``rel`` may import ``module`` inside a function; None: it may not."""
    if module.split(".")[0] in LAZY_PACKAGES:
        return LAZY_PACKAGES[module.split(".")[0]]
    if rel.startswith(CLI_PACKAGE) and (module == "ecogis" or module.startswith("ecogis.")):
        return "command-line start-up"
    return SITES.get((rel, module))


def unexplained(src: Path = SRC) -> list[str]:
    return [f"{rel}:{line} imports {module} inside a function" for rel, line, module in function_level_imports(src)
            if reason(rel, module) is None]


def test_every_function_level_import_has_a_reason():
    bad = unexplained()
    assert bad == [], ("move these imports to the top of their module, or give the reason they cannot be there "
                       "in tests/test_imports.py:\n" + "\n".join(bad))


def test_every_allowed_site_is_still_there():
    """A site that moved to module level leaves the list, so the list stays the short list of what is left."""
    sites = {(rel, module) for rel, _, module in function_level_imports()}
    assert sorted(set(SITES) - sites) == []


def test_the_walk_finds_a_function_level_import(tmp_path):
    """The check can fail: a first-party import in a function, and one in a method, are found."""
    pkg = tmp_path / "ecogis"
    pkg.mkdir()
    (pkg / "__init__.py").write_text("import os\n")
    (pkg / "x.py").write_text("def f():\n    from ecogis.io import read_layer\n\n\nclass C:\n"
                              "    def m(self):\n        import numpy\n        import scipy.spatial\n")
    assert unexplained(tmp_path) == ["ecogis/x.py:2 imports ecogis.io inside a function",
                                     "ecogis/x.py:7 imports numpy inside a function"]


def module_level_graph(src: Path = SRC) -> dict[str, set[str]]:
    """Module -> the first-party modules its module-level imports run (a package's ``__init__`` included:
    ``from ecogis.checks.spec import X`` runs ecogis.checks first)."""
    mods = {".".join(p.relative_to(src).with_suffix("").parts).removesuffix(".__init__"): p
            for p in (src / "ecogis").rglob("*.py")}
    graph = {}
    for name, path in mods.items():
        out = set()
        for node in ast.parse(path.read_text(encoding="utf-8")).body:
            if isinstance(node, ast.ImportFrom) and node.level == 0 and (node.module or "").startswith("ecogis"):
                out |= {f"{node.module}.{a.name}" if f"{node.module}.{a.name}" in mods else node.module
                        for a in node.names}
            elif isinstance(node, ast.Import):
                out |= {a.name for a in node.names if a.name.startswith("ecogis")}
        runs = {".".join(m.split(".")[:k]) for m in out for k in range(1, m.count(".") + 2)}
        graph[name] = {m for m in runs if m in mods and m != name}
    return graph


def _reaches(graph: dict[str, set[str]], start: str, goal: str) -> bool:
    stack, seen = [start], {start}
    while stack:
        node = stack.pop()
        if node == goal:
            return True
        stack += [m for m in graph.get(node, ()) if m not in seen and not seen.add(m)]
    return False


def test_a_cycle_site_is_a_cycle_and_no_other_site_is():
    """At module level, a site kept for a cycle would close one (the imported module runs the importer
    first, before what it needs is defined); any other ecogis site would not, so it must move."""
    graph = module_level_graph()
    for (rel, module), why in SITES.items():
        importer = rel.removesuffix(".py").replace("/", ".").removesuffix(".__init__")
        if module.startswith("ecogis"):
            assert _reaches(graph, module, importer) == why.startswith("cycle"), (rel, module, why)


def test_a_heavy_site_keeps_its_module_light():
    """Importing a module that keeps an import lazy for weight does not load what it keeps lazy."""
    heavy: dict[str, set[str]] = {}
    for (rel, module), why in SITES.items():
        if why.startswith("heavy"):
            heavy.setdefault(rel.removesuffix(".py").replace("/", "."), set()).add(module)
    code = ("import importlib, json, sys; importlib.import_module(sys.argv[1]); "
            "print(json.dumps(sorted(m for m in json.loads(sys.argv[2]) if m in sys.modules)))")
    for importer, modules in sorted(heavy.items()):
        out = subprocess.run([sys.executable, "-c", code, importer, json.dumps(sorted(modules))],
                             capture_output=True, text=True, check=True).stdout
        assert json.loads(out) == [], (importer, out)


def test_the_library_modules_do_not_load_the_heavy_lazy_packages():
    """What keeps scipy and rasterio lazy worth it: importing the readers, the checks, the audit and the
    publishing modules loads neither."""
    code = ("import sys, ecogis.io, ecogis.layerset, ecogis.audit, ecogis.report, ecogis.maps, ecogis.export; "
            "print(sorted(m for m in ('scipy', 'rasterio', 'pyrosm', 'dask', 'distributed') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"
