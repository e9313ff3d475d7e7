"""``ecogis check redlines | redline-change | river-buffers | control-zones | boilers``.

Thin skins over :mod:`ecogis.ecology`: each reads the files given (or the
sample's / ``--layers`` layers for what is not given), calls one function, writes
``--json`` / ``--out`` and prints the headline numbers.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click

from ecogis import ecology
from ecogis.checks import CHECKS
from ecogis.cli.options import INPUT_FILE as _FILE
from ecogis.cli.options import LayerSource as _Layers
from ecogis.cli.options import check_options as _common
from ecogis.cli.options import finish_check as finish
from ecogis.cli.options import handle_errors
from ecogis.cli.options import refuse_existing as _refuse_existing
from ecogis.errors import InputError, NotMeasurableError

__all__ = ["redlines", "redline_change", "river_buffers", "control_zones", "boilers"]


@click.command("redlines")
@click.option("--redlines", "redlines_path", type=_FILE, default=None,
              help="Red-line units (eco_redlines); default: the layer set's.")
@click.option("--projects", "projects_path", type=_FILE, default=None, help="Project footprints.")
@click.option("--facilities", "facilities_path", type=_FILE, default=None, help="Facilities (polygons or points).")
@_common
@handle_errors
def redlines(redlines_path: Path | None, projects_path: Path | None, facilities_path: Path | None,
             layers_dir: Path | None, json_path: Path | None, out_path: Path | None, overwrite: bool,
             crs: str | None, strict: bool) -> None:
    """Projects and facilities overlapping ecological red lines (生态保护红线).

    Without --projects/--facilities, checks the layer set's projects and facilities.

    \b
    Examples:
      ecogis check redlines --json redlines.json
      ecogis check redlines --redlines red.gpkg --projects projects.gpkg --out overlaps.gpkg
    """
    _refuse_existing(overwrite, json_path, out_path)
    src = _Layers(layers_dir, crs, files=(redlines_path, projects_path, facilities_path))
    red = src.get(redlines_path, "eco_redlines")
    features = {}
    if projects_path is not None or facilities_path is not None:
        if projects_path is not None:
            features["projects"] = src.get(projects_path, "projects")
        if facilities_path is not None:
            features["facilities"] = src.get(facilities_path, "facilities")
    else:
        for kind in ("projects", "facilities"):
            if src.layerset.has(kind):
                features[kind] = src.layerset.get(kind)
        if not features:
            raise NotMeasurableError("no projects or facilities layer to check; pass --projects or --facilities")
    result = ecology.redline_overlap(features, red)
    finish(result, json_path, out_path, overwrite, strict, list(CHECKS['redlines'].headline))


def _sibling_redlines(src: _Layers) -> tuple[Path, str | None]:
    """The earlier red-line version beside the layer set (see ecology.find_previous_redlines)."""
    root = src.set_for("eco_redlines", "--old").root
    if root is not None and root.is_file():
        root = root.parent
    if root is None or not root.exists():
        raise InputError("no --old given and the layer set has no directory to look in; pass --old FILE")
    found = ecology.find_previous_redlines(root)
    if found is None:
        raise InputError(
            f"no --old given and {root} holds no earlier red-line version (eco_redlines_<version>.gpkg or a "
            f"GeoPackage layer eco_redlines_<version>); pass --old FILE and --new FILE"
        )
    return found


@click.command("redline-change")
@click.option("--old", "old_path", type=_FILE, default=None,
              help="Earlier red-line version; default: eco_redlines_<v> beside the layer set.")
@click.option("--old-layer", default=None, help="Layer inside --old (GeoPackage).")
@click.option("--new", "new_path", type=_FILE, default=None,
              help="Later version; default: the layer set's eco_redlines.")
@click.option("--new-layer", default=None, help="Layer inside --new (GeoPackage).")
@click.option("--min-piece", "min_piece_m2", type=float, default=1.0, show_default=True,
              help="Lost pieces smaller than this many m2 are not listed (slivers).")
@_common
@handle_errors
def redline_change(old_path: Path | None, old_layer: str | None, new_path: Path | None, new_layer: str | None,
                   min_piece_m2: float, layers_dir: Path | None, json_path: Path | None, out_path: Path | None,
                   overwrite: bool, crs: str | None, strict: bool) -> None:
    """Red-line area lost, gained and net between two versions (生态保护红线面积不减少).

    \b
    Examples:
      ecogis check redline-change --old red_2018.gpkg --new red_2023.gpkg --json change.json
      ecogis check redline-change          # sample: eco_redlines_2018 against eco_redlines
    """
    _refuse_existing(overwrite, json_path, out_path)
    src = _Layers(layers_dir, crs, files=(old_path, new_path))
    if old_path is None:
        old_path, found_layer = _sibling_redlines(src)
        old_layer = old_layer or found_layer
    old = src.get(old_path, "eco_redlines", layer=old_layer)
    new = src.get(new_path, "eco_redlines", layer=new_layer)
    result = ecology.redline_change(old, new, min_piece_m2=min_piece_m2)
    finish(result, json_path, out_path, overwrite, strict, list(CHECKS['redline-change'].headline))


@click.command("river-buffers")
@click.option("--facilities", "facilities_path", type=_FILE, default=None, help="Facilities layer.")
@click.option("--rivers", "rivers_path", type=_FILE, default=None, help="Rivers (lines or polygons).")
@click.option("--buffer", "buffer_m", type=float, default=None,
              help="Buffer-strip width each side, m (default 500: 三政办〔2018〕35号 三(三)5 河道两侧500米).")
@click.option("--kind", "kinds", multiple=True,
              help="Facility kind to check (repeatable); default livestock_farm and enterprise; 'all' for every kind.")
@_common
@handle_errors
def river_buffers(facilities_path: Path | None, rivers_path: Path | None, buffer_m: float | None,
                  kinds: tuple[str, ...], layers_dir: Path | None, json_path: Path | None, out_path: Path | None,
                  overwrite: bool, crs: str | None, strict: bool) -> None:
    """Livestock farms and enterprises within the buffer strip (生态缓冲带) of rivers.

    \b
    Examples:
      ecogis check river-buffers --buffer 100 --json buffers.json
    """
    _refuse_existing(overwrite, json_path, out_path)
    src = _Layers(layers_dir, crs, files=(facilities_path, rivers_path))
    facilities = src.get(facilities_path, "facilities")
    rivers = src.get(rivers_path, "rivers")
    kw: dict[str, Any] = {"buffer_m": ecology.DEFAULT_RIVER_BUFFER_M if buffer_m is None else buffer_m}
    if kinds:
        kw["kinds"] = None if "all" in kinds else list(kinds)
    result = ecology.river_buffers(facilities, rivers, **kw)
    finish(result, json_path, out_path, overwrite, strict, list(CHECKS['river-buffers'].headline))


@click.command("control-zones")
@click.option("--zones", "zones_path", type=_FILE, default=None, help="Control zones (禁燃区/禁养区/限养区).")
@click.option("--facilities", "facilities_path", type=_FILE, default=None, help="Facilities layer.")
@click.option("--large-site", "large_site_m2", type=float, default=5000.0, show_default=True,
              help="Construction sites of at least this many m2 are listed (漯政〔2024〕6号 五(一)).")
@_common
@handle_errors
def control_zones(zones_path: Path | None, facilities_path: Path | None, large_site_m2: float,
                  layers_dir: Path | None, json_path: Path | None, out_path: Path | None, overwrite: bool,
                  crs: str | None, strict: bool) -> None:
    """Livestock farms in 禁养区, facilities in 禁燃区, construction sites >= 5,000 m2.

    \b
    Examples:
      ecogis check control-zones --json zones.json --out zones.gpkg
    """
    _refuse_existing(overwrite, json_path, out_path)
    src = _Layers(layers_dir, crs, files=(zones_path, facilities_path))
    zones = src.get(zones_path, "control_zones")
    facilities = src.get(facilities_path, "facilities")
    result = ecology.control_zones(facilities, zones, large_site_m2=large_site_m2)
    finish(result, json_path, out_path, overwrite, strict, list(CHECKS['control-zones'].headline))


@click.command("boilers")
@click.option("--facilities", "facilities_path", type=_FILE, default=None,
              help="Facilities with kind coal_boiler (燃煤锅炉) and chp_plant (热电联产电厂, capacity_mw).")
@click.option("--radius-km", type=click.FloatRange(min=0, min_open=True), default=30.0, show_default=True,
              help="Heating radius around each plant (漯政〔2024〕6号 三(三): 30 km; "
                   "三政办〔2018〕35号 二(一)6: 15 km).")
@click.option("--min-chp-mw", type=click.FloatRange(min=0), default=300.0, show_default=True,
              help="Smallest CHP plant that counts, MW (30万千瓦 = 300 MW).")
@_common
@handle_errors
def boilers(facilities_path: Path | None, radius_km: float, min_chp_mw: float, layers_dir: Path | None,
            json_path: Path | None, out_path: Path | None, overwrite: bool, crs: str | None, strict: bool) -> None:
    """Coal boilers within the heating radius of CHP plants of 300 MW or more.

    \b
    Examples:
      ecogis check boilers --facilities facilities.gpkg --json boilers.json
      ecogis check boilers --facilities f.gpkg --radius-km 15 --out boilers.gpkg
    """
    _refuse_existing(overwrite, json_path, out_path)
    facilities = _Layers(layers_dir, crs).get(facilities_path, "facilities")
    result = ecology.coal_boilers_near_chp(facilities, radius_m=radius_km * 1000.0, min_chp_mw=min_chp_mw)
    finish(result, json_path, out_path, overwrite, strict, list(CHECKS['boilers'].headline))
