"""A self-contained install: the sdist and wheel carry the sample and the verified map scripts.

The wheel (and sdist) are built for real with ``python -m build`` from a copy of
the source (or taken from ``$ECOGIS_DIST``, the directory CI built them into);
their contents are checked against independent truths: the bytes of
``layers/`` and the registry's own npm tarballs (when npm is there).  Without the
map scripts ``ecogis audit`` still writes the report and says so in one line,
and ``ecogis map`` stops with that line and exit 2.  The README's Python example
runs as written.
"""

from __future__ import annotations

import base64
import hashlib
import io
import json
import os
import re
import shutil
import subprocess
import sys
import tarfile
import zipfile
from pathlib import Path

import pytest
from click.testing import CliRunner

from ecogis.cli.main import cli
from ecogis.errors import InputError
from ecogis.maps import assets as assets_mod
from ecogis.maps.assets import ASSET_PACKAGES, assets_unavailable, bundle_assets

REPO = Path(__file__).resolve().parents[1]
SAMPLE_FILES = ("luohe.gpkg", "eco_redlines_2018.gpkg", "population.tif", "README.md", "air_daily.csv",
                "section_samples.csv", "indicators.csv")
WHEEL_LIMIT_BYTES = 5_000_000


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


# --- where the sample is found ---------------------------------------------------------
def test_sample_dir_prefers_the_installed_copy_and_never_the_cwd(tmp_path, monkeypatch):
    from ecogis import layerset

    pkg, src, cwd = tmp_path / "pkg", tmp_path / "src", tmp_path / "cwd"
    for d in (pkg, src, cwd / "layers"):
        d.mkdir(parents=True)
        (d / "luohe.gpkg").write_bytes(b"x")
    monkeypatch.delenv("ECOGIS_SAMPLE", raising=False)
    monkeypatch.setattr(layerset, "PACKAGED_SAMPLE", pkg)
    monkeypatch.setattr(layerset, "SOURCE_SAMPLE", src)
    monkeypatch.chdir(cwd)
    assert layerset.sample_dir() == pkg
    (pkg / "luohe.gpkg").unlink()
    assert layerset.sample_dir() == src
    (src / "luohe.gpkg").unlink()
    with pytest.raises(InputError, match="not found") as e:  # ./layers/luohe.gpkg exists but is not looked at
        layerset.sample_dir()
    assert str(pkg) in str(e.value) and str(src) in str(e.value) and "pip install" in str(e.value)
    monkeypatch.setenv("ECOGIS_SAMPLE", str(tmp_path / "nowhere"))
    with pytest.raises(InputError, match="ECOGIS_SAMPLE"):
        layerset.sample_dir()
    monkeypatch.setenv("ECOGIS_SAMPLE", str(cwd / "layers"))
    assert layerset.sample_dir() == cwd / "layers"


# --- no map scripts at hand -------------------------------------------------------------
@pytest.fixture
def no_assets(tmp_path, monkeypatch):
    """No packaged assets, an empty cache, no npm on PATH."""
    monkeypatch.setattr(assets_mod, "PACKAGED_ASSETS", tmp_path / "packaged-none")
    monkeypatch.delenv("ECOGIS_ASSETS", raising=False)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "empty-cache"))
    (tmp_path / "bin").mkdir()
    monkeypatch.setenv("PATH", str(tmp_path / "bin"))
    assert shutil.which("npm") is None
    return tmp_path


def test_assets_unavailable_says_why_and_how_in_one_line(no_assets):
    why = assets_unavailable()
    assert why is not None and "\n" not in why
    assert "npm" in why and "ECOGIS_ASSETS" in why and "python -m ecogis.maps" in why
    assert str(no_assets / "empty-cache" / "ecogis" / "assets") in why
    assert not (no_assets / "empty-cache" / "ecogis" / "assets").exists() or \
        not any((no_assets / "empty-cache" / "ecogis" / "assets").iterdir())


@pytest.mark.sample
def test_audit_without_assets_writes_the_report_and_says_maps_were_skipped(no_assets):
    out = no_assets / "report"
    r = CliRunner().invoke(cli, ["-q", "audit", "--out", str(out)])
    assert r.exit_code == 0, r.output
    assert {p.name for p in out.iterdir()} == {"report.html", "report.md", "report.json"}
    lines = [ln for ln in r.stderr.splitlines() if ln.strip()]
    assert len(lines) == 1 and lines[0].startswith("maps skipped: "), r.stderr
    assert lines[0] == "maps skipped: " + assets_unavailable()
    data = json.loads((out / "report.json").read_text(encoding="utf-8"))
    assert data["targets"] and all(t["map"] is None for t in data["targets"])
    assert "maps:" not in r.stdout
    assert "maps/index.html" not in (out / "report.html").read_text(encoding="utf-8")  # no dead link


