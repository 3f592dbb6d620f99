"""One MQTT control packet read field by field (MQTT 5.0 §2-§3, MQTT 3.1.1 §2-§3).

:func:`decode_packet` gets one whole packet (the stream in :mod:`.mqtt` found where it ends) and the
protocol version, and records each field with its span at bit precision (packet type and flags are
4-bit fields; the PUBLISH flags, the Connect Flags and the subscription options single bits), then the
rules the packet breaks on its own. Rules between packets are the conversation's (:mod:`.mqtt`).
"""

from __future__ import annotations

from collections.abc import Callable

from .base import MessageBuilder
from .mqtt_properties import CONNACK_RETURN_CODES_311, REASON_CODES, SUBACK_RETURN_CODES_311
from .mqtt_reader import MqttRule, PacketReader, ShortPacket

__all__ = ["PACKET_NAMES", "decode_packet", "topic_filter_problem"]

PACKET_NAMES = (
    "Reserved", "CONNECT", "CONNACK", "PUBLISH", "PUBACK", "PUBREC", "PUBREL", "PUBCOMP",
    "SUBSCRIBE", "SUBACK", "UNSUBSCRIBE", "UNSUBACK", "PINGREQ", "PINGRESP", "DISCONNECT", "AUTH",
)  # fmt: skip
_FIXED_FLAGS = {6: 0b0010, 8: 0b0010, 10: 0b0010}  # PUBREL, SUBSCRIBE, UNSUBSCRIBE; the rest 0 but PUBLISH
_PROTOCOL_NAMES = {3: "MQIsdp", 4: "MQTT", 5: "MQTT"}

_M = "Malformed Packet"
ENDS_INSIDE = MqttRule("the packet ends inside {what}", "2.1.4", "2.2.3", _M, "remaining length")
LEFTOVER = MqttRule("{n} byte(s) left after the last field of {name}", "2.1.4", "2.2.3", _M)
RESERVED_TYPE = MqttRule("packet type 0 is reserved", "2.1.2", "2.2.1", _M, "packet type")
AUTH_IN_311 = MqttRule(
    "AUTH exists from MQTT 5.0 on (type 15 is reserved)", "3.15", "2.2.1", _M, "packet type"
)
BAD_FLAGS = MqttRule("{name} flags must be {want:04b}, not {got:04b}", "2.1.3", "2.2.2", _M, "flags")
QOS_3 = MqttRule("QoS 3 is not a QoS level", "3.3.1.2", "3.3.1.2", _M, "QoS")
DUP_QOS0 = MqttRule("DUP must be 0 when QoS is 0", "3.3.1.1", "3.3.1.1", field="DUP")
PACKET_ID_ZERO = MqttRule(
    "packet identifier 0: it must be non-zero", "2.2.1", "2.3.1", field="packet identifier"
)
TOPIC_WILDCARD = MqttRule("a topic name must not contain wildcards ('+', '#')", "3.3.2.1", "3.3.2.1")
TOPIC_EMPTY = MqttRule("an empty topic name (without a Topic Alias)", "4.7.3", "4.7.3")
FILTER_BAD = MqttRule("topic filter {filter!r}: {why}", "4.7.1", "4.7.1")
NO_FILTERS = MqttRule("{name} must carry at least one topic filter", "3.8.3", "3.8.3")
NO_CODES = MqttRule("{name} must carry one reason code per topic filter, and carries none", "3.9.3", "3.9.3")
OPTION_QOS_3 = MqttRule("Maximum QoS 3 in the subscription options", "3.8.3.1", "3.8.3", _M)
OPTION_RESERVED = MqttRule("reserved bits of the subscription options must be 0", "3.8.3.1", "3.8.3", _M)
RETAIN_HANDLING_3 = MqttRule("Retain Handling 3 is not defined", "3.8.3.1", None)
PROTOCOL_NAME = MqttRule("protocol name {got!r}: level {level} uses {want!r}", "3.1.2.1", "3.1.2.1")
PROTOCOL_LEVEL = MqttRule(
    "protocol level {level} is not 3, 4 or 5: refused with {answer}", "3.1.2.2", "3.1.2.2"
)
CONNECT_RESERVED = MqttRule("the reserved Connect Flags bit must be 0", "3.1.2.3", "3.1.2.3", _M, "reserved")
WILL_FLAGS = MqttRule("Will QoS and Will Retain must be 0 when the Will Flag is 0", "3.1.2.5", "3.1.2.5")
WILL_QOS_3 = MqttRule("Will QoS 3 is not a QoS level", "3.1.2.6", "3.1.2.6", _M)
PASSWORD_ALONE = MqttRule("the Password Flag is set without the User Name Flag", "3.1.2.9", "3.1.2.9")
EMPTY_ID_SESSION = MqttRule("an empty Client Identifier needs Clean Session 1", "3.1.3.1", "3.1.3.1")
CONNACK_FLAGS = MqttRule("bits 7-1 of the acknowledge flags must be 0", "3.2.2.1", "3.2.2.1", _M)
SESSION_REFUSED = MqttRule(
    "Session Present must be 0 when the connection is refused",
    "3.2.2.1.1",
    "3.2.2.2",
    field="Session Present",
)
NOT_UTF8_PAYLOAD = MqttRule(
    "Payload Format Indicator 1 (UTF-8) but the payload is not UTF-8", "3.3.2.3.2", None
)

