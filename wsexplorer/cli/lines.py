"""Lines typed on stdin, read without blocking the event loop (for ``wsexplorer connect``).

A terminal or a pipe is watched with ``loop.add_reader``, so no thread sits blocked on ``read`` when
the connection ends; a regular file (``< file``), which cannot be watched, is read as it is, a bounded
number of bytes at a time. Lines are bounded too: a line longer than :data:`MAX_LINE` is refused, not
buffered. End of input is ``None``.
"""

from __future__ import annotations

import asyncio
import os

__all__ = ["MAX_LINE", "StdinLines"]

MAX_LINE = 1 << 20
"""The longest line accepted (1 MiB; a message longer than that is better sent from a file)."""

_READ = 1 << 16


class StdinLines:
    """Lines from file descriptor ``fd``, as an asyncio queue: ``str`` per line, a ``ValueError`` for a
    line too long (dropped), ``None`` at end of input."""

    def __init__(self, fd: int = 0) -> None:
        self.fd = fd
        self.queue: asyncio.Queue[str | ValueError | None] = asyncio.Queue()
        self._pending = bytearray()
        self._loop = asyncio.get_running_loop()
        self._watching = False
        self._ended = False
        try:
            self._loop.add_reader(fd, self._readable)
            self._watching = True
        except (PermissionError, OSError, ValueError):  # a regular file: epoll cannot watch it
            self._loop.call_soon(self._read_file)

    def _readable(self) -> None:
        try:
            chunk = os.read(self.fd, _READ)
        except BlockingIOError:
            return
        except OSError:
            chunk = b""
        self._take(chunk)

    def _read_file(self) -> None:
        if self._ended:
            return
        self._take(os.read(self.fd, _READ))
        if not self._ended:
            self._loop.call_soon(self._read_file)

    def _take(self, chunk: bytes) -> None:
        if not chunk:
            if self._pending:
                self._put(bytes(self._pending))
                self._pending.clear()
            self._end()
            return
        self._pending += chunk
        while (cut := self._pending.find(b"\n")) >= 0:
            self._put(bytes(self._pending[:cut]))
            del self._pending[: cut + 1]
        if len(self._pending) > MAX_LINE:
            self._pending.clear()
            self.queue.put_nowait(ValueError(f"a line of more than {MAX_LINE:,} bytes was dropped"))

    def _put(self, line: bytes) -> None:
        self.queue.put_nowait(line.rstrip(b"\r").decode("utf-8", "replace"))

    def _end(self) -> None:
        if not self._ended:
            self._ended = True
            self.close()
            self.queue.put_nowait(None)

    def close(self) -> None:
        """Stop watching stdin (idempotent)."""
        if self._watching:
            self._loop.remove_reader(self.fd)
            self._watching = False