FAKE_NPM = {
    # the registry unreachable: npm fails
    "offline": "#!/bin/sh\necho 'npm ERR! code ENOTFOUND request to the registry failed' >&2\nexit 1\n",
    # a mirror serving other bytes: npm packs a tarball whose sha512 is not the pinned one
    "tampered": "#!/bin/sh\nfor a; do last=\"$dest\"; dest=\"$a\"; done\n"
                "printf 'not the registry tarball' > \"$dest/x.tgz\"\necho '[{\"filename\": \"x.tgz\"}]'\n",
}


@pytest.mark.sample
@pytest.mark.parametrize("kind", sorted(FAKE_NPM))
def test_audit_with_a_failing_npm_still_writes_the_report(no_assets, kind):
    npm = no_assets / "bin" / "npm"
    npm.write_text(FAKE_NPM[kind])
    npm.chmod(0o755)
    why = assets_unavailable()
    assert why is not None and "\n" not in why and "ECOGIS_ASSETS" in why
    assert ("ENOTFOUND" in why) if kind == "offline" else ("integrity" in why and "refusing" in why)
    out = no_assets / "report"
    r = CliRunner().invoke(cli, ["-q", "audit", "--out", str(out)])
    assert r.exit_code == 0, r.output
    assert {p.name for p in out.iterdir()} == {"report.html", "report.md", "report.json"}
    assert [ln for ln in r.stderr.splitlines() if ln.strip()] == ["maps skipped: " + why]
    cache = no_assets / "empty-cache" / "ecogis" / "assets"
    assert not cache.exists() or not [p for p in cache.iterdir() if not p.name.startswith(".")]


@pytest.mark.sample
def test_map_without_assets_fails_with_that_line_and_exit_2(no_assets):
    out = no_assets / "maps"
    r = CliRunner().invoke(cli, ["-q", "map", "--out-dir", str(out)])
    assert r.exit_code == 2, r.output
    assert r.stderr.strip() == "error: " + assets_unavailable()
    assert not out.exists()


# --- the build step -----------------------------------------------------------------------
def _tarball_files(asset) -> dict[str, bytes] | None:
    """The pinned files as the registry's tarball has them (npm pack), or None without npm."""
    npm = shutil.which("npm")
    if npm is None:
        return None
    import tempfile

    with tempfile.TemporaryDirectory() as work:
        proc = subprocess.run([npm, "pack", asset.spec, "--json", "--ignore-scripts", "--pack-destination", work],
                              cwd=work, capture_output=True, text=True, timeout=300, check=False)
        if proc.returncode != 0:
            return None
        data = (Path(work) / json.loads(proc.stdout)[0]["filename"]).read_bytes()
    sri = "sha512-" + base64.b64encode(hashlib.sha512(data).digest()).decode()
    assert sri == asset.integrity, f"{asset.spec}: the registry's tarball does not match its pin"
    with tarfile.open(fileobj=io.BytesIO(data), mode="r:gz") as tar:
        return {f: tar.extractfile(f"package/{f}").read() for f in asset.files}


def test_bundle_assets_copies_a_verified_cache_and_refuses_an_unverified_one(tmp_path, monkeypatch):
    cache = tmp_path / "cache"
    asset = ASSET_PACKAGES["leaflet.fullscreen"]
    d = cache / asset.dirname
    for rel in asset.files:
        (d / rel).parent.mkdir(parents=True, exist_ok=True)
        (d / rel).write_bytes(rel.encode())
    monkeypatch.setattr(assets_mod, "PACKAGED_ASSETS", tmp_path / "packaged-none")
    monkeypatch.setenv("ECOGIS_ASSETS", str(cache))
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    (tmp_path / "bin").mkdir()
    monkeypatch.setenv("PATH", str(tmp_path / "bin"))
    # no verification marker: not trusted, and with no npm the build step stops with the how-to
    with pytest.raises(assets_mod.AssetError, match="npm"):
        bundle_assets(tmp_path / "out")
    for a in ASSET_PACKAGES.values():
        for rel in a.files:
            (cache / a.dirname / rel).parent.mkdir(parents=True, exist_ok=True)
            (cache / a.dirname / rel).write_bytes(f"{a.package}/{rel}".encode())
        (cache / a.dirname / ".ecogis-verified").write_text(a.integrity + "\n")
    root = bundle_assets(tmp_path / "out")
    for a in ASSET_PACKAGES.values():
        got = sorted(str(p.relative_to(root / a.dirname)) for p in (root / a.dirname).rglob("*") if p.is_file())
        assert got == sorted([*a.files, ".ecogis-verified"])
        assert (root / a.dirname / a.files[0]).read_bytes() == f"{a.package}/{a.files[0]}".encode()


def _copy_source(dst: Path) -> Path:
    """The files a build reads, without the working tree's build/ and egg-info."""
    for name in ("pyproject.toml", "setup.py", "MANIFEST.in", "README.md"):
        shutil.copy2(REPO / name, dst / name)
    ignore = shutil.ignore_patterns("__pycache__", "*.egg-info", "_assets", "sample")
    shutil.copytree(REPO / "src", dst / "src", ignore=ignore)
    shutil.copytree(REPO / "layers", dst / "layers")
    return dst


