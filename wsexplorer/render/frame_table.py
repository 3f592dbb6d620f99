"""A table of the frames of a :class:`~wsexplorer.record.session.Session`, built for big sessions.

:class:`FrameIndex` merges the two directions' :meth:`~wsexplorer.record.session.Session.frame_columns`
into numpy columns in time order (ties: client first, like :meth:`Session.frame_order`), and filters
them with vectorized masks. Python objects (:class:`Row`, and the :class:`~wsexplorer.codec.frames.Frame`
behind each preview) are built only for the rows asked for: a page of 50 rows out of 100,000 frames costs
50 frame parses, not 100,000.

* :func:`frame_rows` — the rows of one window of a (filtered) session.
* :func:`rows_html` — those rows as an escaped, self-styled HTML table (``wsx-frame-table``).
* :func:`row_text` / :data:`HEADER_TEXT` — the same columns as fixed-width text, for monospace views.
"""

from __future__ import annotations

import html
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from ..codec.frames import Frame, Opcode
from ..protocol.events import BinaryMessage, ConnectionFailed, TextMessage
from ..record.session import C2S, S2C, Direction, Session

__all__ = [
    "DIRECTION_ARROWS",
    "HEADER_TEXT",
    "OPCODE_GROUPS",
    "FrameIndex",
    "Row",
    "frame_rows",
    "opcode_name",
    "preview",
    "row_text",
    "rows_html",
]

#: Short direction labels for tables (client→server, server→client).
DIRECTION_ARROWS = ("C→S", "S→C")

#: Opcodes by the group a filter shows them under (RFC 6455 §5.2, §11.8: the rest are reserved).
OPCODE_GROUPS: dict[str, tuple[int, ...]] = {
    "text": (0x1,),
    "binary": (0x2,),
    "continuation": (0x0,),
    "close": (0x8,),
    "ping": (0x9,),
    "pong": (0xA,),
    "reserved": (0x3, 0x4, 0x5, 0x6, 0x7, 0xB, 0xC, 0xD, 0xE, 0xF),
}

_PREVIEW_BYTES = 48
_DATA_OPCODES = (Opcode.CONTINUATION, Opcode.TEXT, Opcode.BINARY)


def opcode_name(opcode: int) -> str:
    """``TEXT``, ``PING``... for defined opcodes, ``0x3`` for reserved ones (RFC 6455 §5.2)."""
    if opcode in Opcode._value2member_map_:
        return Opcode(opcode).name
    return f"0x{opcode:X}"


@dataclass(frozen=True, slots=True)
class Row:
    """One table row: where the frame is (direction, index), when, its header bits and a preview.

    ``position`` is the row's place in the filtered, time-ordered list; ``time_s`` counts from the
    session's first recorded byte.
    """

    position: int
    direction: Direction
    index: int
    t_ns: int
    time_s: float
    opcode: int
    fin: bool
    rsv1: bool
    rsv2: bool
    rsv3: bool
    masked: bool
    payload_length: int
    wire_length: int
    preview: str

    @property
    def opcode_name(self) -> str:
        return opcode_name(self.opcode)

    @property
    def direction_arrow(self) -> str:
        return DIRECTION_ARROWS[self.direction]

    @property
    def flags(self) -> str:
        """FIN, RSV1-3 and MASK as five characters, ``·`` for a clear bit: ``F1··M``."""
        bits = (("F", self.fin), ("1", self.rsv1), ("2", self.rsv2), ("3", self.rsv3), ("M", self.masked))
        return "".join(c if on else "·" for c, on in bits)

    @property
    def key(self) -> tuple[Direction, int]:
        """(direction, index): what :meth:`Session.frame` takes."""
        return (self.direction, self.index)


