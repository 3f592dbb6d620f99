"""Text helpers shared by the handshake modules (:mod:`.accept`, :mod:`.handshake`, :mod:`.negotiation`)."""

from __future__ import annotations

import html

__all__ = ["h", "wire"]


def wire(text: str) -> bytes:
    """Text as it travels in a header: Latin-1 (each character one byte), UTF-8 beyond that."""
    try:
        return text.encode("latin-1")
    except UnicodeEncodeError:
        return text.encode("utf-8")


def h(text: object) -> str:
    """``text`` escaped for HTML."""
    return html.escape(str(text))
