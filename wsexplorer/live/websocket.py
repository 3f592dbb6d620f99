"""A live WebSocket: the sans-I/O Connection on an asyncio transport, recording every byte.

:class:`WebSocket` is an :class:`asyncio.BufferedProtocol` (it reads into one buffer per thread, see
:func:`.flow.read_buffer`). Every chunk is recorded in the :class:`Session` with
its monotonic time before the connection decodes it, and every byte the connection produces is recorded
as it is written, so the session holds exactly what crossed the wire. No protocol rule lives here:
the :class:`~wsexplorer.protocol.connection.Connection` decides everything; this class moves bytes,
wakes waiters, and enforces timeouts.
"""

from __future__ import annotations

import asyncio
import os
import time
from collections.abc import AsyncIterator, Callable
from typing import Any

from ..codec.frames import Frame
from ..errors import (
    CloseCode,
    ConnectionClosed,
    ConnectionClosedError,
    ConnectionClosedOK,
    HandshakeError,
    ProtocolError,
    WSExplorerError,
)
from ..protocol.connection import Connection
from ..protocol.events import (
    BinaryMessage,
    ConnectionEnded,
    ConnectionFailed,
    Event,
    HandshakeAccepted,
    HandshakeFailed,
    Pong,
    TextMessage,
)
from ..protocol.states import State
from ..record.session import Session
from .ending import Ending
from .flow import AFTER_FAILURE_BYTES, ReadFlow, read_buffer
from .inbox import Inbox
from .keepalive import keepalive
from .pings import PingTracker
from .recording import Recorder
from .tls import address_text, describe_tls

__all__ = ["AFTER_FAILURE_BYTES", "WebSocket"]  # AFTER_FAILURE_BYTES: see flow.py

_clock = time.monotonic_ns

# Pause reading from the socket when this many received messages wait for recv() (see inbox.py).
_HIGH_WATER = 256