_CONNECT_FLAGS = (  # name, bit offset in the byte (MSB first), width, meaning
    ("User Name Flag", 0, 1, "a user name is in the payload"),
    ("Password Flag", 1, 1, "a password is in the payload"),
    ("Will Retain", 2, 1, "retain the will message"),
    ("Will QoS", 3, 2, "QoS of the will message"),
    ("Will Flag", 5, 1, "a will message is in the payload"),
    ("Clean Start", 6, 1, "start a new session (3.1.1: Clean Session)"),
    ("reserved", 7, 1, "must be 0"),
)


def topic_filter_problem(text: str) -> str | None:
    """Why ``text`` is not a valid topic filter (MQTT §4.7.1, §4.7.3), or ``None``."""
    if not text:
        return "a topic filter is at least one character"
    levels = text.split("/")
    for i, level in enumerate(levels):
        if "#" in level and (level != "#" or i != len(levels) - 1):
            return "'#' must be a whole level, and the last"
        if "+" in level and level != "+":
            return "'+' must be a whole level"
    return None


def _packet_id(r: PacketReader) -> int:
    pid = r.uint(
        2, "packet identifier", "{value}: pairs this packet with its answer", r.ref("2.2.1", "2.3.1")
    )
    if pid == 0:
        r.flag(PACKET_ID_ZERO, r.pos - 2, r.pos)
    return pid


