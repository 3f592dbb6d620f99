"""The opening handshake: an HTTP/1.1 Upgrade request and the server's answer (RFC 6455 §4).

Four jobs, each inspectable step by step:

* the Sec-WebSocket-Accept computation (:class:`AcceptComputation`, RFC 6455 §4.2.2 step 5.4);
* lenient, byte-exact parsing and building of requests and responses (:class:`HandshakeRequest`,
  :class:`HandshakeResponse`): every line keeps its byte range, ``bytes(parse(x)) == x``, and
  problems are recorded as :class:`~wsexplorer.anatomy.Violation` objects instead of raised;
* the server's decision to accept or refuse (:func:`decide`, RFC 6455 §4.2.1 and §4.2.2);
* the client's check of the server's answer (:func:`check_response`, RFC 6455 §4.1).

Sans-I/O: bytes in, objects out; no sockets, no clock, and randomness is injectable.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import html
import os
import re
import string
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from http import HTTPStatus
from typing import ClassVar, Literal
from urllib.parse import urlsplit

from ..anatomy import Field, FieldList, Span, Violation
from ..errors import (
    HandshakeParseError,
    HandshakeRejected,
    InvalidAccept,
    InvalidKey,
    InvalidResponse,
    NegotiationError,
    TrailingBytes,
)
from .extensions import Extension, ExtensionOffer, NegotiatedExtension
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
    "GUID",
    "MAX_HEADER_BYTES",
    "MAX_HEADER_LINES",
    "AcceptComputation",
    "AcceptStep",
    "CheckStep",
    "ClientCheck",
    "HandshakeRequest",
    "HandshakeResponse",
    "HeaderLine",
    "ServerDecision",
    "ServerPolicy",
    "StartLine",
    "accept_key",
    "check_response",
    "decide",
    "find_header_end",
    "generate_key",
]

GUID = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11"
"""The fixed string appended to the key before hashing (RFC 6455 §1.3, §4.2.2)."""

MAX_HEADER_BYTES = 16384
"""The longest header block accepted, blank line included (our limit; RFC 7230 §3.2.5)."""

MAX_HEADER_LINES = 128
"""The most header lines accepted in one message (a limit of ours, RFC 7230 §3.2.5)."""

Outcome = Literal["pass", "fail", "note"]

_B64_ALPHABET = frozenset(string.ascii_letters + string.digits + "+/")
_SECTION_KEY = "RFC 6455 §4.2.1 item 5"


# --------------------------------------------------------------------------------------------------
# Sec-WebSocket-Key and Sec-WebSocket-Accept
# --------------------------------------------------------------------------------------------------


def _wire(text: str) -> bytes:
    """Text as it travels in a header: Latin-1 (each character one byte), UTF-8 beyond that."""
    try:
        return text.encode("latin-1")
    except UnicodeEncodeError:
        return text.encode("utf-8")


def accept_key(key: str) -> str:
    """base64(SHA-1(key + GUID)): the Sec-WebSocket-Accept for ``key`` (RFC 6455 §4.2.2 step 5.4).

    The key is used as text, exactly as sent; it is not decoded and not validated here.
    """
    digest = hashlib.sha1(_wire(key + GUID), usedforsecurity=False).digest()
    return base64.b64encode(digest).decode("ascii")


def generate_key(rng: Callable[[int], bytes] = os.urandom) -> str:
    """A fresh Sec-WebSocket-Key: 16 bytes from ``rng`` in base64 (RFC 6455 §4.1 item 7)."""
    nonce = rng(16)
    if len(nonce) != 16:
        raise ValueError(f"rng(16) returned {len(nonce)} bytes, not 16")
    return base64.b64encode(nonce).decode("ascii")


def _check_key(key: str, base: int = 0) -> tuple[bytes | None, InvalidKey | None]:
    """Decode ``key`` and check it is 16 bytes of base64 (RFC 6455 §4.2.1 item 5, §4.3).

    Returns the decoded bytes (when it decodes at all) and the problem, if any. ``base`` is the byte
    offset of the key in its message, so errors point into the message.
    """

    def bad(rule: str, at: int) -> InvalidKey:
        return InvalidKey(rule, section=_SECTION_KEY, offset=base + at, http_status=400)

    if not key:
        return None, bad("Sec-WebSocket-Key is empty; it must be 16 bytes in base64", 0)
    body = key.rstrip("=")
    for i, c in enumerate(body):
        if c not in _B64_ALPHABET:
            return None, bad(
                f"Sec-WebSocket-Key character {c!r} at offset {i} of the key is not base64 "
                "(A-Z a-z 0-9 + / and '=' padding at the end)",
                i,
            )
    if len(key) - len(body) > 2:
        return None, bad(
            "Sec-WebSocket-Key ends with more than two '=' padding characters", len(body)
        )
    if len(key) % 4:
        return None, bad(
            f"Sec-WebSocket-Key is {len(key)} characters long, not a multiple of 4: "
            "base64 padding is missing or wrong",
            len(key),
        )
    try:
        decoded = base64.b64decode(key, validate=True)
    except binascii.Error as exc:  # defensive: the checks above should leave nothing to fail
        return None, bad(f"Sec-WebSocket-Key is not valid base64: {exc}", 0)
    if len(decoded) != 16:
        return decoded, bad(
            f"Sec-WebSocket-Key decodes to {len(decoded)} bytes; it must decode to exactly 16",
            0,
        )
    return decoded, None


@dataclass(frozen=True, slots=True)
class AcceptStep:
    """One step of the Sec-WebSocket-Accept computation: what goes in, what comes out, and why."""

    number: int
    title: str
    input: str | bytes
    output: str | bytes
    explanation: str
    section: str
    ok: bool = True

    def show(self, value: str | bytes) -> str:
        """A value as text: strings quoted, bytes as hex."""
        if isinstance(value, bytes):
            return f"{len(value)} bytes: {value.hex(' ')}" if value else "(no bytes)"
        return repr(value)


class AcceptComputation:
    """Sec-WebSocket-Accept computed step by step from a key (RFC 6455 §1.3, §4.2.2 step 5.4).

    ``strict=True`` raises :class:`~wsexplorer.errors.InvalidKey` for a key that is not 16 bytes of
    base64; ``strict=False`` records the failed check in ``error`` and still computes the accept, so
    the steps can be shown for any key.
    """

    def __init__(self, key: str, strict: bool = True) -> None:
        self.key = key
        decoded, error = _check_key(key)
        if error is not None and strict:
            raise error
        self.key_bytes: bytes | None = decoded
        self.error: InvalidKey | None = error
        joined = key + GUID
        digest = hashlib.sha1(_wire(joined), usedforsecurity=False).digest()
        self.digest = digest
        self.accept = base64.b64encode(digest).decode("ascii")
        if error is None:
            check = "it decodes to 16 bytes, as required"
        else:
            check = f"CHECK FAILED: {error.rule}"
        self.steps: tuple[AcceptStep, ...] = (
            AcceptStep(
                1,
                "The key as sent",
                key,
                key,
                "The client's Sec-WebSocket-Key header value, without surrounding whitespace.",
                "RFC 6455 §4.1 item 7",
            ),
            AcceptStep(
                2,
                "Check: base64 of 16 random bytes",
                key,
                decoded if decoded is not None else b"",
                "The server checks that the key base64-decodes to 16 bytes; " + check + ".",
                "RFC 6455 §4.2.1 item 5",
                ok=error is None,
            ),
            AcceptStep(
                3,
                "Append the GUID to the key TEXT",
                key,
                joined,
                "The key is used as text, exactly as sent: its base64 is NOT decoded. The fixed "
                f"GUID {GUID} is appended to it.",
                "RFC 6455 §4.2.2 step 4 (/key/)",
            ),
            AcceptStep(
                4,
                "SHA-1 of the joined text",
                joined,
                digest,
                f"SHA-1 turns the text into a 20-byte digest, hex {digest.hex()}.",
                "RFC 6455 §4.2.2 step 5.4",
            ),
            AcceptStep(
                5,
                "base64 of the digest",
                digest,
                self.accept,
                "The digest in base64 is the Sec-WebSocket-Accept value; the client computes the "
                "same and aborts if the server's differs.",
                "RFC 6455 §4.2.2 step 5.4, §4.1",
            ),
        )

    @property
    def valid(self) -> bool:
        """True when the key passed the 16-byte check."""
        return self.error is None

    def __repr__(self) -> str:
        flag = "" if self.valid else ", invalid key"
        return f"<AcceptComputation {self.key!r} -> {self.accept!r}{flag}>"

    def text(self) -> str:
        """The steps as plain text for a terminal."""
        out = [f"Sec-WebSocket-Accept for key {self.key!r}"]
        for step in self.steps:
            mark = "" if step.ok else "  [FAILED]"
            out.append(f"{step.number}. {step.title} ({step.section}){mark}")
            out.append(f"   in:  {step.show(step.input)}")
            out.append(f"   out: {step.show(step.output)}")
            out.append(f"   {step.explanation}")
        out.append(f"=> Sec-WebSocket-Accept: {self.accept}")
        return "\n".join(out)

    __str__ = text

    def _repr_html_(self) -> str:
        rows = []
        for step in self.steps:
            style = "" if step.ok else ' style="background:#fdd"'
            rows.append(
                f"<tr{style}><td>{step.number}</td><td>{_h(step.title)}</td>"
                f"<td><code>{_h(step.show(step.input))}</code></td>"
                f"<td><code>{_h(step.show(step.output))}</code></td>"
                f"<td>{_h(step.explanation)}</td><td>{_h(step.section)}</td></tr>"
            )
        return (
            f"<table><caption>Sec-WebSocket-Accept for <code>{_h(self.key)}</code></caption>"
            "<tr><th>#</th><th>step</th><th>input</th><th>output</th><th>why</th><th>RFC</th></tr>"
            + "".join(rows)
            + f"</table><p>Sec-WebSocket-Accept: <code>{_h(self.accept)}</code></p>"
        )


def _h(text: object) -> str:
    return html.escape(str(text))


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


def _parse_http_version(text: str) -> tuple[int, int]:
    """``(1, 1)`` for ``HTTP/1.1``; the start-line regexes guarantee the shape."""
    major, minor = text[5:].split(".")
    return int(major), int(minor)


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
    out = [_wire(start_line) + b"\r\n"]
    for name, value in headers:
        if not is_token(name):
            raise ValueError(f"header name {name!r} is not a token (RFC 7230 §3.2)")
        if _first_control(value) >= 0:
            raise ValueError(f"header {name}: value {value!r} contains a control character")
        out.append(_wire(f"{name}: {value}") + b"\r\n")
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
            self._violate(
                "header line has no ':' between name and value", start, line_end, "RFC 7230 §3.2"
            )
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
                    meaning += (
                        " (Ends with a bare LF instead of CRLF, tolerated per RFC 7230 §3.5.)"
                    )
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
            shown = (
                f.raw.decode("latin-1").rstrip("\r\n") if f.name != "Body" else f.display_value()
            )
            rows.append(
                f'<tr style="background:{colour}"><td>{start}..{end - 1}</td>'
                f"<td>{_h(f.group)}</td><td><code>{_h(shown)}</code></td>"
                f"<td>{_h(f.meaning)}</td><td>{_h(f.rfc_ref)}</td></tr>"
            )
        violations = ""
        if self.violations:
            violations = "<ul>" + "".join(f"<li>{_h(v)}</li>" for v in self.violations) + "</ul>"
        return (
            f"<table><caption>{_h(repr(self))}</caption>"
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
            self._violate(
                f"method {method!r} is not a token", start, start + len(method), "RFC 7230 §3.1.1"
            )
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
    if parts.query:
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


# --------------------------------------------------------------------------------------------------
# Decisions and checks, step by step
# --------------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class CheckStep:
    """One check made deciding or verifying a handshake, with its outcome and the rule's source.

    ``outcome`` is ``"pass"``, ``"fail"`` (the handshake stops here) or ``"note"`` (a choice made,
    such as the subprotocol picked or an extension declined). ``start``/``end`` locate the bytes the
    check looked at, when there are some.
    """

    check: str
    outcome: Outcome
    detail: str
    section: str
    http_status: int | None = None
    start: int | None = None
    end: int | None = None

    def __str__(self) -> str:
        status = f" -> HTTP {self.http_status}" if self.http_status else ""
        return f"[{self.outcome}] {self.check}: {self.detail} ({self.section}){status}"


def _steps_text(title: str, steps: Sequence[CheckStep]) -> str:
    return "\n".join([title, *(f"  {step}" for step in steps)])


def _steps_html(title: str, steps: Sequence[CheckStep]) -> str:
    colours = {"pass": "#eaf7ea", "fail": "#fdd", "note": "#f4f4f4"}
    rows = "".join(
        f'<tr style="background:{colours[s.outcome]}"><td>{_h(s.outcome)}</td>'
        f"<td>{_h(s.check)}</td>"
        f"<td>{_h(s.detail)}</td><td>{_h(s.section)}</td>"
        f"<td>{'' if s.http_status is None else s.http_status}</td></tr>"
        for s in steps
    )
    return (
        f"<table><caption>{_h(title)}</caption><tr><th>outcome</th><th>check</th>"
        f"<th>detail</th><th>RFC</th><th>HTTP</th></tr>{rows}</table>"
    )


@dataclass(frozen=True)
class ServerPolicy:
    """What a server accepts.

    ``origins``: ``None`` allows any origin; a list is an allow-list compared case-insensitively
    (RFC 6455 §4.2.2 serializes origins in lowercase). A request without Origin is allowed:
    browsers always send one (§4.2.1 item 7), so its absence means a non-browser client, which the
    Origin check is not meant to stop (§10.2). ``subprotocols`` are in the server's order of
    preference. ``extensions`` are asked, in order, to accept the client's offers.
    """

    origins: Sequence[str] | None = None
    subprotocols: Sequence[str] = ()
    extensions: Sequence[Extension] = ()


@dataclass(frozen=True)
class ServerDecision:
    """The server's answer to a handshake and the checks that led to it (RFC 6455 §4.2)."""

    accepted: bool
    status: int
    response: HandshakeResponse
    reason: str
    section: str
    subprotocol: str | None = None
    extensions: list[NegotiatedExtension] = field(default_factory=list)
    steps: list[CheckStep] = field(default_factory=list)
    error: HandshakeRejected | None = None

    def raise_for_status(self) -> None:
        """Raise the HandshakeRejected error if the server refused."""
        if self.error is not None:
            raise self.error

    def text(self) -> str:
        verdict = "accepted" if self.accepted else "refused"
        return _steps_text(
            f"Server decision: {verdict}, {self.status}: {self.reason} ({self.section})", self.steps
        )

    def __str__(self) -> str:
        return self.text()

    def _repr_html_(self) -> str:
        verdict = "accepted" if self.accepted else "refused"
        return _steps_html(f"Server decision: {verdict}, {self.status}: {self.reason}", self.steps)


