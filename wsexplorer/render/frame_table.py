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

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from ..codec.frame_header import DEFINED_OPCODES, Opcode
from ..codec.frames import Frame
from ..record.session import C2S, S2C, Direction, Session
from .palette import TABLE_CSS, escape

__all__ = [
    "DIRECTION_ARROWS",
    "HEADER_TEXT",
    "OPCODE_GROUPS",
    "ROW_BUTTONS_CSS",
    "ROW_HEIGHT",
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
    if opcode in DEFINED_OPCODES:
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
        self._wanted: dict[Direction, int] = {}  # per direction: the furthest frame a row waits for
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
        """What the message of a data frame says, from the one replay path, in a session that
        negotiated permessage-deflate (where the frame's own bytes are compressed)."""
        if self._deflate is None:
            response = self.session.response
            if response is None:
                return None  # no answer yet (a live connection still opening)
            self._deflate = response.status == 101 and any(
                e.name.lower() == "permessage-deflate" for e in response.extensions
            )
        if not self._deflate:
            return None
        replay = self.session.replay(direction)
        if not replay.resolve(index, budget=limit):
            self._wanted[direction] = max(self._wanted.get(direction, 0), index)
            return None
        info = replay.message_of(index)
        if info is None:
            return None
        text = info.head_text()
        shown = repr(text[:_PREVIEW_BYTES]) if info.is_text else text[: 3 * _PREVIEW_BYTES]
        more = "…" if info.size > _PREVIEW_BYTES else ""
        part = f" [{replay.fragment(index)}/{info.frames}]" if info.frames > 1 else ""
        how = "inflated" if info.compressed else "text" if info.is_text else "binary"
        return f"{how}{part} {shown}{more}"

    def group_counts(self, directions: Iterable[int] | None = None) -> dict[str, int]:
        """How many frames of each :data:`OPCODE_GROUPS` group, in ``directions`` (None: both)."""
        opcode = self.opcode
        if directions is not None:
            opcode = opcode[np.isin(self.direction, np.fromiter(directions, np.int64))]
        per_opcode = np.bincount(opcode, minlength=16)
        return {name: int(per_opcode[list(codes)].sum()) for name, codes in OPCODE_GROUPS.items()}

    @property
    def decode_pending(self) -> bool:
        """True when rows asked for message previews that :meth:`decode_step` has not produced yet."""
        return bool(self._wanted)

    def decode_step(self, frames: int = 2000) -> bool:
        """Replay up to ``frames`` more frames per direction toward what rows asked for; True if more
        remain. Lets a widget spread a big session's decoding over several loop iterations."""
        for d, index in list(self._wanted.items()):
            if self.session.replay(d).step(index, frames):
                del self._wanted[d]
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


# -- the rows as buttons (the frame browser widget) -----------------------------------------------------

ROW_HEIGHT = "22px"

ROW_BUTTONS_CSS = f"""
<style>
.wsx-frame-table .wsx-frame-header {{ margin: 0 0 2px 0; padding: 2px 6px; font-weight: bold;
  font-family: var(--jp-code-font-family, monospace); font-size: 12px; background: #f1f3f4;
  border-bottom: 2px solid #9aa0a6; white-space: pre; }}
.wsx-frame-table .wsx-frame-row.jupyter-button {{ white-space: pre; text-align: left;
  font-family: var(--jp-code-font-family, monospace); font-size: 12px; height: {ROW_HEIGHT};
  line-height: {ROW_HEIGHT}; padding: 0 6px; margin: 0; border-bottom: 1px solid #e8eaed;
  background: transparent; box-shadow: none; }}
.wsx-frame-table .wsx-frame-row.wsx-dir-s2c.jupyter-button {{ background: #f4f9f4; }}
.wsx-frame-table .wsx-frame-row.wsx-op-close.jupyter-button {{ color: #d93025; }}
.wsx-frame-table .wsx-frame-row.wsx-op-ping.jupyter-button,
.wsx-frame-table .wsx-frame-row.wsx-op-pong.jupyter-button {{ color: #9334e6; }}
.wsx-frame-table .wsx-frame-row.wsx-op-reserved.jupyter-button {{ color: #d93025; font-style: italic; }}
.wsx-frame-table .wsx-frame-row.jupyter-button:hover {{ background: #e8f0fe; }}
.wsx-frame-table .wsx-frame-row.wsx-frame-row-selected.jupyter-button {{ background: #fde293; }}
</style>
"""
"""The frame browser's rows are buttons; this gives them the table's look (``wsx-frame-row``)."""


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


def row_classes(row: Row, *, selected: bool = False) -> list[str]:
    """CSS classes of a row: ``wsx-frame-row``, its direction and opcode (``wsx-op-text``...)."""
    op = row.opcode_name.lower() if row.opcode in DEFINED_OPCODES else "reserved"
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
    e = escape
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
