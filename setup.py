"""Build hook: every wheel (and so ``pip install .``) carries the embedded sample and the map scripts.

Everything else about the package is in ``pyproject.toml``; this file only
extends setuptools' ``build_py`` so that ``build/lib/ecogis`` gets

* ``data/sample/``: the sample, copied from ``layers/`` (the one copy in git;
  the sdist carries ``layers/`` through ``MANIFEST.in``);
* ``maps/_assets/``: the pinned Leaflet packages, copied from a verified cache
  (``$ECOGIS_ASSETS``, ``~/.cache/ecogis/assets``) or fetched with ``npm pack``
  and checked against their pinned sha512 integrity
  (:func:`ecogis.maps.assets.bundle_assets`).

So building needs npm (or ``ECOGIS_ASSETS`` pointing at a filled cache) and
running never does.  ``ECOGIS_BUILD_WITHOUT_ASSETS=1`` builds a wheel without
the map scripts (its maps then need them at run time, as an editable install
does).  An editable install (``pip install -e .``) copies nothing: it reads
``layers/`` and the user cache in place.
"""

from __future__ import annotations

import importlib
import os
import shutil
import sys
import types
from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py

HERE = Path(__file__).resolve().parent
SRC = HERE / "src" / "ecogis"
#: the sample files the wheel carries (layers/README.md says what they are and where they come from)
SAMPLE_FILES = ("luohe.gpkg", "eco_redlines_2018.gpkg", "population.tif", "README.md", "air_daily.csv",
                "section_samples.csv", "indicators.csv")


def _assets_module() -> types.ModuleType:
    """``ecogis.maps.assets`` from this source tree, without running ``ecogis.maps/__init__``.

    That package imports folium, which is no build requirement; ``assets`` and
    ``errors`` need only the standard library.
    """
    names = ("ecogis", "ecogis.maps", "ecogis.errors", "ecogis.maps.assets")
    saved = {n: sys.modules.pop(n) for n in names if n in sys.modules}
    try:
        for name, path in (("ecogis", SRC), ("ecogis.maps", SRC / "maps")):
            stub = types.ModuleType(name)
            stub.__path__ = [str(path)]
            sys.modules[name] = stub
        return importlib.import_module("ecogis.maps.assets")
    finally:
        for n in names:
            sys.modules.pop(n, None)
        sys.modules.update(saved)


class BuildPyWithData(build_py):
    """``build_py`` that also puts the sample and the verified map scripts into the build."""

    def run(self) -> None:
        super().run()
        if getattr(self, "editable_mode", False):
            return
        pkg = Path(self.build_lib) / "ecogis"
        self._copy_sample(pkg / "data" / "sample")
        self._bundle_assets(pkg / "maps" / "_assets")

    def _copy_sample(self, dest: Path) -> None:
        missing = [f for f in SAMPLE_FILES if not (HERE / "layers" / f).is_file()]
        if missing:
            raise SystemExit(f"error: cannot build ecogis: the sample files {missing} are not in {HERE / 'layers'} "
                             "(build from a git checkout or the sdist; python scripts/build_sample.py rebuilds them)")
        shutil.rmtree(dest, ignore_errors=True)  # an earlier build's files never linger in build/lib
        dest.mkdir(parents=True)
        for f in SAMPLE_FILES:
            shutil.copyfile(HERE / "layers" / f, dest / f)
        print(f"ecogis: sample {', '.join(SAMPLE_FILES)} -> {dest}")

    def _bundle_assets(self, dest: Path) -> None:
        if os.environ.get("ECOGIS_BUILD_WITHOUT_ASSETS"):
            shutil.rmtree(dest, ignore_errors=True)
            print("ecogis: ECOGIS_BUILD_WITHOUT_ASSETS is set: this build carries no map scripts "
                  "(maps then need npm or ECOGIS_ASSETS at run time)")
            return
        assets = _assets_module()
        shutil.rmtree(dest, ignore_errors=True)  # only the pinned versions, never an earlier build's
        try:
            assets.bundle_assets(dest)
        except assets.EcogisError as exc:
            reason = str(exc).replace("; " + assets.HOW_TO_GET, "")
            raise SystemExit(
                f"error: cannot build ecogis: {reason}. Building needs the map scripts: install npm "
                "(apt install npm), or set ECOGIS_ASSETS to a directory filled by 'python scripts/fetch_assets.py "
                "--dest DIR', or set ECOGIS_BUILD_WITHOUT_ASSETS=1 for a wheel without them"
            ) from None
        for a in assets.ASSET_PACKAGES.values():
            print(f"ecogis: {a.spec} ({a.integrity[:20]}...) -> {dest / a.dirname}")


setup(cmdclass={"build_py": BuildPyWithData})
