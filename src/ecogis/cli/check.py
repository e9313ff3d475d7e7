"""``ecogis check NAME``: the water, ecology and air checks, one module per family.

Subcommands are imported lazily from :data:`CHECKS`.
"""

from __future__ import annotations

import importlib

import click

__all__ = ["check", "CHECKS"]

#: check name -> "module:attribute"
CHECKS = {
    "water-sources": "ecogis.cli.check_water:water_sources",
    "sections": "ecogis.cli.check_water:sections",
    "redlines": "ecogis.cli.check_ecology:redlines",
    "redline-change": "ecogis.cli.check_ecology:redline_change",
    "river-buffers": "ecogis.cli.check_ecology:river_buffers",
    "control-zones": "ecogis.cli.check_ecology:control_zones",
    "air": "ecogis.cli.check_air:air",
    "boilers": "ecogis.cli.check_ecology:boilers",
    "bus-indicators": "ecogis.cli.coverage:bus_indicators_command",
}


class _LazyChecks(click.Group):
    def list_commands(self, ctx: click.Context) -> list[str]:
        return list(CHECKS)

    def get_command(self, ctx: click.Context, name: str) -> click.Command | None:
        target = CHECKS.get(name)
        if target is None:
            return None
        module, attr = target.split(":")
        return getattr(importlib.import_module(module), attr)


@click.group(cls=_LazyChecks)
def check() -> None:
    """Run one check (water sources, sections, red lines, river buffers, control zones, air, boilers, bus).

    Each defaults to the sample's layers when a file is not given, prints its headline
    numbers, and with --json / --out writes the findings.
    """
