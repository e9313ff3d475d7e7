"""The ``ecogis`` command group.

Commands are imported lazily (only the one you run is loaded), so ``ecogis --help``
is quick.  Each lives in its own module of :mod:`ecogis.cli`.
"""

from __future__ import annotations

import importlib

import click

from ecogis import __version__
from ecogis.cli.options import EXIT_CODES, configure_logging

__all__ = ["cli", "COMMANDS"]

#: command name -> "module:attribute"
COMMANDS = {
    "layers": "ecogis.cli.layers:layers",
    "validate": "ecogis.cli.validate:validate",
    "convert": "ecogis.cli.convert:convert",
    "coverage": "ecogis.cli.coverage:coverage",
    "check": "ecogis.cli.check:check",
    "map": "ecogis.cli.map:map_command",
    "export": "ecogis.cli.export:export",
    "audit": "ecogis.cli.audit:audit",
}

_HELP = {
    "layers": "The layer catalogue and what the sample (or --layers) holds.",
    "validate": "Validate layer files; --fix writes a repaired copy.",
    "convert": "Convert a layer between CRSs (gcj02 and bd09 included).",
    "coverage": "Bus-stop coverage (500 m by area and population).",
    "check": "Run one check (coverage, water, ecology, air ...; `ecogis check --help` lists them).",
    "map": "Write self-contained HTML maps.",
    "export": "Export layers for other programs (QGIS).",
    "audit": "Audit a city against its plans: report and maps.",
}


class LazyGroup(click.Group):
    """A group whose subcommands are imported on first use."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return list(COMMANDS)

    def get_command(self, ctx: click.Context, name: str) -> click.Command | None:
        target = COMMANDS.get(name)
        if target is None:
            return None
        module, attr = target.split(":")
        return getattr(importlib.import_module(module), attr)

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        with formatter.section("Commands"):
            formatter.write_dl([(n, _HELP[n]) for n in COMMANDS])


_EPILOG = "Exit codes: " + "; ".join(f"{k} {v}" for k, v in EXIT_CODES.items()) + "."


@click.group(cls=LazyGroup, epilog=_EPILOG, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="ecogis")
@click.option("-q", "--quiet", is_flag=True, help="Only warnings and errors; no progress bars.")
@click.option("-v", "--verbose", count=True, help="More log output (-vv for debug).")
@click.pass_context
def cli(ctx: click.Context, quiet: bool, verbose: int) -> None:
    """ecogis: audit Chinese municipal plans' spatial targets (规划空间目标核查).

    Every command defaults to the embedded central-Luohe (漯河) sample in layers/.
    """
    ctx.ensure_object(dict)
    ctx.obj["quiet"] = quiet
    configure_logging(quiet, verbose)


if __name__ == "__main__":  # python -m ecogis.cli.main
    cli()
