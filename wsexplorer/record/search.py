"""Search in what messages say: text (inflated when compressed) and binary payloads as hex.

The replay path (:mod:`.replay`) adds each complete message here as it completes; a search then scans
a compact store instead of re-inflating the session. The store is kept in lower case (searches ignore
case) in blocks of about :data:`BLOCK_CHARS` characters, so adding a message never copies what is
already stored, and a search can stop when its caller says so and resume (a widget shows the first
results at once and the rest as they come; the record layer reads no clock, the caller does).

Bounds, documented because a search for a word past them will not find it: each message keeps at most
:data:`SEARCH_BYTES` bytes of its payload, and the store at most :data:`STORE_BYTES` bytes of memory;
past that, each further message keeps its first :data:`HEAD_FALLBACK` bytes only.
"""

from __future__ import annotations

import re
import sys
from array import array
from bisect import bisect_right
from collections.abc import Callable
from dataclasses import dataclass, field

__all__ = ["BLOCK_CHARS", "HEAD_FALLBACK", "SEARCH_BYTES", "STORE_BYTES", "SearchIndex", "SearchResult"]

SEARCH_BYTES = 4096
"""Bytes of each message kept for search."""
STORE_BYTES = 64 << 20
"""Memory the store may use (64 MiB); past it, each further message keeps HEAD_FALLBACK bytes."""
HEAD_FALLBACK = 256
BLOCK_CHARS = 256 << 10
"""Characters per block of the store (a block is sealed, and never copied again, when it is full)."""

# Between two messages: NUL never occurs in the stored text, and the line breaks around it make ``^``
# and ``$`` (multi-line mode) match at each message's start and end, as well as at its own lines.
_SEPARATOR = "\n\x00\n"


@dataclass
class _Block:
    """Messages ``first ..`` joined by separators; ``starts`` are their offsets in ``text``."""

    first: int
    text: str = ""
    starts: array[int] = field(default_factory=lambda: array("q"))
    lowered: bool = True  # False when lower-casing would change the length (then regex is used)


@dataclass(frozen=True)
class SearchResult:
    """The messages found (numbers, ascending) and whether every stored message was searched."""

    found: list[int]
    complete: bool
    searched: int  # messages searched (the next search resumes from here)


class SearchIndex:
    """Searchable text of every message so far, in message order (binary payloads as spaced hex)."""

    def __init__(self) -> None:
        self._blocks: list[_Block] = []
        self._open: list[str] = []
        self._open_first = 0
        self._open_chars = 0
        self._open_memory = 0
        self._count = 0
        self._memory = 0

    def __len__(self) -> int:
        return self._count

    @property
    def memory_bytes(self) -> int:
        """Memory the stored text uses, in bytes (bounded by :data:`STORE_BYTES`, plus one block)."""
        return self._memory + self._open_memory

    def add(self, payload: bytes, *, text: bool) -> None:
        """Add the next message: its text (UTF-8, a broken tail dropped) or, for binary, its hex."""
        room = SEARCH_BYTES if self.memory_bytes < STORE_BYTES else HEAD_FALLBACK
        head = payload[:room]
        shown = head.decode("utf-8", "ignore") if text else head.hex(" ")
        part = shown.replace("\x00", " ")
        self._open.append(part)
        self._open_chars += len(part) + len(_SEPARATOR)
        self._open_memory += sys.getsizeof(part)
        self._count += 1
        if self._open_chars >= BLOCK_CHARS:
            self._blocks.append(self._seal())
            self._memory += sys.getsizeof(self._blocks[-1].text)

    def _seal(self) -> _Block:
        """The open messages as a new block; the next message opens the next block."""
        block = _build(self._open, self._open_first)
        self._open = []
        self._open_first = self._count
        self._open_chars = 0
        self._open_memory = 0
        return block

    def _tail(self) -> _Block | None:
        """The open messages as a block, left open (so a search sees every message)."""
        return _build(self._open, self._open_first) if self._open else None

    def search(
        self,
        pattern: str,
        *,
        regex: bool = False,
        start: int = 0,
        stop: Callable[[], bool] | None = None,
    ) -> SearchResult:
        """The messages (from number ``start`` on) whose text matches ``pattern``, ignoring case.

        ``pattern`` is a plain substring unless ``regex``; in a regular expression ``^`` and ``$``
        match at the start and end of each line of a message, as ``grep`` does. ``stop()`` is asked
        after each block (about BLOCK_CHARS characters): when it says True the search stops there
        and says where, so the next call can resume from ``searched``.
        Raises ValueError (with the reason) for a regular expression that does not compile.
        """
        if not pattern:
            return SearchResult(list(range(start, self._count)), True, self._count)
        try:
            compiled = re.compile(pattern if regex else re.escape(pattern), re.MULTILINE | re.IGNORECASE)
        except re.error as exc:
            raise ValueError(f"not a regular expression: {exc}") from None
        lower = pattern.lower()
        stable = lower == lower.upper().lower()  # lower-casing alone decides a case-blind match
        needle = lower if not regex and stable else None
        found: list[int] = []
        tail = self._tail()
        blocks = self._blocks + ([tail] if tail is not None else [])
        searched = start
        for block in blocks:
            if block.first + len(block.starts) <= start:
                continue
            skip = max(0, start - block.first)
            _scan(block, compiled, needle if block.lowered else None, skip, found)
            searched = block.first + len(block.starts)
            if stop is not None and searched < self._count and stop():
                return SearchResult(found, False, searched)
        return SearchResult(found, True, self._count)


def _build(parts: list[str], first: int) -> _Block:
    """Messages ``parts`` (numbers ``first ..``) as one block of the store, in lower case if it can."""
    block = _Block(first)
    offset = len(_SEPARATOR)
    for part in parts:
        block.starts.append(offset)
        offset += len(part) + len(_SEPARATOR)
    joined = _SEPARATOR + _SEPARATOR.join(parts) + _SEPARATOR
    lowered = joined.lower()
    block.lowered = len(lowered) == len(joined)
    block.text = lowered if block.lowered else joined
    return block


def _scan(block: _Block, compiled: re.Pattern[str], needle: str | None, skip: int, found: list[int]) -> None:
    """Add to ``found`` the numbers of the block's messages (from its ``skip``-th) that match."""
    text, starts = block.text, block.starts
    n = len(starts)
    k = skip
    while k < n:
        at = starts[k]
        if needle is not None:
            hit = text.find(needle, at)
            if hit < 0:
                return
        else:
            match = compiled.search(text, at)
            if match is None:
                return
            hit = match.start()
        k = bisect_right(starts, hit) - 1  # the message the match starts in
        if k < 0:  # in the separator before the first message (a pattern matching a line break)
            k = 0
        found.append(block.first + k)
        k += 1
