"""Rows of the frame table: numbering, times, opcode names, flags, and what each frame's message says.

Built for sessions of any size from a :class:`~wsexplorer.record.frame_index.FrameIndex`: only the rows
of the window on screen are built (one frame parse per row). A data frame's preview is its message,
from the one replay path (inflated when compressed, and only then marked ``compressed →``); a fragment
says which part it is (``[2/3]``). Rows are numbered by their place in the whole session (``#1`` is
the first frame), the same number the inspector's title uses, whatever the filters.

* :func:`table_rows` — the rows of one window of a (filtered) session;
* :func:`grid_row` / :data:`GRID_COLUMNS` — a row as the cells of the frame grid widget;
* :func:`rows_html`, :func:`row_text` / :data:`HEADER_TEXT` — static HTML and fixed-width text.
"""

from __future__ import annotations

import json
import time as _time_module
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from ..codec.frame_header import DEFINED_OPCODES, Opcode
from ..codec.frames import Frame
from ..record.decoding import SubprotocolDecoding, decoding_for
from ..record.frame_index import OPCODE_GROUPS, FrameIndex
from ..record.session import C2S, S2C, Direction, Session
from .palette import TABLE_CSS, escape

__all__ = [
    "DIRECTION_ARROWS",
    "FLAGS_LEGEND",
    "GRID_COLUMNS",
    "GRID_WIDTHS",
    "HEADER_TEXT",
    "OPCODE_GROUPS",
    "Row",
    "frame_rows",
    "grid_columns",
    "grid_row",
    "opcode_name",
    "pretty_json",
    "preview",
    "row_text",
    "rows_html",
    "table_rows",
]

#: Short direction labels for tables (client→server, server→client).
DIRECTION_ARROWS = ("C→S", "S→C")

FLAGS_LEGEND = "flags: F = FIN (last fragment), 1 2 3 = RSV1-3 (1: compressed), M = masked; · = bit clear"
"""What the five characters of the flags column mean (RFC 6455 §5.2)."""

PREVIEW_CHARS = 120
_DATA_OPCODES = (Opcode.CONTINUATION, Opcode.TEXT, Opcode.BINARY)


def opcode_name(opcode: int) -> str:
    """``TEXT``, ``PING``... for defined opcodes, ``0x3`` for reserved ones (RFC 6455 §5.2)."""
    if opcode in DEFINED_OPCODES:
        return Opcode(opcode).name
    return f"0x{opcode:X}"


@dataclass(frozen=True, slots=True)
class Row:
    """One table row.

    ``number`` is the frame's 1-based place in the whole session in time order (``#1`` first),
    whatever the filters; ``position`` its place in the filtered list; ``time_s`` counts from the
    session's first recorded byte and ``wall`` is the clock time when the session knows it.
    """

    number: int
    position: int
    direction: Direction
    index: int
    t_ns: int
    time_s: float
    wall: float | None
    opcode: int
    fin: bool
    rsv1: bool
    rsv2: bool
    rsv3: bool
    masked: bool
    payload_length: int
    wire_length: int
    preview: str
    decoded: str = ""  # what the subprotocol decoder made of the message this frame completes

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

    def clock(self, absolute: bool = False) -> str:
        """The time as shown: seconds since the first byte, or the wall clock (to the microsecond)."""
        if absolute and self.wall is not None:
            seconds = int(self.wall)
            stamp = _time_module.strftime("%H:%M:%S", _time_module.localtime(seconds))
            return f"{stamp}.{int((self.wall - seconds) * 1e6):06d}"
        return f"{self.time_s:.6f}"


