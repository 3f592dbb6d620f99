"""The legacy ``graphql-ws`` subprotocol of subscriptions-transport-ws (Apollo), still widely deployed.

Messages are JSON objects with a ``type`` (and ``id``, ``payload`` per type). The client sends
``connection_init``, the server answers ``connection_ack`` (and ``ka`` keep-alives from then on) or
``connection_error``; the client runs operations with ``start`` and stops them with ``stop``; the
server sends ``data`` (results), ``error`` (the operation failed before running) and ``complete``;
``connection_terminate`` ends the session. Invalid messages are not answered with a close code: the
server sends ``connection_error`` (unparsable message) or ``error`` (unknown type) and carries on.

The name clash: this protocol is called ``graphql-ws``, and so is the library that defines its
successor, ``graphql-transport-ws`` (:mod:`.graphql`). Messages of the successor (``subscribe``,
``next``, ``ping``, ``pong``) in this conversation mean the peers speak different protocols under one
name; the violation says so.
"""

from __future__ import annotations

from dataclasses import dataclass

from ..role import Role
from .base import Conversation, DecodedMessage, MessageBuilder, SubprotocolRule, Tracker
from .graphql import GRAPHQL_WS, FormatRules, clash_note, close_code_meaning, read_typed_message
from .json_scan import JsonNode

__all__ = ["GraphQLWsConversation", "clash_note"]

_DOC = "subscriptions-transport-ws PROTOCOL.md"


@dataclass(frozen=True, slots=True)
class LegacyType:
    """One legacy message type: its sender, whether it carries an ``id``, its payload rule, meaning."""

    sender: Role
    needs_id: bool
    payload: str  # "none", "optional object", "object", "start"
    name: str  # the constant's name in PROTOCOL.md
    meaning: str


TYPES: dict[str, LegacyType] = {
    "connection_init": LegacyType(
        "client", False, "optional object", "GQL_CONNECTION_INIT", "the client starts the session"
    ),
    "start": LegacyType("client", True, "start", "GQL_START", "the client runs an operation"),
    "stop": LegacyType("client", True, "none", "GQL_STOP", "the client stops an operation"),
    "connection_terminate": LegacyType(
        "client", False, "none", "GQL_CONNECTION_TERMINATE", "the client ends the session"
    ),
    "connection_ack": LegacyType("server", False, "none", "GQL_CONNECTION_ACK", "the server accepts"),
    "connection_error": LegacyType(
        "server", False, "object", "GQL_CONNECTION_ERROR", "the server rejects the session or a message"
    ),
    "ka": LegacyType("server", False, "none", "GQL_CONNECTION_KEEP_ALIVE", "keep-alive from the server"),
    "data": LegacyType("server", True, "object", "GQL_DATA", "a result of the operation"),
    "error": LegacyType("server", True, "object", "GQL_ERROR", "the operation failed before running"),
    "complete": LegacyType("server", True, "none", "GQL_COMPLETE", "the operation is done"),
}
SUCCESSOR_TYPES = {
    "subscribe": "start",
    "next": "data",
    "ping": "ka (server) - the legacy protocol has no client ping",
    "pong": "ka (server) - the legacy protocol has no pong",
}
"""graphql-transport-ws types that graphql-ws does not have, and what the legacy protocol uses instead."""


def _rule(text: str, section: str, field: str = "/type") -> SubprotocolRule:
    return SubprotocolRule(text, f"{_DOC}: {section}", None, field)


BINARY = _rule("a binary message: messages are JSON text", "Client-server communication", "message")
NOT_JSON = _rule(
    "not JSON: {problem} ({json_section}; the server answers with connection_error)",
    "GQL_CONNECTION_ERROR",
    "message",
)
NOT_OBJECT = _rule("a message is a JSON object, not {kind}", "Client-server communication", "message")
NO_TYPE = _rule("no 'type' (the server answers with error)", "Client-server communication")
TYPE_NOT_STRING = _rule("'type' must be a string", "Client-server communication")
UNKNOWN_TYPE = _rule("unknown type {type!r} (the server answers with error)", "Client-server communication")
SUCCESSOR_TYPE = _rule(
    "{type!r} belongs to graphql-transport-ws, not to graphql-ws (subscriptions-transport-ws), whose "
    "equivalent is {instead}: the peers speak different protocols under the one name graphql-ws",
    "Client-server communication",
)
WRONG_SENDER = _rule("{type!r} is sent by the {allowed} only", "{name}")
NEEDS_ID = _rule("{type!r} needs a string 'id'", "{name}", "/id")
PAYLOAD_OBJECT = _rule("{type!r} payload must be an object", "{name}", "/payload")
NEEDS_QUERY = _rule("start payload needs a 'query'", "GQL_START", "/payload")
AFTER_TERMINATE = _rule("{type!r} after connection_terminate", "GQL_CONNECTION_TERMINATE")
FORMAT = FormatRules(BINARY, NOT_JSON, NOT_OBJECT, NO_TYPE, TYPE_NOT_STRING)


