"""ecogis.outputs in one process: writability probes, locks, stale temporary files, signals."""

from __future__ import annotations

import os
import signal
import subprocess
import sys

import pytest

from ecogis.errors import OutputError, OutputExistsError
from ecogis.outputs import (
    LOCK_NAME,
    Interrupted,
    OutputClaims,
    check_writable,
    clean_stale,
    interruptible,
    output_files,
    output_lock,
)


def _dead_pid() -> int:
    """The pid of a process that has exited (and been reaped)."""
    p = subprocess.Popen([sys.executable, "-c", "pass"])
    p.wait()
    return p.pid


def test_check_writable_refuses_a_file_in_the_way(tmp_path):
    (tmp_path / "f").write_text("x")
    with pytest.raises(OutputError, match="f is a file, not a directory"):
        check_writable(tmp_path / "f" / "a" / "b.json")
    with pytest.raises(OutputError, match="it is a file, but the output is a directory"):
        check_writable(tmp_path / "f", directory=True)
    with pytest.raises(OutputError, match="it is a directory"):
        check_writable(tmp_path)
    check_writable(tmp_path / "new" / "deeper" / "b.json")  # missing parents are fine
    assert list(tmp_path.iterdir()) == [tmp_path / "f"]  # the probe is gone


def test_stale_temporary_files_of_dead_processes_go_live_ones_stay(tmp_path):
    dead = _dead_pid()
    stale = tmp_path / f".ecogis-tmp-{dead}-abc-report.json"
    stale.write_text("{")
    stale_dir = tmp_path / "maps" / f".ecogis-tmp-{dead}-def-y.shp.d"
    stale_dir.mkdir(parents=True)
    (stale_dir / "y.dbf").write_bytes(b"x")
    live = tmp_path / f".ecogis-tmp-{os.getppid()}-ghi-report.json"  # our parent is alive
    live.write_text("{")
    mine = tmp_path / f".ecogis-tmp-{os.getpid()}-jkl-report.json"
    mine.write_text("{")
    other = tmp_path / ".hidden-by-the-user"
    other.write_text("keep")
    assert clean_stale(tmp_path, name="other.json") == []
    removed = clean_stale(tmp_path, recursive=True)
    assert sorted(removed) == sorted([stale, stale_dir])
    assert live.exists() and mine.exists() and other.exists() and not stale.exists() and not stale_dir.exists()


def test_lock_is_reentrant_in_one_process_and_refused_to_another(tmp_path):
    script = ("import sys; from ecogis.outputs import output_lock\n"
              "with output_lock(sys.argv[1], directory=True): pass\n")
    with output_lock(tmp_path, directory=True) as lock:
        with output_lock(tmp_path, directory=True):
            assert lock.exists()
        assert lock.exists()  # still held by the outer one
        other = subprocess.run([sys.executable, "-c", script, str(tmp_path)], capture_output=True, text=True,
                               check=False)
        assert other.returncode != 0 and "OutputLockedError" in other.stderr
        assert f"pid {os.getpid()}" in other.stderr
    assert not lock.exists()
    assert subprocess.run([sys.executable, "-c", script, str(tmp_path)], check=False).returncode == 0


def test_a_killed_runs_lock_file_does_not_block(tmp_path, caplog):
    (tmp_path / LOCK_NAME).write_text(f"pid {_dead_pid()}, since yesterday: ecogis audit\n")
    with output_lock(tmp_path, directory=True):
        pass
    assert "stopped before finishing" in caplog.text
    assert not (tmp_path / LOCK_NAME).exists()


def test_claims_refuse_existing_sidecars_and_remove_the_dirs_they_made(tmp_path):
    (tmp_path / "y.prj").write_text("GEOGCS")
    with OutputClaims() as claims:
        with pytest.raises(OutputExistsError, match="y.prj exists"):
            claims.file(tmp_path / "y.shp", overwrite=False)
        claims.file(tmp_path / "y.shp", overwrite=True)
        claims.directory(tmp_path / "a" / "b")
        assert (tmp_path / "a" / "b" / LOCK_NAME).exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["y.prj"]
    assert [p.name for p in output_files("x.SHP")][:3] == ["x.SHP", "x.shx", "x.dbf"]


def test_sigterm_becomes_interrupted_and_handlers_come_back():
    before = signal.getsignal(signal.SIGTERM)
    with pytest.raises(Interrupted) as info, interruptible():
        os.kill(os.getpid(), signal.SIGTERM)
    assert info.value.signum == signal.SIGTERM and isinstance(info.value, KeyboardInterrupt)
    assert signal.getsignal(signal.SIGTERM) == before


def test_a_signal_while_the_lock_is_taken_leaves_no_lock_file(tmp_path, monkeypatch):
    """SIGTERM right after the lock file is created (before the lock is held) used to raise inside the
    acquisition, leaving ``.ecogis-lock`` behind; now the signal waits until the lock is held and the
    release removes the file (the flaky test_sigterm_from_outside_stops_a_run_cleanly hit this window)."""
    import ecogis.outputs as outputs
    from ecogis.outputs import Interrupted, interruptible, output_lock

    real = outputs._lock_fd

    def lock_then_signal(fd):
        os.kill(os.getpid(), signal.SIGTERM)  # the lock file exists now, the lock is not yet held
        real(fd)

    monkeypatch.setattr(outputs, "_lock_fd", lock_then_signal)
    reached = []
    with pytest.raises(Interrupted):
        with interruptible():
            with output_lock(tmp_path, directory=True):
                reached.append(True)
    assert sorted(p.name for p in tmp_path.iterdir()) == []
    assert outputs._HELD == {}
    assert reached in ([], [True])