def _clip(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def preview(frame: Frame, limit: int = PREVIEW_CHARS) -> str:
    """A printable look at one frame's own payload: text, close code and reason, or hex bytes."""
    op = frame.opcode
    n = frame.payload_length
    if frame.missing:
        return f"(truncated: {frame.missing} payload bytes missing)"
    if n == 0:
        return "(empty)" if op != Opcode.CLOSE else "(no status code)"
    head = frame.payload[:limit]
    if frame.rsv1:
        return _clip(f"compressed: {head.hex(' ')}", limit)
    if op == Opcode.CLOSE:
        if n < 2:
            return _clip(f"(malformed) {head.hex(' ')}", limit)
        return _clip(f"{frame.close_code} {frame.close_reason!r}", limit)
    if op == Opcode.TEXT:  # up to 4 bytes a character, so ``limit`` characters fill the column
        raw = frame.payload[: 4 * limit]
        text = raw.decode("utf-8", "ignore" if n > len(raw) else "replace")
        return _clip(repr(text), limit)
    if op in (Opcode.CONTINUATION, Opcode.PING, Opcode.PONG):
        try:  # shown as text only when it is text (a ping's random bytes stay hex)
            text = head.decode("utf-8", "ignore" if n > limit else "strict")
        except UnicodeDecodeError:
            text = ""
        if text and text.isprintable():
            return _clip(repr(text) + ("…" if n > limit else ""), limit)
    return _clip(head.hex(" "), limit)


def _message_preview(
    index: FrameIndex, direction: Direction, i: int, budget: int | None, decoding: SubprotocolDecoding | None
) -> tuple[str, str] | None:
    """The message preview of data frame ``i`` and, on the frame that completes it, its decoded label."""
    found = index.message(direction, i, budget)
    if found is None:
        return None
    info, fragment = found
    label = None
    if decoding is not None and decoding.name is not None and info.last == i:
        label = decoding.label(direction, info.number)
    text = info.head_text()
    shown = repr(text) if info.is_text else text
    more = "…" if info.size > len(info.head) else ""
    part = f"[{fragment}/{info.frames}] " if info.frames > 1 else ""
    how = "compressed → " if info.compressed else ""
    return f"{part}{how}{shown}{more}", label.text() if label is not None else ""


def table_rows(
    index: FrameIndex,
    positions: Any,
    start: int = 0,
    stop: int | None = None,
    *,
    decode_limit: int | None = None,
    decoder: str | None = None,
) -> list[Row]:
    """Rows for ``positions[start:stop]``: one frame parse per row, none for the rest.

    Data frames show their message from the replay path; with ``decode_limit``, at most that many
    frames are replayed now and rows further on show the frame's own bytes until
    :meth:`FrameIndex.decode_step` has caught up. The frame that completes a message carries what the
    subprotocol ``decoder`` made of it in :attr:`Row.decoded` (``None``: the negotiated one;
    :data:`~wsexplorer.record.decoding.RAW`: none; see :func:`~wsexplorer.record.decoding.decoding_for`).
    """
    decoding = decoding_for(index.session, decoder)
    clock = index.session.meta.get("clock") or {}
    wall0, mono0 = clock.get("wall"), clock.get("monotonic_ns")
    out: list[Row] = []
    first = start if start >= 0 else max(len(positions) + start, 0)
    for k, p in enumerate(positions[start:stop].tolist()):
        d: Direction = C2S if index.direction[p] == 0 else S2C
        i = int(index.index[p])
        frame = index.session.frame(d, i).frame
        t = int(index.t_ns[p])
        shown = None
        if frame.opcode in _DATA_OPCODES:
            shown = _message_preview(index, d, i, decode_limit, decoding)
        wall = wall0 + (t - mono0) / 1e9 if wall0 is not None and mono0 is not None else None
        out.append(
            Row(
                number=p + 1,
                position=first + k,
                direction=d,
                index=i,
                t_ns=t,
                time_s=(t - index.t0_ns) / 1e9,
                wall=wall,
                opcode=int(index.opcode[p]),
                fin=bool(index.fin[p]),
                rsv1=bool(index.rsv1[p]),
                rsv2=frame.rsv2,
                rsv3=frame.rsv3,
                masked=bool(index.masked[p]),
                payload_length=int(index.payload_length[p]),
                wire_length=int(index.wire_length[p]),
                preview=_clip(shown[0], PREVIEW_CHARS) if shown is not None else preview(frame),
                decoded=shown[1] if shown is not None else "",
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
    decoder: str | None = None,
) -> list[Row]:
    """The rows ``start:stop`` of the session's frames in time order, keeping only ``directions``
    (0 client→server, 1 server→client) and ``opcodes``; ``None`` keeps all. ``decoder``: the
    subprotocol decoder whose labels fill :attr:`Row.decoded` (``None``: the negotiated one)."""
    index = session if isinstance(session, FrameIndex) else FrameIndex(session)
    index.update()
    return table_rows(index, index.select(directions, opcodes), start, stop, decoder=decoder)


def pretty_json(text: str, *, limit: int = 20_000) -> str | None:
    """``text`` indented when it is a JSON object or array (``None`` otherwise), cut at ``limit``."""
    stripped = text.strip()
    if not stripped or stripped[0] not in "[{" or len(stripped) > limit:
        return None
    try:
        return json.dumps(json.loads(stripped), indent=2, ensure_ascii=False)
    except ValueError:
        return None


# -- the grid widget's cells -----------------------------------------------------------------------------

GRID_COLUMNS = ["#", "time (s)", "dir", "opcode", "flags", "length", "message or payload"]
GRID_WIDTHS = ["0 0 6em", "0 0 9.5em", "0 0 4.5em", "0 0 8.5em", "0 0 4.5em", "0 0 6.5em", "1 1 0"]
_DECODED_WIDTH = "0 1 18em"


def grid_columns(decoder: str | None = None) -> tuple[list[str], list[str]]:
    """The grid's column titles and widths: with a ``decoder`` name, a "decoded" column before the
    message (what that subprotocol decoder made of each message)."""
    if decoder is None:
        return list(GRID_COLUMNS), list(GRID_WIDTHS)
    return [*GRID_COLUMNS[:-1], f"decoded ({decoder})", GRID_COLUMNS[-1]], [
        *GRID_WIDTHS[:-1],
        _DECODED_WIDTH,
        GRID_WIDTHS[-1],
    ]


def grid_row(row: Row, *, absolute: bool = False, decoded: bool = False) -> dict[str, Any]:
    """A row as the frame grid shows it: cell texts, CSS classes and a tooltip (``decoded``: with the
    "decoded" cell of :func:`grid_columns`)."""
    op = row.opcode_name.lower() if row.opcode in DEFINED_OPCODES else "reserved"
    side = "c2s" if row.direction == C2S else "s2c"
    sender = "client → server" if row.direction == C2S else "server → client"
    cells = [
        f"#{row.number}",
        row.clock(absolute),
        row.direction_arrow,
        row.opcode_name,
        row.flags,
        f"{row.payload_length:,}",
        *((row.decoded,) if decoded else ()),
        row.preview,
    ]
    title = f"frame #{row.number}, {sender}, {row.wire_length:,} bytes on the wire"
    return {"c": cells, "k": f"wsx-{side} wsx-op-{op}", "t": title}


# -- text and HTML ----------------------------------------------------------------------------------------

_COLUMNS = ("#", "time (s)", "dir", "opcode", "flags", "length", "message or payload")

#: The column titles laid out like :func:`row_text`.
HEADER_TEXT = (
    f"{_COLUMNS[0]:>7} {_COLUMNS[1]:>11} {_COLUMNS[2]:<3} {_COLUMNS[3]:<12} "
    f"{_COLUMNS[4]:<5} {_COLUMNS[5]:>9}  {_COLUMNS[6]}"
)


def row_text(row: Row) -> str:
    """One row as fixed-width text (see :data:`HEADER_TEXT`)."""
    return (
        f"{'#' + str(row.number):>7} {row.time_s:>11.6f} {row.direction_arrow:<3} {row.opcode_name:<12} "
        f"{row.flags:<5} {row.payload_length:>9}  {row.preview}"
    )


def rows_html(
    rows: Sequence[Row], *, caption: str | None = None, style: bool = True, decoded: bool | None = None
) -> str:
    """The rows as an HTML table (class ``wsx-frame-table``); every text escaped. Like the grid, a
    "decoded" column before the message when ``decoded`` (``None``: when any row has a decoding)."""
    e = escape
    with_decoded = any(r.decoded for r in rows) if decoded is None else decoded
    columns = [*_COLUMNS[:-1], "decoded", _COLUMNS[-1]] if with_decoded else list(_COLUMNS)
    out = [f"<style>{TABLE_CSS}</style>"] if style else []
    out.append('<table class="wsx-frame-table">')
    if caption:
        out.append(f"<caption>{e(caption)}</caption>")
    out.append("<thead><tr>" + "".join(f"<th>{e(c)}</th>" for c in columns) + "</tr></thead><tbody>")
    for row in rows:
        side = "c2s" if row.direction == C2S else "s2c"
        out.append(
            f'<tr class="wsx-frame-row wsx-dir-{side}" data-direction="{row.direction}" '
            f'data-index="{row.index}"><td class="wsx-num">#{row.number}</td>'
            f'<td class="wsx-num">{row.time_s:.6f}</td><td class="wsx-dir">{e(row.direction_arrow)}</td>'
            f'<td class="wsx-op">{e(row.opcode_name)}</td><td>{e(row.flags)}</td>'
            f'<td class="wsx-num">{row.payload_length}</td>'
            + (f'<td class="wsx-decoded">{e(row.decoded)}</td>' if with_decoded else "")
            + f"<td>{e(row.preview)}</td></tr>"
        )
    out.append(f'</tbody></table><div class="wsx-frame-legend">{e(FLAGS_LEGEND)}</div>')
    return "".join(out)
