"""Messages received and not yet read, with bounds that pause reading from the socket (back-pressure).

When more than ``high_water`` messages, or more than ``high_bytes`` bytes of payload, wait, the
transport stops reading, so a peer that sends faster than the application reads is slowed down by TCP
instead of growing memory; below half of both, reading resumes. A message is counted by its payload
size on the wire after inflation (its UTF-8 bytes for text).
"""

from __future__ import annotations

import asyncio
from collections import deque
from collections.abc import Callable

__all__ = ["Inbox"]


class Inbox:
    """A queue of received messages that one reader awaits; ``pause``/``resume`` drive the transport."""

    def __init__(
        self,
        loop: asyncio.AbstractEventLoop,
        *,
        high_water: int = 256,
        high_bytes: int = 4 << 20,
        pause: Callable[[], None],
        resume: Callable[[], None],
    ) -> None:
        self._loop = loop
        self._messages: deque[str | bytes] = deque()
        self._sizes: deque[int] = deque()
        self.bytes = 0
        self._waiter: asyncio.Future[None] | None = None
        self.high_water = high_water
        self.high_bytes = high_bytes
        self._pause, self._resume = pause, resume
        self.paused = False

    def __len__(self) -> int:
        return len(self._messages)

    def put(self, message: str | bytes, size: int) -> None:
        """Queue ``message`` (``size`` payload bytes) for the reader."""
        self._messages.append(message)
        self._sizes.append(size)
        self.bytes += size
        self.wake()
        if not self.paused and (len(self._messages) > self.high_water or self.bytes > self.high_bytes):
            self.paused = True
            self._pause()

    def wake(self) -> None:
        """Let a waiting reader look again (a message came, or the connection closed)."""
        waiter = self._waiter
        if waiter is not None and not waiter.done():
            waiter.set_result(None)

    async def wait(self) -> None:
        """Wait until :meth:`wake` is called."""
        self._waiter = self._loop.create_future()
        try:
            await self._waiter
        finally:
            self._waiter = None

    def take(self) -> str | bytes | None:
        """The oldest message, or ``None`` when none waits."""
        if not self._messages:
            return None
        message = self._messages.popleft()
        self.bytes -= self._sizes.popleft()
        if self.paused and len(self._messages) < self.high_water // 2 and self.bytes <= self.high_bytes // 2:
            self.paused = False
            self._resume()
        return message
