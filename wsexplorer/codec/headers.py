"""The HTTP header-value grammar of the opening handshake (RFC 7230 §3.2.6, §7; RFC 6455 §9.1).

Parses and writes the values of ``Connection``, ``Upgrade``, ``Sec-WebSocket-Protocol`` and
``Sec-WebSocket-Extensions``: tokens, quoted strings, optional whitespace and comma-separated lists.
Every parser takes the list of values of one header (one entry per header line, in order) and treats
them as RFC 7230 §3.2.2 allows: as if joined into one value with ``", "``. Error offsets count
characters in that joined text; :func:`locate_offset` maps one back to a line and a column.

Malformed input raises :class:`~wsexplorer.errors.HandshakeParseError` whose ``rule`` names what was
expected, ``offset`` says where, ``section`` cites the RFC, and ``http_status`` is 400.
"""

from __future__ import annotations

import string
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TypeVar

from ..errors import HandshakeParseError

__all__ = [
    "TCHARS",
    "ExtensionOffer",
    "is_token",
    "join_header_values",
    "locate_offset",
    "parse_each_line",
    "parse_extension_list",
    "parse_protocol_list",
    "parse_quoted_string",
    "parse_token_list",
    "quote_string",
    "serialize_extension_list",
    "serialize_token_list",
]


@dataclass(frozen=True, slots=True)
class ExtensionOffer:
    """One element of a ``Sec-WebSocket-Extensions`` header: a name and its parameters, in order.

    A parameter without a value (``client_max_window_bits`` in an offer) has the value ``None``.
    Values are stored unquoted (RFC 7230 §3.2.6 quoted strings are decoded by the header parser).
    """

    name: str
    params: tuple[tuple[str, str | None], ...] = ()

    def param_names(self) -> list[str]:
        return [k for k, _ in self.params]

    def __str__(self) -> str:
        parts = [self.name]
        for key, value in self.params:
            parts.append(key if value is None else f"{key}={_quote_if_needed(value)}")
        return "; ".join(parts)


def _quote_if_needed(value: str) -> str:
    if value and all(c.isalnum() or c in "!#$%&'*+-.^_`|~" for c in value):
        return value
    escaped = value.replace("\\", "\\\\").replace('"', '\\"')
    return f'"{escaped}"'


T = TypeVar("T")

SEP = ", "
"""What RFC 7230 §3.2.2 joins repeated header lines with."""

SECTION_TOKEN = "RFC 7230 §3.2.6"
SECTION_LIST = "RFC 7230 §7"
SECTION_EXTENSIONS = "RFC 6455 §9.1"

# tchar = "!" / "#" / "$" / "%" / "&" / "'" / "*" / "+" / "-" / "." /
#         "^" / "_" / "`" / "|" / "~" / DIGIT / ALPHA
# token = 1*tchar
TCHARS = frozenset("!#$%&'*+-.^_`|~" + string.digits + string.ascii_letters)
"""The characters a token may contain (RFC 7230 §3.2.6)."""

# OWS = *( SP / HTAB )
_OWS = " \t"


def is_token(text: str) -> bool:
    """True when ``text`` is a non-empty run of tchar (RFC 7230 §3.2.6)."""
    return bool(text) and all(c in TCHARS for c in text)


def join_header_values(values: Sequence[str]) -> str:
    """Repeated header lines as one value, joined with ``", "`` (RFC 7230 §3.2.2)."""
    return SEP.join(values)


def locate_offset(values: Sequence[str], offset: int) -> tuple[int, int]:
    """Map an ``offset`` in the joined value back to ``(line index, offset within that line)``.

    An offset inside a separator or past the end is attributed to the line before it.
    """
    pos = 0
    for index, value in enumerate(values):
        if offset <= pos + len(value) or index == len(values) - 1:
            return index, max(0, min(offset - pos, len(value)))
        pos += len(value) + len(SEP)
    return 0, 0


def _describe(text: str, pos: int) -> str:
    if pos >= len(text):
        return "the end of the value"
    return f"{text[pos]!r}"


