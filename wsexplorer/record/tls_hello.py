"""Recognise a TLS stream and read its ClientHello: server name (SNI), ALPN, versions (RFC 8446, 6066).

A ``wss://`` connection in a capture is TLS from its first byte: what it carries cannot be read without
the keys, but the client's first message is in the clear and names the server it wants (the
``server_name`` extension, RFC 6066 §3) and the protocols it offers (ALPN, RFC 7301 §3.1). An importer
lists such a connection as TLS with that name instead of misreading it as HTTP.

:func:`read_client_hello` is bounded (it looks at most at :data:`MAX_HELLO_BYTES` of the stream) and
lenient: a malformed hello is still returned, with ``violations``; it never raises on any input.
A :class:`ClientHello` keeps the bytes it was read from and exposes ``fields`` (spans recorded while
parsing) and ``violations``, like the codec's frames.
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass, field

from ..anatomy import Field, FieldList, Span, Violation

__all__ = ["MAX_HELLO_BYTES", "ClientHello", "looks_like_tls", "read_client_hello", "tls_record_start"]

MAX_HELLO_BYTES = 1 << 16
"""The most stream bytes read for one ClientHello (real ones are well under 2 KiB)."""

HANDSHAKE = 22  # ContentType.handshake (RFC 8446 §5.1)
CLIENT_HELLO = 1  # HandshakeType.client_hello (RFC 8446 §4)
MAX_RECORD = 1 << 14  # "The length MUST NOT exceed 2^14 bytes" (RFC 8446 §5.1)
RECORD = "RFC 8446 §5.1"
HELLO = "RFC 8446 §4.1.2"
SNI = "RFC 6066 §3"
ALPN = "RFC 7301 §3.1"
VERSIONS = "RFC 8446 §4.2.1"
EXTENSIONS = "RFC 8446 §4.2"


def looks_like_tls(data: bytes | bytearray) -> bool:
    """True when ``data`` starts like a TLS handshake record: content type 22, legacy version 3.x."""
    return len(data) >= 3 and data[0] == HANDSHAKE and data[1] == 3 and data[2] <= 4


def tls_record_start(data: bytes | bytearray) -> bool:
    """True when ``data`` starts like any TLS record (RFC 8446 §5.1): content type 20-23, version 3.x,
    a length of at most 2^14 + 2048 (TLS 1.2's ciphertext limit, RFC 5246 §6.2.3)."""
    return (
        len(data) >= 5
        and 20 <= data[0] <= 23
        and data[1] == 3
        and data[2] <= 4
        and int.from_bytes(data[3:5], "big") <= MAX_RECORD + 2048
    )


class _Short(Exception):
    """The handshake message ends before the field being read (internal)."""


@dataclass
class ClientHello:
    """The client's first TLS message, as it came (RFC 8446 §4.1.2).

    ``server_name`` is the SNI host name (None when absent), ``alpn`` the offered application
    protocols, ``versions`` the offered ``supported_versions`` (TLS 1.3 clients list 0x0304) and
    ``complete`` says whether the whole message was read. Spans index ``bytes(hello)``: the stream
    from its first record header on (a field that crosses a record boundary spans that header too).
    """

    data: bytes
    complete: bool = False
    record_count: int = 0
    legacy_version: int | None = None
    server_name: str | None = None
    alpn: tuple[str, ...] = ()
    versions: tuple[int, ...] = ()
    cipher_suites: int = 0
    extension_types: tuple[int, ...] = ()
    violations: list[Violation] = field(default_factory=list)
    _fields: FieldList = field(default_factory=FieldList, repr=False)
    _starts: list[int] = field(default_factory=list, repr=False)  # message offset where each record begins

    def __bytes__(self) -> bytes:
        return self.data

    def __len__(self) -> int:
        return len(self.data)

    @property
    def fields(self) -> list[Field]:
        return list(self._fields.items)

    def summary(self) -> str:
        name = f"for {self.server_name}" if self.server_name else "without a server name (SNI)"
        alpn = f", ALPN {', '.join(self.alpn)}" if self.alpn else ""
        tls13 = ", offers TLS 1.3" if 0x0304 in self.versions else ""
        cut = "" if self.complete else " (incomplete)"
        return f"TLS ClientHello {name}{alpn}{tls13}{cut}"

    def __repr__(self) -> str:
        return f"<ClientHello {self.summary()}, {len(self.data)} bytes, {len(self.violations)} violations>"

    # -- parsing helpers -------------------------------------------------------------------------------

    def _where(self, start: int) -> int:
        """The stream offset of handshake-message offset ``start``: skip the record headers before it."""
        k = 0
        while k + 1 < len(self._starts) and self._starts[k + 1] <= start:
            k += 1
        return start + 5 * (k + 1)

    def _span(self, start: int, end: int) -> Span:
        a = self._where(start)
        return Span.of_bytes(a, self._where(end - 1) + 1 if end > start else a)

    def _add(
        self, name: str, start: int, end: int, value: object, meaning: str, ref: str, group: str
    ) -> None:
        self._fields.add(self.data, name, self._span(start, end), value, meaning, ref, group)

    def _violate(self, rule: str, start: int, end: int, section: str, name: str = "") -> None:
        span = self._span(start, max(end, start + 1))
        self.violations.append(Violation(rule, span.byte_start, span.byte_end, section, field=name))


class _Reader:
    """A cursor over the handshake message that records each field of ``hello`` as it reads it."""

    def __init__(self, hello: ClientHello, message: bytes) -> None:
        self.hello = hello
        self.m = message
        self.pos = 0

    def take(self, n: int, end: int | None = None) -> tuple[int, bytes]:
        stop = len(self.m) if end is None else end
        if self.pos + n > stop:
            raise _Short
        start = self.pos
        self.pos += n
        return start, self.m[start : self.pos]

    def number(self, n: int, name: str, meaning: str, ref: str, group: str, end: int | None = None) -> int:
        start, raw = self.take(n, end)
        value = int.from_bytes(raw, "big")
        self.hello._add(name, start, start + n, value, meaning, ref, group)
        return value

    def vector(self, size: int, name: str, meaning: str, ref: str, group: str, end: int | None = None) -> int:
        """A length-prefixed vector: records the length field, returns where the vector ends."""
        length = self.number(size, f"{name} length", f"{meaning}: length in bytes", ref, group, end)
        stop = self.pos + length
        if stop > (len(self.m) if end is None else end):
            raise _Short
        return stop

    def body(self, stop: int, name: str, meaning: str, ref: str, group: str) -> bytes:
        """The bytes up to ``stop`` as one field (a vector's content)."""
        start, raw = self.take(stop - self.pos, stop)
        if raw:
            self.hello._add(name, start, stop, raw, meaning, ref, group)
        return raw


def _records(stream: bytes, limit: int) -> tuple[bytes, list[int], int, list[Violation], bool]:
    """The handshake bytes carried by the leading handshake records, where each record starts in them,
    how many stream bytes they use, violations, and whether the stream ends inside a record."""
    message = bytearray()
    starts: list[int] = []
    pos = 0
    violations: list[Violation] = []
    while pos + 5 <= min(len(stream), limit) and stream[pos] == HANDSHAKE:
        length = int.from_bytes(stream[pos + 3 : pos + 5], "big")
        if length > MAX_RECORD:
            violations.append(
                Violation(f"record length {length} exceeds 2^14", pos + 3, pos + 5, RECORD, field="length")
            )
        starts.append(len(message))
        chunk = stream[pos + 5 : min(pos + 5 + length, limit)]
        message += chunk
        pos += 5 + len(chunk)
        if len(chunk) < length:
            return bytes(message), starts, pos, violations, True
        if len(message) >= 4 and len(message) >= 4 + int.from_bytes(message[1:4], "big"):
            break
    header_cut = pos < len(stream) < pos + 5 and stream[pos] == HANDSHAKE  # the next record's header
    return bytes(message), starts, pos, violations, header_cut


def read_client_hello(stream: bytes | bytearray, *, final: bool = False) -> ClientHello | None:
    """The ClientHello at the start of ``stream`` (a TLS connection's client-to-server bytes).

    Returns None while more bytes are needed, unless ``final`` (the stream will not grow: read what is
    there) or :data:`MAX_HELLO_BYTES` are already there. Never raises: what cannot be read is listed
    in ``violations``.
    """
    stream = bytes(stream[:MAX_HELLO_BYTES])
    message, starts, used, record_violations, cut = _records(stream, MAX_HELLO_BYTES)
    announced = 4 + int.from_bytes(message[1:4], "big") if len(message) >= 4 else None
    complete = announced is not None and len(message) >= announced
    if not complete and not final and len(stream) < MAX_HELLO_BYTES and (cut or used == len(stream)):
        return None
    hello = ClientHello(stream[:used], complete, len(starts), _starts=starts or [0])
    hello.violations += record_violations
    if starts:
        hello._fields.add(
            hello.data, "content type", Span.of_bytes(0, 1), stream[0], "22: handshake", RECORD, "record"
        )
        hello._fields.add(
            hello.data,
            "legacy record version",
            Span.of_bytes(1, 3),
            int.from_bytes(stream[1:3], "big"),
            "ignored by TLS 1.3 receivers",
            RECORD,
            "record",
        )
        hello._fields.add(
            hello.data,
            "record length",
            Span.of_bytes(3, 5),
            int.from_bytes(stream[3:5], "big"),
            "bytes of handshake data in this record",
            RECORD,
            "record",
        )
    reader = _Reader(hello, message[: announced or len(message)])
    try:
        _parse(reader, hello)
    except _Short:
        hello._violate("the ClientHello ends before this field", reader.pos, reader.pos + 1, HELLO)
    return hello


def _parse(r: _Reader, hello: ClientHello) -> None:
    kind = r.number(1, "handshake type", "1: client_hello", "RFC 8446 §4", "handshake")
    if kind != CLIENT_HELLO:
        hello._violate(f"handshake type {kind}, not client_hello (1)", 0, 1, "RFC 8446 §4", "handshake type")
        return
    r.number(3, "handshake length", "bytes of ClientHello that follow", "RFC 8446 §4", "handshake")
    hello.legacy_version = r.number(
        2, "legacy version", "0x0303 (TLS 1.2) for every TLS 1.3 client", HELLO, "hello"
    )
    start, random = r.take(32)
    hello._add("random", start, start + 32, random, "32 bytes from a secure generator", HELLO, "hello")
    stop = r.vector(1, "legacy session id", "a session id (TLS 1.2) or a random value", HELLO, "hello")
    if stop - r.pos > 32:
        hello._violate("legacy_session_id longer than 32 bytes", r.pos - 1, stop, HELLO, "legacy session id")
    r.body(
        stop, "legacy session id", "echoed by the server (TLS 1.3 middlebox compatibility)", HELLO, "hello"
    )
    stop = r.vector(2, "cipher suites", "the cipher suites offered, two bytes each", HELLO, "hello")
    if (stop - r.pos) % 2 or stop == r.pos:
        hello._violate(
            "cipher_suites must be a non-empty list of 2-byte values", r.pos - 2, stop, HELLO, "cipher suites"
        )
    hello.cipher_suites = (stop - r.pos) // 2
    r.body(stop, "cipher suites", "two bytes per suite, in the client's order of preference", HELLO, "hello")
    stop = r.vector(1, "compression methods", "legacy: exactly one method, null (0)", HELLO, "hello")
    r.body(stop, "compression methods", "0: null (no compression)", HELLO, "hello")
    if r.pos == len(r.m):
        return  # no extensions: a TLS 1.2-style hello without SNI
    end = r.vector(2, "extensions", "the extensions, each type, length and data", HELLO, "extensions")
    seen: list[int] = []
    while r.pos < end:
        at = r.pos
        kind = r.number(
            2, "extension type", _extension_name(r.m[r.pos : r.pos + 2]), EXTENSIONS, "extensions", end
        )
        stop = r.vector(2, "extension", f"extension {kind} data", EXTENSIONS, "extensions", end)
        if kind in seen:
            hello._violate(f"extension {kind} appears twice", at, stop, EXTENSIONS, "extension type")
        seen.append(kind)
        if kind == 0:
            _server_name(r, hello, stop)
        elif kind == 16:
            hello.alpn = tuple(_alpn(r, stop))
        elif kind == 43:
            inner = r.vector(
                1, "supported versions", "the TLS versions offered", VERSIONS, "extensions", stop
            )
            hello.versions = tuple(
                int.from_bytes(r.take(2, inner)[1], "big") for _ in range((inner - r.pos) // 2)
            )
        r.pos = stop
    hello.extension_types = tuple(seen)


def _extension_name(raw: bytes) -> str:
    names = {0: "server_name", 16: "application_layer_protocol_negotiation", 43: "supported_versions"}
    return names.get(int.from_bytes(raw, "big"), "an extension")


def _server_name(r: _Reader, hello: ClientHello, end: int) -> None:
    stop = r.vector(2, "server name list", "the names the client wants", SNI, "server_name", end)
    while r.pos < stop:
        kind = r.number(1, "name type", "0: host_name", SNI, "server_name", stop)
        name_end = r.vector(2, "host name", "the server's DNS name", SNI, "server_name", stop)
        start, raw = r.take(name_end - r.pos, name_end)
        if kind != 0:
            continue
        text = raw.decode("ascii", "replace")
        hello._add("server name", start, name_end, text, "the DNS host name (SNI)", SNI, "server_name")
        if hello.server_name is None:
            hello.server_name = text
        if not raw.isascii() or raw.endswith(b"."):
            hello._violate(
                "host_name must be ASCII without a trailing dot", start, name_end, SNI, "server name"
            )
        try:
            ipaddress.ip_address(text)
        except ValueError:
            continue
        hello._violate(
            "literal IP addresses are not permitted in host_name", start, name_end, SNI, "server name"
        )


def _alpn(r: _Reader, hello_end: int) -> list[str]:
    protocols = []
    stop = r.vector(2, "ALPN protocol list", "the application protocols offered", ALPN, "alpn", hello_end)
    while r.pos < stop:
        name_end = r.vector(1, "protocol name", "one protocol (e.g. http/1.1)", ALPN, "alpn", stop)
        protocols.append(
            r.body(name_end, "protocol", "an ALPN protocol id", ALPN, "alpn").decode("ascii", "replace")
        )
    return protocols
