"""A recording of one WebSocket connection: every raw byte, with time and direction (sans-I/O).

A :class:`Session` keeps, per direction, one growing byte buffer (the TCP stream as it came, handshake
included) and compact columns: one row per recorded chunk (direction, length, time) and one row per
complete frame (stream offset, its first two bytes). A frame's times (the chunk holding its first byte,
the chunk that completed it) are derived from the chunk rows when first asked for
(:mod:`.chunk_clock`). No Python object is kept per frame: :class:`~wsexplorer.codec.frames.Frame`
objects, messages and events are rebuilt from the bytes on demand, byte-exact.

The session reads no clock: the caller passes monotonic nanosecond timestamps (the live layer uses
:func:`time.monotonic_ns`).
"""

from __future__ import annotations

import threading
from array import array
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from ..codec.frame_header import FIN_BIT, LENGTH7_BITS, MASK_BIT, OPCODE_BITS, RSV1_BIT, header_layout
from ..codec.frames import Frame
from ..codec.handshake import HandshakeRequest, HandshakeResponse
from ..codec.role import Role
from ..errors import ParseError
from ..protocol.connection import DEFAULT_MAX_MESSAGE_SIZE
from ..protocol.events import Event
from .chunk_clock import ChunkClock, catch_up
from .streams import DirectionStream

if TYPE_CHECKING:
    from .decoding import SubprotocolDecoding
    from .replay import Replay, ReplayedFrame
    from .summary import SessionSummary

__all__ = ["C2S", "DIRECTION_NAMES", "S2C", "Direction", "FrameRecord", "Session", "receiver_of", "sender_of"]

Direction = Literal[0, 1]
C2S: Direction = 0  # client to server
S2C: Direction = 1  # server to client
DIRECTION_NAMES = ("client→server", "server→client")


def sender_of(direction: Direction) -> Role:
    """Who sends the frames of ``direction``: the client for client→server."""
    return "client" if direction == C2S else "server"


def receiver_of(direction: Direction) -> Role:
    """Who receives the frames of ``direction``."""
    return "server" if direction == C2S else "client"


@dataclass(frozen=True, slots=True)
class FrameRecord:
    """One recorded frame: where and when it crossed the wire, and the frame itself (built on demand)."""

    index: int
    direction: Direction
    offset: int
    t_first_ns: int
    t_ns: int
    frame: Frame
    session: Session = field(repr=False, compare=False)

    @property
    def direction_name(self) -> str:
        return DIRECTION_NAMES[self.direction]

    @property
    def sender(self) -> Role:
        return sender_of(self.direction)

    def in_context(self) -> ReplayedFrame:
        """This frame as its receiver saw it: who sent it, what was negotiated, which message it is
        part of, and the violations that receiver would find (the one replay path)."""
        return self.session.replay(self.direction).frame(self.index)


