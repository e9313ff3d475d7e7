#!/usr/bin/env bash
# The README's test command: install what the tests need, check the install a user gets, run the whole suite.
#   - Debian packages for the real-program tests: chromium (maps), python3-qgis (QGIS export), npm (map assets), fonts-wqy-microhei (Chinese text in screenshots),
#     poppler-utils (pdftoppm / pdffonts: the QGIS layouts' PDFs turned into pictures)
#   - the package with its test extras into the active Python environment (editable)
#   - the quick start from a built wheel: sdist and wheel built (python -m build), the wheel installed into a
#     fresh virtual environment, then `ecogis audit` run outside the source tree with no npm on PATH and an
#     empty HOME / cache; the report and every map must be written. The suite then checks the sdist and wheel
#     (tests/test_packaging.py, ECOGIS_DIST) and opens those maps in headless Chromium with the network blocked
#     (tests/test_maps_chromium.py, ECOGIS_QUICKSTART_REPORT).  ECOGIS_SKIP_WHEEL=1 skips this part.
# Safe to run again: it installs only what is missing.  Arguments go to pytest.
set -euo pipefail
cd "$(dirname "$0")/.."
REPO="$(pwd)"

missing=()
command -v chromium >/dev/null 2>&1 || missing+=(chromium)
/usr/bin/python3 -c "import qgis.core" >/dev/null 2>&1 || missing+=(python3-qgis qgis-providers)
command -v npm >/dev/null 2>&1 || missing+=(npm)
# a CJK font, so Chromium's and QGIS's screenshots of the maps show Chinese text, not empty boxes
fc-list :lang=zh 2>/dev/null | grep -q . || missing+=(fonts-wqy-microhei)
command -v pdftoppm >/dev/null 2>&1 || missing+=(poppler-utils)
if [ ${#missing[@]} -gt 0 ]; then
    echo "installing Debian packages: ${missing[*]}"
    SUDO=""; [ "$(id -u)" = 0 ] || SUDO="sudo"
    $SUDO apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

python -m pip install -q --upgrade pip >/dev/null 2>&1 || true
python -m pip install -q -e ".[test]"
echo "== ruff check src benchmarks (the limits and the debt: [tool.ruff] in pyproject.toml)"
python -m ruff check src benchmarks
# the editable install's map scripts: fetched and verified once into ~/.cache/ecogis/assets (not by two test
# workers at once); the build below copies them from there
python -m ecogis.maps >/dev/null

if [ "${ECOGIS_SKIP_WHEEL:-0}" != 1 ]; then
    WORK="$(mktemp -d "${TMPDIR:-/tmp}/ecogis-wheel.XXXXXX")"
    trap 'rm -rf "$WORK"' EXIT
    started=$SECONDS
    echo "== build: sdist, then the wheel from it (the build step fetches and verifies the map scripts)"
    python -m build --outdir "$WORK/dist" "$REPO" >"$WORK/build.log" 2>&1 || { tail -40 "$WORK/build.log"; exit 1; }
    wheel=("$WORK"/dist/ecogis-*.whl)
    ls -l "$WORK"/dist
    echo "wheel size: $(stat -c %s "${wheel[0]}") bytes"

    echo "== quick start from the wheel: fresh venv, outside the source tree, no npm, empty HOME and cache"
    python -m venv "$WORK/venv"
    "$WORK/venv/bin/python" -m pip install -q "${wheel[0]}" >"$WORK/pip.log" 2>&1 || { tail -40 "$WORK/pip.log"; exit 1; }
    mkdir -p "$WORK/home" "$WORK/run"
    clean_env=(env -i "HOME=$WORK/home" "XDG_CACHE_HOME=$WORK/home/.cache" "PATH=$WORK/venv/bin"
               "LANG=C.UTF-8" "TMPDIR=$WORK")
    if (cd "$WORK/run" && "${clean_env[@]}" /bin/sh -c 'command -v npm'); then
        echo "npm is still reachable in the quick-start environment"; exit 1
    fi
    (cd "$WORK/run" && "${clean_env[@]}" ecogis audit) 2>&1 | tee "$WORK/audit.log"
    if grep -q "maps skipped" "$WORK/audit.log"; then echo "the installed wheel wrote no maps"; exit 1; fi
    for f in report.html report.md report.json maps/index.html maps/overview.html; do
        [ -f "$WORK/run/ecogis-report/$f" ] || { echo "ecogis audit did not write $f"; exit 1; }
    done
    if [ -n "$(ls -A "$WORK/home/.cache" 2>/dev/null | grep -v '^pip$' || true)" ]; then
        echo "the installed ecogis wrote into the user cache: $(ls -A "$WORK/home/.cache")"; exit 1
    fi
    echo "== the README's Python example, as written, on the fresh install"
    python - "$REPO/README.md" >"$WORK/run/example.py" <<'EOF'
import re, sys
text = open(sys.argv[1], encoding="utf-8").read()
print(re.search(r"```python\n(.*?)```", text[text.index("\n## Python"):], re.S).group(1))
EOF
    (cd "$WORK/run" && "${clean_env[@]}" python example.py >/dev/null)
    echo "wheel quick start passed ($((SECONDS - started)) s)"
    export ECOGIS_DIST="$WORK/dist" ECOGIS_QUICKSTART_REPORT="$WORK/run/ecogis-report"
fi

python -m pytest -n 2 --durations=15 "$@"
