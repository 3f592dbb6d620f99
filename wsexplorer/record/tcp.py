"""TCP stream reassembly from captured segments, sans-I/O (RFC 9293).

A capture holds TCP segments as they crossed one point of the network: out of order, retransmitted,
overlapping, some lost before the capture point and some cut by the snapshot length. A
:class:`TCPReassembler` turns one connection's segments (fed in capture order, each with its sequence
number, flags, payload and time) into each direction's byte stream, in stream order, as pieces:

* :class:`StreamData` — bytes at a stream offset, with the time and packet that made them readable;
* :class:`Gap` — a hole that never filled: the stream is *cut* there, never glued over;
* :class:`StreamEnd` — the FIN (in sequence) or a RST ended the direction.

Policies, each a decision of ours since RFC 9293 leaves them to the implementation:

* **Retransmissions** with the same bytes are counted and dropped.
* **Overlaps with different bytes**: the first copy seen is kept (it is what a receiver in front of the
  capture point had most likely delivered already) and a :class:`Conflict` names both byte ranges.
* **Out-of-order bytes** are held until the hole before them fills (§3.10.7.4 allows a receiver to
  keep segments beyond the next expected one). At most ``max_out_of_order`` bytes are held per
  direction (:data:`DEFAULT_MAX_OUT_OF_ORDER`); past that, the oldest hole becomes a :class:`Gap`.
* **Snapshot length**: bytes a packet announced but the capture did not keep become a gap as soon as
  the stream reaches them (no capture keeps what its snapshot length cut).
* **Sequence numbers** are compared modulo 2**32 (§3.4), so streams pass the wrap at 2**32; stream
  offsets are plain integers that never wrap.

Memory: per direction, the held out-of-order segments (bounded as above) and the last
``history`` bytes delivered (to tell a retransmission from a conflict); no per-byte Python objects.
"""

from __future__ import annotations

from array import array
from bisect import bisect_left, bisect_right, insort
from typing import Literal

from .tcp_pieces import (
    CONFLICT_BYTES,
    SEQ_MOD,
    Conflict,
    Gap,
    Piece,
    StreamData,
    StreamEnd,
    differ,
    seq_delta,
)

__all__ = [
    "DEFAULT_HISTORY",
    "DEFAULT_MAX_HELD_SEGMENTS",
    "DEFAULT_MAX_OUT_OF_ORDER",
    "SECTION",
    "Conflict",
    "Gap",
    "HalfStream",
    "Piece",
    "StreamData",
    "StreamEnd",
    "TCPReassembler",
    "seq_delta",
]

DEFAULT_MAX_OUT_OF_ORDER = 8 << 20
"""Out-of-order bytes held per direction before the oldest hole is declared a gap (8 MiB)."""
DEFAULT_MAX_HELD_SEGMENTS = 16384
"""Out-of-order segments (and snapshot-length holes) held per direction before the oldest hole is
declared a gap: bounds the number of Python objects when segments are tiny."""
DEFAULT_HISTORY = 256 << 10
"""Bytes of delivered data kept per direction to compare retransmissions with (256 KiB; trimmed in
bulk, so up to twice that is held)."""
SECTION = "RFC 9293 §3.10.7.4"
"""Where RFC 9293 says what a receiver does with segments that are not next in sequence."""


