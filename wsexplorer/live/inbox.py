"""Messages received and not yet read, with a bound that pauses reading from the socket (back-pressure).

When more than ``high_water`` messages wait, the transport stops reading, so a peer that sends faster
than the application reads is slowed down by TCP instead of growing memory; below ``high_water // 2``
reading resumes.
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
        pause: Callable[[], None],
        resume: Callable[[], None],
    ) -> None:
        self._loop = loop
        self._messages: deque[str | bytes] = deque()
        self._waiter: asyncio.Future[None] | None = None
        self.high_water = high_water
        self._pause, self._resume = pause, resume
        self.paused = False

    def __len__(self) -> int:
        return len(self._messages)

    def put(self, message: str | bytes) -> None:
        self._messages.append(message)
        self.wake()
        if not self.paused and len(self._messages) > self.high_water:
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
        if self.paused and len(self._messages) < self.high_water // 2:
            self.paused = False
            self._resume()
        return message
