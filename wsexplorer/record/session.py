"""A recording of one WebSocket connection: every raw byte, with time and direction (sans-I/O).

A :class:`Session` keeps, per direction, one growing byte buffer (the TCP stream as it came, handshake
included) and compact columns: one row per recorded chunk (direction, stream offset, length, time) and
one row per complete frame (stream offset, time of its first byte, time of the chunk that completed
it). No Python object is kept per frame: :class:`~wsexplorer.codec.frames.Frame` objects, messages and
events are rebuilt from the bytes on demand, byte-exact.

The session reads no clock: the caller passes monotonic nanosecond timestamps (the live layer uses
:func:`time.monotonic_ns`).
"""

from __future__ import annotations

import json
import zipfile
from array import array
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from ..codec.deflate import PerMessageDeflateState
from ..codec.extensions import NegotiatedExtension
from ..codec.frames import Frame, Opcode, header_layout
from ..codec.handshake import HandshakeRequest, HandshakeResponse, find_header_end
from ..errors import ParseError, WSExplorerError
from ..protocol.connection import Connection
from ..protocol.events import Event

__all__ = [
    "C2S",
    "FORMAT_VERSION",
    "S2C",
    "Direction",
    "FrameRecord",
    "Session",
    "SessionLoader",
    "SessionSummary",
]

Direction = Literal[0, 1]
C2S: Direction = 0  # client to server
S2C: Direction = 1  # server to client
DIRECTION_NAMES = ("client→server", "server→client")

FORMAT_NAME = "wsexplorer-session"
FORMAT_VERSION = 1


@dataclass(frozen=True, slots=True)
class FrameRecord:
    """One recorded frame: where and when it crossed the wire, and the frame itself (built on demand)."""

    index: int
    direction: Direction
    offset: int
    t_first_ns: int
    t_ns: int
    frame: Frame

    @property
    def direction_name(self) -> str:
        return DIRECTION_NAMES[self.direction]


class _Stream:
    """One direction: the bytes, where frames start, and the frame index columns."""

    __slots__ = (
        "data",
        "frame_offsets",
        "frames_from",
        "head_end",
        "scan",
        "t_done",
        "t_first",
        "t_pending",
    )

    def __init__(self) -> None:
        self.data = bytearray()
        self.head_end: int | None = None  # end of the HTTP header block, once seen
        self.frames_from: int | None = None  # stream offset where frames start (None: not, or not yet)
        self.scan = 0  # offset of the next frame to index
        self.t_pending = -1  # time of the chunk holding the first byte of the frame at `scan`
        self.frame_offsets = array("Q")
        self.t_first = array("q")
        self.t_done = array("q")


