#!/usr/bin/env bash
# The README's test command: install what the tests need, then run the whole suite.
#   - Debian packages for the real-program tests: chromium (maps), python3-qgis (QGIS export), npm (map assets)
#   - the package with its test extras into the active Python environment
# Safe to run again: it installs only what is missing.
set -euo pipefail
cd "$(dirname "$0")/.."

missing=()
command -v chromium >/dev/null 2>&1 || missing+=(chromium)
/usr/bin/python3 -c "import qgis.core" >/dev/null 2>&1 || missing+=(python3-qgis qgis-providers)
command -v npm >/dev/null 2>&1 || missing+=(npm)
if [ ${#missing[@]} -gt 0 ]; then
    echo "installing Debian packages: ${missing[*]}"
    SUDO=""; [ "$(id -u)" = 0 ] || SUDO="sudo"
    $SUDO apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

python -m pip install -q --upgrade pip >/dev/null 2>&1 || true
python -m pip install -q -e ".[test]"
python -m pytest -n 2 --durations=15 "$@"
