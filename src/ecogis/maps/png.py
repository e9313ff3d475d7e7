"""A static picture of a map page: PNG through headless Chromium.

Reports and notice boards want pictures, not pages.  :func:`write_png` opens
a written map in headless Chromium (a fresh profile each time, no first-run,
no background networking) and saves the window as a PNG once the page has
drawn itself (ecogis maps draw from data inside the page, with no tiles unless
a tile basemap was chosen).  The page is opened as ``page.html#print``: without
its buttons and layer switcher, the data fitted clear of the panel and legend.

Renderers are looked up in :data:`RENDERERS` (name -> function), so another
one (a PyQGIS print layout) can be added beside Chromium; ``renderer="auto"``
takes the first that is available.

Examples
--------
>>> from ecogis.maps.png import png_renderer_available
>>> isinstance(png_renderer_available(), bool)
True
>>> write_png("maps/coverage.html", "maps/coverage.png", overwrite=True)  # doctest: +SKIP
PosixPath('maps/coverage.png')
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from ecogis.errors import InputError, OutputError, OutputExistsError
from ecogis.io import atomic_output

__all__ = ["DEFAULT_WINDOW_PX", "RENDERERS", "PngRenderer", "PngRendererError", "find_chromium",
           "parse_window", "png_renderer_available", "require_png_renderer", "write_png", "write_pngs"]

#: window size of the pictures, pixels (width, height)
DEFAULT_WINDOW_PX = (1400, 900)
_CHROMIUM_NAMES = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable", "chrome")


class PngRendererError(OutputError):
    """No program to draw a PNG with (Chromium not installed), or it failed to draw one."""


@dataclass(frozen=True)
class PngRenderer:
    """One way to draw a map page as a PNG.

    Attributes
    ----------
    name : str
    available : callable () -> bool
    render : callable (html_path, png_path, window_px, timeout_s) -> None
        Writes ``png_path`` (a temporary path; the caller moves it into place).
    missing : str
        What to tell the user when it is not available.
    """

    name: str
    available: Callable[[], bool]
    render: Callable[[Path, Path, tuple[int, int], float], None]
    missing: str


def find_chromium() -> str | None:
    """Path of a Chromium / Chrome program: ``$ECOGIS_CHROMIUM``, else the first on ``PATH``."""
    env = os.environ.get("ECOGIS_CHROMIUM")
    if env:
        return env if Path(env).exists() or shutil.which(env) else None
    for name in _CHROMIUM_NAMES:
        found = shutil.which(name)
        if found:
            return found
    return None


def _chromium_render(html_path: Path, png_path: Path, window_px: tuple[int, int], timeout_s: float) -> None:
    exe = find_chromium()
    if exe is None:
        raise PngRendererError(_CHROMIUM_MISSING)
    profile = tempfile.mkdtemp(prefix="ecogis-chromium-")
    try:
        cmd = [exe, "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
               "--disable-component-update", "--no-first-run", "--no-default-browser-check", "--disable-sync",
               "--disable-extensions", "--mute-audio", "--hide-scrollbars", "--force-device-scale-factor=1",
               f"--user-data-dir={profile}", f"--window-size={window_px[0]},{window_px[1]}",
               "--virtual-time-budget=5000", f"--screenshot={png_path}", html_path.resolve().as_uri() + "#print"]
        try:
            proc = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=timeout_s,
                                  check=False)
        except subprocess.TimeoutExpired:
            raise PngRendererError(f"Chromium ({exe}) drew no picture of {html_path} within {timeout_s:g} s; "
                                   "try again on a less busy machine") from None
        if not png_path.exists() or png_path.stat().st_size == 0:
            tail = proc.stderr.decode("utf-8", "replace").strip().splitlines()[-3:]
            raise PngRendererError(f"Chromium ({exe}) wrote no picture of {html_path} (exit {proc.returncode}): "
                                   f"{' | '.join(tail) or 'no message'}")
    finally:
        shutil.rmtree(profile, ignore_errors=True)


_CHROMIUM_MISSING = ("ecogis map --png needs Chromium to draw the pictures and none was found "
                     f"(looked for {', '.join(_CHROMIUM_NAMES)} on PATH and $ECOGIS_CHROMIUM); install it "
                     "(apt install chromium) or set ECOGIS_CHROMIUM=/path/to/chrome; the HTML maps need nothing")

#: the PNG renderers, tried in this order by ``renderer="auto"``
RENDERERS: dict[str, PngRenderer] = {
    "chromium": PngRenderer("chromium", lambda: find_chromium() is not None, _chromium_render, _CHROMIUM_MISSING),
}


def png_renderer_available(renderer: str = "auto") -> bool:
    """Whether a PNG can be drawn (``'auto'``: by any renderer)."""
    if renderer == "auto":
        return any(r.available() for r in RENDERERS.values())
    return renderer in RENDERERS and RENDERERS[renderer].available()


def require_png_renderer(renderer: str = "auto") -> PngRenderer:
    """The renderer to use, or :class:`PngRendererError` saying how to get one (call it before any work)."""
    if renderer != "auto":
        if renderer not in RENDERERS:
            raise PngRendererError(f"PNG renderer {renderer!r} is unknown; expected one of {['auto', *RENDERERS]}")
        if not RENDERERS[renderer].available():
            raise PngRendererError(RENDERERS[renderer].missing)
        return RENDERERS[renderer]
    for r in RENDERERS.values():
        if r.available():
            return r
    raise PngRendererError("; ".join(r.missing for r in RENDERERS.values()))


def parse_window(text: str) -> tuple[int, int]:
    """``'1400x900'`` -> ``(1400, 900)``; an InputError naming the form otherwise.

    Examples
    --------
    >>> parse_window("1600x1000")
    (1600, 1000)
    """
    w, sep, h = str(text).lower().partition("x")
    if not (sep and w.strip().isdigit() and h.strip().isdigit()) or int(w) < 100 or int(h) < 100:
        raise InputError(f"window size was {text!r} but is expected to be WIDTHxHEIGHT in pixels, "
                         "each at least 100 (e.g. 1400x900)")
    return int(w), int(h)


def write_png(html_path: str | os.PathLike, png_path: str | os.PathLike | None = None, *,
              window_px: tuple[int, int] = DEFAULT_WINDOW_PX, renderer: str = "auto", timeout_s: float = 120.0,
              overwrite: bool = False) -> Path:
    """Draw a written map page as a PNG, atomically.

    Parameters
    ----------
    html_path : path-like
        A map page (:func:`ecogis.maps.write_map`).
    png_path : path-like, optional
        Output; default the page's path with ``.png``.
    window_px : (int, int)
        Window width and height in pixels.
    renderer : {'auto', 'chromium', ...}
        A name in :data:`RENDERERS`; ``'auto'`` the first available.
    timeout_s : float
        Longest wait for one picture.
    overwrite : bool
        Replace an existing PNG.

    Returns
    -------
    Path

    Raises
    ------
    PngRendererError
        No renderer, or it drew nothing (the message says which and why).
    OutputExistsError
        The PNG exists and ``overwrite`` is false.
    """
    html = Path(html_path)
    out = Path(png_path) if png_path is not None else html.with_suffix(".png")
    r = require_png_renderer(renderer)
    w, h = (int(v) for v in window_px)
    if w < 100 or h < 100:
        raise PngRendererError(f"window_px was {window_px!r} but is expected to be at least 100 x 100 pixels")
    with atomic_output(out, overwrite=overwrite) as tmp:
        r.render(html, Path(tmp), (w, h), timeout_s)
    return out


def write_pngs(html_paths: Sequence[str | os.PathLike], *, window_px: tuple[int, int] = DEFAULT_WINDOW_PX,
               renderer: str = "auto", overwrite: bool = False) -> list[Path]:
    """:func:`write_png` for each page (``x.html`` -> ``x.png``), existing PNGs refused before any is drawn."""
    pages = [Path(p) for p in html_paths]
    require_png_renderer(renderer)
    if not overwrite:
        existing = [str(p.with_suffix(".png")) for p in pages if p.with_suffix(".png").exists()]
        if existing:
            raise OutputExistsError(f"{', '.join(existing)} exist(s); pass overwrite=True (--overwrite) to replace")
    return [write_png(p, window_px=window_px, renderer=renderer, overwrite=overwrite) for p in pages]
