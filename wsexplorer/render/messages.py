"""What a receiver makes of a stream of frames, frame by frame (RFC 6455 §5.4, §5.5, §7.1.7).

Drawn from the one replay path (:class:`~wsexplorer.record.replay.Replay`): for each frame, whether it
starts, continues or completes a message, is a control frame handled on its own, makes the receiver
fail the connection (with the close code), or is never read because the receiver had already failed.
"""

from __future__ import annotations

from collections.abc import Sequence

from ..codec.assembler import Message
from ..codec.close import describe_close_code
from ..codec.frame_header import Opcode
from ..codec.frame_parser import StreamSplit
from ..codec.frames import Frame
from ..codec.subprotocols import DecodedMessage
from ..record.replay import Replay, ReplayedFrame
from .frame_table import pretty_json
from .notes import callout, styled
from .palette import WALKTHROUGH_CSS, block, escape
from .subprotocols import decoded_html

__all__ = [
    "frame_status_html",
    "in_context_html",
    "incomplete_input_text",
    "last_message_html",
    "message_content_html",
    "message_line_html",
    "receiver_report_html",
]

_MAX_LISTED = 200  # frames listed; the rest are counted
_MAX_SHOWN = 20_000  # characters of a message's content shown in full (pretty JSON included)


def _kind(frame: Frame) -> str:
    op = frame.opcode
    return op.name.lower() if isinstance(op, Opcode) else f"reserved opcode 0x{op:X}"


def _line(index: int, frame: Frame, text: str, broken: int, *, bad: bool = False) -> str:
    label = f"frame #{index + 1} ({_kind(frame)}, FIN={int(frame.fin)})"
    if broken:
        label += f" ⚠ breaks {broken} rule{'s' if broken != 1 else ''}"
    cls = ' class="wsx-wt-badline"' if bad else ""
    return f"<li{cls}>{escape(label)}: {text}</li>"


def message_line_html(message: Message, number: int) -> str:
    """One complete message: its type, its content (text, or the first bytes) and how it travelled."""
    how = f"{message.fragments} frame{'s' if message.fragments != 1 else ''}"
    if message.compressed:
        how += f", compressed: {message.wire_size:,} bytes on the wire → {len(message.payload):,} bytes"
    data = message.data
    if isinstance(data, str):
        shown = escape(repr(data[:200])) + ("…" if len(data) > 200 else "")
        return f"<b>message {number}: text</b> {shown} <span class='wsx-wt-dim'>({how})</span>"
    more = f" … (+{len(data) - 16:,} bytes)" if len(data) > 16 else ""
    return (
        f"<b>message {number}: binary</b>, {len(data):,} bytes <span class='wsx-wt-m'>"
        f"{escape(data[:16].hex(' ') + more)}</span> <span class='wsx-wt-dim'>({how})</span>"
    )


def _frame_line(replay: Replay, replayed: ReplayedFrame) -> str:
    frame, i, broken = replayed.frame, replayed.index, len(replayed.violations)
    if replayed.failure is not None:
        exc = replayed.failure
        code = int(exc.close_code or 1002)
        text = (
            f"<b>{escape(exc.rule)}</b> ({escape(exc.section)}) → the receiver fails the connection with "
            f"close code {code} ({escape(describe_close_code(code))})."
        )
        return _line(i, frame, text, broken, bad=True)
    if not replayed.processed:
        return _line(i, frame, "not read: the receiver had already failed the connection.", broken)
    if frame.is_control:
        return _line(
            i, frame, "a control frame, handled on its own even inside a fragmented message.", broken
        )
    info = replayed.message
    if info is None or replayed.fragment < info.frames:
        return _line(i, frame, "a fragment; the message continues in the next data frame.", broken)
    return _line(
        i, frame, "completes " + message_line_html(replay.message(info.number), info.number + 1), broken
    )


def receiver_report_html(replay: Replay, frames: Sequence[Frame]) -> str:
    """Every frame of ``frames`` as the receiver of ``replay`` took it, then how many messages it made.

    A frame cut short at the end (``missing``) is listed as not read yet.
    """
    replay.advance()
    lines: list[str] = []
    for i, frame in enumerate(frames[:_MAX_LISTED]):
        if frame.missing:
            text = f"incomplete ({frame.missing:,} bytes missing): not read yet."
            lines.append(_line(i, frame, text, len(frame.check(sender=replay.context.sender))))
            break
        lines.append(_frame_line(replay, replay.frame(i)))
    if len(frames) > _MAX_LISTED:
        lines.append(f"<li>… only the first {_MAX_LISTED} frames are listed.</li>")
    if replay.message_in_progress:
        lines.append(
            "<li><b>The last message is not finished</b>: a receiver waits for a continuation frame with "
            "FIN = 1.</li>"
        )
    n, m = len(replay.messages), len(frames)
    summary = f"{n} complete message{'s' if n != 1 else ''} from {m} frame{'s' if m != 1 else ''}."
    return block("wsx-wt", WALKTHROUGH_CSS, f"<div>{summary}</div><ul>{''.join(lines)}</ul>")


