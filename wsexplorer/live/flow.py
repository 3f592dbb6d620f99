"""When a live connection reads: paused while the application is behind, and barely after a failure.

Reading stops, for as long as any reason holds, when received messages wait unread past their bound
(:mod:`.inbox`) or when the outgoing buffer is past its high-water mark (so a peer whose pings or echoed
messages we answer while it never reads is slowed down by TCP instead of growing our write buffer).
Once the connection has failed, or the opening handshake was refused, only
:data:`AFTER_FAILURE_BYTES` more are read (room for the peer's close frame or a refusal's body); the
connection then aborts the transport, and nothing more is read or recorded.
"""

from __future__ import annotations

import asyncio
import threading

__all__ = ["AFTER_FAILURE_BYTES", "READ_SIZE", "ReadFlow", "read_buffer"]

AFTER_FAILURE_BYTES = 64 << 10
"""Bytes read after the connection failed or the handshake was refused; then the transport is aborted."""


READ_SIZE = 256 << 10
"""The most one read takes from a socket (asyncio's own default for a plain Protocol)."""

_per_thread = threading.local()


def read_buffer() -> memoryview:
    """The buffer the socket reads into, one per thread, shared by every connection on that thread.

    A connection consumes what was read before it returns to the event loop (the bytes are copied
    into the recording and the parser), so one buffer serves them all: no per-read allocation (a
    plain Protocol gets a fresh 256 KiB ``bytes`` from every ``recv``, which glibc maps and unmaps
    each time) and no per-connection buffer held by idle connections.
    """
    view: memoryview | None = getattr(_per_thread, "view", None)
    if view is None:
        view = _per_thread.view = memoryview(bytearray(READ_SIZE))
    return view


_NO_REASONS: frozenset[str] = frozenset()


class ReadFlow:
    """The reasons reading is paused, and the bytes still allowed once the connection has failed."""

    __slots__ = ("budget", "reasons", "transport")

    def __init__(self) -> None:
        self.transport: asyncio.Transport | None = None
        self.reasons = _NO_REASONS  # rarely changed: a frozenset, the empty one shared
        self.budget: int | None = None  # None: the connection has not failed

    def pause(self, reason: str) -> None:
        """Stop reading for ``reason`` ("queue": unread messages; "writing": the outgoing buffer is full)."""
        transport = self.transport
        if not self.reasons and transport is not None and not transport.is_closing():
            transport.pause_reading()
        self.reasons |= {reason}

    def resume(self, reason: str) -> None:
        """``reason`` no longer holds; reading resumes when no reason is left."""
        self.reasons = self.reasons - {reason} or _NO_REASONS  # back to the shared empty set
        transport = self.transport
        if not self.reasons and transport is not None and not transport.is_closing():
            transport.resume_reading()

    def failed(self) -> None:
        """The connection failed (or its handshake was refused): from now on, read only the budget."""
        if self.budget is None:
            self.budget = AFTER_FAILURE_BYTES

    def over(self, size: int) -> bool:
        """True when ``size`` more bytes reach the budget (the caller keeps what fits, then aborts)."""
        return self.budget is not None and size >= self.budget

    def spent(self, size: int) -> None:
        if self.budget is not None:
            self.budget -= size
