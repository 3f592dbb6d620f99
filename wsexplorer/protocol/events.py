"""Events a :class:`~wsexplorer.protocol.connection.Connection` reports, as plain frozen dataclasses.

Each is named for what happened. Message events carry the inflated payload; :class:`FrameReceived`
carries each frame as it was on the wire (compressed when permessage-deflate applies), so the explorer
can show frames as they come as well as the messages they make.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Literal

from ..codec.frames import Frame

if TYPE_CHECKING:
    from ..codec.assembler import Message
    from ..codec.client_check import ClientCheck
    from ..codec.extensions import NegotiatedExtension
    from ..codec.handshake import HandshakeRequest, HandshakeResponse
    from ..codec.server_decision import ServerDecision
    from ..errors import WSExplorerError

__all__ = [
    "BinaryMessage",
    "CloseReceived",
    "ConnectionEnded",
    "ConnectionFailed",
    "Event",
    "FrameReceived",
    "HandshakeAccepted",
    "HandshakeFailed",
    "Ping",
    "Pong",
    "RequestReceived",
    "TextMessage",
]


@dataclass(frozen=True)
class Event:
    """Base of all events."""


@dataclass(frozen=True)
class RequestReceived(Event):
    """Server side: the client's opening handshake arrived and the policy decided on it (§4.2)."""

    request: HandshakeRequest
    decision: ServerDecision


@dataclass(frozen=True)
class HandshakeAccepted(Event):
    """The opening handshake succeeded: the connection is open (§4.1, §4.2.2)."""

    request: HandshakeRequest
    response: HandshakeResponse
    subprotocol: str | None
    extensions: tuple[NegotiatedExtension, ...]


@dataclass(frozen=True)
class HandshakeFailed(Event):
    """The opening handshake failed: a refusal sent by us (server) or a bad answer received (client)."""

    error: WSExplorerError
    request: HandshakeRequest | None
    response: HandshakeResponse | None
    check: ClientCheck | ServerDecision | None = None


@dataclass(frozen=True)
class FrameReceived(Event):
    """One frame as it arrived, before reassembly; ``offset`` counts from the first byte of the stream."""

    frame: Frame
    offset: int


@dataclass(frozen=True)
class TextMessage(Event):
    """A complete text message (UTF-8 validated, inflated when compressed)."""

    data: str
    message: Message = field(repr=False)


@dataclass(frozen=True)
class BinaryMessage(Event):
    """A complete binary message (inflated when compressed)."""

    data: bytes
    message: Message = field(repr=False)


@dataclass(frozen=True)
class Ping(Event):
    """A ping arrived; the connection queues the pong itself (§5.5.2)."""

    payload: bytes


@dataclass(frozen=True)
class Pong(Event):
    """A pong arrived (§5.5.3)."""

    payload: bytes


@dataclass(frozen=True)
class CloseReceived(Event):
    """The peer's close frame arrived; code 1005 stands for "no code in the frame" (§7.1.5)."""

    code: int
    reason: str


@dataclass(frozen=True)
class ConnectionFailed(Event):
    """A protocol error: we sent (or will send) a close frame with ``error.close_code`` (§7.1.7)."""

    error: WSExplorerError


@dataclass(frozen=True)
class ConnectionEnded(Event):
    """The connection is over: the TCP stream ended (§7.1.4). Named apart from the
    :class:`~wsexplorer.errors.ConnectionClosed` *exception*, which a live ``recv()`` raises after it.

    ``code``/``reason`` are what the peer's close frame said (1005 when it had no code, 1006 when no
    close frame came at all, §7.1.5); ``sent_code`` is what we sent; ``closed_by`` says who started the
    closing handshake; ``clean`` is True when both close frames were exchanged.
    """

    code: int
    reason: str
    sent_code: int | None
    closed_by: Literal["local", "remote", "none"]
    clean: bool
