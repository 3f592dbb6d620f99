#!/usr/bin/env bash
# Install the real subprotocol peers of tests/interop/subprotocols/ and notebook 08: the npm packages of
# tests/interop/subprotocols/node (graphql, graphql-ws, subscriptions-transport-ws, socket.io,
# socket.io-client, aedes, websocket-stream, mqtt, @stomp/stompjs, ws), pinned by its committed
# package-lock.json, then print the versions found, the Python peers' included (python-socketio,
# paho-mqtt, autobahn: they come with the project's test extras). Needs Node.js >= 18 and npm; as root
# it installs them with apt-get when missing. Safe to run again: `npm ci` reinstalls the locked versions.
#
#   bash scripts/setup-subprotocol-peers.sh [PYTHON]      (PYTHON defaults to .venv/bin/python)
set -euo pipefail

root="$(cd "$(dirname "$0")/.." && pwd)"
python="${1:-$root/.venv/bin/python}"

if ! command -v node >/dev/null 2>&1 || ! command -v npm >/dev/null 2>&1; then
    if [ "$(id -u)" -eq 0 ] && command -v apt-get >/dev/null 2>&1; then
        apt-get update -qq && apt-get install -y -qq nodejs npm
    else
        echo "setup-subprotocol-peers: node and npm are needed; install Node.js 18 or newer, e.g.:" >&2
        echo "    sudo apt-get update && sudo apt-get install -y nodejs npm" >&2
        exit 1
    fi
fi
major="$(node -p 'process.versions.node.split(".")[0]')"
if [ "$major" -lt 18 ]; then
    echo "setup-subprotocol-peers: node $(node --version) is too old; the peers need Node.js 18 or newer" >&2
    exit 1
fi

cd "$root/tests/interop/subprotocols/node"
npm ci --no-audit --no-fund --loglevel=error
node -e '
const names = ["graphql", "graphql-ws", "subscriptions-transport-ws", "socket.io", "socket.io-client",
  "aedes", "websocket-stream", "mqtt", "@stomp/stompjs", "ws"];
const fs = require("fs");
const found = names.map((n) => `${n} ${JSON.parse(fs.readFileSync(`node_modules/${n}/package.json`)).version}`);
console.log(`ok: node ${process.version}; ${found.join(", ")}`);
'
if [ -x "$python" ]; then
    "$python" - <<'PY'
from importlib.metadata import PackageNotFoundError, version

found, missing = [], []
for name in ("python-socketio", "aiohttp", "paho-mqtt", "autobahn", "msgpack", "cbor2"):
    try:
        found.append(f"{name} {version(name)}")
    except PackageNotFoundError:
        missing.append(name)
print("ok: python peers: " + ", ".join(found))
if missing:
    print("missing Python peers (install the test extras: pip install -e '.[test]'): " + ", ".join(missing))
PY
fi
