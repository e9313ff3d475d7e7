"""The shared CLI pieces in ecogis.cli.options."""
from __future__ import annotations

import click
from click.testing import CliRunner

from ecogis.cli.options import finish_check
from ecogis.result import CheckResult


def _run(result: CheckResult):
    @click.command()
    def cmd() -> None:
        finish_check(result, None, None, False, False, [])

    return CliRunner().invoke(cmd)


def test_headline_counts_the_results_warnings_it_prints():
    # before: "violations: 0 (warnings: 0)" was printed above two "warning:" lines (it counted findings only)
    r = _run(CheckResult("x", warnings=["365 feature(s) had x and y swapped", "raster covers 25.0 %"]))
    assert r.exit_code == 0, r.output
    head = [ln for ln in r.stdout.splitlines() if ln.startswith("violations:")]
    assert head == ["violations: 0 (warning-level findings: 0); 2 warning(s) below"]
    assert r.stderr.count("warning: ") == 2


def test_headline_without_warnings_says_none_below():
    r = _run(CheckResult("x"))
    assert r.stdout.splitlines()[-1] == "violations: 0 (warning-level findings: 0)"
    assert "warning" not in r.stderr
