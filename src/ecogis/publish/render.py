"""PDF and PNG of a project's print layouts, through real PyQGIS.

QGIS's Python bindings usually live outside ecogis's environment (Debian's python3-qgis is
in the system ``/usr/bin/python3``), so the layouts are exported in a subprocess
(``ecogis/publish/_pyqgis_worker.py``, headless: ``QT_QPA_PLATFORM=offscreen``) run by the
first Python that imports ``qgis.core`` (:func:`qgis_python`).  Every output is written to a
temporary file beside it and renamed into place only when every layout has been exported
(:func:`ecogis.io.atomic_output`), so a failed export leaves earlier files as they were.

Examples
--------
>>> layout_dir("out/luohe.qgs").as_posix()
'out/luohe_layouts'
>>> layout_file_stem("01 饮用水水源地 (中心城区)")
'01_饮用水水源地_中心城区'
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import re
import subprocess
import sys
import tempfile
import xml.etree.ElementTree as ET
import zipfile
from collections.abc import Sequence
from functools import lru_cache
from pathlib import Path

from ecogis.errors import EcogisError, InputError, OutputExistsError, QGISUnavailableError
from ecogis.io import atomic_output

__all__ = ["export_layouts", "layout_dir", "layout_file_stem", "layout_names", "qgis_python",
           "render_layout_png"]

log = logging.getLogger(__name__)

#: Debian's system Python, where python3-qgis installs qgis.core
DEBIAN_QGIS_PYTHON = "/usr/bin/python3"
_WORKER = Path(__file__).with_name("_pyqgis_worker.py")
_TIMEOUT_S = 900


def _env() -> dict[str, str]:
    """The environment of the PyQGIS subprocess: headless, without this venv's Python paths."""
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "PYTHONHOME", "VIRTUAL_ENV")}
    env.setdefault("QT_QPA_PLATFORM", "offscreen")
    if "XDG_RUNTIME_DIR" not in env:  # Qt wants a private runtime directory
        d = Path(tempfile.gettempdir()) / f"ecogis-qgis-runtime-{os.getuid() if hasattr(os, 'getuid') else 0}"
        d.mkdir(mode=0o700, exist_ok=True)
        env["XDG_RUNTIME_DIR"] = str(d)
    return env


def _candidates() -> list[str]:
    """``$ECOGIS_QGIS_PYTHON`` alone when it is set (the user's choice), else this Python and Debian's."""
    env = os.environ.get("ECOGIS_QGIS_PYTHON")
    if env:
        return [env]
    return list(dict.fromkeys([sys.executable, DEBIAN_QGIS_PYTHON]))


@lru_cache(maxsize=8)
def _imports_qgis(python: str) -> str:
    """'' when ``python`` imports qgis.core, else why not."""
    if not os.path.exists(python):
        return "does not exist"
    try:
        r = subprocess.run([python, "-c", "import qgis.core"], check=False, capture_output=True, text=True,
                           env=_env(), timeout=120)
    except (OSError, subprocess.TimeoutExpired) as exc:
        return str(exc)
    return "" if r.returncode == 0 else ((r.stderr.strip().splitlines() or ["cannot import qgis.core"])[-1])


def qgis_python() -> str | None:
    """The first Python that imports ``qgis.core``: ``$ECOGIS_QGIS_PYTHON`` when it is set (and
    only it), else this Python, then Debian's ``/usr/bin/python3``; None when none does.

    Examples
    --------
    >>> qgis_python() in (None, sys.executable, DEBIAN_QGIS_PYTHON, os.environ.get("ECOGIS_QGIS_PYTHON"))
    True
    """
    for c in _candidates():
        if not _imports_qgis(c):
            return c
    return None


def require_qgis(what: str = "PDF export") -> str:
    """The Python of :func:`qgis_python`, or a :class:`QGISUnavailableError` saying where ecogis
    looked and the fix."""
    python = qgis_python()
    if python is None:
        looked = "; ".join(f"{c}: {_imports_qgis(c)}" for c in _candidates())
        raise QGISUnavailableError(
            f"{what} needs PyQGIS (qgis.core), which no Python here imports (looked at {looked}); install QGIS "
            "(Debian/Ubuntu: apt install python3-qgis) or set ECOGIS_QGIS_PYTHON to a Python that imports "
            "qgis.core; without --pdf the project is written and its layouts print from QGIS (Project > Layouts)")
    return python