def _annotate(node: JsonNode) -> tuple[str, str] | None:
    if node.pointer == "/type" and isinstance(node.value, str):
        t = TYPES.get(node.value)
        if t is not None:
            return f"message type {node.value} ({t.name}): {t.meaning}", f"{_DOC}: {t.name}"
        return f"message type {node.value!r} (not a graphql-ws type)", f"{_DOC}: Client-server communication"
    known = {
        "/id": "operation id: ties the server's answers to the client's start",
        "/payload": "the payload of the message",
        "/payload/query": "the GraphQL document to execute",
        "/payload/variables": "values for the document's variables",
        "/payload/operationName": "which operation of the document to run",
        "/payload/data": "the execution result",
        "/payload/errors": "resolver errors",
    }
    if node.pointer in known:
        return known[node.pointer], f"{_DOC}: Client-server communication"
    return None


class GraphQLWsConversation(Conversation):
    """A legacy graphql-ws conversation (subscriptions-transport-ws): message rules and operation ids."""

    protocol = GRAPHQL_WS
    title = "GraphQL subscriptions, legacy (graphql-ws of subscriptions-transport-ws)"
    spec = "https://github.com/apollographql/subscriptions-transport-ws/blob/master/PROTOCOL.md"

    def __init__(self, **options: int) -> None:
        super().__init__(**options)
        self.acknowledged = False
        self.terminated = False
        self.operations: Tracker[str, int] = Tracker()  # id -> message number of its start

    @property
    def state(self) -> str:
        if self.terminated:
            return "terminated"
        if self.acknowledged:
            return f"acknowledged, {len(self.operations)} operation(s) running"
        return "awaiting connection_ack"

    def close_meaning(self, code: int) -> str | None:
        if code == 1002:
            return "protocol error: a subscriptions-transport-ws server refuses a socket without graphql-ws"
        if code == 1011:
            return "internal error: a subscriptions-transport-ws server closes so after connection_error"
        return close_code_meaning(code) if code in (4406, 4499) else None

    def _decode(self, data: bytes, is_text: bool, sender: Role, index: int) -> list[DecodedMessage]:
        b = self.builder(data, sender, index, is_text=is_text)
        message, kind = read_typed_message(b, data, is_text, FORMAT, _annotate)
        if message is not None and kind is not None:
            self._judge(b, message, kind, sender)
        return [b.build()]

    def _judge(self, b: MessageBuilder, message: dict[str, object], kind: str, sender: Role) -> None:
        t = TYPES.get(kind)
        if t is None:
            if kind in SUCCESSOR_TYPES:
                b.flag_at(SUCCESSOR_TYPE, "/type", type=kind, instead=SUCCESSOR_TYPES[kind])
            else:
                b.flag_at(UNKNOWN_TYPE, "/type", type=kind)
            return
        if t.sender != sender:
            b.flag_at(WRONG_SENDER, "/type", type=kind, allowed=t.sender, name=t.name)
            return
        if self.terminated and sender == "client":
            b.flag_at(AFTER_TERMINATE, "/type", type=kind)
        op = message.get("id")
        if t.needs_id and not isinstance(op, str):
            b.flag_at(NEEDS_ID, "/id", type=kind, name=t.name)
            op = None
        payload = message.get("payload")
        required = t.payload in ("object", "start")
        if not isinstance(payload, dict) and (
            required or (t.payload == "optional object" and payload is not None)
        ):
            b.flag_at(PAYLOAD_OBJECT, "/payload", type=kind, name=t.name)
        if t.payload == "start" and isinstance(payload, dict):
            query = payload.get("query")
            if query is None:
                b.flag_at(NEEDS_QUERY, "/payload")
            elif isinstance(query, str):
                b.headline = " ".join(query.split())[:48]
        if isinstance(op, str):
            b.headline = f"id={op!r} {b.headline}".rstrip()
            self._track(b, kind, op, b.pieces[0].message if b.pieces else 0)
        elif kind == "connection_ack":
            self.acknowledged = True
        elif kind == "connection_terminate":
            self.terminated = True

    def _track(self, b: MessageBuilder, kind: str, op: str, index: int) -> None:
        if kind == "start":
            if op in self.operations:
                b.headline += " (replaces the running operation with this id: the server stops it first)"
            self.operations.put(op, index)
            return
        known = op in self.operations
        if kind in ("stop", "complete", "error"):
            self.operations.pop(op)
        if not known:
            b.headline += " (no running operation has this id)"
