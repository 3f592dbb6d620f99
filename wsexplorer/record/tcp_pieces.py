"""What TCP reassembly produces: stream bytes, gaps, ends and conflicts (RFC 9293).

:class:`~wsexplorer.record.tcp.TCPReassembler` returns these pieces in stream order. Stream offsets count
from the first byte after the SYN (or from the first byte the capture saw, when it missed the SYN); they
are plain integers that never wrap, while sequence numbers wrap at 2**32 (§3.4).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

__all__ = [
    "CONFLICT_BYTES",
    "SEQ_MOD",
    "Conflict",
    "Gap",
    "Piece",
    "StreamData",
    "StreamEnd",
    "differ",
    "seq_delta",
]

SEQ_MOD = 1 << 32
_HALF = 1 << 31
CONFLICT_BYTES = 256
"""Bytes of each copy a :class:`Conflict` keeps, from the first byte where they differ."""


def seq_delta(a: int, b: int) -> int:
    """``a - b`` in sequence space: signed, modulo 2**32 (RFC 9293 §3.4), in ``[-2**31, 2**31)``."""
    d = (a - b) & (SEQ_MOD - 1)
    return d - SEQ_MOD if d >= _HALF else d


@dataclass(frozen=True, slots=True)
class StreamData:
    """Bytes of ``direction``'s stream from ``offset``, readable from packet ``packet`` at ``t_ns``."""

    direction: int
    offset: int
    data: bytes
    t_ns: int
    packet: int

    @property
    def end(self) -> int:
        return self.offset + len(self.data)


@dataclass(frozen=True, slots=True)
class Gap:
    """Stream bytes ``start..end-1`` of ``direction`` that the capture never had; the stream is cut here.

    ``reason``: ``"never filled"`` (the hole was still open at the end), ``"out-of-order limit"`` (too
    many bytes were held behind it) or ``"snapshot length"`` (the packet was cut when captured).
    """

    direction: int
    start: int
    end: int
    t_ns: int
    packet: int
    reason: str

    @property
    def length(self) -> int:
        return self.end - self.start

    def __str__(self) -> str:
        return (
            f"gap of {self.length} bytes at stream offset {self.start} ({self.reason}, packet {self.packet})"
        )


@dataclass(frozen=True, slots=True)
class StreamEnd:
    """The direction ended at stream offset ``offset``: its FIN came in sequence, or a RST aborted it."""

    direction: int
    offset: int
    t_ns: int
    packet: int
    how: Literal["fin", "rst"]


@dataclass(frozen=True, slots=True)
class Conflict:
    """Two copies of the same stream bytes that differ (an overlapping retransmission with new bytes).

    ``first``/``second`` are the stream byte ranges the two segments covered, ``first_packet`` and
    ``second_packet`` the packets (0 when the first copy's packet is no longer known), ``differ`` the
    range from the first to the last byte that differs. The first copy is kept. ``first_bytes`` and
    ``second_bytes`` are up to :data:`CONFLICT_BYTES` bytes of each copy from ``differ[0]``.
    """

    direction: int
    first: tuple[int, int]
    second: tuple[int, int]
    first_packet: int
    second_packet: int
    differ: tuple[int, int]
    first_bytes: bytes
    second_bytes: bytes
    kept: Literal["first"] = "first"

    def __str__(self) -> str:
        a, b = self.differ
        return (
            f"conflicting retransmission: stream bytes {a}..{b - 1} differ between packet "
            f"{self.first_packet or '?'} (bytes {self.first[0]}..{self.first[1] - 1}, kept) and packet "
            f"{self.second_packet} (bytes {self.second[0]}..{self.second[1] - 1}, dropped)"
        )


Piece = StreamData | Gap | StreamEnd


def differ(a: bytes, b: bytes) -> tuple[int, int] | None:
    """(first, one past the last) index where equal-length ``a`` and ``b`` differ, or None."""
    if a == b:
        return None
    first = next(i for i in range(len(a)) if a[i] != b[i])
    last = next(i for i in range(len(a) - 1, -1, -1) if a[i] != b[i])
    return first, last + 1