def layout_dir(project: str | os.PathLike) -> Path:
    """The folder of a project's exported layouts: ``OUT_layouts`` beside ``OUT.qgs``."""
    p = Path(project)
    return p.with_name(p.stem + "_layouts")


def layout_file_stem(name: str) -> str:
    """A file name (without suffix) for a layout name: spaces and characters file systems refuse
    become ``_``."""
    s = re.sub(r'[\s/\\:*?"<>|()（）]+', "_", name).strip("_.")
    return s or "layout"


def _project_text(project: Path) -> str:
    if project.suffix.lower() == ".qgz":
        with zipfile.ZipFile(project) as zf:
            name = next((n for n in zf.namelist() if n.lower().endswith(".qgs")), None)
            if name is None:
                raise InputError(f"{project} holds no .qgs; expected a QGIS project zip")
            return zf.read(name).decode("utf-8")
    return project.read_text(encoding="utf-8")


def layout_names(project: str | os.PathLike) -> list[str]:
    """The print layouts of a ``.qgs`` / ``.qgz`` project, in project order (read from its XML)."""
    p = Path(project)
    if not p.is_file():
        raise InputError(f"project {str(p)!r} does not exist; expected a .qgs or .qgz file")
    try:
        root = ET.fromstring(_project_text(p))
    except (ET.ParseError, zipfile.BadZipFile, UnicodeDecodeError) as exc:
        raise InputError(f"{p} is not a QGIS project ({exc}); expected a .qgs or .qgz file") from exc
    return [lo.get("name", "") for lo in root.iter("Layout")]


def _run_worker(python: str, project: Path, jobs: list[dict]) -> dict:
    req = json.dumps({"project": str(project.resolve()), "jobs": jobs}, ensure_ascii=False)
    # the worker's source through -c in an empty folder: run as a file from publish/, its folder
    # would come first on sys.path and ``import qgis`` would find ecogis.publish.qgis
    source = _WORKER.read_text(encoding="utf-8")
    try:
        with tempfile.TemporaryDirectory(prefix="ecogis-pyqgis-") as cwd:
            r = subprocess.run([python, "-c", source], input=req, check=False, capture_output=True, text=True,
                               env=_env(), timeout=_TIMEOUT_S, cwd=cwd)
    except subprocess.TimeoutExpired as exc:
        raise EcogisError(f"PyQGIS ({python}) did not finish exporting {project} in {_TIMEOUT_S} s") from exc
    lines = [ln for ln in r.stdout.strip().splitlines() if ln.startswith("{")]
    if r.returncode != 0 or not lines:
        tail = "\n".join(r.stderr.strip().splitlines()[-5:])
        raise EcogisError(f"PyQGIS ({python}) failed exporting the layouts of {project} (exit {r.returncode}): "
                          f"{tail}")
    return json.loads(lines[-1])


def export_layouts(project: str | os.PathLike, out_dir: str | os.PathLike | None = None, *,
                   fmt: str = "pdf", dpi: float | None = None, layouts: Sequence[str] | None = None,
                   overwrite: bool = False) -> list[Path]:
    """Export print layouts of a QGIS project to PDF (or PNG) files through PyQGIS.

    Parameters
    ----------
    project : path-like
        A ``.qgs`` / ``.qgz`` (an :func:`ecogis.publish.export_qgis` project holds one
        layout per check map).
    out_dir : path-like, optional
        Folder of the files; default ``OUT_layouts`` beside ``OUT.qgs`` (:func:`layout_dir`).
        Each file is named after its layout (:func:`layout_file_stem`): ``01_饮用水水源地.pdf``.
    fmt : {'pdf', 'png'}, default 'pdf'
    dpi : float, optional
        Resolution: default 300 for PDF (vectors stay vectors), 150 for PNG.
    layouts : sequence of str, optional
        Names of the layouts to export; default every layout of the project.
    overwrite : bool, default False

    Returns
    -------
    list of Path
        The files written, in layout order.

    Raises
    ------
    QGISUnavailableError
        No Python here imports ``qgis.core`` (checked before anything is written).
    InputError
        The project does not exist, is not a project, has no layouts, or lacks a layout asked for.
    OutputExistsError
        A file exists and ``overwrite`` is False.
    EcogisError
        QGIS could not read the project, a layer of it is invalid (a moved GeoPackage), or a
        layout did not export; nothing is written then.

    Examples
    --------
    >>> export_layouts("out/luohe.qgs")  # doctest: +SKIP
    [PosixPath('out/luohe_layouts/01_饮用水水源地.pdf'), ...]
    """
    if fmt not in ("pdf", "png"):
        raise InputError(f"fmt was {fmt!r} but is expected to be one of ['pdf', 'png']")
    project = Path(project)
    names = layout_names(project)
    if not names:
        raise InputError(f"{project} has no print layouts; export it again with ecogis export qgis")
    chosen = list(layouts) if layouts is not None else names
    missing = [n for n in chosen if n not in names]
    if missing:
        raise InputError(f"{project} has no layout(s) {missing}; it has {names}")
    folder = Path(out_dir) if out_dir is not None else layout_dir(project)
    targets = [folder / f"{layout_file_stem(n)}.{fmt}" for n in chosen]
    if len(set(targets)) != len(targets):
        raise InputError(f"layouts {chosen} give the same file name twice; rename a layout")
    return _export(project, list(zip(chosen, targets)), fmt=fmt, dpi=dpi, overwrite=overwrite)


