"""A TCP tap: a pass-through on 127.0.0.1 that records the raw bytes each way, as an observer sees them.

Put a :class:`Tap` between a client and a server (the client connects to the tap, the tap to the server)
and it forwards every byte unchanged while keeping a copy. Over ``ws://`` the copy shows the HTTP upgrade
and the frames in clear; over ``wss://`` it shows only TLS records: the upgrade request, the frames and
their payloads are encrypted (RFC 6455 §4.1 item 5, §10.6; RFC 8446 §5). The endpoints' own sessions
still hold the plaintext, because they record above TLS.

Bounded: each connection keeps at most ``max_bytes`` per direction (bytes beyond are still forwarded,
only counted in ``dropped``), at most ``max_connections`` connections are recorded (later ones are
forwarded and counted in ``unrecorded``), and each read takes at most :data:`READ_SIZE` bytes. The
memory a tap holds is therefore at most ``2 * max_bytes * max_connections``. It listens on loopback
only: a teaching tool, never a proxy for other machines.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Generator
from dataclasses import dataclass, field
from types import TracebackType
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from ..record.session import C2S, DIRECTION_NAMES, S2C, Direction

__all__ = ["DEFAULT_MAX_BYTES", "READ_SIZE", "Tap", "TappedConnection", "open_tap"]

DEFAULT_MAX_BYTES = 1 << 20
"""Bytes kept per direction and per connection (1 MiB); more are forwarded but not kept."""
READ_SIZE = 1 << 16
"""The most bytes read from a socket at once."""
LOOPBACK = "127.0.0.1"


@dataclass
class TappedConnection:
    """One TCP connection through the tap: the first ``max_bytes`` of each direction, as they crossed.

    ``dropped[d]`` counts the bytes of direction ``d`` forwarded after the cap; ``error`` says why the
    connection ended abnormally (the server could not be reached, a reset), or is None.
    """

    max_bytes: int
    _data: tuple[bytearray, bytearray] = field(default_factory=lambda: (bytearray(), bytearray()), repr=False)
    dropped: list[int] = field(default_factory=lambda: [0, 0])
    error: str | None = None
    closed: bool = False

    def data(self, direction: Direction) -> bytes:
        """The recorded bytes of ``direction`` (C2S: client to server), at most ``max_bytes``."""
        return bytes(self._data[direction])

    def byte_count(self, direction: Direction) -> int:
        """Every byte that crossed in ``direction``, kept or not."""
        return len(self._data[direction]) + self.dropped[direction]

    @property
    def truncated(self) -> bool:
        """True when some bytes crossed but were not kept (the cap was reached)."""
        return self.dropped[C2S] > 0 or self.dropped[S2C] > 0

    def _keep(self, direction: Direction, chunk: bytes) -> None:
        buffer = self._data[direction]
        room = max(self.max_bytes - len(buffer), 0)
        buffer += chunk[:room]
        self.dropped[direction] += len(chunk) - min(room, len(chunk))

    def __repr__(self) -> str:
        counts = ", ".join(f"{DIRECTION_NAMES[d]} {self.byte_count(d)} bytes" for d in (C2S, S2C))
        extra = " (truncated)" if self.truncated else ""
        extra += f" error: {self.error}" if self.error else ""
        return f"<TappedConnection {counts}{extra}>"


class Tap:
    """A loopback pass-through to ``upstream_host:upstream_port`` that records what crosses it.

    ``await tap.start()`` binds 127.0.0.1 on ``port`` (0: a free port); ``connections`` lists one
    :class:`TappedConnection` per accepted client; ``close()`` stops listening and cuts every
    connection still open. ``connect_timeout`` bounds the connection to the server.
    """

    def __init__(
        self,
        upstream_host: str,
        upstream_port: int,
        *,
        port: int = 0,
        max_bytes: int = DEFAULT_MAX_BYTES,
        max_connections: int = 16,
        connect_timeout: float = 10.0,
    ) -> None:
        if max_bytes < 0 or max_connections < 0:
            raise ValueError("max_bytes and max_connections must be >= 0")
        self.upstream_host = upstream_host
        self.upstream_port = upstream_port
        self.host = LOOPBACK
        self.port = port
        self.max_bytes = max_bytes
        self.max_connections = max_connections
        self.connect_timeout = connect_timeout
        self.connections: list[TappedConnection] = []
        self.unrecorded = 0
        self.url: str | None = None  # the server's URL with the tap's address (set by open_tap)
        self._server: asyncio.AbstractServer | None = None
        self._tasks: set[asyncio.Task[None]] = set()
        self._writers: set[asyncio.StreamWriter] = set()

    async def start(self) -> Tap:
        self._server = await asyncio.start_server(self._accepted, self.host, self.port)
        self.port = self._server.sockets[0].getsockname()[1]
        return self

    def url_for(self, url: str) -> str:
        """``url`` (``ws://`` or ``wss://``) with its host and port replaced by the tap's."""
        parts = urlsplit(url)
        return urlunsplit(parts._replace(netloc=f"{self.host}:{self.port}"))

    def _accepted(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        record: TappedConnection | None = None
        if len(self.connections) < self.max_connections:
            record = TappedConnection(self.max_bytes)
            self.connections.append(record)
        else:
            self.unrecorded += 1
        task = asyncio.get_running_loop().create_task(self._relay(reader, writer, record))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _relay(
        self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter, record: TappedConnection | None
    ) -> None:
        self._writers.add(writer)
        upstream: asyncio.StreamWriter | None = None
        try:
            try:
                up_reader, up_writer = await asyncio.wait_for(
                    asyncio.open_connection(self.upstream_host, self.upstream_port), self.connect_timeout
                )
            except (OSError, asyncio.TimeoutError) as exc:
                if record is not None:
                    record.error = f"could not reach {self.upstream_host}:{self.upstream_port}: {exc!r}"
                return
            upstream = up_writer
            self._writers.add(up_writer)
            loop = asyncio.get_running_loop()
            pumps = [
                loop.create_task(_pump(reader, up_writer, record, C2S)),
                loop.create_task(_pump(up_reader, writer, record, S2C)),
            ]
            try:
                await asyncio.wait(pumps, return_when=asyncio.FIRST_EXCEPTION)
                failed = [t.exception() for t in pumps if t.done() and t.exception() is not None]
                if failed:  # a reset on one side: cut the other too, so its pump ends
                    up_writer.transport.abort()
                    writer.transport.abort()
                    if record is not None:
                        record.error = repr(failed[0])
                await asyncio.gather(*pumps, return_exceptions=True)
            finally:
                for task in pumps:
                    task.cancel()  # no effect on finished pumps; stops them if this relay is cancelled
        finally:
            for w in (upstream, writer):
                if w is not None:
                    self._writers.discard(w)
                    w.close()
                    with contextlib.suppress(OSError):
                        await w.wait_closed()
            if record is not None:
                record.closed = True

    async def close(self) -> None:
        """Stop listening, cut every connection still open, and wait for the relays to end."""
        if self._server is not None:
            self._server.close()
        for writer in list(self._writers):
            writer.transport.abort()
        if self._tasks:
            await asyncio.gather(*self._tasks, return_exceptions=True)
        if self._server is not None:
            await self._server.wait_closed()

    async def __aenter__(self) -> Tap:
        return self if self._server is not None else await self.start()

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        await self.close()

    def __repr__(self) -> str:
        open_now = sum(not c.closed for c in self.connections)
        return (
            f"<Tap {self.host}:{self.port} -> {self.upstream_host}:{self.upstream_port}, "
            f"{len(self.connections)} connections recorded, {open_now} open>"
        )


async def _pump(
    reader: asyncio.StreamReader,
    writer: asyncio.StreamWriter,
    record: TappedConnection | None,
    direction: Direction,
) -> None:
    """Forward ``reader`` to ``writer`` until end of stream, keeping a bounded copy; then half-close."""
    while True:
        chunk = await reader.read(READ_SIZE)
        if not chunk:
            break
        if record is not None:
            record._keep(direction, chunk)
        writer.write(chunk)
        await writer.drain()
    if writer.can_write_eof() and not writer.is_closing():
        with contextlib.suppress(OSError):
            writer.write_eof()


class open_tap:
    """Start a :class:`Tap` in front of the server of ``url``; ``await`` it or use ``async with``.

    ``tap.url`` is then ``url`` with the tap's address: connect there instead of to the server.
    Keyword arguments are those of :class:`Tap`.
    """

    def __init__(self, url: str, **kwargs: Any) -> None:
        parts = urlsplit(url)
        if parts.scheme.lower() not in ("ws", "wss") or parts.hostname is None:
            raise ValueError(f"{url!r} is not a ws:// or wss:// URL with a host (RFC 6455 §3)")
        port = parts.port or (443 if parts.scheme.lower() == "wss" else 80)
        self._tap = Tap(parts.hostname, port, **kwargs)
        self._url = url

    async def _start(self) -> Tap:
        tap = await self._tap.start()
        tap.url = tap.url_for(self._url)
        return tap

    def __await__(self) -> Generator[Any, None, Tap]:
        return self._start().__await__()

    async def __aenter__(self) -> Tap:
        return await self._start()

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        await self._tap.close()
