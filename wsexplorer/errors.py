"""The one exception tree of wsexplorer.

Every error says who is at fault (``"local"`` for us, ``"peer"`` for the other side), where (a byte offset
when there is one), which rule was broken and in which RFC section, and carries the WebSocket close code
or the HTTP status to answer with where one applies::

    WSExplorerError
    ├── ParseError                   input that cannot be parsed at all
    │   ├── IncompleteInput          more bytes are needed (says how many, when known)
    │   ├── TrailingBytes            bytes left after one complete object
    │   ├── HandshakeParseError      no request/status line, no end of headers, too many lines
    │   └── FileFormatError          a file that cannot be read, contradicts itself or is too big
    │       ├── SessionFormatError   ... a session file (names the member, the field, the offset)
    │       └── CaptureFormatError   ... a capture or HAR file
    ├── InvalidKey                   Sec-WebSocket-Key does not decode to 16 bytes
    ├── HandshakeError               an opening handshake that fails (carries the HTTP status)
    │   ├── HandshakeRejected        the server's decision: 400 / 403 / 426 with the reason
    │   └── InvalidResponse          the client's check of the server's answer failed
    │       └── InvalidAccept        Sec-WebSocket-Accept is not the expected value
    ├── NegotiationError             extension parameters that cannot be accepted
    ├── ProtocolError                a WebSocket rule was broken (carries the close code)
    │   ├── UnsupportedData          1003
    │   ├── InvalidPayloadData       1007 (invalid UTF-8, ...)
    │   ├── PolicyViolation          1008
    │   ├── MessageTooBig            1009
    │   └── InternalError            1011
    ├── InvalidState                 the local program used the connection wrongly (send after close)
    ├── ConnectionClosed             the connection is closed (carries both close frames' codes)
    │   ├── ConnectionClosedOK       ... normally (1000 / 1001 both ways)
    │   └── ConnectionClosedError    ... abnormally (1006, a protocol error, any other code)
    ├── OpeningTimeout               the opening handshake did not finish in time
    └── TLSError                     TLS failed (certificate unknown, name mismatch, expired, ...)

Errors answer with a :class:`CloseCode` (defined here, at the bottom of the layers, because every
protocol error carries one) or with an HTTP status (:class:`http.HTTPStatus` values).
"""

from __future__ import annotations

import enum
from http import HTTPStatus
from typing import Any, Literal

Fault = Literal["local", "peer"]

__all__ = [
    "CaptureFormatError",
    "CloseCode",
    "ConnectionClosed",
    "ConnectionClosedError",
    "ConnectionClosedOK",
    "Fault",
    "FileFormatError",
    "HandshakeError",
    "HandshakeParseError",
    "HandshakeRejected",
    "IncompleteInput",
    "InternalError",
    "InvalidAccept",
    "InvalidKey",
    "InvalidPayloadData",
    "InvalidResponse",
    "InvalidState",
    "MessageTooBig",
    "NegotiationError",
    "OpeningTimeout",
    "ParseError",
    "PolicyViolation",
    "ProtocolError",
    "SessionFormatError",
    "TLSError",
    "TrailingBytes",
    "UnsupportedData",
    "WSExplorerError",
]


class CloseCode(enum.IntEnum):
    """Registered close codes (RFC 6455 §7.4.1 and the IANA registry of §11.7).

    1005, 1006 and 1015 are for reporting only: they never travel in a close frame (§7.4.1).
    """

    NORMAL_CLOSURE = 1000
    GOING_AWAY = 1001
    PROTOCOL_ERROR = 1002
    UNSUPPORTED_DATA = 1003
    NO_STATUS_RCVD = 1005
    ABNORMAL_CLOSURE = 1006
    INVALID_PAYLOAD_DATA = 1007
    POLICY_VIOLATION = 1008
    MESSAGE_TOO_BIG = 1009
    MANDATORY_EXTENSION = 1010
    INTERNAL_ERROR = 1011
    SERVICE_RESTART = 1012
    TRY_AGAIN_LATER = 1013
    BAD_GATEWAY = 1014
    TLS_HANDSHAKE = 1015