def preview(frame: Frame, limit: int = 40) -> str:
    """A short, printable look at a frame's payload: text, close code and reason, or hex bytes."""
    op = frame.opcode
    n = frame.payload_length
    if frame.missing:
        return f"(truncated: {frame.missing} payload bytes missing)"
    if n == 0:
        return "(empty)" if op != Opcode.CLOSE else "(no status code)"
    head = frame.payload[:_PREVIEW_BYTES]
    if frame.rsv1:
        return f"deflated: {_hex(head, limit)}"
    if op == Opcode.CLOSE:
        if n < 2:
            return f"(malformed) {_hex(head, limit)}"
        return _clip(f"{frame.close_code} {frame.close_reason!r}", limit)
    if op in (Opcode.TEXT, Opcode.CONTINUATION, Opcode.PING, Opcode.PONG):
        text = _utf8_prefix(head, complete=n <= _PREVIEW_BYTES)
        if text is not None and (op == Opcode.TEXT or text.isprintable()):
            more = n > _PREVIEW_BYTES
            return _clip(repr(text) + ("…" if more else ""), limit)
    return _hex(head, limit)


def _utf8_prefix(data: bytes, *, complete: bool) -> str | None:
    """``data`` decoded as UTF-8, allowing a character cut at the end when ``data`` is a prefix."""
    for cut in (0,) if complete else (0, 1, 2, 3):
        try:
            return data[: len(data) - cut].decode("utf-8")
        except UnicodeDecodeError:
            continue
    return None


def _hex(data: bytes, limit: int) -> str:
    return _clip(data.hex(" "), limit)


