"""Safe outputs for a whole run: checked before the work, one run at a time, nothing left behind.

Each file ecogis writes goes through :func:`ecogis.io.atomic_output`: it is written
under a temporary name beside the target, ``.ecogis-tmp-<pid>-<random>-<name>``
(a directory of that name for a Shapefile and its sidecars), and renamed into
place only when complete.  This module holds what a run needs around that:

* :func:`check_writable` -- can the output be written at all (a file where a
  directory is expected, a read-only disk, no permission)?  Asked by creating and
  removing a probe file, so it answers right for root and on read-only mounts too.
* :func:`output_lock` -- one run at a time per output directory (or output file):
  a second run gets :class:`~ecogis.errors.OutputLockedError` at once.  The lock is
  an OS file lock, so a killed run's lock goes with its process.
* :func:`clean_stale` -- temporary files left by a run that was killed (SIGKILL,
  power cut) are removed by the next run that writes there, with a warning.
* :class:`OutputClaims` -- the three above for every output of one run, released
  (and empty directories it created removed) when the run ends.
* :func:`interruptible` -- SIGTERM and SIGHUP raise :class:`Interrupted` (a
  ``KeyboardInterrupt``, like Ctrl-C), so the same clean-up runs for them.

Examples
--------
>>> import tempfile, pathlib
>>> from ecogis.outputs import OutputClaims
>>> out = pathlib.Path(tempfile.mkdtemp()) / "report"
>>> with OutputClaims() as claims:
...     claims.directory(out)            # checked, created, locked
...     (out / "report.md").write_text("# report", encoding="utf-8") > 0
True
>>> sorted(p.name for p in out.iterdir())   # the lock is gone with the run
['report.md']
"""

from __future__ import annotations

import contextlib
import datetime as _dt
import errno
import glob
import logging
import os
import re
import shutil
import signal
import sys
import tempfile
import threading
from collections.abc import Iterator
from pathlib import Path
from types import FrameType
from typing import Any

from ecogis.errors import OutputError, OutputExistsError, OutputLockedError

__all__ = [
    "TEMP_PREFIX",
    "LOCK_NAME",
    "SHAPEFILE_PARTS",
    "Interrupted",
    "OutputClaims",
    "check_writable",
    "clean_stale",
    "interruptible",
    "is_multi_file",
    "output_files",
    "output_lock",
    "temp_prefix",
]

log = logging.getLogger(__name__)

#: every temporary file or directory ecogis creates starts with this (then ``<pid>-``)
TEMP_PREFIX = ".ecogis-tmp-"
#: lock file of an output directory; an output file's is ``.ecogis-lock-<name>`` beside it
LOCK_NAME = ".ecogis-lock"
#: the files of one Shapefile besides ``.shp`` (written and replaced together)
SHAPEFILE_PARTS = (".shx", ".dbf", ".prj", ".cpg", ".qix", ".sbn", ".sbx", ".qpj")
_TEMP_RE = re.compile(re.escape(TEMP_PREFIX) + r"(\d+)-")


def temp_prefix() -> str:
    """Prefix of this process's temporary names (``.ecogis-tmp-<pid>-``)."""
    return f"{TEMP_PREFIX}{os.getpid()}-"


def is_multi_file(path: str | os.PathLike) -> bool:
    """True for formats stored as several files (a Shapefile and its sidecars)."""
    return Path(path).suffix.lower() == ".shp"


def output_files(path: str | os.PathLike) -> list[Path]:
    """Every file an output occupies: itself, and for a Shapefile its sidecars.

    Examples
    --------
    >>> [p.name for p in output_files("out/stops.shp")][:4]
    ['stops.shp', 'stops.shx', 'stops.dbf', 'stops.prj']
    >>> [p.name for p in output_files("out/stops.gpkg")]
    ['stops.gpkg']
    """
    p = Path(path)
    if not is_multi_file(p):
        return [p]
    return [p, *(p.with_suffix(s) for s in SHAPEFILE_PARTS), p.with_name(p.name + ".xml")]