@pytest.fixture(scope="module")
def dist(tmp_path_factory) -> Path:
    """sdist and wheel: $ECOGIS_DIST (CI) or built here with ``python -m build`` (sdist, then wheel from it)."""
    given = os.environ.get("ECOGIS_DIST")
    if given:
        return Path(given)
    pytest.importorskip("build", reason="python -m build is in the test extra")
    if shutil.which("npm") is None and not os.environ.get("ECOGIS_ASSETS"):
        cache = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "ecogis" / "assets"
        if not cache.is_dir():
            pytest.skip("building needs npm or a filled ECOGIS_ASSETS")
    src = _copy_source(tmp_path_factory.mktemp("src"))
    out = tmp_path_factory.mktemp("dist")
    proc = subprocess.run([sys.executable, "-m", "build", "--outdir", str(out), str(src)],
                          capture_output=True, text=True, timeout=600, check=False)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    return out


def _one(dist: Path, pattern: str) -> Path:
    found = sorted(dist.glob(pattern))
    assert len(found) == 1, (pattern, found)
    return found[0]


@pytest.mark.slow
def test_wheel_carries_the_sample_and_the_registry_files_and_is_small(dist):
    wheel = _one(dist, "ecogis-*.whl")
    size = wheel.stat().st_size
    print(f"\nwheel {wheel.name}: {size / 1e6:.2f} MB")
    assert size < WHEEL_LIMIT_BYTES
    with zipfile.ZipFile(wheel) as z:
        names = set(z.namelist())
        for f in SAMPLE_FILES:  # byte for byte the repository's layers/
            assert sha256(z.read(f"ecogis/data/sample/{f}")) == sha256((REPO / "layers" / f).read_bytes()), f
        for a in ASSET_PACKAGES.values():
            base = f"ecogis/maps/_assets/{a.dirname}/"
            assert {n[len(base):] for n in names if n.startswith(base)} == {*a.files, ".ecogis-verified"}
            assert z.read(base + ".ecogis-verified").decode().strip() == a.integrity
            truth = _tarball_files(a)
            if truth is not None:  # the registry's own bytes
                for rel, data in truth.items():
                    assert z.read(base + rel) == data, (a.spec, rel)
        assert "ecogis/py.typed" in names and "ecogis/checks/spec.py" in names  # typed; the check registry
        assert "ecogis/cli/main.py" in names and "ecogis/data/targets" in {n.rsplit("/", 1)[0] for n in names} | {
            n.rsplit("/", 2)[0] for n in names}


@pytest.mark.slow
def test_sdist_carries_the_sample_source_and_no_map_scripts(dist):
    sdist = _one(dist, "ecogis-*.tar.gz")
    with tarfile.open(sdist) as tar:
        names = {n.split("/", 1)[1] for n in tar.getnames() if "/" in n}
        for f in SAMPLE_FILES:
            data = tar.extractfile(next(m for m in tar.getmembers() if m.name.endswith(f"/layers/{f}"))).read()
            assert sha256(data) == sha256((REPO / "layers" / f).read_bytes()), f
    assert "setup.py" in names and "MANIFEST.in" in names
    assert not [n for n in names if "_assets" in n or n.endswith((".js", ".css"))]


def test_the_repository_holds_no_copy_of_the_map_scripts_or_the_sample_twice():
    if not (REPO / ".git").exists():
        pytest.skip("not a git checkout")
    files = subprocess.run(["git", "ls-files"], cwd=REPO, capture_output=True, text=True, check=True).stdout.split()
    pinned = {Path(f).name for a in ASSET_PACKAGES.values() for f in a.files if f.endswith((".js", ".css"))}
    assert not [f for f in files if Path(f).name in pinned]
    assert [f for f in files if f.endswith("luohe.gpkg")] == ["layers/luohe.gpkg"]


# --- the README's Python example ------------------------------------------------------------
def readme_python() -> str:
    """The README's ``## Python`` code block."""
    text = (REPO / "README.md").read_text(encoding="utf-8")
    section = text[text.index("\n## Python"):]
    return re.search(r"```python\n(.*?)```", section, re.DOTALL).group(1)


@pytest.mark.sample
@pytest.mark.slow
def test_readme_python_example_runs_as_written(tmp_path):
    script = tmp_path / "example.py"
    script.write_text(readme_python(), encoding="utf-8")
    env = {k: v for k, v in os.environ.items() if k != "ECOGIS_SAMPLE"}
    proc = subprocess.run([sys.executable, str(script)], cwd=tmp_path, env=env, capture_output=True, text=True,
                          timeout=300, check=False)
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert proc.stdout.strip(), "the example prints its figures"
