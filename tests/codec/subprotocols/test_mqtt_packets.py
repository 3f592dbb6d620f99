"""One MQTT control packet, field by field at bit precision, and the rules a packet breaks on its own."""

from __future__ import annotations

import pytest

from wsexplorer.anatomy import Span
from wsexplorer.codec.subprotocols.base import DecodedMessage, MessageBuilder
from wsexplorer.codec.subprotocols.mqtt_packets import decode_packet, topic_filter_problem

from .samples import mqtt, only, spanned, utf8, varint

CONNECT_311 = mqtt(0x10, utf8("MQTT") + b"\x04\x02\x00\x3c" + utf8("abc"))


def decode(packet: bytes, version: int = 4) -> DecodedMessage:
    b = MessageBuilder("mqtt", packet, "client")
    header = 2 if packet[1] < 0x80 else 1 + len(varint(len(packet) - 3))
    decode_packet(b, version, header)
    return b.build()


def props(*items: bytes) -> bytes:
    body = b"".join(items)
    return varint(len(body)) + body


def spans(d: DecodedMessage) -> dict[str, tuple[Span, str]]:
    return {f.name: (f.span, f.bits) for f in d.fields}


def test_a_311_connect_reads_like_the_spec_figure() -> None:
    d = decode(CONNECT_311)
    assert d.violations == () and d.kind == "CONNECT" and d.headline == "client id 'abc', level 4"
    s = spans(d)
    assert s["packet type"] == (Span(0, 4), "0001") and s["flags"] == (Span(4, 4), "0000")
    assert s["remaining length"][0] == Span.of_bytes(1, 2)
    assert s["protocol name length"][0] == Span.of_bytes(2, 4) and s["protocol name"][0] == Span.of_bytes(
        4, 8
    )
    assert s["protocol level"][0] == Span.of_bytes(8, 9) and s["connect flags"][0] == Span.of_bytes(9, 10)
    assert s["User Name Flag"] == (Span(72, 1), "0") and s["Will QoS"] == (Span(75, 2), "00")
    assert s["Clean Start"] == (Span(78, 1), "1") and s["reserved"] == (Span(79, 1), "0")
    assert s["keep alive"][0] == Span.of_bytes(10, 12) and s["client identifier"][0] == Span.of_bytes(14, 17)
    assert d.fields[0].rfc_ref == "MQTT 3.1.1 §2.2.1"


def test_a_50_connect_with_properties_and_a_will() -> None:
    body = (
        utf8("MQTT")
        + b"\x05\xc6\x00\x0a"  # user name, password, will (QoS 0), clean start
        + props(b"\x11\x00\x00\x00\x3c", b"\x21\x00\x14")  # Session Expiry 60, Receive Maximum 20
        + utf8("id")
        + props(b"\x18\x00\x00\x00\x05")  # Will Delay Interval 5
        + utf8("will/topic")
        + utf8("bye")
        + utf8("user")
        + utf8("secret")
    )
    d = decode(mqtt(0x10, body), version=4)  # the level in the packet decides: 5
    assert d.violations == ()
    by_name = {f.name: f for f in d.fields}
    assert by_name["Session Expiry Interval"].value == 60 and by_name["Receive Maximum"].value == 20
    assert by_name["Session Expiry Interval"].rfc_ref == "MQTT 5.0 §3.1.2.11.2"
    assert by_name["Will Delay Interval"].group == "will properties"
    assert by_name["will topic"].value == "will/topic" and by_name["password"].value == b"secret"


def test_publish_flags_are_single_bits() -> None:
    d = decode(mqtt(0x3B, utf8("a/b") + b"\x00\x07" + b"hi"))  # DUP, QoS 1, RETAIN
    s = spans(d)
    assert (
        s["DUP"] == (Span(4, 1), "1") and s["QoS"] == (Span(5, 2), "01") and s["RETAIN"] == (Span(7, 1), "1")
    )
    assert d.violations == () and d.value == b"hi" and d.headline == "'a/b' QoS 1 id=7"


def test_subscription_options_are_bit_fields_in_50() -> None:
    d = decode(mqtt(0x82, b"\x00\x01" + props() + utf8("a/+") + b"\x2e"), version=5)
    s = spans(d)
    opts = 8 * (len(d.data) - 1)
    assert s["Retain Handling"] == (Span(opts + 2, 2), "10") and s["Retain As Published"] == (
        Span(opts + 4, 1),
        "1",
    )
    assert s["No Local"] == (Span(opts + 5, 1), "1") and s["Maximum QoS"] == (Span(opts + 6, 2), "10")
    assert d.violations == ()


def _rule(packet: bytes, version: int = 4) -> tuple[str, str, bytes]:
    d = decode(packet, version)
    v = only(d)
    return v.rule, v.section, spanned(d, v)