def frame_status_html(
    frame: Frame | None, error: str | None, *, frames: int = 1, number: int | None = None
) -> str:
    """The inspector's status line: why the input cannot be read whole (if so), then the frame on show
    in one line (its number where the reader found it, or how many frames the input holds)."""
    parts = []
    if error is not None:
        parts.append(callout(f"<b>✗ Cannot read the input whole.</b> {escape(error)}", "error"))
    if frame is None:
        if error is None:
            parts.append(callout("Paste the bytes of a frame, or build one.", "info"))
        return "".join(parts)
    count = f"{frames} frames in the input · " if frames > 1 else ""
    if number is not None:
        count = f"<b>frame #{number:,}</b> · "
    missing = f" · <b>{frame.missing:,} payload bytes missing</b>" if frame.missing else ""
    parts.append(
        styled(
            f"<div class='wsx-w-m' style='font-size:13.5px;margin:4px 0'>{count}{escape(frame.summary())}"
            f"<span class='wsx-w-dim'> · header {frame.header_length} bytes · payload "
            f"{frame.payload_length:,} bytes</span>{missing}</div>"
        )
    )
    return "".join(parts)


def incomplete_input_text(split: StreamSplit) -> str | None:
    """Why bytes given as frames cannot be read whole (``None`` when they can), for a person: how
    many frames were complete, the rule, how many bytes a receiver still waits for."""
    exc = split.incomplete
    if exc is None:
        return None
    rule = exc.rule[:1].upper() + exc.rule[1:]
    if split.frames:
        n = len(split.frames)
        rule = f"{n} complete frame{'s' if n != 1 else ''}, then: {exc.rule}"
    wait = exc.missing or 0
    more = f" A receiver waits for {wait:,} more byte{'s' if wait != 1 else ''}." if wait else ""
    shown = (
        " Showing the part that arrived."
        if split.partial is not None
        else " The header itself is cut short, so there is nothing more to show."
    )
    return f"{rule} ({exc.section}).{more}{shown}"


def message_content_html(message: Message, *, limit: int = _MAX_SHOWN) -> str:
    """A message's content for reading: JSON indented, other text as is, binary as hex, 16 bytes a line.

    At most ``limit`` characters are shown; the rest is counted, never sent to the page.
    """
    data = message.data
    note = ""
    if isinstance(data, str):
        pretty = pretty_json(data, limit=limit)
        shown = pretty if pretty is not None else data
        if pretty is not None:
            note = "JSON, indented for reading (the wire holds it as sent)"
    else:
        head = data[: limit // 3]
        shown = "\n".join(head[i : i + 16].hex(" ") for i in range(0, len(head), 16))
        note = f"{len(data):,} bytes in hex"
    cut = ""
    if len(shown) > limit:
        cut = f"<div class='wsx-wt-dim'>… {len(shown) - limit:,} more characters not shown</div>"
        shown = shown[:limit]
    caption = f"<div class='wsx-wt-dim'>{escape(note)}</div>" if note else ""
    return f"{caption}<pre class='wsx-wt-content'>{escape(shown) or '(empty)'}</pre>{cut}"


def in_context_html(
    replayed: ReplayedFrame,
    replay: Replay | None = None,
    *,
    message: Message | None = None,
    label: str | None = None,
    decoded: Sequence[DecodedMessage] = (),
) -> str:
    """One recorded frame's place in its connection: its message, fragment, or the failure it caused.

    ``label`` names the frame as the reader knows it (the table's row number); ``message``, when
    given, is shown whole below (JSON indented); ``decoded``, what its subprotocol's decoder made of
    it (fields and the rules the subprotocol's spec names).
    """
    info = replayed.message
    name = escape(label or f"frame #{replayed.index + 1}")
    if replayed.failure is not None and replay is not None:
        line = _frame_line(replay, replayed)
    elif info is None:
        what = "a control frame" if replayed.frame.is_control else "part of a message that never completed"
        line = f"<li>{name}: {escape(what)}.</li>"
    else:
        part = f"fragment {replayed.fragment} of {info.frames} of " if info.frames > 1 else ""
        how = "compressed, " if info.compressed else ""
        kind = "text" if info.is_text else "binary"
        line = (
            f"<li>{name}: {part}message #{info.number + 1} of its direction ({how}{kind}, "
            f"{info.size:,} bytes)</li>"
        )
    content = message_content_html(message) if message is not None else ""
    body = block("wsx-wt", WALKTHROUGH_CSS, f"<ul>{line}</ul>{content}")
    return body + "".join(decoded_html(d) for d in decoded)


def last_message_html(message: str | bytes) -> str:
    """The latest message received, JSON indented, at most a few hundred characters."""
    if isinstance(message, str):
        kind = f"text, {len(message.encode('utf-8')):,} bytes"
        pretty = pretty_json(message, limit=4000)
        shown = (pretty or message)[:1200]
        more = "…" if len(pretty or message) > 1200 else ""
    else:
        kind = f"binary, {len(message):,} bytes"
        shown, more = message[:48].hex(" "), ("…" if len(message) > 48 else "")
    return styled(
        f"<div class='wsx-live-last'><b>last message received</b> ({kind}):"
        f"<pre class='wsx-w-pre wsx-live-last-body'>{escape(shown)}{more}</pre></div>"
    )