def _export(project: Path, jobs: list[tuple[str, Path]], *, fmt: str, dpi: float | None,
            overwrite: bool) -> list[Path]:
    python = require_qgis("PDF export" if fmt == "pdf" else "PNG export of a layout")
    if not overwrite:
        existing = [str(t) for _, t in jobs if t.exists()]
        if existing:
            raise OutputExistsError(f"{', '.join(existing)} exist(s); pass overwrite=True (--overwrite) to replace")
    folder_made = [t.parent for _, t in jobs if not t.parent.exists()]
    try:
        with contextlib.ExitStack() as stack:  # every file renamed into place only when all are written
            tmps = [stack.enter_context(atomic_output(t, overwrite=overwrite)) for _, t in jobs]
            reply = _run_worker(python, project, [
                {"layout": n, "path": str(tmp.resolve()), "format": fmt, "dpi": dpi or (300 if fmt == "pdf" else 150)}
                for (n, _), tmp in zip(jobs, tmps)])
            if reply.get("error"):
                raise EcogisError(f"{project}: {reply['error']}")
            if reply.get("invalid"):
                raise EcogisError(f"{project}: QGIS could not load {len(reply['invalid'])} layer(s): "
                                  f"{'; '.join(reply['invalid'][:5])}; keep the project beside its GeoPackage and "
                                  "rasters folder (or export it again)")
            failed = [f"{r['layout']}: {r['error']}" for r in reply["results"] if not r["ok"]]
            empty = [str(t) for (_, t), tmp in zip(jobs, tmps) if not tmp.exists() or tmp.stat().st_size == 0]
            if failed or empty:
                raise EcogisError(f"{project}: {len(failed) or len(empty)} layout(s) did not export: "
                                  + "; ".join(failed or empty))
    except BaseException:
        for d in folder_made:
            with contextlib.suppress(OSError):
                d.rmdir()
        raise
    log.info("exported %d layout(s) of %s to %s", len(jobs), project, jobs[0][1].parent if jobs else "")
    return [t for _, t in jobs]


def render_layout_png(project: str | os.PathLike, layout: str, path: str | os.PathLike, *, dpi: float = 150,
                      overwrite: bool = False) -> Path:
    """One print layout of a QGIS project as a PNG, through PyQGIS (the static picture of a map).

    Parameters
    ----------
    project : path-like
        A ``.qgs`` / ``.qgz`` (:func:`ecogis.publish.export_qgis` writes one layout per check).
    layout : str
        The layout's name (:func:`layout_names`; ``ExportResult.layouts[i].name``).
    path : path-like
        The PNG to write (atomically).
    dpi : float, default 150
        150 dpi gives a 1754 x 1240 pixel A4 landscape page.
    overwrite : bool, default False

    Returns
    -------
    Path

    Raises
    ------
    QGISUnavailableError
        No Python here imports ``qgis.core``.

    Examples
    --------
    >>> render_layout_png("out/luohe.qgs", "01 饮用水水源地", "out/water.png")  # doctest: +SKIP
    PosixPath('out/water.png')
    """
    project = Path(project)
    names = layout_names(project)
    if layout not in names:
        raise InputError(f"{project} has no layout {layout!r}; it has {names}")
    return _export(project, [(layout, Path(path))], fmt="png", dpi=dpi, overwrite=overwrite)[0]
