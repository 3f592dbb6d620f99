"""Pings waiting for their pongs, and their round-trip times (RFC 6455 §5.5.2, §5.5.3).

A pong answers the ping with the same payload, and every earlier one still waiting: §5.5.3 lets a peer
answer only the latest of several pings. Times come from the caller's monotonic clock.
"""

from __future__ import annotations

import asyncio

__all__ = ["PingTracker"]


class PingTracker:
    """The pings sent and not yet answered, each with its send time and the future of its RTT."""

    __slots__ = ("_loop", "_waiting")

    def __init__(self, loop: asyncio.AbstractEventLoop) -> None:
        self._loop = loop
        self._waiting: dict[bytes, tuple[int, asyncio.Future[float]]] = {}

    def __len__(self) -> int:
        return len(self._waiting)

    def sent(self, payload: bytes, now_ns: int) -> asyncio.Future[float]:
        """Note a ping sent now; the future resolves to its round trip in seconds."""
        if payload in self._waiting:
            raise ValueError(f"a ping with payload {payload!r} is already waiting for its pong")
        fut: asyncio.Future[float] = self._loop.create_future()
        self._waiting[payload] = (now_ns, fut)
        return fut

    def pong(self, payload: bytes, now_ns: int) -> None:
        """A pong arrived: answer its ping and every earlier one still waiting (unknown payloads: none)."""
        if payload not in self._waiting:
            return
        for key in list(self._waiting):
            sent, fut = self._waiting.pop(key)
            if not fut.done():
                fut.set_result((now_ns - sent) / 1e9)
            if key == payload:
                break

    def fail_all(self, error: BaseException) -> None:
        """The connection closed: no pong will come for any ping still waiting."""
        for _, fut in self._waiting.values():
            if not fut.done():
                fut.set_exception(error)
        self._waiting.clear()
