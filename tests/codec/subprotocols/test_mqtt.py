"""MQTT over WebSocket: packets as a stream across messages, and what may come when (3.1.1 and 5.0)."""

from __future__ import annotations

from wsexplorer.codec.subprotocols import conversation
from wsexplorer.codec.subprotocols.base import Piece
from wsexplorer.codec.subprotocols.mqtt import MqttConversation

from .samples import Messages, mqtt, only, rules, run, spanned, utf8, varint

CONNECT = mqtt(0x10, utf8("MQTT") + b"\x04\x02\x00\x3c" + utf8("abc"))
CONNACK = mqtt(0x20, b"\x00\x00")
SUBSCRIBE = mqtt(0x82, b"\x00\x01" + utf8("a/b") + b"\x01" + utf8("c/#") + b"\x00")
SUBACK = mqtt(0x90, b"\x00\x01\x01\x00")
PUBLISH_1 = mqtt(0x32, utf8("a/b") + b"\x00\x02" + b"hello")
PUBACK = mqtt(0x40, b"\x00\x02")
PUBLISH_2 = mqtt(0x34, utf8("a/b") + b"\x00\x03" + b"x")


def props(*items: bytes) -> bytes:
    body = b"".join(items)
    return varint(len(body)) + body


CONNECT_5 = mqtt(
    0x10, utf8("MQTT") + b"\x05\x02\x00\x3c" + props(b"\x22\x00\x02") + utf8("abc")
)  # Topic Alias Max 2
CONNACK_5 = mqtt(
    0x20,
    b"\x00\x00" + props(b"\x22\x00\x02", b"\x21\x00\x01", b"\x24\x01", b"\x25\x00", b"\x27\x00\x00\x00\x20"),
)


def test_a_valid_311_conversation_breaks_no_rule() -> None:
    conv = MqttConversation()
    decoded = run(
        conv,
        [
            ("client", CONNECT),
            ("server", CONNACK),
            ("client", SUBSCRIBE),
            ("server", SUBACK),
            ("client", PUBLISH_1),
            ("server", PUBACK),
            ("server", PUBLISH_2),  # QoS 2 from the server: PUBREC, PUBREL, PUBCOMP
            ("client", mqtt(0x50, b"\x00\x03")),
            ("server", mqtt(0x62, b"\x00\x03")),
            ("client", mqtt(0x70, b"\x00\x03")),
            ("client", mqtt(0xA2, b"\x00\x04" + utf8("a/b"))),
            ("server", mqtt(0xB0, b"\x00\x04")),
            ("client", b"\xc0\x00"),
            ("server", b"\xd0\x00"),
            ("client", b"\xe0\x00"),
        ],
    )
    assert rules(decoded) == []
    assert [d.kind for d in decoded][:4] == ["CONNECT", "CONNACK", "SUBSCRIBE", "SUBACK"]
    assert conv.state == "MQTT 3.1.1, closed, 0 flow(s) open"


def test_a_packet_may_span_messages_and_a_message_hold_packets() -> None:
    conv = MqttConversation()
    assert conv.receive(CONNECT[:3], "client") == []
    [connect] = conv.receive(CONNECT[3:], "client")
    assert bytes(connect) == CONNECT and connect.pieces == (Piece(0, 0, 3), Piece(1, 0, len(CONNECT) - 3))
    both = conv.receive(SUBSCRIBE + PUBLISH_1[:4], "client")
    assert [d.kind for d in both] == ["SUBSCRIBE"]
    [publish] = conv.receive(PUBLISH_1[4:], "client")
    assert publish.pieces == (Piece(2, len(SUBSCRIBE), len(SUBSCRIBE) + 4), Piece(3, 0, len(PUBLISH_1) - 4))


def test_the_remaining_length_may_be_cut_between_messages() -> None:
    big = mqtt(0x30, utf8("t") + b"x" * 200)  # a 2-byte Remaining Length
    conv = MqttConversation()
    assert conv.receive(big[:2], "client") == []
    [d] = conv.receive(big[2:], "client")
    assert d.kind == "PUBLISH" and {f.name: f.raw for f in d.fields}["remaining length"] == big[1:3]


def test_mqtt_needs_binary_messages() -> None:
    decoded = MqttConversation().receive(CONNECT.decode("latin-1"), "client")
    assert [d.kind for d in decoded] == ["text message", "CONNECT"]  # flagged, and still read
    v = only(decoded[0])
    assert v.section == "MQTT 5.0 §6 [MQTT-6.0.0-1]" and v.field == "message"


