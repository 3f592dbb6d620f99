"""Running one probe case on the wire: connect, send the case's bytes, watch what the server does.

Each case gets its own TCP connection and :class:`~wsexplorer.record.session.Session` (the wire log: every
byte both ways with its time). The opening handshake is written from lines (so the handshake cases can
leave headers out) and the answer is checked as a client must (RFC 6455 §4.1,
:func:`~wsexplorer.codec.client_check.check_response`). After a 101 a sans-I/O client
:class:`~wsexplorer.protocol.connection.Connection`, already open with what was negotiated, reads the
server's frames (answering its pings and close frame as a client must) while the case's hand-made frames
go out as they are. A ping with a known payload follows the frames: its pong shows the server read
everything before it and kept the connection open, so most cases end in milliseconds instead of
waiting for a timeout.

Bounds: the handshake answer may be 16 KiB, everything read in one case 80 MiB; every wait ends at the
case's deadline.
"""

from __future__ import annotations

import asyncio
import contextlib
import ssl as ssl_module
import time
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from ...codec.client_check import check_response
from ...codec.frame_header import Opcode
from ...codec.frames import Frame
from ...codec.handshake import HandshakeRequest, HandshakeResponse
from ...codec.http import find_header_end
from ...errors import InvalidState, WSExplorerError
from ...protocol.connection import Connection
from ...protocol.events import (
    BinaryMessage,
    CloseReceived,
    ConnectionEnded,
    ConnectionFailed,
    Pong,
    TextMessage,
)
from ...record.session import Session
from .plan import SENTINEL, Out, Plan, Rng, request_lines
from .report import Observation, Received

__all__ = ["MAX_HEAD", "MAX_READ", "run_plan"]

MAX_HEAD = 16 * 1024
"""Bytes of a handshake answer read before giving up on finding its end."""
MAX_READ = 80 << 20
"""Bytes read in one case at most (a 2 MiB echo fits many times over)."""
ECHO_GRACE = 0.5
"""Seconds to wait for echoes still missing once the closing ping was answered (async echo servers)."""
_CHUNK = 65536
_MAX_MESSAGE = 64 << 20

_clock = time.monotonic_ns


@dataclass
class _Watch:
    """What the server's frames told us so far."""

    messages: list[Received] = field(default_factory=list)
    pongs: list[bytes] = field(default_factory=list)
    sentinel: bool = False
    close: tuple[int, str] | None = None
    eof: bool = False
    server_rule: str = ""
    failed_first: bool = False  # the probe failed the connection on the server's bytes before any close
    changed: asyncio.Event = field(default_factory=asyncio.Event)


class _Link:
    """One case's TCP connection: every write and read recorded in the session."""

    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter, session: Session) -> None:
        self.reader = reader
        self.writer = writer
        self.session = session
        self.read_total = 0
        self.broken = False

    async def write(self, data: bytes, *, trickle: bool = False) -> None:
        pieces = [data[i : i + 1] for i in range(len(data))] if trickle else [data]
        for piece in pieces:
            if self.broken or self.writer.is_closing() or not piece:
                return
            self.session.sent(piece, _clock())
            try:
                self.writer.write(piece)
                await self.writer.drain()
            except (ConnectionError, OSError):
                self.broken = True  # the server closed on us: what it did is in the session

    async def read(self) -> bytes:
        if self.read_total >= MAX_READ:
            return b""
        try:
            data = await self.reader.read(min(_CHUNK, MAX_READ - self.read_total))
        except (ConnectionError, OSError):
            data = b""
        if data:
            self.read_total += len(data)
            self.session.received(data, _clock())
        return data


