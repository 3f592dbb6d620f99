"""Engine.IO v4 over WebSocket: handshake, upgrade probe, heartbeat (v4 direction), packet types."""

from __future__ import annotations

from wsexplorer.codec.subprotocols import conversation
from wsexplorer.codec.subprotocols.engineio import EngineIOConversation

from .samples import Messages, field, only, rules, run, spanned

OPEN = (
    '0{"sid":"lv_VI97HAXpY6yYWAAAC","upgrades":[],"pingInterval":25000,"pingTimeout":20000,'
    '"maxPayload":1000000}'
)


def test_a_websocket_only_session_breaks_no_rule() -> None:
    conv = EngineIOConversation()
    messages: Messages = [
        ("server", OPEN),
        ("client", "4hello"),
        ("server", "2"),
        ("client", "3"),
        ("server", b"\x01\x02"),
    ]
    decoded = run(conv, messages)
    assert rules(decoded) == []
    assert [d.kind for d in decoded] == ["open", "message", "ping", "pong", "message (binary)"]
    assert (
        decoded[0].attributes["pingInterval"] == 25000 and decoded[0].headline == "sid='lv_VI97HAXpY6yYWAAAC'"
    )
    assert field(decoded[1], "data") == "hello" and decoded[3].headline == "(answers the server's ping)"
    assert conv.state == "open"


def test_the_heartbeat_is_a_text_message_not_a_websocket_ping() -> None:
    [ping] = run(EngineIOConversation(), [("server", OPEN), ("server", "2")])[1:]
    [f] = ping.fields
    assert f.name == "packet type" and "not a WebSocket ping frame" in f.meaning
    assert f.rfc_ref == "Engine.IO v4 protocol: Protocol"


def test_the_upgrade_probe_then_upgrade() -> None:
    conv = EngineIOConversation()
    decoded = run(conv, [("client", "2probe"), ("server", "3probe"), ("client", "5"), ("client", "4x")])
    assert rules(decoded) == []
    assert [d.kind for d in decoded[:3]] == ["ping (upgrade probe)", "pong (upgrade probe)", "upgrade"]
    assert conv.state == "open"


def test_upgrade_before_the_probe_is_answered() -> None:
    d = run(EngineIOConversation(), [("client", "2probe"), ("client", "5")])[-1]
    v = only(d)
    assert v.section == "Engine.IO v4 protocol: Upgrade" and spanned(d, v) == b"5"


def test_a_client_heartbeat_ping_is_engine_io_v3() -> None:
    d = run(EngineIOConversation(), [("server", OPEN), ("client", "2")])[-1]
    v = only(d)
    assert (
        "is Engine.IO v3" in v.rule
        and v.section == "Engine.IO v4 protocol: Heartbeat; History: From v3 to v4"
    )
    v = only(run(EngineIOConversation(), [("server", OPEN), ("server", "3")])[-1])
    assert "only the client answers pong" in v.rule


def test_the_server_opens_first_and_once() -> None:
    v = only(run(EngineIOConversation(), [("server", "4hi")])[-1])
    assert v.section == "Engine.IO v4 protocol: Handshake" and v.rule.startswith("the server's first packet")
    v = only(run(EngineIOConversation(), [("server", OPEN), ("server", OPEN)])[-1])
    assert v.rule == "a second open packet"
    v = only(run(EngineIOConversation(), [("client", OPEN)])[-1])
    assert v.rule == "open packets are sent by the server"


def test_open_data_is_checked() -> None:
    d = run(EngineIOConversation(), [("server", '0{"sid":"a","upgrades":[],"pingInterval":"x"}')])[-1]
    assert sorted(v.rule for v in d.violations) == [
        "open data needs 'pingInterval' (int)",
        "open data needs 'pingTimeout' (int)",
    ]
    assert spanned(d, d.violations[0]) == b'"x"'  # the wrong value itself
    assert all(v.section == "Engine.IO v4 protocol: Handshake" for v in d.violations)
    assert "not JSON" in only(run(EngineIOConversation(), [("server", "0{")])[-1]).rule


def test_unknown_and_empty_packets() -> None:
    d = run(EngineIOConversation(), [("server", OPEN), ("server", "9x")])[-1]
    v = only(d)
    assert v.rule == "packet type '9' is not one of 0-6" and spanned(d, v) == b"9"
    assert "empty text message" in only(run(EngineIOConversation(), [("server", "")])[-1]).rule


def test_nothing_after_close() -> None:
    d = run(EngineIOConversation(), [("server", OPEN), ("client", "1"), ("client", "4late")])[-1]
    assert only(d).rule == "message packet after a close packet"


def test_engine_io_is_chosen_explicitly() -> None:
    assert conversation("engine.io") is None
    assert isinstance(conversation(None, choice="engine.io"), EngineIOConversation)
