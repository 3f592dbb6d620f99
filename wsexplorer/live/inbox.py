"""Messages received and not yet read, with bounds that pause reading from the socket (back-pressure).

When more than ``high_water`` messages, or more than ``high_bytes`` bytes of payload, wait, the
transport stops reading, so a peer that sends faster than the application reads is slowed down by TCP
instead of growing memory; below half of both, reading resumes. A message is counted by its payload
size on the wire after inflation (its UTF-8 bytes for text).
"""

from __future__ import annotations

import asyncio
from collections import deque

from .flow import ReadFlow

__all__ = ["Inbox"]

# Stand for the queues of a connection that got nothing yet (shared, never appended to).
_EMPTY: deque[str | bytes] = deque(maxlen=0)
_NO_SIZES: deque[int] = deque(maxlen=0)


class Inbox:
    """A queue of received messages that one reader awaits; it pauses ``flow`` (for "queue") when full.

    The queues are made with the first message: an idle connection holds none (a deque is ~760 bytes).
    """

    __slots__ = (
        "_loop",
        "_messages",
        "_sizes",
        "_waiter",
        "bytes",
        "flow",
        "high_bytes",
        "high_water",
        "paused",
    )

    def __init__(
        self,
        loop: asyncio.AbstractEventLoop,
        flow: ReadFlow,
        *,
        high_water: int = 256,
        high_bytes: int = 4 << 20,
    ) -> None:
        self._loop = loop
        self._messages = _EMPTY
        self._sizes = _NO_SIZES
        self.bytes = 0
        self._waiter: asyncio.Future[None] | None = None
        self.high_water = high_water
        self.high_bytes = high_bytes
        self.flow = flow
        self.paused = False

    def __len__(self) -> int:
        return len(self._messages)

    def put(self, message: str | bytes, size: int) -> None:
        """Queue ``message`` (``size`` payload bytes) for the reader."""
        if self._messages is _EMPTY:
            self._messages, self._sizes = deque(), deque()
        self._messages.append(message)
        self._sizes.append(size)
        self.bytes += size
        self.wake()
        if not self.paused and (len(self._messages) > self.high_water or self.bytes > self.high_bytes):
            self.paused = True
            self.flow.pause("queue")

    def wake(self) -> None:
        """Let a waiting reader look again (a message came, or the connection closed)."""
        waiter = self._waiter
        if waiter is not None:
            self._waiter = None
            if not waiter.done():
                waiter.set_result(None)

    def wait(self) -> asyncio.Future[None]:
        """A future done at the next :meth:`wake`. A plain method, not a coroutine: an idle reader
        then holds only this future, not a coroutine frame as well."""
        waiter = self._waiter
        if waiter is None or waiter.done():  # done: a reader cancelled while waiting
            waiter = self._waiter = self._loop.create_future()
        return waiter

    def take(self) -> str | bytes | None:
        """The oldest message, or ``None`` when none waits."""
        if not self._messages:
            return None
        message = self._messages.popleft()
        self.bytes -= self._sizes.popleft()
        if self.paused and len(self._messages) < self.high_water // 2 and self.bytes <= self.high_bytes // 2:
            self.paused = False
            self.flow.resume("queue")
        return message
