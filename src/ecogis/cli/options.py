"""Options shared by several commands, and the one place errors become exit codes.

Exit codes (documented in ``ecogis --help`` and the README):

====  ==========================================================
0     success (for checks: ran, whatever it found)
1     a check found violations and ``--strict`` was given, or an internal error
2     bad input: a file, argument or CRS (the message names it)
3     validation found errors
4     not measurable: a layer or field the command needs is missing
====  ==========================================================
"""

from __future__ import annotations

import functools
import logging
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import click

from ecogis.errors import EcogisError

__all__ = [
    "EXIT_CODES",
    "handle_errors",
    "layers_option",
    "json_option",
    "out_option",
    "overwrite_option",
    "crs_option",
    "configure_logging",
    "load_layerset",
    "echo_json_summary",
]

EXIT_CODES = {0: "success", 1: "violations with --strict, or internal error", 2: "bad input (file, argument, CRS)",
              3: "validation errors", 4: "not measurable (a required layer or field is missing)"}


def configure_logging(quiet: bool, verbose: int) -> None:
    level = logging.WARNING if quiet else (logging.DEBUG if verbose > 1 else logging.INFO)
    from ecogis import progress

    progress.set_default(not quiet)
    logging.basicConfig(level=level, format="%(levelname)s %(name)s: %(message)s", stream=sys.stderr, force=True)
    for noisy in ("pyogrio", "fiona", "rasterio", "urllib3", "PIL", "numexpr", "distributed", "asyncio"):
        logging.getLogger(noisy).setLevel(logging.WARNING)


def handle_errors(fn: Callable[..., Any]) -> Callable[..., Any]:
    """Turn EcogisError into a one-line message and its exit code."""

    @functools.wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return fn(*args, **kwargs)
        except EcogisError as exc:
            click.secho(f"error: {exc}", fg="red", err=True)
            sys.exit(exc.exit_code)

    return wrapper


def layers_option(fn: Callable[..., Any]) -> Callable[..., Any]:
    return click.option(
        "--layers", "layers_dir", type=click.Path(exists=True, path_type=Path), default=None,
        help="Directory (or GeoPackage) of layers named by kind; default: the embedded Luohe sample in layers/.",
    )(fn)


def json_option(fn: Callable[..., Any]) -> Callable[..., Any]:
    return click.option("--json", "json_path", type=click.Path(dir_okay=False, path_type=Path), default=None,
                        help="Write the result as JSON here.")(fn)


def out_option(fn: Callable[..., Any]) -> Callable[..., Any]:
    return click.option("--out", "out_path", type=click.Path(dir_okay=False, path_type=Path), default=None,
                        help="Write result layers to this GeoPackage.")(fn)


def overwrite_option(fn: Callable[..., Any]) -> Callable[..., Any]:
    return click.option("--overwrite", is_flag=True, help="Replace existing output files.")(fn)


def crs_option(fn: Callable[..., Any]) -> Callable[..., Any]:
    return click.option("--crs", "crs", default=None, metavar="CRS",
                        help="CRS of inputs that state none: EPSG code, WKT, gcj02 or bd09.")(fn)


def load_layerset(layers_dir: Path | None, crs: str | None = None):
    """The layers of ``--layers`` or the sample."""
    from ecogis.layerset import load_layers, load_sample

    return load_sample() if layers_dir is None else load_layers(layers_dir, crs=crs)


def echo_json_summary(data: dict[str, Any], keys: list[str]) -> None:
    """Print ``key: value`` lines for the headline numbers of a result."""
    for k in keys:
        if k in data:
            v = data[k]
            if isinstance(v, float):
                v = f"{v:.4f}" if abs(v) < 10 else f"{v:,.1f}"
            click.echo(f"{k}: {v}")