async def run_plan(
    plan: Plan, url: str, session: Session, *, timeout: float, rng: Rng, ssl: ssl_module.SSLContext | None
) -> Observation:
    """Carry out ``plan`` against ``url``; what the server did (the session gets every byte)."""
    loop = asyncio.get_running_loop()
    started = loop.time()
    deadline = started + timeout
    parts = urlsplit(url)
    host = parts.hostname or ""
    port = parts.port or (443 if parts.scheme == "wss" else 80)
    try:
        reader, writer = await asyncio.wait_for(
            asyncio.open_connection(host, port, ssl=ssl, server_hostname=host if ssl else None), timeout
        )
    except (OSError, asyncio.TimeoutError, ssl_module.SSLError) as exc:
        return Observation("error", error=f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__)
    link = _Link(reader, writer, session)
    try:
        observed = await _converse(plan, url, link, deadline, rng)
    finally:
        writer.transport.abort() if link.broken else writer.close()
        with contextlib.suppress(Exception):
            await asyncio.wait_for(writer.wait_closed(), 0.5)
    return _timed(observed, loop.time() - started)


def _timed(o: Observation, seconds: float) -> Observation:
    return Observation(**{**o.__dict__, "seconds": seconds})


async def _converse(plan: Plan, url: str, link: _Link, deadline: float, rng: Rng) -> Observation:
    request = ("\r\n".join(request_lines(url, rng(16), plan)) + "\r\n\r\n").encode("latin-1")
    await link.write(request)
    head, rest = await _read_head(link, deadline)
    if head is None:
        why = "closed the connection" if link.reader.at_eof() else "sent nothing"
        return Observation("no-handshake", error=f"the server {why} instead of answering the handshake")
    try:
        response = HandshakeResponse.parse(head)
    except WSExplorerError as exc:
        return Observation("no-handshake", server_rule=f"handshake: {exc.rule} ({exc.section})")
    headers = tuple((h.name, h.value) for h in response.headers)
    if response.status != 101:
        await _drain_refusal(link, deadline)
        return Observation("refused", status=response.status, headers=headers)
    server_rule = ""
    check = check_response(HandshakeRequest.parse(request), response, [plan.deflate] if plan.deflate else [])
    if check.error is not None:
        server_rule = f"handshake: {check.error.rule} ({check.error.section})"
    if plan.handshake_only or check.error is not None:
        return Observation("open", status=101, headers=headers, server_rule=server_rule)
    conn = Connection(
        "client",
        opened=True,
        negotiated=check.extensions,
        subprotocol=check.subprotocol,
        stream_base=len(head),
        max_message_size=_MAX_MESSAGE,
        frame_events=False,
        rng=rng,
    )
    watch = _Watch()
    reading = asyncio.get_running_loop().create_task(_pump(link, conn, watch, rest))
    try:
        await _send(plan, link, conn, rng)
        await _wait(plan, watch, deadline)
        ending = _ending(watch)
        if ending in ("open", "silent"):
            await _wind_down(link, conn, watch, deadline, ending)
    finally:
        reading.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await reading
    code, reason = watch.close if watch.close is not None else (None, "")
    return Observation(
        ending,
        status=101,
        headers=headers,
        messages=tuple(watch.messages),
        pongs=tuple(watch.pongs),
        sentinel=watch.sentinel,
        close_code=code,
        close_reason=reason,
        server_rule=watch.server_rule,
        probe_failed=watch.failed_first,
    )


async def _read_head(link: _Link, deadline: float) -> tuple[bytes | None, bytes]:
    buf = bytearray()
    loop = asyncio.get_running_loop()
    while len(buf) <= MAX_HEAD:
        try:
            end = find_header_end(buf)
        except WSExplorerError:
            return None, b""
        if end is not None:
            return bytes(buf[:end]), bytes(buf[end:])
        try:
            data = await asyncio.wait_for(link.read(), max(deadline - loop.time(), 0.0))
        except asyncio.TimeoutError:
            return None, b""
        if not data:
            return None, b""
        buf += data
    return None, b""


async def _drain_refusal(link: _Link, deadline: float) -> None:
    """Record a refusal's body: read until the server closes, for a short while (bounded)."""
    loop = asyncio.get_running_loop()
    stop = min(deadline, loop.time() + 0.3)
    with contextlib.suppress(asyncio.TimeoutError):
        while link.read_total < MAX_HEAD * 4:
            if not await asyncio.wait_for(link.read(), max(stop - loop.time(), 0.0)):
                return


