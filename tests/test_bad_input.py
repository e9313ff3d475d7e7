"""Bad places to write and hostile runs (issue 11, items 4-5): real ``ecogis`` processes, real signals.

Every case here failed on main before the output claims (``ecogis.outputs``):
an unwritable output gave a traceback after all the work, ``convert x y.shp`` left
the sidecars as hidden temporary files, two runs on one ``--out`` interleaved,
SIGTERM / SIGKILL left temporary files, ``report.md`` carried raw HTML.

We run as root (here and in CI), so ``chmod`` does not stop a write: the
unwritable places are a path under a regular file (NotADirectory, works for
anyone) and an immutable directory (``chattr +i``, skipped where unsupported).
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import textwrap
import time
from html.parser import HTMLParser
from pathlib import Path

import geopandas as gpd
import pyogrio
import pytest
import shapely

from tests.conftest import REPO, file_digest

SAMPLE = REPO / "layers" / "luohe.gpkg"
TEMP = ".ecogis-tmp-"
pytestmark = pytest.mark.sample


def ecogis(*args: str | os.PathLike, cwd: Path, timeout: float = 300, **kw) -> subprocess.CompletedProcess:
    """One real run of the command line."""
    return subprocess.run([sys.executable, "-m", "ecogis", *map(str, args)], cwd=cwd, capture_output=True,
                          text=True, timeout=timeout, check=False, **kw)


#: run the CLI in a process that sends itself ``SIG`` when it is about to rename its first finished
#: temporary file into place: the signal arrives mid-write, deterministically (the rename never happens)
_SIGNAL_AT_RENAME = textwrap.dedent("""
    import os, signal, sys
    sig = getattr(signal, sys.argv.pop(1))
    real = os.replace
    def replace(src, dst, *a, **k):
        os.kill(os.getpid(), sig)
        return real(src, dst, *a, **k)
    os.replace = replace
    from ecogis.cli.main import cli
    cli(prog_name="ecogis")