class HalfStream:
    """One direction of one connection: segments in, stream-ordered pieces out."""

    def __init__(self, direction: int, *, max_out_of_order: int, max_segments: int, history: int) -> None:
        self.direction = direction
        self.max_out_of_order = max_out_of_order
        self.max_segments = max_segments
        self.history_limit = history
        self.base: int | None = None  # sequence number of stream offset 0
        self.syn_seen = False
        self.next = 0  # stream offset of the next byte to deliver
        self._starts: list[int] = []  # held segments, sorted and never overlapping
        self._held: dict[int, tuple[bytes, int]] = {}  # start -> (data, packet)
        self.held_bytes = 0
        self._missing: list[tuple[int, int, int]] = []  # (start, end, packet): cut by the snapshot length
        self._history = bytearray()
        self._history_start = 0  # stream offset of _history[0]
        self._seg_starts = array("q")  # delivered segment starts within the history, and their packets
        self._seg_packets = array("q")
        self.fin_at: int | None = None
        self.ended: Literal["fin", "rst"] | None = None
        self.conflicts: list[Conflict] = []
        self.conflict_count = 0
        self.segments = 0
        self.retransmitted_segments = 0
        self.retransmitted_bytes = 0
        self.unverified_bytes = 0  # retransmitted bytes older than the history: not compared
        self.after_end_bytes = 0  # bytes past the FIN, or after a RST

    # -- input ------------------------------------------------------------------------------------------

    def segment(
        self, seq: int, payload: bytes, t_ns: int, packet: int, *, syn: bool, fin: bool, missing: int
    ) -> list[Piece]:
        """Take one segment; ``missing`` counts payload bytes the capture cut (snapshot length)."""
        self.segments += 1
        if syn:
            if self.base is None or not self.syn_seen:
                if self.base is None or self.next == 0:
                    self.base = (seq + 1) & (SEQ_MOD - 1)
                self.syn_seen = True
            seq = (seq + 1) & (SEQ_MOD - 1)
        if self.base is None:
            self.base = seq  # a connection whose SYN the capture did not see
        if self.ended is not None:
            self.after_end_bytes += len(payload) + missing
            return []
        start = self.next + seq_delta(seq, (self.base + self.next) & (SEQ_MOD - 1))
        quiet = not (fin or missing or self._starts or self._missing) and self.fin_at is None
        if quiet and start == self.next and payload:  # the common case: the next bytes, nothing held
            self._remember(start, payload, packet)
            self.next += len(payload)
            return [StreamData(self.direction, start, payload, t_ns, packet)]
        if missing:
            stop = start + len(payload) + missing
            insort(self._missing, (start + len(payload), stop, packet))
        if fin and self.fin_at is None:
            self.fin_at = start + len(payload) + missing
        if payload:
            self._insert(start, payload, packet)
        return self._deliver(t_ns, packet)

    def reset(self, t_ns: int, packet: int) -> list[Piece]:
        """A RST: whatever is held is delivered after gaps for its holes, then the direction ends."""
        if self.ended is not None:
            return []
        pieces = self.flush(t_ns, packet, "never filled")
        self.ended = "rst"
        pieces.append(StreamEnd(self.direction, self.next, t_ns, packet, "rst"))
        return pieces

    def flush(self, t_ns: int, packet: int, reason: str) -> list[Piece]:
        """Every hole becomes a gap and every held byte is delivered (at the end of the capture).

        A hole before a FIN whose place is known becomes a gap too, so the direction ends.
        """
        pieces = self._deliver(t_ns, packet)
        while self.ended is None:
            targets = [x for x in self._targets() if x > self.next]
            if self.fin_at is not None and self.fin_at > self.next:
                targets.append(self.fin_at)
            if not targets:
                break
            pieces += self._gap_to(min(targets), t_ns, packet, reason)
            pieces += self._deliver(t_ns, packet)
        return pieces

    def _targets(self) -> list[int]:
        """Where the next held segment and the next snapshot-length hole start."""
        found = []
        if self._starts:
            found.append(self._starts[0])
        if self._missing:
            found.append(self._missing[0][0])
        return found

    # -- holding -----------------------------------------------------------------------------------------

    def _insert(self, start: int, data: bytes, packet: int) -> None:
        end = start + len(data)
        whole = (start, end)
        overlap = 0
        if start < self.next:  # partly or wholly delivered already
            overlap = min(end, self.next) - start
            self._compare_delivered(start, data[:overlap], packet, whole)
            data = data[overlap:]
            start += overlap
        if self.fin_at is not None and end > self.fin_at:
            self.after_end_bytes += end - max(start, self.fin_at)
            data = data[: max(0, self.fin_at - start)]
            end = start + len(data)
        # Cut the new segment around the held ones: the first copy wins.
        starts, held = self._starts, self._held
        i = max(0, bisect_right(starts, start) - 1)
        pos = start
        new: list[tuple[int, bytes]] = []
        while pos < end:
            if i < len(starts) and starts[i] + len(held[starts[i]][0]) <= pos:
                i += 1
                continue
            if i >= len(starts) or starts[i] >= end:
                new.append((pos, data[pos - start :]))
                break
            s = starts[i]
            kept, kept_packet = held[s]
            if s > pos:
                new.append((pos, data[pos - start : s - start]))
                pos = s
            stop = min(s + len(kept), end)
            overlap += stop - pos
            self._compare(
                kept[pos - s : stop - s],
                data[pos - start : stop - start],
                pos,
                (s, s + len(kept)),
                kept_packet,
                whole,
                packet,
            )
            pos = stop
            i += 1
        if overlap:
            self.retransmitted_segments += 1
            self.retransmitted_bytes += overlap
        for s, piece in new:
            insort(starts, s)
            held[s] = (piece, packet)
            self.held_bytes += len(piece)

    def _compare_delivered(self, start: int, data: bytes, packet: int, whole: tuple[int, int]) -> None:
        """Compare bytes sent again with what was delivered, as far as the history reaches back."""
        lo = max(start, self._history_start)
        self.unverified_bytes += min(lo, start + len(data)) - start
        if lo >= start + len(data):
            return
        first = bytes(self._history[lo - self._history_start : start + len(data) - self._history_start])
        k = bisect_right(self._seg_starts, lo) - 1
        first_packet = self._seg_packets[k] if k >= 0 else 0
        self._compare(first, data[lo - start :], lo, (lo, lo + len(first)), first_packet, whole, packet)

    def _compare(
        self,
        first: bytes,
        second: bytes,
        at: int,
        first_range: tuple[int, int],
        first_packet: int,
        second_range: tuple[int, int],
        second_packet: int,
    ) -> None:
        span = differ(first, second)
        if span is None:
            return
        self.conflict_count += 1
        if len(self.conflicts) >= 256:  # the count goes on; the details of the first 256 are kept
            return
        a, b = span
        self.conflicts.append(
            Conflict(
                self.direction,
                first_range,
                second_range,
                first_packet,
                second_packet,
                (at + a, at + b),
                first[a : a + CONFLICT_BYTES],
                second[a : a + CONFLICT_BYTES],
            )
        )

    # -- delivering ---------------------------------------------------------------------------------------

    def _deliver(self, t_ns: int, packet: int) -> list[Piece]:
        pieces: list[Piece] = []
        missing = self._missing
        while True:
            ready = self._take_ready(t_ns, packet)
            if ready is not None:
                pieces.append(ready)
            while missing and missing[0][1] <= self.next:
                missing.pop(0)
            if missing and missing[0][0] <= self.next:
                stop = missing[0][1]
                if self._starts and self._starts[0] < stop:
                    stop = self._starts[0]
                pieces += self._gap_to(stop, t_ns, missing[0][2], "snapshot length")
                continue
            over = (
                self.held_bytes > self.max_out_of_order
                or len(self._starts) + len(missing) > self.max_segments
            )
            if over and (self._starts or missing):
                pieces += self._gap_to(min(self._targets()), t_ns, packet, "out-of-order limit")
                continue
            break
        if self.fin_at is not None and self.next >= self.fin_at and self.ended is None:
            self.ended = "fin"
            pieces.append(StreamEnd(self.direction, self.next, t_ns, packet, "fin"))
        return pieces

    def _take_ready(self, t_ns: int, packet: int) -> StreamData | None:
        starts, held = self._starts, self._held
        parts: list[bytes] = []
        offset = self.next
        while starts and starts[0] <= self.next:
            s = starts.pop(0)
            data, seg_packet = held.pop(s)
            self.held_bytes -= len(data)
            if s + len(data) <= self.next:  # covered by what a gap skipped: cannot happen, but be safe
                continue
            data = data[self.next - s :]
            self._remember(self.next, data, seg_packet)
            self.next += len(data)
            parts.append(data)
        if not parts:
            return None
        return StreamData(self.direction, offset, b"".join(parts), t_ns, packet)

    def _gap_to(self, stop: int, t_ns: int, packet: int, reason: str) -> list[Piece]:
        if stop <= self.next:
            return []
        gap = Gap(self.direction, self.next, stop, t_ns, packet, reason)
        self.next = stop
        self._history.clear()
        self._history_start = stop
        del self._seg_starts[:]
        del self._seg_packets[:]
        return [gap]

    def _remember(self, start: int, data: bytes, packet: int) -> None:
        if self.history_limit <= 0:
            self._history_start = start + len(data)
            return
        self._history += data
        self._seg_starts.append(start)
        self._seg_packets.append(packet)
        excess = len(self._history) - self.history_limit
        if excess > self.history_limit:  # trim in bulk: amortised O(1) per byte
            del self._history[:excess]
            self._history_start += excess
            k = bisect_left(self._seg_starts, self._history_start) - 1
            if k > 0:
                del self._seg_starts[:k]
                del self._seg_packets[:k]