class _Cursor:
    """A position in a header value, with one method per grammar rule."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.pos = 0

    def at_end(self) -> bool:
        return self.pos >= len(self.text)

    def peek(self) -> str:
        return self.text[self.pos] if self.pos < len(self.text) else ""

    def fail(self, expected: str, section: str, at: int | None = None) -> HandshakeParseError:
        where = self.pos if at is None else at
        return HandshakeParseError(
            f"expected {expected} but found {_describe(self.text, where)}",
            section=section,
            offset=where,
            http_status=400,
        )

    # OWS = *( SP / HTAB )
    def skip_ows(self) -> None:
        while self.pos < len(self.text) and self.text[self.pos] in _OWS:
            self.pos += 1

    # token = 1*tchar
    def token(self, what: str = "a token", section: str = SECTION_TOKEN) -> str:
        start = self.pos
        while self.pos < len(self.text) and self.text[self.pos] in TCHARS:
            self.pos += 1
        if self.pos == start:
            raise self.fail(f"{what} (1*tchar)", section)
        return self.text[start : self.pos]

    # quoted-string = DQUOTE *( qdtext / quoted-pair ) DQUOTE
    # qdtext        = HTAB / SP / %x21 / %x23-5B / %x5D-7E / obs-text
    # obs-text      = %x80-FF
    # quoted-pair   = "\" ( HTAB / SP / VCHAR / obs-text )
    def quoted_string(self) -> str:
        if self.peek() != '"':
            raise self.fail("a quoted-string (opening '\"')", SECTION_TOKEN)
        self.pos += 1
        out: list[str] = []
        while True:
            if self.at_end():
                raise self.fail("the closing '\"' of the quoted-string", SECTION_TOKEN)
            c = self.text[self.pos]
            if c == '"':
                self.pos += 1
                return "".join(out)
            if c == "\\":
                self.pos += 1
                if self.at_end() or not _is_quotable(self.text[self.pos]):
                    raise self.fail(
                        "a visible character, space or tab after '\\' (quoted-pair)", SECTION_TOKEN
                    )
                out.append(self.text[self.pos])
            elif _is_qdtext(c):
                out.append(c)
            else:
                raise self.fail("qdtext (a visible character, space or tab)", SECTION_TOKEN)
            self.pos += 1

    # RFC 7230 §7 list extension, with the recipient's leniency for empty elements:
    #   #element  => [ ( "," / element ) *( OWS "," [ OWS element ] ) ]
    #   1#element => *( "," OWS ) element *( OWS "," [ OWS element ] )
    def list_of(self, element: Callable[[_Cursor], T], what: str, require_one: bool) -> list[T]:
        """RFC 7230 §7 ``#element``: commas with optional whitespace; empty elements are ignored."""
        items: list[T] = []
        while True:
            self.skip_ows()
            if self.at_end():
                break
            if self.peek() == ",":
                self.pos += 1
                continue
            items.append(element(self))
            self.skip_ows()
            if self.at_end():
                break
            if self.peek() != ",":
                raise self.fail(f"',' or the end of the list after {what}", SECTION_LIST)
            self.pos += 1
        if require_one and not items:
            raise HandshakeParseError(
                f"expected at least one {what} in the list (1#rule), found none",
                section=SECTION_LIST,
                offset=0,
                http_status=400,
            )
        return items


def _is_qdtext(c: str) -> bool:
    o = ord(c)
    return c in "\t " or o == 0x21 or 0x23 <= o <= 0x5B or 0x5D <= o <= 0x7E or 0x80 <= o <= 0xFF


def _is_quotable(c: str) -> bool:
    o = ord(c)
    return c in "\t " or 0x21 <= o <= 0x7E or 0x80 <= o <= 0xFF


def parse_quoted_string(text: str) -> str:
    """The unescaped content of ``text``, exactly one quoted-string (RFC 7230 §3.2.6)."""
    cursor = _Cursor(text)
    value = cursor.quoted_string()
    if not cursor.at_end():
        raise cursor.fail("the end of the value after the quoted-string", SECTION_TOKEN)
    return value


def quote_string(text: str) -> str:
    """``text`` written as a quoted-string, escaping ``"`` and ``\\`` (RFC 7230 §3.2.6).

    Raises ValueError for characters a quoted-string cannot hold (control characters, non-Latin-1).
    """
    for c in text:
        if not _is_quotable(c):
            raise ValueError(f"{c!r} cannot appear in a quoted-string (RFC 7230 §3.2.6)")
    escaped = text.replace("\\", "\\\\").replace('"', '\\"')
    return f'"{escaped}"'


# Connection     = 1#connection-option        (RFC 7230 §6.1)
# connection-option = token
# Sec-WebSocket-Protocol-Client = 1#token     (RFC 6455 §4.3)
def parse_token_list(values: Sequence[str]) -> list[str]:
    """The tokens of a ``1#token`` header such as ``Connection`` or ``Sec-WebSocket-Protocol``.

    ``values`` holds one entry per header line; no lines gives an empty list, but lines without a
    single token are malformed (RFC 7230 §7). Empty list elements (``a,,b``) are ignored.
    """
    if not values:
        return []
    cursor = _Cursor(join_header_values(values))
    return cursor.list_of(lambda c: c.token(), "a token", require_one=True)


