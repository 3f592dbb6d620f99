"""One connection's bytes in the order they crossed: the HTTP upgrade, then frames (RFC 6455 §1.2, §4, §5).

A WebSocket connection starts as HTTP on a TCP connection and, after the server's ``101 Switching
Protocols``, the same connection carries frames: "HTTP ends here" is the byte after the blank line that
ends the response's header block (RFC 7230 §3; RFC 6455 §1.2, §4.2.2 item 5). This view draws that
from a recorded :class:`~wsexplorer.record.session.Session`: the request's and the response's lines
with their stream offsets and visible line ends, a marker at the exact byte where frames start, then
the first frames of both directions in the order they completed, each field with its bytes and meaning
(from the frame's own ``fields``). A refused handshake has no marker: HTTP goes on and no frame follows.

:func:`stream_text` is for a terminal, :func:`stream_html` for a notebook (self-contained CSS, theme
colours from JupyterLab's CSS variables, every recorded byte escaped). Both are bounded: at most
``max_frames`` frames, ``max_payload`` payload bytes per field and :data:`MAX_LINES` header lines.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

from ..anatomy import Field
from ..codec.frame_header import Opcode
from ..codec.frames import Frame
from ..codec.handshake import HandshakeRequest, HandshakeResponse
from ..record.session import C2S, DIRECTION_NAMES, S2C, Direction, FrameRecord, Session
from .palette import INK, MONO, SANS, THEME_CSS, block, clip, escape, field_color

__all__ = [
    "MARKER",
    "MAX_LINES",
    "StreamRow",
    "frame_words",
    "stream_html",
    "stream_rows",
    "stream_text",
    "visible",
]

MARKER = "HTTP ends here, WebSocket frames start"
"""The words of the marker drawn where each direction's HTTP ends (the seed's "HTTP ENDS HERE")."""
MAX_LINES = 64
"""Header lines shown per message (the parser allows 128)."""
LINE_CHARS = 160
"""Characters shown per header line."""

Kind = Literal["heading", "http", "marker", "frame", "field", "note"]


@dataclass(frozen=True, slots=True)
class StreamRow:
    """One row of the view: what it is, whose bytes, where they start in that direction's stream.

    ``shown`` is the bytes as drawn (an HTTP line with visible line ends, or hex); ``meaning`` says
    what they are; ``raw`` keeps an HTTP line's bytes (at most :data:`LINE_CHARS`). A ``marker`` row
    has the offset where frames start in ``direction``.
    """

    kind: Kind
    direction: Direction | None
    offset: int | None
    shown: str
    meaning: str
    name: str = ""
    raw: bytes = b""


def visible(raw: bytes) -> str:
    """HTTP bytes as text a person can check: UTF-8 decoded, CR and LF as ``\\r`` and ``\\n`` (as Python
    writes them), any other character that does not print (controls, invalid UTF-8, direction
    overrides) as a ``\\x`` or ``\\u`` escape."""
    out = []
    for ch in raw.decode("utf-8", "backslashreplace"):
        out.append(ch if ch.isprintable() else ascii(ch)[1:-1])
    return "".join(out)


def _kind(frame: Frame) -> str:
    op = frame.opcode
    return op.name.lower() if isinstance(op, Opcode) else f"reserved opcode 0x{op:X}"


def frame_words(frame: Frame) -> str:
    """A frame in words for a first reader: its kind, payload size, and the flags that are set."""
    words = [f"{_kind(frame)} frame, {frame.payload_length}-byte payload"]
    if not frame.fin:
        words.append("not the last fragment (FIN=0)")
    if frame.rsv1:
        words.append("compressed (RSV1=1)")
    words.append("masked" if frame.masked else "not masked")
    return ", ".join(words)


def _hex(raw: bytes, limit: int) -> str:
    shown = raw[:limit].hex(" ")
    return shown + (f" … (+{len(raw) - limit} bytes)" if len(raw) > limit else "")


def _http_rows(direction: Direction, message: HandshakeRequest | HandshakeResponse) -> list[StreamRow]:
    what = "the HTTP upgrade request" if direction == C2S else "the server's HTTP response"
    data = bytes(message)
    rows = [StreamRow("heading", direction, 0, f"bytes 0-{len(data) - 1} ({len(data)} bytes)", what)]
    fields = message.fields
    for f in fields[:MAX_LINES]:
        name = f.name
        if name == "End of headers":
            name = "blank line: the end of the header block (RFC 7230 §3)"
        elif name == "Body":
            name = "body (not part of the header block)"
        raw = f.raw[:LINE_CHARS]
        rows.append(
            StreamRow("http", direction, f.span.byte_start, clip(visible(raw), LINE_CHARS), name, f.name, raw)
        )
    if len(fields) > MAX_LINES:
        rows.append(StreamRow("note", direction, None, "", f"{len(fields) - MAX_LINES} more lines not shown"))
    return rows


def _frame_rows(number: int, record: FrameRecord, max_payload: int) -> list[StreamRow]:
    frame = record.frame
    start = record.offset
    rows = [
        StreamRow(
            "heading",
            record.direction,
            start,
            f"bytes {start}-{start + frame.wire_length - 1} ({frame.wire_length} bytes)",
            f"frame {number}: {frame_words(frame)}",
        )
    ]
    bits: list[Field] = []
    for f in frame.fields:
        if f.is_bitfield or f.span.byte_end <= 2:
            bits.append(f)
            continue
        if bits:
            rows.append(_bits_row(record, bits))
            bits = []
        meaning = f.meaning if f.name != "payload data" or not frame.rsv1 else f"{f.meaning} (compressed)"
        rows.append(
            StreamRow(
                "field",
                record.direction,
                start + f.span.byte_start,
                _hex(f.raw, max_payload),
                f"{f.name}: {clip(meaning, LINE_CHARS)}",
                f.name,
            )
        )
    if bits:
        rows.append(_bits_row(record, bits))
    return rows


def _bits_row(record: FrameRecord, bits: list[Field]) -> StreamRow:
    first, last = bits[0].span.byte_start, bits[-1].span.byte_end
    raw = bytes(record.frame)[first:last]
    words = " ".join(f"{f.name}={f.display_value()}" for f in bits)
    return StreamRow("field", record.direction, record.offset + first, raw.hex(" "), words, "header bits")


def _first_frames(session: Session, max_frames: int) -> list[FrameRecord]:
    """The first ``max_frames`` frames of both directions in completion order (bounded: reads at most
    ``max_frames`` per direction, whatever the session's size)."""
    records = [
        session.frame(d, i) for d in (C2S, S2C) for i in range(min(session.frame_count(d), max_frames))
    ]
    records.sort(key=lambda r: (r.t_ns, r.direction, r.index))
    return records[:max_frames]


def stream_rows(session: Session, *, max_frames: int = 6, max_payload: int = 16) -> list[StreamRow]:
    """The rows both views draw: request, response, the marker, then the first frames."""
    rows: list[StreamRow] = []
    request, response = session.request, session.response
    starts = session.frames_start(C2S), session.frames_start(S2C)
    if session.handshake:
        for direction, message in ((C2S, request), (S2C, response)):
            if message is None:
                rows.append(
                    StreamRow(
                        "note",
                        direction,
                        0,
                        "",
                        f"{DIRECTION_NAMES[direction]}: no complete HTTP header block was recorded "
                        f"({session.byte_count(direction)} bytes)",
                    )
                )
            else:
                rows += _http_rows(direction, message)
    if not session.handshake:
        rows.append(StreamRow("note", None, None, "", "recorded without a handshake: frames from byte 0"))
    elif starts[S2C] is not None:
        client_side = f"client→server byte {starts[C2S]}" if starts[C2S] is not None else "client→server"
        rows.append(
            StreamRow(
                "marker",
                S2C,
                starts[S2C],
                MARKER,
                f"server→client byte {starts[S2C]} is the first byte after the blank line that ends the "
                f"response; {client_side} is the first after the request's. From here on, the same TCP "
                "connection carries WebSocket frames only (RFC 6455 §1.2, §4.2.2).",
            )
        )
    elif response is not None:
        rows.append(
            StreamRow(
                "note",
                S2C,
                None,
                "",
                f"no switch: the server answered {response.status}, not 101, so the connection stays "
                "HTTP and no WebSocket frame follows (RFC 6455 §4.1)",
            )
        )
        end = len(bytes(response))
        body = session.stream_slice(S2C, end, end + LINE_CHARS)
        if body:
            meaning = "body: the refusal explained (RFC 7230 §3.3)"
            rows.append(StreamRow("http", S2C, end, clip(visible(body), LINE_CHARS), meaning, "Body", body))
    records = _first_frames(session, max_frames)
    for number, record in enumerate(records, start=1):
        rows += _frame_rows(number, record, max_payload)
    hidden = session.frame_count() - len(records)
    if hidden > 0:
        rows.append(StreamRow("note", None, None, "", f"{hidden} more frames not shown"))
    return rows


# -- text ----------------------------------------------------------------------------------------------


def stream_text(session: Session, *, max_frames: int = 6, max_payload: int = 16) -> str:
    """The byte stream for a terminal: one line per HTTP line or frame field, the marker as a rule."""
    out: list[str] = []
    for row in stream_rows(session, max_frames=max_frames, max_payload=max_payload):
        who = DIRECTION_NAMES[row.direction] if row.direction is not None else ""
        if row.kind == "heading":
            out.append(f"{who}  {row.shown}: {row.meaning}")
        elif row.kind == "marker":
            out.append(f"{'─' * 12} {row.shown} {'─' * 12}")
            out.append(f"  {row.meaning}")
        elif row.kind == "note":
            out.append(f"  ({row.meaning})")
        else:
            out.append(f"  {row.offset:>6}  {row.shown:<48}  {row.meaning}")
    return "\n".join(out)


# -- HTML ----------------------------------------------------------------------------------------------

# Every table rule starts with ``.wsx-stream table.wsx-st`` so that it outweighs JupyterLab's own table
# styles (``.jp-RenderedHTMLCommon td``: right-aligned; ``tbody tr:nth-child(odd)``: striped).
_TABLE = ".wsx-stream table.wsx-st"
STREAM_CSS = (
    THEME_CSS
    + f"""
.wsx-stream {{ font-family: {SANS}; font-size: 13px; line-height: 1.4; margin: 4px 0 8px;
  max-width: 100%; overflow-x: auto; color: var(--jp-content-font-color1, inherit); }}
{_TABLE} {{ border-collapse: collapse; width: 100%; table-layout: auto; margin: 0; }}
{_TABLE} caption {{ text-align: left; font-weight: 600; padding: 2px 0 6px; }}
{_TABLE} th, {_TABLE} td {{ text-align: left; vertical-align: top; padding: 2px 8px 2px 0; line-height: 1.4;
  border: none; border-bottom: 1px solid var(--jp-border-color2, rgba(127, 127, 127, .25)); }}
{_TABLE} th {{ font-size: 11px; font-weight: 600; color: var(--wsx-dim); }}
{_TABLE} tbody tr, {_TABLE} tbody tr:nth-child(odd), {_TABLE} tbody tr:hover {{ background: transparent; }}
{_TABLE} td.wsx-st-off {{ font-family: {MONO}; text-align: right; color: var(--wsx-dim);
  white-space: nowrap; }}
{_TABLE} td.wsx-st-bytes {{ font-family: {MONO}; font-size: 12.5px; white-space: pre-wrap;
  overflow-wrap: anywhere; min-width: 12em; }}
{_TABLE} .wsx-st-eol {{ color: var(--wsx-dim); }}
{_TABLE} td.wsx-st-who {{ white-space: nowrap; font-weight: 600; }}
{_TABLE} tr.wsx-st-c2s td.wsx-st-who {{ color: var(--wsx-c2s); }}
{_TABLE} tr.wsx-st-s2c td.wsx-st-who {{ color: var(--wsx-s2c); }}
{_TABLE} td.wsx-st-side {{ width: 4px; padding: 0; }}
{_TABLE} tr.wsx-st-c2s td.wsx-st-side {{ box-shadow: inset 4px 0 0 var(--wsx-c2s); }}
{_TABLE} tr.wsx-st-s2c td.wsx-st-side {{ box-shadow: inset 4px 0 0 var(--wsx-s2c); }}
{_TABLE} .wsx-st-dim {{ color: var(--wsx-dim); font-weight: 400; }}
{_TABLE} tr.wsx-st-heading td {{ padding-top: 8px; font-weight: 600;
  border-bottom: 1px solid var(--jp-border-color1, rgba(127, 127, 127, .5)); }}
{_TABLE} tr.wsx-st-marker td {{ padding: 6px 8px;
  background: var(--jp-layout-color2, rgba(127, 127, 127, .12));
  border-top: 3px dashed var(--jp-brand-color1, #1976d2);
  border-bottom: 3px dashed var(--jp-brand-color1, #1976d2); }}
{_TABLE} .wsx-st-mark {{ font-weight: 700; font-size: 14px; letter-spacing: .02em; }}
{_TABLE} .wsx-st-chip {{ display: inline-block; padding: 0 6px; border-radius: 3px; color: {INK};
  font-family: {MONO}; font-size: 12px; }}
{_TABLE} td.wsx-st-note {{ color: var(--wsx-dim); font-style: italic; }}
"""
)


def _http_html(raw: bytes) -> str:
    """An HTTP line escaped, its CR and LF drawn dim as ``\\r`` ``\\n`` (marked from the bytes, so a
    backslash in a header value is never taken for a line end)."""
    out = []
    for piece in re.split(rb"(\r|\n)", raw):
        if piece in (b"\r", b"\n"):
            name = "carriage return" if piece == b"\r" else "line feed"
            out.append(f'<span class="wsx-st-eol" title="{name}">{escape(visible(piece))}</span>')
        elif piece:
            out.append(escape(visible(piece)))
    return "".join(out)


def _row_html(row: StreamRow) -> str:
    side = "" if row.direction is None else (" wsx-st-c2s" if row.direction == C2S else " wsx-st-s2c")
    if row.kind == "marker":
        return (
            f'<tr class="wsx-st-marker" data-direction="{row.direction}" data-offset="{row.offset}">'
            f'<td colspan="4"><div class="wsx-st-mark">{escape(row.shown)}</div>'
            f"<div>{escape(row.meaning)}</div></td></tr>"
        )
    if row.kind == "note":
        return f'<tr><td colspan="4" class="wsx-st-note">{escape(row.meaning)}</td></tr>'
    if row.kind == "heading":
        who = escape(DIRECTION_NAMES[row.direction]) if row.direction is not None else ""
        return (
            f'<tr class="wsx-st-heading{side}"><td class="wsx-st-who">{who}</td>'
            f'<td colspan="3">{escape(row.meaning)} <span class="wsx-st-dim">· {escape(row.shown)}</span>'
            "</td></tr>"
        )
    shown = _http_html(row.raw) if row.kind == "http" else escape(row.shown)
    meaning = escape(row.meaning)
    if row.kind == "field" and row.name != "header bits":
        chip = (
            f'<span class="wsx-st-chip" style="background:{field_color(row.name)}">{escape(row.name)}</span>'
        )
        meaning = chip + " " + escape(row.meaning.removeprefix(row.name + ": "))
    return (
        f'<tr class="wsx-st-{row.kind}{side}"><td class="wsx-st-side"></td>'
        f'<td class="wsx-st-off">{row.offset}</td><td class="wsx-st-bytes">{shown}</td>'
        f"<td>{meaning}</td></tr>"
    )


def stream_html(session: Session, *, max_frames: int = 6, max_payload: int = 16) -> str:
    """The byte stream as an HTML table that fits the output's width; the marker is a full-width band."""
    rows = stream_rows(session, max_frames=max_frames, max_payload=max_payload)
    body = "".join(_row_html(r) for r in rows)
    table = (
        '<table class="wsx-st"><caption>'
        "One connection's bytes in the order they crossed: the HTTP upgrade, then WebSocket frames"
        "</caption>"
        '<thead><tr><th scope="col">sent by</th><th scope="col">byte</th>'
        '<th scope="col">bytes on the wire</th><th scope="col">what they are</th></tr></thead>'
        f"<tbody>{body}</tbody></table>"
    )
    return block("wsx-stream", STREAM_CSS, table)
