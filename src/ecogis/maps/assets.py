"""The JavaScript and CSS every map inlines, from pinned npm packages.

A published map must work with no network at all, so nothing is loaded from a
CDN: Leaflet and its plugins are read from the npm registry's own tarballs
(``npm pack <package>@<version>``), checked against the sha512 integrity the
registry publishes, unpacked into a cache directory and inlined into each page
(images become ``data:`` URIs inside the CSS).  The repository holds no copy of
them.

The cache is searched in this order:

1. ``$ECOGIS_ASSETS`` (a directory), when set;
2. ``ecogis/maps/_assets`` inside the installed package: every wheel (and so
   ``pip install .``) carries them there, put in by the build step in
   ``setup.py`` (:func:`bundle_assets`), so an installed ecogis never needs npm;
3. ``$XDG_CACHE_HOME/ecogis/assets`` (default ``~/.cache/ecogis/assets``).

When a package is in none of them (an editable install), :func:`ensure_assets`
runs ``npm pack`` into ``$ECOGIS_ASSETS`` or the user cache, so the first map
written on a machine with npm and registry access fills the cache;
``python -m ecogis.maps`` (or ``python scripts/fetch_assets.py``) does the
same ahead of time (air-gapped machines: fill a directory elsewhere with
``--dest DIR``, copy it and point ``ECOGIS_ASSETS`` at it).

Examples
--------
>>> from ecogis.maps.assets import ASSET_PACKAGES
>>> ASSET_PACKAGES["leaflet"].version
'1.9.4'
>>> root = ensure_assets()  # doctest: +SKIP
"""

from __future__ import annotations

import argparse
import base64
import hashlib
import io
import json
import logging
import mimetypes
import os
import re
import shutil
import subprocess
import sys
import tarfile
import tempfile
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from ecogis.errors import EcogisError, InputError

__all__ = [
    "ASSET_PACKAGES",
    "AssetError",
    "NpmAsset",
    "asset_search_path",
    "assets_unavailable",
    "bundle_assets",
    "ensure_assets",
    "fetch_assets",
    "find_asset_root",
    "inline_css",
    "page_assets",
    "read_asset",
]

log = logging.getLogger(__name__)


class AssetError(EcogisError):
    """The map assets (Leaflet and plugins) are missing and cannot be fetched, or fail their integrity check."""

    exit_code = 2


@dataclass(frozen=True)
class NpmAsset:
    """One pinned npm package and the files of it a map needs.

    Attributes
    ----------
    package : str
        npm package name.
    version : str
        Exact version.
    integrity : str
        ``sha512-...`` Subresource-Integrity string of the registry tarball
        (``npm view <package>@<version> dist.integrity``).
    files : tuple of str
        Paths inside the tarball's ``package/`` directory to keep.
    """

    package: str
    version: str
    integrity: str
    files: tuple[str, ...]

    @property
    def spec(self) -> str:
        return f"{self.package}@{self.version}"

    @property
    def dirname(self) -> str:
        return f"{self.package}-{self.version}"


