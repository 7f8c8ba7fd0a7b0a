#!/bin/sh
# Install perphedge for Excel on macOS: a private Python environment, the package, then
# "perphedge addin install" (builds perphedge.xlam into Excel's start-up folder and copies
# the xlwings RunPython script). Double-click it in Finder; Excel should be closed.
set -eu
HERE="$(cd "$(dirname "$0")" && pwd)"
REPO="$(dirname "$HERE")"
VENV="${PERPHEDGE_VENV:-$HOME/Library/perphedge/venv}"
PY="${PERPHEDGE_PYTHON:-$(command -v python3 || true)}"

need_python() {
    echo "Python 3.11 or newer is needed: https://www.python.org/downloads/macos/"
    exit 1
}
[ -n "$PY" ] || need_python
"$PY" -c 'import sys; sys.exit(sys.version_info < (3, 11))' || need_python

echo "Creating the Python environment in $VENV ..."
"$PY" -m venv "$VENV"
"$VENV/bin/python" -m pip install --upgrade pip
"$VENV/bin/python" -m pip install "$REPO"
"$VENV/bin/perphedge" addin install --replace --ribbon "$REPO/addin/ribbon/customUI.xml" "$@"
"$VENV/bin/perphedge" addin status "$@" || true
echo
echo "Done. Start Excel and follow installer/README.md (trust settings, Import Functions)."