""")


def ecogis_signalled_at_rename(sig: str, *args: str | os.PathLike, cwd: Path) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-c", _SIGNAL_AT_RENAME, sig, *map(str, args)], cwd=cwd,
                          capture_output=True, text=True, timeout=300, check=False)


def hidden(root: Path) -> list[str]:
    """Hidden files or directories anywhere under root (temporary files, lock files)."""
    return sorted(str(p.relative_to(root)) for p in root.rglob(".*"))


def one_line_error(proc: subprocess.CompletedProcess) -> str:
    assert "Traceback" not in proc.stderr, proc.stderr
    lines = [l for l in proc.stderr.splitlines() if l.startswith("error:")]
    assert len(lines) == 1, proc.stderr
    return lines[0]


@pytest.fixture(scope="module")
def previous_report(tmp_path_factory) -> Path:
    """A finished ``ecogis audit --no-maps`` report (the output a later run must not damage)."""
    root = tmp_path_factory.mktemp("previous")
    proc = ecogis("-q", "audit", "--no-maps", "--out", "rep", cwd=root)
    assert proc.returncode == 0, proc.stderr
    return root / "rep"


@pytest.fixture
def report_copy(previous_report, tmp_path) -> Path:
    out = tmp_path / "rep"
    shutil.copytree(previous_report, out)
    return out


# --- 4a: unwritable outputs are refused first, in one line, exit 2 -------------------------------
@pytest.fixture
def bad_inputs(tmp_path) -> dict[str, Path]:
    """Inputs every command would choke on: if the output error comes first, no work was done."""
    garbage = tmp_path / "garbage.gpkg"
    garbage.write_bytes(b"this is not a GeoPackage\n" * 10)
    layers = tmp_path / "layers"
    layers.mkdir()
    shutil.copy(garbage, layers / "bus_stops.gpkg")
    csv = tmp_path / "stops.csv"
    csv.write_text("名称,备注\n站,无坐标\n", encoding="utf-8")
    return {"gpkg": garbage, "layers": layers, "csv": csv}


COMMANDS = {
    "coverage --json": lambda b, out: ["coverage", "--stops", b["csv"], "--json", out / "c.json"],
    "check air --out": lambda b, out: ["check", "air", "--layers", b["layers"], "--out", out / "a.gpkg"],
    "convert": lambda b, out: ["convert", b["gpkg"], out / "y.gpkg", "--to", "EPSG:4490"],
    "convert .shp": lambda b, out: ["convert", b["gpkg"], out / "y.shp", "--to", "EPSG:4490"],
    "validate --fix": lambda b, out: ["validate", b["gpkg"], "--fix", out / "fixed.gpkg"],
    "audit --out": lambda b, out: ["audit", "--layers", b["layers"], "--out", out / "rep"],
    "map --out-dir": lambda b, out: ["map", "--layers", b["layers"], "--out-dir", out / "maps"],
    "export qgis": lambda b, out: ["export", "qgis", out / "q.gpkg", "--layers", b["layers"]],
}


@pytest.mark.parametrize("command", list(COMMANDS))
def test_output_under_a_file_is_refused_before_any_work(command, bad_inputs, tmp_path):
    blocker = tmp_path / "notes.txt"  # a file where the output's directory should be
    blocker.write_text("keep me\n")
    proc = ecogis(*COMMANDS[command](bad_inputs, blocker / "out"), cwd=tmp_path)
    line = one_line_error(proc)
    assert proc.returncode == 2, proc.stderr
    assert "cannot write" in line and "notes.txt is a file, not a directory" in line, line
    # the inputs were never read: their errors would name them
    assert "garbage" not in proc.stderr and "stops.csv" not in proc.stderr and "bus_stops" not in proc.stderr
    assert blocker.read_text() == "keep me\n"
    assert hidden(tmp_path) == []


def _immutable(path: Path) -> bool:
    if shutil.which("chattr") is None:
        return False
    return subprocess.run(["chattr", "+i", str(path)], capture_output=True, check=False).returncode == 0


def test_immutable_output_directory_is_refused_before_any_work(bad_inputs, tmp_path):
    ro = tmp_path / "ro"
    ro.mkdir()
    if not _immutable(ro):
        pytest.skip("chattr +i not supported here")
    try:
        for args in (["coverage", "--stops", bad_inputs["csv"], "--json", ro / "c.json"],
                     ["audit", "--layers", bad_inputs["layers"], "--out", ro / "sub" / "rep"]):
            proc = ecogis(*args, cwd=tmp_path)
            line = one_line_error(proc)
            assert proc.returncode == 2 and "is not writable" in line and "stops.csv" not in line, proc.stderr
        assert list(ro.iterdir()) == []
    finally:
        subprocess.run(["chattr", "-i", str(ro)], check=False)


def test_immutable_existing_output_is_refused_before_any_work(bad_inputs, tmp_path):
    old = tmp_path / "c.json"
    old.write_text("{}")
    if not _immutable(old):
        pytest.skip("chattr +i not supported here")
    try:
        proc = ecogis("coverage", "--stops", bad_inputs["csv"], "--json", old, "--overwrite", cwd=tmp_path)
        line = one_line_error(proc)
        assert proc.returncode == 2 and "immutable" in line and "stops.csv" not in line, proc.stderr
        assert old.read_text() == "{}"
    finally:
        subprocess.run(["chattr", "-i", str(old)], check=False)


def test_existing_directory_given_as_an_output_file_is_refused(tmp_path):
    (tmp_path / "out.gpkg").mkdir()
    for args in (["coverage", "--json", "out.gpkg"], ["convert", SAMPLE, "out.gpkg", "--to", "EPSG:4490"]):
        proc = ecogis(*args, cwd=tmp_path)
        assert proc.returncode == 2 and "Traceback" not in proc.stderr and "is a directory" in proc.stderr


# --- 4b: Shapefiles are written whole, or refused with "use .gpkg" --------------------------------
@pytest.fixture
def small_gpkg(tmp_path) -> Path:
    gdf = gpd.GeoDataFrame(
        {"id": ["a1", "a2", "a3"], "name": ["漯河大陈", "沙澧河交汇处", "O'Brien"], "n": [1, 22, 333],
         "share": [0.25, 0.5, 1.0]},
        geometry=[shapely.Point(114.0 + i / 100, 33.58 + i / 200) for i in range(3)], crs="EPSG:4490")
    path = tmp_path / "stops.gpkg"
    gdf.to_file(path, layer="stops", driver="GPKG")
    return path


def test_convert_to_shapefile_writes_every_part_and_opens(small_gpkg, tmp_path):
    out = tmp_path / "out"
    out.mkdir()
    proc = ecogis("convert", small_gpkg, out / "y.shp", "--to", "EPSG:4547", cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert sorted(p.name for p in out.iterdir()) == ["y.cpg", "y.dbf", "y.prj", "y.shp", "y.shx"]
    # pyogrio reads it back, values and CRS as converted (truth: geopandas' own to_crs)
    back = pyogrio.read_dataframe(out / "y.shp")
    src = gpd.read_file(small_gpkg).to_crs("EPSG:4547")
    assert back.crs.to_epsg() == 4547
    assert back["name"].tolist() == src["name"].tolist() and back["n"].tolist() == [1, 22, 333]
    assert shapely.equals_exact(back.geometry.values, src.geometry.values, tolerance=1e-3).all()
    # and GDAL's own ogrinfo opens it (a second reader, outside Python)
    if shutil.which("ogrinfo"):
        info = subprocess.run(["ogrinfo", "-ro", "-al", "-so", str(out / "y.shp")], capture_output=True, text=True,
                              check=False)
        assert info.returncode == 0 and "Feature Count: 3" in info.stdout, info.stdout + info.stderr


def test_convert_to_shapefile_replaces_all_parts_on_overwrite(small_gpkg, tmp_path):
    assert ecogis("convert", small_gpkg, "y.shp", "--to", "EPSG:4490", cwd=tmp_path).returncode == 0
    stale_index = tmp_path / "y.qix"
    stale_index.write_bytes(b"old spatial index of another y.shp")
    again = ecogis("convert", small_gpkg, "y.shp", "--to", "EPSG:4490", cwd=tmp_path)
    assert again.returncode == 2 and "y.shp exists" in one_line_error(again)
    proc = ecogis("convert", small_gpkg, "y.shp", "--to", "EPSG:4547", "--overwrite", cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert not stale_index.exists()  # it described the old file
    assert pyogrio.read_info(tmp_path / "y.shp")["crs"] == "EPSG:4547"
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith("y.")] and hidden(tmp_path) == []


def test_a_lone_sidecar_blocks_a_shapefile_without_overwrite(small_gpkg, tmp_path):
    (tmp_path / "y.dbf").write_bytes(b"someone else's table")
    proc = ecogis("convert", small_gpkg, "y.shp", "--to", "EPSG:4490", cwd=tmp_path)
    assert proc.returncode == 2 and "y.dbf exists" in one_line_error(proc)
    assert (tmp_path / "y.dbf").read_bytes() == b"someone else's table"


@pytest.mark.parametrize("column, value, why", [
    ("population_share", 0.5, "field names of at most 10 bytes"),  # GDAL would cut it to 'population'
    ("断面名称", "漯河", "field names of at most 10 bytes"),  # 12 bytes of UTF-8
    ("note", "长" * 100, "at most 254 bytes of text"),  # 300 bytes of UTF-8
])
def test_shapefile_that_would_lose_data_is_refused_use_gpkg(column, value, why, tmp_path):
    gdf = gpd.GeoDataFrame({column: [value]},
                           geometry=[shapely.Point(114, 33.6)], crs="EPSG:4490")
    src = tmp_path / "src.gpkg"
    gdf.to_file(src, driver="GPKG")
    proc = ecogis("convert", src, "y.shp", "--to", "EPSG:4490", cwd=tmp_path)
    line = one_line_error(proc)
    assert proc.returncode == 2 and why in line and "use .gpkg" in line, line
    assert sorted(p.name for p in tmp_path.iterdir()) == ["src.gpkg"]  # nothing written, nothing hidden


# --- 4c: one run at a time per output directory -------------------------------------------------
def _wait_for(path: Path, proc: subprocess.Popen, timeout: float = 120) -> bool:
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if path.exists():
            return True
        if proc.poll() is not None:
            return path.exists()
        time.sleep(0.02)
    return False


def _second_run_while_the_first_holds_the_lock(cwd: Path):
    """Start an audit, freeze it (SIGSTOP) once it holds its output directory's lock, run a second one on the
    same ``--out``; (first, its stderr, second), or None when the freeze did not land while the lock was held.

    The lock is held for the writing only (a fraction of a second with ``--no-maps``), and SIGSTOP cannot be
    blocked: the first run may be frozen after releasing the lock, or between creating the lock file and
    locking it (then the second run takes it over, rightly).  Its holder's note in the file, read while the
    run is frozen, says it holds the lock (it is written after the lock is taken, removed before release)."""
    first = subprocess.Popen([sys.executable, "-m", "ecogis", "-q", "audit", "--no-maps", "--overwrite",
                              "--out", "same"], cwd=cwd, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                             text=True)
    lock = cwd / "same" / ".ecogis-lock"
    second = None
    try:
        assert _wait_for(lock, first), "the first run never locked its output directory"
        first.send_signal(signal.SIGSTOP)  # freeze it while it holds the directory
        try:
            holds = f"pid {first.pid}," in lock.read_text(encoding="utf-8")
        except FileNotFoundError:
            holds = False
        if holds:
            second = ecogis("-q", "audit", "--no-maps", "--overwrite", "--out", "same", cwd=cwd)
    finally:
        first.send_signal(signal.SIGCONT)
        _, err = first.communicate(timeout=300)
    return None if second is None else (first, err, second)


@pytest.mark.slow
def test_second_audit_on_the_same_out_gets_a_clear_error(tmp_path):
    for attempt in range(8):  # (the freeze can miss the moment the lock is held: see the helper)
        tmp = tmp_path / f"attempt{attempt}"
        tmp.mkdir()
        ran = _second_run_while_the_first_holds_the_lock(tmp)
        if ran is not None:
            break
    assert ran is not None, "the first run was never frozen while it held its lock (8 attempts)"
    first, err, second = ran
    line = one_line_error(second)
    assert second.returncode == 2 and "being written by another ecogis run" in line
    assert f"pid {first.pid}" in line, line
    assert first.returncode == 0, err
    same = tmp / "same"
    assert sorted(p.name for p in same.iterdir()) == ["report.html", "report.json", "report.md"]
    # one run's report: the Markdown and HTML carry the JSON's time stamp
    stamp = json.loads((same / "report.json").read_text(encoding="utf-8"))["generated_at"]
    assert stamp in (same / "report.md").read_text(encoding="utf-8")
    assert stamp in (same / "report.html").read_text(encoding="utf-8")


# --- 4d: interrupted runs leave nothing behind ---------------------------------------------------
@pytest.mark.slow
@pytest.mark.parametrize("sig, code", [("SIGTERM", 143), ("SIGINT", 130)])
def test_signal_during_a_write_removes_temporary_files_and_keeps_the_previous_output(sig, code, report_copy):
    before = file_digest(report_copy)
    proc = ecogis_signalled_at_rename(sig, "audit", "--no-maps", "--overwrite", "--out", report_copy,
                                      cwd=report_copy.parent)
    assert proc.returncode == code, proc.stderr
    assert "Traceback" not in proc.stderr
    assert f"interrupted by {sig}" in proc.stderr
    assert hidden(report_copy.parent) == []  # no temporary file, no lock
    assert file_digest(report_copy) == before


@pytest.mark.slow
def test_sigterm_from_outside_stops_a_run_cleanly(report_copy):
    run = subprocess.Popen([sys.executable, "-m", "ecogis", "audit", "--overwrite", "--out", str(report_copy)],
                           cwd=report_copy.parent, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    assert _wait_for(report_copy / ".ecogis-lock", run), "the run never locked its output directory"
    run.send_signal(signal.SIGTERM)
    _, err = run.communicate(timeout=300)
    if run.returncode == 0:
        pytest.skip("the run finished before the signal arrived")
    assert run.returncode == 143 and "Traceback" not in err and "interrupted by SIGTERM" in err, err
    assert hidden(report_copy.parent) == []
    for name in ("report.json", "report.md", "report.html"):  # each whole: the old one or a complete new one
        assert (report_copy / name).stat().st_size > 1000
    json.loads((report_copy / "report.json").read_text(encoding="utf-8"))


@pytest.mark.slow
def test_killed_audit_leaves_files_the_next_run_removes_and_reports(report_copy):
    before = file_digest(report_copy)
    killed = ecogis_signalled_at_rename("SIGKILL", "audit", "--no-maps", "--overwrite", "--out", report_copy,
                                        cwd=report_copy.parent)
    assert killed.returncode == -signal.SIGKILL
    left = hidden(report_copy)
    assert left, "a SIGKILLed run cannot clean up: it should have left its temporary file"
    assert file_digest(report_copy) != before or left
    proc = ecogis("audit", "--no-maps", "--overwrite", "--out", report_copy, cwd=report_copy.parent)
    assert proc.returncode == 0, proc.stderr
    assert "temporary file(s) left in" in proc.stderr and "killed" in proc.stderr, proc.stderr
    assert hidden(report_copy.parent) == []


def test_killed_convert_leaves_files_the_next_run_removes(small_gpkg, tmp_path):
    killed = ecogis_signalled_at_rename("SIGKILL", "convert", small_gpkg, "y.gpkg", "--to", "EPSG:4490",
                                        cwd=tmp_path)
    assert killed.returncode == -signal.SIGKILL
    assert not (tmp_path / "y.gpkg").exists() and hidden(tmp_path)
    proc = ecogis("convert", small_gpkg, "y.gpkg", "--to", "EPSG:4490", cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert "killed" in proc.stderr and hidden(tmp_path) == []
    assert len(pyogrio.read_dataframe(tmp_path / "y.gpkg")) == 3


# --- 4e: report.md (and report.html) escape every value ------------------------------------------
HOSTILE = '<img src=x onerror=alert(1)>'


class _Tags(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict]] = []
        self.text: list[str] = []

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))

    def handle_data(self, data):
        self.text.append(data)


def _parse(page: str) -> _Tags:
    p = _Tags()
    p.feed(page)
    return p


def _markdown_to_html(text: str) -> str:
    markdown_it = pytest.importorskip("markdown_it")
    return markdown_it.MarkdownIt("commonmark", {"html": True}).enable("table").render(text)


def _hostile_audit():
    from ecogis.audit import run_audit

    audit = run_audit()
    audit.layerset_name = HOSTILE
    for o in audit.outcomes[:3]:
        o.reason = f"field name {HOSTILE} [x](javascript:alert(2)) | `code` **b**"
    audit.failures["coverage/<marquee>bold</marquee>"] = "reason <script>alert(3)</script>"
    key = next(iter(audit.results))
    audit.results[key].warnings.append(f"feature {HOSTILE}")
    return audit


def _no_injected_markup(page: str) -> _Tags:
    parsed = _parse(page)
    tags = {t for t, _ in parsed.tags}
    assert not tags & {"img", "script", "marquee"}, tags
    links = [a.get("href", "") for t, a in parsed.tags if t == "a"]
    assert not any(h.startswith("javascript") for h in links), links
    assert not any(k.startswith("on") for _, a in parsed.tags for k in a)
    return parsed


def test_report_markdown_escapes_every_value(tmp_path):
    from ecogis.report import render_markdown

    text = render_markdown(_hostile_audit(), lang="en")  # the English report shows the reasons as given
    assert HOSTILE not in text and "<script>" not in text
    parsed = _no_injected_markup(_markdown_to_html(text))  # what a Markdown viewer would show
    shown = "".join(parsed.text)
    assert HOSTILE in shown and "<script>alert(3)</script>" in shown  # shown as text, not dropped
    assert "[x](javascript:alert(2))" in shown
    zh = render_markdown(_hostile_audit(), lang="zh")
    assert HOSTILE not in zh and "<script>" not in zh
    assert HOSTILE in "".join(_no_injected_markup(_markdown_to_html(zh)).text)


def test_report_html_escapes_every_value():
    from ecogis.report import render_html

    for lang in ("zh", "en"):
        parsed = _no_injected_markup(render_html(_hostile_audit(), lang=lang))
        assert HOSTILE in "".join(parsed.text)


@pytest.mark.slow
def test_audit_of_hostile_names_writes_escaped_reports_and_maps(tmp_path):
    layers = tmp_path / f"{HOSTILE}.gpkg"  # the layer set's name comes from the file name
    shutil.copy(SAMPLE, layers)
    stops = pyogrio.read_dataframe(layers, layer="bus_stops")
    breakout = "</script><img src=x onerror=alert(4)>"  # closes a <script> the popups' data sit in, if unescaped
    stops["name"] = [breakout] * len(stops)
    pyogrio.write_dataframe(stops, layers, layer="bus_stops", layer_options={"OVERWRITE": "YES"})
    proc = ecogis("-q", "audit", "--layers", layers.name, "--out", "rep", cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    md = (tmp_path / "rep" / "report.md").read_text(encoding="utf-8")
    # raw only inside the code span of the command that repeats the audit (shown verbatim, never markup)
    assert [l for l in md.splitlines() if "<img" in l and not l.startswith(("Repeat: `", "重复核查：`"))] == []
    assert HOSTILE in "".join(_no_injected_markup(_markdown_to_html(md)).text)
    _no_injected_markup((tmp_path / "rep" / "report.html").read_text(encoding="utf-8"))
    maps = sorted((tmp_path / "rep" / "maps").glob("*.html"))
    assert len(maps) > 3
    assert any("alert(4)" in m.read_text(encoding="utf-8") for m in maps)  # the hostile names reached the maps
    for m in maps:  # ... but no page grew a tag from it (script contents are data to the parser)
        tags = [t for t, _ in _parse(m.read_text(encoding="utf-8")).tags]
        assert "img" not in tags and tags.count("html") == 1, m.name


# --- a read-only disk and a full disk, as root: a private mount namespace (skipped where not allowed) ---
def _in_own_mount(tmp_path: Path, mount_opts: str, *args: str | os.PathLike) -> subprocess.CompletedProcess | None:
    if shutil.which("unshare") is None:
        return None
    mnt = tmp_path / "mnt"
    mnt.mkdir(exist_ok=True)
    cmd = " ".join(["mount -t tmpfs -o", mount_opts, "tmpfs", str(mnt), "&&", sys.executable, "-m", "ecogis",
                    *(f"'{a}'" for a in map(str, args))])
    probe = subprocess.run(["unshare", "-rm", "sh", "-c", f"mount -t tmpfs -o {mount_opts} tmpfs {mnt}"],
                           capture_output=True, check=False)
    if probe.returncode != 0:
        return None
    return subprocess.run(["unshare", "-rm", "sh", "-c", cmd], cwd=tmp_path, capture_output=True, text=True,
                          timeout=300, check=False)


def test_read_only_disk_is_refused_before_any_work(bad_inputs, tmp_path):
    proc = _in_own_mount(tmp_path, "ro", "coverage", "--stops", bad_inputs["csv"], "--json", "mnt/c.json")
    if proc is None:
        pytest.skip("no private mount namespace here (unshare -rm)")
    line = one_line_error(proc)
    assert proc.returncode == 2 and "Read-only file system" in line and "stops.csv" not in line, proc.stderr


def test_full_disk_is_one_line_and_leaves_nothing(tmp_path):
    proc = _in_own_mount(tmp_path, "size=64k", "convert", SAMPLE, "mnt/y.gpkg", "--to", "EPSG:4547")
    if proc is None:
        pytest.skip("no private mount namespace here (unshare -rm)")
    line = one_line_error(proc)
    assert proc.returncode == 2 and "cannot write layer" in line and "free space" in line, proc.stderr
