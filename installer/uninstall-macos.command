#!/bin/sh
# Remove what install-macos.command put into Excel (the add-in, its settings, the script).
set -eu
VENV="${PERPHEDGE_VENV:-$HOME/Library/perphedge/venv}"
"$VENV/bin/python" -m perphedge.cli addin uninstall "$@"
echo "The Python environment in $VENV can now be deleted."