class _Refusal(Exception):
    """Internal: stops the checks in :func:`decide` with a status, reason and section."""

    def __init__(
        self,
        status: int,
        check: str,
        reason: str,
        section: str,
        line: HeaderLine | None = None,
        offset: int | None = None,
    ) -> None:
        super().__init__(reason)
        self.status = status
        self.check = check
        self.reason = reason
        self.section = section
        self.start = line.start if line is not None else offset
        self.end = line.end if line is not None else None


def _only_one(request: HandshakeRequest, name: str, check: str, section: str) -> HeaderLine:
    """The single ``name`` line of ``request``; refuses with 400 when it is missing or repeated."""
    lines = request.header_lines(name)
    if not lines:
        raise _Refusal(400, check, f"the request has no {name} header", section)
    if len(lines) > 1:
        raise _Refusal(
            400,
            check,
            f"the {name} header appears {len(lines)} times; it must appear once",
            section,
            lines[1],
        )
    return lines[0]


def decide(request: HandshakeRequest, policy: ServerPolicy | None = None) -> ServerDecision:
    """Accept or refuse ``request`` as a server applying ``policy`` would (RFC 6455 §4.2).

    Checks, in order, stopping at the first failure: the message syntax (400); method GET and
    HTTP/1.1 or higher (400, §4.2.1 item 1); one Host (400); Upgrade has websocket and Connection
    has upgrade (400); one Sec-WebSocket-Version equal to 13 (400 if missing or repeated, else 426
    with ``Sec-WebSocket-Version: 13``, §4.4) - checked before the key because another version may
    define the key differently; one Sec-WebSocket-Key of 16 bytes (400); at most one Origin, and
    in the allow-list (403, §10.2). Grammar first, then what the protocol requires, then policy.
    On success it picks the first subprotocol of the SERVER's preference list that the client
    offered, asks each configured extension to accept the client's offers of its name, and
    answers 101.
    """
    policy = policy or ServerPolicy()
    steps: list[CheckStep] = []
    try:
        chosen, negotiated, elements = _run_checks(request, policy, steps)
    except _Refusal as refusal:
        steps.append(
            CheckStep(
                refusal.check,
                "fail",
                refusal.reason,
                refusal.section,
                refusal.status,
                refusal.start,
                refusal.end,
            )
        )
        extra: list[tuple[str, str]] = []
        if refusal.status == 426:
            extra = [
                ("Upgrade", "websocket"),
                ("Connection", "Upgrade, close"),
                ("Sec-WebSocket-Version", "13"),
            ]
        response = HandshakeResponse.refusal(
            refusal.status, refusal.reason, section=refusal.section, headers=extra
        )
        error = HandshakeRejected(
            refusal.reason,
            section=refusal.section,
            offset=refusal.start,
            fault="peer",
            http_status=refusal.status,
        )
        return ServerDecision(
            False, refusal.status, response, refusal.reason, refusal.section, None, [], steps, error
        )
    key = request.key or ""
    response = HandshakeResponse.switching_protocols(key, subprotocol=chosen, extensions=elements)
    steps.append(
        CheckStep(
            "Sec-WebSocket-Accept",
            "pass",
            f"base64(SHA-1({key!r} + GUID)) = {accept_key(key)!r}; answering 101",
            "RFC 6455 §4.2.2 step 5.4",
        )
    )
    return ServerDecision(
        True,
        101,
        response,
        "the request is a valid WebSocket handshake: switching protocols",
        "RFC 6455 §4.2.2",
        chosen,
        negotiated,
        steps,
        None,
    )


