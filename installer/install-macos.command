#!/bin/sh
# Install perphedge for Excel on macOS: a private Python environment, the package, then
# "python -m perphedge.cli addin install" (builds perphedge.xlam into Excel's start-up
# folder and copies the xlwings RunPython script). Quit Excel first.
set -eu
HERE="$(cd "$(dirname "$0")" && pwd)"
REPO="$(dirname "$HERE")"
VENV="${PERPHEDGE_VENV:-$HOME/Library/perphedge/venv}"

# python.org's framework build first (newest version), then Homebrew's. /usr/bin/python3 is
# Apple's 3.9 or the Command Line Tools stub, which opens an install dialog instead of running.
pick_python() {
    F=/Library/Frameworks/Python.framework/Versions
    for p in $F/3.14/bin/python3 $F/3.13/bin/python3 $F/3.12/bin/python3 $F/3.11/bin/python3 \
             /opt/homebrew/bin/python3 /usr/local/bin/python3; do
        if [ -x "$p" ] && "$p" -c 'import sys; sys.exit(sys.version_info < (3, 11))' 2>/dev/null; then
            echo "$p"
            return 0
        fi
    done
    return 1
}
PY="${PERPHEDGE_PYTHON:-$(pick_python || true)}"

need_python() {
    echo "Python 3.11 or newer is needed: install it from https://www.python.org/downloads/macos/"
    echo "(the python3 that comes with macOS is too old), then run this script again."
    exit 1
}
[ -n "$PY" ] || need_python
"$PY" -c 'import sys; sys.exit(sys.version_info < (3, 11))' || need_python

echo "Using $PY"
echo "Creating the Python environment in $VENV ..."
"$PY" -m venv "$VENV"
"$VENV/bin/python" -m pip install --upgrade pip
"$VENV/bin/python" -m pip install "$REPO"
"$VENV/bin/python" -m perphedge.cli addin doctor || true
"$VENV/bin/python" -m perphedge.cli addin install --replace "$@"
"$VENV/bin/python" -m perphedge.cli addin status "$@" || true
echo
echo "Done. Start Excel: a Perpetual Hedge tab appears. installer/README.md (macOS) lists"
echo "the two permissions Excel and macOS may ask for at the first Refresh prices."
