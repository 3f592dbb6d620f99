"""The two legs of a relayed connection, as live WebSockets that hand their events to the relay.

:class:`RelayLeg` is a :class:`~wsexplorer.live.websocket.WebSocket` that records every byte like any
other, but answers no ping and no close by itself (the relay passes both on, RFC 6455 §5.5.1, §5.5.2)
and hands each batch of protocol events to the relay instead of queueing messages for ``recv()``.
:class:`Greeter` holds a new client's connection until its request has come and the upstream leg is
open (the answer depends on the upstream's), then hands the transport to the client leg.
:func:`open_upstream` opens the upstream leg.
"""

from __future__ import annotations

import asyncio
import ssl as ssl_module
import time
from collections.abc import Callable
from typing import Literal
from urllib.parse import urlsplit

from ..codec.http import find_header_end
from ..errors import OpeningTimeout, WSExplorerError
from ..protocol.connection import Connection
from ..protocol.events import Event
from ..record.session import C2S, Session
from .recording import Recorder
from .tls import tls_error
from .websocket import WebSocket

__all__ = ["Greeter", "LegName", "RelayLeg", "open_upstream"]

LegName = Literal["client", "upstream"]
_clock = time.monotonic_ns


class RelayLeg(WebSocket):
    """One leg: ``"client"`` (client↔relay, the relay is the server) or ``"upstream"`` (relay↔upstream).

    ``record_limit`` caps the bytes the leg's recording keeps (:mod:`.recording`).
    ``on_batch(leg, events)`` is called after every chunk received (and at the end of the stream) with
    the events it produced, frames included. ``on_writable(leg, writable)`` says when the transport's
    write buffer fills up and drains, so the relay can stop reading the other leg meanwhile.
    """

    def __init__(
        self,
        connection: Connection,
        session: Session,
        *,
        name: LegName,
        close_timeout: float | None,
        record_limit: int | None = None,
    ) -> None:
        # the client's leg is other people's traffic: their credentials are not kept (as serve() does)
        redact = C2S if name == "client" else None
        recorder = Recorder(session, max_bytes=record_limit, redact=redact)
        super().__init__(
            connection, session, close_timeout=close_timeout, recorder=recorder, deliver_messages=False
        )
        self.name: LegName = name
        self.on_batch: Callable[[RelayLeg, list[Event]], None] | None = None
        self.on_writable: Callable[[RelayLeg, bool], None] | None = None
        self._batch: list[Event] = []
        self.on_event = self._collect  # frames as they come, for the relay

    def _collect(self, event: Event) -> None:
        self._batch.append(event)

    # -- feeding ---------------------------------------------------------------------------------------

    def start(self, head: bytes) -> None:
        """Feed the request a :class:`Greeter` already recorded (the client leg's first bytes)."""
        self.feed_recorded(head)
        self._handed()

    def data_received(self, data: bytes | memoryview) -> None:
        super().data_received(data)
        self._handed()

    def eof_received(self) -> bool:
        keep = super().eof_received()
        self._handed()
        return keep

    def connection_lost(self, exc: Exception | None) -> None:
        super().connection_lost(exc)
        self._handed()

    def _handed(self) -> None:
        if self._batch and self.on_batch is not None:  # events wait while nobody takes them yet
            events, self._batch = self._batch, []
            self.on_batch(self, events)

    def deliver_to(self, on_batch: Callable[[RelayLeg, list[Event]], None]) -> None:
        """From now on hand every batch to ``on_batch``, starting with the events waiting."""
        self.on_batch = on_batch
        self._handed()

    # -- sending what the relay forwards ------------------------------------------------------------------

    def write(self, frames: list[bytes]) -> None:
        """Queue frames already built for this leg (see :mod:`.relay_frames`); :meth:`flush` sends."""
        conn = self.connection
        for data in frames:
            conn.send_raw(data)

    # -- flow control -------------------------------------------------------------------------------------

    def hold(self, reason: str, on: bool) -> None:
        """Stop reading from this leg while ``reason`` holds (the other leg cannot keep up); reading
        resumes when no reason of the relay's or of the WebSocket's own is left."""
        if on:
            self.pause_reading(f"relay: {reason}")
        else:
            self.resume_reading(f"relay: {reason}")

    def pause_writing(self) -> None:
        super().pause_writing()
        if self.on_writable is not None:
            self.on_writable(self, False)

    def resume_writing(self) -> None:
        super().resume_writing()
        if self.on_writable is not None:
            self.on_writable(self, True)

    def abort(self) -> None:
        if self.transport is not None:
            self.transport.abort()