class Session:
    """Every byte of one connection, both directions, with monotonic nanosecond timestamps.

    ``role`` is the recording endpoint's role (``"client"`` or ``"server"``). ``handshake=False`` records a
    connection that starts directly with frames. ``meta`` holds free-form facts shown with the session
    (URL, peer address, TLS details, start time...); it must be JSON-serializable to be saved.
    """

    def __init__(
        self,
        role: Literal["client", "server"] = "client",
        *,
        handshake: bool = True,
        meta: dict[str, Any] | None = None,
    ) -> None:
        self.role = role
        self.handshake = handshake
        self.meta: dict[str, Any] = dict(meta or {})
        self._streams = (_Stream(), _Stream())
        self._chunk_dir = array("b")
        self._chunk_len = array("I")
        self._chunk_t = array("q")
        self._response_status: int | None = None
        self._sending: Direction = C2S if role == "client" else S2C
        self._receiving: Direction = S2C if role == "client" else C2S
        if not handshake:
            for s in self._streams:
                s.frames_from = 0

    # -- recording ---------------------------------------------------------------------------------

    def record(self, direction: Direction, data: bytes | bytearray | memoryview, t_ns: int) -> None:
        """Append a chunk that crossed the wire in ``direction`` at time ``t_ns``."""
        if not data:
            return
        stream = self._streams[direction]
        self._chunk_dir.append(direction)
        self._chunk_len.append(len(data))
        self._chunk_t.append(t_ns)
        stream.data += data
        if stream.frames_from is not None:
            self._index(stream, t_ns)
        elif stream.head_end is None:
            self._find_head(direction, stream)
            if stream.frames_from is not None:
                self._index(stream, t_ns)

    def sent(self, data: bytes | bytearray | memoryview, t_ns: int) -> None:
        """Record bytes the recording endpoint sent."""
        self.record(self._sending, data, t_ns)

    def received(self, data: bytes | bytearray | memoryview, t_ns: int) -> None:
        """Record bytes the recording endpoint received."""
        self.record(self._receiving, data, t_ns)

    def _find_head(self, direction: Direction, stream: _Stream) -> None:
        try:
            end = find_header_end(stream.data)
        except WSExplorerError:
            stream.head_end = -1  # never a valid header block: nothing after it is frames
            return
        if end is None:
            return
        stream.head_end = end
        if direction == C2S:
            stream.frames_from = stream.scan = end
            return
        try:
            status = HandshakeResponse.parse(bytes(stream.data[:end])).status
        except ParseError:
            status = None
        self._response_status = status
        if status == 101:
            stream.frames_from = stream.scan = end

    def _index(self, stream: _Stream, t_ns: int) -> None:
        data = stream.data
        pos = stream.scan
        end = len(data)
        first_time = stream.t_pending if stream.t_pending >= 0 else t_ns
        while end - pos >= 2:
            b1 = data[pos + 1]
            if b1 & 0x7F < 126:  # the common case: a 7-bit length
                stop = pos + (6 if b1 & 0x80 else 2) + (b1 & 0x7F)
            else:
                layout = header_layout(data, pos)
                if layout is None:
                    break
                stop = pos + layout[0] + layout[2]
            if stop > end:
                break
            stream.frame_offsets.append(pos)
            stream.t_first.append(first_time)
            stream.t_done.append(t_ns)
            first_time = t_ns
            pos = stop
        stream.scan = pos
        stream.t_pending = first_time if pos < end else -1

    # -- reading -----------------------------------------------------------------------------------

    def stream(self, direction: Direction) -> bytes:
        """Every byte recorded in ``direction``, handshake included."""
        return bytes(self._streams[direction].data)

    def byte_count(self, direction: Direction | None = None) -> int:
        if direction is None:
            return sum(len(s.data) for s in self._streams)
        return len(self._streams[direction].data)

    @property
    def chunk_count(self) -> int:
        return len(self._chunk_t)

    def chunks(self) -> Iterator[tuple[Direction, int, bytes, int]]:
        """(direction, stream offset, bytes, time) for every recorded chunk, in recording order."""
        offsets = [0, 0]
        for i in range(len(self._chunk_t)):
            d: Direction = C2S if self._chunk_dir[i] == 0 else S2C
            off, n = offsets[d], self._chunk_len[i]
            offsets[d] = off + n
            yield d, off, bytes(self._streams[d].data[off : off + n]), self._chunk_t[i]

    @property
    def request(self) -> HandshakeRequest | None:
        """The client's opening handshake, if it was recorded whole."""
        s = self._streams[C2S]
        if not self.handshake or s.head_end is None or s.head_end < 0:
            return None
        try:
            return HandshakeRequest.parse(bytes(s.data[: s.head_end]))
        except ParseError:
            return None

    @property
    def response(self) -> HandshakeResponse | None:
        """The server's answer to the handshake (header block only), if it was recorded whole."""
        s = self._streams[S2C]
        if not self.handshake or s.head_end is None or s.head_end < 0:
            return None
        try:
            return HandshakeResponse.parse(bytes(s.data[: s.head_end]))
        except ParseError:
            return None

    def after_handshake(self, direction: Direction) -> bytes:
        """What followed the header block in ``direction``: frames, or a refusal's body."""
        s = self._streams[direction]
        start = s.frames_from if s.frames_from is not None else max(s.head_end or 0, 0)
        return bytes(s.data[start:])

    def frame_count(self, direction: Direction | None = None) -> int:
        if direction is None:
            return sum(len(s.frame_offsets) for s in self._streams)
        return len(self._streams[direction].frame_offsets)

    def frame(self, direction: Direction, index: int) -> FrameRecord:
        """Frame ``index`` of ``direction``, rebuilt from the recorded bytes."""
        s = self._streams[direction]
        off = s.frame_offsets[index]
        layout = header_layout(s.data, off)
        assert layout is not None
        frame = Frame.parse(s.data[off : off + layout[0] + layout[2]])
        frame.offset = off
        return FrameRecord(index, direction, off, s.t_first[index], s.t_done[index], frame)

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
        a, b = self._streams
        keyed = [(t, 0, i) for i, t in enumerate(a.t_done)] + [(t, 1, i) for i, t in enumerate(b.t_done)]
        keyed.sort()
        return [(C2S if d == 0 else S2C, i) for _, d, i in keyed]

    def frame_columns(self, direction: Direction) -> dict[str, Any]:
        """The frame index of one direction as numpy columns: offset, times, opcode, flags, lengths.

        Built from the recorded bytes with vectorized reads, for tables and plots of big sessions.
        """
        import numpy as np

        s = self._streams[direction]
        offsets = np.frombuffer(s.frame_offsets, dtype=np.uint64).astype(np.int64)
        data = np.frombuffer(bytes(s.data), dtype=np.uint8) if s.data else np.zeros(0, np.uint8)
        b0 = data[offsets] if len(offsets) else np.zeros(0, np.uint8)
        b1 = data[offsets + 1] if len(offsets) else np.zeros(0, np.uint8)
        ends = np.append(offsets[1:], len(s.data)) if len(offsets) else offsets
        if len(offsets) and s.scan < len(s.data):
            ends[-1] = s.scan
        len7 = (b1 & 0x7F).astype(np.int64)
        header = 2 + np.where(len7 == 126, 2, np.where(len7 == 127, 8, 0)) + np.where(b1 & 0x80, 4, 0)
        wire = ends - offsets
        return {
            "offset": offsets,
            "t_first_ns": np.frombuffer(s.t_first, dtype=np.int64),
            "t_ns": np.frombuffer(s.t_done, dtype=np.int64),
            "opcode": (b0 & 0x0F).astype(np.int64),
            "fin": (b0 & 0x80) != 0,
            "rsv1": (b0 & 0x40) != 0,
            "masked": (b1 & 0x80) != 0,
            "wire_length": wire,
            "payload_length": wire - header,
        }

    # -- reconstruction ----------------------------------------------------------------------------------

    def negotiated(
        self, receiver: Literal["client", "server"] = "server"
    ) -> tuple[str | None, list[NegotiatedExtension]]:
        """The subprotocol and extensions the recorded handshake agreed on (extension states as
        ``receiver`` runs them)."""
        response = self.response
        if response is None or response.status != 101:
            return None, []
        exts: list[NegotiatedExtension] = []
        for element in response.extensions:
            if element.name.lower() == "permessage-deflate":
                exts.append(PerMessageDeflateState.from_agreed(element, receiver))
        return response.subprotocol, exts

    def replay_connection(self, direction: Direction) -> Connection:
        """A fresh connection set up to receive ``direction``'s frames as the recorded receiver did.

        It has the subprotocol and extensions the recorded handshake agreed on, no size limit, answers
        nothing (no pongs, no close replies), and counts offsets from the first byte of the TCP stream.
        Feed it ``stream(direction)[frames_start(direction):]`` to get the receiver's events.
        """
        receiver: Literal["client", "server"] = "server" if direction == C2S else "client"
        subprotocol, negotiated = self.negotiated(receiver)
        conn = Connection(
            receiver,
            opened=True,
            negotiated=negotiated,
            subprotocol=subprotocol,
            max_message_size=None,
            auto_pong=False,
            auto_close_reply=False,
        )
        conn._stream_base = self.frames_start(direction) or 0
        return conn

    def frames_start(self, direction: Direction) -> int | None:
        """Where frames start in ``direction``'s stream (after the header block), or None if they don't."""
        return self._streams[direction].frames_from

    def events(self, direction: Direction) -> list[Event]:
        """Replay the frames of ``direction`` through a fresh receiving connection: the events it saw."""
        start = self.frames_start(direction)
        if start is None:
            return []
        conn = self.replay_connection(direction)
        conn.receive_data(bytes(self._streams[direction].data[start:]))
        return conn.events()

    # -- summaries ----------------------------------------------------------------------------------------

    def summary(self) -> SessionSummary:
        """Counts, byte totals, compression, ping round trips and how the connection closed."""
        return SessionSummary.of(self)

    # -- saving -------------------------------------------------------------------------------------------

    def save(self, path: str | Path) -> None:
        """Write the session to ``path`` in the documented format (docs/session-format.md)."""
        header = {
            "format": FORMAT_NAME,
            "version": FORMAT_VERSION,
            "role": self.role,
            "handshake": self.handshake,
            "meta": self.meta,
            "chunks": self.chunk_count,
            "byteorder": "little",
        }
        import sys

        def col(a: array[int]) -> bytes:
            if sys.byteorder != "little":
                a = array(a.typecode, a)
                a.byteswap()
            return a.tobytes()

        with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=1) as z:
            z.writestr("session.json", json.dumps(header, indent=2, sort_keys=True))
            z.writestr("c2s.bin", bytes(self._streams[C2S].data))
            z.writestr("s2c.bin", bytes(self._streams[S2C].data))
            z.writestr("chunk_direction.i1", col(self._chunk_dir))
            z.writestr("chunk_length.u4", col(self._chunk_len))
            z.writestr("chunk_time_ns.i8", col(self._chunk_t))

    @classmethod
    def load(cls, path: str | Path) -> Session:
        """Read a session written by :meth:`save`; the frame index is rebuilt from the bytes."""
        loader = SessionLoader(path)
        loader.step(loader.total)
        return loader.session

    def to_dataframe(self) -> Any:
        """One row per frame (both directions, in time order); needs pandas (``pip install pandas``)."""
        try:
            import pandas as pd
        except ImportError as exc:  # pragma: no cover - depends on the environment
            raise ImportError(
                "Session.to_dataframe() needs pandas: pip install 'wsexplorer[pandas]'"
            ) from exc
        import numpy as np

        parts = []
        for d in (C2S, S2C):
            cols = self.frame_columns(d)
            frame = pd.DataFrame(cols)
            frame.insert(0, "direction", DIRECTION_NAMES[d])
            frame.insert(1, "index", np.arange(len(frame)))
            parts.append(frame)
        df = pd.concat(parts, ignore_index=True)
        return df.sort_values(["t_ns", "direction"], kind="stable").reset_index(drop=True)

    def memory_bytes(self) -> int:
        """Bytes held by the session's buffers and columns (excluding the Python objects themselves)."""
        total = 0
        for s in self._streams:
            total += len(s.data)
            total += sum(a.buffer_info()[1] * a.itemsize for a in (s.frame_offsets, s.t_first, s.t_done))
        for a in (self._chunk_dir, self._chunk_len, self._chunk_t):
            total += a.buffer_info()[1] * a.itemsize
        return total

    def __repr__(self) -> str:
        return (
            f"<Session {self.role} {self.frame_count(C2S)}+{self.frame_count(S2C)} frames, "
            f"{self.byte_count()} bytes in {self.chunk_count} chunks>"
        )


