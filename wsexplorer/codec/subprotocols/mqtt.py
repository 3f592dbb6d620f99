"""MQTT over WebSocket: control packets read as a stream across messages (MQTT 5.0 §6, 3.1.1 §6).

MQTT packets travel in binary WebSocket messages, but not one per message: a message may hold several
packets or part of one, and the receiver must not assume they line up ([MQTT-6.0.0-2]). So each
direction is a byte stream (:class:`~.base.ByteStream`): a packet is decoded when its last byte
arrives, and its ``pieces`` say which messages it came from. The fixed header (type, flags, Remaining
Length) says where a packet ends; :mod:`.mqtt_packets` reads the rest.

The conversation checks what may come when: CONNECT first from the client and only once, CONNACK
first from the server, nothing after a refusal or a DISCONNECT, packet identifiers paired with their
acknowledgements (PUBACK; PUBREC, PUBREL, PUBCOMP; SUBACK and UNSUBACK with one code per filter),
and, in 5.0, the limits each side announced (Maximum Packet Size, Receive Maximum, Topic Alias
Maximum, Maximum QoS, Retain Available). The protocol level in CONNECT picks the version (3: MQTT
3.1, 4: 3.1.1, 5: 5.0); before it, ``version`` (default 4) is assumed.

Bounds: a packet announcing more than ``max_packet_size`` bytes (1 MiB by default; MQTT allows 256
MiB) is reported from its fixed header and its bytes are skipped as they arrive, never buffered; a
malformed Remaining Length makes the rest of that direction unreadable (the receiver must close).
"""

from __future__ import annotations

from typing import Any

from ..role import Role, peer_of
from .base import MAX_MESSAGE_SIZE, DecodedMessage, MessageBuilder, Piece, SubprotocolRule, Tracker
from .mqtt_packets import PACKET_NAMES, decode_packet
from .mqtt_reader import MqttRule
from .stream import MAX_ITEMS, StreamConversation

__all__ = ["MAX_PACKET_SIZE", "MqttConversation"]

MAX_PACKET_SIZE = 1 << 20
"""Default bound on one packet (fixed header excluded)."""

_CLIENT_ONLY = {1, 8, 10, 12}  # CONNECT, SUBSCRIBE, UNSUBSCRIBE, PINGREQ
_SERVER_ONLY = {2, 9, 11, 13}  # CONNACK, SUBACK, UNSUBACK, PINGRESP
_NEXT = {5: "PUBREL", 6: "PUBCOMP"}
# What each receiver announces it accepts (MQTT 5.0 §3.1.2.11 in CONNECT, §3.2.2.3 in CONNACK).
_CLIENT_LIMITS = ("Maximum Packet Size", "Topic Alias Maximum", "Receive Maximum")
_SERVER_LIMITS = (
    *_CLIENT_LIMITS,
    "Maximum QoS",
    "Retain Available",
)  # QoS 2: PUBREC is followed by PUBREL, PUBREL by PUBCOMP
_P = "Protocol Error"