class Greeter(asyncio.Protocol):
    """A new client connection until its request is complete: every byte is recorded in ``session``.

    ``on_made(greeter)`` is called once TCP (and TLS) is up and returns the session to record in (a
    client whose TLS handshake fails never gets that far). ``on_request(greeter, head)`` is called once
    with the request's header block; the relay then either
    calls :meth:`hand_over` with the client leg, or :meth:`refuse` with a response. The header block is
    bounded by the codec's limit (16 KiB, 128 lines): past it the request is handed over as it is, so
    the client leg's own server refuses it.
    """

    def __init__(
        self, on_made: Callable[[Greeter], Session], on_request: Callable[[Greeter, bytes], None]
    ) -> None:
        self.on_made = on_made
        self.on_request = on_request
        self.session = Session("server")
        self.transport: asyncio.Transport | None = None
        self.buffer = bytearray()
        self.done = False
        loop = asyncio.get_running_loop()
        self.lost: asyncio.Future[None] = loop.create_future()
        self.settled: asyncio.Future[None] = loop.create_future()  # the request came, or the client left

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        assert isinstance(transport, asyncio.Transport)
        self.transport = transport
        self.session = self.on_made(self)
        self.session.meta.setdefault("clock", {"wall": time.time(), "monotonic_ns": _clock()})

    def data_received(self, data: bytes) -> None:
        self.session.received(data, _clock())
        self.buffer += data
        if self.done:
            return
        try:
            end = find_header_end(self.buffer)
        except WSExplorerError:
            end = len(self.buffer)  # not a readable request: the client leg's server answers 400/431
        if end is not None:
            self.done = True
            assert self.transport is not None
            self.transport.pause_reading()
            if not self.settled.done():
                self.settled.set_result(None)
            self.on_request(self, bytes(self.buffer))

    def connection_lost(self, exc: Exception | None) -> None:
        for future in (self.lost, self.settled):
            if not future.done():
                future.set_result(None)

    def hand_over(self, leg: RelayLeg) -> None:
        """Give the transport to ``leg`` and feed it every byte received so far (recorded already)."""
        transport = self.transport
        assert transport is not None
        transport.set_protocol(leg)
        leg.connection_made(transport)
        leg.start(bytes(self.buffer))
        if not transport.is_closing():
            transport.resume_reading()

    def refuse(self, answer: bytes) -> None:
        """Send ``answer`` (an HTTP refusal), record it, and close."""
        if self.transport is None or self.transport.is_closing():
            return
        self.session.sent(answer, _clock())
        self.transport.write(answer)
        self.transport.close()


async def open_upstream(
    url: str,
    connection: Connection,
    session: Session,
    *,
    context: ssl_module.SSLContext | None,
    open_timeout: float | None,
    close_timeout: float | None,
    record_limit: int | None = None,
) -> RelayLeg:
    """Open the upstream leg (TCP, TLS, the opening handshake, RFC 6455 §4.1) within ``open_timeout``.

    Raises what :func:`~wsexplorer.live.connect` raises: :class:`~wsexplorer.errors.OpeningTimeout`,
    :class:`~wsexplorer.errors.TLSError`, a handshake error (the answer is in ``session``), OSError.
    """
    parts = urlsplit(url)
    host = parts.hostname or ""
    port = parts.port or (443 if parts.scheme == "wss" else 80)
    loop = asyncio.get_running_loop()
    made: list[RelayLeg] = []

    def factory() -> RelayLeg:
        leg = RelayLeg(
            connection, session, name="upstream", close_timeout=close_timeout, record_limit=record_limit
        )
        made.append(leg)
        return leg

    async def establish() -> RelayLeg:
        try:
            await loop.create_connection(
                factory, host, port, ssl=context, server_hostname=host if context else None
            )
        except ssl_module.SSLError as exc:
            raise tls_error(exc, host) from exc
        await asyncio.shield(made[0].opened)
        return made[0]

    try:
        return await asyncio.wait_for(establish(), open_timeout)
    except asyncio.TimeoutError:
        for leg in made:
            leg.abort()
            await leg.wait_closed()
        raise OpeningTimeout(
            f"the upstream handshake with {host}:{port} did not complete within {open_timeout} s",
            fault="peer",
        ) from None
    except BaseException:
        for leg in made:
            leg.abort()
        raise
