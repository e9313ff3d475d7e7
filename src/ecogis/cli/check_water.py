"""``ecogis check water-sources`` and ``ecogis check sections``.

Thin skins over :func:`ecogis.water.water_sources_check` and
:func:`ecogis.water.sections_check`: each layer comes from its file option when
given, else from ``--layers`` (default: the embedded Luohe sample, only when no file
is given), through the shared :class:`~ecogis.cli.options.LayerSource`.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click

from ecogis import water
from ecogis.checks import CHECKS
from ecogis.cli.options import (
    INPUT_FILE,
    LayerSource,
    crs_option,
    finish_check,
    handle_errors,
    json_option,
    layers_option,
    out_option,
    overwrite_option,
    refuse_existing,
)

__all__ = ["water_sources", "sections"]

_FILE = INPUT_FILE


def _layer_set(src: LayerSource, *needed: Any) -> Any:
    """The layer set for the layers not given as files: None when every ``needed`` layer was given, or
    when some were and ``--layers`` was not (a user's files are never filled in from the sample)."""
    return None if src.files_only or all(g is not None for g in needed) else src.layerset


def _read(src: LayerSource, path: Path | None, kind: str) -> Any:
    return src.get(path, kind) if path is not None else None


@click.command("water-sources")
@click.option("--zones", "zones_file", type=_FILE, default=None,
              help="Protection zones (level 一级/二级/准保护区); default: the layers' protection_zones, else "
                   "delineated from water sources per HJ 338-2018.")
@click.option("--facilities", "facilities_file", type=_FILE, default=None, help="Facilities to check.")
@click.option("--sources", "sources_file", type=_FILE, default=None,
              help="Water-source intakes to delineate zones from when no zones are available.")
@click.option("--rivers", "rivers_file", type=_FILE, default=None,
              help="River centre lines (digitised downstream) for delineating river-type zones.")
@click.option("--warn-distance", type=click.FloatRange(min=0), default=100.0, show_default=True,
              help="Metres outside a zone's edge that still earn a warning.")
@click.option("--rules", "rules_file", type=_FILE, default=None,
              help="TOML file overriding HJ 338-2018 delineation figures (only the keys that change, as in "
                   "ecogis/data/rules/hj338.toml).")
@click.option("--strict", is_flag=True, help="Exit 1 when violations are found.")
@layers_option
@json_option
@out_option
@overwrite_option
@crs_option
@handle_errors
def water_sources(zones_file: Path | None, facilities_file: Path | None, sources_file: Path | None,
                  rivers_file: Path | None, warn_distance: float, rules_file: Path | None, strict: bool,
                  layers_dir: Path | None, json_path: Path | None, out_path: Path | None, overwrite: bool,
                  crs: str | None) -> None:
    """Facilities inside drinking-water protection zones (水污染防治法 第六十四至六十七条).

    Prints the counts; --json writes `violations` (count) and `items` (id, rule,
    detail ...); --out writes the violations and zones as a GeoPackage.
    """
    refuse_existing(overwrite, json_path, out_path)
    src = LayerSource(layers_dir, crs, files=(zones_file, facilities_file, sources_file, rivers_file))
    zones = _read(src, zones_file, "protection_zones")
    facilities = _read(src, facilities_file, "facilities")
    sources = _read(src, sources_file, "water_sources")
    rivers = _read(src, rivers_file, "rivers")
    layers = _layer_set(src, facilities, zones if zones is not None else sources,
                        *([] if zones is not None else [rivers]))
    rules = water.load_hj338_rules(overrides=rules_file) if rules_file is not None else None
    result = water.water_sources_check(layers, zones=zones, facilities=facilities, sources=sources, rivers=rivers,
                                 warn_distance_m=warn_distance, rules=rules)
    finish_check(result, json_path, out_path, overwrite, strict, list(CHECKS['water-sources'].headline))


@click.command("sections")
@click.option("--sections", "sections_file", type=_FILE, default=None, help="Monitored sections.")
@click.option("--rivers", "rivers_file", type=_FILE, default=None,
              help="River centre lines, digitised downstream (first vertex upstream).")
@click.option("--facilities", "facilities_file", type=_FILE, default=None,
              help="Facilities to list upstream of failing sections.")
@click.option("--upstream-km", type=click.FloatRange(min=0), default=10.0, show_default=True,
              help="How far upstream along the river network to look from a failing section.")
@click.option("--river-distance", type=click.FloatRange(min=0), default=500.0, show_default=True,
              help="Metres from the river within which a facility is listed.")
@click.option("--strict", is_flag=True, help="Exit 1 when a section fails its target.")
@layers_option
@json_option
@out_option
@overwrite_option
@crs_option
@handle_errors
def sections(sections_file: Path | None, rivers_file: Path | None, facilities_file: Path | None,
             upstream_km: float, river_distance: float, strict: bool, layers_dir: Path | None,
             json_path: Path | None, out_path: Path | None, overwrite: bool, crs: str | None) -> None:
    """Sections' GB 3838-2002 classes against their targets; rivers coloured; upstream facilities.

    Prints the compliance rates; --json writes `violations` (count) and `items`
    (id, rule, detail ...); --out writes the violations, classified rivers and
    upstream facilities as a GeoPackage.
    """
    refuse_existing(overwrite, json_path, out_path)
    src = LayerSource(layers_dir, crs, files=(sections_file, rivers_file, facilities_file))
    sec = _read(src, sections_file, "sections")
    rivers = _read(src, rivers_file, "rivers")
    facilities = _read(src, facilities_file, "facilities")
    layers = _layer_set(src, sec, rivers, facilities)
    if sec is None and layers is not None and layers.has("section_samples"):  # annual means of the samples
        from ecogis.checks.sections import with_samples

        result = with_samples(layers, rivers=rivers, facilities=facilities, upstream_km=upstream_km,
                              river_distance_m=river_distance)
    else:
        result = water.sections_check(layers, sections=sec, rivers=rivers, facilities=facilities,
                                      upstream_km=upstream_km, river_distance_m=river_distance)
    finish_check(result, json_path, out_path, overwrite, strict, list(CHECKS['sections'].headline))
