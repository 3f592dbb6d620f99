"""Views of decoded subprotocol messages: one message as an annotated dump, a conversation as a table.

A :class:`~wsexplorer.codec.subprotocols.DecodedMessage` is an inspectable object like a frame (bytes,
fields with spans, violations), so its dump is the generic one (:mod:`.dump`): colour-coded hex, the
bit layout where there are bit fields (MQTT flags), the field table and the rules broken, titled with
the subprotocol, the sender and which WebSocket message(s) the bytes came from. The decoded value
follows, indented when it is JSON-like. :func:`conversation_text` and :func:`conversation_html` list a
whole conversation, one row per decoded message. Everything shown is escaped; the HTML is
self-contained (inline CSS from :mod:`.palette`).
"""

from __future__ import annotations

import json
from collections.abc import Sequence

from ..codec.subprotocols import DecodedMessage
from .dump import html_dump, text_dump
from .palette import BAD, DUMP_CSS, block, clip, escape, field_color

__all__ = ["conversation_html", "conversation_text", "decoded_html", "decoded_text", "value_text"]

_MAX_VALUE = 8000  # characters of the decoded value shown
_MAX_ROWS = 500  # rows of a conversation table; the rest are counted


def _where(message: DecodedMessage) -> str:
    pieces = message.pieces
    if not pieces:
        return ""
    if len(pieces) == 1:
        return f"WebSocket message #{pieces[0].message + 1}"
    numbers = sorted({p.message + 1 for p in pieces})
    return (
        "WebSocket messages #" + ", #".join(str(n) for n in numbers[:8]) + (" …" if len(numbers) > 8 else "")
    )


def _title(message: DecodedMessage) -> str:
    parts = [message.protocol, message.summary()]
    where = _where(message)
    if where:
        parts.append(where)
    return " · ".join(parts)


def value_text(message: DecodedMessage, limit: int = _MAX_VALUE) -> str:
    """The decoded value as text: indented JSON for JSON-like values, hex for bytes; at most ``limit``
    characters ("" when there is no value)."""
    v = message.value
    if v is None:
        return ""
    if isinstance(v, (bytes, bytearray)):
        text = bytes(v[: limit // 3]).hex(" ")
        return text + (f" … ({len(v):,} bytes)" if len(v) > limit // 3 else "")
    text = json.dumps(v, indent=2, ensure_ascii=False, default=repr)
    return text if len(text) <= limit else text[:limit] + f"\n… ({len(text) - limit:,} more characters)"


def decoded_text(message: DecodedMessage, *, max_bytes: int = 512) -> str:
    """A decoded message for a terminal: the annotated dump, then its value."""
    sections = ("hex", "bits", "fields", "violations")
    out = text_dump(message, max_bytes=max_bytes, sections=sections, title=_title(message))
    value = value_text(message)
    return f"{out}\n\nvalue:\n{value}" if value else out


def decoded_html(message: DecodedMessage, *, max_bytes: int = 512) -> str:
    """A decoded message for a notebook: the annotated dump (hex, bits, fields, rules), then its value."""
    dump = html_dump(message, max_bytes=max_bytes, title=_title(message))
    value = value_text(message)
    if not value:
        return dump
    extra = (
        '<details class="wsx-det" open><summary>Decoded value</summary>'
        f'<pre class="wsx-m" style="white-space: pre-wrap; margin: 2px 0;">{escape(value)}</pre></details>'
    )
    # html_dump is one wrapper div: the value goes inside it, before its end.
    return dump[: -len("</div>")] + extra + "</div>" if dump.endswith("</div>") else dump + extra


def _row_cells(i: int, m: DecodedMessage) -> tuple[str, str, str, str, str]:
    arrow = {"client": "client → server", "server": "server → client"}.get(m.sender or "", "?")
    rules = "; ".join(v.rule for v in m.violations)
    return str(i + 1), arrow, m.kind, m.headline, rules


def conversation_text(messages: Sequence[DecodedMessage], *, max_rows: int = _MAX_ROWS) -> str:
    """A conversation as aligned text, one row per decoded message, rules broken at the end of the row."""
    if not messages:
        return "(no messages)"
    rows = [("#", "from", "type", "what", "rules broken")]
    rows += [_row_cells(i, m) for i, m in enumerate(messages[:max_rows])]
    widths = [max(len(clip(r[c], 40)) for r in rows) for c in range(4)]
    lines = [
        "  ".join(clip(r[c], 40).ljust(widths[c]) for c in range(4)) + ("  ! " + r[4] if r[4] else "")
        for r in rows
    ]
    if len(messages) > max_rows:
        lines.append(f"… {len(messages) - max_rows:,} more messages not listed")
    return "\n".join(line.rstrip() for line in lines)


def conversation_html(messages: Sequence[DecodedMessage], *, max_rows: int = _MAX_ROWS) -> str:
    """A conversation as an HTML table: sender, type (coloured), what, and the rules broken."""
    rows = []
    for i, m in enumerate(messages[:max_rows]):
        n, arrow, kind, what, _ = _row_cells(i, m)
        badges = "".join(
            f'<div class="wsx-then" style="color: {BAD};">⚠ {escape(v.rule)} '
            f'<span class="wsx-ref">({escape(v.section)})</span></div>'
            for v in m.violations
        )
        cls = ' class="wsx-badrow"' if m.violations else ""
        rows.append(
            f'<tr{cls}><td class="wsx-m">{n}</td><td>{escape(arrow)}</td>'
            f'<td><span class="wsx-pill" style="background: {field_color(kind)};">{escape(kind)}</span></td>'
            f'<td class="wsx-m">{escape(clip(what, 120))}{badges}</td></tr>'
        )
    more = (
        f'<div class="wsx-sub">… {len(messages) - max_rows:,} more messages not listed</div>'
        if len(messages) > max_rows
        else ""
    )
    protocol = messages[0].protocol if messages else ""
    broken = sum(1 for m in messages if m.violations)
    sub = f"{len(messages):,} decoded messages · {broken:,} breaking a rule"
    body = (
        f'<div class="wsx-title">{escape(protocol or "subprotocol")} conversation</div>'
        f'<div class="wsx-sub">{escape(sub)}</div>'
        '<table class="wsx-ft"><thead><tr><th>#</th><th>from</th><th>type</th><th>what</th></tr></thead>'
        f"<tbody>{''.join(rows)}</tbody></table>{more}"
    )
    return block("wsx-dump wsx-subprotocol", DUMP_CSS, body)