def _nearest_existing(path: Path) -> Path:
    p = path
    while not p.exists() and not p.is_symlink():
        if p.parent == p:
            break
        p = p.parent
    return p


def _reason(exc: OSError) -> str:
    return exc.strerror or str(exc)


def check_writable(path: str | os.PathLike, *, directory: bool = False) -> None:
    """Refuse an output that cannot be written, before any work is done.

    Parameters
    ----------
    path : path-like
        The output file (or, with ``directory=True``, the output directory); it and
        its parents need not exist yet.
    directory : bool, default False
        The output is a directory.

    Raises
    ------
    OutputError
        A file stands where a directory is needed (or the reverse), or the nearest
        existing directory is not writable (read-only disk, immutable, no permission).

    Examples
    --------
    >>> import tempfile, pathlib
    >>> blocker = pathlib.Path(tempfile.mkdtemp()) / "notes.txt"
    >>> _ = blocker.write_text("x")
    >>> check_writable(blocker / "report.json")
    Traceback (most recent call last):
    ...
    ecogis.errors.OutputError: cannot write .../notes.txt/report.json: .../notes.txt is a file, not a directory; choose another output path
    """
    p = Path(path)
    if directory and p.exists() and not p.is_dir():
        raise OutputError(f"cannot write into {p}: it is a file, but the output is a directory; choose another "
                          f"output directory or move the file away")
    if not directory and p.is_dir():
        raise OutputError(f"cannot write {p}: it is a directory, but the output is a file; give a file name "
                          f"(e.g. {p / ('result' + (p.suffix or '.gpkg'))})")
    base = p if directory else p.parent
    anc = _nearest_existing(base if str(base) else Path("."))
    if not anc.is_dir():
        raise OutputError(f"cannot write {p}: {anc} is a file, not a directory; choose another output path")
    try:
        fd, probe = tempfile.mkstemp(prefix=temp_prefix() + "probe-", dir=anc)
    except OSError as exc:
        raise OutputError(f"cannot write {p}: {anc} is not writable ({_reason(exc)}); choose another output "
                          f"path or make {anc} writable") from None
    os.close(fd)
    with contextlib.suppress(OSError):
        os.unlink(probe)


def _pid_alive(pid: int) -> bool:
    if pid == os.getpid():
        return True
    if sys.platform == "win32":  # no cheap, safe probe: keep (and report) the files
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def clean_stale(root: str | os.PathLike, *, name: str | None = None, recursive: bool = False) -> list[Path]:
    """Remove temporary files that killed ecogis runs left in ``root``.

    A temporary name carries its process id; files of a process that no longer
    exists are removed, files of running processes (another run writing another
    file there, or this one) are kept.

    Parameters
    ----------
    root : path-like
        Directory to look in.
    name : str, optional
        Only the temporary files of this output name (for an output file).
    recursive : bool, default False
        Also look in subdirectories (for an output directory).

    Returns
    -------
    list of Path
        What was removed; logged as a warning when not empty.
    """
    root = Path(root)
    if not root.is_dir():
        return []
    pattern = TEMP_PREFIX + "*" + (f"-{glob.escape(name)}*" if name else "")
    found: list[Path] = []
    if recursive:
        for dirpath, dirnames, filenames in os.walk(root):
            here = Path(dirpath)
            for n in list(dirnames):
                if n.startswith(TEMP_PREFIX):
                    found.append(here / n)
                    dirnames.remove(n)
            found += [here / n for n in filenames if n.startswith(TEMP_PREFIX)]
    else:
        found = list(root.glob(pattern))
    removed: list[Path] = []
    kept: list[Path] = []
    for p in sorted(found):
        m = _TEMP_RE.match(p.name)
        if m is None or _pid_alive(int(m.group(1))):
            if m is not None and int(m.group(1)) != os.getpid():
                kept.append(p)
            continue
        try:
            shutil.rmtree(p) if p.is_dir() and not p.is_symlink() else p.unlink()
        except FileNotFoundError:
            continue
        except OSError as exc:
            log.warning("cannot remove the stale temporary file %s (%s); remove it by hand", p, _reason(exc))
            continue
        removed.append(p)
    if removed:
        pids = sorted({int(_TEMP_RE.match(p.name).group(1)) for p in removed})  # type: ignore[union-attr]
        log.warning("removed %d temporary file(s) left in %s by an ecogis run that was killed (pid %s): %s",
                    len(removed), root, ", ".join(map(str, pids)), ", ".join(p.name for p in removed[:5])
                    + (" ..." if len(removed) > 5 else ""))
    if kept and sys.platform == "win32":
        log.warning("%d temporary file(s) of another ecogis run are in %s (%s); remove them if no run is active",
                    len(kept), root, ", ".join(p.name for p in kept[:5]))
    return removed


