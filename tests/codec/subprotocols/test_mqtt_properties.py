"""The MQTT 5.0 property and reason code tables, declared once (MQTT 5.0 §2.2.2.2, §2.4)."""

from __future__ import annotations

from wsexplorer.codec.subprotocols.mqtt_properties import (
    CONNACK_RETURN_CODES_311,
    PACKET_REASON_CODES,
    PROPERTIES,
    REASON_CODES,
    SUBACK_RETURN_CODES_311,
)


def test_every_property_is_declared_with_its_type_packets_and_section() -> None:
    assert len(PROPERTIES) == 27
    for pid, prop in PROPERTIES.items():
        assert prop.kind in {"byte", "u16", "u32", "varint", "utf8", "binary", "pair"}, pid
        assert prop.section.startswith("MQTT 5.0 §3."), pid
        assert prop.packets, pid
    assert PROPERTIES[0x26].name == "User Property" and PROPERTIES[0x26].repeatable
    assert PROPERTIES[0x23].packets == {"PUBLISH"} and PROPERTIES[0x18].packets == {"WILL"}


def test_each_packets_reason_codes_are_defined_codes() -> None:
    for name, (codes, section) in PACKET_REASON_CODES.items():
        assert codes <= set(REASON_CODES), name
        assert section.startswith("MQTT 5.0 §3."), name
    assert 0x92 in PACKET_REASON_CODES["PUBREL"][0] and 0x92 not in PACKET_REASON_CODES["PUBACK"][0]
    assert PACKET_REASON_CODES["AUTH"][0] == {0x00, 0x18, 0x19}


def test_the_311_tables() -> None:
    assert sorted(CONNACK_RETURN_CODES_311) == [0, 1, 2, 3, 4, 5]
    assert sorted(SUBACK_RETURN_CODES_311) == [0, 1, 2, 0x80]