def _connect(r: PacketReader) -> dict[str, object]:
    ref = r.ref("3.1.2", "3.1.2")
    start = r.pos
    name = r.text("protocol name", "the protocol's name", r.ref("3.1.2.1", "3.1.2.1"), "variable header")
    level = r.uint(
        1, "protocol level", "{value}: 3 is MQTT 3.1, 4 is 3.1.1, 5 is 5.0", r.ref("3.1.2.2", "3.1.2.2")
    )
    if level in (3, 4, 5):
        r.version = level
        if name != _PROTOCOL_NAMES[level]:
            r.flag(PROTOCOL_NAME, start, start + 2 + len(name.encode()), got=name, level=level,
                   want=_PROTOCOL_NAMES[level])  # fmt: skip
    else:
        answer = "CONNACK 0x84 (5.0)" if r.version >= 5 else "CONNACK return code 1"
        r.flag(PROTOCOL_LEVEL, r.pos - 1, r.pos, level=level, answer=answer)
    fpos = r.pos
    flags = r.uint(1, "connect flags", "{value:08b}", r.ref("3.1.2.3", "3.1.2.3"))
    for flag, offset, width, meaning in _CONNECT_FLAGS:
        value = (flags >> (8 - offset - width)) & ((1 << width) - 1)
        shown = value if width == 2 else bool(value)
        r.b.add_bits(flag, fpos * 8 + offset, width, shown, meaning, ref, "connect flags")
    will, will_qos, will_retain = bool(flags & 4), (flags >> 3) & 3, bool(flags & 0x20)
    user, password, clean = bool(flags & 0x80), bool(flags & 0x40), bool(flags & 2)
    if flags & 1:
        r.flag(CONNECT_RESERVED, fpos, fpos + 1)
    if not will and (will_qos or will_retain):
        r.flag(WILL_FLAGS, fpos, fpos + 1)
    if will_qos == 3:
        r.flag(WILL_QOS_3, fpos, fpos + 1)
    if password and not user and r.version < 5:
        r.flag(PASSWORD_ALONE, fpos, fpos + 1)
    keep = r.uint(
        2, "keep alive", "{value} s between control packets at most (0: off)", r.ref("3.1.2.10", "3.1.2.10")
    )
    props = r.properties("CONNECT")
    id_start = r.pos
    client_id = r.text("client identifier", "names the session", r.ref("3.1.3.1", "3.1.3.1"))
    if not client_id and not clean and r.version < 5:
        r.flag(EMPTY_ID_SESSION, id_start, r.pos)
    if will:
        r.properties("WILL", "will properties")
        r.text("will topic", "where the will message is published", r.ref("3.1.3.3", "3.1.3.2"))
        r.binary("will payload", "the will message", r.ref("3.1.3.4", "3.1.3.3"))
    if user:
        r.text("user name", "for authentication", r.ref("3.1.3.5", "3.1.3.4"))
    if password:
        r.binary("password", "for authentication", r.ref("3.1.3.6", "3.1.3.5"))
    r.b.headline = f"client id {client_id!r}, level {level}"
    return {"level": level, "client id": client_id, "keep alive": keep, "clean": clean, "properties": props}


def _connack(r: PacketReader) -> dict[str, object]:
    fpos = r.pos
    flags = r.uint(1, "acknowledge flags", "{value:08b}", r.ref("3.2.2.1", "3.2.2.1"))
    present = bool(flags & 1)
    meaning = "the server has a session for this client" if present else "a new session"
    r.b.add_bits("Session Present", fpos * 8 + 7, 1, present, meaning, r.ref("3.2.2.1.1", "3.2.2.2"), "flags")
    if flags & 0xFE:
        r.flag(CONNACK_FLAGS, fpos, fpos + 1)
    codes = REASON_CODES if r.version >= 5 else CONNACK_RETURN_CODES_311
    code = r.code("CONNACK", codes, "reason code" if r.version >= 5 else "return code")
    if code and present:
        r.flag(SESSION_REFUSED, fpos, fpos + 1)
    props = r.properties("CONNACK")
    r.b.headline = f"0x{code:02X} {codes.get(code, 'undefined')}"
    return {"code": code, "session present": present, "properties": props}


def _publish(r: PacketReader) -> dict[str, object]:
    qos = (r.data[0] >> 1) & 3
    start = r.pos
    topic = r.text(
        "topic name", "where the message is published", r.ref("3.3.2.1", "3.3.2.1"), "variable header"
    )
    if "+" in topic or "#" in topic:
        r.flag(TOPIC_WILDCARD, *r.b.span("topic name"))
    facts: dict[str, object] = {"topic": topic}
    if qos in (1, 2):
        facts["packet id"] = _packet_id(r)
    props = r.properties("PUBLISH")
    if not topic and (r.version < 5 or "Topic Alias" not in props):
        r.flag(TOPIC_EMPTY, start, start + 2)
    payload = r.data[r.pos :]
    try:
        preview = repr(payload.decode("utf-8")[:60])
    except UnicodeDecodeError:
        preview = f"{len(payload)} bytes of binary data"
        if props.get("Payload Format Indicator") == 1:
            r.flag(NOT_UTF8_PAYLOAD, r.pos, len(r.data))
    r.b.add(
        "payload",
        r.pos,
        len(r.data),
        payload,
        f"application message: {preview}",
        r.ref("3.3.3", "3.3.3"),
        "payload",
    )
    r.b.value = payload
    r.pos = len(r.data)
    r.b.headline = f"{topic!r} QoS {qos}" + (f" id={facts['packet id']}" if "packet id" in facts else "")
    facts.update(properties=props, payload=payload)
    return facts


