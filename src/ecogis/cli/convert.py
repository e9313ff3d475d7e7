"""``ecogis convert``: a whole file from any supported CRS to any other."""

from __future__ import annotations

from pathlib import Path

import click

from ecogis.cli.options import claim_outputs, handle_errors, overwrite_option

__all__ = ["convert"]


@click.command()
@click.argument("source", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.argument("target", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--from", "src_crs", default=None, metavar="CRS",
              help="What the source coordinates are (EPSG code, WKT, gcj02, bd09); default: the file's CRS.")
@click.option("--to", "dst_crs", required=True, metavar="CRS", help="Target CRS: EPSG code, WKT, gcj02 or bd09.")
@overwrite_option
@handle_errors
def convert(source: Path, target: Path, src_crs: str | None, dst_crs: str, overwrite: bool) -> None:
    """Convert SOURCE to another CRS and write TARGET (.gpkg, .geojson or .fgb).

    \b
    Examples:
      ecogis convert stops_amap.csv stops.gpkg --from gcj02 --to EPSG:4490
      ecogis convert roads.shp roads_gk.gpkg --to EPSG:4547
    """
    from ecogis.convert import convert_file

    claim_outputs(overwrite, target)
    report = convert_file(source, target, src_crs=src_crs, dst_crs=dst_crs, overwrite=overwrite)
    click.echo(str(report))
