"""What the relay tests share: waiting for a relayed connection, and its frames in short."""

from __future__ import annotations

import asyncio

from wsexplorer.live.relay import Relay, RelayedConnection
from wsexplorer.record.session import Session

TIMEOUT = 10.0


async def opened(r: Relay) -> RelayedConnection:
    """The relay's first connection once both legs are open."""
    for _ in range(500):
        found = [c for c in r.connections if c.pipes]
        if found:
            return found[0]
        await asyncio.sleep(0.01)
    raise AssertionError(f"no relayed connection opened: {r.connections}")


def wire(session: Session, direction: int) -> list[tuple[int, bool, bool, bytes]]:
    """Each frame's opcode, FIN, RSV1 and unmasked payload."""
    return [
        (int(f.frame.opcode), f.frame.fin, f.frame.rsv1, f.frame.payload) for f in session.frames(direction)
    ]
