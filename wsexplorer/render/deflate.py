"""A compressed message seen both ways (RFC 7692 §7.2): the wire bytes, the implied tail, the inflated text.

The view of :class:`~wsexplorer.codec.extensions.permessage_deflate.CompressedMessage`: its sizes, its
settings (context takeover, window) and one row per field (the first DEFLATE block's BFINAL and BTYPE
bits, the ``00 00 ff ff`` the receiver appends, what it inflates to). Sizes are said in words ("40%
smaller", "15% larger", never a negative saving), and a message that grew says why.
:func:`messages_table_html` is the table of a sequence of messages (the DeflateExplorer's).
"""

from __future__ import annotations

from collections.abc import Sequence

from ..codec.extensions.permessage_deflate import EXTENSION_NAME, CompressedMessage
from .handshake import LEFT, section_html
from .notes import styled
from .palette import DUMP_CSS, block, escape

__all__ = [
    "RATIO_MEANING",
    "compressed_html",
    "compressed_text",
    "growth_note",
    "messages_table_html",
    "size_change",
]

RATIO_MEANING = (
    "Original = the message's own bytes (its text in UTF-8); compressed = the bytes sent on the wire as "
    "the frame's payload (the frame header, 2 to 14 bytes, comes on top). The ratio is compressed size "
    "÷ original size: below 1 the message got smaller, above 1 it got larger."
)
"""What the sizes and the ratio mean, said once above the numbers."""


def size_change(original: int, compressed: int) -> str:
    """How the size changed, in words: ``"40% smaller"``, ``"15% larger"``, ``"same size"``."""
    if not original:
        return "empty message"
    if compressed == original:
        return "same size"
    percent = abs(compressed - original) * 100 / original
    shown = f"{percent:.0f}" if percent >= 1 else "less than 1"
    return f"{shown}% {'smaller' if compressed < original else 'larger'}"


def growth_note(message: CompressedMessage) -> str:
    """Why ``message`` got larger under DEFLATE (RFC 1951 §3.2, RFC 7692 §7.2.1); ``""`` if it did not."""
    original, compressed = len(message.inflated), len(message.compressed)
    if not original or compressed <= original:
        return ""
    return (
        f"Why {original} bytes became {compressed}: DEFLATE saves bytes only where text repeats (it "
        "writes “the same 12 bytes as 40 bytes back”) or where a few characters are far more common "
        f"than the others. {original} bytes hold too little of either, so each character still costs "
        "about a byte. On top of that, DEFLATE adds a few bits of its own to every message: a block "
        "header, an end-of-block code and the start of the empty block that ends the message, rounded "
        "up to a whole byte. (That empty block's last 4 bytes, 00 00 ff ff, are the sync marker the "
        "sender leaves off the wire, RFC 7692 §7.2.1.)"
    )


def _settings(message: CompressedMessage) -> str:
    if message.window_bits is None:
        window = "unknown"
    else:
        window = f"2^{message.window_bits} = {2**message.window_bits:,} bytes"
    takeover = "yes (it may refer back to earlier messages)" if message.context_takeover else "no"
    return f"context takeover: {takeover}; window: {window}"


def _ratio(message: CompressedMessage) -> str:
    if message.ratio is None:
        return "ratio: none (an empty message)"
    change = size_change(len(message.inflated), len(message.compressed))
    return f"ratio {message.ratio:.2f} = compressed size ÷ original size ({change})"


def compressed_text(message: CompressedMessage) -> str:
    """A short annotated dump, one field per line."""
    lines = [
        f"{EXTENSION_NAME} message: {message.summary()}",
        f"  {_settings(message)}",
        f"  {_ratio(message)}",
    ]
    for f in message.fields:
        value = f.bits if f.bits else f.display_value()
        lines.append(f"  {f.name:<20} {value:<40} {f.meaning} [{f.rfc_ref}]")
    note = growth_note(message)
    if note:
        lines.append(f"  {note}")
    return "\n".join(lines)


