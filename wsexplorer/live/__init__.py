"""Live connections: an asyncio client and server on the sans-I/O connection, recording every byte; a
recording relay between a client and a server; replay of a session against a server; the probe."""

from .client import ClientConnection, connect
from .relay import Relay, RelayedConnection, relay
from .relay_rules import Rule
from .replay import ReplayResult, replay
from .server import Server, ServerConnection, echo, serve, serve_echo
from .tap import Tap, open_tap
from .websocket import WebSocket

__all__ = [
    "ClientConnection",
    "Relay",
    "RelayedConnection",
    "ReplayResult",
    "Rule",
    "Server",
    "ServerConnection",
    "Tap",
    "WebSocket",
    "connect",
    "echo",
    "open_tap",
    "relay",
    "replay",
    "serve",
    "serve_echo",
]