# --- locks ---------------------------------------------------------------------------
_HELD: dict[str, list[Any]] = {}  # lock file (absolute) -> [fd, depth]
_HELD_GUARD = threading.Lock()


def _lock_fd(fd: int) -> None:
    if sys.platform == "win32":
        import msvcrt

        msvcrt.locking(fd, msvcrt.LK_NBLCK, 1)
    else:
        import fcntl

        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)


def _lock_path(path: Path, directory: bool) -> Path:
    return path / LOCK_NAME if directory else path.parent / f"{LOCK_NAME}-{path.name}"


def _read_fd(fd: int) -> str:
    with contextlib.suppress(OSError):
        os.lseek(fd, 0, os.SEEK_SET)
        return os.read(fd, 4096).decode("utf-8", "replace").strip()
    return ""


def _acquire(lock: Path, what: Path) -> int:
    for _ in range(20):
        try:
            fd = os.open(lock, os.O_RDWR | os.O_CREAT, 0o644)
        except OSError as exc:
            raise OutputError(f"cannot write {what}: cannot create the lock file {lock} ({_reason(exc)}); "
                              f"choose another output path") from None
        try:
            _lock_fd(fd)
        except OSError as exc:
            if exc.errno not in (errno.EAGAIN, errno.EACCES, errno.EWOULDBLOCK, errno.EDEADLK):
                # a file system without locks (some network shares): write, but say what is not guarded
                log.warning("cannot lock %s (%s); a second ecogis run writing there at the same time would not "
                            "be stopped", what, _reason(exc))
                return fd
            holder = _read_fd(fd) or "another process"
            os.close(fd)
            raise OutputLockedError(
                f"{what} is being written by another ecogis run ({holder}); wait for it to finish, "
                f"or write to another path (if no run is active, remove {lock})"
            ) from None
        try:  # a run releasing its lock unlinks the file: make sure ours is still the one at the path
            same = os.path.samestat(os.fstat(fd), os.stat(lock))
        except FileNotFoundError:
            same = False
        if not same:
            os.close(fd)
            continue
        previous = _read_fd(fd)
        if previous:
            log.warning("an earlier ecogis run (%s) stopped before finishing %s; what it left is cleaned up now",
                        previous, what)
        stamp = _dt.datetime.now().astimezone().isoformat(timespec="seconds")
        command = " ".join([Path(sys.argv[0]).name, *sys.argv[1:]])[:300] if sys.argv else "python"
        note = f"pid {os.getpid()}, since {stamp}: {command}\n".encode()
        os.lseek(fd, 0, os.SEEK_SET)
        os.write(fd, note)
        os.ftruncate(fd, len(note))  # not to 0 first: ext4 would then flush the file to disk on close (ms)
        return fd
    raise OutputLockedError(f"{what}: cannot take the lock {lock}: other runs keep taking it; try again")


