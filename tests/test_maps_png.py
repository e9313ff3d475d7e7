"""ecogis map --png: the renderer lookup and the clear error when there is no Chromium."""

from __future__ import annotations

import pytest
from click.testing import CliRunner

from ecogis.cli.main import cli
from ecogis.errors import InputError
from ecogis.maps import png


def test_no_chromium_is_a_clear_error_before_any_work(monkeypatch, tmp_path):
    monkeypatch.setenv("ECOGIS_CHROMIUM", str(tmp_path / "no-such-chrome"))
    monkeypatch.setenv("PATH", str(tmp_path))  # nothing on PATH either
    assert png.find_chromium() is None and not png.png_renderer_available()
    with pytest.raises(png.PngRendererError, match="apt install chromium"):
        png.require_png_renderer()
    out = tmp_path / "maps"
    r = CliRunner().invoke(cli, ["map", "--out-dir", str(out), "--png", "--overview-only"])
    assert r.exit_code == 2, r.output
    assert "needs Chromium" in r.output and "Traceback" not in r.output
    assert not out.exists() or not any(out.iterdir())  # nothing written


def test_unknown_renderer_and_bad_sizes():
    with pytest.raises(png.PngRendererError, match="expected one of"):
        png.require_png_renderer("gimp")
    assert png.parse_window("1600x1000") == (1600, 1000)
    for bad in ("1600", "axb", "50x50", "1600x"):
        with pytest.raises(InputError, match="WIDTHxHEIGHT"):
            png.parse_window(bad)


def test_a_registered_renderer_is_used(monkeypatch, tmp_path):
    """The hook another renderer (a PyQGIS layout) plugs into: RENDERERS, tried in order."""
    drawn = []

    def render(html, out, window, timeout):
        drawn.append((html.name, window))
        out.write_bytes(b"\x89PNG fake")

    monkeypatch.setitem(png.RENDERERS, "fake", png.PngRenderer("fake", lambda: True, render, "no fake"))
    page = tmp_path / "m.html"
    page.write_text("<html></html>")
    assert png.write_png(page, renderer="fake", window_px=(800, 600)) == tmp_path / "m.png"
    assert drawn == [("m.html", (800, 600))] and (tmp_path / "m.png").read_bytes().startswith(b"\x89PNG")
    with pytest.raises(Exception, match="exist"):
        png.write_pngs([page], renderer="fake")