def compressed_html(message: CompressedMessage) -> str:
    """The same as a table (``wsx-dump`` styles)."""
    rows = []
    for f in message.fields:
        value = f.bits if f.bits else f.display_value()
        rows.append(
            f'<tr><td style="{LEFT}">{escape(f.group)}</td><td style="{LEFT}"><b>{escape(f.name)}</b></td>'
            f'<td class="wsx-m" style="{LEFT};white-space:normal;overflow-wrap:anywhere">{escape(value)}</td>'
            f'<td style="{LEFT}">{escape(f.meaning)}</td>'
            f'<td class="wsx-ref" style="{LEFT};white-space:normal">{section_html(f.rfc_ref)}</td></tr>'
        )
    heads = "".join(f'<th style="{LEFT}">{h}</th>' for h in ("group", "field", "value", "meaning", "RFC"))
    note = growth_note(message)
    body = (
        f'<div class="wsx-title">{escape(EXTENSION_NAME)} message</div>'
        f'<div class="wsx-sub">{escape(message.summary())}<br>{escape(_settings(message))}<br>'
        f"{escape(_ratio(message))}</div>"
        f'<table class="wsx-ft"><thead><tr>{heads}</tr></thead><tbody>{"".join(rows)}</tbody></table>'
        + (f'<div class="wsx-note" style="margin-left:0">{escape(note)}</div>' if note else "")
    )
    return block("wsx-dump wsx-deflate", DUMP_CSS, body)


def messages_table_html(messages: Sequence[CompressedMessage], inflated: Sequence[bytes]) -> str:
    """One row per message: sizes, ratio in words, the wire bytes, what the receiver inflated.

    ``inflated[i]`` is what the receiving side made of ``messages[i]`` (RFC 7692 §7.2.2). The meaning
    of the sizes and the ratio is said above the table, and why a message grew below it (once).
    """
    heads = (
        "#",
        "original",
        "compressed",
        "compressed ÷ original",
        "compressed bytes on the wire (hex)",
        "text after inflating",
    )
    rows = [
        "<table class='wsx-w-table' style='margin:2px 0'><thead><tr>",
        *(f"<th style='{LEFT}'>{h}</th>" for h in heads),
        "</tr></thead><tbody>",
    ]
    for i, (message, received) in enumerate(zip(messages, inflated, strict=True), start=1):
        ratio = message.ratio
        shown, bar = "—", ""
        if ratio is not None:
            shown = f"{ratio:.2f}"
            width = max(2, min(100, round(ratio * 100)))
            colour = "var(--wsx-good, #137333)" if ratio < 1 else "var(--wsx-bad, #c5221f)"
            bar = f"<div class='wsx-w-bar' style='width:{width}px;background:{colour}'></div>"
        words = size_change(len(message.inflated), len(message.compressed))
        text = received.decode("utf-8", "replace")
        more = "…" if len(text) > 70 else ""
        hexed = message.compressed[:20].hex(" ")
        if len(message.compressed) > 20:
            hexed += f" … (+{len(message.compressed) - 20:,} bytes)"
        rows.append(
            f"<tr><td style='{LEFT}'>{i}</td>"
            f"<td style='{LEFT};white-space:nowrap'>{len(message.inflated):,} B</td>"
            f"<td style='{LEFT};white-space:nowrap'><b>{len(message.compressed):,} B</b></td>"
            f"<td style='{LEFT}'>{shown}{bar}<span class='wsx-w-small'>{words}</span></td>"
            f"<td class='wsx-w-m' style='{LEFT};overflow-wrap:anywhere'>{escape(hexed or '(no bytes)')}</td>"
            f"<td class='wsx-w-m' style='{LEFT};overflow-wrap:anywhere'>{escape(text[:70])}{more}</td></tr>"
        )
    rows.append("</tbody></table>")
    grown = next((m for m in messages if growth_note(m)), None)
    note = ""
    if grown is not None:
        number = list(messages).index(grown) + 1
        note = (
            f"<div class='wsx-w-call wsx-w-info' style='margin-top:6px'><b>Message #{number} got larger.</b> "
            f"{escape(growth_note(grown))}</div>"
        )
    lead = f"<div class='wsx-w-small' style='margin:2px 0 4px'>{escape(RATIO_MEANING)}</div>"
    return styled(lead + "".join(rows) + note)
