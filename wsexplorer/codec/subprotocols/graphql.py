"""GraphQL over WebSocket: ``graphql-transport-ws`` (the graphql-ws library's PROTOCOL.md).

Every message is a JSON object with a ``type``, and per type an ``id`` (the operation it belongs to)
and a ``payload``. The client sends ``connection_init`` once and waits for ``connection_ack``; then it
starts operations with ``subscribe``, the server answers with ``next`` (results), ``error`` (the
operation failed) or ``complete``; either side may ``complete`` an operation, and either may ``ping``
(a JSON message, not a WebSocket ping frame) and expects a ``pong``. A rule broken closes the socket
with one of the private close codes of :class:`GraphQLCloseCode` (RFC 6455 §7.4.2, 4000-4999).

**The name clash.** The library that defines this protocol is called ``graphql-ws``, but its
subprotocol name is ``graphql-transport-ws``; the name ``graphql-ws`` belongs to the older
subscriptions-transport-ws protocol (:mod:`.graphql_legacy`), whose messages differ (``start``,
``data``, ``stop``, ``ka``). Where the mix-up bites is explained by :func:`clash_note` (for a
handshake) and by a violation naming the other protocol when a message of it arrives.
"""

from __future__ import annotations

import enum
from collections.abc import Sequence
from dataclasses import dataclass

from ..role import Role, peer_of
from .base import Conversation, DecodedMessage, MessageBuilder, SubprotocolRule, Tracker
from .json_messages import Annotate, add_json_fields, flag_json_problems
from .json_scan import JsonNode, scan_json

__all__ = [
    "GRAPHQL_TRANSPORT_WS",
    "GRAPHQL_WS",
    "FormatRules",
    "GraphQLCloseCode",
    "GraphQLTransportWsConversation",
    "clash_note",
    "close_code_meaning",
    "read_typed_message",
]

GRAPHQL_TRANSPORT_WS = "graphql-transport-ws"
GRAPHQL_WS = "graphql-ws"
_DOC = "graphql-ws PROTOCOL.md"


class GraphQLCloseCode(enum.IntEnum):
    """The close codes of graphql-transport-ws (PROTOCOL.md and the graphql-ws library's CloseCode)."""

    BAD_RESPONSE = 4004
    INTERNAL_CLIENT_ERROR = 4005
    BAD_REQUEST = 4400
    UNAUTHORIZED = 4401
    FORBIDDEN = 4403
    SUBPROTOCOL_NOT_ACCEPTABLE = 4406
    CONNECTION_INITIALISATION_TIMEOUT = 4408
    SUBSCRIBER_ALREADY_EXISTS = 4409
    TOO_MANY_INITIALISATION_REQUESTS = 4429
    TERMINATED = 4499
    INTERNAL_SERVER_ERROR = 4500
    CONNECTION_ACKNOWLEDGEMENT_TIMEOUT = 4504


_CLOSE_MEANINGS: dict[int, str] = {
    4004: "bad response: the client got a server message it cannot accept (graphql-ws client)",
    4005: "internal client error: the client failed on its own (graphql-ws client)",
    4400: "bad request: a message of a type or format the protocol does not define (Invalid message)",
    4401: "unauthorized: subscribe before the server acknowledged the connection (Subscribe)",
    4403: "forbidden: the server refused connection_init, for example bad credentials (ConnectionInit)",
    4406: (
        "subprotocol not acceptable: the server speaks graphql-transport-ws only and the client did "
        "not negotiate it; a client offering the legacy name graphql-ws gets this"
    ),
    4408: "connection initialisation timeout: no connection_init within the server's wait (ConnectionInit)",
    4409: "subscriber already exists: a subscribe reused the id of an operation still running (Subscribe)",
    4429: "too many initialisation requests: a second connection_init (ConnectionInit)",
    4499: (
        "terminated: the graphql-ws client gave up on the socket on its own (client.terminate()); "
        "no close frame needs to have travelled"
    ),
    4500: "internal server error: the server failed while handling a message",
    4504: "connection acknowledgement timeout: no connection_ack in time (graphql-ws client)",
}


def close_code_meaning(code: int) -> str | None:
    """What ``code`` means in graphql-transport-ws, and when it is used; ``None`` when it has no meaning."""
    return _CLOSE_MEANINGS.get(code)


