"""Options shared by several commands, and the one place errors become exit codes.

Exit codes (documented in ``ecogis --help`` and the README):

====  ==========================================================
0     success (for checks: ran, whatever it found)
1     a check found violations and ``--strict`` was given, or an internal error
2     bad input: a file, argument or CRS (the message names it)
3     validation found errors
4     not measurable: a layer or field the command needs is missing
130   interrupted by Ctrl-C (SIGINT); 143 by SIGTERM, 129 by SIGHUP
====  ==========================================================

Every command that writes declares its outputs first with :func:`claim_outputs`
(or :func:`refuse_existing`), inside the run that :func:`handle_errors` opens: each
output is checked for writability, refused if it exists without ``--overwrite``,
locked against a second run and cleaned of a killed run's temporary files, all
before any work; the lock is released when the command ends, however it ends.
docs/errors.md explains each code and error.
"""

from __future__ import annotations

import contextvars
import functools
import logging
import os
import signal
import sys
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

import click

from ecogis.errors import EcogisError, InputError

__all__ = [
    "EXIT_CODES",
    "INPUT_FILE",
    "LayerSource",
    "check_options",
    "claim_outputs",
    "refuse_existing",
    "finish_check",
    "handle_errors",
    "layers_option",
    "json_option",
    "out_option",
    "overwrite_option",
    "crs_option",
    "configure_logging",
    "load_layerset",
    "echo_json_summary",
    "echo_written",
]

EXIT_CODES = {0: "success", 1: "violations with --strict, or internal error",
              2: "bad input or unwritable output (file, argument, CRS, output path)",
              3: "validation errors", 4: "not measurable (a required layer or field is missing)",
              130: "interrupted (143 SIGTERM); no temporary files are left"}

#: the output claims of the command running now (set by :func:`handle_errors`)
_CLAIMS: contextvars.ContextVar[Any] = contextvars.ContextVar("ecogis_output_claims", default=None)


def configure_logging(quiet: bool, verbose: int) -> None:
    level = logging.WARNING if quiet else (logging.DEBUG if verbose > 1 else logging.INFO)
    from ecogis import progress

    progress.set_default(not quiet)
    logging.basicConfig(level=level, format="%(levelname)s %(name)s: %(message)s", stream=sys.stderr, force=True)
    for noisy in ("pyogrio", "fiona", "rasterio", "urllib3", "PIL", "numexpr", "distributed", "asyncio"):
        logging.getLogger(noisy).setLevel(logging.WARNING)


def handle_errors(fn: Callable[..., Any]) -> Callable[..., Any]:
    """Run a command: EcogisError becomes a one-line message and its exit code; SIGINT, SIGTERM and
    SIGHUP stop it with temporary files removed (exit 128 + signal); outputs claimed during the run
    (:func:`claim_outputs`) are released at its end."""

    @functools.wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        from ecogis.outputs import OutputClaims, interruptible

        try:
            with interruptible(), OutputClaims() as claims:
                token = _CLAIMS.set(claims)
                try:
                    return fn(*args, **kwargs)
                finally:
                    _CLAIMS.reset(token)
        except EcogisError as exc:
            click.secho(f"error: {exc}", fg="red", err=True)
            sys.exit(exc.exit_code)
        except KeyboardInterrupt as exc:
            signum = int(getattr(exc, "signum", signal.SIGINT))
            click.secho(f"interrupted by {signal.Signals(signum).name}: files not finished were not written and "
                        f"their temporary files were removed; run the command again", fg="red", err=True)
            sys.exit(128 + signum)

    return wrapper


def claim_outputs(overwrite: bool, *files: Path | None, dirs: Iterable[Path | None] = ()) -> None:
    """Claim a command's outputs before it does any work (see :class:`ecogis.outputs.OutputClaims`).

    ``files`` (None skipped) are refused if they exist and ``overwrite`` is False (a
    Shapefile's sidecars too); ``dirs`` are output directories, whose files the
    writer itself refuses or replaces.  Every one is checked for writability,
    locked until the command ends and cleaned of a killed run's temporary files.

    Raises
    ------
    OutputError, OutputExistsError, OutputLockedError
        Exit code 2, one line, before any work.
    """
    from ecogis.outputs import OutputClaims

    claims = _CLAIMS.get()
    if claims is None:  # not inside handle_errors (a script calling a command function): check only
        with OutputClaims() as once:
            _claim(once, overwrite, files, dirs)
        return
    _claim(claims, overwrite, files, dirs)


def _claim(claims: Any, overwrite: bool, files: Iterable[Path | None], dirs: Iterable[Path | None]) -> None:
    for d in dirs:
        if d is not None:
            claims.directory(d)
    for f in files:
        if f is not None:
            claims.file(f, overwrite=overwrite)


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


def _crs_for(ctx: click.Context, param: click.Parameter, values: tuple[str, ...]) -> None:
    """``--crs-for FILE=CRS``: read FILE as CRS whatever it states (ecogis.io.force_crs) while the command runs."""
    if not values:
        return
    mapping: dict[str, str] = {}
    for v in values:
        name, sep, value = v.partition("=")
        if not sep or not name.strip() or not value.strip():
            raise click.BadParameter(f"{v!r}: expected FILE=CRS, e.g. 411100.geojson=gcj02", ctx, param)
        mapping[name.strip()] = value.strip()
    from ecogis.io import force_crs

    try:
        used = ctx.with_resource(force_crs(mapping))
    except EcogisError as exc:
        raise click.BadParameter(str(exc), ctx, param) from None

    def unused() -> None:
        for name in mapping:
            if name not in used:
                click.secho(f"warning: --crs-for {name}={mapping[name]}: no input file of that name was read",
                            fg="yellow", err=True)

    ctx.call_on_close(unused)


