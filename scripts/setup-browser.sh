#!/usr/bin/env bash
# Install what tests/interop/test_browser.py needs: Debian's Chromium (/usr/bin/chromium) and the Python
# `playwright` package in the project's venv. Playwright's own browser download is not used (it cannot
# reach its CDN on these machines): the tests launch /usr/bin/chromium. Safe to run again.
#
#   bash scripts/setup-browser.sh [VENV]      (VENV defaults to .venv)
set -euo pipefail

VENV="${1:-.venv}"
CHROMIUM=/usr/bin/chromium

if [ -x "$CHROMIUM" ]; then
    echo "chromium: $CHROMIUM already installed"
elif [ "$(id -u)" -eq 0 ]; then
    echo "chromium: installing the Debian package"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update
    apt-get install -y --no-install-recommends chromium
else
    echo "chromium is missing and this is not root; run:" >&2
    echo "    sudo apt-get update && sudo apt-get install -y --no-install-recommends chromium" >&2
    exit 1
fi

if [ ! -x "$VENV/bin/python" ]; then
    echo "no virtualenv at $VENV (create it first, e.g. with 'make install')" >&2
    exit 1
fi

if "$VENV/bin/python" -c "import playwright.async_api" 2>/dev/null; then
    echo "playwright: $("$VENV/bin/python" -m pip show playwright 2>/dev/null | sed -n 's/^Version: //p') already installed in $VENV"
else
    echo "playwright: installing into $VENV"
    "$VENV/bin/python" -m pip install --quiet playwright
fi

"$VENV/bin/python" - "$CHROMIUM" <<'PY'
import subprocess
import sys

from importlib.metadata import version

import playwright.async_api  # noqa: F401  (fails here if the install is broken)

chromium = subprocess.run([sys.argv[1], "--version"], capture_output=True, text=True, check=True).stdout.strip()
print(f"ok: {chromium}; playwright {version('playwright')}")
PY
