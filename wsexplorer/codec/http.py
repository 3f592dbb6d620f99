"""HTTP/1.1 messages as the opening handshake uses them: header blocks, lines, byte ranges (RFC 7230 §3).

The handshake is an HTTP exchange (RFC 6455 §4), so before anything WebSocket-specific the bytes are cut
into a start line, header lines and a blank line, each with its byte range and line ending, and
bounded: :data:`MAX_HEADER_BYTES` and :data:`MAX_HEADER_LINES` stop a peer that never ends its header
block. :class:`~wsexplorer.codec.http_message.HTTPMessage` builds on these pieces.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Literal

from ..anatomy import Span
from ..errors import HandshakeParseError
from .headers import is_token

__all__ = [
    "MAX_HEADER_BYTES",
    "MAX_HEADER_LINES",
    "HeaderInput",
    "HeaderLine",
    "MessagePiece",
    "StartLine",
    "find_header_end",
    "first_control",
    "header_bytes",
    "header_pairs",
    "serialize_message",
    "split_lines",
]

MAX_HEADER_BYTES = 16384
"""The longest header block accepted, blank line included (our limit; RFC 7230 §3.2.5)."""

MAX_HEADER_LINES = 128
"""The most header lines accepted in one message (a limit of ours, RFC 7230 §3.2.5)."""


# A blank line: an LF followed by an optional CR and another LF (CRLF CRLF, LF LF, or a mix).
_BLANK_LINE = re.compile(rb"\n\r?\n")


def find_header_end(buffer: bytes | bytearray, start: int = 0) -> int | None:
    """The index one past the blank line that ends the header block beginning at ``start``.

    ``None`` when the blank line has not arrived yet. Raises HandshakeParseError when there is no
    blank line within :data:`MAX_HEADER_BYTES` bytes (RFC 7230 §3: an empty line ends the headers).
    Bare LF line ends are recognised, as RFC 7230 §3.5 allows.
    """
    limit = start + MAX_HEADER_BYTES
    match = _BLANK_LINE.search(buffer, start, limit)
    if match is not None:
        return match.end()
    if len(buffer) >= limit:
        raise HandshakeParseError(
            f"no blank line ends the header block within {MAX_HEADER_BYTES} bytes",
            section="RFC 7230 §3.2.5",
            offset=limit,
            http_status=431,
        )
    return None


@dataclass(frozen=True, slots=True)
class HeaderLine:
    """One header line as received: name and value as sent, with byte ranges in the message.

    ``start``/``end`` cover the whole line including its line end; ``value`` has the optional
    whitespace around it removed (RFC 7230 §3.2: OWS is not part of the value).
    """

    name: str
    value: str
    start: int
    end: int
    name_span: Span
    value_span: Span
    line_ending: str = "\r\n"

    @property
    def span(self) -> Span:
        """The span of the whole line, line end included."""
        return Span.of_bytes(self.start, self.end)


@dataclass(frozen=True, slots=True)
class StartLine:
    """The request line or status line with the byte span of each part (RFC 7230 §3.1)."""

    text: str
    start: int
    end: int
    parts: tuple[tuple[str, str, Span], ...]
    line_ending: str = "\r\n"

    def part(self, name: str) -> str:
        """The text of the part called ``name`` (``method``, ``target``, ``status`` ...)."""
        for key, value, _ in self.parts:
            if key == name:
                return value
        raise KeyError(name)


@dataclass(frozen=True, slots=True)
class MessagePiece:
    """One line (or the body) of a message, in wire order, for the field listing."""

    kind: Literal["start", "header", "malformed", "blank", "body"]
    start: int
    end: int
    text: str
    header: HeaderLine | None = None


def split_lines(data: bytes, end: int) -> list[tuple[int, int, int]]:
    """``(start, content_end, line_end)`` for each line of ``data[:end]``, which ends with LF."""
    lines = []
    pos = 0
    while pos < end:
        lf = data.find(b"\n", pos, end)
        if lf < 0:  # cannot happen: the block ends with a blank line
            lf = end - 1
        content_end = lf - 1 if lf > pos and data[lf - 1] == 0x0D else lf
        lines.append((pos, content_end, lf + 1))
        pos = lf + 1
    return lines


def first_control(text: str) -> int:
    """Offset of the first control character other than HTAB (RFC 7230 §3.2 field-vchar), or -1."""
    for i, c in enumerate(text):
        o = ord(c)
        if (o < 0x20 and c != "\t") or o == 0x7F:
            return i
    return -1


def header_bytes(text: str) -> bytes:
    """Text as it travels in a header: Latin-1 (each character one byte), UTF-8 beyond that."""
    try:
        return text.encode("latin-1")
    except UnicodeEncodeError:
        return text.encode("utf-8")


HeaderInput = Sequence[tuple[str, str]] | Mapping[str, str]


def header_pairs(headers: HeaderInput) -> list[tuple[str, str]]:
    if isinstance(headers, Mapping):
        return list(headers.items())
    return list(headers)


def serialize_message(start_line: str, headers: Sequence[tuple[str, str]], body: bytes = b"") -> bytes:
    """A message from a start line and header pairs; ValueError for values that would break it."""
    out = [header_bytes(start_line) + b"\r\n"]
    for name, value in headers:
        if not is_token(name):
            raise ValueError(f"header name {name!r} is not a token (RFC 7230 §3.2)")
        if first_control(value) >= 0:
            raise ValueError(f"header {name}: value {value!r} contains a control character")
        out.append(header_bytes(f"{name}: {value}") + b"\r\n")
    out.append(b"\r\n")
    return b"".join(out) + body