TEXT_MESSAGE = SubprotocolRule(
    "MQTT packets travel in binary WebSocket messages; the receiver closes on a text message",
    "MQTT 5.0 §6 [MQTT-6.0.0-1]",
    None,
    "message",
)
LENGTH_TOO_LONG = MqttRule(
    "Remaining Length runs past 4 bytes: the rest of this direction cannot be read", "1.5.5", "2.2.3",
    "Malformed Packet", "remaining length",
)  # fmt: skip
OVER_LIMIT = SubprotocolRule(
    "a packet of {size} bytes announced, over the decoder's limit of {limit}: its bytes are skipped",
    "MQTT 5.0 §2.1.4; RFC 6455 §10.4",
    None,
    "remaining length",
)
FIRST_CONNECT = MqttRule(
    "the client's first packet must be CONNECT, not {name}", "3.1", "3.1", _P, "packet type"
)
SECOND_CONNECT = MqttRule("a second CONNECT", "3.1", "3.1", _P, "packet type")
FIRST_CONNACK = MqttRule(
    "the server's first packet must be CONNACK, not {name}", "3.2", "3.2", _P, "packet type"
)
WRONG_SENDER = MqttRule("{name} is sent by the {allowed} only", "2.1.2", "2.2.1", _P, "packet type")
AFTER_DISCONNECT = MqttRule("{name} after the sender's DISCONNECT", "3.14.4", "3.14.4", _P, "packet type")
AFTER_REFUSAL = MqttRule("{name} after a CONNACK that refused the connection", "3.2.2.2", "3.2.2.3", _P)
ID_IN_USE = MqttRule("packet identifier {pid} is still in use by this sender", "2.2.1", "2.3.1", _P)
NO_FLOW = MqttRule("{name} for packet identifier {pid}, which awaits no {name}", "4.3", "4.3", _P)
CODE_COUNT = MqttRule("{codes} reason code(s) for {filters} topic filter(s)", "3.9.3", "3.9.3", _P)
PONG_UNASKED = MqttRule("PINGRESP without a PINGREQ", "3.13", "3.13", _P, "packet type")
TOO_LARGE = MqttRule(
    "a packet of {size} bytes, over the receiver's Maximum Packet Size {limit}", "3.1.2.11.4", None
)
ALIAS_INVALID = MqttRule("Topic Alias {alias} is not in 1..{limit} (reason 0x94)", "3.3.2.3.4", None)
ALIAS_UNKNOWN = MqttRule("empty topic with Topic Alias {alias}, which names no topic yet", "3.3.2.3.4", None)
RECEIVE_MAXIMUM = MqttRule(
    "more than Receive Maximum {limit} QoS>0 PUBLISH unacknowledged (0x93)", "3.3.4", None
)
QOS_NOT_SUPPORTED = MqttRule("QoS {qos} over the server's Maximum QoS {limit} (0x9B)", "3.2.2.3.4", None)
RETAIN_NOT_SUPPORTED = MqttRule(
    "RETAIN set, but the server said Retain Available 0 (0x9A)", "3.2.2.3.5", None
)