class Session:
    """Every byte of one connection, both directions, with monotonic nanosecond timestamps.

    ``role`` is the recording endpoint's role (``"client"`` or ``"server"``). ``handshake=False`` records a
    connection that starts directly with frames. ``meta`` holds free-form facts shown with the session
    (URL, peer address, TLS details, start time...); it must be JSON-serializable to be saved.
    """

    # fmt: off
    __slots__ = (
        "_chunk_dir", "_chunk_len", "_chunk_t", "_clocked", "_clocks", "_decodings", "_receiving",
        "_replays", "_response_status", "_sending", "_streams", "handshake", "lock",
        "max_message_size", "meta", "role",
    )
    # fmt: on

    def __init__(
        self,
        role: Literal["client", "server"] = "client",
        *,
        handshake: bool = True,
        meta: dict[str, Any] | None = None,
        max_message_size: int | None = DEFAULT_MAX_MESSAGE_SIZE,
    ) -> None:
        self.role = role
        # The replay's limit, as a live connection's: a saved deflate bomb fails with 1009 when replayed.
        self.max_message_size = max_message_size
        self.handshake = handshake
        self.meta: dict[str, Any] = dict(meta or {})
        self._streams = (DirectionStream(), DirectionStream())
        self._chunk_dir = array("b")
        self._chunk_len = array("I")
        self._chunk_t = array("q")
        self._clocks: tuple[ChunkClock, ChunkClock] | None = None  # derived from the chunk rows on read
        self._clocked = 0  # chunk rows the clocks have taken in
        self._response_status: int | None = None
        self._sending: Direction = C2S if role == "client" else S2C
        self._receiving: Direction = S2C if role == "client" else C2S
        self._replays: list[Replay | None] | None = None  # made by the first view that asks
        self._decodings: dict[str | None, SubprotocolDecoding] | None = None
        # A live connection records on its event loop while a widget may read from another thread
        # (JupyterLab runs widget callbacks on a kernel subshell): every read and write holds this.
        self.lock = threading.RLock()
        if not handshake:
            for s in self._streams:
                s.frames_from = 0

    # -- recording ---------------------------------------------------------------------------------

    def record(self, direction: Direction, data: bytes | bytearray | memoryview, t_ns: int) -> None:
        """Append a chunk that crossed the wire in ``direction`` at time ``t_ns``."""
        if not data:
            return
        with self.lock:
            try:
                self._chunk_t.append(t_ns)
            except (OverflowError, TypeError):
                raise ValueError(
                    f"t_ns={t_ns!r}: a time in nanoseconds must fit a signed 64-bit integer"
                ) from None
            self._chunk_dir.append(direction)
            self._chunk_len.append(len(data))
            stream = self._streams[direction]
            stream.data += data
            # The frame index is built when something reads it (_indexed), many frames at a time,
            # not here: recording a chunk stays a few appends on the connection's hot path.
            if stream.frames_from is None and stream.head_end is None:
                status = stream.find_head(direction == C2S)
                if status is not None:
                    self._response_status = status

    def sent(self, data: bytes | bytearray | memoryview, t_ns: int) -> None:
        """Record bytes the recording endpoint sent."""
        self.record(self._sending, data, t_ns)

    def received(self, data: bytes | bytearray | memoryview, t_ns: int) -> None:
        """Record bytes the recording endpoint received."""
        self.record(self._receiving, data, t_ns)

    # -- reading -----------------------------------------------------------------------------------

    def stream(self, direction: Direction) -> bytes:
        """Every byte recorded in ``direction``, handshake included."""
        with self.lock:
            return bytes(self._streams[direction].data)

    def stream_slice(self, direction: Direction, start: int, stop: int) -> bytes:
        """Bytes ``start..stop-1`` of ``direction``'s stream, copied (the stream may grow meanwhile)."""
        with self.lock:
            return bytes(self._streams[direction].data[start:stop])

    def _indexed(self, direction: Direction) -> DirectionStream:
        """``direction``'s stream with its frame index brought up to date (call with the lock held)."""
        s = self._streams[direction]
        if s.frames_from is not None and s.scan < len(s.data):
            s.index()
        return s

    def frame_offsets(self, direction: Direction) -> array[int]:
        """The stream offset of every complete frame of ``direction`` (a live column: it grows when
        the session is read again, through :meth:`frames_extent` for instance)."""
        with self.lock:
            return self._indexed(direction).frame_offsets

    def frames_extent(self, direction: Direction) -> tuple[int, int]:
        """(number of complete frames, one past the last byte of the last one) of ``direction``, read
        together, so a reader never pairs a count with the end of a frame it has not counted."""
        with self.lock:
            s = self._indexed(direction)
            return len(s.frame_offsets), s.scan

    def byte_count(self, direction: Direction | None = None) -> int:
        if direction is None:
            return sum(len(s.data) for s in self._streams)
        return len(self._streams[direction].data)

    @property
    def chunk_count(self) -> int:
        return len(self._chunk_t)

    def chunk_columns(self) -> tuple[array[int], array[int], array[int]]:
        """The chunk index as three columns (copies): direction (0/1), length, time in nanoseconds."""
        with self.lock:
            return array("b", self._chunk_dir), array("I", self._chunk_len), array("q", self._chunk_t)

    def chunks(self) -> Iterator[tuple[Direction, int, bytes, int]]:
        """(direction, stream offset, bytes, time) for every recorded chunk, in recording order."""
        offsets = [0, 0]
        for i in range(len(self._chunk_t)):
            with self.lock:
                d: Direction = C2S if self._chunk_dir[i] == 0 else S2C
                off, n = offsets[d], self._chunk_len[i]
                offsets[d] = off + n
                chunk = bytes(self._streams[d].data[off : off + n]), self._chunk_t[i]
            yield d, off, chunk[0], chunk[1]

    @property
    def request(self) -> HandshakeRequest | None:
        """The client's opening handshake, if it was recorded whole."""
        s = self._streams[C2S]
        if not self.handshake or s.head_end is None or s.head_end < 0:
            return None
        try:
            return HandshakeRequest.parse(self.stream_slice(C2S, 0, s.head_end))
        except ParseError:
            return None

    @property
    def response(self) -> HandshakeResponse | None:
        """The server's answer to the handshake (header block only), if it was recorded whole."""
        s = self._streams[S2C]
        if not self.handshake or s.head_end is None or s.head_end < 0:
            return None
        try:
            return HandshakeResponse.parse(self.stream_slice(S2C, 0, s.head_end))
        except ParseError:
            return None

    def after_handshake(self, direction: Direction) -> bytes:
        """What followed the header block in ``direction``: frames, or a refusal's body."""
        s = self._streams[direction]
        start = s.frames_from if s.frames_from is not None else max(s.head_end or 0, 0)
        return self.stream_slice(direction, start, len(s.data))

    def frame_count(self, direction: Direction | None = None) -> int:
        if direction is None:
            return self.frame_count(C2S) + self.frame_count(S2C)
        with self.lock:
            return len(self._indexed(direction).frame_offsets)

    def frame(self, direction: Direction, index: int) -> FrameRecord:
        """Frame ``index`` of ``direction``, rebuilt from the recorded bytes."""
        with self.lock:
            s = self._indexed(direction)
            off = s.frame_offsets[index]
            layout = header_layout(s.data, off)
            assert layout is not None  # indexed frames are complete
            end = off + layout[0] + layout[2]
            frame = Frame.parse(s.data[off:end])
            clock = self._clock(direction)
            times = clock.time_of_byte(off), clock.time_of_end(end)
        frame.offset = off
        return FrameRecord(index, direction, off, times[0], times[1], frame, self)

    def frames(
        self, direction: Direction | None = None, start: int = 0, stop: int | None = None
    ) -> Iterator[FrameRecord]:
        """Frames of one direction (by index range), or of both merged in time order."""
        if direction is not None:
            n = self.frame_count(direction)
            for i in range(start, n if stop is None else min(stop, n)):
                yield self.frame(direction, i)
            return
        order = self.frame_order()
        for d, i in order[start:stop]:
            yield self.frame(d, i)

    def frame_order(self) -> list[tuple[Direction, int]]:
        """(direction, index) of every frame in the order they completed (ties: client first)."""
        import numpy as np

        done = [self.frame_columns(d)["t_ns"] for d in (C2S, S2C)]
        t = np.concatenate(done)
        which = np.concatenate([np.zeros(len(done[0]), np.int8), np.ones(len(done[1]), np.int8)])
        index = np.concatenate([np.arange(len(done[0])), np.arange(len(done[1]))])
        order = np.lexsort((index, which, t))  # by time, then client first, then frame order
        pairs = zip(which[order].tolist(), index[order].tolist(), strict=True)
        return [(C2S if d == 0 else S2C, i) for d, i in pairs]

    def frame_columns(self, direction: Direction) -> dict[str, Any]:
        """The frame index of one direction as numpy columns: offset, times, opcode, flags, lengths.

        Built from the recorded bytes with vectorized reads, for tables and plots of big sessions.
        """
        import numpy as np

        with self.lock:  # copies, so the recording can go on growing the columns
            s = self._indexed(direction)
            offsets = np.array(s.frame_offsets, dtype=np.int64)
            heads = np.array(s.header_bytes, dtype=np.uint16)
            scan = s.scan
            ends = np.append(offsets[1:], scan) if len(offsets) else offsets
            t_first, t_done = self._clock(direction).columns(offsets, ends)
        b0, b1 = heads >> 8, heads & 0xFF
        len7 = (b1 & LENGTH7_BITS).astype(np.int64)
        header = 2 + np.where(len7 == 126, 2, np.where(len7 == 127, 8, 0)) + np.where(b1 & MASK_BIT, 4, 0)
        wire = ends - offsets
        return {
            "offset": offsets,
            "t_first_ns": t_first,
            "t_ns": t_done,
            "opcode": (b0 & OPCODE_BITS).astype(np.int64),
            "fin": (b0 & FIN_BIT) != 0,
            "rsv1": (b0 & RSV1_BIT) != 0,
            "masked": (b1 & MASK_BIT) != 0,
            "wire_length": wire,
            "payload_length": wire - header,
        }

    def _clock(self, direction: Direction) -> ChunkClock:
        """``direction``'s chunk clock, brought up to date (call with the lock held)."""
        clocks = self._clocks
        if clocks is None:
            clocks = self._clocks = (ChunkClock(), ChunkClock())
        if self._clocked < len(self._chunk_t):
            columns = self._chunk_dir, self._chunk_len, self._chunk_t
            self._clocked = catch_up(clocks, self._clocked, *columns)
        return clocks[direction]

    # -- in context: the one replay path (record/replay.py) ------------------------------------------------

    def frames_start(self, direction: Direction) -> int | None:
        """Where frames start in ``direction``'s stream (after the header block), or None if they don't."""
        return self._streams[direction].frames_from

    def replay(self, direction: Direction) -> Replay:
        """The frames of ``direction`` as the recorded receiver took them: context, messages, failures.

        One :class:`~wsexplorer.record.replay.Replay` per direction, kept and extended as the session
        grows, so every view of this session (tables, inspectors, summaries) shares one decoding.
        """
        from .replay import Replay

        replays = self._replays
        if replays is None:
            replays = self._replays = [None, None]
        if replays[direction] is None:
            replays[direction] = Replay.of_session(self, direction, max_message_size=self.max_message_size)
        replay = replays[direction]
        assert replay is not None
        return replay

    def events(self, direction: Direction) -> list[Event]:
        """Every event the recorded receiver of ``direction``'s frames saw, replayed afresh."""
        return self.replay(direction).events()

    def decoding(self, choice: str | None = None) -> SubprotocolDecoding:
        """The messages decoded by the subprotocol the handshake agreed, or by ``choice`` (a decoder name,
        for servers that negotiate none: ``"socket.io"``, ``"json"``...). One per choice, kept."""
        from .decoding import SubprotocolDecoding

        decodings = self._decodings
        if decodings is None:
            decodings = self._decodings = {}
        found = decodings.get(choice)
        if found is None:
            found = decodings[choice] = SubprotocolDecoding(self, choice=choice)
        return found

    def summary(self, decoder: str | None = None) -> SessionSummary:
        """Counts, byte totals, compression, ping round trips and how the connection closed;
        ``decoder``: a subprotocol decoder to read the messages with (default: the negotiated one)."""
        from .summary import SessionSummary

        return SessionSummary.of(self, decoder)

    # -- saving and loading (record/storage.py) ----------------------------------------------------------

    def save(self, path: str | Path, *, redact: bool = True) -> None:
        """Write the session to ``path`` in the documented format (docs/session-format.md).

        With ``redact`` (the default) the values of credential headers (Authorization, Cookie, ...)
        are replaced in the file, and ``meta["redacted"]`` says where.
        """
        from .storage import save_session

        save_session(self, path, redact=redact)

    @classmethod
    def load(
        cls,
        path: str | Path,
        *,
        max_bytes: int | None = 256 << 20,
        max_message_size: int | None = DEFAULT_MAX_MESSAGE_SIZE,
    ) -> Session:
        """Read a session written by :meth:`save` or by a journal; the frame index is rebuilt from the
        bytes. A file that would need more than ``max_bytes`` (storage.DEFAULT_MAX_BYTES) is refused
        with :class:`~wsexplorer.errors.SessionFormatError` before it is read; its messages are
        replayed with ``max_message_size`` as their limit (a bigger one fails with 1009 in the replay,
        as on a live connection)."""
        from .storage import load_session

        session = load_session(path, max_bytes=max_bytes)
        session.max_message_size = max_message_size
        return session

    def to_dataframe(self, decoder: str | None = None) -> Any:
        """One row per frame (both directions, in time order), with opcode names and times since the
        first byte and on the clock, and a ``subprotocol`` column when a decoder applies (``decoder``:
        the negotiated one by default); needs pandas (``pip install pandas``)."""
        from .export import frames_dataframe

        return frames_dataframe(self, decoder)

    def memory_bytes(self) -> int:
        """Bytes held by the session's buffers and columns (excluding the Python objects themselves)."""
        total = 0
        with self.lock:
            streams = [self._indexed(d) for d in (C2S, S2C)]
        for s in streams:
            total += len(s.data)
            columns = (s.frame_offsets, s.header_bytes)
            total += sum(a.buffer_info()[1] * a.itemsize for a in columns)
        total += sum(c.nbytes() for c in self._clocks or ())
        for a in (self._chunk_dir, self._chunk_len, self._chunk_t):
            total += a.buffer_info()[1] * a.itemsize
        return total

    def __repr__(self) -> str:
        return (
            f"<Session {self.role} {self.frame_count(C2S)}+{self.frame_count(S2C)} frames, "
            f"{self.byte_count()} bytes in {self.chunk_count} chunks>"
        )