def clash_note(offered: Sequence[str], selected: str | None) -> str | None:
    """Where the ``graphql-ws`` name clash bites in a handshake: a sentence, or ``None`` when it does not.

    ``offered`` is the client's ``Sec-WebSocket-Protocol`` list, ``selected`` the server's answer.
    """
    offers_new, offers_old = GRAPHQL_TRANSPORT_WS in offered, GRAPHQL_WS in offered
    if offers_old and not offers_new and selected is None:
        return (
            "The client offered only graphql-ws, the legacy subscriptions-transport-ws protocol. A server "
            "built on the graphql-ws library speaks graphql-transport-ws only: it selects no subprotocol "
            "and closes with 4406 (Subprotocol not acceptable). Despite its name, the graphql-ws library "
            "does not speak the graphql-ws subprotocol."
        )
    if offers_new and not offers_old and selected is None:
        return (
            "The client offered only graphql-transport-ws. A server built on subscriptions-transport-ws "
            "knows only graphql-ws: it selects no subprotocol and closes with 1002 (protocol error)."
        )
    if offers_new and offers_old and selected == GRAPHQL_WS:
        return (
            "The client offered both GraphQL protocols and the server chose the legacy graphql-ws "
            "(subscriptions-transport-ws): messages are start/data/stop, not subscribe/next/complete."
        )
    return None


@dataclass(frozen=True, slots=True)
class MessageType:
    """One message type: who sends it, whether it has an ``id``, its payload rule, section and meaning."""

    sender: Role | None  # None: both directions
    needs_id: bool
    payload: str  # "none", "optional object", "object", "subscribe", "errors", "any"
    section: str
    meaning: str


TYPES: dict[str, MessageType] = {
    "connection_init": MessageType(
        "client", False, "optional object", "ConnectionInit", "the client asks to open a connection"
    ),
    "connection_ack": MessageType(
        "server", False, "optional object", "ConnectionAck", "the server accepts: operations may start"
    ),
    "ping": MessageType(
        None, False, "optional object", "Ping", "a protocol ping (a JSON message, not a WebSocket ping)"
    ),
    "pong": MessageType(None, False, "optional object", "Pong", "the answer to a ping, or a heartbeat"),
    "subscribe": MessageType("client", True, "subscribe", "Subscribe", "the client starts an operation"),
    "next": MessageType("server", True, "object", "Next", "a result of the operation"),
    "error": MessageType("server", True, "errors", "Error", "the operation failed; it is over"),
    "complete": MessageType(None, True, "none", "Complete", "the operation is over (or stopped)"),
}
LEGACY_TYPES = frozenset({"start", "data", "stop", "ka", "connection_terminate", "connection_error"})
"""Types of the legacy graphql-ws protocol that graphql-transport-ws does not have."""

_B = GraphQLCloseCode.BAD_REQUEST


def _rule(text: str, section: str, code: int | None = _B, field: str = "") -> SubprotocolRule:
    return SubprotocolRule(text, f"{_DOC}: {section}", code, field)


BINARY = _rule("a binary message: messages are JSON text", "Communication", field="message")
NOT_JSON = _rule("invalid message, not JSON: {problem} ({json_section})", "Invalid message", field="message")
NOT_OBJECT = _rule("invalid message: a message is a JSON object, not {kind}", "Invalid message")
NO_TYPE = _rule("invalid message: no 'type'", "Invalid message", field="/type")
TYPE_NOT_STRING = _rule("invalid message: 'type' must be a string", "Invalid message", field="/type")
UNKNOWN_TYPE = _rule("invalid message: unknown type {type!r}", "Invalid message", field="/type")
LEGACY_TYPE = _rule(
    "{type!r} belongs to the legacy graphql-ws protocol (subscriptions-transport-ws), not to "
    "graphql-transport-ws: the two peers speak different protocols",
    "Invalid message",
    field="/type",
)
WRONG_SENDER = _rule("{type!r} is sent by the {allowed} only", "{section} (Direction)", field="/type")
NEEDS_ID = _rule("{type!r} needs a non-empty string 'id'", "{section}", field="/id")
PAYLOAD_OBJECT = _rule("{type!r} payload must be an object{optional}", "{section}", field="/payload")
NEEDS_QUERY = _rule("subscribe payload needs a string 'query'", "Subscribe", field="/payload/query")
BAD_SUBSCRIBE_MEMBER = _rule("subscribe payload {name!r} must be {want}", "Subscribe", field="/payload")
BAD_ERRORS = _rule(
    "error payload must be a non-empty array of GraphQL errors (objects with a 'message')",
    "Error",
    field="/payload",
)
TOO_MANY_INITS = _rule(
    "a second connection_init", "ConnectionInit", GraphQLCloseCode.TOO_MANY_INITIALISATION_REQUESTS, "/type"
)
SUBSCRIBE_BEFORE_ACK = _rule(
    "subscribe before the server acknowledged the connection", "Subscribe", GraphQLCloseCode.UNAUTHORIZED
)
DUPLICATE_ID = _rule(
    "subscriber for {id!r} already exists", "Subscribe", GraphQLCloseCode.SUBSCRIBER_ALREADY_EXISTS, "/id"
)
BEFORE_ACK = _rule(
    "{type!r} before connection_ack: the server's first message must be connection_ack",
    "ConnectionAck",
    GraphQLCloseCode.BAD_RESPONSE,
    "/type",
)
ACK_WITHOUT_INIT = _rule("connection_ack without a connection_init", "ConnectionAck", None, "/type")


