"""``ecogis check NAME``: one command per check of :data:`ecogis.checks.CHECKS`.

A check whose spec names a ``command`` (``"module:attribute"``) gets that click
command, imported on first use; a check without one (from another package or a
script) gets a generic command built from its spec: its parameters as options,
its runner on the layer set, its headline keys printed.
"""

from __future__ import annotations

import importlib
from pathlib import Path
from typing import Any

import click

from ecogis.audit import run_check
from ecogis.checks import CHECKS, CheckSpec
from ecogis.cli.options import check_options, finish_check, handle_errors, load_layerset, refuse_existing

__all__ = ["check", "spec_command"]


def spec_command(spec: CheckSpec) -> click.Command:
    """The ``ecogis check NAME`` command of a spec: its own, or the generic one."""
    if spec.command is not None:
        module, attr = spec.command.split(":")
        return getattr(importlib.import_module(module), attr)

    def run(layers_dir: Path | None, json_path: Path | None, out_path: Path | None, overwrite: bool,
            crs: str | None, strict: bool, **options: Any) -> None:
        refuse_existing(overwrite, json_path, out_path)
        params = {p.name: options[p.name] for p in spec.params if options.get(p.name) is not None}
        result = run_check(spec.name, load_layerset(layers_dir, crs), params=params)
        finish_check(result, json_path, out_path, overwrite, strict, list(spec.headline))

    fn = handle_errors(run)
    fn = check_options(fn)
    for p in reversed(spec.params):
        unit = f", {p.unit}" if p.unit else ""
        default = (repr(p.default) if p.is_text else f"{p.default:g}") + unit
        fn = click.option(f"--{p.name.replace('_', '-')}", p.name, type=str if p.is_text else float, default=None,
                          help=f"{p.doc or p.name} (default {default}).")(fn)
    return click.command(spec.name, help=f"{spec.title[1]} ({spec.title[0]}).")(fn)


class _SpecChecks(click.Group):
    def list_commands(self, ctx: click.Context) -> list[str]:
        return list(CHECKS)

    def get_command(self, ctx: click.Context, name: str) -> click.Command | None:
        spec = CHECKS.get(name)
        return None if spec is None else spec_command(spec)


@click.group(cls=_SpecChecks)
def check() -> None:
    """Run one check: each command below is one check of the registry (ecogis.checks.CHECKS).

    Each defaults to the sample's layers when a file is not given, prints its headline
    numbers, and with --json / --out writes the findings.
    """