def _run_checks(
    request: HandshakeRequest, policy: ServerPolicy, steps: list[CheckStep]
) -> tuple[str | None, list[NegotiatedExtension], list[ExtensionOffer]]:
    def ok(check: str, detail: str, section: str, line: HeaderLine | None = None) -> None:
        start, end = (line.start, line.end) if line is not None else (None, None)
        steps.append(CheckStep(check, "pass", detail, section, None, start, end))

    def note(check: str, detail: str, section: str) -> None:
        steps.append(CheckStep(check, "note", detail, section))

    # 1. The message syntax: any grammar violation (RFC 6455 §4.2.1: "any violations of the ABNF").
    check = "message syntax"
    if request.violations:
        first = request.violations[0]
        raise _Refusal(400, check, first.rule, first.section, offset=first.start)
    ok(check, "the request line and every header line are well formed", "RFC 7230 §3")

    # 2. GET, HTTP/1.1 or higher.
    check = "method is GET"
    if request.method != "GET":
        raise _Refusal(
            400,
            check,
            f"the method is {request.method}, not GET",
            "RFC 6455 §4.2.1 item 1",
            offset=0,
        )
    ok(check, "GET", "RFC 6455 §4.2.1 item 1")
    check = "HTTP/1.1 or higher"
    if _parse_http_version(request.http_version) < (1, 1):
        raise _Refusal(
            400,
            check,
            f"{request.http_version} is older than HTTP/1.1",
            "RFC 6455 §4.2.1 item 1",
            offset=0,
        )
    ok(check, request.http_version, "RFC 6455 §4.2.1 item 1")

    # 3. Host.
    check = "Host header"
    host = _only_one(request, "Host", check, "RFC 6455 §4.2.1 item 2, RFC 7230 §5.4")
    ok(check, f"Host: {host.value}", "RFC 6455 §4.2.1 item 2", host)

    # 4. Upgrade and Connection.
    check = "Upgrade includes websocket"
    if not any(p.lower() == "websocket" for p in request.upgrade):
        what = ", ".join(request.get_all("Upgrade")) or "no Upgrade header"
        raise _Refusal(
            400,
            check,
            f"Upgrade does not include 'websocket' ({what}): this is not a WebSocket handshake",
            "RFC 6455 §4.2.1 item 3",
        )
    ok(check, "Upgrade: " + ", ".join(request.upgrade), "RFC 6455 §4.2.1 item 3")
    check = "Connection includes Upgrade"
    if not any(t.lower() == "upgrade" for t in request.connection):
        what = ", ".join(request.get_all("Connection")) or "no Connection header"
        raise _Refusal(
            400,
            check,
            f"Connection does not include the token 'Upgrade' ({what})",
            "RFC 6455 §4.2.1 item 4",
        )
    ok(check, "Connection: " + ", ".join(request.connection), "RFC 6455 §4.2.1 item 4")

    # 5. Version before key: a client of another version may build its key differently.
    check = "Sec-WebSocket-Version is 13"
    version = _only_one(request, "Sec-WebSocket-Version", check, "RFC 6455 §4.2.1 item 6")
    if version.value != "13":
        raise _Refusal(
            426,
            check,
            f"version {version.value!r} is not supported; this server speaks 13",
            "RFC 6455 §4.2.2 (/version/), §4.4",
            version,
        )
    ok(check, "13", "RFC 6455 §4.2.1 item 6", version)

    # 6. Key.
    check = "Sec-WebSocket-Key is 16 bytes of base64"
    key = _only_one(request, "Sec-WebSocket-Key", check, "RFC 6455 §4.2.1 item 5, §11.3.1")
    decoded, key_error = _check_key(key.value, key.value_span.byte_start)
    if key_error is not None:
        raise _Refusal(400, check, key_error.rule, _SECTION_KEY, key)
    shown = (decoded or b"").hex(" ")
    ok(check, f"{key.value!r} decodes to 16 bytes: {shown}", _SECTION_KEY, key)

    # 7. Origin: at most one, and allowed by the policy.
    check = "Origin allowed"
    origins = request.header_lines("Origin")
    if len(origins) > 1:
        raise _Refusal(
            400,
            check,
            f"the Origin header appears {len(origins)} times; it must appear once",
            "RFC 6454 §7.3",
            origins[1],
        )
    if not origins:
        ok(
            check,
            "no Origin header: not a browser (browsers always send one); allowed",
            "RFC 6455 §4.2.1 item 7",
        )
    elif policy.origins is None:
        ok(
            check,
            f"{origins[0].value}: this server accepts any origin",
            "RFC 6455 §4.2.2 (/origin/)",
            origins[0],
        )
    elif origins[0].value.lower() in {o.lower() for o in policy.origins}:
        ok(
            check,
            f"{origins[0].value} is in the allow-list",
            "RFC 6455 §4.2.2 (/origin/), §10.2",
            origins[0],
        )
    else:
        raise _Refusal(
            403,
            check,
            f"origin {origins[0].value!r} is not in this server's allow-list",
            "RFC 6455 §4.2.2 (/origin/), §10.2",
            origins[0],
        )

    # 8. Subprotocol: the server's preference decides among those the client offered.
    check = "subprotocol"
    offered = request.subprotocols
    chosen = next((p for p in policy.subprotocols if p in offered), None)
    if chosen is not None:
        note(
            check,
            f"chose {chosen!r}: the first of the server's preferences "
            f"{list(policy.subprotocols)} that the client offered {offered}",
            "RFC 6455 §4.2.2 (/subprotocol/)",
        )
    elif offered:
        note(
            check,
            f"none of the client's {offered} is supported "
            f"(server: {list(policy.subprotocols)}); answering without Sec-WebSocket-Protocol",
            "RFC 6455 §4.2.2 (/subprotocol/)",
        )
    else:
        note(check, "the client offered none", "RFC 6455 §4.2.2 (/subprotocol/)")

    # 9. Extensions: each configured extension, in order, looks at the offers of its name.
    offers = request.extensions
    negotiated: list[NegotiatedExtension] = []
    elements: list[ExtensionOffer] = []
    for ext in policy.extensions:
        check = f"extension {ext.name}"
        mine = [o for o in offers if o.name == ext.name]
        if not mine:
            note(check, "not offered by the client", "RFC 6455 §9.1")
            continue
        try:
            result = ext.accept(mine, role="server")
        except NegotiationError as err:
            note(check, f"declined: {err.rule}", err.section or "RFC 6455 §9.1")
            continue
        if result is None:
            note(check, f"declined all {len(mine)} offer(s)", "RFC 6455 §9.1")
            continue
        element, state, why = result
        negotiated.append(state)
        elements.append(element)
        steps.append(CheckStep(check, "pass", f"accepted as '{element}': {why}", "RFC 6455 §9.1"))
    configured = {ext.name for ext in policy.extensions}
    for name in dict.fromkeys(o.name for o in offers if o.name not in configured):
        note(f"extension {name}", "not supported by this server; ignored", "RFC 6455 §9.1")
    return chosen, negotiated, elements