def test_a_remaining_length_past_4_bytes_leaves_the_direction_unreadable() -> None:
    conv = MqttConversation()
    [bad] = conv.receive(b"\x30\xff\xff\xff\xff\x01", "client")
    v = only(bad)
    assert "Remaining Length runs past 4 bytes" in v.rule and spanned(bad, v) == b"\xff\xff\xff\xff"
    [after] = conv.receive(CONNECT, "client")
    assert after.kind == "unreadable" and "Remaining Length" in only(after).rule
    assert conv.receive(CONNACK, "server")[0].kind == "CONNACK"  # the other direction is unaffected


def test_a_packet_over_the_limit_is_skipped_not_buffered() -> None:
    conv = MqttConversation(max_packet_size=100)
    [head] = conv.receive(b"\x30" + varint(1000) + b"x" * 10, "client")
    assert head.kind == "PUBLISH (not decoded)" and "limit of 100" in only(head).rule and len(head) == 13
    assert len(conv.streams["client"]) == 0 and conv.skip["client"] == 990
    skipped, connect = conv.receive(b"y" * 990 + CONNECT, "client")
    assert skipped.kind == "skipped" and len(skipped) == 990 and connect.kind == "CONNECT"


def test_finish_reports_a_packet_cut_short() -> None:
    conv = MqttConversation()
    conv.receive(CONNECT[:-1], "client")
    [d] = conv.finish()
    assert d.kind == "incomplete" and "ended inside a packet" in only(d).rule


def test_too_many_packets_in_one_message_are_bounded() -> None:
    conv = MqttConversation(max_items=5)
    decoded = conv.receive(CONNECT + b"\xc0\x00" * 10, "client")
    assert (
        len(decoded) == 6
        and decoded[-1].kind == "not decoded"
        and "more than 5 packets" in only(decoded[-1]).rule
    )
    assert conv.receive(b"\xc0\x00", "client")[0].kind == "unreadable"


def _last(messages: Messages, **options: int) -> object:
    return run(MqttConversation(**options), messages)[-1]


def test_connect_first_and_once() -> None:
    d = run(MqttConversation(), [("client", b"\xc0\x00")])[-1]
    v = only(d)
    assert v.rule == "the client's first packet must be CONNECT, not PINGREQ (Protocol Error)"
    assert v.section == "MQTT 3.1.1 §3.1" and spanned(d, v) == b"\xc0"
    d = run(MqttConversation(), [("client", CONNECT), ("client", CONNECT)])[-1]
    assert only(d).rule == "a second CONNECT (Protocol Error)"
    d = run(MqttConversation(), [("client", CONNECT), ("server", b"\xd0\x00")])[-1]
    assert "first packet must be CONNACK, not PINGRESP" in rules([d])[0]


def test_packets_go_one_way() -> None:
    d = run(MqttConversation(), [("client", CONNECT), ("server", CONNACK), ("server", SUBSCRIBE)])[-1]
    assert rules([d]) == ["SUBSCRIBE is sent by the client only (Protocol Error)"]
    d = run(MqttConversation(), [("client", CONNECT), ("server", CONNACK), ("server", b"\xe0\x00")])[-1]
    assert rules([d]) == ["DISCONNECT is sent by the client only (Protocol Error)"]


def test_nothing_after_disconnect_or_a_refusal() -> None:
    d = run(MqttConversation(), [("client", CONNECT), ("client", b"\xe0\x00"), ("client", b"\xc0\x00")])[-1]
    assert rules([d]) == ["PINGREQ after the sender's DISCONNECT (Protocol Error)"]
    refused = mqtt(0x20, b"\x00\x05")
    d = run(MqttConversation(), [("client", CONNECT), ("server", refused), ("server", b"\xd0\x00")])[-1]
    assert "after a CONNACK that refused the connection" in rules([d])[0]