#: the pinned packages; integrity strings as published by registry.npmjs.org
ASSET_PACKAGES: dict[str, NpmAsset] = {
    a.package: a
    for a in [
        NpmAsset(
            "leaflet", "1.9.4",
            "sha512-nxS1ynzJOmOlHp+iL3FyWqK89GtNL8U8rvlMOsQdTTssxZwCXh8N2NB3GDQOL+YR3XnWyZAxwQixURb+FA74PA==",
            ("LICENSE", "dist/leaflet.js", "dist/leaflet.css", "dist/images/layers.png",
             "dist/images/layers-2x.png", "dist/images/marker-icon.png"),
        ),
        NpmAsset(
            "leaflet.markercluster", "1.5.3",
            "sha512-vPTw/Bndq7eQHjLBVlWpnGeLa3t+3zGiuM7fJwCkiMFq+nmRuG3RI3f7f4N4TDX7T4NpbAXpR2+NTRSEGfCSeA==",
            ("MIT-LICENCE.txt", "dist/leaflet.markercluster.js", "dist/MarkerCluster.css",
             "dist/MarkerCluster.Default.css"),
        ),
        NpmAsset(
            "leaflet.fullscreen", "3.0.2",
            "sha512-m27waFVmwdrLGXjZw2L8b7w/W28EY+u7IGzK2x8K99XaPuzKbjI+/H1j0OMawLcRPZyDRh+39XpyLsvDwHUEoA==",
            ("LICENSE", "Control.FullScreen.js", "Control.FullScreen.css", "icon-fullscreen.svg"),
        ),
        NpmAsset(
            "leaflet-measure", "3.1.0",
            "sha512-ln5c9UNaWDEd24tIzDt9hwnpb8OaCPBfSWNBg2H8rb9SA3cbXW9+NqohA6/8TdsNDGJZr36woXMrqRq07Pcl3w==",
            ("LICENSE", "dist/leaflet-measure.js", "dist/leaflet-measure.cn.js", "dist/leaflet-measure.css",
             *(f"dist/assets/{n}{s}.png" for n in ("cancel", "check", "focus", "rulers", "start", "trash")
               for s in ("", "_@2X"))),
        ),
    ]
}

_VERIFIED = ".ecogis-verified"

#: where a wheel carries the verified packages (filled at build time by :func:`bundle_assets`)
PACKAGED_ASSETS = Path(__file__).resolve().parent / "_assets"

#: how to get the assets, said by every error about them
HOW_TO_GET = (
    "get them with 'python -m ecogis.maps' (needs npm and registry access), or copy a directory filled by "
    "'python -m ecogis.maps --dest DIR' on another machine and set ECOGIS_ASSETS=DIR "
    "(an ecogis installed from its wheel or by a non-editable 'pip install .' carries them)"
)


def _user_cache() -> Path:
    cache = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(cache) / "ecogis" / "assets"


def asset_search_path() -> list[Path]:
    """Directories searched for unpacked packages, in order.

    Examples
    --------
    >>> asset_search_path()[-1].parts[-2:]
    ('ecogis', 'assets')
    """
    out: list[Path] = []
    env = os.environ.get("ECOGIS_ASSETS")
    if env:
        out.append(Path(env).expanduser())
    out.append(PACKAGED_ASSETS)
    out.append(_user_cache())
    return out


def _fetch_target() -> Path:
    env = os.environ.get("ECOGIS_ASSETS")
    if env:
        return Path(env).expanduser()
    return _user_cache()


def _is_complete(pkg_dir: Path, asset: NpmAsset) -> bool:
    marker = pkg_dir / _VERIFIED
    if not marker.is_file() or marker.read_text().strip() != asset.integrity:
        return False
    return all((pkg_dir / f).is_file() for f in asset.files)


def find_asset_root(package: str, *, search: list[Path] | None = None) -> Path | None:
    """Directory holding the verified, unpacked files of one package, or None.

    Parameters
    ----------
    package : str
        A key of :data:`ASSET_PACKAGES`.
    search : list of Path, optional
        Directories to look in; default :func:`asset_search_path`.

    Examples
    --------
    >>> find_asset_root("leaflet", search=[])
    """
    asset = ASSET_PACKAGES[package]
    for root in asset_search_path() if search is None else search:
        d = root / asset.dirname
        if _is_complete(d, asset):
            return d
    return None


def _sri(data: bytes) -> str:
    return "sha512-" + base64.b64encode(hashlib.sha512(data).digest()).decode("ascii")