@pytest.mark.parametrize(
    ("packet", "version", "rule", "section", "where"),
    [
        (
            mqtt(0x36, utf8("a") + b"\x00\x01"),
            4,
            "QoS 3 is not a QoS level (Malformed Packet)",
            "MQTT 3.1.1 §3.3.1.2",
            b"\x36",
        ),
        (
            mqtt(0x38, utf8("a") + b"\x00"),
            5,
            "DUP must be 0 when QoS is 0 (Protocol Error)",
            "MQTT 5.0 §3.3.1.1",
            b"\x38",
        ),
        (
            mqtt(0x80, b"\x00\x01" + utf8("a") + b"\x00"),
            4,
            "SUBSCRIBE flags must be 0010, not 0000 (Malformed Packet)",
            "MQTT 3.1.1 §2.2.2",
            b"\x80",
        ),
        (mqtt(0x00, b""), 4, "packet type 0 is reserved (Malformed Packet)", "MQTT 3.1.1 §2.2.1", b"\x00"),
        (
            mqtt(0xF0, b""),
            4,
            "AUTH exists from MQTT 5.0 on (type 15 is reserved) (Malformed Packet)",
            "MQTT 3.1.1 §2.2.1",
            b"\xf0",
        ),
        (
            mqtt(0x30, utf8("a/#")),
            4,
            "a topic name must not contain wildcards ('+', '#') (Protocol Error)",
            "MQTT 3.1.1 §3.3.2.1",
            b"a/#",
        ),
        (
            mqtt(0x30, utf8("")),
            4,
            "an empty topic name (without a Topic Alias) (Protocol Error)",
            "MQTT 3.1.1 §4.7.3",
            b"\x00\x00",
        ),
        (
            mqtt(0x82, b"\x00\x01" + utf8("a/#/b") + b"\x00"),
            4,
            "topic filter 'a/#/b': '#' must be a whole level, and the last (Protocol Error)",
            "MQTT 3.1.1 §4.7.1",
            b"a/#/b",
        ),
        (
            mqtt(0x82, b"\x00\x01"),
            4,
            "SUBSCRIBE must carry at least one topic filter (Protocol Error)",
            "MQTT 3.1.1 §3.8.3",
            b"\x82\x02\x00\x01",
        ),
        (
            mqtt(0x82, b"\x00\x01" + utf8("a") + b"\x04"),
            4,
            "reserved bits of the subscription options must be 0 (Malformed Packet)",
            "MQTT 3.1.1 §3.8.3",
            b"\x04",
        ),
        (
            mqtt(0x82, b"\x00\x01" + b"\x00" + utf8("a") + b"\x30"),
            5,
            "Retain Handling 3 is not defined (Protocol Error)",
            "MQTT 5.0 §3.8.3.1",
            b"\x30",
        ),
        (
            mqtt(0x82, b"\x00\x01" + utf8("a") + b"\x03"),
            4,
            "Maximum QoS 3 in the subscription options (Malformed Packet)",
            "MQTT 3.1.1 §3.8.3",
            b"\x03",
        ),
        (
            mqtt(0x82, b"\x00\x00" + utf8("a") + b"\x00"),
            4,
            "packet identifier 0: it must be non-zero (Protocol Error)",
            "MQTT 3.1.1 §2.3.1",
            b"\x00\x00",
        ),
        (
            mqtt(0x10, utf8("MQIsdp") + b"\x04\x02\x00\x00" + utf8("a")),
            4,
            "protocol name 'MQIsdp': level 4 uses 'MQTT' (Protocol Error)",
            "MQTT 3.1.1 §3.1.2.1",
            b"\x00\x06MQIsdp",
        ),
        (
            mqtt(0x10, utf8("MQTT") + b"\x06\x02\x00\x00" + utf8("a")),
            4,
            "protocol level 6 is not 3, 4 or 5: refused with CONNACK return code 1 (Protocol Error)",
            "MQTT 3.1.1 §3.1.2.2",
            b"\x06",
        ),
        (
            mqtt(0x10, utf8("MQTT") + b"\x04\x03\x00\x00" + utf8("a")),
            4,
            "the reserved Connect Flags bit must be 0 (Malformed Packet)",
            "MQTT 3.1.1 §3.1.2.3",
            b"\x03",
        ),
        (
            mqtt(0x10, utf8("MQTT") + b"\x04\x2a\x00\x00" + utf8("a")),
            4,
            "Will QoS and Will Retain must be 0 when the Will Flag is 0 (Protocol Error)",
            "MQTT 3.1.1 §3.1.2.5",
            b"\x2a",
        ),
        (
            mqtt(0x10, utf8("MQTT") + b"\x04\x42\x00\x00" + utf8("a") + utf8("pw")),
            4,
            "the Password Flag is set without the User Name Flag (Protocol Error)",
            "MQTT 3.1.1 §3.1.2.9",
            b"\x42",
        ),
        (
            mqtt(0x10, utf8("MQTT") + b"\x04\x00\x00\x00" + utf8("")),
            4,
            "an empty Client Identifier needs Clean Session 1 (Protocol Error)",
            "MQTT 3.1.1 §3.1.3.1",
            b"\x00\x00",
        ),
        (
            mqtt(0x20, b"\x02\x00"),
            4,
            "bits 7-1 of the acknowledge flags must be 0 (Malformed Packet)",
            "MQTT 3.1.1 §3.2.2.1",
            b"\x02",
        ),
        (
            mqtt(0x20, b"\x01\x05"),
            4,
            "Session Present must be 0 when the connection is refused (Protocol Error)",
            "MQTT 3.1.1 §3.2.2.2",
            b"\x01",
        ),
        (
            mqtt(0x20, b"\x00\x09"),
            4,
            "return code 0x09 is not allowed in CONNACK (Protocol Error)",
            "MQTT 3.1.1 §3.2.2.3",
            b"\x09",
        ),
        (
            mqtt(0x40, b"\x00\x01\x92"),
            5,
            "reason code 0x92 is not allowed in PUBACK (Protocol Error)",
            "MQTT 5.0 §3.4.2.1",
            b"\x92",
        ),
        (
            mqtt(0x40, b"\x00\x01\x00" + props(b"\x21\x00\x05")),
            5,
            "Receive Maximum is not allowed in PUBACK (Protocol Error)",
            "MQTT 5.0 §2.2.2.2",
            b"\x21\x00\x05",
        ),
        (
            mqtt(0x40, b"\x00\x01\x00" + props(b"\x1f" + utf8("a"), b"\x1f" + utf8("b"))),
            5,
            "Reason String appears more than once (Protocol Error)",
            "MQTT 5.0 §2.2.2.2",
            b"\x1f\x00\x01b",
        ),
        (
            mqtt(0x40, b"\x00\x01\x00" + props(b"\x07\x00")),
            5,
            "property identifier 0x07 is not defined (Malformed Packet)",
            "MQTT 5.0 §2.2.2.2",
            b"\x07",
        ),
        (
            mqtt(0x30, utf8("t") + props(b"\x01\x01") + b"\xff"),
            5,
            "Payload Format Indicator 1 (UTF-8) but the payload is not UTF-8 (Protocol Error)",
            "MQTT 5.0 §3.3.2.3.2",
            b"\xff",
        ),
        (
            mqtt(0x32, utf8("abc")),
            4,
            "the packet ends inside packet identifier (Malformed Packet)",
            "MQTT 3.1.1 §2.2.3",
            b"",
        ),
        (
            mqtt(0xC0, b"\x00"),
            4,
            "1 byte(s) left after the last field of PINGREQ (Malformed Packet)",
            "MQTT 3.1.1 §2.2.3",
            b"\x00",
        ),
        (
            mqtt(0x30, b"\x00\x02\xc3\x28"),
            4,
            "topic name is not well-formed UTF-8 (Malformed Packet)",
            "MQTT 3.1.1 §1.5.3",
            b"\xc3",
        ),
        (
            mqtt(0x30, utf8("a\x00b")),
            4,
            "topic name contains U+0000 (Malformed Packet)",
            "MQTT 3.1.1 §1.5.3",
            b"a\x00b",
        ),
        (
            mqtt(0x30, utf8("t") + b"\x80\x80\x80\x80\x01"),
            5,
            "a Variable Byte Integer of more than 4 bytes (Malformed Packet)",
            "MQTT 5.0 §1.5.5",
            b"\x80\x80\x80\x80",
        ),
    ],
)
def test_each_rule_names_its_section_and_bytes(
    packet: bytes, version: int, rule: str, section: str, where: bytes
) -> None:
    assert _rule(packet, version) == (rule, section, where)


def test_a_311_suback_code_table() -> None:
    d = decode(mqtt(0x90, b"\x00\x01\x00\x01\x02\x80"))
    assert d.violations == () and d.headline == "id=1 codes 0x00 0x01 0x02 0x80"
    assert "3.9.3" in _rule(mqtt(0x90, b"\x00\x01\x03"))[1]


def test_topic_filters() -> None:
    assert topic_filter_problem("sport/tennis/#") is None and topic_filter_problem("+/+") is None
    assert topic_filter_problem("#") is None and topic_filter_problem("sport+") == "'+' must be a whole level"
    assert topic_filter_problem("") == "a topic filter is at least one character"