@dataclass(frozen=True)
class ClientCheck:
    """The client's verdict on the server's answer and the checks behind it (RFC 6455 §4.1)."""

    ok: bool
    steps: list[CheckStep] = field(default_factory=list)
    subprotocol: str | None = None
    extensions: list[NegotiatedExtension] = field(default_factory=list)
    error: InvalidResponse | None = None

    def raise_for_failure(self) -> None:
        """Raise the InvalidResponse error if the check failed."""
        if self.error is not None:
            raise self.error

    def text(self) -> str:
        verdict = "connection established" if self.ok else f"FAILED: {self.error}"
        return _steps_text(f"Client check: {verdict}", self.steps)

    def __str__(self) -> str:
        return self.text()

    def _repr_html_(self) -> str:
        verdict = "connection established" if self.ok else f"FAILED: {self.error}"
        return _steps_html(f"Client check: {verdict}", self.steps)


class _Failure(Exception):
    """Internal: stops the checks in :func:`check_response` with the error to report."""

    def __init__(self, check: str, error: InvalidResponse, line: HeaderLine | None = None) -> None:
        super().__init__(error.rule)
        self.check = check
        self.error = error
        self.start = line.start if line is not None else error.offset
        self.end = line.end if line is not None else None


def check_response(
    request: HandshakeRequest,
    response: HandshakeResponse,
    extensions: Sequence[Extension] = (),
) -> ClientCheck:
    """Validate the server's answer as the client must (RFC 6455 §4.1, the checks after sending).

    In order, stopping at the first failure: status 101; the response syntax; Upgrade has
    websocket; Connection has upgrade; exactly one Sec-WebSocket-Accept equal to the expected value;
    each extension element was offered, appears once, and its :class:`Extension` accepts the
    parameters; at most one subprotocol, and one the client offered.
    """
    steps: list[CheckStep] = []
    try:
        chosen, negotiated = _run_client_checks(request, response, extensions, steps)
    except _Failure as failure:
        steps.append(
            CheckStep(
                failure.check,
                "fail",
                failure.error.rule,
                failure.error.section,
                failure.error.http_status,
                failure.start,
                failure.end,
            )
        )
        return ClientCheck(False, steps, None, [], failure.error)
    return ClientCheck(True, steps, chosen, negotiated, None)