def _npm_pack(asset: NpmAsset, workdir: Path, npm: str) -> bytes:
    exe = shutil.which(npm)
    if exe is None:
        raise AssetError(
            f"the map scripts ({asset.spec} and the other pinned Leaflet packages) are in none of "
            f"{', '.join(str(p) for p in asset_search_path())} and npm ({npm!r}) is not on PATH to fetch "
            f"them; {HOW_TO_GET}"
        )
    cmd = [exe, "pack", asset.spec, "--json", "--ignore-scripts", "--pack-destination", str(workdir)]
    log.info("fetching %s from the npm registry", asset.spec)
    try:
        proc = subprocess.run(cmd, cwd=workdir, capture_output=True, text=True, timeout=300, check=False)
    except (subprocess.TimeoutExpired, OSError) as exc:  # no registry (offline npm hangs), npm not runnable
        raise AssetError(f"'npm pack {asset.spec}' did not finish ({exc}); {HOW_TO_GET}") from None
    if proc.returncode != 0:
        err = " ".join(proc.stderr.split())[-600:]
        raise AssetError(f"'npm pack {asset.spec}' failed (exit {proc.returncode}: {err}); {HOW_TO_GET}")
    try:
        filename = json.loads(proc.stdout)[0]["filename"]
    except (ValueError, LookupError, TypeError):
        tgzs = sorted(workdir.glob("*.tgz"))
        if len(tgzs) != 1:
            raise AssetError(f"npm pack {asset.spec} wrote no tarball into {workdir}: {proc.stdout[-400:]}") from None
        filename = tgzs[0].name
    return (workdir / filename).read_bytes()


def _unpack(data: bytes, asset: NpmAsset, dest: Path) -> None:
    """Verify the tarball and extract exactly the listed files into ``dest``."""
    got = _sri(data)
    if got != asset.integrity:
        raise AssetError(
            f"{asset.spec}: tarball integrity is {got} but the pinned value is {asset.integrity}; "
            f"refusing to use it (registry mirror serving different content?); {HOW_TO_GET}"
        )
    wanted = {f"package/{f}": f for f in asset.files}
    tmp = Path(tempfile.mkdtemp(prefix=f".{asset.dirname}.", dir=dest.parent))
    try:
        with tarfile.open(fileobj=io.BytesIO(data), mode="r:gz") as tar:
            for member in tar.getmembers():
                rel = wanted.pop(member.name, None)
                if rel is None or not member.isfile():
                    continue
                target = tmp / PurePosixPath(rel)
                target.parent.mkdir(parents=True, exist_ok=True)
                fh = tar.extractfile(member)
                assert fh is not None
                target.write_bytes(fh.read())
        if wanted:
            raise AssetError(f"{asset.spec}: tarball lacks {sorted(wanted.values())}")
        (tmp / _VERIFIED).write_text(asset.integrity + "\n")
        if dest.exists():
            shutil.rmtree(dest)
        os.replace(tmp, dest)
    finally:
        if tmp.exists():
            shutil.rmtree(tmp, ignore_errors=True)


def fetch_assets(dest: str | os.PathLike | None = None, *, npm: str = "npm", force: bool = False) -> Path:
    """Fetch every pinned package with ``npm pack``, verify and unpack it.

    Parameters
    ----------
    dest : path-like, optional
        Cache directory; default ``$ECOGIS_ASSETS`` or ``~/.cache/ecogis/assets``.
    npm : str
        The npm executable.
    force : bool
        Fetch again although a verified copy is there.

    Returns
    -------
    Path
        The cache directory.

    Raises
    ------
    AssetError
        When npm is missing, fails, or a tarball does not match its pinned integrity.

    Examples
    --------
    >>> fetch_assets("/tmp/ecogis-assets")  # doctest: +SKIP
    PosixPath('/tmp/ecogis-assets')
    """
    root = Path(dest).expanduser() if dest is not None else _fetch_target()
    try:
        root.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise AssetError(f"cannot create the asset cache {root}: {exc}; set ECOGIS_ASSETS to a writable directory") from exc
    for asset in ASSET_PACKAGES.values():
        pkg_dir = root / asset.dirname
        if not force and _is_complete(pkg_dir, asset):
            continue
        with tempfile.TemporaryDirectory(prefix="ecogis-npm-") as work:
            data = _npm_pack(asset, Path(work), npm)
        _unpack(data, asset, pkg_dir)
        log.info("%s verified (%s) into %s", asset.spec, asset.integrity[:20] + "...", pkg_dir)
    return root


