"""What a person types into the live widget, read: extra handshake headers, binary as hex or base64,
and errors put back into words (a refused handshake with the server's status line and body).
"""

from __future__ import annotations

import base64
import binascii

from ..errors import WSExplorerError
from ._common import parse_hex

__all__ = ["decode_binary", "describe_error", "header_lines"]


def describe_error(exc: BaseException) -> str:
    """An error in words; for a refused handshake, the server's status line and body too."""
    text = f"{type(exc).__name__}: {exc}"
    response = getattr(exc, "response", None) if isinstance(exc, WSExplorerError) else None
    if response is not None:
        body = bytes(response.body or b"").decode("utf-8", "replace").strip()
        if len(body) > 400:
            body = body[:400] + "…"
        text = f"HTTP {response.status} {response.reason}" + (f" — {body}" if body else "") + f" ({text})"
    return text


def header_lines(text: str) -> list[tuple[str, str]]:
    """Extra handshake headers typed one per line as ``Name: value``."""
    out = []
    for number, line in enumerate(text.splitlines(), 1):
        if not line.strip():
            continue
        name, sep, value = line.partition(":")
        if not sep or not name.strip():
            raise ValueError(f"header line {number} {line!r}: write it as 'Name: value'")
        out.append((name.strip(), value.strip()))
    return out


def decode_binary(text: str, encoding: str) -> bytes:
    """Bytes typed as hex (``00 ff``, ``0x00:ff``) or base64; ValueError in words for a person."""
    if encoding == "base64":
        cleaned = "".join(text.split())
        try:
            return base64.b64decode(cleaned, validate=True)
        except (binascii.Error, ValueError) as exc:
            raise ValueError(f"not base64 ({exc}): use A-Z a-z 0-9 + / and = padding") from None
    return parse_hex(text)
