"""Keepalive pings (RFC 6455 §5.5.2): a ping every ``ping_interval``; no pong within ``ping_timeout``
fails the connection. The round trips go into ``session.meta["keepalive_rtts_s"]`` (the latest
:data:`KEPT_RTTS`, so a long connection's metadata stays small)."""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING

from ..errors import ConnectionClosed, InternalError
from ..protocol.states import State

if TYPE_CHECKING:
    from .websocket import WebSocket

__all__ = ["KEPT_RTTS", "keepalive"]

KEPT_RTTS = 1000


async def keepalive(ws: WebSocket, interval: float, timeout: float | None) -> None:
    """Ping ``ws`` every ``interval`` seconds while it is open."""
    while ws.connection.state is State.OPEN:
        await asyncio.sleep(interval)
        if ws.connection.state is not State.OPEN:
            return
        try:
            rtt = await ws.ping(timeout=timeout)
        except asyncio.TimeoutError:
            ws.fail(
                InternalError(
                    f"keepalive ping got no pong within {timeout} s", section="RFC 6455 §5.5.2", fault="peer"
                )
            )
            return
        except ConnectionClosed:
            return
        rtts = ws.session.meta.setdefault("keepalive_rtts_s", [])
        rtts.append(rtt)
        del rtts[:-KEPT_RTTS]
