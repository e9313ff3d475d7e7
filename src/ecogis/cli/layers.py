"""``ecogis layers``: the catalogue, and what the sample (or ``--layers``) holds."""

from __future__ import annotations

from pathlib import Path

import click

from ecogis.cli.options import crs_option, handle_errors, layers_option, load_layerset

__all__ = ["layers"]


@click.command()
@click.option("--kind", default=None, help="Show the fields of one kind.")
@click.option("--lang", type=click.Choice(["zh", "en"]), default="zh", show_default=True)
@layers_option
@crs_option
@handle_errors
def layers(kind: str | None, lang: str, layers_dir: Path | None, crs: str | None) -> None:
    """List the layer kinds ecogis knows and the layers of the sample (or --layers DIR)."""
    from ecogis.catalogue import CATALOGUE, RASTERS, get_spec
    from ecogis.tables import TABLES

    if kind in TABLES:  # a record table: its columns
        schema = TABLES[kind]
        click.echo(f"{schema.kind}: {schema.zh if lang == 'zh' else schema.en} (record table, CSV or .xlsx)  "
                   f"{schema.description}")
        for c in schema.columns:
            unit = f" [{c.unit}]" if c.unit else ""
            click.echo(f"  {c.name:<22} {c.dtype:<5} {'required' if c.required else 'optional':<8} "
                       f"{c.zh if lang == 'zh' else c.en}{unit}  also read from: {', '.join(c.aliases)}")
        return
    if kind:
        spec = get_spec(kind)
        click.echo(f"{spec.kind}: {spec.label(lang)} ({' or '.join(spec.geometry)})  {spec.description}")
        for f in spec.fields:
            req = "required" if f.required else "optional"
            allowed = f"  allowed: {', '.join(f.allowed)}" if f.allowed else ""
            aliases = f"  also read from: {', '.join(f.aliases)}" if f.aliases else ""
            click.echo(f"  {f.name:<22} {f.dtype:<5} {req:<8} {f.label(lang)}{allowed}{aliases}")
        return
    ls = load_layerset(layers_dir, crs)
    click.echo("Catalogue (kind, geometry, name, features in " + (str(ls.root) if ls.root else "sample") + "):")
    for k, spec in CATALOGUE.items():
        n = len(ls.vectors[k]) if k in ls.vectors else "-"
        click.echo(f"  {k:<18} {'/'.join(spec.geometry):<14} {spec.label(lang):<16} {n}")
    for k, r in RASTERS.items():
        path = ls.rasters.get(k)
        click.echo(f"  {k:<18} {'raster':<14} {(r.name_zh if lang == 'zh' else r.name_en):<16} "
                   f"{path.name if path else '-'}")
    for k, schema in TABLES.items():
        given = ls.tables.get(k)
        click.echo(f"  {k:<18} {'table':<14} {(schema.zh if lang == 'zh' else schema.en):<16} "
                   f"{getattr(given, 'name', 'given') if given is not None else '-'}")
