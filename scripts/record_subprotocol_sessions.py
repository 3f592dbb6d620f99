"""Record the subprotocol sessions notebook 08 falls back on when node or the npm peers are missing.

Runs the real peers of tests/interop/subprotocols/node (graphql-ws, socket.io, aedes + mqtt.js) through
the recording relay of the peer tests and saves each client ↔ relay session in notebooks/data/:
graphql.wsx, socketio.wsx, mqtt.wsx (a few KiB each). Needs ``bash scripts/setup-subprotocol-peers.sh``.

    .venv/bin/python scripts/record_subprotocol_sessions.py
"""

from __future__ import annotations

import asyncio
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.interop.subprotocols.peers import Relay, decode, node_peer, violations  # noqa: E402

OUT = ROOT / "notebooks" / "data"

# name: (node script, server mode, the server's port key, client path, decoder chosen)
PEERS = {
    "graphql": ("graphql.js", "server", "modern", "/graphql", None),
    "socketio": ("socketio.js", "server", "port", "", "socket.io"),
    "mqtt": ("mqtt.js", "broker", "port", "/", None),
}


async def record(name: str) -> Path:
    script, mode, key, path, choice = PEERS[name]
    async with node_peer(script, mode) as server:
        port = (await server.line())[key]
        async with Relay(f"ws://127.0.0.1:{port}") as relay:
            url = relay.url + path if name != "socketio" else relay.url.replace("ws://", "http://")
            async with node_peer(script, "client", url) as client:
                await client.until("done")
    [session] = relay.sessions
    session.meta["recorded_by"] = "scripts/record_subprotocol_sessions.py"
    problems = violations(decode(session, choice=choice))
    if problems:
        raise SystemExit(f"{name}: the recorded conversation breaks rules: {problems}")
    target = OUT / f"{name}.wsx"
    session.save(target)
    return target


async def main() -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    for name in PEERS:
        path = await record(name)
        print(f"{path.relative_to(ROOT)}: {path.stat().st_size:,} bytes")


if __name__ == "__main__":
    asyncio.run(main())
