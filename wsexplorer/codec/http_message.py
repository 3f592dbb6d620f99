"""What the handshake's request and response share: an HTTP message parsed leniently, line by line.

:class:`HTTPMessage` keeps the bytes as received (``bytes(parse(x)) == x``), every line's byte range,
the headers in wire order, and the grammar problems as :class:`~wsexplorer.anatomy.Violation` objects
instead of raising (RFC 7230 §3, §3.2; the list headers of RFC 6455 §4.3). Only input that cannot be
read as a message at all raises. :class:`~wsexplorer.codec.handshake.HandshakeRequest` and
``HandshakeResponse`` add the start line's grammar and the WebSocket meanings.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import replace
from typing import ClassVar

from ..anatomy import Field, FieldList, Span, Violation
from ..errors import HandshakeParseError
from .header_meanings import HeaderMeaning
from .headers import (
    ExtensionOffer,
    is_token,
    locate_offset,
    parse_each_line,
    parse_extension_list,
    parse_protocol_list,
    parse_token_list,
)
from .http import (
    MAX_HEADER_LINES,
    HeaderLine,
    MessagePiece,
    StartLine,
    find_header_end,
    first_control,
    split_lines,
)

__all__ = ["HTTPMessage"]


class HTTPMessage:
    """What requests and responses share: lines with byte ranges, headers, violations, dumps."""

    _what: ClassVar[str] = "message"
    _start_name: ClassVar[str] = "Start line"
    # Violations in a request tell the server what to answer; a response has no one to answer.
    _violation_status: ClassVar[int | None] = None

    def __init__(self, data: bytes | bytearray | memoryview) -> None:
        """Parse ``data``: exactly one header block (see ``parse``)."""
        raw = bytes(data)
        end = find_header_end(raw)
        if end is None:
            raise HandshakeParseError(
                f"no blank line ends the {self._what}'s header block (it must end with CRLF CRLF)",
                section="RFC 7230 §3",
                offset=len(raw),
                http_status=400,
            )
        self._data = raw
        self._header_end = end
        self._check_trailing(raw, end)
        self.violations: list[Violation] = []
        self._headers: list[HeaderLine] = []
        self._pieces: list[MessagePiece] = []
        lines = split_lines(raw, end)
        first_start, first_content_end, first_end = lines[0]
        first_text = raw[first_start:first_content_end].decode("latin-1")
        if first_content_end == first_start:
            raise HandshakeParseError(
                f"no {self._start_name.lower()}: the {self._what} starts with an empty line",
                section="RFC 7230 §3.1",
                offset=0,
                http_status=400,
            )
        self.start_line = self._parse_start_line(
            first_text, first_start, first_end, self._ending(raw, first_content_end, first_end)
        )
        # The only violations so far are the start line's: name the field they belong to.
        self.violations = [replace(v, field=self._start_name) for v in self.violations]
        self._pieces.append(MessagePiece("start", first_start, first_end, first_text))
        for number, (start, content_end, line_end) in enumerate(lines[1:-1], start=1):
            if number > MAX_HEADER_LINES:
                raise HandshakeParseError(
                    f"more than {MAX_HEADER_LINES} header lines",
                    section="RFC 7230 §3.2.5",
                    offset=start,
                    http_status=431,
                )
            self._parse_header_line(raw, start, content_end, line_end)
        blank_start, _, blank_end = lines[-1]
        self._pieces.append(MessagePiece("blank", blank_start, blank_end, ""))
        if end < len(raw):
            self._pieces.append(MessagePiece("body", end, len(raw), ""))
        self._check_list_headers()

    # -- parsing helpers ---------------------------------------------------------------------------

    @staticmethod
    def _ending(raw: bytes, content_end: int, line_end: int) -> str:
        return raw[content_end:line_end].decode("latin-1")

    def _check_trailing(self, raw: bytes, end: int) -> None:
        """Requests refuse bytes after the header block; responses keep them as the body."""

    def _parse_start_line(self, text: str, start: int, end: int, ending: str) -> StartLine:
        raise NotImplementedError

    def _violate(self, rule: str, start: int, end: int, section: str, name: str = "") -> None:
        self.violations.append(
            Violation(rule, start, end, section, http_status=self._violation_status, field=name)
        )

    def _parse_header_line(self, raw: bytes, start: int, content_end: int, line_end: int) -> None:
        # header-field = field-name ":" OWS field-value OWS          (RFC 7230 §3.2)
        # field-name   = token
        # field-value  = *( field-content / obs-fold )
        text = raw[start:content_end].decode("latin-1")
        if text[0] in " \t":
            self._violate(
                "a line starting with whitespace continues the previous header (obsolete line "
                "folding); a server must reject it",
                start,
                line_end,
                "RFC 7230 §3.2.4",
            )
            self._pieces.append(MessagePiece("malformed", start, line_end, text))
            return
        colon = text.find(":")
        if colon < 0:
            self._violate("header line has no ':' between name and value", start, line_end, "RFC 7230 §3.2")
            self._pieces.append(MessagePiece("malformed", start, line_end, text))
            return
        name = text[:colon].rstrip(" \t")
        if len(name) != colon:
            self._violate(
                f"whitespace between header name {name!r} and ':' is not allowed",
                start + len(name),
                start + colon,
                "RFC 7230 §3.2.4",
                name,
            )
        if not is_token(name):
            bad = next((i for i, c in enumerate(name) if not is_token(c)), 0)
            self._violate(
                f"header name {name!r} is not a token" if name else "header name is empty",
                start + bad,
                start + max(bad + 1, 1),
                "RFC 7230 §3.2",
                name,
            )
        rest = text[colon + 1 :]
        lead = len(rest) - len(rest.lstrip(" \t"))
        value = rest.strip(" \t")
        value_start = start + colon + 1 + lead
        control = first_control(value)
        if control >= 0:
            self._violate(
                f"header {name}: control character 0x{ord(value[control]):02x} in the value",
                value_start + control,
                value_start + control + 1,
                "RFC 7230 §3.2",
                name,
            )
        line = HeaderLine(
            name=name,
            value=value,
            start=start,
            end=line_end,
            name_span=Span.of_bytes(start, start + len(name)),
            value_span=Span.of_bytes(value_start, value_start + len(value)),
            line_ending=self._ending(raw, content_end, line_end),
        )
        self._headers.append(line)
        self._pieces.append(MessagePiece("header", start, line_end, text, line))

    def _check_list_headers(self) -> None:
        """Record grammar violations of the list-valued headers WebSocket reads (RFC 6455 §4.3)."""
        parsers: list[tuple[str, Callable[[Sequence[str]], Sequence[object]]]] = [
            ("Connection", parse_token_list),
            ("Upgrade", parse_protocol_list),
            ("Sec-WebSocket-Protocol", parse_token_list),
            ("Sec-WebSocket-Extensions", parse_extension_list),
        ]
        for name, parser in parsers:
            lines = self.header_lines(name)
            if not lines:
                continue
            values = [line.value for line in lines]
            try:
                parser(values)
            except HandshakeParseError as err:
                index, column = locate_offset(values, err.offset or 0)
                line = lines[index]
                at = line.value_span.byte_start + column
                end = min(at + 1, line.value_span.byte_end)
                self._violate(f"{name}: {err.rule}", at, max(end, at), err.section, line.name)

    # -- access ------------------------------------------------------------------------------------

    def __bytes__(self) -> bytes:
        return self._data

    def __len__(self) -> int:
        return len(self._data)

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, HTTPMessage):
            return NotImplemented
        return type(other) is type(self) and other._data == self._data

    def __hash__(self) -> int:
        return hash((type(self).__name__, self._data))

    @property
    def header_block(self) -> bytes:
        """The bytes up to and including the blank line."""
        return self._data[: self._header_end]

    @property
    def headers(self) -> list[HeaderLine]:
        """Every well-formed header line, in wire order."""
        return list(self._headers)

    def header_lines(self, name: str) -> list[HeaderLine]:
        """The header lines called ``name``, compared case-insensitively (RFC 7230 §3.2)."""
        key = name.lower()
        return [line for line in self._headers if line.name.lower() == key]

    def get(self, name: str) -> str | None:
        """The value of the first header called ``name`` (case-insensitive), or ``None``."""
        lines = self.header_lines(name)
        return lines[0].value if lines else None

    def get_all(self, name: str) -> list[str]:
        """The values of every header line called ``name`` (case-insensitive), in order."""
        return [line.value for line in self.header_lines(name)]

    @property
    def http_version(self) -> str:
        """The HTTP version as sent, e.g. ``"HTTP/1.1"``."""
        return self.start_line.part("version")

    @property
    def connection(self) -> list[str]:
        """The tokens of the Connection header lines that parse (RFC 7230 §6.1)."""
        return parse_each_line(self.get_all("Connection"), parse_token_list)

    @property
    def upgrade(self) -> list[str]:
        """The protocols of the Upgrade header lines that parse (RFC 7230 §6.7)."""
        return parse_each_line(self.get_all("Upgrade"), parse_protocol_list)

    @property
    def extensions(self) -> list[ExtensionOffer]:
        """The Sec-WebSocket-Extensions elements of the lines that parse (RFC 6455 §9.1)."""
        return parse_each_line(self.get_all("Sec-WebSocket-Extensions"), parse_extension_list)

    @property
    def subprotocols(self) -> list[str]:
        """The Sec-WebSocket-Protocol tokens of the lines that parse (RFC 6455 §4.1 item 10)."""
        return parse_each_line(self.get_all("Sec-WebSocket-Protocol"), parse_token_list)

    # -- anatomy -----------------------------------------------------------------------------------

    def _start_meaning(self) -> str:
        raise NotImplementedError

    def _start_ref(self) -> str:
        raise NotImplementedError

    def _meaning_of(self, name: str) -> HeaderMeaning:
        raise NotImplementedError

    @property
    def fields(self) -> list[Field]:
        """One :class:`~wsexplorer.anatomy.Field` per line, plus the body if there is one."""
        out = FieldList()
        data = self._data
        for piece in self._pieces:
            span = Span.of_bytes(piece.start, piece.end)
            if piece.kind == "start":
                out.add(
                    data,
                    self._start_name,
                    span,
                    piece.text,
                    self._start_meaning(),
                    self._start_ref(),
                    "required",
                )
            elif piece.kind == "header" and piece.header is not None:
                line = piece.header
                meaning, ref, group = self._meaning_of(line.name)
                if line.line_ending == "\n":
                    meaning += " (Ends with a bare LF instead of CRLF, tolerated per RFC 7230 §3.5.)"
                out.add(data, line.name, span, line.value, meaning, ref, group)
            elif piece.kind == "malformed":
                out.add(
                    data,
                    "(malformed line)",
                    span,
                    piece.text,
                    "A line that is not a valid header line; see the violations.",
                    "RFC 7230 §3.2",
                    "other",
                )
            elif piece.kind == "blank":
                out.add(
                    data,
                    "End of headers",
                    span,
                    "",
                    self._end_meaning(),
                    "RFC 7230 §3",
                    "required",
                )
            else:
                out.add(
                    data,
                    "Body",
                    span,
                    data[piece.start : piece.end],
                    self._body_meaning(),
                    "RFC 7230 §3.3",
                    "other",
                )
        return out.items

    def _end_meaning(self) -> str:
        """What the empty line ending this message's header block means (the message says)."""
        return "The empty line that ends the header block."

    def _body_meaning(self) -> str:
        return "The body after the header block."

    def _summary(self) -> str:
        raise NotImplementedError

    def __repr__(self) -> str:
        problems = len(self.violations)
        tail = f", {problems} violation{'s' if problems != 1 else ''}" if problems else ""
        return f"<{type(self).__name__} {self._summary()}, {len(self._headers)} headers{tail}>"
