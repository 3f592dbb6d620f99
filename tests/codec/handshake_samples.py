"""Sample handshakes and a fake extension shared by the handshake tests (accept, handshake, negotiation).

Not a test module: ``test_accept.py``, ``test_handshake.py`` and ``test_negotiation.py`` import it.
"""

from __future__ import annotations

from collections.abc import Sequence

from wsexplorer.codec.extensions import Extension, ExtensionOffer, NegotiatedExtension
from wsexplorer.codec.role import Role
from wsexplorer.errors import NegotiationError

# The seed's example, line by line, with CRLF line ends.
SEED_REQUEST = (
    b"GET /chat HTTP/1.1\r\n"
    b"Host: server.example.com\r\n"
    b"Upgrade: websocket\r\n"
    b"Connection: Upgrade\r\n"
    b"Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
    b"Sec-WebSocket-Version: 13\r\n"
    b"Origin: http://example.com\r\n"
    b"Sec-WebSocket-Protocol: chat, superchat\r\n"
    b"\r\n"
)
SEED_RESPONSE = (
    b"HTTP/1.1 101 Switching Protocols\r\n"
    b"Upgrade: websocket\r\n"
    b"Connection: Upgrade\r\n"
    b"Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\n"
    b"Sec-WebSocket-Protocol: chat\r\n"
    b"\r\n"
)
# RFC 6455 §1.3: the same request with Origin before Sec-WebSocket-Protocol and the version last.
RFC_1_3_REQUEST = (
    b"GET /chat HTTP/1.1\r\n"
    b"Host: server.example.com\r\n"
    b"Upgrade: websocket\r\n"
    b"Connection: Upgrade\r\n"
    b"Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
    b"Origin: http://example.com\r\n"
    b"Sec-WebSocket-Protocol: chat, superchat\r\n"
    b"Sec-WebSocket-Version: 13\r\n"
    b"\r\n"
)
SEED_KEY = "dGhlIHNhbXBsZSBub25jZQ=="
SEED_ACCEPT = "s3pPLMBiTxaQ9kYGzzhZRbK+xOo="


def fixed_rng(n: int) -> bytes:
    return bytes(range(1, n + 1))


def request_with(*changes: tuple[str, str | None], start: bytes = b"GET /chat HTTP/1.1") -> bytes:
    """The seed request with headers replaced (value None removes, a new name appends)."""
    lines = [line.split(b": ", 1) for line in SEED_REQUEST.split(b"\r\n")[1:-2]]
    headers = [(n.decode(), v.decode()) for n, v in lines]
    for name, value in changes:
        idx = next((i for i, (n, _) in enumerate(headers) if n == name), None)
        if idx is None:
            if value is not None:
                headers.append((name, value))
        elif value is None:
            del headers[idx]
        else:
            headers[idx] = (name, value)
    body = b"".join(f"{n}: {v}\r\n".encode("latin-1") for n, v in headers)
    return start + b"\r\n" + body + b"\r\n"


# -- a tiny fake extension ---------------------------------------------------------------------------


class FakeState(NegotiatedExtension):
    name = "x-fake"

    def __init__(self, agreed: ExtensionOffer) -> None:
        self._agreed = agreed

    @property
    def agreed(self) -> ExtensionOffer:
        return self._agreed

    @property
    def rsv1(self) -> bool:
        return False


class FakeExtension(Extension):
    """Accepts the first offer unless told to decline or to raise; checks responses for 'bad'."""

    def __init__(self, name: str = "x-fake", mode: str = "accept") -> None:
        self.name = name
        self.mode = mode
        self.seen: list[ExtensionOffer] = []

    def offer(self) -> ExtensionOffer:
        return ExtensionOffer(self.name, (("level", "1"), ("fast", None)))

    def accept(
        self, offers: Sequence[ExtensionOffer], role: Role = "server"
    ) -> tuple[ExtensionOffer, NegotiatedExtension, str] | None:
        self.seen = list(offers)
        if self.mode == "decline":
            return None
        if self.mode == "raise":
            raise NegotiationError("level must be 1 or 2", section="RFC 9999 §1")
        first = offers[-1] if self.mode == "last" else offers[0]
        return first, FakeState(first), "took the offer as it was"

    def check_response(self, response: ExtensionOffer, role: Role = "client") -> FakeState:
        if "bad" in response.param_names():
            raise NegotiationError("parameter 'bad' is not defined", section="RFC 9999 §2")
        return FakeState(response)
