"""Subprotocol decoders, found by the name negotiated in ``Sec-WebSocket-Protocol`` (RFC 6455 §1.9, §11.5).

A decoder is a :class:`~.base.Conversation` subclass: it takes the messages of one connection in order,
with their sender, and returns :class:`~.base.DecodedMessage` objects (bytes, fields with spans,
violations with sections). :func:`conversation` starts one for a connection::

    conv = conversation("graphql-transport-ws")          # by the negotiated name
    conv = conversation(None, choice="socket.io")          # servers that negotiate nothing
    for sender, message in messages:                       # text as str, binary as bytes
        for decoded in conv.receive(message, sender):
            print(decoded.summary(), decoded.violations)
    leftovers = conv.finish()                              # a stream cut inside a packet

Built in (negotiated names; ``*``: chosen explicitly, no name is negotiated for it):

==========================  ========================================================================
``graphql-transport-ws``    GraphQL over WebSocket, the graphql-ws library's protocol
``graphql-ws``              the legacy subscriptions-transport-ws protocol (the name clash: see .graphql)
``socket.io`` *             Socket.IO v5 over Engine.IO v4 (servers negotiate no subprotocol)
``engine.io`` *             Engine.IO v4 alone
``mqtt``, ``mqttv3.1``      MQTT 5.0 / 3.1.1 (and 3.1) control packets, as a stream across messages
``v12.stomp`` ...           STOMP 1.2 / 1.1 / 1.0 frames (``v10.stomp``, ``v11.stomp``, ``stomp``)
``wamp.2.json``             WAMP v2, JSON; ``wamp.2.msgpack`` and ``wamp.2.cbor`` need the optional
                            ``msgpack`` / ``cbor2`` packages
``json`` *                  any JSON messages: every value with its pointer and bytes
==========================  ========================================================================

Adding a decoder takes a small class and one call::

    class EchoConversation(Conversation):
        protocol = "echo.example.org"
        title = "Echo"
        spec = "https://example.org/echo"

        def _decode(self, data, is_text, sender, index):
            b = self.builder(data, sender, index, is_text=is_text)
            b.kind = "echo"
            b.add("text", 0, len(data), data.decode("utf-8", "replace"), "what was said", "Echo §1")
            return [b.build()]

    register(EchoConversation)                   # its protocol name, negotiated
    register(EchoConversation, "echo", negotiated=False)   # or a name chosen by the user
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from .base import MAX_MESSAGE_SIZE, Conversation, DecodedMessage, Piece, SubprotocolRule
from .engineio import EngineIOConversation
from .graphql import GraphQLTransportWsConversation, clash_note
from .graphql_legacy import GraphQLWsConversation
from .json_messages import JsonConversation
from .mqtt import MqttConversation
from .socketio import SocketIOConversation
from .stomp import StompConversation
from .wamp import WampConversation

__all__ = [
    "MAX_MESSAGE_SIZE",
    "Conversation",
    "DecodedMessage",
    "Piece",
    "Registration",
    "SubprotocolRule",
    "clash_note",
    "conversation",
    "lookup",
    "register",
    "registered",
    "unregister",
]

Factory = Callable[..., Conversation]


@dataclass(frozen=True, slots=True)
class Registration:
    """A name a decoder answers to: ``negotiated`` names match ``Sec-WebSocket-Protocol``; the others
    are chosen by the user for servers that negotiate no subprotocol (most Socket.IO servers)."""

    name: str
    factory: Factory
    negotiated: bool
    title: str
    options: tuple[tuple[str, object], ...] = ()


_REGISTRY: dict[str, Registration] = {}


def register(
    cls: type[Conversation] | Factory,
    name: str | None = None,
    *,
    negotiated: bool = True,
    replace: bool = False,
    **options: object,
) -> Registration:
    """Make a decoder findable under ``name`` (default: its ``protocol``), with fixed ``options``.

    Subprotocol names are compared exactly, as tokens (RFC 6455 §4.1 item 10, §11.5). ValueError when
    the name is taken and ``replace`` is false, or when it is not a token.
    """
    key = name if name is not None else getattr(cls, "protocol", "")
    if not key or any(c in key for c in ' \t,;"()<>@:\\/[]?={}') or not key.isascii():
        raise ValueError(f"a subprotocol name is a non-empty token, not {key!r}")
    if key in _REGISTRY and not replace:
        raise ValueError(f"a decoder is already registered for {key!r} (pass replace=True)")
    title = getattr(cls, "title", "") or key
    entry = Registration(key, cls, negotiated, title, tuple(sorted(options.items())))
    _REGISTRY[key] = entry
    return entry


def unregister(name: str) -> Registration | None:
    """Forget the decoder registered as ``name`` (built-in ones too); what was registered, if anything."""
    return _REGISTRY.pop(name, None)


def registered(*, negotiated: bool | None = None) -> list[Registration]:
    """Every registration in name order; ``negotiated`` keeps only one kind."""
    return [r for _, r in sorted(_REGISTRY.items()) if negotiated is None or r.negotiated == negotiated]


def lookup(negotiated: str | None = None, *, choice: str | None = None) -> Registration | None:
    """The decoder for a connection: the user's ``choice`` when given, else the ``negotiated`` name.

    ``None`` when nothing was negotiated (and nothing chosen) or no decoder knows the name; ValueError
    for a ``choice`` no decoder answers to (a mistake worth saying).
    """
    if choice is not None:
        entry = _REGISTRY.get(choice)
        if entry is None:
            known = ", ".join(sorted(_REGISTRY))
            raise ValueError(f"no subprotocol decoder called {choice!r}; choose from {known}")
        return entry
    if negotiated is None:
        return None
    entry = _REGISTRY.get(negotiated)
    return entry if entry is not None and entry.negotiated else None


def conversation(
    negotiated: str | None = None, *, choice: str | None = None, **options: object
) -> Conversation | None:
    """A new conversation for one connection (see :func:`lookup`), or ``None`` when no decoder applies.

    ``options`` go to the decoder (``max_message_size`` for all; ``version`` for MQTT, ...).
    """
    entry = lookup(negotiated, choice=choice)
    if entry is None:
        return None
    return entry.factory(**{**dict(entry.options), **options})


for _cls in (GraphQLTransportWsConversation, GraphQLWsConversation, MqttConversation, WampConversation):
    register(_cls)
register(MqttConversation, "mqttv3.1", version=3)
for _name, _version in (("v10.stomp", "1.0"), ("v11.stomp", "1.1"), ("v12.stomp", "1.2"), ("stomp", None)):
    register(StompConversation, _name, version=_version)
register(WampConversation, "wamp.2.msgpack", serializer="msgpack")
register(WampConversation, "wamp.2.cbor", serializer="cbor")
register(SocketIOConversation, negotiated=False)
register(EngineIOConversation, negotiated=False)
register(JsonConversation, negotiated=False)
