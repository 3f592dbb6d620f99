#!/usr/bin/env bash
# Install Autobahn|Testsuite (wstest) into conformance/.venv27, a Python 2.7 virtualenv.
#
# autobahntestsuite 25.10.1 is Python 2.7 code. It runs on pyenv's CPython 2.7.18 in a virtualenv
# made by virtualenv<20.22 (the last line that creates 2.7 environments), with the pinned set from
# its sdist. virtualenv itself goes into a throwaway Python 3 venv that is deleted afterwards, so
# nothing is installed outside conformance/.venv27. Idempotent: a stamp file names the pinned set;
# a second run with the same set does nothing. Takes about 20 s on a fresh machine.
#
# Environment: PY27 (default: pyenv's 2.7.18, else python2.7 on PATH), PYTHON3 (default: python3).
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
venv="${VENV27:-$here/.venv27}"

pins=(
    "setuptools==44.0.0"
    "six==1.16.0"
    "txaio==2.1.0"
    "incremental==16.10.1"
    "zope.interface==4.6.0"
    "Twisted==19.10.0"
    "cryptography==3.3.2"
    "pyOpenSSL==19.1.0"
    "service_identity==18.1.0"
    "jinja2==2.11.3"
    "markupsafe==1.1.1"
    "Werkzeug==1.0.1"
    "klein==17.10.0"
    "unittest2==1.1.0"
    "autobahn[accelerate,twisted]==0.10.9"
    "autobahntestsuite==25.10.1"
)
stamp="$venv/.installed-$(printf '%s\n' "${pins[@]}" | cksum | cut -d' ' -f1)"

if [[ -f "$stamp" && -x "$venv/bin/wstest" ]]; then
    echo "conformance: $venv is up to date"
    exit 0
fi

if [[ -z "${PY27:-}" ]]; then
    if command -v pyenv >/dev/null 2>&1 && [[ -x "$(pyenv root)/versions/2.7.18/bin/python2.7" ]]; then
        PY27="$(pyenv root)/versions/2.7.18/bin/python2.7"
    elif command -v python2.7 >/dev/null 2>&1; then
        PY27="$(command -v python2.7)"
    else
        echo "conformance: no Python 2.7 found (set PY27=/path/to/python2.7, or 'pyenv install 2.7.18')" >&2
        exit 1
    fi
fi
PYTHON3="${PYTHON3:-python3}"

tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT

# Run a command with its output in a log; on failure show the log (less the noise of this machine's
# pip config, whose local index folders pip warns about) and stop.
quietly() {
    local log="$1"; shift
    if ! "$@" >"$log" 2>&1; then
        grep -v "is ignored: it is neither a file nor a directory" "$log" | tail -40 >&2
        echo "conformance: failed: $* (log: $log)" >&2
        exit 1
    fi
}

echo "conformance: bootstrapping virtualenv<20.22 in a throwaway venv"
"$PYTHON3" -m venv "$tmp/boot"
quietly "$tmp/boot.log" "$tmp/boot/bin/python" -m pip install --disable-pip-version-check "virtualenv<20.22"

echo "conformance: creating $venv from $PY27"
rm -rf "$venv"
quietly "$tmp/virtualenv.log" "$tmp/boot/bin/python" -m virtualenv --no-periodic-update -p "$PY27" "$venv"

echo "conformance: installing autobahntestsuite 25.10.1 and its pinned set"
printf '%s\n' "${pins[@]}" | sed 's/\[.*\]//' > "$venv/constraints.txt"
quietly "$venv/pip-install.log" "$venv/bin/python" -m pip install --disable-pip-version-check \
    --no-python-version-warning -c "$venv/constraints.txt" "${pins[@]}"

quietly "$venv/wstest-check.log" "$venv/bin/wstest" --help
touch "$stamp"
echo "conformance: ready: $venv/bin/wstest"
