"""wsexplorer: an inspectable WebSocket codec (RFC 6455, RFC 7692) and explorer for Jupyter.

Every handshake and frame object knows, for each field, its bits, its value and its meaning, so annotated
dumps, bit diagrams and error explanations all come from one source. The codec and the connection state
machine are sans-I/O: bytes in, objects and events out. ``describe(obj)`` prints any of them for a
terminal; in a notebook, showing the object draws it (HTML views registered with IPython).

The names below are the ones a user needs; everything else stays importable from its module
(``wsexplorer.codec.frames``, ``wsexplorer.record.replay``, ``wsexplorer.live.replay``,
``wsexplorer.exercises``, ...). Importing this package loads neither
ipywidgets nor matplotlib; the widgets live in :mod:`wsexplorer.widgets`.
"""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING, Any

from .anatomy import Field, Span, Violation
from .codec.accept import AcceptComputation, accept_key
from .codec.assembler import Message
from .codec.client_check import check_response
from .codec.extensions import PerMessageDeflate
from .codec.frame_header import Opcode
from .codec.frame_parser import FrameParser
from .codec.frames import Frame
from .codec.handshake import HandshakeRequest, HandshakeResponse
from .codec.server_decision import ServerPolicy, decide
from .errors import (
    CloseCode,
    ConnectionClosed,
    HandshakeError,
    InvalidState,
    ProtocolError,
    WSExplorerError,
)
from .live import connect, relay, serve, serve_echo
from .live.probe import probe
from .protocol import events
from .protocol.connection import Connection
from .protocol.states import State
from .record.loopback import Loopback
from .record.session import Session
from .render.describe import describe, html

if TYPE_CHECKING:
    from . import exercises as exercises
    from .exercises import check_implementation

__version__ = "0.1.0"

__all__ = [
    "AcceptComputation",
    "CloseCode",
    "Connection",
    "ConnectionClosed",
    "Field",
    "Frame",
    "FrameParser",
    "HandshakeError",
    "HandshakeRequest",
    "HandshakeResponse",
    "InvalidState",
    "Loopback",
    "Message",
    "Opcode",
    "PerMessageDeflate",
    "ProtocolError",
    "ServerPolicy",
    "Session",
    "Span",
    "State",
    "Violation",
    "WSExplorerError",
    "accept_key",
    "check_implementation",
    "check_response",
    "connect",
    "decide",
    "describe",
    "events",
    "html",
    "probe",
    "relay",
    "serve",
    "serve_echo",
]


def load_ipython_extension(shell: Any) -> None:
    """``%load_ext wsexplorer``: show wsexplorer objects as HTML in this IPython shell."""
    from .render.ipython import register

    register(shell)


if "IPython" in sys.modules:  # a notebook or an IPython shell: show objects as HTML from now on
    from .render.ipython import register as _register

    _register()


def __getattr__(name: str) -> Any:
    """``exercises`` and ``check_implementation`` load on first use (they add to the import time)."""
    if name in ("exercises", "check_implementation"):
        import importlib

        module = importlib.import_module(".exercises", __name__)
        return module if name == "exercises" else module.check_implementation
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