def ensure_assets(*, fetch: bool = True) -> dict[str, Path]:
    """Directory of every package, fetching the missing ones when ``fetch`` is true.

    Raises
    ------
    AssetError
        When a package is missing and cannot be fetched.
    """
    found = {name: find_asset_root(name) for name in ASSET_PACKAGES}
    missing = [n for n, p in found.items() if p is None]
    if missing:
        if not fetch:
            raise AssetError(
                f"the map scripts {missing} are in none of {', '.join(str(p) for p in asset_search_path())}; "
                f"{HOW_TO_GET}"
            )
        fetch_assets()
        found = {name: find_asset_root(name) for name in ASSET_PACKAGES}
        missing = [n for n, p in found.items() if p is None]
        if missing:
            raise AssetError(f"map assets {missing} still missing after fetching into {_fetch_target()}")
    return {n: p for n, p in found.items() if p is not None}


def assets_unavailable(*, fetch: bool = True) -> str | None:
    """Why maps cannot be written here (one line saying how to get the scripts), or None when they can.

    Fetches the missing packages with npm first when ``fetch`` is true (as
    :func:`ensure_assets`), so None means every map script is at hand.  For
    callers that go on without maps (``ecogis audit``) and say so.

    Examples
    --------
    >>> reason = assets_unavailable()  # doctest: +SKIP
    >>> reason is None or "ECOGIS_ASSETS" in reason  # doctest: +SKIP
    True
    """
    try:
        ensure_assets(fetch=fetch)
    except AssetError as exc:
        return " ".join(str(exc).split())
    return None


def bundle_assets(dest: str | os.PathLike, *, npm: str = "npm") -> Path:
    """Put a verified copy of every pinned package into ``dest`` (the build step of a wheel).

    Each package is copied from a verified cache (``$ECOGIS_ASSETS``, then the
    user cache) or, when in none, fetched with ``npm pack`` and checked against
    its pinned sha512 integrity.  ``setup.py`` calls this for
    ``ecogis/maps/_assets`` of the wheel, so building needs npm (or a filled
    ``ECOGIS_ASSETS``) and running never does.

    Parameters
    ----------
    dest : path-like
        Directory to fill (created); packages already in it are replaced.
    npm : str
        The npm executable, for the packages found in no cache.

    Returns
    -------
    Path
        ``dest``.

    Raises
    ------
    AssetError
        When a package is in no cache and npm is missing or fails, or a tarball
        does not match its pinned integrity.

    Examples
    --------
    >>> bundle_assets("build/lib/ecogis/maps/_assets")  # doctest: +SKIP
    PosixPath('build/lib/ecogis/maps/_assets')
    """
    root = Path(dest)
    root.mkdir(parents=True, exist_ok=True)
    caches = [p for p in asset_search_path() if p.resolve() not in (PACKAGED_ASSETS.resolve(), root.resolve())]
    for asset in ASSET_PACKAGES.values():
        target = root / asset.dirname
        found = find_asset_root(asset.package, search=caches)
        if found is not None:
            tmp = Path(tempfile.mkdtemp(prefix=f".{asset.dirname}.", dir=root))
            try:
                for rel in (*asset.files, _VERIFIED):
                    (tmp / rel).parent.mkdir(parents=True, exist_ok=True)
                    shutil.copyfile(found / rel, tmp / rel)
                if target.exists():
                    shutil.rmtree(target)
                os.replace(tmp, target)
            finally:
                if tmp.exists():
                    shutil.rmtree(tmp, ignore_errors=True)
            log.info("%s copied from the verified cache %s", asset.spec, found)
            continue
        with tempfile.TemporaryDirectory(prefix="ecogis-npm-") as work:
            data = _npm_pack(asset, Path(work), npm)
        _unpack(data, asset, target)
        log.info("%s fetched and verified (%s...) into %s", asset.spec, asset.integrity[:20], target)
    return root