class WSExplorerError(Exception):
    """Root of every error raised by wsexplorer.

    ``rule`` says in words what was broken, ``section`` cites the RFC (for example ``"RFC 6455 §5.2"``),
    ``offset`` is the byte offset where the problem is (``None`` when it has no single place) and
    ``fault`` says which side is to blame.
    """

    close_code: int | None = None
    http_status: int | None = None
    #: Set by the live client on a failed opening handshake: the server's whole answer (a
    #: HandshakeResponse with its body) and the Session that recorded it.
    response: Any = None
    session: Any = None

    def __init__(
        self,
        rule: str,
        *,
        section: str = "",
        offset: int | None = None,
        fault: Fault = "peer",
        close_code: int | None = None,
        http_status: int | None = None,
    ) -> None:
        self.rule = rule
        self.section = section
        self.offset = offset
        self.fault: Fault = fault
        if close_code is not None:
            self.close_code = close_code
        if http_status is not None:
            self.http_status = http_status
        super().__init__(self._message())

    def _message(self) -> str:
        parts = [self.rule]
        if self.offset is not None:
            parts.append(f"at byte {self.offset}")
        if self.section:
            parts.append(f"— {self.section}")
        answer = []
        if self.close_code is not None:
            answer.append(f"close code {int(self.close_code)}")
        if self.http_status is not None:
            answer.append(f"HTTP {int(self.http_status)}")
        if answer:
            parts.append("→ " + ", ".join(answer))
        parts.append("(the peer's fault)" if self.fault == "peer" else "(a mistake on this side)")
        return " ".join(parts)

    def __reduce__(self) -> tuple[object, ...]:  # keep errors picklable (multiprocessing, sessions)
        return (_rebuild, (type(self), self.__dict__.copy()))


def _rebuild(cls: type[WSExplorerError], state: dict[str, object]) -> WSExplorerError:
    err = cls.__new__(cls)
    err.__dict__.update(state)
    Exception.__init__(err, err._message())
    return err


class ParseError(WSExplorerError):
    """Input that cannot be parsed at all; lenient parsers raise only this."""


class IncompleteInput(ParseError):
    """More bytes are needed; ``missing`` says how many when it is known."""

    def __init__(self, rule: str, *, missing: int | None = None, **kwargs: object) -> None:
        self.missing = missing
        super().__init__(rule, **kwargs)  # type: ignore[arg-type]


class TrailingBytes(ParseError):
    """Bytes are left over after one complete object; ``extra`` says how many."""

    def __init__(self, rule: str, *, extra: int, **kwargs: object) -> None:
        self.extra = extra
        super().__init__(rule, **kwargs)  # type: ignore[arg-type]


class HandshakeParseError(ParseError):
    """An opening handshake that cannot be parsed at all (RFC 6455 §4, RFC 7230 §3)."""

    http_status: int | None = HTTPStatus.BAD_REQUEST


class FileFormatError(ParseError):
    """A file that cannot be read as what it claims to be, contradicts itself, or passes a size limit.

    ``path`` is the file, ``member`` the part of it (a ZIP member, a packet number, a HAR entry) and
    ``field`` the field at fault; ``offset`` is the byte offset inside that member when there is one.
    """

    def __init__(
        self, rule: str, *, path: str = "", member: str = "", field: str = "", **kwargs: object
    ) -> None:
        self.path = path
        self.member = member
        self.field = field
        where = ", ".join(p for p in (path, member and f"member {member}", field and f"field {field}") if p)
        super().__init__(f"{where}: {rule}" if where else rule, **kwargs)  # type: ignore[arg-type]


class SessionFormatError(FileFormatError):
    """A session file (docs/session-format.md) that cannot be loaded as it is."""


class CaptureFormatError(FileFormatError):
    """A capture (pcap, pcapng) or HAR file that cannot be imported as it is."""


class InvalidKey(WSExplorerError):
    """A Sec-WebSocket-Key that does not base64-decode to 16 bytes (RFC 6455 §4.1)."""

    http_status: int | None = HTTPStatus.BAD_REQUEST


class HandshakeError(WSExplorerError):
    """An opening handshake that fails; ``http_status`` is the status a server answers with."""


class HandshakeRejected(HandshakeError):
    """The server refuses the upgrade: 400, 403 or 426 with the reason in words."""


class InvalidResponse(HandshakeError):
    """The client's check of the server's answer failed: the client must fail the connection (§4.1)."""

    def __init__(self, rule: str, **kwargs: object) -> None:
        kwargs.setdefault("fault", "peer")
        kwargs.setdefault("section", "RFC 6455 §4.1")
        super().__init__(rule, **kwargs)  # type: ignore[arg-type]


class InvalidAccept(InvalidResponse):
    """Sec-WebSocket-Accept is not base64(SHA-1(key + GUID)): the client must fail the WebSocket
    connection (§4.1)."""

    def __init__(self, expected: str, received: str | None, **kwargs: object) -> None:
        self.expected = expected
        self.received = received
        got = "nothing" if received is None else repr(received)
        rule = (
            f"Sec-WebSocket-Accept mismatch: expected {expected!r}, received {got}; "
            "the client must fail the WebSocket connection"
        )
        super().__init__(rule, **kwargs)