async def _pump(link: _Link, conn: Connection, watch: _Watch, first: bytes) -> None:
    data = first
    while True:
        if data:
            conn.receive_data(data)
        _collect(conn, watch)
        reply = conn.data_to_send()
        if reply:
            await link.write(reply)
        if watch.eof:
            return
        data = await link.read()
        if not data:
            conn.receive_data(b"")
            _collect(conn, watch)
            watch.eof = True
            watch.changed.set()
            return


def _collect(conn: Connection, watch: _Watch) -> None:
    for event in conn.events():
        if isinstance(event, (TextMessage, BinaryMessage)):
            m = event.message
            kind = "text" if m.is_text else "binary"
            watch.messages.append(Received(kind, len(m.payload), m.payload[:48], m.compressed))
        elif isinstance(event, Pong):
            if event.payload == SENTINEL:
                watch.sentinel = True
            else:
                watch.pongs.append(event.payload)
        elif isinstance(event, CloseReceived):
            watch.close = (event.code, event.reason)
        elif isinstance(event, ConnectionFailed) and not watch.server_rule:
            watch.server_rule = f"{event.error.rule} ({event.error.section})"
            watch.failed_first = watch.close is None
        elif isinstance(event, ConnectionEnded):
            watch.eof = True
        watch.changed.set()


async def _send(plan: Plan, link: _Link, conn: Connection, rng: Rng) -> None:
    for item in plan.frames(Out(rng)):
        is_close = isinstance(item, Frame) and bytes(item)[0] & 0x0F == Opcode.CLOSE
        if is_close and conn.close_sent is None and conn.close_received is None:
            assert isinstance(item, Frame)
            conn.send_frame(item)  # the connection then knows the closing handshake has started
            data = conn.data_to_send()
        else:
            data = bytes(item)
        await link.write(data, trickle=plan.trickle)
    try:
        if plan.compressed is not None and conn.negotiated and conn.close_sent is None:
            conn.send_text(plan.compressed)
        if plan.sentinel and conn.close_sent is None:
            conn.send_ping(SENTINEL)
    except InvalidState:
        pass  # the server closed first: nothing more to send
    await link.write(conn.data_to_send())


async def _wait(plan: Plan, watch: _Watch, deadline: float) -> None:
    """Until the server closed or dropped, or answered the closing ping (and echoed), or the deadline."""
    loop = asyncio.get_running_loop()
    grace_end: float | None = None
    while True:
        if watch.eof:
            return
        if watch.sentinel and len(watch.messages) >= plan.echoes:
            return
        if watch.sentinel and grace_end is None:
            grace_end = min(deadline, loop.time() + ECHO_GRACE)
        stop = deadline if grace_end is None else grace_end
        left = stop - loop.time()
        if left <= 0:
            return
        watch.changed.clear()
        with contextlib.suppress(asyncio.TimeoutError):
            await asyncio.wait_for(watch.changed.wait(), left)


def _ending(watch: _Watch) -> str:
    if watch.close is not None:
        return "closed"
    if watch.eof:
        return "dropped"
    return "open" if watch.sentinel else "silent"


async def _wind_down(link: _Link, conn: Connection, watch: _Watch, deadline: float, ending: str) -> None:
    """End a connection the server kept open: a close frame, and a short wait for its answer."""
    if ending == "silent":
        return  # it may be reading our bytes as the rest of a frame: just hang up
    with contextlib.suppress(InvalidState):
        conn.send_close(1000, "probe case done")
    await link.write(conn.data_to_send())
    loop = asyncio.get_running_loop()
    stop = loop.time() + 1.0
    while not watch.eof and loop.time() < stop:
        watch.changed.clear()
        with contextlib.suppress(asyncio.TimeoutError):
            await asyncio.wait_for(watch.changed.wait(), stop - loop.time())
    # The close handshake that ends the case is not part of what is judged.
    watch.close = None if ending == "open" else watch.close
    watch.eof = watch.eof if ending != "open" else False