# Upgrade          = 1#protocol                 (RFC 7230 §6.7)
# protocol         = protocol-name ["/" protocol-version]
# protocol-name    = token
# protocol-version = token
def _protocol(cursor: _Cursor) -> str:
    name = cursor.token("a protocol name")
    if cursor.peek() == "/":
        cursor.pos += 1
        return f"{name}/{cursor.token('a protocol version after /')}"
    return name


def parse_protocol_list(values: Sequence[str]) -> list[str]:
    """The protocols of an ``Upgrade`` header, each ``name`` or ``name/version`` (RFC 7230 §6.7)."""
    if not values:
        return []
    cursor = _Cursor(join_header_values(values))
    return cursor.list_of(_protocol, "a protocol", require_one=True)


# extension-list  = 1#extension                            (RFC 6455 §9.1)
# extension       = extension-token *( ";" extension-param )
# extension-token = registered-token
# registered-token = token
# extension-param = token [ "=" (token | quoted-string) ]
#     ; When using the quoted-string syntax variant, the value
#     ; after quoted-string unescaping MUST conform to the 'token' ABNF.
# (RFC 6455 uses RFC 2616's implied *LWS rule: whitespace may surround ";" and "=".)
def _extension(cursor: _Cursor) -> ExtensionOffer:
    name = cursor.token("an extension name", SECTION_EXTENSIONS)
    params: list[tuple[str, str | None]] = []
    while True:
        save = cursor.pos
        cursor.skip_ows()
        if cursor.peek() != ";":
            cursor.pos = save
            return ExtensionOffer(name, tuple(params))
        cursor.pos += 1
        cursor.skip_ows()
        key = cursor.token("a parameter name", SECTION_EXTENSIONS)
        save = cursor.pos
        cursor.skip_ows()
        if cursor.peek() != "=":
            cursor.pos = save
            params.append((key, None))
            continue
        cursor.pos += 1
        cursor.skip_ows()
        if cursor.peek() == '"':
            start = cursor.pos
            value = cursor.quoted_string()
            if not is_token(value):
                raise HandshakeParseError(
                    f"the quoted value {cursor.text[start : cursor.pos]} of parameter {key!r} "
                    "is not a token once unquoted",
                    section=SECTION_EXTENSIONS,
                    offset=start,
                    http_status=400,
                )
        else:
            value = cursor.token(
                f"a value for parameter {key!r} (token or quoted-string)", SECTION_EXTENSIONS
            )
        params.append((key, value))


def parse_extension_list(values: Sequence[str]) -> list[ExtensionOffer]:
    """The elements of ``Sec-WebSocket-Extensions`` lines, in order (RFC 6455 §9.1).

    Quoted parameter values are returned unquoted; a parameter without a value has ``None``.
    """
    if not values:
        return []
    cursor = _Cursor(join_header_values(values))
    return cursor.list_of(_extension, "an extension", require_one=True)


def parse_each_line(values: Sequence[str], parser: Callable[[Sequence[str]], list[T]]) -> list[T]:
    """The elements of the lines that ``parser`` accepts, skipping malformed ones.

    Lenient accessors use this to show what can still be read from a header that has a bad line.
    """
    out: list[T] = []
    for value in values:
        try:
            out.extend(parser([value]))
        except HandshakeParseError:
            continue
    return out


def serialize_token_list(tokens: Sequence[str]) -> str:
    """Tokens joined as ``a, b, c`` (RFC 7230 §7); raises ValueError for a non-token."""
    for token in tokens:
        if not is_token(token):
            raise ValueError(f"{token!r} is not a token (RFC 7230 §3.2.6)")
    return SEP.join(tokens)


def serialize_extension_list(offers: Sequence[ExtensionOffer], *, quote_values: bool = False) -> str:
    """``Sec-WebSocket-Extensions`` text for ``offers`` (RFC 6455 §9.1).

    Names, parameter names and values must all be tokens (§9.1 requires values to be tokens even
    when quoted); ``quote_values=True`` writes values in the equally valid quoted form ``x="15"``.
    Raises ValueError otherwise.
    """
    parts: list[str] = []
    for offer in offers:
        if not is_token(offer.name):
            raise ValueError(f"extension name {offer.name!r} is not a token (RFC 6455 §9.1)")
        pieces = [offer.name]
        for key, value in offer.params:
            if not is_token(key):
                raise ValueError(f"parameter name {key!r} is not a token (RFC 6455 §9.1)")
            if value is None:
                pieces.append(key)
                continue
            if not is_token(value):
                raise ValueError(
                    f"value {value!r} of parameter {key!r} is not a token; RFC 6455 §9.1 "
                    "requires a token even inside quotes"
                )
            pieces.append(f"{key}={quote_string(value) if quote_values else value}")
        parts.append("; ".join(pieces))
    return SEP.join(parts)