def test_acknowledgements_pair_with_their_packets() -> None:
    start: Messages = [("client", CONNECT), ("server", CONNACK)]
    d = run(MqttConversation(), [*start, ("server", PUBACK)])[-1]
    v = only(d)
    assert v.rule == "PUBACK for packet identifier 2, which awaits no PUBACK (Protocol Error)"
    assert v.section == "MQTT 3.1.1 §4.3" and spanned(d, v) == b"\x00\x02"
    d = run(MqttConversation(), [*start, ("client", PUBLISH_1), ("client", PUBLISH_1)])[-1]
    assert rules([d]) == ["packet identifier 2 is still in use by this sender (Protocol Error)"]
    d = run(MqttConversation(), [*start, ("client", PUBLISH_1), ("client", b"\x3a" + PUBLISH_1[1:])])[-1]
    assert rules([d]) == []  # DUP: a re-delivery may reuse its identifier
    d = run(MqttConversation(), [*start, ("client", SUBSCRIBE), ("server", mqtt(0x90, b"\x00\x01\x00"))])[-1]
    assert rules([d]) == ["1 reason code(s) for 2 topic filter(s) (Protocol Error)"]
    d = run(MqttConversation(), [*start, ("server", PUBLISH_2), ("server", mqtt(0x62, b"\x00\x03"))])[-1]
    assert rules([d]) == ["PUBREL for packet identifier 3, which awaits no PUBREL (Protocol Error)"]
    d = run(MqttConversation(), [*start, ("server", b"\xd0\x00")])[-1]
    assert rules([d]) == ["PINGRESP without a PINGREQ (Protocol Error)"]


def test_the_protocol_level_picks_the_version() -> None:
    conv = MqttConversation()
    run(conv, [("client", CONNECT_5), ("server", CONNACK_5)])
    assert conv.version == 5 and conv.state.startswith("MQTT 5.0")
    assert conversation("mqttv3.1").version == 3  # type: ignore[union-attr]


def test_50_limits_each_side_announced() -> None:
    start: Messages = [("client", CONNECT_5), ("server", CONNACK_5)]
    publish = mqtt(0x32, utf8("t") + b"\x00\x01" + props(b"\x23\x00\x01") + b"p")  # alias 1, QoS 1
    d = run(MqttConversation(), [*start, ("client", publish)])[-1]
    assert rules([d]) == [] and d.attributes["qos"] == 1  # QoS 1 is within Maximum QoS 1
    decoded = run(
        MqttConversation(),
        [
            *start,
            ("client", mqtt(0x30, utf8("t") + props(b"\x23\x00\x03"))),  # alias 3 > 2
            ("client", mqtt(0x30, utf8("") + props(b"\x23\x00\x02"))),  # alias 2 names nothing yet
            (
                "client",
                mqtt(0x30, utf8("long/topic/name/over/32/bytes/x") + props()),
            ),  # > Maximum Packet Size 32
            ("client", mqtt(0x31, utf8("t") + props())),  # RETAIN, but Retain Available 0
            ("client", mqtt(0x34, utf8("t") + b"\x00\x05" + props())),  # QoS 2 > Maximum QoS 1
        ],
    )
    assert rules(decoded[2:]) == [
        "Topic Alias 3 is not in 1..2 (reason 0x94) (Protocol Error)",
        "empty topic with Topic Alias 2, which names no topic yet (Protocol Error)",
        "a packet of 36 bytes, over the receiver's Maximum Packet Size 32 (Protocol Error)",
        "RETAIN set, but the server said Retain Available 0 (0x9A) (Protocol Error)",
        "QoS 2 over the server's Maximum QoS 1 (0x9B) (Protocol Error)",
    ]
    alias = run(
        MqttConversation(),
        [
            *start,
            ("client", mqtt(0x30, utf8("a/b") + props(b"\x23\x00\x01"))),
            ("client", mqtt(0x30, utf8("") + props(b"\x23\x00\x01"))),
        ],
    )[-1]
    assert alias.violations == () and "topic 'a/b' by alias" in alias.headline


def test_50_receive_maximum() -> None:
    start: Messages = [("client", CONNECT_5), ("server", CONNACK_5)]
    first = mqtt(0x32, utf8("t") + b"\x00\x01" + props())
    second = mqtt(0x32, utf8("t") + b"\x00\x02" + props())
    d = run(MqttConversation(), [*start, ("client", first), ("client", second)])[-1]
    assert rules([d]) == ["more than Receive Maximum 1 QoS>0 PUBLISH unacknowledged (0x93) (Protocol Error)"]


def test_50_server_disconnect_then_silence() -> None:
    start: Messages = [("client", CONNECT_5), ("server", CONNACK_5)]
    disconnect = mqtt(0xE0, b"\x8b" + props())  # Server shutting down
    decoded = run(MqttConversation(), [*start, ("server", disconnect), ("server", b"\xd0\x00")])
    assert decoded[2].violations == () and decoded[2].headline == "0x8B Server shutting down"
    assert rules(decoded[3:]) == [
        "PINGRESP after the sender's DISCONNECT (Protocol Error)",
        "PINGRESP without a PINGREQ (Protocol Error)",
    ]