class NegotiationError(WSExplorerError):
    """Extension negotiation parameters that cannot be accepted (RFC 7692 §5, §7.1)."""

    close_code: int | None = CloseCode.MANDATORY_EXTENSION


class ProtocolError(WSExplorerError):
    """A rule of RFC 6455 / RFC 7692 was broken; the connection fails with ``close_code``."""

    close_code: int | None = CloseCode.PROTOCOL_ERROR


class UnsupportedData(ProtocolError):
    """Data of a type the endpoint cannot accept (RFC 6455 §7.4.1, 1003)."""

    close_code: int | None = CloseCode.UNSUPPORTED_DATA


class InvalidPayloadData(ProtocolError):
    """Data inconsistent with the message type, such as invalid UTF-8 in text (§8.1, 1007)."""

    close_code: int | None = CloseCode.INVALID_PAYLOAD_DATA


class PolicyViolation(ProtocolError):
    """A message that violates the endpoint's policy (§7.4.1, 1008)."""

    close_code: int | None = CloseCode.POLICY_VIOLATION


class MessageTooBig(ProtocolError):
    """A message or frame larger than the configured limit (§7.4.1, 1009)."""

    close_code: int | None = CloseCode.MESSAGE_TOO_BIG


class InternalError(ProtocolError):
    """An unexpected condition prevented the endpoint from fulfilling the request (§7.4.1, 1011)."""

    close_code: int | None = CloseCode.INTERNAL_ERROR


class InvalidState(WSExplorerError):
    """The local program used the connection in a way its state does not allow."""

    def __init__(self, rule: str, **kwargs: object) -> None:
        kwargs.setdefault("fault", "local")
        super().__init__(rule, **kwargs)  # type: ignore[arg-type]


class ConnectionClosed(WSExplorerError):
    """The connection is closed; ``code``/``reason`` are what the peer said (1005: no code, 1006: no
    close frame at all), ``sent_code`` what we said."""

    def __init__(
        self,
        code: int,
        reason: str = "",
        *,
        sent_code: int | None = None,
        cause: WSExplorerError | None = None,
        fault: Fault = "peer",
    ) -> None:
        self.code = code
        self.reason = reason
        self.sent_code = sent_code
        self.cause = cause
        rule = f"connection closed: received {code}" + (f" {reason!r}" if reason else "")
        if sent_code is not None:
            rule += f", sent {sent_code}"
        if cause is not None:
            rule += f"; {cause.rule}"
        super().__init__(rule, section="RFC 6455 §7.1.5", fault=fault, close_code=code)


class ConnectionClosedOK(ConnectionClosed):
    """The connection closed normally (1000 or 1001 both ways, or no code at all)."""


class ConnectionClosedError(ConnectionClosed):
    """The connection closed abnormally: no close frame (1006), a protocol error, or another code."""


class OpeningTimeout(WSExplorerError):
    """The opening handshake did not complete within the timeout (RFC 6455 §4.1 leaves this to us)."""

    def __init__(self, rule: str, **kwargs: object) -> None:
        kwargs.setdefault("section", "RFC 6455 §4.1")
        super().__init__(rule, **kwargs)  # type: ignore[arg-type]


class TLSError(WSExplorerError):
    """TLS failed before any WebSocket byte was exchanged; ``reason`` names what failed."""

    def __init__(self, rule: str, *, reason: str = "", **kwargs: object) -> None:
        self.reason = reason
        kwargs.setdefault("section", "RFC 6455 §4.1 item 5 (wss), RFC 8446")
        super().__init__(rule, **kwargs)  # type: ignore[arg-type]


def error_for_close_code(code: int) -> type[ProtocolError]:
    """The ProtocolError subclass that maps to ``code``."""
    return _BY_CODE.get(code, ProtocolError)


_BY_CODE: dict[int, type[ProtocolError]] = {
    CloseCode.PROTOCOL_ERROR: ProtocolError,
    CloseCode.UNSUPPORTED_DATA: UnsupportedData,
    CloseCode.INVALID_PAYLOAD_DATA: InvalidPayloadData,
    CloseCode.POLICY_VIOLATION: PolicyViolation,
    CloseCode.MESSAGE_TOO_BIG: MessageTooBig,
    CloseCode.INTERNAL_ERROR: InternalError,
}
