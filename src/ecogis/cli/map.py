"""``ecogis map``: self-contained HTML maps of the layers (and of chosen checks).

Writes ``<out-dir>/overview.html`` (every layer), one ``<check>.html`` per
check the layers allow (or per ``--check``; none with ``--overview-only``) and
``<out-dir>/index.html`` linking them, then prints each file's size.  The maps open with no network;
``--basemap`` other than ``none`` adds
tiles that do need it.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click

from ecogis.audit import run_checks
from ecogis.checks import CHECKS
from ecogis.cli.options import (
    claim_outputs,
    crs_option,
    echo_written,
    handle_errors,
    layers_option,
    load_layerset,
    overwrite_option,
)
from ecogis.errors import NotMeasurableError
from ecogis.maps import ensure_assets, write_maps
from ecogis.maps.png import parse_window, require_png_renderer, write_pngs

__all__ = ["CheckChoice", "map_command"]


class CheckChoice(click.Choice):
    """A click choice of the registered checks (:data:`ecogis.checks.CHECKS`, read when parsing)."""

    name = "check"

    def __init__(self) -> None:
        super().__init__((), case_sensitive=True)

    @property
    def choices(self) -> tuple[str, ...]:  # type: ignore[override]
        return tuple(CHECKS)

    @choices.setter
    def choices(self, value: Any) -> None:  # click sets it in __init__; the registry is the truth
        pass


_BASEMAPS = ["none", "osm", "tianditu-vec", "tianditu-img", "amap"]


@click.command("map")
@layers_option
@crs_option
@click.option("--out-dir", type=click.Path(file_okay=False, path_type=Path), default=Path("maps"),
              show_default=True, help="Directory for the maps and index.html.")
@click.option("--basemap", type=click.Choice(_BASEMAPS), default="none", show_default=True,
              help="Tiles under the data: 'none' works offline; the others need network "
                   "(amap shifts the data to GCJ-02).")
@click.option("--tianditu-key", default=None, metavar="KEY",
              help="天地图 key for tianditu-vec / tianditu-img (default: $TIANDITU_KEY).")
@click.option("--lang", type=click.Choice(["zh", "en"]), default="zh", show_default=True,
              help="Language of titles, legends and popups.")
@click.option("--area-unit", type=click.Choice(["auto", "km2", "ha", "m2"]), default="auto", show_default=True,
              help="Unit of areas in panels and popups: auto = km² from 1 km², else 公顷 / ha.")
@click.option("--check", "checks", multiple=True, metavar="NAME", type=CheckChoice(),
              help=f"Map only these checks (repeatable): {', '.join(CHECKS)}.  Default: every check the "
                   "layers allow.")
@click.option("--overview-only", is_flag=True, help="Only the overview map of the layers (and the index).")
@click.option("--png", "png", is_flag=True,
              help="Also a PNG picture of each map (<name>.png beside it), drawn by headless Chromium.")
@click.option("--png-size", default="1400x900", show_default=True, metavar="WxH",
              help="Window size of the PNG pictures, pixels.")
@overwrite_option
@click.pass_context
@handle_errors
def map_command(ctx: click.Context, layers_dir: Path | None, crs: str | None, out_dir: Path, basemap: str,
                tianditu_key: str | None, lang: str, area_unit: str, checks: tuple[str, ...], overview_only: bool,
                png: bool, png_size: str, overwrite: bool) -> None:
    """Write self-contained HTML maps: an overview of every layer, one map per check, and index.html.

    \b
    Examples:
      ecogis map                                   # the Luohe sample -> maps/
      ecogis map --layers data/ --out-dir out/maps --overwrite
      ecogis map --basemap tianditu-vec --tianditu-key KEY --lang en
      ecogis map --check water-sources --check sections
      ecogis map --overview-only
      ecogis map --lang zh --png                   # and maps/<name>.png for reports
    """
    if checks and overview_only:
        raise click.UsageError("--check and --overview-only exclude each other")
    ensure_assets()  # before any work: without the map scripts, one line saying how to get them, exit 2
    window = parse_window(png_size) if png else None
    if png:
        require_png_renderer()  # before any work: no Chromium, one line saying how to get it, exit 2
    claim_outputs(overwrite, dirs=[out_dir])
    layerset = load_layerset(layers_dir, crs)
    results = []
    if not overview_only:
        ran, skipped = run_checks(layerset, list(checks) or None)
        if checks and skipped:  # a check asked for by name must run
            raise NotMeasurableError("; ".join(f"{k}: {why}" for k, why in skipped.items()))
        for name, why in skipped.items():
            click.echo(f"no map for {name}: {why}", err=True)
        results = list(ran.values())
    paths = write_maps(layerset, results, out_dir, basemap=basemap, lang=lang,
                       tianditu_key=tianditu_key, overwrite=overwrite, area_unit=area_unit)
    for p in paths:
        echo_written(p)
    if png:
        for p in write_pngs([p for p in paths if p.name != "index.html"], window_px=window, overwrite=overwrite):
            echo_written(p)
