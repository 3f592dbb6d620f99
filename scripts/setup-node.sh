#!/usr/bin/env bash
# Install what tests/interop/test_node_ws.py needs: the `ws` package (8.x, pinned by the committed
# package-lock.json) in tests/interop/node/node_modules. Needs Node.js (>= 18) and npm on PATH; the
# tests run the peers with `node`. Safe to run again: `npm ci` reinstalls exactly the locked versions.
#
#   bash scripts/setup-node.sh
set -euo pipefail

cd "$(dirname "$0")/../tests/interop/node"

missing=()
command -v node >/dev/null 2>&1 || missing+=(node)
command -v npm >/dev/null 2>&1 || missing+=(npm)
if [ "${#missing[@]}" -gt 0 ]; then
    echo "setup-node: ${missing[*]} not found on PATH; install Node.js 18 or newer with npm, e.g.:" >&2
    echo "    apt-get update && apt-get install -y nodejs npm" >&2
    exit 1
fi

major="$(node -p 'process.versions.node.split(".")[0]')"
if [ "$major" -lt 18 ]; then
    echo "setup-node: node $(node --version) is too old; the interop tests need Node.js 18 or newer" >&2
    exit 1
fi

npm ci --no-audit --no-fund
node -e 'const ws = require("ws/package.json"); console.log(`ok: node ${process.version}, ws ${ws.version}`)'
