"""Socket.IO v5 over Engine.IO v4: namespaces, events, acknowledgements, binary attachments.

A Socket.IO packet travels inside an Engine.IO ``message`` packet (so on the wire it starts with
``4``), encoded as ``<type>[<attachments>-][<namespace>,][<ack id>][<JSON payload>]``: ``42["hey",
"Jude"]`` is an EVENT on the main namespace, ``461-/admin,1[{"_placeholder":true,"num":0}]`` a
BINARY_ACK whose one binary attachment follows as the next binary WebSocket message. The seven
types: 0 CONNECT, 1 DISCONNECT, 2 EVENT, 3 ACK, 4 CONNECT_ERROR, 5 BINARY_EVENT, 6 BINARY_ACK.

The conversation follows the rules of the Socket.IO protocol: a namespace is used only after the
client's CONNECT and the server's CONNECT answer; an ACK answers an EVENT that asked for one (same
namespace, same id, from the other side); a binary packet's attachments come next, as binary
messages from the same sender. Socket.IO servers negotiate no subprotocol: choose ``socket.io``.
"""

from __future__ import annotations

from ..role import Role, peer_of
from .base import MessageBuilder, SubprotocolRule, Tracker
from .engineio import EngineIOConversation
from .json_messages import add_json_fields, flag_json_problems
from .json_scan import JsonNode, scan_json

__all__ = ["PACKET_TYPES", "RESERVED_EVENTS", "SocketIOConversation"]

_DOC = "Socket.IO v5 protocol"
PACKET_TYPES = ("CONNECT", "DISCONNECT", "EVENT", "ACK", "CONNECT_ERROR", "BINARY_EVENT", "BINARY_ACK")
RESERVED_EVENTS = frozenset(
    {"connect", "connect_error", "disconnect", "disconnecting", "newListener", "removeListener"}
)
"""Event names the reference parser refuses in an EVENT: they name the library's own events."""
_MEANINGS = (
    "connect to a namespace (client) or accept the connection (server)",
    "leave a namespace",
    "an event: a name and its arguments",
    "the answer to an event that asked for one",
    "the server refuses the connection to a namespace",
    "an event whose arguments include binary data (attachments follow)",
    "an acknowledgement that includes binary data (attachments follow)",
)
_SECTIONS = (
    "Connection to a namespace",
    "Disconnection from a namespace",
    "Sending and receiving data",
    "Acknowledgement",
    "Connection to a namespace",
    "Sending and receiving data",
    "Acknowledgement",
)


def _rule(text: str, section: str, field: str = "Socket.IO packet type") -> SubprotocolRule:
    return SubprotocolRule(text, f"{_DOC}: {section}", None, field)


NO_PACKET = _rule("an Engine.IO message with no Socket.IO packet in it", "Packet encoding")
UNKNOWN_TYPE = _rule("Socket.IO packet type {char!r} is not one of 0-6", "Exchange protocol")
BAD_ATTACHMENTS = _rule(
    "a binary packet announces its attachment count as digits ending with '-'",
    "Packet encoding",
    "attachments",
)
BAD_ACK_ID = _rule("an ack id of {digits} digits", "Packet encoding", "ack id")
BAD_PAYLOAD = _rule("payload is not JSON: {problem} ({json_section})", "Packet encoding", "payload")
PAYLOAD_SHAPE = _rule("{name} payload must be {want}", "{section}", "payload")
RESERVED_NAME = _rule("event name {event!r} is reserved", "Sending and receiving data", "payload")
PLACEHOLDERS = _rule(
    "{count} attachment(s) announced but the payload's placeholders number {nums}",
    "Packet encoding",
    "payload",
)
CONNECT_ERROR_FROM_CLIENT = _rule("CONNECT_ERROR is sent by the server only", "Connection to a namespace")
NOT_CONNECTED = _rule(
    "{name} on namespace {ns!r} before it is connected (CONNECT, then the server's CONNECT)",
    "Connection to a namespace",
)
CONNECT_UNASKED = _rule(
    "the server accepts namespace {ns!r} that the client did not ask for", "Connection to a namespace"
)
CONNECT_NO_SID = _rule(
    'the server\'s CONNECT carries the session id in its payload ({{"sid": ...}})',
    "Connection to a namespace",
    "payload",
)
ACK_NO_ID = _rule("{name} without an ack id", "Acknowledgement", "ack id")
ACK_UNKNOWN = _rule("{name} for id {id} on {ns!r}: no event asked for it", "Acknowledgement", "ack id")
TEXT_DURING_ATTACHMENTS = _rule(
    "a text packet while {left} binary attachment(s) of the previous packet are still due", "Packet encoding"
)
UNEXPECTED_BINARY = _rule(
    "a binary message that no BINARY_EVENT or BINARY_ACK announced", "Packet encoding", "data"
)