@contextlib.contextmanager
def output_lock(path: str | os.PathLike, *, directory: bool = False) -> Iterator[Path]:
    """Hold the lock of an output directory (or file) while a run writes it.

    Re-entrant within one process; another process trying to take it gets
    :class:`~ecogis.errors.OutputLockedError` at once, naming the run that holds it.
    The directory (or the file's parent) must exist.

    Yields
    ------
    Path
        The lock file (``<dir>/.ecogis-lock`` or ``.ecogis-lock-<name>`` beside a file);
        it is removed on release.

    Examples
    --------
    >>> import tempfile
    >>> d = tempfile.mkdtemp()
    >>> with output_lock(d, directory=True) as lock:
    ...     lock.name
    '.ecogis-lock'
    """
    p = Path(path)
    lock = _lock_path(p, directory)
    key = os.path.abspath(lock)
    # a signal between creating the lock file and holding it in _HELD would leave the file behind
    # (the lock file shows up before the lock is held): signals wait until the lock is ours, and
    # are delivered inside the try, whose finally releases it
    held_back = _block_signals()
    try:
        with _HELD_GUARD:
            held = _HELD.get(key)
            if held is not None:
                held[1] += 1
            else:
                _HELD[key] = [_acquire(lock, p), 1]
    except BaseException:
        with contextlib.suppress(Interrupted):  # the error that stopped the acquisition wins
            _restore_signals(held_back)
        raise
    try:
        _restore_signals(held_back)  # inside the try: a signal that came meanwhile now releases the lock
        yield lock
    finally:
        with _signals_deferred(), _HELD_GUARD:
            entry = _HELD[key]
            entry[1] -= 1
            if entry[1] == 0:
                del _HELD[key]
                with contextlib.suppress(OSError):
                    os.unlink(lock)  # before closing: the next run then creates a fresh one
                os.close(entry[0])


#: [depth of deferral, signal that came meanwhile]: the handler of :func:`interruptible` records a signal
#: instead of raising while a lock is taken or released (pthread_sigmask would not do: a process-directed
#: signal goes to any thread that does not block it, e.g. a progress bar's or dask's)
_DEFER: list[Any] = [0, None]


def _block_signals() -> bool:
    """Hold :class:`Interrupted` back (main thread only); True when this call holds it."""
    if threading.current_thread() is not threading.main_thread():
        return False
    _DEFER[0] += 1
    return True


def _restore_signals(held: bool) -> None:
    """End a :func:`_block_signals`; a signal that came meanwhile raises :class:`Interrupted` now."""
    if not held:
        return
    _DEFER[0] -= 1
    if _DEFER[0] == 0 and _DEFER[1] is not None:
        signum, _DEFER[1] = _DEFER[1], None
        raise Interrupted(signum)


@contextlib.contextmanager
def _signals_deferred() -> Iterator[None]:
    """:func:`_block_signals` for a few statements; a signal that came meanwhile arrives on exit."""
    held_back = _block_signals()
    try:
        yield
    finally:
        _restore_signals(held_back)