def _run_client_checks(
    request: HandshakeRequest,
    response: HandshakeResponse,
    extensions: Sequence[Extension],
    steps: list[CheckStep],
) -> tuple[str | None, list[NegotiatedExtension]]:
    def ok(check: str, detail: str, section: str, line: HeaderLine | None = None) -> None:
        start, end = (line.start, line.end) if line is not None else (None, None)
        steps.append(CheckStep(check, "pass", detail, section, None, start, end))

    def fail(
        check: str,
        rule: str,
        section: str = "RFC 6455 §4.1",
        line: HeaderLine | None = None,
        **kwargs: object,
    ) -> _Failure:
        offset = line.start if line is not None else kwargs.pop("offset", None)
        error = InvalidResponse(
            f"{rule}; the client must fail the WebSocket connection",
            section=section,
            offset=offset,
            **kwargs,
        )
        return _Failure(check, error, line)

    check = "status is 101"
    if response.status != 101:
        raise fail(
            check,
            f"the server answered {response.status} {response.reason!r} instead of "
            "101 Switching Protocols",
            "RFC 6455 §4.1 (response check 1)",
            offset=0,
            http_status=response.status,
        )
    ok(check, f"{response.status} {response.reason}", "RFC 6455 §4.1 (response check 1)")

    check = "response syntax"
    if response.violations:
        first = response.violations[0]
        raise fail(check, first.rule, first.section, offset=first.start)
    ok(check, "the status line and every header line are well formed", "RFC 7230 §3")

    check = "Upgrade is websocket"
    if not any(p.lower() == "websocket" for p in response.upgrade):
        what = ", ".join(response.get_all("Upgrade")) or "no Upgrade header"
        raise fail(
            check, f"Upgrade does not say websocket ({what})", "RFC 6455 §4.1 (response check 2)"
        )
    ok(check, "Upgrade: " + ", ".join(response.upgrade), "RFC 6455 §4.1 (response check 2)")

    check = "Connection includes Upgrade"
    if not any(t.lower() == "upgrade" for t in response.connection):
        what = ", ".join(response.get_all("Connection")) or "no Connection header"
        raise fail(
            check,
            f"Connection does not include the token 'Upgrade' ({what})",
            "RFC 6455 §4.1 (response check 3)",
        )
    ok(check, "Connection: " + ", ".join(response.connection), "RFC 6455 §4.1 (response check 3)")

    check = "Sec-WebSocket-Accept matches"
    section = "RFC 6455 §4.1 (response check 4)"
    if request.key is None:
        raise fail(
            check,
            "the request has no Sec-WebSocket-Key, so no accept can be expected",
            section,
            fault="local",
        )
    expected = accept_key(request.key)
    accepts = response.header_lines("Sec-WebSocket-Accept")
    if len(accepts) > 1:
        raise fail(
            check,
            f"Sec-WebSocket-Accept appears {len(accepts)} times; it must appear once",
            "RFC 6455 §11.3.3",
            accepts[1],
        )
    received = accepts[0].value if accepts else None
    if received != expected:
        where = accepts[0] if accepts else None
        error = InvalidAccept(
            expected, received, section=section, offset=where.start if where else None
        )
        raise _Failure(check, error, where)
    ok(check, f"{received!r} = base64(SHA-1({request.key!r} + GUID))", section, accepts[0])

    check = "extensions"
    section = "RFC 6455 §4.1 (response check 5), §9.1"
    ext_lines = response.header_lines("Sec-WebSocket-Extensions")
    if len(ext_lines) > 1:
        raise fail(
            check,
            "Sec-WebSocket-Extensions appears more than once in the response",
            "RFC 6455 §11.3.2",
            ext_lines[1],
        )
    offered = {o.name for o in request.extensions}
    negotiated: list[NegotiatedExtension] = []
    seen: set[str] = set()
    for element in response.extensions:
        line = ext_lines[0] if ext_lines else None
        name = element.name
        if name not in offered:
            raise fail(
                check,
                f"the server uses extension {name!r}, which the client did not offer",
                section,
                line,
            )
        if name in seen:
            raise fail(check, f"the server lists extension {name!r} twice", section, line)
        seen.add(name)
        ext = next((e for e in extensions if e.name == name), None)
        if ext is None:
            raise fail(
                check,
                f"the server accepted {name!r}, but no Extension object was given to check it",
                section,
                line,
                fault="local",
            )
        try:
            negotiated.append(ext.check_response(element, role="client"))
        except NegotiationError as err:
            raise fail(
                check, f"extension {name}: {err.rule}", err.section or section, line
            ) from err
        ok(check, f"'{element}' accepted", section, line)
    if not response.extensions:
        ok(check, "none in use", section)

    check = "subprotocol"
    section = "RFC 6455 §4.1 (response check 6)"
    proto_lines = response.header_lines("Sec-WebSocket-Protocol")
    chosen = response.subprotocols
    if len(proto_lines) > 1 or len(chosen) > 1:
        raise fail(
            check,
            f"the server names {len(chosen)} subprotocols {chosen}; it may choose at most one",
            "RFC 6455 §4.2.2 (/subprotocol/), §11.3.4",
            proto_lines[-1] if proto_lines else None,
        )
    if chosen:
        if chosen[0] not in request.subprotocols:
            raise fail(
                check,
                f"the server chose subprotocol {chosen[0]!r}, which the client did "
                f"not offer (offered: {request.subprotocols})",
                section,
                proto_lines[0],
            )
        ok(check, f"{chosen[0]!r}, offered by the client", section, proto_lines[0])
        return chosen[0], negotiated
    ok(check, "none chosen", section)
    return None, negotiated