def _ack(r: PacketReader) -> dict[str, object]:
    pid = _packet_id(r)
    facts: dict[str, object] = {"packet id": pid, "code": 0}
    if r.version >= 5 and r.left() > 0:
        facts["code"] = r.code(r.name, REASON_CODES)
    if r.version >= 5 and r.left() > 0:
        facts["properties"] = r.properties(r.name)
    r.b.headline = f"id={pid}" + (f" 0x{facts['code']:02X}" if facts["code"] else "")
    return facts


def _subscribe(r: PacketReader) -> dict[str, object]:
    pid = _packet_id(r)
    props = r.properties(r.name)
    filters: list[str] = []
    while r.left() > 0:
        text = r.text("topic filter", "what to subscribe to", r.ref("3.8.3", "3.8.3"))
        problem = topic_filter_problem(text)
        if problem:
            r.flag(FILTER_BAD, *r.b.span("topic filter"), filter=text, why=problem)
        filters.append(text)
        if r.name == "SUBSCRIBE":
            _options(r)
    if not filters:
        r.flag(NO_FILTERS, 0, len(r.data), name=r.name)
    r.b.headline = f"id={pid} " + ", ".join(repr(f) for f in filters[:4]) + (" …" if len(filters) > 4 else "")
    return {"packet id": pid, "filters": filters, "properties": props}


def _options(r: PacketReader) -> None:
    pos = r.pos
    opts = r.uint(1, "subscription options", "{value:08b}", r.ref("3.8.3.1", "3.8.3"), "payload")
    ref, bit = r.ref("3.8.3.1", "3.8.3"), pos * 8
    if r.version >= 5:
        r.b.add_bits(
            "Retain Handling", bit + 2, 2, (opts >> 4) & 3, "when to send retained messages", ref, "options"
        )
        r.b.add_bits(
            "Retain As Published", bit + 4, 1, bool(opts & 8), "keep the RETAIN flag", ref, "options"
        )
        r.b.add_bits("No Local", bit + 5, 1, bool(opts & 4), "not my own publications", ref, "options")
        if (opts >> 4) & 3 == 3:
            r.flag(RETAIN_HANDLING_3, pos, pos + 1)
    r.b.add_bits("Maximum QoS", bit + 6, 2, opts & 3, "the highest QoS to deliver with", ref, "options")
    if opts & (0xC0 if r.version >= 5 else 0xFC):
        r.flag(OPTION_RESERVED, pos, pos + 1)
    if opts & 3 == 3:
        r.flag(OPTION_QOS_3, pos, pos + 1)


def _suback(r: PacketReader) -> dict[str, object]:
    pid = _packet_id(r)
    props = r.properties(r.name)
    table = REASON_CODES if r.version >= 5 else SUBACK_RETURN_CODES_311
    codes: list[int] = []
    while r.left() > 0:
        codes.append(r.code(r.name, table, f"reason code {len(codes) + 1}", "payload"))
    if not codes:
        r.flag(NO_CODES, 0, len(r.data), name=r.name)
    r.b.headline = f"id={pid} codes " + " ".join(f"0x{c:02X}" for c in codes[:8])
    return {"packet id": pid, "codes": codes, "properties": props}


