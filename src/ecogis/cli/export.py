"""``ecogis export``: layers for other programs.

``ecogis export qgis OUT.gpkg`` is a thin skin over :func:`ecogis.export.export_qgis`:
a styled GeoPackage (default styles in ``layer_styles``), ``OUT.qgs`` / ``OUT.qgz``
beside it and the rasters as styled GeoTIFFs in ``OUT_rasters/`` (each with its
``.qml``), then each file's size; with ``--pdf`` every print layout of the project as a PDF in
``OUT_layouts/`` through PyQGIS (:func:`ecogis.publish.render.export_layouts`).
"""

from __future__ import annotations

from pathlib import Path

import click

from ecogis.cli.options import (
    claim_outputs,
    crs_option,
    echo_written,
    handle_errors,
    layers_option,
    load_layerset,
    overwrite_option,
)
from ecogis.errors import OutputExistsError

__all__ = ["export", "qgis"]


@click.group("export")
def export() -> None:
    """Export layers for other programs (QGIS)."""


@export.command("qgis")
@click.argument("out", type=click.Path(dir_okay=False, path_type=Path))
@layers_option
@crs_option
@click.option("--with-checks/--no-checks", default=False, show_default=True,
              help="Also run every check the layers allow and export its violations and layers, "
                   "a group per check under 核查结果.")
@click.option("--qgz", is_flag=True, help="Write the zipped project OUT.qgz instead of OUT.qgs.")
@click.option("--lang", type=click.Choice(["zh", "en"]), default="zh", show_default=True,
              help="Language of layer and group names, legend labels and field aliases.")
@click.option("--pdf", is_flag=True,
              help="Also export every print layout (one per check map) to OUT_layouts/*.pdf through PyQGIS.")
@overwrite_option
@handle_errors
def qgis(out: Path, layers_dir: Path | None, crs: str | None, with_checks: bool, qgz: bool, lang: str,
         pdf: bool, overwrite: bool) -> None:
    """Write OUT.gpkg (every layer in EPSG:4490, styled by default), styled GeoTIFFs in OUT_rasters/
    and a QGIS project beside them.

    \b
    Examples:
      ecogis export qgis out/luohe.gpkg                     # the Luohe sample
      ecogis export qgis out/luohe.gpkg --with-checks --qgz --overwrite
      ecogis export qgis city.gpkg --layers data/ --lang en
      ecogis export qgis out/luohe.gpkg --with-checks --pdf  # and OUT_layouts/*.pdf (PyQGIS)
    """
    from ecogis.export import export_qgis, output_paths, raster_dir
    from ecogis.publish.render import export_layouts, layout_dir, require_qgis

    project = out.with_suffix(".qgz" if qgz else ".qgs")
    if pdf:  # before any work: PyQGIS is there, and no earlier PDFs would be replaced silently
        require_qgis("--pdf")
        if not overwrite and layout_dir(project).is_dir() and any(layout_dir(project).glob("*.pdf")):
            raise OutputExistsError(f"{layout_dir(project)} holds PDFs; pass --overwrite to replace")
    claim_outputs(overwrite, out, project, dirs=[raster_dir(out), layout_dir(project) if pdf else None])
    layerset = load_layerset(layers_dir, crs)
    if not overwrite:  # every file, the rasters' too, before the checks run
        existing = [str(p) for p in output_paths(layerset, out, project="qgz" if qgz else "qgs") if p.exists()]
        if existing:
            raise OutputExistsError(f"{', '.join(existing)} exist(s); pass --overwrite to replace")
    results = []
    if with_checks:
        results = _run_checks(layerset)
    result = export_qgis(layerset, out, results=results, project="qgz" if qgz else "qgs", lang=lang,
                         overwrite=overwrite)
    checks = sorted({l.check for l in result.layers if l.check})
    click.echo(f"layers: {len(result.layers)} ({sum(l.features for l in result.layers)} features)"
               + (f", rasters: {len(result.rasters)}" if result.rasters else "")
               + (f", checks: {', '.join(checks)}" if checks else "") + f", project CRS: {result.crs}")
    for note in result.notes:
        click.secho(f"note: {note}", fg="yellow", err=True)
    for name, why in result.skipped.items():
        click.secho(f"skipped: {name}: {why}", fg="yellow", err=True)
    for p in result.paths:
        echo_written(p)
    if pdf:
        for p in export_layouts(result.project, overwrite=overwrite):
            echo_written(p)


def _run_checks(layerset) -> list:
    """Every check of :data:`ecogis.checks.CHECKS` the layers allow; the others are reported."""
    from ecogis.audit import run_checks

    results, skipped = run_checks(layerset)
    for name, why in skipped.items():
        click.secho(f"{name}: {why}", fg="yellow", err=True)
    return list(results.values())
