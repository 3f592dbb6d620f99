"""The HandshakeExplorer's presets: every classic error case of the opening handshake, one click away.

Each preset changes form values or types a raw request (for what the form cannot express); the
explanation is what the student reads beside the result (RFC 6455 §4.1, §4.2.1, §4.4, §10.2).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

__all__ = ["DEFAULTS", "PRESETS", "SEED_KEY", "Preset"]

SEED_KEY = "dGhlIHNhbXBsZSBub25jZQ=="

# The seed's request, line by line: the base of the presets that the form cannot express.
_SEED_LINES = (
    "GET /chat HTTP/1.1",
    "Host: server.example.com",
    "Upgrade: websocket",
    "Connection: Upgrade",
    f"Sec-WebSocket-Key: {SEED_KEY}",
    "Sec-WebSocket-Version: 13",
    "Origin: http://example.com",
    "Sec-WebSocket-Protocol: chat, superchat",
)


def _raw(lines: tuple[str, ...] | list[str]) -> str:
    return "\n".join(lines) + "\n\n"


DEFAULTS: dict[str, Any] = {
    "host": "server.example.com",
    "path": "/chat",
    "origin": "http://example.com",
    "subprotocols": "chat, superchat",
    "extensions": "",
    "extra_headers": "",
    "version": "13",
    "key": SEED_KEY,
    "allowed_origins": "http://example.com",
    "server_subprotocols": "chat",
    "server_deflate": True,
    "server_kind": "websocket",
}


@dataclass(frozen=True)
class Preset:
    """One error case (or the happy path), one click away: form values to change, or a raw request."""

    slug: str
    label: str
    explanation: str
    changes: dict[str, Any] = field(default_factory=dict)
    raw: str | None = None


PRESETS: tuple[Preset, ...] = (
    Preset(
        "valid",
        "valid request (101)",
        "The example request of RFC 6455 §1.2: the server allows this origin and answers 101 Switching "
        "Protocols.",
    ),
    Preset(
        "wrong-version",
        "wrong version (426)",
        "Sec-WebSocket-Version: 8, from an old draft of the protocol. The server answers 426 Upgrade "
        "Required and names the version it speaks (RFC 6455 §4.4).",
        {"version": "8"},
    ),
    Preset(
        "origin-not-allowed",
        "origin not allowed (403)",
        "A page from another site (http://evil.example) tries to connect. That origin is not in the "
        "server's allow-list, so the server answers 403 Forbidden (RFC 6455 §10.2).",
        {"origin": "http://evil.example"},
    ),
    Preset(
        "missing-key",
        "missing key (400)",
        "The request has no Sec-WebSocket-Key header. Without a key the server cannot prove it read "
        "this request, so it answers 400 Bad Request (RFC 6455 §4.2.1 item 5).",
        raw=_raw([line for line in _SEED_LINES if not line.startswith("Sec-WebSocket-Key")]),
    ),
    Preset(
        "bad-key",
        "key not 16 bytes (400)",
        "The key c2hvcnQ= decodes to 5 bytes instead of 16, so the server answers 400 Bad Request "
        "(RFC 6455 §4.2.1 item 5).",
        {"key": "c2hvcnQ="},
    ),
    Preset(
        "not-get",
        "not a GET (400)",
        "A POST request: the opening handshake must be a GET request, so the server answers 400 Bad "
        "Request (RFC 6455 §4.2.1 item 1).",
        raw=_raw(["POST /chat HTTP/1.1", *_SEED_LINES[1:]]),
    ),
    Preset(
        "no-upgrade",
        "no Upgrade header (400)",
        "Without the header Upgrade: websocket this is an ordinary HTTP request, not a WebSocket "
        "handshake, so the server answers 400 Bad Request (RFC 6455 §4.2.1 item 3).",
        raw=_raw([line for line in _SEED_LINES if not line.startswith("Upgrade")]),
    ),
    Preset(
        "wrong-accept",
        "wrong accept from server (client aborts)",
        "The server (or a cache on the way) answers 101 with the Sec-WebSocket-Accept made for another "
        "client's key. The client compares it with the value it expects and fails the connection "
        "(RFC 6455 §4.1).",
        {"server_kind": "wrong-accept"},
    ),
    Preset(
        "plain-http-server",
        "server without WebSocket (no upgrade)",
        "A web server that does not speak WebSocket ignores the Upgrade header and serves a page: no 101, "
        "so the client fails the connection.",
        {"server_kind": "plain-http"},
    ),
    Preset(
        "no-common-subprotocol",
        "no common subprotocol (101 without one)",
        "The client offers only subprotocols the server does not speak (mqtt, wamp): the server still "
        "answers 101 but chooses none; the application decides whether to go on (RFC 6455 §4.2.2).",
        {"subprotocols": "mqtt, wamp"},
    ),
    Preset(
        "deflate",
        "compression offered (permessage-deflate)",
        "The client offers compression (permessage-deflate); the server accepts it and states the "
        "parameters it agreed to (RFC 7692 §5).",
        {"extensions": "permessage-deflate; client_max_window_bits"},
    ),
)
