#!/usr/bin/env bash
# Create the second virtualenv tests/browser/test_kernel6.py runs its kernel in: ipykernel 6 (no kernel
# subshells, so widget callbacks always run on the kernel's main thread) with wsexplorer installed
# editable from this checkout and its runtime dependencies. The browser test registers this env as a
# kernelspec in its own isolated JUPYTER_DATA_DIR; nothing is registered for the user.
# Safe to run again: a stamp (the checksum of pyproject.toml) skips the install when nothing changed.
#
#   bash scripts/setup-kernel6.sh [VENV]      (VENV defaults to .venv-kernel6; PYTHON to python3)
set -euo pipefail

cd "$(dirname "$0")/.."
ROOT="$(pwd)"
VENV="${1:-.venv-kernel6}"
PYTHON="${PYTHON:-python3}"
STAMP="$VENV/.installed-$(cksum < pyproject.toml | cut -d' ' -f1)"

if [ ! -x "$VENV/bin/python" ]; then
    echo "kernel6: creating $VENV with $("$PYTHON" --version 2>&1)"
    "$PYTHON" -m venv "$VENV"
fi

if [ -f "$STAMP" ] && "$VENV/bin/python" - <<'PY' 2>/dev/null
import ipykernel
import wsexplorer.widgets  # noqa: F401

assert ipykernel.version_info[0] == 6, ipykernel.__version__
PY
then
    echo "kernel6: $VENV is up to date"
else
    echo "kernel6: installing ipykernel 6 and wsexplorer (editable) into $VENV"
    "$VENV/bin/python" -m pip install --quiet --upgrade pip
    "$VENV/bin/python" -m pip install --quiet "ipykernel>=6,<7" -e "$ROOT"
    rm -f "$VENV"/.installed-*
    touch "$STAMP"
fi

"$VENV/bin/python" - "$ROOT" <<'PY'
import sys
from pathlib import Path

import ipykernel
import wsexplorer

assert ipykernel.version_info[0] == 6, f"ipykernel {ipykernel.__version__} is not 6.x"
where = Path(wsexplorer.__file__).resolve()
assert where.is_relative_to(Path(sys.argv[1]).resolve()), f"wsexplorer comes from {where}, not this checkout"
print(f"ok: {sys.executable}: ipykernel {ipykernel.__version__}, wsexplorer from {where.parent}")
PY
