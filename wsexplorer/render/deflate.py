"""A compressed message seen both ways (RFC 7692 §7.2): the wire bytes, the implied tail, the inflated text.

The view of :class:`~wsexplorer.codec.extensions.permessage_deflate.CompressedMessage`: its sizes, its
settings (context takeover, window) and one row per field (the first DEFLATE block's BFINAL and BTYPE
bits, the ``00 00 ff ff`` the receiver appends, what it inflates to).
"""

from __future__ import annotations

from ..codec.extensions.permessage_deflate import EXTENSION_NAME, CompressedMessage
from .palette import DUMP_CSS, block, escape

__all__ = ["compressed_html", "compressed_text"]


def _settings(message: CompressedMessage) -> str:
    window = "unknown" if message.window_bits is None else f"2**{message.window_bits} bytes"
    takeover = "yes" if message.context_takeover else "no"
    return f"context takeover: {takeover}; window: {window}"


def compressed_text(message: CompressedMessage) -> str:
    """A short annotated dump, one field per line."""
    lines = [f"{EXTENSION_NAME} message: {message.summary()}", f"  {_settings(message)}"]
    for f in message.fields:
        value = f.bits if f.bits else f.display_value()
        lines.append(f"  {f.name:<20} {value:<40} {f.meaning} [{f.rfc_ref}]")
    return "\n".join(lines)


def compressed_html(message: CompressedMessage) -> str:
    """The same as a table (``wsx-dump`` styles)."""
    rows = []
    for f in message.fields:
        value = f.bits if f.bits else f.display_value()
        rows.append(
            f"<tr><td>{escape(f.group)}</td><td><b>{escape(f.name)}</b></td>"
            f'<td class="wsx-m">{escape(value)}</td><td>{escape(f.meaning)}</td>'
            f'<td class="wsx-ref">{escape(f.rfc_ref)}</td></tr>'
        )
    body = (
        f'<div class="wsx-title">{escape(EXTENSION_NAME)} message</div>'
        f'<div class="wsx-sub">{escape(message.summary())}<br>{escape(_settings(message))}</div>'
        '<table class="wsx-ft"><thead><tr><th>group</th><th>field</th><th>value</th><th>meaning</th>'
        f"<th>RFC</th></tr></thead><tbody>{''.join(rows)}</tbody></table>"
    )
    return block("wsx-dump wsx-deflate", DUMP_CSS, body)