def _unsuback(r: PacketReader) -> dict[str, object]:
    if r.version >= 5:
        return _suback(r)
    pid = _packet_id(r)
    r.b.headline = f"id={pid}"
    return {"packet id": pid}


def _empty(r: PacketReader) -> dict[str, object]:
    return {}


def _disconnect(r: PacketReader) -> dict[str, object]:
    """DISCONNECT, and AUTH (the same layout): an optional reason code, then optional properties."""
    code = 0
    if r.version >= 5 and r.left() > 0:
        code = r.code(r.name, REASON_CODES)
        r.b.headline = f"0x{code:02X} {REASON_CODES.get(code, 'undefined')}"
    props = r.properties(r.name) if r.version >= 5 and r.left() > 0 else {}
    return {"code": code, "properties": props}


BODIES: dict[int, Callable[[PacketReader], dict[str, object]]] = {
    1: _connect, 2: _connack, 3: _publish, 4: _ack, 5: _ack, 6: _ack, 7: _ack, 8: _subscribe,
    9: _suback, 10: _subscribe, 11: _unsuback, 12: _empty, 13: _empty, 14: _disconnect, 15: _disconnect,
}  # fmt: skip


def decode_packet(b: MessageBuilder, version: int, header_length: int) -> dict[str, object]:
    """Fill ``b`` with the fields of the packet in ``b.data`` (its fixed header ``header_length``
    bytes long) and the rules it breaks on its own; return the facts the conversation needs."""
    data = b.data
    ptype, flags = data[0] >> 4, data[0] & 0x0F
    name = PACKET_NAMES[ptype]
    b.kind = name
    r = PacketReader(b, version, header_length, name)
    header = "fixed header"
    b.add_bits("packet type", 0, 4, ptype, f"{ptype}: {name}", r.ref("2.1.2", "2.2.1"), header)
    b.mark("packet type", 0, 1)
    facts: dict[str, object] = {"type": name}
    if ptype == 3:
        qos, ref = (flags >> 1) & 3, r.ref("3.3.1", "3.3.1")
        b.add_bits(
            "DUP", 4, 1, bool(flags & 8), "re-delivery" if flags & 8 else "first delivery", ref, header
        )
        b.add_bits("QoS", 5, 2, qos, f"QoS {qos}: delivery guarantee", ref, header)
        retain = "keep as the topic's retained message" if flags & 1 else "do not retain"
        b.add_bits("RETAIN", 7, 1, bool(flags & 1), retain, ref, header)
        facts.update(qos=qos, dup=bool(flags & 8), retain=bool(flags & 1))
        if qos == 3:
            r.flag(QOS_3, 0, 1)
        elif qos == 0 and flags & 8:
            r.flag(DUP_QOS0, 0, 1)
    else:
        want = _FIXED_FLAGS.get(ptype, 0)
        b.add_bits("flags", 4, 4, flags, f"reserved: {want:04b}", r.ref("2.1.3", "2.2.2"), header)
        if flags != want and ptype != 0:
            r.flag(BAD_FLAGS, 0, 1, name=name, want=want, got=flags)
    remaining = len(data) - header_length
    meaning = f"{remaining} bytes follow (a Variable Byte Integer of {header_length - 1} byte(s))"
    b.add("remaining length", 1, header_length, remaining, meaning, r.ref("2.1.4", "2.2.3"), header)
    if ptype == 0 or (ptype == 15 and version < 5):
        r.flag(RESERVED_TYPE if ptype == 0 else AUTH_IN_311, 0, 1)
        return facts
    try:
        facts.update(BODIES[ptype](r))
    except ShortPacket as short:
        r.flag(ENDS_INSIDE, min(r.pos, len(data)), len(data), what=short.what)
        return facts
    if r.pos < len(data):
        r.flag(LEFTOVER, r.pos, len(data), n=len(data) - r.pos, name=name)
    facts["version"] = r.version
    return facts