class WebSocket(asyncio.BufferedProtocol):
    """One live WebSocket connection, client or server side.

    Use :meth:`send`, :meth:`recv` (or ``async for``), :meth:`ping` and :meth:`close`; :meth:`send_frame`
    and :meth:`send_raw` send hand-made bytes as they are. ``session`` holds every byte with its time.
    """

    # fmt: off
    __slots__ = (
        "_drain_waiter", "_ending", "_eof", "_flow", "_handshake_error", "_inbox", "_keepalive",
        "_loop", "_on_event", "_pings", "close_timeout", "connection", "deliver_messages",
        "failure", "last_received_ns", "local_address", "opened", "ping_interval", "ping_timeout",
        "recorder", "remote_address", "session", "transport",
    )
    # fmt: on

    def __init__(
        self,
        connection: Connection,
        session: Session,
        *,
        close_timeout: float | None = 10.0,
        ping_interval: float | None = None,
        ping_timeout: float | None = None,
        recorder: Recorder | None = None,
        max_queue_bytes: int | None = None,
        deliver_messages: bool = True,
    ) -> None:
        self.connection = connection
        self.deliver_messages = deliver_messages  # False: messages are taken from events (the relay)
        self.session = session
        self.recorder = recorder if recorder is not None else Recorder(session)
        session.max_message_size = connection.max_message_size  # its replay judges as this connection did
        # The monotonic timestamps of the recording, tied to the wall clock once, so a view can show
        # clock times (record/ reads no clock itself).
        session.meta.setdefault("clock", {"wall": time.time(), "monotonic_ns": _clock()})
        self.close_timeout = close_timeout
        self.ping_interval = ping_interval
        self.ping_timeout = ping_timeout if ping_timeout is not None else close_timeout
        self.transport: asyncio.Transport | None = None
        self._loop = asyncio.get_running_loop()
        self.opened: asyncio.Future[None] = self._loop.create_future()
        if max_queue_bytes is None:  # a few messages of the largest size allowed
            limit = connection.max_message_size
            max_queue_bytes = 4 * limit if limit is not None else 64 << 20
        self._flow = ReadFlow()
        self._inbox = Inbox(self._loop, self._flow, high_water=_HIGH_WATER, high_bytes=max_queue_bytes)
        self.last_received_ns = _clock()  # when bytes last arrived (idle timeouts)
        self._pings = PingTracker(self._loop)
        self._drain_waiter: asyncio.Future[None] | None = None
        self._keepalive: asyncio.Task[None] | None = None
        self._handshake_error: WSExplorerError | None = None
        self.failure: WSExplorerError | None = None
        self._on_event: Callable[[Event], None] | None = None
        connection.frame_events = False  # the session has every frame; events per frame only on demand
        self.local_address: Any = None
        self.remote_address: Any = None
        self._eof = False
        self._ending = Ending(self._loop, close_timeout)

    # -- public state --------------------------------------------------------------------------------

    @property
    def on_event(self) -> Callable[[Event], None] | None:
        """A callback for every protocol event, frames as they come included (set by widgets)."""
        return self._on_event

    @on_event.setter
    def on_event(self, callback: Callable[[Event], None] | None) -> None:
        self._on_event = callback
        self.connection.frame_events = callback is not None

    @property
    def closed(self) -> asyncio.Future[None]:
        """Done once the TCP connection is closed (see :meth:`wait_closed`)."""
        return self._ending.closed()

    @property
    def state(self) -> State:
        return self.connection.state

    @property
    def subprotocol(self) -> str | None:
        return self.connection.subprotocol

    @property
    def extensions(self) -> tuple[Any, ...]:
        return self.connection.negotiated

    @property
    def request(self) -> Any:
        return self.connection.request

    @property
    def response(self) -> Any:
        return self.connection.response

    @property
    def close_code(self) -> int | None:
        return self.connection.close_code

    @property
    def close_reason(self) -> str:
        return self.connection.close_reason

    # -- asyncio.Protocol -----------------------------------------------------------------------------

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        assert isinstance(transport, asyncio.Transport)
        self.transport = transport
        self._flow.transport = transport
        self.local_address = transport.get_extra_info("sockname")
        self.remote_address = transport.get_extra_info("peername")
        tls = describe_tls(transport.get_extra_info("ssl_object"))
        self.session.meta.setdefault("local_address", address_text(self.local_address))
        self.session.meta.setdefault("remote_address", address_text(self.remote_address))
        self.session.meta["tls"] = tls
        self._flush()

    def get_buffer(self, sizehint: int) -> memoryview:
        return read_buffer()

    def buffer_updated(self, nbytes: int) -> None:
        self.data_received(read_buffer()[:nbytes])

    def data_received(self, data: bytes | memoryview) -> None:
        """Record ``data`` and feed it to the connection (it is not kept: it may be the read buffer)."""
        self.last_received_ns = t = _clock()
        flow = self._flow
        if flow.budget is not None:  # the connection has failed: read only what the budget allows
            if flow.over(len(data)):
                self._stop_reading(data, t)
                return
            flow.spent(len(data))
        self.recorder.received(data, t)
        self.connection.receive_data(data)
        self._dispatch()
        self._flush()

    def _stop_reading(self, data: bytes | memoryview, t: int) -> None:
        """The peer kept sending after the connection failed: keep what the budget allows, then abort."""
        budget = self._flow.budget or 0
        self.recorder.received(data[:budget], t)
        self.connection.receive_data(data[:budget])
        self._dispatch()
        self._flush()
        why = "the peer kept sending after the connection failed: stopped reading"
        self.recorder.stop(f"{why} {AFTER_FAILURE_BYTES:,} bytes later and aborted the connection", t)
        self._flow.budget = 0
        if self.transport is not None:
            self.transport.abort()

    def eof_received(self) -> bool:
        self._eof = True
        self.connection.receive_data(b"")
        self._dispatch()
        self._flush()
        return False  # close our side too: the closing handshake (or its absence) is over

    def connection_lost(self, exc: Exception | None) -> None:
        if self.connection.state is not State.CLOSED:
            self.connection.receive_data(b"")
            self._dispatch()
        if exc is not None and self.failure is None and self._handshake_error is None:
            self.session.meta.setdefault("transport_error", repr(exc))
        self.recorder.close()
        if self._keepalive is not None:
            self._keepalive.cancel()
        self._ending.cancel()
        if not self.opened.done():
            error = self._handshake_error or HandshakeError(
                "the connection closed before the opening handshake completed",
                section="RFC 6455 §4.1",
            )
            self.opened.set_exception(error)
            self.opened.exception()  # mark retrieved: the opener reports it
        self._pings.fail_all(self._closed_error())
        self._inbox.wake()
        if self._drain_waiter is not None and not self._drain_waiter.done():
            self._drain_waiter.set_result(None)
        self._ending.transport_lost()

    def pause_writing(self) -> None:
        """The transport's buffer passed its high-water mark: stop sending, and stop reading too, so a
        peer whose pings (or echoed messages) we answer while it never reads is slowed down by TCP
        instead of growing our write buffer."""
        self._drain_waiter = self._loop.create_future()
        self._flow.pause("writing")

    def resume_writing(self) -> None:
        if self._drain_waiter is not None and not self._drain_waiter.done():
            self._drain_waiter.set_result(None)
        self._drain_waiter = None
        self._flow.resume("writing")

    # -- hooks for code that drives a connection itself (the relay) ------------------------------------

    def pause_reading(self, reason: str) -> None:
        """Stop reading for ``reason`` (any name); reading resumes when no reason of anyone is left."""
        self._flow.pause(reason)

    def resume_reading(self, reason: str) -> None:
        self._flow.resume(reason)

    def feed_recorded(self, data: bytes) -> None:
        """Process bytes that were already recorded elsewhere (decode, dispatch, answer)."""
        self.connection.receive_data(data)
        self._dispatch()
        self._flush()

    def flush(self) -> None:
        """Write what the connection has queued (and close the transport when it is time)."""
        self._flush()

    # -- events from the connection ----------------------------------------------------------------------

    def _dispatch(self) -> None:
        for event in self.connection.events():
            kind = type(event)
            if kind is TextMessage or kind is BinaryMessage:
                if self.deliver_messages:
                    self._inbox.put(event.data, len(event.message.payload))  # type: ignore[attr-defined]
            elif kind is Pong:
                self._pings.pong(event.payload, _clock())  # type: ignore[attr-defined]
            elif kind is HandshakeAccepted:
                self.session.meta["subprotocol"] = self.connection.subprotocol
                self.session.meta["extensions"] = [str(e.agreed) for e in self.connection.negotiated]
                if not self.opened.done():
                    self.opened.set_result(None)
                if self.ping_interval is not None and self._keepalive is None:
                    self._keepalive = self._loop.create_task(
                        keepalive(self, self.ping_interval, self.ping_timeout)
                    )
            elif kind is HandshakeFailed:
                self._handshake_error = event.error  # type: ignore[attr-defined]
                self._flow.failed()
            elif kind is ConnectionFailed:
                self.failure = event.error  # type: ignore[attr-defined]
                self._flow.failed()
            elif kind is ConnectionEnded:
                self._inbox.wake()
            if self._on_event is not None:
                self._on_event(event)

    def _flush(self) -> None:
        transport = self.transport
        if transport is None:
            return
        conn = self.connection
        data = conn.data_to_send()
        if data and not transport.is_closing():
            self.recorder.sent(data, _clock())
            transport.write(data)
        if conn.state is State.OPEN and conn.close_sent is None and conn.failure is None:
            return  # the common case: nothing to close
        if transport.is_closing():
            return
        self._ending.after_write(transport, conn, refused=self._handshake_error is not None)

    # -- sending -----------------------------------------------------------------------------------------

    async def _drain(self) -> None:
        if self._drain_waiter is not None:
            await asyncio.shield(self._drain_waiter)

    def _check_sendable(self) -> None:
        if self.connection.state is State.CLOSED or (
            self.transport is not None and self.transport.is_closing()
        ):
            raise self._closed_error()

    async def send(
        self, message: str | bytes | bytearray | memoryview, *, fragment_size: int | None = None
    ) -> None:
        """Send a text (``str``) or binary message, in frames of ``fragment_size`` bytes if given."""
        conn = self.connection
        transport = self.transport
        if (
            conn.state is not State.OPEN
            or conn.close_sent is not None
            or (transport is not None and transport.is_closing())
        ):
            self._check_sendable()
            if conn.close_sent is not None:
                raise self._closed_error()
            # otherwise the connection itself refuses below, saying why (InvalidState)
        if isinstance(message, str):
            conn.send_text(message, fragment_size=fragment_size)
        else:
            conn.send_binary(message, fragment_size=fragment_size)
        self._flush()
        if self._drain_waiter is not None:  # only when the transport asked us to pause writing
            await asyncio.shield(self._drain_waiter)

    async def send_frame(self, frame: Frame) -> None:
        """Send a hand-made frame exactly as built, valid or not (validation is bypassed)."""
        self._check_sendable()
        self.connection.send_frame(frame)
        self._flush()
        await self._drain()

    async def send_raw(self, data: bytes) -> None:
        """Send arbitrary bytes as they are."""
        self._check_sendable()
        self.connection.send_raw(data)
        self._flush()
        await self._drain()

    async def ping(self, payload: bytes | str | None = None, *, timeout: float | None = None) -> float:
        """Send a ping and wait for its pong; return the round-trip time in seconds."""
        self._check_sendable()
        data = os.urandom(4) if payload is None else payload.encode() if isinstance(payload, str) else payload
        fut = self._pings.sent(data, _clock())
        self.connection.send_ping(data)
        self._flush()
        if timeout is None:
            return await fut
        return await asyncio.wait_for(fut, timeout)

    async def close(self, code: int | None = CloseCode.NORMAL_CLOSURE, reason: str = "") -> None:
        """Start the closing handshake and wait until the connection is closed (bounded by close_timeout).

        If the peer does not answer in time, the TCP connection is closed anyway (the session then
        shows no close frame from the peer: 1006).
        """
        conn = self.connection
        if conn.state is State.OPEN and conn.close_sent is None:
            conn.send_close(code, reason)
            self._flush()
        elif conn.state is State.CONNECTING and self.transport is not None:
            self.transport.close()
        await self._wait_closed_or_abort()

    async def _wait_closed_or_abort(self) -> None:
        if self._ending.lost:
            return
        try:
            await asyncio.wait_for(asyncio.shield(self.closed), self.close_timeout)
        except asyncio.TimeoutError:
            if self.transport is not None:
                self.transport.abort()
            await self.closed

    async def wait_closed(self) -> None:
        """Wait until the TCP connection is closed."""
        await asyncio.shield(self.closed)

    # -- receiving ---------------------------------------------------------------------------------------

    async def recv(self) -> str | bytes:
        """The next message: ``str`` for text, ``bytes`` for binary.

        Raises :class:`~wsexplorer.errors.ConnectionClosedOK` or ``ConnectionClosedError`` once the
        connection is closed and every message received before has been read.
        """
        while True:
            message = self._inbox.take()
            if message is not None:
                return message
            if self.connection.state is State.CLOSED or self._ending.lost:
                raise self._closed_error()
            await self._inbox.wait()

    def __aiter__(self) -> AsyncIterator[str | bytes]:
        return self._iterate()

    async def _iterate(self) -> AsyncIterator[str | bytes]:
        while True:
            try:
                yield await self.recv()
            except ConnectionClosedOK:
                return

    def _closed_error(self) -> ConnectionClosed:
        conn = self.connection
        code = conn.close_code if conn.close_code is not None else CloseCode.ABNORMAL_CLOSURE
        sent = conn.close_sent[0] if conn.close_sent is not None else None
        cause = self.failure or conn.failure
        normal = {CloseCode.NORMAL_CLOSURE, CloseCode.GOING_AWAY, CloseCode.NO_STATUS_RCVD}
        if code in normal and (sent is None or sent in normal) and cause is None:
            return ConnectionClosedOK(code, conn.close_reason, sent_code=sent, fault="peer")
        return ConnectionClosedError(code, conn.close_reason, sent_code=sent, cause=cause)

    def fail(self, error: ProtocolError) -> None:
        """Fail the connection now, for ``error`` (a local decision: a keepalive without pong...)."""
        self.connection.fail(error)
        self._dispatch()
        self._flush()

    def __repr__(self) -> str:
        role = self.connection.role
        return f"<WebSocket {role} {self.connection.state.value} {address_text(self.remote_address)}>"
