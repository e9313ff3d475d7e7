"""``ecogis validate``: check layer files feature by feature; ``--fix`` writes a repaired copy."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from ecogis.cli.options import claim_outputs, crs_option, handle_errors, overwrite_option

__all__ = ["validate"]


@click.command()
@click.argument("paths", nargs=-1, required=True, type=click.Path(exists=True, path_type=Path))
@click.option("--kind", default=None, help="Kind of every layer (default: told from layer or file names).")
@click.option("--fix", "fix_out", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Write a repaired copy of every layer to this GeoPackage, and a change log beside it.")
@click.option("--show", default=200, show_default=True, help="Print at most this many problems.")
@crs_option
@overwrite_option
@handle_errors
def validate(paths: tuple[Path, ...], kind: str | None, fix_out: Path | None, show: int, crs: str | None,
             overwrite: bool) -> None:
    """Validate PATHS (files or directories): geometry, types, required fields, allowed
    values, duplicate ids, swapped lon/lat, CRSs.  Exits 3 when errors are found.

    \b
    Examples:
      ecogis validate layers/
      ecogis validate stops.shp --kind bus_stops --fix stops_fixed.gpkg
    """
    from ecogis.validate import fix_paths, validate_paths

    if fix_out is not None:
        claim_outputs(overwrite, fix_out)
    report = validate_paths(list(paths), kind=kind, crs=crs)
    for row in report.layers:
        mapping = row["field_mapping"]
        extra = f", columns mapped {mapping}" if mapping else ""
        enc = f", encoding {row['encoding']}" if row.get("encoding") else ""
        layer = f" [{row['layer']}]" if row["layer"] else ""
        click.echo(f"{row['file']}{layer}: kind {row['kind'] or '?'}, {row['features']} features, "
                   f"{row['crs']}, {row['errors']} error(s){enc}{extra}")
    for problem in report.problems[:show]:
        click.secho(str(problem), fg="red" if problem.severity == "error" else "yellow", err=True)
    if len(report.problems) > show:
        click.echo(f"... {len(report.problems) - show} more problem(s)", err=True)
    click.echo(f"{len(report.errors)} error(s), {len(report.warnings)} warning(s)")
    if fix_out is not None:
        gpkg, log_path, changes = fix_paths(list(paths), fix_out, kind=kind, crs=crs, overwrite=overwrite)
        click.echo(f"wrote repaired copy {gpkg} ({len(changes)} change(s) logged in {log_path}); inputs untouched")
    if not report.ok:
        sys.exit(3)