def _clip(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


class _MessageDecoder:
    """The messages of one direction of a session that negotiated permessage-deflate, learnt by
    replaying its frames through a receiving :class:`~wsexplorer.protocol.connection.Connection`
    as far as a table needs, so compressed frames can show their inflated text (RFC 7692 §7.2.2).

    Incremental: a session only grows, so each call feeds only the frames not fed yet. The
    connection keeps the deflate context (context takeover) from one call to the next.
    """

    def __init__(self, session: Session, direction: Direction, offsets: Any) -> None:
        self.session = session
        self.direction = direction
        self.offsets = offsets  # the direction's frame offsets (grows with the session)
        self.connection = session.replay_connection(direction)  # its offsets count from the stream start
        self.fed = 0  # frames fed so far
        self.wanted = 0  # frames a table asked for (fed by step() when they were too many at once)
        self.previews: dict[int, str] = {}  # frame index -> what its message says
        self.failure: str | None = None
        self._data = b""  # the direction's bytes, re-read when frames beyond them are needed

    @property
    def behind(self) -> bool:
        return self.failure is None and self.fed < self.wanted

    def preview(self, index: int, frame_end: int, limit: int | None = None) -> str | None:
        """What the message holding frame ``index`` says, once known (None: not known yet, or never).

        With ``limit``, at most that many frames are fed now; further ones wait for :meth:`step`.
        """
        if index >= self.fed and self.failure is None:
            if limit is not None and index + 1 - self.fed > limit:
                self.wanted = max(self.wanted, index + 1)
                return None
            self._feed(index + 1, frame_end)
        # A fragment's message completes with a later frame: feed on until it does.
        while index not in self.previews and self.failure is None and self.fed < len(self.offsets):
            if limit is not None and self.fed - index >= limit:
                self.wanted = max(self.wanted, self.fed + 16)
                return None
            self._feed(min(self.fed + 16, len(self.offsets)), frame_end)
        return self.previews.get(index)

    def step(self, count: int, frame_end: int) -> None:
        """Feed up to ``count`` more of the frames asked for."""
        if self.behind:
            self._feed(min(self.fed + count, self.wanted), frame_end)

    def _feed(self, stop: int, frame_end: int) -> None:
        offsets = self.offsets
        first = self.fed
        start_offset = int(offsets[first])
        end_offset = int(offsets[stop]) if stop < len(offsets) else frame_end
        if end_offset > len(self._data):
            self._data = self.session.stream(self.direction)
        self.fed = stop
        self.connection.receive_data(self._data[start_offset:end_offset])
        fresh = dict(zip(offsets[first:stop].tolist(), range(first, stop), strict=True))
        for event in self.connection.events():
            if isinstance(event, (TextMessage, BinaryMessage)):
                message = event.message
                if message.is_text:
                    text = message.text
                    shown = repr(text[:_PREVIEW_BYTES]) + ("…" if len(text) > _PREVIEW_BYTES else "")
                else:
                    shown = message.payload[:_PREVIEW_BYTES].hex(" ")
                count = len(message.offsets)
                for k, offset in enumerate(message.offsets):
                    i = fresh.get(offset)
                    if i is None:  # a fragment fed by an earlier call
                        i = int(np.searchsorted(offsets, offset))
                    part = f" [{k + 1}/{count}]" if count > 1 else ""
                    self.previews[i] = f"inflated{part} {shown}"
            elif isinstance(event, ConnectionFailed):
                self.failure = str(event.error)


class FrameIndex:
    """Both directions' frame columns merged in time order, refreshed when the session grows.

    Columns (numpy arrays, one entry per frame): ``direction`` (0/1), ``index`` (within its
    direction), ``t_ns``, ``opcode``, ``fin``, ``rsv1``, ``masked``, ``payload_length``,
    ``wire_length``. ``t0_ns`` is the time of the session's first recorded byte; ``version`` grows by
    one each time :meth:`update` re-reads the columns.
    """

    def __init__(self, session: Session) -> None:
        self.session = session
        self.version = 0
        self._counts = (-1, -1)
        self.t0_ns = 0
        self.direction: Any = np.zeros(0, np.int8)
        self.index: Any = np.zeros(0, np.int64)
        self.t_ns: Any = np.zeros(0, np.int64)
        self.opcode: Any = np.zeros(0, np.int64)
        self.fin: Any = np.zeros(0, bool)
        self.rsv1: Any = np.zeros(0, bool)
        self.masked: Any = np.zeros(0, bool)
        self.payload_length: Any = np.zeros(0, np.int64)
        self.wire_length: Any = np.zeros(0, np.int64)
        self._offsets: list[Any] = [np.zeros(0, np.int64), np.zeros(0, np.int64)]
        self._ends: list[int] = [0, 0]
        self._decoders: dict[int, _MessageDecoder] = {}
        self._deflate: bool | None = None  # did the handshake agree on permessage-deflate?
        self.update()

    def __len__(self) -> int:
        return len(self.t_ns)

    def update(self) -> bool:
        """Re-read the session's columns if frames were added since; True when something changed."""
        s = self.session
        counts = (s.frame_count(C2S), s.frame_count(S2C))
        if counts == self._counts:
            return False
        self._counts = counts
        self.version += 1
        cols = [s.frame_columns(d) for d in (C2S, S2C)]
        for d in (C2S, S2C):
            offsets = cols[d]["offset"]
            self._offsets[d] = offsets
            self._ends[d] = int(offsets[-1] + cols[d]["wire_length"][-1]) if len(offsets) else 0
            if d in self._decoders:
                self._decoders[d].offsets = offsets
        direction = np.concatenate(
            [np.zeros(counts[0], np.int8), np.ones(counts[1], np.int8)],
        )
        index = np.concatenate([np.arange(counts[0]), np.arange(counts[1])])
        t_ns = np.concatenate([cols[0]["t_ns"], cols[1]["t_ns"]])
        # Stable: equal (time, direction) keep their index order; time first, then client before server.
        order = np.lexsort((direction, t_ns))
        self.direction = direction[order]
        self.index = index[order]
        self.t_ns = t_ns[order]
        for name in ("opcode", "fin", "rsv1", "masked", "payload_length", "wire_length"):
            setattr(self, name, np.concatenate([cols[0][name], cols[1][name]])[order])
        first = next(iter(s.chunks()), None)
        self.t0_ns = first[3] if first is not None else int(self.t_ns[0]) if len(self.t_ns) else 0
        return True

    def select(self, directions: Iterable[int] | None = None, opcodes: Iterable[int] | None = None) -> Any:
        """Positions (into the merged columns) of the frames that pass both filters; None: no filter."""
        keep = np.ones(len(self), bool)
        if directions is not None:
            keep &= np.isin(self.direction, np.fromiter(directions, np.int64))
        if opcodes is not None:
            keep &= np.isin(self.opcode, np.fromiter(opcodes, np.int64))
        return np.flatnonzero(keep)

    def _message_preview(self, direction: Direction, index: int, limit: int | None) -> str | None:
        """The inflated message of a data frame, when the session negotiated permessage-deflate."""
        if self._deflate is None:
            response = self.session.response
            if response is None:
                return None  # no answer yet (a live connection still opening)
            self._deflate = response.status == 101 and any(
                e.name.lower() == "permessage-deflate" for e in response.extensions
            )
        if not self._deflate:
            return None
        decoder = self._decoders.get(direction)
        if decoder is None:
            decoder = _MessageDecoder(self.session, direction, self._offsets[direction])
            self._decoders[direction] = decoder
        return decoder.preview(index, self._ends[direction], limit)

    def group_counts(self, directions: Iterable[int] | None = None) -> dict[str, int]:
        """How many frames of each :data:`OPCODE_GROUPS` group, in ``directions`` (None: both)."""
        opcode = self.opcode
        if directions is not None:
            opcode = opcode[np.isin(self.direction, np.fromiter(directions, np.int64))]
        per_opcode = np.bincount(opcode, minlength=16)
        return {name: int(per_opcode[list(codes)].sum()) for name, codes in OPCODE_GROUPS.items()}

    @property
    def decode_pending(self) -> bool:
        """True when rows asked for inflated previews that :meth:`decode_step` has not produced yet."""
        return any(decoder.behind for decoder in self._decoders.values())

    def decode_step(self, frames: int = 2000) -> bool:
        """Inflate up to ``frames`` more frames per direction toward what rows asked for; True if
        more remain. Lets a widget spread a big session's decoding over several loop iterations."""
        for d, decoder in self._decoders.items():
            decoder.step(frames, self._ends[d])
        return self.decode_pending

    def rows(
        self, positions: Any, start: int = 0, stop: int | None = None, *, decode_limit: int | None = None
    ) -> list[Row]:
        """Rows for ``positions[start:stop]``: one frame parse per row, none for the rest.

        In a session that negotiated permessage-deflate, data frames show their inflated message,
        which needs every earlier frame of that direction replayed (once: it is cached). With
        ``decode_limit``, at most that many frames are replayed now; rows further on show the
        compressed bytes until :meth:`decode_step` has caught up.
        """
        out: list[Row] = []
        window = positions[start:stop]
        first = start if start >= 0 else max(len(positions) + start, 0)
        for k, p in enumerate(window.tolist()):
            d: Direction = C2S if self.direction[p] == 0 else S2C
            i = int(self.index[p])
            frame = self.session.frame(d, i).frame
            t = int(self.t_ns[p])
            shown = self._message_preview(d, i, decode_limit) if frame.opcode in _DATA_OPCODES else None
            out.append(
                Row(
                    position=first + k,
                    direction=d,
                    index=i,
                    t_ns=t,
                    time_s=(t - self.t0_ns) / 1e9,
                    opcode=int(self.opcode[p]),
                    fin=bool(self.fin[p]),
                    rsv1=bool(self.rsv1[p]),
                    rsv2=frame.rsv2,
                    rsv3=frame.rsv3,
                    masked=bool(self.masked[p]),
                    payload_length=int(self.payload_length[p]),
                    wire_length=int(self.wire_length[p]),
                    preview=_clip(shown, 40) if shown is not None else preview(frame),
                )
            )
        return out


def frame_rows(
    session: Session | FrameIndex,
    *,
    directions: Iterable[int] | None = None,
    opcodes: Iterable[int] | None = None,
    start: int = 0,
    stop: int | None = None,
) -> list[Row]:
    """The rows ``start:stop`` of the session's frames in time order, keeping only ``directions``
    (0 client→server, 1 server→client) and ``opcodes``; ``None`` keeps all.

    Filtering is vectorized over :meth:`Session.frame_columns`; only the rows returned are built.
    Pass a :class:`FrameIndex` instead of the session to reuse its merged columns between calls.
    """
    index = session if isinstance(session, FrameIndex) else FrameIndex(session)
    index.update()
    return index.rows(index.select(directions, opcodes), start, stop)


# -- text and HTML ----------------------------------------------------------------------------------------

_COLUMNS = ("#", "time (s)", "dir", "opcode", "flags", "length", "preview")

#: The column titles laid out like :func:`row_text`.
HEADER_TEXT = (
    f"{_COLUMNS[0]:>7} {_COLUMNS[1]:>11} {_COLUMNS[2]:<3} {_COLUMNS[3]:<12} "
    f"{_COLUMNS[4]:<5} {_COLUMNS[5]:>9}  {_COLUMNS[6]}"
)


def row_text(row: Row) -> str:
    """One row as fixed-width text (see :data:`HEADER_TEXT`)."""
    return (
        f"{row.position:>7} {row.time_s:>11.6f} {row.direction_arrow:<3} {row.opcode_name:<12} "
        f"{row.flags:<5} {row.payload_length:>9}  {row.preview}"
    )


TABLE_CSS = """
.wsx-frame-table { border-collapse: collapse; font-family: var(--jp-code-font-family, monospace);
  font-size: 12px; }
.wsx-frame-table th { text-align: left; border-bottom: 2px solid #9aa0a6; padding: 2px 8px;
  background: #f1f3f4; }
.wsx-frame-table td { padding: 1px 8px; border-bottom: 1px solid #e8eaed; white-space: pre; }
.wsx-frame-table td.wsx-num { text-align: right; }
.wsx-frame-table tr.wsx-dir-c2s td.wsx-dir { color: #1a73e8; }
.wsx-frame-table tr.wsx-dir-s2c td.wsx-dir { color: #188038; }
.wsx-frame-table tr.wsx-op-close td.wsx-op { color: #d93025; font-weight: bold; }
.wsx-frame-table tr.wsx-op-ping td.wsx-op, .wsx-frame-table tr.wsx-op-pong td.wsx-op { color: #9334e6; }
.wsx-frame-table tr.wsx-op-reserved td.wsx-op { color: #d93025; }
.wsx-frame-table tr.wsx-frame-row-selected { background: #fef7e0; }
"""


def row_classes(row: Row, *, selected: bool = False) -> list[str]:
    """CSS classes of a row: ``wsx-frame-row``, its direction and opcode (``wsx-op-text``...)."""
    op = row.opcode_name.lower() if row.opcode in Opcode._value2member_map_ else "reserved"
    classes = ["wsx-frame-row", f"wsx-dir-{'c2s' if row.direction == C2S else 's2c'}", f"wsx-op-{op}"]
    if selected:
        classes.append("wsx-frame-row-selected")
    return classes


def rows_html(
    rows: Sequence[Row],
    *,
    selected: tuple[int, int] | None = None,
    caption: str | None = None,
    style: bool = True,
) -> str:
    """The rows as an HTML table (class ``wsx-frame-table``, rows ``wsx-frame-row``); every text escaped.

    ``selected`` is the (direction, index) of a row to highlight; ``style`` prepends the table's CSS.
    """
    e = html.escape
    out = [f"<style>{TABLE_CSS}</style>"] if style else []
    out.append('<table class="wsx-frame-table">')
    if caption:
        out.append(f"<caption>{e(caption)}</caption>")
    out.append("<thead><tr>" + "".join(f"<th>{e(c)}</th>" for c in _COLUMNS) + "</tr></thead><tbody>")
    for row in rows:
        cls = " ".join(row_classes(row, selected=row.key == selected))
        title = f"{'client→server' if row.direction == C2S else 'server→client'} frame #{row.index}"
        out.append(
            f'<tr class="{cls}" data-direction="{row.direction}" data-index="{row.index}" '
            f'title="{e(title)}">'
            f'<td class="wsx-num">{row.position}</td>'
            f'<td class="wsx-num">{row.time_s:.6f}</td>'
            f'<td class="wsx-dir">{e(row.direction_arrow)}</td>'
            f'<td class="wsx-op">{e(row.opcode_name)}</td>'
            f"<td>{e(row.flags)}</td>"
            f'<td class="wsx-num">{row.payload_length}</td>'
            f"<td>{e(row.preview)}</td></tr>"
        )
    out.append("</tbody></table>")
    return "".join(out)