class MqttConversation(StreamConversation):
    """MQTT 3.1, 3.1.1 and 5.0 over one WebSocket, both directions decoded as streams."""

    protocol = "mqtt"
    title = "MQTT over WebSocket"
    spec = "https://docs.oasis-open.org/mqtt/mqtt/v5.0/mqtt-v5.0.html"

    unit = "packet"
    framing_section = "MQTT 5.0 §2.1.4, §6"

    def __init__(
        self,
        *,
        version: int | None = None,
        max_packet_size: int = MAX_PACKET_SIZE,
        max_message_size: int = MAX_MESSAGE_SIZE,
        max_items: int = MAX_ITEMS,
    ) -> None:
        super().__init__(max_message_size=max_message_size, max_items=max_items)
        if version not in (None, 3, 4, 5):
            raise ValueError(f"MQTT version is 3 (3.1), 4 (3.1.1) or 5 (5.0), not {version!r}")
        self.version = version or 4
        self.max_packet_size = max_packet_size
        self.skip = {"client": 0, "server": 0}
        self.seen = {"client": 0, "server": 0}
        self.done = {"client": "", "server": ""}  # "DISCONNECT" sent, or the connection "refused"
        self.flows: Tracker[tuple[Role, int], tuple[str, int]] = Tracker()  # (who, id) -> (awaited, filters)
        self.pings = 0
        self.limits: dict[Role, dict[str, object]] = {"client": {}, "server": {}}  # what each receiver allows
        self.aliases: dict[Role, Tracker[int, str]] = {"client": Tracker(), "server": Tracker()}

    @property
    def state(self) -> str:
        v = {3: "MQTT 3.1", 4: "MQTT 3.1.1", 5: "MQTT 5.0"}[self.version]
        if not self.seen["client"]:
            return f"awaiting CONNECT ({v} assumed)"
        if not self.seen["server"]:
            return f"awaiting CONNACK ({v})"
        return f"{v}, {'closed' if any(self.done.values()) else 'connected'}, {len(self.flows)} flow(s) open"

    def _on_message(self, data: bytes, is_text: bool, sender: Role, index: int) -> list[DecodedMessage]:
        if not is_text:
            return []
        b = self.builder(data, sender, index, is_text=True)
        b.kind, b.headline = "text message", "(MQTT needs binary messages)"
        b.flag(TEXT_MESSAGE, 0, len(data))
        return [b.build()]

    def _skip(self, data: bytes, sender: Role, index: int) -> tuple[bytes, list[DecodedMessage]]:
        skipped = min(self.skip[sender], len(data))
        if not skipped:
            return data, []
        self.skip[sender] -= skipped
        b = MessageBuilder(self.protocol, data[:skipped], sender, pieces=(Piece(index, 0, skipped),))
        b.kind, b.headline = "skipped", f"{skipped} bytes of an over-limit packet, not decoded"
        meaning = "the rest of a packet over the decoder's limit"
        b.add("skipped bytes", 0, skipped, skipped, meaning, "MQTT 5.0 §2.1.4")
        return data[skipped:], [b.build()]

    def _drain(self, sender: Role, budget: int) -> tuple[list[DecodedMessage], bool]:
        stream, out = self.streams[sender], list[DecodedMessage]()
        while len(stream) >= 2:
            if len(out) >= budget:
                return out, True
            head = stream.peek(5)
            remaining, hlen = 0, 0
            for i in range(1, len(head)):
                remaining |= (head[i] & 0x7F) << (7 * (i - 1))
                if not head[i] & 0x80:
                    hlen = i + 1
                    break
            if not hlen and len(head) < 5:
                break  # the Remaining Length continues in a later message
            if not hlen:
                b = self.give_up(sender, "a Remaining Length of more than 4 bytes")
                b.kind = "malformed"
                b.violations.append(LENGTH_TOO_LONG.violation(self.version, 1, 5))
                out.append(b.build())
                break
            if remaining > self.max_packet_size:  # shown from its header; its bytes are never buffered
                have = min(len(stream), hlen + remaining)
                is_text = stream.is_text
                data, pieces = stream.take(have)
                b = MessageBuilder(self.protocol, data, sender, is_text=is_text, pieces=pieces)
                b.kind = f"{PACKET_NAMES[data[0] >> 4]} (not decoded)"
                b.add("remaining length", 1, hlen, remaining, f"{remaining} bytes follow", "MQTT 5.0 §2.1.4")
                if have > hlen:
                    meaning = "the start of a packet over the decoder's limit"
                    b.add("skipped bytes", hlen, have, have - hlen, meaning, "MQTT 5.0 §2.1.4")
                b.flag(OVER_LIMIT, 1, hlen, size=remaining, limit=self.max_packet_size)
                self.skip[sender] = hlen + remaining - have
                out.append(b.build())
                continue
            if len(stream) < hlen + remaining:
                break
            is_text = stream.is_text
            data, pieces = stream.take(hlen + remaining)
            b = MessageBuilder(self.protocol, data, sender, is_text=is_text, pieces=pieces)
            facts = decode_packet(b, self.version, hlen)
            self._judge(b, facts, sender)
            out.append(b.build())
        return out, False

    # -- what may come when ------------------------------------------------------------------------

    def _flag(self, b: MessageBuilder, rule: MqttRule, *names: str, **values: Any) -> None:
        start, end = b.span(*names, "packet type")
        b.violations.append(rule.violation(self.version, start, end, **values))

    def _judge(self, b: MessageBuilder, facts: dict[str, object], sender: Role) -> None:
        ptype = b.data[0] >> 4
        name = PACKET_NAMES[ptype]
        b.attributes.update(facts)
        first = self.seen[sender] == 0
        self.seen[sender] += 1
        version = facts.get("version")
        if ptype == 1 and isinstance(version, int):
            self.version = version
        if sender == "client" and first and ptype != 1:
            self._flag(b, FIRST_CONNECT, name=name)
        elif sender == "client" and ptype == 1 and not first:
            self._flag(b, SECOND_CONNECT)
        if sender == "server" and first and ptype not in (2, 15):
            self._flag(b, FIRST_CONNACK, name=name)
        if (ptype in _CLIENT_ONLY and sender != "client") or (ptype in _SERVER_ONLY and sender != "server"):
            self._flag(b, WRONG_SENDER, name=name, allowed="client" if ptype in _CLIENT_ONLY else "server")
        elif ptype == 14 and sender == "server" and self.version < 5:
            self._flag(b, WRONG_SENDER, name=name, allowed="client")
        if self.done[sender]:
            self._flag(b, AFTER_DISCONNECT if self.done[sender] == "DISCONNECT" else AFTER_REFUSAL, name=name)
        limit = self.limits[peer_of(sender)].get("Maximum Packet Size")
        if isinstance(limit, int) and len(b.data) > limit:
            self._flag(b, TOO_LARGE, size=len(b.data), limit=limit)
        self._session(b, ptype, facts, sender)
        self._flow(b, ptype, facts, sender)

    def _session(self, b: MessageBuilder, ptype: int, facts: dict[str, object], sender: Role) -> None:
        props = facts.get("properties")
        props = props if isinstance(props, dict) else {}
        if ptype == 1:  # the client's limits apply to what the server sends it
            self.limits["client"] = {k: props[k] for k in _CLIENT_LIMITS if k in props}
        elif ptype == 2:
            self.limits["server"] = {k: props[k] for k in _SERVER_LIMITS if k in props}
            if facts.get("code"):
                self.done["server"] = "refused"
        elif ptype == 14:
            self.done[sender] = "DISCONNECT"
        elif ptype == 12:
            self.pings += 1
        elif ptype == 13:
            if self.pings:
                self.pings -= 1
            else:
                self._flag(b, PONG_UNASKED)
        elif ptype == 3 and self.version >= 5:
            self._publish_limits(b, facts, sender, props)

    def _publish_limits(
        self, b: MessageBuilder, facts: dict[str, object], sender: Role, props: dict[str, object]
    ) -> None:
        allowed = self.limits[peer_of(sender)]
        alias, topic = props.get("Topic Alias"), facts.get("topic")
        if isinstance(alias, int):
            limit = allowed.get("Topic Alias Maximum", 0)
            if not isinstance(limit, int) or not 1 <= alias <= limit:
                self._flag(b, ALIAS_INVALID, "PUBLISH Topic Alias", alias=alias, limit=limit)
            elif topic:
                self.aliases[sender].put(alias, str(topic))
            elif alias not in self.aliases[sender]:
                self._flag(b, ALIAS_UNKNOWN, "PUBLISH Topic Alias", alias=alias)
            else:
                b.headline += f" (topic {self.aliases[sender].get(alias)!r} by alias)"
        qos, max_qos = facts.get("qos", 0), allowed.get("Maximum QoS", 2)
        if sender == "client" and isinstance(qos, int) and isinstance(max_qos, int) and qos > max_qos:
            self._flag(b, QOS_NOT_SUPPORTED, "QoS", qos=qos, limit=max_qos)
        if sender == "client" and facts.get("retain") and allowed.get("Retain Available") == 0:
            self._flag(b, RETAIN_NOT_SUPPORTED, "RETAIN")
        maximum = allowed.get("Receive Maximum", 65535)
        if qos and isinstance(maximum, int):
            unacknowledged = 0  # this sender's QoS 1 and 2 PUBLISH not yet PUBACKed or PUBCOMPed (§4.9)
            for key in self.flows:
                flow = self.flows.get(key)
                unacknowledged += key[0] == sender and flow is not None and flow[0].startswith("PUB")
            if unacknowledged >= maximum:
                self._flag(b, RECEIVE_MAXIMUM, limit=maximum)

    def _flow(self, b: MessageBuilder, ptype: int, facts: dict[str, object], sender: Role) -> None:
        pid = facts.get("packet id")
        if not isinstance(pid, int):
            return
        if ptype in (3, 8, 10):  # a new flow, from the sender
            qos = facts.get("qos", 1)
            if ptype == 3 and not qos:
                return
            if (sender, pid) in self.flows and not facts.get("dup"):
                self._flag(b, ID_IN_USE, "packet identifier", pid=pid)
            awaited = {3: "PUBACK" if qos == 1 else "PUBREC", 8: "SUBACK", 10: "UNSUBACK"}[ptype]
            filters = facts.get("filters")
            self.flows.put((sender, pid), (awaited, len(filters) if isinstance(filters, list) else 0))
            return
        name = PACKET_NAMES[ptype]
        # PUBREL comes from the publisher itself; every other answer from the other side.
        owner = sender if ptype == 6 else peer_of(sender)
        flow = self.flows.get((owner, pid))
        if flow is None or flow[0] != name:
            self._flag(b, NO_FLOW, "packet identifier", name=name, pid=pid)
            return
        codes = facts.get("codes")
        if (
            ptype in (9, 11)
            and isinstance(codes, list)
            and (ptype == 9 or self.version >= 5)
            and len(codes) != flow[1]
        ):
            self._flag(b, CODE_COUNT, codes=len(codes), filters=flow[1])
        following = _NEXT.get(ptype)
        code = facts.get("code", 0)
        if following is None or ptype in (9, 11) or (isinstance(code, int) and code >= 0x80):
            self.flows.pop((owner, pid))
        else:
            self.flows.put((owner, pid), (following, 0))