@dataclass(frozen=True)
class SessionSummary:
    """What a session amounts to: counts, bytes, compression, round trips, and the close."""

    frames_by_opcode: dict[str, dict[str, int]]
    wire_bytes: dict[str, int]
    payload_bytes: dict[str, int]
    messages: dict[str, int]
    compression_ratios: dict[str, list[float]]
    ping_rtts_ns: list[int]
    close_codes: dict[str, int | None]
    closed_first_by: str | None

    @classmethod
    def of(cls, session: Session) -> SessionSummary:
        by_op: dict[str, dict[str, int]] = {}
        wire: dict[str, int] = {}
        payload: dict[str, int] = {}
        messages: dict[str, int] = {}
        ratios: dict[str, list[float]] = {}
        close_codes: dict[str, int | None] = {}
        close_times: dict[str, int] = {}
        pings: dict[str, list[tuple[int, bytes]]] = {}
        pongs: dict[str, list[tuple[int, bytes]]] = {}
        for d in (C2S, S2C):
            name = DIRECTION_NAMES[d]
            cols = session.frame_columns(d)
            counts: dict[str, int] = {}
            for op in set(int(x) for x in cols["opcode"]):
                label = Opcode(op).name.lower() if op in Opcode._value2member_map_ else f"0x{op:x}"
                counts[label] = int((cols["opcode"] == op).sum())
            by_op[name] = counts
            wire[name] = int(cols["wire_length"].sum())
            payload[name] = int(cols["payload_length"].sum())
            ctrl = [i for i, op in enumerate(cols["opcode"]) if op in (0x8, 0x9, 0xA)]
            pings[name] = []
            pongs[name] = []
            for i in ctrl:
                rec = session.frame(d, i)
                op = rec.frame.opcode
                if op == Opcode.CLOSE and name not in close_codes:
                    close_codes[name] = rec.frame.close_code if rec.frame.payload_length >= 2 else 1005
                    close_times[name] = rec.t_ns
                elif op == Opcode.PING:
                    pings[name].append((rec.t_ns, rec.frame.payload))
                elif op == Opcode.PONG:
                    pongs[name].append((rec.t_ns, rec.frame.payload))
            msgs = [e for e in session.events(d) if type(e).__name__ in ("TextMessage", "BinaryMessage")]
            messages[name] = len(msgs)
            ratios[name] = [
                m.message.ratio  # type: ignore[attr-defined]
                for m in msgs
                if m.message.compressed and m.message.ratio is not None  # type: ignore[attr-defined]
            ]
        rtts: list[int] = []
        for ping_dir, pong_dir in (
            (DIRECTION_NAMES[0], DIRECTION_NAMES[1]),
            (DIRECTION_NAMES[1], DIRECTION_NAMES[0]),
        ):
            waiting = list(pongs[pong_dir])
            for t, data in pings[ping_dir]:
                for j, (tp, pdata) in enumerate(waiting):
                    if pdata == data and tp >= t:
                        rtts.append(tp - t)
                        del waiting[j]
                        break
        first = min(close_times, key=lambda k: close_times[k]) if close_times else None
        closed_first_by = None if first is None else ("client" if first == DIRECTION_NAMES[0] else "server")
        for name in DIRECTION_NAMES:
            close_codes.setdefault(name, None)
        return cls(by_op, wire, payload, messages, ratios, rtts, close_codes, closed_first_by)

    def text(self) -> str:
        """The summary as a few readable lines."""
        lines = []
        for name in DIRECTION_NAMES:
            counts = ", ".join(f"{n} {op}" for op, n in sorted(self.frames_by_opcode.get(name, {}).items()))
            lines.append(
                f"{name}: {counts or 'no frames'}; {self.messages.get(name, 0)} messages; "
                f"{self.wire_bytes.get(name, 0):,} frame bytes, {self.payload_bytes.get(name, 0):,} payload"
            )
            ratios = self.compression_ratios.get(name) or []
            if ratios:
                mean = sum(ratios) / len(ratios)
                lines.append(f"  compressed messages: {len(ratios)}, mean wire/payload ratio {mean:.2f}")
        if self.ping_rtts_ns:
            rtts = sorted(self.ping_rtts_ns)
            lines.append(f"ping round trips: {len(rtts)}, median {rtts[len(rtts) // 2] / 1e3:.0f} µs")
        codes = ", ".join(f"{k}: {v}" for k, v in self.close_codes.items())
        lines.append(f"close codes: {codes}; closed first by: {self.closed_first_by or 'nobody'}")
        return "\n".join(lines)

    def __str__(self) -> str:
        return self.text()

    def _repr_html_(self) -> str:
        import html

        rows = "".join(f"<li>{html.escape(line)}</li>" for line in self.text().splitlines())
        return f"<div class='wsx-session-summary'><b>Session summary</b><ul>{rows}</ul></div>"