@dataclass(frozen=True, slots=True)
class FormatRules:
    """The rules a ``{"type": ...}`` JSON message breaks by its format, as one protocol words them."""

    binary: SubprotocolRule
    not_json: SubprotocolRule
    not_object: SubprotocolRule
    no_type: SubprotocolRule
    type_not_string: SubprotocolRule


FORMAT = FormatRules(BINARY, NOT_JSON, NOT_OBJECT, NO_TYPE, TYPE_NOT_STRING)


def read_typed_message(
    b: MessageBuilder, data: bytes, is_text: bool, rules: FormatRules, annotate: Annotate
) -> tuple[dict[str, object] | None, str | None]:
    """Read a ``{"type": ...}`` JSON message into ``b`` (fields and format violations).

    Returns the object (``None`` when it is not one) and its type (``None`` when missing or not a string).
    """
    if not is_text:
        b.flag(rules.binary, 0, len(data))
    doc = scan_json(data)
    add_json_fields(b, doc, annotate=annotate, group="message")
    flag_json_problems(b, doc, rules.not_json)
    b.value = doc.value
    if not doc.complete:
        b.kind, b.headline = "invalid", f"{len(data)} bytes, not JSON"
        return None, None
    if not isinstance(doc.value, dict):
        root = doc.node("")
        b.flag(rules.not_object, 0, len(data), kind=root.kind if root else "a value")
        b.kind = "invalid"
        return None, None
    message = doc.value
    kind = message.get("type")
    if "type" not in message:
        b.flag(rules.no_type, 0, len(data))
        b.kind = "invalid"
        return message, None
    if not isinstance(kind, str):
        b.flag_at(rules.type_not_string, "/type")
        b.kind = "invalid"
        return message, None
    b.kind = kind
    op = message.get("id")
    if isinstance(op, str):
        b.attributes["id"] = op
    return message, kind


def _annotate(node: JsonNode) -> tuple[str, str] | None:
    if node.pointer == "/type" and isinstance(node.value, str):
        t = TYPES.get(node.value)
        if t is not None:
            return f"message type {node.value}: {t.meaning}", f"{_DOC}: {t.section}"
        return f"message type {node.value!r} (not a graphql-transport-ws type)", f"{_DOC}: Invalid message"
    known = {
        "/id": "operation id: ties every message of one operation together",
        "/payload": "the payload of the message",
        "/payload/query": "the GraphQL document to execute",
        "/payload/variables": "values for the document's variables",
        "/payload/operationName": "which operation of the document to run",
        "/payload/extensions": "protocol extensions (free-form)",
        "/payload/data": "the result data",
        "/payload/errors": "errors raised while executing",
    }
    if node.pointer in known:
        return known[node.pointer], f"{_DOC}: Message types"
    return None