class TCPReassembler:
    """Both directions of one TCP connection (one 4-tuple, one pair of initial sequence numbers).

    Direction 0 is the side given as ``first`` by the caller (the sender of the SYN when the capture
    has it), direction 1 the other side. Feed segments in capture order with :meth:`segment`; call
    :meth:`finish` at the end of the capture. Both return the pieces now in stream order.
    """

    def __init__(
        self,
        *,
        max_out_of_order: int = DEFAULT_MAX_OUT_OF_ORDER,
        max_segments: int = DEFAULT_MAX_HELD_SEGMENTS,
        history: int = DEFAULT_HISTORY,
    ) -> None:
        if max_out_of_order < 0 or max_segments < 1 or history < 0:
            raise ValueError("max_out_of_order and history must be >= 0, max_segments >= 1")
        limits = {"max_out_of_order": max_out_of_order, "max_segments": max_segments, "history": history}
        self.halves = (HalfStream(0, **limits), HalfStream(1, **limits))

    def segment(
        self,
        direction: int,
        seq: int,
        payload: bytes,
        t_ns: int,
        *,
        packet: int = 0,
        syn: bool = False,
        fin: bool = False,
        rst: bool = False,
        missing: int = 0,
    ) -> list[Piece]:
        """One segment sent in ``direction``; a RST ends both directions (RFC 9293 §3.5.2)."""
        if direction not in (0, 1):
            raise ValueError(f"direction must be 0 or 1, not {direction!r}")
        if not 0 <= seq < SEQ_MOD or missing < 0:
            raise ValueError("seq must be a 32-bit sequence number and missing >= 0")
        pieces = self.halves[direction].segment(seq, payload, t_ns, packet, syn=syn, fin=fin, missing=missing)
        if rst:
            pieces += self.halves[direction].reset(t_ns, packet)
            pieces += self.halves[1 - direction].reset(t_ns, packet)
        return pieces

    def finish(self, t_ns: int = 0, packet: int = 0) -> list[Piece]:
        """The end of the capture: holes still open become gaps, held bytes are delivered."""
        return self.halves[0].flush(t_ns, packet, "never filled") + self.halves[1].flush(
            t_ns, packet, "never filled"
        )

    @property
    def held_bytes(self) -> int:
        """Out-of-order bytes held now, both directions."""
        return self.halves[0].held_bytes + self.halves[1].held_bytes

    @property
    def ended(self) -> bool:
        """Both directions ended (FIN in sequence or RST)."""
        return self.halves[0].ended is not None and self.halves[1].ended is not None

    @property
    def conflicts(self) -> list[Conflict]:
        return self.halves[0].conflicts + self.halves[1].conflicts