# --- one run's outputs ---------------------------------------------------------------
class OutputClaims:
    """The outputs of one run: each checked, locked and cleaned before the work starts.

    Use as a context manager around the whole run; on exit the locks are released
    and directories it created that stayed empty (the run failed) are removed.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> d = pathlib.Path(tempfile.mkdtemp())
    >>> with OutputClaims() as claims:
    ...     claims.file(d / "new" / "coverage.json", overwrite=False)
    >>> (d / "new").exists()          # created for the lock, empty, removed again
    False
    """

    def __init__(self) -> None:
        self._stack = contextlib.ExitStack()
        self._created: list[Path] = []
        #: temporary files of killed runs removed by the claims
        self.cleaned: list[Path] = []

    def _mkdirs(self, d: Path, what: Path) -> None:
        missing: list[Path] = []
        p = d
        while not p.exists():
            missing.append(p)
            if p.parent == p:
                break
            p = p.parent
        for m in reversed(missing):
            try:
                m.mkdir()
            except FileExistsError:
                continue
            except OSError as exc:
                raise OutputError(f"cannot write {what}: cannot create the directory {m} ({_reason(exc)}); "
                                  f"choose another output path") from None
            self._created.append(m)

    def file(self, path: str | os.PathLike, *, overwrite: bool) -> None:
        """Claim an output file (a Shapefile with its sidecars).

        Raises
        ------
        OutputError
            Not writable.
        OutputLockedError
            Another run is writing it.
        OutputExistsError
            It (or one of its sidecars) exists and ``overwrite`` is False.
        """
        p = Path(path)
        check_writable(p)
        self._mkdirs(p.parent, p)
        self._stack.enter_context(output_lock(p))
        existing = [q for q in output_files(p) if q.exists()]
        if existing and not overwrite:
            raise OutputExistsError(f"{existing[0]} exists; pass --overwrite to replace it")
        for q in existing:  # an immutable (chattr +i) or append-only file cannot be replaced, even by root
            try:
                os.close(os.open(q, os.O_WRONLY))
            except PermissionError as exc:
                if exc.errno == errno.EPERM:
                    raise OutputError(f"cannot replace {q}: it is marked immutable or append-only "
                                      f"({_reason(exc)}); clear that (chattr -i) or choose another output "
                                      f"path") from None
            except OSError:
                pass
        self.cleaned += clean_stale(p.parent, name=p.name)

    def directory(self, path: str | os.PathLike) -> None:
        """Claim an output directory (created if missing); what may be replaced in it is the writer's call."""
        p = Path(path)
        check_writable(p, directory=True)
        self._mkdirs(p, p)
        self._stack.enter_context(output_lock(p, directory=True))
        self.cleaned += clean_stale(p, recursive=True)

    def close(self) -> None:
        """Release the locks; remove the directories created here if they stayed empty."""
        try:
            self._stack.close()
        finally:
            for d in reversed(self._created):
                with contextlib.suppress(OSError):
                    d.rmdir()
            self._created = []

    def __enter__(self) -> OutputClaims:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


# --- signals -------------------------------------------------------------------------
class Interrupted(KeyboardInterrupt):
    """SIGTERM / SIGHUP (or SIGINT) received; a ``KeyboardInterrupt`` so clean-up code treats it as Ctrl-C.

    Attributes
    ----------
    signum : int
        The signal; the command line exits with ``128 + signum``.
    """

    def __init__(self, signum: int) -> None:
        self.signum = int(signum)
        super().__init__(signal.Signals(signum).name)


@contextlib.contextmanager
def interruptible() -> Iterator[None]:
    """Turn SIGINT, SIGTERM and SIGHUP into :class:`Interrupted` for the duration.

    Temporary files are removed by the ``finally`` blocks of the writers as the
    exception unwinds; a repeated signal during that clean-up is ignored.  Outside
    the main thread (where Python cannot install handlers) it does nothing.

    Examples
    --------
    >>> import os, signal
    >>> try:
    ...     with interruptible():
    ...         os.kill(os.getpid(), signal.SIGTERM)
    ... except Interrupted as exc:
    ...     print(exc.signum == signal.SIGTERM)
    True
    """
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    wanted = [signal.SIGINT, signal.SIGTERM] + ([signal.SIGHUP] if hasattr(signal, "SIGHUP") else [])
    previous: dict[int, Any] = {}

    def handler(signum: int, frame: FrameType | None) -> None:
        for s in wanted:  # one interruption is enough: let the clean-up finish
            with contextlib.suppress(ValueError, OSError):
                signal.signal(s, signal.SIG_IGN)
        if _DEFER[0]:  # taking or releasing an output lock: raised when that is done
            _DEFER[1] = signum
            return
        raise Interrupted(signum)

    for s in wanted:
        try:
            previous[s] = signal.signal(s, handler)
        except (ValueError, OSError):
            continue
    try:
        yield
    finally:
        for s, h in previous.items():
            with contextlib.suppress(ValueError, OSError, TypeError):
                signal.signal(s, h if h is not None else signal.SIG_DFL)
