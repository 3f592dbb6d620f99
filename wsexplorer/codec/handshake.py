"""The opening handshake's HTTP messages: the client's Upgrade request and the server's answer (RFC 6455 §4).

Lenient, byte-exact parsing and building of requests and responses (:class:`HandshakeRequest`,
:class:`HandshakeResponse`): every line keeps its byte range, ``bytes(parse(x)) == x``, and problems are
recorded as :class:`~wsexplorer.anatomy.Violation` objects instead of raised. The accept key lives in
:mod:`.accept`; the server's decision and the client's check in :mod:`.negotiation`.

Sans-I/O: bytes in, objects out; no sockets, no clock, and randomness is injectable.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace
from http import HTTPStatus
from typing import ClassVar, Literal
from urllib.parse import urlsplit

from ..anatomy import Field, FieldList, Span, Violation
from ..errors import HandshakeParseError, TrailingBytes
from ._text import h, wire
from .accept import accept_key, generate_key
from .extensions import Extension, ExtensionOffer
from .headers import (
    is_token,
    locate_offset,
    parse_each_line,
    parse_extension_list,
    parse_protocol_list,
    parse_token_list,
    serialize_extension_list,
    serialize_token_list,
)

__all__ = [
    "MAX_HEADER_BYTES",
    "MAX_HEADER_LINES",
    "HandshakeRequest",
    "HandshakeResponse",
    "HeaderLine",
    "StartLine",
    "find_header_end",
]

MAX_HEADER_BYTES = 16384
"""The longest header block accepted, blank line included (our limit; RFC 7230 §3.2.5)."""

MAX_HEADER_LINES = 128
"""The most header lines accepted in one message (a limit of ours, RFC 7230 §3.2.5)."""


# --------------------------------------------------------------------------------------------------
# Framing the header block
# --------------------------------------------------------------------------------------------------

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
class _Piece:
    """One line (or the body) of a message, in wire order, for the field listing."""

    kind: Literal["start", "header", "malformed", "blank", "body"]
    start: int
    end: int
    text: str
    header: HeaderLine | None = None


def _split_lines(data: bytes, end: int) -> list[tuple[int, int, int]]:
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


def _first_control(text: str) -> int:
    """Offset of the first control character other than HTAB (RFC 7230 §3.2 field-vchar), or -1."""
    for i, c in enumerate(text):
        o = ord(c)
        if (o < 0x20 and c != "\t") or o == 0x7F:
            return i
    return -1


# --------------------------------------------------------------------------------------------------
# What each header is for (the seed's table of required and optional headers, in plain words)
# --------------------------------------------------------------------------------------------------

_GENERIC = (
    "A header the WebSocket handshake does not define; WebSocket ignores it (RFC 6455 §4.2.1 "
    "item 10), though HTTP software such as cookies or authentication may use it.",
    "RFC 7230 §3.2",
    "other",
)

_REQUEST_MEANINGS: dict[str, tuple[str, str, str]] = {
    "host": (
        "Which server the client wants (host name, plus the port when not the default); one IP "
        "address can serve many sites.",
        "RFC 6455 §4.1 item 4",
        "required",
    ),
    "upgrade": (
        "Request protocol upgrade: asks to switch this connection from HTTP to 'websocket'.",
        "RFC 6455 §4.1 item 5",
        "required",
    ),
    "connection": (
        "Indicates upgrade requested: must include the token 'Upgrade' so the Upgrade header is "
        "acted on, not dropped by a proxy.",
        "RFC 6455 §4.1 item 6",
        "required",
    ),
    "sec-websocket-key": (
        "Random base64 value for handshake validation: 16 fresh random bytes; the server hashes "
        "it into Sec-WebSocket-Accept to prove it read this handshake.",
        "RFC 6455 §4.1 item 7",
        "required",
    ),
    "sec-websocket-version": (
        "WebSocket protocol version: must be 13 (the version of RFC 6455).",
        "RFC 6455 §4.1 item 9",
        "required",
    ),
    "origin": (
        "Where request originates (CORS): the site of the page that opened the connection. "
        "Browsers always send it, so a server can refuse other sites.",
        "RFC 6455 §4.1 item 8, §10.2",
        "optional",
    ),
    "sec-websocket-protocol": (
        "Subprotocol preferences (application-defined): the message formats the client speaks, "
        "most preferred first; the server picks at most one.",
        "RFC 6455 §4.1 item 10",
        "optional",
    ),
    "sec-websocket-extensions": (
        "Extension negotiation (e.g., compression): extensions the client offers, with "
        "parameters, most preferred first.",
        "RFC 6455 §4.1 item 11, §9.1",
        "optional",
    ),
}

_RESPONSE_MEANINGS: dict[str, tuple[str, str, str]] = {
    "upgrade": (
        "Confirms the protocol the connection switches to: websocket.",
        "RFC 6455 §4.2.2 step 5.2",
        "required",
    ),
    "connection": (
        "Confirms that this response is an upgrade (value 'Upgrade').",
        "RFC 6455 §4.2.2 step 5.3",
        "required",
    ),
    "sec-websocket-accept": (
        "base64(SHA-1(key + GUID)): proves the server read this client's Sec-WebSocket-Key. "
        "The client aborts if it is not what it expects.",
        "RFC 6455 §4.2.2 step 5.4",
        "required",
    ),
    "sec-websocket-protocol": (
        "The one subprotocol the server chose from the client's list.",
        "RFC 6455 §4.2.2 step 5.5",
        "optional",
    ),
    "sec-websocket-extensions": (
        "The extensions in use and the parameters the server agreed to, in processing order.",
        "RFC 6455 §4.2.2 step 5.6, §9.1",
        "optional",
    ),
    "sec-websocket-version": (
        "The protocol versions the server understands, sent when it refuses the client's version "
        "(usually with 426 Upgrade Required).",
        "RFC 6455 §4.4",
        "optional",
    ),
}

# In a refusal (any status but 101) these headers mean something else than in an upgrade.
_REFUSAL_MEANINGS: dict[str, tuple[str, str, str]] = {
    "connection": (
        "How the connection goes on after this answer: 'close' means the server hangs up once the "
        "response is sent ('Upgrade' as well in a 426: the client may retry with another version).",
        "RFC 7230 §6.1",
        "other",
    ),
    "upgrade": (
        "In a 426 Upgrade Required: the protocol the client must use to get an answer.",
        "RFC 7231 §6.5.15",
        "other",
    ),
}

_COMMON_MEANINGS: dict[str, tuple[str, str, str]] = {
    "user-agent": ("The client software's name and version.", "RFC 7231 §5.5.3", "other"),
    "cookie": ("Cookies the client stored for this site.", "RFC 6265 §5.4", "other"),
    "set-cookie": ("A cookie the server asks the client to store.", "RFC 6265 §4.1", "other"),
    "authorization": ("Credentials authenticating the client.", "RFC 7235 §4.2", "other"),
    "content-type": ("The media type of the body.", "RFC 7231 §3.1.1.5", "other"),
    "content-length": ("The length of the body in bytes.", "RFC 7230 §3.3.2", "other"),
    "server": ("The server software's name and version.", "RFC 7231 §7.4.2", "other"),
    "date": ("When the message was sent.", "RFC 7231 §7.1.1.2", "other"),
    "cache-control": ("Caching directives.", "RFC 7234 §5.2", "other"),
    "pragma": ("Legacy caching directive (no-cache).", "RFC 7234 §5.4", "other"),
}


# --------------------------------------------------------------------------------------------------
# Messages
# --------------------------------------------------------------------------------------------------

HeaderInput = Sequence[tuple[str, str]] | Mapping[str, str]


def _header_pairs(headers: HeaderInput) -> list[tuple[str, str]]:
    if isinstance(headers, Mapping):
        return list(headers.items())
    return list(headers)


def _serialize(start_line: str, headers: Sequence[tuple[str, str]], body: bytes = b"") -> bytes:
    """A message from a start line and header pairs; ValueError for values that would break it."""
    out = [wire(start_line) + b"\r\n"]
    for name, value in headers:
        if not is_token(name):
            raise ValueError(f"header name {name!r} is not a token (RFC 7230 §3.2)")
        if _first_control(value) >= 0:
            raise ValueError(f"header {name}: value {value!r} contains a control character")
        out.append(wire(f"{name}: {value}") + b"\r\n")
    out.append(b"\r\n")
    return b"".join(out) + body


class _HTTPMessage:
    """What requests and responses share: lines with byte ranges, headers, violations, dumps."""

    _what: ClassVar[str] = "message"
    _start_name: ClassVar[str] = "Start line"
    _meanings: ClassVar[dict[str, tuple[str, str, str]]] = {}
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
        self._pieces: list[_Piece] = []
        lines = _split_lines(raw, end)
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
        self._pieces.append(_Piece("start", first_start, first_end, first_text))
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
        self._pieces.append(_Piece("blank", blank_start, blank_end, ""))
        if end < len(raw):
            self._pieces.append(_Piece("body", end, len(raw), ""))
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
            self._pieces.append(_Piece("malformed", start, line_end, text))
            return
        colon = text.find(":")
        if colon < 0:
            self._violate("header line has no ':' between name and value", start, line_end, "RFC 7230 §3.2")
            self._pieces.append(_Piece("malformed", start, line_end, text))
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
        control = _first_control(value)
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
        self._pieces.append(_Piece("header", start, line_end, text, line))

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
        if not isinstance(other, _HTTPMessage):
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

    def _meaning_of(self, name: str) -> tuple[str, str, str]:
        key = name.lower()
        return self._meanings.get(key) or _COMMON_MEANINGS.get(key) or _GENERIC

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
                    "The empty line that ends the header block. After a 101 response, WebSocket "
                    "frames follow on the same connection: no more HTTP.",
                    "RFC 7230 §3",
                    "required",
                )
            else:
                out.add(
                    data,
                    "Body",
                    span,
                    data[piece.start : piece.end],
                    "The body after the header block (an error page explaining a refusal).",
                    "RFC 7230 §3.3",
                    "other",
                )
        return out.items

    def _summary(self) -> str:
        raise NotImplementedError

    def __repr__(self) -> str:
        problems = len(self.violations)
        tail = f", {problems} violation{'s' if problems != 1 else ''}" if problems else ""
        return f"<{type(self).__name__} {self._summary()}, {len(self._headers)} headers{tail}>"

    def text(self) -> str:
        """A terminal dump: each line with its byte range, group and meaning, then violations."""
        out = [repr(self)]
        for f in self.fields:
            where = f"{f.span.byte_start:>5}..{f.span.byte_end - 1:<5}"
            shown = f.raw.decode("latin-1").rstrip("\r\n")
            if f.name == "Body":
                shown = f"({len(f.raw)} bytes) " + shown[:60]
            elif f.name == "End of headers":
                shown = "(blank line)"
            out.append(f"{where} {f.group:<8} {shown}")
            out.append(f"{'':13}{'':9}{f.meaning} [{f.rfc_ref}]")
        if self.violations:
            out.append("Violations:")
            out.extend(f"  - {v}" for v in self.violations)
        return "\n".join(out)

    def __str__(self) -> str:
        return self.text()

    def _repr_html_(self) -> str:
        colours = {"required": "#e8f0ff", "optional": "#eaf7ea", "other": "#f4f4f4"}
        bad_lines = {(v.start, v.end) for v in self.violations}
        rows = []
        for f in self.fields:
            start, end = f.span.byte_start, f.span.byte_end
            hit = any(start <= s < end for s, _ in bad_lines)
            colour = "#fdd" if hit else colours.get(f.group, "#fff")
            shown = f.raw.decode("latin-1").rstrip("\r\n") if f.name != "Body" else f.display_value()
            rows.append(
                f'<tr style="background:{colour}"><td>{start}..{end - 1}</td>'
                f"<td>{h(f.group)}</td><td><code>{h(shown)}</code></td>"
                f"<td>{h(f.meaning)}</td><td>{h(f.rfc_ref)}</td></tr>"
            )
        violations = ""
        if self.violations:
            violations = "<ul>" + "".join(f"<li>{h(v)}</li>" for v in self.violations) + "</ul>"
        return (
            f"<table><caption>{h(repr(self))}</caption>"
            "<tr><th>bytes</th><th>group</th><th>line</th><th>meaning</th><th>RFC</th></tr>"
            + "".join(rows)
            + "</table>"
            + violations
        )


# request-line = method SP request-target SP HTTP-version CRLF     (RFC 7230 §3.1.1)
# HTTP-version = HTTP-name "/" DIGIT "." DIGIT
_REQUEST_LINE = re.compile(r"([^ \t]+)([ \t]+)([^ \t]+)([ \t]+)(HTTP/[0-9]\.[0-9])([ \t]*)")
# status-line = HTTP-version SP status-code SP reason-phrase CRLF   (RFC 7230 §3.1.2)
_STATUS_LINE = re.compile(r"(HTTP/[0-9]\.[0-9])([ \t]+)([0-9]{3})(?:([ \t]+)(.*))?", re.DOTALL)


class HandshakeRequest(_HTTPMessage):
    """The client's opening handshake: an HTTP/1.1 GET with Upgrade headers (RFC 6455 §4.1).

    Parsing is lenient: problems are recorded in ``violations`` (each with HTTP status 400) and only
    input that cannot be read as a request at all raises HandshakeParseError.
    """

    _what = "request"
    _start_name = "Request line"
    _meanings = _REQUEST_MEANINGS
    _violation_status = 400

    @classmethod
    def parse(cls, data: bytes | bytearray | memoryview) -> HandshakeRequest:
        """Parse exactly one header block, up to and including the blank line (RFC 7230 §3)."""
        return cls(data)

    def _check_trailing(self, raw: bytes, end: int) -> None:
        if end < len(raw):
            raise TrailingBytes(
                f"{len(raw) - end} bytes follow the request's blank line; a client must wait for "
                "the server's answer before sending anything else",
                extra=len(raw) - end,
                offset=end,
                section="RFC 6455 §4.1",
            )

    def _parse_start_line(self, text: str, start: int, end: int, ending: str) -> StartLine:
        match = _REQUEST_LINE.fullmatch(text)
        if match is None:
            raise HandshakeParseError(
                "no request line: expected 'METHOD SP request-target SP HTTP/x.y'",
                section="RFC 7230 §3.1.1",
                offset=start,
                http_status=400,
            )
        if match.group(2) != " " or match.group(4) != " " or match.group(6):
            self._violate(
                "request line parts must be separated by exactly one space",
                start,
                end,
                "RFC 7230 §3.1.1",
            )
        method, target = match.group(1), match.group(3)
        if not is_token(method):
            self._violate(f"method {method!r} is not a token", start, start + len(method), "RFC 7230 §3.1.1")
        bad = next((i for i, c in enumerate(target) if not 0x21 <= ord(c) <= 0x7E), -1)
        if bad >= 0:
            at = start + match.start(3) + bad
            self._violate(
                "request-target contains a character a URI cannot hold (percent-encode it)",
                at,
                at + 1,
                "RFC 7230 §5.3",
            )
        parts = tuple(
            (key, match.group(i), Span.of_bytes(start + match.start(i), start + match.end(i)))
            for key, i in (("method", 1), ("target", 3), ("version", 5))
        )
        return StartLine(text, start, end, parts, ending)

    # -- typed accessors (RFC 6455 §4.1) -----------------------------------------------------------

    @property
    def method(self) -> str:
        return self.start_line.part("method")

    @property
    def target(self) -> str:
        """The request-target as sent: the /resource name/ (RFC 6455 §3)."""
        return self.start_line.part("target")

    @property
    def path(self) -> str:
        """The request-target without its query."""
        return self.target.split("?", 1)[0]

    @property
    def host(self) -> str | None:
        return self.get("Host")

    @property
    def key(self) -> str | None:
        """The Sec-WebSocket-Key value (the first one, if several were sent)."""
        return self.get("Sec-WebSocket-Key")

    @property
    def version(self) -> str | None:
        """The Sec-WebSocket-Version value, ``"13"`` for RFC 6455."""
        return self.get("Sec-WebSocket-Version")

    @property
    def origin(self) -> str | None:
        return self.get("Origin")

    def _summary(self) -> str:
        return self.start_line.text

    def _start_meaning(self) -> str:
        return (
            f"The request line: method {self.method} (must be GET), the resource "
            f"{self.target} to connect to, and {self.http_version} (must be 1.1 or higher)."
        )

    def _start_ref(self) -> str:
        return "RFC 6455 §4.1 items 2-3"

    # -- building ----------------------------------------------------------------------------------

    @classmethod
    def build(
        cls,
        url_or_host_and_path: str,
        *,
        subprotocols: Sequence[str] = (),
        extensions: Sequence[Extension | ExtensionOffer | str] = (),
        origin: str | None = None,
        headers: HeaderInput = (),
        key: str | None = None,
        version: str = "13",
        rng: Callable[[int], bytes] = os.urandom,
    ) -> HandshakeRequest:
        """A client handshake for ``ws://host:port/path?query``, ``wss://...`` or ``host/path``.

        Writes the headers in the order of RFC 6455 §1.3's example, then ``headers`` as given (even
        ones that repeat a header written here, so faulty requests can be built on purpose). The key
        comes from ``rng`` unless given; it is not validated, for the same reason. Raises ValueError
        for a URL that is not a WebSocket URI (RFC 6455 §3) or a value that would break the message.
        """
        host, target = _split_ws_url(url_or_host_and_path)
        offers: list[ExtensionOffer] = []
        for ext in extensions:
            if isinstance(ext, Extension):
                offers.append(ext.offer())
            elif isinstance(ext, ExtensionOffer):
                offers.append(ext)
            else:
                try:
                    offers.extend(parse_extension_list([ext]))
                except HandshakeParseError as err:
                    raise ValueError(f"extension {ext!r}: {err.rule}") from err
        lines = [
            ("Host", host),
            ("Upgrade", "websocket"),
            ("Connection", "Upgrade"),
            ("Sec-WebSocket-Key", generate_key(rng) if key is None else key),
            ("Sec-WebSocket-Version", version),
        ]
        if origin is not None:
            lines.append(("Origin", origin))
        if subprotocols:
            lines.append(("Sec-WebSocket-Protocol", serialize_token_list(subprotocols)))
        if offers:
            lines.append(("Sec-WebSocket-Extensions", serialize_extension_list(offers)))
        lines.extend(_header_pairs(headers))
        return cls(_serialize(f"GET {target} HTTP/1.1", lines))


def _split_ws_url(url: str) -> tuple[str, str]:
    """``(Host header value, request-target)`` for a WebSocket URI (RFC 6455 §3, §4.1 item 4)."""
    if "://" not in url:
        url = "ws://" + url
    parts = urlsplit(url)
    scheme = parts.scheme.lower()
    if scheme not in ("ws", "wss"):
        raise ValueError(f"{url!r}: the scheme must be ws or wss (RFC 6455 §3)")
    if "#" in url:
        raise ValueError(f"{url!r}: a WebSocket URI must not have a fragment (RFC 6455 §3)")
    if not parts.hostname:
        raise ValueError(f"{url!r}: no host (RFC 6455 §3)")
    host = parts.hostname
    if ":" in host:
        host = f"[{host}]"
    port = parts.port
    if port is not None and port != (443 if scheme == "wss" else 80):
        host = f"{host}:{port}"
    target = parts.path or "/"
    if parts.query or url.endswith("?"):
        target += "?" + parts.query
    if any(not 0x21 <= ord(c) <= 0x7E for c in target):
        raise ValueError(f"{target!r}: percent-encode spaces and non-ASCII in the path (RFC 3986)")
    return host, target


class HandshakeResponse(_HTTPMessage):
    """The server's answer: ``101 Switching Protocols`` accepts, another status refuses (§4.2.2).

    Parsing is lenient like the request's; violations carry no HTTP status (nobody answers a
    response) but make :func:`check_response` fail. Bytes after the blank line are kept as ``body``.
    """

    _what = "response"
    _start_name = "Status line"
    _meanings = _RESPONSE_MEANINGS

    def _meaning_of(self, name: str) -> tuple[str, str, str]:
        key = name.lower()
        if self.status != 101 and key in _REFUSAL_MEANINGS:
            return _REFUSAL_MEANINGS[key]
        return super()._meaning_of(name)

    @classmethod
    def parse(cls, data: bytes | bytearray | memoryview) -> HandshakeResponse:
        """Parse one header block, plus the body if ``data`` goes on after the blank line.

        For a 101 nothing follows: the bytes after the blank line are WebSocket frames and must not
        be passed here. For other statuses, pass the body (Content-Length bytes) to keep it.
        """
        return cls(data)

    def _parse_start_line(self, text: str, start: int, end: int, ending: str) -> StartLine:
        match = _STATUS_LINE.fullmatch(text)
        if match is None:
            raise HandshakeParseError(
                "no status line: expected 'HTTP/x.y SP 3-digit-status SP reason'",
                section="RFC 7230 §3.1.2",
                offset=start,
                http_status=400,
            )
        if match.group(2) != " " or (match.group(4) or " ") != " ":
            self._violate(
                "status line parts must be separated by exactly one space",
                start,
                end,
                "RFC 7230 §3.1.2",
            )
        if match.group(4) is None:
            self._violate(
                "the status code must be followed by a space, even when the reason is empty",
                end - len(ending),
                end,
                "RFC 7230 §3.1.2",
            )
        reason = match.group(5) or ""
        control = _first_control(reason)
        if control >= 0:
            at = start + match.start(5) + control
            self._violate("control character in the reason phrase", at, at + 1, "RFC 7230 §3.1.2")
        parts: list[tuple[str, str, Span]] = [
            (key, match.group(i), Span.of_bytes(start + match.start(i), start + match.end(i)))
            for key, i in (("version", 1), ("status", 3))
        ]
        reason_at = start + (match.start(5) if match.group(5) is not None else match.end(3))
        parts.append(("reason", reason, Span.of_bytes(reason_at, reason_at + len(reason))))
        return StartLine(text, start, end, tuple(parts), ending)

    @property
    def status(self) -> int:
        return int(self.start_line.part("status"))

    @property
    def reason(self) -> str:
        return self.start_line.part("reason")

    @property
    def accept(self) -> str | None:
        """The Sec-WebSocket-Accept value (the first one, if several were sent)."""
        return self.get("Sec-WebSocket-Accept")

    @property
    def subprotocol(self) -> str | None:
        """The subprotocol the server chose (the first one, if it wrongly named several)."""
        chosen = self.subprotocols
        return chosen[0] if chosen else None

    @property
    def body(self) -> bytes:
        """The bytes after the blank line that were passed to ``parse``."""
        return self._data[self._header_end :]

    def _summary(self) -> str:
        return self.start_line.text

    def _start_meaning(self) -> str:
        if self.status == 101:
            verdict = "the server accepts: from the blank line on, the connection speaks WebSocket"
        else:
            verdict = "not 101, so the server did not switch protocols: no WebSocket connection"
        return f"The status line: {self.status} {self.reason}: {verdict}."

    def _start_ref(self) -> str:
        return "RFC 6455 §4.2.2 step 5.1, §4.1"

    # -- building ----------------------------------------------------------------------------------

    @classmethod
    def build(
        cls,
        status: int = 101,
        reason: str | None = None,
        headers: HeaderInput = (),
        *,
        body: bytes = b"",
        http_version: str = "HTTP/1.1",
    ) -> HandshakeResponse:
        """A response with the given status line, headers (in order) and body.

        ``reason`` defaults to the standard phrase for the status. Raises ValueError for a status
        outside 100-999 or a value that would break the message.
        """
        if not 100 <= status <= 999:
            raise ValueError(f"status {status} is not a 3-digit HTTP status (RFC 7230 §3.1.2)")
        if reason is None:
            try:
                reason = HTTPStatus(status).phrase
            except ValueError:
                reason = ""
        return cls(_serialize(f"{http_version} {status} {reason}", _header_pairs(headers), body))

    @classmethod
    def switching_protocols(
        cls,
        key: str,
        *,
        subprotocol: str | None = None,
        extensions: Sequence[ExtensionOffer] = (),
        headers: HeaderInput = (),
    ) -> HandshakeResponse:
        """A ``101 Switching Protocols`` for the client key ``key`` (RFC 6455 §4.2.2 step 5)."""
        lines = [
            ("Upgrade", "websocket"),
            ("Connection", "Upgrade"),
            ("Sec-WebSocket-Accept", accept_key(key)),
        ]
        if subprotocol is not None:
            lines.append(("Sec-WebSocket-Protocol", subprotocol))
        if extensions:
            lines.append(("Sec-WebSocket-Extensions", serialize_extension_list(extensions)))
        lines.extend(_header_pairs(headers))
        return cls.build(101, headers=lines)

    @classmethod
    def refusal(
        cls,
        status: int,
        message: str,
        *,
        section: str = "",
        headers: HeaderInput = (),
    ) -> HandshakeResponse:
        """A refusal with a small text body giving ``message`` and ``section`` (RFC 6455 §4.2.1).

        ``headers`` come after Content-Type and Content-Length; ``Connection: close`` is added
        unless ``headers`` has a Connection header of its own.
        """
        where = f" ({section})" if section else ""
        body = f"{message}{where}\n".encode()
        lines = [
            ("Content-Type", "text/plain; charset=utf-8"),
            ("Content-Length", str(len(body))),
        ]
        extra = _header_pairs(headers)
        lines.extend(extra)
        if not any(name.lower() == "connection" for name, _ in extra):
            lines.append(("Connection", "close"))
        return cls.build(status, headers=lines, body=body)
