"""The opening handshake's two HTTP messages: the client's Upgrade request and the server's answer.

:class:`HandshakeRequest` (RFC 6455 §4.1) and :class:`HandshakeResponse` (§4.2.2) parse leniently and
byte-exactly on top of :class:`~wsexplorer.codec.http_message.HTTPMessage`, add the start line's grammar
and typed accessors, and build messages (valid or faulty on purpose). The accept key is in
:mod:`.accept`; the server's decision and the client's check are in :mod:`.server_decision` and
:mod:`.client_check`. Sans-I/O: no sockets, no clock, and randomness is injectable.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Sequence
from http import HTTPStatus
from urllib.parse import urlsplit

from ..anatomy import Span
from ..errors import HandshakeParseError, TrailingBytes
from .accept import accept_key, generate_key
from .extensions.base import Extension
from .header_meanings import HeaderMeaning, header_meaning
from .headers import (
    ExtensionOffer,
    is_token,
    parse_extension_list,
    serialize_extension_list,
    serialize_token_list,
)
from .http import HeaderInput, StartLine, first_control, header_pairs, serialize_message
from .http_message import HTTPMessage

__all__ = ["HandshakeRequest", "HandshakeResponse", "split_ws_url"]


_REQUEST_LINE = re.compile(r"([^ \t]+)([ \t]+)([^ \t]+)([ \t]+)(HTTP/[0-9]\.[0-9])([ \t]*)")
# status-line = HTTP-version SP status-code SP reason-phrase CRLF   (RFC 7230 §3.1.2)
_STATUS_LINE = re.compile(r"(HTTP/[0-9]\.[0-9])([ \t]+)([0-9]{3})(?:([ \t]+)(.*))?", re.DOTALL)


class HandshakeRequest(HTTPMessage):
    """The client's opening handshake: an HTTP/1.1 GET with Upgrade headers (RFC 6455 §4.1).

    Parsing is lenient: problems are recorded in ``violations`` (each with HTTP status 400) and only
    input that cannot be read as a request at all raises HandshakeParseError.
    """

    _what = "request"
    _start_name = "Request line"
    _violation_status = 400

    def _meaning_of(self, name: str) -> HeaderMeaning:
        return header_meaning(name, in_request=True)

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

    def _end_meaning(self) -> str:
        return "The empty line that ends the header block: the request is complete."

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
        host, target = split_ws_url(url_or_host_and_path)
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
        lines.extend(header_pairs(headers))
        return cls(serialize_message(f"GET {target} HTTP/1.1", lines))


def split_ws_url(url: str) -> tuple[str, str]:
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


class HandshakeResponse(HTTPMessage):
    """The server's answer: ``101 Switching Protocols`` accepts, another status refuses (§4.2.2).

    Parsing is lenient like the request's; violations carry no HTTP status (nobody answers a
    response) but make :func:`check_response` fail. Bytes after the blank line are kept as ``body``.
    """

    _what = "response"
    _start_name = "Status line"

    def _meaning_of(self, name: str) -> HeaderMeaning:
        return header_meaning(name, in_request=False, status=self.status)

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
        control = first_control(reason)
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
            return (
                f"The status line: {self.status} {self.reason}. The server accepts: after the empty line, "
                "the connection speaks WebSocket."
            )
        return (
            f"The status line: {self.status} {self.reason}. Anything but 101 means the server did not "
            "switch protocols, so there is no WebSocket connection."
        )

    def _end_meaning(self) -> str:
        if self.status == 101:
            return (
                "The empty line that ends the header block: from here on, WebSocket frames follow on "
                "the same connection; no more HTTP."
            )
        return "The empty line that ends the header block: the body follows, then the server closes."

    def _body_meaning(self) -> str:
        if self.status >= 400:
            return "The body after the header block: the server's explanation of its refusal."
        return "The body after the header block: a page for a browser, not a WebSocket answer."

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
        return cls(serialize_message(f"{http_version} {status} {reason}", header_pairs(headers), body))

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
        lines.extend(header_pairs(headers))
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
        extra = header_pairs(headers)
        lines.extend(extra)
        if not any(name.lower() == "connection" for name, _ in extra):
            lines.append(("Connection", "close"))
        return cls.build(status, headers=lines, body=body)
