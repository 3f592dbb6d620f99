"""Reading MQTT data types and properties with their spans (MQTT 5.0 §1.5, §2.2.2)."""

from __future__ import annotations

from wsexplorer.codec.subprotocols.base import MessageBuilder
from wsexplorer.codec.subprotocols.mqtt_reader import MqttRule, PacketReader, ShortPacket, section

from .samples import utf8, varint


def reader(data: bytes, version: int = 5, name: str = "PUBLISH") -> PacketReader:
    return PacketReader(MessageBuilder("mqtt", data, "client"), version, 0, name)


def test_sections_follow_the_version() -> None:
    assert section(5, "3.3.1", "3.3.1.x") == "MQTT 5.0 §3.3.1"
    assert section(4, "3.3.1", "3.3.1.x") == "MQTT 3.1.1 §3.3.1.x"
    assert section(3, "3.15", None) == "MQTT 5.0 §3.15"  # a 5.0-only rule


def test_a_rule_may_cite_a_packets_own_table() -> None:
    rule = MqttRule("bad {what}", "2.4", "3.2.2.3")
    v = rule.violation(5, 3, 4, what="code", at="MQTT 5.0 §3.9.3")
    assert (v.rule, v.section, v.start, v.end) == ("bad code (Protocol Error)", "MQTT 5.0 §3.9.3", 3, 4)


def test_integers_and_strings_are_fields_with_their_bytes() -> None:
    r = reader(b"\x01\x02" + varint(321) + utf8("é"))
    assert r.uint(2, "n", "{value}", "ref") == 258
    assert r.varint("v", "{value}", "ref") == 321
    assert r.text("s", "a string", "ref") == "é"
    d = r.b.build()
    assert [(f.name, f.raw) for f in d.fields] == [
        ("n", b"\x01\x02"),
        ("v", varint(321)),
        ("s length", b"\x00\x02"),
        ("s", "é".encode()),
    ]


def test_reading_past_the_end_raises_the_internal_short_packet() -> None:
    r = reader(b"\x00\x05ab")
    try:
        r.text("topic", "t", "ref")
    except ShortPacket as short:
        assert short.what == "topic"
    else:
        raise AssertionError("a short string must not be read")


def test_repeatable_properties() -> None:
    user = b"\x26" + utf8("k") + utf8("v")
    sub_id = b"\x0b\x05"
    body = user + user + sub_id + sub_id
    r = reader(varint(len(body)) + body, name="PUBLISH")
    found = r.properties("PUBLISH")
    assert found == {"User Property": [("k", "v"), ("k", "v")], "Subscription Identifier": [5, 5]}
    assert r.b.violations == []
    r = reader(varint(len(sub_id) * 2) + sub_id + sub_id, name="SUBSCRIBE")
    r.properties("SUBSCRIBE")
    assert [v.rule for v in r.b.violations] == [
        "Subscription Identifier appears more than once (Protocol Error)"
    ]


def test_properties_are_not_read_before_50() -> None:
    r = reader(b"\x05\x11\x00\x00\x00\x01", version=4)
    assert r.properties("CONNECT") == {} and r.pos == 0
