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
        "valid", "valid request (101)", "The seed's request: a server that allows this origin answers 101."
    ),
    Preset(
        "wrong-version",
        "wrong version (426)",
        "Sec-WebSocket-Version: 8 (an old draft). The server answers 426 Upgrade Required and names the "
        "version it speaks (RFC 6455 §4.4).",
        {"version": "8"},
    ),
    Preset(
        "origin-not-allowed",
        "origin not allowed (403)",
        "A page from another site tries to connect; the server's allow-list does not have its origin "
        "(RFC 6455 §10.2).",
        {"origin": "http://evil.example"},
    ),
    Preset(
        "missing-key",
        "missing key (400)",
        "No Sec-WebSocket-Key line: the server cannot prove anything, so it refuses (RFC 6455 §4.2.1).",
        raw=_raw([line for line in _SEED_LINES if not line.startswith("Sec-WebSocket-Key")]),
    ),
    Preset(
        "bad-key",
        "key not 16 bytes (400)",
        "A key that decodes to 5 bytes instead of 16 (RFC 6455 §4.2.1 item 5).",
        {"key": "c2hvcnQ="},
    ),
    Preset(
        "not-get",
        "not a GET (400)",
        "The opening handshake must be a GET request (RFC 6455 §4.2.1 item 1).",
        raw=_raw(["POST /chat HTTP/1.1", *_SEED_LINES[1:]]),
    ),
    Preset(
        "no-upgrade",
        "no Upgrade header (400)",
        "Without 'Upgrade: websocket' this is an ordinary HTTP request, not a WebSocket handshake.",
        raw=_raw([line for line in _SEED_LINES if not line.startswith("Upgrade")]),
    ),
    Preset(
        "wrong-accept",
        "wrong accept from server (client aborts)",
        "The server (or a cache in between) answers 101 with the Sec-WebSocket-Accept made for another "
        "key. The client must abort (RFC 6455 §4.1).",
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
        "The client offers only subprotocols the server does not support: the server still answers 101 "
        "but picks none; the application decides whether to go on (RFC 6455 §4.2.2).",
        {"subprotocols": "mqtt, wamp"},
    ),
    Preset(
        "deflate",
        "compression offered (permessage-deflate)",
        "The client offers permessage-deflate; the server accepts and states the parameters (RFC 7692).",
        {"extensions": "permessage-deflate; client_max_window_bits"},
    ),
)