def read_asset(package: str, path: str) -> str:
    """Text of one file of a package (UTF-8)."""
    asset = ASSET_PACKAGES.get(package)
    if asset is None:
        raise InputError(f"unknown asset package {package!r}; expected one of {sorted(ASSET_PACKAGES)}")
    if path not in asset.files:
        raise InputError(f"{asset.spec}: {path!r} is not one of the pinned files {list(asset.files)}")
    root = ensure_assets()[package]
    return (root / path).read_text(encoding="utf-8")


_CSS_URL = re.compile(r"""url\(\s*(['"]?)([^'")]+)\1\s*\)""")


def inline_css(package: str, path: str) -> str:
    """A package's CSS with every relative ``url(...)`` replaced by a ``data:`` URI.

    Fragment URLs (``url(#default#VML)``) and ``data:`` URIs are left alone; an
    ``http(s):`` URL or a reference to a file the package does not ship raises,
    so a page can never fall back to the network.
    """
    css = read_asset(package, path)
    root = ensure_assets()[package]
    base = PurePosixPath(path).parent

    def repl(m: re.Match) -> str:
        url = m.group(2).strip()
        if url.startswith(("#", "data:")):
            return m.group(0)
        if re.match(r"^[a-z][a-z0-9+.-]*:|^//", url, re.IGNORECASE):
            raise AssetError(f"{package}/{path} references an external URL {url!r}; cannot inline it")
        rel = str(base / url) if str(base) != "." else url
        f = root / rel
        if not f.is_file():
            raise AssetError(f"{package}/{path} references {url!r}, which is not among the pinned files")
        mime = mimetypes.guess_type(f.name)[0] or "application/octet-stream"
        data = base64.b64encode(f.read_bytes()).decode("ascii")
        return f'url("data:{mime};base64,{data}")'

    return _CSS_URL.sub(repl, css)


def page_assets(*, lang: str = "zh") -> tuple[list[tuple[str, str]], list[tuple[str, str]]]:
    """The CSS and JS a map page inlines, as ``(name, text)`` pairs in load order.

    Parameters
    ----------
    lang : {'zh', 'en'}
        Picks leaflet-measure's Chinese or English build.
    """
    css = [
        ("leaflet.css", inline_css("leaflet", "dist/leaflet.css")),
        ("MarkerCluster.css", inline_css("leaflet.markercluster", "dist/MarkerCluster.css")),
        ("MarkerCluster.Default.css", inline_css("leaflet.markercluster", "dist/MarkerCluster.Default.css")),
        ("Control.FullScreen.css", inline_css("leaflet.fullscreen", "Control.FullScreen.css")),
        ("leaflet-measure.css", inline_css("leaflet-measure", "dist/leaflet-measure.css")),
    ]
    measure = "dist/leaflet-measure.cn.js" if lang == "zh" else "dist/leaflet-measure.js"
    js = [
        ("leaflet.js", read_asset("leaflet", "dist/leaflet.js")),
        ("leaflet.markercluster.js", read_asset("leaflet.markercluster", "dist/leaflet.markercluster.js")),
        ("Control.FullScreen.js", read_asset("leaflet.fullscreen", "Control.FullScreen.js")),
        ("leaflet-measure.js", read_asset("leaflet-measure", measure)),
    ]
    return css, js


def main(argv: list[str] | None = None) -> int:
    """``python -m ecogis.maps [--dest DIR] [--force]``: fetch, verify and unpack the map scripts."""
    ap = argparse.ArgumentParser(prog="python -m ecogis.maps",
                                 description="Fetch the pinned Leaflet packages ecogis maps inline (needs npm once).")
    ap.add_argument("--dest", default=None, help="cache directory (default $ECOGIS_ASSETS or ~/.cache/ecogis/assets)")
    ap.add_argument("--force", action="store_true", help="fetch again although a verified copy exists")
    ap.add_argument("--npm", default="npm", help="npm executable")
    args = ap.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    try:
        root = fetch_assets(args.dest, npm=args.npm, force=args.force)
    except EcogisError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    for a in ASSET_PACKAGES.values():
        print(f"{a.spec:32s} {a.integrity[:27]}...  {root / a.dirname}")
    return 0