def check_payload(b: MessageBuilder, message: dict[str, object], kind: str, t: MessageType) -> None:
    """The per-type payload rules of graphql-transport-ws (PROTOCOL.md, Message types)."""
    payload = message.get("payload")
    if t.payload == "optional object" and payload is not None and not isinstance(payload, dict):
        b.flag_at(PAYLOAD_OBJECT, "/payload", type=kind, optional=" or null", section=t.section)
    elif t.payload in ("object", "subscribe") and not isinstance(payload, dict):
        b.flag_at(PAYLOAD_OBJECT, "/payload", type=kind, optional="", section=t.section)
    elif t.payload == "errors" and not _graphql_errors(payload):
        b.flag_at(BAD_ERRORS, "/payload")
    if t.payload == "subscribe" and isinstance(payload, dict):
        if not isinstance(payload.get("query"), str):
            b.flag_at(NEEDS_QUERY, "/payload/query", "/payload")
        for name, want in (("variables", dict), ("extensions", dict), ("operationName", str)):
            value = payload.get(name)
            if value is not None and not isinstance(value, want):
                what = "an object or null" if want is dict else "a string or null"
                b.flag_at(BAD_SUBSCRIBE_MEMBER, f"/payload/{name}", "/payload", name=name, want=what)
        query = payload.get("query")
        if isinstance(query, str):
            b.headline += " " + " ".join(query.split())[:48]


def _graphql_errors(value: object) -> bool:
    return (
        isinstance(value, list)
        and bool(value)
        and all(isinstance(e, dict) and isinstance(e.get("message"), str) for e in value)
    )


class GraphQLTransportWsConversation(Conversation):
    """A graphql-transport-ws conversation: the message rules and what may come when."""

    protocol = GRAPHQL_TRANSPORT_WS
    title = "GraphQL over WebSocket (graphql-transport-ws)"
    spec = "https://github.com/enisdenjo/graphql-ws/blob/master/PROTOCOL.md"

    def __init__(self, **options: int) -> None:
        super().__init__(**options)
        self.init_sent = False
        self.acknowledged = False
        self.operations: Tracker[str, int] = Tracker()  # id -> message number of its subscribe
        self.pings = {"client": 0, "server": 0}

    @property
    def state(self) -> str:
        if self.acknowledged:
            return f"acknowledged, {len(self.operations)} operation(s) running"
        return "awaiting connection_ack" if self.init_sent else "awaiting connection_init"

    def close_meaning(self, code: int) -> str | None:
        return close_code_meaning(code)

    def _decode(self, data: bytes, is_text: bool, sender: Role, index: int) -> list[DecodedMessage]:
        b = self.builder(data, sender, index, is_text=is_text)
        message, kind = read_typed_message(b, data, is_text, FORMAT, _annotate)
        if message is not None and kind is not None:
            self._judge(b, message, kind, sender, index)
        return [b.build()]

    def _judge(
        self, b: MessageBuilder, message: dict[str, object], kind: str, sender: Role, index: int
    ) -> None:
        t = TYPES.get(kind)
        if t is None:
            b.flag_at(LEGACY_TYPE if kind in LEGACY_TYPES else UNKNOWN_TYPE, "/type", type=kind)
            return
        if t.sender is not None and t.sender != sender:
            b.flag_at(WRONG_SENDER, "/type", type=kind, allowed=t.sender, section=t.section)
            return
        op = message.get("id")
        if t.needs_id and (not isinstance(op, str) or not op):
            b.flag_at(NEEDS_ID, "/id", type=kind, section=t.section)
            op = None
        check_payload(b, message, kind, t)
        b.headline = (f"id={op!r}" if isinstance(op, str) else "") + b.headline
        self._state_rules(b, kind, sender, op if isinstance(op, str) else None, index)

    def _state_rules(self, b: MessageBuilder, kind: str, sender: Role, op: str | None, index: int) -> None:
        if kind == "connection_init":
            if self.init_sent:
                b.flag_at(TOO_MANY_INITS, "/type")
            self.init_sent = True
        elif kind == "connection_ack":
            if not self.init_sent:
                b.flag_at(ACK_WITHOUT_INIT, "/type")
            self.acknowledged = True
        elif kind == "ping":
            self.pings[sender] += 1
        elif kind == "pong":
            asker = peer_of(sender)
            answered = self.pings[asker] > 0
            self.pings[asker] -= 1 if answered else 0
            b.headline = "(answers a ping)" if answered else "(unsolicited: a heartbeat)"
        elif kind == "subscribe" and op is not None:
            if not self.acknowledged:
                b.flag_at(SUBSCRIBE_BEFORE_ACK, "/type")
            if op in self.operations:
                b.flag_at(DUPLICATE_ID, "/id", id=op)
            self.operations.put(op, index)
        elif sender == "server" and not self.acknowledged:
            b.flag_at(BEFORE_ACK, "/type", type=kind)
        elif op is not None:
            known = op in self.operations
            if kind in ("error", "complete"):
                self.operations.pop(op)
            if not known:
                b.headline += " (unknown or finished id: ignored, not an error)"