class SessionLoader:
    """Reads a session file (docs/session-format.md) and replays its chunks into a :class:`Session`
    a slice at a time, so a big file can load while a notebook stays responsive and shows progress.
    """

    def __init__(self, path: str | Path) -> None:
        import sys

        with zipfile.ZipFile(path) as z:
            header = json.loads(z.read("session.json"))
            if header.get("format") != FORMAT_NAME:
                raise ValueError(f"{path}: not a wsexplorer session file")
            if header.get("version") != FORMAT_VERSION:
                raise ValueError(f"{path}: session format version {header.get('version')} not supported")
            self._streams = (z.read("c2s.bin"), z.read("s2c.bin"))

            def column(name: str, code: str) -> array[int]:
                a = array(code)
                a.frombytes(z.read(name))
                if sys.byteorder != "little":
                    a.byteswap()
                return a

            self._directions = column("chunk_direction.i1", "b")
            self._lengths = column("chunk_length.u4", "I")
            self._times = column("chunk_time_ns.i8", "q")
        self.header: dict[str, Any] = header
        self.session = Session(header["role"], handshake=header["handshake"], meta=header["meta"])
        self.done = 0
        self._pos = [0, 0]

    @property
    def total(self) -> int:
        """The number of chunks in the file."""
        return len(self._times)

    def step(self, count: int) -> int:
        """Replay up to ``count`` more chunks; return how many are done in all."""
        streams, session, pos = self._streams, self.session, self._pos
        stop = min(self.done + count, self.total)
        for k in range(self.done, stop):
            d: Direction = C2S if self._directions[k] == 0 else S2C
            n = self._lengths[k]
            session.record(d, streams[d][pos[d] : pos[d] + n], self._times[k])
            pos[d] += n
        self.done = stop
        return stop
