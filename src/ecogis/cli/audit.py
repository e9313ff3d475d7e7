"""``ecogis audit``: check a city's layers against its plans and write the report and maps."""

from __future__ import annotations

import time
from pathlib import Path

import click

from ecogis.cli.options import (
    claim_outputs,
    crs_option,
    handle_errors,
    layers_option,
    load_layerset,
    overwrite_option,
)
from ecogis.errors import InputError

__all__ = ["audit"]


@click.command()
@click.option("--plan", "plans", multiple=True, metavar="ID",
              help="Plan id from the registry (repeatable); default: every Luohe plan. See --list-plans.")
@layers_option
@crs_option
@click.option("--year", type=int, default=None, help="Only the targets of this year (default: every year).")
@click.option("--out", "out_dir", type=click.Path(file_okay=False, path_type=Path), default=Path("ecogis-report"),
              show_default=True, help="Directory for report.html / .md / .json and maps/.")
@click.option("--basemap", type=click.Choice(["none", "osm", "tianditu-vec", "tianditu-img", "amap"]),
              default="none", show_default=True, help="Basemap of the maps (none works offline).")
@click.option("--lang", type=click.Choice(["zh", "en"]), default="zh", show_default=True)
@click.option("--no-maps", is_flag=True, help="Skip the maps (faster).")
@click.option("--qgis", "qgis", is_flag=True,
              help="Also write qgis/audit.gpkg and qgis/audit.qgs: the layers and every check's results, styled.")
@click.option("--indicators", "indicators", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Reported figures (CSV/Excel: target or indicator+year, value, source); default: "
                   "indicators.csv|xlsx in the layers directory.")
@click.option("--previous", "previous", type=click.Path(path_type=Path), default=None, metavar="OLD/report.json",
              help="An earlier audit's report.json: the report adds each target's previous value and the change.")
@click.option("--pdf", is_flag=True,
              help="With --qgis: also export every print layout of qgis/audit.qgs to qgis/audit_layouts/*.pdf "
                   "(PyQGIS).")
@click.option("--list-plans", is_flag=True, help="List the plans in the registry and exit.")
@overwrite_option
@handle_errors
def audit(plans: tuple[str, ...], layers_dir: Path | None, crs: str | None, year: int | None, out_dir: Path,
          basemap: str, lang: str, no_maps: bool, qgis: bool, pdf: bool, indicators: Path | None,
          previous: Path | None, list_plans: bool, overwrite: bool) -> None:
    """Audit the layers (default: the embedded Luohe sample) against the plans' targets.

    \b
    Examples:
      ecogis audit
      ecogis audit --plan luohe-transit-2023 --year 2025 --out out/transit --overwrite
      ecogis audit --qgis                      # also ecogis-report/qgis/audit.qgs for QGIS
      ecogis audit --qgis --pdf                # and its print layouts as PDF (PyQGIS)
      ecogis audit --layers my_city/ --plan xingyang-eco-2024
      ecogis audit --indicators reported.xlsx --previous last_year/report.json --lang en
    """
    from ecogis.audit import run_audit
    from ecogis.report import write_report

    if list_plans:
        from ecogis.targets import load_targets
        from ecogis.targets import plans as plan_info

        counts: dict[str, int] = {}
        for t in load_targets():
            counts[t.plan] = counts.get(t.plan, 0) + 1
        for pid, info in plan_info().items():
            click.echo(f"{pid:<28} {counts.get(pid, 0):>3} targets  {info}")
        return
    started = time.perf_counter()
    if pdf:
        from ecogis.publish.render import require_qgis

        if not qgis:
            raise InputError("--pdf exports the QGIS project's layouts; add --qgis")
        require_qgis("--pdf")
    claim_outputs(overwrite, dirs=[out_dir, None if no_maps else out_dir / "maps", out_dir / "qgis" if qgis else None])
    layers = load_layerset(layers_dir, crs)
    result = run_audit(layers, plans=list(plans) or None, year=year, indicators=indicators, previous=previous)
    if not no_maps:
        from ecogis.maps.assets import assets_unavailable

        why = assets_unavailable()
        if why is not None:  # the report does not need the map scripts: write it, say so in one line
            click.echo(f"maps skipped: {why}", err=True)
            no_maps = True
    paths = write_report(result, out_dir, layers=layers, maps=not no_maps, basemap=basemap, lang=lang,
                         overwrite=overwrite, qgis=qgis)
    if pdf:
        from ecogis.publish.render import export_layouts

        paths["pdf"] = export_layouts(paths["qgis"], overwrite=overwrite)[0].parent
    c = result.counts()
    click.echo(f"{sum(c.values())} targets: {c['met']} met, {c['not_met']} not met, "
               f"{c['not_measurable']} not measurable ({time.perf_counter() - started:.1f} s)")
    click.echo("  measured by: " + ", ".join(f"{k} {v}" for k, v in result.counts_by_source().items()))
    if result.indicators_warnings:
        click.echo(f"  {result.indicators_file}: {len(result.indicators_warnings)} value(s) read with a warning "
                   f"(listed in report.json, indicators_warnings)", err=True)
    for kind, path in paths.items():
        if kind == "maps":
            maps = [p for p in Path(path).parent.glob("*.html") if p.name != "index.html"]
            size = sum(p.stat().st_size for p in maps)
            click.echo(f"  maps: {path} ({len(maps)} maps, {size / 1e6:.1f} MB, open with no network)")
        else:
            click.echo(f"  {kind}: {path}")
