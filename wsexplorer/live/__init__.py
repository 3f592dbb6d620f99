"""Live connections: an asyncio client and server on the sans-I/O connection, recording every byte."""

from .client import ClientConnection, connect
from .server import Server, ServerConnection, echo, serve, serve_echo
from .websocket import WebSocket

__all__ = [
    "ClientConnection",
    "Server",
    "ServerConnection",
    "WebSocket",
    "connect",
    "echo",
    "serve",
    "serve_echo",
]
