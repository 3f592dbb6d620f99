"""wsexplorer: an inspectable WebSocket codec (RFC 6455, RFC 7692) and explorer for Jupyter.

Every handshake and frame object knows, for each field, its bits, its value and its meaning, so annotated
dumps, bit diagrams and error explanations all come from one source. The codec and the connection state
machine are sans-I/O: bytes in, objects and events out.

Importing this package loads neither ipywidgets nor matplotlib; they load with the widget and figure
modules only.
"""

from __future__ import annotations

from .anatomy import Field, Span, Violation
from .codec.accept import GUID, AcceptComputation, accept_key, generate_key
from .codec.assembler import Message, MessageAssembler
from .codec.close import CloseCode, describe_close_code
from .codec.deflate import CompressedMessage, PerMessageDeflate, PerMessageDeflateState
from .codec.extensions import Extension, ExtensionOffer, NegotiatedExtension
from .codec.frames import Frame, FrameParser, LengthForm, Opcode, serialize_frame
from .codec.handshake import HandshakeRequest, HandshakeResponse
from .codec.masking import apply_mask
from .codec.negotiation import ClientCheck, ServerDecision, ServerPolicy, check_response, decide
from .errors import (
    ConnectionClosed,
    ConnectionClosedError,
    ConnectionClosedOK,
    HandshakeError,
    HandshakeParseError,
    HandshakeRejected,
    IncompleteInput,
    InternalError,
    InvalidAccept,
    InvalidKey,
    InvalidPayloadData,
    InvalidResponse,
    InvalidState,
    MessageTooBig,
    NegotiationError,
    OpeningTimeout,
    ParseError,
    PolicyViolation,
    ProtocolError,
    TLSError,
    TrailingBytes,
    UnsupportedData,
    WSExplorerError,
)
from .live import (
    MISBEHAVIOURS,
    ClientConnection,
    Server,
    ServerConnection,
    WebSocket,
    connect,
    serve,
    serve_echo,
)
from .protocol import events
from .protocol.connection import Connection
from .protocol.states import State
from .record.loopback import Loopback
from .record.session import Session

__version__ = "0.1.0"

__all__ = [
    "GUID",
    "MISBEHAVIOURS",
    "AcceptComputation",
    "ClientCheck",
    "ClientConnection",
    "CloseCode",
    "CompressedMessage",
    "Connection",
    "ConnectionClosed",
    "ConnectionClosedError",
    "ConnectionClosedOK",
    "Extension",
    "ExtensionOffer",
    "Field",
    "Frame",
    "FrameParser",
    "HandshakeError",
    "HandshakeParseError",
    "HandshakeRejected",
    "HandshakeRequest",
    "HandshakeResponse",
    "IncompleteInput",
    "InternalError",
    "InvalidAccept",
    "InvalidKey",
    "InvalidPayloadData",
    "InvalidResponse",
    "InvalidState",
    "LengthForm",
    "Loopback",
    "Message",
    "MessageAssembler",
    "MessageTooBig",
    "NegotiatedExtension",
    "NegotiationError",
    "Opcode",
    "OpeningTimeout",
    "ParseError",
    "PerMessageDeflate",
    "PerMessageDeflateState",
    "PolicyViolation",
    "ProtocolError",
    "Server",
    "ServerConnection",
    "ServerDecision",
    "ServerPolicy",
    "Session",
    "Span",
    "State",
    "TLSError",
    "TrailingBytes",
    "UnsupportedData",
    "Violation",
    "WSExplorerError",
    "WebSocket",
    "accept_key",
    "apply_mask",
    "check_response",
    "connect",
    "decide",
    "describe_close_code",
    "events",
    "generate_key",
    "serialize_frame",
    "serve",
    "serve_echo",
]
