"""`ecogis layers` and the top-level help."""

from __future__ import annotations

import pytest
from click.testing import CliRunner

from ecogis.cli.main import COMMANDS, cli


def test_help_lists_every_command_and_exit_codes():
    out = CliRunner().invoke(cli, ["--help"]).output
    for name in COMMANDS:
        assert name in out
    assert "Exit codes" in out


def test_every_registered_command_imports():
    for name in COMMANDS:
        assert cli.get_command(None, name) is not None, name


def test_kind_fields():
    r = CliRunner().invoke(cli, ["layers", "--kind", "sections"])
    assert r.exit_code == 0 and "target_class" in r.output and "劣V" in r.output and "水质目标" in r.output


@pytest.mark.sample
def test_sample_listing():
    r = CliRunner().invoke(cli, ["layers"])
    assert r.exit_code == 0, r.output
    assert "bus_stops" in r.output and "population.tif" in r.output
