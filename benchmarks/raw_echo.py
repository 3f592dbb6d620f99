"""The ceiling of the load benchmark's workload a: the same echo with no WebSocket at all.

A server and clients written straight on asyncio's Protocol, shaped like a WebSocket library's so
that what remains is asyncio and the kernel: each connection's bytes go to a per-connection buffer,
a handler task per server connection awaits the next message (a future woken by ``data_received``)
and writes it back; each client sends a message and awaits its echo. Messages are fixed-size
(``MESSAGE_SIZE`` bytes), so no framing is needed; nothing is parsed, masked or recorded.

No WebSocket library can echo faster than this on the same machine, so the ratio between it and
websockets' figure bounds what wsexplorer's ratio can be.
"""

from __future__ import annotations

import asyncio
from typing import Any

MAX_BUFFERED = 64 << 10
"""Bytes a peer may hold unread; past it the connection is aborted (the load clients have one message
of ``size`` bytes in flight, so only a misbehaving peer reaches it)."""


class RawPeer(asyncio.Protocol):
    """One TCP connection that hands out ``size``-byte messages to an awaiting reader."""

    def __init__(self, size: int) -> None:
        self.size = size
        self.buffer = bytearray()
        self.transport: asyncio.Transport | None = None
        self.waiter: asyncio.Future[None] | None = None
        self.lost: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self.close_code: int | None = None  # 1000 once closed cleanly, as the load checks expect

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        assert isinstance(transport, asyncio.Transport)
        self.transport = transport

    def data_received(self, data: bytes) -> None:
        self.buffer += data
        if len(self.buffer) > MAX_BUFFERED and self.transport is not None:
            self.transport.abort()  # bounded: nothing more is read
        self._wake()

    def eof_received(self) -> bool:
        self._wake()
        return False

    def connection_lost(self, exc: Exception | None) -> None:
        self.close_code = 1000 if exc is None else 1006
        self._wake()
        if not self.lost.done():
            self.lost.set_result(None)

    def _wake(self) -> None:
        waiter, self.waiter = self.waiter, None
        if waiter is not None and not waiter.done():
            waiter.set_result(None)

    async def recv(self) -> bytes:
        """The next message; ``b""`` once the peer has closed and nothing whole is left."""
        while len(self.buffer) < self.size:
            if self.lost.done() or (self.transport is not None and self.transport.is_closing()):
                return b""
            self.waiter = asyncio.get_running_loop().create_future()
            await self.waiter
        message = bytes(self.buffer[: self.size])
        del self.buffer[: self.size]
        return message

    async def send(self, message: bytes) -> None:
        assert self.transport is not None
        self.transport.write(message)

    async def close(self) -> None:
        if self.transport is not None:
            self.transport.close()
        await self.lost


async def serve(host: str, port: int, size: int, echoed: list[int], active: list[int]) -> asyncio.Server:
    """Listen; every connection gets a handler task that echoes ``size``-byte messages."""
    loop = asyncio.get_running_loop()
    tasks: set[asyncio.Task[None]] = set()

    async def handle(peer: RawPeer) -> None:
        active[0] += 1
        try:
            while True:
                message = await peer.recv()
                if not message:
                    break
                await peer.send(message)
                echoed[0] += 1
        finally:
            active[0] -= 1
            await peer.close()

    def factory() -> RawPeer:
        peer = RawPeer(size)
        task = loop.create_task(handle(peer))
        tasks.add(task)
        task.add_done_callback(tasks.discard)
        return peer

    return await loop.create_server(factory, host, port)


async def connect(host: str, port: int, size: int) -> Any:
    """A client connection with the ``send``/``recv``/``close`` the load clients use."""
    loop = asyncio.get_running_loop()
    _, peer = await loop.create_connection(lambda: RawPeer(size), host, port)
    return peer
