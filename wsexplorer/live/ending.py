"""How a live connection's transport ends, once the protocol says the connection is over or failing.

* After our close frame and the peer's (or a close we must not wait for): close the transport.
* After failing the connection (§7.1.7) while the peer has not sent its close frame: half-close (FIN),
  so the peer's close reply still arrives instead of hitting a closed socket (whose reset could destroy
  our close frame before the peer reads it); abort after ``close_timeout``. TLS cannot half-close: close.
* After a refused handshake (client side): give the server a moment (at most a second) to send its
  refusal's body and close, then close; a 101 that failed the client's checks has no body to wait for.
"""

from __future__ import annotations

import asyncio

from ..protocol.connection import Connection
from ..protocol.states import State

__all__ = ["Ending"]


class Ending:
    """The timers and the half-close of one connection's transport."""

    __slots__ = ("_closed", "close_timeout", "half_closed", "loop", "lost", "timer")

    def __init__(self, loop: asyncio.AbstractEventLoop, close_timeout: float | None) -> None:
        self.loop = loop
        self.close_timeout = close_timeout
        self.timer: asyncio.TimerHandle | None = None
        self.half_closed = False
        self.lost = False  # the transport is gone
        self._closed: asyncio.Future[None] | None = None

    def closed(self) -> asyncio.Future[None]:
        """A future done once the transport is gone. Made when first asked for: an idle connection
        that nobody waits on holds no future for it."""
        future = self._closed
        if future is None:
            future = self._closed = self.loop.create_future()
            if self.lost:
                future.set_result(None)
        return future

    def transport_lost(self) -> None:
        self.lost = True
        future = self._closed
        if future is not None and not future.done():
            future.set_result(None)

    def after_write(self, transport: asyncio.Transport, conn: Connection, *, refused: bool) -> None:
        """Called after each write when the connection is no longer plainly open."""
        if refused and conn.role == "client":
            self._collect_refusal_body(transport, conn)
        elif conn.close_expected and conn.failure is not None and conn.close_received is None:
            self._half_close(transport)
        elif conn.close_expected or conn.state is State.CLOSED:
            transport.close()

    def _half_close(self, transport: asyncio.Transport) -> None:
        if self.half_closed:
            return
        self.half_closed = True
        if transport.can_write_eof():
            transport.write_eof()
            self.timer = self.loop.call_later(self.close_timeout or 10.0, transport.abort)
        else:
            transport.close()

    def _collect_refusal_body(self, transport: asyncio.Transport, conn: Connection) -> None:
        response = conn.response
        if response is not None and response.status == 101:
            transport.close()
        elif self.timer is None:
            self.timer = self.loop.call_later(min(1.0, self.close_timeout or 1.0), transport.close)

    def cancel(self) -> None:
        if self.timer is not None:
            self.timer.cancel()