def _placeholder_nums(value: object) -> list[object]:
    """Every ``{"_placeholder": true, "num": n}`` in ``value`` (bounded by the JSON depth limit)."""
    found: list[object] = []
    stack = [value]
    while stack:
        v = stack.pop()
        if isinstance(v, dict):
            if v.get("_placeholder") is True:
                found.append(v.get("num"))
            else:
                stack.extend(v.values())
        elif isinstance(v, list):
            stack.extend(v)
    return found


class SocketIOConversation(EngineIOConversation):
    """Socket.IO v5 packets inside Engine.IO v4 messages, judged in order."""

    protocol = "socket.io"
    title = "Socket.IO v5 (over Engine.IO v4)"
    spec = "https://github.com/socketio/socket.io-protocol"

    def __init__(self, **options: int) -> None:
        super().__init__(**options)
        self.namespaces: Tracker[str, str] = Tracker()  # namespace -> "requested", "connected"
        self.acks: Tracker[tuple[Role, str, int], int] = Tracker()  # (asker, namespace, id)
        self.due: dict[Role, list[int]] = {"client": [0, 0], "server": [0, 0]}  # [left, announced]

    @property
    def state(self) -> str:
        connected = sorted(ns for ns in self.namespaces if self.namespaces.get(ns) == "connected")
        return f"{super().state}; namespaces connected: {', '.join(connected) or 'none'}"

    def _binary_message(self, b: MessageBuilder, sender: Role) -> None:
        left, total = self.due[sender]
        if not left:
            b.flag(UNEXPECTED_BINARY, 0, len(b.data))
            return
        self.due[sender][0] -= 1
        b.kind = f"attachment {total - left + 1} of {total}"
        b.attributes["attachment"] = total - left

    def _message_packet(self, b: MessageBuilder, data: bytes, sender: Role) -> None:
        left = self.due[sender][0]
        n = len(data)
        if n < 2:
            b.flag(NO_PACKET, 0, n)
            return
        if not 0x30 <= data[1] <= 0x36:
            b.flag(UNKNOWN_TYPE, 1, 2, char=data[1:2].decode("utf-8", "replace"))
            return
        if left:
            b.flag(TEXT_DURING_ATTACHMENTS, 0, n, left=left)
            self.due[sender][0] = 0
        ptype = data[1] - 0x30
        name = PACKET_TYPES[ptype]
        b.kind = name
        b.attributes["Socket.IO packet type"] = ptype
        ref = f"{_DOC}: Exchange protocol"
        b.add("Socket.IO packet type", 1, 2, ptype, f"{ptype}: {name} - {_MEANINGS[ptype]}", ref, "Socket.IO")
        b.mark("Socket.IO packet type", 1, 2)
        p, count = self._attachments(b, data, 2, ptype)
        p, ns = self._namespace(b, data, p)
        p, ack = self._ack_id(b, data, p)
        payload: object = None
        has_payload, readable = p < n, True
        if has_payload:
            doc = scan_json(data, p)
            add_json_fields(b, doc, annotate=lambda node: _annotate(node, ptype), group="payload")
            flag_json_problems(b, doc, BAD_PAYLOAD)
            b.mark("payload", p, n)
            payload, readable = doc.value, doc.complete
            b.value = payload
        b.attributes.update({"namespace": ns, "ack id": ack, "attachments": count})
        if readable:  # a payload that is not JSON has been flagged already
            self._check_payload(b, ptype, payload, has_payload, count)
        self._judge(b, ptype, ns, ack, sender, payload)
        if ptype in (5, 6) and count:
            self.due[sender] = [count, count]
        b.headline = _headline(ptype, ns, ack, payload, count)

    def _attachments(self, b: MessageBuilder, data: bytes, p: int, ptype: int) -> tuple[int, int]:
        if ptype not in (5, 6):
            return p, 0
        q = p
        while q < len(data) and 0x30 <= data[q] <= 0x39 and q - p < 9:
            q += 1
        if q == p or q >= len(data) or data[q] != 0x2D:
            b.flag(BAD_ATTACHMENTS, p, min(q + 1, len(data)))
            return q, 0
        count = int(data[p:q])
        meaning = f"{count} binary attachment(s) follow, ending with '-'"
        b.add("attachments", p, q + 1, count, meaning, f"{_DOC}: Packet encoding", "Socket.IO")
        return q + 1, count

    def _namespace(self, b: MessageBuilder, data: bytes, p: int) -> tuple[int, str]:
        if data[p : p + 1] != b"/":
            return p, "/"
        q = data.find(b",", p)
        q = len(data) if q < 0 else q
        ns = data[p:q].decode("utf-8", "replace")
        ref = f"{_DOC}: Packet encoding"
        b.add("namespace", p, q, ns, "the namespace (omitted for the main namespace '/')", ref, "Socket.IO")
        b.mark("namespace", p, q)
        if q < len(data):
            b.add("namespace end", q, q + 1, ",", "ends the namespace", ref, "Socket.IO")
            q += 1
        return q, ns

    def _ack_id(self, b: MessageBuilder, data: bytes, p: int) -> tuple[int, int | None]:
        q = p
        while q < len(data) and 0x30 <= data[q] <= 0x39:
            q += 1
        if q == p:
            return p, None
        if q - p > 16:
            b.flag(BAD_ACK_ID, p, q, digits=q - p)
            return q, None
        ack = int(data[p:q])
        meaning = "asks the receiver to acknowledge with this id" if data[1] in b"25" else "the id answered"
        b.add("ack id", p, q, ack, meaning, f"{_DOC}: Acknowledgement", "Socket.IO")
        b.mark("ack id", p, q)
        return q, ack

    def _check_payload(
        self, b: MessageBuilder, ptype: int, payload: object, present: bool, count: int
    ) -> None:
        name, section = PACKET_TYPES[ptype], _SECTIONS[ptype]
        want = None
        if ptype == 0 and present and not isinstance(payload, dict):
            want = "an object (or absent)"
        elif ptype == 1 and present:
            want = "absent"
        elif ptype in (2, 5) and not (isinstance(payload, list) and payload):
            want = "a non-empty array (the event name, then its arguments)"
        elif ptype in (3, 6) and not isinstance(payload, list):
            want = "an array (possibly empty)"
        elif ptype == 4 and not isinstance(payload, (dict, str)):
            want = "an object (or a string)"
        if want is not None:
            b.flag_at(
                PAYLOAD_SHAPE, "payload", "Socket.IO packet type", name=name, want=want, section=section
            )
        event = payload[0] if isinstance(payload, list) and payload else None
        if ptype in (2, 5) and isinstance(event, str) and event in RESERVED_EVENTS:
            b.flag_at(RESERVED_NAME, "/0", "payload", event=event)
        if ptype in (5, 6):
            nums = _placeholder_nums(payload)
            if sorted(n for n in nums if isinstance(n, int)) != list(range(count)) or len(nums) != count:
                b.flag_at(PLACEHOLDERS, "payload", "attachments", count=count, nums=len(nums))

    def _judge(
        self, b: MessageBuilder, ptype: int, ns: str, ack: int | None, sender: Role, payload: object
    ) -> None:
        name = PACKET_TYPES[ptype]
        state = self.namespaces.get(ns)
        if ptype == 0 and sender == "client":
            self.namespaces.put(ns, "requested" if state != "connected" else state)
        elif ptype == 0:
            if state is None:
                b.flag_at(CONNECT_UNASKED, "namespace", "Socket.IO packet type", ns=ns)
            if not (isinstance(payload, dict) and isinstance(payload.get("sid"), str)):
                b.flag_at(CONNECT_NO_SID, "payload", "Socket.IO packet type")
            self.namespaces.put(ns, "connected")
        elif ptype == 4:
            if sender == "client":
                b.flag_at(CONNECT_ERROR_FROM_CLIENT, "Socket.IO packet type")
            self.namespaces.pop(ns)
        elif ptype == 1:
            self.namespaces.pop(ns)
        elif state != "connected":
            b.flag_at(NOT_CONNECTED, "Socket.IO packet type", name=name, ns=ns)
        if ptype in (2, 5) and ack is not None:
            self.acks.put((sender, ns, ack), 0)
        elif ptype in (3, 6):
            if ack is None:
                b.flag_at(ACK_NO_ID, "Socket.IO packet type", name=name)
            elif (peer_of(sender), ns, ack) in self.acks:
                self.acks.pop((peer_of(sender), ns, ack))
            else:
                b.flag_at(ACK_UNKNOWN, "ack id", name=name, id=ack, ns=ns)


def _annotate(node: JsonNode, ptype: int) -> tuple[str, str] | None:
    ref = f"{_DOC}: {_SECTIONS[ptype]}"
    if isinstance(node.value, dict) and node.value.get("_placeholder") is True:
        return f"placeholder for binary attachment #{node.value.get('num')}", f"{_DOC}: Packet encoding"
    if ptype in (2, 5) and node.pointer == "/0":
        return "event name", ref
    if ptype in (2, 3, 5, 6) and node.depth == 1:
        return f"argument {node.pointer[1:]}", ref
    if ptype == 0 and node.pointer == "/sid":
        return "the session id in this namespace (from the server)", ref
    if ptype == 4 and node.pointer == "/message":
        return "why the connection was refused", ref
    return None


def _headline(ptype: int, ns: str, ack: int | None, payload: object, count: int) -> str:
    parts = [] if ns == "/" else [ns]
    if ptype in (2, 5) and isinstance(payload, list) and payload:
        parts.append(repr(payload[0]))
    if ack is not None:
        parts.append(f"ack={ack}")
    if count:
        parts.append(f"+{count} attachment(s)")
    return " ".join(parts)