def crs_option(fn: Callable[..., Any]) -> Callable[..., Any]:
    fn = click.option("--crs-for", "crs_for", multiple=True, metavar="FILE=CRS", expose_value=False,
                      callback=_crs_for,
                      help="Read FILE as CRS whatever it states (repeatable; FILE is a path or a bare file name): "
                           "for a file whose stated CRS is wrong, such as a GeoJSON of GCJ-02 coordinates "
                           "(GeoJSON always states WGS84), e.g. --crs-for 411100.geojson=gcj02.")(fn)
    return click.option("--crs", "crs", default=None, metavar="CRS",
                        help="CRS of input files that state none: EPSG code, WKT, gcj02 or bd09.  Files "
                             "that state one keep it, with a warning naming them; force a file with "
                             "--crs-for FILE=CRS.")(fn)


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


#: click type of an input layer file
INPUT_FILE = click.Path(exists=True, dir_okay=False, path_type=Path)


class LayerSource:
    """Layers for a command: from a file option when given, else from ``--layers``
    (default: the embedded sample), which is loaded once, on demand.

    ``files`` are the command's file options.  When some are given and ``--layers`` is not, the
    embedded sample is not used to fill in the others: a user's files measured against the sample's
    zones, red lines or study area would give a confident wrong figure.  A layer the command then
    needs from the layer set is an :class:`~ecogis.errors.InputError` naming the fix.
    """

    def __init__(self, layers_dir: Path | None, crs: str | None, files: tuple[Path | None, ...] = ()) -> None:
        self.layers_dir, self.crs, self._ls = layers_dir, crs, None
        self._files_only = layers_dir is None and any(f is not None for f in files)

    @property
    def files_only(self) -> bool:
        """True when some layers came from files and ``--layers`` was not given: no sample then."""
        return self._files_only

    @property
    def layerset(self):
        """The layer set (loaded once); refused when :attr:`files_only`."""
        return self.set_for(None)

    def set_for(self, kind: str | None, option: str | None = None):
        """The layer set, to take ``kind`` from; refused (naming ``kind`` and its ``option``) when the
        other layers came from files and ``--layers`` was not given."""
        if self._files_only:
            what = f"layer {kind!r} was" if kind else "a layer the command needs was"
            how = f"give {option} FILE" if option else "give it as a file"
            raise InputError(f"{what} not given while other layers were given as files: ecogis does not "
                             f"fill it in from the embedded sample; {how}, or --layers DIR")
        if self._ls is None:
            self._ls = load_layerset(self.layers_dir, self.crs)
        return self._ls

    def get(self, path: Path | None, kind: str, layer: str | None = None):
        """The layer of ``kind`` from ``path``, or from the layer set."""
        from ecogis.io import read_layer

        if path is not None:
            return read_layer(path, kind, layer=layer, assume_crs=self.crs)
        return self.set_for(kind).get(kind)


def refuse_existing(overwrite: bool, *paths: Path | None) -> None:
    """Refuse, before any work, to replace outputs that exist unless --overwrite; claim them
    (writable, locked, cleaned: :func:`claim_outputs`)."""
    claim_outputs(overwrite, *paths)


def check_options(fn: Callable[..., Any]) -> Callable[..., Any]:
    """The options every ``ecogis check`` command shares: --layers, --json, --out, --overwrite, --crs, --strict."""
    fn = click.option("--strict", is_flag=True, help="Exit 1 when the check finds violations.")(fn)
    for deco in (crs_option, overwrite_option, out_option, json_option, layers_option):
        fn = deco(fn)
    return fn


def finish_check(result: Any, json_path: Path | None, out_path: Path | None, overwrite: bool, strict: bool,
                 keys: list[str]) -> None:
    """Write --json / --out, print the headline, exit 1 under --strict when there are violations."""
    if json_path is not None:
        result.write_json(json_path, overwrite=overwrite)
    if out_path is not None:
        result.write_gpkg(out_path, overwrite=overwrite)
    data = result.to_dict()
    echo_json_summary(data, keys)
    # warnings_count counts warning-level findings; the result's own warnings (repairs, partial cover ...)
    # are counted apart, so "warnings: 0" is never printed above warning lines
    notes = f"; {len(result.warnings)} warning(s) below" if result.warnings else ""
    click.echo(f"violations: {data['violations']} (warning-level findings: {data['warnings_count']}){notes}")
    for w in result.warnings:
        click.secho(f"warning: {w}", fg="yellow", err=True)
    for k, why in result.not_measurable.items():
        click.secho(f"not measurable: {k}: {why}", fg="yellow", err=True)
    if json_path is not None:
        click.echo(f"wrote {json_path}")
    if out_path is not None:
        click.echo(f"wrote {out_path}")
    if strict and data["violations"]:
        sys.exit(1)


def echo_written(path: str | os.PathLike) -> None:
    """Print a file the command wrote with its size (``maps/overview.html  1.3 MB``)."""
    n = os.path.getsize(path)
    click.echo(f"{path}  {n / 1e6:.1f} MB" if n >= 1e6 else f"{path}  {n / 1e3:.0f} kB")

