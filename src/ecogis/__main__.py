"""``python -m ecogis``: the same as the ``ecogis`` command."""

from ecogis.cli.main import cli

if __name__ == "__main__":
    cli(prog_name="ecogis")
